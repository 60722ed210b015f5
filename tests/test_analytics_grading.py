"""Annual grading, credit grades, attribute codes and composition: hand-computed examples and properties."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from keyacct_xl.analytics.abc import abc_classes, revenue_by_customer
from keyacct_xl.analytics.attribute_code import attribute_codes
from keyacct_xl.analytics.composition import margin_ranking, risky_customers, sales_by
from keyacct_xl.analytics.credit import credit_grades
from keyacct_xl.analytics.grading import composite_score, evaluation_date, grade_customers
from keyacct_xl.analytics.policy import load_credit_policy, load_grading_policy
from keyacct_xl.master.settings import settings_from
from keyacct_xl.receivables.ledger import build_ledger

FOUR = load_grading_policy("grading_4level")
THREE = load_grading_policy("grading_3level")


def metrics(**columns: list) -> pd.DataFrame:
    n = len(next(iter(columns.values())))
    base = {
        "customer_id": [f"C{i}" for i in range(n)],
        "current_grade": [None] * n,
        "months_as_customer": [60.0] * n,
        "first_trade_date": [pd.Timestamp("2020-01-01")] * n,
        "annual_sales": [0.0] * n,
        "growth": [np.nan] * n,
        "on_time_rate": [1.0] * n,
        "influence": [3.0] * n,
        "visit_rating": [np.nan] * n,
        "credit_grade": ["A"] * n,
        "price_index": [1.0] * n,
        "collection_rate": [1.0] * n,
    }
    base.update(columns)
    return pd.DataFrame(base)


def test_four_level_hand_example() -> None:
    table = grade_customers(
        metrics(
            annual_sales=[2_500_000.0, 2_500_000.0, 1_900_000.0, 1_700_000.0, 950_000.0, 50_000.0, 300_000.0],
            influence=[5.0, 3.0, 5.0, 5.0, 2.0, 1.0, 2.0],
            credit_grade=["A", "A", "A", "B", "B", "C", "A"],
            current_grade=["VIP", "VIP", None, "VIP", "B", "A", None],
            months_as_customer=[120.0, 120.0, 40.0, 70.0, 30.0, 30.0, 4.0],
            first_trade_date=pd.to_datetime(["2015-01-01"] * 6 + ["2025-08-20"]).tolist(),
        ),
        FOUR,
        lang="en",
    ).set_index("customer_id")
    assert table["proposed_grade"].to_dict() == {
        "C0": "VIP",
        "C1": "VIP",
        "C2": "A",
        "C3": "VIP",
        "C4": "B",
        "C5": "C",
        "C6": "C",
    }
    assert table["change"].to_dict() == {
        "C0": "same",
        "C1": "same",
        "C2": "new",
        "C3": "same",
        "C4": "same",
        "C5": "down",
        "C6": "new",
    }
    # C1 misses VIP on influence (3 < 4) but keeps VIP by the continuation rule; C3 too, on sales >= 1.6M.
    assert table.loc["C1", "reasons"] == (
        "VIP (VIP continued): annual sales 2,500,000 ≥ 1,600,000; credit grade A ∈ [A, B]"
    )
    assert table.loc["C0", "reasons"] == (
        "VIP: annual sales 2,500,000 ≥ 2,000,000; credit grade A ∈ [A]; local influence 5 ≥ 4"
    )
    assert table.loc["C2", "reasons"] == (
        "A: annual sales 1,900,000 ≥ 1,000,000; credit grade A ∈ [A, B]. not VIP: annual sales 1,900,000 < 2,000,000"
    )
    # C4 is within 10 % of A's 1,000,000 (950,000 >= 900,000) with an allowed credit grade.
    assert table["upgrade_candidate"].to_dict() == {
        "C0": False,
        "C1": False,
        "C2": True,
        "C3": False,
        "C4": True,
        "C5": False,
        "C6": False,
    }
    assert table.loc["C6", "reasons"] == "new customer (4 months < 6): C until reviewed after 6 months"
    assert table.loc["C6", "review_due"] == pd.Timestamp("2026-02-20")
    assert table["review_due"].drop("C6").isna().all()


def test_vip_revoked_when_continuation_fails() -> None:
    table = grade_customers(metrics(annual_sales=[1_500_000.0], current_grade=["VIP"], credit_grade=["A"]), FOUR)
    assert table.loc[0, "proposed_grade"] == "A" and table.loc[0, "change"] == "revoke"


def test_settings_override_threshold_and_new_customer_months() -> None:
    frame = metrics(annual_sales=[900_000.0], months_as_customer=[8.0])
    assert grade_customers(frame, FOUR).loc[0, "proposed_grade"] == "B"
    later = settings_from({"grade_a_min_sales": 800_000, "new_customer_months": 12})
    table = grade_customers(frame, FOUR, settings=later)
    assert table.loc[0, "proposed_grade"] == "C" and table.loc[0, "change"] == "new"
    lower = settings_from({"grade_a_min_sales": 800_000})
    assert grade_customers(frame, FOUR, settings=lower).loc[0, "proposed_grade"] == "A"


def test_three_level_and_missing_data_never_promotes() -> None:
    table = grade_customers(
        metrics(
            annual_sales=[1_200_000.0, 1_200_000.0, 1_200_000.0],
            price_index=[1.0, 0.9, np.nan],
            collection_rate=[0.95, 0.95, 0.95],
        ),
        THREE,
    )
    assert table["proposed_grade"].tolist() == ["A", "B", "B"]
    assert (
        "price index no data"
        in grade_customers(metrics(annual_sales=[1_200_000.0], price_index=[np.nan]), THREE, lang="en").loc[
            0, "reasons"
        ]
    )
    assert evaluation_date(THREE, 2025) == pd.Timestamp("2026-03-25")
    assert evaluation_date(FOUR, 2025) == pd.Timestamp("2025-12-25")


def test_composite_score_hand_computed() -> None:
    frame = pd.DataFrame({"a": [10.0, 20.0, 20.0, np.nan], "b": [1.0, 2.0, 3.0, 4.0]})
    # Percentile ranks (max for ties): a -> 1/3, 1, 1, 0 (missing); b -> .25 .5 .75 1; weights 3:1.
    assert composite_score(frame, (("a", 3.0), ("b", 1.0))).tolist() == pytest.approx([31.25, 87.5, 93.75, 25.0])


def test_composite_score_ranks_lower_is_better_metrics_reversed() -> None:
    frame = pd.DataFrame({"max_days_overdue": [0.0, 30.0, 90.0, np.nan]})
    # Fewer days overdue is better: -0, -30, -90 rank 1, 2/3, 1/3 of three values; missing ranks 0.
    assert composite_score(frame, (("max_days_overdue", 1.0),)).tolist() == pytest.approx([100.0, 66.67, 33.33, 0.0])


@settings(max_examples=80, deadline=None)
@given(
    st.lists(st.floats(0, 5_000_000), min_size=2, max_size=12),
    st.integers(0, 11),
    st.floats(0, 3_000_000),
    st.sampled_from(["VIP", "A", "B", "C", None]),
    st.sampled_from(["A", "B", "C"]),
    st.booleans(),
)
def test_grading_monotone_in_annual_sales(
    sales: list[float], who: int, extra: float, current: str | None, credit: str, three: bool
) -> None:
    who %= len(sales)
    policy = THREE if three else FOUR
    n = len(sales)
    frame = metrics(
        annual_sales=sales,
        current_grade=[current] * n,
        credit_grade=[credit] * n,
        influence=[float(i % 5 + 1) for i in range(n)],
        collection_rate=[0.8] * n,
    )
    before = grade_customers(frame, policy)
    more = frame.copy()
    more.loc[who, "annual_sales"] += extra
    after = grade_customers(more, policy)
    rank = {g: i for i, g in enumerate(policy.grades)}
    assert rank[after.loc[who, "proposed_grade"]] <= rank[before.loc[who, "proposed_grade"]]
    assert after.loc[who, "composite_score"] >= before.loc[who, "composite_score"]


def _ledger_case() -> tuple[pd.DataFrame, object]:
    tx = pd.DataFrame(
        {
            "doc_no": ["I1", "I2", "I3", "I4"],
            "customer_id": ["A", "A", "B", "C"],
            "date": pd.to_datetime(["2025-01-10", "2025-06-01", "2025-03-01", "2024-01-01"]),
            "amount": [1000.0, 500.0, 800.0, 300.0],
        }
    )
    pay = pd.DataFrame(
        {
            "receipt_no": ["R1", "R2"],
            "customer_id": ["A", "A"],
            "date": pd.to_datetime(["2025-02-05", "2025-07-20"]),
            "amount": [1000.0, 500.0],
            "reference": [None, None],
        }
    )
    customers = pd.DataFrame(
        {
            "customer_id": ["A", "B", "C", "D"],
            "name": ["a", "b", "c", "d"],
            "credit_grade": ["B", "A", None, "B"],
            "payment_terms_days": [30, 30, 30, None],
        }
    )
    return customers, build_ledger(tx, pay, customers, as_of=pd.Timestamp("2025-12-25"))


def test_credit_grades_hand_example() -> None:
    customers, ledger = _ledger_case()
    table = credit_grades(
        customers, ledger, policy=load_credit_policy(), settings=settings_from({"credit_limit_b": 150_000}), lang="en"
    ).set_index("customer_id")
    # A: I1 due 02-09 paid 02-05 (on time), I2 due 07-01 paid 07-20 (19 days late > 15 grace): 1000/1500 on time.
    assert table.loc["A", "on_time_rate"] == pytest.approx(2 / 3)
    assert table.loc["A", "avg_days_late"] == pytest.approx(19 * 500 / 1500)
    assert table["credit_grade"].to_dict() == {"A": "B", "B": "C", "C": "C", "D": "B"}
    assert table.loc["B", "max_days_overdue"] == 269 and table.loc["B", "overdue_amount"] == 800
    assert table.loc["C", "bad_debt_amount"] == 300  # due 2024-01-31, 694 days overdue
    assert table.loc["A", "credit_limit"] == 150_000  # the Settings sheet's limit for B
    assert table["credit_change"].to_dict() == {"A": "same", "B": "down", "C": "new", "D": "same"}
    assert table.loc["D", "credit_reason"] == "no invoice due in the window: credit grade kept"
    assert table.loc["A", "credit_reason"] == (
        "B: max days overdue 0 ≤ 120; bad debt 0 ≤ 0. not A: on-time payment rate 66.7% < 85.0%"
    )


def test_on_time_rate_counts_each_part_payment_by_its_own_date() -> None:
    """The documented definition: the share of the amount paid within grace_days, each part by its own date. An
    invoice paid 40 % on time and 60 % 19 days late is 40 % on time, not wholly late (the trial's XS2026030236)."""
    tx = pd.DataFrame(
        {
            "doc_no": ["I1", "I2"],
            "customer_id": ["A", "A"],
            "date": pd.to_datetime(["2025-03-01", "2025-11-01"]),
            "amount": [1000.0, 500.0],
        }
    )
    pay = pd.DataFrame(
        {
            "receipt_no": ["R1", "R2", "R3"],
            "customer_id": ["A", "A", "A"],
            "date": pd.to_datetime(["2025-03-20", "2025-04-19", "2025-11-05"]),
            "amount": [400.0, 600.0, 100.0],
            "reference": [None, None, None],
        }
    )
    customers = pd.DataFrame({"customer_id": ["A"], "name": ["a"], "credit_grade": ["B"], "payment_terms_days": [30]})
    ledger = build_ledger(tx, pay, customers, as_of=pd.Timestamp("2025-12-10"))
    table = credit_grades(customers, ledger, policy=load_credit_policy(), lang="en").set_index("customer_id")
    # I1 due 03-31: 400 paid 03-20 on time, 600 paid 04-19 (19 days late > 15). I2 due 12-01: 100 paid, 400 open
    # 9 days past due, within the grace: on time. (400 + 500) / 1500.
    assert table.loc["A", "on_time_rate"] == pytest.approx(900 / 1500)


def test_a_customer_without_history_or_a_grade_is_told_why_it_gets_the_policy_grade() -> None:
    """A new customer with nothing due and no credit grade before gets the policy's no_history_grade: its reason
    says so, not that it kept a grade it never had (the trial's C0596)."""
    customers, ledger = _ledger_case()
    customers = pd.concat([customers, pd.DataFrame({"customer_id": ["E"], "name": ["e"], "credit_grade": [None]})])
    for lang, kept, first in [
        (
            "en",
            "no invoice due in the window: credit grade kept",
            "no invoice due in the window and no credit grade "
            "before: C, the credit policy's grade for a customer without payment history",
        ),
        ("zh", "无到期发票：保持原信用等级", "无到期发票，原无信用等级：按信用政策给无付款记录的客户评为 C"),
    ]:
        table = credit_grades(customers, ledger, policy=load_credit_policy(), lang=lang).set_index("customer_id")
        assert table.loc["E", "credit_grade"] == "C" and table.loc["E", "credit_reason"] == first
        assert table.loc["D", "credit_reason"] == kept


def test_attribute_code_hand_example() -> None:
    customers = pd.DataFrame(
        {
            "customer_id": ["X", "Y", "Z"],
            "name": ["x", "y", "z"],
            "category": ["重要客户", "普通客户", None],
            "first_trade_date": pd.to_datetime(["2012-06-01", "2023-01-15", None]),
        }
    )
    tx = pd.DataFrame(
        {
            "customer_id": ["X", "Y", "Z", "Z"],
            "amount": [2_400_000.0, 150_000.0, 50_000.0, 40_000.0],
            "date": pd.to_datetime(["2025-03-01", "2025-03-01", "2024-12-01", "2025-06-01"]),
        }
    )
    table = attribute_codes(customers, tx, as_of=pd.Timestamp("2025-12-31")).set_index("customer_id")
    # The yearly average divides by the calendar years with sales data, not by the years since the first trade:
    # X: 13 full years, 2.4M total (class 1), sales in 2025 only: 2.4M a year (class 1) -> 1 1 1 A.
    # Y: 35 months (2 full years), 150k total (class 2), sales in 2025 only: 150k a year (class 2) -> 3 2 2 2.
    # Z: no category (0), no first trade date: since its first purchase 2024-12-01 (12 months); 90k over 2024
    #    and 2025 = 45k a year -> 0 3 3 1.
    assert table["attribute_code"].to_dict() == {"X": "111A", "Y": "3222", "Z": "0331"}
    assert table.loc["Y", "avg_yearly_spend"] == pytest.approx(150_000)
    assert table.loc["Z", "avg_yearly_spend"] == pytest.approx(45_000)
    assert table["years_with_data"].to_dict() == {"X": 1, "Y": 1, "Z": 2}
    fixed = attribute_codes(customers, tx, as_of=pd.Timestamp("2025-12-31"), prefix="K")
    assert fixed["attribute_code"].str[0].tolist() == ["K", "K", "K"]


def test_composition_and_risk_hand_example() -> None:
    customers = pd.DataFrame(
        {
            "customer_id": ["A", "B", "C"],
            "name": ["a", "b", "c"],
            "grade": ["A", "B", None],
            "region": ["华东", "华东", "华北"],
            "rep": ["r", "r", "s"],
        }
    )
    tx = pd.DataFrame(
        {
            "customer_id": ["A", "A", "B", "B", "C"],
            "date": pd.to_datetime(["2024-05-01", "2025-05-01", "2024-05-01", "2025-11-20", "2025-01-05"]),
            "amount": [100.0, 60.0, 50.0, 60.0, 80.0],
            "cost": [80.0, 40.0, None, 30.0, 70.0],
            "category": ["油", "油", "脂", "油", "脂"],
        }
    )
    by_grade = sales_by(tx, customers, year=2025, by="grade").set_index("grade")
    assert by_grade["sales"].to_dict() == {"—": 80.0, "A": 60.0, "B": 60.0}
    assert by_grade.loc["—", "sales_share"] == pytest.approx(0.4)
    assert sales_by(tx, customers, year=2025, by="category").set_index("category")["sales"].to_dict() == {
        "油": 120.0,
        "脂": 80.0,
    }
    margins = margin_ranking(tx, customers, year=2025)
    assert margins["customer_id"].tolist() == ["B", "A", "C"]
    assert margins["gross_margin"].tolist() == pytest.approx([0.5, 1 / 3, 0.125])
    risky = risky_customers(tx, customers, None, year=2025, complaints=None, drop_pct=30, silent_days=90, lang="en")
    # A: 60 vs 100 (-40 %) and silent since May; C: silent since January; B bought in November, up 20 %.
    assert risky["customer_id"].tolist() == ["A", "C"]
    assert risky.loc[0, "risks"] == "sales down more than 30%; no purchase for over 90 days"


def test_customer_metrics_hand_example() -> None:
    from keyacct_xl.analytics.analysis import pareto_curve
    from keyacct_xl.analytics.metrics import customer_metrics

    customers = pd.DataFrame(
        {
            "customer_id": ["A", "B"],
            "name": ["a", "b"],
            "region": ["华东", "华北"],
            "rep": ["r", "s"],
            "grade": ["B", None],
            "influence": pd.array([4, None], dtype="Int64"),
            "first_trade_date": pd.to_datetime(["2020-03-26", None]),
            "payment_terms_days": [0, 0],
        }
    )
    tx = pd.DataFrame(
        {
            "doc_no": ["1", "2", "3", "4", "5"],
            "customer_id": ["A", "A", "B", "A", "B"],
            "date": pd.to_datetime(["2025-02-01", "2025-03-01", "2025-04-01", "2024-06-01", "2025-12-30"]),
            "product": ["oil", "grease", "oil", "oil", "oil"],
            "qty": [10.0, 5.0, 10.0, 1.0, 1.0],
            "amount": [1100.0, 500.0, 900.0, 800.0, 50.0],
            "cost": [800.0, None, 700.0, None, None],
        }
    )
    visits = pd.DataFrame(
        {
            "customer_id": ["A", "A", "A", "B"],
            "date": pd.to_datetime(["2025-01-05", "2025-06-01", "2024-06-01", "2025-02-02"]),
            "rating": ["很好", "Fair", "差", "满意度高，下次再谈"],
        }
    )
    payments = pd.DataFrame(
        {
            "receipt_no": ["R1"],
            "customer_id": ["A"],
            "date": [pd.Timestamp("2025-03-05")],
            "amount": [1100.0],
            "reference": [None],
        }
    )
    evaluation = pd.Timestamp("2025-12-25")
    ledger = build_ledger(tx, payments, customers, as_of=evaluation)
    table = customer_metrics(customers, tx, visits, year=2025, evaluation=evaluation, ledger=ledger)
    table = table.set_index("customer_id")
    # Line 5 (2025-12-30) is after the evaluation date and counts: annual sales are the whole calendar year
    # (metrics.annual_sales, the definition every report shares); the evaluation date cuts the ledger metrics.
    assert table["annual_sales"].to_dict() == {"A": 1600.0, "B": 950.0}
    assert table.loc["A", "growth"] == pytest.approx(1.0) and np.isnan(table.loc["B", "growth"])
    assert table.loc["A", "gross_margin"] == pytest.approx(300 / 1100)  # only the line with a cost
    # 2025 oil: 2050 for 21 units; A paid 1100 for 10, grease only A (1.0): (1100 + 500) / (10 * 2050 / 21 + 500).
    assert table.loc["A", "price_index"] == pytest.approx(1600 / (10 * 2050 / 21 + 500))
    assert table.loc["B", "price_index"] == pytest.approx(950 / (11 * 2050 / 21))
    assert table.loc["A", "visit_rating"] == 4.0 and np.isnan(table.loc["B", "visit_rating"])
    # A since 2020-03-26: 68 full months at 2025-12-25; B from its first 2025 purchase, 2025-04-01: 8.
    assert table["months_as_customer"].to_dict() == {"A": 68.0, "B": 8.0}
    # The unreferenced 1,100 receipt pays the oldest invoice first (FIFO): 800 for 2024's, 300 for 2025's.
    assert table.loc["A", "collection_rate"] == pytest.approx(300 / 1600)
    assert table.loc["A", "influence"] == 4.0 and table.loc["A", "current_grade"] == "B"
    curve = pareto_curve(pd.DataFrame({"cumulative_share": [0.5, 0.8, 0.9, 1.0, 1.0]}), points=4)
    assert curve["customers"].tolist() == [2, 3, 4, 5]
    assert curve["revenue_share"].tolist() == [0.8, 0.9, 1.0, 1.0]


def test_a_customer_at_exactly_each_threshold_is_in_the_same_class_in_abc_and_the_attribute_code() -> None:
    # One boundary rule everywhere: at the minimum is in (ABC A from 1,000,000, B from 100,000; the code's total
    # spend classes use the same amounts; its yearly classes 200,000 and 100,000).
    amounts = {"AT_A": 1_000_000.0, "BELOW_A": 999_999.99, "AT_B": 100_000.0, "BELOW_B": 99_999.99, "AT_Y": 200_000.0}
    customers = pd.DataFrame(
        {"customer_id": list(amounts), "name": list(amounts), "category": None, "first_trade_date": pd.NaT}
    )
    tx = pd.DataFrame(
        {"customer_id": list(amounts), "amount": list(amounts.values()), "date": pd.Timestamp("2025-06-01")}
    )
    abc = abc_classes(revenue_by_customer(tx, year=2025)).set_index("customer_id")["abc_class"].to_dict()
    code = attribute_codes(customers, tx, as_of=pd.Timestamp("2025-12-31")).set_index("customer_id")
    assert abc == {"AT_A": "A", "BELOW_A": "B", "AT_B": "B", "BELOW_B": "C", "AT_Y": "B"}
    total_class = code["total_class"].to_dict()
    assert total_class == {"AT_A": "1", "BELOW_A": "2", "AT_B": "2", "BELOW_B": "3", "AT_Y": "2"}
    assert {c: {"A": "1", "B": "2", "C": "3"}[k] for c, k in abc.items()} == total_class
    yearly = code["yearly_class"].to_dict()
    assert yearly == {"AT_A": "1", "BELOW_A": "1", "AT_B": "2", "BELOW_B": "3", "AT_Y": "1"}


def test_special_policy_proposals_at_the_rules_boundaries() -> None:
    from keyacct_xl.analytics.review_lists import special_policy_proposal

    policy = load_grading_policy("grading_4level")
    table = pd.DataFrame(
        {
            # keep: every keep rule holds exactly at its minimum; adjust: collection just under 90 %;
            # revoke: collection at the 60 % maximum, or growth at −30 %;
            # no data: adjust (a missing value passes no rule).
            "growth": [0.0, 0.1, 0.1, -0.3, np.nan],
            "collection_rate": [0.9, 0.8999, 0.6, 0.95, np.nan],
            "on_time_rate": [0.8, 0.9, 0.9, 0.9, np.nan],
        }
    )
    proposal = special_policy_proposal(table, policy, "en")
    assert proposal["policy_proposal"].tolist() == ["keep", "adjust", "revoke", "revoke", "adjust"]
    # The basis names the rules that decided: for a revoke, the revoke rules with their numbers.
    assert proposal.at[2, "proposal_reason"] == "growth 10.0% > -30.0%; collection rate 60.0% ≤ 60.0%"
