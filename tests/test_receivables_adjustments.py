"""Adjustments (调账): reconcile → decide in the workbook (as a user does, with openpyxl) → apply → reconcile again.

The customer's statement differs from our books in four planted ways: S2 they booked at 2,950 (we 3,000), S9 only
we have, their receipt R7 we never booked, and S5 at month end they have not booked yet.
"""

from __future__ import annotations

import zipfile

import openpyxl
import pandas as pd
import pytest
import python_calamine as calamine
from reportbook import pdf_pages, table_ref

from keyacct_xl.analytics.credit_run import run_credit_check
from keyacct_xl.briefing.usecase import run_gm_pack
from keyacct_xl.cli.main import main
from keyacct_xl.errors import InputError
from keyacct_xl.master.adjustments import ADJUSTMENTS
from keyacct_xl.master.model import Master
from keyacct_xl.master.reader import load_master
from keyacct_xl.master.writer import save_master
from keyacct_xl.receivables.adjustments import read_decisions
from keyacct_xl.receivables.master_lines import master_lines
from keyacct_xl.receivables.reconcile import reconcile
from keyacct_xl.receivables.statement_reader import read_statement
from keyacct_xl.receivables.usecase import run_ageing
from tests.test_receivables_ledger import pay, tx


def write_master(path) -> None:
    master = Master.empty()
    customers = pd.DataFrame(
        {
            "customer_id": ["C1", "C2"],
            "name": ["甲公司", "乙公司"],
            "credit_grade": ["A", "A"],
            "credit_limit": [20000.0, 5000.0],
            "payment_terms_days": pd.array([30, 30], dtype="Int64"),
        }
    )
    master.customers = customers.reindex(columns=master.customers.columns).astype(master.customers.dtypes.to_dict())
    master.transactions = tx(
        ("C1", "S0", "2026-09-20", 1000.0),
        ("C1", "S1", "2026-10-03", 5000.0),
        ("C1", "S2", "2026-10-05", 3000.0),
        ("C1", "S9", "2026-10-12", 800.0),
        ("C1", "S5", "2026-10-30", 700.0),
        ("C2", "T1", "2026-10-04", 900.0),
    ).reindex(columns=master.transactions.columns)
    master.payments = pay(("C1", "R1", "2026-10-10", 1000.0, "S0")).reindex(columns=master.payments.columns)
    save_master(master, path)


THEIRS = [
    ["甲公司 供应商往来明细账 2026年10月"],
    ["日期", "凭证号", "摘要", "借方", "贷方", "余额"],
    ["2026-10-01", None, "上月欠款", None, None, "1,000.00"],  # row 3 (their books: they owe, credit balance)
    ["2026-10-03", "S1", "购货", None, "5000"],  # row 4
    ["2026-10-05", "S2", "购货", None, "2950"],  # row 5: S2 differs
    ["2026-10-10", "R1", "付款", "1000", None],  # row 6
    ["2026-10-18", "R7", "付款", "400", None],  # row 7: only theirs
    [None, None, "期末余额", None, None, "7,550.00"],  # row 8
]


def write_theirs(path, rows=THEIRS):
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    book.save(path)
    return path


@pytest.fixture
def setup(tmp_path):
    master = tmp_path / "master.xlsx"
    write_master(master)
    return master, write_theirs(tmp_path / "对账单_甲公司.xlsx"), tmp_path / "recon.xlsx"


# The results headers a test types by: our and their document, then decision, approver and reason.
RESULTS_HEADERS = {
    "zh": ("我方单号", "对方单号", "处理决定", "审批人", "决定原因"),
    "en": ("Our Ref", "Their Ref", "Decision", "Approver", "Reason for the decision"),
}


def decide(recon, choices: dict[str, tuple[str, str, str]], lang: str = "zh") -> None:
    """Type decision, approver and reason into the results rows whose our/their ref is a key of ``choices``."""
    book = openpyxl.load_workbook(recon)
    sheet = book.worksheets[0]
    header = table_ref(recon, 0)[1]  # the table sits under the report's title block
    heads = [c.value for c in sheet[header]]
    col = {h: i + 1 for i, h in enumerate(heads)}
    ours, theirs, *decided = RESULTS_HEADERS[lang]
    for r in range(header + 1, sheet.max_row + 1):
        ref = sheet.cell(r, col[ours]).value or sheet.cell(r, col[theirs]).value
        if ref in choices:
            for head, value in zip(decided, choices[ref]):
                sheet.cell(r, col[head]).value = value
    book.save(recon)


def run_reconcile(master, theirs, recon, capsys) -> str:
    capsys.readouterr()
    assert main(["reconcile", str(master), str(theirs), "--customer", "C1", "--out", str(recon)]) == 0
    return capsys.readouterr().out


def results(recon) -> list[dict]:
    table = calamine.CalamineWorkbook.from_path(str(recon), load_tables=True).get_table_by_name("Reconciliation")
    return [dict(zip(table.columns, row)) for row in table.to_python()]


def test_reconcile_decide_apply_reconcile_again(setup, capsys):
    master, theirs, recon = setup
    first = run_reconcile(master, theirs, recon, capsys)
    assert "未解释差额 ¥0.00" in first or "unexplained ¥0.00" in first
    differences = [r for r in results(recon) if r["差额"]]
    assert sorted(r["我方单号"] or r["对方单号"] for r in differences) == ["R7", "S2", "S5", "S9"]
    decide(
        recon,
        {
            "S2": ("以对方为准", "王经理", "价格折让 50"),
            "S9": ("核销", "王经理", "重复开票"),
            "R7": ("以对方为准", "王经理", "漏记收款"),
            "S5": ("在途", None, None),
        },
    )
    assert main(["reconcile", "apply", str(recon), "--into", str(master), "--date", "2026-11-05"]) == 0
    report = capsys.readouterr().out
    assert "3" in report.splitlines()[0] and "S2" in report and "3,000.00 → ¥2,950.00" in report
    adjustments = load_master(master).adjustments
    assert adjustments["amount"].tolist() == [-50.0, -800.0, -400.0]
    assert adjustments["ref"].tolist() == ["S2", "S9", "R7"] and set(adjustments["approved_by"]) == {"王经理"}
    assert adjustments["decision"].tolist() == ["以对方为准", "核销", "以对方为准"]
    assert (master.parent / "master.bak.xlsx").exists()

    # Applying the same decisions twice changes nothing, and says so.
    before = master.read_bytes()
    assert main(["reconcile", "apply", str(recon), "--into", str(master), "--lang", "en"]) == 0
    again = capsys.readouterr().out
    assert "0 adjustment(s) added" in again and "3 already applied" in again and master.read_bytes() == before

    # The second reconciliation: zero remainder, only the line in transit is still a difference.
    second = recon.with_name("recon2.xlsx")
    run_reconcile(master, theirs, second, capsys)
    left = [r for r in results(second) if r["差额"]]
    assert [r["我方单号"] for r in left] == ["S5"]
    ours = master_lines(load_master(master), "C1", start=pd.Timestamp("2026-10-01"), end=pd.Timestamp("2026-10-31"))
    result = reconcile(ours, read_statement(theirs), lang="en")
    assert result.remainder == 0 and result.ours_closing == result.theirs_closing + 700
    # The ledger replays them too: the ageing balance is the customer's statement balance plus what is in transit.
    ageing = run_ageing(load_master(master), as_of=pd.Timestamp("2026-10-31")).table.set_index("customer_id")
    assert ageing.loc["C1", "balance"] == 7550 + 700


def test_undo_takes_the_reconciliations_adjustments_out(setup, capsys):
    master, theirs, recon = setup
    run_reconcile(master, theirs, recon, capsys)
    decide(recon, {"S2": ("accept theirs", "Wang", "discount")})
    assert main(["reconcile", "apply", str(recon), "--into", str(master)]) == 0
    assert len(load_master(master).adjustments) == 1
    assert main(["reconcile", "apply", str(recon), "--into", str(master), "--undo", "--lang", "en"]) == 0
    out = capsys.readouterr().out
    assert "1 taken out" in out and "S2" in out and load_master(master).adjustments.empty


def _type_into_adjustments(master, cells: dict[tuple[int, str], object]) -> None:
    """Type values into 调账记录 by hand, as finance does in Excel: (Excel row, header) -> value."""
    book = openpyxl.load_workbook(master)
    sheet = book["调账记录"]
    heads = [c.value for c in sheet[1]]
    for (row, head), value in cells.items():
        sheet.cell(row, heads.index(head) + 1).value = value
    book.save(master)


