"""``keyacct-xl statement``: print-ready customer statements (对账单) for one customer or all with a balance."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from keyacct_xl.consolidate.safety import WORKBOOK_SUFFIXES
from keyacct_xl.errors import InputError
from keyacct_xl.i18n import Lang
from keyacct_xl.master.reader import load_master
from keyacct_xl.messages import Message, msg, tr
from keyacct_xl.receivables.master_lines import past_the_data
from keyacct_xl.receivables.statement_book import write_statements
from keyacct_xl.receivables.statements import parse_period

# The help texts of the command, catalog messages: --help follows --lang, else the system locale (default zh).
HELP: dict[str, Message] = {
    "statement": msg("customer statements of account (A4 workbooks)"),
    "master": msg("master workbook"),
    "--customer": msg("customer ID"),
    "--all": msg("every customer with a balance at the period end"),
    "--period": msg("month, e.g. 2026-10"),
    "--out": msg("output folder (default: statements_<period> beside MASTER)"),
}


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser, lang: Lang) -> None:
    """Add ``statement``."""
    parser = sub.add_parser("statement", parents=[common], help=HELP["statement"].render(lang))
    parser.add_argument("master", type=Path, help=HELP["master"].render(lang))
    who = parser.add_mutually_exclusive_group(required=True)
    who.add_argument("--customer", help=HELP["--customer"].render(lang))
    who.add_argument("--all", action="store_true", help=HELP["--all"].render(lang))
    parser.add_argument("--period", required=True, help=HELP["--period"].render(lang))
    parser.add_argument("--out", type=Path, help=HELP["--out"].render(lang))
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Write one workbook per customer (a progress bar for --all on a terminal); 1 when --all skipped any."""
    start, end = parse_period(args.period)
    if args.out is not None and args.out.suffix.lower() in WORKBOOK_SUFFIXES:
        raise InputError(
            msg(
                "--out {out}: names the folder the statements are written into (one workbook per customer, named "
                "by the customer), not a workbook; pass a folder such as {folder}",
                out=args.out,
                folder=args.out.with_suffix(""),
            )
        )
    master = load_master(args.master)
    out = args.out or args.master.with_name(f"statements_{end:%Y-%m}")
    written = write_statements(
        master,
        [args.customer] if args.customer else None,
        start=start,
        end=end,
        out=out,
        lang=args.lang,
        progress=bool(args.all),
    )
    print(tr(args.lang, "statements: {paths_count} written to {out}", paths_count=len(written.paths), out=out))
    partial = past_the_data(master, f"{end:%Y-%m}", end)
    if partial is not None:  # a statement is sent to the customer: one aged past the data must not go unsaid
        print("keyacct-xl: " + tr(args.lang, "warning: {text}", text=partial), file=sys.stderr)
    # The customers not written, together after the count: a partial run, exit code 1 (docs/receivables.md).
    for line in written.skipped_lines(args.lang):
        print(line)
    return 1 if written.skipped else 0
