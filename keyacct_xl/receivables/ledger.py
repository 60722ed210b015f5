"""The receivables ledger: open items per customer from the master's Transactions and Payments.

Rules (DOMAIN.md, "Credit" and finance's 货款核实): an invoice is a Transactions doc_no (lines summed); a
negative doc is a credit note. Its due date is the invoice date plus the customer's payment_terms_days (0 when
blank). Events are replayed per customer in date order (invoices, then credit notes, then payments on the same
day): a payment settles the doc_no(s) it references first, then the oldest open invoices (FIFO); a credit note
settles the oldest open invoices; what is left of either is credit the customer holds, used by the next invoices.
An invoice is due by the terms in force the day it was issued: where GradeHistory records that an apply changed a
customer's terms (terms_before -> terms_after from applied_at), an invoice issued before that day keeps the terms
before it; one issued on or after the last change, or of a customer without such a row, has the terms of Customers.
Amounts are replayed in whole cents so balances are exact.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property, partial
from itertools import chain

import numpy as np
import pandas as pd

from keyacct_xl.errors import InputError
from keyacct_xl.master.schema import PAYMENTS, TRANSACTIONS, TableSchema
from keyacct_xl.messages import Pair, msg
from keyacct_xl.receivables import fifo
from keyacct_xl.receivables.ledger_events import (
    Coded,
    LedgerInput,
    blank_text,
    coded,
    documents,
    ledger_input,
    receipts,
    split_reference,
    text,
)

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


@dataclass(frozen=True)
class Settlements:
    """The applications without their text, one entry each: the settled invoice's row in ``Ledger.invoices``, the
    day of the payment or credit note (days since 1970-01-01) and the cents it settled."""

    row: np.ndarray
    day: np.ndarray
    cents: np.ndarray


@dataclass(frozen=True)
class Ledger:
    """Open items as of ``as_of``.

    ``invoices``: one row per (customer_id, doc_no); ``paid`` is what payments and credit notes settled up to
    ``as_of``; for a credit note ``open_amount`` is its unused part (<= 0); built from ``invoice_rows`` when first
    read (``invoice_figures`` has its other columns, row for row, without the text). ``applications``: what each receipt
    (kind ``payment``) or credit note (kind ``credit_note``) settled, built from ``application_rows`` when first
    read (the review, the ageing and the credit grades never read it; the credit grades read ``settlements``, the
    same without the text, built from ``settlement_rows``). ``unapplied``: per customer, payment money
    not used by any invoice (<= 0). Always: open_amount.sum() + unapplied.sum() == amount.sum() - payments.
    """

    as_of: pd.Timestamp
    invoice_rows: Callable[[], pd.DataFrame] = field(repr=False, compare=False)
    application_rows: Callable[[], pd.DataFrame] = field(repr=False, compare=False)
    settlement_rows: Callable[[], Settlements] = field(repr=False, compare=False)
    unapplied: pd.Series
    # Each invoice row's customer as a code into ``customers``, when the ledger was built knowing them.
    invoice_codes: np.ndarray | None = field(default=None, repr=False, compare=False)
    customers: np.ndarray | None = field(default=None, repr=False, compare=False)
    # The invoices' columns but customer_id and doc_no, when the ledger was built with them apart.
    figures: pd.DataFrame | None = field(default=None, repr=False, compare=False)
    # Whether any payment is recorded at all: without one, nothing paid is known (credit is not judged).
    receipts: bool = True

    @cached_property
    def invoices(self) -> pd.DataFrame:
        """One row per (customer_id, doc_no): dates, amounts, what was paid and what is open."""
        return self.invoice_rows()

    @property
    def invoice_figures(self) -> pd.DataFrame:
        """The invoices' dates and amounts, row for row, with or without the text columns: what the figures grouped
        by ``invoice_customers`` read (a million doc numbers are gathered only for whoever reads ``invoices``)."""
        return self.figures if self.figures is not None else self.invoices

    @cached_property
    def applications(self) -> pd.DataFrame:
        """What each receipt or credit note settled, one row per application."""
        return self.application_rows()

    @cached_property
    def settlements(self) -> Settlements:
        """What each payment or credit note settled, by invoice row and day."""
        return self.settlement_rows()

    def paid_by(self, deadline: pd.Series) -> np.ndarray:
        """Per invoice row, what payments and credit notes settled on it on or before that row's ``deadline`` date
        (yuan): a part payment counts by its own date, not the day the last part came."""
        limit = deadline.to_numpy(dtype="datetime64[ns]").astype("datetime64[D]").astype("int64")
        done = self.settlements
        in_time = done.day <= limit[done.row]
        return np.bincount(done.row[in_time], weights=done.cents[in_time], minlength=len(limit)) / 100

    @cached_property
    def invoice_customers(self) -> tuple[np.ndarray, np.ndarray]:
        """Each invoice row's customer as a code, and the customer ids the codes index (found once for every figure
        grouped by customer)."""
        if self.invoice_codes is not None and self.customers is not None:
            return self.invoice_codes, self.customers
        codes, ids = pd.factorize(self.invoices["customer_id"])
        return codes, np.asarray(ids, dtype=object)

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
    row: int = -1  # a document's place among the replayed documents' rows


def build_ledger(
    transactions: pd.DataFrame,
    payments: pd.DataFrame,
    customers: pd.DataFrame,
    *,
    as_of: pd.Timestamp | None = None,
    customer_ids: tuple[np.ndarray, pd.Index] | None = None,
    terms_history: pd.DataFrame | None = None,
) -> Ledger:
    """Replay invoices, credit notes and payments up to ``as_of`` (default: the latest date in either table);
    ``customer_ids``: ``pd.factorize(transactions["customer_id"])`` when the caller has it for its own figures;
    ``terms_history``: the master's GradeHistory, whose changes of terms date each invoice's terms."""
    as_of = _resolve_as_of(transactions, payments, as_of)
    tx_customer = coded(transactions["customer_id"], customer_ids)
    pay_customer = coded(payments["customer_id"])
    check_required(transactions, TRANSACTIONS, ("date", "amount"), customer=tx_customer)
    check_required(payments, PAYMENTS, ("date", "amount"), customer=pay_customer)
    given_input = ledger_input(documents(transactions, tx_customer, as_of), receipts(payments, pay_customer, as_of))
    ids, events = given_input.ids, given_input.events
    # A customer left to the replay may have the merge's figures too: the replay below overwrites them.
    applied, slow = fifo.settle(events, given_input.refs)
    paid, open_cents, settled = _document_state(events, applied)
    unapplied = _unapplied(events, applied, len(ids), slow)
    app_rows: list[tuple] = []
    at = np.empty(0, dtype="int64")  # the replayed customers' documents, in the replay's order
    if len(slow):
        # The rare customers the queue merge cannot decide are replayed one by one with the same rule.
        inv_rows: list[tuple] = []
        for code, (cid, (docs, paid_lines)) in zip(slow.tolist(), _replay_lists(given_input, slow).items()):
            unapplied[code] = -_replay(cid, docs, paid_lines, inv_rows, app_rows) / 100
        at = np.flatnonzero((events.kind != fifo.KIND_PAYMENT) & np.isin(events.cust, slow))
        replayed = list(zip(*inv_rows))
        paid[at] = np.asarray(replayed[4], dtype="int64")
        open_cents[at] = np.asarray(replayed[5], dtype="int64")
        settled[at] = np.array([np.nan if d is None else d for d in replayed[6]], dtype="float64")
    doc_events = np.flatnonzero(events.kind != fifo.KIND_PAYMENT)
    terms = _invoice_terms(customers, terms_history, ids, events.cust[doc_events], events.day[doc_events])
    figures = _invoice_figures(
        events.day[doc_events],
        events.cents[doc_events],
        paid[doc_events],
        open_cents[doc_events],
        settled[doc_events],
        terms,
        as_of,
    )
    invoices = partial(_invoice_frame, figures, ids, events.cust[doc_events], given_input.keys, doc_events)
    applications = partial(_application_frame, events, given_input.keys, applied, ids, slow, at, app_rows)
    settlements = partial(_settlements, events, applied, doc_events, slow, at, app_rows)
    held = np.flatnonzero(unapplied)  # ids are sorted: the customers holding money in the order of their ids
    left = dict(zip(ids[held].tolist(), unapplied[held].tolist()))
    unapplied_series = pd.Series(left, dtype="float64", name="unapplied")
    codes = events.cust[doc_events]
    return Ledger(
        as_of, invoices, applications, settlements, unapplied_series, codes, ids, figures, receipts=not payments.empty
    )


def _replay_lists(given: LedgerInput, slow: np.ndarray) -> dict[str, tuple[list[tuple], list[tuple]]]:
    """Per customer of ``slow``: its documents (doc_no, day, cents) and receipts (receipt_no, day, cents, refs), each
    in the order of its sorted table, as ``_replay`` takes them."""
    events = given.events
    out: dict[str, tuple[list[tuple], list[tuple]]] = {}
    for code in slow.tolist():
        mine = np.flatnonzero(events.cust == code)
        is_pay = events.kind[mine] == fifo.KIND_PAYMENT
        docs = mine[~is_pay][np.argsort(events.source[mine[~is_pay]])]
        paid = mine[is_pay][np.argsort(events.source[mine[is_pay]])]
        out[given.ids[code]] = (
            [(k, int(events.day[e]), int(events.cents[e])) for k, e in zip(given.keys(docs), docs)],
            [
                (
                    k,
                    int(events.day[e]),
                    int(events.cents[e]),
                    split_reference(given.reference(int(events.source[e]))),
                )
                for k, e in zip(given.keys(paid), paid)
            ],
        )
    return out


def _document_state(events: fifo.Events, applied: fifo.Applied) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per event: paid and open cents as the invoices table shows them, and the settlement day (NaN: open)."""
    credit_note = events.kind == fifo.KIND_CREDIT_NOTE
    # For a credit note, what is open is its unused part, negative.
    open_cents = np.where(credit_note, -applied.remaining, applied.remaining)
    settled = np.where(applied.settled_at >= 0, events.day[np.maximum(applied.settled_at, 0)], np.nan)
    return events.cents - open_cents, open_cents, settled.astype("float64")


