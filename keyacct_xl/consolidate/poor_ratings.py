"""A visit rated 差 or 很差 needs a problem and a countermeasure: the rule the visit forms state, checked per cell.

The visit record's and the phone follow-up's notes state it for each line (a call's satisfaction is its rating), the
follow-up report for its product and its service rating. A line breaking it is refused with an error at each
missing cell, naming the rating and its cell; the file's other lines are kept. A follow-up report is one visit, so
breaking the rule there refuses the file. "Does not apply" marks (无, N/A, -) state no problem: they count as blank.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from keyacct_xl.consolidate.fieldcheck import NOT_APPLICABLE
from keyacct_xl.consolidate.model import Extracted, FileOutcome, Issue, TableRows
from keyacct_xl.forms.layout import field_choices
from keyacct_xl.forms.spec import Choice, FieldSpec, FormSpec, choice_key
from keyacct_xl.messages import Pair, Rendered, msg
from keyacct_xl.parsing import is_blank

POOR = ("差", "很差")  # the rating5 choices (by their zh label) that call for a problem and a countermeasure


@dataclass(frozen=True)
class RatingRule:
    """Where a form keeps its ratings, the problem found and the countermeasure (field keys)."""

    ratings: tuple[str, ...]
    problem: str
    countermeasure: str


RULES: dict[str, RatingRule] = {
    "visit_record": RatingRule(("rating",), "problems", "countermeasure"),
    "phone_followup": RatingRule(("rating",), "problems", "countermeasure"),
    "followup_report": RatingRule(("product_rating", "service_rating"), "problems", "next_steps"),
}
Refusal = tuple[str, Rendered]  # code, reason (FileOutcome.reject)
Where = Callable[[str], tuple[str, str]]  # field key -> (sheet, A1 reference)


def poor_choice(field: FieldSpec, value: object) -> Choice | None:
    """The 差 or 很差 choice ``value`` (a label in either language) names, else None."""
    if not isinstance(value, str):
        return None
    return next((c for c in field_choices(field) if c.zh in POOR and value in (c.zh, c.en)), None)


def _stated(value: object) -> bool:
    return not is_blank(value) and not (isinstance(value, str) and choice_key(value) in NOT_APPLICABLE)


def _unanswered(
    outcome: FileOutcome,
    rule: RatingRule,
    fields: Mapping[str, FieldSpec],
    values: Mapping[str, object],
    where: Where,
) -> list[Issue]:
    """The errors of one visit: one per missing problem or countermeasure cell when a rating is poor."""
    poor = [(key, choice) for key in rule.ratings if (choice := poor_choice(fields[key], values.get(key)))]
    if not poor:
        return []
    each = [msg("{field} {rating} ({cell})", field=fields[k].label, rating=c, cell=where(k)[1]) for k, c in poor]
    rated = Pair(", ".join(r.en for r in each), "，".join(r.zh for r in each))
    issues = []
    for key in (rule.problem, rule.countermeasure):
        if _stated(values.get(key)):
            continue
        label = fields[key].label
        sheet, cell = where(key)
        issues.append(
            Issue(
                outcome.name,
                sheet,
                cell,
                label,
                "",
                msg(
                    "{rated}: fill in {field} (a visit rated Poor or Very poor needs a problem and a countermeasure)",
                    rated=rated,
                    field=label,
                ),
            )
        )
    return issues


def check_poor_ratings(outcome: FileOutcome, extracted: Extracted, spec: FormSpec) -> Refusal | None:
    """Refuse each checked line rated 差/很差 without a problem and a countermeasure; for a one-visit form whose
    header breaks the rule, the refusal of the file (code, en, zh)."""
    rule = RULES.get(spec.id)
    if rule is None:
        return None
    fields = {f.key: f for s in spec.sections for f in s.fields}
    if rule.problem in {f.key for f in spec.header_fields}:

        def header_cell(key: str) -> tuple[str, str]:
            cell = extracted.header.get(key)
            return (cell.sheet, cell.ref) if cell is not None else ("", "")

        issues = _unanswered(outcome, rule, fields, outcome.header, header_cell)
        outcome.issues.extend(issues)
        if not issues:
            return None
        return (
            "poor_rating_unanswered",
            msg("the visit is rated Poor or Very poor without a problem and a countermeasure"),
        )
    section = next(s for s in spec.tables if rule.problem in {f.key for f in s.fields})
    table = extracted.tables.get(section.id)
    if table is None:
        return None
    for row in outcome.rows:  # a line refused already is checked too: the rep learns every problem of it at once
        if row.section != section.id:
            continue
        issues = _unanswered(outcome, rule, fields, row.values, _line_cells(table, row.row))
        if issues:
            row.ok = False
            outcome.issues.extend(issues)
    return None


def _line_cells(table: TableRows, number: int) -> Where:
    """Where a line's fields are (a column an older version of the form lacks has no cell)."""
    return lambda key: (table.sheet, table.ref(key, number) if key in table.columns else "")
