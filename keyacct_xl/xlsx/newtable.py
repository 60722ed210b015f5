"""Add a worksheet holding one Excel table to an existing package, touching only the parts that list it.

A new table needs a worksheet part, its rels part, a table part, two content-type overrides, a workbook
relationship and a ``<sheet>`` entry in xl/workbook.xml, and prints on A4 with its header row on every page (the
sheet's page setup and a print-titles name in xl/workbook.xml). Every other part keeps its bytes.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from lxml import etree

from keyacct_xl.messages import msg
from keyacct_xl.xlsx.ooxml import (
    NS_CT,
    NS_MAIN,
    NS_PKG_REL,
    NS_REL,
    REL_TABLE,
    escape_attr,
    escape_column_name,
    parse_range,
)
from keyacct_xl.xlsx.printsetup import PageSetup, add_print_titles, page_setup_xml
from keyacct_xl.xlsx.xmlpart import PartError, expect_root, int_attribute, parse_part, serialize_part

REL_WORKSHEET = NS_REL + "/worksheet"
CT_WORKSHEET = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
CT_TABLE = "application/vnd.openxmlformats-officedocument.spreadsheetml.table+xml"
_NUMBERED = re.compile(r"(\d+)\.xml$")
_RELATIONSHIPS = f"{{{NS_PKG_REL}}}Relationships"
_RELATIONSHIP = f"{{{NS_PKG_REL}}}Relationship"
_TYPES = f"{{{NS_CT}}}Types"
_OVERRIDE = f"{{{NS_CT}}}Override"
_SHEETS = f"{{{NS_MAIN}}}sheets"
_SHEET = f"{{{NS_MAIN}}}sheet"
_REL_ID = re.compile(r"rId(\d+)$")


@dataclass(frozen=True)
class NewTable:
    """The parts of a table to add: its sheet and table part names and the changed package-level parts."""

    sheet_part: str
    table_part: str
    parts: dict[str, bytes]


def _next_number(names: Sequence[str], folder: str) -> int:
    numbers = [int(m[1]) for n in names if n.startswith(folder) and (m := _NUMBERED.search(n))]
    return max(numbers, default=0) + 1


def _next_table_id(names: Sequence[str], current: Callable[[str], bytes]) -> int:
    ids = [0]
    for name in names:
        if name.startswith("xl/tables/") and name.endswith(".xml"):
            ids.append(int_attribute(parse_part(current(name), name), "id", name))
    return max(ids) + 1


def sheet_xml(widths: Sequence[float], *, frozen_header: bool = True) -> bytes:
    """A worksheet with column widths, an empty sheetData and one table part (rId1)."""
    cols = "".join(f'<col min="{i}" max="{i}" width="{w}" customWidth="1"/>' for i, w in enumerate(widths, 1))
    pane = (
        (
            '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
            '<selection pane="bottomLeft" activeCell="A2" sqref="A2"/>'
        )
        if frozen_header
        else ""
    )
    return (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<worksheet xmlns="{NS_MAIN}" xmlns:r="{NS_REL}"><dimension ref="A1"/>'
        f'<sheetViews><sheetView workbookViewId="0">{pane}</sheetView></sheetViews>'
        f'<sheetFormatPr defaultRowHeight="15"/>'
        + (f"<cols>{cols}</cols>" if cols else "")
        + '<sheetData/><pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>'
        '<tableParts count="1"><tablePart r:id="rId1"/></tableParts></worksheet>'
    ).encode()


def table_xml(table_id: int, name: str, ref: str, headers: Sequence[str], style: str) -> bytes:
    """A table part with an autofilter, one column per header and a banded style."""
    columns = "".join(f'<tableColumn id="{i}" name="{escape_column_name(h)}"/>' for i, h in enumerate(headers, 1))
    return (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<table xmlns="{NS_MAIN}" id="{table_id}" name="{escape_attr(name)}" '
        f'displayName="{escape_attr(name)}" ref="{ref}" totalsRowShown="0"><autoFilter ref="{ref}"/>'
        f'<tableColumns count="{len(headers)}">{columns}</tableColumns>'
        f'<tableStyleInfo name="{escape_attr(style)}" showFirstColumn="0" showLastColumn="0" '
        f'showRowStripes="1" showColumnStripes="0"/></table>'
    ).encode()


def _add_override(content_types: bytes, part: str, content_type: str) -> bytes:
    root = parse_part(content_types, "[Content_Types].xml")
    expect_root(root, _TYPES, "[Content_Types].xml")
    if any(o.get("PartName") == f"/{part}" for o in root.iterchildren(_OVERRIDE)):
        return content_types
    etree.SubElement(root, _OVERRIDE, PartName=f"/{part}", ContentType=content_type)
    return serialize_part(root)


def _add_workbook_rel(rels: bytes, target: str) -> tuple[bytes, str]:
    part = "xl/_rels/workbook.xml.rels"
    root = parse_part(rels, part)
    expect_root(root, _RELATIONSHIPS, part)
    used = {int(m[1]) for r in root.iterchildren(_RELATIONSHIP) if (m := _REL_ID.match(r.get("Id", "")))}
    rel_id = f"rId{max(used, default=0) + 1}"
    etree.SubElement(root, _RELATIONSHIP, Id=rel_id, Type=REL_WORKSHEET, Target=target)
    return serialize_part(root), rel_id


def _add_sheet_entry(workbook: bytes, sheet_name: str, rel_id: str) -> bytes:
    part = "xl/workbook.xml"
    root = parse_part(workbook, part)
    sheets = root.find(_SHEETS)
    if sheets is None:
        raise PartError(part, msg("the workbook has no <sheets> element"))
    sheet_id = max((int_attribute(s, "sheetId", part) for s in sheets.iterchildren(_SHEET)), default=0) + 1
    # The relationships namespace keeps the workbook's own prefix for it; lxml declares "r" where it has none.
    nsmap = None if NS_REL in sheets.nsmap.values() else {"r": NS_REL}
    etree.SubElement(
        sheets, _SHEET, {"name": sheet_name, "sheetId": str(sheet_id), f"{{{NS_REL}}}id": rel_id}, nsmap=nsmap
    )
    return serialize_part(root)


def plan_new_table(
    archive: zipfile.ZipFile,
    pending: Mapping[str, object],
    *,
    sheet_name: str,
    table_name: str,
    ref: str,
    headers: Sequence[str],
    widths: Sequence[float],
    style: str,
    page: PageSetup,
) -> NewTable:
    """Parts to add (and package-level parts to change) for a new sheet with one table, printed as ``page`` says
    with the table's header row on every page.

    ``pending`` holds the parts already planned in this write (bytes, or writers for streamed sheets), so
    several tables can be added in one pass; the returned ``parts`` include updated package-level parts.
    """
    names = [*archive.namelist(), *[n for n in pending if n not in archive.namelist()]]
    sheet_part = f"xl/worksheets/sheet{_next_number(names, 'xl/worksheets/sheet')}.xml"
    table_part = f"xl/tables/table{_next_number(names, 'xl/tables/table')}.xml"

    def current(part: str) -> bytes:
        planned = pending.get(part)
        return planned if isinstance(planned, bytes) else archive.read(part)

    table_id = _next_table_id(names, current)

    content_types = _add_override(current("[Content_Types].xml"), sheet_part, CT_WORKSHEET)
    content_types = _add_override(content_types, table_part, CT_TABLE)
    rels, rel_id = _add_workbook_rel(current("xl/_rels/workbook.xml.rels"), sheet_part.removeprefix("xl/"))
    sheet_rels = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        f'<Relationship Id="rId1" Type="{REL_TABLE}" Target="../tables/{table_part.rsplit("/", 1)[1]}"/>'
        f"</Relationships>"
    ).encode()
    parts = {
        "[Content_Types].xml": content_types,
        "xl/_rels/workbook.xml.rels": rels,
        "xl/workbook.xml": add_print_titles(
            _add_sheet_entry(current("xl/workbook.xml"), sheet_name, rel_id), sheet_name, parse_range(ref)[0]
        ),
        sheet_part: page_setup_xml(sheet_xml(widths), sheet_part, page),
        sheet_part.replace("worksheets/", "worksheets/_rels/") + ".rels": sheet_rels,
        table_part: table_xml(table_id, table_name, ref, headers, style),
    }
    return NewTable(sheet_part, table_part, parts)
