"""Writing the master safely: the write lock, the backup, read-only masters, a full disk, kills mid-run, inf.

The concurrency and kill tests run real ``python -m keyacct_xl consolidate`` processes on a real master.
"""

from __future__ import annotations

import datetime as dt
import errno
import math
import multiprocessing
import os
import random
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest
from tqdm import tqdm

from keyacct_xl.cli.main import main
from keyacct_xl.consolidate.simulate import blank_form, fill_form
from keyacct_xl.consolidate.store import load_store
from keyacct_xl.errors import InputError
from keyacct_xl.fileio import LOCK_WAIT_VARIABLE, backup_path, master_lock_path, master_write_lock
from keyacct_xl.history.store import store_path
from keyacct_xl.master.model import Master
from keyacct_xl.master.reader import load_master
from keyacct_xl.master.schema import CUSTOMERS as CUSTOMERS_TABLE
from keyacct_xl.master.schema import VISITS
from keyacct_xl.master.writer import save_master, write_tables

CUSTOMERS = 5_000  # enough that reading and rewriting Customers takes a measurable part of a run


def _with_customers(count: int) -> Master:
    m = Master.empty()
    ids = [f"C{i:05d}" for i in range(1, count + 1)]
    m.customers = pd.DataFrame(
        {
            "customer_id": ids,
            "name": [f"客户{i}有限公司" for i in range(1, count + 1)],
            "rep": ["张三", "李四"] * (count // 2),
            "city": ["广州"] * count,
        }
    )
    return m


def _master(path: Path, customers: int = 20, previous: int | None = None) -> Path:
    """A master with ``customers`` customers whose backup (a previous version) has ``previous`` of them."""
    save_master(_with_customers(previous or customers), path, backup=False)
    m = _with_customers(customers)
    m.settings = replace(m.settings, company_name="示例公司")
    return save_master(m, path)


def _visits(rep: str, week: int, first: int) -> bytes:
    """A rep's weekly visit form: eight visits to that rep's customers (odd ids for 张三, even for 李四)."""
    monday = dt.datetime(2026, 11, 2) + dt.timedelta(weeks=week - 45)
    rows = [
        {
            "date": monday + dt.timedelta(days=d % 5),
            "customer_id": f"C{first + 2 * d:05d}",
            "method": "面谈",
            "content": f"{rep} 第{week}周 第{d + 1}次",
        }
        for d in range(8)
    ]
    return fill_form(blank_form("visit_record"), header={"rep": rep, "period": f"2026-W{week}"}, rows={"visits": rows})


def _inbox(folder: Path, rep: str, first: int, weeks: range) -> Path:
    folder.mkdir()
    for week in weeks:
        (folder / f"{rep} W{week}.xlsx").write_bytes(_visits(rep, week, first))
    return folder


def _cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "keyacct_xl", "--lang", "en", *args]


def _env(wait: float) -> dict[str, str]:
    return {**os.environ, LOCK_WAIT_VARIABLE: str(wait)}


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


# (a) Two consolidations started together: both files' rows are kept.


