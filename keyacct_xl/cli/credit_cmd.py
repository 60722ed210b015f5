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
from keyacct_xl.i18n import Lang
from keyacct_xl.master.integrity import LEDGER_TABLES
from keyacct_xl.master.reader import load_master
from keyacct_xl.messages import Message, msg, tr
from keyacct_xl.receivables.ledger import build_ledger

# The help texts of the command, catalog messages: --help follows --lang, else the system locale (default zh).
HELP: dict[str, Message] = {
    "credit": msg("credit grades A/B/C from payment behaviour"),
    "master": msg("the master workbook"),
    "--as-of": msg("evaluation date (default: the latest transaction or payment)"),
    "--policy": msg("credit policy file or shipped name (default credit)"),
    "--out": msg("write the grades to .xlsx (with a chart) or .csv"),
}


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser, lang: Lang) -> None:
    """Add ``credit``."""
    parser = sub.add_parser("credit", parents=[common], help=HELP["credit"].render(lang))
    parser.add_argument("master", type=Path, help=HELP["master"].render(lang))
    parser.add_argument("--as-of", help=HELP["--as-of"].render(lang))
    parser.add_argument("--policy", default="credit", help=HELP["--policy"].render(lang))
    parser.add_argument("--out", type=Path, help=HELP["--out"].render(lang))
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
    print(tr(args.lang, "credit grades as of {date}", date=ledger.as_of.date()))
    for row in counts.itertuples():
        print(f"  {row.credit_grade}: {row.customers:,}\t{row.overdue_amount:,.2f}")
    print("  " + change_counts(table["credit_change"], args.lang))
    if args.out:
        chart = Chart("column", tr(args.lang, "Customers per credit grade"), "credit_grade",
                      ("customers",))
        write_table(args.out, [Sheet(tr(args.lang, "Credit grades"), table),
                               Sheet(tr(args.lang, "By credit grade"), counts, (chart,))],
                    title=tr(args.lang, "Credit grades"), lang=args.lang)
        print(tr(args.lang, "written: {path}", path=args.out))
    return 0
