"""A comment a rep put on a cell of a form (LibreOffice's 插入批注, Excel's note) is quoted in the report with its cell
and the line it belongs to, never dropped unseen. The comments are added by LibreOffice itself over UNO
(tests/libreoffice_server.py ``EDITS``) and the form saved as .xlsx, .xls and .ods, as the trial rep did."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from keyacct_xl.consolidate.run import consolidate
from keyacct_xl.consolidate.simulate import blank_form, fill_form
from keyacct_xl.consolidate.store import load_store
from keyacct_xl.forms.catalog import load_form
from keyacct_xl.forms.layout import form_sheet_name
from keyacct_xl.master.model import Master
from keyacct_xl.master.writer import save_master

NOW = "2026-11-30 18:00:00"
SHEET = form_sheet_name(load_form("visit_record"), "zh")
VISITS = [
    {"date": "2026-11-23", "customer_id": "C001", "method": "面谈", "content": "客户反映换油周期短"},
    {"date": "2026-11-24", "customer_id": "C001", "method": "电话", "content": "电话确认订单"},
]


@pytest.fixture
def master(tmp_path: Path) -> Path:
    m = Master.empty()
    m.customers = pd.DataFrame({"customer_id": ["C001"], "name": ["广州华强贸易有限公司"], "rep": ["张三"]})
    return save_master(m, tmp_path / "master.xlsx", backup=False)


@pytest.mark.parametrize("fmt", ["xlsx", "xls", "ods"])
def test_a_comment_on_a_line_and_one_beside_the_form_are_quoted_with_their_cells(
    master: Path, inbox: Path, tmp_path: Path, libreoffice, fmt: str
) -> None:
    """客户要求周五前回复 on I8 (the trial's 回访记录_W49.xlsx, xl/comments1.xml) was dropped without a word, the file
    accepted as if nothing more was said."""
    source = tmp_path / "回访记录.xlsx"
    source.write_bytes(
        fill_form(blank_form("visit_record"), header={"rep": "张三", "period": "2026-W48"}, rows={"visits": VISITS})
    )
    edits = [["unprotect"], ["comment", "I8", "客户要求周五前回复"], ["comment", "P2", "本周少报一家"]]
    libreoffice(source, fmt, inbox, edits=edits)
    [outcome] = consolidate(inbox, master, now=NOW).outcomes
    assert (outcome.status, outcome.rows_added) == ("accepted", 2)
    comments = [(i.sheet, i.cell, i.value, i.zh, i.severity) for i in outcome.issues if "批注" in i.zh]
    assert comments == [
        (SHEET, "P2", "本周少报一家", f"工作表 {SHEET} 的单元格 P2 有批注，未读入总表：本周少报一家", "warning"),
        (
            SHEET,
            "I8",
            "客户要求周五前回复",
            f"工作表 {SHEET} 的单元格 I8（“回访记录”表格第 8 行，回访记录）有批注，未读入总表：客户要求周五前回复",
            "warning",
        ),
    ]
    assert sorted(load_store(master).frame("Visits")["content"]) == ["客户反映换油周期短", "电话确认订单"]
