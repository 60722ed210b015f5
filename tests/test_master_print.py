"""The master's sheets print on A4 with the header row on every page, also the sheets a new master did not get so:
a table added to an existing master (Products, Listings), and a sheet written again that has no page setup (a
master an earlier version or another program wrote). A page setup a person chose is kept as it is. Masters
written to disk and read back with openpyxl, validated against the schemas and printed by LibreOffice."""

from __future__ import annotations

import re
import subprocess
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
import xmlschema
from lxml import etree

from keyacct_xl.master.model import Master
from keyacct_xl.master.reader import load_master
from keyacct_xl.master.schema import ALL_TABLES, LISTINGS, PRODUCTS, VISITS
from keyacct_xl.master.writer import save_master, write_tables
from keyacct_xl.xlsx.ooxml import NS_MAIN
from keyacct_xl.xlsx.package import locate_tables, open_package
from keyacct_xl.xlsx.printsetup import table_px

FOOTER = {"zh": "第 &P 页，共 &N 页", "en": "Page &P of &N"}
PRINT_SETUP = ("sheetPr", "pageSetup", "headerFooter")  # what an earlier version's master lacked
LISTINGS_ROWS = 150  # four portrait pages (47 rows a page in LibreOffice)


def _parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n) for n in z.namelist()}


def _write_parts(path: Path, parts: dict[str, bytes]) -> None:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)


def _products(count: int) -> pd.DataFrame:
    codes = [f"P{i:03d}" for i in range(count)]
    return pd.DataFrame({"product_code": codes, "name": [f"液压油 {i}# 200L" for i in range(count)]})


def _listings(count: int) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "customer_id": [f"KA{i:03d}" for i in range(count)],
            "product_code": [f"P{i % 7:03d}" for i in range(count)],
            "listed_date": pd.date_range("2026-01-01", periods=count, freq="D"),
            "source": "进店检查",
        }
    )


def _with_products_and_listings(path: Path, lang: str, listings: int = 3) -> Path:
    """A master written without Products and Listings (as every master is), which then gains both tables."""
    save_master(Master.empty(lang=lang), path, backup=False)
    assert not {"Products", "Listings"} & set(_located(path))
    write_tables(path, {PRODUCTS: _products(7), LISTINGS: _listings(listings)}, lang=lang, backup=False)
    return path


def _located(path: Path) -> dict:
    with open_package(path) as archive:
        return locate_tables(archive)


def _print_setup(sheet: openpyxl.worksheet.worksheet.Worksheet) -> tuple:
    """What openpyxl reads of a sheet's print setup: paper, orientation, (width, height) in pages when fitted to
    the page (fitToWidth="1" is the attribute's default, which openpyxl reads as None), header rows, footer."""
    page, fit = sheet.page_setup, sheet.sheet_properties.pageSetUpPr
    fitted = (page.fitToWidth or 1, page.fitToHeight) if fit is not None and fit.fitToPage else None
    footer = sheet.oddFooter.center.text
    return page.paperSize, page.orientation, fitted, sheet.print_title_rows, footer


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_table_added_to_an_existing_master_prints_on_a4_with_its_header_on_every_page(
    tmp_path: Path, lang: str
) -> None:
    """Products and Listings came on sheets with no page setup and no print titles: printed on Letter or whatever
    the printer said, in strips of columns, the header on the first page only."""
    path = _with_products_and_listings(tmp_path / "master.xlsx", lang)
    book = openpyxl.load_workbook(path)
    products, listings = (book[schema.sheet(lang)] for schema in (PRODUCTS, LISTINGS))
    # Products is wider than a portrait page and narrower than a landscape one; Listings fits a portrait page.
    assert _print_setup(products) == (9, "landscape", (1, 0), "$1:$1", FOOTER[lang])
    assert _print_setup(listings) == (9, "portrait", (1, 0), "$1:$1", FOOTER[lang])
    # The tables the new master had keep their setup: the names of their print titles are still theirs.
    assert _print_setup(book[VISITS.sheet(lang)])[3] == "$1:$1"


