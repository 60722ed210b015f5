"""The product catalogue in quotations: a pre-filled quotation offers the products on sale (在售 not 否), and a
returned one keeps each line's catalogue code, with a warning at a code the catalogue lacks or one off sale.

The master is tests/test_products.py's hand-made one: P1 and P2 on sale, P3 (清洗剂 450ml) marked 否.
"""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
from reportbook import pdf_pages
from test_products import _frame, hand_master

from keyacct_xl.consolidate.run import consolidate
from keyacct_xl.consolidate.simulate import blank_form, fill_form
from keyacct_xl.consolidate.store import load_store
from keyacct_xl.forms.catalog import load_form
from keyacct_xl.forms.generator import build_form
from keyacct_xl.forms.layout import instructions_sheet_name
from keyacct_xl.forms.prefill import prefill
from keyacct_xl.master.model import Master
from keyacct_xl.master.reader import load_master
from keyacct_xl.master.schema import PRODUCTS
from keyacct_xl.master.writer import save_master, write_tables

NOW = "2026-11-28 18:00:00"  # the Saturday of the week the forms report: no visit lies after it
ON_SALE = ["P1 液压油 46# 200L", "P2 全合成机油 4L"]  # the spec each name ends with is not said twice


@pytest.fixture
def master(tmp_path: Path) -> Path:
    return hand_master(tmp_path / "master.xlsx")


def _quotation(master: Path) -> bytes:
    spec = load_form("quotation")
    return build_form(spec, data=prefill(spec, load_master(master), rep="张三"))


def _product_code_rule(form: Path) -> openpyxl.worksheet.datavalidation.DataValidation | None:
    book = openpyxl.load_workbook(form)
    sheet = book.worksheets[0]
    first = sheet.tables["t_items"].ref.split(":")[0]
    return next(
        (v for v in sheet.data_validations.dataValidation if first[0] + str(int(first[1:]) + 1) in v.sqref), None
    )


def test_a_prefilled_quotation_offers_the_products_on_sale_and_lets_another_code_in(
    master: Path, tmp_path: Path
) -> None:
    form = tmp_path / "quotation.xlsx"
    form.write_bytes(_quotation(master))
    book = openpyxl.load_workbook(form)
    columns = list(zip(*book["_lists"].iter_rows(values_only=True), strict=True))
    assert ON_SALE in [[v for v in column if v] for column in columns]  # P3, off sale, is not offered
    rule = _product_code_rule(form)
    assert rule is not None and rule.type == "list" and rule.formula1 == "l_items_product_code"
    # A warning, not a stop: a rep quoting a product not yet catalogued types its code and keeps it.
    assert rule.errorStyle == "warning" and "没有的" in rule.error
    customer = next(
        v for v in book.worksheets[0].data_validations.dataValidation if v.formula1 == "l_header_customer_id"
    )
    assert customer.errorStyle in (None, "stop")  # the rep's own customers stay the only choice


def test_a_master_without_a_catalogue_offers_no_products(tmp_path: Path) -> None:
    path = save_master(Master.empty(), tmp_path / "master.xlsx", backup=False)
    form = tmp_path / "quotation.xlsx"
    spec = load_form("quotation")
    form.write_bytes(build_form(spec, data=prefill(spec, load_master(path))))
    assert _product_code_rule(form) is None


def test_a_returned_quotation_keeps_the_catalogue_code_and_warns_at_an_unknown_or_off_sale_one(
    master: Path, tmp_path: Path
) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    header = {
        "rep": "张三",
        "customer_id": "C1 客户C1",
        "quote_no": "Q-7",
        "quote_date": "2026-11-20",
        "quoted_by": "张三",
    }
    lines = [
        {"product_code": ON_SALE[0], "product": "液压油 46# 200L", "qty": 2, "unit_price": 210},  # picked
        {"product_code": "P2", "product": "全合成机油 4L", "qty": 1, "unit_price": 55},  # typed
        {"product_code": "P3", "product": "清洗剂 450ml", "qty": 10, "unit_price": 12},  # off sale
        {"product_code": "X-9", "product": "定制润滑脂", "qty": 5, "unit_price": 80},  # not catalogued
    ]
    (inbox / "报价单.xlsx").write_bytes(fill_form(_quotation(master), header=header, rows={"items": lines}))
    [outcome] = consolidate(inbox, master, now=NOW).outcomes
    assert outcome.status == "accepted", outcome.reason_en
    stored = load_store(master).frame("QuotationLines")
    assert stored["product_code"].tolist() == ["P1", "P2", "P3", "X-9"]  # every line kept
    warned = {(i.cell, i.value, i.zh) for i in outcome.issues if "目录" in i.zh}
    assert {(cell, value) for cell, value, _ in warned} == {("A16", "P3"), ("A17", "X-9")}
    texts = " ".join(zh for _, _, zh in warned)
    assert "P3 清洗剂 450ml" in texts and "停售" in texts and "X-9" in texts


def test_a_blank_quotation_keeps_its_codes_when_the_master_has_no_catalogue(tmp_path: Path) -> None:
    """No Products table: nothing to check against, so no line is warned about."""
    master = save_master(load_master(hand_master(tmp_path / "with.xlsx")), tmp_path / "master.xlsx", backup=False)
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    header = {"rep": "张三", "customer_id": "C1", "quote_no": "Q-8", "quote_date": "2026-11-20", "quoted_by": "张三"}
    lines = [{"product_code": "X-9", "product": "定制润滑脂", "qty": 5, "unit_price": 80}]
    (inbox / "q.xlsx").write_bytes(fill_form(blank_form("quotation"), header=header, rows={"items": lines}))
    [outcome] = consolidate(inbox, master, now=NOW).outcomes
    assert outcome.status == "accepted" and not [i for i in outcome.issues if "目录" in i.zh]
    assert load_store(master).frame("QuotationLines")["product_code"].tolist() == ["X-9"]


