"""GradeHistory rows: a year's decision for a customer is recorded once, a changed decision as a new row.

``grade apply`` and ``credit apply`` both record through ``record_history``. A row already written is never
rewritten: re-running either adds nothing when nothing changed, and when the meeting changes its mind (or the
credit terms move) the change is one more row of the same year, so the history shows every decision in order.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

# What a row's decision is: when one of these differs from the latest row of the same year and customer, the
# change is recorded as a new row.
AFTER_VALUES = ("grade_after", "credit_after", "limit_after", "terms_after")


@dataclass(frozen=True)
class Recorded:
    """The history table after recording: rows added for first decisions of the year, and for changed ones."""

    history: pd.DataFrame
    added: int
    corrected: int  # rows added because a decision of the year changed (the earlier row stays as it was)


def _same(a: Any, b: Any) -> bool:
    if pd.isna(a) and pd.isna(b):
        return True
    if pd.isna(a) or pd.isna(b):
        return False
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return round(float(a), 2) == round(float(b), 2)
    return a == b


def record_history(history: pd.DataFrame, rows: list[dict[str, Any]]) -> Recorded:
    """Append each row (keys year, customer_id, the before- and after-values, reason, approved_by, applied_at)
    unless the latest row of its year and customer already holds the same after-values; rows are never edited."""
    latest: dict[tuple[int, str], int] = {}
    for i, (y, c) in enumerate(zip(history["year"], history["customer_id"])):
        if not pd.isna(y):
            latest[(int(y), str(c))] = i  # later rows win: the year's current decision
    new_rows, corrected = [], 0
    for row in rows:
        index = latest.get((int(row["year"]), str(row["customer_id"])))
        if index is not None:
            if all(_same(history.iloc[index][k], row[k]) for k in AFTER_VALUES if k in row):
                continue
            corrected += 1
        new_rows.append(row)
    if new_rows:
        extra = pd.DataFrame(new_rows).reindex(columns=history.columns).astype(history.dtypes.to_dict())
        history = pd.concat([history, extra], ignore_index=True)
    return Recorded(history, len(new_rows) - corrected, corrected)
