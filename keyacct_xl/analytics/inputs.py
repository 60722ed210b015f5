"""INPUT for rfm and abc: a master workbook (its Transactions table) or a loose table file with alias headers."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import python_calamine as calamine

from keyacct_xl.master.reader import load_master
from keyacct_xl.master.schema import TRANSACTIONS
from keyacct_xl.tablefile import read_table_file

REQUIRED = ("customer_id", "date", "amount")


def is_master(path: Path) -> bool:
    """True for an .xlsx that holds the master's Transactions and Customers tables."""
    if path.suffix.lower() not in (".xlsx", ".xlsm") or not path.exists():
        return False
    try:
        names = set(calamine.CalamineWorkbook.from_path(str(path), load_tables=True).table_names)
    except Exception:  # not readable as a workbook: read_table_file gives the located error
        return False
    return {"Transactions", "Customers"} <= names


def load_transactions(path: str | Path) -> pd.DataFrame:
    """Transactions with canonical columns from a master workbook or a .xlsx/.csv/.parquet table."""
    path = Path(path)
    if is_master(path):
        return load_master(path).transactions
    return read_table_file(path, TRANSACTIONS.columns, required=REQUIRED, table=TRANSACTIONS.name)
