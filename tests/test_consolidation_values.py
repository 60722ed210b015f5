"""Values an Excel cell cannot hold, refused per cell: in a rep's form (consolidation), in the master reader and in
the table files rfm and abc read.

openpyxl, playing the rep, cuts text at 32,767 characters and writes an infinite number as an empty cell, so
those cells are put into the saved package's XML directly, as a damaged or hostile file would hold them.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from keyacct_xl.cli.main import main
from keyacct_xl.consolidate.run import consolidate
from keyacct_xl.consolidate.simulate import blank_form, fill_form
from keyacct_xl.consolidate.store import load_store
from keyacct_xl.errors import InputError
from keyacct_xl.master.model import Master
from keyacct_xl.master.reader import load_master
from keyacct_xl.master.writer import save_master

NOW = "2026-11-28 18:00:00"  # the Saturday of the week the forms report: no visit lies after it
RANGE = "1900-01-01..2262-04-11"


def patched(data: bytes, old: bytes, new: bytes) -> bytes:
    """``data`` (an xlsx package) with ``old`` replaced by ``new`` in every worksheet part that holds it."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        found = False
        for info in src.infolist():
            content = src.read(info.filename)
            if info.filename.startswith("xl/worksheets/") and old in content:
                content, found = content.replace(old, new), True
            dst.writestr(info, content)
    assert found, old
    return out.getvalue()


@pytest.fixture
def master(tmp_path: Path) -> Path:
    m = Master.empty()
    m.customers = pd.DataFrame(
        {"customer_id": ["C001", "C002"], "name": ["广州华强贸易有限公司", "佛山永利五金厂"], "rep": ["张三", "张三"]}
    )
    m.transactions = pd.DataFrame(
        {
            "date": pd.to_datetime(["2026-10-05", "2026-10-06"]),
            "customer_id": ["C001", "C002"],
            "amount": [18_500.0, 3_200.0],
        }
    )
    return save_master(m, tmp_path / "master.xlsx", backup=False)


def visit_form(rows: list[dict]) -> bytes:
    return fill_form(blank_form("visit_record"), header={"rep": "张三", "period": "2026-W48"}, rows={"visits": rows})


def test_out_of_range_dates_are_refused_per_cell_and_the_rest_merges(master: Path, inbox: Path) -> None:
    rows = [
        {"date": "2026-11-23", "customer_id": "C001", "content": "谈年度返利"},
        {"date": "2300-01-01", "customer_id": "C002", "content": "typed text"},
        {"date": dt.datetime(9999, 12, 31), "customer_id": "C001", "content": "serial 2958465"},
        {"date": "1899-12-31", "customer_id": "C002", "content": "before Excel's calendar"},
        {"date": "2026-11-24", "customer_id": "C002", "content": "催收货款"},
    ]
    (inbox / "v.xlsx").write_bytes(visit_form(rows))
    result = consolidate(inbox, master, now=NOW)
    [outcome] = result.outcomes
    assert (outcome.status, outcome.rows_added) == ("partial", 2)
    errors = {i.cell: i for i in outcome.errors}
    assert set(errors) == {"A9", "A10", "A11"}
    for issue in errors.values():
        assert (
            RANGE in issue.en and RANGE in issue.zh and issue.zh.endswith("日期请写成 2026-12-03、2026/12/3 或 12月3日")
        )
    assert errors["A10"].en.startswith("9999-12-31 is outside")
    visits = load_store(master).frame("Visits")
    assert visits["content"].tolist() == ["谈年度返利", "催收货款"]


def test_a_32768_character_cell_is_refused_with_its_length(master: Path, inbox: Path) -> None:
    form = visit_form(
        [
            {"date": "2026-11-23", "customer_id": "C001", "content": "LONGTEXT"},
            {"date": "2026-11-24", "customer_id": "C002", "content": "x" * 32_767},
        ]
    )
    (inbox / "long.xlsx").write_bytes(patched(form, b">LONGTEXT<", b">" + b"y" * 32_768 + b"<"))
    [outcome] = consolidate(inbox, master, now=NOW).outcomes
    [issue] = [i for i in outcome.issues if i.cell == "I8"]
    assert (issue.sheet, issue.field_label("zh"), issue.severity) == ("客户回访记录表", "回访记录", "warning")
    assert issue.en.startswith("32,768 characters, more than the 32,767 an Excel cell holds: left blank")
    assert issue.zh.startswith("长度 32,768 个字符，超过 Excel 单元格上限 32,767 个：此栏留空")
    assert len(issue.value) < 300  # the report quotes the start of the text, not all of it
    # The optional text is left blank and its line kept; exactly 32,767 is what a cell holds: kept whole.
    assert outcome.rows_added == 2
    assert load_store(master).frame("Visits")["content"].tolist() == [None, "x" * 32_767]


