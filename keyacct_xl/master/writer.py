"""Write the master workbook: a new one from an XlsxWriter skeleton, an existing one part by part.

Only the sheet and table parts of the tables being saved (and styles.xml when a format is missing)
change; every other part of the file keeps its exact bytes.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd
import xlsxwriter

from keyacct_xl.currency import CNY, Currency
from keyacct_xl.errors import InputError
from keyacct_xl.fileio import atomic_write, backup_path, master_write_lock, written_path
from keyacct_xl.history.spill import rows_below, spill_past_last_row
from keyacct_xl.i18n import Lang
from keyacct_xl.master.cellcolumns import own_kind
from keyacct_xl.master.model import Master, SheetRows, workbook_rows
from keyacct_xl.master.offkind import OffKind, after_save, kept_as_typed, read_positions
from keyacct_xl.master.schema import ALL_TABLES, NOT_BLANK, SETTINGS, TABLES_BY_NAME, TableSchema
from keyacct_xl.master.settings import DESCRIPTIONS, amount_unit_named, shown_setting
from keyacct_xl.messages import Message, Pair, listing, msg, shown, tr
from keyacct_xl.notices import notify
from keyacct_xl.xlsx.appendrows import append_rows, can_append, widened_header
from keyacct_xl.xlsx.belowtable import below_table, extended_parts
from keyacct_xl.xlsx.book import xlsx_book
from keyacct_xl.xlsx.keptcells import (
    WORKBOOK,
    PlacedColumn,
    ReplacedFormula,
    calculated_cells,
    calculated_on_load,
    formula_table_cells,
    kept_cells,
    may_hold_formulas,
    origins_of,
)
from keyacct_xl.xlsx.newtable import plan_new_table
from keyacct_xl.xlsx.ooxml import column_letter, range_ref
from keyacct_xl.xlsx.package import (
    TableLocation,
    drop_calc_chain,
    locate_tables,
    open_package,
    read_part,
    rewrite_package,
    sheet_parts,
)
from keyacct_xl.xlsx.printsetup import A4_PAPER, PageSetup, add_page_setup, add_print_titles, has_page_setup, table_px
from keyacct_xl.xlsx.sheetdata import (
    CellColumn,
    Kept,
    own_cell,
    refuse_non_finite,
    refuse_overlong_text,
    splice_sheet,
)
from keyacct_xl.xlsx.sheetxml import SheetLayout, read_layout
from keyacct_xl.xlsx.styles import STYLES_PART, ensure_formats
from keyacct_xl.xlsx.tablepart import ColumnFormula, column_formulas, table_headers, update_table
from keyacct_xl.xlsx.timeformats import column_format, value_format
from keyacct_xl.xlsx.xmlpart import PartError, naming_file

DATE_FORMAT = "yyyy-mm-dd"
MONEY_FORMAT = CNY.money_format  # a master's book currency other than CNY: Currency.money_format (kind_formats)
KIND_FORMATS = {
    "text": "@",
    "int": "0",
    "number": "General",
    "money": MONEY_FORMAT,
    "percent": "0.0%",
    "date": DATE_FORMAT,
    # A column the user added mixing kinds: its text and numbers General, so a 待定 replaced by a number in Excel
    # is a number; its dates take DATE_FORMAT (CellColumn.date_style), its times of day, durations and dates with a
    # time their own (xlsx/timeformats.py). A column of the user's times or durations takes theirs.
    "cells": "General",
}


def kind_formats(currency: Currency) -> dict[str, str]:
    """The number format of each column kind in a master keeping its books in ``currency``: money in its symbol."""
    return {**KIND_FORMATS, "money": currency.money_format}


TABLE_STYLE = "Table Style Medium 2"
TABLE_STYLE_XML = "TableStyleMedium2"  # the same style as named inside a table part
_CHOICES = {("Customers", "grade"): ["VIP", "A", "B", "C"], ("Customers", "credit_grade"): ["A", "B", "C"]}


def header_fit(width: float, header: str) -> float:
    """A column's width, widened to show its whole header beside the table's filter button: a Chinese character is
    two columns, a fifth more for the fonts a reader substitutes for Calibri (as the report layer measures), and two
    for the button, since the next header is never empty to spill into."""
    needed = sum(2 if ord(ch) > 0x2E7F else 1 for ch in header) * 1.2 + 2
    return max(float(width), round(needed, 1))


# An A4 page's printable width in pixels (0.7 in side margins, 96 px per inch) and how wide a column of ``w``
# characters is drawn (Calibri's digit is 7 px), as the report layer lays out a page (reports/page.py).
PORTRAIT_PX = (210 / 25.4 - 1.4) * 96
LANDSCAPE_PX = (297 / 25.4 - 1.4) * 96
FIT_WIDTH_UP_TO = 2  # a table at most twice a landscape page wide is printed one page wide, a wider one in strips


def widths_px(widths: Iterable[float]) -> int:
    """How wide columns of ``widths`` characters (as set_column takes them) are drawn, in pixels."""
    return sum(int(w * 7 + 5) for w in widths)


def table_print(width_px: float, lang: Lang) -> PageSetup:
    """How a table's sheet ``width_px`` wide prints on A4: portrait when it fits a portrait page, else landscape;
    one page wide unless wider than FIT_WIDTH_UP_TO landscape pages (a very wide table, such as Customers, across
    pages instead of shrunk past reading); page x of y in ``lang``."""
    return PageSetup(
        landscape=width_px > PORTRAIT_PX,
        fit_width=width_px <= FIT_WIDTH_UP_TO * LANDSCAPE_PX,
        footer="&C" + tr(lang, "Page &P of &N"),
    )


def set_table_print(sheet: xlsxwriter.worksheet.Worksheet, widths: list[float], lang: Lang) -> None:
    """A new master's table sheet printed on A4 as ``table_print`` says, the header row on every page."""
    setup = table_print(widths_px(widths), lang)
    sheet.set_paper(A4_PAPER)
    if setup.landscape:
        sheet.set_landscape()
    else:
        sheet.set_portrait()
    if setup.fit_width:
        sheet.fit_to_pages(1, 0)
    sheet.repeat_rows(0)
    sheet.set_footer(setup.footer)


