"""The load cache: each table read from the master workbook kept as Parquet in its history store (``master.kx/cache``).

A cached table is keyed by the CRC-32 and size, from the zip directory (nothing is decompressed to check), of every
part its values come from: its sheet part, its table part, and the workbook's own parts (the workbook with its sheet
names and date system, its relationships, shared strings, styles with the number formats that make a number a
date). Any edit of the table, by Excel, WPS, LibreOffice, openpyxl or our own save, changes one of them; a table
whose parts are unchanged loads from its Parquet file without opening the workbook; rows typed under a table are
in its sheet part too, and what the read found there (rows read as the table's, rows named) is kept with the table,
so a load from the cache tells it again. ``CACHE_FORMAT`` is in the key too, so a reader that types cells differently
never reads an older cache.

A cache file is named by its key and by a digest (SHA-256) of its own bytes, written with it in one rename; a load
takes the file only when its bytes give that digest. The key says the workbook is unchanged, not that the Parquet
file is what we wrote: a file damaged, truncated or edited in place (lines dropped from a cached Transactions, which
the next save of that table would make the workbook's) is read from the workbook instead. The digest is no
signature: a file written anew and renamed to its own new digest is taken as it is, unchecked against the
workbook's cells. Whoever can write ``master.kx/`` can write the master beside it too; the folder is guarded by the
permissions of the master's folder, not by the digest.

The cache only saves time: a folder that cannot be written or a damaged cache file means the table is read from
the workbook, never that a load fails.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from keyacct_xl.fileio import atomic_write
from keyacct_xl.history.store import CACHE_FOLDER, store_path
from keyacct_xl.master.adjustments import ADJUSTMENTS
from keyacct_xl.master.arrowread import type_kind
from keyacct_xl.master.cellcolumns import arrow_table, cells_columns, cells_values
from keyacct_xl.master.model import SheetRows, dtype_for
from keyacct_xl.master.offkind import OffKind, OffKindColumn
from keyacct_xl.master.schema import ALL_TABLES, TableSchema
from keyacct_xl.master.settings import SettingCell
from keyacct_xl.xlsx.belowtable import NOTHING_BELOW, BelowTable
from keyacct_xl.xlsx.package import TableLocation, workbook_parts

# Raise it whenever the reader or the converters type a cell differently or the cache files change (3: mixed user
# columns; 4: rows under a table; 5: times of day and durations in user columns; 6: each file named by the digest
# of its bytes; 7: cells off their column's kind).
CACHE_FORMAT = "7"
# A master this large is cached even before it has a store: a load of a few seconds is worth a folder beside it.
CACHE_FROM_BYTES = 8 * 1024**2
_META = b"keyacct_xl"
# The tables load_master reads (the optional Adjustments too), by name: their cache files keep the plain table name.
MASTER_TABLES = {t.name: t for t in (*ALL_TABLES, ADJUSTMENTS)}


@dataclass(frozen=True)
class ReadTable:
    """One table as the reader gives it: typed frame, header text by column key, its sheet, and for Settings the
    rows as written (values with their cells)."""

    frame: pd.DataFrame
    headers: dict[str, str]
    sheet: str
    cells: tuple[SettingCell, ...] = ()
    arrow: object = None  # the frame as a pyarrow Table when the reader has it (the cache is written from it)
    rows: SheetRows | None = None  # where its rows are in the sheet
    below: BelowTable = NOTHING_BELOW  # the rows under the table, outside its range: read as its own, or named
    off_kind: OffKind = field(default_factory=dict)  # its cells of another kind than their column's, as typed


def cache_folder(master_path: Path) -> Path | None:
    """Where the master's tables are cached: in its history store, once it has one or is large; else None."""
    store = store_path(master_path)
    if store.is_dir() or master_path.stat().st_size >= CACHE_FROM_BYTES:
        return store / CACHE_FOLDER
    return None


