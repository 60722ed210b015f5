"""Tables this process has read, kept in memory under their load-cache key (keyacct_xl/master/tablecache.py).

A process that loads the same master more than once (the demo's steps, the add-in's server between two button
presses, a consolidation that reads the master and then saves it) gets a table whose parts are unchanged without
parsing the workbook or the Parquet cache again. The key is the file's path and the one the load cache trusts: the
CRC-32 and size of every part the table's values come from, so any edit of the file, by anyone, is a new key. The
path is in it because a table read names its file (the Settings cells' places): a copy of the master, with the same
parts, keeps tables of its own.

Every table handed out is a copy: a caller that changes its frame changes neither the kept one nor the next
caller's. The kept tables are bounded by their cells, oldest dropped first; a table larger than the bound is not
kept (a large master is what the Parquet cache is for).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import replace
from pathlib import Path

from keyacct_xl.master.schema import TableSchema
from keyacct_xl.master.tablecache import ReadTable, cache_name

# About 120 MB of frames at the sizes our tables' cells take; a demo master's tables fit many times over.
MEMO_CELLS = 2_000_000

_kept: OrderedDict[tuple[Path, str, str], ReadTable] = OrderedDict()
_lock = threading.Lock()


def _cells(read: ReadTable) -> int:
    return max(1, read.frame.size)


def _copy(read: ReadTable) -> ReadTable:
    return replace(read, frame=read.frame.copy(), headers=dict(read.headers))


def _memo_key(path: Path, schema: TableSchema, key: str) -> tuple[Path, str, str]:
    return path.resolve(), cache_name(schema), key


def recalled(path: Path, schema: TableSchema, key: str) -> ReadTable | None:
    """A copy of the table of the file at ``path`` kept under ``key`` for ``schema``'s columns; None when it is not
    kept."""
    memo_key = _memo_key(path, schema, key)
    with _lock:
        read = _kept.get(memo_key)
        if read is None:
            return None
        _kept.move_to_end(memo_key)
    return _copy(read)


def remember(path: Path, schema: TableSchema, key: str, read: ReadTable) -> None:
    """Keep a copy of ``read``, the table of the file at ``path``, under ``key``, dropping the least recently used
    tables beyond ``MEMO_CELLS``."""
    if _cells(read) > MEMO_CELLS:
        return
    kept = replace(_copy(read), arrow=None)  # the frame alone: a cache file written from it converts it again
    memo_key = _memo_key(path, schema, key)
    with _lock:
        _kept[memo_key] = kept
        _kept.move_to_end(memo_key)
        while sum(_cells(r) for r in _kept.values()) > MEMO_CELLS:
            _kept.popitem(last=False)


def forget_tables() -> None:
    """Drop every kept table (what a test of the Parquet cache or of the workbook reader starts from)."""
    with _lock:
        _kept.clear()
