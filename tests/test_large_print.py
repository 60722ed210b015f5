"""A large company's documents as printed (LibreOffice → PDF): a scale trial (5,000 customers) printed the general
manager's pack in 153 pages, mostly its 3,296 risky customers, with chart pages showing nothing but the table's
repeated header row over the chart. These run on a demo master of 300 customers."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import openpyxl
import pytest
from reportbook import pages_with_line, pdf_pages, printed_sheets, report_table

from keyacct_xl.briefing.usecase import run_gm_pack
from keyacct_xl.cli.main import main
from keyacct_xl.consolidate.store import load_store
from keyacct_xl.demo.company import generate_demo
from keyacct_xl.master.reader import load_master
from keyacct_xl.master.writer import save_master


@pytest.fixture(scope="module")
def demo_master(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo company with 300 customers on disk."""
    return save_master(generate_demo(customers=300), tmp_path_factory.mktemp("large") / "master.xlsx", backup=False)


@pytest.fixture(scope="module")
def gm_pack(demo_master: Path, tmp_path_factory: pytest.TempPathFactory):
    """The monthly pack of 2026-10 and its printed pages."""
    out = tmp_path_factory.mktemp("gm") / "gm.xlsx"
    return run_gm_pack(load_master(demo_master), load_store(demo_master).frames, period="2026-10", out=out)


def chart_titles(path: Path) -> list[str]:
    """The title of every chart in the workbook ``path``."""
    with zipfile.ZipFile(path) as book:
        parts = [name for name in book.namelist() if re.fullmatch(r"xl/charts/chart\d+\.xml", name)]
        texts = [book.read(name).decode() for name in parts]
    return ["".join(re.findall(r"<a:t>([^<]*)</a:t>", text.split("</c:title>")[0])) for text in texts]


def _squeezed(text: str) -> str:
    return re.sub(r"\s+", "", text)


def test_the_pack_prints_the_50_riskiest_and_keeps_the_full_list_unprinted(gm_pack, libreoffice, tmp_path) -> None:
    """The printed 危险客户 holds the 50 customers with the most sales the year before (its sort), a line saying how
    many more there are and where; the full list is on a hidden sheet, which no print takes."""
    out = gm_pack.path
    risky = gm_pack.risky
    assert len(risky) > 50  # the demo has more than one page of them
    shown = report_table(out, "危险客户")
    assert list(shown["客户编号"]) == list(risky["customer_id"][:50])
    full = report_table(out, "危险客户（全部）")
    assert list(full["客户编号"]) == list(risky["customer_id"])
    book = openpyxl.load_workbook(out)
    assert book["危险客户（全部）"].sheet_state == "hidden"
    notes = [c.value for row in book["危险客户"].iter_rows() for c in row if isinstance(c.value, str)]
    assert any(f"另有 {len(risky) - 50:,} 个" in note and "危险客户（全部）" in note for note in notes), notes
    pages = pdf_pages(libreoffice(out, "pdf", tmp_path))
    visible = [ws.title for ws in book.worksheets if ws.sheet_state == "visible"]
    printed = printed_sheets(pages, visible)
    assert printed.count("危险客户") <= 4  # fifty lines in two strips of two pages, however many customers
    assert not [page for page in pages if "— 危险客户（全部）" in page]


def test_no_chart_prints_on_a_page_of_its_own_under_the_repeated_header(gm_pack, libreoffice, tmp_path) -> None:
    """各月客户数 printed its first chart on a page holding only the table's repeated header row over it (the trial's
    按业务员的销售额 too): a chart prints on its sheet's first page, with the title block, above the table."""
    out = gm_pack.path
    pages = pdf_pages(libreoffice(out, "pdf", tmp_path))
    for title in chart_titles(out):
        holding = [page for page in pages if _squeezed(title) in _squeezed(page)]
        assert holding, title
        assert all("总经理月报 —" in page for page in holding), title
    book = openpyxl.load_workbook(out)
    assert not [ws.title for ws in book.worksheets if ws.row_breaks.brk]  # no chart needs a page of its own


