"""Read the master workbook with python-calamine: tables by their stable names, headers by alias."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd
import python_calamine as calamine

from keyacct_xl.errors import InputError
from keyacct_xl.headers import resolve_headers
from keyacct_xl.history.store import committed_batches, history_lines
from keyacct_xl.i18n import Lang
from keyacct_xl.master.adjustments import ADJUSTMENTS
from keyacct_xl.master.convert import convert
from keyacct_xl.master.model import ArchivedRows, Master, dtype_for
from keyacct_xl.master.schema import ALL_TABLES, DATA_TABLES, SETTINGS, TableSchema
from keyacct_xl.master.settings import SettingCell, Settings, parse_settings, setting_key
from keyacct_xl.messages import Location, Message, listing, msg
from keyacct_xl.xlsx.ooxml import column_letter, unescape_text
from keyacct_xl.xlsx.package import locate_tables, open_package

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
    "Adjustments": ("date", "customer_id", "amount"),
    "Settings": ("setting", "value"),
}


# Values every row of these tables needs: a sales line without date, customer or amount cannot be booked.
NOT_BLANK = {
    "Customers": ("customer_id",),
    "Transactions": ("date", "customer_id", "amount"),
    "Payments": ("date", "customer_id", "amount"),
    "Visits": ("date", "customer_id"),
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
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as exc:  # calamine raises its own types, and a Rust panic is no Exception
        raise InputError(msg("{path}: cannot read the workbook ({exc})", path=path, exc=exc)) from None


def open_master_book(path: Path) -> calamine.CalamineWorkbook:
    """``open_book``, refusing a workbook without the master's required tables."""
    book = open_book(path)
    missing = [t.name for t in ALL_TABLES if t.required and t.name not in set(book.table_names)]
    if missing:
        raise InputError(
            msg("{path}: not a master workbook, missing table(s) {tables}", path=path, tables=listing(missing))
        )
    return book


def load_master(path: str | Path, *, history: bool = True) -> Master:
    """Load every master table into canonical DataFrames; errors name file, sheet and cell.

    With ``history`` (the default) Transactions and Payments also hold the lines the master moved into its history
    store (keyacct_xl.history), first, so every reader sees all lines wherever they live; a save writes back only
    the workbook's. ``history=False`` reads the workbook alone (what the archive moves from).
    """
    path = Path(path)
    book = open_master_book(path)
    frames, headers, sheets = {}, {}, []
    for schema in ALL_TABLES:
        frame, found, sheet = read_table(book, schema, path)
        frames[schema.attr], headers[schema.name] = frame, found
        sheets.append(sheet)
    if ADJUSTMENTS.name in set(book.table_names or ()):  # optional: the first ``reconcile apply`` adds it
        frames[ADJUSTMENTS.attr], headers[ADJUSTMENTS.name], _ = read_table(book, ADJUSTMENTS, path)
    settings_frame = frames.pop(SETTINGS.attr)
    named = settings_frame.dropna(subset=["setting"])
    settings = read_settings(book, path)
    notes = {setting_key(k): v for k, v in zip(named["setting"], named["description"]) if v}
    lang: Lang = "zh" if sheets[0] == DATA_TABLES[0].sheet_zh else "en"
    archived = _with_history(path, frames, settings) if history else {}
    return Master(
        **frames, settings=settings, lang=lang, path=path, headers=headers, settings_notes=notes, archived=archived
    )


def _with_history(path: Path, frames: dict[str, pd.DataFrame], settings: Settings) -> dict[str, ArchivedRows]:
    """Put the history store's lines in front of the workbook's, per archived table; what came from the store."""
    by_name = {t.name: t.attr for t in DATA_TABLES}
    stored = history_lines(path, settings, {name: frames[by_name[name]] for name in by_name})
    archived = {}
    for name, lines in stored.items():
        attr = by_name[name]
        workbook = frames[attr]
        union = pd.concat([lines, workbook], ignore_index=True)
        frames[attr] = union[[*workbook.columns, *(c for c in lines.columns if c not in workbook.columns)]]
        archived[name] = ArchivedRows(len(lines), path, committed_batches(settings))
    return archived


def read_settings(book: calamine.CalamineWorkbook, path: Path) -> Settings:
    """The master's Settings table parsed once; a bad value is an InputError naming its cell (参数设置!B9)."""
    if SETTINGS.name not in (book.table_names or ()):
        return parse_settings(())
    return parse_settings(setting_cells(book, path))


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
    table = book.get_table_by_name(schema.name)
    where = table_place(path, table.sheet, schema.name)
    columns = [unescape_text(str(c)) for c in table.columns]  # Excel writes Alt+Enter in a name as _x000a_
    positions = resolve_headers(columns, schema.columns, where=where, required=REQUIRED_COLUMNS.get(schema.name, ()))
    all_rows = table.to_python()
    # Blank rows (the empty body row Excel keeps in a new table) hold no data; the rest keep their place.
    kept = [i for i, r in enumerate(all_rows) if any(v not in ("", None) for v in r)]
    rows = [all_rows[i] for i in kept]
    first_row, first_col = table_start(table, path)
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
        values = [r[pos] for r in rows]
        kind = schema.column(label).kind if pos in positions else "text"

        def locate(i: int, letter: str = letter, header: str = str(header)) -> Location:
            return Location(path.name, sheet=table.sheet, cell=f"{letter}{first_row + 1 + kept[i]}", header=header)

        data[label] = convert(values, kind, locate)
        if label in NOT_BLANK.get(schema.name, ()):
            _refuse_blanks(data[label], locate)
        header_text[label] = str(header)
    frame = pd.DataFrame(data, index=pd.RangeIndex(len(rows)))
    for col in schema.columns:
        if col.key not in frame.columns:
            frame[col.key] = pd.Series([None] * len(frame), dtype=dtype_for(col.kind))
    return frame, header_text, table.sheet
