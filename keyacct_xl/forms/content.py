"""What a generated form holds by itself: the texts the generator writes, where it computes totals, and the cell it
leaves for the company's name.

Consolidation compares a returned form with this record to tell the form's own content from what a rep typed outside
its fields (keyacct_xl.consolidate.outside). The generator takes its texts from the functions here and from
``instructions``, and tests/test_outside_fields.py holds the record to every catalog form as generated.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from keyacct_xl.forms.instructions import instruction_texts
from keyacct_xl.forms.layout import LISTS_SHEET, META_SHEET, FormLang, plan_layout, text_for
from keyacct_xl.forms.spec import FieldSpec, FormSpec
from keyacct_xl.messages import Pair, msg, tr

COMPANY_CELL = (0, 0)  # (row, column) of the title block's first line, merged across the grid
REQUIRED_MARK = "*"  # before a required field's label (a rich string: the mark red, the label plain)
# The sheets a form hides and fills by itself: the field map and the long dropdowns' lists (pre-filled forms' own).
HELPER_SHEETS = frozenset({META_SHEET, LISTS_SHEET})


def form_number(spec: FormSpec, lang: FormLang) -> str:
    """The title block's line under the title: the version, and in Chinese the form's id (表单编号) as well; the
    English line named the id a reader cannot read ("Form visit_record, version 1") under the title it stands for."""
    line = Pair(
        tr("en", "Version {version}", version=spec.version),
        tr("zh", "Form {form}, version {version}", form=spec.id, version=spec.version),
    )
    return text_for(line, lang, "　")


def earlier_form_number(spec: FormSpec, lang: FormLang) -> str | None:
    """The line an English or bilingual copy written before showed under its title, the form's id in it: still the
    form's own text in a copy returned today."""
    if lang == "zh":
        return None
    return text_for(Pair(f"Form {spec.id}, version {spec.version}", form_number(spec, "zh")), lang, "　")


def label_text(field: FieldSpec, lang: FormLang) -> str:
    """A header field's label as its cell shows it (a required one after the mark)."""
    text = text_for(field.label, lang)
    return REQUIRED_MARK + text if field.required else text


def total_label(lang: FormLang) -> str:
    """The label left of a table's totals."""
    return text_for(msg("Total"), lang, " ")


def notes_lines(spec: FormSpec, lang: FormLang) -> list[str]:
    """The notes block under the form: its heading, then each note numbered."""
    heading = text_for(msg("Notes:"), lang, " ")
    return [heading, *(f"{i}. " + text_for(note, lang, " / ") for i, note in enumerate(spec.notes, start=1))]


@dataclass(frozen=True)
class FormContent:
    """A generated form's own content, wherever a rep's editing has moved it.

    ``texts``: every text on its form and instructions sheets; ``totals``: the columns computed on a totals row,
    by the column of that row's label (the row is found by its label, so lines added above it do not matter);
    ``company``: the form sheet's cell left open for the company's name (any text there is the form's title).
    """

    texts: frozenset[str]
    totals: frozenset[tuple[int, int]]  # (the label's column, a total's column), 0-based
    total_label: str
    company: tuple[int, int]  # (row, column), 0-based


@functools.lru_cache(maxsize=128)
def form_content(spec: FormSpec, lang: FormLang) -> FormContent:
    """What the blank ``spec`` in ``lang`` shows: the same for every copy of one form, version and language."""
    layout = plan_layout(spec, lang)
    texts = [text_for(spec.title, lang, " "), form_number(spec, lang), earlier_form_number(spec, lang) or ""]
    texts += [text_for(section.title, lang, " ") for section, _ in layout.section_rows]
    texts += [label_text(place.field, lang) for place in layout.fields]
    totals: set[tuple[int, int]] = set()
    for table in layout.tables:
        fields = table.section.fields
        texts += [text_for(f.label, lang, " ") for f in fields]
        summed = [col for col, f in enumerate(fields) if f.total]
        if summed and table.total_row is not None:
            label_col = max(summed[0] - 1, 0)  # as the generator places it: left of the first total
            totals.update((label_col, col) for col in summed)
    if any(t.total_row is not None for t in layout.tables):
        texts.append(total_label(lang))
    if layout.notes_row is not None:
        texts += notes_lines(spec, lang)
    texts += instruction_texts(spec, lang)
    shown = frozenset(t.strip() for t in texts if t.strip())
    return FormContent(shown, frozenset(totals), total_label(lang), COMPANY_CELL)