def skeleton_bytes(lang: Lang, company: str, currency: Currency = CNY) -> bytes:
    """A new master with every table (header and one empty body row), formats (money in ``currency``), widths,
    frozen headers and an A4 print setup."""
    buffer = io.BytesIO()
    book = xlsx_book(buffer, title=tr(lang, "Key Account Master"), company=company)
    formats = {kind: book.add_format({"num_format": code}) for kind, code in kind_formats(currency).items()}
    for schema in ALL_TABLES:
        sheet = book.add_worksheet(schema.sheet(lang))
        widths = [header_fit(col.width, col.header(lang)) for col in schema.columns]
        for i, col in enumerate(schema.columns):
            sheet.set_column(i, i, widths[i], formats[col.kind])
            _mark_column(sheet, schema, i, lang)
        set_table_print(sheet, widths, lang)
        sheet.add_table(
            0,
            0,
            1,
            len(schema.columns) - 1,
            {
                "name": schema.name,
                "style": TABLE_STYLE,
                "columns": [{"header": c.header(lang)} for c in schema.columns],
            },
        )
        sheet.freeze_panes(1, 0)
    book.close()
    return buffer.getvalue()


def _mark_column(sheet: xlsxwriter.worksheet.Worksheet, schema: TableSchema, index: int, lang: Lang) -> None:
    col = schema.columns[index]
    choices = _CHOICES.get((schema.name, col.key))
    if choices:
        sheet.data_validation(1, index, 1_048_575, index, {"validate": "list", "source": choices})
    elif col.sensitive:
        sheet.data_validation(
            1,
            index,
            1_048_575,
            index,
            {
                "validate": "any",
                "input_title": tr(lang, "Sensitive personal data"),
                "input_message": tr(lang, "Authorised staff only; can be left out of exports."),
            },
        )


def save_master(
    master: Master, path: str | Path | None = None, *, tables: Iterable[str] | None = None, backup: bool = True
) -> Path:
    """Write ``master`` to ``path`` atomically (backup of the previous file kept as ``name.bak.xlsx``).

    ``tables`` limits the rewrite to those table names; by default every table and Settings is written.
    """
    target = Path(path or master.path or "")
    if not target.name:
        raise InputError(msg("no path to save the master to"))
    # Through a link to the shared master: the shared file is saved, its history store and backup beside it.
    target = written_path(target)
    unknown = sorted(set(tables or ()) - set(TABLES_BY_NAME))
    if unknown:
        raise InputError(
            msg(
                "unknown table(s) {unknown}; the master's tables are {tables}",
                unknown=listing(unknown),
                tables=listing(TABLES_BY_NAME),
            )
        )
    chosen = [TABLES_BY_NAME[n] for n in tables] if tables is not None else list(ALL_TABLES)
    rows = {s.name: workbook_rows(master, s, target) for s in chosen if s is not SETTINGS}
    stored = {name: held.count for name, held in master.archived.items()}  # as loaded, before a spill adds lines
    master.spilled = tuple(spill_past_last_row(master, target, rows, _header_rows(target)))
    if master.spilled and SETTINGS not in chosen:  # the save that names the new batch is the one that moves it
        chosen.append(SETTINGS)
    frames = {s: settings_frame(master) if s is SETTINGS else rows[s.name] for s in chosen}
    company, currency = master.settings.company_name, master.settings.book_currency
    skeleton = None if target.exists() else skeleton_bytes(master.lang, company, currency)
    origins = _origins(master, rows, target, stored) if skeleton is None else {}
    read_to = {name: where.last() for name, where in master.rows.items() if name in rows} if origins else {}
    as_typed = _as_typed(master, rows, stored) if origins else {}
    _write(
        target,
        frames,
        lang=master.lang,
        headers=master.headers,
        backup=backup,
        skeleton=skeleton,
        add_missing=False,
        origins=origins,
        read_to=read_to,
        as_typed=as_typed,
        currency=currency,
    )
    _rows_written(master, rows, as_typed)
    for spilled in master.spilled:
        notify(spilled.message())
    master.path = target
    return target


