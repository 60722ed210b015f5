"""Customer registrations, contact profiles and account plans come back: new customers get the next id by the
Settings pattern after the duplicate check, a newly named buyer retires the old one, profile answers are personal
data an export leaves out, a version-1 account plan is still read, and bad cells cost only themselves."""

from __future__ import annotations

import dataclasses
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from keyacct_xl.cli.main import main
from keyacct_xl.consolidate.model import FileOutcome
from keyacct_xl.consolidate.newcustomers import is_new_customer, next_customer_id
from keyacct_xl.consolidate.run import RunResult, consolidate
from keyacct_xl.consolidate.simulate import blank_form, fill_form
from keyacct_xl.consolidate.store import load_store
from keyacct_xl.errors import InputError
from keyacct_xl.forms.catalog import load_form
from keyacct_xl.forms.generator import FormData, build_form
from keyacct_xl.forms.prefill import prefill
from keyacct_xl.master.accounts import CONTACT_PROFILES
from keyacct_xl.master.model import Master
from keyacct_xl.master.reader import load_master
from keyacct_xl.master.settings import settings_from
from keyacct_xl.master.writer import save_master

NOW, LATER = "2026-11-28 18:00:00", "2026-11-29 18:00:00"
REGISTRATION = {
    "rep": "张三",
    "fill_date": "2026-11-24",
    "name": "中山美佳日用品有限公司",
    "address": "中山市东区中山四路88号",
    "region": "华南",
    "phone": "0760-88123456",
    "legal_rep": "梁美佳",
    "tax_id": "91442000MA4UQ7XK3P",
    "enterprise_nature": "私营企业",
    "industry": "批发和零售业",
    "category": "潜在客户",
    "credit_grade": "B",
    "registered_by": "张三",
}


@pytest.fixture
def master(tmp_path: Path) -> Path:
    m = Master.empty()
    m.customers = pd.DataFrame(
        {
            "customer_id": ["C0001", "C0002", "C0009", "N2026-77"],
            "name": ["广州华强贸易有限公司", "佛山永利五金厂", "东莞新世纪超市", "江门联丰物流有限公司"],
            "rep": ["张三", "张三", "李四", "张三"],
            "phone": ["020-83331234", None, None, None],
            "tax_id": ["91440101MA59XXXX1A", None, None, None],
        }
    )
    m.contacts = pd.DataFrame(
        {
            "contact_id": ["K1", "K2"],
            "customer_id": ["C0001", "C0001"],
            "name": ["王经理", "赵会计"],
            "title": ["采购经理", "会计"],
            "phone": ["13800000001", "13800000002"],
            "decision_role": ["采购", None],
        }
    )
    return save_master(m, tmp_path / "master.xlsx", backup=False)


def _run(inbox: Path, master: Path, files: dict[str, bytes], now: str = NOW) -> RunResult:
    for name, data in files.items():
        (inbox / name).write_bytes(data)
    return consolidate(inbox, master, now=now)


def _outcome(result: RunResult, name: str) -> FileOutcome:
    return next(o for o in result.outcomes if o.name == name)


def _registration(header: dict[str, object], contacts: list[dict[str, object]] | None = None) -> bytes:
    return fill_form(
        blank_form("customer_registration"),
        header={**REGISTRATION, **header},
        rows={"contacts": contacts or [{"name": "梁美佳", "title": "总经理", "phone": "13926001234"}]},
    )


def _errors_at(outcome: FileOutcome) -> list[tuple[str, str, str]]:
    return [(i.sheet, i.cell, i.severity) for i in outcome.issues if i.cell]


# -- new customers' ids ---------------------------------------------------------------------------------------


def test_next_id_follows_the_pattern_after_the_highest_number() -> None:
    assert next_customer_id("C{0000}", ["C0001", "C0009", "N2026-77", "C0003", None]) == "C0010"
    assert next_customer_id("KH-{00000}-GZ", ["KH-00041-GZ", "KH-00007-SZ", "C0099"]) == "KH-00042-GZ"
    assert next_customer_id("C{0000}", []) == "C0001"
    assert next_customer_id("C{00}", ["C99"]) == "C100"  # grows past the width rather than wrapping
    assert [is_new_customer(v) for v in (None, " ", "新客户", "ＮＥＷ", "C0001", "新客户公司")] == [
        True,
        True,
        True,
        True,
        False,
        False,
    ]


