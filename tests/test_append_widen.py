"""A table that gains columns at its right end (a master written before the provenance columns) keeps its rows."""

from __future__ import annotations

import zipfile
from pathlib import Path

import openpyxl
import pandas as pd

from keyacct_xl.consolidate.store import load_store, save_store
from keyacct_xl.master.model import Master
from keyacct_xl.master.writer import save_master

VISITS_SHEET = "拜访记录"


def _visits_part(path: Path) -> tuple[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return next(
            (n, z.read(n)) for n in z.namelist() if n.startswith("xl/worksheets/") and "第一次".encode() in z.read(n)
        )


def _replace_part(path: Path, name: str, data: bytes) -> None:
    with zipfile.ZipFile(path) as z:
        parts = [(info, data if info.filename == name else z.read(info)) for info in z.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for info, content in parts:
            z.writestr(info, content)


def test_rows_a_user_formatted_survive_when_the_table_gains_the_provenance_columns(tmp_path: Path) -> None:
    master = Master.empty()
    master.customers = pd.DataFrame({"customer_id": ["C001", "C002"], "name": ["甲公司", "乙厂"]})
    master.visits = pd.DataFrame(
        {
            "date": pd.to_datetime(["2026-11-02", "2026-11-03"]),
            "customer_id": ["C001", "C002"],
            "content": ["第一次", "第二次"],
        }
    )
    path = save_master(master, tmp_path / "master.xlsx", backup=False)
    name, sheet = _visits_part(path)
    # The user made the first visit's row taller in Excel: a rewrite of the table's rows would lose it.
    assert b'<row r="2">' in sheet
    _replace_part(path, name, sheet.replace(b'<row r="2">', b'<row r="2" ht="30" customHeight="1">'))
    store = load_store(path)
    old_columns = openpyxl.load_workbook(path)[VISITS_SHEET].tables["Visits"].tableColumns
    added = pd.DataFrame(
        {
            "date": pd.to_datetime(["2026-11-20"]),
            "customer_id": ["C001"],
            "content": ["追加"],
            "source_row": [9],
            "file_sha256": ["f" * 64],
        }
    )
    store.frames["Visits"] = pd.concat([store.frames["Visits"], added], ignore_index=True)
    save_store(store, ["Visits"], backup=False)

    after = _visits_part(path)[1]
    assert b'<row r="2" ht="30" customHeight="1">' in after
    table = openpyxl.load_workbook(path)[VISITS_SHEET].tables["Visits"]
    assert len(table.tableColumns) > len(old_columns)
    assert [c.name for c in table.tableColumns][: len(old_columns)] == [c.name for c in old_columns]
    assert table.ref.endswith("4")
    visits = load_store(path).frame("Visits")
    assert visits["content"].tolist() == ["第一次", "第二次", "追加"]
    assert visits["file_sha256"].tolist() == [None, None, "f" * 64]
    assert visits["source_row"].tolist()[2] == 9
