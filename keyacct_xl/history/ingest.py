"""``history import``: an ERP export's sales or payment lines straight into the master's history store.

The file is read as ``rfm`` and ``abc`` read theirs (keyacct_xl/tablefile.py): the master's header aliases and the
master's parsing of dates and amounts, a bad cell named by its row. The lines become one batch, written and verified
as an archive's are; the master's save of its Settings, naming the batch, is the one step that adds them. The
manifest records the file (``"kind": "import"``, ``"source"``), so ``--undo`` can take the last import back out.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from keyacct_xl.errors import InputError
from keyacct_xl.fileio import master_write_lock
from keyacct_xl.history.archive import Moved, sweep, verify
from keyacct_xl.history.store import (
    ARCHIVED_TABLES,
    Batch,
    TableTotals,
    archived_lines,
    committed_batches,
    conform,
    lines_digest,
    month_ordered,
    read_lines,
    read_manifest,
    remove_batch,
    require_store,
    sheet_label,
    store_path,
    write_batch,
)
from keyacct_xl.history.takenout import set_aside
from keyacct_xl.i18n import Lang
from keyacct_xl.master.ids import Spellings, meant_id
from keyacct_xl.master.integrity import counted_under_their_ids
from keyacct_xl.master.model import Master
from keyacct_xl.master.products import listed_text, run_rows_resting_on
from keyacct_xl.master.reader import NOT_BLANK, REQUIRED_COLUMNS, load_master
from keyacct_xl.master.schema import LISTINGS, SETTINGS, TRANSACTIONS, TableSchema
from keyacct_xl.master.writer import save_master
from keyacct_xl.messages import Location, Message, listing, msg, tr
from keyacct_xl.notices import notify
from keyacct_xl.tablefile import Locate, read_located_table, read_table_file

TABLES = {t.attr: t for t in ARCHIVED_TABLES}  # as the command names them: transactions, payments


def import_lines(master_path: Path, source: Path, table: str) -> Moved:
    """Add the lines of ``source`` to ``table`` (transactions or payments) of the master's history store.

    The same lines imported again are refused, naming the batch that holds them; lines of the file the master holds
    already (an export overlapping the last one, or the workbook's own lines) are not imported again, and counted.
    """
    schema = _schema(table)
    required = tuple(dict.fromkeys((*REQUIRED_COLUMNS[schema.name], *NOT_BLANK[schema.name])))
    lines, locate = _read_lines(Path(source), schema, required)
    left_out = lines.attrs.get("columns_not_read", ())
    master_path = Path(master_path)
    with master_write_lock(master_path):
        master = load_master(master_path, history=False)
        respelled = _as_the_master_spells(lines, master.customers["customer_id"], locate)
        strangers = _unknown_customers(lines, master.customers["customer_id"], locate)
        frame = conform(
            lines[[c for c in master.frame(schema).columns if c in lines.columns]], master.frame(schema), schema.keys
        )
        store = store_path(master_path)
        named = committed_batches(master.settings)
        if named:  # a workbook copied without its store: the folder to bring, not a batch file it cannot find
            require_store(master_path, len(named))
        digest = lines_digest({schema.name: frame})
        for ident in named:
            if read_manifest(store, ident).lines_digest == digest:
                raise InputError(
                    msg(
                        "{source}: these lines are in the history store already (batch {batch}); nothing was imported",
                        source=source,
                        batch=ident,
                    )
                )
        frame, held = _without_held_lines(frame, master.frame(schema), master_path, named, schema.name)
        if frame.empty:
            raise InputError(
                msg(
                    "{source}: these lines are in the master or its history store already; nothing was imported",
                    source=source,
                )
            )
        batch = write_batch(
            store,
            frame["date"].max().normalize() + pd.Timedelta(days=1),
            {schema.name: frame},
            after=named,
            source=Path(source).name,
        )
        try:
            verify(store, batch, {schema.name: month_ordered(frame)})
        except InputError:
            remove_batch(store, batch)
            raise
        master.settings = dataclasses.replace(master.settings, history_store=",".join([*named, batch.id]))
        save_master(master, master_path, tables=[SETTINGS.name])
    if left_out:
        notify(
            msg(
                "{source}: column(s) not imported, the history store holds the master's own columns only: {columns}",
                source=Path(source).name,
                columns=listing(left_out),
            )
        )
    if respelled:
        notify(
            msg(
                "{count:,} imported line(s) name a customer by its id typed in another case or width, read as the "
                "master's: {lines}",
                count=len(respelled),
                lines=listing(respelled[:MAX_NAMED]),
            )
        )
    if strangers:
        notify(
            msg(
                "{count:,} imported line(s) name a customer id the master's Customers do not hold: {lines}; {counted}",
                count=len(strangers),
                lines=listing(strangers[:MAX_NAMED]),
                counted=counted_under_their_ids(),
            )
        )
    return Moved(batch.id, {schema.name: len(frame)}, already_held=held)


def _read_lines(source: Path, schema: TableSchema, required: tuple[str, ...]) -> tuple[pd.DataFrame, Locate]:
    """The export's lines and where each is: a cell or CSV line, or a Parquet file's row (it has no cells)."""
    if source.suffix.lower() == ".parquet":
        lines = read_table_file(source, schema.columns, required=required)
        return lines, lambda i, _key: Location(file=source.name, row=i + 1)
    return read_located_table(source, schema.columns, required=required)


MAX_NAMED = 20  # lines named in the notice of unknown customers; the count says how many there are


def _as_the_master_spells(lines: pd.DataFrame, known: pd.Series, locate: Locate) -> list[Message]:
    """Ids typed in another case or width (c0001, Ｃ0001, " C0001 " for C0001) made the master's in ``lines``, as
    consolidation reads them, and where each was: else they were stored as a customer no grade or ageing counts."""
    master_ids = {str(k) for k in known.dropna()}
    spelled = Spellings(known)
    ids = lines["customer_id"]
    meant = {typed: meant_id(typed, master_ids, spelled) for typed in ids.dropna().unique()}
    respelled = {typed: cid for typed, cid in meant.items() if cid is not None}
    if not respelled:
        return []
    at = np.flatnonzero(ids.isin(list(respelled)).to_numpy())
    told = [
        msg(
            "{where}: {typed!r} → {cid}",
            where=locate(int(i), "customer_id"),
            typed=ids.iloc[i],
            cid=respelled[ids.iloc[i]],
        )
        for i in at
    ]
    lines["customer_id"] = ids.map(lambda v: respelled.get(v, v))
    return told


def _unknown_customers(lines: pd.DataFrame, known: pd.Series, locate: Locate) -> list[Message]:
    """Where each line naming a customer id not in ``known`` is in the file, with the id."""
    ids = lines["customer_id"]
    unknown = ~ids.isin(set(known.dropna())) & ids.notna()
    return [
        msg("{where} ({customer})", where=locate(int(i), "customer_id"), customer=ids.iloc[i])
        for i in np.flatnonzero(unknown.to_numpy())
    ]


@dataclass(frozen=True)
class ImportUndone:
    """What ``history import --undo`` took out: the batch (None: the store held none), the file it came from, and per
    table the batch's lines and the store's before and after."""

    batch: Batch | None
    store_before: dict[str, TableTotals]
    store_after: dict[str, TableTotals]

    def summary(self, lang: Lang) -> str:
        """A line with the batch and its file, then a line per table: lines taken out, the store before and after."""
        if self.batch is None:
            return tr(lang, "nothing to undo: the history store holds no batch")
        lines = [
            tr(
                lang,
                "taken out of the history store: batch {batch}, imported from {source}",
                batch=self.batch.id,
                source=self.batch.source,
            )
        ]
        for t in ARCHIVED_TABLES:
            taken = self.batch.totals.get(t.name, TableTotals(0, 0.0))
            lines.append(
                tr(
                    lang,
                    "  {table}: {lines:,} lines ({amount:,.2f}) taken out; the store held {before:,} lines "
                    "({before_amount:,.2f}), now {after:,} ({after_amount:,.2f})",
                    table=sheet_label(t),
                    lines=taken.lines,
                    amount=taken.amount,
                    before=self.store_before[t.name].lines,
                    before_amount=self.store_before[t.name].amount,
                    after=self.store_after[t.name].lines,
                    after_amount=self.store_after[t.name].amount,
                )
            )
        return "\n".join(lines)


def undo_import(master_path: Path) -> ImportUndone:
    """Take the last batch of the master's history store back out, when ``history import`` wrote it.

    Only the last: a batch's id chains over the batches before it. Never an archive's batch: its lines left the
    workbook and would be lost. As restore does, the master's save (Settings without the batch, with a backup) is
    the one step that takes the lines out; the batch's files are deleted after it, and a run killed between the two
    leaves an unnamed import batch, counted by no reader, that the next archive or restore sweeps.
    """
    master_path = Path(master_path)
    with master_write_lock(master_path):
        master = load_master(master_path, history=False)
        sweep(master)
        named = committed_batches(master.settings)
        if not named:
            return ImportUndone(None, {}, {})
        store = store_path(master_path)
        batches = [read_manifest(store, b) for b in named]
        last = batches[-1]
        if not last.imported:
            raise InputError(
                msg(
                    "{store}: the history store's last batch {batch} was not written by history import (an archive's "
                    "lines, moved out of the workbook, or a batch stored before imports were marked): it is not "
                    "taken out; history restore puts archived lines back into the workbook",
                    store=store,
                    batch=last.id,
                )
            )
        _refuse_while_listed(master, batches)
        master.settings = dataclasses.replace(master.settings, history_store=",".join(named[:-1]))
        save_master(master, master_path, tables=[SETTINGS.name])
        set_aside(store, last)  # the backup saved above still names it
    return ImportUndone(last, _store_totals(batches), _store_totals(batches[:-1]))


def _refuse_while_listed(workbook: Master, batches: list[Batch]) -> None:
    """Refuse to take out the last batch while Listings rows a ``master listings`` run added rest on its sales lines
    alone (first sales no other line shows): taken out first, the run's undo would find no sale of those rows and
    keep them as a person's, for good. The rows are named, and the order of the two undos."""
    path, last = workbook.path, batches[-1]
    if path is None or not last.totals.get(TRANSACTIONS.name, TableTotals(0, 0.0)).lines:
        return
    store, like = store_path(path), workbook.transactions

    def sales() -> tuple[pd.DataFrame, pd.DataFrame]:
        """Every sales line of the master, and those it keeps once the batch is out."""
        left = pd.concat(
            [like, *(read_lines(store, b, TRANSACTIONS.name, like) for b in batches[:-1])], ignore_index=True
        )
        return pd.concat([left, read_lines(store, last, TRANSACTIONS.name, like)], ignore_index=True), left

    resting = run_rows_resting_on(path, sales)
    if len(resting):
        raise InputError(
            msg(
                "{store}: batch {batch} is not taken out: {sheet} rows that master listings run {runs} added are "
                "first sales of its lines: {rows}; first take them back with master listings {path} --undo (each "
                "undo takes the last run: repeat until run {first} is taken back), then undo this import",
                store=store,
                batch=last.id,
                sheet=sheet_label(LISTINGS),
                runs=listing(sorted({int(r) for r in resting["run_no"]})),
                rows=listing(listed_text(resting.head(10))),
                path=path,
                first=int(resting["run_no"].min()),
            )
        )


def _store_totals(batches: list[Batch]) -> dict[str, TableTotals]:
    """Per archived table, the lines and amount the ``batches`` hold together, by their manifests."""
    totals = {}
    for t in ARCHIVED_TABLES:
        held = [b.totals[t.name] for b in batches if t.name in b.totals]
        totals[t.name] = TableTotals(sum(h.lines for h in held), math.fsum(h.amount for h in held))
    return totals


def _without_held_lines(
    frame: pd.DataFrame, workbook: pd.DataFrame, master_path: Path, batches: tuple[str, ...], table: str
) -> tuple[pd.DataFrame, int]:
    """``frame`` less the lines the master holds already, in its workbook or its store, compared on the columns
    the file fills and counted with repeats: a line held twice skips two equal lines of the file, so two equal
    lines of one invoice still come in once each. Returns the lines to import and how many were held."""
    held = [workbook]
    if batches:
        held.append(archived_lines(master_path, batches, table, workbook))
    columns = [c for c in frame.columns if frame[c].notna().any()]  # the columns the export has
    # A store whose batches hold none of this table's lines gives a frame without its columns: nothing held there.
    held = [h[columns] for h in held if not h.empty]
    lines = pd.concat(held) if held else frame[columns].iloc[:0]
    held_keys, held_count = np.unique(pd.util.hash_pandas_object(lines, index=False).to_numpy(), return_counts=True)
    keys = pd.util.hash_pandas_object(frame[columns], index=False).to_numpy()
    at = np.minimum(np.searchsorted(held_keys, keys), max(len(held_keys) - 1, 0))
    have = np.where(held_keys[at] == keys, held_count[at], 0) if len(held_keys) else np.zeros(len(keys), dtype=int)
    seen = pd.Series(keys).groupby(keys).cumcount().to_numpy()  # this line's repeat among the file's equal lines
    new = seen >= have
    return frame[new].reset_index(drop=True), int((~new).sum())


def _schema(table: str) -> TableSchema:
    found = TABLES.get(table.strip().lower())
    if found is None:
        raise InputError(msg("--table {table}: the history store takes {tables}", table=table, tables=listing(TABLES)))
    return found
