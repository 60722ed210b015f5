"""Where every part of a form sits: sheet names, defined names, table names and the cell grid.

The generator writes by this layout and a reader (consolidation) finds fields by the same names, so both
import these functions: header fields are workbook names ``f_<key>``, repeating tables are Excel tables
``t_<section id>``, and ``_meta`` holds the form id, version and spec hash (docs/forms.md).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Literal

from keyacct_xl.forms.spec import Choice, Constraints, FieldSpec, FormSpec, SectionSpec, Text
from keyacct_xl.messages import Bilingual, msg
from keyacct_xl.parsing import is_blank

FormLang = Literal["zh", "en", "bilingual"]
FORM_LANGS: tuple[FormLang, ...] = ("zh", "en", "bilingual")
META_SHEET = "_meta"
LISTS_SHEET = "_lists"
TITLE_SECTION = "title"
TITLE_ROWS = 4  # company, title, form number/version, title fields
MIN_LABEL_WIDTH = {"zh": 14.0, "en": 16.0, "bilingual": 18.0}
YES_NO = (Choice("yes", "是", "Yes"), Choice("no", "否", "No"))

# The title block's fields (spec ``title_fields`` picks among them); written like any header field.
TITLE_FIELD_SPECS: dict[str, FieldSpec] = {
    "rep": FieldSpec(
        "rep",
        Text("业务员", "Sales rep"),
        maps_to="Visits.rep",
        constraints=Constraints(max_length=20),
        help=Text("填写业务员姓名", "The rep's name"),
    ),
    "period": FieldSpec(
        "period",
        Text("期间", "Period"),
        constraints=Constraints(max_length=8, pattern=r"^\d{4}-(W\d{2}|\d{2})$"),
        help=Text("周：2026-W48；月：2026-11", "Week: 2026-W48; month: 2026-11"),
    ),
    "fill_date": FieldSpec("fill_date", Text("填表日期", "Date filled"), type="date"),
}


def estimate_lines(text: str, width: float) -> int:
    """Printed lines ``text`` needs in a wrapping cell ``width`` characters wide (CJK glyphs count twice).

    Row heights are set from this because LibreOffice keeps the default height of wrapped rows in xlsx files.
    """
    lines = 0
    for part in text.split("\n"):
        units = sum(2 if ord(ch) >= 0x2E80 else 1 for ch in part)
        lines += max(1, math.ceil(units * 1.1 / max(width, 1.0)))
    return lines


def field_cell_name(key: str) -> str:
    """The workbook-level defined name of a header field's input cell."""
    return f"f_{key}"


def table_name(section_id: str) -> str:
    """The Excel table name of a repeating-table section (prefixed so it can never look like a cell)."""
    return f"t_{section_id}"


def list_name(section_id: str, key: str) -> str:
    """The defined name of a long choice list on the hidden lists sheet."""
    return f"l_{section_id}_{key}"


def text_for(text: Bilingual, lang: FormLang, sep: str = "\n") -> str:
    """A label in the form's language; bilingual puts zh first, then en."""
    if lang == "bilingual":
        return text.zh if text.zh == text.en else f"{text.zh}{sep}{text.en}"
    return text.zh if lang == "zh" else text.en


def message_lang(lang: FormLang) -> Literal["zh", "en"]:
    """The language for one-line messages when the form is bilingual."""
    return "en" if lang == "en" else "zh"


def field_choices(field: FieldSpec) -> tuple[Choice, ...]:
    """The allowed values of a choice or yes/no field."""
    return YES_NO if field.type == "yes_no" else field.choices


def choice_labels(field: FieldSpec, lang: FormLang) -> list[str]:
    """The dropdown entries of a choice or yes/no field, in the form's language."""
    return [text_for(Text(c.zh, c.en), lang, " ") for c in field_choices(field)]


def choice_label(field: FieldSpec, text: str, lang: FormLang) -> str:
    """The label in ``lang`` of the choice ``text`` names by its value or a label in either language (a Chinese
    master's 初步接触 on an English form is Contacted, 是 is Yes); any other text as it is."""
    for choice, label in zip(field_choices(field), choice_labels(field, lang), strict=True):
        if text in choice.names:
            return label
    return text


def customer_ref(customer_id: str, name: str) -> str:
    """A customer dropdown entry: id, a space, the name (pre-filled forms)."""
    return f"{customer_id} {name}".strip()


def product_ref(code: str, name: object, spec: object) -> str:
    """A product dropdown entry: code, name and spec, each after a space (pre-filled forms); a spec the name already
    ends with is not said twice (抗磨液压油 46# 200L, not 抗磨液压油 46# 200L 200L)."""
    parts = [str(part).strip() for part in (code, name, spec) if not is_blank(part)]
    if len(parts) == 3 and parts[1].endswith(parts[2]):
        parts.pop()
    return " ".join(parts)


def entry_key(text: str, keys: Iterable[str]) -> str | None:
    """The longest of ``keys`` that ``text`` is, or starts with before a space: the id or code a dropdown entry
    (``customer_ref``, ``product_ref``) names when the id itself may hold a space; None when it names none."""
    return max((k for k in keys if text == k or text.startswith(k + " ")), key=len, default=None)


def parse_customer_ref(text: str) -> str:
    """The customer id from a cell holding an id or a ``customer_ref`` entry."""
    return text.strip().split(" ", 1)[0]


def form_sheet_name(spec: FormSpec, lang: FormLang) -> str:
    """The form sheet's name: the title (zh for zh and bilingual), within Excel's 31 characters."""
    title = spec.title.en if lang == "en" else spec.title.zh
    return "".join(ch for ch in title if ch not in "[]:*?/\\'")[:31]


