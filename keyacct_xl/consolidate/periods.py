"""A form's period (``2026-W48``, ``2026-11``) as a span of days, and dates a rep typed without a year.

Reps write "11月10日" or "11/10" on a weekly form; the year is the period's. Around the new year the period's
year is not always the date's ("12月30日" on a 2027-W01 form is 2026-12-30), so the year chosen is the one that
puts the date nearest the period.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
import unicodedata
from dataclasses import dataclass

from keyacct_xl.parsing import month_number

_PERIOD = re.compile(r"^(\d{4})-(?:W(\d{2})|(\d{2}))$")
_MONTH_DAY = re.compile(r"^(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]?$")
_NUMERIC = re.compile(r"^(\d{1,2})\s*[/\-.]\s*(\d{1,2})$")
_DAY_ONLY = re.compile(r"^(\d{1,2})\s*[日号]$")
# The month in words: 十二月三日, Dec 21 (December 3rd), 23 Dec (3-Dec).
_CN_MONTH_DAY = re.compile(r"^([一二三四五六七八九十]{1,2})\s*月\s*([一二三四五六七八九十]{1,3})\s*[日号]?$")
_MON_DAY = re.compile(r"^([a-z]{3,9})\.?\s*(\d{1,2})(?:st|nd|rd|th)?$", re.IGNORECASE)
_DAY_MON = re.compile(r"^(\d{1,2})(?:st|nd|rd|th)?[\s-]*([a-z]{3,9})\.?$", re.IGNORECASE)
_CN_DIGITS = {c: i for i, c in enumerate("一二三四五六七八九", start=1)}
# A line dated this far outside its form's period is still plausible (a visit recorded on the next Monday).
TOLERANCE_DAYS = 7


@dataclass(frozen=True)
class Period:
    """A week or month period: its text and its first and last day."""

    text: str
    first: dt.date
    last: dt.date

    def distance(self, day: dt.date) -> int:
        """Days from ``day`` to the nearest day of the period (0 inside it)."""
        if day < self.first:
            return (self.first - day).days
        return max((day - self.last).days, 0)


def parse_period(text: str) -> Period | None:
    """The span of ``2026-W48`` (ISO week, Monday to Sunday) or ``2026-11`` (a month); None for anything else."""
    m = _PERIOD.match(text.strip())
    if not m:
        return None
    year = int(m[1])
    try:
        if m[2]:
            first = dt.date.fromisocalendar(year, int(m[2]), 1)
            return Period(text.strip(), first, first + dt.timedelta(days=6))
        month = int(m[3])
        return Period(text.strip(), dt.date(year, month, 1), dt.date(year, month, calendar.monthrange(year, month)[1]))
    except ValueError:  # week 54, month 13
        return None


def yearless_date(raw: object, period: Period | None, *, day_first: bool | None = None) -> dt.datetime | None:
    """The date meant by a year-less text ("11月10日", "11/10", "10日") on a form of ``period``, else None.

    ``11/10`` is month/day unless the column's dates show day/month (``day_first``). A text that is not
    year-less (or a form without a period) gives None, so the caller reads it the ordinary way.
    """
    if period is None or not isinstance(raw, str):
        return None
    text = unicodedata.normalize("NFKC", raw).strip()
    if m := _MONTH_DAY.match(text):
        return _nearest(period, [(int(m[1]), int(m[2]))])
    if m := _NUMERIC.match(text):
        first, second = int(m[1]), int(m[2])
        return _nearest(period, [(second, first) if day_first else (first, second)])
    if m := _DAY_ONLY.match(text):
        return _nearest(period, [(month, int(m[1])) for month in range(1, 13)])
    return _worded(text, period)


def _worded(text: str, period: Period) -> dt.datetime | None:
    """A year-less date with its month in words: 十二月三日, Dec 21, 23 Dec."""
    if (m := _CN_MONTH_DAY.match(text)) and (month := _chinese_number(m[1])) and (day := _chinese_number(m[2])):
        return _nearest(period, [(month, day)])
    if (m := _MON_DAY.match(text)) and (month := month_number(m[1])):
        return _nearest(period, [(month, int(m[2]))])
    if (m := _DAY_MON.match(text)) and (month := month_number(m[2])):
        return _nearest(period, [(month, int(m[1]))])
    return None


def _chinese_number(text: str) -> int | None:
    """一 to 三十一 as a number (十二 12, 二十一 21, 三十 30); None for what is not such a numeral."""
    tens, ten, ones = text.partition("十")
    if not ten:
        return _CN_DIGITS.get(text)
    if (tens and tens not in _CN_DIGITS) or (ones and ones not in _CN_DIGITS):
        return None
    return _CN_DIGITS.get(tens, 1) * 10 + _CN_DIGITS.get(ones, 0)


def month_dot_day(
    number: float, period: Period, *, day_first: bool | None = None
) -> tuple[dt.datetime, dt.datetime | None] | None:
    """The date a number typed as month.day (11.3, 11.05) means on a form of ``period``, as the text "11.3" is read,
    and the date a trailing zero would have made it (11.30), which a number does not keep; None for no month.day."""
    whole, _, fraction = f"{number:.6f}".rstrip("0").partition(".")
    if not 1 <= len(fraction) <= 2 or whole.startswith("-"):
        return None

    def reading(second: int) -> dt.datetime | None:
        return _nearest(period, [(second, int(whole)) if day_first else (int(whole), second)])

    found = reading(int(fraction))
    if found is None:
        return None
    return found, reading(int(fraction) * 10) if len(fraction) == 1 else None


def _nearest(period: Period, month_days: list[tuple[int, int]]) -> dt.datetime | None:
    candidates = []
    for year in range(period.first.year - 1, period.last.year + 2):
        for month, day in month_days:
            try:
                candidates.append(dt.date(year, month, day))
            except ValueError:  # 2月30日, or 29 February outside a leap year
                continue
    if not candidates:
        return None
    best = min(candidates, key=lambda d: (period.distance(d), d))
    return dt.datetime(best.year, best.month, best.day)


def outside(period: Period, day: dt.date) -> bool:
    """Whether ``day`` lies further than the tolerance from ``period``."""
    return period.distance(day) > TOLERANCE_DAYS
