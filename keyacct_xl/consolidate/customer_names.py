"""A customer given in a form by its name instead of its id, identified when the archive leaves no doubt.

Forms ask for the customer id, or offer "id name" in a pre-filled dropdown; reps also simply write the
customer's name. A name identifies a customer when exactly one customer of the archive carries it as its full
name (客户名称) or its short name (简称), compared after folding full-width forms (NFKC), runs of spaces and
letter case; the id then replaces the name, with a warning that keeps what was typed. A name that several
customers carry identifies none of them: an error naming every one. Ids come first: a cell that holds a known
id is never read as a name. The cell reaches the merge as its "id name" reading (the text before the first
space), so a name containing a space is not recognised.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Mapping

import pandas as pd

from keyacct_xl.consolidate.model import FileOutcome, Issue
from keyacct_xl.messages import Bilingual, Message, listing, msg
from keyacct_xl.parsing import is_blank


def _name_key(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text).split()).casefold()


def customers_named(customers: pd.DataFrame) -> dict[str, tuple[str, ...]]:
    """Folded full and short names -> the ids of the customers carrying them (sorted)."""
    found: dict[str, set[str]] = {}
    for column in ("name", "short_name"):
        if column not in customers.columns:
            continue
        for cid, name in zip(customers["customer_id"], customers[column]):
            if isinstance(name, str) and name.strip() and not is_blank(cid):
                found.setdefault(_name_key(name), set()).add(str(cid))
    return {key: tuple(sorted(ids)) for key, ids in found.items()}


def identify_by_name(
    outcome: FileOutcome, customers: Callable[[], pd.DataFrame], owners: Mapping[str, str], *, id_label: Bilingual
) -> None:
    """Replace each customer the file gives by a unique name with its id; refuse names several customers carry.

    ``owners`` holds the known ids; ``customers`` gives the archive, read only when a name must be looked up. A
    header name (a quotation's customer) that several customers carry rejects the file (``ambiguous_customer``);
    such a name on a line refuses the line.
    """
    header = outcome.header.get("customer_id")
    header_named = bool(header) and str(header) not in owners
    rows = [
        r for r in outcome.rows if r.ok and r.values.get("customer_id") and str(r.values["customer_id"]) not in owners
    ]
    if not header_named and not rows:
        return  # the usual case: every customer given by id, and the archive's names are never indexed
    names = customers_named(customers())
    if header_named:
        ids = names.get(_name_key(str(header)), ())
        if len(ids) > 1:
            outcome.reject("ambiguous_customer", _ambiguous(str(header), ids))
            return
        if ids:
            outcome.header["customer_id"] = ids[0]
            outcome.issues.append(
                Issue(outcome.name, "", "", id_label, str(header), _identified(str(header), ids[0]), "warning")
            )
    for row in rows:
        typed = str(row.values["customer_id"])
        ids = names.get(_name_key(typed), ())
        where = (outcome.name, row.sheet, row.refs.get("customer_id", ""), id_label, typed)
        if len(ids) > 1:
            row.ok = False
            outcome.issues.append(Issue(*where, _ambiguous(typed, ids)))
        elif ids:
            row.values["customer_id"] = ids[0]
            outcome.issues.append(Issue(*where, _identified(typed, ids[0]), "warning"))


def _identified(typed: str, customer_id: str) -> Message:
    return msg("customer name {typed} identified as {customer_id}", typed=typed, customer_id=customer_id)


def _ambiguous(typed: str, ids: tuple[str, ...]) -> Message:
    return msg(
        "the customer name {typed} fits {count} customers ({ids}): give the customer id",
        typed=typed,
        count=len(ids),
        ids=listing(ids),
    )
