"""Benchmark: the visits check on 100,000 customers and 2,000,000 visits, against a pandas groupby of the last visit.

Run by hand: ``python benchmarks/visits_check.py [--report]``. Figures go into docs/followup.md.

Both sides start from frames in memory (reading a 2,000,000-row sheet is the reader's cost, measured elsewhere) and
are timed in the same run, best of three. The baseline computes only the last visit per customer
(``visits.groupby("customer_id")["date"].max()``); the check computes everything ``visits check`` reports: last
visit and last face-to-face visit, due dates and status per customer, plan against actual on 20,000 plan lines,
next steps, poor visits, greetings (200,000 contacts), RFM win-back (1,000,000 sales lines) and the summary per
rep. ``--report`` also times writing the check workbook (100,000 customer rows and a page per rep).
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

from keyacct_xl.followup.check import run_visits_check
from keyacct_xl.master.model import Master
from keyacct_xl.master.schema import CONTACTS, CUSTOMERS, TRANSACTIONS, VISITS

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import customer_ids, rep_names, typed  # (the frames the other benchmarks build alike)

CUSTOMER_COUNT, VISIT_COUNT, SALES_COUNT, CONTACT_COUNT, PLAN_LINES, REPS = (
    100_000,
    2_000_000,
    1_000_000,
    200_000,
    20_000,
    200,
)
AS_OF, SEED = pd.Timestamp("2026-11-20"), 2026
METHODS = np.array(["面访", "电话", "面谈", "邮件", "微信", "上门拜访"], dtype=object)
RATINGS = np.array(["很好", "好", "一般", "差", "很差"], dtype=object)
CITIES = np.array(["上海", "苏州", "无锡", "南京", "杭州", "宁波", "合肥", "济南", "广州", "深圳"], dtype=object)


def big_master(seed: int = SEED) -> tuple[Master, pd.DataFrame]:
    """The master's frames and a WeeklyPlans frame: three years of visits, skewed to the better grades."""
    rng = np.random.default_rng(seed)
    ids = customer_ids(CUSTOMER_COUNT)
    reps = rep_names(REPS)
    grade = rng.choice(np.array(["VIP", "A", "B", "C"], dtype=object), CUSTOMER_COUNT, p=(0.02, 0.08, 0.3, 0.6))
    owner = reps[rng.integers(0, REPS, CUSTOMER_COUNT)]
    start = pd.Timestamp("2020-01-01")
    customers = typed(
        CUSTOMERS,
        pd.DataFrame(
            {
                "customer_id": ids,
                "name": [f"客户{i}" for i in range(CUSTOMER_COUNT)],
                "rep": owner,
                "region": "华东",
                "city": CITIES[rng.integers(0, len(CITIES), CUSTOMER_COUNT)],
                "grade": grade,
                "first_trade_date": start + pd.to_timedelta(rng.integers(0, 2000, CUSTOMER_COUNT), unit="D"),
            }
        ),
    )
    weights = pd.Series(grade).map({"VIP": 8.0, "A": 4.0, "B": 1.5, "C": 0.6}).to_numpy()
    who = rng.choice(CUSTOMER_COUNT, VISIT_COUNT, p=weights / weights.sum())
    dates = AS_OF - pd.to_timedelta(rng.integers(0, 3 * 365, VISIT_COUNT), unit="D")
    rating = RATINGS[rng.integers(0, len(RATINGS), VISIT_COUNT)]
    visits = typed(
        VISITS,
        pd.DataFrame(
            {
                "date": dates,
                "customer_id": ids[who],
                "rep": owner[who],
                "method": METHODS[rng.integers(0, len(METHODS), VISIT_COUNT)],
                "rating": rating,
                "next_step": np.where(rng.random(VISIT_COUNT) < 0.9, "下月回访", None),
                "next_date": pd.Series(dates + pd.to_timedelta(rng.integers(7, 60, VISIT_COUNT), unit="D")).where(
                    rng.random(VISIT_COUNT) < 0.7
                ),
            }
        ),
    )
    sold = rng.integers(0, CUSTOMER_COUNT, SALES_COUNT)
    transactions = typed(
        TRANSACTIONS,
        pd.DataFrame(
            {
                "doc_no": [f"XS{i:08d}" for i in range(SALES_COUNT)],
                "customer_id": ids[sold],
                "rep": owner[sold],
                "date": AS_OF - pd.to_timedelta(rng.integers(0, 2 * 365, SALES_COUNT), unit="D"),
                "amount": np.round(rng.lognormal(7, 1.2, SALES_COUNT), 2),
            }
        ),
    )
    person = rng.integers(0, CUSTOMER_COUNT, CONTACT_COUNT)
    contacts = typed(
        CONTACTS,
        pd.DataFrame(
            {
                "contact_id": [f"P{i:06d}" for i in range(CONTACT_COUNT)],
                "customer_id": ids[person],
                "name": [f"联系人{i}" for i in range(CONTACT_COUNT)],
                "birthday": pd.Timestamp("1960-01-01")
                + pd.to_timedelta(rng.integers(0, 12_000, CONTACT_COUNT), unit="D"),
            }
        ),
    )
    master = Master.empty()
    master.customers, master.visits, master.transactions, master.contacts = customers, visits, transactions, contacts
    planned = rng.integers(0, CUSTOMER_COUNT, PLAN_LINES)
    plans = pd.DataFrame(
        {
            "rep": owner[planned],
            "customer_id": ids[planned],
            "date": AS_OF - pd.to_timedelta(rng.integers(0, 28, PLAN_LINES), unit="D"),
        }
    )
    return master, plans


def best_of(fn, runs: int = 3) -> tuple[float, object]:
    """The fastest of ``runs`` calls and the last result."""
    best, result = float("inf"), None
    for _ in range(runs):
        started = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - started)
    return best, result


def main() -> None:
    """Build the frames, time both sides, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--report", action="store_true", help="also time writing the check workbook")
    args = parser.parse_args()
    started = time.perf_counter()
    master, plans = big_master()
    print(
        f"frames built in {time.perf_counter() - started:.1f} s: {len(master.customers):,} customers, "
        f"{len(master.visits):,} visits, {len(master.transactions):,} sales lines, {len(master.contacts):,} "
        f"contacts, {len(plans):,} plan lines"
    )
    baseline, last = best_of(lambda: master.visits.groupby("customer_id")["date"].max())
    check_time, check = best_of(lambda: run_visits_check(master, as_of=AS_OF, plans={"WeeklyPlans": plans}))
    # the check's last visit is the baseline's, customer by customer
    same = check.status.set_index("customer_id")["last_visit"].reindex(last.index)
    assert (same == last).all(), "the check's last visit differs from the groupby"
    print(f"baseline groupby last visit: {baseline:.2f} s")
    print(f"visits check (compute):      {check_time:.2f} s  ratio {check_time / baseline:.1f}x")
    print(f"  {check.summary('en')}")
    if args.report:
        with tempfile.TemporaryDirectory() as folder:
            report_time, _ = best_of(
                lambda: run_visits_check(
                    master, as_of=AS_OF, plans={"WeeklyPlans": plans}, out=Path(folder) / "check.xlsx"
                ),
                runs=1,
            )
        print(f"visits check with the workbook: {report_time:.1f} s")
    print(f"peak memory: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MB")


if __name__ == "__main__":
    main()
