"""The follow-through forms consolidated: the funnel's stage history, the 8D and after-sales rules, and bad input of
each new table reported at its cell while the rest of the file lands (keyacct_xl.consolidate.followthrough)."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from openpyxl.worksheet.cell_range import CellRange

from keyacct_xl.consolidate.examples import load_example
from keyacct_xl.consolidate.model import FileOutcome, Issue
from keyacct_xl.consolidate.run import consolidate
from keyacct_xl.consolidate.simulate import blank_form, fill_form
from keyacct_xl.consolidate.store import load_store
from keyacct_xl.forms.layout import META_SHEET, field_cell_name, table_name
from keyacct_xl.master.model import Master
from keyacct_xl.master.writer import save_master

REP = "潘亮欣"


@pytest.fixture
def master(tmp_path: Path) -> Path:
    m = Master.empty()
    m.customers = pd.DataFrame(
        {
            "customer_id": ["C0004", "C0007", "C0017", "C0009"],
            "name": ["天津安达汽配商行", "北京万隆汽车服务中心", "天津海天燃气有限公司", "上海宏发机电有限公司"],
            "rep": [REP, REP, REP, "石刚洋"],
        }
    )
    return save_master(m, tmp_path / "master.xlsx", backup=False)


def _form(form_id: str, header: dict[str, object], rows: dict[str, list[dict[str, object]]] | None = None) -> bytes:
    rows = rows or {}
    blank = blank_form(form_id, lines={section: len(lines) for section, lines in rows.items()})
    return fill_form(blank, header={"rep": REP, **header}, rows=rows)


def _send(
    inbox: Path,
    master: Path,
    files: dict[str, bytes],
    now: str = "2026-11-28 18:00:00",
) -> dict[str, FileOutcome]:
    for old in inbox.iterdir():
        old.unlink()
    for name, data in files.items():
        (inbox / name).write_bytes(data)
    return {o.name: o for o in consolidate(inbox, master, now=now).outcomes}


def _cell(form: bytes, key: str, section: str | None = None, line: int = 0) -> tuple[str, str]:
    """(sheet, A1) of a header field, or of field ``key`` on line ``line`` of a table, as the generator placed it."""
    book = openpyxl.load_workbook(io.BytesIO(form))
    if section is None:
        sheet, ref = next(iter(book.defined_names[field_cell_name(key)].destinations))
        return sheet, ref.replace("$", "").split(":")[0]
    name = table_name(section)
    column = next(
        int(v[3])
        for v in book[META_SHEET].iter_rows(values_only=True)
        if v and len(v) >= 4 and v[2] == name and v[1] == key
    )
    sheet = next(ws for ws in book.worksheets if name in ws.tables)
    area = CellRange(sheet.tables[name].ref)
    return sheet.title, sheet.cell(area.min_row + 1 + line, area.min_col - 1 + column).coordinate


def _at(outcome: FileOutcome, where: tuple[str, str], severity: str = "error") -> list[Issue]:
    return [
        i for i in outcome.issues if (i.sheet, i.cell) == where and i.severity == severity and i.file == outcome.name
    ]


# -- the funnel ---------------------------------------------------------------------------------------------------


def _funnel(period: str, fill_date: str, lines: list[dict[str, object]]) -> bytes:
    return _form("sales_funnel", {"period": period, "fill_date": fill_date}, {"opportunities": lines})


def test_stage_history_across_two_submissions(master: Path, inbox: Path) -> None:
    _send(
        inbox,
        master,
        {
            "w47.xlsx": _funnel(
                "2026-W47",
                "2026-11-20",
                [
                    {
                        "opportunity_id": "JH1",
                        "customer_id": "C0004",
                        "product": "抗磨液压油 46# 200L",
                        "stage": "线索",
                        "expected_amount": 30000,
                        "probability": 0.1,
                    },
                    {
                        "customer_id": "C0007",
                        "product": "汽油机油 SP 5W-30 4L",
                        "stage": "初步接触",
                        "expected_amount": 24000,
                    },
                ],
            )
        },
    )
    outcomes = _send(
        inbox,
        master,
        {
            "w48.xlsx": _funnel(
                "2026-W48",
                "2026-11-27",
                [
                    {
                        "opportunity_id": "JH1",
                        "customer_id": "C0004",
                        "product": "抗磨液压油 46# 200L",
                        "stage": "方案报价",
                        "expected_amount": 36000,
                        "probability": 0.6,
                    },
                    {"customer_id": "C0007", "product": "汽油机油  SP 5W-30 4L", "stage": "需求确认"},
                ],
            )
        },
        now="2026-11-29 18:00:00",
    )
    assert (outcomes["w48.xlsx"].rows_added, outcomes["w48.xlsx"].rows_updated) == (0, 2)
    store = load_store(master)
    opportunities = store.frame("Opportunities")
    derived = "C0007-汽油机油 SP 5W-30 4L"  # the same customer and product, however spaced: the same opportunity
    assert sorted(zip(opportunities["opportunity_id"], opportunities["stage"])) == [
        (derived, "需求确认"),
        ("JH1", "方案报价"),
    ]
    history = store.frame("OpportunityHistory")
    got = [
        (d.strftime("%m-%d"), o, f if isinstance(f, str) else None, t, a, s)
        for d, o, f, t, a, s in zip(
            history["date"],
            history["opportunity_id"],
            history["from_stage"],
            history["to_stage"],
            history["amount"],
            history["source_file"],
        )
    ]
    assert got == [
        ("11-20", "JH1", None, "线索", 30000, "w47.xlsx"),
        ("11-20", derived, None, "初步接触", 24000, "w47.xlsx"),
        ("11-27", "JH1", "线索", "方案报价", 36000, "w48.xlsx"),
        ("11-27", derived, "初步接触", "需求确认", 24000, "w48.xlsx"),
    ]
    # The same stage reported again moves nothing.
    _send(
        inbox,
        master,
        {
            "w49.xlsx": _funnel(
                "2026-W49",
                "2026-12-04",
                [
                    {
                        "opportunity_id": "JH1",
                        "customer_id": "C0004",
                        "product": "抗磨液压油 46# 200L",
                        "stage": "方案报价",
                    }
                ],
            )
        },
    )
    assert len(load_store(master).frame("OpportunityHistory")) == 4


def test_a_line_without_an_id_is_reported_with_the_id_it_was_given(master: Path, inbox: Path) -> None:
    form = _funnel(
        "2026-W48",
        "2026-11-27",
        [
            {"customer_id": "C0004", "product": "锂基润滑脂 2# 15kg", "stage": "线索"},
            {"customer_id": "C0004", "stage": "线索"},
            {"customer_id": "C0004", "product": "锂基润滑脂 2# 15kg", "stage": "初步接触"},
        ],
    )
    outcome = _send(inbox, master, {"f.xlsx": form})["f.xlsx"]
    assert outcome.status == "partial"
    [given] = _at(outcome, _cell(form, "opportunity_id", "opportunities", 0), "warning")
    assert "C0004-锂基润滑脂 2# 15kg" in given.zh
    [no_product] = _at(outcome, _cell(form, "opportunity_id", "opportunities", 1))
    assert "产品" in no_product.zh
    [twice] = _at(outcome, _cell(form, "opportunity_id", "opportunities", 2))
    assert "第 8 行" in twice.zh  # the line already naming that opportunity
    assert load_store(master).frame("Opportunities")["stage"].tolist() == ["线索"]


def test_a_won_or_lost_line_keeps_no_stale_probability(master: Path, inbox: Path) -> None:
    """A rep moved an opportunity to 赢单 (签单 typed) and left the pre-filled 60 %: stored so, the won deal stayed
    in the open pipeline with a weighted amount of 60 %. A closing stage now settles the probability (赢单 100 %,
    输单 0 %) and the weighted amount, with a warning at the probability's cell."""
    lines = [
        {
            "opportunity_id": "JH1",
            "customer_id": "C0004",
            "stage": "签单",
            "expected_amount": 12000,
            "probability": 0.6,
        },
        {"opportunity_id": "JH2", "customer_id": "C0007", "stage": "输单", "expected_amount": 5000, "probability": 0.2},
        {"opportunity_id": "JH3", "customer_id": "C0017", "stage": "赢单", "expected_amount": 8000},
        {
            "opportunity_id": "JH4",
            "customer_id": "C0017",
            "stage": "方案报价",
            "expected_amount": 9000,
            "probability": 0.6,
        },
    ]
    form = _funnel("2026-W50", "2026-12-11", lines)
    outcome = _send(inbox, master, {"w50.xlsx": form})["w50.xlsx"]
    assert outcome.status == "accepted"
    stored = load_store(master).frame("Opportunities").set_index("opportunity_id")
    assert stored.loc[["JH1", "JH2", "JH3", "JH4"], "probability"].tolist() == [1.0, 0.0, 1.0, 0.6]
    assert stored.loc[["JH1", "JH2", "JH3", "JH4"], "weighted_amount"].tolist() == [12000, 0, 8000, 5400]
    [won] = _at(outcome, _cell(form, "probability", "opportunities", 0), "warning")
    assert won.zh == "阶段为赢单：成交概率按 100% 记录，而不是 60%" and won.value == "60%"
    assert won.en == "the stage is Won: the probability is recorded as 100%, not 60%"
    assert [i.zh for i in _at(outcome, _cell(form, "probability", "opportunities", 1), "warning")] == [
        "阶段为输单：成交概率按 0% 记录，而不是 20%"
    ]


