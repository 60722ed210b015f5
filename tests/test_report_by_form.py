"""The consolidation report's per-form summary: what each form's files brought, what was refused, what waits."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from reportbook import pdf_pages, table_ref, table_rows

from keyacct_xl.consolidate.report import write_report
from keyacct_xl.consolidate.run import RunResult, consolidate
from keyacct_xl.consolidate.simulate import blank_form, fill_form
from keyacct_xl.forms.meta import FormContext
from keyacct_xl.master.model import Master
from keyacct_xl.master.writer import save_master

NOW = "2026-11-28 18:00:00"
VISITS = [
    {"date": "2026-11-23", "customer_id": "C001", "method": "面谈", "content": "谈年度返利"},
    {"date": "2026-11-24", "customer_id": "C002", "method": "电话", "content": "催收货款"},
    {"date": "下周", "customer_id": "C001", "content": "送样品"},
]


def _visits(rep: str, rows: list[dict], generated_for: str = "") -> bytes:
    form = blank_form("visit_record", context=FormContext(rep=generated_for))
    return fill_form(form, header={"rep": rep, "period": "2026-W48"}, rows={"visits": rows})


@pytest.fixture
def result(tmp_path: Path) -> RunResult:
    m = Master.empty()
    m.customers = pd.DataFrame(
        {"customer_id": ["C001", "C002"], "name": ["广州华强贸易有限公司", "佛山永利五金厂"], "rep": ["张三", "张三"]}
    )
    master = save_master(m, tmp_path / "master.xlsx", backup=False)
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    week = _visits("张三", VISITS)
    (inbox / "a 回访.xlsx").write_bytes(week)  # partial: two lines in, one refused
    (inbox / "b 回访 副本.xlsx").write_bytes(week)  # the same file again: a duplicate
    (inbox / "c 没署名.xlsx").write_bytes(_visits("", VISITS[:1]))  # no rep: rejected
    (inbox / "d 代签.xlsx").write_bytes(_visits("李四", VISITS[1:2], generated_for="张三"))  # waits for review
    competitors = fill_form(
        blank_form("competitor_report"),
        header={"rep": "张三", "period": "2026-11", "city": "广州", "product_category": "润滑油"},
        rows={"competitors": [{"competitor": "长城润滑油", "product": "液压油"}]},
    )
    (inbox / "e 竞争对手.xlsx").write_bytes(competitors)
    (inbox / "f 说明.txt").write_text("不是表单", encoding="utf-8")
    return consolidate(inbox, master, now=NOW)


def test_each_form_has_a_row_of_files_rows_and_refusals(result: RunResult, tmp_path: Path) -> None:
    path = write_report(result, tmp_path / "汇总报告.xlsx", "zh")
    assert openpyxl.load_workbook(path).sheetnames[:3] == ["汇总", "按表单汇总", "文件"]
    assert table_rows(path, "按表单汇总") == [
        ("表单", "文件数", "新增行数", "更新行数", "拒收行数", "拒收文件", "重复文件", "待审核文件"),
        ("主要竞争对手月度信息报告", 1, 2, 0, 0, 0, 0, 0),  # its line and its CompetitorReports row
        ("客户回访记录表", 4, 2, 0, 1, 1, 1, 1),
        ("未识别的文件", 1, 0, 0, 0, 1, 0, 0),
        ("合计", 6, 4, 0, 1, 2, 1, 1),
    ]
    en = write_report(result, tmp_path / "consolidation.xlsx", "en")
    rows = table_rows(en, "By form")
    assert rows[0] == (
        "Form",
        "Files",
        "Rows added",
        "Rows updated",
        "Rows refused",
        "Files rejected",
        "Duplicate files",
        "Files waiting for review",
    )
    assert [r[0] for r in rows[1:]] == [
        "Competitor Monthly Report",
        "Customer Visit Record",
        "no form recognised",
        "Total",
    ]


def test_the_per_form_sheet_is_a_printable_document(result: RunResult, tmp_path: Path) -> None:
    path = write_report(result, tmp_path / "r.xlsx", "zh")
    first_col, header, last_col, last, totals = table_ref(path, "按表单汇总")
    sheet = openpyxl.load_workbook(path)["按表单汇总"]
    assert sheet["A1"].value == "汇总报告 — 按表单汇总" and sheet["A2"].value == "截至：2026-11-28"
    assert (first_col, last_col, last - header, totals) == (1, 8, 3, 1)  # three forms, then the total row
    assert sheet.cell(header + 1, 2).number_format == "#,##0"  # counts as whole numbers
    total = sheet.cell(last + 1, 2)
    assert total.value == "=SUBTOTAL(109,B5:B7)"  # stays right when a user filters the forms
    assert sheet.column_dimensions["A"].width > 20 and sheet.freeze_panes == f"A{header + 1}"
    setup = sheet.page_setup
    # fitToWidth is left out when it is 1, the OOXML default: one page wide, as many pages down as needed.
    assert (setup.paperSize, setup.fitToWidth or 1, setup.fitToHeight) == (9, 1, 0)
    assert sheet.sheet_properties.pageSetUpPr.fitToPage and sheet.print_title_rows == f"${header}:${header}"


def test_every_printed_page_of_the_files_sheet_names_its_files(result: RunResult, tmp_path: Path, libreoffice) -> None:
    """The files sheet prints one page wide, its long texts wrapped: the counts and the SHA-256 stand beside the file
    they are about (a first trial's second strip named no file; a later one printed 更正了 and 文件指纹 on a page of
    their own)."""
    path = write_report(result, tmp_path / "汇总报告.xlsx", "zh")
    pages = pdf_pages(libreoffice(path, "pdf"))
    files = [page for page in pages if "汇总报告 — 文件" in page or "文件指纹" in page]
    assert len(files) == 1 and all("a 回访.xlsx" in page and "文件指纹" in page for page in files)
