"""``master export``: a copy of the master, or a new workbook without personal data, with names and ids
replaced by pseudonyms if asked (docs/privacy.md).

Personal data is left out by writing a new workbook from the tables' values, never by blanking cells of a copy:
a workbook saved by Excel, WPS or LibreOffice keeps every string in ``sharedStrings.xml``, where a blanked cell's
text stays. Only the master's own tables are exported (read by their schemas); the user's other sheets and tables,
whose cells nothing declares, are left out and named in the result.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import signal
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from keyacct_xl.currency import CNY, currency
from keyacct_xl.errors import InputError
from keyacct_xl.fileio import (
    atomic_write,
    backup_path,
    keeps_backup,
    master_write_lock,
    refuse_writing_over_backup,
    write_replacing,
    written_path,
)
from keyacct_xl.history.store import (
    CACHE_FOLDER,
    MANIFESTS,
    committed_batches,
    history_lines,
    read_manifest,
    store_path,
    stored_batches,
)
from keyacct_xl.i18n import Lang
from keyacct_xl.master.privacy import IDENTIFYING, PERSONAL_SETTINGS
from keyacct_xl.master.reader import (
    master_schemas,
    open_master_book,
    read_settings,
    read_tables,
    with_stored_lines,
)
from keyacct_xl.master.redact import (
    MASK,
    MIN_SCRUBBED,
    Pseudonyms,
    blank_columns,
    drop_sensitive,
    pseudonymize,
    scrub_frame,
    scrubber,
)
from keyacct_xl.master.schema import ALL_TABLES, CUSTOMERS, LISTINGS, PRODUCTS, SETTINGS, TABLES_BY_NAME, TableSchema
from keyacct_xl.master.settings import parse_settings, setting_key
from keyacct_xl.master.submissions import ALL_CONSOLIDATION_TABLES
from keyacct_xl.master.writer import write_new_workbook
from keyacct_xl.messages import Message, listing, msg
from keyacct_xl.xlsx.package import TableLocation, open_package, sheet_parts

KEY_BYTES = 32


@dataclass(frozen=True)
class ExportResult:
    """What an export wrote: the file, and the sheets and tables of the source left out."""

    path: Path
    left_out_sheets: tuple[str, ...] = ()
    left_out_tables: tuple[str, ...] = ()
    unredacted_backup: Path | None = None  # a redacted export's backup beside it: an earlier file, not redacted

    def warnings(self) -> list[Message]:
        """What the person sharing the export must know: an earlier file kept beside it, with its personal data."""
        if self.unredacted_backup is None:
            return []
        return [
            msg(
                "the earlier {name} is kept as {backup}, not redacted: it may hold personal data, remove it before "
                "sharing the folder",
                name=self.path.name,
                backup=self.unredacted_backup,
            )
        ]


@dataclass
class _Table:
    schema: TableSchema
    frame: pd.DataFrame
    headers: dict[str, str]
    sheet: str


def _schemas() -> dict[str, TableSchema]:
    """Every table a master can hold, by name: the consolidation tables with their provenance columns."""
    from keyacct_xl.analytics.review_sheet import GRADE_REVIEW

    optional = (PRODUCTS, LISTINGS, GRADE_REVIEW)  # tables a master gains when a command first writes them
    return {**{s.name: s for s in ALL_TABLES}, **ALL_CONSOLIDATION_TABLES, **{s.name: s for s in optional}}


def export_master(
    source: str | Path,
    out: str | Path,
    *,
    without_sensitive: bool = False,
    key: bytes | None = None,
    force: bool = False,
) -> ExportResult:
    """Export the master ``source`` to ``out`` atomically: nothing is at ``out`` unless the export is complete, and
    a file it replaces is kept as ``out``'s backup, as every writer keeps one (``fileio.write_replacing``).

    Without options the file is copied as it is; onto another master whose history store holds batches the copy
    does not bring, only with ``force``. ``without_sensitive`` writes a new workbook of the master's tables without
    personal data; a ``key`` also replaces names and ids by pseudonyms (and implies ``without_sensitive``).
    """
    source, out = Path(source), Path(out)
    # Compared as the system resolves them, existing or not: "nosuch/../master.xlsx" is the master itself.
    if os.path.realpath(out) == os.path.realpath(source):
        raise InputError(msg("{path}: the export must go to another file than the master", path=out))
    refuse_writing_over_backup(out, source)
    if not without_sensitive and key is None:
        open_package(source).close()  # a clear error for a missing or non-xlsx master
        with master_write_lock(out), _terminated_as_exit():
            _refuse_another_masters_store(source, out, force=force)
            _copy_history(source, out)  # before the workbook that names its batches
            write_replacing(out, source.read_bytes())
        return ExportResult(out)
    _refuse_lines_beside(out)
    tables, lang, sheets, other_tables = tables_to_export(source)
    private = private_tables(tables, key=key)
    settings = private.get(SETTINGS.name)
    if settings is not None:  # the store's lines are in the workbook now: the export names no batch of a store
        settings.frame = _without_batches(settings.frame)
    company = _setting_text(settings.frame, "company_name") if settings else ""
    # the export keeps its money cells in the master's book currency
    book_currency = currency(_setting_text(settings.frame, "currency")) if settings else CNY
    with _terminated_as_exit():
        write_new_workbook(
            out,
            {t.schema: t.frame for t in private.values()},
            lang=lang,
            company=company,
            headers={n: t.headers for n, t in private.items()},
            backup=keeps_backup(out),
            currency=book_currency,
        )
    # The load cache of the file just replaced holds every table as it was last loaded, contacts included; the
    # export names no batch, so nothing of that folder is its own.
    shutil.rmtree(store_path(out) / CACHE_FOLDER, ignore_errors=True)
    kept_sheets = {t.sheet for t in tables.values()}
    backup = backup_path(written_path(out))
    left_out = tuple(s for s in sheets if s not in kept_sheets)
    return ExportResult(out, left_out, other_tables, backup if backup.exists() else None)


def _refuse_lines_beside(out: Path) -> None:
    """Refuse a redacted export to a name whose history store holds lines (an earlier plain export's, a master's):
    they would stay beside the export with every id and name, and removing them could lose a master's history."""
    store = store_path(out)
    if stored_batches(store):
        raise InputError(
            msg(
                "{store}: the history store of the earlier {path} holds its sales lines and payments with every id and "
                "name; a redacted export would leave them beside it: remove the folder or export to another name",
                store=store,
                path=out.name,
            )
        )


