"""Reading a report sheet back as its reader sees it: the Excel table under the title block, by sheet."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pandas as pd
from openpyxl.utils import range_boundaries


def table_ref(path: Path, sheet: str | int = 0) -> tuple[int, int, int, int, int]:
    """The sheet's one Excel table: first column, header row, last column, last data row (1-based), totals rows."""
    book = openpyxl.load_workbook(path)
    ws = book.worksheets[sheet] if isinstance(sheet, int) else book[sheet]
    (table,) = ws.tables.values()
    min_col, min_row, max_col, max_row = range_boundaries(table.ref)
    totals = table.totalsRowCount or 0
    return min_col, min_row, max_col, max_row - totals, totals


def report_table(path: Path, sheet: str | int = 0) -> pd.DataFrame:
    """The data of the sheet's Excel table with its headers (the total row left out), read with calamine."""
    min_col, header, max_col, last, _ = table_ref(path, sheet)
    return pd.read_excel(
        path,
        sheet_name=sheet,
        header=header - 1,
        nrows=last - header,
        usecols=list(range(min_col - 1, max_col)),
        engine="calamine",
    )
