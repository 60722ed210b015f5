"""Words people write: choice synonyms, "does not apply" marks and customers given by name.

Forms are generated, filled with openpyxl as a rep would, and consolidated into a master written to disk.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from keyacct_xl.cli.main import main
from keyacct_xl.consolidate.model import FileOutcome, Issue
from keyacct_xl.consolidate.run import consolidate
from keyacct_xl.consolidate.simulate import blank_form, fill_form
from keyacct_xl.consolidate.store import load_store
from keyacct_xl.demo.activity import METHODS, RATINGS
from keyacct_xl.demo.company import generate_demo
from keyacct_xl.errors import SpecError
from keyacct_xl.forms.catalog import shared_lists
from keyacct_xl.forms.spec import load_lists
from keyacct_xl.master.model import Master
from keyacct_xl.master.writer import save_master

NOW = "2026-11-28 18:00:00"  # the Saturday of the week the forms report: no visit lies after it
MONDAY = dt.datetime(2026, 11, 23)


@pytest.fixture
def master(tmp_path: Path) -> Path:
    m = Master.empty()
    m.customers = pd.DataFrame(
        {
            "customer_id": ["C001", "C002", "C003", "C004"],
            "name": ["广州华强贸易有限公司", "佛山永利五金厂", "东莞新世纪超市", "深圳新世纪百货有限公司"],
            "short_name": ["华强贸易", "永利五金", "新世纪", "新世纪"],
            "rep": ["张三"] * 4,
        }
    )
    return save_master(m, tmp_path / "master.xlsx", backup=False)


@pytest.fixture
def inbox(tmp_path: Path) -> Path:
    folder = tmp_path / "inbox"
    folder.mkdir()
    return folder


def _run(inbox: Path, master: Path, name: str, content: bytes) -> FileOutcome:
    (inbox / name).write_bytes(content)
    [outcome] = consolidate(inbox, master, now=NOW).outcomes
    return outcome


def _visit_form(rows: list[dict], *, rep: str = "张三", period: str = "2026-W48") -> bytes:
    form = blank_form("visit_record", lines={"visits": max(len(rows), 1)})
    return fill_form(form, header={"rep": rep, "period": period}, rows={"visits": rows})


def _warnings(outcome: FileOutcome) -> list[Issue]:
    return [i for i in outcome.issues if i.severity == "warning"]


# --- choice synonyms ----------------------------------------------------------------------------------------------


def test_every_method_and_rating_the_demo_writes_is_stored_as_its_choice(master: Path, inbox: Path) -> None:
    answered = {"problems": "送货延误", "countermeasure": "上门致歉"}  # a poor rating needs both (poor_ratings.py)
    rows = [
        {
            "date": MONDAY + dt.timedelta(days=i),
            "customer_id": "C001",
            "method": method,
            "rating": RATINGS[i % len(RATINGS)],
            "content": "回访",
            **answered,
        }
        for i, method in enumerate(METHODS)
    ]
    rows.append({"date": MONDAY, "customer_id": "C002", "method": "电话", "rating": RATINGS[-1], **answered})
    outcome = _run(inbox, master, "v.xlsx", _visit_form(rows))
    assert (outcome.status, outcome.errors) == ("accepted", [])
    visits = load_store(master).frame("Visits")
    assert visits["method"].tolist() == ["面谈", "电话", "电子邮件", "其他", "电话"]
    assert visits["rating"].tolist() == ["优秀", "良好", "一般", "差", "很差"]
    read = {(w.field_label("zh"), w.value): w for w in _warnings(outcome)}
    assert read[("方式", "面访")].zh == "面访 按 面谈 读取" and read[("方式", "面访")].cell == "E8"
    assert read[("方式", "邮件")].en == "'邮件' read as E-mail"
    assert read[("客户评价", "很好")].zh == "很好 按 优秀 读取"
    assert read[("客户评价", "好")].zh == "好 按 良好 读取"
    # Canonical values are read silently.
    assert not any(value in ("电话", "其他", "一般", "差", "很差") for _, value in read)


def test_case_spaces_and_full_width_forms_of_a_choice_are_read_silently(master: Path, inbox: Path) -> None:
    rows = [
        {"date": MONDAY, "customer_id": "C001", "method": " face-to-FACE ", "rating": "ＧＯＯＤ"},
        {
            "date": MONDAY,
            "customer_id": "C002",
            "method": "微信／ＱＱ",
            "rating": "very  poor",
            "problems": "送货延误",
            "countermeasure": "上门致歉",
        },
        {"date": MONDAY, "customer_id": "C003", "method": "ｅｍａｉｌ", "rating": "马马虎虎"},
    ]
    outcome = _run(inbox, master, "v.xlsx", _visit_form(rows))
    assert outcome.errors == []
    visits = load_store(master).frame("Visits")
    assert visits["method"].tolist() == ["面谈", "微信/QQ", "电子邮件"]
    assert visits["rating"].tolist()[:2] == ["良好", "很差"]
    # Only the synonym (email for 电子邮件) is noted; a label in another case or width is the label.
    # A word no list declares is still refused (an optional cell: blanked with a warning).
    noted, refused = _warnings(outcome)
    assert (noted.value, noted.zh) == ("ｅｍａｉｌ", "ｅｍａｉｌ 按 电子邮件 读取")
    assert refused.value == "马马虎虎" and refused.zh.startswith("'马马虎虎' 不在可选值中")


def _lists(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "_lists.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_loader_refuses_a_synonym_that_names_another_choice(tmp_path: Path) -> None:
    ok = load_lists(_lists(tmp_path, "rating:\n  - {zh: 良好, en: Good, synonyms: [好]}\n  - 一般|Fair\n"))
    assert ok["rating"][0].synonyms == ("好",)
    with pytest.raises(SpecError) as label:
        load_lists(_lists(tmp_path, "rating:\n  - {zh: 良好, en: Good, synonyms: [好, fair]}\n  - 一般|Fair\n"))
    assert str(label.value) == "_lists.yaml: rating[0].synonyms[1]: 'fair' would read as both 良好 and 一般"
    with pytest.raises(SpecError) as twice:
        load_lists(
            _lists(
                tmp_path,
                "m:\n  - {zh: 面谈, en: Meeting, synonyms: [拜访]}\n"
                "  - {zh: 电话, en: Phone, synonyms: [电话拜访, 拜访]}\n",
            )
        )
    assert "m[1].synonyms[1]: '拜访' would read as both 电话 and 面谈" in str(twice.value)
    with pytest.raises(SpecError, match="expected a list of words"):
        load_lists(_lists(tmp_path, "m:\n  - {zh: 面谈, en: Meeting, synonyms: 面访}\n"))


def test_the_shared_lists_declare_the_demo_vocabulary() -> None:
    lists = shared_lists()
    methods = {w: c.zh for c in lists["visit_method"] for w in c.synonyms}
    ratings = {w: c.zh for c in lists["rating5"] for w in c.synonyms}
    assert {m: methods.get(m, m) for m in METHODS} == {
        "面访": "面谈",
        "电话": "电话",
        "邮件": "电子邮件",
        "其他": "其他",
    }
    assert {r: ratings.get(r, r) for r in RATINGS} == {
        "很好": "优秀",
        "好": "良好",
        "一般": "一般",
        "差": "差",
        "很差": "很差",
    }


# --- "does not apply" marks ---------------------------------------------------------------------------------------


def test_wu_in_an_optional_date_or_choice_is_blank_and_keeps_the_line(master: Path, inbox: Path) -> None:
    outcome = _run(
        inbox,
        master,
        "v.xlsx",
        _visit_form(
            [
                {
                    "date": MONDAY,
                    "customer_id": "C001",
                    "method": "面谈",
                    "rating": "无",
                    "next_date": "无",
                    "content": "无",
                },
                {"date": MONDAY, "customer_id": "C002", "method": "N/A", "rating": "－", "next_date": "／"},
            ]
        ),
    )
    assert (outcome.status, outcome.errors, _warnings(outcome)) == ("accepted", [], [])
    visits = load_store(master).frame("Visits")
    assert visits["customer_id"].tolist() == ["C001", "C002"]
    assert visits["rating"].isna().all() and visits["next_date"].isna().all()
    assert visits["method"].tolist()[1] is None
    assert visits["content"].tolist()[0] == "无"  # free text keeps what was typed


def test_wu_in_an_optional_number_is_blank(master: Path, inbox: Path) -> None:
    form = fill_form(
        blank_form("competitor_report"),
        header={"rep": "张三", "period": "2026-11", "city": "广州", "product_category": "日化", "threat_level": "无"},
        rows={
            "competitors": [
                {"competitor": "蓝月亮", "product": "洗衣液", "price": "无", "market_share": "—", "price_trend": "n/a"}
            ]
        },
    )
    outcome = _run(inbox, master, "c.xlsx", form)
    assert (outcome.status, outcome.errors, _warnings(outcome)) == ("accepted", [], [])
    competitors = load_store(master).frame("Competitors")
    assert competitors["competitor"].tolist() == ["蓝月亮"] and competitors["price"].isna().all()


def test_wu_in_a_required_field_is_an_error(master: Path, inbox: Path) -> None:
    outcome = _run(
        inbox,
        master,
        "v.xlsx",
        _visit_form(
            [
                {"date": "无", "customer_id": "C001", "method": "面谈"},
                {"date": MONDAY, "customer_id": "C002", "method": "面谈"},
            ]
        ),
    )
    [error] = outcome.errors
    assert (error.cell, error.value, error.zh) == ("A8", "无", "必填项未填写")
    assert outcome.status == "partial"
    assert load_store(master).frame("Visits")["customer_id"].tolist() == ["C002"]


# --- customers by name -------------------------------------------------------------------------------------------


def test_a_customer_given_by_its_full_or_short_name_is_identified(master: Path, inbox: Path) -> None:
    outcome = _run(
        inbox,
        master,
        "v.xlsx",
        _visit_form(
            [
                {"date": MONDAY, "customer_id": "广州华强贸易有限公司", "method": "面谈"},
                {"date": MONDAY, "customer_id": "永利五金", "method": "电话"},
                {"date": MONDAY, "customer_id": "C003 东莞新世纪超市", "method": "电话"},
            ]
        ),
    )
    assert (outcome.status, outcome.errors) == ("accepted", [])
    assert load_store(master).frame("Visits")["customer_id"].tolist() == ["C001", "C002", "C003"]
    named = [(w.cell, w.value, w.zh) for w in _warnings(outcome)]
    assert named == [
        ("B8", "广州华强贸易有限公司", "按客户名称 广州华强贸易有限公司 识别为 C001"),
        ("B9", "永利五金", "按客户名称 永利五金 识别为 C002"),
    ]


def test_a_name_two_customers_carry_is_an_error_naming_both(master: Path, inbox: Path) -> None:
    outcome = _run(
        inbox,
        master,
        "v.xlsx",
        _visit_form(
            [
                {"date": MONDAY, "customer_id": "新世纪", "method": "面谈"},
                {"date": MONDAY, "customer_id": "华强", "method": "面谈"},
                {"date": MONDAY, "customer_id": "C001", "method": "电话"},
            ]
        ),
    )
    ambiguous, unknown = outcome.errors
    assert (ambiguous.cell, ambiguous.value) == ("B8", "新世纪")
    assert ambiguous.zh == "客户名称 新世纪 对应 2 个客户（C003、C004），请填写客户编号"
    assert unknown.cell == "B9" and unknown.zh.startswith("客户 华强 不在客户档案中")  # no name match: unknown
    assert outcome.status == "partial"
    assert load_store(master).frame("Visits")["customer_id"].tolist() == ["C001"]


# --- acceptance: the demo's own visits ----------------------------------------------------------------------------


def _line(visit: pd.Series) -> dict[str, object]:
    values = {
        "date": visit["date"].to_pydatetime(),
        "customer_id": visit["customer_id"],
        "contact": visit["contact"],
        "method": visit["method"],
        "purpose": visit["purpose"],
        "content": visit["content"],
        "rating": visit["rating"],
        "problems": visit["problems"],
        "countermeasure": visit["next_step"],
    }
    if not pd.isna(visit["next_date"]):
        values["next_date"] = visit["next_date"].to_pydatetime()
    return values


def test_the_demo_visits_consolidate_without_a_refused_choice(tmp_path: Path, inbox: Path) -> None:
    demo = generate_demo(seed=11, customers=60)
    archive = Master.empty()
    archive.customers = demo.customers
    path = save_master(archive, tmp_path / "master.xlsx", backup=False)
    visits = demo.visits
    assert {"面访", "邮件"} <= set(visits["method"]) and {"很好", "好"} <= set(visits["rating"])
    for rep, mine in visits.groupby("rep"):
        lines = [_line(v) for _, v in mine.iterrows()]
        (inbox / f"{rep}.xlsx").write_bytes(_visit_form(lines, rep=str(rep), period="2026-11"))
    outcomes = consolidate(inbox, path, now=NOW).outcomes
    assert len(outcomes) == visits["rep"].nunique()
    assert [i for o in outcomes for i in o.errors] == []
    refused = [i for o in outcomes for i in o.issues if "不在可选值中" in i.zh]
    assert refused == []
    stored = load_store(path).frame("Visits")
    assert len(stored) == len(visits)  # every visit of the demo stored
    assert set(stored["method"]) <= {"面谈", "电话", "电子邮件", "其他"}
    assert set(stored["rating"]) == {"优秀", "良好", "一般", "差", "很差"}
    read = {
        i.value for o in outcomes for i in o.issues if "读取" in i.zh and i.field_label("zh") in ("方式", "客户评价")
    }
    assert read == {"面访", "邮件", "很好", "好"}


def test_a_category_the_master_already_uses_comes_back_on_a_prefilled_card_without_an_error(
    tmp_path: Path, inbox: Path
) -> None:
    """A company that keeps its customers as 经销商 and 终端 (not the catalogue's 重要客户 ...) sent out cards
    pre-filled from its master; every card came back 部分接收 with an error in 客户类别, a field the rep never
    touched. A word the master holds is accepted; a word neither the catalogue nor the master knows still is not."""
    m = Master.empty()
    m.customers = pd.DataFrame(
        {
            "customer_id": ["C001", "C002"],
            "name": ["广州华强贸易有限公司", "佛山永利五金厂"],
            "rep": ["张三"] * 2,
            "category": ["经销商", "终端"],
        }
    )
    path = save_master(m, tmp_path / "master.xlsx", backup=False)
    forms = tmp_path / "forms"
    for customer in ("C001", "C002"):
        generate = ["forms", "generate", "customer_card", "--master", str(path), "--customer", customer]
        assert main([*generate, "--out", str(forms / customer)]) == 0
    cards = sorted(forms.rglob("*.xlsx"), key=lambda p: p.parent.name)
    # The card's 客户类别 dropdown offers the master's words after the catalogue's: a rep can pick 经销商 again.
    assert {"重要客户", "经销商", "终端"} <= set(_dropdown_entries(cards[0], "客户类别"))
    assert len(cards) == 2
    for card in cards:
        (inbox / f"{card.parent.name}.xlsx").write_bytes(card.read_bytes())
    (inbox / "新卡.xlsx").write_bytes(
        fill_form(blank_form("customer_card"), header={"rep": "张三", "name": "东莞新世纪超市", "category": "批发商"})
    )
    result = consolidate(inbox, path, now=NOW)
    errors = {o.name: [(i.field_label("zh"), i.value) for i in o.errors] for o in result.outcomes}
    assert errors == {"C001.xlsx": [], "C002.xlsx": [], "新卡.xlsx": [("客户类别", "批发商")]}
    # The cards' instructions sheet lists the catalogue's choices: read as the form's own, not as text outside it.
    assert [(o.name, i.sheet) for o in result.outcomes for i in o.warnings if o.name != "新卡.xlsx"] == []
    assert sorted(load_store(path).frame("Customers")["category"].dropna()) == ["终端", "经销商"]


def _dropdown_entries(path: Path, label: str) -> list[str]:
    """The entries of the dropdown of the header field labelled ``label`` (inline, or a range of the lists sheet)."""
    book = openpyxl.load_workbook(path)
    sheet = book.worksheets[0]
    cell = next(c for row in sheet.iter_rows() for c in row if c.value == label)
    target = sheet.cell(cell.row, cell.column + 1).coordinate
    for rule in sheet.data_validations.dataValidation:
        if target in rule.sqref and rule.type == "list":
            source = str(rule.formula1)
            if source.startswith('"'):
                return source.strip('"').split(",")
            destinations = book.defined_names[source.lstrip("=")].destinations
            return [str(c.value) for name, ref in destinations for row in book[name][ref] for c in row if c.value]
    return []
