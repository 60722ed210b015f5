"""The reconciliation as a workbook (results, balance explanation, unreadable values, notes) or CSV files.

The workbook's results carry a decision per line (a plain list validation: accept ours / accept theirs / write
off / in transit, in the report's language, so Excel, WPS and LibreOffice all offer it without macros), an
approver and a reason; its info sheet names the customer and the reconciliation, so ``reconcile apply`` turns
the decisions into the master's Adjustments (keyacct_xl.receivables.adjustments).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from keyacct_xl.i18n import Lang
from keyacct_xl.labels import document_frame, header
from keyacct_xl.messages import tr
from keyacct_xl.output import DATE_FORMAT, MONEY_FORMAT, check_suffix, print_a4_across, workbook, write_csv
from keyacct_xl.receivables.adjustments import DECISION_HEADERS, INFO_LABELS, INFO_SHEET, decision_labels
from keyacct_xl.receivables.reconcile import Reconciliation

STATUS_COLORS = {"matched": None, "amount_mismatch": "#FFEB9C", "only_ours": "#FCE4D6", "only_theirs": "#DDEBF7"}
PROBLEM_COLUMNS = ["file", "sheet", "row", "column", "value", "reason"]
MONEY_COLUMNS = {"ours_amount", "theirs_amount", "difference", "amount"}
DATE_COLUMNS = {"ours_date", "theirs_date"}


def problems_frame(result: Reconciliation, lang: Lang) -> pd.DataFrame:
    """Unreadable values, one row each, with file, sheet, row and the reason in ``lang``."""
    return pd.DataFrame(
        [(p.file, p.sheet, p.row, p.column, p.value, p.reason.render(lang)) for p in result.problems],
        columns=PROBLEM_COLUMNS,
    )


def write_reconciliation(result: Reconciliation, path: Path, *, lang: Lang) -> list[Path]:
    """``.xlsx``: one workbook; ``.csv``: the table, plus ``.summary.csv`` and ``.problems.csv`` beside it (in lang)."""
    path = Path(path)
    if check_suffix(path, (".xlsx", ".csv")) == ".csv":
        # Always all three (problems may be headers only): a problems file left by an earlier run of the same
        # name must not stand beside a result that had none.
        return [
            write_csv(document_frame(result.table, lang), path),
            write_csv(document_frame(result.summary, lang), path.with_name(path.stem + ".summary.csv")),
            write_csv(document_frame(problems_frame(result, lang), lang), path.with_name(path.stem + ".problems.csv")),
        ]
    with workbook(path, tr(lang, "Statement reconciliation")) as book:
        fmt = {
            "money": book.add_format({"num_format": MONEY_FORMAT}),
            "date": book.add_format({"num_format": DATE_FORMAT}),
            "bold": book.add_format({"bold": True, "num_format": MONEY_FORMAT}),
            "label": book.add_format({"bold": True}),
            **{s: book.add_format({"bg_color": c}) for s, c in STATUS_COLORS.items() if c},
        }
        results = result.table.assign(**{key: None for key in DECISION_HEADERS})
        sheet = _table_sheet(book, tr(lang, "Results"), "Reconciliation", results, fmt, lang, status=True)
        _decision_list(sheet, results, lang)
        _table_sheet(book, tr(lang, "Explanation"), "BalanceExplanation", result.summary, fmt, lang)
        _table_sheet(book, tr(lang, "Problems"), "Problems", problems_frame(result, lang), fmt, lang)
        notes = book.add_worksheet(tr(lang, "Notes"))
        notes.set_column(0, 0, 110)
        for i, note in enumerate(result.notes or [tr(lang, "none")]):
            notes.write_string(i, 0, note)
        _a4_portrait(notes)
        _info_sheet(book, result, fmt, lang)
    return [path]


def _a4_portrait(sheet) -> None:
    """A sheet without a header row: A4, one page wide."""
    sheet.set_paper(9)
    sheet.fit_to_pages(1, 0)


def _decision_list(sheet, results: pd.DataFrame, lang: Lang) -> None:
    """The decision column offers the four decisions as a plain list; the column is wide enough to read them."""
    col = list(results.columns).index("decision")
    sheet.data_validation(
        1,
        col,
        max(len(results), 1),
        col,
        {
            "validate": "list",
            "source": decision_labels(lang),
            "input_title": DECISION_HEADERS["decision"].render(lang),
            "input_message": tr(lang, "Choose how this difference is settled"),
            "error_message": tr(lang, "Choose one of the listed decisions"),
        },
    )


def _info_sheet(book, result: Reconciliation, fmt: dict, lang: Lang) -> None:
    """Label / value rows naming whose reconciliation this is; ``reconcile apply`` reads them back by label."""
    sheet = book.add_worksheet(INFO_SHEET.render(lang))
    sheet.set_column(0, 0, 16)
    sheet.set_column(1, 1, 60)
    values = {"customer_id": result.customer_id, "source": result.source}
    for r, (key, label) in enumerate(INFO_LABELS.items()):
        sheet.write_string(r, 0, label.render(lang), fmt["label"])
        sheet.write_string(r, 1, values[key])
    _a4_portrait(sheet)


def _table_sheet(book, name: str, table: str, frame: pd.DataFrame, fmt: dict, lang: Lang, *, status: bool = False):
    sheet = book.add_worksheet(name)
    columns = list(frame.columns)
    shown = document_frame(frame, lang)  # same rows and columns, values as labels; the fill follows the code
    for r, (record, labels) in enumerate(zip(frame.itertuples(index=False), shown.itertuples(index=False)), start=1):
        fill = fmt.get(record[0]) if status else None
        for c, (col, value) in enumerate(zip(columns, labels)):
            _write(sheet, r, c, col, value, fmt, fill)
    sheet.add_table(
        0,
        0,
        max(len(frame), 1),
        len(columns) - 1,
        {"name": table, "style": "Table Style Light 9", "columns": [{"header": _header(c, lang)} for c in columns]},
    )
    for c, col in enumerate(columns):
        width = 48 if col in ("hint", "item", "reason") else 24 if col.endswith("row") or col == "rows" else 14
        sheet.set_column(c, c, 30 if col == "decision_reason" else width)
    sheet.freeze_panes(1, 0)
    print_a4_across(sheet, 0)
    return sheet


def _header(key: str, lang: Lang) -> str:
    return DECISION_HEADERS[key].render(lang) if key in DECISION_HEADERS else header(key, lang)


def _write(sheet, r: int, c: int, col: str, value: object, fmt: dict, fill) -> None:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        if fill is not None:
            sheet.write_blank(r, c, None, fill)
        return
    if col in MONEY_COLUMNS:
        sheet.write_number(r, c, float(value), fmt["money"])
    elif col in DATE_COLUMNS:
        sheet.write_datetime(r, c, pd.Timestamp(value).to_pydatetime(), fmt["date"])
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        sheet.write_number(r, c, value)
    else:
        sheet.write_string(r, c, str(value), fill)
