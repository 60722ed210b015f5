"""Consolidating customer cards, competitor reports, quotations and retyped forms (no _meta)."""

from __future__ import annotations

import dataclasses
import io
import shutil
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
import python_calamine
from openpyxl.worksheet.cell_range import CellRange

from keyacct_xl.cli.main import main
from keyacct_xl.consolidate.headermatch import read_laid_out
from keyacct_xl.consolidate.model import FileOutcome
from keyacct_xl.consolidate.recognize import extract
from keyacct_xl.consolidate.run import consolidate
from keyacct_xl.consolidate.safety import Rejection
from keyacct_xl.consolidate.simulate import blank_form, fill_form
from keyacct_xl.consolidate.store import load_store, save_store
from keyacct_xl.consolidate.validate import check_form
from keyacct_xl.forms.catalog import load_form
from keyacct_xl.forms.meta import FormContext
from keyacct_xl.master.model import Master
from keyacct_xl.master.writer import save_master

NOW = "2026-11-28 18:00:00"  # the Saturday of the week the forms report: no visit lies after it


@pytest.fixture
def master(tmp_path: Path) -> Path:
    m = Master.empty()
    m.customers = pd.DataFrame(
        {
            "customer_id": ["C001", "C002", "C003"],
            "name": ["广州华强贸易有限公司", "佛山永利五金厂", "东莞新世纪超市"],
            "rep": ["张三", "张三", "李四"],
            "city": ["广州", None, "东莞"],
            "phone": ["020-83331234", None, "0769-22220000"],
        }
    )
    return save_master(m, tmp_path / "master.xlsx", backup=False)


def card(rep: str, header: dict, contacts: list[dict] | None = None) -> bytes:
    return fill_form(
        blank_form("customer_card"),
        header={"rep": rep, "fill_date": "2026-11-20", **header},
        rows={"contacts": contacts or []},
    )


def test_new_customer_card_creates_customer_and_contacts(master: Path, inbox: Path) -> None:
    (inbox / "new.xlsx").write_bytes(
        card(
            "张三",
            {
                "customer_id": "C100",
                "name": "中山美佳日用品有限公司",
                "city": "中山",
                "phone": "0760-88881111",
                "enterprise_nature": "私营企业",
                "credit_limit": "5万",
                "registered_capital": 200,
            },
            [{"name": "陈经理", "title": "采购经理", "phone": "13800138000"}],
        )
    )
    result = consolidate(inbox, master, now=NOW)
    assert result.outcomes[0].status == "accepted"
    store = load_store(master)
    new = store.frame("Customers").set_index("customer_id").loc["C100"]
    assert (new["name"], new["rep"], new["grade"]) == ("中山美佳日用品有限公司", "张三", "C")
    assert pd.isna(new["credit_limit"])  # the manager sets credit limits; a rep's "5万" is ignored with a warning
    assert new["source_file"] == "new.xlsx"
    contacts = store.frame("Contacts")
    assert contacts[["customer_id", "name", "title"]].values.tolist() == [["C100", "陈经理", "采购经理"]]
    # A card field with no master column is kept in the ledger's header data, not lost, under the label a person
    # reads in the master's language (a trial found registered_capital there, English in a zh master).
    assert store.frame("IngestionLedger")["header"].iloc[0] == '{"填表日期":"2026-11-20","注册资本(万元)":"200"}'


def test_card_for_known_customer_fills_blanks_and_lists_conflicts(master: Path, inbox: Path) -> None:
    (inbox / "update.xlsx").write_bytes(
        card("张三", {"customer_id": "C001", "name": "广州华强贸易有限公司", "city": "佛山", "address": "天河路 1 号"})
    )
    result = consolidate(inbox, master, now=NOW)
    customers = load_store(master).frame("Customers").set_index("customer_id")
    assert customers.loc["C001", "address"] == "天河路 1 号"  # blank in the archive: filled
    assert customers.loc["C001", "city"] == "广州"  # the archive keeps its value until someone decides
    [conflict] = result.conflicts
    assert (conflict.kind, conflict.customer_id, conflict.field, conflict.master_value, conflict.submitted_value) == (
        "value",
        "C001",
        "city",
        "广州",
        "佛山",
    )


def test_card_for_another_reps_customer_is_flagged(master: Path, inbox: Path) -> None:
    (inbox / "poach.xlsx").write_bytes(
        card("张三", {"customer_id": "C003", "name": "东莞新世纪超市", "address": "东城大道"})
    )
    result = consolidate(inbox, master, now=NOW)
    assert [(c.kind, c.master_value, c.submitted_value) for c in result.conflicts] == [("owner", "李四", "张三")]
    assert (result.outcomes[0].status, result.outcomes[0].code) == ("rejected", "owner")
    assert pd.isna(load_store(master).frame("Customers").set_index("customer_id").loc["C003", "address"])


