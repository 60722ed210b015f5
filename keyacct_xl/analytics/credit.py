"""Credit grades A/B/C from the receivables ledger (DOMAIN.md, "Credit"), with a suggested credit limit.

Metrics per customer, as of the evaluation date (the ledger's as_of):
- on_time_rate: of the invoices falling due in the last ``window_months``, the share of their amount paid (or,
  while open, not yet overdue) within ``grace_days`` after the due date, each part payment by its own date (an
  invoice paid partly on time is on time for that part, not wholly late because its last part was);
- avg_days_late: the same invoices' days late, weighted by amount;
- max_days_overdue, overdue_amount: over every invoice still open past its due date, whatever its age;
- bad_debt_amount: the open amount of invoices overdue more than ``bad_debt_days``.
A customer with no invoice due in the window and nothing overdue has no history: it keeps its current credit
grade, or gets the policy's ``no_history_grade`` when it has none.
A master that records no payment at all (Payments empty: the receipts were never entered) cannot tell a paid
invoice from an unpaid one: the payment metrics are unknown, not zero, and no credit grade is judged (blank, with
the reason, ``credit_change`` unjudged). One customer without receipts in a master that has some is judged.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from keyacct_xl.analytics.policy import CreditPolicy, with_settings
from keyacct_xl.analytics.rules import explain, first_level, level_passes
from keyacct_xl.i18n import Lang
from keyacct_xl.master.schema import PAYMENTS
from keyacct_xl.master.settings import Settings
from keyacct_xl.messages import Message, Pair, msg, tr
from keyacct_xl.receivables.ledger import Ledger

# The metrics that read what was paid: unknown, not zero, in a master that records no payment.
PAYMENT_METRICS = ["on_time_rate", "avg_days_late", "max_days_overdue", "overdue_amount", "bad_debt_amount"]
CREDIT_METRICS = ["invoices", "on_time_rate", "avg_days_late", "max_days_overdue", "overdue_amount", "bad_debt_amount"]
CREDIT_COLUMNS = [
    "customer_id",
    "name",
    *CREDIT_METRICS,
    "current_credit_grade",
    "credit_grade",
    "credit_limit",
    "credit_change",
    "credit_reason",
]


def credit_metrics(ledger: Ledger, *, window_months: int, grace_days: int, bad_debt_days: int) -> pd.DataFrame:
    """Per customer_id (index): the payment-behaviour metrics the credit rules read."""
    inv = ledger.invoice_figures
    # The customer ids factorized once and only the columns each figure sums cut out: every grouping below is by
    # these integers, over the rows of its mask, in the frame's order (the same sums as grouping the ids).
    codes, ids = ledger.invoice_customers
    amount = inv["amount"].to_numpy(dtype="float64")
    days_late = inv["days_late"].to_numpy()
    due_date = inv["due_date"]
    start = ledger.as_of - pd.DateOffset(months=window_months)
    owed = amount > 0
    due = owed & ((due_date > start) & (due_date <= ledger.as_of)).to_numpy(dtype=bool)
    on_time = _paid_on_time(ledger, grace_days)
    grouped = pd.DataFrame(
        {
            "amount": amount[due],
            "on_time": on_time[due],
            "weighted_late": amount[due] * days_late[due],
        }
    ).groupby(codes[due])
    sums = grouped.sum()
    window = pd.DataFrame(
        {
            "invoices": grouped.size(),
            "on_time_rate": sums["on_time"] / sums["amount"],
            "avg_days_late": sums["weighted_late"] / sums["amount"],
        }
    )
    open_amount = inv["open_amount"].to_numpy(dtype="float64")
    overdue = owed & (open_amount > 0.005) & (due_date < ledger.as_of).to_numpy(dtype=bool)
    late = pd.DataFrame({"max_days_overdue": days_late[overdue], "overdue_amount": open_amount[overdue]})
    late = late.groupby(codes[overdue]).agg({"max_days_overdue": "max", "overdue_amount": "sum"})
    bad = overdue & (days_late > bad_debt_days)
    bad_debt = pd.Series(open_amount[bad]).groupby(codes[bad]).sum()
    table = window.join(late, how="outer").join(bad_debt.rename("bad_debt_amount"), how="outer")
    table.index = pd.Index(ids[table.index], name="customer_id")
    table = table.sort_index()
    table["invoices"] = table["invoices"].fillna(0).astype("int64")
    for column in ("max_days_overdue", "overdue_amount", "bad_debt_amount"):
        table[column] = table[column].astype("float64").fillna(0.0)
    return table[CREDIT_METRICS]


def _paid_on_time(ledger: Ledger, grace_days: int) -> np.ndarray:
    """Per invoice row, the amount paid within ``grace_days`` after its due date, each part payment by its own date,
    plus what is still open while that deadline has not passed (not yet late)."""
    inv = ledger.invoice_figures
    deadline = inv["due_date"] + pd.Timedelta(days=grace_days)
    still_in_time = (deadline >= ledger.as_of).to_numpy(dtype=bool)
    open_amount = inv["open_amount"].to_numpy(dtype="float64")
    return ledger.paid_by(deadline) + np.where(still_in_time, np.maximum(open_amount, 0.0), 0.0)


def credit_grades(
    customers: pd.DataFrame,
    ledger: Ledger,
    *,
    policy: CreditPolicy,
    settings: Settings | None = None,
    lang: Lang = "zh",
) -> pd.DataFrame:
    """One row per customer: credit metrics, current and proposed credit grade, suggested limit, reason.
    A ledger without any payment (``ledger.receipts`` false) knows nothing paid: no grade is judged.
    """
    levels = with_settings(policy.levels, settings, policy.source)
    metrics = credit_metrics(
        ledger, window_months=policy.window_months, grace_days=policy.grace_days, bad_debt_days=policy.bad_debt_days
    )
    ids = pd.Index(customers["customer_id"].astype(str)).union(metrics.index.astype(str))
    # Lists, not the columns: iterating an Arrow-backed column makes one scalar object per value.
    customer_ids = customers["customer_id"].astype(str).tolist()
    names = dict(zip(customer_ids, customers["name"].tolist()))
    current = dict(zip(customer_ids, customers["credit_grade"].tolist()))
    table = metrics.reindex(ids)
    table["invoices"] = table["invoices"].fillna(0).astype("int64")
    for column in ("max_days_overdue", "overdue_amount", "bad_debt_amount"):
        table[column] = table[column].fillna(0.0)
    table = table.reset_index(names="customer_id")
    table["name"] = table["customer_id"].map(names)
    table["current_credit_grade"] = table["customer_id"].map(current).astype(object)
    chosen = first_level(level_passes(levels, table))
    grades = np.array([lv.grade for lv in levels], dtype=object)[chosen]
    reasons = explain(levels, table, chosen, lang)
    no_history = (table["invoices"] == 0) & (table["overdue_amount"] == 0)
    valid_current = table["current_credit_grade"].isin(policy.grades)
    keep = np.where(valid_current, table["current_credit_grade"], policy.no_history_grade)
    grades = np.where(no_history, keep, grades)
    kept = tr(lang, "no invoice due in the window: credit grade kept")
    first = tr(
        lang,
        "no invoice due in the window and no credit grade before: {grade}, the credit policy's grade for a customer "
        "without payment history",
        grade=policy.no_history_grade,
    )
    note = np.where(valid_current, kept, first)
    table["credit_grade"] = grades
    table["credit_reason"] = np.where(no_history, note, np.asarray(reasons, dtype=object))
    limits = {lv.grade: lv.credit_limit for lv in levels}
    table["credit_limit"] = table["credit_grade"].map(limits).astype("float64")
    table["credit_change"] = _change(table["current_credit_grade"], table["credit_grade"], policy.grades)
    if not ledger.receipts:
        table = _unjudged(table, lang)
    return table[CREDIT_COLUMNS]


def no_payments_recorded() -> Message:
    """What a run says of a master without payments: its figures of what was paid are unknown, not zero."""
    return msg(
        "the master records no payments (sheet {sheet} is empty): on-time rates, overdue figures and credit grades "
        "are not judged; each customer's credit grade, limit and terms are left as they are",
        sheet=Pair(PAYMENTS.sheet_en, PAYMENTS.sheet_zh),
    )


def _unjudged(table: pd.DataFrame, lang: Lang) -> pd.DataFrame:
    """Every customer's payment metrics blank and its credit grade not judged: no payment is recorded at all."""
    table = table.copy()
    table[PAYMENT_METRICS] = np.nan
    table["credit_grade"] = None
    table["credit_limit"] = np.nan
    table["credit_change"] = "unjudged"
    table["credit_reason"] = tr(
        lang,
        "not judged: no payment is recorded in the master (sheet {sheet}), so paid and unpaid invoices cannot be "
        "told apart",
        sheet=Pair(PAYMENTS.sheet_en, PAYMENTS.sheet_zh),
    )
    return table


def _change(before: pd.Series, after: pd.Series, order: list[str]) -> np.ndarray:
    rank = {g: i for i, g in enumerate(order)}
    b = before.map(rank).to_numpy(dtype="float64", na_value=np.nan)
    a = after.map(rank).to_numpy(dtype="float64", na_value=np.nan)
    return np.select([np.isnan(b), a < b, a > b], ["new", "up", "down"], "same").astype(object)
