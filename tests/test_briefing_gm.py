"""The general manager's monthly pack on a hand-built master written to disk: month sales, year to date, last year,
targets, active/new/lost/reactivated customers, receivables (equal to the ageing job's), the funnel, VIP/A coverage,
complaints, top customers and their rank change; then the workbook: cover links, 24-month charts, zh headers."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import zipfile
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
from briefing_master import frame, hand_master, handed
from fileopens import opens_of
from reportbook import pages_with_line, pdf_pages, printed_sheets, report_table, table_ref, table_rows

from keyacct_xl.bridge.base import ActionOptions, FileBridge
from keyacct_xl.briefing.fact_sheet import open_opportunities
from keyacct_xl.briefing.gm_book import KPI_LABELS as PACK_KPIS
from keyacct_xl.briefing.months import monthly_trend
from keyacct_xl.briefing.usecase import GmPack, lost_months, run_gm_pack
from keyacct_xl.cli.main import main
from keyacct_xl.consolidate.store import load_store
from keyacct_xl.demo.company import generate_demo
from keyacct_xl.errors import InputError
from keyacct_xl.history.store import store_path
from keyacct_xl.macros import run_action
from keyacct_xl.master import tablememo
from keyacct_xl.master.plans import SALES_TARGETS
from keyacct_xl.master.reader import load_master
from keyacct_xl.master.schema import OPPORTUNITIES
from keyacct_xl.master.settings import settings_from
from keyacct_xl.master.submissions import LEDGER
from keyacct_xl.master.writer import save_master, write_tables
from keyacct_xl.receivables.usecase import run_ageing
from tests.test_reports import chart_problems, pdf_text


@pytest.fixture(scope="module")
def master_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return hand_master(tmp_path_factory.mktemp("gm"))


@pytest.fixture(scope="module")
def pack(master_path: Path) -> GmPack:
    return run_gm_pack(load_master(master_path), load_store(master_path).frames, period="2026-10")


def kpi(pack: GmPack, key: str) -> tuple[float, float, float]:
    row = pack.kpis.set_index("kpi").loc[key]
    return float(row["value"]), float(row["last_month"]), float(row["last_year"])


def test_month_sales_year_to_date_and_last_year_equal_the_hand_count(pack: GmPack) -> None:
    # October 2026: K1 1200 + K2 600 - 100 (a return) + K3 400 + K5 900 + K6 250; the November sale is not in it.
    assert kpi(pack, "month_sales") == (3250.0, 500.0, 1500.0)
    # Jan-Oct 2026: K1 2700, K2 500, K3 3400, K5 900, K6 250; Jan-Sep 2026: 3250 less; Jan-Oct 2025: 800+2000+700.
    assert kpi(pack, "ytd_sales") == (7750.0, 4500.0, 3500.0)
    assert pack.total["sales_target"] == 3500.0 and pack.total["ytd_target"] == 4500.0
    assert pack.total["sales_achievement"] == pytest.approx(3000 / 3500)  # 王五's 250 has no target


def test_the_target_achieved_counts_only_the_sales_of_the_reps_and_months_with_a_target(
    master_path: Path, tmp_path: Path
) -> None:
    """A trial user's pack read "Month target achieved 273 %": every rep's sales over the targets of the two reps who
    had one (1086 % the month before), and a rep whose targets start in September achieved 584 % to date, his sales
    since January over two months' targets. Only the sales of the reps and months with a target count."""
    pack = run_gm_pack(
        load_master(master_path), load_store(master_path).frames, period="2026-10", out=tmp_path / "gm.xlsx"
    )
    # October: 张三 1700 + 李四 1300 against 2000 + 1500 (王五's 250 has no target); September: 张三 500 of 1000.
    now, last_month, last_year = kpi(pack, "sales_achievement")
    assert now == pytest.approx(3000 / 3500) and last_month == pytest.approx(0.5) and np.isnan(last_year)
    rep = pack.cuts["rep"].set_index("rep")
    # to date: 张三's September and October (500 + 1700) against 1000 + 2000, not his January sale; 李四's October
    assert rep.loc["张三", "ytd_sales"] == 3200.0 and rep.loc["张三", "ytd_target"] == 3000.0
    assert rep.loc["张三", "ytd_achievement"] == pytest.approx(2200 / 3000)
    assert rep.loc["李四", "ytd_achievement"] == pytest.approx(1300 / 1500)
    assert pack.total["ytd_achievement"] == pytest.approx(3500 / 4500)
    cover = [c.value for row in openpyxl.load_workbook(pack.path).worksheets[0].iter_rows() for c in row]
    assert (
        "本月任务达成率：设有本月任务的业务员在本月的销售额除以其任务；1 名有销售额的业务员没有任务，不计入：王五。"
        in cover
    )
    notes = [c.value for row in openpyxl.load_workbook(pack.path)["按业务员的销售额"].iter_rows() for c in row]
    assert any(str(n).startswith("达成率：业务员有任务的月份的销售额除以这些月份的任务") for n in notes)


