"""Benchmark: the complaint and service register and the missing-reports check, against plain pandas equivalents.

Run by hand: ``python benchmarks/performance_registers.py``. Figures go into docs/performance.md.

Both sides start from frames in memory with the master reader's dtypes and are timed in the same run, best of
three. Complaints: 100,000 complaints and 100,000 service requests of 20,000 customers over three years; the
baseline dates closure with ``numpy.busday_offset`` (weekdays and holidays, but no weekend worked in exchange, so
it is not the same rule) and compares; the register computes both deadlines, every status, the warranty, the
customer's rep and the counts per customer. Submissions: 200 reps, the default Settings rep_forms (weekly plan,
visit record, phone follow-up, daily report), a month; a ledger of 200,000 rows (a year of files, some rejected,
some copies); the baseline is a pandas merge of the expected (rep, form, instance) rows with the ledger's first
file of each; the check builds the expected rows from the calendar, reads the ledger, gives each status and sums
per rep. The script asserts the two agree where their rules agree.
"""

from __future__ import annotations

import resource
import time

import numpy as np
import pandas as pd

from keyacct_xl.master.followthrough import COMPLAINTS, SERVICE_REQUESTS
from keyacct_xl.master.model import dtype_for
from keyacct_xl.master.schema import CUSTOMERS, TableSchema
from keyacct_xl.master.settings import parse_settings
from keyacct_xl.master.submissions import LEDGER
from keyacct_xl.performance.complaints import complaint_register, load_deadline_policy, service_register
from keyacct_xl.performance.reports_check import run_submissions_check

CUSTOMER_COUNT, COMPLAINT_COUNT, REQUEST_COUNT, REPS, LEDGER_ROWS = 20_000, 100_000, 100_000, 200, 200_000
AS_OF, SEED = pd.Timestamp("2026-11-30 23:59:59"), 2026


def _typed(schema: TableSchema, frame: pd.DataFrame) -> pd.DataFrame:
    for column in schema.columns:
        if column.key not in frame.columns:
            frame[column.key] = pd.Series([None] * len(frame), dtype=dtype_for(column.kind))
        else:
            frame[column.key] = frame[column.key].astype(dtype_for(column.kind))
    return frame[schema.keys]


def frames(seed: int = SEED) -> dict[str, pd.DataFrame]:
    """Customers, complaints, service requests and a ledger, as the master reader gives them."""
    rng = np.random.default_rng(seed)
    ids = np.array([f"K{i:06d}" for i in range(CUSTOMER_COUNT)], dtype=object)
    reps = np.array([f"业务员{i:03d}" for i in range(REPS)], dtype=object)
    customers = _typed(CUSTOMERS, pd.DataFrame({"customer_id": ids, "name": [f"客户{i}" for i in ids],
                                                "rep": reps[rng.integers(0, REPS, CUSTOMER_COUNT)]}))
    received = AS_OF.normalize() - pd.to_timedelta(rng.integers(0, 3 * 365 * 24, COMPLAINT_COUNT), unit="h")
    contained = pd.Series(received + pd.to_timedelta(rng.integers(1, 60, COMPLAINT_COUNT), unit="h"))
    closed = pd.Series(received + pd.to_timedelta(rng.integers(1, 25, COMPLAINT_COUNT), unit="D"))
    complaints = _typed(COMPLAINTS, pd.DataFrame({
        "complaint_no": [f"TS{i:07d}" for i in range(COMPLAINT_COUNT)], "received_date": received,
        "customer_id": ids[rng.integers(0, CUSTOMER_COUNT, COMPLAINT_COUNT)], "severity": "中",
        "contained_date": contained.where(rng.random(COMPLAINT_COUNT) < 0.9),
        "closed_date": closed.where((rng.random(COMPLAINT_COUNT) < 0.8) & (closed <= AS_OF)),
        "d6_verification": np.where(rng.random(COMPLAINT_COUNT) < 0.5, "已验证", None)}))
    asked = AS_OF.normalize() - pd.to_timedelta(rng.integers(0, 3 * 365, REQUEST_COUNT), unit="D")
    done = pd.Series(asked + pd.to_timedelta(rng.integers(0, 20, REQUEST_COUNT), unit="D"))
    requests = _typed(SERVICE_REQUESTS, pd.DataFrame({
        "request_no": [f"SH{i:07d}" for i in range(REQUEST_COUNT)], "request_date": asked,
        "customer_id": ids[rng.integers(0, CUSTOMER_COUNT, REQUEST_COUNT)],
        "purchase_date": pd.Series(asked - pd.to_timedelta(rng.integers(0, 800, REQUEST_COUNT), unit="D")),
        "closed_date": done.where((rng.random(REQUEST_COUNT) < 0.85) & (done <= AS_OF))}))
    forms = np.array(["weekly_plan", "visit_record", "phone_followup", "daily_report"], dtype=object)
    form = forms[rng.integers(0, len(forms), LEDGER_ROWS)]
    when = pd.Timestamp("2025-12-01") + pd.to_timedelta(rng.integers(0, 365 * 24, LEDGER_ROWS), unit="h")
    day = pd.Series(when - pd.to_timedelta(rng.integers(0, 3, LEDGER_ROWS), unit="D")).dt.normalize()
    iso = day.dt.isocalendar()
    week = iso["year"].astype(str) + "-W" + iso["week"].astype(str).str.zfill(2)
    ledger = _typed(LEDGER, pd.DataFrame({
        "file_sha256": [f"{i:064x}" for i in range(LEDGER_ROWS)],
        "file_name": [f"f{i}.xlsx" for i in range(LEDGER_ROWS)],
        "form": form, "rep": reps[rng.integers(0, REPS, LEDGER_ROWS)], "period": week.to_numpy(),
        "key": np.where(form == "daily_report", day.dt.strftime("%Y-%m-%d"), week),
        "status": np.where(rng.random(LEDGER_ROWS) < 0.95, "accepted", "rejected"),
        "consolidated_at": pd.Series(when).dt.strftime("%Y-%m-%d %H:%M:%S")}))
    return {CUSTOMERS.name: customers, COMPLAINTS.name: complaints, SERVICE_REQUESTS.name: requests,
            LEDGER.name: ledger}


