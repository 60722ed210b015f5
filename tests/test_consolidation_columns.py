"""A column a rep inserted into a form's table in LibreOffice (the sheet's protection lifted): every line is read by
the table's column names, whatever their place, and the inserted column's values are reported, never read into
another field. The edits are made by LibreOffice itself over UNO (tests/libreoffice_server.py ``EDITS``) and saved as
.xlsx, .xls and .ods, as the trial rep did."""

from __future__ import annotations

import io
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from openpyxl.worksheet.table import TableColumn

from keyacct_xl.consolidate.run import consolidate
from keyacct_xl.consolidate.simulate import blank_form, fill_form
from keyacct_xl.consolidate.store import load_store
from keyacct_xl.master.model import Master
from keyacct_xl.master.writer import save_master

NOW = "2026-11-30 18:00:00"
HEADER = {"rep": "张三", "period": "2026-W48"}
READ = ["date", "customer_id", "method", "purpose", "content", "rating", "problems", "next_date"]


@pytest.fixture
def master(tmp_path: Path) -> Path:
    m = Master.empty()
    m.customers = pd.DataFrame({"customer_id": ["C001"], "name": ["广州华强贸易有限公司"], "rep": ["张三"]})
    return save_master(m, tmp_path / "master.xlsx", backup=False)


def _edited(tmp_path: Path, libreoffice, fmt: str, inbox: Path, edits: list[list]) -> None:
    """A blank visit record (rep and period filled) edited in LibreOffice and saved as ``fmt`` into ``inbox``."""
    source = tmp_path / "回访记录.xlsx"
    source.write_bytes(fill_form(blank_form("visit_record"), header=HEADER))
    libreoffice(source, fmt, inbox, edits=edits)


def _visits(master: Path) -> list[dict[str, object]]:
    frame = load_store(master).frame("Visits")
    rows = frame[READ].astype(object).where(frame[READ].notna(), None)
    return rows.to_dict("records")


def _line(columns: str, values: list[str], row: int = 8) -> list[list]:
    return [["type", f"{column}{row}", value] for column, value in zip(columns, values, strict=True)]


@pytest.mark.parametrize("fmt", ["xlsx", "xls", "ods"])
def test_a_column_inserted_before_the_visit_notes_is_reported_and_every_field_read_by_its_header(
    master: Path, inbox: Path, tmp_path: Path, libreoffice, fmt: str
) -> None:
    """备注 inserted at I, before 回访记录 (the trial's 回访记录_加列2.xlsx): an .xlsx was read by the places _meta
    recorded, the remark landing in 回访记录, 评价 empty, 存在问题 '优秀' and the next visit's date in 客户签字, and
    the file accepted; the .xls and .ods were read by header."""
    edits = [["unprotect"], ["insert_columns", 8, 1], ["type", "I7", "备注"]]
    edits += _line(
        "ABEHIJKN", ["2026-11-23", "C001", "面谈", "签约", "带了样品", "客户有签约意向", "优秀", "2026-12-18"]
    )
    _edited(tmp_path, libreoffice, fmt, inbox, edits)
    [outcome] = consolidate(inbox, master, now=NOW).outcomes
    assert (outcome.status, [i.zh for i in outcome.issues if i.severity == "error"]) == ("accepted", [])
    assert _visits(master) == [
        {
            "date": pd.Timestamp("2026-11-23"),
            "customer_id": "C001",
            "method": "面谈",
            "purpose": "签约",
            "content": "客户有签约意向",
            "rating": "优秀",
            "problems": None,
            "next_date": pd.Timestamp("2026-12-18"),
        }
    ]
    # The remark and its header are the rep's, outside the form's fields: reported at their cells, not lost.
    outside = [(i.cell, i.value) for i in outcome.issues if "填有表单字段以外的内容" in i.zh]
    assert outside == [("I7", "备注"), ("I8", "带了样品")]


def test_a_column_inserted_at_d_with_a_header_renamed_is_read_by_its_names(
    master: Path, inbox: Path, tmp_path: Path, libreoffice
) -> None:
    """备注 inserted at D and 客户编号 retyped 客户代码 (the trial's 回访记录_加列.xlsx): the .xlsx was refused as "no
    valid line", its contact read as the remark and its method as the contact; 客户代码 is a name the master gives
    the customer ID."""
    edits = [["unprotect"], ["insert_columns", 3, 1], ["type", "D7", "备注"], ["type", "B7", "客户代码"]]
    edits += _line("ABDEFJK", ["2026-11-24", "C001", "加了一列", "经理", "面谈", "客户签约意向", "良好"])
    _edited(tmp_path, libreoffice, "xlsx", inbox, edits)
    [outcome] = consolidate(inbox, master, now=NOW).outcomes
    assert (outcome.status, [i.zh for i in outcome.issues if i.severity == "error"]) == ("accepted", [])
    [visit] = _visits(master)
    assert (visit["customer_id"], visit["method"], visit["content"], visit["rating"]) == (
        "C001",
        "面谈",
        "客户签约意向",
        "良好",
    )
    assert load_store(master).frame("Visits")["contact"].tolist() == ["经理"]
    # The retyped header is text typed over the form's own, as anywhere on the form.
    outside = [(i.cell, i.value) for i in outcome.issues if "填有表单字段以外的内容" in i.zh]
    assert outside == [("B7", "客户代码"), ("D7", "备注"), ("D8", "加了一列")]
    extra = "“回访记录”表格中多了一列 备注（D 列），不是表单的栏目：该列的内容未读入总表"
    assert extra in [i.zh for i in outcome.issues]


