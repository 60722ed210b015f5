"""The demo's week of submissions: every kind of outcome appears, and the run is reproducible.

Read from the demo the test session runs once (``demo_run``) and runs again (``demo_run_again``), whose
consolidation step this is: the week as a user sees it after ``keyacct-xl demo``.
"""

from __future__ import annotations

from pathlib import Path

import openpyxl
from reportbook import table_rows

from keyacct_xl.consolidate.store import load_store


def _consolidation_line(printed: str) -> str:
    (line,) = [line for line in printed.splitlines() if line.startswith("汇总：")]
    return line


def _report(folder: Path) -> Path:
    # a second run into the first run's folder keeps the first's report as a backup (*.bak.xlsx) beside its own
    (report,) = [p for p in folder.glob("master-汇总报告-*.xlsx") if not p.name.endswith(".bak.xlsx")]
    return report


def _cells(report: Path, folder: Path, named_as: Path) -> dict[str, list[tuple[object, ...]]]:
    """Every sheet's values, ``folder`` in them named as ``named_as`` (the report names the master by its path)."""
    book = openpyxl.load_workbook(report)
    named = str(named_as)
    return {
        sheet.title: [
            tuple(v.replace(str(folder), named) if isinstance(v, str) else v for v in row)
            for row in sheet.iter_rows(values_only=True)
        ]
        for sheet in book.worksheets
    }


def test_demo_week_shows_every_outcome_and_is_reproducible(
    demo_run: tuple[Path, str], demo_run_again: tuple[Path, str]
) -> None:
    (folder, printed), (again, reprinted) = demo_run, demo_run_again
    line = _consolidation_line(printed)
    # the story files and one copy of every input form (the copy of the contact profile updates its contact)
    assert "共 40 个文件：已接收 33，部分接收 1，待审核 1，拒收 4，重复提交 1；新增 187 行，更新 2 行" in line
    report = _report(folder)
    assert line.endswith(f"→ {report}")
    errors = table_rows(report, "错误")[1:]
    assert any(row[4] == "11月31日" for row in errors)
    conflicts = [row[:4] for row in table_rows(report, "冲突")[1:]]
    assert [(kind, field) for kind, _, _, field in conflicts] == [("疑似重复客户", "客户名称")]
    reasons = sorted(p.name for p in (folder / "quarantine").rglob("*.reason.txt"))
    assert len(reasons) == 4
    store = load_store(folder / "master.xlsx")
    assert len(store.frame("SubmissionHistory")) > 0 and len(store.frame("WeeklyPlans")) == 24
    assert len(store.frame("DeferredCustomers")) == 1  # the weekly plan copy's deferred customer
    # The second run: the same line, the same report and the same files put aside, byte for byte.
    assert _consolidation_line(reprinted) == line.replace(str(folder), str(again))
    assert _cells(_report(again), again, folder) == _cells(report, folder, folder)
    put_aside = [p.relative_to(folder) for p in (folder / "quarantine").rglob("*") if p.is_file()]
    assert len(put_aside) == 2 * len(reasons)  # each file put aside beside its reason
    for name in put_aside:  # the second run's files in place of the first's (which it keeps as backups)
        assert (again / name).read_bytes() == (folder / name).read_bytes(), name
