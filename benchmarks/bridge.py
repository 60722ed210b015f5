"""Benchmark the Excel bridge's Python side (run by hand: ``python benchmarks/bridge.py``).

1. Per-call overhead of RFM_SCORE through xlwings' own Windows UDF path (call_udf: argument conversion, our
   wrapper, result conversion), for one cell and for one call on whole columns. Excel's COM round trip
   (milliseconds per call) comes on top and is not measurable here.
2. RFM_TABLE on 100,000 transaction lines passed as Excel hands over a table range: cold, and cached.

Uses the same stubbed-pywin32 harness as tests/test_udfs_xlwings.py. Figures go into docs/excel.md.
"""

from __future__ import annotations

import os
import resource
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from test_udfs_xlwings import MISSING, ComTime, windows_xlwings

BREAKS = ((10.0, 20.0, 30.0, 40.0), (1.0, 2.0, 3.0, 4.0), (100.0, 200.0, 300.0, 400.0))


def timed(function) -> tuple[object, float, float]:
    """The result, wall seconds and CPU seconds of this process (the machine may be shared)."""
    wall, cpu = time.perf_counter(), time.process_time()
    result = function()
    return result, time.perf_counter() - wall, time.process_time() - cpu


def per_call(call, repeat: int = 2_000) -> tuple[float, float]:
    """Mean wall and CPU seconds per single-cell RFM_SCORE call."""
    call("RFM_SCORE", 5.0, 5.0, 250.0, BREAKS)
    _, wall, cpu = timed(
        lambda: [call("RFM_SCORE", float(i % 60), float(i % 7), float(i * 13 % 900), BREAKS) for i in range(repeat)]
    )
    return wall / repeat, cpu / repeat


def column_call(call, rows: int = 10_000) -> tuple[float, float]:
    """Wall and CPU seconds for one RFM_SCORE call on three columns of ``rows`` cells."""
    rng = np.random.default_rng(1)
    columns = [tuple((float(v),) for v in rng.integers(1, 1_000, rows)) for _ in range(3)]
    result, wall, cpu = timed(lambda: call("RFM_SCORE", *columns, BREAKS))
    assert len(result) == rows
    return wall, cpu


def transactions(lines: int = 100_000, customers: int = 5_000) -> tuple[tuple[object, ...], ...]:
    """A Transactions[#All] range as COM hands it over: header row, then tuples of cell values."""
    rng = np.random.default_rng(2)
    days = rng.integers(0, 730, lines)
    ids = rng.integers(1, customers + 1, lines)
    amounts = np.round(rng.lognormal(8, 1, lines), 2)
    base = ComTime(2025, 1, 1)
    epoch = base.toordinal()
    rows = [("单据编号", "日期", "客户编号", "金额")]
    rows += [
        (f"S{i:06d}", ComTime.fromordinal(epoch + int(d)), f"C{c:05d}", float(a))
        for i, (d, c, a) in enumerate(zip(days, ids, amounts, strict=True))
    ]
    return tuple(rows)


def main() -> None:
    """Print the figures."""
    with windows_xlwings() as excel:
        single = per_call(excel.call)
        column = column_call(excel.call)
        table = transactions()
        excel.module.cache._entries.clear()
        result, cold, cold_cpu = timed(lambda: excel.call("RFM_TABLE", table, ComTime(2026, 12, 31), MISSING))
        _, warm, warm_cpu = timed(lambda: excel.call("RFM_TABLE", table, ComTime(2026, 12, 31), MISSING))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"RFM_SCORE, one cell: {single[0] * 1e6:,.0f} µs wall, {single[1] * 1e6:,.0f} µs CPU per call")
    print(
        f"RFM_SCORE, 10,000-row columns in one call: {column[0] * 1e3:,.0f} ms wall, {column[1] * 1e3:,.0f} ms CPU "
        f"({column[1] / 10_000 * 1e6:.1f} µs CPU per row)"
    )
    print(
        f"RFM_TABLE, 100,000 lines -> {len(result) - 1:,} customers: cold {cold:.2f} s wall / {cold_cpu:.2f} s CPU, "
        f"cached {warm:.2f} s wall / {warm_cpu:.2f} s CPU"
    )
    print(
        f"peak RSS: {peak:,.0f} MB; Python {sys.version.split()[0]}; load average {os.getloadavg()[0]:.1f} "
        f"on {os.cpu_count()} cores"
    )


if __name__ == "__main__":
    main()
