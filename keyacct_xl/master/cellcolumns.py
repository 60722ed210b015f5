"""A column the user added whose cells are of several kinds ("cells": 120000 beside 待定, a date, TRUE), in a frame
and in Arrow.

The reader gives such a column as objects, each cell the kind its own value is (a float, a Timestamp, a bool, a
str, a datetime.time for a time of day, a Timedelta for a duration; None for blank). No single Arrow type of values
holds them, so the load cache and the history store keep the column as a struct with one field per kind, of which a
cell fills the one its value is (``CELLS_FIELDS``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Container
from typing import Literal

import numpy as np
import pandas as pd

from keyacct_xl.master.schema import FrameKind

# The struct's fields in order: the kind of cell each holds and the Arrow type it is held as.
CELLS_FIELDS = (
    ("number", "float64"),
    ("date", "timestamp[ns]"),
    ("bool", "bool"),
    ("text", "string"),
    ("time", "time64[us]"),
    ("duration", "duration[ns]"),
)

CellKind = Literal["blank", "number", "date", "bool", "text", "time", "duration"]
# Excel's day 0 (its serial 0, "1900-01-00"): fastexcel gives a time of day, a serial below 1, as a datetime on it.
EXCEL_DAY_ZERO = dt.date(1899, 12, 31)


def cell_kind(value: object) -> CellKind:
    """What a raw cell holds, by its value's type (never by its text: '00123' typed as text is text)."""
    if value is None or value is pd.NA or value is pd.NaT:
        return "blank"
    if isinstance(value, str):
        return "text" if value else "blank"
    if isinstance(value, (bool, np.bool_)):
        return "bool"
    if isinstance(value, (int, float, np.integer, np.floating)):
        return "number" if value == value else "blank"  # NaN: a blank cell, as the reader gives it
    if isinstance(value, dt.time):
        return "time"
    if isinstance(value, dt.timedelta):  # a Timedelta too
        return "duration"
    return "date" if isinstance(value, (dt.date, pd.Timestamp)) else "text"


def is_day_zero(value: object) -> bool:
    """Whether ``value`` is a datetime on Excel's day 0: a time of day as fastexcel gives it."""
    return isinstance(value, dt.datetime) and value.date() == EXCEL_DAY_ZERO


def is_before_day_zero(value: object) -> bool:
    """Whether ``value`` is a datetime before Excel's day 0: a negative serial (−0.25 under ``hh:mm``) as fastexcel
    gives it; no date of Excel's calendar is."""
    return isinstance(value, dt.datetime) and value.date() < EXCEL_DAY_ZERO


def day_zero_serial(value: dt.datetime) -> float:
    """The serial number a datetime fastexcel gave stands for, counted from Excel's day 0 (−0.25 for 18:00 on the
    day before it)."""
    return round((value - dt.datetime.combine(EXCEL_DAY_ZERO, dt.time())) / dt.timedelta(days=1), 10)


# The kind of a column of objects by what pandas infers its values are; any other mix is "cells".
_INFERRED_KINDS: dict[str, FrameKind] = {"string": "text", "empty": "text", "time": "time", "timedelta": "duration"}


def own_kind(values: pd.Series) -> FrameKind:
    """The kind of a column the user added, as the reader typed it: numbers, dates, times of day and durations stay
    so, text text, and a column of cells of several kinds (or TRUE/FALSE) keeps each cell's own."""
    if pd.api.types.is_datetime64_any_dtype(values):
        return "date"
    if pd.api.types.is_timedelta64_dtype(values):
        return "duration"
    if pd.api.types.is_bool_dtype(values):
        return "cells"
    if pd.api.types.is_numeric_dtype(values):
        return "number"
    return _INFERRED_KINDS.get(pd.api.types.infer_dtype(values, skipna=True), "cells")


def cells_array(values: pd.Series) -> object:
    """The column's cells as a struct array of ``CELLS_FIELDS``: each cell in the field of its kind; a blank cell
    null."""
    import pyarrow as pa

    fields: dict[str, list[object]] = {name: [] for name, _ in CELLS_FIELDS}
    blank = []
    for value in values.tolist():
        kind = cell_kind(value)
        blank.append(kind == "blank")
        for name, held in fields.items():
            held.append(_held(value, kind) if name == kind else None)
    arrays = [pa.array(fields[name], type=pa.type_for_alias(alias)) for name, alias in CELLS_FIELDS]
    return pa.StructArray.from_arrays(arrays, names=[n for n, _ in CELLS_FIELDS], mask=pa.array(blank))


def _held(value: object, kind: str) -> object:
    """A cell's value as the field of its ``kind`` holds it (any value that is no number, date or boolean as its
    text)."""
    if kind == "number":
        return float(value)  # type: ignore[arg-type]
    if kind == "date":
        return pd.Timestamp(value)  # type: ignore[arg-type]
    if kind == "bool":
        return bool(value)
    if kind == "duration":
        return pd.Timedelta(value)  # type: ignore[arg-type]
    if kind == "time":
        return value
    return value if isinstance(value, str) else str(value)


def cells_values(column: object) -> pd.Series:
    """A column of cells of several kinds as the reader gives it, from its struct array (``cells_array``) or a column
    of booleans (what Arrow makes of TRUE/FALSE): objects, None for blank."""
    import pyarrow as pa

    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks()
    assert isinstance(column, (pa.StructArray, pa.BooleanArray))
    if isinstance(column, pa.BooleanArray):
        return pd.Series(column.to_pylist(), dtype="object")
    out = np.full(len(column), None, dtype=object)
    valid = column.is_valid().to_numpy(zero_copy_only=False)
    # the struct's own fields: one written before times and durations were kept has the first four only
    for i in range(column.type.num_fields):
        name, field = column.type.field(i).name, column.field(i)
        held = valid & field.is_valid().to_numpy(zero_copy_only=False)
        if held.any():
            taken = field.filter(pa.array(held))
            timed = name in ("date", "duration")  # as Timestamps and Timedeltas, as the reader gives them
            out[held] = taken.to_pandas().to_numpy(dtype=object) if timed else taken.to_pylist()
    return pd.Series(out, dtype="object")


def cells_columns(frame: pd.DataFrame, ours: Container[str]) -> list[str]:
    """The frame's columns of cells of several kinds: those not among ``ours`` (the schema's keys) whose values
    ``own_kind`` finds so."""
    return [str(label) for label in frame.columns if label not in ours and own_kind(frame[label]) == "cells"]


def arrow_table(frame: pd.DataFrame, cells: Collection[str]) -> object:
    """The frame as an Arrow table (pandas' own conversion), its columns ``cells`` (``cells_columns``) as struct
    arrays."""
    import pyarrow as pa

    table = pa.Table.from_pandas(frame.drop(columns=list(cells)), preserve_index=False)
    for label in cells:
        table = table.add_column(frame.columns.get_loc(label), label, cells_array(frame[label]))
    return table


def pandas_frame(table: object) -> pd.DataFrame:
    """An Arrow table ``arrow_table`` made, back as the frame: its struct columns as cells of their own kinds."""
    import pyarrow as pa

    assert isinstance(table, pa.Table)
    cells = [i for i, field in enumerate(table.schema) if pa.types.is_struct(field.type)]
    frame = table.drop_columns([table.schema.field(i).name for i in cells]).to_pandas()
    for i in cells:
        frame.insert(i, table.schema.field(i).name, cells_values(table.column(i)).to_numpy())
    return frame
