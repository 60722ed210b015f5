"""Scoring the rep KPIs (业务员考核评分): weights and score bands from templates/policies/rep_evaluation.yaml.

DOMAIN.md form 17: each KPI gets a score of 0-100, weighted score = weight × score, the weights add up to 100 %;
the total decides the rating. A KPI a rep has no value for (no sales or collection target) is left out and the
other weights are scaled up to 100 %, so a missing target neither scores 0 nor counts as met.

Most KPIs are better the higher they are: a band gives the lowest value (``from``) that earns its score. The overdue
share is better the lower it is: a band gives the highest value (``to``) that still earns its score. Which of the
two a KPI takes is fixed here (LOWER_IS_BETTER), so a policy cannot reward overdue money by writing ``from`` bands.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from keyacct_xl.analytics.policy import policy_path
from keyacct_xl.errors import SpecError
from keyacct_xl.messages import msg
from keyacct_xl.yamlcheck import Where, read_mapping, read_number, read_str, read_yaml

DEFAULT_SCORING = "rep_evaluation"
# What each scorable KPI is measured against on the form: (target column, actual column) of the KPI table. An
# achievement's actual is what it divides, the months with a target (not the period's sales), so actual / target
# on the line is its value.
MEASURED_BY: Mapping[str, tuple[str | None, str]] = {
    "sales_achievement": ("sales_target", "sales_in_target_months"),
    "collection_achievement": ("collection_target", "collection_in_target_months"),
    "key_coverage": ("key_customers", "key_visited"),
    "new_customers": (None, "new_customers"),
    "reports_on_time_rate": ("reports_due", "reports_on_time"),
    "overdue_share": ("receivables", "overdue"),
    "complaint_closure_rate": ("complaints_due", "complaints_due_closed_in_time"),
    "plan_execution_rate": ("planned_visits", "planned_visits_done"),
}
# The KPIs that are better the lower they are: their bands are ``to`` bands.
LOWER_IS_BETTER = frozenset({"overdue_share"})
SCORE_COLUMNS = ["rep", "kpi", "target", "actual", "value", "weight", "score", "weighted"]


@dataclass(frozen=True)
class KpiScoring:
    """One KPI: its weight and its bands, (lowest value reached, score) highest first, or for a KPI that is better
    the lower it is (``lower_is_better``), (highest value allowed, score) lowest first."""

    key: str
    weight: float
    bands: tuple[tuple[float, float], ...]
    lower_is_better: bool = False

    def score(self, value: float) -> float:
        """The score of the first band ``value`` reaches (0 below every band), or, lower being better, of the first
        band ``value`` does not exceed (0 above every band)."""
        if self.lower_is_better:
            return next((score for most, score in self.bands if value <= most), 0.0)
        return next((score for least, score in self.bands if value >= least), 0.0)


@dataclass(frozen=True)
class ScoringPolicy:
    """The KPIs scored and the rating bands (lowest total reached, rating), highest first."""

    source: str
    kpis: tuple[KpiScoring, ...]
    ratings: tuple[tuple[float, str], ...]

    def rating(self, total: float) -> str | None:
        """The rating of the first band ``total`` reaches."""
        return next((rating for least, rating in self.ratings if total >= least), None)


def load_scoring(name_or_path: str | Path = DEFAULT_SCORING) -> ScoringPolicy:
    """Load and check the scoring policy; the weights must add up to 100 %."""
    path = policy_path(name_or_path)
    where = Where(str(path))
    if not path.exists():
        raise SpecError(msg("{path}: policy file not found", path=path))
    data = read_mapping(read_yaml(path, where), where, {"name", "title", "kpis", "ratings"}, {"kpis", "ratings"})
    kpis = tuple(_kpi(item, where.at("kpis").at(i)) for i, item in enumerate(_list(data["kpis"], where.at("kpis"))))
    total = sum(k.weight for k in kpis)
    if abs(total - 1.0) > 1e-9:
        raise where.at("kpis").fail(msg("the weights add up to {total:.0%}, not 100%", total=total))
    ratings = tuple(
        sorted(
            (
                (
                    _number(r, "from", where.at("ratings").at(i)),
                    read_str(
                        read_mapping(r, where.at("ratings").at(i), {"from", "rating"}, {"from", "rating"})["rating"],
                        where.at("ratings").at(i),
                    ),
                )
                for i, r in enumerate(_list(data["ratings"], where.at("ratings")))
            ),
            reverse=True,
        )
    )
    return ScoringPolicy(str(path), kpis, ratings)


def _list(value: Any, where: Where) -> list[Any]:
    if not isinstance(value, list) or not value:
        raise where.fail(msg("expected a list, got {kind}", kind=type(value).__name__))
    return value


def _number(raw: Any, key: str, where: Where) -> float:
    return read_number(raw.get(key) if isinstance(raw, dict) else None, where.at(key))


def _kpi(item: Any, where: Where) -> KpiScoring:
    raw = read_mapping(item, where, {"key", "weight", "bands"}, {"key", "weight", "bands"})
    key = read_str(raw["key"], where.at("key"))
    if key not in MEASURED_BY:
        raise where.at("key").fail(
            msg("{key!r} is no KPI to score; KPIs: {keys}", key=key, keys=", ".join(MEASURED_BY))
        )
    lower = key in LOWER_IS_BETTER
    bound = "to" if lower else "from"
    bands = []
    for i, band in enumerate(_list(raw["bands"], where.at("bands"))):
        at = where.at("bands").at(i)
        read_mapping(band, at, {"from", "to", "score"}, {"score"})
        _one_bound(band, key, lower, at)
        bands.append((_number(band, bound, at), _number(band, "score", at)))
    weight = read_number(raw["weight"], where.at("weight"))
    return KpiScoring(key, weight, tuple(sorted(bands, reverse=not lower)), lower)


def _one_bound(band: dict, key: str, lower: bool, where: Where) -> None:
    """A band of a KPI better the higher it is has ``from``, of one better the lower it is ``to``; never the other."""
    wrong, right = ("from", "to") if lower else ("to", "from")
    if wrong in band:
        problem = (
            msg(
                "{key} is better the lower it is: a band gives the highest value that still scores as 'to', not 'from'",
                key=key,
            )
            if lower
            else msg(
                "{key} is better the higher it is: a band gives the lowest value that scores as 'from', not 'to'",
                key=key,
            )
        )
        raise where.at(wrong).fail(problem)
    if right not in band:
        raise where.at(right).fail(msg("is required"))


def score_kpis(kpis: pd.DataFrame, policy: ScoringPolicy) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The scored KPIs (SCORE_COLUMNS, one row per rep and KPI) and per rep the total and rating.

    A KPI without a value gets no score and no weight; the weights of the rest are scaled to add up to 1.
    """
    rows = []
    for record in kpis.to_dict("records"):
        present = [k for k in policy.kpis if pd.notna(record[k.key])]
        share = sum(k.weight for k in present)
        for k in policy.kpis:
            target_column, actual_column = MEASURED_BY[k.key]
            value = record[k.key]
            scored = pd.notna(value) and share > 0
            weight = k.weight / share if scored else None
            score = k.score(float(value)) if scored else None
            rows.append(
                {
                    "rep": record["rep"],
                    "kpi": k.key,
                    "target": record[target_column] if target_column else None,
                    "actual": record[actual_column],
                    "value": value,
                    "weight": weight,
                    "score": score,
                    "weighted": weight * score if weight is not None and score is not None else None,
                }
            )
    scores = pd.DataFrame(rows, columns=SCORE_COLUMNS)
    totals = scores.groupby("rep", sort=False)["weighted"].sum(min_count=1).reindex(kpis["rep"])
    result = pd.DataFrame({"rep": kpis["rep"].to_numpy(), "total_score": totals.round(1).to_numpy()})
    result["rating"] = result["total_score"].map(lambda t: policy.rating(float(t)) if pd.notna(t) else None)
    return scores, result
