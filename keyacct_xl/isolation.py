"""Read users' files in worker processes with memory and time limits, so one file can only fail itself.

A reader is native code (calamine, pyarrow): a hostile or damaged file can make it abort the whole process
(a Rust allocation failure is SIGABRT, not an exception), exhaust memory or hang. Here each task runs in a
long-lived worker fed a batch of items at a time over a pipe, answering once per batch; before each item it
records in memory shared with the parent which item it is on and since when. A worker that dies is attributed
to that one item, reported as a ``Failure``, and replaced; the other items of its batches, whose answers died
with it, are run again. Limits: the parent kills a worker whose item takes longer than ``Limits.seconds`` (so
the cap holds on Windows too); on POSIX the worker's address space may grow by at most ``Limits.memory_bytes``
beyond what it holds when it starts (RLIMIT_AS).

Workers are forked on Linux (they inherit the imported modules: pandas is imported once, not per worker or
file) and spawned elsewhere (once per worker; a spawned worker imports what the task needs once).
"""

from __future__ import annotations

import contextlib
import faulthandler
import gc
import multiprocessing
import os
import pickle
import signal
import sys
import tempfile
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import Any, Literal, TypeVar

from keyacct_xl.errors import InputError, KeyacctError
from keyacct_xl.fileio import system_reason
from keyacct_xl.messages import Message, msg

MAX_SECONDS = 30.0
MAX_MEMORY_BYTES = 2 * 1024**3
_DETAIL_CHARS = 200
# Items go to a worker in batches of at most BATCH, answered together: the parent wakes up once per batch, not
# once per item (on a busy machine each wake-up costs more than unpickling an answer; a form takes 2-3 ms).
BATCH = 16
_BATCHES_PER_WORKER = 4  # smaller batches for fewer items, so that the workers finish about together
# Batches sent to a worker ahead of its answers: it goes on to the next one without waiting for the parent to
# read the last answer.
_QUEUED = 2
# The worker's record of its current item, in memory it shares with the parent: the item's index, when it
# started (time.monotonic: one system-wide clock on Linux, Windows and macOS) and where its messages start in
# the worker's log.
_ITEM, _SINCE, _LOG = 0, 1, 2

T = TypeVar("T")
R = TypeVar("R")


@dataclass(frozen=True)
class Limits:
    """What one item may cost: wall-clock seconds (enforced by the parent) and extra address space (POSIX)."""

    seconds: float = MAX_SECONDS
    memory_bytes: int = MAX_MEMORY_BYTES


@dataclass(frozen=True)
class Failure:
    """Why an item has no result: the worker timed out, crashed (a signal or exit) or the task raised."""

    kind: Literal["timeout", "crashed", "error"]
    detail: str
    error: BaseException | None = None  # the task's exception, when it survived the trip from the worker

    def reason(self, limits: Limits) -> tuple[str, str, str]:
        """A stable code and the reason in en and zh, for a report line or an error message."""
        problem = self.problem(limits)
        return self.code, problem.en, problem.zh

    @property
    def code(self) -> str:
        """The stable code of the failure (a report's reason code)."""
        return {"timeout": "timeout", "crashed": "reader_crashed"}.get(self.kind, "reader_error")

    def problem(self, limits: Limits) -> Message:
        """What went wrong, as a message."""
        if self.kind == "timeout":
            return msg("reading the file took more than {seconds:g} s (limit)", seconds=limits.seconds)
        if self.kind == "crashed":
            return msg(
                "the reader stopped on this file ({detail}; over the {gib:g} GiB memory limit, or a crash on "
                "damaged content)",
                detail=self.detail,
                gib=limits.memory_bytes / 1024**3,
            )
        if isinstance(self.error, OSError):  # a folder given as the file, a file it may not read: in our words
            return system_reason(self.error)
        return msg("reading the file failed ({detail})", detail=self.detail)


def short(error: BaseException) -> str:
    """``Type: message``, on one line and shortened: an exception as a report shows it."""
    text = " ".join(f"{type(error).__name__}: {error}".split())
    return text if len(text) <= _DETAIL_CHARS else text[: _DETAIL_CHARS - 1] + "…"


