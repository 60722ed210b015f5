"""Read one table from a loose file (.xlsx, .xlsm, .ods, .csv, .parquet) whose headers are zh/en names or aliases.

A sales manager often has a ledger export rather than a master workbook; this reader gives it the same
canonical columns and dtypes as the master, and the same located errors (file, sheet, cell or line).
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd
import python_calamine as calamine

if TYPE_CHECKING:
    import pyarrow as pa

from keyacct_xl.cellformulas import ods_sheet_marks
from keyacct_xl.consolidate import safety
from keyacct_xl.csvtext import csv_rows
from keyacct_xl.errors import InputError
from keyacct_xl.headers import resolve_headers
from keyacct_xl.isolation import run_isolated
from keyacct_xl.master.arrowread import blank_rows, typed_column
from keyacct_xl.master.belowrows import below_notices
from keyacct_xl.master.convert import convert
from keyacct_xl.master.model import dtype_for
from keyacct_xl.master.reader import table_start
from keyacct_xl.master.schema import Column
from keyacct_xl.messages import Location, listing, msg, row_ranges
from keyacct_xl.notices import notify
from keyacct_xl.parsing import is_blank
from keyacct_xl.xlsx.belowtable import NOTHING_BELOW, BelowTable, below_table, with_rows_below
from keyacct_xl.xlsx.ooxml import column_letter
from keyacct_xl.xlsx.package import locate_tables, open_package, part_mentions, read_part, sheet_parts
from keyacct_xl.xlsx.sheetxml import hidden_rows_columns

SUFFIXES = (".xlsx", ".xlsm", ".ods", ".csv", ".parquet")
# A sheet's area (bounding box of its cells) read from a table file: a big ledger, not a sparse bomb.
MAX_TABLE_CELLS = 20_000_000
# A Parquet file decodes to a few times its size (an ERP export of sales lines: 5-6 times); a crafted one, a value
# repeated by run-length encoding for millions of rows or one huge text, to thousands of times. Past the floor, a
# file decoding to more than MAX_PARQUET_RATIO times its size is refused before it fills the memory.
MAX_PARQUET_RATIO = 100
PARQUET_RATIO_FLOOR = 256 * 1024**2
_PARQUET_BATCH_ROWS = 65_536


def check_input_file(path: Path, suffixes: Sequence[str]) -> str:
    """The lower-case suffix of an input file that exists and has one of ``suffixes``; else a clear error."""
    suffix = path.suffix.lower()
    if suffix not in suffixes:
        *rest, last = suffixes
        shown = suffix or msg("(none)")
        if not rest:  # one type only: no empty list before "or"
            raise InputError(
                msg("{path}: unsupported file type {suffix}; use {last}", path=path, suffix=shown, last=last)
            )
        raise InputError(
            msg(
                "{path}: unsupported file type {suffix}; use {suffixes} or {last}",
                path=path,
                suffix=shown,
                suffixes=listing(rest),
                last=last,
            )
        )
    if not path.exists():
        raise InputError(msg("{path}: file not found", path=path))
    return suffix


def read_table_file(
    path: str | Path, columns: Sequence[Column], *, required: Iterable[str] = (), table: str | None = None
) -> pd.DataFrame:
    """Read ``path`` into a frame with canonical keys for ``columns`` (absent optional ones come empty).

    In an .xlsx the Excel table named ``table`` is read when present, else the first sheet with its
    first non-blank row as headers. Required columns must exist and have a value in every row. Rows typed right under
    the table, outside its range (LibreOffice and WPS do not extend it), are read as its rows, as the master's are
    (keyacct_xl/xlsx/belowtable.py); the person running the command is told of them and of the rows under it not read.
    """
    path = Path(path)
    if check_input_file(path, SUFFIXES) == ".parquet":
        return _parquet_frame(path, columns, tuple(required))
    return read_located_table(path, columns, required=required, table=table)[0]


# Where a value of a frame read from a file is: (frame row, key of a column the file has) → the file, sheet and
# cell, or the CSV line.
Locate = Callable[[int, str], Location]


def read_located_table(
    path: str | Path, columns: Sequence[Column], *, required: Iterable[str] = (), table: str | None = None
) -> tuple[pd.DataFrame, Locate]:
    """``read_table_file`` of an .xlsx, .xlsm, .ods or .csv file, and where each value read is in it: a later check
    names the cell it refuses by the sheet and the header as the file has them."""
    path = Path(path)
    suffix = check_input_file(path, tuple(s for s in SUFFIXES if s != ".parquet"))
    # Read in a worker with memory and time limits: a damaged or hostile file fails with one line, never a crash.
    headers, rows, place, below, hidden = run_isolated(_cells, (path, suffix, table), file=path)
    for notice in below_notices(path.name, place[1], below, saved=False):  # told here: a worker's notes go nowhere
        notify(notice)
    locate = _locator(path, place)
    positions = resolve_headers(headers, columns, where=str(path), required=tuple(required))
    _refuse_two_columns_for_one(path, headers, columns, positions)
    rows = [r for r in rows if any(not is_blank(v) for v in r[:-1])]
    hidden_rows, hidden_columns = hidden
    _tell_hidden(
        path,
        place[1],
        [int(r[-1]) for r in rows if r[-1] in hidden_rows],
        [str(headers[pos]).strip() for pos in sorted(positions) if place[2] + pos in hidden_columns],
    )
    frame = _frame(path, headers, rows, positions, locate, columns, tuple(required))
    frame.attrs["columns_not_read"] = not_read(headers, positions)
    found = {key: pos for pos, key in positions.items()}

    def located(i: int, key: str) -> Location:
        return locate(rows[i], found[key], headers[found[key]])  # a column the file has (else KeyError)

    return frame, located


def _refuse_two_columns_for_one(
    path: Path, headers: Sequence[object], columns: Sequence[Column], positions: dict[int, str]
) -> None:
    """Refuse a file with two columns of one meaning (金额 twice, or 金额 and its alias 销售额): only the first was
    read, the other's values dropped without a word, and nothing says which of the two the file means."""
    first = {key: pos for pos, key in positions.items()}
    for pos, header in enumerate(headers):
        if pos in positions or is_blank(header):
            continue
        key = resolve_headers([header], columns, where=str(path)).get(0)
        if key is not None:
            raise InputError(
                msg(
                    "{path}: the columns {first!r} and {second!r} both hold {column}; keep one of them (rename or "
                    "remove the other) so that the file says one thing",
                    path=path.name,
                    first=headers[first[key]],
                    second=header,
                    column=next(c for c in columns if c.key == key),
                )
            )


