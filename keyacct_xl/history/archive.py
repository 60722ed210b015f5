"""Move older lines from the master workbook into its history store and back, and say what each holds.

The move has one commit point: the master's own atomic save (with its backup) that removes the lines from the
workbook and names their batch in Settings ``history_store``. The batch is written and verified before it; a run
killed at any moment leaves each line in exactly one place, and a batch left unnamed by such a run is swept by the
next one once its lines are found still in the workbook.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import pandas as pd

from keyacct_xl.errors import InputError
from keyacct_xl.fileio import master_write_lock
from keyacct_xl.history.store import (
    ARCHIVED_TABLES,
    CACHE_FOLDER,
    TAKEN_OUT,
    Batch,
    TableTotals,
    committed_batches,
    files_of,
    month_ordered,
    read_lines,
    read_manifest,
    readable_batches,
    remove_batch,
    sheet_label,
    store_path,
    stored_batches,
    totals_of,
    unreadable_file,
    write_batch,
)
from keyacct_xl.history.takenout import prune, set_aside, taken_out
from keyacct_xl.i18n import Lang
from keyacct_xl.master.model import Master
from keyacct_xl.master.reader import load_master
from keyacct_xl.master.schema import SETTINGS, TABLES_BY_NAME, TableSchema
from keyacct_xl.master.settings import setting_name
from keyacct_xl.master.writer import save_master
from keyacct_xl.messages import Message, msg, tr

if TYPE_CHECKING:
    from duckdb import DuckDBPyConnection

EXCEL_LAST_ROW = 1_048_576  # the header takes one row of the sheet
SAVED_TABLES = [*(t.name for t in ARCHIVED_TABLES), SETTINGS.name]


@dataclass(frozen=True)
class Moved:
    """What one archive or restore run moved: the batch (None when nothing was to move) and lines per table."""

    batch: str | None
    lines: dict[str, int]
    swept: tuple[str, ...] = ()
    already_held: int = 0  # import: lines of the file the master held already, not imported again

    def summary(self, lang: Lang, *, action: Literal["archive", "restore", "import"] = "archive") -> str:
        """One line saying what moved where."""
        if self.batch is None:
            return tr(lang, "nothing to move: the history store and the workbook are as they were")
        counts = tr(
            lang,
            "{transactions:,} sales lines, {payments:,} payments",
            transactions=self.lines.get("Transactions", 0),
            payments=self.lines.get("Payments", 0),
        )
        if action == "restore":
            return tr(lang, "back in the workbook from the history store: {counts}", counts=counts)
        if action == "import":
            line = tr(
                lang, "imported into the history store (batch {batch}): {counts}", batch=self.batch, counts=counts
            )
            if self.already_held:
                line += "\n" + tr(
                    lang,
                    "{count:,} line(s) of the file the master already holds (in the workbook or the history store) "
                    "not imported again",
                    count=self.already_held,
                )
            return line
        return tr(lang, "moved into the history store (batch {batch}): {counts}", batch=self.batch, counts=counts)


def archive(master_path: Path, before: pd.Timestamp | None = None) -> Moved:
    """Move the Transactions and Payments lines dated before ``before`` into the master's history store; without
    ``before``, the lines older than the years the master's Settings keep in the workbook (``window_start``).

    Written and verified (counts, sums, every value read back) before the master is saved without them; a second
    run with the same date finds nothing to move and writes nothing.
    """
    master_path = Path(master_path)
    with master_write_lock(master_path):
        master = load_master(master_path, history=False)
        before = pd.Timestamp(before).normalize() if before is not None else window_start(master)
        swept = sweep(master)
        moving = {t.name: month_ordered(master.frame(t)[master.frame(t)["date"] < before]) for t in ARCHIVED_TABLES}
        if not any(len(f) for f in moving.values()):
            return Moved(None, {}, swept)
        named = committed_batches(master.settings)
        store = store_path(master_path)
        batch = write_batch(store, before, moving, after=named)
        try:
            verify(store, batch, moving)
        except InputError:
            remove_batch(store, batch)
            raise
        for t in ARCHIVED_TABLES:
            frame = master.frame(t)
            # The rows kept keep their labels: the save finds by them where each was, and so keeps their formulas.
            setattr(master, t.attr, frame[~(frame["date"] < before)])
        _name_batches(master, [*named, batch.id])
        save_master(master, master_path, tables=SAVED_TABLES)
    return Moved(batch.id, {name: len(f) for name, f in moving.items()}, swept)


def window_start(master: Master) -> pd.Timestamp:
    """The first day the workbook keeps by Settings ``workbook_years``: 1 January of the year that many years back
    from the latest line's (3 with lines up to 2026: 2024-01-01); from the lines, not today, so a run is
    reproducible."""
    years = master.settings.workbook_years
    if years <= 0:
        # The sheet and the setting as the master shows them, in its language: what the person looks for there.
        raise InputError(
            msg(
                "give the day to archive before (--before), or the years the workbook keeps on the sheet {sheet}, "
                "setting {setting}",
                sheet=SETTINGS.sheet(master.lang),
                setting=setting_name("workbook_years").render(master.lang),
            )
        )
    dates = pd.concat([master.frame(t)["date"] for t in ARCHIVED_TABLES]).dropna()
    latest = dates.max() if len(dates) else pd.Timestamp("1900-01-01")
    return pd.Timestamp(year=latest.year - years + 1, month=1, day=1)


def restore(master_path: Path) -> Moved:
    """Put every line of the master's history store back into the workbook, then delete the store's batches."""
    master_path = Path(master_path)
    with master_write_lock(master_path):
        master = load_master(master_path, history=False)
        swept = sweep(master)
        named = committed_batches(master.settings)
        if not named:
            return Moved(None, {}, swept)
        store = store_path(master_path)
        batches = [read_manifest(store, b) for b in named]
        lines = {}
        for t in ARCHIVED_TABLES:
            workbook = master.frame(t)
            stored = [read_lines(store, b, t.name, workbook) for b in batches]
            lines[t.name] = sum(len(s) for s in stored)
            _refuse_past_last_row(t, lines[t.name] + len(workbook))
            union = pd.concat([*stored, workbook], ignore_index=True)
            setattr(master, t.attr, union[[*workbook.columns, *(c for c in union.columns if c not in workbook)]])
        _name_batches(master, [])
        save_master(master, master_path, tables=SAVED_TABLES)
        for b in batches:  # the lines are in the workbook now; a crash here leaves unnamed batches the next run sweeps
            set_aside(store, b)  # the backup saved above still names them
    return Moved(",".join(named), lines, swept)


def _refuse_past_last_row(table: TableSchema, rows: int) -> None:
    if rows >= EXCEL_LAST_ROW:
        raise InputError(
            msg(
                "{table}: {rows:,} lines do not fit in a worksheet ({limit:,} rows); they stay in the history store",
                table=sheet_label(table),
                rows=rows,
                limit=EXCEL_LAST_ROW - 1,
            )
        )


def _name_batches(master: Master, batches: list[str]) -> None:
    master.settings = dataclasses.replace(master.settings, history_store=",".join(batches))


def verify(store: Path, batch: Batch, moving: dict[str, pd.DataFrame]) -> None:
    """Refuse a written batch unless DuckDB counts and sums what was to move, and every value reads back equal."""
    import duckdb  # here, not at the top: the CLI imports this module for every command

    with duckdb.connect() as con:
        for name, frame in moving.items():
            expected = totals_of(frame)
            files = files_of(store, [batch], name)
            found = _counted(con, store, files)
            if not found.agrees(expected) or not read_lines(store, batch, name, frame).equals(frame):
                raise InputError(
                    msg(
                        "{store}: the history store's batch {batch} does not read back as written "
                        "({table}: {lines:,} lines, {amount:,.2f}; expected {expected_lines:,}, "
                        "{expected_amount:,.2f}); the workbook is unchanged",
                        store=store,
                        batch=batch.id,
                        table=sheet_label(TABLES_BY_NAME[name]),
                        lines=found.lines,
                        amount=found.amount,
                        expected_lines=expected.lines,
                        expected_amount=expected.amount,
                    )
                )


def sweep(master: Master) -> tuple[str, ...]:
    """Take out of the store the batches the master does not name whose lines are all still in the workbook (what a
    run killed before its save leaves, or a restore after its save), whose removal a killed run began, or that an
    import wrote (an import killed before its save, an undo after it: lines the master never held or no longer
    holds, still in the file they came from); others are kept for a person to look at. Those taken out are set
    aside while the master's backup names them (keyacct_xl/history/takenout.py), deleted otherwise."""
    if master.path is None:
        return ()
    # Before anything is deleted: the batches the master names must agree with their manifests and files. A run that
    # went on over a batch whose manifest was gone deleted its files as written by no batch, then saved over the backup.
    readable_batches(master.path, committed_batches(master.settings))
    store = store_path(master.path)
    named = set(committed_batches(master.settings))
    swept = []
    for ident in stored_batches(store):
        if ident in named:
            continue
        batch = read_manifest(store, ident)
        if batch.imported or _removal_begun(store, batch) or held_by_workbook(master, store, batch):
            set_aside(store, batch)
            swept.append(ident)
    # Never a file of a batch the master names, whatever became of its manifest: its lines are nowhere else.
    _remove_unfinished_writes(store, set(stored_batches(store)) | named)
    prune(store, master.path, named)
    _remove_unfinished_writes(store / TAKEN_OUT, set(taken_out(store)) | named)
    return tuple(swept)


