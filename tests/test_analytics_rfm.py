"""RFM and its scoring rule: hand-computed examples and hypothesis properties."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import keyacct_xl
from keyacct_xl.analytics.rfm import RFM_COLUMNS, class_summary, rfm
from keyacct_xl.analytics.scoring import quintile_scores, rfm_breaks, score
from keyacct_xl.errors import InputError


def _tx(rows: list[tuple[str, str, float, str | None]]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "customer_id": [r[0] for r in rows],
            "date": pd.to_datetime([r[1] for r in rows]),
            "amount": [r[2] for r in rows],
            "doc_no": [r[3] for r in rows],
        }
    )


HAND = _tx(
    [
        ("A", "2026-01-01", 100.0, "1"),
        ("A", "2026-03-01", 200.0, "2"),
        ("B", "2026-02-01", 50.0, "3"),
        ("C", "2026-03-05", 10.0, "4"),
        ("C", "2026-03-05", 20.0, "5"),
        ("C", "2026-03-10", -5.0, "6"),
        ("D", "2025-01-01", 1000.0, "7"),
    ]
)


def test_hand_computed_rfm() -> None:
    assert keyacct_xl.rfm is rfm
    table = rfm(HAND)
    assert list(table.columns) == RFM_COLUMNS
    got = table.set_index("customer_id")
    # as_of = 2026-03-10 (latest line, the return); C's return is not a purchase but reduces money.
    assert got["recency_days"].to_dict() == {"A": 9, "B": 37, "C": 5, "D": 433}
    assert got["frequency"].to_dict() == {"A": 2, "B": 1, "C": 2, "D": 1}
    assert got["monetary"].to_dict() == {"A": 300.0, "B": 50.0, "C": 25.0, "D": 1000.0}
    assert got["avg_order_value"].to_dict() == {"A": 150.0, "B": 50.0, "C": 12.5, "D": 1000.0}
    # Recency breaks of [9, 37, 5, 433]: 7.4, 9.8, 30.2, 115.6 -> C below all (5), A below three (4) ...
    assert got["r_score"].to_dict() == {"A": 4, "B": 2, "C": 5, "D": 1}
    # Frequency [2, 1, 2, 1]: breaks 1, 1, 1.8, 2 -> 1s beat none (1), 2s beat three (4).
    assert got["f_score"].to_dict() == {"A": 4, "B": 1, "C": 4, "D": 1}
    assert got["m_score"].to_dict() == {"A": 4, "B": 2, "C": 1, "D": 5}
    assert got.loc["A", "rfm_code"] == "444"
    # Means: recency 121, frequency 1.5, money 343.75.
    assert got["rfm_class"].to_dict() == {
        "A": "general_value",
        "B": "general_development",
        "C": "general_value",
        "D": "important_winback",
    }
    assert got.loc["D", "rfm_class_label"] == "重要挽留客户"
    assert rfm(HAND, lang="en").set_index("customer_id").loc["D", "rfm_class_label"] == "Important win-back"


def test_frequency_by_dates_without_orders_average_money_and_period() -> None:
    table = rfm(HAND.drop(columns="doc_no"), monetary="average").set_index("customer_id")
    assert table.loc["C", "frequency"] == 1  # two lines on one date are one purchase
    assert table.loc["C", "monetary"] == 25.0
    assert table.loc["A", "monetary"] == 150.0
    recent = rfm(HAND, as_of="2026-03-01", period_months=2).set_index("customer_id")
    # Window (2026-01-01, 2026-03-01]: A's January line is on the boundary and excluded; C and D fall out.
    assert sorted(recent.index) == ["A", "B"]
    assert recent.loc["A", "frequency"] == 1 and recent.loc["A", "recency_days"] == 0


def test_order_numbers_blank_on_some_lines_count_by_date() -> None:
    tx = _tx(
        [
            ("A", "2026-01-01", 10.0, "X1"),
            ("A", "2026-01-01", 10.0, None),
            ("A", "2026-01-02", 5.0, None),
            ("A", "2026-01-02", 5.0, None),
        ]
    )
    assert rfm(tx).loc[0, "frequency"] == 3


def test_class_summary_shares() -> None:
    summary = class_summary(rfm(HAND)).set_index("rfm_class")
    assert summary.loc["general_value", "customers"] == 2
    assert summary.loc["general_value", "revenue"] == pytest.approx(325.0)
    assert summary["customer_share"].sum() == pytest.approx(1.0)
    assert summary["revenue_share"].sum() == pytest.approx(1.0)


def test_scores_hand_computed_breaks_and_small_populations() -> None:
    assert list(rfm_breaks(range(1, 101))) == pytest.approx([20.8, 40.6, 60.4, 80.2])
    assert np.bincount(quintile_scores(np.arange(1, 101)))[1:].tolist() == [20] * 5
    assert quintile_scores([1, 1, 1, 1, 1, 1, 1, 2, 3]).tolist() == [1] * 7 + [5, 5]
    assert quintile_scores([7.0]).tolist() == [1]
    assert score([5, 25, 95], [10, 20, 30, 40], higher_is_better=False).tolist() == [5, 3, 1]


def test_bad_input() -> None:
    # The table and its columns are named as the user's master names them, not by the program's keys.
    with pytest.raises(InputError, match=r"Transactions: missing column\(s\) Amount; columns seen: Customer ID") as exc:
        rfm(HAND.drop(columns="amount"))
    assert exc.value.message("zh").startswith("销售明细：缺少列 金额；")
    bad = HAND.copy()
    bad.loc[3, "date"] = pd.NaT
    with pytest.raises(InputError, match=r"Date is blank in data row\(s\) 4") as exc:  # the 4th line, HAND.loc[3]
        rfm(bad)
    assert exc.value.message("zh") == "销售明细：第 4 行数据的 日期 为空"
    with pytest.raises(InputError, match="no rows") as exc:
        rfm(HAND.iloc[0:0])
    assert exc.value.message("zh") == "销售明细：没有数据行"
    with pytest.raises(InputError, match="no purchases"):
        rfm(HAND, as_of="2020-01-01")
    with pytest.raises(InputError, match="monetary must be total or average"):
        rfm(HAND, monetary="median")  # type: ignore[arg-type]


values = st.lists(st.integers(0, 6).map(float) | st.floats(-1e6, 1e6, allow_nan=False), min_size=1, max_size=40)


@given(values, st.booleans())
def test_scores_equal_values_equal_scores_and_monotone(vals: list[float], higher: bool) -> None:
    scores = quintile_scores(vals, higher_is_better=higher)
    assert set(scores.tolist()) <= {1, 2, 3, 4, 5}
    order = np.argsort(vals, kind="stable")
    ordered = scores[order] if higher else scores[order][::-1]
    assert (np.diff(ordered) >= 0).all()  # never decreases as the value improves
    for v in set(vals):
        assert len(set(scores[np.asarray(vals) == v].tolist())) == 1


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 7), st.integers(0, 60), st.integers(1, 3) | st.integers(-50, 500)),
        min_size=1,
        max_size=60,
    )
)
def test_rfm_classes_agree_with_means(lines: list[tuple[int, int, int]]) -> None:
    tx = pd.DataFrame(
        {
            "customer_id": [f"C{c}" for c, _, _ in lines],
            "date": pd.Timestamp("2026-01-01") + pd.to_timedelta([d for _, d, _ in lines], unit="D"),
            "amount": [float(a) for _, _, a in lines],
        }
    )
    if not (tx["amount"] > 0).any():
        with pytest.raises(InputError):
            rfm(tx)
        return
    table = rfm(tx)
    r_up = table["recency_days"] < table["recency_days"].mean()
    f_up = table["frequency"] > table["frequency"].mean()
    m_up = table["monetary"] > table["monetary"].mean()
    important = table["rfm_class"].str.startswith("important")
    assert (important == m_up).all()
    assert (table["rfm_class"].str.endswith(("value", "development")) == r_up).all()
    assert (table["rfm_class"].str.endswith(("value", "retention")) == f_up).all()
    for column, key in (("recency_days", "r_score"), ("frequency", "f_score"), ("monetary", "m_score")):
        assert (table.groupby(column)[key].nunique() == 1).all()