def test_an_undo_refuses_adjustments_changed_by_hand_naming_each_cell(setup, capsys):
    """An adjustment's amount and date changed by hand after the apply (a discount of 50 agreed down to 30, the
    write-off moved to the day it was approved) were taken out by the undo with the rest, unsaid. The undo is
    refused, naming each cell with what it holds and what the apply wrote, and the master is left as it was; with
    the apply's values put back it takes every adjustment out."""
    master, theirs, recon = setup
    run_reconcile(master, theirs, recon, capsys)
    decide(recon, {"S2": ("以对方为准", "王经理", "价格折让 50"), "S9": ("核销", "王经理", "重复开票")})
    assert main(["reconcile", "apply", str(recon), "--into", str(master), "--date", "2026-11-05"]) == 0
    assert load_master(master).adjustments["amount"].tolist() == [-50.0, -800.0]
    _type_into_adjustments(master, {(2, "调整金额"): -30, (3, "日期"): pd.Timestamp("2026-11-03").to_pydatetime()})
    before = master.read_bytes()
    capsys.readouterr()
    assert main(["reconcile", "apply", str(recon), "--into", str(master), "--undo", "--lang", "en"]) == 2
    assert capsys.readouterr().err.strip() == (
        "keyacct-xl: master.xlsx: 2 cell(s) of this reconciliation's adjustments were changed by hand after the "
        "apply: sheet 调账记录, row 2, column 调整金额 (S2): -30.00, the apply wrote -50.00; sheet 调账记录, row 3, "
        "column 日期 (S9): 2026-11-03, the apply wrote 2026-10-12; not undone, so no hand edit is lost: put back "
        "what the apply wrote, or delete the row, then undo again"
    )
    assert master.read_bytes() == before
    assert main(["reconcile", "apply", str(recon), "--into", str(master), "--undo"]) == 2
    assert (
        "工作表 调账记录，第 2 行，列 调整金额（S2）：现为 -30.00，调账时写入的是 -50.00；" in capsys.readouterr().err
    )
    # the apply's values typed back: the undo takes both out
    _type_into_adjustments(master, {(2, "调整金额"): -50, (3, "日期"): pd.Timestamp("2026-10-12").to_pydatetime()})
    assert main(["reconcile", "apply", str(recon), "--into", str(master), "--undo", "--lang", "en"]) == 0
    assert "2 taken out" in capsys.readouterr().out and load_master(master).adjustments.empty


def test_an_undo_names_a_decision_reason_or_approver_the_workbook_does_not_hold(setup, capsys):
    """A reason and an approver typed in 调账记录 after the apply (the agreed discount explained, the approver
    corrected) were taken out by the undo unsaid, though a date or an amount changed there refuses it. The master
    keeps no copy of what the apply wrote of these three cells and finance may retype them in the workbook before an
    undo (a changed decision is undone to be applied again), so the undo still takes the adjustment out, and names
    each such cell with what it held and what the workbook says: the hand edit is in the run's output, not lost."""
    master, theirs, recon = setup
    run_reconcile(master, theirs, recon, capsys)
    decide(recon, {"S2": ("以对方为准", "王经理", "价格折让 50"), "S9": ("核销", "王经理", "重复开票")})
    assert main(["reconcile", "apply", str(recon), "--into", str(master), "--date", "2026-11-05"]) == 0
    _type_into_adjustments(master, {(2, "原因"): "价格折让 50，已与客户书面确认", (2, "审批人"): "王总"})
    capsys.readouterr()
    assert main(["reconcile", "apply", str(recon), "--into", str(master), "--undo", "--lang", "en"]) == 0
    out = capsys.readouterr().out
    assert "2 taken out" in out and load_master(master).adjustments.empty
    assert (
        "  2 cell(s) of the adjustments taken out held what the workbook does not (typed in sheet 调账记录 since the "
        "apply, or retyped in the workbook):\n"
        "  sheet 调账记录, row 2, column 原因 (S2): 价格折让 50，已与客户书面确认, the workbook: 价格折让 50\n"
        "  sheet 调账记录, row 2, column 审批人 (S2): 王总, the workbook: 王经理"
    ) in out
    # the apply again, the approver typed again, and an undo in zh
    assert main(["reconcile", "apply", str(recon), "--into", str(master)]) == 0
    _type_into_adjustments(master, {(3, "审批人"): "王总"})
    capsys.readouterr()
    assert main(["reconcile", "apply", str(recon), "--into", str(master), "--undo"]) == 0
    assert (
        "  撤回的调账记录中有 1 个单元格与对账工作簿不同（调账后在工作表 调账记录 中手工改过，"
        "或在工作簿中重新填写过）：\n"
        "  工作表 调账记录，第 3 行，列 审批人（S9）：原为 王总，工作簿中为 王经理"
    ) in capsys.readouterr().out
    # the apply again, then an undo with nothing typed since: no such line
    assert main(["reconcile", "apply", str(recon), "--into", str(master)]) == 0
    capsys.readouterr()
    assert main(["reconcile", "apply", str(recon), "--into", str(master), "--undo"]) == 0
    out = capsys.readouterr().out
    assert "撤回 2 笔" in out and "工作表 调账记录，第 2 行" not in out


def test_an_undo_checks_a_line_whose_decision_was_cleared_against_the_reconciliations_record(setup, capsys):
    """A line whose decision was cleared since the apply is still taken out by the undo (it is the
    reconciliation's): its adjustment is held against what the reconciliation recorded of the line, so a document
    number changed by hand is named too."""
    master, theirs, recon = setup
    run_reconcile(master, theirs, recon, capsys)
    decide(recon, {"R7": ("以对方为准", "王经理", "漏记收款")})
    assert main(["reconcile", "apply", str(recon), "--into", str(master)]) == 0
    decide(recon, {"R7": (None, None, None)})
    _type_into_adjustments(master, {(2, "单据编号"): "R7-1"})
    capsys.readouterr()
    assert main(["reconcile", "apply", str(recon), "--into", str(master), "--undo", "--lang", "en"]) == 2
    assert "row 2, column 单据编号 (R7-1): R7-1, the apply wrote R7;" in capsys.readouterr().err
    assert load_master(master).adjustments["ref"].tolist() == ["R7-1"]


def _adjustment_rows(master) -> list[dict]:
    """The rows of 调账记录 as the sheet holds them, by header."""
    sheet = openpyxl.load_workbook(master)["调账记录"]
    heads = [c.value for c in sheet[1]]
    return [dict(zip(heads, row)) for row in sheet.iter_rows(min_row=2, values_only=True)]


@pytest.mark.parametrize("typed", ["own", "copy"])
def test_an_undo_never_takes_out_a_row_its_apply_did_not_write_and_names_it(setup, capsys, typed):
    """Finance typed its own adjustment under the table naming the same reconciliation (对账行 手工), or copied the
    apply's row: the undo took it out with the apply's, counted it as one the apply booked and showed it at
    -¥100.00 → ¥0.00; only master.bak.xlsx still held it. The undo is refused naming the row and its values, the
    master left as it was; with the row made another reconciliation's (or the copy deleted) the undo takes out the
    apply's row alone, showing the document's amounts before and after."""
    master, theirs, recon = setup
    run_reconcile(master, theirs, recon, capsys)
    decide(recon, {"S2": ("以对方为准", "王经理", "价格折让 50")})
    assert main(["reconcile", "apply", str(recon), "--into", str(master), "--date", "2026-11-05"]) == 0
    applied = _adjustment_rows(master)[0]
    source, line = applied["对账来源"], applied["对账行"]
    own = {"日期": pd.Timestamp("2026-10-12").to_pydatetime(), "客户编号": "C1", "单据编号": "S9", "调整金额": -100}
    own |= {"处理决定": "核销", "原因": "手工补记尾差", "审批人": "张总", "对账来源": source, "对账行": "手工"}
    hand = own if typed == "own" else applied
    _type_into_adjustments(master, {(3, head): value for head, value in hand.items()})
    before = master.read_bytes()
    capsys.readouterr()
    assert main(["reconcile", "apply", str(recon), "--into", str(master), "--undo", "--lang", "en"]) == 2
    shown = (
        "(S9): -100.00 on 2026-10-12, 核销, 对账行 手工"
        if typed == "own"
        else f"(S2): -50.00 on 2026-10-05, 以对方为准, 对账行 {line}"
    )
    assert capsys.readouterr().err.strip().splitlines()[-1] == (  # after the note of the row under the table
        "keyacct-xl: master.xlsx: 1 row(s) of 调账记录 name this reconciliation but were not written by its apply: "
        f"sheet 调账记录, row 3 {shown}; not undone, so none is taken out with the apply's: a row of its own: "
        "clear its 对账来源 or type another there; a copy: delete it; then undo again"
    )
    assert master.read_bytes() == before
    assert main(["reconcile", "apply", str(recon), "--into", str(master), "--undo"]) == 2
    assert "工作表 调账记录，第 3 行（" in capsys.readouterr().err

    if typed == "own":
        _type_into_adjustments(master, {(3, "对账来源"): None})
    else:
        book = openpyxl.load_workbook(master)
        book["调账记录"].delete_rows(3)
        book.save(master)
    assert main(["reconcile", "apply", str(recon), "--into", str(master), "--undo", "--lang", "en"]) == 0
    out = capsys.readouterr().out
    assert "0 adjustment(s) added, 1 taken out" in out and "手工" not in out
    assert f"  − S2 ({line}): ¥2,950.00 → ¥3,000.00 (以对方为准)" in out.splitlines()
    left = load_master(master).adjustments
    assert left[["ref", "amount", "line"]].values.tolist() == ([["S9", -100.0, "手工"]] if typed == "own" else [])


