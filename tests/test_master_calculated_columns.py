"""Calculated columns and array formulas a manager puts in a master table (docs/master.md, "Writing").

A calculated column is one whose table column holds a ``calculatedColumnFormula`` (Excel adds it when a formula is
typed into a table column); Excel fills that formula into each row it adds, and so must a save that adds rows. Each
master is built on disk: saved by keyacct-xl, given formulas with openpyxl, recalculated and saved by LibreOffice
(so its cells carry cached values as Excel leaves them), its table part then given the ``calculatedColumnFormula``
Excel writes (LibreOffice 7.4 leaves it out of the table parts it saves), then loaded, given rows and saved. What was
written is read back with openpyxl, computed by LibreOffice and checked against the SpreadsheetML schema.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
import xmlschema
from lxml import etree
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.table import TableColumn

from keyacct_xl.consolidate.store import load_store, save_store
from keyacct_xl.master.model import Master
from keyacct_xl.master.reader import load_master
from keyacct_xl.master.writer import save_master
from keyacct_xl.xlsx.keptcells import PlacedColumn, calculated_cells
from keyacct_xl.xlsx.ooxml import NS_MAIN
from keyacct_xl.xlsx.package import locate_tables, open_package
from keyacct_xl.xlsx.tablepart import ColumnFormula, column_formulas, update_table

SALES = "销售明细"  # Transactions: 金额 (amount) is column H, 成本 (cost) I; the table ends at K
# The calculated columns as Excel stores them: A1 references those of the first data row (row 2), a reference to the
# row's own cell of a column as Transactions[[#This Row],[金额]] (Excel shows it as [@金额]). {r}: the row.
STRUCTURED = "Transactions[[#This Row],[金额]]*2"
SALES_COLUMNS = {"成本": "H{r}*0.5", "含税": "H{r}*2", "两倍": STRUCTURED}  # 成本 is one of the master's own columns
VISITS = "拜访记录"  # Visits: 订单金额 (order amount) is column Q; consolidation gives the table 24 columns (A:X)
VISIT_COLUMNS = {"含税订单": "Q{r}*1.13", "两倍订单": "Visits[[#This Row],[订单金额]]*2"}


def _lines(amounts: list[float]) -> pd.DataFrame:
    days = pd.date_range("2025-01-05", periods=len(amounts), freq="D")
    return pd.DataFrame({"date": days, "customer_id": ["C1"] * len(amounts), "amount": amounts})


def _visits(amounts: list[float]) -> pd.DataFrame:
    days = pd.date_range("2025-03-05", periods=len(amounts), freq="D")
    return pd.DataFrame({"date": days, "customer_id": ["C1"] * len(amounts), "order_amount": amounts})


def _one_customer() -> Master:
    master = Master.empty(lang="zh")
    master.customers = pd.concat(
        [master.customers, pd.DataFrame({"customer_id": ["C1"], "name": ["甲"]})], ignore_index=True
    )
    return master


def _sales_master(folder: Path, libreoffice) -> Path:
    """A master of two sales lines whose Transactions table gained the calculated columns 含税 (=H*2, A1
    references) and 两倍 (the structured reference), and whose own 成本 is a calculated column too."""
    master = _one_customer()
    master.transactions = pd.concat([master.transactions, _lines([10.0, 20.0])], ignore_index=True)
    built = save_master(master, folder / "built.xlsx")
    return _calculated(built, folder, libreoffice, SALES, "Transactions", SALES_COLUMNS)


def _visits_master(folder: Path, libreoffice) -> Path:
    """A master whose two visits a consolidation wrote, its Visits table then given the calculated columns 含税订单
    (=Q*1.13) and 两倍订单 (the structured reference)."""
    built = save_master(_one_customer(), folder / "built.xlsx")
    store = load_store(built)
    store.frames["Visits"] = pd.concat([store.frames["Visits"], _visits([100.0, 200.0])], ignore_index=True)
    save_store(store, ["Visits"], edited=["Visits"])
    return _calculated(built, folder, libreoffice, VISITS, "Visits", VISIT_COLUMNS)


def _calculated(built: Path, folder: Path, libreoffice, sheet_name: str, table_name: str, columns: dict) -> Path:
    """``built`` with ``columns`` (header: formula of row {r}) made calculated columns of the table, a column not in
    it added at its right end, as LibreOffice saves it and then with the table part Excel writes."""
    book = openpyxl.load_workbook(built)
    sheet = book[sheet_name]
    table = sheet.tables[table_name]
    first, last = table.ref.split(":")
    last_row = sheet[last].row
    headers = [c.value for c in sheet[1]]
    for header, formula in columns.items():
        if header not in headers:
            headers.append(header)
            sheet.cell(1, len(headers), header)
            table.tableColumns.append(TableColumn(id=len(headers), name=header))
        col = headers.index(header) + 1
        for row in range(2, last_row + 1):
            sheet.cell(row, col, "=" + formula.format(r=row))
    table.ref = table.autoFilter.ref = f"{first}:{get_column_letter(len(headers))}{last_row}"
    book.save(folder / "edited.xlsx")
    resaved = libreoffice(folder / "edited.xlsx", "xlsx:Calc MS Excel 2007 XML", folder / "lo")
    target = folder / "master.xlsx"
    formulas = {header: formula.format(r=2) for header, formula in columns.items()}
    target.write_bytes(_with_calculated_columns(resaved.read_bytes(), table_name, formulas))
    return target


def _with_calculated_columns(book: bytes, table: str, formulas: dict[str, str]) -> bytes:
    """The workbook with the table's columns named in ``formulas`` made calculated columns, as Excel writes them: a
    ``calculatedColumnFormula`` child of the table part's ``tableColumn``."""
    with open_package(io.BytesIO(book)) as archive:
        part = locate_tables(archive)[table].table_part
    with zipfile.ZipFile(io.BytesIO(book)) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    root = etree.fromstring(parts[part])
    for column in root.iter(f"{{{NS_MAIN}}}tableColumn"):
        if column.get("name") in formulas:
            etree.SubElement(column, f"{{{NS_MAIN}}}calculatedColumnFormula").text = formulas[column.get("name")]
    parts[part] = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)
    return out.getvalue()