def test_probable_duplicate_customer_is_not_created(master: Path, inbox: Path, tmp_path: Path) -> None:
    # 李四, a rep of the master (a card from a rep it does not know waits for review before any of this)
    (inbox / "dup.xlsx").write_bytes(card("李四", {"customer_id": "N001", "name": "广州市华强贸易 有限公司"}))
    (inbox / "dup-phone.xlsx").write_bytes(
        card("李四", {"customer_id": "N002", "name": "新名字商行", "phone": "(0769) 2222-0000"})
    )
    result = consolidate(inbox, master, quarantine_dir=tmp_path / "q", now=NOW)
    found = {c.file: (c.customer_id, c.field, c.score) for c in result.conflicts if c.kind == "duplicate"}
    assert found == {"dup.xlsx": ("C001", "name", 95.0), "dup-phone.xlsx": ("C003", "phone", 95.0)}
    # The values of the field that matched, side by side (the phone row showed the two names under 电话).
    customers = load_store(master).frame("Customers").set_index("customer_id")
    shown = {c.file: (c.master_value, c.submitted_value) for c in result.conflicts if c.kind == "duplicate"}
    assert shown == {
        "dup.xlsx": (customers.at["C001", "name"], "广州市华强贸易 有限公司"),
        "dup-phone.xlsx": (customers.at["C003", "phone"], "(0769) 2222-0000"),
    }
    assert {o.status for o in result.outcomes} == {"rejected"}
    assert set(load_store(master).frame("Customers")["customer_id"]) == {"C001", "C002", "C003"}
    assert "C001" in (tmp_path / "q" / "dup.xlsx.reason.txt").read_text(encoding="utf-8")


NEW_CARD = {"customer_id": "C100", "name": "中山美佳日用品有限公司", "city": "中山"}


def test_refused_resubmitted_card_leaves_the_earlier_card_in_place(master: Path, inbox: Path) -> None:
    (inbox / "v1.xlsx").write_bytes(card("张三", NEW_CARD, [{"name": "陈经理", "title": "采购经理"}]))
    consolidate(inbox, master, now=NOW)
    (inbox / "v1.xlsx").unlink()
    # The corrected card now gives C001's phone: a probable duplicate, refused. C100 and its contact stay.
    (inbox / "v2.xlsx").write_bytes(card("张三", {**NEW_CARD, "phone": "020-83331234"}))
    [outcome] = consolidate(inbox, master, now="2026-11-24 09:00:00").outcomes
    assert (outcome.status, outcome.code, outcome.corrects) == ("rejected", "duplicate_customer", "")
    store = load_store(master)
    assert "C100" in set(store.frame("Customers")["customer_id"])
    assert store.frame("Contacts")["name"].tolist() == ["陈经理"]
    assert store.frame("IngestionLedger")["status"].tolist() == ["accepted"]
    # nothing was changed: the history holds v1's two rows as it added them, and no earlier value
    assert store.frame("SubmissionHistory")["change"].tolist() == ["added", "added"]


def test_competitor_report_lines_take_header_city_and_period(master: Path, inbox: Path) -> None:
    form = fill_form(
        blank_form("competitor_report"),
        header={
            "rep": "李四",
            "period": "2026-11",
            "city": "东莞",
            "product_category": "润滑油",
            "channel": "批发店",
            "market_trend": "长城降价抢量",
            "threat_level": "高",
            "suggestions": "加大陈列费用",
        },
        rows={
            "competitors": [
                {"competitor": "长城", "product": "46# 液压油", "price": "¥1,780", "market_share": "15%"},
                {"competitor": "美孚", "price": "1850元"},
            ]
        },
    )
    (inbox / "competitors.xlsx").write_bytes(form)
    consolidate(inbox, master, now=NOW)
    frame = load_store(master).frame("Competitors")
    assert frame[["competitor", "city", "category", "price", "rep"]].values.tolist() == [
        ["长城", "东莞", "润滑油", 1780.0, "李四"],
        ["美孚", "东莞", "润滑油", 1850.0, "李四"],
    ]
    assert frame["date"].dt.strftime("%Y-%m-%d").tolist() == ["2026-11-01"] * 2
    assert frame["估计份额"].tolist()[0] == 0.15  # a form column without a master column is kept, a number as typed
    # The report's analysis, kept only in the ingestion ledger's JSON before: one CompetitorReports row.
    report = load_store(master).frame("CompetitorReports")
    columns = ["rep", "period", "city", "product_category", "channel", "market_trend", "threat_level", "suggestions"]
    assert report[columns].values.tolist() == [
        ["李四", "2026-11", "东莞", "润滑油", "批发店", "长城降价抢量", "高", "加大陈列费用"]
    ]


def test_quotation_header_and_lines(master: Path, inbox: Path) -> None:
    form = fill_form(
        blank_form("quotation"),
        header={
            "rep": "张三",
            "quote_no": "Q2026-118",
            "quote_date": "2026-11-20",
            "customer_id": "C002",
            "quoted_by": "张三",
            "cert_business_licence": "是",
        },
        rows={"items": [{"product": "46# 抗磨液压油", "pack": "200L", "qty": 3, "unit_price": "1,850.00"}]},
    )
    (inbox / "quote.xlsx").write_bytes(form)
    result = consolidate(inbox, master, now=NOW)
    assert result.outcomes[0].status == "accepted"
    store = load_store(master)
    quote = store.frame("Quotations").iloc[0]
    assert (quote["quote_no"], quote["customer_id"], quote["quoted_by"]) == ("Q2026-118", "C002", "张三")
    line = store.frame("QuotationLines").iloc[0]
    # The amount column is a formula the rep's program left without a cached result: computed from the spec.
    assert (line["quote_no"], line["customer_id"], line["qty"], line["amount"]) == ("Q2026-118", "C002", 3.0, 5550.0)
    # kept under its label, where it read cert_business_licence
    assert store.frame("IngestionLedger")["header"].iloc[0] == '{"营业执照":"是"}'


