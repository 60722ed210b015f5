"""Pareto / ABC: the sources' 50-customer example, the share rule and bad input."""

from __future__ import annotations

import pandas as pd
import pytest

from keyacct_xl.analytics.abc import abc_classes, abc_summary, revenue_by_customer
from keyacct_xl.errors import InputError

# DOMAIN.md's worked example (客户档案管理 slides), amounts in thousands of CNY: total 22,630, largest 4,300,
# smallest 4.4; seven customers above 1M hold 15,580, twenty-five between 100k and 1M hold 6,490.
A_K = [4300, 2800, 2200, 1900, 1700, 1480, 1200]
B_K = [
    893,
    600,
    500,
    450,
    400,
    350,
    300,
    280,
    260,
    240,
    220,
    200,
    190,
    180,
    170,
    160,
    150,
    140,
    130,
    125,
    120,
    115,
    110,
    105,
    102,
]
C_K = [90, 80, 60, 50, 45, 40, 35, 30, 25, 20, 18, 15, 12, 11, 10, 8, 6.6, 4.4]


def fifty_customers() -> pd.DataFrame:
    """Each customer's year split into four quarterly invoices, one of them partly returned."""
    rows = []
    for i, thousands in enumerate(A_K + B_K + C_K):
        amount = thousands * 1000
        for q, part in enumerate((0.4, 0.3, 0.2, 0.15)):
            rows.append((f"K{i:02d}", f"2025-{3 * q + 1:02d}-15", round(amount * part, 2)))
        rows.append((f"K{i:02d}", "2025-12-20", round(-amount * 0.05, 2)))
    rows.append(("K00", "2024-12-31", 99_999.0))  # another year: left out with year=2025
    return pd.DataFrame(
        {
            "customer_id": [r[0] for r in rows],
            "date": pd.to_datetime([r[1] for r in rows]),
            "amount": [r[2] for r in rows],
        }
    )


def test_sources_fifty_customer_example() -> None:
    revenue = revenue_by_customer(fifty_customers(), year=2025)
    assert len(revenue) == 50
    assert revenue.sum() == pytest.approx(22_630_000, abs=1)
    assert revenue.max() == pytest.approx(4_300_000) and revenue.min() == pytest.approx(4_400)
    assert revenue.mean() == pytest.approx(450_000, rel=0.01)  # "mean 0.45M"
    summary = abc_summary(abc_classes(revenue)).set_index("abc_class")
    assert summary.loc["A", "customers"] == 7 and summary.loc["A", "customer_share"] == pytest.approx(0.14)
    assert summary.loc["A", "revenue"] == pytest.approx(15_580_000, abs=1)
    assert round(summary.loc["A", "revenue_share"] * 100) == 69
    assert summary.loc["B", "customers"] == 25 and summary.loc["B", "customer_share"] == pytest.approx(0.50)
    assert summary.loc["B", "revenue"] == pytest.approx(6_490_000, abs=1)
    assert round(summary.loc["B", "revenue_share"] * 100) == 29
    assert summary.loc["C", "customers"] == 18


def test_hand_computed_shares_with_ties() -> None:
    table = abc_classes(pd.Series({"a": 50.0, "b": 30.0, "c": 10.0, "d": 10.0, "e": 0.0}), shares=(80, 15))
    # Revenue above each: a 0 %, b 50 %, c and d 80 % (a tie: both B), e 100 %.
    assert table.set_index("customer_id")["abc_class"].to_dict() == {"a": "A", "b": "A", "c": "B", "d": "B", "e": "C"}
    assert table["rank"].tolist() == [1, 2, 3, 3, 5]
    assert table["cumulative_share"].tolist() == pytest.approx([0.5, 0.8, 0.9, 1.0, 1.0])


def test_shares_as_fractions_are_percentages() -> None:
    """A cell showing 80 % holds 0.8: shares both at most 1 are fractions of the total, as Excel's own functions
    take them; a fraction beside a percentage (0.8 and 15) is refused rather than read as 0.8 %."""
    revenue = pd.Series({"a": 50.0, "b": 30.0, "c": 10.0, "d": 10.0, "e": 0.0})
    percent = abc_classes(revenue, shares=(80, 15))
    pd.testing.assert_frame_equal(abc_classes(revenue, shares=(0.8, 0.15)), percent)
    assert abc_classes(revenue, shares=(0.5, 0))["abc_class"].tolist() == ["A", "C", "C", "C", "C"]
    with pytest.raises(InputError, match=r"0\.8,15: a fraction beside a percentage"):
        abc_classes(revenue, shares=(0.8, 15))
    with pytest.raises(InputError, match="at most 100, got 90,20"):
        abc_classes(revenue, shares=(0.9, 0.2))
    # An A share of 1 or more is in percent, whatever B is (80,1 is A 80 %, B 1 %; 1,0 is A 1 %, not 100 %): found
    # by a review, the percent reading refused 80,1 and read 1,0 as every customer A.
    pd.testing.assert_frame_equal(abc_classes(revenue, shares=(80, 1)), abc_classes(revenue, shares=(0.8, 0.01)))
    assert abc_classes(revenue, shares=(1, 0))["abc_class"].tolist() == ["A", "C", "C", "C", "C"]
    with pytest.raises(InputError, match=r"80,0\.15: a fraction beside a percentage"):
        abc_classes(revenue, shares=(80, 0.15))  # B 0.15 %, or a cell formatted as 15 %: asked, not guessed


def test_thresholds_are_inclusive_minimums() -> None:
    table = abc_classes(pd.Series({"x": 1_000_000.0, "y": 999_999.99, "z": 100_000.0, "w": 99_999.0}))
    assert table.set_index("customer_id")["abc_class"].to_dict() == {"x": "A", "y": "B", "z": "B", "w": "C"}


def test_bad_input() -> None:
    revenue = pd.Series({"a": 1.0})
    with pytest.raises(InputError, match="not both"):
        abc_classes(revenue, thresholds=(2, 1), shares=(80, 15))
    with pytest.raises(InputError, match="decreasing"):
        abc_classes(revenue, thresholds=(100, 1000))
    with pytest.raises(InputError, match="at most 100"):
        abc_classes(revenue, shares=(90, 20))
    with pytest.raises(InputError, match="not positive"):
        abc_classes(pd.Series({"a": -5.0}), shares=(80, 15))
    with pytest.raises(InputError, match="no transactions in 2030"):
        revenue_by_customer(fifty_customers(), year=2030)
