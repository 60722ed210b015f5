"""The in-memory master: one DataFrame per table with canonical columns, plus settings."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from keyacct_xl.errors import InputError
from keyacct_xl.i18n import Lang
from keyacct_xl.master.schema import DATA_TABLES, TableSchema
from keyacct_xl.master.settings import Settings, parse_settings
from keyacct_xl.messages import Pair, msg


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
    settings: Settings = field(default_factory=lambda: parse_settings(()))
    lang: Lang = "zh"
    path: Path | None = None
    # Header text as found in the file, per table and column label, so a save writes them back unchanged.
    headers: dict[str, dict[str, str]] = field(default_factory=dict)
    # The Settings sheet's description cells, kept so a save writes the user's notes back.
    settings_notes: dict[str, str] = field(default_factory=dict)
    # Per table name, the leading rows that live in the history store (master.kx), not in the workbook.
    archived: dict[str, ArchivedRows] = field(default_factory=dict)

    def frame(self, schema: TableSchema) -> pd.DataFrame:
        """The DataFrame that holds ``schema``'s table."""
        return getattr(self, schema.attr)

    @classmethod
    def empty(cls, *, lang: Lang = "zh", settings: Settings | None = None) -> Master:
        """A master with every table present and no rows (and the default Settings unless given)."""
        frames: dict[str, Any] = {t.attr: empty_frame(t) for t in DATA_TABLES}  # one per frame field
        return cls(**frames, settings=settings or parse_settings(()), lang=lang)


@dataclass(frozen=True)
class ArchivedRows:
    """How many leading rows of a table came from the history store, and a digest of them as loaded."""

    count: int
    digest: str

    @classmethod
    def of(cls, frame: pd.DataFrame) -> ArchivedRows:
        """The rows of ``frame``, all from the store."""
        return cls(len(frame), rows_digest(frame))


def rows_digest(frame: pd.DataFrame) -> str:
    """A digest of a frame's values and column labels, to tell whether rows changed since they were loaded."""
    digest = hashlib.sha256("\0".join(map(str, frame.columns)).encode())
    digest.update(pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes())
    return digest.hexdigest()


def workbook_rows(master: Master, schema: TableSchema) -> pd.DataFrame:
    """The rows of ``schema``'s table that belong in the workbook: all of them but those from the history store.

    The store's lines are read-only in a loaded master: a save never writes them into the workbook (they would be in
    two places), and one that changed them is refused rather than dropping the change.
    """
    frame = master.frame(schema)
    archived = master.archived.get(schema.name)
    if archived is None:
        return frame
    if rows_digest(frame.iloc[:archived.count]) != archived.digest:
        raise InputError(msg("{table}: lines from the history store were changed; they are not saved into the "
                             "workbook. Run {command} first to edit them",
                             table=Pair(schema.sheet_en, schema.sheet_zh), command="keyacct-xl history restore"))
    return frame.iloc[archived.count:]


_DTYPES = {"text": "object", "int": "Int64", "number": "float64", "money": "float64",
           "percent": "float64", "date": "datetime64[ns]"}


def empty_frame(schema: TableSchema) -> pd.DataFrame:
    """A table with its canonical columns and dtypes, and no rows."""
    return pd.DataFrame({c.key: pd.Series(dtype=_DTYPES[c.kind]) for c in schema.columns})


def dtype_for(kind: str) -> str:
    """The pandas dtype a column kind is held in."""
    return _DTYPES[kind]
