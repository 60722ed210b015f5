"""Read the master workbook with python-calamine: tables by their stable names, headers by alias."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import python_calamine as calamine

from keyacct_xl.errors import InputError, raise_if_interrupted
from keyacct_xl.headers import resolve_headers
from keyacct_xl.history.store import committed_batches, history_lines
from keyacct_xl.i18n import Lang
from keyacct_xl.master.adjustments import ADJUSTMENTS
from keyacct_xl.master.arrowread import (
    ArrowBook,
    arrow_kind,
    cache_array,
    cells_kind,
    empty_text_as_null,
    null_rows,
    typed_cells,
    typed_column,
    vectorised,
)
from keyacct_xl.master.belowrows import tell_rows_below
from keyacct_xl.master.cellcolumns import cells_array
from keyacct_xl.master.convert import convert
from keyacct_xl.master.model import ArchivedRows, Master, SheetRows, dtype_for, empty_frame
from keyacct_xl.master.offkind import OffKind, OffKindColumn, off_kind_cells, off_kind_notices
from keyacct_xl.master.privacy import is_sensitive_column
from keyacct_xl.master.schema import ALL_TABLES, DATA_TABLES, NOT_BLANK, SETTINGS, FrameKind, TableSchema
from keyacct_xl.master.settings import SettingCell, Settings, master_folder, parse_settings, setting_key
from keyacct_xl.master.tablecache import (
    MASTER_TABLES,
    ReadTable,
    cache_folder,
    cached_table,
    is_cached,
    keep_table,
    table_keys,
)
from keyacct_xl.master.tablememo import recalled, remember
from keyacct_xl.messages import Location, Message, Pair, listing, msg
from keyacct_xl.notices import notify
from keyacct_xl.xlsx.belowtable import below_table, with_rows_below
from keyacct_xl.xlsx.ooxml import column_letter, unescape_text
from keyacct_xl.xlsx.package import TableLocation, locate_tables, open_package

# Tables a master holds once a command has added them; read (and cached) like the others when present.
OPTIONAL_TABLES = (ADJUSTMENTS,)
# The columns without which a table means nothing; the others may be absent and load empty.
REQUIRED_COLUMNS = {
    "Customers": ("customer_id", "name"),
    "Transactions": ("date", "customer_id", "amount"),
    "Payments": ("date", "customer_id", "amount"),
    "Visits": ("date", "customer_id"),
    "Contacts": ("customer_id", "name"),
    "Opportunities": ("customer_id",),
    "Competitors": ("competitor",),
    "GradeHistory": ("year", "customer_id"),
    "Settings": ("setting", "value"),
    "Adjustments": ("date", "customer_id", "amount"),
}


def _refuse_blanks(values: pd.Series, locate: Callable[[int], Location]) -> None:
    blank = values.isna().to_numpy().nonzero()[0]
    if len(blank):
        raise InputError(msg("{where}: a value is required here", where=locate(int(blank[0]))))


def table_place(path: Path, sheet: str, table: str) -> Message:
    """How a message names a table of the master: ``master.xlsx: sheet 客户档案, table Customers``."""
    return msg("{file}: sheet {sheet}, table {table}", file=path.name, sheet=sheet, table=table)


def is_master_workbook(path: Path) -> bool:
    """True for an .xlsx holding the Customers and Transactions tables (load_master names any other missing one).

    Commands that accept either a master or a plain table file use this to choose the reader.
    """
    if path.suffix.lower() not in (".xlsx", ".xlsm") or not path.exists():
        return False
    try:
        # From the package's XML, not calamine: a hostile file must not crash this process (e.g. calamine
        # reserves a forged shared-string count up front); the isolated table reader reports it.
        with open_package(path) as archive:
            names = set(locate_tables(archive))
    except Exception:  # not readable as a workbook: the table reader then reports the located error
        return False
    return {"Customers", "Transactions"} <= names


def open_book(path: Path) -> calamine.CalamineWorkbook:
    """The workbook at ``path`` opened by calamine with its tables, after the package check; a damaged file (a
    calamine error or panic) is one InputError naming it."""
    open_package(path).close()  # a clear error for a missing, non-xlsx or bomb file, before calamine
    try:
        return calamine.CalamineWorkbook.from_path(str(path), load_tables=True)
    except BaseException as exc:  # calamine raises its own types, and a Rust panic is no Exception
        raise_if_interrupted(exc)
        raise InputError(msg("{path}: cannot read the workbook ({exc})", path=path, exc=exc)) from None


def open_book_bytes(data: bytes, path: Path) -> calamine.CalamineWorkbook:
    """``open_book`` of the workbook's bytes read from ``path`` (already checked as a package)."""
    try:
        return calamine.CalamineWorkbook.from_filelike(io.BytesIO(data), load_tables=True)
    except BaseException as exc:  # see open_book
        raise_if_interrupted(exc)
        raise InputError(msg("{path}: cannot read the workbook ({exc})", path=path, exc=exc)) from None


