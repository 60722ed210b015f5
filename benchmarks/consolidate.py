"""Consolidation speed and memory: N submissions of 100 visit lines into the demo master.

Compares one full ``consolidate`` run (screening, recognition, validation of every cell, merge, part-level
master write) with a plain ``pandas.read_excel(engine="openpyxl")`` loop that only reads the same files.
Run by hand: ``python benchmarks/consolidate.py [--files 300] [--rows 100] [--jobs 1] [--skip-pandas] [--work DIR]``
(``--work`` keeps the demo master and the submissions in DIR and reuses them on the next run).
Peak memory is the maximum resident set size of this process and of its worker processes (ru_maxrss).
"""

from __future__ import annotations

import argparse
import random
import resource
import shutil
import tempfile
import time
from pathlib import Path

import pandas as pd

from keyacct_xl.consolidate.report import summary_line
from keyacct_xl.consolidate.run import consolidate
from keyacct_xl.consolidate.simulate import blank_form, fill_form
from keyacct_xl.demo.company import generate_demo
from keyacct_xl.master.writer import save_master


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
        lines = [{"date": (monday + pd.Timedelta(days=k % 5)).strftime("%Y-%m-%d"),
                  "customer_id": rng.choice(by_rep[rep]), "method": "电话", "purpose": "回访",
                  "content": f"第{k + 1}条记录", "rating": "良好"} for k in range(rows)]
        header = {"rep": rep, "period": f"{year}-W{week:02d}"}
        (folder / f"{rep}_{year}-W{week:02d}.xlsx").write_bytes(fill_form(blank, header=header, rows={"visits": lines}))


def pandas_loop(folder: Path) -> tuple[float, int]:
    """Seconds to read every file's form sheet with pandas + openpyxl, and the rows read."""
    started, count = time.perf_counter(), 0
    for path in sorted(folder.glob("*.xlsx")):
        count += len(pd.read_excel(path, sheet_name=0, engine="openpyxl", header=6))
    return time.perf_counter() - started, count


def main() -> None:
    """Build the demo master and the submissions, time both, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--files", type=int, default=300)
    parser.add_argument("--rows", type=int, default=100)
    parser.add_argument("--jobs", type=int, default=1)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--skip-pandas", action="store_true")
    parser.add_argument("--work", type=Path, help="keep (and reuse) the master and submissions here")
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="bench-consolidate-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        pristine, inbox = work / "demo-master.xlsx", work / f"inbox-{args.files}x{args.rows}"
        if not pristine.exists():
            save_master(generate_demo(seed=args.seed, customers=600), pristine, backup=False)
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
        started = time.perf_counter()
        result = consolidate(inbox, master, jobs=args.jobs)
        seconds = time.perf_counter() - started
        print(f"consolidate --jobs {args.jobs} (check, validate, merge, write): {seconds:.2f} s; "
              f"{summary_line(result, 'en')}")
        if baseline is not None:
            print(f"speed-up over the read-only pandas loop: {baseline / seconds:.1f}x")
        print(f"master after: {master.stat().st_size / 1e6:.1f} MB")
        print(f"peak RSS: this process {_peak_mb(resource.RUSAGE_SELF):.0f} MB, "
              f"workers {_peak_mb(resource.RUSAGE_CHILDREN):.0f} MB")
    finally:
        if args.work is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
