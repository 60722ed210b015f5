"""The credit jobs as every front end runs them: ``credit apply`` (the CLI and the ribbon), ``credit apply --undo``
(the CLI) and ``credit check`` (the
CLI; the worksheet functions CREDIT_AVAILABLE and CREDIT_CHECK call the same positions and decision).

``run_credit_check`` replays only the checked customer's lines, so one check on a large ledger costs a filter of
the loaded tables and that customer's replay, not the whole ledger (benchmarks/credit_check.py).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from keyacct_xl.analytics.credit_check import CreditCheck, credit_positions, decide
from keyacct_xl.analytics.credit_terms import TermsApplied, apply_credit_terms, approval_overdue_days, grade_terms
from keyacct_xl.analytics.policy import CreditPolicy, load_credit_policy
from keyacct_xl.analytics.undo_credit import TermsUndone, undo_credit_apply
from keyacct_xl.errors import InputError
from keyacct_xl.fileio import master_write_lock
from keyacct_xl.i18n import Lang
from keyacct_xl.master.model import Master
from keyacct_xl.master.reader import load_master
from keyacct_xl.master.writer import save_master
from keyacct_xl.messages import msg
from keyacct_xl.receivables.ledger import build_ledger
from keyacct_xl.receivables.master_lines import ledger_transactions


def run_credit_apply(
    path: Path, *, policy: CreditPolicy | None = None, approved_by: str | None, applied_at: pd.Timestamp
) -> TermsApplied:
    """``credit apply`` and the ribbon's "Apply credit terms": the terms of each customer's credit grade written
    into the master at ``path`` (overrides kept), saved only when something changed."""
    with master_write_lock(Path(path)):  # no other run may change Customers between reading and saving
        master = load_master(path)
        applied = apply_credit_terms(
            master, policy=policy or load_credit_policy(), approved_by=approved_by, applied_at=applied_at
        )
        if applied.tables:
            save_master(master, path, tables=list(applied.tables))
    return applied


def run_credit_undo(path: Path, *, approved_by: str | None, applied_at: pd.Timestamp) -> TermsUndone:
    """``credit apply --undo``: the limits and terms the last credit apply changed put back in the master at
    ``path`` where Customers still hold them, saved (with a backup) only when something changed."""
    with master_write_lock(Path(path)):  # no other run may change Customers between reading and saving
        master = load_master(path)
        undone = undo_credit_apply(master, approved_by=approved_by, applied_at=applied_at)
        if undone.tables:
            save_master(master, path, tables=list(undone.tables))
    return undone


def _one_customer(frame: pd.DataFrame, customer_id: str) -> pd.DataFrame:
    # compared in the column's own dtype: ids held as Arrow strings are not turned into a million Python objects
    return frame[(frame["customer_id"] == customer_id).to_numpy(dtype=bool, na_value=False)]


def run_credit_check(
    master: Master,
    customer_id: str,
    amount: float,
    *,
    as_of: pd.Timestamp | None = None,
    policy: CreditPolicy | None = None,
    lang: Lang = "zh",
) -> CreditCheck:
    """Check an order of ``amount`` for ``customer_id`` at ``as_of`` (default: the latest sale or payment in the
    master) under the credit policy (default the shipped one) and the master's Settings."""
    if not np.isfinite(amount) or amount < 0:
        # as typed (-5, not -5.0): {:g} keeps a whole number whole
        raise InputError(msg("credit check: the order amount must be 0 or more, not {amount:g}", amount=amount))
    customer_id = customer_id.strip()
    customers = _one_customer(
        master.customers.assign(customer_id=master.customers["customer_id"].astype(str).str.strip()), customer_id
    )
    if customers.empty:
        raise InputError(msg("credit check: customer {customer} is not in Customers", customer=customer_id))
    if as_of is None:  # the master's cut-off, as the ledger of every customer has it
        dates = pd.concat([master.transactions["date"], master.payments["date"]]).dropna()
        as_of = pd.Timestamp(dates.max()) if not dates.empty else None
    ledger = build_ledger(
        ledger_transactions(  # the customer's adjustments replayed with its lines (open balance ± adjustments)
            _one_customer(master.transactions, customer_id),
            _one_customer(master.adjustments, customer_id),
            lang=master.lang,
        ),
        _one_customer(master.payments, customer_id),
        customers,
        as_of=as_of,
        terms_history=master.grade_history,
    )
    policy = policy or load_credit_policy()
    positions = credit_positions(customers.head(1), ledger, grade_terms(policy, master.settings))
    currency = master.settings.book_currency
    approval_days = approval_overdue_days(policy, master.settings)
    decided = decide(positions, np.array([amount]), approval_days=approval_days, lang=lang, currency=currency).iloc[0]
    position = {str(k): v for k, v in positions.iloc[0].items()}
    return CreditCheck(
        position,
        ledger.as_of,
        float(amount),
        float(decided["available_after"]),
        str(decided["decision"]),
        str(decided["reason"]),
        currency,
    )
