"""Benchmark: the cold read of a master, ``load_master`` in a fresh process with no load cache (what every CLI command
and a ribbon button's first press pays), by this checkout's reader and by a baseline's, on the demo company's master
(600 customers), on a small one as the tests load (30 customers), on the demo's with one document number typed as a
number (a table fastexcel refuses, read through calamine) and, with ``--large``, on one five times the demo's size
(3,000 customers).

Run by hand: ``python benchmarks/master_load.py [--baseline REF] [--rounds 3] [--large] [--cached] [--work DIR]``.
Figures go into docs/master.md ("Cost of a cold read"). With ``--cached`` the master has a history store, so the
load cache is used: the first load reads the workbook and writes the cache (``first_cpu``, ``first_wall``), and a
second, in a process of its own, reads every table from the cache (the figures of docs/history.md, "The load
cache").

The baseline is the reader of ``--baseline`` (a commit, branch or tag; by default the commit of main this checkout
starts from, so both read with the same schema), checked out into a temporary ``git worktree`` and put first on the
step's ``PYTHONPATH``; this checkout is measured the same way. Each load runs in
a process of its own, the two readers alternating in ``--rounds`` rounds, after the master's history store (and with
it any load cache a previous load left) is removed. Per load: the CPU seconds of ``load_master`` (all threads: the
figure to read on a busy machine), its wall seconds, the CPU seconds the process spent before it (start-up and
imports) and the process's peak RSS (imports included). Each step also prints a digest of every frame (values,
dtypes, column labels, headers) and of the Settings: the two readers must give the same one.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import demo_master, machine_line, peak_mib, work_folder  # (measured as the others)

HERE = Path(__file__).resolve().parent
CHECKOUT = HERE.parent
SIZES = {"small": 30, "demo": 600, "large": 3_000}
# The frames a loaded master holds (Settings is parsed into master.settings).
TABLES = (
    "customers",
    "contacts",
    "transactions",
    "payments",
    "visits",
    "opportunities",
    "competitors",
    "grade_history",
    "adjustments",
)


def step(path: Path) -> dict[str, object]:
    """Load the master once and digest what it gave, in this (fresh) process."""
    from keyacct_xl.master.reader import load_master

    imported = time.process_time()  # the process's CPU so far: start-up and imports, the reader's included
    cpu, wall = imported, time.perf_counter()
    master = load_master(path)
    out: dict[str, object] = {
        "load_cpu": round(time.process_time() - cpu, 3),
        "load_wall": round(time.perf_counter() - wall, 3),
        "before_cpu": round(imported, 3),
        "peak_mib": peak_mib(),
    }
    out["digest"] = _digest(master)
    return out


def _digest(master: object) -> str:
    """A digest of every table's values, dtypes, labels and headers, and of the Settings."""
    import pandas as pd

    digest = hashlib.sha256()
    for name in TABLES:
        frame = getattr(master, name)
        digest.update(repr([(str(c), str(t)) for c, t in frame.dtypes.items()]).encode())
        digest.update(pd.util.hash_pandas_object(frame.astype(object), index=True).to_numpy().tobytes())
    digest.update(repr(sorted(master.headers.items())).encode())  # type: ignore[attr-defined]
    digest.update(repr(master.settings).encode())  # type: ignore[attr-defined]
    return digest.hexdigest()[:16]


def run_load(reader: Path, path: Path, *, cached: bool = False) -> dict[str, object]:
    """One cold load of ``path`` by the reader of the checkout ``reader``, in a process of its own; with ``cached``,
    a load into a new history store (its tables cached) and then one from that cache, each in a process of its own."""
    from keyacct_xl.history.store import store_path

    shutil.rmtree(store_path(path), ignore_errors=True)  # no load cache: the first read of the master
    if not cached:
        return _step_in_process(reader, path)
    store_path(path).mkdir()
    first = _step_in_process(reader, path)
    return {"first_cpu": first["load_cpu"], "first_wall": first["load_wall"], **_step_in_process(reader, path)}


