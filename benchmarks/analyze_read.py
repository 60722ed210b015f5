"""Benchmark: the read ``keyacct-xl analyze`` makes of the master, its tables and the Complaints table, cold (a fresh
process, no load cache), by this checkout and by a baseline, on the demo company's master (600 customers) given 40
complaints as consolidation writes them.

Run by hand: ``python benchmarks/analyze_read.py [--baseline REF] [--rounds 3] [--work DIR]``. Figures go into
docs/analytics.md ("The analysis workbook: one read of the master").

The baseline (default c3dbc23) loaded the master with ``load_master`` and then read the Complaints table with a
second read of the workbook (``master_complaints``); this checkout reads both at once (``load_analysed_master``).
Each read runs in a process of its own, the two alternating in ``--rounds`` rounds, after the master's history store
(and any load cache in it) is removed. Per read: its CPU seconds (all threads), wall seconds, and how many times the
master's file was opened (its zip directory, its bytes); the complaints each read gives must be the same.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import demo_master, machine_line, work_folder  # (measured as the others)
from master_load import CHECKOUT, _commit, baseline_checkout

COMPLAINTS = 40


def step(path: Path) -> dict[str, object]:
    """The read analyze makes, in this (fresh) process, with the opens of the master counted (Python's audit event
    "open", raised by every open of a file by path: its zip directory, its bytes)."""
    opened: list[str] = []
    sys.addaudithook(lambda event, args: opened.append(str(args[0])) if event == "open" else None)
    from keyacct_xl.analytics import analysis

    cpu, wall = time.process_time(), time.perf_counter()
    start = len(opened)
    if hasattr(analysis, "load_analysed_master"):
        _, complaints = analysis.load_analysed_master(path)
    else:  # the baseline's two reads
        from keyacct_xl.master.reader import load_master

        complaints = analysis.master_complaints(load_master(path))
    return {
        "cpu": round(time.process_time() - cpu, 3),
        "wall": round(time.perf_counter() - wall, 3),
        "opens": sum(Path(p) == path for p in opened[start:]),
        "complaints": len(complaints),
    }


def with_complaints(demo: Path, path: Path) -> Path:
    """The demo master with a Complaints table of ``COMPLAINTS`` rows, written as consolidation writes it."""
    import pandas as pd

    from keyacct_xl.consolidate.store import load_store, save_store

    if path.exists():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(demo, path)
    store = load_store(path)
    ids = store.frames["Customers"]["customer_id"].head(COMPLAINTS).tolist()
    store.frames["Complaints"] = pd.DataFrame(
        {
            "complaint_no": [f"TS{i:04d}" for i in range(COMPLAINTS)],
            "customer_id": ids,
            "received_date": pd.date_range("2026-01-05", periods=COMPLAINTS, freq="6D"),
        }
    ).reindex(columns=store.frames["Complaints"].columns)
    save_store(store, ["Complaints"], edited=["Complaints"], backup=False)
    return path


def run_read(root: Path, path: Path) -> dict[str, object]:
    """One cold read of ``path`` by the package of the checkout ``root``, in a process of its own."""
    from keyacct_xl.history.store import store_path

    shutil.rmtree(store_path(path), ignore_errors=True)  # no load cache: the first read of the master
    env = {**os.environ, "PYTHONPATH": str(root)}
    done = subprocess.run(
        [sys.executable, __file__, "--step", str(path)], capture_output=True, text=True, check=True, env=env, cwd=root
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    if sys.argv[1:2] == ["--step"]:
        print(json.dumps(step(Path(sys.argv[2]))))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", default="c3dbc23", help="the commit measured beside this one")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--work", type=Path, help="keep the masters here and reuse them")
    args = parser.parse_args()
    with work_folder(args.work) as work, baseline_checkout(args.baseline) as baseline:
        master = with_complaints(demo_master(work / "demo" / "master.xlsx", seed=20261130), work / "analyze" / "m.xlsx")
        print(f"demo master with {COMPLAINTS} complaints: {master.stat().st_size / 1024**2:.1f} MiB")
        readers = {f"baseline {_commit(baseline)}": baseline, f"this {_commit(CHECKOUT)}": CHECKOUT}
        for _ in range(args.rounds):
            for way, root in readers.items():
                print(f"  {way:<16}", json.dumps(run_read(root, master)))
        print(machine_line())


if __name__ == "__main__":
    main()