def test_quotation_amount_of_a_negative_zero_quantity_is_computed(master: Path, inbox: Path) -> None:
    # "-0" passes the minimum 0 and parses as -0.0; the amount formula is then evaluated over it (it crashed the run).
    form = fill_form(
        blank_form("quotation"),
        header={
            "rep": "张三",
            "quote_no": "Q0",
            "quote_date": "2026-11-20",
            "customer_id": "C002",
            "quoted_by": "张三",
        },
        rows={
            "items": [
                {"product": "齿轮油", "qty": "-0", "unit_price": 100},
                {"product": "液压油", "qty": 2, "unit_price": "1.5"},
            ]
        },
    )
    (inbox / "q0.xlsx").write_bytes(form)
    [outcome] = consolidate(inbox, master, now=NOW).outcomes
    assert outcome.status == "accepted"
    assert load_store(master).frame("QuotationLines")["amount"].tolist() == [0.0, 3.0]


def test_quotation_line_with_a_price_and_no_quantity_is_warned_of_at_the_blank_cell(master: Path, inbox: Path) -> None:
    # 金额 = 数量 × 单价 counts a blank as 0: a price without a quantity (or the reverse) is recorded as 0, said so.
    form = fill_form(
        blank_form("quotation"),
        header={
            "rep": "张三",
            "quote_no": "BJ-X3",
            "quote_date": "2026-12-01",
            "customer_id": "C002",
            "quoted_by": "张三",
        },
        rows={
            "items": [
                {"product": "齿轮油", "unit_price": 350},
                {"product": "液压油", "qty": 4},
                {"product": "机油", "qty": 2, "unit_price": 100},
            ]
        },
    )
    (inbox / "quotation_noqty.xlsx").write_bytes(form)
    [outcome] = consolidate(inbox, master, now=NOW).outcomes
    assert (outcome.status, outcome.rows_added) == ("accepted", 4)  # the quotation and its three lines
    blank = {i.cell: i for i in outcome.issues if "按 0 记录" in i.zh}
    assert sorted(blank) == ["F14", "G15"] and all(i.severity == "warning" for i in blank.values())
    assert blank["F14"].zh == "数量未填写，而单价 350 已填写：金额（数量 × 单价）按 0 记录；请填写数量，或删除这一行"
    assert blank["G15"].en.startswith("Unit price is empty beside Qty 4: Amount (Qty × Unit price) is recorded as 0")
    lines = load_store(master).frame("QuotationLines")
    assert lines["amount"].tolist() == [0.0, 0.0, 200.0]


def test_quotation_for_unknown_customer_is_rejected(master: Path, inbox: Path) -> None:
    form = fill_form(
        blank_form("quotation"),
        header={
            "rep": "张三",
            "quote_no": "Q1",
            "quote_date": "2026-11-20",
            "customer_id": "C404",
            "quoted_by": "张三",
        },
        rows={"items": [{"product": "齿轮油", "qty": 1, "unit_price": 100}]},
    )
    (inbox / "q.xlsx").write_bytes(form)
    [outcome] = consolidate(inbox, master, now=NOW).outcomes
    assert (outcome.status, outcome.code) == ("rejected", "unknown_customer")


def test_quotation_without_its_customer_is_rejected_whole(master: Path, inbox: Path, tmp_path: Path) -> None:
    # 客户编号 is the customer the quotation is about: left empty, its header and lines would be nobody's.
    form = fill_form(
        blank_form("quotation"),
        header={"rep": "张三", "quote_no": "BJ-X2", "quote_date": "2026-12-01", "quoted_by": "张三"},
        rows={"items": [{"product": "齿轮油", "qty": 10, "unit_price": 350}]},
    )
    (inbox / "quotation_nocust.xlsx").write_bytes(form)
    [outcome] = consolidate(inbox, master, quarantine_dir=tmp_path / "q", now=NOW).outcomes
    assert (outcome.status, outcome.code, outcome.rows_added) == ("rejected", "no_customer", 0)
    assert outcome.reason_zh.startswith("客户编号（B8）未填写：本表单针对一个客户")
    assert outcome.reason_en.startswith("Customer ID (B8) is empty: the form is about one customer and names none")
    assert (tmp_path / "q" / "quotation_nocust.xlsx").exists()
    store = load_store(master)
    assert store.frame("Quotations").empty and store.frame("QuotationLines").empty


