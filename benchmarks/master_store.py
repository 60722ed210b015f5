"""Benchmark: what ``report gm`` (and ``reps``, ``account``) pays to read a large master before any figure: the
master and its consolidation tables (plans, targets, complaints, Customers with provenance) read twice, as before
(``load_master``, then the consolidation tables through calamine cell by cell, the workbook opened again), against
once (``load_master_store``: one read of the workbook, or none, every table from the load cache).

Run by hand: ``python benchmarks/master_store.py [--lines 1000000] [--rounds 2] [--work DIR]``. Figures go into
docs/scale.md.

The master is benchmarks/briefing.py's large one (20,000 customers, ``--lines`` sales lines, receipts for about
60 %), saved with ``save_master`` (a master of 8 MiB or more is cached without a store). Each way runs in a process of
its own, its cache removed first: "cold" is the first load (every table read from the workbook, then cached), "warm"
the second (nothing changed; the tables under the memory bound of keyacct_xl/master/tablememo.py come from
memory); the two reads are timed apart ("load_master", "store again"), and after the one read
``load_store`` alone (the consolidation tables from the cache). The two ways alternate in ``--rounds`` rounds on a
busy machine; CPU seconds (all threads) are the figure to read, wall seconds and the process's peak RSS (imports
included) beside them.
"""

from __future__ import annotations

import argparse
import functools
import json
import shutil
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import (  # (what the other benchmarks measure alike)
    machine_line,
    peak_mib,
    ran_as_step,
    run_step,
    timed_part,
    work_folder,
)


def store_read_again(path: Path) -> object:
    """``load_store`` as it was before one read served both (the second read of ``report gm``): the workbook opened
    again with calamine, every consolidation table converted cell by cell, Settings parsed again."""
    from keyacct_xl.consolidate.store import Store, coded_columns
    from keyacct_xl.master.model import empty_frame
    from keyacct_xl.master.reader import open_book, read_settings, read_table
    from keyacct_xl.master.schema import CUSTOMERS
    from keyacct_xl.master.submissions import ALL_CONSOLIDATION_TABLES

    book = open_book(path)
    present = set(book.table_names)
    frames, headers, lang = {}, {}, "zh"
    for name, schema in ALL_CONSOLIDATION_TABLES.items():
        if name not in present:
            frames[name], headers[name] = empty_frame(schema), {}
            continue
        frames[name], headers[name], sheet = read_table(book, schema, path)
        if name == CUSTOMERS.name:
            lang = "zh" if sheet == CUSTOMERS.sheet_zh else "en"
    for (table, column), labels in coded_columns().items():
        codes = {label: code for code, pair in labels.items() for label in (code, *pair)}
        coded = frames[table][column]
        frames[table][column] = coded.map(lambda v, c=codes: c.get(str(v).strip(), v), na_action="ignore")
    return Store(path, lang, frames, headers, read_settings(book, path), {n: len(f) for n, f in frames.items()})


def step(way: str, path: Path) -> dict[str, object]:
    """One way, cold then warm, in this process."""
    from keyacct_xl.consolidate.store import load_master_store, load_store
    from keyacct_xl.history.store import CACHE_FOLDER, store_path
    from keyacct_xl.master.reader import load_master

    shutil.rmtree(store_path(path) / CACHE_FOLDER, ignore_errors=True)
    out: dict[str, object] = {}
    for load in ("cold", "warm"):
        if way == "twice":  # the two parts timed apart: what the second read adds
            timed_part(out, f"{load} load_master", functools.partial(load_master, path))
            timed_part(out, f"{load} store again", functools.partial(store_read_again, path))
        else:
            timed_part(out, f"{load} load_master_store", functools.partial(load_master_store, path))
    if way == "once":
        timed_part(out, "warm load_store", functools.partial(load_store, path))  # the consolidation tables alone
    out["peak_mib"] = peak_mib()
    return out


def main() -> None:
    if ran_as_step(step):
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--work", type=Path, help="keep the master here and reuse it")
    args = parser.parse_args()
    with work_folder(args.work) as work:
        path = work / f"master_{args.lines}_lines.xlsx"
        if not path.exists():
            from briefing import large_master

            from keyacct_xl.master.writer import save_master

            started = time.perf_counter()
            save_master(large_master(args.lines), path, backup=False)
            took = time.perf_counter() - started
            print(f"master of {args.lines:,} sales lines built in {took:.0f} s ({path.stat().st_size / 2**20:.1f} MiB)")
        for _ in range(args.rounds):
            for way in ("twice", "once"):
                print(f"{way:<6}", json.dumps(run_step(__file__, way, path)))
        print(machine_line())


if __name__ == "__main__":
    main()