def test_a_column_deleted_from_the_table_is_named_and_the_others_read_by_their_headers(
    master: Path, inbox: Path, tmp_path: Path, libreoffice
) -> None:
    """服务项目 (F) deleted: every column right of it moved one to the left, and was read one field off."""
    edits = [["unprotect"], ["remove_columns", 5, 1]]
    edits += _line("ABEFGHIJ", ["2026-11-23", "C001", "电话", "液压油", "回款", "答应月底付", "良好", "无"])
    _edited(tmp_path, libreoffice, "xlsx", inbox, edits)
    [outcome] = consolidate(inbox, master, now=NOW).outcomes
    assert (outcome.status, [i.zh for i in outcome.issues if i.severity == "error"]) == ("accepted", [])
    [visit] = _visits(master)
    assert (visit["method"], visit["purpose"], visit["content"], visit["rating"], visit["problems"]) == (
        "电话",
        "回款",
        "答应月底付",
        "良好",
        "无",
    )
    gone = "“回访记录”表格中找不到名为 服务项目 的一列（表头被改动或该列被删除）：此栏未读入"
    assert gone in [i.zh for i in outcome.issues]


def test_rows_inserted_and_deleted_in_libreoffice_keep_every_line(
    master: Path, inbox: Path, tmp_path: Path, libreoffice
) -> None:
    """A line's row deleted and a row inserted between two lines (the trial's 回访记录_W49.xlsx) move no field."""
    edits = [["unprotect"]]
    for row, (day, method, content) in enumerate(
        [("23", "面谈", "第一次"), ("24", "电话", "删掉的"), ("25", "面谈", "第三次")]
    ):
        edits += _line("ABEI", [f"2026-11-{day}", "C001", method, content], 8 + row)
    edits += [["remove_rows", 8, 1], ["insert_rows", 8, 1], *_line("ABEI", ["2026-11-26", "C001", "电话", "插入的"], 9)]
    _edited(tmp_path, libreoffice, "xlsx", inbox, edits)
    [outcome] = consolidate(inbox, master, now=NOW).outcomes
    assert (outcome.status, [i.zh for i in outcome.issues if i.severity == "error"]) == ("accepted", [])
    assert [(v["date"], v["method"], v["content"]) for v in _visits(master)] == [
        (pd.Timestamp("2026-11-23"), "面谈", "第一次"),
        (pd.Timestamp("2026-11-26"), "电话", "插入的"),
        (pd.Timestamp("2026-11-25"), "面谈", "第三次"),
    ]


def _widened(header_cell: str | None, column_name: str) -> bytes:
    """A filled visit record whose table took a 15th column O as Excel keeps one: ``column_name`` in the table part
    (a line break escaped ``_x000A_``), ``header_cell`` in O7; a remark in O8."""
    filled = fill_form(blank_form("visit_record"), header=HEADER, rows={"visits": [{"date": "2026-11-23"}]})
    book = openpyxl.load_workbook(io.BytesIO(filled))
    sheet = book["客户回访记录表"]
    table = sheet.tables["t_visits"]
    table.ref = "A7:O32"
    table.tableColumns.append(TableColumn(id=15, name=column_name))
    sheet["O7"], sheet["O8"] = header_cell, "周五前回复"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.mark.parametrize(
    ("header_cell", "column_name", "quoted"),
    [
        (None, "备注", "备注"),  # the table part names it: Excel's filter button and formulas show 备注
        ("备注\n(选填)", "备注_x000A_(选填)", "备注\n(选填)"),  # a header of two lines, as Excel stores its name
    ],
)
def test_an_added_column_is_quoted_by_the_name_it_was_placed_by(
    master: Path, inbox: Path, header_cell: str | None, column_name: str, quoted: str
) -> None:
    # Before: columns were placed by the table part's names but the warning quoted the header cells: a column the
    # table names 备注 was told of as "（无表头）".
    (inbox / "回访记录.xlsx").write_bytes(_widened(header_cell, column_name))
    [outcome] = consolidate(inbox, master, now=NOW).outcomes
    added = f"“回访记录”表格中多了一列 {quoted}（O 列），不是表单的栏目：该列的内容未读入总表"
    assert added in [i.zh for i in outcome.issues]
