"""Read the master's tables as Arrow columns (fastexcel) and type them column by column, not cell by cell.

A column whose cells all hold what its kind expects (numbers in a money column, dates in a date column, text in a
text column) is typed in one vectorised step and checked in bulk (range, length, whole numbers). Any other column,
and any column a bulk check refuses, goes through the per-cell converters of ``convert.py`` with its cells' places,
so a cell that cannot be read is still named by sheet and cell, exactly as before.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd
from pandas.api.types import pandas_dtype

from keyacct_xl.errors import InputError, raise_if_interrupted
from keyacct_xl.master.cellcolumns import EXCEL_DAY_ZERO, cell_kind, day_zero_serial, is_before_day_zero, is_day_zero
from keyacct_xl.master.convert import MAX_DURATION_DAYS, MAX_WHOLE, convert
from keyacct_xl.master.model import dtype_for
from keyacct_xl.master.schema import FrameKind
from keyacct_xl.messages import Location, msg
from keyacct_xl.parsing import EXCEL_MAX_NUMBER, EXCEL_MAX_TEXT, FIRST_DATE, LAST_DATE
from keyacct_xl.xlsx.ooxml import unescape_text


class ArrowBook:
    """A master workbook's bytes opened with fastexcel, read table by table into Arrow record batches."""

    def __init__(self, data: bytes, path_name: str) -> None:
        import fastexcel  # here, not at the top: a load whose tables are all cached never opens the workbook

        # fastexcel logs a warning for each column without a value (an empty table's); its typing here handles them
        logging.getLogger("fastexcel").setLevel(logging.ERROR)
        self._name = path_name
        try:
            self._reader = fastexcel.read_excel(data)
        except BaseException as exc:  # fastexcel's own errors, and a Rust panic is no Exception
            raise_if_interrupted(exc)
            raise InputError(msg("{path}: cannot read the workbook ({exc})", path=path_name, exc=exc)) from None

    def columns(self, table: str) -> tuple[list[str], list[object] | None]:
        """The table's headers and its columns as Arrow arrays; None for the columns when their cells mix kinds
        fastexcel cannot hold in one Arrow column (text beside numbers): the caller reads that table per cell."""
        import fastexcel

        try:
            # Every row decides a column's type (no sample), and a column mixing kinds is an error, not coerced:
            # coercion would turn a stray text in a money column into a blank.
            batch = self._reader.load_table(table, schema_sample_rows=None, dtype_coercion="strict").to_arrow()
        except fastexcel.UnsupportedColumnTypeCombinationError:
            return [], None
        except BaseException as exc:
            raise_if_interrupted(exc)
            raise InputError(
                msg("{path}: cannot read the table {table} ({exc})", path=self._name, table=table, exc=exc)
            ) from None
        return [unescape_text(str(n)) for n in batch.schema.names], list(batch.columns)


# The pandas dtype of each kind, resolved once: naming it by its string looks it up among every registered dtype.
_DTYPES = {
    kind: pandas_dtype(dtype_for(kind))
    for kind in ("text", "int", "number", "money", "percent", "date", "time", "duration")
}
# Excel's day 0 and the day after, as fastexcel's timestamps: a time of day is a timestamp between them.
_DAY_ZERO = pd.Timestamp(EXCEL_DAY_ZERO)
_DAY_ONE = _DAY_ZERO + pd.Timedelta(days=1)


