"""What a customer writes on a returned statement beside its figures: dispute marks and remarks, amounts with words
around them, a closing balance left blank, and the decisions finance may take on a line whose amount is unreadable.

Found by a finance trial: a line marked 有异议 showed as 相符 with the mark nowhere; a blank closing balance was read
as the opening one; 我方记录 12,300.00 was refused for its thousands grouping; 以我方为准 on an unreadable line was
refused.
"""

from __future__ import annotations

import openpyxl
import pytest
from reportbook import table_rows

from keyacct_xl.cli.main import main
from keyacct_xl.master.reader import load_master
from tests.test_consolidation_statements import report_rows, returned_statement
from tests.test_receivables_adjustments import THEIRS, decide, results, run_reconcile, write_master, write_theirs

HEADER = ["日期", "凭证号", "摘要", "借方", "贷方", "余额", "备注"]


@pytest.fixture
def master(tmp_path):
    path = tmp_path / "master.xlsx"
    write_master(path)
    return path


def our_statement(master, tmp_path):
    """The statement we send C1 for October, as the customer opens it."""
    assert main(["statement", str(master), "--customer", "C1", "--period", "2026-10", "--out", str(tmp_path)]) == 0
    return tmp_path / "对账单_C1_2026-10.xlsx"


def row_of(sheet, ref: str) -> int:
    return next(c.row for c in sheet["B"] if c.value == ref)


def by_ref(recon) -> dict[str, dict]:
    return {r["对方单号"] or r["我方单号"]: r for r in results(recon)}


def test_a_dispute_typed_beside_a_line_of_our_statement_is_quoted_on_its_result(master, tmp_path, capsys, libreoffice):
    """有异议 typed in G beside S1 of our statement, a remark beside S2 and 有异议 added to the 摘要 of R1: each line's
    result quotes the cell (it showed 相符 with the mark nowhere), in the notes with customer, document and cell;
    the same after the customer saves the file in LibreOffice."""
    sent = our_statement(master, tmp_path)
    book = openpyxl.load_workbook(sent)
    sheet = book.worksheets[0]
    s1, s2, r1 = (row_of(sheet, ref) for ref in ("S1", "S2", "R1"))
    sheet.cell(s1, 7).value = "有异议"
    sheet.cell(s2, 7).value = "Disputed - short delivery"
    sheet.cell(r1, 3).value = f"{sheet.cell(r1, 3).value} 有异议：未收到"
    book.save(sent)
    saved = libreoffice(sent, "xlsx")
    for returned in (sent, saved):
        recon = tmp_path / f"r_{returned.parent.name}.xlsx"
        out = run_reconcile(master, returned, recon, capsys)
        lines = by_ref(recon)
        assert lines["S1"]["核对结果"] == "相符" and f"对方有异议（G{s1}）：有异议" in lines["S1"]["提示"]
        assert f"对方有异议（G{s2}）：Disputed - short delivery" in lines["S2"]["提示"]
        assert f"对方有异议（C{r1}）" in lines["R1"]["提示"] and "有异议：未收到" in lines["R1"]["提示"]
        assert f"客户 C1，单据 S1，{returned.name} 单元格 G{s1}：对方有异议：有异议" in out


def test_text_in_a_column_of_their_own_ledger_is_quoted_on_the_line(master, tmp_path, capsys):
    """A 备注 column of the customer's own ledger, beside lines: a dispute and a remark, each on its line's result."""
    rows = [THEIRS[0], HEADER, *(r + [None] * (7 - len(r)) for r in THEIRS[2:])]
    rows[3][6] = "有异议：单价不符"  # S1
    rows[5][6] = "已付，见回单"  # R1
    theirs = write_theirs(tmp_path / "应付明细_备注.xlsx", rows)
    recon = tmp_path / "r.xlsx"
    out = run_reconcile(master, theirs, recon, capsys)
    lines = by_ref(recon)
    assert lines["S1"]["核对结果"] == "相符" and "对方有异议（G4）：有异议：单价不符" in lines["S1"]["提示"]
    assert "对方注明（G6）：已付，见回单" in lines["R1"]["提示"]
    assert "客户 C1，单据 R1，应付明细_备注.xlsx 单元格 G6：对方注明：已付，见回单" in out


