"""Pre-filled forms from the master: a rep's due visits, own-customer dropdowns, a customer's card and ledger.

Pure functions on the Master's DataFrames; the result is a FormData the generator writes.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from keyacct_xl.errors import InputError
from keyacct_xl.followup.planner import DEFERRED_REASONS, WeekPlan, due_in_week, plan_week
from keyacct_xl.followup.policy import master_policy
from keyacct_xl.followup.routes import customer_areas
from keyacct_xl.followup.status import DUE_BY_LABELS, STATUS_LABELS, customer_status
from keyacct_xl.forms.generator import FormData
from keyacct_xl.forms.layout import customer_ref, product_ref
from keyacct_xl.forms.meta import FIXED_GENERATED_AT, FormContext
from keyacct_xl.forms.periodkinds import deferred_visit_day, period_problem
from keyacct_xl.forms.spec import FieldSpec, FormSpec
from keyacct_xl.forms.statistics import STATISTICS_FORMS, Scope, statistics_rows, statistics_tables
from keyacct_xl.forms.vocabulary import master_words
from keyacct_xl.i18n import Lang
from keyacct_xl.master.model import Master, empty_frame
from keyacct_xl.master.products import load_optional_tables, on_sale
from keyacct_xl.master.schema import PRODUCTS
from keyacct_xl.messages import first_ids, msg, tr

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
    raise InputError(msg("--period {text!r}: expected a week like 2026-W48 or a month like 2026-11", text=text))


def form_period(spec: FormSpec, text: str) -> Period:
    """``text`` as the period ``spec`` is generated for; a period of a kind the form's consolidation refuses (a
    monthly plan for a week, a target breakdown for any month but January) is refused here by the same rule."""
    parsed = parse_period(text)
    problem = period_problem(spec, parsed.text)
    if problem is not None:
        raise InputError(msg("--period: {problem}", problem=problem))
    return parsed


def known_reps(master: Master) -> list[str]:
    """Every rep named on a customer or a sale."""
    names = pd.concat([master.customers["rep"], master.transactions["rep"]]).dropna().unique()
    return sorted({str(n).strip() for n in names} - {""})


def rep_customers(master: Master, rep: str) -> pd.DataFrame:
    """The rep's customers, ordered by region and route sequence; an unknown rep raises InputError."""
    reps = known_reps(master)
    if rep not in reps:
        raise InputError(msg("unknown rep {rep!r}; reps in the master: {reps}", rep=rep, reps=first_ids(reps, 20)))
    own = master.customers[master.customers["rep"].astype("string").str.strip() == rep]
    return own.sort_values(["region", "route_seq", "customer_id"], na_position="last", kind="stable")


def customer_record(master: Master, customer_id: str) -> pd.Series:
    """The archive row of ``customer_id``; an unknown id raises InputError."""
    rows = master.customers[master.customers["customer_id"].astype("string").str.strip() == customer_id]
    if rows.empty:
        raise InputError(
            msg("unknown customer {customer_id!r}: not in the master's Customers table", customer_id=customer_id)
        )
    return rows.iloc[0]


def due_visits(master: Master, rep: str, period: Period) -> pd.DataFrame:
    """The rep's customers due by the period's end under the master's visit policy (keyacct_xl.followup.status),
    as of its first day, with the area (city, else region), district and route_seq a day's route needs."""
    own = rep_customers(master, rep)
    status = customer_status(
        own, master.visits, as_of=pd.Timestamp(period.start), policy=master_policy(master.settings)
    )
    status = status.assign(
        area=own["city"].fillna(own["region"]).to_numpy(),
        district=customer_areas(own).to_numpy(),
        route_seq=own["route_seq"].to_numpy(),
    )
    return due_in_week(status, period.end)


def _when(value: Any) -> dt.datetime | None:
    return None if pd.isna(value) else pd.Timestamp(value).to_pydatetime()


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [{str(k): v for k, v in r.items()} for r in frame.to_dict("records")]


