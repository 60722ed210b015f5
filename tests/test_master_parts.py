"""The part writer on masters other programs wrote (tests/data/masters, see its README): a save or a consolidation
changes only the written tables' parts, keeps every other zip member byte for byte, and LibreOffice reopens it.

Declared relaxations, each checked for what it may change: styles.xml may gain number formats and cell formats
appended after the existing ones; xl/calcChain.xml is dropped (Excel rebuilds it), with its content type and
workbook relationship; tables added by a consolidation add their parts and list them in workbook.xml, its rels
and [Content_Types].xml; a written sheet that had no page setup (prefixed.xlsx, from a version before the master's
print setup) gains one, and workbook.xml gains its print titles and nothing else.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import shutil
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
import python_calamine as calamine
import xmlschema
from lxml import etree

from keyacct_xl.consolidate.run import consolidate
from keyacct_xl.consolidate.simulate import blank_form, fill_form
from keyacct_xl.errors import InputError
from keyacct_xl.master.model import Master
from keyacct_xl.master.reader import load_master
from keyacct_xl.master.writer import save_master
from keyacct_xl.xlsx.ooxml import NS_CT, NS_MAIN, NS_PKG_REL
from keyacct_xl.xlsx.package import locate_tables, open_package, read_parsed
from keyacct_xl.xlsx.sheetdata import CellColumn, splice_sheet
from keyacct_xl.xlsx.sheetxml import formula_cells, read_layout

CORPUS = Path(__file__).parent / "data" / "masters"
MASTERS = sorted(p.name for p in CORPUS.glob("*.xlsx"))
NOTE = "重点跟进"  # typed in AZ2 beside the Customers table of every corpus master
NOTE_COLUMN = 51  # AZ, 0-based
CALC_CHAIN = "xl/calcChain.xml"
LISTINGS = {"[Content_Types].xml", "xl/_rels/workbook.xml.rels", "xl/workbook.xml"}


def _parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n) for n in z.namelist()}


def _table_parts(path: Path, tables: list[str]) -> set[str]:
    with open_package(path) as archive:
        located = locate_tables(archive)
    return {part for name in tables for part in (located[name].sheet_part, located[name].table_part)}


def _children(part: bytes, tag: str) -> list[bytes]:
    return [etree.tostring(e, method="c14n") for e in etree.fromstring(part).iter(tag)]


def _check_relaxations(before: dict[str, bytes], after: dict[str, bytes]) -> None:
    """styles.xml only extended; calcChain and only what lists it removed."""
    if before["xl/styles.xml"] != after["xl/styles.xml"]:
        for tag in (f"{{{NS_MAIN}}}xf", f"{{{NS_MAIN}}}numFmt"):
            old, new = _children(before["xl/styles.xml"], tag), _children(after["xl/styles.xml"], tag)
            assert new[: len(old)] == old
    if CALC_CHAIN in before:
        assert CALC_CHAIN not in after
        for part, tag, key, calc in (
            ("[Content_Types].xml", f"{{{NS_CT}}}Override", "PartName", "/xl/calcChain.xml"),
            ("xl/_rels/workbook.xml.rels", f"{{{NS_PKG_REL}}}Relationship", "Target", "calcChain.xml"),
        ):
            old = {e.get(key) for e in etree.fromstring(before[part]).iter(tag)}
            new = {e.get(key) for e in etree.fromstring(after[part]).iter(tag)}
            assert calc in old and calc not in new
            assert old - {calc} <= new  # nothing else dropped (a consolidation may list new tables)


def _without_added_print_titles(before: bytes, after: bytes) -> bytes:
    """``after``'s workbook.xml (canonical) less the print titles it gained over ``before``."""
    old = {etree.tostring(e, method="c14n") for e in etree.fromstring(before).iter(f"{{{NS_MAIN}}}definedName")}
    root = etree.fromstring(after)
    for name in list(root.iter(f"{{{NS_MAIN}}}definedName")):
        if name.get("name") == "_xlnm.Print_Titles" and etree.tostring(name, method="c14n") not in old:
            name.getparent().remove(name)
    names = root.find(f"{{{NS_MAIN}}}definedNames")
    if names is not None and not len(names) and etree.fromstring(before).find(names.tag) is None:
        root.remove(names)
    return etree.tostring(root, method="c14n")


