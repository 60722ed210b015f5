"""Money and dates as people type them in Chinese and Western spreadsheets.

Rules (documented in docs/parsing.md):
- Money: full-width characters are folded (NFKC); the marks of the master's book currency (CNY: ¥, ￥, RMB, CNY,
  元, 人民币; another: its code and symbol, SGD and S$) and thousands separators are dropped (separators must group
  three digits: ``1850,00`` is refused, not read as 185000); a trailing 万 multiplies by 10,000, 千 (or k) by
  1,000, 千万 by 10,000,000, 亿 by 100,000,000. Negative marks are parentheses, a leading △ or ▲, a leading or a
  trailing minus; marks never cancel: ``(-5)``, ``△-5`` and ``-5-`` are -5, as the accountant who doubled the mark
  meant. Each mark may appear once (``--5`` is refused), and a plus sign beside a negative mark is refused as
  contradictory. Another currency (USD, $, €, HK$, ¥ in a SGD book ...) is an error (``OtherCurrencyError``), never
  converted silently. Infinities, NaN and numbers beyond Excel's largest (9.99999999999999E+307) are refused.
- Percentages typed as text: ``80%``, ``80 %``, ``８０％`` are 0.8, the number before the sign read as the caller reads
  numbers (``parse_percent``).
- Dates: datetimes, Excel serial numbers (1900 system), ISO ``2026-11-03``, ``2026/11/05``, ``2026.11.07``,
  ``2026年11月3日``, ``20261103`` (text or number), ``3 Nov 2026``, ``Nov 3, 2026``. With the year last
  (``05/11/2026``) the order is resolved when one part exceeds 12; when both could be the month the value is
  ambiguous and rejected unless the caller says ``day_first``. ``infer_day_first`` settles the order for a whole
  column from the values that are unambiguous, and refuses a column that uses both orders. Only dates from
  FIRST_DATE (1900-01-01, where Excel's calendar starts) to LAST_DATE (2262-04-11, the last day a pandas date
  column holds) are accepted; anything else is refused with that range, never stored wrong or crashing later.
"""

from __future__ import annotations

import datetime as dt
import math
import numbers
import re
import unicodedata
from collections.abc import Callable
from typing import Literal

import pandas as pd

from keyacct_xl.currency import CNY, SYMBOLS, Currency
from keyacct_xl.messages import Message, TranslatedError, cell_bool, msg

EXCEL_EPOCH = dt.datetime(1899, 12, 30)
_MAX_SERIAL = 2958465  # 9999-12-31, Excel's last day
FIRST_DATE = pd.Timestamp("1900-01-01")  # Excel's first day (serial 1)
LAST_DATE = pd.Timestamp.max.normalize()  # 2262-04-11: datetime64[ns] columns end there
DATE_RANGE = f"{FIRST_DATE:%Y-%m-%d}..{LAST_DATE:%Y-%m-%d}"
EXCEL_MAX_NUMBER = 9.99999999999999e307  # the largest number a cell holds
EXCEL_MAX_TEXT = 32_767  # the most characters a cell holds (text is checked by its readers, not parsed here)
# A date cell shows any number as a date (11.3 as 1900-01-11 07:12). A date typed into a form's date cell is a
# whole day; one with a time of day before 1990-01-01 (serial 32874) is a number typed there (docs/parsing.md).
TYPED_NUMBER_BEFORE = 32874
_DAYS_OF_JANUARY_1900 = 32  # serials 1-31: a day of the month typed alone (3, 25), no date a form's field holds

