"""Reconciling a statement of theirs with our books (对账) as every front end runs it: the CLI and the ribbon
(keyacct_xl.consolidate.reconciling), a returned statement in consolidation (keyacct_xl.consolidate.statements)
and the demo.

Our side is the master's ledger of the customer over the period (or a statement file of ours); the lines are matched,
the customer's note on a returned statement leads the notes, and the workbook is written in the master's book
currency. Front ends only read their inputs into these arguments and say where the workbook went.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pandas as pd

from keyacct_xl.currency import CNY, Currency
from keyacct_xl.i18n import Lang
from keyacct_xl.master.model import Master
from keyacct_xl.messages import tr
from keyacct_xl.receivables.master_lines import customer_name, master_lines
from keyacct_xl.receivables.matching import MatchOptions
from keyacct_xl.receivables.reconcile import Reconciliation, reconcile
from keyacct_xl.receivables.reconcile_report import write_reconciliation
from keyacct_xl.receivables.statement_reader import Statement


def reconcile_with_master(
    master: Master,
    customer_id: str,
    theirs: Statement,
    *,
    start: pd.Timestamp | None,
    end: pd.Timestamp | None,
    lang: Lang,
    out: Path | None,
    options: MatchOptions | None = None,
    customer_note: str = "",
) -> Reconciliation:
    """Reconcile ``theirs`` with the master's ledger of ``customer_id`` from ``start`` to ``end`` and write the
    workbook to ``out`` (None: a dry run writes none), named by the customer and in the master's book currency."""
    return reconcile_and_write(
        master_lines(master, customer_id, start=start, end=end),
        theirs,
        lang=lang,
        out=out,
        options=options,
        customer_id=customer_id,
        customer_name=customer_name(master, customer_id),
        company=master.settings.company_name,
        currency=master.settings.book_currency,
        customer_note=customer_note,
    )


def reconcile_and_write(
    ours: Statement,
    theirs: Statement,
    *,
    lang: Lang,
    out: Path | None,
    options: MatchOptions | None = None,
    customer_id: str = "",
    customer_name: str = "",
    company: str | None = None,
    currency: Currency = CNY,
    customer_note: str = "",
) -> Reconciliation:
    """Match ``ours`` with ``theirs``, the note the customer wrote under 差异说明 (``customer_note``) first among the
    notes, and write the workbook to ``out`` (None: none written)."""
    result = reconcile(ours, theirs, options=options, lang=lang, customer_id=customer_id, customer_name=customer_name)
    if customer_note:
        result = replace(result, notes=[tr(lang, "the customer's note: {note}", note=customer_note), *result.notes])
    if out is not None:
        write_reconciliation(result, out, lang=lang, company=company, currency=currency)
    return result
