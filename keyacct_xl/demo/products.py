"""The demo company's catalogue (Products) and where its products are stocked (Listings).

The listing history follows the sales: a customer's first purchase of a SKU lists it; a SKU the customer has not
bought for ``DELIST_AFTER_DAYS`` is found off the shelf at the next check and delisted that day, and listed again
by the next purchase. Nothing is drawn at random: the history is a function of the sales lines.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from keyacct_xl.demo.calendar import END
from keyacct_xl.demo.catalog import Sku
from keyacct_xl.demo.labels import PRODUCT_CATEGORIES
from keyacct_xl.i18n import Lang
from keyacct_xl.master.products import SOURCE_SALES
from keyacct_xl.master.schema import LISTINGS, PRODUCTS, TableSchema
from keyacct_xl.messages import msg

DELIST_AFTER_DAYS = 365
SOURCE_CHECK = msg("listing check")  # a listing whose delisting a rep's check recorded
UNITS_EN = {"桶": "drum", "瓶": "bottle", "罐": "tin", "个": "piece"}


def products_table(skus: tuple[Sku, ...], lang: Lang) -> pd.DataFrame:
    """The Products table of the catalogue (every SKU on sale; categories and units in English for an English
    master, names in Chinese as on the sales lines)."""
    category = [s.category if lang == "zh" else PRODUCT_CATEGORIES.get(s.category, s.category) for s in skus]
    return pd.DataFrame(
        {
            "product_code": [s.code for s in skus],
            "name": [s.name for s in skus],
            "spec": [s.spec for s in skus],
            "unit": [s.unit if lang == "zh" else UNITS_EN.get(s.unit, s.unit) for s in skus],
            "barcode": [s.barcode for s in skus],
            "category": category,
            "factory_price": [s.factory_price for s in skus],
            "list_price": [s.list_price for s in skus],
            "active": [msg("Yes").render(lang)] * len(skus),
        }
    )


def listing_history(transactions: pd.DataFrame, lang: Lang) -> pd.DataFrame:
    """Listings from the sales: one row per stretch of a customer's purchases of a SKU with no gap longer than
    ``DELIST_AFTER_DAYS``; a stretch ending that long before the data's end is delisted that many days after its
    last purchase."""
    sold = transactions.loc[transactions["qty"] > 0, ["customer_id", "product_code", "date"]]
    sold = sold.sort_values(["customer_id", "product_code", "date"], kind="stable").reset_index(drop=True)
    same = (sold["customer_id"] == sold["customer_id"].shift()) & (sold["product_code"] == sold["product_code"].shift())
    gap = (sold["date"] - sold["date"].shift()).dt.days
    starts = ~same | (gap > DELIST_AFTER_DAYS)
    stretch = starts.cumsum()
    spans = sold.groupby(stretch).agg(
        customer_id=("customer_id", "first"),
        product_code=("product_code", "first"),
        listed_date=("date", "min"),
        last_sale=("date", "max"),
    )
    off = spans["last_sale"] + pd.Timedelta(days=DELIST_AFTER_DAYS)
    delisted = off.where(off <= END)
    return pd.DataFrame(
        {
            "customer_id": spans["customer_id"].to_numpy(dtype=object),
            "product_code": spans["product_code"].to_numpy(dtype=object),
            "listed_date": spans["listed_date"].to_numpy(),
            "delisted_date": delisted.to_numpy(),
            "source": np.where(delisted.notna(), SOURCE_CHECK.render(lang), SOURCE_SALES.render(lang)).astype(object),
            "run_no": pd.array([pd.NA] * len(spans), dtype="Int64"),  # kept before any run of master listings
        }
    ).sort_values(["listed_date", "customer_id", "product_code"], kind="stable", ignore_index=True)


def catalogue_tables(skus: tuple[Sku, ...], transactions: pd.DataFrame, lang: Lang) -> dict[TableSchema, pd.DataFrame]:
    """Products and Listings of the demo master."""
    return {PRODUCTS: products_table(skus, lang), LISTINGS: listing_history(transactions, lang)}
