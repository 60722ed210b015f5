"""Build one form workbook with XlsxWriter: form sheet, instructions, hidden lists, veryHidden ``_meta``.

Same spec, language, data and context give the same bytes (fixed creation date and generated_at).
"""

from __future__ import annotations

import datetime as dt
import io
import numbers
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import xlsxwriter
from xlsxwriter.utility import xl_rowcol_to_cell
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from keyacct_xl.currency import CNY, Currency
from keyacct_xl.fileio import write_replacing
from keyacct_xl.forms.content import COMPANY_CELL, REQUIRED_MARK, form_number, notes_lines, total_label
from keyacct_xl.forms.currency import in_currency
from keyacct_xl.forms.formats import FormFormats
from keyacct_xl.forms.formula import evaluate, excel_formula
from keyacct_xl.forms.instructions import write_instructions
from keyacct_xl.forms.layout import (
    LISTS_SHEET,
    META_SHEET,
    FieldPlace,
    FormLang,
    FormLayout,
    TablePlace,
    choice_label,
    choice_labels,
    estimate_lines,
    field_cell_name,
    form_sheet_name,
    instructions_sheet_name,
    list_name,
    plan_layout,
    table_name,
    text_for,
)
from keyacct_xl.forms.meta import FormContext, meta_text, write_meta
from keyacct_xl.forms.printsetup import apply_print_setup
from keyacct_xl.forms.spec import FieldSpec, FormSpec
from keyacct_xl.forms.validation import field_validation, needs_list_sheet
from keyacct_xl.xlsx.book import xlsx_book

TABLE_STYLE = "Table Style Light 9"


NUMBER_TYPES = frozenset({"integer", "number", "money", "percent"})  # field types written as numbers


@dataclass(frozen=True)
class FormData:
    """What a pre-filled form holds: header values by key, table rows by section id, own dropdown entries."""

    header: Mapping[str, object] = field(default_factory=dict)
    rows: Mapping[str, Sequence[Mapping[str, object]]] = field(default_factory=dict)
    dropdowns: Mapping[tuple[str, str], Sequence[str]] = field(default_factory=dict)
    # Dropdowns that offer entries without refusing others (the catalogue's products: a rep may quote one it lacks).
    suggestions: Mapping[tuple[str, str], Sequence[str]] = field(default_factory=dict)
    context: FormContext = field(default_factory=FormContext)
    # Per choice field key, the master's own words its dropdown offers after the catalogue's (forms/vocabulary.py).
    words: Mapping[str, Sequence[str]] = field(default_factory=dict)
    # Per table section, per line, a number field's type on that line where it is not its column's: a count on a
    # line among amounts (the rep evaluation's KPIs) shows as 3, not 3.00.
    line_types: Mapping[str, Sequence[Mapping[str, str]]] = field(default_factory=dict)


class _Lists:
    """The hidden lists sheet: one column per long dropdown, each behind a defined name."""

    def __init__(self, book: Workbook) -> None:
        self._book = book
        self._sheet: Worksheet | None = None
        self._col = 0

    def add(self, name: str, labels: Sequence[str]) -> str:
        if self._sheet is None:
            self._sheet = self._book.add_worksheet(LISTS_SHEET)
        for row, label in enumerate(labels):
            self._sheet.write_string(row, self._col, label)
        col = xlsxwriter.utility.xl_col_to_name(self._col)
        self._book.define_name(name, f"='{LISTS_SHEET}'!${col}$1:${col}${max(len(labels), 1)}")
        self._col += 1
        return f"={name}"

    def finish(self) -> None:
        if self._sheet is not None:
            self._sheet.hide()
            self._sheet.protect()


def _is_blank(value: object) -> bool:
    if value is None or (isinstance(value, str) and not value.strip()):
        return True
    return not isinstance(value, str) and bool(pd.isna(value))


def _is_number(value: object) -> bool:
    """Python and numpy numbers (the master's Int64 columns give numpy.int64), not booleans."""
    return isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_))


