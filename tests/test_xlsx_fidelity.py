"""Excel's table rules and zip layout in the packages the part writer produces.

Excel repairs a table whose column names differ from its header cells after XML parsing, and its zip reader
is stricter than Python's: parts are checked here the way Excel reads them.
"""

from __future__ import annotations

import struct
import zipfile
from pathlib import Path
from xml.etree import ElementTree as ET

import pandas as pd

from keyacct_xl.master.model import Master
from keyacct_xl.master.reader import load_master
from keyacct_xl.master.writer import save_master
from keyacct_xl.xlsx.ooxml import NS_MAIN, parse_range, split_ref, unescape_text

NS = {"m": NS_MAIN}
REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"


def _sheet_of_table(archive: zipfile.ZipFile, table_part: str) -> str:
    for name in archive.namelist():
        if name.startswith("xl/worksheets/_rels/") and name.endswith(".rels"):
            rels = ET.fromstring(archive.read(name))
            targets = [r.get("Target", "").rsplit("/", 1)[-1] for r in rels.iter(f"{PKG_REL}Relationship")]
            if table_part.rsplit("/", 1)[-1] in targets:
                return "xl/worksheets/" + name.rsplit("/", 1)[-1][: -len(".rels")]
    raise AssertionError(f"no sheet owns {table_part}")


def _cell_texts(sheet_xml: bytes, row: int) -> dict[int, str]:
    root = ET.fromstring(sheet_xml)
    texts = {}
    for cell in root.iterfind("m:sheetData/m:row/m:c", NS):
        r, c = split_ref(cell.get("r", ""))
        if r == row:
            texts[c] = unescape_text("".join(t.text or "" for t in cell.iter(f"{{{NS_MAIN}}}t")))
    return texts


def table_header_mismatches(path: Path) -> list[str]:
    """Every table whose column names (after XML parsing) differ from its header cells."""
    wrong = []
    with zipfile.ZipFile(path) as archive:
        for part in [n for n in archive.namelist() if n.startswith("xl/tables/") and n.endswith(".xml")]:
            table = ET.fromstring(archive.read(part))
            first_row, first_col, _, _ = parse_range(table.get("ref", ""))
            names = [unescape_text(c.get("name", "")) for c in table.iter(f"{{{NS_MAIN}}}tableColumn")]
            cells = _cell_texts(archive.read(_sheet_of_table(archive, part)), first_row)
            shown = [cells.get(first_col + i, "") for i in range(len(names))]
            if names != shown:
                wrong.append(f"{table.get('name')}: {names} != {shown}")
    return wrong


def zip64_local_headers(path: Path) -> list[str]:
    """Members whose local header carries a ZIP64 extra field."""
    found = []
    data = path.read_bytes()
    with zipfile.ZipFile(path) as archive:
        for info in archive.infolist():
            name_len, extra_len = struct.unpack("<HH", data[info.header_offset + 26 : info.header_offset + 30])
            extra = data[info.header_offset + 30 + name_len : info.header_offset + 30 + name_len + extra_len]
            i = 0
            while i + 4 <= len(extra):
                kind, size = struct.unpack("<HH", extra[i : i + 4])
                if kind == 0x0001:
                    found.append(info.filename)
                i += 4 + size
    return found


def test_headers_with_a_line_break_or_outer_space_equal_their_column_names(tmp_path: Path) -> None:
    m = Master.empty()
    m.customers = pd.DataFrame({"customer_id": ["C001"], "name": ["广州华强"]})
    path = save_master(m, tmp_path / "m.xlsx", backup=False)
    loaded = load_master(path)
    loaded.customers["备注\n第二行"] = ["换行"]
    loaded.customers["说明 "] = ["尾随空格"]
    loaded.customers["制表\t符"] = ["tab"]
    save_master(loaded, path, tables=["Customers"])
    assert table_header_mismatches(path) == []
    assert zip64_local_headers(path) == []
    again = load_master(path)
    assert [c for c in again.customers.columns if c in ("备注\n第二行", "说明 ", "制表\t符")] == [
        "备注\n第二行",
        "说明 ",
        "制表\t符",
    ]
    save_master(again, path, tables=["Customers"])  # read back and saved again: no duplicated column
    assert list(load_master(path).customers.columns) == list(again.customers.columns)


def test_an_excel_escaped_column_name_is_read_as_its_text(tmp_path: Path) -> None:
    # Excel writes Alt+Enter in a table header as _x000a_ in tableColumn/@name (lower case hex).
    m = Master.empty()
    m.customers = pd.DataFrame({"customer_id": ["C001"], "name": ["广州华强"], "备注\n二": ["x"]})
    path = save_master(m, tmp_path / "m.xlsx", backup=False)
    with zipfile.ZipFile(path) as archive:
        parts = {n: archive.read(n) for n in archive.namelist()}
    table = next(n for n, b in parts.items() if n.startswith("xl/tables/") and b"Customers" in b)
    assert b"_x000A_" in parts[table]
    parts[table] = parts[table].replace(b"_x000A_", b"_x000a_")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in parts.items():
            archive.writestr(name, content)
    loaded = load_master(path)
    assert list(loaded.customers.columns).count("备注\n二") == 1
    save_master(loaded, path, tables=["Customers"])
    assert list(load_master(path).customers.columns).count("备注\n二") == 1
    assert table_header_mismatches(path) == []


def test_demo_master_keeps_excels_table_rules(tmp_path: Path) -> None:
    from keyacct_xl.demo.company import generate_demo

    path = save_master(generate_demo(seed=3, customers=30, lang="zh"), tmp_path / "demo.xlsx", backup=False)
    master = load_master(path)
    save_master(master, path, tables=["Visits", "Customers"])
    assert table_header_mismatches(path) == []
    assert zip64_local_headers(path) == []
