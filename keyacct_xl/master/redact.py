"""Leave personal data out: blank every column the schema marks sensitive (DOMAIN.md, Mackay 66)."""

from __future__ import annotations

import copy

import pandas as pd

from keyacct_xl.master.model import Master
from keyacct_xl.master.schema import DATA_TABLES


def without_sensitive(master: Master) -> Master:
    """A copy of ``master`` whose sensitive columns are empty; the original is not changed."""
    result = copy.copy(master)
    for schema in DATA_TABLES:
        frame = master.frame(schema).copy()
        for col in schema.columns:
            if col.sensitive and col.key in frame.columns:
                frame[col.key] = pd.Series([None] * len(frame), index=frame.index, dtype=frame[col.key].dtype)
        setattr(result, schema.attr, frame)
    return result
