"""The grading review: one table per customer for the meeting, and the meeting's lists (DOMAIN.md, step 2).

The lists (A)–(E) are ``keyacct_xl.analytics.review_lists``. The table carries empty final_grade,
final_credit_grade, upgrade and support plan and comment columns for the meeting to fill;
``keyacct_xl.analytics.apply`` reads them back. When the regional supervisors' credit evaluations of the year
(table CreditEvaluations) are given, their grades stand beside the proposal in supervisor columns; a policy with
``new_customer.provisional_from_evaluation`` gives a new customer the grade its supervisor proposed, provisionally.
Annual sales are whole calendar years (``metrics.annual_sales``); the evaluation date cuts the ledger metrics, and
a year that has not ended on the day of the review is graded with a warning that its annual sales are partial. A
review held before the year ends or before its evaluation date takes the ledger metrics where the sales and payments
end, if earlier, and says so (``ageing_date``): past them every open invoice would age as if nothing were paid. A master
that records no payment is graded with a warning: what was paid is unknown, so the credit grades are not judged and
no rule on a payment figure decides a grade (``credit``, ``grading``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from keyacct_xl.analytics.credit import (
    CREDIT_METRICS,
    PAYMENT_METRICS,
    credit_grades,
    no_payments_recorded,
)
from keyacct_xl.analytics.credit_terms import grade_terms
from keyacct_xl.analytics.grading import evaluation_date, grade_customers
from keyacct_xl.analytics.metrics import customer_metrics, in_year
from keyacct_xl.analytics.policy import (
    METRICS,
    CreditPolicy,
    GradingPolicy,
    load_credit_policy,
    load_grading_policy,
    policy_path,
)
from keyacct_xl.analytics.review_lists import meeting_lists, spot_check
from keyacct_xl.errors import InputError
from keyacct_xl.i18n import Lang
from keyacct_xl.master.model import Master
from keyacct_xl.messages import Message, first_ids, msg, tr
from keyacct_xl.receivables.ledger import Ledger
from keyacct_xl.receivables.master_lines import aged_where_data_ends, data_span, master_ledger
from keyacct_xl.receivables.terms import terms_warnings

REVIEW_COLUMNS = [
    "year",
    "policy",
    "customer_id",
    "name",
    "region",
    "rep",
    "annual_sales",
    "prior_year_sales",
    "growth",
    "gross_margin",
    "on_time_rate",
    "collection_rate",
    "price_index",
    "influence",
    "visit_rating",
    "months_as_customer",
    "composite_score",
    "current_credit_grade",
    "credit_grade",
    "credit_limit",
    "supervisor",
    "supervisor_grade",
    "supervisor_credit_grade",
    "supervisor_limit",
    "current_grade",
    "proposed_grade",
    "change",
    "upgrade_candidate",
    "new_customer",
    "reasons",
    "credit_reason",
    "review_due",
    "upgrade_plan",
    "support_plan",
    "final_grade",
    "final_credit_grade",
    "comment",
]


# What the supervisors' credit evaluations (table CreditEvaluations) add to the review: review key <- their key.
SUPERVISOR_COLUMNS = {
    "supervisor": "supervisor",
    "supervisor_grade": "proposed_grade",
    "supervisor_credit_grade": "proposed_credit_grade",
    "supervisor_limit": "proposed_limit",
}
# Customers columns the lists show beside the metrics (special policy, terms, the plans of last year's meeting).
CUSTOMER_COLUMNS = ("special_policy", "payment_terms_days", "upgrade_plan", "support_plan")


@dataclass(frozen=True)
class Review:
    """A year's grading review: the table, the credit grades, the lists (A)–(E) by letter and the spot check."""

    year: int
    evaluation: pd.Timestamp
    aged: pd.Timestamp  # the ledger metrics' cut-off: the evaluation date, or where the data ends (ageing_date)
    policy: GradingPolicy
    table: pd.DataFrame
    credit: pd.DataFrame
    lists: dict[str, pd.DataFrame]
    spot_check: pd.DataFrame = field(default_factory=pd.DataFrame)
    seed: int = 0
    data_through: pd.Timestamp | None = None  # the last sales line of the master
    warnings: tuple[Message, ...] = ()

    def meeting_figures(self) -> pd.DataFrame:
        """The customers of the lists (A)–(E) with their annual sales and overdue figures (pre-rating forms)."""
        subjects = set().union(*(set(frame["customer_id"].astype(str)) for frame in self.lists.values()))
        overdue = self.credit[["customer_id", "overdue_amount", "max_days_overdue"]]
        figures = self.table[["customer_id", "annual_sales"]].merge(overdue, on="customer_id", how="left")
        return figures[figures["customer_id"].astype(str).isin(subjects)].reset_index(drop=True)


