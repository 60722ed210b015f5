"""The master's book currency (Settings 记账币种) followed everywhere: money formats, amounts shown, labels, reading."""

from __future__ import annotations

import dataclasses

import openpyxl
import pytest
import python_calamine as calamine

from keyacct_xl.cli.main import main
from keyacct_xl.currency import CNY, Money, currency
from keyacct_xl.demo.company import generate_demo
from keyacct_xl.master.writer import save_master
from keyacct_xl.messages import tr

PERIOD = "2026-10"


@pytest.fixture(scope="module")
def sgd_master(tmp_path_factory):
    """An English demo master whose Settings keep their books in Singapore dollars."""
    master = generate_demo(seed=7, customers=40, lang="en")
    master.settings = dataclasses.replace(master.settings, currency="SGD")
    path = tmp_path_factory.mktemp("sgd") / "master.xlsx"
    save_master(master, path, backup=False)
    return path


def money_formats(path) -> set[str]:
    """Every currency number format of the workbook's cells, read back by openpyxl."""
    book = openpyxl.load_workbook(path)
    cells = (c for ws in book.worksheets for row in ws.iter_rows() for c in row)
    return {c.number_format for c in cells if "#,##0.00" in c.number_format}


def test_known_codes_have_their_symbols_and_an_unknown_code_shows_itself():
    assert (currency("cny"), currency("sgd").symbol, currency("HKD").symbol) == (CNY, "S$", "HK$")
    assert currency("XYZ").shown(-1850) == "-XYZ 1,850.00"
    assert currency("SGD").money_format == '"S$"#,##0.00'


def test_a_message_amount_shows_its_currency_in_the_yuan_mark():
    line = "balance ¥{balance:,.2f}, overdue ¥{overdue:,.2f}"
    assert tr("en", line, balance=Money(-5.5, currency("SGD")), overdue=3) == "balance -S$5.50, overdue ¥3.00"


