"""The analytics commands end to end on real files, read back with openpyxl, calamine and LibreOffice."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
import python_calamine as calamine
from hypothesis import given, settings
from hypothesis import strategies as st
from reportbook import report_table, table_ref
from test_analytics_abc import fifty_customers

from keyacct_xl.analytics.apply import apply_review
from keyacct_xl.analytics.review import build_review
from keyacct_xl.analytics.rfm import RFM_COLUMNS
from keyacct_xl.bridge.base import ActionOptions, FileBridge
from keyacct_xl.cli.main import main
from keyacct_xl.errors import InputError
from keyacct_xl.labels import header
from keyacct_xl.macros import run_action
from keyacct_xl.master.model import Master
from keyacct_xl.master.reader import load_master
from keyacct_xl.master.settings import settings_from
from keyacct_xl.master.writer import save_master
from keyacct_xl.output import display_width


def small_master() -> Master:
    master = Master.empty()
    customers = pd.DataFrame(
        {
            "customer_id": ["C1", "C2", "C3", "C4"],
            "name": ["甲公司", "乙商行", "丙超市", "丁店"],
            "region": ["华东", "华东", "华北", "华南"],
            "rep": ["张三", "张三", "李四", "王五"],
            "grade": ["VIP", "A", "B", None],
            "credit_grade": ["A", "A", "B", None],
            "category": ["重要客户"] * 4,
            "influence": pd.array([5, 3, 2, None], dtype="Int64"),
            "payment_terms_days": pd.array([30] * 4, dtype="Int64"),
            "first_trade_date": pd.to_datetime(["2015-01-01", "2018-05-01", "2020-01-01", "2025-10-01"]),
        }
    )
    master.customers = customers.reindex(columns=master.customers.columns).astype(master.customers.dtypes.to_dict())
    tx = pd.DataFrame(
        {
            "doc_no": ["D1", "D2", "D3", "D4", "D5", "D6"],
            "customer_id": ["C1", "C1", "C2", "C2", "C3", "C4"],
            "date": pd.to_datetime(
                ["2025-02-01", "2025-05-01", "2025-03-01", "2024-03-01", "2025-06-01", "2025-11-01"]
            ),
            "amount": [1_500_000.0, 1_000_000.0, 1_200_000.0, 800_000.0, 150_000.0, 20_000.0],
            "cost": [1_200_000.0, 800_000.0, 1_000_000.0, 600_000.0, 100_000.0, 15_000.0],
            "category": ["液压油", "液压油", "润滑脂", "润滑脂", "液压油", "润滑脂"],
        }
    )
    master.transactions = tx.reindex(columns=master.transactions.columns)
    pay = pd.DataFrame(
        {
            "receipt_no": ["R1", "R2", "R3"],
            "customer_id": ["C1", "C1", "C2"],
            "date": pd.to_datetime(["2025-03-01", "2025-06-01", "2025-04-01"]),
            "amount": [1_500_000.0, 1_000_000.0, 1_200_000.0],
        }
    )
    master.payments = pay.reindex(columns=master.payments.columns)
    return master


@pytest.fixture
def master_path(tmp_path: Path) -> Path:
    return save_master(small_master(), tmp_path / "master.xlsx", backup=False)


def test_rfm_command_writes_table_summary_and_chart(master_path: Path, tmp_path: Path) -> None:
    out = tmp_path / "rfm.xlsx"
    assert main(["rfm", str(master_path), "--as-of", "2025-12-31", "--out", str(out)]) == 0
    book = openpyxl.load_workbook(out)
    customers, summary = book.worksheets
    # zh headers from the label map; the class code column gives way to its label (issue 13: no keys in zh)
    # the customer's name beside its id (a deliberate change: ids alone named no one to the reader)
    shown = [header(c, "zh") for c in RFM_COLUMNS if c != "rfm_class"]
    shown.insert(1, "客户名称")
    top = table_ref(out)[1]
    assert [c.value for c in customers[top]] == shown
    assert customers[f"A{top + 1}"].value == "C1" and customers[f"B{top + 1}"].value == "甲公司"
    assert customers[f"C{top + 1}"].number_format == "yyyy-mm-dd"
    assert len(summary._charts) == 1
    table = calamine.CalamineWorkbook.from_path(str(out), load_tables=True).get_table_by_name("Table1")
    assert [r[0] for r in table.to_python()] == ["C1", "C2", "C3", "C4"]
    csv = tmp_path / "rfm.csv"
    assert main(["rfm", str(master_path), "--monetary", "average", "--out", str(csv)]) == 0
    frame = pd.read_csv(csv, encoding="utf-8-sig")
    assert list(frame.columns) == shown and frame.loc[0, "消费金额"] == 1_250_000


def test_rfm_command_on_a_csv_with_chinese_headers(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "sales.csv"
    path.write_text("客户编号,销售日期,销售金额\nK1,2026-01-01,100\nK2,2026-01-05,300\n", encoding="utf-8")
    assert main(["rfm", str(path), "--lang", "en"]) == 0
    assert "Important value" in capsys.readouterr().out
    path.write_text("客户编号,销售日期\nK1,2026-01-01\n", encoding="utf-8")
    assert main(["rfm", str(path), "--lang", "en"]) == 2
    assert "missing column(s) Amount (also accepted: 金额, 销售额, 销售金额" in capsys.readouterr().err


@pytest.mark.parametrize("command", ["rfm", "abc"])
def test_out_naming_the_sales_read_is_refused_before_any_work(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], command: str
) -> None:
    """--out given as the input itself: the table would replace the sales lines it was computed from."""
    sales = tmp_path / "sales.csv"
    text = "客户编号,销售日期,销售金额\nK1,2026-01-01,100\nK2,2026-01-05,300\n"
    sales.write_text(text, encoding="utf-8")
    assert main([command, str(sales), "--out", str(tmp_path / "." / "sales.csv"), "--lang", "en"]) == 2
    assert capsys.readouterr().err.strip() == (
        f"keyacct-xl: {tmp_path / 'sales.csv'} leads to the input {sales}: a report is never written over a file the "
        "run reads; name another file"
    )
    assert sales.read_text(encoding="utf-8") == text and [p.name for p in tmp_path.iterdir()] == ["sales.csv"]


@pytest.mark.parametrize("command", ["rfm", "abc"])
def test_a_file_that_is_not_a_master_names_the_columns_it_lacks_by_their_headers(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], command: str
) -> None:
    """A workbook of other things (a visit list) given as the sales: the columns it lacks named by their header in the
    reader's language and the other names accepted for each, never by our keys (customer_id)."""
    path = tmp_path / "拜访.xlsx"
    book = openpyxl.Workbook()
    book.active.append(["日期", "客户名称", "内容"])
    book.active.append(["2026-11-02", "甲公司", "送样品"])
    book.save(path)
    assert main([command, str(path), "--lang", "en"]) == 2
    err = capsys.readouterr().err
    assert (
        "missing column(s) Customer ID (also accepted: 客户编号, 客户代码, 客户编码, 客户号, 编号, 代码, "
        "Customer Code, Cust ID, Customer No, Account), Amount (also accepted: 金额, 销售额, 销售金额, 含税金额, "
        "价税合计, Sales, Revenue, Total); headers seen: 日期, 客户名称, 内容"
    ) in err
    assert "customer_id" not in err and "amount" not in err
    assert main([command, str(path), "--lang", "zh"]) == 2
    err = capsys.readouterr().err
    assert "缺少列 客户编号（也可用：Customer ID、客户代码、客户编码" in err and "customer_id" not in err
    assert "金额（也可用：Amount、销售额" in err and "现有表头：日期、客户名称、内容" in err


