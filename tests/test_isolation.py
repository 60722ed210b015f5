"""Worker isolation: a reader that aborts, is killed, runs out of memory or time fails its own file only."""

from __future__ import annotations

import datetime as dt
import io
import multiprocessing
import os
import re
import signal
import time
import zipfile
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

import pandas as pd
import pytest

from keyacct_xl.cli.main import main
from keyacct_xl.consolidate import safety
from keyacct_xl.consolidate.run import consolidate
from keyacct_xl.consolidate.simulate import blank_form, fill_form
from keyacct_xl.errors import InputError
from keyacct_xl.isolation import Failure, Limits, Workers, batch_size, late_item, run_isolated
from keyacct_xl.master.model import Master
from keyacct_xl.master.schema import TRANSACTIONS
from keyacct_xl.master.writer import save_master
from keyacct_xl.receivables.statement_reader import read_statement
from keyacct_xl.tablefile import read_table_file

NOW = "2026-11-28 18:00:00"  # the Saturday of the week the forms report: no visit lies after it


# --- the machinery, with tasks that really abort, hang, exhaust memory or raise ------------------------------------


def _task(item: object) -> object:
    if item == "abort":
        os.abort()  # what a native reader does when an allocation fails
    if item == "sleep":
        time.sleep(60)
    if item == "memory":
        return len(bytearray(1024**3))  # 1 GiB, over the limit the test sets
    if item == "raise":
        raise ValueError("bad " + "x" * 500)
    if item == "input":
        raise InputError("a.xlsx: broken", "a.xlsx：已损坏")
    return item


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_worker_that_aborts_fails_only_its_item(jobs: int) -> None:
    with Workers(_task, jobs=jobs) as workers:
        results = list(workers.map([1, "abort", 3, "abort", 5]))
    assert [r for r in results if not isinstance(r, Failure)] == [1, 3, 5]
    failures = [r for r in results if isinstance(r, Failure)]
    assert [f.kind for f in failures] == ["crashed"] * 2
    assert all(f.detail.startswith("killed by SIGABRT") for f in failures)
    assert results[0] == 1 and results[2] == 3 and results[4] == 5  # in the order of the items


def test_a_runaway_item_is_ended_at_the_time_limit_and_the_next_one_runs() -> None:
    started = time.monotonic()
    with Workers(_task, limits=Limits(seconds=0.5)) as workers:
        results = list(workers.map(["sleep", 2]))
    assert isinstance(results[0], Failure) and results[0].kind == "timeout"
    assert results[1] == 2
    assert time.monotonic() - started < 10


def test_memory_over_the_limit_is_that_item_s_failure() -> None:
    with Workers(_task, limits=Limits(memory_bytes=256 * 1024**2)) as workers:
        results = list(workers.map(["memory", 2]))
    assert isinstance(results[0], Failure) and (results[0].kind, results[0].detail) == ("crashed", "MemoryError")
    assert results[1] == 2


def test_an_exception_is_reported_short_and_our_errors_come_back_as_raised(tmp_path: Path) -> None:
    with Workers(_task) as workers:
        [failure] = list(workers.map(["raise"]))
    assert isinstance(failure, Failure) and failure.kind == "error"
    assert failure.detail.startswith("ValueError: bad xxx") and len(failure.detail) <= 200
    assert failure.reason(Limits())[0] == "reader_error"
    with pytest.raises(InputError) as caught:
        run_isolated(_task, "input", file=tmp_path / "a.xlsx")
    assert (caught.value.en, caught.value.zh) == ("a.xlsx: broken", "a.xlsx：已损坏")
    with pytest.raises(InputError, match=r"a\.xlsx: the reader stopped on this file \(killed by SIGABRT"):
        run_isolated(_task, "abort", file=tmp_path / "a.xlsx")


def _noted_task(item: tuple[str, object]) -> object:
    """``_task`` on the item's value, each run noted first in the item's file (one line per run)."""
    path, value = item
    with open(path, "a", encoding="utf-8") as runs:
        runs.write(f"{value}\n")
    return _task(value)


