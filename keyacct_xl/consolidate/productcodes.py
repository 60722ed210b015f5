"""Product codes a returned form gives, checked against the master's catalogue (Products).

A pre-filled form offers the products on sale as ``code name spec`` entries (forms.layout.product_ref); the code is
what the master keeps. A code the catalogue lacks, or one of a product taken out of the range (在售 否), is kept as
typed with a warning at its cell: a rep may quote a product before it is catalogued, and the manager decides. A
master without a catalogue checks nothing. A line whose product name was left blank beside a catalogue code (picked
from the dropdown, whose entry shows the name) is named from the catalogue, spec and unit too when blank; beside a
code the catalogue lacks the name stays required and the line is refused.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import pandas as pd

from keyacct_xl.consolidate.model import CheckedRow, FileOutcome, Issue
from keyacct_xl.forms.layout import entry_key, product_ref
from keyacct_xl.forms.spec import FormSpec
from keyacct_xl.master.ids import id_key
from keyacct_xl.master.products import on_sale
from keyacct_xl.messages import Message, msg
from keyacct_xl.parsing import is_blank

PRODUCT_CODE = "product_code"
PRODUCT = "product"  # the line's product name, required unless a catalogue code names it
# Line fields the catalogue fills when a code names the product and the rep left them blank: field key -> column.
_FROM_CATALOGUE = {PRODUCT: "name", "spec": "spec", "unit": "unit"}


def named_by_code(key: str, columns: Mapping[str, int], values: Sequence[object]) -> bool:
    """Whether a line's blank ``key`` cell may wait for the catalogue: it is the product name and the line gives a
    product code (check_product_codes names the product or refuses the line)."""
    column = columns.get(PRODUCT_CODE)
    return key == PRODUCT and column is not None and column < len(values) and not is_blank(values[column])


def reads_product_codes(spec: FormSpec) -> bool:
    """Whether a line of ``spec`` gives a product code."""
    return any(f.key == PRODUCT_CODE for s in spec.tables for f in s.fields)


def check_product_codes(outcome: FileOutcome, spec: FormSpec, catalogue: Callable[[], pd.DataFrame]) -> None:
    """Read each line's product code as the catalogue's code; warn at a code it lacks or one no longer on sale; name
    the product of a line that left its name blank from the catalogue, or refuse the line when the code is unknown."""
    lines = [r for r in outcome.rows if r.ok and not is_blank(r.values.get(PRODUCT_CODE))]
    if not lines:
        return
    products = catalogue()
    products = products[products[PRODUCT_CODE].notna()]
    label = next(f.label for s in spec.tables for f in s.fields if f.key == PRODUCT_CODE)
    if products.empty:
        for row in lines:
            if is_blank(row.values.get(PRODUCT)):
                _refuse_unnamed(outcome, spec, row, str(row.values[PRODUCT_CODE]).strip())
        return
    codes = [str(c).strip() for c in products[PRODUCT_CODE]]
    selling = dict(zip(codes, on_sale(products)))
    plain = {id_key(c): c for c in codes}
    entries = {id_key(product_ref(c, n, s)): c for c, n, s in zip(codes, products["name"], products["spec"])}
    records = {c: r for c, r in zip(codes, products.to_dict("records"))}
    for row in lines:
        typed = str(row.values[PRODUCT_CODE]).strip()
        code = typed if typed in selling else _code(id_key(typed), plain, entries)
        if code is None and is_blank(row.values.get(PRODUCT)):
            _refuse_unnamed(outcome, spec, row, typed)
            continue
        problem: Message | None
        if code is None:
            problem = msg("product code {code} is not in the product catalogue: kept as typed", code=typed)
        else:
            row.values[PRODUCT_CODE] = code
            _fill_from_catalogue(row.values, records[code])
            problem = None if selling[code] else _off_sale(code, records[code]["name"])
        if problem is not None:
            where = row.refs.get(PRODUCT_CODE, "")
            outcome.issues.append(Issue(outcome.name, row.sheet, where, label, typed, problem, "warning"))


def _fill_from_catalogue(values: dict[str, object], product: Mapping[str, object]) -> None:
    """The product's name, spec and unit from its catalogue row, into the line's fields the rep left blank."""
    for key, column in _FROM_CATALOGUE.items():
        if key in values and is_blank(values[key]) and not is_blank(product.get(column)):
            values[key] = str(product[column]).strip()


def _refuse_unnamed(outcome: FileOutcome, spec: FormSpec, row: CheckedRow, code: str) -> None:
    """Refuse a line whose product is named neither by its cell nor by the catalogue (its code is not in it)."""
    row.ok = False
    label = next(f.label for s in spec.tables for f in s.fields if f.key == PRODUCT)
    problem = msg(
        "required field is empty: product code {code} is not in the product catalogue, so the line must name "
        "its product",
        code=code,
    )
    outcome.issues.append(Issue(outcome.name, row.sheet, row.refs.get(PRODUCT, ""), label, "", problem))


def _code(typed: str, codes: dict[str, str], entries: dict[str, str]) -> str | None:
    """The catalogue's code a cell gives: the code itself, a dropdown entry, or an entry whose name changed since
    (the longest code it starts with: a code may hold a space, HX 200 beside HX); each compared as ``id_key``
    makes it plain (full-width letters, invisible characters, the case: ht0102 is HT0102), the catalogue's own
    spelling returned."""
    if typed in codes:
        return codes[typed]
    if typed in entries:
        return entries[typed]
    code = entry_key(typed, codes)
    return None if code is None else codes[code]


def _off_sale(code: str, name: object) -> Message:
    product = code if is_blank(name) else f"{code} {str(name).strip()}"
    return msg(
        "{product} is marked as no longer on sale in the product catalogue: kept, check the line", product=product
    )
