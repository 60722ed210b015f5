"""Find a submitted row's counterpart in a master table by its natural key (keyacct_xl.consolidate.routes).

Keys are compared after normalising what people type differently for the same thing: text by NFKC and
surrounding space, dates by day, whole floats as integers. Two lines of one file with the same key (two
phone calls to one customer on one day) are told apart by their order: the n-th such line of a file is the
n-th such row of the table, so sending a file again updates both instead of adding two copies.

A row whose key fits several rows of the table is matched with care (``KeyedRows.place``), for the master is a
system of record: no row may be replaced or merged into another unsaid. Rows of its own file's lineage (the file
sent again, a correction) come first, then a row it repeats (sent again unchanged by another file); a third visit
of a day with two is neither, and is added as a row of its own; a key naming one row (a department's annual
target) held twice updates one of them, and the file's report names them all. Rows of one key that fill
``RowKey.apart`` differently (two visits of a day at 09:00 and 15:00, times compared as ``fieldcheck.time_text``
reads them: 9:00 is 09:00) are never matched to each other: a row whose key fits only rows at other times is added,
and the file's report names them; but a row of its own lineage at a time the file no longer gives is the visit
moved by a correction, and updated.
"""

from __future__ import annotations

import datetime as dt
import functools
import unicodedata
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import pandas as pd

from keyacct_xl.consolidate.fieldcheck import FieldProblem, time_text
from keyacct_xl.consolidate.model import FileOutcome, Issue
from keyacct_xl.consolidate.routes import ROW_KEYS, RowKey
from keyacct_xl.headers import normalize_header
from keyacct_xl.master.submissions import ALL_CONSOLIDATION_TABLES, PROVENANCE_KEYS
from keyacct_xl.messages import Pair, listing, msg
from keyacct_xl.parsing import is_blank, same_value

Key = tuple[object, ...]


def _norm(value: object) -> object:
    if is_blank(value) or value is pd.NaT:
        return None
    if isinstance(value, (pd.Timestamp, dt.date)):
        return pd.Timestamp(value).date().isoformat()
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        return unicodedata.normalize("NFKC", value).strip().casefold()
    return value


CONTACT = "contact"  # the person met or called: a visit moved to another time is still with them


def _same_or_blank(held: object, sent: object) -> bool:
    return is_blank(held) or is_blank(sent) or _norm(held) == _norm(sent)


def _time_of(value: object) -> object:
    """A ``RowKey.apart`` value as compared: a time of day as a form reads it (09:00, whether a master cell holds
    9:00, 9：00 or an Excel time), else its text normalised as a key's."""
    if is_blank(value):
        return None
    try:
        return time_text(value)
    except FieldProblem:
        return _norm(value)


Normed = Mapping[str, object]  # a row's key columns, normalised (None for a blank cell)


def _normed(values: Mapping[str, object], columns: tuple[str, ...]) -> dict[str, object]:
    return {column: _norm(values.get(column)) for column in columns}


def _key_columns(row_key: RowKey) -> tuple[str, ...]:
    return tuple(dict.fromkeys((*row_key.columns, *row_key.fallbacks.values(), *row_key.alternative, *row_key.loose)))


def _columns_key(normed: Normed, row_key: RowKey) -> Key:
    parts: list[object] = []
    for column in row_key.columns:
        value = normed[column]
        if value is None and column in row_key.fallbacks:
            value = normed[row_key.fallbacks[column]]
        parts.append(value)
    return ("cols", *parts)


def _alternative_key(normed: Normed, row_key: RowKey) -> Key | None:
    if not row_key.alternative or any(normed[c] is None for c in row_key.alternative):
        return None
    return ("alt", *(normed[c] for c in row_key.alternative))


def _loose_key(normed: Normed, row_key: RowKey) -> Key | None:
    if not row_key.loose or any(normed[c] is None for c in row_key.loose):
        return None
    return ("loose", *(normed[c] for c in row_key.loose))


def _moving_key(normed: Normed, row_key: RowKey) -> Key | None:
    """A row's key without its ``RowKey.moves`` column (None for a key without one)."""
    if not row_key.moves:
        return None
    kept = [v for c, v in zip(row_key.columns, _columns_key(normed, row_key)[1:]) if c != row_key.moves]
    return ("moves", *kept)


def key_text(values: Mapping[str, object], row_key: RowKey) -> str:
    """The key as a person reads it in a report: the key columns' values joined by " / "."""
    shown = []
    for column in row_key.columns:
        value = values.get(column)
        if is_blank(value) and column in row_key.fallbacks:
            value = values.get(row_key.fallbacks[column])
        if isinstance(value, (pd.Timestamp, dt.date)):
            value = pd.Timestamp(value).strftime("%Y-%m-%d")
        shown.append("" if is_blank(value) else str(value))
    return " / ".join(shown)


