"""Excel's 29 February 1900 (serial 60), a day that never was, in a form's date cell.

Excel counts a 29 February 1900 for Lotus 1-2-3's sake; calamine and openpyxl hand a date cell holding serial 60 over
as 1900-02-28, the day serial 59 is, so the cell would be stored as a real date. A read cell given as 1900-02-28 has
its number read from the sheet part itself, and one holding 60 gets that number, which reading a date refuses at its
cell "whatever its form" (docs/parsing.md). Only an ``.xlsx``/``.xlsm`` keeps the number so: an ``.ods`` counts
without the phantom day, and a legacy ``.xls`` is read by its labels (recognize._LAID_OUT).
"""

from __future__ import annotations

import datetime as dt
import io
import math
import zipfile
from collections import defaultdict
from collections.abc import Collection, Mapping

from keyacct_xl.consolidate.model import CellValue, Extracted
from keyacct_xl.xlsx.ooxml import split_ref
from keyacct_xl.xlsx.package import read_part, sheet_parts
from keyacct_xl.xlsx.sheetxml import cell_numbers
from keyacct_xl.xlsx.xmlpart import PartError

Cell = tuple[int, int]  # (row, column), 0-based
PHANTOM_SERIAL = 60
_SHOWN_AS = dt.date(1900, 2, 28)  # the day the readers give serial 60 (and 59, which is that day)


def restore_phantom_days(extracted: Extracted, data: bytes, package: zipfile.ZipFile | None) -> None:
    """Give each read cell of ``extracted`` that the reader made 1900-02-28 from serial 60 (or 60.x) its number."""
    shown = _cells_shown_as_phantom(extracted)
    if not shown:
        return
    phantom = {
        (sheet, cell): number
        for sheet, cells in shown.items()
        for cell, number in _numbers(data, package, sheet, cells).items()
        if math.floor(number) == PHANTOM_SERIAL
    }
    if phantom:
        _put_numbers(extracted, phantom)


def _shown_as_phantom(value: object) -> bool:
    return isinstance(value, dt.date) and (value.date() if isinstance(value, dt.datetime) else value) == _SHOWN_AS


def _cells_shown_as_phantom(extracted: Extracted) -> dict[str, set[Cell]]:
    """The read cells, per sheet, that the reader gave as 1900-02-28: header fields and every table's lines."""
    found: dict[str, set[Cell]] = defaultdict(set)
    for cell in extracted.header.values():
        if cell.sheet and cell.ref and _shown_as_phantom(cell.value):
            row, col = split_ref(cell.ref)
            found[cell.sheet].add((row - 1, col - 1))
    for table in extracted.tables.values():
        for row, values in table.rows:
            found[table.sheet].update(
                (row - 1, c) for c in table.columns.values() if c < len(values) and _shown_as_phantom(values[c])
            )
    return {sheet: cells for sheet, cells in found.items() if cells}


def _numbers(data: bytes, package: zipfile.ZipFile | None, sheet: str, cells: Collection[Cell]) -> Mapping[Cell, float]:
    """The numbers ``cells`` of ``sheet`` hold in the file; none when its part cannot be read so (nothing concluded)."""
    archive = package if package is not None else zipfile.ZipFile(io.BytesIO(data))
    try:
        part = sheet_parts(archive).get(sheet)
        return {} if part is None else cell_numbers(read_part(archive, part), part, cells)
    except (PartError, KeyError, zipfile.BadZipFile):
        return {}
    finally:
        if package is None:
            archive.close()


def _put_numbers(extracted: Extracted, phantom: Mapping[tuple[str, Cell], float]) -> None:
    for key, cell in extracted.header.items():
        if cell.sheet and cell.ref:
            row, col = split_ref(cell.ref)
            if (number := phantom.get((cell.sheet, (row - 1, col - 1)))) is not None:
                extracted.header[key] = CellValue(number, cell.sheet, cell.ref)
    for table in extracted.tables.values():
        for row, values in table.rows:
            for c in table.columns.values():
                if (number := phantom.get((table.sheet, (row - 1, c)))) is not None:
                    values[c] = number
