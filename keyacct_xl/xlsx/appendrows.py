"""Append rows to a table that ends a sheet, keeping every existing row's XML as it is.

Consolidation mostly adds rows. Re-rendering a 100,000-row Visits sheet for a few hundred new lines costs
seconds; appending writes only the new rows, and the user's formatting of existing cells is untouched.
The append is planned only when it is exact: the table's body holds exactly the rows already in the frame,
its headers are the ones being written, nothing in the sheet lies below it, and the existing rows' bytes can
be cut out of the part exactly (see keyacct_xl.xlsx.sheetxml).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import IO

from keyacct_xl.xlsx.ooxml import parse_range, range_ref
from keyacct_xl.xlsx.sheetdata import CellColumn, rows_writer, write_rows
from keyacct_xl.xlsx.sheetxml import SheetLayout


def can_append(layout: SheetLayout, table_ref: str, kept_rows: int, table_headers: Sequence[str],
               headers: Sequence[str]) -> bool:
    """Whether new rows can go right below the table's last row without touching anything else.

    ``layout`` was read with its last row; its rows must have been cut out of the part exactly (``body``).
    """
    header_row, _, last_row, _ = parse_range(table_ref)
    return (kept_rows > 0 and last_row - header_row == kept_rows and list(table_headers) == list(headers)
            and layout.last_row == last_row and layout.body is not None)


def append_rows(sheet_xml: bytes, layout: SheetLayout, out: IO[bytes], columns: Sequence[CellColumn],
                table_ref: str) -> str:
    """Write the sheet with ``columns``' rows added below the table; return the table's new range.

    The existing rows (``layout.body`` of ``sheet_xml``) are copied as they are.
    """
    assert layout.body is not None  # can_append said so
    header_row, first_col, last_row, last_col = parse_range(table_ref)
    count = len(columns[0].values) if columns else 0
    rendered = io.BytesIO()
    # write_rows always starts with a header row; render from the table's last row and drop that one row.
    write_rows(rows_writer(rendered, layout), columns, last_row, first_col)
    added = rendered.getvalue()
    row_end = f"</{layout.prefix}:row>".replace("</:", "</").encode()
    added = added[added.index(row_end) + len(row_end):]
    new_last = last_row + count
    used = layout.dimension()
    dimension = range_ref(used[0], used[1], max(used[2], new_last), max(used[3], last_col)) if used else None
    head, tail = layout.frame(dimension)
    out.write(head)
    out.write(memoryview(sheet_xml)[layout.body[0]:layout.body[1]])
    out.write(added + tail)
    return range_ref(header_row, first_col, new_last, last_col)