def test_retyped_form_without_meta_is_accepted_with_a_warning(master: Path, inbox: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["业务员", "张三", "期间", "2026-W48"])
    sheet.append([])
    sheet.append(["回访日期", "客户编号", "客户名称", "拜访对象", "方式", "回访记录", "客户评价"])
    sheet.append(["2026-11-23", "C001", "华强", "刘总", "电话", "确认订单", "良好"])
    sheet.append(["2026-11-24", "C002", "永利", "", "面谈", "看新厂房", "一般"])
    book.save(inbox / "自己做的表.xlsx")
    [outcome] = consolidate(inbox, master, now=NOW).outcomes
    assert (outcome.status, outcome.form_id, outcome.rep, outcome.period) == (
        "accepted",
        "visit_record",
        "张三",
        "2026-W48",
    )
    assert any("按表头识别为" in i.zh and i.severity == "warning" for i in outcome.issues)
    visits = load_store(master).frame("Visits")
    assert visits[["customer_id", "content", "source_row"]].values.tolist() == [
        ["C001", "确认订单", 4],
        ["C002", "看新厂房", 5],
    ]


def test_retyped_lines_below_a_blank_row_are_reported_not_dropped_unseen(master: Path, inbox: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["业务员", "张三", "期间", "2026-W48"])
    sheet.append(["回访日期", "客户编号", "客户名称", "拜访对象", "方式", "回访记录", "客户评价"])
    sheet.append(["2026-11-23", "C001", "华强", "刘总", "电话", "确认订单", "良好"])
    sheet.append([])
    sheet.append(["2026-11-24", "C002", "永利", "", "面谈", "看新厂房", "一般"])
    book.save(inbox / "有空行.xlsx")
    [outcome] = consolidate(inbox, master, now=NOW).outcomes
    assert outcome.rows_added == 1
    [note] = [i for i in outcome.issues if "空行" in i.zh]
    assert note.severity == "warning" and note.zh.startswith("空行 4 以下的 1 行未读取（第一行：第 5 行）")


def test_retyped_quotation_reads_the_signature_below_the_table(master: Path, inbox: Path) -> None:
    # As LibreOffice saves a form to legacy .xls: computed amounts of blank lines become 0, the totals row and
    # the signature section follow the table.
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["报价单号", "Q9", "报价日期", "2026-11-20", "客户编号", "C002"])
    sheet.append(["产品名称", "数量", "单价", "金额"])
    sheet.append(["齿轮油", 2, 100, 200])
    sheet.append([None, None, None, 0])
    sheet.append([None, None, "合计", 200])
    sheet.append(["业务员", "张三", "报价人签字", "张三"])
    book.save(inbox / "报价.xlsx")
    [outcome] = consolidate(inbox, master, now=NOW).outcomes
    assert (outcome.status, outcome.form_id, outcome.rows_added) == ("accepted", "quotation", 2)  # quote + line
    assert outcome.header["quoted_by"] == "张三" and outcome.errors == []


def test_workbook_that_is_no_form_is_rejected(master: Path, inbox: Path) -> None:
    book = openpyxl.Workbook()
    book.active.append(["产品", "库存"])
    book.save(inbox / "库存.xlsx")
    [outcome] = consolidate(inbox, master, now=NOW).outcomes
    assert (outcome.status, outcome.code) == ("rejected", "not_form")
    assert outcome.reason_zh.startswith("不是表单")


def test_older_version_is_read_through_its_own_field_map() -> None:
    # Version 2 of the spec moved columns around; a version-1 file still says in _meta where each field is.
    current = load_form("visit_record")
    visits = current.section("visits")
    moved = dataclasses.replace(visits, fields=tuple(reversed(visits.fields)))
    v2 = dataclasses.replace(
        current, version=2, sections=tuple(moved if s.id == "visits" else s for s in current.sections)
    )
    data = fill_form(
        blank_form("visit_record"),
        header={"rep": "张三", "period": "2026-W48"},
        rows={"visits": [{"date": "2026-11-23", "customer_id": "C001", "content": "老版本"}]},
    )
    extracted = extract(data, "xlsx", {"visit_record": v2}, "old.xlsx")
    assert extracted.version == 1
    assert any("version 1" in en for en, _ in extracted.warnings)
    outcome = FileOutcome("old.xlsx")
    check_form(outcome, extracted, v2, lang="zh", strict=False)
    [row] = outcome.rows
    assert (row.values["customer_id"], row.values["content"], row.refs["customer_id"]) == ("C001", "老版本", "B8")


def test_retyped_form_missing_a_required_header_field_says_so(master: Path, inbox: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["业务员", "李四", "期间", "2026-11", "产品类别", "润滑油"])
    sheet.append(["竞争对手", "产品", "价格", "促销活动", "我方对策"])
    sheet.append(["长城", "液压油", "1780", "买十送一", "加强服务"])
    book.save(inbox / "竞品.xlsx")
    [outcome] = consolidate(inbox, master, now=NOW).outcomes
    assert outcome.status == "partial"
    assert [(i.field_label("zh"), i.zh) for i in outcome.errors] == [("城市", "工作簿中找不到必填项")]
    assert load_store(master).frame("Competitors")["category"].tolist() == ["润滑油"]


