"""Customer statements (客户往来对账单): opening balance, dated lines, closing balance, ageing, confirmation.

The layout follows DOMAIN.md form 18 (客户往来明细表: customer, code, contact, period, rep and phone, dated
lines, balance) plus the confirmation block finance needs back: signature and stamp, date, and a box for
differences. The sheet prints on A4 portrait, one page wide. It reads back with ``read_statement`` (ours
perspective), so a returned copy can be reconciled directly: a veryHidden sheet (``MARKER_SHEET``) says whose
statement it is and for which period, and survives a customer's save in Excel, WPS or LibreOffice (.xlsx, .xls,
.ods), so a copy sent back is read in our perspective, not as the customer's own books.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from keyacct_xl.currency import CNY, Currency
from keyacct_xl.errors import InputError
from keyacct_xl.fileio import id_in_name
from keyacct_xl.i18n import Lang
from keyacct_xl.master.model import Master
from keyacct_xl.messages import Message, msg, tr
from keyacct_xl.parsing import is_blank
from keyacct_xl.receivables.master_lines import CustomerPositions, line_places, master_lines

# The statement's marker: a veryHidden sheet of key / value rows under a key / value header.
MARKER_SHEET = "_statement"
STATEMENT_DOCUMENT = "customer_statement"


@dataclass(frozen=True)
class StatementData:
    """Everything printed on one customer's statement."""

    company: str
    customer_id: str
    name: str
    address: str
    contact: str
    rep: str
    phone: str
    start: pd.Timestamp
    end: pd.Timestamp
    opening: float
    lines: pd.DataFrame  # date, ref, description, debit, credit, balance
    closing: float
    ageing: dict[str, float]
    currency: Currency = CNY  # the master's book currency: the amounts' symbol and the Currency line


def parse_period(text: str) -> tuple[pd.Timestamp, pd.Timestamp]:
    """``2026-10`` (or ``2026年10月``) as the first and last day of that month."""
    cleaned = str(text).strip().replace("年", "-").replace("月", "").replace("/", "-").replace(".", "-")
    match = re.fullmatch(r"(\d{4})-(\d{1,2})", cleaned)
    if not match or not 1 <= int(match[2]) <= 12:
        raise InputError(msg("--period {text!r}: give a month such as 2026-10", text=text))
    period = pd.Period(year=int(match[1]), month=int(match[2]), freq="M")
    return period.start_time, period.end_time.normalize()


def statement_data(
    master: Master,
    customer_id: str,
    *,
    start: pd.Timestamp,
    end: pd.Timestamp,
    ageing: pd.DataFrame,
    lang: Lang = "zh",
    positions: CustomerPositions | None = None,
) -> StatementData:
    """Collect one customer's statement; ``ageing`` is the ageing table at ``end`` (one row per customer);
    ``positions``: ``CustomerPositions.of(master)`` when statements are collected for many customers."""
    cid = str(customer_id).strip()
    positions = positions or CustomerPositions.of(master, only=cid)
    customer = master.customers[master.customers["customer_id"].astype(str).str.strip() == cid]
    if customer.empty:
        raise InputError(_not_a_customer(master, cid, positions))
    info = customer.iloc[0]
    side = master_lines(master, cid, start=start, end=end, positions=positions)
    lines = side.lines
    is_payment = lines["kind"] == "payment"
    amount = lines["amount"]
    opening = side.opening or 0.0
    products = _products_per_document(master.transactions.iloc[positions.transactions.get(cid, [])])
    table = pd.DataFrame(
        {
            "date": lines["date"],
            "ref": lines["ref"],
            "description": [
                _adjustment(d, lang)
                if k == "adjustment"
                else _describe(p, a, d, products.get(str(ref).strip(), 1), lang)
                for p, a, d, k, ref in zip(is_payment, amount, lines["description"], lines["kind"], lines["ref"])
            ],
            "debit": amount.where(amount > 0),
            "credit": (-amount).where(amount < 0),
            "balance": (opening + amount.cumsum()).round(2),
        }
    )
    contact = master.contacts[master.contacts["customer_id"].astype(str).str.strip() == cid]
    who = contact.iloc[0] if len(contact) else None
    aged = ageing[ageing["customer_id"] == cid]
    buckets = [c for c in ageing.columns if c == "not_due" or (c.startswith("d") and c[1].isdigit())]
    return StatementData(
        company=master.settings.company_name,
        currency=master.settings.book_currency,
        customer_id=cid,
        name=_text(info.get("name")),
        address=_text(info.get("address")),
        contact=" ".join(x for x in (_text(who["name"]), _text(who["phone"])) if x) if who is not None else "",
        rep=_text(info.get("rep")),
        phone=_text(info.get("phone")),
        start=start,
        end=end,
        opening=round(opening, 2),
        lines=table.reset_index(drop=True),
        closing=round(opening + float(amount.sum()), 2),
        ageing={c: float(aged[c].iloc[0]) if len(aged) else 0.0 for c in [*buckets, "unapplied_credit"]},
    )


