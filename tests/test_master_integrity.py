"""Referential integrity: ``master check`` lists phantom and duplicate customer ids with their rows; the analyses
warn about them on stderr and in the ribbon's message, from the same check."""

from __future__ import annotations

import io
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
import python_calamine as calamine

from keyacct_xl.bridge.base import ActionOptions, FileBridge
from keyacct_xl.bridge.registry import run_action
from keyacct_xl.cli.main import main
from keyacct_xl.consolidate.mastercheck import run_master_check
from keyacct_xl.consolidate.run import consolidate
from keyacct_xl.consolidate.simulate import blank_form, fill_form
from keyacct_xl.i18n import Lang
from keyacct_xl.master.integrity import check_master_file
from keyacct_xl.master.model import Master
from keyacct_xl.master.schema import DATA_TABLES
from keyacct_xl.master.submissions import QUOTATION_LINES, QUOTATIONS, WEEKLY_PLANS
from keyacct_xl.master.writer import save_master, write_tables


def _master(path: Path, *, phantoms: bool = True, duplicates: bool = True, lang: Lang = "zh") -> Path:
    m = Master.empty(lang=lang)
    ids = ["C001", "C002", "C002", "C003"] if duplicates else ["C001", "C002", "C003"]
    m.customers = pd.DataFrame(
        {"customer_id": ids, "name": [f"客户{i}" for i in range(len(ids))], "grade": "B", "payment_terms_days": 30}
    )
    sold = ["C001", "C999", "C002", "C998", "C003", "C999"] if phantoms else ["C001", "C002", "C002", "C003"]
    m.transactions = pd.DataFrame(
        {
            "doc_no": [f"D{i}" for i in range(len(sold))],
            "date": pd.date_range("2025-03-01", periods=len(sold), freq="35D"),
            "customer_id": sold,
            "amount": [1000.0 * (i + 1) for i in range(len(sold))],
        }
    )
    m.payments = pd.DataFrame(
        {"date": pd.to_datetime(["2025-06-01"]), "customer_id": ["C997" if phantoms else "C001"], "amount": [500.0]}
    )
    m.visits = pd.DataFrame(
        {"date": pd.to_datetime(["2025-05-01", "2025-05-02"]), "customer_id": ["C001", "C996" if phantoms else "C002"]}
    )
    m.contacts = pd.DataFrame(
        {
            "customer_id": ["C001", None, "C995"] if phantoms else ["C001", "C002", "C003"],
            "name": ["张经理", "李会计", "王总"],
        }
    )
    path = save_master(m, path, backup=False)
    quoted = ["C003", "C994"] if phantoms else ["C003", "C001"]
    write_tables(
        path, {QUOTATIONS: pd.DataFrame({"quote_no": ["Q1", "Q2"], "customer_id": quoted})}, lang=lang, backup=False
    )
    return path


@pytest.fixture
def master(tmp_path: Path) -> Path:
    return _master(tmp_path / "master.xlsx")


def test_master_check_lists_phantom_and_duplicate_ids_with_their_rows(
    master: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["master", "check", str(master)]) == 1
    out = capsys.readouterr().out.splitlines()
    problems = out[out.index(next(line for line in out if line.startswith("客户编号不在"))) :]
    assert problems == [
        "客户编号不在客户档案中的记录 6 行（销售明细 3，收款记录 1，拜访记录 1，报价单 1）",
        "  C999：销售明细 2 行（第 3 行 单据编号 D1、第 7 行 单据编号 D5）",
        "  C994：报价单 1 行（第 3 行）",
        "  C996：拜访记录 1 行（第 3 行）",
        "  C997：收款记录 1 行（第 2 行）",
        "  C998：销售明细 1 行（第 5 行 单据编号 D3）",
        "客户档案中重复的客户编号 1 个，共 2 行",
        "  客户档案 第 3 行: C002",
        "  客户档案 第 4 行: C002",
        "没有对应客户的联系人 2 行（客户编号为空或不在客户档案中）",
        "  联系人 第 3 行: （空）",
        "  联系人 第 4 行: C995",
    ]


