"""The demo's master and its main outputs validate, part by part, against the ISO/IEC 29500 transitional schemas.

Each XML part goes against the schema of its root element's namespace: SpreadsheetML parts (workbook, worksheets,
styles, shared strings, tables) against ``sml.xsd``, drawings, charts and the theme against DrawingML, content types,
relationships and core properties against the Open Packaging Conventions schemas, ``docProps/app.xml`` against the
extended-properties schema. The schemas come from ``../shared/schemas/ooxml/`` (see its README).
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from collections.abc import Iterator
from pathlib import Path
from xml.etree import ElementTree as ET

import openpyxl
import pandas as pd
import pytest
import xmlschema
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.table import TableColumn

from keyacct_xl.cli.main import main
from keyacct_xl.master.model import Master
from keyacct_xl.master.reader import load_master
from keyacct_xl.master.writer import save_master

SML = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"
DC = {  # opc-coreProperties.xsd imports Dublin Core by URL; these files are the same schemas, kept locally
    "http://purl.org/dc/elements/1.1/": "dc.xsd",
    "http://purl.org/dc/terms/": "dcterms.xsd",
    "http://purl.org/dc/dcmitype/": "dcmitype.xsd",
    "http://www.w3.org/XML/1998/namespace": "xml.xsd",
}
SCHEMA_OF_NAMESPACE = {  # a part's root namespace → its schema file under ooxml/
    SML: "ISO-IEC29500-4_2016/sml.xsd",
    "http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing": (
        "ISO-IEC29500-4_2016/dml-spreadsheetDrawing.xsd"
    ),
    "http://schemas.openxmlformats.org/drawingml/2006/chart": "ISO-IEC29500-4_2016/dml-chart.xsd",
    "http://schemas.openxmlformats.org/drawingml/2006/main": "ISO-IEC29500-4_2016/dml-main.xsd",
    "http://schemas.openxmlformats.org/officeDocument/2006/extended-properties": (
        "ISO-IEC29500-4_2016/shared-documentPropertiesExtended.xsd"
    ),
    "http://schemas.openxmlformats.org/package/2006/content-types": "ecma/fouth-edition/opc-contentTypes.xsd",
    "http://schemas.openxmlformats.org/package/2006/relationships": "ecma/fouth-edition/opc-relationships.xsd",
    "http://schemas.openxmlformats.org/package/2006/metadata/core-properties": (
        "ecma/fouth-edition/opc-coreProperties.xsd"
    ),
}
# The demo's outputs a person opens, as globs under the demo folder (first match): the master after consolidation
# (so the part writer's rewrite is covered), the reviews and analyses, the ageing workbooks, the consolidation report,
# the reconciliation, one customer statement and one pre-filled form.
DEMO_WORKBOOKS = [
    "master.xlsx",
    "review-*.xlsx",
    "analysis-*.xlsx",
    "rfm-*.xlsx",
    "receivables/ageing.xlsx",
    "reports/ageing_*.xlsx",
    "reports/rfm_*.xlsx",
    "master-*.xlsx",
    "receivables/reconcile_*.xlsx",
    "receivables/statements/*.xlsx",
    "forms/*/customer_card_*.xlsx",
    "performance/complaints_*.xlsx",
    "performance/submissions_*.xlsx",
]


@pytest.fixture(scope="session")
def ooxml_schemas(shared_schemas: Path) -> dict[str, xmlschema.XMLSchema]:
    """Each schema loaded once per session (all of them take about 4-7 s; see docs/development.md)."""
    root = shared_schemas / "ooxml"
    missing = [name for name in SCHEMA_OF_NAMESPACE.values() if not (root / name).is_file()]
    if missing:
        pytest.fail(f"{root} lacks {missing}")
    locations = [(namespace, str(root / "dc" / name)) for namespace, name in DC.items()]
    # allow="local": a schema location on the web is never fetched; the Dublin Core ones are mapped above
    return {
        namespace: xmlschema.XMLSchema(str(root / name), locations=locations, allow="local")
        for namespace, name in SCHEMA_OF_NAMESPACE.items()
    }


def _namespace(element: ET.Element) -> str:
    return element.tag[1:].partition("}")[0] if element.tag.startswith("{") else ""


def drop_ignorable(root: ET.Element, prefixes: dict[str, str]) -> None:
    """Markup Compatibility: remove the elements and attributes of the namespaces ``mc:Ignorable`` names."""
    ignorable = root.attrib.pop(f"{{{MC}}}Ignorable", "").split()
    namespaces = {prefixes[prefix] for prefix in ignorable if prefix in prefixes}
    if not namespaces:
        return
    for element in root.iter():
        for child in [child for child in element if _namespace(child) in namespaces]:
            element.remove(child)
        for name in [
            name for name in element.attrib if name.startswith("{") and name[1:].partition("}")[0] in namespaces
        ]:
            del element.attrib[name]


UNCONSTRAINED = frozenset(("r", "spans"))  # cell references and row spans: plain strings to the schema (ST_CellRef)


def _shape(element: ET.Element) -> tuple:
    # Text is left out too (ST_Xstring); this runs on a million elements, hence the terse form.
    attributes = element.attrib
    return (
        element.tag,
        tuple([item for item in attributes.items() if item[0] not in UNCONSTRAINED]) if attributes else (),
        tuple(map(_shape, element)) if len(element) else (),
    )


def drop_repeated_rows(root: ET.Element) -> None:
    """Keep one row of each shape in a worksheet's sheetData, so a sheet of 100,000 lines validates in seconds.

    Rows that differ only in text and cell references are the same to the schema; the master's sales sheet alone
    would take about 80 s in full.
    """
    for sheet_data in root.iter(f"{{{SML}}}sheetData"):
        seen: set[tuple] = set()
        for row in list(sheet_data):
            shape = _shape(row)
            if shape in seen:
                sheet_data.remove(row)
            seen.add(shape)


def _root_prefixes(data: bytes) -> dict[str, str]:
    # the namespace declarations up to the root element's start, which is where writers put them
    prefixes = {}
    for event, value in ET.iterparse(io.BytesIO(data), events=("start-ns", "start")):
        if event == "start":
            return prefixes
        prefixes[value[0]] = value[1]
    return prefixes


def part_errors(data: bytes, schemas: dict[str, xmlschema.XMLSchema]) -> Iterator[str]:
    """The schema errors of one XML part, each on one line; a part whose namespace has no schema is an error."""
    prefixes = _root_prefixes(data)
    root = ET.fromstring(data)
    namespace = _namespace(root)
    if namespace not in schemas:
        yield f"no schema for the root element {root.tag}"
        return
    drop_ignorable(root, prefixes)
    drop_repeated_rows(root)
    for error in schemas[namespace].iter_errors(root, namespaces=prefixes):
        yield f"{error.reason} at {error.path}"


def workbook_errors(path: Path, schemas: dict[str, xmlschema.XMLSchema], *, skip: tuple[str, ...] = ()) -> list[str]:
    """Every schema error of every XML part of a package (but ``skip``), prefixed by the part's name."""
    with zipfile.ZipFile(path) as package:
        return [
            f"{name}: {error}"
            for name in package.namelist()
            if name.endswith((".xml", ".rels")) and name not in skip
            for error in part_errors(package.read(name), schemas)
        ]