def _grade(c: dict[str, Any]) -> str | None:
    return c["grade"] if isinstance(c["grade"], str) and c["grade"] else None


def _day_of(period: Period, day: int) -> dt.datetime:
    return dt.datetime.combine(period.start, dt.time()) + dt.timedelta(days=day)


def weekly_plan_rows(plan: WeekPlan, period: Period) -> list[dict[str, object]]:
    """The placed visits day by day in route order (the first half of a day in the morning), then the phone
    calls spread over the week."""
    lines: list[tuple[int, dict[str, object]]] = []
    for _, visits in plan.visits.groupby("day", sort=True):
        half = math.ceil(len(visits) / 2)
        for i, c in enumerate(_records(visits)):
            day = int(c["day"])
            lines.append((day, _plan_line(c, period, day, "Morning" if i < half else "Afternoon", "Visit")))
    for i, c in enumerate(_records(plan.calls)):
        lines.append((i % len(WORKDAYS), _plan_line(c, period, i % len(WORKDAYS), None, "Phone call")))
    return [line for _, line in sorted(lines, key=lambda x: x[0])]  # stable: visits before the same day's calls


def _plan_line(c: dict[str, Any], period: Period, day: int, slot: str | None, activity: str) -> dict[str, object]:
    return {
        "day": WORKDAYS[day],
        "date": _day_of(period, day),
        "time_slot": slot,
        "activity": activity,
        "customer_id": c["customer_id"],
        "customer_name": c["name"],
        "grade": _grade(c),
        "last_visit": _when(c["last_face_to_face"]),
    }


def deferred_rows(plan: WeekPlan, lang: Lang) -> list[dict[str, object]]:
    """The customers the week could not take, with the reason in the form's language."""
    return [
        {
            "customer_id": c["customer_id"],
            "customer_name": c["name"],
            "grade": _grade(c),
            "due_date": _when(c["due_date"]),
            "days_overdue": int(c["days_overdue"]),
            "reason": DEFERRED_REASONS[str(c["reason"])].render(lang),
        }
        for c in _records(plan.deferred)
    ]


def plan_weeks(period: Period) -> list[Period]:
    """The ISO weeks a plan covers: the week itself, or each week whose Monday falls in the month."""
    if period.kind == "week":
        return [period]
    monday = period.start + dt.timedelta(days=(7 - period.start.weekday()) % 7)
    weeks = []
    while monday <= period.end:
        year, week, _ = monday.isocalendar()
        weeks.append(parse_period(f"{year}-W{week:02d}"))
        monday += dt.timedelta(days=7)
    return weeks


def visit_plan_rows(master: Master, rep: str, period: Period) -> list[dict[str, object]]:
    """The visit plan of a week or a month, week by week as the weekly plan places them (each customer once):
    visits face to face on their day, calls by phone, and the customers no week could take planned for the
    Monday after, marked deferred with the reason."""
    policy = master_policy(master.settings)
    rows: list[dict[str, object]] = []
    placed: set[str] = set()
    weeks = plan_weeks(period)
    week: WeekPlan | None = None
    for span in weeks:
        due = due_visits(master, rep, span)
        week = plan_week(due[~due["customer_id"].isin(list(placed))], policy, week_end=span.end)
        for c in _records(week.visits):
            rows.append(_visit_plan_line(c, _day_of(span, int(c["day"])), "Face-to-face", master.lang))
        for i, c in enumerate(_records(week.calls)):
            rows.append(_visit_plan_line(c, _day_of(span, i % len(WORKDAYS)), "Phone", master.lang))
        placed |= set(week.visits["customer_id"]) | set(week.calls["customer_id"])
    if week is not None:
        after = dt.datetime.combine(deferred_visit_day(period.end), dt.time())
        for c in _records(week.deferred):
            line = _visit_plan_line(c, after, "Face-to-face", master.lang)
            rows.append(
                {
                    **line,
                    "remark": tr(master.lang, "deferred: {reason}", reason=DEFERRED_REASONS[str(c["reason"])]),
                }
            )
    return [{"plan_no": i, **r} for i, r in enumerate(rows, start=1)]


