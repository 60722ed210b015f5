"""Recognize a workbook without ``_meta`` by its headers: a rep who retyped a form into a fresh workbook.

A row of a visible sheet holding most of a form table's column labels (zh, en or bilingual) identifies the form;
the rows below it, up to the first blank row, are its lines; header fields are read from the cell right of their
label. The table must show every required column and at least 40 % of all its columns; the best share wins.
Hidden sheets are never read. A form that kept ``_meta`` but lost its Excel tables (saved as legacy .xls) is laid
out as generated: every table is read by its header row, down to the form's own content below it (``read_laid_out``).
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Container, Mapping, Sequence

import python_calamine as calamine

from keyacct_xl.consolidate.model import CellValue, Extracted, TableRows, texts
from keyacct_xl.consolidate.safety import Rejection
from keyacct_xl.consolidate.tablemerges import Merged, form_block, read_merged_lines
from keyacct_xl.forms.layout import FORM_LANGS, TITLE_FIELD_SPECS, form_columns, instructions_sheet_name, text_for
from keyacct_xl.forms.spec import FieldSpec, FormSpec, SectionSpec, Text
from keyacct_xl.headers import normalize_header
from keyacct_xl.master.schema import TABLES_BY_NAME
from keyacct_xl.messages import Pair, listing, msg
from keyacct_xl.xlsx.ooxml import column_letter

# A retyped table keeps the columns that matter: every required one, and at least 40 % (3+) of all.
MIN_SHARE = 0.4
MIN_COLUMNS = 3
MAX_SCAN_ROWS = 20_000
_LABEL_REACH = 6  # how far right of a label its value may sit (merged input cells)
_HEADER_REACH = 200  # rows a table's header row is looked for in, below the table above it
_INSTRUCTIONS = frozenset(instructions_sheet_name(lang) for lang in FORM_LANGS)


def form_labels(spec: FormSpec) -> frozenset[str]:
    """Texts the generator writes below a table (section titles, the totals and notes labels), in every language."""
    texts = [s.title for s in spec.sections] + [Text("合计", "Total"), Text("说明：", "Notes:")]
    return frozenset(text_for(t, lang, " ").strip() for t in texts for lang in FORM_LANGS)


def form_names(spec: FormSpec) -> frozenset[str]:
    """Every name a retyped copy may give the form's fields (title, header and table fields), folded as headers are."""
    fields = (*_title_fields(spec), *spec.header_fields, *(f for t in spec.tables for f in t.fields))
    return frozenset(n for f in fields for n in field_names(f))


def field_names(field: FieldSpec) -> set[str]:
    """Every name a header may give ``field``: its key, its zh, en and bilingual label, folded as headers are."""
    label = field.label
    return {normalize_header(n) for n in (field.key, label.zh, label.en, label.zh + label.en)}


def _header_row(
    rows: Sequence[Sequence[object]], fields: tuple[FieldSpec, ...], taken: Container[int] = (), start: int = 0
) -> tuple[int, dict[str, int], float]:
    """Best row index (not one of ``taken``, another table's) from row ``start`` on, field key -> column index, and
    the share found."""
    names = [(f.key, field_names(f)) for f in fields]
    best = (-1, {}, 0.0)
    # headers sit near the top of a form, or of what is left of it below the table above (``start``)
    for r, row in enumerate(rows[start : start + _HEADER_REACH], start=start):
        if r in taken:
            continue
        texts = [normalize_header(v) if isinstance(v, str) else "" for v in row]
        found = {}
        for key, variants in names:
            for c, text in enumerate(texts):
                if text and text in variants and c not in found.values():
                    found[key] = c
                    break
        share = len(found) / len(fields)
        if share > best[2]:
            best = (r, found, share)
    return best


