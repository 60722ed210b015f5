"""Products, listings and the statistics forms on a small hand-made master: every figure computed by hand.

The master (2026-10 is the month counted): five customers, three products at factory prices 100, 50 and 10, sales
lines with and without a product code, a return, a line of a product the catalogue lacks, a listing check that
delisted two products and one that listed a product never sold. Forms are written to disk and read back with openpyxl.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from keyacct_xl.analytics.composition import risky_customers
from keyacct_xl.cli.main import main
from keyacct_xl.forms.catalog import load_form
from keyacct_xl.forms.generator import write_form
from keyacct_xl.forms.prefill import prefill
from keyacct_xl.master.model import Master, dtype_for
from keyacct_xl.master.products import factory_amounts, listings_from_sales, listings_with_sales, product_tables
from keyacct_xl.master.reader import load_master
from keyacct_xl.master.schema import (
    CUSTOMERS,
    GRADE_HISTORY,
    LISTINGS,
    OPPORTUNITIES,
    PAYMENTS,
    PRODUCTS,
    TRANSACTIONS,
    TableSchema,
)
from keyacct_xl.master.submissions import OWN_TABLES
from keyacct_xl.master.writer import save_master, write_tables

D = pd.Timestamp
PLAN_ACCOUNTS = OWN_TABLES["MonthlyPlanAccounts"]


def _frame(schema: TableSchema, rows: list[dict]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=schema.keys)
    return frame.astype({c.key: dtype_for(c.kind) for c in schema.columns})


def _customer(cid: str, grade: str, city: str, rep: str) -> dict:
    region = "华东"
    return {"customer_id": cid, "name": f"客户{cid}", "grade": grade, "city": city, "region": region, "rep": rep,
            "payment_terms_days": 30, "outlet_type": "零售商", "credit_grade": "A"}  # fmt: skip


def _line(doc: str, day: str, cid: str, code: str | None, product: str, qty: float, amount: float, rep: str) -> dict:
    return {"doc_no": doc, "date": D(day), "customer_id": cid, "product_code": code, "product": product, "qty": qty,
            "amount": amount, "rep": rep}  # fmt: skip


def hand_master(path: Path) -> Path:
    """The hand-made master, with Products, Listings and MonthlyPlanAccounts, saved to ``path``."""
    master = Master.empty()
    master.customers = _frame(
        CUSTOMERS,
        [
            _customer("C1", "VIP", "上海", "张三"),
            _customer("C2", "A", "上海", "张三"),
            _customer("C3", "A", "苏州", "李四"),
            _customer("C4", "B", "上海", "张三"),  # not a key customer
            _customer("C5", "B", "苏州", "李四"),
        ],
    )
    master.transactions = _frame(
        TRANSACTIONS,
        [
            _line("S1", "2025-10-05", "C1", "P1", "液压油 46# 200L", 2, 400, "张三"),
            _line("S2", "2026-01-10", "C1", "P1", "液压油 46# 200L", 1, 200, "张三"),
            _line("S3", "2026-10-03", "C1", "P1", "液压油 46# 200L", 3, 600, "张三"),
            _line("S4", "2026-10-15", "C1", "P2", "全合成机油 4L", 4, 400, "张三"),
            _line("S5", "2026-10-08", "C2", None, "全合成机油 4L", 2, 200, "张三"),  # matched by its name
            _line("S6", "2026-10-09", "C2", None, "未知产品", 5, 50, "张三"),  # not in the catalogue
            _line("TH1", "2026-10-20", "C2", "P2", "全合成机油 4L", -1, -100, "张三"),
            _line("S7", "2026-09-30", "C3", "P1", "液压油 46# 200L", 1, 120, "李四"),
            _line("S8", "2026-10-31", "C3", "P3", "清洗剂 450ml", 10, 125, "李四"),
            _line("S9", "2026-10-12", "C4", "P1", "液压油 46# 200L", 1, 130, "张三"),
            _line("S10", "2026-11-01", "C1", "P1", "液压油 46# 200L", 9, 1800, "张三"),  # after the month
            _line("S11", "2025-03-05", "C5", "P1", "液压油 46# 200L", 5, 1000, "李四"),
        ],
    )
    master.payments = _frame(
        PAYMENTS,
        [
            {"receipt_no": "R1", "date": D("2025-11-01"), "customer_id": "C1", "amount": 400.0, "reference": "S1"},
            {"receipt_no": "R2", "date": D("2025-03-20"), "customer_id": "C5", "amount": 1000.0, "reference": "S11"},
        ],
    )
    master.opportunities = _frame(
        OPPORTUNITIES,
        [
            {
                "opportunity_id": "O1",
                "customer_id": "C1",
                "stage": "方案报价",
                "expected_amount": 5000.0,
                "probability": 0.5,
                "expected_close": D("2026-12-01"),
                "rep": "张三",
            },
            {"opportunity_id": "O2", "customer_id": "C2", "stage": "赢单", "rep": "张三"},
            {"opportunity_id": "O3", "customer_id": "C1", "stage": "成交", "rep": "张三"},  # a synonym of won
            {"opportunity_id": "O4", "customer_id": "C3", "stage": "线索", "rep": "李四"},
            {
                "opportunity_id": "O5",
                "customer_id": "C2",
                "stage": "Negotiation",
                "rep": "张三",
                "expected_close": D("2026-11-15"),
            },
        ],
    )
    master.grade_history = _frame(
        GRADE_HISTORY,
        [
            {"year": 2024, "customer_id": "C1", "grade_before": "B", "grade_after": "A"},
            {"year": 2025, "customer_id": "C2", "grade_before": "B", "grade_after": "A", "reason": "销售增长"},
            {"year": 2025, "customer_id": "C1", "grade_before": "A", "grade_after": "VIP", "credit_after": "A"},
        ],
    )
    save_master(master, path, backup=False)
    products = _frame(
        PRODUCTS,
        [
            {"product_code": "P1", "name": "液压油 46# 200L", "spec": "200L", "factory_price": 100.0},
            {"product_code": "P2", "name": "全合成机油 4L", "spec": "4L", "factory_price": 50.0},
            {"product_code": "P3", "name": "清洗剂 450ml", "spec": "450ml", "factory_price": 10.0, "active": "否"},
        ],
    )
    listings = _frame(
        LISTINGS,
        [
            {
                "customer_id": "C1",
                "product_code": "P2",
                "listed_date": D("2026-06-01"),
                "delisted_date": D("2026-10-10"),
                "source": "进店检查",
            },
            {
                "customer_id": "C3",
                "product_code": "P1",
                "listed_date": D("2026-01-01"),
                "delisted_date": D("2026-10-05"),
                "source": "进店检查",
            },
            {"customer_id": "C4", "product_code": "P2", "listed_date": D("2026-10-02"), "source": "进店检查"},
        ],
    )
    plans = _frame(
        PLAN_ACCOUNTS,
        [
            {"rep": "张三", "customer_id": "C1", "period": "2026-10", "invoicing": 1000.0},
            {"rep": "李四", "customer_id": "C3", "period": "2026-11", "invoicing": 500.0},  # another month
        ],
    )
    write_tables(path, {PRODUCTS: products, LISTINGS: listings, PLAN_ACCOUNTS: plans}, lang="zh", backup=False)
    return path


@pytest.fixture
def master_file(tmp_path: Path) -> Path:
    return hand_master(tmp_path / "master.xlsx")


def _rows(path: Path, section: str) -> list[dict[str, object]]:
    """The filled rows of a form's table, by column header, read with openpyxl."""
    ws = openpyxl.load_workbook(path).worksheets[0]
    ref = ws.tables[f"t_{section}"].ref
    cells = ws[ref]
    headers = [c.value for c in cells[0]]
    rows = [[c.value for c in row] for row in cells[1:]]
    return [dict(zip(headers, r, strict=True)) for r in rows if any(v not in (None, "") for v in r[:2])]