def _write_value(
    sheet: Worksheet, row: int, col: int, spec: FieldSpec, value: object, fmt: Any, lang: FormLang
) -> object:
    """Write a pre-filled value with the field's type (dates as dates, numbers as numbers); the value written."""
    if _is_blank(value):
        sheet.write_blank(row, col, None, fmt)
        return None
    if spec.type in ("date", "time") and isinstance(value, (dt.date, dt.datetime, dt.time)):
        if hasattr(value, "to_pydatetime"):
            value = value.to_pydatetime()
        sheet.write_datetime(row, col, value, fmt)
        return value
    if spec.type in NUMBER_TYPES and _is_number(value):
        number = float(value)  # type: ignore[arg-type]  # _is_number checked it is a real number
        sheet.write_number(row, col, number, fmt)
        return number
    text = str(value)
    if spec.type in ("choice", "yes_no"):
        text = choice_label(spec, text, lang)
    sheet.write_string(row, col, text, fmt)
    return text


class _FormWriter:
    """Writes one form sheet by its layout."""

    def __init__(
        self, book: Workbook, spec: FormSpec, lang: FormLang, data: FormData, company: str, password: str
    ) -> None:
        self.book, self.spec, self.lang, self.data, self.company = book, spec, lang, data, company
        self.password = password
        self.formats = FormFormats(book, lang)
        self.layout: FormLayout = plan_layout(spec, lang, {k: len(v) for k, v in data.rows.items()})
        self.sheet_name = form_sheet_name(spec, lang)
        self.sheet = book.add_worksheet(self.sheet_name)
        self.prefilled: dict[str, str] = {}  # manager-set fields as pre-filled, kept in _meta
        self.lines: dict[str, list[str]] = {}  # the ids of the lines pre-filled in tables with a line_id, in _meta
        self.lists = _Lists(book)

    def write(self) -> None:
        self._title_block()
        for section, row in self.layout.section_rows:
            self.sheet.merge_range(
                row, 0, row, self.layout.grid - 1, text_for(section.title, self.lang, " "), self.formats.section()
            )
        for place in self.layout.fields:
            self._header_field(place)
        for table in self.layout.tables:
            self._table(table)
        self._notes()
        for col, width in enumerate(self.layout.widths):
            self.sheet.set_column(col, col, width)
        for row, height in self.layout.row_heights:
            self.sheet.set_row(row, height)
        apply_print_setup(self.sheet, self.spec, self.layout, self.lang, self.company)
        self.sheet.protect(
            self.password,
            {"select_locked_cells": True, "select_unlocked_cells": True, "format_columns": True, "format_rows": True},
        )

    def _title_block(self) -> None:
        last = self.layout.grid - 1
        row, col = COMPANY_CELL
        self.sheet.merge_range(row, col, row, last, self.company, self.formats.company())
        self.sheet.merge_range(1, 0, 1, last, text_for(self.spec.title, self.lang, " "), self.formats.title())
        self.sheet.merge_range(2, 0, 2, last, form_number(self.spec, self.lang), self.formats.subtitle())

    def _label(self, row: int, col: int, spec: FieldSpec, text: str) -> None:
        if spec.required:
            self.sheet.write_rich_string(
                row, col, self.formats.required_mark(), REQUIRED_MARK, text, self.formats.label()
            )
        else:
            self.sheet.write_string(row, col, text, self.formats.label())

    def _header_field(self, place: FieldPlace) -> None:
        spec, row = place.field, place.row
        self._label(row, place.label_col, spec, text_for(spec.label, self.lang))
        fmt = self.formats.input(spec.type, multiline=spec.lines > 1, num_format=spec.format)
        if place.last_col > place.first_col:
            self.sheet.merge_range(row, place.first_col, row, place.last_col, "", fmt)
        written = _write_value(self.sheet, row, place.first_col, spec, self.data.header.get(spec.key), fmt, self.lang)
        if spec.manager_only and written is not None:
            self.prefilled[spec.key] = meta_text(written)
        cell = xl_rowcol_to_cell(row, place.first_col, row_abs=True, col_abs=True)
        self.book.define_name(field_cell_name(spec.key), f"='{self.sheet_name}'!{cell}")
        self._validate(row, place.first_col, row, place.first_col, place.section, spec)

    def _validate(self, first_row: int, col: int, last_row: int, last_col: int, section: str, spec: FieldSpec) -> None:
        suggested = self.data.suggestions.get((section, spec.key))
        own = self.data.dropdowns.get((section, spec.key), suggested)
        labels = list(own) if own is not None else None
        words = list(self.data.words.get(spec.key, ())) if spec.type == "choice" else []
        if labels is None and words:  # the company's own words after the catalogue's, in one list
            labels = [*choice_labels(spec, self.lang), *words]
        entries = (
            labels
            if labels is not None
            else (choice_labels(spec, self.lang) if spec.type in ("choice", "yes_no") else [])
        )
        source = None
        if entries and (labels is not None or needs_list_sheet(entries)):
            source = self.lists.add(list_name(section, spec.key), entries)
        options = field_validation(
            spec,
            self.lang,
            top_left=xl_rowcol_to_cell(first_row, col),
            list_source=source,
            labels=labels,
            others_allowed=suggested is not None,
        )
        if options:
            self.sheet.data_validation(first_row, col, last_row, last_col, options)

    def _table(self, place: TablePlace) -> None:
        section = place.section
        columns = [
            {"header": text_for(f.label, self.lang, " "), "header_format": self.formats.header()}
            for f in section.fields
        ]
        self.sheet.add_table(
            place.header_row,
            0,
            place.last_row,
            len(section.fields) - 1,
            {"name": table_name(section.id), "style": TABLE_STYLE, "autofilter": False, "columns": columns},
        )
        rows = list(self.data.rows.get(section.id, ()))
        line_types = list(self.data.line_types.get(section.id, ()))
        if section.line_id is not None:
            ids = (meta_text(row.get(section.line_id)) for row in rows)
            self.lines[section.id] = list(dict.fromkeys(i for i in ids if i))
        for col, spec in enumerate(section.fields):
            if spec.formula:
                self._formula_column(place, col, spec)
                continue
            fmt = self.formats.table_cell(spec.type, spec.format)
            for i, row in enumerate(range(place.first_row, place.last_row + 1)):
                value = rows[i].get(spec.key) if i < len(rows) else None
                line_type = line_types[i].get(spec.key) if i < len(line_types) else None
                own = fmt if line_type is None else self.formats.table_cell(line_type)
                _write_value(self.sheet, row, col, spec, value, own, self.lang)
            self._validate(place.first_row, col, place.last_row, col, section.id, spec)
        if place.total_row is not None:
            self._totals(place)

    def _formula_column(self, place: TablePlace, col: int, spec: FieldSpec) -> None:
        keys = [f.key for f in place.section.fields]
        rows = list(self.data.rows.get(place.section.id, ()))
        for i, row in enumerate(range(place.first_row, place.last_row + 1)):
            cells = {key: xl_rowcol_to_cell(row, keys.index(key)) for key in keys}
            value = evaluate(spec.formula or "", rows[i]) if i < len(rows) else None
            self.sheet.write_formula(
                row,
                col,
                excel_formula(spec.formula or "", cells),
                self.formats.computed(spec.type, spec.format),
                "" if value is None else value,
            )

    def _totals(self, place: TablePlace) -> None:
        fields = place.section.fields
        first_total = min(i for i, f in enumerate(fields) if f.total)
        label_col = max(first_total - 1, 0)
        row = place.total_row
        self.sheet.write_string(row, label_col, total_label(self.lang), self.formats.total_label())
        rows = list(self.data.rows.get(place.section.id, ()))
        for col, spec in enumerate(fields):
            if spec.total:
                top = xl_rowcol_to_cell(place.first_row, col)
                bottom = xl_rowcol_to_cell(place.last_row, col)
                # The cached total is what Excel will compute, for readers that do not recalculate.
                values = [evaluate(spec.formula, r) if spec.formula else r.get(spec.key) for r in rows]
                total = sum(float(v) for v in values if _is_number(v) and v == v)
                fmt = self.formats.computed(spec.type, spec.format)
                self.sheet.write_formula(row, col, f"=SUM({top}:{bottom})", fmt, total)

    def _notes(self) -> None:
        if self.layout.notes_row is None:
            return
        last = self.layout.grid - 1
        row = self.layout.notes_row
        heading, *notes = notes_lines(self.spec, self.lang)
        self.sheet.merge_range(row, 0, row, last, heading, self.formats.note())
        total_width = sum(self.layout.widths)
        for i, text in enumerate(notes, start=1):
            self.sheet.merge_range(row + i, 0, row + i, last, text, self.formats.note())
            self.sheet.set_row(row + i, 13.0 * estimate_lines(text, total_width))