def match_by_headers(
    book: calamine.CalamineWorkbook,
    specs: Mapping[str, FormSpec],
    name: str,
    merges: Callable[[str], Merged] | None = None,
) -> Extracted:
    """The best-matching form over every sheet, or Rejection("not_form"); ``merges`` gives a sheet's merged ranges
    where calamine gives none (an .ods)."""
    best: tuple[float, str, str, int, dict[str, int], list[list[object]]] | None = None
    for sheet in _visible(book):
        rows = book.get_sheet_by_name(sheet).to_python(skip_empty_area=False, nrows=MAX_SCAN_ROWS)
        for spec in specs.values():
            for section in spec.tables[:1]:
                r, found, share = _header_row(rows, section.fields)
                complete = all(f.key in found for f in section.fields if f.required)
                enough = share >= MIN_SHARE and len(found) >= MIN_COLUMNS
                if complete and enough and (best is None or share > best[0]):
                    best = (share, spec.id, sheet, r, found, rows)
    if best is None:
        raise Rejection(
            "not_form",
            *texts(
                msg(
                    "not a form: no _meta sheet and no sheet whose headers match a form (a list of customers is "
                    "brought into the master with keyacct-xl customers import)"
                )
            ),
        )
    share, form_id, sheet, header_row, columns, rows = best
    spec = specs[form_id]
    # Computed columns do not make a line: a legacy .xls keeps 0 where the form showed "" (as _check_table).
    computed = computed_keys(spec.tables[0])
    entered = [c for key, c in columns.items() if key not in computed]

    def filled(r: int) -> int:
        return sum(c < len(rows[r]) and rows[r][c] not in ("", None) for c in entered)

    end = next((r for r in range(header_row + 1, len(rows)) if not filled(r)), len(rows))
    lines = [(r + 1, rows[r]) for r in range(header_row + 1, end)]
    header = _header_fields(rows, spec, sheet, skip=range(header_row, end))  # above and below the table
    warnings = [
        texts(
            msg(
                "the file lost its hidden form information: recognized by its headers as the form {form} ({share:.0%} "
                "of the columns match)",
                form=spec.title,
                share=share,
            )
        )
    ]
    # The lines end at the first blank row; rows below that look like lines (not a notes or totals row) are
    # reported rather than dropped unseen.
    below = [r + 1 for r in range(end, len(rows)) if filled(r) >= MIN_COLUMNS]
    if below:
        warnings.append(
            texts(
                msg(
                    "{count} filled row(s) below the blank row {blank} were not read (first: row {first}); "
                    "remove the blank row to have them read",
                    count=len(below),
                    blank=end + 1,
                    first=below[0],
                )
            )
        )
    table = TableRows(sheet, columns, lines)
    merged = merges(sheet) if merges is not None else book.get_sheet_by_name(sheet).merged_cell_ranges or ()
    warnings += read_merged_lines(table, merged, entered)
    return Extracted(form_id, 0, {}, header, {spec.tables[0].id: table}, warnings)


def read_laid_out(
    book: calamine.CalamineWorkbook, spec: FormSpec, form_sheet: str, merges: Callable[[str], Merged] | None = None
) -> Extracted:
    """A generated form that lost its Excel tables and defined names (saved as legacy .xls) but kept ``_meta``.

    Its sheet is ``form_sheet`` (``_meta``'s), else, renamed, the visible sheet showing most of the form's labels
    (the instructions sheet, which lists them all, aside); blank lines inside a table are the form's empty lines,
    not the end of a retyped list, so each table is read down to the form's content below it; a form without
    tables (a visit report, an 8D report) is its header fields alone. ``merges`` gives a sheet's merged ranges where
    calamine gives none (an .ods).
    """
    visible = _visible(book)
    candidates = [form_sheet] if form_sheet in visible else [s for s in visible if s not in _INSTRUCTIONS]
    fields = (*_title_fields(spec), *spec.header_fields, *(f for t in spec.tables for f in t.fields))
    labels = {n for f in fields for n in field_names(f)}
    best: tuple[int, str, Sequence[Sequence[object]]] | None = None
    for sheet in candidates:
        rows = book.get_sheet_by_name(sheet).to_python(skip_empty_area=False, nrows=MAX_SCAN_ROWS)
        shown = sum(isinstance(v, str) and normalize_header(v) in labels for row in rows for v in row)
        if shown and (best is None or shown > best[0]):
            best = (shown, sheet, rows)
    if best is None:
        raise Rejection(
            "not_form",
            *texts(msg("{form_id}: no visible sheet shows the form's labels", form_id=spec.id)),
        )
    _, sheet, rows = best
    merged = merges(sheet) if merges is not None else book.get_sheet_by_name(sheet).merged_cell_ranges or ()
    warnings: list[tuple[str, str]] = []
    tables, header_rows = _laid_out_tables(rows, spec, sheet, merged, warnings)
    table_rows = {r - 1 for t in tables.values() for r, _ in t.rows} | header_rows
    # A field's value lies within the form's columns (its title block spans them, where the file keeps merges):
    # a note typed right of the form beside an empty field is no value of it, and is reported as typed outside.
    width = max([form_columns(spec), *(c1 + 1 for _, (_, c1) in merged)])
    header = _header_fields(rows, spec, sheet, skip=table_rows, width=width)
    return Extracted(spec.id, 0, {}, header, tables, warnings)


