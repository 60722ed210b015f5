"""One master table during a consolidation run: the loaded frame (changed in place), the rows the run adds, and
both indexed by natural key, so a later file of the same run finds the rows an earlier one added."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field

import pandas as pd

from keyacct_xl.consolidate.rowmatch import KeyedRows, Location


@dataclass
class MergeTable:
    """One table during a run: the loaded frame (changed in place), the rows added, and both indexed by key."""

    name: str
    frame: pd.DataFrame
    keyed: KeyedRows
    added: list[dict[str, object]] = field(default_factory=list)
    # Each added row as its file wrote it (a later file of the run may change it): SubmissionHistory keeps them.
    written: list[dict[str, object]] = field(default_factory=list)
    # Column label -> position in the frame, looked up once per label (put may add columns at the right end).
    _positions: dict[str, int] = field(default_factory=dict, repr=False)

    def get(self, where: Location, column: str) -> object:
        """A row's current value."""
        kind, position = where
        if kind == "added":
            return self.added[position].get(column)
        return self.frame.iat[position, self._column(column)] if column in self.frame.columns else None

    def record(self, where: Location) -> dict[str, object]:
        """A row's values by column."""
        kind, position = where
        if kind == "added":
            return dict(self.added[position])
        return {str(k): v for k, v in self.frame.iloc[position].items()}

    def put(self, where: Location, values: Mapping[str, object]) -> None:
        """Set some of a row's values."""
        kind, position = where
        if kind == "added":
            self.added[position].update(values)
            return
        for column, value in values.items():
            if column not in self.frame.columns:
                self.frame[column] = pd.Series([None] * len(self.frame), dtype="object", index=self.frame.index)
            self.frame.iat[position, self._column(column)] = value  # type: ignore[assignment]  # any cell value

    def _column(self, column: str) -> int:
        """The position of a column (labels are unique in a master table)."""
        position = self._positions.get(column)
        if position is None:
            position = int(self.frame.columns.get_indexer([column])[0])
            if position >= 0:  # only a column the frame has: one added later gets its own position then
                self._positions[column] = position
        return position

    def add(self, values: dict[str, object]) -> Location:
        """Add a new row (appended to the frame at flush)."""
        where: Location = ("added", len(self.added))
        self.added.append(values)
        self.written.append(dict(values))
        self.keyed.add(values, where)
        return where

    def rows_by_file(self, shas: Collection[str]) -> dict[str, set[Location]]:
        """The rows whose provenance is one of the files ``shas``, by file sha256 (files without rows left out)."""
        found: dict[str, set[Location]] = {}
        if "file_sha256" in self.frame.columns:
            column = self.frame["file_sha256"]
            for position in column.isin(list(shas)).to_numpy().nonzero()[0]:
                found.setdefault(str(column.iat[int(position)]), set()).add(("frame", int(position)))
        for i, row in enumerate(self.added):
            if row.get("file_sha256") in shas:
                found.setdefault(str(row["file_sha256"]), set()).add(("added", i))
        return found
