"""Excel argument semantics for worksheet functions, without xlwings: blanks, error values, numbers stored as
text, dates as serial numbers, single cells or whole columns, tables with a header row.

Values arrive as xlwings' Windows conversion hands them over with ``ndim=2`` and ``err_to_str=True``: a list
of rows; empty cells ``None``; error cells their text ("#N/A"); dates ``datetime``; numbers ``float``.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import logging
import math
import pickle
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from keyacct_xl.errors import InputError, KeyacctError
from keyacct_xl.headers import resolve_headers
from keyacct_xl.master.convert import convert
from keyacct_xl.master.model import dtype_for
from keyacct_xl.master.schema import TableSchema
from keyacct_xl.messages import cell_bool
from keyacct_xl.parsing import ParseError, excel_serial, is_blank, parse_date, parse_money, parse_percent

logger = logging.getLogger("keyacct_xl.udfs")
EXCEL_ERRORS = (
    "#NULL!",
    "#DIV/0!",
    "#VALUE!",
    "#REF!",
    "#NAME?",
    "#NUM!",
    "#N/A",
    "#GETTING_DATA",
    "#SPILL!",
    "#CALC!",
)


class CellError(Exception):
    """A worksheet-function failure shown in the cell as an Excel error code followed by a message."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message

    def text(self) -> str:
        """What the cell shows: the error code, then why (xlwings on Windows cannot return a true error value)."""
        return f"{self.code} {self.message}".strip()


def error_code(value: object) -> str | None:
    """The Excel error code a cell value carries, or None."""
    if isinstance(value, str) and value.strip().upper() in EXCEL_ERRORS:
        return value.strip().upper()
    return None


def grid(value: object) -> list[list[object]]:
    """Any argument as a list of rows (a single cell becomes one row of one value)."""
    if isinstance(value, (list, tuple)):
        if not value:
            return []
        if isinstance(value[0], (list, tuple)):
            return [list(row) for row in value]
        return [list(value)]
    return [[value]]


@dataclass(frozen=True)
class Shape:
    """How a vector argument was laid out, so the result comes back the same way (a column in, a column out)."""

    rows: int
    cols: int

    def rebuild(self, values: Sequence[object]) -> object:
        """A scalar for one cell, else a column or a row of ``values``."""
        if self.rows == 1 and self.cols == 1:
            return values[0]
        if self.cols == 1:
            return [[v] for v in values]
        return [list(values)]


def vector(value: object, what: str) -> tuple[list[object], Shape]:
    """A single cell, a column or a row as a flat list with its shape; a 2-D block is refused."""
    rows = grid(value)
    if not rows:
        return [], Shape(0, 0)
    if len(rows) > 1 and len(rows[0]) > 1:
        raise CellError("#VALUE!", f"{what}: give one column or one row, not a {len(rows)}x{len(rows[0])} block")
    return [v for row in rows for v in row], Shape(len(rows), len(rows[0]))


def single(value: object, what: str) -> object:
    """The one cell of an option argument (None when omitted); a range of several cells is refused, not cut to
    its first cell."""
    rows = grid(value)
    if not rows or not rows[0]:
        return None
    if len(rows) > 1 or len(rows[0]) > 1:
        raise CellError("#VALUE!", f"{what}: give one cell, not a {len(rows)}x{len(rows[0])} range")
    return rows[0][0]


def vectors(**arguments: object) -> tuple[dict[str, list[object]], Shape]:
    """Several vector arguments as flat lists, with the shape of the longest (a single cell stretches)."""
    flat, shapes = {}, {}
    for name, value in arguments.items():
        flat[name], shapes[name] = vector(value, name)
    longest = max(flat, key=lambda k: len(flat[k]))
    return flat, shapes[longest]


def broadcast(name_values: dict[str, list[object]]) -> int:
    """The common length of vector arguments; a single value stretches to it, other lengths are refused."""
    lengths = {len(v) for v in name_values.values() if len(v) != 1}
    if len(lengths) > 1:
        shown = ", ".join(f"{k}={len(v)}" for k, v in name_values.items())
        raise CellError("#VALUE!", f"arguments have different lengths ({shown})")
    n = lengths.pop() if lengths else 1
    for key, values in name_values.items():
        if len(values) == 1 and n != 1:
            name_values[key] = values * n
    return n