def _unapplied(events: fifo.Events, applied: fifo.Applied, customers: int, slow: np.ndarray) -> np.ndarray:
    """Per customer code the merge decided, payment money no invoice used (negative yuan; 0 when all was used)."""
    is_pay = events.kind == fifo.KIND_PAYMENT
    if len(slow):
        is_pay &= ~np.isin(events.cust, slow)
    return -np.bincount(events.cust[is_pay], weights=applied.remaining[is_pay], minlength=customers) / 100


# The fields of a replayed application row, as ``_apply`` appends them (``document``: the replay's number of the
# document it settles).
_REPLAYED = ("customer", "source", "day", "doc_no", "cents", "kind", "document")


def _applications(
    events: fifo.Events,
    applied: fifo.Applied,
    slow: np.ndarray,
    replayed: list[tuple],
    replayed_at: np.ndarray,
    columns: Callable[[np.ndarray], dict[str, np.ndarray]],
) -> dict[str, np.ndarray]:
    """Columns of every application: ``columns(kept)`` of the merge's (``kept``: its rows of ``applied``, the
    replayed customers' aside), then the replayed ones' fields of the same names; ``document`` is the settled
    document's event (``replayed_at``: the event of each replayed document, in the order the replay numbered them)."""
    keep = ~np.isin(events.cust[applied.credit], slow) if len(slow) else np.ones(len(applied.credit), dtype=bool)
    merged = columns(np.flatnonzero(keep))
    if not replayed:
        return merged
    more = dict(zip(_REPLAYED, zip(*replayed)))
    more["document"] = replayed_at[np.asarray(more["document"], dtype="int64")]
    return {name: np.r_[column, np.asarray(more[name], dtype=column.dtype)] for name, column in merged.items()}