Place = tuple[str, str, int]  # how a row is named in messages: ("line" | "row" | "cell", sheet, first column)


Hidden = tuple[frozenset[int], frozenset[int]]  # the rows (1-based) and the columns (0-based) a sheet hides
Cells = tuple[list[object], list[list[object]], Place, BelowTable, Hidden]


def _cells(request: tuple[Path, str, str | None]) -> Cells:
    """Headers, rows (each ending with its line or row number), where they are, what lies under the table read and
    the sheet's hidden rows and columns: the part run in a worker."""
    path, suffix, table = request
    if suffix == ".csv":
        return (*_csv_cells(path), NOTHING_BELOW, (frozenset(), frozenset()))
    return _xlsx_cells(path, table)


def _tell_hidden(path: Path, sheet: str, lines: list[int], headers: list[str]) -> None:
    """Tell of the lines read from rows the file hides (a filter, rows hidden by hand) and of the columns read that
    it hides: read as the file holds them, as a returned statement's are, but a person who looked at the sheet did
    not see them."""
    if headers:
        notify(
            msg(
                "{path}: the column(s) {columns} of sheet {sheet} are hidden in the file, so a person reading it does "
                "not see them; read: check them in the file",
                path=path.name,
                columns=listing(headers),
                sheet=sheet,
            )
        )
    if lines:
        notify(
            msg(
                "{path}: rows {rows} of sheet {sheet} are hidden in the file (a filter, or hidden by hand), so a "
                "person reading it does not see them; read as lines: check them in the file",
                path=path.name,
                rows=row_ranges(lines),
                sheet=sheet,
            )
        )


