"""``keyacct-xl credit MASTER``: credit grades A/B/C from the receivables ledger, with suggested limits;
``credit apply MASTER [--undo]``: the terms of each customer's credit grade into Customers (or the last apply's
taken back); ``credit check MASTER --customer C --amount X``: the order-time decision."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd

from keyacct_xl.analytics.credit import credit_grades, no_payments_recorded
from keyacct_xl.analytics.credit_run import run_credit_apply, run_credit_check, run_credit_undo
from keyacct_xl.analytics.grading import CHANGE_LABELS, change_counts
from keyacct_xl.analytics.policy import load_credit_policy
from keyacct_xl.cli.checks import warn_references
from keyacct_xl.cli.options import option_date
from keyacct_xl.currency import Money
from keyacct_xl.errors import InputError
from keyacct_xl.i18n import Lang
from keyacct_xl.master.integrity import LEDGER_TABLES
from keyacct_xl.master.reader import load_master
from keyacct_xl.messages import Message, msg, tr
from keyacct_xl.parsing import ParseError, parse_money
from keyacct_xl.receivables.master_lines import master_ledger
from keyacct_xl.receivables.terms import customers_without_terms, no_terms_recorded
from keyacct_xl.reports import Chart, Heading, Sheet, write_table

# The help texts of the command, catalog messages: --help follows --lang, else the system locale (default zh).
HELP: dict[str, Message] = {
    "credit": msg("credit grades A/B/C from payment behaviour"),
    "master": msg("the master workbook"),
    "--as-of": msg("evaluation date (default: the latest transaction or payment)"),
    "--policy": msg("credit policy file or shipped name (default credit)"),
    "--out": msg("write the grades to .xlsx (with a chart) or .csv"),
    "--customer": msg("check: the customer id"),
    "--amount": msg("check: the order amount"),
    "--approved-by": msg("apply: who approved the terms (GradeHistory)"),
    "--date": msg("apply: the date the terms take effect (default: today)"),
    "--undo": msg(
        "apply: put back the limits and terms the last credit apply changed, where they still hold (again: the "
        "apply before it)"
    ),
}


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser, lang: Lang) -> None:
    """Add ``credit``."""
    parser = sub.add_parser(
        "credit",
        parents=[common],
        help=HELP["credit"].render(lang),
        usage="keyacct-xl credit [apply | check] MASTER [options]",
    )
    parser.add_argument("target", nargs="+", metavar="[apply | check] MASTER", help=HELP["master"].render(lang))
    parser.add_argument("--as-of", help=HELP["--as-of"].render(lang))
    parser.add_argument("--policy", default="credit", help=HELP["--policy"].render(lang))
    parser.add_argument("--out", type=Path, help=HELP["--out"].render(lang))
    parser.add_argument("--customer", help=HELP["--customer"].render(lang))
    parser.add_argument("--amount", help=HELP["--amount"].render(lang))
    parser.add_argument("--approved-by", help=HELP["--approved-by"].render(lang))
    parser.add_argument("--date", help=HELP["--date"].render(lang))
    parser.add_argument("--undo", action="store_true", help=HELP["--undo"].render(lang))
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Dispatch to the grades, apply or check."""
    words = list(args.target)
    if words[0] in ("apply", "check") and len(words) == 2:
        return _apply(Path(words[1]), args) if words[0] == "apply" else _check(Path(words[1]), args)
    if len(words) != 1:
        raise InputError(msg("usage: keyacct-xl credit [apply | check] MASTER"))
    return _grades(Path(words[0]), args)


def _apply(path: Path, args: argparse.Namespace) -> int:
    when = option_date(args.date, "--date") or pd.Timestamp.today().normalize()
    if args.undo:
        print(run_credit_undo(path, approved_by=args.approved_by, applied_at=when).summary(args.lang))
        return 0
    applied = run_credit_apply(
        path, policy=load_credit_policy(args.policy), approved_by=args.approved_by, applied_at=when
    )
    print(applied.summary(args.lang))
    return 0


def _check(path: Path, args: argparse.Namespace) -> int:
    if not args.customer or args.amount is None:
        raise InputError(msg("credit check: give --customer and --amount"))
    try:
        amount = parse_money(args.amount)
    except ParseError:
        raise InputError(msg("credit check: --amount {amount} is not an amount", amount=args.amount)) from None
    check = run_credit_check(
        load_master(path),
        args.customer,
        amount,
        as_of=option_date(args.as_of, "--as-of"),
        policy=load_credit_policy(args.policy),
        lang=args.lang,
    )
    print(check.summary(args.lang))
    return 0


def _grades(path: Path, args: argparse.Namespace) -> int:
    """Grade, print the grade counts and changes, write the table when asked."""
    master = load_master(path)
    warn_references(master, LEDGER_TABLES, args.lang)
    ledger = master_ledger(master, as_of=option_date(args.as_of, "--as-of"))
    table = credit_grades(
        master.customers, ledger, policy=load_credit_policy(args.policy), settings=master.settings, lang=args.lang
    )
    if not ledger.receipts:
        print("keyacct-xl: " + tr(args.lang, "warning: {text}", text=no_payments_recorded()), file=sys.stderr)
    elif without_terms := customers_without_terms(master.customers, ledger):
        print(
            "keyacct-xl: " + tr(args.lang, "warning: {text}", text=no_terms_recorded(without_terms, master.lang)),
            file=sys.stderr,
        )
    counts = (
        # a grade not judged is counted under its own label, not left out of the counts
        table.assign(credit_grade=table["credit_grade"].fillna(CHANGE_LABELS["unjudged"].render(args.lang)))
        .groupby("credit_grade")
        .agg(customers=("customer_id", "size"), overdue_amount=("overdue_amount", "sum"))
        .reset_index()
    )
    print(tr(args.lang, "credit grades as of {date}", date=ledger.as_of.date()))
    for row in counts.itertuples():
        print(
            tr(
                args.lang,
                "  {grade}: {customers:,} customer(s), overdue ¥{overdue:,.2f}",
                grade=row.credit_grade,
                customers=row.customers,
                overdue=Money(row.overdue_amount, master.settings.book_currency),
            )
        )
    print("  " + change_counts(table["credit_change"], args.lang))
    print(
        tr(
            args.lang,
            "next: keyacct-xl credit apply {path} --approved-by NAME writes each customer's credit limit and payment "
            "terms of the credit grade Customers holds (terms set by hand are kept); the credit grades above take "
            "effect through the annual review (keyacct-xl grade, then keyacct-xl grade apply)",
            path=path,
        )
    )
    if args.out:
        chart = Chart("column", tr(args.lang, "Customers per credit grade"), "credit_grade", ("customers",))
        write_table(
            args.out,
            [
                Sheet(tr(args.lang, "Credit grades"), table.rename(columns={"credit_limit": "suggested_credit_limit"})),
                Sheet(tr(args.lang, "By credit grade"), counts, (chart,)),
            ],
            heading=Heading(
                tr(args.lang, "Credit grades"),
                company=master.settings.company_name,
                as_of=ledger.as_of.date(),
                currency=master.settings.book_currency,
            ),
            lang=args.lang,
        )
        print(tr(args.lang, "written: {path}", path=args.out))
    return 0
