"""The in-memory master: one DataFrame per table with canonical columns, plus settings."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from keyacct_xl.i18n import Lang
from keyacct_xl.master.schema import DATA_TABLES, TableSchema
from keyacct_xl.master.settings import Settings, parse_settings


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

    def frame(self, schema: TableSchema) -> pd.DataFrame:
        """The DataFrame that holds ``schema``'s table."""
        return getattr(self, schema.attr)

    @classmethod
    def empty(cls, *, lang: Lang = "zh", settings: Settings | None = None) -> Master:
        """A master with every table present and no rows (and the default Settings unless given)."""
        frames = {t.attr: empty_frame(t) for t in DATA_TABLES}
        return cls(**frames, settings=settings or parse_settings(()), lang=lang)


_DTYPES = {"text": "object", "int": "Int64", "number": "float64", "money": "float64",
           "percent": "float64", "date": "datetime64[ns]"}


def empty_frame(schema: TableSchema) -> pd.DataFrame:
    """A table with its canonical columns and dtypes, and no rows."""
    return pd.DataFrame({c.key: pd.Series(dtype=_DTYPES[c.kind]) for c in schema.columns})


def dtype_for(kind: str) -> str:
    """The pandas dtype a column kind is held in."""
    return _DTYPES[kind]
