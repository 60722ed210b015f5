"""Benchmark the Excel bridge's Python side (run by hand: ``python benchmarks/bridge.py``).

1. Per-call overhead of RFM_SCORE through xlwings' own Windows UDF path (call_udf: argument conversion, our
   wrapper, result conversion), for one cell and for one call on whole columns. Excel's COM round trip
   (milliseconds per call) comes on top and is not measurable here.
2. RFM_TABLE on 100,000 transaction lines passed as Excel hands over a table range: cold, and cached.

Uses the same stubbed-pywin32 harness as tests/test_udfs_xlwings.py. Figures go into docs/excel.md.
"""

from __future__ import annotations

import resource
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from test_udfs_xlwings import MISSING, ComTime, windows_xlwings

BREAKS = ((10.0, 20.0, 30.0, 40.0), (1.0, 2.0, 3.0, 4.0), (100.0, 200.0, 300.0, 400.0))


def per_call(call, repeat: int = 2_000) -> float:
    """Mean seconds per single-cell RFM_SCORE call."""
    call("RFM_SCORE", 5.0, 5.0, 250.0, BREAKS)
    start = time.perf_counter()
    for i in range(repeat):
        call("RFM_SCORE", float(i % 60), float(i % 7), float(i * 13 % 900), BREAKS)
    return (time.perf_counter() - start) / repeat


def column_call(call, rows: int = 10_000) -> float:
    """Seconds for one RFM_SCORE call on three columns of ``rows`` cells."""
    rng = np.random.default_rng(1)
    columns = [tuple((float(v),) for v in rng.integers(1, 1_000, rows)) for _ in range(3)]
    start = time.perf_counter()
    result = call("RFM_SCORE", *columns, BREAKS)
    elapsed = time.perf_counter() - start
    assert len(result) == rows
    return elapsed


def transactions(lines: int = 100_000, customers: int = 5_000) -> tuple[tuple[object, ...], ...]:
    """A Transactions[#All] range as COM hands it over: header row, then tuples of cell values."""
    rng = np.random.default_rng(2)
    days = rng.integers(0, 730, lines)
    ids = rng.integers(1, customers + 1, lines)
    amounts = np.round(rng.lognormal(8, 1, lines), 2)
    base = ComTime(2025, 1, 1)
    epoch = base.toordinal()
    rows = [("单据编号", "日期", "客户编号", "金额")]
    rows += [(f"S{i:06d}", ComTime.fromordinal(epoch + int(d)), f"C{c:05d}", float(a))
             for i, (d, c, a) in enumerate(zip(days, ids, amounts, strict=True))]
    return tuple(rows)


def main() -> None:
    """Print the figures."""
    with windows_xlwings() as excel:
        single = per_call(excel.call)
        column = column_call(excel.call)
        table = transactions()
        excel.module.cache._entries.clear()
        start = time.perf_counter()
        result = excel.call("RFM_TABLE", table, ComTime(2026, 12, 31), MISSING)
        cold = time.perf_counter() - start
        start = time.perf_counter()
        excel.call("RFM_TABLE", table, ComTime(2026, 12, 31), MISSING)
        warm = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"RFM_SCORE, one cell: {single * 1e6:,.0f} µs per call (Python side)")
    print(f"RFM_SCORE, 10,000-row columns in one call: {column * 1e3:,.0f} ms ({column / 10_000 * 1e6:.1f} µs/row)")
    print(f"RFM_TABLE, 100,000 lines -> {len(result) - 1:,} customers: cold {cold:.2f} s, cached {warm:.2f} s")
    print(f"peak RSS: {peak:,.0f} MB; Python {sys.version.split()[0]}")


if __name__ == "__main__":
    main()