def test_the_rep_sheet_shows_the_sales_to_date_its_achievement_divides(master_path: Path, tmp_path: Path) -> None:
    """累计达成率 of 张三 read 73.3 % beside 本年累计 3,200 and 累计任务 3,000: his January sale, a month without a
    target, is in the sales but not in the achievement, and no cell of the sheet held the 2,200 it divides. The rep
    sheet now shows it (as ``keyacct-xl reps`` does), as money, and the sheet still prints one A4 page wide."""
    pack = run_gm_pack(
        load_master(master_path), load_store(master_path).frames, period="2026-10", out=tmp_path / "gm.xlsx"
    )
    header, *reps, total = table_rows(pack.path, "按业务员的销售额")
    column = header.index("任务月份累计销售额")
    assert header[header.index("累计任务") + 1] == "任务月份累计销售额"
    by_rep = {row[0]: row for row in reps}
    assert by_rep["张三"][column] == 2200.0 and by_rep["李四"][column] == 1300.0
    assert by_rep["王五"][column] is None  # no target: nothing achieved, as his target and achievement
    for row in reps:
        target, achieved, rate = (row[header.index(h)] for h in ("累计任务", "任务月份累计销售额", "累计达成率"))
        assert (achieved is None) == (target is None) and (rate is None) == (target is None)
        if target is not None:
            assert rate == pytest.approx(achieved / target)
    assert total[column] == 3500.0 and total[column] / total[header.index("累计任务")] == pytest.approx(
        pack.total["ytd_achievement"]
    )
    ws = openpyxl.load_workbook(pack.path)["按业务员的销售额"]
    first_row = table_ref(pack.path, "按业务员的销售额")[1]
    assert ws.cell(first_row + 1, column + 1).number_format == '"¥"#,##0.00'
    assert ws.page_setup.paperSize == 9 and ws.sheet_properties.pageSetUpPr.fitToPage and not ws.print_title_cols
    assert "任务月份累计销售额" not in report_table(pack.path, "按区域的销售额").columns  # targets are per rep


def test_without_a_target_the_rep_sheet_s_total_leaves_the_targets_blank(master_path: Path, tmp_path: Path) -> None:
    """No rep had a target: every rep's target cell was blank and the total row's read ¥0.00."""
    book = Path(shutil.copy(master_path, tmp_path / "master.xlsx"))
    write_tables(book, {SALES_TARGETS: frame(SALES_TARGETS, [])}, lang="zh", backup=False)
    pack = run_gm_pack(load_master(book), load_store(book).frames, period="2026-10", out=tmp_path / "gm.xlsx")
    header, *_, total = table_rows(pack.path, "按业务员的销售额")
    assert total[header.index("销售额")] == 3250.0
    assert total[header.index("本月任务")] is None and total[header.index("累计任务")] is None
    assert np.isnan(kpi(pack, "sales_achievement")[0])
    cover = [c.value for row in openpyxl.load_workbook(pack.path).worksheets[0].iter_rows() for c in row]
    assert "本月任务达成率：2026-10 没有业务员设有销售任务。" in cover


def test_sales_by_rep_region_grade_and_category(pack: GmPack) -> None:
    rep = pack.cuts["rep"].set_index("rep")
    # K2's lines carry no rep: they are 张三's, the customer's.
    assert rep.loc["张三", "sales"] == 1700.0 and rep.loc["张三", "sales_target"] == 2000.0
    assert rep.loc["张三", "sales_achievement"] == pytest.approx(0.85)
    assert rep.loc["张三", "ytd_target"] == 3000.0 and rep.loc["张三", "ytd_sales"] == 3200.0
    assert rep.loc["李四", "sales"] == 1300.0 and rep.loc["李四", "sales_last_year"] == 700.0
    assert np.isnan(rep.loc["王五", "sales_target"]) and np.isnan(rep.loc["王五", "sales_achievement"])  # no 0 %
    region = pack.cuts["region"].set_index("region")["sales"]
    assert region.to_dict() == {"华北": 1300.0, "华东": 1700.0, "华南": 250.0}
    assert pack.cuts["grade"].set_index("grade")["sales"].to_dict() == {
        "VIP": 1200.0,
        "B": 400.0,
        "A": 500.0,
        "C": 1150.0,
    }
    category = pack.cuts["category"].set_index("category")
    assert category.loc["饮料", "sales"] == 2500.0 and category.loc["食品", "sales"] == 750.0
    assert category.loc["食品", "ytd_growth"] == pytest.approx(4250 / 2000 - 1)
    for cut in pack.cuts.values():
        assert cut["sales"].sum() == 3250.0 and cut["ytd_sales"].sum() == 7750.0


def test_customers_active_new_lost_and_reactivated(pack: GmPack) -> None:
    assert pack.lost_months == 12
    october = pack.trend.set_index("month").loc["2026-10"]
    assert october["active_customers"] == 5  # K1, K2, K3, K5, K6 bought since 2025-11
    assert october["new_customers"] == 1  # K5
    assert october["reactivated"] == 2  # K2 (lost in 2026-03) and K6
    assert october["lost"] == 1  # K4, last purchase 2025-10
    assert october["buyers"] == 5
    assert october["recent_buyers"] == 4  # K1 bought on 10-01, 30 days before 10-31: not within the last 30 days
    assert kpi(pack, "active_customers") == (5.0, 3.0, 3.0)
    march = pack.trend.set_index("month").loc["2026-03"]
    assert march["lost"] == 1 and march["active_customers"] == 3  # K2's 2025-03 purchase leaves the window
    trend = pack.trend
    flow = trend["active_customers"].shift(1) + trend["new_customers"] + trend["reactivated"] - trend["lost"]
    assert (flow.iloc[1:] == trend["active_customers"].iloc[1:]).all()


def test_the_trend_covers_24_months_with_last_year_beside_each(pack: GmPack) -> None:
    assert list(pack.trend["month"]) == [str(p) for p in pd.period_range("2024-11", "2026-10", freq="M")]
    row = pack.trend.set_index("month").loc["2025-10"]
    assert row["sales"] == 1500.0 and row["sales_last_year"] == 0.0
    assert pack.trend.set_index("month").loc["2026-10", "sales_last_year"] == 1500.0


