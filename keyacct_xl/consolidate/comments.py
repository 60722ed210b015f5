"""Comments a rep put on a form's cells (a note on a visit, a remark beside the form), reported, never lost unseen.

Consolidation reads cell values; a comment is no value of any field, so each one is a warning naming its sheet and
cell and quoting its text, and, on a table's line, the line it belongs to (its row and the field's column), so the
manager can act on "客户要求周五前回复" though the master holds no place for it.
"""

from __future__ import annotations

from keyacct_xl.cellcomments import CellComment
from keyacct_xl.consolidate.model import Extracted, Issue
from keyacct_xl.consolidate.outside import MAX_QUOTED, MAX_SHOWN
from keyacct_xl.forms.layout import TITLE_FIELD_SPECS
from keyacct_xl.forms.spec import FormSpec, field_label
from keyacct_xl.messages import Message, Pair, msg
from keyacct_xl.xlsx.ooxml import split_ref


def comment_issues(file: str, extracted: Extracted, spec: FormSpec) -> list[Issue]:
    """One warning per comment of ``extracted``, quoting it at its cell, with the line or field it is on."""
    issues = []
    for comment in extracted.comments:
        field, why = _where(comment, extracted, spec)
        shown = comment.text if len(comment.text) <= MAX_SHOWN else comment.text[:MAX_SHOWN] + "…"
        issues.append(Issue(file, comment.sheet, comment.ref, field, shown, why, "warning"))
    return issues


def _where(comment: CellComment, extracted: Extracted, spec: FormSpec) -> tuple[Pair | str, Message]:
    """The field a comment's cell holds ("" for none) and the warning: on a table's line, on a header field, or
    elsewhere on the form."""
    text = comment.text if len(comment.text) <= MAX_QUOTED else comment.text[:MAX_QUOTED] + "…"
    row, col = split_ref(comment.ref)
    for section_id, table in extracted.tables.items():
        keys = [key for key, at in table.columns.items() if at == col - 1]
        if table.sheet == comment.sheet and keys and any(r == row for r, _ in table.rows):
            section = spec.section(section_id)
            label = field_label(section.fields, keys[0])
            why = msg(
                "{sheet}!{cell} (the line on row {row} of the table {table}, {field}) has a comment, not read into "
                "the master: {text}",
                sheet=comment.sheet,
                cell=comment.ref,
                row=row,
                table=Pair(section.title.en, section.title.zh),
                field=label,
                text=text,
            )
            return label, why
    fields = (*(TITLE_FIELD_SPECS[k] for k in spec.title_fields), *spec.header_fields)
    for key, cell in extracted.header.items():
        if (cell.sheet, cell.ref) == (comment.sheet, comment.ref):
            label = field_label(fields, key)
            why = msg(
                "{sheet}!{cell} ({field}) has a comment, not read into the master: {text}",
                sheet=comment.sheet,
                cell=comment.ref,
                field=label,
                text=text,
            )
            return label, why
    why = msg(
        "{sheet}!{cell} has a comment, not read into the master: {text}",
        sheet=comment.sheet,
        cell=comment.ref,
        text=text,
    )
    return "", why