def empty_text_as_null(column: object) -> object:
    """The column with its empty texts as null: a blank cell either way, so blank rows, text typing and the cache
    need only Arrow's null mask (done once per column, not by each of them)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    assert isinstance(column, pa.Array)
    if not (pa.types.is_string(column.type) or pa.types.is_large_string(column.type)) or column.null_count == len(
        column
    ):
        return column
    empty = pc.equal(column, "")
    return pc.if_else(empty, pa.scalar(None, column.type), column) if empty.true_count else column


def blank_rows(columns: list[object]) -> np.ndarray:
    """True for each row whose every cell is blank (the empty body row Excel keeps in a new table)."""
    return null_rows([empty_text_as_null(c) for c in columns])


def null_rows(columns: list[object]) -> np.ndarray:
    """True for each row whose every cell is null, of columns whose empty texts are null (``empty_text_as_null``)."""
    import pyarrow as pa

    if not columns:
        return np.zeros(0, dtype=bool)
    rows = len(columns[0])  # type: ignore[arg-type]
    if any(column.null_count == 0 for column in columns):  # type: ignore[attr-defined]
        return np.zeros(rows, dtype=np.bool_)  # a full column: no row is blank (a table's key column, nearly always)
    blank = np.ones(rows, dtype=np.bool_)
    for column in columns:
        assert isinstance(column, pa.Array)
        if column.null_count < rows:
            blank &= column.is_null().to_numpy(zero_copy_only=False)
    return blank


def typed_cells(values: Sequence[object], kind: FrameKind) -> pd.Series | None:
    """A column of cells as calamine gives them (blank as ""), typed at once through Arrow when, blanks aside, every
    value is of the one Python type its kind takes as it is (text: str; numbers: float; dates: datetime, or date) and
    the column passes ``vectorised``'s checks; else None (the caller converts it cell by cell, naming a bad cell).

    A table fastexcel cannot read through Arrow (one column mixing text and numbers) is read through calamine: its
    other columns are then typed here, not cell by cell.
    """
    import pyarrow as pa

    if kind == "cells":
        return None  # each cell is typed as its own kind, one by one
    cells = [None if v == "" else v for v in values]
    found = {type(v) for v in cells}
    found.discard(type(None))
    arrow_type = _whole_type(kind, found)
    return None if arrow_type is None else vectorised(pa.array(cells, type=arrow_type), kind)


def _whole_type(kind: FrameKind, found: set[type]) -> object:
    """The Arrow type of a column of ``kind`` whose values are of the Python types ``found``; None when the per-cell
    rule must see them (any other type, or two: Arrow would coerce a date beside a datetime, or True beside 1.0)."""
    import pyarrow as pa

    if not found:
        return pa.null()
    if len(found) > 1:
        return None
    (value_type,) = found
    if kind == "text":
        return pa.string() if value_type is str else None
    if kind == "date":
        return pa.timestamp("us") if value_type is dt.datetime else pa.date32() if value_type is dt.date else None
    if kind == "time":
        return pa.time64("us") if value_type is dt.time else None
    if kind == "duration":
        return pa.duration("us") if value_type is dt.timedelta else None
    return pa.float64() if value_type is float else None


def typed_column(column: object, kind: FrameKind, locate: Callable[[int], Location]) -> pd.Series:
    """One Arrow column as the dtype its kind is held in: vectorised when its cells allow, else cell by cell."""
    import pyarrow as pa

    column = empty_text_as_null(column)
    fast = vectorised(column, kind)
    if fast is not None:
        return fast
    assert isinstance(column, pa.Array)
    values = column.to_pylist()
    if kind in ("cells", "time") and pa.types.is_timestamp(column.type):
        # a column of the user's: its timestamps on Excel's day 0 are times of day (in one of ours, a date refused),
        # and one before it a negative number under a time format (−0.25 as hh:mm), kept as that number
        values = [v.time() if is_day_zero(v) else day_zero_serial(v) if is_before_day_zero(v) else v for v in values]
    return convert(values, kind, locate)


def cache_array(column: object, kind: FrameKind) -> object:
    """The Arrow array the load cache keeps for a column ``vectorised`` typed: what the frame holds, in Arrow (blank
    text as null), so the cache is written without converting the frame's objects back."""
    import pyarrow as pa

    assert isinstance(column, pa.Array)
    if pa.types.is_null(column.type) or kind == "text":
        return column  # its empty texts already null
    if kind == "date":
        return column.cast(pa.timestamp("ns"))
    if kind == "time":
        return column.cast(pa.time64("us"))
    if kind == "duration":
        return column.cast(pa.duration("ns"))
    return column.cast(pa.float64()) if kind != "int" else column.cast(pa.float64()).cast(pa.int64())


