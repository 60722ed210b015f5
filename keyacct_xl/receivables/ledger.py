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

import pandas as pd

from keyacct_xl.errors import InputError

INVOICE_COLUMNS = ["customer_id", "doc_no", "date", "due_date", "amount", "paid", "open_amount", "settled_date",
                   "days_late"]
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
    """One document or receipt while replaying a customer's history (amounts in cents)."""

    key: str
    date: pd.Timestamp
    cents: int
    remaining: int
    settled: pd.Timestamp | None = None
    refs: tuple[str, ...] = field(default=())


def build_ledger(transactions: pd.DataFrame, payments: pd.DataFrame, customers: pd.DataFrame, *,
                 as_of: pd.Timestamp | None = None) -> Ledger:
    """Replay invoices, credit notes and payments up to ``as_of`` (default: the latest date in either table)."""
    as_of = _resolve_as_of(transactions, payments, as_of)
    docs = _documents(transactions, as_of)
    receipts = _receipts(payments, as_of)
    terms = _terms(customers)
    inv_rows: list[dict] = []
    app_rows: list[dict] = []
    unapplied: dict[str, float] = {}
    ids = sorted(set(docs["customer_id"]) | set(receipts["customer_id"]))
    docs_by = dict(tuple(docs.groupby("customer_id", sort=False)))
    receipts_by = dict(tuple(receipts.groupby("customer_id", sort=False)))
    for cid in ids:
        cust_docs = docs_by.get(cid, docs.iloc[0:0])
        cust_receipts = receipts_by.get(cid, receipts.iloc[0:0])
        left = _replay(cid, cust_docs, cust_receipts, inv_rows, app_rows)
        if left:
            unapplied[cid] = -left / 100
    invoices = pd.DataFrame(inv_rows, columns=INVOICE_COLUMNS[:-1])
    invoices = _finish_invoices(invoices, terms, as_of)
    applications = pd.DataFrame(app_rows, columns=APPLICATION_COLUMNS)
    applications["payment_date"] = pd.to_datetime(applications["payment_date"]).astype("datetime64[ns]")
    applications["applied_amount"] = applications["applied_amount"].astype("float64")
    return Ledger(as_of, invoices, applications, pd.Series(unapplied, dtype="float64", name="unapplied"))


def _resolve_as_of(transactions: pd.DataFrame, payments: pd.DataFrame, as_of: pd.Timestamp | None) -> pd.Timestamp:
    if as_of is not None:
        return pd.Timestamp(as_of).normalize()
    dates = pd.concat([transactions["date"], payments["date"]]).dropna()
    if dates.empty:
        raise InputError("no dated transactions or payments: give an as-of date",
                         "销售明细和收款记录中没有日期，请指定截止日期")
    return pd.Timestamp(dates.max()).normalize()


def _check(frame: pd.DataFrame, table: str, columns: tuple[str, ...]) -> None:
    """Blank keys or amounts would make money vanish from the ledger: refuse them, naming the rows."""
    for col in columns:
        bad = frame.index[frame[col].isna() | (frame[col].astype("string").str.strip() == "")]
        if len(bad):
            rows = ", ".join(str(i + 1) for i in bad[:10])
            raise InputError(f"{table}: {col} is blank in data row(s) {rows}",
                             f"{table}：第 {rows} 行数据的 {col} 为空")


def _documents(transactions: pd.DataFrame, as_of: pd.Timestamp) -> pd.DataFrame:
    _check(transactions, "Transactions", ("customer_id", "date", "amount"))
    tx = transactions[["customer_id", "doc_no", "date", "amount"]].copy()
    tx["customer_id"] = tx["customer_id"].astype(str).str.strip()
    # A line without a doc_no is its own document, so its money still counts.
    blank = tx["doc_no"].isna() | (tx["doc_no"].astype("string").str.strip() == "")
    tx["doc_no"] = tx["doc_no"].astype("object").where(~blank, [f"(row {i + 1})" for i in tx.index])
    tx["doc_no"] = tx["doc_no"].astype(str).str.strip()
    tx = tx[tx["date"] <= as_of]
    tx["cents"] = (tx["amount"].astype("float64") * 100).round().astype("int64")
    grouped = tx.groupby(["customer_id", "doc_no"], sort=False).agg(date=("date", "min"), cents=("cents", "sum"))
    return grouped.reset_index().sort_values(["customer_id", "date", "doc_no"], kind="stable")


def _receipts(payments: pd.DataFrame, as_of: pd.Timestamp) -> pd.DataFrame:
    _check(payments, "Payments", ("customer_id", "date", "amount"))
    pay = payments[["customer_id", "receipt_no", "date", "amount", "reference"]].copy()
    pay["customer_id"] = pay["customer_id"].astype(str).str.strip()
    blank = pay["receipt_no"].isna() | (pay["receipt_no"].astype("string").str.strip() == "")
    pay["receipt_no"] = pay["receipt_no"].astype("object").where(~blank, [f"(row {i + 1})" for i in pay.index])
    pay["receipt_no"] = pay["receipt_no"].astype(str)
    pay = pay[pay["date"] <= as_of]
    pay["cents"] = (pay["amount"].astype("float64") * 100).round().astype("int64")
    return pay.sort_values(["customer_id", "date", "receipt_no"], kind="stable")


