"""The visits check on hand-built masters written to disk: status by the visit policy, plan against actual,
the follow-up lists, the per-rep summary, the check workbook as a document, and bad input."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from reportbook import pdf_pages, report_table, table_ref, table_rows

from keyacct_xl.cli.main import main
from keyacct_xl.demo.company import generate_demo
from keyacct_xl.errors import InputError, SpecError
from keyacct_xl.followup.check import run_visits_check
from keyacct_xl.followup.policy import load_visit_policy, master_policy
from keyacct_xl.followup.report import shown
from keyacct_xl.master.model import Master, dtype_for, empty_frame
from keyacct_xl.master.reader import load_master
from keyacct_xl.master.schema import CONTACTS, CUSTOMERS, TRANSACTIONS, VISITS, TableSchema
from keyacct_xl.master.settings import settings_from
from keyacct_xl.master.submissions import ALL_CONSOLIDATION_TABLES, WEEKLY_PLANS
from keyacct_xl.master.writer import save_master, write_tables
from keyacct_xl.output import display_width

d = pd.Timestamp
AS_OF = d("2026-11-20")  # Q4 2026 started 2026-10-01


def _frame(schema: TableSchema, rows: list[dict]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=schema.keys)
    return frame.astype({c.key: dtype_for(c.kind) for c in schema.columns})


def hand_master() -> Master:
    """Two reps; every expected figure below is counted by hand from these rows."""
    master = Master.empty()
    master.customers = _frame(
        CUSTOMERS,
        [
            {"customer_id": "K1", "name": "甲", "rep": "张三", "city": "苏州", "region": "华东", "grade": "VIP"},
            {"customer_id": "K2", "name": "乙", "rep": "张三", "city": "苏州", "region": "华东", "grade": "A"},
            {
                "customer_id": "K3",
                "name": "丙",
                "rep": "张三",
                "city": "无锡",
                "region": "华东",
                "grade": "B",
                "first_trade_date": d("2026-01-10"),
            },
            {"customer_id": "K4", "name": "丁", "rep": "李四", "city": "北京", "region": "华北", "grade": "C"},
            {"customer_id": "K5", "name": "戊", "rep": "李四", "city": "北京", "region": "华北", "grade": "A"},
        ],
    )
    master.visits = _frame(
        VISITS,
        [
            # K1 VIP: face-to-face 11-01 (+30 -> 12-01), phone 11-10 (+14 -> 11-24, due within 7 days)
            {
                "date": d("2026-11-01"),
                "customer_id": "K1",
                "rep": "张三",
                "method": "面访",
                "next_date": d("2026-11-15"),
            },
            {
                "date": d("2026-11-10"),
                "customer_id": "K1",
                "rep": "张三",
                "method": "电话",
                "next_date": d("2026-11-30"),
            },
            # K2 A: last visit 09-20 (Q3): contact due 09-20 + 21 = 10-11, before face-to-face 11-04 and 12-31
            {
                "date": d("2026-09-20"),
                "customer_id": "K2",
                "rep": "张三",
                "method": "上门拜访",
                "rating": "很差",
                "next_date": d("2026-10-01"),
            },
            # K3 B, never visited: first trade 01-10 + 45 contact days = 02-24, overdue 269 days
            # K4 C: visited 11-18 with a poor rating and no countermeasure (within the 90 days looked back)
            {"date": d("2026-11-18"), "customer_id": "K4", "rep": "李四", "method": "面谈", "rating": "差"},
            # K5 A: visited 10-05, Q4: due 10-05 + 21 contact days = 10-26
            {
                "date": d("2026-10-05"),
                "customer_id": "K5",
                "rep": "李四",
                "method": "Face-to-face",
                "next_step": "报价",
            },
            # after the check date: not known yet on 11-20
            {"date": d("2026-11-25"), "customer_id": "K3", "rep": "张三", "method": "面访"},
        ],
    )
    master.contacts = _frame(
        CONTACTS,
        [
            {"contact_id": "P1", "customer_id": "K1", "name": "王总", "birthday": d("1970-11-28")},
            {"contact_id": "P2", "customer_id": "K4", "name": "赵总", "birthday": d("1972-02-29")},
        ],
    )
    master.transactions = _frame(
        TRANSACTIONS,
        [
            {"doc_no": "S1", "date": d("2026-01-10"), "customer_id": "K3", "amount": 1000.0, "rep": "张三"},
        ],
    )
    return master


def plans() -> pd.DataFrame:
    """张三's weekly plan lines of 2026-W46 and W47."""
    lines = pd.DataFrame(
        [
            {"date": d("2026-11-09"), "customer_id": "K1", "rep": "张三", "period": "2026-W46"},  # visit 11-10: done
            {"date": d("2026-11-12"), "customer_id": "K2", "rep": "张三", "period": "2026-W46"},  # none: missed
            {"date": d("2026-11-11"), "customer_id": "K1", "rep": "张三", "period": "2026-W46"},  # the 11-10 visit is
            # taken by the nearer line above? 11-09 and 11-11 are both one day off: the first line takes it; missed
            {"date": d("2026-11-19"), "customer_id": "K3", "rep": "张三", "period": "2026-W47"},  # window open: pending
            {"date": d("2026-11-19"), "customer_id": None, "activity": "会议", "rep": "张三", "period": "2026-W47"},
        ]
    )
    return pd.concat([empty_frame(WEEKLY_PLANS), lines], ignore_index=True).astype(
        {c.key: dtype_for(c.kind) for c in WEEKLY_PLANS.columns}
    )