def test_a_blank_closing_balance_is_opening_plus_lines_not_the_opening(master, tmp_path, capsys):
    """期末余额 with its balance left blank, lines without a running balance: their balance is opening + lines
    (it was the opening figure, with an invented 'stated balance differs' cause)."""
    rows = [*THEIRS[:7], [None, None, "期末余额", None, None, None]]
    theirs = write_theirs(tmp_path / "无期末.xlsx", rows)
    recon = tmp_path / "r.xlsx"
    out = run_reconcile(master, theirs, recon, capsys)
    assert "对方余额 ¥7,550.00" in out and "未解释差额 ¥0.00" in out
    causes = [row[0] for row in openpyxl.load_workbook(recon)["差异说明"].iter_rows(values_only=True)]
    assert not any("明细合计不符" in str(c) for c in causes)


@pytest.mark.parametrize("typed", ["我方记录 5,000.00", "5,000.00（已入账）", "Our record 5,000.00"])
def test_an_amount_with_words_around_it_is_read_and_the_cell_quoted(master, tmp_path, capsys, typed):
    """One amount with words around it is read (it was refused: 'thousands separators must group three digits'), and
    a note quotes the cell."""
    rows = [list(r) for r in THEIRS]
    rows[3][4] = typed  # S1's credit
    theirs = write_theirs(tmp_path / "带字.xlsx", rows)
    recon = tmp_path / "r.xlsx"
    out = run_reconcile(master, theirs, recon, capsys)
    assert by_ref(recon)["S1"]["核对结果"] == "相符" and "无法识别 0 处" in out
    assert f"带字.xlsx 单元格 E4：从“{typed}”中读出金额 5,000.00" in out


def test_an_amount_among_several_numbers_is_refused_for_that_reason(master, tmp_path, capsys):
    rows = [list(r) for r in THEIRS]
    rows[3][4] = "我方记录 5,000.00，贵方 4,950.00"
    theirs = write_theirs(tmp_path / "两数.xlsx", rows)
    recon = tmp_path / "r.xlsx"
    run_reconcile(master, theirs, recon, capsys)
    [problem] = table_rows(recon, "无法识别")[1:]
    assert "千位" not in problem[5] and "2 个数字" in problem[5]


def test_an_amount_among_words_naming_another_currency_is_refused_at_its_cell(master, tmp_path, capsys):
    """RM 5,000.00 已付 on a CNY master was read as 5,000 yuan; it is refused at its cell as not in CNY."""
    rows = [list(r) for r in THEIRS]
    rows[3][4] = "RM 5,000.00 已付"
    theirs = write_theirs(tmp_path / "外币.xlsx", rows)
    recon = tmp_path / "r.xlsx"
    run_reconcile(master, theirs, recon, capsys)
    [problem] = table_rows(recon, "无法识别")[1:]
    assert "RM 5,000.00 已付" in problem[5] and "CNY" in problem[5]


def test_accept_ours_closes_a_line_whose_amount_could_not_be_read(master, tmp_path, capsys):
    """以我方为准 needs no figure of theirs (it was refused: 'leave its decision blank'); 以对方为准 still needs it."""
    rows = [list(r) for r in THEIRS]
    rows[3][4] = "见附件"  # S1's credit: unreadable
    theirs = write_theirs(tmp_path / "无法识别.xlsx", rows)
    recon = tmp_path / "r.xlsx"
    run_reconcile(master, theirs, recon, capsys)
    decide(recon, {"S1": ("以对方为准", "王经理", "")})
    assert main(["reconcile", "apply", str(recon), "--into", str(master)]) == 2
    refused = capsys.readouterr().err
    assert "“以对方为准”没有可依据的金额" in refused and "请选择“以我方为准”" in refused
    decide(recon, {"S1": ("以我方为准", "王经理", "对方未填金额")})
    assert main(["reconcile", "apply", str(recon), "--into", str(master)]) == 0
    assert load_master(master).adjustments.empty


