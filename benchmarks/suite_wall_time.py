"""Benchmark: the test suite's wall time against the suite issue 11 measured (545 tests, 205 s, one process).

Run by hand from the repository: ``python benchmarks/suite_wall_time.py [--rounds N] [--whole]``. Figures go into
docs/development.md ("Wall time of the suite"). Target (issue 11): at most half of the baseline's wall time.

In the same run, on the same machine, one after the other (``--rounds`` alternates them to show the spread):
- **baseline**: the repository at commit e0f108b, the suite as the issue measured it (545 tests, pytest in one
  process), in a checkout of its own with its own editable install (a venv on this Python's packages);
- **the same tests today**: those 545 tests by node id (two were renamed since; ``RENAMED`` maps them), run by this
  checkout's suite as it runs now (pytest-xdist on every core, the demo built once);
- **the whole suite today** (``--whole``): ``python -m pytest -q`` as README says.
Wall time from ``time.perf_counter``; CPU is user + system of the finished child processes (``RUSAGE_CHILDREN``).
The git history must hold the baseline commit (a full clone does). ``shared/`` beside the repository is laid
beside the baseline's checkout too, as the tests of both expect.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BASELINE = "e0f108b"
REPO = Path(__file__).resolve().parent.parent
# Node ids of the baseline's tests renamed since: the test that followed each (same checks, a wider rule).
RENAMED = {
    "tests/test_forms_prefill.py::test_due_visits_follow_last_visit_and_grade_interval": (
        "tests/test_forms_prefill.py::test_due_visits_follow_last_visit_and_the_visit_policy"
    ),
    "tests/test_master_io.py::test_export_keeps_the_users_sheets": (
        "tests/test_master_io.py::test_export_keeps_the_users_sheets_unless_personal_data_is_left_out"
    ),
}


def run(args: list[str], cwd: Path, *, must_pass: bool = True) -> tuple[float, float, str]:
    """Wall seconds, CPU seconds of the children and the last line of output of ``args`` run in ``cwd``; a failed
    run stops the benchmark unless ``must_pass`` is off (the baseline's own flaky tests: its last line says so)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(args, cwd=cwd, capture_output=True, text=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    lines = done.stdout.strip().splitlines()
    last = lines[-1] if lines else done.stderr.strip()[-300:]
    if done.returncode != 0 and must_pass:
        sys.exit(f"{' '.join(args[:4])} … in {cwd} failed:\n{done.stdout[-3000:]}\n{done.stderr[-2000:]}")
    return wall, cpu, last


def baseline_checkout(work: Path) -> tuple[Path, Path]:
    """The baseline commit checked out in ``work`` with ``shared/`` beside it, and the Python of its own venv."""
    checkout = work / "baseline"
    subprocess.run(["git", "worktree", "add", "-q", "--detach", str(checkout), BASELINE], cwd=REPO, check=True)
    shared = REPO.parent / "shared"
    if shared.is_dir():
        (work / "shared").symlink_to(shared)
    venv = work / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", str(venv)], check=True)
    python = venv / "bin" / "python"
    install = [str(python), "-m", "pip", "install", "-q", "--no-deps", "-e", str(checkout)]
    subprocess.run(install, check=True, stdout=subprocess.DEVNULL)
    return checkout, python


def baseline_ids(checkout: Path, python: Path) -> list[str]:
    """The baseline suite's node ids, mapped to today's names."""
    listing = subprocess.run(
        [str(python), "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider", "-p", "no:xdist"],
        cwd=checkout,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return [RENAMED.get(line, line) for line in listing.splitlines() if "::" in line]


def main() -> None:
    """Time the baseline, the same tests today and (``--whole``) today's whole suite, alternating per round."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--whole", action="store_true", help="also time today's whole suite")
    options = parser.parse_args()
    pytest_today = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"]
    with tempfile.TemporaryDirectory(prefix="suite-bench-") as folder:
        work = Path(folder)
        checkout, python = baseline_checkout(work)
        try:
            ids = baseline_ids(checkout, python)
            id_file = work / "baseline-tests.txt"
            id_file.write_text("\n".join(ids) + "\n", encoding="utf-8")
            print(f"baseline {BASELINE}: {len(ids)} tests; load {os.getloadavg()[0]:.1f} at the start")
            for round_number in range(1, options.rounds + 1):
                runs = [
                    ("baseline, one process", [str(python), "-m", "pytest", "-q", "-p", "no:cacheprovider"], checkout),
                    ("the same tests today", [*pytest_today, f"@{id_file}"], REPO),
                ]
                if options.whole:
                    runs.append(("the whole suite today", pytest_today, REPO))
                for name, args, cwd in runs:
                    # The baseline's kill test can fail on a temporary report a killed run left (fixed since): its
                    # time still counts, and the line printed says it failed.
                    wall, cpu, last = run(args, cwd, must_pass=cwd == REPO)
                    print(f"round {round_number} | {name} | {wall:.1f} s wall | {cpu:.0f} s CPU | {last}")
            print(f"load {os.getloadavg()[0]:.1f} at the end")
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(checkout)], cwd=REPO, check=False)
            shutil.rmtree(work / "venv", ignore_errors=True)


if __name__ == "__main__":
    main()
