"""Small checks shared by the analytics functions: required columns and blank values in input frames."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from keyacct_xl.errors import InputError
from keyacct_xl.messages import msg


def require_columns(frame: pd.DataFrame, columns: Iterable[str], what: str) -> None:
    """Raise naming the missing columns (and those present), then any row with a blank required value."""
    columns = tuple(columns)
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        seen = ", ".join(map(str, frame.columns)) or "none"
        raise InputError(
            msg(
                "{what}: missing column(s) {missing}; columns seen: {seen}",
                what=what,
                missing=", ".join(missing),
                seen=seen,
            )
        )
    if frame.empty:
        raise InputError(msg("{what}: no rows", what=what))
    for column in columns:
        blank = frame[column].isna().to_numpy()
        if blank.any():
            # Data rows counted from 1, as the ledger's check counts them (the index label was 0-based).
            rows = [str(p + 1) for p in np.flatnonzero(blank)[:5]]
            more = f" (+{int(blank.sum()) - 5} more)" if blank.sum() > 5 else ""
            raise InputError(
                msg(
                    "{what}: {column} is blank in data row(s) {rows}{more}",
                    what=what,
                    column=column,
                    rows=", ".join(rows),
                    more=more,
                )
            )
