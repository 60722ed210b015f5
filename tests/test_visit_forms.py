"""The visit-type forms come back into the master: phone follow-ups, daily reports, follow-up reports, key-account logs.

Each form is generated, filled with openpyxl as a rep would and consolidated into a real master file; what the
master then holds is read back from the file.
"""

from __future__ import annotations

import io
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from keyacct_xl.consolidate.model import FileOutcome
from keyacct_xl.consolidate.run import RunResult, consolidate
from keyacct_xl.consolidate.simulate import blank_form, fill_form
from keyacct_xl.consolidate.store import load_store
from keyacct_xl.consolidate.undo import undo_submission
from keyacct_xl.forms.layout import field_cell_name
from keyacct_xl.master.model import Master
from keyacct_xl.master.writer import save_master

NOW, LATER = "2026-11-28 18:00:00", "2026-11-29 18:00:00"
WEEK = {"period": "2026-W48", "fill_date": "2026-11-27"}


@pytest.fixture
def master(tmp_path: Path) -> Path:
    m = Master.empty()
    m.customers = pd.DataFrame(
        {
            "customer_id": ["C0032", "C0040", "C0055", "C0011", "C0014"],
            "name": [
                "青岛海峰机修服务部",
                "青岛精工塑胶制品有限公司",
                "上海众诚汽配商行",
                "武汉华通港务有限责任公司",
                "长沙龙腾电子科技有限公司",
            ],
            "rep": ["沈勇芳", "沈勇芳", "沈勇芳", "唐军明", "唐军明"],
        }
    )
    return save_master(m, tmp_path / "master.xlsx", backup=False)


def _form(form_id: str, header: dict[str, object], rows: dict[str, list[dict[str, object]]] | None = None) -> bytes:
    lines = {section: len(section_rows) for section, section_rows in (rows or {}).items()}
    return fill_form(blank_form(form_id, lines=lines), header=header, rows=rows)


def _send(inbox: Path, master: Path, files: dict[str, bytes]) -> dict[str, FileOutcome]:
    for name, data in files.items():
        (inbox / name).write_bytes(data)
    outcomes = consolidate(inbox, master, now=NOW).outcomes
    for name in files:
        (inbox / name).unlink()
    return {Path(o.name).name: o for o in outcomes}


def consolidate_files(inbox: Path, master: Path, files: dict[str, bytes]) -> RunResult:
    """Consolidate ``files`` put in ``inbox``; the run's whole result (its changes with before and after)."""
    for name, data in files.items():
        (inbox / name).write_bytes(data)
    return consolidate(inbox, master, now=LATER)


def _visits(master: Path) -> pd.DataFrame:
    return load_store(master).frame("Visits")


def _errors(outcome: FileOutcome) -> list[tuple[str, str, str, str]]:
    return [(i.file, i.sheet, i.cell, i.zh) for i in outcome.errors]


# --- phone follow-ups ---------------------------------------------------------------------------------------------


def test_a_phone_call_is_a_visit_by_phone_and_keeps_whether_a_visit_is_needed(master: Path, inbox: Path) -> None:
    calls = [
        {"date": "2026-11-23", "customer_id": "C0032", "content": "确认到货", "rating": "良好", "needs_visit": "否"},
        {"date": "2026-11-24", "customer_id": "C0055", "content": "提醒回款", "needs_visit": "是"},
    ]
    outcome = _send(
        inbox, master, {"电话回访.xlsx": _form("phone_followup", {"rep": "沈勇芳", **WEEK}, {"calls": calls})}
    )["电话回访.xlsx"]
    assert (outcome.status, outcome.errors, outcome.rows_added) == ("accepted", [], 2)
    visits = _visits(master)
    assert visits[["customer_id", "method", "needs_visit", "rep"]].values.tolist() == [
        ["C0032", "电话", "否", "沈勇芳"],
        ["C0055", "电话", "是", "沈勇芳"],
    ]


