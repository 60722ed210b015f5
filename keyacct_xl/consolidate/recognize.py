"""Recognize a submitted workbook as a form and read its cells: by ``_meta`` first, by its headers otherwise.

The ``_meta`` sheet (keyacct_xl.forms.meta) names the form, version and spec hash and maps every field to a
defined name (header fields, ``f_<key>``) or an Excel table column (``t_<section>``). A file made from an
older version is read through that version's own map; a workbook without ``_meta`` (a rep retyped the form)
is matched by its table headers and accepted with a warning.

Only the visible form is read: a form table or field on a hidden sheet, two tables whose names differ only in
case, or a form table moved off the form's sheet refuse the file. Lines a rep typed under a table (WPS and
LibreOffice do not grow it) are read down to the form's own content below it, each with a warning.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import re
import zipfile
from collections.abc import Callable, Mapping, Sequence
from contextlib import nullcontext
from xml.etree import ElementTree as ET

import python_calamine as calamine
from lxml import etree

from keyacct_xl.cellcomments import CellComment, cell_comments
from keyacct_xl.cellformulas import Formulas, Merged, formula_reader, ods_merged_ranges
from keyacct_xl.consolidate.headermatch import (
    computed_keys,
    form_content_row,
    form_labels,
    match_by_headers,
    read_laid_out,
)
from keyacct_xl.consolidate.model import CellValue, Extracted, TableRows, texts
from keyacct_xl.consolidate.outside import (
    cells_outside_fields,
    copy_scope,
    note_outside,
    read_cells,
    retyped_scope,
)
from keyacct_xl.consolidate.phantomday import restore_phantom_days
from keyacct_xl.consolidate.safety import Rejection
from keyacct_xl.consolidate.tablecolumns import Placed, place_columns
from keyacct_xl.consolidate.tablemerges import read_merged_lines
from keyacct_xl.consolidate.totals import changed_totals, total_places
from keyacct_xl.consolidate.typedformulas import computed_cells, entered_cells, lost_formulas, take_formulas
from keyacct_xl.currency import currency
from keyacct_xl.forms.catalog import form_ids
from keyacct_xl.forms.content import COMPANY_CELL, HELPER_SHEETS
from keyacct_xl.forms.currency import in_currency
from keyacct_xl.forms.layout import META_SHEET, TITLE_FIELD_SPECS, table_name
from keyacct_xl.forms.meta import COMPANY_KEY, CURRENCY_KEY, meta_text
from keyacct_xl.forms.spec import FormSpec, SectionSpec, field_label
from keyacct_xl.messages import Pair, Rendered, msg
from keyacct_xl.parsing import is_blank
from keyacct_xl.xlsx.ooxml import NS_MAIN, column_letter, parse_range, split_ref
from keyacct_xl.xlsx.package import TableLocation, locate_tables, read_parsed

MAX_ROWS = 20_000  # per table: a form holds a week or a month of lines, not a data dump
_MAP_COLUMNS = 4
_NAME_REF = re.compile(r"^(?:'((?:[^']|'')+)'|([^!]+))!\$?([A-Z]{1,3})\$?(\d+)")


# Forms of one kind put their fields at the same few hundred references: each is parsed once per worker.
_place = functools.lru_cache(maxsize=4096)(split_ref)


def open_book(data: bytes) -> calamine.CalamineWorkbook:
    """A calamine workbook over ``data``; a damaged file is a Rejection."""
    try:
        return calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    except Exception as exc:  # calamine raises its own error types for damaged parts
        text = str(exc)
        if "password" in text.lower() or "encrypt" in text.lower():
            raise Rejection("password", *texts(msg("password-protected workbook"))) from None
        raise Rejection("corrupt", *texts(msg("damaged workbook ({problem})", problem=text[:200]))) from None


def read_meta(book: calamine.CalamineWorkbook) -> tuple[dict[str, str], list[list[str]]] | None:
    """The ``_meta`` key/value pairs and its field-map rows, or None when the sheet is absent."""
    if META_SHEET not in book.sheet_names:
        return None
    return meta_rows(book.get_sheet_by_name(META_SHEET).to_python(skip_empty_area=False))


def meta_rows(rows: Sequence[Sequence[object]]) -> tuple[dict[str, str], list[list[str]]]:
    """The key/value pairs and the field-map rows of a ``_meta`` sheet's cells."""
    values: dict[str, str] = {}
    index = 1
    while index < len(rows) and meta_text(rows[index][0]):
        values[meta_text(rows[index][0])] = meta_text(rows[index][1]) if len(rows[index]) > 1 else ""
        index += 1
    # A field-map row is section, key, defined name or table, column: the columns after those are not read.
    field_map = []
    for row in rows[index + 2 :]:
        if row and (section := meta_text(row[0])):
            field_map.append([section, *map(meta_text, row[1:_MAP_COLUMNS])])
    return values, field_map