def year_warnings(year: int, through: pd.Timestamp, today: pd.Timestamp) -> tuple[Message, ...]:
    """A warning when the graded year has not ended on ``today``, the day of the review (not where the data ends:
    a year long over whose sales stop in November has ended): its annual sales are partial."""
    if today >= pd.Timestamp(year + 1, 1, 1):
        return ()
    return (
        msg(
            "{year} has not ended ({today}): its annual sales are partial (sales through {through})",
            year=year,
            today=today.date().isoformat(),
            through=through.date().isoformat(),
        ),
    )


def ageing_date(
    year: int, evaluation: pd.Timestamp, through: pd.Timestamp | None, today: pd.Timestamp
) -> tuple[pd.Timestamp, Message | None]:
    """The day the ledger metrics (overdue days, on-time and collection rates, credit grades) are taken at: the
    evaluation date; in a review held before the year ends or before that date (``today``), the last day of the
    sales and payments (``through``) if earlier, with the warning that says so (``aged_where_data_ends``). A review
    held later takes the evaluation date, as the policy says."""
    early = today < max(pd.Timestamp(year + 1, 1, 1), evaluation + pd.Timedelta(days=1))
    return aged_where_data_ends(evaluation, through if early else None, asked=msg("the evaluation date"))


def build_review(
    master: Master,
    *,
    year: int,
    policy: GradingPolicy | None = None,
    credit_policy: CreditPolicy | None = None,
    lang: Lang | None = None,
    evaluations: pd.DataFrame | None = None,
    seed: int | None = None,
    today: pd.Timestamp | None = None,
) -> Review:
    """Grade every customer of ``master`` for ``year`` (policy from the Settings sheet unless given); the
    supervisors' ``evaluations`` (CreditEvaluations rows) add their columns; ``seed`` (default: the year) draws
    the spot check; ``today`` (default: the clock's date) is the day of the review, which says whether the year
    has ended."""
    lang = lang or master.lang
    today = (today if today is not None else pd.Timestamp.today()).normalize()
    if not in_year(master.transactions["date"], year).any():
        # Every customer would come out "new" or at the lowest level: almost surely a mistyped --year.
        raise InputError(
            msg("grading: no transactions in {year} in {master}", year=year, master=master.path or msg("the master"))
        )
    policy = policy or load_grading_policy(master.settings.policy("grading_policy"))
    credit_policy = credit_policy or load_credit_policy()
    evaluation = evaluation_date(policy, year)
    span = data_span(master)
    aged, past_data = ageing_date(year, evaluation, span[1] if span is not None else None, today)
    # The million lines' customer ids factorized once, for the ledger and the metrics both.
    customer_ids = pd.factorize(master.transactions["customer_id"])
    ledger = master_ledger(master, as_of=aged, customer_ids=customer_ids)
    credit = credit_grades(master.customers, ledger, policy=credit_policy, settings=master.settings, lang=lang)
    metrics = customer_metrics(
        master.customers,
        master.transactions,
        master.visits,
        year=year,
        evaluation=evaluation,
        ledger=ledger,
        customer_ids=customer_ids,
    )
    # Every ledger metric a policy rule may name (max_days_overdue, overdue_amount ...), not only on_time_rate.
    credit_columns = [c for c in CREDIT_METRICS if c in METRICS]
    columns = [*credit_columns, "current_credit_grade", "credit_grade", "credit_limit", "credit_reason"]
    # One lookup of the customers for every column (as ``map`` on each would, blank where a customer has none).
    by_id = credit.set_index("customer_id")[columns].reindex(metrics["customer_id"])
    for column in columns:
        metrics[column] = by_id[column].to_numpy()
    # Without any payment recorded, what was paid is unknown: rates and grades that read it are not judged.
    unknown = () if ledger.receipts else (*PAYMENT_METRICS, "collection_rate", "credit_grade")
    if not ledger.receipts:
        metrics["collection_rate"] = np.nan
    metrics, later = _without_later_customers(metrics, master.transactions, customer_ids, year)
    graded = grade_customers(metrics, policy, settings=master.settings, lang=lang, unknown=unknown)
    graded = _with_customer_columns(graded, master.customers)
    graded = _with_supervisors(graded, evaluations, year, policy, lang)
    # The sheet records how to find the policy again at apply time: a shipped name, else the file's path.
    shipped = policy_path(policy.name).resolve() == Path(policy.source).resolve()
    graded = graded.assign(
        year=year,
        policy=policy.name if shipped else policy.source,
        final_grade=None,
        final_credit_grade=None,
        comment=None,
    )
    table = graded[REVIEW_COLUMNS].reset_index(drop=True)
    lists = meeting_lists(graded, policy, grade_terms(credit_policy, master.settings), lang)
    seed = year if seed is None else seed
    through = master.transactions["date"].max()
    return Review(
        year,
        evaluation,
        aged,
        policy,
        table,
        credit,
        lists,
        spot_check(table, size=policy.spot_check_size, seed=seed),
        seed,
        through,
        (
            *year_warnings(year, through, today),
            *((not_yet_customers(later, year),) if later else ()),
            *((past_data,) if past_data is not None else ()),
            *_ledger_warnings(master.customers, ledger, master.lang),
        ),
    )


