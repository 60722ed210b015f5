"""The ageing report as a workbook (highlighted) or CSV, with a totals row."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from keyacct_xl.i18n import Lang
from keyacct_xl.labels import document_values, yes_no
from keyacct_xl.messages import msg, tr
from keyacct_xl.output import DATE_FORMAT, MONEY_FORMAT, check_suffix, print_a4_across, workbook, write_csv
from keyacct_xl.receivables.ageing import DEFAULT_BUCKETS, ageing_totals, bucket_columns

# The headers of the ageing columns (the frame keeps stable keys; the report shows these).
CAPTIONS = {
    "customer_id": msg("Customer ID"),
    "name": msg("Customer"),
    "rep": msg("Rep"),
    "credit_grade": msg("Credit grade"),
    "credit_limit": msg("Credit limit"),
    "not_due": msg("Not due"),
    "unapplied_credit": msg("Unapplied credit"),
    "balance": msg("Balance"),
    "available_credit": msg("Available credit"),
    "over_limit": msg("Over limit"),
}
TABLE_NAME = "Ageing"


def caption(column: str, lang: Lang) -> str:
    """The caption of an ageing column: bucket columns read 逾期1-30天 / 1-30 days overdue."""
    if column in CAPTIONS:
        return CAPTIONS[column].render(lang)
    low, _, high = column[1:].partition("_")
    if high == "plus":
        return tr(lang, "over {low} days overdue", low=low)
    return tr(lang, "{low}-{high} days overdue", low=low, high=high)


def write_ageing(
    table: pd.DataFrame, path: Path, *, as_of: pd.Timestamp, lang: Lang, buckets: Sequence[int] = DEFAULT_BUCKETS
) -> Path:
    """Write ``.xlsx`` (title, table with totals row, highlights) or ``.csv`` (totals as a last row), in ``lang``."""
    path = Path(path)
    totals = ageing_totals(table, buckets=buckets)
    if check_suffix(path, (".xlsx", ".csv")) == ".csv":
        total_row = {"customer_id": tr(lang, "Total"), **totals}
        frame = pd.concat([document_values(table, lang), pd.DataFrame([total_row])], ignore_index=True)
        return write_csv(frame.rename(columns=lambda c: caption(c, lang)), path)
    title = tr(lang, "Receivables ageing as of {as_of:%Y-%m-%d}", as_of=as_of)
    with workbook(path, title) as book:
        sheet = book.add_worksheet(tr(lang, "Ageing"))
        fmt = _formats(book)
        sheet.write(0, 0, title, fmt["title"])
        columns = list(table.columns)
        overdue = set(bucket_columns(buckets)[1:])
        for i, record in enumerate(table.itertuples(index=False), start=2):
            over = bool(record.over_limit)
            for j, (col, value) in enumerate(zip(columns, record)):
                _write_cell(sheet, i, j, col, value, fmt, over=over, late=col in overdue and value > 0, lang=lang)
        last = 1 + max(len(table), 1) + 1
        sheet.add_table(
            1,
            0,
            last,
            len(columns) - 1,
            {
                "name": TABLE_NAME,
                "style": "Table Style Light 9",
                "total_row": True,
                "columns": [_total_spec(c, j, totals, lang, fmt["money"]) for j, c in enumerate(columns)],
            },
        )
        for j, col in enumerate(columns):
            sheet.set_column(j, j, 30 if col == "name" else 13)
        sheet.freeze_panes(2, 2)
        print_a4_across(sheet, 1)
    return path


def _formats(book) -> dict:
    return {
        "title": book.add_format({"bold": True, "font_size": 14}),
        "money": book.add_format({"num_format": MONEY_FORMAT}),
        "late": book.add_format({"num_format": MONEY_FORMAT, "bg_color": "#FCE4D6", "font_color": "#9C0006"}),
        "over_money": book.add_format({"num_format": MONEY_FORMAT, "bg_color": "#FFC7CE", "bold": True}),
        "over": book.add_format({"bg_color": "#FFC7CE", "bold": True}),
        "date": book.add_format({"num_format": DATE_FORMAT}),
    }


def _write_cell(
    sheet, row: int, col: int, name: str, value: object, fmt: dict, *, over: bool, late: bool, lang: Lang
) -> None:
    """Overdue amounts in orange-red, the balance and flag (是/否) of an over-limit customer in red."""
    if name == "over_limit":
        sheet.write_string(row, col, yes_no(value, lang), fmt["over"] if over else None)
    elif name in ("name", "customer_id", "rep", "credit_grade"):
        if isinstance(value, str):
            sheet.write_string(row, col, value)
    elif pd.isna(value):
        return
    elif late:
        sheet.write_number(row, col, float(value), fmt["late"])
    else:
        style = fmt["over_money"] if over and name in ("balance", "available_credit") else fmt["money"]
        sheet.write_number(row, col, float(value), style)


def _total_spec(column: str, index: int, totals: dict, lang: Lang, money) -> dict:
    spec: dict = {"header": caption(column, lang)}
    if index == 0:
        spec["total_string"] = tr(lang, "Total")
    elif column in totals and column not in ("credit_limit", "over_limit"):
        # SUBTOTAL with its value stored, so readers without a calculation engine see the figure too.
        spec.update(total_function="sum", total_value=totals[column], format=money)
    return spec