def test_receivables_equal_the_hand_count_and_the_ageing_job(master_path: Path, pack: GmPack) -> None:
    # K1 1700 (500 overdue, 1200 not yet due, over its 1000 limit), K2 500, K3 3400 (3000 overdue), K4 700 (over
    # its 500 limit), K5 900, K6 250.
    assert kpi(pack, "balance") == (7450.0, 5200.0, 1500.0)  # a year ago: K1 800 not yet due, K4 700
    assert kpi(pack, "overdue") == (5850.0, 4700.0, 700.0)
    assert kpi(pack, "over_limit") == (2.0, 2.0, 1.0)
    assert list(pack.receivables["month"]) == [str(p) for p in pd.period_range("2025-11", "2026-10", freq="M")]
    master = load_master(master_path)
    for month in ("2026-10", "2026-09", "2026-03"):
        aged = run_ageing(master, as_of=pd.Period(month, freq="M").end_time.normalize())
        row = pack.receivables.set_index("month").loc[month]
        assert row["balance"] == aged.totals["balance"] and row["overdue"] == aged.overdue
        assert row["over_limit"] == aged.totals["over_limit"]


def test_top_customers_and_their_change_in_rank(pack: GmPack) -> None:
    top = pack.top.set_index("customer_id")
    assert list(top.index) == ["K3", "K1", "K5", "K2", "K6"]
    assert top.loc["K1", "prior_rank"] == 2 and top.loc["K1", "rank_change"] == 0
    assert top.loc["K2", "prior_rank"] == 1 and top.loc["K2", "rank_change"] == -3
    assert pd.isna(top.loc["K3", "prior_rank"]) and pd.isna(top.loc["K3", "rank_change"])


def test_funnel_coverage_complaints_and_risk(pack: GmPack) -> None:
    funnel = pack.funnel.set_index("stage")
    assert list(funnel.index) == ["初步接触", "洽谈"]
    assert funnel.loc["洽谈", "weighted_amount"] == 1400.0  # 1000 x 0.5 and O2's own 900
    assert funnel.loc["初步接触", "weighted_amount"] == pytest.approx(300.0)
    coverage = pack.coverage.set_index("rep")
    assert coverage.loc["张三", "key_customers"] == 2 and coverage.loc["张三", "key_visited"] == 1  # K2 only called
    assert coverage.loc["李四", "key_visited"] == 0  # K4's visit was last quarter
    assert kpi(pack, "key_coverage")[0] == pytest.approx(1 / 3)
    assert list(pack.complaints["complaint_no"]) == ["T3", "T2"]  # T1 closed, T4 after the month
    assert kpi(pack, "open_complaints")[0] == 2 and kpi(pack, "overdue_complaints")[0] == 1
    risky = pack.risky.set_index("customer_id")
    assert "K4" in risky.index and risky.loc["K4", "silent"] and risky.loc["K4", "sales_drop"]
    assert risky.loc["K3", "overdue"]  # 3000 due since 2026-02-10
    assert pack.pareto is not None and pack.pareto.classes.set_index("abc_class").loc["C", "customers"] == 5


def test_the_covers_funnel_is_the_open_opportunities_not_the_deals_won(master_path: Path, tmp_path: Path) -> None:
    """A won deal (赢单, 100 %) stays on the funnel sheet, but the cover's weighted funnel counted it as pipeline:
    the general manager read ¥22.5M of prospects where ¥11.1M were open (the demo's October)."""
    book = Path(shutil.copy(master_path, tmp_path / "master.xlsx"))
    master = load_master(book)
    won = {"opportunity_id": "O4", "customer_id": "K5", "stage": "赢单", "expected_amount": 5000.0, "probability": 1.0}
    write_tables(
        book,
        {OPPORTUNITIES: pd.concat([master.opportunities, frame(OPPORTUNITIES, [won])], ignore_index=True)},
        lang="zh",
        backup=False,
    )
    pack = run_gm_pack(load_master(book), load_store(book).frames, period="2026-10")
    assert pack.funnel.set_index("stage").loc["赢单", "weighted_amount"] == 5000.0
    assert kpi(pack, "weighted_amount")[0] == pytest.approx(1700.0)  # 洽谈 1400 + 初步接触 300


@pytest.mark.parametrize("names", [("赢单", "赢单", "输单"), ("成交", "won", "丢单")], ids=["labels", "synonyms"])
def test_a_won_deal_that_kept_its_old_probability_is_not_pipeline(
    master_path: Path, tmp_path: Path, names: tuple[str, str, str]
) -> None:
    """Two reps moved deals to 赢单 and left 60 % (the trial's master): the 赢单 stage's mean fell below 100 %, so
    the cover counted every won deal as pipeline (¥22.5M for ¥11.1M open). A closing stage is closed by its name,
    any of them: a master row at 成交 (the list's synonym, which the pre-filled funnel already left out as won), won
    or 丢单 was still open pipeline (¥13,900 for ¥1,700)."""
    book = Path(shutil.copy(master_path, tmp_path / "master.xlsx"))
    master = load_master(book)
    won = [
        {"opportunity_id": "O4", "customer_id": "K5", "stage": names[0], "expected_amount": 5000.0, "probability": 1.0},
        {"opportunity_id": "O5", "customer_id": "K5", "stage": names[1], "expected_amount": 8000.0, "probability": 0.6},
        {"opportunity_id": "O6", "customer_id": "K5", "stage": names[2], "expected_amount": 9000.0, "probability": 0.2},
    ]
    write_tables(
        book,
        {OPPORTUNITIES: pd.concat([master.opportunities, frame(OPPORTUNITIES, won)], ignore_index=True)},
        lang="zh",
        backup=False,
    )
    pack = run_gm_pack(load_master(book), load_store(book).frames, period="2026-10")
    assert kpi(pack, "weighted_amount")[0] == pytest.approx(1700.0)  # 洽谈 1400 + 初步接触 300, as without them
    listed = open_opportunities(load_master(book).opportunities)
    assert not set(listed["opportunity_id"]) & {"O4", "O5", "O6"}