def test_slash_dates_take_the_order_their_column_shows(master: Path, inbox: Path) -> None:
    form = fill_form(
        blank_form("visit_record", lang="en"),
        header={"rep": "张三", "period": "2026-W46"},
        rows={
            "visits": [
                {"date": "25/11/2026", "customer_id": "C001"},
                {"date": "05/11/2026", "customer_id": "C002", "rating": "Good"},
            ]
        },
    )
    (inbox / "uk dates.xlsx").write_bytes(form)
    [outcome] = consolidate(inbox, master, now=NOW).outcomes
    assert outcome.status == "accepted"
    dates = load_store(master).frame("Visits")["date"].dt.strftime("%Y-%m-%d").tolist()
    assert dates == ["2026-11-25", "2026-11-05"]


def test_prefilled_form_signed_by_another_rep_waits_for_review(master: Path, inbox: Path) -> None:
    form = fill_form(
        blank_form("visit_record", context=FormContext(rep="张三", period="2026-W48")),
        header={"rep": "李四"},
        rows={"visits": [{"date": "2026-11-23", "customer_id": "C001"}]},
    )
    (inbox / "signed.xlsx").write_bytes(form)
    [outcome] = consolidate(inbox, master, now=NOW).outcomes
    # The typed rep is the truth; the form was made for someone else, so a person decides before anything merges.
    assert (outcome.rep, outcome.period, outcome.status, outcome.rows_added) == ("李四", "2026-W48", "needs_review", 0)
    assert outcome.reason_zh == "表单为 张三 生成，但填写的业务员为 李四"


def _below_table(form: bytes, table: str, line: dict[str, object]) -> bytes:
    """``form`` with ``line`` (column letter -> value) typed on the row just under table ``table``."""
    book = openpyxl.load_workbook(io.BytesIO(form))
    sheet = next(ws for ws in book.worksheets if table in ws.tables)
    row = CellRange(sheet.tables[table].ref).max_row + 1
    for column, value in line.items():
        sheet[f"{column}{row}"] = value
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.mark.parametrize("saved_as", ["xls", "ods"])
def test_a_form_saved_as_xls_or_ods_loses_no_line_and_no_form(
    master: Path, inbox: Path, tmp_path: Path, libreoffice, saved_as: str
) -> None:
    """A form saved as .xls (WPS, LibreOffice) or as .ods (LibreOffice's own format) has no Excel tables left: a
    line after blank lines, a line typed under the table and the lines of a second table are all read, not only the
    first table's lines up to a blank one, and a form of header fields alone is read, not refused."""
    visit = {"date": "2026-11-23", "customer_id": "C001", "method": "面谈"}
    visits = fill_form(
        blank_form("visit_record"),
        header={"rep": "张三", "period": "2026-W48"},
        rows={"visits": [{**visit, "content": "第一行"}, {}, {}, {**visit, "method": "电话", "content": "空行之后"}]},
    )
    visits = _below_table(visits, "t_visits", {"A": "2026-11-24", "B": "C002", "E": "面谈", "I": "表格下方"})
    followup = fill_form(
        blank_form("key_account_followup"),
        header={"rep": "张三", "period": "2026-W48", "customer_id": "C001"},
        rows={
            "visits": [{"date": "2026-11-25", "method": "面谈", "findings": "跟进"}],
            "quotes": [{"quote_no": "KQ-1", "date": "2026-11-25", "product": "齿轮油", "unit_price": 12}],
        },
    )
    # A form without tables (its fields alone) was refused as "not a form" though it kept _meta.
    report = fill_form(
        blank_form("followup_report"),
        header={"rep": "张三", "customer_id": "C002", "visit_date": "2026-11-26", "content": "回访报告"},
    )
    sources = [tmp_path / "visits.xlsx", tmp_path / "followup.xlsx", tmp_path / "report.xlsx"]
    for path, data in zip(sources, (visits, followup, report)):
        path.write_bytes(data)
    libreoffice(sources, saved_as, inbox)
    outcomes = consolidate(inbox, master, now=NOW).outcomes
    assert [(o.name, o.status, o.reason_en) for o in outcomes] == [
        (f"followup.{saved_as}", "accepted", ""),
        (f"report.{saved_as}", "accepted", ""),
        (f"visits.{saved_as}", "accepted", ""),
    ]
    store = load_store(master)
    assert set(store.frame("Visits")["content"]) == {"第一行", "空行之后", "表格下方", "跟进", "回访报告"}
    assert store.frame("QuotationLines")["product"].tolist() == ["齿轮油"]


