"""Annual grading (DOMAIN.md, "The annual grading process"): proposed grade, change and reasons per customer.

Order of decisions, per customer:
1. composite_score (0–100): the policy's weighted mean of each metric's percentile rank among the graded
   customers (rank "max" for ties; a missing value ranks 0);
2. the first level, best first, whose rules all hold (the lowest level takes the rest);
3. VIP continuation: a current VIP that misses the VIP rules but passes ``vip.continue_rules`` stays VIP;
4. new customers (under ``new_customer.months`` of cooperation at the evaluation date, or no known start) get
   ``new_customer.grade`` and a review date when the months are up (a customer whose first trade is after the
   graded year is not graded at all: ``review`` leaves it out and says so);
5. change: new (new customer, or no current grade), revoke (a VIP losing VIP), up, down or same;
6. upgrade_candidate: the next level up would pass with every numeric threshold loosened by ``upgrade_margin``.
A metric no customer has a value for because the master lacks its source (``unknown``: the payment metrics and the
credit grade of a master that records no payment) is not judged: its rules are left out of every level and of the
VIP continuation, and each reason says so, so an unknown is never read as a failure (nor as a pass).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import replace

import numpy as np
import pandas as pd

from keyacct_xl.analytics.policy import METRICS, GradingPolicy, Rule, with_settings
from keyacct_xl.analytics.rules import explain, first_level, join_rules, level_passes, metric_label, passes
from keyacct_xl.errors import InputError
from keyacct_xl.i18n import Lang
from keyacct_xl.master.settings import Settings, setting_int
from keyacct_xl.messages import msg, tr


def evaluation_date(policy: GradingPolicy, year: int) -> pd.Timestamp:
    """The day the policy grades ``year``: its evaluation month and day, in year + year_offset."""
    return pd.Timestamp(year + policy.evaluation_year_offset, policy.evaluation_month, policy.evaluation_day)


def composite_score(metrics: pd.DataFrame, weights: tuple[tuple[str, float], ...]) -> pd.Series:
    """Weighted mean (0–100) of percentile ranks, each rank taken so that better is higher: a lower-is-better
    metric (days overdue, overdue amount) is ranked on its negated value, so a better value never scores less."""
    total = sum(w for _, w in weights)
    score = pd.Series(0.0, index=metrics.index)
    for metric, weight in weights:
        values = metrics[metric].astype("float64")
        if METRICS.get(metric) is False:
            values = -values
        ranks = values.rank(method="max", pct=True).fillna(0.0)
        score += ranks * (weight / total)
    return (score * 100).round(2)


def grade_customers(
    metrics: pd.DataFrame,
    policy: GradingPolicy,
    *,
    settings: Settings | None = None,
    lang: Lang = "zh",
    unknown: Collection[str] = (),
) -> pd.DataFrame:
    """Add composite_score, proposed_grade, change, upgrade_candidate, reasons, new_customer and review_due;
    the rules on the ``unknown`` metrics are not judged."""
    # The weights' metrics too: the composite score ranks each of them (a range without one said "KeyError").
    wanted = ("customer_id", "current_grade", "months_as_customer", "first_trade_date", *(m for m, _ in policy.weights))
    missing = [m for m in dict.fromkeys(wanted) if m not in metrics.columns]
    if missing:
        raise InputError(msg("grading: metrics lack column(s) {missing}", missing=", ".join(missing)))
    levels = with_settings(policy.levels, settings, policy.source)
    skipped = [m for m in dict.fromkeys(r.metric for lv in levels for r in lv.rules) if m in unknown]
    levels = tuple(replace(lv, rules=tuple(r for r in lv.rules if r.metric not in unknown)) for lv in levels)
    table = metrics.copy()
    table["composite_score"] = composite_score(table, policy.weights)
    grades = policy.grades
    chosen = first_level(level_passes(levels, table))
    reasons = np.asarray(explain(levels, table, chosen, lang), dtype=object)
    continue_rules = tuple(r for r in policy.vip_continue if r.metric not in unknown)
    chosen, reasons = _vip_continuation(table, policy, continue_rules, chosen, reasons, lang)
    proposed = np.array(grades, dtype=object)[chosen]
    named, new_months = policy.new_customer_setting, policy.new_customer_months
    if settings is not None and named and settings.value(named) is not None:
        new_months = setting_int(settings, named)
    months = table["months_as_customer"].to_numpy(dtype="float64", na_value=np.nan)
    is_new = ~(months >= new_months)  # NaN (no known start) counts as new
    proposed = np.where(is_new, policy.new_customer_grade, proposed)
    reasons = reasons.copy()
    known = ["—" if np.isnan(m) else format(m, ".0f") for m in months[is_new].tolist()]
    # One sentence per distinct number of months, not per customer: thousands of new customers share a few.
    sentences = {
        m: tr(
            lang,
            "new customer ({months} months < {minimum}): {grade} until reviewed after {minimum} months",
            months=m,
            minimum=new_months,
            grade=policy.new_customer_grade,
        )
        for m in dict.fromkeys(known)
    }
    reasons[is_new] = [sentences[m] for m in known]
    if skipped:
        # last, so that every row carries it: a new customer's sentence replaces the rules' reasons above
        labels = tr(lang, ", ").join(metric_label(m, lang) for m in skipped)
        reasons = reasons + tr(lang, "; {metrics} not judged (no payments recorded)", metrics=labels)
    table["proposed_grade"] = proposed
    table["change"] = _change(table["current_grade"], proposed, grades, is_new, policy.vip_level)
    table["upgrade_candidate"] = _upgrade_candidates(table, levels, chosen, policy.upgrade_margin) & ~is_new
    table["reasons"] = reasons
    table["new_customer"] = is_new
    due = table["first_trade_date"] + pd.DateOffset(months=new_months)
    table["review_due"] = due.where(pd.Series(is_new, index=table.index) & table["first_trade_date"].notna())
    return table


def _vip_continuation(
    table: pd.DataFrame,
    policy: GradingPolicy,
    rules: tuple[Rule, ...],
    chosen: np.ndarray,
    reasons: np.ndarray,
    lang: Lang,
) -> tuple[np.ndarray, np.ndarray]:
    # no rule left to judge (all on unknown metrics): nobody continues on nothing
    if policy.vip_level is None or not rules:
        return chosen, reasons
    vip = policy.grades.index(policy.vip_level)
    keep = (table["current_grade"] == policy.vip_level).to_numpy(dtype=bool) & (chosen > vip)
    for rule in rules:
        keep &= passes(rule, table)
    if not keep.any():
        return chosen, reasons
    head = tr(lang, "{grade} (VIP continued): ", grade=policy.vip_level)
    reasons = reasons.copy()
    reasons[keep] = head + join_rules(rules, table[keep], lang)
    return np.where(keep, vip, chosen), reasons


def _change(
    current: pd.Series, proposed: np.ndarray, grades: list[str], is_new: np.ndarray, vip_level: str | None
) -> np.ndarray:
    rank = {g: i for i, g in enumerate(grades)}
    before = current.map(rank).to_numpy(dtype="float64", na_value=np.nan)
    after = np.array([rank[g] for g in proposed], dtype="float64")
    revoke = (current == vip_level).to_numpy(dtype=bool) & (proposed != vip_level) if vip_level else False
    return np.select(
        [is_new | np.isnan(before), revoke, after < before, after > before], ["new", "revoke", "up", "down"], "same"
    ).astype(object)


# The change of a grade as reports name it (en: the change key itself).
CHANGE_LABELS = {
    "up": msg("up"),
    "down": msg("down"),
    "same": msg("same"),
    "new": msg("new"),
    "revoke": msg("revoke"),
    "unjudged": msg("not judged"),  # a credit grade without the payments to judge it by
}


def change_counts(changes: pd.Series, lang: Lang) -> str:
    """``不变：499  新评：87 …``: how many customers got each change key (grade or credit), named in ``lang``."""

    def label(key: object) -> str:
        return CHANGE_LABELS[str(key)].render(lang) if str(key) in CHANGE_LABELS else str(key)

    colon = tr(lang, ": ")  # 不变：499 in a zh line, as its credit grade lines (A：392 户) are punctuated
    return "  ".join(f"{label(key)}{colon}{int(n):,}" for key, n in changes.value_counts().items())


def _upgrade_candidates(table: pd.DataFrame, levels, chosen: np.ndarray, margin: float) -> np.ndarray:
    result = np.zeros(len(table), dtype=bool)
    if margin <= 0:
        return result
    for index in range(1, len(levels)):
        mask = chosen == index
        if not mask.any():
            continue
        near = np.ones(len(table), dtype=bool)
        for rule in levels[index - 1].rules:
            near &= passes(rule, table, margin=margin)
        result |= mask & near
    return result