def test_the_examples_funnel_correction_moves_a_stage_into_the_history(
    demo_run: tuple[Path, str], tmp_path: Path, inbox: Path
) -> None:
    master = shutil.copyfile(demo_run[0] / "master.xlsx", tmp_path / "master.xlsx")
    example = load_example("sales_funnel")
    _send(inbox, master, {"funnel.xlsx": example.workbook()})
    corrected = _send(
        inbox, master, {"funnel_corrected.xlsx": example.corrected_workbook()}, now="2026-11-29 18:00:00"
    )["funnel_corrected.xlsx"]
    # Only the line the rep changed is updated, and the file is known as the correction of the first.
    assert (corrected.status, corrected.rows_added, corrected.rows_updated, corrected.corrects) == (
        "accepted",
        0,
        1,
        "funnel.xlsx",
    )
    history = load_store(master).frame("OpportunityHistory")
    moves = history[history["opportunity_id"] == "JH00395"]
    assert list(zip(moves["from_stage"], moves["to_stage"], moves["source_file"])) == [
        ("方案报价", "商务谈判", "funnel.xlsx"),
        ("商务谈判", "赢单", "funnel_corrected.xlsx"),
    ]


# -- the 8D report --------------------------------------------------------------------------------------------------

COMPLAINT = {
    "fill_date": "2026-11-26",
    "complaint_no": "TS-01",
    "received_date": "2026-11-24",
    "customer_id": "C0017",
    "d2_description": "空压机油乳化",
    "d4_root_cause": "油桶进水",
}