def _visit_plan_line(c: dict[str, Any], when: dt.datetime, method: str, lang: Lang) -> dict[str, object]:
    return {
        "customer_id": c["customer_id"],
        "customer_name": c["name"],
        "method": method,
        "planned_date": when,
        "purpose": tr(
            lang, "{status} ({due_by})", status=STATUS_LABELS[str(c["status"])], due_by=DUE_BY_LABELS[str(c["due_by"])]
        ),
    }


def statement_rows(master: Master, customer_id: str, period: Period) -> tuple[float, list[dict[str, object]]]:
    """Opening balance and the period's ledger lines (sales debit, payments credit) with running balance."""
    start, end = pd.Timestamp(period.start), pd.Timestamp(period.end) + pd.Timedelta(days=1)
    sales = master.transactions[master.transactions["customer_id"] == customer_id]
    paid = master.payments[master.payments["customer_id"] == customer_id]
    opening = float(sales.loc[sales["date"] < start, "amount"].sum() - paid.loc[paid["date"] < start, "amount"].sum())
    lines = [
        (r.date, 0, r.doc_no, str(r.product) if pd.notna(r.product) else "", float(r.amount), 0.0)
        for r in sales[(sales["date"] >= start) & (sales["date"] < end)].itertuples()
    ]
    word = tr(master.lang, "Payment")  # the line's text in the master's language, then how it was paid
    lines += [
        (r.date, 1, r.receipt_no, f"{word} {r.method}" if pd.notna(r.method) else word, 0.0, float(r.amount))
        for r in paid[(paid["date"] >= start) & (paid["date"] < end)].itertuples()
    ]
    balance, rows = opening, []
    for date, _, doc, text, debit, credit in sorted(lines, key=lambda x: (x[0], x[1], str(x[2]))):
        balance += debit - credit
        rows.append(
            {
                "date": date.to_pydatetime(),
                "doc_no": doc,
                "description": text,
                "debit": debit or None,
                "credit": credit or None,
                "balance": round(balance, 2),
            }
        )
    return opening, rows


def _mapped(fields: tuple[FieldSpec, ...], table: str, record: pd.Series) -> dict[str, object]:
    out = {}
    for f in fields:
        if f.maps_to and f.maps_to.split(".")[0] == table and f.maps_to.split(".")[1] in record.index:
            value = record[f.maps_to.split(".")[1]]
            out[f.key] = value.to_pydatetime() if isinstance(value, pd.Timestamp) else value
    return out


def plan_week_period(parsed: Period | None) -> Period:
    """The week a pre-filled weekly plan covers (a month was refused by ``form_period``)."""
    if parsed is None:
        raise InputError(msg("a pre-filled weekly plan needs --period with a week, e.g. 2026-W48"))
    return parsed


