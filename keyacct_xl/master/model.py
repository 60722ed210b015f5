"""The in-memory master: one DataFrame per table with canonical columns, plus settings."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from keyacct_xl.errors import InputError
from keyacct_xl.history.store import archived_lines
from keyacct_xl.i18n import Lang
from keyacct_xl.master.adjustments import ADJUSTMENTS
from keyacct_xl.master.schema import DATA_TABLES, TableSchema
from keyacct_xl.master.settings import Settings, parse_settings
from keyacct_xl.messages import Pair, msg

if TYPE_CHECKING:
    from keyacct_xl.history.spill import Spilled
    from keyacct_xl.master.offkind import OffKind


@dataclass
class Master:
    """The master workbook's data. Frames carry canonical keys; extra user columns keep their headers."""

    customers: pd.DataFrame
    contacts: pd.DataFrame
    transactions: pd.DataFrame
    payments: pd.DataFrame
    visits: pd.DataFrame
    opportunities: pd.DataFrame
    competitors: pd.DataFrame
    grade_history: pd.DataFrame
    # Optional (keyacct_xl.master.adjustments): empty when the master has no Adjustments table.
    adjustments: pd.DataFrame = field(default_factory=lambda: empty_frame(ADJUSTMENTS))
    settings: Settings = field(default_factory=lambda: parse_settings(()))
    lang: Lang = "zh"
    path: Path | None = None
    # Header text as found in the file, per table and column label, so a save writes them back unchanged.
    headers: dict[str, dict[str, str]] = field(default_factory=dict)
    # The Settings sheet's description cells, kept so a save writes the user's notes back.
    settings_notes: dict[str, str] = field(default_factory=dict)
    # Per table name, the leading rows that live in the history store (master.kx), not in the workbook.
    archived: dict[str, ArchivedRows] = field(default_factory=dict)
    # What the last save put into the history store because a worksheet could not hold it (history/spill.py).
    spilled: tuple[Spilled, ...] = ()
    # Per table name, where the workbook's rows of the table are in its sheet, as loaded (messages name them).
    rows: dict[str, SheetRows] = field(default_factory=dict)
    # Per table name, its cells of another kind than their column's (a phone typed as a number), as the file holds
    # them: a save writes them back so while their values are unchanged (keyacct_xl/master/offkind.py).
    off_kind: dict[str, OffKind] = field(default_factory=dict)

    def frame(self, schema: TableSchema) -> pd.DataFrame:
        """The DataFrame that holds ``schema``'s table."""
        return getattr(self, schema.attr)

    @classmethod
    def empty(cls, *, lang: Lang = "zh", settings: Settings | None = None) -> Master:
        """A master with every table present and no rows (and the default Settings unless given)."""
        frames: dict[str, Any] = {t.attr: empty_frame(t) for t in DATA_TABLES}  # one per frame field
        return cls(**frames, settings=settings or parse_settings(()), lang=lang)


@dataclass(frozen=True)
class SheetRows:
    """Where a table's rows are in its sheet: the Excel row of its first body row, and the body positions the
    reader left out as blank (the empty row Excel keeps in a new table, a row a user cleared)."""

    sheet: str
    first: int
    count: int  # the rows read (the blank ones not counted)
    blank: tuple[int, ...] = ()

    def last(self) -> int:
        """The Excel row of the last body row read (a blank one too): the table's last row as the reader saw it,
        rows typed under its range that it took as the table's included."""
        return self.first + self.count + len(self.blank) - 1

    def excel_rows(self) -> np.ndarray:
        """The Excel row of each row read, in order."""
        return self.first + np.delete(np.arange(self.count + len(self.blank)), list(self.blank))


@dataclass(frozen=True)
class ArchivedRows:
    """How many leading rows of a table came from the history store, and from which batches of which store."""

    count: int
    master_path: Path
    batches: tuple[str, ...]


def workbook_rows(master: Master, schema: TableSchema, target: Path) -> pd.DataFrame:
    """The rows of ``schema``'s table that belong in the workbook: all of them but those from the history store.

    The store's lines are read-only in a loaded master: a save never writes them into the workbook (they would be in
    two places), and one that changed them is refused rather than dropping the change. They are compared with the
    store when a save needs it, not hashed at every load.
    """
    frame = master.frame(schema)
    archived = master.archived.get(schema.name)
    if archived is None:
        return frame
    if target.resolve() != archived.master_path.resolve():  # its Settings would name batches not beside it
        raise InputError(
            msg(
                "{target}: the master's older lines are in the history store beside {path}; copy the "
                "master with its .kx folder instead of saving it under another name",
                target=target,
                path=archived.master_path,
            )
        )
    stored = archived_lines(archived.master_path, archived.batches, schema.name, frame)
    # The store's lines as the reader put them in front of the workbook's: the same columns, types and order.
    expected = pd.concat([stored, frame.iloc[:0]], ignore_index=True)[list(frame.columns)]
    if len(frame) < archived.count or not frame.iloc[: archived.count].reset_index(drop=True).equals(expected):
        raise InputError(
            msg(
                "{table}: lines from the history store were changed; they are not saved into the "
                "workbook. Run {command} first to edit them",
                table=Pair(schema.sheet_en, schema.sheet_zh),
                command="keyacct-xl history restore",
            )
        )
    return frame.iloc[archived.count :]


_DTYPES = {
    "text": "object",
    "int": "Int64",
    "number": "float64",
    "money": "float64",
    "percent": "float64",
    "date": "datetime64[ns]",
    "time": "object",  # datetime.time, None for blank: pandas has no dtype for a time of day
    "duration": "timedelta64[ns]",
}


def empty_frame(schema: TableSchema) -> pd.DataFrame:
    """A table with its canonical columns and dtypes, and no rows (a copy the caller may change)."""
    return _empty_template(schema).copy()


@functools.cache
def _empty_template(schema: TableSchema) -> pd.DataFrame:
    # Built once per table: every load and empty master asks for each table, and a copy of the built frame costs a
    # fiftieth of building it. Built from empty arrays, not empty Series: a command's first load builds forty
    # tables' frames, 0.16 s from Series and a fifth of that from arrays.
    return pd.DataFrame({c.key: _empty_column(_DTYPES[c.kind]) for c in schema.columns})


def _empty_column(dtype: str) -> Any:
    return pd.array(np.empty(0, dtype="int64"), dtype=pd.Int64Dtype()) if dtype == "Int64" else np.empty(0, dtype=dtype)


def dtype_for(kind: str) -> str:
    """The pandas dtype a column kind is held in."""
    return _DTYPES[kind]