def test_master_check_in_english_and_on_a_consistent_master(
    master: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["master", "check", str(master), "--lang", "en"]) == 1
    out = capsys.readouterr().out
    assert "6 row(s) name a customer id not in Customers (销售明细 3, 收款记录 1, 拜访记录 1, 报价单 1)" in out
    assert (
        "  C999: 销售明细 2 row(s) (row 3 Doc No D1, row 7 Doc No D5)" in out
        and "1 customer id(s) appear more than once in Customers, on 2 rows" in out
    )
    clean = _master(tmp_path / "clean.xlsx", phantoms=False, duplicates=False, lang="en")
    assert main(["master", "check", str(clean), "--lang", "en"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[-1] == "references OK: every row's customer id is in Customers, and no id repeats"
    # each table by its sheet alone, as the workbook names it: no table name (GradeHistory) beside it
    assert [line.rsplit(" ", 1)[0].rstrip() for line in lines[:-1]] == [t.sheet_en for t in DATA_TABLES]
    assert "Grade History" in lines[-2] and not [line for line in lines if "GradeHistory" in line]


def test_the_master_check_use_case_gives_what_the_command_prints_and_its_exit_rule(
    master: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The ribbon or a script can run the same check the command does: ``run_master_check`` holds the verdict and
    the lines, and ``master check`` prints them and exits 0 only when the check is ok."""
    check = run_master_check(master)
    assert not check.ok
    assert main(["master", "check", str(master)]) == 1
    assert capsys.readouterr().out.splitlines() == check.lines("zh")
    assert "  C999: 销售明细 2 row(s) (row 3 Doc No D1, row 7 Doc No D5)" in check.lines("en")
    clean = run_master_check(_master(tmp_path / "clean.xlsx", phantoms=False, duplicates=False))
    assert clean.ok and dict(clean.rows)["销售明细"] == 4 and not clean.repeated and not clean.stray
    assert main(["master", "check", str(clean.path), "--lang", "en"]) == 0
    assert capsys.readouterr().out.splitlines() == clean.lines("en")


def test_only_the_first_rows_are_listed(master: Path) -> None:
    lines = check_master_file(master).summary("en", shown=2)
    assert lines[:4] == [
        "6 row(s) name a customer id not in Customers (销售明细 3, 收款记录 1, 拜访记录 1, 报价单 1)",
        "  C999: 销售明细 2 row(s) (row 3 Doc No D1, row 7 Doc No D5)",
        "  C994: 报价单 1 row(s) (row 3)",
        "  … 3 more customer id(s), 3 row(s)",
    ]


PHANTOM_EN = "row(s) name a customer id not in Customers"
INCLUDED_EN = "their lines are included, listed under the id with no name, grade or terms"


@pytest.mark.parametrize(
    ("argv", "ledger"),
    [
        (["rfm", "{m}"], False),  # RFM and ABC read sales lines only
        (["abc", "{m}"], False),
        (["credit", "{m}"], True),  # sales lines, payments and Customers
        (["ageing", "{m}", "--out", "{out}.xlsx"], True),
        (["analyze", "{m}", "--year", "2025", "--out", "{out}.xlsx"], True),
    ],
)
def test_analyses_warn_about_phantom_and_duplicate_ids(
    master: Path, tmp_path: Path, argv: list[str], ledger: bool, capsys: pytest.CaptureFixture[str]
) -> None:
    args = [a.format(m=master, out=tmp_path / "out") for a in argv]
    assert main([*args, "--lang", "en"]) == 0
    err = [line for line in capsys.readouterr().err.splitlines() if line.startswith("keyacct-xl: warning: ")]
    phantom = next(line for line in err if PHANTOM_EN in line)
    assert INCLUDED_EN in phantom
    if ledger:
        assert "4 row(s) name a customer id not in Customers (销售明细 3, 收款记录 1): C997, C998, C999; " in phantom
    else:
        assert "3 row(s) name a customer id not in Customers (销售明细 3): C998, C999; " in phantom
    repeated = "1 customer id(s) appear more than once in Customers, on 2 rows: C002; "
    duplicate = [line for line in err if repeated in line]
    assert len(duplicate) == ledger and len(err) == 1 + ledger


def test_grading_warns_about_phantoms_and_refuses_duplicate_ids(
    master: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["grade", str(master), "--year", "2025", "--out", str(tmp_path / "review.xlsx"), "--date", "2025-09-15"]
    assert main(argv) == 2
    assert "客户档案：客户编号 C002 重复；评级要求每个客户只有一行" in capsys.readouterr().err
    phantoms = _master(tmp_path / "phantoms.xlsx", duplicates=False)
    assert main([*argv[:1], str(phantoms), *argv[2:]]) == 0
    err = capsys.readouterr().err.splitlines()
    # reviewed in September: grading 2025 also says the year is not complete (issue 15), and that the ledger
    # metrics are taken where the data ends, not at the evaluation date 12-25
    assert len(err) == 3 and "2025 年尚未结束" in err[1] and "评估截止日 2025-12-25 晚于总表的销售和收款" in err[2]
    assert err[0].startswith("keyacct-xl: 警告：客户编号不在客户档案中的记录 4 行（销售明细 3，收款记录 1）")
    assert "这些记录照常计入分析" in err[0]
    book = calamine.CalamineWorkbook.from_path(str(tmp_path / "review.xlsx"))
    cells = {cell for name in book.sheet_names for row in book.get_sheet_by_name(name).to_python() for cell in row}
    assert {"C998", "C999"} <= cells  # included in the review, as the warning says


def test_no_warning_on_a_consistent_master(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    clean = _master(tmp_path / "clean.xlsx", phantoms=False, duplicates=False)
    assert main(["rfm", str(clean)]) == 0
    argv = ["grade", str(clean), "--year", "2025", "--out", str(tmp_path / "r.xlsx"), "--date", "2025-09-15"]
    assert main(argv) == 0
    warnings = [line for line in capsys.readouterr().err.splitlines() if line.startswith("keyacct-xl:")]
    # reviewed in September: the year is not over and the ledger is taken where the data ends; nothing else
    assert len(warnings) == 2 and "2025 年尚未结束" in warnings[0] and "评估截止日 2025-12-25" in warnings[1]


@pytest.mark.parametrize("name", ["rfm_refresh", "abc", "analysis", "ageing", "annual_grading"])
def test_ribbon_actions_carry_the_warning(tmp_path: Path, name: str) -> None:
    bridge = FileBridge(_master(tmp_path / "master.xlsx", duplicates=False), lang="zh", stream=io.StringIO())
    result = run_action(name, bridge, ActionOptions(year=2025))
    assert "\n警告：客户编号不在客户档案中的记录" in result.zh and "这些记录照常计入分析" in result.zh
    assert f"\nwarning: 3 {PHANTOM_EN}" in result.en or f"\nwarning: 4 {PHANTOM_EN}" in result.en


def test_master_check_lists_rows_that_name_no_customer(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # A quotation stored without its customer (as a quotation with 客户编号 left empty once was) is nobody's;
    # a weekly plan's meeting names no customer by nature, and is no problem.
    path = _master(tmp_path / "master.xlsx", phantoms=False, duplicates=False)
    write_tables(
        path,
        {
            QUOTATIONS: pd.DataFrame({"quote_no": ["Q1", "Q2", "BJ-X2"], "customer_id": ["C003", "C001", None]}),
            QUOTATION_LINES: pd.DataFrame(
                {"quote_no": ["Q1", "BJ-X2"], "customer_id": ["C003", None], "product": ["齿轮油", "齿轮油"]}
            ),
            WEEKLY_PLANS: pd.DataFrame(
                {"date": pd.to_datetime(["2026-12-04"]), "activity": ["会议"], "customer_id": [None], "rep": ["张三"]}
            ),
        },
        lang="zh",
        backup=False,
    )
    assert main(["master", "check", str(path)]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[out.index("未填写客户编号的记录 2 行（报价单 1，报价明细 1）") :] == [
        "未填写客户编号的记录 2 行（报价单 1，报价明细 1）",
        "  报价单 第 4 行: （空）",
        "  报价明细 第 3 行: （空）",
    ]
    assert "2 row(s) have no customer id" in "\n".join(check_master_file(path).summary("en"))


def test_ids_differing_only_in_case_or_width_are_duplicate_ids(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """c0001 and Ｃ0001 beside C0001 are C0001 typed again: one customer on three rows, not three customers."""
    m = Master.empty(lang="zh")
    m.customers = pd.DataFrame(
        {"customer_id": ["C0001", "C0002", "c0001", "Ｃ0001"], "name": ["甲", "乙", "丙", "丁"], "grade": "B"}
    )
    path = save_master(m, tmp_path / "master.xlsx", backup=False)
    found = check_master_file(path).of_kind("duplicate_customer")
    assert [(p.row, p.customer_id) for p in found] == [(2, "C0001"), (4, "c0001"), (5, "Ｃ0001")]
    assert main(["master", "check", str(path)]) == 1
    out = capsys.readouterr().out.splitlines()
    assert "客户档案中重复的客户编号 1 个，共 3 行" in out


def test_master_check_names_the_customer_an_id_in_another_case_was_meant_for(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A sales line typed c0002 names no customer the analyses group it with; the check says it is C0002's id."""
    m = Master.empty(lang="zh")
    m.customers = pd.DataFrame({"customer_id": ["C0001", "C0002"], "name": ["甲", "乙"], "grade": "B"})
    m.transactions = pd.DataFrame(
        {
            "doc_no": ["D1", "D2", "D3"],
            "date": pd.to_datetime(["2025-03-01", "2025-04-01", "2025-05-01"]),
            "customer_id": ["C0001", "c0002", "C0099"],
            "amount": [100.0, 200.0, 300.0],
        }
    )
    path = save_master(m, tmp_path / "master.xlsx", backup=False)
    assert main(["master", "check", str(path)]) == 1
    out = capsys.readouterr().out.splitlines()
    assert "  c0002（客户 C0002 的编号，只是大小写或全角半角不同）：销售明细 1 行（第 3 行 单据编号 D2）" in out
    assert "  C0099：销售明细 1 行（第 4 行 单据编号 D3）" in out
    assert main(["master", "check", str(path), "--lang", "en"]) == 1
    assert (
        "  c0002 (customer C0002 typed in another case or width): 销售明细 1 row(s) (row 3 Doc No D2)"
        in capsys.readouterr().out
    )


def _breakdown_master(tmp_path: Path) -> Path:
    """A master into which 张三 consolidated 销售一部's target breakdown for 2027: one 年度任务 row (sheet row 2)."""
    master = _master(tmp_path / "master.xlsx", phantoms=False, duplicates=False)
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    lines = [{"rep": r, "q1": 250000, "q2": 250000, "q3": 250000, "q4": 250000} for r in ("张三", "李四")]
    header = {"rep": "张三", "period": "2027-01", "department": "销售一部", "annual_target": 2000000}
    form = fill_form(blank_form("target_breakdown"), header=header, rows={"breakdown": lines})
    (inbox / "分解.xlsx").write_bytes(form)
    consolidate(inbox, master, now="2026-11-25 18:00:00")
    return master


def _type_again_below(master: Path, sheet_name: str, row: int, **changed: object) -> None:
    """Type a copy of a sheet row under the table by hand, with ``changed`` columns (by header) given other values."""
    book = openpyxl.load_workbook(master)
    sheet = book[sheet_name]
    headers = [c.value for c in sheet[1]]
    below = sheet.max_row + 1
    for column, cell in enumerate(sheet[row], start=1):
        header = headers[column - 1]
        sheet.cell(below, column).value = changed.get(header, cell.value)
    book.save(master)


def test_master_check_names_both_rows_of_a_departments_annual_target_held_twice(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """年度任务 is keyed by department and year: a second row for 销售一部 2027 typed by hand (another filer, another
    amount) doubles the department's target, and a consolidation updates only one of them. Before, master check
    said the references were fine and exited 0; it now names both rows by sheet and row, in zh and en."""
    master = _breakdown_master(tmp_path)
    assert main(["master", "check", str(master)]) == 0
    capsys.readouterr()
    _type_again_below(master, "年度任务", 2, 业务员="李四", 年度任务=2100000)
    assert main(["master", "check", str(master)]) == 1
    out = capsys.readouterr().out.splitlines()
    at = out.index(next(line for line in out if "键值" in line))
    assert out[at : at + 2] == [
        "同一键值出现在多行的记录 1 个（年度任务 1）：每个键值只应有一行，汇总时只会更新其中一行，请删去不对的行",
        "  年度任务 第 2 行、年度任务 第 3 行: 销售一部 / 2027-01",
    ]
    assert main(["master", "check", str(master), "--lang", "en"]) == 1
    out = capsys.readouterr().out
    assert "1 row key(s) held by more than one row (年度任务 1)" in out
    assert "  年度任务 row 2, 年度任务 row 3: 销售一部 / 2027-01" in out


def test_master_check_names_a_key_held_twice_in_any_keyed_table_but_not_two_visits_of_a_day(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """One check for every keyed table: a quotation number typed twice in 报价单 and a contact id typed twice are found
    the same way; two visits to one customer on one day share their key by right and are not."""
    master = _master(tmp_path / "master.xlsx", phantoms=False, duplicates=False)
    _type_again_below(master, "报价单", 3)
    _type_again_below(master, "联系人", 2, 联系人编号="K9")
    _type_again_below(master, "联系人", 2, 联系人编号="K9")
    _type_again_below(master, "拜访记录", 2, 拜访目的="下午再访")
    assert main(["master", "check", str(master), "--lang", "en"]) == 1
    out = capsys.readouterr().out
    assert "2 row key(s) held by more than one row (联系人 1, 报价单 1)" in out
    assert "  报价单 row 3, 报价单 row 4: Q2" in out
    assert "  联系人 row 5, 联系人 row 6: K9" in out  # by its id: their phone is blank, a key not all filled
    assert "拜访记录 row" not in out
