"""Formulas and error cells a manager puts in a master table survive a save of that table (docs/master.md, "Writing").

Each master is built on disk: saved by keyacct-xl, given formulas with openpyxl, recalculated and saved by
LibreOffice (so its cells carry cached values as Excel leaves them), then loaded, changed and saved again. What
was written is read back with openpyxl (formulas), with LibreOffice (the values it computes on opening) and
against the SpreadsheetML schema.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import xmlschema
from lxml import etree
from openpyxl.worksheet.table import TableColumn

from keyacct_xl.consolidate.store import load_store, save_store
from keyacct_xl.history.archive import archive
from keyacct_xl.master.model import Master
from keyacct_xl.master.reader import load_master
from keyacct_xl.master.writer import save_master
from keyacct_xl.xlsx.keptcells import PlacedColumn, calculated_on_load, formula_table_cells, kept_cells
from keyacct_xl.xlsx.ooxml import NS_MAIN
from keyacct_xl.xlsx.package import locate_tables, open_package
from keyacct_xl.xlsx.sheetdata import CellColumn, splice_sheet
from keyacct_xl.xlsx.sheetxml import read_layout

# Customers' credit limit is column O, its payment terms P; the table ends at AF.
DOUBLE, LOOKUP = "AG", "AH"


def _master(folder: Path, libreoffice, *, cleared_row: int | None = None) -> Path:
    """A master of three customers whose Customers table gained 双倍额度 (=O*2) and 查找 (a VLOOKUP giving #N/A),
    with =40+5 typed into C2's payment terms, as LibreOffice saves it; ``cleared_row`` is a row left blank."""
    master = Master.empty(lang="zh")
    master.customers = pd.concat(
        [
            master.customers,
            pd.DataFrame(
                {
                    "customer_id": ["C1", "C2", "C3"],
                    "name": ["甲", "乙", "丙"],
                    "credit_limit": [100.0, 250.5, 300.0],
                    "payment_terms_days": pd.array([30, 45, 60], dtype="Int64"),
                }
            ),
        ],
        ignore_index=True,
    )
    saved = save_master(master, folder / "built.xlsx")
    book = openpyxl.load_workbook(saved)
    sheet = book["客户档案"]
    last = 4
    if cleared_row is not None:  # the rows below it move down one, leaving it blank
        sheet.move_range(f"A{cleared_row}:AF{last}", rows=1)
        last += 1
    sheet[f"{DOUBLE}1"], sheet[f"{LOOKUP}1"] = "双倍额度", "查找"
    for row in range(2, last + 1):
        if row != cleared_row:
            sheet[f"{DOUBLE}{row}"] = f"=O{row}*2"
            sheet[f"{LOOKUP}{row}"] = f'=VLOOKUP("zz",A{row}:A{row},1,FALSE)'
    sheet["P3" if cleared_row is None else "P4"] = "=40+5"  # C2's payment terms
    table = sheet.tables["Customers"]
    table.ref = table.autoFilter.ref = f"A1:{LOOKUP}{last}"
    table.tableColumns.append(TableColumn(id=33, name="双倍额度"))
    table.tableColumns.append(TableColumn(id=34, name="查找"))
    book.save(folder / "edited.xlsx")
    resaved = libreoffice(folder / "edited.xlsx", "xlsx:Calc MS Excel 2007 XML", folder / "lo")
    target = folder / "master.xlsx"
    target.write_bytes(resaved.read_bytes())
    return target


def _values(path: Path, libreoffice) -> list[list[str]]:
    """The Customers sheet (the first) as LibreOffice computes it on opening the file."""
    exported = libreoffice(path, "csv:Text - txt - csv (StarCalc):44,34,76")
    with open(exported, encoding="utf-8", newline="") as f:
        return list(csv.reader(f))


def _formulas(path: Path) -> dict[str, object]:
    sheet = openpyxl.load_workbook(path)["客户档案"]
    return {c.coordinate: c.value for row in sheet.iter_rows(min_col=15, max_col=34) for c in row}


def test_a_users_formula_column_keeps_its_formulas_and_computes_numbers(tmp_path: Path, libreoffice) -> None:
    path = _master(tmp_path, libreoffice)
    master = load_master(path)
    master.customers.loc[1, "name"] = "乙二"
    master.customers.loc[2, "credit_limit"] = 1000.0
    save_master(master, path)
    cells = _formulas(path)
    assert [cells[f"{DOUBLE}{r}"] for r in (2, 3, 4)] == ["=O2*2", "=O3*2", "=O4*2"]
    # LibreOffice computes them from the saved values: numbers, C3's from its new credit limit.
    rows = _values(path, libreoffice)
    assert [r[32] for r in rows[1:4]] == ["200", "501", "2000"]
    recalculated = libreoffice(path, "xlsx:Calc MS Excel 2007 XML", tmp_path / "again")
    computed = openpyxl.load_workbook(recalculated, data_only=True)
    assert [computed["客户档案"][f"{DOUBLE}{r}"].value for r in (2, 3, 4)] == [200, 501, 2000]
    assert load_master(path).customers["name"].tolist() == ["甲", "乙二", "丙"]


def test_an_error_cell_in_a_table_is_kept(tmp_path: Path, libreoffice) -> None:
    path = _master(tmp_path, libreoffice)
    master = load_master(path)
    master.customers.loc[0, "name"] = "甲一"
    save_master(master, path)
    assert [_formulas(path)[f"{LOOKUP}{r}"] for r in (2, 3, 4)] == [
        f'=VLOOKUP("zz",A{r}:A{r},1,FALSE())' for r in (2, 3, 4)
    ]
    assert [r[33] for r in _values(path, libreoffice)[1:4]] == ["#N/A"] * 3


def test_rows_that_move_up_take_their_formulas_along(tmp_path: Path, libreoffice) -> None:
    # Row 3 was cleared, so the reader skips it and the save writes C2 and C3 one row higher, plus a new C4.
    path = _master(tmp_path, libreoffice, cleared_row=3)
    master = load_master(path)
    new = pd.DataFrame({"customer_id": ["C4"], "name": ["丁"], "credit_limit": [7.0]})
    master.customers = pd.concat([master.customers, new], ignore_index=True)
    save_master(master, path)
    cells = _formulas(path)
    assert [cells[f"{DOUBLE}{r}"] for r in (2, 3, 4, 5)] == ["=O2*2", "=O3*2", "=O4*2", None]
    assert cells["P3"] == "=40+5"  # C2's payment terms, moved up from P4
    rows = _values(path, libreoffice)
    assert [(r[0], r[32]) for r in rows[1:5]] == [("C1", "200"), ("C2", "501"), ("C3", "600"), ("C4", "")]
    # A second save of the same master, not loaded again: its rows are where the first save put them.
    master.customers.loc[2, "name"] = "丙二"
    save_master(master, path)
    assert [_formulas(path)[f"{DOUBLE}{r}"] for r in (2, 3, 4, 5)] == ["=O2*2", "=O3*2", "=O4*2", None]


def test_a_formula_in_our_column_stays_until_the_value_changes(tmp_path: Path, libreoffice) -> None:
    path = _master(tmp_path, libreoffice)
    master = load_master(path)
    assert master.customers["payment_terms_days"].tolist() == [30, 45, 60]
    master.customers.loc[0, "name"] = "甲一"
    save_master(master, path)
    assert _formulas(path)["P3"] == "=40+5"  # the value read is the value written: the formula stays
    # with its value, which the commands read (the user's columns' formulas are written without one)
    assert load_master(path).customers["payment_terms_days"].tolist() == [30, 45, 60]
    master = load_master(path)
    master.customers.loc[1, "payment_terms_days"] = 50
    save_master(master, path)
    assert _formulas(path)["P3"] == 50  # the code wrote a new value there: it replaces the formula (documented)


def test_a_save_keeping_formulas_is_deterministic_and_valid(tmp_path: Path, libreoffice, shared_schemas: Path) -> None:
    path = _master(tmp_path, libreoffice)
    copy = tmp_path / "copy.xlsx"
    copy.write_bytes(path.read_bytes())
    for target in (path, copy):
        master = load_master(target)
        master.customers.loc[1, "name"] = "乙二"
        save_master(master, target, backup=False)
    assert path.read_bytes() == copy.read_bytes()
    with open_package(path) as archive:
        sheet_part = locate_tables(archive)["Customers"].sheet_part
    with zipfile.ZipFile(path) as z:
        sheet = z.read(sheet_part)
        workbook = z.read("xl/workbook.xml")
    assert b"<f>O3*2</f>" in sheet
    assert b'fullCalcOnLoad="1"' in workbook  # Excel computes the formulas written without a cached value
    schema = xmlschema.XMLSchema(str(shared_schemas / "ooxml" / "ISO-IEC29500-4_2016" / "sml.xsd"))
    for part in (sheet, workbook):
        assert [str(e).splitlines()[0] for e in schema.iter_errors(part.decode("utf-8"))] == []


def test_a_shared_formula_is_expanded_for_each_row(tmp_path: Path, libreoffice) -> None:
    # Excel writes a column filled down as one shared formula; each row keeps its own when written again.
    path = _master(tmp_path, libreoffice)
    with zipfile.ZipFile(path) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    with open_package(path) as archive:
        sheet_part = locate_tables(archive)["Customers"].sheet_part
    text = parts[sheet_part].decode()
    for row in (2, 3, 4):
        start = text.index(f'<c r="{DOUBLE}{row}"')
        end = text.index("</c>", start) + 4
        formula = '<f t="shared" ref="AG2:AG4" si="0">O2*2</f>' if row == 2 else '<f t="shared" si="0"/>'
        text = text[:start] + f'<c r="{DOUBLE}{row}" s="0">{formula}<v>{row}</v></c>' + text[end:]
    parts[sheet_part] = text.encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)
    master = load_master(path)
    master.customers.loc[0, "name"] = "甲一"
    save_master(master, path)
    assert [_formulas(path)[f"{DOUBLE}{r}"] for r in (2, 3, 4)] == ["=O2*2", "=O3*2", "=O4*2"]


