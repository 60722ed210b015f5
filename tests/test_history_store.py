"""The history store beside the master: archive moves older lines into Parquet, restore moves them back, and every
reader of the master sees the same lines wherever they live.

Each test writes a real master to disk, moves lines with the real commands and reads both places back; the crash
test kills a real archive process with SIGKILL at points spread over its run.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import multiprocessing
import shutil
import time
from pathlib import Path

import pandas as pd
import pyarrow.dataset as ds
import pytest

from keyacct_xl.analytics.grading_run import run_grading_review
from keyacct_xl.analytics.usecase import rfm_options, run_rfm
from keyacct_xl.cli.main import main
from keyacct_xl.demo.company import generate_demo
from keyacct_xl.errors import InputError
from keyacct_xl.history.archive import archive, restore, status
from keyacct_xl.history.ingest import import_lines, undo_import
from keyacct_xl.history.store import CACHE_FOLDER, TAKEN_OUT, store_path, stored_batches, write_batch
from keyacct_xl.history.takenout import taken_out
from keyacct_xl.master.export import export_master
from keyacct_xl.master.model import Master
from keyacct_xl.master.reader import load_master
from keyacct_xl.master.writer import save_master
from keyacct_xl.receivables.usecase import run_ageing

BEFORE = pd.Timestamp("2025-01-01")
ARCHIVED = ("transactions", "payments")


@pytest.fixture(scope="module")
def demo_master(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small demo master (sales and payments from 2023-11 to 2026-10), never changed by a test: copy it."""
    return save_master(
        generate_demo(seed=5, customers=25), tmp_path_factory.mktemp("history") / "master.xlsx", backup=False
    )


