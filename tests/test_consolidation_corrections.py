"""Corrections judged file by file, through the CLI as the manager runs it."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from reportbook import table_rows

from keyacct_xl.cli.main import main
from keyacct_xl.consolidate.store import load_store
from tests.test_consolidation_identity import master, visits  # noqa: F401  (master: the fixture)

MON_WED = [
    ("2026-11-23", "C001", "面谈", "谈返利"),
    ("2026-11-24", "C002", "电话", "催款"),
    ("2026-11-25", "C001", "电话", "确认订单"),
]
THU_FRI = [
    ("2026-11-26", "C001", "面谈", "送样品"),
    ("2026-11-26", "C002", "电话", "约下周"),
    ("2026-11-27", "C001", "电话", "报价"),
    ("2026-11-27", "C002", "面谈", "签合同"),
    ("2026-11-27", "C001", "面谈", "看陈列"),
]
MISSING = "missing from the correction (kept: keep or delete it)"


def _send(tmp_path: Path, batch: str, lines: list[tuple[str, str, str, str]]) -> Path:
    """A rep's file in its own inbox folder, as the manager receives it: ``<batch>/张三/visits_<batch>.xlsx``."""
    path = tmp_path / batch / "张三" / f"visits_{batch}.xlsx"
    path.parent.mkdir(parents=True)
    path.write_bytes(visits("张三", lines))
    return path


def _consolidate(tmp_path: Path, into: Path, batch: str) -> Path:
    """``keyacct-xl consolidate <batch> --into <into>``, as the manager runs it; the report's path."""
    report = tmp_path / f"report_{batch}.xlsx"
    argv = ["--lang", "en", "consolidate", str(tmp_path / batch), "--into", str(into), "--report", str(report)]
    assert main(argv) == 0
    return report


def _files(report: Path) -> dict[str, str]:
    """File -> the files it corrects, from the report's Files sheet."""
    header, *rows = table_rows(report, "Files")
    file, corrects = header.index("File"), header.index("Corrects")
    return {row[file]: row[corrects] or "" for row in rows}


def _changes(report: Path) -> list[tuple[str, str, str]]:
    """(change, row, before -> after) of the report's Changes sheet."""
    header, *rows = table_rows(report, "Changes")
    change, key, before, after = (header.index(c) for c in ("Change", "Row", "Before", "After"))
    return [(row[change], row[key], f"{row[before] or ''} -> {row[after] or ''}") for row in rows]


def _corrected_by(into: Path) -> dict[str, str]:
    """File name -> the file name its ledger entry says corrected it ('' for none)."""
    ledger = load_store(into).frame("IngestionLedger")
    names = dict(zip(ledger["file_sha256"], ledger["file_name"]))
    return {
        str(name): "" if pd.isna(by) else names[by] for name, by in zip(ledger["file_name"], ledger["corrected_by"])
    }


def test_a_correction_of_thu_fri_leaves_the_mon_wed_file_alone(master: Path, tmp_path: Path) -> None:  # noqa: F811
    _send(tmp_path, "A", MON_WED)
    _send(tmp_path, "B", THU_FRI)
    _send(tmp_path, "C", THU_FRI[:-1])  # Friday's last visit was not made: the rep sends Thu-Fri again without it
    for batch in "AB":
        _consolidate(tmp_path, master, batch)
    report = _consolidate(tmp_path, master, "C")
    assert _files(report) == {"张三/visits_C.xlsx": "张三/visits_B.xlsx"}
    # Only the dropped Friday visit is put to the manager, none of Monday to Wednesday's.
    assert _changes(report) == [(MISSING, "张三 / C001 / 2026-11-27 / 面谈", " -> ")]
    assert _corrected_by(master) == {
        "张三/visits_A.xlsx": "",
        "张三/visits_B.xlsx": "张三/visits_C.xlsx",
        "张三/visits_C.xlsx": "",
    }
    assert len(load_store(master).frame("Visits")) == 8  # the dropped visit is kept until the manager deletes it


def test_a_correction_of_a_small_second_file_is_seen_beside_a_larger_first(
    master: Path,  # noqa: F811
    tmp_path: Path,
) -> None:
    _send(tmp_path, "A", [*MON_WED, *THU_FRI[:2]])
    wrong = ("2026-11-27", "C002", "面谈", "记错客户")
    _send(tmp_path, "B", [("2026-11-27", "C001", "电话", "报价"), wrong])
    _send(tmp_path, "C", [("2026-11-27", "C001", "电话", "报价 5% 折扣")])  # the wrong line deleted, a text fixed
    for batch in "AB":
        _consolidate(tmp_path, master, batch)
    report = _consolidate(tmp_path, master, "C")
    assert _files(report) == {"张三/visits_C.xlsx": "张三/visits_B.xlsx"}
    assert _changes(report) == [
        ("updated", "张三 / C001 / 2026-11-27 / 电话", "报价 -> 报价 5% 折扣"),
        (MISSING, "张三 / C002 / 2026-11-27 / 面谈", " -> "),
    ]
    assert _corrected_by(master)["张三/visits_B.xlsx"] == "张三/visits_C.xlsx"
    assert _corrected_by(master)["张三/visits_A.xlsx"] == ""
    assert "记错客户" in set(load_store(master).frame("Visits")["content"])  # kept: the manager decides
