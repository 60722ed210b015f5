"""The grading review: one table per customer for the meeting, and the meeting's lists (DOMAIN.md, step 2).

(A) VIP continue / new / revoke; (B) A and B lists with upgrade candidates first; (D) credit-grade changes;
(E) new customers pending review. The table carries empty final_grade, final_credit_grade and comment columns
for the meeting to fill; ``keyacct_xl.analytics.apply`` reads them back.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from keyacct_xl.analytics.credit import CREDIT_METRICS, credit_grades
from keyacct_xl.analytics.grading import evaluation_date, grade_customers
from keyacct_xl.analytics.metrics import customer_metrics
from keyacct_xl.analytics.policy import (
    METRICS,
    CreditPolicy,
    GradingPolicy,
    load_credit_policy,
    load_grading_policy,
    policy_path,
)
from keyacct_xl.errors import InputError
from keyacct_xl.i18n import Lang
from keyacct_xl.master.model import Master
from keyacct_xl.messages import msg, tr
from keyacct_xl.receivables.ledger import build_ledger

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
    "current_grade",
    "proposed_grade",
    "change",
    "upgrade_candidate",
    "new_customer",
    "reasons",
    "credit_reason",
    "review_due",
    "final_grade",
    "final_credit_grade",
    "comment",
]


@dataclass(frozen=True)
class Review:
    """A year's grading review: the table, the credit grades and the meeting lists (sheet title -> rows)."""

    year: int
    evaluation: pd.Timestamp
    policy: GradingPolicy
    table: pd.DataFrame
    credit: pd.DataFrame
    lists: dict[str, pd.DataFrame]


def build_review(
    master: Master,
    *,
    year: int,
    policy: GradingPolicy | None = None,
    credit_policy: CreditPolicy | None = None,
    lang: Lang | None = None,
) -> Review:
    """Grade every customer of ``master`` for ``year`` (policy from the Settings sheet unless given)."""
    lang = lang or master.lang
    if not (master.transactions["date"].dt.year == year).any():
        # Every customer would come out "new" or at the lowest level: almost surely a mistyped --year.
        raise InputError(
            msg("grading: no transactions in {year} in {master}", year=year, master=master.path or msg("the master"))
        )
    policy = policy or load_grading_policy(master.settings.grading_policy)
    credit_policy = credit_policy or load_credit_policy()
    evaluation = evaluation_date(policy, year)
    ledger = build_ledger(master.transactions, master.payments, master.customers, as_of=evaluation)
    credit = credit_grades(master.customers, ledger, policy=credit_policy, settings=master.settings, lang=lang)
    metrics = customer_metrics(
        master.customers, master.transactions, master.visits, year=year, evaluation=evaluation, ledger=ledger
    )
    by_id = credit.set_index("customer_id")
    # Every ledger metric a policy rule may name (max_days_overdue, overdue_amount ...), not only on_time_rate.
    credit_columns = [c for c in CREDIT_METRICS if c in METRICS]
    for column in (*credit_columns, "current_credit_grade", "credit_grade", "credit_limit", "credit_reason"):
        metrics[column] = metrics["customer_id"].map(by_id[column])
    graded = grade_customers(metrics, policy, settings=master.settings, lang=lang)
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
    return Review(year, evaluation, policy, table, credit, meeting_lists(table, policy, lang))


def meeting_lists(table: pd.DataFrame, policy: GradingPolicy, lang: Lang) -> dict[str, pd.DataFrame]:
    """The review meeting's lists, each sorted by annual sales (upgrade candidates first in A/B)."""
    by_sales = table.sort_values(["annual_sales", "customer_id"], ascending=[False, True], kind="stable")
    lists: dict[str, pd.DataFrame] = {}
    vip = policy.vip_level
    if vip is not None:
        lists[tr(lang, "VIP continue")] = by_sales[
            (by_sales["current_grade"] == vip) & (by_sales["proposed_grade"] == vip)
        ]
        lists[tr(lang, "VIP new")] = by_sales[(by_sales["current_grade"] != vip) & (by_sales["proposed_grade"] == vip)]
        lists[tr(lang, "VIP revoke")] = by_sales[by_sales["change"] == "revoke"]
    for grade in ("A", "B"):
        if grade in policy.grades:
            part = by_sales[(by_sales["proposed_grade"] == grade) & ~by_sales["new_customer"]]
            lists[tr(lang, "{grade} list", grade=grade)] = part.sort_values(
                "upgrade_candidate", ascending=False, kind="stable"
            )
    changed = table["credit_grade"].astype(object) != table["current_credit_grade"].astype(object)
    lists[tr(lang, "Credit changes")] = table[changed]
    lists[tr(lang, "New customers")] = table[table["new_customer"]].sort_values(
        ["review_due", "customer_id"], kind="stable"
    )
    return {title: frame.reset_index(drop=True) for title, frame in lists.items()}