def _header(path: Path, key: str) -> object:
    book = openpyxl.load_workbook(path)
    ((sheet, cell),) = book.defined_names[f"f_{key}"].destinations
    return book[sheet][cell.replace("$", "")].value


def _write(tmp_path: Path, form: str, master: Master, **options: str) -> Path:
    spec = load_form(form)
    return write_form(tmp_path / f"{form}.xlsx", spec, data=prefill(spec, master, **options))


def test_factory_amounts_use_the_code_else_the_name(master_file: Path) -> None:
    master = load_master(master_file)
    products = product_tables(master_file)[PRODUCTS.name]
    amounts = dict(zip(master.transactions["doc_no"], factory_amounts(master.transactions, products)))
    assert amounts["S4"] == 200.0 and amounts["TH1"] == -50.0
    assert amounts["S5"] == 100.0  # no code: 全合成机油 4L is P2 by its name
    assert pd.isna(amounts["S6"])  # 未知产品: no factory price


def test_implied_listings_are_exactly_the_uncovered_first_sales(master_file: Path) -> None:
    master = load_master(master_file)
    tables = product_tables(master_file)
    implied = listings_from_sales(master.transactions, tables[PRODUCTS.name], tables[LISTINGS.name])
    assert implied[["listed_date", "customer_id", "product_code"]].values.tolist() == [
        [D("2025-03-05"), "C5", "P1"],
        [D("2025-10-05"), "C1", "P1"],  # its first sale; the later sales stay in this listing
        [D("2026-10-08"), "C2", "P2"],  # a line without a code, by its name
        [D("2026-10-12"), "C4", "P1"],
        [D("2026-10-15"), "C1", "P2"],  # bought again after the check of 10-10 delisted it (the return lists nothing)
        [D("2026-10-31"), "C3", "P3"],  # C3's P1 sold on 09-30, before its delisting: nothing new
    ]
    assert set(implied["source"]) == {"首次销售"} and implied["delisted_date"].isna().all()
    combined = listings_with_sales(master.transactions, tables[PRODUCTS.name], tables[LISTINGS.name])
    assert len(combined) == 3 + 6
    # Applied once, nothing is left to add: the rule does not list a product twice.
    assert listings_from_sales(master.transactions, tables[PRODUCTS.name], combined).empty