def _untouched_check(
    before: dict[str, bytes], after: dict[str, bytes], written: set[str], listings: set[str] = frozenset()
) -> None:
    dropped = {CALC_CHAIN} & set(before)
    assert set(before) - set(after) == dropped
    allowed = (
        written
        | {"xl/styles.xml"}
        | listings
        | ({"[Content_Types].xml", "xl/_rels/workbook.xml.rels"} if dropped else set())
    )
    changed = {n for n in before if n not in dropped and before[n] != after[n]}
    if "xl/workbook.xml" in changed - allowed:  # print titles of a written sheet that had no page setup
        workbook = before["xl/workbook.xml"], after["xl/workbook.xml"]
        assert _without_added_print_titles(*workbook) == etree.tostring(etree.fromstring(workbook[0]), method="c14n")
        changed.discard("xl/workbook.xml")
    assert changed <= allowed, changed - allowed
    _check_relaxations(before, after)


def _assert_rows_in_order(sheet: bytes) -> None:
    """Every row and cell is in the main namespace; row numbers, explicit or implicit (a row without r= follows
    the previous one), strictly ascend."""
    root = etree.fromstring(sheet)
    assert {etree.QName(e).namespace for e in root.iter() if etree.QName(e).localname in ("row", "c")} == {NS_MAIN}
    numbers: list[int] = []
    for row in root.iter(f"{{{NS_MAIN}}}row"):
        numbers.append(int(row.get("r") or (numbers[-1] if numbers else 0) + 1))
    assert numbers == sorted(set(numbers)), numbers


def _comments(path: Path) -> dict[str, str]:
    """Cell comments as openpyxl reads them: a reader independent of ours."""
    book = openpyxl.load_workbook(path)
    return {
        f"{ws.title}!{c.coordinate}": c.comment.text for ws in book for row in ws.iter_rows() for c in row if c.comment
    }


def _cell(path: Path, sheet: str, row: int, col: int) -> object:
    values = calamine.CalamineWorkbook.from_path(str(path)).get_sheet_by_name(sheet).to_python()
    return values[row][col] if row < len(values) and col < len(values[row]) else None


@pytest.fixture(scope="module")
def saved(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[dict[str, bytes], Path]]:
    """Each corpus master with a customer added by save_master: its parts before, and the saved file."""
    out = tmp_path_factory.mktemp("saved")
    result = {}
    for name in MASTERS:
        path = shutil.copy(CORPUS / name, out / name)
        master = load_master(path)
        added = pd.DataFrame({"customer_id": ["C004"], "name": ["中山新客户"], "city": ["中山"]})
        master.customers = pd.concat([master.customers, added], ignore_index=True)
        before = _parts(path)
        save_master(master, path, tables=["Customers"], backup=False)
        result[name] = (before, path)
    return result


@pytest.mark.parametrize("name", MASTERS)
def test_a_customer_added_to_a_master_another_program_wrote(saved: dict, name: str) -> None:
    before, path = saved[name]
    _untouched_check(before, _parts(path), _table_parts(path, ["Customers"]))
    master = load_master(path)
    assert master.customers["customer_id"].tolist() == ["C001", "C002", "C003", "C004"]
    assert master.customers["city"].tolist() == ["广州", None, "东莞", "中山"]
    assert master.visits["customer_id"].tolist() == ["C001", "C003"]
    assert _cell(path, "客户档案", 1, NOTE_COLUMN) == NOTE
    assert _comments(path) == _comments(CORPUS / name)  # rich.xlsx's comment on the rewritten sheet's A1


