"""The complaint and service register (投诉与售后台账): each complaint's and request's deadlines and where it stands.

DOMAIN.md, form 21 (8D): D1-D3 (the team, the problem, containment) within 24 hours of receipt, the full 8D
closed within ten working days; form 20 (售后服务管理表): a request handled within ten working days, in warranty
until the purchase date plus the warranty. The hours and days live in templates/policies/complaints.yaml, the
working days in the calendar it names. Every deadline has one status: done on time, done late, overdue (not done
and past due) or open (not done, not yet due).

A date typed without a time counts as the start of that day: a complaint received on the 24th and contained on
the 25th is contained within 24 hours, as the form's writer meant; a time, where the master holds one, is exact.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from keyacct_xl.analytics.policy import policy_path
from keyacct_xl.errors import SpecError
from keyacct_xl.i18n import Lang
from keyacct_xl.messages import Message, msg
from keyacct_xl.performance.workdays import WorkCalendar, named_workdays
from keyacct_xl.yamlcheck import Where, read_int, read_mapping, read_str, read_yaml

DEFAULT_DEADLINES = "complaints"
# The status of one deadline, as the register shows it.
DEADLINE_LABELS: dict[str, Message] = {
    "on_time": msg("done in time"),
    "late": msg("done late"),
    "overdue": msg("overdue, not done"),
    "open": msg("not yet due"),
}
COMPLAINT_COLUMNS = [
    "complaint_no",
    "received_date",
    "customer_id",
    "customer_name",
    "rep",
    "severity",
    "owner_department",
    "age_days",
    "containment_due",
    "contained_date",
    "containment",
    "closure_due",
    "closed_date",
    "closure",
    "verified",
    "customer_satisfied",
]
SERVICE_COLUMNS = [
    "request_no",
    "request_date",
    "customer_id",
    "customer_name",
    "rep",
    "product",
    "model",
    "purchase_date",
    "warranty_until",
    "in_warranty",
    "status",
    "handler",
    "age_days",
    "due_date",
    "closed_date",
    "closure",
    "feedback",
]


@dataclass(frozen=True)
class DeadlinePolicy:
    """Containment hours, closure and service working days, warranty months, and the working-day calendar."""

    source: str
    title_zh: str
    title_en: str
    workdays: WorkCalendar
    containment_hours: int
    closure_working_days: int
    service_working_days: int
    warranty_months: int


def load_deadline_policy(name_or_path: str | Path = DEFAULT_DEADLINES) -> DeadlinePolicy:
    """Load and check the complaint and service deadlines (a shipped name such as ``complaints`` or a path)."""
    path = policy_path(name_or_path)
    where = Where(str(path))
    if not path.exists():
        raise SpecError(msg("{path}: policy file not found", path=path))
    keys = {"title", "containment_hours", "closure_working_days", "service_working_days", "warranty_months"}
    data = read_mapping(read_yaml(path, where), where, keys | {"name", "workdays"}, keys)
    title = read_mapping(data["title"], where.at("title"), {"zh", "en"}, {"zh", "en"})
    return DeadlinePolicy(
        source=str(path),
        title_zh=read_str(title["zh"], where.at("title").at("zh")),
        title_en=read_str(title["en"], where.at("title").at("en")),
        workdays=named_workdays(data.get("workdays"), path, where.at("workdays")),
        containment_hours=read_int(data["containment_hours"], where.at("containment_hours"), 1, 24 * 30),
        closure_working_days=read_int(data["closure_working_days"], where.at("closure_working_days"), 1, 250),
        service_working_days=read_int(data["service_working_days"], where.at("service_working_days"), 1, 250),
        warranty_months=read_int(data["warranty_months"], where.at("warranty_months"), 0, 240),
    )


def deadline_status(done: pd.Series, due: pd.Series, *, as_of: pd.Timestamp, whole_days: bool = False) -> pd.Series:
    """One status per row: on_time (done by ``due``), late (done after it), overdue (not done, ``as_of`` past
    it) or open (not done, not yet due). With ``whole_days`` the due date is a day and the whole day counts.
    A row without a due date (no receipt date) is open."""
    done_at, due_at = pd.to_datetime(done), pd.to_datetime(due)
    if whole_days:
        due_at = due_at.dt.normalize() + pd.Timedelta(days=1)  # done any time on the due day is in time
        met = done_at < due_at
    else:
        met = done_at <= due_at
    status = np.select(
        [
            done_at.notna() & met,
            done_at.notna() & due_at.notna(),
            done_at.isna() & (due_at <= as_of if whole_days else due_at < as_of),
        ],
        ["on_time", "late", "overdue"],
        "open",
    )
    return pd.Series(status, index=done.index, dtype=object)


def working_day_due(received: pd.Series, days: int, calendar: WorkCalendar) -> pd.Series:
    """The ``days``-th working day after each receipt day (the day received does not count)."""
    days_of = pd.to_datetime(received).dt.normalize()
    due = {d: pd.Timestamp(calendar.add_working_days(d.date(), days)) for d in days_of.dropna().unique()}
    return pd.to_datetime(days_of.map(due))


def _owners(customers: pd.DataFrame) -> pd.Series:
    ids = customers["customer_id"].astype(str).str.strip()
    return pd.Series(customers["rep"].to_numpy(), index=ids.to_numpy())[~ids.duplicated().to_numpy()]


def _names(rows: pd.DataFrame, customers: pd.DataFrame) -> pd.Series:
    """Each row's customer name as typed, else the customer's in Customers: a rep who picks "C0472 宁波金桥运输有限公司"
    from the form's list leaves the name cell blank, and the register printed none."""
    ids = customers["customer_id"].astype(str).str.strip()
    names = pd.Series(customers["name"].to_numpy(), index=ids.to_numpy())[~ids.duplicated().to_numpy()]
    typed = rows["customer_name"]
    return typed.where(_filled(typed), rows["customer_id"].astype(str).str.strip().map(names))


