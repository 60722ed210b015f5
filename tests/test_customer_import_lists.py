"""customers import on lists as they come: merged region and rep cells, a file name that is not UTF-8, values the
master would refuse elsewhere (grades, negative limits), a list sheet among large sparse ones, UTF-16 text."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import python_calamine as calamine

from keyacct_xl.cli.main import main
from keyacct_xl.consolidate.store import load_store
from keyacct_xl.master.reader import load_master
from keyacct_xl.master.submissions import LEDGER


@pytest.fixture
def master(tmp_path: Path) -> Path:
    path = tmp_path / "master.xlsx"
    assert main(["master", "new", str(path)]) == 0
    return path


def _import(source: Path, master: Path, *options: str) -> int:
    return main(["customers", "import", os.fsdecode(source), "--into", str(master), *options])


def test_a_refused_cell_names_its_place_once(tmp_path: Path, master: Path, capsys) -> None:
    source = tmp_path / "list.csv"
    source.write_text("客户名称,联系电话,首次交易日期\n甲公司,13900000501,1800-01-01\n", encoding="utf-8")
    assert _import(source, master) == 0
    out = capsys.readouterr().out
    assert out.count("第 2 行，列 首次交易日期") == 1 and "超出可接受的日期范围" in out


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be"])
def test_a_utf16_text_file_is_refused_saying_how_to_save_it(tmp_path: Path, master: Path, capsys, encoding) -> None:
    source = tmp_path / "list.csv"
    text = "客户名称\t联系电话\n甲公司\t13900000501\n"
    source.write_bytes(("\ufeff" + text).encode(encoding) if encoding.endswith("be") else text.encode(encoding))
    assert _import(source, master) == 2
    assert "另存为 CSV UTF-8" in capsys.readouterr().err


def test_a_file_name_that_is_not_utf8_is_shown_and_recorded_with_escapes(tmp_path: Path, master: Path, capsys):
    source = Path(os.fsdecode(bytes(tmp_path) + b"/\xc4\xfa\xba\xc3list.csv"))  # 您好 in GBK, from a Windows share
    source.write_text("客户名称,联系电话\n非UTF8文件名公司,13900000501\n", encoding="utf-8")
    report = tmp_path / "r.xlsx"
    assert _import(source, master, "--dry-run", "--report", str(report)) == 0
    summary = calamine.CalamineWorkbook.from_path(str(report)).get_sheet_by_index(0).to_python()
    assert any(str(c).endswith(r"\xc4\xfa\xba\xc3list.csv") for r in summary for c in r)
    assert _import(source, master) == 0
    assert r"\xc4\xfa\xba\xc3list.csv：共 1 行" in capsys.readouterr().out
    store = load_store(master)
    assert list(store.frame("Customers")["source_file"]) == [r"\xc4\xfa\xba\xc3list.csv"]
    assert list(store.frame(LEDGER.name)["file_name"]) == [r"\xc4\xfa\xba\xc3list.csv"]
    assert _import(source, master, "--undo") == 0
    assert load_master(master).customers.empty
    assert _import(source, master, "--undo") == 2  # undone already: said so, by its shown name
    assert r"\xc4\xfa\xba\xc3list.csv" in capsys.readouterr().err