def _locator(path: Path, place: Place):
    """How an error names a value: file and CSV line, parquet row, or sheet and cell."""
    kind, sheet, left = place

    def locate(row: list[object], pos: int, header: object) -> Location:
        number = row[-1]  # the line or row number _with_line added
        assert isinstance(number, int)
        if kind == "cell":
            return Location(path.name, sheet=sheet, cell=f"{column_letter(left + pos + 1)}{number}", header=header)
        if kind == "line":
            return Location(path.name, line=number, header=header)
        return Location(path.name, row=number, header=header)

    return locate


def _frame(
    path: Path,
    headers: list[object],
    rows: list[list[object]],
    positions: dict[int, str],
    locate,
    columns: Sequence[Column],
    required: tuple[str, ...],
) -> pd.DataFrame:
    """The typed frame of the non-blank ``rows`` whose columns are at ``positions``."""
    if not rows:
        raise InputError(msg("{path}: the table has headers but no data rows", path=path))
    by_key = {c.key: c for c in columns}
    data: dict[str, pd.Series] = {}
    for pos, key in positions.items():
        values = [r[pos] if pos < len(r) - 1 else None for r in rows]
        data[key] = convert(values, by_key[key].kind, lambda i, p=pos, h=headers[pos]: locate(rows[i], p, h))
        blanks = [i for i, v in enumerate(values) if is_blank(v)]
        if key in required and blanks:
            shown = listing(locate(rows[i], pos, headers[pos]) for i in blanks[:5])
            more = msg(" (+{count} more)", count=len(blanks) - 5) if len(blanks) > 5 else ""
            raise InputError(
                msg("{where}{more}: {column} is required but blank", where=shown, more=more, column=by_key[key])
            )
    return _with_absent(pd.DataFrame(data, index=pd.RangeIndex(len(rows))), columns)


def _with_line(rows: list[list[object]], first_line: int) -> list[list[object]]:
    # The source line travels with the row (as its last item) so errors name it after blank rows are dropped.
    return [[*r, first_line + i] for i, r in enumerate(rows)]


def read_csv_rows(path: Path) -> list[list[str]]:
    """The records of the CSV file at ``path`` as text, blank lines kept (as ``[]``) so record i is line i + 1, in
    the encoding and split by the separator ``keyacct_xl/csvtext.py`` tells; an empty file is refused."""
    return csv_rows(path.read_bytes(), path)


def _csv_cells(path: Path) -> tuple[list[object], list[list[object]], Place]:
    values: list[list[object]] = list(read_csv_rows(path))
    top = next(i for i, r in enumerate(values) if any(not is_blank(v) for v in r))
    return values[top], _with_line(values[top + 1 :], top + 2), ("line", "", 0)


def _parquet_frame(path: Path, columns: Sequence[Column], required: tuple[str, ...]) -> pd.DataFrame:
    """A Parquet file's columns typed one column at a time (keyacct_xl/master/arrowread.py): an ERP export of
    millions of lines is never turned into Python rows; a column whose values its kind does not take (typed
    amounts, dates as text) is converted cell by cell, a bad value named by its row. Parquet is a typed format
    pyarrow validates as it reads, so it is read here rather than in a worker (a worker would pickle every line),
    with its decoded size capped instead (``read_parquet_capped``)."""
    table = read_parquet_capped(path)
    headers: list[object] = list(table.column_names)
    positions = resolve_headers(headers, columns, where=str(path), required=required)
    _refuse_two_columns_for_one(path, headers, columns, positions)
    arrays = [_wall_clock(table.column(i).combine_chunks()) for i in range(table.num_columns)]
    kept = (~blank_rows(arrays)).nonzero()[0]
    if not len(kept):
        raise InputError(msg("{path}: the table has headers but no data rows", path=path))
    by_key = {c.key: c for c in columns}
    data: dict[str, pd.Series] = {}
    for pos, key in positions.items():

        def locate(i: int, header: object = headers[pos]) -> Location:
            return Location(path.name, row=int(kept[i]) + 1, header=header)

        data[key] = typed_column(arrays[pos].take(kept), by_key[key].kind, locate)
        blanks = data[key].isna().to_numpy().nonzero()[0]
        if key in required and len(blanks):
            shown = listing(locate(int(i)) for i in blanks[:5])
            more = msg(" (+{count} more)", count=len(blanks) - 5) if len(blanks) > 5 else ""
            raise InputError(
                msg("{where}{more}: {column} is required but blank", where=shown, more=more, column=by_key[key])
            )
    frame = _with_absent(pd.DataFrame(data, index=pd.RangeIndex(len(kept))), columns)
    frame.attrs["columns_not_read"] = not_read(headers, positions)
    return frame


