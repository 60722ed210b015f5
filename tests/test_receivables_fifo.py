"""The ledger's column-wise FIFO against a plain replay written here, one event at a time, on random histories."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from keyacct_xl.analytics.metrics import text_codes
from keyacct_xl.demo.company import generate_demo
from keyacct_xl.receivables import fifo
from keyacct_xl.receivables.ledger import APPLICATION_COLUMNS, INVOICE_COLUMNS, build_ledger
from keyacct_xl.receivables.ledger_events import (
    coded,
    distinct_texts,
    documents,
    ledger_input,
    receipts,
    split_reference,
    text,
)
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
    by_customer: dict[str, list[tuple]] = {}
    for event in events:
        by_customer.setdefault(event[0], []).append(event)
    for cid in sorted(by_customer):
        left = _plain_customer(cid, by_customer[cid], docs, state, applications)
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


def replayed_frames(
    transactions: pd.DataFrame, payments: pd.DataFrame, terms: dict[str, int], as_of: pd.Timestamp
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The invoices and applications frames the ledger should give, from ``plain_fifo``'s event-by-event replay."""
    day = lambda d: (d - START).days  # noqa: E731
    lines = [
        (str(c).strip(), str(d).strip(), day(t), round(a * 100))
        for c, d, t, a in zip(
            transactions["customer_id"], transactions["doc_no"], transactions["date"], transactions["amount"]
        )
        if t <= as_of
    ]
    receipts = [
        (str(c).strip(), str(r).strip(), day(t), round(a * 100), split_reference(ref))
        for c, r, t, a, ref in zip(
            payments["customer_id"], payments["receipt_no"], payments["date"], payments["amount"], payments["reference"]
        )
        if t <= as_of
    ]
    state, applications, _ = plain_fifo(lines, receipts)
    docs: dict[tuple[str, str], list[int]] = {}
    for cid, doc, on, cents in lines:
        entry = docs.setdefault((cid, doc), [on, 0])
        entry[0], entry[1] = min(entry[0], on), entry[1] + cents
    # The ledger's order: by customer, then day, invoices before credit notes, then doc_no.
    order = sorted(docs, key=lambda k: (k[0], docs[k][0], docs[k][1] < 0, k[1]))
    date = lambda n: START + pd.Timedelta(days=n)  # noqa: E731
    rows = []
    for cid, doc in order:
        on, cents = docs[(cid, doc)]
        paid, left, settled = state[(cid, doc)]
        due = on + terms.get(cid, 0)
        end = day(as_of) if settled is None else settled
        settled_date = pd.NaT if settled is None else date(settled)
        late = max(end - due, 0) if cents > 0 else 0
        rows.append((cid, doc, date(on), date(due), cents / 100, paid / 100, left / 100, settled_date, late))
    invoices = pd.DataFrame(rows, columns=INVOICE_COLUMNS).astype({"customer_id": object, "doc_no": object})
    invoices["date"] = invoices["date"].astype("datetime64[ns]")
    invoices["due_date"] = invoices["due_date"].astype("datetime64[ns]")
    invoices["settled_date"] = pd.to_datetime(invoices["settled_date"]).astype("datetime64[ns]")
    invoices["days_late"] = invoices["days_late"].astype("int64")
    apps = pd.DataFrame(
        [(c, r, date(on), d, cents / 100, kind) for c, r, on, d, cents, kind in applications],
        columns=APPLICATION_COLUMNS,
    ).astype({c: object for c in ("customer_id", "receipt_no", "doc_no", "kind")})
    apps["payment_date"] = apps["payment_date"].astype("datetime64[ns]")
    apps["applied_amount"] = apps["applied_amount"].astype("float64")
    return invoices, apps


def assert_replayed(ledger, transactions: pd.DataFrame, payments: pd.DataFrame, terms: dict[str, int]) -> None:
    """The ledger's invoices and applications are, frame for frame, what the event-by-event replay gives."""
    invoices, applications = replayed_frames(transactions, payments, terms, ledger.as_of)
    pd.testing.assert_frame_equal(ledger.invoices, invoices)
    pd.testing.assert_frame_equal(ledger.applications.reset_index(drop=True), applications)
    # The settlements the on-time rate reads are the same applications, by invoice row and day.
    done = ledger.settlements
    settled = ledger.invoices.iloc[done.row]
    days = pd.to_datetime(done.day, unit="D")
    got = sorted(zip(settled["customer_id"], settled["doc_no"], days, done.cents.tolist()))
    want = applications[["customer_id", "doc_no", "payment_date", "applied_amount"]]
    assert got == sorted((c, d, p, round(a * 100)) for c, d, p, a in want.itertuples(index=False))


def undecided(transactions: pd.DataFrame, payments: pd.DataFrame, as_of: pd.Timestamp) -> tuple[int, int]:
    """Customers whose references the queue reaches before their payment (before references are set aside), and
    customers the ledger leaves to the replay."""
    given = ledger_input(
        documents(transactions, coded(transactions["customer_id"]), as_of),
        receipts(payments, coded(payments["customer_id"]), as_of),
    )
    events, refs = given.events, given.refs
    late = np.unique(events.cust[refs.payment[fifo.reached(events, refs, fifo.reserved(events, refs))]])
    return len(late), len(fifo.settle(events, refs)[1])


# Invoices whose amounts payments often match exactly, so FIFO settles some in full before a later payment names
# them (the demo company's way of paying), and payments naming an invoice FIFO has paid, paid in part, or not yet.
invoice_cents = st.sampled_from([10_000, 25_000, 40_000, 5_000])


