"""Benchmark: the complaint and service register and the missing-reports check, against plain pandas equivalents.

Run by hand: ``python benchmarks/performance_registers.py``. Figures go into docs/performance.md.

Both sides start from frames in memory with the master reader's dtypes and are timed in the same run, best of
three. Complaints: 100,000 complaints and 100,000 service requests of 20,000 customers over three years; the
baseline computes the complaint register's deadlines, statuses, rep and age in plain pandas, dating closure with
``numpy.busday_offset`` (weekdays less holidays, but no weekend worked in exchange, so not quite the same rule);
the script asserts that containment and rep agree everywhere and prints how often closure does.
Submissions: 200 reps, the default Settings rep_forms (weekly plan,
visit record, phone follow-up, daily report), a month; a ledger of 200,000 rows (a year of files, some rejected,
some copies); the baseline is a pandas merge of the expected (rep, form, instance) rows with the ledger's first
file of each; the check builds the expected rows from the calendar, reads the ledger, gives each status and sums
per rep. The script asserts the two agree where their rules agree.
"""

from __future__ import annotations

import resource
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

from keyacct_xl.master.followthrough import COMPLAINTS, SERVICE_REQUESTS
from keyacct_xl.master.schema import CUSTOMERS
from keyacct_xl.master.settings import parse_settings
from keyacct_xl.master.submissions import LEDGER
from keyacct_xl.performance.complaints import complaint_register, load_deadline_policy, service_register
from keyacct_xl.performance.reports_check import run_submissions_check

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import customer_ids, rep_names, typed  # (the frames the other benchmarks build alike)

CUSTOMER_COUNT, COMPLAINT_COUNT, REQUEST_COUNT, REPS, LEDGER_ROWS = 20_000, 100_000, 100_000, 200, 200_000
AS_OF, SEED = pd.Timestamp("2026-11-30 23:59:59"), 2026


def frames(seed: int = SEED) -> dict[str, pd.DataFrame]:
    """Customers, complaints, service requests and a ledger, as the master reader gives them."""
    rng = np.random.default_rng(seed)
    ids = customer_ids(CUSTOMER_COUNT)
    reps = rep_names(REPS)
    customers = typed(
        CUSTOMERS,
        pd.DataFrame(
            {"customer_id": ids, "name": [f"客户{i}" for i in ids], "rep": reps[rng.integers(0, REPS, CUSTOMER_COUNT)]}
        ),
    )
    received = AS_OF.normalize() - pd.to_timedelta(rng.integers(0, 3 * 365 * 24, COMPLAINT_COUNT), unit="h")
    contained = pd.Series(received + pd.to_timedelta(rng.integers(1, 60, COMPLAINT_COUNT), unit="h"))
    closed = pd.Series(received + pd.to_timedelta(rng.integers(1, 25, COMPLAINT_COUNT), unit="D"))
    complaints = typed(
        COMPLAINTS,
        pd.DataFrame(
            {
                "complaint_no": [f"TS{i:07d}" for i in range(COMPLAINT_COUNT)],
                "received_date": received,
                "customer_id": ids[rng.integers(0, CUSTOMER_COUNT, COMPLAINT_COUNT)],
                "severity": "中",
                "contained_date": contained.where(rng.random(COMPLAINT_COUNT) < 0.9),
                "closed_date": closed.where((rng.random(COMPLAINT_COUNT) < 0.8) & (closed <= AS_OF)),
                "d6_verification": np.where(rng.random(COMPLAINT_COUNT) < 0.5, "已验证", None),
            }
        ),
    )
    asked = AS_OF.normalize() - pd.to_timedelta(rng.integers(0, 3 * 365, REQUEST_COUNT), unit="D")
    done = pd.Series(asked + pd.to_timedelta(rng.integers(0, 20, REQUEST_COUNT), unit="D"))
    requests = typed(
        SERVICE_REQUESTS,
        pd.DataFrame(
            {
                "request_no": [f"SH{i:07d}" for i in range(REQUEST_COUNT)],
                "request_date": asked,
                "customer_id": ids[rng.integers(0, CUSTOMER_COUNT, REQUEST_COUNT)],
                "purchase_date": pd.Series(asked - pd.to_timedelta(rng.integers(0, 800, REQUEST_COUNT), unit="D")),
                "closed_date": done.where((rng.random(REQUEST_COUNT) < 0.85) & (done <= AS_OF)),
            }
        ),
    )
    forms = np.array(["weekly_plan", "visit_record", "phone_followup", "daily_report"], dtype=object)
    form = forms[rng.integers(0, len(forms), LEDGER_ROWS)]
    when = pd.Timestamp("2025-12-01") + pd.to_timedelta(rng.integers(0, 365 * 24, LEDGER_ROWS), unit="h")
    day = pd.Series(when - pd.to_timedelta(rng.integers(0, 3, LEDGER_ROWS), unit="D")).dt.normalize()
    iso = day.dt.isocalendar()
    week = iso["year"].astype(str) + "-W" + iso["week"].astype(str).str.zfill(2)
    ledger = typed(
        LEDGER,
        pd.DataFrame(
            {
                "file_sha256": [f"{i:064x}" for i in range(LEDGER_ROWS)],
                "file_name": [f"f{i}.xlsx" for i in range(LEDGER_ROWS)],
                "form": form,
                "rep": reps[rng.integers(0, REPS, LEDGER_ROWS)],
                "period": week.to_numpy(),
                "key": np.where(form == "daily_report", day.dt.strftime("%Y-%m-%d"), week),
                "status": np.where(rng.random(LEDGER_ROWS) < 0.95, "accepted", "rejected"),
                "consolidated_at": pd.Series(when).dt.strftime("%Y-%m-%d %H:%M:%S"),
            }
        ),
    )
    return {
        CUSTOMERS.name: customers,
        COMPLAINTS.name: complaints,
        SERVICE_REQUESTS.name: requests,
        LEDGER.name: ledger,
    }


