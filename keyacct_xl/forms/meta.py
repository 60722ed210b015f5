"""The veryHidden ``_meta`` sheet: which form, which version and spec, for whom, and where each field is.

Layout (docs/forms.md): row 1 ``key | value``; one row per META_KEYS entry, then a ``company`` row for a form
generated for a company (the name its title block shows; consolidation holds a form of another company for review),
then one ``prefilled.<key>`` row per manager-set field a pre-filled form shows; a blank row; then a field
table ``section | field | name | column | type | maps_to`` where ``name`` is the defined name of a header
field (``f_<key>``) or the Excel table of a repeating section (``t_<id>``) and ``column`` its 1-based
column in that table (blank for header fields).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

from xlsxwriter.worksheet import Worksheet

from keyacct_xl import __version__
from keyacct_xl.currency import CNY
from keyacct_xl.forms.layout import FormLang, FormLayout, field_cell_name, form_sheet_name, table_name
from keyacct_xl.forms.spec import FormSpec

META_KEYS: tuple[str, ...] = (
    "form_id",
    "version",
    "spec_hash",
    "lang",
    "rep",
    "period",
    "customer",
    "generated_at",
    "generator_version",
    "form_sheet",
)
CURRENCY_KEY = "currency"  # the book currency of a form made for a master in another than CNY (forms.currency)
COMPANY_KEY = "company"  # after META_KEYS, only in a form generated for a company (blank templates keep their bytes)
FIELD_COLUMNS: tuple[str, ...] = ("section", "field", "name", "column", "type", "maps_to")
FIXED_GENERATED_AT = dt.datetime(2026, 1, 1)


@dataclass(frozen=True)
class FormContext:
    """Who and what a generated form is for; blank strings for a blank form."""

    rep: str = ""
    period: str = ""
    customer: str = ""
    generated_at: dt.datetime = FIXED_GENERATED_AT


def meta_values(spec: FormSpec, lang: FormLang, context: FormContext) -> dict[str, str]:
    """The key/value rows of ``_meta`` (all text)."""
    return {
        "form_id": spec.id,
        "version": str(spec.version),
        "spec_hash": spec.hash,
        "lang": lang,
        "rep": context.rep,
        "period": context.period,
        "customer": context.customer,
        "generated_at": context.generated_at.isoformat(timespec="seconds"),
        "generator_version": __version__,
        "form_sheet": form_sheet_name(spec, lang),
    }


def field_rows(layout: FormLayout) -> list[tuple[str, str, str, str, str, str]]:
    """One row per field: where a reader finds it by name."""
    rows = [
        (p.section, p.field.key, field_cell_name(p.field.key), "", p.field.type, p.field.maps_to or "")
        for p in layout.fields
    ]
    for t in layout.tables:
        rows += [
            (t.section.id, f.key, table_name(t.section.id), str(i + 1), f.type, f.maps_to or "")
            for i, f in enumerate(t.section.fields)
        ]
    return rows


def prefilled_key(field: str) -> str:
    """The ``_meta`` key under which a manager-set field's pre-filled value is kept (``prefilled.grade``)."""
    return f"prefilled.{field}"


def prefilled_lines_key(section: str) -> str:
    """The ``_meta`` key under which the ids of a table's pre-filled lines are kept, as a JSON list."""
    return f"prefilled.lines.{section}"


def meta_text(value: object) -> str:
    """A cell's value as ``_meta`` keeps it and the reader compares it: text trimmed, whole numbers without ``.0``."""
    if type(value) is str:  # nearly every _meta cell: checked first, as it is read for every cell of the field map
        return value.strip()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return "" if value is None else str(value).strip()


def write_meta(
    sheet: Worksheet,
    spec: FormSpec,
    layout: FormLayout,
    lang: FormLang,
    context: FormContext,
    prefilled: dict[str, str] | None = None,
    company: str = "",
    lines: dict[str, list[str]] | None = None,
) -> None:
    """Fill ``_meta`` and hide it from the Excel UI (veryHidden: not listed under Unhide); ``prefilled`` holds the
    manager-set fields' pre-filled values as their cells show them, so a rep's card that leaves them is no change;
    ``company`` is the company the form was generated for (none for a blank template); ``lines`` the ids of each
    table's pre-filled lines (a section's ``line_id``)."""
    sheet.write_row(0, 0, ["key", "value"])
    row = 1
    extra = {COMPANY_KEY: company.strip()} if company.strip() else {}
    extra |= {CURRENCY_KEY: spec.currency} if spec.currency != CNY.code else {}
    extra |= {prefilled_key(key): text for key, text in (prefilled or {}).items()}
    extra |= {prefilled_lines_key(s): json.dumps(ids, ensure_ascii=False) for s, ids in (lines or {}).items() if ids}
    for key, value in {**meta_values(spec, lang, context), **extra}.items():
        sheet.write_string(row, 0, key)
        sheet.write_string(row, 1, value)
        row += 1
    row += 1
    sheet.write_row(row, 0, list(FIELD_COLUMNS))
    for values in field_rows(layout):
        row += 1
        for col, value in enumerate(values):
            sheet.write_string(row, col, value)
    sheet.very_hidden()
    sheet.protect()