def _origins(
    master: Master, rows: Mapping[str, pd.DataFrame], target: Path, stored: Mapping[str, int]
) -> dict[str, np.ndarray]:
    """Per table, the sheet row each row to write was loaded from (0 for a row added since), by its label less the
    ``stored`` lines from the history store in front of it: what lets a rewrite keep the formulas and errors of the
    rows it writes again. Only for the file the master was loaded from."""
    if master.path is None or Path(master.path).resolve() != target.resolve():
        return {}
    out = {}
    for name, frame in rows.items():
        where = master.rows.get(name)
        if where is not None:
            out[name] = origins_of(frame.index - stored.get(name, 0), where.excel_rows())
    return out


def _as_typed(
    master: Master, rows: Mapping[str, pd.DataFrame], stored: Mapping[str, int]
) -> dict[str, dict[str, dict[int, object]]]:
    """Per table, the cells the save writes as the file holds them (keyacct_xl/master/offkind.py), by column label
    and write position: a row's label less the ``stored`` lines in front of it is the position it was read at."""
    out = {}
    for name, frame in rows.items():
        off, where = master.off_kind.get(name), master.rows.get(name)
        if off and where is not None:
            out[name] = kept_as_typed(frame, off, read_positions(frame.index - stored.get(name, 0), where.count))
    return out


def _rows_written(
    master: Master, rows: Mapping[str, pd.DataFrame], as_typed: Mapping[str, Mapping[str, Mapping[int, object]]]
) -> None:
    """Where the written tables' rows now are, for the next save: one after the other, each under the label its row
    has in the master after the save (a spill to the history store relabels them), with the cells written as typed
    at their new places; else the next save keeps no formula and no cell as typed rather than misplace one."""
    for name, written in rows.items():
        where = master.rows.get(name)
        if where is None:
            continue
        frame = master.frame(TABLES_BY_NAME[name])
        stored = master.archived[name].count if name in master.archived else 0
        if len(frame) - stored == len(written) and frame.index.equals(pd.RangeIndex(len(frame))):
            master.rows[name] = SheetRows(where.sheet, where.first, len(written))
            if name in master.off_kind:
                master.off_kind[name] = after_save(master.off_kind[name], as_typed.get(name, {}))
        else:
            del master.rows[name]
            master.off_kind.pop(name, None)


def _header_rows(target: Path) -> dict[str, int]:
    """The header row (1-based) of each table of the workbook at ``target``; none for a new workbook."""
    if not target.exists():
        return {}
    with open_package(target) as archive:
        return {name: loc.cells()[0] for name, loc in locate_tables(archive).items()}