def test_bad_lines_of_a_phone_record_are_reported_by_cell_and_its_other_lines_kept(master: Path, inbox: Path) -> None:
    calls = [
        {"date": "2026-11-23", "customer_id": "C0032", "content": "确认到货", "rating": "良好"},
        {"date": "2026-11-32", "customer_id": "C0040", "content": "日期写错"},
        {"date": "2026-11-24", "customer_id": "C9999", "content": "客户编号写错"},
        {"date": "2026-11-24", "customer_id": "C0011", "content": "同事的客户"},
        {"date": "2026-11-25", "customer_id": "C0055", "rating": "很差", "problems": "送货延误"},
        {"date": "2026-11-26", "customer_id": "C0040", "rating": "差", "problems": "无", "countermeasure": "上门致歉"},
        {
            "date": "2026-11-26",
            "customer_id": "C0055",
            "rating": "差",
            "problems": "漏发一箱",
            "countermeasure": "补发",
        },
    ]
    outcome = _send(
        inbox, master, {"电话回访.xlsx": _form("phone_followup", {"rep": "沈勇芳", **WEEK}, {"calls": calls})}
    )["电话回访.xlsx"]
    assert outcome.status == "partial"
    sheet = "电话回访记录表"
    errors = _errors(outcome)
    assert [(e[0], e[1], e[2]) for e in errors] == [
        (outcome.name, sheet, cell) for cell in ("B9", "M12", "L13", "D10", "D11")
    ]
    assert "日期请写成" in errors[0][3]  # why, and the forms a date is written in
    assert errors[1][3] == "满意度为很差（K12）：须填写改进措施（评价为差或很差时必须填写存在问题和改进措施）"
    assert errors[2][3].startswith("满意度为差（K13）：须填写存在问题")  # "无" states no problem
    assert errors[3][3].startswith("客户 C9999 不在客户档案中")
    assert errors[4][3] == "客户 C0011 由 唐军明 负责：业务员只能填报本人负责的客户"
    # Nothing else of the file is lost: the two good calls are stored, each with all it said.
    visits = _visits(master)
    assert visits[["date", "customer_id", "rating", "problems", "next_step"]].values.tolist() == [
        [pd.Timestamp("2026-11-23"), "C0032", "良好", None, None],
        [pd.Timestamp("2026-11-26"), "C0055", "差", "漏发一箱", "补发"],
    ]


# --- daily reports ------------------------------------------------------------------------------------------------

DAY = {"rep": "唐军明", "fill_date": "2026-11-25", "report_date": "2026-11-25", "region": "华中"}


def test_a_daily_reports_visits_take_its_date_and_rep_and_keep_the_order_amount(master: Path, inbox: Path) -> None:
    lines = [
        {"customer_id": "C0011", "content": "巡查润滑情况", "order_amount": 18500, "stock_check": "库存约两周"},
        {"customer_id": "C0014", "content": "送样", "next_step": "下周回访"},
    ]
    outcome = _send(inbox, master, {"日报.xlsx": _form("daily_report", DAY, {"visits": lines})})["日报.xlsx"]
    assert (outcome.status, outcome.key, outcome.rows_added) == ("accepted", "2026-11-25", 3)  # 2 visits, the day
    visits = _visits(master)
    columns = ["date", "rep", "customer_id", "method", "order_amount", "stock_check", "next_step"]
    stored = visits[columns].astype(object).where(visits[columns].notna(), None)
    day = pd.Timestamp("2026-11-25")
    assert stored.values.tolist() == [
        [day, "唐军明", "C0011", "面谈", 18500.0, "库存约两周", None],
        [day, "唐军明", "C0014", "面谈", None, None, "下周回访"],
    ]


def test_a_daily_reports_own_figures_and_words_are_one_row_of_daily_reports_a_second_report_corrects(
    master: Path, inbox: Path
) -> None:
    """The day's orders, collections, mileage, market news and the support asked for were kept only inside the
    ingestion ledger's JSON, where no manager reads them: they are one DailyReports row per rep and day, and a second
    report of the same day corrects it with before and after; its undo takes the correction back out."""
    day = {**DAY, "weather": "晴", "orders_amount": "3万", "collected_amount": 12000, "mileage_km": 86,
           "problems": "客户要求延长账期，需要财务支持", "tomorrow_plan": "拜访C0014"}  # fmt: skip
    lines = [{"customer_id": "C0011", "content": "巡查润滑情况"}]
    _send(inbox, master, {"日报.xlsx": _form("daily_report", day, {"visits": lines})})
    [row] = load_store(master).frame("DailyReports").to_dict("records")
    assert (row["rep"], row["report_date"], row["region"], row["weather"]) == (
        "唐军明",
        pd.Timestamp("2026-11-25"),
        "华中",
        "晴",
    )
    assert (row["orders_amount"], row["collected_amount"], row["mileage_km"]) == (30000.0, 12000.0, 86.0)
    assert (row["problems"], row["tomorrow_plan"]) == ("客户要求延长账期，需要财务支持", "拜访C0014")
    assert openpyxl.load_workbook(master)["工作日报"]["E1"].value == "当日回款"  # a sheet a manager reads
    corrected = {**day, "collected_amount": 15000}
    result = consolidate_files(inbox, master, {"日报_改.xlsx": _form("daily_report", corrected, {"visits": lines})})
    [change] = [c for c in result.changes if c.table == "DailyReports"]
    assert (change.kind, change.field, change.before, change.after) == ("updated", "collected_amount", "12000", "15000")
    assert load_store(master).frame("DailyReports")["collected_amount"].tolist() == [15000.0]
    undo_submission(master, "日报_改.xlsx")
    assert load_store(master).frame("DailyReports")["collected_amount"].tolist() == [12000.0]


