"""Composition and risk (DOMAIN.md, "Composition analysis" and the risky-customer table 危险客户统计表).

- sales by grade, by product category, by region: the year's net sales, customers and share of total;
- gross-margin ranking: the year's sales, cost, gross profit and margin per customer (lines with a cost);
- risky customers: sales down more than ``drop_pct`` % on the prior year, an invoice overdue more than
  ``overdue_days``, no purchase for ``silent_days`` days up to the end of the year, or a complaint (one still open,
  or one received in the last ``complaint_months`` months: the complaint register, DOMAIN.md form 21); each flag is
  a column.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from keyacct_xl.analytics.frames import with_customer_names
from keyacct_xl.i18n import Lang
from keyacct_xl.master.settings import Settings, setting_int
from keyacct_xl.messages import tr
from keyacct_xl.receivables.ledger import Ledger

# A complaint received this many months before the day still marks its customer as at risk (Settings
# ``risk_complaint_months`` when a user added it): a quarter, the span the general manager's pack compares.
COMPLAINT_MONTHS = 3
COMPLAINT_MONTHS_SETTING = "risk_complaint_months"


def complaint_months(settings: Settings) -> int:
    """Months a received complaint keeps its customer on the risky list: Settings ``risk_complaint_months`` when a
    user added it, else three."""
    if settings.value(COMPLAINT_MONTHS_SETTING) is None:
        return COMPLAINT_MONTHS
    return setting_int(settings, COMPLAINT_MONTHS_SETTING)


def open_at(complaints: pd.DataFrame, as_of: pd.Timestamp) -> pd.Series:
    """Which complaints (the Complaints table or its register) were received by ``as_of`` and not closed by then."""
    received = pd.to_datetime(complaints["received_date"])
    closed = pd.to_datetime(complaints["closed_date"])
    return (received <= as_of) & (closed.isna() | (closed > as_of))


def complaint_counts(complaints: pd.DataFrame, *, as_of: pd.Timestamp, months: int) -> pd.DataFrame:
    """Per customer id (stripped): complaints open at ``as_of`` (``open_complaints``) and complaints received in
    the ``months`` months up to it (``recent_complaints``); a complaint received later counts in neither."""
    received = pd.to_datetime(complaints["received_date"])
    since = as_of - pd.DateOffset(months=months)
    frame = pd.DataFrame(
        {
            "customer_id": complaints["customer_id"].astype("string").str.strip().to_numpy(dtype=object),
            "open_complaints": open_at(complaints, as_of).to_numpy(dtype=bool),
            "recent_complaints": ((received > since) & (received <= as_of)).to_numpy(dtype=bool),
        }
    )
    frame = frame[frame["customer_id"].notna()]
    return frame.groupby("customer_id")[["open_complaints", "recent_complaints"]].sum().astype("int64")


def sales_by(transactions: pd.DataFrame, customers: pd.DataFrame, *, year: int, by: str) -> pd.DataFrame:
    """The year's sales grouped by a Customers column (grade, region) or a Transactions column (category)."""
    tx = transactions[transactions["date"].dt.year == year]
    if by in tx.columns:
        keys = tx[by]
    else:
        lookup = dict(zip(customers["customer_id"].astype(str), customers[by]))
        keys = tx["customer_id"].astype(str).map(lookup)
    keys = keys.astype(object).where(keys.notna(), "—")
    frame = pd.DataFrame({by: keys, "customer_id": tx["customer_id"], "sales": tx["amount"]})
    grouped = frame.groupby(by, sort=True).agg(customers=("customer_id", "nunique"), sales=("sales", "sum"))
    total = float(grouped["sales"].sum())
    grouped["sales_share"] = grouped["sales"] / total if total else 0.0
    return grouped.sort_values("sales", ascending=False, kind="stable").reset_index()


def margin_ranking(transactions: pd.DataFrame, customers: pd.DataFrame, *, year: int) -> pd.DataFrame:
    """Customers by gross profit of the year, largest first (lines without a cost are left out of the margin)."""
    tx = transactions[(transactions["date"].dt.year == year) & transactions["cost"].notna()]
    sums = tx.groupby("customer_id")[["amount", "cost"]].sum().rename(columns={"amount": "sales"})
    sums["gross_profit"] = sums["sales"] - sums["cost"]
    sums["gross_margin"] = sums["gross_profit"] / sums["sales"].where(sums["sales"] > 0)
    table = sums.sort_values(["gross_profit"], ascending=False, kind="stable").reset_index()
    table.insert(0, "rank", np.arange(1, len(table) + 1))
    table = with_customer_names(table, customers)
    return table[["rank", "customer_id", "name", "sales", "cost", "gross_profit", "gross_margin"]]


