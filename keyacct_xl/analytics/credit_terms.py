"""Trading terms per credit grade (DOMAIN.md, "Credit": credit analysis sets trading terms and a credit limit per
credit grade), written into Customers by ``grade apply`` and ``credit apply``.

The credit policy gives each grade a credit limit (an amount, or a number of months of the customer's average
monthly sales over the policy's window), payment terms in days and the order handling rule; Settings keys the
policy names replace the amounts and days. A customer whose ``credit_override`` holds an entry (who set the terms
and why) keeps its limit and terms as typed: they were set by hand and no grade run overwrites them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from keyacct_xl.analytics.history import (
    APPLY_NO,
    Recorded,
    credit_apply_reason,
    next_apply_no,
    record_history,
    rewritten_line,
)
from keyacct_xl.analytics.policy import CreditPolicy, with_settings
from keyacct_xl.analytics.undo_grades import FIELDS, Change, change_lines, keep_before_as_typed
from keyacct_xl.i18n import Lang
from keyacct_xl.master.integrity import require_unique_ids
from keyacct_xl.master.model import Master
from keyacct_xl.master.settings import Settings, setting_int
from keyacct_xl.messages import msg, tr
from keyacct_xl.parsing import is_blank, same_value

# Entries that say "no override" in a column people fill by hand (the forms' convention: write 无 where nothing).
_NOT_AN_OVERRIDE = {"无", "否", "没有", "no", "n", "none", "false", "0", "-", "—", "/"}


@dataclass(frozen=True)
class Terms:
    """One credit grade's terms with the Settings applied: a limit amount or months of sales, days, handling."""

    grade: str
    credit_limit: float | None
    limit_months: float | None
    payment_terms_days: int
    handling: str


def grade_terms(policy: CreditPolicy, settings: Settings | None) -> dict[str, Terms]:
    """Each credit grade's terms: the policy's values, replaced by the Settings keys it names."""
    levels = with_settings(policy.levels, settings, policy.source)
    out = {}
    for level, terms in zip(levels, policy.terms):
        days = terms.payment_terms_days
        if (
            settings is not None
            and terms.payment_terms_setting
            and settings.value(terms.payment_terms_setting) is not None
        ):
            days = setting_int(settings, terms.payment_terms_setting)
        limit = None if terms.limit_months is not None else level.credit_limit
        out[level.grade] = Terms(level.grade, limit, terms.limit_months, days, terms.handling)
    return out


def approval_overdue_days(policy: CreditPolicy, settings: Settings | None) -> int:
    """Days overdue beyond which a grade under ``approval_when_overdue`` needs the sales manager's approval."""
    key = policy.approval_overdue_setting
    if settings is not None and key and settings.value(key) is not None:
        return setting_int(settings, key)
    return policy.approval_overdue_days


def is_override(value: object) -> bool:
    """True when a ``credit_override`` cell marks the limit and terms as set by hand (blank, 无, 否, no: not)."""
    return not is_blank(value) and str(value).strip().lower() not in _NOT_AN_OVERRIDE


def average_monthly_sales(transactions: pd.DataFrame, *, as_of: pd.Timestamp, months: int) -> pd.Series:
    """Per customer_id: sales (returns netted) of the ``months`` up to ``as_of``, divided by ``months``."""
    start = as_of - pd.DateOffset(months=months)
    window = transactions[(transactions["date"] > start) & (transactions["date"] <= as_of)]
    totals = window.groupby(window["customer_id"].astype(str).str.strip())["amount"].sum()
    return totals / months


def terms_for(
    ids: pd.Series, credit_grades: pd.Series, terms: dict[str, Terms], monthly_sales: pd.Series | None
) -> pd.DataFrame:
    """The limit and payment terms of each id's credit grade (NaN for a grade without terms); a limit in months
    of sales is rounded to whole yuan, never below zero."""
    grades = credit_grades.to_numpy(dtype=object)
    limit = np.full(len(ids), np.nan)
    days = pd.array([pd.NA] * len(ids), dtype="Int64")
    for grade, t in terms.items():
        hit = grades == grade
        if not hit.any():
            continue
        if t.limit_months is not None:
            sales = ids[hit].map(monthly_sales if monthly_sales is not None else {}).fillna(0.0)
            limit[hit] = np.maximum(np.round(sales.to_numpy(dtype="float64") * t.limit_months), 0.0)
        else:
            limit[hit] = t.credit_limit if t.credit_limit is not None else np.nan
        days[hit] = t.payment_terms_days
    return pd.DataFrame({"credit_limit": limit, "payment_terms_days": days})