def test_a_pattern_without_a_placeholder_is_refused_naming_its_cell() -> None:
    with pytest.raises(InputError) as caught:
        settings_from({"客户编号格式": "C-0000"}, where="master.xlsx: 参数设置!B17")
    assert "master.xlsx: 参数设置!B17 (Customer ID Pattern): 'C-0000'" in caught.value.en


def test_a_registration_without_an_id_gets_the_next_id_and_says_so(master: Path, inbox: Path) -> None:
    result = _run(inbox, master, {"reg.xlsx": _registration({"customer_id": None})})
    outcome = _outcome(result, "reg.xlsx")
    assert (outcome.status, outcome.key, outcome.rows_added) == ("accepted", "C0010", 2)
    assert [(c.kind, c.key, c.before, c.after) for c in result.changes] == [("assigned", "C0010", "", "C0010")]
    [notice] = [i for i in outcome.issues if "C0010" in i.en]
    assert (notice.sheet, notice.cell, notice.severity, notice.zh) == (
        "客户档案登记表",
        "B7",
        "warning",
        "新客户 中山美佳日用品有限公司：编号为 C0010",
    )
    store = load_store(master)
    customer = store.frame("Customers").set_index("customer_id").loc["C0010"]
    assert (customer["name"], customer["rep"], customer["grade"], customer["credit_grade"]) == (
        "中山美佳日用品有限公司",
        "张三",
        "C",
        "B",
    )
    assert store.frame("Contacts").set_index("name").loc["梁美佳", "customer_id"] == "C0010"
    assert store.frame("IngestionLedger")["key"].tolist() == ["C0010"]


def test_the_pattern_comes_from_settings(tmp_path: Path, inbox: Path) -> None:
    m = Master.empty()
    m.customers = pd.DataFrame(
        {
            "customer_id": ["KH-00041", "C0500"],
            "rep": ["张三", "张三"],
            "name": ["广州华强贸易有限公司", "佛山永利五金厂"],
        }
    )
    m.settings = settings_from({"customer_id_pattern": "KH-{00000}"})
    path = save_master(m, tmp_path / "master.xlsx", backup=False)
    result = _run(inbox, path, {"reg.xlsx": _registration({"customer_id": "新客户"})})
    assert _outcome(result, "reg.xlsx").key == "KH-00042"
    assert [(c.before, c.after) for c in result.changes] == [("新客户", "KH-00042")]


def test_two_new_customers_in_one_run_get_distinct_ids(master: Path, inbox: Path) -> None:
    card = fill_form(
        blank_form("customer_card"),
        header={
            "rep": "张三",
            "fill_date": "2026-11-23",
            "customer_id": "新客户",
            "name": "珠海海港五金有限公司",
            "phone": "0756-22334455",
        },
    )
    result = _run(inbox, master, {"card.xlsx": card, "reg.xlsx": _registration({"customer_id": None})})
    assert (_outcome(result, "card.xlsx").key, _outcome(result, "reg.xlsx").key) == ("C0010", "C0011")
    ids = load_store(master).frame("Customers")["customer_id"].tolist()
    assert ids == ["C0001", "C0002", "C0009", "N2026-77", "C0010", "C0011"]


def test_a_customer_registered_earlier_in_the_same_run_is_found_by_later_files(master: Path, inbox: Path) -> None:
    # The new customer's row reaches the archive only when a later file reads it: a card filling its city, a
    # visit naming it by its name.
    card = fill_form(
        blank_form("customer_card"),
        header={
            "rep": "张三",
            "fill_date": "2026-11-25",
            "customer_id": "C0010",
            "name": "中山美佳日用品有限公司",
            "city": "中山",
        },
    )
    visit = fill_form(
        blank_form("visit_record"),
        header={"rep": "张三", "period": "2026-W48"},
        rows={
            "visits": [
                {
                    "date": "2026-11-26",
                    "customer_id": "中山美佳日用品有限公司",
                    "method": "电话",
                    "purpose": "回访",
                    "content": "确认首单",
                    "rating": "良好",
                }
            ]
        },
    )
    result = _run(
        inbox, master, {"reg.xlsx": _registration({"customer_id": None}), "card.xlsx": card, "visit.xlsx": visit}
    )
    assert [(o.name, o.status, o.rows_updated) for o in result.outcomes if o.name != "reg.xlsx"] == [
        ("card.xlsx", "accepted", 1),
        ("visit.xlsx", "accepted", 0),
    ]
    store = load_store(master)
    assert store.frame("Customers").set_index("customer_id").loc["C0010", ["name", "city"]].tolist() == [
        "中山美佳日用品有限公司",
        "中山",
    ]
    assert store.frame("Visits")["customer_id"].tolist() == ["C0010"]