def test_two_consolidations_started_together_both_keep_their_rows(tmp_path: Path) -> None:
    master = _master(tmp_path / "master.xlsx", customers=40)
    first = _inbox(tmp_path / "zhang", "张三", 1, range(45, 48))
    second = _inbox(tmp_path / "li", "李四", 2, range(45, 48))
    runs = [
        subprocess.Popen(
            _cli("consolidate", str(inbox), "--into", str(master)),
            env=_env(300),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for inbox in (first, second)
    ]
    outputs = [run.communicate(timeout=600) for run in runs]
    assert [run.returncode for run in runs] == [0, 0], outputs
    assert all("3 file(s): accepted 3; 24 row(s) added" in out for out, _ in outputs), outputs
    visits = load_store(master).frame("Visits")
    assert Counter(visits["rep"]) == {"张三": 24, "李四": 24}  # without the lock one run's 24 rows were lost
    ledger = load_store(master).frame("IngestionLedger")
    assert sorted(ledger["file_name"]) == sorted(p.name for p in [*first.iterdir(), *second.iterdir()])


def test_a_master_reached_through_a_link_is_saved_in_the_shared_file_and_the_link_stays(tmp_path: Path) -> None:
    # A shortcut on the desk to the shared master: the save must reach the shared file, not turn the link into a
    # private copy that the others never see.
    shared = _master(tmp_path / "share" / "master.xlsx", customers=40)
    before = shared.read_bytes()
    (tmp_path / "desk").mkdir()
    link = tmp_path / "desk" / "master.xlsx"
    link.symlink_to(shared)
    inbox = _inbox(tmp_path / "inbox", "张三", 1, range(45, 46))
    assert main(["consolidate", str(inbox), "--into", str(link), "--report", str(tmp_path / "report.xlsx")]) == 0
    assert link.is_symlink() and link.resolve() == shared.resolve()
    assert len(load_master(shared).visits) == 8
    assert backup_path(shared).read_bytes() == before  # the backup beside the shared file, of the shared file
    assert sorted(p.name for p in link.parent.iterdir()) == ["master.xlsx"]
    assert store_path(link) == store_path(shared)  # its history store is the shared master's too
    # write_tables (reconcile apply, credit apply ...) through the link as well.
    visits = load_master(link).visits
    write_tables(link, {VISITS: visits.iloc[:4]}, lang="zh")
    assert (
        link.is_symlink() and len(load_master(shared).visits) == 4 and len(load_master(backup_path(shared)).visits) == 8
    )


# (b) Kill -9 at 30 points of a consolidation: the master is the old or the new version, the backup loads.


def _restore(master: Path, content: bytes) -> None:
    # By rename, never in place: a kill between linking the backup and the rename leaves both names on one file.
    staged = master.with_name("restore.part")
    staged.write_bytes(content)
    os.replace(staged, master)


def _started(argv: list[str]) -> multiprocessing.process.BaseProcess:
    """The CLI run in a forked child of this process, which has imported the package already: the child starts
    working at once, so the kill points fall on the run itself rather than on the interpreter's start-up."""
    child = multiprocessing.get_context("fork").Process(target=_main_with_its_own_progress_lock, args=(argv,))
    child.start()
    return child


def _main_with_its_own_progress_lock(argv: list[str]) -> None:
    """``main(argv)`` in a forked child. tqdm's default lock is a semaphore the child shares with this process across
    the fork: a child killed while its progress bar held it would leave the next progress bar here waiting forever."""
    tqdm.set_lock(threading.RLock())
    main(argv)


@pytest.mark.skipif("fork" not in multiprocessing.get_all_start_methods(), reason="needs fork (POSIX)")
def test_kill_at_30_points_leaves_old_or_new_master_and_a_loadable_backup(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "books"
    folder.mkdir()
    master = _master(folder / "master.xlsx", customers=CUSTOMERS)
    older, old = backup_path(master).read_bytes(), master.read_bytes()
    assert len(load_master(backup_path(master)).customers) == len(load_master(master).customers) == CUSTOMERS
    inbox = _inbox(tmp_path / "inbox", "张三", 1, range(45, 49))
    # A card that fills a blank field of a known customer: Customers is rewritten, not only appended to.
    (inbox / "card.xlsx").write_bytes(
        fill_form(
            blank_form("customer_card"),
            header={
                "rep": "张三",
                "fill_date": "2026-11-20",
                "customer_id": "C00001",
                "name": "客户1有限公司",
                "address": "天河路 1 号",
            },
            rows={"contacts": []},
        )
    )
    argv = ["consolidate", str(inbox), "--into", str(master)]
    monkeypatch.setenv(LOCK_WAIT_VARIABLE, "0")  # a lock left held would fail the next run at once
    durations = []
    for _ in range(3):  # measured here, on this machine as loaded now: the median of three runs
        started = time.perf_counter()
        _started(argv).join()
        durations.append(time.perf_counter() - started)
        new_visits = len(load_store(master).frame("Visits"))
        assert new_visits == 32
        _restore(master, old)
    duration = statistics.median(durations)
    rng = random.Random(20261130)
    seen: Counter[str] = Counter()
    for point in sorted(rng.uniform(0, duration) for _ in range(30)):
        run = _started(argv)
        time.sleep(point)
        run.kill()
        run.join()
        if master.read_bytes() == old:
            seen["old"] += 1
        else:
            new = load_master(master)
            assert len(new.visits) == new_visits, f"killed at {point:.3f} s"
            assert new.customers.set_index("customer_id").loc["C00001", "address"] == "天河路 1 号"
            seen["new"] += 1
        # Both versions the backup may be are loaded above: comparing bytes is enough here.
        assert backup_path(master).read_bytes() in (older, old), f"killed at {point:.3f} s"
        seen["temporary files left"] += bool(_leftovers(folder))
        # The killed process's lock died with it: the lock is free at once.
        with master_write_lock(master, wait=0):
            pass
        _restore(master, old)
    capfd.readouterr()
    with capfd.disabled():
        print(f"\nconsolidation {duration:.2f} s; after 30 kills: {dict(seen)}")
    # The next run, a fresh interpreter, starts at once (no wait for a lock) and clears what killed runs left.
    (folder / f".master.xlsx.{'0' * 12}.tmp").write_bytes(b"a killed writer's partial file")
    (folder / f".master.bak.xlsx.{'0' * 12}.tmp").write_bytes(b"a killed writer's staged backup")
    assert subprocess.run(_cli(*argv), capture_output=True).returncode == 0
    assert len(load_master(master).visits) == new_visits and _leftovers(folder) == []


# (c) A full disk: the write fails midway; master and backup are untouched; one line names the file.

PAGE = 4096  # tmpfs allocates whole pages


def _pages(size: int) -> int:
    """``size`` rounded up to whole pages."""
    return math.ceil(size / PAGE) * PAGE


def _fill(disk: Path, leave: int) -> None:
    """Fill ``disk`` so that ``leave`` bytes (rounded up to whole pages) stay free."""
    stats = os.statvfs(disk)
    assert stats.f_frsize == PAGE
    (disk / "filler").write_bytes(b"\0" * (stats.f_bavail * PAGE - _pages(leave)))


def _full_disk_run(
    disk: Path, tmp_path: Path, room: Callable[[int, int], int], capsys: pytest.CaptureFixture[str]
) -> tuple[Path, str]:
    """Consolidate into the master on ``disk`` with ``room(old, older, new)`` bytes left free (the sizes of the
    master, its backup and the master the run would write). The master has grown since its backup."""
    master = _master(disk / "master.xlsx", customers=2_000, previous=20)
    older, old = backup_path(master).read_bytes(), master.read_bytes()
    inbox = _inbox(tmp_path / "inbox", "张三", 1, range(45, 47))
    trial = _master(tmp_path / "trial.xlsx", customers=2_000, previous=20)
    assert main(["consolidate", str(inbox), "--into", str(trial)]) == 0
    _fill(disk, room(len(old), len(older), trial.stat().st_size))
    capsys.readouterr()
    assert main(["--lang", "en", "consolidate", str(inbox), "--into", str(master)]) == 2
    err = capsys.readouterr().err
    assert master.read_bytes() == old and backup_path(master).read_bytes() == older
    assert len(load_master(backup_path(master)).customers) == 20
    assert _leftovers(disk) == []
    return master, err


def test_a_save_that_changes_nothing_keeps_the_backup_of_the_state_before(tmp_path: Path) -> None:
    # A save of the same bytes (a grade review written again the same day, a table written back unchanged) made
    # the master its own backup: the only copy of the master as it was before the last change was gone.
    path = _master(tmp_path / "master.xlsx", customers=20, previous=10)
    saved = path.read_bytes()
    m = load_master(path)
    write_tables(path, {CUSTOMERS_TABLE: m.customers}, lang=m.lang, headers={"Customers": m.headers["Customers"]})
    assert path.read_bytes() == saved
    assert len(load_master(backup_path(path)).customers) == 10  # still the state before the last change
    m.customers.loc[0, "city"] = "深圳"
    write_tables(path, {CUSTOMERS_TABLE: m.customers}, lang=m.lang, headers={"Customers": m.headers["Customers"]})
    assert backup_path(path).read_bytes() == saved  # a save that changes something makes the master its backup


def test_full_disk_keeps_master_and_backup_and_says_so_in_one_line(
    small_disk: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    master, err = _full_disk_run(small_disk, tmp_path, lambda old, older, new: new // 2, capsys)
    assert err == f"keyacct-xl: {master}: the disk is full, nothing was written; free some space and try again\n"


def test_full_disk_while_copying_the_backup_keeps_the_previous_backup(
    small_disk: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # A file system without hard links (exFAT, some network shares): the backup is a copy, and here the new
    # master fits on the disk but the copy of the old one does not, even with the old backup's space given back.
    # (Copying over the old backup in place, as before, truncated it and then ran out of space.)
    def no_links(source: object, target: object) -> None:
        raise OSError(errno.EPERM, "Operation not permitted")

    monkeypatch.setattr(os, "link", no_links)
    master, err = _full_disk_run(
        small_disk, tmp_path, lambda old, older, new: _pages(new) + (_pages(old) - _pages(older)) // 2, capsys
    )
    assert err.count("\n") == 1 and f"{master}: the disk is full" in err


# (d) The lock's wait and message, the read-only refusal, the inf refusal.


@pytest.fixture
def master(tmp_path: Path) -> Path:
    (tmp_path / "books").mkdir()
    return _master(tmp_path / "books" / "master.xlsx")


def test_a_second_writer_waits_then_stops_naming_the_master(
    master: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    inbox = _inbox(tmp_path / "inbox", "张三", 1, range(45, 46))
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            (
                "import sys, time\nfrom keyacct_xl.fileio import master_write_lock\n"
                "with master_write_lock(sys.argv[1]):\n    print('locked', flush=True)\n    time.sleep(120)"
            ),
            str(master),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        monkeypatch.setenv(LOCK_WAIT_VARIABLE, "0.5")
        before = master.read_bytes()
        started = time.perf_counter()
        assert main(["--lang", "en", "consolidate", str(inbox), "--into", str(master)]) == 2
        assert 0.5 <= time.perf_counter() - started < 10
        assert capsys.readouterr().err == (
            f"keyacct-xl: {master}: another keyacct-xl run is writing this master (still locked after 0.5 s); "
            "try again when it has finished\n"
        )
        assert main(["consolidate", str(inbox), "--into", str(master)]) == 2
        assert "另一个 keyacct-xl 正在写入此客户档案总表" in capsys.readouterr().err
        assert master.read_bytes() == before
        assert main(["master", "check", str(master)]) == 0  # readers never wait (a waiting one would stop here)
        assert main(["consolidate", str(inbox), "--into", str(master), "--dry-run"]) == 0  # takes no lock
    finally:
        holder.kill()
        holder.communicate()
    monkeypatch.setenv(LOCK_WAIT_VARIABLE, "0")  # the killed holder's lock is gone at once
    assert main(["consolidate", str(inbox), "--into", str(master)]) == 0
    assert len(load_store(master).frame("Visits")) == 8


def test_lock_is_reentrant_within_a_process(master: Path) -> None:
    with master_write_lock(master, wait=0), master_write_lock(master, wait=0):
        save_master(load_master(master), tables=["Settings"])
    assert master_lock_path(master).name == ".master.xlsx.lock"


def test_lock_wait_setting_must_be_seconds(master: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(LOCK_WAIT_VARIABLE, "half a minute")
    with pytest.raises(InputError, match="KEYACCT_XL_LOCK_WAIT='half a minute': expected a number of seconds"):
        save_master(load_master(master))


@pytest.mark.parametrize("read_only", ["file", "folder"])
def test_read_only_master_is_refused_before_any_work(
    master: Path, tmp_path: Path, read_only: str, capsys: pytest.CaptureFixture[str]
) -> None:
    inbox = _inbox(tmp_path / "inbox", "张三", 1, range(45, 46))
    before = master.read_bytes()
    target = master if read_only == "file" else master.parent
    mode = target.stat().st_mode
    target.chmod(0o555 if read_only == "folder" else 0o444)
    try:
        assert (
            main(
                [
                    "--lang",
                    "en",
                    "consolidate",
                    str(inbox),
                    "--into",
                    str(master),
                    "--report",
                    str(tmp_path / "report.xlsx"),
                ]
            )
            == 2
        )
        err = capsys.readouterr().err
        assert main(["consolidate", str(inbox), "--into", str(master)]) == 2
        err_zh = capsys.readouterr().err
    finally:
        target.chmod(mode)
    if read_only == "file":
        assert (
            err == f"keyacct-xl: {master}: the file is read-only, so it is not replaced; make it writable and "
            "try again\n"
        )
        assert "文件为只读，不会被覆盖" in err_zh
    else:
        assert err == f"keyacct-xl: {master.parent}: the folder is read-only, so master.xlsx cannot be written there\n"
        assert "文件夹为只读" in err_zh
    assert master.read_bytes() == before and not (tmp_path / "report.xlsx").exists()
    assert len(load_store(master).frame("Visits")) == 0


def test_infinite_numbers_are_refused_naming_table_column_and_row(master: Path) -> None:
    before = master.read_bytes()
    m = load_master(master)
    m.transactions = pd.DataFrame(
        {
            "date": pd.to_datetime(["2026-11-02"] * 3),
            "customer_id": ["C00001"] * 3,
            "amount": [1_200.0, 300.0, math.inf],
        }
    )
    with pytest.raises(InputError) as refused:
        save_master(m, tables=["Transactions"])
    assert refused.value.en == (
        "table Transactions, column 金额, data row 3: inf is not a number Excel can store; nothing was written"
    )
    assert refused.value.zh == "表格 Transactions，列「金额」，第 3 行数据：inf 不是 Excel 能保存的数值；未写入任何内容"
    # A text column holding a float (a user's extra column, a typed value) is written as a number too.
    m.transactions = pd.DataFrame(
        {
            "date": pd.to_datetime(["2026-11-02"] * 2),
            "customer_id": ["C00001"] * 2,
            "amount": [1.0, 2.0],
            "product": [-math.inf, -math.inf],
        }
    )
    with pytest.raises(InputError, match=r"column 产品, data row 1: -inf .* \(and 1 more\)"):
        save_master(m, tables=["Transactions"])
    assert master.read_bytes() == before
    # NaN stays what it always was: a blank cell.
    m.transactions = pd.DataFrame(
        {"date": pd.to_datetime(["2026-11-02"]), "customer_id": ["C00001"], "amount": [5.0], "cost": [math.nan]}
    )
    save_master(m, tables=["Transactions"])
    assert load_master(master).transactions["cost"].isna().tolist() == [True]


def test_a_text_longer_than_an_excel_cell_is_refused_naming_table_column_and_row(master: Path) -> None:
    # Saved, such a text made a master no command could load again.
    before = master.read_bytes()
    m = load_master(master)
    m.customers.loc[2, "notes"] = "备" * 40_000
    with pytest.raises(InputError) as refused:
        save_master(m, tables=["Customers"])
    assert refused.value.en == (
        "table Customers, column 备注, data row 3: 40,000 characters, more than the 32,767 an Excel cell holds; "
        "nothing was written"
    )
    assert refused.value.zh == (
        "表格 Customers，列「备注」，第 3 行数据：长度 40,000 个字符，超过 Excel 单元格上限 32,767 个；未写入任何内容"
    )
    assert master.read_bytes() == before
    m.customers.loc[2, "notes"] = "备" * 32_767  # as much as a cell holds is written and read back
    save_master(m, tables=["Customers"])
    assert load_master(master).customers.loc[2, "notes"] == "备" * 32_767
    # Rows appended below the rows as read (as consolidation saves) are checked too.
    visits = pd.DataFrame({"date": pd.to_datetime(["2026-11-02"] * 2), "customer_id": ["C00001"] * 2})
    write_tables(master, {VISITS: visits.assign(content=["谈返利", None])}, lang="zh")
    before = master.read_bytes()
    with pytest.raises(InputError, match=r"^table Visits, column 内容, data row 3: 40,000 characters"):
        write_tables(
            master,
            {
                VISITS: pd.concat([visits, visits.iloc[:1]], ignore_index=True).assign(
                    content=["谈返利", None, "谈" * 40_000]
                )
            },
            lang="zh",
            unchanged_rows={"Visits": 2},
        )
    assert master.read_bytes() == before


def test_a_value_every_row_needs_written_blank_is_refused_naming_table_column_and_row(master: Path) -> None:
    # Found by a security trial: a visit stored with an empty customer id made a master no command could load again
    # (Visits B2: a value is required here), not even the undo of the file that wrote it. The save now refuses it.
    before = master.read_bytes()
    m = load_master(master)
    m.visits = pd.DataFrame({"date": pd.to_datetime(["2026-11-02"] * 3), "customer_id": ["C00001", "", None]})
    with pytest.raises(InputError) as refused:
        save_master(m, tables=["Visits"])
    assert refused.value.en == (
        "table Visits, column 客户编号, data row 2 (and 1 more): a value is required here, and a master saved "
        "without it would not open again; nothing was written"
    )
    assert refused.value.zh == (
        "表格 Visits，列「客户编号」，第 2 行数据（另有 1 行）：此处必须填写，缺少它保存的总表将无法再打开；"
        "未写入任何内容"
    )
    assert master.read_bytes() == before
    # Rows appended below the rows as read (as consolidation saves) are checked too.
    visits = pd.DataFrame({"date": pd.to_datetime(["2026-11-02", None]), "customer_id": ["C00001"] * 2})
    with pytest.raises(InputError, match=r"^table Visits, column 日期, data row 2: a value is required here"):
        write_tables(master, {VISITS: visits}, lang="zh", unchanged_rows={"Visits": 1})
    assert master.read_bytes() == before
    assert load_master(master).visits.empty


@pytest.mark.parametrize("dry_run", [True, False])
def test_a_consolidation_report_named_as_the_master_or_a_link_to_it_is_refused_before_any_work(
    tmp_path: Path, capsys, dry_run: bool
) -> None:
    master = _master(tmp_path / "master.xlsx")
    before, backup = master.read_bytes(), backup_path(master).read_bytes()
    link = tmp_path / "desk.xlsx"
    link.symlink_to(master)
    inbox = _inbox(tmp_path / "inbox", "张三", 1, range(45, 46))
    form = next(inbox.iterdir())
    submitted = form.read_bytes()
    for report in (master, link, tmp_path / "." / "master.xlsx"):
        args = ["--lang", "en", "consolidate", str(inbox), "--into", str(master), "--report", str(report)]
        assert main([*args, *(["--dry-run"] if dry_run else [])]) == 2
        assert f"{report} leads to the master {master}: a report is never written over the master" in (
            capsys.readouterr().err
        )
        assert master.read_bytes() == before and backup_path(master).read_bytes() == backup
    # A single form given as SOURCE is an input the report may not replace either.
    assert main(["consolidate", str(form), "--into", str(master), "--report", str(form)]) == 2
    assert f"{form} 指向输入文件 {form}" in capsys.readouterr().err
    assert form.read_bytes() == submitted and master.read_bytes() == before


def test_a_link_leading_nowhere_is_refused_naming_it_and_nothing_is_written_through_it(tmp_path: Path, capsys) -> None:
    master = _master(tmp_path / "master.xlsx")
    before = master.read_bytes()
    inbox = _inbox(tmp_path / "inbox", "张三", 1, range(45, 46))
    loop = tmp_path / "loop.xlsx"
    loop.symlink_to(loop)
    assert main(["--lang", "en", "consolidate", str(inbox), "--into", str(loop)]) == 2
    assert (
        capsys.readouterr().err
        == f"keyacct-xl: {loop}: the link leads round in a loop to no file; give the file itself\n"
    )
    # A link planted where the report goes, to a file (and folders) that do not exist: refused before the master is
    # written, and no far/away/ folder made.
    planted = tmp_path / "report.xlsx"
    planted.symlink_to(Path("far") / "away" / "x.xlsx")
    assert main(["consolidate", str(inbox), "--into", str(master), "--report", str(planted)]) == 2
    assert f"{planted} 是指向 far/away/x.xlsx 的链接，而该文件不存在" in capsys.readouterr().err
    assert not (tmp_path / "far").exists() and master.read_bytes() == before
    assert main(["--lang", "en", "master", "export", str(master), "--out", str(planted)]) == 2
    assert f"{planted} is a link to far/away/x.xlsx, which does not exist" in capsys.readouterr().err
    assert not (tmp_path / "far").exists()


def test_an_import_through_a_link_names_the_backup_beside_the_linked_file(tmp_path: Path, capsys) -> None:
    shared = _master(tmp_path / "share" / "master.xlsx")
    (tmp_path / "desk").mkdir()
    link = tmp_path / "desk" / "link.xlsx"
    link.symlink_to(shared)
    listed = tmp_path / "list.csv"
    listed.write_text("Customer Name,Phone\n报告测试客户,13900000077\n", encoding="utf-8")
    assert main(["--lang", "en", "customers", "import", str(listed), "--into", str(link)]) == 0
    out = capsys.readouterr().out
    assert f"master saved, backup {backup_path(shared.resolve())}" in out
    assert backup_path(shared).exists() and not backup_path(link).exists()