def test_a_month_without_an_open_complaint_says_so_on_its_sheet(master_path: Path, tmp_path: Path) -> None:
    """August 2026 had no complaint: the sheet printed a header row over nothing; a line now says there was none.
    October's two open complaints are listed without it."""
    book = Path(shutil.copy(master_path, tmp_path / "master.xlsx"))
    said = {}
    for month in ("2026-08", "2026-10"):
        assert main(["report", "gm", str(book), "--period", month]) == 0
        sheet = openpyxl.load_workbook(tmp_path / f"gm_pack_{month}.xlsx")["未结投诉"]
        said[month] = [c.value for row in sheet.iter_rows() for c in row if "未结投诉。" in str(c.value)]
    assert said == {"2026-08": ["2026-08 月末没有未结投诉。"], "2026-10": []}


def test_a_quarter_is_refused(master_path: Path) -> None:
    with pytest.raises(InputError, match="2026-10"):
        run_gm_pack(load_master(master_path), load_store(master_path).frames, period="2026-Q4")


SNAKE = re.compile(r"^[a-z]+(_[a-z0-9]+)+$")


def chart_rows(path: Path) -> dict[str, int]:
    """Each chart's title and how many rows its categories span, read from the chart parts."""
    found = {}
    with zipfile.ZipFile(path) as book:
        for name in sorted(n for n in book.namelist() if n.startswith("xl/charts/chart")):
            xml = book.read(name).decode("utf-8")
            title = "".join(re.findall(r"<a:t>([^<]*)</a:t>", xml.split("</c:title>")[0]))
            first, last = re.search(r"<c:cat>.*?\$(\d+):\$[A-Z]+\$(\d+)</c:f>", xml, re.S).groups()
            found[title] = int(last) - int(first) + 1
    return found


def test_the_pack_s_cover_links_each_number_to_its_sheet(master_path: Path, tmp_path: Path) -> None:
    out = run_gm_pack(
        load_master(master_path), load_store(master_path).frames, period="2026-10", out=tmp_path / "gm.xlsx"
    ).path
    book = openpyxl.load_workbook(out)
    cover = book.worksheets[0]
    assert cover.title == "封面" and cover.page_setup.paperSize == 9 and cover.sheet_properties.pageSetUpPr.fitToPage
    rows = {cover.cell(r, 1).value: r for r in range(1, cover.max_row + 1)}
    sales = cover.cell(rows["本月销售额"], 2)
    assert sales.value == 3250.0 and sales.number_format == '"¥"#,##0.00'
    assert sales.hyperlink.location == "'销售趋势'!A1"
    assert cover.cell(rows["本月销售额"], 4).value == "▲ +550.0%"  # against September's 500
    linked = [cover.cell(r, 2).hyperlink for r in range(rows["本月销售额"], rows["本月销售额"] + len(PACK_KPIS))]
    for link in linked:
        target = link.location.split("!")[0].strip("'")
        assert target in book.sheetnames
    for ws in book.worksheets[1:]:
        assert ws.page_setup.paperSize == 9, ws.title
        headers = report_table(out, ws.title).columns
        assert not [h for h in headers if SNAKE.match(str(h))], ws.title
    assert report_table(out, "按业务员的销售额").set_index("业务员").loc["张三", "本月任务"] == 2000.0
    # places gained are a whole number of places, not a percent (-3 read as -300.0%)
    top = book["前 20 名客户"]
    _, header_row, _, last_row, _ = table_ref(out, "前 20 名客户")
    column = [c.value for c in top[header_row]].index("名次变化") + 1
    rows = range(header_row + 1, last_row + 1)  # the table's rows, not the lines under it
    assert {top.cell(r, column).number_format for r in rows} == {"0"}
    assert -3 in {top.cell(r, column).value for r in rows}  # K2, down from first to fourth


def test_the_pack_s_trend_charts_cover_24_months(master_path: Path, tmp_path: Path) -> None:
    out = run_gm_pack(
        load_master(master_path), load_store(master_path).frames, period="2026-10", out=tmp_path / "gm.xlsx"
    ).path
    spans = chart_rows(out)
    assert spans["各月销售额（24 个月）"] == 24
    assert spans["活跃客户与近 30 天购买客户（24 个月）"] == 24
    assert spans["应收账款与逾期（12 个月）"] == 12


