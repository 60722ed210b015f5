"""Sales and listings per customer and per product at factory price (DOMAIN.md, forms 15 and 16).

- key-account sales statistics (重点客户销量统计表): per key customer, the month, the same month a year before and
  the year to date at factory price, against the customer's invoicing plan of the month (MonthlyPlanAccounts);
- SKU listing and contribution (月度单品进店数及贡献度统计): per product, the customers stocking it at the month's
  end, listed and delisted in the month, the month's sales and their share of the month's total;
- regional SKU listing (区域单品进店统计): per city and product, the key customers there and how many stock it.

Amounts are quantity × the product's factory price (Products); lines whose product the catalogue does not know
have no factory price and are left out of every figure.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from keyacct_xl.master.products import factory_amounts, line_codes, stocked


def _text(series: pd.Series) -> pd.Series:
    return series.astype("string").str.strip()


def valued_lines(transactions: pd.DataFrame, products: pd.DataFrame) -> pd.DataFrame:
    """The sales lines the catalogue can value: customer, product code, date and factory amount."""
    frame = pd.DataFrame(
        {
            "customer_id": _text(transactions["customer_id"]),
            "product_code": line_codes(transactions, products),
            "date": transactions["date"],
            "factory_amount": factory_amounts(transactions, products),
        }
    )
    return frame.dropna(subset=["customer_id", "product_code", "date", "factory_amount"])


def _between(lines: pd.DataFrame, first: pd.Timestamp, last: pd.Timestamp) -> pd.DataFrame:
    """Lines dated from ``first`` to ``last`` (whole days)."""
    return lines[(lines["date"] >= first) & (lines["date"] < last + pd.Timedelta(days=1))]


def key_customers(
    customers: pd.DataFrame,
    key_grades: Sequence[str],
    *,
    city: str | None = None,
    rep: str | None = None,
    region: str | None = None,
) -> pd.DataFrame:
    """The customers of the key grades (VIP/A by the visit policy), optionally of one city, rep or region."""
    grades = {g.strip().upper() for g in key_grades}
    chosen = customers[_text(customers["grade"]).str.upper().isin(grades).fillna(False)]
    for column, value in (("city", city), ("rep", rep), ("region", region)):
        if value:
            chosen = chosen[(_text(chosen[column]) == value.strip()).fillna(False)]
    return chosen.sort_values(["city", "customer_id"], na_position="last", kind="stable").reset_index(drop=True)


def customer_targets(plan_accounts: pd.DataFrame, month: str) -> pd.Series:
    """Each customer's invoicing plan (开票计划) for ``month`` (2026-10), summed over the plans that name it."""
    rows = plan_accounts[(_text(plan_accounts["period"]) == month).fillna(False)]
    rows = rows.dropna(subset=["invoicing"])
    return rows.groupby(_text(rows["customer_id"]))["invoicing"].sum()


def ka_sales_stats(
    chosen: pd.DataFrame,
    transactions: pd.DataFrame,
    products: pd.DataFrame,
    plan_accounts: pd.DataFrame,
    *,
    first: pd.Timestamp,
    last: pd.Timestamp,
) -> pd.DataFrame:
    """Per customer of ``chosen`` (in its order): the month ``first``..``last`` at factory price, the same month a
    year before, the year to date, the month's target and the achievement (NaN without a target)."""
    lines = valued_lines(transactions, products)
    ids = _text(chosen["customer_id"])
    lines = lines[lines["customer_id"].isin(set(ids))]

    def total(start: pd.Timestamp, end: pd.Timestamp) -> np.ndarray:
        sums = _between(lines, start, end).groupby("customer_id")["factory_amount"].sum()
        return sums.reindex(ids).fillna(0.0).round(2).to_numpy()

    year_ago = first - pd.DateOffset(years=1), last - pd.DateOffset(years=1)
    target = customer_targets(plan_accounts, f"{first:%Y-%m}").reindex(ids).to_numpy(dtype="float64")
    actual = total(first, last)
    with np.errstate(divide="ignore", invalid="ignore"):
        achievement = np.where(target > 0, actual / np.where(target > 0, target, 1.0), np.nan)
    return pd.DataFrame(
        {
            "customer_id": ids.astype(object).to_numpy(),
            "customer_name": chosen["name"].to_numpy(dtype=object),
            "outlet_type": chosen["outlet_type"].to_numpy(dtype=object),
            "target": target,
            "actual": actual,
            "achievement": achievement,
            "last_year": total(*year_ago),
            "ytd": total(pd.Timestamp(first.year, 1, 1), last),
        }
    )


