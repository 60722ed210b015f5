"""Read and write the tables consolidation touches, leaving the rest of the master unread and unchanged.

Only these tables are loaded (a large Transactions sheet is never parsed) and only the changed ones are
written back, through the part-level writer.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from keyacct_xl.consolidate.routes import ROUTES
from keyacct_xl.forms.catalog import load_form
from keyacct_xl.i18n import Lang
from keyacct_xl.master.model import Master, SheetRows, empty_frame
from keyacct_xl.master.offkind import OffKind, after_save
from keyacct_xl.master.reader import master_of, master_schemas, not_a_master, read_tables
from keyacct_xl.master.schema import CUSTOMERS, SETTINGS, TableSchema
from keyacct_xl.master.settings import Settings, master_folder, parse_settings
from keyacct_xl.master.submissions import ALL_CONSOLIDATION_TABLES, HISTORY, LEDGER
from keyacct_xl.master.tablecache import ReadTable
from keyacct_xl.master.writer import as_typed, write_tables
from keyacct_xl.xlsx.package import TableLocation


@dataclass
class Store:
    """The consolidation tables of one master: frames by table name, header text as found, language."""

    path: Path
    lang: Lang
    frames: dict[str, pd.DataFrame]
    headers: dict[str, dict[str, str]] = field(default_factory=dict)
    settings: Settings = field(default_factory=lambda: parse_settings(()))
    loaded_rows: dict[str, int] = field(default_factory=dict)  # rows each table had when read
    rows: dict[str, SheetRows] = field(default_factory=dict)  # where each table's rows are in its sheet
    off_kind: dict[str, OffKind] = field(default_factory=dict)  # cells of another kind than their column's, as typed

    def frame(self, name: str) -> pd.DataFrame:
        """The frame of table ``name``."""
        return self.frames[name]


def ledger_files(ledger: pd.DataFrame, *statuses: str) -> frozenset[str]:
    """The sha256 of the files the ingestion ledger records with one of ``statuses``."""
    return frozenset(ledger.loc[ledger["status"].isin(statuses), "file_sha256"].dropna().astype(str))


# What the ledger says of a file sent again: settled (a duplicate), waiting for a decision, or taken back out.
SETTLED = ("accepted", "partial", "rejected")

# Bookkeeping columns holding a code: the master shows the label in its language, the code is what runs use.
_STATUS = {
    "accepted": ("已接收", "accepted"),
    "partial": ("部分接收", "partial"),
    "needs_review": ("待审核", "needs review"),
    "rejected": ("拒收", "rejected"),
    "undone": ("已撤销", "undone"),
}
# The ledger's form of an imported customer list (keyacct_xl/consolidate/customerimport.py), no form of the catalog.
CUSTOMER_LIST_FORM = "customer_list"
_CUSTOMER_LIST_TITLE = ("客户名单导入", "customer list import")


@functools.cache
def coded_columns() -> dict[tuple[str, str], dict[str, tuple[str, str]]]:
    """Bookkeeping columns holding a code, with the label of each code (built once, on first use)."""
    titles = {f: load_form(f).title for f in ROUTES}  # a form's spec is read once, not once per language
    return {
        (LEDGER.name, "status"): _STATUS,
        (HISTORY.name, "change"): {
            "updated": ("已更新", "updated"),
            "added": ("新增", "added"),
            "sent_again": ("再次提交", "sent again"),
            "normalized": ("文本转为本列类型", "text stored as its column's kind"),
        },
        # the history names the table a row came from by its sheet, the ledger a form by its title, as users see them
        (HISTORY.name, "table"): {t.name: (t.sheet_zh, t.sheet_en) for t in ALL_CONSOLIDATION_TABLES.values()},
        (LEDGER.name, "form"): {
            **{f: (title.zh, title.en) for f, title in titles.items()},
            CUSTOMER_LIST_FORM: _CUSTOMER_LIST_TITLE,
        },
    }


def _reader(labels: dict[str, tuple[str, str]]) -> Callable[[object], object]:
    """Label (either language) or code -> code; anything else is kept as it is."""
    codes = {label: code for code, pair in labels.items() for label in (code, *pair)}
    return lambda value: codes.get(str(value).strip(), value)


def _shown(store: Store, name: str) -> pd.DataFrame:
    """The frame as written: coded columns as labels in the master's language."""
    frame = store.frames[name]
    for (table, column), labels in coded_columns().items():
        if table == name and column in frame.columns:
            shown = {code: pair[0] if store.lang == "zh" else pair[1] for code, pair in labels.items()}
            frame = frame.assign(
                **{column: frame[column].map(lambda v, shown=shown: shown.get(v, v), na_action="ignore")}
            )
    return frame