def _parts(path: Path, table: str) -> tuple[bytes, bytes, bytes]:
    """The table's sheet part, its table part and workbook.xml."""
    with open_package(path) as archive:
        loc = locate_tables(archive)[table]
    with zipfile.ZipFile(path) as z:
        return z.read(loc.sheet_part), z.read(loc.table_part), z.read("xl/workbook.xml")


def _cells(
    path: Path, sheet: str, columns: Sequence[str], rows: range, *, computed: bool = False
) -> list[tuple[object, ...]]:
    """The cells of ``columns`` ("YZ" is Y and Z) in ``rows``: formulas as openpyxl reads them, or the values
    LibreOffice computes on opening the file."""
    book = openpyxl.load_workbook(path, data_only=computed)[sheet]
    return [tuple(book[f"{c}{r}"].value for c in columns) for r in rows]


def _schema_errors(shared_schemas: Path, *parts: bytes) -> list[str]:
    schema = xmlschema.XMLSchema(str(shared_schemas / "ooxml" / "ISO-IEC29500-4_2016" / "sml.xsd"))
    return [str(e).splitlines()[0] for part in parts for e in schema.iter_errors(part.decode("utf-8"))]


def _calculated_formulas(table_xml: bytes) -> list[str]:
    return [f.text for f in etree.fromstring(table_xml).iter(f"{{{NS_MAIN}}}calculatedColumnFormula")]


def test_visits_a_consolidation_appends_get_the_calculated_columns_formulas(
    tmp_path: Path, libreoffice, shared_schemas: Path
) -> None:
    path = _visits_master(tmp_path, libreoffice)
    store = load_store(path)
    store.frames["Visits"] = pd.concat([store.frames["Visits"], _visits([300.0, 400.0])], ignore_index=True)
    save_store(store, ["Visits"])  # no visit changed: the new ones are appended below the table
    sheet, table, workbook = _parts(path, "Visits")
    assert b'<row r="2" customFormat="false"' in sheet  # the rows as LibreOffice wrote them: appended, not rewritten
    assert _cells(path, VISITS, "YZ", range(2, 6)) == [
        (f"=Q{r}*1.13", "=Visits[[#This Row],[订单金额]]*2") for r in range(2, 6)
    ]
    assert b"<f>Q4*1.13</f></c>" in sheet  # no cached value: computed on opening
    assert b'fullCalcOnLoad="1"' in workbook
    assert _calculated_formulas(table) == ["Q2*1.13", "Visits[[#This Row],[订单金额]]*2"]
    assert etree.fromstring(table).get("ref") == "A1:Z5"
    recalculated = libreoffice(path, "xlsx:Calc MS Excel 2007 XML", tmp_path / "again")
    assert _cells(recalculated, VISITS, "QYZ", range(2, 6), computed=True) == [
        (a, pytest.approx(a * 1.13), 2 * a) for a in (100, 200, 300, 400)
    ]
    assert _schema_errors(shared_schemas, sheet, table, workbook) == []


