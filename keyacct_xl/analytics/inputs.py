"""INPUT for rfm and abc when it is not a master: a loose table file of sales lines with alias headers, and the
names of its customers when it has a name column."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from keyacct_xl.master.schema import TRANSACTIONS, column
from keyacct_xl.parsing import is_blank
from keyacct_xl.tablefile import read_table_file

REQUIRED = ("customer_id", "date", "amount")
# The customer-name column a file of sales lines may hold beside its ids (Customers' 客户名称). Not Customers' own
# aliases: 名称, Name or 客户 in a file of sales lines may as well be a product's name or the id column.
CUSTOMER_NAME = column("customer_name", "客户名称", "Customer Name", "text", "客户名|公司名称|单位名称|Company Name")


@dataclass(frozen=True)
class SalesLines:
    """A file of sales lines: its Transactions, and its customers (customer_id, name) when it names any."""

    transactions: pd.DataFrame
    customers: pd.DataFrame | None


def load_sales_lines(path: str | Path) -> SalesLines:
    """Transactions with canonical columns from a table file (tablefile.SUFFIXES), and the names it gives."""
    frame = read_table_file(path, [*TRANSACTIONS.columns, CUSTOMER_NAME], required=REQUIRED, table=TRANSACTIONS.name)
    names = frame.pop(CUSTOMER_NAME.key)
    return SalesLines(frame, named_customers(frame, names))


def named_customers(transactions: pd.DataFrame, names: pd.Series) -> pd.DataFrame | None:
    """Each customer's name as ``names`` (row for row with ``transactions``) gives it: that of its latest dated line
    with one, so a customer renamed shows its new name; None when no line has a name."""
    lines = pd.DataFrame(
        {"customer_id": transactions["customer_id"].astype(str), "date": transactions["date"], "name": names}
    )
    lines = lines[~lines["name"].map(is_blank)]
    if lines.empty:
        return None
    latest = lines.sort_values("date", kind="stable", na_position="first").drop_duplicates("customer_id", keep="last")
    return pd.DataFrame(
        {"customer_id": latest["customer_id"].to_numpy(), "name": latest["name"].astype(str).str.strip().to_numpy()}
    )
