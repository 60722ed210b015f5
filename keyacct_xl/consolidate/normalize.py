"""Text a person typed into a date or number column of a table a consolidation rewrites, stored as that kind.

A date typed as text ('2025.3.5' in 首次交易日期) reads right, but Excel neither sorts nor calculates with it. A
save that keeps no record of its cells keeps it as typed (keyacct_xl/master/offkind.py); a consolidation, which
reports every value it changes and can be undone file by file, stores it as the column's kind instead and says so:
each such cell is a change in the report's 变更 sheet (before: the text, after: the value), a notice naming sheet,
cell and column, and a row of SubmissionHistory under the run's file that rewrote the table, so undoing that file
puts the text back. Only text is stored so (a number or TRUE in a date column is kept as typed): the text is what
the undo writes back, exactly.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Final

from keyacct_xl.consolidate.changes import RowChange, shown
from keyacct_xl.consolidate.frames import append_rows, row_json
from keyacct_xl.consolidate.model import FileOutcome
from keyacct_xl.consolidate.routes import ROW_KEYS
from keyacct_xl.consolidate.rowmatch import key_text
from keyacct_xl.consolidate.store import Store
from keyacct_xl.master.offkind import OffKindColumn, kept_as_typed, read_positions, withheld_cells
from keyacct_xl.master.privacy import is_sensitive_column
from keyacct_xl.master.submissions import ALL_CONSOLIDATION_TABLES, HISTORY
from keyacct_xl.messages import Location, Message, listing, msg

NORMALIZED: Final = "normalized"  # the change a history row and a report row name
MAX_NAMED = 5  # cells a notice names; the rest are counted


@dataclass(frozen=True)
class StoredAs:
    """One cell typed as text stored as its column's kind: where it is, what it held and holds."""

    table: str
    label: str  # the column
    position: int  # the row's position in the table as written
    key: str  # the row's key as the report shows it
    cell: str  # the cell as written (sheet column and row)
    header: str
    before: str
    after: object


def store_typed_text(store: Store, tables: Iterable[str]) -> list[StoredAs]:
    """The cells of text in date and number columns of ``tables`` (those the save rewrites) whose values the run
    left alone, taken out of the store's cells kept as typed so the save writes them as their columns' kind."""
    found: list[StoredAs] = []
    for name in tables:
        off, where = store.off_kind.get(name), store.rows.get(name)
        if not off or where is None:
            continue
        frame = store.frames[name]
        read_at = read_positions(frame.index, where.count)
        texts = {
            label: OffKindColumn(c.letter, c.header, c.kind, {p: v for p, v in c.cells.items() if isinstance(v, str)})
            for label, c in off.items()
            if c.kind != "text"
        }
        taken: dict[str, set[int]] = {}
        for label, cells in kept_as_typed(frame, texts, read_at).items():
            column = off[label]
            for position, raw in sorted(cells.items()):
                row = frame.iloc[position]
                cell = f"{column.letter}{where.first + position}"
                key = key_text({str(k): v for k, v in row.items()}, ROW_KEYS[name])
                found.append(StoredAs(name, label, position, key, cell, column.header, str(raw), row[label]))
                taken.setdefault(label, set()).add(int(read_at[position]))
        # new records, not the read's: the load keeps the table it read (tablememo) with these very objects
        store.off_kind[name] = {
            label: replace(c, cells={p: v for p, v in c.cells.items() if p not in taken.get(label, ())})
            for label, c in off.items()
        }
    return found


def record_stored(
    store: Store, stored: Sequence[StoredAs], changes: list[RowChange], outcomes: Sequence[FileOutcome], now: str
) -> set[str]:
    """Put each cell ``stored`` into the run's ``changes`` and the master's SubmissionHistory under the run's file
    that first changed its table (the undo of that file writes the text back); the tables to write for it."""
    if not stored:
        return set()
    by_name = {o.name: o for o in outcomes if o.sha256}
    first: dict[str, FileOutcome] = {}
    for change in changes:
        if change.file in by_name:
            first.setdefault(change.table, by_name[change.file])
    fallback = next((o for o in outcomes if o.status in ("accepted", "partial") and o.sha256), None)
    history = []
    for cell in stored:
        outcome = first.get(cell.table, fallback)
        if outcome is None:
            continue
        after = shown(cell.after)
        changes.append(RowChange(NORMALIZED, outcome.name, cell.table, cell.key, cell.label, cell.before, after))
        row = store.frames[cell.table].iloc[cell.position]
        keys = {k: row[k] for k in ROW_KEYS[cell.table].columns}
        history.append(
            {
                "table": cell.table,
                "change": NORMALIZED,
                "file_sha256": row.get("file_sha256"),
                "source_file": row.get("source_file"),
                "changed_at": now,
                "changed_by_file": outcome.name,
                "changed_by": outcome.sha256,
                "data": row_json({**keys, cell.label: cell.before}),
            }
        )
    store.frames[HISTORY.name] = append_rows(store.frames[HISTORY.name], history, HISTORY)
    return {HISTORY.name} if history else set()


def stored_notices(store: Store, stored: Sequence[StoredAs]) -> list[Message]:
    """The notices of the cells stored as their columns' kind, one per table: sheet, cells, columns, before and
    after (told once the save is done); a personal column's cell without them (a contact's birthday)."""
    notices = []
    for table in dict.fromkeys(c.table for c in stored):
        cells = [c for c in stored if c.table == table]
        named: list[object] = [_named(c) for c in cells[:MAX_NAMED]]
        if len(cells) > MAX_NAMED:
            named.append(msg("{count:,} more", count=len(cells) - MAX_NAMED))
        notices.append(
            msg(
                "{where}: {count:,} cell(s) typed as text in date or number columns stored as dates or numbers: "
                "{cells}; listed in the report's changes, and put back as typed by undoing the file",
                where=Location(store.path.name, sheet=store.rows[table].sheet),
                count=len(cells),
                cells=listing(named),
            )
        )
    return notices


def _named(cell: StoredAs) -> object:
    """A stored cell as its notice names it: cell, column, before and after; a personal value withheld."""
    if is_sensitive_column(ALL_CONSOLIDATION_TABLES[cell.table], cell.label, cell.header):
        return withheld_cells(f"{cell.cell} {cell.header}")
    return f"{cell.cell} {cell.header} {cell.before!r} → {shown(cell.after)}"


def restore_typed_text(store: Store, table: str, position: int, data: Mapping[str, object]) -> None:
    """Put the cells of ``data`` (a history row ``record_stored`` wrote) of the row at ``position`` of ``table`` back
    as the text they were typed as: the next save writes them so."""
    frame, where = store.frames[table], store.rows.get(table)
    if where is None:
        return
    read_at = int(read_positions(frame.index[position : position + 1], where.count)[0])
    if read_at < 0:
        return
    off = dict(store.off_kind.get(table, {}))
    schema, headers = ALL_CONSOLIDATION_TABLES[table], store.headers.get(table, {})
    for label, text in data.items():
        if label in ROW_KEYS[table].columns or label not in schema.keys:
            continue
        column = off.get(label) or OffKindColumn("", headers.get(label, label), schema.column(label).kind)
        off[label] = replace(column, cells={**column.cells, read_at: text})
    store.off_kind[table] = off