def test_a_negative_order_amount_is_reported_by_cell_and_the_visit_kept(master: Path, inbox: Path) -> None:
    lines = [
        {"customer_id": "C0011", "content": "退货冲账", "order_amount": -500},
        {"customer_id": "C0032", "content": "同事的客户"},
        {"customer_id": "C0014", "content": "送样", "order_amount": 1200},
    ]
    outcome = _send(inbox, master, {"日报.xlsx": _form("daily_report", DAY, {"visits": lines})})["日报.xlsx"]
    assert outcome.status == "partial"
    [amount] = [i for i in outcome.issues if i.field_label("zh") == "订单金额"]
    assert (amount.file, amount.sheet, amount.cell, amount.value) == (
        outcome.name,
        "重点客户销售代表工作日报表",
        "G12",
        "-500",  # as typed, not the reader's -500.0
    )
    assert amount.zh.startswith("-500 小于下限 0：此栏留空，本行照常导入")
    assert [(e[1], e[2]) for e in _errors(outcome)] == [("重点客户销售代表工作日报表", "B13")]
    visits = _visits(master)
    assert visits[["customer_id", "content"]].values.tolist() == [["C0011", "退货冲账"], ["C0014", "送样"]]
    assert pd.isna(visits["order_amount"][0]) and visits["order_amount"][1] == 1200.0


def test_a_daily_report_with_an_unreadable_date_is_refused_naming_the_cell(master: Path, inbox: Path) -> None:
    lines = [{"customer_id": "C0011", "content": "巡查润滑情况"}]
    data = _form("daily_report", {**DAY, "report_date": "11月31日"}, {"visits": lines})
    outcome = _send(inbox, master, {"日报.xlsx": data})["日报.xlsx"]
    assert (outcome.status, outcome.code) == ("rejected", "no_key")
    assert outcome.reason_zh == "标识本表单的字段 日期 为空或有误"  # the field's label, not its key
    [error] = outcome.errors
    assert (error.file, error.sheet, error.cell, error.field_label("zh")) == (
        outcome.name,
        "重点客户销售代表工作日报表",
        _cell(data, "report_date"),
        "日期",
    )
    assert "日期请写成" in error.zh
    assert _visits(master).empty


# --- follow-up reports --------------------------------------------------------------------------------------------

REPORT = {
    "rep": "唐军明",
    **WEEK,
    "customer_id": "C0014",
    "visit_date": "2026-11-26",
    "method": "面谈",
    "product_rating": "良好",
    "service_rating": "一般",
    "product_opinion": "油品稳定",
    "service_opinion": "送货需提前预约",
    "problems": "无本地仓",
    "next_steps": "长沙合作仓备货",
}


def test_a_follow_up_report_is_one_visit_with_the_customers_opinions(master: Path, inbox: Path) -> None:
    outcome = _send(inbox, master, {"回访报告.xlsx": _form("followup_report", REPORT)})["回访报告.xlsx"]
    assert (outcome.status, outcome.rows_added) == ("accepted", 1)
    [visit] = _visits(master).to_dict("records")
    assert {
        k: visit[k]
        for k in (
            "date",
            "customer_id",
            "method",
            "rating",
            "service_rating",
            "product_opinion",
            "service_opinion",
            "problems",
            "next_step",
        )
    } == {
        "date": pd.Timestamp("2026-11-26"),
        "customer_id": "C0014",
        "method": "面谈",
        "rating": "良好",
        "service_rating": "一般",
        "product_opinion": "油品稳定",
        "service_opinion": "送货需提前预约",
        "problems": "无本地仓",
        "next_step": "长沙合作仓备货",
    }


