"""Per-customer metrics for one graded year, from the master's frames (the inputs of the grading rules).

- annual_sales / prior_year_sales: ``annual_sales`` of the calendar year Y / Y−1, the one definition every report
  uses (net amount, returns reduce it, the whole calendar year whatever the evaluation date);
- growth: (annual − prior) / prior, blank when there were no prior-year sales;
- gross_margin: (sales − cost) / sales over the year's lines that carry a cost;
- price_index: the year's amount over what the same quantities cost at each product's average price of the year
  across all customers (1.0 = average price; the 3-level policy's "sales price level");
- visit_rating: mean of the year's visit ratings on a 1–5 scale (Excellent/很好 = 5 ... Very poor/很差 = 1);
- months_as_customer: full months from the first trade date (else the first transaction) to the evaluation date;
- collection_rate: of the year's invoices, the share of their amount paid by the evaluation date (ledger);
- on_time_rate and the credit grade come from ``keyacct_xl.analytics.credit``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from keyacct_xl.receivables.ledger import Ledger
from keyacct_xl.receivables.ledger_events import distinct_texts

RATING_SCORES = {
    "excellent": 5,
    "很好": 5,
    "优": 5,
    "优秀": 5,
    "非常满意": 5,
    "good": 4,
    "好": 4,
    "良": 4,
    "良好": 4,
    "满意": 4,
    "fair": 3,
    "一般": 3,
    "中": 3,
    "poor": 2,
    "差": 2,
    "较差": 2,
    "不满意": 2,
    "very poor": 1,
    "verypoor": 1,
    "很差": 1,
    "非常差": 1,
    "非常不满意": 1,
}


def evaluation_months(first: pd.Series, evaluation: pd.Timestamp) -> pd.Series:
    """Full months from each first date to the evaluation date (blank stays blank)."""
    months = (evaluation.year - first.dt.year) * 12 + (evaluation.month - first.dt.month)
    months = months - (first.dt.day > evaluation.day).astype("Int64")
    return months.astype("Float64").astype("float64").clip(lower=0)


def in_year(dates: pd.Series, year: int) -> np.ndarray:
    """Per date: whether it falls in calendar year ``year`` (a blank date does not); two comparisons, no years
    computed for a million dates."""
    inside = (dates >= pd.Timestamp(year, 1, 1)) & (dates < pd.Timestamp(year + 1, 1, 1))
    return inside.to_numpy(dtype=bool, na_value=False)


def annual_sales(transactions: pd.DataFrame, *, year: int) -> pd.Series:
    """A customer's annual sales, the one definition the review, the analysis, the attribute code and the UDFs
    share: the net amount (returns reduce it) of the lines dated in calendar year ``year``, per customer_id."""
    lines = transactions[transactions["date"].dt.year == year]
    return lines.groupby("customer_id", sort=True)["amount"].sum()


def code_groups(codes: np.ndarray, size: int) -> pd.Categorical:
    """Integer codes (0 <= code < ``size``) as a key pandas groups by without hashing them: the same groups, in
    the same order, and the same sums to the last bit as grouping by the integers (use ``observed=True``)."""
    return pd.Categorical.from_codes(codes, categories=pd.RangeIndex(size))


def code_index(grouped: pd.Series | pd.DataFrame) -> np.ndarray:
    """The integer codes a ``code_groups`` result is indexed by."""
    index = grouped.index
    assert isinstance(index, pd.CategoricalIndex)  # grouped by ``code_groups``
    return np.asarray(index.codes, dtype="int64")


def _rating(value: object) -> float:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return np.nan
    text = str(value).strip().lower()
    if text in RATING_SCORES:
        return float(RATING_SCORES[text])
    try:
        number = float(text)
    except ValueError:
        return np.nan  # free-text comments in the rating cell carry no score
    return number if 1 <= number <= 5 else np.nan


def _price_index(year_tx: pd.DataFrame, customers: int) -> pd.Series:
    """Per customer code: the year's amount over its quantities at each product's mean price (``year_tx``: the
    year's lines with a product and a quantity, ``_customer`` their code)."""
    lines = year_tx[(year_tx["qty"] > 0) & (year_tx["amount"] > 0)]
    if lines.empty:
        return pd.Series(dtype="float64")
    per_product = lines.groupby("product")[["amount", "qty"]].sum()
    mean_price = per_product["amount"] / per_product["qty"]
    expected = lines["qty"] * lines["product"].map(mean_price)
    sums = (
        pd.DataFrame({"amount": lines["amount"], "expected": expected})
        .groupby(code_groups(lines["_customer"].to_numpy(), customers), observed=True)
        .sum()
    )
    return (sums["amount"] / sums["expected"]).set_axis(code_index(sums))


def _by_customer(values: pd.Series | pd.DataFrame, back: np.ndarray, ids: pd.Index) -> pd.Series | pd.DataFrame:
    """Figures indexed by customer position (in ``ids`` without repeats; ``back``: each row's position), indexed by
    ``ids`` instead (blank where a customer has none)."""
    return values.reindex(range(int(back.max()) + 1 if len(back) else 0)).iloc[back].set_axis(ids)


def text_codes(column: pd.Series, factorized: tuple[np.ndarray, pd.Index] | None = None) -> tuple[np.ndarray, pd.Index]:
    """``column.astype(str)`` factorized: each line's code and the texts, one conversion per distinct value where the
    values allow (``distinct_texts``; a missing value is one of the texts, as ``astype`` gives it). Unlike the
    ledger's ``coded``, the texts keep their white space: the figures are by the ids as Customers holds them."""
    distinct = distinct_texts(column, factorized)
    if distinct is None:
        codes, uniques = pd.factorize(column.astype(str), use_na_sentinel=False)
        return codes, pd.Index(uniques)
    codes, values = distinct
    names = pd.Index(values.astype(str))
    missing = np.flatnonzero(codes < 0)
    if len(missing):
        codes = np.where(codes < 0, len(names), codes)
        names = names.append(pd.Index(column.iloc[missing[:1]].astype(str)))
    return codes, names


def customer_metrics(
    customers: pd.DataFrame,
    transactions: pd.DataFrame,
    visits: pd.DataFrame,
    *,
    year: int,
    evaluation: pd.Timestamp,
    ledger: Ledger | None = None,
    customer_ids: tuple[np.ndarray, pd.Index] | None = None,
) -> pd.DataFrame:
    """One row per customer (Customers first, then ids seen only in Transactions) with the grading metrics;
    ``customer_ids``: ``pd.factorize(transactions["customer_id"])`` when the caller has it."""
    dates = transactions["date"]
    until = (dates <= evaluation).to_numpy(dtype=bool, na_value=False)
    # Each line's customer as a position in ``ids``: grouping by these integers is the same grouping as by the ids,
    # without hashing a million strings once per figure; only the narrow columns each figure needs are cut.
    codes, names = text_codes(transactions["customer_id"], customer_ids)
    ids = pd.Index(customers["customer_id"].astype(str))
    seen = np.flatnonzero(np.bincount(codes[until], minlength=len(names)))
    ids = ids.append(pd.Index(names[seen]).difference(ids).sort_values())
    # Each row of ``ids`` as a position among its distinct values: figures by position go back to rows by a take.
    back, unique = pd.factorize(ids, use_na_sentinel=False)
    position = unique.get_indexer(names)[codes]
    this = in_year(dates, year)
    out = pd.DataFrame(index=ids)
    # A line without a customer id is in no customer's annual sales (groupby leaves it out).
    named = ~np.asarray(names.isna())[codes]
    for column, lines in (("annual_sales", this & named), ("prior_year_sales", in_year(dates, year - 1) & named)):
        if names.is_unique:  # one code per id text: the sums by position are the sums by id
            sales = _by_customer(_annual_by_position(transactions, position, lines, len(unique)), back, ids)
        else:
            sales = _annual(transactions, codes, names, lines).reindex(ids)
        out[column] = sales.fillna(0.0)
    prior_pos = out["prior_year_sales"].where(out["prior_year_sales"] > 0)
    out["growth"] = (out["annual_sales"] - prior_pos) / prior_pos
    customers_n = len(unique)
    # Only the lines each figure reads are cut out (the year's lines with a cost; with a product and a quantity),
    # not the year's lines first and then those again.
    costed = this & transactions["cost"].notna().to_numpy(dtype=bool)
    summed = (
        transactions.loc[costed, ["amount", "cost"]]
        .groupby(code_groups(position[costed], customers_n), observed=True)
        .sum()
    )
    sums = _by_customer(summed.set_axis(code_index(summed)), back, ids)
    out["gross_margin"] = (sums["amount"] - sums["cost"]) / sums["amount"].where(sums["amount"] > 0)
    priced = this & (transactions["product"].notna() & transactions["qty"].notna()).to_numpy(dtype=bool)
    year_lines = transactions.loc[priced, ["product", "qty", "amount"]].assign(_customer=position[priced])
    out["price_index"] = _by_customer(_price_index(year_lines, customers_n), back, ids)
    shown = ["influence", "first_trade_date", "name", "region", "rep", "grade"]
    info = (
        customers[["customer_id", *shown]]
        .assign(customer_id=customers["customer_id"].astype(str))
        .drop_duplicates("customer_id")
        .set_index("customer_id")
        .reindex(ids)
    )
    out["influence"] = info["influence"].astype("Float64").astype("float64")
    year_visits = visits[visits["date"].dt.year == year]
    ratings = year_visits["rating"].map(_rating)
    out["visit_rating"] = ratings.groupby(year_visits["customer_id"].astype(str)).mean().reindex(ids)
    first_tx = _by_customer(_first_dates(dates, position, until, customers_n), back, ids)
    first = info["first_trade_date"].fillna(first_tx)
    out["first_trade_date"] = first
    out["months_as_customer"] = evaluation_months(first, evaluation)
    out["collection_rate"] = _collection(ledger, year).reindex(ids) if ledger is not None else np.nan
    for column in ("name", "region", "rep", "grade"):
        out[column] = info[column].astype(object)
    return out.reset_index(names="customer_id").rename(columns={"grade": "current_grade"})


def _annual(transactions: pd.DataFrame, codes: np.ndarray, names: pd.Index, lines: np.ndarray) -> pd.Series:
    """``annual_sales`` of the ``lines`` (a calendar year's, with a customer id), by customer id as text: grouped by
    the ids' codes as it groups by the ids, then by text as ``_by_id`` does."""
    amounts = pd.Series(transactions["amount"].to_numpy(dtype="float64")[lines])
    sums = amounts.groupby(code_groups(codes[lines], len(names)), observed=True).sum()
    return _by_id(sums.set_axis(names[code_index(sums)]))


def _annual_by_position(transactions: pd.DataFrame, position: np.ndarray, lines: np.ndarray, size: int) -> pd.Series:
    """``annual_sales`` of the ``lines`` by customer position (lines of customers outside the review left out)."""
    lines = lines & (position >= 0)
    amounts = pd.Series(transactions["amount"].to_numpy(dtype="float64")[lines])
    sums = amounts.groupby(code_groups(position[lines], size), observed=True).sum()
    return sums.set_axis(code_index(sums))


def _first_dates(dates: pd.Series, position: np.ndarray, lines: np.ndarray, size: int) -> pd.Series:
    """The first date of the ``lines`` per customer position (those with a line), by position."""
    values = dates.to_numpy()
    if values.dtype.kind != "M":  # dates with a time zone: pandas' own minimum
        return dates[lines].groupby(position[lines]).min()
    first = np.full(size, np.iinfo(np.int64).max)
    np.minimum.at(first, position[lines], values[lines].view("int64"))
    has = np.flatnonzero(np.bincount(position[lines], minlength=size))
    return pd.Series(first[has].view(values.dtype), index=has)


def _by_id(sales: pd.Series) -> pd.Series:
    return sales.groupby(sales.index.astype(str)).sum()


def _collection(ledger: Ledger, year: int) -> pd.Series:
    inv = ledger.invoice_figures
    codes, ids = ledger.invoice_customers
    amount = inv["amount"].to_numpy(dtype="float64")
    mine = (amount > 0) & (inv["date"].dt.year == year).to_numpy(dtype=bool)
    sums = pd.DataFrame({"paid": inv["paid"].to_numpy(dtype="float64")[mine], "amount": amount[mine]})
    sums = sums.groupby(code_groups(codes[mine], len(ids)), observed=True).sum()
    return (sums["paid"] / sums["amount"]).set_axis(pd.Index(ids[code_index(sums)]))