def _age(received: pd.Series, end: pd.Series, as_of: pd.Timestamp) -> pd.Series:
    """Whole days from receipt to closure, or to ``as_of`` while it is open."""
    stop = pd.to_datetime(end).fillna(as_of)
    return ((stop.dt.normalize() - pd.to_datetime(received).dt.normalize()).dt.days).astype("Int64")


def _filled(values: pd.Series) -> pd.Series:
    return values.notna() & values.astype(str).str.strip().ne("")


def complaint_register(
    complaints: pd.DataFrame, customers: pd.DataFrame, *, as_of: pd.Timestamp, policy: DeadlinePolicy
) -> pd.DataFrame:
    """One row per complaint (COMPLAINT_COLUMNS): containment due ``containment_hours`` after receipt, closure due
    by the end of the ``closure_working_days``-th working day after it, each with its status at ``as_of``; the
    customer's rep; verified when D6 is written. Oldest open first."""
    received = pd.to_datetime(complaints["received_date"])
    out = pd.DataFrame(
        {
            "complaint_no": complaints["complaint_no"],
            "received_date": received,
            "customer_id": complaints["customer_id"],
            "customer_name": _names(complaints, customers),
            "rep": complaints["customer_id"].astype(str).str.strip().map(_owners(customers)),
            "severity": complaints["severity"],
            "owner_department": complaints["owner_department"],
            "age_days": _age(received, complaints["closed_date"], as_of),
            "containment_due": received + pd.Timedelta(hours=policy.containment_hours),
            "contained_date": pd.to_datetime(complaints["contained_date"]),
            "closure_due": working_day_due(received, policy.closure_working_days, policy.workdays),
            "closed_date": pd.to_datetime(complaints["closed_date"]),
            "verified": _filled(complaints["d6_verification"]),
            "customer_satisfied": complaints["customer_satisfied"],
        }
    )
    out["containment"] = deadline_status(out["contained_date"], out["containment_due"], as_of=as_of)
    out["closure"] = deadline_status(out["closed_date"], out["closure_due"], as_of=as_of, whole_days=True)
    return _oldest_open_first(out[COMPLAINT_COLUMNS], "closed_date", "received_date")