@pytest.fixture()
def master_file(tmp_path: Path) -> Path:
    path = save_master(hand_master(), tmp_path / "master.xlsx", backup=False)
    write_tables(path, {WEEKLY_PLANS: plans()}, lang="zh")
    return path


def test_status_follows_the_policy_by_hand(master_file: Path) -> None:
    check = run_visits_check(load_master(master_file), as_of=AS_OF)
    s = check.status.set_index("customer_id")
    assert s.loc["K1", ["last_visit", "last_face_to_face", "due_date", "due_by", "status"]].tolist() == [
        d("2026-11-10"),
        d("2026-11-01"),
        d("2026-11-24"),
        "contact",
        "due",
    ]
    assert s.loc["K2", ["due_date", "due_by", "status", "days_overdue"]].tolist() == [
        d("2026-10-11"),
        "contact",
        "overdue",
        40,
    ]  # 09-20 + 21 contact days
    assert s.loc["K3", ["due_date", "status", "days_overdue"]].tolist() == [d("2026-02-24"), "overdue", 269]
    assert pd.isna(s.loc["K3", "last_visit"])  # the 11-25 visit is after the check date
    assert s.loc["K4", ["due_date", "status"]].tolist() == [d("2027-02-16"), "ok"]  # 11-18 + 90
    assert s.loc["K5", ["due_date", "status", "days_overdue"]].tolist() == [d("2026-10-26"), "overdue", 25]


def test_quarterly_face_to_face_rule_and_settings_override() -> None:
    master = hand_master()
    # only phone calls this quarter for an A customer: due by the quarter's end at the latest
    master.visits = _frame(
        VISITS,
        [
            {"date": d("2026-09-30"), "customer_id": "K2", "rep": "张三", "method": "面访"},
            {"date": d("2026-12-15"), "customer_id": "K2", "rep": "张三", "method": "电话"},  # contact due 2027-01-05
        ],
    )
    master.customers.loc[master.customers["customer_id"] == "K2", "grade"] = "A"
    policy = load_visit_policy()
    s = run_visits_check(master, as_of=d("2026-12-20"), plans={}).status.set_index("customer_id")
    # 09-30 + 45 = 11-14 (face-to-face) comes before the quarter's end
    assert s.loc["K2", ["due_date", "due_by"]].tolist() == [d("2026-11-14"), "face_to_face"]
    master.settings = settings_from({"visit_days_a": 120})  # the Settings sheet moves A to 120 days
    s = run_visits_check(master, as_of=d("2026-12-20"), plans={}).status.set_index("customer_id")
    assert s.loc["K2", ["due_date", "due_by"]].tolist() == [d("2026-12-31"), "quarter"]
    assert policy.interval("A").face_to_face == 45 and master_policy(master.settings).interval("A").face_to_face == 120


