"""The complaint and service register on hand-built masters written to disk: the 24-hour containment and the
ten-working-day closure at their boundaries (a minute either side, a deadline across a holiday), the warranty,
complaints per customer, the register as a document, and bad calendars."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from reportbook import printed_across, table_ref, table_rows

from keyacct_xl.cli.main import main
from keyacct_xl.consolidate.store import load_store
from keyacct_xl.errors import SpecError
from keyacct_xl.master.followthrough import COMPLAINTS, SERVICE_REQUESTS
from keyacct_xl.master.model import Master, dtype_for
from keyacct_xl.master.schema import CUSTOMERS, VISITS, TableSchema
from keyacct_xl.master.writer import save_master, write_tables
from keyacct_xl.performance.complaints import (
    complaint_register,
    complaints_per_customer,
    load_deadline_policy,
    service_register,
)
from keyacct_xl.performance.workdays import load_workdays

d = pd.Timestamp
HOLIDAY_CALENDAR = """
name: test
title: {zh: 测试日历, en: Test calendar}
holidays: [2026-10-01..2026-10-07]
working_weekends: [2026-10-10]
"""
POLICY = """
name: complaints
title: {zh: 测试期限, en: Test deadlines}
workdays: calendar.yaml
containment_hours: 24
closure_working_days: 10
service_working_days: 3
warranty_months: 12
"""


def _frame(schema: TableSchema, rows: list[dict]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=schema.keys)
    return frame.astype({c.key: dtype_for(c.kind) for c in schema.columns})


def customers() -> pd.DataFrame:
    return _frame(
        CUSTOMERS,
        [
            {"customer_id": "K1", "name": "甲公司", "rep": "张三"},
            {"customer_id": "K2", "name": "乙公司", "rep": "李四"},
        ],
    )


def complaint(no: str, received: pd.Timestamp, **more: object) -> dict:
    return {"complaint_no": no, "received_date": received, "customer_id": "K1", "customer_name": "甲公司", **more}


@pytest.fixture
def policy(tmp_path: Path):
    (tmp_path / "calendar.yaml").write_text(HOLIDAY_CALENDAR, encoding="utf-8")
    (tmp_path / "deadlines.yaml").write_text(POLICY, encoding="utf-8")
    return load_deadline_policy(tmp_path / "deadlines.yaml")


def test_containment_is_overdue_a_minute_after_24_hours_not_a_minute_before(policy) -> None:
    received = d("2026-11-24 10:00")
    rows = _frame(COMPLAINTS, [complaint("T1", received)])
    before = complaint_register(rows, customers(), as_of=received + pd.Timedelta("23h59min"), policy=policy)
    after = complaint_register(rows, customers(), as_of=received + pd.Timedelta("24h01min"), policy=policy)
    assert before.loc[0, "containment_due"] == d("2026-11-25 10:00")
    assert before.loc[0, "containment"] == "open" and after.loc[0, "containment"] == "overdue"


def test_containment_done_a_minute_either_side_of_24_hours(policy) -> None:
    received = d("2026-11-24 10:00")
    rows = _frame(
        COMPLAINTS,
        [
            complaint("T1", received, contained_date=received + pd.Timedelta("23h59min")),
            complaint("T2", received, contained_date=received + pd.Timedelta("24h01min")),
        ],
    )
    register = complaint_register(rows, customers(), as_of=d("2026-12-31"), policy=policy).set_index("complaint_no")
    assert register.loc["T1", "containment"] == "on_time" and register.loc["T2", "containment"] == "late"


def test_a_date_without_a_time_contained_the_next_day_is_in_time(policy) -> None:
    rows = _frame(
        COMPLAINTS,
        [
            complaint("T1", d("2026-11-24"), contained_date=d("2026-11-25")),
            complaint("T2", d("2026-11-24"), contained_date=d("2026-11-26")),
        ],
    )
    register = complaint_register(rows, customers(), as_of=d("2026-12-31"), policy=policy).set_index("complaint_no")
    assert list(register["containment"]) == ["on_time", "late"]


def test_closure_deadline_counts_working_days_across_the_national_day_holiday(policy) -> None:
    # Received Wed 09-30; 10-01..07 off; working days 10-08 (1), 09 (2), Sat 10-10 worked (3), 12..16 (4..8),
    # 19 (9), 20 (10): due by the end of Tue 2026-10-20.
    rows = _frame(COMPLAINTS, [complaint("T1", d("2026-09-30 16:00"))])
    at_end = complaint_register(rows, customers(), as_of=d("2026-10-20 23:59"), policy=policy)
    next_day = complaint_register(rows, customers(), as_of=d("2026-10-21 00:01"), policy=policy)
    assert at_end.loc[0, "closure_due"] == d("2026-10-20")
    assert at_end.loc[0, "closure"] == "open" and next_day.loc[0, "closure"] == "overdue"
    closed = _frame(
        COMPLAINTS,
        [
            complaint("T1", d("2026-09-30"), closed_date=d("2026-10-20 18:00")),
            complaint("T2", d("2026-09-30"), closed_date=d("2026-10-21")),
        ],
    )
    done = complaint_register(closed, customers(), as_of=d("2026-12-31"), policy=policy).set_index("complaint_no")
    assert done.loc["T1", "closure"] == "on_time" and done.loc["T2", "closure"] == "late"


def test_without_the_holiday_ten_working_days_are_two_weeks() -> None:
    calendar = load_workdays()
    assert calendar.add_working_days(dt.date(2026, 11, 24), 10) == dt.date(2026, 12, 8)
    assert calendar.add_working_days(dt.date(2026, 11, 24), 0) == dt.date(2026, 11, 24)
    # the shipped calendar holds the 2026 National Day holiday and the Saturday worked after it
    assert calendar.add_working_days(dt.date(2026, 9, 30), 10) == dt.date(2026, 10, 20)


def test_service_requests_warranty_and_due_date(policy) -> None:
    requests = _frame(
        SERVICE_REQUESTS,
        [
            {
                "request_no": "S1",
                "request_date": d("2026-11-25"),
                "customer_id": "K2",
                "purchase_date": d("2025-11-26"),
            },
            {
                "request_no": "S2",
                "request_date": d("2026-11-26"),
                "customer_id": "K2",
                "purchase_date": d("2025-11-26"),
                "closed_date": d("2026-12-02"),
            },
            {"request_no": "S3", "request_date": d("2026-11-26"), "customer_id": "K2"},
        ],
    )
    register = service_register(requests, customers(), as_of=d("2026-12-01 23:59"), policy=policy)
    register = register.set_index("request_no")
    assert register.loc["S1", "warranty_until"] == d("2026-11-25")  # twelve months from 2025-11-26, that day last
    assert register.loc["S1", "in_warranty"] is True and register.loc["S2", "in_warranty"] is False
    assert register.loc["S3", "in_warranty"] is None
    # three working days after Wed 11-25: Thu, Fri, Mon 11-30; after Thu 11-26: Fri, Mon, Tue 12-01
    assert register.loc["S1", "due_date"] == d("2026-11-30") and register.loc["S1", "closure"] == "overdue"
    assert register.loc["S2", "closure"] == "late" and register.loc["S3", "closure"] == "open"
    assert register.loc["S1", "rep"] == "李四" and register.loc["S1", "age_days"] == 6


def test_complaints_per_customer_count_open_and_missed_deadlines(policy) -> None:
    rows = _frame(
        COMPLAINTS,
        [
            complaint("T1", d("2026-11-02"), contained_date=d("2026-11-02"), closed_date=d("2026-11-10")),
            complaint("T2", d("2026-11-20"), contained_date=d("2026-11-23")),
            {**complaint("T3", d("2026-11-24")), "customer_id": "K2", "customer_name": "乙公司"},
        ],
    )
    register = complaint_register(rows, customers(), as_of=d("2026-11-24 12:00"), policy=policy)
    assert list(register["complaint_no"]) == ["T2", "T3", "T1"]  # open ones first, oldest first
    counts = complaints_per_customer(register).set_index("customer_id")
    assert counts.loc["K1", ["complaints", "open", "deadlines_missed"]].tolist() == [2, 1, 1]
    assert counts.loc["K2", ["complaints", "open", "deadlines_missed"]].tolist() == [1, 1, 0]


def hand_master(tmp_path: Path) -> Path:
    master = Master.empty()
    master.customers = customers()
    master.visits = _frame(VISITS, [{"date": d("2026-11-20"), "customer_id": "K1", "rep": "张三"}])
    path = save_master(master, tmp_path / "master.xlsx", backup=False)
    write_tables(
        path,
        {
            COMPLAINTS: _frame(
                COMPLAINTS,
                [
                    complaint(
                        "T1", d("2026-11-24"), severity="中", owner_department="品质部", d6_verification="已验证"
                    ),
                    complaint("T2", d("2026-11-02"), contained_date=d("2026-11-02"), closed_date=d("2026-11-10")),
                ],
            ),
            SERVICE_REQUESTS: _frame(
                SERVICE_REQUESTS,
                [
                    {
                        "request_no": "S1",
                        "request_date": d("2026-11-23"),
                        "customer_id": "K2",
                        "status": "处理中",
                        "purchase_date": d("2026-03-12"),
                    }
                ],
            ),
        },
        lang="zh",
        backup=False,
    )
    return path


def test_cli_writes_the_register_as_a_zh_document(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = hand_master(tmp_path)
    out = tmp_path / "register.xlsx"
    assert main(["complaints", str(path), "--as-of", "2026-12-09", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "投诉 2 件，未结案 1，围堵逾期 1，结案逾期 1" in printed and "售后服务 1 单，未完成 1，逾期 1" in printed
    assert "T1 甲公司（张三）：2026-11-24 接收，已 15 天" in printed
    book = openpyxl.load_workbook(out)
    assert book.sheetnames == ["投诉台账", "售后服务台账", "客户投诉统计"]
    ws = book["投诉台账"]
    top = table_ref(out, "投诉台账")[1]
    headers = [c.value for c in ws[top]]
    assert headers[:5] == ["投诉编号", "接收日期", "客户编号", "客户名称", "业务员"]
    row = dict(zip(headers, [c.value for c in ws[top + 1]], strict=True))
    assert row["D3 围堵"] == "已逾期" and row["D8 结案"] == "已逾期" and row["D6 已验证"] == "是"
    assert row["结案期限"] == dt.datetime(2026, 12, 8) and ws.cell(
        top + 1, headers.index("结案期限") + 1
    ).number_format == ("yyyy-mm-dd")
    done = dict(zip(headers, [c.value for c in ws[top + 2]], strict=True))
    assert done["D3 围堵"] == "按期完成" and done["D8 结案"] == "按期完成" and done["D6 已验证"] == "否"
    service = book["售后服务台账"]
    top = table_ref(out, "售后服务台账")[1]
    assert [c.value for c in service[top]][9] == "保修期内" and service.cell(top + 1, 10).value == "是"
    # a service request has no 8D steps: its deadline column is not named after D8 (found by a trial)
    service_headers = [c.value for c in service[top]]
    assert not any(str(h).startswith("D") and str(h)[1:2].isdigit() for h in service_headers)
    assert "结案情况" in service_headers
    for sheet in book:
        assert sheet.page_setup.paperSize == 9 and sheet.page_setup.orientation == printed_across(sheet)
        top = table_ref(out, sheet.title)[1]
        assert sheet.print_title_rows == f"${top}:${top}" and sheet.column_dimensions["A"].width > 8
        values = [c.value for r in sheet.iter_rows() for c in r]
        assert not any(isinstance(v, bool) or v in ("True", "False", "on_time", "overdue") for v in values)


def test_the_register_names_a_customer_the_form_gave_only_by_id(tmp_path: Path) -> None:
    """A complaint and a service request consolidated from forms where the rep picked the customer from the list
    (the id kept, the name cell blank) printed a blank 客户名称; the register takes the name from Customers."""
    path = hand_master(tmp_path)
    by_id = complaint("T3", d("2026-12-01"), customer_id="K2", customer_name=None)
    complaints = pd.concat([load_store(path).frame(COMPLAINTS.name), _frame(COMPLAINTS, [by_id])], ignore_index=True)
    write_tables(path, {COMPLAINTS: complaints}, lang="zh", backup=False)
    out = tmp_path / "register.xlsx"
    assert main(["complaints", str(path), "--as-of", "2026-12-09", "--out", str(out)]) == 0
    named = {}
    for sheet in ("投诉台账", "售后服务台账"):
        header, *rows = table_rows(out, sheet)
        named.update({row[0]: row[header.index("客户名称")] for row in rows})
    assert named == {"T1": "甲公司", "T2": "甲公司", "T3": "乙公司", "S1": "乙公司"}


def test_cli_default_cut_off_is_the_latest_day_in_the_data(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = hand_master(tmp_path)
    assert main(["complaints", str(path), "--lang", "en"]) == 0
    printed = capsys.readouterr().out
    assert "complaint register as of 2026-11-24 23:59" in printed
    assert (tmp_path / "complaints_2026-11-24.xlsx").exists()


def test_cli_cut_off_with_a_time(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = hand_master(tmp_path)
    assert main(["complaints", str(path), "--as-of", "2026-11-24 23:59", "--lang", "en"]) == 0
    assert "containment overdue 0" in capsys.readouterr().out
    assert main(["complaints", str(path), "--as-of", "2026-11-25 00:01", "--lang", "en"]) == 0
    assert "containment overdue 1" in capsys.readouterr().out
    assert main(["complaints", str(path), "--as-of", "2026-11-25 25:01", "--lang", "en"]) == 2
    assert "--as-of: '2026-11-25 25:01' is no date and time" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("holidays: [2026/10/01]\nworking_weekends: []", "holidays[0]: expected a date"),
        ("holidays: []\nworking_weekends: [2026-10-09]", "working_weekends[0]: 2026-10-09 is a weekday"),
        ("holidays: [2026-10-07..2026-10-01]\nworking_weekends: []", "holidays[0]: the range"),
        ("holidays: []", "working_weekends: is required"),
    ],
)
def test_a_bad_calendar_names_the_file_and_the_key(tmp_path: Path, text: str, problem: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(SpecError) as caught:
        load_workdays(path)
    assert str(path) in caught.value.en and problem in caught.value.en


def test_cli_csv_holds_the_complaints_with_zh_headers_and_labels(tmp_path: Path) -> None:
    path = hand_master(tmp_path)
    out = tmp_path / "register.csv"
    assert main(["complaints", str(path), "--as-of", "2026-12-09", "--out", str(out)]) == 0
    text = out.read_text(encoding="utf-8-sig").splitlines()
    assert text[0].startswith("投诉编号,接收日期,客户编号") and len(text) == 3
    assert "已逾期" in text[1] and "2026-12-08" in text[1] and "overdue" not in text[1]