def package_names(
    data: bytes,
    package: zipfile.ZipFile | None = None,
) -> tuple[dict[str, tuple[str, str]], dict[str, TableLocation]]:
    """Workbook-level defined names -> (sheet, top-left A1 ref), and the Excel tables by name.

    Read from the package's XML (which passed the safety checks), so no sheet is parsed to find them; ``package``
    is ``data`` already opened by the screening (left open). The copies of a form share these parts byte for
    byte: each distinct part is parsed once (xlsx.package.read_parsed).
    """
    try:
        with nullcontext(package) if package is not None else zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = read_parsed(archive, "xl/workbook.xml", _defined_names)
            tables = locate_tables(archive)
    except ET.ParseError as exc:  # a part that is not well-formed XML (xmlpart.MalformedPartError names it)
        raise Rejection("corrupt", *texts(msg("damaged workbook part ({problem})", problem=exc))) from None
    return dict(names), tables


def _defined_names(root: etree._Element, part: str) -> tuple[tuple[str, tuple[str, str]], ...]:
    """(name, (sheet, top-left A1 ref)) of each workbook-level defined name of a single cell or range."""
    names = {}
    for item in root.iter(f"{{{NS_MAIN}}}definedName"):
        m = _NAME_REF.match((item.text or "").strip())
        if m and item.get("localSheetId") is None:
            sheet = (m[1] or "").replace("''", "'") or m[2]
            names[item.get("name", "")] = (sheet, f"{m[3]}{m[4]}")
    return tuple(names.items())


class _Grid:
    """Sheets loaded once (values from A1, merged ranges), cells by A1 reference."""

    def __init__(self, book: calamine.CalamineWorkbook, merges: Callable[[str], Merged] | None = None) -> None:
        self.book = book
        self.loaded: dict[str, calamine.CalamineSheet] = {}  # calamine parses a sheet whole on each get
        self.sheets: dict[str, list[list[object]]] = {}
        self.merges = merges  # a sheet's merged ranges where calamine gives none (an .ods)

    def merged(self, sheet: str) -> list[tuple[tuple[int, int], tuple[int, int]]]:
        """The sheet's merged ranges, 0-based."""
        if self.merges is not None:
            return list(self.merges(sheet))
        return list(self.sheet(sheet).merged_cell_ranges or ())

    def sheet(self, sheet: str) -> calamine.CalamineSheet:
        if sheet not in self.loaded:
            self.loaded[sheet] = self.book.get_sheet_by_name(sheet)
        return self.loaded[sheet]

    def rows(self, sheet: str) -> list[list[object]]:
        if sheet not in self.sheets:
            self.sheets[sheet] = self.sheet(sheet).to_python(skip_empty_area=False, nrows=MAX_ROWS + 200)
        return self.sheets[sheet]

    def rows_to_look_at(self, sheet: str) -> tuple[list[list[object]], int | None]:
        """The sheet's rows and, when it goes on below them, the first row (1-based) not loaded. A sheet no field
        was read from is not kept: a rep's added sheets are looked at one at a time, not all held at once."""
        kept = sheet in self.sheets
        rows, end = self.rows(sheet), self.loaded[sheet].end
        if not kept:
            del self.sheets[sheet], self.loaded[sheet]
        return rows, (len(rows) + 1 if end is not None and end[0] >= len(rows) else None)

    def form_sheet(self, sheet: str) -> tuple[list[list[object]], list[tuple[tuple[int, int], tuple[int, int]]]]:
        """The rows and merged ranges of the form's sheet (none when the workbook has no such sheet)."""
        if sheet not in self.book.sheet_names:
            return [], []
        return self.rows(sheet), self.merged(sheet)

    def cell(self, sheet: str, ref: str) -> CellValue:
        row, col = _place(ref)
        rows = self.rows(sheet)
        value = rows[row - 1][col - 1] if row <= len(rows) and col <= len(rows[row - 1]) else None
        return CellValue(value, sheet, ref)


