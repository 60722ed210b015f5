"""The annual review as a meeting document, on the demo: lists (A)-(E) against the master, one definition of annual
sales across review, analysis, attribute code and UDF, and the print size of the workbook in LibreOffice."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
import yaml
from reportbook import pages_with_line, report_table

from keyacct_xl import udfs
from keyacct_xl.analytics.analysis import analysis_sheets, load_analysed_master
from keyacct_xl.analytics.attribute_code import attribute_codes
from keyacct_xl.analytics.policy import policy_path
from keyacct_xl.analytics.review import build_review
from keyacct_xl.analytics.review_lists import spot_check
from keyacct_xl.cli.main import main
from keyacct_xl.demo.company import generate_demo
from keyacct_xl.master.model import Master
from keyacct_xl.master.reader import load_master
from keyacct_xl.master.writer import save_master

YEAR = 2025
SHEETS = [
    "说明",
    "评级汇总",
    "(A) VIP名单",
    "(B) A、B类名单",
    "(C) 特殊政策客户",
    "(D) 信用等级与特殊结算",
    "(E) 新客户",
    "定期抽查",
    "评级审核",
]


@pytest.fixture(scope="module")
def demo_review(tmp_path_factory: pytest.TempPathFactory) -> tuple[Master, Path]:
    """The demo master on disk and its review workbook for 2025, written by the CLI in zh."""
    folder = tmp_path_factory.mktemp("review-meeting")
    path = save_master(generate_demo(), folder / "master.xlsx", backup=False)
    out = folder / "review.xlsx"
    assert main(["grade", str(path), "--year", str(YEAR), "--out", str(out), "--lang", "zh"]) == 0
    return load_master(path), out


def _ids(frame: pd.DataFrame) -> set[str]:
    return set(frame["客户编号"].astype(str))


def test_the_five_lists_are_present_and_hold_the_customers_the_master_says(demo_review) -> None:
    master, out = demo_review
    assert openpyxl.load_workbook(out, read_only=True).sheetnames == SHEETS
    sheets = {name: report_table(out, name) for name in SHEETS}
    review = sheets["评级审核"].assign(客户编号=lambda f: f["客户编号"].astype(str)).set_index("客户编号")
    customers = master.customers.assign(customer_id=master.customers["customer_id"].astype(str))
    customers = customers.set_index("customer_id")
    # customers whose first trade (typed, else the first sale) is after 2025 and who sold nothing in it are left out
    sales = master.transactions.assign(customer_id=master.transactions["customer_id"].astype(str))
    start = customers["first_trade_date"].fillna(sales.groupby("customer_id")["date"].min())
    sold = set(sales.loc[sales["date"] < "2026-01-01", "customer_id"])
    later = (start >= pd.Timestamp("2026-01-01")) & ~customers.index.isin(sold)
    assert later.any() and not set(review.index) & set(customers.index[later])
    customers = customers[~later]
    assert len(review) == len(customers)
    # (A): every current VIP (continued or revoked) and every customer proposed VIP.
    vip = set(customers.index[customers["grade"] == "VIP"]) | set(review.index[review["建议等级"] == "VIP"])
    assert _ids(sheets["(A) VIP名单"]) == vip and vip
    # (B): proposed A or B, new customers left to (E).
    ab = set(review.index[review["建议等级"].isin(["A", "B"]) & (review["新客户"] == "否")])
    assert _ids(sheets["(B) A、B类名单"]) == ab
    # (C): every customer with a special policy in Customers, with the policy text.
    special = customers["special_policy"].dropna()
    special = special[special.str.strip() != ""]
    c_list = sheets["(C) 特殊政策客户"].set_index("客户编号")
    assert set(c_list.index) == set(special.index) and len(special) > 10
    assert (c_list["特殊政策"] == special.reindex(c_list.index)).all()
    assert set(c_list["处理建议"]) <= {"保留", "调整", "取消"}
    # (D): credit grade changes, and terms longer than the standard of the grade in credit.yaml.
    policy = yaml.safe_load(policy_path("credit").read_text(encoding="utf-8"))
    standard = {g["grade"]: g["payment_terms_days"] for g in policy["grades"]}
    own = customers["credit_grade"].where(customers["credit_grade"].notna(), review["建议信用等级"])
    longer = customers["payment_terms_days"].astype("Float64") > own.map(standard).astype("Float64")
    longer = set(customers.index[longer.fillna(False).to_numpy(dtype=bool)])
    changed = set(review.index[review["原信用等级"].astype(object) != review["建议信用等级"].astype(object)])
    d_list = sheets["(D) 信用等级与特殊结算"].set_index("客户编号")
    assert set(d_list.index) == longer | changed and longer - changed
    assert set(d_list.index[d_list["特殊结算"] == "是"]) == longer
    # (E): customers under six months at the evaluation date (2025-12-25), or without a known start (those whose
    # first trade is after 2025 are not in the review at all)
    first = customers["first_trade_date"].fillna(
        master.transactions[master.transactions["date"] <= "2025-12-25"].groupby("customer_id")["date"].min()
    )
    new = set(customers.index[~(first <= pd.Timestamp("2025-06-25")) & ~(first >= pd.Timestamp("2026-01-01"))])
    assert _ids(sheets["(E) 新客户"]) == new and new
    # The spot check draws the policy's 20 customers, the same ones again from the same seed.
    assert len(sheets["定期抽查"]) == 20


def test_the_review_workbook_is_a_zh_document_with_a_print_setup(demo_review) -> None:
    _, out = demo_review
    book = openpyxl.load_workbook(out)
    for ws in book.worksheets:
        (table,) = ws.tables.values()
        headers = [c.value for c in ws[openpyxl.utils.range_boundaries(table.ref)[1]]]
        snake = [h for h in headers if isinstance(h, str) and re.fullmatch(r"[a-z]+(_[a-z0-9]+)+", h)]
        assert not snake, (ws.title, snake)
        assert ws.page_setup.paperSize == 9 and ws.print_title_rows, ws.title
    summary = book["评级汇总"]
    (chart,) = summary._charts
    # printed in strips with column A repeated, the chart starts right of it: in column A it printed an empty slice
    # of its frame on the second strip (a trial)
    assert summary.print_title_cols == "$A:$A" and chart.anchor._from.col == 1


def test_the_summary_holds_the_migration_matrix_in_customers_and_sales(demo_review) -> None:
    _, out = demo_review
    summary = report_table(out, "评级汇总").set_index("客户等级")
    review = report_table(out, "评级审核")
    for grade in ("VIP", "A", "B", "C"):
        before = review[review["原等级"] == grade]
        assert summary.at[grade, "原等级户数"] == len(before)
        assert summary.at[grade, "建议等级户数"] == (review["建议等级"] == grade).sum()
        for to in ("VIP", "A", "B", "C"):
            moved = before[before["建议等级"] == to]
            assert summary.at[grade, f"调为{to}（户）"] == len(moved)
            assert summary.at[grade, f"调为{to}销售额（万元）"] == pytest.approx(
                moved["年度销售额"].sum() / 1e4, abs=0.01
            )
    assert summary["原等级户数"].sum() == len(review)


def test_annual_sales_are_one_figure_in_review_analysis_attribute_code_and_udf(demo_review) -> None:
    master, _ = demo_review
    review = build_review(master, year=YEAR, lang="zh").table.set_index("customer_id")
    assert master.path is not None
    _, complaints = load_analysed_master(master.path)
    abc = next(
        s.frame for s in analysis_sheets(master, year=YEAR, lang="zh", complaints=complaints) if s.title == "ABC明细"
    )
    by_abc = abc.set_index("customer_id")["revenue"]
    sold = review["annual_sales"][review["annual_sales"] != 0]
    pd.testing.assert_series_equal(by_abc.reindex(sold.index), sold, check_names=False)
    # Sales after the evaluation date (2025-12-25) are in the year's figure: the demo has some.
    late = master.transactions[
        (master.transactions["date"] > "2025-12-25") & (master.transactions["date"].dt.year == YEAR)
    ]
    assert len(late) > 0
    # The UDF over the Transactions table as Excel passes it.
    tx = master.transactions
    table = (("客户编号", "日期", "金额"), *zip(tx["customer_id"], tx["date"].dt.strftime("%Y-%m-%d"), tx["amount"]))
    header, *rows = udfs.PARETO_TABLE(table, None, YEAR)
    by_udf = pd.Series({r[0]: r[header.index("revenue")] for r in rows})
    pd.testing.assert_series_equal(by_udf.reindex(sold.index), sold, check_names=False, check_exact=False, rtol=1e-12)
    # The attribute code as of the year's end: its total is the sum of the years' annual sales, and its yearly
    # average divides by the years with data (the demo's lines start in November 2023).
    prior = build_review(master, year=YEAR - 1, lang="zh").table.set_index("customer_id")
    code = attribute_codes(master.customers, tx, as_of=pd.Timestamp(YEAR, 12, 31)).set_index("customer_id")
    # a customer whose first trade is after YEAR - 1 is not in that year's review: it sold nothing the year before
    before = prior["prior_year_sales"].reindex(review.index).fillna(0.0)
    years = review["annual_sales"] + review["prior_year_sales"] + before
    np.testing.assert_allclose(code["total_spend"].reindex(review.index), years, rtol=1e-12)
    with_data = code["years_with_data"].to_numpy()
    np.testing.assert_allclose(
        code["avg_yearly_spend"].to_numpy() * np.maximum(with_data, 1), code["total_spend"].to_numpy(), rtol=1e-12
    )
    assert set(with_data) <= {0, 1, 2, 3}


def test_the_spot_check_is_reproducible_with_its_seed(demo_review) -> None:
    master, _ = demo_review
    table = build_review(master, year=YEAR, lang="zh").table
    first = spot_check(table, size=20, seed=7)
    assert (
        first["customer_id"].tolist()
        == spot_check(table.sample(frac=1, random_state=1), size=20, seed=7)["customer_id"].tolist()
    )
    assert first["customer_id"].tolist() != spot_check(table, size=20, seed=8)["customer_id"].tolist()
    assert first["customer_id"].is_monotonic_increasing and first["customer_id"].is_unique


def _pages(pdf: Path) -> list[str]:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    count = int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))
    return [
        subprocess.run(
            ["pdftotext", "-f", str(i), "-l", str(i), "-layout", str(pdf), "-"], capture_output=True, text=True
        ).stdout
        for i in range(1, count + 1)
    ]


def test_the_review_workbook_prints_in_pages_a_meeting_can_hold(demo_review, libreoffice) -> None:
    _, out = demo_review
    pages = _pages(libreoffice(out, "pdf"))
    # 600 customers: the lists and the full table print in 42 A4 pages (measured): the lists too wide to read
    # fitted to one page (5 pt) print at 60 % in strips, (D) in 19 pages; the full table, decided on screen, stays
    # fitted (7 pages). 22 pages when every list was fitted.
    assert len(pages) <= 45
    assert not any("###" in text for text in pages)
    titled = [i for i, text in enumerate(pages) if "年度评级审核 — " in text]
    summary = next(i for i in titled if "— 评级汇总" in pages[i])
    after = next(i for i in titled if "— (A) VIP名单" in pages[i])
    assert after - summary <= 2  # the summary with its chart: at most two pages
    # The migration matrix prints in strips: each strip names its rows' grades (the trial's second strip had none).
    matrix = [text for text in pages if re.search(r"调为\S+销售额（万元）", text)]
    assert matrix and all("客户等级" in text for text in matrix)


def test_the_english_summary_prints_on_one_page_with_its_chart(demo_review, libreoffice, tmp_path: Path) -> None:
    """The English review (a trial): its longer headers put the summary in strips with column A repeated, and the
    chart starting in column A printed an empty slice of its frame on each strip after the first."""
    _, out = demo_review
    english = tmp_path / "review-en.xlsx"
    assert (
        main(["grade", str(out.parent / "master.xlsx"), "--year", str(YEAR), "--out", str(english), "--lang", "en"])
        == 0
    )
    summary = openpyxl.load_workbook(english)["Grading summary"]
    assert summary.sheet_properties.pageSetUpPr.fitToPage and not summary.print_title_cols
    pages = _pages(libreoffice(english, "pdf", tmp_path))
    first = next(i for i, text in enumerate(pages) if "— Grading summary" in text)
    assert "— (A) VIP list" in pages[first + 1]
    assert pages_with_line(pages, "Grade mix before and after") == [first]  # the chart's title, on no strip


def test_regional_pre_ratings_go_out_by_region_and_come_back_as_supervisor_columns(tmp_path: Path) -> None:
    from test_analytics_cli import small_master

    from keyacct_xl.consolidate.run import consolidate
    from keyacct_xl.consolidate.simulate import fill_form
    from keyacct_xl.forms.layout import field_cell_name

    path = save_master(small_master(), tmp_path / "master.xlsx", backup=False)
    forms = tmp_path / "pre-rating"
    grade = ["grade", str(path), "--year", "2025", "--policy", "grading_3level", "--lang", "zh"]
    assert main([*grade, "--out", str(tmp_path / "first.xlsx"), "--by-region", str(forms)]) == 0
    written = sorted(p.relative_to(forms).as_posix() for p in forms.rglob("*.xlsx"))
    # One folder per region, one form per customer the meeting discusses (every one of the small master's four).
    assert written == [
        "华东/credit_evaluation_C1_2025.xlsx",
        "华东/credit_evaluation_C2_2025.xlsx",
        "华北/credit_evaluation_C3_2025.xlsx",
        "华南/credit_evaluation_C4_2025.xlsx",
    ]
    form = forms / "华南" / "credit_evaluation_C4_2025.xlsx"
    book = openpyxl.load_workbook(form)
    sheet, ref = next(iter(book.defined_names[field_cell_name("annual_sales")].destinations))
    assert book[sheet][ref.replace("$", "")].value == 20_000  # C4's 2025 sales, pre-filled from the review
    # The regional supervisor rates the new customer C4 and sends the form back; it is consolidated.
    filled = fill_form(
        form.read_bytes(),
        header={"proposed_grade": "B", "proposed_credit_grade": "B", "proposed_limit": 50_000, "supervisor": "周志强"},
        rows={"scores": [{"criterion": "付款及时性", "weight": 1.0, "score": 4}]},
    )
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "C4.xlsx").write_bytes(filled)
    outcome = consolidate(inbox, path, now="2025-12-20 18:00:00").outcomes[0]
    assert outcome.status == "accepted", outcome
    # The next review shows the supervisor's columns; the three-level policy grades the new customer provisionally.
    out = tmp_path / "second.xlsx"
    assert main([*grade, "--out", str(out)]) == 0
    review = report_table(out, "评级审核").set_index("客户编号")
    assert review.loc["C4", ["区域主管", "主管建议等级", "主管建议信用等级", "主管建议额度"]].tolist() == [
        "周志强",
        "B",
        "B",
        50_000,
    ]
    assert review.loc["C4", "建议等级"] == "B" and "暂定" in review.loc["C4", "评级依据"]
    assert review["区域主管"].notna().sum() == 1
    # Under the four-level policy (no provisional grades) the new customer stays C beside the supervisor's B.
    assert main([*grade[:4], "--out", str(out)]) == 0
    review = report_table(out, "评级审核").set_index("客户编号")
    assert review.loc["C4", ["建议等级", "主管建议等级"]].tolist() == ["C", "B"]


def test_regional_pre_ratings_of_ids_that_differ_only_in_unsafe_characters_get_a_form_each(tmp_path: Path) -> None:
    from test_analytics_cli import small_master

    master = small_master()
    renamed = {"C1": "KA/1", "C2": "KA:1"}  # both in 华东; both would be credit_evaluation_KA_1_2025.xlsx
    for frame in (master.customers, master.transactions, master.payments, master.visits, master.contacts):
        frame["customer_id"] = frame["customer_id"].replace(renamed)
    path = save_master(master, tmp_path / "master.xlsx", backup=False)
    forms = tmp_path / "pre-rating"
    grade = ["grade", str(path), "--year", "2025", "--policy", "grading_3level", "--lang", "zh"]
    assert main([*grade, "--out", str(tmp_path / "review.xlsx"), "--by-region", str(forms)]) == 0
    written = sorted((forms / "华东").glob("*.xlsx"))
    assert len(written) == 2 and all(".bak." not in p.name for p in written)
    cells = [{c.value for row in openpyxl.load_workbook(p).worksheets[0].iter_rows() for c in row} for p in written]
    assert sorted(str({"KA/1", "KA:1"} & found) for found in cells) == ["{'KA/1'}", "{'KA:1'}"]
