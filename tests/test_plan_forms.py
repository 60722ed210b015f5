"""The plan forms back into their own tables: bad cells reported where they are, the rest of the file kept.

Each bad cell is looked up again in the file with openpyxl, so the sheet and cell a message names are where the
rep typed the value. Plans never become visits; a target breakdown becomes one row per rep and month whose
amounts add up to each typed quarter and to the year, to the cent.
"""

from __future__ import annotations

import dataclasses
import io
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from keyacct_xl.consolidate.examples import load_example
from keyacct_xl.consolidate.model import FileOutcome, Issue
from keyacct_xl.consolidate.planforms import split_quarter
from keyacct_xl.consolidate.run import consolidate
from keyacct_xl.consolidate.simulate import blank_form, fill_form
from keyacct_xl.consolidate.store import load_store
from keyacct_xl.forms.catalog import load_form
from keyacct_xl.master.model import Master
from keyacct_xl.master.writer import save_master

NOW = "2026-11-28 18:00:00"
REP = "石刚洋"


@pytest.fixture
def master(tmp_path: Path) -> Path:
    m = Master.empty()
    own = {
        "C0002": "西安凯瑞物资有限公司",
        "C0009": "兰州恒昌铸造有限公司",
        "C0035": "兰州金鼎酒店管理有限公司",
        "C0045": "西安合众五金有限公司",
        "C0060": "西安鑫隆热电有限责任公司",
        "C0061": "乌鲁木齐凯瑞铸造厂",
        "C0068": "乌鲁木齐嘉禾商贸有限公司",
        "C0092": "西安诚信汽配商行",
    }
    m.customers = pd.DataFrame(
        {
            "customer_id": [*own, "C0003"],
            "name": [*own.values(), "成都天府机械有限公司"],
            "rep": [REP] * len(own) + ["宋亮伟"],
        }
    )
    m.visits = pd.DataFrame(
        {
            "date": [pd.Timestamp("2026-10-12")],
            "customer_id": ["C0002"],
            "rep": [REP],
            "method": ["面谈"],
            "purpose": ["回访"],
        }
    )
    return save_master(m, tmp_path / "master.xlsx", backup=False)


def _send(inbox: Path, name: str, form_id: str, header: dict, rows: dict) -> bytes:
    lines = {section: len(section_rows) for section, section_rows in rows.items()}
    data = fill_form(blank_form(form_id, lines=lines), header=header, rows=rows)
    (inbox / name).write_bytes(data)
    return data


def _typed(data: bytes, issue: Issue) -> object:
    """What the file holds in the cell an issue names (read back with openpyxl)."""
    book = openpyxl.load_workbook(io.BytesIO(data))
    return book[issue.sheet][issue.cell].value


def _issues(outcome: FileOutcome, severity: str = "error") -> list[Issue]:
    return [i for i in outcome.issues if i.severity == severity]


def _rows(master: Path, table: str) -> pd.DataFrame:
    return load_store(master).frame(table)


