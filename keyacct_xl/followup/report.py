"""The visits check as a document: a one-page summary per rep to sign, the rep overview and the detail sheets.

Headers and coded values in the report's language (正常/到期/逾期 in zh), number formats and widths per column,
every sheet set up for A4 (the sign-off pages portrait on one page; the detail sheets are report sheets of
``keyacct_xl.reports``: title block, A4 in the orientation their width asks for, one page wide, the header row
repeated). CSV holds the per-customer table only.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from keyacct_xl.analytics.frames import with_customer_names
from keyacct_xl.analytics.rfm import CALL_LABELS
from keyacct_xl.followup.check import REP_COLUMNS, rep_shown
from keyacct_xl.followup.execution import PLAN_STATUS_LABELS
from keyacct_xl.followup.lists import OCCASION_LABELS
from keyacct_xl.followup.status import DUE_BY_LABELS, STATUS_LABELS
from keyacct_xl.i18n import Lang
from keyacct_xl.labels import header as schema_header
from keyacct_xl.master.schema import VISITS
from keyacct_xl.master.submissions import ALL_CONSOLIDATION_TABLES
from keyacct_xl.messages import Message, Pair, Rendered, cmsg, msg, tr
from keyacct_xl.output import DATE_FORMAT, check_suffix, workbook, write_cell, write_csv
from keyacct_xl.reports import Heading, Kind, Sheet, Styles, add_sheet, column_width, set_page_footer, sheet_name
from keyacct_xl.reports.columns import TEXT_CAP, column_kind, text_width, two_line_header_width

HEADERS: dict[str, Message] = {
    "last_visit": cmsg("visits check", "Last Contact"),
    "days_since_visit": cmsg("visits check", "Days Since Contact"),
    "last_face_to_face": cmsg("visits check", "Last Face-to-Face"),
    "days_since_face_to_face": cmsg("visits check", "Days Since Face-to-Face"),
    "due_date": cmsg("visits check", "Due Date"),
    "due_by": cmsg("visits check", "Due By"),
    "face_to_face_due": cmsg("visits check", "Face-to-Face Due"),
    "status": cmsg("visits check", "Status"),
    "days_overdue": cmsg("visits check", "Days Overdue"),
    "customers": cmsg("visits check", "Customers"),
    "key_customers": cmsg("visits check", "VIP/A Customers"),
    "key_visited_quarter": cmsg("visits check", "VIP/A Visited This Quarter"),
    "key_coverage_rate": cmsg("visits check", "VIP/A Coverage"),
    "due": cmsg("visits check", "Due"),
    "overdue": cmsg("visits check", "Overdue"),
    "key_overdue": cmsg("visits check", "VIP/A Overdue"),
    "visits_quarter": cmsg("visits check", "Visits This Quarter"),
    "visits_per_week": cmsg("visits check", "Visits per Week"),
    "plan_done": cmsg("visits check", "Plan Done"),
    "plan_missed": cmsg("visits check", "Plan Missed"),
    "plan_pending": cmsg("visits check", "Plan Pending"),
    "unplanned": cmsg("visits check", "Unplanned Visits"),
    "next_steps_overdue": cmsg("visits check", "Next Steps Overdue"),
    "poor_without_countermeasure": cmsg("visits check", "Poor Visits Without Countermeasure"),
    "greetings_due": cmsg("visits check", "Greetings Due"),
    "winback_no_contact": cmsg("visits check", "Win-Back Not Contacted"),
    "source": cmsg("visits check", "Plan Source"),
    "planned_date": cmsg("visits check", "Planned Date"),
    "visit_date": cmsg("visits check", "Actual Visit Date"),
    "occasion": cmsg("visits check", "Occasion"),
    "occasion_date": cmsg("visits check", "Date"),
    "greet_by": cmsg("visits check", "Greet By"),
    "contact": cmsg("visits check", "Contact"),
    "rfm_class": cmsg("visits check", "RFM Class"),
    "last_purchase": cmsg("visits check", "Last Purchase"),
    "call_within_days": cmsg("visits check", "Call Within (days)"),
    "date": cmsg("visits check", "Visit Date"),
}
VALUES: dict[str, Mapping[str, Rendered]] = {
    "status": {**STATUS_LABELS, **PLAN_STATUS_LABELS},
    "due_by": DUE_BY_LABELS,
    "occasion": OCCASION_LABELS,
    "rfm_class": CALL_LABELS,
    "source": {name: Pair(t.sheet_en, t.sheet_zh) for name, t in ALL_CONSOLIDATION_TABLES.items()},
}
RATES = {"key_coverage_rate"}
DECIMALS = {"visits_per_week"}


def header(key: str, lang: Lang) -> str:
    """The column header of ``key`` in ``lang``: this report's own, else the Visits sheet's (a visit's method is no
    payment's 收款方式), else the master's."""
    if key in HEADERS:
        return HEADERS[key].render(lang)
    if key in VISITS.keys:
        return VISITS.column(key).header(lang)
    return schema_header(key, lang)


def shown(frame: pd.DataFrame, lang: Lang) -> pd.DataFrame:
    """``frame`` with coded columns as their labels in ``lang``."""
    out = frame.copy()
    for column, labels in VALUES.items():
        if column in out.columns:
            out[column] = (
                out[column]
                .map(lambda v, labels=labels: labels[v].render(lang) if v in labels else v, na_action="ignore")
                .astype(object)
            )
    return out


def _sheets(check, lang: Lang, customers: pd.DataFrame | None) -> list[tuple[str, pd.DataFrame]]:
    """The overview and the detail sheets, each customer's name beside its id (the lists keep only the id, which
    the per-rep counts and the worksheet functions read)."""
    sheets = [
        (tr(lang, "Reps"), check.reps),
        (tr(lang, "Customer status"), check.status),
        (tr(lang, "Plan execution"), check.plan),
        (tr(lang, "Unplanned visits"), check.unplanned),
        (tr(lang, "Next steps overdue"), check.next_steps),
        (tr(lang, "Poor visits"), check.poor_visits),
        (tr(lang, "Greetings"), check.greetings),
        (tr(lang, "Win-back"), check.winback),
    ]
    return [(name, with_customer_names(frame, customers)) for name, frame in sheets]


def write_check(
    check, path: Path, *, lang: Lang, company: str | None = None, customers: pd.DataFrame | None = None
) -> Path:
    """Write the check to ``.xlsx`` (sign-off pages and detail sheets, the customers named from ``customers``, the
    master's) or ``.csv`` (per-customer status)."""
    path = Path(path)
    if check_suffix(path, (".xlsx", ".csv")) == ".csv":
        return write_csv(shown(check.status, lang).rename(columns=lambda c: header(c, lang)), path)
    title = tr(lang, "Visits check as of {as_of:%Y-%m-%d}", as_of=check.as_of)
    heading = Heading(tr(lang, "Visits check"), company=company, as_of=check.as_of)
    with workbook(path, title) as book:
        fmt = _formats(book)
        styles = Styles(book)
        sheets = _sheets(check, lang, customers)
        used = {name.casefold() for name, _ in sheets}
        pages = [_sheet_name(rep, lang, used) for rep in check.reps["rep"]]
        _detail(book, styles, sheets[0][0], sheets[0][1], "Check1", lang, heading)  # the overview first
        status = check.status
        key = status["grade"].isin(check.policy.quarterly_face_to_face) & (status["status"] == "overdue")
        overdue_key = status[key]
        for (_, row), name in zip(check.reps.iterrows(), pages, strict=True):
            _sign_off_page(book, fmt, check, overdue_key, row, name, lang)
        for number, (name, frame) in enumerate(sheets[1:], start=2):
            _detail(book, styles, name, frame, f"Check{number}", lang, heading)
    return path


def _sheet_name(text: Any, lang: Lang, used: set[str]) -> str:
    """A rep's page: a legal sheet name, unique ignoring case (a rep without a name is "No rep")."""
    return sheet_name(rep_shown(text, lang), used)


def _formats(book) -> dict:
    return {
        "title": book.add_format({"bold": True, "font_size": 14}),
        "subtitle": book.add_format({"font_color": "#595959"}),
        "label": book.add_format({"bold": True, "border": 1, "bg_color": "#F2F2F2"}),
        "value": book.add_format({"border": 1, "num_format": "#,##0"}),
        "rate": book.add_format({"border": 1, "num_format": "0.0%"}),
        "decimal": book.add_format({"border": 1, "num_format": "0.0"}),
        "head": book.add_format({"bold": True, "border": 1, "bg_color": "#DDEBF7", "text_wrap": True}),
        "cell": book.add_format({"border": 1}),
        "cell_date": book.add_format({"border": 1, "num_format": DATE_FORMAT}),
        "sign": book.add_format({"bottom": 1}),
    }


_PAGE_FIGURES = tuple(REP_COLUMNS[1:])  # every figure of the rep, in the per-rep table's order
_PAGE_LIST = ("customer_id", "name", "grade", "last_face_to_face", "due_date", "days_overdue")
_PAGE_ROWS = 12  # overdue key customers listed on the page; the detail sheet has them all
_SIGNERS = (msg("Rep:"), msg("Supervisor:"), msg("Date:"))  # under the list, in columns A, C and E


def _sign_off_page(book, fmt: dict, check, overdue_key: pd.DataFrame, row: pd.Series, name: str, lang: Lang) -> None:
    """One A4 portrait page per rep: the figures, the most overdue key customers, signature lines."""
    ws = book.add_worksheet(name)
    rep = rep_shown(row["rep"], lang)
    ws.write_string(0, 0, tr(lang, "Visits check — {rep}", rep=rep), fmt["title"])
    policy = Pair(check.policy.title_en, check.policy.title_zh)
    ws.write_string(
        1, 0, tr(lang, "as of {as_of:%Y-%m-%d}; {policy}", as_of=check.as_of, policy=policy), fmt["subtitle"]
    )
    for i, key in enumerate(_PAGE_FIGURES, start=3):
        ws.write_string(i, 0, header(key, lang), fmt["label"])
        value = row[key]
        style = fmt["rate"] if key in RATES else fmt["decimal"] if key in DECIMALS else fmt["value"]
        if pd.isna(value):
            ws.write_blank(i, 1, None, style)
        else:
            ws.write_number(i, 1, float(value), style)
    top = 4 + len(_PAGE_FIGURES)
    ws.write_string(
        top,
        0,
        tr(lang, "Overdue {grades} customers (longest first)", grades="/".join(check.policy.quarterly_face_to_face)),
        fmt["label"],
    )
    key = overdue_key[(overdue_key["rep"] == row["rep"]) if pd.notna(row["rep"]) else overdue_key["rep"].isna()]
    key = key.sort_values("days_overdue", ascending=False, kind="stable").head(_PAGE_ROWS)
    for j, column in enumerate(_PAGE_LIST):
        ws.write_string(top + 1, j, header(column, lang), fmt["head"])
    for i, record in enumerate(key[list(_PAGE_LIST)].itertuples(index=False), start=top + 2):
        for j, value in enumerate(record):
            write_cell(ws, i, j, value, fmt["cell_date"] if isinstance(value, pd.Timestamp) else fmt["cell"])
    sign = top + 3 + max(len(key), 1)
    for j, signer in enumerate(_SIGNERS):
        ws.write_string(sign + 1, j * 2, signer.render(lang))
        ws.write_blank(sign + 1, j * 2 + 1, None, fmt["sign"])
    for j, width in enumerate(_page_widths(row, key, lang)):
        ws.set_column(j, j, width)
    ws.set_paper(9)
    ws.set_portrait()
    ws.fit_to_pages(1, 1)
    ws.print_area(0, 0, sign + 1, len(_PAGE_LIST) - 1)
    set_page_footer(ws, lang)


def _page_widths(row: pd.Series, listed: pd.DataFrame, lang: Lang) -> list[float]:
    """The sign-off page's column widths from what it shows, measured as the report layer measures: the figures'
    labels and values in the first two columns, the list's values and signers' words below them. The list's headers
    wrap, so only their longest word counts."""
    widths = [
        column_width(max(header(c, lang).split(), key=text_width, default=""), list(listed[c]), _page_kind(c))
        for c in _PAGE_LIST
    ]
    widths[0] = max(widths[0], column_width("", [header(k, lang) for k in _PAGE_FIGURES], "text"))
    for key in _PAGE_FIGURES:
        kind: Kind = "percent" if key in RATES else "number" if key in DECIMALS else "count"
        widths[1] = max(widths[1], column_width("", [row[key]], kind))
    for j, signer in enumerate(_SIGNERS):
        widths[2 * j] = max(widths[2 * j], column_width("", [signer.render(lang)], "text"))
    return widths


def _page_kind(column: str) -> Kind:
    return "date" if column in ("last_face_to_face", "due_date") else "count" if column == "days_overdue" else "text"


def _detail(book, styles: Styles, name: str, frame: pd.DataFrame, table: str, lang: Lang, heading: Heading) -> None:
    """One detail sheet through the report layer: headers and labels in ``lang``, rates and decimals by key, each
    column as narrow as its values with its header on two lines."""
    kinds: dict[str, Kind] = {key: "percent" for key in RATES} | {key: "number" for key in DECIMALS}
    labelled = shown(frame, lang)
    headers = {str(key): header(str(key), lang) for key in frame.columns}
    sheet = Sheet(name, labelled, kinds=kinds, headers=headers, widths=_narrow_widths(labelled, headers, kinds))
    add_sheet(book, styles, sheet, heading=heading, lang=lang, table_name=table)


# A customer's name wraps past this many character columns (15 Chinese characters): the status sheet's fifteen
# columns then print one page wide in landscape at 55 % or more, each customer's status beside the customer.
NAME_ROOM = 30


def _narrow_widths(frame: pd.DataFrame, headers: Mapping[str, str], kinds: Mapping[str, Kind]) -> dict[str, float]:
    """Each column's width with its header on two lines: the check's columns are short figures and dates under
    long headers (面访距今天数, 本季已面访 VIP/A), which at one line widened the status and rep sheets past one
    page."""
    return {
        key: two_line_header_width(
            headers[key],
            frame[key],
            column_kind(key, frame[key], kinds),
            text_cap=NAME_ROOM if key in ("name", "customer_name") else TEXT_CAP,
        )
        for key in map(str, frame.columns)
    }
