"""Working days (工作日): Monday to Friday less the public holidays, plus the weekend days worked in exchange (调休).

The calendar lives in templates/policies/workdays.yaml (or a file the caller names), so next year's holidays are
an edit, not a release. Complaint closure (ten working days) and the daily report (each working day) count on it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from keyacct_xl.analytics.policy import policy_path
from keyacct_xl.errors import SpecError
from keyacct_xl.messages import msg
from keyacct_xl.yamlcheck import Where, read_mapping, read_str, read_yaml

DEFAULT_WORKDAYS = "workdays"
_MAX_DAYS = 3660  # a range longer than ten years is a typo, not a holiday


@dataclass(frozen=True)
class WorkCalendar:
    """The days off on weekdays and the weekend days worked, from one calendar file."""

    source: str
    holidays: frozenset[dt.date]
    working_weekends: frozenset[dt.date]

    def is_working_day(self, day: dt.date) -> bool:
        """A weekday that is no holiday, or a weekend day worked in exchange for one."""
        if day in self.working_weekends:
            return True
        return day.weekday() < 5 and day not in self.holidays

    def add_working_days(self, day: dt.date, n: int) -> dt.date:
        """The ``n``-th working day after ``day`` (``day`` itself does not count; n = 0 gives ``day``)."""
        while n > 0:
            day += dt.timedelta(days=1)
            n -= self.is_working_day(day)
        return day

    def working_days(self, first: dt.date, last: dt.date) -> Iterator[dt.date]:
        """The working days from ``first`` to ``last``, both included."""
        day = first
        while day <= last:
            if self.is_working_day(day):
                yield day
            day += dt.timedelta(days=1)


def load_workdays(name_or_path: str | Path = DEFAULT_WORKDAYS) -> WorkCalendar:
    """Load and check a working-day calendar (a shipped name such as ``workdays`` or a file path)."""
    path = policy_path(name_or_path)
    where = Where(str(path))
    if not path.exists():
        raise SpecError(msg("{path}: policy file not found", path=path))
    data = read_mapping(
        read_yaml(path, where),
        where,
        {"name", "title", "holidays", "working_weekends"},
        {"holidays", "working_weekends"},
    )
    holidays = {
        d
        for i, item in enumerate(_items(data["holidays"], where.at("holidays")))
        for d in _days(item, where.at("holidays").at(i))
    }
    weekends = {
        d
        for i, item in enumerate(_items(data["working_weekends"], where.at("working_weekends")))
        for d in _days(item, where.at("working_weekends").at(i))
    }
    for i, day in enumerate(sorted(weekends)):
        if day.weekday() < 5:
            raise (
                where.at("working_weekends")
                .at(i)
                .fail(msg("{day} is a weekday, not a weekend day", day=day.isoformat()))
            )
    return WorkCalendar(str(path), frozenset(holidays), frozenset(weekends))


def named_workdays(value: Any, policy: Path, where: Where) -> WorkCalendar:
    """The calendar a policy names under ``workdays``: a shipped name, or a file (a relative one beside the policy).
    A policy that names none uses the shipped ``workdays``."""
    name = DEFAULT_WORKDAYS if value is None else read_str(value, where)
    path = Path(name)
    if path.suffix in (".yaml", ".yml") and not path.is_absolute():
        return load_workdays(policy.parent / path)
    return load_workdays(name)


def _items(value: Any, where: Where) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise where.fail(msg("expected a list, got {kind}", kind=type(value).__name__))
    return value


def _days(item: Any, where: Where) -> list[dt.date]:
    """One date (2026-10-01) or a range written first..last, both included."""
    text = item.isoformat() if isinstance(item, dt.date) else str(item).strip()
    first_text, _, last_text = text.partition("..")
    try:
        first = dt.date.fromisoformat(first_text.strip())
        last = dt.date.fromisoformat(last_text.strip()) if last_text else first
    except ValueError:
        raise where.fail(
            msg("expected a date (2026-10-01) or a range (2026-10-01..2026-10-07), got {value!r}", value=text)
        ) from None
    if not 0 <= (last - first).days <= _MAX_DAYS:
        raise where.fail(msg("the range {value} ends before it starts or is longer than ten years", value=text))
    return [first + dt.timedelta(days=k) for k in range((last - first).days + 1)]
