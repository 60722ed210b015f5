"""The customer statement workbook: print-ready A4, readable back by the statement reader.

A document with its own layout; from the report layer it takes the widths measured on the formatted amounts and
the print setup (A4 by width, one page wide, the header row repeated, page x of y).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from keyacct_xl.currency import CNY, Money
from keyacct_xl.errors import InputError, KeyacctError
from keyacct_xl.i18n import Lang
from keyacct_xl.master.model import Master
from keyacct_xl.messages import msg, tr
from keyacct_xl.output import DATE_FORMAT, workbook
from keyacct_xl.progress import progress_bar
from keyacct_xl.receivables.ageing import age_ledger
from keyacct_xl.receivables.ageing_report import caption
from keyacct_xl.receivables.master_lines import CustomerPositions, master_ledger
from keyacct_xl.receivables.statement_reader import row_text
from keyacct_xl.receivables.statements import (
    MARKER_SHEET,
    StatementData,
    marker_rows,
    statement_data,
    statement_filename,
)
from keyacct_xl.reports import Kind, column_px, column_width, set_print

WIDTHS = (11, 17, 34, 14, 14, 15)
HEADERS = (msg("Date"), msg("Doc No"), msg("Description"), msg("Debit"), msg("Credit"), msg("Balance"))
LAST_COL = len(WIDTHS) - 1


def write_statement(data: StatementData, path: Path, *, lang: Lang) -> Path:
    """One customer's statement as ``path`` (.xlsx)."""
    title = tr(lang, "Customer Statement of Account")
    with workbook(path, f"{title} {data.customer_id} {data.end:%Y-%m}") as book:
        f = _formats(book, data.currency.money_format)
        sheet = book.add_worksheet(tr(lang, "Statement"))
        widths = column_widths(data, lang)
        for c, width in enumerate(widths):
            sheet.set_column(c, c, width)
        sheet.merge_range(0, 0, 0, LAST_COL, data.company, f["company"])
        sheet.merge_range(1, 0, 1, LAST_COL, title, f["title"])
        row = _header_block(sheet, data, f, lang, 3)
        header_row = row
        for c, header in enumerate(HEADERS):
            sheet.write_string(row, c, header.render(lang), f["head"])
        row = _lines(sheet, data, f, lang, row + 1)
        printed: Printed = {}
        row = _ageing_block(sheet, data, f, lang, row + 1, printed)
        last = _confirmation(sheet, data, f, lang, row + 1, printed)
        _page_setup(sheet, header_row, last, lang, sum(column_px(w) for w in widths))
        texts = [row_text([cells[c] for c in sorted(cells)]) for _, cells in sorted(printed.items())]
        _marker(book.add_worksheet(MARKER_SHEET), data, texts)
    return Path(path)


# The values written below the lines, by row and column: the text of each row as the statement reader quotes a note.
Printed = dict[int, dict[int, object]]


def _put(printed: Printed, row: int, col: int, value: object) -> object:
    printed.setdefault(row, {})[col] = value
    return value


def _marker(sheet, data: StatementData, printed: list[str]) -> None:
    """The veryHidden marker sheet: a returned copy is known as our statement, for this customer and period, and
    the rows we printed below its lines are told from what the customer wrote there."""
    sheet.write_row(0, 0, ["key", "value"])
    for row, (key, value) in enumerate(marker_rows(data, printed), start=1):
        sheet.write_string(row, 0, key)
        sheet.write_string(row, 1, value)
    sheet.very_hidden()
    sheet.protect()


def column_widths(data: StatementData, lang: Lang) -> list[float]:
    """The document's column widths, widened where a date, reference, amount or ageing caption needs more (never
    ``###``, no caption cut by the amount beside it)."""
    amounts = [data.opening, data.closing, *data.lines["balance"], *data.ageing.values()]
    columns: list[tuple[Kind, list[object]]] = [
        ("date", [data.start, data.end]),
        ("text", list(data.lines["ref"])),
        ("text", []),  # the description wraps in its fixed width
        ("money", [*data.lines["debit"], float(data.lines["debit"].sum()), *amounts]),
        ("money", [*data.lines["credit"], float(data.lines["credit"].sum()), *amounts]),
        ("money", amounts),
    ]
    widths = [
        max(least, column_width(header.render(lang), values, kind, data.currency))
        for least, header, (kind, values) in zip(WIDTHS, HEADERS, columns)
    ]
    # The ageing block puts captions and amounts under columns made for other things (a date, a reference).
    for (_, col), value in _ageing_cells(data, lang).items():
        kind: Kind = "text" if isinstance(value, str) else "money"
        widths[col] = max(widths[col], column_width("", [value], kind, data.currency))
    return widths


