"""``master listings --undo``: the rows the last run added taken back out of Listings, and only those; a row a
person typed, or a run's row a person changed since, stays. Masters written to disk and read back."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from openpyxl.utils import get_column_letter
from test_apply_steps import without_last_column
from test_products import hand_master

from keyacct_xl.cli.main import main
from keyacct_xl.master.products import product_tables
from keyacct_xl.master.reader import load_master
from keyacct_xl.master.schema import LISTINGS
from keyacct_xl.master.writer import save_master

SHEET = "单品进店"


def _listings(path: Path) -> pd.DataFrame:
    return product_tables(path)[LISTINGS.name]


def _type_row(path: Path, values: dict[str, object], *, row: int | None = None) -> None:
    """A person types into the Listings sheet in Excel: ``values`` by header, into ``row`` (default: a new row below
    the table, which Excel then takes into the table)."""
    book = openpyxl.load_workbook(path)
    sheet = book[SHEET]
    table = sheet.tables["Listings"]
    headers = [cell.value for cell in sheet[1]]
    if row is None:
        row = sheet.max_row + 1
        start, end = table.ref.split(":")
        table.ref = f"{start}:{end.rstrip('0123456789')}{row}"
        if table.autoFilter is not None:
            table.autoFilter.ref = table.ref
    for header, value in values.items():
        sheet.cell(row=row, column=headers.index(header) + 1, value=value)
    book.save(path)


def test_master_listings_undo_removes_the_runs_rows_and_keeps_what_a_person_typed(tmp_path: Path, capsys) -> None:
    path = hand_master(tmp_path / "master.xlsx")
    original = _listings(path)  # three rows a listing check reported, typed in by hand
    assert main(["master", "listings", str(path), "--lang", "en"]) == 0
    assert len(_listings(path)) == 9 and _listings(path)["run_no"].tolist() == [pd.NA] * 3 + [1] * 6
    capsys.readouterr()
    assert main(["master", "listings", str(path), "--undo", "--lang", "en"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0] == f"Listings: 6 row(s) of run 1 removed → {path}"
    assert out.splitlines()[1:3] == [
        "  C5 P1: Listed On 2025-03-05",
        "  C1 P1: Listed On 2025-10-05",
    ]  # each row removed
    pd.testing.assert_frame_equal(_listings(path), original)
    assert (tmp_path / "master.bak.xlsx").exists()  # the file before the undo kept, as by every writer
    saved = path.read_bytes()
    assert main(["master", "listings", str(path), "--undo"]) == 0  # no run left: nothing to take back
    assert capsys.readouterr().out == "没有可撤销的内容：单品进店表中没有按销售自动生成（带生成批次）的行\n"
    assert path.read_bytes() == saved


def test_a_row_typed_or_changed_after_the_run_survives_its_undo(tmp_path: Path, capsys) -> None:
    path = hand_master(tmp_path / "master.xlsx")
    assert main(["master", "listings", str(path)]) == 0
    run = _listings(path)
    # After the run a rep's check is typed in: a new row, and a delisting on a row the run added (C3 P3).
    _type_row(path, {"客户编号": "C2", "产品编码": "P3", "进店日期": pd.Timestamp("2026-10-20"), "来源": "进店检查"})
    changed = int(run.index[(run["customer_id"] == "C3") & (run["product_code"] == "P3")][0]) + 2  # sheet row
    _type_row(path, {"下架日期": pd.Timestamp("2026-10-30")}, row=changed)
    typed = _listings(path)
    capsys.readouterr()
    assert main(["master", "listings", str(path), "--undo", "--lang", "en"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0] == f"Listings: 5 row(s) of run 1 removed → {path}"
    assert "1 row(s) of the run kept, changed since it added them: C3 P3" in out
    kept = typed[typed["run_no"].isna() | (typed["delisted_date"].notna() & (typed["run_no"] == 1)).fillna(False)]
    pd.testing.assert_frame_equal(_listings(path), kept.reset_index(drop=True))
    assert _listings(path)[["customer_id", "product_code"]].values.tolist()[-2:] == [["C3", "P3"], ["C2", "P3"]]


def test_a_second_undo_takes_back_the_run_before_it(tmp_path: Path, capsys) -> None:
    path = hand_master(tmp_path / "master.xlsx")
    original = _listings(path)
    assert main(["master", "listings", str(path)]) == 0
    after_first = _listings(path)
    master = load_master(path)  # a later sale: C5 buys P2 for the first time
    line = {"doc_no": "D99", "date": pd.Timestamp("2026-11-03"), "customer_id": "C5", "product_code": "P2",
            "product": "全合成机油 4L", "qty": 2.0, "amount": 100.0}  # fmt: skip
    master.transactions = pd.concat([master.transactions, pd.DataFrame([line])], ignore_index=True)
    save_master(master, path, tables=["Transactions"])
    assert main(["master", "listings", str(path), "--lang", "en"]) == 0
    assert _listings(path)["run_no"].tolist()[-1] == 2
    capsys.readouterr()
    assert main(["master", "listings", str(path), "--undo", "--lang", "en"]) == 0
    assert capsys.readouterr().out.splitlines()[:2] == [
        f"Listings: 1 row(s) of run 2 removed → {path}",
        "  C5 P2: Listed On 2026-11-03",
    ]
    pd.testing.assert_frame_equal(_listings(path), after_first)
    assert main(["master", "listings", str(path), "--undo", "--lang", "en"]) == 0
    assert capsys.readouterr().out.startswith(f"Listings: 6 row(s) of run 1 removed → {path}")
    pd.testing.assert_frame_equal(_listings(path), original)


@pytest.mark.parametrize("rows", ["the hand-made check rows", "none"])
def test_a_listings_table_written_before_run_numbers_gets_them_and_undoes(tmp_path: Path, rows: str) -> None:
    """Listings without 生成批次 (a master of an earlier release): its rows, a person's or an earlier unnumbered run's,
    are never taken back; a run adds the column at the table's right end and its undo leaves the table as it was."""
    path = hand_master(tmp_path / "master.xlsx")
    without_last_column(path, SHEET, "Listings", "生成批次")
    if rows == "none":
        book = openpyxl.load_workbook(path)
        table = book[SHEET].tables["Listings"]
        book[SHEET].delete_rows(2, 3)
        table.ref = f"A1:{get_column_letter(len(table.tableColumns))}2"
        book.save(path)
    original = _listings(path)
    saved = path.read_bytes()
    assert main(["master", "listings", str(path), "--undo"]) == 0
    assert path.read_bytes() == saved
    assert main(["master", "listings", str(path)]) == 0
    assert "生成批次" in [cell.value for cell in openpyxl.load_workbook(path)[SHEET][1]]
    assert main(["master", "listings", str(path), "--undo"]) == 0
    pd.testing.assert_frame_equal(_listings(path), original)


