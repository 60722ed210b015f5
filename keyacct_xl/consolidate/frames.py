"""Small DataFrame helpers for the merge: typed appends and rows as JSON for the history table."""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Sequence

import pandas as pd

from keyacct_xl.master.model import dtype_for
from keyacct_xl.master.schema import TableSchema


def typed_frame(rows: Sequence[dict[str, object]], schema: TableSchema, columns: Sequence[str]) -> pd.DataFrame:
    """``rows`` as a frame with ``columns``: schema columns in their dtypes, extra columns as object."""
    known = set(schema.keys)
    data = {}
    for label in columns:
        values = [r.get(label) for r in rows]
        if label not in known:
            data[label] = pd.Series(values, dtype="object")
            continue
        kind = schema.column(label).kind
        if kind == "date":
            data[label] = pd.to_datetime(pd.Series(values, dtype="object")).astype("datetime64[ns]")
        elif kind == "text":
            data[label] = pd.Series(values, dtype="object")
        else:
            data[label] = pd.Series([None if v is None else v for v in values], dtype="object").astype(dtype_for(kind))
    return pd.DataFrame(data, index=pd.RangeIndex(len(rows)))


def append_rows(frame: pd.DataFrame, rows: Sequence[dict[str, object]], schema: TableSchema) -> pd.DataFrame:
    """``frame`` with ``rows`` appended; new extra columns are added, existing columns keep their dtype."""
    if not rows:
        return frame
    present = set(frame.columns)  # a set: a pandas Index answers "in" far slower, and this asks once per cell
    columns = list(dict.fromkeys([*frame.columns, *(k for r in rows for k in r if k not in present)]))
    added = typed_frame(rows, schema, columns)
    for label in columns:
        if label not in frame.columns:
            frame = frame.assign(**{label: pd.Series([None] * len(frame), dtype=added[label].dtype)})
    return pd.concat([frame, added[list(frame.columns)]], ignore_index=True)


def plain_value(value: object) -> object:
    """A cell value as JSON holds it: dates in ISO form, numpy scalars as Python numbers, blanks as None."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, (pd.Timestamp, dt.date)):
        return value.isoformat()
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    return value


def row_json(row: dict[str, object]) -> str:
    """A row's non-empty values as compact JSON (keys sorted), for the history table and the ledger."""
    plain = {str(k): plain_value(v) for k, v in row.items()}
    return json.dumps(
        {k: v for k, v in sorted(plain.items()) if v is not None},
        ensure_ascii=False,
        separators=(",", ":"),
        default=str,
    )
