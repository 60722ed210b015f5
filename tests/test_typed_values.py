"""Values typed the way a spreadsheet program keeps them: a number in a date cell, a date without a year, an amount
in a 万元 field, a unit typed after a count, a formula in a text field, an id in another case. Forms are generated,
filled with openpyxl as a rep would (and saved again by LibreOffice where the format matters), and consolidated into
a small master written to disk.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import shutil
import time
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from keyacct_xl.cellformulas import xls_formulas
from keyacct_xl.consolidate.fieldcheck import FieldProblem, read_cell
from keyacct_xl.consolidate.model import FileOutcome, Issue
from keyacct_xl.consolidate.periods import parse_period, yearless_date
from keyacct_xl.consolidate.run import consolidate
from keyacct_xl.consolidate.simulate import blank_form, fill_form
from keyacct_xl.consolidate.store import load_store
from keyacct_xl.errors import KeyacctError
from keyacct_xl.forms.catalog import load_form
from keyacct_xl.forms.layout import field_cell_name, form_sheet_name
from keyacct_xl.forms.meta import FormContext
from keyacct_xl.forms.spec import parse_spec
from keyacct_xl.master.model import Master
from keyacct_xl.master.writer import save_master

NOW = "2026-11-28 18:00:00"  # the Saturday of the week the forms report: no visit lies after it


@pytest.fixture
def master(tmp_path: Path) -> Path:
    m = Master.empty()
    m.customers = pd.DataFrame(
        {"customer_id": ["C0005", "C0012"], "name": ["厦门振华", "青岛精工"], "rep": ["张三"] * 2}
    )
    return save_master(m, tmp_path / "master.xlsx", backup=False)


def _run(inbox: Path, master: Path, name: str, content: bytes) -> FileOutcome:
    (inbox / name).write_bytes(content)
    [outcome] = consolidate(inbox, master, now=NOW).outcomes
    return outcome


def _at(outcome: FileOutcome, cell: str) -> Issue:
    [issue] = [i for i in outcome.issues if i.cell == cell]
    return issue


def _numbers_in_date_cells(content: bytes, cells: dict[str, float]) -> bytes:
    """``content`` with numbers typed into header date cells (by field key): the cell keeps the form's date format,
    as Excel, WPS and LibreOffice keep 11.3 typed there."""
    book = openpyxl.load_workbook(io.BytesIO(content))
    for key, number in cells.items():
        sheet, ref = next(iter(book.defined_names[field_cell_name(key)].destinations))
        cell = book[sheet][ref.replace("$", "").split(":")[0]]
        assert "yy" in cell.number_format  # the form's date cell
        cell.value = number
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


WEEK = FormContext(rep="张三", period="2026-W48")  # a rep's forms of the week (Settings rep_forms)


def complaint(**header: object) -> bytes:
    typed = {"rep": "张三", "complaint_no": "TS-2026-012", "customer_id": "C0005"}
    return fill_form(blank_form("complaint_8d", context=WEEK), header={**typed, **header})


# --- a number typed into a date cell ----------------------------------------------------------------------------


def test_a_number_typed_into_a_date_cell_is_read_as_month_day_with_a_note(master: Path, inbox: Path) -> None:
    form = _numbers_in_date_cells(complaint(d3_containment="更换"), {"received_date": 11.3, "contained_date": 11.4})
    outcome = _run(inbox, master, "complaint_num_date.xlsx", form)
    assert (outcome.status, outcome.errors) == ("accepted", [])
    row = load_store(master).frame("Complaints").iloc[0]
    assert (f"{row['received_date']:%Y-%m-%d}", f"{row['contained_date']:%Y-%m-%d}") == ("2026-11-03", "2026-11-04")
    received, contained = _at(outcome, "D7"), _at(outcome, "B17")
    assert received.severity == contained.severity == "warning"
    assert (received.value, contained.value) == ("11.3", "11.4")  # as typed, not the 1900 day a reader made of it
    assert contained.zh == "11.4 读作 2026-11-04" and contained.en == "11.4 read as 2026-11-04"
    # 11.30 typed keeps no trailing zero: the note says how to mean the 30th
    assert received.zh == "11.3 读作 2026-11-03（数字不保留末尾的 0：如指 2026-11-30，请填写完整日期）"


def test_a_number_in_a_date_cell_that_is_no_month_day_is_refused_naming_the_cell(master: Path, inbox: Path) -> None:
    outcome = _run(inbox, master, "c.xlsx", _numbers_in_date_cells(complaint(), {"received_date": 45.6}))
    [refused] = outcome.errors
    assert (refused.cell, refused.field_label("zh")) == ("D7", "接收日期")
    assert refused.zh == "45.6 是数字，不是日期：请填写完整日期，如 2026-11-23"
    assert outcome.status == "partial"  # never stored as 1900-02-14
    assert pd.isna(load_store(master).frame("Complaints").iloc[0]["received_date"])


def test_serial_60_in_a_date_cell_is_refused_naming_the_cell_not_stored_as_1900_02_28(
    master: Path, inbox: Path
) -> None:
    # Excel's 1900-02-29, which never was: calamine and openpyxl give it as 1900-02-28, the day serial 59 is.
    form = _numbers_in_date_cells(complaint(d3_containment="更换"), {"received_date": 60, "contained_date": 59})
    outcome = _run(inbox, master, "c.xlsx", form)
    [refused] = outcome.errors
    assert (refused.file, refused.sheet, refused.cell, refused.value) == (
        "c.xlsx",
        "客户投诉处理报告（8D）",
        "D7",
        "60",
    )
    assert refused.en == (
        "serial 60 is 1900-02-29, a day Excel shows but that never existed: write a date as 2026-12-03, 2026/12/3 or "
        "12月3日"
    )
    row = load_store(master).frame("Complaints").iloc[0]
    assert pd.isna(row["received_date"]) and f"{row['contained_date']:%Y-%m-%d}" == "1900-02-28"  # 59 is that day
    # a line's date too
    book = openpyxl.load_workbook(
        io.BytesIO(
            fill_form(
                blank_form("visit_record", context=WEEK),
                rows={"visits": [{"date": "2026-11-23", "customer_id": "C0005", "method": "面谈", "content": "回访"}]},
            )
        )
    )
    book["客户回访记录表"]["A8"] = 60.5
    out = io.BytesIO()
    book.save(out)
    (second := inbox.parent / "second").mkdir()
    outcome = _run(second, master, "v.xlsx", out.getvalue())
    assert [(i.cell, i.value, i.severity) for i in outcome.errors] == [("A8", "60.5", "error")]
    assert outcome.status == "rejected"  # its only line had no date
    assert len(load_store(master).frame("Visits")) == 0


def test_a_daily_reports_date_typed_as_a_number_is_its_day(master: Path, inbox: Path) -> None:
    form = fill_form(
        blank_form("daily_report", context=WEEK),
        header={"rep": "张三", "region": "华东"},
        rows={"visits": [{"customer_id": "C0012", "purpose": "收款", "content": "收款", "order_amount": 1000}]},
    )
    outcome = _run(inbox, master, "daily_num_date.xlsx", _numbers_in_date_cells(form, {"report_date": 11.05}))
    assert (outcome.status, outcome.key) == ("accepted", "2026-11-05")
    assert _at(outcome, "B7").zh == "11.05 读作 2026-11-05"
    assert load_store(master).frame("Visits")["date"].dt.strftime("%Y-%m-%d").tolist() == ["2026-11-05"]


@pytest.mark.libreoffice
@pytest.mark.parametrize("suffix", ["ods", "xls"])
def test_a_number_in_a_date_cell_reads_the_same_from_an_ods_or_xls(
    master: Path, inbox: Path, tmp_path: Path, libreoffice: Callable[..., Path], suffix: str
) -> None:
    typed = tmp_path / "typed" / "complaint_num_date.xlsx"
    typed.parent.mkdir()
    typed.write_bytes(_numbers_in_date_cells(complaint(d3_containment="更换"), {"received_date": 11.3}))
    libreoffice(typed, suffix, inbox)  # an .ods counts its days from 1899-12-30: 11.3 is its 1900-01-10 07:12
    [outcome] = consolidate(inbox, master, now=NOW).outcomes
    assert outcome.errors == []
    assert f"{load_store(master).frame('Complaints').iloc[0]['received_date']:%Y-%m-%d}" == "2026-11-03"
    assert any(i.zh.startswith("11.3 读作 2026-11-03") for i in outcome.issues)


# --- a date typed without a year ---------------------------------------------------------------------------------


def _after_sales(lines: list[dict[str, object]]) -> bytes:
    return fill_form(
        blank_form("after_sales", context=WEEK), header={"rep": "张三", "period": "2026-W48"}, rows={"requests": lines}
    )


def test_a_year_less_purchase_date_is_not_after_its_request_and_every_year_taken_is_told(
    master: Path, inbox: Path
) -> None:
    """The trial's after-sales log: 购买日期 3月12日 and 1月8日 beside 受理日期 2026-11-24 and 11-25 were stored as
    2027-03-12 and 2027-01-08 (the year nearest the period), purchases after their own requests, without a word."""
    line = {"customer_id": "C0005", "product": "气动黄油机", "in_warranty": "是", "request": "出油压力不足"}
    form = _after_sales(
        [
            {**line, "request_no": "SH-01", "request_date": "2026/11/24", "purchase_date": "3月12日"},
            {**line, "request_no": "SH-02", "request_date": "2026/11/25", "purchase_date": "1月8日"},
            # a purchase two days after its request's day is last year's; the request's own date, year-less, and
            # the closing date are any dates of the week: the year nearest the period
            {**line, "request_no": "SH-03", "request_date": "11月24日", "purchase_date": "11月26日"},
            {**line, "request_no": "SH-04", "request_date": "2026-11-25", "closed_date": "11/27"},
        ]
    )
    outcome = _run(inbox, master, "after_sales.xlsx", form)
    assert (outcome.status, outcome.errors) == ("accepted", [])
    requests = load_store(master).frame("ServiceRequests")
    assert [f"{d:%Y-%m-%d}" if pd.notna(d) else None for d in requests["purchase_date"]] == [
        "2026-03-12",
        "2026-01-08",
        "2025-11-26",
        None,
    ]
    assert f"{requests['request_date'].iloc[2]:%Y-%m-%d}" == "2026-11-24"
    assert f"{requests['closed_date'].iloc[3]:%Y-%m-%d}" == "2026-11-27"
    told = {i.cell: i for i in outcome.issues}
    assert set(told) == {"H8", "H9", "B10", "H10", "N11"}  # nothing else: no cell read silently, no other word
    purchase = told["H8"]
    assert (purchase.file, purchase.sheet, purchase.severity) == ("after_sales.xlsx", "售后服务管理表", "warning")
    assert (purchase.field_label("zh"), purchase.value) == ("购买日期", "3月12日")
    assert purchase.zh == "'3月12日' 未写年份：按 2026-03-12 读取（取不晚于受理日期 2026-11-24 的最近年份）"
    assert purchase.en == "'3月12日' has no year: read as 2026-03-12 (the latest year not after Received 2026-11-24)"
    assert told["H10"].zh == "'11月26日' 未写年份：按 2025-11-26 读取（取不晚于受理日期 2026-11-24 的最近年份）"
    assert told["B10"].zh == "'11月24日' 未写年份：按 2026-11-24 读取（取最接近表单期间 2026-W48 的年份）"
    assert told["N11"].en == "'11/27' has no year: read as 2026-11-27 (the year nearest the form's period 2026-W48)"


CREDIT = {
    "rep": "张三",
    "period": "2026-11",
    "customer_id": "C0005",
    "proposed_grade": "A",
    "proposed_credit_grade": "A",
    "supervisor": "周志强",
}


@pytest.mark.parametrize(
    ("filled", "typed", "read", "limit"),
    [
        # the trial's evaluation: 首次交易日期 3月12日 on a 2026-11 form was stored as 2027-03-12
        (None, "3月12日", "2026-03-12", "表单期间最后一天 2026-11-30"),
        ("2026-11-28", "12月5日", "2025-12-05", "填表日期 2026-11-28"),  # the nearest year would be 2026
    ],
)
def test_a_year_less_first_trade_date_takes_the_latest_year_not_after_the_forms_date(
    master: Path, inbox: Path, filled: str | None, typed: str, read: str, limit: str
) -> None:
    header = {**CREDIT, "first_trade_date": typed} | ({"fill_date": filled} if filled else {})
    outcome = _run(inbox, master, "credit.xlsx", fill_form(blank_form("credit_evaluation"), header=header))
    assert (outcome.status, outcome.errors) == ("accepted", [])
    stored = load_store(master).frame("CreditEvaluations").iloc[0]["first_trade_date"]
    assert f"{stored:%Y-%m-%d}" == read
    [told] = [i for i in outcome.issues if i.field_label("zh") == "首次交易日期"]
    assert (told.file, told.sheet, told.cell, told.severity) == ("credit.xlsx", "客户资信评估表", "E8", "warning")
    assert told.zh == f"'{typed}' 未写年份：按 {read} 读取（取不晚于{limit} 的最近年份）"


def test_a_number_typed_into_a_past_date_cell_takes_the_latest_year_not_after_the_forms_date(
    master: Path, inbox: Path
) -> None:
    form = fill_form(blank_form("credit_evaluation"), header={**CREDIT, "fill_date": "2026-11-28"})
    outcome = _run(inbox, master, "credit.xlsx", _numbers_in_date_cells(form, {"first_trade_date": 12.5}))
    assert _at(outcome, "E8").zh == "12.5 读作 2025-12-05"
    stored = load_store(master).frame("CreditEvaluations").iloc[0]["first_trade_date"]
    assert f"{stored:%Y-%m-%d}" == "2025-12-05"


@pytest.mark.parametrize(
    ("typed", "latest", "read"),
    [
        ("2月29日", dt.date(2026, 11, 24), dt.datetime(2024, 2, 29)),  # the last 29 February before it
        ("10日", dt.date(2026, 11, 5), dt.datetime(2026, 10, 10)),  # a day alone: the last 10th on or before
        ("11/24", dt.date(2026, 11, 24), dt.datetime(2026, 11, 24)),  # the day itself is not after it
        ("Dec 21", dt.date(2027, 1, 8), dt.datetime(2026, 12, 21)),
        ("2月30日", dt.date(2026, 11, 24), None),
    ],
)
def test_a_year_less_date_not_after_a_day_takes_the_latest_year_on_or_before_it(
    typed: str, latest: dt.date, read: dt.datetime | None
) -> None:
    assert yearless_date(typed, parse_period("2026-W48"), latest=latest) == read


def test_past_not_after_and_in_period_are_left_out_of_the_spec_hash() -> None:
    """Forms in circulation keep their hash: which year a year-less date takes, and whether a date outside the
    period is warned of, is how a cell is read."""
    spec = load_form("after_sales")
    plain = dataclasses.replace(
        spec,
        sections=tuple(
            dataclasses.replace(
                s, fields=tuple(dataclasses.replace(f, past=False, not_after=None, in_period=False) for f in s.fields)
            )
            for s in spec.sections
        ),
    )
    assert spec.hash == plain.hash
    [purchase] = [f for f in spec.section("requests").fields if f.key == "purchase_date"]
    assert (purchase.past, purchase.not_after) == (True, "request_date")
    [received] = [f for f in spec.section("requests").fields if f.key == "request_date"]
    assert received.in_period


# --- a founding date of month precision ---------------------------------------------------------------------

CARD = {"rep": "张三", "fill_date": "2026-11-26", "customer_id": "C0005", "name": "厦门振华"}


@pytest.mark.parametrize("typed", ["2010年5月", "2010-05", "May 2010", "2010/5"])
def test_a_founding_date_typed_as_its_month_is_read_as_the_first_of_that_month_with_a_note(
    master: Path, inbox: Path, typed: str
) -> None:
    """The card's 成立日期 is the month the company was founded as often as its day: 2010年5月 was refused as no date
    (the whole value lost); its spec marks it ``precision: month``, so it reads 2010-05-01 and says so."""
    outcome = _run(
        inbox, master, "card.xlsx", fill_form(blank_form("customer_card"), header={**CARD, "founded": typed})
    )
    assert (outcome.status, outcome.errors) == ("accepted", [])
    founded = load_store(master).frame("Customers").set_index("customer_id").loc["C0005", "founded"]
    assert f"{founded:%Y-%m-%d}" == "2010-05-01"
    [told] = [i for i in outcome.issues if i.field_label("zh") == "成立日期"]
    assert (told.file, told.severity, told.value) == ("card.xlsx", "warning", typed)
    assert told.zh == f"'{typed}' 只写了月份：按该月第一天 2010-05-01 读取"
    assert told.en == f"'{typed}' names a month only: read as its first day, 2010-05-01"


def test_a_date_of_day_precision_typed_as_its_month_is_still_refused(master: Path, inbox: Path) -> None:
    """首次交易日期 is a day the books show: a month alone is no date there."""
    header = {**CARD, "first_trade_date": "2010-05"}
    outcome = _run(inbox, master, "card.xlsx", fill_form(blank_form("customer_card"), header=header))
    [refused] = [i for i in outcome.issues if i.field_label("zh") == "首次交易日期"]
    assert refused.severity == "error" and "'2010-05' 不是日期" in refused.zh


def test_precision_is_a_date_fields_and_left_out_of_the_spec_hash() -> None:
    """Which day a month typed alone is read as is how a cell is read, not the form a rep holds."""
    spec = load_form("customer_card")
    [founded] = [f for f in spec.section("basic").fields if f.key == "founded"]
    assert founded.precision == "month"
    plain = dataclasses.replace(
        spec,
        sections=tuple(
            dataclasses.replace(s, fields=tuple(dataclasses.replace(f, precision="day") for f in s.fields))
            for s in spec.sections
        ),
    )
    assert spec.hash == plain.hash
    field = {"key": "staff", "label": {"zh": "员工", "en": "Staff"}, "type": "integer", "precision": "month"}
    raw = {"id": "t", "version": 1, "title": {"zh": "表", "en": "Form"}}
    raw["sections"] = [{"id": "s", "kind": "fields", "title": {"zh": "节", "en": "Section"}, "fields": [field]}]
    with pytest.raises(KeyacctError, match="precision applies to date fields, not integer"):
        parse_spec(raw, file="t.yaml")
    field.update(type="date", precision="week")
    with pytest.raises(KeyacctError, match="'week' is not one of day, month"):
        parse_spec(raw, file="t.yaml")


# --- a customer id typed in another case, on a line refused for another reason --------------------------------


def test_a_refused_lines_id_in_another_case_is_the_customers_not_an_unknown_one(master: Path, inbox: Path) -> None:
    """The trial's visit record: c0026 with the method 電話 was told 電話 is no choice (right) and also "客户 c0026
    不在客户档案中（新客户须…）", though c0026 is C0026, as the same id on a line with a valid method is read."""
    lines = [
        {"date": "2026-11-24", "customer_id": "c0005", "method": "電話", "content": "催款"},
        {"date": "2026-11-25", "customer_id": "c0012", "method": "面谈", "content": "回访"},
    ]
    form = fill_form(blank_form("visit_record", context=WEEK), header={"rep": "张三"}, rows={"visits": lines})
    outcome = _run(inbox, master, "visits.xlsx", form)
    assert (outcome.status, outcome.rows_added) == ("partial", 1)
    assert [(i.cell, i.value) for i in outcome.errors] == [("E8", "電話")]  # the line's one problem
    assert not [i for i in outcome.issues if "不在客户档案中" in i.zh]
    read = {i.cell: i.zh for i in outcome.issues if i.severity == "warning"}
    assert read == {
        "B8": "c0005 是客户 C0005 的编号，只是大小写或全角半角不同：按 C0005 读取",
        "B9": "c0012 是客户 C0012 的编号，只是大小写或全角半角不同：按 C0012 读取",
    }
    assert load_store(master).frame("Visits")["customer_id"].tolist() == ["C0012"]


