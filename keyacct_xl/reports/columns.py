"""A report column: its kind (money, percent, date, count ...), its number format, its header and its width.

The width is measured on the values as the number format shows them (``¥12,345,678.90``, ``12.5%``), a Chinese
character counting two, so no figure prints as ``###`` in Excel, WPS or LibreOffice.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterable, Iterator, Mapping
from functools import lru_cache

import numpy as np
import pandas as pd

from keyacct_xl.currency import CNY, Currency
from keyacct_xl.labels import header as label_header
from keyacct_xl.master.schema import ALL_TABLES
from keyacct_xl.master.writer import DATE_FORMAT, MONEY_FORMAT
from keyacct_xl.messages import Rendered
from keyacct_xl.output import display_width
from keyacct_xl.reports.model import Kind, ReportLang

# Report columns holding money that are no money column of the master.
MONEY = frozenset(
    {
        "revenue",
        "monetary",
        "avg_order_value",
        "annual_sales",
        "prior_year_sales",
        "credit_limit",
        "suggested_credit_limit",  # the credit report's limit of each grade: its credit_limit renamed
        "overdue_amount",
        "bad_debt_amount",
        "sales",
        "gross_profit",
        "total_spend",
        "avg_yearly_spend",
        "sales_prior",
        "sales_12m",
        "sales_prior_12m",
        "outstanding",
        "cost",
        "balance",
        "not_due",
        "unapplied_credit",
        "available_credit",
        "amount",
        "difference",
    }
)
PERCENT_SUFFIXES = ("_share", "_rate", "growth", "gross_margin")
# A change is a rate only where it is one: a rank's change counts places, an overdue change is money.
PERCENT = frozenset({"share", "sales_change"})
# Keys counting whole days or months (``max_days_overdue``, ``months_as_customer``); an average of them is a fraction.
WHOLE_UNITS = ("days", "months")
FORMATS: dict[Kind, str | None] = {
    "text": None,
    "int": "0",
    "count": "#,##0",
    "number": "#,##0.00",
    "money": MONEY_FORMAT,
    "percent": "0.0%",
    "date": DATE_FORMAT,
    "datetime": "yyyy-mm-dd hh:mm",
}
_SCHEMA_KINDS: dict[str, Kind] = {
    "int": "int",
    "number": "number",
    "money": "money",
    "date": "date",
    "percent": "percent",
}
# Column widths are in characters of the default font's digits; the fonts a reader substitutes for Calibri
# (LibreOffice without Carlito) are up to a fifth wider, hence the factor, and the padding keeps a margin.
WIDTH_FACTOR = 1.2
PADDING = 2
TEXT_CAP = 40  # a longer text wraps in its column instead of widening the page
MIN_WIDTH = 6
# A sheet wider than a portrait page wraps a header of words wider than its figures on up to this many lines:
# English headers (Same Month Last Year over ¥12,345.00) widened the monthly pack's sheets past the layout they
# print in. A Chinese header stays on one line: LibreOffice breaks it anywhere, a closing bracket alone on a line.
HEADER_LINES = 3
WIDE_SCRIPT = re.compile(r"[\u2e80-\U0010ffff]")  # Chinese, which breaks between any two characters
# A header line's spaces, Chinese characters and words: what a header cell wraps between.
_SPACED_PIECES = re.compile(r"\s+|[\u2e80-\U0010ffff]|[^\s\u2e80-\U0010ffff]+")


def _schema_kinds() -> dict[str, Kind]:
    found: dict[str, Kind] = {}
    for table in ALL_TABLES:
        for column in table.columns:
            if column.kind in _SCHEMA_KINDS:
                found.setdefault(column.key, _SCHEMA_KINDS[column.kind])
    return found


SCHEMA_KINDS = _schema_kinds()


def column_kind(key: object, values: pd.Series, overrides: Mapping[str, Kind] | None = None) -> Kind:
    """The kind of a column: the override, the report's money and rate keys, the master's kind, else its dtype."""
    name = str(key)
    if overrides and name in overrides:
        return overrides[name]
    if name in MONEY:
        return "money"
    if name in PERCENT or name.endswith(PERCENT_SUFFIXES):
        return "percent"
    if _counts_whole_units(name, values):
        return "int"
    if name in SCHEMA_KINDS and _fits(SCHEMA_KINDS[name], values):
        return SCHEMA_KINDS[name]
    if pd.api.types.is_datetime64_any_dtype(values.dtype):
        present = values.dropna()
        return "datetime" if len(present) and (present != present.dt.normalize()).any() else "date"
    if pd.api.types.is_bool_dtype(values.dtype):
        return "text"
    if pd.api.types.is_integer_dtype(values.dtype):
        return "int"
    if pd.api.types.is_float_dtype(values.dtype):
        return "number"
    return "text"


def _counts_whole_units(name: str, values: pd.Series) -> bool:
    """A count of days or months held as floats (a blank for a customer without one) whose values are all whole:
    it reads ``14``, not ``14.00``."""
    words = name.split("_")
    if not any(unit in words for unit in WHOLE_UNITS) or "avg" in words or "average" in words:
        return False
    if not pd.api.types.is_float_dtype(values.dtype):
        return False
    present = values.dropna().to_numpy(dtype="float64")
    return bool(np.all(np.isfinite(present) & (present == np.round(present))))


def _fits(kind: Kind, values: pd.Series) -> bool:
    """A master kind applies when the report's values have that type (a report may show a label instead)."""
    if kind == "date":
        return pd.api.types.is_datetime64_any_dtype(values.dtype)
    return pd.api.types.is_numeric_dtype(values.dtype) and not pd.api.types.is_bool_dtype(values.dtype)


