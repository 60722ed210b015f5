"""What several benchmarks build and measure alike: frames typed as the master reader types them, the synthetic
customers' ids and reps, the demo company's master, a step timed in a process of its own, the peak memory, and the
line on the machine that closes a run. Imported by the scripts beside it (each puts this folder on ``sys.path``)."""

from __future__ import annotations

import contextlib
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

import numpy as np
import pandas as pd

from keyacct_xl.master.model import dtype_for
from keyacct_xl.master.schema import TableSchema

T = TypeVar("T")


def typed(schema: TableSchema, frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with every column of ``schema`` and the master reader's dtypes (text as object, as load_master
    gives it)."""
    for column in schema.columns:
        if column.key not in frame.columns:
            frame[column.key] = pd.Series([None] * len(frame), dtype=dtype_for(column.kind))
        else:
            frame[column.key] = frame[column.key].astype(dtype_for(column.kind))
    return frame[schema.keys]


def customer_ids(count: int) -> np.ndarray:
    """K000000, K000001, ...: the synthetic customers' ids."""
    return np.array([f"K{i:06d}" for i in range(count)], dtype=object)


def rep_names(count: int) -> np.ndarray:
    """业务员000, 业务员001, ...: the synthetic reps."""
    return np.array([f"业务员{i:03d}" for i in range(count)], dtype=object)


def demo_master(path: Path, seed: int, customers: int = 600) -> Path:
    """The demo company's master (600 customers unless told) at ``path``: written by the first run, reused by the
    next."""
    if not path.exists():
        from keyacct_xl.demo.company import generate_demo
        from keyacct_xl.master.writer import save_master

        path.parent.mkdir(parents=True, exist_ok=True)
        save_master(generate_demo(seed=seed, customers=customers), path, backup=False)
    return path


def timed_part(out: dict[str, object], part: str, job: Callable[[], T]) -> T:
    """Run ``job``; record its CPU seconds (all threads) and wall seconds in ``out[part]``."""
    cpu, wall = time.process_time(), time.perf_counter()
    result = job()
    out[part] = {"cpu": round(time.process_time() - cpu, 3), "wall": round(time.perf_counter() - wall, 3)}
    return result


def run_step(script: str, name: str, path: Path, root: Path | None = None) -> dict[str, object]:
    """``script --step name path`` in a process of its own, with the package of the checkout ``root`` when given
    (a baseline commit's): the figures it prints last, as JSON."""
    env = {**os.environ, "PYTHONPATH": str(root)} if root is not None else None
    done = subprocess.run(
        [sys.executable, script, "--step", name, str(path)], capture_output=True, text=True, check=True, env=env
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def run_step_on_copy(script: str, name: str, master: Path, copy: Path, root: Path | None = None) -> dict[str, object]:
    """``run_step`` on a fresh copy of ``master`` at ``copy``: each measured run starts from the same file."""
    shutil.copyfile(master, copy)
    return run_step(script, name, copy, root)


def ran_as_step(step: Callable[[str, Path], dict[str, object]]) -> bool:
    """When this process is ``script --step name path`` (as ``run_step`` starts it): run that step here, print its
    figures as JSON, and say so (the script's ``main`` then returns)."""
    if sys.argv[1:2] != ["--step"]:
        return False
    print(json.dumps(step(sys.argv[2], Path(sys.argv[3]))))
    return True


@contextlib.contextmanager
def work_folder(keep: Path | None) -> Iterator[Path]:
    """Where a run writes its files: ``keep`` (made when missing, left for the next run to reuse), else a temporary
    folder removed afterwards."""
    with tempfile.TemporaryDirectory() as temporary:
        work = keep or Path(temporary)
        work.mkdir(parents=True, exist_ok=True)
        yield work


def peak_mib() -> int:
    """This process's peak resident memory in MiB: VmHWM, which starts afresh at exec (Linux's ru_maxrss keeps the
    parent's peak across fork and exec), else ru_maxrss."""
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024)
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


def machine_line() -> str:
    """The closing line of a run: this process's peak RSS, the versions and the machine's load."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return (
        f"peak RSS: {peak:,.0f} MiB; Python {sys.version.split()[0]}, pandas {pd.__version__}, numpy {np.__version__}; "
        f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
    )
