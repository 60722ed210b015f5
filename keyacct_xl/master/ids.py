"""Customer ids as the master keeps them, whatever look-alike or invisible characters a cell carried.

An id typed with a Cyrillic С, a full-width Ｃ or a zero-width space looks like C0277 on screen but would match
no customer (or create a new one from a card). Before matching, an id is NFKC-normalised (full-width forms,
ligatures), stripped of format characters (Unicode category Cf: zero-width spaces and joiners, bidi controls,
the BOM), and each remaining non-ASCII letter that Unicode's confusables data (UTS #39, through the
confusable-homoglyphs package) lists as a look-alike of an ASCII letter or digit is replaced by it.

Two ids are one customer's when their ``id_key`` is equal: the cleaned id with its case folded too (c0026 and
Ｃ0026 are C0026). Card intake, the customer-list import and ``master check`` all compare ids by it, so an id typed
in another case or width finds its customer instead of creating a second one beside it.
"""

from __future__ import annotations

import functools
import unicodedata
from collections.abc import Container, Iterable, Iterator, Mapping

from confusable_homoglyphs import confusables

from keyacct_xl.messages import Message, msg
from keyacct_xl.parsing import is_blank, visible_text


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
    return "".join(_ascii_twin(ch) for ch in visible_text(folded)).strip()


def id_key(value: object) -> str:
    """What two spellings of one customer id share: ``normalize_id`` with the case folded (c0026 is C0026)."""
    return normalize_id(str(value)).casefold()


class Spellings(Mapping[str, str]):
    """Each id's ``id_key`` -> the id as the master spells it, kept up to date as customers are added. A key the
    master spells two ways (C0001 and c0001, one customer twice, which master check names) is left out: which of the
    two a third spelling means is not known, and reading it as the first would put a line on a customer chosen by
    row order. ``spaced`` holds the ids with a space in them, by their cleaned form (``normalize_id``): only such an
    id can be longer than the first word of a dropdown's entry."""

    def __init__(self, ids: Iterable[object] = ()) -> None:
        self._spelled: dict[str, set[str]] = {}
        self.spaced: dict[str, str] = {}
        for value in ids:
            self.add(value)

    def add(self, value: object) -> None:
        """Count ``value`` among the master's ids (a customer created during a run)."""
        if is_blank(value):
            return
        text = str(value)
        cleaned = normalize_id(text)
        self._spelled.setdefault(cleaned.casefold(), set()).add(text)
        if " " in cleaned:
            self.spaced[cleaned] = text

    def __getitem__(self, key: str) -> str:
        spelled = self._spelled[key]
        if len(spelled) != 1:
            raise KeyError(key)
        return next(iter(spelled))

    def __iter__(self) -> Iterator[str]:
        return (key for key, spelled in self._spelled.items() if len(spelled) == 1)

    def __len__(self) -> int:
        return sum(len(spelled) == 1 for spelled in self._spelled.values())


def meant_id(typed: object, held: Container[object], spelled: Mapping[str, str]) -> str | None:
    """The master's spelling of ``typed`` when it differs from it only in case or width (``spelled``: its
    ``spellings``); None when ``typed`` is blank, an id the master holds as typed (``held``), or no id of it."""
    if is_blank(typed) or str(typed) in held:
        return None
    return spelled.get(id_key(typed))


def read_as(typed: str, cid: str) -> Message:
    """The warning on ``typed``, the id of customer ``cid`` typed in another case or width."""
    return msg(
        "{typed} is the id of customer {cid} typed in another case or width: read as {cid}", typed=typed, cid=cid
    )
