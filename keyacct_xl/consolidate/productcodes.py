"""Product codes a returned form gives, checked against the master's catalogue (Products).

A pre-filled form offers the products on sale as ``code name spec`` entries (forms.layout.product_ref); the code is
what the master keeps. A code the catalogue lacks, or one of a product taken out of the range (在售 否), is kept as
typed with a warning at its cell: a rep may quote a product before it is catalogued, and the manager decides. A
master without a catalogue checks nothing.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from keyacct_xl.consolidate.model import FileOutcome, Issue, texts
from keyacct_xl.forms.layout import entry_key, product_ref
from keyacct_xl.forms.spec import FormSpec
from keyacct_xl.master.ids import normalize_id
from keyacct_xl.master.products import on_sale
from keyacct_xl.messages import Message, msg
from keyacct_xl.parsing import is_blank

PRODUCT_CODE = "product_code"


def reads_product_codes(spec: FormSpec) -> bool:
    """Whether a line of ``spec`` gives a product code."""
    return any(f.key == PRODUCT_CODE for s in spec.tables for f in s.fields)


def check_product_codes(outcome: FileOutcome, spec: FormSpec, catalogue: Callable[[], pd.DataFrame]) -> None:
    """Read each line's product code as the catalogue's code; warn at a code it lacks or one no longer on sale."""
    lines = [r for r in outcome.rows if r.ok and not is_blank(r.values.get(PRODUCT_CODE))]
    if not lines:
        return
    products = catalogue()
    products = products[products[PRODUCT_CODE].notna()]
    if products.empty:
        return
    codes = [str(c).strip() for c in products[PRODUCT_CODE]]
    selling = dict(zip(codes, on_sale(products)))
    named = {c: str(n) for c, n in zip(codes, products["name"]) if not is_blank(n)}
    plain = {normalize_id(c): c for c in codes}
    entries = {normalize_id(product_ref(c, n, s)): c for c, n, s in zip(codes, products["name"], products["spec"])}
    label = next(f.label for s in spec.tables for f in s.fields if f.key == PRODUCT_CODE)
    for row in lines:
        typed = str(row.values[PRODUCT_CODE]).strip()
        code = typed if typed in selling else _code(normalize_id(typed), plain, entries)
        problem: Message | None
        if code is None:
            problem = msg("product code {code} is not in the product catalogue: kept as typed", code=typed)
        else:
            row.values[PRODUCT_CODE] = code
            problem = None if selling[code] else _off_sale(code, named.get(code))
        if problem is not None:
            where = row.refs.get(PRODUCT_CODE, "")
            outcome.issues.append(Issue(outcome.name, row.sheet, where, label, typed, *texts(problem), "warning"))


def _code(typed: str, codes: dict[str, str], entries: dict[str, str]) -> str | None:
    """The catalogue's code a cell gives: the code itself, a dropdown entry, or an entry whose name changed since
    (the longest code it starts with: a code may hold a space, HX 200 beside HX); each compared as ``normalize_id``
    makes it plain (full-width letters, invisible characters), the catalogue's own spelling returned."""
    if typed in codes:
        return codes[typed]
    if typed in entries:
        return entries[typed]
    code = entry_key(typed, codes)
    return None if code is None else codes[code]


def _off_sale(code: str, name: str | None) -> Message:
    product = f"{code} {name}" if name else code
    return msg(
        "{product} is marked as no longer on sale in the product catalogue: kept, check the line", product=product
    )