@pytest.mark.parametrize(
    "same", [{"tax_id": "91440101MA59XXXX1A"}, {"phone": "020 8333 1234"}, {"name": "广州市华强贸易有限公司"}]
)
def test_a_probable_duplicate_is_held_not_given_an_id(master: Path, inbox: Path, same: dict[str, str]) -> None:
    result = _run(inbox, master, {"reg.xlsx": _registration({"customer_id": None, **same})})
    outcome = _outcome(result, "reg.xlsx")
    assert (outcome.status, outcome.code, outcome.rows_added) == ("rejected", "duplicate_customer", 0)
    assert [(c.kind, c.customer_id) for c in result.conflicts] == [("duplicate", "C0001")]
    assert not [c for c in result.changes if c.kind == "assigned"]
    assert len(load_store(master).frame("Customers")) == 4


def test_a_corrected_registration_updates_the_customer_its_first_copy_created(master: Path, inbox: Path) -> None:
    _run(inbox, master, {"reg.xlsx": _registration({"customer_id": None})})
    (inbox / "reg.xlsx").unlink()
    corrected = _registration({"customer_id": None, "address": "中山市东区中山四路90号"})
    result = _run(inbox, master, {"reg2.xlsx": corrected}, now=LATER)
    outcome = _outcome(result, "reg2.xlsx")
    assert (outcome.status, outcome.key, outcome.corrects, outcome.rows_added) == ("accepted", "C0010", "reg.xlsx", 0)
    assert result.conflicts == [] and not [c for c in result.changes if c.kind == "assigned"]
    customers = load_store(master).frame("Customers").set_index("customer_id")
    assert len(customers) == 5 and customers.loc["C0010", "address"] == "中山市东区中山四路90号"


def test_next_weeks_prefilled_forms_know_the_new_id(master: Path, inbox: Path) -> None:
    _run(inbox, master, {"reg.xlsx": _registration({"customer_id": "新客户"})})
    archive = load_master(master)
    visits = prefill(load_form("visit_record"), archive, rep="张三", period="2026-W49")
    assert "C0010 中山美佳日用品有限公司" in visits.dropdowns[("visits", "customer_id")]
    card = prefill(load_form("customer_card"), archive, rep="张三", customer="C0010")
    assert (card.header["name"], [r["name"] for r in card.rows["contacts"]]) == ("中山美佳日用品有限公司", ["梁美佳"])


# -- contacts: the buyer a newer one replaces -----------------------------------------------------------------


def _card_naming(contacts: list[dict[str, object]], fill_date: str = "2026-11-26") -> bytes:
    return fill_form(
        blank_form("customer_card"),
        header={"rep": "张三", "fill_date": fill_date, "customer_id": "C0001", "name": "广州华强贸易有限公司"},
        rows={"contacts": contacts},
    )


def test_a_card_naming_a_new_buyer_retires_the_old_one_with_before_and_after(master: Path, inbox: Path) -> None:
    result = _run(
        inbox,
        master,
        {
            "card.xlsx": _card_naming(
                [{"name": "钱主管", "title": "采购主管", "phone": "13900000003", "decision_role": "采购"}]
            )
        },
    )
    assert _outcome(result, "card.xlsx").status == "accepted"
    store = load_store(master)
    contacts = store.frame("Contacts").set_index("name")
    assert contacts.index.tolist() == ["王经理", "赵会计", "钱主管"]  # kept, never deleted
    assert (contacts.loc["王经理", "active"], contacts.loc["王经理", "left_date"]) == ("否", pd.Timestamp("2026-11-26"))
    assert pd.isna(contacts.loc["钱主管", "active"]) and contacts.loc["钱主管", "decision_role"] == "采购"
    assert pd.isna(contacts.loc["赵会计", "active"])  # not a buyer: stays
    changes = {(c.key, c.field): (c.before, c.after) for c in result.changes if c.table == "Contacts"}
    assert changes == {
        ("C0001 / 王经理 / 13800000001", "active"): ("", "否"),
        ("C0001 / 王经理 / 13800000001", "left_date"): ("", "2026-11-26"),
    }
    history = store.frame("SubmissionHistory")
    replaced = history[history["change"] == "updated"]
    assert replaced["data"].str.contains('"name":"王经理"').tolist() == [True]
    # The next pre-filled card lists the people still there.
    card = prefill(load_form("customer_card"), load_master(master), rep="张三", customer="C0001")
    assert [r["name"] for r in card.rows["contacts"]] == ["赵会计", "钱主管"]


