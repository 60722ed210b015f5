"""Small helpers shared by the analytics functions: required columns and blank values in input frames, and the
customer's name beside its id in a sheet a person reads."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from keyacct_xl.errors import InputError
from keyacct_xl.master.schema import TableSchema
from keyacct_xl.messages import Listing, Pair, Rendered, msg


def require_columns(frame: pd.DataFrame, columns: Iterable[str], table: TableSchema) -> None:
    """Raise naming the missing columns (and those present), then any row with a blank required value; the table
    and its columns named by their headers in the user's language."""
    columns = tuple(columns)
    what = Pair(table.sheet_en, table.sheet_zh)
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise InputError(
            msg(
                "{what}: missing column(s) {missing}; columns seen: {seen}",
                what=what,
                missing=Listing(tuple(_header(table, c) for c in missing)),
                seen=Listing(tuple(_header(table, c) for c in frame.columns)) if len(frame.columns) else msg("none"),
            )
        )
    if frame.empty:
        raise InputError(msg("{what}: no rows", what=what))
    for column in columns:
        blank = frame[column].isna().to_numpy()
        if blank.any():
            # Data rows counted from 1, as the ledger's check counts them (the index label was 0-based).
            rows = [str(p + 1) for p in np.flatnonzero(blank)[:5]]
            more = f" (+{int(blank.sum()) - 5} more)" if blank.sum() > 5 else ""
            raise InputError(
                msg(
                    "{what}: {column} is blank in data row(s) {rows}{more}",
                    what=what,
                    column=_header(table, column),
                    rows=", ".join(rows),
                    more=more,
                )
            )


def _header(table: TableSchema, key: object) -> Rendered | str:
    """A column of ``table`` by its header (a column the schema does not know, as it came)."""
    known = next((c for c in table.columns if c.key == key), None)
    return Pair(known.en, known.zh) if known is not None else str(key)


def with_customer_names(frame: pd.DataFrame, customers: pd.DataFrame | None) -> pd.DataFrame:
    """``frame`` with each row's customer name (Customers' 客户名称, key ``name``) right after its ``customer_id``:
    the one way a sheet a person reads names the customers it lists by id. Without Customers (a file of sales lines
    with no name column), without a customer id, or naming its customers already, ``frame`` as it is; an id Customers
    lacks has no name."""
    if customers is None or "customer_id" not in frame.columns or {"name", "customer_name"} & set(frame.columns):
        return frame
    ids = customers["customer_id"].astype(str).str.strip()
    # of an id listed twice, its first row (master check reports the duplicate)
    names = pd.Series(customers["name"].to_numpy(dtype=object), index=ids.to_numpy())[~ids.duplicated().to_numpy()]
    listed = frame["customer_id"].astype(str).str.strip()
    out = frame.copy()
    out.insert(out.columns.get_loc("customer_id") + 1, "name", listed.map(names).to_numpy(dtype=object))
    return out
