"""Weekly plans a rep can do, and the visits check on the demo: hand counts against the check's figures."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from reportbook import report_table

from keyacct_xl.consolidate.run import consolidate
from keyacct_xl.consolidate.store import load_store
from keyacct_xl.consolidate.undo import undo_submission
from keyacct_xl.followup.check import run_visits_check
from keyacct_xl.followup.planner import plan_week
from keyacct_xl.followup.policy import load_visit_policy, master_policy
from keyacct_xl.forms.catalog import load_form
from keyacct_xl.forms.demo_step import demo_reps
from keyacct_xl.forms.generator import write_form
from keyacct_xl.forms.prefill import due_visits, parse_period, prefill
from keyacct_xl.master.model import Master, dtype_for
from keyacct_xl.master.reader import load_master
from keyacct_xl.master.schema import CUSTOMERS, VISITS
from keyacct_xl.master.settings import settings_from
from keyacct_xl.master.writer import save_master

d = pd.Timestamp


def _table(ws, name: str) -> list[dict[str, object]]:
    """The rows of the form table ``name`` that name a customer, by header."""
    cells = ws[ws.tables[name].ref]
    header = [c.value for c in cells[0]]
    rows = [dict(zip(header, (c.value for c in row), strict=True)) for row in cells[1:]]
    return [r for r in rows if r["客户编号"]]


def _customers(rows: list[dict]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=CUSTOMERS.keys).astype({c.key: dtype_for(c.kind) for c in CUSTOMERS.columns})


def small_week_master(per_day: int) -> Master:
    """One rep, seven never-visited customers in three cities and one seen lately; ``per_day`` visits a day."""
    master = Master.empty(settings=settings_from({"visits_per_day": per_day}))
    rows = [
        ("K1", "苏州", "VIP"),
        ("K2", "苏州", "A"),
        ("K3", "苏州", "A"),
        ("K4", "无锡", "B"),
        ("K5", "无锡", "C"),
        ("K6", "南京", "VIP"),
        ("K7", "南京", "C"),
        ("K8", "苏州", "B"),
    ]
    master.customers = _customers(
        [
            {
                "customer_id": c,
                "name": c,
                "rep": "张三",
                "region": "华东",
                "city": city,
                "grade": grade,
                "first_trade_date": d("2026-01-05"),
            }
            for c, city, grade in rows
        ]
    )
    # K8 was seen face to face on 10-14: its next visit is due 2027-01-12, its call (45 days) on 11-28
    master.visits = pd.DataFrame(
        [{"date": d("2026-10-14"), "customer_id": "K8", "rep": "张三", "method": "面访"}], columns=VISITS.keys
    ).astype({c.key: dtype_for(c.kind) for c in VISITS.columns})
    return master


def test_one_area_a_day_within_capacity_key_customers_first() -> None:
    master = small_week_master(2)
    week = parse_period("2026-W48")  # 11-23 .. 11-29
    due = due_visits(master, "张三", week)
    assert set(due["customer_id"]) == {f"K{i}" for i in range(1, 9)}
    plan = plan_week(due, master_policy(master.settings), week_end=week.end, days=2)
    # day 1: 苏州, the city of the most overdue key customer (K1, VIP, never visited), two of its three key
    # customers; day 2: 南京's VIP K6 and, room being left, K7
    assert plan.visits[["day", "customer_id"]].values.tolist() == [[0, "K1"], [0, "K2"], [1, "K6"], [1, "K7"]]
    assert list(plan.calls["customer_id"]) == ["K8"]  # only a call is due: it gets one
    assert plan.deferred[["customer_id", "reason"]].values.tolist() == [
        ["K3", "capacity"],
        ["K4", "no_day"],
        ["K5", "no_day"],
    ]
    placed = [*plan.visits["customer_id"], *plan.calls["customer_id"], *plan.deferred["customer_id"]]
    assert sorted(placed) == sorted(due["customer_id"])


def test_prefilled_plan_writes_calls_and_deferred_with_reasons(tmp_path: Path) -> None:
    master = small_week_master(1)
    spec = load_form("weekly_plan")
    data = prefill(spec, master, rep="张三", period="2026-W48")
    path = write_form(tmp_path / "plan.xlsx", spec, lang="zh", data=data)
    ws = openpyxl.load_workbook(path).worksheets[0]
    plan = _table(ws, "t_plan")
    assert [(r["星期"], r["工作内容"], r["客户编号"]) for r in plan] == [
        ("周一", "拜访", "K1"),
        ("周一", "电话联系", "K8"),
        ("周二", "拜访", "K6"),
        ("周三", "拜访", "K2"),
        ("周四", "拜访", "K3"),
        ("周五", "拜访", "K4"),
    ]
    assert {r["日期"] for r in plan if r["星期"] == "周五"} == {dt.datetime(2026, 11, 27)}
    deferred = _table(ws, "t_deferred")
    assert [(r["客户编号"], r["等级"], r["原因"]) for r in deferred] == [
        ("K5", "C", "所在区域当天已排满（每日面访上限）"),
        ("K7", "C", "所在区域当天已排满（每日面访上限）"),
    ]
    assert deferred[0]["应访日期"] == dt.datetime(2026, 4, 5)  # 01-05 + 90 days, the contact interval of C


def many_due_master(count: int) -> Master:
    """One rep, ``count`` never-visited customers in six cities, two visits a day: most go on the deferred list."""
    master = Master.empty(settings=settings_from({"visits_per_day": 2}))
    cities = ("苏州", "无锡", "南京", "常州", "南通", "扬州")
    master.customers = _customers(
        [
            {
                "customer_id": f"K{i:04d}",
                "name": f"{cities[i % 6]}第{i}号五金机电有限公司",
                "rep": "张三",
                "region": "华东",
                "city": cities[i % 6],
                "grade": "C",
                "first_trade_date": d("2026-01-05"),
            }
            for i in range(count)
        ]
    )
    return master


def test_a_prefilled_weekly_plan_with_hundreds_of_deferred_customers_lands_whole_and_undoes_exactly(
    tmp_path: Path,
) -> None:
    """A weekly plan pre-filled for a large master lists hundreds of deferred customers; sent back untouched it was
    refused whole, its deferred lines (kept as JSON in one cell of the ledger) over the 32,767 characters a cell
    holds, and the message asked the rep to shorten text they never typed. Its plan lines land in WeeklyPlans, its
    deferred lines in DeferredCustomers, every one; the undo takes them all back out, the master as it was."""
    master = many_due_master(360)
    master_path = save_master(master, tmp_path / "master.xlsx", backup=False)
    spec = load_form("weekly_plan")
    data = prefill(spec, master, rep="张三", period="2026-W48")
    deferred = data.rows["deferred"]
    assert len(deferred) > 300  # what the ledger's one cell could not hold
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    write_form(inbox / "weekly_plan.xlsx", spec, lang="zh", data=data)
    before = load_store(master_path)
    [outcome] = consolidate(inbox, master_path, now="2026-11-22 18:00:00").outcomes
    assert (outcome.status, outcome.reason_en) == ("accepted", "")
    store = load_store(master_path)
    plans = store.frame("WeeklyPlans")
    assert sorted(plans["customer_id"]) == sorted(r["customer_id"] for r in data.rows["plan"])
    kept = store.frame("DeferredCustomers")
    assert kept[["customer_id", "customer_name", "grade", "days_overdue", "reason"]].values.tolist() == [
        [r["customer_id"], r["customer_name"], r["grade"], r["days_overdue"], r["reason"]] for r in deferred
    ]
    assert kept["due_date"].tolist() == [pd.Timestamp(r["due_date"]) for r in deferred]
    assert set(kept["rep"]) == {"张三"} and set(kept["period"]) == {"2026-W48"}
    assert outcome.rows_added == len(plans) + len(kept) + 1  # and the week's WeeklyTargets row
    [entry] = store.frame("IngestionLedger")["header"].tolist()
    assert pd.isna(entry) or "deferred" not in entry  # nothing of them left for the ledger's cell
    undone = undo_submission(master_path, "weekly_plan.xlsx")
    assert undone.removed == outcome.rows_added and undone.since == () and undone.beside == ()
    after = load_store(master_path)
    for name in ("WeeklyPlans", "DeferredCustomers", "WeeklyTargets", "SubmissionHistory"):
        assert after.frame(name).empty, name
    assert after.frame("IngestionLedger")["status"].tolist() == ["undone"]
    pd.testing.assert_frame_equal(after.frame("Customers"), before.frame("Customers"))


def test_prefilled_visit_plan_follows_the_same_policy(tmp_path: Path) -> None:
    master = small_week_master(1)
    spec = load_form("visit_plan")
    path = write_form(
        tmp_path / "visit_plan.xlsx", spec, lang="zh", data=prefill(spec, master, rep="张三", period="2026-W48")
    )
    rows = _table(openpyxl.load_workbook(path).worksheets[0], "t_plan")
    assert [(r["序号"], r["客户编号"], r["回访方式"], r["计划日期"].day) for r in rows] == [
        (1, "K1", "面谈", 23),
        (2, "K6", "面谈", 24),
        (3, "K2", "面谈", 25),
        (4, "K3", "面谈", 26),
        (5, "K4", "面谈", 27),
        (6, "K8", "电话", 23),
        (7, "K5", "面谈", 30),
        (8, "K7", "面谈", 30),
    ]
    assert rows[0]["回访目的"] == "逾期（联系周期）" and rows[5]["回访目的"] == "到期（联系周期）"
    assert [r["备注"] for r in rows[6:]] == ["顺延：所在区域当天已排满（每日面访上限）"] * 2
    # a month: week after week (the weeks whose Monday is in it), each customer once, nobody left over
    month = prefill(spec, master, rep="张三", period="2026-12").rows["plan"]
    assert sorted(r["customer_id"] for r in month) == [f"K{i}" for i in range(1, 9)]
    assert all(dt.datetime(2026, 12, 7) <= r["planned_date"] <= dt.datetime(2026, 12, 31) for r in month)
    assert [r["customer_id"] for r in month if r["planned_date"] >= dt.datetime(2026, 12, 14)] == ["K5", "K7"]


@pytest.fixture(scope="module")
def demo_master(demo_run: tuple[Path, str]) -> Path:
    return demo_run[0] / "master.xlsx"


def test_demo_last_visit_is_the_hand_count_and_status_follows_the_policy(demo_master: Path) -> None:
    master = load_master(demo_master)
    check = run_visits_check(master)
    policy = load_visit_policy()
    as_of = check.as_of.to_pydatetime()
    latest: dict[str, dt.datetime] = {}
    latest_face: dict[str, dt.datetime] = {}
    face = {"面访", "面谈", "上门拜访", "拜访", "走访", None}  # the demo's and the forms' face-to-face words
    for row in master.visits.itertuples(index=False):
        when = row.date.to_pydatetime()
        if when > as_of:
            continue
        latest[row.customer_id] = max(latest.get(row.customer_id, when), when)
        if (None if pd.isna(row.method) else row.method) in face:
            latest_face[row.customer_id] = max(latest_face.get(row.customer_id, when), when)
    quarter_start = dt.datetime(as_of.year, 3 * ((as_of.month - 1) // 3) + 1, 1)
    quarter_end = (quarter_start + dt.timedelta(days=95)).replace(day=1) - dt.timedelta(days=1)
    status = check.status.set_index("customer_id")
    for c in master.customers.itertuples(index=False):
        got = status.loc[c.customer_id]
        assert (None if pd.isna(got["last_visit"]) else got["last_visit"].to_pydatetime()) == latest.get(
            c.customer_id
        ), c.customer_id
        days = {"VIP": (30, 14), "A": (45, 21), "B": (90, 45), "C": (180, 90)}.get(c.grade, (180, 90))
        start = as_of if pd.isna(c.first_trade_date) else c.first_trade_date.to_pydatetime()
        last_face, last_any = latest_face.get(c.customer_id), latest.get(c.customer_id)
        candidates = [
            last_face + dt.timedelta(days[0])
            if last_face
            else (start + dt.timedelta(days[0]) if start != as_of else as_of),
            last_any + dt.timedelta(days[1])
            if last_any
            else (start + dt.timedelta(days[1]) if start != as_of else as_of),
        ]
        if c.grade in ("VIP", "A") and (last_face is None or last_face < quarter_start):
            candidates.append(quarter_end)
        due = min(candidates)
        expected = "overdue" if due < as_of else "due" if (due - as_of).days <= policy.due_within_days else "ok"
        assert (got["due_date"].to_pydatetime(), got["status"]) == (due, expected), c.customer_id
    key = master.customers[master.customers["grade"].isin(["VIP", "A"])]["customer_id"]
    assert len(key) > 10 and set(key) <= set(status.index)


def test_demo_check_workbook_lists_every_key_customer(demo_run: tuple[Path, str]) -> None:
    out, printed = demo_run
    [report] = (out / "followup").glob("visits_check_*.xlsx")
    table = report_table(report, "客户回访状态")
    shown = set(table.loc[table["客户等级"].isin(["VIP", "A"]), "客户编号"])
    master = load_master(out / "master.xlsx")
    assert shown == set(master.customers.loc[master.customers["grade"].isin(["VIP", "A"]), "customer_id"])
    line = next(x for x in printed.splitlines() if x.startswith("  逾期的 VIP/A 客户："))
    check = run_visits_check(master)
    assert line == "  逾期的 VIP/A 客户：" + "，".join(f"{r} {n}" for r, n in check.key_overdue().items())


def _days_within_one_city_and_capacity(plan: list[dict], master: Master) -> None:
    city = master.customers.set_index("customer_id")["city"]
    capacity = master_policy(master.settings).visits_per_day
    visits = pd.DataFrame([r for r in plan if r["工作内容"] == "拜访"])
    per_day = visits.groupby("星期")["客户编号"].agg(list)
    assert len(per_day) >= 3
    for day, ids in per_day.items():
        assert city[ids].nunique() == 1, (day, city[ids].tolist())  # one city a day (the issue: seven on Monday)
        assert len(ids) <= capacity, day


def test_demo_busiest_rep_week_is_drivable(demo_run: tuple[Path, str], tmp_path: Path) -> None:
    out, _ = demo_run
    master = load_master(out / "master.xlsx")
    rep = demo_reps(master.customers, 1)[0]
    year, week, _ = master.transactions["date"].max().isocalendar()
    period = f"{year}-W{week:02d}"
    # the plan the demo wrote (before its consolidation step added customers and visits)
    [written] = (out / "forms" / rep).glob(f"weekly_plan_{rep}_{period}.xlsx")
    _days_within_one_city_and_capacity(_table(openpyxl.load_workbook(written).worksheets[0], "t_plan"), master)
    # the same week planned from the master as it is now, so every due customer can be counted
    spec = load_form("weekly_plan")
    path = write_form(tmp_path / "plan.xlsx", spec, lang="zh", data=prefill(spec, master, rep=rep, period=period))
    ws = openpyxl.load_workbook(path).worksheets[0]
    plan, deferred = _table(ws, "t_plan"), _table(ws, "t_deferred")
    _days_within_one_city_and_capacity(plan, master)
    due = due_visits(master, rep, parse_period(period))
    key = set(due.loc[due["grade"].isin(["VIP", "A"]), "customer_id"])
    planned = {r["客户编号"] for r in plan}
    deferred_ids = {r["客户编号"]: r["原因"] for r in deferred}
    assert key and key <= planned | set(deferred_ids)  # every due VIP/A customer placed, or deferred with a reason
    assert deferred and all(deferred_ids.values())
    assert set(due["customer_id"]) == planned | set(deferred_ids)  # nobody due is silently left out
    assert len(planned) + len(deferred_ids) == len(plan) + len(deferred)  # and nobody twice


def test_a_prefilled_visit_plan_sent_back_untouched_lands_whole(tmp_path: Path) -> None:
    """The customers the week could not take are planned for the Monday after: consolidation takes those lines."""
    master = small_week_master(1)
    master_path = save_master(master, tmp_path / "master.xlsx", backup=False)
    spec = load_form("visit_plan")
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    data = prefill(spec, master, rep="张三", period="2026-W48")
    write_form(inbox / "visit_plan.xlsx", spec, lang="zh", data=data)
    [outcome] = consolidate(inbox, master_path, now="2026-11-22 18:00:00").outcomes
    assert [i.zh for i in outcome.issues if i.severity == "error"] == []
    plans = load_store(master_path).frame("VisitPlans")
    assert sorted(plans["customer_id"]) == [f"K{i}" for i in range(1, 9)]
    deferred = plans[plans["remark"].astype(str).str.startswith("顺延")]
    assert deferred["planned_date"].dt.strftime("%Y-%m-%d").tolist() == ["2026-11-30", "2026-11-30"]
    # a line typed for any other day after the week is still refused, at its cell
    ws_path = tmp_path / "late.xlsx"
    book = openpyxl.load_workbook(inbox / "visit_plan.xlsx")
    sheet = next(ws for ws in book.worksheets if "t_plan" in ws.tables)
    first = sheet[sheet.tables["t_plan"].ref][1]
    dates = [c for c in first if isinstance(c.value, dt.datetime)]
    dates[0].value = dt.datetime(2026, 12, 1)
    book.save(ws_path)
    late = tmp_path / "late_inbox"
    late.mkdir()
    (late / "late.xlsx").write_bytes(ws_path.read_bytes())
    [refused] = consolidate(late, master_path, now="2026-11-22 19:00:00", dry_run=True).outcomes
    assert [i.cell for i in refused.issues if i.severity == "error"] == [dates[0].coordinate]