def risky_customers(
    transactions: pd.DataFrame,
    customers: pd.DataFrame,
    ledger: Ledger | None,
    *,
    year: int,
    complaints: pd.DataFrame | None,
    as_of: pd.Timestamp | None = None,
    drop_pct: float = 30.0,
    overdue_days: int = 90,
    silent_days: int = 90,
    complaint_months: int = COMPLAINT_MONTHS,
    lang: Lang = "zh",
) -> pd.DataFrame:
    """Customers with at least one risk flag, each flag a column and a sentence listing them.

    The year is the calendar ``year``; with ``as_of``, the twelve months up to that day and the prior year the twelve
    months before them (a monthly report's rolling year), silence counted to ``as_of``; their sales are then
    ``sales_12m`` and ``sales_prior_12m``, not the calendar year's ``sales`` and ``sales_prior``, so no header calls a
    rolling year last year's. ``complaints`` is the
    master's Complaints table (None: no register kept): a customer with a complaint open at the end of that day, or
    received in the ``complaint_months`` months to it, is flagged."""
    end = pd.Timestamp(year, 12, 31) if as_of is None else pd.Timestamp(as_of).normalize()
    start = end - pd.DateOffset(years=1) + pd.Timedelta(days=1)  # 1 January of ``year`` for a calendar year
    prior_start = start - pd.DateOffset(years=1)
    tx = transactions[transactions["date"] <= end]
    ids = customers["customer_id"].astype(str)
    owner = tx["customer_id"].astype(str)
    sales = tx["amount"][tx["date"] >= start].groupby(owner).sum().reindex(ids).fillna(0.0)
    before = (tx["date"] >= prior_start) & (tx["date"] < start)
    prior = tx["amount"][before].groupby(owner).sum().reindex(ids).fillna(0.0)
    last = tx[tx["amount"] > 0].groupby(tx["customer_id"].astype(str))["date"].max().reindex(ids)
    table = pd.DataFrame(
        {
            "customer_id": ids.to_numpy(),
            "name": customers["name"].to_numpy(dtype=object),
            "region": customers["region"].to_numpy(dtype=object),
            "rep": customers["rep"].to_numpy(dtype=object),
            "sales": sales.to_numpy(),
            "sales_prior": prior.to_numpy(),
            "last_purchase": last.to_numpy(),
        }
    )
    table["sales_change"] = np.where(
        table["sales_prior"] > 0, table["sales"] / table["sales_prior"].where(table["sales_prior"] > 0) - 1, np.nan
    )
    table["days_since_purchase"] = (end - table["last_purchase"]).dt.days
    overdue = pd.Series(0, index=ids, dtype="int64")
    if ledger is not None:
        inv = ledger.invoices[(ledger.invoices["open_amount"] > 0.005) & (ledger.invoices["amount"] > 0)]
        overdue = inv.groupby("customer_id")["days_late"].max().reindex(ids).fillna(0).astype("int64")
    table["max_days_overdue"] = overdue.to_numpy()
    table["sales_drop"] = (table["sales_change"] < -drop_pct / 100).fillna(False).astype(bool)
    table["overdue"] = table["max_days_overdue"] > overdue_days
    had_sales = table["last_purchase"].notna()
    table["silent"] = had_sales & (table["days_since_purchase"] > silent_days)
    counts = _complaints_by_customer(complaints, ids, end=end, months=complaint_months)
    table["open_complaints"] = counts["open_complaints"].to_numpy()
    table["recent_complaints"] = counts["recent_complaints"].to_numpy()
    table["complaints"] = (table["open_complaints"] > 0) | (table["recent_complaints"] > 0)
    flags = {
        "sales_drop": tr(lang, "sales down more than {drop_pct:g}%", drop_pct=drop_pct),
        "overdue": tr(lang, "overdue more than {overdue_days} days", overdue_days=overdue_days),
        "silent": tr(lang, "no purchase for over {silent_days} days", silent_days=silent_days),
    }
    separator = tr(lang, "; ")
    table["risks"] = [
        separator.join(
            [
                *(text for key, text in flags.items() if row[key]),
                *_complaint_reasons(row["open_complaints"], row["recent_complaints"], complaint_months, lang),
            ]
        )
        for row in table[[*flags, "open_complaints", "recent_complaints"]].to_dict("records")
    ]
    risky = table[table[[*flags, "complaints"]].any(axis=1)]
    risky = risky.sort_values(["sales_prior", "customer_id"], ascending=[False, True], kind="stable")
    if as_of is not None:
        risky = risky.rename(columns=ROLLING_SALES)
    return risky.reset_index(drop=True)


# A rolling year's sales have keys of their own: ``sales_prior`` is headed 上年销售额 (the calendar year before).
ROLLING_SALES = {"sales": "sales_12m", "sales_prior": "sales_prior_12m"}


def _complaints_by_customer(
    complaints: pd.DataFrame | None, ids: pd.Series, *, end: pd.Timestamp, months: int
) -> pd.DataFrame:
    """``complaint_counts`` at the end of the day ``end``, one row per customer of ``ids`` (0 without any)."""
    columns = ["open_complaints", "recent_complaints"]
    if complaints is None or complaints.empty:
        return pd.DataFrame(0, index=range(len(ids)), columns=columns, dtype="int64")
    counts = complaint_counts(complaints, as_of=end + pd.Timedelta(days=1) - pd.Timedelta(seconds=1), months=months)
    return counts.reindex(ids.str.strip().to_numpy(), fill_value=0).reset_index(drop=True)[columns]


def _complaint_reasons(open_now: int, recent: int, months: int, lang: Lang) -> list[str]:
    """The complaint flag's sentences: the complaints still open, those received in the last ``months`` months."""
    reasons = []
    if open_now:
        reasons.append(tr(lang, "{count} open complaint(s)", count=int(open_now)))
    if recent:
        reasons.append(tr(lang, "{count} complaint(s) in the last {months} months", count=int(recent), months=months))
    return reasons