@pytest.mark.parametrize(
    ("change", "key", "field", "message"),
    [
        (
            {"service_rating": "很差", "next_steps": None},
            "next_steps",
            "改进措施/下一步",
            "服务评价为很差（{rating}）：须填写改进措施/下一步（评价为差或很差时必须填写存在问题和改进措施）",
        ),
        (
            {"customer_id": "C0040"},
            "customer_id",
            "客户编号",
            "客户 C0040 由 沈勇芳 负责：业务员只能填报本人负责的客户",
        ),
        (
            {"customer_id": "C0404"},
            "customer_id",
            "客户编号",
            "客户 C0404 不在客户档案中（新客户须通过客户资料卡或客户档案登记表建立）",
        ),
    ],
)
def test_a_follow_up_report_breaking_a_rule_is_refused_naming_the_cell(
    master: Path, inbox: Path, change: dict, key: str, field: str, message: str
) -> None:
    data = _form("followup_report", {**REPORT, **change})
    outcome = _send(inbox, master, {"回访报告.xlsx": data})["回访报告.xlsx"]
    assert outcome.status == "rejected"
    [error] = outcome.errors
    assert (error.file, error.sheet, error.cell, error.field_label("zh")) == (
        outcome.name,
        "客户回访报告",
        _cell(data, key),
        field,
    )
    assert error.zh == message.format(rating=_cell(data, "service_rating"))
    assert _visits(master).empty


def _cell(form: bytes, key: str) -> str:
    """The cell of header field ``key``, found as a person's Excel finds it: by the form's defined name."""
    book = openpyxl.load_workbook(io.BytesIO(form))
    [(_, ref)] = book.defined_names[field_cell_name(key)].destinations
    return ref.replace("$", "")


# --- key-account follow-up logs -----------------------------------------------------------------------------------

ACCOUNT = {"rep": "沈勇芳", **WEEK, "customer_id": "C0040", "equipment": "注塑机 27 台"}
LOG = {
    "visits": [
        {
            "date": "2026-11-24",
            "contact": "钟新明",
            "method": "面谈",
            "findings": "现用长城 46#",
            "countermeasure": "报试用价",
        }
    ],
    "quotes": [
        {"date": "2026-11-24", "product": "46# 抗磨液压油", "pack": "200L", "unit_price": 1850},
        {"product": "68# 抗磨液压油", "pack": "200L", "unit_price": 1890},
        {"quote_no": "Q2026-1127-03", "date": "2026-11-27", "product": "润滑脂", "unit_price": 320},
    ],
}


def test_key_account_quotes_without_numbers_get_numbers_that_stay_when_the_file_comes_again(
    master: Path, inbox: Path
) -> None:
    first = _form("key_account_followup", ACCOUNT, LOG)
    outcome = _send(inbox, master, {"跟进表.xlsx": first})["跟进表.xlsx"]
    assert (outcome.status, outcome.errors, outcome.rows_added) == ("accepted", [], 8)
    store = load_store(master)
    # What the log says of the account itself (kept only in the ingestion ledger's JSON before): one row.
    profile = store.frame("KeyAccountProfiles")
    assert profile[["customer_id", "period", "equipment"]].values.tolist() == [["C0040", "2026-W48", "注塑机 27 台"]]
    numbers = ["KA-C0040-20261124-27", "KA-C0040-2026-W48-28", "Q2026-1127-03"]  # the quote lines start on row 27
    assert store.frame("Quotations")[["quote_no", "quote_date", "customer_id"]].values.tolist() == [
        [numbers[0], pd.Timestamp("2026-11-24"), "C0040"],
        [numbers[1], pd.NaT, "C0040"],
        [numbers[2], pd.Timestamp("2026-11-27"), "C0040"],
    ]
    assert store.frame("QuotationLines")[["quote_no", "product", "unit_price"]].values.tolist() == [
        [numbers[0], "46# 抗磨液压油", 1850.0],
        [numbers[1], "68# 抗磨液压油", 1890.0],
        [numbers[2], "润滑脂", 320.0],
    ]
    visits = store.frame("Visits")
    assert visits[["customer_id", "method", "next_step"]].values.tolist() == [["C0040", "面谈", "报试用价"]]
    # The same file again is a duplicate; a copy saved again (other bytes) with a price corrected finds its quotes.
    resaved = _form(
        "key_account_followup",
        {**ACCOUNT, "fill_date": "2026-11-28"},
        {**LOG, "quotes": [{**LOG["quotes"][0], "unit_price": 1820}, *LOG["quotes"][1:]]},
    )
    again = _send(inbox, master, {"跟进表.xlsx": first, "跟进表-更正.xlsx": resaved})
    assert (again["跟进表.xlsx"].status, again["跟进表.xlsx"].rows_added) == ("duplicate", 0)
    assert (
        again["跟进表-更正.xlsx"].status,
        again["跟进表-更正.xlsx"].rows_added,
        again["跟进表-更正.xlsx"].rows_updated,
    ) == ("accepted", 0, 1)
    lines = load_store(master).frame("QuotationLines")
    assert lines[["quote_no", "unit_price"]].values.tolist() == [
        [numbers[0], 1820.0],
        [numbers[1], 1890.0],
        [numbers[2], 320.0],
    ]


