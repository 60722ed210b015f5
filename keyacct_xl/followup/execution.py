"""Plan against actual: plan lines (weekly plans, visit plans) matched to Visits by customer and date.

A plan line is ``done`` when a visit of its customer lies within ``plan_match_days`` of the planned date,
``missed`` when none does and that window has passed by ``as_of``, else ``pending``. Each visit fulfils at most
one line and each line takes at most one visit, the nearest dates first. A rep's visits in the ISO weeks the
rep planned that fulfil no line are ``unplanned``.

The plan tables are listed in PLAN_SOURCES: a table with a rep, a customer_id and a planned date column joins
the check by one more PlanSource line.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from keyacct_xl.followup.status import known_by
from keyacct_xl.master.reader import read_present_tables
from keyacct_xl.master.submissions import ALL_CONSOLIDATION_TABLES
from keyacct_xl.messages import Message, cmsg

PLAN_COLUMNS = ["source", "rep", "customer_id", "planned_date", "status", "visit_date"]
UNPLANNED_COLUMNS = ["rep", "customer_id", "date", "method"]
PLAN_STATUS_LABELS: dict[str, Message] = {
    "done": cmsg("visits check", "Done"),
    "missed": cmsg("visits check", "Missed"),
    "pending": cmsg("visits check", "Pending"),
}


@dataclass(frozen=True)
class PlanSource:
    """A master table holding planned visits: its name and the column of the planned date."""

    table: str
    date: str


PLAN_SOURCES: tuple[PlanSource, ...] = (
    PlanSource("WeeklyPlans", "date"),
    PlanSource("VisitPlans", "planned_date"),
)


def read_plan_tables(path: Path, sources: tuple[PlanSource, ...] = PLAN_SOURCES) -> dict[str, pd.DataFrame]:
    """The plan tables the master at ``path`` holds (a table not there yet is simply absent)."""
    read = read_present_tables(path, [ALL_CONSOLIDATION_TABLES[s.table] for s in sources])
    return {schema.name: table.frame for schema, table in read.items()}


def plan_lines(tables: Mapping[str, pd.DataFrame], sources: tuple[PlanSource, ...] = PLAN_SOURCES) -> pd.DataFrame:
    """Every dated plan line naming a customer, from each source present: source, rep, customer_id, planned_date."""
    parts = []
    for source in sources:
        frame = tables.get(source.table)
        if frame is None or frame.empty:
            continue
        lines = pd.DataFrame(
            {
                "source": source.table,
                "rep": frame["rep"].to_numpy(),
                "customer_id": frame["customer_id"].to_numpy(),
                "planned_date": pd.to_datetime(frame[source.date]).to_numpy(),
            }
        )
        parts.append(lines[lines["customer_id"].notna() & lines["planned_date"].notna()])
    if not parts:
        return pd.DataFrame(
            {
                "source": pd.Series(dtype=object),
                "rep": pd.Series(dtype=object),
                "customer_id": pd.Series(dtype=object),
                "planned_date": pd.Series(dtype="datetime64[ns]"),
            }
        )
    lines = pd.concat(parts, ignore_index=True)
    lines["customer_id"] = lines["customer_id"].astype(str).str.strip()
    return lines


def plan_execution(
    lines: pd.DataFrame, visits: pd.DataFrame, *, as_of: pd.Timestamp, match_days: int
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(plan lines with status and the visit that fulfilled each, unplanned visits in the planned weeks)."""
    seen = visits.loc[known_by(visits, as_of), UNPLANNED_COLUMNS].reset_index(drop=True)
    plan = lines.reset_index(drop=True)
    pairs = (
        plan[["customer_id", "planned_date"]]
        .reset_index(names="line")
        .merge(seen[["customer_id", "date"]].reset_index(names="visit"), on="customer_id")
    )
    pairs["gap"] = (pairs["date"] - pairs["planned_date"]).abs().dt.days
    pairs = pairs[pairs["gap"] <= match_days].sort_values(["gap", "line", "visit"], kind="stable")
    taken_lines: dict[int, int] = {}
    taken_visits: set[int] = set()
    for line, visit in zip(pairs["line"].to_numpy(), pairs["visit"].to_numpy()):
        if line not in taken_lines and visit not in taken_visits:
            taken_lines[int(line)] = int(visit)
            taken_visits.add(int(visit))
    matched = pd.Series(taken_lines, dtype="int64")
    visit_date = pd.Series(seen["date"].to_numpy()[matched.to_numpy()], index=matched.index).reindex(plan.index)
    passed = plan["planned_date"] + pd.Timedelta(days=match_days) < as_of
    status = np.where(visit_date.notna(), "done", np.where(passed, "missed", "pending"))
    result = plan.assign(status=status.astype(object), visit_date=visit_date.to_numpy())[PLAN_COLUMNS]
    return result, _unplanned(plan, seen, taken_visits)


def _week(dates: pd.Series) -> np.ndarray:
    """Monday-to-Sunday weeks counted from 1970 (its 1 January was a Thursday: +3 days starts them on Monday)."""
    return (dates.to_numpy(dtype="datetime64[D]").astype("int64") + 3) // 7


def _unplanned(plan: pd.DataFrame, seen: pd.DataFrame, taken: set[int]) -> pd.DataFrame:
    """The visits a rep made in a week the rep planned that no plan line asked for."""
    free = seen[~np.isin(np.arange(len(seen)), np.fromiter(taken, dtype="int64", count=len(taken)))]
    reps, _ = pd.factorize(pd.concat([plan["rep"], free["rep"]], ignore_index=True).astype(object))
    weeks = 10_000 * reps.astype("int64")  # one number per (rep, week): weeks since 1970 stay under 10,000
    planned = weeks[: len(plan)] + _week(plan["planned_date"])
    made = weeks[len(plan) :] + _week(free["date"])
    return free[np.isin(made, planned) & (reps[len(plan) :] >= 0)][UNPLANNED_COLUMNS].reset_index(drop=True)


def execution_counts(plan: pd.DataFrame, unplanned: pd.DataFrame) -> pd.DataFrame:
    """Per rep: plan lines done, missed and pending, and unplanned visits."""
    counts = pd.crosstab(plan["rep"], plan["status"]).reindex(columns=["done", "missed", "pending"], fill_value=0)
    counts = counts.rename(columns=lambda s: f"plan_{s}")
    extra = unplanned.groupby("rep").size().rename("unplanned")
    out = counts.join(extra, how="outer").fillna(0).astype("int64")
    return out.rename_axis("rep")