def _terms(customers: pd.DataFrame) -> pd.Series:
    days = pd.to_numeric(customers["payment_terms_days"], errors="coerce").fillna(0).astype("int64")
    return pd.Series(days.to_numpy(), index=customers["customer_id"].astype(str).str.strip()).groupby(level=0).first()


def _replay(cid: str, docs: pd.DataFrame, receipts: pd.DataFrame, inv_rows: list[dict],
            app_rows: list[dict]) -> int:
    """Replay one customer; append invoice and application rows; return unapplied payment cents (>= 0)."""
    events: list[tuple[pd.Timestamp, int, int, _Item]] = []
    for n, (doc, date, cents) in enumerate(zip(docs["doc_no"], docs["date"], docs["cents"])):
        item = _Item(doc, date, int(cents), int(cents))
        events.append((date, 0 if cents >= 0 else 1, n, item))
    for n, (rno, date, cents, ref) in enumerate(zip(receipts["receipt_no"], receipts["date"], receipts["cents"],
                                                    receipts["reference"])):
        if cents < 0:
            raise InputError(f"Payments: receipt {rno} of customer {cid} is negative; record refunds as a "
                             "credit-note reversal in Transactions", f"收款记录：客户 {cid} 的收款 {rno} 为负数")
        refs = tuple(r for r in _REF_SPLIT.split(str(ref).strip()) if r) if isinstance(ref, str) else ()
        events.append((date, 2, n, _Item(rno, date, int(cents), int(cents), refs=refs)))
    events.sort(key=lambda e: (e[0], e[1], e[2]))
    open_invoices: deque[_Item] = deque()  # in date order: the FIFO queue
    by_doc: dict[str, _Item] = {}
    credits: list[tuple[str, _Item]] = []  # unused credit notes and payments, oldest first
    all_docs: list[_Item] = []
    for date, kind, _, item in events:
        if kind == 0:
            all_docs.append(item)
            by_doc[item.key] = item
            if item.remaining == 0:
                item.settled = date
                continue
            open_invoices.append(item)
            for source_kind, credit in credits:
                _apply(cid, credit, item, source_kind, date, app_rows)
            credits = [c for c in credits if c[1].remaining]
        else:
            source_kind = "credit_note" if kind == 1 else "payment"
            if kind == 1:
                all_docs.append(item)
                item.remaining = -item.remaining  # what the credit note can still settle, positive
            targets = [by_doc[r] for r in item.refs if r in by_doc and by_doc[r].remaining > 0]
            for invoice in [*targets, *open_invoices]:
                if not item.remaining:
                    break
                _apply(cid, item, invoice, source_kind, date, app_rows)
            if item.remaining:
                credits.append((source_kind, item))
        while open_invoices and not open_invoices[0].remaining:
            open_invoices.popleft()
    for item in all_docs:
        if item.cents >= 0:
            paid = item.cents - item.remaining
            open_cents = item.remaining
        else:
            open_cents = -item.remaining
            paid = item.cents - open_cents
        inv_rows.append({"customer_id": cid, "doc_no": item.key, "date": item.date, "due_date": pd.NaT,
                         "amount": item.cents / 100, "paid": paid / 100, "open_amount": open_cents / 100,
                         "settled_date": item.settled if item.cents >= 0 else pd.NaT})
    return sum(c.remaining for kind, c in credits if kind == "payment")


def _apply(cid: str, source: _Item, invoice: _Item, kind: str, date: pd.Timestamp, app_rows: list[dict]) -> None:
    """Move as much as possible of ``source``'s remaining credit onto ``invoice``."""
    amount = min(source.remaining, invoice.remaining)
    if amount <= 0:
        return
    source.remaining -= amount
    invoice.remaining -= amount
    if not invoice.remaining:
        invoice.settled = date
    app_rows.append({"customer_id": cid, "receipt_no": source.key, "payment_date": source.date,
                     "doc_no": invoice.key, "applied_amount": amount / 100, "kind": kind})


def _finish_invoices(invoices: pd.DataFrame, terms: pd.Series, as_of: pd.Timestamp) -> pd.DataFrame:
    """Due dates from payment terms; days late measured to settlement, or to ``as_of`` while open."""
    days = invoices["customer_id"].map(terms).fillna(0).astype("int64")
    invoices["date"] = pd.to_datetime(invoices["date"]).astype("datetime64[ns]")
    invoices["settled_date"] = pd.to_datetime(invoices["settled_date"]).astype("datetime64[ns]")
    invoices["due_date"] = invoices["date"] + pd.to_timedelta(days, unit="D")
    end = invoices["settled_date"].fillna(as_of)
    late = (end - invoices["due_date"]).dt.days.clip(lower=0)
    invoices["days_late"] = late.where(invoices["amount"] > 0, 0).astype("int64")
    for col in ("amount", "paid", "open_amount"):
        invoices[col] = invoices[col].astype("float64")
    invoices["customer_id"] = invoices["customer_id"].astype("object")
    invoices["doc_no"] = invoices["doc_no"].astype("object")
    return invoices[INVOICE_COLUMNS].reset_index(drop=True)
