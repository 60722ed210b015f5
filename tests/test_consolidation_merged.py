"""Cells a rep merged inside a form table's lines (the sheet's protection lifted), saved as .xlsx, .xls and .ods: a
range down one column is read as shown on each of its lines; a range across several columns refuses its lines; no
line is ever lost to a merge."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from keyacct_xl.consolidate.run import consolidate
from keyacct_xl.consolidate.simulate import blank_form, fill_form
from keyacct_xl.consolidate.store import load_store
from keyacct_xl.master.model import Master
from keyacct_xl.master.writer import save_master

NOW = "2026-11-28 18:00:00"  # the Saturday of the week the forms report: no visit lies after it
LINES = [  # sheet rows 11-14 of the competitor report's table (A10:K25)
    {"competitor": "壳牌", "product": "液压油46#", "price": 2900},
    {"competitor": "美孚", "product": "齿轮油", "price": 1200, "notes": "跟进"},
    {"product": "润滑脂", "price": 88},
    {"competitor": "嘉实多", "product": "切削液", "price": 520},
]


@pytest.fixture
def master(tmp_path: Path) -> Path:
    m = Master.empty()
    m.customers = pd.DataFrame({"customer_id": ["C001"], "name": ["广州华强贸易有限公司"], "rep": ["张三"]})
    return save_master(m, tmp_path / "master.xlsx", backup=False)


def _report(city: str, merges: list[str], lines: list[dict[str, object]] = LINES) -> bytes:
    """A competitor report of ``LINES`` for ``city``, with the ranges ``merges`` merged as a rep merges them (the
    value of the first cell kept, the others cleared)."""
    form = fill_form(
        blank_form("competitor_report"),
        header={"rep": "张三", "period": "2026-11", "city": city, "product_category": "润滑油"},
        rows={"competitors": lines},
    )
    book = openpyxl.load_workbook(io.BytesIO(form))
    for ref in merges:
        book.worksheets[0].merge_cells(ref)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _save(data: bytes, name: str, fmt: str, inbox: Path, work: Path, libreoffice) -> None:
    source = work / f"{name}.xlsx"
    source.write_bytes(data)
    if fmt == "xlsx":
        (inbox / source.name).write_bytes(data)
    else:
        libreoffice(source, fmt, inbox)


def _lines(master: Path, city: str) -> list[list[object]]:
    frame = load_store(master).frame("Competitors")
    rows = frame[frame["city"] == city].sort_values("source_row")
    return rows[["competitor", "product", "price", "notes"]].astype(object).where(rows.notna(), None).values.tolist()


@pytest.mark.parametrize("fmt", ["xlsx", "xls", "ods"])
def test_a_range_merged_down_a_column_is_read_on_each_of_its_lines(
    master: Path, inbox: Path, tmp_path: Path, libreoffice, fmt: str
) -> None:
    """美孚 merged over A12:A13 is the competitor of both lines, 跟进 merged over K12:K13 the note of both; in an .xls
    or .ods such a merge ended the table (two lines reported as text outside the fields, the file accepted), in an
    .xlsx the second line was refused without its competitor."""
    _save(_report("宁波", ["A12:A13", "K12:K13"]), "merged", fmt, inbox, tmp_path, libreoffice)
    [outcome] = consolidate(inbox, master, now=NOW).outcomes
    assert (outcome.status, outcome.rows_added, [i.zh for i in outcome.issues if i.severity == "error"]) == (
        "accepted",
        5,  # the 4 lines and the report's CompetitorReports row
        [],
    )
    assert _lines(master, "宁波") == [
        ["壳牌", "液压油46#", 2900.0, None],
        ["美孚", "齿轮油", 1200.0, "跟进"],
        ["美孚", "润滑脂", 88.0, "跟进"],
        ["嘉实多", "切削液", 520.0, None],
    ]
    sheet = "主要竞争对手月度信息报告"
    assert [i.zh for i in outcome.issues if "合并" in i.zh] == [
        f"工作表 {sheet} 的单元格 A12:A13 已合并：其内容 美孚 按它跨越的每一行读取（第 12、13 行）",
        f"工作表 {sheet} 的单元格 K12:K13 已合并：其内容 跟进 按它跨越的每一行读取（第 12、13 行）",
    ]
    assert not [i for i in outcome.issues if "表单字段以外" in i.zh]


@pytest.mark.parametrize("fmt", ["xlsx", "xls"])
def test_a_range_merged_across_columns_refuses_its_line_and_keeps_the_others(
    master: Path, inbox: Path, tmp_path: Path, libreoffice, fmt: str
) -> None:
    """齿轮油 merged over B12:C12 shows across 产品 and 规格: the line is refused with an error naming the range, the
    file is partly taken, the lines after it land."""
    lines = [{**line, "competitor": line.get("competitor", "美孚")} for line in LINES]
    _save(_report("温州", ["B12:C12"], lines), "across", fmt, inbox, tmp_path, libreoffice)
    [outcome] = consolidate(inbox, master, now=NOW).outcomes
    assert (outcome.status, outcome.rows_added) == ("partial", 4)  # 3 lines and the report's row
    [error] = [i for i in outcome.issues if i.severity == "error"]
    assert (error.cell, error.value) == ("B12:C12", "齿轮油")
    assert (
        error.zh
        == "单元格 B12:C12 跨 产品、规格 几列合并：显示的内容无法归入其中一列，本行未读入（请取消合并，逐列填写）"
    )
    assert [r[:2] for r in _lines(master, "温州")] == [["壳牌", "液压油46#"], ["美孚", "润滑脂"], ["嘉实多", "切削液"]]


@pytest.mark.parametrize("fmt", ["xlsx", "xls", "ods"])
def test_a_retyped_workbook_reads_a_date_merged_down_its_lines(
    master: Path, inbox: Path, tmp_path: Path, libreoffice, fmt: str
) -> None:
    """A rep's own workbook (no _meta) with one visit date merged over two visits, as saved or saved again by
    LibreOffice as .xls or .ods: both visits land on that day (before, the second was refused without its date; an
    .ods, whose merged ranges calamine does not give, still refused it)."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["业务员", "张三", "期间", "2026-W48"])
    sheet.append(["回访日期", "客户编号", "客户名称", "拜访对象", "方式", "回访记录", "客户评价"])
    sheet.append(["2026-11-23", "C001", "华强", "刘总", "电话", "确认订单", "良好"])
    sheet.append([None, "C001", "华强", "王经理", "面谈", "看新厂房", "一般"])
    sheet.merge_cells("A3:A4")
    out = io.BytesIO()
    book.save(out)
    _save(out.getvalue(), "自己做的表", fmt, inbox, tmp_path, libreoffice)
    [outcome] = consolidate(inbox, master, now=NOW).outcomes
    assert (outcome.status, outcome.rows_added) == ("accepted", 2)
    visits = load_store(master).frame("Visits")
    assert visits["date"].dt.strftime("%Y-%m-%d").tolist() == ["2026-11-23", "2026-11-23"]