def test_ka_sales_stats_by_hand_with_no_target_shown_as_such(master_file: Path, tmp_path: Path) -> None:
    master = load_master(master_file)
    path = _write(tmp_path, "ka_sales_stats", master, period="2026-10")
    rows = _rows(path, "customers")
    got = [(r["客户编号"], r["本月目标"], r["本月实际"], r["达成率"], r["去年同期"], r["本年累计"]) for r in rows]
    assert got == [
        # C1: 3 × 100 + 4 × 50 = 500 against the plan's 1,000; 2025-10: 2 × 100; YTD adds January's 100
        ("C1", 1000, 500, 0.5, 200, 600),
        # C2: 2 × 50 by name, less a return of 1 × 50; the unknown product counts nothing; no plan
        ("C2", None, 50, "无目标", 0, 50),
        # C3: 10 × 10 on 10-31; its plan is for November; YTD adds September's 100
        ("C3", None, 100, "无目标", 0, 200),
    ]  # C4 and C5 are grade B: not key customers
    # The total row below the table: formulas whose cached values are the hand totals (500 + 50 + 100, ...).
    ws = openpyxl.load_workbook(path, data_only=True).worksheets[0]
    last = ws[ws.tables["t_customers"].ref][-1]
    totals = [c.value for c in ws[last[0].row + 1]]
    assert totals[4:9] == [1000, 650, None, 200, 850]
    city = _rows(_write(tmp_path, "ka_sales_stats", master, period="2026-10", city="苏州"), "customers")
    assert [(r["客户编号"], r["本月实际"]) for r in city] == [("C3", 100)]
    assert _header(tmp_path / "ka_sales_stats.xlsx", "city") == "苏州"


def test_sku_listing_counts_and_contributions_by_hand(master_file: Path, tmp_path: Path) -> None:
    master = load_master(master_file)
    path = _write(tmp_path, "sku_listing", master, period="2026-10")
    rows = _rows(path, "skus")
    got = [(r["单品编码"], r["进店数"], r["本月新增"], r["本月下架"], r["销售额"]) for r in rows]
    assert got == [
        # P1 stocked at C1 (since 2025), C4 (new 10-12), C5 (since 2025); C3 delisted on 10-05
        ("P1", 3, 1, 1, 400),  # 3 × 100 (C1) + 1 × 100 (C4)
        # P2 at C1 (delisted 10-10, listed again 10-15), C2 (10-08 by name), C4 (a check, 10-02)
        ("P2", 3, 3, 1, 250),  # 200 (C1) + 100 − 50 (C2)
        ("P3", 1, 1, 0, 100),  # C3 on 10-31
    ]
    assert [r["贡献度"] for r in rows] == pytest.approx([400 / 750, 250 / 750, 100 / 750])
    # The month's total equals the month's lines at factory price (the unknown product has none).
    assert _header(path, "month_sales") == 750
    own = _rows(_write(tmp_path, "sku_listing", master, period="2026-10", rep="张三"), "skus")
    assert [(r["单品编码"], r["进店数"], r["本月新增"], r["本月下架"], r["销售额"]) for r in own] == [
        ("P1", 2, 1, 0, 400),  # C3 and C5 are 李四's
        ("P2", 3, 3, 1, 250),
    ]