def _context() -> Any:
    # fork is cheap and shares the parent's imports; it is unsafe on macOS and absent on Windows.
    return multiprocessing.get_context("fork" if sys.platform.startswith("linux") else "spawn")


def _limit_memory(extra: int) -> None:
    """Cap this process's address space at its current size plus ``extra`` bytes (POSIX only)."""
    try:
        import resource
    except ImportError:  # Windows: only the parent's timeout applies
        return
    current = 0
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            current = next(int(line.split()[1]) * 1024 for line in status if line.startswith("VmSize:"))
    except (OSError, StopIteration, ValueError):  # no /proc (macOS): the cap is absolute
        pass
    cap = current + extra
    hard = resource.getrlimit(resource.RLIMIT_AS)[1]
    if hard != resource.RLIM_INFINITY:
        cap = min(cap, hard)
    resource.setrlimit(resource.RLIMIT_AS, (cap, hard))


def _serve(
    conn: Connection,
    task: Callable,
    initializer: Callable | None,
    initargs: tuple,
    memory: int,
    parent_end: Connection | None,
    log: int | str,
    current: Any,
) -> None:
    """A worker's loop: receive a batch of (index, item), run ``task`` on each, send one answer for the batch: a
    list of ("ok", result) or ("error", exception), and where the log ends.

    Before each item it writes the item's index, the time and the log's size into ``current`` (shared with the
    parent), so a crash or a timeout is blamed on that item. A MemoryError ends the batch there (the parent
    replaces the worker and runs the rest elsewhere). It ends when the parent sends None or closes the pipe, and
    when the parent itself is gone. Its standard error goes to ``log``: a native reader's last words (a Rust
    allocation failure, its backtrace) become the reason of the item that killed it, not noise on the console.
    """
    if parent_end is not None:  # forked: the parent's end must live only in the parent, or no EOF ever comes
        parent_end.close()
    sys.stderr.flush()
    os.dup2(log if isinstance(log, int) else os.open(log, os.O_WRONLY | os.O_APPEND), 2)
    if faulthandler.is_enabled():  # it writes to the descriptor it was given (e.g. by pytest): the log instead
        faulthandler.enable(file=2)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C stops the parent, which then ends its workers
    _limit_memory(memory)
    if initializer is not None:
        initializer(*initargs)
    parent = multiprocessing.parent_process()
    watched = [conn] + ([parent.sentinel] if parent is not None else [])
    while True:
        if conn not in wait(watched):  # the parent is gone
            return
        try:
            batch = conn.recv()
        except EOFError:
            return
        if batch is None:
            return
        answers: list[tuple[str, object]] = []
        for index, item in batch:
            sys.stderr.flush()
            current[_LOG], current[_SINCE] = os.fstat(2).st_size, time.monotonic()
            current[_ITEM] = index  # last: the parent reads the index first
            try:
                answers.append(("ok", task(item)))
            except MemoryError as exc:
                # With earlier answers held, they may be what filled the memory: the item is not answered, so the
                # parent runs it again in a fresh worker; alone in its batch so far, the failure is its own.
                if not answers:
                    answers.append(("error", _portable(exc)))
                break
            except BaseException as exc:  # the worker's job is to report anything the task raised
                answers.append(("error", _portable(exc)))
        sys.stderr.flush()
        _send(conn, answers, os.fstat(2).st_size)  # the log's size: where the next item's messages start


