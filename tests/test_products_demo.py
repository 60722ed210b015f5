"""The demo company's catalogue and listings, and the statistics forms on the demo master: non-blank, and their
totals equal October 2026's sales lines at factory price computed here from the master's own tables."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from keyacct_xl.demo.catalog import CATEGORIES, PRODUCTS
from keyacct_xl.demo.products import products_table
from keyacct_xl.demo.sales import SKUS
from keyacct_xl.forms.catalog import load_form
from keyacct_xl.forms.generator import write_form
from keyacct_xl.forms.prefill import prefill
from keyacct_xl.master.model import Master
from keyacct_xl.master.products import listings_from_sales, product_tables
from keyacct_xl.master.reader import load_master
from keyacct_xl.master.schema import LISTINGS
from keyacct_xl.master.schema import PRODUCTS as PRODUCTS_TABLE

OCTOBER = pd.Timestamp("2026-10-01"), pd.Timestamp("2026-10-31")


@pytest.fixture(scope="module")
def demo_path(stepless_demo: Path) -> Path:
    return stepless_demo


@pytest.fixture(scope="module")
def master(demo_path: Path) -> Master:
    return load_master(demo_path)


@pytest.fixture(scope="module")
def tables(demo_path: Path) -> dict[str, pd.DataFrame]:
    return product_tables(demo_path)


def _ean13_valid(code: str) -> bool:
    digits = [int(d) for d in code]
    return len(code) == 13 and sum(d * (3 if i % 2 else 1) for i, d in enumerate(digits)) % 10 == 0


def test_the_catalogue(tables: dict[str, pd.DataFrame]) -> None:
    products = tables[PRODUCTS_TABLE.name]
    assert len(products) == 65 and products["product_code"].is_unique and products["name"].is_unique
    assert set(products["category"]) == {c.name for c in CATEGORIES}
    assert products["barcode"].map(_ean13_valid).all() and products["barcode"].str.startswith("69").all()
    assert (products["factory_price"] < products["list_price"]).all() and products["spec"].notna().all()
    assert products["name"].str.contains("#").sum() >= 20  # viscosity grades in the names


def test_every_sales_line_names_a_catalogue_product(master: Master, tables: dict[str, pd.DataFrame]) -> None:
    products = tables[PRODUCTS_TABLE.name].set_index("product_code")
    tx = master.transactions
    assert tx["product_code"].isin(products.index).all()
    assert (tx["product"] == tx["product_code"].map(products["name"])).all()
    assert (tx["category"] == tx["product_code"].map(products["category"])).all()
    assert tx["product_code"].nunique() == 65 > len(PRODUCTS)


def test_the_listing_history_covers_every_sale(master: Master, tables: dict[str, pd.DataFrame]) -> None:
    listings = tables[LISTINGS.name]
    assert len(listings) == 23_592 and listings["delisted_date"].notna().sum() == 12_438  # docs/demo.md, seed 2026
    assert set(listings["source"]) == {"首次销售", "进店检查"}
    assert (listings["delisted_date"].dropna() <= OCTOBER[1]).all()
    # Nothing left for the sales to list: the history already holds every first sale and every relisting.
    assert listings_from_sales(master.transactions, tables[PRODUCTS_TABLE.name], listings).empty


def _october_at_factory_price(master: Master, products: pd.DataFrame, customers: set[str] | None = None) -> float:
    """October's lines, quantity × factory price, computed here with a merge on the product code."""
    tx = master.transactions
    tx = tx[(tx["date"] >= OCTOBER[0]) & (tx["date"] <= OCTOBER[1])]
    if customers is not None:
        tx = tx[tx["customer_id"].isin(customers)]
    priced = tx.merge(products[["product_code", "factory_price"]], on="product_code", how="left", validate="m:1")
    return round(float((priced["qty"] * priced["factory_price"]).sum()), 2)


def _filled(path: Path, section: str) -> list[dict[str, object]]:
    ws = openpyxl.load_workbook(path).worksheets[0]
    cells = ws[ws.tables[f"t_{section}"].ref]
    headers = [c.value for c in cells[0]]
    return [dict(zip(headers, [c.value for c in r], strict=True)) for r in cells[1:] if r[0].value is not None]


def _month_sales(path: Path) -> object:
    book = openpyxl.load_workbook(path)
    ((sheet, cell),) = book.defined_names["f_month_sales"].destinations
    return book[sheet][cell.replace("$", "")].value


def _form(master: Master, form: str, folder: Path) -> Path:
    spec = load_form(form)
    return write_form(folder / f"{form}.xlsx", spec, data=prefill(spec, master, period="2026-10"))


def test_statistics_forms_on_the_demo_total_octobers_sales(
    master: Master, tables: dict[str, pd.DataFrame], tmp_path: Path
) -> None:
    products = tables[PRODUCTS_TABLE.name]
    key = set(master.customers.loc[master.customers["grade"].isin(["VIP", "A"]), "customer_id"])
    month, key_month = _october_at_factory_price(master, products), _october_at_factory_price(master, products, key)
    assert (month, key_month) == (7_953_620.0, 2_742_204.0)  # docs/demo.md, seed 2026

    skus = _filled(_form(master, "sku_listing", tmp_path), "skus")
    assert len(skus) >= 60 and sum(r["进店数"] for r in skus) > 5_000
    # Cents: factory prices have at most two decimals and quantities are whole.
    assert sum(r["销售额"] for r in skus) == pytest.approx(month, abs=0.005)
    assert _month_sales(tmp_path / "sku_listing.xlsx") == pytest.approx(month, abs=0.005)
    assert sum(r["贡献度"] for r in skus) == pytest.approx(1.0)

    stats = _filled(_form(master, "ka_sales_stats", tmp_path), "customers")
    assert len(stats) == len(key) and sum(r["本月实际"] for r in stats) == pytest.approx(key_month, abs=0.005)
    assert all(r["达成率"] == "无目标" for r in stats)  # the demo master has no monthly plans yet
    assert sum(r["本年累计"] for r in stats) > sum(r["本月实际"] for r in stats) > 0

    matrix = _filled(_form(master, "region_sku_listing", tmp_path), "matrix")
    assert len({r["城市"] for r in matrix}) >= 10 and all(0 <= r["进店数"] <= r["重点客户数"] for r in matrix)
    assert sum(r["销售额"] for r in matrix) == pytest.approx(key_month, abs=0.005)
    assert _month_sales(tmp_path / "region_sku_listing.xlsx") == pytest.approx(key_month, abs=0.005)


def test_an_english_catalogue_translates_categories_and_units_only() -> None:
    zh, en = products_table(SKUS, "zh"), products_table(SKUS, "en")
    assert set(en["unit"]) == {"drum", "bottle", "tin", "piece"} and set(zh["unit"]) == {"桶", "瓶", "罐", "个"}
    assert en["category"].str.fullmatch(r"[A-Za-z ,&\-]+").all()
    assert (en["name"] == zh["name"]).all() and (en["factory_price"] == zh["factory_price"]).all()