def test_an_undo_names_a_line_cell_changed_by_hand(setup, capsys):
    """Only the 对账行 cell of an applied adjustment changed by hand: the undo took the row out without naming the
    edit, showing it at -¥50.00 → ¥0.00 (no line of the reconciliation). It is named like any cell changed by hand,
    with what the apply wrote; put back, the undo takes every adjustment out at the documents' amounts."""
    master, theirs, recon = setup
    run_reconcile(master, theirs, recon, capsys)
    decide(recon, {"S2": ("以对方为准", "王经理", "价格折让 50"), "S9": ("核销", "王经理", "重复开票")})
    assert main(["reconcile", "apply", str(recon), "--into", str(master), "--date", "2026-11-05"]) == 0
    line = _adjustment_rows(master)[0]["对账行"]
    edited = line.split(" / ")[0]
    _type_into_adjustments(master, {(2, "对账行"): edited})
    before = master.read_bytes()
    capsys.readouterr()
    assert main(["reconcile", "apply", str(recon), "--into", str(master), "--undo", "--lang", "en"]) == 2
    assert capsys.readouterr().err.strip() == (
        "keyacct-xl: master.xlsx: 1 cell(s) of this reconciliation's adjustments were changed by hand after the "
        f"apply: sheet 调账记录, row 2, column 对账行 (S2): {edited}, the apply wrote {line}; not undone, so no hand "
        "edit is lost: put back what the apply wrote, or delete the row, then undo again"
    )
    assert master.read_bytes() == before
    # with a row typed under the reconciliation as well, one refusal names both, the row first
    source = _adjustment_rows(master)[0]["对账来源"]
    typed = {"日期": pd.Timestamp("2026-10-20").to_pydatetime(), "客户编号": "C1", "调整金额": -10, "对账来源": source}
    _type_into_adjustments(master, {(4, head): value for head, value in typed.items()})
    assert main(["reconcile", "apply", str(recon), "--into", str(master), "--undo", "--lang", "en"]) == 2
    refusal = capsys.readouterr().err.strip().splitlines()[-1]
    assert (
        "1 row(s) of 调账记录 name this reconciliation" in refusal
        and "row 4 (-): -10.00 on 2026-10-20, (blank), 对账行 (blank)" in refusal
    )
    assert refusal.endswith(
        f"column 对账行 (S2): {edited}, the apply wrote {line}; not undone, so no hand edit is lost: put back what "
        "the apply wrote, or delete the row, then undo again"
    )
    book = openpyxl.load_workbook(master)
    book["调账记录"].delete_rows(4)
    book.save(master)
    _type_into_adjustments(master, {(2, "对账行"): line})
    assert main(["reconcile", "apply", str(recon), "--into", str(master), "--undo", "--lang", "en"]) == 0
    out = capsys.readouterr().out
    assert "2 taken out" in out and f"  − S2 ({line}): ¥2,950.00 → ¥3,000.00 (以对方为准)" in out.splitlines()
    assert load_master(master).adjustments.empty


def test_applying_more_decisions_keeps_an_earlier_adjustments_cells_as_finance_typed_them(setup, capsys):
    """A reason finance typed over as a number (the credit note's number) in an adjustment already applied stays a
    number when the next apply rewrites Adjustments; it was turned into text, unseen."""
    master, theirs, recon = setup
    run_reconcile(master, theirs, recon, capsys)
    decide(recon, {"S2": ("以对方为准", "王经理", "价格折让 50")})
    assert main(["reconcile", "apply", str(recon), "--into", str(master), "--date", "2026-11-05"]) == 0
    book = openpyxl.load_workbook(master)
    sheet = book["调账记录"]
    reason = [c.value for c in sheet[1]].index("原因") + 1
    sheet.cell(2, reason).value = 20261105
    book.save(master)

    decide(recon, {"S9": ("核销", "王经理", "重复开票")})
    assert main(["reconcile", "apply", str(recon), "--into", str(master), "--date", "2026-11-06"]) == 0

    sheet = openpyxl.load_workbook(master)["调账记录"]
    assert [c.value for c in sheet[1]].index("原因") + 1 == reason
    assert (sheet.cell(2, reason).value, sheet.cell(2, reason).data_type) == (20261105, "n")
    assert (sheet.cell(3, reason).value, sheet.cell(3, reason).data_type) == ("重复开票", "s")
    assert load_master(master).adjustments["reason"].tolist() == ["20261105", "重复开票"]


def test_decisions_that_change_nothing_apply_as_nothing(setup, capsys):
    master, theirs, recon = setup
    run_reconcile(master, theirs, recon, capsys)
    decide(recon, {"S2": ("以我方为准", "王经理", None), "S5": ("在途", "王经理", None)})
    before = master.read_bytes()
    assert main(["reconcile", "apply", str(recon), "--into", str(master), "--lang", "en"]) == 0
    assert "0 adjustment(s) added" in capsys.readouterr().out and master.read_bytes() == before


