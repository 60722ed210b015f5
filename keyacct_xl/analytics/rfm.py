"""RFM after Arthur Hughes (DOMAIN.md, "RFM"): recency, frequency, money per customer, quintile scores, eight classes.

- as_of defaults to the latest date in the data; only lines dated on or before as_of, and after
  as_of − period_months when a period is given, count.
- A purchase is a line with a positive amount; returns (negative lines) reduce money but are not purchases.
  A customer with no purchase in the window has no recency and is not part of the RFM population:
  ``lapsed_customers`` lists them (last purchase before the window, or none at all), for the report to say so and
  for the win-back list, whose first subjects they are (DOMAIN.md: RFM's purpose is winning back old customers).
- recency_days = as_of − last purchase; frequency = distinct order numbers when an order column is given,
  else distinct purchase dates (a line without an order number counts by its date); monetary = net amount,
  or net amount per order with ``monetary="average"``.
- Scores: ``keyacct_xl.analytics.scoring`` (R = 5 for the most recent). Classes: each of R, F, M against the
  population mean; R is "up" when recency_days is strictly below the mean, F and M when strictly above.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd

from keyacct_xl.analytics.frames import require_columns
from keyacct_xl.analytics.scoring import quintile_scores
from keyacct_xl.errors import InputError
from keyacct_xl.i18n import Lang
from keyacct_xl.master.schema import TRANSACTIONS
from keyacct_xl.messages import msg

Monetary = Literal["total", "average"]
RFM_COLUMNS = [
    "customer_id",
    "last_purchase",
    "recency_days",
    "frequency",
    "monetary",
    "avg_order_value",
    "r_score",
    "f_score",
    "m_score",
    "rfm_code",
    "rfm_class",
    "rfm_class_label",
]

# (R up, F up, M up) -> class key; DOMAIN.md's table.
CLASS_BY_SIGNS = {
    (True, True, True): "important_value",
    (True, False, True): "important_development",
    (False, True, True): "important_retention",
    (False, False, True): "important_winback",
    (True, True, False): "general_value",
    (True, False, False): "general_development",
    (False, True, False): "general_retention",
    (False, False, False): "general_winback",
}
CLASS_LABELS = {
    "important_value": msg("Important value"),
    "important_development": msg("Important development"),
    "important_retention": msg("Important retention"),
    "important_winback": msg("Important win-back"),
    "general_value": msg("General value"),
    "general_development": msg("General development"),
    "general_retention": msg("General retention"),
    "general_winback": msg("General win-back"),
}
CLASS_ACTIONS = {
    "important_value": msg("Keep close: dedicated service, priority supply"),
    "important_development": msg("Raise frequency: regular follow-up, bundles"),
    "important_retention": msg("Lapsing: visit in person, find out why"),
    "important_winback": msg("High value, churning: manager-led win-back"),
    "general_value": msg("Raise order value: propose higher-value products"),
    "general_development": msg("Develop: trials and first-order offers"),
    "general_retention": msg("Stay in touch: low-cost phone follow-up"),
    "general_winback": msg("Low priority: mass reactivation campaigns"),
}
CLASS_ORDER = list(CLASS_LABELS)
# Outside the eight classes: no purchase in the window (the win-back list's ``rfm_calls`` may name it).
LAPSED = "lapsed"
LAPSED_LABEL = msg("Lapsed: no purchase in the period")
LAPSED_COLUMNS = ["customer_id", "last_purchase", "days_since_purchase"]
# What a win-back call may be for: a class, or having lapsed.
CALL_LABELS = {**CLASS_LABELS, LAPSED: LAPSED_LABEL}


def class_label(key: str, lang: Lang) -> str:
    """The zh or en name of an RFM class."""
    return CLASS_LABELS[key].render(lang)


def rfm(
    transactions: pd.DataFrame,
    *,
    as_of: pd.Timestamp | str | None = None,
    period_months: int | None = None,
    monetary: Monetary = "total",
    order_column: str | None = "doc_no",
    lang: Lang = "zh",
) -> pd.DataFrame:
    """One row per customer with RFM values, 1–5 scores, the code ("545") and the eight-class label."""
    if monetary not in ("total", "average"):
        raise InputError(msg("rfm: monetary must be total or average, not {monetary!r}", monetary=monetary))
    require_columns(transactions, ("customer_id", "date", "amount"), TRANSACTIONS)
    window, end = _window(transactions, as_of, period_months, order_column)
    if window.empty:
        raise InputError(msg("rfm: no purchases on or before {end} in the period", end=end.date()))
    codes, customers = pd.factorize(window["customer_id"], sort=True)
    days = window["date"].to_numpy(dtype="datetime64[D]").astype("int64")
    amounts = window["amount"].to_numpy(dtype="float64")
    bought = amounts > 0
    n = len(customers)
    net = np.bincount(codes, weights=amounts, minlength=n)
    last = np.full(n, np.iinfo("int64").min)
    np.maximum.at(last, codes[bought], days[bought])
    frequency = _frequency(window, codes[bought], days[bought], bought, order_column, n)
    keep = frequency > 0
    result = pd.DataFrame(
        {
            "customer_id": np.asarray(customers, dtype=object)[keep],
            "last_purchase": pd.to_datetime(last[keep].astype("datetime64[D]")).astype("datetime64[ns]"),
            "recency_days": (np.datetime64(end, "D").astype("int64") - last[keep]),
            "frequency": frequency[keep],
            "monetary": net[keep],
        }
    )
    if result.empty:
        raise InputError(msg("rfm: no purchases (positive amounts) on or before {end} in the period", end=end.date()))
    result["avg_order_value"] = result["monetary"] / result["frequency"]
    if monetary == "average":
        result["monetary"] = result["avg_order_value"]
    return _scored(result, lang)


def window_bounds(
    dates: pd.Series, as_of: pd.Timestamp | str | None, period_months: int | None
) -> tuple[pd.Timestamp, pd.Timestamp]:
    """The first and last day a line counts in: ``as_of`` (default: the latest date) and the day after
    as_of − period_months (default: the earliest date)."""
    end = pd.Timestamp(as_of).normalize() if as_of is not None else dates.max()
    if not period_months:
        return dates[dates <= end].min(), end
    if period_months < 0:
        raise InputError(msg("rfm: period_months must be positive, not {period_months}", period_months=period_months))
    return (end - pd.DateOffset(months=period_months) + pd.Timedelta(days=1)).normalize(), end


def lapsed_customers(
    transactions: pd.DataFrame,
    *,
    as_of: pd.Timestamp | str | None = None,
    period_months: int | None = None,
    customers: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The customers the RFM window leaves out, by last purchase: those who bought before the window and not in
    it (last purchase, days since it), then those of ``customers`` (a master's) who never bought (both blank)."""
    start, end = window_bounds(transactions["date"], as_of, period_months)
    bought = transactions[(transactions["amount"] > 0) & (transactions["date"] <= end)]
    last = bought.groupby(bought["customer_id"].astype(str))["date"].max()
    gone = last[last < start].sort_values(kind="stable")
    out = pd.DataFrame({"customer_id": gone.index, "last_purchase": gone.to_numpy()})
    if customers is not None:
        ids = customers["customer_id"].dropna().astype(str)
        never = ids[~ids.isin(last.index)].drop_duplicates()
        out = pd.concat([out, pd.DataFrame({"customer_id": never.to_numpy()})], ignore_index=True)
    out["last_purchase"] = out["last_purchase"].astype("datetime64[ns]")
    out["days_since_purchase"] = (end - out["last_purchase"]).dt.days.astype("Int64")
    return out[LAPSED_COLUMNS]