def _visible(book: calamine.CalamineWorkbook) -> list[str]:
    """The visible sheets: a hidden one is never read as the form (what the rep and the manager see is the truth)."""
    return [m.name for m in book.sheets_metadata if m.visible == calamine.SheetVisibleEnum.Visible]


def _title_fields(spec: FormSpec) -> list[FieldSpec]:
    return [TITLE_FIELD_SPECS[k] for k in spec.title_fields]


def _laid_out_tables(
    rows: Sequence[Sequence[object]],
    spec: FormSpec,
    sheet: str,
    merged: Merged,
    warnings: list[tuple[str, str]],
) -> tuple[dict[str, TableRows], set[int]]:
    """Every table of a generated form by its header row: each row with an entered cell is a line, blank rows
    skipped, down to the form's own content (a merged block over the table's columns, a section title, the totals
    or notes label), so lines after a blank line, on rows inserted in the table or typed under it are all read, a
    range merged inside them as the rep sees it (into ``warnings``, consolidate.tablemerges); with the tables'
    header rows."""
    labels = form_labels(spec)
    tables: dict[str, TableRows] = {}
    taken: set[int] = set()
    below = 0  # where the table above ended: a long one (a pre-filled plan) pushes the next header past row 200
    for section in spec.tables:
        header_row, columns, share = _header_row(rows, section.fields, taken, below)
        complete = all(f.key in columns for f in section.fields if f.required)
        if share < MIN_SHARE or not complete:  # the header row was deleted or retyped: said, not skipped unseen
            searched = range(below, min(below + _HEADER_REACH, len(rows)))
            raise _header_not_found(rows, spec, section, sheet, searched, taken)
        taken.add(header_row)
        computed = computed_keys(section)
        entered = [c for key, c in columns.items() if key not in computed]
        span = (min(columns.values()), max(columns.values()))
        below = form_content_row(rows, header_row + 1, len(rows), span, merged, labels)
        lines = [
            (r + 1, list(rows[r]))
            for r in range(header_row + 1, below)
            if any(c < len(rows[r]) and rows[r][c] not in ("", None) for c in entered)
        ]
        table = TableRows(sheet, columns, lines, range(header_row + 2, below + 1))
        warnings += read_merged_lines(table, merged, entered)
        tables[section.id] = table
    return tables, taken


def _header_not_found(
    rows: Sequence[Sequence[object]],
    spec: FormSpec,
    section: SectionSpec,
    sheet: str,
    searched: range,
    taken: Container[int],
) -> Rejection:
    """The refusal of a form whose table has no header row: the sheet and rows searched, the headers the form
    expects, the typed ones that match none (with the field each probably stands for) and what the rep can do."""
    row, found, _ = _header_row(rows, section.fields, taken, searched.start)
    typed = [v.strip() for v in rows[row] if isinstance(v, str) and v.strip()] if row >= 0 else []
    known = {n for f in section.fields if f.key in found for n in field_names(f)}
    unmatched = [t for t in typed if normalize_header(t) not in known]
    guesses = _meant(unmatched, [f for f in section.fields if f.key not in found])
    typed_part = listing(
        msg("{typed} (meant {label}?)", typed=t, label=_label(guesses[t])) if t in guesses else t for t in unmatched
    )
    return Rejection(
        "not_form",
        *texts(
            msg(
                "{form_id}: the header row of the table {table} was not found on the sheet {sheet} (rows {first} to "
                "{last} searched); the form's headers are {expected}; typed headers that match none of them: "
                "{typed}. Type the form's headers back over the table (row {row}), or copy the lines into a fresh "
                "form, and send it again",
                form_id=spec.id,
                table=_label(section),  # as the sheet shows it: an .xls has no t_ name
                sheet=sheet,
                first=searched.start + 1,
                last=max(searched.stop, searched.start + 1),
                expected=listing(_label(f) for f in section.fields),
                typed=typed_part if unmatched else msg("none"),
                row=row + 1 if row >= 0 else searched.start + 1,
            )
        ),
    )


def _label(item: FieldSpec | SectionSpec) -> Pair:
    """A field's label or a section's title in both languages: a retyped header is recognised in either."""
    text = item.label if isinstance(item, FieldSpec) else item.title
    return Pair(text.en, text.zh)


def _meant(typed: Sequence[str], fields: Sequence[FieldSpec]) -> dict[str, FieldSpec]:
    """The field each typed header probably stands for: one the master knows by that name (Cust ID is a customer
    ID), else the closest label; each field guessed once, names before likenesses."""
    left = list(fields)
    guesses: dict[str, FieldSpec] = {}
    for guess in (field_by_alias, _by_likeness):
        for text in typed:
            field = None if text in guesses else guess(normalize_header(text), left)
            if field is not None:
                guesses[text] = field
                left.remove(field)
    return guesses


