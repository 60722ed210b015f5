"""The history store: a folder ``master.kx/`` beside ``master.xlsx`` holding batches of archived lines.

Each batch is one archive run: its lines as Parquet files, one per table and month, laid out as a hive-partitioned
dataset (``transactions/year=2023/month=01/<batch>.parquet``) any Parquet reader can query, and a manifest
(``batches/<batch>.json``) with the counts and sums it was verified against. A batch counts only once the master's
Settings name it (``history_store``): the master's save that removes the lines from the workbook is the one
atomic step that moves them, so after any crash every line is in exactly one of the two places.

A batch a restore or an undo takes out is set aside in ``taken-out/`` (the same layout) while the master's backup
names it (keyacct_xl/history/takenout.py): the backup put back in place of the master finds it there.
"""

from __future__ import annotations

import hashlib
import io
import json
import math
import os
import re
from collections.abc import Callable, Container, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import UnionType
from typing import Any, TypeVar

import numpy as np
import pandas as pd

from keyacct_xl.errors import InputError
from keyacct_xl.fileio import atomic_write, written_path
from keyacct_xl.master.cellcolumns import arrow_table, cells_columns, own_kind, pandas_frame
from keyacct_xl.master.schema import PAYMENTS, TRANSACTIONS, TableSchema
from keyacct_xl.master.settings import Settings
from keyacct_xl.messages import Message, Pair, msg

# The tables whose older lines move to the store: the ones that grow by thousands of lines a month.
ARCHIVED_TABLES: tuple[TableSchema, ...] = (TRANSACTIONS, PAYMENTS)
_TABLES = {t.name: t for t in ARCHIVED_TABLES}
_KEYS = {t.name: t.keys for t in ARCHIVED_TABLES}  # the master's own columns, per table: the others are the user's
STORE_SUFFIX = ".kx"
MANIFESTS = "batches"
CACHE_FOLDER = "cache"  # the workbook's tables as last loaded (keyacct_xl/master/tablecache.py): no batch's lines
TAKEN_OUT = "taken-out"  # batches a restore or an undo took out, kept while the master's backup names them
# Parquet written the same way every time (no timestamps are written), so the same lines give the same bytes.
T = TypeVar("T")
_PARQUET_OPTIONS = {"compression": "zstd", "compression_level": 3, "write_statistics": True}


def store_path(master_path: Path) -> Path:
    """The history store of the master at ``master_path``: ``master.kx`` beside ``master.xlsx`` (beside the file a
    link at ``master_path`` leads to: the shared master's store, not a folder beside the link)."""
    master_path = written_path(Path(master_path))
    return master_path.with_name(master_path.stem + STORE_SUFFIX)


def committed_batches(settings: Settings) -> tuple[str, ...]:
    """The batches the master's Settings name as moved into its store, oldest first."""
    return tuple(b.strip() for b in settings.history_store.split(",") if b.strip())


@dataclass(frozen=True)
class TableTotals:
    """What a batch holds of one table: lines and the sum of their amounts (what a move is verified by)."""

    lines: int
    amount: float

    def agrees(self, other: TableTotals) -> bool:
        """Same count, and sums equal to the cent (summed in another order, floats differ in the last bits)."""
        return self.lines == other.lines and math.isclose(self.amount, other.amount, rel_tol=1e-12, abs_tol=0.005)


