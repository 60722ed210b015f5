"""The rules the plan forms state, checked per cell, and their lines as master rows (keyacct_xl.master.plans).

A plan is dated by its period: a visit planned outside the period the form is filed for belongs to another plan, so
that line is refused (an error on its date cell) while the other lines stay; the one day outside it a visit plan may
hold is the Monday after its last week, where the pre-filled plan puts the customers no week could take. A form whose
rules allow one kind of period (keyacct_xl.forms.periodkinds: a weekly plan's week, a monthly plan's month) filed for
another is refused. A target breakdown's period is the first month of its year; each rep's quarters become one
SalesTargets row per month, the quarter split into equal thirds in cents with the remainder on the quarter's last
month, so the twelve months add up to the year to the cent and the typed quarter is kept beside them. A promotion
cannot end before it starts.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

import pandas as pd

from keyacct_xl.consolidate.model import CellValue, CheckedRow, Extracted, FileOutcome, Issue
from keyacct_xl.consolidate.periods import Period
from keyacct_xl.consolidate.poor_ratings import Refusal
from keyacct_xl.forms.layout import TITLE_FIELD_SPECS
from keyacct_xl.forms.periodkinds import deferred_visit_day, period_problem
from keyacct_xl.forms.spec import FieldSpec, FormSpec
from keyacct_xl.messages import Pair, Rendered, msg

# (form, line field) whose date must lie in the form's period; the generic tolerance warning does not apply to them.
PLAN_DATES: frozenset[tuple[str, str]] = frozenset(
    {("visit_plan", "planned_date"), ("visit_programme", "planned_date")}
)
QUARTERS = ("q1", "q2", "q3", "q4")
_BREAKDOWN = "breakdown"
_CENT = 0.005  # amounts compared to the cent
Severity = Literal["error", "warning"]


def check_plan(outcome: FileOutcome, extracted: Extracted, spec: FormSpec, period: Period | None) -> None:
    """Apply the plan form's own rules to its checked header and lines (nothing for any other form)."""
    for form_id, key in PLAN_DATES:
        if form_id == spec.id:
            _dates_in_period(outcome, extracted, spec, key, period)
    _days_on_their_weekday(outcome, extracted, spec)
    if spec.id == "target_breakdown":
        _breakdown_rules(outcome, extracted, spec, period)
    elif spec.id == "promotion_plan":
        _promotion_dates(outcome, extracted, spec)


def _days_on_their_weekday(outcome: FileOutcome, extracted: Extracted, spec: FormSpec) -> None:
    """Warn at the date of each line whose weekday (星期, a choice of Mon…Sun) is not its date's: a date changed
    while its weekday was left, or the reverse; the line is recorded under its date."""
    for section in spec.tables:
        fields = {f.key: f for f in section.fields}
        day, date = fields.get("day"), fields.get("date")
        if day is None or date is None or len(day.choices) != 7:
            continue
        # a choice is stored in the master's language: each of its names gives its weekday
        weekdays = {name: n for n, c in enumerate(day.choices) for name in (c.value, c.zh, c.en)}
        for row in (r for r in outcome.rows if r.section == section.id):
            said, value = weekdays.get(str(row.values.get(day.key))), row.values.get(date.key)
            if said is None or not isinstance(value, pd.Timestamp) or said == value.weekday():
                continue
            actual, typed = day.choices[value.weekday()], day.choices[said]
            reason = msg(
                "{date} is a {actual}, but {day} says {said}: the line is recorded under its date; check which is "
                "wrong",
                date=_day(value),
                actual=Pair(actual.en, actual.zh),
                day=Pair(day.label.en, day.label.zh),
                said=Pair(typed.en, typed.zh),
            )
            outcome.issues.append(_line_issue(outcome, extracted, row, date, reason, "warning"))


def _day(value: pd.Timestamp) -> str:
    return value.strftime("%Y-%m-%d")


