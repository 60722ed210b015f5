"""``keyacct-xl statement``: print-ready customer statements (对账单) for one customer or all with a balance."""

from __future__ import annotations

import argparse
from pathlib import Path

from keyacct_xl.i18n import Lang, pick
from keyacct_xl.master.reader import load_master
from keyacct_xl.receivables.statement_book import write_statements
from keyacct_xl.receivables.statements import parse_period

# The help texts of the command, (zh, en): --help follows --lang, else the system locale (default zh).
HELP: dict[str, tuple[str, str]] = {
    "statement": ("客户往来对账单（A4 工作簿）", "customer statements of account (A4 workbooks)"),
    "master": ("客户档案总表", "master workbook"),
    "--customer": ("客户编号", "customer ID"),
    "--all": ("期末有余额的所有客户", "every customer with a balance at the period end"),
    "--period": ("月份，如 2026-10", "month, e.g. 2026-10"),
    "--out": ("输出文件夹（默认：总表旁的 statements_<期间>）",
              "output folder (default: statements_<period> beside MASTER)"),
}


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser, lang: Lang) -> None:
    """Add ``statement``."""
    parser = sub.add_parser("statement", parents=[common], help=pick(lang, *HELP["statement"]))
    parser.add_argument("master", type=Path, help=pick(lang, *HELP["master"]))
    who = parser.add_mutually_exclusive_group(required=True)
    who.add_argument("--customer", help=pick(lang, *HELP["--customer"]))
    who.add_argument("--all", action="store_true", help=pick(lang, *HELP["--all"]))
    parser.add_argument("--period", required=True, help=pick(lang, *HELP["--period"]))
    parser.add_argument("--out", type=Path, help=pick(lang, *HELP["--out"]))
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
