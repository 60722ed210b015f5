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
from keyacct_xl.i18n import Lang
from keyacct_xl.master.model import empty_frame
from keyacct_xl.master.reader import read_table
from keyacct_xl.master.schema import CUSTOMERS, TableSchema
from keyacct_xl.master.writer import write_tables
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
        frames[name], headers[name], sheet = read_table(book, schema, path)
        if schema.name == CUSTOMERS.name:
            lang = "zh" if sheet == CUSTOMERS.sheet_zh else "en"
    return Store(path, lang, frames, headers, _settings(book, present), {n: len(f) for n, f in frames.items()})


def _settings(book: calamine.CalamineWorkbook, present: set[str]) -> dict[str, object]:
    if "Settings" not in present:
        return {}
    rows = book.get_table_by_name("Settings").to_python()
    return {str(r[0]): r[1] for r in rows if r and r[0] not in ("", None)}


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
