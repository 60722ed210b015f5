"""Turn raw cell values (as calamine or a CSV gives them) into typed pandas columns.

Bad values raise InputError naming the place, because a master value that cannot be read must
never silently become blank. Values Excel cannot hold are bad values too: dates outside the parser's
DATE_RANGE, infinite or NaN numbers, text longer than 32,767 characters, durations longer than pandas' Timedelta
holds (about 292 years).
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd

from keyacct_xl.errors import InputError
from keyacct_xl.master.cellcolumns import CellKind, cell_kind, is_day_zero
from keyacct_xl.master.model import dtype_for
from keyacct_xl.master.schema import FrameKind
from keyacct_xl.messages import Rendered, msg
from keyacct_xl.parsing import (
    EXCEL_MAX_TEXT,
    FIRST_DATE,
    LAST_DATE,
    NumberKind,
    ParseError,
    is_blank,
    parse_date,
    parse_money,
    parse_percent,
)

# Where the i-th value is: a Location (file, sheet, cell, header), or a text a caller that shows English only gives.
Locate = Callable[[int], "Rendered | str"]
MAX_WHOLE = 2**63  # whole numbers from this on do not fit the 64-bit integers of an "int" column
MAX_DURATION_DAYS = pd.Timedelta.max.days  # 106,751: the longest duration a Timedelta holds, in whole days


def _fail(where: Rendered | str, exc: ParseError) -> InputError:
    return InputError(msg("{where}: {problem}", where=where, problem=exc))


def to_dates(values: Sequence[object], locate: Locate) -> pd.Series:
    """Dates from datetimes, Excel serials or typed text."""
    if all(isinstance(v, (dt.date, pd.Timestamp)) or is_blank(v) for v in values):
        _check_date_cells(values, locate)
        return pd.to_datetime(pd.Series([None if is_blank(v) else v for v in values], dtype="object"))
    out = []
    for i, v in enumerate(values):
        try:
            out.append(pd.NaT if is_blank(v) else parse_date(v))
        except ParseError as exc:
            raise _fail(locate(i), exc) from None
    return pd.Series(pd.DatetimeIndex(out), dtype="datetime64[ns]")


def _check_date_cells(values: Sequence[object], locate: Locate) -> None:
    """Date cells outside the parser's range, refused by parse_date's message (the fast path skips the parser)."""
    first, last = FIRST_DATE.date(), LAST_DATE.date()
    for i, v in enumerate(values):
        if isinstance(v, dt.date) and not first <= (v.date() if isinstance(v, dt.datetime) else v) <= last:
            try:
                parse_date(v)
            except ParseError as exc:
                raise _fail(locate(i), exc) from None


def to_numbers(
    values: Sequence[object], locate: Locate, *, percent: bool = False, kind: NumberKind = "number"
) -> pd.Series:
    """Floats from numbers or typed amounts; ``30%`` is 0.3 in percent columns. A value that is no number is refused
    in the words of the column's ``kind``: an amount in a money column, a whole number in days or a count."""
    out = []
    read = functools.partial(parse_money, kind=kind)
    for i, v in enumerate(values):
        if is_blank(v):
            out.append(float("nan"))
            continue
        try:
            if isinstance(v, (int, float)) and not isinstance(v, bool):
                out.append(parse_money(v))  # refuses an infinite number a damaged or hostile file may hold
                continue
            text = v if isinstance(v, bool) else str(v).strip()  # TRUE is quoted as the cell shows it
            share = parse_percent(text, read) if percent and isinstance(text, str) else None
            out.append(parse_money(text, kind=kind) if share is None else share)
        except ParseError as exc:
            raise _fail(locate(i), exc) from None
    return pd.Series(out, dtype="float64")


def to_ints(values: Sequence[object], locate: Locate) -> pd.Series:
    """Whole numbers (nullable)."""
    numbers = to_numbers(values, locate, kind="whole")
    for i, n in enumerate(numbers):
        if n == n and not float(n).is_integer():
            raise InputError(msg("{where}: {value!r} is not a whole number", where=locate(i), value=n))
        if abs(n) >= MAX_WHOLE:  # a whole number a table's integers cannot hold (Int64 refuses it with a TypeError)
            raise InputError(msg("{where}: {value:g} is too large for a whole number here", where=locate(i), value=n))
    return numbers.round().astype("Int64")