def _title_company(rows: list[list[object]]) -> str:
    """The company a form names in its title block's first line (where _meta, written before forms kept the
    company, names none): the text there, "" when it holds none."""
    row, col = COMPANY_CELL
    value = rows[row][col] if row < len(rows) and col < len(rows[row]) else None
    return value.strip() if isinstance(value, str) else ""


# The formats that keep no Excel table, as the report names them when it says a form was read by its labels.
_LAID_OUT = {
    "xls": msg("a legacy .xls (Excel 97-2003)"),
    "ods": msg("an OpenDocument .ods (LibreOffice's own format)"),
}


def _read_by_labels(kind: str, sheet: str) -> tuple[str, str]:
    """The note on a form saved in a format that keeps no Excel table: where it was read, what that means for the
    rep (nothing lost, the lines to look over) and what spares it next time."""
    return texts(
        msg(
            "saved as {format}, which keeps no Excel tables or field names: the sheet {sheet} was read by its labels "
            "and table headers, formulas as the values they showed. Nothing to do if the lines in this report match "
            "the form; next time save it as an Excel workbook (.xlsx) to have it read by its fields",
            format=_LAID_OUT[kind],
            sheet=sheet,
        )
    )


def extract(
    data: bytes,
    kind: str,
    specs: Mapping[str, FormSpec],
    name: str,
    hashes: Mapping[str, str] | None = None,
    *,
    package: zipfile.ZipFile | None = None,
) -> Extracted:
    """Recognize and read one workbook as one of ``specs`` (the consolidated forms); else raise Rejection.

    ``hashes`` are the specs' hashes computed once per run (a spec hash serializes the whole spec); ``package``
    is ``data`` as the screening opened it (keyacct_xl.consolidate.safety.Verdict), read without a second unpacking.
    """
    book = open_book(data)
    meta = read_meta(book)
    merges = _ods_merges(data, package) if kind == "ods" else None
    if meta is None:
        retyped = _retyped(book, specs, name, merges, functools.partial(formula_reader, kind, data, package))
        if kind not in _LAID_OUT:
            restore_phantom_days(retyped, data, package)
        retyped.comments = _comments(book, kind, data, package)
        return retyped
    values, field_map = meta
    # A refusal from here on carries what _meta says: its note goes back to the rep in the form's language, and the
    # report names whose form (form, rep, period) was refused rather than counting it under no form.
    with Rejection.of_form(values):
        form_id = values.get("form_id", "")
        if form_id not in specs:
            if form_id in form_ids():
                raise Rejection(
                    "not_consolidated",
                    *texts(msg("{form_id} is a form that is not merged into the master", form_id=form_id)),
                )
            raise Rejection(
                "unknown_form",
                *texts(msg("_meta names the form {form_id!r}, which is not in the catalog", form_id=form_id)),
            )
        spec = specs[form_id]
        version = _meta_version(values.get("version", ""), form_id)
        warnings: list[tuple[str, str]] = []
        if version > spec.version:
            raise Rejection(
                "newer_version",
                *texts(
                    msg(
                        "{form_id} version {version} is newer than this program's {current}",
                        form_id=form_id,
                        version=version,
                        current=spec.version,
                    )
                ),
            )
        if version < spec.version:
            warnings.append(
                texts(
                    msg(
                        "{form_id} version {version}, read through that version's field map",
                        form_id=form_id,
                        version=version,
                    )
                )
            )
        # ``or``, not a get() default: the default would hash the whole spec for every file.
        current_hash = (hashes or {}).get(form_id) or spec.hash
        if version == spec.version and values.get("spec_hash") and values["spec_hash"] != current_hash:
            warnings.append(texts(msg("the form's spec changed since this file was generated (same version)")))
        grid = _Grid(book, merges)
        if kind in _LAID_OUT:
            # A form saved as legacy .xls or as .ods keeps _meta but loses its Excel tables and defined names: read by
            # its labels.
            found = read_laid_out(book, spec, values.get("form_sheet", ""), grid.merged)
            form_sheet = next((c.sheet for c in found.header.values() if c.sheet), values.get("form_sheet", ""))
            laid_out = [*warnings, _read_by_labels(kind, form_sheet), *found.warnings]
            extracted = Extracted(form_id, version, values, found.header, found.tables, laid_out)
            if kind == "ods":
                _as_excel_shows(extracted)
        else:
            names, located = package_names(data, package)
            # The table's headers name amounts in the currency the form was made in (单价（S$）).
            named = in_currency(spec, currency(values.get(CURRENCY_KEY, "CNY")))
            form = _FormBook(grid, names, located, named, values.get("form_sheet", ""))
            header, tables = form.read_fields(field_map, warnings)
            extracted = Extracted(form_id, version, values, header, tables, warnings)
            restore_phantom_days(extracted, data, package)
            form_sheet = form.form_sheet
        shown = (form_sheet, *grid.form_sheet(form_sheet))
        extracted.company = values.get(COMPANY_KEY, "") or _title_company(shown[1])
        places = total_places(spec, extracted.tables, *shown)
        typed = entered_cells(spec, extracted, form_sheet)
        computed = computed_cells(spec, extracted, form_sheet)
        # The totals' formulas, the text cells' and the computed cells' are read in one pass over the sheet.
        wanted = [*(p.cell for p in places), *typed, *computed]
        held = formula_reader(kind, data, package, form_sheet)(wanted) if wanted else None
        extracted.totals = changed_totals(places, form_sheet, shown[1], lambda _cells: held)
        extracted.lost_formulas = lost_formulas(form_sheet, computed, held)
        take_formulas(extracted, form_sheet, typed, held or {})
        if (scope := copy_scope(spec, values, current_hash, read_cells(extracted), shown)) is not None:
            note_outside(extracted, cells_outside_fields(book.sheet_names, grid.rows_to_look_at, scope))
        extracted.comments = _comments(book, kind, data, package)
        return extracted