@functools.cache
def _folded(header: object) -> str:
    # Cached: every submitted row's columns are looked at, and a run's rows share a few dozen headers.
    return normalize_header(header)


def _apart_columns(columns: Iterable[str], row_key: RowKey) -> list[str]:
    """The columns among ``columns`` that are ``row_key.apart`` under any spelling of its header."""
    wanted = {_folded(h) for h in row_key.apart}
    return [c for c in columns if _folded(c) in wanted] if wanted else []


def apart_value(values: Mapping[str, object], row_key: RowKey) -> object:
    """The row's filled ``RowKey.apart`` value (a visit's time of day), None when it has none."""
    filled = (values[c] for c in _apart_columns(values, row_key) if not is_blank(values[c]))
    return next(filled, None)


Location = tuple[str, int]  # ("frame", position in the frame) or ("added", position among the added rows)
Held = Callable[[Location], Mapping[str, object]]  # a table row's current values


@dataclass(frozen=True)
class Several:
    """A submitted row whose key fitted several table rows, not all of its own file's lineage, or only rows at other
    times: what became of it."""

    index: int  # the row's position among the submitted rows
    rows: tuple[Location, ...]  # the table rows with its key, in table order
    place: Location | None  # the row it updates; None when it was added as a row of its own
    apart: bool = False  # ``rows`` fill RowKey.apart otherwise (a visit at another time): the row was added beside them


def says_the_same(column: str, held: object, sent: object, row_key: RowKey) -> bool:
    """Whether a table cell's ``held`` value and a submitted ``sent`` one say the same; a ``RowKey.apart`` column's by
    the time they mean (9:00 is 09:00)."""
    if _apart_columns([column], row_key):
        return _time_of(held) == _time_of(sent)
    return same_value(held, sent)


def repeats(row: Mapping[str, object], held: Mapping[str, object], row_key: RowKey) -> bool:
    """Whether ``row`` says only what ``held`` says: each filled value but its provenance the same there."""
    return all(c in PROVENANCE_KEYS or is_blank(v) or says_the_same(c, held.get(c), v, row_key) for c, v in row.items())


def _normed_column(column: pd.Series, norm: Callable[[object], object] = _norm) -> list[object]:
    """A column's values normalised by ``norm``, each distinct value once (equal values normalise alike)."""
    seen: dict[object, object] = {}
    normed = []
    for value in column.tolist():
        try:
            found = seen.get(value, _UNSEEN)
        except TypeError:  # an unhashable cell value
            found = norm(value)
        else:
            if found is _UNSEEN:
                found = seen[value] = norm(value)
        normed.append(found)
    return normed


_UNSEEN = object()


