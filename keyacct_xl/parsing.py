"""Money and dates as people type them in Chinese and Western spreadsheets.

Rules (documented in docs/parsing.md):
- Money: full-width characters are folded (NFKC); ¥, ￥, RMB, CNY, 元, 人民币 and thousands separators are
  dropped; a trailing 万 multiplies by 10,000; parentheses or a leading/trailing minus mean negative.
  Another currency (USD, $, €, HK$ ...) is an error, never converted silently.
- Dates: datetimes, Excel serial numbers (1900 system), ISO ``2026-11-03``, ``2026/11/05``, ``2026.11.07``,
  ``2026年11月3日``, ``20261103``. With the year last (``05/11/2026``) the order is resolved when one part
  exceeds 12; when both could be the month the value is ambiguous and rejected unless the caller says
  ``day_first``.
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
        negative, text = True, text[1:-1]
    text = _CNY_MARKS.sub("", text).replace(",", "").replace(" ", "").replace("\u00a0", "")
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


def parse_date(value: object, *, day_first: bool | None = None) -> pd.Timestamp:
    """Parse a date (time of day dropped); raise ParseError for anything unclear."""
    if isinstance(value, bool):
        raise ParseError(f"{value!r} is not a date")
    if isinstance(value, (dt.date, pd.Timestamp)):
        return pd.Timestamp(value).normalize()
    if isinstance(value, (int, float)):
        return _from_serial(float(value))
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
            if first > 12 >= second:
                day_first = True
            elif second > 12 >= first:
                day_first = False
            elif first != second:
                raise ParseError(f"{text!r} is ambiguous: day/month or month/day")
            else:
                day_first = True
        day, month = (first, second) if day_first else (second, first)
        return _build(text, year, month, day)
    raise ParseError(f"{text!r} is not a date")


def _from_serial(serial: float) -> pd.Timestamp:
    if not (1 <= serial <= _MAX_SERIAL) or not math.isfinite(serial):
        raise ParseError(f"{serial!r} is not a date serial number")
    return pd.Timestamp(EXCEL_EPOCH + dt.timedelta(days=math.floor(serial)))


def _build(text: str, year: int, month: int, day: int) -> pd.Timestamp:
    try:
        return pd.Timestamp(dt.date(year, month, day))
    except ValueError as exc:
        raise ParseError(f"{text!r} is not a valid date ({exc})") from None