def _application_frame(
    events: fifo.Events,
    keys: Callable[[np.ndarray], np.ndarray],
    applied: fifo.Applied,
    ids: np.ndarray,
    slow: np.ndarray,
    replayed_at: np.ndarray,
    replayed: list[tuple],
) -> pd.DataFrame:
    """What each receipt or credit note settled: the merge's rows and the replayed customers', by customer."""

    def columns(kept: np.ndarray) -> dict[str, np.ndarray]:
        credit = applied.credit[kept]
        is_credit_note = (events.kind[credit] == fifo.KIND_CREDIT_NOTE).view("int8")
        return {
            "customer": ids[events.cust[credit]],
            "source": keys(credit),
            "day": events.day[credit],
            "doc_no": keys(applied.invoice[kept]),
            "cents": applied.cents[kept],
            "kind": np.array(["payment", "credit_note"], dtype=object)[is_credit_note],
        }

    rows = _applications(events, applied, slow, replayed, replayed_at, columns)
    if replayed:  # the replayed customers' rows among the others, in the order of the ids
        order = np.argsort(pd.Index(ids).get_indexer(rows["customer"]), kind="stable")
        rows = {name: column[order] for name, column in rows.items()}
    return pd.DataFrame(
        {
            "customer_id": _objects(rows["customer"]),
            "receipt_no": _objects(rows["source"]),
            "payment_date": _dates(pd.Series(rows["day"])),
            "doc_no": _objects(rows["doc_no"]),
            "applied_amount": rows["cents"].astype("float64") / 100,
            "kind": _objects(rows["kind"]),
        }
    )


