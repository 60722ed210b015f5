"""The general manager's monthly pack (总经理月报): every figure, as plain frames, from the master and its plans.

The seeds' report system asks for growth month by month in sales and in customers, and for the hidden problems:
what is overdue, over its limit, at risk, not visited, not closed. Each section reuses the rule that already
answers it: sales by rep and their achievement of SalesTargets (performance.reps), the ledger (receivables), visit
status (followup.status), the complaint register (performance.complaints), risky customers (analytics.composition)
and Pareto/ABC (analytics.abc). Sales are net; month-to-month customer definitions are in ``briefing.months``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from keyacct_xl.analytics.abc import abc_classes, abc_summary, revenue_by_customer
from keyacct_xl.analytics.analysis import pareto_curve
from keyacct_xl.analytics.composition import open_at, risky_customers
from keyacct_xl.briefing.months import month_number
from keyacct_xl.followup.policy import VisitPolicy
from keyacct_xl.followup.status import customer_status
from keyacct_xl.forms.catalog import at_closing_stage
from keyacct_xl.i18n import Lang
from keyacct_xl.performance.reps import (
    EvaluationPeriod,
    monthly_sales_by_rep,
    monthly_targets,
    sales_by_rep,
    target_achievement,
)
from keyacct_xl.receivables.ledger import Ledger

CUT_COLUMNS = [
    "sales",
    "sales_last_year",
    "sales_target",
    "sales_achievement",
    "ytd_sales",
    "ytd_last_year",
    "ytd_target",
    "ytd_in_target_months",
    "ytd_achievement",
    "ytd_growth",
]
# The columns of the sales cuts that only a rep has: targets are set per rep.
TARGET_COLUMNS = ("sales_target", "sales_achievement", "ytd_target", "ytd_in_target_months", "ytd_achievement")
CUTS = ("region", "grade", "category", "rep")
TOP_COLUMNS = [
    "rank",
    "customer_id",
    "name",
    "rep",
    "grade",
    "ytd_sales",
    "ytd_last_year",
    "ytd_growth",
    "prior_rank",
    "rank_change",
]
FUNNEL_COLUMNS = ["stage", "opportunities", "expected_amount", "probability", "weighted_amount"]
COVERAGE_COLUMNS = ["rep", "key_customers", "key_visited", "key_coverage", "key_overdue"]
BLANK = "—"  # a group without a value (a line without a category, a customer without a region)


@dataclass(frozen=True)
class Spans:
    """The report's month, the year to date, and both a year earlier."""

    month: EvaluationPeriod
    ytd: EvaluationPeriod

    @classmethod
    def of(cls, month: pd.Period) -> Spans:
        """The spans of the month ``month`` (a monthly period)."""
        first, last = month.start_time.normalize(), month.end_time.normalize()
        return cls(
            EvaluationPeriod(str(month), first, last), EvaluationPeriod(str(month), first.replace(month=1), last)
        )


# The columns comparing with last year's year to date: none when the data hold only part of that span.
YTD_LAST_YEAR = ("ytd_last_year", "ytd_growth", "prior_rank", "rank_change")


def partial(span: EvaluationPeriod, data_from: pd.Period | None) -> bool:
    """Whether ``span`` begins before the data (``data_from``, the first sale's month): they hold part of it only."""
    return data_from is not None and span.first < data_from.start_time


def comparable(frame: pd.DataFrame, *, month: pd.Period, data_from: pd.Period | None) -> pd.DataFrame:
    """``frame`` (a sales cut, the top customers) without the figures of a year earlier that the data cover only in
    part: the same month a year ago before the data, last year's year to date begun before them. Against part of a
    year a growth is no growth, and ¥0.00 reads as no sales."""
    spans = Spans.of(month)
    blank = [
        *(("sales_last_year",) if partial(spans.month.year_before(), data_from) else ()),
        *(YTD_LAST_YEAR if partial(spans.ytd.year_before(), data_from) else ()),
    ]
    return frame.assign(**{c: np.nan for c in blank if c in frame.columns})


def _by_customer(customers: pd.DataFrame, column: str) -> pd.Series:
    """A Customers column by customer id (the id stripped; of an id listed twice, its first row)."""
    ids = customers["customer_id"].astype(str).str.strip()
    return pd.Series(customers[column].to_numpy(), index=ids.to_numpy())[~ids.duplicated().to_numpy()]