def _remove_unfinished_writes(store: Path, batches: set[str]) -> None:
    """Files a killed run left before it wrote a manifest: Parquet files of no batch (a reader of the folder as one
    dataset would count them) and the temporary files of an unfinished atomic write."""
    if not store.is_dir():
        return
    for path in store.rglob("*"):
        if path.is_relative_to(store / CACHE_FOLDER) or path.is_relative_to(store / TAKEN_OUT):
            continue  # the load cache's tables, not lines of a batch; the batches set aside, a store of their own
        if path.is_file() and (
            (path.suffix == ".parquet" and path.stem not in batches)
            or (path.name.startswith(".") and path.suffix == ".tmp")
        ):
            path.unlink()


def _removal_begun(store: Path, batch: Batch) -> bool:
    """True when a file of ``batch`` is missing: its manifest is written after its files and deleted after them, so
    this is a removal a killed run began (a restore after its save), to be finished."""
    return not all((store / r).exists() for files in batch.files.values() for r in files)


def held_by_workbook(master: Master, store: Path, batch: Batch) -> bool:
    """True when every line of ``batch`` is a line of the master's workbook too (a move stopped before its save)."""
    return all(_all_in(read_lines(store, batch, t.name, master.frame(t)), master.frame(t)) for t in ARCHIVED_TABLES)


