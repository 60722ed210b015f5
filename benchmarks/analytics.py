"""Benchmark: RFM on 1,000,000 sales lines / 100,000 customers against lifetimes, and grading 100,000 customers.

Run by hand: ``python benchmarks/analytics.py [--lifetimes-python PATH]``. Figures go into docs/analytics.md.

The baseline is the common recipe ``lifetimes.utils.summary_data_from_transaction_data`` on the same frame.
lifetimes 0.11.3 does not import with pandas 3 / numpy 2, so unless it imports here the baseline runs in a
subprocess of a separate environment (``python -m venv /tmp/lt && /tmp/lt/bin/pip install lifetimes
"pandas<2.2" "numpy<2"``) that reads the same lines from a CSV this script writes; each side times only its
own function call, after the data is in memory, best of three.
"""

from __future__ import annotations

import argparse
import functools
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from keyacct_xl.analytics.grading import grade_customers
from keyacct_xl.analytics.policy import load_grading_policy
from keyacct_xl.analytics.rfm import rfm

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import machine_line  # (the closing line every benchmark prints)

LINES, CUSTOMERS, SEED = 1_000_000, 100_000, 2026
AS_OF = pd.Timestamp("2025-12-31")
BASELINE = """
import sys, time
import pandas as pd
from lifetimes.utils import summary_data_from_transaction_data
tx = pd.read_csv(sys.argv[1], parse_dates=["date"], dtype={"customer_id": str})
best = float("inf")
for _ in range(3):
    start = time.perf_counter()
    summary = summary_data_from_transaction_data(tx, "customer_id", "date", monetary_value_col="amount",
                                                 observation_period_end=sys.argv[2])
    best = min(best, time.perf_counter() - start)
print(best, len(summary))
"""


def sales_lines(seed: int = SEED) -> pd.DataFrame:
    """1,000,000 lines over two years for 100,000 customers, skewed like real sales (a few buy often)."""
    rng = np.random.default_rng(seed)
    ids = np.array([f"K{i:06d}" for i in range(CUSTOMERS)], dtype=object)
    weights = rng.pareto(1.2, CUSTOMERS) + 0.05
    # Every customer buys at least once; the other lines go mostly to the few frequent buyers.
    who = np.concatenate(
        [rng.permutation(CUSTOMERS), rng.choice(CUSTOMERS, size=LINES - CUSTOMERS, p=weights / weights.sum())]
    )
    days = rng.integers(0, 730, LINES)
    return pd.DataFrame(
        {
            "customer_id": ids[who],
            "date": AS_OF - pd.to_timedelta(days, unit="D"),
            "amount": np.round(rng.lognormal(7, 1.2, LINES), 2),
        }
    )


def best_of(fn, runs: int = 3) -> float:
    """Fastest of ``runs`` calls, in seconds."""
    best = float("inf")
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def baseline_seconds(tx: pd.DataFrame, python: str | None) -> tuple[float, str]:
    """The lifetimes recipe's time on the same lines: in process when it imports, else in ``python``."""
    try:
        from lifetimes.utils import summary_data_from_transaction_data
    except Exception as exc:  # lifetimes 0.11 fails on pandas 3 / numpy 2 in several ways
        if python is None:
            raise SystemExit(f"lifetimes does not import here ({exc}); pass --lifetimes-python") from None
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "lines.csv"
            tx.to_csv(path, index=False, date_format="%Y-%m-%d")
            result = subprocess.run(
                [python, "-c", BASELINE, str(path), str(AS_OF.date())], capture_output=True, text=True, check=True
            )
        seconds, rows = result.stdout.split()
        return float(seconds), f"subprocess {python} ({rows} customers)"
    return best_of(
        lambda: summary_data_from_transaction_data(
            tx, "customer_id", "date", monetary_value_col="amount", observation_period_end=AS_OF
        )
    ), "in process"


def grading_metrics(n: int = CUSTOMERS, seed: int = SEED) -> pd.DataFrame:
    """Metrics of ``n`` customers as the review builds them, with every grade and credit grade present."""
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "customer_id": [f"K{i:06d}" for i in range(n)],
            "current_grade": rng.choice(np.array(["VIP", "A", "B", "C", None], dtype=object), n),
            "months_as_customer": rng.integers(0, 200, n).astype(float),
            "first_trade_date": pd.Timestamp("2010-01-01") + pd.to_timedelta(rng.integers(0, 5000, n), unit="D"),
            "annual_sales": rng.lognormal(12, 1.5, n),
            "growth": rng.normal(0, 0.3, n),
            "on_time_rate": rng.random(n),
            "influence": rng.integers(1, 6, n).astype(float),
            "visit_rating": rng.integers(1, 6, n).astype(float),
            "credit_grade": rng.choice(np.array(["A", "B", "C"], dtype=object), n),
        }
    )


def main() -> None:
    """Print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--lifetimes-python",
        default="/tmp/lt/bin/python" if Path("/tmp/lt/bin/python").exists() else None,
        help="python of an environment with lifetimes 0.11 (default /tmp/lt/bin/python)",
    )
    args = parser.parse_args()
    tx = sales_lines()
    ours = best_of(lambda: rfm(tx, as_of=AS_OF))
    theirs, where = baseline_seconds(tx, args.lifetimes_python)
    print(
        f"RFM, {LINES:,} lines / {tx['customer_id'].nunique():,} customers: keyacct_xl.rfm {ours:.3f} s "
        f"(scores and classes included); lifetimes summary_data_from_transaction_data {theirs:.3f} s "
        f"[{where}]; speed-up {theirs / ours:.1f}x"
    )
    metrics = grading_metrics()
    frame = metrics.assign(price_index=1.0, collection_rate=metrics["on_time_rate"])
    for name in ("grading_4level", "grading_3level"):
        seconds = best_of(functools.partial(grade_customers, frame, load_grading_policy(name)))
        print(f"grading {CUSTOMERS:,} customers with {name}: {seconds:.3f} s")
    print(machine_line())


if __name__ == "__main__":
    main()
