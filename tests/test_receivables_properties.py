"""Reconciliation properties on random statements: every source row once, a zero unexplained remainder."""

from __future__ import annotations

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from keyacct_xl.receivables.matching import MatchOptions, _candidate_pairs, _Line
from keyacct_xl.receivables.reconcile import reconcile
from keyacct_xl.receivables.statement_reader import Statement

# Refs drawn from a small set repeat (the per-line passes); U1..U6 are often unique (the bulk pass 1).
REFS = ["", "S1", "S2", "S3", "R1", "R2", "U1", "U2", "U3", "U4", "U5", "U6"]
line = st.tuples(
    st.integers(0, 40),
    st.sampled_from(REFS),
    st.one_of(
        st.integers(-300_000, 300_000).map(lambda c: c / 100),
        st.just(float("nan")),
        st.sampled_from([100.0, 250.0, -350.0]),
    ),
)


def statement(name: str, lines: list[tuple], opening: float | None, closing: float | None) -> Statement:
    frame = pd.DataFrame(
        {
            "row": [str(i + 5) for i in range(len(lines))],
            "date": pd.to_datetime([pd.Timestamp("2026-10-01") + pd.Timedelta(days=d) for d, _, _ in lines]).astype(
                "datetime64[ns]"
            )
            if lines
            else pd.Series([], dtype="datetime64[ns]"),
            "ref": [r for _, r, _ in lines],
            "description": [""] * len(lines),
            "amount": pd.Series([a for _, _, a in lines], dtype="float64"),
        }
    )
    return Statement(name, "", frame, opening, closing)


balances = st.one_of(st.none(), st.integers(-(10**6), 10**6).map(lambda c: c / 100))


@settings(max_examples=80, deadline=None)
@given(
    ours=st.lists(line, min_size=1, max_size=14),
    theirs=st.lists(line, min_size=1, max_size=14),
    o_open=balances,
    t_open=balances,
    o_close=balances,
    t_close=balances,
    budget=st.sampled_from([5, 200_000]),
)
def test_every_row_once_and_remainder_zero(ours, theirs, o_open, t_open, o_close, t_close, budget):
    a, b = statement("ours", ours, o_open, o_close), statement("theirs", theirs, t_open, t_close)
    result = reconcile(a, b, options=MatchOptions(group_budget=budget), lang="en")
    for column, side in (("ours_row", a), ("theirs_row", b)):
        seen = sorted(r for cell in result.table[column] for r in str(cell).split(";") if r)
        assert seen == sorted(side.lines["row"])
    assert result.remainder == 0
    explained = result.summary["amount"].iloc[3:-1].sum()
    assert round(result.ours_closing - result.theirs_closing - explained, 2) == 0
    matched = result.table[result.table["status"] == "matched"]
    assert (matched["difference"].abs() <= 0.01 + 1e-9).all()
    assert set(result.table["status"]) <= {"matched", "amount_mismatch", "only_ours", "only_theirs"}


amount_lines = st.lists(
    st.tuples(st.sampled_from(["", "A", "B"]), st.integers(-3, 40), st.sampled_from([-100, 99, 100, 101, 250, 5000])),
    max_size=12,
)


@settings(max_examples=60, deadline=None)
@given(xs=amount_lines, ys=amount_lines, tol=st.sampled_from([0, 1, 3, 200]), reach=st.sampled_from([0, 1, 7]))
def test_amount_candidates_are_every_close_pair_best_first(xs, ys, tol, reach):
    """The candidate search (bisection in amount-sorted lines) finds exactly the pairs of one customer within the
    tolerance and the date window, ranked by amount difference, date gap, our date, then positions."""
    ours = [
        _Line(index=i, row=str(i), date=d, ref="", keys=frozenset(), cents=c, customer=k)
        for i, (k, d, c) in enumerate(xs)
    ]
    theirs = [
        _Line(index=i, row=str(i), date=d, ref="", keys=frozenset(), cents=c, customer=k)
        for i, (k, d, c) in enumerate(ys)
    ]
    if not ours or not theirs:
        return
    i, j = _candidate_pairs(ours, theirs, tol, reach)
    expected = sorted(
        (abs(x.cents - y.cents), abs(x.date - y.date), x.date, p, q)
        for p, x in enumerate(ours)
        for q, y in enumerate(theirs)
        if x.customer == y.customer and abs(x.cents - y.cents) <= tol and abs(x.date - y.date) <= reach
    )
    assert list(zip(i.tolist(), j.tolist())) == [(p, q) for *_, p, q in expected]