def _copied(path: Path, customer: str, product: str, **changed: object) -> dict[str, object]:
    """A person copies the Listings row of ``customer`` and ``product`` onto a new row below the table (生成批次 and
    all), then changes ``changed`` (by header) in the copy; the copy's values."""
    sheet = openpyxl.load_workbook(path)[SHEET]
    headers = [cell.value for cell in sheet[1]]
    row = next(
        [cell.value for cell in cells]
        for cells in sheet.iter_rows(min_row=2)
        if cells[headers.index("客户编号")].value == customer and cells[headers.index("产品编码")].value == product
    )
    copy = {**dict(zip(headers, row)), **changed}
    _type_row(path, copy)
    return copy


@pytest.mark.parametrize(
    ("changed", "kept_as"),
    [({}, "C1 P1 2025-10-05"), ({"客户编号": "C2"}, "C2 P1 2025-10-05")],
    ids=["copied as it was", "copied for another customer"],
)
def test_a_copied_row_of_a_run_is_kept_by_its_undo_and_named(
    tmp_path: Path, capsys, changed: dict[str, object], kept_as: str
) -> None:
    """A person copies a row run 1 added (C1 P1, a first sale on 2025-10-05) to a new row, 生成批次 1 included, as it
    was or for C2 (who never bought P1): the undo takes back the run's six rows, not the copy, names the copy and
    clears its number (a person's row now, which no later undo takes back); the copy was taken back with them, a
    row a person made dropped without a word."""
    path = hand_master(tmp_path / "master.xlsx")
    original = _listings(path)
    assert main(["master", "listings", str(path)]) == 0
    copy = _copied(path, "C1", "P1", **changed)
    assert copy["生成批次"] == 1 and (_listings(path)["run_no"] == 1).sum() == 7
    capsys.readouterr()
    assert main(["master", "listings", str(path), "--undo", "--lang", "en"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0] == f"Listings: 6 row(s) of run 1 removed → {path}"
    assert out.splitlines()[-1] == (
        "1 row(s) numbered 1 kept, not added by the run (a copied row, or a listing no sale shows), their run number "
        f"cleared: {kept_as}"
    )
    left = _listings(path)
    pd.testing.assert_frame_equal(left.iloc[:3], original)
    assert left.iloc[3:][["customer_id", "product_code", "listed_date", "source"]].values.tolist() == [
        [kept_as[:2], "P1", pd.Timestamp("2025-10-05"), "首次销售"]
    ]
    assert left["run_no"].isna().all()
    # a person's row now: a second undo finds no run's row and writes nothing
    saved = path.read_bytes()
    assert main(["master", "listings", str(path), "--undo", "--lang", "en"]) == 0
    assert capsys.readouterr().out.startswith("nothing to undo")
    assert path.read_bytes() == saved
    # a new run lists C1 P1 once: the copy covers it, or, given to C2, the run lists C1's first sale again
    assert main(["master", "listings", str(path)]) == 0
    again = _listings(path)
    assert (again[["customer_id", "product_code"]].values.tolist().count(["C1", "P1"])) == 1