def test_archived_lines_leave_and_the_rows_kept_take_their_formulas_up(tmp_path: Path, libreoffice) -> None:
    # Sales lines of 2020 move to the history store; the 2025 lines move up two rows with their 含税 formulas.
    master = Master.empty(lang="zh")
    master.customers = pd.concat(
        [master.customers, pd.DataFrame({"customer_id": ["C1"], "name": ["甲"]})], ignore_index=True
    )
    master.transactions = pd.concat(
        [
            master.transactions,
            pd.DataFrame(
                {
                    "date": pd.to_datetime(["2020-01-05", "2020-02-05", "2025-01-05", "2025-02-05"]),
                    "customer_id": ["C1"] * 4,
                    "amount": [10.0, 20.0, 30.0, 40.0],
                }
            ),
        ],
        ignore_index=True,
    )
    master.payments = pd.concat(
        [
            master.payments,
            pd.DataFrame(
                {"date": pd.to_datetime(["2020-03-01", "2025-03-01"]), "customer_id": ["C1"] * 2, "amount": [30.0] * 2}
            ),
        ],
        ignore_index=True,
    )
    save_master(master, tmp_path / "built.xlsx")
    book = openpyxl.load_workbook(tmp_path / "built.xlsx")
    sheet = book["销售明细"]
    sheet["L1"] = "含税"
    for row in range(2, 6):
        sheet[f"L{row}"] = f"=H{row}*2"
    table = sheet.tables["Transactions"]
    table.ref = table.autoFilter.ref = "A1:L5"
    table.tableColumns.append(TableColumn(id=12, name="含税"))
    book.save(tmp_path / "edited.xlsx")
    path = tmp_path / "master.xlsx"
    path.write_bytes(libreoffice(tmp_path / "edited.xlsx", "xlsx:Calc MS Excel 2007 XML", tmp_path / "lo").read_bytes())
    archive(path, pd.Timestamp("2024-01-01"))
    sheet = openpyxl.load_workbook(path)["销售明细"]
    assert [(sheet[f"H{r}"].value, sheet[f"L{r}"].value) for r in (2, 3)] == [(30, "=H2*2"), (40, "=H3*2")]
    assert sheet["L4"].value is None
    recalculated = openpyxl.load_workbook(
        libreoffice(path, "xlsx:Calc MS Excel 2007 XML", tmp_path / "again"), data_only=True
    )
    assert [recalculated["销售明细"][f"L{r}"].value for r in (2, 3)] == [60, 80]


