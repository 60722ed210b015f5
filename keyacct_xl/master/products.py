"""The catalogue (Products) and where each product is stocked (Listings): reading them, valuing sales lines at
factory price, and the listings sales imply.

A customer's first sale of a product lists it there (DOMAIN.md, form 16: a SKU is "in the store" once the store
has bought it); a product delisted and bought again is listed again from that sale. Listings reported on a check
keep their own dates; sales only add what no listing covers.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from keyacct_xl.i18n import Lang
from keyacct_xl.master.model import empty_frame
from keyacct_xl.master.reader import load_master, read_present_tables
from keyacct_xl.master.schema import LISTINGS, PRODUCTS, TableSchema
from keyacct_xl.master.writer import write_tables
from keyacct_xl.messages import msg

SOURCE_SALES = msg("first sale")  # the Listings source of a listing a sale implies
_OFF_SALE = frozenset({"否", "no", "n", "false", "停售"})


def load_optional_tables(path: str | Path, schemas: Iterable[TableSchema]) -> dict[str, pd.DataFrame]:
    """The named tables of the master at ``path`` by table name; a table the workbook lacks is empty."""
    schemas = tuple(schemas)
    read = read_present_tables(Path(path), schemas)
    return {s.name: read[s].frame if s in read else empty_frame(s) for s in schemas}


def product_tables(path: str | Path) -> dict[str, pd.DataFrame]:
    """Products and Listings of the master at ``path`` (empty when it has none)."""
    return load_optional_tables(path, (PRODUCTS, LISTINGS))


def on_sale(products: pd.DataFrame) -> pd.Series:
    """Whether each product is in the range: 在售 blank or anything but 否."""
    return ~products["active"].astype("string").str.strip().str.casefold().isin(_OFF_SALE).fillna(False)


def line_codes(transactions: pd.DataFrame, products: pd.DataFrame) -> pd.Series:
    """Each sales line's product code: its own when the catalogue has it, else the code of the product whose name
    it carries (masters kept before Transactions had codes); None when neither is known."""
    codes = products["product_code"].dropna().astype(str).str.strip()
    known = set(codes)
    by_name = dict(zip(products["name"].astype(str).str.strip(), products["product_code"].astype(str).str.strip()))
    own = (
        transactions["product_code"].astype("string").str.strip()
        if "product_code" in transactions.columns
        else pd.Series(pd.NA, index=transactions.index, dtype="string")
    )
    named = transactions["product"].astype("string").str.strip().map(by_name)
    code = own.where(own.isin(known), named)
    return code.astype(object).where(code.notna(), None)


def factory_amounts(transactions: pd.DataFrame, products: pd.DataFrame) -> pd.Series:
    """Each line's quantity at its product's factory price (a credit note's is negative); NaN when the product
    or its factory price is unknown."""
    price = dict(zip(products["product_code"].astype(str).str.strip(), products["factory_price"]))
    unit = line_codes(transactions, products).map(price).astype("float64")
    return (transactions["qty"].astype("float64") * unit).round(2)


def listings_from_sales(
    transactions: pd.DataFrame, products: pd.DataFrame, listings: pd.DataFrame, *, lang: Lang = "zh"
) -> pd.DataFrame:
    """The Listings rows the sales imply and ``listings`` does not hold: per customer and product, the first sale
    (a line with a positive quantity) not covered by a listing; after a delisting, the first sale after it.

    A product with an open listing (no delisted date) gets nothing; returns, and sales of products outside the
    catalogue, list nothing. Rows come sorted by listed date, customer and product.
    """
    sold = pd.DataFrame(
        {
            "customer_id": transactions["customer_id"].astype("string").str.strip(),
            "product_code": line_codes(transactions, products),
            "date": transactions["date"],
        }
    )[transactions["qty"].astype("float64").to_numpy() > 0]
    sold = sold.dropna(subset=["customer_id", "product_code", "date"])
    keys = ["customer_id", "product_code"]
    known = listings.assign(
        customer_id=listings["customer_id"].astype("string").str.strip(),
        product_code=listings["product_code"].astype("string").str.strip(),
    )
    open_keys = known[known["delisted_date"].isna()][keys].drop_duplicates()
    last_delisted = known.dropna(subset=["delisted_date"]).groupby(keys)["delisted_date"].max().rename("after")
    sold = sold.merge(open_keys.assign(is_open=True), on=keys, how="left")
    sold = sold[sold["is_open"].isna()].merge(last_delisted.reset_index(), on=keys, how="left")
    sold = sold[sold["after"].isna() | (sold["date"] > sold["after"])]
    first = sold.groupby(keys, sort=False)["date"].min().reset_index()
    first = first.sort_values(["date", *keys], kind="stable").reset_index(drop=True)
    frame = empty_frame(LISTINGS)
    return pd.concat(
        [
            frame,
            pd.DataFrame(
                {
                    "customer_id": first["customer_id"].astype(object).to_numpy(),
                    "product_code": first["product_code"].astype(object).to_numpy(),
                    "listed_date": first["date"].to_numpy(),
                    "delisted_date": np.full(len(first), np.datetime64("NaT"), dtype="datetime64[ns]"),
                    "source": SOURCE_SALES.render(lang),
                }
            ),
        ],
        ignore_index=True,
    )[LISTINGS.keys]


def listings_with_sales(
    transactions: pd.DataFrame, products: pd.DataFrame, listings: pd.DataFrame, *, lang: Lang = "zh"
) -> pd.DataFrame:
    """``listings`` with the rows the sales imply appended (each kept row as it was)."""
    implied = listings_from_sales(transactions, products, listings, lang=lang)
    if implied.empty:
        return listings.reset_index(drop=True)
    if listings.empty:
        return implied
    return pd.concat([listings, implied], ignore_index=True)


def stocked(listings: pd.DataFrame, on: pd.Timestamp) -> pd.DataFrame:
    """The (customer_id, product_code) pairs listed on day ``on``: listed by then and not delisted by then."""
    day = pd.Timestamp(on)
    live = listings[(listings["listed_date"] <= day) & ~(listings["delisted_date"] <= day)]
    pairs = pd.DataFrame(
        {
            "customer_id": live["customer_id"].astype("string").str.strip(),
            "product_code": live["product_code"].astype("string").str.strip(),
        }
    )
    return pairs.dropna().drop_duplicates().reset_index(drop=True)


@dataclass(frozen=True)
class ListingsUpdate:
    """What recording the sales' listings did: the Listings rows before and the rows added."""

    path: Path
    before: int
    added: int


def record_sales_listings(path: str | Path) -> ListingsUpdate:
    """Append to the master's Listings table the listings its sales imply (``listings_from_sales``); the rows
    already there are kept as they are, so running it again adds nothing."""
    path = Path(path)
    master = load_master(path)
    read = read_present_tables(path, (PRODUCTS, LISTINGS))
    products = read[PRODUCTS].frame if PRODUCTS in read else empty_frame(PRODUCTS)
    listings, headers = empty_frame(LISTINGS), dict[str, str]()
    if LISTINGS in read:
        listings, headers = read[LISTINGS].frame, read[LISTINGS].headers
    implied = listings_from_sales(master.transactions, products, listings, lang=master.lang)
    if not implied.empty:
        combined = pd.concat([listings, implied], ignore_index=True) if len(listings) else implied
        write_tables(
            path,
            {LISTINGS: combined},
            lang=master.lang,
            headers={LISTINGS.name: headers},
            unchanged_rows={LISTINGS.name: len(listings)},
        )
    return ListingsUpdate(path, len(listings), len(implied))