def _formats(book, money: str) -> dict:
    border = {"border": 1}
    return {
        "company": book.add_format({"bold": True, "font_size": 16, "align": "center"}),
        "title": book.add_format({"bold": True, "font_size": 14, "align": "center", "bottom": 6}),
        "label": book.add_format({"bold": True}),
        "text": book.add_format({}),
        "head": book.add_format({"bold": True, "bg_color": "#D9E1F2", "align": "center", **border}),
        "cell": book.add_format(border),
        "date": book.add_format({"num_format": DATE_FORMAT, **border}),
        "money": book.add_format({"num_format": money, **border}),
        "bold_money": book.add_format({"num_format": money, "bold": True, **border}),
        "bold_cell": book.add_format({"bold": True, **border}),
        "plain_money": book.add_format({"num_format": money}),
        "wrap": book.add_format({"text_wrap": True, "valign": "top", **border}),
        "box": book.add_format({"valign": "top", "text_wrap": True, **border}),
    }


def _header_block(sheet, data: StatementData, f: dict, lang: Lang, row: int) -> int:
    pairs = [
        ((tr(lang, "Customer:"), data.name), (tr(lang, "Customer ID:"), data.customer_id)),
        ((tr(lang, "Contact:"), data.contact), (tr(lang, "Phone:"), data.phone)),
        ((tr(lang, "Address:"), data.address), (tr(lang, "Sales rep:"), data.rep)),
        (
            (tr(lang, "Period:"), f"{data.start:%Y-%m-%d} — {data.end:%Y-%m-%d}"),
            (tr(lang, "Currency:"), tr(lang, "CNY") if data.currency == CNY else data.currency.code),
        ),
    ]
    for (l1, v1), (l2, v2) in pairs:
        sheet.write_string(row, 0, l1, f["label"])
        sheet.merge_range(row, 1, row, 2, v1, f["text"])
        sheet.write_string(row, 3, l2, f["label"])
        sheet.merge_range(row, 4, row, LAST_COL, v2, f["text"])
        row += 1
    return row + 1


def _lines(sheet, data: StatementData, f: dict, lang: Lang, row: int) -> int:
    sheet.write_datetime(row, 0, data.start.to_pydatetime(), f["date"])
    sheet.write_string(row, 1, "", f["cell"])
    sheet.write_string(row, 2, tr(lang, "Opening balance"), f["bold_cell"])
    sheet.write_blank(row, 3, None, f["cell"])
    sheet.write_blank(row, 4, None, f["cell"])
    sheet.write_number(row, 5, data.opening, f["bold_money"])
    row += 1
    for rec in data.lines.itertuples(index=False):
        sheet.write_datetime(row, 0, rec.date.to_pydatetime(), f["date"])
        sheet.write_string(row, 1, str(rec.ref), f["cell"])
        sheet.write_string(row, 2, str(rec.description), f["cell"])
        for c, value in ((3, rec.debit), (4, rec.credit)):
            if pd.isna(value):
                sheet.write_blank(row, c, None, f["cell"])
            else:
                sheet.write_number(row, c, round(float(value), 2), f["money"])  # a sum of lines: no float noise
        sheet.write_number(row, 5, float(rec.balance), f["money"])
        row += 1
    debit, credit = float(data.lines["debit"].sum()), float(data.lines["credit"].sum())
    for label, values in (
        (tr(lang, "Period total"), (debit, credit, None)),
        (tr(lang, "Closing balance"), (None, None, data.closing)),
    ):
        sheet.write_datetime(row, 0, data.end.to_pydatetime(), f["date"])
        sheet.write_string(row, 1, "", f["cell"])
        sheet.write_string(row, 2, label, f["bold_cell"])
        for c, value in zip((3, 4, 5), values):
            if value is None:
                sheet.write_blank(row, c, None, f["cell"])
            else:
                sheet.write_number(row, c, round(value, 2), f["bold_money"])
        row += 1
    return row


def _ageing_block(sheet, data: StatementData, f: dict, lang: Lang, row: int, printed: Printed) -> int:
    """The customer's balance by days past due at the period end, two rows of label and amount."""
    sheet.write_string(row, 0, _put(printed, row, 0, tr(lang, "Ageing at period end")), f["label"])
    cells = _ageing_cells(data, lang)
    for (k, col), value in cells.items():
        _put(printed, row + 1 + k, col, value)
        if isinstance(value, str):
            sheet.write_string(row + 1 + k, col, value, f["cell"])
        else:
            sheet.write_number(row + 1 + k, col, value, f["money"])
    return row + 1 + max((k + 1 for k, _ in cells), default=0)


