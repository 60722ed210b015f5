"""``keyacct-xl run``: run a ribbon action on a master workbook file, exactly as the Excel ribbon does."""

from __future__ import annotations

import argparse
from pathlib import Path

from keyacct_xl.bridge.base import ActionOptions, FileBridge
from keyacct_xl.errors import InputError
from keyacct_xl.macros import ACTIONS, run_action


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    """Add ``run``."""
    parser = sub.add_parser("run", parents=[common], help="run a ribbon action headless (run --list for names)")
    parser.add_argument("action", nargs="?", help="action name, as on the ribbon button's tag")
    parser.add_argument("--list", action="store_true", help="print the action names, one per line")
    parser.add_argument("--book", type=Path, help="the master workbook (.xlsx)")
    parser.add_argument("--out", type=Path, help="folder for reports (default: reports/ beside the master)")
    parser.add_argument("--as-of", help="cut-off date (default: latest date in the data)")
    parser.add_argument("--year", type=int, help="year to grade or analyse (default: latest year with sales)")
    parser.add_argument("--input", type=Path, help="an input file the action reads (e.g. a statement)")
    parser.add_argument("--approved-by", help="who approved the grades (apply_grades)")
    parser.add_argument("--customer", help="customer ID (reconcile, statements)")
    parser.add_argument("--period", help="week 2026-W48 or month 2026-11 (prefill_forms, statements)")
    parser.add_argument("--rep", help="only this sales rep (prefill_forms)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """List the actions, or run one through the file back end."""
    if args.list:
        print("\n".join(ACTIONS))
        return 0
    if not args.action:
        raise InputError("give an action name or --list", "请给出操作名称，或使用 --list")
    options = ActionOptions(as_of=args.as_of, year=args.year, out_dir=args.out, input=args.input,
                            approved_by=args.approved_by,
                            extra={k: v for k, v in (("customer", args.customer), ("period", args.period),
                                                    ("rep", args.rep)) if v})
    run_action(args.action, FileBridge(args.book, lang=args.lang), options)
    return 0