def prefill(
    spec: FormSpec,
    master: Master,
    *,
    rep: str | None = None,
    customer: str | None = None,
    period: str | None = None,
    city: str | None = None,
    tables: Mapping[str, pd.DataFrame] | None = None,
    generated_at: dt.datetime = FIXED_GENERATED_AT,
) -> FormData:
    """The FormData of ``spec`` for a rep, a customer, a city and/or a period, read from ``master``.

    The statistics forms (``keyacct_xl.forms.statistics``) also read ``tables`` (Products, Listings,
    MonthlyPlanAccounts by name), by default from the master's file.
    """
    parsed = form_period(spec, period) if period else None
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
            raise InputError(
                msg(
                    "customer {customer} is looked after by {owner}, not {rep}",
                    customer=customer,
                    owner=looked_after_by,
                    rep=rep,
                )
            )
        header.update(_mapped(spec.header_fields, "Customers", record))
        owner = owner or looked_after_by
        _fill_customer_tables(spec, master, customer, rows)
        # A header customer field that also offers the rep's dropdown holds the matching entry, so it validates.
        for section_id, key in dropdowns:
            if spec.section(section_id).kind == "fields" and header.get(key) == customer:
                header[key] = customer_ref(customer, str(record["name"]))
    if spec.id == "weekly_plan" and rep:
        parsed = plan_week_period(parsed)
        week = plan_week(due_visits(master, rep, parsed), master_policy(master.settings), week_end=parsed.end)
        rows["plan"], rows["deferred"] = weekly_plan_rows(week, parsed), deferred_rows(week, master.lang)
        header.update(week_start=_day(parsed.start), week_end=_day(parsed.end), visit_target=len(week.visits))
    if spec.id == "visit_plan" and rep and parsed:
        rows["plan"] = visit_plan_rows(master, rep, parsed)
    if spec.id == "account_statement" and customer and parsed is None:
        raise InputError(msg("a pre-filled account statement needs --period, e.g. 2026-10"))
    if spec.id == "account_statement" and customer and parsed:
        opening, rows["lines"] = statement_rows(master, customer, parsed)
        header.update(
            period_from=_day(parsed.start),
            period_to=_day(parsed.end),
            opening_balance=opening,
            closing_balance=rows["lines"][-1]["balance"] if rows["lines"] else opening,
        )
    if spec.id in STATISTICS_FORMS:
        parsed = parsed or latest_month(master)
        header.update(_statistics(spec, master, tables, parsed, rep=rep, customer=customer, city=city, rows=rows))
    title = {"rep": owner, "period": parsed.text if parsed else ""}
    header.update({k: v for k, v in title.items() if v and k in spec.title_fields})
    context = FormContext(
        rep=rep or "", period=parsed.text if parsed else "", customer=customer or "", generated_at=generated_at
    )
    words = master_words(spec, {"Customers": master.customers, "Contacts": master.contacts})
    suggestions = _product_suggestions(spec, master, tables)
    return FormData(
        header=header, rows=rows, dropdowns=dropdowns, suggestions=suggestions, context=context, words=words
    )


def _product_suggestions(
    spec: FormSpec, master: Master, tables: Mapping[str, pd.DataFrame] | None
) -> dict[tuple[str, str], list[str]]:
    """The products on sale (在售 not 否) for each product-code column of ``spec``: code, name and spec."""
    places = [(s.id, f.key) for s in spec.tables for f in s.fields if f.key == "product_code"]
    if not places:
        return {}
    products = (tables or {}).get(PRODUCTS.name)
    if products is None:
        path = master.path
        read = path is not None and path.exists()
        products = load_optional_tables(path, (PRODUCTS,))[PRODUCTS.name] if path and read else empty_frame(PRODUCTS)
    offered = products[on_sale(products) & products["product_code"].notna()]
    entries = list(
        dict.fromkeys(
            product_ref(str(code).strip(), name, size)
            for code, name, size in zip(offered["product_code"], offered["name"], offered["spec"])
            if str(code).strip()
        )
    )
    return {place: entries for place in places} if entries else {}


def latest_month(master: Master) -> Period | None:
    """The month of the master's latest sale: what a statistics form counts when no period is given."""
    last = master.transactions["date"].max()
    return None if pd.isna(last) else parse_period(f"{last:%Y-%m}")


def _statistics(
    spec: FormSpec,
    master: Master,
    tables: Mapping[str, pd.DataFrame] | None,
    parsed: Period | None,
    *,
    rep: str | None,
    customer: str | None,
    city: str | None,
    rows: dict[str, list[dict[str, object]]],
) -> dict[str, object]:
    """A statistics form's header values (its rows go into ``rows``) for a month or week, a rep, city or customer."""
    if parsed is None:
        return {}  # a master without sales has nothing to count
    start, end = pd.Timestamp(parsed.start), pd.Timestamp(parsed.end)
    scope = Scope(start, end, parsed.kind == "month", rep=rep, city=city, customer=customer)
    header, computed = statistics_rows(spec, master, statistics_tables(master) if tables is None else tables, scope)
    rows.update(computed)
    return header


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