def test_sales_lines_a_rewrite_adds_get_the_calculated_columns_formulas(
    tmp_path: Path, libreoffice, shared_schemas: Path
) -> None:
    path = _sales_master(tmp_path, libreoffice)
    master = load_master(path)
    master.transactions.loc[0, "product"] = "甲产品"  # a changed line: the table is written anew
    new = _lines([30.0, 40.0]).assign(cost=[7.0, np.nan])  # the first new line comes with its cost
    master.transactions = pd.concat([master.transactions, new], ignore_index=True)
    save_master(master, path)
    assert _cells(path, SALES, "ILM", range(2, 6)) == [
        ("=H2*0.5", "=H2*2", f"={STRUCTURED}"),
        ("=H3*0.5", "=H3*2", f"={STRUCTURED}"),
        (7, "=H4*2", f"={STRUCTURED}"),  # the cost the line came with is data: it stays
        ("=H5*0.5", "=H5*2", f"={STRUCTURED}"),
    ]
    recalculated = libreoffice(path, "xlsx:Calc MS Excel 2007 XML", tmp_path / "again")
    assert _cells(recalculated, SALES, "HILM", range(2, 6), computed=True) == [
        (10, 5, 20, 20),
        (20, 10, 40, 40),
        (30, 7, 60, 60),
        (40, 20, 80, 80),
    ]
    sheet, table, workbook = _parts(path, "Transactions")
    assert _calculated_formulas(table) == ["H2*0.5", "H2*2", STRUCTURED]
    assert _schema_errors(shared_schemas, sheet, table, workbook) == []
    # A second save, the master not loaded again: the new rows' formulas, written without a value, stay.
    master.transactions.loc[1, "product"] = "乙产品"
    save_master(master, path)
    assert _cells(path, SALES, "ILM", range(5, 6)) == [("=H5*0.5", "=H5*2", f"={STRUCTURED}")]


def test_a_customer_a_consolidation_adds_to_a_rewritten_customers_table_gets_its_formula(
    tmp_path: Path, libreoffice
) -> None:
    master = _one_customer()
    master.customers.loc[0, "credit_limit"] = 100.0
    built = save_master(master, tmp_path / "built.xlsx")
    path = _calculated(built, tmp_path, libreoffice, "客户档案", "Customers", {"双倍额度": "O{r}*2"})
    store = load_store(path)
    customers = store.frames["Customers"]
    customers.loc[0, "name"] = "甲一"  # a changed customer: the table is written anew
    new = pd.DataFrame({"customer_id": ["C2"], "name": ["乙"], "credit_limit": [5.0]})
    store.frames["Customers"] = pd.concat([customers, new], ignore_index=True)
    save_store(store, ["Customers"], edited=["Customers"])
    assert _cells(path, "客户档案", ["AG"], range(2, 4)) == [("=O2*2",), ("=O3*2",)]
    recalculated = libreoffice(path, "xlsx:Calc MS Excel 2007 XML", tmp_path / "again")
    assert _cells(recalculated, "客户档案", ["AG"], range(2, 4), computed=True) == [(200,), (10,)]


def test_a_table_part_given_a_new_column_keeps_its_calculated_columns(shared_schemas: Path) -> None:
    # A save that adds a column to the table (one of the master's the file lacked) rebuilds the column list.
    table = (
        f'<table xmlns="{NS_MAIN}" id="1" name="T" displayName="T" ref="A1:B2"><autoFilter ref="A1:B2"/>'
        '<tableColumns count="2"><tableColumn id="1" name="金额"/><tableColumn id="2" name="两倍">'
        "<calculatedColumnFormula>T[[#This Row],[金额]]*2</calculatedColumnFormula></tableColumn></tableColumns>"
        "</table>"
    ).encode()
    written = update_table(table, "A1:C3", ["金额", "两倍", "成本"])
    assert column_formulas(written) == {"两倍": ColumnFormula("T[[#This Row],[金额]]*2", False)}
    assert _schema_errors(shared_schemas, written) == []


def test_a_calculated_column_of_a_table_below_its_sheets_first_rows_is_filled_from_its_first_data_row() -> None:
    # A table whose header is row 3: Excel stores the column's A1 references as those of row 4; rows 6 and 7 are new,
    # and the column is filled as one-cell array formulas when Excel marks it an array formula.
    values = pd.Series([1.0, 2.0, np.nan, np.nan])
    columns = [
        PlacedColumn(1, values, "number", 0, True),
        PlacedColumn(2, pd.Series([np.nan] * 4), "number", 5, False),
        PlacedColumn(3, pd.Series([np.nan] * 4), "number", 5, False),
    ]
    formulas = {2: ColumnFormula("A4*2+$A$4", False), 3: ColumnFormula("SUM(A4:A4*3)", True)}
    cells = calculated_cells(formulas, columns, np.array([2, 3]), 4, 1, 4)
    assert cells == {
        6: {2: '<c r="B6" s="5"><f>A6*2+$A$4</f></c>', 3: '<c r="C6" s="5"><f t="array" ref="C6">SUM(A6:A6*3)</f></c>'},
        7: {2: '<c r="B7" s="5"><f>A7*2+$A$4</f></c>', 3: '<c r="C7" s="5"><f t="array" ref="C7">SUM(A7:A7*3)</f></c>'},
    }
