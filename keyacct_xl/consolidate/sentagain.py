"""Rows a later file sent again unchanged: kept for that file when the file that added them is undone.

A rep's Monday-to-Wednesday file and Wednesday-to-Friday file both list Wednesday's visit: the second matches the
row the first added and changes nothing, so the row keeps the first file's provenance. Undoing the first removed
it, while the second, still consolidated, states it (sent again, it is a file already consolidated: the visit could
not come back). Each such match is kept in SubmissionHistory as a row of change ``sent_again`` (再次提交): the row's
file in 文件指纹, the later file in 修改文件 and its values in 写入值. The undo of the first file keeps such a row and
hands it to the later file (its provenance, and its record becomes that file's ``added`` one, so that file's own
undo removes it and names every cell changed since). That record's 写入值 also takes what the first file wrote into
the row and the later one left blank (the customer name the consolidation filled in, a cell the later file left
empty): it is the row as the later file states it, and its undo called such cells typed by hand or changed since.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Final

import pandas as pd

from keyacct_xl.consolidate.added import ADDED, named_rows, typed_rows, written_into
from keyacct_xl.consolidate.frames import row_json
from keyacct_xl.consolidate.routes import ROW_KEYS
from keyacct_xl.master.submissions import ALL_CONSOLIDATION_TABLES, PROVENANCE_KEYS
from keyacct_xl.messages import Listing, Message, Pair, msg
from keyacct_xl.parsing import EXCEL_MAX_TEXT, is_blank, same_value

SENT_AGAIN: Final = "sent_again"  # the change a SubmissionHistory row of a row sent again unchanged names


def sent_again_entry(table: str, owner: object, values: Mapping[str, object], now: str) -> dict[str, object] | None:
    """The SubmissionHistory row recording that the file of ``values`` sent, unchanged, the row of ``table`` that
    the file ``owner`` added; None when the row is no other file's (typed by hand, or the same file's) or its JSON
    would not fit in a cell (the row then goes with its file's undo, as before such records were kept)."""
    sha = values.get("file_sha256")
    if is_blank(owner) or is_blank(sha) or owner == sha:
        return None  # before the JSON: most rows matched are no other file's (every match of a run passes here)
    written = row_json(dict(values))
    if len(written) > EXCEL_MAX_TEXT:
        return None
    return {
        "table": table,
        "change": SENT_AGAIN,
        "file_sha256": owner,
        "source_file": values.get("source_file"),
        "source_row": values.get("source_row"),
        "rep": values.get("rep"),
        "period": values.get("period"),
        "changed_at": now,
        "changed_by_file": values.get("source_file"),
        "changed_by": sha,
        "data": None,
        "written": written,
    }


@dataclass(frozen=True)
class HandedOver:
    """Rows of one table the undone file added that a later file sent again: kept, now that file's rows."""

    table: str
    file: str  # the later file's name
    keys: tuple[Listing, ...]

    def line(self) -> Message:
        """``Visits: 1 row(s) kept, sent again by b.xlsx, now its rows: 张三 · C001 · …``."""
        schema = ALL_CONSOLIDATION_TABLES[self.table]
        return msg(
            "{table}: {count} row(s) kept, sent again by {file} (still consolidated), now that file's rows: {rows}",
            table=Pair(schema.sheet_en, schema.sheet_zh),
            count=len(self.keys),
            file=self.file,
            rows=named_rows(self.keys),
        )


@dataclass(frozen=True)
class Handover:
    """Which of the rows an undo removes later files sent again: by the row's label, the positions (among the undone
    file's ``sent_again`` records of the table) of the records of its key, the first later file's first."""

    by_label: dict[int, list[int]]  # the store's frames are labelled by the row's position when read
    records: pd.DataFrame  # the records, as SubmissionHistory holds them (its index kept)
    values: list[dict[str, object]]  # each record's 写入值, as read from its JSON
    earlier: dict[int, Mapping[str, object]]  # by the row's label, what the undone file wrote into it (if recorded)

    def provenance(self, label: int) -> dict[str, object]:
        """The provenance the first later file gave the row, to be the row's own."""
        values = self.values[self.by_label[label][0]]
        return {k: values.get(k) for k in PROVENANCE_KEYS}

    def file_of(self, label: int) -> str:
        """The file the row goes to, by its name."""
        return str(self.values[self.by_label[label][0]].get("source_file") or "")

    def recorded(self, history: pd.DataFrame) -> pd.DataFrame:
        """SubmissionHistory once the rows are handed over: the first record of a row handed becomes its new file's
        ``added`` one, and the row's other records name that file as the row's."""
        history = history.copy()
        for label, positions in self.by_label.items():
            first = self.records.index[positions[0]]
            owner = str(self.records.at[first, "changed_by"])
            history.loc[first, "change"] = ADDED
            if label in self.earlier:
                history.loc[first, "written"] = self._written(label)
            history.loc[self.records.index[positions], "file_sha256"] = owner
        return history

    def _written(self, label: int) -> str:
        """The 写入值 of the row's new ``added`` record: what the later file sent, over what the undone file wrote
        (a cell the later file left blank stays in the row as the undone file wrote it; a person's edit is in
        neither, so the later file's undo still names it). The later file's alone when both would not fit a cell."""
        values = self.values[self.by_label[label][0]]
        earlier = {k: v for k, v in self.earlier[label].items() if k not in PROVENANCE_KEYS}
        merged = row_json({**earlier, **values})
        return merged if len(merged) <= EXCEL_MAX_TEXT else row_json(values)

    def kept(self) -> set[object]:
        """The SubmissionHistory labels of the records kept (those of rows handed over)."""
        return {self.records.index[p] for positions in self.by_label.values() for p in positions}


def handover(
    table: str,
    removed: pd.DataFrame,
    records: pd.DataFrame,
    values: Sequence[dict[str, object] | None],
    written: Sequence[Mapping[str, object]] = (),
) -> Handover:
    """Match the rows ``removed`` (those the undone file added to ``table``) with its ``sent_again`` ``records``
    of the table (``values``: their 写入值 read, None for one edited into no row's values): by the table's key.
    ``written``: the undone file's ``added`` records of the table, as read, to find what it wrote into each row."""
    readable = {i: v for i, v in enumerate(values) if v is not None}
    columns = ROW_KEYS[table].columns if table in ROW_KEYS else ()
    by_label: dict[int, list[int]] = {}
    handed: list[Mapping[str, object]] = []
    if readable and not removed.empty and columns:
        sent = typed_rows(table, list(readable.values()), list(removed.columns))
        for label, row in zip(removed.index, removed.to_dict("records")):
            found = [i for i, each in zip(readable, sent) if all(same_value(row.get(c), each.get(c)) for c in columns)]
            if found:
                by_label[int(label)] = found
                handed.append({str(k): v for k, v in row.items()})
    wrote = written_into(table, handed, written)
    earlier = {label: w for label, w in zip(by_label, wrote) if w is not None}
    return Handover(by_label, records, [v or {} for v in values], earlier)
