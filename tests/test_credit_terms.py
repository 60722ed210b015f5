"""Trading terms per credit grade: grade apply and credit apply write the limit and payment terms of the final credit
grade, record old and new values in GradeHistory and never overwrite a manual override."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from keyacct_xl.analytics.credit_terms import average_monthly_sales, grade_terms, is_override
from keyacct_xl.analytics.policy import load_credit_policy
from keyacct_xl.analytics.review_sheet import read_review_sheet
from keyacct_xl.cli.main import main
from keyacct_xl.demo.company import generate_demo
from keyacct_xl.errors import SpecError
from keyacct_xl.master.model import Master
from keyacct_xl.master.reader import load_master
from keyacct_xl.master.settings import settings_from
from keyacct_xl.master.writer import save_master

SHIPPED = {"A": (500_000.0, 60), "B": (200_000.0, 30), "C": (0.0, 0)}


def _terms(master: Master) -> pd.DataFrame:
    return master.customers.set_index("customer_id")[
        ["credit_grade", "credit_limit", "payment_terms_days", "credit_override"]
    ]


@pytest.fixture(scope="module")
def demo_applied(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, pd.DataFrame, pd.DataFrame]:
    """The demo master graded for last year and applied: the path, Customers before, the review applied."""
    path = tmp_path_factory.mktemp("credit-terms") / "master.xlsx"
    save_master(generate_demo(), path, backup=False)
    before = _terms(load_master(path))
    year = int(load_master(path).transactions["date"].max().year) - 1
    assert main(["grade", str(path), "--year", str(year)]) == 0
    review = read_review_sheet(path)
    assert main(["grade", "apply", str(path), "--date", f"{year + 1}-01-05", "--approved-by", "王经理"]) == 0
    return path, before, review


def test_grade_apply_on_the_demo_writes_the_terms_of_the_final_credit_grade(demo_applied) -> None:
    path, before, review = demo_applied
    master = load_master(path)
    after = _terms(master)
    graded = review["customer_id"].astype(str)
    overridden = before["credit_override"].map(is_override)
    assert overridden.sum() >= 3  # the demo's hand-approved terms
    for cid in graded:
        grade = after.at[cid, "credit_grade"]
        if overridden[cid]:
            assert after.at[cid, "credit_limit"] == before.at[cid, "credit_limit"], cid
            assert after.at[cid, "payment_terms_days"] == before.at[cid, "payment_terms_days"], cid
        else:
            assert (after.at[cid, "credit_limit"], after.at[cid, "payment_terms_days"]) == SHIPPED[grade], cid
    # GradeHistory holds old and new values in the year's latest row of every graded customer (the demo's own
    # rows of that year stay as they were; a changed decision is a row after them).
    year = int(review["year"].iloc[0])
    history = master.grade_history[master.grade_history["year"] == year]
    history = history.drop_duplicates("customer_id", keep="last").set_index("customer_id")
    assert set(history.index) == set(graded)
    changed = [
        c
        for c in graded
        if not overridden[c] and before.at[c, "credit_limit"] != SHIPPED[after.at[c, "credit_grade"]][0]
    ]
    assert changed
    for cid in changed:
        assert history.at[cid, "limit_before"] == before.at[cid, "credit_limit"]
        assert history.at[cid, "limit_after"] == after.at[cid, "credit_limit"]
        assert history.at[cid, "terms_before"] == before.at[cid, "payment_terms_days"]
        assert history.at[cid, "terms_after"] == after.at[cid, "payment_terms_days"]
    for cid in overridden[overridden].index.intersection(graded):
        assert history.at[cid, "limit_after"] == before.at[cid, "credit_limit"]


def test_grade_apply_again_and_credit_apply_change_nothing(demo_applied, capsys) -> None:
    path, _, review = demo_applied
    # The year's grading leaves out customers whose first trade came after it: the grading applied none of their
    # terms, so a first credit apply writes theirs and no graded customer's.
    graded = _terms(load_master(path))
    assert main(["credit", "apply", str(path), "--date", "2026-01-06", "--lang", "en"]) == 0
    applied = _terms(load_master(path))
    changed = [cid for cid in applied.index if not applied.loc[cid].equals(graded.loc[cid])]
    assert changed
    assert set(changed).isdisjoint(review["customer_id"].astype(str))
    capsys.readouterr()
    master = load_master(path)
    assert main(["grade", "apply", str(path), "--date", "2026-01-06", "--lang", "en"]) == 0
    assert main(["credit", "apply", str(path), "--date", "2026-01-06", "--lang", "en"]) == 0
    out = capsys.readouterr().out
    assert "nothing to change" in out and "credit terms updated for 0 customer(s)" in out
    again = load_master(path)
    pd.testing.assert_frame_equal(again.customers, master.customers)
    pd.testing.assert_frame_equal(again.grade_history, master.grade_history)


def small_master() -> Master:
    master = Master.empty(settings=settings_from({"payment_terms_b": 45}))
    customers = pd.DataFrame(
        {
            "customer_id": ["C1", "C2", "C3", "C4", "C5"],
            "name": ["甲", "乙", "丙", "丁", "戊"],
            "grade": ["A", "B", "C", "B", "A"],
            "credit_grade": ["A", "B", "C", "A", None],
            "credit_limit": [10_000.0, 1.0, 5_000.0, 888_888.0, 7.0],
            "payment_terms_days": pd.array([15, 15, 15, 90, 7], dtype="Int64"),
            "credit_override": [None, "无", "否", "总经理特批 2026-03", None],
        }
    )
    master.customers = customers.reindex(columns=master.customers.columns).astype(master.customers.dtypes.to_dict())
    return master


def test_credit_apply_records_changes_and_keeps_overrides(tmp_path: Path, capsys) -> None:
    path = save_master(small_master(), tmp_path / "master.xlsx", backup=False)
    assert main(["credit", "apply", str(path), "--date", "2026-03-31", "--approved-by", "王经理", "--lang", "en"]) == 0
    assert (
        "credit terms updated for 3 customer(s), 1 manual override(s) kept; grade history: 3 row(s) added"
        in capsys.readouterr().out
    )
    master = load_master(path)
    terms = _terms(master)
    # B's days come from the Settings sheet (payment_terms_b 45); 无 and 否 mark no override; C5 has no credit grade.
    assert terms["credit_limit"].tolist() == [500_000.0, 200_000.0, 0.0, 888_888.0, 7.0]
    assert terms["payment_terms_days"].tolist() == [60, 45, 0, 90, 7]
    history = master.grade_history.set_index("customer_id")
    assert list(history.index) == ["C1", "C2", "C3"] and set(history["year"]) == {2026}
    assert history.loc["C2", ["limit_before", "limit_after"]].tolist() == [1.0, 200_000.0]
    assert history.loc["C2", ["terms_before", "terms_after"]].tolist() == [15, 45]
    assert history.loc["C2", ["credit_before", "credit_after", "approved_by"]].tolist() == ["B", "B", "王经理"]
    # The same year, Settings changed: one more row for the change; the year's earlier rows are never rewritten.
    master.settings = settings_from({"payment_terms_b": 40})
    save_master(master, path, tables=["Settings"])
    earlier = load_master(path).grade_history
    assert main(["credit", "apply", str(path), "--date", "2026-04-01", "--lang", "en"]) == 0
    assert "grade history: 0 row(s) added, 1 more for a changed decision" in capsys.readouterr().out
    later = load_master(path).grade_history
    pd.testing.assert_frame_equal(later.iloc[: len(earlier)], earlier)
    added = later.iloc[len(earlier) :]
    assert added["customer_id"].tolist() == ["C2"]
    assert added[["terms_before", "terms_after", "applied_at"]].iloc[0].tolist() == [45, 40, pd.Timestamp("2026-04-01")]


def test_terms_from_settings_and_in_months_of_sales(tmp_path: Path) -> None:
    shipped = grade_terms(load_credit_policy(), settings_from({"credit_limit_b": 150_000, "payment_terms_a": 45}))
    a, b, c = shipped["A"], shipped["B"], shipped["C"]
    assert (a.payment_terms_days, b.credit_limit, c.handling) == (45, 150_000, "prepay")
    text = Path(load_credit_policy().source).read_text(encoding="utf-8")
    months = tmp_path / "months.yaml"
    months.write_text(text.replace("    credit_limit: 500000\n", "    credit_limit_months: 2\n"), encoding="utf-8")
    policy = load_credit_policy(months)
    sales = pd.DataFrame(
        {
            "customer_id": ["C1", "C1", "C1"],
            "amount": [60_000.0, 6_000.0, 999.0],
            "date": pd.to_datetime(["2025-04-01", "2026-03-31", "2025-03-31"]),
        }
    )  # the last is out
    monthly = average_monthly_sales(sales, as_of=pd.Timestamp("2026-03-31"), months=12)
    assert monthly["C1"] == pytest.approx(5_500.0)
    master = small_master()
    master.transactions = sales.reindex(columns=master.transactions.columns)
    master.customers.loc[master.customers["customer_id"] == "C4", "credit_override"] = None
    from keyacct_xl.analytics.credit_terms import apply_credit_terms

    apply_credit_terms(master, policy=policy, approved_by=None, applied_at=pd.Timestamp("2026-03-31"))
    limits = master.customers.set_index("customer_id")["credit_limit"]
    assert limits["C1"] == 11_000.0 and limits["C4"] == 0.0  # 2 months of 5,500; C4 sold nothing in the window


@pytest.mark.parametrize(
    ("replace", "key"),
    [
        ("    handling: allow\n", "grades[0].handling"),
        ("    payment_terms_days: 60\n", "grades[0].payment_terms_days"),
    ],
)
def test_credit_policy_terms_are_checked_on_load(tmp_path: Path, replace: str, key: str) -> None:
    text = Path(load_credit_policy().source).read_text(encoding="utf-8")
    broken = tmp_path / "broken.yaml"
    broken.write_text(
        text.replace(replace, replace.replace(": allow", ": maybe").replace(": 60", ": -1")), encoding="utf-8"
    )
    with pytest.raises(SpecError, match="broken.yaml: " + re.escape(key)):
        load_credit_policy(broken)
    both = tmp_path / "both.yaml"
    both.write_text(
        text.replace("    credit_limit: 500000\n", "    credit_limit: 500000\n    credit_limit_months: 2\n"),
        encoding="utf-8",
    )
    with pytest.raises(SpecError, match=r"grades\[0\]\.credit_limit_months"):
        load_credit_policy(both)


def test_override_marker_words() -> None:
    values = [None, "", "  ", "无", "否", "No", "0", "总经理特批", "特批：账期90天", np.nan]
    assert [is_override(v) for v in values] == [False, False, False, False, False, False, False, True, True, False]


def _set_limit(path: Path, customer: str, limit: float) -> None:
    """Finance types a limit into Customers after the apply, as a person would."""
    master = load_master(path)
    master.customers.loc[master.customers["customer_id"] == customer, "credit_limit"] = limit
    save_master(master, path, tables=["Customers"])


def test_credit_apply_undo_puts_the_last_applys_limits_and_terms_back(tmp_path: Path, capsys) -> None:
    path = save_master(small_master(), tmp_path / "master.xlsx", backup=False)
    before = _terms(load_master(path))
    assert main(["credit", "apply", str(path), "--date", "2026-03-31", "--approved-by", "王经理", "--lang", "en"]) == 0
    out = capsys.readouterr().out
    # each customer the apply changed, with its limit and terms before and after
    assert "  C2 乙: credit limit 1 → 200,000; payment terms (days) 15 → 45" in out
    assert "  C3 丙: credit limit 5,000 → 0; payment terms (days) 15 → 0" in out
    assert "C4" not in out and "C5" not in out  # the override and the customer without a credit grade kept theirs
    _set_limit(path, "C1", 123_456.0)  # C1's limit changed by hand since the apply
    applied = load_master(path)
    assert main(["credit", "apply", str(path), "--undo", "--date", "2026-04-02", "--lang", "en"]) == 0
    out = capsys.readouterr().out
    # value by value: C1's terms, still as the apply wrote them, put back; its limit kept and named
    assert out.splitlines() == [
        "credit apply No. 1 (2026-03-31) undone for 3 customer(s)",
        "  C1 甲: payment terms (days) 60 → 15",
        "  C2 乙: credit limit 200,000 → 1; payment terms (days) 45 → 15",
        "  C3 丙: credit limit 0 → 5,000; payment terms (days) 0 → 15",
        "1 value(s) of 1 customer(s) left as they are, changed since the credit terms were applied:",
        "  C1 甲: credit limit 123,456 (the apply wrote 500,000)",
    ]
    assert (tmp_path / "master.bak.xlsx").exists()  # the file before the undo kept, as by every writer
    undone = load_master(path)
    terms = _terms(undone)
    pd.testing.assert_frame_equal(terms.loc[["C2", "C3", "C4", "C5"]], before.loc[["C2", "C3", "C4", "C5"]])
    assert terms.loc["C1", ["credit_limit", "payment_terms_days"]].tolist() == [123_456.0, 15]
    # recorded as one more row per customer put back; the apply's rows are never rewritten
    history = undone.grade_history
    pd.testing.assert_frame_equal(history.iloc[:3], applied.grade_history)
    added = history.iloc[3:].set_index("customer_id")
    assert list(added.index) == ["C1", "C2", "C3"] and set(added["year"]) == {2026}
    # C1's row: the limit as it stays, the terms put back
    assert added.loc["C1", ["limit_before", "limit_after", "terms_before", "terms_after"]].tolist() == [
        123_456.0,
        123_456.0,
        60,
        15,
    ]
    assert added.loc["C2", ["limit_before", "limit_after", "terms_before", "terms_after"]].tolist() == [
        200_000.0,
        1.0,
        45,
        15,
    ]
    assert added.loc["C2", ["credit_before", "credit_after", "reason"]].tolist() == [
        "B",
        "B",
        "撤销信用等级 B 的信用条件",
    ]
    assert set(added["applied_at"]) == {pd.Timestamp("2026-04-02")}
    saved = path.read_bytes()
    assert main(["credit", "apply", str(path), "--undo", "--date", "2026-04-03"]) == 0  # again: nothing to put back
    assert capsys.readouterr().out.splitlines() == [  # C1's limit, changed by hand since, is still left as it is
        "没有可撤销的内容：信用条件应用序号 1（2026-03-31 应用）改动过的客户之后都已被改动",
        "1 个客户的 1 项值在应用信用条件之后已被改动，保持不变：",
        "  C1 甲：信用额度 123,456（应用时写入 500,000）",
    ]
    assert path.read_bytes() == saved


def test_credit_apply_undo_of_an_unnumbered_apply_changed_since_says_nothing_to_undo(tmp_path: Path, capsys) -> None:
    """Rows written before applies were numbered (应用序号 blank), every customer they changed set by hand since:
    nothing is put back, the line says so, and the file stays as it is."""
    path = save_master(small_master(), tmp_path / "master.xlsx", backup=False)
    assert main(["credit", "apply", str(path), "--date", "2026-03-31"]) == 0
    master = load_master(path)
    master.grade_history["apply_no"] = pd.NA  # as an older release wrote the rows
    changed = master.grade_history["customer_id"].unique()
    master.customers.loc[master.customers["customer_id"].isin(changed), "credit_limit"] = 77_000.0
    master.customers.loc[master.customers["customer_id"].isin(changed), "payment_terms_days"] = 77
    save_master(master, path, tables=["Customers", "GradeHistory"])
    saved = path.read_bytes()
    capsys.readouterr()
    assert main(["credit", "apply", str(path), "--undo", "--lang", "en"]) == 0
    assert capsys.readouterr().out.splitlines()[0] == (
        "nothing to undo: every customer the credit terms applied on 2026-03-31 changed was changed since"
    )
    assert main(["credit", "apply", str(path), "--undo"]) == 0
    assert capsys.readouterr().out.splitlines()[0] == (
        "没有可撤销的内容：2026-03-31 应用的信用条件改动过的客户之后都已被改动"
    )
    assert path.read_bytes() == saved


def test_credit_apply_undo_takes_back_only_the_last_apply(tmp_path: Path, capsys) -> None:
    path = save_master(small_master(), tmp_path / "master.xlsx", backup=False)
    assert main(["credit", "apply", str(path), "--date", "2026-03-31"]) == 0
    master = load_master(path)
    master.settings = settings_from({"payment_terms_b": 40})
    save_master(master, path, tables=["Settings"])
    first = _terms(load_master(path))
    assert main(["credit", "apply", str(path), "--date", "2026-03-31"]) == 0  # the same date: still a run of its own
    assert main(["credit", "apply", str(path), "--undo", "--lang", "en"]) == 0
    out = capsys.readouterr().out
    assert "credit apply No. 2 (2026-03-31) undone for 1 customer(s)\n  C2 乙: payment terms (days) 40 → 45\n" in out
    pd.testing.assert_frame_equal(_terms(load_master(path)), first)


def test_credit_apply_undo_finds_the_rows_of_a_master_in_english(tmp_path: Path, capsys) -> None:
    master = small_master()
    master.lang = "en"
    path = save_master(master, tmp_path / "master.xlsx", backup=False)
    before = _terms(load_master(path))
    assert main(["credit", "apply", str(path), "--date", "2026-03-31"]) == 0
    assert set(load_master(path).grade_history["reason"]) == {
        "credit terms of grade A",
        "credit terms of grade B",
        "credit terms of grade C",
    }
    assert main(["credit", "apply", str(path), "--undo"]) == 0
    # an English master is answered in English without --lang
    assert capsys.readouterr().out.splitlines()[-4] == "credit apply No. 1 (2026-03-31) undone for 3 customer(s)"
    pd.testing.assert_frame_equal(_terms(load_master(path)), before)


@pytest.mark.parametrize(
    ("lang", "line"),
    [
        ("en", "nothing to undo: the grade history holds no credit apply"),
        ("zh", "没有可撤销的内容：等级历史中没有应用信用条件的记录"),
    ],
)
def test_credit_apply_undo_without_a_credit_apply_says_so_in_one_line(
    tmp_path: Path, capsys, lang: str, line: str
) -> None:
    path = save_master(small_master(), tmp_path / "master.xlsx", backup=False)
    saved = path.read_bytes()
    assert main(["credit", "apply", str(path), "--undo", "--lang", lang]) == 0
    assert capsys.readouterr().out == line + "\n"
    assert path.read_bytes() == saved


def test_credit_apply_undo_names_a_customer_removed_since_and_refuses_repeated_ids(tmp_path: Path, capsys) -> None:
    path = save_master(small_master(), tmp_path / "master.xlsx", backup=False)
    assert main(["credit", "apply", str(path), "--date", "2026-03-31"]) == 0
    master = load_master(path)
    master.customers = master.customers[master.customers["customer_id"] != "C3"].reset_index(drop=True)
    save_master(master, path, tables=["Customers"])  # C3 taken out of Customers after the apply
    capsys.readouterr()
    assert main(["credit", "apply", str(path), "--undo", "--date", "2026-04-02", "--lang", "en"]) == 0
    assert (  # not passed over in silence
        "1 customer(s) no longer in sheet Customers since the credit terms were applied, nothing put back: C3"
        in capsys.readouterr().out
    )
    master = load_master(path)
    master.customers = pd.concat([master.customers, master.customers.iloc[[0]]], ignore_index=True)
    save_master(master, path, tables=["Customers"])  # C1 twice: which row's terms would go back?
    saved = path.read_bytes()
    assert main(["credit", "apply", str(path), "--undo", "--lang", "en"]) == 2
    assert "appear more than once" in capsys.readouterr().err and path.read_bytes() == saved


def test_credit_apply_over_a_limit_typed_since_records_it_and_its_undo_puts_the_typed_limit_back(
    tmp_path: Path, capsys
) -> None:
    """Applied, C1's limit typed by hand, applied again: the second apply wrote 500,000 over 123,456 and recorded
    nothing (C1's row of the year already held 500,000), so its undo took back the first apply instead."""
    path = save_master(small_master(), tmp_path / "master.xlsx", backup=False)
    assert main(["credit", "apply", str(path), "--date", "2026-03-31"]) == 0
    _set_limit(path, "C1", 123_456.0)
    typed = _terms(load_master(path))
    capsys.readouterr()
    assert main(["credit", "apply", str(path), "--date", "2026-04-01", "--lang", "en"]) == 0
    out = capsys.readouterr().out
    assert "  C1 甲: credit limit 123,456 → 500,000" in out
    assert "recorded as credit apply No. 2 in the grade history; credit apply --undo takes it back" in out
    history = load_master(path).grade_history
    assert history.iloc[-1][["customer_id", "limit_before", "limit_after", "apply_no"]].tolist() == [
        "C1",
        123_456.0,
        500_000.0,
        2,
    ]
    assert main(["credit", "apply", str(path), "--undo", "--date", "2026-04-02", "--lang", "en"]) == 0
    assert "credit apply No. 2 (2026-04-01) undone for 1 customer(s)\n  C1 甲: credit limit 500,000 → 123,456" in (
        capsys.readouterr().out
    )
    pd.testing.assert_frame_equal(_terms(load_master(path)), typed)


def test_invoices_issued_before_credit_apply_keep_the_terms_they_were_issued_under(tmp_path: Path) -> None:
    """An invoice is due by the terms in force when it was issued: credit apply changing C2's terms 15 -> 45 days on
    2026-03-31 leaves the ageing of its January invoice where it was (in the trial, C0011's 90 -> 30 moved an
    invoice from 逾期1-30天 to 逾期61-90天 and the overdue total from ¥5.36 m to ¥6.66 m with the same sales); an
    invoice issued on or after the apply's date is due by the new terms, later (C2's 45 days) or sooner (C3's 0)."""
    master = small_master()
    sales = pd.DataFrame(
        {
            "customer_id": ["C2", "C2", "C3"],
            "doc_no": ["S1", "S2", "S3"],
            "date": pd.to_datetime(["2026-01-10", "2026-04-10", "2026-04-20"]),
            "amount": [1000.0, 500.0, 300.0],
        }
    )
    master.transactions = sales.reindex(columns=master.transactions.columns)
    path = save_master(master, tmp_path / "master.xlsx", backup=False)
    out = tmp_path / "ageing.csv"

    def ageing() -> dict[str, list[float]]:
        assert main(["ageing", str(path), "--as-of", "2026-04-30", "--out", str(out), "--lang", "en"]) == 0
        frame = pd.read_csv(out, encoding="utf-8-sig", dtype={"Customer ID": str}).set_index("Customer ID")
        columns = ["Not Due", "1-30 Days Overdue", "31-60 Days Overdue", "61-90 Days Overdue", "91-180 Days Overdue"]
        return {c: frame.loc[c, columns].tolist() for c in ("C2", "C3")}

    # C2's S1 due 01-25 (15 days): 95 days overdue; S2 due 04-25: 5 days. C3's S3 due 05-05: not due.
    before = ageing()
    assert before == {"C2": [0, 500, 0, 0, 1000], "C3": [300, 0, 0, 0, 0]}
    assert main(["credit", "apply", str(path), "--date", "2026-03-31", "--lang", "en"]) == 0
    assert load_master(path).customers.set_index("customer_id").loc["C2", "payment_terms_days"] == 45
    # S1 (issued before the apply) is still due 01-25; S2 (issued after) is due 05-25 under 45 days: not due.
    # C3 went 15 -> 0 days: S3, issued 04-20 after the apply, is due that day, 10 days overdue.
    assert ageing() == {"C2": [500, 0, 0, 0, 1000], "C3": [0, 300, 0, 0, 0]}
