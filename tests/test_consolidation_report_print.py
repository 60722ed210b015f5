"""The consolidation report as a printed document: every sheet one page wide, its columns together on each page,
checked through LibreOffice → PDF → pdftotext (what a manager printing the report for the review meeting gets)."""

from __future__ import annotations

from pathlib import Path

import pytest

from keyacct_xl.consolidate.cards import Conflict
from keyacct_xl.consolidate.changes import RowChange
from keyacct_xl.consolidate.model import FileOutcome
from keyacct_xl.consolidate.report import write_report
from keyacct_xl.consolidate.run import RunResult
from tests.reportbook import pdf_pages, printed_sheets

NOW = "2026-12-03 18:53:12"
PLAN = "石刚洋/周计划_W49(改).xlsx"
CARD = "石刚洋/凯瑞资料卡.ods"
MISSING = "更正后缺少此行（已保留，请决定保留或删除）"


def _trial_run() -> RunResult:
    """A run like the trial rep's first: a corrected weekly plan, its changed and missing lines, a card's conflicts."""
    outcomes = [
        FileOutcome(
            PLAN,
            sha256="8791c132d0d5" + "0" * 52,
            status="accepted",
            form_id="weekly_plan",
            version=1,
            rep="石刚洋",
            period="2026-W49",
            rows_added=1,
            rows_updated=2,
            corrects="石刚洋/周计划_W49.ods",
        ),
        FileOutcome(
            "石刚洋/资料卡_恒昌.xlsx",
            sha256="535d9d0d3387" + "0" * 52,
            status="rejected",
            reason_en="probable duplicate of customer C0009 兰州恒昌铸造有限公司",
            reason_zh="疑似与已有客户 C0009 兰州恒昌铸造有限公司 重复：如就是该客户，请在资料卡的客户编号填 C0009 "
            "后重新提交",
            form_id="customer_card",
            version=1,
            rep="石刚洋",
        ),
    ]
    key = "石刚洋 / 2026-W49 / 2026-11-30 / C0009"
    changes = [
        RowChange(
            "updated",
            PLAN,
            "WeeklyPlans",
            key,
            "result",
            "已拜访，下单200L，客户希望下月再谈年度返利",
            "已拜访，下单300L",
        ),
        RowChange(
            "removed", PLAN, "WeeklyPlans", "石刚洋 / 2026-W49 / 2026-12-01 / C0167", earlier="石刚洋/周计划_W49.ods"
        ),
    ]
    conflicts = [
        Conflict(
            "value",
            CARD,
            "C0002",
            "phone",
            "029-34328569",
            "029-88886666",
            "keeps",
            "档案保留原值；如要采用业务员填写的值，请在总表的 客户档案 工作表中将原值改为该值",
        ),
    ]
    return RunResult(outcomes, conflicts, changes, ["WeeklyPlans"], Path("mgr/master.xlsx"), False, NOW)


@pytest.mark.parametrize(
    ("sheet", "headers"),
    [
        ("文件", ["文件", "状态", "原因", "表单", "版本", "业务员", "期间", "更正了", "文件指纹"]),
        ("变更", ["变更", "文件", "原文件", "表格", "行标识", "字段", "原值", "新值"]),
        ("冲突", ["类型", "文件", "客户编号", "字段", "档案中的值", "提交的值", "说明"]),
    ],
)
def test_each_sheet_of_the_report_prints_its_columns_on_one_page(
    tmp_path: Path, libreoffice, sheet: str, headers: list[str]
) -> None:
    # Found by a trial: 变更 printed 原值 on page 7 and 新值 on page 8, 文件 its 更正了 and 文件指纹 on a page of
    # their own.
    report = write_report(_trial_run(), tmp_path / "汇总报告.xlsx", "zh")
    pages = pdf_pages(libreoffice(report, "pdf"))
    owners = printed_sheets(pages, ["汇总", "按表单汇总", "文件", "错误", "变更", "冲突"])
    printed = [text for text, owner in zip(pages, owners) if owner == sheet]
    assert len(printed) == 1, f"{sheet} printed on {len(printed)} pages"
    (text,) = printed
    assert [h for h in headers if h not in text] == []
    assert MISSING[:6] in "".join(pages)
