"""Composition and risk (DOMAIN.md, "Composition analysis" and the risky-customer table 危险客户统计表).

- sales by grade, by product category, by region: the year's net sales, customers and share of total;
- gross-margin ranking: the year's sales, cost, gross profit and margin per customer (lines with a cost);
- risky customers: sales down more than ``drop_pct`` % on the prior year, an invoice overdue more than
  ``overdue_days``, or no purchase for ``silent_days`` days up to the end of the year; each flag is a column.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from keyacct_xl.i18n import Lang
from keyacct_xl.messages import tr
from keyacct_xl.receivables.ledger import Ledger


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
    names = dict(zip(customers["customer_id"].astype(str), customers["name"]))
    table.insert(2, "name", table["customer_id"].astype(str).map(names))
    return table[["rank", "customer_id", "name", "sales", "cost", "gross_profit", "gross_margin"]]


def risky_customers(
    transactions: pd.DataFrame,
    customers: pd.DataFrame,
    ledger: Ledger | None,
    *,
    year: int,
    as_of: pd.Timestamp | None = None,
    drop_pct: float = 30.0,
    overdue_days: int = 90,
    silent_days: int = 90,
    lang: Lang = "zh",
) -> pd.DataFrame:
    """Customers with at least one risk flag, each flag a column and a sentence listing them.

    The year is the calendar ``year``; with ``as_of``, the twelve months up to that day and the prior year the twelve
    months before them (a monthly report's rolling year), silence counted to ``as_of``."""
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
    flags = {
        "sales_drop": tr(lang, "sales down more than {drop_pct:g}%", drop_pct=drop_pct),
        "overdue": tr(lang, "overdue more than {overdue_days} days", overdue_days=overdue_days),
        "silent": tr(lang, "no purchase for over {silent_days} days", silent_days=silent_days),
    }
    separator = tr(lang, "; ")
    table["risks"] = [
        separator.join(text for key, text in flags.items() if row[key]) for row in table[list(flags)].to_dict("records")
    ]
    risky = table[table[list(flags)].any(axis=1)]
    return risky.sort_values(["sales_prior", "customer_id"], ascending=[False, True], kind="stable").reset_index(
        drop=True
    )
