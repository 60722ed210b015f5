"""Benchmark: the order-time credit check on a master with 1,000,000 sales lines, and CREDIT_AVAILABLE over
10,000 cells as one call.

Run by hand: ``python benchmarks/credit_check.py [--lines 1000000] [--in-memory]``. Figures go into
docs/receivables.md.

1. A master of 20,000 customers (credit grades A/B/C with limits), 1,000,000 Transactions lines (one document
   each, customers Pareto-skewed) and a receipt for about 60 % of them, written with ``save_master``.
2. ``load_master`` of that file (reported on its own: it is what ``credit check`` pays once per run).
3. ``run_credit_check`` for single customers on the loaded master: the busiest customer and nine others, best
   and median; for comparison, one replay of the whole ledger (``build_ledger``), which the check avoids.
4. CREDIT_AVAILABLE through xlwings' Windows UDF path (the harness of tests/test_udfs_xlwings.py) on 100,000
   sales lines passed as a range, with a column of 10,000 customer ids in one call: cold (the ledger is built)
   and cached (lookups only).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from keyacct_xl.analytics.credit_run import run_credit_check
from keyacct_xl.master.model import Master
from keyacct_xl.master.reader import load_master
from keyacct_xl.master.writer import save_master
from keyacct_xl.receivables.ledger import build_ledger

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from test_udfs_xlwings import MISSING, ComTime, windows_xlwings

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import machine_line  # (the closing line every benchmark prints)

CUSTOMERS, SEED = 20_000, 2026
START = pd.Timestamp("2024-11-01")


def demo_sized_master(lines: int, customers: int = CUSTOMERS, seed: int = SEED) -> Master:
    """``lines`` sales lines over two years, each its own document, with receipts for about 60 % of them."""
    rng = np.random.default_rng(seed)
    ids = np.array([f"K{i:05d}" for i in range(customers)], dtype=object)
    master = Master.empty()
    grade = rng.choice(np.array(["A", "B", "C"], dtype=object), customers, p=[0.3, 0.5, 0.2])
    limit = np.select([grade == "A", grade == "B"], [500_000.0, 200_000.0], 0.0)
    people = pd.DataFrame(
        {
            "customer_id": ids,
            "name": [f"客户{i}" for i in range(customers)],
            "credit_grade": grade,
            "credit_limit": limit,
            "payment_terms_days": np.select([grade == "A", grade == "B"], [60, 30], 0),
        }
    )
    master.customers = people.reindex(columns=master.customers.columns).astype(master.customers.dtypes.to_dict())
    weights = rng.pareto(1.2, customers) + 0.05
    who = np.concatenate(
        [rng.permutation(customers), rng.choice(customers, size=lines - customers, p=weights / weights.sum())]
    )
    days = rng.integers(0, 730, lines)
    dates = START + pd.to_timedelta(days, unit="D")
    docs = np.array([f"S{i:07d}" for i in range(lines)], dtype=object)
    amounts = np.round(rng.lognormal(7, 1.2, lines), 2)
    sales = pd.DataFrame({"doc_no": docs, "date": dates, "customer_id": ids[who], "amount": amounts})
    master.transactions = sales.reindex(columns=master.transactions.columns).astype(
        master.transactions.dtypes.to_dict()
    )
    paid = rng.random(lines) < 0.6
    late = rng.integers(10, 90, int(paid.sum()))
    receipts = pd.DataFrame(
        {
            "receipt_no": [f"R{i:07d}" for i in range(int(paid.sum()))],
            "date": dates[paid] + pd.to_timedelta(late, unit="D"),
            "customer_id": ids[who][paid],
            "amount": amounts[paid],
            "reference": docs[paid],
        }
    )
    master.payments = receipts.reindex(columns=master.payments.columns).astype(master.payments.dtypes.to_dict())
    return master


def timed(function) -> tuple[object, float]:
    """The result and the wall seconds of one call."""
    started = time.perf_counter()
    result = function()
    return result, time.perf_counter() - started


def bench_check(master: Master) -> None:
    """Single-customer checks on the loaded master, and one whole-ledger replay for comparison."""
    counts = master.transactions["customer_id"].value_counts()
    rng = np.random.default_rng(1)
    chosen = [counts.index[0], *rng.choice(counts.index.to_numpy(), 9, replace=False)]
    walls, cpus = [], []
    for cid in chosen:
        cpu = time.process_time()
        result, wall = timed(lambda cid=cid: run_credit_check(master, cid, 10_000.0, lang="en"))
        walls.append(wall)
        cpus.append(time.process_time() - cpu)
    print(
        f"credit check, busiest customer ({counts.iloc[0]:,} lines): {walls[0]:.3f} s wall / {cpus[0]:.3f} s CPU; "
        f"ten customers, wall: best {min(walls):.3f} s / median {statistics.median(walls):.3f} s / worst "
        f"{max(walls):.3f} s; CPU: median {statistics.median(cpus):.3f} s / worst {max(cpus):.3f} s "
        f"(last decision: {result.decision})"
    )
    _, whole = timed(lambda: build_ledger(master.transactions, master.payments, master.customers))
    print(f"for comparison, replaying the whole ledger once: {whole:.2f} s")


def com_range(frame: pd.DataFrame, header: tuple[str, ...], columns: list[str]) -> tuple[tuple[object, ...], ...]:
    """A table range as COM hands it over: a header row, then tuples of values (dates as COM dates)."""
    values = []
    for column in columns:
        series = frame[column]
        if column == "date":
            values.append([ComTime(d.year, d.month, d.day) for d in series])
        elif series.dtype == object:
            values.append(series.tolist())
        else:
            values.append([None if pd.isna(v) else float(v) for v in series])
    return (header, *zip(*values))


def bench_udf(master: Master) -> None:
    """CREDIT_AVAILABLE on a 100,000-line slice passed as ranges, 10,000 ids in one call: cold and cached."""
    tx = master.transactions.head(100_000)
    pay = master.payments[master.payments["reference"].isin(set(tx["doc_no"]))]
    customers = com_range(
        master.customers,
        ("客户编号", "客户名称", "信用等级", "信用额度", "账期天数"),
        ["customer_id", "name", "credit_grade", "credit_limit", "payment_terms_days"],
    )
    sales = com_range(tx, ("单据编号", "日期", "客户编号", "金额"), ["doc_no", "date", "customer_id", "amount"])
    receipts = com_range(
        pay,
        ("收款单号", "收款日期", "客户编号", "收款金额", "参考单号"),
        ["receipt_no", "date", "customer_id", "amount", "reference"],
    )
    ids = tuple((cid,) for cid in master.customers["customer_id"].head(10_000))
    with windows_xlwings() as excel:
        excel.module.cache._entries.clear()
        result, cold = timed(lambda: excel.call("CREDIT_AVAILABLE", ids, customers, sales, receipts, MISSING))
        _, warm = timed(lambda: excel.call("CREDIT_AVAILABLE", ids, customers, sales, receipts, MISSING))
    numbers = sum(isinstance(r[0], float) for r in result)  # type: ignore[union-attr]
    print(
        f"CREDIT_AVAILABLE, 10,000 cells in one call on {len(tx):,} sales / {len(pay):,} receipts: cold "
        f"{cold:.2f} s, cached {warm:.3f} s ({warm / 10_000 * 1e6:.1f} µs per cell); {numbers:,} amounts"
    )


def main() -> None:
    """Print the figures."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--in-memory", action="store_true", help="skip writing and loading the master file")
    args = parser.parse_args()
    master, built = timed(lambda: demo_sized_master(args.lines))
    print(
        f"{args.lines:,} sales lines, {len(master.payments):,} receipts, {CUSTOMERS:,} customers: built in "
        f"{built:.1f} s"
    )
    if not args.in_memory:
        with tempfile.TemporaryDirectory(prefix="credit-bench-") as folder:
            path = Path(folder) / "master.xlsx"
            _, wrote = timed(lambda: save_master(master, path, backup=False))
            print(f"save_master (setup): {wrote:.1f} s, {path.stat().st_size / 2**20:,.0f} MiB")
            master, loaded = timed(lambda: load_master(path))
            print(f"load_master: {loaded:.1f} s")
    bench_check(master)
    bench_udf(master)
    print(machine_line())


if __name__ == "__main__":
    main()