@pytest.mark.parametrize(("bad", "kind"), [("abort", "crashed"), ("sleep", "timeout")])
def test_a_failure_in_the_middle_of_a_batch_is_that_item_s_and_the_batch_s_others_come_back(
    bad: str, kind: str, tmp_path: Path
) -> None:
    runs = tmp_path / "runs.txt"
    values: list[object] = list(range(16))
    values[5] = bad  # batches of 4: the second is 4, bad, 6, 7
    with Workers(_noted_task, batch=4, limits=Limits(seconds=1)) as workers:
        results = list(workers.map([(str(runs), value) for value in values]))
    failure = results[5]
    assert isinstance(failure, Failure) and failure.kind == kind
    assert results[:5] + results[6:] == values[:5] + values[6:]
    counts = Counter(runs.read_text(encoding="utf-8").split())
    # 4 was answered with its batch, which died: run again; 6 and 7 had not started; no other batch was lost.
    assert counts == Counter({**{str(v): 1 for v in values}, "4": 2})


def _slow(value: int) -> int:
    time.sleep(0.3)
    return value


def test_a_batch_answered_just_after_the_wait_returned_is_not_taken_for_a_timeout(monkeypatch) -> None:
    # A batch of four items of 0.3 s takes longer than the 1 s limit of one item. When the parent's wait returns
    # without this worker (another worker's answer woke it) and the batch's answer arrives just after, the worker
    # is on the next batch: its first item was neither late nor failed.
    from keyacct_xl import isolation

    parent, real, woken = os.getpid(), isolation.wait, []

    def woken_by_another(objects, timeout=None):
        if os.getpid() != parent or woken:
            return real(objects, timeout)
        woken.append(True)
        time.sleep(1.35)  # the first batch answered at 1.2 s; the worker is on item 4 since then
        return []

    monkeypatch.setattr(isolation, "wait", woken_by_another)
    with Workers(_slow, jobs=1, batch=4, limits=Limits(seconds=1)) as workers:
        results = list(workers.map(list(range(8))))
    assert woken and results == list(range(8))


class _MovingRecord:
    """A worker's shared record (item, since, log) as the parent sees it while the worker moves on: each field
    reads as item 5 (started at 0 s) the first time and as item 6 (started at 1.2 s) after that."""

    def __init__(self) -> None:
        self.reads: Counter[int] = Counter()

    def __getitem__(self, field: int) -> float:
        self.reads[field] += 1
        return ((5.0, 0.0, 0.0) if self.reads[field] == 1 else (6.0, 1.2, 0.0))[field]


def test_a_worker_moving_on_while_the_parent_checks_its_time_is_not_blamed_for_its_next_item() -> None:
    # Item 5 ran past the 1 s limit; the worker moves to item 6 just as the parent looks. The late item is read in
    # one pass of the record: item 5, or nothing yet, never item 6 (whose answer would then be lost as a timeout).
    assert late_item(_MovingRecord(), [4, 5, 6, 7], started=0.0, limit=1.0, now=1.2) == 5
    assert late_item([6.0, 1.2, 0.0], [4, 5, 6, 7], started=0.0, limit=1.0, now=1.2) is None
    assert late_item([-1.0, 0.0, 0.0], [4, 5, 6, 7], started=0.0, limit=1.0, now=1.2) == 4


def _eight_mib(value: int) -> bytes:
    return bytes(8 * 1024**2)


def test_answers_that_fill_a_worker_s_memory_together_are_not_any_item_s_failure() -> None:
    # Each result alone fits the 30 MiB a worker may add (8 MiB, and as much again to pickle it); four of a batch
    # held together, or three pickled at once, do not. No item did anything wrong, so none may fail.
    with Workers(_eight_mib, jobs=1, batch=4, limits=Limits(seconds=30, memory_bytes=30 * 1024**2)) as workers:
        results = list(workers.map(list(range(16))))  # batches of 4
    assert [type(r) for r in results] == [bytes] * 16 and {len(r) for r in results} == {8 * 1024**2}


def test_no_worker_outlives_its_pool() -> None:
    with Workers(_task, jobs=2) as workers:
        assert list(workers.map([1, 2, 3])) == [1, 2, 3]
    assert multiprocessing.active_children() == []


