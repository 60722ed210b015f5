"""Benchmark: saving the demo company's master (600 customers, 60,281 sales lines, as ``keyacct-xl demo`` leaves it)
after one change, with this tree's writer against the writer of an earlier commit (by default where this branch
left main), in one run.

Four saves, each of a fresh copy of the master loaded first (not timed):
- consolidation: 40 visits appended and 3 customers edited, saved as a consolidation saves (``save_store``: Visits
  appended below its rows, Customers rewritten);
- grade apply: 40 customers regraded and 40 grade-history rows added, ``save_master(tables=[Customers,
  GradeHistory])`` as ``grade apply`` saves;
- sales lines: 300 lines added, ``save_master(tables=[Transactions])``;
- whole master: ``save_master`` of every table.

Run by hand: ``python benchmarks/master_save.py [--rounds 3] [--baseline REF] [--work DIR]``. Figures go into
docs/master.md ("Saving: what it costs").

Each way and save runs in a process of its own, the ways alternating in each round; the earlier commit's package
is unpacked from git into a temporary folder and put first on ``PYTHONPATH``. CPU seconds (all threads) are the
figure to read on a busy machine; peak RSS is the process's peak during the save (reset just before it). Every
save's file is hashed: the run stops if the two ways wrote different bytes.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import machine_line, peak_mib, ran_as_step, run_step_on_copy, timed_part, work_folder  # (measured alike)

REPO = Path(__file__).resolve().parents[1]
SAVES = ("consolidation", "grade apply", "sales lines", "whole master")
WAYS = ("before", "after")


def _reset_peak() -> None:
    """Start the process's peak RSS afresh (Linux: VmHWM is reset by writing 5 to clear_refs)."""
    refs = Path("/proc/self/clear_refs")
    if refs.exists():
        refs.write_text("5")


def _consolidation(path: Path) -> None:
    import pandas as pd

    from keyacct_xl.consolidate.store import load_store, save_store

    store = load_store(path)
    visits = store.frames["Visits"]
    store.frames["Visits"] = pd.concat([visits, visits.iloc[-40:]], ignore_index=True)
    customers = store.frames["Customers"]
    customers.loc[customers.index[:3], "notes"] = "补记：客户要求下周送样"
    _saved(lambda: save_store(store, ["Visits", "Customers"], edited=["Customers"], backup=False))


def _grade_apply(path: Path) -> None:
    import pandas as pd

    from keyacct_xl.master.reader import load_master
    from keyacct_xl.master.writer import save_master

    master = load_master(path)
    master.customers.loc[master.customers.index[:40], "grade"] = "A"
    history = master.grade_history
    master.grade_history = pd.concat([history, history.iloc[-40:]], ignore_index=True)
    _saved(lambda: save_master(master, tables=["Customers", "GradeHistory"], backup=False))


def _sales_lines(path: Path) -> None:
    import pandas as pd

    from keyacct_xl.master.reader import load_master
    from keyacct_xl.master.writer import save_master

    master = load_master(path)
    master.transactions = pd.concat([master.transactions, master.transactions.iloc[-300:]], ignore_index=True)
    _saved(lambda: save_master(master, tables=["Transactions"], backup=False))


def _whole_master(path: Path) -> None:
    from keyacct_xl.master.reader import load_master
    from keyacct_xl.master.writer import save_master

    master = load_master(path)
    _saved(lambda: save_master(master, backup=False))


FIGURES: dict[str, object] = {}


def _saved(save: object) -> None:
    _reset_peak()
    timed_part(FIGURES, "save", save)  # type: ignore[arg-type]
    FIGURES["peak_mib"] = peak_mib()


def step(name: str, path: Path) -> dict[str, object]:
    """One save of the copy of the master at ``path``, in this process: its figures and the saved file's hash."""
    {"consolidation": _consolidation, "grade apply": _grade_apply, "sales lines": _sales_lines}.get(
        name, _whole_master
    )(path)
    FIGURES["sha256"] = hashlib.sha256(path.read_bytes()).hexdigest()
    return FIGURES


def _unpack(ref: str, folder: Path) -> Path:
    """The package of commit ``ref`` (templates in their installed place) under ``folder``, for PYTHONPATH."""
    archive = subprocess.run(
        ["git", "-C", str(REPO), "archive", "--format=tar", ref, "keyacct_xl", "templates"],
        capture_output=True,
        check=True,
    ).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(folder, filter="data")
    shutil.move(folder / "templates", folder / "keyacct_xl" / "templates")
    return folder


def _demo_master(folder: Path) -> Path:
    """The master as ``keyacct-xl demo`` leaves it in ``folder`` (every feature step run): made by the first run,
    reused by the next."""
    if not (folder / "master.xlsx").exists():
        subprocess.run(
            [sys.executable, "-m", "keyacct_xl", "demo", "--out", str(folder)], capture_output=True, check=True
        )
    return folder / "master.xlsx"


def main() -> None:
    if ran_as_step(step):
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--baseline", help="the commit to compare with (default: where HEAD left main)")
    parser.add_argument("--work", type=Path, help="keep the master here and reuse it")
    args = parser.parse_args()
    git = ["git", "-C", str(REPO)]
    ref = (
        args.baseline
        or subprocess.run(
            [*git, "merge-base", "HEAD", "main"], capture_output=True, text=True, check=True
        ).stdout.strip()
    )
    print(f"before: {ref[:10]}; after: the working tree at {REPO}")
    with work_folder(args.work) as work, tempfile.TemporaryDirectory() as unpacked:
        roots = {"before": _unpack(ref, Path(unpacked)), "after": REPO}
        master = _demo_master(work / "demo")
        results: dict[tuple[str, str], list[dict[str, object]]] = {}
        for _ in range(args.rounds):
            for name in SAVES:
                for way in WAYS:
                    figures = run_step_on_copy(__file__, name, master, work / f"{way}.xlsx", roots[way])
                    results.setdefault((name, way), []).append(figures)
                    print(f"{name:<14} {way:<7}", json.dumps(figures))
                hashes = {results[(name, way)][-1]["sha256"] for way in WAYS}
                if len(hashes) != 1:
                    raise SystemExit(f"{name}: the two ways wrote different bytes")
        print("median of the rounds (CPU s / wall s / peak RSS MiB):")
        for name in SAVES:
            line = []
            for way in WAYS:
                runs = results[(name, way)]
                cpu = statistics.median(r["save"]["cpu"] for r in runs)  # type: ignore[index]
                wall = statistics.median(r["save"]["wall"] for r in runs)  # type: ignore[index]
                peak = statistics.median(r["peak_mib"] for r in runs)  # type: ignore[arg-type]
                line.append(f"{way} {cpu:.3f} / {wall:.3f} / {peak:.0f}")
            print(f"  {name:<14} " + "; ".join(line) + "; same bytes")
        print(machine_line())


if __name__ == "__main__":
    main()