def test_the_added_sheets_and_the_workbook_part_validate_against_the_schemas(
    tmp_path: Path, shared_schemas: Path
) -> None:
    schema = xmlschema.XMLSchema(str(shared_schemas / "ooxml" / "ISO-IEC29500-4_2016" / "sml.xsd"))
    path = _with_products_and_listings(tmp_path / "master.xlsx", "zh")
    located = _located(path)
    parts = _parts(path)
    for name in ("xl/workbook.xml", located["Products"].sheet_part, located["Listings"].sheet_part):
        errors = [str(e).splitlines()[0] for e in schema.iter_errors(parts[name].decode("utf-8"))]
        assert not errors, (name, errors[:3])


def _pages(pdf: Path) -> list[str]:
    """Each page's text as pdftotext reads it."""
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    count = int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))
    return [
        subprocess.run(
            ["pdftotext", "-f", str(i), "-l", str(i), "-layout", str(pdf), "-"], capture_output=True, text=True
        ).stdout
        for i in range(1, count + 1)
    ]


def test_libreoffice_prints_an_added_tables_header_on_every_page(tmp_path: Path, libreoffice) -> None:
    path = _with_products_and_listings(tmp_path / "master.xlsx", "zh", listings=LISTINGS_ROWS)
    pages = [text for text in _pages(libreoffice(path, "pdf")) if re.search(r"KA\d{3}", text)]  # Listings
    assert len(pages) >= 2
    for number, text in enumerate(pages, 1):
        assert "进店日期" in text and "生成批次" in text, (number, text[:300])  # its header row
        assert re.search(r"第 \d+ 页，共 \d+ 页", text), number
    assert "KA149" in pages[-1] and "KA000" in pages[0]  # every row printed, one page wide


def _without_print_setup(path: Path) -> Path:
    """The master as a version before the print setup wrote it: no sheetPr, pageSetup or headerFooter in any
    sheet, no print titles in the workbook."""
    parts = _parts(path)
    for name, data in parts.items():
        if name.startswith("xl/worksheets/sheet") or name == "xl/workbook.xml":
            root = etree.fromstring(data)
            for local in (*PRINT_SETUP, "definedNames"):
                for element in root.findall(f"{{{NS_MAIN}}}{local}"):
                    root.remove(element)
            parts[name] = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
    _write_parts(path, parts)
    return path


def test_a_sheet_written_again_without_a_page_setup_gains_the_new_masters(tmp_path: Path) -> None:
    """Every table sheet of an earlier version's master, once saved, prints as the same sheet of a new master:
    the rule decides by the widths the sheet has, and only the sheets written change."""
    new = save_master(Master.empty(), tmp_path / "new.xlsx", backup=False)
    old = _without_print_setup(save_master(Master.empty(), tmp_path / "old.xlsx", backup=False))
    assert openpyxl.load_workbook(old)["客户档案"].print_title_rows is None
    before = _parts(old)
    master = load_master(old)
    master.customers = pd.DataFrame({"customer_id": ["C001"], "name": ["广州甲公司"]})
    save_master(master, old, tables=["Customers"], backup=False)
    customers = _located(old)["Customers"]
    changed = {n for n, data in _parts(old).items() if before.get(n) != data}
    assert changed - {customers.table_part} == {customers.sheet_part, "xl/workbook.xml"}
    book = openpyxl.load_workbook(old)
    assert _print_setup(book["客户档案"]) == (9, "landscape", None, "$1:$1", FOOTER["zh"])
    assert book["拜访记录"].print_title_rows is None and book["拜访记录"].page_setup.paperSize is None
    save_master(load_master(old), old, backup=False)
    saved, fresh = openpyxl.load_workbook(old), openpyxl.load_workbook(new)
    for schema in ALL_TABLES:
        name = schema.sheet("zh")
        assert _print_setup(saved[name]) == _print_setup(fresh[name]), name