@pytest.mark.parametrize("containment", [None, "无"])
def test_an_8d_closed_without_containment_is_reported_at_its_cells(
    master: Path, inbox: Path, containment: str | None
) -> None:
    form = _form(
        "complaint_8d",
        {**COMPLAINT, "d3_containment": containment, "closed_date": "2026-11-26", "customer_satisfied": "是"},
    )
    outcome = _send(inbox, master, {"8d.xlsx": form})["8d.xlsx"]
    assert outcome.status == "partial"
    [closed] = _at(outcome, _cell(form, "closed_date"))
    sheet, d3 = _cell(form, "d3_containment")
    assert f"{sheet}!{d3}" in closed.zh and f"{sheet}!{d3}" in closed.en
    complaint = load_store(master).frame("Complaints").iloc[0]
    assert pd.isna(complaint["closed_date"])  # recorded as open; everything else the report says is kept
    assert (complaint["complaint_no"], complaint["d4_root_cause"], complaint["customer_satisfied"]) == (
        "TS-01",
        "油桶进水",
        "是",
    )


def test_an_8d_closed_before_its_containment_is_reported(master: Path, inbox: Path) -> None:
    form = _form(
        "complaint_8d",
        {**COMPLAINT, "d3_containment": "封存库存", "contained_date": "2026-11-27", "closed_date": "2026-11-25"},
    )
    outcome = _send(inbox, master, {"8d.xlsx": form})["8d.xlsx"]
    [closed] = _at(outcome, _cell(form, "closed_date"))
    assert "2026-11-27" in closed.zh
    assert "围堵完成日期" in closed.zh and "Contained On" in closed.en  # the date it precedes, named in each language
    complaint = load_store(master).frame("Complaints").iloc[0]
    assert pd.isna(complaint["closed_date"]) and complaint["contained_date"] == pd.Timestamp("2026-11-27")


