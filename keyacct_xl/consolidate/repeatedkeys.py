"""Row keys a master table holds more than once: what ``master check`` reports beside the references.

Every table a form feeds has a natural key (routes.ROW_KEYS), and so has Adjustments (a reconciliation's line): the
key names one row, a consolidation updates one row per key (rowmatch.KeyedRows). A master holding a key twice (a row
typed again or pasted by hand, a master from before a key changed) keeps both rows: a department's annual target
counted twice, an adjustment booked twice, and the next file updates only one of them. Keys are compared as the
consolidation compares them (rowmatch's normalisation, a blank key column standing in for its fallback), a contact
also by its id (RowKey.alternative). A row whose key is not all filled is one the key does not name (a competitor
observation of the demo master typed without a period; a form always gives it) and is left out.

Left out: Customers, whose ids the referential check compares (master/integrity.py); Visits, whose key several
visits share by right (RowKey.shared: two calls on one customer in one day); and the lines of one file that share a
key (distinct source rows of one file: the file's own, matched in order).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import python_calamine as calamine

from keyacct_xl.consolidate.routes import ROW_KEYS, RowKey
from keyacct_xl.consolidate.rowmatch import KeyedRows, key_text
from keyacct_xl.headers import resolve_headers
from keyacct_xl.i18n import Lang
from keyacct_xl.master.adjustments import ADJUSTMENTS, NATURAL_KEY
from keyacct_xl.master.integrity import SHOWN_ROWS, table_lines
from keyacct_xl.master.reader import table_place
from keyacct_xl.master.schema import CUSTOMERS, TableSchema
from keyacct_xl.master.submissions import ALL_CONSOLIDATION_TABLES
from keyacct_xl.messages import joined, listing, msg, tr
from keyacct_xl.parsing import is_blank

# The tables whose key names one row, with the schema their headers are read by. A customer id held twice is the
# referential check's (master/integrity.py, C0001 and c0001 one id), listed there once.
KEYED_TABLES: dict[str, tuple[TableSchema, RowKey]] = {
    **{
        name: (ALL_CONSOLIDATION_TABLES[name], key)
        for name, key in ROW_KEYS.items()
        if not key.shared and name != CUSTOMERS.name
    },
    ADJUSTMENTS.name: (ADJUSTMENTS, RowKey(NATURAL_KEY)),
}


@dataclass(frozen=True)
class RepeatedKey:
    """One key held by several rows of a table: the sheet, the rows as Excel numbers them, the key as a person reads
    it."""

    table: str
    sheet: str
    rows: tuple[int, ...]
    key: str


def repeated_keys(book: calamine.CalamineWorkbook, path: Path) -> list[RepeatedKey]:
    """Every key held by more than one row of a keyed table of the master workbook ``book`` (read from ``path``)."""
    found: list[RepeatedKey] = []
    for name in book.table_names or ():
        if name in KEYED_TABLES:
            found += _in_table(book.get_table_by_name(name), path, *KEYED_TABLES[name])
    return found


def _in_table(table: calamine.CalamineTable, path: Path, schema: TableSchema, row_key: RowKey) -> list[RepeatedKey]:
    """The keys held by more than one row of one table, each set of rows once (a contact may repeat by id and name)."""
    positions = resolve_headers(table.columns, schema.columns, where=table_place(path, table.sheet, table.name))
    lines, rows = table_lines(table, path)
    frame = pd.DataFrame([[line[p] for p in positions] for line in lines], columns=list(positions.values()))
    found: dict[tuple[int, ...], RepeatedKey] = {}
    for key, places in KeyedRows.of_frame(frame, row_key).by_key.items():
        at = tuple(position for _, position in places)
        if key[0] == "loose" or len(at) < 2 or None in key[1:] or _one_files_lines(frame, at):
            continue
        values = frame.iloc[at[0]].to_dict()
        shown = (
            " / ".join(str(values[c]) for c in row_key.alternative) if key[0] == "alt" else key_text(values, row_key)
        )
        found.setdefault(at, RepeatedKey(table.name, table.sheet, tuple(rows[p] for p in at), shown))
    return list(found.values())


def _one_files_lines(frame: pd.DataFrame, at: Sequence[int]) -> bool:
    """Whether the rows ``at`` are distinct lines of one file (its own, told apart by their order)."""
    if "file_sha256" not in frame or "source_row" not in frame:
        return False
    files = {frame["file_sha256"].iat[p] for p in at}
    lines = [frame["source_row"].iat[p] for p in at]
    return (
        len(files) == 1
        and not is_blank(next(iter(files)))
        and not any(is_blank(line) for line in lines)
        and len(set(lines)) == len(lines)
    )


def repeated_key_lines(found: Sequence[RepeatedKey], lang: Lang, *, shown: int = SHOWN_ROWS) -> list[str]:
    """For ``master check``: a line with the count per sheet, then the first keys, each with its rows."""
    if not found:
        return []
    per_table = joined(lang, (f"{sheet} {count:,}" for sheet, count in Counter(f.sheet for f in found).items()))
    lines = [
        tr(
            lang,
            "{count:,} row key(s) held by more than one row ({tables}): each key should be on one row, and a "
            "consolidation updates only one of them; delete the rows that are not right",
            count=len(found),
            tables=per_table,
        )
    ]
    for repeated in found[:shown]:
        rows = listing(msg("{sheet} row {row}", sheet=repeated.sheet, row=row) for row in repeated.rows)
        lines.append(f"  {rows.render(lang)}: {repeated.key}")
    if len(found) > shown:
        lines.append("  " + tr(lang, "… {count:,} more", count=len(found) - shown))
    return lines