def _all_in(lines: pd.DataFrame, workbook: pd.DataFrame) -> bool:
    """True when every one of ``lines`` (counted with repeats) is a line of ``workbook``."""
    if lines.empty:
        return True
    if not set(lines.columns) <= set(workbook.columns):
        return False
    have = Counter(pd.util.hash_pandas_object(workbook[list(lines.columns)], index=False))
    need = Counter(pd.util.hash_pandas_object(lines, index=False))
    return all(have[h] >= n for h, n in need.items())


@dataclass(frozen=True)
class HistoryStatus:
    """Where the master's lines are: per table in the workbook and in the store, the batches, stray batches."""

    store: Path
    batches: tuple[Batch, ...]
    workbook: dict[str, int]
    stored: dict[str, TableTotals]
    stray: tuple[str, ...]
    set_aside: tuple[str, ...] = ()

    def lines(self, lang: Lang) -> list[str]:
        """The status as lines to print."""
        out = [tr(lang, "history store: {store} ({batches} batch(es))", store=self.store, batches=len(self.batches))]
        for b in self.batches:
            if b.imported:  # an import's lines end where its file's end, not at a day chosen to archive before
                line = tr(
                    lang,
                    "  batch {batch}: imported from {source} (lines up to {last:%Y-%m-%d})",
                    batch=b.id,
                    source=b.source,
                    last=b.before - pd.Timedelta(days=1),
                )
            else:
                line = tr(lang, "  batch {batch}: lines before {before:%Y-%m-%d}", batch=b.id, before=b.before)
            out.append(line)
        for t in ARCHIVED_TABLES:
            s = self.stored[t.name]
            out.append(
                tr(
                    lang,
                    "  {table}: {workbook:,} lines in the workbook, {stored:,} in the store ({amount:,.2f})",
                    table=sheet_label(t),
                    workbook=self.workbook[t.name],
                    stored=s.lines,
                    amount=s.amount,
                )
            )
        for ident in self.stray:
            out.append(
                tr(lang, "  batch {batch} is in the store but not named by the master: not counted", batch=ident)
            )
        for ident in self.set_aside:
            out.append(
                tr(
                    lang,
                    "  batch {batch} was taken out (restore or undo) and is kept in {folder} while the backup names "
                    "it: not counted",
                    batch=ident,
                    folder=TAKEN_OUT,
                )
            )
        return out


def _counted(con: DuckDBPyConnection, store: Path, files: list[str]) -> TableTotals:
    """The lines of ``files`` and the sum of their amounts, counted by DuckDB; a damaged file is an InputError."""
    import duckdb

    if not files:
        return TableTotals(0, 0.0)
    try:
        row = con.execute("SELECT count(*), coalesce(sum(amount), 0) FROM read_parquet(?)", [files]).fetchone()
    except duckdb.Error:  # its message is DuckDB's English: the file is named in our own words instead
        raise InputError(_first_unreadable(store, files)) from None
    lines, amount = row or (0, 0.0)
    return TableTotals(int(lines), float(amount))


def _first_unreadable(store: Path, files: list[str]) -> Message:
    """The first of ``files`` missing or not a Parquet file, as a message; the store's, when each reads alone."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    for file in map(Path, files):
        try:
            pq.read_metadata(file)
        except (OSError, pa.ArrowException):
            return unreadable_file(store, file)
    return msg("{path}: the history store's files cannot be counted together; nothing was changed", path=store)


def status(master_path: Path) -> HistoryStatus:
    """What the workbook and the store hold, the store counted from its Parquet files' footers and amount columns."""
    master_path = Path(master_path)
    master = load_master(master_path, history=False)
    store = store_path(master_path)
    # Counted by the check every move runs first: a file replaced or damaged is named, never counted as the master's.
    held = readable_batches(master_path, committed_batches(master.settings))
    named = {b.id for b in held.batches}
    return HistoryStatus(
        store,
        held.batches,
        {t.name: len(master.frame(t)) for t in ARCHIVED_TABLES},
        dict(held.totals),
        tuple(b for b in stored_batches(store) if b not in named),
        tuple(b for b in taken_out(store) if b not in named),
    )
