"""Pre-filled forms from the master: a rep's due visits, own-customer dropdowns, a customer's card and ledger.

Pure functions on the Master's DataFrames; the result is a FormData the generator writes.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass

import pandas as pd

from keyacct_xl.errors import InputError
from keyacct_xl.forms.generator import FormData
from keyacct_xl.forms.layout import customer_ref
from keyacct_xl.forms.meta import FIXED_GENERATED_AT, FormContext
from keyacct_xl.forms.spec import FieldSpec, FormSpec
from keyacct_xl.i18n import pick
from keyacct_xl.master.model import Master

# Days between visits by grade when the last visit set no next date (DOMAIN.md, "Visit programme":
# key customers at least quarterly; A and VIP far more often).
VISIT_INTERVAL_DAYS = {"VIP": 7, "A": 14, "B": 30, "C": 90}
DEFAULT_INTERVAL_DAYS = 30
WORKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri")
_LEFT = frozenset({"否", "no"})  # a contact's 在职 (active) value once a newer contact replaced them
_PERIOD = re.compile(r"^(\d{4})-(?:W(\d{2})|(\d{2}))$")


@dataclass(frozen=True)
class Period:
    """A week (``2026-W48``) or a month (``2026-11``) with its first and last day."""

    text: str
    kind: str
    start: dt.date
    end: dt.date


def parse_period(text: str) -> Period:
    """Parse ``2026-W48`` (ISO week, Monday to Sunday) or ``2026-11`` (calendar month)."""
    match = _PERIOD.match(text.strip())
    try:
        if match and match.group(2):
            start = dt.date.fromisocalendar(int(match.group(1)), int(match.group(2)), 1)
            return Period(text.strip(), "week", start, start + dt.timedelta(days=6))
        if match:
            year, month = int(match.group(1)), int(match.group(3))
            start = dt.date(year, month, 1)
            end = (start + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
            return Period(text.strip(), "month", start, end)
    except ValueError:
        pass
    raise InputError(f"--period {text!r}: expected a week like 2026-W48 or a month like 2026-11",
                     f"--period {text!r}：应为周（如 2026-W48）或月份（如 2026-11）")


def known_reps(master: Master) -> list[str]:
    """Every rep named on a customer or a sale."""
    names = pd.concat([master.customers["rep"], master.transactions["rep"]]).dropna().unique()
    return sorted({str(n).strip() for n in names} - {""})


def rep_customers(master: Master, rep: str) -> pd.DataFrame:
    """The rep's customers, ordered by region and route sequence; an unknown rep raises InputError."""
    reps = known_reps(master)
    if rep not in reps:
        shown = ", ".join(reps[:20]) + (" …" if len(reps) > 20 else "")
        raise InputError(f"unknown rep {rep!r}; reps in the master: {shown}",
                         f"客户档案中没有业务员 {rep!r}；已有的业务员：{shown}")
    own = master.customers[master.customers["rep"].astype("string").str.strip() == rep]
    return own.sort_values(["region", "route_seq", "customer_id"], na_position="last", kind="stable")


def customer_record(master: Master, customer_id: str) -> pd.Series:
    """The archive row of ``customer_id``; an unknown id raises InputError."""
    rows = master.customers[master.customers["customer_id"].astype("string").str.strip() == customer_id]
    if rows.empty:
        raise InputError(f"unknown customer {customer_id!r}: not in the master's Customers table",
                         f"客户档案中没有客户编号 {customer_id!r}")
    return rows.iloc[0]