def _not_a_customer(master: Master, cid: str, positions: CustomerPositions) -> Message:
    """Why ``cid`` has no statement: Customers does not hold it; where its lines are, when it has any (the first
    three rows, to find and correct the id or add the customer)."""
    places = line_places(master, cid, positions)
    if not places:
        return msg("{path}: customer {cid} is not in the Customers table", path=master.path, cid=cid)
    return msg(
        "{path}: customer {cid} is not in the Customers table, though {count:,} line(s) name it ({places}); add the "
        "customer to Customers or correct the id",
        path=master.path,
        cid=cid,
        count=len(places),
        places=", ".join(places[:3]) + (" …" if len(places) > 3 else ""),
    )


def _text(value: object) -> str:
    return "" if value is None or (not isinstance(value, str) and pd.isna(value)) else str(value)


def _products_per_document(mine: pd.DataFrame) -> dict[str, int]:
    """How many different products each of the customer's documents (their Transactions by doc_no) holds."""
    return {
        str(k): int(v) for k, v in mine.groupby(mine["doc_no"].astype(str).str.strip())["product"].nunique().items()
    }


def _adjustment(reason: str, lang: Lang) -> str:
    """``调账：reason``, or ``调账`` alone for an adjustment booked without a reason (no colon with nothing after)."""
    text = reason.strip()
    return tr(lang, "Adjustment: {detail}", detail=text) if text else tr(lang, "Adjustment")


def _describe(is_payment: bool, amount: float, detail: str, products: int, lang: Lang) -> str:
    if is_payment:
        return tr(lang, "Payment ({detail})", detail=detail) if detail else tr(lang, "Payment")
    if amount < 0:
        return tr(lang, "Credit note: {detail}", detail=detail)
    if not detail:
        return tr(lang, "Sale")
    # "etc." (等) tells the customer the invoice holds more goods: only true of a document of several products.
    return tr(lang, "Sale: {detail} etc.", detail=detail) if products > 1 else tr(lang, "Sale: {detail}", detail=detail)


def statement_filename(data: StatementData, lang: Lang) -> str:
    """``对账单_C0001_2026-10.xlsx`` / ``statement_C0001_2026-10.xlsx``."""
    # A customer id such as "KA/001" must not become a sub-folder (or an invalid name on Windows), nor share a name.
    word = tr(lang, "statement")
    return f"{word}_{id_in_name(data.customer_id)}_{data.end:%Y-%m}.xlsx"


PRINTED_NOTE = "printed_note"  # a marker row holding the text of a row we printed below the lines


@dataclass(frozen=True)
class StatementMarker:
    """What the marker sheet of our statement says: its keys' values, and the texts of the rows printed below the
    lines (ageing, confirmation), which a returned copy holds unchanged unless the customer wrote there."""

    values: dict[str, str]
    printed: frozenset[str]

    @property
    def customer_id(self) -> str:
        """The customer the statement was written to."""
        return self.values.get("customer_id", "")


def marker_rows(data: StatementData, printed: Sequence[str]) -> list[tuple[str, str]]:
    """The key / value rows of a statement's marker sheet: what it is, whose, which period, and the ``printed``
    texts of the rows below its lines."""
    return [
        ("document", STATEMENT_DOCUMENT),
        ("customer_id", data.customer_id),
        ("period_start", f"{data.start:%Y-%m-%d}"),
        ("period_end", f"{data.end:%Y-%m-%d}"),
        *((PRINTED_NOTE, text) for text in printed),
    ]


def statement_marker(sheets: Sequence[tuple[str, Sequence[Sequence[object]]]]) -> StatementMarker | None:
    """The marker of our statement among a workbook's (name, cells) sheets; None when the workbook is no statement
    of ours (no marker sheet, or one naming something else)."""
    cells = next((rows for name, rows in sheets if name == MARKER_SHEET), None)
    if cells is None:
        return None
    pairs = [
        (str(row[0]).strip(), "" if len(row) < 2 or is_blank(row[1]) else str(row[1]))
        for row in cells[1:]
        if row and not is_blank(row[0])
    ]
    values = {key: value.strip() for key, value in pairs if key != PRINTED_NOTE}
    if values.get("document") != STATEMENT_DOCUMENT:
        return None
    return StatementMarker(values, frozenset(value for key, value in pairs if key == PRINTED_NOTE))