# --- a unit typed with the number ---------------------------------------------------------------------------------


def card(capital: object) -> bytes:
    header = {"rep": "张三", "name": "苏州恒达机电有限公司", "registered_capital": capital}
    return fill_form(blank_form("customer_card", context=WEEK), header=header)


@pytest.mark.parametrize("typed", ["500万", "500万元", "¥500万", "500 万"])
def test_wan_typed_into_a_field_counted_in_wan_yuan_is_not_multiplied_again(
    master: Path, inbox: Path, typed: object
) -> None:
    outcome = _run(inbox, master, "customer_card_恒达.xlsx", card(typed))
    assert (outcome.status, outcome.errors) == ("accepted", [])
    assert outcome.header["registered_capital"] == 500  # 注册资本(万元): 500万 is 500, never 5,000,000
    assert not [i for i in outcome.issues if i.field_label("zh") == "注册资本(万元)"]


def test_an_amount_in_yuan_typed_into_a_wan_yuan_field_is_converted_with_a_note(master: Path, inbox: Path) -> None:
    outcome = _run(inbox, master, "customer_card_恒达.xlsx", card("¥5,000,000元"))
    assert outcome.header["registered_capital"] == 500
    [note] = [i for i in outcome.issues if i.field_label("zh") == "注册资本(万元)"]
    assert (note.severity, note.value) == ("warning", "¥5,000,000元")
    assert note.zh == "'¥5,000,000元' 是以元计的金额，按 500 万元读取"