def _line_issue(
    outcome: FileOutcome,
    extracted: Extracted,
    row: CheckedRow,
    field: FieldSpec,
    reason: Rendered,
    severity: Severity = "error",
) -> Issue:
    table = extracted.tables[row.section]
    value = row.values.get(field.key)
    shown = _day(value) if isinstance(value, pd.Timestamp) else "" if value is None else str(value)
    where = (outcome.name, table.sheet, table.ref(field.key, row.row))
    return Issue(*where, field.label, shown, reason, severity)


def _header_issue(
    outcome: FileOutcome,
    extracted: Extracted,
    field: FieldSpec,
    reason: Rendered,
    severity: Severity = "error",
) -> Issue:
    cell = extracted.header.get(field.key) or CellValue(None, "", "")
    value = outcome.header.get(field.key, cell.value)
    shown = _day(value) if isinstance(value, pd.Timestamp) else "" if value is None else str(value)
    return Issue(outcome.name, cell.sheet, cell.ref, field.label, shown, reason, severity)


def _section_of(spec: FormSpec, key: str) -> tuple[str, FieldSpec]:
    for section in spec.tables:
        for field in section.fields:
            if field.key == key:
                return section.id, field
    raise KeyError(key)


def _dates_in_period(
    outcome: FileOutcome, extracted: Extracted, spec: FormSpec, key: str, period: Period | None
) -> None:
    """Refuse each line whose date lies outside the plan's period (a plan without a period is not checked)."""
    if period is None:
        return
    section, field = _section_of(spec, key)
    # the pre-filled plan's customers no week could take are planned for this day (forms.prefill)
    deferred = deferred_visit_day(period.last) if spec.id == "visit_plan" else None
    for row in outcome.rows:
        value = row.values.get(key)
        if row.section != section or not isinstance(value, pd.Timestamp):  # refused lines too: every problem at once
            continue
        if not period.first <= value.date() <= period.last and value.date() != deferred:
            row.ok = False
            outcome.issues.append(
                _line_issue(
                    outcome,
                    extracted,
                    row,
                    field,
                    msg(
                        "{day} lies outside the plan's period {period} ({first} to {last}): the line is not imported",
                        day=_day(value),
                        period=period.text,
                        first=f"{period.first:%Y-%m-%d}",
                        last=f"{period.last:%Y-%m-%d}",
                    ),
                )
            )


def period_refusal(outcome: FileOutcome, extracted: Extracted, spec: FormSpec, period: Period | None) -> Refusal | None:
    """A form filed for a period of a kind its rules refuse (a monthly plan for a week, a target breakdown for any
    month but January; keyacct_xl.forms.periodkinds, which generating the form follows too): an error at the period
    cell, no line kept, the file refused."""
    problem = None if period is None else period_problem(spec, period.text)
    if problem is None:
        return None
    reason = msg("{problem}: the form is not imported", problem=problem)
    for row in outcome.rows:
        row.ok = False
    outcome.issues.append(_header_issue(outcome, extracted, TITLE_FIELD_SPECS["period"], reason))
    return ("period_kind", reason)


def _breakdown_rules(outcome: FileOutcome, extracted: Extracted, spec: FormSpec, period: Period | None) -> None:
    """A breakdown needs a period (one of another kind is refused by ``period_refusal``); a line's typed year total
    and the annual target agree with the quarters."""
    lines = [r for r in outcome.rows if r.section == _BREAKDOWN and r.ok]
    if period is None:
        for row in lines:
            row.ok = False
        outcome.issues.append(
            _header_issue(
                outcome,
                extracted,
                TITLE_FIELD_SPECS["period"],
                msg("a target breakdown's period is the first month of its year (e.g. 2027-01): no line can be placed"),
            )
        )
        return
    _, total_field = _section_of(spec, "year_total")
    for row in lines:
        typed, quarters = row.values.get("year_total"), year_target(row.values)
        if isinstance(typed, (int, float)) and abs(typed - quarters) > _CENT:
            outcome.issues.append(
                _line_issue(
                    outcome,
                    extracted,
                    row,
                    total_field,
                    msg(
                        "the year total {typed:,.2f} is not the sum of the quarters {quarters:,.2f}: "
                        "the quarters are kept",
                        typed=typed,
                        quarters=quarters,
                    ),
                    "warning",
                )
            )
    annual = outcome.header.get("annual_target")
    summed = sum(year_target(r.values) for r in lines)
    if isinstance(annual, (int, float)) and lines and abs(annual - summed) > _CENT:
        outcome.issues.append(
            _header_issue(
                outcome,
                extracted,
                spec_field(spec, "annual_target"),
                msg(
                    "the reps' quarters add up to {summed:,.2f}, not the annual target {annual:,.2f}",
                    summed=summed,
                    annual=annual,
                ),
                "warning",
            )
        )