def number(value: object, what: str) -> float | None:
    """A number from a number, a number stored as text ("1,234", "¥1,234.00", "80%"), a date cell (its serial
    number, as SUM and AVERAGE read it), or None for a blank."""
    if code := error_code(value):
        raise CellError(code, f"({what})")
    if is_blank(value):
        return None
    if isinstance(value, bool):
        raise CellError("#VALUE!", f"{what} must be a number, not {cell_bool(value)}")
    if isinstance(value, dt.date):  # =TODAY()-C2 is formatted as a date by Excel, and handed over as one
        return excel_serial(value, com=True)
    if isinstance(value, (int, float)):
        if not math.isfinite(value):
            raise CellError("#NUM!", f"{what} is not a finite number")
        return float(value)
    # "80%" stored as text is 0.8, as Excel reads it (and "80%%" 0.008)
    if (share := parse_percent(str(value), lambda rest: number(rest, what))) is not None:
        return share
    try:
        return parse_money(value)
    except ParseError as exc:
        raise CellError("#VALUE!", f"{what}: {exc}") from None


def integer(value: object, what: str, *, minimum: int | None = None) -> int | None:
    """A whole number (also stored as text), or None for a blank; a fraction or a value below ``minimum`` is
    refused rather than rounded."""
    amount = number(value, what)
    if amount is None:
        return None
    if not amount.is_integer() or (minimum is not None and amount < minimum):
        least = f" of at least {minimum}" if minimum is not None else ""
        raise CellError("#VALUE!", f"{what} must be a whole number{least}, not {amount:g}")
    return int(amount)


def date(value: object, what: str) -> pd.Timestamp | None:
    """A date from a datetime, an Excel serial number or date text, or None for a blank."""
    if code := error_code(value):
        raise CellError(code, f"({what})")
    if is_blank(value):
        return None
    try:  # a date cell too: one typed in year 3026 is refused as the master refuses it, not taken as it is
        return parse_date(value.replace(tzinfo=None) if isinstance(value, dt.datetime) else value)
    except ParseError as exc:
        raise CellError("#VALUE!", f"{what}: {exc}") from None


def text(value: object, what: str) -> str | None:
    """Text (numbers typed as codes keep their digits), or None for a blank."""
    if code := error_code(value):
        raise CellError(code, f"({what})")
    if is_blank(value):
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def table(value: object, schema: TableSchema, *, required: Sequence[str], what: str) -> pd.DataFrame:
    """A range with a header row (``Table[#All]``) as a frame with canonical columns; errors name the row."""
    rows = grid(value)
    if len(rows) < 2:
        raise CellError("#VALUE!", f"{what}: give the table with its header row, e.g. {schema.name}[#All]")
    # Blank rows (inside the table or below it) hold no data; messages keep the range's row numbers.
    numbered = [(i, r) for i, r in enumerate(rows[1:], start=2) if any(not is_blank(v) for v in r)]
    header, body, row_no = rows[0], [r for _, r in numbered], [i for i, _ in numbered]
    try:
        positions = resolve_headers(header, schema.columns, where=what, required=required)
    except InputError as exc:
        raise CellError("#VALUE!", exc.en) from None
    data = {}
    for pos, key in positions.items():
        values = [r[pos] for r in body]
        for i, v in enumerate(values):
            if code := error_code(v):
                raise CellError(code, f"{what}: row {row_no[i]}, column {header[pos]} is {v}")
        try:
            data[key] = convert(
                values, schema.column(key).kind, lambda i, h=header[pos]: f"{what}: row {row_no[i]} ({h})"
            )
        except InputError as exc:
            raise CellError("#VALUE!", exc.en) from None
    frame = pd.DataFrame(data, index=pd.RangeIndex(len(body)))
    for column in schema.columns:  # absent optional columns come empty, as when the master is read
        if column.key not in frame.columns:
            frame[column.key] = pd.Series([None] * len(frame), dtype=dtype_for(column.kind))
    return frame


def frame_grid(frame: pd.DataFrame) -> list[list[object]]:
    """A frame as rows for a spilled result: header first; NaN/NaT as empty cells, numpy scalars as Python."""
    rows: list[list[object]] = [[str(c) for c in frame.columns]]
    for record in frame.itertuples(index=False, name=None):
        rows.append([_cell(v) for v in record])
    return rows