def open_book_as_read(path: Path) -> calamine.CalamineWorkbook:
    """``open_book`` with each table's range extended over the rows typed under it that a load reads as its own
    (keyacct_xl/xlsx/belowtable.py): a check of the workbook sees the rows the commands see."""
    open_package(path).close()  # as open_book: a clear error for a missing, non-xlsx or bomb file first
    data = path.read_bytes()
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        below = {loc: below_table(archive, loc) for loc in locate_tables(archive).values()}
    return open_book_bytes(with_rows_below(data, below), path)


def open_master_book(path: Path) -> calamine.CalamineWorkbook:
    """``open_book``, refusing a workbook without the master's required tables."""
    book = open_book(path)
    missing = [t for t in ALL_TABLES if t.required and t.name not in set(book.table_names)]
    if missing:
        raise not_a_master(path, missing)
    return book


def not_a_master(path: Path, missing: Sequence[TableSchema]) -> InputError:
    """The error for a workbook without the master's ``missing`` tables: their sheets named in the user's language
    (the tables' own names are no word of theirs)."""
    sheets = listing(Pair(t.sheet_en, t.sheet_zh) for t in missing)
    return InputError(msg("{path}: not a master workbook, missing sheet(s) {sheets}", path=path, sheets=sheets))


def load_master(path: str | Path, *, history: bool = True) -> Master:
    """Load every master table into canonical DataFrames; errors name file, sheet and cell.

    A table whose parts are unchanged since the last load comes from the load cache in the history store
    (keyacct_xl/master/tablecache.py) without opening the workbook; the others are read through Arrow
    (keyacct_xl/master/arrowread.py) and cached. With ``history`` (the default) Transactions and Payments also hold
    the lines the master moved into its history store (keyacct_xl.history), first, so every reader sees all lines
    wherever they live; a save writes back only the workbook's. ``history=False`` reads the workbook alone (what the
    archive moves from).
    """
    path = Path(path)
    return master_of(path, read_tables(path, lambda found: master_schemas(found, path)), history=history)


def load_master_with(
    path: str | Path, also: Sequence[TableSchema], *, history: bool = True
) -> tuple[Master, dict[str, pd.DataFrame]]:
    """``load_master`` and the tables ``also`` by table name (one the workbook lacks empty), from one read of it.

    A command that needs a table the master does not load (consolidation's Complaints) reads it with the master's
    own: the workbook is opened and parsed once, and both come from the same file.
    """
    path = Path(path)
    # The master's tables first: a workbook that is no master, or a bad cell in them, is reported as load_master does.
    tables = read_tables(path, lambda found: [*master_schemas(found, path), *(s for s in also if s.name in found)])
    extra = {s.name: tables[s].frame if s in tables else empty_frame(s) for s in also}
    return master_of(path, tables, history=history), extra


def master_of(path: Path, tables: Mapping[TableSchema, ReadTable], *, history: bool = True) -> Master:
    """The ``Master`` of the master's ``tables`` as ``read_tables`` gives them (``master_schemas``' among them)."""
    frames: dict[str, Any] = {t.attr: tables[t].frame for t in ALL_TABLES}
    headers = {t.name: tables[t].headers for t in ALL_TABLES}
    for table in (t for t in OPTIONAL_TABLES if t in tables):
        frames[table.attr], headers[table.name] = tables[table].frame, tables[table].headers
    settings_frame = frames.pop(SETTINGS.attr)
    settings = parse_settings(tables[SETTINGS].cells, folder=master_folder(path))
    # the rows that name a setting, picked as they are zipped: dropna would build a frame of a few rows for it
    described = zip(settings_frame["setting"], settings_frame["description"])
    notes = {setting_key(k): v for k, v in described if not pd.isna(k) and v}
    lang: Lang = "zh" if tables[DATA_TABLES[0]].sheet == DATA_TABLES[0].sheet_zh else "en"
    archived = _with_history(path, frames, settings) if history else {}
    own = {t: read for t, read in tables.items() if MASTER_TABLES.get(t.name) == t}  # not consolidation's Customers
    rows = {t.name: read.rows for t, read in own.items() if read.rows is not None}
    off_kind = {t.name: read.off_kind for t, read in own.items() if read.off_kind}
    return Master(
        **frames,
        settings=settings,
        lang=lang,
        path=path,
        headers=headers,
        settings_notes=notes,
        archived=archived,
        rows=rows,
        off_kind=off_kind,
    )