@pytest.mark.parametrize(
    ("capital", "sales", "capital_read", "sales_read"),
    [
        ("1亿", "1.2亿", 10_000, 120_000_000),
        ("1.5亿元", "３亿元", 15_000, 300_000_000),
        ("¥2亿", "2,000万", 20_000, 20_000_000),
    ],
)
def test_yi_a_hundred_million_is_read_in_amounts_and_in_wan_yuan_fields(
    master: Path, inbox: Path, capital: str, sales: str, capital_read: float, sales_read: float
) -> None:
    # A card's 年销售额 1.2亿 was refused as "not an amount", and 注册资本(万元) 1亿 would have been 1亿 万元.
    header = {"rep": "张三", "name": "苏州恒达机电有限公司", "registered_capital": capital, "annual_sales": sales}
    outcome = _run(inbox, master, "customer_card_恒达.xlsx", fill_form(blank_form("customer_card"), header=header))
    assert (outcome.status, outcome.errors) == ("accepted", [])
    assert (outcome.header["registered_capital"], outcome.header["annual_sales"]) == (capital_read, sales_read)
    assert not [i for i in outcome.issues if i.field_label("zh") in ("注册资本(万元)", "年销售额")]


def test_a_number_typed_with_its_fields_own_unit_is_read(master: Path, inbox: Path) -> None:
    form = fill_form(
        blank_form("monthly_plan"),
        header={"rep": "张三", "period": "2026-12", "sales_target": 100000, "collection_target": 80000},
        rows={"accounts": [{"customer_id": "C0005", "visits": "2次"}, {"customer_id": "C0012", "visits": "4 次"}]},
    )
    outcome = _run(inbox, master, "monthly_plan.xlsx", form)
    assert (outcome.status, outcome.errors, [i.zh for i in outcome.issues]) == ("accepted", [], [])
    assert load_store(master).frame("MonthlyPlanAccounts")["visits"].tolist() == [2, 4]