def _window(
    transactions: pd.DataFrame, as_of: pd.Timestamp | str | None, period_months: int | None, order_column: str | None
) -> tuple[pd.DataFrame, pd.Timestamp]:
    extra = [order_column] if order_column and order_column in transactions.columns else []
    frame = transactions[["customer_id", "date", "amount", *extra]]
    dates = frame["date"]
    start, end = window_bounds(dates, as_of, period_months)
    mask = (dates <= end).to_numpy()
    if period_months:
        mask = mask & (dates >= start).to_numpy()
    return frame[mask], end


def _frequency(
    window: pd.DataFrame, codes: np.ndarray, days: np.ndarray, bought: np.ndarray, order_column: str | None, n: int
) -> np.ndarray:
    """Distinct orders (or purchase dates) per customer code, counted on purchase lines only."""
    if order_column and order_column in window.columns and window[order_column].notna().any():
        orders, _ = window[order_column][bought].factorize()  # Series.factorize keeps the fast arrow path
        # A line without an order number stands for its purchase date: key it past every order code.
        first = days.min(initial=0)
        orders = np.where(orders < 0, orders.max(initial=0) + 1 + (days - first), orders)
    else:
        orders = days - days.min(initial=0)
    width = int(orders.max(initial=0)) + 1
    # Sorting then counting changes is several times faster than np.unique's hash path on int64 keys.
    pairs = np.sort(codes.astype("int64") * width + orders)
    distinct = pairs[np.r_[True, pairs[1:] != pairs[:-1]]] if pairs.size else pairs
    return np.bincount(distinct // width, minlength=n)


def _scored(result: pd.DataFrame, lang: Lang) -> pd.DataFrame:
    recency, frequency, money = (result[c].to_numpy(dtype="float64") for c in ("recency_days", "frequency", "monetary"))
    result["r_score"] = quintile_scores(recency, higher_is_better=False)
    result["f_score"] = quintile_scores(frequency)
    result["m_score"] = quintile_scores(money)
    result["rfm_code"] = (result["r_score"] * 100 + result["f_score"] * 10 + result["m_score"]).astype(str)
    r_up, f_up, m_up = recency < recency.mean(), frequency > frequency.mean(), money > money.mean()
    keys = np.array(CLASS_ORDER, dtype=object)
    index = {k: i for i, k in enumerate(CLASS_ORDER)}
    lookup = np.empty(8, dtype="int64")
    for (r, f, m), key in CLASS_BY_SIGNS.items():
        lookup[r * 4 + f * 2 + m] = index[key]
    chosen = keys[lookup[r_up.astype(int) * 4 + f_up.astype(int) * 2 + m_up.astype(int)]]
    result["rfm_class"] = chosen
    labels = {k: class_label(k, lang) for k in CLASS_ORDER}
    result["rfm_class_label"] = pd.Series(chosen).map(labels).to_numpy()
    return result[RFM_COLUMNS].reset_index(drop=True)


def class_summary(table: pd.DataFrame, *, lang: Lang = "zh") -> pd.DataFrame:
    """Per class: customers, share of customers, revenue, share of revenue and the suggested action."""
    revenue_col = "avg_order_value"
    revenue = table[revenue_col] * table["frequency"]
    grouped = pd.DataFrame({"rfm_class": table["rfm_class"], "revenue": revenue}).groupby("rfm_class")
    counts, sums = grouped.size(), grouped["revenue"].sum()
    total_count, total_revenue = len(table), float(revenue.sum())
    rows = []
    for key in CLASS_ORDER:
        count, money = int(counts.get(key, 0)), float(sums.get(key, 0.0))
        rows.append(
            {
                "rfm_class": key,
                "rfm_class_label": class_label(key, lang),
                "customers": count,
                "customer_share": count / total_count if total_count else 0.0,
                "revenue": money,
                "revenue_share": money / total_revenue if total_revenue else 0.0,
                "action": CLASS_ACTIONS[key].render(lang),
            }
        )
    return pd.DataFrame(rows)