def test_the_customers_by_month_charts_share_a_page(master_path: Path, tmp_path: Path, libreoffice) -> None:
    """各月客户数 holds 24 months and two charts: printed landscape, each chart took a page of its own under the
    repeated header row (3 pages); portrait pages hold the two charts together (2 pages), none cut by a break, and
    the charts above the table, where no repeated header row prints, leave it one page."""
    out = run_gm_pack(
        load_master(master_path), load_store(master_path).frames, period="2026-10", out=tmp_path / "gm.xlsx"
    ).path
    sheet = openpyxl.load_workbook(out)["各月客户数"]
    assert sheet.page_setup.orientation == "portrait" and not chart_problems(sheet)
    breaks = {b.id for b in sheet.row_breaks.brk}
    tops = [chart.anchor._from.row for chart in sheet._charts]
    assert len(tops) == 2 and not any(tops[0] < b <= tops[1] for b in breaks)  # no break between the two charts
    pages = pdf_text(libreoffice(out, "pdf")).split("\f")
    first = next(i for i, page in enumerate(pages) if "— 各月客户数" in page)
    after = next(i for i, page in enumerate(pages) if "— 前 20 名客户" in page)
    assert after - first == 1


@pytest.fixture(scope="module")
def english_demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The English demo master (``keyacct-xl demo --lang en``) on disk."""
    return save_master(generate_demo(lang="en"), tmp_path_factory.mktemp("gm-en") / "master.xlsx", backup=False)


def test_the_english_pack_prints_in_the_layout_of_the_chinese_one(
    english_demo: Path, tmp_path: Path, libreoffice
) -> None:
    """An English trial: the pack of the English demo printed in 33 pages against 24 in zh. Its headers, longer than
    the figures under them, widened Sales by rep past one readable page (60 % in two strips, the chart's left edge
    on the second) and turned Customers by month landscape (each chart alone on a page: 3 pages, not 2). Headers
    wrap now: each such sheet prints in as many pages as in zh, every chart whole on one page."""
    master, tables = load_master(english_demo), load_store(english_demo).frames
    paths = [
        run_gm_pack(master, tables, period="2026-10", out=tmp_path / f"gm_{lang}.xlsx", lang=lang).path
        for lang in ("en", "zh")
    ]
    book = openpyxl.load_workbook(paths[0])
    by_rep = book["Sales by rep"]
    assert by_rep.sheet_properties.pageSetUpPr.fitToPage and not by_rep.print_title_cols
    assert book["Customers by month"].page_setup.orientation == "portrait"
    assert not [problem for ws in book.worksheets for problem in chart_problems(ws)]
    printed = [pdf_pages(pdf) for pdf in libreoffice(paths, "pdf", tmp_path)]
    names = [[ws.title for ws in openpyxl.load_workbook(p).worksheets if ws.sheet_state == "visible"] for p in paths]
    english, chinese = (printed_sheets(pages, titles) for pages, titles in zip(printed, names))
    assert english.count("Sales by rep") == 1 and english.count("Customers by month") == 2
    assert pages_with_line(printed[0], "Sales by rep") == [english.index("Sales by rep")]  # its chart on its page
    charts = ["Active customers and recent buyers, 24 months", "New, reactivated and lost customers"]
    assert [pages_with_line(printed[0], title) for title in charts] == [[english.index("Customers by month")]] * 2
    # a sheet of one or two pages in zh prints in as many in English (the long lists' texts wrap on other lines);
    # but Customers by month, its charts above the table, whose zh table fits under them on one page (its English
    # one, with headers on three lines, in the two asserted above)
    counts = [
        [sheets.count(title) for title in titles if title not in ("Customers by month", "各月客户数")]
        for sheets, titles in zip((english, chinese), names)
    ]
    assert [en for en, zh in zip(*counts) if zh <= 2] == [zh for zh in counts[1] if zh <= 2]


def test_the_ribbon_button_and_the_command_write_the_pack(master_path: Path, tmp_path: Path, capsys) -> None:
    book = tmp_path / "master.xlsx"
    shutil.copy(master_path, book)
    result = run_action("gm_pack", FileBridge(book), ActionOptions())  # the last full month: the latest sale is 11-02
    assert result.outputs == (tmp_path / "reports" / "gm_pack_2026-10.xlsx",) and result.outputs[0].exists()
    assert main(["report", "gm", str(book), "--period", "2026-09", "--lang", "en"]) == 0
    assert "monthly pack 2026-09: sales ¥500.00" in capsys.readouterr().out
    assert (tmp_path / "gm_pack_2026-09.xlsx").exists()
    # without --period the command writes what the button writes: the last full month (README shows it optional)
    assert main(["report", "gm", str(book), "--lang", "en"]) == 0
    assert "monthly pack 2026-10" in capsys.readouterr().out
    assert (tmp_path / "gm_pack_2026-10.xlsx").exists()


def test_a_shorter_lost_window_from_settings(master_path: Path) -> None:
    master = load_master(master_path)
    assert lost_months(master.settings) == 12
    assert lost_months(settings_from({"lost_customer_months": 6})) == 6
    trend = monthly_trend(master.transactions, last=pd.Period("2026-10", freq="M"), lost_months=6)
    october = trend.set_index("month").loc["2026-10"]
    # six months: K3 (last purchase 2026-02) was lost in 2026-08 and comes back on 10-31, with K2 and K6
    assert october["reactivated"] == 3 and october["active_customers"] == 5
    assert trend.set_index("month").loc["2026-08", "lost"] == 1


@pytest.mark.parametrize(
    ("command", "options"),
    [
        (["report", "gm"], ["--period", "2026-10"]),
        (["account"], ["--customer", "K1"]),
        (["reps"], ["--period", "2026-10"]),
    ],
    ids=["report gm", "account", "reps"],
)
def test_a_command_reads_the_master_once_for_its_tables_and_its_plans(
    master_path: Path, tmp_path: Path, command: list[str], options: list[str], capsys
) -> None:
    """The consolidation tables (plans, targets, complaints) come from the read of the master load_master makes, and
    from its load cache once the master has a store: the workbook is not opened a second time for them."""
    book = Path(shutil.copy(master_path, tmp_path / "master.xlsx"))
    codes: list[int] = []

    def run() -> None:
        tablememo.forget_tables()  # each run as a new process starts it
        codes.append(main([*command, str(book), *options, "--lang", "en"]))

    tablememo.forget_tables()
    alone = opens_of(book, lambda: load_master(book))
    assert alone == 2  # its zip directory (the cache keys), then its bytes, once
    assert opens_of(book, run) == alone
    store_path(book).mkdir()  # a history store beside it: what a load reads is cached there
    run()
    assert opens_of(book, run) == 1  # the zip directory alone: every table, the master's and the plans', cached
    assert codes == [0, 0, 0]
    capsys.readouterr()


def test_the_month_s_reports_per_rep_equal_the_hand_count(pack: GmPack) -> None:
    # October 2026: the weekly plans of W41..W44 (due Mondays 10-05..10-26) and November's monthly plan (due 10-25)
    reps = pack.submissions.reps.set_index("rep")
    counts = ["expected", "on_time", "late", "missing"]
    assert reps.loc["张三", counts].tolist() == [5, 5, 0, 0]
    assert reps.loc["李四", counts].tolist() == [5, 1, 1, 3]
    assert reps.loc["王五", counts].tolist() == [5, 0, 0, 5]  # its rejected W41 plan was not handed in
    # September and October 2025: five reports due per rep, none handed in
    assert kpi(pack, "missing_reports") == (8.0, 15.0, 15.0)


def test_the_pack_lists_the_missing_and_late_reports_linked_from_the_cover(master_path: Path, tmp_path: Path) -> None:
    out = run_gm_pack(
        load_master(master_path), load_store(master_path).frames, period="2026-10", out=tmp_path / "gm.xlsx"
    ).path
    book = openpyxl.load_workbook(out)
    cover = book["封面"]
    rows = {cover.cell(r, 1).value: r for r in range(1, cover.max_row + 1)}
    missing = cover.cell(rows["未交报表"], 2)
    assert missing.value == 8 and missing.number_format == "#,##0"
    assert missing.hyperlink.location == "'报表提交'!A1"
    assert cover.cell(rows["未交报表"], 4).value == "▼ -46.7%"  # against September's 15
    reps = report_table(out, "报表提交").set_index("业务员")
    assert list(reps.columns) == ["应交份数", "按时", "迟交", "未交", "按时率"]
    assert reps.loc["李四"].tolist() == [5, 1, 1, 3, 0.2]
    ws = book["报表提交"]
    header_row = table_ref(out, "报表提交")[1]
    assert ws.cell(header_row + 1, 6).number_format == "0.0%" and ws.cell(header_row + 1, 5).number_format == "#,##0"
    assert ws.page_setup.paperSize == 9
    assert table_rows(out, "报表提交")[-1] == ("合计", 15, 6, 1, 8, None)
    notes = [ws.cell(r, 1).value for r in range(header_row + 5, ws.max_row + 1)]
    assert "2026-10 应交报表 15 份，未交 8 份，迟交 1 份（见工作表“未交与迟交报表”）。" in notes
    late = report_table(out, "未交与迟交报表")
    assert list(late.columns) == ["业务员", "表单", "期次", "应交日期", "汇总日期", "迟交天数", "提交情况"]
    assert late["业务员"].tolist() == ["李四"] * 4 + ["王五"] * 5
    first = late.iloc[0]
    assert (first["表单"], first["期次"], first["迟交天数"], first["提交情况"]) == (
        "业务员每周工作计划表",
        "2026-W42",
        2,
        "迟交",
    )
    assert set(late["提交情况"].iloc[1:]) == {"未交"} and late["汇总日期"].iloc[1:].isna().all()
    due = book["未交与迟交报表"].cell(table_ref(out, "未交与迟交报表")[1] + 1, 4)
    assert due.number_format == "yyyy-mm-dd" and due.value == dt.datetime(2026, 10, 12)


def test_the_pack_of_a_month_is_the_same_whatever_day_it_is_written(
    master_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """October's pack written on 15 October (its reports due later not yet missing by the clock) and a year later:
    the same bytes, the month's reports looked for as of its end."""
    master, tables = load_master(master_path), load_store(master_path).frames
    written = []
    for day in ("2026-10-15 12:00", "2027-10-15 12:00"):
        clock = classmethod(lambda cls, tz=None, day=day: pd.Timestamp(day))
        monkeypatch.setattr(pd.Timestamp, "now", clock)
        monkeypatch.setattr(pd.Timestamp, "today", clock)
        out = tmp_path / day[:4] / "gm.xlsx"
        written.append(run_gm_pack(master, tables, period="2026-10", out=out).path.read_bytes())
    assert written[0] == written[1]


