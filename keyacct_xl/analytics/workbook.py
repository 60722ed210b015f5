"""Analysis workbooks: one Excel table per sheet, formats by column, and native XlsxWriter charts.

Charts read their data from the sheet's own table, so a manager who edits a number sees the chart follow.
Column formats come from the column key (money, shares and rates, dates, counts): the analytics frames use
stable English keys; the headers, booleans and codes are written as labels in the report's language
(``keyacct_xl.labels``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd
import xlsxwriter.workbook

from keyacct_xl.i18n import Lang
from keyacct_xl.labels import document_frame, document_values, header
from keyacct_xl.master.writer import DATE_FORMAT, MONEY_FORMAT
from keyacct_xl.output import check_suffix, display_width, workbook, write_csv

MONEY = {
    "revenue",
    "monetary",
    "avg_order_value",
    "annual_sales",
    "prior_year_sales",
    "credit_limit",
    "overdue_amount",
    "bad_debt_amount",
    "sales",
    "gross_profit",
    "total_spend",
    "avg_yearly_spend",
    "sales_prior",
    "outstanding",
}
PERCENT_SUFFIXES = ("_share", "_rate", "growth", "gross_margin", "_change")
TABLE_STYLE = "Table Style Medium 2"
ChartKind = Literal["column", "pie", "line"]


@dataclass(frozen=True)
class Chart:
    """A native chart of one sheet's table: categories from one column, one series per value column."""

    kind: ChartKind
    title: str
    categories: str
    values: tuple[str, ...]


@dataclass(frozen=True)
class Sheet:
    """One sheet: its title, its table and the charts drawn beside it."""

    title: str
    frame: pd.DataFrame
    charts: tuple[Chart, ...] = field(default=())


def column_format(name: str, dtype: object) -> str | None:
    """The number format for a column by its key and dtype (None: General)."""
    if name in MONEY:
        return MONEY_FORMAT
    if name.endswith(PERCENT_SUFFIXES) or name == "share":
        return "0.0%"
    if pd.api.types.is_datetime64_any_dtype(dtype):
        return DATE_FORMAT
    if pd.api.types.is_integer_dtype(dtype):
        return "0"
    if pd.api.types.is_float_dtype(dtype):
        return "0.00"
    return None


def _cells(frame: pd.DataFrame) -> list[list[object]]:
    columns = []
    for name in frame.columns:
        series = frame[name]
        if pd.api.types.is_datetime64_any_dtype(series.dtype):
            values = [None if pd.isna(v) else v.to_pydatetime() for v in series]
        elif pd.api.types.is_bool_dtype(series.dtype):
            values = [bool(v) for v in series]
        else:
            values = [
                None if _missing(v) else (v.item() if isinstance(v, np.generic) else v) for v in series.astype(object)
            ]
        columns.append(values)
    return [list(row) for row in zip(*columns)]


def _missing(value: object) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, float) and not np.isfinite(value)


def write_analysis(path: str | Path, sheets: Sequence[Sheet], *, title: str, lang: Lang) -> Path:
    """Write ``sheets`` to ``path`` (.xlsx with tables and charts) in ``lang``; same inputs give the same bytes."""
    path = Path(path)
    check_suffix(path, (".xlsx",))
    with workbook(path, title) as book:
        for index, sheet in enumerate(sheets):
            _write_sheet(book, sheet, f"Table{index + 1}", lang)
    return path


def _write_sheet(book: xlsxwriter.workbook.Workbook, sheet: Sheet, table_name: str, lang: Lang) -> None:
    ws = book.add_worksheet(sheet.title[:31])
    frame = document_values(sheet.frame, lang)
    formats = {
        name: book.add_format({"num_format": code}) if (code := column_format(str(name), frame[name].dtype)) else None
        for name in frame.columns
    }
    rows = _cells(frame)
    last_row = max(len(rows), 1)
    columns = [
        {"header": header(name, lang), **({"format": formats[name]} if formats[name] else {})} for name in frame.columns
    ]
    ws.add_table(
        0,
        0,
        last_row,
        max(len(frame.columns) - 1, 0),
        {"name": table_name, "style": TABLE_STYLE, "columns": columns, "data": rows},
    )
    for i, name in enumerate(frame.columns):
        width = (
            40
            if name in ("reasons", "credit_reason", "action", "reason", "risks")
            else max(10, min(24, display_width(header(name, lang)) + 2))
        )
        ws.set_column(i, i, width)
    ws.freeze_panes(1, 0)
    for k, chart in enumerate(sheet.charts):
        ws.insert_chart(1 + 18 * k, len(frame.columns) + 1, _chart(book, ws.name, frame, chart))


def _chart(book: xlsxwriter.workbook.Workbook, sheet: str, frame: pd.DataFrame, spec: Chart):
    n = max(len(frame), 1)
    col = {name: i for i, name in enumerate(frame.columns)}
    categories = [sheet, 1, col[spec.categories], n, col[spec.categories]]
    chart = book.add_chart({"type": spec.kind})
    for value in spec.values:
        chart.add_series(
            {
                "name": [sheet, 0, col[value]],
                "categories": categories,
                "values": [sheet, 1, col[value], n, col[value]],
                **({"data_labels": {"percentage": True}} if spec.kind == "pie" else {}),
            }
        )
    if spec.kind == "line":
        chart.set_y_axis({"num_format": "0%", "max": 1, "min": 0})
        chart.set_x_axis({"num_format": "0%"})
    chart.set_title({"name": spec.title})
    chart.set_size({"width": 640, "height": 340})
    if spec.kind != "pie":
        chart.set_legend({"position": "bottom"})
    return chart


def write_table(path: str | Path, sheets: Sequence[Sheet], *, title: str, lang: Lang) -> Path:
    """Write to .xlsx (every sheet) or .csv (the first sheet's table only), chosen by the suffix, in ``lang``."""
    path = Path(path)
    if check_suffix(path, (".xlsx", ".csv")) == ".csv":
        return write_csv(document_frame(sheets[0].frame, lang), path)
    return write_analysis(path, sheets, title=title, lang=lang)