def _settlements(
    events: fifo.Events,
    applied: fifo.Applied,
    doc_events: np.ndarray,
    slow: np.ndarray,
    replayed_at: np.ndarray,
    replayed: list[tuple],
) -> Settlements:
    """The merge's applications and the replayed customers', by invoice row."""

    def columns(kept: np.ndarray) -> dict[str, np.ndarray]:
        day = events.day[applied.credit[kept]]
        return {"document": applied.invoice[kept], "day": day, "cents": applied.cents[kept]}

    rows = _applications(events, applied, slow, replayed, replayed_at, columns)
    return Settlements(
        np.searchsorted(doc_events, rows["document"]), rows["day"].astype("int64"), rows["cents"].astype("int64")
    )


def _resolve_as_of(transactions: pd.DataFrame, payments: pd.DataFrame, as_of: pd.Timestamp | None) -> pd.Timestamp:
    if as_of is not None:
        return pd.Timestamp(as_of).normalize()
    dates = pd.concat([transactions["date"], payments["date"]]).dropna()
    if dates.empty:
        raise InputError(msg("no dated transactions or payments: give an as-of date"))
    return pd.Timestamp(dates.max()).normalize()


def _blank(series: pd.Series) -> np.ndarray:
    """Missing values, and text of white space only."""
    blank = series.isna().to_numpy(dtype=bool).copy()
    if series.dtype == object or isinstance(series.dtype, pd.StringDtype):
        blank |= blank_text(text(series))
    return blank


def check_required(
    frame: pd.DataFrame, table: TableSchema, columns: tuple[str, ...], *, customer: Coded | None = None
) -> None:
    """Blank keys or amounts would make money vanish from the ledger: refuse them, naming sheet, column and rows
    (the customer id first, from ``customer``, its column as ``coded`` gives it, when given)."""
    blanks = [("customer_id", customer.blank())] if customer is not None else []
    for col, bad_rows in [*blanks, *((col, _blank(frame[col])) for col in columns)]:
        bad = np.flatnonzero(bad_rows)
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


_NS_PER_DAY = 86_400_000_000_000
_FIRST_DAY, _LAST_DAY = -106_751, 106_750  # the whole days datetime64[ns] holds (1677-09-22 .. 2262-04-10)


def _dates(days: pd.Series) -> pd.Series:
    """Day numbers as dates (NaN as NaT); whole numbers without a detour through floats."""
    values = days.to_numpy()
    # One multiplication, where two conversions would pass over the days twice; only inside datetime64[ns]'s range,
    # so a day past 2262 (a year typed 3026) still raises as the conversion does instead of wrapping around.
    if values.dtype.kind == "i" and (values.size == 0 or (values.min() >= _FIRST_DAY and values.max() <= _LAST_DAY)):
        return pd.Series((values.astype("int64", copy=False) * _NS_PER_DAY).view("datetime64[ns]"), index=days.index)
    as_days = values.astype("float64").astype("datetime64[D]")
    return pd.Series(as_days, index=days.index).astype("datetime64[ns]")  # pandas, not numpy: it raises out of range


def _terms(customers: pd.DataFrame) -> pd.Series:
    days = pd.to_numeric(customers["payment_terms_days"], errors="coerce").fillna(0).astype("int64")
    return pd.Series(days.to_numpy(), index=customers["customer_id"].astype(str).str.strip()).groupby(level=0).first()