def _customer_value(transactions: pd.DataFrame, customers: pd.DataFrame, column: str) -> pd.Series:
    """A Customers column for each sales line, by its customer (each distinct id looked up once)."""
    lookup = _by_customer(customers, column)
    codes, uniques = pd.factorize(transactions["customer_id"].to_numpy(dtype=object))
    found = pd.Series([str(u).strip() for u in uniques], dtype=object).map(lookup).to_numpy(dtype=object)
    return pd.Series(np.array([*found, None], dtype=object)[codes], index=transactions.index, dtype=object)


def _labelled(keys: pd.Series) -> pd.Series:
    """Each key as the text a report shows, a blank one as "—" (each distinct key worked out once)."""
    codes, uniques = pd.factorize(keys.to_numpy(dtype=object))
    shown = [BLANK if pd.isna(u) or not str(u).strip() else str(u).strip() for u in uniques]
    return pd.Series(np.array([*shown, BLANK], dtype=object)[codes], index=keys.index, dtype=object)


def _sales_in(transactions: pd.DataFrame, keys: pd.Series) -> Callable[[EvaluationPeriod], pd.Series]:
    """Sales per key in a period, for keys given per line."""
    labels = _labelled(keys)

    def sales(period: EvaluationPeriod) -> pd.Series:
        dates = transactions["date"]
        inside = ((dates >= period.first) & (dates < period.last + pd.Timedelta(days=1))).to_numpy()
        return transactions["amount"][inside].groupby(labels[inside]).sum()

    return sales


def rep_targets(
    transactions: pd.DataFrame, owner: pd.Series, targets: pd.DataFrame
) -> Callable[[EvaluationPeriod], pd.DataFrame]:
    """Per rep with a target in a period: SalesTargets' monthly amounts over its months and the sales of those
    months against them (performance.reps.target_achievement, the rule of ``keyacct-xl reps``)."""

    def achieved(period: EvaluationPeriod) -> pd.DataFrame:
        sales = monthly_sales_by_rep(transactions, owner, period)
        return target_achievement(sales, monthly_targets(targets, period))

    return achieved


@dataclass(frozen=True)
class RepGoals:
    """The reps' targets of a month and of its year to date, and what they achieved (``rep_targets``): worked out
    once per month of the pack, for the company's line (``sales_total``) and the rep sheet (``sales_cut``)."""

    month: pd.DataFrame
    ytd: pd.DataFrame

    @classmethod
    def of(
        cls, transactions: pd.DataFrame, customers: pd.DataFrame, targets: pd.DataFrame, *, month: pd.Period
    ) -> RepGoals:
        """The goals of the month ``month`` (a monthly period), a line's rep its own, else its customer's."""
        spans = Spans.of(month)
        achieved = rep_targets(transactions, _by_customer(customers, "rep"), targets)
        return cls(achieved(spans.month), achieved(spans.ytd))


def _cut(sales: Callable[[EvaluationPeriod], pd.Series], spans: Spans, goals: RepGoals | None) -> pd.DataFrame:
    parts = {
        "sales": sales(spans.month),
        "sales_last_year": sales(spans.month.year_before()),
        "ytd_sales": sales(spans.ytd),
        "ytd_last_year": sales(spans.ytd.year_before()),
    }
    if goals is not None:
        for prefix, goal in (("sales", goals.month), ("ytd", goals.ytd)):
            parts[f"{prefix}_target"], parts[f"{prefix}_achievement"] = goal["target"], goal["achievement"]
        # what the achievement to date divides: the sales of the months with a target, not the year to date's
        parts["ytd_in_target_months"] = goals.ytd["achieved"]
    frame = pd.DataFrame(parts)
    for money in ("sales", "sales_last_year", "ytd_sales", "ytd_last_year"):
        frame[money] = frame[money].fillna(0.0)
    frame = frame.reindex(columns=CUT_COLUMNS)
    frame["ytd_growth"] = frame["ytd_sales"] / frame["ytd_last_year"].where(frame["ytd_last_year"] > 0) - 1
    return frame.astype("float64")


