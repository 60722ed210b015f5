"""One way to start an XlsxWriter workbook: in memory, fixed document times, data never turned into formulas."""

from __future__ import annotations

import datetime as dt
from typing import IO

import xlsxwriter

FIXED_CREATED = dt.datetime(2026, 1, 1)
OUTPUT_AUTHOR = "keyacct-xl"  # the author of every workbook written here, unless a caller names another
# XlsxWriter's write() would make "=..." a formula, "http..." a link and "123" a number: a customer name or a
# submitted value must stay the text it was (the brief's injection rule), so every writer turns that off.
SAFE_OPTIONS = {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False}


def xlsx_book(buffer: IO[bytes], *, title: str, **properties: str) -> xlsxwriter.Workbook:
    """A new workbook writing into ``buffer`` with deterministic properties; call ``close()`` when done."""
    book = xlsxwriter.Workbook(buffer, SAFE_OPTIONS)
    book.set_properties({"title": title, "author": OUTPUT_AUTHOR, "created": FIXED_CREATED, **properties})
    return book
