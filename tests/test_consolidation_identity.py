"""Row identity: several files of one week add up, a row sent again updates its row, a correction lists what
it no longer has, the visible cells win over _meta, and files whose rep or period disagree wait for review."""

from __future__ import annotations

import datetime as dt
import io
import json
from dataclasses import replace
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from reportbook import table_ref, table_rows

from keyacct_xl.cli.main import main
from keyacct_xl.consolidate.report import summary_line, write_report
from keyacct_xl.consolidate.run import consolidate
from keyacct_xl.consolidate.simulate import blank_form, fill_form
from keyacct_xl.consolidate.store import load_store
from keyacct_xl.forms.catalog import load_form
from keyacct_xl.forms.generator import FormData, build_form
from keyacct_xl.forms.meta import FormContext
from keyacct_xl.forms.prefill import prefill
from keyacct_xl.headers import resolve_headers
from keyacct_xl.master.model import Master
from keyacct_xl.master.reader import load_master
from keyacct_xl.master.submissions import HISTORY
from keyacct_xl.master.writer import save_master

NOW, LATER = "2026-11-25 18:00:00", "2026-11-28 18:00:00"


@pytest.fixture
def master(tmp_path: Path) -> Path:
    m = Master.empty()
    m.customers = pd.DataFrame(
        {
            "customer_id": ["C001", "C002", "C003"],
            "name": ["广州华强贸易有限公司", "佛山永利五金厂", "东莞新世纪超市"],
            "rep": ["张三", "张三", "李四"],
            "grade": ["A", "B", "C"],
        }
    )
    m.contacts = pd.DataFrame(
        {
            "contact_id": ["K1", "K2"],
            "customer_id": ["C001", "C001"],
            "name": ["王经理", "赵会计"],
            "title": ["采购经理", "会计"],
            "phone": ["13800000001", "13800000002"],
            "nickname": ["老王", None],
            "birthday": pd.to_datetime(["1980-05-01", None]),
        }
    )
    return save_master(m, tmp_path / "master.xlsx", backup=False)


def visits(
    rep: str, lines: list[tuple[str, str, str, str]], period: str = "2026-W48", context: FormContext | None = None
) -> bytes:
    rows = [{"date": d, "customer_id": c, "method": m, "content": text} for d, c, m, text in lines]
    header = {"rep": rep, "period": period} if period else {"rep": rep}
    return fill_form(blank_form("visit_record", context=context), header=header, rows={"visits": rows})


MON_WED = [
    ("2026-11-23", "C001", "面谈", "谈返利"),
    ("2026-11-24", "C002", "电话", "催款"),
    ("2026-11-25", "C001", "电话", "确认订单"),
]
THU_FRI = [("2026-11-26", "C002", "面谈", "送样品"), ("2026-11-27", "C001", "面谈", "签合同")]


def _visits(master: Path) -> pd.DataFrame:
    return load_store(master).frame("Visits")


def test_two_files_of_one_week_are_both_kept(master: Path, inbox: Path) -> None:
    (inbox / "拜访记录.xlsx").write_bytes(visits("张三", MON_WED))
    consolidate(inbox, master, now=NOW)
    (inbox / "拜访记录.xlsx").write_bytes(visits("张三", THU_FRI))  # the same name, sent again on Friday
    result = consolidate(inbox, master, now=LATER)
    assert [(o.status, o.rows_added, o.corrects) for o in result.outcomes] == [("accepted", 2, "")]
    assert _visits(master)["content"].tolist() == ["谈返利", "催款", "确认订单", "送样品", "签合同"]
    # no earlier value was replaced: the history holds only the five rows as their files added them
    history = load_store(master).frame("SubmissionHistory")
    assert result.changes == [] and history["change"].tolist() == ["added"] * 5


def test_a_row_sent_again_updates_its_row_with_before_and_after(master: Path, inbox: Path, tmp_path: Path) -> None:
    (inbox / "a.xlsx").write_bytes(visits("张三", MON_WED))
    consolidate(inbox, master, now=NOW)
    (inbox / "a.xlsx").unlink()
    edited = [("2026-11-23", "C001", "面谈", "谈年度返利，客户同意"), *THU_FRI]
    (inbox / "b.xlsx").write_bytes(visits("张三", edited))
    result = consolidate(inbox, master, now=LATER)
    [outcome] = result.outcomes
    assert (outcome.rows_added, outcome.rows_updated) == (2, 1)
    assert len(_visits(master)) == 5  # not 6: the Monday visit is the same visit
    [change] = result.changes
    assert (change.kind, change.table, change.field, change.before, change.after) == (
        "updated",
        "Visits",
        "content",
        "谈返利",
        "谈年度返利，客户同意",
    )
    assert change.key == "张三 / C001 / 2026-11-23 / 面谈"
    store = load_store(master)
    history = store.frame("SubmissionHistory")
    updated = history[history["change"] == "updated"]
    assert updated["source_file"].tolist() == ["a.xlsx"] and history["change"].value_counts()["added"] == 5
    assert json.loads(updated["data"].iloc[0])["content"] == "谈返利"
    monday = store.frame("Visits").iloc[0]
    assert (monday["content"], monday["source_file"]) == ("谈年度返利，客户同意", "b.xlsx")
    assert "更新 1 行" in summary_line(result, "zh")
    report = write_report(result, tmp_path / "report.xlsx", "zh")
    assert list(table_rows(report, "变更")[1]) == [
        "已更新",
        "b.xlsx",
        "",  # an update names no earlier file: only a row missing from a correction does
        "拜访记录",
        "张三 / C001 / 2026-11-23 / 面谈",
        "内容",
        "谈返利",
        "谈年度返利，客户同意",
    ]
    assert table_rows(report, "文件")[1][3] == load_form("visit_record").title.zh  # the form's name, not its id
    summary = {row[0]: row[1] for row in table_rows(report, "汇总")}
    assert summary["写入的表格"] == "导入台账、历史版本、拜访记录"  # the sheets a person finds, not table names
    for ws in openpyxl.load_workbook(report).worksheets:  # printed for the meeting: A4, one page wide, headers
        header = table_ref(report, ws.title)[1]  # on every page
        assert (ws.page_setup.paperSize, ws.print_title_rows) == (9, f"${header}:${header}")


def test_a_correction_lists_the_rows_it_no_longer_has_and_keeps_them(master: Path, inbox: Path) -> None:
    (inbox / "v1.xlsx").write_bytes(visits("张三", MON_WED))
    consolidate(inbox, master, now=NOW)
    (inbox / "v1.xlsx").unlink()
    corrected = [
        MON_WED[0],
        ("2026-11-24", "C002", "电话", "催款，答应月底付"),
        ("2026-11-25", "C001", "面谈", "确认订单"),
    ]
    (inbox / "v2.xlsx").write_bytes(visits("张三", corrected))
    result = consolidate(inbox, master, now=LATER)
    [outcome] = result.outcomes
    assert (outcome.status, outcome.corrects, outcome.rows_added, outcome.rows_updated) == ("accepted", "v1.xlsx", 1, 1)
    removed = [c for c in result.changes if c.kind == "removed"]
    assert [c.key for c in removed] == ["张三 / C001 / 2026-11-25 / 电话"]
    assert len(_visits(master)) == 4  # the row missing from the correction stays until the manager deletes it
    ledger = load_store(master).frame("IngestionLedger").set_index("file_name")
    assert ledger.loc["v1.xlsx", "corrected_by"] == ledger.loc["v2.xlsx", "file_sha256"]
    assert set(ledger["status"]) == {"accepted"}