@dataclass(frozen=True)
class Batch:
    """One archive run's lines: its id, the date they are all before, and per table the totals and files."""

    id: str
    before: pd.Timestamp
    totals: Mapping[str, TableTotals]
    files: Mapping[str, tuple[str, ...]]  # per table, paths relative to the store
    lines_digest: str = ""  # of the lines alone (batch_id also covers the batches before): finds a repeated import
    source: str | None = None  # the file an import read (its name); None: an archive's batch, or a store before it

    @property
    def imported(self) -> bool:
        """True for a batch ``history import`` wrote: only such a batch can be taken back out (``--undo``)."""
        return self.source is not None

    def manifest(self) -> bytes:
        """The batch's manifest as written to ``batches/<id>.json``."""
        doc = {
            "id": self.id,
            "before": f"{self.before:%Y-%m-%d}",
            "lines_digest": self.lines_digest,
            "tables": {
                name: {"lines": t.lines, "amount": t.amount, "files": list(self.files[name])}
                for name, t in self.totals.items()
            },
        }
        if self.source is not None:  # an archive's manifest stays as before: its lines left the workbook
            doc |= {"kind": "import", "source": self.source}
        return (json.dumps(doc, ensure_ascii=False, indent=1, sort_keys=True) + "\n").encode()


def totals_of(frame: pd.DataFrame) -> TableTotals:
    """The lines of ``frame`` and the sum of their amounts."""
    return TableTotals(len(frame), float(math.fsum(frame["amount"].fillna(0.0))))


def lines_digest(frames: Mapping[str, pd.DataFrame]) -> str:
    """A digest of the lines of ``frames`` (by table name) and their column labels."""
    digest = hashlib.sha256()
    for name in sorted(frames):
        frame = frames[name]
        digest.update(name.encode() + b"\0" + "\0".join(map(str, frame.columns)).encode())
        digest.update(pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes())
    return digest.hexdigest()


def batch_id(before: pd.Timestamp, lines: str, after: Sequence[str] = ()) -> str:
    """``20240101-<12 hex digits>``: the cut-off date and a digest of the lines and of the batches before it, so the
    same move from the same master has the same id, and no two moves share one. ``lines`` is ``lines_digest``'s."""
    digest = hashlib.sha256(f"{before:%Y-%m-%d}\0{','.join(after)}\0{lines}".encode())
    return f"{before:%Y%m%d}-{digest.hexdigest()[:12]}"


def _parquet_bytes(frame: pd.DataFrame, cells: Sequence[str] = ()) -> bytes:
    """The lines as a Parquet file; ``cells`` are the user's columns whose cells keep their own kinds (a struct)."""
    import pyarrow.parquet as pq  # here, not at the top: every load of the master imports this module, few need Arrow

    table = arrow_table(frame.reset_index(drop=True), cells)
    buffer = io.BytesIO()
    pq.write_table(table, buffer, **_PARQUET_OPTIONS)
    return buffer.getvalue()