def number_format(kind: Kind, currency: Currency = CNY) -> str | None:
    """The Excel number format of ``kind`` (None: General), money in ``currency``."""
    return currency.money_format if kind == "money" else FORMATS[kind]


def formatted(value: object, kind: Kind, currency: Currency = CNY) -> str:
    """``value`` as its column's number format shows it, to measure it: ``¥12,345,678.90``, ``12.5%``, a date."""
    if value is None or value is pd.NA or value is pd.NaT:
        return ""
    if isinstance(value, (dt.date, pd.Timestamp)) and kind in ("date", "datetime"):
        return "0000-00-00 00:00" if kind == "datetime" else "0000-00-00"
    if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, (bool, np.bool_)):
        number = float(value)
        if not math.isfinite(number):
            return ""
        if kind == "money":
            return currency.shown(number)
        if kind == "percent":
            return f"{number * 100:.1f}%"
        if kind == "count":
            return f"{number:,.0f}"
        if kind == "int":
            return f"{number:.0f}"
        if kind == "number":
            return f"{number:,.2f}"
        return repr(number) if number != int(number) else str(int(number))
    return str(value)


@lru_cache(maxsize=65536)  # a report repeats its texts (names, labels, 是/否): each is measured once
def text_width(text: str) -> int:
    """The widest line of ``text`` in character columns (a Chinese character is two)."""
    if text.isascii() and "\n" not in text:
        return len(text)
    return max((display_width(line) for line in text.split("\n")), default=0)


def widest_value(values: Iterable[object], kind: Kind, currency: Currency = CNY) -> int:
    """The widest of ``values`` as its column's format shows them, in character columns (no cap)."""
    return max((text_width(formatted(v, kind, currency)) for v in values), default=0)


def fitted_width(header_text: str, widest: int, kind: Kind, *, header_lines: int = 1) -> float:
    """The width a column needs to show its header on at most ``header_lines`` lines and values whose widest is
    ``widest`` character columns; a long text is capped (it wraps)."""
    if kind == "text":
        widest = min(widest, TEXT_CAP)
    needed = max(widest, wrapped_width(header_text, header_lines), MIN_WIDTH)
    return round(needed * WIDTH_FACTOR + PADDING, 1)