def test_visit_plan_bad_lines_are_reported_on_their_cells_and_the_good_lines_land(master: Path, inbox: Path) -> None:
    data = _send(
        inbox,
        "plan.xlsx",
        "visit_plan",
        {"rep": REP, "period": "2026-W48"},
        {
            "plan": [
                {
                    "plan_no": 1,
                    "customer_id": "C0002",
                    "method": "面谈",
                    "planned_date": "2026-11-23",
                    "purpose": "续签合同",
                },
                {
                    "plan_no": 2,
                    "customer_id": "C0009",
                    "method": "电话",
                    "planned_date": "2026-12-02",
                    "purpose": "下周的事",
                },
                {
                    "plan_no": 3,
                    "customer_id": "C0060",
                    "method": "面谈",
                    "planned_date": "2026-11-31",
                    "purpose": "日期有误",
                },
                {
                    "plan_no": 4,
                    "customer_id": "C9999",
                    "method": "面谈",
                    "planned_date": "2026-11-25",
                    "purpose": "无此客户",
                },
                {
                    "plan_no": 5,
                    "customer_id": "C0003",
                    "method": "面谈",
                    "planned_date": "2026-11-26",
                    "purpose": "他人客户",
                },
                {"plan_no": 6, "customer_id": "C0060", "method": "面谈", "planned_date": "2026-11-27", "budget": -50},
            ]
        },
    )
    [outcome] = consolidate(inbox, master, now=NOW).outcomes
    errors = _issues(outcome)
    assert outcome.status == "partial"
    assert [(_typed(data, i), i.field_label("zh")) for i in errors] == [
        ("2026-11-31", "计划日期"),
        ("2026-12-02", "计划日期"),
        ("C9999", "客户编号"),
        ("C0003", "客户编号"),
    ]
    assert "2026-W48" in errors[1].zh and "本行不导入" in errors[1].zh
    assert all(i.file == "plan.xlsx" and i.sheet and i.cell for i in errors)
    # a rep files only their own customers: another rep's is refused at its cell
    assert errors[3].en.startswith("customer C0003 is looked after by 宋亮伟")
    warnings = {(_typed(data, i), i.en.split(":")[0]) for i in _issues(outcome, "warning")}
    assert (-50, "-50 is below the minimum 0") in warnings  # an optional amount: blanked, the line kept
    plans = _rows(master, "VisitPlans")
    assert plans["plan_no"].tolist() == [1, 6]
    assert plans["planned_date"].dt.strftime("%Y-%m-%d").tolist() == ["2026-11-23", "2026-11-27"]
    assert plans["rep"].eq(REP).all() and plans["period"].eq("2026-W48").all()


def test_visit_programme_line_outside_its_month_is_refused(master: Path, inbox: Path) -> None:
    data = _send(
        inbox,
        "programme.xlsx",
        "visit_programme",
        {"rep": REP, "period": "2026-11", "objective": "年底走访"},
        {
            "schedule": [
                {"planned_date": "2026-11-30", "customer_id": "C0060", "topics": "检测服务", "done": "是"},
                {"planned_date": "2026-12-01", "customer_id": "C0009", "topics": "下月再去"},
            ]
        },
    )
    [outcome] = consolidate(inbox, master, now=NOW).outcomes
    [error] = _issues(outcome)
    assert (outcome.status, _typed(data, error), error.sheet) == ("partial", "2026-12-01", "客户走访方案")
    plans = _rows(master, "VisitPlans")
    assert plans[["customer_id", "purpose", "done"]].values.tolist() == [["C0060", "检测服务", "是"]]
    programme = _rows(master, "VisitProgrammes")  # the programme's head, a row of its own
    assert programme[["rep", "period", "objective"]].values.tolist() == [[REP, "2026-11", "年底走访"]]


def test_plans_never_create_visits(master: Path, inbox: Path) -> None:
    for form_id in ("visit_plan", "visit_programme"):
        (inbox / f"{form_id}.xlsx").write_bytes(load_example(form_id).workbook())
    result = consolidate(inbox, master, now=NOW)
    assert [o.status for o in result.outcomes] == ["accepted", "accepted"]
    assert len(_rows(master, "VisitPlans")) == 8
    visits = _rows(master, "Visits")
    assert visits["date"].dt.strftime("%Y-%m-%d").tolist() == ["2026-10-12"]  # the one visit the master had
    assert "VisitPlans" in result.written and "Visits" not in result.written


