"""The formulas and error values in a table's cells, read from its sheet before a rewrite so the rewrite keeps them.

A table is written anew from its frame, which holds values only: a cell the user gave a formula (``=O2*2``) or that
shows an error (``#N/A`` of a VLOOKUP) is read here with its cached value and written back in the row the frame's row
now has (docs/master.md, "Writing"). Shared formulas are expanded to each cell's own formula, so a row kept without
its neighbours needs none of them. A row the save adds gets the formula of each calculated column of the table (the
table part's ``calculatedColumnFormula``), as Excel fills it into a row it adds.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import NamedTuple
from xml.sax.saxutils import escape

import numpy as np
import pandas as pd
from lxml import etree

from keyacct_xl.xlsx.ooxml import NS_MAIN, column_letter, parse_range, split_ref
from keyacct_xl.xlsx.sheetdata import date_serial
from keyacct_xl.xlsx.sheetxml import FORMULA, TableRange, sheet_cells, translated
from keyacct_xl.xlsx.tablepart import ColumnFormula
from keyacct_xl.xlsx.timeformats import value_serial
from keyacct_xl.xlsx.xmlpart import parse_part, serialize_part

VALUE = f"{{{NS_MAIN}}}v"
WORKBOOK = "xl/workbook.xml"
CALC_PR = f"{{{NS_MAIN}}}calcPr"
# The workbook's elements after calcPr, in the schema's order: a calcPr added goes before the first of them.
_AFTER_CALC_PR = {
    f"{{{NS_MAIN}}}{name}"
    for name in (
        "oleSize",
        "customWorkbookViews",
        "pivotCaches",
        "smartTagPr",
        "smartTagTypes",
        "webPublishing",
        "fileRecoveryPr",
        "webPublishObjects",
        "extLst",
    )
}
# A sheet holding a formula holds an "f" element (<f>, <x:f ...>); one holding an error cell holds its value,
# ">#N/A<" and the like. A sheet with neither is not parsed at all (the common master). Both bytes are looked for one
# by one (memchr; both are rare in a sheet's XML), then, past _ONE_BY_ONE of them, a block at a time with numpy:
# some 8 ms for the demo's 35 MB sales sheet and its 28,622 "#" of product names.
_BEFORE_F, _AFTER_F = frozenset(b"<:"), frozenset(b">/ \t\r\n")
_BEFORE_HASH = frozenset(b">")
_ONE_BY_ONE = 100_000
_BLOCK = 1 << 16  # below the size numpy's arrays are mapped afresh for (and page-faulted) at every block


@dataclass(frozen=True)
class FormulaCell:
    """A table cell holding a formula or an error: its formula (a shared one expanded), cached value and type (what
    the reader read, which the frame's value is compared with)."""

    formula: str | None
    array: tuple[int, int] | None  # an array formula's rows and columns, (1, 1) for one cell ({=...}); else None
    kind: str  # the cell's t= ("n" when absent): "e" for an error, "str", "b"
    value: str | None  # the cached value as written, None when the cell has none
    style: str | None
    metadata: str | None = None  # cm=: Excel 365 marks a dynamic array formula so (metadata.xml is kept as it is)

    def moved(self, rows: int) -> FormulaCell:
        """The cell as it reads ``rows`` rows further down (its relative references following), or itself."""
        if rows == 0 or self.formula is None:
            return self
        text = translated(self.formula, "A1000000", f"A{1_000_000 + rows}")
        return self if text is None else FormulaCell(text, self.array, self.kind, self.value, self.style, self.metadata)

    def xml(self, ref: str, style: int, *, cached: bool) -> str:
        """The cell element at ``ref``; the cell's own style when it had one, else ``style``.

        With ``cached`` a formula keeps its cached value (the master's own columns: the commands read that value,
        and the frame's value equals it). Without, a formula is written without one (the user's columns): the save
        cannot vouch for it (the row's values may have changed), and a spreadsheet program computes a formula without
        one on opening (LibreOffice by default does not recalculate a value it is given). An error without a formula
        keeps its value.
        """
        s = self.style if self.style is not None else str(style)
        t = "" if self.kind == "n" else f' t="{self.kind}"'
        v = "" if self.value is None else f"<v>{escape(self.value)}</v>"
        if self.formula is None:
            return f'<c r="{ref}" s="{s}"{t}>{v}</c>'
        array = f' t="array" ref="{_array_range(ref, self.array)}"' if self.array else ""
        f = f"<f{array}>{escape(self.formula)}</f>"
        cm = "" if self.metadata is None else f' cm="{escape(self.metadata)}"'
        return f'<c r="{ref}" s="{s}"{t}{cm}>{f}{v}</c>' if cached and v else f'<c r="{ref}" s="{s}"{cm}>{f}</c>'


def _array_range(ref: str, span: tuple[int, int]) -> str:
    """The range of an array formula of ``span`` (rows, columns) whose first cell is ``ref``."""
    if span == (1, 1):
        return ref
    row, col = split_ref(ref)
    return f"{ref}:{column_letter(col + span[1] - 1)}{row + span[0] - 1}"


class PlacedColumn(NamedTuple):
    """A column to write as ``kept_cells`` needs it: where it was read from, its values, kind and style, and whether
    it is one of the master's own columns (not one the user added)."""

    old: int | None  # the sheet column it was read from; None for a new column
    values: pd.Series
    kind: str
    style: int
    ours: bool


TableCells = dict[int, dict[int, FormulaCell]]  # sheet row -> column -> cell, of a table's body


def may_hold_formulas(sheet_xml: bytes) -> bool:
    """Whether the sheet may hold a formula or an error cell (False means it holds none)."""
    return _stands(sheet_xml, b"f", _BEFORE_F, _AFTER_F) or _stands(sheet_xml, b"#", _BEFORE_HASH, None)


def _stands(data: bytes, byte: bytes, before: frozenset[int], after: frozenset[int] | None) -> bool:
    """Whether ``byte`` occurs right after one of ``before`` and (when given) right before one of ``after``."""
    at = data.find(byte, 1)
    for _ in range(_ONE_BY_ONE):
        if at < 0 or at == len(data) - 1:
            return False
        if data[at - 1] in before and (after is None or data[at + 1] in after):
            return True
        at = data.find(byte, at + 1)
    array, value = np.frombuffer(data, dtype=np.uint8), byte[0]
    befores, afters = list(before), list(after or ())
    for start in range(at, len(array) - 1, _BLOCK):
        found = np.flatnonzero(array[start : start + _BLOCK] == value) + start
        found = found[(found > 0) & (found < len(array) - 1)]
        hit = np.isin(array[found - 1], befores)
        if after is not None:
            hit &= np.isin(array[found + 1], afters)
        if hit.any():
            return True
    return False


def formula_table_cells(sheet_xml: bytes, part: str, table: TableRange) -> TableCells:
    """The body cells of the table at ``table`` (its range in the sheet) holding a formula or an error."""
    header_row, first_col, last_row, last_col = table
    found: TableCells = {}
    shared: dict[str, tuple[str, int, int]] = {}  # si -> the shared formula's text and its first cell
    for number, col, cell in sheet_cells(sheet_xml, part, last_row):
        formula = cell.find(FORMULA)
        kind = cell.get("t", "n")
        if formula is None and kind != "e":
            continue
        text, array = _formula(formula, number, col, shared)
        if formula is not None and text is None:
            continue  # a data table: no formula of one cell to keep
        if array is not None and (number + array[0] - 1 > last_row or col + array[1] - 1 > last_col):
            continue  # an array reaching out of the table: the table's rows cannot take it along
        if number > header_row and first_col <= col <= last_col:
            value = cell.find(VALUE)
            cached = None if value is None else (value.text or "")
            metadata = cell.get("cm") if formula is not None else None
            found.setdefault(number, {})[col] = FormulaCell(text, array, kind, cached, cell.get("s"), metadata)
    return found


def _formula(
    formula: etree._Element | None, row: int, col: int, shared: dict[str, tuple[str, int, int]]
) -> tuple[str | None, tuple[int, int] | None]:
    """The cell's own formula text and, for an array formula, its rows and columns; (None, None) when it has none to
    keep."""
    if formula is None:
        return None, None
    kind, text = formula.get("t", "normal"), formula.text or ""
    if kind == "shared":
        si = formula.get("si", "")
        if text:
            shared[si] = (text, row, col)
            return text, None
        if si not in shared:
            return None, None
        source, at_row, at_col = shared[si]
        return translated(source, f"{column_letter(at_col)}{at_row}", f"{column_letter(col)}{row}"), None
    if kind == "array":
        ref = formula.get("ref", "")
        try:
            first_row, first_col, last_row, last_col = parse_range(ref)
        except ValueError:
            return None, None
        if (first_row, first_col) != (row, col) or last_row < row or last_col < col:
            return None, None  # not the array's first cell: a range the file gets wrong
        return text, (last_row - row + 1, last_col - col + 1)
    if kind == "dataTable":
        return None, None
    return text, None


def _missing(value: object) -> bool:
    return value is None or value is pd.NaT or value is pd.NA or (isinstance(value, float) and math.isnan(value))


def same_value(value: object, kind: str, cell: FormulaCell) -> bool:
    """Whether ``value`` (a frame's, of a column of ``kind``) is the value read from ``cell``: an error reads as
    blank, a cached number as that number (or its text in a text column), a date as its serial number."""
    missing = _missing(value)
    if cell.kind == "e" or not cell.value:
        return missing or value == ""
    if missing:
        return False
    if kind in ("date", "cells") and isinstance(value, pd.Timestamp):
        value = date_serial(value)
    elif isinstance(value, (dt.time, dt.timedelta)):  # a time of day or a duration of the user's: its days
        value = value_serial(value)
    if cell.kind == "b" and isinstance(value, (bool, np.bool_)):  # TRUE/FALSE kept as such in a column of "cells"
        return cell.value == str(int(value))
    if cell.kind == "n":
        try:
            return math.isclose(float(value), float(cell.value), rel_tol=1e-12, abs_tol=0.0)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            return False
    return str(value) == cell.value


class ReplacedFormula(NamedTuple):
    """A formula a rewrite does not keep: the written column's position, the cell it is now and the formula."""

    column: int
    ref: str
    formula: str


def kept_cells(
    found: TableCells,
    origins: np.ndarray,
    columns: Sequence[PlacedColumn],
    header_row: int,
    first_col: int,
    replaced: list[ReplacedFormula] | None = None,
) -> dict[int, dict[int, str]]:
    """The cells to write in place of the frame's values: new sheet row -> column -> cell XML.

    ``origins[i]`` is the sheet row the frame's row ``i`` was read from (0 for a new row); ``columns`` are the
    written columns in order. A cell is
    kept when its row is still in the frame and the frame's value is the value read from it (the code changed
    neither), or it is a formula in the user's column without a cached value; a row that moved takes its formulas
    along, their relative references following it. A formula of a row and column written again that is not kept
    (the frame holds another value, or its array range no longer moves whole) is added to ``replaced``.
    """
    if not found:
        return {}
    by_old = {c.old: pos for pos, c in enumerate(columns) if c.old is not None}
    out: dict[int, dict[int, str]] = {}
    for i in np.flatnonzero(np.isin(origins, list(found))).tolist():
        origin, row = int(origins[i]), header_row + 1 + i
        for old_col, cell in found[origin].items():
            pos = by_old.get(old_col)
            if pos is None:
                continue
            placed, col = columns[pos], first_col + pos
            ref = f"{column_letter(col)}{row}"
            keep = same_value(placed.values.iloc[i], placed.kind, cell) or _uncached(cell, placed)
            if keep and cell.array not in (None, (1, 1)):
                keep = _moves_whole(cell.array, i, origins, old_col, by_old, columns)
            if keep:
                out.setdefault(row, {})[col] = cell.moved(row - origin).xml(ref, placed.style, cached=placed.ours)
            elif cell.formula is not None and replaced is not None:
                replaced.append(ReplacedFormula(pos, ref, cell.formula))
    return out


def _moves_whole(
    span: tuple[int, int],
    i: int,
    origins: np.ndarray,
    old_col: int,
    by_old: Mapping[int, int],
    columns: Sequence[PlacedColumn],
) -> bool:
    """Whether an array formula over several cells (``span`` rows and columns from the frame's row ``i`` and the
    sheet column ``old_col``) is written whole as it was: its rows written again one under the other, its columns
    side by side, all of them the user's columns. Else it is left to the values read: a row of it removed or moved
    apart would cut the array, and a value the code writes in one of the master's own columns would be overwritten
    by the array's."""
    rows, cols = span
    if i + rows > len(origins) or (origins[i : i + rows] != origins[i] + np.arange(rows)).any():
        return False
    pos = by_old[old_col]
    return all(by_old.get(old_col + k) == pos + k and not columns[pos + k].ours for k in range(cols))


def calculated_cells(
    formulas: Mapping[int, ColumnFormula],
    columns: Sequence[PlacedColumn],
    new: np.ndarray,
    first_row: int,
    first_col: int,
    data_row: int,
) -> dict[int, dict[int, str]]:
    """The cells of new rows in the table's calculated columns: new sheet row -> column -> cell XML.

    ``formulas`` are the calculated columns' formulas by the sheet column they were read from, their A1 references
    those of ``data_row`` (the table's first data row, as Excel stores them); ``new`` are the positions of the new
    rows among ``columns``' values, written from sheet row ``first_row`` on. A new row gets the formula, moved down
    to its row as Excel fills it in (its column references left as they are, as a kept formula's), without a cached
    value, where it holds no value in that column: a value the code writes there is data (docs/master.md, "Writing").
    """
    out: dict[int, dict[int, str]] = {}
    for pos, placed in enumerate(columns):
        if placed.old is None or placed.old not in formulas:
            continue
        formula, col = formulas[placed.old], first_col + pos
        values = placed.values.iloc[new].tolist()
        rows = [first_row + i for i, value in zip(new.tolist(), values) if _missing(value) or value == ""]
        for row, text in zip(rows, _filled(formula.text, data_row, rows)):
            ref = f"{column_letter(col)}{row}"
            cell = FormulaCell(text, (1, 1) if formula.array else None, "n", None, None)
            out.setdefault(row, {})[col] = cell.xml(ref, placed.style, cached=False)
    return out


def _filled(formula: str, data_row: int, rows: list[int]) -> list[str]:
    """``formula`` of a cell of ``data_row`` as filled down into ``rows``; none when it cannot be read.

    A formula without a relative row reference (structured references such as ``Table[[#This Row],[金额]]``, or
    absolute ones) reads the same in every row, which one move by a row shows: it is translated once, not per row.
    """
    if not rows:
        return []
    first = translated(formula, f"A{data_row}", f"A{rows[0]}")
    if first is None:
        return []
    if translated(first, f"A{rows[0]}", f"A{rows[0] + 1}") == first:
        return [first] * len(rows)
    moved = [text for text in (translated(first, f"A{rows[0]}", f"A{row}") for row in rows) if text is not None]
    return moved if len(moved) == len(rows) else []


def _uncached(cell: FormulaCell, placed: PlacedColumn) -> bool:
    """A formula of the user's written without a cached value (as a save writes it): nothing to compare the frame's
    value with, and the value the frame holds is the one read before that save."""
    return not placed.ours and cell.formula is not None and cell.value is None


def origins_of(labels: pd.Index, excel_rows: np.ndarray) -> np.ndarray:
    """The sheet row each frame row was read from, by its index label (the position it was read at); 0 for a row
    added since (a label past the rows read). Labels that are not unique integers say nothing: positions are used."""
    if pd.api.types.is_integer_dtype(labels.dtype) and labels.is_unique:
        at = labels.to_numpy(dtype=np.int64)
    else:
        at = np.arange(len(labels), dtype=np.int64)
    origins = np.zeros(len(at), dtype=np.int64)
    known = (at >= 0) & (at < len(excel_rows))
    origins[known] = excel_rows[at[known]]
    return origins


def calculated_on_load(workbook_xml: bytes) -> bytes:
    """``xl/workbook.xml`` asking the program that opens it to calculate every formula (``fullCalcOnLoad``): a kept
    formula is written without a cached value, and Excel computes it on opening only when asked (LibreOffice
    computes a formula without a value anyway). Unchanged when it asks already."""
    root = parse_part(workbook_xml, WORKBOOK)
    calc = root.find(CALC_PR)
    if calc is not None and calc.get("fullCalcOnLoad") in ("1", "true"):
        return workbook_xml
    if calc is None:
        calc = etree.Element(CALC_PR)
        after = next((i for i, child in enumerate(root) if child.tag in _AFTER_CALC_PR), len(root))
        root.insert(after, calc)
    calc.set("fullCalcOnLoad", "1")
    return serialize_part(root)
