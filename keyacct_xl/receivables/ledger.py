"""The receivables ledger: open items per customer from the master's Transactions and Payments.

Rules (DOMAIN.md, "Credit" and finance's 货款核实): an invoice is a Transactions doc_no (lines summed); a
negative doc is a credit note. Its due date is the invoice date plus the customer's payment_terms_days (0 when
blank). Events are replayed per customer in date order (invoices, then credit notes, then payments on the same
day): a payment settles the doc_no(s) it references first, then the oldest open invoices (FIFO); a credit note
settles the oldest open invoices; what is left of either is credit the customer holds, used by the next invoices.
Amounts are replayed in whole cents so balances are exact.
"""

from __future__ import annotations

import re
from collections import deque
from dataclasses import dataclass, field
from itertools import chain

import numpy as np
import pandas as pd

from keyacct_xl.errors import InputError
from keyacct_xl.master.schema import PAYMENTS, TRANSACTIONS, TableSchema
from keyacct_xl.messages import Pair, msg

INVOICE_COLUMNS = [
    "customer_id",
    "doc_no",
    "date",
    "due_date",
    "amount",
    "paid",
    "open_amount",
    "settled_date",
    "days_late",
]
APPLICATION_COLUMNS = ["customer_id", "receipt_no", "payment_date", "doc_no", "applied_amount", "kind"]
_REF_SPLIT = re.compile(r"[;,，；、\s]+")


@dataclass(frozen=True)
class Ledger:
    """Open items as of ``as_of``.

    ``invoices``: one row per (customer_id, doc_no); ``paid`` is what payments and credit notes settled up to
    ``as_of``; for a credit note ``open_amount`` is its unused part (<= 0). ``applications``: what each receipt
    (kind ``payment``) or credit note (kind ``credit_note``) settled. ``unapplied``: per customer, payment money
    not used by any invoice (<= 0). Always: open_amount.sum() + unapplied.sum() == amount.sum() - payments.
    """

    as_of: pd.Timestamp
    invoices: pd.DataFrame
    applications: pd.DataFrame
    unapplied: pd.Series

    def balance(self) -> pd.Series:
        """Per customer: invoiced minus paid (open items plus unapplied credit)."""
        open_items = self.invoices.groupby("customer_id", sort=True)["open_amount"].sum()
        return open_items.add(self.unapplied, fill_value=0.0).round(2)


@dataclass
class _Item:
    """One document or receipt while replaying a customer's history (dates in days, amounts in cents)."""

    key: str
    day: int
    cents: int
    remaining: int
    settled: int | None = None
    refs: tuple[str, ...] = field(default=())


def build_ledger(
    transactions: pd.DataFrame, payments: pd.DataFrame, customers: pd.DataFrame, *, as_of: pd.Timestamp | None = None
) -> Ledger:
    """Replay invoices, credit notes and payments up to ``as_of`` (default: the latest date in either table)."""
    as_of = _resolve_as_of(transactions, payments, as_of)
    docs = _documents(transactions, as_of)
    receipts = _receipts(payments, as_of)
    # Plain lists per customer: the replay is a Python loop, and pandas indexing per item would dominate it.
    doc_lists = _by_customer(docs, ["doc_no", "day", "cents"])
    receipt_lists = _by_customer(receipts, ["receipt_no", "day", "cents", "reference"])
    inv_rows: list[tuple] = []
    app_rows: list[tuple] = []
    unapplied: dict[str, float] = {}
    for cid in sorted(doc_lists.keys() | receipt_lists.keys()):
        left = _replay(cid, doc_lists.get(cid, []), receipt_lists.get(cid, []), inv_rows, app_rows)
        if left:
            unapplied[cid] = -left / 100
    invoices = _finish_invoices(
        pd.DataFrame(
            inv_rows, columns=[*INVOICE_COLUMNS[:2], "day", "cents", "paid_cents", "open_cents", "settled_day"]
        ),
        _terms(customers),
        as_of,
    )
    applications = pd.DataFrame(app_rows, columns=["customer_id", "receipt_no", "day", "doc_no", "cents", "kind"])
    applications = pd.DataFrame(
        {
            "customer_id": applications["customer_id"].astype("object"),
            "receipt_no": applications["receipt_no"].astype("object"),
            "payment_date": _dates(applications["day"]),
            "doc_no": applications["doc_no"].astype("object"),
            "applied_amount": applications["cents"].astype("float64") / 100,
            "kind": applications["kind"].astype("object"),
        }
    )
    return Ledger(as_of, invoices, applications, pd.Series(unapplied, dtype="float64", name="unapplied"))


