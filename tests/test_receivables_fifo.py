"""The ledger's column-wise FIFO against a plain replay written here, one event at a time, on random histories."""

from __future__ import annotations

import re

import pandas as pd
import pyarrow as pa
from hypothesis import example, given, settings
from hypothesis import strategies as st

from keyacct_xl.receivables.ledger import build_ledger
from tests.test_receivables_ledger import D, cust, pay, tx

START = D("2026-01-01")


def plain_fifo(lines: list[tuple], receipts: list[tuple]) -> tuple[dict, list, dict]:
    """Per (customer, doc_no): [paid cents, open cents, settled day]; the applications in order; unapplied cents.

    Events of a customer by day; on one day invoices, then credit notes, then payments, each by its number. A
    payment pays the invoices its reference names first, then the oldest open ones; a credit note the oldest open
    ones; what is left of either waits for the next invoices.
    """
    docs: dict[tuple[str, str], list[int]] = {}
    for cid, doc, day, cents in lines:
        entry = docs.setdefault((cid, doc), [day, 0])
        entry[0], entry[1] = min(entry[0], day), entry[1] + cents
    events = [(cid, day, 0 if cents >= 0 else 1, doc, 0, cents, ()) for (cid, doc), (day, cents) in docs.items()]
    events += [(cid, day, 2, rno, n, cents, refs) for n, (cid, rno, day, cents, refs) in enumerate(receipts)]
    events.sort(key=lambda e: e[:5])
    state: dict[tuple[str, str], list] = {}
    applications: list[tuple] = []
    unapplied: dict[str, int] = {}
    for cid in sorted({e[0] for e in events}):
        left = _plain_customer(cid, [e for e in events if e[0] == cid], docs, state, applications)
        if left:
            unapplied[cid] = left
    return state, applications, unapplied


def _plain_customer(cid: str, events: list[tuple], docs: dict, state: dict, applications: list) -> int:
    """One customer's events in order; its documents into ``state``; returns its unapplied payment cents."""
    owed: dict[str, int] = {}  # invoices arrived so far: what each still owes
    settled: dict[str, int] = {}
    queue: list[str] = []  # invoices in order of arrival
    waiting: list[list] = []  # credit not yet used: [kind, number, day, cents left]
    credit_notes: dict[str, list] = {}

    def give(source: list, invoice: str, day: int) -> None:
        amount = min(source[3], owed[invoice])
        if amount > 0:
            source[3] -= amount
            owed[invoice] -= amount
            if owed[invoice] == 0:
                settled[invoice] = day
            kind = "credit_note" if source[0] == 1 else "payment"
            applications.append((cid, source[1], source[2], invoice, amount, kind))

    for _, day, kind, key, _, cents, refs in events:
        if kind == 0:
            owed[key] = cents
            if cents == 0:
                settled[key] = day
                continue
            queue.append(key)
            for source in waiting:
                give(source, key, day)
        else:
            source = [kind, key, day, -cents if kind == 1 else cents]
            if kind == 1:
                credit_notes[key] = source
            for invoice in [r for r in refs if owed.get(r, 0) > 0] + queue:
                give(source, invoice, day)
            waiting.append(source)
        waiting = [source for source in waiting if source[3]]
    for doc, left in owed.items():
        state[(cid, doc)] = [docs[(cid, doc)][1] - left, left, settled.get(doc)]
    for doc, source in credit_notes.items():
        state[(cid, doc)] = [docs[(cid, doc)][1] + source[3], -source[3], None]
    return sum(source[3] for source in waiting if source[0] == 2)


day = st.integers(min_value=0, max_value=12)  # few days, so ties on one day are common
cents = st.integers(min_value=-40_000, max_value=90_000)


@settings(max_examples=150, deadline=None)
@given(
    lines=st.lists(
        st.tuples(st.sampled_from(["C1", "C2"]), st.sampled_from(["S1", "S2", "S3", "S4", "S5"]), day, cents),
        max_size=14,
    ),
    receipts=st.lists(
        st.tuples(
            st.sampled_from(["C1", "C2"]),
            day,
            st.integers(min_value=0, max_value=150_000),  # up to more than everything owed: overpayments
            st.sampled_from(["", "S1", "S2", "S3 S4", "S5;S1", "S2,S2", "S9"]),
        ),
        max_size=10,
    ),
)
@example(  # two payments naming one invoice, the first paying it only in part
    lines=[("C1", "S1", 0, 10_000), ("C1", "S2", 0, 5_000)],
    receipts=[("C1", 1, 4_000, "S1"), ("C1", 1, 9_000, "S1"), ("C1", 2, 8_000, "")],
)
@example(  # credit waiting for an invoice that a later payment names
    lines=[("C1", "S1", 1, 10_000)],
    receipts=[("C1", 0, 10_000, ""), ("C1", 2, 10_000, "S1")],
)
def test_ledger_matches_a_plain_replay(lines, receipts):
    transactions = tx(*[(c, d, START + pd.Timedelta(days=n), a / 100) for c, d, n, a in lines])
    named = [(c, f"R{i}", START + pd.Timedelta(days=n), a / 100, r or None) for i, (c, n, a, r) in enumerate(receipts)]
    ledger = build_ledger(transactions, pay(*named), cust(("C1", 5)), as_of=START + pd.Timedelta(days=30))
    plain_receipts = [
        (c, f"R{i}", n, a, tuple(p for p in re.split(r"[;,\s]+", r) if p)) for i, (c, n, a, r) in enumerate(receipts)
    ]
    state, applications, unapplied = plain_fifo(lines, plain_receipts)
    got = {
        (r.customer_id, r.doc_no): [round(r.paid * 100), round(r.open_amount * 100), _day(r.settled_date)]
        for r in ledger.invoices.itertuples()
    }
    assert got == state
    got_apps = [
        (r.customer_id, r.receipt_no, _day(r.payment_date), r.doc_no, round(r.applied_amount * 100), r.kind)
        for r in ledger.applications.itertuples()
    ]
    assert got_apps == applications
    assert {k: round(-v * 100) for k, v in ledger.unapplied.items()} == unapplied


def _day(date: pd.Timestamp) -> int | None:
    return None if pd.isna(date) else (date - START).days


def test_text_columns_of_any_arrow_type_give_the_same_ledger():
    """Columns the Arrow reader typed (string, large_string, a dictionary) replay as plain text."""
    lines = tx(("C1", "S1", "2026-10-01", 100.0), ("C2", "S2", "2026-10-02", 80.0))
    receipts = pay(("C1", "R1", "2026-10-05", 60.0, "S1"), ("C2", "R2", "2026-10-06", 80.0, None))
    plain = build_ledger(lines, receipts, cust(("C1", None), ("C2", None)))
    arrow = lines.assign(
        customer_id=lines["customer_id"].astype(pd.ArrowDtype(pa.string())),
        doc_no=lines["doc_no"].astype("category"),
    )
    paid = receipts.assign(
        customer_id=receipts["customer_id"].astype(pd.ArrowDtype(pa.large_string())),
        reference=receipts["reference"].astype(pd.ArrowDtype(pa.string())),
    )
    typed = build_ledger(arrow, paid, cust(("C1", None), ("C2", None)))
    assert typed.balance().to_dict() == plain.balance().to_dict() == {"C1": 40.0, "C2": 0.0}
    # a reference column left blank throughout, which the reader types as numbers (all NaN)
    blank = build_ledger(lines, receipts.assign(reference=[float("nan")] * 2), cust(("C1", None), ("C2", None)))
    assert blank.balance().to_dict() == {"C1": 40.0, "C2": 0.0}
