"""Batches of the history store the master does not name: told by ``master check`` with what they hold.

A batch counts only while the master's Settings name it (历史库批次). One left by a move stopped before its save
holds lines the workbook holds too, and the next archive or restore deletes it. One whose lines are nowhere else
(the Settings row deleted or blanked by hand, a workbook older than its store put back) takes them out of every
analysis without a word: ``master check`` names it, with its lines and amount and the value to type back.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from keyacct_xl.history.archive import held_by_workbook, sheet_label
from keyacct_xl.history.store import (
    ARCHIVED_TABLES,
    TableTotals,
    committed_batches,
    read_manifest,
    store_path,
    stored_batches,
)
from keyacct_xl.i18n import Lang
from keyacct_xl.master.reader import load_master
from keyacct_xl.master.schema import SETTINGS
from keyacct_xl.master.settings import setting_name
from keyacct_xl.messages import listing, tr


@dataclass(frozen=True)
class StrayBatch:
    """A batch of the store the master does not name: its id, what it holds, and whether the workbook holds it."""

    id: str
    totals: dict[str, TableTotals]
    in_workbook: bool

    def line(self, lang: Lang, store: str) -> str:
        """One line for ``master check``."""
        held = listing(
            [
                tr(lang, "{table} {lines:,} ({amount:,.2f})", table=sheet_label(t), lines=s.lines, amount=s.amount)
                for t in ARCHIVED_TABLES
                if (s := self.totals.get(t.name)) is not None and s.lines
            ]
        )
        if self.in_workbook:
            return tr(
                lang,
                "{store}: batch {batch} ({held}) is not named by the master, and the workbook holds its lines (a move "
                "stopped before its save): not counted twice; the next history archive or restore deletes it",
                store=store,
                batch=self.id,
                held=held,
            )
        return tr(
            lang,
            "{store}: batch {batch} ({held}) is not named by the master's Settings ({setting} on sheet {sheet}), and "
            "its lines are nowhere else: no analysis counts them. If that setting was deleted or blanked, type the "
            "batches back into it (keyacct-xl history status lists them)",
            store=store,
            batch=self.id,
            held=held,
            setting=setting_name("history_store").render(lang),
            sheet=SETTINGS.sheet(lang),
        )


def stray_batches(path: Path) -> list[StrayBatch]:
    """The batches of the store of the master at ``path`` that its Settings do not name, oldest first; the
    workbook is read (alone) only when there is one."""
    store = store_path(path)
    stray = stored_batches(store)
    if not stray:
        return []
    master = load_master(path, history=False)
    named = set(committed_batches(master.settings))
    found = []
    for ident in (b for b in stray if b not in named):
        batch = read_manifest(store, ident)
        found.append(StrayBatch(ident, dict(batch.totals), held_by_workbook(master, store, batch)))
    return found
