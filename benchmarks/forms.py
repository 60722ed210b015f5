"""Benchmark: every blank form (zh, en, bilingual), and pre-filled weekly plans for 200 reps.

Run by hand: ``python benchmarks/forms.py [--reps 200] [--customers-per-rep 40]``. Figures go into docs/forms.md.

The master for the plans is synthetic (200 reps, 40 customers each, about six visits per customer over a year),
built in memory and saved once to a real file, then read back with load_master as the CLI does; the timing covers
prefill (due visits) plus writing each workbook to disk, best of three for the blank catalog.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from keyacct_xl.forms.catalog import load_catalog, load_form
from keyacct_xl.forms.generator import write_form
from keyacct_xl.forms.prefill import prefill
from keyacct_xl.master.model import Master, dtype_for
from keyacct_xl.master.reader import load_master
from keyacct_xl.master.schema import CUSTOMERS, VISITS, TableSchema
from keyacct_xl.master.writer import save_master

WEEK = "2026-W48"
GRADES = np.array(["VIP", "A", "B", "C"])


def _frame(schema: TableSchema, columns: dict[str, object]) -> pd.DataFrame:
    frame = pd.DataFrame(columns).reindex(columns=schema.keys)
    return frame.astype({c.key: dtype_for(c.kind) for c in schema.columns})


def synthetic_master(reps: int, per_rep: int, seed: int = 2026) -> Master:
    """``reps`` reps with ``per_rep`` customers each and a year of visits."""
    rng = np.random.default_rng(seed)
    n = reps * per_rep
    ids = np.array([f"C{i:06d}" for i in range(n)], dtype=object)
    rep_names = np.array([f"业务员{i:03d}" for i in range(reps)], dtype=object)
    master = Master.empty()
    master.customers = _frame(
        CUSTOMERS,
        {
            "customer_id": ids,
            "name": [f"客户{i:06d}有限公司" for i in range(n)],
            "region": np.repeat([f"区域{i // 10:02d}" for i in range(reps)], per_rep),
            "route_seq": np.tile(np.arange(1, per_rep + 1), reps),
            "grade": rng.choice(GRADES, n, p=[0.05, 0.15, 0.4, 0.4]),
            "rep": np.repeat(rep_names, per_rep),
        },
    )
    visits = int(n * 6)
    master.visits = _frame(
        VISITS,
        {
            "date": pd.Timestamp("2025-11-24") + pd.to_timedelta(rng.integers(0, 364, visits), unit="D"),
            "customer_id": rng.choice(ids, visits),
            "rep": "",
            "content": "例行拜访",
        },
    )
    return master


def peak_rss_mb() -> float:
    """Peak resident set size of this process so far, in MB (ru_maxrss is KB on Linux, bytes on macOS)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024 if sys.platform == "darwin" else 1024)


def bench_blank(out: Path) -> None:
    specs = load_catalog()
    for lang in ("zh", "en", "bilingual"):
        best = float("inf")
        for _ in range(3):
            start = time.perf_counter()
            for spec in specs:
                write_form(out / f"{spec.id}_{lang}.xlsx", spec, lang=lang, company="示例贸易有限公司")
            best = min(best, time.perf_counter() - start)
        size = sum((out / f"{s.id}_{lang}.xlsx").stat().st_size for s in specs)
        print(f"blank {lang:<9}: {len(specs)} forms in {best:.2f} s (best of 3), {size / 1024:.0f} KB in all")


def bench_plans(out: Path, reps: int, per_rep: int) -> None:
    start = time.perf_counter()
    path = save_master(synthetic_master(reps, per_rep), out / "master.xlsx", backup=False)
    took = time.perf_counter() - start
    print(f"synthetic master: {reps} reps, {reps * per_rep:,} customers, written in {took:.1f} s")
    start = time.perf_counter()
    master = load_master(path)
    print(f"load_master: {time.perf_counter() - start:.2f} s ({len(master.visits):,} visits)")
    spec = load_form("weekly_plan")
    rep_names = sorted(master.customers["rep"].dropna().unique())
    start = time.perf_counter()
    due = 0
    for rep in rep_names:
        data = prefill(spec, master, rep=rep, period=WEEK)
        due += len(data.rows["plan"])
        write_form(out / f"weekly_plan_{rep}_{WEEK}.xlsx", spec, data=data)
    took = time.perf_counter() - start
    each = took / len(rep_names) * 1000
    print(
        f"pre-filled weekly plans: {len(rep_names)} reps in {took:.1f} s ({each:.0f} ms each), "
        f"{due:,} due customers listed"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=200)
    parser.add_argument("--customers-per-rep", type=int, default=40)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        bench_blank(Path(tmp))
        bench_plans(Path(tmp), args.reps, args.customers_per_rep)
    print(f"peak RSS: {peak_rss_mb():.0f} MB")


if __name__ == "__main__":
    main()
