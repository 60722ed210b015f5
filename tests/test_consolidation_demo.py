"""The demo's week of submissions: every kind of outcome appears, and the run is reproducible."""

from __future__ import annotations

import argparse
from pathlib import Path

from reportbook import table_rows

from keyacct_xl.consolidate.demo_step import consolidation_demo
from keyacct_xl.consolidate.store import load_store
from keyacct_xl.demo.company import generate_demo
from keyacct_xl.master.writer import save_master


def _run(folder: Path) -> tuple[list[str], Path]:
    folder.mkdir()
    master = save_master(generate_demo(seed=7, customers=60, lang="zh"), folder / "master.xlsx", backup=False)
    return consolidation_demo(master, folder, argparse.Namespace(seed=7, lang="zh")), master


def test_demo_week_shows_every_outcome_and_is_reproducible(tmp_path: Path) -> None:
    lines, master = _run(tmp_path / "a")
    # the story files and one copy of every input form (the copy of the contact profile updates its contact)
    assert "已接收 33，部分接收 1，待审核 1，拒收 4，重复提交 1；新增 189 行，更新 2 行" in lines[0]
    [report] = (tmp_path / "a").glob("master-汇总报告-*.xlsx")
    assert lines[0].endswith(f"→ {report}")
    errors = table_rows(report, "错误")[1:]
    assert any(row[4] == "11月31日" for row in errors)
    conflicts = [row[:4] for row in table_rows(report, "冲突")[1:]]
    assert [(kind, field) for kind, _, _, field in conflicts] == [("疑似重复客户", "客户名称")]
    reasons = sorted(p.name for p in (tmp_path / "a" / "quarantine").rglob("*.reason.txt"))
    assert len(reasons) == 4
    store = load_store(master)
    assert len(store.frame("SubmissionHistory")) > 0 and len(store.frame("WeeklyPlans")) == 24
    assert len(store.frame("DeferredCustomers")) == 1  # the weekly plan copy's deferred customer
    again, master_b = _run(tmp_path / "b")
    assert again == [line.replace("/a/", "/b/") for line in lines]
    assert master_b.read_bytes() == master.read_bytes()
