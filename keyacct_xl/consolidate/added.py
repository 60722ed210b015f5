"""What a file wrote into the rows it added, kept so that its undo can name every cell changed since.

A consolidation (or a customer list import) records each row it adds in SubmissionHistory as a row of change
``added``: no earlier values (``data`` blank), the row as written in ``written``. Undoing the file removes its rows;
a cell of one that no longer holds what the file wrote (typed over by hand, or set by a later command) is named
with both values first, so no edit leaves the master unsaid. Rows added by an earlier version have no such record
and are removed as before.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Final

from keyacct_xl.consolidate.changes import shown as shown_value
from keyacct_xl.consolidate.frames import row_json, typed_frame
from keyacct_xl.consolidate.routes import ROW_KEYS
from keyacct_xl.master.privacy import is_personal_header, is_sensitive_column
from keyacct_xl.master.schema import TableSchema
from keyacct_xl.master.submissions import ALL_CONSOLIDATION_TABLES, PROVENANCE_KEYS
from keyacct_xl.messages import Listing, Message, Pair, PersonalValue, first_ids, msg
from keyacct_xl.parsing import EXCEL_MAX_TEXT, is_blank, same_value

ADDED: Final = "added"  # the change a SubmissionHistory row of an added row names


def added_entries(table: str, rows: Iterable[Mapping[str, object]], now: str) -> list[dict[str, object]]:
    """SubmissionHistory rows recording ``rows`` as their file added them to ``table``; a row whose JSON would not
    fit in a cell is left unrecorded (its undo removes it unchecked, as before such records were kept)."""
    entries = []
    for row in rows:
        written = row_json(dict(row))
        if is_blank(row.get("file_sha256")) or len(written) > EXCEL_MAX_TEXT:
            continue
        entries.append(
            {
                "table": table,
                "change": ADDED,
                "file_sha256": row.get("file_sha256"),
                "source_file": row.get("source_file"),
                "source_row": row.get("source_row"),
                "rep": row.get("rep"),
                "period": row.get("period"),
                "changed_at": now,
                "changed_by_file": row.get("source_file"),
                "changed_by": row.get("file_sha256"),
                "data": None,
                "written": written,
            }
        )
    return entries


@dataclass(frozen=True)
class ChangedSinceAdded:
    """A cell of a row the undo removes that no longer holds what the file wrote into it."""

    table: str
    row: Listing  # the row's key values, as the undo names rows
    column: str
    now: object
    wrote: object

    def line(self) -> Message:
        """``Visits 张三 · C001 · …: 结果 was changed after the file added the row (x; the file wrote y): …``; a
        personal column's values as ``PersonalValue``."""
        table, column = sheet_and_header(self.table, self.column)
        personal = personal_column(self.table, self.column)
        return msg(
            "{table} {row}: {column} was changed after the file added the row ({now}; the file wrote {wrote}): "
            "removed with the row",
            table=table,
            row=self.row,
            column=column,
            now=shown_or_blank(self.now, personal),
            wrote=shown_or_blank(self.wrote, personal),
        )


def sheet_and_header(table: str, column: str) -> tuple[Pair, object]:
    """A consolidation table's sheet and a column's header, both shown in the message's language (a column of a
    person's own by its label)."""
    schema = ALL_CONSOLIDATION_TABLES[table]
    header = schema.column(column) if column in schema.keys else column
    return Pair(schema.sheet_en, schema.sheet_zh), header


NAMED_ROWS = 20  # the rows an undo names per table and kind; past it, "…"


def named_rows(keys: Sequence[Listing]) -> Listing:
    """The first ``NAMED_ROWS`` row keys as a listing, "…" after them when there are more."""
    return first_ids(keys, NAMED_ROWS)


def shown_or_blank(value: object, personal: bool = False) -> object:
    """A cell's value as a report shows it (a ``PersonalValue`` when the column is ``personal``), or (空) / (blank)."""
    text = shown_value(value)
    if not text:
        return msg("(blank)")
    return PersonalValue(text) if personal else text


def personal_column(table: str, key: str) -> bool:
    """Whether column ``key`` of a consolidation table (a header, for a column of a person's own) is personal data."""
    schema = ALL_CONSOLIDATION_TABLES.get(table)
    return is_sensitive_column(schema, key) if schema else is_personal_header(key)