def spec_field(spec: FormSpec, key: str) -> FieldSpec:
    """The header field ``key`` of ``spec``."""
    return next(f for f in spec.header_fields if f.key == key)


def _promotion_dates(outcome: FileOutcome, extracted: Extracted, spec: FormSpec) -> None:
    """An end date before the start date is refused (the cell is left blank, the promotion kept)."""
    start, end = outcome.header.get("start_date"), outcome.header.get("end_date")
    if isinstance(start, pd.Timestamp) and isinstance(end, pd.Timestamp) and end < start:
        outcome.issues.append(
            _header_issue(
                outcome,
                extracted,
                spec_field(spec, "end_date"),
                msg("the promotion ends before it starts ({start}): the end date is left blank", start=_day(start)),
            )
        )
        outcome.header["end_date"] = None


def year_target(values: Mapping[str, object]) -> float:
    """A breakdown line's year: the sum of its quarters, in cents."""
    return round(sum(round(float(v) * 100) for q in QUARTERS if isinstance(v := values.get(q), (int, float))) / 100, 2)


def split_quarter(amount: float) -> tuple[float, float, float]:
    """A quarter's three months: equal thirds in cents, the remainder on the last month."""
    cents = round(amount * 100)
    third = cents // 3
    return third / 100, third / 100, (cents - 2 * third) / 100


def month_targets(values: Mapping[str, object], first: pd.Period) -> list[dict[str, object]]:
    """One target per month of a breakdown line whose quarters start at month ``first`` (a blank quarter: none)."""
    targets = []
    for index, key in enumerate(QUARTERS):
        quarter = values.get(key)
        if not isinstance(quarter, (int, float)):
            continue
        for offset, amount in enumerate(split_quarter(float(quarter))):
            month = first + 3 * index + offset
            targets.append(
                {"month": str(month), "quarter": index + 1, "amount": amount, "quarter_target": float(quarter)}
            )
    return targets


_PROVENANCE = ("source_file", "source_sheet", "source_row", "period", "file_sha256", "consolidated_at")


def plan_rows(table: str, outcome: FileOutcome, lines: list[dict[str, object]]) -> list[dict[str, object]]:
    """The master rows of a plan form's lines (``lines`` as the merge builds them); other tables' unchanged."""
    if table == "SalesTargets":
        return _sales_targets(outcome, lines)
    if table == "PromotionActivities":  # a line belongs to its promotion: the customer and the start date
        return [{**line, "start_date": outcome.header.get("start_date")} for line in lines]
    return lines


def _sales_targets(outcome: FileOutcome, lines: list[dict[str, object]]) -> list[dict[str, object]]:
    """Each breakdown line as twelve monthly targets of the rep it names; the filer is kept as filed_by."""
    first = pd.Period(outcome.period, freq="M")
    checked = {(r.sheet, r.row): r.values for r in outcome.rows if r.section == _BREAKDOWN and r.ok}
    rows: list[dict[str, object]] = []
    for line in lines:
        values = checked[(str(line["source_sheet"]), int(line["source_row"]))]  # type: ignore[call-overload]
        shared = {
            **{k: line.get(k) for k in _PROVENANCE},
            "rep": values.get("rep"),
            "year": first.year,
            "year_target": year_target(values),
            "region": values.get("region"),
            "key_accounts": values.get("key_accounts"),
            "department": outcome.header.get("department"),
            "confirmed_by": values.get("rep_signature"),
            "filed_by": outcome.rep,
        }
        rows.extend({**shared, **month} for month in month_targets(values, first))
    return rows
