"""Consolidation speed and memory: N submissions of 100 visit lines into the demo master.

Compares one full ``consolidate`` run (screening, recognition, validation of every cell, merge, part-level
master write) with a plain ``pandas.read_excel(engine="openpyxl")`` loop that only reads the same files, and
measures what the worker isolation costs: the same files checked by ``check_submission`` in a loop in this
process (the path before isolation) against the isolated path (worker processes, ``--jobs`` 1 and 2), in
alternating rounds in the same run. ``--hostile N`` also times a dry-run consolidation of the first N files of
the hostile corpus (tests/hostile_corpus.py).
Run by hand: ``python benchmarks/consolidate.py [--files 300] [--rows 100] [--jobs 1] [--rounds 3] [--skip-pandas]
[--hostile 1000] [--work DIR]`` (``--work`` keeps the demo master and the submissions in DIR and reuses them).
Peak memory is the maximum resident set size of this process and of its worker processes (ru_maxrss).
"""

from __future__ import annotations

import argparse
import random
import resource
import shutil
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import pandas as pd

from keyacct_xl.consolidate import run as run_module
from keyacct_xl.consolidate import safety
from keyacct_xl.consolidate.intake import collect
from keyacct_xl.consolidate.report import summary_line
from keyacct_xl.consolidate.routes import ROUTES
from keyacct_xl.consolidate.run import _checked, _Job, check_submission, consolidate
from keyacct_xl.consolidate.simulate import blank_form, fill_form
from keyacct_xl.forms.catalog import load_form

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import demo_master  # (the master the other benchmarks build alike)


def _peak_mb(who: int) -> float:
    return resource.getrusage(who).ru_maxrss / 1024  # Linux reports kB


