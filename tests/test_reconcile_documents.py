"""The reconciliation workbook and the statement as documents finance reads, prints and signs (finance trial findings):
whose reconciliation it is, which documents each difference is, decision errors in the reader's language and all at
once, an adjustment without a reason, and English values in the style of their headers."""

from __future__ import annotations

import re

import openpyxl
import pytest
import python_calamine as calamine
from reportbook import pdf_pages, table_ref

from keyacct_xl.cli.main import main
from keyacct_xl.errors import InputError
from keyacct_xl.receivables.adjustments import read_decisions
from tests.test_receivables_adjustments import THEIRS, decide, run_reconcile, write_master, write_theirs

# Their statement with a receipt they booked without a number (row 8): the closing balance follows it.
NUMBERLESS = [
    *THEIRS[:-1],
    ["2026-10-20", None, "付款（承兑）", "100", None],
    [None, None, "期末余额", None, None, "7,450"],
]


@pytest.fixture
def reconciled(tmp_path, capsys):
    master, recon = tmp_path / "master.xlsx", tmp_path / "recon.xlsx"
    write_master(master)
    run_reconcile(master, write_theirs(tmp_path / "对账单_甲公司.xlsx", NUMBERLESS), recon, capsys)
    return master, recon


def explanation(recon) -> list[dict]:
    table = calamine.CalamineWorkbook.from_path(str(recon), load_tables=True).get_table_by_name("BalanceExplanation")
    return [dict(zip(table.columns, row)) for row in table.to_python()]


def test_the_first_sheet_and_its_printed_pages_name_the_customer(reconciled):
    """The trial's workbook named the customer nowhere but its id on the last sheet."""
    _, recon = reconciled
    sheet = openpyxl.load_workbook(recon).worksheets[0]
    above = [sheet.cell(r, 1).value for r in range(1, table_ref(recon, 0)[1])]
    assert "客户：C1 甲公司" in above
    assert "C1 甲公司" in sheet.oddHeader.left.text


def test_each_difference_names_its_documents_and_the_row_column_holds_rows(reconciled):
    """差异说明 listed "对方 7" without the receipt's number, and its 行号 held master.xlsx for the balances."""
    _, recon = reconciled
    items = explanation(recon)
    assert list(items[0]) == ["项目", "单据编号", "行号", "金额"]
    by_rows = {item["行号"]: item for item in items if item["行号"]}
    assert by_rows["对方 7"]["单据编号"] == "R7" and by_rows["我方 销售明细!4; 对方 5"]["单据编号"] == "S2"
    assert by_rows["对方 8"]["单据编号"] == "无单号（2026-10-20）"
    assert all(re.fullmatch(r"((我方|对方) [^;]+(; )?)+|[\d, ]+", rows) for rows in by_rows), list(by_rows)
    assert items[0]["项目"] == "我方期末余额（master.xlsx）" and not items[0]["行号"]
    assert items[1]["项目"] == "对方期末余额（按我方方向，对账单_甲公司.xlsx）" and not items[1]["行号"]


@pytest.mark.libreoffice
def test_the_printed_reconciliation_names_the_customer_and_the_documents(reconciled, libreoffice):
    _, recon = reconciled
    pages = pdf_pages(libreoffice(recon, "pdf"))
    assert all("C1 甲公司" in page for page in pages)
    explained = next(page for page in pages if "差异说明" in page)
    assert "R7" in explained and "无单号（2026-10-20）" in explained and "master.xlsx" in explained


def test_decision_errors_list_the_choices_of_their_language_and_every_bad_cell(reconciled):
    """同意 was answered with the English choices first, and only the first bad cell of the sheet was named."""
    _, recon = reconciled
    decide(recon, {"S2": ("同意", "王", None), "R7": ("以对方为准", None, None), "S9": ("maybe", "王", None)})
    with pytest.raises(InputError) as raised:
        read_decisions(recon)
    zh, en = raised.value.message("zh"), raised.value.message("en")
    header = table_ref(recon, 0)[1]
    rows = {ref: header + 1 + i for i, ref in enumerate(r[0].value or r[1].value for r in _refs(recon, header))}
    for cell in (f"L{rows['S2']}", f"M{rows['R7']}", f"L{rows['S9']}"):
        assert cell in zh and cell in en
    assert "以我方为准、以对方为准、核销、在途" in zh and not re.search("[A-Za-z]{3,} [a-z]", zh.split("：", 1)[1])
    assert "Accept Ours, Accept Theirs, Write Off, In Transit" in en and "以我方为准" not in en


def _refs(recon, header: int) -> list:
    sheet = openpyxl.load_workbook(recon).worksheets[0]
    return [(row[1], row[2]) for row in sheet.iter_rows(min_row=header + 1) if row[0].value]


def test_english_results_show_statuses_and_decisions_in_title_case(tmp_path, capsys):
    master, recon = tmp_path / "master.xlsx", tmp_path / "recon.xlsx"
    write_master(master)
    capsys.readouterr()
    theirs = write_theirs(tmp_path / "theirs.xlsx")
    assert main(["reconcile", str(master), str(theirs), "--customer", "C1", "--out", str(recon), "--lang", "en"]) == 0
    assert "Matched 2, Amount Mismatch 1, Only Ours 2, Only Theirs 1" in capsys.readouterr().out
    table = calamine.CalamineWorkbook.from_path(str(recon), load_tables=True).get_table_by_name("Reconciliation")
    assert {row[0] for row in table.to_python()} == {"Matched", "Amount Mismatch", "Only Ours", "Only Theirs"}
    listed = openpyxl.load_workbook(recon).worksheets[0].data_validations.dataValidation[0].formula1
    assert listed == '"Accept Ours,Accept Theirs,Write Off,In Transit"'


def test_an_adjustment_without_a_reason_prints_without_an_empty_colon(reconciled, tmp_path, capsys):
    """The trial's statement printed 调账： with nothing after it for an adjustment that had no reason."""
    master, recon = reconciled
    decide(recon, {"R7": ("以对方为准", "王经理", None)})
    assert main(["reconcile", "apply", str(recon), "--into", str(master), "--date", "2026-10-31"]) == 0
    for lang, word in (("zh", "调账"), ("en", "Adjustment")):
        out = tmp_path / lang
        args = ["statement", str(master), "--customer", "C1", "--period", "2026-10", "--out", str(out), "--lang", lang]
        assert main(args) == 0
        [book] = out.glob("*.xlsx")
        rows = [r for r in openpyxl.load_workbook(book).worksheets[0].iter_rows(values_only=True) if "R7" in r]
        assert [r[2] for r in rows] == [word]
