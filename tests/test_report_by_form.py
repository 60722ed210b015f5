"""The consolidation report's per-form summary: what each form's files brought, what was refused, what waits."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pandas as pd
import pytest

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


def _sheet_rows(path: Path, sheet: str) -> list[tuple]:
    return list(openpyxl.load_workbook(path)[sheet].iter_rows(values_only=True))


def test_each_form_has_a_row_of_files_rows_and_refusals(result: RunResult, tmp_path: Path) -> None:
    path = write_report(result, tmp_path / "汇总报告.xlsx", "zh")
    assert openpyxl.load_workbook(path).sheetnames[:3] == ["汇总", "按表单汇总", "文件"]
    assert _sheet_rows(path, "按表单汇总") == [
        ("表单", "文件数", "新增行数", "更新行数", "拒收行数", "拒收文件", "重复文件", "待审核文件"),
        ("主要竞争对手月度信息报告", 1, 1, 0, 0, 0, 0, 0),
        ("客户回访记录表", 4, 2, 0, 1, 1, 1, 1),
        ("未识别的文件", 1, 0, 0, 0, 1, 0, 0),
        ("合计", 6, 3, 0, 1, 2, 1, 1),
    ]
    en = write_report(result, tmp_path / "consolidation.xlsx", "en")
    rows = _sheet_rows(en, "By form")
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
    sheet = openpyxl.load_workbook(write_report(result, tmp_path / "r.xlsx", "zh"))["按表单汇总"]
    assert sheet["A1"].font.b and sheet["H1"].font.b
    assert sheet["B3"].number_format == "#,##0" and sheet["A3"].number_format == "@"
    assert sheet["A5"].font.b and sheet["E5"].font.b and sheet["E5"].border.top.style == "thin"
    assert sheet.column_dimensions["A"].width > 25 and sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:H4"  # the data rows; sorting never moves the total
    setup = sheet.page_setup
    # fitToWidth is left out when it is 1, the OOXML default: one page wide, as many pages down as needed.
    assert (setup.paperSize, setup.orientation, setup.fitToWidth or 1, setup.fitToHeight) == (9, "landscape", 1, 0)
    assert sheet.sheet_properties.pageSetUpPr.fitToPage and sheet.print_title_rows == "$1:$1"