# -- bad input of each new table ------------------------------------------------------------------------------------


def test_bad_funnel_lines_are_reported_at_their_cells_and_the_rest_lands(master: Path, inbox: Path) -> None:
    lines = [
        {
            "opportunity_id": "A",
            "customer_id": "C0004",
            "product": "P",
            "stage": "线索",
            "expected_close": "2026-13-45",
        },
        {"opportunity_id": "B", "customer_id": "C0004", "product": "P", "stage": "线索", "expected_amount": -5000},
        {"opportunity_id": "C", "customer_id": "C9999", "product": "P", "stage": "线索"},
        {"opportunity_id": "D", "customer_id": "C0009", "product": "P", "stage": "线索"},
    ]
    form = _funnel("2026-W48", "2026-11-27", lines)
    outcome = _send(inbox, master, {"f.xlsx": form})["f.xlsx"]
    assert _at(outcome, _cell(form, "expected_close", "opportunities", 0), "warning")
    assert _at(outcome, _cell(form, "expected_amount", "opportunities", 1), "warning")
    assert _at(outcome, _cell(form, "customer_id", "opportunities", 2))
    assert _at(outcome, _cell(form, "customer_id", "opportunities", 3))  # another rep's customer: refused
    opportunities = load_store(master).frame("Opportunities").set_index("opportunity_id")
    assert sorted(opportunities.index) == ["A", "B"]
    assert pd.isna(opportunities.loc["A", "expected_close"]) and pd.isna(opportunities.loc["B", "expected_amount"])


def test_bad_service_requests_are_reported_at_their_cells_and_the_rest_lands(master: Path, inbox: Path) -> None:
    lines = [
        {"request_no": "S1", "request_date": "2026-11-31", "customer_id": "C0004", "request": "漏油"},
        {"request_no": "S2", "request_date": "2026-11-25", "customer_id": "C0004", "closed_date": "2026-11-24"},
        {"request_no": "S3", "request_date": "2026-11-25", "customer_id": "C9999"},
        {"request_no": "S4", "request_date": "2026-11-25", "customer_id": "C0009", "purchase_date": "去年"},
        {
            "request_no": "S5",
            "request_date": "2026-11-25",
            "customer_id": "C0007",
            "status": "已解决",
            "closed_date": "2026-11-26",
        },
    ]
    form = _form("after_sales", {"period": "2026-W48", "fill_date": "2026-11-27"}, {"requests": lines})
    outcome = _send(inbox, master, {"s.xlsx": form})["s.xlsx"]
    assert outcome.status == "partial"
    assert _at(outcome, _cell(form, "request_date", "requests", 0))
    [early] = _at(outcome, _cell(form, "closed_date", "requests", 1))
    assert "2026-11-25" in early.zh
    assert _at(outcome, _cell(form, "customer_id", "requests", 2))
    assert _at(outcome, _cell(form, "customer_id", "requests", 3))  # another rep's customer: refused
    assert _at(outcome, _cell(form, "purchase_date", "requests", 3), "warning")
    requests = load_store(master).frame("ServiceRequests")
    assert sorted(requests["request_no"]) == ["S5"]
    # A request number the master holds for another rep's customer is refused, never taken over.
    form = fill_form(
        blank_form("after_sales", lines={"requests": 1}),
        header={"rep": "石刚洋", "period": "2026-W49", "fill_date": "2026-12-04"},
        rows={
            "requests": [
                {"request_no": "S5", "request_date": "2026-12-01", "customer_id": "C0009", "request": "换油指导"}
            ]
        },
    )
    outcome = _send(inbox, master, {"s2.xlsx": form})["s2.xlsx"]
    assert outcome.status == "rejected" and _at(outcome, _cell(form, "request_no", "requests", 0))
    assert load_store(master).frame("ServiceRequests").set_index("request_no").loc["S5", "customer_id"] == "C0007"