# --- consolidation: real calamine aborts and killed workers --------------------------------------------------------


@pytest.fixture(scope="module")
def good() -> bytes:
    rows = [{"date": "2026-11-23", "customer_id": "C001", "content": "拜访"}]
    return fill_form(blank_form("visit_record"), header={"rep": "张三", "period": "2026-W48"}, rows={"visits": rows})


@pytest.fixture
def master(tmp_path: Path) -> Path:
    m = Master.empty()
    m.customers = pd.DataFrame({"customer_id": ["C001"], "name": ["华强贸易有限公司"], "rep": ["张三"]})
    return save_master(m, tmp_path / "master.xlsx", backup=False)


def _rezip(data: bytes, part: str, change, extra: dict[str, bytes] | None = None) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            content = src.read(info)
            dst.writestr(info.filename, change(content) if info.filename == part else content)
        for name, content in (extra or {}).items():
            dst.writestr(name, content)
    return out.getvalue()


def dimension_bomb(data: bytes) -> bytes:
    """13 kB: a cell at XFD1048576 beside A1 (calamine asks for 549,755,289,600 bytes and aborts)."""
    far = b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row></sheetData>'
    return _rezip(data, "xl/worksheets/sheet1.xml", lambda c: c.replace(b"</sheetData>", far))


def shared_strings_bomb(data: bytes) -> bytes:
    """13 kB: a shared-strings count of 2 billion (calamine asks for 48,000,000,000 bytes on open and aborts)."""
    sst = (
        b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="2000000000" '
        b'uniqueCount="2000000000"><si><t>x</t></si></sst>'
    )
    rel = (
        b'<Relationship Id="rIdS" Target="sharedStrings.xml" '
        b'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings"/>'
    )
    return _rezip(
        data,
        "xl/_rels/workbook.xml.rels",
        lambda c: c.replace(b"</Relationships>", rel + b"</Relationships>"),
        {"xl/sharedStrings.xml": sst},
    )


@pytest.fixture
def no_precheck(monkeypatch: pytest.MonkeyPatch) -> None:
    """The package pre-check switched off, so the bombs reach calamine: the isolation is then all that stands."""
    monkeypatch.setattr(safety, "check_parts", lambda archive, **caps: None)


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_reader_abort_rejects_that_file_and_the_others_merge(
    jobs: int, good: bytes, master: Path, tmp_path: Path, no_precheck: None
) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "a-dimension.xlsx").write_bytes(dimension_bomb(good))
    (inbox / "b-good.xlsx").write_bytes(good)
    (inbox / "c-shared-strings.xlsx").write_bytes(shared_strings_bomb(good))
    result = consolidate(inbox, master, quarantine_dir=tmp_path / "q", jobs=jobs, now=NOW)
    found = {o.name: o for o in result.outcomes}
    assert (found["b-good.xlsx"].status, found["b-good.xlsx"].rows_added) == ("accepted", 1)
    for name, wanted in (("a-dimension.xlsx", "549755289600"), ("c-shared-strings.xlsx", "48000000000")):
        assert (found[name].status, found[name].code) == ("rejected", "reader_crashed")
        assert "SIGABRT" in found[name].reason_en and wanted in found[name].reason_en
        assert "内存上限" in (tmp_path / "q" / f"{name}.reason.txt").read_text(encoding="utf-8")


def _visit_weeks(weeks: range) -> dict[str, bytes]:
    """One visit record a week (one rep, one visit each), by file name."""
    forms = {}
    for week in weeks:
        monday = dt.date.fromisocalendar(2026, week, 1).isoformat()
        forms[f"W{week}.xlsx"] = fill_form(
            blank_form("visit_record"),
            header={"rep": "张三", "period": f"2026-W{week}"},
            rows={"visits": [{"date": monday, "customer_id": "C001", "content": f"W{week}"}]},
        )
    return forms


