"""A customer list as people keep it (客户名单): an .xlsx/.xls/.ods sheet or a CSV file, its header row found under
title rows, its columns recognised by the Customers table's headers and aliases (keyacct_xl/master/schema.py).

A list made by hand starts with a merged title (华东区重点客户名单) and a line saying who made it; the header row is
the first of the top rows that names the customer name and at least one other Customers column. Columns no alias
names (序号, a column of the user's own) are kept as unrecognised, so the import reports them instead of dropping them
unseen. The file is read in a worker with memory and time limits, after the package screening a consolidated file
gets (keyacct_xl/consolidate/safety.py), so a damaged or hostile file fails with one line.
"""

from __future__ import annotations

import io
import zipfile
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from itertools import chain, islice
from pathlib import Path
from typing import TypeVar

import python_calamine as calamine
from lxml import etree

from keyacct_xl.cellformulas import Merged, ods_merged_ranges
from keyacct_xl.consolidate.changes import shown
from keyacct_xl.consolidate.intake import shown_name
from keyacct_xl.consolidate.safety import MAX_SHEET_CELLS, Rejection, check_file
from keyacct_xl.consolidate.tablemerges import range_ref
from keyacct_xl.disguised import disguised_sheets
from keyacct_xl.errors import InputError
from keyacct_xl.headers import alias_map, normalize_header
from keyacct_xl.isolation import run_isolated
from keyacct_xl.master.schema import CUSTOMERS
from keyacct_xl.messages import Location, Message, listing, msg
from keyacct_xl.parsing import is_blank
from keyacct_xl.tablefile import check_input_file, read_csv_rows
from keyacct_xl.xlsx.ooxml import column_letter

LIST_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods", ".csv")
HEADER_SEARCH_ROWS = 30  # title rows above the header: a heading, who made it, a date, a blank line or two
_ALIASES = alias_map(CUSTOMERS.columns)
T = TypeVar("T")


@dataclass(frozen=True)
class ListColumn:
    """One column of the list: its position, its header as typed, and the Customers key it is (None: not one)."""

    position: int
    header: str
    key: str | None
    taken_by: str | None = None  # the header of an earlier column naming the same Customers column


@dataclass(frozen=True)
class ListRow:
    """One non-blank row under the header: its Excel row (or CSV line) number and its cells."""

    number: int
    cells: tuple[object, ...]

    def cell(self, position: int) -> object:
        """The value at ``position`` (None past the row's last cell)."""
        return self.cells[position] if position < len(self.cells) else None


@dataclass(frozen=True)
class CustomerList:
    """The list as read: file name (as shown and recorded: a name that is not UTF-8 with escapes), sheet (None for
    a CSV), header row, columns and rows."""

    file: str
    sheet: str | None
    header_row: int
    columns: tuple[ListColumn, ...]
    rows: tuple[ListRow, ...]
    merges: tuple[Message, ...] = ()  # the merged ranges read: a value given to each row, a range across columns

    @property
    def recognised(self) -> tuple[ListColumn, ...]:
        """The columns that are Customers columns."""
        return tuple(c for c in self.columns if c.key is not None)

    @property
    def unrecognised(self) -> tuple[ListColumn, ...]:
        """The columns with a header that is no Customers column (or one an earlier column already is)."""
        return tuple(c for c in self.columns if c.key is None and c.header)

    def place(self, row: ListRow, column: ListColumn) -> Location:
        """Where a cell is, as the person finds it: sheet and cell (with its header), or CSV line and column."""
        if self.sheet is None:
            return Location(line=row.number, header=column.header)
        return Location(
            sheet=self.sheet, cell=f"{column_letter(column.position + 1)}{row.number}", header=column.header
        )

    def cell_name(self, row: ListRow, column: ListColumn) -> str:
        """The cell's address (B7), or for a CSV the line and column number (7:2)."""
        if self.sheet is None:
            return f"{row.number}:{column.position + 1}"
        return f"{column_letter(column.position + 1)}{row.number}"