def test_a_consolidation_rewriting_customers_keeps_their_formulas(tmp_path: Path, libreoffice) -> None:
    path = _master(tmp_path, libreoffice)
    store = load_store(path)
    customers = store.frames["Customers"]
    customers.loc[1, "name"] = "乙二"
    store.frames["Customers"] = pd.concat(
        [customers, pd.DataFrame({"customer_id": ["C4"], "name": ["丁"], "credit_limit": [5.0]})], ignore_index=True
    )
    save_store(store, ["Customers"], edited=["Customers"])
    cells = _formulas(path)
    assert [cells[f"{DOUBLE}{r}"] for r in (2, 3, 4, 5)] == ["=O2*2", "=O3*2", "=O4*2", None]
    assert cells["P3"] == "=40+5"
    assert [r[32] for r in _values(path, libreoffice)[1:5]] == ["200", "501", "600", ""]


def test_a_workbook_without_calculation_properties_gets_them_where_the_schema_puts_them(shared_schemas: Path) -> None:
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    workbook = (
        f'<workbook xmlns="{NS_MAIN}" xmlns:r="{rel}"><sheets><sheet name="a" sheetId="1" r:id="rId1"/></sheets>'
        '<definedNames><definedName name="x">a!$A$1</definedName></definedNames>'
        '<pivotCaches><pivotCache cacheId="1" r:id="rId2"/></pivotCaches></workbook>'
    ).encode()
    written = calculated_on_load(workbook)
    schema = xmlschema.XMLSchema(str(shared_schemas / "ooxml" / "ISO-IEC29500-4_2016" / "sml.xsd"))
    assert [str(e).splitlines()[0] for e in schema.iter_errors(written.decode("utf-8"))] == []
    assert [etree.QName(e).localname for e in etree.fromstring(written)] == [
        "sheets",
        "definedNames",
        "calcPr",
        "pivotCaches",
    ]
    assert calculated_on_load(written) == written