def test_a_count_that_is_not_a_number_is_worded_by_what_the_field_counts(master: Path, inbox: Path) -> None:
    outcome = _run(inbox, master, "c.xlsx", complaint(quantity="3桶"))
    quantity = _at(outcome, "D10")
    assert quantity.zh == "'3桶' 不是数字：请只填数字，不带单位"  # not "'3桶' 不是金额"
    assert quantity.en == "'3桶' is not a number: type the number alone, without a unit"
    (inbox / "c.xlsx").unlink()
    form = fill_form(
        blank_form("monthly_plan"),
        header={"rep": "张三", "period": "2026-12", "sales_target": 100000, "collection_target": 80000},
        rows={"accounts": [{"customer_id": "C0005", "visits": "两次"}]},
    )
    visits = _at(_run(inbox, master, "monthly_plan.xlsx", form), "I13")
    assert visits.zh == "'两次' 不是次数：请只填数字：此栏留空，本行照常导入（原填写：两次）"


def test_a_refused_value_is_quoted_as_the_cell_shows_it(master: Path, inbox: Path) -> None:
    """The report quoted -500 typed into a plan as "-500.0" and 150% typed into a share as "1.5", in its Value
    column and in "原填写：…": neither is what the rep typed or sees."""
    form = fill_form(
        blank_form("competitor_report"),
        header={"rep": "张三", "period": "2026-12", "city": "宁波", "product_category": "液压油"},
        rows={"competitors": [{"competitor": "长城", "price": -500, "market_share": 1.5}]},
    )
    outcome = _run(inbox, master, "competitors.xlsx", form)
    price, share = _at(outcome, "D11"), _at(outcome, "H11")
    assert (price.value, price.zh) == ("-500", "-500 小于下限 0：此栏留空，本行照常导入（原填写：-500）")
    assert (share.value, share.zh) == ("150%", "150% 大于上限 100%：此栏留空，本行照常导入（原填写：150%）")


