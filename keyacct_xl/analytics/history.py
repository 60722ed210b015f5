"""GradeHistory rows: a year's decision for a customer is recorded once, a changed decision as a new row.

``grade apply`` and ``credit apply`` both record through ``record_history``. A row already written is never
rewritten: re-running either adds nothing when nothing changed, and when the meeting changes its mind (or the
credit terms move) the change is one more row of the same year, so the history shows every decision in order.
A run that writes into Customers a decision the year's latest row already holds (the value was changed since, by
hand or by an undo of another command) records that row all the same: every value a run changes is in a row of its
number, so its undo takes back what it wrote and nothing else.

The rows carry no column naming the command that wrote them: the reason does. ``credit apply`` writes the catalog
message "credit terms of grade {grade}" and its undo "undo of the credit terms of grade {grade}", the grade being
the row's own ``credit_after``; a row whose reason is one of them in any language of the catalog is that command's
(``written_by``), whatever language the master had when it was written. Their wording is therefore part of the
GradeHistory format: changing it would leave the rows already written unrecognised.

Each run of either command numbers its rows (``apply_no``, one more than the highest in the table), and an undo's
rows carry the number of the apply they take back: two applies of one day are two steps, undone one at a time.
Rows written before the column existed hold no number; ``applies`` tells them apart as they always were.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

import numpy as np
import pandas as pd

from keyacct_xl.errors import InputError
from keyacct_xl.i18n import LANGS, Lang
from keyacct_xl.master.model import Master
from keyacct_xl.master.schema import GRADE_HISTORY
from keyacct_xl.messages import Location, Message, msg, tr
from keyacct_xl.parsing import is_blank, same_value

APPLY_NO = "apply_no"  # the GradeHistory column numbering the applies

# What a row's decision is: when one of these differs from the latest row of the same year and customer, the
# change is recorded as a new row.
AFTER_VALUES = ("grade_after", "credit_after", "limit_after", "terms_after")


@dataclass(frozen=True)
class Recorded:
    """The history table after recording: rows added for first decisions of the year, and for changed ones."""

    history: pd.DataFrame
    added: int
    corrected: int  # rows added because a decision of the year changed (the earlier row stays as it was)
    rewritten: int = 0  # rows of a decision recorded before, written again into Customers that had been changed since

    @property
    def rows(self) -> int:
        """Every row added."""
        return self.added + self.corrected + self.rewritten


def _same(a: Any, b: Any) -> bool:
    if pd.isna(a) and pd.isna(b):
        return True
    if pd.isna(a) or pd.isna(b):
        return False
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return round(float(a), 2) == round(float(b), 2)
    return a == b


def record_history(history: pd.DataFrame, rows: list[dict[str, Any]], *, written: Collection[str] = ()) -> Recorded:
    """Append each row (keys year, customer_id, the before- and after-values, reason, approved_by, applied_at)
    unless the latest row of its year and customer already holds the same after-values and its customer is not in
    ``written`` (the ids whose Customers values the run changed: their rows are always recorded); rows are never
    edited."""
    latest: dict[tuple[int, str], int] = {}
    for i, (y, c) in enumerate(zip(history["year"], history["customer_id"])):
        if not pd.isna(y):
            latest[(int(y), str(c))] = i  # later rows win: the year's current decision
    new_rows, corrected, rewritten = [], 0, 0
    for row in rows:
        index = latest.get((int(row["year"]), str(row["customer_id"])))
        if index is not None:
            if all(_same(history.iloc[index][k], row[k]) for k in AFTER_VALUES if k in row):
                if str(row["customer_id"]) not in written:
                    continue
                rewritten += 1  # the decision recorded, but Customers held another value since: written again
            else:
                corrected += 1
        new_rows.append(row)
    if new_rows:
        if APPLY_NO not in history.columns:  # a frame built before the column (the demo's): numbers kept all the same
            history = history.assign(**{APPLY_NO: pd.Series(pd.NA, index=history.index, dtype="Int64")})
        extra = pd.DataFrame(new_rows).reindex(columns=history.columns).astype(history.dtypes.to_dict())
        history = pd.concat([history, extra], ignore_index=True)
    return Recorded(history, len(new_rows) - corrected - rewritten, corrected, rewritten)


def rewritten_line(lang: Lang, count: int) -> str:
    """The summary line of an apply saying how many rows record a decision written again over values changed
    since."""
    return tr(
        lang,
        "grade history: {count:,} more row(s) for a decision recorded before, written again over values changed since",
        count=count,
    )


def credit_apply_reason(credit_grade: object) -> Message:
    """The reason of a row ``credit apply`` writes: the terms of the customer's credit grade."""
    return msg("credit terms of grade {grade}", grade=_grade(credit_grade))


def credit_undo_reason(credit_grade: object) -> Message:
    """The reason of a row ``credit apply --undo`` writes: the terms put back as they were before the apply."""
    return msg("undo of the credit terms of grade {grade}", grade=_grade(credit_grade))


def _grade(value: object) -> object:
    return "-" if is_blank(value) else value


def written_by(history: pd.DataFrame, reason: Callable[[object], Message]) -> np.ndarray:
    """Per row, True when its reason is ``reason(credit_after)`` in one of the catalog's languages."""
    texts: dict[object, set[str]] = {}
    marked = np.zeros(len(history), dtype=bool)
    for i, (text, grade) in enumerate(zip(history["reason"], history["credit_after"])):
        key = _grade(grade)
        if key not in texts:
            texts[key] = {reason(key).render(lang) for lang in LANGS}
        marked[i] = isinstance(text, str) and text.strip() in texts[key]
    return marked