def test_a_reader_abort_in_the_middle_of_a_batch_rejects_that_file_only(
    good: bytes, master: Path, tmp_path: Path, no_precheck: None
) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    forms = _visit_weeks(range(30, 41))
    for name, data in forms.items():
        (inbox / name).write_bytes(data)
    (inbox / "W33x-dimension.xlsx").write_bytes(dimension_bomb(good))  # fifth of twelve by name
    assert batch_size(12, jobs=1) == 3  # so with one worker it is the middle of the second batch
    result = consolidate(inbox, master, jobs=1, now=NOW)
    found = {o.name: o for o in result.outcomes}
    bomb = found.pop("W33x-dimension.xlsx")
    assert (bomb.status, bomb.code) == ("rejected", "reader_crashed")
    assert "SIGABRT" in bomb.reason_en and "549755289600" in bomb.reason_en
    assert {name: (o.status, o.rows_added) for name, o in found.items()} == {n: ("accepted", 1) for n in forms}


def test_the_bombs_are_refused_by_the_precheck_before_any_reader(good: bytes, master: Path, tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "dimension.xlsx").write_bytes(dimension_bomb(good))
    (inbox / "shared-strings.xlsx").write_bytes(shared_strings_bomb(good))
    codes = {o.name: o.code for o in consolidate(inbox, master, jobs=1, now=NOW).outcomes}
    assert codes == {"dimension.xlsx": "sheet_too_large", "shared-strings.xlsx": "shared_strings"}


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_killed_worker_rejects_the_file_it_held_and_the_run_goes_on(
    jobs: int, good: bytes, master: Path, tmp_path: Path
) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for name, data in _visit_weeks(range(40, 46)).items():  # six files that each add a visit
        (inbox / name).write_bytes(data)

    pids: list[int] = []

    def kill_workers_once(outcomes: Iterable, total: int) -> Iterable:
        for number, outcome in enumerate(outcomes):
            if number == 0:  # as the first result arrives, every worker is killed (as the OOM killer would)
                pids.extend(child.pid for child in multiprocessing.active_children())
                for pid in pids:
                    os.kill(pid, signal.SIGKILL)
            yield outcome

    result = consolidate(inbox, master, jobs=jobs, progress=kill_workers_once, now=NOW)
    killed = [o for o in result.outcomes if o.code == "reader_crashed"]
    shown = [(o.name, o.status, o.code) for o in result.outcomes]
    assert 1 <= len(killed) <= jobs, (pids, shown)
    assert all(o.status == "rejected" and "SIGKILL" in o.reason_en for o in killed)
    merged = [o for o in result.outcomes if o.status == "accepted"]
    assert len(merged) == 6 - len(killed)
    assert sum(o.rows_added for o in merged) == len(merged)


# --- the commands that read a user's file --------------------------------------------------------------------------


@pytest.mark.parametrize("bomb", [dimension_bomb, shared_strings_bomb])
def test_table_and_statement_readers_refuse_a_bomb_naming_the_file(bomb, good: bytes, tmp_path: Path) -> None:
    path = tmp_path / "sales.xlsx"
    path.write_bytes(bomb(good))
    with pytest.raises(InputError, match=re.escape(str(path)) + ".*refused before reading"):
        read_table_file(path, TRANSACTIONS.columns, table=TRANSACTIONS.name)
    with pytest.raises(InputError, match=re.escape(str(path)) + ".*refused before reading"):
        read_statement(path)


@pytest.mark.parametrize("bomb", [dimension_bomb, shared_strings_bomb])
@pytest.mark.parametrize("command", ["rfm", "abc", "reconcile"])
def test_a_reader_abort_is_one_line_from_the_cli(
    command: str, bomb, good: bytes, tmp_path: Path, capfd: pytest.CaptureFixture[str], no_precheck: None
) -> None:
    path = tmp_path / "theirs.xlsx"
    path.write_bytes(bomb(good))
    args = {
        "rfm": ["rfm", str(path)],
        "abc": ["abc", str(path)],
        "reconcile": ["reconcile", str(tmp_path / "ours.csv"), str(path)],
    }[command]
    assert main(["--lang", "en", *args]) == 2
    _out, err = capfd.readouterr()
    [line] = err.strip().splitlines()
    assert line.startswith(f"keyacct-xl: {path}: the reader stopped on this file (killed by SIGABRT")
