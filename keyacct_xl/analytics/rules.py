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

METRIC_LABELS: dict[str, tuple[str, str]] = {
    "annual_sales": ("年度销售额", "annual sales"), "prior_year_sales": ("上年销售额", "prior-year sales"),
    "growth": ("增长率", "growth"), "gross_margin": ("毛利率", "gross margin"),
    "on_time_rate": ("按时付款率", "on-time payment rate"), "collection_rate": ("货款回收率", "collection rate"),
    "price_index": ("销售价格指数", "price index"), "influence": ("当地影响力", "local influence"),
    "visit_rating": ("回访评价", "visit rating"), "months_as_customer": ("合作月数", "months as customer"),
    "composite_score": ("综合得分", "composite score"), "max_days_overdue": ("最长逾期天数", "max days overdue"),
    "overdue_amount": ("逾期金额", "overdue amount"), "bad_debt_amount": ("坏账金额", "bad debt"),
    "avg_days_late": ("平均逾期天数", "average days late"), "credit_grade": ("信用等级", "credit grade"),
    "current_grade": ("现等级", "current grade"),
}
_RATES = {"growth", "gross_margin", "on_time_rate", "collection_rate"}
_MONEY = {"annual_sales", "prior_year_sales", "overdue_amount", "bad_debt_amount"}


def metric_label(metric: str, lang: Lang) -> str:
    """The zh or en name of a metric, for reasons and headers."""
    zh, en = METRIC_LABELS[metric]
    return zh if lang == "zh" else en


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


def holds(rule: Rule, value: object) -> bool:
    """The rule for one value (the scalar twin of ``passes``)."""
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return False
    if METRICS[rule.metric] is None:
        return value in rule.allowed
    if rule.min is not None:
        return float(value) >= rule.min  # type: ignore[arg-type]
    return float(value) <= rule.max  # type: ignore[arg-type,operator]


def describe(rule: Rule, value: object, lang: Lang) -> str:
    """``年度销售额 1,234,567 ≥ 1,000,000`` for one customer's value against one rule."""
    label = metric_label(rule.metric, lang)
    shown = format_value(rule.metric, value)
    if shown == "—":
        return f"{label} {'无数据' if lang == 'zh' else 'no data'}"
    ok = holds(rule, value)
    if METRICS[rule.metric] is None:
        return f"{label} {shown} {'∈' if ok else '∉'} [{', '.join(rule.allowed)}]"
    if rule.min is not None:
        return f"{label} {shown} {'≥' if ok else '<'} {format_value(rule.metric, rule.min)}"
    return f"{label} {shown} {'≤' if ok else '>'} {format_value(rule.metric, rule.max)}"


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


def explain(levels: Sequence[Level], metrics: pd.DataFrame, chosen: np.ndarray, lang: Lang) -> list[str]:
    """Per customer: the rules that gave the chosen level, and the first rule of the level above it that failed."""
    records = metrics.to_dict("records")
    sep, miss = ("，", "未达 {}：") if lang == "zh" else ("; ", "not {}: ")
    out = []
    for row, index in zip(records, chosen.tolist()):
        level = levels[index]
        parts = [describe(r, row[r.metric], lang) for r in level.rules]
        text = f"{level.grade}：" if lang == "zh" else f"{level.grade}: "
        text += sep.join(parts) if parts else ("其余客户" if lang == "zh" else "everyone else")
        if index > 0:
            above = levels[index - 1]
            failed = next((r for r in above.rules if not holds(r, row[r.metric])), None)
            if failed is not None:
                text += ("；" if lang == "zh" else ". ") + miss.format(above.grade) + describe(
                    failed, row[failed.metric], lang)
        out.append(text)
    return out
