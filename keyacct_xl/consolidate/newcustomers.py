"""New customers from the field: the id a rep leaves to the sales office, and the next id the archive gives.

A rep registering a customer (customer card, customer registration) leaves the customer id blank or writes
新客户: the rep cannot know the next free number, and numbers are the sales office's (the registration form says
"由业务部统一编号"). Consolidation gives the next id by the Settings pattern ``customer_id_pattern`` (``C{0000}``:
the highest running number of the archive's ids of that pattern, plus one), after the duplicate check
(keyacct_xl.consolidate.cards) found no customer it resembles.

The same rep sending the corrected copy of that form (the id still blank) is matched by the submission key:
the first copy's ledger entry carries the id it was given, so a copy whose duplicate check finds that customer is
the same registration, not a duplicate.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from keyacct_xl.consolidate.fieldcheck import NOT_APPLICABLE
from keyacct_xl.forms.spec import choice_key
from keyacct_xl.master.ids import normalize_id
from keyacct_xl.master.settings import ID_PATTERN
from keyacct_xl.parsing import is_blank

# What reps write for "no id yet", compared after NFKC folding and case folding (New customer reads as New:
# a customer cell keeps the text before the first space, as for "C0001 name" dropdown entries). A "does not
# apply" mark (-, 无, N/A) says there is no id, as a blank cell does: it is never an id of its own.
NEW_CUSTOMER_MARKS = frozenset({"新客户", "新客戶", "新", "新建", "待编号", "new", "tbd"}) | NOT_APPLICABLE


def is_new_customer(value: object) -> bool:
    """Whether a customer id cell asks for a new id: blank, 新客户 (or one of NEW_CUSTOMER_MARKS) or - (无, N/A)."""
    if is_blank(value):
        return True
    return choice_key(str(value)) in NEW_CUSTOMER_MARKS


def next_customer_id(pattern: str, existing: Iterable[object]) -> str:
    """The id after the highest running number among ``existing`` ids of ``pattern`` (C{0000} -> C0121).

    Ids are read as ``id_key`` reads them (c0120 and Ｃ0120 are C0120, so 0120 is taken); ids of another shape
    (N2026-1127, a user's own scheme) are not counted; the number grows past the pattern's width rather than
    wrapping (C{0000} after C9999 gives C10000).
    """
    prefix, width, suffix, shape = _pattern_shape(pattern)
    numbers = [int(m[1]) for m in (shape.match(normalize_id(str(v))) for v in existing if not is_blank(v)) if m]
    return f"{prefix}{max(numbers, default=0) + 1:0{width}d}{suffix}"


def pattern_spelling(pattern: str, value: object) -> str:
    """A given id as the master keeps it: ``normalize_id``'s form and, when it fits ``pattern`` ignoring case, the
    pattern's letters (c0001 and Ｃ0001 -> C0001 under C{0000}); an id of another shape keeps its own case."""
    plain = normalize_id(str(value))
    prefix, _, suffix, shape = _pattern_shape(pattern)
    fits = shape.match(plain)
    return f"{prefix}{fits[1]}{suffix}" if fits else plain


def _pattern_shape(pattern: str) -> tuple[str, int, str, re.Pattern[str]]:
    """The pattern's prefix, number width and suffix, and a regex of its ids in any case (the number is group 1)."""
    parsed = ID_PATTERN.match(pattern)
    if parsed is None:  # Settings refuse such a pattern when they are read; a caller passing one is a bug
        raise ValueError(f"not an id pattern: {pattern!r}")
    prefix, zeros, suffix = parsed.groups()
    shape = re.compile(rf"^{re.escape(prefix)}([0-9]+){re.escape(suffix)}$", re.IGNORECASE)
    return prefix, len(zeros), suffix, shape
