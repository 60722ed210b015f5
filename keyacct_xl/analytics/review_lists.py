"""The annual review meeting's five lists (DOMAIN.md, "The annual grading process", step 2), from the graded table.

(A) VIP continuation / nomination / revocation; (B) the A and B lists with their upgrade and support plans;
(C) customers with a special policy, each with a proposal keep / adjust / revoke under the policy's rules;
(D) credit grades: customers whose credit grade changes, and customers on special settlement terms (payment terms
longer than the standard of their credit grade in the credit policy), with their overdue figures;
(E) new customers, treated as the policy's new-customer grade for their first months, with their review date.
Every list is sorted by annual sales, largest first, and carries the meeting's entry columns.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from keyacct_xl.analytics.credit_terms import Terms
from keyacct_xl.analytics.policy import GradingPolicy
from keyacct_xl.analytics.rules import join_rules, passes
from keyacct_xl.i18n import Lang
from keyacct_xl.messages import Message, msg

# The five lists, in the meeting's order: key -> sheet title.
LIST_TITLES: dict[str, Message] = {
    "A": msg("(A) VIP list"),
    "B": msg("(B) A and B lists"),
    "C": msg("(C) Special policies"),
    "D": msg("(D) Credit and settlement"),
    "E": msg("(E) New customers"),
}
WHO = ["customer_id", "name", "region", "rep"]
LIST_COLUMNS: dict[str, list[str]] = {
    "A": [
        *WHO,
        "vip_decision",
        "current_grade",
        "proposed_grade",
        "annual_sales",
        "prior_year_sales",
        "growth",
        "credit_grade",
        "influence",
        "reasons",
        "final_grade",
        "comment",
    ],
    "B": [
        *WHO,
        "current_grade",
        "proposed_grade",
        "annual_sales",
        "growth",
        "composite_score",
        "credit_grade",
        "upgrade_candidate",
        "upgrade_plan",
        "support_plan",
        "final_grade",
        "comment",
    ],
    "C": [
        *WHO,
        "special_policy",
        "annual_sales",
        "prior_year_sales",
        "growth",
        "collection_rate",
        "on_time_rate",
        "policy_proposal",
        "proposal_reason",
        "comment",
    ],
    "D": [
        *WHO,
        "current_credit_grade",
        "proposed_credit_grade",
        "payment_terms_days",
        "standard_terms_days",
        "special_settlement",
        "credit_limit",
        "overdue_amount",
        "max_days_overdue",
        "on_time_rate",
        "credit_reason",
        "final_credit_grade",
        "comment",
    ],
    "E": [
        *WHO,
        "first_trade_date",
        "months_as_customer",
        "review_due",
        "annual_sales",
        "proposed_grade",
        "comment",
    ],
}


def vip_decision(table: pd.DataFrame, vip: str) -> pd.Series:
    """continue (VIP stays VIP), new (becomes VIP) or revoke (VIP no more); blank for everyone else."""
    was, stays = table["current_grade"] == vip, table["proposed_grade"] == vip
    choice = np.select([was & stays, ~was & stays, was & ~stays], ["continue", "new", "revoke"], "")
    return pd.Series(choice, index=table.index, dtype=object).replace("", None)


def special_policy_proposal(table: pd.DataFrame, policy: GradingPolicy, lang: Lang) -> pd.DataFrame:
    """Per row: ``policy_proposal`` keep (every keep rule holds), revoke (a revoke rule holds) or adjust, and
    ``proposal_reason`` naming the rules that decided it."""
    keep = np.ones(len(table), dtype=bool)
    for rule in policy.special_keep:
        keep &= passes(rule, table)
    revoke = np.zeros(len(table), dtype=bool)
    for rule in policy.special_revoke:
        revoke |= passes(rule, table)
    proposal = np.where(revoke, "revoke", np.where(keep, "keep", "adjust")).astype(object)
    # The reason shows the rules that decided: the revoke rules for a revoke, else the keep rules.
    reason = np.full(len(table), "", dtype=object)
    if policy.special_keep and len(table):
        reason = join_rules(policy.special_keep, table, lang)
    if policy.special_revoke and len(table):
        reason = np.where(revoke, join_rules(policy.special_revoke, table, lang), reason)
    return pd.DataFrame({"policy_proposal": proposal, "proposal_reason": reason}, index=table.index)


def standard_terms(credit_grades: pd.Series, terms: dict[str, Terms]) -> pd.Series:
    """The payment terms in days that each credit grade gives under the credit policy (blank for no grade)."""
    days = {grade: t.payment_terms_days for grade, t in terms.items()}
    return credit_grades.map(days).astype("Float64").astype("Int64")


def meeting_lists(
    graded: pd.DataFrame, policy: GradingPolicy, terms: dict[str, Terms], lang: Lang
) -> dict[str, pd.DataFrame]:
    """The lists (A)–(E) keyed by letter, each with its own columns, largest annual sales first."""
    table = graded.sort_values(["annual_sales", "customer_id"], ascending=[False, True], kind="stable")
    lists: dict[str, pd.DataFrame] = {}
    if policy.vip_level is not None:
        vip = table.assign(vip_decision=vip_decision(table, policy.vip_level))
        order = {"continue": 0, "new": 1, "revoke": 2}
        vip = vip[vip["vip_decision"].notna()]
        lists["A"] = vip.sort_values("vip_decision", key=lambda s: s.map(order), kind="stable")
    ab = [g for g in ("A", "B") if g in policy.grades]
    part = table[table["proposed_grade"].isin(ab) & ~table["new_customer"].astype(bool)]
    rank = {g: i for i, g in enumerate(ab)}
    lists["B"] = part.sort_values(
        ["proposed_grade", "upgrade_candidate"],
        key=lambda s: s.map(rank) if s.name == "proposed_grade" else ~s,
        kind="stable",
    )
    special = table[np.array([isinstance(v, str) and v.strip() != "" for v in table["special_policy"].tolist()], bool)]
    lists["C"] = special.join(special_policy_proposal(special, policy, lang))
    own_grade = table["current_credit_grade"].where(table["current_credit_grade"].notna(), table["credit_grade"])
    credit = table.assign(standard_terms_days=standard_terms(own_grade, terms))
    longer = (credit["payment_terms_days"].astype("Float64") > credit["standard_terms_days"].astype("Float64")).fillna(
        False
    )
    credit["special_settlement"] = longer.astype(bool)
    # a credit grade not judged (no payments recorded) changes nothing: it is not a change to discuss
    judged = credit["credit_grade"].notna()
    changed = judged & (credit["credit_grade"].astype(object) != credit["current_credit_grade"].astype(object))
    # the column is added before the rows are cut: a Series assigned to no rows would bring its own rows back
    credit["proposed_credit_grade"] = credit["credit_grade"]
    lists["D"] = credit[changed | credit["special_settlement"]]
    lists["E"] = table[table["new_customer"].astype(bool)].sort_values(["review_due", "customer_id"], kind="stable")
    return {key: frame.reindex(columns=LIST_COLUMNS[key]).reset_index(drop=True) for key, frame in lists.items()}


def list_title(key: str, lang: Lang) -> str:
    """The sheet title of list ``key`` in ``lang``."""
    return LIST_TITLES[key].render(lang)


SPOT_CHECK_COLUMNS = [*WHO, "current_grade", "proposed_grade", "annual_sales", "credit_grade", "check_result"]


def spot_check(table: pd.DataFrame, *, size: int, seed: int) -> pd.DataFrame:
    """定期抽查: ``size`` graded customers drawn at random for the manager to check against their files; the same
    seed draws the same customers from the same table (numpy's PCG64), listed by customer id."""
    rng = np.random.default_rng(seed)
    ordered = table.sort_values("customer_id", kind="stable").reset_index(drop=True)
    picked = np.sort(rng.choice(len(ordered), size=min(size, len(ordered)), replace=False))
    return ordered.iloc[picked].assign(check_result=None).reindex(columns=SPOT_CHECK_COLUMNS).reset_index(drop=True)
