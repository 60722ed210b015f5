"""The missing-reports check (未交报表): which rep has not handed in which form due in a period, and which came late.

The forms are the Settings list ``rep_forms`` (the forms each rep is given every period); when each is due is the
submission calendar (templates/policies/submissions.yaml): every working day, every week (so many days after its
Monday) or every month (on a day of the month, or of the month before for a plan). The reps are those the
customers are assigned to. What came in is the consolidation ledger (IngestionLedger): a file accepted, partly
accepted or waiting for review counts as handed in, on the day it was consolidated (the latest it can have
arrived); a rejected or undone file does not. DOMAIN.md, the general manager's report system ("handed in on time").
"""

from __future__ import annotations

import calendar as months
import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from keyacct_xl.analytics.policy import policy_path
from keyacct_xl.errors import SpecError
from keyacct_xl.forms.catalog import load_catalog
from keyacct_xl.messages import Message, msg
from keyacct_xl.performance.workdays import WorkCalendar, named_workdays
from keyacct_xl.yamlcheck import Where, read_int, read_mapping, read_str, read_yaml

DEFAULT_CALENDAR = "submissions"
HANDED_IN = ("accepted", "partial", "needs_review")  # ledger statuses of a file that came in and was read
SUBMISSION_LABELS: dict[str, Message] = {
    "on_time": msg("handed in on time"),
    "late": msg("handed in late"),
    "missing": msg("not handed in"),
    "pending": msg("not yet due"),
}
DETAIL_COLUMNS = ["rep", "form", "instance", "due_date", "handed_in", "days_late", "file_name", "submission"]
REP_COLUMNS = ["rep", "expected", "on_time", "late", "missing", "pending", "on_time_rate"]


@dataclass(frozen=True)
class FormDue:
    """How often one form is due: each working day, each week (``due_day`` days after Monday) or each month (on
    day ``due_day``, ``months_before`` months before the month it is for)."""

    every: str
    due_day: int = 0
    months_before: int = 0


@dataclass(frozen=True)
class SubmissionCalendar:
    """When each form is due, and the working days."""

    source: str
    title_zh: str
    title_en: str
    workdays: WorkCalendar
    forms: Mapping[str, FormDue]

    def due(self, form: str) -> FormDue:
        """The calendar entry of ``form``; a form the calendar does not list is a SpecError naming the file."""
        if form not in self.forms:
            raise SpecError(
                msg(
                    "{file}: forms: {form!r} is in the Settings' Rep Forms but has no entry; add when it is due",
                    file=self.source,
                    form=form,
                )
            )
        return self.forms[form]


def load_submission_calendar(name_or_path: str | Path = DEFAULT_CALENDAR) -> SubmissionCalendar:
    """Load and check a submission calendar (a shipped name such as ``submissions`` or a file path)."""
    path = policy_path(name_or_path)
    where = Where(str(path))
    if not path.exists():
        raise SpecError(msg("{path}: policy file not found", path=path))
    data = read_mapping(read_yaml(path, where), where, {"name", "title", "workdays", "forms"}, {"title", "forms"})
    title = read_mapping(data["title"], where.at("title"), {"zh", "en"}, {"zh", "en"})
    entries = data["forms"]
    if not isinstance(entries, dict) or not entries:
        raise where.at("forms").fail(msg("expected a mapping of form ids to when each is due"))
    ids = {spec.id for spec in load_catalog()}
    for form in entries:
        if str(form) not in ids:
            raise (
                where.at("forms")
                .at(str(form))
                .fail(msg("{form!r} is not a form; forms: {ids}", form=str(form), ids=", ".join(sorted(ids))))
            )
    forms = {str(form): _form_due(value, where.at("forms").at(str(form))) for form, value in entries.items()}
    return SubmissionCalendar(
        str(path),
        read_str(title["zh"], where.at("title").at("zh")),
        read_str(title["en"], where.at("title").at("en")),
        named_workdays(data.get("workdays"), path, where.at("workdays")),
        forms,
    )


def _form_due(value: object, where: Where) -> FormDue:
    raw = read_mapping(value, where, {"every", "due_day", "months_before"}, {"every"})
    every = read_str(raw["every"], where.at("every"))
    if every == "day":
        read_mapping(raw, where, {"every"})
        return FormDue("day")
    if every == "week":
        read_mapping(raw, where, {"every", "due_day"}, {"every", "due_day"})
        return FormDue("week", read_int(raw["due_day"], where.at("due_day"), 0, 13))
    if every == "month":
        return FormDue(
            "month",
            read_int(raw.get("due_day"), where.at("due_day"), 1, 31),
            read_int(raw.get("months_before", 0), where.at("months_before"), 0, 2),
        )
    raise where.at("every").fail(msg("expected day, week or month, got {value!r}", value=every))


def scheduled_forms(forms: Sequence[str], calendar: SubmissionCalendar) -> tuple[list[str], list[str]]:
    """``forms`` split into those the calendar says when they are due and those it does not list (a quotation is
    made when a customer asks, not by a date): only the first can be late or missing."""
    return [f for f in forms if f in calendar.forms], [f for f in forms if f not in calendar.forms]


def expected_submissions(
    reps: Sequence[str], forms: Sequence[str], calendar: SubmissionCalendar, *, first: dt.date, last: dt.date
) -> pd.DataFrame:
    """Every (rep, form, instance) due from ``first`` to ``last``: rep, form, instance (the day ``2026-11-25``, the
    week ``2026-W48`` or the month ``2026-12`` the form is for) and its due date."""
    rows = [
        (form, instance, due)
        for form in forms
        for instance, due in _instances(calendar.due(form), calendar, first, last)
    ]
    frame = pd.DataFrame(
        [(rep, form, instance, due) for rep in reps for form, instance, due in rows],
        columns=["rep", "form", "instance", "due_date"],
    )
    frame["due_date"] = pd.to_datetime(frame["due_date"])
    return frame