def check_data(spec: FormSpec, data: FormData) -> None:
    """Raise ValueError when ``data`` names a field or table the form does not have (it would be lost)."""
    header_keys = set(spec.title_fields) | {f.key for f in spec.header_fields}
    unknown = sorted(set(data.header) - header_keys)
    tables = {s.id: {f.key for f in s.fields} for s in spec.tables}
    unknown += [f"{section}" for section in data.rows if section not in tables]
    unknown += sorted(
        {
            f"{section}.{key}"
            for section, rows in data.rows.items()
            if section in tables
            for row in rows
            for key in row
            if key not in tables[section]
        }
    )
    unknown += [
        f"{section}.{key}"
        for section, key in (*data.dropdowns, *data.suggestions)
        if key not in tables.get(section, header_keys)
    ]
    if unknown:
        raise ValueError(f"{spec.id}: data for fields the form does not have: {', '.join(unknown)}")
    _check_line_types(spec, data)


def _check_line_types(spec: FormSpec, data: FormData) -> None:
    """Raise ValueError when a line's own type is not a number type on a number field of the section."""
    number_fields = {s.id: {f.key for f in s.fields if f.type in NUMBER_TYPES and not f.formula} for s in spec.tables}
    wrong = sorted(
        {
            f"{section}.{key}: {kind}"
            for section, lines in data.line_types.items()
            for line in lines
            for key, kind in line.items()
            if key not in number_fields.get(section, ()) or kind not in NUMBER_TYPES
        }
    )
    if wrong:
        raise ValueError(f"{spec.id}: line types only number fields can take: {', '.join(wrong)}")


