"""Array formulas in a master table survive a save of that table (docs/master.md, "Writing").

A one-cell array formula (typed with Ctrl+Shift+Enter, or a dynamic array formula of Excel 365) moves with its row;
one over several cells is kept only when the save writes its whole range again as it was. The master is built on
disk: saved by keyacct-xl, given array formulas with openpyxl, recalculated and saved by LibreOffice (so its cells
carry cached values), then loaded, changed and saved again; what was written is read back with openpyxl, computed by
LibreOffice and checked against the SpreadsheetML schema.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import xmlschema
from lxml import etree
from openpyxl.worksheet.formula import ArrayFormula
from openpyxl.worksheet.table import TableColumn

from keyacct_xl.master.model import Master
from keyacct_xl.master.reader import load_master
from keyacct_xl.master.writer import save_master
from keyacct_xl.xlsx.keptcells import PlacedColumn, formula_table_cells, kept_cells
from keyacct_xl.xlsx.ooxml import NS_MAIN
from keyacct_xl.xlsx.package import locate_tables, open_package
from keyacct_xl.xlsx.sheetdata import CellColumn, splice_sheet
from keyacct_xl.xlsx.sheetxml import read_layout

SALES = "销售明细"  # Transactions: 金额 (amount) is column H; the table ends at K


def _master(folder: Path, libreoffice) -> Path:
    """Three sales lines of 10, 20 and 30 whose table gained 三倍 (a one-cell array formula in each row) and 两倍 (one
    array formula over the three rows, {=H2:H4*2}), as LibreOffice saves it."""
    master = Master.empty(lang="zh")
    master.customers = pd.concat(
        [master.customers, pd.DataFrame({"customer_id": ["C1"], "name": ["甲"]})], ignore_index=True
    )
    lines = pd.DataFrame(
        {
            "date": pd.to_datetime(["2025-01-05", "2025-02-05", "2025-03-05"]),
            "customer_id": ["C1"] * 3,
            "amount": [10.0, 20.0, 30.0],
        }
    )
    master.transactions = pd.concat([master.transactions, lines], ignore_index=True)
    save_master(master, folder / "built.xlsx")
    book = openpyxl.load_workbook(folder / "built.xlsx")
    sheet = book[SALES]
    sheet["L1"], sheet["M1"] = "三倍", "两倍"
    for row in (2, 3, 4):
        sheet[f"L{row}"] = ArrayFormula(f"L{row}", f"=SUM(H{row}:H{row}*3)")
    sheet["M2"] = ArrayFormula("M2:M4", "=H2:H4*2")
    table = sheet.tables["Transactions"]
    table.ref = table.autoFilter.ref = "A1:M4"
    table.tableColumns.append(TableColumn(id=12, name="三倍"))
    table.tableColumns.append(TableColumn(id=13, name="两倍"))
    book.save(folder / "edited.xlsx")
    target = folder / "master.xlsx"
    target.write_bytes(libreoffice(folder / "edited.xlsx", "xlsx:Calc MS Excel 2007 XML", folder / "lo").read_bytes())
    return target


def _arrays(path: Path) -> dict[str, tuple[str, str]]:
    """Each array formula of the sales sheet: its first cell -> (its range, its text)."""
    sheet = openpyxl.load_workbook(path)[SALES]
    return {
        c.coordinate: (c.value.ref, c.value.text)
        for row in sheet.iter_rows()
        for c in row
        if isinstance(c.value, ArrayFormula)
    }


def _computed(path: Path, folder: Path, libreoffice, rows: range) -> list[tuple[object, ...]]:
    """Amount, 三倍 and 两倍 of ``rows`` as LibreOffice computes them on opening the file."""
    recalculated = libreoffice(path, "xlsx:Calc MS Excel 2007 XML", folder)
    sheet = openpyxl.load_workbook(recalculated, data_only=True)[SALES]
    return [tuple(sheet[f"{c}{r}"].value for c in "HLM") for r in rows]


def _sheet_part(path: Path) -> bytes:
    with open_package(path) as archive:
        part = locate_tables(archive)["Transactions"].sheet_part
    with zipfile.ZipFile(path) as z:
        return z.read(part)


def _schema_errors(shared_schemas: Path, part: bytes) -> list[str]:
    schema = xmlschema.XMLSchema(str(shared_schemas / "ooxml" / "ISO-IEC29500-4_2016" / "sml.xsd"))
    return [str(e).splitlines()[0] for e in schema.iter_errors(part.decode("utf-8"))]


def test_array_formulas_of_rows_written_again_in_place_are_kept(
    tmp_path: Path, libreoffice, shared_schemas: Path
) -> None:
    path = _master(tmp_path, libreoffice)
    master = load_master(path)
    master.transactions.loc[0, "product"] = "甲产品"  # the table is written anew, its rows where they were
    master.transactions.loc[2, "amount"] = 35.0
    save_master(master, path)
    assert _arrays(path) == {
        "L2": ("L2", "=SUM(H2:H2*3)"),
        "L3": ("L3", "=SUM(H3:H3*3)"),
        "L4": ("L4", "=SUM(H4:H4*3)"),
        "M2": ("M2:M4", "=H2:H4*2"),  # its whole range written again as it was
    }
    assert _computed(path, tmp_path / "again", libreoffice, range(2, 5)) == [(10, 30, 20), (20, 60, 40), (35, 105, 70)]
    assert _schema_errors(shared_schemas, _sheet_part(path)) == []


def test_a_row_leaving_an_array_over_several_rows_leaves_its_values(tmp_path: Path, libreoffice) -> None:
    path = _master(tmp_path, libreoffice)
    master = load_master(path)
    master.transactions = master.transactions.drop(index=0)  # the rows below move up one
    save_master(master, path)
    # The one-cell arrays move up with their rows; the array over three rows, cut, leaves the values it showed.
    assert _arrays(path) == {"L2": ("L2", "=SUM(H2:H2*3)"), "L3": ("L3", "=SUM(H3:H3*3)")}
    sheet = openpyxl.load_workbook(path)[SALES]
    assert [sheet[f"M{r}"].value for r in (2, 3, 4)] == [40, 60, None]
    assert _computed(path, tmp_path / "again", libreoffice, range(2, 4)) == [(20, 60, 40), (30, 90, 60)]


def test_a_dynamic_array_formula_keeps_its_mark_when_its_row_moves(shared_schemas: Path) -> None:
    # Excel 365 writes a dynamic array formula as an array of one cell marked cm="1" (its entry in metadata.xml,
    # which a save copies as it is); its row moves up one.
    part = "xl/worksheets/sheet1.xml"
    sheet = (
        f"<worksheet xmlns='{NS_MAIN}'><dimension ref='A3:B5'/><sheetData>"
        "<row r='3'><c r='A3' t='inlineStr'><is><t>id</t></is></c><c r='B3' t='inlineStr'><is><t>n</t></is></c></row>"
        "<row r='4'><c r='A4'><v>1</v></c></row>"
        "<row r='5'><c r='A5'><v>2</v></c><c r='B5' cm='1'><f t='array' ref='B5'>_xlfn.SINGLE(A5)*2</f><v>4</v></c>"
        "</row></sheetData></worksheet>"
    ).encode()
    columns = [CellColumn("id", pd.Series([2.0]), "number", 0), CellColumn("n", pd.Series([4.0]), "number", 0)]
    found = formula_table_cells(sheet, part, (3, 1, 5, 2))
    placed = [PlacedColumn(1 + i, c.values, c.kind, c.style, False) for i, c in enumerate(columns)]
    kept = kept_cells(found, np.array([5]), placed, 3, 1)
    out = io.BytesIO()
    splice_sheet(read_layout(sheet, part, (3, 1, 5, 2)), out, columns, 3, 1, kept=kept)
    cell = etree.fromstring(out.getvalue()).find(f".//{{{NS_MAIN}}}c[@r='B4']")
    assert cell.get("cm") == "1"
    formula = cell.find(f"{{{NS_MAIN}}}f")
    assert (formula.get("t"), formula.get("ref"), formula.text) == ("array", "B4", "_xlfn.SINGLE(A4)*2")
    assert _schema_errors(shared_schemas, out.getvalue()) == []
