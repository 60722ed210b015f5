"""``keyacct-xl run``: run a ribbon action on a master workbook file, exactly as the Excel ribbon does."""

from __future__ import annotations

import argparse
from pathlib import Path

from keyacct_xl.bridge.base import ActionOptions, FileBridge
from keyacct_xl.errors import InputError
from keyacct_xl.i18n import Lang
from keyacct_xl.macros import ACTIONS, run_action
from keyacct_xl.messages import Message, msg

# The help texts of the command, catalog messages: --help follows --lang, else the system locale (default zh).
HELP: dict[str, Message] = {
    "run": msg("run a ribbon action headless (run --list for names)"),
    "action": msg("action name, as on the ribbon button's tag"),
    "--list": msg("print the action names, one per line"),
    "--book": msg("the master workbook (.xlsx)"),
    "--out": msg("folder for reports (default: reports/ beside the master)"),
    "--as-of": msg("cut-off date (default: latest date in the data)"),
    "--year": msg("year to grade or analyse (default: latest year with sales)"),
    "--input": msg("an input file the action reads (e.g. a statement)"),
    "--approved-by": msg("who approved the grades (apply_grades)"),
    "--customer": msg("customer ID (reconcile, statements)"),
    "--period": msg("week 2026-W48 or month 2026-11 (prefill_forms, statements)"),
    "--rep": msg("only this sales rep (prefill_forms)"),
    "--amount": msg("order amount (credit_check)"),
}


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser, lang: Lang) -> None:
    """Add ``run``."""
    parser = sub.add_parser("run", parents=[common], help=HELP["run"].render(lang))
    parser.add_argument("action", nargs="?", help=HELP["action"].render(lang))
    parser.add_argument("--list", action="store_true", help=HELP["--list"].render(lang))
    parser.add_argument("--book", type=Path, help=HELP["--book"].render(lang))
    parser.add_argument("--out", type=Path, help=HELP["--out"].render(lang))
    parser.add_argument("--as-of", help=HELP["--as-of"].render(lang))
    parser.add_argument("--year", type=int, help=HELP["--year"].render(lang))
    parser.add_argument("--input", type=Path, help=HELP["--input"].render(lang))
    parser.add_argument("--approved-by", help=HELP["--approved-by"].render(lang))
    parser.add_argument("--customer", help=HELP["--customer"].render(lang))
    parser.add_argument("--period", help=HELP["--period"].render(lang))
    parser.add_argument("--rep", help=HELP["--rep"].render(lang))
    parser.add_argument("--amount", help=HELP["--amount"].render(lang))
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """List the actions, or run one through the file back end."""
    if args.list:
        print("\n".join(ACTIONS))
        return 0
    if not args.action:
        raise InputError(msg("give an action name or --list"))
    options = ActionOptions(
        as_of=args.as_of,
        year=args.year,
        out_dir=args.out,
        input=args.input,
        approved_by=args.approved_by,
        extra={
            k: v
            for k, v in (
                ("customer", args.customer),
                ("period", args.period),
                ("rep", args.rep),
                ("amount", args.amount),
            )
            if v
        },
    )
    run_action(args.action, FileBridge(args.book, lang=args.lang), options)
    return 0