@dataclass(frozen=True)
class TermsWritten:
    """Customers with the terms of their credit grade, and per graded customer the values before and after."""

    customers: pd.DataFrame
    changes: pd.DataFrame  # customer_id, limit_before, limit_after, terms_before, terms_after, overridden
    changed: int  # customers whose limit or terms changed


def write_terms(
    customers: pd.DataFrame,
    credit_grades: pd.Series,
    *,
    policy: CreditPolicy,
    settings: Settings | None,
    transactions: pd.DataFrame,
    as_of: pd.Timestamp,
) -> TermsWritten:
    """Set credit_limit and payment_terms_days of each customer in ``credit_grades`` (customer_id -> final credit
    grade) to its grade's terms, except customers marked in ``credit_override``; the frame is copied."""
    terms = grade_terms(policy, settings)
    monthly = (
        average_monthly_sales(transactions, as_of=as_of, months=policy.window_months)
        if any(t.limit_months is not None for t in terms.values())
        else None
    )
    customers = customers.copy()
    ids = customers["customer_id"].astype(str).str.strip()
    graded = ids.isin(credit_grades.index) & ids.map(credit_grades).isin(list(terms)).to_numpy()
    overrides = (
        customers["credit_override"].map(is_override)
        if "credit_override" in customers
        else pd.Series(False, index=customers.index)
    ).to_numpy(dtype=bool)
    target = terms_for(
        ids[graded].reset_index(drop=True), ids[graded].map(credit_grades).reset_index(drop=True), terms, monthly
    )
    rows = np.flatnonzero(graded)
    before_limit = customers["credit_limit"].to_numpy(dtype="float64")[rows]
    before_days = customers["payment_terms_days"].astype("Int64").array[rows]
    kept = overrides[rows]
    after_limit = np.where(kept, before_limit, target["credit_limit"].to_numpy(dtype="float64"))
    after_days = pd.array(np.where(kept, before_days, target["payment_terms_days"].array), dtype="Int64")
    limit_col = customers["credit_limit"].to_numpy(dtype="float64").copy()
    limit_col[rows] = after_limit
    days_col = customers["payment_terms_days"].astype("Int64").array.copy()
    days_col[rows] = after_days
    customers["credit_limit"] = limit_col
    customers["payment_terms_days"] = days_col
    changes = pd.DataFrame(
        {
            "customer_id": ids.to_numpy()[rows],
            "limit_before": before_limit,
            "limit_after": after_limit,
            "terms_before": before_days,
            "terms_after": after_days,
            "overridden": kept,
        }
    )
    differs = ~(np.isclose(before_limit, after_limit) | (np.isnan(before_limit) & np.isnan(after_limit))) | (
        pd.Series(before_days).fillna(-1).to_numpy() != pd.Series(after_days).fillna(-1).to_numpy()
    )
    return TermsWritten(customers, changes, int(differs.sum()))


@dataclass(frozen=True)
class TermsApplied:
    """What ``credit apply`` changed: the tables to save, counts for the summary, each customer before and after."""

    tables: tuple[str, ...]
    customers_changed: int
    overrides_kept: int
    history_added: int
    history_corrected: int
    changes: tuple[Change, ...]
    apply_no: int | None = None  # the number its GradeHistory rows carry (应用序号); None: it wrote none
    history_rewritten: int = 0  # rows of terms recorded before, written again over values changed since

    def summary(self, lang: Lang) -> str:
        """The counts, the apply's number, then a line per customer with its limit and terms before and after, as
        ``credit apply`` and the ribbon say it."""
        counts = tr(
            lang,
            "credit terms updated for {customers:,} customer(s), {kept:,} manual override(s) kept; "
            "grade history: {added:,} row(s) added, {corrected:,} more for a changed decision",
            customers=self.customers_changed,
            kept=self.overrides_kept,
            added=self.history_added,
            corrected=self.history_corrected,
        )
        if self.history_rewritten:
            counts += "\n" + rewritten_line(lang, self.history_rewritten)
        if self.apply_no is not None:
            counts += "\n" + tr(
                lang,
                "recorded as credit apply No. {number} in the grade history; credit apply --undo takes it back",
                number=self.apply_no,
            )
        return "\n".join([counts, *change_lines(self.changes, lang)])