def test_bad_8d_cells_are_reported_and_the_complaint_lands(master: Path, inbox: Path) -> None:
    form = _form("complaint_8d", {**COMPLAINT, "quantity": -12, "contained_date": "11月32日"})
    outcome = _send(inbox, master, {"8d.xlsx": form})["8d.xlsx"]
    assert _at(outcome, _cell(form, "quantity")) and _at(outcome, _cell(form, "contained_date"))
    complaint = load_store(master).frame("Complaints").iloc[0]
    assert (complaint["customer_id"], complaint["d2_description"]) == ("C0017", "空压机油乳化")
    assert pd.isna(complaint["quantity"])
    unknown = _form("complaint_8d", {**COMPLAINT, "complaint_no": "TS-02", "customer_id": "C9999"})
    outcome = _send(inbox, master, {"unknown.xlsx": unknown})["unknown.xlsx"]
    assert outcome.status == "rejected" and _at(outcome, _cell(unknown, "customer_id"))
    foreign = _form("complaint_8d", {**COMPLAINT, "complaint_no": "TS-03", "customer_id": "C0009"})
    outcome = _send(inbox, master, {"foreign.xlsx": foreign})["foreign.xlsx"]
    assert (outcome.status, outcome.code) == ("rejected", "foreign_customer")
    assert _at(outcome, _cell(foreign, "customer_id"))  # another rep's customer
    taken = fill_form(blank_form("complaint_8d"), header={**COMPLAINT, "rep": "石刚洋", "customer_id": "C0009"})
    outcome = _send(inbox, master, {"taken.xlsx": taken})["taken.xlsx"]
    assert outcome.status == "rejected" and _at(outcome, _cell(taken, "complaint_no"))


CREDIT = {
    "period": "2026-11",
    "fill_date": "2026-11-27",
    "customer_id": "C0004",
    "proposed_grade": "B",
    "proposed_credit_grade": "A",
    "supervisor": "周志强",
}