def build_form(
    spec: FormSpec,
    *,
    lang: FormLang = "zh",
    company: str = "",
    data: FormData | None = None,
    password: str = "",
    currency: Currency = CNY,
) -> bytes:
    """The xlsx bytes of ``spec`` in ``lang``, blank or filled with ``data``, its money labels in ``currency`` (the
    master's book currency)."""
    spec = in_currency(spec, currency)
    data = data or FormData()
    check_data(spec, data)
    buffer = io.BytesIO()
    book = xlsx_book(
        buffer,
        title=text_for(spec.title, lang, " "),
        subject=f"{spec.id} v{spec.version}",
        company=company,
        keywords=f"keyacct-xl form {spec.id}",
    )
    writer = _FormWriter(book, spec, lang, data, company, password)
    instructions = book.add_worksheet(instructions_sheet_name(lang))
    writer.write()
    write_instructions(instructions, spec, lang, writer.formats)
    writer.lists.finish()
    meta = book.add_worksheet(META_SHEET)
    write_meta(meta, spec, writer.layout, lang, data.context, writer.prefilled, company, writer.lines)
    book.close()
    return buffer.getvalue()


def write_form(
    path: Path,
    spec: FormSpec,
    *,
    lang: FormLang = "zh",
    company: str = "",
    data: FormData | None = None,
    password: str = "",
    currency: Currency = CNY,
) -> Path:
    """Build the form and write it atomically to ``path`` (a different form there, perhaps filled in, kept as its
    backup)."""
    form = build_form(spec, lang=lang, company=company, data=data, password=password, currency=currency)
    return write_replacing(path, form)
