"""The receivables part of ``keyacct-xl demo``: ageing, a reconciliation with planted differences, statements."""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

from keyacct_xl.currency import Money
from keyacct_xl.master.reader import load_master
from keyacct_xl.messages import tr
from keyacct_xl.receivables.demo_statement import pick_customer, write_returned_statement
from keyacct_xl.receivables.master_lines import statement_period
from keyacct_xl.receivables.reconcile import status_counts
from keyacct_xl.receivables.reconcile_usecase import reconcile_with_master
from keyacct_xl.receivables.statement_book import write_statements
from keyacct_xl.receivables.statement_reader import read_statement
from keyacct_xl.receivables.usecase import run_ageing

STATEMENT_COUNT = 3


def receivables_demo(master_path: Path, out_dir: Path, args: argparse.Namespace) -> list[str]:
    """Write ageing.xlsx, a returned statement and its reconciliation, and a few customer statements."""
    lang = args.lang
    master = load_master(master_path)
    folder = out_dir / "receivables"
    folder.mkdir(parents=True, exist_ok=True)
    ageing = run_ageing(master, out=folder / "ageing.xlsx", lang=lang)
    period = ageing.as_of.to_period("M")
    start, end = period.start_time, period.end_time.normalize()
    customer = pick_customer(master, start=start, end=end)
    returned = folder / f"returned_statement_{customer}.xlsx"
    write_returned_statement(master, customer, returned, start=start, end=end)
    theirs = read_statement(returned, currency=master.settings.book_currency)
    first, last = statement_period(theirs)
    report = folder / f"reconcile_{customer}.xlsx"
    result = reconcile_with_master(master, customer, theirs, start=first, end=last, lang=lang, out=report)
    chosen = _statement_customers(ageing.table, customer)
    paths = write_statements(master, chosen, start=start, end=end, out=folder / "statements", lang=lang).paths
    return [
        ageing.report_line(lang),
        tr(
            lang,
            "reconciliation: {report} ({counts}, unexplained ¥{remainder:,.2f})",
            report=report,
            counts=status_counts(result.table, lang),
            remainder=Money(result.remainder, master.settings.book_currency),
        ),
        tr(lang, "statements: {count} in {folder}", count=len(paths), folder=folder / "statements"),
    ]


def _statement_customers(ageing: pd.DataFrame, first: str) -> list[str]:
    """The reconciled customer and the largest balances after it."""
    others = ageing[ageing["customer_id"] != first].nlargest(STATEMENT_COUNT - 1, "balance")["customer_id"]
    return [first, *others.tolist()]
