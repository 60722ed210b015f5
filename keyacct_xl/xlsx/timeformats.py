"""Times of day, durations and dates with a time as a worksheet holds them: a number of days (09:30 is 0.3958...,
36:00 is 1.5) shown by a time format, chosen from the values so that what a person typed is what is shown.

A time of day is ``hh:mm`` (09:30, as typed), or ``hh:mm:ss`` when one of its column's (or, in a column mixing
kinds, its own) seconds is not 0; a duration ``[h]:mm`` (36:00, past 24 hours) or ``[h]:mm:ss``; a date with a time
``yyyy-mm-dd hh:mm`` or ``yyyy-mm-dd hh:mm:ss`` (the master's date format with the time after it).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

TIME_FORMATS = ("hh:mm", "hh:mm:ss")
DURATION_FORMATS = ("[h]:mm", "[h]:mm:ss")
DATETIME_FORMATS = ("yyyy-mm-dd hh:mm", "yyyy-mm-dd hh:mm:ss")
MINUTE_NS = 60 * 10**9
DAY_NS = 86_400 * 10**9


def _time_ns(value: dt.time) -> int:
    """A time of day's nanoseconds since midnight."""
    return ((value.hour * 60 + value.minute) * 60 + value.second) * 10**9 + value.microsecond * 1000


def value_format(value: object) -> str | None:
    """The format of one cell's value in a column mixing kinds: a time of day's, a duration's, a date with a time's;
    None for any other value (a date at midnight takes the date format)."""
    if isinstance(value, dt.time):
        return TIME_FORMATS[_time_ns(value) % MINUTE_NS != 0]
    if isinstance(value, dt.timedelta):
        return DURATION_FORMATS[pd.Timedelta(value).value % MINUTE_NS != 0]
    if isinstance(value, (pd.Timestamp, dt.datetime)):
        within = pd.Timestamp(value).value % DAY_NS
        return DATETIME_FORMATS[within % MINUTE_NS != 0] if within else None
    return None


def column_format(values: pd.Series, kind: str) -> str | None:
    """The format of a column of one kind: times of day and durations always take theirs; dates take a date-time
    format when one of them has a time (the column then shows it); None for any other column."""
    if kind == "time":
        return TIME_FORMATS[any(_time_ns(v) % MINUTE_NS for v in values.tolist() if isinstance(v, dt.time))]
    if kind not in ("duration", "date"):
        return None
    ns = _nanoseconds(values, kind)
    if kind == "duration":
        return DURATION_FORMATS[bool((ns % MINUTE_NS).any())]
    within = ns % DAY_NS
    return DATETIME_FORMATS[bool((within % MINUTE_NS).any())] if within.any() else None


def _nanoseconds(values: pd.Series, kind: str) -> np.ndarray:
    """The present values of a column of durations or dates as nanoseconds (dates since 1970)."""
    if kind == "duration":
        return pd.to_timedelta(values).dropna().to_numpy(dtype="timedelta64[ns]").view(np.int64)
    return pd.to_datetime(values).dropna().to_numpy(dtype="datetime64[ns]").view(np.int64)


def serials(values: pd.Series, kind: str) -> np.ndarray:
    """A column of times of day or durations as the numbers of days a cell holds, NaN for blank."""
    if kind == "time":
        return np.array(
            [_time_ns(v) / DAY_NS if isinstance(v, dt.time) else np.nan for v in values.tolist()], dtype=float
        )
    durations = values if values.dtype.kind == "m" else pd.to_timedelta(values)
    ns = durations.to_numpy(dtype="timedelta64[ns]").view(np.int64).astype(float)
    ns[durations.isna().to_numpy()] = np.nan
    return ns / DAY_NS


def value_serial(value: dt.time | dt.timedelta) -> float:
    """One time of day's or duration's number of days."""
    ns = _time_ns(value) if isinstance(value, dt.time) else pd.Timedelta(value).value
    return ns / DAY_NS
