"""Pareto / ABC classes of customers by revenue (DOMAIN.md, the 50-customer worked example).

Two ways to cut, never both:
- thresholds (the sources' way): A = revenue ≥ the first amount (1,000,000), B = ≥ the second (100,000), else C
  (``class_by_minimums``, the boundary rule the attribute code shares);
- shares (the 80/20 way, e.g. 80,15): customers sorted by revenue, descending; a customer's position is the
  share of total revenue held by customers with strictly more revenue. A while that share is below 80 %, B while
  it is below 80 + 15 = 95 %, else C. Equal revenue therefore always gets the same class. Shares both at most 1
  are fractions (0.8,0.15 is 80,15: a cell showing 80 % holds 0.8), ``percent_shares``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from keyacct_xl.analytics.frames import require_columns
from keyacct_xl.analytics.metrics import annual_sales
from keyacct_xl.errors import InputError
from keyacct_xl.master.schema import TRANSACTIONS
from keyacct_xl.messages import msg

ABC_COLUMNS = ["customer_id", "rank", "revenue", "share", "cumulative_share", "abc_class"]
DEFAULT_THRESHOLDS = (1_000_000.0, 100_000.0)


def revenue_by_customer(transactions: pd.DataFrame, *, year: int | None = None) -> pd.Series:
    """Net revenue per customer (returns reduce it), for one calendar year when given."""
    require_columns(transactions, ("customer_id", "date", "amount"), TRANSACTIONS)
    if year is None:
        return transactions.groupby("customer_id", sort=True)["amount"].sum().rename("revenue")
    if not (transactions["date"].dt.year == year).any():
        raise InputError(msg("abc: no transactions in {year}", year=year))
    return annual_sales(transactions, year=year).rename("revenue")


def abc_classes(
    revenue: pd.Series, *, thresholds: Sequence[float] | None = None, shares: Sequence[float] | None = None
) -> pd.DataFrame:
    """Per customer: rank, revenue, share, cumulative share and class A/B/C, largest first."""
    if thresholds is not None and shares is not None:
        raise InputError(msg("abc: give thresholds or shares, not both"))
    if revenue.empty:
        raise InputError(msg("abc: no customers with revenue"))
    ordered = revenue.sort_values(ascending=False, kind="stable")
    values = ordered.to_numpy(dtype="float64")
    total = float(values.sum())
    table = pd.DataFrame(
        {
            "customer_id": ordered.index.to_numpy(dtype=object),
            "rank": pd.Series(values).rank(ascending=False, method="min").astype("int64"),
            "revenue": values,
        }
    )
    table["share"] = values / total if total else 0.0
    table["cumulative_share"] = np.cumsum(values) / total if total else 0.0
    if shares is not None:
        table["abc_class"] = _by_shares(values, total, shares)
    else:
        table["abc_class"] = _by_thresholds(values, thresholds or DEFAULT_THRESHOLDS)
    return table[ABC_COLUMNS]


def _by_thresholds(values: np.ndarray, thresholds: Sequence[float]) -> np.ndarray:
    a_min, b_min = _pair(thresholds, "thresholds")
    if a_min <= b_min:
        raise InputError(
            msg("abc: thresholds must be decreasing (A above B), got {a_min:g},{b_min:g}", a_min=a_min, b_min=b_min)
        )
    return class_by_minimums(values, (a_min, b_min), ("A", "B", "C"))


def class_by_minimums(values: np.ndarray, minimums: Sequence[float], classes: Sequence[str]) -> np.ndarray:
    """The one boundary rule for amount thresholds (ABC classes, the attribute code's spend classes): a value at
    or above a minimum is in its class, so exactly 1,000,000 is in the class whose minimum is 1,000,000.
    ``minimums`` are decreasing; ``classes`` has one more entry, the class below the last minimum."""
    out = np.full(len(values), classes[-1], dtype=object)
    for minimum, klass in reversed(list(zip(minimums, classes))):
        out[values >= minimum] = klass
    return out


def percent_shares(shares: Sequence[float]) -> tuple[float, float]:
    """The A and B shares in percent. An A share under 1 makes both fractions of the total (a cell showing 80 %
    holds 0.8, as Excel's own functions take it), so 0.8,0.15 is 80,15; an A share of 1 or more makes both percent
    (80,1 is A 80 %, B 1 %; 1,0 is A 1 %). A fraction beside a percentage (0.8 and 15, or 80 and 0.15: one cell
    formatted as percent, one not) is refused rather than read as 0.8 % or 0.15 %."""
    a_share, b_share = _pair(shares, "shares")
    if a_share < 1 and b_share <= 1:
        return round(a_share * 100, 9), round(b_share * 100, 9)  # 0.07 * 100 is 7.000000000000001
    if a_share < 1 or 0 < b_share < 1:
        raise InputError(
            msg(
                "abc: shares {a_share:g},{b_share:g}: a fraction beside a percentage; give both in percent (80,15) "
                "or both as fractions (0.8,0.15, or 80%,15% in cells)",
                a_share=a_share,
                b_share=b_share,
            )
        )
    return a_share, b_share


def _by_shares(values: np.ndarray, total: float, shares: Sequence[float]) -> np.ndarray:
    a_share, b_share = percent_shares(shares)
    if a_share <= 0 or b_share < 0 or a_share + b_share > 100:
        raise InputError(
            msg(
                "abc: shares must be positive and add up to at most 100, got {a_share:g},{b_share:g}",
                a_share=a_share,
                b_share=b_share,
            )
        )
    if total <= 0:
        raise InputError(msg("abc: total revenue is not positive; shares cannot be computed"))
    # Revenue held by customers with strictly more revenue: the cumulative sum before each tie group starts.
    before = np.cumsum(values) - values
    first_of_group = np.searchsorted(-values, -values, side="left")
    position = before[first_of_group] / total * 100
    return np.where(position < a_share, "A", np.where(position < a_share + b_share, "B", "C")).astype(object)


def _pair(values: Sequence[float], what: str) -> tuple[float, float]:
    if len(values) != 2:
        raise InputError(msg("abc: {what} need two numbers (A,B), got {values}", what=what, values=list(values)))
    return float(values[0]), float(values[1])


def abc_summary(table: pd.DataFrame) -> pd.DataFrame:
    """Per class: customers, share of customers, revenue, share of revenue (the sources' summary table)."""
    total_count, total_revenue = len(table), float(table["revenue"].sum())
    rows = []
    for klass in ("A", "B", "C"):
        part = table[table["abc_class"] == klass]
        revenue = float(part["revenue"].sum())
        rows.append(
            {
                "abc_class": klass,
                "customers": len(part),
                "customer_share": len(part) / total_count,
                "revenue": revenue,
                "revenue_share": revenue / total_revenue if total_revenue else 0.0,
            }
        )
    return pd.DataFrame(rows)
