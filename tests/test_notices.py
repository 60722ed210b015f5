"""What a save did beside a command's result is told to the person running it: a formula in one of the master's
own columns that now holds the value the command wrote, lines past a worksheet's last row put into the history
store. The command line prints each as a note on stderr, the ribbon's alert lists it under the summary."""

from __future__ import annotations

import argparse
from pathlib import Path

import openpyxl
import pytest
from test_credit_terms import small_master as credit_master
from test_history_spill import _sales

from keyacct_xl.bridge.base import ActionOptions, FileBridge
from keyacct_xl.cli.main import main
from keyacct_xl.errors import InputError
from keyacct_xl.history import spill
from keyacct_xl.macros import run_action
from keyacct_xl.master.model import Master
from keyacct_xl.master.reader import load_master
from keyacct_xl.master.writer import save_master
from keyacct_xl.messages import msg
from keyacct_xl.notices import collecting, notify

SHEET = "客户档案"


def _typed_terms(path: Path, formulas: dict[str, str]) -> None:
    """Finance types formulas into Customers' 账期 cells (column P), as a person would in Excel."""
    book = openpyxl.load_workbook(path)
    for cell, formula in formulas.items():
        book[SHEET][cell] = formula
    book.save(path)


def test_credit_apply_tells_which_formulas_now_hold_the_terms_it_wrote(tmp_path: Path, capsys) -> None:
    path = save_master(credit_master(), tmp_path / "master.xlsx", backup=False)
    _typed_terms(path, {"P3": "=10+5", "P5": "=45*2"})  # C2's terms (45 to come), C4's (kept by its override)
    assert main(["credit", "apply", str(path), "--date", "2026-03-31", "--lang", "en"]) == 0
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [
        f"note: {SHEET}: 1 cell(s) of 账期天数 held a formula and now hold the value the save wrote: P3 =10+5; "
        "the backup master.bak.xlsx still holds the formulas"
    ]
    sheet = openpyxl.load_workbook(path)[SHEET]
    assert (sheet["P3"].value, sheet["P5"].value) == (45, "=45*2")  # the override's cell was not written anew
    assert openpyxl.load_workbook(tmp_path / "master.bak.xlsx")[SHEET]["P3"].value == "=10+5"


def test_the_ribbon_lists_the_same_note_under_its_summary(tmp_path: Path) -> None:
    path = save_master(credit_master(), tmp_path / "master.xlsx", backup=False)
    _typed_terms(path, {"P3": "=10+5"})
    result = run_action("apply_credit_terms", FileBridge(path), ActionOptions(as_of="2026-03-31"))
    assert [notice.render("zh") for notice in result.notices] == [
        f"{SHEET}：账期天数中有 1 个单元格原为公式，现为保存写入的数值：P3 =10+5；"
        "备份文件 master.bak.xlsx 仍保留这些公式"
    ]
    assert "注意：客户档案：账期天数中有 1 个单元格原为公式" in result.message("zh")


def test_many_replaced_formulas_are_named_up_to_five_then_counted(tmp_path: Path) -> None:
    master = credit_master()
    path = save_master(master, tmp_path / "master.xlsx", backup=False)
    _typed_terms(path, {f"P{row}": f"=1+{row}" for row in range(2, 7)} | {f"O{row}": "=2" for row in range(2, 4)})
    master = load_master(path)
    master.customers["payment_terms_days"] = 30
    master.customers["credit_limit"] = 9.0
    with collecting() as notices:
        save_master(master, path, backup=False)
    assert [n.render("en") for n in notices] == [
        f"{SHEET}: 7 cell(s) of 信用额度, 账期天数 held a formula and now hold the value the save wrote: "
        "O2 =2, P2 =1+2, O3 =2, P3 =1+3, P4 =1+4, 2 more"
    ]


def test_a_save_that_keeps_every_formula_tells_nothing(tmp_path: Path) -> None:
    path = save_master(credit_master(), tmp_path / "master.xlsx", backup=False)
    _typed_terms(path, {"P3": "=10+5"})
    master = load_master(path)
    master.customers.loc[0, "name"] = "甲一"
    with collecting() as notices:
        save_master(master, path)
    assert notices == [] and openpyxl.load_workbook(path)[SHEET]["P3"].value == "=10+5"


def test_lines_a_save_puts_into_the_history_store_are_told(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(spill, "SHEET_LAST_ROW", 41)
    master = Master.empty()
    master.transactions = _sales(55)
    with collecting() as notices:
        save_master(master, tmp_path / "master.xlsx", backup=False)
    assert [n.render("zh") for n in notices] == [master.spilled[0].message().render("zh")]
    assert notices[0].render("zh").startswith("销售明细：超出工作表最后一行的 15 行已存入历史库")


def test_a_note_given_before_a_failure_is_printed_with_the_error(tmp_path: Path, capsys, monkeypatch) -> None:
    def saved_then_failed(args: object) -> int:
        notify(msg("{count:,} more", count=3))
        raise InputError(msg("no path to save the master to"))

    monkeypatch.setattr("keyacct_xl.cli.main.build_parser", _parser_running(saved_then_failed))
    assert main(["--lang", "en", "anything"]) == 2
    assert capsys.readouterr().err.splitlines() == ["note: 3 more", "keyacct-xl: no path to save the master to"]


def _parser_running(func):
    """A parser whose one command runs ``func``: the CLI's handling of what a command tells and raises."""

    def build(lang: str) -> argparse.ArgumentParser:
        parser = argparse.ArgumentParser()
        parser.add_argument("--lang", default="zh")
        parser.add_argument("--debug", action="store_true")
        parser.add_argument("command")
        parser.set_defaults(func=func)
        return parser

    return build


def test_a_notice_of_an_inner_collection_is_not_the_outer_ones() -> None:
    with collecting() as outer:
        with collecting() as inner:
            notify(msg("{count:,} more", count=1))
        notify(msg("{count:,} more", count=2))
    assert [n.render("en") for n in inner] == ["1 more"] and [n.render("en") for n in outer] == ["2 more"]
