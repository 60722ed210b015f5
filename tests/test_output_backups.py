"""A form or report someone typed into survives any number of reruns that write over it: the rerun that replaces
it keeps it as the backup, and a later rerun that replaces only what an earlier run wrote (no program saved it
since) leaves that backup alone. Before, the second rerun made the blank first rerun the backup, and the typed form
was in neither file."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from keyacct_xl.cli.main import main
from keyacct_xl.demo.company import generate_demo
from keyacct_xl.fileio import backup_path, ensure_not_open, master_write_lock, untouched_output, write_replacing
from keyacct_xl.history.archive import archive
from keyacct_xl.history.store import store_path, stored_batches
from keyacct_xl.master.writer import save_master

FORM = "weekly_plan"


def _generate(folder: Path, lang: str) -> Path:
    assert main(["forms", "generate", FORM, "--out", str(folder), "--lang", lang]) == 0
    return folder / f"{FORM}.xlsx"


def _type_into(path: Path, text: str) -> None:
    """A rep types into the form's first sheet and saves, as Excel, WPS, LibreOffice and openpyxl all do: the save
    sets the document's modified time."""
    book = openpyxl.load_workbook(path)
    book.worksheets[0]["B8"] = text
    book.save(path)


def _typed(path: Path) -> object:
    return openpyxl.load_workbook(path).worksheets[0]["B8"].value


def test_a_typed_form_stays_the_backup_through_two_reruns_in_other_languages(tmp_path: Path) -> None:
    form = _generate(tmp_path, "zh")
    _type_into(form, "本周拜访 12 家")
    _generate(tmp_path, "bilingual")
    _generate(tmp_path, "en")
    assert _typed(backup_path(form)) == "本周拜访 12 家"
    assert _typed(form) is None and untouched_output(form)


def test_a_form_typed_into_after_a_rerun_becomes_the_backup(tmp_path: Path) -> None:
    form = _generate(tmp_path, "zh")
    _type_into(form, "第一次")
    _generate(tmp_path, "en")
    _type_into(form, "第二次")  # typed into the rerun's form: the latest typed version is the one kept
    _generate(tmp_path, "bilingual")
    assert _typed(backup_path(form)) == "第二次"


def test_only_a_workbook_we_wrote_and_nobody_saved_is_untouched(tmp_path: Path) -> None:
    form = _generate(tmp_path, "zh")
    assert untouched_output(form)
    _type_into(form, "x")
    assert not untouched_output(form)
    for not_a_workbook in (b"", b"PK\x03\x04 cut", "日期,金额\n".encode()):
        other = tmp_path / "other.xlsx"
        other.write_bytes(not_a_workbook)
        assert not untouched_output(other)
        write_replacing(other, b"new")
        assert backup_path(other).read_bytes() == not_a_workbook


def test_an_output_that_is_a_link_is_written_through_it_with_the_backup_beside_its_file(tmp_path: Path) -> None:
    shared = _generate(tmp_path / "shared", "zh")
    _type_into(shared, "本周拜访 12 家")
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / f"{FORM}.xlsx").symlink_to(shared)
    linked = _generate(tmp_path / "mine", "en")
    assert linked.is_symlink() and linked.resolve() == shared.resolve()
    assert _typed(backup_path(shared)) == "本周拜访 12 家" and untouched_output(shared)
    assert sorted(p.name for p in linked.parent.iterdir()) == [f"{FORM}.xlsx"]


@pytest.mark.parametrize("option", [[], ["--without-sensitive"]])
def test_master_export_keeps_the_file_it_replaces_as_the_backup(tmp_path: Path, option: list[str]) -> None:
    master = save_master(generate_demo(seed=5, customers=20), tmp_path / "master.xlsx", backup=False)
    other = save_master(generate_demo(seed=9, customers=20), tmp_path / "region.xlsx", backup=False)
    _type_into(other, "区域经理的批注")  # a workbook a person saved: it must survive the export
    before = other.read_bytes()
    assert main(["master", "export", str(master), "--out", str(other), *option]) == 0
    assert other.read_bytes() != before and backup_path(other).read_bytes() == before
    # The export again over its own output: the person's file stays the backup.
    assert main(["master", "export", str(master), "--out", str(other), *option]) == 0
    assert backup_path(other).read_bytes() == before


def test_a_copy_onto_another_master_with_a_history_store_needs_force(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    master = save_master(generate_demo(seed=5, customers=20), tmp_path / "master.xlsx", backup=False)
    region = save_master(generate_demo(seed=9, customers=20), tmp_path / "region.xlsx", backup=False)
    batch = archive(region, pd.Timestamp("2025-01-01")).batch
    before = region.read_bytes()
    capsys.readouterr()
    assert main(["master", "export", str(master), "--out", str(region), "--lang", "en"]) != 0
    err = capsys.readouterr().err
    assert f"region.xlsx: another master, whose history store {store_path(region)} holds batch(es) {batch}" in err
    assert "--force" in err and region.read_bytes() == before
    # Forced, the replaced master is the backup, which still names the batch it keeps in the store.
    assert main(["master", "export", str(master), "--out", str(region), "--force"]) == 0
    assert backup_path(region).read_bytes() == before and stored_batches(store_path(region)) == [batch]


@pytest.mark.parametrize("option", [[], ["--without-sensitive"]])
def test_an_export_onto_the_master_by_a_path_through_a_missing_folder_is_refused(
    tmp_path: Path, option: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    """``--out nosuch/../master.xlsx`` is the master itself: it was written over with the redacted export and no
    backup, because the paths were compared only when ``--out`` existed (and the missing folder is now made)."""
    master = save_master(generate_demo(seed=5, customers=20), tmp_path / "master.xlsx", backup=False)
    before = master.read_bytes()
    out = tmp_path / "nosuch" / ".." / "master.xlsx"
    assert main(["master", "export", str(master), "--out", str(out), *option, "--lang", "en"]) == 2
    assert "the export must go to another file than the master" in capsys.readouterr().err
    assert master.read_bytes() == before and not backup_path(master).exists()


def test_a_file_whose_name_is_255_bytes_is_written_over_with_its_backup(tmp_path: Path) -> None:
    """A safe write's temporary file (``.<name>.<12 hex>.tmp``), backup (``<stem>.bak<ext>``) and the lock files
    looked for (``.~lock.<name>#``, ``~$<name>``) add to the name: each is kept within the 255 bytes a name holds."""
    path = tmp_path / ("周报" * 40 + "abcdefghij.xlsx")  # 255 bytes
    assert len(path.name.encode()) == 255
    ensure_not_open(path)
    with master_write_lock(path):
        write_replacing(path, b"first")
        write_replacing(path, b"second")
    backup = backup_path(path)
    assert path.read_bytes() == b"second" and backup.read_bytes() == b"first"
    assert backup.suffix == ".xlsx" and len(backup.name.encode()) <= 255
    assert backup_path(path.with_name(path.name.replace("abc", "abd"))) != backup  # cut alike, told apart
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.endswith(".lock")) == sorted(
        [path.name, backup.name]
    )
