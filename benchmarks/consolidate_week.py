"""The demo's week of submissions consolidated: what one ordinary run costs, whole (check, merge, write, report).

The week is the demo's own (``keyacct_xl.consolidate.demo_step``: each rep's visit record and weekly plan, a
correction, a duplicate, a colleague's form, a card for a probable duplicate, a locked, a truncated and a non-form
file, one filled copy of every input form), written once into the demo master's folder; each round consolidates it
into a fresh copy of the master as the demo does (one worker, the report and the quarantine beside it).
Run by hand: ``python benchmarks/consolidate_week.py [--rounds 5] [--seed 2026] [--work DIR]`` (``--work`` keeps the
demo master and the week's files in DIR and reuses them).
"""

from __future__ import annotations

import argparse
import resource
import shutil
import statistics
import sys
import time
from pathlib import Path

import pandas as pd

from keyacct_xl.consolidate.demo_step import _submissions, _week
from keyacct_xl.consolidate.store import load_store
from keyacct_xl.consolidate.usecase import run_consolidation

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import demo_master, machine_line, work_folder


def _cpu() -> float:
    """CPU seconds of this process and of its ended worker processes."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def one_round(pristine: Path, inbox: Path, folder: Path, now: str) -> tuple[float, float, str]:
    """Wall and CPU seconds (workers included) of one consolidation of the week into a fresh copy of the master,
    and its summary."""
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    master = folder / "master.xlsx"
    shutil.copyfile(pristine, master)
    cpu, wall = _cpu(), time.perf_counter()
    run = run_consolidation(
        inbox,
        master,
        lang="zh",
        report_dir=folder,
        replace_same_run=True,
        quarantine_dir=folder / "quarantine",
        now=now,
    )
    return time.perf_counter() - wall, _cpu() - cpu, run.summary("en")


def main() -> None:
    """Time ``--rounds`` consolidations of the demo's week and print each, then the median."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--work", type=Path, help="keep (and reuse) the master and the week's files here")
    args = parser.parse_args()
    with work_folder(args.work) as work:
        pristine = demo_master(work / "demo.xlsx", args.seed)
        inbox = work / "submissions"
        monday = _week(load_store(pristine).frame("Visits"))
        if not inbox.exists():
            _submissions(pristine, inbox, args.seed)
        now = (monday + pd.Timedelta(days=5, hours=18)).isoformat(sep=" ")
        files = sum(1 for p in inbox.rglob("*") if p.is_file())
        walls, cpus = [], []
        for i in range(args.rounds):
            wall, cpu, summary = one_round(pristine, inbox, work / "run", now)
            walls.append(wall)
            cpus.append(cpu)
            print(f"round {i + 1}: {wall:.2f} s wall, {cpu:.2f} s CPU")
        print(f"{files} files: {summary}")
        print(
            f"median of {args.rounds}: {statistics.median(walls):.2f} s wall (min {min(walls):.2f} s), "
            f"{statistics.median(cpus):.2f} s CPU (min {min(cpus):.2f} s)"
        )
        print(machine_line())


if __name__ == "__main__":
    main()
