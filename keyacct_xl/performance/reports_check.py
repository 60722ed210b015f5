"""The missing-reports check (未交报表) as every front end runs it: the CLI, the ribbon, the demo.

``run_submissions_check`` takes the forms from the Settings' ``rep_forms``, the reps from Customers, when each
form is due from the submission calendar, and what came in from the consolidation ledger; it lists per rep and
form each submission due in the period (a week ``2026-W48`` or a month ``2026-11``) as on time, late, missing or
not yet due at ``as_of``, sums them per rep and, when asked, writes the check as a document.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path

import pandas as pd

from keyacct_xl.consolidate.periods import parse_period
from keyacct_xl.errors import InputError
from keyacct_xl.forms.repforms import rep_form_specs
from keyacct_xl.i18n import Lang
from keyacct_xl.master.schema import CUSTOMERS
from keyacct_xl.master.settings import Settings
from keyacct_xl.master.submissions import LEDGER
from keyacct_xl.messages import Message, Pair, cmsg, listing, msg, tr
from keyacct_xl.performance.complaints import end_of_day
from keyacct_xl.performance.document import Labels, write_document
from keyacct_xl.performance.submissions import (
    DEFAULT_CALENDAR,
    SUBMISSION_LABELS,
    SubmissionCalendar,
    expected_submissions,
    handed_in,
    load_submission_calendar,
    looked_for,
    rep_submissions,
    scheduled_forms,
    submission_status,
)

HEADERS: dict[str, Message] = {
    "rep": cmsg("submissions check", "Sales Rep"),
    "form": cmsg("submissions check", "Form"),
    "instance": cmsg("submissions check", "For"),
    "due_date": cmsg("submissions check", "Due"),
    "handed_in": cmsg("submissions check", "Handed In"),
    "days_late": cmsg("submissions check", "Days Late"),
    "file_name": cmsg("submissions check", "File Name"),
    "submission": cmsg("submissions check", "Submission"),
    "expected": cmsg("submissions check", "Reports Due"),
    "on_time": cmsg("submissions check", "On Time"),
    "late": cmsg("submissions check", "Late"),
    "missing": cmsg("submissions check", "Missing"),
    "pending": cmsg("submissions check", "Not Yet Due"),
    "on_time_rate": cmsg("submissions check", "On-Time Rate"),
}


@dataclass(frozen=True)
class SubmissionsCheck:
    """One check: the period and cut-off, the calendar, every submission due with its status, the rep totals."""

    period: str
    as_of: pd.Timestamp
    calendar: SubmissionCalendar
    detail: pd.DataFrame
    reps: pd.DataFrame
    path: Path | None = None
    tracked_from: pd.Timestamp | None = None  # the first day of the month of the first consolidation (tracked_from)
    untracked: int = 0  # the period's reports due before it: not looked for
    unscheduled: tuple[Pair, ...] = ()  # titles of the rep forms the calendar gives no due time: not looked for

    def unscheduled_line(self, lang: Lang) -> str | None:
        """The rep forms the check did not look for as they have no due time; None when there is none."""
        if not self.unscheduled:
            return None
        return tr(
            lang,
            "{forms}: no due time in the submission calendar, not looked for",
            forms=listing(self.unscheduled),
        )

    def untracked_line(self, lang: Lang) -> str | None:
        """What the check did not look for, and why; None when it looked for every report due."""
        if not self.untracked or self.tracked_from is None:
            return None
        return tr(
            lang,
            "{count:,} report(s) due before {first} are not looked for: the first consolidation was in that month",
            count=self.untracked,
            first=self.tracked_from.strftime("%Y-%m-%d"),
        )

    def missing(self) -> dict[str, int]:
        """Missing submissions per rep, every rep listed."""
        return {str(r): int(n) for r, n in zip(self.reps["rep"], self.reps["missing"], strict=True)}

    def summary(self, lang: Lang) -> str:
        """One line: the period, reps, submissions due, on time, late, missing, not yet due; and what was not looked
        for."""
        r = self.reps
        line = tr(
            lang,
            "submissions {period} as of {as_of}: {reps} reps, {due} due, {on_time} on time, {late} "
            "late, {missing} missing",
            period=self.period,
            as_of=self.as_of.strftime("%Y-%m-%d"),
            reps=len(r),
            due=int(r["expected"].sum()),
            on_time=int(r["on_time"].sum()),
            late=int(r["late"].sum()),
            missing=int(r["missing"].sum()),
        )
        if pending := int(r["pending"].sum()):  # due after the cut-off: neither handed in nor missing yet
            line = tr(lang, "{summary}; {count:,} not yet due", summary=line, count=pending)
        for note in self.notes(lang):
            line = tr(lang, "{summary}; {note}", summary=line, note=note)
        return line

    def notes(self, lang: Lang) -> tuple[str, ...]:
        """What the check did not look for, and why: the lines under the summary and the report's notes."""
        return tuple(n for n in (self.untracked_line(lang), self.unscheduled_line(lang)) if n is not None)

    def report_line(self, lang: Lang) -> str:
        """The summary and the report's path, as the CLI and the demo print it."""
        return tr(lang, "{summary}; report: {path}", summary=self.summary(lang), path=self.path)