@pytest.mark.parametrize("name", MASTERS)
def test_the_saved_sheet_keeps_the_masters_namespace_prefix(saved: dict, name: str) -> None:
    before, path = saved[name]
    [sheet] = [p for p in _table_parts(path, ["Customers"]) if "worksheets" in p]
    old_root, new_root = etree.fromstring(before[sheet]), etree.fromstring(_parts(path)[sheet])
    assert (new_root.tag, new_root.prefix) == (old_root.tag, old_root.prefix)
    rows = list(new_root.iter(f"{{{NS_MAIN}}}row"))
    assert [r.get("r") for r in rows] == ["1", "2", "3", "4", "5"]
    assert len(rows) == len([e for e in new_root.iter() if etree.QName(e).localname == "row"])


@pytest.mark.parametrize("name", MASTERS)
def test_the_saved_sheet_keeps_its_page_setup_or_gains_the_masters(saved: dict, name: str) -> None:
    # LibreOffice's copies have a page setup of their own, which stays; prefixed.xlsx's sheets had none.
    before, path = saved[name]
    [sheet] = [p for p in _table_parts(path, ["Customers"]) if "worksheets" in p]
    old, new = (etree.fromstring(part).find(f"{{{NS_MAIN}}}pageSetup") for part in (before[sheet], _parts(path)[sheet]))
    customers = openpyxl.load_workbook(path)["客户档案"]
    if old is not None:
        assert etree.tostring(new, method="c14n") == etree.tostring(old, method="c14n")
        assert customers.print_title_rows is None
    else:
        assert (customers.page_setup.paperSize, customers.page_setup.orientation) == (9, "landscape")
        assert customers.print_title_rows == "$1:$1" and customers.oddFooter.center.text == "第 &P 页，共 &N 页"


def test_libreoffice_reopens_every_saved_master(saved: dict, libreoffice) -> None:
    paths = [path for _, path in saved.values()]
    for csv in libreoffice(paths, "csv:Text - txt - csv (StarCalc):44,34,76"):  # 76: UTF-8
        lines = csv.read_text(encoding="utf-8").splitlines()
        assert lines[4].startswith("C004,中山新客户"), (csv.name, lines[4])
        assert lines[1].endswith(f",,{NOTE}"), (csv.name, lines[1])


def _visit_form() -> bytes:
    rows = [
        {"date": dt.datetime(2026, 11, 23), "customer_id": "C001", "method": "面谈", "content": "谈年度返利"},
        {"date": "2026/11/24", "customer_id": "C002", "method": "电话", "content": "催收货款"},
    ]
    return fill_form(blank_form("visit_record"), header={"rep": "张三", "period": "2026-W48"}, rows={"visits": rows})


@pytest.fixture(scope="module")
def consolidated(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[dict[str, bytes], Path, object]]:
    """A filled visit form consolidated into each corpus master: its parts before, the master, the run's result."""
    out = tmp_path_factory.mktemp("consolidated")
    inbox = out / "inbox"
    inbox.mkdir()
    (inbox / "张三 第48周.xlsx").write_bytes(_visit_form())
    result = {}
    for name in MASTERS:
        path = shutil.copy(CORPUS / name, out / name)
        before = _parts(path)
        result[name] = (before, path, consolidate(inbox, path, now="2026-11-28 18:00:00"))  # the week's Saturday
    return result


@pytest.mark.parametrize("name", MASTERS)
def test_consolidation_into_a_master_another_program_wrote(consolidated: dict, name: str) -> None:
    before, path, result = consolidated[name]
    assert [o.rows_added for o in result.outcomes] == [2]
    after = _parts(path)
    added = set(after) - set(before)
    written = _table_parts(path, list(result.written))
    _untouched_check(before, after, written | added, LISTINGS)
    for part in written:
        if "worksheets" in part:
            _assert_rows_in_order(after[part])
    visits = load_master(path).visits
    assert visits["customer_id"].tolist() == ["C001", "C003", "C001", "C002"]
    assert visits["content"].tolist()[-2:] == ["谈年度返利", "催收货款"]
    assert _cell(path, "客户档案", 1, NOTE_COLUMN) == NOTE
    assert _comments(path) == _comments(CORPUS / name)


