"""Read and update an Excel table part (xl/tables/tableN.xml): its range, header list and calculated columns."""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from lxml import etree

from keyacct_xl.messages import msg
from keyacct_xl.xlsx.ooxml import NS_MAIN, column_name, unescape_text
from keyacct_xl.xlsx.xmlpart import PartError, expect_root, int_attribute, parse_part, serialize_part

TABLE = f"{{{NS_MAIN}}}table"
_AUTO_FILTER = f"{{{NS_MAIN}}}autoFilter"
_TABLE_COLUMNS = f"{{{NS_MAIN}}}tableColumns"
_TABLE_COLUMN = f"{{{NS_MAIN}}}tableColumn"
_CALCULATED = f"{{{NS_MAIN}}}calculatedColumnFormula"


class ColumnFormula(NamedTuple):
    """A calculated column's formula as the table part holds it (``calculatedColumnFormula``): Excel fills it into
    each row it adds to the table; its A1 references are those of the table's first data row."""

    text: str
    array: bool


def table_headers(table_xml: bytes, part: str = "table part") -> list[str]:
    """The column names a table part declares, in order."""
    root = parse_part(table_xml, part)
    return [unescape_text(c.get("name", "")) for c in root.iter(_TABLE_COLUMN)]


def column_formulas(table_xml: bytes, part: str = "table part") -> dict[str, ColumnFormula]:
    """The calculated columns' formulas of a table part, by column name."""
    root = parse_part(table_xml, part)
    found = {}
    for column in root.iter(_TABLE_COLUMN):
        formula = column.find(_CALCULATED)
        if formula is not None and (formula.text or "").strip():
            array = formula.get("array") in ("1", "true")
            found[unescape_text(column.get("name", ""))] = ColumnFormula(formula.text.strip(), array)
    return found


def update_table(table_xml: bytes, ref: str, headers: Sequence[str], part: str = "table part") -> bytes:
    """Set the table's and its filter's range; rebuild the column list only if the headers changed.

    A column whose name is kept keeps its element (id, formulas, formats); a new one gets the next free id.
    """
    root = parse_part(table_xml, part)
    expect_root(root, TABLE, part)
    root.set("ref", ref)
    auto_filter = root.find(_AUTO_FILTER)
    if auto_filter is not None:
        auto_filter.set("ref", ref)
    columns = root.find(_TABLE_COLUMNS)
    if columns is None:
        raise PartError(part, msg("the table has no <tableColumns> element"))
    old = list(columns.iterchildren(_TABLE_COLUMN))
    if [unescape_text(c.get("name", "")) for c in old] != list(headers):
        _set_columns(columns, old, headers, part)
    return serialize_part(root)


def _set_columns(columns: etree._Element, old: list[etree._Element], headers: Sequence[str], part: str) -> None:
    by_name = {unescape_text(c.get("name", "")): c for c in old}
    next_id = max((int_attribute(c, "id", part) for c in old), default=0) + 1
    for element in old:
        columns.remove(element)
    for header in headers:
        element = by_name.pop(header, None)
        if element is None:
            element = etree.Element(_TABLE_COLUMN, id=str(next_id))
            element.set("name", column_name(header))
            next_id += 1
        columns.append(element)
    columns.set("count", str(len(headers)))