def sales_cut(
    transactions: pd.DataFrame, customers: pd.DataFrame, goals: RepGoals, *, month: pd.Period, by: str
) -> pd.DataFrame:
    """Sales of the month and the year to date against target (reps: ``goals``, the month's ``RepGoals``) and the
    same spans last year, per ``by``: region, grade (the customer's), category (the line's) or rep (the line's, else
    the customer's)."""
    spans = Spans.of(month)
    if by == "rep":
        owner = _by_customer(customers, "rep")
        frame = _cut(lambda p: sales_by_rep(transactions, owner, p)["sales"], spans, goals)
    else:
        keys = transactions[by] if by in transactions.columns else _customer_value(transactions, customers, by)
        frame = _cut(_sales_in(transactions, keys), spans, None)
    frame = frame.rename_axis(by).reset_index()
    frame[by] = _labelled(frame[by])
    return frame.sort_values(["ytd_sales", by], ascending=[False, True], kind="stable").reset_index(drop=True)


def sales_total(transactions: pd.DataFrame, goals: RepGoals, *, month: pd.Period) -> pd.Series:
    """The company's line of ``sales_cut``: every sale; the targets of every rep who has one (``goals``, the month's
    ``RepGoals``), achieved by the sales of those reps in the months with a target (a rep without one, or a month,
    counts on neither side)."""
    everything = pd.Series("", index=transactions.index)
    cut = _cut(_sales_in(transactions, everything), Spans.of(month), None)
    # one row even when no period has a sale (a company's first year: the same month last year)
    total = cut.iloc[0] if len(cut) else pd.Series(np.nan, index=cut.columns)
    for money in ("sales", "sales_last_year", "ytd_sales", "ytd_last_year"):
        total[money] = 0.0 if pd.isna(total[money]) else total[money]
    for prefix, goal in (("sales", goals.month), ("ytd", goals.ytd)):
        target = float(goal["target"].sum())
        total[f"{prefix}_target"] = target if len(goal) else np.nan
        total[f"{prefix}_achievement"] = float(goal["achieved"].sum()) / target if len(goal) else np.nan
    total["ytd_in_target_months"] = float(goals.ytd["achieved"].sum()) if len(goals.ytd) else np.nan
    return total


def _ytd_revenue(transactions: pd.DataFrame, period: EvaluationPeriod) -> pd.Series:
    dates = transactions["date"]
    inside = (dates >= period.first) & (dates < period.last + pd.Timedelta(days=1))
    lines = transactions[inside.to_numpy()]
    return lines.groupby(lines["customer_id"].astype(str).str.strip())["amount"].sum()


def top_customers(
    transactions: pd.DataFrame, customers: pd.DataFrame, *, month: pd.Period, n: int = 20
) -> pd.DataFrame:
    """The ``n`` largest customers by sales of the year to date, with their rank a year earlier (same span) and the
    places gained (positive) or lost; a customer without sales then has no earlier rank."""
    spans = Spans.of(month)
    now = _ytd_revenue(transactions, spans.ytd)
    if now.empty:
        return pd.DataFrame(columns=TOP_COLUMNS)
    ranked = abc_classes(now).head(n)
    before = _ytd_revenue(transactions, spans.ytd.year_before())
    prior_rank = abc_classes(before).set_index("customer_id")["rank"] if len(before) else pd.Series(dtype="int64")
    ids = ranked["customer_id"].astype(str)
    table = pd.DataFrame(
        {
            "rank": ranked["rank"].to_numpy(),
            "customer_id": ids.to_numpy(),
            **{c: ids.map(_by_customer(customers, c)).to_numpy(dtype=object) for c in ("name", "rep", "grade")},
            "ytd_sales": ranked["revenue"].to_numpy(),
            "ytd_last_year": before.reindex(ids).fillna(0.0).to_numpy(),
        }
    )
    table["ytd_growth"] = table["ytd_sales"] / table["ytd_last_year"].where(table["ytd_last_year"] > 0) - 1
    table["prior_rank"] = prior_rank.reindex(ids).astype("Int64").to_numpy()
    table["rank_change"] = (table["prior_rank"] - table["rank"]).astype("Int64")
    return table[TOP_COLUMNS]


