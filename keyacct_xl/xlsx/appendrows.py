"""Append rows to a table that ends a sheet, keeping every existing row's XML as it is.

Consolidation mostly adds rows. Re-rendering a 100,000-row Visits sheet for a few hundred new lines costs
seconds; appending writes only the new rows, and the user's formatting of existing cells is untouched.
The append is planned only when it is exact: the table's body holds exactly the rows already in the frame,
its headers are the ones being written, and nothing in the sheet lies below it.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from typing import IO

from keyacct_xl.xlsx.ooxml import parse_range, range_ref
from keyacct_xl.xlsx.sheetdata import CellColumn, write_rows

_ROW_NUMBER = re.compile(rb'<row\b[^>]*?\br="(\d+)"')
_DIMENSION = re.compile(rb'<dimension\b[^>]*?\bref="([^"]*)"[^>]*/>')


def last_row_number(sheet_xml: bytes) -> int:
    """The number of the last ``<row>`` in the sheet data (0 when there is none)."""
    end = sheet_xml.rfind(b"</sheetData>")
    start = sheet_xml.rfind(b"<row ", 0, end if end >= 0 else len(sheet_xml))
    if start < 0:
        return 0
    m = _ROW_NUMBER.match(sheet_xml, start)
    return int(m[1]) if m else 0


def can_append(sheet_xml: bytes, table_ref: str, kept_rows: int, table_headers: Sequence[str],
               headers: Sequence[str]) -> bool:
    """Whether new rows can go right below the table's last row without touching anything else."""
    header_row, _, last_row, _ = parse_range(table_ref)
    return (kept_rows > 0 and last_row - header_row == kept_rows and list(table_headers) == list(headers)
            and last_row_number(sheet_xml) == last_row and b"</sheetData>" in sheet_xml)


def append_rows(sheet_xml: bytes, out: IO[bytes], columns: Sequence[CellColumn], table_ref: str) -> str:
    """Write ``sheet_xml`` with ``columns``' rows added below the table; return the table's new range."""
    header_row, first_col, last_row, last_col = parse_range(table_ref)
    count = len(columns[0].values) if columns else 0
    rendered = io.BytesIO()
    # write_rows always starts with a header row; render from the table's last row and drop that one row.
    write_rows(rendered, columns, last_row, first_col)
    body = rendered.getvalue()
    body = body[body.index(b"</row>") + len(b"</row>"):]
    new_last = last_row + count
    close = sheet_xml.rindex(b"</sheetData>")
    head = sheet_xml[:close]
    m = _DIMENSION.search(head)
    if m:
        r1, c1, r2, c2 = parse_range(m[1].decode())
        dimension = f'<dimension ref="{range_ref(r1, c1, max(r2, new_last), max(c2, last_col))}"/>'.encode()
        head = head[:m.start()] + dimension + head[m.end():]
    out.write(head + body + sheet_xml[close:])
    return range_ref(header_row, first_col, new_last, last_col)