def write_tables(
    path: str | Path,
    frames: Mapping[TableSchema, pd.DataFrame],
    *,
    lang: Lang,
    headers: Mapping[str, Mapping[str, str]] | None = None,
    backup: bool = True,
    unchanged_rows: Mapping[str, int] | None = None,
    rows: Mapping[str, SheetRows] | None = None,
    off_kind: Mapping[str, OffKind] | None = None,
    currency: Currency = CNY,
) -> Path:
    """Write each frame into its schema's table of the existing workbook ``path``, part by part, its money cells in
    ``currency`` (the master's book currency).

    A table the workbook lacks is added on a new sheet named for ``lang``; every part that neither holds a
    written table nor lists the sheets (workbook.xml, its rels, content types, styles) keeps its exact bytes.
    Columns are written in the order found in the file, then the schema's, then the frame's extra columns.
    ``unchanged_rows[name] = n`` says the frame's first n rows are the table's rows as read: when the table
    ends its sheet with the same headers (or gains columns at its right end that the first n rows leave blank),
    only the rows after them are rendered and appended. ``rows[name]`` says where the table's rows were when the
    frame was read from ``path`` (its index labels the positions read): a rewrite then keeps the formulas and errors
    of those rows, and writes rows typed under the table that the reader took as its own as table rows (see
    ``save_master``); with ``off_kind[name]``, the cells read of another kind than their column's are written back as
    typed while their values are unchanged (``as_typed``).
    """
    target = Path(path)
    found = rows or {}
    origins = {s.name: origins_of(f.index, found[s.name].excel_rows()) for s, f in frames.items() if s.name in found}
    typed = {s.name: as_typed(f, (off_kind or {}).get(s.name, {}), found.get(s.name)) for s, f in frames.items()}
    _write(
        target,
        frames,
        lang=lang,
        headers=headers or {},
        backup=backup,
        skeleton=None,
        add_missing=True,
        unchanged_rows=unchanged_rows or {},
        origins=origins,
        read_to={s.name: found[s.name].last() for s in frames if s.name in found},
        as_typed=typed,
        currency=currency,
    )
    return target


def as_typed(frame: pd.DataFrame, off: OffKind, where: SheetRows | None) -> dict[str, dict[int, object]]:
    """The cells of ``frame``, read from the table's rows ``where`` (its index labelling the positions read), that
    a rewrite writes as the file holds them: by column label and write position (keyacct_xl/master/offkind.py)."""
    if not off or where is None:
        return {}
    return kept_as_typed(frame, off, read_positions(frame.index, where.count))


def write_new_workbook(
    path: str | Path,
    frames: Mapping[TableSchema, pd.DataFrame],
    *,
    lang: Lang,
    company: str,
    headers: Mapping[str, Mapping[str, str]] | None = None,
    backup: bool = False,
    currency: Currency = CNY,
) -> Path:
    """Write ``frames`` into a new workbook at ``path`` made from the skeleton, its money cells in ``currency``,
    atomically; a file already at ``path`` is kept as its backup when ``backup``.

    Nothing of a file already at ``path`` is read into the new one; tables the skeleton lacks are added on new sheets.
    """
    target = Path(path)
    _write(
        target,
        frames,
        lang=lang,
        headers=headers or {},
        backup=backup,
        skeleton=skeleton_bytes(lang, company, currency),
        add_missing=True,
        currency=currency,
    )
    return target


def _write(
    target: Path,
    frames: Mapping[TableSchema, pd.DataFrame],
    *,
    lang: Lang,
    headers: Mapping[str, Mapping[str, str]],
    backup: bool,
    skeleton: bytes | None,
    add_missing: bool,
    unchanged_rows: Mapping[str, int] | None = None,
    origins: Mapping[str, np.ndarray] | None = None,
    read_to: Mapping[str, int] | None = None,
    as_typed: Mapping[str, Mapping[str, Mapping[int, object]]] | None = None,
    currency: Currency = CNY,
) -> None:
    # Locked from reading the parts to the rename: the parts not written are copied from the file as it is now.
    # A part that cannot be read or edited is one error naming the file and the part.
    target = written_path(target)  # a link's file is the one rewritten, its backup the one named
    replaced: list[Replaced] = []
    with master_write_lock(target), naming_file(target):
        source: Path | io.BytesIO = io.BytesIO(skeleton) if skeleton is not None else target
        replacements, drop = _replacements(
            source,
            target,
            frames,
            lang,
            headers,
            add_missing,
            unchanged_rows or {},
            origins or {},
            replaced,
            read_to,
            as_typed or {},
            kind_formats(currency),
        )
        if isinstance(source, io.BytesIO):
            source.seek(0)
        with atomic_write(target, backup=backup) as out:
            rewrite_package(source, out, replacements, drop=drop)
    for each in replaced:  # told once the save is done: a save that failed replaced nothing
        notify(each.message(backup_path(target) if backup else None))