def test_bad_credit_evaluation_cells_are_reported_and_the_rest_lands(master: Path, inbox: Path) -> None:
    form = _form(
        "credit_evaluation",
        {**CREDIT, "proposed_limit": -80000, "approval_date": "2026-02-30"},
        {
            "scores": [
                {"criterion": "付款及时性", "weight": -0.3, "score": 4},
                {"criterion": "年度销量", "weight": 0.5, "score": 9},
                {"criterion": "合作年限", "weight": 0.5, "score": 4},
            ]
        },
    )
    outcome = _send(inbox, master, {"c.xlsx": form})["c.xlsx"]
    assert _at(outcome, _cell(form, "proposed_limit")) and _at(outcome, _cell(form, "approval_date"))
    assert _at(outcome, _cell(form, "weight", "scores", 0), "warning")
    assert _at(outcome, _cell(form, "score", "scores", 1), "warning")
    store = load_store(master)
    evaluation = store.frame("CreditEvaluations").iloc[0]
    assert (evaluation["customer_id"], evaluation["year"], evaluation["proposed_grade"]) == ("C0004", 2026, "B")
    assert pd.isna(evaluation["proposed_limit"]) and evaluation["total_score"] == 4
    assert store.frame("CreditEvaluationScores")["criterion"].tolist() == ["付款及时性", "年度销量", "合作年限"]
    assert pd.isna(store.frame("Customers").set_index("customer_id").loc["C0004", "credit_limit"])  # unchanged
    other = _form("credit_evaluation", {**CREDIT, "customer_id": "C0009"})
    outcome = _send(inbox, master, {"other.xlsx": other})["other.xlsx"]
    assert outcome.code == "foreign_customer" and _at(outcome, _cell(other, "customer_id"))
    unknown = _form("credit_evaluation", {**CREDIT, "customer_id": "C9999"})
    outcome = _send(inbox, master, {"unknown.xlsx": unknown})["unknown.xlsx"]
    assert outcome.status == "rejected" and _at(outcome, _cell(unknown, "customer_id"))
    # Two customers evaluated in one period add up: neither file corrects the other.
    second = _form("credit_evaluation", {**CREDIT, "customer_id": "C0007"})
    assert _send(inbox, master, {"second.xlsx": second})["second.xlsx"].status == "accepted"
    assert len(load_store(master).frame("CreditEvaluations")) == 2
    yearless = _form("credit_evaluation", {**CREDIT, "period": None, "fill_date": None, "customer_id": "C0007"})
    outcome = _send(inbox, master, {"yearless.xlsx": yearless})["yearless.xlsx"]
    assert (outcome.status, outcome.code) == ("rejected", "no_year")


def test_bad_rep_evaluation_cells_are_reported_and_the_rest_lands(master: Path, inbox: Path) -> None:
    form = _form(
        "rep_evaluation",
        {
            "period": "2026-11",
            "fill_date": "2026-11-27",
            "region": "华北",
            "supervisor_name": "周志强",
            "bonus_rate": -1,
            "approval_date": "2026年13月1日",
        },
        {"kpis": [{"kpi": "销售额完成率", "weight": 0.6, "score": 90}, {"kpi": "回款率", "weight": 0.4, "score": 150}]},
    )
    outcome = _send(inbox, master, {"r.xlsx": form})["r.xlsx"]
    assert _at(outcome, _cell(form, "bonus_rate")) and _at(outcome, _cell(form, "approval_date"))
    assert _at(outcome, _cell(form, "score", "kpis", 1), "warning")
    store = load_store(master)
    evaluation = store.frame("RepEvaluations").iloc[0]
    assert (evaluation["rep"], evaluation["period"], evaluation["region"]) == (REP, "2026-11", "华北")
    assert pd.isna(evaluation["bonus_rate"]) and evaluation["total_score"] == 90
    assert store.frame("RepEvaluationKpis")["kpi"].tolist() == ["销售额完成率", "回款率"]


def test_a_customer_picked_by_id_alone_is_named_in_the_masters_rows(master: Path, inbox: Path) -> None:
    """An 8D and an after-sales request whose rep picked the customer from the dropdown (the id, no name) store the
    master's name of the customer in the row's 客户名称; a name the rep typed is kept as typed."""
    complaint = _form("complaint_8d", COMPLAINT)
    requests = _form(
        "after_sales",
        {"period": "2026-W48", "fill_date": "2026-11-27"},
        {
            "requests": [
                {"request_no": "S1", "request_date": "2026-11-25", "customer_id": "C0004", "request": "换油指导"},
                {
                    "request_no": "S2",
                    "request_date": "2026-11-26",
                    "customer_id": "C0007",
                    "customer_name": "万隆汽服",
                    "request": "油品检测",
                },
            ]
        },
    )
    outcomes = _send(inbox, master, {"8d.xlsx": complaint, "service.xlsx": requests})
    assert {o.status for o in outcomes.values()} == {"accepted"}
    store = load_store(master)
    assert store.frame("Complaints").set_index("complaint_no").loc["TS-01", "customer_name"] == "天津海天燃气有限公司"
    named = store.frame("ServiceRequests").set_index("request_no")["customer_name"]
    assert named.to_dict() == {"S1": "天津安达汽配商行", "S2": "万隆汽服"}