def table_keys(archive: zipfile.ZipFile, locations: Mapping[str, TableLocation]) -> dict[str, str]:
    """Per table, a key from the CRC-32 and size of the parts its values come from (the zip directory only)."""
    infos = {i.filename: i for i in archive.infolist()}

    def stamp(part: str) -> str:
        info = infos.get(part)
        return f"{part}:{info.CRC:08x}:{info.file_size}" if info else f"{part}:-"

    common = [stamp(p) for p in workbook_parts(archive)]
    return {
        name: hashlib.sha256(
            "|".join([CACHE_FORMAT, name, loc.sheet, stamp(loc.sheet_part), stamp(loc.table_part), *common]).encode()
        ).hexdigest()[:24]
        for name, loc in locations.items()
    }


def cache_name(schema: TableSchema) -> str:
    """What a table's cache files are named by: the table's name when read with the master's columns; with a digest
    of its columns when read with others (consolidation's tables with their provenance columns), so the same table
    read both ways keeps a file for each, and a change of those columns is never answered from an older file."""
    if MASTER_TABLES.get(schema.name) == schema:
        return schema.name.lower()
    digest = hashlib.sha256(repr(schema.columns).encode()).hexdigest()[:8]
    return f"{schema.name.lower()}.{digest}"


def _file(folder: Path, schema: TableSchema, key: str, data: bytes) -> Path:
    """The cache file of ``schema``'s table under ``key`` holding ``data``: named by both."""
    return folder / f"{cache_name(schema)}-{key}-{_digest(data)}.parquet"


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:32]


def _files(folder: Path, schema: TableSchema, key: str) -> list[Path]:
    """The table's cache files under ``key`` (one, unless a file was copied in beside ours)."""
    return sorted(folder.glob(f"{cache_name(schema)}-{key}-*.parquet"))


def is_cached(folder: Path, schema: TableSchema, key: str) -> bool:
    """True when the table is cached under ``key``."""
    return bool(_files(folder, schema, key))


def _verified(path: Path) -> bytes | None:
    """The bytes of the cache file at ``path`` when they give the digest its name holds; else None."""
    try:
        data = path.read_bytes()
    except OSError:
        return None
    return data if path.stem.rsplit("-", 1)[-1] == _digest(data) else None


