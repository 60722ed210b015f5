"""Money and dates as people type them in Chinese and Western spreadsheets.

Rules (documented in docs/parsing.md):
- Money: full-width characters are folded (NFKC); ¥, ￥, RMB, CNY, 元, 人民币 and thousands separators are
  dropped (separators must group three digits: ``1850,00`` is refused, not read as 185000); a trailing 万
  multiplies by 10,000; parentheses or a leading/trailing minus mean negative. Another currency (USD, $, €,
  HK$ ...) is an error, never converted silently.
- Dates: datetimes, Excel serial numbers (1900 system), ISO ``2026-11-03``, ``2026/11/05``, ``2026.11.07``,
  ``2026年11月3日``, ``20261103`` (text or number), ``3 Nov 2026``, ``Nov 3, 2026``. With the year last
  (``05/11/2026``) the order is resolved when one part exceeds 12; when both could be the month the value is
  ambiguous and rejected unless the caller says ``day_first``. ``infer_day_first`` settles the order for a whole
  column from the values that are unambiguous, and refuses a column that uses both orders.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata

import pandas as pd

EXCEL_EPOCH = dt.datetime(1899, 12, 30)
_MAX_SERIAL = 2958465  # 9999-12-31

_CNY_MARKS = re.compile(r"(人民币|rmb|cny|元整|元|¥|￥)", re.IGNORECASE)
_OTHER_CURRENCY = re.compile(r"(usd|us\$|hk\$|hkd|eur|€|£|gbp|jpy|\$|美元|港币|欧元|日元)", re.IGNORECASE)
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")
_GROUPED = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d*)?[-]?万?[-]?$")
_TRIANGLES = ("△", "▲")
_MONTHS = {m: i for i, m in enumerate(
    ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), start=1)}


class ParseError(ValueError):
    """A value that is not a valid amount or date; the message says why, the caller adds where."""


def is_blank(value: object) -> bool:
    """True for None, NaN/NaT and strings of white space only."""
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    if value is pd.NaT:
        return True
    return isinstance(value, str) and value.strip() == ""


def parse_money(value: object) -> float:
    """Parse an amount in CNY: ``1,850.00``, ``¥2,000``, ``3000元``, ``（1,850.00）``, ``1.2万``."""
    if isinstance(value, bool):
        raise ParseError(f"{value!r} is not an amount")
    if isinstance(value, (int, float)):
        if isinstance(value, float) and not math.isfinite(value):
            raise ParseError(f"{value!r} is not an amount")
        return float(value)
    text = unicodedata.normalize("NFKC", str(value)).strip()
    if not text:
        raise ParseError("empty amount")
    if _OTHER_CURRENCY.search(text):
        raise ParseError(f"{text!r} is not in CNY")
    negative = False
    if text.startswith("(") and text.endswith(")"):
        negative, text = True, text[1:-1].strip()
    if text[:1] in _TRIANGLES:  # △1,850 / ▲1,850: the Chinese bookkeeping mark for a negative amount
        negative, text = True, text[1:]
    text = _CNY_MARKS.sub("", text).replace(" ", "").replace("\u00a0", "")
    if "," in text and not _GROUPED.match(text):
        # "1850,00" or "1.850,00" (a decimal comma) would silently read 100 or 1000 times too large.
        raise ParseError(f"{value!r}: thousands separators must group three digits (1,850.00)")
    text = text.replace(",", "")
    if text.endswith("-"):
        negative, text = not negative, text[:-1]
    factor = 1.0
    if text.endswith("万"):
        factor, text = 10_000.0, text[:-1]
    if not _NUMBER.match(text):
        raise ParseError(f"{value!r} is not an amount")
    amount = float(text) * factor
    return -amount if negative else amount


_YMD = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[ T].*)?$")
_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_DMY = re.compile(r"^(\d{1,2})\s*[-/.]\s*(\d{1,2})\s*[-/.]\s*(\d{4})(?:[ T].*)?$")
_D_MON_Y = re.compile(r"^(\d{1,2})[\s-]*([a-z]{3})[a-z]*\.?[\s-]*,?\s*(\d{4})$", re.IGNORECASE)
_MON_D_Y = re.compile(r"^([a-z]{3})[a-z]*\.?\s+(\d{1,2}),?\s+(\d{4})$", re.IGNORECASE)


def parse_date(value: object, *, day_first: bool | None = None) -> pd.Timestamp:
    """Parse a date (time of day dropped); raise ParseError for anything unclear."""
    if isinstance(value, bool):
        raise ParseError(f"{value!r} is not a date")
    if isinstance(value, (dt.date, pd.Timestamp)):
        return pd.Timestamp(value).normalize()
    if isinstance(value, (int, float)):
        number = float(value)
        # 20261103 typed into a number cell: far past any serial (9999-12-31 is 2958465), so it is yyyymmdd.
        if number > _MAX_SERIAL and number.is_integer() and (m := _COMPACT.match(f"{number:.0f}")):
            return _build(f"{number:.0f}", int(m[1]), int(m[2]), int(m[3]))
        return _from_serial(number)
    text = unicodedata.normalize("NFKC", str(value)).strip()
    if not text:
        raise ParseError("empty date")
    if _NUMBER.match(text) and not _COMPACT.match(text):
        return _from_serial(float(text))
    if m := _YMD.match(text) or _COMPACT.match(text):
        return _build(text, int(m[1]), int(m[2]), int(m[3]))
    if m := _DMY.match(text):
        first, second, year = int(m[1]), int(m[2]), int(m[3])
        if day_first is None:
            day_first = _order(first, second)
            if day_first is None:
                raise ParseError(f"{text!r} is ambiguous: day/month or month/day")
        day, month = (first, second) if day_first else (second, first)
        return _build(text, year, month, day)
    if (m := _D_MON_Y.match(text)) and m[2].lower() in _MONTHS:
        return _build(text, int(m[3]), _MONTHS[m[2].lower()], int(m[1]))
    if (m := _MON_D_Y.match(text)) and m[1].lower() in _MONTHS:
        return _build(text, int(m[3]), _MONTHS[m[1].lower()], int(m[2]))
    raise ParseError(f"{text!r} is not a date")


def _order(first: int, second: int) -> bool | None:
    """True for day/month, False for month/day, None when either reading is a valid date."""
    if first > 12 and second > 12:
        return True  # neither reading is a date: not ambiguous, invalid (the caller's _build says so)
    if first > 12 >= second:
        return True
    if second > 12 >= first:
        return False
    return True if first == second else None


def infer_day_first(values: object) -> bool | None:
    """The day/month order of a column of ``dd/mm/yyyy``-style texts, from its unambiguous values.

    None when no value tells (every such value could be read both ways, or there are none);
    ParseError when the column uses both orders, because then no single reading is safe.
    """
    seen: set[bool] = set()
    for value in values:  # type: ignore[attr-defined]
        if not isinstance(value, str):
            continue
        m = _DMY.match(unicodedata.normalize("NFKC", value).strip())
        if m:
            order = _order(int(m[1]), int(m[2]))
            if order is not None and int(m[1]) != int(m[2]):
                seen.add(order)
    if len(seen) > 1:
        raise ParseError("the column mixes day/month and month/day dates")
    return seen.pop() if seen else None


def _from_serial(serial: float) -> pd.Timestamp:
    if not (1 <= serial <= _MAX_SERIAL) or not math.isfinite(serial):
        raise ParseError(f"{serial!r} is not a date serial number")
    return pd.Timestamp(EXCEL_EPOCH + dt.timedelta(days=math.floor(serial)))


def _build(text: str, year: int, month: int, day: int) -> pd.Timestamp:
    try:
        return pd.Timestamp(dt.date(year, month, day))
    except ValueError as exc:
        raise ParseError(f"{text!r} is not a valid date ({exc})") from None