@pytest.mark.parametrize("pattern", DEMO_WORKBOOKS)
def test_demo_workbook_validates(
    pattern: str, ooxml_schemas: dict[str, xmlschema.XMLSchema], demo_run: tuple[Path, str]
) -> None:
    demo, _ = demo_run
    found = sorted(demo.glob(pattern))
    assert found, f"the demo wrote no {pattern}"
    assert workbook_errors(found[0], ooxml_schemas) == []


def test_the_parts_written_for_times_typed_cells_and_a_customer_list_validate(
    ooxml_schemas: dict[str, xmlschema.XMLSchema], tmp_path: Path
) -> None:
    """Parts the demo does not write: a master whose Customers gained a user's times, durations and date-times and
    cells of another kind than their column's (a phone as a number, a date typed as text), saved again by our part
    writer (its styles.xml gains time formats), and the customer list import's report and the master it wrote."""
    master = Master.empty(lang="zh")
    master.customers = pd.DataFrame({"customer_id": ["C0001", "C0002"], "name": ["甲公司", "乙公司"]})
    path = save_master(master, tmp_path / "master.xlsx", backup=False)
    book = openpyxl.load_workbook(path)
    sheet = book["客户档案"]
    headers = {c.value: c.column for c in sheet[1]}
    sheet.cell(2, headers["电话"], 13812345678)
    sheet.cell(2, headers["首次交易日期"], "2025.3.5")
    extra = {"开门": (dt.time(9, 30), "h:mm"), "工时": (dt.timedelta(hours=36), "[h]:mm")}
    extra["到店"] = (dt.datetime(2026, 11, 3, 14, 30), "yyyy-mm-dd hh:mm")
    table = sheet.tables["Customers"]
    for header, (value, number_format) in extra.items():
        column = sheet.max_column + 1
        sheet.cell(1, column, header)
        sheet.cell(2, column, value).number_format = number_format
        table.tableColumns.append(TableColumn(id=len(table.tableColumns) + 1, name=header))
    table.ref = table.autoFilter.ref = f"A1:{get_column_letter(sheet.max_column)}3"
    book.save(path)
    loaded = load_master(path)
    loaded.customers.loc[1, "city"] = "上海"
    save_master(loaded, tables=["Customers"])
    listed = tmp_path / "客户名单.csv"
    listed.write_text("客户名称,联系电话,区域\n丙贸易有限公司,13900000003,华东\n", encoding="utf-8-sig")
    report = tmp_path / "导入报告.xlsx"
    assert main(["customers", "import", str(listed), "--into", str(path), "--report", str(report)]) == 0
    # docProps/core.xml is openpyxl's (the save above), kept as it was by our part writer: not ours to validate.
    assert workbook_errors(path, ooxml_schemas, skip=("docProps/core.xml",)) == []
    assert workbook_errors(report, ooxml_schemas) == []