def read_tables(
    path: Path, choose: Callable[[dict[str, TableLocation]], Sequence[TableSchema]]
) -> dict[TableSchema, ReadTable]:
    """The tables ``choose`` picks from where the workbook at ``path`` has its tables (refusing a workbook that
    lacks one it needs), each typed by its schema, from the load cache where its parts are unchanged.

    The workbook is read at most once, whatever the tables: a table asked for under two schemas (the master's
    Customers and consolidation's, with provenance) is parsed once and typed once per schema. Rows typed right under
    a table, outside its range, are read as its rows, and rows under it that are not are named: the person running
    the command is told of both (keyacct_xl/master/belowrows.py), from the cache too.
    """
    with open_package(path) as archive:
        checked = _keyed(archive, choose)[1]
    folder = cache_folder(path)
    found = _cached(path, folder, checked)
    if len(found) == len(checked):
        tell_rows_below(path, found.values())
        _tell_off_kind(path, found.items())
        return found
    # Read the file once and key the tables from these bytes: a save that replaces the file meanwhile must not
    # have its tables cached under the keys of the file before it.
    data = path.read_bytes()
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        locations, keys = _keyed(archive, choose)
        found = {schema: read for schema, read in found.items() if keys.get(schema) == checked[schema]}  # once
        found.update(_cached(path, folder, {schema: key for schema, key in keys.items() if schema not in found}))
        stale = [schema for schema in keys if schema not in found]
        below = {name: below_table(archive, locations[name]) for name in dict.fromkeys(s.name for s in stale)}
    # The rows typed under a table (LibreOffice and WPS do not extend it) are read as its rows: its range extended
    readable = with_rows_below(data, {locations[name]: rows for name, rows in below.items()})
    for schema, read in zip(stale, read_workbook_tables(readable, path, locations, stale, cached=folder is not None)):
        found[schema] = read = replace(read, below=below[schema.name])
        remember(path, schema, keys[schema], read)
        if folder is not None:
            keep_table(folder, schema, keys[schema], read)
    tables = {schema: found[schema] for schema in keys}
    tell_rows_below(path, tables.values())
    _tell_off_kind(path, tables.items())
    return tables


def _tell_off_kind(path: Path, tables: Iterable[tuple[TableSchema, ReadTable]]) -> None:
    """Tell the person running the command of the text each table read as its columns' dates or numbers, the
    values of a personal column (a contact's birthday) withheld."""
    for schema, read in tables:
        if read.off_kind and read.rows is not None:
            personal = {label for label, c in read.off_kind.items() if is_sensitive_column(schema, label, c.header)}
            for notice in off_kind_notices(path, read.sheet, read.off_kind, read.rows.excel_rows(), personal=personal):
                notify(notice)


def read_present_tables(path: Path, schemas: Sequence[TableSchema]) -> dict[TableSchema, ReadTable]:
    """The tables among ``schemas`` the workbook at ``path`` holds (one not there yet is left out), read as
    ``load_master`` reads its own."""
    return read_tables(path, lambda found: [s for s in schemas if s.name in found])


def _keyed(
    archive: zipfile.ZipFile, choose: Callable[[dict[str, TableLocation]], Sequence[TableSchema]]
) -> tuple[dict[str, TableLocation], dict[TableSchema, str]]:
    """Where the package's tables are, and the chosen tables' cache keys (the same for the same table)."""
    locations = locate_tables(archive)
    chosen = list(dict.fromkeys(choose(locations)))
    keys = table_keys(archive, {schema.name: locations[schema.name] for schema in chosen})
    return locations, {schema: keys[schema.name] for schema in chosen}