def due_visits(master: Master, rep: str, period: Period) -> pd.DataFrame:
    """The rep's customers due for a visit by the period's end: customer_id, name, grade, last_visit, due.

    Due is the next date set at the last visit, else the last visit plus the grade's interval; a customer
    never visited is due at once.
    """
    own = rep_customers(master, rep)
    # Only the rep's customers' visits: the master holds every rep's history.
    visits = master.visits[master.visits["customer_id"].isin(own["customer_id"])]
    visits = visits.dropna(subset=["date"]).sort_values("date", kind="stable")
    last = visits.groupby("customer_id", sort=False).tail(1).set_index("customer_id")
    start = pd.Timestamp(period.start)
    rows = []
    for _, c in own.iterrows():
        grade = "" if pd.isna(c["grade"]) else str(c["grade"])
        interval = pd.Timedelta(days=VISIT_INTERVAL_DAYS.get(grade, DEFAULT_INTERVAL_DAYS))
        if c["customer_id"] in last.index:
            previous = last.loc[c["customer_id"]]
            due = previous["next_date"] if pd.notna(previous["next_date"]) else previous["date"] + interval
            last_visit = previous["date"]
        else:
            due, last_visit = start, pd.NaT
        if due <= pd.Timestamp(period.end):
            rows.append({"customer_id": c["customer_id"], "customer_name": c["name"], "grade": grade,
                         "last_visit": last_visit, "due": due, "region": c["region"], "route_seq": c["route_seq"]})
    return pd.DataFrame(rows, columns=["customer_id", "customer_name", "grade", "last_visit", "due", "region",
                                       "route_seq"])