# The marks people type beside an amount, and the currency each names, besides every code and symbol of SYMBOLS:
# "$" alone is the US dollar (a S$ or HK$ amount names its own), ¥ the yuan or the yen, whichever the book keeps.
_WRITTEN_MARKS = {
    **{mark: "CNY" for mark in ("人民币", "RMB", "元整", "元")},
    **{"US$": "USD", "美元": "USD", "港币": "HKD", "港元": "HKD", "欧元": "EUR", "日元": "JPY", "円": "JPY"},
    **{"新加坡元": "SGD", "新币": "SGD", "英镑": "GBP", "澳元": "AUD", "台币": "TWD", "新台币": "TWD"},
}
_MARK_CURRENCIES: dict[str, frozenset[str]] = {}
for _code, _symbol in SYMBOLS.items():
    for _mark in {_code, _symbol.strip()}:
        _MARK_CURRENCIES[_mark.casefold()] = _MARK_CURRENCIES.get(_mark.casefold(), frozenset()) | {_code}
for _mark, _code in _WRITTEN_MARKS.items():
    _MARK_CURRENCIES[_mark.casefold()] = _MARK_CURRENCIES.get(_mark.casefold(), frozenset()) | {_code}
# Longest first (US$ before $, 元整 before 元); a code of letters only where no letter touches it (EUR, not Europe).
_CURRENCY_MARK = re.compile(
    "|".join(
        rf"(?<![a-z]){re.escape(m)}(?![a-z])" if m.isalpha() and m.isascii() else re.escape(m)
        for m in sorted(_MARK_CURRENCIES, key=len, reverse=True)
    ),
    re.IGNORECASE,
)
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")
_UNSIGNED = re.compile(r"^(\d+(\.\d*)?|\.\d+)$")
_GROUPED = re.compile(r"^\d{1,3}(,\d{3})+(\.\d*)?(千万|亿|万|千|k|K)?$")
# The units people write after a number, longest first: 1.2亿 is 120 million (a customer's annual sales, a
# registered capital), 2千万 20 million, 1.2万 twelve thousand, 3千 (or 3k, as an en rep writes it) three thousand.
_UNITS = (
    ("千万", 10_000_000.0),
    ("亿", 100_000_000.0),
    ("万", 10_000.0),
    ("千", 1_000.0),
    ("k", 1_000.0),
    ("K", 1_000.0),
)
_TRIANGLES = ("△", "▲")
# What a number column holds, for the words its refusal says: an amount (a money column), a whole number (days, a
# count, a route order: '三十' is no amount of anything), a number (a share, a distance).
NumberKind = Literal["money", "whole", "number"]
_MONTH_NAMES = (
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
)


def month_number(word: str) -> int | None:
    """The month an English month name or its abbreviation names (Dec, Dec., Sept, December); None for any other
    word, one that only starts like a month (Decision, Marketing) included."""
    word = word.lower().rstrip(".")
    if word == "sept":
        return 9
    return next((i for i, name in enumerate(_MONTH_NAMES, start=1) if len(word) >= 3 and name.startswith(word)), None)


class ParseError(TranslatedError, ValueError):
    """A value that is not a valid amount or date; the message says why, the caller adds where."""


class AmbiguousDateError(ParseError):
    """A day/month text that reads both ways (4/12/2026): the message names the two dates to write instead."""


class OtherCurrencyError(ParseError):
    """An amount marked in a currency other than the master's book currency: refused, never converted."""


def visible_text(text: str) -> str:
    """``text`` without its invisible format characters (Unicode category Cf: zero-width spaces and joiners, the
    word joiner, bidi marks, the soft hyphen, a byte-order mark), which show nothing on screen but make a cell
    differ from what it looks like. The one definition of "invisible" that ids, headers and ``is_blank`` share."""
    return "".join(ch for ch in text if unicodedata.category(ch) != "Cf")


def is_blank(value: object) -> bool:
    """True for None, NaN/NaT/NA and strings of white space and invisible characters only (``visible_text``).

    A cell holding only a zero-width space (pasted from a chat) looks empty and is read as empty: checked as typed,
    it passed as a required value and was stored as the empty id its cleaning left (a master no command could open).
    """
    if value is None or value is pd.NA:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    if value is pd.NaT:
        return True
    if not isinstance(value, str):
        return False
    text = value.strip()
    # Nearly every text starts with a visible character: only one that starts with an invisible one is read whole.
    return not text or (unicodedata.category(text[0]) == "Cf" and not visible_text(text).strip())