def test_plan_execution_counts_match_the_hand_built_master(master_file: Path) -> None:
    check = run_visits_check(load_master(master_file), as_of=AS_OF)
    plan = check.plan.sort_values(["planned_date", "customer_id"], kind="stable")
    assert list(zip(plan["customer_id"], plan["status"])) == [
        ("K1", "done"),
        ("K1", "missed"),
        ("K2", "missed"),
        ("K3", "pending"),
    ]
    assert plan["visit_date"].dropna().tolist() == [d("2026-11-10")]
    # 张三's visits in W46/W47 that no line asked for: none (the 11-10 visit fulfilled a line); 李四 planned nothing
    assert check.unplanned.empty
    reps = check.reps.set_index("rep")
    assert reps.loc["张三", ["plan_done", "plan_missed", "plan_pending", "unplanned"]].tolist() == [1, 2, 1, 0]
    assert reps.loc["李四", ["plan_done", "plan_missed", "plan_pending", "unplanned"]].tolist() == [0, 0, 0, 0]


def test_unplanned_visits_in_a_planned_week(tmp_path: Path) -> None:
    master = hand_master()
    extra = _frame(VISITS, [{"date": d("2026-11-13"), "customer_id": "K2", "rep": "张三", "method": "面访"}])
    master.visits = pd.concat([master.visits, extra], ignore_index=True)
    path = save_master(master, tmp_path / "master.xlsx", backup=False)
    write_tables(path, {WEEKLY_PLANS: plans()}, lang="zh")
    check = run_visits_check(load_master(path), as_of=AS_OF)
    # 11-13 is one day from K2's line of 11-12: that line is done now, nothing unplanned
    assert check.reps.set_index("rep").loc["张三", ["plan_done", "plan_missed", "unplanned"]].tolist() == [2, 1, 0]
    lines = plans()
    lines = lines[lines["customer_id"] != "K2"]
    write_tables(path, {WEEKLY_PLANS: lines}, lang="zh")
    check = run_visits_check(load_master(path), as_of=AS_OF)
    assert check.unplanned[["customer_id", "date"]].values.tolist() == [["K2", d("2026-11-13")]]
    # the visit's method is headed as the Visits sheet heads it, not as the payments' method (收款方式)
    for lang, sheet, method in (("zh", "计划外拜访", "方式"), ("en", "Unplanned visits", "Method")):
        out = run_visits_check(load_master(path), as_of=AS_OF, out=tmp_path / f"check_{lang}.xlsx", lang=lang).path
        rows = table_rows(out, sheet)
        assert method in rows[0] and rows[1][rows[0].index(method)] == "面访", rows[0]


