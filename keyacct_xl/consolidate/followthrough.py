"""The follow-through forms' own rules and merge steps: sales funnel, 8D report, after-sales log, credit and rep
evaluations (their tables: keyacct_xl.master.followthrough).

Checked on each file as it is read, reported per cell like every other validation:
- an 8D report is closed only after containment: a closing date without D3 containment (blank, or 无), or before
  the containment date or the date received, is an error naming the cells, and the complaint is recorded as still open;
- an after-sales request is not closed before it was received: such a line is refused;
- a funnel line without an opportunity id needs its product (see below), else it is refused.

Merged:
- a funnel line without an opportunity id gets one derived from its customer and product (``C0004-46#抗磨液压油``),
  reported as a warning. Derived, not refused, because reps open new leads without any id and the funnel is copied
  week to week: the same customer and product give the same id every time, so the opportunity's later stages update
  it instead of adding a copy. A file naming one opportunity twice keeps the first line and refuses the others;
- every stage an opportunity enters (a new one its first) is a row of OpportunityHistory, dated by the funnel's fill
  date (else its period's first day, else the consolidation day), with the file it came from;
- a number (opportunity, request or complaint) the master holds for another rep's row of another customer is
  refused, never taken over (the same rep naming another customer corrects their own row);
- a credit evaluation belongs to a year (its period's, else its fill date's; without either the file is rejected)
  and is identified by customer and year: a later copy for that customer and year corrects it, another customer's
  or another year's adds up; the overall scores of credit and rep evaluations are the weighted average of their
  lines.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Mapping

import pandas as pd

from keyacct_xl.consolidate.fieldcheck import NOT_APPLICABLE
from keyacct_xl.consolidate.mergetable import MergeTable
from keyacct_xl.consolidate.model import CheckedRow, Extracted, FileOutcome, Issue
from keyacct_xl.consolidate.periods import parse_period
from keyacct_xl.consolidate.routes import ROW_KEYS
from keyacct_xl.forms.spec import choice_key
from keyacct_xl.master.followthrough import OPPORTUNITY_HISTORY
from keyacct_xl.master.schema import Column
from keyacct_xl.master.submissions import ALL_CONSOLIDATION_TABLES
from keyacct_xl.messages import Message, msg
from keyacct_xl.parsing import is_blank

# Master tables identified by one number a rep types: the number must stay with its customer.
_NUMBERED = ("Opportunities", "ServiceRequests", "Complaints")
# Fields whose cells a merge step may name in a message (validation keeps only the customer's).
_REFS = ("opportunity_id", "request_no", "closed_date")


def _column(table: str, column: str) -> Column:
    """A master column, named in an issue or a message in the reader's language."""
    return ALL_CONSOLIDATION_TABLES[table].column(column)


def _day(value: object) -> str:
    return pd.Timestamp(value).strftime("%Y-%m-%d")  # type: ignore[arg-type]  # a date the check read


# -- checks on each file as read ----------------------------------------------------------------------------------


def check_followthrough(outcome: FileOutcome, extracted: Extracted) -> None:
    """Apply the rules of the follow-through forms to a checked file (other forms pass through)."""
    for section, table in extracted.tables.items():
        for row in outcome.rows:
            if row.section == section:
                row.refs.update({k: table.ref(k, row.row) for k in _REFS if k in table.columns})
    check = _CHECKS.get(outcome.form_id)
    if check is not None:
        check(outcome)


def _check_complaint(outcome: FileOutcome) -> None:
    """An 8D report closes after containment, and neither containment nor closure precedes receipt."""
    header = outcome.header
    if header.get("closed_date") is not None and _none(header.get("d3_containment")):
        empty = _where(outcome, "d3_containment")
        _refuse_header_date(
            outcome,
            "closed_date",
            msg(
                "closed without D3 containment ({empty} is empty): an 8D report is closed only after "
                "containment; recorded as open",
                empty=empty,
            ),
        )
    for later, earlier in (
        ("closed_date", "contained_date"),
        ("closed_date", "received_date"),
        ("contained_date", "received_date"),
    ):
        before, after = header.get(earlier), header.get(later)
        if before is not None and after is not None and after < before:  # type: ignore[operator]
            label = _column("Complaints", earlier)
            _refuse_header_date(
                outcome,
                later,
                msg(
                    "{after} is before {label} {before} ({where})",
                    after=_day(after),
                    label=label,
                    before=_day(before),
                    where=_where(outcome, earlier),
                ),
            )


def _none(text: object) -> bool:
    """Whether a free-text answer says nothing was done: blank, or a "does not apply" mark (无, N/A, -)."""
    return is_blank(text) or choice_key(str(text)) in NOT_APPLICABLE


def _where(outcome: FileOutcome, key: str) -> str | Column:
    """An 8D report's field as a message names it: its cell, else (a form without it) the master's column."""
    sheet, ref = outcome.header_cells.get(key, ("", ""))
    return f"{sheet}!{ref}" if sheet else _column("Complaints", key)


