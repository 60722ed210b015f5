"""Render a table's cells as worksheet XML and splice them into an existing sheet part.

Strings are always written as inline strings, never as formulas: a value such as ``=HYPERLINK(...)`` or
``@SUM(...)`` arrives in Excel as the text it was (the brief's rule for submitted cells).
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import IO

import numpy as np
import pandas as pd

from keyacct_xl.errors import InputError
from keyacct_xl.master.schema import FrameKind
from keyacct_xl.messages import Location, msg
from keyacct_xl.parsing import EXCEL_MAX_TEXT
from keyacct_xl.xlsx.ooxml import column_letter, escape_text, range_ref
from keyacct_xl.xlsx.sheetxml import Extras, SheetLayout
from keyacct_xl.xlsx.timeformats import DAY_NS, serials, value_format, value_serial

CHUNK_ROWS = 20_000
# A date's serial counts days from 1899-12-30 (Excel's 1900 system): its nanoseconds less EPOCH_NS over DAY_NS,
# less one before 1900-03-01 (serial 61), for Excel counts a 29 February 1900 (serial 60) that never was.
EPOCH_NS = pd.Timestamp("1899-12-30").value
_FIRST_NS, _LEAP_NS = pd.Timestamp("1899-12-31").value, pd.Timestamp("1900-03-01").value
# The elements write_rows renders; text and attribute values are escaped, so a raw "<" always starts a tag.
_RENDERED_TAG = re.compile(rb"<(/?)(row|c|v|is|t|f)(?=[\s>/])")  # f: a kept formula
_NEEDS_ESCAPE = re.compile(r"[&<>_\x00-\x1f\ufffe\uffff]")

NUMERIC_KINDS = {"int", "number", "money", "percent"}
TIMED_KINDS = {"date", "time", "duration"}  # each value written as its number of days


@dataclass(frozen=True)
class CellColumn:
    """One column to write: header text, values, kind and the xf style index for its cells (in a column of kind
    "cells", for those that are no date, time or duration: its dates take ``date_style``, its times of day,
    durations and dates with a time the style of their format (``timeformats.value_format``) in ``time_styles``)."""

    header: str
    values: pd.Series
    kind: FrameKind
    style: int
    date_style: int = 0
    time_styles: Mapping[str, int] = field(default_factory=dict)


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


def _inline(text: str) -> str:
    """The ``<t>`` element of an inline string: escaped, and keeping leading/trailing spaces and line breaks
    (without ``xml:space`` Excel trims the cell, which then no longer equals its table column's name)."""
    escaped = escape_text(text) if _NEEDS_ESCAPE.search(text) else text
    space = ' xml:space="preserve"' if text != text.strip() or "\n" in text else ""
    return f"<t{space}>{escaped}</t>"


def _writes_infinity(col: CellColumn) -> np.ndarray:
    """Which of the column's values would be written as a number but are infinite: ``<v>inf</v>`` is no number
    to Excel, which then reports the whole file as damaged. (NaN is written as a blank cell.)"""
    if col.kind in NUMERIC_KINDS:
        if col.values.dtype == np.float64:
            return np.isinf(col.values.to_numpy())
        if pd.api.types.is_integer_dtype(col.values.dtype):  # no integer is infinite
            return np.zeros(len(col.values), dtype=bool)
        numbers = pd.to_numeric(col.values, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        return np.isinf(numbers)
    if col.kind in TIMED_KINDS or pd.api.types.infer_dtype(col.values, skipna=True) in ("string", "empty"):
        return np.zeros(len(col.values), dtype=bool)  # dates, times and text only: no number in the column
    return np.fromiter(
        (isinstance(v, float) and math.isinf(v) for v in col.values.tolist()), dtype=bool, count=len(col.values)
    )


def refuse_non_finite(columns: Sequence[CellColumn], table: str) -> None:
    """Raise InputError naming table, column and row when a value to write is an infinite number."""
    for col in columns:
        bad = np.flatnonzero(_writes_infinity(col))
        if len(bad):
            row, value = int(bad[0]) + 1, col.values.iloc[bad[0]]
            more = msg(" (and {count:,} more)", count=len(bad) - 1) if len(bad) > 1 else ""
            raise InputError(
                msg(
                    "table {table}, column {header}, data row {row}: {value} is not a number Excel can "
                    "store{more}; nothing was written",
                    table=table,
                    header=col.header,
                    row=row,
                    value=value,
                    more=more,
                )
            )


def _overlong(col: CellColumn, first: int) -> np.ndarray:
    """The positions, from ``first`` on, of the column's texts longer than an Excel cell holds."""
    if col.kind in NUMERIC_KINDS or col.kind in TIMED_KINDS or col.values.dtype.kind in "biufcmM":
        return np.zeros(0, dtype=np.int64)  # written as numbers: no text in the column
    values = col.values.iloc[first:].tolist()
    if max(map(len, [v for v in values if type(v) is str]), default=0) <= EXCEL_MAX_TEXT:
        return np.zeros(0, dtype=np.int64)  # nearly every column: its longest text is looked for once
    return first + np.flatnonzero([type(v) is str and len(v) > EXCEL_MAX_TEXT for v in values])


def refuse_overlong_text(columns: Sequence[CellColumn], table: str, *, first: int = 0) -> None:
    """Raise InputError naming table, column and row when a text to write is longer than an Excel cell holds: written,
    it would make a file no reader of ours loads again (they refuse such a cell), beyond what an Excel cell holds.
    The rows before ``first`` are the table's as read, which the readers checked."""
    for col in columns:
        bad = _overlong(col, first)
        if len(bad):
            more = msg(" (and {count:,} more)", count=len(bad) - 1) if len(bad) > 1 else ""
            raise InputError(
                msg(
                    "table {table}, column {header}, data row {row}: {length:,} characters, more than the {limit:,} "
                    "an Excel cell holds{more}; nothing was written",
                    table=table,
                    header=col.header,
                    row=int(bad[0]) + 1,
                    length=len(col.values.iloc[bad[0]]),
                    limit=EXCEL_MAX_TEXT,
                    more=more,
                )
            )


def _number_texts(values: np.ndarray) -> np.ndarray:
    """Each number as ``_number`` writes it, None for NaN, worked out for the whole array at once: whole numbers
    below 1e15 as integers, the others by ``repr``."""
    texts = np.full(len(values), None, dtype=object)
    present = ~np.isnan(values)
    whole = present & (np.abs(values) < 1e15) & (np.trunc(values) == values)
    texts[whole] = [str(v) for v in values[whole].astype(np.int64).tolist()]
    rest = present & ~whole
    texts[rest] = [repr(v) for v in values[rest].tolist()]
    return texts


def _numbers(chunk: pd.Series) -> np.ndarray:
    """The chunk as floats, as to_numeric reads it (a column of floats as it is)."""
    if chunk.dtype == np.float64:
        return chunk.to_numpy()
    return pd.to_numeric(chunk, errors="raise").to_numpy(dtype=float)


def _date_texts(chunk: pd.Series) -> np.ndarray:
    """Each date's serial number (days since 1899-12-30) as ``_number`` writes it, None for a missing date."""
    # A column of datetimes is taken as it is (to_datetime would give it back); others are read as dates first.
    stamps = chunk if chunk.dtype.kind == "M" else pd.to_datetime(chunk, errors="raise")
    ns = stamps.to_numpy(dtype="datetime64[ns]").astype(np.int64)
    missing = stamps.isna().to_numpy()
    serials = np.full(len(ns), np.nan)
    serials[~missing] = date_serials(ns[~missing])
    return _number_texts(serials)


def date_serials(ns: np.ndarray) -> np.ndarray:
    """Each date's serial as Excel shows it (1 is 1900-01-01, 61 is 1900-03-01) from its nanoseconds since 1970.

    From 1899-12-30 on, the nanoseconds since that day are counted as unsigned 64-bit integers, since from 2192-04
    on they pass the signed ones' range (a date of 2200 was written as one of 1608); before it, as signed ones (no
    date Excel holds). A day before 1900-03-01 is one less than the count, as openpyxl and XlsxWriter write it and
    every reader reads it (1900-01-01 was written as 1900-01-02)."""
    ns = np.asarray(ns, dtype=np.int64)
    since = ns.view(np.uint64) - np.uint64(EPOCH_NS % 2**64)  # exact, modulo 2**64, for every date from the epoch
    days = np.where(ns >= EPOCH_NS, since / DAY_NS, (ns - EPOCH_NS) / DAY_NS)
    return np.where((ns >= _FIRST_NS) & (ns < _LEAP_NS), days - 1, days)


def date_serial(value: dt.date | pd.Timestamp) -> float:
    """One date's serial as Excel shows it (``date_serials``)."""
    return float(date_serials(np.array([pd.Timestamp(value).value]))[0])


def _render_column(col: CellColumn, letter: str, rows: list[str], start: int, stop: int) -> list[str]:
    s = col.style
    whole = start == 0 and stop == len(col.values)
    chunk = col.values if whole else col.values.iloc[start:stop]
    if col.kind in TIMED_KINDS or col.kind in NUMERIC_KINDS:
        texts = _date_texts(chunk) if col.kind == "date" else _number_texts(_numbers_of(chunk, col.kind))
        head, middle = f'<c r="{letter}', f'" s="{s}"><v>'
        return ["" if t is None else f"{head}{r}{middle}{t}</v></c>" for r, t in zip(rows, texts.tolist())]
    values = chunk.tolist()
    if col.kind == "cells":
        return [own_cell(v, f"{letter}{r}", s, col) for r, v in zip(rows, values)]
    head, styled = f'<c r="{letter}', f'" s="{s}" t="inlineStr"><is>'
    # Each distinct text's cell after its reference, escaped once (a column repeats its values).
    tails = {v: f"{styled}{_inline(v)}</is></c>" for v in {v for v in values if type(v) is str}}
    return [
        f"{head}{r}{tails[v]}" if type(v) is str and v else "" if v is None else _other_cell(v, letter, r, s)
        for r, v in zip(rows, values)
    ]


def _numbers_of(chunk: pd.Series, kind: FrameKind) -> np.ndarray:
    """The numbers a chunk of a numeric column, or of times of day or durations (their days), is written as."""
    return serials(chunk, kind) if kind in ("time", "duration") else _numbers(chunk)


def _other_cell(value: object, letter: str, r: str, s: int) -> str:
    """The cell of a value in a text column that is no text: blank, a number, or the text of a date or other."""
    if _is_missing(value) or value == "":
        return ""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return f'<c r="{letter}{r}"><v>{_number(float(value))}</v></c>'
    return f'<c r="{letter}{r}" s="{s}" t="inlineStr"><is>{_inline(_text(value))}</is></c>'


def own_cell(value: object, ref: str, s: int, col: CellColumn) -> str:
    """The cell of a value in a column whose cells keep their own kind (or of a cell kept as typed): a number, a date
    (``date_style``), a time of day, a duration or a date with a time (the style of its format), TRUE or FALSE, else
    text, written as an inline string (never a formula, whatever it starts with); blank for None."""
    if type(value) is str:
        return f'<c r="{ref}" s="{s}" t="inlineStr"><is>{_inline(value)}</is></c>' if value else ""
    if _is_missing(value):
        return ""
    if isinstance(value, (bool, np.bool_)):
        return f'<c r="{ref}" s="{s}" t="b"><v>{int(value)}</v></c>'
    if isinstance(value, (int, float, np.integer, np.floating)):
        return f'<c r="{ref}" s="{s}"><v>{_number(float(value))}</v></c>'
    timed = value_format(value)
    # A cell kept as typed in a column of one kind has no time style of its own: its value is kept, shown plainer.
    if isinstance(value, (dt.time, dt.timedelta)) and timed:
        return f'<c r="{ref}" s="{col.time_styles.get(timed, s)}"><v>{_number(value_serial(value))}</v></c>'
    if isinstance(value, (dt.date, pd.Timestamp)):
        style = col.time_styles.get(timed, col.date_style) if timed else col.date_style
        return f'<c r="{ref}" s="{style}"><v>{_number(date_serial(value))}</v></c>'
    return f'<c r="{ref}" s="{s}" t="inlineStr"><is>{_inline(_text(value))}</is></c>'


def _row(r: str, cells: Sequence[str], extras: Extras, first_col: int) -> str:
    """One row element; the user's cells beside the table are merged in column order."""
    beside = extras.get(int(r))
    if not beside:
        return f'<row r="{r}">{"".join(cells)}</row>'
    ours = [(first_col + i, cell) for i, cell in enumerate(cells) if cell]
    return f'<row r="{r}">{"".join(cell for _, cell in sorted(ours + beside))}</row>'


def _rows(rows: list[str], rendered: list[list[str]], extras: Extras, first_col: int) -> str:
    """The row elements of a chunk: joined in one go when none of its rows has a cell of the user's beside it."""
    first, last = int(rows[0]), int(rows[-1])
    if any(first <= r <= last for r in extras):
        return "".join(_row(r, cells, extras, first_col) for r, *cells in zip(rows, *rendered))
    starts = [f'<row r="{r}">' for r in rows]
    return "".join(itertools.chain.from_iterable(zip(starts, *rendered, itertools.repeat("</row>"))))


def _header_cells(headers: Sequence[str], header_row: int, first_col: int) -> list[str]:
    return [
        f'<c r="{column_letter(first_col + i)}{header_row}" t="inlineStr"><is>{_inline(header)}</is></c>'
        for i, header in enumerate(headers)
    ]


def header_row_xml(headers: Sequence[str], header_row: int, first_col: int) -> bytes:
    """The header row as ``write_rows`` renders it when no cell of the user's lies beside it."""
    return _row(str(header_row), _header_cells(headers, header_row, first_col), {}, first_col).encode()


def blank_for_writing(col: CellColumn) -> bool:
    """Whether ``write_rows`` would write no cell for any of the column's values."""
    missing = col.values.isna()
    if col.kind in TIMED_KINDS or col.kind in NUMERIC_KINDS:
        return bool(missing.all())
    return bool((missing | col.values.eq("")).all())


Kept = dict[int, dict[int, str]]  # sheet row -> column -> cell XML written instead of the frame's value


def _keep(rendered: list[list[str]], rows: list[str], kept: Kept, first_col: int) -> None:
    """Put the kept cells (formulas, errors) of the chunk's rows in place of the cells rendered from values."""
    first = int(rows[0])
    for row in (r for r in kept if first <= r <= int(rows[-1])):
        for col, cell in kept[row].items():
            rendered[col - first_col][row - first] = cell


def write_rows(
    out: IO[bytes],
    columns: Sequence[CellColumn],
    header_row: int,
    first_col: int,
    extras: Extras | None = None,
    kept: Kept | None = None,
) -> int:
    """Stream the header row, every data row and the user's cells around them; return the table's last row.

    ``kept`` holds cells written as they are instead of the values' cells (a formula with its cached value).
    """
    extras = extras or {}
    letters = [column_letter(first_col + i) for i in range(len(columns))]
    out.write(
        _row(
            str(header_row), _header_cells([c.header for c in columns], header_row, first_col), extras, first_col
        ).encode()
    )
    count = len(columns[0].values) if columns else 0
    for start in range(0, count, CHUNK_ROWS):
        stop = min(start + CHUNK_ROWS, count)
        rows = list(map(str, range(header_row + 1 + start, header_row + 1 + stop)))
        rendered = [_render_column(c, letter, rows, start, stop) for c, letter in zip(columns, letters)]
        if kept:
            _keep(rendered, rows, kept, first_col)
        out.write(_rows(rows, rendered, extras, first_col).encode())
    last = header_row + count
    below = sorted(r for r in extras if r > last)
    out.write("".join(_row(str(r), [], extras, first_col) for r in below).encode())
    return last


def _check_room(
    extras: Extras, header_row: int, first_col: int, last_row: int, last_col: int, sheet_name: str, file_name: str
) -> None:
    for row, cells in extras.items():
        for col, _ in cells:
            if header_row <= row <= last_row and first_col <= col <= last_col:
                ref = f"{column_letter(col)}{row}"
                raise InputError(
                    msg(
                        "{where}: the table would grow over this cell; move it and save again",
                        where=Location(file_name or None, sheet=sheet_name, cell=ref),
                    )
                )


class _Qualified:
    """Writes rendered rows with the sheet's prefix for the main namespace (``<x:row>`` in an ``x:`` sheet)."""

    def __init__(self, out: IO[bytes], prefix: str) -> None:
        self.out, self.replacement = out, rb"<\1" + prefix.encode() + rb":\2"

    def write(self, data: bytes) -> int:
        return self.out.write(_RENDERED_TAG.sub(self.replacement, data))


def rows_writer(out: IO[bytes], layout: SheetLayout) -> IO[bytes]:
    """Where to write rendered rows for ``layout``'s sheet: ``out`` itself, or a qualifying wrapper."""
    return _Qualified(out, layout.prefix) if layout.prefix else out  # type: ignore[return-value]


def splice_sheet(
    layout: SheetLayout,
    out: IO[bytes],
    columns: Sequence[CellColumn],
    header_row: int,
    first_col: int,
    *,
    sheet_name: str = "",
    kept: Kept | None = None,
    file_name: str = "",
) -> int:
    """Write the sheet of ``layout`` with the table's cells replaced; the user's cells around the table are kept.

    ``layout`` was read with the table's range before the write: the rows above the header and the cells outside
    that range (notes beside or below the table) keep their place; a table that would grow over one is refused.
    ``kept`` cells (formulas and errors of the table's rows, see keyacct_xl.xlsx.keptcells) replace the values' cells.
    Returns the table's last row (at least one row below the header: Excel tables need a body row).
    """
    last_col = first_col + max(len(columns), 1) - 1
    last_row = max(header_row + 1, header_row + (len(columns[0].values) if columns else 0))
    extras = layout.extras
    _check_room(extras, header_row, first_col, last_row, last_col, sheet_name, file_name)
    used_row = max([last_row, *extras])
    used_col = max([last_col, *(c for cells in extras.values() for c, _ in cells)])
    head, tail = layout.frame(range_ref(1, 1, used_row, used_col))
    out.write(head + b"".join(layout.rows_before))
    write_rows(rows_writer(out, layout), columns, header_row, first_col, extras, kept)
    out.write(tail)
    return last_row