def funnel(opportunities: pd.DataFrame) -> pd.DataFrame:
    """Opportunities per stage: count, expected amount, mean probability and the weighted amount (the row's own,
    else expected × probability), stages in the order of their probability."""
    if opportunities.empty:
        return pd.DataFrame(columns=FUNNEL_COLUMNS)
    expected = pd.to_numeric(opportunities["expected_amount"], errors="coerce")
    chance = pd.to_numeric(opportunities["probability"], errors="coerce")
    weighted = pd.to_numeric(opportunities["weighted_amount"], errors="coerce").fillna(expected * chance)
    frame = pd.DataFrame(
        {
            "stage": _labelled(opportunities["stage"]).to_numpy(),
            "expected_amount": expected.to_numpy(),
            "probability": chance.to_numpy(),
            "weighted_amount": weighted.to_numpy(),
        }
    )
    grouped = frame.groupby("stage", sort=True).agg(
        opportunities=("stage", "size"),
        expected_amount=("expected_amount", "sum"),
        probability=("probability", "mean"),
        weighted_amount=("weighted_amount", "sum"),
    )
    ordered = grouped.reset_index().sort_values(["probability", "stage"], kind="stable", na_position="first")
    return ordered[FUNNEL_COLUMNS].reset_index(drop=True)


def open_pipeline(funnel: pd.DataFrame) -> float:
    """The funnel's weighted amount over the stages still open: a won stage (赢单, or 100 %) is sales made, not
    pipeline, even when some of its lines kept the probability of the stage before (its mean is then below 100 %)."""
    chance = pd.to_numeric(funnel["probability"], errors="coerce")
    closed = at_closing_stage(funnel["stage"]) | (chance >= 1)
    return float(funnel.loc[~closed.to_numpy(), "weighted_amount"].sum())


def key_visit_coverage(
    customers: pd.DataFrame, visits: pd.DataFrame, *, as_of: pd.Timestamp, policy: VisitPolicy
) -> pd.DataFrame:
    """Per rep, the customers of the policy's quarterly grades (VIP, A): how many, how many were visited face to
    face this quarter (to ``as_of``), that share, and how many are overdue for a visit by the policy."""
    status = customer_status(customers, visits, as_of=as_of, policy=policy)
    key = status[status["grade"].isin(policy.quarterly_face_to_face)]
    quarter_start = as_of.to_period("Q").start_time
    frame = pd.DataFrame(
        {
            "rep": _labelled(key["rep"]).to_numpy(),
            "visited": (key["last_face_to_face"] >= quarter_start).to_numpy(),
            "overdue": (key["status"] == "overdue").to_numpy(),
        }
    )
    grouped = frame.groupby("rep", sort=True).agg(
        key_customers=("rep", "size"), key_visited=("visited", "sum"), key_overdue=("overdue", "sum")
    )
    grouped = grouped.astype("int64")
    grouped["key_coverage"] = grouped["key_visited"] / grouped["key_customers"]
    return grouped.reset_index()[COVERAGE_COLUMNS]


def open_complaints(register: pd.DataFrame, *, as_of: pd.Timestamp) -> pd.DataFrame:
    """The register's complaints received by ``as_of`` and not closed by then (oldest first, as the register); the
    risky customers' complaint flag counts them by the same rule."""
    return register[open_at(register, as_of).to_numpy()].reset_index(drop=True)


def overdue_complaints(register: pd.DataFrame) -> pd.Series:
    """Which complaints missed a deadline still open (containment or closure overdue)."""
    return (register["containment"] == "overdue") | (register["closure"] == "overdue")


@dataclass(frozen=True)
class Pareto:
    """The ABC check of the twelve months to the report's month: per customer, per class and the Pareto curve."""

    customers: pd.DataFrame
    classes: pd.DataFrame
    curve: pd.DataFrame


def rolling_year_pareto(transactions: pd.DataFrame, *, month: pd.Period) -> Pareto | None:
    """ABC classes (the Settings' thresholds, as ``abc``) of the twelve months ending with ``month``; None
    without a sale in them."""
    number = month_number(transactions["date"])
    last = month.year * 12 + month.month - 1
    lines = transactions[((number > last - 12) & (number <= last))]
    revenue = revenue_by_customer(lines) if len(lines) else pd.Series(dtype="float64")
    if revenue.empty:
        return None
    table = abc_classes(revenue)
    return Pareto(table, abc_summary(table), pareto_curve(table))


def risky(
    transactions: pd.DataFrame,
    customers: pd.DataFrame,
    ledger: Ledger,
    complaints: pd.DataFrame,
    *,
    month: pd.Period,
    complaint_months: int,
    lang: Lang,
) -> pd.DataFrame:
    """Risky customers at the month's end over the rolling year (analytics.composition's flags and reasons), the
    Complaints table's open and recent complaints among them."""
    end = month.end_time.normalize()
    return risky_customers(
        transactions,
        customers,
        ledger,
        year=month.year,
        complaints=complaints,
        as_of=end,
        complaint_months=complaint_months,
        lang=lang,
    )