def field_by_alias(text: str, fields: Sequence[FieldSpec]) -> FieldSpec | None:
    """The field whose master column accepts ``text`` as its header."""
    for field in fields:
        table, _, key = (field.maps_to or "").partition(".")
        schema = TABLES_BY_NAME.get(table)
        column = next((c for c in schema.columns if c.key == key), None) if schema else None
        if column is not None and text in {normalize_header(n) for n in (column.en, column.zh, *column.aliases)}:
            return field
    return None


def _by_likeness(text: str, fields: Sequence[FieldSpec]) -> FieldSpec | None:
    """The field whose label ``text`` holds or is part of (Customer rating, Signature), else whose label is much
    like it; of several, the likest."""
    names = {n: f for f in fields for n in field_names(f) if len(n) >= 3}
    within = [n for n in names if n in text or text in n]
    if within:
        return names[max(within, key=lambda n: difflib.SequenceMatcher(None, text, n).ratio())]
    close = difflib.get_close_matches(text, list(names), n=1, cutoff=0.75)
    return names[close[0]] if close else None


def form_content_row(
    rows: Sequence[Sequence[object]],
    start: int,
    stop: int,
    span: tuple[int, int],
    merged: Merged,
    labels: frozenset[str],
) -> int:
    """The first row from ``start`` (0-based, before ``stop``) holding the form's own content over the table's
    columns ``span`` (0-based, inclusive): a merged block across them (a section title, the notes;
    consolidate.tablemerges) or a label the generator writes (totals, notes) first in its row; ``stop`` when there is
    none. A table's lines end there."""
    first, last = span
    blocks = {block[0][0] for block in merged if form_block(block, span)}  # a range a rep merged is no end
    for r in range(start, min(stop, len(rows))):
        if r in blocks or _leads_with_label(rows[r][first : last + 1], labels):
            return r
    return stop


def _leads_with_label(cells: Sequence[object], labels: frozenset[str]) -> bool:
    """Whether the first filled cell of ``cells`` is one of the form's ``labels``: the generator writes a title or
    the totals label with nothing left of it, where a line typed with 周总结 as its goal has its day first."""
    filled = next((v for v in cells if v not in ("", None)), None)
    return isinstance(filled, str) and filled.strip() in labels


def computed_keys(section: SectionSpec) -> set[str]:
    """Keys of the section's computed columns: they do not make a line (a legacy .xls keeps 0 where the form
    showed "")."""
    return {f.key for f in section.fields if f.formula}


def _header_fields(
    rows: Sequence[Sequence[object]], spec: FormSpec, sheet: str, *, skip: Container[int], width: int | None = None
) -> dict[str, CellValue]:
    """Header fields by their labels anywhere on the sheet but in the ``skip`` rows (the table's); with ``width``,
    a value only in the form's first ``width`` columns."""
    fields = _title_fields(spec) + list(spec.header_fields)
    labels = {n for f in fields for n in field_names(f)}
    found: dict[str, CellValue] = {}
    for f in fields:
        variants = field_names(f)
        places = [
            (r, c)
            for r, row in enumerate(rows)
            if r not in skip
            for c, value in enumerate(row)
            if isinstance(value, str) and normalize_header(value) in variants
        ]
        if places:
            r, c = _label_place(rows, places, labels)
            found[f.key] = _value_right_of(rows[r][:width], r, c, sheet, labels)
    return found


def _label_place(
    rows: Sequence[Sequence[object]], places: Sequence[tuple[int, int]], labels: set[str]
) -> tuple[int, int]:
    """Of the cells reading as a field's label, the one that is a label: a rep's value that happens to read as a
    label (品质部 typed as the 责任部门) sits right of another label, so it is passed over while a cell is not."""
    for r, c in places:
        left = rows[r][c - 1] if c > 0 else None
        if not (isinstance(left, str) and normalize_header(left) in labels):
            return r, c
    return places[0]


def _value_right_of(row: Sequence[object], r: int, c: int, sheet: str, labels: set[str]) -> CellValue:
    for k in range(c + 1, min(c + 1 + _LABEL_REACH, len(row))):
        value = row[k]
        if value in ("", None):
            continue
        if k > c + 1 and isinstance(value, str) and normalize_header(value) in labels:
            break  # the next label: this field was left empty (its input cell, right of its label, is blank)
        return CellValue(value, sheet, f"{column_letter(k + 1)}{r + 1}")
    return CellValue(None, sheet, f"{column_letter(c + 2)}{r + 1}")
