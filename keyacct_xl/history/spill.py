"""Lines past a worksheet's last row go to the history store, never past the sheet's end and never dropped.

A save of Transactions or Payments holding more lines than the table's sheet has rows below its header moves the
oldest lines beyond that into the master's history store as one batch, written and verified as an archive's is,
named in Settings ``history_store`` by the same save: the save is the one step that moves them (docs/history.md).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from keyacct_xl.errors import InputError
from keyacct_xl.history.store import (
    ARCHIVED_TABLES,
    committed_batches,
    month_ordered,
    remove_batch,
    store_path,
    write_batch,
)
from keyacct_xl.master.model import ArchivedRows, Master
from keyacct_xl.master.schema import TableSchema
from keyacct_xl.messages import Message, Pair, msg

SHEET_LAST_ROW = 1_048_576  # Excel's, WPS's and LibreOffice's last row of a worksheet


@dataclass(frozen=True)
class Spilled:
    """Lines of one table a save put into the history store because the worksheet could not hold them."""

    table: TableSchema
    lines: int
    batch: str

    def message(self) -> Message:
        """What moved where, naming the table and the count."""
        return msg(
            "{table}: {lines:,} lines past the worksheet's last row were put into the history store (batch "
            "{batch}); every analysis still reads them",
            table=Pair(self.table.sheet_en, self.table.sheet_zh),
            lines=self.lines,
            batch=self.batch,
        )


def rows_below(header_row: int) -> int:
    """How many body rows a table whose header is on ``header_row`` (1-based) can hold in a worksheet."""
    return SHEET_LAST_ROW - header_row


def spill_past_last_row(
    master: Master, target: Path, workbook: dict[str, pd.DataFrame], header_rows: dict[str, int]
) -> list[Spilled]:
    """Move the oldest of ``workbook``'s lines (per archived table, the rows the save would write) that do not fit
    below their table's header row into the history store beside ``target``; ``master`` then holds them as lines
    from the store and names the batch in its Settings, and ``workbook`` the rows that fit."""
    from keyacct_xl.history.archive import verify  # archive saves through the writer, which calls this module

    spilled = []
    for schema in ARCHIVED_TABLES:
        rows = workbook.get(schema.name)
        if rows is None:
            continue
        extra = len(rows) - rows_below(header_rows.get(schema.name, 1))
        if extra <= 0:
            continue
        oldest = rows["date"].to_numpy().argsort(kind="stable")[:extra]
        moving_mask = pd.Series(False, index=rows.index)
        moving_mask.iloc[oldest] = True
        moving = month_ordered(rows[moving_mask.to_numpy()])
        named = committed_batches(master.settings)
        store = store_path(target)
        batch = write_batch(
            store, moving["date"].max().normalize() + pd.Timedelta(days=1), {schema.name: moving}, after=named
        )
        try:
            verify(store, batch, {schema.name: moving})
        except InputError:
            remove_batch(store, batch)
            raise
        kept = rows[~moving_mask.to_numpy()]  # with their labels: the save finds by them where each row was
        workbook[schema.name] = kept
        _hold_as_stored(master, schema, target, moving, kept, batch.id)
        spilled.append(Spilled(schema, len(moving), batch.id))
    return spilled


def _hold_as_stored(
    master: Master, schema: TableSchema, target: Path, moving: pd.DataFrame, kept: pd.DataFrame, batch: str
) -> None:
    """The master as the reader would give it after the save: the store's lines first, this batch's last."""
    frame = master.frame(schema)
    before = master.archived.get(schema.name)
    count = before.count if before is not None else 0
    setattr(master, schema.attr, pd.concat([frame.iloc[:count], moving, kept], ignore_index=True)[list(frame.columns)])
    batches = (*committed_batches(master.settings), batch)
    master.settings = dataclasses.replace(master.settings, history_store=",".join(batches))
    for name, held in list(master.archived.items()):  # every table's lines come from the same named batches
        master.archived[name] = dataclasses.replace(held, batches=batches)
    master.archived[schema.name] = ArchivedRows(count + len(moving), target, batches)