def test_a_month_with_every_report_handed_in_says_so(master_path: Path, tmp_path: Path) -> None:
    """No missing report: a line says all were handed in, and no sheet lists none."""
    book_path = Path(shutil.copy(master_path, tmp_path / "master.xlsx"))
    on_time = [
        handed("weekly_plan", f"2026-W{41 + k}", f"2026-10-{5 + 7 * k:02d} 09:00:00", rep)
        for rep in ("张三", "李四", "王五")
        for k in range(4)
    ]
    on_time += [handed("monthly_plan", "2026-11", "2026-10-23 17:00:00", rep) for rep in ("张三", "李四", "王五")]
    write_tables(book_path, {LEDGER: frame(LEDGER, on_time)}, lang="zh", backup=False)
    assert main(["report", "gm", str(book_path), "--period", "2026-10", "--lang", "en"]) == 0
    out = tmp_path / "gm_pack_2026-10.xlsx"
    book = openpyxl.load_workbook(out)
    assert "Reports missing or late" not in book.sheetnames
    cover = book["Cover"]
    rows = {cover.cell(r, 1).value: r for r in range(1, cover.max_row + 1)}
    assert cover.cell(rows["Reports not handed in"], 2).value == 0
    assert cover.cell(rows["Reports not handed in"], 2).hyperlink.location == "'Reports handed in'!A1"
    ws = book["Reports handed in"]
    texts = [ws.cell(r, 1).value for r in range(1, ws.max_row + 1)]
    assert "All 15 reports due in 2026-10 were handed in on time." in texts
    reps = report_table(out, "Reports handed in").set_index("Sales Rep")
    assert reps["Missing"].tolist() == [0, 0, 0] and reps["On-Time Rate"].tolist() == [1.0, 1.0, 1.0]


