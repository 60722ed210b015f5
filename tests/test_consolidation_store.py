"""write_tables: adding tables to an existing master part by part, and the consolidation tables' round trip."""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
import python_calamine as calamine
from openpyxl.utils.escape import unescape

from keyacct_xl.consolidate.store import load_store, save_store
from keyacct_xl.master.model import Master
from keyacct_xl.master.reader import load_master
from keyacct_xl.master.submissions import HISTORY, LEDGER, MERGED_TABLES, WEEKLY_PLANS
from keyacct_xl.master.writer import save_master, write_tables

INJECTIONS = [
    '=HYPERLINK("http://x","y")',
    "+1+1",
    "-2+3",
    "@SUM(A1:A2)",
    "\tcmd",
    "\rline",
    "=cmd|' /C calc'!A0",
    'DDE("cmd";"/c calc";"x")',
]


def _parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n) for n in z.namelist()}


@pytest.fixture
def master_path(tmp_path: Path) -> Path:
    master = Master.empty()
    master.customers = pd.DataFrame({"customer_id": ["C001", "C002"], "name": ["甲公司", "乙厂"]})
    master.transactions = pd.DataFrame(
        {"date": pd.to_datetime(["2026-01-05"]), "customer_id": ["C001"], "amount": [1850.0]}
    )
    return save_master(master, tmp_path / "master.xlsx", backup=False)


def test_adding_tables_leaves_every_other_part_byte_identical(master_path: Path, libreoffice) -> None:
    before = _parts(master_path)
    plans = pd.DataFrame(
        {
            "date": pd.to_datetime(["2026-11-23"]),
            "activity": ["拜访"],
            "customer_id": ["C001"],
            "rep": ["张三"],
            "period": ["2026-W48"],
            "source_row": [5],
        }
    )
    ledger = pd.DataFrame({"file_sha256": ["ab" * 32], "file_name": ["张三.xlsx"], "status": ["accepted"], "rows": [1]})
    write_tables(master_path, {WEEKLY_PLANS: plans, LEDGER: ledger}, lang="zh")
    after = _parts(master_path)
    added = set(after) - set(before)
    # Two sheets, their rels and two table parts are new; only the package-level lists of parts changed.
    assert len(added) == 6
    changed = {n for n in before if before[n] != after[n]}
    assert changed == {"[Content_Types].xml", "xl/workbook.xml", "xl/_rels/workbook.xml.rels"}
    book = openpyxl.load_workbook(master_path)
    assert book.sheetnames[-2:] == ["周工作计划", "导入台账"]
    assert book["周工作计划"].tables["WeeklyPlans"].ref == "A1:S2"
    cal = calamine.CalamineWorkbook.from_path(str(master_path), load_tables=True)
    assert {"WeeklyPlans", "IngestionLedger", "Customers"} <= set(cal.table_names)
    assert load_master(master_path).customers["name"].tolist() == ["甲公司", "乙厂"]
    store = load_store(master_path)
    assert store.frame("WeeklyPlans")["source_row"].tolist() == [5]
    assert store.frame("IngestionLedger")["file_name"].tolist() == ["张三.xlsx"]
    assert store.frame("SubmissionHistory").empty
    # LibreOffice opens the package with its added sheets and reads the new table's cells.
    converted = openpyxl.load_workbook(libreoffice(master_path, "xlsx", master_path.parent / "lo"))
    assert converted.sheetnames[-2:] == ["周工作计划", "导入台账"]
    assert converted["导入台账"]["B2"].value == "张三.xlsx"


def test_second_write_rewrites_only_that_tables_parts(master_path: Path) -> None:
    write_tables(master_path, {HISTORY: pd.DataFrame({"table": ["Visits"], "data": ["{}"]})}, lang="en")
    before = _parts(master_path)
    store = load_store(master_path)
    store.frames["SubmissionHistory"] = pd.concat(
        [store.frames["SubmissionHistory"], pd.DataFrame({"table": ["Visits"], "data": ['{"a": 1}']})],
        ignore_index=True,
    )
    save_store(store, ["SubmissionHistory"], backup=False)
    after = _parts(master_path)
    changed = {n for n in before if before[n] != after[n]}
    assert set(after) == set(before)
    assert changed == {"xl/worksheets/sheet10.xml", "xl/tables/table10.xml"}
    # English sheet name because the first write asked for en; the header text is kept as written.
    assert "Submission History" in openpyxl.load_workbook(master_path).sheetnames