def _ageing_cells(data: StatementData, lang: Lang) -> dict[tuple[int, int], str | float]:
    """The ageing block's cells by (row within the block, column): each bucket's caption and its amount."""
    cells: dict[tuple[int, int], str | float] = {}
    # Two rows of three captions/amounts pairs keep the block inside the six printed columns.
    for i, (key, value) in enumerate(data.ageing.items()):
        cells[i // 3, 2 * (i % 3)] = caption(key, lang)
        cells[i // 3, 2 * (i % 3) + 1] = round(value, 2)
    return cells


def _balance_sentence(data: StatementData, lang: Lang) -> str:
    """Who owes whom at the end of the period: the customer us, we the customer (paid ahead or overpaid; a negative
    debt asked to be signed for before), or neither."""
    closing = round(data.closing, 2)
    if closing > 0:
        return tr(
            lang,
            "As of {end:%Y-%m-%d} your balance with us is ¥{closing:,.2f}. ",
            end=data.end,
            closing=Money(closing, data.currency),
        )
    if closing < 0:
        return tr(
            lang,
            "As of {end:%Y-%m-%d} we owe you ¥{credit:,.2f} (paid in advance or overpaid). ",
            end=data.end,
            credit=Money(-closing, data.currency),
        )
    return tr(lang, "As of {end:%Y-%m-%d} the account is settled: nothing is owed either way. ", end=data.end)


def _confirmation(sheet, data: StatementData, f: dict, lang: Lang, row: int, printed: Printed) -> int:
    text = _balance_sentence(data, lang) + tr(
        lang,
        "If it agrees with your books, please sign and stamp under 'Agreed'; if not, list the "
        "differences in the box with details, and return this statement within 7 days.",
    )
    sheet.merge_range(row, 0, row + 2, LAST_COL, _put(printed, row, 0, text), f["wrap"])
    row += 4
    left = [tr(lang, "□ Agreed"), tr(lang, "Customer signature and stamp:"), tr(lang, "Signed by:"), tr(lang, "Date:")]
    for k, label in enumerate(left):
        sheet.merge_range(row + k, 0, row + k, 2, _put(printed, row + k, 0, label), f["text"])
    sheet.merge_range(row, 3, row, LAST_COL, _put(printed, row, 3, tr(lang, "□ Differences found:")), f["label"])
    sheet.merge_range(row + 1, 3, row + 5, LAST_COL, "", f["box"])
    row += 7
    stamp = tr(lang, "{company}, Finance (stamp)", company=data.company)
    sheet.merge_range(row, 0, row, LAST_COL, _put(printed, row, 0, stamp), f["text"])
    return row


def _page_setup(sheet, header_row: int, last_row: int, lang: Lang, width_px: float) -> None:
    # A statement is a letter: portrait, whatever its width (fitted to the page's width).
    set_print(sheet, width_px=width_px, header_rows=(header_row, header_row), lang=lang, orientation="portrait")
    sheet.set_margins(left=0.5, right=0.5, top=0.6, bottom=0.7)
    sheet.center_horizontally()
    sheet.print_area(0, 0, last_row, LAST_COL)


@dataclass(frozen=True)
class Statements:
    """What a statements run wrote, and each customer it could not write with the reason (its error)."""

    paths: list[Path]
    skipped: list[tuple[str, KeyacctError]]

    def skipped_lines(self, lang: Lang) -> list[str]:
        """A heading and one line per customer not written, saying why; none when every statement was written."""
        if not self.skipped:
            return []
        heading = tr(lang, "{count:,} customer(s) without a statement:", count=len(self.skipped))
        lines = (tr(lang, "{cid}: {reason}", cid=cid, reason=error.message(lang)) for cid, error in self.skipped)
        return [heading, *("  " + line for line in lines)]


def write_statements(
    master: Master,
    customers: list[str] | None,
    *,
    start: pd.Timestamp,
    end: pd.Timestamp,
    out: Path,
    lang: Lang,
    progress: bool = False,
) -> Statements:
    """Statements for ``customers`` (None: every customer whose balance at ``end`` is not zero) in ``out``.

    For every customer, one that cannot be written (lines under an id Customers does not hold) is skipped with its
    reason and the run goes on: one bad customer of thousands stopped the rest. Customers named are written or the
    error is raised."""
    out.mkdir(parents=True, exist_ok=True)
    buckets = master.settings.ageing_buckets
    ledger = master_ledger(master, as_of=end)
    ageing = age_ledger(ledger, master.customers, buckets=buckets)
    every = customers is None
    if customers is None:
        customers = ageing.loc[ageing["balance"].round(2) != 0, "customer_id"].tolist()
        if not customers:
            raise InputError(msg("no customer has a balance on {end:%Y-%m-%d}", end=end))
    written = Statements([], [])
    positions = CustomerPositions.of(master)
    shown = progress_bar(customers, unit=tr(lang, "customer"), desc=tr(lang, "statements")) if progress else customers
    for cid in shown:
        try:
            data = statement_data(master, cid, start=start, end=end, ageing=ageing, lang=lang, positions=positions)
            written.paths.append(write_statement(data, out / statement_filename(data, lang), lang=lang))
        except KeyacctError as error:
            if not every:
                raise
            written.skipped.append((str(cid), error))
    return written