def master_schemas(locations: Mapping[str, TableLocation], path: Path) -> list[TableSchema]:
    """The master's tables (the optional ones it holds too) among the workbook's ``locations``; a workbook without
    the master's tables is refused."""
    missing = [t for t in ALL_TABLES if t.required and t.name not in locations]
    if missing:
        raise not_a_master(path, missing)
    return [*ALL_TABLES, *(t for t in OPTIONAL_TABLES if t.name in locations)]


def _cached(path: Path, folder: Path | None, keys: Mapping[TableSchema, str]) -> dict[TableSchema, ReadTable]:
    """The tables of the file at ``path`` read before under ``keys``: from this process's memory, else from the
    load cache's files."""
    found = {schema: recalled(path, schema, key) for schema, key in keys.items()}
    for schema, key in keys.items():
        read = found[schema]
        if folder is None:
            continue
        if read is None:
            found[schema] = read = cached_table(folder, schema, key)
            if read is not None:
                remember(path, schema, key, read)
        elif not is_cached(folder, schema, key):  # kept in memory from before the store existed: the next process
            keep_table(folder, schema, key, read)  # reads it from the file
    return {schema: read for schema, read in found.items() if read is not None}


def read_workbook_tables(
    data: bytes, path: Path, locations: dict[str, TableLocation], schemas: list[TableSchema], *, cached: bool = False
) -> list[ReadTable]:
    """The tables ``schemas`` of the workbook ``data`` (the file at ``path``): Arrow columns typed per column;
    Settings, and a table with a column that mixes kinds, through calamine (each column typed at once when its cells
    allow, else cell by cell). With ``cached`` each Arrow table also carries its frame as Arrow, what the load cache
    writes."""
    arrow = ArrowBook(data, path.name) if any(s is not SETTINGS for s in schemas) else None
    book: calamine.CalamineWorkbook | None = None
    parsed: dict[str, tuple[list[str], list[object] | None]] = {}  # a table asked for under two schemas: parsed once
    out = []
    for schema in schemas:
        if arrow is not None and schema is not SETTINGS and schema.name not in parsed:
            headers, columns = arrow.columns(schema.name)
            parsed[schema.name] = headers, None if columns is None else [empty_text_as_null(c) for c in columns]
        headers, columns = parsed.get(schema.name, ([], None))
        if columns is not None:
            out.append(_arrow_table(schema, path, locations[schema.name], headers, columns, cached=cached))
            continue
        if book is None:
            book = open_book_bytes(data, path)
        read = read_book_table(book, schema, path, at_once=True)
        out.append(replace(read, cells=tuple(setting_cells(book, path))) if schema is SETTINGS else read)
    return out


def _arrow_table(
    schema: TableSchema,
    path: Path,
    location: TableLocation,
    headers: list[str],
    columns: list[object],
    *,
    cached: bool,
) -> ReadTable:
    """One table from its Arrow ``columns`` (their empty texts null); with ``cached`` its frame as Arrow too."""
    first_row, first_col = location.cells()[:2]  # 1-based header row: 0-based, the first body row
    blank = null_rows(columns)
    kept = (~blank).nonzero()[0]
    rows = sheet_rows(location.sheet, first_row, kept, len(blank))
    if len(kept) < len(blank):
        columns = [c.take(kept) for c in columns]  # type: ignore[attr-defined]

    stored: dict[int, object] = {}  # per position, the Arrow array the cache keeps of a column typed at once
    off: dict[int, tuple[FrameKind, dict[int, object]]] = {}  # per position, its cells off its kind

    def cells(pos: int, kind: FrameKind, locate: Callable[[int], Location]) -> pd.Series:
        fast = vectorised(columns[pos], kind)
        if fast is None:
            typed = typed_column(columns[pos], kind, locate)
            if cached and kind == "cells":  # a struct of its cells' kinds: Arrow holds no column of dates and times
                stored[pos] = cells_array(typed)
            off[pos] = kind, off_kind_cells(columns[pos].to_pylist(), kind)  # type: ignore[attr-defined]
            return typed
        if cached:
            stored[pos] = cache_array(columns[pos], kind)
        return fast

    start = (first_row, first_col - 1)
    frame, found = typed_frame(
        schema, path, location.sheet, headers, start, kept, cells, lambda pos: arrow_kind(columns[pos])
    )
    arrow = _arrow_of(frame, stored) if cached else None
    return ReadTable(frame, found, location.sheet, arrow=arrow, rows=rows, off_kind=_off_kind(found, off, start[1]))