@dataclass
class KeyedRows:
    """A table's rows by key: the frame as loaded plus the rows this run adds, in table order."""

    row_key: RowKey
    by_key: dict[Key, list[Location]] = field(default_factory=dict)
    apart: dict[Location, object] = field(default_factory=dict)  # a row's filled RowKey.apart value, normalised
    columns: tuple[str, ...] = field(init=False)  # the key's columns, worked out once, not for every row

    def __post_init__(self) -> None:
        self.columns = _key_columns(self.row_key)

    @classmethod
    def of_frame(cls, frame: pd.DataFrame, row_key: RowKey) -> KeyedRows:
        """Index every row of ``frame``."""
        keyed = cls(row_key)
        columns = keyed.columns
        # Column by column, each distinct value normalised once (a table repeats its reps, dates, customers).
        normed = [_normed_column(frame[c]) if c in frame.columns else [None] * len(frame) for c in columns]
        for position, row in enumerate(zip(*normed) if columns else [() for _ in range(len(frame))]):
            keyed._index(dict(zip(columns, row)), ("frame", position))
        for column in _apart_columns(frame.columns, row_key):
            for position, value in enumerate(_normed_column(frame[column], _time_of)):
                if value is not None:
                    keyed.apart.setdefault(("frame", position), value)
        return keyed

    def add(self, values: Mapping[str, object], where: Location) -> None:
        """Index one row under each of its keys."""
        self._index(_normed(values, self.columns), where)
        value = _time_of(apart_value(values, self.row_key))
        if value is not None:
            self.apart[where] = value

    def _index(self, normed: Normed, where: Location) -> None:
        for key in (
            _columns_key(normed, self.row_key),
            _alternative_key(normed, self.row_key),
            _loose_key(normed, self.row_key),
            _moving_key(normed, self.row_key),
        ):
            if key is not None:
                self.by_key.setdefault(key, []).append(where)

    def moved(self, before: Mapping[str, object], after: Mapping[str, object], where: Location) -> None:
        """Index a row whose key changed (``RowKey.moves``) under its new key, no longer under its old one."""
        old = _columns_key(_normed(before, self.columns), self.row_key)
        self.by_key[old] = [p for p in self.by_key.get(old, []) if p != where]
        self.by_key.setdefault(_columns_key(_normed(after, self.columns), self.row_key), []).append(where)

    def matches(self, rows: Sequence[Mapping[str, object]]) -> list[Location | None]:
        """For each submitted row in order, the row it updates, or None for a new row.

        Each table row is taken at most once, in table order, so the n-th row of ``rows`` with a key takes
        the n-th table row with it. The alternative key (a contact id) is tried first, and the loose key
        only when it fits exactly one table row.
        """
        return self.place(rows)[0]

    def place(
        self, rows: Sequence[Mapping[str, object]], *, held: Held | None = None, lineage: Collection[str] = ()
    ) -> tuple[list[Location | None], list[Several]]:
        """``matches``, a key that fits several table rows judged by the rows' values (``held``) and files.

        ``lineage`` holds the sha256 of the submitting file and of the earlier files it may correct: their rows
        are the submitted rows' own, and one at a time the file no longer gives is the row moved to another time.
        Returns where each row goes and the rows whose key fitted several table rows not all of their lineage, or
        only free rows at other times (``Several``), to be reported. Without ``held``, as ``matches`` says.
        """
        taken: set[Location] = set()
        found: list[Location | None] = []
        several: list[Several] = []
        sent = self._times_sent(rows) if held is not None and self.row_key.apart else set()
        keys = {_columns_key(_normed(r, self.columns), self.row_key) for r in rows} if self.row_key.moves else set()
        for index, row in enumerate(rows):
            values = _normed(row, self.columns)
            place, judged = None, False
            alternative = _alternative_key(values, self.row_key)
            free = [p for p in self.by_key.get(alternative, []) if p not in taken] if alternative is not None else []
            if free:
                place = free[0]
            else:
                key = _columns_key(values, self.row_key)
                fitting, elsewhen = self._at_its_time(row, self.by_key.get(key, []))
                free, said = [p for p in fitting if p not in taken], False
                if held is None or len(fitting) < 2 or not free:
                    place = free[0] if free else None
                else:
                    (place, said), judged = self._among(row, fitting, free, held, lineage), True
                elsewhen = [p for p in elsewhen if p not in taken]
                if said:
                    several.append(Several(index, tuple(fitting), place))
                elif place is None and elsewhen:
                    place = self._moved(row, key, elsewhen, sent, held, lineage) if held is not None else None
                    if place is None:
                        several.append(Several(index, tuple(elsewhen), None, apart=True))
            loose = _loose_key(values, self.row_key) if place is None and not judged else None
            if loose is not None and len(self.by_key.get(loose, [])) == 1 and self.by_key[loose][0] not in taken:
                place = self.by_key[loose][0]
            if place is None and not judged and keys and held is not None:
                place = self._moved_key(values, keys, taken, held, lineage)
            if place is not None:
                taken.add(place)
            found.append(place)
        return found, several

    def _at_its_time(self, row: Mapping[str, object], fitting: list[Location]) -> tuple[list[Location], list[Location]]:
        """The rows ``fitting`` a row's key split into those it may be (the same time, or either without one) and
        those at another time (``RowKey.apart``): a visit at 15:00 is not the one at 09:00, whoever sends it."""
        time = _time_of(apart_value(row, self.row_key))
        if time is None or not fitting:
            return fitting, []
        elsewhen = {p for p in fitting if self.apart.get(p, time) != time}
        return [p for p in fitting if p not in elsewhen], [p for p in fitting if p in elsewhen]

    def _times_sent(self, rows: Sequence[Mapping[str, object]]) -> set[tuple[Key, object]]:
        """Each submitted row's key with its time (``RowKey.apart``): the times the file gives for a key."""
        return {
            (_columns_key(_normed(row, self.columns), self.row_key), _time_of(apart_value(row, self.row_key)))
            for row in rows
        }

    def _moved(
        self,
        row: Mapping[str, object],
        key: Key,
        elsewhen: list[Location],
        sent: set[tuple[Key, object]],
        held: Held,
        lineage: Collection[str],
    ) -> Location | None:
        """The free row of the file's own lineage at a time the file no longer gives for ``key``, with the same
        contact (or one side without one): a correction that moves the visit to another time updates it (the time a
        change with before and after), where a row of another file at another time, or a call to someone else sent
        in a later file of the same week, is another visit. None when there is no such row."""
        moved = (
            p
            for p in elsewhen
            if held(p).get("file_sha256") in lineage
            and (key, self.apart[p]) not in sent
            and _same_or_blank(held(p).get(CONTACT), row.get(CONTACT))
        )
        return next(moved, None)

    def _moved_key(
        self, values: Normed, keys: set[Key], taken: set[Location], held: Held, lineage: Collection[str]
    ) -> Location | None:
        """The one free row of the file's own lineage with the row's key but for ``RowKey.moves``, whose own key the
        file no longer gives: a correction that moved the line (a plan's customer to another day) updates it, where a
        row of another file, or one the file still gives, stays beside it. None when there is not exactly one."""
        own = [
            p
            for p in self.by_key.get(_moving_key(values, self.row_key) or (), [])
            if p not in taken
            and held(p).get("file_sha256") in lineage
            and _columns_key(_normed(held(p), self.columns), self.row_key) not in keys
        ]
        return own[0] if len(own) == 1 else None

    def _among(
        self,
        row: Mapping[str, object],
        fitting: list[Location],
        free: list[Location],
        held: Held,
        lineage: Collection[str],
    ) -> tuple[Location | None, bool]:
        """The row ``row`` updates among the several its key fits (None: it is added), and whether to say so.

        Its lineage's free rows first (the one it repeats, else the first: a correction's n-th line is the n-th
        row), then a free row it repeats (another file sending it again unchanged). A key rows may share then
        adds the row, said: a third visit of the day is neither of the two, and merging it into one would leave
        a row of two visits. A key naming one row updates the first free row; said whenever rows of other files
        hold the key, as the master should hold one of them.
        """
        current = {p: held(p) for p in fitting}
        own = [p for p in free if current[p].get("file_sha256") in lineage]
        same = [p for p in (own or free) if repeats(row, current[p], self.row_key)]
        chosen = same or own or ([] if self.row_key.shared else free)
        place = chosen[0] if chosen else None
        if self.row_key.shared:
            return place, place is None
        return place, any(current[p].get("file_sha256") not in lineage for p in fitting)


