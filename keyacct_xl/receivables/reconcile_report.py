"""The reconciliation as a workbook (results, balance explanation, unreadable values, notes) or CSV files.

The workbook's results carry a decision per line (a plain list validation: accept ours / accept theirs / write
off / in transit, in the report's language, so Excel, WPS and LibreOffice all offer it without macros), an
approver and a reason; its info sheet names the customer and the reconciliation, so ``reconcile apply`` turns
the decisions into the master's Adjustments (keyacct_xl.receivables.adjustments). A protected veryHidden sheet
records the same and each line's facts (keyacct_xl.receivables.recon_record), which apply holds the visible cells to.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from xlsxwriter.worksheet import Worksheet

from keyacct_xl.currency import CNY, Currency
from keyacct_xl.i18n import Lang
from keyacct_xl.labels import document_frame, header
from keyacct_xl.messages import msg, shown, tr
from keyacct_xl.output import check_suffix, workbook, write_csv
from keyacct_xl.receivables.adjustments import DECISION_HEADERS, INFO_LABELS, INFO_SHEET, decision_labels, line_key
from keyacct_xl.receivables.recon_record import RECORD_SHEET, record_rows
from keyacct_xl.receivables.reconcile import Reconciliation
from keyacct_xl.receivables.statement_dates import Period
from keyacct_xl.reports import (
    Heading,
    Highlight,
    Sheet,
    Styles,
    add_sheet,
    column_width,
    set_print,
    table_header_row,
    write_title,
)
from keyacct_xl.reports.page import column_px

PROBLEM_COLUMNS = ["file", "sheet", "row", "column", "value", "reason"]
MONEY_COLUMNS = ("ours_amount", "theirs_amount", "difference")
# What names a result line to finance: its documents' numbers, printed again on each strip if the sheet needs two.
ROW_NAMES = ("ours_ref", "theirs_ref")
# The results are the sheet finance decides and signs, printed landscape one page wide when that is readable (55 %
# or more): the rows of a group of lines (``销售明细!5;销售明细!6``) wrap about one a line, the hint a few words a
# line. A document number is never wrapped (nothing may break inside one: LibreOffice breaks ``XS…;XS…`` anywhere).
LISTED = ("ours_row", "theirs_row")
HINT_WIDTH = column_width("对方少记（部分", [], "text")


def problems_frame(result: Reconciliation, lang: Lang) -> pd.DataFrame:
    """Unreadable values, one row each, with file, sheet, row and the reason in ``lang``."""
    return pd.DataFrame(
        [(p.file, p.sheet, p.row, shown(p.column, lang), p.value, p.reason.render(lang)) for p in result.problems],
        columns=PROBLEM_COLUMNS,
    )


def reconciliation_files(path: Path) -> list[Path]:
    """The files a reconciliation to ``path`` writes: the workbook, or a ``.csv`` with ``.summary.csv`` and
    ``.problems.csv`` beside it."""
    if path.suffix.lower() != ".csv":
        return [path]
    return [path, path.with_name(path.stem + ".summary.csv"), path.with_name(path.stem + ".problems.csv")]


def write_reconciliation(
    result: Reconciliation, path: Path, *, lang: Lang, company: str | None = None, currency: Currency = CNY
) -> list[Path]:
    """``.xlsx``: one workbook (amounts in ``currency``); ``.csv``: the table, plus ``.summary.csv`` and
    ``.problems.csv`` beside it (in lang)."""
    path = Path(path)
    if check_suffix(path, (".xlsx", ".csv")) == ".csv":
        # Always all three (problems may be headers only): a problems file left by an earlier run of the same
        # name must not stand beside a result that had none.
        table_csv, summary_csv, problems_csv = reconciliation_files(path)
        return [
            write_csv(document_frame(result.table, lang), table_csv),
            write_csv(document_frame(result.summary, lang), summary_csv),
            write_csv(document_frame(problems_frame(result, lang), lang), problems_csv),
        ]
    heading = Heading(
        tr(lang, "Statement reconciliation"),
        company=company,
        period=None if result.period is None else period_text(result.period, lang),
        sources=(msg("Their statement: {file}", file=result.statement),) if result.statement else (),
        currency=currency,
        customer=" ".join(part for part in (result.customer_id.strip(), result.customer_name) if part) or None,
    )
    results = Sheet(
        tr(lang, "Results"),
        result.table.assign(**{key: None for key in DECISION_HEADERS}),
        headers=DECISION_HEADERS,
        kinds={**dict.fromkeys(MONEY_COLUMNS, "money"), **dict.fromkeys(DECISION_HEADERS, "text")},
        highlights=_status_marks(result.table),
        row_names=ROW_NAMES,
        widths=_results_widths(result.table, lang),
    )
    explanation = Sheet(
        tr(lang, "Explanation"), result.summary, kinds={"amount": "money"}, row_names=("item", "documents")
    )
    problems = Sheet(tr(lang, "Problems"), problems_frame(result, lang), row_names=("file", "sheet", "row"))
    with workbook(path, heading.report) as book:
        styles = Styles(book)
        sheet = add_sheet(book, styles, results, heading=heading, lang=lang, table_name="Reconciliation")
        _decision_list(sheet, table_header_row(heading, results, lang), results.frame, lang)
        add_sheet(book, styles, explanation, heading=heading, lang=lang, table_name="BalanceExplanation")
        add_sheet(book, styles, problems, heading=heading, lang=lang, table_name="Problems")
        _text_sheet(book, styles, heading, tr(lang, "Notes"), result.notes or [tr(lang, "none")], lang)
        _info_sheet(book, styles, heading, result, lang)
        _record_sheet(book, result)
    return [path]


def period_text(period: Period, lang: Lang) -> str:
    """``2026-10-01 至 2026-11-30`` / ``2026-10-01 to 2026-11-30``: the period reconciled, in the report's language."""
    return tr(lang, "{start:%Y-%m-%d} to {end:%Y-%m-%d}", start=period[0], end=period[1])