def test_a_card_naming_the_same_buyer_again_retires_nobody(master: Path, inbox: Path) -> None:
    result = _run(
        inbox,
        master,
        {
            "card.xlsx": _card_naming(
                [
                    {"name": "王经理", "phone": "13800000001", "decision_role": "采购"},
                    {"name": "钱主管", "phone": "13900000003", "decision_role": "使用者"},
                ]
            )
        },
    )
    assert not [c for c in result.changes if c.field == "active"]
    assert load_store(master).frame("Contacts")["active"].isna().all()


def test_a_buyer_named_earlier_in_the_same_run_is_retired_by_a_later_card(master: Path, inbox: Path) -> None:
    result = _run(
        inbox,
        master,
        {
            "a.xlsx": _card_naming([{"name": "钱主管", "phone": "13900000003", "decision_role": "采购"}], "2026-11-23"),
            "b.xlsx": _card_naming([{"name": "孙晓梅", "phone": "13900000009", "decision_role": "采购"}], "2026-11-27"),
        },
    )
    contacts = load_store(master).frame("Contacts").set_index("name")
    assert contacts["active"].to_dict() == {"王经理": "否", "赵会计": None, "钱主管": "否", "孙晓梅": None}
    assert contacts.loc["钱主管", "left_date"] == pd.Timestamp("2026-11-27")
    assert [(c.file, c.key) for c in result.changes if c.field == "active"] == [
        ("a.xlsx", "C0001 / 王经理 / 13800000001"),
        ("b.xlsx", "C0001 / 钱主管 / 13900000003"),
    ]
    # b corrects a: the buyer it retired is reported as retired, not also as missing from the correction.
    assert [(o.name, o.corrects) for o in result.outcomes] == [("a.xlsx", ""), ("b.xlsx", "a.xlsx")]
    assert [c for c in result.changes if c.kind == "removed"] == []


def test_a_profile_naming_a_new_buyer_retires_the_old_one(master: Path, inbox: Path) -> None:
    profile = fill_form(
        blank_form("contact_profile"),
        header={
            "rep": "张三",
            "customer_id": "C0001",
            "name": "孙晓梅",
            "title": "采购总监",
            "mobile": "13900000009",
            "decision_role": "Buyer",
            "relationship_level": "良好",
            "spouse_name": "李强",
            "department": "采购部",
        },
    )
    result = _run(inbox, master, {"profile.xlsx": profile})
    outcome = _outcome(result, "profile.xlsx")
    assert (outcome.status, outcome.key, outcome.rows_added, outcome.rows_updated) == (
        "accepted",
        "C0001 / 孙晓梅",
        2,
        1,
    )
    store = load_store(master)
    contacts = store.frame("Contacts").set_index("name")
    assert (contacts.loc["王经理", "active"], contacts.loc["王经理", "left_date"]) == ("否", pd.Timestamp("2026-11-28"))
    assert (contacts.loc["孙晓梅", "decision_role"], contacts.loc["孙晓梅", "relationship_level"]) == ("采购", "良好")
    [row] = store.frame("ContactProfiles").to_dict("records")
    assert (row["customer_id"], row["name"], row["department"], row["spouse_name"]) == (
        "C0001",
        "孙晓梅",
        "采购部",
        "李强",
    )


# -- personal data --------------------------------------------------------------------------------------------

PERSONAL_ANSWERS = (
    "school",
    "military_service",
    "height_build",
    "career_history",
    "marital_status",
    "spouse_name",
    "spouse_occupation",
    "anniversary",
    "clubs",
    "sports",
    "food_drink",
    "smoking",
    "drinking",
    "reading",
    "vacation",
    "career_goals",
    "proudest_achievement",
    "competitor_ties",
    "office_phone",
)