def _off_kind(
    found: Mapping[str, str], off: Mapping[int, tuple[FrameKind, dict[int, object]]], first_col: int
) -> OffKind:
    """The table's cells off their column's kind by column label, from those found per column position (the frame's
    labels are its columns' in the sheet's order); ``first_col`` is the table's first column, 0-based."""
    labels = list(found)
    return {
        labels[pos]: OffKindColumn(column_letter(first_col + pos + 1), found[labels[pos]], kind, cells)
        for pos, (kind, cells) in off.items()
        if cells
    }


def sheet_rows(sheet: str, first: int, kept: Sequence[int] | np.ndarray, total: int) -> SheetRows:
    """Where the ``kept`` of a table's ``total`` body rows are, its first body row being ``first`` (0-based)."""
    blank = np.ones(total, dtype=np.bool_)
    blank[np.asarray(kept, dtype=np.int64)] = False  # a mask, not a set difference: no sort of every row
    return SheetRows(sheet, first + 1, len(kept), tuple(int(b) for b in blank.nonzero()[0]))


def _arrow_of(frame: pd.DataFrame, stored: dict[int, object]) -> object:
    """The frame as an Arrow table for the cache: the arrays typed at once as they are, the other columns
    converted (the frame's columns are the table's in order, then the schema's absent ones)."""
    import pyarrow as pa

    arrays = [stored.get(i) for i in range(len(frame.columns))]
    return pa.table(
        [a if a is not None else pa.array(frame[label], from_pandas=True) for a, label in zip(arrays, frame.columns)],
        names=[str(label) for label in frame.columns],
    )


def _with_history(path: Path, frames: dict[str, pd.DataFrame], settings: Settings) -> dict[str, ArchivedRows]:
    """Put the history store's lines in front of the workbook's, per archived table; what came from the store."""
    by_name = {t.name: t.attr for t in DATA_TABLES}
    stored = history_lines(path, settings, {name: frames[by_name[name]] for name in by_name})
    archived = {}
    for name, lines in stored.items():
        attr = by_name[name]
        frames[attr] = with_stored_lines(lines, frames[attr])
        archived[name] = ArchivedRows(len(lines), path, committed_batches(settings))
    return archived


def with_stored_lines(lines: pd.DataFrame, workbook: pd.DataFrame) -> pd.DataFrame:
    """The history store's ``lines`` in front of the ``workbook``'s, in the workbook's columns (then the store's)."""
    union = pd.concat([lines, workbook], ignore_index=True)
    return union[[*workbook.columns, *(c for c in lines.columns if c not in workbook.columns)]]


def read_settings(book: calamine.CalamineWorkbook, path: Path) -> Settings:
    """The master's Settings table parsed once; a bad value is an InputError naming its cell (参数设置!B9)."""
    if SETTINGS.name not in (book.table_names or ()):
        return parse_settings(())
    return parse_settings(setting_cells(book, path), folder=master_folder(path))


def setting_cells(book: calamine.CalamineWorkbook, path: Path) -> list[SettingCell]:
    """The Settings table's rows as written (by key or name), each value with its sheet and cell."""
    table = book.get_table_by_name(SETTINGS.name)
    columns = [unescape_text(str(c)) for c in table.columns]
    positions = resolve_headers(
        columns,
        SETTINGS.columns,
        where=table_place(path, table.sheet, SETTINGS.name),
        required=REQUIRED_COLUMNS[SETTINGS.name],
    )
    at = {key: pos for pos, key in positions.items()}
    first_row, first_col = table_start(table, path)
    letter = column_letter(first_col + at["value"] + 1)
    return [
        SettingCell(row[at["setting"]], row[at["value"]], f"{path.name}: {table.sheet}!{letter}{first_row + 1 + i}")
        for i, row in enumerate(table.to_python())
        if row[at["setting"]] not in ("", None)
    ]


def table_start(table: calamine.CalamineTable, path: Path) -> tuple[int, int]:
    """The table's first body cell (row, column), 0-based as calamine counts; a table without cells is refused."""
    if table.start is None:  # calamine's API allows it; unchecked, the unpacking would fail with a TypeError
        raise InputError(msg("{where} holds no cells", where=table_place(path, table.sheet, table.name)))
    return table.start


