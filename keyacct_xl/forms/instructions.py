"""The 填表说明 / instructions sheet, generated from the spec: what each field means and what it accepts."""

from __future__ import annotations

from xlsxwriter.worksheet import Worksheet

from keyacct_xl.forms.formats import FormFormats
from keyacct_xl.forms.layout import FormLang, estimate_lines, text_for, title_section
from keyacct_xl.forms.spec import FieldSpec, FormSpec, SectionSpec, Text
from keyacct_xl.forms.validation import describe_rule

TYPE_NAMES: dict[str, Text] = {
    "text": Text("文本", "Text"), "integer": Text("整数", "Whole number"), "number": Text("数字", "Number"),
    "money": Text("金额(元)", "Money (CNY)"), "percent": Text("百分比", "Percent"), "date": Text("日期", "Date"),
    "time": Text("时间", "Time"), "choice": Text("单选", "Choice"), "multi_choice": Text("多选", "Multiple choice"),
    "yes_no": Text("是/否", "Yes/No"), "phone": Text("电话", "Phone"), "email": Text("电子邮箱", "E-mail"),
    "signature": Text("签字", "Signature"),
}
COLUMNS: tuple[tuple[Text, float], ...] = (
    (Text("栏目", "Section"), 16), (Text("字段", "Field"), 18), (Text("说明", "Meaning"), 36),
    (Text("类型", "Type"), 10), (Text("允许值", "Allowed values"), 40), (Text("必填", "Required"), 8),
)


def _row(section: SectionSpec, field: FieldSpec, lang: FormLang) -> list[str]:
    required = Text("是", "Yes") if field.required else Text("", "")
    meaning = field.help or Text("", "")
    if field.formula:
        meaning = Text(f"自动计算：{meaning.zh}".rstrip("："), f"Computed. {meaning.en}".strip())
    if field.sensitive:
        meaning = Text(f"【敏感个人信息】{meaning.zh}", f"[Sensitive personal data] {meaning.en}".strip())
    return [text_for(t, lang, " ") for t in
            (section.title, field.label, meaning, TYPE_NAMES[field.type], describe_rule(field), required)]


def write_instructions(sheet: Worksheet, spec: FormSpec, lang: FormLang, formats: FormFormats) -> None:
    """Title, general notes, then one row per field (title block first); locked and printable."""
    sheet.merge_range(0, 0, 0, len(COLUMNS) - 1, text_for(spec.title, lang, " ") + " — " +
                      text_for(Text("填表说明", "Instructions"), lang, " "), formats.title())
    sheet.set_row(0, 30)
    row = 2
    notes = (Text("黄色底色的单元格为填写区，其余单元格已锁定。", "Fill in the tinted cells; other cells are locked."),
             Text("标 * 的字段为必填项。", "Fields marked * are required."), *spec.notes)
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