def not_read(headers: Sequence[object], positions: dict[int, str]) -> tuple[str, ...]:
    """The headers of a file's columns that are none of the columns read (kept in ``attrs["columns_not_read"]``):
    what a reader that stores the lines tells the user it left out."""
    return tuple(str(h).strip() for pos, h in enumerate(headers) if pos not in positions and not is_blank(h))


def _wall_clock(column: pa.Array) -> pa.Array:
    """A timestamp column that carries a time zone (pandas writes one for a tz-aware column) as the day and time its
    zone shows, which is the date the export means; the master's dates carry none (a traceback before)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if pa.types.is_timestamp(column.type) and column.type.tz is not None:
        return pc.local_timestamp(column)
    return column


def _with_absent(frame: pd.DataFrame, columns: Sequence[Column]) -> pd.DataFrame:
    """``frame`` with the absent optional ``columns`` empty, in ``columns``' order; the keys the file had are kept
    in ``attrs["columns_found"]`` (a reader telling a column left out from one left blank)."""
    found = tuple(c.key for c in columns if c.key in frame.columns)
    for col in columns:
        if col.key not in frame.columns:
            frame[col.key] = pd.Series([None] * len(frame), dtype=dtype_for(col.kind))
    frame = frame[[c.key for c in columns]]
    frame.attrs["columns_found"] = found
    return frame


def read_parquet_capped(path: Path) -> pa.Table:
    """Every column of the Parquet file at ``path``, read a batch of rows at a time; a damaged file, or one that
    would decode to more than MAX_PARQUET_RATIO times its size (a compression bomb), is an InputError naming it."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    size = max(path.stat().st_size, 1)
    try:
        parquet = pq.ParquetFile(path)
        meta = parquet.metadata
        # What the file says it holds, before a byte is decoded: 8 bytes a value at least, or the column's pages.
        stated = sum(
            max(meta.row_group(g).num_rows * 8, meta.row_group(g).column(c).total_uncompressed_size)
            for g in range(meta.num_row_groups)
            for c in range(meta.num_columns)
        )
        _refuse_inflation(path, stated, size)
        batches, decoded = [], 0
        for batch in parquet.iter_batches(batch_size=_PARQUET_BATCH_ROWS):
            decoded += batch.nbytes  # a text repeated from a dictionary decodes to far more than the file says
            _refuse_inflation(path, decoded, size)
            batches.append(batch)
        return pa.Table.from_batches(batches, schema=parquet.schema_arrow)
    except (OSError, pa.ArrowException) as exc:
        raise InputError(msg("{path}: cannot read the parquet file ({exc})", path=path, exc=exc)) from None


def _refuse_inflation(path: Path, decoded: int, size: int) -> None:
    if decoded > PARQUET_RATIO_FLOOR and decoded / size > MAX_PARQUET_RATIO:
        raise InputError(
            msg(
                "{path}: the parquet file decodes to more than {decoded:,} bytes from {size:,} (over {ratio} times "
                "its size: a compression bomb?); it was not read",
                path=path,
                decoded=decoded,
                size=size,
                ratio=MAX_PARQUET_RATIO,
            )
        )