def vectorised(column: object, kind: FrameKind) -> pd.Series | None:
    """The column (its empty texts null: ``empty_text_as_null``) typed at once when its cells all hold what ``kind``
    expects and pass the bulk checks; else None (the caller converts it cell by cell)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    assert isinstance(column, pa.Array)
    if kind == "cells":
        return None  # TRUE/FALSE: each cell keeps its own kind, cell by cell
    kind_type = column.type
    if pa.types.is_null(kind_type) or column.null_count == len(column):  # no value: typed as its kind's blanks
        return pd.Series([None] * len(column), dtype=_DTYPES[kind]) if kind != "text" else _texts(column)
    if kind == "text":
        if not (pa.types.is_string(kind_type) or pa.types.is_large_string(kind_type)):
            return None  # numbers or dates typed in a text column keep their digits by the per-cell rule
        if column.nbytes > EXCEL_MAX_TEXT:  # else no text in it can be longer: a character takes at least a byte
            longest = pc.max(pc.utf8_length(column)).as_py()
            if longest is not None and longest > EXCEL_MAX_TEXT:
                return None
        return _texts(column)
    if kind == "date":
        if not (pa.types.is_timestamp(kind_type) or pa.types.is_date(kind_type)):
            return None
        bounds = pc.min_max(column).as_py()  # checked before the cast, which fails outside datetime64[ns]'s range
        if bounds["min"] is not None and not (
            pd.Timestamp(bounds["min"]) >= FIRST_DATE and pd.Timestamp(bounds["max"]) <= LAST_DATE
        ):
            return None  # the per-cell rule names the first cell outside the range
        return pd.Series(column.cast(pa.timestamp("ns")).to_numpy(zero_copy_only=False), dtype=_DTYPES["date"])
    if kind == "time":
        return _times(column)
    if kind == "duration":
        return _durations(column)
    if not (pa.types.is_floating(kind_type) or pa.types.is_integer(kind_type)):
        return None  # typed amounts (¥3,700, 30%) are parsed cell by cell
    numbers = column.cast(pa.float64()).to_numpy(zero_copy_only=False)
    if (np.abs(numbers) > EXCEL_MAX_NUMBER).any():  # infinite, or more than a cell holds: named by the per-cell rule
        return None
    if kind == "int":
        whole = np.round(numbers)
        if not np.array_equal(numbers, whole, equal_nan=True):
            return None
        blank = np.isnan(whole)
        values = np.where(blank, 0, whole)
        if np.abs(values).max(initial=0) >= MAX_WHOLE:
            return None  # the per-cell rule names the first cell too large for an integer
        if np.abs(values).max(initial=0) >= 2**53:  # beyond the whole numbers a float holds exactly: pandas' checks
            return pd.Series(whole, dtype=_DTYPES["number"]).astype(_DTYPES["int"])
        # the nullable integers built from their values and blanks: what astype("Int64") gives, in one step
        return pd.Series(pd.arrays.IntegerArray(values.astype(np.int64), blank))
    return pd.Series(numbers, dtype=_DTYPES[kind])


def _times(column: object) -> pd.Series | None:
    """A column of times of day (time64, or fastexcel's timestamps on Excel's day 0) as datetime.time objects; None
    for any other column."""
    import pyarrow as pa
    import pyarrow.compute as pc

    assert isinstance(column, pa.Array)
    if pa.types.is_timestamp(column.type):
        bounds = pc.min_max(column).as_py()
        if not (pd.Timestamp(bounds["min"]) >= _DAY_ZERO and pd.Timestamp(bounds["max"]) < _DAY_ONE):
            return None
        return pd.Series(column.cast(pa.time64("us")).to_pylist(), dtype=_DTYPES["time"])
    return pd.Series(column.to_pylist(), dtype=_DTYPES["time"]) if pa.types.is_time(column.type) else None


def _durations(column: object) -> pd.Series | None:
    """A column of durations as Timedeltas; None for any other column, or one holding a duration longer than a
    Timedelta holds (the per-cell rule names its cell)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    assert isinstance(column, pa.Array)
    if not pa.types.is_duration(column.type):
        return None
    per_day = 86_400 * {"s": 1, "ms": 10**3, "us": 10**6, "ns": 10**9}[column.type.unit]
    longest = pc.max(pc.abs_checked(column.cast(pa.int64()))).as_py()  # min_max has no kernel for durations
    if longest > (MAX_DURATION_DAYS - 1) * per_day:
        return None
    return pd.Series(column.cast(pa.duration("ns")).to_numpy(zero_copy_only=False), dtype=_DTYPES["duration"])


