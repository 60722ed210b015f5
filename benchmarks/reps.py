"""Benchmark: ``reps`` (rep evaluation from the data) on 1,000,000 sales lines and 200 reps, against a pandas
groupby of sales by rep.

Run by hand: ``python benchmarks/reps.py``. Figures go into docs/performance.md. Target (issue 17): under 10 s.

Both sides start from frames in memory with the master reader's dtypes (reading a 1,000,000-row sheet is the
reader's cost, measured elsewhere) and are timed in the same run, best of three. The baseline sums the year's sales
per rep (``transactions.groupby("rep")["amount"].sum()``); ``run_rep_evaluation`` computes every KPI of the year
2026: sales and the year before (two years of lines), targets (200 reps × 12 months), margin, collection (300,000
payments), new customers, visits (500,000), VIP/A coverage, the complaint register (10,000 complaints) and the
complaints due closed in time, the reports due (the default rep_forms against a 50,000-file ledger), the
receivables' ageing at the year's end and the year before's end (two ledgers of the two years' lines), the planned
visits done (100,000 weekly plan lines against the visits) and the supervisor's scores. The script asserts that the
two agree on each rep's sales.
"""

from __future__ import annotations

import resource
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

from keyacct_xl.master.model import Master
from keyacct_xl.master.schema import CUSTOMERS, PAYMENTS, TRANSACTIONS, VISITS
from keyacct_xl.master.submissions import ALL_CONSOLIDATION_TABLES as TABLES
from keyacct_xl.performance.evaluation import run_rep_evaluation

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import customer_ids, rep_names, typed  # (the frames the other benchmarks build alike)

CUSTOMERS_N, SALES_N, PAYMENTS_N, VISITS_N, COMPLAINTS_N, LEDGER_N, PLANS_N, REPS = (
    20_000,
    1_000_000,
    300_000,
    500_000,
    10_000,
    50_000,
    100_000,
    200,
)
START, SEED = pd.Timestamp("2025-01-01"), 2026


def _days(rng: np.random.Generator, n: int, span: int = 730) -> pd.DatetimeIndex:
    return START + pd.to_timedelta(rng.integers(0, span, n), unit="D")