@pytest.mark.parametrize("saved_as", ["xls", "ods"])
def test_a_line_holding_a_section_title_of_its_form_does_not_end_the_table_of_an_xls_or_ods(
    master: Path, inbox: Path, tmp_path: Path, libreoffice, saved_as: str
) -> None:
    """Read by its labels, a table ends at the form's own content under it: a section title or the totals label
    where the form writes them, first in its row. A line whose goal is 周总结 (the title of the plan's last
    section) or whose remark is 合计 is a line, and so are the lines under it; before, they were all dropped as text
    outside the form's fields while the file was accepted."""
    plan = [
        {"day": "周一", "date": "2026-11-23", "activity": "拜访", "customer_id": "C001", "goal": "谈返利"},
        {"day": "周五", "date": "2026-11-27", "activity": "拜访", "customer_id": "C002", "goal": "周总结"},
        {"day": "周二", "date": "2026-11-24", "activity": "拜访", "customer_id": "C002", "goal": "合计"},
        {"day": "周三", "date": "2026-11-25", "activity": "拜访", "customer_id": "C001", "goal": "送样品"},
    ]
    source = tmp_path / "plan.xlsx"
    source.write_bytes(
        fill_form(blank_form("weekly_plan"), header={"rep": "张三", "period": "2026-W48"}, rows={"plan": plan})
    )
    libreoffice([source], saved_as, inbox)
    [outcome] = consolidate(inbox, master, now=NOW).outcomes
    assert sorted(load_store(master).frame("WeeklyPlans")["goal"]) == sorted(line["goal"] for line in plan)
    as_xlsx = tmp_path / "as_xlsx"
    as_xlsx.mkdir()
    source.rename(as_xlsx / source.name)
    [read_as_xlsx] = consolidate(as_xlsx, shutil.copy(master.with_suffix(".bak.xlsx"), tmp_path / "m.xlsx")).outcomes
    assert (outcome.status, outcome.rows_added) == (read_as_xlsx.status, read_as_xlsx.rows_added) == ("accepted", 5)


def test_a_weekly_plans_deferred_customers_land_in_their_own_table(master: Path, inbox: Path) -> None:
    """The weekly plan's deferred customers were kept in the ledger's one cell of JSON by field and cell, and a large
    master's pre-filled list outgrew it (tests/test_followup_plan.py): they are rows of DeferredCustomers, with the
    reason the rep typed, and the ledger keeps none of them."""
    (inbox / "plan.xlsx").write_bytes(
        fill_form(
            blank_form("weekly_plan"),
            header={"rep": "张三", "period": "2026-W48"},
            rows={
                "plan": [{"day": "周一", "date": "2026-11-23", "activity": "拜访", "customer_id": "C001"}],
                "deferred": [{"customer_id": "C002", "due_date": "2026-11-20", "reason": "客户出差"}],
            },
        )
    )
    [outcome] = consolidate(inbox, master, now=NOW).outcomes
    assert outcome.status == "accepted"
    store = load_store(master)
    [row] = store.frame("DeferredCustomers").to_dict("records")
    assert (row["customer_id"], row["reason"], row["rep"], row["period"], row["source_row"]) == (
        "C002",
        "客户出差",
        "张三",
        "2026-W48",
        52,
    )
    assert row["due_date"] == pd.Timestamp("2026-11-20")
    assert row["customer_name"] == "佛山永利五金厂"  # named from the master, as a plan line picked by id is
    header = store.frame("IngestionLedger")["header"].iloc[0]
    assert pd.isna(header) or "deferred" not in header


def test_a_laid_out_form_whose_table_header_was_deleted_is_refused_naming_the_table() -> None:
    """Read by its labels (as a legacy .xls is), a form whose table lost its header row is refused, naming the table,
    rather than read without that table's lines."""
    book = openpyxl.load_workbook(io.BytesIO(fill_form(blank_form("weekly_plan"), header={"rep": "张三"})))
    sheet = next(ws for ws in book.worksheets if "t_deferred" in ws.tables)
    header = CellRange(sheet.tables["t_deferred"].ref).min_row
    for cell in sheet[header]:
        cell.value = None
    out = io.BytesIO()
    book.save(out)
    calamine_book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(out.getvalue()))
    with pytest.raises(Rejection, match="Deferred customers") as refused:
        read_laid_out(calamine_book, load_form("weekly_plan"), "业务员每周工作计划表")
    assert "顺延客户" in refused.value.zh and "t_deferred" not in refused.value.zh  # the title the sheet shows


def test_a_laid_out_form_finds_a_second_table_below_a_long_first_one() -> None:
    """Read by its labels (as a legacy .xls is), a weekly plan pre-filled with 250 lines (a rep's visits and calls)
    still has its deferred customers' table found below them, not refused as a form without that header row."""
    plan = [{"day": "周一", "date": "2026-11-23", "activity": "电话", "customer_id": f"C{i:03d}"} for i in range(250)]
    data = fill_form(
        blank_form("weekly_plan", lines={"plan": 250}),
        header={"rep": "张三"},
        rows={"plan": plan, "deferred": [{"customer_id": "C900", "due_date": "2026-11-20", "reason": "客户出差"}]},
    )
    book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    found = read_laid_out(book, load_form("weekly_plan"), "业务员每周工作计划表")
    assert len(found.tables["plan"].rows) == 250
    [(_, line)] = found.tables["deferred"].rows
    assert "C900" in line and "客户出差" in line


