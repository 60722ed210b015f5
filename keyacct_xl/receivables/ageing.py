"""Ageing of receivables (账龄分析): open amounts per customer by days past due.

Buckets count days past the due date at ``as_of``: not yet due, then 1–30, 31–60, 61–90, 91–180 and more than
180 days by default (the ``ageing_buckets`` setting). Credit the customer holds (unused credit notes and
payments) is its own column, so the buckets and that column always add up to the balance.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from keyacct_xl.master.settings import DEFAULTS
from keyacct_xl.master.settings import parse_buckets as parse_buckets  # the rule lives with the setting it reads
from keyacct_xl.receivables.ledger import Ledger

DEFAULT_BUCKETS = parse_buckets(DEFAULTS["ageing_buckets"])  # the ageing_buckets setting's default, written once
INFO_COLUMNS = ["customer_id", "name", "rep", "credit_grade", "credit_limit"]


def bucket_slots(days_overdue: Sequence[int] | np.ndarray, buckets: Sequence[int] = DEFAULT_BUCKETS) -> np.ndarray:
    """Each day count past due as an index into ``bucket_columns``: 0 is not yet due (day 0 included), then the
    bucket whose inclusive upper bound first reaches it; past the last bound, the last column."""
    days = np.asarray(days_overdue, dtype="int64")
    slot = np.searchsorted(np.asarray(buckets), days, side="left") + 1
    return np.where(days <= 0, 0, slot)


def bucket_columns(buckets: Sequence[int]) -> list[str]:
    """Column names: not_due, d1_30, d31_60, ..., d180_plus."""
    names = ["not_due"]
    low = 1
    for high in buckets:
        names.append(f"d{low}_{high}")
        low = high + 1
    names.append(f"d{buckets[-1]}_plus")
    return names


def ageing_columns(buckets: Sequence[int] = DEFAULT_BUCKETS) -> list[str]:
    """Every output column in order."""
    return [*INFO_COLUMNS, *bucket_columns(buckets), "unapplied_credit", "balance", "available_credit", "over_limit"]


def available_credit(credit_limit: pd.Series | np.ndarray, balance: pd.Series | np.ndarray) -> np.ndarray:
    """What a customer may still buy on credit: its credit limit minus its open balance, to the cent (negative
    when over the limit); NaN where no limit is recorded. The ageing report, credit check and CREDIT_AVAILABLE
    all use this one definition."""
    limit = np.asarray(credit_limit, dtype="float64")
    return np.round(limit - np.asarray(balance, dtype="float64"), 2)


def over_limit(available: np.ndarray) -> np.ndarray:
    """True where the open balance is above the limit by a cent or more (no limit: never over)."""
    return np.nan_to_num(available, nan=0.0) < -0.005


def age_ledger(ledger: Ledger, customers: pd.DataFrame, *, buckets: Sequence[int] = DEFAULT_BUCKETS) -> pd.DataFrame:
    """One row per customer with an open item or credit; the buckets plus unapplied_credit equal balance."""
    names = bucket_columns(buckets)
    inv = ledger.invoices
    debit = inv[inv["open_amount"] > 0]
    slot = bucket_slots((ledger.as_of - debit["due_date"]).dt.days.to_numpy(), buckets)
    frame = pd.DataFrame(
        {"customer_id": debit["customer_id"].to_numpy(), "slot": slot, "amount": debit["open_amount"].to_numpy()}
    )
    table = frame.pivot_table(index="customer_id", columns="slot", values="amount", aggfunc="sum", fill_value=0.0)
    table = table.reindex(columns=range(len(names)), fill_value=0.0)
    table.columns = names
    credit_notes = inv[inv["open_amount"] < 0].groupby("customer_id")["open_amount"].sum()
    credit = credit_notes.add(ledger.unapplied, fill_value=0.0)
    ids = table.index.union(credit.index)
    out = table.reindex(ids, fill_value=0.0)
    out["unapplied_credit"] = credit.reindex(ids, fill_value=0.0)
    out = out.round(2)
    out["balance"] = out[[*names, "unapplied_credit"]].sum(axis=1).round(2)
    out = out.reset_index(names="customer_id")
    info = _customer_info(customers)
    out = out.merge(info, on="customer_id", how="left")
    out["available_credit"] = available_credit(out["credit_limit"], out["balance"])
    out["over_limit"] = over_limit(out["available_credit"].to_numpy())
    return out[ageing_columns(buckets)].sort_values("customer_id", kind="stable").reset_index(drop=True)


def _customer_info(customers: pd.DataFrame) -> pd.DataFrame:
    info = customers.reindex(columns=INFO_COLUMNS).copy()
    info["customer_id"] = info["customer_id"].astype(str).str.strip()
    info["credit_limit"] = pd.to_numeric(info["credit_limit"], errors="coerce").astype("float64")
    for col in ("name", "rep", "credit_grade"):
        info[col] = info[col].astype("object")
    return info.drop_duplicates("customer_id")


def ageing_totals(table: pd.DataFrame, *, buckets: Sequence[int] = DEFAULT_BUCKETS) -> dict[str, float]:
    """Column totals of the money columns, and the count of customers over their limit."""
    money = [*bucket_columns(buckets), "unapplied_credit", "balance"]
    totals: dict[str, float] = {c: round(float(table[c].sum()), 2) for c in money}
    totals["credit_limit"] = round(float(table["credit_limit"].sum()), 2)
    totals["over_limit"] = int(table["over_limit"].sum())
    return totals


def overdue_total(totals: dict[str, float], *, buckets: Sequence[int] = DEFAULT_BUCKETS) -> float:
    """The money past due: the sum of the overdue buckets' totals (never -0.0, so it never prints as -0.00)."""
    return round(sum(totals[c] for c in bucket_columns(buckets)[1:]), 2) or 0.0