def test_ageing_of_a_sgd_master_shows_singapore_dollars(sgd_master, tmp_path, capsys):
    out = tmp_path / "ageing.xlsx"
    assert main(["--lang", "en", "ageing", str(sgd_master), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "balance S$" in printed and "¥" not in printed
    assert money_formats(out) == {'"S$"#,##0.00'}


def test_statement_of_a_sgd_master_names_its_currency(sgd_master, tmp_path, capsys):
    from keyacct_xl.master.reader import load_master
    from keyacct_xl.receivables.demo_statement import pick_customer
    from keyacct_xl.receivables.statements import parse_period

    start, end = parse_period(PERIOD)
    cid = pick_customer(load_master(sgd_master), start=start, end=end)
    args = ["--lang", "en", "statement", str(sgd_master), "--customer", cid, "--period", PERIOD, "--out", str(tmp_path)]
    assert main(args) == 0
    (path,) = tmp_path.glob("*.xlsx")
    assert money_formats(path) == {'"S$"#,##0.00'}
    rows = calamine.CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()
    texts = [str(v) for row in rows for v in row]
    assert "SGD" in texts and "CNY" not in texts
    assert not any("¥" in t for t in texts)


def test_a_quotation_priced_in_the_book_currency_is_read_and_one_in_another_is_refused_at_its_line(tmp_path):
    """Before, a SGD master's quotation at S$1,850.00 was accepted with its price left blank ("not in CNY")."""
    from test_products import hand_master

    from keyacct_xl.consolidate.run import consolidate
    from keyacct_xl.consolidate.simulate import fill_form
    from keyacct_xl.consolidate.store import load_store
    from keyacct_xl.forms.catalog import load_form
    from keyacct_xl.forms.generator import build_form
    from keyacct_xl.master.reader import load_master

    master = load_master(hand_master(tmp_path / "hand.xlsx"))
    master.settings = dataclasses.replace(master.settings, currency="SGD")
    path = save_master(master, tmp_path / "master.xlsx", backup=False)
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    header = {"rep": "张三", "customer_id": "C1", "quote_no": "Q-9", "quote_date": "2026-11-20", "quoted_by": "张三"}
    lines = [
        {"product_code": "P1", "product": "液压油 46# 200L", "qty": 2, "unit_price": "S$1,850.00"},
        {"product_code": "P2", "product": "全合成机油 4L", "qty": 1, "unit_price": "¥55"},
    ]
    form = build_form(load_form("quotation"), lang="bilingual", currency=currency("SGD"))  # as made for the master
    (inbox / "q.xlsx").write_bytes(fill_form(form, header=header, rows={"items": lines}))
    [outcome] = consolidate(inbox, path, now="2026-11-25 18:00:00").outcomes
    stored = load_store(path).frame("QuotationLines")
    assert stored["product_code"].tolist() == ["P1"] and stored["unit_price"].tolist() == [1850.0]
    assert [i.en for i in outcome.issues if i.severity == "warning"] == []  # its SGD labels are the form's own
    [refused] = [i for i in outcome.issues if i.severity == "error"]
    assert refused.value == "¥55" and "not in SGD" in refused.en and "SGD" in refused.zh


def test_the_gm_pack_rfm_and_grading_review_of_a_sgd_master(sgd_master, tmp_path, capsys):
    """Before: ¥ cells and a ¥ console line in gm, ¥ in rfm, grading review headers in "(10k yuan)"."""
    gm, rfm, review = tmp_path / "gm.xlsx", tmp_path / "rfm.xlsx", tmp_path / "review.xlsx"
    assert main(["--lang", "en", "report", "gm", str(sgd_master), "--period", PERIOD, "--out", str(gm)]) == 0
    printed = capsys.readouterr().out
    assert "sales S$" in printed and "¥" not in printed
    assert main(["--lang", "en", "rfm", str(sgd_master), "--out", str(rfm)]) == 0
    assert main(["--lang", "en", "grade", str(sgd_master), "--year", "2025", "--out", str(review)]) == 0
    for path in (gm, rfm):
        assert '"S$"#,##0.00' in money_formats(path) and not any("¥" in f for f in money_formats(path))
    summary = calamine.CalamineWorkbook.from_path(str(review)).get_sheet_by_index(1).to_python()
    texts = {str(value) for row in summary for value in row}
    assert {"Sales, current grade (10k SGD)", "to A (10k SGD)"} <= texts
    assert not any("yuan" in text for text in texts)


def test_forms_for_a_sgd_master_name_its_currency_and_are_read_back_as_the_catalogues(sgd_master, tmp_path):
    from keyacct_xl.forms.catalog import load_form

    out = tmp_path / "forms"
    args = ["forms", "generate", "customer_registration", "quotation", "--master", str(sgd_master), "--lang", "en"]
    assert main([*args, "--out", str(out)]) == 0
    texts = set()
    for path in out.glob("*.xlsx"):
        for sheet in calamine.CalamineWorkbook.from_path(str(path)).sheet_names:
            rows = calamine.CalamineWorkbook.from_path(str(path)).get_sheet_by_name(sheet).to_python()
            texts |= {str(v) for row in rows for v in row}
    assert "Registered capital (10k SGD)" in texts and "Money (SGD)" in texts
    assert not any("CNY" in t for t in texts)
    assert load_form("quotation").hash in texts  # recognized as the catalogue's form


def test_the_settings_sheet_describes_amounts_in_the_book_currency(sgd_master):
    rows = calamine.CalamineWorkbook.from_path(str(sgd_master)).get_sheet_by_name("Settings").to_python()
    described = [str(row[2]) for row in rows if len(row) > 2]
    assert "A: minimum annual sales (SGD)" in described and not any("(CNY)" in d for d in described)


def test_the_rep_evaluation_of_a_sgd_master_prints_and_writes_singapore_dollars(sgd_master, tmp_path, capsys):
    out = tmp_path / "reps.xlsx"
    assert main(["--lang", "en", "reps", str(sgd_master), "--period", PERIOD, "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "sales S$" in printed and "¥" not in printed
    assert '"S$"#,##0.00' in money_formats(out) and not any("¥" in f for f in money_formats(out))


def returned_books(path, amounts: list[str]):
    """The customer's own books for October, one payment line per amount typed as given (their debit: paid us)."""
    rows = ["日期,凭证号,摘要,借方金额,贷方金额"]
    rows += [f'2026-10-{10 + i},记-{i:04d},付货款,"{amount}",' for i, amount in enumerate(amounts)]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_a_returned_statement_of_a_sgd_master_reads_its_dollars_and_refuses_yuan_at_the_cell(sgd_master, tmp_path):
    """Before, "S$1,200.00" refused the whole file ("currencies mixed or not CNY") and "¥1,200" was read as 1,200."""
    from keyacct_xl.consolidate.reconciling import run_reconciliation

    theirs = returned_books(tmp_path / "theirs.csv", ["S$1,200.00", "1,200.00 SGD", "¥1,300", "1,400.00"])
    run = run_reconciliation(theirs, sgd_master, tmp_path / "rec.xlsx", customer_id="C0001", lang="en")
    lines = run.result.table
    assert sorted(lines["theirs_amount"].dropna().tolist()) == [-1400.0, -1200.0, -1200.0]
    [refused] = run.result.problems
    assert (refused.row, refused.value) == (4, "¥1,300")
    assert "not in SGD" in refused.reason.render("en") and "SGD" in refused.reason.render("zh")


@pytest.mark.parametrize("typed", ["USD 1,300.00 paid", "RM 500 已付", "1,300.00 paid in USD"])
def test_an_amount_among_words_naming_another_currency_is_refused_at_its_cell(sgd_master, tmp_path, typed):
    """Before, "USD 1,300.00 paid" and "RM 500 已付" on a SGD master were read as 1,300 and 500 Singapore dollars."""
    from keyacct_xl.consolidate.reconciling import run_reconciliation

    theirs = returned_books(tmp_path / "theirs.csv", ["1,200.00 SGD 已付", typed])
    run = run_reconciliation(theirs, sgd_master, tmp_path / "rec.xlsx", customer_id="C0001", lang="en")
    assert run.result.table["theirs_amount"].dropna().tolist() == [-1200.0]
    [refused] = run.result.problems
    assert (refused.row, refused.value) == (3, typed)
    assert "not in SGD" in refused.reason.render("en") and "SGD" in refused.reason.render("zh")


def test_a_sgd_masters_own_money_columns_show_singapore_dollars_after_a_save(sgd_master, tmp_path):
    """Before, Transactions, Payments and the credit limits kept "¥"#,##0.00 in a SGD master, new or saved again."""
    from keyacct_xl.master.reader import load_master

    assert money_formats(sgd_master) == {'"S$"#,##0.00'}
    cny = save_master(generate_demo(seed=7, customers=20, lang="zh"), tmp_path / "master.xlsx", backup=False)
    book = openpyxl.load_workbook(cny)  # the user changes 记账币种 in Excel
    [row] = [r for r in book["参数设置"].iter_rows() if r[0].value == "记账币种"]
    row[1].value = "SGD"
    book.save(cny)
    save_master(load_master(cny), cny, backup=False)
    book = openpyxl.load_workbook(cny)
    shown = {(ws.title, c.number_format) for ws in book.worksheets for r in ws.iter_rows(min_row=2) for c in r}
    assert {f for _, f in shown if "#,##0.00" in f} == {'"S$"#,##0.00'}
    assert {("销售明细", '"S$"#,##0.00'), ("收款记录", '"S$"#,##0.00'), ("客户档案", '"S$"#,##0.00')} <= shown


@pytest.mark.parametrize("command", [["credit", "check"], ["run", "credit_check", "--book"]])
def test_the_credit_check_of_a_sgd_master_prints_singapore_dollars(sgd_master, command, capsys):
    """Before: over the credit limit by ¥..., limit ¥..., open balance ¥... on a SGD master."""
    assert main(["--lang", "en", *command, str(sgd_master), "--customer", "C0001", "--amount", "9000000"]) == 0
    printed = capsys.readouterr().out
    assert "over the credit limit by S$" in printed and "limit S$" in printed
    assert "¥" not in printed


def test_our_statement_returned_to_a_sgd_master_is_reconciled_in_singapore_dollars(tmp_path, capsys):
    """Before, consolidation read S$2,950.00 typed in our returned statement as unreadable ("not in CNY") and its
    report line said "unexplained ¥0.00"; ¥5,000 is now refused at its cell instead of read as dollars."""
    from test_consolidation_statements import report_rows
    from test_receivables_adjustments import write_master

    master, inbox = tmp_path / "master.xlsx", tmp_path / "inbox"
    write_master(master)
    book = openpyxl.load_workbook(master)  # the user changes 记账币种 in Excel
    [setting] = [r for r in book["参数设置"].iter_rows() if r[0].value == "记账币种"]
    setting[1].value = "SGD"
    book.save(master)
    args = ["forms", "generate", "account_statement", "--master", str(master), "--customer", "C1"]
    assert main([*args, "--period", "2026-10", "--out", str(inbox)]) == 0
    path = inbox / "account_statement_C1_2026-10.xlsx"
    book = openpyxl.load_workbook(path)
    sheet = book.worksheets[0]
    ((_, ref),) = book.defined_names["f_agreed"].destinations
    sheet[ref.replace("$", "")] = "否"
    lines = {r[1].value: r for r in sheet.iter_rows(min_row=15) if r[1].value in ("S1", "S2")}
    lines["S2"][3].value, lines["S1"][3].value = "S$2,950.00", "¥5,000"
    book.save(path)
    report = tmp_path / "report.xlsx"
    assert main(["consolidate", str(inbox), "--into", str(master), "--report", str(report), "--lang", "en"]) == 0
    line = next(str(v) for row in report_rows(report) for v in row if "reconciliation" in str(v) and "C1" in str(v))
    assert "unexplained S$" in line and "¥" not in line
    recon = master.parent / "reconciliations" / "reconcile_account_statement_C1_2026-10.xlsx"
    texts = [str(v) for row in report_rows(recon) for v in row]
    assert "'¥5,000' 不是总表记账币种 SGD 的金额：请先换算" in texts  # the master's language: zh
    assert not any("S$2,950.00" in t for t in texts)  # read as 2,950, no unreadable value


def test_reconcile_apply_on_a_sgd_master_prints_its_balances_in_singapore_dollars(tmp_path, capsys):
    """Before: "balance ¥8,500.00 → ¥8,450.00" and "S2 (...): ¥3,000.00 → ¥2,950.00" on a SGD master."""
    from test_receivables_adjustments import decide, write_master, write_theirs

    master, recon = tmp_path / "master.xlsx", tmp_path / "recon.xlsx"
    write_master(master)
    book = openpyxl.load_workbook(master)
    [setting] = [r for r in book["参数设置"].iter_rows() if r[0].value == "记账币种"]
    setting[1].value = "SGD"
    book.save(master)
    theirs = write_theirs(tmp_path / "对账单_甲公司.xlsx")
    assert main(["reconcile", str(master), str(theirs), "--customer", "C1", "--out", str(recon)]) == 0
    decide(recon, {"S2": ("以对方为准", "王经理", "价格折让 50")})
    capsys.readouterr()
    assert main(["--lang", "en", "reconcile", "apply", str(recon), "--into", str(master), "--date", "2026-11-05"]) == 0
    printed = capsys.readouterr().out
    assert "S$3,000.00 → S$2,950.00" in printed and "balance S$" in printed and "¥" not in printed


def test_the_demos_reconciliation_of_a_sgd_master_is_in_singapore_dollars(sgd_master, tmp_path):
    """Before, the demo wrote its reconciliation with "¥"#,##0.00 cells and printed "unexplained ¥" on a SGD master."""
    import argparse

    from keyacct_xl.receivables.demo_step import receivables_demo

    lines = receivables_demo(sgd_master, tmp_path, argparse.Namespace(lang="en"))
    [reconciliation] = (tmp_path / "receivables").glob("reconcile_*.xlsx")
    assert money_formats(reconciliation) == {'"S$"#,##0.00'}
    [line] = [line for line in lines if line.startswith("reconciliation:")]
    assert "unexplained S$" in line and "¥" not in line
