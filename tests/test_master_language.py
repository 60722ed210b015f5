"""Without --lang, a command working on a master answers in the master's language (Customers or 客户档案), else in
the system locale's, else in zh; a quarantine note goes back in the form's language, else the master's."""

from __future__ import annotations

import io
import re
import shutil
from pathlib import Path

import openpyxl
import pytest

from keyacct_xl.cli.consolidate_cmd import REFUSED
from keyacct_xl.cli.main import main
from keyacct_xl.consolidate.simulate import blank_form
from keyacct_xl.demo.company import generate_demo
from keyacct_xl.i18n import Lang
from keyacct_xl.master.writer import save_master

CJK = re.compile(r"[\u4e00-\u9fff]")
# The form's title sheet of each language: what Excel shows on the first tab.
VISIT_RECORD_SHEET = {"en": "Customer Visit Record", "zh": "客户回访记录表"}


@pytest.fixture(scope="module")
def demo_masters(tmp_path_factory: pytest.TempPathFactory) -> dict[Lang, Path]:
    """A small demo master of each language, as `master new --lang` and consolidation leave them."""
    folder = tmp_path_factory.mktemp("masters")
    return {
        lang: save_master(generate_demo(seed=3, customers=20, lang=lang), folder / lang / "master.xlsx", backup=False)
        for lang in ("en", "zh")
    }