def _instances(due: FormDue, calendar: SubmissionCalendar, first: dt.date, last: dt.date) -> list[tuple[str, dt.date]]:
    """The instances of one form due from ``first`` to ``last``, each with its due date."""
    if due.every == "day":
        return [(day.isoformat(), day) for day in calendar.workdays.working_days(first, last)]
    if due.every == "week":
        monday = first - dt.timedelta(days=first.weekday() + 14)
        out = []
        while monday <= last:
            day = monday + dt.timedelta(days=due.due_day)
            if first <= day <= last:
                year, week, _ = monday.isocalendar()
                out.append((f"{year}-W{week:02d}", day))
            monday += dt.timedelta(days=7)
        return out
    out = []
    month = pd.Period(first, freq="M") - 2
    while month <= pd.Period(last, freq="M") + 2:
        before = month - due.months_before
        day = dt.date(before.year, before.month, min(due.due_day, months.monthrange(before.year, before.month)[1]))
        if first <= day <= last:
            out.append((str(month), day))
        month += 1
    return out


def handed_in(ledger: pd.DataFrame, calendar: SubmissionCalendar, forms: Sequence[str]) -> pd.DataFrame:
    """The first file of each (rep, form, instance) the ledger shows as come in: rep, form, instance, handed_in
    (the day it was consolidated) and file_name. A daily form's instance is its key (the report's date), a weekly
    or monthly form's its period."""
    live = ledger[ledger["status"].isin(HANDED_IN) & ledger["form"].isin(list(forms))]
    daily = live["form"].map({f: calendar.due(f).every == "day" for f in forms}).astype(bool)
    instance = live["key"].where(daily, live["period"]).astype(object)
    out = pd.DataFrame(
        {
            "rep": live["rep"].astype(str).str.strip(),
            "form": live["form"],
            "instance": instance.where(instance.isna(), instance.astype(str).str.strip()),
            "handed_in": pd.to_datetime(live["consolidated_at"], errors="coerce").dt.normalize(),
            "file_name": live["file_name"],
        }
    )
    out = out.dropna(subset=["instance"]).sort_values("handed_in", kind="stable")
    return out.drop_duplicates(["rep", "form", "instance"]).reset_index(drop=True)


def tracked_from(ledger: pd.DataFrame) -> pd.Timestamp | None:
    """The first day of the month of the first consolidation the ledger records: reports are collected through
    consolidation from that month on, so one due before it is not looked for (a company that starts using the
    product in November has no October reports to miss). None before any consolidation."""
    first = pd.to_datetime(ledger["consolidated_at"], errors="coerce").min()
    return None if pd.isna(first) else pd.Timestamp(first.year, first.month, 1)


@dataclass(frozen=True)
class LookedFor:
    """The submissions a check looks for: those due since ``start`` (``tracked_from``), and how many it left out."""

    expected: pd.DataFrame
    start: pd.Timestamp | None
    left_out: int


def looked_for(expected: pd.DataFrame, ledger: pd.DataFrame, came: pd.DataFrame) -> LookedFor:
    """``expected`` (``expected_submissions``) less those due before the ledger's ``tracked_from`` that did not come
    (``came``, from ``handed_in``): the one rule of the submissions check, the general manager's pack and the reps'
    on-time KPI. A report that came is counted whenever it was due: it was collected through consolidation."""
    start = tracked_from(ledger)
    if start is None:
        return LookedFor(expected, None, 0)
    keys = ["rep", "form", "instance"]
    arrived = expected[keys].merge(came[keys].drop_duplicates(), how="left", indicator=True)["_merge"] == "both"
    before = (expected["due_date"] < start).to_numpy(dtype=bool) & ~arrived.to_numpy(dtype=bool)
    return LookedFor(expected[~before], start, int(before.sum()))


def submission_status(expected: pd.DataFrame, came: pd.DataFrame, *, as_of: pd.Timestamp) -> pd.DataFrame:
    """Each expected submission (DETAIL_COLUMNS) with what came: on_time (by the due day), late (after it, with
    the days), missing (nothing, and the due day is over at ``as_of``) or pending (nothing yet, not yet due)."""
    out = expected.merge(came, on=["rep", "form", "instance"], how="left")
    due, handed = out["due_date"], out["handed_in"]
    late_days = (handed - due).dt.days
    out["days_late"] = late_days.where(late_days > 0).astype("Int64")
    out["submission"] = "pending"
    out.loc[handed.notna() & (handed <= due), "submission"] = "on_time"
    out.loc[handed.notna() & (handed > due), "submission"] = "late"
    # missing once the whole due day is over (as_of at a day's end, as the check is run by date, includes it)
    out.loc[handed.isna() & (due + pd.Timedelta(days=1) - pd.Timedelta(seconds=1) <= as_of), "submission"] = "missing"
    return out[DETAIL_COLUMNS]


def rep_submissions(detail: pd.DataFrame, reps: Sequence[str]) -> pd.DataFrame:
    """Per rep (REP_COLUMNS): submissions expected by now, on time, late, missing, not yet due, and the share on
    time of those expected (blank when none was)."""
    counts = pd.crosstab(detail["rep"], detail["submission"]).reindex(
        index=list(reps), columns=list(SUBMISSION_LABELS), fill_value=0
    )
    out = counts.astype("int64").rename_axis(index="rep", columns=None).reset_index()
    out["expected"] = out["on_time"] + out["late"] + out["missing"]
    out["on_time_rate"] = out["on_time"] / out["expected"].where(out["expected"] > 0)
    return out[REP_COLUMNS]
