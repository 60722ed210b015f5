"""``keyacct-xl credit MASTER``: credit grades A/B/C from the receivables ledger, with suggested limits."""

from __future__ import annotations

import argparse
from pathlib import Path

from keyacct_xl.analytics.credit import credit_grades
from keyacct_xl.analytics.grading import change_counts
from keyacct_xl.analytics.policy import load_credit_policy
from keyacct_xl.analytics.workbook import Chart, Sheet, write_table
from keyacct_xl.cli.checks import warn_references
from keyacct_xl.cli.options import option_date
from keyacct_xl.i18n import Lang, pick
from keyacct_xl.master.integrity import LEDGER_TABLES
from keyacct_xl.master.reader import load_master
from keyacct_xl.receivables.ledger import build_ledger

# The help texts of the command, (zh, en): --help follows --lang, else the system locale (default zh).
HELP: dict[str, tuple[str, str]] = {
    "credit": ("按付款表现评定信用等级 A/B/C", "credit grades A/B/C from payment behaviour"),
    "master": ("客户档案总表", "the master workbook"),
    "--as-of": ("评估日期（默认：最近一笔销售或收款的日期）",
                "evaluation date (default: the latest transaction or payment)"),
    "--policy": ("信用政策文件或随程序提供的政策名称（默认 credit）",
                 "credit policy file or shipped name (default credit)"),
    "--out": ("把评级写入 .xlsx（含图表）或 .csv", "write the grades to .xlsx (with a chart) or .csv"),
}


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser, lang: Lang) -> None:
    """Add ``credit``."""
    parser = sub.add_parser("credit", parents=[common], help=pick(lang, *HELP["credit"]))
    parser.add_argument("master", type=Path, help=pick(lang, *HELP["master"]))
    parser.add_argument("--as-of", help=pick(lang, *HELP["--as-of"]))
    parser.add_argument("--policy", default="credit", help=pick(lang, *HELP["--policy"]))
    parser.add_argument("--out", type=Path, help=pick(lang, *HELP["--out"]))
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Grade, print the grade counts and changes, write the table when asked."""
    master = load_master(args.master)
    warn_references(master, LEDGER_TABLES, args.lang)
    ledger = build_ledger(master.transactions, master.payments, master.customers,
                          as_of=option_date(args.as_of, "--as-of"))
    table = credit_grades(master.customers, ledger, policy=load_credit_policy(args.policy),
                          settings=master.settings, lang=args.lang)
    counts = table.groupby("credit_grade").agg(customers=("customer_id", "size"),
                                               overdue_amount=("overdue_amount", "sum")).reset_index()
    print(pick(args.lang, f"信用评级，截至 {ledger.as_of.date()}", f"credit grades as of {ledger.as_of.date()}"))
    for row in counts.itertuples():
        print(f"  {row.credit_grade}: {row.customers:,}\t{row.overdue_amount:,.2f}")
    print("  " + change_counts(table["credit_change"], args.lang))
    if args.out:
        chart = Chart("column", pick(args.lang, "各信用等级客户数", "Customers per credit grade"), "credit_grade",
                      ("customers",))
        write_table(args.out, [Sheet(pick(args.lang, "信用评级", "Credit grades"), table),
                               Sheet(pick(args.lang, "信用等级汇总", "By credit grade"), counts, (chart,))],
                    title=pick(args.lang, "信用评级", "Credit grades"), lang=args.lang)
        print(pick(args.lang, f"已写入：{args.out}", f"written: {args.out}"))
    return 0
