"""What reps asked their manager for in a period: the problems and support needed they wrote on their daily reports
(DailyReports.problems) and weekly plans (WeeklyTargets.support_needed), one line each, newest first.

A request is the manager's to answer; on the reports it was one cell among many, read by nobody once the form was
consolidated. The rep evaluation lists them beside the KPIs (docs/performance.md).
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from keyacct_xl.consolidate.periods import parse_period
from keyacct_xl.master.model import empty_frame
from keyacct_xl.master.submissions import DAILY_REPORTS, WEEKLY_TARGETS
from keyacct_xl.messages import Rendered, cmsg
from keyacct_xl.parsing import is_blank
from keyacct_xl.performance.reps import EvaluationPeriod

SUPPORT_COLUMNS = ["rep", "date", "source", "request", "source_file"]
SOURCES: dict[str, Rendered] = {
    "daily_report": cmsg("support requests", "Daily report"),
    "weekly_plan": cmsg("support requests", "Weekly plan"),
}
# rep, date and source_file are headed as the master's own columns (labels.header)
HEADERS: dict[str, Rendered] = {
    "source": cmsg("support requests", "Written On"),
    "request": cmsg("support requests", "Problem or Support Needed"),
}


def support_requests(tables: Mapping[str, pd.DataFrame], period: EvaluationPeriod) -> pd.DataFrame:
    """Each problem or support request reps wrote in ``period``: rep, date, the form it was on, the text and the
    file; a weekly plan's date is its week's Monday (its start date, else its period's)."""
    daily = tables.get(DAILY_REPORTS.name, empty_frame(DAILY_REPORTS))
    weekly = tables.get(WEEKLY_TARGETS.name, empty_frame(WEEKLY_TARGETS))
    parts = [
        _requests(daily, daily["report_date"], daily["problems"], "daily_report"),
        _requests(
            weekly, weekly["week_start"].fillna(weekly["period"].map(_monday)), weekly["support_needed"], "weekly_plan"
        ),
    ]
    found = pd.concat([p for p in parts if not p.empty] or [pd.DataFrame(columns=SUPPORT_COLUMNS)], ignore_index=True)
    inside = (found["date"] >= period.first) & (found["date"] <= period.last)
    found = found[inside.fillna(False).astype(bool)]
    return found.sort_values(["date", "rep"], ascending=[False, True], kind="stable").reset_index(drop=True)


def _requests(frame: pd.DataFrame, dates: pd.Series, texts: pd.Series, source: str) -> pd.DataFrame:
    said = ~texts.map(is_blank)
    return pd.DataFrame(
        {
            "rep": frame.loc[said, "rep"].to_numpy(dtype=object),
            "date": pd.to_datetime(dates[said]).to_numpy(),
            "source": source,
            "request": texts[said].astype(str).str.strip().to_numpy(dtype=object),
            "source_file": frame.loc[said, "source_file"].to_numpy(dtype=object),
        },
        columns=SUPPORT_COLUMNS,
    )


def _monday(period: object) -> pd.Timestamp | None:
    """The first day of a weekly plan's period (``2026-W48``), None when it names no week."""
    span = parse_period(str(period)) if not is_blank(period) else None
    return pd.Timestamp(span.first) if span is not None else None
