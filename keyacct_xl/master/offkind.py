"""Cells of a master table whose value is of another kind than their column's, kept as they were typed.

A person pasting a list in LibreOffice or Excel types phone numbers as numbers into the text column 电话 and dates
as text ('2025.3.5') into the date column 首次交易日期. The reader turns each into its column's kind (the digits as
text, the text as a date), and a save writes the table anew from those values: without this record it would turn
every such cell of every row into its column's kind, rows the command never touched included, and no change list
would show it. So the reader records these cells with the value the file holds (``off_kind_cells``), and a save
writes each back as it was typed while its row's value is still the one read from it (``kept_as_typed``); a value a
command changed is written as the column's kind, as that command's own change (a consolidation also stores text
read as a date or number as that kind, and reports it: keyacct_xl/consolidate/normalize.py). The text read as a
date or number is told at each load (``off_kind_notices``): it reads right, but Excel sorts and sums it as text
until it is typed again.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from keyacct_xl.master.cellcolumns import cell_kind
from keyacct_xl.master.convert import convert
from keyacct_xl.master.schema import FrameKind
from keyacct_xl.messages import Location, Message, listing, msg

# The kind of cell each column kind holds as it is: any other cell is off its column's kind.
_HELD = {"text": "text", "date": "date", "int": "number", "number": "number", "money": "number", "percent": "number"}
MAX_NAMED = 5  # cells a load notice names; the rest are counted


@dataclass(frozen=True)
class OffKindColumn:
    """A table column's cells of another kind than its own: the sheet column and header they were read under (what
    a notice names), the column's kind, and per row position read the value the file holds."""

    letter: str
    header: str
    kind: FrameKind
    cells: dict[int, object] = field(default_factory=dict)


OffKind = dict[str, OffKindColumn]  # per column label, of one table


def off_kind_cells(values: Sequence[object], kind: FrameKind) -> dict[int, object]:
    """The positions of ``values`` (raw cells as read, blank as None or "") whose kind is not the one a column of
    ``kind`` holds, with their values; none for a column whose cells keep their own kinds ("cells")."""
    held = _HELD.get(kind)
    if held is None:
        return {}
    out = {}
    for i, value in enumerate(values):
        found = cell_kind(value)
        if found not in ("blank", held):
            out[i] = value
    return out


def read_as(value: object, kind: FrameKind) -> object:
    """What the reader makes of the raw ``value`` in a column of ``kind`` (keyacct_xl/master/convert.py)."""
    return convert([value], kind, lambda _i: "").iloc[0]


def _read_all(raws: list[object], kind: FrameKind) -> list[object]:
    """What the reader made of each raw value: all converted in one call, as the reader did (one per cell only if
    that call refuses one, which is then None: a value the reader refused was never loaded)."""
    try:
        return convert(raws, kind, lambda _i: "").astype(object).tolist()
    except Exception:
        out = []
        for raw in raws:
            try:
                out.append(read_as(raw, kind))
            except Exception:
                out.append(None)
        return out


def _same(value: object, read: object) -> bool:
    """Whether the frame's ``value`` is the value ``read`` from a cell."""
    if type(value) is type(read) and type(value) in (str, pd.Timestamp) and value == read:
        return True  # the text of a number in a text column, a date typed as text: nearly every cell
    if _blank(value) or _blank(read):
        return _blank(value) and _blank(read)
    if isinstance(value, (bool, np.bool_)) or isinstance(read, (bool, np.bool_)):
        return False  # no column kind reads a cell as a boolean
    if isinstance(read, (float, np.floating)) and isinstance(value, (int, float, np.integer, np.floating)):
        return math.isclose(float(value), float(read), rel_tol=1e-12, abs_tol=0.0)
    if isinstance(read, (pd.Timestamp, dt.date)) and isinstance(value, (pd.Timestamp, dt.date)):
        return pd.Timestamp(value) == pd.Timestamp(read)
    return type(value) is type(read) and bool(value == read)


def _blank(value: object) -> bool:
    return value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float) and value != value)


def kept_as_typed(
    frame: pd.DataFrame, off: Mapping[str, OffKindColumn], read_at: np.ndarray
) -> dict[str, dict[int, object]]:
    """Per column label, the cells a save writes as the file held them: write position -> value as typed.

    ``read_at[i]`` is the row position the frame's row ``i`` was read at (-1 for a row added since); a cell is kept
    where its row is written again and the frame's value is still the one read from it (each column's cells read
    again in one call: a column of 100,000 phones pasted as numbers)."""
    if not off:
        return {}
    position = {int(at): i for i, at in enumerate(read_at.tolist()) if at >= 0}
    out: dict[str, dict[int, object]] = {}
    for label, column in off.items():
        if label not in frame.columns:
            continue
        found = [(i, raw) for i, raw in ((position.get(r), raw) for r, raw in column.cells.items()) if i is not None]
        if not found:
            continue
        values = frame[label].astype(object).to_numpy()
        reads = _read_all([raw for _, raw in found], column.kind)
        kept = {i: raw for (i, raw), read in zip(found, reads) if _same(values[i], read)}
        if kept:
            out[label] = kept
    return out