def test_city_sku_matrix_by_hand(master_file: Path, tmp_path: Path) -> None:
    master = load_master(master_file)
    path = _write(tmp_path, "region_sku_listing", master, period="2026-10")
    rows = _rows(path, "matrix")
    got = [(r["城市"], r["单品编码"], r["重点客户数"], r["进店数"], r["销售额"]) for r in rows]
    assert got == [
        ("上海", "P1", 2, 1, 300),  # key customers C1, C2; C1 stocks P1
        ("上海", "P2", 2, 2, 250),
        ("苏州", "P3", 1, 1, 100),  # C3 stocks P3; its P1 was delisted and did not sell this month
    ]
    # The key customers' month: the same total as the sales statistics (500 + 50 + 100).
    assert _header(path, "month_sales") == 650 and _header(path, "region") == "华东"
    ws = openpyxl.load_workbook(path).worksheets[0]
    row = ws[ws.tables["t_matrix"].ref][1][0].row
    assert ws.cell(row=row, column=7).value == f'=IF(COUNT(F{row},E{row})=0,"",F{row}/E{row})'  # stocking/key


def test_funnel_lists_the_reps_open_opportunities(master_file: Path, tmp_path: Path) -> None:
    master = load_master(master_file)
    rows = _rows(_write(tmp_path, "sales_funnel", master, rep="张三"), "opportunities")
    # Won (赢单, and 成交 as its synonym) is closed; 李四's lead is not 张三's; by expected close date.
    assert [(r["机会编号"], r["阶段"]) for r in rows] == [("O5", "商务谈判"), ("O1", "方案报价")]
    assert rows[1]["预计金额"] == 5000 and rows[1]["客户名称"] == "客户C1"


def test_grade_table_holds_the_latest_grading_with_the_years_sales(master_file: Path, tmp_path: Path) -> None:
    master = load_master(master_file)
    path = _write(tmp_path, "grade_table", master, period="2026-10")
    rows = _rows(path, "grades")
    # 2026 has no grading yet: the 2025 year-end review; annual sales of 2025 (C1: S1 400; C2 none)
    assert [(r["客户编号"], r["原等级"], r["新等级"], r["年度销售额"]) for r in rows] == [
        ("C1", "A", "VIP", 400),
        ("C2", "B", "A", 0),
    ]
    assert _header(path, "year") == 2025


def test_credit_evaluation_has_sales_overdue_and_longest_days(master_file: Path, tmp_path: Path) -> None:
    master = load_master(master_file)
    path = _write(tmp_path, "credit_evaluation", master, customer="C1", period="2026-10")
    # The twelve months to 2026-10-31: S2 200 + S3 600 + S4 400 (S1 is 2025-10-05, S10 is after the month).
    assert _header(path, "annual_sales") == 1200
    # S2 (200, due 30 days after 2026-01-10, i.e. 02-09) is unpaid: 264 days late on 10-31; S3 and S4 are not due.
    assert _header(path, "overdue_amount") == 200
    assert _header(path, "max_overdue_days") == (dt.date(2026, 10, 31) - dt.date(2026, 2, 9)).days == 264


def test_risky_customers_at_the_months_end(master_file: Path, tmp_path: Path) -> None:
    master = load_master(master_file)
    rows = _rows(_write(tmp_path, "risky_customers", master, period="2026-10"), "customers")
    got = [(r["客户编号"], r["风险类型"], r["应收余额"], r["逾期金额"], r["未订货天数"], r["风险程度"]) for r in rows]
    assert got == [
        # C5: 1,000 in the twelve months before, nothing since 2025-03-05 (605 days): two flags
        ("C5", "流失", 0, None, 605, "高"),
        # C1: S2 264 days overdue; 1,200 open (S2, S3, S4); last order 10-15
        ("C1", "拖欠货款", 1200, 200, 16, "中"),
    ]


