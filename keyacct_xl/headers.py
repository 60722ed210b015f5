"""Recognize column headers: canonical keys, zh and en headers and common aliases map to one key."""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from keyacct_xl.errors import InputError
from keyacct_xl.i18n import Lang
from keyacct_xl.master.schema import Column
from keyacct_xl.messages import Rendered, listing, msg, tr
from keyacct_xl.parsing import visible_text

_NOISE = re.compile(r"[\s_\-/\\()（）\[\]【】:：.。*＊#№]+")


def normalize_header(text: object) -> str:
    """Fold a header for comparison: NFKC (full-width to half-width), lower case, no spaces, punctuation or invisible
    characters (a second byte-order mark, a zero-width space: 单据编号 with one was no column, its values dropped)."""
    folded = unicodedata.normalize("NFKC", str(text)).strip().lower()
    return _NOISE.sub("", visible_text(folded))


# Words an English header keeps in lower case after its first word (Payment Terms (days), Share of Category).
_SMALL_WORDS = frozenset({"a", "an", "and", "as", "at", "by", "for", "in", "of", "on", "or", "per", "the", "to", "vs"})


def title_case(text: str) -> str:
    """An English header in the Title Case of the master's and the reports' headers (Customer name -> Customer Name):
    each word's first letter raised, the small words after the first and a unit in parentheses ((days)) left, and a
    word's other letters kept (SHA-256, e-mail -> E-mail)."""
    words = text.split(" ")
    return " ".join(
        w if not w or w.startswith("(") or (k and w in _SMALL_WORDS) else w[0].upper() + w[1:]
        for k, w in enumerate(words)
    )


def alias_map(columns: Iterable[Column]) -> dict[str, str]:
    """Every accepted spelling of every column, normalized, mapped to its canonical key."""
    mapping: dict[str, str] = {}
    for col in columns:
        for name in (col.key, col.zh, col.en, *col.aliases):
            mapping.setdefault(normalize_header(name), col.key)
    # Exact names win over aliases shared by two columns (e.g. 金额 is Payments.amount's alias).
    for col in columns:
        for name in (col.key, col.zh, col.en):
            mapping[normalize_header(name)] = col.key
    return mapping


@functools.lru_cache(maxsize=256)
def _known_aliases(columns: tuple[Column, ...]) -> dict[str, str]:
    """``alias_map`` once per set of columns (a table's schema is resolved on every read); not to be changed."""
    return alias_map(columns)


def resolve_headers(
    headers: Sequence[object], columns: Sequence[Column], *, where: str | Rendered, required: Iterable[str] = ()
) -> dict[int, str]:
    """Map header positions to canonical keys; raise naming the missing keys and the headers seen.

    A header that matches no column is ignored (the caller keeps it as an extra column if it wants);
    a key claimed by two headers keeps the first.
    """
    lookup = _known_aliases(tuple(columns))
    found: dict[int, str] = {}
    for pos, header in enumerate(headers):
        if header is None or str(header).strip() == "":
            continue
        key = lookup.get(normalize_header(header))
        if key is not None and key not in found.values():
            found[pos] = key
    missing = [k for k in required if k not in found.values()]
    if missing:
        by_key = {c.key: c for c in columns}
        wanted = listing(ExpectedColumn(by_key[k]) for k in missing)
        given = [h for h in headers if h is not None and str(h).strip() != ""]
        seen = listing(given) if given else msg("none")
        raise InputError(
            msg("{where}: missing column(s) {wanted}; headers seen: {seen}", where=where, wanted=wanted, seen=seen),
        )
    return found


@dataclass(frozen=True)
class ExpectedColumn(Rendered):
    """A column a file lacks, by its header in the reader's language and the other headers it is recognised by:
    ``Amount (also accepted: 金额, 销售额, …)``; a person renames their column, so no key of ours is shown."""

    column: Column

    def render(self, lang: Lang) -> str:
        """The column's header in ``lang``, and the other names accepted for it."""
        own = self.column.header(lang)
        others = [n for n in dict.fromkeys((self.column.zh, self.column.en, *self.column.aliases)) if n != own]
        if not others:
            return own
        return tr(lang, "{column} (also accepted: {names})", column=own, names=listing(others))
