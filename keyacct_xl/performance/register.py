"""The complaint and service register (投诉与售后台账) as every front end runs it: the CLI, the ribbon, the demo.

``run_complaint_register`` reads the deadlines (templates/policies/complaints.yaml or a named file), dates each
complaint's containment and closure and each service request's handling at ``as_of``, counts complaints per
customer and, when asked, writes the register as a document.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from keyacct_xl.errors import InputError
from keyacct_xl.i18n import Lang
from keyacct_xl.master.followthrough import COMPLAINTS, SERVICE_REQUESTS
from keyacct_xl.master.schema import CUSTOMERS, VISITS
from keyacct_xl.messages import Message, cmsg, msg, tr
from keyacct_xl.performance.complaints import (
    DEADLINE_LABELS,
    DEFAULT_DEADLINES,
    DeadlinePolicy,
    complaint_register,
    complaints_per_customer,
    end_of_day,
    load_deadline_policy,
    service_register,
)
from keyacct_xl.performance.document import Labels, write_document

HEADERS: dict[str, Message] = {
    "rep": cmsg("complaints register", "Sales Rep"),
    "age_days": cmsg("complaints register", "Age (days)"),
    "containment_due": cmsg("complaints register", "Containment Due"),
    "containment": cmsg("complaints register", "D3 Containment"),
    "closure_due": cmsg("complaints register", "Closure Due"),
    "closure": cmsg("complaints register", "D8 Closure"),
    "service_closure": cmsg("complaints register", "Closure"),
    "verified": cmsg("complaints register", "D6 Verified"),
    "warranty_until": cmsg("complaints register", "Warranty Until"),
    "in_warranty": cmsg("complaints register", "In Warranty"),
    "due_date": cmsg("complaints register", "Due"),
    "status": cmsg("complaints register", "Status"),
    "complaints": cmsg("complaints register", "Complaints"),
    "open": cmsg("complaints register", "Open"),
    "deadlines_missed": cmsg("complaints register", "Deadlines Missed"),
}
LABELS = Labels(
    HEADERS, {"containment": DEADLINE_LABELS, "closure": DEADLINE_LABELS, "service_closure": DEADLINE_LABELS}
)


@dataclass(frozen=True)
class ComplaintRegister:
    """One register: its cut-off and policy, the complaints, the service requests, complaints per customer."""

    as_of: pd.Timestamp
    policy: DeadlinePolicy
    complaints: pd.DataFrame
    services: pd.DataFrame
    per_customer: pd.DataFrame
    path: Path | None = None

    def summary(self, lang: Lang) -> str:
        """One line: complaints open and overdue (containment, closure), service requests open and overdue."""
        c, s = self.complaints, self.services
        return tr(
            lang,
            "complaint register as of {as_of}: {complaints} complaints, {open} open, containment "
            "overdue {contain}, closure overdue {close}; {requests} service requests, {requests_open} "
            "open, {requests_overdue} overdue",
            as_of=self.as_of.strftime("%Y-%m-%d %H:%M"),
            complaints=len(c),
            open=int(c["closed_date"].isna().sum()),
            contain=int((c["containment"] == "overdue").sum()),
            close=int((c["closure"] == "overdue").sum()),
            requests=len(s),
            requests_open=int(s["closed_date"].isna().sum()),
            requests_overdue=int((s["closure"] == "overdue").sum()),
        )

    def report_line(self, lang: Lang) -> str:
        """The summary and the report's path, as the CLI and the demo print it."""
        return tr(lang, "{summary}; report: {path}", summary=self.summary(lang), path=self.path)


def default_register_as_of(tables: Mapping[str, pd.DataFrame]) -> pd.Timestamp:
    """The end of the latest day a complaint, request or visit names: the data's today, never the wall clock."""
    dates = [tables[COMPLAINTS.name][c] for c in ("received_date", "contained_date", "closed_date")]
    dates += [tables[SERVICE_REQUESTS.name][c] for c in ("request_date", "closed_date")]
    dates.append(tables[VISITS.name]["date"] if VISITS.name in tables else pd.Series(dtype="datetime64[ns]"))
    latest = pd.concat([pd.to_datetime(d) for d in dates]).max()
    if pd.isna(latest):
        raise InputError(
            msg("the master has no complaint, service request or visit to date the register; give --as-of")
        )
    return end_of_day(latest)


def register_report_name(as_of: pd.Timestamp) -> str:
    """The report's file name when the caller names only a folder."""
    return f"complaints_{as_of:%Y-%m-%d}.xlsx"


def run_complaint_register(
    tables: Mapping[str, pd.DataFrame],
    *,
    as_of: pd.Timestamp | None = None,
    policy: str | Path | None = None,
    out: Path | None = None,
    out_dir: Path | None = None,
    lang: Lang = "zh",
) -> ComplaintRegister:
    """The register of ``tables`` (Complaints, ServiceRequests, Customers, optionally Visits, by table name) at
    ``as_of`` (default: the end of the latest day they name)."""
    rules = load_deadline_policy(policy or DEFAULT_DEADLINES)
    when = pd.Timestamp(as_of) if as_of is not None else default_register_as_of(tables)
    customers = tables[CUSTOMERS.name]
    complaints = complaint_register(tables[COMPLAINTS.name], customers, as_of=when, policy=rules)
    services = service_register(tables[SERVICE_REQUESTS.name], customers, as_of=when, policy=rules)
    register = ComplaintRegister(when, rules, complaints, services, complaints_per_customer(complaints))
    path = out or (out_dir / register_report_name(when) if out_dir is not None else None)
    if path is None:
        return register
    title = tr(lang, "Complaint and service register as of {as_of}", as_of=when.strftime("%Y-%m-%d %H:%M"))
    sheets = [
        (tr(lang, "Complaints"), complaints),
        # a service request has no 8D steps: its closure deadline is not headed after D8
        (tr(lang, "Service requests"), services.rename(columns={"closure": "service_closure"})),
        (tr(lang, "Complaints per customer"), register.per_customer),
    ]
    return ComplaintRegister(
        when, rules, complaints, services, register.per_customer, write_document(path, title, sheets, LABELS, lang=lang)
    )