def _without_later_customers(
    metrics: pd.DataFrame, transactions: pd.DataFrame, customer_ids: tuple[np.ndarray, pd.Index], year: int
) -> tuple[pd.DataFrame, list[str]]:
    """The metrics without the customers who were no customers yet in ``year``, and their ids: no sale up to its
    end, and a first trade (the date typed, else the first sale) after it. Graded on a year they did not trade in,
    they would come out new customers of 0 months, or rank among the year's customers on nothing."""
    codes, names = customer_ids
    first_sale = transactions["date"].groupby(codes).min()
    first_sale = first_sale[first_sale.index >= 0]  # lines without a customer id
    first_sale.index = names[first_sale.index].astype(str)
    ids = metrics["customer_id"].astype(str)
    year_end = pd.Timestamp(year + 1, 1, 1)
    start = metrics["first_trade_date"].fillna(ids.map(first_sale))
    sold_by_then = ids.map(first_sale < year_end).fillna(False).to_numpy(dtype=bool)
    later = (start >= year_end).to_numpy(dtype=bool, na_value=False) & ~sold_by_then
    return metrics[~later].reset_index(drop=True), sorted(ids[later])


def not_yet_customers(ids: list[str], year: int) -> Message:
    """What a review says of the customers it left out: their first trade is after the graded year."""
    return msg(
        "{count:,} customer(s) left out of the {year} grading ({ids}): their first trade is after {year}, so they "
        "were no customers in it; they are graded from the year they first trade in",
        count=len(ids),
        ids=first_ids(ids),
        year=year,
    )


def _ledger_warnings(customers: pd.DataFrame, ledger: Ledger, master_lang: Lang) -> tuple[Message, ...]:
    """What the ledger the credit proposals rest on cannot know: payments never recorded, or customers' terms."""
    if not ledger.receipts:
        return (no_payments_recorded(),)
    return terms_warnings(customers, ledger, master_lang)


def _with_customer_columns(graded: pd.DataFrame, customers: pd.DataFrame) -> pd.DataFrame:
    info = customers.assign(customer_id=customers["customer_id"].astype(str)).drop_duplicates("customer_id")
    info = info.set_index("customer_id").reindex(graded["customer_id"].astype(str))
    out = graded.copy()
    for column in CUSTOMER_COLUMNS:
        out[column] = info[column].to_numpy() if column in info else None
    return out


def _with_supervisors(
    graded: pd.DataFrame, evaluations: pd.DataFrame | None, year: int, policy: GradingPolicy, lang: Lang
) -> pd.DataFrame:
    out = graded.copy()
    if evaluations is None or evaluations.empty:
        for column in SUPERVISOR_COLUMNS:
            out[column] = None
        return out
    rows = evaluations[pd.to_numeric(evaluations["year"], errors="coerce") == year]
    # A customer evaluated twice in the year (a corrected form): the latest row counts.
    rows = rows.assign(customer_id=rows["customer_id"].astype(str)).drop_duplicates("customer_id", keep="last")
    rows = rows.set_index("customer_id")
    ids = out["customer_id"].astype(str)
    for column, source in SUPERVISOR_COLUMNS.items():
        out[column] = ids.map(rows[source]).to_numpy() if source in rows else None
    if policy.new_customer_provisional:
        given = out["supervisor_grade"].map(lambda g: str(g).strip().upper() if isinstance(g, str) else None)
        provisional = out["new_customer"].astype(bool) & given.isin(policy.grades)
        out.loc[provisional, "proposed_grade"] = given[provisional]
        out.loc[provisional, "reasons"] = [
            tr(lang, "new customer: provisionally {grade} from the regional supervisor's evaluation", grade=g)
            for g in given[provisional]
        ]
    return out
