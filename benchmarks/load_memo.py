"""Benchmark: a master loaded again in the same process, with the tables kept in memory (keyacct_xl/master/tablememo.py)
against without (every load parsing the workbook, as before), on the demo company's master (600 customers, no
history store, so no Parquet cache either); and the whole ``keyacct-xl demo`` run, whose steps load the master
several times, both ways.

Run by hand: ``python benchmarks/load_memo.py [--rounds 2] [--work DIR]``. Figures go into docs/history.md.

Each way runs in a process of its own ("without" sets the memory bound to 0 cells, so nothing is kept); the ways
alternate in ``--rounds`` rounds. CPU seconds (all threads) are the figure to read on a busy machine, wall seconds
and the process's peak RSS (imports included) beside them.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import io
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import (  # (measured as the others)
    demo_master,
    machine_line,
    peak_mib,
    ran_as_step,
    run_step,
    timed_part,
    work_folder,
)

WAYS = ("without", "with")


def step(way: str, path: Path) -> dict[str, object]:
    """Three loads of the master, then the demo command into a folder beside it, in this process."""
    from keyacct_xl.cli.main import main
    from keyacct_xl.master import tablememo
    from keyacct_xl.master.reader import load_master

    if way == "without":
        tablememo.MEMO_CELLS = 0
    out: dict[str, object] = {}
    for load in ("first load", "second load", "third load"):
        timed_part(out, load, functools.partial(load_master, path))
    with contextlib.redirect_stdout(io.StringIO()):
        timed_part(out, "demo command", functools.partial(main, ["demo", "--out", str(path.parent / way)]))
    out["peak_mib"] = peak_mib()
    return out


def main() -> None:
    if ran_as_step(step):
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--work", type=Path, help="keep the master here and reuse it")
    args = parser.parse_args()
    with work_folder(args.work) as work:
        path = demo_master(work / "master.xlsx", seed=20261130)
        for _ in range(args.rounds):
            for way in WAYS:
                print(f"{way:<8}", json.dumps(run_step(__file__, way, path)))
        print(machine_line())


if __name__ == "__main__":
    main()