def test_a_kept_formula_is_written_in_the_namespace_prefix_of_the_sheet() -> None:
    # A table in A3:B5 of a sheet whose main namespace is bound to x:; B4 holds =A4*2, B5 =A5*2 shared from it.
    part = "xl/worksheets/sheet1.xml"
    sheet = (
        f"<x:worksheet xmlns:x='{NS_MAIN}'><x:dimension ref='A3:B5'/><x:sheetData>"
        "<x:row r='3'><x:c r='A3' t='inlineStr'><x:is><x:t>id</x:t></x:is></x:c>"
        "<x:c r='B3' t='inlineStr'><x:is><x:t>n</x:t></x:is></x:c></x:row>"
        "<x:row r='4'><x:c r='A4'><x:v>1</x:v></x:c><x:c r='B4'><x:f t='shared' si='0' ref='B4:B5'>A4*2</x:f>"
        "<x:v>2</x:v></x:c></x:row>"
        "<x:row r='5'><x:c r='A5'><x:v>2</x:v></x:c><x:c r='B5'><x:f t='shared' si='0'/><x:v>4</x:v></x:c></x:row>"
        "</x:sheetData></x:worksheet>"
    ).encode()
    columns = [
        CellColumn("id", pd.Series([1.0, 2.0]), "number", 0),
        CellColumn("n", pd.Series([2.0, 4.0]), "number", 0),
    ]
    found = formula_table_cells(sheet, part, (3, 1, 5, 2))
    placed = [PlacedColumn(1 + i, c.values, c.kind, c.style, False) for i, c in enumerate(columns)]
    kept = kept_cells(found, np.array([4, 5]), placed, 3, 1)
    out = io.BytesIO()
    splice_sheet(read_layout(sheet, part, (3, 1, 5, 2)), out, columns, 3, 1, kept=kept)
    root = etree.fromstring(out.getvalue())
    formulas = {c.get("r"): c.findtext(f"{{{NS_MAIN}}}f") for c in root.iter(f"{{{NS_MAIN}}}c")}
    assert formulas == {"A3": None, "B3": None, "A4": None, "B4": "A4*2", "A5": None, "B5": "A5*2"}