@pytest.mark.parametrize(
    ("typed", "read", "problem"),
    [
        ("30天", 30, None),
        ("45 days", 45, None),
        ("月结30", None, "'月结30' 不是天数：请只填数字"),  # a settlement scheme, not a number of days: never guessed
    ],
)
def test_a_field_of_days_reads_days_and_words_what_it_cannot_read(
    typed: str, read: int | None, problem: str | None
) -> None:
    [field] = [f for f in load_form("credit_evaluation").section("result").fields if f.key == "proposed_terms_days"]
    assert field.unit == "days"
    if problem is None:
        assert read_cell(field, typed, lang="zh").value == read
    else:
        with pytest.raises(FieldProblem) as refused:
            read_cell(field, typed, lang="zh")
        assert refused.value.zh == problem


@pytest.mark.parametrize(
    ("typed", "read"),
    [
        ("下午3点", "15:00"),  # a phone follow-up's 时间 as a rep types it: was left blank ("不是有效时间")
        ("上午9点半", "09:30"),
        ("15点30分", "15:30"),
        ("晚上8点", "20:00"),
        ("3pm", "15:00"),
        ("9:30 am", "09:30"),
        ("12am", "00:00"),
        ("晚上12点", "00:00"),  # midnight, not noon
        ("中午12点", "12:00"),
        ("14:05", "14:05"),
        ("下午", None),
        ("3", None),
        ("25点", None),
    ],
)
def test_a_time_of_day_as_people_say_it_is_read(typed: str, read: str | None) -> None:
    [field] = [f for f in load_form("phone_followup").section("calls").fields if f.key == "time"]
    if read is not None:
        assert read_cell(field, typed, lang="zh").value == read
    else:
        with pytest.raises(FieldProblem):
            read_cell(field, typed, lang="zh")