def apply_numbers(history: pd.DataFrame) -> pd.Series:
    """Each row's apply number as a nullable integer (NA: a row written before applies were numbered)."""
    if APPLY_NO not in history.columns:
        return pd.Series(pd.NA, index=history.index, dtype="Int64")
    return pd.to_numeric(history[APPLY_NO], errors="coerce").round().astype("Int64")


Cell = tuple[str, str]  # a customer id, a Customers column


def undone_cells(undo_rows: pd.DataFrame, fields: Sequence[tuple[str, str, str]]) -> dict[int, set[Cell]]:
    """Per apply number, the cells an undo already put back: an undo's rows carry the number of the apply it took
    back, and a cell's before and after (``fields``: Customers column, GradeHistory before, after) differ where it
    put the cell back. They are passed over by a later undo even where they meet that apply's value again; a cell
    it left (changed since) can still be taken back."""
    found: dict[int, set[Cell]] = {}
    for number, row in zip(apply_numbers(undo_rows), undo_rows.to_dict("records")):
        if pd.isna(number):
            continue
        cid = str(row["customer_id"]).strip()
        cells = found.setdefault(int(number), set())
        cells.update((cid, column) for column, before, after in fields if not same_value(row[before], row[after]))
    return found


def apply_number(rows: pd.DataFrame) -> int | None:
    """The apply number of one apply's rows; None for rows written before applies were numbered."""
    numbers = apply_numbers(rows).dropna()
    return int(numbers.iloc[0]) if len(numbers) else None


def next_apply_no(history: pd.DataFrame) -> int:
    """The number of the next apply: one more than the highest GradeHistory holds, 1 for the first."""
    numbers = apply_numbers(history).dropna()
    return int(numbers.max()) + 1 if len(numbers) else 1


def applies(
    rows: pd.DataFrame, unnumbered: Callable[[pd.DataFrame], list[pd.DataFrame]], where: Callable[[int], Location]
) -> list[pd.DataFrame]:
    """``rows`` (one command's rows of GradeHistory, not its undos') cut into the applies that wrote them, oldest
    first: the rows written before applies were numbered, as ``unnumbered`` tells them apart, then one apply per
    number. A number no apply writes is refused, its cell named by ``where`` (a row's index -> its place)."""
    numbers = apply_numbers(rows)
    older = rows[numbers.isna().to_numpy(dtype=bool)]
    found = unnumbered(older) if len(older) else []
    for number in sorted(numbers.dropna().unique()):
        found.append(_one_apply(rows[(numbers == number).to_numpy(dtype=bool, na_value=False)], int(number), where))
    return found


def _one_apply(rows: pd.DataFrame, number: int, where: Callable[[int], Location]) -> pd.DataFrame:
    """The rows of apply ``number``, refused when a person typed the number: below 1, or on rows of two dates (an
    apply writes one date on all its rows). Taken as an apply, they would be undone in another's place."""
    if number < 1:
        raise InputError(
            msg(
                "{where}: apply number {number} was written by no apply (they count from 1): correct it before an undo",
                where=where(rows.index[0]),
                number=number,
            )
        )
    # each row's day as text, "-" for none: a row whose date was cleared is on another day than its apply's too
    days = pd.to_datetime(rows["applied_at"], errors="coerce").dt.strftime("%Y-%m-%d").fillna("-").to_numpy()
    other = days != days[0]
    if other.any():
        raise InputError(
            msg(
                "{where}: apply number {number} is on rows of two dates ({first} and {second}), and an apply "
                "writes one: correct the number before an undo",
                where=where(rows.index[int(other.argmax())]),
                number=number,
                first=days[0],
                second=days[other][0],
            )
        )
    return rows


class TakenBack(Protocol):
    """One apply taken back from a copy of Customers, as both undos try it."""

    @property
    def changes(self) -> Sequence[object]:
        """The customers it puts back."""

    @property
    def changed_since(self) -> Sequence[object]:
        """What it leaves, changed since the apply."""


Taken = TypeVar("Taken", bound=TakenBack)


def last_apply_held(found: Sequence[pd.DataFrame], take_back: Callable[[pd.DataFrame], Taken]) -> Taken | None:
    """The latest of the applies ``found`` (oldest first) taken back, unless an earlier one is the last some value
    still holds: an apply whose values all hold again what they held before it (undone, or put back by hand) is
    passed over, but one whose values were all changed since is named when no earlier apply is still held."""
    taken = None
    for rows in reversed(found):
        attempt = take_back(rows)
        if taken is None or attempt.changes or (attempt.changed_since and not taken.changed_since):
            taken = attempt
        if attempt.changes:
            break
    return taken


def history_cells(master: Master) -> Callable[[int], Location]:
    """Where a GradeHistory row's apply number is (the row's position in the table -> its sheet, row and column), as
    the master was loaded; a table built in memory is named by its data rows from 2."""
    sheet = GRADE_HISTORY.sheet(master.lang)
    header = GRADE_HISTORY.column(APPLY_NO).header(master.lang)
    loaded = master.rows.get(GRADE_HISTORY.name)
    rows = loaded.excel_rows() if loaded is not None and loaded.count == len(master.grade_history) else None
    file = master.path.name if master.path is not None else None
    return lambda i: Location(file, sheet, row=int(rows[i]) if rows is not None else i + 2, header=header)