def _cell(value: object) -> object:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    if isinstance(value, np.generic):
        return value.item()
    return value


class TableCache:
    """Results of table functions keyed on a hash of their arguments, so a recalculation with the same input
    returns at once (Excel recalculates every dependent cell; the table may have 100,000 rows)."""

    def __init__(self, size: int = 32) -> None:
        self.size = size
        self._entries: OrderedDict[str, object] = OrderedDict()

    @staticmethod
    def key(name: str, args: tuple[object, ...]) -> str:
        """A digest of the function name and its argument values."""
        return hashlib.blake2b(pickle.dumps((name, args), protocol=5), digest_size=16).hexdigest()

    def get_or_compute(self, name: str, args: tuple[object, ...], compute: Callable[[], object]) -> object:
        """The cached result for these arguments, computing and storing it on a miss."""
        key = self.key(name, args)
        if key in self._entries:
            self._entries.move_to_end(key)
            return self._entries[key]
        result = compute()
        self._entries[key] = result
        if len(self._entries) > self.size:
            self._entries.popitem(last=False)
        return result

    def __len__(self) -> int:
        return len(self._entries)


def excel_safe(function: Callable) -> Callable:
    """Turn every failure into the cell text Excel shows ("#VALUE! why"), never a Python traceback."""

    @functools.wraps(function)
    def wrapper(*args):
        try:
            return function(*args)
        except CellError as exc:
            return exc.text()
        except KeyacctError as exc:
            return f"#VALUE! {exc.en}"
        except Exception as exc:  # the cell is the only place the user sees; the log keeps the traceback
            logger.exception("%s failed", function.__name__)
            return f"#VALUE! {function.__name__}: unexpected {type(exc).__name__}: {exc}"

    return wrapper


def per_row(columns: dict[str, list[object]], parse: Callable[[dict[str, object], int], tuple]) -> tuple[list, dict]:
    """Parse row by row: good rows in order, and the error text of each bad row by its position."""
    n = broadcast(columns)
    good, bad = [], {}
    for i in range(n):
        try:
            good.append((i, parse({k: v[i] for k, v in columns.items()}, i)))
        except CellError as exc:
            bad[i] = exc.text()
    return good, bad


def assemble(n: int, good_positions: list[int], values: list[object], bad: dict[int, str]) -> list[object]:
    """``n`` results: computed values at their rows, error texts at the bad rows, blanks elsewhere."""
    out: list[object] = [None] * n
    for pos, value in zip(good_positions, values):
        out[pos] = value
    for pos, message in bad.items():
        out[pos] = message
    return out


_TEXT_METRICS = {"customer_id", "current_grade", "credit_grade", "current_credit_grade", "name", "region", "rep"}


def metrics_table(value: object) -> pd.DataFrame:
    """A metrics range with a header of metric names: dates for first_trade_date, text for ids and grades,
    numbers (numbers stored as text too) for the rest."""
    rows = grid(value)
    if len(rows) < 2:
        raise CellError("#VALUE!", "metrics: give a range with a header row of metric names")
    header = [text(h, "header") for h in rows[0]]
    # Blank rows (a range reaching below the data) are no customers; messages keep the range's row numbers.
    body = [(i, r) for i, r in enumerate(rows[1:], start=2) if any(not is_blank(v) for v in r)]
    data: dict[str, list[object]] = {}
    for j, name in enumerate(header):
        if name is None:
            continue
        if name == "first_trade_date":
            data[name] = [date(r[j], f"{name} row {i}") for i, r in body]
        elif name in _TEXT_METRICS:
            data[name] = [text(r[j], f"{name} row {i}") for i, r in body]
        else:
            data[name] = [number(r[j], f"{name} row {i}") for i, r in body]
    unnamed = [i for (i, _), key in zip(body, data.get("customer_id", ())) if key is None]
    if unnamed:
        raise CellError("#VALUE!", f"metrics: row {unnamed[0]} has values but no customer_id")
    frame = pd.DataFrame(data)
    if "first_trade_date" in frame:
        frame["first_trade_date"] = pd.to_datetime(frame["first_trade_date"])
    return frame