def same_value(a: object, b: object) -> bool:
    """Whether two cell values say the same: both blank, numbers within half a cent, dates to the instant, text
    trimmed."""
    if is_blank(a) or is_blank(b):
        return is_blank(a) and is_blank(b)
    if isinstance(a, numbers.Real) and isinstance(b, numbers.Real):
        return abs(float(a) - float(b)) < 0.005
    if isinstance(a, (pd.Timestamp, dt.date)) or isinstance(b, (pd.Timestamp, dt.date)):
        try:
            return bool(pd.Timestamp(a) == pd.Timestamp(b))  # type: ignore[arg-type]
        except (TypeError, ValueError):
            return False
    return str(a).strip() == str(b).strip()


def parse_money(value: object, *, kind: NumberKind = "money", currency: Currency = CNY) -> float:
    """Parse an amount in ``currency``: ``1,850.00``, ``¥2,000``, ``3000元``, ``△5``, ``5-``, ``1.2万``, ``3千``,
    ``1.2亿`` in CNY, ``S$1,850.00`` or ``1,850 SGD`` in SGD.

    A column of another ``kind`` (days, a count) reads its numbers the same way; a value that is none is refused in
    that column's words (``'三十' is not a whole number``), never called an amount.
    """
    if isinstance(value, bool):
        raise ParseError(_not_a(value, kind))
    if isinstance(value, (int, float)):
        return _finite(value, value)
    text = unicodedata.normalize("NFKC", str(value)).replace("\u2212", "-").strip()
    if not text:
        raise ParseError(msg("empty amount") if kind == "money" else msg("empty number"))
    text = _without_currency(text, value, kind, currency).replace(" ", "").replace("\u00a0", "")
    negative, text = _signs(value, text, kind)
    if "," in text and not _GROUPED.match(text):
        # "1850,00" or "1.850,00" (a decimal comma) would silently read 100 or 1000 times too large.
        raise ParseError(msg("{value}: thousands separators must group three digits (1,850.00)", value=_short(value)))
    text = text.replace(",", "")
    factor = 1.0
    unit = next((u for u in _UNITS if text.endswith(u[0])), None)
    if unit is not None:
        factor, text = unit[1], text[: -len(unit[0])]
    if not _UNSIGNED.match(text):
        raise ParseError(_not_a(value, kind))
    amount = _finite(float(text) * factor, value)
    return -amount if negative else amount


def _without_currency(text: str, value: object, kind: NumberKind, currency: Currency) -> str:
    """``text`` without the marks of ``currency``; a mark of another currency refuses the amount."""
    for mark in _CURRENCY_MARK.findall(text):
        if currency.code not in _MARK_CURRENCIES[mark.casefold()]:
            if kind != "money":
                raise ParseError(_not_a(value, kind))
            raise OtherCurrencyError(
                msg(
                    "{value} is not in {currency}, the master's currency: convert it first",
                    value=_short(text),
                    currency=currency.code,
                )
            )
    return _CURRENCY_MARK.sub("", text)


def names_currency(text: str, currency: Currency) -> bool:
    """Whether ``text`` alone is a mark of ``currency``: its code, its symbol or a word for it (SGD, S$, 新加坡元)."""
    mark = unicodedata.normalize("NFKC", text).strip().casefold()
    return currency.code in _MARK_CURRENCIES.get(mark, frozenset())


def parse_percent(value: str, read: Callable[[str], float | None] = parse_money) -> float | None:
    """The fraction a percentage typed as text says (``80%``, ``80 %``, ``８０％``: 0.8), the number before its sign
    read by ``read`` (``parse_money`` unless a caller reads numbers its own way); None when ``value`` ends in no
    percent sign or ``read`` finds nothing before it, so the caller reads ``value`` as it reads any other text."""
    text = unicodedata.normalize("NFKC", value).strip()
    if not text.endswith("%"):
        return None
    number = read(text[:-1])
    return None if number is None else number / 100


