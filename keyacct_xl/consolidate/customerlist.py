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
from dataclasses import dataclass
from pathlib import Path

import python_calamine as calamine

from keyacct_xl.consolidate.intake import shown_name
from keyacct_xl.consolidate.safety import Rejection, check_file
from keyacct_xl.errors import InputError
from keyacct_xl.headers import alias_map, normalize_header
from keyacct_xl.isolation import run_isolated
from keyacct_xl.master.schema import CUSTOMERS
from keyacct_xl.messages import Location, listing, msg
from keyacct_xl.parsing import is_blank
from keyacct_xl.tablefile import check_input_file, read_csv_rows
from keyacct_xl.xlsx.ooxml import column_letter

LIST_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods", ".csv")
HEADER_SEARCH_ROWS = 30  # title rows above the header: a heading, who made it, a date, a blank line or two
_ALIASES = alias_map(CUSTOMERS.columns)


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
    """The customer list in ``path`` (.xlsx, .xlsm, .xls, .ods, or .csv in UTF-8, UTF-8 with BOM or GBK)."""
    check_input_file(path, LIST_SUFFIXES)
    return run_isolated(_read, path, file=path)


def _read(path: Path) -> CustomerList:
    """The part run in a worker: the sheets' cells, then the first sheet with a header row."""
    sheets = _csv_sheets(path) if path.suffix.lower() == ".csv" else _workbook_sheets(path)
    seen: list[str] = []
    for sheet, rows in sheets:
        found = _header(rows)
        if found is not None:
            top, columns = found
            body = tuple(
                ListRow(i + 1, tuple(r)) for i, r in enumerate(rows) if i > top and any(not is_blank(v) for v in r)
            )
            if not body:
                raise InputError(msg("{path}: the list has a header row but no customers under it", path=path))
            return CustomerList(shown_name(Path(path.name)), sheet, top + 1, columns, body)
        seen.append(sheet or path.name)
    raise InputError(
        msg(
            "{path}: no header row naming {name} and another customer column in the first {rows} rows of {sheets}",
            path=path,
            name=CUSTOMERS.column("name"),
            rows=HEADER_SEARCH_ROWS,
            sheets=listing(seen),
        )
    )


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


def _csv_sheets(path: Path) -> list[tuple[str | None, list[list[object]]]]:
    return [(None, [list(r) for r in read_csv_rows(path)])]


def _workbook_sheets(path: Path) -> list[tuple[str | None, list[list[object]]]]:
    data = path.read_bytes()
    try:
        verdict = check_file(path.name, data)
    except Rejection as refused:
        raise _refused(path, refused) from None
    if verdict.package is not None:
        verdict.package.close()
    try:
        book = calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
        return [
            (sheet.name, [list(r) for r in book.get_sheet_by_name(sheet.name).to_python(skip_empty_area=False)])
            for sheet in book.sheets_metadata
            if sheet.visible == calamine.SheetVisibleEnum.Visible  # a hidden sheet is no list a person keeps
        ]
    except Exception as exc:  # calamine raises its own types for damaged parts
        raise InputError(msg("{path}: cannot read the workbook ({exc})", path=path, exc=exc)) from None


def _refused(path: Path, refused: Rejection) -> InputError:
    return InputError(f"{path}: {refused.en}", f"{path}：{refused.zh}")
