"""Reading a report sheet back as its reader sees it: the Excel table under the title block, by sheet."""

from __future__ import annotations

import re
import subprocess
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


def printed_across(ws) -> str:
    """The orientation a report sheet should print in: portrait when its columns fit A4 portrait's printable width
    (210 mm less 0.7 in margins each side, at 96 px per inch; a column of width w is w * 7 + 5 px), else
    landscape."""
    (table,) = ws.tables.values()
    min_col, _, max_col, _ = range_boundaries(table.ref)
    letters = [openpyxl.utils.get_column_letter(c) for c in range(min_col, max_col + 1)]
    width_px = sum(int(ws.column_dimensions[letter].width * 7 + 5) for letter in letters)
    return "portrait" if width_px <= (210 / 25.4 - 1.4) * 96 else "landscape"


def table_rows(path: Path, sheet: str | int = 0) -> list[tuple]:
    """The rows of the sheet's Excel table, as a reader sees them: the header row, the data and any total row (its
    stored values, not its formulas)."""
    book = openpyxl.load_workbook(path, data_only=True)
    ws = book.worksheets[sheet] if isinstance(sheet, int) else book[sheet]
    (table,) = ws.tables.values()
    min_col, min_row, max_col, max_row = range_boundaries(table.ref)
    return list(ws.iter_rows(min_row=min_row, max_row=max_row, min_col=min_col, max_col=max_col, values_only=True))


def pdf_pages(pdf: Path) -> list[str]:
    """The text of each page of ``pdf`` as pdftotext lays it out (a printed workbook, one string a page)."""
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    match = re.search(r"^Pages:\s+(\d+)", info, re.M)
    assert match, info
    return [
        subprocess.run(
            ["pdftotext", "-f", str(i), "-l", str(i), "-layout", str(pdf), "-"], capture_output=True, text=True
        ).stdout
        for i in range(1, int(match.group(1)) + 1)
    ]


def printed_sheets(pages: list[str], titles: list[str]) -> list[str | None]:
    """The sheet each printed page belongs to, by the title block's "report — sheet" line (a page without a title
    block is its sheet's next, as a strip or a chart page is)."""
    longest_first = sorted(titles, key=len, reverse=True)
    found: list[str | None] = []
    current = None
    for text in pages:
        current = next((title for title in longest_first if f"— {title}" in text), current)
        found.append(current)
    return found


def pages_with_line(pages: list[str], line: str) -> list[int]:
    """The 0-based pages holding ``line`` as a whole line of their text (a chart's title, centred above it)."""
    whole = re.compile(rf"^\s*{re.escape(line)}\s*$", re.M)
    return [i for i, text in enumerate(pages) if whole.search(text)]