def test_two_lines_with_one_key_sent_twice_are_not_doubled(master: Path, inbox: Path) -> None:
    twice = [("2026-11-23", "C001", "电话", "上午"), ("2026-11-23", "C001", "电话", "下午")]
    (inbox / "a.xlsx").write_bytes(visits("张三", twice))
    consolidate(inbox, master, now=NOW)
    (inbox / "a.xlsx").unlink()
    (inbox / "b.xlsx").write_bytes(visits("张三", twice))
    [outcome] = consolidate(inbox, master, now=LATER).outcomes
    assert (outcome.rows_added, outcome.rows_updated) == (0, 0)
    assert _visits(master)["content"].tolist() == ["上午", "下午"]


def test_copy_of_last_weeks_form_keeps_both_weeks(master: Path, inbox: Path) -> None:
    w47 = FormContext(rep="张三", period="2026-W47")
    (inbox / "w47.xlsx").write_bytes(visits("张三", [("2026-11-16", "C001", "面谈", "W47 拜访")], "2026-W47", w47))
    consolidate(inbox, master, now=NOW)
    # Last week's pre-filled file, copied: the rep types the new week and new lines; _meta still says W47.
    copy = visits("张三", [("2026-11-23", "C001", "面谈", "W48 拜访")], "2026-W48", w47)
    (inbox / "w48.xlsx").write_bytes(copy)
    [_, outcome] = consolidate(inbox, master, now=LATER).outcomes
    assert (outcome.status, outcome.period) == ("accepted", "2026-W48")
    assert any("按填写的期间 2026-W48 汇总" in i.zh for i in outcome.issues)
    stored = _visits(master)
    assert stored[["content", "period"]].values.tolist() == [["W47 拜访", "2026-W47"], ["W48 拜访", "2026-W48"]]


def test_copied_form_whose_dates_leave_the_typed_period_waits_for_review(master: Path, inbox: Path) -> None:
    w47 = FormContext(rep="张三", period="2026-W47")
    (inbox / "w48.xlsx").write_bytes(visits("张三", [("2026-11-16", "C001", "面谈", "哪一周？")], "2026-W48", w47))
    [outcome] = consolidate(inbox, master, now=NOW).outcomes
    assert outcome.status == "needs_review" and "2026-W47" in outcome.reason_zh
    assert _visits(master).empty


def test_colleagues_prefilled_form_waits_for_review_and_merges_nothing(master: Path, inbox: Path) -> None:
    (inbox / "张三.xlsx").write_bytes(visits("张三", MON_WED))
    consolidate(inbox, master, now=NOW)
    generated_for_zhang = FormContext(rep="张三", period="2026-W48")
    (inbox / "李四.xlsx").write_bytes(
        visits("李四", [("2026-11-23", "C001", "面谈", "李四写的")], "2026-W48", generated_for_zhang)
    )
    result = consolidate(inbox, master, now=LATER)
    held = {o.name: o for o in result.outcomes}["李四.xlsx"]
    assert (held.status, held.rows_added) == ("needs_review", 0)
    assert held.reason_zh == "表单为 张三 生成，但填写的业务员为 李四"
    assert _visits(master)["content"].tolist() == ["谈返利", "催款", "确认订单"]  # 张三's week untouched
    assert "待审核 1" in summary_line(result, "zh")
    # A later run still holds it (not a duplicate), without a second ledger entry.
    again = consolidate(inbox, master, now=LATER)
    assert {o.name: o.status for o in again.outcomes}["李四.xlsx"] == "needs_review"
    ledger = load_store(master).frame("IngestionLedger")
    assert ledger["status"].tolist().count("needs_review") == 1


def test_accept_merges_a_held_file_under_the_rep_typed_on_it(master: Path, inbox: Path, tmp_path: Path) -> None:
    held = visits("李四", [("2026-11-23", "C003", "面谈", "李四写的")], "2026-W48", FormContext(rep="张三"))
    (inbox / "held.xlsx").write_bytes(held)
    consolidate(inbox, master, now=NOW)
    assert (
        main(
            [
                "consolidate",
                str(inbox),
                "--into",
                str(master),
                "--accept",
                "held.xlsx",
                "--report",
                str(tmp_path / "r.xlsx"),
            ]
        )
        == 0
    )
    stored = _visits(master)
    assert stored[["content", "rep"]].values.tolist() == [["李四写的", "李四"]]
    ledger = load_store(master).frame("IngestionLedger")
    assert ledger["status"].tolist() == ["needs_review", "accepted"]


def test_reject_is_remembered(master: Path, inbox: Path) -> None:
    (inbox / "held.xlsx").write_bytes(
        visits("李四", [("2026-11-23", "C003", "面谈", "x")], "2026-W48", FormContext(rep="张三"))
    )
    [first] = consolidate(inbox, master, now=NOW).outcomes
    [outcome] = consolidate(inbox, master, now=LATER, reject=[first.sha256[:10]]).outcomes
    assert (outcome.status, outcome.code) == ("rejected", "rejected_after_review")
    [later] = consolidate(inbox, master, now=LATER).outcomes
    assert later.status == "duplicate"
    assert _visits(master).empty


