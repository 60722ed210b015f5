"""Where commands write: a folder named in an output path is made; an output folder given as a workbook is refused."""

from __future__ import annotations

import shutil
from pathlib import Path

import openpyxl
import pytest

from keyacct_xl.cli.main import main
from keyacct_xl.master.reader import load_master


def test_a_new_master_and_a_review_are_written_into_folders_not_made_yet(
    stepless_demo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``master new office/2027/master.xlsx`` and ``grade --out out/review.xlsx`` make their folders, as ``forms
    generate`` does, instead of stopping on a folder that does not exist."""
    new = tmp_path / "office" / "2027" / "master.xlsx"
    assert main(["master", "new", str(new), "--company", "华东润滑油有限公司"]) == 0
    assert "客户档案" in openpyxl.load_workbook(new, read_only=True).sheetnames
    master = Path(shutil.copy2(stepless_demo, tmp_path / "master.xlsx"))
    review = tmp_path / "out" / "reviews" / "review-2025.xlsx"
    assert main(["grade", str(master), "--year", "2025", "--out", str(review)]) == 0
    assert openpyxl.load_workbook(review, read_only=True).sheetnames
    capsys.readouterr()


def test_a_new_master_without_a_company_names_none_and_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A master made without ``--company`` used to carry the demo's 示例贸易有限公司, printed on every form a rep
    was sent; it names no company and the command says where to type it."""
    new = tmp_path / "master.xlsx"
    assert main(["master", "new", str(new)]) == 0
    assert "公司名称" in capsys.readouterr().err
    assert load_master(new).settings.company_name == ""
    forms = tmp_path / "forms"
    assert main(["forms", "generate", "visit_record", "--master", str(new), "--out", str(forms)]) == 0
    cells = [
        c for row in openpyxl.load_workbook(next(forms.rglob("*.xlsx"))).active.iter_rows(values_only=True) for c in row
    ]
    assert not any("示例贸易" in str(c) for c in cells if c is not None)


def test_a_statement_folder_given_as_a_workbook_name_is_refused_naming_a_folder(
    stepless_demo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``statement --out out/stmt_C0002.xlsx`` used to make a folder of that name and say the statement was "saved
    in out/stmt_C0002.xlsx"; it is refused, suggesting the folder, and nothing is made."""
    out = tmp_path / "out" / "stmt_C0002.xlsx"
    code = main(["statement", str(stepless_demo), "--customer", "C0002", "--period", "2026-10", "--out", str(out)])
    assert code == 2
    said = capsys.readouterr().err
    assert "stmt_C0002.xlsx" in said and str(out.with_suffix("")) in said
    assert not out.exists()