def _step_in_process(reader: Path, path: Path) -> dict[str, object]:
    env = {**os.environ, "PYTHONPATH": str(reader)}
    done = subprocess.run(
        [sys.executable, __file__, "--step", str(path)], capture_output=True, text=True, check=True, env=env, cwd=reader
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


@contextlib.contextmanager
def baseline_checkout(ref: str) -> Iterator[Path]:
    """The commit ``ref`` checked out in a temporary git worktree, removed afterwards."""
    with tempfile.TemporaryDirectory() as temporary:
        folder = Path(temporary) / "baseline"
        subprocess.run(["git", "-C", str(CHECKOUT), "worktree", "add", "--detach", str(folder), ref], check=True)
        try:
            yield folder
        finally:
            subprocess.run(["git", "-C", str(CHECKOUT), "worktree", "remove", "--force", str(folder)], check=True)


def _git(*args: str, checkout: Path = CHECKOUT) -> str:
    return subprocess.run(
        ["git", "-C", str(checkout), *args], capture_output=True, text=True, check=True
    ).stdout.strip()


def _commit(checkout: Path) -> str:
    return _git("rev-parse", "--short", "HEAD", checkout=checkout)


def main() -> None:
    if sys.argv[1:2] == ["--step"]:
        print(json.dumps(step(Path(sys.argv[2]))))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--baseline", help="the commit whose reader is measured beside this one (default: main's, as above)"
    )
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--large", action="store_true", help="also the master five times the demo's size")
    parser.add_argument("--cached", action="store_true", help="loads with a history store: written, then read back")
    parser.add_argument("--work", type=Path, help="keep the masters here and reuse them")
    args = parser.parse_args()
    sizes = [s for s in SIZES if s != "large" or args.large]
    ref = args.baseline or _git("merge-base", "main", "HEAD")
    with work_folder(args.work) as work, baseline_checkout(ref) as baseline:
        readers = {f"baseline {_commit(baseline)}": baseline, f"this {_commit(CHECKOUT)}": CHECKOUT}
        masters = {s: demo_master(work / s / "master.xlsx", seed=20261130, customers=SIZES[s]) for s in sizes}
        masters["mixed"] = with_a_number_among_texts(masters["demo"], work / "mixed" / "master.xlsx")
        for name, path in masters.items():
            print(f"{name}: {SIZES.get(name, SIZES['demo']):,} customers, {path.stat().st_size / 1024**2:.1f} MiB")
            digests = set()
            for _ in range(args.rounds):
                for way, reader in readers.items():
                    figures = run_load(reader, path, cached=args.cached)
                    digests.add(figures["digest"])
                    print(f"  {way:<16}", json.dumps(figures))
            print(f"  the same frames from both readers: {'yes' if len(digests) == 1 else 'NO'}")
        print(machine_line())


def with_a_number_among_texts(demo: Path, path: Path) -> Path:
    """The demo master with its first sales line's document number a number, not a text (as a paste from an ERP leaves
    it): fastexcel then refuses the Transactions table, which is read through calamine."""
    from keyacct_xl.master.schema import TRANSACTIONS
    from keyacct_xl.xlsx.package import locate_tables

    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(demo) as source, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        part = locate_tables(source)[TRANSACTIONS.name].sheet_part
        for info in source.infolist():
            data = source.read(info)
            if info.filename == part:  # our writer's inline string cell A2, made a number cell
                data, made = re.subn(
                    rb'<c r="A2"( s="\d+")? t="inlineStr"><is><t>[^<]*</t></is></c>',
                    rb'<c r="A2"\1><v>20231101</v></c>',
                    data,
                    count=1,
                )
                if not made:
                    raise SystemExit(f"{demo}: no inline text at {part} A2 to make a number")
            target.writestr(info, data)
    return path


if __name__ == "__main__":
    main()