def test_risky_customers_as_of_a_years_end_is_the_years_rule(master_file: Path) -> None:
    master = load_master(master_file)
    by_year = risky_customers(master.transactions, master.customers, None, year=2025, complaints=None)
    at_end = risky_customers(
        master.transactions, master.customers, None, year=2025, complaints=None, as_of=D("2025-12-31")
    )
    # the same figures: a rolling year names its columns for what they are (last 12 months, 12 months before)
    rolling = {"sales_12m": "sales", "sales_prior_12m": "sales_prior"}
    pd.testing.assert_frame_equal(by_year, at_end.rename(columns=rolling))
    # and the day counts: a rolling year that ends in June measures other flags than the calendar year
    mid_year = risky_customers(
        master.transactions, master.customers, None, year=2025, complaints=None, as_of=D("2025-06-30")
    )
    assert not mid_year.equals(by_year)


def test_a_week_has_its_figures_without_a_monthly_target(master_file: Path, tmp_path: Path) -> None:
    master = load_master(master_file)
    rows = _rows(_write(tmp_path, "ka_sales_stats", master, period="2026-W42"), "customers")  # 10-12 to 10-18
    got = [(r["客户编号"], r["本月目标"], r["本月实际"], r["达成率"], r["本年累计"]) for r in rows]
    # C1: S4 (4 × 50) on 10-15; YTD to 10-18: January's 100, 10-03's 300 and 10-15's 200
    assert got == [("C1", None, 200, None, 600), ("C2", None, 0, None, 100), ("C3", None, 0, None, 100)]


def test_without_a_period_the_latest_month_is_counted(master_file: Path) -> None:
    master = load_master(master_file)
    data = prefill(load_form("sku_listing"), master)  # the latest sale is 2026-11-01: 9 × 100 of P1
    assert data.context.period == "2026-11"
    assert [(r["sku_code"], r["sales"]) for r in data.rows["skus"]] == [("P1", 900), ("P2", 0), ("P3", 0)]


def test_cli_generates_the_city_form(master_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    argv = ["forms", "generate", "ka_sales_stats", "--master", str(master_file), "--period", "2026-10"]
    assert main([*argv, "--city", "上海", "--out", str(out)]) == 0
    rows = _rows(out / "ka_sales_stats_2026-10.xlsx", "customers")
    assert [r["客户编号"] for r in rows] == ["C1", "C2"]


def test_master_listings_appends_what_the_sales_imply_once(
    master_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = product_tables(master_file)[LISTINGS.name]
    assert main(["master", "listings", str(master_file), "--lang", "en"]) == 0
    assert "3 rows, 6 added from the sales" in capsys.readouterr().out
    after = product_tables(master_file)[LISTINGS.name]
    pd.testing.assert_frame_equal(after.iloc[:3], before)  # the check's rows stay as they were
    assert after.iloc[3:][["customer_id", "product_code"]].values.tolist() == [
        ["C5", "P1"],
        ["C1", "P1"],
        ["C2", "P2"],
        ["C4", "P1"],
        ["C1", "P2"],
        ["C3", "P3"],
    ]
    assert set(after.iloc[3:]["source"]) == {"首次销售"}  # the master's language
    written = master_file.read_bytes()
    assert main(["master", "listings", str(master_file)]) == 0
    assert "按销售新增 0 行" in capsys.readouterr().out
    assert master_file.read_bytes() == written  # nothing left to add: the file is not rewritten


@pytest.mark.libreoffice
def test_libreoffice_reads_the_statistics_forms(master_file: Path, tmp_path: Path, libreoffice) -> None:
    master = load_master(master_file)
    forms = [_write(tmp_path, f, master, period="2026-10") for f in ("ka_sales_stats", "region_sku_listing")]
    stats, matrix = (
        p.read_text(encoding="utf-8") for p in libreoffice(forms, "csv:Text - txt - csv (StarCalc):44,34,76")
    )
    assert "C2,客户C2,零售商,,,¥50.00,无目标,¥0.00,¥50.00" in stats.splitlines()
    # LibreOffice computes the coverage itself: 上海 P1, one of the city's two key customers.
    assert "上海,P1,液压油 46# 200L,200L,2,1,50.0%,¥300.00" in matrix.splitlines()
    for pdf in libreoffice(forms, "pdf"):
        assert pdf.read_bytes().startswith(b"%PDF")