def test_a_card_phone_with_another_area_code_is_another_phone(master: Path, inbox: Path) -> None:
    """C003 is 0769-22220000 (Dongguan): a new customer in Shenzhen at 0755-2222 0000 is another phone, created
    (before, the last 8 digits made it a duplicate); 2222-0000 without an area code is C003's in 东莞, and another
    number in 佛山."""
    (inbox / "a.xlsx").write_bytes(
        card("李四", {"customer_id": "N001", "name": "深圳新名字商行", "city": "深圳", "phone": "0755-2222 0000"})
    )
    (inbox / "b.xlsx").write_bytes(
        card("李四", {"customer_id": "N002", "name": "东莞另一商行", "city": "东莞", "phone": "2222-0000"})
    )
    (inbox / "c.xlsx").write_bytes(
        card("李四", {"customer_id": "N003", "name": "深圳第三商行", "city": "佛山", "phone": "2222-0000"})
    )
    result = consolidate(inbox, master, now=NOW)
    assert [(o.name, o.status) for o in result.outcomes] == [
        ("a.xlsx", "accepted"),
        ("b.xlsx", "rejected"),
        ("c.xlsx", "accepted"),
    ]
    found = [(c.file, c.customer_id, c.field, c.score) for c in result.conflicts if c.kind == "duplicate"]
    assert found == [("b.xlsx", "C003", "phone", 80.0)]


def test_a_card_is_compared_with_what_earlier_cards_of_the_run_filled_in(master: Path, inbox: Path) -> None:
    # a.xlsx creates a customer (the duplicate finder is built), b.xlsx fills in C002's blank phone, c.xlsx gives
    # a new customer that phone: a probable duplicate of C002 as the archive now stands, not as it stood at a.xlsx.
    (inbox / "a.xlsx").write_bytes(card("张三", NEW_CARD))
    (inbox / "b.xlsx").write_bytes(
        card("张三", {"customer_id": "C002", "name": "佛山永利五金厂", "phone": "0757-81112222"})
    )
    (inbox / "c.xlsx").write_bytes(card("张三", {"customer_id": "N003", "name": "全新商行", "phone": "0757-81112222"}))
    result = consolidate(inbox, master, now=NOW)
    assert [(o.name, o.status) for o in result.outcomes] == [
        ("a.xlsx", "accepted"),
        ("b.xlsx", "accepted"),
        ("c.xlsx", "rejected"),
    ]
    found = [(c.file, c.customer_id, c.field) for c in result.conflicts if c.kind == "duplicate"]
    assert found == [("c.xlsx", "C002", "phone")]
    assert set(load_store(master).frame("Customers")["customer_id"]) == {"C001", "C002", "C003", "C100"}


def test_a_quotation_whose_customer_cell_was_refused_says_so_not_that_it_is_empty(master: Path, inbox: Path) -> None:
    """A customer typed but refused (longer than the field takes) left the header without a customer, and the file
    was rejected as "客户编号 (B8) is empty", which the rep's cell contradicts: the refusal names the cell's problem."""
    form = fill_form(
        blank_form("quotation"),
        header={"rep": "张三", "quote_no": "Q-1", "quote_date": "2026-11-23", "customer_id": "C001 " + "华" * 90},
        rows={"items": [{"product": "液压油", "qty": 1, "unit_price": 10}]},
    )
    (inbox / "quote.xlsx").write_bytes(form)
    [outcome] = consolidate(inbox, master, now=NOW).outcomes
    assert (outcome.status, outcome.code) == ("rejected", "no_customer")
    assert "could not be taken" in outcome.reason_en and "empty" not in outcome.reason_en
    assert "95 characters" in outcome.reason_en  # the cell's own problem: its length


def _breakdown(filer: str, annual: float = 2000000) -> bytes:
    """A target breakdown of 销售一部 for 2027 filed by ``filer``: the year split between 张三 and 李四."""
    lines = [{"rep": r, "q1": 250000, "q2": 250000, "q3": 250000, "q4": 250000} for r in ("张三", "李四")]
    header = {"rep": filer, "period": "2027-01", "department": "销售一部", "annual_target": annual}
    return fill_form(blank_form("target_breakdown"), header=header, rows={"breakdown": lines})


def test_a_departments_annual_target_filed_by_another_person_stays_one_row_the_filer_a_change(
    master: Path, inbox: Path
) -> None:
    """The annual target is the department's for the year: filed again by someone else it is the same row (before,
    the filer was part of its key and 年度任务 held the department twice, its total doubled), and the new filer is
    a change with before and after, as the monthly targets' 填报人 is."""
    (inbox / "a.xlsx").write_bytes(_breakdown("张三"))
    consolidate(inbox, master, now=NOW)
    (inbox / "a.xlsx").unlink()
    (inbox / "b.xlsx").write_bytes(_breakdown("李四"))
    result = consolidate(inbox, master, now="2026-11-24 18:00:00")
    [outcome] = result.outcomes
    assert outcome.status == "accepted"
    annual = load_store(master).frame("AnnualTargets")
    assert annual[["department", "period", "annual_target", "rep"]].values.tolist() == [
        ["销售一部", "2027-01", 2000000.0, "李四"]
    ]
    changes = [(c.key, c.field, c.before, c.after) for c in result.changes if c.table == "AnnualTargets"]
    assert changes == [("销售一部 / 2027-01", "rep", "张三", "李四")]
    filed = {(c.before, c.after) for c in result.changes if c.table == "SalesTargets" and c.field == "filed_by"}
    assert filed == {("张三", "李四")}
    assert main(["consolidate", "--into", str(master), "--undo", "b.xlsx"]) == 0  # the first filer's row is back
    assert load_store(master).frame("AnnualTargets")["rep"].tolist() == ["张三"]


