"""Benchmark: reconciling 100,000 against 100,000 statement lines, and ageing the demo ledger.

Run by hand: ``python benchmarks/receivables.py``. Prints wall time per step and peak RSS; the figures go
into docs/receivables.md.
"""

from __future__ import annotations

import os
import resource
import statistics
import sys
import time

import numpy as np
import pandas as pd

from keyacct_xl.receivables.ageing import age_ledger
from keyacct_xl.receivables.ledger import build_ledger
from keyacct_xl.receivables.matching import MatchOptions
from keyacct_xl.receivables.reconcile import reconcile
from keyacct_xl.receivables.statement_reader import Statement


def peak_rss_mb() -> float:
    """Peak resident set size of this process in MB (Linux reports KB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def synthetic(n: int, seed: int = 1) -> tuple[Statement, Statement]:
    """Our n lines and the customer's: 70 % with our reference, 25 % without, planted splits, typos, gaps."""
    rng = np.random.default_rng(seed)
    days = np.sort(rng.integers(0, 365, n))
    dates = pd.Timestamp("2026-01-01") + pd.to_timedelta(days, unit="D")
    cents = rng.integers(1_000, 5_000_000, n)
    sign = np.where(rng.random(n) < 0.35, -1, 1)
    amounts = sign * cents / 100
    refs = np.array([f"XS{i:07d}" for i in range(n)], dtype=object)
    ours = pd.DataFrame(
        {"row": [str(i + 2) for i in range(n)], "date": dates, "ref": refs, "description": "", "amount": amounts}
    )
    kind = rng.random(n)
    rows = []
    for i in range(n):
        ref = refs[i] if kind[i] < 0.70 else ""
        if kind[i] > 0.999:  # left out: in transit or missing
            continue
        amount = amounts[i]
        if 0.995 < kind[i] <= 0.997:  # a typo, kept with its reference
            rows.append((dates[i], refs[i], round(amount * 1.09, 2)))
        elif 0.990 < kind[i] <= 0.995 and abs(amount) > 100:  # split in two
            part = round(amount * 0.4, 2)
            rows.append((dates[i], "", part))
            rows.append((dates[i] + pd.Timedelta(days=1), "", round(amount - part, 2)))
        else:
            rows.append((dates[i], ref, amount))
            if 0.997 < kind[i] <= 0.998:  # a duplicate
                rows.append((dates[i], ref, amount))
    theirs = pd.DataFrame(rows, columns=["date", "ref", "amount"])
    theirs.insert(0, "row", [str(i + 8) for i in range(len(theirs))])
    theirs["description"] = ""
    for frame in (ours, theirs):
        frame["date"] = frame["date"].astype("datetime64[ns]")
    return (
        Statement("ours.xlsx", "", ours, 0.0, None),
        Statement("theirs.xlsx", "", theirs[["row", "date", "ref", "description", "amount"]], 0.0, None),
    )


def bench_reconcile(n: int, repeats: int = 3) -> None:
    """Best and median of a few runs: the machine is shared, so single runs are noisy."""
    ours, theirs = synthetic(n)
    walls, cpus = [], []
    for _ in range(repeats):
        started, cpu = time.perf_counter(), time.process_time()
        result = reconcile(ours, theirs, options=MatchOptions(), lang="en")
        walls.append(time.perf_counter() - started)
        cpus.append(time.process_time() - cpu)
    counts = result.table["status"].value_counts().to_dict()
    print(
        f"reconcile {len(ours.lines):,} vs {len(theirs.lines):,} lines, {repeats} runs: wall best "
        f"{min(walls):.2f} s / median {statistics.median(walls):.2f} s, CPU best {min(cpus):.2f} s / median "
        f"{statistics.median(cpus):.2f} s; {counts}; remainder {result.remainder}; notes {result.notes}"
    )


def bench_group_bound(n: int) -> None:
    """Worst case for pass 3: n unmatched lines on each side, all on the same few days."""
    rng = np.random.default_rng(2)
    day = pd.Timestamp("2026-06-01")
    ours = pd.DataFrame(
        {
            "row": [str(i) for i in range(n)],
            "date": day + pd.to_timedelta(rng.integers(0, 3, n), "D"),
            "ref": "",
            "description": "",
            "amount": rng.integers(100_000, 900_000, n) / 100,
        }
    )
    theirs = ours.assign(amount=rng.integers(1_000, 90_000, n) / 100 + 0.003)
    options = MatchOptions()
    started, cpu = time.perf_counter(), time.process_time()
    result = reconcile(Statement("o", "", ours, None, None), Statement("t", "", theirs, None, None), options=options)
    print(
        f"group search worst case, {n:,} vs {n:,} unmatched lines: {time.perf_counter() - started:.2f} s wall, "
        f"{time.process_time() - cpu:.2f} s CPU; notes {result.notes}"
    )


def bench_ageing() -> None:
    from keyacct_xl.demo.company import generate_demo

    master = generate_demo(seed=2026, customers=600, lang="zh")
    started = time.perf_counter()
    ledger = build_ledger(master.transactions, master.payments, master.customers)
    built = time.perf_counter()
    table = age_ledger(ledger, master.customers)
    done = time.perf_counter()
    print(
        f"demo ledger ({len(master.transactions):,} lines, {len(master.payments):,} receipts, "
        f"{len(ledger.invoices):,} documents): build {built - started:.2f} s, ageing {done - built:.3f} s, "
        f"total {done - started:.2f} s; {len(table)} customers"
    )


if __name__ == "__main__":
    size = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    bench_reconcile(size)
    bench_group_bound(20_000)
    bench_ageing()
    print(f"peak RSS {peak_rss_mb():.0f} MB; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