def _comments(
    book: calamine.CalamineWorkbook, kind: str, data: bytes, package: zipfile.ZipFile | None
) -> list[CellComment]:
    """The comments on the cells of every sheet but the form's own hidden helpers (``_meta``, the lists)."""
    return cell_comments(kind, data, package, [s for s in book.sheet_names if s not in HELPER_SHEETS])


def _ods_merges(data: bytes, package: zipfile.ZipFile | None) -> Callable[[str], Merged]:
    """An .ods sheet's merged ranges, read from its ``content.xml`` once per sheet (calamine gives none)."""

    @functools.cache
    def merges(sheet: str) -> Merged:
        with nullcontext(package) if package is not None else zipfile.ZipFile(io.BytesIO(data)) as archive:
            try:
                return ods_merged_ranges(archive, sheet) or []
            except (ValueError, etree.XMLSyntaxError):  # a span that is no number: a damaged part
                raise Rejection(
                    "corrupt", *texts(msg("damaged workbook part ({problem})", problem="content.xml"))
                ) from None

    return merges


_ODS_LEAP = dt.datetime(1900, 3, 1)  # before it, an .ods date is the day before the one Excel shows the number as


def _as_excel_shows(extracted: Extracted) -> None:
    """An .ods counts its days from 1899-12-30 without Excel's 29 February 1900, so a number in a date cell before
    March 1900 (11.3 typed there) comes as the day before the one Excel shows: its fields' dates are taken as Excel
    shows them, so a number typed into a date cell is the same number from every format (parsing.typed_number)."""

    def shifted(value: object) -> object:
        early = isinstance(value, dt.datetime) and value < _ODS_LEAP
        return value + dt.timedelta(days=1) if early else value  # type: ignore[operator]

    for key, cell in extracted.header.items():
        extracted.header[key] = CellValue(shifted(cell.value), cell.sheet, cell.ref)
    for table in extracted.tables.values():
        table.rows = [(row, [shifted(v) for v in values]) for row, values in table.rows]


def _retyped(
    book: calamine.CalamineWorkbook,
    specs: Mapping[str, FormSpec],
    name: str,
    merges: Callable[[str], Merged] | None,
    formulas: Callable[[str], Formulas],
) -> Extracted:
    """A workbook without ``_meta`` read by its headers (``merges`` as for _Grid), a formula typed into a text field
    read as its text as in a copy of the form (``formulas``: a sheet's formula reader), and the text typed outside
    its fields noted."""
    extracted = match_by_headers(book, specs, name, merges)
    grid = _Grid(book, merges)
    [table] = extracted.tables.values()
    typed = entered_cells(specs[extracted.form_id], extracted, table.sheet)
    if typed:
        take_formulas(extracted, table.sheet, typed, formulas(table.sheet)(typed) or {})
    scope = retyped_scope(specs[extracted.form_id], extracted, grid.rows(table.sheet))
    note_outside(extracted, cells_outside_fields(book.sheet_names, grid.rows_to_look_at, scope))
    return extracted


