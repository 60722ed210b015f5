"""``grade apply --undo``: a year's applied grades, credit grades, limits and terms taken back out of Customers.

GradeHistory holds every applied decision with its values before and after (keyacct_xl/analytics/history.py). The
undo takes back the year's last apply, and a second undo the one before it: each apply numbers its rows
(``apply_no``), so two applies of one day are two steps; rows written before the numbers are told apart by their
date, as they always were. A customer's first row of the apply holds what Customers held before it, its latest row
what it wrote. The undo works cell by cell: each value the apply changed is put back where Customers still hold
what it wrote; a value changed since (a limit set by hand, a later credit apply or its undo) is left as it is and
named with the value the apply wrote, and the customer's other values are put back all the same. The undo is
recorded as one more row of the year under the apply's number (rows are never rewritten), so applying the review
again is one more row too. The last apply is the latest one some value still holds: an apply whose values all hold
again what they held before it (undone, or put back by hand) is passed over. The upgrade and support plans are not
in GradeHistory and are kept. The rows ``credit apply`` and its undo wrote are not the grading's: they are left to
``credit apply --undo`` (undo_credit.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
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
from keyacct_xl.i18n import LANGS, Lang
from keyacct_xl.master.integrity import require_unique_ids
from keyacct_xl.master.model import Master
from keyacct_xl.master.offkind import keep_typed, typed_value
from keyacct_xl.master.schema import CUSTOMERS, GRADE_HISTORY
from keyacct_xl.messages import Message, Pair, amount_text, listing, msg, tr
from keyacct_xl.parsing import is_blank, same_value

# (Customers column, GradeHistory before, GradeHistory after, what a person calls it)
FIELDS: tuple[tuple[str, str, str, Message], ...] = (
    ("grade", "grade_before", "grade_after", msg("grade")),
    ("credit_grade", "credit_before", "credit_after", msg("credit grade")),
    ("credit_limit", "limit_before", "limit_after", msg("credit limit")),
    ("payment_terms_days", "terms_before", "terms_after", msg("payment terms (days)")),
)
TERMS = ("credit_limit", "payment_terms_days")
PLANS = ("upgrade_plan", "support_plan")
CELLS = tuple((column, before, after) for column, before, after, _ in FIELDS)  # as undone_cells reads an undo's rows


@dataclass(frozen=True)
class TakenApply:
    """Which apply an undo took back: its number (应用序号; None for rows written before applies were numbered) and
    the date it was applied."""

    number: int | None
    applied_on: pd.Timestamp | None

    def undone_line(self, lang: Lang, year: int, count: int) -> str:
        """``apply No. 3 of the 2025 grades (2025-12-28) undone for 4 customer(s)``."""
        day = "-" if self.applied_on is None else self.applied_on.date()
        if not count and self.number is not None:  # its customers were all changed since: nothing was put back
            return tr(
                lang,
                "nothing to undo: every customer apply No. {number} of the {year} grades ({date}) changed was "
                "changed since",
                number=self.number,
                year=year,
                date=day,
            )
        if not count:
            return tr(
                lang,
                "nothing to undo: every customer the {year} grades applied on {date} changed was changed since",
                year=year,
                date=day,
            )
        if self.number is None:
            return tr(
                lang,
                "{year} grades applied on {date} undone for {count:,} customer(s)",
                year=year,
                date=day,
                count=count,
            )
        return tr(
            lang,
            "apply No. {number} of the {year} grades ({date}) undone for {count:,} customer(s)",
            number=self.number,
            year=year,
            date=day,
            count=count,
        )


Moved = tuple[str, Any, Any]  # a Customers column, its value before the undo, the value put back
Held = tuple[str, Any, Any]  # a Customers column changed since the apply, the value it holds, the value the apply wrote


@dataclass(frozen=True)
class Change:
    """One customer put back: each field with its value before and after the undo."""

    customer_id: str
    name: str
    fields: tuple[tuple[Message, Any, Any], ...]

    def text(self, lang: Lang) -> str:
        """``C3 丙超市: grade A → B; credit limit 500,000 → 200,000``."""
        parts = [f"{label.render(lang)} {_shown(a)} → {_shown(b)}" for label, a, b in self.fields]
        changes = tr(lang, "; ").join(parts)  # zh punctuation in a zh line: 信用额度 …，账期天数 …
        return tr(lang, "{customer} {name}: {changes}", customer=self.customer_id, name=self.name, changes=changes)


@dataclass(frozen=True)
class Kept:
    """One customer with values changed since the apply, left as they are: each with the value it holds and the
    value the apply wrote."""

    customer_id: str
    name: str
    fields: tuple[tuple[Message, Any, Any], ...]

    def text(self, lang: Lang) -> str:
        """``C4 丁店: credit limit 123,456 (the apply wrote 200,000)``."""
        parts = [
            tr(lang, "{field} {now} (the apply wrote {applied})", field=label, now=_shown(a), applied=_shown(b))
            for label, a, b in self.fields
        ]
        changes = tr(lang, "; ").join(parts)
        return tr(lang, "{customer} {name}: {changes}", customer=self.customer_id, name=self.name, changes=changes)


# The customers a summary lists one by one (a console screen, an Excel alert); GradeHistory holds every one.
SHOWN_CHANGES = 20


def change_lines(changes: Sequence[Change], lang: Lang) -> list[str]:
    """A line per customer changed, before → after, for the first ``SHOWN_CHANGES``; then one line saying how many
    more, and where each is recorded: a year's first apply changes most customers, hundreds of lines otherwise."""
    lines = [f"  {change.text(lang)}" for change in changes[:SHOWN_CHANGES]]
    if len(changes) > SHOWN_CHANGES:
        more = tr(
            lang,
            "… and {count:,} more customer(s), each with its values before and after in sheet {sheet}",
            count=len(changes) - SHOWN_CHANGES,
            sheet=Pair(GRADE_HISTORY.sheet_en, GRADE_HISTORY.sheet_zh),
        )
        lines.append(f"  {more}")
    return lines