def test_rep_summary_and_follow_up_lists(master_file: Path) -> None:
    check = run_visits_check(load_master(master_file), as_of=AS_OF)
    reps = check.reps.set_index("rep")
    # 张三: VIP K1 and A K2; K1 seen face to face this quarter (11-01), K2 not (09-20)
    assert reps.loc[
        "张三", ["customers", "key_customers", "key_visited_quarter", "due", "overdue", "key_overdue"]
    ].tolist() == [3, 2, 1, 1, 2, 1]
    assert reps.loc["张三", "key_coverage_rate"] == 0.5
    key = ["customers", "key_customers", "key_visited_quarter", "key_overdue"]
    assert reps.loc["李四", key].tolist() == [2, 1, 1, 1]
    # Q4 to 11-20 is 51 days: 张三 made 2 visits (11-01, 11-10), 李四 2 (10-05, 11-18)
    assert reps.loc["张三", "visits_quarter"] == 2 and reps.loc["张三", "visits_per_week"] == round(2 / (51 / 7), 1)
    # next steps: K1's last visit promised 11-30 (not passed); K2's promised 10-01 and nothing since
    assert check.next_steps[["customer_id", "next_date", "days_overdue"]].values.tolist() == [
        ["K2", d("2026-10-01"), 50]
    ]
    # poor ratings: K4 (差, no countermeasure, within 90 days); K2's 很差 is 61 days old but has none either
    assert sorted(check.poor_visits["customer_id"]) == ["K2", "K4"]
    # greetings within 3 + 14 days of 11-20: 王总's birthday 11-28 (greet by 11-25); 赵总's 02-29 is far off
    assert check.greetings[["customer_id", "occasion", "occasion_date", "greet_by"]].values.tolist() == [
        ["K1", "birthday", d("2026-11-28"), d("2026-11-25")]
    ]
    lists = ["next_steps_overdue", "poor_without_countermeasure", "greetings_due"]
    assert reps.loc["张三", lists].tolist() == [1, 1, 1]


def test_greeting_on_29_february_in_a_common_year() -> None:
    master = hand_master()
    check = run_visits_check(master, as_of=d("2027-02-20"), plans={})
    assert check.greetings[["customer_id", "occasion_date", "greet_by"]].values.tolist() == [
        ["K4", d("2027-02-28"), d("2027-02-25")]
    ]


