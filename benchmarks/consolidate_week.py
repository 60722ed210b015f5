"""The demo's week of submissions consolidated: what one ordinary run costs, whole (check, merge, write, report).

The week is the demo's own (``keyacct_xl.consolidate.demo_step``: each rep's visit record and weekly plan, a
correction, a duplicate, a colleague's form, a card for a probable duplicate, a locked, a truncated and a non-form
file, one filled copy of every input form), written once into the demo master's folder; each round consolidates it
into a fresh copy of the master as the demo does (one worker, the report and the quarantine beside it), and times,
in a fresh process of its own as a worker starts, what the worker does with the week: read, recognize and check each
file (``check_submission``), the CPU time of which the whole run's figure leaves out (its worker is no child of
this process).
Run by hand: ``python benchmarks/consolidate_week.py [--rounds 5] [--seed 2026] [--work DIR]`` (``--work`` keeps the
demo master and the week's files in DIR and reuses them).
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import time
from pathlib import Path

import pandas as pd

from keyacct_xl.consolidate.demo_step import _submissions, _week
from keyacct_xl.consolidate.intake import collect
from keyacct_xl.consolidate.routes import ROUTES
from keyacct_xl.consolidate.run import _Job, check_submission
from keyacct_xl.consolidate.store import load_store
from keyacct_xl.consolidate.usecase import run_consolidation
from keyacct_xl.forms.catalog import load_form

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import demo_master, machine_line, ran_as_step, run_step, timed_part, work_folder


def check_step(_name: str, inbox: Path) -> dict[str, object]:
    """Every file of the week read and checked in this (fresh) process, as a worker does it; wall and CPU seconds."""
    out: dict[str, object] = {}
    specs = {form_id: load_form(form_id) for form_id in ROUTES}
    job = _Job(specs, {k: s.hash for k, s in specs.items()}, frozenset(), frozenset(), "zh", False)
    submissions = collect(inbox)
    timed_part(out, "check", lambda: [check_submission(s, job) for s in submissions])
    return out


def one_round(pristine: Path, inbox: Path, folder: Path, now: str) -> tuple[float, float, str]:
    """Wall and CPU seconds (this process's) of one consolidation of the week into a fresh copy of the master, and
    its summary."""
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    master = folder / "master.xlsx"
    shutil.copyfile(pristine, master)
    cpu, wall = time.process_time(), time.perf_counter()
    run = run_consolidation(
        inbox,
        master,
        lang="zh",
        report_dir=folder,
        replace_same_run=True,
        quarantine_dir=folder / "quarantine",
        now=now,
    )
    return time.perf_counter() - wall, time.process_time() - cpu, run.summary("en")


def main() -> None:
    """Time ``--rounds`` consolidations of the demo's week and checks of its files and print each, then the medians."""
    if ran_as_step(check_step):
        return
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
        walls, cpus, checks, check_cpus = [], [], [], []
        for i in range(args.rounds):
            wall, cpu, summary = one_round(pristine, inbox, work / "run", now)
            check = run_step(__file__, "check", inbox)["check"]
            walls.append(wall)
            cpus.append(cpu)
            checks.append(check["wall"])  # type: ignore[index]
            check_cpus.append(check["cpu"])  # type: ignore[index]
            print(
                f"round {i + 1}: consolidation {wall:.2f} s wall ({cpu:.2f} s CPU here); "
                f"checking the files in one process {checks[-1]:.2f} s wall, {check_cpus[-1]:.2f} s CPU"
            )
        print(f"{files} files: {summary}")
        print(
            f"median of {args.rounds}: consolidation {statistics.median(walls):.2f} s wall (min {min(walls):.2f} s); "
            f"checking {statistics.median(checks):.2f} s wall (min {min(checks):.2f} s), "
            f"{statistics.median(check_cpus):.2f} s CPU (min {min(check_cpus):.2f} s)"
        )
        print(machine_line())


if __name__ == "__main__":
    main()
