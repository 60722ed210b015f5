"""Update an Excel table part (xl/tables/tableN.xml) to a new range and header list."""

from __future__ import annotations

import re
from collections.abc import Sequence
from xml.etree import ElementTree as ET

from keyacct_xl.xlsx.ooxml import NS_MAIN, escape_column_name, unescape_text

_TABLE_COLUMNS = re.compile(rb"<tableColumns\b.*?</tableColumns>", re.DOTALL)


def table_headers(table_xml: bytes) -> list[str]:
    """The column names a table part declares, in order."""
    root = ET.fromstring(table_xml)
    return [unescape_text(c.get("name", "")) for c in root.iter(f"{{{NS_MAIN}}}tableColumn")]


def update_table(table_xml: bytes, ref: str, headers: Sequence[str]) -> bytes:
    """Set the table's and its filter's range; rebuild the column list only if the headers changed."""
    text = re.sub(rb'(<table\b[^>]*?\bref=")[^"]*(")', rb"\g<1>" + ref.encode() + rb"\g<2>", table_xml, count=1)
    text = re.sub(rb'(<autoFilter\b[^>]*?\bref=")[^"]*(")', rb"\g<1>" + ref.encode() + rb"\g<2>", text, count=1)
    if table_headers(table_xml) == list(headers):
        return text
    columns = "".join(f'<tableColumn id="{i}" name="{escape_column_name(h)}"/>' for i, h in enumerate(headers, 1))
    replacement = f'<tableColumns count="{len(headers)}">{columns}</tableColumns>'.encode()
    return _TABLE_COLUMNS.sub(lambda _: replacement, text, count=1)