def best_of_three(job) -> tuple[float, object]:
    times, result = [], None
    for _ in range(3):
        start = time.perf_counter()
        result = job()
        times.append(time.perf_counter() - start)
    return min(times), result


def baseline_complaints(complaints: pd.DataFrame, holidays: list) -> pd.Series:
    """Closure overdue by numpy's business days: received + 10 weekdays (holidays off), not closed, past due."""
    received = complaints["received_date"].to_numpy().astype("datetime64[D]")
    due = np.busday_offset(received, 10, roll="forward", holidays=holidays)
    overdue = complaints["closed_date"].isna().to_numpy() & (due.astype("datetime64[ns]") + np.timedelta64(1, "D")
                                                             <= np.datetime64(AS_OF))
    return pd.Series(overdue)


def baseline_submissions(ledger: pd.DataFrame, expected: pd.DataFrame) -> pd.DataFrame:
    """The first accepted file of each expected (rep, form, instance), by a merge."""
    live = ledger[ledger["status"] == "accepted"]
    instance = live["key"].where(live["form"] == "daily_report", live["period"])
    first = (live.assign(instance=instance, at=pd.to_datetime(live["consolidated_at"]).dt.normalize())
             .groupby(["rep", "form", "instance"], as_index=False)["at"].min())
    return expected.merge(first, on=["rep", "form", "instance"], how="left")


def main() -> None:
    data = frames()
    policy = load_deadline_policy()
    holidays = sorted(policy.workdays.holidays)
    base_c, base_overdue = best_of_three(lambda: baseline_complaints(data[COMPLAINTS.name], holidays))
    ours_c, (complaints, _) = best_of_three(lambda: (
        complaint_register(data[COMPLAINTS.name], data[CUSTOMERS.name], as_of=AS_OF, policy=policy),
        service_register(data[SERVICE_REQUESTS.name], data[CUSTOMERS.name], as_of=AS_OF, policy=policy)))
    # the two rules differ only where a weekend worked in exchange falls inside the ten days
    agree = (complaints.sort_values("complaint_no")["closure"].eq("overdue").to_numpy() == base_overdue.to_numpy())
    print(f"complaints: baseline busday_offset {base_c:.2f} s; register (complaints and service) {ours_c:.2f} s "
          f"({ours_c / base_c:.1f} ×); closure overdue agrees on {agree.mean():.1%} of complaints")
    settings = parse_settings(())
    ours_s, check = best_of_three(lambda: run_submissions_check(data, settings, period="2026-11", as_of=AS_OF))
    base_s, merged = best_of_three(lambda: baseline_submissions(
        data[LEDGER.name], check.detail[["rep", "form", "instance"]]))
    came = check.detail["handed_in"].notna().to_numpy()
    assert (came == merged["at"].notna().to_numpy()).all(), "the check and the merge disagree on what came in"
    print(f"submissions: baseline merge {base_s:.2f} s; check {ours_s:.2f} s ({ours_s / base_s:.1f} ×); "
          f"{len(check.detail):,} submissions due, {int(check.reps['missing'].sum()):,} missing")
    print(f"peak memory {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 / 1024:.2f} GB")


if __name__ == "__main__":
    main()
