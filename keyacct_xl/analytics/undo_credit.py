"""``credit apply --undo``: the credit limits and payment terms the last ``credit apply`` changed, put back.

Each credit apply numbers its rows (``apply_no``, history.py), so the undo takes back the last apply and a second
undo the one before it, even two applies of one day. Rows written before the numbers are found by their reason
(history.py, ``written_by``) and cut into runs as they always were: the rows of one date that follow on, each
customer once and in the order of Customers (two runs of one date whose rows follow on in that order cannot be told
apart and are taken back together). Each row holds a customer's limit and terms before and after the apply. The
undo works cell by cell, as the grading's does (undo_grades.py): each value the apply changed is put back where
Customers still hold what it wrote, and a value changed since (a limit set by hand, a later grade apply) is left as
it is and named with the value the apply wrote. The undo is recorded as one more GradeHistory row per customer
under the apply's year and number (rows are never rewritten). The last apply is the latest one some value still
holds: an apply whose values all hold again what they held before it (undone, or put back by hand) is passed over.
The grade and credit grade are not credit apply's and are never changed.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import pandas as pd

from keyacct_xl.analytics.history import (
    APPLY_NO,
    applies,
    apply_number,
    credit_apply_reason,
    credit_undo_reason,
    history_cells,
    last_apply_held,
    record_history,
    undone_cells,
    written_by,
)
from keyacct_xl.analytics.undo_grades import (
    FIELDS,
    Change,
    Kept,
    Typed,
    change_lines,
    customer_name,
    kept_counts,
    left_lines,
    put_back,
    put_back_as_typed,
    removed_names,
    typed_before,
)
from keyacct_xl.i18n import Lang
from keyacct_xl.master.integrity import require_unique_ids
from keyacct_xl.master.model import Master
from keyacct_xl.messages import msg, tr

# (Customers column, GradeHistory before, GradeHistory after): what credit apply writes
TERMS = (("credit_limit", "limit_before", "limit_after"), ("payment_terms_days", "terms_before", "terms_after"))


@dataclass(frozen=True)
class TermsUndone:
    """What the undo changed: the tables to save, each customer put back, the values changed since."""

    applied_on: pd.Timestamp | None  # the date of the credit apply taken back; None: none is left to take back
    tables: tuple[str, ...]
    changes: tuple[Change, ...]
    changed_since: tuple[Kept, ...]  # each customer's values left as they are, changed since the apply
    number: int | None = None  # its apply number (应用序号); None for rows written before applies were numbered
    applies_seen: int = 0  # the credit applies looked at when none was left to take back
    removed: tuple[str, ...] = ()  # customers of the apply no longer in Customers: nothing to put back

    def summary(self, lang: Lang) -> str:
        """A line naming the apply and the count, a line per customer with its values before and after, then what
        was left."""
        if self.applied_on is None and self.applies_seen:
            return tr(lang, "nothing to undo: every credit apply has been undone")
        if self.applied_on is None:
            return tr(lang, "nothing to undo: the grade history holds no credit apply")
        count, day = len(self.changes), self.applied_on.date()
        # An apply whose customers were all changed since: nothing was put back, and the line must not read so.
        if not count and self.number is None:
            line = tr(
                lang,
                "nothing to undo: every customer the credit terms applied on {date} changed was changed since",
                date=day,
            )
        elif not count:
            line = tr(
                lang,
                "nothing to undo: every customer credit apply No. {number} ({date}) changed was changed since",
                number=self.number,
                date=day,
            )
        elif self.number is None:
            line = tr(lang, "credit terms applied on {date} undone for {count:,} customer(s)", date=day, count=count)
        else:
            line = tr(
                lang,
                "credit apply No. {number} ({date}) undone for {count:,} customer(s)",
                number=self.number,
                date=day,
                count=count,
            )
        lines = [line]
        lines += change_lines(self.changes, lang)
        lines += left_lines(
            self.changed_since,
            self.removed,
            lang,
            kept_heading=msg(
                "{count:,} value(s) of {customers:,} customer(s) left as they are, changed since the credit terms "
                "were applied:",
                **kept_counts(self.changed_since),
            ),
            removed_line=msg(
                "{count:,} customer(s) no longer in sheet {sheet} since the credit terms were applied, nothing "
                "put back: {customers}",
                **removed_names(self.removed),
            ),
        )
        return "\n".join(lines)


def credit_applies(master: Master, order: dict[str, int]) -> list[pd.DataFrame]:
    """The GradeHistory rows of each credit apply, oldest first (``order``: Customers' id -> row)."""
    history = master.grade_history.reset_index(drop=True)  # positions tell which rows follow on
    rows = history[written_by(history, credit_apply_reason)]
    return applies(rows, lambda older: _runs(older, order), history_cells(master))


def _runs(older: pd.DataFrame, order: dict[str, int]) -> list[pd.DataFrame]:
    """Rows credit apply wrote before applies were numbered, cut into its runs from the last one back: a run is the
    rows of one date that follow on in GradeHistory; it writes each customer once, in the order of Customers, so a
    customer met again, or one that comes later in Customers, belongs to an earlier run."""
    positions, dates = older.index.to_numpy(), older["applied_at"].to_numpy()
    ids = older["customer_id"].astype(str).str.strip().to_numpy()
    runs, last = [], len(older) - 1
    while last >= 0:
        first, seen = last, {ids[last]}
        while first > 0 and positions[first - 1] == positions[first] - 1 and _same_date(dates[first - 1], dates[last]):
            earlier, later = ids[first - 1], ids[first]
            if earlier in seen or order.get(earlier, -1) > order.get(later, len(order)):
                break
            first -= 1
            seen.add(earlier)
        runs.append(older.iloc[first : last + 1])
        last = first - 1
    return runs[::-1]


def _same_date(a: Any, b: Any) -> bool:
    return bool(pd.isna(a) and pd.isna(b)) or bool(a == b)


@dataclass(frozen=True)
class _TakenBack:
    """One credit apply taken back from a copy of Customers: the copy, what changed, the undo's GradeHistory rows."""

    customers: pd.DataFrame
    undone: TermsUndone
    history_rows: tuple[dict[str, Any], ...]
    typed: tuple[Typed, ...] = ()  # the values put back as GradeHistory holds them typed

    @property
    def changes(self) -> tuple[Change, ...]:
        """The customers it puts back."""
        return self.undone.changes

    @property
    def changed_since(self) -> tuple[object, ...]:
        """What it leaves: the values changed since, the customers removed since."""
        return (*self.undone.changed_since, *self.undone.removed)


def undo_credit_apply(master: Master, *, approved_by: str | None, applied_at: pd.Timestamp) -> TermsUndone:
    """Put back, in ``master`` (in memory), the limits and terms Customers held before the last credit apply."""
    require_unique_ids(master, msg("credit apply --undo"))  # which of two rows of an id would be put back?
    position = {cid: i for i, cid in enumerate(master.customers["customer_id"].astype(str).str.strip())}
    history = master.grade_history
    # An undo's rows carry the number of the apply it took back: the customers it put back are passed over even
    # where their values meet that apply's again (terms changed and changed back would otherwise be taken back
    # twice); a customer it left (changed since) can still be.
    undone = undone_cells(history[written_by(history, credit_undo_reason)], TERMS)
    found = credit_applies(master, position)
    taken = last_apply_held(
        found,
        lambda rows: _take_back(
            master, rows, position, approved_by, applied_at, undone.get(apply_number(rows) or 0, set())
        ),
    )
    if taken is None or not (taken.undone.changes or taken.changed_since):
        return TermsUndone(None, (), (), (), applies_seen=len(found))
    if not taken.undone.changes:
        return taken.undone
    master.customers = taken.customers
    put_back_as_typed(master, taken.typed)
    rows = list(taken.history_rows)
    # every row an undo writes puts a value back: recorded even where the year's latest row holds the same values
    master.grade_history = record_history(master.grade_history, rows, written={r["customer_id"] for r in rows}).history
    return replace(taken.undone, tables=("Customers", "GradeHistory"))


def _take_back(
    master: Master,
    rows: pd.DataFrame,
    position: dict[str, int],
    approved_by: str | None,
    applied_at: pd.Timestamp,
    put_back_before: set[tuple[str, str]],
) -> _TakenBack:
    """The credit apply whose GradeHistory rows are ``rows`` taken back from a copy of Customers, each value where it
    still holds what the apply wrote, but for the values (customer, column) an earlier undo of it put back."""
    customers = master.customers.copy()
    number = apply_number(rows)
    labels = {column: label for column, _, _, label in FIELDS}
    changes: list[Change] = []
    kept: list[Kept] = []
    removed: list[str] = []
    history_rows: list[dict[str, Any]] = []
    typed: list[Typed] = []
    before_of = {c: before for c, before, _ in TERMS}
    history_labels = master.grade_history.index  # rows' positions (credit_applies) -> the labels read
    for at, row in zip(rows.index, rows.to_dict("records")):
        cid = str(row["customer_id"]).strip()
        written = [(c, before, after) for c, before, after in TERMS if (cid, c) not in put_back_before]
        if not written:
            continue
        if cid not in position:  # removed from Customers since: nothing to put back, and said so
            removed.append(cid)
            continue
        i = position[cid]
        now = {column: customers[column].iloc[i] for column, _, _ in TERMS}
        moved, held = put_back(
            customers, i, {c: row[before] for c, before, _ in written}, {c: row[after] for c, _, after in written}
        )
        name = customer_name(customers, i)
        if held:
            kept.append(Kept(cid, name, tuple((labels[c], a, b) for c, a, b in held)))
        if not moved:
            continue
        for column, _, _ in moved:
            typed += typed_before(master, column, before_of[column], int(history_labels[at]), int(customers.index[i]))
        changes.append(Change(cid, name, tuple((labels[c], a, b) for c, a, b in moved)))
        undo = _history_row(row, customers.iloc[i], now, approved_by, applied_at, master.lang)
        history_rows.append({**undo, APPLY_NO: number})
    applied_on = pd.Timestamp(rows["applied_at"].iloc[-1])
    undone = TermsUndone(applied_on, (), tuple(changes), tuple(kept), number, removed=tuple(removed))
    return _TakenBack(customers, undone, tuple(history_rows), tuple(typed))


def _history_row(
    applied: dict[Any, Any],
    customer: pd.Series,
    now: dict[str, Any],
    approved_by: str | None,
    applied_at: pd.Timestamp,
    lang: Lang,
) -> dict[str, Any]:
    """The undo as a GradeHistory row of the apply's year: the values before it (``now``) and after it (``customer``,
    the row as the undo left it), the reason saying it is credit apply's undo (the grades are Customers' own,
    unchanged)."""
    grade, credit = customer["grade"], customer["credit_grade"]
    return {
        "year": applied["year"],
        "customer_id": str(applied["customer_id"]).strip(),
        "grade_before": grade,
        "grade_after": grade,
        "credit_before": credit,
        "credit_after": credit,
        "limit_before": now["credit_limit"],
        "limit_after": customer["credit_limit"],
        "terms_before": now["payment_terms_days"],
        "terms_after": customer["payment_terms_days"],
        "reason": credit_undo_reason(credit).render(lang),
        "approved_by": approved_by,
        "applied_at": applied_at,
    }