def _results_widths(table: pd.DataFrame, lang: Lang) -> dict[str, float]:
    """The results' set widths: a group's rows about one a line, the hint wrapped, and the decision's list as wide
    as its longest choice (and the list's arrow)."""
    widths = {key: column_width(header(key, lang), _listed(table[key]), "text") for key in LISTED if key in table}
    decision = max(column_width(label, [], "text") for label in decision_labels(lang)) + 2
    return {**widths, "hint": HINT_WIDTH, "decision": decision}


def _listed(values: pd.Series) -> list[str]:
    """Each reference of a column whose cells list them ``a;b``, with the separator that ends its line."""
    return [part + ";" for value in values.dropna().astype(str) for part in value.split(";")]


def _status_marks(table: pd.DataFrame) -> tuple[Highlight, ...]:
    """Amount differences in amber, lines only one side has in red: the rows the meeting decides."""
    status = table["status"].astype(str) if "status" in table.columns else pd.Series([], dtype=str)
    columns = tuple(str(c) for c in table.columns)
    return (
        Highlight(columns, tuple(status == "amount_mismatch"), "warn"),
        Highlight(columns, tuple(status.isin(["only_ours", "only_theirs"])), "alert"),
    )


def _decision_list(sheet: Worksheet, header: int, results: pd.DataFrame, lang: Lang) -> None:
    """The decision column offers the four decisions as a plain list (the sheet makes it wide enough to read them)."""
    col = list(results.columns).index("decision")
    sheet.data_validation(
        header + 1,
        col,
        header + max(len(results), 1),
        col,
        {
            "validate": "list",
            "source": decision_labels(lang),
            "input_title": DECISION_HEADERS["decision"].render(lang),
            "input_message": tr(lang, "Choose how this difference is settled"),
            "error_message": tr(lang, "Choose one of the listed decisions"),
        },
    )


def _text_sheet(book, styles: Styles, heading: Heading, title: str, lines: list[str], lang: Lang) -> None:
    """A sheet of notes under the title block, one line a row, printed A4 one page wide."""
    sheet = book.add_worksheet(title)
    first = len(write_title(sheet, styles, heading, title, lang))
    sheet.set_column(0, 0, 110)
    for i, line in enumerate(lines):
        sheet.write_string(first + i, 0, line)
    set_print(sheet, width_px=column_px(110), header_rows=None, lang=lang)


def _info_sheet(book, styles: Styles, heading: Heading, result: Reconciliation, lang: Lang) -> None:
    """Label / value rows naming whose reconciliation this is; ``reconcile apply`` reads them back by label."""
    title = INFO_SHEET.render(lang)
    sheet = book.add_worksheet(title)
    first = len(write_title(sheet, styles, heading, title, lang))
    sheet.set_column(0, 0, 16)
    sheet.set_column(1, 1, 60)
    values = {"customer_id": result.customer_id, "source": result.source}
    for r, (key, label) in enumerate(INFO_LABELS.items(), start=first):
        sheet.write_string(r, 0, label.render(lang), styles.get(bold=True))
        sheet.write_string(r, 1, values[key])
    set_print(sheet, width_px=column_px(16) + column_px(60), header_rows=None, lang=lang)


def _record_sheet(book, result: Reconciliation) -> None:
    """The reconciliation's record of itself, veryHidden (not listed under Unhide) and protected: what ``reconcile
    apply`` holds the info sheet and the decided lines to."""
    sheet = book.add_worksheet(RECORD_SHEET)
    keys = [line_key(o, t) for o, t in zip(result.table["ours_row"], result.table["theirs_row"])]
    for r, row in enumerate(record_rows(result.customer_id, result.source, result.table, keys)):
        for c, value in enumerate(row):
            sheet.write_string(r, c, value)
    sheet.very_hidden()
    sheet.protect()