def _refuse_header_date(outcome: FileOutcome, key: str, reason: Message) -> None:
    """Leave a header date out of the master with an error at its cell (the rest of the form is kept)."""
    value = outcome.header.pop(key, None)
    if value is None:
        return
    sheet, ref = outcome.header_cells.get(key, ("", ""))
    outcome.issues.append(Issue(outcome.name, sheet, ref, _column("Complaints", key), _day(value), reason))


def _check_service(outcome: FileOutcome) -> None:
    """A service request is not closed before it was received."""
    for row in outcome.rows:
        opened, closed = row.values.get("request_date"), row.values.get("closed_date")
        # a line refused already is checked too: the rep learns every problem of it at once
        if opened is not None and closed is not None and closed < opened:  # type: ignore[operator]
            row.ok = False
            label = _column("ServiceRequests", "closed_date")
            outcome.issues.append(
                Issue(
                    outcome.name,
                    row.sheet,
                    row.refs.get("closed_date", ""),
                    label,
                    _day(closed),
                    msg(
                        "closed on {closed}, before it was received on {opened}: the line is not merged",
                        closed=_day(closed),
                        opened=_day(opened),
                    ),
                )
            )


def _check_funnel(outcome: FileOutcome) -> None:
    """A line without an opportunity id is identified by its customer and product; without a product, refused."""
    for row in outcome.rows:
        if row.ok and is_blank(row.values.get("opportunity_id")) and is_blank(row.values.get("product")):
            row.ok = False
            outcome.issues.append(
                Issue(
                    outcome.name,
                    row.sheet,
                    row.refs.get("opportunity_id", ""),
                    _column("Opportunities", "opportunity_id"),
                    "",
                    msg(
                        "no opportunity id and no product: the line cannot be told from the customer's other "
                        "opportunities"
                    ),
                )
            )


def evaluation_year(outcome: FileOutcome) -> int | None:
    """The year a credit evaluation is for: its period's, else its fill date's."""
    period = parse_period(outcome.period)
    if period is not None:
        return period.first.year
    filled = outcome.header.get("fill_date")
    return pd.Timestamp(filled).year if isinstance(filled, pd.Timestamp) else None  # type: ignore[union-attr]


def _check_credit(outcome: FileOutcome) -> None:
    """A credit evaluation is one customer's for one year: that is what identifies the file."""
    year, customer = evaluation_year(outcome), outcome.header.get("customer_id")
    if year is None:
        outcome.reject(
            "no_year",
            msg("the credit evaluation names no year: fill in the period or the fill date"),
        )
    elif customer:
        outcome.key = f"{customer} {year}"


_CHECKS: dict[str, Callable[[FileOutcome], None]] = {
    "complaint_8d": _check_complaint,
    "after_sales": _check_service,
    "sales_funnel": _check_funnel,
    "credit_evaluation": _check_credit,
}


# -- merge steps ----------------------------------------------------------------------------------------------------


def _opportunity_id(values: Mapping[str, object]) -> str:
    """The id of a funnel line typed without one: its customer and its product, spaces folded."""
    product = " ".join(unicodedata.normalize("NFKC", str(values.get("product"))).split())
    return f"{values.get('customer_id')}-{product}"


def _weighted_average(rows: list[CheckedRow], section: str) -> float | None:
    """Σ weight × score / Σ weight over a section's merged lines (the forms' overall score)."""
    typed = [(r.values.get("weight"), r.values.get("score")) for r in rows if r.ok and r.section == section]
    pairs = [(float(w), float(s)) for w, s in typed if w is not None and s is not None]  # type: ignore[arg-type]
    total = sum(w for w, _ in pairs)
    return round(sum(w * s for w, s in pairs) / total, 4) if total else None