@pytest.fixture
def masters(demo_masters: dict[Lang, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[Lang, Path]:
    """Copies of the demo masters (commands write into them), run under a locale that names no language."""
    for name in ("LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LANG", "C.UTF-8")
    copies = {}
    for lang, path in demo_masters.items():
        (tmp_path / lang).mkdir()
        copies[lang] = Path(shutil.copy(path, tmp_path / lang / "master.xlsx"))
    return copies


def _a_rep(master: Path) -> str:
    book = openpyxl.load_workbook(master, read_only=True)
    sheet = book.worksheets[0]
    header = [c.value for c in next(sheet.iter_rows(max_row=1))]
    rep_column = header.index("Sales Rep" if sheet.title == "Customers" else "业务员")
    return next(row[rep_column] for row in sheet.iter_rows(min_row=2, values_only=True) if row[rep_column])


def _sheets(path: Path) -> list[str]:
    return openpyxl.load_workbook(path, read_only=True).sheetnames


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_forms_prefill_writes_the_forms_in_the_masters_language(
    masters: dict[Lang, Path], tmp_path: Path, lang: Lang, capsys: pytest.CaptureFixture[str]
) -> None:
    master, out = masters[lang], tmp_path / "forms"
    args = ["forms", "prefill", "--master", str(master), "--rep", _a_rep(master), "--period", "2026-W49"]
    assert main([*args, "--out", str(out)]) == 0
    written = sorted(out.rglob("visit_record_*.xlsx"))
    assert written and _sheets(written[0])[0] == VISIT_RECORD_SHEET[lang]
    printed = capsys.readouterr().out
    assert ("pre-filled form(s)" in printed) == (lang == "en")


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_forms_generate_with_a_master_writes_the_form_in_its_language(
    masters: dict[Lang, Path], tmp_path: Path, lang: Lang, capsys: pytest.CaptureFixture[str]
) -> None:
    master = masters[lang]
    args = ["forms", "generate", "visit_record", "--master", str(master), "--rep", _a_rep(master)]
    assert main([*args, "--out", str(tmp_path / "forms")]) == 0
    (written,) = (tmp_path / "forms").glob("*.xlsx")
    assert _sheets(written)[0] == VISIT_RECORD_SHEET[lang]
    assert capsys.readouterr().out.startswith("written: " if lang == "en" else "已写入")


def test_forms_generate_without_a_master_follows_the_locale_then_zh(
    masters: dict[Lang, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert main(["forms", "generate", "visit_record", "--out", str(tmp_path / "c")]) == 0
    assert _sheets(tmp_path / "c" / "visit_record.xlsx")[0] == VISIT_RECORD_SHEET["zh"]
    monkeypatch.setenv("LANG", "en_SG.UTF-8")
    assert main(["forms", "generate", "visit_record", "--out", str(tmp_path / "sg")]) == 0
    assert _sheets(tmp_path / "sg" / "visit_record.xlsx")[0] == VISIT_RECORD_SHEET["en"]


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_ribbon_action_on_a_book_answers_in_the_masters_language(
    masters: dict[Lang, Path], tmp_path: Path, lang: Lang, capsys: pytest.CaptureFixture[str]
) -> None:
    """`run rfm_refresh --book` as the ribbon's button does in Excel, which reads the language off the sheet names."""
    assert main(["run", "rfm_refresh", "--book", str(masters[lang]), "--out", str(tmp_path / "reports")]) == 0
    printed = capsys.readouterr()
    assert bool(CJK.search(printed.out + printed.err)) == (lang == "zh")
    (report,) = (tmp_path / "reports").glob("*.xlsx")
    assert bool(CJK.search("".join(_sheets(report)))) == (lang == "zh")


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_master_check_answers_in_the_masters_language_whatever_the_locale(
    masters: dict[Lang, Path], lang: Lang, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("LANG", "zh_CN.UTF-8" if lang == "en" else "en_SG.UTF-8")
    main(["master", "check", str(masters[lang])])
    printed = capsys.readouterr()
    assert bool(CJK.search(printed.out + printed.err)) == (lang == "zh")


def test_a_path_the_system_refuses_to_look_at_is_reported_not_a_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A name too long for the file system (Errno 36) has no language to read: the command says what is wrong."""
    too_long = tmp_path / ("x" * 300 + ".xlsx")
    assert main(["master", "check", str(too_long)]) == 2
    (line,) = capsys.readouterr().err.splitlines()
    assert line.startswith(f"keyacct-xl: {too_long}")


def _refused(lang: str) -> bytes:
    """A form of ``lang`` refused as a whole (its _meta names a version newer than this program's)."""
    book = openpyxl.load_workbook(io.BytesIO(blank_form("visit_record", lang=lang)))  # type: ignore[arg-type]
    meta = book["_meta"]
    next(row for row in meta.iter_rows() if row[0].value == "version")[1].value = "99"
    saved = io.BytesIO()
    book.save(saved)
    return saved.getvalue()


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_consolidate_dry_run_answers_and_names_its_report_in_the_masters_language(
    masters: dict[Lang, Path], inbox: Path, lang: Lang, capsys: pytest.CaptureFixture[str]
) -> None:
    (inbox / "visits.xlsx").write_bytes(_refused(lang))
    assert main(["consolidate", str(inbox), "--into", str(masters[lang]), "--dry-run"]) == REFUSED
    printed = capsys.readouterr().out
    assert bool(CJK.search(printed)) == (lang == "zh")
    report = next(line for line in printed.splitlines() if line.endswith(".xlsx"))
    assert ("汇总报告" in report) == (lang == "zh")


@pytest.mark.parametrize(("master_lang", "form_lang"), [("zh", "en"), ("en", "zh"), ("zh", "bilingual")])
def test_a_quarantine_note_is_in_the_forms_language(
    masters: dict[Lang, Path], inbox: Path, tmp_path: Path, master_lang: Lang, form_lang: str
) -> None:
    (inbox / "visits.xlsx").write_bytes(_refused(form_lang))
    quarantine = tmp_path / "quarantine"
    args = ["consolidate", str(inbox), "--into", str(masters[master_lang]), "--quarantine", str(quarantine)]
    assert main(args) == REFUSED
    _, *lines = (quarantine / "visits.xlsx.reason.txt").read_text(encoding="utf-8").splitlines()
    expected = {"en": ["Reason: "], "zh": ["拒收原因："], "bilingual": ["拒收原因：", "Reason: "]}[form_lang]
    assert [line[: len(lead)] for line, lead in zip(lines, expected, strict=True)] == expected


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_quarantine_note_of_a_file_naming_no_language_is_in_the_masters(
    masters: dict[Lang, Path], inbox: Path, tmp_path: Path, lang: Lang
) -> None:
    (inbox / "visits.xlsx").write_bytes(b"not a workbook")
    quarantine = tmp_path / "quarantine"
    assert main(["consolidate", str(inbox), "--into", str(masters[lang]), "--quarantine", str(quarantine)]) == REFUSED
    _, reason = (quarantine / "visits.xlsx.reason.txt").read_text(encoding="utf-8").splitlines()
    assert reason.startswith("Reason: " if lang == "en" else "拒收原因：")