def sku_listing_stats(
    customer_ids: Sequence[str],
    transactions: pd.DataFrame,
    products: pd.DataFrame,
    listings: pd.DataFrame,
    *,
    first: pd.Timestamp,
    last: pd.Timestamp,
) -> pd.DataFrame:
    """Per product, among ``customer_ids``: customers stocking it at ``last``, listed and delisted from ``first``
    to ``last``, the period's sales at factory price and their share of the period's total (contribution).

    Products with none of these are left out; rows go by sales, largest first, then by code.
    """
    ids = set(customer_ids)
    listed = listings[_text(listings["customer_id"]).isin(ids).fillna(False)]
    codes = _text(listed["product_code"])
    stocking = stocked(listed, last).groupby("product_code").size()
    new = codes[(listed["listed_date"] >= first) & (listed["listed_date"] <= last)].value_counts()
    gone = codes[(listed["delisted_date"] >= first) & (listed["delisted_date"] <= last)].value_counts()
    lines = valued_lines(transactions, products)
    sales = _between(lines[lines["customer_id"].isin(ids)], first, last).groupby("product_code")["factory_amount"].sum()
    catalogue = products.assign(product_code=_text(products["product_code"])).drop_duplicates("product_code")
    table = pd.DataFrame({"sku_code": catalogue["product_code"].astype(object).to_numpy()})
    table["product"] = catalogue["name"].to_numpy(dtype=object)
    table["spec"] = catalogue["spec"].to_numpy(dtype=object)
    for column, counts in (("stores_listed", stocking), ("new_listings", new), ("delisted", gone)):
        table[column] = counts.reindex(table["sku_code"]).fillna(0).astype("int64").to_numpy()
    table["sales"] = sales.reindex(table["sku_code"]).fillna(0.0).round(2).to_numpy()
    month_total = float(table["sales"].sum())
    table["contribution"] = table["sales"] / month_total if month_total else np.nan
    busy = table[["stores_listed", "new_listings", "delisted"]].any(axis=1) | (table["sales"] != 0)
    table = table[busy].sort_values(["sales", "sku_code"], ascending=[False, True], kind="stable")
    return table.reset_index(drop=True)


def city_sku_matrix(
    chosen: pd.DataFrame,
    transactions: pd.DataFrame,
    products: pd.DataFrame,
    listings: pd.DataFrame,
    *,
    first: pd.Timestamp,
    last: pd.Timestamp,
) -> pd.DataFrame:
    """Per city and product: the key customers of ``chosen`` in the city, how many stock the product at ``last``,
    the coverage (their share) and the city's sales of it from ``first`` to ``last`` at factory price.

    A pair appears when a customer stocks the product or it sold in the period; cities in order, products by code.
    """
    city_of = dict(zip(_text(chosen["customer_id"]), chosen["city"].astype(object).where(chosen["city"].notna(), "—")))
    accounts = pd.Series(list(city_of.values()), dtype=object).value_counts()
    pairs = stocked(listings[_text(listings["customer_id"]).isin(set(city_of)).fillna(False)], last)
    pairs["city"] = pairs["customer_id"].map(city_of)
    counts = pairs.groupby(["city", "product_code"]).size().rename("stocking")
    lines = valued_lines(transactions, products)
    lines = _between(lines[lines["customer_id"].isin(set(city_of))], first, last)
    lines = lines.assign(city=lines["customer_id"].map(city_of))
    sales = lines.groupby(["city", "product_code"])["factory_amount"].sum().rename("sales")
    table = pd.concat([counts, sales], axis=1).reset_index()
    table.columns = ["city", "sku_code", "stocking", "sales"]
    table["stocking"] = table["stocking"].fillna(0).astype("int64")
    table["sales"] = table["sales"].fillna(0.0).round(2)
    table["key_accounts"] = table["city"].map(accounts).astype("int64")
    names = dict(zip(_text(products["product_code"]), products["name"].astype(object)))
    specs = dict(zip(_text(products["product_code"]), products["spec"].astype(object)))
    table["product"] = table["sku_code"].map(names)
    table["spec"] = table["sku_code"].map(specs)
    order = {c: i for i, c in enumerate(dict.fromkeys(city_of.values()))}
    table = table.assign(_order=table["city"].map(order)).sort_values(["_order", "sku_code"], kind="stable")
    return table[["city", "sku_code", "product", "spec", "key_accounts", "stocking", "sales"]].reset_index(drop=True)