def _catalogue(master: Path, *products: tuple[str, str, str]) -> None:
    """Replace the master's catalogue with ``products`` (code, name, spec), all on sale."""
    rows = [{"product_code": c, "name": n, "spec": s, "factory_price": 10.0} for c, n, s in products]
    write_tables(master, {PRODUCTS: _frame(PRODUCTS, rows)}, lang="zh", backup=False)


def test_a_code_holding_a_space_is_read_as_itself_not_as_its_first_word(master: Path, tmp_path: Path) -> None:
    """HX 200's entry, picked before the catalogue renamed the product, was stored as HX, another product on sale,
    without a word; a code typed in full-width letters was kept as typed and called not catalogued."""
    _catalogue(master, ("HX", "液压油", "18L"), ("HX 200", "液压油 46#", "200L"))
    quotation = _quotation(master)
    _catalogue(master, ("HX", "液压油", "18L"), ("HX 200", "液压油 46# 抗磨", "200L"))  # renamed since
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    header = {"rep": "张三", "customer_id": "C1", "quote_no": "Q-9", "quote_date": "2026-11-20", "quoted_by": "张三"}
    lines = [
        {"product_code": "HX 200 液压油 46# 200L", "product": "液压油 46#", "qty": 2, "unit_price": 210},
        {"product_code": "ＨＸ 200", "product": "液压油 46#", "qty": 1, "unit_price": 210},
        {"product_code": "HX 18L", "product": "液压油", "qty": 1, "unit_price": 30},
    ]
    (inbox / "q.xlsx").write_bytes(fill_form(quotation, header=header, rows={"items": lines}))
    [outcome] = consolidate(inbox, master, now=NOW).outcomes
    assert outcome.status == "accepted", outcome.reason_en
    assert load_store(master).frame("QuotationLines")["product_code"].tolist() == ["HX 200", "HX 200", "HX"]
    assert not [i for i in outcome.issues if "目录" in i.zh]


def test_a_code_typed_as_the_catalogue_spells_it_is_that_code_beside_a_look_alike(master: Path, tmp_path: Path) -> None:
    """A catalogue holding P1 and a full-width Ｐ1 (two products): P1 typed is P1, not the one folded alike last."""
    _catalogue(master, ("P1", "液压油", "200L"), ("Ｐ1", "液压油 旧包装", "200L"))
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    header = {"rep": "张三", "customer_id": "C1", "quote_no": "Q-10", "quote_date": "2026-11-20", "quoted_by": "张三"}
    lines = [{"product_code": "P1", "product": "液压油", "qty": 1, "unit_price": 210}]
    (inbox / "q.xlsx").write_bytes(fill_form(_quotation(master), header=header, rows={"items": lines}))
    [outcome] = consolidate(inbox, master, now=NOW).outcomes
    assert outcome.status == "accepted", outcome.reason_en
    assert load_store(master).frame("QuotationLines")["product_code"].tolist() == ["P1"]


def test_a_product_picked_from_the_dropdown_needs_no_name_typed(master: Path, tmp_path: Path) -> None:
    """A rep picks the code from the dropdown and leaves 产品名称 blank: the catalogue names the product (and its
    spec and unit); a code typed in lower case is the catalogue's; a code the catalogue lacks still needs its name."""
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    header = {"rep": "张三", "customer_id": "C1 客户C1", "quote_no": "Q-9", "quote_date": "2026-11-20"}
    header["quoted_by"] = "张三"
    lines = [
        {"product_code": ON_SALE[0], "qty": 2, "unit_price": 210},  # picked, nothing else typed
        {"product_code": "p2", "qty": 1, "unit_price": 55},  # typed in lower case
        {"product_code": "P3", "qty": 10, "unit_price": 12},  # off sale: kept, warned
        {"product_code": "X-9", "qty": 5, "unit_price": 80},  # not catalogued and no name: refused
    ]
    (inbox / "报价单.xlsx").write_bytes(fill_form(_quotation(master), header=header, rows={"items": lines}))
    [outcome] = consolidate(inbox, master, now=NOW).outcomes
    assert outcome.status == "partial", outcome.reason_en
    stored = load_store(master).frame("QuotationLines")
    assert stored[["product_code", "product", "spec"]].values.tolist() == [
        ["P1", "液压油 46# 200L", "200L"],
        ["P2", "全合成机油 4L", "4L"],
        ["P3", "清洗剂 450ml", "450ml"],
    ]
    [refused] = outcome.errors
    assert (refused.cell, refused.field.zh) == ("B17", "产品名称") and "X-9" in refused.zh and "产品目录" in refused.zh
    assert any(i.cell == "A16" and "停售" in i.zh for i in outcome.warnings)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_quotation_prints_on_one_page_with_its_signatures(tmp_path: Path, libreoffice, lang: str) -> None:
    """A quotation goes to the customer to be signed: its sign-off (报价人签字, 审批人, 客户确认) prints on the page
    with the items, not alone on a second page (as it did in landscape: 15 lines, certificates, sign-off)."""
    spec = load_form("quotation")
    path = tmp_path / f"quotation_{lang}.xlsx"
    path.write_bytes(build_form(spec, lang=lang, company="上海恒泰润滑油有限公司"))
    pages = pdf_pages(libreoffice(path, "pdf"))
    instructions = next(i for i, page in enumerate(pages) if instructions_sheet_name(lang) in page[:400])
    form = pages[:instructions]  # the form sheet prints first, then its instructions
    signed = "报价人签字" if lang == "zh" else "Quoted by"
    assert len(form) == 1 and signed in form[0], [p[:200] for p in pages]