@pytest.mark.parametrize("typed", ["Meeting", "face to face", "On site", "面访"])
def test_a_face_to_face_visit_as_an_en_rep_writes_it_is_read(typed: str) -> None:
    """An en rep wrote Meeting for a visit: refused as "not one of the allowed values" (the trial's en week)."""
    [field] = [f for f in load_form("visit_record").section("visits").fields if f.key == "method"]
    assert read_cell(field, typed, lang="en").value == "Face-to-face"


def test_a_unit_is_left_out_of_the_spec_hash() -> None:
    """Forms in circulation keep their hash: the unit changes how a cell is read, not the form a rep holds."""
    spec = load_form("customer_card")
    plain = dataclasses.replace(
        spec,
        sections=tuple(
            dataclasses.replace(s, fields=tuple(dataclasses.replace(f, unit=None) for f in s.fields))
            for s in spec.sections
        ),
    )
    assert spec.hash == plain.hash


# --- a formula typed into a text field ----------------------------------------------------------------------------

LINK = '=HYPERLINK("http://evil.example","点击")'


def _daily_with_formula(tmp_path: Path, formula: str = LINK) -> Path:
    """A daily report whose 拜访内容 holds a formula (openpyxl writes it without the value it shows)."""
    form = fill_form(
        blank_form("daily_report", context=WEEK),
        header={"rep": "张三", "region": "华东", "report_date": "2026-11-24"},
        rows={"visits": [{"customer_id": "C0012", "purpose": "收款", "content": "收款", "order_amount": 1000}]},
    )
    book = openpyxl.load_workbook(io.BytesIO(form))
    sheet = next(ws for ws in book.worksheets if "t_visits" in ws.tables)
    sheet["F12"] = formula
    typed = tmp_path / "typed" / "daily_formula.xlsx"
    typed.parent.mkdir(exist_ok=True)
    book.save(typed)
    return typed


