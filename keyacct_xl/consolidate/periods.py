"""A form's period (``2026-W48``, ``2026-11``) as a span of days, and dates a rep typed without a year.

Reps write "11月10日" or "11/10" on a weekly form; the year is the period's. Around the new year the period's
year is not always the date's ("12月30日" on a 2027-W01 form is 2026-12-30), so the year chosen is the one that
puts the date nearest the period. A date that cannot lie after a given day (a purchase, not after its service
request; a first trade, not after the form's date) takes the latest year that keeps it on or before that day:
"3月12日" bought for a request of 2026-11-24 is 2026-03-12, never the 2027-03-12 nearest a 2026-11 period.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
import unicodedata
from dataclasses import dataclass

from keyacct_xl.parsing import month_number

_PERIOD = re.compile(r"^(\d{4})-(?:W(\d{2})|(\d{2}))$")
# A period as people write one: 2026年第49周, 2026年49周, 第49周 (the form's year), 2026-49, 2026 W49, 2026年12月.
_WRITTEN_WEEK = re.compile(r"^(?:(\d{4})\s*(?:年|-|/)?\s*)?(?:第\s*(\d{1,2})\s*周|W\s*(\d{1,2})|(\d{1,2})\s*周)$", re.I)
_NUMBERED_WEEK = re.compile(r"^(\d{4})\s*[-/]\s*(\d{2})$")
_WRITTEN_MONTH = re.compile(r"^(\d{4})\s*(?:年\s*(\d{1,2})\s*月份?|[-/.]\s*(\d{1,2}))$")
_MON_YEAR = re.compile(r"^([a-z]{3,9})\.?[\s,-]*(\d{4})$", re.IGNORECASE)  # May 2010, Dec. 2026, Sept-2026
_MONTH_DAY = re.compile(r"^(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]?$")
_NUMERIC = re.compile(r"^(\d{1,2})\s*[/\-.]\s*(\d{1,2})$")
_DAY_ONLY = re.compile(r"^(\d{1,2})\s*[日号]$")
# The month in words: 十二月三日, Dec 21 (December 3rd), 23 Dec (3-Dec).
_CN_MONTH_DAY = re.compile(r"^([一二三四五六七八九十]{1,2})\s*月\s*([一二三四五六七八九十]{1,3})\s*[日号]?$")
_MON_DAY = re.compile(r"^([a-z]{3,9})\.?\s*(\d{1,2})(?:st|nd|rd|th)?$", re.IGNORECASE)
_DAY_MON = re.compile(r"^(\d{1,2})(?:st|nd|rd|th)?[\s-]*([a-z]{3,9})\.?$", re.IGNORECASE)
_CN_DIGITS = {c: i for i, c in enumerate("一二三四五六七八九", start=1)}
# How far back a date not after a given day looks for its year: 29 February comes back within eight years.
_YEARS_BACK = 8
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


def written_period(text: str, generated: Period | None) -> Period | None:
    """The week or month meant by a period written in words or numbers (2026年第49周, 2026-49, 2026年12月, Dec
    2026), else None.

    第49周 is in the year of the period the form was ``generated`` for; 2026-49 is a week only on a weekly form (a
    number above 12 after the year), where 2026-13 on a monthly one is a month mistyped."""
    text = unicodedata.normalize("NFKC", text).strip()
    if m := _WRITTEN_WEEK.match(text):
        week_year = m[1] or (generated.text[:4] if generated else None)
        return None if week_year is None else parse_period(f"{week_year}-W{int(m[2] or m[3] or m[4]):02d}")
    weekly = generated is not None and "W" in generated.text
    if weekly and (m := _NUMBERED_WEEK.match(text)) and int(m[2]) > 12:
        return parse_period(f"{m[1]}-W{m[2]}")
    return written_month(text)


def written_month(text: str) -> Period | None:
    """The month meant by a month written in numbers or words (2026年12月, 2026-12, 2026/12, Dec 2026), else None."""
    text = unicodedata.normalize("NFKC", text).strip()
    if m := _WRITTEN_MONTH.match(text):
        return parse_period(f"{m[1]}-{int(m[2] or m[3]):02d}")
    if (m := _MON_YEAR.match(text)) and (named := month_number(m[1])):
        return parse_period(f"{m[2]}-{named:02d}")
    return None


def yearless_date(
    raw: object, period: Period | None, *, day_first: bool | None = None, latest: dt.date | None = None
) -> dt.datetime | None:
    """The date meant by a year-less text ("11月10日", "11/10", "10日") on a form of ``period``, else None.

    ``11/10`` is month/day unless the column's dates show day/month (``day_first``). The year is the one nearest
    the period, or with ``latest`` (the day the date cannot lie after) the latest that keeps it on or before that
    day. A text that is not year-less (or a form without a period) gives None, so the caller reads it the
    ordinary way.
    """
    if period is None or not isinstance(raw, str):
        return None
    text = unicodedata.normalize("NFKC", raw).strip()
    if m := _MONTH_DAY.match(text):
        return _dated(period, [(int(m[1]), int(m[2]))], latest)
    if m := _NUMERIC.match(text):
        first, second = int(m[1]), int(m[2])
        return _dated(period, [(second, first) if day_first else (first, second)], latest)
    if m := _DAY_ONLY.match(text):
        return _dated(period, [(month, int(m[1])) for month in range(1, 13)], latest)
    return _worded(text, period, latest)


def _worded(text: str, period: Period, latest: dt.date | None) -> dt.datetime | None:
    """A year-less date with its month in words: 十二月三日, Dec 21, 23 Dec."""
    if (m := _CN_MONTH_DAY.match(text)) and (month := _chinese_number(m[1])) and (day := _chinese_number(m[2])):
        return _dated(period, [(month, day)], latest)
    if (m := _MON_DAY.match(text)) and (month := month_number(m[1])):
        return _dated(period, [(month, int(m[2]))], latest)
    if (m := _DAY_MON.match(text)) and (month := month_number(m[2])):
        return _dated(period, [(month, int(m[1]))], latest)
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
    number: float, period: Period, *, day_first: bool | None = None, latest: dt.date | None = None
) -> tuple[dt.datetime, dt.datetime | None] | None:
    """The date a number typed as month.day (11.3, 11.05) means on a form of ``period``, as the text "11.3" is read
    (``latest`` as for ``yearless_date``), and the date a trailing zero would have made it (11.30), which a number
    does not keep; None for no month.day."""
    whole, _, fraction = f"{number:.6f}".rstrip("0").partition(".")
    if not 1 <= len(fraction) <= 2 or whole.startswith("-"):
        return None

    def reading(second: int) -> dt.datetime | None:
        return _dated(period, [(second, int(whole)) if day_first else (int(whole), second)], latest)

    found = reading(int(fraction))
    if found is None:
        return None
    return found, reading(int(fraction) * 10) if len(fraction) == 1 else None


def _dated(period: Period, month_days: list[tuple[int, int]], latest: dt.date | None) -> dt.datetime | None:
    """The day of ``month_days`` in the year nearest ``period``, or with ``latest`` the last one on or before it."""
    if latest is None:
        found = _days(month_days, range(period.first.year - 1, period.last.year + 2))
        best = min(found, key=lambda d: (period.distance(d), d), default=None)
    else:
        best = max(
            (d for d in _days(month_days, range(latest.year - _YEARS_BACK, latest.year + 1)) if d <= latest),
            default=None,
        )
    return None if best is None else dt.datetime(best.year, best.month, best.day)


def _days(month_days: list[tuple[int, int]], years: range) -> list[dt.date]:
    """Each (month, day) in each of ``years`` that has it."""
    found = []
    for year in years:
        for month, day in month_days:
            try:
                found.append(dt.date(year, month, day))
            except ValueError:  # 2月30日, or 29 February outside a leap year
                continue
    return found


def outside(period: Period, day: dt.date) -> bool:
    """Whether ``day`` lies further than the tolerance from ``period``."""
    return period.distance(day) > TOLERANCE_DAYS