def _not_a(value: object, kind: NumberKind) -> Message:
    """The refusal of ``value`` in a number column of ``kind``, in the words of what the column holds."""
    if kind == "whole":
        return msg("{value} is not a whole number", value=_short(value))
    if kind == "number":
        return msg("{value} is not a number", value=_short(value))
    return msg("{value} is not an amount", value=_short(value))


def parse_wan_yuan(value: object, *, currency: Currency = CNY) -> tuple[float, bool]:
    """An amount for a field counted in 万元 (10,000 of ``currency``), and whether it was typed in units (yuan) and
    converted.

    ``500``, ``500万``, ``500万元`` and ``¥500万`` are 500: the 万 is the field's own unit, never multiplied again. An
    amount marked in yuan without 万 (``¥5,000,000``, ``5000000元``) is converted (500.0, True), so the caller says so.
    """
    amount = parse_money(value, currency=currency)
    if not isinstance(value, str):
        return amount, False
    text = unicodedata.normalize("NFKC", value)
    # 1亿 names its magnitude as plainly as 500万 does: 10,000 万元, with no note of a conversion from yuan.
    if "万" in text or "亿" in text or _CURRENCY_MARK.search(text):
        return round(amount / 10_000, 6), "万" not in text and "亿" not in text
    return amount, False


def _signs(value: object, text: str, kind: NumberKind = "money") -> tuple[bool, str]:
    """Peel the sign marks off ``text``: (negative, the bare number).

    Parentheses, a leading △/▲, a leading and a trailing minus each mark a negative amount, once each; doubled
    marks (``(-5)``, ``△-5``, ``-5-``) are how accountants stress a negative, so they never cancel out.
    """
    marks: list[str] = []
    while True:
        if text[:1] == "(" and text[-1:] == ")":
            mark, text = "()", text[1:-1]
        elif text[:1] in _TRIANGLES:
            mark, text = "△", text[1:]
        elif text[:1] and text[0] in "+-":
            mark, text = text[0], text[1:]
        elif text[-1:] == "-":
            mark, text = "-$", text[:-1]
        else:
            break
        if mark in marks:
            sign = mark.rstrip("$")
            raise ParseError(
                msg("{value} is not an amount (the sign {sign} appears twice)", value=_short(value), sign=sign)
                if kind == "money"
                else msg("{value} is not a number (the sign {sign} appears twice)", value=_short(value), sign=sign)
            )
        marks.append(mark)
    if "+" in marks and len(marks) > 1:
        raise ParseError(
            msg("{value} is not an amount (both + and a negative mark)", value=_short(value))
            if kind == "money"
            else msg("{value} is not a number (both + and a negative mark)", value=_short(value))
        )
    return bool(marks) and marks != ["+"], text


def _finite(number: float, shown: object) -> float:
    """``number`` as a float, refused when a cell cannot hold it (infinite, NaN or beyond Excel's largest)."""
    try:
        number = float(number)
    except OverflowError:  # a Python int beyond every float
        number = math.inf if number > 0 else -math.inf
    if math.isnan(number) or (math.isinf(number) and isinstance(shown, float)):
        raise ParseError(msg("{value} is not a finite number", value=_short(shown)))
    if not abs(number) <= EXCEL_MAX_NUMBER:
        raise ParseError(msg("{value} is too large for Excel (at most 9.99999999999999E+307)", value=_short(shown)))
    return number


def _short(value: object) -> str:
    """``repr(value)``, cut to 40 characters: a message names a value, it does not repeat a huge one. A boolean
    cell is quoted as the sheet shows it (TRUE), never as Python's True, and a date as a date (2026-01-30 08:30),
    never as datetime.datetime(2026, 1, 30, 8, 30)."""
    if isinstance(value, bool):
        text = cell_bool(value)
    elif isinstance(value, dt.datetime) and not pd.isna(value):
        text = value.replace(tzinfo=None).isoformat(sep=" ", timespec="minutes").removesuffix(" 00:00")
    elif isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        text = value.isoformat()
    else:
        text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