def test_one_rep_only_and_its_page(master_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "check.xlsx"
    check = run_visits_check(load_master(master_file), as_of=AS_OF, rep="李四", out=out)
    assert set(check.status["rep"]) == {"李四"} and list(check.reps["rep"]) == ["李四"]
    assert check.plan.empty and check.next_steps.empty and list(check.poor_visits["customer_id"]) == ["K4"]
    assert openpyxl.load_workbook(out).sheetnames[:2] == ["业务员汇总", "李四"]


def test_check_workbook_is_a_document(master_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "check.xlsx"
    run_visits_check(load_master(master_file), as_of=AS_OF, out=out)
    book = openpyxl.load_workbook(out)
    assert book.sheetnames == [
        "业务员汇总",
        "张三",
        "李四",
        "客户回访状态",
        "计划执行",
        "计划外拜访",
        "逾期未跟进",
        "差评未整改",
        "问候提醒",
        "待挽回客户",
    ]
    for ws in book.worksheets:
        # fitted to the page's width, or too wide to read so (18 columns) at 60 % in strips with the rep on each
        strips = ws.page_setup.scale == 60 and ws.print_title_cols is not None
        assert ws.page_setup.paperSize == 9 and (ws.sheet_properties.pageSetUpPr.fitToPage or strips), ws.title
        values = [str(c.value) for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
        # no key, no code, no True/False in a zh document
        assert not [v for v in values if "_" in v or v in ("True", "False", "ok", "due", "overdue")], ws.title
    page = book["张三"]
    # one page tall: 1 is the default of fitToHeight, which a writer may leave out; the detail sheets run on (0)
    assert page.page_setup.orientation == "portrait" and page.page_setup.fitToHeight in (None, 1)
    assert book["客户回访状态"].page_setup.fitToHeight == 0
    texts = [c.value for row in page.iter_rows() for c in row if c.value is not None]
    assert "VIP/A 逾期" in texts and "主管签字：" in texts and "K2" in texts
    status = book["客户回访状态"]
    top = table_ref(out, "客户回访状态")[1]
    header = [c.value for c in status[top]]
    assert header[:3] == ["客户编号", "客户名称", "业务员"] and "应访日期" in header and "状态" in header
    due_col = header.index("应访日期") + 1
    assert status.cell(top + 1, due_col).number_format == "yyyy-mm-dd"
    rows = range(top + 1, top + 6)
    assert {status.cell(r, header.index("状态") + 1).value for r in rows} == {"到期", "逾期", "正常"}
    names = [str(status.cell(r, 2).value) for r in range(top, status.max_row + 1) if status.cell(r, 2).value]
    assert status.column_dimensions["B"].width >= max(map(display_width, names))  # wide enough for every name
    assert status.print_title_rows == f"${top}:${top}"
    plan = book["计划执行"]
    top = table_ref(out, "计划执行")[1]
    assert [c.value for c in plan[top]] == [
        "计划来源",
        "业务员",
        "客户编号",
        "客户名称",
        "计划日期",
        "状态",
        "实际拜访日期",
    ]
    assert plan.cell(top + 1, 1).value == "周工作计划"
    assert plan.cell(top + 1, 6).value in ("已完成", "未完成", "未到期")


def every_list_master(tmp_path: Path) -> Path:
    """The hand-built master with a line on every detail sheet: K1 visited 11-17 in a planned week with no line for
    it (unplanned), K2 a large buyer of 2025 not contacted since (win-back), K4 and K5 buying every month; K2 with
    a long name."""
    master = hand_master()
    master.customers.loc[master.customers["customer_id"] == "K2", "name"] = "苏州工业园区精密机械有限公司"
    extra = _frame(VISITS, [{"date": d("2026-11-17"), "customer_id": "K1", "rep": "张三", "method": "面访"}])
    master.visits = pd.concat([master.visits, extra], ignore_index=True)
    monthly = [
        {"doc_no": f"S{c}{m}", "date": d(f"2026-{m:02d}-01"), "customer_id": c, "amount": 100.0, "rep": "李四"}
        for c in ("K4", "K5")
        for m in (9, 10, 11)
    ]
    big = {"doc_no": "S2", "date": d("2025-06-01"), "customer_id": "K2", "amount": 1_000_000.0, "rep": "张三"}
    master.transactions = pd.concat([master.transactions, _frame(TRANSACTIONS, [big, *monthly])], ignore_index=True)
    path = save_master(master, tmp_path / "master.xlsx", backup=False)
    write_tables(path, {WEEKLY_PLANS: plans()}, lang="zh")
    return path


@pytest.mark.parametrize(
    ("lang", "id_header", "name_header"), [("zh", "客户编号", "客户名称"), ("en", "Customer ID", "Customer Name")]
)
def test_every_detail_sheet_names_each_customer_beside_its_id(
    tmp_path: Path, lang: str, id_header: str, name_header: str
) -> None:
    """计划执行, 计划外拜访, 逾期未跟进, 差评未整改, 问候提醒 and 待挽回客户 show 客户名称 right after 客户编号, as
    客户回访状态 does: a supervisor reading ids alone could not tell whom to chase. The name column is wide enough
    for every name and each sheet keeps its A4 print setup."""
    path = every_list_master(tmp_path)
    out = tmp_path / f"check_{lang}.xlsx"
    check = run_visits_check(load_master(path), as_of=AS_OF, out=out, lang=lang)
    assert all(len(f) for f in (check.plan, check.unplanned, check.next_steps, check.poor_visits, check.greetings))
    assert len(check.winback)  # a line on every sheet, so each one's names are checked
    names = dict(zip(hand_master().customers["customer_id"], hand_master().customers["name"]))
    names["K2"] = "苏州工业园区精密机械有限公司"
    book = openpyxl.load_workbook(out)
    details = book.sheetnames[3:]  # after the overview and the two reps' sign-off pages
    assert len(details) == 7
    for title in details:
        rows = table_rows(out, title)
        head = list(rows[0])
        at = head.index(id_header)
        assert head[at + 1] == name_header, (title, head)
        assert head.count(name_header) == 1, title
        assert rows[1:] and all(row[at + 1] == names[row[at]] for row in rows[1:]), title
        ws = book[title]
        first, top = table_ref(out, title)[:2]
        letter = openpyxl.utils.get_column_letter(first + at + 1)
        widest = max(display_width(str(row[at + 1])) for row in rows[1:])
        # as wide as its longest name, or that name wraps in the room a name has (report.NAME_ROOM)
        assert ws.column_dimensions[letter].width >= min(widest, 30), title
        strips = ws.page_setup.scale == 60 and ws.print_title_cols is not None
        assert ws.page_setup.paperSize == 9 and (ws.sheet_properties.pageSetUpPr.fitToPage or strips), title
        assert ws.print_title_rows == f"${top}:${top}", title


def test_customer_status_prints_one_page_wide_each_customer_beside_its_status(tmp_path: Path, libreoffice) -> None:
    """客户回访状态 (15 columns) and 业务员汇总 (18) print one A4 landscape page wide, not at 60 % in two strips
    whose status columns came pages after their customers: their headers wrap on two lines, and a page of the
    status sheet holds each customer's row whole, status and days overdue on the customer's line."""
    master = save_master(generate_demo(seed=2026, customers=60), tmp_path / "master.xlsx", backup=False)
    out = tmp_path / "check.xlsx"
    run_visits_check(load_master(master), as_of=d("2026-11-27"), out=out)
    book = openpyxl.load_workbook(out)
    for name in ("客户回访状态", "业务员汇总"):
        ws = book[name]
        assert ws.page_setup.orientation == "landscape" and ws.sheet_properties.pageSetUpPr.fitToPage, name
        assert (ws.page_setup.fitToWidth in (None, 1), ws.print_title_cols) == (True, None), name
    pages = [page for page in pdf_pages(libreoffice(out, "pdf")) if "客户编号" in page and "面访应访日期" in page]
    rows = [line.split() for page in pages for line in page.splitlines() if re.match(r"\s*C\d{4}\s", line)]
    assert len(rows) == 60
    assert all(row[-2] in ("正常", "到期", "逾期") and row[-1].isdigit() for row in rows), rows[:3]


def test_english_workbook_and_csv(master_file: Path, tmp_path: Path) -> None:
    run_visits_check(load_master(master_file), as_of=AS_OF, out=tmp_path / "c.xlsx", lang="en")
    book = openpyxl.load_workbook(tmp_path / "c.xlsx")
    top = table_ref(tmp_path / "c.xlsx", "Customer status")[1]
    assert book.sheetnames[0] == "Reps" and [c.value for c in book["Customer status"][top]][-2:] == [
        "Status",
        "Days Overdue",
    ]
    run_visits_check(load_master(master_file), as_of=AS_OF, out=tmp_path / "c.csv")
    frame = pd.read_csv(tmp_path / "c.csv", encoding="utf-8-sig")
    assert list(frame.columns[:2]) == ["客户编号", "客户名称"] and set(frame["状态"]) == {"到期", "逾期", "正常"}


def test_english_sign_off_pages_print_every_label_whole(master_file: Path, tmp_path: Path, libreoffice) -> None:
    # Each rep's page has its figures' labels in column A and the values right beside them: a column narrower than
    # a label prints it cut ("Poor Visits Without Counterm"), so the widths come from the labels.
    out = tmp_path / "check_en.xlsx"
    run_visits_check(load_master(master_file), as_of=AS_OF, out=out, lang="en")
    text = subprocess.run(
        ["pdftotext", str(libreoffice(out, "pdf")), "-"], capture_output=True, text=True, check=True
    ).stdout
    pages = [page for page in text.split("\f") if "Visits check — 张三" in page or "Visits check — 李四" in page]
    assert len(pages) == 2
    for page in pages:
        assert "Poor Visits Without Countermeasure" in page and "Win-Back Not Contacted" in page
        assert "VIP/A Visited This Quarter" in page and "Supervisor:" in page


def test_cli_check_prints_a_line_per_rep(master_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["visits", "check", str(master_file), "--as-of", "2026-11-20", "--lang", "en"]) == 0
    printed = capsys.readouterr().out
    assert "visits check as of 2026-11-20: 5 customers, 1 due, 3 overdue (2 VIP/A)" in printed
    assert "  张三: 1 VIP/A overdue, 1/2 covered this quarter" in printed
    assert (master_file.parent / "visits_check_2026-11-20.xlsx").exists()


def test_a_rep_whose_name_holds_a_control_character_gets_a_page_excel_opens(tmp_path: Path) -> None:
    """A rep's name with a character XML cannot hold (a BEL typed or pasted into the master) became the name of the
    rep's page raw in workbook.xml: a workbook Excel and every reader refuse as damaged."""
    master = hand_master()
    for table in (master.customers, master.visits):
        table["rep"] = table["rep"].replace({"张三": "张\x07三"})
    path = save_master(master, tmp_path / "master.xlsx", backup=False)
    assert main(["visits", "check", str(path), "--as-of", "2026-11-20", "--lang", "en"]) == 0
    book = openpyxl.load_workbook(path.parent / "visits_check_2026-11-20.xlsx")
    assert "张_三" in book.sheetnames
    assert not [n for n in book.sheetnames if any(ord(ch) < 32 for ch in n)]


def test_a_customer_without_a_rep_is_listed_under_no_rep_never_nan(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Customers imported from a list without a rep were printed under a rep called "nan", in zh and en."""
    master = hand_master()
    master.customers.loc[master.customers["customer_id"] == "K5", "rep"] = None
    path = save_master(master, tmp_path / "master.xlsx", backup=False)
    for lang, label in (("en", "No rep"), ("zh", "未分配业务员")):
        assert main(["visits", "check", str(path), "--as-of", "2026-11-20", "--lang", lang]) == 0
        printed = capsys.readouterr().out
        assert "nan" not in printed and f"  {label}" in printed


def test_bad_input_is_one_line(master_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["visits", "check", str(master_file), "--rep", "王五"]) == 2
    assert (
        capsys.readouterr().err.strip() == "keyacct-xl: 客户档案中没有业务员 '王五'；已有的业务员：张三、李四"
    )  # zh lists with 、
    assert main(["visits", "check", str(master_file), "--as-of", "2025-12-31", "--lang", "en"]) == 2
    assert capsys.readouterr().err.strip() == (
        "keyacct-xl: --as-of 2025-12-31 is before any data: Visits and Transactions start on 2026-01-10"
    )
    with pytest.raises(InputError, match="no dated rows"):
        run_visits_check(Master.empty(), plans={})
    twice = hand_master()
    twice.customers = pd.concat([twice.customers, twice.customers.iloc[[0]]], ignore_index=True)
    with pytest.raises(InputError, match=r"客户档案: customer id\(s\) K1 appear more than once; the visits check"):
        run_visits_check(twice, plans={})


def test_a_policy_typo_names_the_key_and_the_file(
    tmp_path: Path, master_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shipped = Path(load_visit_policy().source).read_text(encoding="utf-8")
    bad = tmp_path / "my_visits.yaml"
    bad.write_text(
        shipped.replace("A: {face_to_face: 45, contact: 21", "A: {face_to_face: 45, contcat: 21"), encoding="utf-8"
    )
    with pytest.raises(SpecError) as info:
        load_visit_policy(bad)
    assert info.value.en.startswith(f"{bad}: intervals.A.contcat: unknown key")
    bad.write_text(shipped.replace("face_to_face: [面谈]", "face_to_face: [面淡]"), encoding="utf-8")
    assert main(["visits", "check", str(master_file), "--policy", str(bad), "--lang", "en"]) == 2
    assert f"{bad}: methods.face_to_face[0]: '面淡' is not in the list" in capsys.readouterr().err
    bad.write_text(shipped.replace("due_within_days: 7", "due_within_days: seven"), encoding="utf-8")
    with pytest.raises(SpecError, match=r"my_visits.yaml: due_within_days: expected a whole number"):
        load_visit_policy(bad)
    with pytest.raises(SpecError, match="policy file not found"):
        load_visit_policy(tmp_path / "none.yaml")


def test_a_bad_settings_cell_names_it(tmp_path: Path) -> None:
    master = hand_master()
    master.settings = settings_from({"company_name": "甲公司"})
    path = save_master(master, tmp_path / "master.xlsx", backup=False)
    book = openpyxl.load_workbook(path)
    ws = book["参数设置"]
    row = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == "每日面访上限")
    ws.cell(row, 2).value = "六"
    book.save(path)
    with pytest.raises(InputError, match=rf"参数设置!B{row} \(Visits per Day\): '六' is not a whole number"):
        load_master(path)


def test_a_visit_interval_of_no_days_names_the_setting_as_the_sheet_does() -> None:
    with pytest.raises(SpecError) as info:
        master_policy(settings_from({"visit_days_vip": 0}))
    assert info.value.en == "Settings: VIP Visit Days must be 1 day or more, not 0"
    assert info.value.zh.startswith("参数设置：VIP 面访周期")


def test_visit_plan_lines_count_in_plan_execution(tmp_path: Path) -> None:
    """A visit plan (VisitPlans, from the visit plan and visit programme forms) is planned work like a weekly plan."""
    path = save_master(hand_master(), tmp_path / "master.xlsx", backup=False)
    visit_plans = ALL_CONSOLIDATION_TABLES["VisitPlans"]
    lines = pd.DataFrame(
        [
            {"planned_date": d("2026-11-09"), "customer_id": "K1", "rep": "张三", "period": "2026-W46"},  # 11-10: done
            {"planned_date": d("2026-11-04"), "customer_id": "K2", "rep": "张三", "period": "2026-W45"},  # none: missed
        ]
    )
    write_tables(
        path,
        {
            visit_plans: pd.concat([empty_frame(visit_plans), lines], ignore_index=True).astype(
                {c.key: dtype_for(c.kind) for c in visit_plans.columns}
            )
        },
        lang="zh",
    )
    check = run_visits_check(load_master(path), as_of=AS_OF)
    plan = check.plan.sort_values("planned_date", kind="stable")
    assert list(zip(plan["customer_id"], plan["status"])) == [("K2", "missed"), ("K1", "done")]
    assert check.reps.set_index("rep").loc["张三", ["plan_done", "plan_missed"]].tolist() == [1, 1]


def test_the_win_back_list_shows_rfm_classes_in_the_users_language() -> None:
    frame = pd.DataFrame({"rfm_class": ["important_winback", "important_retention"]})
    assert shown(frame, "zh")["rfm_class"].tolist() == ["重要挽留客户", "重要保持客户"]
    assert shown(frame, "en")["rfm_class"].tolist() == ["Important win-back", "Important retention"]


def test_every_printed_page_has_the_documents_footer(master_file: Path, tmp_path: Path, libreoffice) -> None:
    """The reps' sign-off pages end as every page does, 第 N 页，共 M 页 (the trial's read 客户回访检查 第3 页)."""
    out = tmp_path / "check.xlsx"
    run_visits_check(load_master(master_file), as_of=AS_OF, out=out)
    pages = pdf_pages(libreoffice(out, "pdf"))
    signed = [page for page in pages if "主管签字：" in page]
    assert len(signed) == 2 and all(re.search(r"第 \d+ 页，共 \d+ 页", page) for page in pages)


def test_english_statuses_and_due_rules_read_as_labels_not_codes(master_file: Path, tmp_path: Path) -> None:
    """The trial's English Customer status sheet showed "ok" / "overdue" and "contact interval" / "face-to-face
    interval", the codes' words in lower case, and Plan execution "done" / "missed"."""
    out = tmp_path / "c.xlsx"
    run_visits_check(load_master(master_file), as_of=AS_OF, out=out, lang="en")
    status = report_table(out, "Customer status")
    assert set(status["Status"]) == {"OK", "Due", "Overdue"}
    assert set(status["Due By"]) <= {"Face-to-face interval", "Contact interval", "No visit this quarter"}
    assert set(report_table(out, "Plan execution")["Status"]) <= {"Done", "Missed", "Pending"}