def weekly_plan_rows(due: pd.DataFrame, period: Period) -> list[dict[str, object]]:
    """Spread the due customers over Monday to Friday in route order, mornings then afternoons."""
    per_day = max(1, math.ceil(len(due) / len(WORKDAYS)))
    rows = []
    for i, (_, c) in enumerate(due.iterrows()):
        day = min(i // per_day, len(WORKDAYS) - 1)
        slot = "Morning" if (i % per_day) < math.ceil(per_day / 2) else "Afternoon"
        rows.append({"day": WORKDAYS[day], "date": dt.datetime.combine(period.start, dt.time()) + dt.timedelta(day),
                     "time_slot": slot, "activity": "Visit", "customer_id": c["customer_id"],
                     "customer_name": c["customer_name"], "grade": c["grade"] or None,
                     "last_visit": None if pd.isna(c["last_visit"]) else c["last_visit"].to_pydatetime()})
    return rows


def statement_rows(master: Master, customer_id: str, period: Period) -> tuple[float, list[dict[str, object]]]:
    """Opening balance and the period's ledger lines (sales debit, payments credit) with running balance."""
    start, end = pd.Timestamp(period.start), pd.Timestamp(period.end) + pd.Timedelta(days=1)
    sales = master.transactions[master.transactions["customer_id"] == customer_id]
    paid = master.payments[master.payments["customer_id"] == customer_id]
    opening = float(sales.loc[sales["date"] < start, "amount"].sum() - paid.loc[paid["date"] < start, "amount"].sum())
    lines = [(r.date, 0, r.doc_no, str(r.product) if pd.notna(r.product) else "", float(r.amount), 0.0)
             for r in sales[(sales["date"] >= start) & (sales["date"] < end)].itertuples()]
    word = pick(master.lang, "收款", "Payment")  # the line's text in the master's language, then how it was paid
    lines += [(r.date, 1, r.receipt_no, f"{word} {r.method}" if pd.notna(r.method) else word, 0.0, float(r.amount))
              for r in paid[(paid["date"] >= start) & (paid["date"] < end)].itertuples()]
    balance, rows = opening, []
    for date, _, doc, text, debit, credit in sorted(lines, key=lambda x: (x[0], x[1], str(x[2]))):
        balance += debit - credit
        rows.append({"date": date.to_pydatetime(), "doc_no": doc, "description": text, "debit": debit or None,
                     "credit": credit or None, "balance": round(balance, 2)})
    return opening, rows


def _mapped(fields: tuple[FieldSpec, ...], table: str, record: pd.Series) -> dict[str, object]:
    out = {}
    for f in fields:
        if f.maps_to and f.maps_to.split(".")[0] == table and f.maps_to.split(".")[1] in record.index:
            value = record[f.maps_to.split(".")[1]]
            out[f.key] = value.to_pydatetime() if isinstance(value, pd.Timestamp) else value
    return out


def prefill(spec: FormSpec, master: Master, *, rep: str | None = None, customer: str | None = None,
            period: str | None = None, generated_at: dt.datetime = FIXED_GENERATED_AT) -> FormData:
    """The FormData of ``spec`` for a rep, a customer and/or a period, read from ``master``."""
    parsed = parse_period(period) if period else None
    header: dict[str, object] = {}
    rows: dict[str, list[dict[str, object]]] = {}
    dropdowns: dict[tuple[str, str], list[str]] = {}
    if rep:
        own = rep_customers(master, rep)
        refs = [customer_ref(str(c), str(n)) for c, n in zip(own["customer_id"], own["name"], strict=True)]
        for section in spec.sections:
            for f in section.fields:
                if f.key == "customer_id" and f.maps_to and f.maps_to.endswith(".customer_id"):
                    dropdowns[(section.id, f.key)] = refs
    owner = rep or ""
    if customer:
        record = customer_record(master, customer)
        looked_after_by = "" if pd.isna(record["rep"]) else str(record["rep"]).strip()
        if rep and looked_after_by and looked_after_by != rep:
            # The rep could not hand the form in: consolidation refuses another rep's customer.
            raise InputError(f"customer {customer} is looked after by {looked_after_by}, not {rep}",
                             f"客户 {customer} 由 {looked_after_by} 负责，不是 {rep}")
        header.update(_mapped(spec.header_fields, "Customers", record))
        owner = owner or looked_after_by
        _fill_customer_tables(spec, master, customer, rows)
        # A header customer field that also offers the rep's dropdown holds the matching entry, so it validates.
        for section_id, key in dropdowns:
            if spec.section(section_id).kind == "fields" and header.get(key) == customer:
                header[key] = customer_ref(customer, str(record["name"]))
    if spec.id == "weekly_plan" and rep:
        if parsed is None or parsed.kind != "week":
            raise InputError("a pre-filled weekly plan needs --period with a week, e.g. 2026-W48",
                             "预填每周工作计划需要 --period 指定周次，如 2026-W48")
        rows["plan"] = weekly_plan_rows(due_visits(master, rep, parsed), parsed)
        header.update(week_start=_day(parsed.start), week_end=_day(parsed.end), visit_target=len(rows["plan"]))
    if spec.id == "account_statement" and customer and parsed is None:
        raise InputError("a pre-filled account statement needs --period, e.g. 2026-10",
                         "预填对账单需要 --period 指定期间，如 2026-10")
    if spec.id == "account_statement" and customer and parsed:
        opening, rows["lines"] = statement_rows(master, customer, parsed)
        header.update(period_from=_day(parsed.start), period_to=_day(parsed.end), opening_balance=opening,
                      closing_balance=rows["lines"][-1]["balance"] if rows["lines"] else opening)
    title = {"rep": owner, "period": parsed.text if parsed else ""}
    header.update({k: v for k, v in title.items() if v and k in spec.title_fields})
    context = FormContext(rep=rep or "", period=parsed.text if parsed else "", customer=customer or "",
                          generated_at=generated_at)
    return FormData(header=header, rows=rows, dropdowns=dropdowns, context=context)


def _day(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time())


def _fill_customer_tables(spec: FormSpec, master: Master, customer: str, rows: dict) -> None:
    """Tables whose columns map to Contacts get the customer's contacts, except those who left (在职 否)."""
    contacts = master.contacts[master.contacts["customer_id"] == customer]
    if "active" in contacts.columns:
        contacts = contacts[~contacts["active"].astype("string").str.strip().str.casefold().isin(_LEFT)]
    for section in spec.tables:
        if any(f.maps_to and f.maps_to.startswith("Contacts.") for f in section.fields):
            rows[section.id] = [_mapped(section.fields, "Contacts", r) for _, r in contacts.iterrows()]