def _replacements(
    source: Path | io.BytesIO,
    target: Path,
    frames: Mapping[TableSchema, pd.DataFrame],
    lang: Lang,
    headers: Mapping[str, Mapping[str, str]],
    add_missing: bool,
    unchanged_rows: Mapping[str, int],
    origins: Mapping[str, np.ndarray],
    replaced: list[Replaced],
    read_to: Mapping[str, int] | None = None,
    as_typed: Mapping[str, Mapping[str, Mapping[int, object]]] | None = None,
    formats: Mapping[str, str] = KIND_FORMATS,
) -> tuple[dict, frozenset[str]]:
    with open_package(source) as archive:
        located = locate_tables(archive)
        missing = [s.name for s in frames if s.name not in located]
        if missing and not add_missing:
            raise InputError(
                msg("{path}: the workbook has no table {tables} to write to", path=target, tables=listing(missing))
            )
        styles_xml = read_part(archive, STYLES_PART)
        codes = set(formats.values()).union(*(own_formats(frame, schema) for schema, frame in frames.items()))
        styles, indices = ensure_formats(styles_xml, sorted(codes))
        replacements: dict = {}
        if styles != styles_xml:
            replacements[STYLES_PART] = styles
        sheet_names = set(sheet_parts(archive))
        kept = False  # whether a rewrite keeps a formula or an error
        for schema, frame in frames.items():
            columns = cell_columns(frame, schema, headers.get(schema.name, {}), lang, indices, formats)
            refuse_non_finite(columns, schema.name)
            refuse_overlong_text(columns, schema.name, first=unchanged_rows.get(schema.name, 0))
            _refuse_blank_keys(
                frame, schema, columns, headers.get(schema.name, {}), first=unchanged_rows.get(schema.name, 0)
            )
            loc = located.get(schema.name)
            if loc is None:
                sheet_name = _free_sheet_name(schema.sheet(lang), sheet_names)
                sheet_names.add(sheet_name)
                loc = _add_table(
                    archive, replacements, schema, columns, sheet_name, frame, headers.get(schema.name, {}), lang
                )
            _refuse_past_last_row(schema, loc, len(frame))
            if schema.name in unchanged_rows:
                appended, filled = _plan_append(archive, replacements, loc, columns, unchanged_rows[schema.name], lang)
                kept |= filled
                if appended:
                    continue
            labels = column_order(frame, schema, headers.get(schema.name, {}))
            ours = [label in schema.keys for label in labels]
            loc = _with_rows_read(loc, (read_to or {}).get(schema.name))
            typed = (as_typed or {}).get(schema.name, {})
            kept |= _plan_rewrite(
                archive,
                replacements,
                loc,
                columns,
                lang,
                origins.get(schema.name),
                ours,
                replaced,
                target.name,
                [typed.get(label, {}) for label in labels],
            )
        # The tables this save does not write take in the rows typed under them as well: the reader reads those
        # rows as the table's, and a range left short would have every later read say so again. Only the table
        # part changes; the sheet keeps its bytes.
        written = {schema.name for schema in frames}
        others = {loc: below_table(archive, loc) for name, loc in located.items() if name not in written}
        replacements.update(extended_parts(archive, others))
        if kept:
            replacements[WORKBOOK] = calculated_on_load(_current(archive, replacements, WORKBOOK))
        drop = drop_calc_chain(archive, replacements)
    return replacements, drop


def _refuse_blank_keys(
    frame: pd.DataFrame, schema: TableSchema, columns: Sequence[CellColumn], found: Mapping[str, str], *, first: int
) -> None:
    """Raise InputError naming table, column and row when a value every row needs (``NOT_BLANK``: a visit's
    customer, a sales line's amount) would be written blank: the reader refuses such a master, so every later
    command would fail on it. The rows before ``first`` are the table's as read, which the reader checked."""
    needed = NOT_BLANK.get(schema.name, ())
    for label, col in zip(column_order(frame, schema, found), columns):
        bad = _blanks(col.values, first) if label in needed else np.zeros(0, dtype=np.int64)
        if len(bad):
            more = msg(" (and {count:,} more)", count=len(bad) - 1) if len(bad) > 1 else ""
            raise InputError(
                msg(
                    "table {table}, column {header}, data row {row}{more}: a value is required here, and a master "
                    "saved without it would not open again; nothing was written",
                    table=schema.name,
                    header=col.header,
                    row=int(bad[0]) + 1,
                    more=more,
                )
            )


def _blanks(values: pd.Series, first: int) -> np.ndarray:
    """The positions, from ``first`` on, of the values the reader takes for blank: missing, or empty text."""
    tail = values.iloc[first:]
    blank = tail.isna().to_numpy()
    if tail.dtype == object or pd.api.types.is_string_dtype(tail.dtype):
        blank = blank | (tail.to_numpy(dtype=object) == "")
    return first + np.flatnonzero(blank)


def _with_rows_read(loc: TableLocation, last_read: int | None) -> TableLocation:
    """The table's place with its range down to ``last_read``, the last row its frame was read from, when that is
    below it: rows typed under the table that the reader took as its own (keyacct_xl/xlsx/belowtable.py) are then
    rewritten as the table's rows, not kept as cells beside it that the table would grow over."""
    first_row, first_col, last_row, last_col = loc.cells()
    if last_read is None or last_read <= last_row:
        return loc
    return replace(loc, ref=range_ref(first_row, first_col, last_read, last_col))