def _invoice_terms(
    customers: pd.DataFrame, history: pd.DataFrame | None, ids: np.ndarray, cust: np.ndarray, day: np.ndarray
) -> np.ndarray:
    """Each invoice's payment terms in days, those in force on its day: the terms before the customer's first change
    of terms dated after it, else the customer's terms today (0 when blank)."""
    today = _terms(customers).reindex(ids).fillna(0).to_numpy(dtype="int64")[cust]
    changed = _term_changes(history, ids)
    if changed.empty:
        return today
    # One sorted key of (customer, day): the first change after an invoice is the first key above the invoice's.
    keys = changed["cust"].to_numpy() * _KEY_SPAN + changed["day"].to_numpy()
    at = np.searchsorted(keys, cust.astype("int64") * _KEY_SPAN + (day - _FIRST_DAY), side="right")
    found = np.minimum(at, len(keys) - 1)
    hit = (at < len(keys)) & (changed["cust"].to_numpy()[found] == cust)
    return np.where(hit, changed["terms_before"].to_numpy()[found], today)


_KEY_SPAN = 2 * (_LAST_DAY + 1)  # wider than any day number's range, negative days included


def _term_changes(history: pd.DataFrame | None, ids: np.ndarray) -> pd.DataFrame:
    """GradeHistory's rows that changed a ledger customer's terms: its code, the day (shifted to be non-negative)
    and the terms before, by customer and day (rows of one day in the sheet's order)."""
    if history is None or history.empty:
        return pd.DataFrame(columns=["cust", "day", "terms_before"])
    before = pd.to_numeric(history["terms_before"], errors="coerce")
    after = pd.to_numeric(history["terms_after"], errors="coerce")
    when = pd.to_datetime(history["applied_at"], errors="coerce")
    cust = pd.Index(ids).get_indexer(history["customer_id"].astype(str).str.strip())
    moved = (before.fillna(-1) != after.fillna(-1)).to_numpy() & (cust >= 0) & when.notna().to_numpy()
    days = when[moved].to_numpy(dtype="datetime64[ns]").astype("datetime64[D]").astype("int64")
    changes = pd.DataFrame(
        {
            "cust": cust[moved].astype("int64"),
            "day": days - _FIRST_DAY,
            "terms_before": before[moved].fillna(0).to_numpy(dtype="int64"),  # blank terms: due on the day, as today
        }
    )
    return changes.sort_values(["cust", "day"], kind="stable").reset_index(drop=True)


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
            item.row = len(inv_rows) + len(all_docs)
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
                item.row = len(inv_rows) + len(all_docs)
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
    app_rows.append((cid, source.key, source.day, invoice.key, amount, kind, invoice.row))


def _objects(values: np.ndarray) -> pd.Series:
    """Text as an object column (the ledger's frames keep ids and numbers as Python strings)."""
    return pd.Series(values, dtype=object)


def _invoice_frame(
    figures: pd.DataFrame,
    ids: np.ndarray,
    customer: np.ndarray,
    keys: Callable[[np.ndarray], np.ndarray],
    doc_events: np.ndarray,
) -> pd.DataFrame:
    """The invoices: each row's customer_id (a code into ``ids``) and doc_no (the key of its event) before
    ``figures``."""
    named = {"customer_id": _objects(ids[customer]), "doc_no": _objects(keys(doc_events))}
    return pd.DataFrame({**named, **{c: figures[c] for c in figures.columns}}, columns=INVOICE_COLUMNS, copy=False)


def _invoice_figures(
    day: np.ndarray,
    cents: np.ndarray,
    paid: np.ndarray,
    open_cents: np.ndarray,
    settled: np.ndarray,
    terms_days: np.ndarray,
    as_of: pd.Timestamp,
) -> pd.DataFrame:
    """The invoices but their text columns: due dates from payment terms; days late measured to settlement, or to
    ``as_of`` while open."""
    due = day + terms_days
    as_of_day = int(np.datetime64(as_of.date(), "D").astype("int64"))
    end = np.where(np.isnan(settled), as_of_day, settled)
    late = np.where(cents > 0, np.clip(end - due, 0, None), 0).astype("int64")
    return pd.DataFrame(
        {
            "date": _dates(pd.Series(day)),
            "due_date": _dates(pd.Series(due)),
            "amount": cents / 100,
            "paid": paid / 100,
            "open_amount": open_cents / 100,
            "settled_date": _dates(pd.Series(settled)),
            "days_late": late,
        },
        columns=INVOICE_COLUMNS[2:],
        copy=False,
    )
