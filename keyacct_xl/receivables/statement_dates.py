"""The dates of a statement as customers write them: the period its title names, and dates without a year.

A statement's title (the rows above its header) usually names its period: ``2026年10月``, ``2026-10``,
``期间：2026-10-01 至 2026-10-31``, ``October 2026``, ``Period: 01/10/2026 - 31/10/2026``, ``2026年度``. Lines
often leave the year out (``11-03``, ``11月3日``, ``3/11``): they take the year of the period (for a period across
new year, the year that puts the day inside it; a day that falls in no year of the period is dated before it).
Without a period in the title, the year of the dates that have one is used when they share one year.
``3/11`` follows the statement's own convention: a day above 12 in any such date, the order of its full dates, or
the one reading that puts every line inside a one-month period; ``11-03`` without other evidence is month-day.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

import pandas as pd

from keyacct_xl.messages import Rendered, msg
from keyacct_xl.parsing import ParseError, infer_day_first, is_blank, parse_date

Period = tuple[pd.Timestamp, pd.Timestamp]

_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_FULL = re.compile(r"(\d{4})\s*[年/.\-]\s*(\d{1,2})\s*[月/.\-]\s*(\d{1,2})(?!\d)\s*日?")
_DMY = re.compile(r"(?<!\d)(\d{1,2})[/.](\d{1,2})[/.](\d{4})(?!\d)")
# Two dates make a period only when a range word joins them (至, 到, ~, a dash, to), not a print date beside a cut-off.
_TO = r"\s*(?:至|到|~|～|—|–|-|to)\s*"
_FULL_RANGE = re.compile(_FULL.pattern + _TO + _FULL.pattern, re.IGNORECASE)
_DMY_RANGE = re.compile(_DMY.pattern + _TO + _DMY.pattern, re.IGNORECASE)
_MONTH = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月|(\d{4})[-/.](\d{1,2})(?![\d/.\-])")
_EN_MONTH = re.compile(r"\b(" + "|".join(_MONTHS) + r")[a-z]*\.?,?\s+(\d{4})\b", re.IGNORECASE)
_YEAR = re.compile(r"(\d{4})\s*年(?!\s*\d)|\b(?:year|fy)\s*(\d{4})\b", re.IGNORECASE)
_MD_ZH = re.compile(r"^(\d{1,2})\s*月\s*(\d{1,2})\s*日?$")
_MD_NUM = re.compile(r"^(\d{1,2})\s*([-/.])\s*(\d{1,2})$")


def title_period(rows: list[list[object]]) -> Period | None:
    """The period the rows above a statement's header name, or None."""
    text = " ".join(unicodedata.normalize("NFKC", v) for row in rows for v in row if isinstance(v, str))
    found = [_day(int(y), int(m), int(d)) for match in _FULL_RANGE.findall(text) for y, m, d in _pairs(match)]
    found += _dmy_days([f"{a}/{b}/{y}" for match in _DMY_RANGE.findall(text) for a, b, y in _pairs(match)])
    days = [d for d in found if d is not None]
    if len(days) >= 2:
        return min(days), max(days)
    months = [(int(m[0] or m[2]), int(m[1] or m[3])) for m in _MONTH.findall(_FULL.sub(" ", _DMY.sub(" ", text)))]
    months += [(int(y), _MONTHS.index(name[:3].lower()) + 1) for name, y in _EN_MONTH.findall(text)]
    months = [(y, m) for y, m in months if 1 <= m <= 12 and 1900 <= y <= 2262]
    if months:
        (y1, m1), (y2, m2) = min(months), max(months)
        return pd.Timestamp(y1, m1, 1), pd.Period(year=y2, month=m2, freq="M").end_time.normalize()
    years = [y for y in (int(a or b) for a, b in _YEAR.findall(text)) if 1900 <= y <= 2262]
    if years:
        return pd.Timestamp(min(years), 1, 1), pd.Timestamp(max(years), 12, 31)
    return None


def _day(year: int, month: int, day: int) -> pd.Timestamp | None:
    try:
        return pd.Timestamp(year, month, day)
    except ValueError:
        return None


def _pairs(match: tuple[str, ...]) -> list[tuple[str, str, str]]:
    """The two dates of a range match, each as its three groups."""
    return [(match[0], match[1], match[2]), (match[3], match[4], match[5])]


def _dmy_days(found: list[str]) -> list[pd.Timestamp | None]:
    try:
        order = infer_day_first(found)
        return [parse_date(v, day_first=True if order is None else order) for v in found]
    except ParseError:
        return []


def yearless(value: object) -> tuple[int, int, str] | None:
    """``(first, second, kind)`` of a date written without a year: kind ``md`` for 11月3日, else its separator."""
    if not isinstance(value, str):
        return None
    text = unicodedata.normalize("NFKC", value).strip()
    if m := _MD_ZH.match(text):
        return int(m[1]), int(m[2]), "md"
    if m := _MD_NUM.match(text):
        return int(m[1]), int(m[3]), m[2]
    return None


@dataclass(frozen=True)
class YearlessDates:
    """How this statement's dates without a year are read: day or month first, and the year(s) they take."""

    day_first: bool | None
    period: Period | None
    year: int | None  # when no period is known: the one year of the dates that have one

    def read(self, value: object) -> pd.Timestamp | Rendered | None:
        """The date of a year-less value (None when ``value`` has a year), or why it cannot be read."""
        parts = yearless(value)
        if parts is None:
            return None
        first, second, kind = parts
        month, day = (first, second) if kind == "md" or not self.day_first else (second, first)
        if self.period is None and self.year is None:
            return msg(
                "{value} has no year, and the statement names no period (add it to the title, e.g. 2026年10月)",
                value=str(value),
            )
        if self.day_first is None and kind not in ("md", "-") and first <= 12 and second <= 12 and first != second:
            return msg("{value} is ambiguous: day/month or month/day", value=str(value))
        years = range(self.period[0].year, self.period[1].year + 1) if self.period else [self.year or 0]
        dates = [d for d in (_day(y, month, day) for y in years) if d is not None]
        if not dates:
            return msg("{value} is not a valid date (month {month}, day {day})", value=str(value), month=month, day=day)
        inside = [d for d in dates if self.period is None or self.period[0] <= d <= self.period[1]]
        # A day in no year of the period is dated in the year before it ends, so it shows as before the period.
        return inside[0] if inside else max(d for d in dates if d <= self.period[1]) if self.period else dates[0]


def yearless_dates(values: list[object], period: Period | None, full_day_first: bool | None) -> YearlessDates:
    """The reading of a column's year-less dates: the convention (see the module doc) and the year(s)."""
    numeric = [(a, b, k) for a, b, k in filter(None, map(yearless, values)) if k != "md"]
    day_first: bool | None = None
    if any(a > 12 for a, _, _ in numeric):
        day_first = True
    elif any(b > 12 for _, b, _ in numeric):
        day_first = False
    elif full_day_first is not None:
        day_first = full_day_first
    elif numeric and period is not None and (period[0].year, period[0].month) == (period[1].year, period[1].month):
        fits = {flag for flag in (True, False) if all((b if flag else a) == period[0].month for a, b, _ in numeric)}
        day_first = fits.pop() if len(fits) == 1 else None
    if day_first is None and numeric and all(k == "-" for _, _, k in numeric):
        day_first = False  # 11-03 reads as the ISO month-day
    years = set()
    for value in values:
        if is_blank(value) or yearless(value) is not None:
            continue
        try:
            years.add(parse_date(value, day_first=full_day_first).year)
        except ParseError:
            continue
    return YearlessDates(day_first, period, years.pop() if len(years) == 1 else None)