def _texts(column: object) -> pd.Series:
    """Text (its empty texts null) as objects with None for blank, as the per-cell reader gives it."""
    import pyarrow.compute as pc

    if _repetitive(column):  # products, categories, reps, customers: one Python string per distinct value
        encoded = pc.dictionary_encode(column)
        words = np.append(encoded.dictionary.to_numpy(zero_copy_only=False).astype(object), [None])
        values = words[encoded.indices.fill_null(len(encoded.dictionary)).to_numpy()]
        return pd.Series(values, dtype=_DTYPES["text"])
    values = column.to_numpy(zero_copy_only=False)  # type: ignore[attr-defined]
    return pd.Series(values.astype(object, copy=False), dtype=_DTYPES["text"])


def _repetitive(column: object, sample: int = 10_000) -> bool:
    """True for a text column of at least ``sample`` values whose first ``sample`` hold fewer than one distinct value
    in ten."""
    import pyarrow.compute as pc

    # From 10,000 values on, a string per distinct value is about three times faster than one per value (a payments
    # table's customers, reps and methods), and its values take less memory; below it the check is not worth it.
    if len(column) < sample:  # type: ignore[arg-type]
        return False
    head = column.slice(0, sample)  # type: ignore[attr-defined]
    return pc.count_distinct(head, mode="all").as_py() * 10 < sample


def arrow_kind(column: object) -> FrameKind:
    """The kind a column the user added takes from its Arrow type: numbers, dates, times of day (fastexcel's
    timestamps on Excel's day 0), durations, booleans (each cell its own), else text."""
    import pyarrow as pa

    assert isinstance(column, (pa.Array, pa.ChunkedArray))
    if pa.types.is_timestamp(column.type):
        return _timestamps_kind(column)
    return type_kind(column.type)


def _timestamps_kind(column: object) -> FrameKind:
    """The kind of a column of the user's that fastexcel gives as timestamps: times of day when all are on Excel's
    day 0, each cell its own when some are or when one is before it (a negative number under a time or date
    format, which no date of Excel's calendar is: kept as its number), else dates."""
    import pyarrow as pa
    import pyarrow.compute as pc

    assert isinstance(column, (pa.Array, pa.ChunkedArray))
    bounds = pc.min_max(column).as_py()
    if bounds["min"] is None or pd.Timestamp(bounds["min"]) >= _DAY_ONE:
        return "date"
    return "time" if pd.Timestamp(bounds["min"]) >= _DAY_ZERO and pd.Timestamp(bounds["max"]) < _DAY_ONE else "cells"


def type_kind(kind_type: object) -> FrameKind:
    """The kind of a column the user added whose values have the Arrow type ``kind_type``: a column of numbers or
    dates as such; booleans, and a column of cells of several kinds (a struct: ``cellcolumns.cells_array``), each
    cell as its own."""
    import pyarrow as pa

    assert isinstance(kind_type, pa.DataType)
    if pa.types.is_floating(kind_type) or pa.types.is_integer(kind_type):
        return "number"
    if pa.types.is_boolean(kind_type) or pa.types.is_struct(kind_type):
        return "cells"
    if pa.types.is_time(kind_type):
        return "time"
    if pa.types.is_duration(kind_type):
        return "duration"
    return "date" if pa.types.is_timestamp(kind_type) or pa.types.is_date(kind_type) else "text"


def cells_kind(values: Sequence[object]) -> FrameKind:
    """The kind a column the user added takes from its cells as calamine gives them: "number" when every value is a
    number, "date" when every value is a date, "time" or "duration" when every value is one, "text" when every value
    is text; else "cells", each cell keeping its own kind (text beside numbers, TRUE/FALSE)."""
    found = {cell_kind(v) for v in values}
    found.discard("blank")
    if len(found) == 1 and "bool" not in found:
        return found.pop()  # type: ignore[return-value]
    return "cells" if found else "text"
