"""Credit grades A/B/C from the receivables ledger (DOMAIN.md, "Credit"), with a suggested credit limit.

Metrics per customer, as of the evaluation date (the ledger's as_of):
- on_time_rate: of the invoices falling due in the last ``window_months``, the share of their amount paid (or,
  while open, not yet overdue) within ``grace_days`` after the due date;
- avg_days_late: the same invoices' days late, weighted by amount;
- max_days_overdue, overdue_amount: over every invoice still open past its due date, whatever its age;
- bad_debt_amount: the open amount of invoices overdue more than ``bad_debt_days``.
A customer with no invoice due in the window and nothing overdue has no history: it keeps its current credit
grade, or gets the policy's ``no_history_grade`` when it has none.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from keyacct_xl.analytics.policy import CreditPolicy, with_settings
from keyacct_xl.analytics.rules import explain, first_level, level_passes
from keyacct_xl.i18n import Lang
from keyacct_xl.master.settings import Settings
from keyacct_xl.messages import tr
from keyacct_xl.receivables.ledger import Ledger

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
    inv = ledger.invoices[ledger.invoices["amount"] > 0]
    start = ledger.as_of - pd.DateOffset(months=window_months)
    due = inv[(inv["due_date"] > start) & (inv["due_date"] <= ledger.as_of)]
    amount = due["amount"]
    on_time = amount.where(due["days_late"] <= grace_days, 0.0)
    grouped = pd.DataFrame(
        {
            "customer_id": due["customer_id"],
            "amount": amount,
            "on_time": on_time,
            "weighted_late": amount * due["days_late"],
        }
    ).groupby("customer_id")
    sums = grouped[["amount", "on_time", "weighted_late"]].sum()
    window = pd.DataFrame(
        {
            "invoices": grouped.size(),
            "on_time_rate": sums["on_time"] / sums["amount"],
            "avg_days_late": sums["weighted_late"] / sums["amount"],
        }
    )
    overdue = inv[(inv["open_amount"] > 0.005) & (inv["due_date"] < ledger.as_of)]
    late = overdue.groupby("customer_id").agg(
        max_days_overdue=("days_late", "max"), overdue_amount=("open_amount", "sum")
    )
    bad = overdue[overdue["days_late"] > bad_debt_days].groupby("customer_id")["open_amount"].sum()
    table = window.join(late, how="outer").join(bad.rename("bad_debt_amount"), how="outer")
    table["invoices"] = table["invoices"].fillna(0).astype("int64")
    for column in ("max_days_overdue", "overdue_amount", "bad_debt_amount"):
        table[column] = table[column].astype("float64").fillna(0.0)
    table.index.name = "customer_id"
    return table[CREDIT_METRICS]


def credit_grades(
    customers: pd.DataFrame,
    ledger: Ledger,
    *,
    policy: CreditPolicy,
    settings: Settings | None = None,
    lang: Lang = "zh",
) -> pd.DataFrame:
    """One row per customer: credit metrics, current and proposed credit grade, suggested limit, reason."""
    levels = with_settings(policy.levels, settings, policy.source)
    metrics = credit_metrics(
        ledger, window_months=policy.window_months, grace_days=policy.grace_days, bad_debt_days=policy.bad_debt_days
    )
    ids = pd.Index(customers["customer_id"].astype(str)).union(metrics.index.astype(str))
    names = dict(zip(customers["customer_id"].astype(str), customers["name"]))
    current = dict(zip(customers["customer_id"].astype(str), customers["credit_grade"]))
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
    note = tr(lang, "no invoice due in the window: credit grade kept")
    table["credit_grade"] = grades
    table["credit_reason"] = np.where(no_history, note, np.asarray(reasons, dtype=object))
    limits = {lv.grade: lv.credit_limit for lv in levels}
    table["credit_limit"] = table["credit_grade"].map(limits).astype("float64")
    table["credit_change"] = _change(table["current_credit_grade"], table["credit_grade"], policy.grades)
    return table[CREDIT_COLUMNS]


def _change(before: pd.Series, after: pd.Series, order: list[str]) -> np.ndarray:
    rank = {g: i for i, g in enumerate(order)}
    b = before.map(rank).to_numpy(dtype="float64", na_value=np.nan)
    a = after.map(rank).to_numpy(dtype="float64", na_value=np.nan)
    return np.select([np.isnan(b), a < b, a > b], ["new", "up", "down"], "same").astype(object)