def test_apply_says_where_to_decide_the_lines_left_without_a_decision(setup, capsys):
    """Applied before finance decided (or with some lines left), apply printed "2 undecided" and nothing else: the
    summary ends with where the decisions go and that apply runs again."""
    master, theirs, recon = setup
    run_reconcile(master, theirs, recon, capsys)
    decide(recon, {"S2": ("以我方为准", "王经理", None)})
    assert main(["reconcile", "apply", str(recon), "--into", str(master)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[-1] == (
        "  下一步：还有 3 条差异没有处理决定：请在“核对结果”工作表的“处理决定”列选择"
        "（以我方为准、以对方为准、核销、在途），改动我方账目的还要填写审批人，保存后再运行 reconcile apply"
    )
    decide(recon, {"S9": ("在途", "王经理", None), "R7": ("在途", "王经理", None), "S5": ("在途", "王经理", None)})
    assert main(["reconcile", "apply", str(recon), "--into", str(master)]) == 0
    assert "下一步" not in capsys.readouterr().out


def test_an_undo_with_nothing_to_take_out_says_so(setup, capsys):
    """A second undo (or one before any apply) printed the counts line alone, all 0: it says the master holds no
    adjustment of the reconciliation; an undo of a workbook with lines left undecided gives no step to decide them."""
    master, theirs, recon = setup
    run_reconcile(master, theirs, recon, capsys)
    decide(recon, {"S2": ("以对方为准", "王经理", "发票金额以对方为准")})
    assert main(["reconcile", "apply", str(recon), "--into", str(master)]) == 0
    capsys.readouterr()
    assert main(["reconcile", "apply", str(recon), "--into", str(master), "--undo"]) == 0
    first = capsys.readouterr().out
    assert "撤回 1 笔" in first and "下一步" not in first and "没有本次对账" not in first
    assert main(["reconcile", "apply", str(recon), "--into", str(master), "--undo"]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == "  总表中没有本次对账的调账记录：无可撤回"


def test_a_decision_changed_after_it_was_applied_is_refused_until_undone(setup, capsys):
    master, theirs, recon = setup
    run_reconcile(master, theirs, recon, capsys)
    decide(recon, {"S2": ("以对方为准", "王经理", "价格折让")})
    assert main(["reconcile", "apply", str(recon), "--into", str(master)]) == 0
    for second in (("以我方为准", "王经理", None), ("核销", "王经理", "核销差额")):
        decide(recon, {"S2": second})
        capsys.readouterr()
        assert main(["reconcile", "apply", str(recon), "--into", str(master), "--lang", "en"]) != 0
        assert "were applied before with another decision or amount" in capsys.readouterr().err
        assert load_master(master).adjustments["decision"].tolist() == ["以对方为准"]  # kept, not silently
    assert main(["reconcile", "apply", str(recon), "--into", str(master), "--undo"]) == 0
    assert main(["reconcile", "apply", str(recon), "--into", str(master)]) == 0
    assert load_master(master).adjustments["decision"].tolist() == ["核销"]


def test_a_decision_cleared_after_it_was_applied_is_refused_and_undo_takes_out_every_adjustment(setup, capsys):
    """Clearing a decision after applying it left its adjustment in the master: apply said nothing of it, and --undo
    took out only the lines still decided, then said the master held nothing of the reconciliation."""
    master, theirs, recon = setup
    run_reconcile(master, theirs, recon, capsys)
    decide(recon, {"S2": ("以对方为准", "王经理", "价格折让"), "S9": ("核销", "王经理", "重复开票")})
    assert main(["reconcile", "apply", str(recon), "--into", str(master)]) == 0
    balance = load_master(master).adjustments["amount"].sum()
    decide(recon, {"S9": (None, None, None)})
    capsys.readouterr()
    assert main(["reconcile", "apply", str(recon), "--into", str(master), "--lang", "en"]) != 0
    s9_row = next(r["我方行号"] for r in results(recon) if r["我方单号"] == "S9")
    assert f"line(s) {s9_row} / - were applied before" in capsys.readouterr().err
    assert load_master(master).adjustments["ref"].tolist() == ["S2", "S9"]
    assert load_master(master).adjustments["amount"].sum() == balance
    assert main(["reconcile", "apply", str(recon), "--into", str(master), "--undo", "--lang", "en"]) == 0
    out = capsys.readouterr().out
    assert "2 taken out" in out and "S9" in out and "¥0.00 → ¥800.00 (核销)" in out
    assert load_master(master).adjustments.empty
    assert main(["reconcile", "apply", str(recon), "--into", str(master)]) == 0
    assert load_master(master).adjustments["ref"].tolist() == ["S2"]


def test_a_bank_exports_lines_from_another_customer_of_the_master_are_set_aside_and_named(setup, capsys):
    """A bank export lists every payer's receipts: reconciled for C1, C2's receipt (乙公司, by its name in 对方户名)
    was a line only they have, one 以对方为准 away from booking C2's money on C1."""
    master, _, recon = setup
    bank = master.with_name("银行流水.csv")
    bank.write_bytes(
        (
            "交易日期,交易流水号,摘要,对方户名,借方发生额,贷方发生额\r\n"
            '2026/10/10,B1,货款 S0,甲公司,,"1,000.00"\r\n'
            '2026/10/12,B2,货款,乙公司,,"900.00"\r\n'
            '2026/10/13,B3,货款,张三,,"50.00"\r\n'
        ).encode("gbk")
    )
    args = ["reconcile", str(master), str(bank), "--customer", "C1", "--perspective", "ours", "--out", str(recon)]
    assert main([*args, "--from", "2026-10-01", "--to", "2026-10-31"]) == 0
    printed = capsys.readouterr().out
    assert "银行流水.csv：第 3 行的对方户名是总表的其他客户（C2 乙公司），已剔除，不与本客户对账" in printed
    rows = results(recon)
    theirs = {r["对方行号"] for r in rows if r["对方行号"]}
    assert theirs == {"2", "4"}  # 张三 is no customer of the master: kept, a line for finance to look at
    assert next(r["核对结果"] for r in rows if r["对方行号"] == "2") == "相符"


def test_a_change_needs_an_approver_and_a_known_decision(setup, capsys):
    master, theirs, recon = setup
    run_reconcile(master, theirs, recon, capsys)
    decide(recon, {"S2": ("以对方为准", None, None)})
    capsys.readouterr()
    assert main(["reconcile", "apply", str(recon), "--into", str(master), "--lang", "en"]) != 0
    cell = f"M{table_ref(recon, 0)[1] + 1}"  # S2 is the first line under the header
    assert f"recon.xlsx: sheet 核对结果, cell {cell} (Approver): a change to our books needs an approver" in (
        capsys.readouterr().err
    )
    decide(recon, {"S2": ("maybe", "王", None)})
    with pytest.raises(InputError, match=rf"cell L{table_ref(recon, 0)[1] + 1}.*maybe is not a decision"):
        read_decisions(recon)
    assert load_master(master).adjustments.empty


def test_decision_list_is_a_plain_list_validation(setup, capsys):
    master, theirs, recon = setup
    run_reconcile(master, theirs, recon, capsys)
    sheet = openpyxl.load_workbook(recon).worksheets[0]
    (validation,) = sheet.data_validations.dataValidation
    assert validation.type == "list" and validation.formula1 == '"以我方为准,以对方为准,核销,在途"'
    header = table_ref(recon, 0)[1]
    assert str(validation.sqref) == f"L{header + 1}:L{header + len(results(recon))}"  # every line, under the title
    assert sheet.page_setup.paperSize == 9


def test_credit_check_open_balance_includes_adjustments(setup, capsys):
    master, theirs, recon = setup
    run_reconcile(master, theirs, recon, capsys)
    decide(recon, {"S9": ("核销", "王经理", "重复开票"), "R7": ("以对方为准", "王经理", "漏记收款")})
    as_of = pd.Timestamp("2026-10-31")
    before = run_credit_check(load_master(master), "C1", 100.0, as_of=as_of, lang="en").position["balance"]
    assert main(["reconcile", "apply", str(recon), "--into", str(master)]) == 0
    after = run_credit_check(load_master(master), "C1", 100.0, as_of=as_of, lang="en")
    # invoiced 10,500 − paid 1,000 − credits 0 ± adjustments (−800, −400)
    assert before == 9500 and after.position["balance"] == 10500 - 1000 - 800 - 400 == 8300
    assert after.available_after == 20000 - 8300 - 100


def test_decisions_survive_a_save_in_libreoffice(setup, capsys, libreoffice):
    """The workbook decided and saved again by LibreOffice keeps its list and applies the same (no macros)."""
    master, theirs, recon = setup
    run_reconcile(master, theirs, recon, capsys)
    decide(recon, {"S2": ("以对方为准", "王经理", "价格折让")})
    saved = libreoffice(recon, "xlsx:Calc MS Excel 2007 XML", recon.parent / "lo")
    sheet = openpyxl.load_workbook(saved).worksheets[0]
    (validation,) = sheet.data_validations.dataValidation
    assert validation.type == "list" and "以我方为准" in validation.formula1
    assert main(["reconcile", "apply", str(saved), "--into", str(master), "--lang", "en"]) == 0
    assert "1 adjustment(s) added" in capsys.readouterr().out
    assert load_master(master).adjustments["ref"].tolist() == ["S2"]


def test_the_next_statement_shows_the_adjustments(setup, capsys, tmp_path):
    master, theirs, recon = setup
    run_reconcile(master, theirs, recon, capsys)
    decide(recon, {"S2": ("以对方为准", "王经理", "价格折让"), "R7": ("以对方为准", "王经理", "漏记收款")})
    assert main(["reconcile", "apply", str(recon), "--into", str(master)]) == 0
    out = tmp_path / "statements"
    args = ["statement", str(master), "--customer", "C1", "--period", "2026-10", "--out", str(out)]
    assert main(args) == 0
    (path,) = out.iterdir()
    ours = read_statement(path, perspective="ours")
    lines = ours.lines.set_index("ref")
    assert lines.loc["S2", "amount"] == 2950 and lines.loc["R7", "amount"] == -400
    assert lines.loc["R7", "description"] == "调账:漏记收款"  # the reader folds the full-width colon (NFKC)
    assert ours.closing == 1000 + 5000 + 2950 - 1000 + 800 - 400 + 700


def test_open_balance_is_invoiced_minus_paid_minus_credits_plus_or_minus_adjustments():
    """On the credit check's hand-built ledger: C4 invoiced 1,500, took a 120.50 credit note, paid 300; finance
    then wrote off 79.50 of S4 and booked 20 the customer owed on a document we had missed."""
    from tests.test_credit_check import hand_master

    master = hand_master()
    adjustments = pd.DataFrame(
        {
            "date": pd.to_datetime(["2026-01-10", "2026-03-02"]),
            "customer_id": ["C4", "C4"],
            "ref": ["S4", "X1"],
            "amount": [-79.5, 20.0],
            "decision": ["核销", "以对方为准"],
            "approved_by": ["王经理", "王经理"],
        }
    )
    master.adjustments = adjustments.reindex(columns=master.adjustments.columns).astype(
        master.adjustments.dtypes.to_dict()
    )
    result = run_credit_check(master, "C4", 100.0, as_of=pd.Timestamp("2026-03-31"), lang="en")
    assert result.position["balance"] == 1000 + 500 - 300 - 120.5 - 79.5 + 20 == 1020.0
    assert result.available_after == 2000 - 1020 - 100
    # S4 (1,000 − 79.50 written off) is settled by the credit note and R2 except 500; X1 is due too.
    assert result.position["overdue_amount"] == 500 + 500 + 20


def test_a_deleted_approver_column_is_named_in_the_refusal(setup, capsys):
    master, theirs, recon = setup
    run_reconcile(master, theirs, recon, capsys)
    decide(recon, {"S2": ("accept theirs", None, None)})
    book = openpyxl.load_workbook(recon)
    sheet = book.worksheets[0]
    header = table_ref(recon, 0)[1]
    sheet.tables.clear()  # as a user who turned the table into a plain range before deleting the column
    sheet.delete_cols([c.value for c in sheet[header]].index("审批人") + 1)
    book.save(recon)
    row = rf"row {header + 1}"
    with pytest.raises(InputError, match=rf"sheet 核对结果, {row}, column Approver: a change to our books needs"):
        read_decisions(recon)


def test_an_adjusted_balance_is_one_figure_in_ageing_credit_check_and_the_gm_pack(setup, capsys):
    master, theirs, recon = setup
    run_reconcile(master, theirs, recon, capsys)
    decide(recon, {"S9": ("核销", "王经理", "重复开票"), "R7": ("以对方为准", "王经理", "漏记收款")})
    assert main(["reconcile", "apply", str(recon), "--into", str(master)]) == 0
    book, as_of = load_master(master), pd.Timestamp("2026-10-31")
    ageing = run_ageing(book, as_of=as_of, lang="en").table.set_index("customer_id")
    check = run_credit_check(book, "C1", 0.0, as_of=as_of, lang="en").position["balance"]
    pack = run_gm_pack(book, {}, period="2026-10", lang="en")  # also: no sale a year before (a first year)
    assert ageing.at["C1", "balance"] == check == 8300  # the adjustments (−800, −400) in each
    assert pack.kpi("balance") == ageing["balance"].sum()


@pytest.mark.parametrize("cached", [False, True])
def test_our_lines_name_the_rows_the_master_was_loaded_from(tmp_path, cached):
    # Rows cleared inside the Transactions table shift every later line's Excel row: the labels must come from
    # the load (first read or the load cache), not from reading the file again, which may have changed or gone.
    master = tmp_path / "master.xlsx"
    write_master(master)
    book = openpyxl.load_workbook(master)
    sheet = book["销售明细"]
    doc_no = [c.value for c in sheet[1]].index("单据编号") + 1
    rows = {sheet.cell(r, doc_no).value: r for r in range(2, sheet.max_row + 1)}
    for cleared in ("S1", "S2", "S9", "S5"):
        for cell in sheet[rows[cleared]]:
            cell.value = None
    book.save(master)
    if cached:
        (tmp_path / "master.kx").mkdir()  # a master with a history store caches its tables
        load_master(master)
    loaded = load_master(master)
    master.rename(tmp_path / "elsewhere.xlsx")
    assert master_lines(loaded, "C2").lines["row"].tolist() == [f"销售明细!{rows['T1']}"]
    assert master_lines(loaded, "C1").lines["row"].tolist() == [f"销售明细!{rows['S0']}", "收款记录!2"]


def test_a_decided_workbook_is_read_like_any_submitted_file(setup, capsys):
    # Finance sends the workbook back: it is screened and read in the isolated, capped reader, so a compression bomb
    # is refused by name, and a decision that is a formula (its value computed, or not even stored) is refused by cell.
    master, theirs, recon = setup
    run_reconcile(master, theirs, recon, capsys)
    bomb = recon.with_name("bomb.xlsx")
    with zipfile.ZipFile(recon) as src, zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info, src.read(info.filename))
        dst.writestr("xl/media/padding.bin", b"\0" * (65 * 1024**2))
    with pytest.raises(InputError, match="compression bomb") as refused:
        read_decisions(bomb)
    assert str(bomb) in refused.value.en and "压缩炸弹" in refused.value.zh

    decide(recon, {"S2": ('=IF(TRUE,"以对方为准","")', "王经理", None)})
    book = openpyxl.load_workbook(recon)
    sheet = book.worksheets[0]
    header = table_ref(recon, 0)[1]
    col = {c.value: c.column_letter for c in sheet[header]}
    row = next(c.row for c in sheet[col["我方单号"]] if c.value == "S2")
    with pytest.raises(InputError) as formula:
        read_decisions(recon)
    assert formula.value.zh.startswith(f"recon.xlsx：工作表 {sheet.title}，单元格 {col['处理决定']}{row}（处理决定）：")
    assert formula.value.en.startswith(f"recon.xlsx: sheet {sheet.title}, cell {col['处理决定']}{row} (Decision): ")

    # The decision itself applies; a reason typed like a formula is kept as the text it is.
    sheet[f"{col['处理决定']}{row}"].value = "以对方为准"
    reason = sheet[f"{col['决定原因']}{row}"]
    reason.value, reason.data_type = "=价格折让", "s"
    book.save(recon)
    assert main(["reconcile", "apply", str(recon), "--into", str(master)]) == 0
    assert load_master(master).adjustments["reason"].tolist() == ["=价格折让"]


def test_a_decision_beside_a_cleared_status_is_refused_naming_the_cell(setup, capsys):
    master, theirs, recon = setup
    run_reconcile(master, theirs, recon, capsys)
    decide(recon, {"S2": ("以对方为准", "王经理", "价格折让 50")})
    book = openpyxl.load_workbook(recon)
    sheet = book.worksheets[0]
    col = {c.value: c.column_letter for c in sheet[table_ref(recon, 0)[1]]}
    row = next(c.row for c in sheet[col["我方单号"]] if c.value == "S2")
    sheet[f"{col['核对结果']}{row}"].value = None
    book.save(recon)
    with pytest.raises(InputError) as refused:
        read_decisions(recon)
    decision, status = f"{col['处理决定']}{row}", f"{col['核对结果']}{row}"
    assert refused.value.en == (
        f"recon.xlsx: sheet {sheet.title}, cell {decision} (Decision): a decision beside a status cell ({status}) "
        "that is blank or not a status; restore the status or clear the decision"
    )
    assert refused.value.zh.startswith(f"recon.xlsx：工作表 {sheet.title}，单元格 {decision}（处理决定）：")
    assert status in refused.value.zh


def test_a_blank_reconciliation_name_is_refused_naming_the_cell(setup, capsys):
    # The name keeps one reconciliation's adjustments apart from another's: blank, two would share their keys.
    master, theirs, recon = setup
    run_reconcile(master, theirs, recon, capsys)
    decide(recon, {"S2": ("以对方为准", "王经理", "价格折让 50")})
    book = openpyxl.load_workbook(recon)
    info = book["对账信息"]
    label = next(c for c in info["A"] if c.value == "对账来源")
    info.cell(label.row, 2).value = None
    book.save(recon)
    with pytest.raises(InputError) as refused:
        read_decisions(recon)
    assert refused.value.en.startswith(f"recon.xlsx: sheet 对账信息, cell B{label.row} (Reconciliation): ")
    assert refused.value.zh.startswith(f"recon.xlsx：工作表 对账信息，单元格 B{label.row}（对账来源）：对账没有名称")
    assert main(["reconcile", "apply", str(recon), "--into", str(master)]) != 0
    assert load_master(master).adjustments.empty


@pytest.mark.parametrize("via", ["cli", "ribbon"])
def test_reconciling_again_never_overwrites_a_workbook_finance_decided_in(setup, capsys, via):
    """Finance types decisions into the reconciliation, then the statement is reconciled again (the 对账 button
    pressed twice, the command rerun): the workbook of that name was written over, the decisions with it."""
    from keyacct_xl.bridge.base import ActionOptions, FileBridge
    from keyacct_xl.macros import run_action

    master, theirs, _ = setup
    recon = master.parent / "reports" / f"reconcile_C1_{theirs.stem}.xlsx"
    if via == "cli":
        recon.parent.mkdir()
        run_reconcile(master, theirs, recon, capsys)
    else:
        run_action("reconcile", FileBridge(master), ActionOptions(input=theirs, extra={"customer": "C1"}))
    decide(recon, {"S2": ("以对方为准", "王经理", "价格折让 50")})
    decided = recon.read_bytes()
    if via == "cli":
        assert main(["reconcile", str(master), str(theirs), "--customer", "C1", "--out", str(recon)]) == 2
        refusal = capsys.readouterr().err
    else:
        with pytest.raises(InputError) as refused:
            run_action("reconcile", FileBridge(master), ActionOptions(input=theirs, extra={"customer": "C1"}))
        refusal = refused.value.zh
    assert f"{recon.name} 已填有 1 项处理决定" in refusal and "keyacct-xl reconcile apply" in refusal
    assert recon.read_bytes() == decided
    # A workbook nobody decided in yet is written again, as before.
    recon.unlink()
    if via == "cli":
        run_reconcile(master, theirs, recon, capsys)
    else:
        run_action("reconcile", FileBridge(master), ActionOptions(input=theirs, extra={"customer": "C1"}))
    assert read_decisions(recon).lines == []


def test_a_note_row_of_the_customers_statement_is_quoted_in_the_summary_and_the_notes(setup, capsys):
    """A row of their statement without an amount (a remark of their finance, a footer) was named by its number
    only: finance had to open the customer's file to read it. Its text is quoted, in the summary and the notes."""
    master, _, recon = setup
    rows = [*THEIRS[:7], [None, None, "10月30日已付20,000元，请贵司查收"], THEIRS[7], ["财务主管：张三"]]
    theirs = write_theirs(master.parent / "对账单_带说明.xlsx", rows)
    out = run_reconcile(master, theirs, recon, capsys)
    assert "对账单_带说明.xlsx：无金额的说明行：8, 10" in out
    assert "  对账单_带说明.xlsx 第 8 行：10月30日已付20,000元，请贵司查收" in out
    assert "  对账单_带说明.xlsx 第 10 行：财务主管：张三" in out
    notes = [row[0] for row in openpyxl.load_workbook(recon)["说明"].iter_rows(values_only=True)]
    assert "对账单_带说明.xlsx 第 8 行：10月30日已付20,000元，请贵司查收" in notes


@pytest.mark.libreoffice
def test_a_workbook_decided_in_libreoffice_applies_from_ods_and_xls(setup, capsys, libreoffice):
    """Finance decides in LibreOffice and keeps its format: the .ods (or .xls) applies as the .xlsx does; a decision
    typed as a formula there is refused as in an .xlsx, and a file of another type names the types to use."""
    master, theirs, recon = setup
    run_reconcile(master, theirs, recon, capsys)
    decide(recon, {"S2": ("以对方为准", "王经理", "价格折让")})
    ods = libreoffice(recon, "ods", recon.parent / "ods")
    xls = libreoffice(recon, "xls", recon.parent / "xls")
    assert main(["reconcile", "apply", str(ods), "--into", str(master), "--lang", "en"]) == 0
    assert "1 adjustment(s) added" in capsys.readouterr().out
    assert main(["reconcile", "apply", str(xls), "--into", str(master), "--lang", "en"]) == 0
    assert "0 adjustment(s) added, 0 taken out, 1 already applied" in capsys.readouterr().out
    assert load_master(master).adjustments["ref"].tolist() == ["S2"]

    decide(recon, {"S9": ('=IF(1,"核销","")', "王经理", "重复开票")})
    for fmt in ("ods", "xls"):
        computed = libreoffice(recon, fmt, recon.parent / f"formula-{fmt}")
        with pytest.raises(InputError, match="a decision is chosen, not computed"):
            read_decisions(computed)
    with pytest.raises(InputError) as refused:
        read_decisions(recon.with_suffix(".csv"))
    assert refused.value.en.endswith("unsupported file type .csv; use .xlsx, .ods or .xls")


def retype(recon, ref: str, cells: dict[str, object]) -> dict[str, str]:
    """Type ``cells`` (by zh header) into the results row of ``ref``; the cells' addresses by header."""
    book = openpyxl.load_workbook(recon)
    sheet = book.worksheets[0]
    col = {c.value: c.column_letter for c in sheet[table_ref(recon, 0)[1]]}
    row = next(c.row for c in sheet[col["我方单号"]] if c.value == ref)
    for head, value in cells.items():
        sheet[f"{col[head]}{row}"].value = value
    book.save(recon)
    return {head: f"{col[head]}{row}" for head in col if head}


def refused_apply(recon, master, capsys, *extra: str) -> str:
    capsys.readouterr()
    assert main(["reconcile", "apply", str(recon), "--into", str(master), "--lang", "en", *extra]) != 0
    assert load_master(master).adjustments.empty
    return capsys.readouterr().err


def test_a_retyped_difference_is_refused_naming_its_cell_never_booked(setup, capsys):
    # S2: ours 3,000, theirs 2,950, difference 50; a write-off books the line's own difference, not the cell's.
    master, theirs, recon = setup
    run_reconcile(master, theirs, recon, capsys)
    decide(recon, {"S2": ("核销", "王经理", None)})
    cell = retype(recon, "S2", {"差额": 450000})["差额"]
    err = refused_apply(recon, master, capsys)
    assert f"sheet 核对结果, cell {cell} (Difference): reads 450,000.00, but our amount less theirs is 50.00" in err


def test_amounts_and_references_retyped_to_agree_are_refused_against_the_reconciliations_record(setup, capsys):
    master, theirs, recon = setup
    run_reconcile(master, theirs, recon, capsys)
    decide(recon, {"S2": ("核销", "王经理", None)})
    cells = retype(recon, "S2", {"对方金额": -447000, "差额": 450000})
    err = refused_apply(recon, master, capsys)
    assert f"cell {cells['对方金额']} (Their Amount): reads -447000.00, but the reconciliation listed 2950.00" in err
    retype(recon, "S2", {"对方金额": 2950, "差额": 50, "我方日期": "2026-12-31"})
    assert f"cell {cells['我方日期']} (Our Date): reads 2026-12-31" in refused_apply(recon, master, capsys)


def test_the_info_sheets_customer_must_be_the_one_the_reconciliation_recorded(setup, capsys):
    master, theirs, recon = setup
    run_reconcile(master, theirs, recon, capsys)
    decide(recon, {"S2": ("核销", "王经理", None)})
    book = openpyxl.load_workbook(recon)
    info = book["对账信息"]
    label = next(c for c in info["A"] if c.value == "客户编号")
    info.cell(label.row, 2).value = "C2"
    book.save(recon)
    err = refused_apply(recon, master, capsys)
    cell = f"recon.xlsx: sheet 对账信息, cell B{label.row} (Customer ID)"
    assert f"{cell}: reads C2, but this reconciliation was made for C1" in err
    # The record is out of sight: veryHidden (not listed under Unhide) and protected.
    assert book["_reconciliation"].sheet_state == "veryHidden" and book["_reconciliation"].protection.sheet


def without_record(recon) -> None:
    """The workbook with its record sheet deleted (unhidden by a program and removed, or by hand)."""
    book = openpyxl.load_workbook(recon)
    del book["_reconciliation"]
    book.save(recon)


def test_a_workbook_without_its_record_is_refused_even_with_its_difference_retyped_to_match(setup, capsys):
    # Their amount retyped and the difference made to agree: without the record nothing can tell, so nothing books.
    master, theirs, recon = setup
    run_reconcile(master, theirs, recon, capsys)
    decide(recon, {"S2": ("以对方为准", "王经理", "价格折让 50")})
    retype(recon, "S2", {"对方金额": 991115.79, "差额": 3000.0 - 991115.79})
    without_record(recon)
    err = refused_apply(recon, master, capsys)
    assert "recon.xlsx: the reconciliation's record (its hidden sheet _reconciliation) is missing" in err
    assert "Run keyacct-xl reconcile again (its new workbook carries the record)" in err
    capsys.readouterr()
    assert main(["reconcile", "apply", str(recon), "--into", str(master)]) != 0
    assert "recon.xlsx：对账的记录（其隐藏工作表 _reconciliation）已缺失" in capsys.readouterr().err
    assert load_master(master).adjustments.empty


def test_a_document_moved_to_another_customer_since_the_reconciliation_is_refused(setup, capsys):
    # The record says C1's S2; the master now books S2 on C2: an adjustment on it would change C2's balance.
    master, theirs, recon = setup
    run_reconcile(master, theirs, recon, capsys)
    decide(recon, {"S2": ("核销", "王经理", None)})
    changed = load_master(master)
    changed.transactions.loc[changed.transactions["doc_no"] == "S2", "customer_id"] = "C2"
    save_master(changed, master)
    cell = retype(recon, "S2", {})["我方单号"]
    err = refused_apply(recon, master, capsys)
    assert f"cell {cell} (Our Ref): document S2 is customer C2's in the master, not C1's" in err


def test_our_amount_must_be_the_masters_amount_of_the_document_now(setup, capsys):
    master, theirs, recon = setup
    run_reconcile(master, theirs, recon, capsys)
    decide(recon, {"S2": ("核销", "王经理", None)})
    cell = retype(recon, "S2", {})["我方金额"]
    changed = load_master(master)
    changed.transactions.loc[changed.transactions["doc_no"] == "S2", "amount"] = 3100.0  # corrected since
    save_master(changed, master)
    err = refused_apply(recon, master, capsys)
    assert f"cell {cell} (Our Amount): reads 3,000.00, but the master's amount of S2 is now 3,100.00" in err


def two_copies(setup, capsys, their_r7: str = "400", r7_date: str = "2026-10-18") -> tuple:
    """One statement reconciled twice, as a resent copy or a second clerk's: R7 (only theirs) accepted in each."""
    master, theirs, recon = setup
    copied = {"400": their_r7, "2026-10-18": r7_date}
    rows = [[copied.get(cell, cell) if isinstance(cell, str) else cell for cell in row] for row in THEIRS]
    resent = write_theirs(theirs.with_name("对账单_甲公司_重发.xlsx"), rows)
    second = recon.with_name("recon_b.xlsx")
    run_reconcile(master, theirs, recon, capsys)
    run_reconcile(master, resent, second, capsys)
    for book in (recon, second):
        decide(book, {"R7": ("以对方为准", "王经理", "漏记收款")})
    return master, recon, second


def decision_cell(recon, their_ref: str) -> str:
    """The address of the decision cell on the results row of ``their_ref``."""
    sheet = openpyxl.load_workbook(recon).worksheets[0]
    col = {c.value: c.column_letter for c in sheet[table_ref(recon, 0)[1]]}
    row = next(c.row for c in sheet[col["对方单号"]] if c.value == their_ref)
    return f"{col['处理决定']}{row}"


def test_a_line_only_they_have_is_booked_once_when_two_copies_of_their_statement_are_applied(setup, capsys):
    """Two copies of one statement (resent under another name, or two clerks) are two reconciliations: an "accept
    theirs" on the line only the customer has was added once per copy, so the master booked the receipt twice, and
    the second apply printed ¥0.00 → -¥400.00 though the master held -400.00 for R7 already."""
    master, recon, second = two_copies(setup, capsys)
    assert main(["reconcile", "apply", str(recon), "--into", str(master)]) == 0
    booked = load_master(master).adjustments
    assert booked[["ref", "amount"]].values.tolist() == [["R7", -400.0]]
    before = master.read_bytes()
    capsys.readouterr()
    assert main(["reconcile", "apply", str(second), "--into", str(master), "--lang", "en"]) == 0
    out = capsys.readouterr().out
    assert "0 adjustment(s) added" in out and "1 already applied" in out and "→ -¥400.00" not in out
    cell = f"recon_b.xlsx: sheet 核对结果, cell {decision_cell(second, 'R7')} (Decision)"
    assert (
        f"  = R7 (- / 7), {cell}: already booked by reconciliation {booked['reconciliation'][0]} "
        "(applied from recon.xlsx: -¥400.00 on 2026-10-18); not booked again: the master holds -¥400.00 for R7"
    ) in out
    assert master.read_bytes() == before
    assert main(["reconcile", "apply", str(second), "--into", str(master)]) == 0
    assert f"：已由对账 {booked['reconciliation'][0]} 记账" in capsys.readouterr().out

    # Undo stays exact: the second copy booked nothing, so its undo takes nothing; the first's takes the line out,
    # and then the second copy books it, once.
    assert main(["reconcile", "apply", str(second), "--into", str(master), "--undo", "--lang", "en"]) == 0
    assert "0 taken out" in capsys.readouterr().out and len(load_master(master).adjustments) == 1
    assert main(["reconcile", "apply", str(recon), "--into", str(master), "--undo"]) == 0
    assert load_master(master).adjustments.empty
    assert main(["reconcile", "apply", str(second), "--into", str(master)]) == 0
    adjustments = load_master(master).adjustments
    assert adjustments[["ref", "amount"]].values.tolist() == [["R7", -400.0]]
    assert adjustments["source_file"].tolist() == ["recon_b.xlsx"]
    capsys.readouterr()
    assert main(["reconcile", "apply", str(recon), "--into", str(master), "--lang", "en"]) == 0
    assert "already booked by reconciliation 对账单_甲公司_重发.xlsx" in capsys.readouterr().out
    assert len(load_master(master).adjustments) == 1


def test_a_line_only_they_have_booked_at_another_amount_by_another_reconciliation_is_refused(setup, capsys):
    # The resent copy has R7 at 450: the master holds -400.00 for R7 from the first; -450.00 more would double it.
    master, recon, second = two_copies(setup, capsys, their_r7="450")
    assert main(["reconcile", "apply", str(recon), "--into", str(master)]) == 0
    capsys.readouterr()
    assert main(["reconcile", "apply", str(second), "--into", str(master), "--lang", "en"]) != 0
    err = capsys.readouterr().err
    cell = decision_cell(second, "R7")
    assert f"recon_b.xlsx: sheet 核对结果, cell {cell} (Decision): the master holds -¥400.00 for R7" in err
    assert "booked by reconciliation 对账单_甲公司.xlsx" in err and "reconcile again" in err
    assert load_master(master).adjustments["amount"].tolist() == [-400.0]


def test_a_document_number_of_theirs_on_another_date_is_another_line(setup, capsys):
    # A customer's voucher numbers (记-01) start again every month: R7 of another day is not the R7 booked.
    master, recon, second = two_copies(setup, capsys, r7_date="2026-10-25")
    for book in (recon, second):
        assert main(["reconcile", "apply", str(book), "--into", str(master)]) == 0
    booked = load_master(master).adjustments
    assert booked[["ref", "date", "amount"]].values.tolist() == [
        ["R7", pd.Timestamp("2026-10-18"), -400.0],
        ["R7", pd.Timestamp("2026-10-25"), -400.0],
    ]


def write_trading_master(path) -> None:
    """A customer's month as the books number it: invoices XS… (one in three lines), receipts SK…."""
    master = Master.empty()
    customers = pd.DataFrame(
        {
            "customer_id": ["C1"],
            "name": ["西安海峰汽车零部件股份有限公司"],
            "credit_limit": [500_000.0],
            "payment_terms_days": pd.array([30], dtype="Int64"),
        }
    )
    master.customers = customers.reindex(columns=master.customers.columns).astype(master.customers.dtypes.to_dict())
    master.transactions = tx(
        ("C1", "XS2026100025", "2026-10-20", 20_000.00),  # one invoice of three products: three lines
        ("C1", "XS2026100025", "2026-10-20", 15_000.00),
        ("C1", "XS2026100025", "2026-10-20", 4_603.68),
        ("C1", "XS2026100040", "2026-10-26", 13_645.53),
    ).reindex(columns=master.transactions.columns)
    master.payments = pay(
        ("C1", "SK2026100013", "2026-10-11", 10_968.64, None), ("C1", "SK2026100037", "2026-10-21", 422.65, None)
    ).reindex(columns=master.payments.columns)
    save_master(master, path)


TRADING_THEIRS = [
    ["西安海峰汽车零部件股份有限公司 供应商往来明细账 2026年10月"],
    ["日期", "凭证号", "摘要", "借方", "贷方"],
    ["2026-10-11", "SK2026100013", "付款", "10968.64", None],
    ["2026-10-20", "XS2026100025", "购货", None, "39603.68"],
    ["2026-10-26", "XS2026100040", "购货", None, "13000.00"],  # they booked less
    ["2026-10-30", "FK20261030", "付款", "5000", None],  # only theirs
]


def test_the_decision_sheet_prints_one_landscape_page_wide_with_its_document_numbers(tmp_path, capsys, libreoffice):
    """Finance signs the results: they print landscape on one page wide, so the decision, approver and reason are
    on the page with the lines' document numbers (the trial's second strip held them with no number)."""
    master, recon = tmp_path / "master.xlsx", tmp_path / "recon.xlsx"
    write_trading_master(master)
    run_reconcile(master, write_theirs(tmp_path / "对账单_C1.xlsx", TRADING_THEIRS), recon, capsys)
    sheet = openpyxl.load_workbook(recon).worksheets[0]
    assert sheet.page_setup.orientation == "landscape" and sheet.sheet_properties.pageSetUpPr.fitToPage
    pages = pdf_pages(libreoffice(recon, "pdf"))
    decided = [page for page in pages if "处理决定" in page]
    assert decided and all("XS2026100040" in page and "核对结果" in page for page in decided)
    # the invoice's three lines: in the cell, and printed on the page beside the decision columns (the cell wraps;
    # the cells beside it print level with its first line, so the page's text interleaves them)
    assert any(r["我方行号"] == "销售明细!2;销售明细!3;销售明细!4" for r in results(recon))
    printed = "".join(decided[0].split())
    assert "销售明细!2;销售明细!" in printed and "3;销售明细!4" in printed


def _renamed(book: openpyxl.Workbook, sheet: str, title: str, headers: dict[str, str]) -> None:
    """``sheet`` renamed ``title``, its cells and table columns named by a key of ``headers`` renamed to the value."""
    ws = book[sheet]
    ws.title = title
    for row in ws.iter_rows():
        for cell in row:
            if cell.value in headers:
                cell.value = headers[cell.value]
    for table in ws.tables.values():
        for column in table.tableColumns:
            column.name = headers.get(column.name, column.name)


def test_the_outputs_say_对账_and_read_what_earlier_ones_wrote_as_对帐(setup, capsys):
    """对账 / 调账 throughout (the trial saw 对帐信息 beside 对账单 in one workbook, 对帐调帐 on the console); a
    reconciliation workbook and a master written with the earlier 对帐 / 调帐 read back as their own."""
    master, theirs, recon = setup
    run_reconcile(master, theirs, recon, capsys)
    book = openpyxl.load_workbook(recon)
    assert "对账信息" in book.sheetnames and not any("帐" in name for name in book.sheetnames)
    _renamed(book, "对账信息", "对帐信息", {"对账来源": "对帐来源"})  # as an earlier version wrote it
    book.save(recon)
    decide(recon, {"S2": ("以对方为准", "王经理", "价格折让 50")})
    assert main(["reconcile", "apply", str(recon), "--into", str(master)]) == 0
    printed = capsys.readouterr().out
    assert printed.startswith("对账调账 ") and "帐" not in printed
    book = openpyxl.load_workbook(master)
    header = [c.value for c in book["调账记录"][1]]
    assert {"对账来源", "对账行"} <= set(header) and not any("帐" in str(h) for h in header)
    _renamed(book, "调账记录", "调帐记录", {"对账来源": "对帐来源", "对账行": "对帐行"})
    book.save(master)
    adjustments = load_master(master).adjustments
    assert adjustments[["ref", "line"]].values.tolist() == [["S2", "销售明细!4 / 5"]]
    assert adjustments["reconciliation"].str.startswith("对账单_甲公司.xlsx ").tolist() == [True]


def test_a_line_without_their_date_can_be_accepted_as_ours_but_not_booked(tmp_path, capsys):
    # Their row 8 has a document number and an amount but no date: a line of theirs only, its date blank.
    master, recon = tmp_path / "master.xlsx", tmp_path / "recon.xlsx"
    write_master(master)
    rows = [*THEIRS[:7], [None, "R8", "付款", "200", None], THEIRS[7]]
    theirs = write_theirs(tmp_path / "对账单_甲公司.xlsx", rows)
    run_reconcile(master, theirs, recon, capsys)
    decide(recon, {"R8": ("以对方为准", "王经理", "漏记收款")})
    err = refused_apply(recon, master, capsys)
    assert "sheet 核对结果, cell E" in err and "Accept Theirs books an adjustment on the line's date" in err
    assert "leave this line's decision blank, or decide Accept Ours or In Transit, which book nothing" in err
    capsys.readouterr()
    assert main(["reconcile", "apply", str(recon), "--into", str(master)]) != 0
    assert "请将此行的处理决定留空，或改为不记账的“以我方为准”或“在途”" in capsys.readouterr().err
    decide(recon, {"R8": ("以我方为准", None, "对方合计行")})
    assert main(["reconcile", "apply", str(recon), "--into", str(master), "--lang", "en"]) == 0
    assert "1 accepted as ours" in capsys.readouterr().out and load_master(master).adjustments.empty


@pytest.mark.parametrize(
    ("lang", "lines"),
    [
        ("zh", ["客户：C1 甲公司", "期间：2026-10-01 至 2026-10-31", "对方对账单：对账单_甲公司.xlsx"]),
        ("en", ["Customer: C1 甲公司", "Period: 2026-10-01 to 2026-10-31", "Their statement: 对账单_甲公司.xlsx"]),
    ],
)
def test_every_sheet_names_the_period_reconciled_and_their_statement_on_its_own_line(setup, capsys, lang, lines):
    # Their lines run 10-03..10-18; the period reconciled is the month their title names (the opening balance's).
    master, theirs, recon = setup
    assert main(["reconcile", str(master), str(theirs), "--customer", "C1", "--out", str(recon), "--lang", lang]) == 0
    book = calamine.CalamineWorkbook.from_path(str(recon))
    for name in book.sheet_names[:-1]:  # the record sheet has no title block
        assert [row[0] for row in book.get_sheet_by_name(name).to_python()[1:4]] == lines, name  # under the title
    assert read_decisions(recon).source == "对账单_甲公司.xlsx 2026-10-03..2026-10-18"  # its recorded identity kept


def test_an_undo_of_decisions_applied_before_title_case_names_no_decision_as_unlike_the_workbook(setup, capsys):
    """An English master keeps the lower-case labels an apply wrote before decisions were labelled in Title Case
    ("write off"): the undo listed each such adjustment as unlike the workbook's "Write Off"."""
    master, theirs, recon = setup
    english = load_master(master)
    english.lang = "en"
    master.unlink()  # written anew, with English sheets and headers
    save_master(english, master, backup=False)
    run_reconcile(master, theirs, recon, capsys)
    decide(recon, {"S2": ("accept theirs", "Wang", "discount"), "S9": ("write off", "Wang", "billed twice")}, "en")
    assert main(["reconcile", "apply", str(recon), "--into", str(master), "--date", "2026-11-05"]) == 0
    book = openpyxl.load_workbook(master)
    sheet = book[ADJUSTMENTS.sheet("en")]
    column = [c.value for c in sheet[1]].index(ADJUSTMENTS.column("decision").header("en")) + 1
    assert [sheet.cell(r, column).value for r in (2, 3)] == ["Accept Theirs", "Write Off"]
    for r in (2, 3):  # as the apply of an earlier version wrote them
        sheet.cell(r, column).value = sheet.cell(r, column).value.lower()
    book.save(master)
    capsys.readouterr()
    assert main(["reconcile", "apply", str(recon), "--into", str(master), "--undo", "--lang", "en"]) == 0
    out = capsys.readouterr().out
    assert "2 taken out" in out and "the workbook:" not in out