def read_customer_list(path: Path) -> CustomerList:
    """The customer list in ``path`` (.xlsx, .xlsm, .xls, .ods, or .csv in UTF-8, UTF-8 with BOM or GBK; an .xls that
    an older system wrote as a web page, as tab-separated text or as an Excel 2003 XML spreadsheet is read as what it
    is); the refusals name the file as it is shown and recorded (``shown_name``)."""
    check_input_file(path, LIST_SUFFIXES)
    return run_isolated(_read, path, file=Path(shown_name(path)))


def _read(path: Path) -> CustomerList:
    """The part run in a worker: the sheets one at a time, up to the first with a header row, and its rows."""
    sheets = _csv_sheets(path) if path.suffix.lower() == ".csv" else _workbook_sheets(path)
    seen: list[str] = []
    for sheet, rows, merged in sheets:
        top = list(islice(rows, HEADER_SEARCH_ROWS))
        found = _header(top)
        if found is None:
            seen.append(sheet or shown_name(Path(path.name)))
            continue
        at, columns = found
        numbered = enumerate(chain(top[at + 1 :], rows), start=at + 2)
        body = [ListRow(n, tuple(r)) for n, r in numbered if any(not is_blank(v) for v in r)]
        if not body:
            raise InputError(msg("{path}: the list has a header row but no customers under it", path=shown_name(path)))
        notes = _read_merged(body, merged(), sheet, at + 1) if sheet is not None else ()
        return CustomerList(shown_name(Path(path.name)), sheet, at + 1, columns, tuple(body), notes)
    raise InputError(
        msg(
            "{path}: no header row naming {name} and another customer column in the first {rows} rows of {sheets}",
            path=shown_name(path),
            name=CUSTOMERS.column("name"),
            rows=HEADER_SEARCH_ROWS,
            sheets=listing(seen),
        )
    )


def _read_merged(body: list[ListRow], merged: Merged, sheet: str, header_row: int) -> tuple[Message, ...]:
    """Read the ranges merged under the header as the person sees them, changing ``body`` in place: a range down
    one column gives its value to each row of the list it spans (区域 华东 merged over A3:A5 is the region of the three
    customers; the file keeps it in A3 only); a range across columns shows one value whose column is not known, so
    it stays in its first cell and is named. What was read so, to be said."""
    at = {r.number: i for i, r in enumerate(body)}
    numbers = sorted(at)
    notes: list[Message] = []
    for block in sorted(set(merged)):  # a range listed twice is one range; in the order of the sheet
        (r0, c0), (r1, c1) = block
        spanned = numbers[bisect_left(numbers, r0 + 1) : bisect_right(numbers, r1 + 1)]
        if r0 + 1 <= header_row or not spanned or (r0 == r1 and c0 == c1):
            continue  # the title block and the header's own merges; a range over blank rows only
        value = body[at[spanned[0]]].cell(c0) if spanned[0] == r0 + 1 else None
        if is_blank(value):
            continue  # nothing to read on the rows under it
        if c1 > c0:
            notes.append(
                msg(
                    "{sheet}!{range} is merged across columns: its value {value} is read in column {column} only; "
                    "check rows {rows}",
                    sheet=sheet,
                    range=range_ref(block),
                    value=shown(value),
                    column=column_letter(c0 + 1),
                    rows=listing(str(n) for n in spanned),
                )
            )
            continue
        if len(spanned) < 2:
            continue
        for number in spanned[1:]:
            row = body[at[number]]
            cells = list(row.cells) + [None] * (c0 + 1 - len(row.cells))
            cells[c0] = value
            body[at[number]] = ListRow(number, tuple(cells))
        notes.append(
            msg(
                "{sheet}!{range} is merged: its value {value} is read on each of its lines (rows {rows})",
                sheet=sheet,
                range=range_ref(block),
                value=shown(value),
                rows=listing(str(n) for n in spanned),
            )
        )
    return tuple(notes)


def _header(rows: list[list[object]]) -> tuple[int, tuple[ListColumn, ...]] | None:
    """The header row among the top rows (index) and its columns, or None when no row names the customer name."""
    for i, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        columns = header_columns(row)
        keys = [c.key for c in columns if c.key is not None]
        if "name" in keys and len(keys) >= 2:
            return i, columns
    return None