def test_a_key_account_log_of_another_reps_customer_is_refused_naming_the_cell(master: Path, inbox: Path) -> None:
    data = _form("key_account_followup", {**ACCOUNT, "customer_id": "C0011"}, LOG)
    outcome = _send(inbox, master, {"跟进表.xlsx": data})["跟进表.xlsx"]
    assert (outcome.status, outcome.code) == ("rejected", "foreign_customer")
    [error] = outcome.errors
    assert (error.file, error.sheet, error.cell, error.value) == (
        outcome.name,
        "重点客户业务跟进表",
        _cell(data, "customer_id"),
        "C0011",
    )
    store = load_store(master)
    assert store.frame("Visits").empty and store.frame("QuotationLines").empty


def test_a_bad_visit_line_of_a_key_account_log_is_refused_and_the_rest_kept(master: Path, inbox: Path) -> None:
    log = {**LOG, "visits": [*LOG["visits"], {"date": "2026-13-01", "findings": "日期写错"}]}
    outcome = _send(inbox, master, {"跟进表.xlsx": _form("key_account_followup", ACCOUNT, log)})["跟进表.xlsx"]
    assert outcome.status == "partial"
    [error] = outcome.errors
    assert (error.sheet, error.cell, error.field_label("zh")) == ("重点客户业务跟进表", "A13", "日期")
    store = load_store(master)
    assert (len(store.frame("Visits")), len(store.frame("Quotations")), len(store.frame("QuotationLines"))) == (1, 3, 3)


# --- the visit record states the same rule ------------------------------------------------------------------------


def test_a_refused_line_names_every_problem_at_once_not_only_the_first(master: Path, inbox: Path) -> None:
    """A line with an unreadable date, rated 差 without a problem or a countermeasure and naming another rep's
    customer is refused with all four cells named in one run: before, the rating and the customer were checked only
    on lines still good, so the rep fixed the date and the line was refused again for what was never said."""
    rows = [
        {"date": "明天", "customer_id": "C0032", "rating": "差"},
        {"date": "下周", "customer_id": "C0011", "method": "面谈"},
        {"date": "2026-11-24", "customer_id": "C0040", "method": "电话"},
    ]
    outcome = _send(
        inbox, master, {"回访记录.xlsx": _form("visit_record", {"rep": "沈勇芳", **WEEK}, {"visits": rows})}
    )["回访记录.xlsx"]
    assert sorted(e[2] for e in _errors(outcome)) == ["A8", "A9", "B9", "K8", "L8"]
    assert _visits(master)["customer_id"].tolist() == ["C0040"]


def test_a_lone_line_refused_for_its_date_names_its_poor_rating_too(master: Path, inbox: Path) -> None:
    """The trial's case: a form of one line, its date unreadable and its rating 差 with nothing said: the refusal
    of the file names the date and both missing cells, not the date alone."""
    rows = [{"date": "明天", "customer_id": "C0032", "rating": "差"}]
    outcome = _send(
        inbox, master, {"回访记录.xlsx": _form("visit_record", {"rep": "沈勇芳", **WEEK}, {"visits": rows})}
    )["回访记录.xlsx"]
    assert outcome.status == "rejected"
    assert [e[2] for e in _errors(outcome)] == ["A8", "K8", "L8"]


def test_a_visit_record_line_rated_poor_needs_a_problem_and_a_countermeasure(master: Path, inbox: Path) -> None:
    rows = [
        {"date": "2026-11-23", "customer_id": "C0032", "rating": "很差"},
        {"date": "2026-11-24", "customer_id": "C0040", "rating": "一般"},
    ]
    outcome = _send(
        inbox, master, {"回访记录.xlsx": _form("visit_record", {"rep": "沈勇芳", **WEEK}, {"visits": rows})}
    )["回访记录.xlsx"]
    assert [(e[1], e[2]) for e in _errors(outcome)] == [("客户回访记录表", "K8"), ("客户回访记录表", "L8")]
    assert _visits(master)["customer_id"].tolist() == ["C0040"]
