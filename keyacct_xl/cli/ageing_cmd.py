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
from keyacct_xl.receivables.ageing import age_ledger, ageing_totals, overdue_total, parse_buckets
from keyacct_xl.receivables.ageing_report import write_ageing
from keyacct_xl.receivables.ledger import build_ledger

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
    """Load, build the ledger, age it, write the report, print the totals."""
    master = load_master(args.master)
    warn_references(master, LEDGER_TABLES, args.lang)
    buckets = parse_buckets(args.buckets) if args.buckets else master.settings.ageing_buckets
    ledger = build_ledger(master.transactions, master.payments, master.customers,
                          as_of=option_date(args.as_of, "--as-of"))
    table = age_ledger(ledger, master.customers, buckets=buckets)
    out = args.out or args.master.with_name(f"ageing_{ledger.as_of:%Y-%m-%d}.xlsx")
    write_ageing(table, out, as_of=ledger.as_of, lang=args.lang, buckets=buckets)
    totals = ageing_totals(table, buckets=buckets)
    overdue = overdue_total(totals, buckets=buckets)
    print(pick(args.lang,
               f"账龄分析：{out}（{len(table)} 户，余额 ¥{totals['balance']:,.2f}，逾期 ¥{overdue:,.2f}，"
               f"超额度 {totals['over_limit']} 户）",
               f"ageing: {out} ({len(table)} customers, balance ¥{totals['balance']:,.2f}, "
               f"overdue ¥{overdue:,.2f}, {totals['over_limit']} over limit)"))
    return 0
