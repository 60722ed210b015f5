"""``keyacct-xl statement``: print-ready customer statements (对账单) for one customer or all with a balance."""

from __future__ import annotations

import argparse
from pathlib import Path

from keyacct_xl.i18n import pick
from keyacct_xl.master.reader import load_master
from keyacct_xl.receivables.statement_book import write_statements
from keyacct_xl.receivables.statements import parse_period


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    """Add ``statement``."""
    parser = sub.add_parser("statement", parents=[common], help="customer statements of account (A4 workbooks)")
    parser.add_argument("master", type=Path, help="master workbook")
    who = parser.add_mutually_exclusive_group(required=True)
    who.add_argument("--customer", help="customer ID")
    who.add_argument("--all", action="store_true", help="every customer with a balance at the period end")
    parser.add_argument("--period", required=True, help="month, e.g. 2026-10")
    parser.add_argument("--out", type=Path, help="output folder (default: statements_<period> beside MASTER)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Write one workbook per customer; a progress bar for --all."""
    start, end = parse_period(args.period)
    master = load_master(args.master)
    out = args.out or args.master.with_name(f"statements_{end:%Y-%m}")
    paths = write_statements(master, [args.customer] if args.customer else None, start=start, end=end, out=out,
                             lang=args.lang, progress=bool(args.all))
    print(pick(args.lang, f"对账单：{len(paths)} 份，保存在 {out}", f"statements: {len(paths)} written to {out}"))
    return 0