def instructions_sheet_name(lang: FormLang) -> str:
    """The instructions sheet's name."""
    return text_for(msg("Instructions"), lang, " ")


def title_section(spec: FormSpec) -> SectionSpec:
    """The title block's fields as a section, so they are placed and named like any header field."""
    fields = tuple(TITLE_FIELD_SPECS[k] for k in spec.title_fields)
    return SectionSpec(TITLE_SECTION, "fields", Text("标题栏", "Title block"), fields, columns=max(len(fields), 1))


@dataclass(frozen=True)
class FieldPlace:
    """A header field: label cell and the (merged) input range on one row."""

    section: str
    field: FieldSpec
    row: int
    label_col: int
    first_col: int
    last_col: int


@dataclass(frozen=True)
class TablePlace:
    """A repeating table: header row, body rows and the optional totals row below the table."""

    section: SectionSpec
    header_row: int
    first_row: int
    last_row: int
    total_row: int | None


@dataclass(frozen=True)
class FormLayout:
    """The whole grid of a form sheet."""

    grid: int
    widths: tuple[float, ...]
    fields: tuple[FieldPlace, ...]
    tables: tuple[TablePlace, ...]
    section_rows: tuple[tuple[SectionSpec, int], ...]
    row_heights: tuple[tuple[int, float], ...]
    notes_row: int | None
    last_row: int
    freeze_row: int


def form_columns(spec: FormSpec) -> int:
    """How many columns the form spans: its widest table, its widest row of field pairs, at least four."""
    widest_table = max((len(s.fields) for s in spec.tables), default=0)
    widest_pairs = max([s.columns * 2 for s in spec.sections if s.kind == "fields"] + [len(spec.title_fields) * 2])
    return max(widest_table, widest_pairs, 4)


def _widths(spec: FormSpec, grid: int, lang: FormLang) -> list[float]:
    widths = [0.0] * grid
    for section in spec.tables:
        for i, f in enumerate(section.fields):
            widths[i] = max(widths[i], f.width)
    widths = [w or 12.0 for w in widths]
    for section in (*[s for s in spec.sections if s.kind == "fields"], title_section(spec)):
        for place in _pair_columns(section, grid):
            widths[place[0]] = max(widths[place[0]], MIN_LABEL_WIDTH[lang])
    return widths


def _pair_columns(section: SectionSpec, grid: int) -> list[tuple[int, int, int]]:
    """(label col, first input col, last input col) of each pair slot on a row of this section."""
    span = grid // section.columns
    slots = []
    for i in range(section.columns):
        start = i * span
        end = grid - 1 if i == section.columns - 1 else start + span - 1
        slots.append((start, start + 1, end))
    return slots


def plan_layout(spec: FormSpec, lang: FormLang, filled: Mapping[str, int] | None = None) -> FormLayout:
    """Place every section of ``spec`` on the grid, top to bottom.

    ``filled`` gives pre-filled row counts by table; a table grows to hold them all, never drops any.
    """
    grid = form_columns(spec)
    widths = _widths(spec, grid, lang)
    fields: list[FieldPlace] = []
    tables: list[TablePlace] = []
    sections: list[tuple[SectionSpec, int]] = []
    heights: dict[int, float] = {0: 20.0, 1: 30.0, 2: 15.0}
    row = _place_fields(title_section(spec), 3, grid, fields, heights, _LabelFit(widths, lang))
    row += 1  # a blank row closes the title block
    freeze = TITLE_ROWS
    for index, section in enumerate(spec.sections):
        sections.append((section, row))
        heights[row] = 20.0
        row += 1
        if section.kind == "fields":
            row = _place_fields(section, row, grid, fields, heights, _LabelFit(widths, lang))
        else:
            has_total = any(f.total for f in section.fields)
            given = (filled or {}).get(section.id, 0)
            body = max(section.rows, given + section.room if given else 0)
            place = TablePlace(section, row, row + 1, row + body, row + body + 1 if has_total else None)
            tables.append(place)
            lines = max(estimate_lines(text_for(f.label, lang, " "), widths[i]) for i, f in enumerate(section.fields))
            heights[row] = 6.0 + 14.0 * max(lines, 1)
            if index == 0:
                freeze = place.first_row
            row = (place.total_row or place.last_row) + 1
        row += 1
    notes_row = row if spec.notes else None
    last = row + len(spec.notes) if spec.notes else row - 1
    return FormLayout(
        grid,
        tuple(widths),
        tuple(fields),
        tuple(tables),
        tuple(sections),
        tuple(sorted(heights.items())),
        notes_row,
        last,
        freeze,
    )


@dataclass(frozen=True)
class _LabelFit:
    """Row height a label needs in its column (bilingual labels take two lines at least)."""

    widths: list[float]
    lang: FormLang

    def height(self, field: FieldSpec, col: int) -> float:
        lines = estimate_lines(text_for(field.label, self.lang), self.widths[col])
        return max(20.0, 4.0 + 14.0 * lines)


def _place_fields(
    section: SectionSpec, row: int, grid: int, out: list[FieldPlace], heights: dict[int, float], fit: _LabelFit
) -> int:
    slots = _pair_columns(section, grid)
    slot = 0
    for f in section.fields:
        if f.lines > 1:  # multi-line fields take a full row of their own
            if slot:
                row, slot = row + 1, 0
            out.append(FieldPlace(section.id, f, row, 0, 1, grid - 1))
            heights[row] = max(fit.height(f, 0), 16.0 * f.lines)
            row += 1
            continue
        label_col, first, last = slots[slot]
        out.append(FieldPlace(section.id, f, row, label_col, first, last))
        heights[row] = max(heights.get(row, 0.0), fit.height(f, label_col))
        slot += 1
        if slot == len(slots):
            row, slot = row + 1, 0
    return row + 1 if slot else row
