"""``keyacct-xl analyze MASTER --year Y``: one analysis workbook with native charts."""

from __future__ import annotations

import argparse
from pathlib import Path

from keyacct_xl.analytics.analysis import analysis_sheets
from keyacct_xl.analytics.workbook import write_analysis
from keyacct_xl.cli.checks import warn_references
from keyacct_xl.errors import InputError
from keyacct_xl.i18n import Lang, pick
from keyacct_xl.master.integrity import LEDGER_TABLES
from keyacct_xl.master.reader import load_master

# The help texts of the command, (zh, en): --help follows --lang, else the system locale (default zh).
HELP: dict[str, tuple[str, str]] = {
    "analyze": ("分析工作簿：帕累托、等级构成、销售构成、毛利、危险客户",
                "analysis workbook: Pareto, grade mix, composition, margins, risky customers"),
    "master": ("客户档案总表", "the master workbook"),
    "--year": ("分析的自然年", "the analysed calendar year"),
    "--out": ("输出 .xlsx（默认：总表旁的 analysis-年份.xlsx）",
              "output .xlsx (default: analysis-YEAR.xlsx beside the master)"),
    "--drop-pct": ("风险：销售额下降超过此百分比（30）", "risk: sales down more than this %% (30)"),
    "--overdue-days": ("风险：逾期超过 N 天（90）", "risk: overdue more than N days (90)"),
    "--silent-days": ("风险：N 天未购买（90）", "risk: no purchase for N days (90)"),
    "--code-prefix": ("属性编码第 1 位，对所有客户相同（默认：按客户类别）",
                      "attribute code position 1 for everyone (default: by customer category)"),
}


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser, lang: Lang) -> None:
    """Add ``analyze``."""
    parser = sub.add_parser("analyze", parents=[common],
                            help=pick(lang, *HELP["analyze"]))
    parser.add_argument("master", type=Path, help=pick(lang, *HELP["master"]))
    parser.add_argument("--year", type=int, required=True, help=pick(lang, *HELP["--year"]))
    parser.add_argument("--out", type=Path, help=pick(lang, *HELP["--out"]))
    parser.add_argument("--drop-pct", type=float, default=30.0, help=pick(lang, *HELP["--drop-pct"]))
    parser.add_argument("--overdue-days", type=int, default=90, help=pick(lang, *HELP["--overdue-days"]))
    parser.add_argument("--silent-days", type=int, default=90, help=pick(lang, *HELP["--silent-days"]))
    parser.add_argument("--code-prefix", help=pick(lang, *HELP["--code-prefix"]))
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