def several_issue(outcome: FileOutcome, table: str, row: Mapping[str, object], several: Several, held: Held) -> Issue:
    """The warning at a row whose key fitted several table rows: which rows, and what the row did."""
    schema = ALL_CONSOLIDATION_TABLES[table]
    row_key = ROW_KEYS[table]
    named = listing(_named(held(p)) for p in several.rows)
    params = {
        "table": Pair(schema.sheet_en, schema.sheet_zh),
        "key": key_text(row, row_key),
        "count": len(several.rows),
    }
    if several.apart:
        at = (
            msg("{row} at {time}", row=_named(held(p)), time=_time_of(apart_value(held(p), row_key)))
            for p in several.rows
        )
        reason = msg(
            "{table} {key}: the master holds this key at another time ({rows}), and this line, at {time}, is another "
            "one, so it is added as a row of its own, not merged into it: if it is that one with its time corrected, "
            "delete the older row in the master",
            rows=listing(at),
            time=_time_of(apart_value(row, row_key)),
            **params,
        )
    elif several.place is None:
        reason = msg(
            "{table} {key}: the master already holds {count} rows with this key ({rows}), and this line is none of "
            "them (it repeats none, and none is this file's or of a file it corrects), so it is added as a row of its "
            "own, not merged into one of them: if it is one of those, delete the extra row in the master",
            rows=named,
            **params,
        )
    else:
        reason = msg(
            "{table} {key}: the master holds {count} rows with this key ({rows}) where it should hold one: this file "
            "updated the one from {updated}, the others are kept: delete the ones that are not right",
            rows=named,
            updated=_named(held(several.place)),
            **params,
        )
    return Issue(outcome.name, *_cell(outcome, row, row_key), "", "", reason, "warning")


def _named(values: Mapping[str, object]) -> object:
    """A table row as a person finds it: its source file, and row when a line gave it."""
    source, line = values.get("source_file"), values.get("source_row")
    name = "" if is_blank(source) else str(source)
    if is_blank(line):
        return name
    return msg("{file} row {row}", file=name, row=int(line) if isinstance(line, (int, float)) else line)


def _cell(outcome: FileOutcome, row: Mapping[str, object], row_key: RowKey) -> tuple[str, str]:
    """Where the file gave ``row``: its line's first key cell, else the header cell of its first key field."""
    sheet, line = row.get("source_sheet"), row.get("source_row")
    for checked in outcome.rows:
        if checked.sheet == sheet and checked.row == line:
            refs = [checked.refs[c] for c in row_key.columns if c in checked.refs] or list(checked.refs.values())
            return checked.sheet, refs[0] if refs else ""
    for column in row_key.columns:
        if column in outcome.header_cells:
            return outcome.header_cells[column]
    return "", ""
