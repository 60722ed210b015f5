"""Data validation for one field: dropdowns, date/number/length checks, input and error messages.

Messages are in the form's language (bilingual: zh line, then en line) and kept within Excel's limits
(32 characters for titles, 255 for messages), counted in UTF-16 units as Excel does.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from keyacct_xl.forms.layout import FormLang, choice_labels, text_for
from keyacct_xl.forms.spec import FieldSpec, Text

# An inline dropdown list is limited to 255 characters in Excel, and a comma would split an entry.
INLINE_LIST_LIMIT = 200
# Any date Excel can hold: birthdays and founding dates lie decades back.
DATE_MIN, DATE_MAX = dt.datetime(1900, 1, 1), dt.datetime(2099, 12, 31)
_DEFAULT_MAX_LENGTH = {"phone": 20, "email": 80, "signature": 40}
_NUMBER_LIMIT = 1e12


def _fit(text: str, limit: int) -> str:
    """Cut ``text`` to ``limit`` UTF-16 units (characters outside the BMP count twice)."""
    out: list[str] = []
    used = 0
    for ch in text:
        used += 2 if ord(ch) > 0xFFFF else 1
        if used > limit:
            return "".join(out[:-1]) + "…"
        out.append(ch)
    return text


def _say(lang: FormLang, zh: str, en: str) -> str:
    if lang == "bilingual":
        return f"{zh}\n{en}"
    return zh if lang == "zh" else en


def _fmt(x: float) -> str:
    return f"{x:,.0f}" if float(x).is_integer() else f"{x:,.2f}"


def needs_list_sheet(labels: list[str]) -> bool:
    """Whether a dropdown must come from the hidden lists sheet instead of an inline list."""
    return sum(len(label) + 1 for label in labels) > INLINE_LIST_LIMIT or any("," in label for label in labels)


def _input_message(field: FieldSpec, lang: FormLang, rule: tuple[str, str] | None) -> str:
    parts_zh, parts_en = [], []
    if field.help:
        parts_zh.append(field.help.zh)
        parts_en.append(field.help.en)
    if rule:
        parts_zh.append(rule[0])
        parts_en.append(rule[1])
    if field.required:
        parts_zh.append("必填。")
        parts_en.append("Required.")
    if field.sensitive:
        parts_zh.append("敏感个人信息，仅限授权人员查阅。")
        parts_en.append("Sensitive personal data: authorised staff only.")
    return _fit(_say(lang, " ".join(parts_zh), " ".join(parts_en)), 255)


def _range_rule(field: FieldSpec) -> tuple[dict[str, Any], tuple[str, str]]:
    """Criteria and wording for integer/number/money/percent fields."""
    c = field.constraints
    whole = field.type == "integer"
    kind_zh, kind_en = ("整数", "a whole number") if whole else ("数字", "a number")
    options: dict[str, Any] = {"validate": "integer" if whole else "decimal"}
    pct = 100 if field.type == "percent" else 1
    unit = "%" if field.type == "percent" else ""
    if c.minimum is not None and c.maximum is not None:
        options.update(criteria="between", minimum=c.minimum, maximum=c.maximum)
        lo, hi = _fmt(c.minimum * pct) + unit, _fmt(c.maximum * pct) + unit
        return options, (f"请输入 {lo} 到 {hi} 之间的{kind_zh}。", f"Enter {kind_en} from {lo} to {hi}.")
    if c.minimum is not None:
        options.update(criteria=">=", value=c.minimum)
        lo = _fmt(c.minimum * pct) + unit
        return options, (f"请输入不小于 {lo} 的{kind_zh}。", f"Enter {kind_en} of at least {lo}.")
    if c.maximum is not None:
        options.update(criteria="<=", value=c.maximum)
        hi = _fmt(c.maximum * pct) + unit
        return options, (f"请输入不大于 {hi} 的{kind_zh}。", f"Enter {kind_en} of at most {hi}.")
    options.update(criteria="between", minimum=-_NUMBER_LIMIT, maximum=_NUMBER_LIMIT)
    return options, (f"请输入{kind_zh}。", f"Enter {kind_en}.")


def _length_rule(field: FieldSpec, top_left: str) -> tuple[dict[str, Any], tuple[str, str]] | None:
    c = field.constraints
    most = c.max_length or _DEFAULT_MAX_LENGTH.get(field.type)
    if field.type == "email":
        formula = f'=AND(ISNUMBER(FIND("@",{top_left})),LEN({top_left})<={most})'
        return {"validate": "custom", "value": formula}, (
            f"请输入电子邮箱地址（含 @，最多 {most} 个字符）。",
            f"Enter an e-mail address (with @, at most {most} characters).")
    if most is None and c.min_length is None:
        return None
    least = c.min_length or 0
    if most is None:
        return {"validate": "length", "criteria": ">=", "value": least}, (
            f"至少 {least} 个字符。", f"At least {least} characters.")
    options = {"validate": "length", "criteria": "between", "minimum": least, "maximum": most}
    if field.type == "phone":
        return options, (f"电话号码，最多 {most} 位（可含 - 和空格）。", f"Phone number, at most {most} characters.")
    return options, (f"最多 {most} 个字符。", f"At most {most} characters.")


def field_validation(field: FieldSpec, lang: FormLang, *, top_left: str, list_source: str | None = None,
                     labels: list[str] | None = None) -> dict[str, Any] | None:
    """XlsxWriter ``data_validation`` options for ``field``; None when nothing is checked or explained.

    ``top_left`` is the A1 address of the first validated cell (custom formulas are relative to it);
    ``list_source`` is ``=name`` of a range on the lists sheet for long dropdowns; ``labels`` overrides
    the dropdown entries (a pre-filled form's own customers).
    """
    rule: tuple[str, str] | None
    options: dict[str, Any] | None
    entries = labels if labels is not None else (
        choice_labels(field, lang) if field.type in ("choice", "yes_no", "multi_choice") else [])
    if field.type in ("choice", "yes_no") or labels is not None:
        options = {"validate": "list", "source": list_source or entries}
        rule = ("请从下拉列表中选择。", "Choose from the list.")
    elif field.type == "multi_choice":
        options = {"validate": "any"}
        joined = "、".join(entries)
        rule = (f"可多选，用、分隔：{joined}", f"One or more, separated by 、: {joined}")
    elif field.type in ("integer", "number", "money", "percent"):
        options, rule = _range_rule(field)
    elif field.type == "date":
        options = {"validate": "date", "criteria": "between", "minimum": DATE_MIN, "maximum": DATE_MAX}
        rule = ("请输入日期，格式 2026-11-23。", "Enter a date as 2026-11-23.")
    elif field.type == "time":
        options = {"validate": "time", "criteria": "between", "minimum": dt.time(0, 0), "maximum": dt.time(23, 59, 59)}
        rule = ("请输入时间，格式 14:30。", "Enter a time as 14:30.")
    else:
        length = _length_rule(field, top_left)
        options, rule = length if length else ({"validate": "any"}, None)
    message = _input_message(field, lang, rule)
    if options["validate"] == "any" and not message:
        return None
    title = text_for(field.label, lang, " ")
    options.update(ignore_blank=True, input_title=_fit(title, 32), input_message=message)
    if options["validate"] != "any":
        problem = rule or ("输入的值不符合要求。", "The value is not allowed.")
        error_title = _say(lang, "输入有误", "Invalid entry").replace("\n", " ")
        error = _say(lang, f"{field.label.zh}：{problem[0]}", f"{field.label.en}: {problem[1]}")
        options.update(error_type="stop", error_title=_fit(error_title, 32), error_message=_fit(error, 255))
    return options


def describe_rule(field: FieldSpec) -> Text:
    """The allowed values of ``field`` in words, for the instructions sheet."""
    if field.type in ("choice", "yes_no", "multi_choice"):
        zh, en = choice_labels(field, "zh"), choice_labels(field, "en")
        many = field.type == "multi_choice"
        return Text(("可多选：" if many else "") + "、".join(zh), ("One or more of: " if many else "") + " / ".join(en))
    if field.type in ("integer", "number", "money", "percent"):
        return Text(*_range_rule(field)[1])
    if field.type == "date":
        return Text("日期，如 2026-11-23", "Date, e.g. 2026-11-23")
    if field.type == "time":
        return Text("时间，如 14:30", "Time, e.g. 14:30")
    if field.type == "signature":
        return Text("签字（打印后手签或输入姓名）", "Signature (sign the printout or type the name)")
    length = _length_rule(field, "A1")
    return Text(*length[1]) if length else Text("文本", "Text")