def test_an_infinite_amount_in_a_form_is_refused_per_cell(master: Path, inbox: Path) -> None:
    form = fill_form(
        blank_form("competitor_report"),
        header={"rep": "张三", "period": "2026-11", "city": "广州", "product_category": "润滑油"},
        rows={
            "competitors": [
                {"competitor": "长城", "price": 1234.5678},
                {"competitor": "昆仑", "price": "(-5)"},
                {"competitor": "美孚", "price": 1780},
            ]
        },
    )
    (inbox / "c.xlsx").write_bytes(patched(form, b"<v>1234.5678</v>", b"<v>inf</v>"))
    [outcome] = consolidate(inbox, master, now=NOW).outcomes
    messages = {i.value: i.en for i in outcome.issues}
    assert messages["inf"].startswith("not a number (inf is not a finite number): left blank")
    # read as -5, as an accountant means it, never +5
    assert messages["(-5)"].startswith("-5 is below the minimum 0: left blank")
    prices = load_store(master).frame("Competitors")["price"].tolist()
    assert prices[2] == 1780.0 and all(pd.isna(p) for p in prices[:2])


def _master_with(master: Path, sheet: str, ref: str, value: object) -> Path:
    book = openpyxl.load_workbook(master)
    book[sheet][ref] = value
    book.save(master)
    return master


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (dt.datetime(2300, 1, 1), f"2300-01-01 is outside the accepted dates {RANGE}"),
        ("2300-01-01", f"'2300-01-01' is outside the accepted dates {RANGE}"),
        ("1899-12-31", f"'1899-12-31' is outside the accepted dates {RANGE}"),
    ],
)
def test_the_master_reader_names_the_cell_of_an_out_of_range_date(master: Path, value: object, message: str) -> None:
    _master_with(master, "销售明细", "B3", value)
    with pytest.raises(InputError) as caught:
        load_master(master)
    assert caught.value.en.startswith(f"master.xlsx: sheet 销售明细, cell B3 (日期): {message}")
    assert caught.value.zh.startswith("master.xlsx：工作表 销售明细，单元格 B3（日期）：") and RANGE in caught.value.zh


def test_the_master_reader_names_the_cell_of_an_infinite_amount_and_of_overlong_text(master: Path) -> None:
    _master_with(master, "销售明细", "H2", 1234.5678)
    marked = _master_with(master, "客户档案", "B3", "LONGNAME").read_bytes()
    master.write_bytes(patched(marked, b"<v>1234.5678</v>", b"<v>inf</v>"))
    with pytest.raises(InputError, match=r"sheet 销售明细, cell H2 \(金额\): inf is not a finite number"):
        load_master(master)
    master.write_bytes(patched(marked, b">LONGNAME<", b">" + b"z" * 40_000 + b"<"))
    with pytest.raises(InputError, match=r"sheet 客户档案, cell B3 \(客户名称\): 40,000 characters, more than"):
        load_master(master)


def test_the_master_reader_reads_doubled_negative_marks_as_negative(master: Path) -> None:
    _master_with(master, "销售明细", "H2", "(-1,850.00)")
    _master_with(master, "销售明细", "H3", "△-5")
    assert load_master(master).transactions["amount"].tolist() == [-1850.0, -5.0]


def test_rfm_on_a_csv_names_the_line_of_an_out_of_range_date(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sales = tmp_path / "sales.csv"
    sales.write_text(
        "customer_id,date,amount\nC001,2026-01-05,100\nC002,2026-01-09,(-5)\nC003,2300-01-01,50\n", encoding="utf-8"
    )
    assert main(["rfm", str(sales), "--lang", "en"]) == 2
    assert capsys.readouterr().err == (
        f"keyacct-xl: sales.csv: line 4, column date: '2300-01-01' is outside the "
        f"accepted dates {RANGE} (Excel's calendar starts in 1900; the master holds "
        "dates up to 2262)\n"
    )


def test_a_whole_number_field_refuses_words_and_true_as_no_whole_number(master: Path, inbox: Path) -> None:
    """A route order and a 1-5 influence are whole numbers: 零 there is no whole number, and an Excel TRUE is quoted
    as the cell shows it (TRUE), in the message and in the report's value, never as Python's True."""
    header = {
        "rep": "张三",
        "fill_date": "2026-11-20",
        "customer_id": "C001",
        "name": "广州华强贸易有限公司",
        "route_seq": "零",
        "local_influence": True,
    }
    (inbox / "card.xlsx").write_bytes(fill_form(blank_form("customer_card"), header=header, rows={"contacts": []}))
    [outcome] = consolidate(inbox, master, now=NOW).outcomes
    issues = {i.field_label("zh"): i for i in outcome.issues}
    route, influence = issues["路序"], issues["当地影响力(1-5)"]
    assert route.en.startswith("'零' is not a whole number") and route.zh.startswith("'零' 不是整数")
    assert influence.en.startswith("TRUE is not a whole number") and influence.zh.startswith("TRUE 不是整数")
    assert influence.value == "TRUE"