def kept_lines(kept: Sequence[Kept], lang: Lang) -> list[str]:
    """A line per customer with values left as they are, each beside the value the apply wrote, for the first
    ``SHOWN_CHANGES``; then every other customer by id, and where the values the apply wrote are recorded."""
    lines = [f"  {one.text(lang)}" for one in kept[:SHOWN_CHANGES]]
    if len(kept) > SHOWN_CHANGES:
        more = tr(
            lang,
            "… and {count:,} more customer(s) with values left as they are: {customers} (the values the apply "
            "wrote are in sheet {sheet})",
            count=len(kept) - SHOWN_CHANGES,
            customers=listing(one.customer_id for one in kept[SHOWN_CHANGES:]),
            sheet=Pair(GRADE_HISTORY.sheet_en, GRADE_HISTORY.sheet_zh),
        )
        lines.append(f"  {more}")
    return lines


def kept_counts(kept: Sequence[Kept]) -> dict[str, int]:
    """How many values the undo left as they are (``count``), of how many customers (``customers``)."""
    return {"count": sum(len(one.fields) for one in kept), "customers": len(kept)}


def removed_names(removed: Sequence[str]) -> dict[str, object]:
    """The customers gone from Customers since the apply (``count``, ``customers``) and their sheet (``sheet``)."""
    return {"count": len(removed), "sheet": Pair(CUSTOMERS.sheet_en, CUSTOMERS.sheet_zh), "customers": listing(removed)}


def left_lines(
    kept: Sequence[Kept], removed: Sequence[str], lang: Lang, *, kept_heading: Message, removed_line: Message
) -> list[str]:
    """What an undo left as it was: ``kept_heading`` and a line per customer (``kept_lines``) when values were
    changed since, then ``removed_line`` when customers left Customers."""
    lines = [kept_heading.render(lang), *kept_lines(kept, lang)] if kept else []
    return [*lines, removed_line.render(lang)] if removed else lines