def test_decision_for_a_file_not_in_the_run_is_refused(
    master: Path, inbox: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (inbox / "a.xlsx").write_bytes(visits("张三", MON_WED))
    assert main(["consolidate", str(inbox), "--into", str(master), "--accept", "nope.xlsx"]) == 2
    assert "--accept nope.xlsx" in capsys.readouterr().err
    assert _visits(master).empty


def test_file_from_another_reps_folder_waits_for_review(master: Path, inbox: Path) -> None:
    (inbox / "张三").mkdir()
    (inbox / "张三" / "mine.xlsx").write_bytes(visits("张三", MON_WED))
    (inbox / "张三" / "not mine.xlsx").write_bytes(visits("李四", [("2026-11-23", "C003", "面谈", "x")]))
    outcomes = {o.name: o for o in consolidate(inbox, master, now=NOW).outcomes}
    assert outcomes["张三/mine.xlsx"].status == "accepted"
    assert outcomes["张三/not mine.xlsx"].status == "needs_review"
    assert outcomes["张三/not mine.xlsx"].reason_zh == "文件来自 张三 的文件夹，但表单中的业务员为 李四"


def test_settings_map_inbox_folders_to_reps(tmp_path: Path, inbox: Path) -> None:
    m = Master.empty()
    m.customers = pd.DataFrame({"customer_id": ["C001"], "name": ["广州华强"], "rep": ["张三"]})
    m.settings = replace(m.settings, rep_folders="zhangsan=张三; lisi=李四")
    path = save_master(m, tmp_path / "m.xlsx", backup=False)
    (inbox / "lisi").mkdir()
    (inbox / "lisi" / "f.xlsx").write_bytes(visits("张三", MON_WED[:1], context=FormContext(rep="张三")))
    [outcome] = consolidate(inbox, path, now=NOW).outcomes
    assert outcome.status == "needs_review" and "李四" in outcome.reason_zh


def _prefilled_card(master: Path, customer: str) -> bytes:
    spec = load_form("customer_card")
    return build_form(spec, lang="zh", data=prefill(spec, load_master(master), rep="张三", customer=customer))


def test_returned_prefilled_card_keeps_contacts_once_with_the_managers_fields(master: Path, inbox: Path) -> None:
    returned = fill_form(
        _prefilled_card(master, "C001"),
        rows={
            "contacts": [
                {"name": "王经理", "title": "采购总监", "phone": "13800000001"},
                {"name": "赵会计", "title": "会计", "phone": "13900000002"},  # a new phone for the same person
                {"name": "钱主管", "title": "仓库主管"},
            ]
        },
    )
    (inbox / "card.xlsx").write_bytes(returned)
    result = consolidate(inbox, master, now=NOW)
    [outcome] = result.outcomes
    assert outcome.status in ("accepted", "partial") and outcome.rows_added == 1
    contacts = load_store(master).frame("Contacts").set_index("name")
    assert contacts.index.tolist() == ["王经理", "赵会计", "钱主管"]
    wang = contacts.loc["王经理"]
    assert (wang["contact_id"], wang["nickname"], wang["title"]) == ("K1", "老王", "采购总监")
    assert wang["birthday"] == pd.Timestamp("1980-05-01")
    assert (contacts.loc["赵会计", "contact_id"], contacts.loc["赵会计", "phone"]) == ("K2", "13900000002")
    updates = {(c.key, c.field): (c.before, c.after) for c in result.changes if c.table == "Contacts"}
    assert updates == {
        ("C001 / 王经理 / 13800000001", "title"): ("采购经理", "采购总监"),
        ("C001 / 赵会计 / 13800000002", "phone"): ("13800000002", "13900000002"),
    }


def test_a_new_customer_starts_at_the_policys_grade_whatever_the_card_says(master: Path, inbox: Path) -> None:
    card = fill_form(
        blank_form("customer_card"),
        header={"rep": "张三", "customer_id": "C100", "name": "中山美佳日用品有限公司", "grade": "VIP"},
    )
    (inbox / "card.xlsx").write_bytes(card)
    consolidate(inbox, master, now=NOW)
    customers = load_store(master).frame("Customers").set_index("customer_id")
    assert customers.loc["C100", "grade"] == "C"


def test_corrected_card_updates_what_the_reps_first_card_set(master: Path, inbox: Path) -> None:
    first = {"rep": "张三", "customer_id": "C100", "name": "中山美佳日用品有限公司", "city": "中山"}
    (inbox / "v1.xlsx").write_bytes(
        fill_form(
            blank_form("customer_card"), header=first, rows={"contacts": [{"name": "陈经理", "title": "采购经理"}]}
        )
    )
    consolidate(inbox, master, now=NOW)
    (inbox / "v1.xlsx").unlink()
    (inbox / "v2.xlsx").write_bytes(
        fill_form(
            blank_form("customer_card"),
            header={**first, "city": "江门"},
            rows={"contacts": [{"name": "陈总", "title": "总经理"}]},
        )
    )
    result = consolidate(inbox, master, now=LATER)
    [outcome] = result.outcomes
    assert (outcome.status, outcome.corrects, outcome.rows_updated) == ("accepted", "v1.xlsx", 1)
    store = load_store(master)
    assert store.frame("Customers").set_index("customer_id").loc["C100", "city"] == "江门"
    assert result.conflicts == []
    # The contact the corrected card no longer lists stays, reported for the manager to keep or delete.
    assert store.frame("Contacts")["name"].tolist()[-2:] == ["陈经理", "陈总"]
    assert [(c.kind, c.key) for c in result.changes if c.kind == "removed"] == [("removed", "C100 / 陈经理 / ")]


def _b_updating_a(master: Path, inbox: Path) -> pd.DataFrame:
    """a.xlsx (Mon–Wed) consolidated, then b.xlsx changing Monday's content and adding Thu–Fri; Visits after a."""
    (inbox / "a.xlsx").write_bytes(visits("张三", MON_WED))
    consolidate(inbox, master, now=NOW)
    before = _visits(master)
    (inbox / "a.xlsx").unlink()
    (inbox / "b.xlsx").write_bytes(visits("张三", [("2026-11-23", "C001", "面谈", "谈年度返利"), *THU_FRI]))
    consolidate(inbox, master, now=LATER)
    return before


def test_undo_restores_updated_rows_and_removes_added_ones(
    master: Path, inbox: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = _b_updating_a(master, inbox)
    assert main(["consolidate", "--into", str(master), "--undo", "b.xlsx", "--lang", "en"]) == 0
    assert capsys.readouterr().out.strip().splitlines() == [
        "undone b.xlsx: 2 rows removed, 1 restored",
        "  Visits: 2 row(s) removed: 张三 · C002 · 2026-11-26 · 面谈, 张三 · C001 · 2026-11-27 · 面谈",
        "  Visits: 1 row(s) given their earlier values back: 张三 · C001 · 2026-11-23 · 面谈",
        "  Visits 张三 · C001 · 2026-11-23 · 面谈: Content 谈年度返利 → 谈返利",  # each cell put back, before and after
    ]
    after = _visits(master)
    pd.testing.assert_frame_equal(after, before)
    store = load_store(master)
    history, ledger = store.frame("SubmissionHistory"), store.frame("IngestionLedger")
    assert ledger["status"].tolist() == ["accepted", "undone"]
    # what is left of the history is a.xlsx's: its three rows as it added them
    assert history["change"].tolist() == ["added"] * 3 and set(history["changed_by"]) == {ledger["file_sha256"][0]}
    # Undone is remembered: the same file in the inbox again is not merged back silently, but waits for a person,
    # saying why and how to take it again (before, a plain "duplicate" gave no hint it had been undone).
    [outcome] = consolidate(inbox, master, now=LATER).outcomes
    assert outcome.status == "needs_review" and "--undo" in outcome.reason_en and "--accept" in outcome.reason_zh
    pd.testing.assert_frame_equal(_visits(master), before)
    [outcome] = consolidate(inbox, master, now=LATER, accept=["b.xlsx"]).outcomes
    assert outcome.status == "accepted" and outcome.rows_added == 2
    assert len(_visits(master)) == len(before) + 2
    [outcome] = consolidate(inbox, master, now=LATER).outcomes
    assert outcome.status == "duplicate"


def test_the_console_names_each_file_waiting_for_review_and_a_duplicate_says_what_it_repeats(
    master: Path, inbox: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (inbox / "a.xlsx").write_bytes(visits("张三", MON_WED))
    consolidate(inbox, master, now=NOW)
    assert main(["consolidate", "--into", str(master), "--undo", "a.xlsx"]) == 0
    capsys.readouterr()
    assert main(["consolidate", str(inbox), "--into", str(master), "--report", str(tmp_path / "r1.xlsx")]) == 0
    out = capsys.readouterr().out.splitlines()
    waiting = [line for line in out if line.startswith("  待审核：")]
    assert waiting == [
        "  待审核：a.xlsx：此文件已用 consolidate --undo 从总表撤出；用 --accept 重新汇总，用 --reject 不再汇总"
    ]
    assert any("--accept" in line and "--reject" in line for line in out if line not in waiting)
    # accepted again, then the same content under another name: a duplicate saying of which file, and since when
    consolidate(inbox, master, now=LATER, accept=["a.xlsx"])
    (inbox / "a_copy.xlsx").write_bytes((inbox / "a.xlsx").read_bytes())
    (inbox / "a.xlsx").unlink()
    report = tmp_path / "r2.xlsx"
    assert main(["consolidate", str(inbox), "--into", str(master), "--report", str(report), "--lang", "zh"]) == 0
    reason = f"与 a.xlsx 内容相同，已于 {LATER} 汇总"
    cells = [
        c for ws in openpyxl.load_workbook(report).worksheets for row in ws.iter_rows(values_only=True) for c in row
    ]
    assert reason in cells
    [outcome] = consolidate(inbox, master, now=LATER).outcomes
    assert outcome.status == "duplicate" and outcome.reason_en == f"same content as a.xlsx, consolidated on {LATER}"


def test_undo_goes_newest_first(master: Path, inbox: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (inbox / "a.xlsx").write_bytes(visits("张三", MON_WED))
    consolidate(inbox, master, now=NOW)
    (inbox / "a.xlsx").unlink()
    (inbox / "b.xlsx").write_bytes(visits("张三", [("2026-11-23", "C001", "面谈", "改过")]))
    consolidate(inbox, master, now=LATER)
    assert main(["consolidate", "--into", str(master), "--undo", "a.xlsx"]) == 2
    assert "被 b.xlsx 修改：请先撤销后者" in capsys.readouterr().err
    assert main(["consolidate", "--into", str(master), "--undo", "b.xlsx"]) == 0
    assert main(["consolidate", "--into", str(master), "--undo", "a.xlsx"]) == 0
    assert _visits(master).empty


def _card_consolidated(inbox: Path, master: Path) -> None:
    """张三's customer card of a new customer C100, consolidated into ``master``."""
    (inbox / "card.xlsx").write_bytes(
        fill_form(
            blank_form("customer_card"), header={"rep": "张三", "customer_id": "C100", "name": "中山美佳日用品有限公司"}
        )
    )
    consolidate(inbox, master, now=NOW)


def test_undo_of_a_card_keeps_a_customer_others_refer_to(
    master: Path, inbox: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _card_consolidated(inbox, master)
    (inbox / "visit.xlsx").write_bytes(visits("张三", [("2026-11-23", "C100", "面谈", "首访")]))
    consolidate(inbox, master, now=LATER)
    assert main(["consolidate", "--into", str(master), "--undo", "card.xlsx"]) == 2
    err = capsys.readouterr().err
    assert "C100" in err and "拜访记录（1 行）" in err and "Visits" not in err
    assert "请先撤销添加这些行的文件，或保留这些客户" in err
    assert main(["consolidate", "--into", str(master), "--undo", "visit.xlsx"]) == 0
    assert main(["consolidate", "--into", str(master), "--undo", "card.xlsx"]) == 0
    assert "C100" not in set(load_store(master).frame("Customers")["customer_id"])


def test_undo_of_a_card_keeps_a_customer_sales_name(
    master: Path, inbox: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The customer import's undo looked at sales, payments and the grade history; a card's undo looked only at the
    # tables consolidation writes, so the customer left and its sales named no customer any more.
    _card_consolidated(inbox, master)
    m = load_master(master)
    m.transactions = pd.DataFrame(
        {"date": [pd.Timestamp("2026-11-25")], "customer_id": ["C100"], "product": ["齿轮油"], "amount": [1200.0]}
    )
    save_master(m, master, tables=["Transactions"])
    before = master.read_bytes()
    assert main(["consolidate", "--into", str(master), "--undo", "card.xlsx"]) == 2
    err = capsys.readouterr().err
    assert "C100" in err and "销售明细（1 行）" in err
    # no file added the line: it is named by its row, to correct by hand
    assert "请先手工删除或更正 销售明细 的第 2 行，或保留这些客户" in err and "撤销添加这些行的文件" not in err
    assert master.read_bytes() == before
    assert "C100" in set(load_store(master).frame("Customers")["customer_id"])


def test_a_computed_amount_too_large_for_excel_is_left_blank_with_a_warning(master: Path, inbox: Path) -> None:
    quote = fill_form(
        blank_form("quotation"),
        header={"rep": "张三", "quote_no": "Q1", "quote_date": "2026-11-20", "customer_id": "C001"},
        rows={"items": [{"product": "齿轮油", "qty": 1e300, "unit_price": 1e300}]},
    )
    (inbox / "q.xlsx").write_bytes(quote)
    [outcome] = consolidate(inbox, master, now=NOW).outcomes
    assert any("超出 Excel" in i.zh for i in outcome.issues)
    lines = load_store(master).frame("QuotationLines")
    assert lines["amount"].isna().all() and lines["product"].tolist() == ["齿轮油"]


def test_the_ledger_shows_statuses_in_the_masters_language(master: Path, inbox: Path) -> None:
    (inbox / "a.xlsx").write_bytes(visits("张三", MON_WED))
    (inbox / "held.xlsx").write_bytes(
        visits("李四", [("2026-11-23", "C003", "面谈", "x")], "2026-W48", FormContext(rep="张三"))
    )
    consolidate(inbox, master, now=NOW)
    book = openpyxl.load_workbook(master)
    ledger = book["导入台账"]
    header = [c.value for c in ledger[1]]
    rows = list(ledger.iter_rows(min_row=2, values_only=True))
    assert [row[header.index("状态")] for row in rows] == ["已接收", "待审核"]
    assert {row[header.index("表单")] for row in rows} == {load_form("visit_record").title.zh}  # not visit_record
    # Read back as codes: a later run still knows the held file is waiting.
    assert load_store(master).frame("IngestionLedger")["status"].tolist() == ["accepted", "needs_review"]
    assert set(load_store(master).frame("IngestionLedger")["form"]) == {"visit_record"}
    [_, held] = consolidate(inbox, master, now=LATER).outcomes
    assert held.status == "needs_review"


OUR_COMPANY, OTHER_COMPANY = "上海恒泰润滑油有限公司", "示例贸易有限公司"


@pytest.fixture
def company_master(tmp_path: Path) -> Path:
    """A master whose Settings name its company, with 张三's customer."""
    m = Master.empty()
    m.settings = replace(m.settings, company_name=OUR_COMPANY)
    m.customers = pd.DataFrame({"customer_id": ["C001"], "name": ["广州华强贸易有限公司"], "rep": ["张三"]})
    return save_master(m, tmp_path / "master.xlsx", backup=False)


def _visit_made_for(company: str) -> bytes:
    """张三's visit record as `forms generate` writes it for ``company`` (its _meta and title name it), filled in."""
    form = build_form(load_form("visit_record"), company=company, data=FormData(context=FormContext(rep="张三")))
    rows = [{"date": "2026-11-23", "customer_id": "C001", "method": "面谈", "content": "谈年度返利"}]
    return fill_form(form, header={"rep": "张三", "period": "2026-W48"}, rows={"visits": rows})


def test_a_form_made_for_another_company_waits_for_review_naming_both(company_master: Path, inbox: Path) -> None:
    (inbox / "visit.xlsx").write_bytes(_visit_made_for(OTHER_COMPANY))
    [held] = consolidate(inbox, company_master, now=NOW).outcomes
    assert (held.status, held.rows_added) == ("needs_review", 0)
    assert f"该表单是为“{OTHER_COMPANY}”生成的，而本客户档案总表属于“{OUR_COMPANY}”" in held.reason_zh
    assert load_store(company_master).frame("Visits").empty
    [accepted] = consolidate(inbox, company_master, now=LATER, accept=["visit.xlsx"]).outcomes
    assert (accepted.status, accepted.rows_added) == ("accepted", 1)


@pytest.mark.parametrize("company", [OUR_COMPANY, "上海 恒泰润滑油", ""])
def test_a_form_of_the_masters_company_or_of_none_is_merged(company: str, company_master: Path, inbox: Path) -> None:
    (inbox / "visit.xlsx").write_bytes(_visit_made_for(company))
    [outcome] = consolidate(inbox, company_master, now=NOW).outcomes
    assert (outcome.status, outcome.rows_added) == ("accepted", 1)


def test_a_form_from_before_meta_kept_the_company_is_judged_by_its_title(company_master: Path, inbox: Path) -> None:
    # Forms generated before _meta named the company show it only in the title block's first line (A1).
    book = openpyxl.load_workbook(io.BytesIO(_visit_made_for(OTHER_COMPANY)))
    meta = book["_meta"]
    [row] = [r for r in meta.iter_rows() if r[0].value == "company"]
    meta.delete_rows(row[0].row)
    assert book.worksheets[0]["A1"].value == OTHER_COMPANY
    book.save(inbox / "old.xlsx")
    [held] = consolidate(inbox, company_master, now=NOW).outcomes
    assert held.status == "needs_review" and OTHER_COMPANY in held.reason_en and OUR_COMPANY in held.reason_en


def test_a_card_from_a_rep_with_no_customer_in_the_master_waits_instead_of_creating_one(
    company_master: Path, inbox: Path
) -> None:
    card = fill_form(
        blank_form("customer_card"),
        header={"rep": "王强", "fill_date": "2026-11-20", "customer_id": "C100", "name": "杭州恒信机械有限公司"},
    )
    (inbox / "card.xlsx").write_bytes(card)
    [held] = consolidate(inbox, company_master, now=NOW).outcomes
    assert (held.status, held.rows_added) == ("needs_review", 0)
    assert "王强 在本客户档案总表中没有负责的客户，而资料卡会新建客户" in held.reason_zh
    assert load_store(company_master).frame("Customers")["customer_id"].tolist() == ["C001"]
    [accepted] = consolidate(inbox, company_master, now=LATER, accept=["card.xlsx"]).outcomes
    assert accepted.status == "accepted"
    assert load_store(company_master).frame("Customers")["customer_id"].tolist() == ["C001", "C100"]


@pytest.mark.parametrize("typed", ["c001", "ｃ００１"])
def test_a_card_with_an_id_in_another_case_or_width_is_that_customers_card(
    typed: str, master: Path, inbox: Path
) -> None:
    """c001 on a card is C001: its contacts stay C001's and another name is a conflict, not a second customer."""
    card = fill_form(
        blank_form("customer_card"),
        header={"rep": "张三", "customer_id": typed, "name": "完全无关的小公司", "phone": "13700000000"},
        rows={"contacts": [{"name": "王经理", "title": "采购经理", "phone": "13800000001"}]},
    )
    (inbox / "card.xlsx").write_bytes(card)
    result = consolidate(inbox, master, now=NOW)
    [outcome] = result.outcomes
    store = load_store(master)
    customers = store.frame("Customers")
    assert customers["customer_id"].tolist() == ["C001", "C002", "C003"]
    assert customers.set_index("customer_id").loc["C001", "name"] == "广州华强贸易有限公司"
    assert store.frame("Contacts")["customer_id"].tolist() == ["C001", "C001"]
    assert [(c.kind, c.customer_id, c.field) for c in result.conflicts] == [("value", "C001", "name")]
    assert outcome.rows_added == 0 and outcome.key == "C001"
    [read_as] = [i for i in outcome.issues if "another case or width" in i.en]
    assert (read_as.severity, read_as.cell, read_as.value) == ("warning", "B7", "c001")
    assert read_as.zh == "c001 是客户 C001 的编号，只是大小写或全角半角不同：按 C001 读取"


@pytest.mark.parametrize("mark", ["-", "无", "N/A", "－"])
def test_a_card_whose_id_says_none_is_a_new_customer(mark: str, master: Path, inbox: Path) -> None:
    """An id cell holding -, 无 or N/A says the customer has no id yet, as a blank cell does."""
    card = fill_form(
        blank_form("customer_card"), header={"rep": "张三", "customer_id": mark, "name": "中山美佳日用品有限公司"}
    )
    (inbox / "card.xlsx").write_bytes(card)
    consolidate(inbox, master, now=NOW)
    customers = load_store(master).frame("Customers").set_index("name")
    assert customers.loc["中山美佳日用品有限公司", "customer_id"] == "C0004"
    assert mark not in customers["customer_id"].tolist()


def test_a_new_customer_card_never_gets_an_id_the_archive_holds_in_another_width(tmp_path: Path, inbox: Path) -> None:
    """An archive holding Ｃ0004 (as an older list import stored it) gives a new customer's card C0005, not a second
    C0004 that ``master check`` would find twice."""
    m = Master.empty()
    m.customers = pd.DataFrame({"customer_id": ["C0003", "Ｃ0004"], "name": ["广州华强贸易有限公司", "佛山永利五金厂"]})
    path = save_master(m, tmp_path / "master.xlsx", backup=False)
    card = fill_form(
        blank_form("customer_card"), header={"rep": "张三", "customer_id": "", "name": "中山美佳日用品有限公司"}
    )
    (inbox / "card.xlsx").write_bytes(card)
    consolidate(inbox, path, now=NOW)
    assert load_store(path).frame("Customers")["customer_id"].tolist() == ["C0003", "Ｃ0004", "C0005"]
    assert main(["master", "check", str(path)]) == 0


def test_lines_naming_a_customer_in_another_case_or_width_are_that_customers(master: Path, inbox: Path) -> None:
    """c001 on a visit line is C001 (a warning at its cell), stored under C001: not refused as an unknown customer."""
    (inbox / "拜访记录.xlsx").write_bytes(
        visits("张三", [("2026-11-23", "c001", "面谈", "谈返利"), ("2026-11-24", "Ｃ００２", "电话", "催款")])
    )
    [outcome] = consolidate(inbox, master, now=NOW).outcomes
    assert (outcome.status, outcome.rows_added) == ("accepted", 2)
    assert _visits(master)["customer_id"].tolist() == ["C001", "C002"]
    warnings = [(i.severity, i.value, i.zh) for i in outcome.issues if "another case or width" in i.en]
    assert warnings == [("warning", "c001", "c001 是客户 C001 的编号，只是大小写或全角半角不同：按 C001 读取")]


def test_a_quotation_for_a_customer_in_another_case_is_that_customers(master: Path, inbox: Path) -> None:
    """The header's customer c002 of a quotation is C002: the file is accepted and its lines stored under C002."""
    quote = fill_form(
        blank_form("quotation"),
        header={"rep": "张三", "customer_id": "c002", "quote_no": "Q-1", "quote_date": "2026-11-20"},
        rows={"items": [{"product": "P-100", "qty": 10, "unit_price": 5}]},
    )
    (inbox / "报价单.xlsx").write_bytes(quote)
    [outcome] = consolidate(inbox, master, now=NOW).outcomes
    assert outcome.status in ("accepted", "partial"), outcome.reason_en
    [read_as] = [i for i in outcome.issues if "another case or width" in i.en]
    assert (read_as.severity, read_as.value) == ("warning", "c002")
    stored = load_store(master)
    assert set(stored.frame("Quotations")["customer_id"]) == {"C002"}


def test_a_line_naming_an_id_the_master_spells_two_ways_is_no_ones(tmp_path: Path, inbox: Path) -> None:
    """Customers holding KA01 (甲) and ka01 (乙): a visit line's Ka01 was read as KA01, the first row's, and stored
    as 甲's visit without a word; it is an unknown customer, as the master cannot say which of the two it means."""
    m = Master.empty()
    m.customers = pd.DataFrame(
        {"customer_id": ["KA01", "ka01"], "name": ["甲公司", "乙公司"], "rep": ["张三", "张三"], "grade": ["A", "B"]}
    )
    path = save_master(m, tmp_path / "master.xlsx", backup=False)
    (inbox / "拜访记录.xlsx").write_bytes(visits("张三", [("2026-11-23", "Ka01", "面谈", "谈返利")]))
    [outcome] = consolidate(inbox, path, now=NOW).outcomes
    assert not [i for i in outcome.issues if "another case or width" in i.en]
    assert set(load_store(path).frame("Visits")["customer_id"]) <= {"Ka01"}


def test_a_dropdown_entry_whose_id_holds_a_space_is_that_customers_not_the_first_words(
    tmp_path: Path, inbox: Path
) -> None:
    """The master's ids KA 01 (甲, imported from the company's list) and KA (乙): a pre-filled form's dropdown offers
    "KA 01 甲贸易有限公司", and its first word alone was read, so 甲's visit and 甲's card went to 乙 without a word."""
    m = Master.empty()
    m.customers = pd.DataFrame(
        {
            "customer_id": ["KA 01", "KA"],
            "name": ["甲贸易有限公司", "乙电器有限公司"],
            "rep": ["张三", "张三"],
            "grade": ["A", "B"],
        }
    )
    path = save_master(m, tmp_path / "master.xlsx", backup=False)
    spec = load_form("visit_record")
    offered = build_form(spec, lang="zh", data=prefill(spec, load_master(path), rep="张三", period="2026-W48"))
    lists = openpyxl.load_workbook(io.BytesIO(offered))["_lists"]
    assert "KA 01 甲贸易有限公司" in {cell.value for row in lists.iter_rows() for cell in row}  # what the rep picks
    line = {"date": "2026-11-23", "customer_id": "KA 01 甲贸易有限公司", "method": "面谈", "content": "谈新品"}
    (inbox / "拜访记录.xlsx").write_bytes(fill_form(offered, rows={"visits": [line]}))
    card = fill_form(_prefilled_card(path, "KA 01"), header={"phone": "020-12345678"})
    (inbox / "资料卡.xlsx").write_bytes(card)
    outcomes = consolidate(inbox, path, now=NOW).outcomes
    assert {o.status for o in outcomes} <= {"accepted", "partial"}, [(o.name, o.reason_en) for o in outcomes]
    assert load_store(path).frame("Visits")["customer_id"].tolist() == ["KA 01"]
    phones = load_master(path).customers.set_index("customer_id")["phone"]
    assert (phones["KA 01"], phones["KA"]) == ("020-12345678", None)


@pytest.mark.parametrize("typed", ["新增", "再次提交"])
def test_undo_restores_an_updated_row_whose_change_was_typed_over_in_the_history(
    typed: str, master: Path, inbox: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The 变更 cell of 历史版本 is a person's to read, not what an undo goes by: a record holding the row's earlier
    values is an update whatever its label says, so the undo puts those values back instead of removing the
    changed row."""
    before = _b_updating_a(master, inbox)
    book = openpyxl.load_workbook(master)
    sheet = book["历史版本"]
    change = [c.value for c in sheet[1]].index("变更") + 1
    [updated] = [r for r in range(2, sheet.max_row + 1) if sheet.cell(r, change).value == "已更新"]
    sheet.cell(updated, change).value = typed
    book.save(master)
    assert main(["consolidate", "--into", str(master), "--undo", "b.xlsx", "--lang", "en"]) == 0
    assert capsys.readouterr().out.strip().splitlines()[0] == "undone b.xlsx: 2 rows removed, 1 restored"
    pd.testing.assert_frame_equal(_visits(master), before)


MORNING = {
    "date": "2026-11-24",
    "customer_id": "C001",
    "contact": "王经理",
    "method": "面谈",
    "purpose": "上午：新品推介",
}
AFTERNOON = {
    "date": "2026-11-24",
    "customer_id": "C001",
    "contact": "赵会计",
    "method": "面谈",
    "purpose": "下午：对账",
}


def _two_visits_one_day(inbox: Path, master: Path, *lines: dict[str, object], name: str = "a.xlsx") -> None:
    """A visit record of 张三's week with ``lines`` (default: the morning and the afternoon visit), consolidated."""
    rows = list(lines or (MORNING, AFTERNOON))
    form = fill_form(blank_form("visit_record"), header={"rep": "张三", "period": "2026-W48"}, rows={"visits": rows})
    (inbox / name).write_bytes(form)
    consolidate(inbox, master, now=NOW)
    (inbox / name).unlink()


def test_a_third_same_day_visit_from_another_form_is_added_not_mixed_into_one_of_two(
    master: Path, inbox: Path, tmp_path: Path
) -> None:
    """Two 面谈 visits to C001 on one day are in the master; a daily report then gives a third one (16:00). Its key
    fits both rows and it is neither: before, it updated the morning visit, leaving a row of 王经理's contact and
    the evening's purpose, called 已更新. It is now a row of its own, and the file says why, naming both rows."""
    _two_visits_one_day(inbox, master)
    third = {"time": "16:00", "customer_id": "C001", "purpose": "傍晚第三次拜访：催款", "order_amount": 3000}
    daily = fill_form(
        blank_form("daily_report"),
        header={"rep": "张三", "report_date": "2026-11-24", "region": "华南"},
        rows={"visits": [third]},
    )
    (inbox / "日报.xlsx").write_bytes(daily)
    result = consolidate(inbox, master, now=LATER)
    [outcome] = result.outcomes
    assert outcome.status == "accepted"
    assert [c for c in result.changes if c.table == "Visits"] == []  # neither visit was changed
    visits = _visits(master)
    assert visits[["contact", "purpose"]].values.tolist() == [
        ["王经理", "上午：新品推介"],
        ["赵会计", "下午：对账"],
        [None, "傍晚第三次拜访：催款"],
    ]
    assert visits["order_amount"].isna().tolist() == [True, True, False]
    [warning] = [w for w in outcome.warnings if "张三 / C001 / 2026-11-24 / 面谈" in w.zh]
    assert warning.sheet and warning.cell.endswith("12")  # at the line, on the daily report's sheet
    assert "a.xlsx 第 8 行、a.xlsx 第 9 行" in warning.zh and "另记为一行" in warning.zh
    assert "a.xlsx row 8, a.xlsx row 9" in warning.en and "added as a row of its own" in warning.en
    report = write_report(result, tmp_path / "report.xlsx", "zh")
    assert any("另记为一行" in str(cell) for row in table_rows(report, "错误") for cell in row)


def test_a_correction_of_two_same_day_visits_still_updates_its_own_rows(master: Path, inbox: Path) -> None:
    """The same visit record sent again with the afternoon visit's purpose corrected updates that row, as before:
    the rows with the key are the file's own, matched line by line, and nothing is said of them."""
    _two_visits_one_day(inbox, master)
    corrected = {**AFTERNOON, "purpose": "下午：对账，确认欠款"}
    form = fill_form(
        blank_form("visit_record"), header={"rep": "张三", "period": "2026-W48"}, rows={"visits": [MORNING, corrected]}
    )
    (inbox / "b.xlsx").write_bytes(form)
    result = consolidate(inbox, master, now=LATER)
    [outcome] = result.outcomes
    assert (outcome.rows_added, outcome.rows_updated, outcome.corrects) == (0, 1, "a.xlsx")
    assert [(c.field, c.before, c.after) for c in result.changes] == [("purpose", "下午：对账", "下午：对账，确认欠款")]
    assert _visits(master)["purpose"].tolist() == ["上午：新品推介", "下午：对账，确认欠款"]
    assert not [w for w in outcome.warnings if "C001 / 2026-11-24" in w.zh]


def test_a_later_file_of_the_week_giving_the_afternoon_visit_again_updates_that_visit(
    master: Path, inbox: Path
) -> None:
    """Mon–Wed, then Wed–Fri naming only Wednesday afternoon's visit again: it is that visit (it repeats it),
    not the morning one first in the table, so nothing changes and no row is added."""
    _two_visits_one_day(inbox, master)
    friday = {"date": "2026-11-27", "customer_id": "C002", "method": "电话", "purpose": "催款"}
    form = fill_form(
        blank_form("visit_record"), header={"rep": "张三", "period": "2026-W48"}, rows={"visits": [AFTERNOON, friday]}
    )
    (inbox / "b.xlsx").write_bytes(form)
    result = consolidate(inbox, master, now=LATER)
    [outcome] = result.outcomes
    assert (outcome.rows_added, outcome.rows_updated) == (1, 0)
    assert [c for c in result.changes if c.kind == "updated"] == []
    assert _visits(master)["purpose"].tolist() == ["上午：新品推介", "下午：对账", "催款"]


def _daily_report(inbox: Path, master: Path, name: str, *lines: dict[str, object], now: str = NOW):
    """张三's daily report of 2026-11-24 with ``lines`` (visits to customers, each at its time), consolidated."""
    form = fill_form(
        blank_form("daily_report"),
        header={"rep": "张三", "report_date": "2026-11-24", "region": "华南"},
        rows={"visits": list(lines)},
    )
    (inbox / name).write_bytes(form)
    result = consolidate(inbox, master, now=now)
    (inbox / name).unlink()
    return result


NINE = {"time": "09:00", "customer_id": "C001", "contact": "王经理", "purpose": "上午：新品推介"}
THREE = {"time": "15:00", "customer_id": "C001", "contact": "赵会计", "purpose": "下午：对账"}


def _calls(inbox: Path, master: Path, name: str, period: str, *lines: dict[str, object], now: str = NOW):
    """张三's telephone follow-up record of ``period`` with calls to C001 on 2026-11-24 (``lines``), consolidated."""
    calls = [{"date": "2026-11-24", "customer_id": "C001", **line} for line in lines]
    form = fill_form(blank_form("phone_followup"), header={"rep": "张三", "period": period}, rows={"calls": calls})
    (inbox / name).write_bytes(form)
    result = consolidate(inbox, master, now=now)
    (inbox / name).unlink()
    return result


def test_a_visit_at_another_time_of_the_day_is_added_beside_the_one_visit_not_merged_into_it(
    master: Path, inbox: Path
) -> None:
    """The master holds one call of 张三 to C001 on 2026-11-24 at 09:00 (his week's record); his month's record then
    gives one at 15:00. Its key fits that one row, and before it updated it: 09:00 → 15:00, 王经理 → 赵会计, the morning
    call gone from the master, reported as 已更新. Two visits at different times from two files are two visits: it is a
    row of its own, and the file's warning names the morning visit's row and time."""
    _calls(inbox, master, "a.xlsx", "2026-W48", {k: NINE[k] for k in ("time", "contact", "purpose")})
    result = _calls(
        inbox, master, "b.xlsx", "2026-11", {k: THREE[k] for k in ("time", "contact", "purpose")}, now=LATER
    )
    [outcome] = result.outcomes
    assert (outcome.status, outcome.rows_added, outcome.rows_updated) == ("accepted", 1, 0)
    assert [c for c in result.changes if c.kind == "updated"] == []
    visits = _visits(master)
    assert visits[["时间", "contact", "purpose"]].values.tolist() == [
        ["09:00", "王经理", "上午：新品推介"],
        ["15:00", "赵会计", "下午：对账"],
    ]
    [warning] = [w for w in outcome.warnings if "张三 / C001 / 2026-11-24 / 电话" in w.zh]
    assert "（a.xlsx 第 8 行，时间 09:00）" in warning.zh and "15:00" in warning.zh and "另记为一行" in warning.zh
    assert "a.xlsx row 8 at 09:00" in warning.en and "added as a row of its own" in warning.en
    assert warning.cell.endswith("8")  # at the 15:00 line of b.xlsx


@pytest.mark.parametrize("typed", ["9:00", "9：00", dt.time(9, 0)], ids=["text", "full-width", "excel-time"])
def test_a_visit_whose_master_time_reads_9_00_is_the_forms_visit_at_09_00(
    typed: object, master: Path, inbox: Path
) -> None:
    """A master cell holding 9:00 as text, typed in full width, or as an Excel time value is the time a form reads as
    09:00: the call sent again by the month's record updates that row. Before, the text never equalled 09:00, so the
    same call was added as a second row and the first file's row was called a visit at another time."""
    _calls(inbox, master, "a.xlsx", "2026-W48", {k: NINE[k] for k in ("time", "contact", "purpose")})
    book = openpyxl.load_workbook(master)
    sheet = book["拜访记录"]
    cell = sheet.cell(2, [c.value for c in sheet[1]].index("时间") + 1)
    cell.value = typed
    if isinstance(typed, dt.time):
        cell.number_format = "hh:mm"
    book.save(master)
    again = {"time": "09:00", "contact": "王经理", "purpose": "上午：新品推介，客户要样品"}
    result = _calls(inbox, master, "b.xlsx", "2026-11", again, now=LATER)
    [outcome] = result.outcomes
    assert (outcome.rows_added, outcome.rows_updated) == (0, 1)
    assert [(c.field, c.before, c.after) for c in result.changes if c.kind == "updated"] == [
        ("purpose", "上午：新品推介", "上午：新品推介，客户要样品")
    ]
    assert len(_visits(master)) == 1
    assert not [w for w in outcome.warnings if "C001 / 2026-11-24" in w.zh]


def test_a_corrected_daily_report_moving_a_visit_to_another_time_updates_that_visit(master: Path, inbox: Path) -> None:
    """张三 sends his daily report again with the 09:00 visit's time corrected to 10:30. Before, the corrected line was
    added as another visit and the 09:00 row kept as missing from the correction: one visit counted twice. The
    correction no longer gives 09:00, so its own row moves: one row, at 10:30, the time a change with before and
    after; undoing the correction puts 09:00 back."""
    _daily_report(inbox, master, "a.xlsx", NINE)
    result = _daily_report(inbox, master, "b.xlsx", {**NINE, "time": "10:30"}, now=LATER)
    [outcome] = result.outcomes
    assert (outcome.rows_added, outcome.rows_updated, outcome.corrects) == (0, 1, "a.xlsx")
    assert [(c.kind, c.field, c.before, c.after) for c in result.changes if c.table == "Visits"] == [
        ("updated", "时间", "09:00", "10:30")
    ]
    assert _visits(master)[["时间", "contact", "purpose"]].values.tolist() == [["10:30", "王经理", "上午：新品推介"]]
    assert not [w for w in outcome.warnings if "C001 / 2026-11-24" in w.zh]
    assert main(["consolidate", "--into", str(master), "--undo", "b.xlsx"]) == 0
    assert _visits(master)[["时间", "source_file"]].values.tolist() == [["09:00", "a.xlsx"]]


def test_a_corrected_daily_report_giving_both_times_keeps_both_visits(master: Path, inbox: Path) -> None:
    """A guard: the correction still gives 09:00 and adds 15:00, so 09:00 is not moved; the afternoon is a new row."""
    _daily_report(inbox, master, "a.xlsx", NINE)
    result = _daily_report(inbox, master, "b.xlsx", THREE, NINE, now=LATER)
    [outcome] = result.outcomes
    assert (outcome.rows_added, outcome.rows_updated) == (1, 0)
    assert _visits(master)[["时间", "contact"]].values.tolist() == [["09:00", "王经理"], ["15:00", "赵会计"]]


def test_a_later_report_of_the_day_giving_only_a_call_to_someone_else_keeps_the_first_visit(
    master: Path, inbox: Path
) -> None:
    """The trial's case: the rep's later file of the same day gives only a 15:00 visit to another contact. It is read
    as a correction of the first file, but a visit with someone else is not the 09:00 visit moved: before, the 09:00
    row took the afternoon's time, contact and purpose (the morning visit lost); now the afternoon is added beside it
    with a warning, and the morning row is kept."""
    _daily_report(inbox, master, "a.xlsx", NINE)
    result = _daily_report(inbox, master, "b.xlsx", THREE, now=LATER)
    [outcome] = result.outcomes
    assert (outcome.rows_added, outcome.rows_updated) == (1, 0)
    assert _visits(master)[["时间", "contact", "purpose"]].values.tolist() == [
        ["09:00", "王经理", "上午：新品推介"],
        ["15:00", "赵会计", "下午：对账"],
    ]
    assert [w for w in outcome.warnings if "09:00" in w.zh]


def test_a_visit_at_the_same_time_or_without_one_still_updates_the_one_visit(master: Path, inbox: Path) -> None:
    """A guard: the rep correcting their own visit (the same time, or a visit record without times) updates it."""
    _daily_report(inbox, master, "a.xlsx", NINE)
    corrected = {**NINE, "purpose": "上午：新品推介，客户要样品"}
    result = _daily_report(inbox, master, "b.xlsx", corrected, now=LATER)
    assert [(c.field, c.before, c.after) for c in result.changes if c.kind == "updated"] == [
        ("purpose", "上午：新品推介", "上午：新品推介，客户要样品")
    ]
    untimed = {"date": "2026-11-24", "customer_id": "C001", "method": "面谈", "rating": "良好"}
    _two_visits_one_day(inbox, master, untimed, name="c.xlsx")
    visits = _visits(master)
    assert visits[["时间", "purpose", "rating"]].values.tolist() == [["09:00", "上午：新品推介，客户要样品", "良好"]]


def test_the_history_names_the_file_that_changed_a_row_beside_its_fingerprint(master: Path, inbox: Path) -> None:
    """The trial's English Submission History showed a SHA-256 under "Changed By": a person reads the file's name,
    and the fingerprint an undo goes by is headed for what it is."""
    _b_updating_a(master, inbox)
    sheet = openpyxl.load_workbook(master)["历史版本"]
    rows = list(sheet.values)
    header = list(rows[0])
    by_file, change = header.index("变更文件"), header.index("变更")
    assert "变更文件指纹" in header
    assert sorted((row[change], row[by_file]) for row in rows[1:]) == [
        *[("已更新", "b.xlsx")],
        *[("新增", "a.xlsx")] * 3,
        *[("新增", "b.xlsx")] * 2,
    ]
    # in English: "Changing File" and "Changing File SHA-256"; a master written with "Changed By" still reads
    assert [HISTORY.column(k).header("en") for k in ("changed_by_file", "changed_by")] == [
        "Changing File",
        "Changing File SHA-256",
    ]
    assert resolve_headers(["Changed By"], HISTORY.columns, where="test") == {0: "changed_by"}


def test_a_form_left_without_the_reps_name_is_taken_as_generated_with_a_hint_naming_where_from(
    master: Path, inbox: Path
) -> None:
    """The trial's daily report with 业务员 left blank was taken as the rep the form was generated for without a word:
    it is taken so, with a hint at the rep's cell saying whose it was taken as and why."""
    (inbox / "张三").mkdir()
    (inbox / "张三" / "visits.xlsx").write_bytes(visits("", MON_WED, context=FormContext(rep="张三")))
    [outcome] = consolidate(inbox, master, now=NOW).outcomes
    assert (outcome.status, outcome.rep, outcome.rows_added) == ("accepted", "张三", 3)
    [hint] = [i for i in outcome.issues if "_meta" in i.en]
    assert (hint.severity, hint.cell != "") == ("warning", True)
    assert hint.zh == (
        "业务员未填写：按 张三 记录，即此表单生成时所属的业务员（见隐藏的 _meta 工作表）；如不是，请填上姓名后重新发送"
    )
    assert hint.en == (
        "the rep's name was left blank: recorded as 张三, the rep this form was generated for (the hidden _meta "
        "sheet); if that is wrong, type the name and send the form again"
    )


def test_a_visit_dated_after_the_consolidation_day_is_refused_and_a_next_visit_may_lie_ahead(
    master: Path, inbox: Path
) -> None:
    """The trial's visit record dated 2026-12-20, consolidated on 12-03, was recorded as a visit made, only said to lie
    outside the period: a visit that has not happened yet is refused at its cell, the day named; the next visit's
    date (下次回访) is a plan and may lie ahead."""
    lines = [
        {"date": "2026-12-01", "customer_id": "C001", "method": "面谈", "content": "谈返利", "next_date": "2026-12-20"},
        {"date": "2026-12-20", "customer_id": "C002", "method": "面谈", "content": "送样品"},
    ]
    form = fill_form(blank_form("visit_record"), header={"rep": "张三", "period": "2026-W49"}, rows={"visits": lines})
    (inbox / "visits.xlsx").write_bytes(form)
    [outcome] = consolidate(inbox, master, now="2026-12-03 18:00:00").outcomes
    assert (outcome.status, outcome.rows_added) == ("partial", 1)
    assert _visits(master)["content"].tolist() == ["谈返利"]
    [refused] = [i for i in outcome.issues if i.severity == "error"]
    assert refused.value == "2026-12-20" and refused.cell.startswith("A")
    assert refused.zh == (
        "晚于今天（汇总日期 2026-12-03）：尚未发生的拜访不能记为已完成，这一行未导入；"
        "计划中的拜访请填在周计划或“下次回访”中"
    )
    assert refused.en == (
        "later than today (2026-12-03, the consolidation date): a visit that has not happened yet cannot be recorded "
        "as made, the line is not read; put a planned visit in the weekly plan or the next visit's date"
    )
