"""Customer attribute code (客户属性编码, DOMAIN.md): four positions describing a customer at a glance.

1. a configurable prefix (the sources leave it open): by default the customer category
   (重要客户 1, 主要客户 2, 普通客户 3, 潜在客户 4, other or blank 0), or one fixed text for everyone;
2. total spend class over all data up to as_of: 1 from 1,000,000; 2 from 100,000; 3 below 100,000;
3. average yearly spend class: total spend / the calendar years with sales data (each year's ``annual_sales``),
   not the years since the first trade, so a customer whose early years predate the data is not diluted:
   1 from 200,000; 2 from 100,000; 3 below 100,000;
   both classes use the boundary rule of the ABC classes (``abc.class_by_minimums``: at the minimum is in);
4. full years as a customer (first trade date, else first transaction, to as_of); ten or more is ``A``.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from keyacct_xl.analytics.abc import class_by_minimums
from keyacct_xl.analytics.metrics import evaluation_months

CATEGORY_CODES = {
    "重要客户": "1",
    "important": "1",
    "主要客户": "2",
    "major": "2",
    "普通客户": "3",
    "ordinary": "3",
    "潜在客户": "4",
    "potential": "4",
}
CODE_COLUMNS = [
    "customer_id",
    "name",
    "prefix",
    "total_spend",
    "total_class",
    "years_with_data",
    "avg_yearly_spend",
    "yearly_class",
    "years_as_customer",
    "attribute_code",
]


def spend_class(values: np.ndarray, upper: float, lower: float) -> np.ndarray:
    """1 from ``upper`` (inclusive), 2 from ``lower`` (inclusive), 3 below ``lower``: the ABC boundary rule."""
    return class_by_minimums(values, (upper, lower), ("1", "2", "3"))


def attribute_codes(
    customers: pd.DataFrame,
    transactions: pd.DataFrame,
    *,
    as_of: pd.Timestamp | None = None,
    prefix: str | None = None,
    prefix_codes: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """One row per customer: the code's parts and the code itself, e.g. ``1214``."""
    tx = transactions
    as_of = pd.Timestamp(as_of) if as_of is not None else tx["date"].max()
    tx = tx[tx["date"] <= as_of]
    ids = customers["customer_id"].astype(str)
    total = tx.groupby(tx["customer_id"].astype(str))["amount"].sum().reindex(ids).fillna(0.0).to_numpy()
    first_tx = tx.groupby(tx["customer_id"].astype(str))["date"].min().reindex(ids)
    first = pd.Series(customers["first_trade_date"].to_numpy(), index=ids).fillna(first_tx)
    months = evaluation_months(first, as_of).to_numpy()
    years = np.floor(np.nan_to_num(months, nan=0.0) / 12).astype("int64")
    sale_years = pd.DataFrame({"customer_id": tx["customer_id"].astype(str), "year": tx["date"].dt.year})
    with_data = sale_years.drop_duplicates().groupby("customer_id").size().reindex(ids).fillna(0).astype("int64")
    yearly = total / np.maximum(with_data.to_numpy(dtype="float64"), 1.0)
    if prefix is not None:
        prefixes = np.full(len(ids), prefix, dtype=object)
    else:
        codes = {str(k).lower(): v for k, v in (prefix_codes or CATEGORY_CODES).items()}
        prefixes = customers["category"].map(lambda c: codes.get(str(c).strip().lower(), "0")).to_numpy(dtype=object)
    total_class = spend_class(total, 1_000_000, 100_000)
    yearly_class = spend_class(yearly, 200_000, 100_000)
    year_digit = np.where(years >= 10, "A", years.astype(str)).astype(object)
    table = pd.DataFrame(
        {
            "customer_id": ids.to_numpy(dtype=object),
            "name": customers["name"].to_numpy(dtype=object),
            "prefix": prefixes,
            "total_spend": total,
            "total_class": total_class,
            "years_with_data": with_data.to_numpy(),
            "avg_yearly_spend": yearly,
            "yearly_class": yearly_class,
            "years_as_customer": years,
        }
    )
    table["attribute_code"] = prefixes.astype(str) + total_class + yearly_class + year_digit
    return table[CODE_COLUMNS]
