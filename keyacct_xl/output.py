"""Writing reports: deterministic XlsxWriter workbooks and Excel-friendly CSV, both atomic, a different file they
replace kept as its backup."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pandas as pd
import xlsxwriter
from xlsxwriter.worksheet import Worksheet

from keyacct_xl.errors import InputError, KeyacctError
from keyacct_xl.fileio import write_replacing
from keyacct_xl.master.schema import CUSTOMERS, SETTINGS
from keyacct_xl.master.writer import DATE_FORMAT, MONEY_FORMAT
from keyacct_xl.messages import msg
from keyacct_xl.xlsx.book import xlsx_book
from keyacct_xl.xlsx.package import locate_tables, open_package

__all__ = [
    "DATE_FORMAT",
    "MONEY_FORMAT",
    "check_suffix",
    "display_width",
    "workbook",
    "write_cell",
    "write_csv",
]


def check_suffix(path: Path, allowed: tuple[str, ...]) -> str:
    """The output format from ``path``'s suffix, or a clear error listing the allowed ones."""
    suffix = path.suffix.lower()
    if suffix not in allowed:
        either: object = allowed[0]
        for suffix in allowed[1:]:
            either = msg("{first} or {second}", first=either, second=suffix)
        raise InputError(msg("{path}: output must end in {suffixes}", path=path, suffixes=either))
    return suffix


def refuse_replacing_a_master(path: Path) -> None:
    """Raise InputError when ``path`` holds a master workbook (its Customers and Settings tables): a report written
    there would replace the master, or its backup, by a report (``rfm master.xlsx --out master.xlsx`` did)."""
    path = Path(path)
    if not zipfile.is_zipfile(path):
        return
    try:
        with open_package(path) as archive:
            tables = locate_tables(archive)
    except KeyacctError:  # a damaged workbook, or one past the caps: no master to keep, and the report replaces it
        return
    if {CUSTOMERS.name, SETTINGS.name} <= set(tables):
        raise InputError(
            msg(
                "{path} is a master workbook (it holds the tables Customers and Settings): a report is never written "
                "over a master or its backup; name another file",
                path=path,
            )
        )


@contextmanager
def workbook(path: Path, title: str) -> Iterator[xlsxwriter.Workbook]:
    """An in-memory XlsxWriter workbook with fixed properties (same inputs, same bytes), saved atomically; never
    over a master workbook."""
    refuse_replacing_a_master(path)
    buffer = io.BytesIO()
    book = xlsx_book(buffer, title=title)
    yield book
    book.close()
    write_replacing(Path(path), buffer.getvalue())


def display_width(text: str) -> int:
    """Columns a text needs in a cell: a Chinese character is two wide."""
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in text)


def write_cell(sheet: Worksheet, row: int, col: int, value: object, style: object) -> None:
    """One value by its type: blanks for missing values, dates, numbers (never booleans), else text."""
    if value is None or value is pd.NaT or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        sheet.write_blank(row, col, None, style)
    elif isinstance(value, pd.Timestamp):
        sheet.write_datetime(row, col, value.to_pydatetime(), style)
    elif isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, (bool, np.bool_)):
        sheet.write_number(row, col, float(value), style)
    else:
        sheet.write_string(row, col, str(value), style)


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(value: object) -> object:
    """Text that Excel would run as a formula when it opens a CSV gets a leading apostrophe (OWASP's advice)."""
    if isinstance(value, str) and (value.startswith(_FORMULA_START) or ("|" in value and "!" in value)):
        return "'" + value
    return value


def write_csv(frame: pd.DataFrame, path: Path) -> Path:
    """UTF-8 with BOM (so Excel opens Chinese text correctly), dates as yyyy-mm-dd, numbers as Excel shows them, no
    text Excel would execute."""
    text_columns = [c for c in frame.columns if frame[c].dtype == object or pd.api.types.is_string_dtype(frame[c])]
    frame = frame.copy()
    for column in text_columns:
        frame[column] = frame[column].map(csv_safe)
    # Fifteen significant digits, as Excel shows a number: a sum such as 0.1 + 0.2 is written 0.3, not
    # 0.30000000000000004, and a whole number held as a float 5, not 5.0
    text = frame.to_csv(index=False, date_format="%Y-%m-%d", lineterminator="\r\n", float_format="%.15g")
    refuse_replacing_a_master(path)
    return write_replacing(Path(path), text.encode("utf-8-sig"))
