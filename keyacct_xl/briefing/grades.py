"""The customers' grades in force on a past day, from GradeHistory: which customers were VIP or A then.

Customers holds the grades now. A grading changes them on the day its decisions take effect (GradeHistory's
``applied_at``; a row without one, from the first day of the year after its grading year: a year's review grades
the next). On a day no grading took effect after, the grades now are those in force. Before a later grading, a
customer's grade is its latest decision by that day, else the grade it had before its first later decision (the
row's ``grade_before``); a customer graded neither way is ungraded then.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from keyacct_xl.messages import Message, msg
from keyacct_xl.parsing import is_blank


@dataclass(frozen=True)
class GradesInForce:
    """Each customer's grade on a day (by customer id; None: ungraded then) and the line saying which grading."""

    grades: pd.Series
    grading: Message


def _decisions(history: pd.DataFrame) -> pd.DataFrame:
    """GradeHistory's grade decisions with the day each took effect, in the order they took effect."""
    year = pd.to_numeric(history["year"], errors="coerce")
    next_year = pd.to_datetime((year + 1).astype("Int64").astype(str) + "-01-01", errors="coerce")
    rows = pd.DataFrame(
        {
            "customer_id": history["customer_id"].astype(str).str.strip(),
            "year": year,
            "before": history["grade_before"],
            "after": history["grade_after"],
            "since": pd.to_datetime(history["applied_at"], errors="coerce").fillna(next_year),
        }
    )
    graded = rows["since"].notna() & ~rows["after"].map(is_blank)
    # stable: the rows of one day keep the table's order, a later row being the later decision
    return rows[graded.to_numpy()].sort_values("since", kind="stable")


def grades_in_force(customers: pd.DataFrame, history: pd.DataFrame, *, at: pd.Timestamp) -> GradesInForce:
    """The grade of each customer of ``customers`` in force on ``at`` (see the module's rule)."""
    ids = customers["customer_id"].astype(str).str.strip()
    decisions = _decisions(history)
    later = decisions[decisions["since"] > at]
    if later.empty:
        grades = pd.Series(customers["grade"].to_numpy(dtype=object), index=ids.to_numpy())
        return GradesInForce(
            grades, msg("Grades: each customer's grade now (no grading took effect after {day}).", day=_day(at))
        )
    earlier = decisions[decisions["since"] <= at]
    latest = earlier.drop_duplicates("customer_id", keep="last").set_index("customer_id")["after"]
    before_next = later.drop_duplicates("customer_id").set_index("customer_id")["before"]
    before_next = before_next[~before_next.map(is_blank) & ~before_next.index.isin(latest.index)]
    then = pd.concat([before_next, latest])
    grades = pd.Series([None if is_blank(g) else g for g in ids.map(then)], index=ids.to_numpy(), dtype=object)
    return GradesInForce(grades, _grading_line(earlier, at))


def _day(at: pd.Timestamp) -> str:
    return at.date().isoformat()


def _grading_line(earlier: pd.DataFrame, at: pd.Timestamp) -> Message:
    """Which grading the grades of ``at`` come from, when a later one changed them since."""
    if earlier.empty:
        return msg(
            "Grades in force on {day}: no grading in GradeHistory had taken effect by then, each customer's grade "
            "before its first grading; a customer never graded counts as ungraded.",
            day=_day(at),
        )
    last = earlier.iloc[-1]
    return msg(
        "Grades in force on {day}: each customer's latest decision in GradeHistory by then (the {year} grading, in "
        "force from {since}); a customer graded only later by its grade before, a customer never graded counts as "
        "ungraded.",
        day=_day(at),
        year=int(last["year"]) if pd.notna(last["year"]) else "",
        since=_day(last["since"]),
    )


def graded_at(customers: pd.DataFrame, history: pd.DataFrame, *, at: pd.Timestamp) -> tuple[pd.DataFrame, Message]:
    """``customers`` with each grade replaced by the grade in force on ``at``, and the line saying which grading."""
    found = grades_in_force(customers, history, at=at)
    return customers.assign(grade=found.grades.to_numpy()), found.grading