def test_a_month_before_the_first_consolidation_has_no_missing_reports_to_show(
    master_path: Path, tmp_path: Path
) -> None:
    # The ledger starts in August 2025: July's pack looks for none of July's reports, and says why, instead of
    # counting every one missing; August's compares with no July figure.
    july = run_gm_pack(
        load_master(master_path), load_store(master_path).frames, period="2025-07", out=tmp_path / "gm.xlsx"
    )
    assert np.isnan(kpi(july, "missing_reports")[0]) and july.submissions.untracked > 0
    sheet = openpyxl.load_workbook(july.path)["报表提交"]
    notes = [c.value for row in sheet.iter_rows() for c in row if isinstance(c.value, str) and "未纳入检查" in c.value]
    assert notes == [f"2025-08-01 之前应交的 {july.submissions.untracked} 份报表未纳入检查：首次汇总在该月"]
    august = run_gm_pack(load_master(master_path), load_store(master_path).frames, period="2025-08")
    value, last_month, _ = kpi(august, "missing_reports")
    assert value > 0 and np.isnan(last_month)


def test_the_pack_s_risky_customers_name_their_rolling_year(master_path: Path, tmp_path: Path) -> None:
    # The risk table's sales run over the twelve months to the month's end and the twelve before: headed as such in
    # zh and en, never 上年销售额 / Prior-Year Sales (the calendar year before, as the analysis workbook's table is).
    master = load_master(master_path)
    frames = load_store(master_path).frames
    zh = run_gm_pack(master, frames, period="2026-10", out=tmp_path / "gm.xlsx").path
    en = run_gm_pack(master, frames, period="2026-10", out=tmp_path / "gm_en.xlsx", lang="en").path
    risky = report_table(zh, "危险客户").set_index("客户编号")
    assert {"近 12 个月销售额", "前 12 个月销售额"} <= set(risky.columns) and "上年销售额" not in risky.columns
    # K4 bought 700 on 2025-10-15: in the twelve months before 2025-11-01, none in the twelve to 2026-10-31
    assert risky.loc["K4", ["近 12 个月销售额", "前 12 个月销售额"]].tolist() == [0.0, 700.0]
    headers = set(report_table(en, "Risky customers").columns)
    assert {"Sales, last 12 months", "Sales, 12 months before"} <= headers and "Prior-Year Sales" not in headers


def test_a_month_past_the_data_is_written_with_a_warning_on_the_console_and_the_cover(
    master_path: Path, tmp_path: Path, capsys
) -> None:
    """A pack of the month in progress, or of a future month, aged every balance to its end as if nothing were paid
    and showed it as overdue, without a word (found by a trial)."""
    book = tmp_path / "master.xlsx"
    shutil.copy(master_path, book)
    assert main(["report", "gm", str(book), "--period", "2026-10"]) == 0  # the last full month: the latest sale 11-02
    # only the warning of the customers without payment terms (K2..K6): no month past the data
    warned = [line for line in capsys.readouterr().out.splitlines() if line.startswith("警告")]
    assert len(warned) == 1 and "个有销售的客户没有账期（K2、K3、K4、K5、K6" in warned[0]
    for month in ("2026-11", "2027-01"):
        assert main(["report", "gm", str(book), "--period", month]) == 0
        printed = capsys.readouterr().out.splitlines()
        end = pd.Period(month, freq="M").end_time.date().isoformat()
        warning = f"警告：{month} 晚于总表的销售和收款（截至 2026-11-02）：各项数字不完整，应收账款按到 {end} 未再收款计算账龄"  # noqa: E501
        assert printed[1] == warning
        cover = openpyxl.load_workbook(tmp_path / f"gm_pack_{month}.xlsx").worksheets[0]
        assert warning in [c.value for row in cover.iter_rows() for c in row]