def load_store(path: str | Path) -> Store:
    """Read the master's consolidation tables (absent bookkeeping tables load empty)."""
    path = Path(path)
    return store_of(path, read_tables(path, lambda found: store_schemas(found, path)))


def load_master_store(path: str | Path) -> tuple[Master, Store]:
    """``load_master`` and ``load_store`` of the same master from one read of it (or none: the load cache)."""
    path = Path(path)
    # The master's tables first: a workbook that is no master, or a bad cell in them, is reported as load_master does.
    tables = read_tables(path, lambda found: [*master_schemas(found, path), *store_schemas(found, path)])
    return master_of(path, tables), store_of(path, tables)


def store_schemas(locations: Mapping[str, TableLocation], path: Path) -> list[TableSchema]:
    """The consolidation tables and Settings among the workbook's ``locations``; one without Customers is refused."""
    if CUSTOMERS.name not in locations:
        raise not_a_master(path, [CUSTOMERS])
    return [s for s in (*ALL_CONSOLIDATION_TABLES.values(), SETTINGS) if s.name in locations]


def store_of(path: Path, tables: Mapping[TableSchema, ReadTable]) -> Store:
    """The ``Store`` of the master's tables as ``read_tables`` gives them (``store_schemas``' among them)."""
    frames: dict[str, pd.DataFrame] = {}
    headers: dict[str, dict[str, str]] = {}
    rows: dict[str, SheetRows] = {}
    off_kind: dict[str, OffKind] = {}
    for name, schema in ALL_CONSOLIDATION_TABLES.items():
        read = tables.get(schema)
        frames[name], headers[name] = (empty_frame(schema), {}) if read is None else (read.frame, read.headers)
        if read is not None and read.rows is not None:
            rows[name] = read.rows
        if read is not None and read.off_kind:
            off_kind[name] = read.off_kind
    customers = ALL_CONSOLIDATION_TABLES[CUSTOMERS.name]
    lang: Lang = "zh" if tables[customers].sheet == CUSTOMERS.sheet_zh else "en"
    for (table, column), labels in coded_columns().items():
        frames[table][column] = frames[table][column].map(_reader(labels), na_action="ignore")
    settings = parse_settings(tables[SETTINGS].cells if SETTINGS in tables else (), folder=master_folder(path))
    return Store(path, lang, frames, headers, settings, {n: len(f) for n, f in frames.items()}, rows, off_kind)


def save_store(store: Store, names: Iterable[str], *, edited: Iterable[str] = (), backup: bool = True) -> Path:
    """Write the named tables back into the master (tables it lacks are added on new sheets).

    Tables not ``edited`` (no row changed or removed since loading) only get their new rows appended.
    """
    names = list(names)
    chosen_frames = {n: _shown(store, n) for n in names}
    chosen: Mapping[TableSchema, pd.DataFrame] = {ALL_CONSOLIDATION_TABLES[n]: chosen_frames[n] for n in names}
    rewritten = set(edited)
    unchanged = {n: store.loaded_rows.get(n, 0) for n in names if n not in rewritten}
    written = write_tables(
        store.path,
        chosen,
        lang=store.lang,
        headers=store.headers,
        backup=backup,
        unchanged_rows=unchanged,
        rows={n: store.rows[n] for n in names if n in store.rows},
        off_kind=store.off_kind,
        currency=store.settings.book_currency,
    )
    for n in names:  # the rows are now one after the other; a table relabelled since says no more where they are
        where, frame, off = store.rows.pop(n, None), store.frames[n], store.off_kind.pop(n, {})
        if where is not None and frame.index.equals(pd.RangeIndex(len(frame))):
            store.rows[n] = SheetRows(where.sheet, where.first, len(frame))
            if off and n in rewritten:  # the cells the rewrite wrote as typed, at their rows' places now
                store.off_kind[n] = after_save(off, as_typed(chosen_frames[n], off, where))
            elif off:  # appended to: the rows read are where they were
                store.off_kind[n] = off
    return written