@dataclass(frozen=True)
class GradesUndone:
    """What the undo changed: the tables to save, each customer put back, the values changed since, plans kept."""

    year: int
    tables: tuple[str, ...]
    changes: tuple[Change, ...]
    changed_since: tuple[Kept, ...]  # each customer's values left as they are, changed since the apply
    plans_kept: int
    apply: TakenApply | None = None  # the apply taken back; None: none is left to take back
    applies_seen: int = 0  # the year's applies looked at when none was left to take back
    removed: tuple[str, ...] = ()  # customers of the apply no longer in Customers: nothing to put back

    def summary(self, lang: Lang) -> str:
        """A line naming the apply and the count, a line per customer with its values before and after, then what
        was left."""
        if self.apply is None and self.applies_seen:
            return tr(lang, "nothing to undo: every {year} grade apply has been undone", year=self.year)
        if self.apply is None:
            return tr(lang, "nothing to undo: the grade history holds no {year} grade apply", year=self.year)
        lines = [self.apply.undone_line(lang, self.year, len(self.changes))]
        lines += change_lines(self.changes, lang)
        lines += left_lines(
            self.changed_since,
            self.removed,
            lang,
            kept_heading=msg(
                "{count:,} value(s) of {customers:,} customer(s) left as they are, changed since the grades were "
                "applied:",
                **kept_counts(self.changed_since),
            ),
            removed_line=msg(
                "{count:,} customer(s) no longer in sheet {sheet} since the grades were applied, nothing put "
                "back: {customers}",
                **removed_names(self.removed),
            ),
        )
        if self.plans_kept:
            lines.append(
                tr(
                    lang,
                    "upgrade and support plans kept for {count:,} customer(s) (the grade history holds no plans)",
                    count=self.plans_kept,
                )
            )
        return "\n".join(lines)


def _shown(value: Any) -> str:
    if is_blank(value):
        return "-"
    if isinstance(value, (float, np.floating)):
        return amount_text(float(value))
    return str(value)


def put_back(
    customers: pd.DataFrame, i: int, before: dict[str, Any], applied: dict[str, Any]
) -> tuple[list[Moved], list[Held]]:
    """Put ``before`` back into row ``i`` of ``customers`` cell by cell, where the apply changed a value (``applied``
    differs from ``before``) and the row still holds what it wrote: each (column, value now, value put back) moved,
    and each (column, value now, value applied) changed since, left as it is. A value the apply did not change, or
    one holding its value before again, is neither."""
    moved: list[Moved] = []
    held: list[Held] = []
    for column, value in before.items():
        now = customers[column].iloc[i]
        if same_value(applied[column], value) or same_value(now, value):
            continue
        if same_value(now, applied[column]):
            moved.append((column, now, value))
        else:
            held.append((column, now, applied[column]))
    for column, _, value in moved:
        customers.loc[customers.index[i], column] = None if is_blank(value) else value
    return moved, held


def customer_name(customers: pd.DataFrame, i: int) -> str:
    """The name row ``i`` of Customers holds, as a change line shows it (blank: none)."""
    name = customers["name"].iloc[i] if "name" in customers else None
    return "" if is_blank(name) else str(name)


def _records_terms(row: dict[str, Any]) -> bool:
    return not (is_blank(row["limit_after"]) and is_blank(row["terms_after"]))


def _first_and_latest(rows: Sequence[tuple[int, dict[str, Any]]]) -> dict[str, tuple[Any, Any, int]]:
    """Per Customers column: the value before the year's first row recording it, the value after its latest, and
    the first row's label in GradeHistory (``rows`` are (label, row) pairs)."""
    found = {}
    for column, before, after, _ in FIELDS:
        recording = [(at, r) for at, r in rows if column not in TERMS or _records_terms(r)]
        if recording:
            found[column] = (recording[0][1][before], recording[-1][1][after], recording[0][0])
    return found


Typed = tuple[str, int, object]  # a Customers column, a row label, the value as typed put back there


def typed_before(master: Master, column: str, before: str, history_label: int, customer_label: int) -> list[Typed]:
    """What an undo puts back as typed into Customers' ``column`` of the row labelled ``customer_label``: the value
    GradeHistory's ``before`` cell of the row labelled ``history_label`` holds as typed (none when it holds a
    number)."""
    typed = typed_value(master.off_kind.get(GRADE_HISTORY.name), before, history_label)
    return [] if typed is None else [(column, customer_label, typed)]


def put_back_as_typed(master: Master, typed: Sequence[Typed]) -> None:
    """Have the save write the values an undo put back as they were typed (``typed_before``)."""
    for column, label, value in typed:
        keep_typed(
            master.off_kind.setdefault(CUSTOMERS.name, {}),
            column,
            label,
            value,
            kind=CUSTOMERS.column(column).kind,
            header=CUSTOMERS.column(column).header(master.lang),
        )


