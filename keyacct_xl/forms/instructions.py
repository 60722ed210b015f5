"""The 填表说明 / instructions sheet, generated from the spec: what each field means and what it accepts."""

from __future__ import annotations

from xlsxwriter.worksheet import Worksheet

from keyacct_xl.currency import CNY, Currency
from keyacct_xl.currency import currency as currency_of
from keyacct_xl.forms.formats import FormFormats
from keyacct_xl.forms.layout import FormLang, estimate_lines, text_for, title_section
from keyacct_xl.forms.spec import FieldSpec, FormSpec, SectionSpec, Text
from keyacct_xl.forms.validation import describe_rule
from keyacct_xl.messages import Bilingual, cmsg, msg

# Translators: the type of a form field, in the instructions sheet's Type column
TYPE_NAMES: dict[str, Bilingual] = {
    "text": msg("Text"),
    "integer": msg("Whole number"),
    "number": msg("Number"),
    "money": msg("Money ({unit})", unit=cmsg("the unit of a money field", "CNY")),
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


def _type_name(field: FieldSpec, currency: Currency) -> Bilingual:
    """The field's type as the Type column names it: money in the form's book currency, Money (SGD)."""
    if field.type == "money" and currency != CNY:
        return msg("Money ({unit})", unit=currency.code)
    return TYPE_NAMES[field.type]


def _row(section: SectionSpec, field: FieldSpec, lang: FormLang, currency: Currency) -> list[str]:
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
        _type_name(field, currency),
        describe_rule(field),
        required,
    )
    return [text_for(t, lang, " ") for t in cells]


def sheet_title(spec: FormSpec, lang: FormLang) -> str:
    """The instructions sheet's title line: the form's title and the word for instructions."""
    return text_for(spec.title, lang, " ") + " — " + text_for(msg("Instructions"), lang, " ")


def general_notes(spec: FormSpec, lang: FormLang) -> list[str]:
    """The notes above the field list: how to fill the form, then the spec's own notes, each after a bullet."""
    lines = (
        (msg("To take out a line, clear its cells (select them and press Delete): an empty line is not read."),)
        if spec.tables
        else ()
    )
    notes: tuple[Bilingual, ...] = (
        msg("Fill in the tinted cells; other cells are locked."),
        msg("Fields marked * are required."),
        *lines,
        *spec.notes,
    )
    return ["• " + text_for(note, lang, " / ") for note in notes]


def instruction_rows(spec: FormSpec, lang: FormLang) -> list[list[str]]:
    """One row of texts per field (title block first), under the column titles."""
    money = currency_of(spec.currency)
    sections = (title_section(spec), *spec.sections)
    return [_row(section, field, lang, money) for section in sections for field in section.fields]


def instruction_texts(spec: FormSpec, lang: FormLang) -> list[str]:
    """Every text the instructions sheet shows (what a returned form holds by itself, keyacct_xl.forms.content)."""
    titles = [text_for(title, lang, " ") for title, _ in COLUMNS]
    return [
        sheet_title(spec, lang),
        *general_notes(spec, lang),
        *titles,
        *(t for r in instruction_rows(spec, lang) for t in r),
    ]


def write_instructions(sheet: Worksheet, spec: FormSpec, lang: FormLang, formats: FormFormats) -> None:
    """Title, general notes, then one row per field (title block first); locked and printable."""
    sheet.merge_range(0, 0, 0, len(COLUMNS) - 1, sheet_title(spec, lang), formats.title())
    sheet.set_row(0, 30)
    row = 2
    total_width = sum(width for _, width in COLUMNS)
    for text in general_notes(spec, lang):
        sheet.merge_range(row, 0, row, len(COLUMNS) - 1, text, formats.note())
        sheet.set_row(row, 14.0 * estimate_lines(text, total_width))
        row += 1
    row += 1
    header_row = row
    for col, (title, width) in enumerate(COLUMNS):
        sheet.set_column(col, col, width)
        sheet.write_string(row, col, text_for(title, lang, " "), formats.header())
    sheet.set_row(row, 20)
    for cells in instruction_rows(spec, lang):
        row += 1
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