def test_a_master_holding_a_departments_annual_target_twice_keeps_both_rows_and_says_so(
    master: Path, inbox: Path
) -> None:
    """A master consolidated before the filer left the key may hold a department's year twice. A breakdown filed
    again updates its own filer's row and drops neither; a warning names both rows so the manager keeps one."""
    (inbox / "a.xlsx").write_bytes(_breakdown("张三"))
    consolidate(inbox, master, now=NOW)
    (inbox / "a.xlsx").unlink()
    store = load_store(master)
    annual = store.frames["AnnualTargets"]
    other = {**annual.iloc[0].to_dict(), "rep": "李四", "source_file": "李四/分解.xlsx", "file_sha256": "f" * 64}
    store.frames["AnnualTargets"] = pd.concat([annual, pd.DataFrame([other])], ignore_index=True)
    save_store(store, ["AnnualTargets"], edited=["AnnualTargets"], backup=False)
    (inbox / "b.xlsx").write_bytes(_breakdown("张三", annual=2100000))
    result = consolidate(inbox, master, now="2026-11-24 18:00:00")
    [outcome] = result.outcomes
    annual = load_store(master).frame("AnnualTargets")
    assert annual[["rep", "annual_target"]].values.tolist() == [["张三", 2100000.0], ["李四", 2000000.0]]
    [warning] = [w for w in outcome.warnings if "销售一部 / 2027-01" in w.zh]
    assert "a.xlsx、李四/分解.xlsx" in warning.zh and "a.xlsx" in warning.zh.split("更新了")[1]
    assert "should hold one" in warning.en


def test_a_plan_line_whose_date_is_not_its_weekday_is_warned_of_at_the_date(master: Path, inbox: Path) -> None:
    """The trial's plan line changed to 12-1 while its 星期 still said 周一 (2026-12-01 is a Tuesday) was taken
    without a word: it is kept under its date, with a warning at the date naming both."""
    plan = [
        {"day": "周一", "date": "2026-11-23", "activity": "拜访", "customer_id": "C001"},
        {"day": "周一", "date": "2026-11-24", "activity": "拜访", "customer_id": "C002"},
    ]
    (inbox / "plan.xlsx").write_bytes(
        fill_form(blank_form("weekly_plan"), header={"rep": "张三", "period": "2026-W48"}, rows={"plan": plan})
    )
    [outcome] = consolidate(inbox, master, now=NOW).outcomes
    assert (outcome.status, outcome.rows_added) == ("accepted", 3)  # and the week's WeeklyTargets row
    [warning] = [i for i in outcome.issues if "周二" in i.zh]
    assert (warning.severity, warning.value) == ("warning", "2026-11-24")
    assert warning.zh == "2026-11-24 是周二，而“星期”填的是周一：本行按日期记录；请核对哪一个填错了"
    assert warning.en == (
        "2026-11-24 is a Tue, but Day says Mon: the line is recorded under its date; check which is wrong"
    )


def test_a_corrected_plan_moving_a_customer_to_another_day_updates_that_line(master: Path, inbox: Path) -> None:
    """The trial's corrected weekly plan put a customer back on Monday from Tuesday: the line was added under Monday
    beside Tuesday's, so the master planned the customer twice in the week (and listed Tuesday's as missing from
    the correction). The line is moved, a change with before and after."""

    def plan(days: dict[str, str]) -> bytes:
        lines = [{"date": day, "activity": "拜访", "customer_id": cid} for cid, day in days.items()]
        return fill_form(blank_form("weekly_plan"), header={"rep": "张三", "period": "2026-W48"}, rows={"plan": lines})

    (inbox / "周计划.xlsx").write_bytes(plan({"C001": "2026-11-24", "C002": "2026-11-23"}))
    consolidate(inbox, master, now=NOW)
    (inbox / "周计划.xlsx").unlink()
    (inbox / "周计划(改).xlsx").write_bytes(plan({"C001": "2026-11-23", "C002": "2026-11-23"}))
    result = consolidate(inbox, master, now=NOW)
    [outcome] = result.outcomes
    assert (outcome.corrects, outcome.rows_added, outcome.rows_updated) == ("周计划.xlsx", 0, 1)
    plans = load_store(master).frame("WeeklyPlans")
    assert sorted(zip(plans["customer_id"], plans["date"].dt.strftime("%Y-%m-%d"))) == [
        ("C001", "2026-11-23"),
        ("C002", "2026-11-23"),
    ]
    assert [(c.kind, c.field, c.before, c.after) for c in result.changes] == [
        ("updated", "date", "2026-11-24", "2026-11-23")
    ]