def test_libreoffice_reopens_every_consolidated_master(consolidated: dict, tmp_path: Path, libreoffice) -> None:
    # LibreOffice opens each result and saves it again; its copy still holds the consolidated visits.
    paths = [path for _, path, _ in consolidated.values()]
    for reopened in libreoffice(paths, "xlsx:Calc MS Excel 2007 XML", tmp_path / "lo"):
        assert load_master(reopened).visits["customer_id"].tolist() == ["C001", "C003", "C001", "C002"]


def _schemas(folder: Path) -> dict[str, xmlschema.XMLSchema]:
    ooxml = folder / "ooxml"
    return {
        NS_MAIN: xmlschema.XMLSchema(str(ooxml / "ISO-IEC29500-4_2016" / "sml.xsd")),
        NS_CT: xmlschema.XMLSchema(str(ooxml / "ecma" / "fouth-edition" / "opc-contentTypes.xsd")),
        NS_PKG_REL: xmlschema.XMLSchema(str(ooxml / "ecma" / "fouth-edition" / "opc-relationships.xsd")),
    }


def test_every_part_the_writer_changed_is_valid_against_the_schemas(
    saved: dict, consolidated: dict, shared_schemas: Path
) -> None:
    schemas = _schemas(shared_schemas)
    checked = 0
    for before, path, *_ in [*saved.values(), *consolidated.values()]:
        for name, data in _parts(path).items():
            if name.endswith((".xml", ".rels")) and before.get(name) != data:
                namespace = etree.QName(etree.fromstring(data)).namespace
                assert namespace in schemas, (path.name, name)
                errors = [str(e).splitlines()[0] for e in schemas[namespace].iter_errors(data.decode("utf-8"))]
                assert not errors, (path.name, name, errors[:3])
                checked += 1
    assert checked >= 8 * len(MASTERS)  # sheets, table parts, styles, workbook.xml, its rels, content types


PREFIXED_SHEET = (
    "<?xml version='1.0' encoding='UTF-8'?>"
    f"<x:worksheet xmlns:x='{NS_MAIN}' xmlns:r='http://schemas.openxmlformats.org/officeDocument/2006/relationships'>"
    "<x:dimension ref='A1:E5'/><x:sheetData>"
    "<x:row><x:c t='inlineStr'><x:is><x:t>title</x:t></x:is></x:c></x:row>"  # row 1, cell A1: no r= anywhere
    "<x:row r='3'><x:c t='inlineStr'><x:is><x:t>id</x:t></x:is></x:c><x:c t='s'><x:v>0</x:v></x:c></x:row>"
    "<x:row><x:c><x:v>1</x:v></x:c><x:c/><x:c r='E4' t='s'><x:v>1</x:v></x:c></x:row>"  # row 4, note in E4
    "<x:row><x:c><x:v>2</x:v></x:c><x:c><x:v>3</x:v></x:c><x:c t='inlineStr'><x:is><x:t>C5</x:t></x:is></x:c>"
    "</x:row></x:sheetData><x:tableParts count='1'><x:tablePart r:id='rId1'/></x:tableParts></x:worksheet>"
).encode()


def test_formula_cells_are_found_in_a_prefixed_sheet_with_implicit_rows_and_cells() -> None:
    sheet = PREFIXED_SHEET.replace(b"<x:c><x:v>2</x:v></x:c>", b"<x:c><x:f>1+1</x:f><x:v>2</x:v></x:c>").replace(
        b"<x:c r='E4' t='s'>", b"<x:c r='E4' t='s'><x:f t='shared' si='0'/>"
    )
    assert formula_cells(sheet, "xl/worksheets/sheet1.xml") == {(4, 0), (3, 4)}  # A5 and E4
    assert formula_cells(PREFIXED_SHEET, "xl/worksheets/sheet1.xml") == frozenset()