def build(seed: int = SEED) -> tuple[Master, dict[str, pd.DataFrame]]:
    """A master of two years and its consolidation tables."""
    rng = np.random.default_rng(seed)
    ids = customer_ids(CUSTOMERS_N)
    reps = rep_names(REPS)
    owner = reps[rng.integers(0, REPS, CUSTOMERS_N)]
    master = Master.empty()
    master.customers = typed(
        CUSTOMERS,
        pd.DataFrame(
            {
                "customer_id": ids,
                "name": ids,
                "rep": owner,
                "first_trade_date": _days(rng, CUSTOMERS_N, 2000) - pd.Timedelta(days=1200),
                "payment_terms_days": rng.choice(np.array([0, 30, 60]), CUSTOMERS_N),
                "grade": rng.choice(
                    np.array(["VIP", "A", "B", "C"], dtype=object), CUSTOMERS_N, p=(0.02, 0.08, 0.3, 0.6)
                ),
            }
        ),
    )
    sold = rng.integers(0, CUSTOMERS_N, SALES_N)
    amount = np.round(rng.lognormal(7, 1.2, SALES_N), 2)
    master.transactions = typed(
        TRANSACTIONS,
        pd.DataFrame(
            {
                "doc_no": np.arange(SALES_N).astype(str).astype(object),
                "date": _days(rng, SALES_N),
                "customer_id": ids[sold],
                "amount": amount,
                "cost": np.round(amount * 0.7, 2),
                "rep": owner[sold],
            }
        ),
    )
    paid = rng.integers(0, CUSTOMERS_N, PAYMENTS_N)
    master.payments = typed(
        PAYMENTS,
        pd.DataFrame(
            {
                "receipt_no": np.arange(PAYMENTS_N).astype(str).astype(object),
                "date": _days(rng, PAYMENTS_N),
                "customer_id": ids[paid],
                "amount": np.round(rng.lognormal(8, 1, PAYMENTS_N), 2),
            }
        ),
    )
    seen = rng.integers(0, CUSTOMERS_N, VISITS_N)
    master.visits = typed(
        VISITS,
        pd.DataFrame(
            {
                "date": _days(rng, VISITS_N),
                "customer_id": ids[seen],
                "rep": owner[seen],
                "method": rng.choice(np.array(["面谈", "电话", None], dtype=object), VISITS_N),
            }
        ),
    )
    months = [str(m) for m in pd.period_range("2026-01", "2026-12", freq="M")]
    tables = {name: typed(TABLES[name], pd.DataFrame(columns=TABLES[name].keys)) for name in TABLES}
    tables["SalesTargets"] = typed(
        TABLES["SalesTargets"],
        pd.DataFrame([{"rep": r, "year": 2026, "month": m, "amount": 400_000.0} for r in reps for m in months]),
    )
    tables["MonthlyPlans"] = typed(
        TABLES["MonthlyPlans"],
        pd.DataFrame([{"rep": r, "period": m, "collection_target": 300_000.0} for r in reps for m in months]),
    )
    received = pd.Series(_days(rng, COMPLAINTS_N))
    tables["Complaints"] = typed(
        TABLES["Complaints"],
        pd.DataFrame(
            {
                "complaint_no": [f"T{i}" for i in range(COMPLAINTS_N)],
                "received_date": received,
                "customer_id": ids[rng.integers(0, CUSTOMERS_N, COMPLAINTS_N)],
                "closed_date": (received + pd.to_timedelta(rng.integers(1, 25, COMPLAINTS_N), unit="D")),
            }
        ),
    )
    tables["RepEvaluations"] = typed(
        TABLES["RepEvaluations"],
        pd.DataFrame([{"rep": r, "period": "2026-06", "total_score": 80.0, "rating": "良好"} for r in reps]),
    )
    planned = rng.integers(0, CUSTOMERS_N, PLANS_N)
    tables["WeeklyPlans"] = typed(
        TABLES["WeeklyPlans"],
        pd.DataFrame(
            {
                "date": pd.Timestamp("2026-01-01") + pd.to_timedelta(rng.integers(0, 365, PLANS_N), unit="D"),
                "customer_id": ids[planned],
                "rep": owner[planned],
            }
        ),
    )
    day = pd.Series(_days(rng, LEDGER_N))
    iso = day.dt.isocalendar()
    week = (iso["year"].astype(str) + "-W" + iso["week"].astype(str).str.zfill(2)).to_numpy()
    form = rng.choice(
        np.array(["weekly_plan", "visit_record", "phone_followup", "daily_report"], dtype=object), LEDGER_N
    )
    tables["IngestionLedger"] = typed(
        TABLES["IngestionLedger"],
        pd.DataFrame(
            {
                "file_sha256": np.arange(LEDGER_N).astype(str).astype(object),
                "form": form,
                "rep": reps[rng.integers(0, REPS, LEDGER_N)],
                "period": week,
                "key": np.where(form == "daily_report", day.dt.strftime("%Y-%m-%d"), week),
                "status": "accepted",
                "consolidated_at": day.dt.strftime("%Y-%m-%d 18:00:00"),
            }
        ),
    )
    return master, tables


def best_of_three(job):
    times, result = [], None
    for _ in range(3):
        start = time.perf_counter()
        result = job()
        times.append(time.perf_counter() - start)
    return min(times), result


def main() -> None:
    master, tables = build()
    sales = master.transactions

    def baseline() -> pd.Series:
        year = sales[(sales["date"] >= "2026-01-01") & (sales["date"] <= "2026-12-31")]
        return year.groupby("rep")["amount"].sum()

    base, by_rep = best_of_three(baseline)
    ours, evaluation = best_of_three(lambda: run_rep_evaluation(master, tables, period="2026"))
    kpis = evaluation.kpis.set_index("rep")
    assert np.allclose(kpis.loc[by_rep.index, "sales"].to_numpy(), by_rep.to_numpy())
    print(
        f"reps 2026 ({SALES_N:,} sales lines, {REPS} reps): baseline groupby {base:.2f} s; run_rep_evaluation "
        f"{ours:.2f} s ({ours / base:.1f} ×); sales per rep agree"
    )
    print(f"peak memory {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 / 1024:.2f} GB")


if __name__ == "__main__":
    main()
