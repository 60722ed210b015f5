"""A form's period as typed (``2026-W48``, ``2026-11``): its first and last day."""

from __future__ import annotations

import datetime as dt

import pandas as pd


def period_start(period: str) -> pd.Timestamp | None:
    """The first day of ``2026-11`` or the Monday of ``2026-W48``; None for anything else."""
    try:
        if "-W" in period:
            year, week = period.split("-W")
            return pd.Timestamp(dt.date.fromisocalendar(int(year), int(week), 1))
        year, month = period.split("-")
        return pd.Timestamp(dt.date(int(year), int(month), 1))
    except ValueError:
        return None


def period_end(period: str) -> pd.Timestamp | None:
    """The last day of the period (Sunday of the week, last day of the month); None when not a period."""
    start = period_start(period)
    if start is None:
        return None
    if "-W" in period:
        return start + pd.Timedelta(days=6)
    return start + pd.offsets.MonthEnd(0)