def _refuse_past_last_row(schema: TableSchema, loc: TableLocation, rows: int) -> None:
    """A table that would run past the worksheet's last row is refused, never cut (Transactions and Payments
    reach here only after save_master put what does not fit into the history store)."""
    header_row = loc.cells()[0]
    if rows > rows_below(header_row):
        raise InputError(
            msg(
                "{table}: {rows:,} rows do not fit in the worksheet below its header on row {header_row} (at most "
                "{limit:,}); nothing was written",
                table=Pair(schema.sheet_en, schema.sheet_zh),
                rows=rows,
                header_row=header_row,
                limit=rows_below(header_row),
            )
        )


def _current(archive: zipfile.ZipFile, replacements: dict, part: str) -> bytes:
    """A part as this write has planned it so far."""
    planned = replacements.get(part)
    if planned is None:
        return read_part(archive, part)
    if not isinstance(planned, bytes):
        raise PartError(part, msg("it holds two tables written in one save; keep each table on a sheet of its own"))
    return planned


def _plan_rewrite(
    archive: zipfile.ZipFile,
    replacements: dict,
    loc: TableLocation,
    columns: list[CellColumn],
    lang: Lang,
    origins: np.ndarray | None = None,
    ours: list[bool] | None = None,
    replaced: list[Replaced] | None = None,
    file_name: str = "",
    typed: Sequence[Mapping[int, object]] = (),
) -> bool:
    """Plan the table's part and its sheet with every row of the table rendered anew; with ``origins`` (the sheet
    row each row was loaded from) the formulas and errors of the rows written again are kept (``ours`` tells the
    master's own columns from the user's; the formulas not kept are added to ``replaced``) and the rows added since
    get the calculated columns' formulas; ``typed[j]`` are the cells of the written column ``j`` written as the file
    held them (write position -> value); a sheet without a page setup gets one (``_plan_print``). Whether any
    formula or error is written."""
    header_row, first_col, _, _ = loc.cells()
    last_row = max(header_row + 1, header_row + len(columns[0].values))
    ref = range_ref(header_row, first_col, last_row, first_col + len(columns) - 1)
    table_xml = _current(archive, replacements, loc.table_part)
    replacements[loc.table_part] = update_table(table_xml, ref, [c.header for c in columns], loc.table_part)
    sheet_xml = _current(archive, replacements, loc.sheet_part)
    layout = read_layout(sheet_xml, loc.sheet_part, loc.cells())
    kept = None
    if origins is not None:
        kept, lost = _kept(table_xml, sheet_xml, loc, columns, origins, ours)
        if lost and replaced is not None:
            replaced.append(Replaced(loc.sheet, tuple(lost), tuple(c.header for c in columns)))
    formulas = bool(kept)
    if any(typed):
        kept = _with_typed(kept or {}, typed, columns, header_row, first_col)
    _plan_print(archive, replacements, loc, layout, len(columns), lang)
    replacements[loc.sheet_part] = lambda out, cols=columns, row=header_row, col=first_col, sheet=loc.sheet: (
        splice_sheet(layout, out, cols, row, col, sheet_name=sheet, kept=kept, file_name=file_name)
    )
    return formulas


def _with_typed(
    kept: Kept, typed: Sequence[Mapping[int, object]], columns: list[CellColumn], header_row: int, first_col: int
) -> Kept:
    """``kept`` with the cells written as the file held them (a number in a text column as that number, a date typed
    as text as that text), in the column's style; a formula kept in the same cell stays."""
    for j, cells in enumerate(typed):
        column, col = columns[j], first_col + j
        for i, value in cells.items():
            row = header_row + 1 + i
            ref = f"{column_letter(col)}{row}"
            kept.setdefault(row, {}).setdefault(col, own_cell(value, ref, column.style, column))
    return kept


MAX_NAMED_FORMULAS = 5  # cells a notice names with their formula; the rest are counted


@dataclass(frozen=True)
class Replaced:
    """The formulas one save did not keep in a table's sheet: the sheet, the cells and the written columns' headers
    (a cell's column is its position among them)."""

    sheet: str
    cells: tuple[ReplacedFormula, ...]
    headers: tuple[str, ...]

    def message(self, backup: Path | None) -> Message:
        """The notice naming the sheet, the columns and the first cells with their formulas; with ``backup``, the
        file that still holds them."""
        columns = listing(dict.fromkeys(self.headers[c.column] for c in self.cells))
        named = [f"{c.ref} ={_quoted_formula(c.formula)}" for c in self.cells[:MAX_NAMED_FORMULAS]]
        more = len(self.cells) - len(named)
        cells = listing(named + ([_more(more)] if more else []))
        params = {"sheet": self.sheet, "count": len(self.cells), "columns": columns, "cells": cells}
        if backup is None:
            return msg(
                "{sheet}: {count:,} cell(s) of {columns} held a formula and now hold the value the save wrote: {cells}",
                **params,
            )
        return msg(
            "{sheet}: {count:,} cell(s) of {columns} held a formula and now hold the value the save wrote: {cells}; "
            "the backup {backup} still holds the formulas",
            backup=backup.name,
            **params,
        )


