"""Leave personal data out of a table, and replace names and ids by stable pseudonyms (docs/privacy.md).

Each function takes a table's frame and returns a new one; the caller writes the result into a new workbook
(keyacct_xl.master.export), so no removed value survives anywhere in the file. Removed and replaced values are
also looked for in the free text left (notes, visit content, file names) and replaced there.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import partial

import pandas as pd

from keyacct_xl.errors import InputError
from keyacct_xl.master.privacy import is_sensitive_column, is_sensitive_key, pseudonym_kind
from keyacct_xl.master.schema import TableSchema
from keyacct_xl.messages import MASK as MASK  # what a personal value quoted inside free text becomes
from keyacct_xl.messages import msg

MIN_SCRUBBED = {"removed": 4, "name": 2, "id": 3}  # shorter values are words, not identifiers: 良好, 王
MAX_SCRUBBED = 100  # characters; a longer value is a whole note, not something quoted inside another cell
JSON_COLUMNS = {("SubmissionHistory", "data"), ("SubmissionHistory", "written"), ("IngestionLedger", "header")}
_PREFIX = {"customer": "C", "contact": "K", "name": "N", "file": "F"}
_HEX_DIGITS = 12  # 48 bits: two of 100,000 values share a pseudonym with odds of about 1 in 56,000


def _blank_like(values: pd.Series) -> pd.Series:
    return pd.Series([None] * len(values), index=values.index, dtype=values.dtype)


def _texts(values: Iterable[object]) -> set[str]:
    return {str(v).strip() for v in values if isinstance(v, str) and str(v).strip()}


def drop_sensitive(
    frame: pd.DataFrame, schema: TableSchema, headers: Mapping[str, str]
) -> tuple[pd.DataFrame, set[str]]:
    """``frame`` without personal data: the schema's sensitive columns blank, personal columns the user added
    removed (header included), sensitive keys taken out of JSON cells. Returns it with the text values removed."""
    result, removed = frame.copy(), set()
    for label in list(result.columns):
        if is_sensitive_column(schema, label, headers.get(label)):
            removed |= _texts(result[label])
            if label in schema.keys:
                result[label] = _blank_like(result[label])
            else:
                result = result.drop(columns=label)
        elif (schema.name, label) in JSON_COLUMNS:
            result[label] = result[label].map(lambda text, gone=removed: _without_keys(text, gone), na_action="ignore")
    return result, removed


def blank_columns(frame: pd.DataFrame, labels: Iterable[str]) -> tuple[pd.DataFrame, set[str]]:
    """``frame`` with the columns ``labels`` (those it has) empty; returns it with the text values removed."""
    result, removed = frame.copy(), set()
    for label in (x for x in labels if x in frame.columns):
        removed |= _texts(result[label])
        result[label] = _blank_like(result[label])
    return result, removed


def _load_json(text: object) -> dict | None:
    try:
        data = json.loads(str(text))
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def _dump_json(data: Mapping[str, object]) -> str:
    # The form consolidate.frames.row_json writes: sorted keys, compact, characters as they are.
    return json.dumps(dict(sorted(data.items())), ensure_ascii=False, separators=(",", ":"), default=str)


def _without_keys(text: object, removed: set[str]) -> object:
    data = _load_json(text)
    if data is None:
        # Not a row as consolidation writes it: nothing says which part is personal, so none of it is kept.
        removed |= _texts([text])
        return None
    removed |= _texts(v for k, v in data.items() if is_sensitive_key(k))
    return _dump_json({k: v for k, v in data.items() if not is_sensitive_key(k)})


def _map_values(value: object, change: Callable[[object], object]) -> object:
    """``change`` applied to a JSON row's value, or to each cell's value of a line the ledger keeps by cell
    (``{"deferred.customer_id": {"A52": "C002"}}``, consolidate.merge)."""
    return {cell: change(v) for cell, v in value.items()} if isinstance(value, dict) else change(value)


@dataclass
class Pseudonyms:
    """Stable pseudonyms from a keyed hash (HMAC-SHA256): the same value and key give the same pseudonym, so
    exports can be joined; without the key a pseudonym cannot be traced back by trying names."""

    key: bytes
    given: dict[str, str] = field(default_factory=dict)  # original -> pseudonym, for the free-text pass
    _owner: dict[str, tuple[str, str]] = field(default_factory=dict)
    _done: dict[tuple[str, str], str] = field(default_factory=dict)  # a customer id recurs on every sale

    def __call__(self, kind: str, value: object) -> object:
        """The pseudonym of ``value`` as a ``kind`` (customer, contact, name, file); blanks stay blank."""
        if value is None or (not isinstance(value, str) and pd.isna(value)) or str(value).strip() == "":
            return value
        text = str(value).strip()
        known = self._done.get((kind, text))
        if known is not None:
            return known
        digest = hmac.new(self.key, f"{kind}\x1f{text}".encode(), hashlib.sha256).hexdigest()
        pseudonym = f"{_PREFIX[kind]}-{digest[:_HEX_DIGITS]}"
        if self._owner.setdefault(pseudonym, (kind, text)) != (kind, text):
            raise InputError(
                msg(
                    "two values share the pseudonym {pseudonym}; export again with another key (--key)",
                    pseudonym=pseudonym,
                )
            )
        if len(text) >= MIN_SCRUBBED["id" if kind in ("customer", "contact") else "name"]:
            self.given[text] = pseudonym
        self._done[(kind, text)] = pseudonym
        return pseudonym


# Columns whose key names people elsewhere but not in their table: a product's name is the catalogue's.
NOT_PEOPLE = frozenset({("Products", "name")})


def pseudonymize(frame: pd.DataFrame, schema: TableSchema, pseudonyms: Pseudonyms) -> tuple[pd.DataFrame, set[str]]:
    """``frame`` with names and ids replaced (PSEUDONYM_KINDS); JSON cells key by key. Returns it with the labels
    of the columns replaced, which the free-text pass leaves alone."""
    result, replaced = frame.copy(), set()
    for label in result.columns:
        kind = None if (schema.name, label) in NOT_PEOPLE else pseudonym_kind(str(label))
        if kind is not None:
            result[label] = result[label].map(lambda v, kind=kind: pseudonyms(kind, v)).astype(object)
            replaced.add(label)
        elif (schema.name, label) in JSON_COLUMNS:
            result[label] = result[label].map(lambda text: _json_pseudonyms(text, pseudonyms), na_action="ignore")
    return result, replaced


def _json_pseudonyms(text: object, pseudonyms: Pseudonyms) -> object:
    data = _load_json(text)
    if data is None:
        return text
    return _dump_json(
        {
            # a line kept by cell is keyed section.field: judged by its field, as is_sensitive_key does
            k: _map_values(v, partial(pseudonyms, kind))
            if (kind := pseudonym_kind(k) or pseudonym_kind(k.rpartition(".")[2])) and not isinstance(v, list)
            else v
            for k, v in data.items()
        }
    )


def scrubber(replacements: Mapping[str, str]) -> Callable[[str], str]:
    """A function replacing every occurrence of a ``replacements`` key inside a text, longest first.

    A key that starts or ends with a Latin letter or digit is replaced only as a whole word: C001 never inside
    C0012. The keys are compiled into one prefix tree, so a text is scanned once whatever their number.
    """
    replacements = {k: v for k, v in replacements.items() if k and len(k) <= MAX_SCRUBBED}
    if not replacements:
        return lambda text: text
    pattern = re.compile(_trie_pattern(sorted(replacements)))

    def replace(match: re.Match[str]) -> str:
        found, text = match.group(0), match.string
        before = text[match.start() - 1] if match.start() else ""
        after = text[match.end()] if match.end() < len(text) else ""
        if (_word(found[0]) and _word(before)) or (_word(found[-1]) and _word(after)):
            return found
        return replacements[found]

    return lambda text: pattern.sub(replace, text)


def _word(char: str) -> bool:
    return char.isascii() and char.isalnum()


def _trie_pattern(words: list[str]) -> str:
    """A regular expression matching any of ``words``, longest match first, built as a prefix tree."""
    tree: dict = {}
    for word in words:
        node = tree
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}
    return _node_pattern(tree)


def _node_pattern(node: dict) -> str:
    branches = [re.escape(char) + _node_pattern(child) for char, child in sorted(node.items()) if char]
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    if "" in node:  # a word ends here: try the longer ones first, then stop
        return f"(?:{body})?"
    return body


def scrub_frame(frame: pd.DataFrame, scrub: Callable[[str], str], *, skip: Iterable[str] = ()) -> pd.DataFrame:
    """``frame`` with ``scrub`` applied to every text cell (JSON cells value by value), except columns ``skip``."""
    result, skipped = frame.copy(), set(skip)
    for label in result.columns:
        # a JSON column pseudonymized by map() comes back as pandas' str dtype, not object: its text is text too
        if label in skipped or not (result[label].dtype == object or pd.api.types.is_string_dtype(result[label])):
            continue
        values = result[label]
        unique = {v: _scrub_cell(v, scrub) for v in pd.unique(values) if isinstance(v, str)}
        result[label] = values.map(lambda v, done=unique: done.get(v, v) if isinstance(v, str) else v)
    return result


def _scrub_cell(text: str, scrub: Callable[[str], str]) -> str:
    data = _load_json(text) if text.startswith("{") else None
    if data is None:
        return scrub(text)
    return _dump_json({k: _map_values(v, lambda x: scrub(x) if isinstance(x, str) else x) for k, v in data.items()})