def _copy(master: Path, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    return Path(shutil.copy2(master, folder / "master.xlsx"))


def _lines(master: Master, attr: str) -> pd.DataFrame:
    """A table's lines in one canonical order, to compare the same lines held in a different order."""
    frame = getattr(master, attr)
    return frame.sort_values(list(frame.columns), kind="stable", na_position="first").reset_index(drop=True)


def _totals(master: Master) -> dict[str, tuple[int, float]]:
    return {
        attr: (len(getattr(master, attr)), round(float(getattr(master, attr)["amount"].sum()), 2)) for attr in ARCHIVED
    }


def _store_files(path: Path) -> dict[str, bytes]:
    """The store's files of lines (batches and manifests), without the load cache of the workbook's tables and the
    batches set aside after a restore or an undo."""
    store = store_path(path)
    return {
        str(p.relative_to(store)): p.read_bytes()
        for p in sorted(store.rglob("*"))
        if p.is_file() and not p.is_relative_to(store / CACHE_FOLDER) and not p.is_relative_to(store / TAKEN_OUT)
    }


def _put_back_the_backup(path: Path) -> None:
    """What a person does to go back one step: the backup copied over the master."""
    shutil.copy2(path.with_name("master.bak.xlsx"), path)


def test_archive_moves_the_older_lines_into_a_hive_partitioned_store(demo_master: Path, tmp_path: Path) -> None:
    path = _copy(demo_master, tmp_path)
    before = load_master(path)
    moved = archive(path, BEFORE)
    workbook = load_master(path, history=False)
    for attr, name in (("transactions", "Transactions"), ("payments", "Payments")):
        assert getattr(workbook, attr)["date"].min() >= BEFORE
        assert moved.lines[name] == (getattr(before, attr)["date"] < BEFORE).sum() > 0
    # The backup is the master as it was: the save went through the master's own path.
    assert len(load_master(path.with_name("master.bak.xlsx"), history=False).transactions) == len(before.transactions)
    # A valid hive-partitioned dataset: pyarrow.dataset reads it with year and month as columns.
    dataset = ds.dataset(store_path(path) / "transactions", format="parquet", partitioning="hive")
    table = dataset.to_table()
    assert table.num_rows == moved.lines["Transactions"]
    months = table.to_pandas()
    assert (months["year"] == months["date"].dt.year).all() and (months["month"] == months["date"].dt.month).all()
    assert moved.summary("en") == (
        f"moved into the history store (batch {moved.batch}): "
        f"{moved.lines['Transactions']:,} sales lines, {moved.lines['Payments']:,} payments"
    )
    assert moved.summary("zh") == (
        f"已移入历史库（批次 {moved.batch}）：销售明细 {moved.lines['Transactions']:,} 行，"
        f"收款记录 {moved.lines['Payments']:,} 行"
    )


def test_the_master_reads_the_same_lines_after_archive_and_restore(demo_master: Path, tmp_path: Path) -> None:
    path = _copy(demo_master, tmp_path)
    before = load_master(path)
    archive(path, BEFORE)
    after = load_master(path)
    assert set(after.archived) == {"Transactions", "Payments"}
    for attr in ARCHIVED:
        assert getattr(after, attr).dtypes.equals(getattr(before, attr).dtypes)
        pd.testing.assert_frame_equal(_lines(after, attr), _lines(before, attr))
    restore(path)
    restored = path.read_bytes()
    assert restore(path).batch is None and path.read_bytes() == restored  # a second restore moves nothing
    back = load_master(path, history=False)
    assert not store_path(path).joinpath("transactions").exists() and stored_batches(store_path(path)) == []
    for attr in ARCHIVED:
        pd.testing.assert_frame_equal(_lines(back, attr), _lines(before, attr))


def test_a_second_archive_moves_nothing_and_writes_nothing(demo_master: Path, tmp_path: Path) -> None:
    path = _copy(demo_master, tmp_path)
    archive(path, BEFORE)
    master_bytes, store_bytes = path.read_bytes(), _store_files(path)
    again = archive(path, BEFORE)
    assert again.batch is None and again.lines == {}
    assert path.read_bytes() == master_bytes and _store_files(path) == store_bytes
    assert again.summary("zh") == "没有需要移动的行：历史库和总表均未改动"


def test_the_same_lines_give_the_same_store_bytes(demo_master: Path, tmp_path: Path) -> None:
    first, second = _copy(demo_master, tmp_path / "a"), _copy(demo_master, tmp_path / "b")
    assert archive(first, BEFORE).batch == archive(second, BEFORE).batch
    assert _store_files(first) == _store_files(second)
    assert first.read_bytes() == second.read_bytes()


def test_a_later_archive_adds_a_batch_and_readers_see_both(demo_master: Path, tmp_path: Path) -> None:
    path = _copy(demo_master, tmp_path)
    before = load_master(path)
    first = archive(path, pd.Timestamp("2024-06-01"))
    second = archive(path, BEFORE)
    assert first.batch != second.batch
    seen = status(path)
    assert [b.id for b in seen.batches] == [first.batch, second.batch] and seen.stray == ()
    after = load_master(path)
    for attr in ARCHIVED:
        pd.testing.assert_frame_equal(_lines(after, attr), _lines(before, attr))


def test_saving_a_loaded_master_keeps_the_stores_lines_out_of_the_workbook(demo_master: Path, tmp_path: Path) -> None:
    path = _copy(demo_master, tmp_path)
    archive(path, BEFORE)
    in_workbook = len(load_master(path, history=False).transactions)
    master = load_master(path)
    save_master(master, path)  # every table, Transactions included
    assert len(load_master(path, history=False).transactions) == in_workbook
    assert _totals(load_master(path)) == _totals(master)
    with pytest.raises(InputError) as elsewhere:  # a copy under another name would name batches not beside it
        save_master(master, tmp_path / "copy.xlsx")
    assert str(path) in elsewhere.value.en and not (tmp_path / "copy.xlsx").exists()
    master.transactions.loc[0, "amount"] += 1  # a line of the store, changed in memory
    with pytest.raises(InputError) as refused:
        save_master(master, path, tables=["Transactions"])
    assert "history restore" in refused.value.en and refused.value.zh.startswith("销售明细：来自历史库的行被修改")


def test_a_batch_the_master_does_not_name_is_not_read_and_is_swept(demo_master: Path, tmp_path: Path) -> None:
    """What a run killed after writing the store and before saving the master leaves behind."""
    path = _copy(demo_master, tmp_path)
    master = load_master(path, history=False)
    older = {"Transactions": master.transactions[master.transactions["date"] < BEFORE]}
    left = write_batch(store_path(path), BEFORE, older)
    assert _totals(load_master(path)) == _totals(master)  # not named by the master: not counted
    assert status(path).stray == (left.id,)
    moved = archive(path, pd.Timestamp("2024-06-01"))
    assert moved.swept == (left.id,) and stored_batches(store_path(path)) == [moved.batch]
    assert _totals(load_master(path)) == _totals(master)


def _move_process(path: Path, move: str) -> multiprocessing.process.BaseProcess:
    """``move`` run in a forked child of this process, which has imported the package already: the child starts
    moving at once, so the kill points fall on the move itself rather than on the interpreter's start-up."""
    target = functools.partial(archive, path, BEFORE) if move == "archive" else functools.partial(restore, path)
    child = multiprocessing.get_context("fork").Process(target=target)
    child.start()
    return child


def _run_time(path: Path, move: str) -> float:
    """Seconds one run of ``move`` takes, from its start to its end."""
    start = time.monotonic()
    child = _move_process(path, move)
    child.join(timeout=120)
    assert child.exitcode == 0
    return time.monotonic() - start


def _copy_with_store(master: Path, folder: Path) -> Path:
    copied = _copy(master, folder)
    if store_path(master).exists():
        shutil.copytree(store_path(master), store_path(copied))
    return copied


@pytest.mark.skipif("fork" not in multiprocessing.get_all_start_methods(), reason="needs fork and SIGKILL (POSIX)")
@pytest.mark.parametrize("move", ["archive", "restore"])
def test_a_move_killed_at_any_moment_keeps_every_line_in_exactly_one_place(
    demo_master: Path, tmp_path: Path, move: str
) -> None:
    """Killed with SIGKILL at eight points spread over its run, then run again to the end."""
    start = _copy(demo_master, tmp_path / "start")
    if move == "restore":
        archive(start, BEFORE)
    lines = {attr: _lines(load_master(start), attr) for attr in ARCHIVED}
    duration = _run_time(_copy_with_store(start, tmp_path / "timed"), move)
    states = set()
    for i in range(8):
        path = _copy_with_store(start, tmp_path / f"killed-{i}")
        process = _move_process(path, move)
        time.sleep(duration * i / 7 * 1.1)
        process.kill()  # SIGKILL
        process.join(timeout=60)
        killed = load_master(path)
        states.add((len(killed.archived), len(stored_batches(store_path(path)))))
        for attr in ARCHIVED:
            pd.testing.assert_frame_equal(_lines(killed, attr), lines[attr])
        # The next run finishes the move and sweeps what the killed one left.
        archive(path, BEFORE) if move == "archive" else restore(path)
        done = load_master(path)
        assert status(path).stray == ()
        left = {Path(name).name for name in _store_files(path)}
        assert {name.split(".")[0] for name in left} <= {b for b in done.settings.history_store.split(",") if b}
        assert len(stored_batches(store_path(path))) == (move == "archive") == len(done.archived) / 2
        for attr in ARCHIVED:
            pd.testing.assert_frame_equal(_lines(done, attr), lines[attr])
    assert (0, 0) in states or move == "restore"  # an archive killed before anything was written
    assert (2, 1) in states or move == "archive"  # a restore killed before anything was written


def test_grade_review_rfm_and_ageing_are_the_same_after_archive(demo_master: Path, tmp_path: Path) -> None:
    path = _copy(demo_master, tmp_path)
    before = load_master(path)
    archive(path, BEFORE)
    after = load_master(path)
    assert len(load_master(path, history=False).transactions) < len(before.transactions)
    for year in (2024, 2025):
        pd.testing.assert_frame_equal(
            run_grading_review(after, year=year, lang="en").review.table,
            run_grading_review(before, year=year, lang="en").review.table,
        )
    options = rfm_options(before.settings, period_months=0)
    pd.testing.assert_frame_equal(
        run_rfm(after.transactions, options).table, run_rfm(before.transactions, options).table
    )
    as_of = pd.Timestamp("2026-06-30")
    pd.testing.assert_frame_equal(run_ageing(after, as_of=as_of).table, run_ageing(before, as_of=as_of).table)


def test_history_commands_in_both_languages(
    demo_master: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _copy(demo_master, tmp_path)
    assert main(["history", "archive", str(path), "--before", "2025年1月1日", "--lang", "zh"]) == 0
    assert capsys.readouterr().out.startswith("已移入历史库（批次 20250101-")
    assert main(["history", "status", str(path), "--lang", "en"]) == 0
    shown = capsys.readouterr().out.splitlines()
    seen = status(path)
    assert shown[0] == f"history store: {store_path(path)} (1 batch(es))"
    stored = seen.stored["Transactions"]
    assert shown[2] == (
        f"  Transactions: {seen.workbook['Transactions']:,} lines in the workbook, "
        f"{stored.lines:,} in the store ({stored.amount:,.2f})"
    )
    assert main(["history", "status", str(path), "--lang", "zh"]) == 0
    assert capsys.readouterr().out.splitlines()[2].startswith("  销售明细：总表中 ")
    assert main(["history", "restore", str(path), "--lang", "en"]) == 0
    assert capsys.readouterr().out.startswith("back in the workbook from the history store: ")
    assert main(["history", "archive", str(path), "--before", "someday"]) != 0
    assert "--before" in capsys.readouterr().err


def test_a_column_the_user_added_moves_with_its_lines(tmp_path: Path) -> None:
    master = generate_demo(seed=5, customers=25)
    master.transactions["开票备注"] = [f"备注{i}" if i % 3 else None for i in range(len(master.transactions))]
    path = save_master(master, tmp_path / "master.xlsx", backup=False)
    before = load_master(path)
    archive(path, BEFORE)
    after = load_master(path)
    assert list(after.transactions.columns) == list(before.transactions.columns)
    pd.testing.assert_frame_equal(_lines(after, "transactions"), _lines(before, "transactions"))
    restore(path)
    pd.testing.assert_frame_equal(
        _lines(load_master(path, history=False), "transactions"), _lines(before, "transactions")
    )


def test_a_named_batch_that_is_missing_stops_the_load_naming_it(demo_master: Path, tmp_path: Path) -> None:
    path = _copy(demo_master, tmp_path)
    moved = archive(path, BEFORE)
    manifest = store_path(path) / "batches" / f"{moved.batch}.json"
    manifest.unlink()
    with pytest.raises(InputError) as refused:
        load_master(path)
    assert str(manifest) in refused.value.en and moved.batch in refused.value.zh


def test_a_master_copied_without_its_store_says_which_folder_to_bring_in_one_line(
    demo_master: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A workbook mailed without its ``master.kx`` folder: every command names the folder and what to do, not a
    batch file it cannot find."""
    path = _copy(demo_master, tmp_path / "office")
    archive(path, BEFORE)
    mailed = _copy(path, tmp_path / "home")
    assert main(["master", "check", str(mailed)]) == 2
    said = capsys.readouterr().err.strip()
    assert len(said.splitlines()) == 1
    assert "master.kx" in said and "历史库" in said and "复制" in said and "batches" not in said


def test_the_commands_write_the_same_reports_after_archive(
    demo_master: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The CLI's grading review, RFM, ageing and credit reports (CSV, deterministic) are byte for byte the same."""
    path = _copy(demo_master, tmp_path / "master")
    commands = {
        "grade.csv": ["grade", str(path), "--year", "2025"],
        "rfm.csv": ["rfm", str(path)],
        "ageing.csv": ["ageing", str(path), "--as-of", "2026-06-30"],
        "credit.csv": ["credit", str(path), "--as-of", "2026-06-30"],
    }

    def reports(folder: Path) -> dict[str, bytes]:
        folder.mkdir()
        for name, command in commands.items():
            assert main([*command, "--out", str(folder / name), "--lang", "en"]) == 0
        return {name: (folder / name).read_bytes() for name in commands}

    before = reports(tmp_path / "before")
    archive(path, BEFORE)
    assert reports(tmp_path / "after") == before
    capsys.readouterr()


# An ERP export (进销存) as a person saves it: Chinese headers, some of them aliases, amounts and dates as typed.
ERP_EXPORT = """单据编号,日期,客户编号,产品,数量,单价,金额,业务员
XS-2019-001,2019/3/5,C0001,46#抗磨液压油 200L,2,"1,850.00","¥3,700.00",沈勇芳
XS-2019-002,2019年3月18日,C0005,黄油 15kg,10,210,2100,沈勇芳
XS-2019-003,2019-04-02,C0012,齿轮油 18L,4,365.5,1462,沈勇芳
"""


def test_an_erp_export_is_imported_into_the_store_once(
    demo_master: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _copy(demo_master, tmp_path / "master")
    export = tmp_path / "erp.csv"
    export.write_text(ERP_EXPORT, encoding="utf-8-sig")
    before = load_master(path)
    workbook = path.read_bytes()
    assert main(["history", "import", str(path), str(export), "--table", "transactions", "--lang", "en"]) == 0
    batch = status(path).batches[0].id
    assert capsys.readouterr().out == (f"imported into the history store (batch {batch}): 3 sales lines, 0 payments\n")
    after = load_master(path)
    assert len(after.transactions) == len(before.transactions) + 3
    imported = after.transactions.iloc[:3]
    assert imported["date"].tolist() == [
        pd.Timestamp("2019-03-05"),
        pd.Timestamp("2019-03-18"),
        pd.Timestamp("2019-04-02"),
    ]
    assert imported["amount"].tolist() == [3700.0, 2100.0, 1462.0] and imported["rep"].tolist() == ["沈勇芳"] * 3
    assert after.transactions.dtypes.equals(before.transactions.dtypes)
    assert len(load_master(path, history=False).transactions) == len(before.transactions)  # the workbook's own
    pd.testing.assert_frame_equal(after.transactions.iloc[3:].reset_index(drop=True), before.transactions)
    assert load_master(path, history=False).settings.history_store == batch and path.read_bytes() != workbook
    # The same file again: refused, nothing written.
    saved = path.read_bytes()
    assert main(["history", "import", str(path), str(export), "--table", "transactions", "--lang", "zh"]) == 2
    assert capsys.readouterr().err == (f"keyacct-xl: {export}：这些行已在历史库中（批次 {batch}），未导入任何内容\n")
    assert path.read_bytes() == saved and stored_batches(store_path(path)) == [batch]


def test_imported_lines_of_a_customer_the_master_does_not_hold_are_named_by_line(
    demo_master: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An ERP export's sale to C0099, a customer the master does not hold, was imported without a word and surfaced
    later as "master.kx: C0099"; the import names its line and the customer, and says what the analyses do with it
    in their words (before, it said the line counted in no customer's grade or ageing, which do count it);
    master check names the store's table and the line's document number, grouped by the customer."""
    path = _copy(demo_master, tmp_path / "master")
    export = tmp_path / "erp.csv"
    export.write_text(ERP_EXPORT + "XS-2019-004,2019-04-09,C0099,黄油 15kg,1,210,210,沈勇芳\n", encoding="utf-8-sig")
    assert main(["history", "import", str(path), str(export), "--table", "transactions", "--lang", "zh"]) == 0
    said = capsys.readouterr()
    notes = [line for line in said.err.splitlines() if "C0099" in line]
    assert len(notes) == 1 and "第 5 行" in notes[0] and "1 行" in notes[0]
    assert "C0001" not in said.err
    assert (load_master(path).transactions["customer_id"] == "C0099").sum() == 1  # imported, and told of
    assert "这些记录照常计入分析，以编号列出，没有名称、等级和账期" in notes[0] and "不计入" not in notes[0], notes
    assert main(["master", "check", str(path)]) == 1
    out = capsys.readouterr().out.splitlines()
    assert "  C0099：历史库中的销售明细 1 行（单据编号 XS-2019-004）" in out, out
    assert not [line for line in out if "master.kx" in line], out


def test_an_export_whose_first_sheet_is_hidden_imports_the_lines_a_person_sees(
    demo_master: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An .xlsx export with a hidden first sheet had that sheet's line imported and the visible sheet's three never
    read, without a word; the visible sheet's lines are the ones imported."""
    import openpyxl

    path = _copy(demo_master, tmp_path / "master")
    export = tmp_path / "erp.xlsx"
    book = openpyxl.Workbook()
    hidden = book.active
    hidden.title = "旧版"
    shown = book.create_sheet("销售明细")
    lines = [line.split(",") for line in ERP_EXPORT.replace('"1,850.00","¥3,700.00"', "1850,3700").splitlines()]
    for row in lines:
        shown.append(row)
    hidden.append(lines[0])
    hidden.append(["XS-H-1", "2019-05-01", "C0001", "黄油 15kg", "1", "999999", "999999", "沈勇芳"])
    hidden.sheet_state = "hidden"
    book.save(export)
    before = load_master(path)
    assert main(["history", "import", str(path), str(export), "--table", "transactions", "--lang", "en"]) == 0
    assert "3 sales lines" in capsys.readouterr().out
    imported = load_master(path).transactions.iloc[:3]
    assert imported["doc_no"].tolist() == ["XS-2019-001", "XS-2019-002", "XS-2019-003"]
    assert len(load_master(path).transactions) == len(before.transactions) + 3


def test_an_imported_id_typed_in_another_case_or_width_is_the_masters_customer(
    demo_master: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """c0001, Ｃ0005 and " C0012 " were stored as written: three customers no grade or ageing counts, told to add
    by a customer card (a second C0001). They are read as the master's ids, as consolidation reads them, and told."""
    path = _copy(demo_master, tmp_path / "master")
    export = tmp_path / "erp.csv"
    export.write_text(
        ERP_EXPORT.replace(",C0001,", ",c0001,").replace(",C0005,", ",Ｃ0005,").replace(",C0012,", ", C0012 ,"),
        encoding="utf-8-sig",
    )
    assert main(["history", "import", str(path), str(export), "--table", "transactions", "--lang", "en"]) == 0
    said = capsys.readouterr().err
    assert (
        "3 imported line(s) name a customer by its id typed in another case or width, read as the master's: "
        "erp.csv: line 2, column 客户编号: 'c0001' → C0001, erp.csv: line 3, column 客户编号: 'Ｃ0005' → C0005, "
        "erp.csv: line 4, column 客户编号: ' C0012 ' → C0012"
    ) in said
    assert "do not hold" not in said
    assert load_master(path).transactions["customer_id"].iloc[:3].tolist() == ["C0001", "C0005", "C0012"]


def test_the_columns_an_import_leaves_out_are_named(
    demo_master: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An export's 税额 and 备注 were left out of the store without a word."""
    path = _copy(demo_master, tmp_path / "master")
    export = tmp_path / "erp.csv"
    export.write_text("单据编号,日期,客户编号,金额,税额,备注\nT1,2019-09-01,C0001,10,1.3,急\n", encoding="utf-8-sig")
    assert main(["history", "import", str(path), str(export), "--table", "transactions", "--lang", "en"]) == 0
    assert (
        "erp.csv: column(s) not imported, the history store holds the master's own columns only: 税额, 备注"
        in capsys.readouterr().err
    )


def test_an_import_with_a_blank_date_is_refused_naming_the_line(demo_master: Path, tmp_path: Path) -> None:
    path = _copy(demo_master, tmp_path / "master")
    export = tmp_path / "erp.csv"
    export.write_text(ERP_EXPORT.replace("2019-04-02", ""), encoding="utf-8")
    saved = path.read_bytes()
    with pytest.raises(InputError) as refused:
        import_lines(path, export, "transactions")
    assert refused.value.en == "erp.csv: line 4, column 日期: Date is required but blank"
    assert path.read_bytes() == saved and not store_path(path).exists()


def test_an_overlapping_erp_export_adds_only_the_lines_the_master_does_not_hold(
    demo_master: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _copy(demo_master, tmp_path / "master")
    first = tmp_path / "erp-03-04.csv"
    first.write_text(ERP_EXPORT, encoding="utf-8-sig")
    assert main(["history", "import", str(path), str(first), "--table", "transactions"]) == 0
    before = load_master(path).transactions
    # The next export starts a day before the last one ended: XS-2019-003 again, and two new lines that are the
    # same delivery twice (two lines of one invoice, both imported); one line of the workbook's own is in it too.
    own = before.iloc[-1]
    header, *lines = ERP_EXPORT.splitlines()
    new = "XS-2019-004,2019-04-09,C0012,齿轮油 18L,4,365.5,1462,沈勇芳"
    mine = f"{own['doc_no']},{own['date']:%Y-%m-%d},{own['customer_id']},{own['product']},{own['qty']:g},"
    mine += f"{own['unit_price']:g},{own['amount']:.2f},{own['rep']}"
    second = tmp_path / "erp-04-05.csv"
    second.write_text("\n".join([header, lines[2], new, new, mine]) + "\n", encoding="utf-8-sig")
    capsys.readouterr()
    assert main(["history", "import", str(path), str(second), "--table", "transactions", "--lang", "en"]) == 0
    out = capsys.readouterr().out
    assert ": 2 sales lines, 0 payments" in out
    assert "2 line(s) of the file the master already holds (in the workbook or the history store) not imported" in out
    after = load_master(path).transactions
    assert len(after) == len(before) + 2
    assert after["doc_no"].tolist().count("XS-2019-003") == 1 and after["doc_no"].tolist().count("XS-2019-004") == 2
    assert round(after["amount"].sum() - before["amount"].sum(), 2) == 2 * 1462
    # A file whose every line is held already: refused, nothing written.
    saved, batches = path.read_bytes(), stored_batches(store_path(path))
    third = tmp_path / "erp-04.csv"
    third.write_text("\n".join([header, lines[2], new]) + "\n", encoding="utf-8-sig")
    assert main(["history", "import", str(path), str(third), "--table", "transactions"]) == 2
    assert "这些行已在客户档案总表或历史库中" in capsys.readouterr().err
    assert path.read_bytes() == saved and stored_batches(store_path(path)) == batches


@pytest.mark.parametrize("planted", ["../victim.txt", "{abs}"])
def test_a_manifest_dropped_into_the_store_cannot_make_a_move_delete_files_outside_it(
    demo_master: Path, tmp_path: Path, planted: str
) -> None:
    """A sweep deletes the files of a batch the master does not name; a hand-made manifest naming the master's
    neighbours (or any absolute path) is refused naming the manifest, and nothing outside the store is touched."""
    path = _copy(demo_master, tmp_path / "master")
    victim = tmp_path / "master" / "victim.txt"
    victim.write_text("the manager's own file", encoding="utf-8")
    ident = "20200101-0123456789ab"
    manifests = store_path(path) / "batches"
    manifests.mkdir(parents=True)
    files = [planted.format(abs=victim), "transactions/year=2019/month=01/missing.parquet"]
    doc = {"id": ident, "before": "2020-01-01", "tables": {"Transactions": {"lines": 1, "amount": 0, "files": files}}}
    (manifests / f"{ident}.json").write_text(json.dumps(doc), encoding="utf-8")
    saved = path.read_bytes()
    with pytest.raises(InputError) as refused:
        archive(path, BEFORE)
    assert refused.value.en.startswith(f"{manifests / ident}.json: the history store's batch {ident} names a file")
    assert victim.read_text(encoding="utf-8") == "the manager's own file" and path.read_bytes() == saved


def _rle_bomb(path: Path) -> None:
    """40,000,000 lines of one sale, run-length encoded: a file of a few hundred kB."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    lines = 1_000_000
    table = pa.table(
        {
            "单据编号": pa.array(["H1"]).take(pa.array([0] * lines)),
            "日期": pa.array([18000] * lines, pa.int32()).cast(pa.date32()),
            "客户编号": pa.array(["C0001"]).take(pa.array([0] * lines)),
            "金额": pa.array([1.0] * lines),
        }
    )
    with pq.ParquetWriter(path, table.schema, compression="zstd") as writer:
        for _ in range(40):
            writer.write_table(table)


def _text_bomb(path: Path) -> None:
    """200,000 lines whose product is one 2,000-character text from the column's dictionary."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    lines = 200_000
    table = pa.table(
        {
            "单据编号": pa.array([f"H{i}" for i in range(lines)]),
            "日期": pa.array([18000] * lines, pa.int32()).cast(pa.date32()),
            "客户编号": pa.array(["C0001"] * lines),
            "产品": pa.array(["螺" * 2000]).take(pa.array([0] * lines)),
            "金额": pa.array([1.0] * lines),
        }
    )
    pq.write_table(table, path, compression="zstd")


@pytest.mark.parametrize("bomb", [_rle_bomb, _text_bomb])
def test_a_parquet_compression_bomb_is_refused_before_it_fills_the_memory(
    demo_master: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], bomb
) -> None:
    path = _copy(demo_master, tmp_path / "master")
    export = tmp_path / "erp.parquet"
    bomb(export)
    assert export.stat().st_size < 2 * 1024**2
    saved = path.read_bytes()
    assert main(["history", "import", str(path), str(export), "--table", "transactions", "--lang", "en"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"keyacct-xl: {export}: the parquet file decodes to more than ") and err.count("\n") == 1
    assert "times its size: a compression bomb?); it was not read" in err
    assert path.read_bytes() == saved and not store_path(path).exists()


def test_a_store_file_replaced_by_hand_is_refused_not_read_as_the_masters_lines(
    demo_master: Path, tmp_path: Path
) -> None:
    """A month's file of a named batch swapped for another holding more lines (or a huge one): the load stops naming
    the batch, from the files' metadata, before a line of them is read."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = _copy(demo_master, tmp_path / "master")
    moved = archive(path, BEFORE)
    store = store_path(path)
    month = sorted((store / "transactions").rglob("*.parquet"))[0]
    lines = pq.read_table(month)
    pq.write_table(pa.concat_tables([lines, lines]), month)
    with pytest.raises(InputError) as refused:
        load_master(path)
    assert refused.value.en.startswith(
        f"{store}: the history store's batch {moved.batch} does not hold what its manifest says (Transactions: "
    )
    assert refused.value.en.endswith("a file was replaced or damaged; nothing was read")


def test_a_damaged_store_file_is_named_in_one_line_by_status_and_load(
    demo_master: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _copy(demo_master, tmp_path / "master")
    archive(path, BEFORE)
    month = sorted((store_path(path) / "transactions").rglob("*.parquet"))[0]
    month.write_bytes(b"not parquet")
    for command in (["history", "status", str(path)], ["rfm", str(path), "--out", str(tmp_path / "rfm.xlsx")]):
        assert main([*command, "--lang", "en"]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "is not a readable Parquet file" in err and month.name in err, err


def _store_totals(path: Path) -> dict[str, tuple[int, float]]:
    return {name: (t.lines, round(t.amount, 2)) for name, t in status(path).stored.items()}


def test_an_import_undone_leaves_the_master_and_its_store_as_before_and_never_an_archive(
    demo_master: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _copy(demo_master, tmp_path / "master")
    archived = archive(path, BEFORE).batch
    before, stored = load_master(path), _store_totals(path)
    options = rfm_options(before.settings, period_months=0)
    export = tmp_path / "erp-2019.csv"
    export.write_text(ERP_EXPORT, encoding="utf-8-sig")
    assert main(["history", "import", str(path), str(export), "--table", "transactions"]) == 0
    imported = status(path).batches[-1]
    # status says where an import's lines came from (it described them as lines before a cut-off day)
    assert f"  批次 {imported.id}：导入自 erp-2019.csv（明细截至 2019-04-02）" in status(path).lines("zh")
    manifest = json.loads((store_path(path) / "batches" / f"{imported.id}.json").read_text(encoding="utf-8"))
    assert (manifest["kind"], manifest["source"]) == ("import", "erp-2019.csv")
    assert "kind" not in json.loads((store_path(path) / "batches" / f"{archived}.json").read_text(encoding="utf-8"))
    lines, amount = _totals(before)["transactions"]
    assert _totals(load_master(path))["transactions"] == (lines + 3, round(amount + 7262, 2))
    capsys.readouterr()
    assert main(["history", "import", str(path), "--undo", "--lang", "en"]) == 0
    (sales, sales_amount), (payments, payments_amount) = stored["Transactions"], stored["Payments"]
    assert capsys.readouterr().out.splitlines() == [
        f"taken out of the history store: batch {imported.id}, imported from erp-2019.csv",
        f"  Transactions: 3 lines (7,262.00) taken out; the store held {sales + 3:,} lines "
        f"({sales_amount + 7262:,.2f}), now {sales:,} ({sales_amount:,.2f})",
        f"  Payments: 0 lines (0.00) taken out; the store held {payments:,} lines ({payments_amount:,.2f}), "
        f"now {payments:,} ({payments_amount:,.2f})",
    ]
    after = load_master(path)
    assert _totals(after) == _totals(before) and _store_totals(path) == stored
    for attr in ARCHIVED:
        pd.testing.assert_frame_equal(_lines(after, attr), _lines(before, attr))
    pd.testing.assert_frame_equal(
        run_rfm(after.transactions, options).table, run_rfm(before.transactions, options).table
    )
    assert [b.id for b in status(path).batches] == [archived] and not status(path).stray
    assert stored_batches(store_path(path)) == [archived]
    assert not any(imported.id in name for name in _store_files(path))
    # Undo again: the batch before is the archive's, whose lines left the workbook: refused, nothing changed.
    saved, files = path.read_bytes(), _store_files(path)
    assert main(["history", "import", str(path), "--undo", "--lang", "zh"]) == 2
    refused = capsys.readouterr().err
    assert len(refused.splitlines()) == 1 and archived in refused and "不是由历史导入写入的" in refused
    assert path.read_bytes() == saved and _store_files(path) == files


def test_an_undo_with_no_batch_says_so_in_one_line(
    demo_master: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _copy(demo_master, tmp_path)
    saved = path.read_bytes()
    assert main(["history", "import", str(path), "--undo", "--lang", "en"]) == 0
    assert capsys.readouterr().out == "nothing to undo: the history store holds no batch\n"
    assert main(["history", "import", str(path), "--undo", "--lang", "zh"]) == 0
    assert capsys.readouterr().out == "没有可撤销的内容：历史库中没有批次\n"
    assert path.read_bytes() == saved and not store_path(path).exists()


def test_a_batch_stored_before_imports_were_marked_is_read_as_before_and_not_undone(
    demo_master: Path, tmp_path: Path
) -> None:
    path = _copy(demo_master, tmp_path / "master")
    export = tmp_path / "erp.csv"
    export.write_text(ERP_EXPORT, encoding="utf-8-sig")
    batch = import_lines(path, export, "transactions").batch
    with_import = load_master(path)
    manifest = store_path(path) / "batches" / f"{batch}.json"
    doc = json.loads(manifest.read_text(encoding="utf-8"))
    del doc["kind"], doc["source"]  # as the store's manifests were written before
    manifest.write_text(json.dumps(doc, ensure_ascii=False, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    assert _totals(load_master(path)) == _totals(with_import)
    pd.testing.assert_frame_equal(load_master(path).transactions, with_import.transactions)
    assert status(path).stored["Transactions"].lines == 3
    saved, files = path.read_bytes(), _store_files(path)
    with pytest.raises(InputError) as refused:
        undo_import(path)
    assert refused.value.en == (
        f"{store_path(path)}: the history store's last batch {batch} was not written by history import (an archive's "
        "lines, moved out of the workbook, or a batch stored before imports were marked): it is not taken out; "
        "history restore puts archived lines back into the workbook"
    )
    assert path.read_bytes() == saved and _store_files(path) == files


def test_an_undo_killed_after_its_save_leaves_a_batch_no_reader_counts_and_the_next_move_sweeps(
    demo_master: Path, tmp_path: Path
) -> None:
    path = _copy(demo_master, tmp_path / "master")
    before = load_master(path)
    export = tmp_path / "erp.csv"
    export.write_text(ERP_EXPORT, encoding="utf-8-sig")
    batch = import_lines(path, export, "transactions").batch
    master = load_master(path, history=False)
    master.settings = dataclasses.replace(master.settings, history_store="")  # the undo's save, and no more
    save_master(master, path, tables=["Settings"])
    assert _totals(load_master(path)) == _totals(before) and status(path).stray == (batch,)
    assert archive(path, BEFORE).swept == (batch,)
    assert batch not in stored_batches(store_path(path))


def test_a_copy_of_a_manifest_made_by_hand_is_no_batch_and_stops_nothing(demo_master: Path, tmp_path: Path) -> None:
    # A manager copies a batch's manifest in Explorer ("… - Copy.json"): archive, status and restore go on, and the
    # copy stays where the person put it.
    path = _copy(demo_master, tmp_path)
    moved = archive(path, BEFORE)
    manifests = store_path(path) / "batches"
    copy = manifests / f"{moved.batch} - Copy.json"
    shutil.copy(manifests / f"{moved.batch}.json", copy)
    assert stored_batches(store_path(path)) == [moved.batch]
    assert status(path).stray == ()
    assert archive(path, pd.Timestamp("2025-06-01")).batch != moved.batch
    restore(path)
    assert copy.exists() and len(load_master(path, history=False).transactions) == len(
        load_master(demo_master).transactions
    )


def test_a_master_without_payments_archives_its_sales_and_restores_them(demo_master: Path, tmp_path: Path) -> None:
    """A company that keeps its sales in the master but not yet its receipts: the archive moves the old sales and
    the empty Payments table is no reason to refuse it (its batch read back as a table without columns)."""
    master = load_master(demo_master)
    master.payments = master.payments.iloc[0:0]
    path = save_master(master, tmp_path / "master.xlsx", backup=False)
    before = load_master(path)
    moved = archive(path, BEFORE)
    assert moved.lines["Payments"] == 0 and moved.lines["Transactions"] > 0
    assert _totals(load_master(path)) == _totals(before)
    restore(path)
    assert len(load_master(path, history=False).transactions) == len(before.transactions)


def _plant_table(path: Path, ident: str, table: str) -> Path:
    """Add to batch ``ident``'s manifest a table ``table`` with one file laid out as write_batch lays out its own,
    and that file (under the store, or wherever the table's name leads); the planted file's path."""
    manifest = store_path(path) / "batches" / f"{ident}.json"
    doc = json.loads(manifest.read_text(encoding="utf-8"))
    relative = f"{table.lower()}/year=2020/month=01/{ident}.parquet"
    doc["tables"][table] = {"lines": 0, "amount": 0.0, "files": [relative]}
    manifest.write_text(json.dumps(doc), encoding="utf-8")
    planted = store_path(path) / relative
    planted.parent.mkdir(parents=True, exist_ok=True)
    planted.write_bytes(b"anything")
    return planted


def test_a_manifest_table_named_out_of_the_store_is_refused_by_an_export_and_a_sweep(
    demo_master: Path, tmp_path: Path
) -> None:
    """A table's name is a folder of the store: ``../../planted`` in a manifest would have a plain export read a file
    outside the store and write it outside the export's, and a sweep delete it. Both refuse the manifest naming the
    table, and nothing outside either store is read, written or deleted."""
    path = _copy(demo_master, tmp_path / "share" / "masters")
    archive(path, BEFORE)
    [named] = stored_batches(store_path(path))
    planted = _plant_table(path, named, "../../planted")
    assert not planted.resolve().is_relative_to(store_path(path).resolve())
    out = tmp_path / "exports" / "q3" / "copy.xlsx"
    with pytest.raises(InputError, match=r"names a table the store does not hold \(\.\./\.\./planted; it holds"):
        export_master(path, out)
    assert not (tmp_path / "exports" / "planted").exists() and not out.exists()

    unnamed = "20200101-0123456789ab"  # a batch the master does not name: a sweep would delete its files
    shutil.copy2(store_path(path) / "batches" / f"{named}.json", store_path(path) / "batches" / f"{unnamed}.json")
    doc = json.loads((store_path(path) / "batches" / f"{unnamed}.json").read_text(encoding="utf-8"))
    doc["id"] = unnamed
    doc["tables"] = {"Transactions": doc["tables"]["Transactions"]}
    (store_path(path) / "batches" / f"{unnamed}.json").write_text(json.dumps(doc), encoding="utf-8")
    planted = _plant_table(path, unnamed, "../planted")
    with pytest.raises(InputError, match="names a table the store does not hold"):
        archive(path, BEFORE)
    assert planted.read_bytes() == b"anything"


def test_a_store_folder_that_is_a_link_out_of_the_store_is_refused(demo_master: Path, tmp_path: Path) -> None:
    """A batch's files laid out right but under a folder of the store that is a link elsewhere are outside the
    store: a read, an export or a sweep would follow it."""
    path = _copy(demo_master, tmp_path / "master")
    archive(path, BEFORE)
    assert len(stored_batches(store_path(path))) == 1
    elsewhere = tmp_path / "elsewhere"
    shutil.move(store_path(path) / "payments", elsewhere)
    (store_path(path) / "payments").symlink_to(elsewhere, target_is_directory=True)
    with pytest.raises(InputError, match=r"names a file outside the store's layout \(payments/year="):
        load_master(path)
    with pytest.raises(InputError, match="names a file outside the store's layout"):
        export_master(path, tmp_path / "copy.xlsx")


def test_an_imported_id_the_master_spells_two_ways_is_read_as_neither(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A master holding C001 (甲) and c001 (乙), one customer twice that master check names: an export's Ｃ001 was read
    as C001, the first row's, and its sale put on 甲 without a word; it is stored as typed and named as unknown."""
    master = Master.empty()
    master.customers = pd.DataFrame(
        {"customer_id": ["C001", "c001", "C002"], "name": ["甲公司", "乙公司", "丙公司"], "rep": ["张三"] * 3}
    )
    path = save_master(master, tmp_path / "master.xlsx", backup=False)
    export = tmp_path / "erp.csv"
    export.write_text("单据编号,日期,客户编号,金额\nT1,2019-09-01,Ｃ001,10\nT2,2019-09-02,C002,20\n", encoding="utf-8")
    assert main(["history", "import", str(path), str(export), "--table", "transactions", "--lang", "en"]) == 0
    said = capsys.readouterr().err
    assert "another case or width" not in said
    assert "erp.csv: line 2, column 客户编号 (Ｃ001)" in said
    assert load_master(path).transactions.sort_values("doc_no")["customer_id"].tolist() == ["Ｃ001", "C002"]


def test_an_exports_lines_on_hidden_rows_are_imported_and_named(
    demo_master: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An .xlsx export whose rows 3-4 a filter hides (voided lines, say): they were imported without a word while the
    person saw one line; they are imported, as the file holds them, and named."""
    import openpyxl

    path = _copy(demo_master, tmp_path / "master")
    export = tmp_path / "erp.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "销售明细"
    for row in [line.split(",") for line in ERP_EXPORT.replace('"1,850.00","¥3,700.00"', "1850,3700").splitlines()]:
        sheet.append(row)
    sheet.row_dimensions[3].hidden = sheet.row_dimensions[4].hidden = True
    book.save(export)
    assert main(["history", "import", str(path), str(export), "--table", "transactions", "--lang", "en"]) == 0
    said = capsys.readouterr()
    assert "3 sales lines" in said.out
    assert (
        "erp.xlsx: rows 3-4 of sheet 销售明细 are hidden in the file (a filter, or hidden by hand), so a person "
        "reading it does not see them; read as lines: check them in the file"
    ) in said.err


def test_an_exports_column_the_sheet_hides_is_imported_and_named(
    demo_master: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An .xlsx export whose 单据编号 and 金额 columns are hidden: their values were imported without a word while the
    person saw neither; they are imported and the columns named (税额, hidden too but not imported, is not)."""
    import openpyxl

    path = _copy(demo_master, tmp_path / "master")
    export = tmp_path / "erp.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "销售明细"
    for row in (["单据编号", "日期", "客户编号", "金额", "税额"], ["T1", "2019-09-01", "C0001", 10, 1.3]):
        sheet.append(row)
    for column in "ADE":
        sheet.column_dimensions[column].hidden = True
    book.save(export)
    assert main(["history", "import", str(path), str(export), "--table", "transactions", "--lang", "en"]) == 0
    assert (
        "erp.xlsx: the column(s) 单据编号, 金额 of sheet 销售明细 are hidden in the file, so a person reading it "
        "does not see them; read: check them in the file"
    ) in capsys.readouterr().err


def test_the_backup_put_back_after_a_restore_finds_its_batches_and_every_line(
    demo_master: Path, tmp_path: Path
) -> None:
    """A restore saves the master without its batches and keeps the one before as its backup, which names them:
    put back in place of the master, the backup reads every line (the batches were deleted: every command stopped)."""
    path = _copy(demo_master, tmp_path)
    moved = archive(path, BEFORE).batch
    archived = load_master(path)
    restore(path)
    store = store_path(path)
    assert stored_batches(store) == [] and taken_out(store) == [moved]
    assert not store.joinpath("transactions").exists()  # the table's dataset holds no line the workbook holds
    assert status(path).set_aside == (moved,) and status(path).stored["Transactions"].lines == 0
    shown = f"  批次 {moved} 已被移出（恢复或撤销），备份仍引用它，暂存于 {TAKEN_OUT}：不计入"
    assert status(path).lines("zh")[-1] == shown
    _put_back_the_backup(path)
    back = load_master(path)
    assert back.settings.history_store == moved and stored_batches(store) == [moved]
    for attr in ARCHIVED:
        pd.testing.assert_frame_equal(_lines(back, attr), _lines(archived, attr))
    assert [b.id for b in status(path).batches] == [moved] and status(path).stray == ()
    # The batch is in place again: the next move prunes the copy set aside, and the lines are where they were.
    archive(path, pd.Timestamp("2024-06-01"))
    assert taken_out(store) == [] and not store.joinpath(TAKEN_OUT).exists()
    for attr in ARCHIVED:
        pd.testing.assert_frame_equal(_lines(load_master(path), attr), _lines(archived, attr))


def test_the_backup_put_back_after_an_import_undone_reads_the_imported_lines(demo_master: Path, tmp_path: Path) -> None:
    path = _copy(demo_master, tmp_path / "master")
    export = tmp_path / "erp-2019.csv"
    export.write_text(ERP_EXPORT, encoding="utf-8-sig")
    batch = import_lines(path, export, "transactions").batch
    imported = load_master(path)
    undo_import(path)
    assert stored_batches(store_path(path)) == [] and taken_out(store_path(path)) == [batch]
    _put_back_the_backup(path)
    pd.testing.assert_frame_equal(_lines(load_master(path), "transactions"), _lines(imported, "transactions"))


def test_a_batch_set_aside_is_deleted_once_neither_the_master_nor_its_backup_names_it(
    demo_master: Path, tmp_path: Path
) -> None:
    path = _copy(demo_master, tmp_path)
    first = archive(path, BEFORE).batch
    restore(path)
    store = store_path(path)
    second = archive(path, pd.Timestamp("2024-06-01")).batch
    assert taken_out(store) == [first]  # its sweep ran while the backup named the first batch
    restore(path)  # the backup is now the master after the first restore: it names no batch
    assert taken_out(store) == [second]
    assert load_master(path.with_name("master.bak.xlsx"), history=False).settings.history_store == second


def test_a_backup_that_cannot_be_read_keeps_every_batch_set_aside(demo_master: Path, tmp_path: Path) -> None:
    path = _copy(demo_master, tmp_path)
    archive(path, BEFORE)
    restore(path)
    kept = taken_out(store_path(path))
    path.with_name("master.bak.xlsx").write_bytes(b"saved over by hand")
    archive(path, pd.Timestamp("2024-06-01"))
    assert taken_out(store_path(path)) == kept


def test_a_batch_the_store_lacks_is_named_without_the_systems_english(
    demo_master: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _copy(demo_master, tmp_path)
    moved = archive(path, BEFORE).batch
    (store_path(path) / "batches" / f"{moved}.json").unlink()
    assert main(["master", "check", str(path)]) == 2
    said = capsys.readouterr().err
    assert len(said.strip().splitlines()) == 1 and moved in said and "历史库" in said
    assert "Errno" not in said and "No such file" not in said


def test_a_damaged_manifest_set_aside_stops_no_move(demo_master: Path, tmp_path: Path) -> None:
    path = _copy(demo_master, tmp_path)
    moved = archive(path, BEFORE).batch
    restore(path)
    (store_path(path) / TAKEN_OUT / "batches" / f"{moved}.json").write_text("{", encoding="utf-8")
    assert archive(path, BEFORE).batch == moved  # the same lines, the same batch: written anew in the store
    assert taken_out(store_path(path)) == [moved]  # the damaged copy left for a person to look at
    assert _totals(load_master(path)) == _totals(load_master(demo_master))


def test_master_check_names_a_batch_the_settings_no_longer_name_whose_lines_are_nowhere_else(
    demo_master: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The 历史库批次 row blanked by hand: every analysis lost the archived lines and master check said nothing."""
    path = _copy(demo_master, tmp_path)
    moved = archive(path, BEFORE).batch
    stored = status(path).stored["Transactions"]
    master = load_master(path, history=False)
    master.settings = dataclasses.replace(master.settings, history_store="")
    save_master(master, path, tables=["Settings"])
    capsys.readouterr()
    assert main(["master", "check", str(path)]) == 1
    [line] = [line for line in capsys.readouterr().out.splitlines() if moved in line]
    assert line.startswith(f"master.kx：批次 {moved}（销售明细 {stored.lines:,} 行（{stored.amount:,.2f}）、收款记录 ")
    assert "未在总表参数设置中登记（工作表 参数设置 的 历史库批次）" in line
    # A batch a move stopped before its save left (its lines in the workbook too) is said to be so, not failed on.
    path = _copy(demo_master, tmp_path / "killed")
    master = load_master(path, history=False)
    left = write_batch(
        store_path(path), BEFORE, {"Transactions": master.transactions[master.transactions["date"] < BEFORE]}
    )
    assert main(["master", "check", str(path), "--lang", "en"]) == 0
    [line] = [line for line in capsys.readouterr().out.splitlines() if left.id in line]
    assert "the workbook holds its lines (a move stopped before its save)" in line


def _everything(path: Path) -> dict[str, bytes]:
    """Every file beside the master and in its store, by name, without the load cache (a load rewrites it)."""
    folder = path.parent
    return {
        str(p.relative_to(folder)): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and not p.is_relative_to(store_path(path) / CACHE_FOLDER)
    }


# The system's and Python's English the store's errors quoted before (a trial, in a Chinese line).
SYSTEMS_ENGLISH = (
    "Errno",
    "magic",
    "Invalid Input",
    "IO Error",
    "No files found",
    "list indices",
    "float()",
    "('tables')",
    "'tables'",
    "its id is",
    "Failed to open",
    "Expecting",
)


def _archived_twice(demo_master: Path, folder: Path) -> tuple[Path, str]:
    """A master with one batch (lines before 2024-06-01) and its backup; the path and the batch."""
    path = _copy(demo_master, folder)
    return path, str(archive(path, pd.Timestamp("2024-06-01")).batch)


def _manifest(path: Path, batch: str) -> Path:
    return store_path(path) / "batches" / f"{batch}.json"


def _rewrite_manifest(path: Path, batch: str, change: object) -> None:
    doc = json.loads(_manifest(path, batch).read_text(encoding="utf-8"))
    _manifest(path, batch).write_text(json.dumps(change(doc)), encoding="utf-8")


def _a_month(path: Path, batch: str) -> Path:
    return sorted((store_path(path) / "transactions").rglob(f"{batch}.parquet"))[2]


def _truncate(file: Path) -> None:
    file.write_bytes(file.read_bytes()[:1000])


DAMAGES = {
    # name: (damage, the file the refusal names ("" for the store folder), en words, zh words)
    "manifest missing": (
        lambda p, b: _manifest(p, b).unlink(),
        "manifest",
        "the history store has no batch",
        "历史库中没有批次",
    ),
    "parquet truncated": (lambda p, b: _truncate(_a_month(p, b)), "month", "not a readable Parquet file", "损坏"),
    "parquet missing": (lambda p, b: _a_month(p, b).unlink(), "month", "is missing", "不见了"),
    "manifest garbage": (
        lambda p, b: _manifest(p, b).write_bytes(b"\x00\xffnot json"),
        "manifest",
        "is not one the store wrote",
        "不是历史库写下的",
    ),
    "manifest empty": (lambda p, b: _manifest(p, b).write_bytes(b""), "manifest", "is not one the store wrote", "清单"),
    "manifest truncated": (
        lambda p, b: _manifest(p, b).write_bytes(_manifest(p, b).read_bytes()[:100]),
        "manifest",
        "is not one the store wrote",
        "清单",
    ),
    "manifest of another batch": (
        lambda p, b: _rewrite_manifest(p, b, lambda d: d | {"id": "20240601-0123456789ab"}),
        "manifest",
        "holds batch 20240601-0123456789ab, not",
        "20240601-0123456789ab",
    ),
    "manifest without tables": (
        lambda p, b: _rewrite_manifest(p, b, lambda d: {k: v for k, v in d.items() if k != "tables"}),
        "manifest",
        "is incomplete (tables",
        "不完整",
    ),
    "manifest a list": (
        lambda p, b: _rewrite_manifest(p, b, lambda d: [d]),
        "manifest",
        "is not one the store wrote",
        "清单",
    ),
    "manifest amount blank": (
        lambda p, b: _rewrite_manifest(
            p, b, lambda d: d | {"tables": d["tables"] | {"Payments": d["tables"]["Payments"] | {"amount": None}}}
        ),
        "manifest",
        "is incomplete (tables",
        "不完整",
    ),
    "store missing": (lambda p, b: shutil.rmtree(store_path(p)), "", "its history store", "历史库"),
}


@pytest.mark.parametrize("damage", list(DAMAGES))
def test_a_damaged_or_missing_store_is_refused_by_every_move_and_nothing_is_deleted(
    demo_master: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], damage: str
) -> None:
    """A trial archivist damaged the store of a master with one batch: archive went on (rc 0), deleted the files of
    the batch the master names (its manifest gone) and saved over master.bak.xlsx, the only intact copy; restore
    deleted them too before it refused. Every move, as every reader, now refuses in one line naming the file in
    our own words, and leaves every file as it was."""
    path, batch = _archived_twice(demo_master, tmp_path)
    hurt, named, en_words, zh_words = DAMAGES[damage]
    hurt(path, batch)
    named_file = {"manifest": _manifest(path, batch).name, "month": f"{batch}.parquet", "": "master.kx"}[named]
    before = _everything(path)
    capsys.readouterr()
    for command in (
        ["history", "archive", str(path), "--before", "2025-01-01"],
        ["history", "restore", str(path)],
        ["history", "import", str(path), "--undo"],
        ["history", "status", str(path)],
        ["rfm", str(path), "--out", str(tmp_path / "rfm.xlsx")],
    ):
        for lang, words in (("zh", zh_words), ("en", en_words)):
            assert main([*command, "--lang", lang]) == 2, (command, lang)
            said = capsys.readouterr().err
            assert said.count("\n") == 1 and named_file in said and words in said, (command, said)
            assert not [english for english in SYSTEMS_ENGLISH if english in said], said
        assert _everything(path) == before, command  # nothing deleted, the backup and the master unchanged


def test_a_month_file_replaced_by_another_is_refused_by_status_with_the_figures_found(
    demo_master: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """April's file copied over March's: status printed the wrong totals (rc 0), and rfm's refusal quoted the
    manifest's amount as the one found, naming the table in English in a Chinese line."""
    import pyarrow.parquet as pq

    path, batch = _archived_twice(demo_master, tmp_path)
    store = store_path(path)
    march, april = (store / f"transactions/year=2024/month={m}/{batch}.parquet" for m in ("03", "04"))
    shutil.copy2(april, march)
    files = sorted((store / "transactions").rglob(f"{batch}.parquet"))
    found = pd.concat([pq.read_table(f).to_pandas() for f in files])
    manifest = json.loads(_manifest(path, batch).read_text(encoding="utf-8"))["tables"]["Transactions"]
    expected = (
        f"（销售明细：{len(found):,} 行，金额 {found['amount'].sum():,.2f}；"
        f"清单为 {manifest['lines']:,} 行，金额 {manifest['amount']:,.2f}）"
    )
    assert len(found) != manifest["lines"]
    before = _everything(path)
    capsys.readouterr()
    for command in (["history", "status", str(path)], ["rfm", str(path), "--out", str(tmp_path / "rfm.xlsx")]):
        assert main(command) == 2
        said = capsys.readouterr().err
        assert said.count("\n") == 1 and expected in said and "Transactions" not in said, said
    assert main(["history", "archive", str(path), "--before", "2025-01-01"]) == 2
    assert expected in capsys.readouterr().err
    assert _everything(path) == before


def test_a_month_file_holding_as_many_lines_of_other_amounts_is_refused_by_every_move_and_status(
    demo_master: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The check every move and status run first reads each file's footer and amount column alone, not its lines:
    a month's file rewritten with the same number of lines but other amounts still disagrees with the manifest, and
    is refused in one line with the figures found, before anything is moved or deleted."""
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    path, batch = _archived_twice(demo_master, tmp_path)
    month = _a_month(path, batch)
    lines = pq.read_table(month)
    at = lines.schema.get_field_index("amount")
    pq.write_table(lines.set_column(at, "amount", pc.add(lines.column(at), 1.0)), month)
    assert pq.read_metadata(month).num_rows == lines.num_rows
    before = _everything(path)
    capsys.readouterr()
    for command in (
        ["history", "status", str(path)],
        ["history", "archive", str(path), "--before", "2025-01-01"],
        ["history", "restore", str(path)],
        ["history", "import", str(path), "--undo"],
    ):
        assert main([*command, "--lang", "en"]) == 2, command
        said = capsys.readouterr().err
        assert said.count("\n") == 1 and f"the history store's batch {batch} does not hold what its manifest" in said
        assert "a file was replaced or damaged" in said, said
        assert _everything(path) == before, command
