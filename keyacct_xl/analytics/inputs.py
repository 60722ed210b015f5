"""INPUT for rfm and abc: a master workbook (its Transactions table) or a loose table file with alias headers."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from keyacct_xl.master.reader import is_master_workbook, load_master
from keyacct_xl.master.schema import TRANSACTIONS
from keyacct_xl.tablefile import read_table_file

REQUIRED = ("customer_id", "date", "amount")


def load_transactions(path: str | Path) -> pd.DataFrame:
    """Transactions with canonical columns from a master workbook or a table file (tablefile.SUFFIXES)."""
    path = Path(path)
    if is_master_workbook(path):
        return load_master(path).transactions
    return read_table_file(path, TRANSACTIONS.columns, required=REQUIRED, table=TRANSACTIONS.name)
