"""Evaluate policy levels on a frame of metrics: the first level whose rules all hold, and why, per customer.

Shared by annual grading and credit grading. A missing metric value (NaN, blank grade) never passes a rule,
so a customer without data cannot be promoted by accident; the reason sentence says "no data".
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from keyacct_xl.analytics.policy import METRICS, Level, Rule
from keyacct_xl.i18n import Lang
from keyacct_xl.messages import Message, msg, tr

METRIC_LABELS: dict[str, Message] = {
    "annual_sales": msg("annual sales"),
    "prior_year_sales": msg("prior-year sales"),
    "growth": msg("growth"),
    "gross_margin": msg("gross margin"),
    "on_time_rate": msg("on-time payment rate"),
    "collection_rate": msg("collection rate"),
    "price_index": msg("price index"),
    "influence": msg("local influence"),
    "visit_rating": msg("visit rating"),
    "months_as_customer": msg("months as customer"),
    "composite_score": msg("composite score"),
    "max_days_overdue": msg("max days overdue"),
    "overdue_amount": msg("overdue amount"),
    "bad_debt_amount": msg("bad debt"),
    "avg_days_late": msg("average days late"),
    "credit_grade": msg("credit grade"),
    "current_grade": msg("current grade"),
}
_RATES = {"growth", "gross_margin", "on_time_rate", "collection_rate"}
_MONEY = {"annual_sales", "prior_year_sales", "overdue_amount", "bad_debt_amount"}


def metric_label(metric: str, lang: Lang) -> str:
    """The zh or en name of a metric, for reasons and headers."""
    return METRIC_LABELS[metric].render(lang)


def format_value(metric: str, value: object) -> str:
    """A metric value as a person reads it: money with separators, rates as percentages."""
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return "—"
    if METRICS[metric] is None:
        return str(value)
    number = float(value)  # type: ignore[arg-type]
    if metric in _RATES:
        return f"{number:.1%}"
    if metric in _MONEY:
        return f"{number:,.0f}"
    return f"{number:,.2f}".rstrip("0").rstrip(".")


def passes(rule: Rule, metrics: pd.DataFrame, *, margin: float = 0.0) -> np.ndarray:
    """True where the rule holds; ``margin`` loosens numeric thresholds by that fraction (upgrade candidates)."""
    column = metrics[rule.metric]
    if METRICS[rule.metric] is None:
        return column.isin(rule.allowed).to_numpy(dtype=bool)
    values = column.to_numpy(dtype="float64", na_value=np.nan)
    with np.errstate(invalid="ignore"):
        if rule.min is not None:
            return values >= rule.min - abs(rule.min) * margin
        return values <= rule.max + abs(rule.max) * margin  # type: ignore[operator]


def level_passes(levels: Sequence[Level], metrics: pd.DataFrame) -> np.ndarray:
    """Matrix (levels × customers): True where every rule of the level holds."""
    matrix = np.ones((len(levels), len(metrics)), dtype=bool)
    for i, level in enumerate(levels):
        for rule in level.rules:
            matrix[i] &= passes(rule, metrics)
    return matrix


def first_level(matrix: np.ndarray) -> np.ndarray:
    """Per customer, the index of the first (best) level that passes; the last level always passes."""
    return np.argmax(matrix, axis=0)


def format_column(metric: str, values: pd.Series) -> np.ndarray:
    """``format_value`` for a whole column at once (the grading of 100,000 customers formats every value)."""
    if METRICS[metric] is None:
        return np.array(["—" if v is None or v is pd.NA or v != v else str(v) for v in values.tolist()], dtype=object)
    numbers = values.to_numpy(dtype="float64", na_value=np.nan)
    # Each distinct value formatted once: customers share whole days, grades and round amounts.
    distinct, where = np.unique(numbers, return_inverse=True)
    if metric in _RATES:
        text = [f"{v:.1%}" for v in distinct.tolist()]
    elif metric in _MONEY:
        text = [f"{v:,.0f}" for v in distinct.tolist()]
    else:
        text = [f"{v:,.2f}".rstrip("0").rstrip(".") for v in distinct.tolist()]
    shown = np.array(text, dtype=object)[where.reshape(-1)] if len(numbers) else np.array([], dtype=object)
    return np.where(np.isnan(numbers), "—", shown).astype(object)


def describe_column(rule: Rule, metrics: pd.DataFrame, lang: Lang) -> np.ndarray:
    """``describe`` for every row of ``metrics`` at once."""
    label = metric_label(rule.metric, lang)
    shown = format_column(rule.metric, metrics[rule.metric])
    ok = passes(rule, metrics)
    if METRICS[rule.metric] is None:
        op, tail = np.where(ok, " ∈ ", " ∉ "), f"[{', '.join(rule.allowed)}]"
    elif rule.min is not None:
        op, tail = np.where(ok, " ≥ ", " < "), format_value(rule.metric, rule.min)
    else:
        op, tail = np.where(ok, " ≤ ", " > "), format_value(rule.metric, rule.max)
    text = label + " " + shown + op.astype(object) + tail
    return np.where(shown == "—", tr(lang, "{metric} no data", metric=label), text).astype(object)


def join_rules(rules: Sequence[Rule], metrics: pd.DataFrame, lang: Lang) -> np.ndarray:
    """Every rule described and joined, per row."""
    # Translators: the separator between the rules of a reason (or the risks of a customer)
    sep = tr(lang, "; ")
    parts = [describe_column(r, metrics, lang) for r in rules]
    text = parts[0]
    for part in parts[1:]:
        text = text + sep + part
    return text


def explain(levels: Sequence[Level], metrics: pd.DataFrame, chosen: np.ndarray, lang: Lang) -> list[str]:
    """Per customer: the rules that gave the chosen level, and the first rule of the level above it that failed."""
    out = np.empty(len(metrics), dtype=object)
    colon = tr(lang, ": ")
    # Only the columns the rules read are cut per level (the graded table is wide).
    metrics = metrics[list(dict.fromkeys(rule.metric for level in levels for rule in level.rules))]
    for index, level in enumerate(levels):
        mask = chosen == index
        if not mask.any():
            continue
        sub = metrics[mask]
        if level.rules:
            text = f"{level.grade}{colon}" + join_rules(level.rules, sub, lang)
        else:
            text = np.full(len(sub), f"{level.grade}{colon}" + tr(lang, "everyone else"), dtype=object)
        if index > 0 and levels[index - 1].rules:
            above = levels[index - 1]
            failed = np.full(len(sub), "", dtype=object)
            left = np.ones(len(sub), dtype=bool)
            for rule in above.rules:  # the first failing rule is written, described only where it decides
                fails = left & ~passes(rule, sub)
                if fails.any():
                    failed[fails] = describe_column(rule, sub[fails], lang)
                    left &= ~fails
            lead = tr(lang, ". not {grade}: ", grade=above.grade)
            text = np.where(failed != "", text + lead + failed, text)
        out[mask] = text
    return out.tolist()
