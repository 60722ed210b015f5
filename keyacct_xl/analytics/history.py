"""GradeHistory rows (one per year and customer): added once, the after-values corrected in place when they change.

``grade apply`` and ``credit apply`` both record through ``record_history``, so re-running either adds nothing when
nothing changed, and the values a row had before the year's first change are never rewritten.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

# What a row's decision is: when one of these differs from the row of the same year and customer, it is corrected.
AFTER_VALUES = ("grade_after", "credit_after", "limit_after", "terms_after")
BEFORE_VALUES = ("grade_before", "credit_before", "limit_before", "terms_before")
DECISION = (*AFTER_VALUES, "reason", "approved_by", "applied_at")


@dataclass(frozen=True)
class Recorded:
    """The history table after recording, and how many rows were added and corrected."""

    history: pd.DataFrame
    added: int
    corrected: int


def _blank(value: Any) -> bool:
    return bool(pd.isna(value))


def _same(a: Any, b: Any) -> bool:
    if pd.isna(a) and pd.isna(b):
        return True
    if pd.isna(a) or pd.isna(b):
        return False
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return round(float(a), 2) == round(float(b), 2)
    return a == b


def record_history(history: pd.DataFrame, rows: list[dict[str, Any]], correct: tuple[str, ...] = DECISION) -> Recorded:
    """Add each row (keys year, customer_id, the before- and after-values, reason, approved_by, applied_at) unless
    the (year, customer_id) row exists; an existing row whose after-values differ gets the row's ``correct``
    values (by default the whole decision; its before-values stay, a blank one is filled)."""
    history = history.copy()
    existing = {
        (int(y), str(c)): i for i, (y, c) in enumerate(zip(history["year"], history["customer_id"])) if not pd.isna(y)
    }
    new_rows, corrected = [], 0
    for row in rows:
        index = existing.get((int(row["year"]), str(row["customer_id"])))
        if index is None:
            new_rows.append(row)
            continue
        changed = [k for k in AFTER_VALUES if k in row and not _same(history.at[index, k], row[k])]
        if changed:
            for key in (k for k in correct if k in row):
                history.at[index, key] = row[key]
            for key in (k for k in BEFORE_VALUES if k in row and _blank(history.at[index, k])):
                history.at[index, key] = row[key]  # recorded now for the first time (a row older than the column)
            corrected += 1
    if new_rows:
        extra = pd.DataFrame(new_rows).reindex(columns=history.columns).astype(history.dtypes.to_dict())
        history = pd.concat([history, extra], ignore_index=True)
    return Recorded(history, len(new_rows), corrected)
