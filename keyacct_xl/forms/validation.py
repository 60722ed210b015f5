"""Data validation for one field: dropdowns, date/number/length checks, input and error messages.

Messages are in the form's language (bilingual: zh line, then en line) and kept within Excel's limits
(32 characters for titles, 255 for messages), counted in UTF-16 units as Excel does.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from keyacct_xl.forms.layout import FormLang, choice_labels, text_for
from keyacct_xl.forms.spec import FieldSpec, Text
from keyacct_xl.messages import Bilingual, Message, msg, tr

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


def _said(lang: FormLang, parts: list[Bilingual]) -> str:
    """Sentences in the form's language, each language's joined by a space (bilingual: the zh line, the en line)."""
    return _say(lang, " ".join(p.zh for p in parts), " ".join(p.en for p in parts))


def _fmt(x: float) -> str:
    return f"{x:,.0f}" if float(x).is_integer() else f"{x:,.2f}"


def needs_list_sheet(labels: list[str]) -> bool:
    """Whether a dropdown must come from the hidden lists sheet instead of an inline list."""
    return sum(len(label) + 1 for label in labels) > INLINE_LIST_LIMIT or any("," in label for label in labels)


def _input_message(field: FieldSpec, lang: FormLang, rule: Message | None) -> str:
    parts: list[Bilingual] = []
    if field.help:
        parts.append(field.help)
    if rule:
        parts.append(rule)
    if field.required:
        parts.append(msg("Required."))
    if field.sensitive:
        parts.append(msg("Sensitive personal data: authorised staff only."))
    return _fit(_said(lang, parts), 255)


def _range_rule(field: FieldSpec) -> tuple[dict[str, Any], Message]:
    """Criteria and wording for integer/number/money/percent fields."""
    c = field.constraints
    whole = field.type == "integer"
    kind = msg("a whole number") if whole else msg("a number")
    options: dict[str, Any] = {"validate": "integer" if whole else "decimal"}
    pct = 100 if field.type == "percent" else 1
    unit = "%" if field.type == "percent" else ""
    if c.minimum is not None and c.maximum is not None:
        options.update(criteria="between", minimum=c.minimum, maximum=c.maximum)
        lo, hi = _fmt(c.minimum * pct) + unit, _fmt(c.maximum * pct) + unit
        return options, msg("Enter {kind} from {low} to {high}.", kind=kind, low=lo, high=hi)
    if c.minimum is not None:
        options.update(criteria=">=", value=c.minimum)
        lo = _fmt(c.minimum * pct) + unit
        return options, msg("Enter {kind} of at least {low}.", kind=kind, low=lo)
    if c.maximum is not None:
        options.update(criteria="<=", value=c.maximum)
        hi = _fmt(c.maximum * pct) + unit
        return options, msg("Enter {kind} of at most {high}.", kind=kind, high=hi)
    options.update(criteria="between", minimum=-_NUMBER_LIMIT, maximum=_NUMBER_LIMIT)
    return options, msg("Enter {kind}.", kind=kind)


def _length_rule(field: FieldSpec, top_left: str) -> tuple[dict[str, Any], Message] | None:
    c = field.constraints
    most = c.max_length or _DEFAULT_MAX_LENGTH.get(field.type)
    if field.type == "email":
        formula = f'=AND(ISNUMBER(FIND("@",{top_left})),LEN({top_left})<={most})'
        return {"validate": "custom", "value": formula}, msg(
            "Enter an e-mail address (with @, at most {most} characters).", most=most
        )
    if most is None and c.min_length is None:
        return None
    least = c.min_length or 0
    if most is None:
        return {"validate": "length", "criteria": ">=", "value": least}, msg(
            "At least {least} characters.", least=least
        )
    options = {"validate": "length", "criteria": "between", "minimum": least, "maximum": most}
    if field.type == "phone":
        return options, msg("Phone number, at most {most} characters.", most=most)
    return options, msg("At most {most} characters.", most=most)


def field_validation(
    field: FieldSpec,
    lang: FormLang,
    *,
    top_left: str,
    list_source: str | None = None,
    labels: list[str] | None = None,
    others_allowed: bool = False,
) -> dict[str, Any] | None:
    """XlsxWriter ``data_validation`` options for ``field``; None when nothing is checked or explained.

    ``top_left`` is the A1 address of the first validated cell (custom formulas are relative to it);
    ``list_source`` is ``=name`` of a range on the lists sheet for long dropdowns; ``labels`` overrides
    the dropdown entries (a pre-filled form's own customers); ``others_allowed`` lets a value the list lacks in
    after a warning (Excel, WPS and LibreOffice ask whether to keep it).
    """
    rule: Message | None
    options: dict[str, Any] | None
    entries = (
        labels
        if labels is not None
        else (choice_labels(field, lang) if field.type in ("choice", "yes_no", "multi_choice") else [])
    )
    if field.type in ("choice", "yes_no") or labels is not None:
        options = {"validate": "list", "source": list_source or entries}
        rule = msg("Choose from the list, or type one it lacks.") if others_allowed else msg("Choose from the list.")
    elif field.type == "multi_choice":
        options = {"validate": "any"}
        rule = msg("One or more, separated by 、: {choices}", choices="、".join(entries))
    elif field.type in ("integer", "number", "money", "percent"):
        options, rule = _range_rule(field)
    elif field.type == "date":
        options = {"validate": "date", "criteria": "between", "minimum": DATE_MIN, "maximum": DATE_MAX}
        rule = msg("Enter a date as 2026-11-23.")
    elif field.type == "time":
        options = {"validate": "time", "criteria": "between", "minimum": dt.time(0, 0), "maximum": dt.time(23, 59, 59)}
        rule = msg("Enter a time as 14:30.")
    else:
        length = _length_rule(field, top_left)
        options, rule = length if length else ({"validate": "any"}, None)
    message = _input_message(field, lang, rule)
    if options["validate"] == "any" and not message:
        return None
    title = text_for(field.label, lang, " ")
    options.update(ignore_blank=True, input_title=_fit(title, 32), input_message=message)
    if options["validate"] != "any":
        problem = rule or msg("The value is not allowed.")
        error_title = text_for(msg("Invalid entry"), lang, " ")
        error = text_for(msg("{field}: {problem}", field=field.label, problem=problem), lang)
        error_type = "warning" if others_allowed else "stop"
        options.update(error_type=error_type, error_title=_fit(error_title, 32), error_message=_fit(error, 255))
    return options


def describe_rule(field: FieldSpec) -> Bilingual:
    """The allowed values of ``field`` in words, for the instructions sheet."""
    if field.type in ("choice", "yes_no", "multi_choice"):
        # Choices are listed as each language writes alternatives: 、 between zh labels, / between en labels.
        zh, en = "、".join(choice_labels(field, "zh")), " / ".join(choice_labels(field, "en"))
        if field.type == "multi_choice":
            return Text(
                tr("zh", "One or more of: {choices}", choices=zh), tr("en", "One or more of: {choices}", choices=en)
            )
        return Text(zh, en)
    if field.type in ("integer", "number", "money", "percent"):
        return _range_rule(field)[1]
    if field.type == "date":
        return msg("Date, e.g. 2026-11-23")
    if field.type == "time":
        return msg("Time, e.g. 14:30")
    if field.type == "signature":
        return msg("Signature (sign the printout or type the name)")
    length = _length_rule(field, "A1")
    return length[1] if length else msg("Text")
