"""``keyacct-xl ageing``: receivables by days past due, one row per customer (账龄分析)."""

from __future__ import annotations

import argparse
from pathlib import Path

from keyacct_xl.cli.checks import warn_references
from keyacct_xl.cli.options import option_date
from keyacct_xl.i18n import Lang, pick
from keyacct_xl.master.integrity import LEDGER_TABLES
from keyacct_xl.master.reader import load_master
from keyacct_xl.master.settings import DEFAULTS
from keyacct_xl.receivables.ageing import parse_buckets
from keyacct_xl.receivables.usecase import run_ageing

# The help texts of the command, (zh, en): --help follows --lang, else the system locale (default zh).
HELP: dict[str, tuple[str, str]] = {
    "ageing": ("按客户的应收账款账龄分析（xlsx 或 csv）", "receivables ageing per customer (xlsx or csv)"),
    "master": ("客户档案总表", "master workbook"),
    "--as-of": ("截止日期（默认：最近一笔销售或收款的日期）", "cut-off date (default: latest transaction or payment)"),
    "--buckets": (f"逾期天数分段，如 {DEFAULTS['ageing_buckets']}（默认：参数设置中的账龄分段）",
                  f"days past due, e.g. {DEFAULTS['ageing_buckets']} (default: the ageing_buckets setting)"),
    "--out": ("输出 .xlsx 或 .csv 文件（默认：总表旁的 ageing_<日期>.xlsx）",
              "FILE.xlsx or FILE.csv (default: ageing_<date>.xlsx beside MASTER)"),
}


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser, lang: Lang) -> None:
    """Add ``ageing``."""
    parser = sub.add_parser("ageing", parents=[common], help=pick(lang, *HELP["ageing"]))
    parser.add_argument("master", type=Path, help=pick(lang, *HELP["master"]))
    parser.add_argument("--as-of", help=pick(lang, *HELP["--as-of"]))
    parser.add_argument("--buckets", help=pick(lang, *HELP["--buckets"]))
    parser.add_argument("--out", type=Path, help=pick(lang, *HELP["--out"]))
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Load the master, run the ageing into ``--out`` (default: beside the master), print its summary."""
    master = load_master(args.master)
    warn_references(master, LEDGER_TABLES, args.lang)
    result = run_ageing(master, as_of=option_date(args.as_of, "--as-of"),
                        buckets=parse_buckets(args.buckets) if args.buckets else None,
                        out=args.out, out_dir=args.master.parent, lang=args.lang)
    print(result.report_line(args.lang))
    return 0
