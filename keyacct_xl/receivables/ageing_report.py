"""The ageing report as a report workbook (highlighted, a totals row; reports.add_sheet) or CSV."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from keyacct_xl.currency import CNY, Currency
from keyacct_xl.i18n import Lang
from keyacct_xl.labels import document_values, header
from keyacct_xl.messages import msg, tr
from keyacct_xl.output import check_suffix, workbook, write_csv
from keyacct_xl.receivables.ageing import DEFAULT_BUCKETS, ageing_totals, bucket_columns
from keyacct_xl.reports import Heading, Highlight, Sheet, Styles, add_sheet

# The headers of the ageing columns that name its row (the frame keeps stable keys); the figures are headed as in
# every other document (labels.header: Not Due, Credit Limit), in the Title Case of the master's en headers.
CAPTIONS = {
    "customer_id": msg("Customer ID"),
    "name": msg("Customer"),
    "rep": msg("Rep"),
}
BUCKET_COLUMN = re.compile(r"d(\d+)_(\d+|plus)")
TABLE_NAME = "Ageing"
# What names a customer's row; the report shows the balance right after it, then how it ages, then the credit
# figures: too wide for one page at a readable scale, it prints in strips and the first holds the balance.
CUSTOMER_COLUMNS = ("customer_id", "name", "rep")
CREDIT_COLUMNS = ("credit_grade", "credit_limit", "available_credit", "over_limit")


def _bounds(column: str) -> tuple[str, str] | None:
    """A bucket column's days: d31_60 -> (31, 60), d180_plus -> (180, plus); None for another column."""
    found = BUCKET_COLUMN.fullmatch(column)
    return (found[1], found[2]) if found else None


def caption(column: str, lang: Lang) -> str:
    """The header of an ageing column: bucket columns read 逾期1-30天 / 1-30 Days Overdue."""
    if column in CAPTIONS:
        return CAPTIONS[column].render(lang)
    bounds = _bounds(column)
    if bounds is None:
        return header(column, lang)
    low, high = bounds
    if high == "plus":
        return tr(lang, "Over {low} Days Overdue", low=low)
    return tr(lang, "{low}-{high} Days Overdue", low=low, high=high)


def write_ageing(
    table: pd.DataFrame,
    path: Path,
    *,
    as_of: pd.Timestamp,
    lang: Lang,
    buckets: Sequence[int] = DEFAULT_BUCKETS,
    company: str | None = None,
    notes: tuple[str, ...] = (),
    currency: Currency = CNY,
) -> Path:
    """Write ``.xlsx`` (title block, table with totals row, highlights, ``notes`` under it) or ``.csv`` (totals as a
    last row), the columns in ``document_order``."""
    path = Path(path)
    totals = ageing_totals(table, buckets=buckets)
    table = document_order(table)
    if check_suffix(path, (".xlsx", ".csv")) == ".csv":
        total_row = {"customer_id": tr(lang, "Total"), **totals}
        frame = pd.concat([document_values(table, lang), pd.DataFrame([total_row])], ignore_index=True)
        return write_csv(frame.rename(columns=lambda c: caption(c, lang)), path)
    heading = Heading(tr(lang, "Receivables ageing"), company=company, as_of=as_of, currency=currency)
    with workbook(path, tr(lang, "Receivables ageing as of {as_of:%Y-%m-%d}", as_of=as_of)) as book:
        add_sheet(
            book,
            Styles(book),
            ageing_sheet(table, buckets, totals, lang, notes=notes),
            heading=heading,
            lang=lang,
            table_name=TABLE_NAME,
        )
    return path


def document_order(table: pd.DataFrame) -> pd.DataFrame:
    """The ageing table's columns in the order the report shows them: the customer, the balance, the buckets and
    unapplied credit it is made of, the credit figures."""
    first = [c for c in (*CUSTOMER_COLUMNS, "balance") if c in table.columns]
    last = [c for c in CREDIT_COLUMNS if c in table.columns]
    return table[[*first, *(c for c in table.columns if c not in first and c not in last), *last]]


def ageing_sheet(
    table: pd.DataFrame, buckets: Sequence[int], totals: dict, lang: Lang, *, notes: tuple[str, ...] = ()
) -> Sheet:
    """The ageing table as a report sheet: overdue amounts in amber, an over-limit customer's balance in red,
    ``notes`` under it."""
    amounts = [*bucket_columns(buckets), "not_due", "unapplied_credit", "balance", "available_credit", "credit_limit"]
    over = tuple(bool(v) for v in table["over_limit"])
    marks = [
        Highlight((column,), tuple(bool(v > 0) for v in table[column].fillna(0)), "warn")
        for column in bucket_columns(buckets)[1:]
    ]
    marks.append(Highlight(("balance", "available_credit", "over_limit"), over, "alert"))
    return Sheet(
        tr(lang, "Ageing"),
        table,
        kinds={column: "money" for column in amounts if column in table.columns},
        headers={column: caption(column, lang) for column in table.columns},
        totals=totals,
        highlights=tuple(marks),
        notes=notes,
    )
