"""What a read tells of the rows under a master table, outside its range (keyacct_xl/xlsx/belowtable.py).

Rows typed right under a table in LibreOffice or WPS are read as the table's rows, rows past a blank row and rows
that look like a totals row are not: the person running the command hears of each, naming file, sheet and rows,
at every read until a save of the master takes the rows in (a save that does not write the table extends its
range all the same, keyacct_xl/master/writer.py; the load cache keeps what it found with the table).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

from keyacct_xl.master.tablecache import ReadTable
from keyacct_xl.messages import Location, Message, listing, msg
from keyacct_xl.notices import notify
from keyacct_xl.xlsx.belowtable import BelowTable

MAX_SPANS = 6  # runs of rows a notice names; the rest are counted


def row_spans(rows: Sequence[int]) -> list[tuple[int, int]]:
    """Sheet rows as runs, first and last row of each, in order: 5, 6, 9 -> (5, 6), (9, 9)."""
    spans: list[tuple[int, int]] = []
    for row in sorted(rows):
        if spans and row == spans[-1][1] + 1:
            spans[-1] = (spans[-1][0], row)
        else:
            spans.append((row, row))
    return spans


def _rows(rows: Sequence[int]) -> Message:
    """``row 5`` or ``rows 5–6, 9``: the first runs of ``rows``, the others counted."""
    spans = row_spans(rows)
    if spans == [(rows[0], rows[0])]:
        return msg("row {row}", row=rows[0])
    named = spans[:MAX_SPANS]
    more = len(rows) - sum(last - first + 1 for first, last in named)
    shown: list[object] = [str(first) if first == last else f"{first}–{last}" for first, last in named]
    if more:
        shown.append(msg("{count:,} more rows", count=more))
    return msg("rows {rows}", rows=listing(shown))


def below_notices(file: str, sheet: str, below: BelowTable, *, saved: bool = True) -> list[Message]:
    """The notices for what lies under the table of ``sheet`` in ``file``; ``saved`` for a master, whose next save
    extends the table (an input file read by a command, ``saved=False``, is never written)."""
    where = Location(file, sheet=sheet)
    notices = []
    if below.taken and saved:
        notices.append(
            msg(
                "{where}, {rows}: under the table, outside its range; read as rows of the table, and the next save "
                "of the master extends the table over them",
                where=where,
                rows=_rows(below.taken),
            )
        )
    elif below.taken:
        notices.append(
            msg(
                "{where}, {rows}: under the table, outside its range; read as rows of the table (the file is not "
                "changed)",
                where=where,
                rows=_rows(below.taken),
            )
        )
    if below.totals:
        notices.append(
            msg(
                "{where}, {rows}: under the table, looks like a totals row (合计, Total or a SUM formula); not read "
                "as data",
                where=where,
                rows=_rows(below.totals),
            )
        )
    if below.apart:
        notices.append(
            msg(
                "{where}, {rows}: under the table but separated from it by a blank row (or a totals row); not read. "
                "To have them read, type them directly under the table",
                where=where,
                rows=_rows(below.apart),
            )
        )
    return notices


def tell_rows_below(path: Path, tables: Iterable[ReadTable]) -> None:
    """Tell the person running the command what lies under each table read (a table read twice, once)."""
    told: set[str] = set()
    for read in tables:
        if read.below and read.sheet not in told:
            told.add(read.sheet)
            for notice in below_notices(path.name, read.sheet, read.below):
                notify(notice)
