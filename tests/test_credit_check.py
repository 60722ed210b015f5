"""The order-time credit check on hand-built ledgers: the open balance, and each credit grade's rule at the
boundaries (exactly at the limit, one cent over, 30 against 31 days overdue), from the core and the CLI."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from keyacct_xl.analytics.credit_run import run_credit_check
from keyacct_xl.cli.main import main
from keyacct_xl.demo.company import generate_demo
from keyacct_xl.errors import InputError
from keyacct_xl.master.model import Master
from keyacct_xl.master.settings import settings_from
from keyacct_xl.master.writer import save_master
from keyacct_xl.receivables.ageing import age_ledger
from keyacct_xl.receivables.ledger import build_ledger
from tests.test_receivables_ledger import pay, tx

D = pd.Timestamp


def hand_master(**settings: object) -> Master:
    """Payment terms 0: an invoice falls due on its date. C1 (A) and C2 (B) owe 400 of a 1,000 limit, S1 / S3 due
    2026-03-01 (30 days overdue on 03-31, 31 on 04-01); C3 (C) prepaid 250; C4 invoiced 1,000 + 500, took a
    120.50 credit note and paid 300; C5 has no credit grade, C6 no limit."""
    master = Master.empty(settings=settings_from(settings))
    customers = pd.DataFrame(
        {
            "customer_id": ["C1", "C2", "C3", "C4", "C5", "C6"],
            "name": ["甲", "乙", "丙", "丁", "戊", "己"],
            "credit_grade": ["A", "B", "C", "A", None, "A"],
            "credit_limit": [1000.0, 1000.0, 0.0, 2000.0, 500.0, None],
            "payment_terms_days": pd.array([0] * 6, dtype="Int64"),
        }
    )
    master.customers = customers.reindex(columns=master.customers.columns).astype(master.customers.dtypes.to_dict())
    master.transactions = tx(
        ("C1", "S1", "2026-03-01", 400.0),
        ("C2", "S3", "2026-03-01", 400.0),
        ("C4", "S4", "2026-01-10", 1000.0),
        ("C4", "S5", "2026-02-10", 500.0),
        ("C4", "CN1", "2026-02-20", -120.5),
    ).reindex(columns=master.transactions.columns)
    master.payments = pay(("C3", "R1", "2026-03-05", 250.0, None), ("C4", "R2", "2026-02-25", 300.0, "S4")).reindex(
        columns=master.payments.columns
    )
    return master


def check(customer: str, amount: float, as_of: str, master: Master | None = None) -> tuple[str, str]:
    result = run_credit_check(master or hand_master(), customer, amount, as_of=D(as_of), lang="en")
    return result.decision, result.reason


def test_open_balance_is_invoiced_minus_paid_minus_credits() -> None:
    master = hand_master()
    result = run_credit_check(master, "C4", 100.0, as_of=D("2026-03-31"), lang="en")
    assert result.position["balance"] == 1000 + 500 - 120.5 - 300 == 1079.5
    assert result.position["available_credit"] == 920.5 and result.available_after == 820.5
    # S4's rest (1,000 − 300 − 120.50) is 80 days overdue, S5 49 days: A is still allowed within its limit.
    assert result.position["overdue_amount"] == 579.5 + 500 and result.position["max_days_overdue"] == 80
    assert result.decision == "allow"
    # The same figure as the ageing report's available credit: one definition.
    ledger = build_ledger(master.transactions, master.payments, master.customers, as_of=D("2026-03-31"))
    ageing = age_ledger(ledger, master.customers).set_index("customer_id")
    assert ageing.loc["C4", "available_credit"] == 920.5 and ageing.loc["C1", "available_credit"] == 600.0


@pytest.mark.parametrize(
    ("customer", "amount", "as_of", "decision", "reason"),
    [
        # A: allowed up to the limit to the cent, refused one cent over, overdue or not.
        ("C1", 600.00, "2026-04-01", "allow", "within the credit limit: ¥0.00 available after this order"),
        ("C1", 600.01, "2026-04-01", "refuse", "over the credit limit by ¥0.01 (limit ¥1,000.00, open balance ¥400.00"),
        # B: 30 days overdue is allowed, 31 needs approval; over the limit is refused whatever is overdue.
        ("C2", 600.00, "2026-03-31", "allow", "within the credit limit: ¥0.00 available after this order"),
        ("C2", 10.00, "2026-04-01", "approval", "¥400.00 overdue up to 31 days (more than 30 days): needs the sales"),
        ("C2", 600.01, "2026-03-31", "refuse", "over the credit limit by ¥0.01"),
        ("C2", 600.01, "2026-04-01", "refuse", "over the credit limit by ¥0.01"),
        # C: cash or prepayment: exactly the prepayment is allowed, one cent more refused; on C's limit of 0 that
        # cent is over the limit, which the decision table asks first, whatever the grade.
        (
            "C3",
            250.00,
            "2026-03-31",
            "allow",
            "cash or prepayment only: the customer's credit ¥250.00 covers the order",
        ),
        (
            "C3",
            250.01,
            "2026-03-31",
            "refuse",
            "over the credit limit by ¥0.01 (limit ¥0.00, open balance -¥250.00, order ¥250.01)",
        ),
        ("C3", 0.01, "2026-03-01", "refuse", "over the credit limit by ¥0.01 (limit ¥0.00, open balance ¥0.00"),
        # No credit grade, no limit: the sales manager decides.
        ("C5", 1.00, "2026-03-31", "approval", "no credit grade under the credit policy (—)"),
        # Without a grade but with a limit: over it is refused, as the table's first row says for any grade.
        ("C5", 500.00, "2026-03-31", "approval", "no credit grade under the credit policy (—)"),
        ("C5", 500.01, "2026-03-31", "refuse", "over the credit limit by ¥0.01 (limit ¥500.00, open balance ¥0.00"),
        ("C6", 1.00, "2026-03-31", "approval", "no credit limit recorded in Customers"),
    ],
)
def test_each_grade_decides_at_the_boundaries(
    customer: str, amount: float, as_of: str, decision: str, reason: str
) -> None:
    got, text = check(customer, amount, as_of)
    assert got == decision and text.startswith(reason), text


def test_a_grade_c_customer_over_its_limit_is_refused_as_over_the_limit() -> None:
    """A grade-C customer owing ¥53,293.30 on a limit of 0 asked for ¥0.00 was refused "the customer's credit ¥0.00
    does not cover ¥0.00" (a finance trial): the prepayment rule was asked before the limit, against the decision
    table, and its sentence hid the debt. Over the limit is refused first, whatever the grade, with its figures."""
    master = hand_master()
    customers = pd.DataFrame(
        {
            "customer_id": ["C7", "C8"],
            "name": ["庚", "辛"],
            "credit_grade": ["C", "C"],
            "credit_limit": [0.0, 1000.0],
            "payment_terms_days": pd.array([0, 0], dtype="Int64"),
        }
    ).reindex(columns=master.customers.columns)
    master.customers = pd.concat([master.customers, customers.astype(master.customers.dtypes.to_dict())])
    owed = tx(("C7", "S7", "2026-03-01", 500.0), ("C8", "S8", "2026-03-01", 400.0))
    master.transactions = pd.concat([master.transactions, owed.reindex(columns=master.transactions.columns)])
    for amount in (0.0, 100.0):
        decision, reason = check("C7", amount, "2026-03-31", master)
        assert decision == "refuse"
        figures = f"(limit ¥0.00, open balance ¥500.00, order ¥{amount:,.2f})"
        assert reason == f"over the credit limit by ¥{500 + amount:,.2f} {figures}"
    # Within a limit of its own, a grade-C customer who owes is refused under its rule, saying what it owes.
    decision, reason = check("C8", 0.0, "2026-03-31", master)
    assert decision == "refuse"
    assert reason == (
        "cash or prepayment only (credit grade C): the customer owes ¥400.00 and holds no prepayment or credit to "
        "cover ¥0.00"
    )
    zh = run_credit_check(master, "C7", 0.0, as_of=D("2026-03-31"), lang="zh").reason
    assert zh.startswith("超出信用额度 ¥500.00（额度 ¥0.00，应收余额 ¥500.00")


def test_a_grade_c_customer_without_a_limit_is_decided_by_the_prepayment_rule() -> None:
    """Grade C trades for cash or prepayment only: no credit is given, so a missing limit changes nothing. An order
    its prepayment covers is allowed, as with C's limit of 0, and one it does not cover is refused under the grade's
    terms; neither goes to the sales manager as a customer without a limit would (the decision table said so)."""
    master = hand_master()
    customers = pd.DataFrame(
        {
            "customer_id": ["C9", "C10"],
            "name": ["壬", "癸"],
            "credit_grade": ["C", "c "],
            "credit_limit": [None, None],
            "payment_terms_days": pd.array([0, 0], dtype="Int64"),
        }
    ).reindex(columns=master.customers.columns)
    master.customers = pd.concat([master.customers, customers.astype(master.customers.dtypes.to_dict())])
    master.payments = pd.concat(
        [master.payments, pay(("C9", "R9", "2026-03-05", 250.0, None)).reindex(columns=master.payments.columns)]
    )
    master.transactions = pd.concat(
        [master.transactions, tx(("C10", "S10", "2026-03-01", 400.0)).reindex(columns=master.transactions.columns)]
    )
    assert check("C9", 250.0, "2026-03-31", master) == (
        "allow",
        "cash or prepayment only: the customer's credit ¥250.00 covers the order",
    )
    assert check("C9", 250.01, "2026-03-31", master) == (
        "refuse",
        "cash or prepayment only (credit grade C): the customer's credit ¥250.00 does not cover ¥250.01",
    )
    decision, reason = check("C10", 100.0, "2026-03-31", master)
    assert (decision, reason) == (
        "refuse",
        "cash or prepayment only (credit grade C): the customer owes ¥400.00 and holds no prepayment or credit to "
        "cover ¥100.00",
    )
    # a grade allowing credit still needs a limit to be measured against: the sales manager decides
    assert check("C6", 1.0, "2026-03-31", master)[0] == "approval"


def test_settings_move_the_approval_threshold_and_the_decision_is_in_chinese() -> None:
    assert check("C2", 10.0, "2026-03-31", hand_master(credit_approval_overdue_days=29))[0] == "approval"
    result = run_credit_check(hand_master(), "C2", 600.01, as_of=D("2026-03-31"), lang="zh")
    assert result.reason.startswith("超出信用额度 ¥0.01（额度 ¥1,000.00，应收余额 ¥400.00")
    assert "信用等级 B，截至 2026-03-31：拒绝" in result.summary("zh")


def test_unknown_customer_and_negative_amount_are_refused() -> None:
    with pytest.raises(InputError, match="customer C9 is not in Customers"):
        run_credit_check(hand_master(), "C9", 1.0)
    with pytest.raises(InputError, match="must be 0 or more") as refused:
        run_credit_check(hand_master(), "C1", -5.0)
    assert refused.value.message("zh").endswith("而不是 -5")  # as typed, not -5.0


def test_credit_check_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = save_master(hand_master(), tmp_path / "master.xlsx", backup=False)
    assert (
        main(
            [
                "credit",
                "check",
                str(path),
                "--customer",
                "C2",
                "--amount",
                "¥600.01",
                "--as-of",
                "2026-03-31",
                "--lang",
                "en",
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert "C2 乙, credit grade B, as of 2026-03-31: refuse" in out
    assert "limit ¥1,000.00, open balance ¥400.00, available ¥600.00, order ¥600.01, available after -¥0.01" in out
    assert main(["credit", "check", str(path), "--customer", "C1", "--amount", "600"]) == 0
    assert "截至 2026-03-05：允许" in capsys.readouterr().out  # default as-of: the latest sale or payment
    assert main(["credit", "check", str(path), "--customer", "C1", "--amount", "abc", "--lang", "en"]) == 2
    assert "--amount abc is not an amount" in capsys.readouterr().err


def test_one_customers_replay_agrees_with_the_whole_ledger() -> None:
    master = generate_demo(customers=120)
    ledger = build_ledger(master.transactions, master.payments, master.customers)
    ageing = age_ledger(ledger, master.customers).set_index("customer_id")
    balances = ledger.balance()
    for cid in ageing.index[::7]:
        result = run_credit_check(master, cid, 0.0)
        assert result.as_of == ledger.as_of
        assert result.position["balance"] == pytest.approx(balances[cid], abs=0.005)
        limit = ageing.at[cid, "available_credit"]
        assert result.position["available_credit"] == pytest.approx(limit, abs=0.005, nan_ok=True)