def _changed_terms(moved: pd.DataFrame, current: pd.DataFrame) -> tuple[Change, ...]:
    """Each customer whose limit or terms moved, with the values before and after (those that moved)."""
    labels = {column: label for column, _, _, label in FIELDS}
    out = []
    for c in moved.itertuples():
        pairs = (("credit_limit", c.limit_before, c.limit_after), ("payment_terms_days", c.terms_before, c.terms_after))
        name = current.at[c.customer_id, "name"]
        out.append(
            Change(
                str(c.customer_id),
                "" if is_blank(name) or name is pd.NA else str(name),
                tuple((labels[column], a, b) for column, a, b in pairs if not same_value(a, b)),
            )
        )
    return tuple(out)


def apply_credit_terms(
    master: Master, *, policy: CreditPolicy, approved_by: str | None, applied_at: pd.Timestamp
) -> TermsApplied:
    """Give every customer with a credit grade the terms of that grade (overrides kept), in memory; record each
    change in GradeHistory under the year of ``applied_at``."""
    require_unique_ids(master, msg("credit apply"))
    customers = master.customers
    grades = pd.Series(
        customers["credit_grade"].to_numpy(dtype=object), index=customers["customer_id"].astype(str).str.strip()
    )
    grades = grades[~grades.index.duplicated()].dropna()
    written = write_terms(
        customers, grades, policy=policy, settings=master.settings, transactions=master.transactions, as_of=applied_at
    )
    changes = written.changes
    moved = changes[
        ~changes["overridden"]
        & (
            (changes["limit_before"].fillna(-1) != changes["limit_after"].fillna(-1))
            | (changes["terms_before"].fillna(-1) != changes["terms_after"].fillna(-1))
        )
    ]
    current = (
        customers.assign(customer_id=customers["customer_id"].astype(str).str.strip())
        .drop_duplicates("customer_id")
        .set_index("customer_id")
    )
    number = next_apply_no(master.grade_history)  # this apply's rows, undone together and apart from any other's
    rows = [
        {
            "year": applied_at.year,
            "customer_id": c.customer_id,
            "grade_before": current.at[c.customer_id, "grade"],
            "grade_after": current.at[c.customer_id, "grade"],
            "credit_before": current.at[c.customer_id, "credit_grade"],
            "credit_after": current.at[c.customer_id, "credit_grade"],
            "limit_before": c.limit_before,
            "limit_after": c.limit_after,
            "terms_before": c.terms_before,
            "terms_after": c.terms_after,
            "reason": credit_apply_reason(current.at[c.customer_id, "credit_grade"]).render(master.lang),
            "approved_by": approved_by,
            "applied_at": applied_at,
            APPLY_NO: number,
        }
        for c in moved.itertuples()
    ]
    # A row the year's grade apply wrote stays as it is: terms that moved since are one more row. Each row is of a
    # customer whose terms it changes: recorded under its number even where the year's latest row holds the same.
    recorded: Recorded = record_history(master.grade_history, rows, written={r["customer_id"] for r in rows})
    tables = []
    if written.changed:
        master.customers = written.customers
        tables.append("Customers")
    if recorded.rows:
        keep_before_as_typed(master, recorded.history)
        master.grade_history = recorded.history
        tables.append("GradeHistory")
    return TermsApplied(
        tuple(tables),
        written.changed,
        int(changes["overridden"].sum()),
        recorded.added,
        recorded.corrected,
        _changed_terms(moved, current),
        number if "GradeHistory" in tables else None,
        recorded.rewritten,
    )
