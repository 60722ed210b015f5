"""The hostile corpus (tests/hostile_corpus.py, 1,000 files) through the CLI: consolidation finishes with exit 0
and a status for every file; reconcile, rfm and abc stop on each with one line naming it, never a traceback."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from hostile_corpus import write_corpus
from reportbook import report_table

from keyacct_xl.cli.consolidate_cmd import REFUSED
from keyacct_xl.cli.main import main
from keyacct_xl.master.model import Master
from keyacct_xl.master.writer import save_master

# A file ends in one of these; duplicate (the same bytes twice in the corpus) and superseded (a later file for
# the same rep and week) are outcomes of files that were read, not crashes.
FINAL = {"accepted", "partial", "needs review", "rejected", "duplicate"}
BOMBS = ("dimension-bomb/", "sst-bomb/")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    return write_corpus(tmp_path_factory.mktemp("hostile") / "inbox")


@pytest.fixture
def master(tmp_path: Path) -> Path:
    m = Master.empty()
    m.customers = pd.DataFrame(
        {"customer_id": ["C001", "C002", "C003"], "name": ["华强贸易", "东方商行", "北辰百货"], "rep": ["张三"] * 3}
    )
    return save_master(m, tmp_path / "master.xlsx", backup=False)


@pytest.mark.parametrize("jobs", [1, 2])
def test_every_hostile_file_ends_with_a_status_and_the_run_goes_on(
    jobs: int, corpus: list[Path], master: Path, tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    inbox, report, quarantine = corpus[0].parents[1], tmp_path / "report.xlsx", tmp_path / "quarantine"
    code = main(
        [
            "--lang",
            "en",
            "consolidate",
            str(inbox),
            "--into",
            str(master),
            "--report",
            str(report),
            "--quarantine",
            str(quarantine),
            "--jobs",
            str(jobs),
        ]
    )
    out, err = capfd.readouterr()
    assert code == REFUSED, err  # every hostile file is refused, each named on the console, and the run ends
    assert "Traceback" not in err and out.startswith(f"{len(corpus)} file(s): ")
    files = report_table(report, "Files")
    assert sorted(files["File"]) == sorted(p.relative_to(inbox).as_posix() for p in corpus)
    assert set(files["Status"]) <= FINAL
    rejected = files[files["Status"] == "rejected"]
    assert rejected["Reason"].fillna("").str.strip().ne("").all()
    for name in rejected["File"]:
        assert (quarantine / f"{name}.reason.txt").exists()
    bombs = files[files["File"].str.startswith(BOMBS)]
    planted = [p for p in corpus if p.relative_to(inbox).as_posix().startswith(BOMBS)]
    assert len(bombs) == len(planted) >= 40 and (bombs["Status"] == "rejected").all()
    assert bombs["Reason"].str.contains("refused before reading").all()  # by the pre-check, before calamine
    assert files["Status"].isin(["accepted", "partial"]).sum() >= 20  # files that survive still merge


def _sample(corpus: list[Path]) -> list[Path]:
    """Every fifth file (each mutation is there) and every bomb: each CLI call reads one file in its own worker."""
    return [p for i, p in enumerate(corpus) if i % 5 == 0 or p.parent.name + "/" in BOMBS]


@pytest.mark.parametrize("command", ["reconcile", "rfm", "abc"])
def test_readers_stop_on_each_hostile_file_with_one_line(
    command: str, corpus: list[Path], tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    ours = tmp_path / "ours.csv"
    ours.write_text("日期,单据编号,金额\n2026-11-01,F1,100\n", encoding="utf-8")
    sample = _sample(corpus) if command != "abc" else [p for p in corpus if p.parent.name + "/" in BOMBS]
    for path in sample:
        args = {
            "reconcile": ["reconcile", str(ours), str(path), "--out", str(tmp_path / "r.xlsx")],
            "rfm": ["rfm", str(path)],
            "abc": ["abc", str(path)],
        }[command]
        code = main(["--lang", "en", *args])
        _, err = capfd.readouterr()
        lines = err.strip().splitlines()
        assert (code, len(lines)) == (2, 1), (path, err)
        assert lines[0].startswith("keyacct-xl: ") and str(path) in lines[0], (path, err)
