"""Batches a restore or an undo took out of the history store, set aside while the master's backup names them.

``history restore`` and ``history import --undo`` save the master without a batch, and the save keeps the master
before it as ``master.bak.xlsx``, which still names the batch. Deleted, its lines would be gone for anyone who puts
the backup back in place of the master (by hand, as the backup is meant to be used): every command would then stop
on a batch it cannot find. Set aside in ``master.kx/taken-out/`` (the store's own layout, outside the folders a
Parquet reader takes as the tables' datasets), the batch is brought back by the first read of a master that names it
again (keyacct_xl/history/store.py, ``read_manifest``), and deleted by the first sweep after neither the master nor
its backup names it.
"""

from __future__ import annotations

from pathlib import Path

from keyacct_xl.errors import InputError, KeyacctError
from keyacct_xl.fileio import backup_path, written_path
from keyacct_xl.history.store import (
    MANIFESTS,
    TAKEN_OUT,
    Batch,
    committed_batches,
    move_batch,
    read_manifest,
    remove_batch,
    stored_batches,
)
from keyacct_xl.master.reader import open_master_book, read_settings


def set_aside(store: Path, batch: Batch) -> None:
    """Move ``batch`` from the store into its ``taken-out/`` folder: linked there first, then deleted from the store,
    so a run killed in between leaves it whole in one place at least; a batch whose removal a killed run began is
    only deleted (nothing whole is left of it to keep)."""
    move_batch(store, store / TAKEN_OUT, batch)
    remove_batch(store, batch)


def taken_out(store: Path) -> list[str]:
    """The batches set aside in the store's ``taken-out/`` folder, sorted."""
    return stored_batches(store / TAKEN_OUT)


def prune(store: Path, master_path: Path, named: set[str]) -> tuple[str, ...]:
    """Delete the batches set aside that neither the master (``named``) nor its backup names, and those back in the
    store whole; with a backup that cannot be read, keep every one. Returns the batches deleted."""
    aside = store / TAKEN_OUT
    kept = taken_out(store)
    if not kept:
        return ()
    backup = _backup_batches(master_path)
    if backup is None:
        return ()
    back = set(stored_batches(store))
    pruned = []
    for ident in kept:
        try:
            batch = read_manifest(aside, ident)
        except InputError:  # a manifest damaged there: left for a person to look at, as a stray batch is
            continue
        if (ident in back and _whole(store, batch)) or ident not in named | backup:
            remove_batch(aside, batch)
            pruned.append(ident)
    _remove_empty(aside)
    return tuple(pruned)


def _backup_batches(master_path: Path) -> set[str] | None:
    """The batches the master's backup names; empty with no backup, None when it cannot be read."""
    backup = backup_path(written_path(master_path))
    if not backup.is_file():
        return set()
    try:
        with open_master_book(backup) as book:
            return set(committed_batches(read_settings(book, backup)))
    except (KeyacctError, OSError):  # a backup a person saved over, damaged: what it names is unknown
        return None


def _whole(store: Path, batch: Batch) -> bool:
    return all((store / r).exists() for files in batch.files.values() for r in files)


def _remove_empty(aside: Path) -> None:
    for folder in (aside / MANIFESTS, aside):
        if folder.is_dir() and not any(folder.iterdir()):
            folder.rmdir()