def _write_file(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_write(path, backup=False) as out:
        out.write(data)


def write_batch(
    store: Path,
    before: pd.Timestamp,
    frames: Mapping[str, pd.DataFrame],
    after: Sequence[str] = (),
    source: str | None = None,
) -> Batch:
    """Write the lines of ``frames`` (by table name) into ``store`` as one batch, a file per table and month;
    ``source``: the name of the file an import read them from (None for an archive).

    Every file is written atomically and the manifest last; the batch counts only once the master names it.
    """
    digest = lines_digest(frames)
    ident = batch_id(before, digest, after)
    totals, files = {}, {}
    for name, frame in frames.items():
        month = frame["date"].dt.to_period("M")
        # decided on all the lines, so that every month's file holds such a column as the same struct
        cells = cells_columns(frame, _KEYS.get(name, ()))
        written = []
        for period in sorted(month.dropna().unique()):
            relative = f"{name.lower()}/year={period.year}/month={period.month:02d}/{ident}.parquet"
            _write_file(store / relative, _parquet_bytes(frame[month == period], cells))
            written.append(relative)
        totals[name], files[name] = totals_of(frame), tuple(written)
    batch = Batch(ident, before, totals, files, digest, source)
    _write_file(store / MANIFESTS / f"{ident}.json", batch.manifest())
    return batch


_BATCH_ID = re.compile(r"\d{8}-[0-9a-f]{12}")


def _unknown_table(batch: Batch) -> str | None:
    """The first table ``batch`` names that the store does not hold (only ``ARCHIVED_TABLES`` are archived), or None.

    A table's name is a folder of the store: a manifest naming ``../../elsewhere`` would have its files read, copied
    by an export and deleted by a sweep outside the store."""
    return next((table for table in (*batch.files, *batch.totals) if table not in _KEYS), None)


def _file_outside_layout(store: Path, batch: Batch) -> str | None:
    """The first file ``batch`` names that is not where write_batch puts its files, or None.

    The store deletes the files a batch names (a sweep, a restore): a manifest dropped into the folder by hand must
    not make it delete or read ``../master.xlsx`` or an absolute path anywhere else on the disk, nor, through a folder
    of the store that is a link, a file elsewhere."""
    root = store.resolve()
    for table, files in batch.files.items():
        layout = re.compile(rf"{re.escape(table.lower())}/year=\d{{4}}/month=\d{{2}}/{re.escape(batch.id)}\.parquet")
        for relative in files:
            if not isinstance(relative, str) or not layout.fullmatch(relative):
                return str(relative)
            if not (store / relative).resolve().is_relative_to(root):
                return relative
    return None


def read_manifest(store: Path, ident: str) -> Batch:
    """The manifest of batch ``ident``; a missing or damaged one, or one naming a file outside the store's layout,
    is an InputError naming it, in our own words (never the system's English)."""
    path = store / MANIFESTS / f"{ident}.json"
    if not _BATCH_ID.fullmatch(ident):
        raise InputError(
            msg(
                "{path}: {batch} is not a batch of the history store (yyyymmdd-12 hex digits); check the Settings' "
                "History Store",
                path=store,
                batch=ident,
            )
        )
    _bring_back(store, ident)
    try:
        text = path.read_bytes().decode("utf-8")
    except FileNotFoundError:
        raise InputError(
            msg(
                "{path}: the history store has no batch {batch}, which the master names in the Settings' History "
                "Store: its lines are not on this disk (a store copied in part, or a workbook older than its store "
                "put back); copy the store again with the workbook, or put back the store of the same day",
                path=path,
                batch=ident,
            )
        ) from None
    except OSError:  # a folder in its place, no permission to read it
        raise InputError(
            msg(
                "{path}: the manifest of the history store's batch {batch} cannot be opened (a folder in its place, "
                "or no permission to read it); {advice}",
                path=path,
                batch=ident,
                advice=_put_back(store),
            )
        ) from None
    except UnicodeDecodeError:
        text = ""  # not JSON either: told below as a manifest the store did not write
    batch = _parsed_manifest(store, path, ident, text)
    unknown = _unknown_table(batch)
    if unknown is not None:
        raise InputError(
            msg(
                "{path}: the history store's batch {batch} names a table the store does not hold ({table}; it holds "
                "{tables}); nothing was read or deleted",
                path=path,
                batch=ident,
                table=unknown,
                tables=", ".join(_KEYS),
            )
        )
    outside = _file_outside_layout(store, batch)
    if outside is not None:
        raise InputError(
            msg(
                "{path}: the history store's batch {batch} names a file outside the store's layout ({file}); "
                "nothing was read or deleted",
                path=path,
                batch=ident,
                file=outside,
            )
        )
    return batch


class _Incomplete(Exception):
    """A manifest's key missing or not of the kind the store writes; ``args[0]`` names it (``tables``)."""


def _parsed_manifest(store: Path, path: Path, ident: str, text: str) -> Batch:
    """The batch the manifest ``text`` of batch ``ident`` describes; garbage, a manifest cut short, one lacking a
    key or holding another batch is an InputError naming the file and the kind of damage (a trial found Python's
    own words, ``('tables')`` or ``list indices must be integers``, quoted in a Chinese line)."""
    try:
        doc = json.loads(text)
    except ValueError:
        doc = None
    if not isinstance(doc, dict):  # empty, cut short, not JSON, or JSON that is no manifest (a list)
        raise InputError(
            msg(
                "{path}: the manifest of the history store's batch {batch} is not one the store wrote (empty, cut "
                "short or overwritten); {advice}",
                path=path,
                batch=ident,
                advice=_put_back(store),
            )
        )
    try:
        batch = _batch_of(doc)
    except _Incomplete as missing:
        raise InputError(
            msg(
                "{path}: the manifest of the history store's batch {batch} is incomplete ({key} missing or not what "
                "the store writes); {advice}",
                path=path,
                batch=ident,
                key=missing.args[0],
                advice=_put_back(store),
            )
        ) from None
    if batch.id != ident:
        raise InputError(
            msg(
                "{path}: the manifest holds batch {found}, not {batch} (renamed or copied by hand); {advice}",
                path=path,
                found=batch.id,
                batch=ident,
                advice=_put_back(store),
            )
        )
    return batch


def _batch_of(doc: Mapping[str, object]) -> Batch:
    """The batch a manifest's JSON describes; a key missing or of another kind is ``_Incomplete`` naming it."""
    tables: dict[str, object] = _field(doc, "tables", lambda v: _of_kind(v, dict))
    totals, files = {}, {}
    for name in tables:
        table = _field(tables, name, lambda v: _of_kind(v, dict), "tables.")
        where = f"tables.{name}."
        totals[name] = TableTotals(
            _field(table, "lines", lambda v: _of_kind(v, int), where), _field(table, "amount", _amount, where)
        )
        files[name] = _field(table, "files", lambda v: tuple(_of_kind(f, str) for f in _of_kind(v, list)), where)
    return Batch(
        _field(doc, "id", lambda v: _of_kind(v, str)),
        _field(doc, "before", _day),
        totals,
        files,
        _field(doc, "lines_digest", lambda v: _of_kind(v, str)) if "lines_digest" in doc else "",
        # only an import's batch names its file: an archive's manifest stays as before
        _field(doc, "source", lambda v: _of_kind(v, str)) if doc.get("kind") == "import" else None,
    )


def _field(within: Mapping[str, object], key: str, read: Callable[[object], T], where: str = "") -> T:
    """``read(within[key])``; a key missing or a value ``read`` refuses is ``_Incomplete`` naming it."""
    try:
        return read(within[key])
    except (KeyError, TypeError, ValueError, OverflowError):
        raise _Incomplete(where + key) from None


def _of_kind(value: object, kind: type | UnionType) -> Any:
    """``value`` when it is a ``kind`` (true and false are no numbers here), else TypeError."""
    if isinstance(value, bool) or not isinstance(value, kind):
        raise TypeError(kind)
    return value


def _amount(value: object) -> float:
    amount = float(_of_kind(value, int | float))
    if not math.isfinite(amount):  # JSON's NaN and Infinity, which Python's reader takes
        raise ValueError(amount)
    return amount


def _day(value: object) -> pd.Timestamp:
    day = pd.Timestamp(_of_kind(value, str))
    if pd.isna(day):  # an empty text reads as NaT
        raise ValueError(value)
    return day


def _put_back(store: Path) -> Message:
    """What to do about a damaged batch the master names: its lines are kept nowhere else."""
    folder = store.parent if store.name == TAKEN_OUT else store
    return msg(
        "the master names the batch in the Settings' History Store and its lines are kept nowhere else: put back the "
        "folder {folder} from a backup of the same day as the workbook",
        folder=folder.name,
    )


def read_lines(store: Path, batch: Batch, table: str, like: pd.DataFrame | None = None) -> pd.DataFrame:
    """The lines batch ``batch`` holds of ``table``, month by month, with the column types of ``like``."""
    import pyarrow.parquet as pq  # only a master with archived lines needs Arrow (see _parquet_bytes)

    files = [store / relative for relative in batch.files.get(table, ())]
    if not files:  # none of the table's lines moved: its columns as ``like`` has them, no line
        return conform(pd.DataFrame(columns=[] if like is None else like.columns), like, _KEYS.get(table, ()))
    # The lines the files say they hold, before any is read: a file replaced by hand (more lines, a huge one) would
    # otherwise be read, whole, as the master's.
    stated = _stated_lines(store, files)
    if stated != batch.totals[table].lines:
        _check_totals(store, batch, table, TableTotals(stated, _streamed_amount(store, files)))
    frame = pd.concat(
        [_from_store(store, path, lambda p: pandas_frame(pq.read_table(p))) for path in files], ignore_index=True
    )
    _check_totals(store, batch, table, totals_of(frame))
    return conform(frame, like, _KEYS.get(table, ()))


def _stated_lines(store: Path, files: Sequence[Path]) -> int:
    """The lines ``files`` hold by their footers alone (no row is read); a missing or damaged one is refused."""
    import pyarrow.parquet as pq

    return sum(_from_store(store, path, lambda p: pq.read_metadata(p).num_rows) for path in files)


def _streamed_amount(store: Path, files: Sequence[Path]) -> float:
    """The sum of the amounts of ``files``, read a batch of rows of that one column at a time: the figure a refusal
    quotes and ``status`` prints, taken without loading a file replaced by a huge one (a file without amounts sums
    to 0)."""
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    def amounts(path: Path) -> list[float]:
        parquet = pq.ParquetFile(path)
        if "amount" not in parquet.schema_arrow.names:
            return []
        return [pc.sum(b.column(0)).as_py() or 0.0 for b in parquet.iter_batches(columns=["amount"])]

    return math.fsum(part for path in files for part in _from_store(store, path, amounts))


def _from_store(store: Path, path: Path, read: Callable[[Path], T]) -> T:
    """``read(path)`` of a store's Parquet file; a missing or damaged one is an InputError naming it in our own
    words: the system's (``[Errno 2] Failed to open local file``, ``Parquet magic bytes not found``) are English."""
    import pyarrow as pa

    try:
        return read(path)
    except (OSError, pa.ArrowException):
        raise InputError(unreadable_file(store, path)) from None


def unreadable_file(store: Path, path: Path) -> Message:
    """What is wrong with ``path``, a store's Parquet file that could not be read: missing, or damaged."""
    if not path.exists():
        return msg(
            "{path}: this file of the history store's batch {batch} is missing; {advice}",
            path=path,
            batch=path.stem,
            advice=_put_back(store),
        )
    return msg(
        "{path}: this file of the history store's batch {batch} is not a readable Parquet file (cut short or "
        "damaged); {advice}",
        path=path,
        batch=path.stem,
        advice=_put_back(store),
    )


def sheet_label(table: TableSchema) -> Pair:
    """The table as its sheet is named in each language (销售明细, Transactions)."""
    return Pair(table.sheet_en, table.sheet_zh)


def _check_totals(store: Path, batch: Batch, table: str, found: TableTotals) -> None:
    expected = batch.totals[table]
    if not found.agrees(expected):
        raise InputError(
            msg(
                "{store}: the history store's batch {batch} does not hold what its manifest says ({table}: {lines:,} "
                "lines, {amount:,.2f}; the manifest {expected_lines:,}, {expected_amount:,.2f}): a file was replaced "
                "or damaged; nothing was read",
                store=store,
                batch=batch.id,
                table=sheet_label(_TABLES[table]) if table in _TABLES else table,
                lines=found.lines,
                amount=found.amount,
                expected_lines=expected.lines,
                expected_amount=expected.amount,
            )
        )


def conform(frame: pd.DataFrame, like: pd.DataFrame | None, ours: Container[str] = ()) -> pd.DataFrame:
    """``frame`` with each column in the dtype the master reader gives it: text as objects with None for blank.

    The master's own columns (``ours``) take ``like``'s dtype. A column of the user's takes it when its values are of
    the kind ``like``'s are; else (120000 and 待定 archived, only numbers left in the workbook) each cell keeps its
    own kind, as objects, never converted by guessing (a text of digits stays text, TRUE never becomes 1)."""
    columns = {}
    for label in frame.columns:
        values = frame[label]
        target = like[label].dtype if like is not None and label in like.columns else None
        if target is not None and not pd.api.types.is_object_dtype(target) and _fits(values, target, label in ours):
            columns[label] = values.astype(target)
        elif target is None and (
            pd.api.types.is_numeric_dtype(values)
            or pd.api.types.is_datetime64_dtype(values)
            or pd.api.types.is_timedelta64_dtype(values)  # durations, as the reader gives them
        ):
            columns[label] = values
        else:  # text, which Arrow hands back as pandas' string dtype
            columns[label] = values.astype(object).where(values.notna(), None)
    return pd.DataFrame(columns, index=pd.RangeIndex(len(frame)))


def _fits(values: pd.Series, target: np.dtype | pd.api.extensions.ExtensionDtype, ours: bool) -> bool:
    """Whether ``values`` are held as the dtype ``target`` without a cell changing its kind."""
    if ours or values.isna().all():
        return True
    return own_kind(values) == own_kind(pd.Series([], dtype=target))


def archived_lines(master_path: Path, batches: Sequence[str], table: str, like: pd.DataFrame | None) -> pd.DataFrame:
    """The lines of ``table`` in the named ``batches`` of the master's store, oldest batch first, typed as ``like``."""
    store = store_path(master_path)
    return pd.concat([read_lines(store, read_manifest(store, b), table, like) for b in batches], ignore_index=True)


def history_lines(master_path: Path, settings: Settings, like: Mapping[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """Per archived table, the lines of every batch the master's Settings name, oldest batch first."""
    batches = committed_batches(settings)
    if not batches:
        return {}
    require_store(master_path, len(batches))
    return {t.name: archived_lines(master_path, batches, t.name, like.get(t.name)) for t in ARCHIVED_TABLES}


@dataclass(frozen=True)
class Holdings:
    """The batches a master names, each checked against its files, and per archived table what their files hold."""

    batches: tuple[Batch, ...]
    totals: Mapping[str, TableTotals]


def readable_batches(master_path: Path, batches: Sequence[str]) -> Holdings:
    """The named ``batches`` of the master's store and, per archived table, the lines and amount their files hold;
    a store missing or damaged is the InputError a load gives, in the same words.

    What ``status`` and every command that moves lines (archive, restore, an undo) check first: an archive that went
    on over a damaged store deleted the files of a batch whose manifest was gone, and saved over the backup, the one
    copy left whole. Each manifest is read whole; of each file only its footer (the lines it holds) and its amount
    column, never the other columns: a fraction of a load's cost, and the figures ``status`` prints."""
    if not batches:
        return Holdings((), {t: TableTotals(0, 0.0) for t in _KEYS})
    require_store(master_path, len(batches))
    store = store_path(master_path)
    found = tuple(read_manifest(store, b) for b in batches)  # every manifest first: a lost one is named before a file
    held: dict[str, list[TableTotals]] = {t: [] for t in _KEYS}
    for batch in found:
        for table in _KEYS:
            held[table].append(_files_hold(store, batch, table))
    totals = {t: TableTotals(sum(h.lines for h in hs), math.fsum(h.amount for h in hs)) for t, hs in held.items()}
    return Holdings(found, totals)


def _files_hold(store: Path, batch: Batch, table: str) -> TableTotals:
    """What ``batch``'s files of ``table`` hold, by their footers and amount column, refused as ``read_lines``
    refuses when they disagree with the manifest (a file replaced by hand, by one of the same lines or not)."""
    files = [store / relative for relative in batch.files.get(table, ())]
    if not files:  # none of the table's lines moved
        return TableTotals(0, 0.0)
    found = TableTotals(_stated_lines(store, files), _streamed_amount(store, files))
    _check_totals(store, batch, table, found)
    return found


def require_store(master_path: Path, batches: int) -> None:
    """Refuse, in one line saying what to do, a master whose Settings name archived batches but whose history store
    is not beside it (a workbook copied or mailed without its folder): its older lines are there and nowhere else."""
    store = store_path(master_path)
    if not store.is_dir():
        raise InputError(
            msg(
                "{master}: its history store {store} is missing; the master's Settings name {batches} archived "
                "batches of older sales and payment lines kept there and nowhere else. Copy the folder {folder} "
                "beside {name} (it travels with the workbook), or restore it from a backup",
                master=master_path,
                store=store,
                batches=batches,
                folder=store.name,
                name=master_path.name,
            )
        )


def month_ordered(frame: pd.DataFrame) -> pd.DataFrame:
    """The lines in the order the store gives them back: month by month, the given order within a month."""
    month = frame["date"].dt.to_period("M")
    return frame.iloc[month.argsort(kind="stable")].reset_index(drop=True)


def stored_batches(store: Path) -> list[str]:
    """Every batch with a manifest in ``store``, named or not by the master, sorted; another file there (a copy
    Windows named "… - Copy.json") is no batch, left as it is for a person to look at."""
    folder = store / MANIFESTS
    return sorted(p.stem for p in folder.glob("*.json") if _BATCH_ID.fullmatch(p.stem)) if folder.is_dir() else []


def move_batch(source: Path, target: Path, batch: Batch) -> bool:
    """Link (or copy, where the disk has no hard links) ``batch``'s files from the store at ``source`` into the one
    at ``target``, its manifest last; False, with nothing linked, when a file is in neither (a removal a killed run
    began). Nothing is deleted: a run killed here leaves the batch whole in ``source``."""
    files = [r for table in batch.files.values() for r in table]
    if any(not (source / r).exists() and not (target / r).exists() for r in files):
        return False
    for relative in [*files, f"{MANIFESTS}/{batch.id}.json"]:
        if not (target / relative).exists():
            (target / relative).parent.mkdir(parents=True, exist_ok=True)
            _link_or_copy(source / relative, target / relative)
    return True


def _link_or_copy(source: Path, target: Path) -> None:
    try:
        os.link(source, target)
    except FileExistsError:  # another reader brought the same batch back at the same moment
        pass
    except OSError:  # FAT, exFAT and some network shares have no hard links
        _write_file(target, source.read_bytes())


def _bring_back(store: Path, ident: str) -> None:
    """Put batch ``ident`` back in place from ``taken-out/`` when it was set aside there (a master put back from its
    backup names it again), or files of it a reader found missing; the copy set aside stays until a sweep prunes it.

    Readers take no lock, so this only adds files: never deleting, two readers bringing it back at once both succeed.
    """
    aside = store / TAKEN_OUT
    if not (aside / MANIFESTS / f"{ident}.json").is_file():
        return
    try:
        batch = read_manifest(aside, ident)
    except InputError:
        if (store / MANIFESTS / f"{ident}.json").is_file():
            return  # the store holds the batch (written anew): its own copy is read, the damaged one left aside
        raise
    move_batch(aside, store, batch)


def remove_batch(store: Path, batch: Batch) -> None:
    """Delete a batch's files and then its manifest (only for a batch the master does not name)."""
    for relative in (r for files in batch.files.values() for r in files):
        (store / relative).unlink(missing_ok=True)
        for folder in (store / relative).parents:  # a month's and a year's folder once empty
            if folder == store:
                break
            if not folder.is_dir():  # removed by a run killed in the middle of this removal
                continue
            if any(folder.iterdir()):
                break
            folder.rmdir()
    (store / MANIFESTS / f"{batch.id}.json").unlink(missing_ok=True)


def files_of(store: Path, batches: Iterable[Batch], table: str) -> list[str]:
    """The Parquet files of ``table`` in ``batches``, as paths DuckDB reads."""
    return [str(store / r) for b in batches for r in b.files.get(table, ())]
