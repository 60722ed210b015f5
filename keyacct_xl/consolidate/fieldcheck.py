"""Check one submitted cell against its form field: type, required, choices, ranges, length and pattern.

Amounts and dates go through the shared parser (keyacct_xl.parsing), so a cell is read the same way here as
everywhere else. A value that fails raises FieldProblem with the reason in zh and en; the caller adds where.
Text longer than an Excel cell holds (32,767 characters) is refused whatever the field, before any other check.

Choices are matched by value, zh or en label, whatever the case, spacing or full-width forms, and by the
synonyms their list declares (面访 for 面谈): a synonym is stored as the choice and the reading comes back as a
note, so the report keeps what was typed. A "does not apply" mark (无, N/A, -, /) is a blank in every field
but free text and signatures, where it is kept as typed (a remark "无" says something); in a yes/no field 无
keeps meaning no. A required field holding only such a mark is empty.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal

import pandas as pd

from keyacct_xl.consolidate.periods import Period, month_dot_day, written_month, yearless_date
from keyacct_xl.currency import CNY, Currency
from keyacct_xl.forms.layout import field_choices
from keyacct_xl.forms.spec import Choice, FieldSpec, Text, choice_key
from keyacct_xl.i18n import Lang
from keyacct_xl.messages import Pair, Rendered, cmsg, msg
from keyacct_xl.parsing import (
    EXCEL_MAX_TEXT,
    AmbiguousDateError,
    OtherCurrencyError,
    ParseError,
    is_blank,
    parse_date,
    parse_money,
    parse_percent,
    parse_wan_yuan,
    typed_number,
)

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_PHONE = re.compile(r"^[+]?[\d\s\-()（）/转,，;；ext.]+$", re.IGNORECASE)
_WHOLE_AS_TEXT = re.compile(r"^(\d+)\.0+$")  # 13812345678.0: a number cell written out by a script or an export
# 1.38123E+10 as a spreadsheet shows a number too wide for its cell: a mantissa with a point, or an exponent with a
# sign (a product code 3E8 is neither).
_SCIENTIFIC = re.compile(r"^[+-]?\d+\.\d+[eE][+-]?\d+$|^[+-]?\d+[eE][+-]\d+$")
_MOBILE = re.compile(r"^1[3-9]\d{9}$")
NUMBER_DIGITS = 15  # the significant digits a spreadsheet's number keeps (Excel, WPS, LibreOffice: a double)
_TIME = re.compile(r"^(\d{1,2})[:：](\d{2})(?:[:：]\d{2})?$")
# A time as people say it: 下午3点, 上午9点半, 15点30分, 3pm, 9:30 am (the half of the day moves the hour past noon).
# Matched with each run of spaces made one: optional runs of spaces side by side made a long run cost seconds.
_SPOKEN_TIME = re.compile(
    r"^(上午|早上|中午|下午|晚上)? ?(\d{1,2}) ?(?:[:：] ?(\d{2})|[点时] ?(?:(半)|(\d{1,2}) ?分?)?)? ?(am|pm)?$",
    re.IGNORECASE,
)
_SPACES = re.compile(r"\s+")
_AFTERNOON = ("中午", "下午", "晚上", "pm")
_MULTI_SEP = re.compile(r"[,，、;；/\n]+")
# How people tick a yes/no cell by hand, besides the dropdown's 是/否 and Yes/No.
_YES_NO_MARKS = {
    "y": "yes",
    "true": "yes",
    "1": "yes",
    "√": "yes",
    "✓": "yes",
    "有": "yes",
    "对": "yes",
    "n": "no",
    "false": "no",
    "0": "no",
    "×": "no",
    "✗": "no",
    "无": "no",
}
# What people write where a field does not apply (customer_card's notes ask for 无), compared by choice_key.
NOT_APPLICABLE = frozenset({"无", "暂无", "不适用", "n/a", "na", "none", "-", "--", "—", "——", "–", "/"})
_KEPT_AS_TYPED = ("text", "signature")  # free text: 无 is what the rep had to say
# A number field's unit (FieldSpec.unit): what it counts, and the words typed after a number in it (30天, 2次).
_UNIT_NOUNS = {
    "wan_yuan": cmsg("what a field counts", "an amount in 10k CNY"),
    "days": cmsg("what a field counts", "a number of days"),
    "times": cmsg("what a field counts", "a number of times"),
    "km": cmsg("what a field counts", "a distance in km"),
    "hours": cmsg("what a field counts", "a number of hours"),
    "people": cmsg("what a field counts", "a number of people"),
}
_UNIT_WORDS = {
    "days": ("天", "日", "days", "day"),
    "times": ("次", "times", "time"),
    "km": ("公里", "千米", "km"),
    "hours": ("个小时", "小时", "hours", "hour", "hrs", "h"),
    "people": ("人", "名", "people", "persons"),
}
_NUMBER_THEN_WORD = re.compile(r"^[+-]?[\d.,]+\s*[^\d\s.,]+$")  # 3桶, 2 boxes: a number with a unit of its own


class FieldProblem(ValueError):
    """A cell value that does not satisfy its field: the reason as a message (``reason``), read as ``en`` and ``zh``."""

    def __init__(self, reason: Rendered, *, refuses_line: bool = False) -> None:
        self.reason = reason
        self.refuses_line = refuses_line  # an amount in another currency: the whole line is refused, not the cell
        self.en, self.zh = reason.en, reason.zh
        super().__init__(self.en)


@dataclass(frozen=True)
class Limit:
    """The day a date typed without a year cannot lie after, and the field whose date it is (None: the last day of
    the form's period)."""

    day: dt.date
    field: Text | None = None

    def shown(self) -> Rendered:
        """The limit as a message names it: 受理日期 2026-11-24, 填表日期 2026-11-28, the period's last day."""
        if self.field is None:
            return msg("the last day of the form's period, {date}", date=f"{self.day:%Y-%m-%d}")
        return Pair(f"{self.field.en} {self.day:%Y-%m-%d}", f"{self.field.zh} {self.day:%Y-%m-%d}")


@dataclass(frozen=True)
class Checked:
    """A cell's typed value, and a note when it was read through a synonym (面访 read as 面谈) or may not be what was
    typed (a phone whose leading 0 a number cell dropped)."""

    value: object
    note: Rendered | None = None


def read_cell(
    field: FieldSpec,
    raw: object,
    *,
    lang: Lang,
    day_first: bool | None = None,
    period: Period | None = None,
    latest: Limit | None = None,
    currency: Currency = CNY,
) -> Checked:
    """The typed value of ``raw`` for ``field`` (None when blank and allowed), or raise FieldProblem.

    Choice values come back as the label in ``lang`` (the master's language), whatever language was typed.
    ``day_first`` settles ``05/11/2026``-style dates (the order a column's unambiguous dates show); a date typed
    without a year, or as a number (11.3), takes the year nearest the form's ``period``, or the latest year that
    keeps it on or before ``latest`` (a date that cannot lie after it), with a note saying which; a month typed
    alone into a field of month precision (2010年5月) is its first day, with a note. Amounts are read in
    ``currency``, the master's book currency.
    """
    if is_blank(raw) or _not_applicable(field, raw):
        if field.required:
            raise FieldProblem(msg("required field is empty"))
        return Checked(None)
    _check_cell_length(raw)
    kind = field.type
    if kind in ("integer", "number", "money", "percent"):
        value, note = _number(field, raw, currency)
        if kind == "integer" and not float(value).is_integer():
            raise FieldProblem(msg("{value:g} is not a whole number", value=value))
        _check_range(field, value)
        return Checked(int(value) if kind == "integer" else value, note)
    if kind == "date":
        month = written_month(raw) if field.precision == "month" and isinstance(raw, str) else None
        return _date(raw, day_first, period, latest) if month is None else _month(raw, month)
    if kind == "time":
        return Checked(time_text(raw))
    if kind in ("choice", "yes_no", "multi_choice"):
        return _choices(field, _text(raw), lang)
    # Spaces around a pasted value (a trailing one, U+3000, U+00A0) are not the rep's words; kept, the master
    # would hold 王经理 and "王经理 " as two contacts in an autofilter and a pivot.
    text, from_number = code_text(raw) if field.holds_code else (_text(raw).strip(), False)
    if kind == "email" and not _EMAIL.match(text):
        raise FieldProblem(msg("not an e-mail address"))
    note = None
    if kind == "phone":
        # Full-width digits and signs (an input method left in full-width mode) look right on screen, but a search
        # for 020-83331234 would never find ０２０－８３３３１２３４: stored as the plain characters they stand for.
        text = unicodedata.normalize("NFKC", text)
        if not looks_like_phone(text):
            raise FieldProblem(msg("not a phone number"))
        note = lost_leading_zero(text) if from_number else None
    _check_text(field, text)
    return Checked(text, note)


def code_text(raw: object) -> tuple[str, bool]:
    """A code cell (a phone, an id, a tax id) as the digits typed, and whether it came from a number (a General cell
    in WPS or LibreOffice holds 13812345678 as one; an export writes it 13812345678.0); raise FieldProblem when the
    number lost digits: shown in scientific notation, or longer than a spreadsheet's number keeps."""
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        if not float(raw).is_integer():
            return _text(raw), True
        # As the cell shows it: a double's 15 significant digits, then zeros (914400001234568000, not ...567936).
        return _whole_number(f"{int(Decimal(f'{float(raw):.15g}'))}"), True
    text = _text(raw).strip()
    plain = unicodedata.normalize("NFKC", text)
    if whole := _WHOLE_AS_TEXT.match(plain):
        return _whole_number(whole[1]), True
    if _SCIENTIFIC.match(plain):
        raise FieldProblem(
            msg(
                "{value} is a number shown in scientific notation: its last digits are lost; type it as text",
                value=text,
            )
        )
    return text, False


def _whole_number(digits: str) -> str:
    """The digits of a whole number a cell held, refused when more than a spreadsheet's number keeps: an 18-digit
    tax id typed into a number cell is stored with its last three digits 0."""
    count = len(digits.lstrip("-"))
    if count > NUMBER_DIGITS:
        raise FieldProblem(
            msg(
                "{value} has {count} digits, more than the {limit} a spreadsheet's number keeps: its last digits are "
                "lost; type it as text",
                value=digits,
                count=count,
                limit=NUMBER_DIGITS,
            )
        )
    return digits


def lost_leading_zero(text: str) -> Rendered | None:
    """A warning when ``text`` is all digits, 9 to 11 of them, no mobile number and no leading 0: a landline
    (area code 0xx or 0xxx, then 7 or 8 digits) whose 0 a number cell dropped."""
    if not text.isdigit() or not 9 <= len(text) <= 11 or text.startswith("0") or _MOBILE.match(text):
        return None
    return msg(
        "{value} looks like a landline whose leading 0 was lost (0{value}?): kept as typed, check it", value=text
    )


def looks_like_phone(text: str) -> bool:
    """Whether ``text`` is written as a phone number is: digits (at least 5), spaces, dashes, brackets, + and 转."""
    return bool(_PHONE.match(text.strip())) and sum(ch.isdigit() for ch in text) >= 5


def _not_applicable(field: FieldSpec, raw: object) -> bool:
    """Whether ``raw`` says "does not apply" (无, N/A, -) in a field where that means blank."""
    if not isinstance(raw, str) or field.type in _KEPT_AS_TYPED:
        return False
    key = choice_key(raw)
    if key not in NOT_APPLICABLE or (field.type == "yes_no" and key in _YES_NO_MARKS):
        return False
    # A list offering the mark itself (a choice 无) keeps it as that choice.
    return not any(key == choice_key(word) for c in field_choices(field) for word in (*c.names, *c.synonyms))


def _check_cell_length(raw: object) -> None:
    """Refuse text an Excel cell cannot hold: the master could not store it, and would cut it silently."""
    if isinstance(raw, str) and len(raw) > EXCEL_MAX_TEXT:
        raise FieldProblem(
            msg(
                "{length:,} characters, more than the {limit:,} an Excel cell holds",
                length=len(raw),
                limit=EXCEL_MAX_TEXT,
            )
        )


def _text(raw: object) -> str:
    """Cell text; whole numbers typed into text cells (codes, phones) keep their digits."""
    if isinstance(raw, float) and raw.is_integer():
        return str(int(raw))
    if isinstance(raw, (dt.datetime, pd.Timestamp)):
        return raw.strftime("%Y-%m-%d") if raw.time() == dt.time() else raw.isoformat(sep=" ")
    return raw if isinstance(raw, str) else str(raw)


def _number(field: FieldSpec, raw: object, currency: Currency) -> tuple[float, Rendered | None]:
    """A number cell's value, and a note when it was converted (an amount in yuan typed into a 万元 field)."""
    text = unicodedata.normalize("NFKC", raw).strip() if isinstance(raw, str) else None
    try:
        if field.unit == "wan_yuan":
            value, from_yuan = parse_wan_yuan(raw, currency=currency)
            converted = msg("{typed!r} is an amount in yuan: read as {value:g} (10k CNY)", typed=raw, value=value)
            return value, converted if from_yuan else None
        if text is None:
            return parse_money(raw, currency=currency), None
        if field.type == "percent" and (share := parse_percent(text)) is not None:
            return share, None
        return parse_money(_without_unit(field, text), currency=currency), None
    except OtherCurrencyError as exc:
        raise FieldProblem(exc.wording, refuses_line=True) from None
    except ParseError as exc:
        raise FieldProblem(_not_a_number(field, raw, text, exc)) from None


def _without_unit(field: FieldSpec, text: str) -> str:
    """``text`` without a trailing word of the field's own unit: 30天 in a field of days is 30."""
    folded = text.casefold()
    word = next((w for w in _UNIT_WORDS.get(field.unit or "", ()) if folded.endswith(w)), None)
    return text if word is None or len(word) == len(text) else text[: -len(word)].strip()


def _not_a_number(field: FieldSpec, raw: object, text: str | None, problem: ParseError) -> Rendered:
    """Why a number cell cannot be read, in the words of what the field counts: an amount, days, a count."""
    if field.type == "money":
        return msg("not a number ({problem})", problem=problem)
    if field.unit is not None:
        return msg("{typed!r} is not {unit}: type the number alone", typed=raw, unit=_UNIT_NOUNS[field.unit])
    if text is not None and _NUMBER_THEN_WORD.match(text):
        return msg("{typed!r} is not a number: type the number alone, without a unit", typed=raw)
    if field.type == "integer":  # a route order, a score, a year: a whole number is what it holds
        return msg("{typed!r} is not a whole number", typed=raw)
    return msg("{typed!r} is not a number", typed=raw)


def _check_range(field: FieldSpec, value: float) -> None:
    c = field.constraints
    shown = _percent if field.type == "percent" else (lambda v: f"{v:g}")
    if c.minimum is not None and value < c.minimum:
        raise FieldProblem(msg("{value} is below the minimum {minimum}", value=shown(value), minimum=shown(c.minimum)))
    if c.maximum is not None and value > c.maximum:
        raise FieldProblem(msg("{value} is above the maximum {maximum}", value=shown(value), maximum=shown(c.maximum)))


def _percent(value: float) -> str:
    """A share as the person typed it into a percent cell: 0.2 reads 20%, a typed 13 reads 1300%."""
    return f"{value * 100:.10g}%"


def _check_text(field: FieldSpec, text: str) -> None:
    c = field.constraints
    if c.max_length is not None and len(text) > c.max_length:
        raise FieldProblem(msg("{length} characters, at most {limit} allowed", length=len(text), limit=c.max_length))
    if c.min_length is not None and len(text) < c.min_length:
        raise FieldProblem(msg("{length} characters, at least {limit} needed", length=len(text), limit=c.min_length))
    if c.pattern is not None and not re.fullmatch(c.pattern, text):
        raise FieldProblem(msg("does not match the expected format {pattern}", pattern=c.pattern))


def _date(raw: object, day_first: bool | None, period: Period | None, latest: Limit | None) -> Checked:
    """A date cell: a year-less text in the year the period or ``latest`` gives, a number typed there (11.3) as
    month.day, each with a note naming the date read."""
    found = yearless_date(raw, period, day_first=day_first, latest=None if latest is None else latest.day)
    if found is None and (number := typed_number(raw)) is not None:
        return _typed_number(number, day_first, period, latest)
    try:
        value = parse_date(raw if found is None else found, day_first=day_first)
    except AmbiguousDateError as exc:  # its message already names the two dates to write
        raise FieldProblem(exc.wording) from None
    except ParseError as exc:
        raise FieldProblem(msg("{problem}: write a date as 2026-12-03, 2026/12/3 or 12月3日", problem=exc)) from None
    if found is None or period is None:
        return Checked(value)
    # The year is the reader's choice, not the rep's: said at the cell, so a wrong one is seen and corrected.
    date = f"{found:%Y-%m-%d}"
    if latest is None:
        note = msg(
            "{typed!r} has no year: read as {date} (the year nearest the form's period {period})",
            typed=raw,
            date=date,
            period=period.text,
        )
    else:
        note = msg(
            "{typed!r} has no year: read as {date} (the latest year not after {limit})",
            typed=raw,
            date=date,
            limit=latest.shown(),
        )
    return Checked(value, note)


def _month(typed: object, month: Period) -> Checked:
    """A month typed alone into a date field of month precision (成立日期 2010年5月): its first day, with a note."""
    try:
        value = parse_date(month.first)
    except ParseError as exc:  # a month outside the dates a form takes (0999年5月)
        raise FieldProblem(exc.wording) from None
    return Checked(
        value, msg("{typed!r} names a month only: read as its first day, {date}", typed=typed, date=month.first)
    )


def _typed_number(number: float, day_first: bool | None, period: Period | None, latest: Limit | None) -> Checked:
    """A number typed into a date cell, read as the text month.day is (on a form with a period), else refused."""
    typed = f"{number:.10g}"
    day = None if latest is None else latest.day
    reading = None if period is None else month_dot_day(number, period, day_first=day_first, latest=day)
    if reading is None:
        raise FieldProblem(msg("{typed} is a number, not a date: type the date in full, as 2026-11-23", typed=typed))
    found, other = reading
    date = f"{found:%Y-%m-%d}"
    note = (
        msg("{typed} read as {date}", typed=typed, date=date)
        if other is None
        else msg(
            "{typed} read as {date} (a number keeps no trailing zero: for {other}, type the date in full)",
            typed=typed,
            date=date,
            other=f"{other:%Y-%m-%d}",
        )
    )
    return Checked(parse_date(found), note)


def time_text(raw: object) -> str:
    """A time of day as HH:MM however it was typed (9:00, 9：00, 下午3点, an Excel time), or raise FieldProblem."""
    if isinstance(raw, dt.time):
        return raw.strftime("%H:%M")
    if isinstance(raw, dt.datetime):
        return raw.strftime("%H:%M")
    if isinstance(raw, float) and 0 <= raw < 1:  # Excel stores a time of day as a fraction of a day
        minutes = round(raw * 24 * 60)
        return f"{minutes // 60:02d}:{minutes % 60:02d}"
    text = unicodedata.normalize("NFKC", str(raw)).strip()
    if m := _TIME.match(text):
        hour, minute = int(m[1]), int(m[2])
    elif (m := _SPOKEN_TIME.match(_SPACES.sub(" ", text))) and (m[1] or m[6] or re.search("[点时]", text)):
        hour, minute = int(m[2]), 30 if m[4] else int(m[3] or m[5] or 0)
        half = (m[1] or m[6] or "").lower()
        hour += 12 if half in _AFTERNOON and hour < 12 else 0
        hour -= 12 if half in ("am", "晚上") and hour == 12 else 0  # 12am and 晚上12点 are midnight
    else:
        hour = minute = -1
    if not (0 <= hour <= 23 and 0 <= minute <= 59):
        raise FieldProblem(msg("{raw!r} is not a time of day (HH:MM)", raw=raw))
    return f"{hour:02d}:{minute:02d}"


def _choices(field: FieldSpec, text: str, lang: Lang) -> Checked:
    """A choice, yes/no or multi-choice cell as labels in ``lang``; the synonyms read are noted."""
    parts = [p for p in _MULTI_SEP.split(text) if p.strip()] if field.type == "multi_choice" else [text]
    found = [_choice(field, part) for part in parts]
    value = ("、" if lang == "zh" else ", ").join(_label(c, lang) for c, _ in found)
    read = [(part.strip(), c) for part, (c, synonym) in zip(parts, found) if synonym]
    if not read:
        return Checked(value)
    notes: list[Rendered] = [msg("'{word}' read as {choice}", word=word, choice=c) for word, c in read]
    return Checked(value, functools.reduce(lambda a, b: msg("{first}; {second}", first=a, second=b), notes))


def _choice(field: FieldSpec, text: str) -> tuple[Choice, bool]:
    """The choice ``text`` names, and whether it named it by a synonym."""
    wanted = choice_key(text)
    if field.type == "yes_no" and wanted in _YES_NO_MARKS:
        wanted = _YES_NO_MARKS[wanted]
    choices = field_choices(field)
    found = _choice_lookup(choices).get(wanted)
    if found is not None:
        return found
    # The allowed values as the form lists them: ' / ' between English labels, '、' between Chinese ones.
    allowed = Pair(" / ".join(c.en for c in choices), "、".join(c.zh for c in choices))
    raise FieldProblem(msg("{text!r} is not one of the allowed values: {allowed}", text=text, allowed=allowed))


@functools.lru_cache(maxsize=1024)
def _choice_lookup(choices: tuple[Choice, ...]) -> dict[str, tuple[Choice, bool]]:
    """Each compared name of ``choices`` -> (the choice, whether it is a synonym): the first choice naming it wins,
    a synonym only where no choice has it as a name. Built once per list (a run checks thousands of cells)."""
    lookup: dict[str, tuple[Choice, bool]] = {}
    for c in choices:
        for name in c.names:
            lookup.setdefault(choice_key(name), (c, False))
    for c in choices:
        for word in c.synonyms:
            lookup.setdefault(choice_key(word), (c, True))
    return lookup


def _label(choice: Choice, lang: Lang) -> str:
    return choice.zh if lang == "zh" else choice.en
