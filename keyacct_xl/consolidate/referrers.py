"""What keeps an undo from taking customers out of the master: rows of the master's own tables naming them, each
named where a person finds it (a sheet, or the history store for the lines kept there), with the undo that frees it.

A customer an undo removed would leave such rows naming no customer, so the undo is refused; the refusal says which
rows and in what order to take them back first (the grading applied since, the lines imported into the history
store), since a generic "undo the files that added those rows" names no file for rows no file added.
"""

from __future__ import annotations

import copy
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from keyacct_xl.analytics.history import credit_apply_reason, credit_undo_reason, written_by
from keyacct_xl.analytics.undo_credit import undo_credit_apply
from keyacct_xl.analytics.undo_grades import undo_year
from keyacct_xl.history.store import sheet_label
from keyacct_xl.master.model import Master
from keyacct_xl.master.schema import CUSTOMER_ID, GRADE_HISTORY, TableSchema
from keyacct_xl.messages import Message, Pair, listing, msg, row_ranges


def named_rows(master: Master, schemas: Iterable[TableSchema]) -> Iterator[tuple[Message | Pair, pd.Series, bool]]:
    """Each table's customer ids by the place that holds them, and whether that is the history store: a table's
    lines there (which a loaded table holds first) apart from its sheet's, so a stored line is never counted as a
    row of the sheet."""
    for schema in schemas:
        if CUSTOMER_ID.key not in schema.keys:
            continue
        ids = master.frame(schema)[CUSTOMER_ID.key]
        held = master.archived[schema.name].count if schema.name in master.archived else 0
        if held:
            yield msg("{table} in the history store", table=sheet_label(schema)), ids.iloc[:held], True
        yield sheet_label(schema), ids.iloc[held:], False


def referring_tables(
    named: Iterable[tuple[Message | Pair, pd.Series]], created: Collection[str]
) -> tuple[set[str], list[Message]]:
    """Of the customer ids ``created``, those the customer id columns ``named`` (each with its place) hold, and each
    place holding one with its count of rows (in the reader's language)."""
    used: set[str] = set()
    places = []
    for place, ids in named:
        referring = _naming(ids, created)
        if not referring.empty:
            used |= set(referring)
            places.append(msg("{sheet} ({count:,} row(s))", sheet=place, count=len(referring)))
    return used, places


def _naming(ids: pd.Series, created: Collection[str]) -> pd.Series:
    referring = ids.dropna().astype(str)
    return referring[referring.isin(created)]


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
    files that added rows, the lines imported into the history store; grade history rows no undo takes out are
    named by their rows, to delete by hand."""
    schemas = tuple(schemas)
    others = [s for s in schemas if s is not GRADE_HISTORY]
    lines = [*named_rows(master, others), *((place, ids, False) for place, ids in by_files)]
    used, places = referring_tables(((place, ids) for place, ids, _ in lines), created)
    grades = [(place, ids) for place, ids, _ in named_rows(master, [s for s in schemas if s is GRADE_HISTORY])]
    graded, graded_places = referring_tables(grades, created)
    steps = _grading_steps(master, path, graded) if graded else []
    stored = [in_store for _, ids, in_store in lines if not _naming(ids, created).empty]
    if not all(stored):
        steps.append(msg("undo the files that added those rows"))
    if any(stored):
        steps.append(
            msg("take the imported lines back out of the history store (history import {path} --undo)", path=path)
        )
    return Blockers(used | graded, places + graded_places, steps)


def _grading_steps(master: Master, path: Path, used: set[str]) -> list[Message]:
    """What frees the grade history rows naming ``used``: an undo of each grading (per year) or credit apply still
    holding a value of theirs, else deleting by hand the rows that record only what holds nothing now."""
    history = master.grade_history.reset_index(drop=True)
    naming = history["customer_id"].astype("string").str.strip().isin(used).to_numpy(dtype=bool)
    if not naming.any():
        return []
    credit = written_by(history, credit_apply_reason) | written_by(history, credit_undo_reason)
    on = pd.to_datetime(history["applied_at"], errors="coerce").max()
    on = pd.Timestamp("2000-01-01") if pd.isna(on) else on  # the undo row worked out here is never written
    steps = []
    years = pd.to_numeric(history["year"][naming & ~credit], errors="coerce").dropna().astype(int)
    for year in sorted(set(years), reverse=True):
        undone = undo_year(copy.deepcopy(master), year, approved_by=None, applied_at=on)
        if {c.customer_id for c in undone.changes} & used:
            steps.append(msg("undo the {year} grading (grade apply {path} --undo --year {year})", year=year, path=path))
    if (naming & credit).any():
        terms_undone = undo_credit_apply(copy.deepcopy(master), approved_by=None, applied_at=on)
        if {c.customer_id for c in terms_undone.changes} & used:
            steps.append(msg("undo the credit terms applied (credit apply {path} --undo)", path=path))
    if steps:
        return steps
    return [
        msg(
            "delete by hand rows {rows} of {sheet}, which record gradings that hold nothing of these customers now "
            "(undone, or no value changed)",
            rows=row_ranges(_sheet_rows(master, naming)),
            sheet=sheet_label(GRADE_HISTORY),
        )
    ]


def _sheet_rows(master: Master, at: Iterable[bool]) -> list[int]:
    """The sheet rows of the grade history rows ``at`` (a mask), as the master was loaded."""
    loaded = master.rows.get(GRADE_HISTORY.name)
    positions = [i for i, hit in enumerate(at) if hit]
    if loaded is not None and loaded.count == len(master.grade_history):
        rows = loaded.excel_rows()
        return [int(rows[i]) for i in positions]
    return [i + 2 for i in positions]