def header_columns(headers: list[object]) -> tuple[ListColumn, ...]:
    """Each header as a column: the Customers key its name or alias is; a key named twice counts once (the first)."""
    columns: list[ListColumn] = []
    first: dict[str, str] = {}
    for position, value in enumerate(headers):
        header = "" if is_blank(value) else str(value).strip()
        key = _ALIASES.get(normalize_header(header)) if header else None
        if key is not None and key in first:
            columns.append(ListColumn(position, header, None, taken_by=first[key]))
            continue
        if key is not None:
            first[key] = header
        columns.append(ListColumn(position, header, key))
    return tuple(columns)


Rows = Iterator[list[object]]  # a sheet's rows from row 1, each from column A
Sheets = Iterator[tuple[str | None, Rows, Callable[[], Merged]]]  # name (None: a CSV), rows, its merged ranges


def _csv_sheets(path: Path) -> Sheets:
    yield None, (list(r) for r in read_csv_rows(path)), list


def _workbook_sheets(path: Path) -> Sheets:
    """The visible sheets, each parsed only when the one before it has no header row: a list on the first sheet
    is read without the sheets after it. The sheets parsed may span ``MAX_SHEET_CELLS`` together, the area the
    screening allows one sheet (calamine allocates a sheet's whole area, 32 bytes a cell)."""
    data = path.read_bytes()
    # An older system's .xls export that is text, a web page or an Excel 2003 XML spreadsheet: read as what it is.
    disguised = disguised_sheets(data, shown_name(path), max_cells=MAX_SHEET_CELLS)
    if disguised is not None:
        # An XML spreadsheet's merged ranges are read and said as a workbook's (a page's and text's: none).
        yield from ((s.name, iter(s.rows), partial(list, s.merged)) for s in disguised if s.visible)
        return
    try:
        verdict = check_file(path.name, data)
    except Rejection as refused:
        raise _refused(path, refused) from None
    if verdict.package is not None:
        verdict.package.close()
    book = _unreadable(path, lambda: calamine.CalamineWorkbook.from_filelike(io.BytesIO(data)))
    area = 0
    for meta in book.sheets_metadata:
        if meta.visible != calamine.SheetVisibleEnum.Visible:
            continue  # a hidden sheet is no list a person keeps
        sheet = _unreadable(path, partial(book.get_sheet_by_name, meta.name))
        area += sheet.height * sheet.width
        if area > MAX_SHEET_CELLS:
            raise InputError(
                msg(
                    "{path}: the sheets up to {sheet} span {cells:,} cells together (limit {limit:,}) before a header "
                    "row of customers is found: put the list on the first sheet",
                    path=shown_name(path),
                    sheet=meta.name,
                    cells=area,
                    limit=MAX_SHEET_CELLS,
                )
            )
        yield meta.name, _from_a1(sheet), _merges(path, data, sheet)


def _from_a1(sheet: calamine.CalamineSheet) -> Rows:
    """The sheet's rows from A1 (calamine's start at its first cell), one at a time."""
    if sheet.start is None:
        return
    first_row, first_column = sheet.start
    yield from ([] for _ in range(first_row))
    for row in sheet.iter_rows():
        yield [None] * first_column + list(row)


def _merges(path: Path, data: bytes, sheet: calamine.CalamineSheet) -> Callable[[], Merged]:
    """The sheet's merged ranges, read when its header row is found: calamine's, or an .ods's from its content.xml
    (calamine gives none for it)."""
    if path.suffix.lower() != ".ods":
        return lambda: list(sheet.merged_cell_ranges or ())

    def ods() -> Merged:
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                return ods_merged_ranges(archive, sheet.name) or []
        except (ValueError, etree.XMLSyntaxError, zipfile.BadZipFile) as exc:
            raise InputError(msg("{path}: cannot read the workbook ({exc})", path=shown_name(path), exc=exc)) from None

    return ods


def _unreadable(path: Path, read: Callable[[], T]) -> T:
    """``read()``, a workbook calamine cannot read refused naming the file."""
    try:
        return read()
    except Exception as exc:  # calamine raises its own types for damaged parts
        raise InputError(msg("{path}: cannot read the workbook ({exc})", path=shown_name(path), exc=exc)) from None


def _refused(path: Path, refused: Rejection) -> InputError:
    shown = shown_name(path)
    return InputError(f"{shown}: {refused.en}", f"{shown}：{refused.zh}")
