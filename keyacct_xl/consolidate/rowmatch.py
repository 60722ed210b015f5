"""Find a submitted row's counterpart in a master table by its natural key (keyacct_xl.consolidate.routes).

Keys are compared after normalising what people type differently for the same thing: text by NFKC and
surrounding space, dates by day, whole floats as integers. Two lines of one file with the same key (two
phone calls to one customer on one day) are told apart by their order: the n-th such line of a file is the
n-th such row of the table, so sending a file again updates both instead of adding two copies.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pandas as pd

from keyacct_xl.consolidate.routes import RowKey
from keyacct_xl.parsing import is_blank

Key = tuple[object, ...]


def _norm(value: object) -> object:
    if is_blank(value) or value is pd.NaT:
        return None
    if isinstance(value, (pd.Timestamp, dt.date)):
        return pd.Timestamp(value).date().isoformat()
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        return unicodedata.normalize("NFKC", value).strip().casefold()
    return value


Normed = Mapping[str, object]  # a row's key columns, normalised (None for a blank cell)


def _normed(values: Mapping[str, object], columns: tuple[str, ...]) -> dict[str, object]:
    return {column: _norm(values.get(column)) for column in columns}


def _key_columns(row_key: RowKey) -> tuple[str, ...]:
    return tuple(dict.fromkeys((*row_key.columns, *row_key.fallbacks.values(), *row_key.alternative, *row_key.loose)))


def _columns_key(normed: Normed, row_key: RowKey) -> Key:
    parts: list[object] = []
    for column in row_key.columns:
        value = normed[column]
        if value is None and column in row_key.fallbacks:
            value = normed[row_key.fallbacks[column]]
        parts.append(value)
    return ("cols", *parts)


def _alternative_key(normed: Normed, row_key: RowKey) -> Key | None:
    if not row_key.alternative or any(normed[c] is None for c in row_key.alternative):
        return None
    return ("alt", *(normed[c] for c in row_key.alternative))


def _loose_key(normed: Normed, row_key: RowKey) -> Key | None:
    if not row_key.loose or any(normed[c] is None for c in row_key.loose):
        return None
    return ("loose", *(normed[c] for c in row_key.loose))


def key_text(values: Mapping[str, object], row_key: RowKey) -> str:
    """The key as a person reads it in a report: the key columns' values joined by " / "."""
    shown = []
    for column in row_key.columns:
        value = values.get(column)
        if is_blank(value) and column in row_key.fallbacks:
            value = values.get(row_key.fallbacks[column])
        if isinstance(value, (pd.Timestamp, dt.date)):
            value = pd.Timestamp(value).strftime("%Y-%m-%d")
        shown.append("" if is_blank(value) else str(value))
    return " / ".join(shown)


Location = tuple[str, int]  # ("frame", position in the frame) or ("added", position among the added rows)


def _normed_column(column: pd.Series) -> list[object]:
    """A column's values normalised, each distinct value once (equal values normalise alike)."""
    seen: dict[object, object] = {}
    normed = []
    for value in column.tolist():
        try:
            found = seen.get(value, _UNSEEN)
        except TypeError:  # an unhashable cell value
            found = _norm(value)
        else:
            if found is _UNSEEN:
                found = seen[value] = _norm(value)
        normed.append(found)
    return normed


_UNSEEN = object()


@dataclass
class KeyedRows:
    """A table's rows by key: the frame as loaded plus the rows this run adds, in table order."""

    row_key: RowKey
    by_key: dict[Key, list[Location]] = field(default_factory=dict)
    columns: tuple[str, ...] = field(init=False)  # the key's columns, worked out once, not for every row

    def __post_init__(self) -> None:
        self.columns = _key_columns(self.row_key)

    @classmethod
    def of_frame(cls, frame: pd.DataFrame, row_key: RowKey) -> KeyedRows:
        """Index every row of ``frame``."""
        keyed = cls(row_key)
        columns = keyed.columns
        # Column by column, each distinct value normalised once (a table repeats its reps, dates, customers).
        normed = [_normed_column(frame[c]) if c in frame.columns else [None] * len(frame) for c in columns]
        for position, row in enumerate(zip(*normed) if columns else [() for _ in range(len(frame))]):
            keyed._index(dict(zip(columns, row)), ("frame", position))
        return keyed

    def add(self, values: Mapping[str, object], where: Location) -> None:
        """Index one row under each of its keys."""
        self._index(_normed(values, self.columns), where)

    def _index(self, normed: Normed, where: Location) -> None:
        for key in (
            _columns_key(normed, self.row_key),
            _alternative_key(normed, self.row_key),
            _loose_key(normed, self.row_key),
        ):
            if key is not None:
                self.by_key.setdefault(key, []).append(where)

    def matches(self, rows: Sequence[Mapping[str, object]]) -> list[Location | None]:
        """For each submitted row in order, the row it updates, or None for a new row.

        Each table row is taken at most once, in table order, so the n-th row of ``rows`` with a key takes
        the n-th table row with it. The alternative key (a contact id) is tried first, and the loose key
        only when it fits exactly one table row.
        """
        taken: set[Location] = set()
        found: list[Location | None] = []
        for values in (_normed(row, self.columns) for row in rows):
            place = None
            for key in (_alternative_key(values, self.row_key), _columns_key(values, self.row_key)):
                free = [p for p in self.by_key.get(key, []) if p not in taken] if key is not None else []
                if free:
                    place = free[0]
                    break
            loose = _loose_key(values, self.row_key) if place is None else None
            if loose is not None and len(self.by_key.get(loose, [])) == 1 and self.by_key[loose][0] not in taken:
                place = self.by_key[loose][0]
            if place is not None:
                taken.add(place)
            found.append(place)
        return found