def cached_table(folder: Path, schema: TableSchema, key: str) -> ReadTable | None:
    """The table as cached under ``key``, typed as the reader types it; None when it is not cached, damaged, or its
    bytes are not the ones its name's digest says."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    data = next((d for d in map(_verified, _files(folder, schema, key)) if d is not None), None)
    if data is None:
        return None  # not cached, or not the bytes we wrote: read from the workbook, and cached anew
    try:
        stored = pq.read_schema(pa.BufferReader(data))
        # Text read as Parquet stored it, a dictionary of distinct values: one Python string per value, not per cell.
        texts = [f.name for f in stored if _kind(schema, f.name, f.type) == "text"]
        table = pq.read_table(pa.BufferReader(data), read_dictionary=texts)
        meta = json.loads((table.schema.metadata or {})[_META])
    except (OSError, pa.ArrowException, KeyError, ValueError):
        return None  # read from the workbook instead, and cached anew
    frame = pd.DataFrame(
        {label: _typed(table.column(label), schema, label) for label in table.column_names},
        index=pd.RangeIndex(table.num_rows),
    )
    cells = tuple(SettingCell(_decode(n), _decode(v), w) for n, v, w in meta.get("cells", ()))
    rows = None if meta.get("rows") is None else _rows(str(meta["sheet"]), meta["rows"], len(frame))
    below = BelowTable(*(tuple(int(r) for r in found) for found in meta.get("below", ((), (), ()))))
    off = {
        label: OffKindColumn(letter, header, kind, {int(p): _decode(v) for p, v in held})
        for label, (letter, header, kind, held) in meta.get("off_kind", {}).items()
    }
    return ReadTable(frame, dict(meta["headers"]), str(meta["sheet"]), cells, rows=rows, below=below, off_kind=off)


def _rows(sheet: str, stored: list[Any], count: int) -> SheetRows:
    first, blank = stored
    return SheetRows(sheet, int(first), count, tuple(int(b) for b in blank))


def _kind(schema: TableSchema, label: str, kind_type: object) -> str:
    """A column's kind: the schema's, else (a column the user added) the one its stored values have."""
    return schema.column(label).kind if label in schema.keys else type_kind(kind_type)


def _typed(column: object, schema: TableSchema, label: str) -> pd.Series:
    import numpy as np
    import pyarrow as pa

    assert isinstance(column, pa.ChunkedArray)
    kind = _kind(schema, label, column.type)
    if kind == "cells":
        return cells_values(column)
    if kind != "text":
        return pd.Series(column.to_pandas(), dtype=dtype_for(kind))
    parts = []
    for chunk in column.chunks:
        if isinstance(chunk, pa.DictionaryArray):
            words = np.append(chunk.dictionary.to_numpy(zero_copy_only=False).astype(object), [None])
            parts.append(words[chunk.indices.fill_null(len(chunk.dictionary)).to_numpy()])
        else:
            parts.append(chunk.to_numpy(zero_copy_only=False).astype(object))
    values = np.concatenate(parts) if parts else np.empty(0, dtype=object)
    return pd.Series(values, dtype="object")


def keep_table(folder: Path, schema: TableSchema, key: str, read: ReadTable) -> None:
    """Cache ``read`` under ``key`` and remove the table's older cache files."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:  # a value the cache cannot hold (a cell of an unknown type) leaves the table uncached
        meta = {
            "headers": read.headers,
            "sheet": read.sheet,
            "cells": [[_encode(c.name), _encode(c.value), c.where] for c in read.cells],
            "rows": None if read.rows is None else [read.rows.first, list(read.rows.blank)],
            "below": [list(read.below.taken), list(read.below.totals), list(read.below.apart)],
            "off_kind": {
                label: [c.letter, c.header, c.kind, [[p, _encode(v)] for p, v in c.cells.items()]]
                for label, c in read.off_kind.items()
            },
        }
        table = read.arrow
        if not isinstance(table, pa.Table):
            table = arrow_table(read.frame, cells_columns(read.frame, schema.keys))
            assert isinstance(table, pa.Table)
        table = table.replace_schema_metadata({**(table.schema.metadata or {}), _META: json.dumps(meta).encode()})
        buffer = io.BytesIO()
        pq.write_table(table, buffer, compression="lz4")  # faster to write and to read back than zstd
        folder.mkdir(parents=True, exist_ok=True)
        data = buffer.getvalue()
        path = _file(folder, schema, key, data)
        with atomic_write(path, backup=False) as out:
            out.write(data)
        name = cache_name(schema)
        # the same name's older files; for other columns than the master's, also those of earlier columns' digests
        older = f"{name}-*.parquet" if name == schema.name.lower() else f"{schema.name.lower()}.*-*.parquet"
        for stale in folder.glob(older):
            if stale != path:
                stale.unlink(missing_ok=True)
    except (OSError, pa.ArrowException, TypeError, ValueError):
        return  # not cached (a read-only folder, a value Arrow cannot hold): the next load reads the workbook


# A Settings value as calamine gives it, tagged so it comes back as the same Python type.
_DECODERS = {
    "d": lambda v: dt.date.fromisoformat(v),
    "t": lambda v: dt.datetime.fromisoformat(v),
    "h": lambda v: dt.time.fromisoformat(v),
    "p": lambda v: dt.timedelta(days=v[0], seconds=v[1], microseconds=v[2]),
}


def _encode(value: object) -> object:
    if isinstance(value, dt.datetime):
        return ["t", value.isoformat()]
    if isinstance(value, dt.date):
        return ["d", value.isoformat()]
    if isinstance(value, dt.time):
        return ["h", value.isoformat()]
    if isinstance(value, dt.timedelta):
        return ["p", [value.days, value.seconds, value.microseconds]]
    if value is None or isinstance(value, (str, bool, int, float)):
        return ["v", value]
    raise TypeError(f"a setting value of type {type(value).__name__} is not cached")


def _decode(tagged: Sequence[object]) -> object:
    tag, value = tagged
    return value if tag == "v" else _DECODERS[str(tag)](value)