def test_a_range_listed_many_times_and_reaching_the_last_row_is_one_range_over_the_lines() -> None:
    # A file may list one merge thousands of times (a few bytes each, compressed to nothing) and reach the sheet's
    # last row: it gives its value to the table's lines it spans, once, and is not walked row by row.
    from keyacct_xl.consolidate.model import TableRows
    from keyacct_xl.consolidate.tablemerges import read_merged_lines

    table = TableRows("客户回访记录表", {"customer_id": 0, "note": 1}, [(12, ["C1", "复查"]), (13, ["C2", None])])
    block = ((11, 1), (1_048_575, 1))  # B12:B1048576
    warnings = read_merged_lines(table, [block] * 3000, entered=[0])
    assert [values for _, values in table.rows] == [["C1", "复查"], ["C2", "复查"]]
    assert len(warnings) == 1 and "B12:B1048576" in warnings[0][0]


def _ods(rows: int, cols: int) -> bytes:
    """An .ods of one sheet S whose one row, repeated ``rows`` times, holds a cell spanning two columns repeated
    ``cols`` times: a few hundred bytes that would ask for rows × cols merged ranges."""
    table = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
    content = (
        '<?xml version="1.0"?><office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"'
        f' xmlns:table="{table}"><office:body><office:spreadsheet><table:table table:name="S">'
        f'<table:table-row table:number-rows-repeated="{rows}"><table:table-cell table:number-columns-repeated="{cols}"'
        ' table:number-columns-spanned="2"/></table:table-row></table:table></office:spreadsheet></office:body>'
        "</office:document-content>"
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as package:
        package.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        package.writestr("content.xml", content)
    return out.getvalue()


def test_an_ods_asking_for_millions_of_merged_ranges_is_a_damaged_part_not_a_run_out_of_memory() -> None:
    from keyacct_xl.cellformulas import ods_merged_ranges

    with zipfile.ZipFile(io.BytesIO(_ods(3, 2))) as package:
        assert ods_merged_ranges(package, "S") == [((r, c), (r, c + 1)) for r in range(3) for c in range(2)]
    with zipfile.ZipFile(io.BytesIO(_ods(1_048_576, 8))) as package, pytest.raises(ValueError, match="merged"):
        ods_merged_ranges(package, "S")  # 8.4 million ranges, about 2 GB before
