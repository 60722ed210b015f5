"""``keyacct-xl abc INPUT``: Pareto / ABC classes of customers by revenue and the sources' summary table."""

from __future__ import annotations

import argparse
from pathlib import Path

from keyacct_xl.analytics.abc import abc_classes, abc_summary, revenue_by_customer
from keyacct_xl.analytics.analysis import abc_sheets, pareto_curve, top_share
from keyacct_xl.analytics.inputs import load_transactions
from keyacct_xl.analytics.workbook import write_table
from keyacct_xl.cli.checks import warn_references
from keyacct_xl.errors import InputError
from keyacct_xl.i18n import Lang, pick
from keyacct_xl.master.integrity import SALES_TABLES
from keyacct_xl.master.reader import is_master_workbook, load_master

# The help texts of the command, (zh, en): --help follows --lang, else the system locale (default zh).
HELP: dict[str, tuple[str, str]] = {
    "abc": ("按销售额的帕累托 / ABC 客户分类", "Pareto / ABC classes of customers by revenue"),
    "input": ("客户档案总表，或销售明细表（.xlsx/.csv/.parquet）",
              "master workbook, or a .xlsx/.csv/.parquet table of sales lines"),
    "--thresholds": ("A 类和 B 类的销售额下限，如 1000000,100000（默认）",
                     "A and B minimum revenue, e.g. 1000000,100000 (the default)"),
    "--shares": ("A 类和 B 类的销售额占比（%），如 80,15", "A and B shares of revenue in percent, e.g. 80,15"),
    "--year": ("只统计一个自然年（默认：全部数据）", "one calendar year (default: all data)"),
    "--out": ("把结果写入 .xlsx（含汇总、曲线和图表）或 .csv",
              "write the table to .xlsx (with summary, curve, charts) or .csv"),
}


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser, lang: Lang) -> None:
    """Add ``abc``."""
    parser = sub.add_parser("abc", parents=[common], help=pick(lang, *HELP["abc"]))
    parser.add_argument("input", type=Path, help=pick(lang, *HELP["input"]))
    cut = parser.add_mutually_exclusive_group()
    cut.add_argument("--thresholds", help=pick(lang, *HELP["--thresholds"]))
    cut.add_argument("--shares", help=pick(lang, *HELP["--shares"]))
    parser.add_argument("--year", type=int, help=pick(lang, *HELP["--year"]))
    parser.add_argument("--out", type=Path, help=pick(lang, *HELP["--out"]))
    parser.set_defaults(func=run)


def parse_pair(text: str | None, option: str) -> tuple[float, float] | None:
    """Two comma-separated numbers, or a clear error naming the option."""
    if text is None:
        return None
    parts = [p.strip().replace("_", "") for p in text.replace("，", ",").split(",")]
    try:
        a, b = (float(p) for p in parts)
    except ValueError:
        example = "1000000,100000" if option == "--thresholds" else "80,15"
        raise InputError(f"{option}: expected two numbers like {example}, got {text!r}",
                         f"{option}：应为两个数字（如 {example}），实际为 {text!r}") from None
    return a, b


def run(args: argparse.Namespace) -> int:
    """Classify, print the summary, write the table when asked."""
    if is_master_workbook(args.input):
        master = load_master(args.input)
        warn_references(master, SALES_TABLES, args.lang)
        transactions = master.transactions
    else:
        transactions = load_transactions(args.input)
    revenue = revenue_by_customer(transactions, year=args.year)
    table = abc_classes(revenue, thresholds=parse_pair(args.thresholds, "--thresholds"),
                        shares=parse_pair(args.shares, "--shares"))
    summary = abc_summary(table)
    curve = pareto_curve(table)
    for row in summary.itertuples():
        print(f"{row.abc_class}\t{row.customers:>8,}\t{row.customer_share:6.1%}\t{row.revenue:>16,.2f}"
              f"\t{row.revenue_share:6.1%}")
    print(pick(args.lang, f"前 20% 客户贡献 {top_share(curve):.1%} 的销售额",
               f"the top 20 % of customers bring {top_share(curve):.1%} of revenue"))
    if args.out:
        write_table(args.out, abc_sheets(table, summary, curve, args.lang),
                    title=pick(args.lang, "ABC 分析", "ABC analysis"), lang=args.lang)
        print(pick(args.lang, f"已写入：{args.out}", f"written: {args.out}"))
    return 0