@pytest.mark.parametrize(
    "sheet",
    [
        PREFIXED_SHEET,
        # A comment that looks like the rows' start tag: the rows cannot be cut out of the bytes, so the whole part is
        # streamed instead, with the same result.
        PREFIXED_SHEET.replace(b"<x:dimension", b"<!-- <x:sheetData> --><x:dimension"),
    ],
    ids=["rows cut out", "whole part streamed"],
)
def test_splice_reads_implicit_rows_and_cells_in_a_prefixed_sheet(sheet: bytes) -> None:
    # The table sat in A3:B5; C5 and E4 are the user's cells beside it, row 1 a title above it.
    layout = read_layout(sheet, "xl/worksheets/sheet1.xml", (3, 1, 5, 2))
    assert (layout.body is None) == (b"<!--" in sheet)
    out = io.BytesIO()
    columns = [
        CellColumn("id", pd.Series(["a", "b"], dtype=object), "text", 0),
        CellColumn("n", pd.Series([7.0, 8.0]), "number", 0),
    ]
    assert splice_sheet(layout, out, columns, 3, 1) == 5
    root = etree.fromstring(out.getvalue())
    assert root.prefix == "x" and root.find(f"{{{NS_MAIN}}}tableParts") is not None
    title, *rows = root.iter(f"{{{NS_MAIN}}}row")
    assert (title.get("r"), "".join(title.itertext())) == ("1", "title")  # kept as it was, now numbered
    cells = {c.get("r"): "".join(c.itertext()) for row in rows for c in row}
    assert cells == {"A3": "id", "B3": "n", "A4": "a", "B4": "7", "E4": "1", "A5": "b", "B5": "8", "C5": "C5"}
    assert root.find(f"{{{NS_MAIN}}}dimension").get("ref") == "A1:E5"


def _past_the_table(sheet: bytes) -> bytes:
    """The sheet with its used range reaching past the Customers table (whatever its width), so every row is read."""
    return re.sub(rb'<dimension ref="A1:[A-Z]+[0-9]+"/>', b'<dimension ref="A1:AZ9"/>', sheet)


def _broken_copy(tmp_path: Path, part: str, edit) -> Path:
    master = Master.empty()
    master.customers = pd.DataFrame({"customer_id": ["C001", "C002"], "name": ["甲", "乙"]})
    path = save_master(master, tmp_path / "master.xlsx", backup=False)
    parts = _parts(path)
    parts[part] = edit(parts[part])
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)
    return path


@pytest.mark.parametrize(
    ("part", "edit", "en", "zh"),
    [
        (
            "xl/worksheets/sheet1.xml",
            lambda b: b.replace(b"</sheetData>", b""),
            "not well-formed XML",
            "格式正确的 XML",
        ),
        # Rows the writer must read (the used range reaches past the table, so every row is read): out of order, and
        # a cell that names another row.
        (
            "xl/worksheets/sheet1.xml",
            lambda b: _past_the_table(re.sub(rb'r="([A-Z]*)2"', rb'r="\g<1>9"', b)),
            "row 3 comes after row 9",
            "第 3 行位于第 9 行之后",
        ),
        (
            "xl/worksheets/sheet1.xml",
            lambda b: _past_the_table(b.replace(b'<row r="2"', b'<row r="9"', 1)),
            "row 9 holds a cell 'A2'",
            "第 9 行包含单元格 'A2'",
        ),
        (
            "xl/tables/table1.xml",
            lambda b: b.replace(b"<tableColumns", b"<tableColumnz").replace(b"</tableColumns>", b"</tableColumnz>"),
            "no <tableColumns>",
            "缺少 <tableColumns>",
        ),
        (
            "xl/styles.xml",
            lambda b: b.replace(b"spreadsheetml/2006/main", b"spreadsheetml/2006/mainx", 1),
            "root element",
            "根元素",
        ),
    ],
)
def test_a_part_that_cannot_be_edited_is_a_user_error_naming_file_and_part(
    tmp_path: Path, part: str, edit, en: str, zh: str
) -> None:
    path = _broken_copy(tmp_path, part, edit)
    master = Master.empty()
    master.customers = pd.DataFrame({"customer_id": ["C001", "C002"], "name": ["甲", "乙"]})
    with pytest.raises(InputError) as caught:
        save_master(master, path, tables=["Customers"], backup=False)
    assert f"{path}: cannot edit the part {part} of the workbook" in caught.value.message("en")
    assert en in caught.value.message("en")
    assert caught.value.message("zh").startswith(f"{path}：无法处理工作簿的组成部分 {part}：")
    assert zh in caught.value.message("zh")