def _meta_version(text: str, form_id: str) -> int:
    """The form version ``_meta`` records: a whole number from 1 up, else the file is refused."""
    if not (text.isascii() and text.isdigit()) or int(text) < 1:
        raise Rejection(
            "bad_meta",
            *texts(
                msg(
                    "damaged _meta sheet: {form_id} version {text!r} is not a version number",
                    form_id=form_id,
                    text=text,
                )
            ),
        )
    return int(text)


class _FormBook:
    """A workbook with ``_meta`` read through its field map, its defined names and its Excel tables."""

    def __init__(
        self,
        grid: _Grid,
        names: dict[str, tuple[str, str]],
        located: dict[str, TableLocation],
        spec: FormSpec,
        form_sheet: str,
    ) -> None:
        self.grid, self.names, self.located, self.spec = grid, names, located, spec
        self.hidden = {m.name for m in grid.book.sheets_metadata if m.visible != calamine.SheetVisibleEnum.Visible}
        self.sheets = sheets = set(grid.book.sheet_names)
        field_sheets = [sheet for n, (sheet, _) in names.items() if n.startswith("f_") and sheet in sheets]
        # Where the form put its tables: the sheet _meta names, else (a rep renamed it) the header fields' sheet.
        self.form_sheet = (
            form_sheet if form_sheet in sheets else max(set(field_sheets), key=field_sheets.count, default="")
        )

    def read_fields(
        self, field_map: list[list[str]], warnings: list[tuple[str, str]]
    ) -> tuple[dict[str, CellValue], dict[str, TableRows]]:
        """Header fields by their defined names and table lines by their tables, as ``field_map`` places them."""
        header: dict[str, CellValue] = {}
        columns: dict[str, dict[str, int]] = {}
        for row in field_map:
            _section, key, ref_name, column = [*row, "", "", "", ""][:4]
            if column and not column.isdigit():
                raise Rejection(
                    "corrupt",
                    *texts(
                        msg(
                            "damaged _meta sheet: column {column!r} of field {key} is not a number",
                            column=column,
                            key=key,
                        )
                    ),
                )
            if column:
                columns.setdefault(ref_name, {})[key] = int(column)
            elif ref_name in self.names and self.names[ref_name][0] in self.sheets:
                if self.names[ref_name][0] in self.hidden:
                    self._refuse_hidden(self.names[ref_name][0], msg("the field {field}", field=self._label(key)))
                header[key] = self.grid.cell(*self.names[ref_name])
            else:
                warnings.append(
                    texts(
                        msg(
                            "the form's cell for {field} is gone (its name {name} was deleted): the field is not read",
                            field=self._label(key),
                            name=ref_name,
                        )
                    )
                )
        tables = {}
        for section in self.spec.tables:
            wanted = table_name(section.id)
            if wanted in columns:
                tables[section.id] = self._read_table(self._table(wanted), section, columns[wanted], warnings)
        return header, tables

    def _label(self, key: str) -> Pair:
        """A header field's label in both languages (its key, for a field the spec no longer has)."""
        return field_label((*TITLE_FIELD_SPECS.values(), *self.spec.header_fields), key)

    def _refuse_hidden(self, sheet: str, what: Rendered) -> None:
        if sheet in self.hidden:  # only _meta and the dropdown lists are hidden in a form
            raise Rejection(
                "hidden_sheet",
                *texts(
                    msg(
                        "{what} is on the hidden sheet {sheet!r}: only the visible form is read", what=what, sheet=sheet
                    )
                ),
            )

    def _table(self, name: str) -> TableLocation:
        """The form's table ``name``: one, on a visible sheet, where the form put it; else the file is refused."""
        found = [loc for table, loc in self.located.items() if table.casefold() == name.casefold()]
        if not found:
            raise Rejection("no_table", *texts(msg("the form's table {name} is missing", name=name)))
        if len(found) > 1:
            listed = ", ".join(f"{loc.name} ({loc.sheet})" for loc in found)
            raise Rejection(
                "table_conflict",
                *texts(
                    msg(
                        "{count} tables are named {name} (case aside): {listed}",
                        count=len(found),
                        name=name,
                        listed=listed,
                    )
                ),
            )
        loc = found[0]
        self._refuse_hidden(loc.sheet, msg("the form's table {name}", name=loc.name))
        if self.form_sheet and loc.sheet != self.form_sheet:
            raise Rejection(
                "moved_table",
                *texts(
                    msg(
                        "the form's table {name} is on the sheet {sheet!r}, not on the form's sheet {form_sheet!r}",
                        name=loc.name,
                        sheet=loc.sheet,
                        form_sheet=self.form_sheet,
                    )
                ),
            )
        return loc

    def _read_table(
        self, loc: TableLocation, section: SectionSpec, keys: dict[str, int], warnings: list[tuple[str, str]]
    ) -> TableRows:
        try:
            header_row, first_col, last_row, last_col = parse_range(loc.ref)
        except ValueError:
            raise Rejection(
                "corrupt", *texts(msg("damaged table {name}: range {ref!r}", name=loc.name, ref=loc.ref))
            ) from None
        if last_row - header_row > MAX_ROWS:
            raise Rejection(
                "oversized",
                *texts(
                    msg(
                        "table {name} has {rows:,} rows (limit {limit:,})",
                        name=loc.name,
                        rows=last_row - header_row,
                        limit=MAX_ROWS,
                    )
                ),
            )
        rows = self.grid.rows(loc.sheet)
        # By the names the table gives its columns, never by the places _meta recorded: a rep may have inserted one.
        shown = rows[header_row - 1][first_col - 1 : last_col] if header_row <= len(rows) else []
        width = last_col - first_col + 1
        # The column names the table part keeps where it keeps one per column, else the header cells: the warnings
        # quote the names the columns were placed by.
        headers = loc.columns if len(loc.columns) == width else shown
        placed = place_columns(section, headers, keys)
        columns = {key: first_col - 1 + col for key, col in placed.columns.items()}
        warnings += _column_changes(section, placed, headers, first_col)
        body = [(r, rows[r - 1]) for r in range(header_row + 1, min(last_row, len(rows)) + 1)]
        computed = computed_keys(section)
        entered = [c for key, c in columns.items() if key not in computed]
        end = min(self._content_below(loc, last_row, (first_col, last_col)), header_row + MAX_ROWS + 1)
        below = []
        for r in range(last_row + 1, min(end, len(rows) + 1)):
            if any(c < len(rows[r - 1]) and not is_blank(rows[r - 1][c]) for c in entered):
                # WPS and LibreOffice do not grow the table when a rep types under it: the line is still the rep's.
                body.append((r, rows[r - 1]))
                below.append(r)
        table = TableRows(loc.sheet, columns, body, range(header_row + 1, last_row + 1), below=tuple(below))
        warnings += read_merged_lines(table, self.grid.merged(loc.sheet), entered)
        return table

    def _content_below(self, loc: TableLocation, last_row: int, span: tuple[int, int]) -> int:
        """The first sheet row under the table that holds the form's own content (never read as a line).

        That is a header field (a defined name), another table, a merged block (section titles, notes,
        multi-line fields) over the table's columns, or a label the generator writes (totals, notes).
        """
        starts = [_place(ref)[0] for sheet, ref in self.names.values() if sheet == loc.sheet]
        starts += [
            parse_range(other.ref)[0]
            for other in self.located.values()
            if other.sheet == loc.sheet and other.name != loc.name and _valid_range(other.ref)
        ]
        rows = self.grid.rows(loc.sheet)
        limit = min((s for s in starts if s > last_row), default=len(rows) + 1)
        merged = self.grid.merged(loc.sheet)
        # form_content_row counts from 0 where sheet rows and columns here count from 1
        labels = form_labels(self.spec)
        return 1 + form_content_row(rows, last_row, limit - 1, (span[0] - 1, span[1] - 1), merged, labels)


def _column_changes(
    section: SectionSpec, placed: Placed, headers: Sequence[object], first_col: int
) -> list[tuple[str, str]]:
    """What the rep changed in a table's columns: a column that is no field of the form (its cells are not read,
    and are reported), a field whose column is no longer found (not read)."""
    table = Pair(section.title.en, section.title.zh)
    notes = []
    for at in placed.extra:
        named = at < len(headers) and not is_blank(headers[at])
        header = str(headers[at]).strip() if named else msg("without a header")
        column = column_letter(first_col + at)
        notes.append(
            texts(
                msg(
                    "the table {table} has a column {header} (column {column}) that is not one of the form's: "
                    "its cells are not read into the master",
                    table=table,
                    header=header,
                    column=column,
                )
            )
        )
    for key in placed.missing:
        notes.append(
            texts(
                msg(
                    "the table {table} has no column named {field} (its header was changed or the column "
                    "deleted): the field is not read",
                    table=table,
                    field=field_label(section.fields, key),
                )
            )
        )
    return notes


def _valid_range(ref: str) -> bool:
    try:
        parse_range(ref)
    except ValueError:
        return False
    return True
