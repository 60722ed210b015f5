"""Rep evaluation from the data (业务员考核): each rep's KPIs of a month, quarter or year, computed from the master.

DOMAIN.md form 22 (重点客户销售代表考核表) scores sales against target, collection, new customers, key-account
visits, reports handed in and complaints; the supervisor signs it. Every figure here is one the master already
holds: sales (Transactions, by the rep on the line, else the customer's rep) against SalesTargets (the monthly
rows of the target breakdown), the same period a year before, the gross margin of the lines with a cost, collection
(Payments of the rep's customers) against MonthlyPlans' collection target, new customers (first trade in the
period), visits and face-to-face visits, VIP/A customers visited face to face, complaints of the rep's customers and
those closed in time, reports handed in on time (the missing-reports check), and the supervisor's RepEvaluations
score and rating where one was filed. A rep without a target has no achievement (blank, shown as "no target"),
never 0 %. An achievement compares the sales (or collection) of the months that have a target with those targets
(``target_achievement``): over a quarter, a year or a year to date, a month without a target adds nothing to either
side, so the rate of a rep whose targets start in September is not his sales since January over two months' targets.
Those sales stand beside the target (``sales_in_target_months``, ``collection_in_target_months``), so the rate
shown is the figures shown divided.
The monthly pack's achievements use the same rule.

Three KPIs follow what the rep left behind rather than what the rep did: the overdue money of the rep's customers
at the period's end and its change since the previous period's end (``overdue_by_rep``, the ageing's rule), the
complaints due to close in the period closed in time (``complaint_closure``, the register's rule) and the planned
visits done (``plan_execution_by_rep``, the follow-up check's matching). Each is blank where the rep has nothing
to measure (no receivables, no complaint due, no visit planned), never 0 % or 100 %.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import cast

import numpy as np
import pandas as pd

from keyacct_xl.errors import InputError
from keyacct_xl.messages import msg

REP_KPI_COLUMNS = [
    "rep",
    "sales",
    "sales_last_year",
    "sales_target",
    "sales_in_target_months",
    "sales_achievement",
    "gross_margin",
    "collection",
    "collection_target",
    "collection_in_target_months",
    "collection_achievement",
    "receivables",
    "overdue",
    "overdue_before",
    "overdue_change",
    "overdue_share",
    "new_customers",
    "visits",
    "face_to_face",
    "key_customers",
    "key_visited",
    "key_coverage",
    "planned_visits",
    "planned_visits_done",
    "plan_execution_rate",
    "complaints",
    "complaints_closed_in_time",
    "complaints_due",
    "complaints_due_closed_in_time",
    "complaint_closure_rate",
    "reports_due",
    "reports_on_time",
    "reports_on_time_rate",
    "supervisor_score",
    "supervisor_rating",
]
_PERIOD = re.compile(r"^(\d{4})(?:-(?:(\d{2})|Q([1-4])))?$")


@dataclass(frozen=True)
class EvaluationPeriod:
    """A month (2026-10), quarter (2026-Q4) or year (2026): its text, first and last day, and its months."""

    text: str
    first: pd.Timestamp
    last: pd.Timestamp

    @property
    def months(self) -> list[str]:
        """The months of the period as SalesTargets and the plans write them (``2026-10``)."""
        return [str(m) for m in pd.period_range(self.first, self.last, freq="M")]

    def year_before(self) -> EvaluationPeriod:
        """The same period a year earlier."""
        return EvaluationPeriod(self.text, self.first - pd.DateOffset(years=1), self.last - pd.DateOffset(years=1))


def evaluation_period(text: str) -> EvaluationPeriod:
    """``2026-10``, ``2026-Q4`` or ``2026``; anything else is an InputError showing the three forms."""
    m = _PERIOD.match(str(text).strip())
    if m is None or (m[2] is not None and not 1 <= int(m[2]) <= 12):
        raise InputError(msg("--period: {value!r} is no month (2026-10), quarter (2026-Q4) or year (2026)", value=text))
    year = int(m[1])
    if m[2]:
        span = pd.Period(f"{year}-{m[2]}", freq="M")
    elif m[3]:
        span = pd.Period(f"{year}Q{m[3]}", freq="Q")
    else:
        span = pd.Period(str(year), freq="Y")
    return EvaluationPeriod(str(text).strip(), span.start_time.normalize(), span.end_time.normalize())


def _within(dates: pd.Series, period: EvaluationPeriod) -> np.ndarray:
    values = pd.to_datetime(dates)
    return ((values >= period.first) & (values < period.last + pd.Timedelta(days=1))).to_numpy(dtype=bool)


def _owners(customers: pd.DataFrame) -> pd.Series:
    ids = customers["customer_id"].astype(str).str.strip()
    return pd.Series(customers["rep"].to_numpy(), index=ids.to_numpy())[~ids.duplicated().to_numpy()]


def _sales_rep(transactions: pd.DataFrame, owner: pd.Series) -> pd.Series:
    """The rep of each sales line: the line's own, else its customer's."""
    own = transactions["rep"].astype(object)
    blank = own.isna() | own.astype(str).str.strip().eq("")
    if not blank.any():
        return own
    return own.where(~blank, transactions["customer_id"].astype(str).str.strip().map(owner))


def sales_by_rep(transactions: pd.DataFrame, owner: pd.Series, period: EvaluationPeriod) -> pd.DataFrame:
    """Per rep: sales in ``period`` and, over the lines with a cost, the gross margin."""
    lines = transactions.loc[_within(transactions["date"], period)]
    rep = _sales_rep(lines, owner)
    costed = lines["cost"].notna()
    frame = pd.DataFrame(
        {
            "rep": rep.to_numpy(),
            "sales": lines["amount"].to_numpy(dtype=float),
            "costed_sales": lines["amount"].where(costed, 0.0).to_numpy(dtype=float),
            "cost": lines["cost"].fillna(0.0).to_numpy(dtype=float),
        }
    )
    sums = frame.groupby("rep", sort=False)[["sales", "costed_sales", "cost"]].sum()
    margin = (sums["costed_sales"] - sums["cost"]) / sums["costed_sales"].where(sums["costed_sales"] > 0)
    return pd.DataFrame({"sales": sums["sales"], "gross_margin": margin})


def _rep_key(reps: pd.Series) -> pd.Series:
    """Reps as a target names them: stripped, a blank one missing (it has no target)."""
    text = reps.astype("string").str.strip()
    return text.mask(text == "")


def monthly_by_rep(amounts: pd.Series, reps: pd.Series, dates: pd.Series, period: EvaluationPeriod) -> pd.Series:
    """``amounts`` added up per rep and month (``2026-10``) over the lines dated in ``period``."""
    inside = _within(dates, period)
    months = pd.to_datetime(dates[inside]).dt.to_period("M")
    sums = amounts[inside].astype(float).groupby([_rep_key(reps[inside]).to_numpy(), months.to_numpy()]).sum()
    index = cast(pd.MultiIndex, sums.index)
    return sums.set_axis(index.set_levels(list(index.levels[1].astype(str)), level=1))


def monthly_sales_by_rep(transactions: pd.DataFrame, owner: pd.Series, period: EvaluationPeriod) -> pd.Series:
    """Sales per rep (the line's, else its customer's) and month of ``period``."""
    lines = transactions.loc[_within(transactions["date"], period)]
    return monthly_by_rep(lines["amount"], _sales_rep(lines, owner), lines["date"], period)


def monthly_targets(
    plans: pd.DataFrame, period: EvaluationPeriod, *, month: str = "month", amount: str = "amount"
) -> pd.Series:
    """The target per rep and month of ``period`` (SalesTargets ``month`` and ``amount`` by default), a month's
    rows added up; a month whose target is blank or not above zero has none and is left out."""
    months = plans[month].astype("string").str.strip()
    inside = months.isin(set(period.months)).fillna(False).to_numpy(dtype=bool)
    keys = [_rep_key(plans["rep"][inside]).to_numpy(), months[inside].to_numpy()]
    sums = pd.to_numeric(plans[amount][inside], errors="coerce").groupby(keys).sum(min_count=1)
    return sums[sums > 0]


def target_achievement(actual: pd.Series, targets: pd.Series) -> pd.DataFrame:
    """Per rep with a target: the target, what was achieved in the months that have one (``achieved``: the actual
    of a month without a target counts on neither side) and its share of the target (``achievement``).

    ``actual`` and ``targets`` are per rep and month (``monthly_sales_by_rep``, ``monthly_targets``)."""
    achieved = actual.reindex(targets.index, fill_value=0.0)
    frame = pd.DataFrame(
        {"target": targets.groupby(level=0).sum(), "achieved": achieved.groupby(level=0).sum()},
        index=pd.Index(targets.index.get_level_values(0).unique(), name="rep"),
    )
    frame["achievement"] = frame["achieved"] / frame["target"]
    return frame


def overdue_by_rep(ageing: pd.DataFrame, ageing_before: pd.DataFrame, reps: pd.Index) -> pd.DataFrame:
    """Per rep of ``reps``: the receivables and the overdue money of the rep's customers at the period's end
    (``ageing``: receivables.ageing.age_ledger of the ledger at that day), the overdue money at the previous
    period's end (``ageing_before``, the same at that day), its change, and the overdue share.

    Receivables are the open invoices, not yet due and overdue alike (the ageing's buckets); overdue is the part
    past its due date (every bucket but "not yet due"). Credit a customer holds is not netted: it pays none of
    another customer's invoices. The share is overdue / receivables (0 % to 100 %), blank when the rep's customers
    owe nothing.
    """
    now, before = _owed(ageing), _owed(ageing_before)
    out = pd.DataFrame(index=reps)
    out["receivables"] = now["receivables"].reindex(reps, fill_value=0.0)
    out["overdue"] = now["overdue"].reindex(reps, fill_value=0.0)
    out["overdue_before"] = before["overdue"].reindex(reps, fill_value=0.0)
    out["overdue_change"] = (out["overdue"] - out["overdue_before"]).round(2)
    out["overdue_share"] = out["overdue"] / out["receivables"].where(out["receivables"] > 0)
    return out


def _owed(ageing: pd.DataFrame) -> pd.DataFrame:
    """Per rep: the open invoices of the rep's customers and their overdue part, to the cent."""
    receivables = ageing["balance"] - ageing["unapplied_credit"]
    frame = pd.DataFrame(
        {
            "rep": ageing["rep"].to_numpy(dtype=object),
            "receivables": receivables.to_numpy(dtype=float),
            "overdue": (receivables - ageing["not_due"]).to_numpy(dtype=float),
        }
    )
    return frame.groupby("rep", sort=False)[["receivables", "overdue"]].sum().round(2)


def complaint_closure(register: pd.DataFrame, period: EvaluationPeriod, reps: pd.Index) -> pd.DataFrame:
    """Per rep of ``reps``: the complaints of the rep's customers due to close in ``period`` (their closure due
    date in it, whenever received), those closed in time, and that share; blank without a complaint due.

    ``register`` is the complaint register (complaint_register) at the period's end: a complaint due in the period
    is by then closed in time, closed late or overdue (DOMAIN.md form 21: the 8D closed within ten working days).
    A register of a period not over is taken today: one still open and not yet due then is left out, not late.
    """
    due = register.loc[_within(register["closure_due"], period) & (register["closure"] != "open").to_numpy()]
    out = pd.DataFrame(index=reps)
    out["complaints_due"] = due["rep"].value_counts().reindex(reps, fill_value=0)
    in_time = due.loc[(due["closure"] == "on_time").to_numpy(), "rep"]
    out["complaints_due_closed_in_time"] = in_time.value_counts().reindex(reps, fill_value=0)
    out["complaint_closure_rate"] = out["complaints_due_closed_in_time"] / out["complaints_due"].where(
        out["complaints_due"] > 0
    )
    return out


def plan_execution_by_rep(plan: pd.DataFrame, period: EvaluationPeriod, reps: pd.Index) -> pd.DataFrame:
    """Per rep of ``reps``: the visits the rep planned in ``period`` whose time has come, those done, and that
    share; blank without one.

    ``plan`` is followup.execution.plan_execution's plan lines (weekly plans' and visit plans' customer lines) with
    their status at the period's end: done (a visit of the customer within the visit policy's ``plan_match_days``
    of the planned day), missed (none, and that window is over), pending (the window is still open at the period's
    end: neither done nor missed yet, so left out).
    """
    lines = plan.loc[_within(plan["planned_date"], period)]
    decided = lines[lines["status"].isin(["done", "missed"]).to_numpy()]
    out = pd.DataFrame(index=reps)
    out["planned_visits"] = decided["rep"].value_counts().reindex(reps, fill_value=0)
    done = decided.loc[(decided["status"] == "done").to_numpy(), "rep"]
    out["planned_visits_done"] = done.value_counts().reindex(reps, fill_value=0)
    out["plan_execution_rate"] = out["planned_visits_done"] / out["planned_visits"].where(out["planned_visits"] > 0)
    return out


def rep_kpis(
    reps: Sequence[str],
    *,
    customers: pd.DataFrame,
    transactions: pd.DataFrame,
    payments: pd.DataFrame,
    visits: pd.DataFrame,
    targets: pd.DataFrame,
    monthly_plans: pd.DataFrame,
    complaints: pd.DataFrame,
    submissions: pd.DataFrame,
    evaluations: pd.DataFrame,
    ageing: pd.DataFrame,
    ageing_before: pd.DataFrame,
    plan: pd.DataFrame,
    period: EvaluationPeriod,
    key_grades: Sequence[str],
    is_face_to_face,
) -> pd.DataFrame:
    """One row per rep of ``reps`` (REP_KPI_COLUMNS) for ``period``.

    ``complaints`` is the complaint register (complaint_register) and ``submissions`` the missing-reports detail
    (submission_status), both at the period's end; ``ageing`` and ``ageing_before`` the receivables' ageing
    (age_ledger) at the period's end and at the previous period's end; ``plan`` the plan lines with their status at
    the period's end (plan_execution); ``is_face_to_face(method)`` tells a visit from a call.
    """
    index = pd.Index(list(reps), name="rep")
    owner = _owners(customers)
    out = pd.DataFrame(index=index)
    now = sales_by_rep(transactions, owner, period)
    out["sales"] = now["sales"].reindex(index, fill_value=0.0)
    out["sales_last_year"] = sales_by_rep(transactions, owner, period.year_before())["sales"].reindex(
        index, fill_value=0.0
    )
    months = set(period.months)
    sales = target_achievement(monthly_sales_by_rep(transactions, owner, period), monthly_targets(targets, period))
    out["sales_target"] = sales["target"].reindex(index)
    # what the achievement divides, beside the target: the reader checks the rate from the page
    out["sales_in_target_months"] = sales["achieved"].reindex(index)
    out["sales_achievement"] = sales["achievement"].reindex(index)
    out["gross_margin"] = now["gross_margin"].reindex(index)
    paid = payments.loc[_within(payments["date"], period)]
    payer = paid["customer_id"].astype(str).str.strip().map(owner)
    collected = monthly_by_rep(paid["amount"], payer, paid["date"], period)
    out["collection"] = collected.groupby(level=0).sum().reindex(index, fill_value=0.0)
    planned = monthly_targets(monthly_plans, period, month="period", amount="collection_target")
    collection = target_achievement(collected, planned)
    out["collection_target"] = collection["target"].reindex(index)
    out["collection_in_target_months"] = collection["achieved"].reindex(index)
    out["collection_achievement"] = collection["achievement"].reindex(index)
    out = out.join(overdue_by_rep(ageing, ageing_before, index))
    first = pd.to_datetime(customers["first_trade_date"])
    out["new_customers"] = customers.loc[_within(first, period), "rep"].value_counts().reindex(index, fill_value=0)
    seen = visits.loc[_within(visits["date"], period)]
    face = seen["method"].map(is_face_to_face).astype(bool) | seen["method"].isna()
    out["visits"] = seen["rep"].value_counts().reindex(index, fill_value=0)
    out["face_to_face"] = seen.loc[face.to_numpy(), "rep"].value_counts().reindex(index, fill_value=0)
    key = customers[customers["grade"].astype(str).str.strip().str.upper().isin(list(key_grades))]
    visited = set(seen.loc[face.to_numpy(), "customer_id"].astype(str).str.strip())
    key_ids = key["customer_id"].astype(str).str.strip()
    out["key_customers"] = key["rep"].value_counts().reindex(index, fill_value=0)
    out["key_visited"] = key.loc[key_ids.isin(visited).to_numpy(), "rep"].value_counts().reindex(index, fill_value=0)
    out["key_coverage"] = out["key_visited"] / out["key_customers"].where(out["key_customers"] > 0)
    out = out.join(plan_execution_by_rep(plan, period, index))
    received = complaints.loc[_within(complaints["received_date"], period)]
    out["complaints"] = received["rep"].value_counts().reindex(index, fill_value=0)
    out["complaints_closed_in_time"] = (
        received.loc[(received["closure"] == "on_time").to_numpy(), "rep"].value_counts().reindex(index, fill_value=0)
    )
    out = out.join(complaint_closure(complaints, period, index))
    due = submissions[submissions["submission"].isin(["on_time", "late", "missing"])]
    out["reports_due"] = due["rep"].value_counts().reindex(index, fill_value=0)
    out["reports_on_time"] = (
        due.loc[(due["submission"] == "on_time").to_numpy(), "rep"].value_counts().reindex(index, fill_value=0)
    )
    out["reports_on_time_rate"] = out["reports_on_time"] / out["reports_due"].where(out["reports_due"] > 0)
    scored = evaluations[evaluations["period"].astype(str).str.strip().isin(months)]
    latest = scored.sort_values("period", kind="stable").drop_duplicates("rep", keep="last").set_index("rep")
    out["supervisor_score"] = latest["total_score"].reindex(index)
    out["supervisor_rating"] = latest["rating"].reindex(index).astype(object)
    counts = [
        "new_customers",
        "visits",
        "face_to_face",
        "key_customers",
        "key_visited",
        "planned_visits",
        "planned_visits_done",
        "complaints",
        "complaints_closed_in_time",
        "complaints_due",
        "complaints_due_closed_in_time",
        "reports_due",
        "reports_on_time",
    ]
    return out.astype({c: "int64" for c in counts}).reset_index()[REP_KPI_COLUMNS]