SHEET_WITH_EXTENSION = (
    b'<worksheet xmlns="' + SML.encode() + b'" xmlns:mc="' + MC.encode() + b'" '
    b'xmlns:x14ac="http://schemas.microsoft.com/office/spreadsheetml/2009/9/ac" mc:Ignorable="x14ac">'
    b'<sheetData><row r="1" x14ac:dyDescent="0.25"><c r="A1" t="s"><v>0</v></c></row></sheetData></worksheet>'
)


def test_ignorable_namespaces_are_dropped_before_validation(ooxml_schemas: dict[str, xmlschema.XMLSchema]) -> None:
    # Excel writes x14ac:dyDescent on rows; the 2016 schema knows no such attribute, Markup Compatibility drops it
    assert list(part_errors(SHEET_WITH_EXTENSION, ooxml_schemas)) == []
    unmarked = SHEET_WITH_EXTENSION.replace(b' mc:Ignorable="x14ac"', b"")
    assert list(part_errors(unmarked, ooxml_schemas)) != []


def test_a_bad_part_is_reported_with_its_place(ooxml_schemas: dict[str, xmlschema.XMLSchema]) -> None:
    bad = b'<worksheet xmlns="' + SML.encode() + b'"><sheetData><row r="one"/></sheetData></worksheet>'
    errors = list(part_errors(bad, ooxml_schemas))
    assert len(errors) == 1 and "row" in errors[0]