def test_a_dispute_beside_a_line_of_our_statement_form_is_quoted_on_its_reconciled_line(tmp_path, capsys):
    """有异议 typed right of S1's line on our account_statement form, outside its fields: consolidation starts the
    reconciliation, and the S1 line's result quotes it (the line showed 相符 with the mark nowhere)."""
    master, inbox, path = returned_statement(tmp_path, agreed="否", note="S1 有异议")
    book = openpyxl.load_workbook(path)
    sheet = book.worksheets[0]
    s1 = row_of(sheet, "S1")
    beside = f"{openpyxl.utils.get_column_letter(sheet.max_column + 1)}{s1}"
    sheet[beside] = "有异议：单价不符"
    book.save(path)
    report = tmp_path / "report.xlsx"
    assert main(["consolidate", str(inbox), "--into", str(master), "--report", str(report)]) == 0
    recon = master.parent / "reconciliations" / "reconcile_account_statement_C1_2026-10.xlsx"
    line = by_ref(recon)["S1"]
    assert line["核对结果"] == "相符" and f"对方有异议（{beside}）：有异议：单价不符" in line["提示"]
    capsys.readouterr()
    assert main(["reconcile", str(master), str(path), "--customer", "C1", "--out", str(tmp_path / "r.xlsx")]) == 0
    assert f"客户 C1，单据 S1，{path.name} 单元格 {beside}：对方有异议：有异议：单价不符" in capsys.readouterr().out


def test_two_cells_written_on_one_row_beside_our_statement_form_are_both_quoted(tmp_path):
    """请核对 in H and a signature in J of one row below the lines: the notes quoted the last cell only."""
    master, inbox, path = returned_statement(tmp_path, agreed="否", note="见下方")
    book = openpyxl.load_workbook(path)
    sheet = book.worksheets[0]
    row = sheet.max_row + 2
    sheet[f"H{row}"], sheet[f"J{row}"] = "请核对", "王会计 11/5"
    book.save(path)
    report = tmp_path / "report.xlsx"
    assert main(["consolidate", str(inbox), "--into", str(master), "--report", str(report)]) == 0
    recon = master.parent / "reconciliations" / "reconcile_account_statement_C1_2026-10.xlsx"
    texts = [str(v) for r in report_rows(recon) for v in r]
    assert any(f"第 {row} 行" in t and "请核对 王会计 11/5" in t for t in texts), texts


def test_a_column_of_the_files_own_data_is_no_remark_and_is_named_once(master, tmp_path, capsys):
    """A bank-style export: 交易渠道 网银 and 用途 货款 on every line became "their remark" on every line and pushed a
    real dispute in 备注 among the ones counted, not quoted. Now those columns are named once as not read, and the
    dispute in 备注 is quoted."""
    header = [*HEADER[:6], "交易渠道", "用途", "备注"]
    rows = [THEIRS[0], header, *(r + [None] * (9 - len(r)) for r in THEIRS[2:])]
    for line in rows[3:7]:  # S1, S2, R1, R7
        line[6], line[7] = "网银", "货款"
    rows[3][8] = "有异议：单价不符"  # S1
    theirs = write_theirs(tmp_path / "网银流水.xlsx", rows)
    recon = tmp_path / "r.xlsx"
    out = run_reconcile(master, theirs, recon, capsys)
    lines = by_ref(recon)
    assert not any("网银" in line["提示"] or "货款" in line["提示"] for line in lines.values())
    assert "对方有异议（I4）：有异议：单价不符" in lines["S1"]["提示"]
    assert "客户 C1，单据 S1，网银流水.xlsx 单元格 I4：对方有异议：有异议：单价不符" in out
    assert out.count("交易渠道") == 1 and "用途" in out and "未读取" in out


def test_a_dispute_word_in_their_own_description_of_a_line_is_no_dispute(master, tmp_path, capsys):
    """质量不符退货 is how their books describe the line, not a mark they added (our line says nothing else): it was
    quoted as 对方有异议."""
    rows = [list(r) for r in THEIRS]
    rows[4][2] = "质量不符退货"  # S2
    theirs = write_theirs(tmp_path / "摘要.xlsx", rows)
    recon = tmp_path / "r.xlsx"
    out = run_reconcile(master, theirs, recon, capsys)
    assert "对方有异议" not in by_ref(recon)["S2"]["提示"] and "对方有异议" not in out