def read_table(
    book: calamine.CalamineWorkbook, schema: TableSchema, path: Path
) -> tuple[pd.DataFrame, dict[str, str], str]:
    """The table ``schema.name`` of ``book`` as a typed frame, its header text by column key, and its sheet.

    Headers resolve by alias; a bad cell raises InputError naming file, sheet, cell and header.
    """
    read = read_book_table(book, schema, path)
    return read.frame, read.headers, read.sheet


def read_book_table(
    book: calamine.CalamineWorkbook, schema: TableSchema, path: Path, *, at_once: bool = False
) -> ReadTable:
    """``read_table`` with where each row is in the sheet; with ``at_once`` a column whose cells are all of the type
    its kind takes is typed at once (``typed_cells``), the others cell by cell."""
    table = book.get_table_by_name(schema.name)
    columns = [unescape_text(str(c)) for c in table.columns]  # Excel writes Alt+Enter in a name as _x000a_
    all_rows = table.to_python()
    # Blank rows (the empty body row Excel keeps in a new table) hold no data; the rest keep their place.
    kept = [i for i, r in enumerate(all_rows) if any(v not in ("", None) for v in r)]
    rows = [all_rows[i] for i in kept]

    off: dict[int, tuple[FrameKind, dict[int, object]]] = {}  # per position, its cells off its kind

    def cells(pos: int, kind: FrameKind, locate: Callable[[int], Location]) -> pd.Series:
        values = [r[pos] for r in rows]
        typed = typed_cells(values, kind) if at_once else None
        if typed is not None:
            return typed
        off[pos] = kind, off_kind_cells(values, kind)
        return convert(values, kind, locate)

    start = table_start(table, path)
    frame, found = typed_frame(
        schema, path, table.sheet, columns, start, kept, cells, lambda pos: cells_kind([r[pos] for r in rows])
    )
    where = sheet_rows(table.sheet, start[0], kept, len(all_rows))
    return ReadTable(frame, found, table.sheet, rows=where, off_kind=_off_kind(found, off, start[1]))


def typed_frame(
    schema: TableSchema,
    path: Path,
    sheet: str,
    columns: list[str],
    start: tuple[int, int],
    kept: Sequence[int] | np.ndarray,
    cells: Callable[[int, FrameKind, Callable[[int], Location]], pd.Series],
    own_kind: Callable[[int], FrameKind],
) -> tuple[pd.DataFrame, dict[str, str]]:
    """A table's typed frame and header text by column key, from its headers and ``cells(position, kind, locate)``
    typing one column; ``start`` is the first body cell (0-based), ``kept`` the body rows that are not blank.

    A column the user added to the table takes the kind its own cells have (``own_kind``): numbers stay numbers
    and dates dates, so the next save writes them back as they were, not as text; in a column mixing kinds each
    cell keeps its own ("cells")."""
    where = table_place(path, sheet, schema.name)
    positions = resolve_headers(columns, schema.columns, where=where, required=REQUIRED_COLUMNS.get(schema.name, ()))
    first_row, first_col = start
    index = pd.RangeIndex(len(kept))  # every column on this one index: the frame then takes them without aligning
    data: dict[str, pd.Series] = {}
    header_text: dict[str, str] = {}
    for pos, header in enumerate(columns):
        label = positions.get(pos, str(header))
        letter = column_letter(first_col + pos + 1)
        if pos not in positions and (label in data or label in positions.values()):
            # An extra column spelled as a column key already read (e.g. "name" beside 客户名称) would
            # silently replace that column's values.
            raise InputError(
                msg(
                    "{where}: column {letter} ({header}) repeats the column {label}; rename one of them",
                    where=where,
                    letter=letter,
                    header=header,
                    label=label,
                )
            )
        kind = schema.column(label).kind if pos in positions else own_kind(pos)

        def locate(i: int, letter: str = letter, header: str = str(header)) -> Location:
            return Location(path.name, sheet=sheet, cell=f"{letter}{first_row + 1 + kept[i]}", header=header)

        data[label] = cells(pos, kind, locate)
        data[label].index = index
        if label in NOT_BLANK.get(schema.name, ()):
            _refuse_blanks(data[label], locate)
        header_text[label] = str(header)
    for col in schema.columns:
        if col.key not in data:
            data[col.key] = pd.Series([None] * len(kept), index=index, dtype=dtype_for(col.kind))
    return pd.DataFrame(data, index=index), header_text