def _resolve_as_of(transactions: pd.DataFrame, payments: pd.DataFrame, as_of: pd.Timestamp | None) -> pd.Timestamp:
    if as_of is not None:
        return pd.Timestamp(as_of).normalize()
    dates = pd.concat([transactions["date"], payments["date"]]).dropna()
    if dates.empty:
        raise InputError(msg("no dated transactions or payments: give an as-of date"))
    return pd.Timestamp(dates.max()).normalize()


def _blank(series: pd.Series) -> np.ndarray:
    """Missing values, and text of white space only."""
    blank = series.isna().to_numpy().copy()
    if series.dtype == object or isinstance(series.dtype, pd.StringDtype):
        blank |= np.array([isinstance(v, str) and not v.strip() for v in series], dtype=bool)
    return blank


def check_required(frame: pd.DataFrame, table: TableSchema, columns: tuple[str, ...]) -> None:
    """Blank keys or amounts would make money vanish from the ledger: refuse them, naming sheet, column and rows."""
    for col in columns:
        bad = np.flatnonzero(_blank(frame[col]))
        if len(bad):
            rows = ", ".join(str(i + 1) for i in bad[:10])
            raise InputError(
                msg(
                    "{table}: {column} is blank in data row(s) {rows}",
                    table=Pair(table.sheet_en, table.sheet_zh),
                    column=table.column(col),
                    rows=rows,
                )
            )


def _keyed(frame: pd.DataFrame, key: str, as_of: pd.Timestamp) -> pd.DataFrame:
    """Stripped customer ids, a key for rows without one (so their money still counts), days and cents."""
    out = pd.DataFrame({"customer_id": [str(v).strip() for v in frame["customer_id"]]})
    blank = _blank(frame[key])
    out[key] = [f"(row {i + 1})" if b else str(v).strip() for i, (v, b) in enumerate(zip(frame[key], blank))]
    out["day"] = _days(frame["date"])
    out["cents"] = np.round(frame["amount"].to_numpy(dtype="float64") * 100).astype("int64")
    return out[(frame["date"] <= as_of).to_numpy()]


def _documents(transactions: pd.DataFrame, as_of: pd.Timestamp) -> pd.DataFrame:
    check_required(transactions, TRANSACTIONS, ("customer_id", "date", "amount"))
    tx = _keyed(transactions, "doc_no", as_of)
    grouped = tx.groupby(["customer_id", "doc_no"], sort=False).agg(day=("day", "min"), cents=("cents", "sum"))
    return grouped.reset_index().sort_values(["customer_id", "day", "doc_no"], kind="stable")


def _receipts(payments: pd.DataFrame, as_of: pd.Timestamp) -> pd.DataFrame:
    check_required(payments, PAYMENTS, ("customer_id", "date", "amount"))
    pay = _keyed(payments, "receipt_no", as_of)
    refs = payments["reference"].to_numpy(dtype=object)[(payments["date"] <= as_of).to_numpy()]
    pay["reference"] = [tuple(r for r in _REF_SPLIT.split(v.strip()) if r) if isinstance(v, str) else () for v in refs]
    return pay.sort_values(["customer_id", "day", "receipt_no"], kind="stable")


def _by_customer(frame: pd.DataFrame, columns: list[str]) -> dict[str, list[tuple]]:
    out: dict[str, list[tuple]] = {}
    for row in zip(frame["customer_id"], *(frame[c].tolist() for c in columns)):
        out.setdefault(row[0], []).append(row[1:])
    return out


def _days(dates: pd.Series) -> np.ndarray:
    return dates.to_numpy(dtype="datetime64[D]").astype("int64")


def _dates(days: pd.Series) -> pd.Series:
    return pd.Series(days.to_numpy(dtype="float64").astype("datetime64[D]"), index=days.index).astype("datetime64[ns]")


def _terms(customers: pd.DataFrame) -> pd.Series:
    days = pd.to_numeric(customers["payment_terms_days"], errors="coerce").fillna(0).astype("int64")
    return pd.Series(days.to_numpy(), index=customers["customer_id"].astype(str).str.strip()).groupby(level=0).first()