def test_profile_answers_about_the_person_are_sensitive_and_left_out_of_an_export(
    master: Path, inbox: Path, tmp_path: Path
) -> None:
    assert {c.key for c in CONTACT_PROFILES.columns if c.sensitive} == set(PERSONAL_ANSWERS)
    spec = load_form("contact_profile")
    marked = {f.key for f in spec.header_fields if f.sensitive and f.key in CONTACT_PROFILES.keys}
    assert marked == set(PERSONAL_ANSWERS)  # what the form marks sensitive, the table marks too
    answers = {
        "spouse_name": "李秀兰",
        "spouse_occupation": "中学教师",
        "school": "华南理工大学",
        "career_goals": "三年内升任副总",
        "office_phone": "020-83339876",
        "anniversary": "2008-10-01",
    }
    profile = fill_form(
        blank_form("contact_profile"),
        header={
            "rep": "张三",
            "customer_id": "C0001",
            "name": "王经理",
            "mobile": "13800000001",
            "department": "采购部",
            "attitude_to_us": "支持",
            **answers,
        },
    )
    assert _outcome(_run(inbox, master, {"profile.xlsx": profile}), "profile.xlsx").status == "accepted"
    out = tmp_path / "export.xlsx"
    assert main(["master", "export", str(master), "--out", str(out), "--without-sensitive"]) == 0
    with zipfile.ZipFile(out) as archive:
        text = "".join(archive.read(n).decode("utf-8", errors="replace") for n in archive.namelist())
    assert [v for k, v in answers.items() if k != "anniversary" and v in text] == []
    [row] = load_store(out).frame("ContactProfiles").to_dict("records")
    assert (row["name"], row["department"], row["attitude_to_us"]) == ("王经理", "采购部", "支持")
    assert all(pd.isna(row[k]) for k in PERSONAL_ANSWERS)


# -- account plans --------------------------------------------------------------------------------------------

PLAN = {
    "rep": "张三",
    "period": "2026-11",
    "fill_date": "2026-11-26",
    "customer_id": "C0001",
    "year": 2027,
    "sales_target": 1_200_000,
    "strengths": "交货快",
}


def _plan(header: dict[str, object], actions: list[dict[str, object]]) -> bytes:
    return fill_form(blank_form("account_plan"), header={**PLAN, **header}, rows={"action_items": actions})


def test_an_account_plan_lands_with_its_actions(master: Path, inbox: Path) -> None:
    plan = _plan(
        {},
        [
            {"action": "提交配套方案", "owner": "张三", "due_date": "2027-01-15", "status": "未开始"},
            {"action": "季度回顾", "owner": "张三", "due_date": "2027-03-31", "status": "进行中"},
        ],
    )
    outcome = _outcome(_run(inbox, master, {"plan.xlsx": plan}), "plan.xlsx")
    assert (outcome.status, outcome.key, outcome.rows_added) == ("accepted", "C0001 / 2027", 3)
    store = load_store(master)
    [row] = store.frame("AccountPlans").to_dict("records")
    assert (row["customer_id"], row["year"], row["sales_target"], row["strengths"]) == (
        "C0001",
        2027,
        1_200_000,
        "交货快",
    )
    actions = store.frame("AccountPlanActions")
    assert actions[["year", "action", "status"]].values.tolist() == [
        [2027, "提交配套方案", "未开始"],
        [2027, "季度回顾", "进行中"],
    ]
    assert actions["due_date"].tolist() == [pd.Timestamp("2027-01-15"), pd.Timestamp("2027-03-31")]


def test_plans_of_two_years_are_two_plans(master: Path, inbox: Path) -> None:
    result = _run(
        inbox,
        master,
        {"a.xlsx": _plan({"year": 2026}, [{"action": "回访"}]), "b.xlsx": _plan({"year": 2027}, [{"action": "回访"}])},
    )
    assert [o.corrects for o in result.outcomes] == ["", ""]
    assert load_store(master).frame("AccountPlans")["year"].tolist() == [2026, 2027]


def test_a_version_1_plan_is_read_and_its_action_text_kept_in_the_plan(master: Path, inbox: Path) -> None:
    current = load_form("account_plan")
    account = current.section("account")
    v1 = dataclasses.replace(
        current,
        version=1,
        sections=tuple(
            dataclasses.replace(s, fields=tuple(f for f in s.fields if f.key != "year")) if s is account else s
            for s in current.sections
            if s.id != "action_items"
        ),
    )
    old = fill_form(
        build_form(v1, lang="zh", data=FormData()),
        header={"rep": "张三", "period": "2026-11", "customer_id": "C0001", "actions": "一季度上门两次，推新品"},
    )
    outcome = _outcome(_run(inbox, master, {"old.xlsx": old}), "old.xlsx")
    assert (outcome.status, outcome.version, outcome.key) == ("accepted", 1, "C0001 / 2026")
    assert {i.en for i in outcome.issues} >= {
        "account_plan version 1, read through that version's field map",
        "no plan year given: 2026, from the period 2026-11",
    }
    [year] = [i for i in outcome.issues if i.en.startswith("no plan year")]
    assert (year.field_label("zh"), year.field_label("en")) == ("年度", "Year")  # the master's column, not its key
    [row] = load_store(master).frame("AccountPlans").to_dict("records")
    assert (row["year"], row["actions"]) == (2026, "一季度上门两次，推新品")