def keep_before_as_typed(master: Master, history: pd.DataFrame) -> None:
    """Have the rows ``history`` adds to ``master.grade_history`` hold each value before that the apply replaced as
    the customer's cell held it, typed otherwise than its column's kind (the text '800,000' in 信用额度), so an undo
    can put it back so. A value kept (a manual override) stays in the cell as typed: its row holds the number."""
    typed_cells = master.off_kind.get(CUSTOMERS.name)
    if not typed_cells:
        return
    label_of = dict(zip(master.customers["customer_id"].astype(str), master.customers.index))
    for label, cid in history["customer_id"].iloc[len(master.grade_history) :].items():
        at = label_of.get(str(cid))
        for column, before, after, _ in FIELDS:
            typed = None if at is None else typed_value(typed_cells, column, at)
            if typed is not None and not same_value(history.at[label, before], history.at[label, after]):
                keep_typed(
                    master.off_kind.setdefault(GRADE_HISTORY.name, {}),
                    before,
                    int(label),  # type: ignore[call-overload]  # concat's labels are integers
                    typed,
                    kind=GRADE_HISTORY.column(before).kind,
                    header=GRADE_HISTORY.column(before).header(master.lang),
                )


@dataclass(frozen=True)
class _TakenBack:
    """One apply taken back from a copy of Customers: the copy, each customer put back, the values changed since,
    the customers no longer in Customers, the undo's GradeHistory rows, the customers whose plans were kept."""

    customers: pd.DataFrame
    changes: tuple[Change, ...]
    kept: tuple[Kept, ...]
    removed: tuple[str, ...]
    history_rows: tuple[dict[str, Any], ...]
    plans_kept: int
    apply: TakenApply
    typed: tuple[Typed, ...] = ()  # the values put back as GradeHistory holds them typed

    @property
    def changed_since(self) -> tuple[object, ...]:
        """What it leaves: the values changed since, the customers removed since."""
        return (*self.kept, *self.removed)


def undo_year(master: Master, year: int, *, approved_by: str | None, applied_at: pd.Timestamp) -> GradesUndone:
    """Put back, in ``master`` (in memory), what Customers held before ``year``'s last grade apply."""
    require_unique_ids(master, msg("grade apply --undo"))  # which of two rows of an id would be put back?
    history = master.grade_history.reset_index(drop=True)  # positions name a row's cell (history_cells)
    # credit apply's rows and its undo's are taken back by credit apply --undo, not here (history.py, written_by)
    credit = written_by(history, credit_apply_reason) | written_by(history, credit_undo_reason)
    undos = history["reason"].map(lambda text: isinstance(text, str) and text.strip() in _undo_reasons(year))
    of_year = history[
        (history["year"].astype("Float64") == year).fillna(False).to_numpy(dtype=bool)
        & ~credit
        & ~undos.to_numpy(dtype=bool)
    ]
    dated = pd.to_datetime(of_year["applied_at"], errors="coerce").notna().to_numpy(dtype=bool)
    if dated.any():  # rows without a date (a grade table a rep sent in) are no apply's, as they never were
        of_year = of_year[dated]
    # An undo's rows carry the number of the apply it took back: the customers it put back are passed over even
    # where their values meet that apply's again (a correction that put a grade back as it was would otherwise be
    # taken back twice, and the grade flip at every undo); a customer it left (changed since) can still be.
    year_undos = (history["year"].astype("Float64") == year).fillna(False).to_numpy(dtype=bool) & undos.to_numpy(
        dtype=bool
    )
    undone = undone_cells(history[year_undos], CELLS)
    found = applies(of_year, _by_date, history_cells(master))
    taken = last_apply_held(
        found,
        lambda rows: _take_back(
            master, year, rows, approved_by, applied_at, undone.get(apply_number(rows) or 0, set())
        ),
    )
    if taken is None or not (taken.changes or taken.changed_since):
        return GradesUndone(year, (), (), (), 0, applies_seen=len(found))
    if not taken.changes:
        return GradesUndone(year, (), (), taken.kept, 0, taken.apply, removed=taken.removed)
    master.customers = taken.customers
    put_back_as_typed(master, taken.typed)
    rows = list(taken.history_rows)
    # every row an undo writes puts a value back: recorded even where the year's latest row holds the same values
    master.grade_history = record_history(master.grade_history, rows, written={r["customer_id"] for r in rows}).history
    tables = ("Customers", "GradeHistory")
    return GradesUndone(year, tables, taken.changes, taken.kept, taken.plans_kept, taken.apply, removed=taken.removed)