def test_a_target_breakdown_becomes_monthly_targets_that_add_up(master: Path, inbox: Path) -> None:
    example = load_example("target_breakdown")
    (inbox / "targets.xlsx").write_bytes(example.workbook())
    [outcome] = consolidate(inbox, master, now=NOW).outcomes
    assert (outcome.status, outcome.errors) == ("accepted", [])
    targets = _rows(master, "SalesTargets")
    lines = example.rows["breakdown"]
    assert len(targets) == 12 * len(lines)
    for line in lines:
        mine = targets[targets["rep"] == line["rep"]].sort_values("month")
        assert mine["month"].tolist() == [f"2027-{m:02d}" for m in range(1, 13)]
        assert mine["quarter"].tolist() == [q for q in (1, 2, 3, 4) for _ in range(3)]
        for quarter in (1, 2, 3, 4):
            months = mine[mine["quarter"] == quarter]
            typed = float(line[f"q{quarter}"])  # type: ignore[arg-type]
            assert round(months["amount"].sum(), 2) == typed and months["quarter_target"].eq(typed).all()
        year = sum(float(line[f"q{q}"]) for q in (1, 2, 3, 4))  # type: ignore[arg-type]
        assert round(mine["amount"].sum(), 2) == year and mine["year_target"].eq(year).all()
    assert targets["filed_by"].eq(REP).all() and targets["year"].eq(2027).all()
    assert set(targets["rep"]) == {"石刚洋", "宋亮伟", "潘亮欣", "卢浩俊"}
    # 1,000,000 in a quarter: 333,333.33 twice and the remaining cent on the quarter's last month
    first = targets[(targets["rep"] == "宋亮伟") & (targets["quarter"] == 1)].sort_values("month")
    assert first["amount"].tolist() == [333333.33, 333333.33, 333333.34]
    # The overview (kept only in the ingestion ledger's JSON before) is one AnnualTargets row.
    [overview] = _rows(master, "AnnualTargets").to_dict("records")
    assert (overview["department"], overview["period"], overview["annual_target"], overview["growth_rate"]) == (
        "销售一部",
        "2027-01",
        12100000.0,
        0.1,
    )


def test_split_quarter_keeps_every_cent_on_the_last_month() -> None:
    assert split_quarter(100.0) == (33.33, 33.33, 33.34)
    assert split_quarter(0.05) == (0.01, 0.01, 0.03)
    assert split_quarter(900000.0) == (300000.0, 300000.0, 300000.0)


def test_a_negative_target_refuses_its_line_only(master: Path, inbox: Path) -> None:
    data = _send(
        inbox,
        "targets.xlsx",
        "target_breakdown",
        {"rep": REP, "period": "2027-01", "department": "销售一部", "annual_target": 2000000},
        {
            "breakdown": [
                {"rep": "石刚洋", "q1": 250000, "q2": 250000, "q3": 250000, "q4": 250000},
                {"rep": "宋亮伟", "q1": 300000, "q2": -20000, "q3": 300000, "q4": 300000},
                {"rep": "潘亮欣", "q1": 250000, "q2": 250000, "q3": "", "q4": 250000},
            ]
        },
    )
    [outcome] = consolidate(inbox, master, now=NOW).outcomes
    assert outcome.status == "partial"
    assert [(_typed(data, i), i.field_label("zh"), i.en) for i in _issues(outcome)] == [
        (-20000, "二季度", "-20000 is below the minimum 0"),
        (None, "三季度", "required field is empty"),
    ]
    targets = _rows(master, "SalesTargets")
    assert targets["rep"].unique().tolist() == ["石刚洋"] and len(targets) == 12
    [annual] = [i for i in _issues(outcome, "warning") if i.field_label("zh") == "年度任务"]
    assert _typed(data, annual) == 2000000  # the lines kept add up to 1,000,000, not the annual target


def test_a_target_breakdown_dated_by_a_week_is_refused_at_its_period(master: Path, inbox: Path) -> None:
    data = _send(
        inbox,
        "targets.xlsx",
        "target_breakdown",
        {"rep": REP, "period": "2027-W01", "department": "销售一部", "annual_target": 400},
        {"breakdown": [{"rep": "石刚洋", "q1": 100, "q2": 100, "q3": 100, "q4": 100}]},
    )
    [outcome] = consolidate(inbox, master, now=NOW).outcomes
    [error] = _issues(outcome)
    assert (outcome.status, _typed(data, error), error.field_label("zh")) == ("rejected", "2027-W01", "期间")
    assert _rows(master, "SalesTargets").empty