# -- bad input costs only itself ------------------------------------------------------------------------------


def test_a_bad_due_date_blanks_that_cell_and_keeps_the_plan_and_its_lines(master: Path, inbox: Path) -> None:
    plan = _plan({"year": "明年"}, [{"action": "提交配套方案", "due_date": "2027-02-30"}, {"action": "季度回顾"}])
    outcome = _outcome(_run(inbox, master, {"plan.xlsx": plan}), "plan.xlsx")
    assert outcome.status == "partial"
    found = {(i.field_label("zh"), i.value): (i.sheet, i.cell, i.severity) for i in outcome.issues if i.cell}
    assert found[("计划年度", "明年")] == ("重点客户经营计划书", "B8", "error")
    assert found[("完成期限", "2027-02-30")] == ("重点客户经营计划书", "C39", "warning")
    store = load_store(master)
    assert store.frame("AccountPlans")["year"].tolist() == [2026]  # the period's year, said in a warning
    assert store.frame("AccountPlanActions")["action"].tolist() == ["提交配套方案", "季度回顾"]


def test_a_bad_birthday_costs_only_that_cell(master: Path, inbox: Path) -> None:
    profile = fill_form(
        blank_form("contact_profile"),
        header={"rep": "张三", "customer_id": "C0001", "name": "孙晓梅", "birthday": "1981-13-40", "sports": "网球"},
    )
    outcome = _outcome(_run(inbox, master, {"profile.xlsx": profile}), "profile.xlsx")
    assert (outcome.status, _errors_at(outcome)) == ("partial", [("重要客户个人资料表（麦凯66问）", "B15", "error")])
    store = load_store(master)
    assert store.frame("Contacts")["name"].tolist()[-1] == "孙晓梅"
    assert store.frame("ContactProfiles")["sports"].tolist() == ["网球"]


def test_a_registration_with_a_bad_founding_date_still_registers_the_customer(master: Path, inbox: Path) -> None:
    outcome = _outcome(_run(inbox, master, {"reg.xlsx": _registration({"founded": "去年"})}), "reg.xlsx")
    assert outcome.status == "partial" and ("客户档案登记表", "B12", "error") in _errors_at(outcome)
    assert "C0010" in load_store(master).frame("Customers")["customer_id"].tolist()


@pytest.mark.parametrize(
    ("form", "header", "cell"), [("account_plan", {}, "B7"), ("contact_profile", {"name": "孙晓梅"}, "B7")]
)
def test_an_unknown_customer_refuses_the_file_naming_the_cell(
    master: Path, inbox: Path, form: str, header: dict[str, str], cell: str
) -> None:
    data = fill_form(blank_form(form), header={"rep": "张三", "customer_id": "C0999", **header})
    outcome = _outcome(_run(inbox, master, {"f.xlsx": data}), "f.xlsx")
    assert (outcome.status, outcome.code) == ("rejected", "unknown_customer")
    [issue] = [i for i in outcome.issues if i.value == "C0999"]
    assert (issue.cell, issue.severity) == (cell, "error")
    assert issue.zh.startswith("客户 C0999 不在客户档案中")


def test_a_plan_for_another_reps_customer_is_refused_at_its_cell(master: Path, inbox: Path) -> None:
    outcome = _outcome(
        _run(inbox, master, {"plan.xlsx": _plan({"customer_id": "C0009"}, [{"action": "回访"}])}), "plan.xlsx"
    )
    [issue] = [i for i in outcome.issues if i.value == "C0009"]
    assert (outcome.status, outcome.code, issue.sheet, issue.cell, issue.severity) == (
        "rejected",
        "foreign_customer",
        "重点客户经营计划书",
        "B7",
        "error",
    )
    assert issue.zh == "客户 C0009 由 李四 负责：业务员只能填报本人负责的客户"
    assert load_store(master).frame("AccountPlanActions").empty
