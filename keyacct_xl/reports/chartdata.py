"""What a chart's series read: the sheet's own cells, or, for an axis of amounts in 万, those cells divided by 10,000.

No number format divides by 10,000: Excel's trailing comma divides by 1000, and the 万 trick on top of it
(``0\\.0,"万"``, the escaped point put before the last digit) shows a .0 on every label (1600.0 万). Excel's axis
display units (``dispUnits``, ten thousands) are ignored by LibreOffice, which then labels 16,000,000 as
16000000 万. So a chart whose axis reads in 万 plots figures already in 万, ``='月报'!B5/10000`` on a hidden sheet
of the workbook, under a plain ``#,##0"万"`` (1,600 万) that Excel, WPS and LibreOffice all show alike; the
formulas keep the chart following an edit of the table, and the hidden sheet is not printed.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd
import xlsxwriter.workbook
from xlsxwriter.utility import quote_sheetname, xl_rowcol_to_cell

from keyacct_xl.messages import tr
from keyacct_xl.reports.model import Kind, ReportLang, value_lang
from keyacct_xl.reports.page import set_print

WAN = 10_000
LARGE_AXIS = 100_000  # an axis of amounts from 十万 up reads in 万
WAN_AXIS_FORMAT = '#,##0"万"'
# The hidden sheet's names, which no other sheet of a report takes (reports.writer.sheet_name).
CHART_DATA_NAMES = frozenset(tr(lang, "Chart data").casefold() for lang in ("zh", "en"))


def reads_in_wan(kinds: Sequence[Kind], values: pd.Series, *, lang: ReportLang) -> bool:
    """Whether a value axis of ``values`` reads in 万: amounts (not shares) from 100,000 up, in a zh or bilingual
    report (English has no 万)."""
    if kinds and all(kind == "percent" for kind in kinds):
        return False
    largest = values.abs().max()
    return bool(pd.notna(largest) and largest >= LARGE_AXIS and value_lang(lang) != "en")


def series_range(
    book: xlsxwriter.workbook.Workbook,
    cells: tuple[str, int, int, int],
    values: Sequence[object],
    *,
    wan: bool,
    lang: ReportLang,
) -> list[object]:
    """The range a series reads: ``cells`` (sheet, first row, last row, column) themselves, or when ``wan`` their
    figures in 万 on the workbook's hidden chart-data sheet, one column per series (``values`` are the cells'
    figures, written as the formulas' results); a blank cell stays a gap: its figure's cell is left empty, not
    #N/A, which LibreOffice (7.4) draws as a zero (a month before the data fell to nothing on the trend chart)."""
    sheet, first, last, col = cells
    if not wan:
        return [sheet, first, col, last, col]
    name = tr(value_lang(lang), "Chart data")
    data = book.get_worksheet_by_name(name)
    if data is None:
        data = book.add_worksheet(name)
        data.hide()
        # unhidden and printed, it is an A4 page like the report's own
        set_print(data, width_px=0, header_rows=None, lang=lang)
    column = 0 if data.dim_colmax is None else data.dim_colmax + 1
    empty = book.add_format()  # a blank cell is written only with a format: it keeps the column this series's
    for row, value in enumerate(values):
        source = f"{quote_sheetname(sheet)}!{xl_rowcol_to_cell(first + row, col, row_abs=True, col_abs=True)}"
        number = _figure(value)
        if number is None:
            data.write_blank(row, column, None, empty)
        else:
            data.write_formula(row, column, f"=IF(ISNUMBER({source}),{source}/{WAN},NA())", None, number / WAN)
    return [name, 0, column, max(len(values), 1) - 1, column]


def _figure(value: object) -> float | None:
    """A cell's figure; None for a blank, a text or an infinity (the formula's #N/A)."""
    if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, (bool, np.bool_)):
        return float(value) if math.isfinite(value) else None
    return None