def _replay(cid: str, docs: list[tuple], receipts: list[tuple], inv_rows: list[tuple], app_rows: list[tuple]) -> int:
    """Replay one customer; append invoice and application rows; return unapplied payment cents (>= 0)."""
    events: list[tuple[int, int, int, _Item]] = []
    for n, (doc, day, cents) in enumerate(docs):
        events.append((day, 0 if cents >= 0 else 1, n, _Item(doc, day, cents, cents)))
    for n, (rno, day, cents, refs) in enumerate(receipts):
        if cents < 0:
            raise InputError(
                msg(
                    "Payments: receipt {rno} of customer {cid} is negative; record refunds as a "
                    "credit-note reversal in Transactions",
                    rno=rno,
                    cid=cid,
                )
            )
        events.append((day, 2, n, _Item(rno, day, cents, cents, refs=refs)))
    events.sort(key=lambda e: (e[0], e[1], e[2]))
    open_invoices: deque[_Item] = deque()  # in date order: the FIFO queue
    by_doc: dict[str, _Item] = {}
    credits: list[tuple[str, _Item]] = []  # unused credit notes and payments, oldest first
    all_docs: list[_Item] = []
    for day, kind, _, item in events:
        if kind == 0:
            all_docs.append(item)
            by_doc[item.key] = item
            if item.remaining == 0:
                item.settled = day
                continue
            open_invoices.append(item)
            for source_kind, credit in credits:
                _apply(cid, credit, item, source_kind, day, app_rows)
            credits = [c for c in credits if c[1].remaining]
        else:
            source_kind = "credit_note" if kind == 1 else "payment"
            if kind == 1:
                all_docs.append(item)
                item.remaining = -item.remaining  # what the credit note can still settle, positive
            targets = [by_doc[r] for r in item.refs if r in by_doc and by_doc[r].remaining > 0]
            # lazily: a receipt its references settle stops before the FIFO queue, which is never copied
            for invoice in chain(targets, open_invoices):
                if not item.remaining:
                    break
                _apply(cid, item, invoice, source_kind, day, app_rows)
            if item.remaining:
                credits.append((source_kind, item))
        while open_invoices and not open_invoices[0].remaining:
            open_invoices.popleft()
    for item in all_docs:
        # For a credit note, what is open is its unused part, negative.
        open_cents = item.remaining if item.cents >= 0 else -item.remaining
        inv_rows.append(
            (
                cid,
                item.key,
                item.day,
                item.cents,
                item.cents - open_cents,
                open_cents,
                item.settled if item.cents >= 0 else None,
            )
        )
    return sum(c.remaining for kind, c in credits if kind == "payment")


def _apply(cid: str, source: _Item, invoice: _Item, kind: str, day: int, app_rows: list[tuple]) -> None:
    """Move as much as possible of ``source``'s remaining credit onto ``invoice``."""
    amount = min(source.remaining, invoice.remaining)
    if amount <= 0:
        return
    source.remaining -= amount
    invoice.remaining -= amount
    if not invoice.remaining:
        invoice.settled = day
    app_rows.append((cid, source.key, source.day, invoice.key, amount, kind))


def _finish_invoices(raw: pd.DataFrame, terms: pd.Series, as_of: pd.Timestamp) -> pd.DataFrame:
    """Due dates from payment terms; days late measured to settlement, or to ``as_of`` while open."""
    customer = raw["customer_id"].astype("object")
    terms_days = customer.map(terms).fillna(0).to_numpy(dtype="int64")
    day = raw["day"].to_numpy(dtype="int64")
    due = day + terms_days
    as_of_day = int(np.datetime64(as_of.date(), "D").astype("int64"))
    settled = raw["settled_day"].to_numpy(dtype="float64")
    end = np.where(np.isnan(settled), as_of_day, settled)
    cents = raw["cents"].to_numpy(dtype="int64")
    late = np.where(cents > 0, np.clip(end - due, 0, None), 0).astype("int64")
    return pd.DataFrame(
        {
            "customer_id": customer,
            "doc_no": raw["doc_no"].astype("object"),
            "date": _dates(raw["day"]),
            "due_date": _dates(pd.Series(due)),
            "amount": cents / 100,
            "paid": raw["paid_cents"].to_numpy() / 100,
            "open_amount": raw["open_cents"].to_numpy() / 100,
            "settled_date": _dates(raw["settled_day"]),
            "days_late": late,
        }
    )[INVOICE_COLUMNS]