def _refuse_another_masters_store(source: Path, out: Path, *, force: bool) -> None:
    """Refuse a copy onto a master with a history store of its own: the batches the copy does not bring would be
    named by no workbook but the backup, and no later archive or restore would find them. With ``force`` the copy
    goes ahead only when the replaced master becomes the backup (not when the backup holds a file a person saved)."""
    with open_master_book(source) as book:
        brought = set(committed_batches(read_settings(book, source)))
    store = store_path(out)
    orphaned = [batch for batch in stored_batches(store) if batch not in brought]
    backup = backup_path(written_path(out)).name
    if not orphaned or (force and keeps_backup(out)):
        return
    if force:
        raise InputError(
            msg(
                "{path}: another master, whose history store {store} holds batch(es) {batches}; its backup "
                "{backup} holds a workbook a person saved, which keeping the replaced master would push out: move "
                "{backup} away first",
                path=out,
                store=store,
                batches=listing(orphaned),
                backup=backup,
            )
        )
    raise InputError(
        msg(
            "{path}: another master, whose history store {store} holds batch(es) {batches}; the copy would "
            "replace the workbook that names them, leaving them to no master. Export to another name, or give "
            "--force to replace it (the replaced workbook is kept as {backup}, still naming them)",
            path=out,
            store=store,
            batches=listing(orphaned),
            backup=backup,
        )
    )


def _copy_history(source: Path, out: Path) -> None:
    """The batches the master names, copied into a history store beside ``out``: the copy has every line."""
    with open_master_book(source) as book:
        batches = committed_batches(read_settings(book, source))
    store, target = store_path(source), store_path(out)
    for ident in batches:
        batch = read_manifest(store, ident)
        for relative in [*(r for files in batch.files.values() for r in files), f"{MANIFESTS}/{ident}.json"]:
            (target / relative).parent.mkdir(parents=True, exist_ok=True)
            with atomic_write(target / relative, backup=False) as stream:
                stream.write((store / relative).read_bytes())


def tables_to_export(path: Path) -> tuple[dict[str, _Table], Lang, list[str], tuple[str, ...]]:
    """The master's tables by name (typed by their schemas, read as ``load_master`` reads them), its language, its
    sheets and the tables no schema describes."""
    schemas = _schemas()
    located: dict[str, TableLocation] = {}

    def present(found: dict[str, TableLocation]) -> list[TableSchema]:
        located.update(found)
        master_schemas(found, path)  # refuses a workbook that is no master
        return [schema for name, schema in schemas.items() if name in found]

    read = read_tables(path, present)
    tables = {s.name: _without_absent_provenance(_Table(s, r.frame, r.headers, r.sheet)) for s, r in read.items()}
    lang: Lang = "zh" if tables[CUSTOMERS.name].sheet == CUSTOMERS.sheet_zh else "en"
    settings = parse_settings(read[SETTINGS].cells)
    stored = history_lines(path, settings, {n: t.frame for n, t in tables.items()})
    for name, lines in stored.items():  # the lines in the history store are the master's lines too
        table = tables[name]
        tables[name] = _Table(table.schema, with_stored_lines(lines, table.frame), table.headers, table.sheet)
    with open_package(path) as archive:
        sheets = list(sheet_parts(archive))
    return tables, lang, sheets, tuple(sorted(n for n in located if n not in schemas))