class FollowThrough:
    """The merge steps of the follow-through forms, applied to a table's rows just before they are upserted."""

    def __init__(self, table: Callable[[str], MergeTable], changed: set[str], *, now: str) -> None:
        self.table, self.changed, self.now = table, changed, now

    def rows(self, name: str, rows: list[dict[str, object]], outcome: FileOutcome) -> list[dict[str, object]]:
        """``rows`` of table ``name`` completed (derived ids, year, overall score), less the refused ones."""
        if name == "Opportunities":
            rows = self._identified(rows, outcome)
        if name in ("CreditEvaluations", "CreditEvaluationScores"):
            rows = [{**r, "year": evaluation_year(outcome)} for r in rows]
        if name in ("CreditEvaluations", "RepEvaluations"):
            section = "scores" if name == "CreditEvaluations" else "kpis"
            rows = [{**r, "total_score": _weighted_average(outcome.rows, section)} for r in rows]
        if name in _NUMBERED:
            rows = self._own_numbers(name, rows, outcome)
        if name == "Opportunities":
            self._log_stages(rows, outcome)
        return rows

    # -- refusals ------------------------------------------------------------------------------------------------

    def _refuse(self, name: str, row: Mapping[str, object], outcome: FileOutcome, reason: Message) -> None:
        """An error at the row's number cell; its line is not merged (a header row: the file is rejected)."""
        column = ROW_KEYS[name].columns[0]
        value = str(row.get(column) or "")
        line = self._line(row, outcome)
        if line is None:  # the form's one header row: nothing of it can be merged
            sheet, ref = outcome.header_cells.get(column, ("", ""))
            outcome.issues.append(Issue(outcome.name, sheet, ref, _column(name, column), value, reason))
            outcome.reject("number_taken", reason)
            return
        line.ok = False
        outcome.issues.append(
            Issue(outcome.name, line.sheet, line.refs.get(column, ""), _column(name, column), value, reason)
        )
        if not any(r.ok for r in outcome.rows):
            outcome.reject("empty", msg("no valid line in the form"))
        elif outcome.status == "accepted":
            outcome.status = "partial"

    @staticmethod
    def _line(row: Mapping[str, object], outcome: FileOutcome) -> CheckedRow | None:
        return next(
            (r for r in outcome.rows if r.sheet == row.get("source_sheet") and r.row == row.get("source_row")), None
        )

    def _identified(self, rows: list[dict[str, object]], outcome: FileOutcome) -> list[dict[str, object]]:
        """Each line with its opportunity id (derived when blank); a second line for one opportunity refused."""
        kept: list[dict[str, object]] = []
        seen: dict[str, object] = {}
        for row in rows:
            if is_blank(row.get("opportunity_id")):
                row = {**row, "opportunity_id": _opportunity_id(row)}
                line = self._line(row, outcome)
                sheet, ref = (line.sheet, line.refs.get("opportunity_id", "")) if line else ("", "")
                derived = str(row["opportunity_id"])
                outcome.issues.append(
                    Issue(
                        outcome.name,
                        sheet,
                        ref,
                        _column("Opportunities", "opportunity_id"),
                        "",
                        msg(
                            "no opportunity id: recorded as {derived} (customer and product); keep it on the next "
                            "funnel",
                            derived=derived,
                        ),
                        "warning",
                    )
                )
            key = str(row["opportunity_id"]).strip().casefold()
            if key in seen:
                self._refuse(
                    "Opportunities",
                    row,
                    outcome,
                    msg(
                        "opportunity {opportunity} is already on row {row} of this file",
                        opportunity=row["opportunity_id"],
                        row=seen[key],
                    ),
                )
                continue
            seen[key] = row.get("source_row")
            kept.append(row)
        return kept

    def _own_numbers(self, name: str, rows: list[dict[str, object]], outcome: FileOutcome) -> list[dict[str, object]]:
        """The rows whose number is new or already the same customer's; the others refused."""
        table = self.table(name)
        column = ROW_KEYS[name].columns[0]
        kept = []
        for row, where in zip(rows, table.keyed.matches(rows)):
            held = table.get(where, "customer_id") if where is not None else None
            holder = table.get(where, "rep") if where is not None else None
            # The same rep naming another customer corrects their own row (the old values go to history).
            if (
                not is_blank(held)
                and not is_blank(row.get("customer_id"))
                and str(held) != str(row["customer_id"])
                and (is_blank(holder) or str(holder) != outcome.rep)
            ):
                label, by = _column(name, column), "" if is_blank(holder) else f" ({holder})"
                self._refuse(
                    name,
                    row,
                    outcome,
                    msg(
                        "{label} {number} is already recorded for customer {held}{by}: not changed; "
                        "give this one its own number",
                        label=label,
                        number=row.get(column),
                        held=held,
                        by=by,
                    ),
                )
                continue
            kept.append(row)
        return kept

    # -- stage history -------------------------------------------------------------------------------------------

    def _report_date(self, outcome: FileOutcome) -> pd.Timestamp:
        filled = outcome.header.get("fill_date")
        if isinstance(filled, pd.Timestamp):
            return filled
        period = parse_period(outcome.period)
        return pd.Timestamp(period.first if period is not None else self.now[:10])

    def _log_stages(self, rows: list[dict[str, object]], outcome: FileOutcome) -> None:
        """A history row for each line whose stage differs from the master's (a new opportunity: its first)."""
        table, history = self.table("Opportunities"), self.table(OPPORTUNITY_HISTORY.name)
        date = self._report_date(outcome)
        for row, where in zip(rows, table.keyed.matches(rows)):
            before = table.get(where, "stage") if where is not None else None
            stage = row.get("stage")
            if where is None and is_blank(row.get("created")):
                row["created"] = date
            if is_blank(stage) or (not is_blank(before) and str(before).strip() == str(stage).strip()):
                continue
            amount = row.get("expected_amount")
            history.add(
                {
                    "date": date,
                    "opportunity_id": row["opportunity_id"],
                    "customer_id": row.get("customer_id"),
                    "from_stage": None if is_blank(before) else before,
                    "to_stage": stage,
                    "amount": table.get(where, "expected_amount") if is_blank(amount) and where else amount,
                    **{
                        k: row.get(k)
                        for k in (
                            "source_file",
                            "source_sheet",
                            "source_row",
                            "rep",
                            "period",
                            "file_sha256",
                            "consolidated_at",
                        )
                    },
                }
            )
            self.changed.add(OPPORTUNITY_HISTORY.name)
