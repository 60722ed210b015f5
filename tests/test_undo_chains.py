"""Undos run one after another: each refused step says what blocks it and which undo to run first, and the chain
then runs through. Masters written to disk, the history store beside them, read back."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from test_customer_import import messy_xlsx
from test_products import hand_master

from keyacct_xl.cli.main import main
from keyacct_xl.history.store import store_path
from keyacct_xl.master.products import product_tables
from keyacct_xl.master.reader import load_master
from keyacct_xl.master.writer import save_master


def _files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_an_import_whose_sales_listed_products_is_undone_after_the_listings_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = hand_master(tmp_path / "master.xlsx")
    original = product_tables(path)["Listings"]
    export = tmp_path / "erp.csv"  # an older ERP export: C5's first sale of P3 is in it, and nowhere else
    export.write_text("单据编号,日期,客户编号,产品编码,产品名称,数量,金额\nE1,2024-06-01,C5,P3,清洗剂 450ml,2,25\n")
    assert main(["history", "import", str(path), str(export), "--table", "transactions"]) == 0
    assert main(["master", "listings", str(path)]) == 0
    assert (product_tables(path)["Listings"]["run_no"] == 1).sum() == 7  # C5 P3 listed from the import
    # Undoing the import first would leave the run's C5 P3 row resting on no sale, and its undo kept it for good
    # as a person's row (its run number cleared): refused, naming the row and the order of the undos.
    saved, stored = path.read_bytes(), _files(store_path(path))
    capsys.readouterr()
    assert main(["history", "import", str(path), "--undo", "--lang", "en"]) == 2
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1
    assert "Listings rows that master listings run 1 added are first sales of its lines: C5 P3 2024-06-01" in err
    assert f"master listings {path} --undo" in err and "then undo this import" in err
    assert path.read_bytes() == saved and _files(store_path(path)) == stored
    assert main(["history", "import", str(path), "--undo"]) == 2
    assert "单品进店" in capsys.readouterr().err
    # In that order both undos run through, and the master is as before either.
    assert main(["master", "listings", str(path), "--undo", "--lang", "en"]) == 0
    assert capsys.readouterr().out.startswith(f"Listings: 7 row(s) of run 1 removed → {path}")
    assert main(["history", "import", str(path), "--undo"]) == 0
    pd.testing.assert_frame_equal(product_tables(path)["Listings"], original)
    assert len(load_master(path).transactions) == 12


def _graded(tmp_path: Path) -> tuple[Path, Path]:
    """A new master: a customer list imported, sales of two of its customers imported into the history store, the
    2025 grading reviewed and applied with C0002 raised to A by the meeting."""
    path = tmp_path / "master.xlsx"
    assert main(["master", "new", str(path)]) == 0
    source = messy_xlsx(tmp_path / "list.xlsx")
    assert main(["customers", "import", str(source), "--into", str(path)]) == 0
    sales = tmp_path / "sales.csv"
    sales.write_text(
        "单据编号,日期,客户编号,产品,数量,单价,金额,业务员\n"
        "XS1,2025.3.5,C0001,齿轮油 18L,1,350,350,李娜\nXS2,2025.6.5,C0002,齿轮油 18L,10,350,3500,李娜\n"
    )
    assert main(["history", "import", str(path), str(sales), "--table", "transactions"]) == 0
    assert main(["grade", str(path), "--year", "2025"]) == 0
    book = openpyxl.load_workbook(path)
    sheet = book["评级审核"]
    headers = [c.value for c in sheet[1]]
    row = next(r for r in sheet.iter_rows(min_row=2) if r[headers.index("客户编号")].value == "C0002")
    row[headers.index("最终等级")].value = "A"
    book.save(path)
    assert main(["grade", "apply", str(path), "--approved-by", "王经理", "--date", "2025-12-28"]) == 0
    return path, source


def test_a_customer_import_undo_names_the_store_and_the_grade_history_and_the_undos_to_run_first(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path, source = _graded(tmp_path)
    undo = ["customers", "import", str(source), "--into", str(path), "--undo"]
    saved = path.read_bytes()
    capsys.readouterr()
    assert main(undo) == 2
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1 and path.read_bytes() == saved
    # the two sales lines are in the history store, not on the sheet 销售明细; the grading holds C0002's A
    assert "历史库中的销售明细（2 行）、等级历史（6 行）" in err and "、销售明细（" not in err
    assert f"请先撤销 2025 年的评级（grade apply {path} --undo --year 2025），然后从历史库撤回导入的明细" in err
    assert "撤销添加这些行的文件" not in err  # no file added them
    assert main([*undo, "--lang", "en"]) == 2
    err = capsys.readouterr().err
    assert "Transactions in the history store (2 row(s)), Grade History (6 row(s))" in err
    assert f"first undo the 2025 grading (grade apply {path} --undo --year 2025), then take the imported" in err
    # Both undone: the grade history still names the customers, in rows no undo takes out: named, to delete.
    assert main(["grade", "apply", str(path), "--undo", "--date", "2025-12-29"]) == 0
    assert main(["history", "import", str(path), "--undo"]) == 0
    capsys.readouterr()
    assert main([*undo, "--lang", "en"]) == 2
    err = capsys.readouterr().err
    assert (
        "named by rows of Grade History (7 row(s)): not undone; first delete by hand rows 2-8 of Grade History" in err
    )
    assert "history store" not in err and "grade apply" not in err


def test_rows_a_person_typed_into_the_masters_own_sheets_are_named_to_correct_by_hand(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # No file added the payments a person typed: "undo the files that added those rows" named no file to undo.
    path = tmp_path / "master.xlsx"
    assert main(["master", "new", str(path)]) == 0
    source = messy_xlsx(tmp_path / "list.xlsx")
    assert main(["customers", "import", str(source), "--into", str(path)]) == 0
    typed = load_master(path)
    typed.payments = pd.DataFrame(
        {"date": [pd.Timestamp("2025-03-01")] * 3, "customer_id": ["C0001", "X9", "C0002"], "amount": [100.0] * 3}
    )
    save_master(typed, path, tables=["Payments"])
    saved = path.read_bytes()
    capsys.readouterr()
    undo = ["customers", "import", str(source), "--into", str(path), "--undo"]
    assert main(undo) == 2
    err = capsys.readouterr().err
    assert "收款记录（2 行）" in err and "请先手工删除或更正 收款记录 的第 2, 4 行，或保留这些客户" in err
    assert "撤销添加这些行的文件" not in err
    assert main([*undo, "--lang", "en"]) == 2
    assert "first delete or correct by hand rows 2, 4 of Payments, or keep" in capsys.readouterr().err
    assert path.read_bytes() == saved


def test_a_duplicate_customer_id_leaves_the_refusal_the_undos_own(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Working out which grading to undo first refused as grade apply --undo does (one row per id), and that refusal
    # stood in for the undo's: the grade history rows are named to correct by hand instead.
    path, source = _graded(tmp_path)
    doubled = load_master(path)
    doubled.customers = pd.concat([doubled.customers, doubled.customers.iloc[[5]]], ignore_index=True)
    save_master(doubled, path, tables=["Customers"])
    capsys.readouterr()
    assert main(["customers", "import", str(source), "--into", str(path), "--undo", "--lang", "en"]) == 2
    err = capsys.readouterr().err
    assert "grade apply --undo" not in err and "appear more than once" not in err
    assert "named by rows of Transactions in the history store (2 row(s)), Grade History (6 row(s))" in err
    assert "first delete or correct by hand rows 2-7 of Grade History, then take the imported lines back" in err
