"""The 填表说明 / instructions sheet, generated from the spec: what each field means and what it accepts."""

from __future__ import annotations

from xlsxwriter.worksheet import Worksheet

from keyacct_xl.forms.formats import FormFormats
from keyacct_xl.forms.layout import FormLang, estimate_lines, text_for, title_section
from keyacct_xl.forms.spec import FieldSpec, FormSpec, SectionSpec, Text
from keyacct_xl.forms.validation import describe_rule
from keyacct_xl.messages import Bilingual, msg

# Translators: the type of a form field, in the instructions sheet's Type column
TYPE_NAMES: dict[str, Bilingual] = {
    "text": msg("Text"),
    "integer": msg("Whole number"),
    "number": msg("Number"),
    "money": msg("Money (CNY)"),
    "percent": msg("Percent"),
    "date": msg("Date"),
    "time": msg("Time"),
    "choice": msg("Choice"),
    "multi_choice": msg("Multiple choice"),
    "yes_no": msg("Yes/No"),
    "phone": msg("Phone"),
    "email": msg("E-mail"),
    "signature": msg("Signature"),
}
# Translators: the columns of a form's instructions sheet
COLUMNS: tuple[tuple[Bilingual, float], ...] = (
    (msg("Section"), 16),
    (msg("Field"), 18),
    (msg("Meaning"), 36),
    (msg("Type"), 10),
    (msg("Allowed values"), 40),
    (msg("Required"), 8),
)


def _row(section: SectionSpec, field: FieldSpec, lang: FormLang) -> list[str]:
    required: Bilingual = msg("Yes") if field.required else Text("", "")
    meaning: Bilingual = field.help or Text("", "")
    if field.formula:
        meaning = msg("Computed. {meaning}", meaning=meaning) if meaning.en else msg("Computed.")
    if field.sensitive:
        meaning = (
            msg("[Sensitive personal data] {meaning}", meaning=meaning)
            if meaning.en
            else msg("[Sensitive personal data]")
        )
    cells: tuple[Bilingual, ...] = (
        section.title,
        field.label,
        meaning,
        TYPE_NAMES[field.type],
        describe_rule(field),
        required,
    )
    return [text_for(t, lang, " ") for t in cells]


def write_instructions(sheet: Worksheet, spec: FormSpec, lang: FormLang, formats: FormFormats) -> None:
    """Title, general notes, then one row per field (title block first); locked and printable."""
    sheet.merge_range(
        0,
        0,
        0,
        len(COLUMNS) - 1,
        text_for(spec.title, lang, " ") + " — " + text_for(msg("Instructions"), lang, " "),
        formats.title(),
    )
    sheet.set_row(0, 30)
    row = 2
    notes: tuple[Bilingual, ...] = (
        msg("Fill in the tinted cells; other cells are locked."),
        msg("Fields marked * are required."),
        *spec.notes,
    )
    total_width = sum(width for _, width in COLUMNS)
    for note in notes:
        text = "• " + text_for(note, lang, " / ")
        sheet.merge_range(row, 0, row, len(COLUMNS) - 1, text, formats.note())
        sheet.set_row(row, 14.0 * estimate_lines(text, total_width))
        row += 1
    row += 1
    header_row = row
    for col, (title, width) in enumerate(COLUMNS):
        sheet.set_column(col, col, width)
        sheet.write_string(row, col, text_for(title, lang, " "), formats.header())
    sheet.set_row(row, 20)
    for section in (title_section(spec), *spec.sections):
        for field in section.fields:
            row += 1
            cells = _row(section, field, lang)
            sheet.write_row(row, 0, cells, formats.plain())
            lines = max(estimate_lines(text, width) for text, (_, width) in zip(cells, COLUMNS, strict=True))
            sheet.set_row(row, 14.0 * lines)
    sheet.set_paper(9)
    sheet.set_landscape()
    sheet.fit_to_pages(1, 0)
    sheet.repeat_rows(header_row)
    sheet.print_area(0, 0, row, len(COLUMNS) - 1)
    sheet.set_footer("&C&8&P / &N")
    sheet.freeze_panes(header_row + 1, 0)
    sheet.protect("", {"select_locked_cells": True, "format_columns": True, "format_rows": True})
