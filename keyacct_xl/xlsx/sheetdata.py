"""Render a table's cells as worksheet XML and splice them into an existing sheet part.

Strings are always written as inline strings, never as formulas: a value such as ``=HYPERLINK(...)`` or
``@SUM(...)`` arrives in Excel as the text it was (the brief's rule for submitted cells).
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import IO

import numpy as np
import pandas as pd

from keyacct_xl.master.schema import ColumnKind
from keyacct_xl.xlsx.ooxml import column_letter, escape_text, range_ref

CHUNK_ROWS = 20_000
_EPOCH_NS = pd.Timestamp("1899-12-30").value
_DAY_NS = 86_400 * 10**9
_ROW_START = re.compile(rb'<row\b[^>]*?\br="(\d+)"')
_DIMENSION = re.compile(rb"<dimension\b[^>]*/>")
_NEEDS_ESCAPE = re.compile(r"[&<>_\x00-\x1f\ufffe\uffff]")

NUMERIC_KINDS = {"int", "number", "money", "percent"}


@dataclass(frozen=True)
class CellColumn:
    """One column to write: header text, values, kind and the xf style index for its cells."""

    header: str
    values: pd.Series
    kind: ColumnKind
    style: int


def _number(value: float) -> str:
    value = float(value)  # numpy scalars would otherwise repr as "np.float64(...)"
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(value)


def _text(value: object) -> str:
    if isinstance(value, float):
        return _number(value)
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%d") if value == value.normalize() else value.isoformat(sep=" ")
    return str(value)


def _is_missing(value: object) -> bool:
    return value is None or value is pd.NaT or value is pd.NA or (isinstance(value, float) and math.isnan(value))


def _render_column(col: CellColumn, letter: str, rows: list[str], start: int, stop: int) -> list[str]:
    s = col.style
    chunk = col.values.iloc[start:stop]
    if col.kind == "date":
        stamps = pd.to_datetime(chunk, errors="raise")
        ns = stamps.to_numpy(dtype="datetime64[ns]").astype(np.int64)
        missing = stamps.isna().to_numpy()
        return ["" if miss else f'<c r="{letter}{r}" s="{s}"><v>{_number((v - _EPOCH_NS) / _DAY_NS)}</v></c>'
                for r, v, miss in zip(rows, ns, missing)]
    if col.kind in NUMERIC_KINDS:
        values = pd.to_numeric(chunk, errors="raise").to_numpy(dtype=float)
        return ["" if math.isnan(v) else f'<c r="{letter}{r}" s="{s}"><v>{_number(v)}</v></c>'
                for r, v in zip(rows, values)]
    out = []
    for r, value in zip(rows, chunk.tolist()):
        if _is_missing(value) or value == "":
            out.append("")
            continue
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            out.append(f'<c r="{letter}{r}"><v>{_number(float(value))}</v></c>')
            continue
        text = _text(value)
        if _NEEDS_ESCAPE.search(text):
            text = escape_text(text)
        space = ' xml:space="preserve"' if text != text.strip() or "\n" in text else ""
        out.append(f'<c r="{letter}{r}" s="{s}" t="inlineStr"><is><t{space}>{text}</t></is></c>')
    return out


def write_rows(out: IO[bytes], columns: Sequence[CellColumn], header_row: int, first_col: int) -> int:
    """Stream the header row and every data row; return the last row number written."""
    letters = [column_letter(first_col + i) for i in range(len(columns))]
    header_cells = "".join(
        f'<c r="{letter}{header_row}" t="inlineStr"><is><t>{escape_text(c.header)}</t></is></c>'
        for letter, c in zip(letters, columns))
    out.write(f'<row r="{header_row}">{header_cells}</row>'.encode())
    count = len(columns[0].values) if columns else 0
    for start in range(0, count, CHUNK_ROWS):
        stop = min(start + CHUNK_ROWS, count)
        rows = [str(header_row + 1 + i) for i in range(start, stop)]
        rendered = [_render_column(c, letter, rows, start, stop) for c, letter in zip(columns, letters)]
        out.write("".join(f'<row r="{r}">{"".join(cells)}</row>'
                          for r, *cells in zip(rows, *rendered)).encode())
    return header_row + count


def splice_sheet(sheet_xml: bytes, out: IO[bytes], columns: Sequence[CellColumn],
                 header_row: int, first_col: int) -> int:
    """Write ``sheet_xml`` with its cell data replaced by the table; rows above the header are kept.

    Returns the table's last row (at least one row below the header: Excel tables need a body row).
    """
    open_at = sheet_xml.find(b"<sheetData")
    tag_end = sheet_xml.index(b">", open_at) + 1
    if sheet_xml[tag_end - 2:tag_end] == b"/>":
        body_start = body_end = tag_end
        close_end = tag_end
    else:
        body_start = tag_end
        body_end = sheet_xml.index(b"</sheetData>", body_start)
        close_end = body_end + len(b"</sheetData>")
    kept_end = body_end
    for m in _ROW_START.finditer(sheet_xml, body_start, body_end):
        if int(m[1]) >= header_row:
            kept_end = m.start()
            break
    last_col = first_col + max(len(columns), 1) - 1
    last_row = max(header_row + 1, header_row + (len(columns[0].values) if columns else 0))
    dimension = f'<dimension ref="{range_ref(1, 1, last_row, last_col)}"/>'.encode()
    prefix = _DIMENSION.sub(dimension, sheet_xml[:open_at], count=1)
    out.write(prefix + b"<sheetData>" + sheet_xml[body_start:kept_end])
    write_rows(out, columns, header_row, first_col)
    out.write(b"</sheetData>" + sheet_xml[close_end:])
    return last_row