def changed_since_added(
    table: str,
    records: Sequence[Mapping[str, object]],
    keys: Sequence[Listing],
    written: Sequence[Mapping[str, object]],
) -> list[ChangedSinceAdded]:
    """The cells of ``records`` (the rows an undo removes, named by ``keys``) that differ from what their file wrote
    (``written``: its ``added`` history rows for ``table``, as read from their JSON); a row without one is not
    checked."""
    if not written or not records:
        return []
    snapshots = typed_rows(table, written, list(records[0]))
    by_source: dict[tuple[str, str], list[int]] = {}
    for i, snapshot in enumerate(written):
        by_source.setdefault(_source(snapshot), []).append(i)
    changed = []
    for record, key in zip(records, keys):
        found = _changed_cells(table, record, [snapshots[i] for i in by_source.get(_source(record), [])])
        changed += [ChangedSinceAdded(table, key, column, record.get(column), wrote) for column, wrote in found]
    return changed


def written_into(
    table: str, records: Sequence[Mapping[str, object]], written: Sequence[Mapping[str, object]]
) -> list[Mapping[str, object] | None]:
    """For each of ``records`` (rows of ``table``), what its file wrote into it: the one of ``written`` (the file's
    ``added`` history rows for ``table``, as read from their JSON) of the same source row and key, None for none."""
    if not written or not records:
        return [None] * len(records)
    snapshots = typed_rows(table, written, list(records[0]))
    columns = ROW_KEYS[table].columns if table in ROW_KEYS else ()
    found: list[Mapping[str, object] | None] = []
    for record in records:
        same = (
            w
            for w, snapshot in zip(written, snapshots)
            if _source(w) == _source(record) and all(same_value(record.get(k), snapshot.get(k)) for k in columns)
        )
        found.append(next(same, None))
    return found


def _source(row: Mapping[str, object]) -> tuple[str, str]:
    """The sheet and row of the submitted file a row came from, as text (a JSON row holds them as it wrote them)."""
    return shown_value(row.get("source_sheet")), shown_value(row.get("source_row"))


def _changed_cells(
    table: str, record: Mapping[str, object], candidates: Sequence[dict[str, object]]
) -> list[tuple[str, object]]:
    """The cells of ``record`` that differ from what its file wrote, as (column, written) pairs: against the row its
    source row gave, or among several (a form's line giving a row per month) the one with its key, or when a person
    changed the key too, the one it differs least from (its key named among the cells)."""
    differing = [_differing(record, c) for c in candidates]
    columns = ROW_KEYS[table].columns if table in ROW_KEYS else ()
    keyed = [d for d, c in zip(differing, candidates) if all(same_value(record.get(k), c.get(k)) for k in columns)]
    return keyed[0] if keyed else min(differing, key=len, default=[])


def _differing(record: Mapping[str, object], written: Mapping[str, object]) -> list[tuple[str, object]]:
    """The cells of ``record`` that do not hold what was ``written`` (its provenance aside)."""
    return [
        (column, wrote)
        for column, wrote in written.items()
        if column not in PROVENANCE_KEYS and not same_value(record.get(column), wrote)
    ]


def typed_rows(table: str, written: Sequence[Mapping[str, object]], present: Sequence[str]) -> list[dict[str, object]]:
    """What the file wrote into each row, typed as the table's columns, for every column of the table as it is now
    (``present``): a column a row's record lacks was written blank. A value its column's kind refuses is compared as
    written."""
    schema = ALL_CONSOLIDATION_TABLES[table]
    columns = [c for c in dict.fromkeys([*schema.keys, *(k for w in written for k in w)]) if c in present]
    values = [{c: w.get(c) for c in columns} for w in written]
    try:
        frame = typed_frame(values, schema, columns)
    except (ValueError, TypeError, OverflowError):  # a value its column cannot hold: each row on its own
        return [{c: _typed_one(schema, c, v) for c, v in row.items()} for row in values]
    return [{str(k): v for k, v in row.items()} for row in frame.to_dict("records")]


def _typed_one(schema: TableSchema, column: str, value: object) -> object:
    """One value typed as its column, or as written when the column's kind refuses it."""
    try:
        return typed_frame([{column: value}], schema, [column]).iat[0, 0]
    except (ValueError, TypeError, OverflowError):
        return value