def _quoted_formula(formula: str, most: int = 40) -> str:
    """A formula as a notice quotes it: cut to ``most`` characters."""
    return formula if len(formula) <= most else formula[: most - 1] + "…"


def _more(count: int) -> Message:
    """The count of cells a notice does not name."""
    return msg("{count:,} more", count=count)


def _kept(
    table_xml: bytes,
    sheet_xml: bytes,
    loc: TableLocation,
    columns: list[CellColumn],
    origins: np.ndarray,
    ours: list[bool] | None,
) -> tuple[Kept, list[ReplacedFormula]]:
    """The cells a rewrite writes instead of the frame's values: the formulas and errors of the rows written again,
    and the calculated columns' formulas in the rows added since the load (origin 0), as Excel fills them in; and
    the formulas of the rows written again that it does not keep."""
    header_row, first_col, _, _ = loc.cells()
    old = {h: first_col + i for i, h in enumerate(table_headers(table_xml, loc.table_part))}
    own = ours or [False] * len(columns)
    placed = [PlacedColumn(old.get(c.header), c.values, c.kind, c.style, o) for c, o in zip(columns, own)]
    kept: Kept = {}
    lost: list[ReplacedFormula] = []
    if may_hold_formulas(sheet_xml):
        found = formula_table_cells(sheet_xml, loc.sheet_part, loc.cells())
        kept = kept_cells(found, origins, placed, header_row, first_col, lost)
    formulas = _by_column(column_formulas(table_xml, loc.table_part), old)
    new = np.flatnonzero(origins == 0)
    for row, cells in calculated_cells(formulas, placed, new, header_row + 1, first_col, header_row + 1).items():
        kept.setdefault(row, {}).update(cells)
    return kept, lost


def _by_column(formulas: Mapping[str, ColumnFormula], columns: Mapping[str, int]) -> dict[int, ColumnFormula]:
    """The calculated columns' formulas by the sheet column their table column was read from."""
    return {columns[name]: formula for name, formula in formulas.items() if name in columns}


def _plan_append(
    archive: zipfile.ZipFile, replacements: dict, loc: TableLocation, columns: list[CellColumn], kept: int, lang: Lang
) -> tuple[bool, bool]:
    """Plan an append of the rows after ``kept`` when it is exact (see keyacct_xl.xlsx.appendrows): the new rows
    get the calculated columns' formulas, and a sheet without a page setup gets one (``_plan_print``). Whether it is
    planned, and whether a formula is written."""
    if loc.sheet_part in replacements or loc.table_part in replacements:
        return False, False
    header_row, first_col, last_row, _ = loc.cells()
    table_xml, sheet_xml = read_part(archive, loc.table_part), read_part(archive, loc.sheet_part)
    headers, found = [c.header for c in columns], table_headers(table_xml, loc.table_part)
    layout = read_layout(sheet_xml, loc.sheet_part, last_row=True)
    widened = widened_header(sheet_xml, layout, loc.ref, kept, found, columns)
    if widened is None and not can_append(layout, loc.ref, kept, found, headers):
        return False, False
    added = [replace(c, values=c.values.iloc[kept:].reset_index(drop=True)) for c in columns]
    count = len(added[0].values)
    old = {h: first_col + i for i, h in enumerate(found)}
    placed = [PlacedColumn(old.get(c.header), c.values, c.kind, c.style, False) for c in added]
    formulas = _by_column(column_formulas(table_xml, loc.table_part), old)
    filled = calculated_cells(formulas, placed, np.arange(count), last_row + 1, first_col, header_row + 1)
    new_ref = range_ref(header_row, first_col, last_row + count, first_col + len(columns) - 1)
    replacements[loc.table_part] = update_table(table_xml, new_ref, headers, loc.table_part)
    _plan_print(archive, replacements, loc, layout, len(columns), lang)
    replacements[loc.sheet_part] = lambda out, cols=added, ref=loc.ref: append_rows(
        sheet_xml, layout, out, cols, ref, widened, filled
    )
    return True, bool(filled)