def make_submissions(master: Path, folder: Path, files: int, rows: int, seed: int) -> None:
    """``files`` filled visit records of ``rows`` lines each, from the demo reps, one per rep and week."""
    customers = pd.read_excel(master, sheet_name="客户档案", engine="calamine")
    by_rep = {rep: list(group["客户编号"]) for rep, group in customers.groupby("业务员")}
    reps = sorted(by_rep)
    blank = blank_form("visit_record", lines={"visits": rows})
    rng = random.Random(seed)
    for i in range(files):
        rep = reps[i % len(reps)]
        monday = pd.Timestamp("2027-01-04") + pd.Timedelta(weeks=i // len(reps))  # one file per rep and week
        year, week, _ = monday.isocalendar()
        lines = [
            {
                "date": (monday + pd.Timedelta(days=k % 5)).strftime("%Y-%m-%d"),
                "customer_id": rng.choice(by_rep[rep]),
                "method": "电话",
                "purpose": "回访",
                "content": f"第{k + 1}条记录",
                "rating": "良好",
            }
            for k in range(rows)
        ]
        header = {"rep": rep, "period": f"{year}-W{week:02d}"}
        (folder / f"{rep}_{year}-W{week:02d}.xlsx").write_bytes(fill_form(blank, header=header, rows={"visits": lines}))


def pandas_loop(folder: Path) -> tuple[float, int]:
    """Seconds to read every file's form sheet with pandas + openpyxl, and the rows read."""
    started, count = time.perf_counter(), 0
    for path in sorted(folder.glob("*.xlsx")):
        count += len(pd.read_excel(path, sheet_name=0, engine="openpyxl", header=6))
    return time.perf_counter() - started, count


def isolation_cost(inbox: Path, rounds: int) -> None:
    """Seconds to check every file in this process (the path before isolation, with and without the package
    pre-check) and in workers (--jobs 1 and 2), in alternating rounds; wall and CPU time."""
    specs = {form_id: load_form(form_id) for form_id in ROUTES}
    job = _Job(specs, {k: s.hash for k, s in specs.items()}, frozenset(), frozenset(), "zh", False)
    submissions = collect(inbox)
    paths = {
        "in-process loop without the package pre-check": lambda: _without_precheck(
            lambda: [check_submission(s, job) for s in submissions]
        ),
        "in-process loop": lambda: [check_submission(s, job) for s in submissions],
        "isolated, --jobs 1": lambda: list(_checked(submissions, job, 1)),
        "isolated, --jobs 2": lambda: list(_checked(submissions, job, 2)),
    }
    times: dict[str, list[float]] = {name: [] for name in paths}
    cpu: dict[str, list[float]] = {name: [] for name in paths}
    for _ in range(rounds):
        for name, run in paths.items():
            started, cpu_started = time.perf_counter(), _cpu_seconds()
            outcomes = run()
            times[name].append(time.perf_counter() - started)
            cpu[name].append(_cpu_seconds() - cpu_started)
            assert Counter(o.status for o in outcomes) == Counter({"accepted": len(submissions)}), name
    base, cpu_base = statistics.median(times["in-process loop"]), statistics.median(cpu["in-process loop"])
    for name, values in times.items():
        shown = ", ".join(f"{v:.2f}" for v in values)
        wall, used = statistics.median(values), statistics.median(cpu[name])
        print(
            f"check {len(submissions)} files, {name}: wall median {wall:.2f} s ({shown}), {wall / base - 1:+.0%}; "
            f"CPU median {used:.2f} s, {used / cpu_base - 1:+.0%} against the in-process loop"
        )


def whole_run_cost(pristine: Path, inbox: Path, work: Path, rounds: int) -> None:
    """Whole consolidations (check, merge, master write) of the same files into fresh copies of the master, with
    the files checked in this process (the path before isolation) and in one worker, in alternating rounds."""

    def in_process(submissions: list, job: _Job, jobs: int) -> Iterator:
        return (check_submission(s, job) for s in submissions)

    paths = {"checked in this process (before isolation)": in_process, "isolated, --jobs 1": run_module._checked}
    times: dict[str, list[float]] = {name: [] for name in paths}
    cpu: dict[str, list[float]] = {name: [] for name in paths}
    real = run_module._checked
    for _ in range(rounds):
        for name, checked in paths.items():
            master = work / "whole-run.xlsx"
            shutil.copyfile(pristine, master)
            run_module._checked = checked
            try:
                started, cpu_started = time.perf_counter(), _cpu_seconds()
                result = consolidate(inbox, master, now="2026-11-30 18:00:00")
                times[name].append(time.perf_counter() - started)
                cpu[name].append(_cpu_seconds() - cpu_started)
            finally:
                run_module._checked = real
            assert result.rows_added and not result.counts().get("rejected"), name
    base, cpu_base = (statistics.median(v[next(iter(paths))]) for v in (times, cpu))
    for name in paths:
        wall, used = statistics.median(times[name]), statistics.median(cpu[name])
        shown = ", ".join(f"{v:.2f}" for v in times[name])
        print(
            f"whole consolidation, {name}: wall median {wall:.2f} s ({shown}), {wall / base - 1:+.0%}; "
            f"CPU median {used:.2f} s, {used / cpu_base - 1:+.0%}"
        )


def _without_precheck(run: Callable[[], list]) -> list:
    """``run()`` with safety.check_parts (sheet areas, shared strings, duplicate and lying members, DTDs) skipped."""
    real = safety.check_parts
    safety.check_parts = lambda archive, **caps: None
    try:
        return run()
    finally:
        safety.check_parts = real


def _cpu_seconds() -> float:
    """User and system time of this process and of its ended workers."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def hostile_run(work: Path, master: Path, count: int) -> None:
    """A dry-run consolidation of ``count`` files of the hostile corpus, timed, with the statuses found."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
    from hostile_corpus import write_corpus

    inbox = work / f"hostile-{count}"
    if not inbox.exists():
        write_corpus(inbox, count)
    for jobs in (1, 2):
        started = time.perf_counter()
        result = consolidate(inbox, master, jobs=jobs, dry_run=True)
        print(
            f"hostile corpus, {count} files, --jobs {jobs}: {time.perf_counter() - started:.2f} s; "
            f"{summary_line(result, 'en')}; codes: {dict(Counter(o.code for o in result.outcomes).most_common(8))}"
        )


def main() -> None:
    """Build the demo master and the submissions, time both, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--files", type=int, default=300)
    parser.add_argument("--rows", type=int, default=100)
    parser.add_argument("--jobs", type=int, default=1)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds of the isolation comparison")
    parser.add_argument("--hostile", type=int, default=0, metavar="N", help="also time N hostile corpus files")
    parser.add_argument("--skip-pandas", action="store_true")
    parser.add_argument("--work", type=Path, help="keep (and reuse) the master and submissions here")
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="bench-consolidate-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        pristine, inbox = work / "demo-master.xlsx", work / f"inbox-{args.files}x{args.rows}"
        demo_master(pristine, args.seed)
        if not inbox.exists():
            inbox.mkdir(parents=True)
            started = time.perf_counter()
            make_submissions(pristine, inbox, args.files, args.rows, args.seed)
            print(f"made {args.files} submissions x {args.rows} lines in {time.perf_counter() - started:.1f} s")
        print(f"{args.files} submissions, {sum(p.stat().st_size for p in inbox.iterdir()) / 1e6:.1f} MB")
        master = work / "master.xlsx"
        shutil.copyfile(pristine, master)
        baseline = None
        if not args.skip_pandas:
            baseline, count = pandas_loop(inbox)
            print(f"pandas.read_excel(openpyxl) loop, read only: {baseline:.2f} s ({count:,} rows)")
        isolation_cost(inbox, args.rounds)
        whole_run_cost(pristine, inbox, work, args.rounds)
        started = time.perf_counter()
        result = consolidate(inbox, master, jobs=args.jobs)
        seconds = time.perf_counter() - started
        print(
            f"consolidate --jobs {args.jobs} (check, validate, merge, write): {seconds:.2f} s; "
            f"{summary_line(result, 'en')}"
        )
        if baseline is not None:
            print(f"speed-up over the read-only pandas loop: {baseline / seconds:.1f}x")
        print(f"master after: {master.stat().st_size / 1e6:.1f} MB")
        if args.hostile:
            hostile_run(work, master, args.hostile)
        print(
            f"peak RSS: this process {_peak_mb(resource.RUSAGE_SELF):.0f} MB, "
            f"workers {_peak_mb(resource.RUSAGE_CHILDREN):.0f} MB"
        )
    finally:
        if args.work is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
