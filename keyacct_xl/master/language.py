"""The language of a master workbook, told by its sheet names (zh 客户档案, en Customers)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from keyacct_xl.errors import KeyacctError
from keyacct_xl.i18n import Lang
from keyacct_xl.master.schema import CUSTOMERS
from keyacct_xl.xlsx.package import open_package, sheet_parts


def sheets_language(sheets: Iterable[str]) -> Lang | None:
    """The language of a master with these sheet names; None when no sheet is its customers' (no master)."""
    names = set(sheets)
    if CUSTOMERS.sheet_en in names:
        return "en"
    return "zh" if CUSTOMERS.sheet_zh in names else None


def master_language(path: Path) -> Lang | None:
    """The language of the master workbook at ``path``; None for a file that is no readable master (the command
    reading it then says why, in the language the run falls back to)."""
    try:
        # is_file raises for a name too long or a folder it may not enter: no language, never an error here.
        if not path.is_file():
            return None
        with open_package(path) as archive:
            return sheets_language(sheet_parts(archive))
    except (KeyacctError, OSError):
        return None
