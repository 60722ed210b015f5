"""The customer fact sheet (一户一档) as a document: one sheet per customer, its sections one under another.

A section is a bold title and a small table (headers in the user's language, a number format per column kind,
widths from the formatted values, as the report layer measures them); an empty section says so in one line. The
monthly sales get a native stacked column chart, placed so that no page break cuts it. A4, one page wide.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd
import xlsxwriter.workbook
from xlsxwriter.worksheet import Worksheet

from keyacct_xl.briefing.fact_sheet import FactSheet
from keyacct_xl.i18n import Lang
from keyacct_xl.labels import document_values
from keyacct_xl.master.accounts import ACCOUNT_PLAN_ACTIONS
from keyacct_xl.master.schema import CONTACTS, CUSTOMERS, GRADE_HISTORY, OPPORTUNITIES, VISITS, TableSchema
from keyacct_xl.messages import Message, Pair, Rendered, msg, tr
from keyacct_xl.output import check_suffix, workbook, write_cell
from keyacct_xl.performance.complaints import deadline_labels
from keyacct_xl.performance.register import HEADERS as REGISTER_HEADERS
from keyacct_xl.receivables.ageing_report import caption
from keyacct_xl.reports import Heading, Kind, Styles, axis_format, set_print, sheet_name, write_title
from keyacct_xl.reports.columns import column_kind, column_width, formatted, header_text, number_format
from keyacct_xl.reports.page import ROW_PT, column_px, printable_pt_high

if TYPE_CHECKING:  # the use case writes the sheets through this module
    from keyacct_xl.briefing.usecase import FactSheets

HEADERS: dict[str, Rendered] = {
    "field": msg("Field"),
    "value": msg("Value"),
    "month": msg("Month"),
    "total": msg("Total"),
    "category": Pair("Customer Category", "客户类别"),
    "sales": msg("Sales, Last 12 Months"),
    "category_sales": msg("Category Sales"),
    "category_share": msg("Share of Category"),
    "category_rank": msg("Rank in Category"),
    "category_customers": msg("Customers in Category"),
    **{k: h for k, h in REGISTER_HEADERS.items() if k in ("age_days", "containment", "closure")},
}
KINDS: dict[str, Kind] = {
    "category_rank": "int",
    "category_customers": "count",
    "month": "text",
    "category_sales": "money",
}
CHART_ROWS = 18  # a chart of 340 px is 255 pt: 17 rows of 15 pt and a margin
ARCHIVE_PAIRS = 2  # field/value pairs per row of the archive block


@dataclass
class _Layout:
    """Where the next block goes, what each column must fit, and the manual page breaks so far."""

    row: int
    cells: dict[int, list[str]] = field(default_factory=dict)
    breaks: list[int] = field(default_factory=list)

    def fit(self, column: int, value: object, kind: Kind) -> None:
        """Remember ``value`` as its format shows it: the column must be wide enough for it."""
        self.cells.setdefault(column, []).append(formatted(value, kind))


def _title(ws: Worksheet, styles: Styles, layout: _Layout, title: Message, lang: Lang) -> None:
    layout.row += 1
    ws.write_string(layout.row, 0, title.render(lang), styles.get(bold=True, font_size=12, bottom=1))
    layout.row += 1


def _table(
    ws: Worksheet,
    styles: Styles,
    layout: _Layout,
    title: Message,
    frame: pd.DataFrame,
    lang: Lang,
    overrides: Mapping[str, Kind] = KINDS,
    headers: Mapping[str, str | Rendered] = HEADERS,
    table: TableSchema | None = None,
) -> tuple[int, int]:
    """A section's title and table, headed by ``table``'s own headers where it has the column (a contact's name is
    姓名, not the customer's 客户名称); returns the table's header row and its last row."""
    if table is not None:
        headers = {**headers, **{c.key: Pair(c.en, c.zh) for c in table.columns}}
    _title(ws, styles, layout, title, lang)
    if frame.empty:
        ws.write_string(layout.row, 0, tr(lang, "(none)"), styles.get(italic=True, font_color="#595959"))
        layout.row += 1
        return layout.row - 1, layout.row - 1
    shown = document_values(frame, lang)
    keys = [str(c) for c in shown.columns]
    kinds = [column_kind(k, shown[k], overrides) for k in keys]
    header_row = layout.row
    for j, key in enumerate(keys):
        text = header_text(key, lang, headers)
        ws.write_string(header_row, j, text, styles.get(bold=True, bottom=1))
        layout.fit(j, text, "text")
    for i, record in enumerate(shown.itertuples(index=False), start=header_row + 1):
        for j, value in enumerate(record):
            code = number_format(kinds[j])
            write_cell(ws, i, j, value, styles.get(num_format=code) if code else None)
            layout.fit(j, value, kinds[j])
    layout.row = header_row + len(shown) + 1
    return header_row, layout.row - 1


def _archive(ws: Worksheet, styles: Styles, layout: _Layout, sheet: FactSheet, lang: Lang) -> None:
    """The archive's fields as label/value pairs, two pairs a row."""
    _title(ws, styles, layout, msg("Customer archive"), lang)
    label_style = styles.get(bold=True, font_color="#595959")
    pairs = list(sheet.archive.itertuples(index=False))
    for n, (key, value) in enumerate(pairs):
        row, col = layout.row + n // ARCHIVE_PAIRS, (n % ARCHIVE_PAIRS) * 2
        label = CUSTOMERS.column(key).header(lang)  # the archive's own headers (category: 客户类别)
        kind = column_kind(key, pd.Series([value]))
        ws.write_string(row, col, label, label_style)
        code = number_format(kind)
        write_cell(ws, row, col + 1, value, styles.get(num_format=code) if code else None)
        layout.fit(col, label, "text")
        layout.fit(col + 1, value, kind)
    layout.row += (len(pairs) + ARCHIVE_PAIRS - 1) // ARCHIVE_PAIRS


def _chart(book: xlsxwriter.workbook.Workbook, ws: Worksheet, sheet: FactSheet, rows: tuple[int, int], lang: Lang):
    """Stacked columns of the monthly sales by category, reading the sheet's own cells."""
    header_row, last = rows
    # without a sale there is no category: the total (zeros) keeps the chart, and the section, in place
    categories = [c for c in sheet.monthly.columns if c not in ("month", "total")] or ["total"]
    chart = book.add_chart({"type": "column", "subtype": "stacked"})
    for j, name in enumerate(sheet.monthly.columns):
        if name in categories:
            chart.add_series(
                {
                    "name": [ws.name, header_row, j],
                    "categories": [ws.name, header_row + 1, 0, last, 0],
                    "values": [ws.name, header_row + 1, j, last, j],
                }
            )
    chart.set_title(
        {"name": tr(lang, "Sales by month and product category, {months} months", months=len(sheet.monthly))}
    )
    chart.set_y_axis(axis_format(["money"], sheet.monthly["total"], lang=lang))
    chart.set_legend({"position": "bottom"})
    chart.set_size({"width": 640, "height": 340})
    return chart


def _place_chart(layout: _Layout, page_rows: float) -> int:
    """The row the chart starts at: here, or after a manual page break when the page so far could not hold it."""
    page_start = layout.breaks[-1] if layout.breaks else 0
    if layout.row + CHART_ROWS - page_start > page_rows:
        layout.breaks.append(layout.row)
    start = layout.row
    layout.row += CHART_ROWS
    return start


def _widths(layout: _Layout) -> list[float]:
    """Each column as wide as its widest formatted value, over every block (a long text is capped and may spill)."""
    columns = range(max(layout.cells) + 1) if layout.cells else range(1)
    return [column_width("", layout.cells.get(j, []), "text") for j in columns]


def write_customer(
    book: xlsxwriter.workbook.Workbook, styles: Styles, sheet: FactSheet, *, heading: Heading, lang: Lang, name: str
) -> Worksheet:
    """One customer's sheet, named ``name`` (its title names the customer by its full id)."""
    ws = book.add_worksheet(name)
    layout = _Layout(len(write_title(ws, styles, heading, f"{sheet.customer_id} {sheet.name}", lang)))
    _archive(ws, styles, layout, sheet, lang)
    _table(ws, styles, layout, msg("Contacts"), sheet.contacts, lang, table=CONTACTS)
    _table(ws, styles, layout, msg("Share of its customer category, last 12 months"), sheet.category_share, lang)
    amounts: dict[str, Kind] = {**KINDS, **{str(c): "money" for c in sheet.monthly.columns if c != "month"}}
    monthly = _table(ws, styles, layout, msg("Sales by month and product category"), sheet.monthly, lang, amounts)
    complaints = deadline_labels(sheet.complaints, lang)
    later: list[tuple[Message, pd.DataFrame, TableSchema | None]] = [
        (msg("Grade and credit history"), sheet.grades, GRADE_HISTORY),
        (msg("Open quotations"), sheet.quotes, None),
        (msg("Open opportunities"), sheet.opportunities, OPPORTUNITIES),
        (msg("Last visits"), sheet.visits, VISITS),
        (msg("Open complaints"), complaints, None),
        (msg("Open account-plan actions"), sheet.actions, ACCOUNT_PLAN_ACTIONS),
    ]
    # the archive above holds the customer's name, rep and credit grade: the ageing row keeps its money
    ageing = sheet.ageing.drop(columns=["customer_id", "name", "rep", "credit_grade"])
    captions = {str(c): caption(str(c), lang) for c in ageing.columns}
    # The orientation is known only once every block is written: count on the shorter (landscape) page.
    page_rows = min(printable_pt_high("portrait"), printable_pt_high("landscape")) / ROW_PT
    ws.insert_chart(_place_chart(layout, page_rows), 0, _chart(book, ws, sheet, monthly, lang))
    for title, frame, table in later[:-1]:
        _table(ws, styles, layout, title, frame, lang, table=table)
    # every figure of the row is an amount, the overdue buckets too (no key of theirs names money by itself)
    money: dict[str, Kind] = {str(c): "money" for c in ageing.columns if c != "over_limit"}
    _table(ws, styles, layout, msg("Receivables ageing"), ageing, lang, {**KINDS, **money}, captions)
    title, frame, table = later[-1]
    _table(ws, styles, layout, title, frame, lang, table=table)
    widths = _widths(layout)
    for j, width in enumerate(widths):
        ws.set_column(j, j, width)
    if layout.breaks:
        ws.set_h_pagebreaks(layout.breaks)
    # column A names every block's rows (the archive's labels, a contact, a month): each strip repeats it
    set_print(ws, width_px=sum(column_px(w) for w in widths), header_rows=None, lang=lang, key_cols=1)
    return ws


def write_fact_sheets(sheets: FactSheets, path: Path, *, company: str, lang: Lang) -> Path:
    """Write every customer's sheet to ``path`` (.xlsx); same inputs give the same bytes."""
    path = Path(path)
    check_suffix(path, (".xlsx",))
    heading = Heading(report=tr(lang, "Customer fact sheet"), company=company, as_of=sheets.as_of.date())
    with workbook(path, heading.report) as book:
        styles = Styles(book)
        taken: set[str] = set()
        for sheet in sheets.sheets:
            name = sheet_name(str(sheet.customer_id), taken)
            write_customer(book, styles, sheet, heading=heading, lang=lang, name=name)
    return path
