"""``keyacct-xl analyze MASTER --year Y``: one analysis workbook with native charts."""

from __future__ import annotations

import argparse
from pathlib import Path

from keyacct_xl.analytics.analysis import analysis_sheets
from keyacct_xl.analytics.workbook import write_analysis
from keyacct_xl.cli.checks import warn_references
from keyacct_xl.errors import InputError
from keyacct_xl.i18n import pick
from keyacct_xl.master.integrity import LEDGER_TABLES
from keyacct_xl.master.reader import load_master


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    """Add ``analyze``."""
    parser = sub.add_parser("analyze", parents=[common],
                            help="analysis workbook: Pareto, grade mix, composition, margins, risky customers")
    parser.add_argument("master", type=Path, help="the master workbook")
    parser.add_argument("--year", type=int, required=True, help="the analysed calendar year")
    parser.add_argument("--out", type=Path, help="output .xlsx (default: analysis-YEAR.xlsx beside the master)")
    parser.add_argument("--drop-pct", type=float, default=30.0, help="risk: sales down more than this %% (30)")
    parser.add_argument("--overdue-days", type=int, default=90, help="risk: overdue more than N days (90)")
    parser.add_argument("--silent-days", type=int, default=90, help="risk: no purchase for N days (90)")
    parser.add_argument("--code-prefix", help="attribute code position 1 for everyone (default: by customer category)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Build every sheet and write the workbook."""
    if args.drop_pct < 0 or args.overdue_days < 0 or args.silent_days < 0:
        raise InputError("analyze: thresholds cannot be negative", "analyze：阈值不能为负数")
    master = load_master(args.master)
    warn_references(master, LEDGER_TABLES, args.lang)
    out = args.out or args.master.with_name(f"analysis-{args.year}.xlsx")
    sheets = analysis_sheets(master, year=args.year, lang=args.lang, drop_pct=args.drop_pct,
                             overdue_days=args.overdue_days, silent_days=args.silent_days,
                             code_prefix=args.code_prefix)
    write_analysis(out, sheets, title=pick(args.lang, f"{args.year} 年客户分析", f"Customer analysis {args.year}"),
                   lang=args.lang)
    for sheet in sheets:
        print(f"  {sheet.title}: {len(sheet.frame):,}")
    print(pick(args.lang, f"已写入：{out}", f"written: {out}"))
    return 0