@pytest.fixture(scope="module")
def review(demo_master: Path, tmp_path_factory: pytest.TempPathFactory, libreoffice) -> tuple[Path, list[str]]:
    """The grading review of 2025 and its printed pages."""
    out = tmp_path_factory.mktemp("review") / "review.xlsx"
    assert main(["grade", str(demo_master), "--year", "2025", "--date", "2025-12-25", "--out", str(out)]) == 0
    return out, pdf_pages(libreoffice(out, "pdf"))


def test_no_strip_of_the_grading_summary_prints_a_cut_title_or_note(review) -> None:
    """评级汇总 prints in two strips, 客户等级 repeated on each: the second showed the title block's line cut after
    截至： (its date gone) and the notes cut after a few words, drawn from the repeated column. A line wider than the
    repeated columns starts right of them: whole on the first strip, not cut on the next."""
    out, pages = review
    assert openpyxl.load_workbook(out)["评级汇总"].print_title_cols  # it prints in strips, 客户等级 on each
    assert len([page for page in pages if "— 评级汇总" in page]) == 1  # the title block whole, on the first strip
    for page in pages:
        assert not re.search(r"截至：(?!\d{4}-\d\d-\d\d)", page), page
        assert not [line for line in page.splitlines() if line.strip().endswith("年度销售额：2025-01-01")], page


def test_the_grading_summary_s_chart_prints_once_on_its_first_strip(review) -> None:
    """评级汇总's chart, set right of the column repeated on each strip, printed its every text again on the second
    strip (LibreOffice drew it clipped there, a sliver of its frame showing, its words in the PDF's text): it is
    set a few pixels into its column, and prints once, whole, under the table on the first strip."""
    pages = review[1]
    strips = [i for i, page in enumerate(pages) if "客户等级" in page and "调为" in page]
    assert len(strips) == 2, strips  # the summary's two strips
    assert pages_with_line(pages, "调整前后的等级结构") == [strips[0]]
    assert "原等级户数" not in pages[strips[1]]  # the chart's legend (and the first strip's header) not there


@pytest.fixture(scope="module")
def november(demo_master: Path, tmp_path_factory: pytest.TempPathFactory):
    """The pack of 2026-11, a month past the data: every report due in it not handed in."""
    out = tmp_path_factory.mktemp("gm11") / "gm.xlsx"
    return run_gm_pack(load_master(demo_master), load_store(demo_master).frames, period="2026-11", out=out)


def test_the_pack_prints_the_reports_outstanding_longest_and_keeps_them_all_unprinted(november, libreoffice) -> None:
    """未交与迟交报表 listed every report of the month not handed in or late: 352 lines in 11 pages on a trial of
    5,000 customers. Printed, it holds the 20 outstanding longest (not handed in, earliest due first) on one page,
    a line saying how many more there are and where; all of them, by rep, are on a hidden sheet no print takes."""
    out = november.path
    detail = november.submissions.detail
    outstanding = detail[detail["submission"].isin(["missing", "late"])]
    assert len(outstanding) > 20
    shown = report_table(out, "未交与迟交报表")
    assert len(shown) == 20
    assert set(shown["提交情况"]) == {"未交"}
    assert list(shown["应交日期"]) == sorted(shown["应交日期"])
    assert shown["应交日期"].iloc[0] == outstanding.loc[outstanding["submission"] == "missing", "due_date"].min()
    full = report_table(out, "未交与迟交报表（全部）")
    assert len(full) == len(outstanding)
    assert list(full["业务员"]) == sorted(full["业务员"])  # by rep, as the sheet without a cap lists them
    book = openpyxl.load_workbook(out)
    assert book["未交与迟交报表（全部）"].sheet_state == "hidden"
    ws = book["未交与迟交报表"]
    notes = [c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    more = f"另有 {len(outstanding) - 20:,} 份"
    assert any(more in note and "未交与迟交报表（全部）" in note for note in notes), notes
    assert ws.page_setup.paperSize == 9
    pages = pdf_pages(libreoffice(out, "pdf"))
    visible = [sheet.title for sheet in book.worksheets if sheet.sheet_state == "visible"]
    assert printed_sheets(pages, visible).count("未交与迟交报表") == 1
    assert not [page for page in pages if "— 未交与迟交报表（全部）" in page]
