"""The receivables ledger against hand-computed open items, and its balance identity as a property."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from keyacct_xl.errors import InputError
from keyacct_xl.receivables.ledger import build_ledger

D = pd.Timestamp


def tx(*rows: tuple) -> pd.DataFrame:
    """Transactions lines: (customer_id, doc_no, date, amount)."""
    frame = pd.DataFrame(rows, columns=["customer_id", "doc_no", "date", "amount"])
    frame["date"] = pd.to_datetime(frame["date"]).astype("datetime64[ns]")
    frame["amount"] = frame["amount"].astype("float64")
    return frame


def pay(*rows: tuple) -> pd.DataFrame:
    """Payments: (customer_id, receipt_no, date, amount, reference)."""
    frame = pd.DataFrame(rows, columns=["customer_id", "receipt_no", "date", "amount", "reference"])
    frame["date"] = pd.to_datetime(frame["date"]).astype("datetime64[ns]")
    frame["amount"] = frame["amount"].astype("float64")
    return frame


def cust(*rows: tuple) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["customer_id", "payment_terms_days"])


def row(ledger, doc: str) -> pd.Series:
    hit = ledger.invoices[ledger.invoices["doc_no"] == doc]
    assert len(hit) == 1
    return hit.iloc[0]


def test_lines_group_into_one_invoice_with_due_date_from_terms():
    ledger = build_ledger(
        tx(("C1", "S1", "2026-10-01", 100.0), ("C1", "S1", "2026-10-02", 50.5)),
        pay(),
        cust(("C1", 30)),
        as_of=D("2026-11-30"),
    )
    inv = row(ledger, "S1")
    assert inv["amount"] == 150.5 and inv["open_amount"] == 150.5 and inv["paid"] == 0
    assert inv["date"] == D("2026-10-01") and inv["due_date"] == D("2026-10-31")
    assert inv["days_late"] == 30 and pd.isna(inv["settled_date"])


def test_payment_settles_referenced_doc_before_older_ones():
    ledger = build_ledger(
        tx(("C1", "S1", "2026-01-01", 100.0), ("C1", "S2", "2026-01-05", 200.0)),
        pay(("C1", "R1", "2026-01-20", 200.0, "S2")),
        cust(("C1", 10)),
        as_of=D("2026-02-01"),
    )
    assert row(ledger, "S2")["open_amount"] == 0 and row(ledger, "S2")["settled_date"] == D("2026-01-20")
    assert row(ledger, "S2")["days_late"] == 5
    assert row(ledger, "S1")["open_amount"] == 100 and row(ledger, "S1")["days_late"] == 21
    assert ledger.applications[["receipt_no", "doc_no", "applied_amount"]].values.tolist() == [["R1", "S2", 200.0]]


def test_unreferenced_payment_is_fifo_partial_and_overpayment_is_unapplied():
    ledger = build_ledger(
        tx(("C1", "S1", "2026-01-01", 100.0), ("C1", "S2", "2026-01-05", 200.0)),
        pay(("C1", "R1", "2026-01-10", 150.0, None), ("C1", "R2", "2026-01-12", 400.0, "")),
        cust(("C1", 0)),
        as_of=D("2026-02-01"),
    )
    apps = ledger.applications[["receipt_no", "doc_no", "applied_amount"]].values.tolist()
    assert apps == [["R1", "S1", 100.0], ["R1", "S2", 50.0], ["R2", "S2", 150.0]]
    assert ledger.unapplied.to_dict() == {"C1": -250.0}
    assert ledger.balance().to_dict() == {"C1": -250.0}


def test_credit_note_reduces_oldest_invoice_and_prepayment_covers_next_invoice():
    ledger = build_ledger(
        tx(("C1", "S1", "2026-01-01", 100.0), ("C1", "CN1", "2026-01-03", -30.0), ("C1", "S2", "2026-02-01", 80.0)),
        pay(("C1", "R1", "2026-01-15", 100.0, None)),
        cust(("C1", 0)),
        as_of=D("2026-03-01"),
    )
    assert row(ledger, "CN1")["open_amount"] == 0 and row(ledger, "CN1")["paid"] == -30
    assert row(ledger, "S1")["settled_date"] == D("2026-01-15")
    # 30 of R1 was left over, then used by S2 on its own date.
    assert row(ledger, "S2")["open_amount"] == 50 and row(ledger, "S2")["paid"] == 30
    assert ledger.unapplied.empty
    assert ledger.balance().to_dict() == {"C1": 50.0}


def test_unused_credit_note_stays_open_negative():
    ledger = build_ledger(tx(("C1", "CN1", "2026-01-03", -30.0)), pay(), cust(("C1", 0)), as_of=D("2026-03-01"))
    assert row(ledger, "CN1")["open_amount"] == -30 and row(ledger, "CN1")["days_late"] == 0


def test_documents_and_payments_after_as_of_are_left_out():
    ledger = build_ledger(
        tx(("C1", "S1", "2026-01-01", 100.0), ("C1", "S2", "2026-03-05", 200.0)),
        pay(("C1", "R1", "2026-03-02", 100.0, None)),
        cust(("C1", 0)),
        as_of=D("2026-02-28"),
    )
    assert ledger.invoices["doc_no"].tolist() == ["S1"]
    assert row(ledger, "S1")["open_amount"] == 100 and row(ledger, "S1")["days_late"] == 58


def test_a_date_past_what_a_timestamp_holds_is_refused_not_turned_into_another_date():
    # 2320 for 2026 (a slip of the keyboard): day numbers past 2262 overflow nanoseconds; the ledger must not
    # show the line as a date in 1735 with nothing said.
    lines = tx(("C1", "S1", "2026-01-02", 5.0), ("C1", "S2", "2026-01-03", 6.0))
    lines["date"] = lines["date"].astype("datetime64[us]")
    lines.loc[1, "date"] = pd.Timestamp("2320-01-02")
    receipts = pay(("C1", "R1", "2026-01-03", 1.0, None))
    receipts["date"] = receipts["date"].astype("datetime64[us]")  # as pandas 3 reads dates from a workbook
    with pytest.raises(pd.errors.OutOfBoundsDatetime):
        build_ledger(lines, receipts, cust(("C1", 5)))


def test_default_as_of_is_latest_date_and_unknown_customer_has_zero_terms():
    ledger = build_ledger(
        tx(("C9", "S1", "2026-01-01", 100.0)), pay(("C9", "R1", "2026-01-04", 40.0, None)), cust(("C1", 30))
    )
    assert ledger.as_of == D("2026-01-04")
    assert row(ledger, "S1")["due_date"] == D("2026-01-01") and row(ledger, "S1")["days_late"] == 3


def test_blank_customer_is_refused_naming_the_row():
    with pytest.raises(InputError, match="Transactions: Customer ID is blank in data row"):
        build_ledger(tx(("C1", "S1", "2026-01-01", 1.0), (None, "S2", "2026-01-01", 1.0)), pay(), cust())


money = st.integers(min_value=-50_000, max_value=500_000).map(lambda c: c / 100)
day = st.integers(min_value=0, max_value=90).map(lambda n: D("2026-01-01") + pd.Timedelta(days=n))


@settings(max_examples=60, deadline=None)
@given(
    docs=st.lists(
        st.tuples(st.sampled_from(["C1", "C2"]), st.sampled_from(["S1", "S2", "S3", "S4"]), day, money), max_size=12
    ),
    receipts=st.lists(
        st.tuples(
            st.sampled_from(["C1", "C2"]),
            day,
            st.integers(min_value=0, max_value=400_000).map(lambda c: c / 100),
            st.sampled_from([None, "S1", "S3", "S9"]),
        ),
        max_size=8,
    ),
)
def test_balance_is_invoiced_minus_paid(docs, receipts):
    transactions = tx(*docs)
    payments = pay(*[(c, f"R{i}", d, a, r) for i, (c, d, a, r) in enumerate(receipts)])
    ledger = build_ledger(transactions, payments, cust(("C1", 30), ("C2", 0)), as_of=D("2026-12-31"))
    invoiced = transactions.groupby("customer_id")["amount"].sum()
    paid = payments.groupby("customer_id")["amount"].sum()
    expected = invoiced.add(-paid, fill_value=0).round(2)
    got = ledger.balance().reindex(expected.index, fill_value=0.0)
    assert (got - expected).abs().max() < 1e-6 if len(expected) else ledger.balance().empty
    assert (ledger.unapplied <= 0).all()
    assert (ledger.invoices["days_late"] >= 0).all()
    positive = ledger.invoices[ledger.invoices["amount"] >= 0]
    assert (positive["open_amount"] >= 0).all() and (positive["open_amount"] <= positive["amount"]).all()
    # An invoice is settled exactly when nothing is open on it.
    assert (positive["settled_date"].notna() == (positive["open_amount"] == 0)).all()


def test_paid_by_counts_each_part_payment_on_its_own_date():
    # I1 1000 paid 400 on 02-01 and 600 on 03-01; I2 500 covered on its day by the 100 overpaid, then 400 on 04-01.
    ledger = build_ledger(
        tx(("C1", "I1", "2026-01-01", 1000), ("C1", "I2", "2026-03-15", 500)),
        pay(
            ("C1", "R1", "2026-02-01", 400, None),
            ("C1", "R2", "2026-03-01", 700, None),
            ("C1", "R3", "2026-04-01", 400, None),
        ),
        cust(("C1", 30)),
        as_of=D("2026-12-31"),
    )
    deadline = pd.Series(pd.to_datetime(["2026-02-15", "2026-03-20"]))
    assert ledger.paid_by(deadline).tolist() == [400.0, 100.0]
    assert ledger.paid_by(pd.Series(pd.to_datetime(["2026-03-01", "2026-04-01"]))).tolist() == [1000.0, 500.0]


@settings(max_examples=60, deadline=None)
@given(
    docs=st.lists(
        st.tuples(st.sampled_from(["C1", "C2"]), st.sampled_from(["S1", "S2", "S3", "S4"]), day, money), max_size=12
    ),
    receipts=st.lists(
        st.tuples(
            st.sampled_from(["C1", "C2"]),
            day,
            st.integers(min_value=0, max_value=400_000).map(lambda c: c / 100),
            st.sampled_from([None, "S1", "S3", "S9"]),
        ),
        max_size=8,
    ),
    cutoff=day,
)
def test_paid_by_agrees_with_the_applications(docs, receipts, cutoff):
    """What ``paid_by`` reads per invoice is what the applications list settled on it by the deadline, whether the
    queue merge or the one-by-one replay decided the customer."""
    transactions = tx(*docs)
    payments = pay(*[(c, f"R{i}", d, a, r) for i, (c, d, a, r) in enumerate(receipts)])
    ledger = build_ledger(transactions, payments, cust(("C1", 30), ("C2", 0)), as_of=D("2026-12-31"))
    invoices = ledger.invoices
    deadline = pd.Series(pd.Timestamp(cutoff), index=invoices.index)
    apps = ledger.applications
    apps = apps[apps["payment_date"] <= pd.Timestamp(cutoff)]
    expected = apps.groupby(["customer_id", "doc_no"])["applied_amount"].sum()
    keys = pd.MultiIndex.from_frame(invoices[["customer_id", "doc_no"]])
    want = expected.reindex(keys, fill_value=0.0).to_numpy()
    assert ledger.paid_by(deadline) == pytest.approx(want)
    everything = ledger.paid_by(pd.Series(pd.Timestamp("2027-01-01"), index=invoices.index))
    positive = (invoices["amount"] >= 0).to_numpy()
    assert everything[positive] == pytest.approx(invoices["paid"].to_numpy()[positive])