def test_an_error_value_without_a_formula_is_kept(tmp_path: Path) -> None:
    # A #N/A pasted as a value: the sheet holds no formula at all, only the error cell.
    master = Master.empty(lang="zh")
    master.customers = pd.concat(
        [master.customers, pd.DataFrame({"customer_id": ["C1", "C2"], "name": ["甲", "乙"]})], ignore_index=True
    )
    path = save_master(master, tmp_path / "master.xlsx")
    book = openpyxl.load_workbook(path)
    sheet = book["客户档案"]
    sheet[f"{DOUBLE}1"], sheet[f"{DOUBLE}3"] = "核对", "#N/A"
    table = sheet.tables["Customers"]
    table.ref = table.autoFilter.ref = f"A1:{DOUBLE}3"
    table.tableColumns.append(TableColumn(id=33, name="核对"))
    book.save(path)
    master = load_master(path)
    master.customers.loc[0, "name"] = "甲一"
    save_master(master, path)
    sheet = openpyxl.load_workbook(path)["客户档案"]
    assert (sheet[f"{DOUBLE}3"].value, sheet[f"{DOUBLE}3"].data_type) == ("#N/A", "e")
    assert sheet["B2"].value == "甲一"


def test_a_formula_giving_a_day_before_march_1900_stays(tmp_path: Path) -> None:
    """=DATE(1900,1,15) in our date column, cached as Excel leaves it (serial 15), is the value read, so a save of the
    table keeps the formula: the frame's 1900-01-15 was compared as serial 16 and the formula replaced by a value."""
    master = Master.empty(lang="zh")
    master.customers = pd.concat(
        [master.customers, pd.DataFrame({"customer_id": ["C1", "C2"], "name": ["甲", "乙"]})], ignore_index=True
    )
    path = save_master(master, tmp_path / "master.xlsx")
    ref = f"{openpyxl.utils.get_column_letter(master.customers.columns.get_loc('first_trade_date') + 1)}2"
    book = openpyxl.load_workbook(path)
    book["客户档案"][ref] = "=DATE(1900,1,15)"
    book.save(path)
    with zipfile.ZipFile(path) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    sheet_part = "xl/worksheets/sheet1.xml"
    cell = re.compile(rb"(<c r=\"" + ref.encode() + rb"\"[^>]*><f>DATE\(1900,1,15\)</f>)(?:<v\s*/>|<v></v>)?")
    parts[sheet_part], found = cell.subn(rb"\1<v>15</v>", parts[sheet_part], count=1)
    assert found == 1
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    master = load_master(path)
    assert master.customers["first_trade_date"].tolist()[0] == pd.Timestamp("1900-01-15")
    master.customers.loc[1, "name"] = "乙一"
    save_master(master, path)
    assert openpyxl.load_workbook(path)["客户档案"][ref].value == "=DATE(1900,1,15)"
