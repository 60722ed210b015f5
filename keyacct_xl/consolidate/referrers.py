"""What keeps an undo from taking customers out of the master: rows of the master's own tables naming them, each
named where a person finds it (a sheet, or the history store for the lines kept there), with the undo that frees it.

A customer an undo removed would leave such rows naming no customer, so the undo is refused; the refusal says which
rows and in what order to take them back first (the grading applied since, the files that added rows, the lines
imported into the history store), and names by their sheet rows the rows a person typed, to delete or correct by
hand: a generic "undo the files that added those rows" names no file for rows no file added.
"""

from __future__ import annotations

import copy
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from keyacct_xl.analytics.history import credit_apply_reason, credit_undo_reason, written_by
from keyacct_xl.analytics.undo_credit import undo_credit_apply
from keyacct_xl.analytics.undo_grades import undo_year
from keyacct_xl.errors import InputError
from keyacct_xl.history.store import sheet_label
from keyacct_xl.master.model import Master
from keyacct_xl.master.schema import CUSTOMER_ID, GRADE_HISTORY, TableSchema
from keyacct_xl.messages import Message, Pair, listing, msg, row_ranges


@dataclass(frozen=True)
class Naming:
    """Rows of one place naming customers: the place (a sheet, or the history store), their customer ids, and how
    they came there (imported into the history store, added by files, or typed on the sheet by a person), with the
    sheet row of each id for the rows typed on a sheet."""

    place: Message | Pair
    ids: pd.Series
    came: Literal["store", "files", "sheet"]
    rows: tuple[int, ...] = ()


def named_rows(master: Master, schemas: Iterable[TableSchema]) -> Iterator[Naming]:
    """Each table's customer ids by the place that holds them: a table's lines in the history store (which a loaded
    table holds first) apart from its sheet's, so a stored line is never counted as a row of the sheet."""
    for schema in schemas:
        if CUSTOMER_ID.key not in schema.keys:
            continue
        ids = master.frame(schema)[CUSTOMER_ID.key]
        held = master.archived[schema.name].count if schema.name in master.archived else 0
        if held:
            yield Naming(msg("{table} in the history store", table=sheet_label(schema)), ids.iloc[:held], "store")
        typed = ids.iloc[held:]
        yield Naming(sheet_label(schema), typed, "sheet", _sheet_rows(master, schema, len(typed)))


def referring_tables(
    named: Iterable[tuple[Message | Pair, pd.Series]], created: Collection[str]
) -> tuple[set[str], list[Message]]:
    """Of the customer ids ``created``, those the customer id columns ``named`` (each with its place) hold, and each
    place holding one with its count of rows (in the reader's language)."""
    used: set[str] = set()
    places = []
    for place, ids in named:
        referring = ids[_naming(ids, created)].astype(str)
        if not referring.empty:
            used |= set(referring)
            places.append(msg("{sheet} ({count:,} row(s))", sheet=place, count=len(referring)))
    return used, places


def _naming(ids: pd.Series, created: Collection[str]) -> np.ndarray:
    """Which of ``ids`` are among ``created`` (a mask)."""
    return (ids.notna() & ids.astype(str).isin(created)).to_numpy(dtype=bool)


@dataclass(frozen=True)
class Blockers:
    """The customers of an undo that rows of other tables name, those places, and what frees them, in order."""

    used: set[str]
    places: list[Message]
    steps: list[Message]

    def params(self) -> dict[str, object]:
        """The refusal's parameters: the customers (ids), their places (tables) and the undos to run first (steps)."""
        steps = listing(self.steps, between=msg(", then "))
        return {"ids": listing(sorted(self.used)), "tables": listing(self.places), "steps": steps}


def master_blockers(
    master: Master,
    path: Path,
    created: Collection[str],
    schemas: Iterable[TableSchema],
    by_files: Iterable[tuple[Message | Pair, pd.Series]] = (),
) -> Blockers:
    """Which of the customers ``created`` the rows of ``schemas`` in ``master`` (at ``path``) and the rows other
    files wrote (``by_files``) name, and the undos that free them, latest first: the grading applied since, the
    files that added rows, the lines imported into the history store; rows a person typed on a sheet (sales,
    payments) and grade history rows no undo takes out are named by their sheet rows, to delete or correct by hand."""
    schemas = tuple(schemas)
    places = [
        *named_rows(master, [s for s in schemas if s is not GRADE_HISTORY]),
        *(Naming(place, ids, "files") for place, ids in by_files),
    ]
    used, listed = referring_tables(((p.place, p.ids) for p in places), created)
    grades = [(p.place, p.ids) for p in named_rows(master, [s for s in schemas if s is GRADE_HISTORY])]
    graded, graded_places = referring_tables(grades, created)
    steps = _grading_steps(master, path, graded) if graded else []
    naming = [(p, _naming(p.ids, created)) for p in places]
    naming = [(p, at) for p, at in naming if at.any()]
    if any(p.came == "files" for p, _ in naming):
        steps.append(msg("undo the files that added those rows"))
    steps += [_by_hand(_at(p.rows, at), p.place) for p, at in naming if p.came == "sheet"]
    if any(p.came == "store" for p, _ in naming):
        steps.append(
            msg("take the imported lines back out of the history store (history import {path} --undo)", path=path)
        )
    return Blockers(used | graded, listed + graded_places, steps)


