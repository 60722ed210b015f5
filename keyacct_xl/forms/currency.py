"""A form in the master's book currency: the labels, helps and notes naming CNY (元, 万元) name the master's instead.

注册资本(万元) / Registered capital (10k CNY) reads 注册资本(万SGD) / Registered capital (10k SGD) on a form generated
for a SGD master. The form stays the catalogue's form: its hash is the catalogue spec's, so a returned copy is
recognized, and its ``_meta`` names the currency, so the copy's own texts are known as the form's.
"""

from __future__ import annotations

import re
from dataclasses import replace

from keyacct_xl.currency import CNY, Currency
from keyacct_xl.forms.spec import FieldSpec, FormSpec, Text

_EN_CNY = re.compile(r"\bCNY\b")
_ZH_YUAN = re.compile(r"万元|（元）|\(元\)")  # 元 as a unit in brackets, never a word holding 元 (单元, 元旦)


def in_currency(spec: FormSpec, currency: Currency) -> FormSpec:
    """``spec`` naming ``currency`` where it names CNY; a CNY book keeps ``spec`` itself."""
    if currency == CNY:
        return spec
    priced = replace(
        spec,
        notes=tuple(_renamed(note, currency) for note in spec.notes),
        sections=tuple(replace(s, fields=tuple(_field(f, currency) for f in s.fields)) for s in spec.sections),
        currency=currency.code,
    )
    # The catalogue's hash (functools.cached_property keeps it in the instance's __dict__): the same form.
    priced.__dict__["hash"] = spec.hash
    return priced


def _field(field: FieldSpec, currency: Currency) -> FieldSpec:
    help_text = _renamed(field.help, currency) if field.help is not None else None
    return replace(field, label=_renamed(field.label, currency), help=help_text)


def _renamed(text: Text, currency: Currency) -> Text:
    zh = _ZH_YUAN.sub(lambda unit: unit[0].replace("元", currency.code), text.zh)
    return Text(zh, _EN_CNY.sub(currency.code, text.en))
