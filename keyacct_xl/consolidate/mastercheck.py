"""``master check`` as one use case: rows per table, references, row keys held twice, stray history batches and
likely duplicate customers, read from one master file, with the rule that decides whether the master is consistent.

It sits in ``consolidate`` because the repeated keys and the duplicate customers are consolidation's checks; the
CLI only prints ``lines(lang)`` and exits 0 when ``ok``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from keyacct_xl.consolidate.dedupe import LikelyDuplicate, duplicate_lines, likely_duplicates
from keyacct_xl.consolidate.repeatedkeys import RepeatedKey, repeated_key_lines, repeated_keys
from keyacct_xl.history.store import store_path
from keyacct_xl.history.stray import StrayBatch, stray_batches
from keyacct_xl.i18n import Lang
from keyacct_xl.master.integrity import Integrity, check_master_file
from keyacct_xl.master.reader import load_master, open_book_as_read
from keyacct_xl.master.schema import DATA_TABLES
from keyacct_xl.output import display_width


@dataclass(frozen=True)
class MasterCheck:
    """What ``master check`` found in one master: its rows per sheet and the problems of each kind."""

    path: Path
    rows: tuple[tuple[str, int], ...]  # (sheet as the workbook names it, rows), in the tables' order
    integrity: Integrity
    repeated: tuple[RepeatedKey, ...]
    stray: tuple[StrayBatch, ...]
    duplicates: tuple[LikelyDuplicate, ...]

    @property
    def ok(self) -> bool:
        """Whether the references are consistent: no reference problem, no key held twice, no batch whose lines are
        nowhere else. Likely duplicates are for a person to judge (two branches may share a phone): told, not failed."""
        return self.integrity.ok and not self.repeated and all(b.in_workbook for b in self.stray)

    def lines(self, lang: Lang) -> list[str]:
        """The rows per sheet aligned by width, then the problems of each kind, as ``master check`` prints them."""
        wide = max(display_width(sheet) for sheet, _ in self.rows)
        counts = [f"{sheet}{' ' * (wide - display_width(sheet))}{rows:>10,}" for sheet, rows in self.rows]
        store = store_path(self.path).name
        return [
            *counts,
            *self.integrity.summary(lang),
            *repeated_key_lines(self.repeated, lang),
            *(batch.line(lang, store) for batch in self.stray),
            *duplicate_lines(list(self.duplicates), lang),
        ]


def run_master_check(path: str | Path) -> MasterCheck:
    """Read the master at ``path`` (a bad cell raises, named by sheet and cell) and check it."""
    path = Path(path)
    master = load_master(path)
    # Each table by its sheet as the workbook names it, as the reference problems name it.
    rows = tuple((schema.sheet(master.lang), len(master.frame(schema))) for schema in DATA_TABLES)
    book = open_book_as_read(path)
    return MasterCheck(
        path=path,
        rows=rows,
        integrity=check_master_file(path, book=book),
        repeated=tuple(repeated_keys(book, path)),
        stray=tuple(stray_batches(path)),
        duplicates=tuple(likely_duplicates(master.customers)),
    )
