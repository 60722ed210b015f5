"""Benchmark: the general manager's monthly pack on the demo master and on a master with about 1,000,000 sales lines,
each against loading the master alone in the same run; the customer fact sheet of one customer and of a rep's.

Run by hand: ``python benchmarks/briefing.py [--lines 1000000] [--work DIR]``. Figures go into docs/briefing.md.
Targets (issue 16): the pack under 10 s on the demo master, under 60 s on 1,000,000 sales lines.

Two masters, written with ``save_master``: the demo company (``generate_demo``, 600 customers), and the synthetic
master of benchmarks/credit_check.py (20,000 customers, ``--lines`` sales lines over two years to 2026-10-31, each
its own document, receipts for about 60 %) with a region, grade and rep per customer and a product category per
line added, so every cut of the pack has groups. Then, for each, in this process:
``load_master`` and ``load_store`` of the file (what the command pays before any figure), ``run_gm_pack`` of the last
full month with the workbook written, and ``run_fact_sheet`` of the busiest customer and of every customer of the
busiest rep. Wall seconds and CPU seconds of this process (all threads), so a busy machine shows as the gap.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from keyacct_xl.briefing.usecase import last_full_month, run_fact_sheet, run_gm_pack
from keyacct_xl.consolidate.store import load_store
from keyacct_xl.demo.company import generate_demo
from keyacct_xl.master.model import Master
from keyacct_xl.master.reader import load_master
from keyacct_xl.master.writer import save_master

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import work_folder  # (where the other benchmarks keep their files)
from credit_check import demo_sized_master  # (the synthetic 1,000,000-line master of the credit check)


def timed(job: Callable[[], Any]) -> tuple[Any, float, float]:
    """The result, wall seconds and CPU seconds of one call."""
    wall, cpu = time.perf_counter(), time.process_time()
    result = job()
    return result, time.perf_counter() - wall, time.process_time() - cpu


def large_master(lines: int) -> Master:
    """The credit check's synthetic master with the columns the pack cuts by."""
    master = demo_sized_master(lines)
    rng = np.random.default_rng(7)
    n = len(master.customers)
    master.customers["region"] = rng.choice(np.array(["华东", "华北", "华南", "西南", "东北"], dtype=object), n)
    master.customers["grade"] = rng.choice(np.array(["VIP", "A", "B", "C"], dtype=object), n, p=[0.02, 0.1, 0.4, 0.48])
    master.customers["rep"] = np.array([f"业务员{i % 200:03d}" for i in range(n)], dtype=object)
    master.customers["category"] = rng.choice(np.array(["经销商", "零售", "工程"], dtype=object), n)
    categories = np.array(["饮料", "食品", "日化", "酒类", "乳品", "调味品"], dtype=object)
    master.transactions["category"] = rng.choice(categories, len(master.transactions))
    return master


def bench(name: str, build: Callable[[], Master], work: Path) -> None:
    """Build, save and load one master; time the pack and the fact sheets; print one block of figures."""
    path = work / f"master_{name}.xlsx"
    if not path.exists():
        _, built, _ = timed(lambda: save_master(build(), path, backup=False))
        print(f"{name}: master built and saved in {built:.1f} s ({path.stat().st_size / 2**20:.1f} MiB)")
    master, load_wall, load_cpu = timed(lambda: load_master(path))
    store, store_wall, store_cpu = timed(lambda: load_store(path))
    lines = len(master.transactions)
    month = str(last_full_month(master))
    pack, pack_wall, pack_cpu = timed(
        lambda: run_gm_pack(master, store.frames, period=month, out=work / f"gm_{name}.xlsx")
    )
    busiest = master.transactions["customer_id"].value_counts()
    _, one_wall, _ = timed(
        lambda: run_fact_sheet(master, store.frames, customer_ids=[str(busiest.index[0])], out=work / "one.xlsx")
    )
    rep = master.customers["rep"].value_counts().index[0]
    many, many_wall, _ = timed(lambda: run_fact_sheet(master, store.frames, rep=str(rep), out=work / "rep.xlsx"))
    print(
        f"{name}: {len(master.customers):,} customers, {lines:,} sales lines, {len(master.payments):,} payments, "
        f"month {month}:\n"
        f"  load_master {load_wall:.2f} s (CPU {load_cpu:.2f} s), "
        f"load_store {store_wall:.2f} s (CPU {store_cpu:.2f} s)\n"
        f"  run_gm_pack with the workbook {pack_wall:.2f} s (CPU {pack_cpu:.2f} s): {pack.summary('en')}\n"
        f"  fact sheet of the busiest customer ({busiest.iloc[0]:,} lines) {one_wall:.2f} s; of rep {rep}'s "
        f"{len(many.sheets)} customers {many_wall:.2f} s"
    )
    print(f"  peak memory so far {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20:.2f} GB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--work", type=Path, help="keep the masters here and reuse them")
    args = parser.parse_args()
    with work_folder(args.work) as work:
        bench("demo", lambda: generate_demo(customers=600), work)
        bench(f"{args.lines}_lines", lambda: large_master(args.lines), work)


if __name__ == "__main__":
    main()