_YMD = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[ T].*)?$")
_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_DMY = re.compile(r"^(\d{1,2})\s*[-/.]\s*(\d{1,2})\s*[-/.]\s*(\d{4})(?:[ T].*)?$")
# Before the year: separators, or separators, a comma and spaces; as [\s-]*,?\s* the two runs side by side made a long
# run of spaces cost seconds to refuse.
_D_MON_Y = re.compile(r"^(\d{1,2})[\s-]*([a-z]{3,9})\.?(?:[\s-]*,\s*|[\s-]*)(\d{4})$", re.IGNORECASE)
_MON_D_Y = re.compile(r"^([a-z]{3,9})\.?\s+(\d{1,2}),?\s+(\d{4})$", re.IGNORECASE)


def parse_date(value: object, *, day_first: bool | None = None) -> pd.Timestamp:
    """Parse a date (time of day dropped); raise ParseError for anything unclear or outside DATE_RANGE."""
    if isinstance(value, bool):
        raise ParseError(msg("{value} is not a date", value=_short(value)))
    if isinstance(value, dt.date):  # datetimes and pandas Timestamps too
        day = value.date() if isinstance(value, dt.datetime) else value
        _check_range(day, f"{day:%Y-%m-%d}")
        return pd.Timestamp(value).normalize()
    if isinstance(value, (int, float)):
        number = float(value)
        # 20261103 typed into a number cell: far past any serial (9999-12-31 is 2958465), so it is yyyymmdd.
        if number > _MAX_SERIAL and number.is_integer() and (m := _COMPACT.match(f"{number:.0f}")):
            return _build(f"{number:.0f}", int(m[1]), int(m[2]), int(m[3]))
        return _from_serial(number)
    text = unicodedata.normalize("NFKC", str(value)).strip()
    if not text:
        raise ParseError(msg("empty date"))
    if _NUMBER.match(text) and not _COMPACT.match(text):
        return _from_serial(float(text))
    if m := _YMD.match(text) or _COMPACT.match(text):
        return _build(text, int(m[1]), int(m[2]), int(m[3]))
    if m := _DMY.match(text):
        first, second, year = int(m[1]), int(m[2]), int(m[3])
        if day_first is None:
            day_first = _order(first, second)
            if day_first is None:
                raise AmbiguousDateError(
                    msg(
                        "{value} is ambiguous: day/month or month/day; write it as {day_month} or {month_day}",
                        value=_short(text),
                        day_month=f"{_build(text, year, second, first):%Y-%m-%d}",
                        month_day=f"{_build(text, year, first, second):%Y-%m-%d}",
                    )
                )
        day, month = (first, second) if day_first else (second, first)
        return _build(text, year, month, day)
    if (m := _D_MON_Y.match(text)) and (named := month_number(m[2])):
        return _build(text, int(m[3]), named, int(m[1]))
    if (m := _MON_D_Y.match(text)) and (named := month_number(m[1])):
        return _build(text, int(m[3]), named, int(m[2]))
    raise ParseError(msg("{value} is not a date", value=_short(text)))


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
    seen = {order for value in values if (order := typed_day_first(value)) is not None}  # type: ignore[attr-defined]
    if len(seen) > 1:
        raise ParseError(msg("the column mixes day/month and month/day dates"))
    return seen.pop() if seen else None


def typed_day_first(value: object) -> bool | None:
    """The day/month order a ``dd/mm/yyyy``-style text shows by itself (13/12/2026: True, 12/13/2026: False); None
    for any other value and for one that reads the same or validly both ways (5/5/2026, 4/12/2026)."""
    if not isinstance(value, str):
        return None
    m = _DMY.match(unicodedata.normalize("NFKC", value).strip())
    if not m or int(m[1]) == int(m[2]):
        return None
    return _order(int(m[1]), int(m[2]))