def best_of_three(job) -> tuple[float, object]:
    times, result = [], None
    for _ in range(3):
        start = time.perf_counter()
        result = job()
        times.append(time.perf_counter() - start)
    return min(times), result


def baseline_complaints(complaints: pd.DataFrame, customers: pd.DataFrame, holidays: list) -> pd.DataFrame:
    """The same columns in plain pandas and numpy: containment due and status, closure due by numpy's business
    days (weekdays less holidays; no weekend worked in exchange), closure status, the customer's rep, the age.
    A day received off work rolls back to the working day before it: the tenth working day after both is the same."""
    received = complaints["received_date"]
    contained, closed = complaints["contained_date"], complaints["closed_date"]
    contain_due = received + pd.Timedelta(hours=24)
    close_due = pd.Series(
        np.busday_offset(received.to_numpy().astype("datetime64[D]"), 10, roll="backward", holidays=holidays).astype(
            "datetime64[ns]"
        ),
        index=complaints.index,
    )
    close_end = close_due + pd.Timedelta(days=1)
    owner = customers.drop_duplicates("customer_id").set_index("customer_id")["rep"]
    return pd.DataFrame(
        {
            "complaint_no": complaints["complaint_no"],
            "rep": complaints["customer_id"].map(owner),
            "containment": np.select(
                [contained <= contain_due, contained.notna(), contain_due < AS_OF],
                ["on_time", "late", "overdue"],
                "open",
            ),
            "closure_due": close_due,
            "closure": np.select(
                [closed < close_end, closed.notna(), close_end <= AS_OF], ["on_time", "late", "overdue"], "open"
            ),
            "age_days": (closed.fillna(AS_OF).dt.normalize() - received.dt.normalize()).dt.days,
        }
    )


def baseline_submissions(ledger: pd.DataFrame, expected: pd.DataFrame) -> pd.DataFrame:
    """The first accepted file of each expected (rep, form, instance), by a merge."""
    live = ledger[ledger["status"] == "accepted"]
    instance = live["key"].where(live["form"] == "daily_report", live["period"])
    first = (
        live.assign(instance=instance, at=pd.to_datetime(live["consolidated_at"]).dt.normalize())
        .groupby(["rep", "form", "instance"], as_index=False)["at"]
        .min()
    )
    return expected.merge(first, on=["rep", "form", "instance"], how="left")


def main() -> None:
    data = frames()
    policy = load_deadline_policy()
    holidays = sorted(policy.workdays.holidays)
    base_c, baseline = best_of_three(lambda: baseline_complaints(data[COMPLAINTS.name], data[CUSTOMERS.name], holidays))
    ours_c, complaints = best_of_three(
        lambda: complaint_register(data[COMPLAINTS.name], data[CUSTOMERS.name], as_of=AS_OF, policy=policy)
    )
    ours_r, _ = best_of_three(
        lambda: service_register(data[SERVICE_REQUESTS.name], data[CUSTOMERS.name], as_of=AS_OF, policy=policy)
    )
    ours = complaints.set_index("complaint_no").loc[baseline["complaint_no"]]
    assert (ours["containment"].to_numpy() == baseline["containment"].to_numpy()).all()
    assert (ours["rep"].to_numpy() == baseline["rep"].to_numpy()).all()
    # the closure rules differ only where a weekend worked in exchange falls inside the ten days
    agree = (ours["closure"].to_numpy() == baseline["closure"].to_numpy()).mean()
    print(
        f"complaints ({COMPLAINT_COUNT:,}): baseline pandas/busday_offset {base_c:.2f} s; complaint_register "
        f"{ours_c:.2f} s ({ours_c / base_c:.1f} ×); closure status agrees on {agree:.2%}; service_register "
        f"({REQUEST_COUNT:,}) {ours_r:.2f} s"
    )
    settings = parse_settings(())
    ours_s, check = best_of_three(lambda: run_submissions_check(data, settings, period="2026-11", as_of=AS_OF))
    base_s, merged = best_of_three(
        lambda: baseline_submissions(data[LEDGER.name], check.detail[["rep", "form", "instance"]])
    )
    came = check.detail["handed_in"].notna().to_numpy()
    assert (came == merged["at"].notna().to_numpy()).all(), "the check and the merge disagree on what came in"
    print(
        f"submissions: baseline merge {base_s:.2f} s; check {ours_s:.2f} s ({ours_s / base_s:.1f} ×); "
        f"{len(check.detail):,} submissions due, {int(check.reps['missing'].sum()):,} missing"
    )
    print(f"peak memory {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 / 1024:.2f} GB")


if __name__ == "__main__":
    main()