def _xlsx_cells(path: Path, table: str | None) -> Cells:
    safety.check_workbook_file(path, max_cells=MAX_TABLE_CELLS)  # clear errors for damaged or bomb files first
    excel = path.suffix.lower() != ".ods"  # an .ods keeps no Excel table: its first sheet is read
    below = NOTHING_BELOW
    try:
        if table and excel:
            data, below = _with_rows_below(path, table)
            book = calamine.CalamineWorkbook.from_filelike(io.BytesIO(data), load_tables=True)
        else:
            book = calamine.CalamineWorkbook.from_path(str(path), load_tables=excel)
        shown = _visible_sheets(path, book)
        if table and excel and table in book.table_names:
            found = book.get_table_by_name(table)
            if found.sheet not in shown:
                raise InputError(
                    msg(
                        "{path}: the table {table} is on the hidden sheet {sheet}, which nobody opening the file "
                        "sees; unhide the sheet in Excel if it holds the lines to read",
                        path=path,
                        table=table,
                        sheet=found.sheet,
                    )
                )
            # calamine's start is the first data row (0-based): Excel row start + 1.
            sheet, (first, left) = found.sheet, table_start(found, path)
            headers, body, first = list(found.columns), found.to_python(), first + 1
        else:
            first = book.get_sheet_by_name(shown[0])
            sheet, cells = first.name, first.to_python(skip_empty_area=False)
            top = next((i for i, r in enumerate(cells) if any(not is_blank(v) for v in r)), None)
            if top is None:
                raise InputError(msg("{path}: sheet {sheet} is empty", path=path, sheet=sheet))
            left, headers, body, first = 0, cells[top], cells[top + 1 :], top + 2
    except InputError:
        raise
    except Exception as exc:  # calamine raises its own types for damaged parts
        raise InputError(msg("{path}: cannot read the workbook ({exc})", path=path, exc=exc)) from None
    return (
        headers,
        _with_line([list(r) for r in body], first),
        ("cell", sheet, left),
        below,
        _hidden(path, sheet, first + len(body), left + len(headers)),
    )


def _hidden(path: Path, sheet: str, rows: int, width: int) -> Hidden:
    """The rows (1-based) and columns (0-based) ``sheet`` hides among its first ``rows`` rows and ``width`` columns
    (calamine reads every cell)."""
    if path.suffix.lower() == ".ods":
        with zipfile.ZipFile(path) as archive:  # pre-checked, as calamine read it
            marks = ods_sheet_marks(archive, sheet, rows, width)
        return (frozenset(r + 1 for r in marks[1]), marks[2]) if marks else (frozenset(), frozenset())
    if path.suffix.lower() not in (".xlsx", ".xlsm"):
        return frozenset(), frozenset()
    with open_package(path) as archive:
        part = sheet_parts(archive).get(sheet)
        # Nearly no export hides a row or column: the word looked for first, so a million rows are parsed only when
        # it is there (the scan takes a tenth of the parse; docs/history.md).
        if part is None or not part_mentions(archive, part, b"hidden"):
            return frozenset(), frozenset()
        hidden_rows, columns = hidden_rows_columns(read_part(archive, part), part)
    return frozenset(r + 1 for r in hidden_rows), columns


def _visible_sheets(path: Path, book: calamine.CalamineWorkbook) -> list[str]:
    """The sheets a person opening the workbook sees, in order: a hidden sheet put first is not what they read."""
    shown = [m.name for m in book.sheets_metadata if m.visible == calamine.SheetVisibleEnum.Visible]
    if not shown:
        raise InputError(msg("{path}: the workbook has no visible sheet", path=path))
    return shown


def _with_rows_below(path: Path, table: str) -> tuple[bytes, BelowTable]:
    """The workbook's bytes with the table ``table`` extended over the rows typed right under it, and what lies under
    it (nothing for a workbook without that table: its first sheet is read)."""
    data = path.read_bytes()
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        where = locate_tables(archive).get(table)
        if where is None:
            return data, NOTHING_BELOW
        below = below_table(archive, where)
    return with_rows_below(data, {where: below}), below