def deadline_labels(register: pd.DataFrame, lang: Lang) -> pd.DataFrame:
    """The register with its containment and closure statuses as a document shows them in ``lang`` (a blank stays
    blank)."""
    return register.assign(
        **{
            column: register[column].map(lambda code: DEADLINE_LABELS[code].render(lang), na_action="ignore")
            for column in ("containment", "closure")
        }
    )


def service_register(
    requests: pd.DataFrame, customers: pd.DataFrame, *, as_of: pd.Timestamp, policy: DeadlinePolicy
) -> pd.DataFrame:
    """One row per service request (SERVICE_COLUMNS): due by the end of the ``service_working_days``-th working
    day after receipt, its status at ``as_of``; warranty until the purchase date plus ``warranty_months`` and
    whether the request came within it (blank without a purchase date)."""
    received = pd.to_datetime(requests["request_date"])
    purchased = pd.to_datetime(requests["purchase_date"])
    until = purchased + pd.DateOffset(months=policy.warranty_months) - pd.Timedelta(days=1)
    within = pd.Series(
        np.where(until.notna() & received.notna(), received <= until, None), index=requests.index, dtype=object
    )
    out = pd.DataFrame(
        {
            "request_no": requests["request_no"],
            "request_date": received,
            "customer_id": requests["customer_id"],
            "customer_name": _names(requests, customers),
            "rep": requests["customer_id"].astype(str).str.strip().map(_owners(customers)),
            "product": requests["product"],
            "model": requests["model"],
            "purchase_date": purchased,
            "warranty_until": until,
            "in_warranty": within,
            "status": requests["status"],
            "handler": requests["handler"],
            "age_days": _age(received, requests["closed_date"], as_of),
            "due_date": working_day_due(received, policy.service_working_days, policy.workdays),
            "closed_date": pd.to_datetime(requests["closed_date"]),
            "feedback": requests["feedback"],
        }
    )
    out["closure"] = deadline_status(out["closed_date"], out["due_date"], as_of=as_of, whole_days=True)
    return _oldest_open_first(out[SERVICE_COLUMNS], "closed_date", "request_date")


def _oldest_open_first(frame: pd.DataFrame, closed: str, received: str) -> pd.DataFrame:
    order = frame.assign(_closed=frame[closed].notna()).sort_values(["_closed", received], kind="stable")
    return order.drop(columns="_closed").reset_index(drop=True)


def complaints_per_customer(register: pd.DataFrame) -> pd.DataFrame:
    """Per customer: complaints, open ones, and deadlines missed (containment or closure overdue or late)."""
    missed = register["containment"].isin(["overdue", "late"]) | register["closure"].isin(["overdue", "late"])
    groups = register.assign(open=register["closed_date"].isna(), missed=missed).groupby(
        ["customer_id", "customer_name", "rep"], dropna=False, sort=False
    )
    out = pd.DataFrame(
        {"complaints": groups.size(), "open": groups["open"].sum(), "deadlines_missed": groups["missed"].sum()}
    ).reset_index()
    out = out.astype({"complaints": "int64", "open": "int64", "deadlines_missed": "int64"})
    return out.sort_values(["complaints", "customer_id"], ascending=[False, True], kind="stable").reset_index(drop=True)


def end_of_day(day: dt.date | pd.Timestamp) -> pd.Timestamp:
    """The last second of ``day``: a register "as of" a date covers the whole day."""
    return pd.Timestamp(day).normalize() + pd.Timedelta(days=1) - pd.Timedelta(seconds=1)