def after_save(off: Mapping[str, OffKindColumn], kept: Mapping[str, Mapping[int, object]]) -> OffKind:
    """The table's off-kind cells once a save wrote ``kept`` as typed, its rows one after the other: the kept
    ones, by the position each row now has."""
    return {
        label: OffKindColumn(off[label].letter, off[label].header, off[label].kind, dict(cells))
        for label, cells in kept.items()
        if cells
    }


def read_positions(labels: pd.Index, count: int) -> np.ndarray:
    """The row position each frame row was read at, by its index label (what the reader labelled it); a row added
    since, labelled past the ``count`` rows read, keeps its label (a cell an operation gave it as typed,
    ``keep_typed``, is found by it). Labels that are not unique integers say nothing: all -1."""
    if not (pd.api.types.is_integer_dtype(labels.dtype) and labels.is_unique):
        return np.full(len(labels), -1, dtype=np.int64)
    at = labels.to_numpy(dtype=np.int64)
    return np.where(at >= 0, at, -1)


def typed_value(off: Mapping[str, OffKindColumn] | None, label: str, position: object) -> object | None:
    """What the cell of column ``label`` in the row read at ``position`` holds as typed, when that is of another kind
    than its column's (the text '800,000' in 信用额度); None when it holds its column's kind."""
    column = (off or {}).get(label)
    return None if column is None else column.cells.get(int(position))  # type: ignore[call-overload]


def keep_typed(off: OffKind, label: str, position: int, typed: object, *, kind: FrameKind, header: str) -> None:
    """Have a save write the cell of column ``label`` in the row labelled ``position`` (read there, or added since)
    as ``typed`` while the frame holds the value ``typed`` reads as: a value an operation moves from one row to
    another (a limit into GradeHistory, back into Customers) stays as the manager typed it."""
    if label not in off:
        off[label] = OffKindColumn("", header, kind)
    off[label].cells[int(position)] = typed


def off_kind_notices(
    path: Path, sheet: str, off: Mapping[str, OffKindColumn], rows: np.ndarray, *, personal: Collection[str] = ()
) -> list[Message]:
    """The notices of a load for the text it read as a date or number (``rows[p]`` is the sheet row of position
    ``p``): per column, the first cells with what they were read as; a number or date in a text column reads as
    its digits and is not told. A column among ``personal`` (labels) is told by its cells alone (``withheld_cells``)."""
    notices = []
    for label, column in off.items():
        if column.kind == "text" or not column.cells:
            continue
        named: list[object] = []
        for position, raw in list(column.cells.items())[:MAX_NAMED]:
            ref = f"{column.letter}{int(rows[position])}" if position < len(rows) else column.letter
            named.append(ref if label in personal else f"{ref} {raw!r} → {_shown(read_as(raw, column.kind))}")
        more = len(column.cells) - len(named)
        if more:
            named.append(msg("{count:,} more", count=more))
        cells: object = listing(named)
        if label in personal:
            cells = withheld_cells(cells)
        notices.append(
            msg(
                "{where}: {count:,} cell(s) not typed as {kind} were read as {kind}: {cells}; Excel sorts and "
                "calculates with them only once they are typed as {kind} (a consolidation rewriting the table stores "
                "them so, and lists them in its report)",
                where=Location(path.name, sheet=sheet, header=column.header),
                count=len(column.cells),
                kind=_KIND_NAMES["date" if column.kind == "date" else "number"],
                cells=cells,
            )
        )
    return notices


def withheld_cells(cells: object) -> Message:
    """``cells`` (a cell, a list of cells) named in a note without their values: personal data (a birthday) is
    never quoted on the console or in a ribbon action's summary, whoever runs the command; the cell shows it to
    whoever opens the master, and a report written for it masks it or not as the master's Settings say."""
    return msg("{cells} (personal data: values withheld)", cells=cells)


_KIND_NAMES = {"date": msg("dates"), "number": msg("numbers")}


def _shown(value: object) -> str:
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%d") if value == value.normalize() else value.isoformat(sep=" ")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