def test_abc_command_reproduces_the_sources_example(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "sales.parquet"
    fifty_customers().to_parquet(path)
    out = tmp_path / "abc.xlsx"
    assert main(["abc", str(path), "--year", "2025", "--out", str(out), "--lang", "en"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split("\t") == ["A", "       7", " 14.0%", "   15,580,000.00", " 68.8%"]
    assert lines[1].split("\t") == ["B", "      25", " 50.0%", "    6,490,000.00", " 28.7%"]
    summary = report_table(out, "ABC summary")
    assert summary["Customers"].tolist() == [7, 25, 18]
    assert len(openpyxl.load_workbook(out)["Pareto curve"]._charts) == 1
    # Shares as percentages, fractions or with a percent sign are the same cut (80 % is 0.8): twelve customers
    # hold less than 80 % before them (the twelfth: 18,023 of 22,630).
    by_shares = []
    for shares in ("80,15", "0.8,0.15", "80%,15%", "80％，15％"):
        assert main(["abc", str(path), "--year", "2025", "--shares", shares, "--lang", "en"]) == 0
        by_shares.append(capsys.readouterr().out)
    assert by_shares[0].splitlines()[0].split("\t")[:2] == ["A", "      12"] and len(set(by_shares)) == 1
    assert main(["abc", str(path), "--shares", "0.8,15", "--lang", "en"]) == 2
    assert "a fraction beside a percentage" in capsys.readouterr().err
    assert main(["abc", str(path), "--shares", "80,15,5"]) == 2
    capsys.readouterr()
    assert main(["abc", str(path), "--thresholds", "1,000,000,100,000", "--lang", "en"]) == 2
    assert "--thresholds: expected two numbers like 1000000,100000" in capsys.readouterr().err


def test_grade_review_sheet_apply_and_apply_again(
    master_path: Path, capsys: pytest.CaptureFixture[str], libreoffice
) -> None:
    with zipfile.ZipFile(master_path) as archive:
        before = {n: archive.read(n) for n in archive.namelist()}
    assert main(["grade", str(master_path), "--year", "2025"]) == 0
    summary = capsys.readouterr().out
    # The change counts are named in the user's language, not by the table's keys (up/down/same/new/revoke).
    assert "不变：" in summary and not any(f"{key}:" in summary for key in ("up", "down", "same", "new", "revoke"))
    book = calamine.CalamineWorkbook.from_path(str(master_path), load_tables=True)
    review = book.get_table_by_name("GradeReview")
    assert review.columns[:3] == ["评级年度", "评级政策", "客户编号"]
    with zipfile.ZipFile(master_path) as archive:
        # Every part of the master that held data before is untouched: only the new sheet and its listing.
        changed = [n for n in before if n.startswith("xl/worksheets/sheet") and archive.read(n) != before[n]]
    assert changed == []
    assert libreoffice(master_path, "pdf").stat().st_size > 1000  # the master with its new sheet still opens
    # The meeting overrides C3's grade in the sheet (as a manager would, in Excel).
    wb = openpyxl.load_workbook(master_path)
    ws = wb["评级审核"]
    headers = [c.value for c in ws[1]]
    row = next(r for r in ws.iter_rows(min_row=2) if r[headers.index("客户编号")].value == "C3")
    row[headers.index("最终等级")].value = "A"
    row[headers.index("会议意见")].value = "战略客户"
    wb.save(master_path)
    # Re-running the review (say, after a data fix) keeps what the meeting typed.
    capsys.readouterr()
    assert main(["grade", str(master_path), "--year", "2025"]) == 0
    assert "保留了上次审核中已填写的 1 行会议结论" in capsys.readouterr().out
    assert main(["grade", "apply", str(master_path), "--approved-by", "王经理", "--date", "2025-12-28"]) == 0
    master = load_master(master_path)
    grades = dict(zip(master.customers["customer_id"], master.customers["grade"]))
    assert grades == {"C1": "VIP", "C2": "B", "C3": "A", "C4": "C"}
    history = master.grade_history.set_index("customer_id")
    assert len(history) == 4 and (history["year"] == 2025).all()
    assert history.loc["C3", "reason"].endswith("| 战略客户") and history.loc["C3", "grade_before"] == "B"
    assert history.loc["C3", "applied_at"] == pd.Timestamp("2025-12-28")
    saved = master_path.read_bytes()
    capsys.readouterr()
    assert main(["grade", "apply", str(master_path), "--date", "2026-01-05"]) == 0
    assert "没有需要更改的内容" in capsys.readouterr().out
    assert master_path.read_bytes() == saved


def test_grade_to_workbook_with_meeting_lists_and_errors(
    master_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "review.xlsx"
    argv = ["grade", str(master_path), "--year", "2025", "--out", str(out), "--lang", "en"]
    assert main([*argv, "--date", "2025-12-20"]) == 0
    names = openpyxl.load_workbook(out, read_only=True).sheetnames
    assert names == [
        "About",
        "Grading summary",
        "(A) VIP list",
        "(B) A and B lists",
        "(C) Special policies",
        "(D) Credit and settlement",
        "(E) New customers",
        "Spot check",
        "Grade review",
    ]
    lists = {name: report_table(out, name) for name in names}
    assert lists["(E) New customers"]["Customer ID"].tolist() == ["C4"]
    assert lists["(A) VIP list"][["Customer ID", "VIP Proposal"]].values.tolist() == [["C1", "VIP continue"]]
    assert set(lists["Grade review"]["New Customer"]) == {"Yes", "No"}  # booleans as words, not True/False
    # Reviewed on 2025-12-20: the year has not ended, and the review says so.
    err = capsys.readouterr().err
    assert "2025 has not ended (2025-12-20): its annual sales are partial (sales through 2025-11-01)" in err
    about = dict(zip(lists["About"]["Item"], lists["About"]["Value"]))
    # the ledger metrics where the sales end, not at the evaluation date 12-25 (test_a_review_before_the_year_ends_...)
    assert about["Evaluation cut-off"].startswith("2025-11-01")
    warned = [v for i, v in zip(lists["About"]["Item"], lists["About"]["Value"]) if i == "Warning"]
    assert warned[0].startswith("2025 has not ended (2025-12-20)") and "taken at 2025-11-01" in warned[1]
    # Reviewed after the year: it has ended though the sales stop on 2025-11-01, and nothing says it has not.
    assert main([*argv, "--date", "2026-12-01"]) == 0
    assert "has not ended" not in capsys.readouterr().err
    about = dict(zip(report_table(out, "About")["Item"], report_table(out, "About")["Value"]))
    assert "Warning" not in about and about["Sales data through"] == "2025-11-01"
    summary = calamine.CalamineWorkbook.from_path(str(out)).get_sheet_by_name("Grading summary").to_python()
    subtitle = next(row[0] for row in summary if str(row[0]).startswith("Period:"))  # under the title (and company)
    assert subtitle == "Period: 2025 (rows: current grade; columns: proposed grade); As of: 2025-12-25"
    capsys.readouterr()
    assert main(["grade", str(master_path), "--lang", "en"]) == 2
    assert capsys.readouterr().err.strip() == "keyacct-xl: grade: --year is required"
    assert main(["grade", str(master_path), "--year", "2052", "--lang", "en"]) == 2
    assert capsys.readouterr().err.strip() == f"keyacct-xl: grading: no transactions in 2052 in {master_path}"
    assert main(["grade", "apply", str(master_path), "--lang", "en"]) == 2
    assert "no grading review (sheet Grade Review); run keyacct-xl grade first" in capsys.readouterr().err
    assert main(["grade", str(master_path), "--year", "2025", "--policy", str(tmp_path / "x.yaml")]) == 2


def test_a_review_before_the_year_ends_ages_the_ledger_where_the_data_ends(
    master_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Graded on 2025-12-20, the sales ending 2025-11-01: the ledger was aged to the evaluation date 12-25 as if
    nothing were paid after, so C4's invoice of 11-01 (due 12-01) was 24 days overdue and grades fell (on the demo
    287 A customers proposed below A); the only warning was that the annual sales are partial. Now the ledger
    metrics are taken where the sales and payments end, and the review says so."""
    out = tmp_path / "review.xlsx"
    argv = ["grade", str(master_path), "--year", "2025", "--out", str(out), "--lang", "en"]
    assert main([*argv, "--date", "2025-12-20"]) == 0
    warning = (
        "the evaluation date (2025-12-25) is after the master's sales and payments (2025-11-01): nothing after "
        "2025-11-01 is counted, and receivables, overdue and the rates and grades read from them are taken at "
        "2025-11-01, where the data ends"
    )
    assert f"keyacct-xl: warning: {warning}" in capsys.readouterr().err.splitlines()
    items = report_table(out, "About")
    about = dict(zip(items["Item"], items["Value"]))
    assert about["Evaluation cut-off"].startswith("2025-11-01:")
    assert warning in items.loc[items["Item"] == "Warning", "Value"].tolist()
    review = build_review(load_master(master_path), year=2025, today=pd.Timestamp("2025-12-20"))
    credit = review.credit.set_index("customer_id")
    assert review.aged == pd.Timestamp("2025-11-01") and review.evaluation == pd.Timestamp("2025-12-25")
    assert credit.loc["C4", "max_days_overdue"] == 0 and credit.loc["C4", "overdue_amount"] == 0
    # reviewed after the year: the evaluation date, as the policy says, and no such warning
    after = build_review(load_master(master_path), year=2025, today=pd.Timestamp("2026-01-05"))
    assert after.aged == pd.Timestamp("2025-12-25")
    assert after.credit.set_index("customer_id").loc["C4", "max_days_overdue"] == 24
    assert not any("taken at" in w.render("en") for w in after.warnings)


def test_credit_and_analyze_commands(master_path: Path, tmp_path: Path, libreoffice) -> None:
    credit = tmp_path / "credit.xlsx"
    assert main(["credit", str(master_path), "--as-of", "2025-12-31", "--out", str(credit)]) == 0
    grades = report_table(credit, 0).set_index("客户编号")["信用等级"].to_dict()
    assert grades == {"C1": "A", "C2": "C", "C3": "C", "C4": "B"}
    # the two measures of lateness say which invoices they are over: the average of every invoice due in the window,
    # paid or not, read above the maximum of the unpaid ones as wrong (414 of 603 rows in the finance trial)
    assert {"平均逾期天数（期内到期发票，含已付）", "最长逾期天数（未付发票）"} <= set(report_table(credit, 0).columns)
    credit_en = tmp_path / "credit_en.xlsx"
    assert main(["credit", str(master_path), "--as-of", "2025-12-31", "--out", str(credit_en), "--lang", "en"]) == 0
    headers = set(report_table(credit_en, 0).columns)
    assert {
        "Average Days Late (Invoices Due in the Window, Paid or Not)",
        "Max Days Overdue (Unpaid Invoices)",
    } <= headers
    # the limit of each credit grade is a suggestion, not the limit Customers holds (read as the current one)
    assert "建议信用额度" in report_table(credit, 0).columns and "信用额度" not in report_table(credit, 0).columns
    out = tmp_path / "analysis.xlsx"
    assert (
        main(["analyze", str(master_path), "--year", "2025", "--out", str(out), "--lang", "en", "--code-prefix", "K"])
        == 0
    )
    codes = report_table(out, "Attribute codes")
    assert codes.set_index("Customer ID")["Attribute Code"].to_dict() == {
        "C1": "K11A",
        "C2": "K117",
        "C3": "K225",  # 150,000 in 2025, its one year with sales data: 150,000 a year (class 2)
        "C4": "K330",
    }
    book = openpyxl.load_workbook(out)
    charts = {ws.title: len(ws._charts) for ws in book.worksheets}
    assert charts["Pareto curve"] == charts["Grade mix"] == charts["By product"] == charts["By region"] == 1
    mix = report_table(out, "Grade mix").set_index("Grade")["Sales"].to_dict()
    assert mix == {"VIP": 2_500_000, "A": 1_200_000, "B": 150_000, "—": 20_000}
    first = out.read_bytes()
    assert (
        main(["analyze", str(master_path), "--year", "2025", "--out", str(out), "--lang", "en", "--code-prefix", "K"])
        == 0
    )
    assert out.read_bytes() == first  # same inputs, same bytes
    pdf = libreoffice(out, "pdf")
    assert pdf.stat().st_size > 1000


NAMES = {"C1": "甲公司", "C2": "乙商行", "C3": "丙超市", "C4": "丁店"}  # small_master's Customers


def test_customer_sheets_name_each_customer_beside_its_id(master_path: Path, tmp_path: Path) -> None:
    """RFM客户 (rfm) and ABC明细 (abc, and analyze's workbook) show each customer's 客户名称 beside its 客户编号, as
    毛利排名 and 危险客户 do: a list of ids alone told the general manager nothing. The column is as wide as the
    longest name, and the sheet keeps its A4 print setup."""
    rfm, abc, analysis = tmp_path / "rfm.xlsx", tmp_path / "abc.xlsx", tmp_path / "analysis.xlsx"
    assert main(["rfm", str(master_path), "--as-of", "2025-12-31", "--out", str(rfm)]) == 0
    assert main(["abc", str(master_path), "--year", "2025", "--out", str(abc)]) == 0
    assert main(["analyze", str(master_path), "--year", "2025", "--out", str(analysis)]) == 0
    for path, title in ((rfm, "RFM客户"), (abc, "ABC明细"), (analysis, "ABC明细"), (analysis, "毛利排名")):
        table = report_table(path, title)
        assert list(table.columns[:2]) == ["客户编号", "客户名称"] or list(table.columns[1:3]) == [
            "客户编号",
            "客户名称",
        ], (path.name, title)
        assert dict(zip(table["客户编号"], table["客户名称"])) == {c: NAMES[c] for c in table["客户编号"]}, title
        ws = openpyxl.load_workbook(path)[title]
        first, top = table_ref(path, title)[:2]
        column = next(c for c in range(first, ws.max_column + 1) if ws.cell(top, c).value == "客户名称")
        width = ws.column_dimensions[openpyxl.utils.get_column_letter(column)].width
        assert width >= max(display_width(n) for n in NAMES.values()), title  # no name cut
        assert ws.page_setup.paperSize == 9 and ws.sheet_properties.pageSetUpPr.fitToPage, title
    # the English workbook: Customer Name beside Customer ID
    en = tmp_path / "rfm_en.xlsx"
    assert main(["rfm", str(master_path), "--as-of", "2025-12-31", "--out", str(en), "--lang", "en"]) == 0
    assert list(report_table(en, "RFM customers").columns[:2]) == ["Customer ID", "Customer Name"]


def test_a_table_of_sales_lines_has_no_customer_names_to_show(tmp_path: Path) -> None:
    """rfm and abc on a file of sales lines (no Customers table): the customer table as before, no empty name column."""
    sales = tmp_path / "sales.csv"
    sales.write_text("客户编号,销售日期,销售金额\nK1,2026-01-01,100\nK2,2026-01-05,300\n", encoding="utf-8")
    rfm, abc = tmp_path / "rfm.xlsx", tmp_path / "abc.xlsx"
    assert main(["rfm", str(sales), "--out", str(rfm)]) == 0 and main(["abc", str(sales), "--out", str(abc)]) == 0
    assert "客户名称" not in report_table(rfm, "RFM客户").columns
    assert "客户名称" not in report_table(abc, "ABC明细").columns


def test_a_table_of_sales_lines_names_its_customers_from_its_name_column(tmp_path: Path) -> None:
    """rfm and abc on a file of sales lines with a 客户名称 column showed the ids alone: the names the file holds were
    dropped on reading. Now beside each id, the name of its latest line that has one (a customer renamed shows its
    new name)."""
    sales = tmp_path / "sales.csv"
    sales.write_text(
        "客户编号,客户名称,销售日期,销售金额\n"
        "K1,甲公司,2026-01-01,100\n"
        "K2,,2026-01-05,300\n"
        "K2,乙商行,2026-01-03,50\n"
        "K3,丙店,2026-01-02,80\n"
        "K3,丙超市,2026-02-02,90\n",
        encoding="utf-8",
    )
    rfm, abc = tmp_path / "rfm.xlsx", tmp_path / "abc.xlsx"
    assert main(["rfm", str(sales), "--out", str(rfm)]) == 0 and main(["abc", str(sales), "--out", str(abc)]) == 0
    names = {"K1": "甲公司", "K2": "乙商行", "K3": "丙超市"}
    for path, title in ((rfm, "RFM客户"), (abc, "ABC明细")):
        table = report_table(path, title)
        assert "客户名称" in table.columns, title
        at = list(table.columns).index("客户编号")
        assert table.columns[at + 1] == "客户名称", title
        assert dict(zip(table["客户编号"], table["客户名称"])) == names, title
    english = tmp_path / "sales_en.csv"
    english.write_text("Customer ID,Customer name,Date,Amount\nK1,Acme Ltd,2026-01-01,100\n", encoding="utf-8")
    en = tmp_path / "rfm_en.xlsx"
    assert main(["rfm", str(english), "--out", str(en), "--lang", "en"]) == 0
    table = report_table(en, "RFM customers")
    assert list(table.columns[:2]) == ["Customer ID", "Customer Name"] and table.loc[0, "Customer Name"] == "Acme Ltd"


def test_the_suggested_credit_limit_is_money_as_the_overdue_amount_beside_it(master_path: Path, tmp_path: Path) -> None:
    """信用评级's 建议信用额度 in the money format of 逾期金额 on the same sheet ("¥"#,##0.00), not #,##0.00."""
    for lang, column, overdue in (
        ("zh", "建议信用额度", "逾期金额"),
        ("en", "Suggested Credit Limit", "Overdue Amount"),
    ):
        out = tmp_path / f"credit_{lang}.xlsx"
        assert main(["credit", str(master_path), "--as-of", "2025-12-31", "--out", str(out), "--lang", lang]) == 0
        ws = openpyxl.load_workbook(out).worksheets[0]
        first, top, last, bottom, _ = table_ref(out, 0)
        headers = [ws.cell(top, c).value for c in range(first, last + 1)]
        limit, owed = first + headers.index(column), first + headers.index(overdue)
        formats = {ws.cell(r, limit).number_format for r in range(top + 1, bottom + 1)}
        assert formats == {ws.cell(top + 1, owed).number_format} == {'"¥"#,##0.00'}, lang
        assert report_table(out, 0)[column].max() == 500_000  # the A grade's limit, wide enough to show whole
        shown = len("¥500,000.00")
        assert ws.column_dimensions[openpyxl.utils.get_column_letter(limit)].width >= shown, lang


def test_a_customer_whose_first_trade_is_after_the_year_is_not_graded_for_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """New customers of 2025 are those whose first trade falls in 2025 (under six months at the evaluation): one who
    first traded in November 2026 is no customer of 2025, left out of the review with a note."""
    master = small_master()
    later = master.customers.iloc[[3]].assign(
        customer_id="C5", name="戊公司", first_trade_date=pd.Timestamp("2026-11-20")
    )
    master.customers = pd.concat([master.customers, later], ignore_index=True)
    path = save_master(master, tmp_path / "master.xlsx", backup=False)
    out = tmp_path / "review.xlsx"
    assert main(["grade", str(path), "--year", "2025", "--out", str(out), "--lang", "en"]) == 0
    assert report_table(out, "(E) New customers")["Customer ID"].tolist() == ["C4"]
    review = report_table(out, "Grade review").set_index("Customer ID")
    assert "C5" not in review.index and review.loc["C4", "New Customer"] == "Yes"
    note = "1 customer(s) left out of the 2025 grading (C5): their first trade is after 2025"
    assert note in capsys.readouterr().err
    about = [c.value for row in openpyxl.load_workbook(out)["About"].iter_rows() for c in row]
    assert any(isinstance(v, str) and note in v for v in about), about


@settings(max_examples=25, deadline=None)
@given(
    st.lists(st.sampled_from(["", "VIP", "A", "B", "C", "a"]), min_size=4, max_size=4),
    st.lists(st.sampled_from(["", "A", "B", "C"]), min_size=4, max_size=4),
)
def test_apply_is_idempotent(finals: list[str], credits: list[str]) -> None:
    master = small_master()
    review = build_review(master, year=2025).table
    review["final_grade"] = [f or None for f in finals]
    review["final_credit_grade"] = [c or None for c in credits]
    first = apply_review(
        master, review, grades=["VIP", "A", "B", "C"], approved_by="x", applied_at=pd.Timestamp("2025-12-28")
    )
    assert "GradeHistory" in first.tables and first.history_added == 4
    customers, history = master.customers.copy(), master.grade_history.copy()
    second = apply_review(
        master, review, grades=["VIP", "A", "B", "C"], approved_by="x", applied_at=pd.Timestamp("2026-01-02")
    )
    assert second.tables == () and second.history_added == second.history_corrected == 0
    pd.testing.assert_frame_equal(master.customers, customers)
    pd.testing.assert_frame_equal(master.grade_history, history)
    expected = [f.upper() or p for f, p in zip(finals, review["proposed_grade"])]
    assert master.customers["grade"].tolist() == expected


def test_apply_leaves_out_ids_missing_from_customers() -> None:
    master = small_master()
    extra = pd.DataFrame(
        {"doc_no": ["D9"], "customer_id": ["X9"], "date": [pd.Timestamp("2025-07-01")], "amount": [5_000.0]}
    )
    master.transactions = pd.concat(
        [master.transactions, extra.reindex(columns=master.transactions.columns)], ignore_index=True
    )
    review = build_review(master, year=2025).table
    assert "X9" in set(review["customer_id"])  # graded and shown, not dropped
    applied = apply_review(
        master, review, grades=["VIP", "A", "B", "C"], approved_by=None, applied_at=pd.Timestamp("2025-12-28")
    )
    assert applied.not_in_customers == ("X9",) and applied.history_added == 4
    review.loc[0, "final_grade"] = "Z"
    with pytest.raises(InputError, match=r"^column Final Grade: 'Z' is not one of VIP, A, B, C \(customer C1\)$"):
        apply_review(
            master, review, grades=["VIP", "A", "B", "C"], approved_by=None, applied_at=pd.Timestamp("2025-12-28")
        )


def test_custom_policy_file_is_found_again_at_apply(master_path: Path, tmp_path: Path) -> None:
    from keyacct_xl.analytics.policy import load_grading_policy

    custom = tmp_path / "our_policy.yaml"
    custom.write_text(
        Path(load_grading_policy("grading_3level").source)
        .read_text(encoding="utf-8")
        .replace("name: grading_3level", "name: ours"),
        encoding="utf-8",
    )
    assert main(["grade", str(master_path), "--year", "2025", "--policy", str(custom)]) == 0
    table = calamine.CalamineWorkbook.from_path(str(master_path), load_tables=True).get_table_by_name("GradeReview")
    assert {row[1] for row in table.to_python()} == {str(custom)}
    assert main(["grade", "apply", str(master_path), "--date", "2026-03-30"]) == 0
    grades = load_master(master_path).customers.set_index("customer_id")["grade"].to_dict()
    # Three levels: C1 sells 2.5M but its lines carry no quantities, so the price index has no data and A's
    # price rule cannot pass: B. VIP does not exist in this policy.
    assert grades == {"C1": "B", "C2": "C", "C3": "C", "C4": "C"}


def test_a_review_policy_cell_naming_a_file_outside_the_masters_folder_is_refused_never_opened(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The review is a sheet people type into: its policy cell naming any path made grade apply open that file (on
    Windows a \\\\host\\share path hands the user's credentials to the host) and quote what it read."""
    from keyacct_xl.analytics.policy import load_grading_policy

    (tmp_path / "books").mkdir()
    master_path = save_master(small_master(), tmp_path / "books" / "master.xlsx", backup=False)
    outside = tmp_path / "elsewhere.yaml"
    outside.write_text("levels: 5\n", encoding="utf-8")  # read, it would fail quoting "levels: expected list"
    assert main(["grade", str(master_path), "--year", "2025"]) == 0
    _type_into_review(master_path, "C1", "评级政策", str(outside))
    before = load_master(master_path).customers
    capsys.readouterr()
    assert main(["grade", "apply", str(master_path), "--date", "2026-03-30", "--lang", "en"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"keyacct-xl: master.xlsx: sheet 评级审核, cell B2 (评级政策): '{outside}' is neither a ")
    assert "levels" not in err and f"in the master's folder {tmp_path / 'books'}; it is not opened" in err
    pd.testing.assert_frame_equal(load_master(master_path).customers, before)
    # A policy file of one's own in the master's folder, named from there, is the policy applied: three levels, by
    # which the review's proposed VIP is no grade.
    ours = tmp_path / "books" / "ours.yaml"
    ours.write_text(Path(load_grading_policy("grading_3level").source).read_text(encoding="utf-8"), encoding="utf-8")
    _type_into_review(master_path, "C1", "评级政策", "ours.yaml")
    assert main(["grade", "apply", str(master_path), "--date", "2026-03-30", "--lang", "en"]) == 2
    assert "'VIP' is not one of A, B, C (customer C1)" in capsys.readouterr().err


def test_policy_rule_on_a_ledger_metric_grades_by_it(tmp_path: Path) -> None:
    from keyacct_xl.analytics.policy import load_grading_policy

    # Rules may name any ledger metric the policy accepts (max_days_overdue here), not only on_time_rate.
    custom = tmp_path / "overdue_policy.yaml"
    b_rule = "      - {metric: annual_sales, min: 100000, setting: grade_b_min_sales}\n"
    text = Path(load_grading_policy("grading_4level").source).read_text(encoding="utf-8")
    assert b_rule in text
    custom.write_text(text.replace(b_rule, b_rule + "      - {metric: max_days_overdue, max: 90}\n"), encoding="utf-8")
    review = build_review(small_master(), year=2025, policy=load_grading_policy(custom), lang="en")
    table = review.table.set_index("customer_id")
    # At 2025-12-25, C2's D3 (due 2025-03-31, 800,000 left after R3 paid the older D4) is 269 days overdue,
    # C3's D5 (due 2025-07-01, unpaid) 177 days: both miss B and fall to C; C1 paid everything and stays VIP.
    assert table["proposed_grade"].to_dict() == {"C1": "VIP", "C2": "C", "C3": "C", "C4": "C"}
    assert "269" in table.loc["C2", "reasons"] and "177" in table.loc["C3", "reasons"]


def test_credit_change_counts_are_named_in_the_language(master_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["credit", str(master_path), "--as-of", "2025-12-31"]) == 0
    out = capsys.readouterr().out
    assert "不变：" in out and not any(f"{key}:" in out for key in ("up", "down", "same", "new"))  # zh colon in zh
    assert main(["credit", str(master_path), "--as-of", "2025-12-31", "--lang", "en"]) == 0
    assert "same:" in capsys.readouterr().out


def test_credit_counts_say_what_their_figures_are_and_the_next_step(
    master_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Each grade printed as "A: 392<tab>1,107,617.79": neither figure said what it counted; and the next step
    said credit apply writes the terms "of their grade", so a clerk who saw 降级 73 ran it and got 已更新 0: it writes
    the terms of the credit grade Customers holds, and the grades shown take effect through grade apply."""
    assert main(["credit", str(master_path), "--as-of", "2025-12-31"]) == 0
    out = capsys.readouterr().out.splitlines()
    grades = [line for line in out if re.fullmatch(r"  [ABC]：[\d,]+ 户，逾期 ¥[\d,]+\.\d\d", line)]
    assert grades and not any("\t" in line for line in out)
    assert out[-1] == (
        f"下一步：keyacct-xl credit apply {master_path} --approved-by 姓名 "
        "按客户档案中各客户现有的信用等级写入对应的信用额度和账期（手工设定的条件保留）；"
        "上面的信用等级经年度评级审核生效（先运行 keyacct-xl grade，再运行 keyacct-xl grade apply）"
    )


def test_reapplying_a_year_adds_rows_only_for_changed_decisions_and_never_rewrites_earlier_rows() -> None:
    master = small_master()
    review = build_review(master, year=2025).table
    grades = ["VIP", "A", "B", "C"]
    apply_review(master, review, grades=grades, approved_by="x", applied_at=pd.Timestamp("2025-12-28"))
    first = master.grade_history.copy()
    assert len(first) == 4
    # The meeting changes its mind about C3 only: one more row of 2025 for C3, the four earlier rows as they were.
    review.loc[review["customer_id"] == "C3", "final_grade"] = "A"
    again = apply_review(master, review, grades=grades, approved_by="y", applied_at=pd.Timestamp("2026-01-05"))
    assert (again.history_added, again.history_corrected) == (0, 1)
    pd.testing.assert_frame_equal(master.grade_history.iloc[:4], first)
    added = master.grade_history.iloc[4]
    assert (added["year"], added["customer_id"], added["grade_before"], added["grade_after"]) == (2025, "C3", "B", "A")
    assert added["approved_by"] == "y"
    # Applying the same decisions once more adds nothing.
    same = apply_review(master, review, grades=grades, approved_by="y", applied_at=pd.Timestamp("2026-01-06"))
    assert same.tables == () and len(master.grade_history) == 5


def test_grade_apply_stores_the_meetings_upgrade_and_support_plans(
    master_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["grade", str(master_path), "--year", "2025"]) == 0
    wb = openpyxl.load_workbook(master_path)
    ws = wb["评级审核"]
    headers = [c.value for c in ws[1]]
    row = next(r for r in ws.iter_rows(min_row=2) if r[headers.index("客户编号")].value == "C2")
    row[headers.index("升级计划")].value = "明年冲刺VIP：年销量300万"
    row[headers.index("扶持计划")].value = "季度促销支持"
    wb.save(master_path)
    assert main(["grade", "apply", str(master_path), "--date", "2025-12-28"]) == 0
    customers = load_master(master_path).customers.set_index("customer_id")
    plans = customers.loc["C2", ["upgrade_plan", "support_plan"]].tolist()
    assert plans == ["明年冲刺VIP：年销量300万", "季度促销支持"]
    assert customers.drop(index="C2")["upgrade_plan"].isna().all()
    # The next review shows the plans held in Customers on the A and B lists.
    review = build_review(load_master(master_path), year=2025)
    plans = review.lists["B"].set_index("customer_id")
    assert plans.loc["C2", "upgrade_plan"] == "明年冲刺VIP：年销量300万"
    # The meeting rewrites C2's upgrade plan: apply replaces the text held and shows the one it replaced.
    wb = openpyxl.load_workbook(master_path)
    ws = wb["评级审核"]
    row = next(r for r in ws.iter_rows(min_row=2) if r[headers.index("客户编号")].value == "C2")
    row[headers.index("升级计划")].value = "两年内冲刺VIP"
    wb.save(master_path)
    capsys.readouterr()
    assert main(["grade", "apply", str(master_path), "--date", "2025-12-29", "--lang", "en"]) == 0
    out = capsys.readouterr().out
    assert "upgrade and support plans written for 1 customer(s)" in out
    assert "  C2 乙商行: Upgrade Plan 明年冲刺VIP：年销量300万 → 两年内冲刺VIP" in out


def _type_into_review(master_path: Path, customer: str, header: str, value: str) -> None:
    """The meeting types a decision into the master's review sheet, as a manager would in Excel."""
    wb = openpyxl.load_workbook(master_path)
    ws = wb["评级审核"]
    headers = [c.value for c in ws[1]]
    row = next(r for r in ws.iter_rows(min_row=2) if r[headers.index("客户编号")].value == customer)
    row[headers.index(header)].value = value
    wb.save(master_path)


def _type_final_grade(master_path: Path, customer: str, grade: str) -> None:
    _type_into_review(master_path, customer, "最终等级", grade)


def test_the_review_sheet_line_names_the_sheet_and_column_as_the_reader_sees_them(
    master_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["grade", str(master_path), "--year", "2025", "--lang", "en"]) == 0
    line = capsys.readouterr().out.splitlines()[-1]
    # the master is a zh one: its sheet and column are named as they are written in it
    assert line == (
        f"review sheet written into {master_path} (sheet 评级审核); fill in 最终等级, then run keyacct-xl grade apply"
    )
    assert main(["grade", str(master_path), "--year", "2025"]) == 0
    line = capsys.readouterr().out.splitlines()[-1]
    assert line == f"评级审核表已写入 {master_path}（工作表 评级审核）；填写最终等级后运行 keyacct-xl grade apply"


def test_a_final_grade_not_in_the_policy_is_named_by_sheet_cell_and_header(
    master_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["grade", str(master_path), "--year", "2025"]) == 0
    _type_final_grade(master_path, "C3", "X")
    ws = openpyxl.load_workbook(master_path)["评级审核"]
    headers = [c.value for c in ws[1]]
    row = next(r for r in ws.iter_rows(min_row=2) if r[headers.index("客户编号")].value == "C3")
    cell = row[headers.index("最终等级")].coordinate
    capsys.readouterr()
    assert main(["grade", "apply", str(master_path), "--lang", "en"]) == 2
    assert capsys.readouterr().err.strip() == (
        f"keyacct-xl: master.xlsx: sheet 评级审核, cell {cell} (最终等级): 'X' is not one of VIP, A, B, C (customer C3)"
    )
    assert main(["grade", "apply", str(master_path)]) == 2
    assert capsys.readouterr().err.strip() == (
        f"keyacct-xl: master.xlsx：工作表 评级审核，单元格 {cell}（最终等级）：'X' 不是 VIP、A、B、C 之一（客户 C3）"
    )


def _cell(master_path: Path, customer: str, header: str) -> str:
    ws = openpyxl.load_workbook(master_path)["评级审核"]
    headers = [c.value for c in ws[1]]
    row = next(r for r in ws.iter_rows(min_row=2) if r[headers.index("客户编号")].value == customer)
    return row[headers.index(header)].coordinate


def test_grade_apply_names_every_bad_entry_at_once_and_applies_nothing(
    master_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["grade", str(master_path), "--year", "2025"]) == 0
    _type_final_grade(master_path, "C2", "A类")  # an obvious spelling: read as A, not refused
    _type_final_grade(master_path, "C3", "X")
    _type_into_review(master_path, "C4", "最终信用等级", "甲")
    _type_final_grade(master_path, "C1", "特级")
    before = master_path.read_bytes()
    capsys.readouterr()
    assert main(["grade", "apply", str(master_path)]) == 2
    err = capsys.readouterr().err.strip()
    c1, c3, c4 = (_cell(master_path, c, h) for c, h in (("C1", "最终等级"), ("C3", "最终等级"), ("C4", "最终信用等级")))
    assert err == (
        "keyacct-xl: 未应用任何等级：3 处须改正："
        f"master.xlsx：工作表 评级审核，单元格 {c1}（最终等级）：'特级' 不是 VIP、A、B、C 之一（客户 C1）；"
        f"master.xlsx：工作表 评级审核，单元格 {c3}（最终等级）：'X' 不是 VIP、A、B、C 之一（客户 C3）；"
        f"master.xlsx：工作表 评级审核，单元格 {c4}（最终信用等级）：'甲' 不是 A、B、C 之一（客户 C4）"
    )
    assert master_path.read_bytes() == before  # nothing applied, the master untouched


@pytest.mark.parametrize(
    ("typed", "grade"), [("A类", "A"), ("A级", "A"), ("a", "A"), (" A ", "A"), ("vip", "VIP"), ("Ｂ 类客户", "B")]
)
def test_grade_apply_reads_obvious_spellings_of_a_grade(master_path: Path, typed: str, grade: str) -> None:
    assert main(["grade", str(master_path), "--year", "2025"]) == 0
    _type_final_grade(master_path, "C3", typed)
    _type_into_review(master_path, "C3", "最终信用等级", typed.replace("vip", "a"))
    assert main(["grade", "apply", str(master_path), "--date", "2025-12-28"]) == 0
    customers = load_master(master_path).customers.set_index("customer_id")
    assert customers.loc["C3", "grade"] == grade
    assert customers.loc["C3", "credit_grade"] == grade.replace("VIP", "A")
    # the entry as typed is the decision recorded, not one pending: another year's review may replace the sheet
    assert main(["grade", str(master_path), "--year", "2024"]) == 0


def test_grade_apply_prints_each_customers_changes_as_its_undo_does(
    master_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["grade", str(master_path), "--year", "2025"]) == 0
    _type_final_grade(master_path, "C3", "A")
    capsys.readouterr()
    assert main(["grade", "apply", str(master_path), "--date", "2025-12-28", "--lang", "en"]) == 0
    applied = [line for line in capsys.readouterr().out.splitlines() if line.startswith("  ")]
    # the values Customers held before (blank limits: -) and what the apply wrote, in the words credit apply uses
    assert applied == [
        "  C1 甲公司: credit limit - → 500,000; payment terms (days) 30 → 60",
        "  C2 乙商行: grade A → B; credit grade A → C; credit limit - → 0; payment terms (days) 30 → 0",
        "  C3 丙超市: grade B → A; credit grade B → C; credit limit - → 0; payment terms (days) 30 → 0",
        "  C4 丁店: grade - → C; credit grade - → B; credit limit - → 200,000",
    ]
    assert main(["grade", "apply", str(master_path), "--undo", "--date", "2025-12-29", "--lang", "en"]) == 0
    undone = [line for line in capsys.readouterr().out.splitlines() if line.startswith("  ")]
    assert [line.split(": ")[0] for line in undone] == [line.split(": ")[0] for line in applied]
    assert undone[2] == "  C3 丙超市: grade A → B; credit grade C → B; credit limit 0 → -; payment terms (days) 0 → 30"
    assert main(["grade", "apply", str(master_path), "--date", "2025-12-30"]) == 0
    # applied again, told in zh with zh punctuation (it read "C3 丙超市: 等级 B → A; 信用等级 B → C")
    assert "  C3 丙超市：等级 B → A，信用等级 B → C" in capsys.readouterr().out


def test_a_review_of_another_year_never_replaces_decisions_not_yet_applied(
    master_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["grade", str(master_path), "--year", "2025"]) == 0
    _type_final_grade(master_path, "C3", "A")
    typed = master_path.read_bytes()
    capsys.readouterr()
    # Grading 2024 (to compare) would replace the sheet holding 2025's meeting decisions: refused, nothing written.
    assert main(["grade", str(master_path), "--year", "2024", "--lang", "en"]) == 2
    err = capsys.readouterr().err
    assert "review of 2025 holds the meeting's decisions for 1 customer(s) not yet applied (C3)" in err
    assert "grade apply" in err and "--out" in err
    assert master_path.read_bytes() == typed
    # Once applied, the decisions are in GradeHistory and Customers: the 2024 review may take the sheet.
    assert main(["grade", "apply", str(master_path), "--date", "2025-12-28"]) == 0
    assert main(["grade", str(master_path), "--year", "2024"]) == 0
    review = calamine.CalamineWorkbook.from_path(str(master_path), load_tables=True).get_table_by_name("GradeReview")
    assert {row[0] for row in review.to_python()[1:]} == {2024}
    # A decision changed after apply and not applied again is pending too.
    assert main(["grade", str(master_path), "--year", "2025"]) == 0
    _type_final_grade(master_path, "C3", "B")
    assert main(["grade", str(master_path), "--year", "2024"]) == 2
    assert "尚未应用" in capsys.readouterr().err


def test_a_comment_beside_a_credit_apply_of_the_review_year_is_still_pending(
    master_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # credit apply files its terms under the year of its date; those rows hold no meeting decision, so a comment
    # typed into that year's review and not applied must keep the sheet from being replaced.
    assert main(["grade", str(master_path), "--year", "2025"]) == 0
    assert main(["credit", "apply", str(master_path), "--date", "2025-12-29"]) == 0
    history = load_master(master_path).grade_history
    customer = str(history.loc[history["year"] == 2025, "customer_id"].iloc[-1])
    _type_into_review(master_path, customer, "会议意见", "明年重点跟进回款")
    capsys.readouterr()
    assert main(["grade", str(master_path), "--year", "2024", "--lang", "en"]) == 2
    assert f"not yet applied ({customer})" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("lang", "sheet", "column", "title"),
    [
        ("zh", "评级审核", "评级政策", "四级客户分级（VIP/A/B/C）"),
        ("en", "Grade review", "Policy", "Four-level grading (VIP/A/B/C)"),
    ],
)
def test_the_review_document_names_the_policy_by_its_title(
    master_path: Path, tmp_path: Path, lang: str, sheet: str, column: str, title: str
) -> None:
    out = tmp_path / f"review_{lang}.xlsx"
    assert main(["grade", str(master_path), "--year", "2025", "--out", str(out), "--lang", lang]) == 0
    assert set(report_table(out, sheet)[column]) == {title}  # not the policy file's name grading_4level


def test_the_review_sheet_in_the_master_names_the_policy_by_its_title_and_applies_under_it(
    master_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["grade", str(master_path), "--year", "2025"]) == 0
    ws = openpyxl.load_workbook(master_path)["评级审核"]
    headers = [c.value for c in ws[1]]
    policies = {row[headers.index("评级政策")].value for row in ws.iter_rows(min_row=2)}
    assert policies == {"四级客户分级（VIP/A/B/C）"}  # a zh sheet, not grading_4level
    _type_final_grade(master_path, "C3", "VIP")  # VIP: a grade of the four-level policy read back by its title
    assert main(["grade", "apply", str(master_path), "--date", "2025-12-28"]) == 0
    assert load_master(master_path).customers.set_index("customer_id").loc["C3", "grade"] == "VIP"


def test_grade_apply_undo_puts_the_years_grades_and_terms_back(
    master_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = load_master(master_path).customers.set_index("customer_id")
    assert main(["grade", str(master_path), "--year", "2025"]) == 0
    _type_final_grade(master_path, "C3", "A")
    assert main(["grade", "apply", str(master_path), "--approved-by", "王经理", "--date", "2025-12-28"]) == 0
    applied = load_master(master_path).customers.set_index("customer_id")
    assert applied.loc["C3", "grade"] == "A" and applied.loc["C4", "grade"] == "C"
    # Finance sets C1's limit by hand after the apply: the undo leaves that limit as it is and says so, and puts
    # C1's terms, still as the apply wrote them, back.
    master = load_master(master_path)
    master.customers.loc[master.customers["customer_id"] == "C1", "credit_limit"] = 123_456.0
    save_master(master, master_path, tables=["Customers"])
    capsys.readouterr()
    assert main(["grade", "apply", str(master_path), "--undo", "--date", "2025-12-29", "--lang", "en"]) == 0
    out = capsys.readouterr().out
    assert "apply No. 1 of the 2025 grades (2025-12-28) undone for 4 customer(s)" in out
    assert "C3 丙超市: grade A → B" in out  # each customer's values before and after the undo
    assert "  C1 甲公司: payment terms (days) 60 → 30\n" in out
    assert (
        "1 value(s) of 1 customer(s) left as they are, changed since the grades were applied:\n"
        "  C1 甲公司: credit limit 123,456 (the apply wrote 500,000)"
    ) in out
    undone = load_master(master_path)
    now = undone.customers.set_index("customer_id")
    for cid in ("C2", "C3", "C4"):
        for column in ("grade", "credit_grade", "credit_limit", "payment_terms_days"):
            assert str(now.loc[cid, column]) == str(before.loc[cid, column]), (cid, column)
    assert now.loc["C1", "credit_limit"] == 123_456.0
    assert now.loc["C1", "payment_terms_days"] == before.loc["C1", "payment_terms_days"]
    # The undo is recorded, never rewriting a row: one more row of 2025 for each customer put back.
    history = undone.grade_history
    assert len(history) == 4 + 4 and (history["year"] == 2025).all()
    last = history.drop_duplicates("customer_id", keep="last").set_index("customer_id")
    assert last.loc["C3", ["grade_before", "grade_after"]].tolist() == ["A", "B"]
    saved = master_path.read_bytes()
    assert main(["grade", "apply", str(master_path), "--undo"]) == 0  # again: nothing to put back
    assert capsys.readouterr().out.splitlines()[:3] == [  # not "undone for 0 customers": C1's limit is still kept
        "没有可撤销的内容：2025 年评级的应用序号 1（2025-12-28 应用）改动过的客户之后都已被改动",
        "1 个客户的 1 项值在应用评级之后已被改动，保持不变：",
        "  C1 甲公司：信用额度 123,456（应用时写入 500,000）",
    ]
    assert master_path.read_bytes() == saved
    # Applying the review again puts its decisions back in, as one more row each.
    assert main(["grade", "apply", str(master_path), "--date", "2025-12-30"]) == 0
    assert load_master(master_path).customers.set_index("customer_id").loc["C3", "grade"] == "A"


def test_grade_apply_undo_of_an_unnumbered_apply_changed_since_says_nothing_to_undo(
    master_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A master whose grade history was written before applies were numbered (its 应用序号 blank), every customer
    that apply changed set by hand since: the undo puts nothing back, says so, and leaves the file as it is."""
    assert main(["grade", str(master_path), "--year", "2025"]) == 0
    assert main(["grade", "apply", str(master_path), "--date", "2025-12-28"]) == 0
    master = load_master(master_path)
    master.grade_history["apply_no"] = pd.NA  # as an older release wrote the rows
    changed = master.customers["customer_id"].isin(master.grade_history["customer_id"].unique())
    # each value the apply wrote set by hand since (to none it wrote, nor held before it)
    master.customers.loc[changed, ["grade", "credit_grade"]] = ["VIP", "A"]
    master.customers.loc[changed, "credit_limit"] = 99_000.0
    master.customers.loc[changed, "payment_terms_days"] = 77
    save_master(master, master_path, tables=["Customers", "GradeHistory"])
    saved = master_path.read_bytes()
    capsys.readouterr()
    assert main(["grade", "apply", str(master_path), "--undo", "--lang", "en"]) == 0
    assert capsys.readouterr().out.splitlines()[0] == (
        "nothing to undo: every customer the 2025 grades applied on 2025-12-28 changed was changed since"
    )
    assert main(["grade", "apply", str(master_path), "--undo"]) == 0
    assert capsys.readouterr().out.splitlines()[0] == (
        "没有可撤销的内容：2025-12-28 应用的 2025 年评级改动过的客户之后都已被改动"
    )
    assert master_path.read_bytes() == saved


def test_grade_apply_undo_takes_back_the_last_apply_not_an_earlier_meeting_s(
    master_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """2025 applied at the December meeting (C3 B -> A), then again after a later decision (C3 A -> VIP): the undo
    puts back what Customers held before the last apply, C3 at A, not B, and C2 and C4 as the first meeting set them;
    a second undo takes back the December meeting's apply."""
    columns = ["grade", "credit_grade", "credit_limit", "payment_terms_days"]
    before = load_master(master_path).customers.set_index("customer_id")[columns]
    assert main(["grade", str(master_path), "--year", "2025"]) == 0
    _type_final_grade(master_path, "C3", "A")
    assert main(["grade", "apply", str(master_path), "--date", "2025-12-28"]) == 0
    after_first = load_master(master_path).customers.set_index("customer_id")
    _type_final_grade(master_path, "C3", "VIP")
    assert main(["grade", "apply", str(master_path), "--date", "2026-01-10"]) == 0
    assert load_master(master_path).customers.set_index("customer_id").loc["C3", "grade"] == "VIP"
    capsys.readouterr()
    assert main(["grade", "apply", str(master_path), "--undo", "--date", "2026-01-11", "--lang", "en"]) == 0
    assert "apply No. 2 of the 2025 grades (2026-01-10) undone for 1 customer(s)\n  C3 丙超市: grade VIP → A" in (
        capsys.readouterr().out
    )
    now = load_master(master_path).customers.set_index("customer_id")
    pd.testing.assert_frame_equal(now[columns], after_first[columns])
    assert main(["grade", "apply", str(master_path), "--undo", "--date", "2026-01-12", "--lang", "en"]) == 0
    assert (
        "apply No. 1 of the 2025 grades (2025-12-28) undone for 4 customer(s)\n  C1 甲公司: credit limit 500,000 → -"
        in (capsys.readouterr().out)
    )
    pd.testing.assert_frame_equal(load_master(master_path).customers.set_index("customer_id")[columns], before)
    assert main(["grade", "apply", str(master_path), "--undo", "--date", "2026-01-13"]) == 0  # again: nothing
    assert "没有可撤销的内容：2025 年评级的每次应用都已撤销" in capsys.readouterr().out


def test_grade_apply_and_its_undo_refuse_a_year_the_review_is_not_of(
    master_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``--year 2024`` with a review of 2025 was ignored: the undo took back 2025's grades, not the year named."""
    assert main(["grade", str(master_path), "--year", "2025"]) == 0
    assert main(["grade", "apply", str(master_path), "--date", "2025-12-28"]) == 0
    saved = master_path.read_bytes()
    capsys.readouterr()
    for words in (["--undo", "--year", "2024"], ["--year", "2024"]):
        assert main(["grade", "apply", str(master_path), *words, "--lang", "en"]) == 2
        assert "the grading review (sheet Grade Review) is of 2025, not 2024" in capsys.readouterr().err
    with pytest.raises(InputError, match="is of 2025, not 2024") as refused:
        run_action("undo_grades", FileBridge(master_path), ActionOptions(year=2024))
    assert "评级审核表（工作表 评级审核）是 2025 年的，不是 2024 年" in refused.value.zh
    assert master_path.read_bytes() == saved
    assert main(["grade", "apply", str(master_path), "--undo", "--year", "2025", "--lang", "en"]) == 0
    assert "apply No. 1 of the 2025 grades (2025-12-28) undone for" in capsys.readouterr().out


def test_grade_apply_undo_leaves_a_later_credit_apply_to_its_own_undo(
    master_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = load_master(master_path).customers.set_index("customer_id")
    assert main(["grade", str(master_path), "--year", "2025"]) == 0
    _type_final_grade(master_path, "C3", "A")
    assert main(["grade", "apply", str(master_path), "--date", "2025-12-28"]) == 0
    # Settings shorten grade A's terms the same year; credit apply writes them (rows of 2025 too).
    master = load_master(master_path)
    master.settings = settings_from({"payment_terms_a": 45})
    save_master(master, master_path, tables=["Settings"])
    assert main(["credit", "apply", str(master_path), "--date", "2025-12-29"]) == 0
    capsys.readouterr()
    # The grading's undo does not take back credit apply's terms: C1 holds them, so they are left and listed; C1's
    # limit, still as the grading wrote it, is put back.
    assert main(["grade", "apply", str(master_path), "--undo", "--date", "2025-12-30", "--lang", "en"]) == 0
    out = capsys.readouterr().out
    assert "apply No. 1 of the 2025 grades (2025-12-28) undone for 4 customer(s)" in out
    assert "  C1 甲公司: credit limit 500,000 → -\n" in out
    assert "  C1 甲公司: payment terms (days) 45 (the apply wrote 60)" in out
    assert load_master(master_path).customers.set_index("customer_id").loc["C1", "payment_terms_days"] == 45
    # Undone in the reverse order, credit apply first, then the grading, every customer is as before.
    assert main(["credit", "apply", str(master_path), "--undo", "--date", "2025-12-30", "--lang", "en"]) == 0
    assert "  C1 甲公司: payment terms (days) 45 → 60" in capsys.readouterr().out
    assert main(["grade", "apply", str(master_path), "--undo", "--date", "2025-12-30", "--lang", "en"]) == 0
    assert (
        "apply No. 1 of the 2025 grades (2025-12-28) undone for 1 customer(s)\n"
        "  C1 甲公司: payment terms (days) 60 → 30" in capsys.readouterr().out
    )
    now = load_master(master_path).customers.set_index("customer_id")
    for column in ("grade", "credit_grade", "credit_limit", "payment_terms_days"):
        assert now[column].astype(str).tolist() == before[column].astype(str).tolist(), column


def test_the_review_sheet_in_the_master_shows_months_as_whole_numbers(master_path: Path) -> None:
    assert main(["grade", str(master_path), "--year", "2025"]) == 0
    ws = openpyxl.load_workbook(master_path)["评级审核"]
    headers = [c.value for c in ws[1]]
    column = headers.index("合作月数") + 1
    cells = [ws.cell(r, column) for r in range(2, ws.max_row + 1) if ws.cell(r, column).value is not None]
    assert cells and all(c.number_format == "0" for c in cells), {c.number_format for c in cells}
    assert main(["grade", "apply", str(master_path), "--date", "2025-12-28"]) == 0  # read back as before