def _send(conn: Connection, answers: list[tuple[str, object]], logged: int) -> None:
    """Send a batch's answers; the first half of them while pickling them all runs out of memory (the parent runs
    the items left unanswered again), a first answer that cannot be pickled alone in memory as its MemoryError."""
    while True:
        try:
            conn.send((answers, logged))
            return
        except (pickle.PicklingError, TypeError, AttributeError):  # a result that cannot cross the pipe
            answers = [_sendable(answer) for answer in answers]
        except MemoryError as exc:
            if len(answers) > 1:
                answers = answers[: len(answers) // 2]
            elif answers and answers[0][0] == "ok":
                answers = [("error", _portable(exc))]
            else:
                raise  # not even the error crosses: the worker dies and the parent blames the item it is on


def _sendable(answer: tuple[str, object]) -> tuple[str, object]:
    """``answer`` when it pickles, else the error saying why it cannot cross the pipe."""
    try:
        pickle.dumps(answer)
    except (pickle.PicklingError, TypeError, AttributeError) as exc:
        return "error", _portable(exc)
    return answer


def _portable(error: BaseException) -> BaseException | str:
    """The exception itself when it survives pickling unchanged in type, else its short text."""
    try:
        copy = pickle.loads(pickle.dumps(error))
    except Exception:  # any exception type may fail to pickle or to rebuild
        return short(error)
    return copy if type(copy) is type(error) else short(error)


def _death(exitcode: int | None) -> str:
    if exitcode is not None and exitcode < 0:
        try:
            return f"killed by {signal.Signals(-exitcode).name}"
        except ValueError:
            return f"killed by signal {-exitcode}"
    return f"the worker exited with code {exitcode}"


class _Worker:
    """One worker process, its pipe, and the batches it was handed whose answers have not been read yet.

    ``held[0]`` is the batch it works on; the next one waits in the pipe. When the worker dies, the item it
    recorded as its current one (in ``current``) is the item that killed it; the others of its batches have
    no answer.
    """

    def __init__(self, pool: Workers) -> None:
        ctx = _context()
        self.conn, child = ctx.Pipe()
        self.current = ctx.RawArray("d", 3)  # _ITEM, _SINCE, _LOG, written by the worker before each item
        self.current[_ITEM] = -1
        forked = ctx.get_start_method() == "fork"
        # The log: forked, the worker inherits an open descriptor of a file already unlinked, so nothing is left
        # behind even when this process is killed; spawned (Windows), it opens the file by its name.
        self.log, self.path = tempfile.mkstemp(prefix="keyacct-worker-", suffix=".log")
        if forked:
            os.unlink(self.path)
        self.process = ctx.Process(
            target=_serve,
            daemon=True,
            args=(
                child,
                pool.task,
                pool.initializer,
                pool.initargs,
                pool.limits.memory_bytes,
                self.conn if forked else None,
                self.log if forked else self.path,
                self.current,
            ),
        )
        # Frozen at the fork, the objects the worker inherits are never traversed by its collector: no collection
        # walks the parent's heap (or copies its pages); measured, this took the isolation's CPU cost from about
        # +25 % to under +10 % of checking the same forms in one process.
        freeze = forked and gc.get_freeze_count() == 0
        if freeze:
            gc.freeze()
        try:
            self.process.start()
        finally:
            if freeze:
                gc.unfreeze()
        child.close()
        self.held: deque[list[int]] = deque()  # batches sent and not answered; the first is the one in work
        self.started = 0.0  # when the first held batch could start (about: when the one before was answered)
        self.log_start = 0  # where the log ended with the last answer

    def give(self, batch: list[int], items: Sequence[object]) -> None:
        """Send a batch of items; a worker that already died is seen by the next wait (the crash is then the
        batch's first item's)."""
        if not self.held:  # idle, so not writing: an index left from an earlier map() must not name an item now
            self.current[_ITEM] = -1
            self.started = time.monotonic()
        self.held.append(batch)
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self.conn.send([(index, items[index]) for index in batch])

    def _on(self) -> int | None:
        """The index of the item the worker recorded as its current one, when it belongs to the batch in work."""
        index = int(self.current[_ITEM])
        return index if index in self.held[0] else None

    def on(self) -> int:
        """The item the worker is on: the one it recorded, else (it has not started the batch) the batch's first."""
        index = self._on()
        return self.held[0][0] if index is None else index

    def since(self) -> float:
        """When the worker started the item it is on (time.monotonic)."""
        return self.started if self._on() is None else max(self.started, self.current[_SINCE])

    def late(self, limit: float, now: float) -> int | None:
        """The item the worker has been on for ``limit`` seconds at ``now``, if any (one read of its record)."""
        return late_item(self.current, self.held[0], self.started, limit, now)

    def done(self, logged: int) -> list[int]:
        """The first held batch, now answered (its messages ended at ``logged``); the next one starts."""
        self.started, self.log_start = time.monotonic(), logged
        return self.held.popleft()

    def last_words(self) -> str:
        """The first line the worker wrote to standard error while on its current item (e.g. why it aborted)."""
        start = self.log_start if self._on() is None else int(self.current[_LOG])
        with contextlib.suppress(OSError):
            os.lseek(self.log, start, os.SEEK_SET)  # only once the worker is dead: it shares the offset
            for line in os.read(self.log, 65536).decode("utf-8", errors="replace").splitlines():
                if line.strip():
                    return " ".join(line.split())[:_DETAIL_CHARS]
        return ""

    def halt(self) -> None:
        """End the process now (it may hold a runaway item); its pipe keeps what it sent before."""
        if self.process.is_alive():
            self.process.kill()
        self.process.join()

    def stop(self) -> None:
        """End the process now and release its pipe and log."""
        self.halt()
        self.conn.close()
        os.close(self.log)
        with contextlib.suppress(OSError):  # already unlinked when forked
            os.unlink(self.path)


def late_item(record: Sequence[float], batch: list[int], started: float, limit: float, now: float) -> int | None:
    """The item of ``batch`` a worker has been on for ``limit`` seconds at ``now``, from one read of its ``record``.

    The index is read once, before the time: the worker writes the time first, so a worker that moves on between
    the two reads shows its new item's time (not late yet), never the item it left with the time it started it.
    """
    index = int(record[_ITEM])
    if index not in batch:  # it has not started this batch: the wait is its first item's
        return batch[0] if now >= started + limit else None
    return index if now >= max(started, record[_SINCE]) + limit else None


def batch_size(items: int, jobs: int, most: int = BATCH) -> int:
    """How many items a request carries: at most ``most``, and small enough that each of ``jobs`` workers gets
    several batches."""
    return max(1, min(most, items // (max(1, jobs) * _BATCHES_PER_WORKER)))


class Workers:
    """Long-lived worker processes that run ``task`` on one item at a time, each item within ``limits``; items
    travel in batches of at most ``batch``."""

    def __init__(
        self,
        task: Callable[[T], R],
        *,
        jobs: int = 1,
        initializer: Callable | None = None,
        initargs: tuple = (),
        limits: Limits = Limits(),
        batch: int = BATCH,
    ) -> None:
        self.task, self.initializer, self.initargs, self.limits = task, initializer, initargs, limits
        self.jobs, self.batch = max(1, jobs), max(1, batch)
        self._workers: list[_Worker] = []

    def __enter__(self) -> Workers:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """End every worker."""
        for worker in self._workers:
            if not worker.held:  # an idle worker returns on None; a busy one is ended by stop()
                with contextlib.suppress(OSError):
                    worker.conn.send(None)
                worker.process.join(timeout=1)
            worker.stop()
        self._workers.clear()

    def map(self, items: Sequence[T]) -> Iterator[R | Failure]:
        """Each item's result, or a Failure for it, in the order of ``items``."""
        size = batch_size(len(items), self.jobs, self.batch)
        waiting, done, emitted = deque(range(len(items))), {}, 0
        while emitted < len(items):
            busy = sum(bool(w.held) for w in self._workers)
            while len(self._workers) < min(self.jobs, -(-len(waiting) // size) + busy):
                self._workers.append(_Worker(self))
            for worker in self._workers:
                while len(worker.held) < _QUEUED and waiting:
                    worker.give([waiting.popleft() for _ in range(min(size, len(waiting)))], items)
            done.update(self._collect(waiting))
            while emitted in done:
                yield done.pop(emitted)
                emitted += 1

    def _collect(self, waiting: deque[int]) -> dict[int, R | Failure]:
        """Wait for at least one busy worker to answer, die or run out of time; their items' results.

        The items a dead worker held besides the one it died on go back to the front of ``waiting``.
        """
        busy = [w for w in self._workers if w.held]
        timeout = max(0.0, min(w.since() for w in busy) + self.limits.seconds - time.monotonic())
        ready = set(wait([w.conn for w in busy] + [w.process.sentinel for w in busy], timeout))
        results: dict[int, R | Failure] = {}
        for worker in busy:
            # An answer that came after wait() returned (another worker woke the parent) is an answer, not a timeout.
            if worker.conn in ready or worker.process.sentinel in ready or worker.conn.poll(0):
                results.update(self._answer(worker, waiting))
            elif (late := worker.late(self.limits.seconds, time.monotonic())) is not None:
                results.update(self._timed_out(worker, waiting, late))
        return results

    def _timed_out(self, worker: _Worker, waiting: deque[int], late: int) -> dict[int, R | Failure]:
        """Stop a worker whose item ``late`` ran out of time; a batch it answered meanwhile is answered."""
        worker.halt()
        with contextlib.suppress(EOFError, OSError):  # a dead worker's pipe polls ready: at its end, nothing came
            if worker.conn.poll(0):
                results = self._answered(worker, waiting, worker.conn.recv())
                if worker in self._workers:
                    self._replace(worker, waiting)
                return results
        self._replace(worker, waiting, late)
        return {late: Failure("timeout", f"over {self.limits.seconds:g} s")}

    def _answer(self, worker: _Worker, waiting: deque[int]) -> dict[int, R | Failure]:
        try:
            if worker.conn.poll():
                return self._answered(worker, waiting, worker.conn.recv())
        except (EOFError, OSError):  # the pipe closed mid-answer: the worker died
            pass
        worker.process.join(timeout=5)
        words, index = worker.last_words(), worker.on()
        failure = Failure("crashed", _death(worker.process.exitcode) + (f": {words}" if words else ""))
        self._replace(worker, waiting, index)
        return {index: failure}

    def _answered(self, worker: _Worker, waiting: deque[int], message: Any) -> dict[int, R | Failure]:
        """The results of the batch ``worker`` answered with ``message`` (its answers and where its log ended)."""
        answers, logged = message
        batch = worker.done(logged)
        results = {index: self._result(*answer) for index, answer in zip(batch, answers)}
        if len(answers) < len(batch) or (answers and isinstance(answers[-1][1], MemoryError)):
            # The worker stopped its batch on a MemoryError and may be left in a bad state: replaced, the rest of
            # the batch waits again (first, before the batches queued after it).
            self._replace(worker, waiting)
            waiting.extendleft(reversed(batch[len(answers) :]))
        return results

    @staticmethod
    def _result(status: str, value: Any) -> Any:
        """An item's answer as its result or its Failure."""
        if status == "ok":
            return value
        if isinstance(value, MemoryError):
            return Failure("crashed", "MemoryError")
        detail = value if isinstance(value, str) else short(value)
        return Failure("error", detail, None if isinstance(value, str) else value)

    def _replace(self, worker: _Worker, waiting: deque[int], failed: int | None = None) -> None:
        """End ``worker``; the items it still holds but ``failed`` wait again (their answers died with it)."""
        waiting.extendleft(reversed([index for batch in worker.held for index in batch if index != failed]))
        worker.held.clear()
        worker.stop()
        self._workers.remove(worker)


def run_isolated(task: Callable[[T], R], item: T, *, file: Path, limits: Limits = Limits()) -> R:
    """``task(item)`` in a worker; our own errors come back as raised, any other failure is an InputError on
    ``file`` (one line naming the file: a crash, a timeout, an exception of the reader)."""
    with Workers(task, limits=limits) as workers:
        [result] = list(workers.map([item]))
    if not isinstance(result, Failure):
        return result
    if isinstance(result.error, KeyacctError):
        raise result.error
    raise InputError(msg("{file}: {problem}", file=file, problem=result.problem(limits)))