def _take_back(
    master: Master,
    year: int,
    rows: pd.DataFrame,
    approved_by: str | None,
    applied_at: pd.Timestamp,
    put_back_before: set[tuple[str, str]],
) -> _TakenBack:
    """The apply whose GradeHistory rows are ``rows`` taken back from a copy of Customers, each value where it still
    holds what the apply wrote, but for the values (customer, column) an earlier undo of it put back."""
    by_customer: dict[str, list[tuple[int, dict[Any, Any]]]] = {}
    number = apply_number(rows)
    dates = pd.to_datetime(rows["applied_at"], errors="coerce").dropna()
    apply = TakenApply(number, pd.Timestamp(dates.max()) if len(dates) else None)
    for label, row in zip(rows.index, rows.to_dict("records")):
        by_customer.setdefault(str(row["customer_id"]), []).append((int(label), row))
    customers = master.customers.copy()
    position = {cid: i for i, cid in enumerate(customers["customer_id"].astype(str))}
    labels = {column: label for column, _, _, label in FIELDS}
    changes: list[Change] = []
    kept: list[Kept] = []
    removed: list[str] = []
    plans_kept = 0
    history_rows: list[dict[str, Any]] = []
    typed: list[Typed] = []
    before_of = {column: before for column, before, _, _ in FIELDS}
    history_labels = master.grade_history.index  # rows' positions in the undo's copy -> the labels read
    for cid, customer_rows in by_customer.items():
        values = {  # the values the apply changed and no earlier undo of it put back
            column: (first, latest, at)
            for column, (first, latest, at) in _first_and_latest(customer_rows).items()
            if not same_value(first, latest) and (cid, column) not in put_back_before
        }
        if not values:
            continue
        if cid not in position:  # removed from Customers since: nothing to put back, and said so
            removed.append(cid)
            continue
        i = position[cid]
        now = {column: customers[column].iloc[i] for column, _, _, _ in FIELDS}  # the undo's row holds each
        moved, held = put_back(
            customers, i, {c: first for c, (first, _, _) in values.items()}, {c: v for c, (_, v, _) in values.items()}
        )
        name = customer_name(customers, i)
        if held:
            kept.append(Kept(cid, name, tuple((labels[c], a, b) for c, a, b in held)))
        if not moved:
            continue
        changes.append(Change(cid, name, tuple((labels[c], a, b) for c, a, b in moved)))
        plans_kept += any(not is_blank(customers[p].iloc[i]) for p in PLANS if p in customers)
        for column, _, _ in moved:
            label = int(history_labels[values[column][2]])
            typed += typed_before(master, column, before_of[column], label, int(customers.index[i]))
        undo = _history_row(year, cid, now, {c: b for c, _, b in moved}, approved_by, applied_at, master)
        history_rows.append({**undo, APPLY_NO: number})
    return _TakenBack(
        customers, tuple(changes), tuple(kept), tuple(removed), tuple(history_rows), plans_kept, apply, tuple(typed)
    )


def undo_reason(year: int) -> Message:
    """The reason of the rows an undo of ``year``'s grades writes."""
    return msg("undo of the {year} grades", year=year)


def _undo_reasons(year: int) -> set[str]:
    """The reason an undo of ``year``'s grades writes, in every catalog language."""
    return {undo_reason(year).render(lang) for lang in LANGS}


def _by_date(rows: pd.DataFrame) -> list[pd.DataFrame]:
    """Rows written before applies were numbered, one apply per date, oldest first (all of them one apply when none
    is dated): two applies of one day written then cannot be told apart."""
    dates = pd.to_datetime(rows["applied_at"], errors="coerce")
    if not dates.notna().any():
        return [rows]
    return [rows[(dates == day).to_numpy(dtype=bool)] for day in sorted(dates.dropna().unique())]


def _history_row(
    year: int,
    cid: str,
    now: dict[str, Any],
    put_back: dict[str, Any],
    approved_by: str | None,
    applied_at: pd.Timestamp,
    master: Master,
) -> dict[str, Any]:
    """The undo as a GradeHistory row: the values before it and after it, the reason saying it is an undo."""
    row: dict[str, Any] = {"year": year, "customer_id": cid}
    for column, before, after, _ in FIELDS:
        if column in now:
            row[before] = now[column]
            row[after] = put_back.get(column, now[column])
    row.update(reason=undo_reason(year).render(master.lang), approved_by=approved_by, applied_at=applied_at)
    return row
