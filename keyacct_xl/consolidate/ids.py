"""Customer ids as the master keeps them, whatever look-alike or invisible characters a cell carried.

An id typed with a Cyrillic С, a full-width Ｃ or a zero-width space looks like C0277 on screen but would match
no customer (or create a new one from a card). Before matching, an id is NFKC-normalised (full-width forms,
ligatures), stripped of format characters (Unicode category Cf: zero-width spaces and joiners, bidi controls,
the BOM), and each remaining non-ASCII letter that Unicode's confusables data (UTS #39, through the
confusable-homoglyphs package) lists as a look-alike of an ASCII letter or digit is replaced by it.
"""

from __future__ import annotations

import functools
import unicodedata

from confusable_homoglyphs import confusables


@functools.lru_cache(maxsize=4096)
def _ascii_twin(ch: str) -> str:
    """The ASCII letter or digit ``ch`` is a look-alike of, else ``ch`` itself."""
    if ch.isascii() or not ch.isalnum():
        return ch
    found = confusables.is_confusable(ch, preferred_aliases=["latin"], greedy=True) or []
    for entry in found:
        for glyph in entry["homoglyphs"]:
            if glyph["c"].isascii() and glyph["c"].isalnum():
                return glyph["c"]
    return ch


@functools.lru_cache(maxsize=4096)
def normalize_id(text: str) -> str:
    """``text`` with full-width forms folded, invisible characters removed and look-alike letters made ASCII."""
    folded = unicodedata.normalize("NFKC", text)
    visible = "".join(ch for ch in folded if unicodedata.category(ch) != "Cf")
    return "".join(_ascii_twin(ch) for ch in visible).strip()
