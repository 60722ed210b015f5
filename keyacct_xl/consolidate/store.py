"""Read and write the tables consolidation touches, leaving the rest of the master unread and unchanged.

Only these tables are loaded (a large Transactions sheet is never parsed) and only the changed ones are
written back, through the part-level writer.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import python_calamine as calamine

from keyacct_xl.consolidate.tables import ALL_CONSOLIDATION_TABLES
from keyacct_xl.errors import InputError
from keyacct_xl.headers import resolve_headers
from keyacct_xl.i18n import Lang
from keyacct_xl.master.convert import convert
from keyacct_xl.master.model import dtype_for, empty_frame
from keyacct_xl.master.schema import CUSTOMERS, TableSchema
from keyacct_xl.master.writer import write_tables
from keyacct_xl.xlsx.ooxml import column_letter
from keyacct_xl.xlsx.package import open_package


@dataclass
class Store:
    """The consolidation tables of one master: frames by table name, header text as found, language."""

    path: Path
    lang: Lang
    frames: dict[str, pd.DataFrame]
    headers: dict[str, dict[str, str]] = field(default_factory=dict)
    settings: dict[str, object] = field(default_factory=dict)
    loaded_rows: dict[str, int] = field(default_factory=dict)  # rows each table had when read

    def frame(self, name: str) -> pd.DataFrame:
        """The frame of table ``name``."""
        return self.frames[name]


def load_store(path: str | Path) -> Store:
    """Read the master's consolidation tables (absent bookkeeping tables load empty)."""
    path = Path(path)
    open_package(path).close()  # a clear error for a missing, non-xlsx or bomb master first
    try:
        book = calamine.CalamineWorkbook.from_path(str(path), load_tables=True)
    except Exception as exc:  # calamine raises its own types for damaged parts
        raise InputError(f"{path}: cannot read the workbook ({exc})", f"{path}：无法读取工作簿（{exc}）") from None
    present = set(book.table_names)
    if CUSTOMERS.name not in present:
        raise InputError(f"{path}: not a master workbook (no table Customers)",
                         f"{path}：不是客户档案总表（缺少表格 Customers）")
    frames, headers = {}, {}
    lang: Lang = "zh"
    for name, schema in ALL_CONSOLIDATION_TABLES.items():
        if name not in present:
            frames[name], headers[name] = empty_frame(schema), {}
            continue
        frames[name], headers[name], sheet = _read(book, schema, path)
        if schema.name == CUSTOMERS.name:
            lang = "zh" if sheet == CUSTOMERS.sheet_zh else "en"
    return Store(path, lang, frames, headers, _settings(book, present), {n: len(f) for n, f in frames.items()})


def _settings(book: calamine.CalamineWorkbook, present: set[str]) -> dict[str, object]:
    if "Settings" not in present:
        return {}
    rows = book.get_table_by_name("Settings").to_python()
    return {str(r[0]): r[1] for r in rows if r and r[0] not in ("", None)}


def _read(book: calamine.CalamineWorkbook, schema: TableSchema,
          path: Path) -> tuple[pd.DataFrame, dict[str, str], str]:
    table = book.get_table_by_name(schema.name)
    where = f"{path.name}: sheet {table.sheet}, table {schema.name}"
    positions = resolve_headers(table.columns, schema.columns, where=where)
    every = table.to_python()
    kept = [i for i, r in enumerate(every) if any(v not in ("", None) for v in r)]
    rows = [every[i] for i in kept]
    first_row, first_col = table.start
    data: dict[str, pd.Series] = {}
    found: dict[str, str] = {}
    for pos, header in enumerate(table.columns):
        label = positions.get(pos, str(header))
        kind = schema.column(label).kind if pos in positions else "text"
        letter = column_letter(first_col + pos + 1)

        def locate(i: int, letter: str = letter, header: object = header) -> str:
            return f"{path.name}: sheet {table.sheet}, cell {letter}{first_row + 1 + kept[i]} ({header})"

        data[label] = convert([r[pos] for r in rows], kind, locate)
        found[label] = str(header)
    frame = pd.DataFrame(data, index=pd.RangeIndex(len(rows)))
    for col in schema.columns:
        if col.key not in frame.columns:
            frame[col.key] = pd.Series([None] * len(frame), dtype=dtype_for(col.kind))
    return frame, found, table.sheet


def save_store(store: Store, names: Iterable[str], *, edited: Iterable[str] = (), backup: bool = True) -> Path:
    """Write the named tables back into the master (tables it lacks are added on new sheets).

    Tables not ``edited`` (no row changed or removed since loading) only get their new rows appended.
    """
    names = list(names)
    chosen: Mapping[TableSchema, pd.DataFrame] = {ALL_CONSOLIDATION_TABLES[n]: store.frames[n] for n in names}
    rewritten = set(edited)
    unchanged = {n: store.loaded_rows.get(n, 0) for n in names if n not in rewritten}
    return write_tables(store.path, chosen, lang=store.lang, headers=store.headers, backup=backup,
                        unchanged_rows=unchanged)
