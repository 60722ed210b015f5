"""The customer fact sheet (一户一档) as a document: one sheet per customer, its sections one under another.

A section is a bold title and a small table (headers in the user's language, a number format per column kind,
widths from the formatted values, as the report layer measures them); an empty section says so in one line. The
monthly sales get a native stacked column chart, placed so that no page break cuts it, with the ageing block under
it on the same page; their table comes last, its header row repeated on every page it runs onto (print titles).
A4, one page wide.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd
import xlsxwriter.workbook
from xlsxwriter.worksheet import Worksheet

from keyacct_xl.briefing.fact_sheet import OTHER, FactSheet
from keyacct_xl.currency import CNY, Currency
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
from keyacct_xl.reports.chartdata import reads_in_wan, series_range
from keyacct_xl.reports.columns import column_kind, fitted_width, formatted, header_text, number_format, text_width
from keyacct_xl.reports.page import ROW_PT, column_px, orientation_for, print_scale, printable_pt_high

if TYPE_CHECKING:  # the use case writes the sheets through this module
    from keyacct_xl.briefing.usecase import FactSheets

HEADERS: dict[str, Rendered] = {
    "field": msg("Field"),
    "value": msg("Value"),
    "month": msg("Month"),
    "total": msg("Total"),
    OTHER: msg("Other"),
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
TITLE_SLACK = 1.1  # rows under the title block as 15 pt and a tenth: section titles are 12 pt type
# A text wider (in digit widths, a Chinese character two) wraps in its column: an address or a grade's reason on two
# lines keeps the sheet one A4 page wide, in English too, at a scale a manager reads.
TEXT_CAP = 24
ARCHIVE_PAIRS = 2  # field/value pairs per row of the archive block


@dataclass
class _Layout:
    """Where the next block goes, how wide each column's widest cell is and which rows a wrapped text makes taller."""

    row: int
    currency: Currency = CNY  # the master's book currency: the money cells' format
    widest: dict[int, int] = field(default_factory=dict)
    lines: dict[int, int] = field(default_factory=dict)

    def put(
        self, ws: Worksheet, styles: Styles, at: tuple[int, int], value: object, kind: Kind, **look: object
    ) -> None:
        """Write ``value`` at ``at`` (row, column) in its kind's number format, and fit its column to it; a text wider
        than ``TEXT_CAP`` wraps in its column instead of widening the page."""
        row, col = at
        wide = text_width(formatted(value, kind, self.currency))
        if kind == "text" and wide > TEXT_CAP:
            look["text_wrap"] = True
            self.lines[row] = max(self.lines.get(row, 1), -(-wide // TEXT_CAP))
            wide = TEXT_CAP
        code = number_format(kind, self.currency)
        if code:
            look["num_format"] = code
        write_cell(ws, row, col, value, styles.get(**look))
        self.widest[col] = max(self.widest.get(col, 0), wide)

    def height_pt(self, first: int, last: int) -> float:
        """The rows ``first`` to ``last`` (excluded) in points: 15 pt a line, and a tenth more for the section titles
        of 12 pt type among them."""
        return sum(self.lines.get(r, 1) for r in range(first, last)) * ROW_PT * TITLE_SLACK


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
        layout.put(ws, styles, (header_row, j), header_text(key, lang, headers), "text", bold=True, bottom=1)
    for i, record in enumerate(shown.itertuples(index=False), start=header_row + 1):
        for j, value in enumerate(record):
            layout.put(ws, styles, (i, j), value, kinds[j])
    layout.row = header_row + len(shown) + 1
    return header_row, layout.row - 1


def _pairs(
    ws: Worksheet, styles: Styles, layout: _Layout, title: Message, pairs: list[tuple[str, object, Kind]], lang: Lang
) -> None:
    """A section of one record as label/value pairs, two pairs a row (a row of many figures would widen the page)."""
    _title(ws, styles, layout, title, lang)
    if not pairs:
        ws.write_string(layout.row, 0, tr(lang, "(none)"), styles.get(italic=True, font_color="#595959"))
        layout.row += 1
        return
    for n, (label, value, kind) in enumerate(pairs):
        row, col = layout.row + n // ARCHIVE_PAIRS, (n % ARCHIVE_PAIRS) * 2
        layout.put(ws, styles, (row, col), label, "text", bold=True, font_color="#595959")
        layout.put(ws, styles, (row, col + 1), value, kind)
    layout.row += (len(pairs) + ARCHIVE_PAIRS - 1) // ARCHIVE_PAIRS


def _archive(sheet: FactSheet, lang: Lang) -> list[tuple[str, object, Kind]]:
    """The archive's fields under the archive's own headers (category: 客户类别)."""
    return [
        (CUSTOMERS.column(key).header(lang), value, column_kind(key, pd.Series([value])))
        for key, value in sheet.archive.itertuples(index=False)
    ]


def _ageing(sheet: FactSheet, lang: Lang) -> list[tuple[str, object, Kind]]:
    """The customer's ageing row under the ageing report's captions; every figure is an amount, the overdue buckets
    too (no key of theirs names money by itself). The archive above holds the name, rep and credit grade."""
    row = document_values(sheet.ageing.drop(columns=["customer_id", "name", "rep", "credit_grade"]), lang)
    if row.empty:
        return []
    return [
        (caption(str(key), lang), value, "text" if key == "over_limit" else "money")
        for key, value in row.iloc[0].items()
    ]


def _chart(book: xlsxwriter.workbook.Workbook, ws: Worksheet, sheet: FactSheet, rows: tuple[int, int], lang: Lang):
    """Stacked columns of the monthly sales by category, reading the sheet's own cells."""
    header_row, last = rows
    # without a sale there is no category: the total (zeros) keeps the chart, and the section, in place
    categories = [c for c in sheet.monthly.columns if c not in ("month", "total")] or ["total"]
    chart = book.add_chart({"type": "column", "subtype": "stacked"})
    wan = reads_in_wan(["money"], sheet.monthly["total"], lang=lang)
    for j, name in enumerate(sheet.monthly.columns):
        if name in categories:
            cells = (ws.name, header_row + 1, last, j)
            chart.add_series(
                {
                    "name": [ws.name, header_row, j],
                    "categories": [ws.name, header_row + 1, 0, last, 0],
                    "values": series_range(book, cells, list(sheet.monthly[name]), wan=wan, lang=lang),
                }
            )
    chart.set_title(
        {"name": tr(lang, "Sales by month and product category, {months} months", months=len(sheet.monthly))}
    )
    chart.set_y_axis(axis_format(["money"], sheet.monthly["total"], lang=lang))
    chart.set_legend({"position": "bottom"})
    chart.set_size({"width": 640, "height": 340})
    return chart


def _chart_break(layout: _Layout, rows: tuple[int, int], title_pt: Sequence[float], width_px: float) -> bool:
    """Whether the chart at ``rows[0]`` must start a page: it does when the first page, at the scale the sheet's
    width prints at, cannot hold the rows above it, the chart and the rows under it down to ``rows[1]`` (excluded)
    that print with it."""
    chart_row, last = rows
    orientation = orientation_for(width_px)
    above = sum(title_pt) + layout.height_pt(len(title_pt), chart_row)
    under = layout.height_pt(chart_row + CHART_ROWS, last)
    return above + CHART_ROWS * ROW_PT + under > printable_pt_high(orientation) / print_scale(width_px, orientation)


def _widths(layout: _Layout) -> list[float]:
    """Each column as wide as its widest cell, over every block (a long text wraps at ``TEXT_CAP``)."""
    columns = range(max(layout.widest) + 1) if layout.widest else range(1)
    return [fitted_width("", layout.widest.get(j, 0), "text") for j in columns]


def _through(title: Message, sheet: FactSheet) -> Message:
    """A section of sales or receivables titled with the day the data end, when before the sheet's own day (its
    figures are taken there: ``usecase.sales_through``)."""
    if sheet.through >= sheet.as_of:
        return title
    return msg("{title} (sales and payments through {through})", title=title, through=sheet.through.date().isoformat())


def write_customer(
    book: xlsxwriter.workbook.Workbook, styles: Styles, sheet: FactSheet, *, heading: Heading, lang: Lang, name: str
) -> Worksheet:
    """One customer's sheet, named ``name`` (its title names the customer by its full id)."""
    ws = book.add_worksheet(name)
    title_pt = write_title(ws, styles, heading, f"{sheet.customer_id} {sheet.name}", lang)
    layout = _Layout(len(title_pt), heading.currency)
    _pairs(ws, styles, layout, msg("Customer archive"), _archive(sheet, lang), lang)
    _table(ws, styles, layout, msg("Contacts"), sheet.contacts, lang, table=CONTACTS)
    share = _through(msg("Share of its customer category, last 12 months"), sheet)
    _table(ws, styles, layout, share, sheet.category_share, lang)
    # The chart comes before the 36 months it draws: on the first page, where the rows above it are known.
    chart_row = layout.row + 1
    layout.row += CHART_ROWS
    # The ageing block right under the chart, on the page the chart is kept on: a block of pairs further down split
    # across two pages wherever a page happened to end (acct_C0017: 信用额度 and 未到期 at the foot of page 2, the
    # buckets and 超额度 on page 3), and where a page ends depends on the reader's fonts; the chart's page does not.
    _pairs(ws, styles, layout, _through(msg("Receivables ageing"), sheet), _ageing(sheet, lang), lang)
    with_chart = (chart_row, layout.row)
    for title, frame, table in (
        (msg("Grade and credit history"), sheet.grades, GRADE_HISTORY),
        (msg("Open quotations"), sheet.quotes, None),
        (msg("Open opportunities"), sheet.opportunities, OPPORTUNITIES),
        (msg("Last visits"), sheet.visits, VISITS),
        (msg("Open complaints"), deadline_labels(sheet.complaints, lang), None),
    ):
        _table(ws, styles, layout, title, frame, lang, table=table)
    _table(ws, styles, layout, msg("Open account-plan actions"), sheet.actions, lang, table=ACCOUNT_PLAN_ACTIONS)
    # The 36 months last: their header row is the sheet's print titles, printed above every page after its own,
    # which are then the table's only (a section below would have printed under the months' header).
    amounts: dict[str, Kind] = {**KINDS, **{str(c): "money" for c in sheet.monthly.columns if c != "month"}}
    sales = _through(msg("Sales by month and product category"), sheet)
    monthly = _table(ws, styles, layout, sales, sheet.monthly, lang, amounts)
    ws.insert_chart(chart_row, 0, _chart(book, ws, sheet, monthly, lang))
    widths = _widths(layout)
    for j, width in enumerate(widths):
        ws.set_column(j, j, width)
    # A wrapped text's row as tall as its lines: LibreOffice (and Excel on a row it did not lay out) kept the 15 pt
    # of one line, and printed a grade's reason cut to its last line.
    for row, lines in sorted(layout.lines.items()):
        ws.set_row(row, lines * ROW_PT)
    width_px = sum(column_px(w) for w in widths)
    # the rows below the chart are the same either way: whether it starts a page is known once the width is
    if _chart_break(layout, with_chart, title_pt, width_px):
        ws.set_h_pagebreaks([chart_row])
    # column A names every block's rows (the archive's labels, a contact, a month): each strip repeats it; the
    # months' header row heads each page the table runs onto
    set_print(ws, width_px=width_px, header_rows=(monthly[0], monthly[0]), lang=lang, key_cols=1)
    return ws


def write_fact_sheets(sheets: FactSheets, path: Path, *, company: str, lang: Lang, currency: Currency = CNY) -> Path:
    """Write every customer's sheet to ``path`` (.xlsx), amounts in ``currency``; same inputs give the same bytes."""
    path = Path(path)
    check_suffix(path, (".xlsx",))
    heading = Heading(
        report=tr(lang, "Customer fact sheet"), company=company, as_of=sheets.as_of.date(), currency=currency
    )
    with workbook(path, heading.report) as book:
        styles = Styles(book)
        taken: set[str] = set()
        for sheet in sheets.sheets:
            name = sheet_name(str(sheet.customer_id), taken)
            write_customer(book, styles, sheet, heading=heading, lang=lang, name=name)
    return path