def column_width(header_text: str, values: Iterable[object], kind: Kind, currency: Currency = CNY) -> float:
    """The width a column needs to show its header and every value as formatted; long texts are capped (they wrap)."""
    return fitted_width(header_text, widest_value(values, kind, currency), kind)


def _header_words(text: str) -> list[str]:
    """``text`` as the pieces a wrapped header may break between: each Chinese character, each Latin word."""
    return re.findall(r"[\u2e80-\U0010ffff]|[^\s\u2e80-\U0010ffff]+", text)


def _wrapped_lines(pieces: Iterable[tuple[int, str]], room: int) -> int:
    """The lines ``pieces`` take wrapped greedily in ``room`` character columns: each piece its text and the columns
    (its gap) it stands apart from the piece before it on a line, a new line starting with no gap."""
    lines, used = 1, 0
    for gap, piece in pieces:
        width = text_width(piece)
        if used and used + gap + width > room:
            lines, used = lines + 1, 0
        used += (gap if used else 0) + width
    return lines


def wrapped_width(header: str, lines: int) -> int:
    """The fewest character columns showing ``header`` on at most ``lines`` lines (a header cell wraps): a Chinese
    character breaks anywhere, a Latin word never. A column whose figures are narrower than its header need be no
    wider, which is what lets a sheet of many short figures print one page wide."""
    words = _header_words(header)
    if lines <= 1 or "\n" in header or not words:
        return text_width(header)
    # Measured as if Latin words stood a space apart, whatever the header's spaces (VIP in 调为VIP销售额 too).
    pieces = [(1 if word.isascii() else 0, word) for word in words]
    room = max(text_width(w) for w in words)
    while _wrapped_lines(pieces, room) > lines:
        room += 1
    return room


def two_line_width(header: str) -> int:
    """The fewest character columns showing ``header`` on at most two lines."""
    return wrapped_width(header, 2)


def header_wraps(header: str) -> bool:
    """Whether ``header`` is wrapped between its words to narrow its column: words of a Latin script only."""
    return not WIDE_SCRIPT.search(header)


def header_lines(header: str, width: float) -> int:
    """The lines ``header`` takes wrapped in a column ``width`` wide, in the characters it holds in any font, a Latin
    word kept whole as the reader's program wraps it (the header row is as tall as its tallest header)."""
    room = max(int(round((width - PADDING) / WIDTH_FACTOR, 6)), 1)  # 12.8 holds 9, not 8.999...
    return sum(_wrapped_lines(_spaced_pieces(line), room) for line in header.split("\n"))


def _spaced_pieces(text: str) -> Iterator[tuple[int, str]]:
    """The pieces ``text`` wraps between, each with its gap: one column after a space, none between Chinese
    characters nor before a word without a space before it (VIP in 调为VIP销售额)."""
    gap = 0
    for piece in _SPACED_PIECES.findall(text):
        if piece.isspace():
            gap = 1
            continue
        yield gap, piece
        gap = 0


def two_line_header_width(header_text: str, values: Iterable[object], kind: Kind, *, text_cap: int = TEXT_CAP) -> float:
    """The width a column needs to show every value as formatted under its header wrapped on two lines; a text
    longer than ``text_cap`` character columns wraps."""
    widest = widest_value(values, kind)
    if kind == "text":
        widest = min(widest, text_cap)
    return fitted_width("", max(widest, two_line_width(header_text)), kind)


def header_text(key: object, lang: ReportLang, overrides: Mapping[str, str | Rendered] | None = None) -> str:
    """The header of ``key``: the sheet's override, else labels' and the master's; bilingual is zh above en."""
    own = overrides.get(str(key)) if overrides else None
    if isinstance(own, str):
        return own
    if lang == "bilingual":
        zh, en = _header_in(key, "zh", own), _header_in(key, "en", own)
        return zh if zh == en else f"{zh}\n{en}"
    return _header_in(key, lang, own)


def _header_in(key: object, lang: str, own: Rendered | None) -> str:
    if own is not None:
        return own.render("zh" if lang == "zh" else "en")
    return label_header(key, "zh" if lang == "zh" else "en")