def test_a_damaged_part_that_is_only_copied_is_a_user_error_naming_it(tmp_path: Path) -> None:
    master = Master.empty()
    path = save_master(master, tmp_path / "master.xlsx", backup=False)
    with zipfile.ZipFile(path) as z:
        offset = z.getinfo("docProps/app.xml").header_offset
    data = bytearray(path.read_bytes())
    data[offset : offset + 4] = b"XXXX"  # the member's local header no longer starts with its signature
    path.write_bytes(bytes(data))
    with pytest.raises(InputError) as caught:
        save_master(master, path, tables=["Customers"], backup=False)
    assert caught.value.message("en").startswith(
        f"{path}: cannot edit the part docProps/app.xml of the workbook: it cannot be copied, the file is damaged"
    )
    assert "无法复制，文件已损坏" in caught.value.message("zh")


def _table_name(root: etree._Element, part: str) -> tuple[str, str]:
    return part, root.get("name", "")


def test_a_structure_part_is_read_once_per_content_and_a_damaged_one_every_time(tmp_path: Path) -> None:
    # The copies of a form share their table parts byte for byte: the second copy's reading is the first's value;
    # a part with other bytes is read again, and a damaged one is refused each time, naming its own file.
    part = "xl/tables/table1.xml"

    def package(name: str, xml: bytes) -> zipfile.ZipFile:
        with zipfile.ZipFile(tmp_path / name, "w") as archive:
            archive.writestr(part, xml)
        return zipfile.ZipFile(tmp_path / name)

    table = b'<table xmlns="%s" id="1" name="%s" ref="A1:B2"/>'
    with (
        package("a.xlsx", table % (NS_MAIN.encode(), b"t_visits")) as a,
        package("b.xlsx", table % (NS_MAIN.encode(), b"t_visits")) as b,
        package("c.xlsx", table % (NS_MAIN.encode(), b"t_lines")) as c,
    ):
        first = read_parsed(a, part, _table_name)
        assert first == (part, "t_visits") and read_parsed(b, part, _table_name) is first
        assert read_parsed(c, part, _table_name) == (part, "t_lines")
    # A large part (a hostile file's, padded) is read but not remembered: a worker that reads many such files
    # must not keep their bytes and run out of memory on an innocent file after them.
    padded = table % (NS_MAIN.encode(), b"t_big") + b"<!--" + b"x" * 300_000 + b"-->"
    with package("f.xlsx", padded) as f, package("g.xlsx", padded) as g:
        big = read_parsed(f, part, _table_name)
        assert big == (part, "t_big") and read_parsed(g, part, _table_name) is not big
    for name in ("d.xlsx", "e.xlsx"):
        with package(name, b"<table") as damaged, pytest.raises(InputError, match=re.escape(name) + ".*table1.xml"):
            read_parsed(damaged, part, _table_name)
