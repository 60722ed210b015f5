"""Append rows to a table that ends a sheet, keeping every existing row's XML as it is.

Consolidation mostly adds rows. Re-rendering a 100,000-row Visits sheet for a few hundred new lines costs
seconds; appending writes only the new rows, and the user's formatting of existing cells is untouched.
The append is planned only when it is exact: the table's body holds exactly the rows already in the frame,
its headers are the ones being written, nothing in the sheet lies below it, and the existing rows' bytes can
be cut out of the part exactly (see keyacct_xl.xlsx.sheetxml).

A table that gains columns at its right end (a master written before the consolidation's provenance columns
existed) is widened the same way when that is exact too: the rows already there hold nothing in the new columns,
no cell of the sheet lies right of the table, and the part's rows begin with the header row exactly as the writer
renders it, which is then the one row written anew.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import replace
from typing import IO

from keyacct_xl.xlsx.ooxml import parse_range, range_ref
from keyacct_xl.xlsx.sheetdata import CellColumn, Kept, blank_for_writing, header_row_xml, rows_writer, write_rows
from keyacct_xl.xlsx.sheetxml import SheetLayout


def can_append(
    layout: SheetLayout, table_ref: str, kept_rows: int, table_headers: Sequence[str], headers: Sequence[str]
) -> bool:
    """Whether new rows can go right below the table's last row without touching anything else.

    ``layout`` was read with its last row; its rows must have been cut out of the part exactly (``body``).
    """
    header_row, _, last_row, _ = parse_range(table_ref)
    return (
        kept_rows > 0
        and last_row - header_row == kept_rows
        and list(table_headers) == list(headers)
        and layout.last_row == last_row
        and layout.body is not None
    )


def widened_header(
    sheet_xml: bytes,
    layout: SheetLayout,
    table_ref: str,
    kept_rows: int,
    table_headers: Sequence[str],
    columns: Sequence[CellColumn],
) -> tuple[bytes, bytes] | None:
    """The header row's bytes as they are and as they become, when the table can gain ``columns``' extra
    columns at its right end without touching its other rows (see the module's note); else None.

    ``layout`` was read with its last row; ``columns`` hold every row, the ``kept_rows`` already in the table first.
    """
    header_row, first_col, _, last_col = parse_range(table_ref)
    headers, old = [c.header for c in columns], list(table_headers)
    used = layout.dimension()
    if (
        len(headers) <= len(old)
        or headers[: len(old)] != old
        or layout.prefix
        or used is None
        or used[3] > last_col
        or not can_append(layout, table_ref, kept_rows, old, old)
    ):
        return None
    before = header_row_xml(old, header_row, first_col)
    if not sheet_xml.startswith(before, layout.body[0]):  # type: ignore[index]
        return None
    kept = [replace(c, values=c.values.iloc[:kept_rows]) for c in columns[len(old) :]]
    if not all(blank_for_writing(c) for c in kept):
        return None
    return before, header_row_xml(headers, header_row, first_col)


def append_rows(
    sheet_xml: bytes,
    layout: SheetLayout,
    out: IO[bytes],
    columns: Sequence[CellColumn],
    table_ref: str,
    header: tuple[bytes, bytes] | None = None,
    kept: Kept | None = None,
) -> str:
    """Write the sheet with ``columns``' rows added below the table; return the table's new range.

    The existing rows (``layout.body`` of ``sheet_xml``) are copied as they are; with ``header`` (from
    ``widened_header``) the header row at their start is replaced and the table gains the extra columns. ``kept``
    cells (by sheet row: the calculated columns' formulas, keyacct_xl.xlsx.keptcells) replace the new rows' cells.
    """
    assert layout.body is not None  # can_append said so
    header_row, first_col, last_row, last_col = parse_range(table_ref)
    last_col = max(last_col, first_col + len(columns) - 1)
    count = len(columns[0].values) if columns else 0
    rendered = io.BytesIO()
    # write_rows always starts with a header row; render from the table's last row and drop that one row.
    write_rows(rows_writer(rendered, layout), columns, last_row, first_col, kept=kept)
    added = rendered.getvalue()
    row_end = f"</{layout.prefix}:row>".replace("</:", "</").encode()
    added = added[added.index(row_end) + len(row_end) :]
    new_last = last_row + count
    used = layout.dimension()
    dimension = range_ref(used[0], used[1], max(used[2], new_last), max(used[3], last_col)) if used else None
    head, tail = layout.frame(dimension)
    out.write(head)
    start = layout.body[0]
    if header is not None:
        out.write(header[1])
        start += len(header[0])
    out.write(memoryview(sheet_xml)[start : layout.body[1]])
    out.write(added + tail)
    return range_ref(header_row, first_col, new_last, last_col)