@pytest.mark.parametrize(
    ("form_id", "period", "wanted"),
    [
        ("monthly_plan", "2026-W48", "a month (e.g. 2026-11)"),
        ("target_breakdown", "2026-11", "the first month of a year (e.g. 2027-01)"),
        ("weekly_plan", "2026-12", "a week (e.g. 2026-W48)"),
        ("competitor_report", "2026-W48", "a month (e.g. 2026-11)"),
        ("rep_evaluation", "2026-W48", "a month (e.g. 2026-11)"),
    ],
)
def test_a_form_filed_for_a_period_of_another_kind_is_refused_at_its_period(
    master: Path, inbox: Path, form_id: str, period: str, wanted: str
) -> None:
    """A monthly plan filed for a week was stored as MonthlyPlans under 2026-W48, where no month's target is looked
    for, and a target breakdown for November became twelve months from November: each is refused at its period
    cell, with the rule the form is generated by (keyacct_xl.forms.periodkinds)."""
    example = load_example(form_id)
    data = dataclasses.replace(example, header={**example.header, "period": period}).workbook()
    (inbox / f"{form_id}.xlsx").write_bytes(data)
    result = consolidate(inbox, master, now=NOW)
    [outcome] = result.outcomes
    title = load_form(form_id).title
    reason = f"the period of {title.en} is {wanted}, not {period}: the form is not imported"
    assert (outcome.status, outcome.code, outcome.reason_en) == ("rejected", "period_kind", reason)
    [error] = [i for i in _issues(outcome) if i.field_label("zh") == "期间"]
    assert (_typed(data, error), error.en) == (period, reason)
    assert error.zh.startswith(f"{title.zh}的期间应为")
    assert not result.written


def test_a_promotion_ending_before_it_starts_keeps_the_promotion(master: Path, inbox: Path) -> None:
    data = _send(
        inbox,
        "promo.xlsx",
        "promotion_plan",
        {
            "rep": REP,
            "period": "2026-12",
            "customer_id": "C0002",
            "start_date": "2026-12-05",
            "end_date": "2026-11-30",
            "total_budget": 1000,
        },
        {
            "activities": [
                {"activity": "堆头陈列", "type": "堆头", "cost": 600},
                {"activity": "门店海报", "type": "海报", "cost": "很多"},
                {"activity": "特价", "type": "特价", "cost": 400},
            ]
        },
    )
    [outcome] = consolidate(inbox, master, now=NOW).outcomes
    [error] = _issues(outcome)
    assert (outcome.status, _typed(data, error), error.field_label("zh")) == ("partial", "2026-11-30", "结束日期")
    [promotion] = _rows(master, "Promotions").to_dict("records")
    assert (promotion["customer_id"], promotion["start_date"]) == ("C0002", pd.Timestamp("2026-12-05"))
    assert pd.isna(promotion["end_date"])
    activities = _rows(master, "PromotionActivities")
    assert activities[["activity", "start_date"]].values.tolist() == [
        ["堆头陈列", pd.Timestamp("2026-12-05")],
        ["门店海报", pd.Timestamp("2026-12-05")],
        ["特价", pd.Timestamp("2026-12-05")],
    ]
    [unreadable] = _issues(outcome, "warning")
    assert _typed(data, unreadable) == "很多"


def test_a_monthly_plan_keeps_its_header_and_good_accounts(master: Path, inbox: Path) -> None:
    data = _send(
        inbox,
        "month.xlsx",
        "monthly_plan",
        {"rep": REP, "period": "2026-12", "sales_target": -1, "collection_target": 300000},
        {
            "accounts": [
                {"customer_id": "C0002", "invoicing": 160000},
                {"customer_id": "C7777", "invoicing": 50000},
                {"customer_id": "C0003", "invoicing": 40000},
            ]
        },
    )
    [outcome] = consolidate(inbox, master, now=NOW).outcomes
    assert outcome.status == "partial"
    assert [(_typed(data, i), i.field_label("zh")) for i in _issues(outcome)] == [
        (-1, "开票目标"),
        ("C7777", "客户编号"),
        ("C0003", "客户编号"),
    ]
    assert "宋亮伟" in _issues(outcome)[2].zh  # another rep's customer: refused at its cell
    [plan] = _rows(master, "MonthlyPlans").to_dict("records")
    assert (plan["rep"], plan["period"], plan["collection_target"]) == (REP, "2026-12", 300000)
    assert pd.isna(plan["sales_target"])
    accounts = _rows(master, "MonthlyPlanAccounts")
    assert accounts[["customer_id", "invoicing"]].values.tolist() == [["C0002", 160000]]
