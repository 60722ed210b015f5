"""Where commands write: a folder named in an output path is made; an output folder given as a workbook is refused."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
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


def test_a_statement_under_a_file_says_so_in_the_runs_language(
    stepless_demo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An error of the system the commands do not catch themselves was printed in its English words (``…: Not a
    directory``, exit 1), whatever the language; it is told in the run's language, exit 2."""
    (tmp_path / "notes").write_text("a file, not a folder")
    out = tmp_path / "notes" / "statements"
    argv = ["statement", str(stepless_demo), "--customer", "C0002", "--period", "2026-10", "--out", str(out)]
    assert main(["--lang", "en", *argv]) == 2
    assert capsys.readouterr().err == f"keyacct-xl: {out}: a file stands where a folder is needed\n"
    assert main(argv) == 2
    assert capsys.readouterr().err == f"keyacct-xl: {out}：此处应为文件夹，却有一个同名文件\n"


def _as_a_user() -> list[str]:
    """The command prefix that runs a process without the rights to write in a read-only folder: none for a user;
    for root, without the capabilities that override file permissions (util-linux's setpriv)."""
    if os.name != "posix" or os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("root without setpriv: a read-only folder cannot be made read-only for this process")
    return [setpriv, "--bounding-set", "-dac_override,-dac_read_search,-fowner"]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_statements_into_a_read_only_folder_say_the_folder_is_read_only(
    stepless_demo: Path, tmp_path: Path, lang: str
) -> None:
    """``statement`` into a read-only folder printed the system's English, ``ro/statements_2026-10: Permission
    denied`` (exit 1, in zh too), where every other writer says the folder is read-only (exit 2)."""
    folder = tmp_path / "ro"
    folder.mkdir()
    master = Path(shutil.copy2(stepless_demo, folder / "master.xlsx"))
    folder.chmod(0o555)
    try:
        statement = ["statement", str(master), "--customer", "C0002", "--period", "2026-10"]
        run = subprocess.run(
            [*_as_a_user(), sys.executable, "-m", "keyacct_xl", "--lang", lang, *statement],
            capture_output=True,
            text=True,
            timeout=600,
        )
    finally:
        folder.chmod(0o755)
    said = {
        "en": f"keyacct-xl: {folder}: the folder is read-only, so statements_2026-10 cannot be written there\n",
        "zh": f"keyacct-xl: {folder}：文件夹为只读，无法在其中写入 statements_2026-10\n",
    }
    assert (run.returncode, run.stderr) == (2, said[lang])