@pytest.mark.libreoffice
@pytest.mark.parametrize("suffix", ["xlsx", "ods", "xls"])
def test_a_formula_in_a_text_field_is_stored_as_its_text_with_a_warning(
    master: Path, inbox: Path, tmp_path: Path, libreoffice: Callable[..., Path], suffix: str
) -> None:
    libreoffice(_daily_with_formula(tmp_path), suffix, inbox)  # LibreOffice works out what it shows
    [outcome] = consolidate(inbox, master, now=NOW).outcomes
    assert (outcome.status, outcome.errors) == ("accepted", [])
    assert load_store(master).frame("Visits")["content"].tolist() == [LINK]  # what the rep typed, as text
    formula = _at(outcome, "F12")
    assert (formula.severity, formula.field_label("zh"), formula.value) == ("warning", "拜访内容", LINK)
    # what the link shows, from the .xls too (LibreOffice keeps 0 there as its value: below)
    assert formula.zh == f"单元格填的是公式 {LINK}（显示为 点击）：按公式原文作为文本保存，不作为公式"


@pytest.mark.libreoffice
@pytest.mark.parametrize(
    ("typed", "shows"),
    [(LINK, "点击"), ('=HYPERLINK("http://evil.example/x")', "http://evil.example/x"), ('=CONCATENATE("a","b")', "ab")],
)
def test_an_xls_text_formula_is_quoted_with_the_text_it_shows_not_the_0_the_file_keeps(
    master: Path, inbox: Path, tmp_path: Path, libreoffice: Callable[..., Path], typed: str, shows: str
) -> None:
    """LibreOffice saves a text formula of a text-formatted cell (the form's text fields) into an .xls with the number
    0 as its value and no STRING record with its text, though it shows the link's name or the joined text, in the
    sheet and when it opens the .xls again: the report quoted "(showing 0)" where the .xlsx and .ods said what the
    cell shows. A formula of constants shows what its text says; that is quoted."""
    xls = libreoffice(_daily_with_formula(tmp_path, typed), "xls", inbox)
    held = xls_formulas(xls.read_bytes(), form_sheet_name(load_form("daily_report"), "zh"), [(11, 5)])
    assert held == {(11, 5): typed[1:]}
    [outcome] = consolidate(inbox, master, now=NOW).outcomes
    assert load_store(master).frame("Visits")["content"].tolist() == [typed]
    assert _at(outcome, "F12").en == (
        f"the cell holds the formula {typed} (showing {shows}): stored as its text, never as a formula"
    )