@settings(max_examples=300, deadline=None)
@given(
    lines=st.lists(
        st.tuples(st.sampled_from(["C1", "C2"]), st.integers(0, 4), st.integers(0, 10), invoice_cents),
        min_size=1,
        max_size=14,
    ),
    receipts_drawn=st.lists(
        st.tuples(
            st.sampled_from(["C1", "C2"]),
            st.integers(0, 20),
            st.one_of(invoice_cents, st.integers(1_000, 60_000)),
            st.one_of(st.just(""), st.sampled_from(["S0", "S1", "S2", "S3", "S4", "S1 S2", "S3;S0"])),
        ),
        max_size=14,
    ),
)
@example(  # FIFO pays S1, a later payment names S1: the replay skips the reference
    lines=[("C1", 1, 0, 10_000), ("C1", 2, 1, 10_000)],
    receipts_drawn=[("C1", 2, 10_000, ""), ("C1", 3, 10_000, "S1")],
)
@example(  # FIFO pays part of S1, a later payment names S1 and pays the rest first
    lines=[("C1", 1, 0, 10_000), ("C1", 2, 1, 10_000)],
    receipts_drawn=[("C1", 2, 4_000, ""), ("C1", 3, 10_000, "S1")],
)
@example(  # a later payment names S2 while S1 is still open: it pays S2, not the oldest
    lines=[("C1", 1, 0, 10_000), ("C1", 2, 1, 10_000), ("C1", 3, 1, 10_000)],
    receipts_drawn=[("C1", 2, 4_000, ""), ("C1", 3, 10_000, "S2"), ("C1", 4, 10_000, "S3")],
)
def test_mixed_referenced_and_fifo_payments_match_the_replay(lines, receipts_drawn):
    """Payments with and without references, one customer's history mixing both: the column-wise ledger's invoices
    and applications are the event-by-event replay's, frame for frame."""
    transactions = tx(*[(c, f"S{d}", START + pd.Timedelta(days=n), a / 100) for c, d, n, a in lines])
    payments = pay(
        *[
            (c, f"R{i:02d}", START + pd.Timedelta(days=n), a / 100, r or None)
            for i, (c, n, a, r) in enumerate(receipts_drawn)
        ]
    )
    terms = {"C1": 5, "C2": 30}
    ledger = build_ledger(transactions, payments, cust(*terms.items()), as_of=START + pd.Timedelta(days=40))
    assert_replayed(ledger, transactions, payments, terms)


def test_a_reference_to_an_invoice_fifo_paid_is_decided_without_the_replay():
    """The demo company's pattern: FIFO pays S1 and S2, later payments name them; no customer is replayed."""
    transactions = tx(("C1", "S1", START, 100.0), ("C1", "S2", START + pd.Timedelta(days=1), 100.0))
    payments = pay(
        ("C1", "R1", START + pd.Timedelta(days=2), 150.0, None),
        ("C1", "R2", START + pd.Timedelta(days=3), 50.0, "S1"),
        ("C1", "R3", START + pd.Timedelta(days=4), 30.0, "S2"),
    )
    as_of = START + pd.Timedelta(days=10)
    assert undecided(transactions, payments, as_of) == (1, 0)
    ledger = build_ledger(transactions, payments, cust(("C1", 0)), as_of=as_of)
    assert_replayed(ledger, transactions, payments, {"C1": 0})
    assert ledger.unapplied.to_dict() == {"C1": -30.0}


def test_demo_company_ledger_is_decided_column_wise():
    """On the demo company, 376 of 581 customers pay some invoices without a reference and later name one the queue
    had reached; every one is now decided by the merge (none replayed), and the ledger is the replay's."""
    master = generate_demo()
    transactions, payments = master.transactions, master.payments
    as_of = max(transactions["date"].max(), payments["date"].max())
    assert undecided(transactions, payments, as_of) == (376, 0)
    ledger = build_ledger(transactions, payments, master.customers)
    terms = dict(zip(master.customers["customer_id"], master.customers["payment_terms_days"].fillna(0).astype(int)))
    assert_replayed(ledger, transactions, payments, terms)


@pytest.mark.parametrize(
    ("values", "line_by_line"),
    [
        (["K1", " K1", None, "K2", "K1", float("nan")], False),  # ids as typed: spaces, blanks
        ([1, 1.0, "1", None, "K1"], True),  # 1 and 1.0 are one value to factorize, two texts
        (pd.Series(["K1", None, "K2", "K1"], dtype="str"), False),  # a column the reader typed as text
        ([], True),
    ],
    ids=["text", "mixed", "str dtype", "empty"],
)
def test_ids_made_text_once_per_distinct_value_are_the_lines_made_text_one_by_one(
    values: object, line_by_line: bool
) -> None:
    """The ledger's ``coded`` (stripped text, blanks null) and the grading's ``text_codes`` (``astype(str)``) share
    ``distinct_texts``: each line's text through its code is the line's own text, whatever the column holds."""
    column = values if isinstance(values, pd.Series) else pd.Series(values, dtype=object)
    ledger = coded(column)
    assert [ledger.names[c].as_py() if c >= 0 else None for c in ledger.codes] == text(column).to_pylist()
    codes, names = text_codes(column)
    one_by_one = column.astype(str).tolist()
    assert [None if pd.isna(names[c]) else names[c] for c in codes] == [None if pd.isna(v) else v for v in one_by_one]
    assert (distinct_texts(column) is None) == line_by_line
