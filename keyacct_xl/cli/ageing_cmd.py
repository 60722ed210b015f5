"""``keyacct-xl ageing``: receivables by days past due, one row per customer (账龄分析)."""

from __future__ import annotations

import argparse
from pathlib import Path

from keyacct_xl.cli.checks import warn_references
from keyacct_xl.cli.options import option_date
from keyacct_xl.i18n import pick
from keyacct_xl.master.integrity import LEDGER_TABLES
from keyacct_xl.master.reader import load_master
from keyacct_xl.receivables.ageing import age_ledger, ageing_totals, overdue_total, parse_buckets
from keyacct_xl.receivables.ageing_report import write_ageing
from keyacct_xl.receivables.ledger import build_ledger


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    """Add ``ageing``."""
    parser = sub.add_parser("ageing", parents=[common], help="receivables ageing per customer (xlsx or csv)")
    parser.add_argument("master", type=Path, help="master workbook")
    parser.add_argument("--as-of", help="cut-off date (default: latest transaction or payment)")
    parser.add_argument("--buckets", help="days past due, e.g. 30,60,90,180 (default: the ageing_buckets setting)")
    parser.add_argument("--out", type=Path, help="FILE.xlsx or FILE.csv (default: ageing_<date>.xlsx beside MASTER)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Load, build the ledger, age it, write the report, print the totals."""
    master = load_master(args.master)
    warn_references(master, LEDGER_TABLES, args.lang)
    buckets = parse_buckets(args.buckets or master.settings.get("ageing_buckets", "30,60,90,180"))
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
