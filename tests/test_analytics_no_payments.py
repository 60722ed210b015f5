"""A master whose Payments sheet is empty (the receipts were never entered): what was paid is unknown, not zero.

The review, the credit command and grade apply run on real master files written to disk and read back.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import python_calamine as calamine
from test_analytics_cli import small_master

from keyacct_xl.cli.main import main
from keyacct_xl.master.reader import load_master
from keyacct_xl.master.writer import save_master


def _without_payments(tmp_path: Path) -> Path:
    master = small_master()
    master.payments = master.payments.iloc[0:0]
    customers = master.customers
    # the terms a credit grade C (limit 0, terms 0) would overwrite
    customers["credit_limit"] = [800_000.0, 500_000.0, 200_000.0, 50_000.0]
    return save_master(master, tmp_path / "master.xlsx", backup=False)


def _rows(path: Path, sheet: str) -> list[list[object]]:
    return calamine.CalamineWorkbook.from_path(str(path)).get_sheet_by_name(sheet).to_python()


def test_no_payments_leaves_credit_unjudged_and_says_so_in_the_review(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _without_payments(tmp_path)
    out = tmp_path / "review.xlsx"
    assert main(["grade", str(path), "--year", "2025", "--out", str(out)]) == 0
    err = capsys.readouterr().err
    assert "总表没有收款记录（工作表 收款记录 为空）" in err
    warnings = [row[1] for row in _rows(out, "说明") if row and row[0] == "警告"]
    assert any(w.startswith("总表没有收款记录（工作表 收款记录 为空）") for w in warnings)
    table = [r for r in _rows(out, "评级审核") if r and r[2] in ("C1", "C2", "C3", "C4")]
    header = next(r for r in _rows(out, "评级审核") if "客户编号" in r)
    column = {h: i for i, h in enumerate(header)}
    for row in table:
        # not judged: no credit grade, no limit, no 0% on-time rate, and the reason says why
        assert row[column["建议信用等级"]] == "" and row[column["建议信用额度"]] == ""
        assert row[column["按时付款率"]] == ""
        assert row[column["信用依据"]].startswith("未评：总表没有收款记录")
    by_id = {r[2]: r for r in table}
    # C1 sells 2.5M with influence 5: the credit rule of VIP is not judged, so unknown payments do not cap it
    assert by_id["C1"][column["建议等级"]] == "VIP"
    assert "信用等级未评（收款记录为空）" in by_id["C1"][column["评级依据"]]
    assert all(r[0] != "C1" for r in _rows(out, "(D) 信用等级与特殊结算")[5:])
    # the same master with its receipts: C3, which bought 150,000 on 30 days and paid nothing, is judged from its
    # ledger as before, not left blank
    path = save_master(small_master(), tmp_path / "paid.xlsx", backup=False)
    assert main(["grade", str(path), "--year", "2025", "--out", str(out)]) == 0
    assert not any(len(r) > 1 and "收款记录" in str(r[1]) for r in _rows(out, "说明"))
    c3 = next(r for r in _rows(out, "评级审核") if r[2] == "C3")
    assert c3[column["建议信用等级"]] == "C" and c3[column["按时付款率"]] == 0.0


def test_grade_apply_keeps_credit_grade_limit_and_terms_when_no_payment_is_recorded(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _without_payments(tmp_path)
    before = load_master(path).customers.set_index("customer_id")
    assert main(["grade", str(path), "--year", "2025"]) == 0
    assert main(["grade", "apply", str(path), "--approved-by", "刘总监", "--date", "2025-12-28"]) == 0
    after = load_master(path).customers.set_index("customer_id")
    for column in ("credit_grade", "credit_limit", "payment_terms_days"):
        pd.testing.assert_series_equal(after[column], before[column])
    assert after.loc["C1", "grade"] == "VIP"


def test_credit_command_counts_unjudged_grades_and_warns(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _without_payments(tmp_path)
    assert main(["credit", str(path), "--as-of", "2025-12-31", "--lang", "en"]) == 0
    captured = capsys.readouterr()
    assert "not judged: 4" in captured.out
    assert "the master records no payments (sheet Payments is empty)" in captured.err


def test_grade_apply_says_credit_was_not_set_and_every_history_row_says_why(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _without_payments(tmp_path)
    assert main(["grade", str(path), "--year", "2025"]) == 0
    capsys.readouterr()
    assert main(["grade", "apply", str(path), "--approved-by", "王经理", "--date", "2025-12-28"]) == 0
    out = capsys.readouterr().out
    assert "4 个客户的信用等级、信用额度和账期未设定，保持原样：总表没有收款记录（工作表 收款记录 为空）" in out
    history = [r for r in _rows(path, "等级历史")[1:] if r and r[1]]
    assert {r[1] for r in history} == {"C1", "C2", "C3", "C4"}
    # C4 is a new customer (first trade 2025-10): its provisional grade's sentence carries the note too
    reason = {r[1]: r[10] for r in history}
    assert reason["C4"].startswith("新客户")
    assert all(text.endswith("信用等级未评（收款记录为空）") for text in reason.values())