def _by_hand(rows: Iterable[int], place: Message | Pair) -> Message:
    """The step for rows a person typed on a sheet, which no undo takes out: correct them there."""
    return msg("delete or correct by hand rows {rows} of {sheet}", rows=row_ranges(rows), sheet=place)


def _grading_steps(master: Master, path: Path, used: set[str]) -> list[Message]:
    """What frees the grade history rows naming ``used``: an undo of each grading (per year) or credit apply still
    holding a value of theirs, else deleting by hand the rows that record only what holds nothing now; by hand too
    when no undo can be worked out (a customer id twice in Customers, which those undos refuse)."""
    history = master.grade_history.reset_index(drop=True)
    naming = history["customer_id"].astype("string").str.strip().isin(used).to_numpy(dtype=bool)
    if not naming.any():
        return []
    rows = _at(_sheet_rows(master, GRADE_HISTORY, len(history)), naming)
    try:
        steps = _undos_freeing(master, path, used, history, naming)
    except InputError:  # the undo's own refusal stands; which grading to undo first is not known
        return [_by_hand(rows, sheet_label(GRADE_HISTORY))]
    if steps:
        return steps
    return [
        msg(
            "delete by hand rows {rows} of {sheet}, which record gradings that hold nothing of these customers now "
            "(undone, or no value changed)",
            rows=row_ranges(rows),
            sheet=sheet_label(GRADE_HISTORY),
        )
    ]


def _undos_freeing(
    master: Master, path: Path, used: set[str], history: pd.DataFrame, naming: np.ndarray
) -> list[Message]:
    """The undo of each grading (latest year first) and of the credit apply that would put back a value of ``used``,
    each worked out on a scratch copy of ``master``; InputError when one cannot be."""
    credit = written_by(history, credit_apply_reason) | written_by(history, credit_undo_reason)
    on = pd.to_datetime(history["applied_at"], errors="coerce").max()
    on = pd.Timestamp("2000-01-01") if pd.isna(on) else on  # the undo row worked out here is never written
    steps = []
    years = pd.to_numeric(history["year"][naming & ~credit], errors="coerce").dropna().astype(int)
    for year in sorted(set(years), reverse=True):
        undone = undo_year(_scratch(master), year, approved_by=None, applied_at=on)
        if {c.customer_id for c in undone.changes} & used:
            steps.append(msg("undo the {year} grading (grade apply {path} --undo --year {year})", year=year, path=path))
    if (naming & credit).any():
        terms_undone = undo_credit_apply(_scratch(master), approved_by=None, applied_at=on)
        if {c.customer_id for c in terms_undone.changes} & used:
            steps.append(msg("undo the credit terms applied (credit apply {path} --undo)", path=path))
    return steps


def _scratch(master: Master) -> Master:
    """A copy of ``master`` an undo may change and nobody saves: its own Customers, grade history and cells kept as
    typed (what an undo changes); the other tables (the sales lines among them) shared, not copied."""
    return replace(
        master,
        customers=master.customers.copy(),
        grade_history=master.grade_history.copy(),
        off_kind=copy.deepcopy(master.off_kind),
    )


def _sheet_rows(master: Master, schema: TableSchema, count: int) -> tuple[int, ...]:
    """The sheet row of each of the ``count`` rows of ``schema``'s sheet, as the master was loaded."""
    loaded = master.rows.get(schema.name)
    if loaded is not None and loaded.count == count:
        return tuple(int(r) for r in loaded.excel_rows())
    return tuple(range(2, count + 2))


def _at(rows: tuple[int, ...], at: np.ndarray) -> list[int]:
    """The rows of ``rows`` the mask ``at`` picks."""
    return [row for row, hit in zip(rows, at) if hit]