def _plan_print(
    archive: zipfile.ZipFile, replacements: dict, loc: TableLocation, layout: SheetLayout, width: int, lang: Lang
) -> None:
    """A sheet being written that has no page setup at all (a master an earlier version or another program wrote)
    prints as a new master's: A4 by its table's ``width`` columns, the header row on every page. A page setup a
    person chose, and print titles the sheet has, are kept as they are."""
    if has_page_setup(layout.root):
        return
    header_row, first_col, _, _ = loc.cells()
    px = table_px(layout.root, first_col, first_col + width - 1, loc.sheet_part)
    add_page_setup(layout.root, table_print(px, lang))
    replacements[WORKBOOK] = add_print_titles(_current(archive, replacements, WORKBOOK), loc.sheet, header_row)


def _free_sheet_name(wanted: str, taken: set[str]) -> str:
    """``wanted``, or ``wanted (2)``... when a sheet of that name exists (Excel compares names case-blind)."""
    lowered = {t.lower() for t in taken}
    name, n = wanted[:31], 1
    while name.lower() in lowered:
        n += 1
        name = f"{wanted[:26]} ({n})"
    return name


def _add_table(
    archive: zipfile.ZipFile,
    replacements: dict,
    schema: TableSchema,
    columns: list[CellColumn],
    sheet_name: str,
    frame: pd.DataFrame,
    found: Mapping[str, str],
    lang: Lang,
) -> TableLocation:
    labels = column_order(frame, schema, found)
    widths = [
        header_fit(schema.column(k).width if k in schema.keys else 14, column.header)
        for k, column in zip(labels, columns)
    ]
    ref = range_ref(1, 1, 2, len(columns))
    planned = plan_new_table(
        archive,
        replacements,
        sheet_name=sheet_name,
        table_name=schema.name,
        ref=ref,
        headers=[c.header for c in columns],
        widths=widths,
        style=TABLE_STYLE_XML,
        page=table_print(widths_px(widths), lang),
    )
    replacements.update(planned.parts)
    return TableLocation(schema.name, sheet_name, planned.sheet_part, planned.table_part, ref)


def column_order(frame: pd.DataFrame, schema: TableSchema, found: Mapping[str, str]) -> list[str]:
    """Column labels in write order: as found in the file, then the schema's keys, then the frame's extras."""
    order = [label for label in found if label in frame.columns]
    order += [k for k in schema.keys if k not in order]
    return order + [str(c) for c in frame.columns if c not in order]


def cell_columns(
    frame: pd.DataFrame,
    schema: TableSchema,
    found: Mapping[str, str],
    lang: Lang,
    styles: Mapping[str, int],
    formats: Mapping[str, str] = KIND_FORMATS,
) -> list[CellColumn]:
    """The columns to write for ``frame``, in ``column_order``, each with its header, kind and style (the number
    format of its kind in ``formats``)."""
    known, present = set(schema.keys), set(frame.columns)
    blank = pd.Series([None] * len(frame), dtype=object)  # a schema column the frame lacks
    columns = []
    for label in column_order(frame, schema, found):
        col = schema.column(label) if label in known else None
        header = found.get(label) or (col.header(lang) if col else label)
        # The writers take values by position, so the frame's index is left as it is (no copy per column).
        values = frame[label] if label in present else blank
        kind = col.kind if col else own_kind(values)
        code = None if col else column_format(values, kind)  # the user's times, durations, dates with a time
        style = styles[code or formats[kind]]
        columns.append(CellColumn(header, values, kind, style, styles[DATE_FORMAT], styles))
    return columns


def own_formats(frame: pd.DataFrame, schema: TableSchema) -> set[str]:
    """The time formats the columns the user added to ``frame`` are written with (``cell_columns``): a column's own
    (``timeformats.column_format``), and in a column mixing kinds each time, duration and date with a time's."""
    codes: set[str | None] = set()
    for label in frame.columns:
        if label in schema.keys:
            continue
        values = frame[label]
        kind = own_kind(values)
        if kind == "cells":
            codes.update(value_format(v) for v in values.tolist())
        else:
            codes.add(column_format(values, kind))
    return {code for code in codes if code}


def settings_frame(master: Master) -> pd.DataFrame:
    """The Settings table as rows of setting, value, description, named in the master's language."""
    rows = []
    for key, value in master.settings.cells().items():
        known = DESCRIPTIONS.get(key)
        note = master.settings_notes.get(key) or (str(shown(known, master.lang)) if known else "")
        note = amount_unit_named(note, key, master.settings.book_currency)
        name, cell = shown_setting(key, value, master.lang)
        rows.append({"setting": name, "value": cell, "description": note})
    return pd.DataFrame(rows, columns=["setting", "value", "description"])