def to_texts(values: Sequence[object], locate: Locate) -> pd.Series:
    """Text, kept verbatim (white space too); numbers typed into text cells (phone numbers, codes) keep their digits.

    Text longer than an Excel cell holds is refused: saving the master would cut it.
    """
    out: list[object] = []
    for i, v in enumerate(values):
        if type(v) is str and 0 < len(v) <= EXCEL_MAX_TEXT:  # nearly every cell of a text column: kept as it is
            out.append(v)
            continue
        if isinstance(v, str) and len(v) > EXCEL_MAX_TEXT:
            raise InputError(
                msg(
                    "{where}: {length:,} characters, more than the {limit:,} an Excel cell holds",
                    where=locate(i),
                    length=len(v),
                    limit=EXCEL_MAX_TEXT,
                )
            )
        if v is None or v == "" or (isinstance(v, float) and v != v):
            out.append(None)
        elif isinstance(v, float) and v.is_integer():
            out.append(str(int(v)))
        elif isinstance(v, (dt.datetime, dt.date)):
            out.append(
                v.isoformat() if not isinstance(v, dt.datetime) or v.time() != dt.time() else v.date().isoformat()
            )
        else:
            out.append(str(v) if not isinstance(v, str) else v)
    return pd.Series(out, dtype="object")


def to_times(values: Sequence[object], locate: Locate) -> pd.Series:
    """Times of day (a column the user added, or its cells, that the reader gave as times): datetime.time objects,
    None for blank; a datetime on Excel's day 0 is how fastexcel gives a time (a serial below 1), taken as its time."""
    out = [v.time() if isinstance(v, dt.datetime) and is_day_zero(v) else None if is_blank(v) else v for v in values]
    return pd.Series(out, dtype="object")


def to_durations(values: Sequence[object], locate: Locate) -> pd.Series:
    """Durations (36:00 typed with ``[h]:mm``, which the reader gives as a timedelta) as Timedeltas; one longer than a
    Timedelta holds is refused naming its cell, never cut."""
    out = []
    for i, v in enumerate(values):
        if is_blank(v):
            out.append(pd.NaT)
            continue
        assert isinstance(v, dt.timedelta)  # the kind of a column, or of a cell, whose values the reader gave so
        if abs(v.days) > MAX_DURATION_DAYS - 1:
            raise InputError(
                msg(
                    "{where}: a duration of {days:,} days is longer than the {limit:,} days the master holds",
                    where=locate(i),
                    days=v.days,
                    limit=MAX_DURATION_DAYS - 1,
                )
            )
        out.append(pd.Timedelta(v))
    return pd.Series(out, dtype="timedelta64[ns]")


# The converters of the kinds a cell of a column mixing kinds may be (a boolean is kept as it is).
_CELL_CONVERTERS: dict[str, Callable[[Sequence[object], Locate], pd.Series]] = {
    "number": to_numbers,
    "date": to_dates,
    "text": to_texts,
    "time": to_times,
    "duration": to_durations,
}


def to_cells(values: Sequence[object], locate: Locate) -> pd.Series:
    """Each cell as the kind its own value is (a column the user added that mixes kinds), as objects: numbers as
    floats, dates as Timestamps, booleans as booleans, anything else as text; None for blank. Each kind's cells go
    through that kind's converter, so a bad cell (a date out of range, an overlong text) is still named."""
    out = np.full(len(values), None, dtype=object)
    at: dict[CellKind, list[int]] = {}
    for i, value in enumerate(values):
        at.setdefault(cell_kind(value), []).append(i)
    for kind, places in at.items():
        cells = [values[i] for i in places]
        if kind == "bool":
            out[places] = [bool(v) for v in cells]
        elif kind != "blank":
            out[places] = _CELL_CONVERTERS[kind](cells, _among(locate, places)).to_numpy(dtype=object)
    return pd.Series(out, dtype="object")


def _among(locate: Locate, places: list[int]) -> Locate:
    """Where the j-th of the cells at ``places`` is."""
    return lambda j: locate(places[j])


def convert(values: Sequence[object], kind: FrameKind, locate: Locate) -> pd.Series:
    """One column of raw cells as the dtype its kind is held in."""
    if kind == "cells":
        return to_cells(values, locate)
    if kind in ("time", "duration"):
        return _CELL_CONVERTERS[kind](values, locate)
    if kind == "date":
        series = to_dates(values, locate)
    elif kind == "int":
        series = to_ints(values, locate)
    elif kind in ("number", "money", "percent"):
        series = to_numbers(values, locate, percent=kind == "percent", kind="money" if kind == "money" else "number")
    else:
        series = to_texts(values, locate)
    return series.astype(dtype_for(kind)) if kind != "text" else series
