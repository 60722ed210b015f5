"""A week a rep can drive: the due customers placed on Monday to Friday by the visit policy.

DOMAIN.md, "Visit programme" and "Customer archive" (客户路序). The customers due by the week's last day are taken
in priority order: those needing a face-to-face visit this week before those a call would satisfy (a visit slot
is not spent on a call), then VIP/A (the policy's quarterly grades) before the others, the most overdue first.
Each day goes to the area (the city, else the region) of the first customer still waiting and takes up to
``visits_per_day`` of that area's waiting customers, in route order (district, route_seq). Who is left is never
dropped: a customer a contact would satisfy gets a phone call on the plan, the others go on the deferred list
with the reason.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from keyacct_xl.followup.policy import VisitPolicy
from keyacct_xl.messages import Message, cmsg

WORKDAYS = 5
DEFERRED_REASONS: dict[str, Message] = {
    "capacity": cmsg("weekly plan", "its area's day is full (visits per day)"),
    "no_day": cmsg("weekly plan", "every day of the week is taken; next week"),
}


@dataclass(frozen=True)
class WeekPlan:
    """The placed visits (day index 0-4, in route order), the phone calls and the deferred customers."""

    visits: pd.DataFrame
    calls: pd.DataFrame
    deferred: pd.DataFrame


def due_in_week(status: pd.DataFrame, week_end: dt.date) -> pd.DataFrame:
    """The customers of a status table whose due date falls on or before the week's last day."""
    return status[status["due_date"] <= pd.Timestamp(week_end)]


def _contact_only(due: pd.DataFrame, week_end: dt.date) -> pd.Series:
    """True for customers no face-to-face visit is due for by the week's end: a call keeps them in touch."""
    return due["face_to_face_due"] > pd.Timestamp(week_end)


def _priority(due: pd.DataFrame, policy: VisitPolicy, week_end: dt.date) -> pd.DataFrame:
    key = ~due["grade"].isin(policy.quarterly_face_to_face)
    contact_only = _contact_only(due, week_end)
    ordered = due.assign(_key=key.astype(int), _contact=contact_only.astype(int))
    return ordered.sort_values(["_contact", "_key", "due_date", "customer_id"], kind="stable").drop(
        columns=["_key", "_contact"]
    )


def plan_week(due: pd.DataFrame, policy: VisitPolicy, *, week_end: dt.date, days: int = WORKDAYS) -> WeekPlan:
    """Place ``due`` (status rows with area, district and route_seq) on ``days`` workdays, one area per day."""
    waiting = _priority(due, policy, week_end)
    placed = []
    for day in range(days):
        if waiting.empty:
            break
        area = waiting["area"].iloc[0]
        same = waiting["area"].isna() if pd.isna(area) else waiting["area"] == area
        today = waiting[same].head(policy.visits_per_day)
        placed.append(
            today.assign(day=day).sort_values(
                ["district", "route_seq", "customer_id"], kind="stable", na_position="last"
            )
        )
        waiting = waiting.drop(today.index)
    visits = pd.concat(placed) if placed else due.head(0).assign(day=pd.Series(dtype="int64"))
    planned_areas = set(visits["area"].dropna())
    calls = waiting[_contact_only(waiting, week_end)]
    deferred = waiting.drop(calls.index)
    reason = deferred["area"].map(lambda a: "capacity" if a in planned_areas else "no_day")
    return WeekPlan(
        visits.reset_index(drop=True),
        calls.reset_index(drop=True),
        deferred.assign(reason=reason.astype(object)).reset_index(drop=True),
    )
