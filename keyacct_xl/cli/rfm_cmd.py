"""``keyacct-xl rfm INPUT``: RFM scores and classes per customer, with a class summary and chart."""

from __future__ import annotations

import argparse
from pathlib import Path

from keyacct_xl.analytics.analysis import rfm_sheets
from keyacct_xl.analytics.inputs import load_transactions
from keyacct_xl.analytics.rfm import class_summary, rfm
from keyacct_xl.analytics.workbook import write_table
from keyacct_xl.cli.checks import warn_references
from keyacct_xl.cli.options import option_date
from keyacct_xl.i18n import Lang, pick
from keyacct_xl.master.integrity import SALES_TABLES
from keyacct_xl.master.reader import is_master_workbook, load_master

# The help texts of the command, (zh, en): --help follows --lang, else the system locale (default zh).
HELP: dict[str, tuple[str, str]] = {
    "rfm": ("每个客户的 RFM 得分和八类 RFM 分类", "RFM scores and the eight RFM classes per customer"),
    "input": ("客户档案总表，或销售明细表（.xlsx/.csv/.parquet）",
              "master workbook, or a .xlsx/.csv/.parquet table of sales lines"),
    "--as-of": ("参考日期（默认：数据中的最近日期）", "reference date (default: the latest date in the data)"),
    "--period-months": ("只统计最近 N 个月（默认：参数设置中的 RFM 统计期，否则全部）",
                        "count only the last N months (default: Settings rfm_period_months, else all)"),
    "--monetary": ("金额取合计或每单平均（默认：参数设置，否则合计）",
                   "money as the total or the average per order (default: Settings, else total)"),
    "--out": ("把结果写入 .xlsx（含汇总和图表）或 .csv", "write the table to .xlsx (with summary and chart) or .csv"),
}


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser, lang: Lang) -> None:
    """Add ``rfm``."""
    parser = sub.add_parser("rfm", parents=[common], help=pick(lang, *HELP["rfm"]))
    parser.add_argument("input", type=Path, help=pick(lang, *HELP["input"]))
    parser.add_argument("--as-of", help=pick(lang, *HELP["--as-of"]))
    parser.add_argument("--period-months", type=int, default=None,
                        help=pick(lang, *HELP["--period-months"]))
    parser.add_argument("--monetary", choices=["total", "average"], default=None,
                        help=pick(lang, *HELP["--monetary"]))
    parser.add_argument("--out", type=Path, help=pick(lang, *HELP["--out"]))
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Compute RFM, print the class summary, write the table when asked."""
    period, monetary = args.period_months, args.monetary
    if is_master_workbook(args.input):
        master = load_master(args.input)
        warn_references(master, SALES_TABLES, args.lang)
        transactions = master.transactions
        if period is None:
            period = master.settings.rfm_period_months or None
        monetary = monetary or master.settings.rfm_monetary
    else:
        transactions = load_transactions(args.input)
    table = rfm(transactions, as_of=option_date(args.as_of, "--as-of"), period_months=period,
                monetary=monetary or "total", lang=args.lang)  # type: ignore[arg-type]
    summary = class_summary(table, lang=args.lang)
    for row in summary.itertuples():
        print(f"{row.rfm_class_label}\t{row.customers:>8,}\t{row.customer_share:6.1%}\t{row.revenue:>16,.2f}"
              f"\t{row.revenue_share:6.1%}")
    if args.out:
        write_table(args.out, rfm_sheets(table, summary, args.lang), title=pick(args.lang, "RFM 分析", "RFM analysis"),
                    lang=args.lang)
        print(pick(args.lang, f"已写入：{args.out}", f"written: {args.out}"))
    return 0