def test_a_month_before_the_first_sale_is_refused_naming_the_data_s_first_month(
    master_path: Path, tmp_path: Path, capsys
) -> None:
    """A pack of 2020-01 on the demo (its first sale 2023-11-01) was written without a word: every figure 0 ＝, the
    funnel of today, every VIP/A customer overdue for a visit (found by a trial). A month that ends before the
    master's first sale (here 2024-05-05) is refused, as ``reps`` refuses a period outside the data."""
    book = Path(shutil.copy(master_path, tmp_path / "master.xlsx"))
    for month in ("2020-01", "2024-04"):
        with pytest.raises(InputError) as refused:
            run_gm_pack(load_master(book), load_store(book).frames, period=month)
        assert str(refused.value) == (
            f"--period {month} lies before the master's sales (the first on 2024-05-05): no figure to report; give "
            "2024-05 or a later month"
        )
        assert main(["report", "gm", str(book), "--period", month]) == 2
        printed = capsys.readouterr()
        assert printed.out == "" and printed.err.splitlines() == [
            f"keyacct-xl: --period {month} 早于总表的销售数据（首笔销售在 2024-05-05）："
            "没有可报告的数字；请给出 2024-05 或之后的月份"
        ]
        assert not (tmp_path / f"gm_pack_{month}.xlsx").exists()
    assert main(["report", "gm", str(book), "--period", "2024-05"]) == 0  # the first sale's month
    assert (tmp_path / "gm_pack_2024-05.xlsx").exists()


def test_a_customer_id_typed_twice_is_refused_naming_it_not_a_traceback(
    master_path: Path, tmp_path: Path, capsys
) -> None:
    """A master whose 客户档案 holds one id on two rows (retyped by hand) stopped ``report gm`` with pandas'
    InvalidIndexError and a traceback (found by a trial); ``visits check`` and ``grade`` refuse it naming the id."""
    book = Path(shutil.copy(master_path, tmp_path / "master.xlsx"))
    edited = openpyxl.load_workbook(book)
    sheet = edited["客户档案"]
    twice = sheet["A2"].value
    sheet["A3"] = twice
    edited.save(book)
    assert main(["report", "gm", str(book), "--period", "2026-10"]) == 2
    printed = capsys.readouterr()
    assert printed.err.splitlines() == [
        f"keyacct-xl: 客户档案：客户编号 {twice} 重复；月报要求每个客户只有一行：请使编号唯一（keyacct-xl master check "
        "会列出所在行）"
    ]
    assert not (tmp_path / "gm_pack_2026-10.xlsx").exists()


def cover_rows(path: Path) -> dict[str, tuple]:
    """The cover's KPI rows by label: this month, last month, its arrow, a year ago, its arrow."""
    cover = openpyxl.load_workbook(path).worksheets[0]
    found = {}
    for row in cover.iter_rows(values_only=True):
        if row[0] is not None and any(v is not None for v in row[1:]):
            found[str(row[0])] = tuple(row[1:6])
    return found


def test_a_comparison_month_before_the_data_has_nothing_to_compare(master_path: Path, tmp_path: Path) -> None:
    """The demo's 2024-01 compared every KPI with a January 2023 before its first sale: 去年同月 0 and ▲, the VIP/A
    share ▲ +31.0 个百分点, while the rep sheet left its growth blank. A comparison month that ends before the first
    sale (2024-05-05 here) has no figure: blank, and the arrow reads the legend's — 无可比数据."""
    master, frames = load_master(master_path), load_store(master_path).frames
    march = run_gm_pack(master, frames, period="2025-03", out=tmp_path / "gm.xlsx")  # a year before: 2024-03
    assert march.kpis["last_year"].isna().all()
    assert kpi(march, "month_sales")[:2] == (2000.0, 0.0) and kpi(march, "balance")[1] == 0.0  # K6's 300 paid
    rows = cover_rows(march.path)
    keys = ["本月销售额", "活跃客户（近 12 个月有购买）", "应收账款", "超信用额度客户", "本季已面访的 VIP/A 客户"]
    for label in keys:
        assert rows[label][3:] == (None, "— 无可比数据"), label
    assert rows["本月销售额"][1:3] == (0, "▲")  # February 2025 has data: compared
    assert "去年同月无数据" in march.summary("zh") and "nan" not in march.summary("zh")
    first = run_gm_pack(master, frames, period="2024-05", out=tmp_path / "gm_en.xlsx", lang="en")  # both before
    assert first.kpis[["last_month", "last_year"]].isna().all().all()
    english = cover_rows(first.path)
    assert english["Sales of the month"] == (300.0, None, "— nothing to compare", None, "— nothing to compare")
    assert "no figure a year ago" in first.summary("en")


def test_a_past_month_s_funnel_and_visits_say_what_they_show(master_path: Path, tmp_path: Path) -> None:
    """The funnel sheet of a past month is headed 截至 its last day but lists the opportunities as they stand now (the
    master keeps no earlier stages), and the VIP/A sheet the grades in force then: a line under each says so. The visits
    are those to the month's end: in July 2026 K1's 07-01 visit counts, K4's of 08-01 not yet."""
    pack = run_gm_pack(
        load_master(master_path), load_store(master_path).frames, period="2026-07", out=tmp_path / "gm.xlsx"
    )
    book = openpyxl.load_workbook(pack.path)
    texts = {
        title: [c.value for row in book[title].iter_rows() for c in row if isinstance(c.value, str)]
        for title in ("销售漏斗", "VIP 与 A 类客户拜访")
    }
    assert "销售机会为总表中当前的状态（总表不保留以往的阶段），不是 2026-07 月末的状态。" in texts["销售漏斗"]
    # no grading took effect after July (K1's of 2025 from 2026-01-01): the grades now are the grades then
    assert "客户等级：按客户当前的等级（2026-07-31 之后没有生效的评级）。" in texts["VIP 与 A 类客户拜访"]
    assert "面访为本季度截至 2026-07-31 的拜访，拜访逾期也按该日计算。" in texts["VIP 与 A 类客户拜访"]
    coverage = pack.coverage.set_index("rep")
    assert coverage.loc["张三", "key_visited"] == 1 and coverage.loc["李四", "key_visited"] == 0