def test_injected_strings_are_inline_text_kept_verbatim(master_path: Path) -> None:
    store = load_store(master_path)
    visits = pd.DataFrame(
        {
            "date": pd.to_datetime(["2026-11-23"] * len(INJECTIONS)),
            "customer_id": ["C001"] * len(INJECTIONS),
            "content": INJECTIONS,
        }
    )
    store.frames["Visits"] = visits
    save_store(store, ["Visits"], backup=False)
    sheet = openpyxl.load_workbook(master_path)["拜访记录"]
    headers = [c.value for c in sheet[1]]
    cells = [row[headers.index("内容")] for row in sheet.iter_rows(min_row=2)]
    assert [c.data_type for c in cells] == ["s"] * len(INJECTIONS)
    # Relaxation: openpyxl leaves OOXML's _x000D_ escape (how a CR is stored) undecoded in inline strings;
    # Excel and calamine decode it, so compare after openpyxl's own unescape.
    assert [unescape(c.value) for c in cells] == INJECTIONS
    with zipfile.ZipFile(master_path) as z:
        xml = z.read("xl/worksheets/sheet5.xml")
    assert b"<f>" not in xml and b"<f " not in xml
    assert load_store(master_path).frame("Visits")["content"].tolist() == INJECTIONS


def test_provenance_columns_follow_the_data_columns() -> None:
    visits = MERGED_TABLES["Visits"]
    assert visits.keys[-6:] == ["source_file", "source_sheet", "source_row", "period", "file_sha256", "consolidated_at"]
    assert visits.keys.count("rep") == 1


def test_new_rows_are_appended_below_untouched_rows(master_path: Path, libreoffice) -> None:
    store = load_store(master_path)
    store.frames["Visits"] = pd.DataFrame(
        {
            "date": pd.to_datetime(["2026-11-02", "2026-11-03"]),
            "customer_id": ["C001", "C002"],
            "content": ["第一次", "第二次"],
        }
    )
    save_store(store, ["Visits"], edited=["Visits"], backup=False)
    before = _parts(master_path)["xl/worksheets/sheet5.xml"]
    store = load_store(master_path)
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
    after = _parts(master_path)["xl/worksheets/sheet5.xml"]
    # Every byte of the existing rows is kept; the new row follows them.
    kept = before[before.index(b"<sheetData>") : before.index(b"</sheetData>")]
    assert kept in after and after.index(b'<row r="4">') > after.index(kept)
    book = openpyxl.load_workbook(master_path)
    assert book["拜访记录"].tables["Visits"].ref.endswith("4")
    assert load_store(master_path).frame("Visits")["content"].tolist() == ["第一次", "第二次", "追加"]
    converted = libreoffice(master_path, "xlsx", master_path.parent / "lo")
    sheet = openpyxl.load_workbook(converted)["拜访记录"]
    assert [r[0].value for r in sheet.iter_rows(min_row=2, max_row=4)] == [dt.datetime(2026, 11, d) for d in (2, 3, 20)]


def test_headers_that_changed_force_a_full_rewrite(master_path: Path) -> None:
    store = load_store(master_path)
    store.frames["Visits"] = pd.DataFrame({"date": pd.to_datetime(["2026-11-02"]), "customer_id": ["C001"]})
    save_store(store, ["Visits"], edited=["Visits"], backup=False)
    store = load_store(master_path)
    extra = pd.DataFrame({"date": pd.to_datetime(["2026-11-03"]), "customer_id": ["C002"], "服务项目": ["安装"]})
    store.frames["Visits"] = pd.concat([store.frames["Visits"], extra], ignore_index=True)
    save_store(store, ["Visits"], backup=False)
    visits = load_store(master_path).frame("Visits")
    assert visits["customer_id"].tolist() == ["C001", "C002"] and visits["服务项目"].tolist() == [None, "安装"]


def test_unchanged_parts_keep_their_compressed_bytes(master_path: Path) -> None:
    # The first write streams Visits (a zip64-flagged part); the second copies it raw while writing Contacts.
    store = load_store(master_path)
    store.frames["Visits"] = pd.DataFrame({"date": pd.to_datetime(["2026-11-02"]), "customer_id": ["C001"]})
    save_store(store, ["Visits"], edited=["Visits"], backup=False)

    def raw(path: Path) -> dict[str, tuple[bytes, int]]:
        with zipfile.ZipFile(path) as z:
            out = {}
            for info in z.infolist():
                with open(path, "rb") as f:
                    f.seek(info.header_offset + 26)
                    skip = int.from_bytes(f.read(2), "little") + int.from_bytes(f.read(2), "little")
                    f.seek(info.header_offset + 30 + skip)
                    out[info.filename] = (f.read(info.compress_size), info.CRC)
            return out

    before = raw(master_path)
    store = load_store(master_path)
    store.frames["Contacts"] = pd.DataFrame({"customer_id": ["C001"], "name": ["陈经理"]})
    save_store(store, ["Contacts"], edited=["Contacts"], backup=False)
    after = raw(master_path)
    with zipfile.ZipFile(master_path) as z:
        assert z.testzip() is None
    changed = {n for n in before if before[n] != after[n]}
    assert changed == {"xl/worksheets/sheet2.xml", "xl/tables/table2.xml"}
    assert load_store(master_path).frame("Visits")["customer_id"].tolist() == ["C001"]