def test_a_formula_saved_without_the_value_it_shows_is_stored_as_its_text_with_a_warning(
    master: Path, inbox: Path, tmp_path: Path
) -> None:
    # A file a program wrote (openpyxl here) keeps no value for the formula: calamine read the cell blank, and the
    # visit was stored with no 拜访内容 and no word of the formula the cell held.
    shutil.copy(_daily_with_formula(tmp_path), inbox / "daily_formula.xlsx")
    [outcome] = consolidate(inbox, master, now=NOW).outcomes
    assert (outcome.status, outcome.errors) == ("accepted", [])
    assert load_store(master).frame("Visits")["content"].tolist() == [LINK]
    formula = _at(outcome, "F12")
    assert (formula.severity, formula.field_label("zh"), formula.value) == ("warning", "拜访内容", LINK)
    assert formula.en == (
        f"the cell holds the formula {LINK}, and the file keeps no value it shows (written by a program that does "
        "not work formulas out): stored as its text, never as a formula"
    )


@pytest.mark.libreoffice
def test_a_formula_whose_text_an_xls_does_not_give_back_keeps_what_it_showed_and_says_so(
    master: Path, inbox: Path, tmp_path: Path, libreoffice: Callable[..., Path]
) -> None:
    # SQRT is left out of the functions read back from an .xls (no sales form needs it)
    libreoffice(_daily_with_formula(tmp_path, "=SQRT(4)"), "xls", inbox)
    [outcome] = consolidate(inbox, master, now=NOW).outcomes
    assert load_store(master).frame("Visits")["content"].tolist() == ["2"]
    formula = _at(outcome, "F12")
    assert formula.zh == "单元格填的是公式，此文件无法读出公式原文（显示为 2）：按显示的值保存"


@pytest.mark.libreoffice
@pytest.mark.parametrize("suffix", ["xlsx", "ods", "xls"])
def test_a_formula_in_a_retyped_workbooks_text_field_is_stored_as_its_text_with_a_warning(
    master: Path, inbox: Path, tmp_path: Path, libreoffice: Callable[..., Path], suffix: str
) -> None:
    """A rep's own workbook (no _meta, recognised by its headers) with a link typed into 回访记录 and into 主管意见:
    each is stored as the formula's text with a warning, as in a copy of the form (it was stored as 点击, what the
    link showed, without a word)."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["业务员", "张三", "期间", "2026-W48"])
    sheet.append(["回访日期", "客户编号", "客户名称", "拜访对象", "方式", "回访记录", "客户评价"])
    sheet.append(["2026-11-23", "C0012", "青岛精工", "刘总", "面谈", LINK, "良好"])
    sheet.append([])
    sheet.append(["主管意见", LINK])
    source = tmp_path / "retyped" / "自己做的表.xlsx"
    source.parent.mkdir()
    book.save(source)
    libreoffice(source, suffix, inbox)  # LibreOffice works out what the links show
    [outcome] = consolidate(inbox, master, now=NOW).outcomes
    assert (outcome.status, outcome.rows_added) == ("accepted", 1)
    assert load_store(master).frame("Visits")["content"].tolist() == [LINK]
    assert outcome.header["supervisor_opinion"] == LINK
    found = [(i.cell, i.field_label("zh"), i.value, i.severity, i.zh) for i in outcome.issues if "公式" in i.zh]
    assert found == [
        (cell, label, LINK, "warning", f"单元格填的是公式 {LINK}（显示为 点击）：按公式原文作为文本保存，不作为公式")
        for cell, label in (("B5", "主管意见"), ("F3", "回访记录"))
    ]


@pytest.mark.parametrize("typed", ["3" + " " * 30_000 + "x", "下午3点" + " " * 30_000 + "x"])
def test_a_time_cell_of_a_long_run_of_spaces_is_refused_at_once(typed: str) -> None:
    """A cell of spaces between a number and a letter took half a minute to refuse (a form of such cells, hours)."""
    [field] = [f for f in load_form("phone_followup").section("calls").fields if f.key == "time"]
    started = time.perf_counter()
    with pytest.raises(FieldProblem):
        read_cell(field, typed, lang="zh")
    assert time.perf_counter() - started < 2  # the quadratic reading took 30 s here; a linear one takes milliseconds