def customer_reps(customers: pd.DataFrame) -> list[str]:
    """The reps customers are assigned to, in name order."""
    return sorted({str(r).strip() for r in customers["rep"].dropna()} - {""})


def submissions_report_name(period: str) -> str:
    """The report's file name when the caller names only a folder."""
    return f"submissions_{period}.xlsx"


def run_submissions_check(
    tables: Mapping[str, pd.DataFrame],
    settings: Settings,
    *,
    period: str,
    as_of: pd.Timestamp | None = None,
    rep: str | None = None,
    calendar: str | Path | None = None,
    out: Path | None = None,
    out_dir: Path | None = None,
    lang: Lang = "zh",
    today: pd.Timestamp | None = None,
) -> SubmissionsCheck:
    """Check the submissions due in ``period`` at ``as_of`` (the end of that day; default: the end of the period's
    last day, or ``today``, the caller's moment of the run, while the period has not ended) against ``tables``'
    IngestionLedger (form ids and status codes) and Customers."""
    span = parse_period(str(period))
    if span is None:
        raise InputError(msg("--period: {value!r} is no week (2026-W48) or month (2026-11)", value=period))
    # never the wall clock here: the same tables and arguments give the same check (and bytes) on any day
    last = end_of_day(span.last)
    when = end_of_day(as_of) if as_of is not None else last if today is None else min(last, today)
    rules = load_submission_calendar(calendar or DEFAULT_CALENDAR)
    forms, unscheduled = scheduled_forms([spec.id for spec in rep_form_specs(settings.rep_forms)], rules)
    reps = customer_reps(tables[CUSTOMERS.name])
    if rep is not None:
        if rep not in reps:
            raise InputError(msg("unknown rep {rep!r}; reps of the customers: {reps}", rep=rep, reps=", ".join(reps)))
        reps = [rep]
    came = handed_in(tables[LEDGER.name], rules, forms)
    expected = expected_submissions(reps, forms, rules, first=span.first, last=span.last)
    due = looked_for(expected, tables[LEDGER.name], came)
    detail = submission_status(due.expected, came, as_of=when)
    check = SubmissionsCheck(
        span.text,
        when,
        rules,
        detail,
        rep_submissions(detail, reps),
        tracked_from=due.start,
        untracked=due.left_out,
        unscheduled=tuple(Pair(spec.title.en, spec.title.zh) for spec in rep_form_specs(unscheduled)),
    )
    path = out or (out_dir / submissions_report_name(span.text) if out_dir is not None else None)
    if path is None:
        return check
    titles = {spec.id: Pair(spec.title.en, spec.title.zh) for spec in rep_form_specs(forms)}
    labels = Labels(HEADERS, {"submission": SUBMISSION_LABELS, "form": titles}, rates=frozenset({"on_time_rate"}))
    title = tr(lang, "Submissions {period} as of {as_of}", period=span.text, as_of=when.strftime("%Y-%m-%d"))
    sheets = [
        (tr(lang, "Reps"), check.reps),
        (tr(lang, "Submissions"), detail),
        (tr(lang, "Not handed in"), detail[detail["submission"] == "missing"]),
    ]
    written = write_document(
        path, title, sheets, labels, lang=lang, company=settings.company_name, notes=check.notes(lang)
    )
    return replace(check, path=written)