def test_rows_appended_to_a_sheet_without_a_page_setup_print_it_with_its_header_on_every_page(tmp_path: Path) -> None:
    """``master listings`` and a consolidation append to a table when they can; the sheet gains the setup too."""
    path = _with_products_and_listings(tmp_path / "master.xlsx", "zh")
    path = _without_print_setup(path)
    sheet_part = _located(path)["Listings"].sheet_part
    kept_rows = re.search(rb"<sheetData>(.*)</sheetData>", _parts(path)[sheet_part], re.S)[1]
    write_tables(path, {LISTINGS: _listings(5)}, lang="zh", backup=False, unchanged_rows={"Listings": 3})
    assert kept_rows in _parts(path)[sheet_part]  # appended: the rows there keep their bytes
    listings = openpyxl.load_workbook(path)["单品进店"]
    assert _print_setup(listings) == (9, "portrait", (1, 0), "$1:$1", FOOTER["zh"])
    assert listings.max_row == 6


def test_a_page_setup_a_person_chose_is_kept_as_it_is(tmp_path: Path) -> None:
    """Customers set to A3 landscape in a spreadsheet program, without print titles: a save writes the sheet again
    and keeps both choices, and the workbook part keeps its bytes."""
    path = save_master(Master.empty(), tmp_path / "master.xlsx", backup=False)
    book = openpyxl.load_workbook(path)
    sheet = book["客户档案"]
    sheet.page_setup.orientation, sheet.page_setup.paperSize = "landscape", 8
    book.save(path)
    before = _parts(path)
    workbook = etree.fromstring(before["xl/workbook.xml"])  # and no print titles (openpyxl cannot unset them)
    for name in workbook.iter(f"{{{NS_MAIN}}}definedName"):
        if name.get("localSheetId") == "0":
            name.getparent().remove(name)
    before["xl/workbook.xml"] = etree.tostring(workbook, xml_declaration=True, encoding="UTF-8", standalone=True)
    _write_parts(path, before)
    customers = _located(path)["Customers"]
    own = re.search(rb"<pageSetup [^>]*/>", before[customers.sheet_part])[0]
    master = load_master(path)
    master.customers = pd.DataFrame({"customer_id": ["C001"], "name": ["广州甲公司"]})
    save_master(master, path, tables=["Customers"], backup=False)
    after = _parts(path)
    assert after[customers.sheet_part] != before[customers.sheet_part]  # written again
    assert re.search(rb"<pageSetup [^>]*/>", after[customers.sheet_part])[0] == own
    assert after["xl/workbook.xml"] == before["xl/workbook.xml"]
    saved = openpyxl.load_workbook(path)["客户档案"]
    assert (saved.page_setup.paperSize, saved.page_setup.orientation, saved.print_title_rows) == (8, "landscape", None)


def test_a_sheets_width_counts_its_columns_as_excel_draws_them() -> None:
    # B is hidden, C has a width that is no number, D none: C and D are the sheet's default, 10.7109375 (75 px).
    sheet = etree.fromstring(
        f'<worksheet xmlns="{NS_MAIN}"><sheetFormatPr defaultColWidth="10.7109375" defaultRowHeight="15"/><cols>'
        '<col min="1" max="1" width="12.28515625" customWidth="1"/><col min="2" max="2" width="30" hidden="1"/>'
        '<col min="3" max="3" width="x"/><col min="5" max="9" width="9.140625"/></cols><sheetData/></worksheet>'
    )
    assert table_px(sheet, 1, 6, "xl/worksheets/sheet1.xml") == 86 + 0 + 75 + 75 + 2 * 64
    assert table_px(etree.fromstring(f'<worksheet xmlns="{NS_MAIN}"><sheetData/></worksheet>'), 1, 3, "s") == 3 * 64