def _without_absent_provenance(table: _Table) -> _Table:
    """A data table no consolidation has written to keeps its own columns: no empty provenance columns added."""
    plain = TABLES_BY_NAME.get(table.schema.name)
    added = [k for k in table.schema.keys if plain is not None and k not in plain.keys]
    if not added or any(k in table.headers for k in added):
        return table
    return _Table(plain, table.frame.drop(columns=added), table.headers, table.sheet)


def private_tables(tables: dict[str, _Table], *, key: bytes | None = None) -> dict[str, _Table]:
    """The tables without personal data, and with pseudonyms when a ``key`` is given; values removed or replaced
    are replaced in every text cell left too (docs/privacy.md, "Free text")."""
    result, removed = {}, set()
    for name, table in tables.items():
        frame, gone = drop_sensitive(table.frame, table.schema, table.headers)
        removed |= gone
        result[name] = _Table(
            table.schema, frame, {k: v for k, v in table.headers.items() if k in frame.columns}, table.sheet
        )
    replacements: dict[str, str] = {}
    replaced: dict[str, set[str]] = {}
    if key is not None:
        pseudonyms = Pseudonyms(key)
        for name, table in result.items():
            table.frame, gone = blank_columns(table.frame, IDENTIFYING.get(name, ()))
            removed |= gone
            table.frame, replaced[name] = pseudonymize(table.frame, table.schema, pseudonyms)
        if SETTINGS.name in result:
            settings = result[SETTINGS.name]
            personal = settings.frame["setting"].map(setting_key).isin(PERSONAL_SETTINGS)  # by key, zh or en name
            settings.frame = settings.frame[~personal].reset_index(drop=True)
        replacements.update(pseudonyms.given)
    # A personal value is masked wherever it is quoted; it wins over a pseudonym for the same text.
    replacements.update({v: MASK for v in removed if len(v) >= MIN_SCRUBBED["removed"]})
    scrub = scrubber(replacements)
    for name, table in result.items():
        table.frame = scrub_frame(table.frame, scrub, skip=replaced.get(name, ()))
        table.headers = {label: scrub(header) for label, header in table.headers.items()}  # 张三的备注
    return result


def _without_batches(settings: pd.DataFrame) -> pd.DataFrame:
    """The Settings rows with History Store blank (its default: no batch)."""
    settings = settings.copy()
    settings.loc[settings["setting"].map(setting_key) == "history_store", "value"] = None
    return settings


def _setting_text(settings: pd.DataFrame, key: str) -> str:
    """The text of the Settings row ``key`` ("" when it is missing or holds no text)."""
    values = settings.loc[settings["setting"].map(setting_key) == key, "value"]
    return str(values.iloc[0]) if len(values) and isinstance(values.iloc[0], str) else ""


def key_path(master: Path) -> Path:
    """Where the pseudonym key of ``master`` is kept by default: ``master.xlsx.pseudonym-key`` beside it."""
    return master.with_name(f"{master.name}.pseudonym-key")


def pseudonym_key(path: Path, *, create: bool = True) -> bytes:
    """The key in the file ``path`` (64 hex digits); when absent and ``create``, a new random key is written
    there first, readable by its owner only. A key file is never replaced: pseudonyms stay stable."""
    if not path.exists():
        if not create:
            raise InputError(msg("{path}: no such key file", path=path))
        try:
            _create_key(path)
        except OSError as exc:
            raise InputError(
                msg(
                    "{path}: cannot create the pseudonym key ({reason}); name a key file with --key",
                    path=path,
                    reason=exc.strerror,
                )
            ) from None
    text = path.read_text(encoding="ascii", errors="replace").strip()
    try:
        key = bytes.fromhex(text)
    except ValueError:
        key = b""
    if len(key) < KEY_BYTES:
        raise InputError(
            msg(
                "{path}: not a pseudonym key (expected {digits} hex digits); restore the file or name "
                "another with --key",
                path=path,
                digits=KEY_BYTES * 2,
            )
        )
    return key


def _create_key(path: Path) -> None:
    """Write a new key beside ``path`` and link it into place: a second run at the same time keeps the first's
    key, and a killed run leaves no half-written key file."""
    staged = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
    fd = os.open(staged, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="ascii") as stream:
            stream.write(secrets.token_hex(KEY_BYTES) + "\n")
            stream.flush()
            os.fsync(stream.fileno())
        try:
            os.link(staged, path)
        except FileExistsError:
            pass  # another run created it first: theirs is the key
        except OSError:  # no hard links (FAT, some shares): rename, which another run's key may have beaten
            if not path.exists():
                os.replace(staged, path)
    finally:
        staged.unlink(missing_ok=True)


def _exit_on_term(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)


@contextlib.contextmanager
def _terminated_as_exit() -> Iterator[None]:
    """While writing, a SIGTERM (a polite kill) raises SystemExit, so the temporary file is removed; SIGKILL
    cannot be caught, and its leftover is removed by the next write to the same name."""
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "SIGTERM"):
        yield
        return
    previous = signal.signal(signal.SIGTERM, _exit_on_term)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
