"""The missing-reports check on a hand-built master written to disk: which submissions are due in a month or a
week by the submission calendar, each matched with the ledger (on time, late, missing, not yet due), the counts per
rep against a hand count, the check as a zh document, and bad input."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from reportbook import printed_across, report_table, table_ref

from keyacct_xl.cli.main import main
from keyacct_xl.consolidate.store import load_store
from keyacct_xl.errors import InputError, SpecError
from keyacct_xl.forms.catalog import load_form
from keyacct_xl.master.model import Master, dtype_for
from keyacct_xl.master.schema import CUSTOMERS, TableSchema
from keyacct_xl.master.settings import settings_from
from keyacct_xl.master.submissions import LEDGER
from keyacct_xl.master.writer import save_master, write_tables
from keyacct_xl.performance.reports_check import run_submissions_check
from keyacct_xl.performance.submissions import expected_submissions, load_submission_calendar

FORMS = "weekly_plan,visit_record,daily_report,monthly_plan,competitor_report"


def _frame(schema: TableSchema, rows: list[dict]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=schema.keys)
    return frame.astype({c.key: dtype_for(c.kind) for c in schema.columns})


def entry(
    form: str, period: str | None, at: str, status: str = "已接收", key: str | None = None, rep: str = "张三"
) -> dict:
    """A ledger row as the zh master shows it: the form by its title, the status by its label."""
    return {
        "file_sha256": f"{form}{period}{key}{at}",
        "file_name": f"{rep}/{form}_{period or key}.xlsx",
        "form": load_form(form).title.zh,
        "rep": rep,
        "period": period,
        "key": key or period,
        "status": status,
        "consolidated_at": at,
    }


def hand_master(tmp_path: Path, forms: str = FORMS) -> Path:
    """张三 handed in some forms of 2026-11, 李四 none; 王五 files but has no customer."""
    master = Master.empty(settings=settings_from({"rep_forms": forms}))
    master.customers = _frame(
        CUSTOMERS,
        [
            {"customer_id": "K1", "name": "甲", "rep": "张三"},
            {"customer_id": "K2", "name": "乙", "rep": "李四"},
            {"customer_id": "K3", "name": "丙", "rep": "张三"},
        ],
    )
    path = save_master(master, tmp_path / "master.xlsx", backup=False)
    write_tables(
        path,
        {
            LEDGER: _frame(
                LEDGER,
                [
                    entry("weekly_plan", "2026-W45", "2026-11-02 18:00:00", status="待审核"),  # due Mon 11-02: on time
                    entry("weekly_plan", "2026-W46", "2026-11-09 08:00:00", status="拒收"),  # rejected: still missing
                    entry("weekly_plan", "2026-W47", "2026-11-17 09:00:00"),  # due 11-16: one day late
                    entry("weekly_plan", "2026-W48", "2026-11-23 09:00:00"),  # due 11-23: on time
                    entry("visit_record", "2026-W46", "2026-11-16 17:00:00"),  # due Mon 11-16 (the week after): on time
                    entry(
                        "visit_record", "2026-W46", "2026-11-20 17:00:00", status="部分接收"
                    ),  # a later copy: the first counts
                    entry("visit_record", "2026-W47", "2026-11-25 10:00:00"),  # due 11-23: two days late
                    entry(
                        "daily_report", "2026-W48", "2026-11-25 19:00:00", key="2026-11-25"
                    ),  # the day itself: on time
                    entry("monthly_plan", "2026-12", "2026-11-24 12:00:00"),  # December's plan, due 11-25: on time
                    entry("weekly_plan", "2026-W48", "2026-11-23 09:00:00", rep="王五"),
                ],
            )
        },
        lang="zh",
        backup=False,
    )
    return path


def test_expected_submissions_of_a_month_by_the_calendar() -> None:
    calendar = load_submission_calendar()
    due = expected_submissions(
        ["张三"], FORMS.split(","), calendar, first=dt.date(2026, 11, 1), last=dt.date(2026, 11, 30)
    )
    by_form = {form: list(rows["instance"]) for form, rows in due.groupby("form", sort=False)}
    # Mondays 11-02..11-30; a visit record is due the Monday after its week (W44's on 11-02, W48's on 11-30)
    assert by_form["weekly_plan"] == ["2026-W45", "2026-W46", "2026-W47", "2026-W48", "2026-W49"]
    assert by_form["visit_record"] == ["2026-W44", "2026-W45", "2026-W46", "2026-W47", "2026-W48"]
    assert len(by_form["daily_report"]) == 21  # 30 days less 4 Saturdays and 5 Sundays, no holiday in November
    assert by_form["monthly_plan"] == ["2026-12"] and by_form["competitor_report"] == ["2026-11"]
    assert set(due.loc[due["form"] == "monthly_plan", "due_date"]) == {pd.Timestamp("2026-11-25")}


def test_each_submission_on_time_late_missing_or_not_yet_due(tmp_path: Path) -> None:
    store = load_store(hand_master(tmp_path))
    check = run_submissions_check(store.frames, store.settings, period="2026-11", as_of=pd.Timestamp("2026-11-25"))
    detail = check.detail.set_index(["rep", "form", "instance"])["submission"]
    assert detail[("张三", "weekly_plan", "2026-W45")] == "on_time"  # waiting for review still came in
    assert detail[("张三", "weekly_plan", "2026-W46")] == "missing"  # rejected
    assert detail[("张三", "weekly_plan", "2026-W47")] == "late"
    assert detail[("张三", "weekly_plan", "2026-W49")] == "pending"
    assert detail[("张三", "visit_record", "2026-W46")] == "on_time"
    assert detail[("张三", "daily_report", "2026-11-25")] == "on_time"
    assert detail[("张三", "daily_report", "2026-11-24")] == "missing"
    assert detail[("李四", "daily_report", "2026-11-25")] == "missing"  # its day is over at the day's end
    assert detail[("李四", "daily_report", "2026-11-26")] == "pending"
    late = check.detail[check.detail["submission"] == "late"].set_index(["form", "instance"])["days_late"]
    assert late.to_dict() == {("weekly_plan", "2026-W47"): 1, ("visit_record", "2026-W47"): 2}
    # by hand: 张三 weekly 2 on time, 1 late, 1 missing, 1 pending; visit 1/1/2/1; daily 1 on time, 17 missing,
    # 3 pending (11-26, 27, 30); monthly plan on time; competitor report missing. 李四: everything due is missing.
    reps = check.reps.set_index("rep")
    assert reps.loc["张三", ["expected", "on_time", "late", "missing", "pending"]].tolist() == [28, 5, 2, 21, 5]
    assert reps.loc["李四", ["expected", "on_time", "late", "missing", "pending"]].tolist() == [28, 0, 0, 28, 5]
    assert reps.loc["张三", "on_time_rate"] == pytest.approx(5 / 28) and list(reps.index) == ["张三", "李四"]
    assert check.missing() == {"张三": 21, "李四": 28}


def test_a_week_checks_what_is_due_in_that_week(tmp_path: Path) -> None:
    store = load_store(hand_master(tmp_path))
    check = run_submissions_check(store.frames, store.settings, period="2026-W48", rep="张三")
    shown = {
        (f, i): s
        for f, i, s in zip(check.detail["form"], check.detail["instance"], check.detail["submission"], strict=True)
    }
    assert shown[("weekly_plan", "2026-W48")] == "on_time" and shown[("visit_record", "2026-W47")] == "late"
    assert shown[("monthly_plan", "2026-12")] == "on_time" and shown[("competitor_report", "2026-11")] == "missing"
    assert sorted(i for f, i in shown if f == "daily_report") == [f"2026-11-{day}" for day in range(23, 28)]
    assert check.as_of == pd.Timestamp("2026-11-29 23:59:59") and list(check.reps["rep"]) == ["张三"]


def test_cli_writes_the_check_as_a_zh_document(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = hand_master(tmp_path)
    out = tmp_path / "check.xlsx"
    assert main(["submissions", str(path), "--period", "2026-11", "--as-of", "2026-11-25", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "报表提交 2026-11（截至 2026-11-25）：业务员 2 人，应交 56 份，按时 5，迟交 2，未交 49" in printed
    assert "张三：应交 28，按时 5，迟交 2，未交 21" in printed
    book = openpyxl.load_workbook(out)
    assert book.sheetnames == ["业务员汇总", "提交明细", "未交报表"]
    reps = book["业务员汇总"]
    top = table_ref(out, "业务员汇总")[1]
    assert [c.value for c in reps[top]] == ["业务员", "应交份数", "按时", "迟交", "未交", "未到期", "按时率"]
    assert reps.cell(top + 1, 7).number_format == "0.0%"
    detail = book["提交明细"]
    top = table_ref(out, "提交明细")[1]
    headers = [c.value for c in detail[top]]
    assert headers == ["业务员", "表单", "期次", "应交日期", "汇总日期", "迟交天数", "文件名", "提交情况"]
    rows = [[c.value for c in r] for r in detail.iter_rows(min_row=top + 1)]
    late = next(r for r in rows if r[2] == "2026-W47" and r[1] == "业务员每周工作计划表")
    assert late[3] == dt.datetime(2026, 11, 16) and late[4] == dt.datetime(2026, 11, 17) and late[5] == 1
    assert late[7] == "迟交" and detail.cell(top + 1, 4).number_format == "yyyy-mm-dd"
    missing = report_table(out, "未交报表").values.tolist()
    assert len(missing) == 49 and {r[7] for r in missing} == {"未交"}
    for sheet in book:
        assert sheet.page_setup.paperSize == 9 and sheet.page_setup.orientation == printed_across(sheet)
        values = {c.value for r in sheet.iter_rows() for c in r}
        assert not values & {"weekly_plan", "missing", "on_time", "True", "False"}


def test_a_form_without_a_calendar_entry_a_bad_period_or_an_unknown_rep(tmp_path: Path) -> None:
    store = load_store(hand_master(tmp_path))
    with pytest.raises(InputError, match="is no week"):
        run_submissions_check(store.frames, store.settings, period="2026-13")
    with pytest.raises(InputError, match="unknown rep '王五'"):
        run_submissions_check(store.frames, store.settings, period="2026-11", rep="王五")
    calendar = tmp_path / "calendar.yaml"
    calendar.write_text(
        "title: {zh: 日历, en: Calendar}\nforms:\n  weekly_plan: {every: week, due_day: 0}\n", encoding="utf-8"
    )
    # a rep form the calendar gives no due time is not looked for, and the check says so, instead of failing
    check = run_submissions_check(store.frames, store.settings, period="2026-11", calendar=calendar)
    assert set(check.detail["form"]) == {"weekly_plan"}
    assert (
        "客户回访记录表、重点客户销售代表工作日报表、月度工作计划、主要竞争对手月度信息报告：报表提交日历中没有应交时间"
        in (check.summary("zh"))
    )
    calendar.write_text(
        "title: {zh: 日历, en: Calendar}\nforms:\n  weekly_plan: {every: fortnight}\n", encoding="utf-8"
    )
    with pytest.raises(SpecError, match=r"forms\.weekly_plan\.every: expected day, week or month"):
        load_submission_calendar(calendar)


def test_a_quotation_in_the_rep_forms_leaves_submissions_reps_and_the_gm_pack_working(tmp_path: Path) -> None:
    """A manager who adds 报价单 to 业务员每周表单 (so each rep gets one pre-filled) had submissions, reps and
    report gm fail with an error asking to edit the calendar shipped inside the program; a quotation is made when
    a customer asks and has no due time, so it is left out of the check, which says so."""
    path = hand_master(tmp_path, f"{FORMS},报价单")
    out = tmp_path / "subs.xlsx"
    assert main(["submissions", str(path), "--period", "2026-11", "--out", str(out)]) == 0
    texts = {str(c.value) for sheet in openpyxl.load_workbook(out) for r in sheet.iter_rows() for c in r}
    assert any("报价单：报表提交日历中没有应交时间，不查未交" in t for t in texts)
    assert "quotation" not in set(report_table(out, "提交明细")["表单"])
    assert main(["reps", str(path), "--period", "2026-11", "--out", str(tmp_path / "reps.xlsx")]) == 0
    assert main(["report", "gm", str(path), "--period", "2026-11", "--out", str(tmp_path / "gm.xlsx")]) == 0


def test_the_demo_names_its_late_and_missing_submissions(demo_run: tuple[Path, str]) -> None:
    out, printed = demo_run
    # as of the demo's last submission, Friday 2026-11-06 (its filled examples are dated a year before, in 2025)
    assert "报表提交 2026-11（截至 2026-11-06）" in printed and "投诉与售后台账（截至 2026-11-06 23:59）" in printed
    assert (out / "performance" / "submissions_2026-11.xlsx").exists()
    store = load_store(out / "master.xlsx")
    check = run_submissions_check(store.frames, store.settings, period="2026-W45")
    plans = check.detail[check.detail["form"] == "weekly_plan"].set_index("rep")
    # the demo's week: four reps send their 2026-W45 weekly plan with the visit record, consolidated on Saturday
    # 2026-11-07, five days after the plan was due; the other reps send nothing
    senders = {"吕琳春", "唐军明", "潘亮欣", "潘静刚"}
    assert set(plans.index[plans["submission"] == "late"]) == senders
    assert set(plans.loc[list(senders), "days_late"]) == {5}
    assert set(plans.index[plans["submission"] == "missing"]) == set(check.reps["rep"]) - senders
    visits = check.detail[(check.detail["form"] == "visit_record")]
    assert set(visits["instance"]) == {"2026-W44"} and set(visits["submission"]) == {"missing"}


def test_reports_due_before_the_month_of_the_first_consolidation_are_not_looked_for(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The ledger starts on 2026-11-02: October's reports were never collected through consolidation, so none of
    # them is missing (before, all 56 were: the count a master never consolidated still gives, below).
    path = hand_master(tmp_path)
    check = run_submissions_check(load_store(path).frames, settings_from({"rep_forms": FORMS}), period="2026-10")
    assert check.tracked_from == pd.Timestamp("2026-11-01") and check.untracked == 56
    assert check.reps["expected"].sum() == 0 and check.detail.empty
    assert check.summary("en").endswith(
        "; 56 report(s) due before 2026-11-01 are not looked for: the first consolidation was in that month"
    )
    # W44 (10-26..11-01) has every report due before the start; W45's are all looked for.
    weeks = {
        week: run_submissions_check(load_store(path).frames, settings_from({"rep_forms": FORMS}), period=week)
        for week in ("2026-W44", "2026-W45")
    }
    assert (weeks["2026-W44"].untracked, len(weeks["2026-W44"].detail)) == (14, 0)
    assert (weeks["2026-W45"].untracked, len(weeks["2026-W45"].detail)) == (0, 14)
    out = tmp_path / "october.xlsx"
    assert main(["submissions", str(path), "--period", "2026-10", "--out", str(out)]) == 0
    assert "2026-11-01 之前应交的 56 份报表未纳入检查：首次汇总在该月" in capsys.readouterr().out
    sheet = openpyxl.load_workbook(out)["业务员汇总"]
    notes = [c.value for row in sheet.iter_rows() for c in row if isinstance(c.value, str)]
    assert "2026-11-01 之前应交的 56 份报表未纳入检查：首次汇总在该月" in notes


def test_a_master_never_consolidated_looks_for_every_report_due(tmp_path: Path) -> None:
    path = hand_master(tmp_path)
    tables = dict(load_store(path).frames)
    tables[LEDGER.name] = tables[LEDGER.name].iloc[0:0]
    check = run_submissions_check(tables, settings_from({"rep_forms": FORMS}), period="2026-10")
    assert check.tracked_from is None and check.untracked == 0 and check.reps["missing"].sum() == 56


def test_a_report_due_before_the_first_consolidation_that_came_is_counted(tmp_path: Path) -> None:
    # 张三's W44 weekly plan (due Mon 10-26) came in the first consolidation, on 11-02: it was collected through
    # consolidation, so it is late by seven days, not "not looked for" (as it was, and the week showed nothing).
    master = Master.empty(settings=settings_from({"rep_forms": "weekly_plan"}))
    master.customers = _frame(CUSTOMERS, [{"customer_id": "K1", "name": "甲", "rep": "张三"}])
    path = save_master(master, tmp_path / "master.xlsx", backup=False)
    ledger = [
        entry("weekly_plan", "2026-W44", "2026-11-02 09:00:00"),
        entry("weekly_plan", "2026-W45", "2026-11-02 09:00:00"),
    ]
    write_tables(path, {LEDGER: _frame(LEDGER, ledger)}, lang="zh", backup=False)
    check = run_submissions_check(
        load_store(path).frames,
        settings_from({"rep_forms": "weekly_plan"}),
        period="2026-W44",
        as_of=pd.Timestamp("2026-11-07 23:59:59"),
    )
    assert check.untracked == 0
    assert check.detail[["instance", "submission", "days_late"]].values.tolist() == [["2026-W44", "late", 7]]


def test_a_period_not_ended_is_checked_as_of_the_run_not_its_last_day(tmp_path: Path) -> None:
    # 2026-W49 (11-30..12-06) checked on Thursday 12-03 at 10:00: the daily reports of 12-03 (the day is not over)
    # and 12-04 are not yet due; before, the default as-of was 12-06's end and both were "not handed in".
    frames = load_store(hand_master(tmp_path)).frames
    now = pd.Timestamp("2026-12-03 10:00")
    check = run_submissions_check(frames, settings_from({"rep_forms": FORMS}), period="2026-W49", today=now)
    assert check.as_of == now
    daily = check.detail[check.detail["form"] == "daily_report"].set_index(["rep", "instance"])["submission"]
    assert daily.loc["李四"].to_dict() == {
        "2026-11-30": "missing",
        "2026-12-01": "missing",
        "2026-12-02": "missing",
        "2026-12-03": "pending",
        "2026-12-04": "pending",
    }
    # a period over by the run's day is checked as of its last day, as before
    ended = run_submissions_check(frames, settings_from({"rep_forms": FORMS}), period="2026-W48", today=now)
    assert ended.as_of == pd.Timestamp("2026-11-29 23:59:59")
    # the core reads no clock: without the caller's moment, the period is checked as of its end on any day
    unhurried = run_submissions_check(frames, settings_from({"rep_forms": FORMS}), period="2026-W49")
    assert unhurried.as_of == pd.Timestamp("2026-12-06 23:59:59")