def _from_serial(serial: float) -> pd.Timestamp:
    """A 1900-system serial: 1 is 1900-01-01; Excel counts a 29 February 1900 (serial 60) that never was."""
    if not math.isfinite(serial) or not 1 <= serial <= _MAX_SERIAL:
        raise ParseError(
            msg(
                "{value} is not a date serial number (Excel's run from 1 to {last})",
                value=_short(serial),
                last=_MAX_SERIAL,
            )
        )
    whole = math.floor(serial)
    if whole == 60:
        raise ParseError(msg("serial 60 is 1900-02-29, a day Excel shows but that never existed"))
    # Before the phantom leap day every serial is one day later than the count from the epoch says.
    day = (EXCEL_EPOCH + dt.timedelta(days=whole + (1 if whole < 60 else 0))).date()
    _check_range(day, msg("serial {serial:.10g} ({day:%Y-%m-%d})", serial=serial, day=day))
    return pd.Timestamp(day)


def excel_serial(moment: dt.date, *, com: bool = False) -> float:
    """The 1900-system serial of ``moment`` (the time of day as its fraction, a time zone ignored), as Excel shows
    it: the inverse of reading a serial, with the 29 February 1900 Excel counts, so a day before March 1900 is one
    less than its count from the epoch, and Excel's day 0 (shown 1900-01-00) is 1899-12-31, as a reader gives it
    (fastexcel; an .ods once read as Excel shows it). With ``com``, ``moment`` is a date as COM hands one to a
    worksheet function: day 0 (and a time of day alone) is 1899-12-30, the OLE date 0, so before 1900 the count
    itself."""
    if not isinstance(moment, dt.datetime):
        moment = dt.datetime(moment.year, moment.month, moment.day)
    days = (moment.replace(tzinfo=None) - EXCEL_EPOCH) / dt.timedelta(days=1)
    if com and days < 2:  # before 1900-01-01
        return days
    return days - 1 if days < 61 else days


def typed_number(value: object) -> float | None:
    """The number a person typed into a date cell, when ``value`` is no date a form's field holds; else None.

    A date cell shows a number as a date (11.3 as 1900-01-11 07:12), and a reader hands it over as that date. A
    serial with a time of day before 1990-01-01 (TYPED_NUMBER_BEFORE) or a day of January 1900 is such a number,
    given as a number, as numeric text or as the date a reader made of it (docs/parsing.md).
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, dt.date):
        number = excel_serial(value)
    elif isinstance(value, (int, float)):
        number = float(value)
    elif isinstance(value, str) and _NUMBER.match(text := unicodedata.normalize("NFKC", value).strip()):
        number = float(text)
    else:
        return None
    if not math.isfinite(number):
        return None
    number = round(number, 6)  # a reader's date keeps the time to the microsecond: 11.3 comes back 11.2999999...
    if number < _DAYS_OF_JANUARY_1900 or (not number.is_integer() and number < TYPED_NUMBER_BEFORE):
        return number
    return None


def _build(text: str, year: int, month: int, day: int) -> pd.Timestamp:
    if not 1 <= month <= 12:
        raise ParseError(
            msg("{value} is not a valid date (month {month} is not 1 to 12)", value=_short(text), month=month)
        )
    try:
        date = dt.date(year, month, day)
    except ValueError:
        raise ParseError(
            msg(
                "{value} is not a valid date ({year}-{month:02d} has no day {day})",
                value=_short(text),
                year=year,
                month=month,
                day=day,
            )
        ) from None
    _check_range(date, _short(text))
    return pd.Timestamp(date)


def _check_range(day: dt.date, shown: object) -> None:
    """Refuse a date outside DATE_RANGE: Excel has no date before 1900, the master's date columns none after 2262."""
    if not FIRST_DATE.date() <= day <= LAST_DATE.date():
        raise ParseError(
            msg(
                "{shown} is outside the accepted dates {range} (Excel's calendar starts in 1900; the master "
                "holds dates up to 2262)",
                shown=shown,
                range=DATE_RANGE,
            )
        )
