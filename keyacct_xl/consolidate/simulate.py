"""Fill generated forms the way a rep does (open the workbook, type into the input cells, save), with openpyxl.

Used by the demo's week of submissions, the benchmark and the tests; cells are found through the form's own
``_meta`` field map and defined names, exactly as consolidation reads them back.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Mapping, Sequence

import openpyxl
from openpyxl.worksheet.cell_range import CellRange

from keyacct_xl.forms.catalog import load_form
from keyacct_xl.forms.generator import FormData, build_form
from keyacct_xl.forms.layout import META_SHEET, FormLang, field_cell_name, table_name
from keyacct_xl.forms.meta import FormContext
from keyacct_xl.xlsx.package import FIXED_ZIP_TIME

Rows = Mapping[str, Sequence[Mapping[str, object]]]
# When the simulated rep saved the form: fixed, so the demo's files (and their hashes) repeat, and later than the
# time the form was written (xlsx.book.FIXED_CREATED), as every program's save makes it; the created time stays.
FIXED_SAVED = b"2026-01-02T09:00:00Z"
_STAMP = re.compile(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)")


def blank_form(
    form_id: str, *, lang: FormLang = "zh", lines: Mapping[str, int] | None = None, context: FormContext | None = None
) -> bytes:
    """A generated form; ``lines`` asks for at least that many blank lines per table section."""
    spec = load_form(form_id)
    rows: dict[str, list[dict[str, object]]] = {section: [{}] * count for section, count in (lines or {}).items()}
    return build_form(spec, lang=lang, data=FormData(rows=rows, context=context or FormContext()))


def _set(cell: openpyxl.cell.Cell, value: object) -> None:
    cell.value = value
    if isinstance(value, str) and value.startswith("="):
        cell.data_type = "s"  # typed text that looks like a formula: openpyxl would otherwise store a formula


def fill_form(form: bytes, *, header: Mapping[str, object] | None = None, rows: Rows | None = None) -> bytes:
    """``form`` with header fields (by key) and table lines (by section id, then field key) typed in."""
    book = openpyxl.load_workbook(io.BytesIO(form))
    columns: dict[str, dict[str, int]] = {}
    meta = book[META_SHEET]
    for values in meta.iter_rows(values_only=True):
        if values and len(values) >= 4 and values[3] not in (None, "") and str(values[3]).isdigit():
            columns.setdefault(str(values[2]), {})[str(values[1])] = int(values[3])
    for key, value in (header or {}).items():
        sheet_name, ref = next(iter(book.defined_names[field_cell_name(key)].destinations))
        _set(book[sheet_name][ref.replace("$", "").split(":")[0]], value)
    for section, lines in (rows or {}).items():
        name = table_name(section)
        sheet = next(ws for ws in book.worksheets if name in ws.tables)
        area = CellRange(sheet.tables[name].ref)
        if len(lines) > area.max_row - area.min_row:
            raise ValueError(f"{len(lines)} lines do not fit the {area.max_row - area.min_row} of table {name}")
        for i, line in enumerate(lines):
            for key, value in line.items():
                _set(sheet.cell(area.min_row + 1 + i, area.min_col - 1 + columns[name][key]), value)
    out = io.BytesIO()
    book.save(out)
    return _reproducible(out.getvalue())


def _reproducible(data: bytes) -> bytes:
    """Pin the save time openpyxl stamps on the package (FIXED_SAVED)."""
    packed = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(packed, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            content = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                content = _STAMP.sub(rb"\g<1>" + FIXED_SAVED + rb"\g<2>", content)
            dst.writestr(
                zipfile.ZipInfo(info.filename, date_time=FIXED_ZIP_TIME), content, compress_type=zipfile.ZIP_DEFLATED
            )
    return packed.getvalue()
