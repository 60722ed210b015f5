"""Check one submitted cell against its form field: type, required, choices, ranges, length and pattern.

Amounts and dates go through the shared parser (keyacct_xl.parsing), so a cell is read the same way here as
everywhere else. A value that fails raises FieldProblem with the reason in zh and en; the caller adds where.
Text longer than an Excel cell holds (32,767 characters) is refused whatever the field, before any other check.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

import pandas as pd

from keyacct_xl.forms.layout import field_choices
from keyacct_xl.forms.spec import Choice, FieldSpec
from keyacct_xl.i18n import Lang
from keyacct_xl.parsing import EXCEL_MAX_TEXT, ParseError, is_blank, parse_date, parse_money

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_PHONE = re.compile(r"^[+]?[\d\s\-()（）/转,，;；ext.]+$", re.IGNORECASE)
_TIME = re.compile(r"^(\d{1,2})[:：](\d{2})(?:[:：]\d{2})?$")
_MULTI_SEP = re.compile(r"[,，、;；/\n]+")
# How people tick a yes/no cell by hand, besides the dropdown's 是/否 and Yes/No.
_YES_NO_MARKS = {"y": "yes", "true": "yes", "1": "yes", "√": "yes", "✓": "yes", "有": "yes", "对": "yes",
                 "n": "no", "false": "no", "0": "no", "×": "no", "✗": "no", "无": "no"}


class FieldProblem(ValueError):
    """A cell value that does not satisfy its field; en and zh reasons."""

    def __init__(self, en: str, zh: str) -> None:
        super().__init__(en)
        self.en, self.zh = en, zh


def check_value(field: FieldSpec, raw: object, *, lang: Lang, day_first: bool | None = None) -> object:
    """The typed value of ``raw`` for ``field`` (None when blank and allowed), or raise FieldProblem.

    Choice values come back as the label in ``lang`` (the master's language), whatever language was typed.
    ``day_first`` settles ``05/11/2026``-style dates (the order a column's unambiguous dates show).
    """
    if is_blank(raw):
        if field.required:
            raise FieldProblem("required field is empty", "必填项未填写")
        return None
    _check_cell_length(raw)
    kind = field.type
    if kind in ("integer", "number", "money", "percent"):
        value = _number(raw, percent=kind == "percent")
        if kind == "integer" and not float(value).is_integer():
            raise FieldProblem(f"{value:g} is not a whole number", f"{value:g} 不是整数")
        _check_range(field, value)
        return int(value) if kind == "integer" else value
    if kind == "date":
        try:
            return parse_date(raw, day_first=day_first)
        except ParseError as exc:
            raise FieldProblem(f"not a date ({exc.en})", f"不是有效日期（{exc.zh}）") from None
    if kind == "time":
        return _time(raw)
    if kind in ("choice", "yes_no"):
        return _label(_choice(field, _text(raw)), lang)
    if kind == "multi_choice":
        parts = [p for p in _MULTI_SEP.split(_text(raw)) if p.strip()]
        return ("、" if lang == "zh" else ", ").join(_label(_choice(field, p), lang) for p in parts)
    text = _text(raw)
    if kind == "email" and not _EMAIL.match(text.strip()):
        raise FieldProblem("not an e-mail address", "不是有效的电子邮箱")
    if kind == "phone" and (not _PHONE.match(text.strip()) or sum(ch.isdigit() for ch in text) < 5):
        raise FieldProblem("not a phone number", "不是有效的电话号码")
    _check_text(field, text)
    return text


def _check_cell_length(raw: object) -> None:
    """Refuse text an Excel cell cannot hold: the master could not store it, and would cut it silently."""
    if isinstance(raw, str) and len(raw) > EXCEL_MAX_TEXT:
        raise FieldProblem(f"{len(raw):,} characters, more than the {EXCEL_MAX_TEXT:,} an Excel cell holds",
                           f"长度 {len(raw):,} 个字符，超过 Excel 单元格上限 {EXCEL_MAX_TEXT:,} 个")


def _text(raw: object) -> str:
    """Cell text; whole numbers typed into text cells (codes, phones) keep their digits."""
    if isinstance(raw, float) and raw.is_integer():
        return str(int(raw))
    if isinstance(raw, (dt.datetime, pd.Timestamp)):
        return raw.strftime("%Y-%m-%d") if raw.time() == dt.time() else raw.isoformat(sep=" ")
    return raw if isinstance(raw, str) else str(raw)


def _number(raw: object, *, percent: bool) -> float:
    try:
        if isinstance(raw, str):
            text = unicodedata.normalize("NFKC", raw).strip()
            if percent and text.endswith("%"):
                return parse_money(text[:-1]) / 100
            return parse_money(text)
        return parse_money(raw)
    except ParseError as exc:
        raise FieldProblem(f"not a number ({exc.en})", f"不是有效数字（{exc.zh}）") from None


def _check_range(field: FieldSpec, value: float) -> None:
    c = field.constraints
    shown = _percent if field.type == "percent" else (lambda v: f"{v:g}")
    if c.minimum is not None and value < c.minimum:
        raise FieldProblem(f"{shown(value)} is below the minimum {shown(c.minimum)}",
                           f"{shown(value)} 小于下限 {shown(c.minimum)}")
    if c.maximum is not None and value > c.maximum:
        raise FieldProblem(f"{shown(value)} is above the maximum {shown(c.maximum)}",
                           f"{shown(value)} 大于上限 {shown(c.maximum)}")


def _percent(value: float) -> str:
    """A share as the person typed it into a percent cell: 0.2 reads 20%, a typed 13 reads 1300%."""
    return f"{value * 100:.10g}%"


def _check_text(field: FieldSpec, text: str) -> None:
    c = field.constraints
    if c.max_length is not None and len(text) > c.max_length:
        raise FieldProblem(f"{len(text)} characters, at most {c.max_length} allowed",
                           f"长度 {len(text)} 个字符，最多 {c.max_length} 个")
    if c.min_length is not None and len(text) < c.min_length:
        raise FieldProblem(f"{len(text)} characters, at least {c.min_length} needed",
                           f"长度 {len(text)} 个字符，至少 {c.min_length} 个")
    if c.pattern is not None and not re.fullmatch(c.pattern, text):
        raise FieldProblem(f"does not match the expected format {c.pattern}", f"格式不符合要求 {c.pattern}")


def _time(raw: object) -> str:
    if isinstance(raw, dt.time):
        return raw.strftime("%H:%M")
    if isinstance(raw, dt.datetime):
        return raw.strftime("%H:%M")
    if isinstance(raw, float) and 0 <= raw < 1:  # Excel stores a time of day as a fraction of a day
        minutes = round(raw * 24 * 60)
        return f"{minutes // 60:02d}:{minutes % 60:02d}"
    m = _TIME.match(unicodedata.normalize("NFKC", str(raw)).strip())
    if not m or int(m[1]) > 23 or int(m[2]) > 59:
        raise FieldProblem(f"{raw!r} is not a time of day (HH:MM)", f"{raw!r} 不是有效时间（时:分）")
    return f"{int(m[1]):02d}:{m[2]}"


def _choice(field: FieldSpec, text: str) -> Choice:
    wanted = unicodedata.normalize("NFKC", text).strip()
    if field.type == "yes_no" and wanted.lower() in _YES_NO_MARKS:
        wanted = _YES_NO_MARKS[wanted.lower()]
    for c in field_choices(field):
        if wanted in (c.value, c.zh, c.en, f"{c.zh} {c.en}") or wanted.lower() in (c.value.lower(), c.en.lower()):
            return c
    choices = field_choices(field)
    raise FieldProblem(f"{text!r} is not one of the allowed values: {' / '.join(c.en for c in choices)}",
                       f"{text!r} 不在可选值中：{'、'.join(c.zh for c in choices)}")


def _label(choice: Choice, lang: Lang) -> str:
    return choice.zh if lang == "zh" else choice.en
