"""Grading and credit policies: YAML files in templates/policies/ loaded into frozen, validated models.

A policy is data, never code (DOMAIN.md, "The annual grading process": two variants must both be expressible).
Validation happens on load: an unknown metric, a rule without a threshold, or thresholds that do not get
stricter from the lowest level to the highest raise SpecError naming the file and the key.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from importlib import resources
from pathlib import Path

import yaml

from keyacct_xl.errors import SpecError
from keyacct_xl.master.settings import Settings, setting_name
from keyacct_xl.master.shipped import shipped_code, shipped_policies
from keyacct_xl.messages import Rendered, msg
from keyacct_xl.yamlcheck import SAFE_LOADER

# Metric name -> True when a higher value is better, None for grade-valued metrics (rules use `in`).
METRICS: dict[str, bool | None] = {
    "annual_sales": True,
    "prior_year_sales": True,
    "growth": True,
    "gross_margin": True,
    "on_time_rate": True,
    "collection_rate": True,
    "price_index": True,
    "influence": True,
    "visit_rating": True,
    "months_as_customer": True,
    "composite_score": True,
    "max_days_overdue": False,
    "overdue_amount": False,
    "bad_debt_amount": False,
    "avg_days_late": False,
    "credit_grade": None,
    "current_grade": None,
}

# What a credit policy's rules can read: the ledger metrics of ``keyacct_xl.analytics.credit`` (sales, grades and
# other customer metrics are not computed for the credit grade).
CREDIT_RULE_METRICS = ("on_time_rate", "avg_days_late", "max_days_overdue", "overdue_amount", "bad_debt_amount")


@dataclass(frozen=True)
class Rule:
    """One condition: metric ≥ min, metric ≤ max, or metric in a list of grades; `setting` may override it."""

    metric: str
    min: float | None = None
    max: float | None = None
    allowed: tuple[str, ...] = ()
    setting: str | None = None

    @property
    def threshold(self) -> float | None:
        """The numeric threshold (min or max), if any."""
        return self.min if self.min is not None else self.max


@dataclass(frozen=True)
class Level:
    """A grade and the rules a customer must all pass to get it; the lowest level has none."""

    grade: str
    rules: tuple[Rule, ...] = ()
    credit_limit: float | None = None
    credit_limit_setting: str | None = None


@dataclass(frozen=True)
class GradingPolicy:
    """An annual grading policy: levels best first, composite weights, new-customer and VIP rules."""

    source: str
    name: str
    title_zh: str
    title_en: str
    evaluation_month: int
    evaluation_day: int
    evaluation_year_offset: int
    levels: tuple[Level, ...]
    weights: tuple[tuple[str, float], ...]
    new_customer_months: int
    new_customer_grade: str
    new_customer_setting: str | None
    vip_level: str | None
    vip_continue: tuple[Rule, ...]
    upgrade_margin: float
    # (C) special policies: keep while every keep rule holds, revoke when any revoke rule holds, else adjust.
    special_keep: tuple[Rule, ...] = ()
    special_revoke: tuple[Rule, ...] = ()
    # 定期抽查: how many graded customers the manager's spot check draws.
    spot_check_size: int = 20
    # A new customer takes the grade its regional supervisor's credit evaluation proposes, provisionally.
    new_customer_provisional: bool = False

    @property
    def grades(self) -> list[str]:
        """Grades best first."""
        return [lv.grade for lv in self.levels]


# How an order is handled per credit grade (DOMAIN.md, "Credit"): allowed within the limit; within the limit but
# the sales manager approves while anything is overdue more than approval_overdue_days; cash or prepayment only.
HANDLING_RULES = ("allow", "approval_when_overdue", "prepay")


@dataclass(frozen=True)
class GradeTerms:
    """The trading terms of one credit grade: the limit (absolute, or ``limit_months`` of the customer's average
    monthly sales), the payment terms in days and how an order is handled; each may name a Settings key."""

    grade: str
    payment_terms_days: int
    handling: str
    limit_months: float | None = None
    payment_terms_setting: str | None = None


@dataclass(frozen=True)
class CreditPolicy:
    """Credit grades best first, with the ledger window, the suggested limit and the trading terms per grade."""

    source: str
    name: str
    window_months: int
    grace_days: int
    bad_debt_days: int
    no_history_grade: str
    levels: tuple[Level, ...]
    terms: tuple[GradeTerms, ...] = ()
    approval_overdue_days: int = 30
    approval_overdue_setting: str | None = None

    @property
    def grades(self) -> list[str]:
        """Grades best first."""
        return [lv.grade for lv in self.levels]


def policy_path(name_or_path: str | Path) -> Path:
    """A policy file: a file shipped in templates/policies/ named by its name or a title (四级客户分级（VIP/A/B/C）,
    as the documents print it), else a path as given. A shipped name means the shipped policy even when a file or
    folder of that name lies in the working folder (a folder ``credit/`` there made ``credit apply`` fail with
    "credit: Is a directory"); ``./credit`` or ``credit.yaml`` names the file."""
    text = str(name_or_path)
    path = Path(text)
    if path.suffix in (".yaml", ".yml"):
        return path
    code = shipped_code(shipped_policies(), text)
    if code is None and ("/" in text or "\\" in text):  # a path, not a title (titles may hold a slash: A/B/C)
        return path
    shipped = Path(str(resources.files("keyacct_xl.templates") / "policies" / f"{code or text}.yaml"))
    return shipped if shipped.exists() or not path.exists() else path


def _read(path: Path) -> dict:
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=SAFE_LOADER)
    except FileNotFoundError:
        raise SpecError(msg("{path}: policy file not found", path=path)) from None
    except yaml.YAMLError as exc:
        # one line: the CLI prints an error as one line, and YAML's own text spans several
        raise SpecError(
            msg("{path}: not valid YAML ({problem})", path=path, problem=str(exc).replace("\n", " "))
        ) from None
    if not isinstance(data, dict):
        raise SpecError(msg("{path}: a policy must be a mapping of keys", path=path))
    return data


class _Spec:
    """Typed access to one policy file's keys; every failure names the file and the key."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def fail(self, key: str, problem: Rendered) -> SpecError:
        return SpecError(msg("{file}: {key}: {problem}", file=self.path.name, key=key, problem=problem))

    def get(self, data: Mapping, key: str, where: str, kind: type | tuple[type, ...], default: object = ...):
        if key not in data:
            if default is ...:
                raise self.fail(f"{where}{key}", msg("missing"))
            return default
        value = data[key]
        if isinstance(value, bool) or not isinstance(value, kind):
            names = kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
            raise self.fail(f"{where}{key}", msg("expected {names}, got {value!r}", names=names, value=value))
        return value

    def rule(self, data: object, where: str) -> Rule:
        if not isinstance(data, dict):
            raise self.fail(where, msg("a rule must be a mapping, got {data!r}", data=data))
        unknown = set(data) - {"metric", "min", "max", "in", "setting"}
        if unknown:
            names = ", ".join(sorted(unknown))
            raise self.fail(where, msg("unknown key(s) {names}", names=names))
        metric = self.get(data, "metric", f"{where}.", str)
        if metric not in METRICS:
            raise self.fail(
                f"{where}.metric",
                msg("unknown metric {metric!r}; known: {known}", metric=metric, known=", ".join(METRICS)),
            )
        if METRICS[metric] is None:
            allowed = self.get(data, "in", f"{where}.", list)
            return Rule(metric, allowed=tuple(str(a) for a in allowed))
        bounds = [k for k in ("min", "max") if k in data]
        if len(bounds) != 1:
            raise self.fail(where, msg("metric {metric} needs exactly one of min or max", metric=metric))
        value = float(self.get(data, bounds[0], f"{where}.", (int, float)))
        setting = self.get(data, "setting", f"{where}.", str, None)
        if bounds[0] == "min":
            return Rule(metric, min=value, setting=setting)
        return Rule(metric, max=value, setting=setting)

    def levels(self, data: Mapping, key: str) -> tuple[Level, ...]:
        raw = self.get(data, key, "", list)
        if len(raw) < 2:
            raise self.fail(key, msg("needs at least two levels"))
        levels = []
        for i, item in enumerate(raw):
            where = f"{key}[{i}]"
            if not isinstance(item, dict):
                raise self.fail(where, msg("a level must be a mapping"))
            rules = tuple(
                self.rule(r, f"{where}.rules[{j}]")
                for j, r in enumerate(self.get(item, "rules", f"{where}.", list, []))
            )
            limit = self.get(item, "credit_limit", f"{where}.", (int, float), None)
            levels.append(
                Level(
                    str(self.get(item, "grade", f"{where}.", str)),
                    rules,
                    None if limit is None else float(limit),
                    self.get(item, "credit_limit_setting", f"{where}.", str, None),
                )
            )
        grades = [lv.grade for lv in levels]
        if len(set(grades)) != len(grades):
            raise self.fail(key, msg("grades repeat: {grades}", grades=grades))
        if levels[-1].rules:
            raise self.fail(f"{key}[{len(levels) - 1}].rules", msg("the lowest level takes everyone else: no rules"))
        check_order(levels, lambda i, j: f"{self.path.name}: {key}[{i}].rules[{j}]")
        return tuple(levels)


def check_order(levels: tuple[Level, ...] | list[Level], where) -> None:
    """Thresholds on one metric must not loosen from a higher level to a lower one (min falls, max rises)."""
    seen: dict[tuple[str, str], tuple[float, str]] = {}
    for i, level in enumerate(levels):
        for j, rule in enumerate(level.rules):
            if rule.threshold is None:
                continue
            op = "min" if rule.min is not None else "max"
            key = (rule.metric, op)
            if key in seen:
                before, grade = seen[key]
                if (op == "min" and rule.threshold > before) or (op == "max" and rule.threshold < before):
                    raise SpecError(
                        msg(
                            "{where}.{op}: thresholds out of order: {grade} needs {metric} {op} {threshold:g}, "
                            "stricter than the higher level {higher} ({before:g})",
                            where=where(i, j),
                            op=op,
                            grade=level.grade,
                            metric=rule.metric,
                            threshold=rule.threshold,
                            higher=grade,
                            before=before,
                        )
                    )
            seen[key] = (rule.threshold, level.grade)


def load_grading_policy(name_or_path: str | Path) -> GradingPolicy:
    """Load and validate a grading policy (a shipped name such as ``grading_4level`` or a file path)."""
    path = policy_path(name_or_path)
    data, spec = _read(path), _Spec(path)
    levels = spec.levels(data, "levels")
    grades = [lv.grade for lv in levels]
    evaluation = spec.get(data, "evaluation", "", dict)
    month = spec.get(evaluation, "month", "evaluation.", int)
    day = spec.get(evaluation, "day", "evaluation.", int)
    if not (1 <= month <= 12 and 1 <= day <= 28):
        raise spec.fail("evaluation", msg("month must be 1–12 and day 1–28"))
    weights = spec.get(data, "weights", "", dict)
    for metric, weight in weights.items():
        if metric not in METRICS or METRICS[metric] is None or metric == "composite_score":
            raise spec.fail(f"weights.{metric}", msg("unknown or non-numeric metric"))
        spec.get(weights, metric, "weights.", (int, float))
        if weight < 0:
            raise spec.fail(f"weights.{metric}", msg("weights cannot be negative"))
    if sum(weights.values()) <= 0:
        raise spec.fail("weights", msg("at least one weight must be positive"))
    new = spec.get(data, "new_customer", "", dict)
    new_grade = spec.get(new, "grade", "new_customer.", str)
    vip = spec.get(data, "vip", "", dict, {})
    vip_level = spec.get(vip, "level", "vip.", str, None)
    for key, grade in (("new_customer.grade", new_grade), ("vip.level", vip_level)):
        if grade is not None and grade not in grades:
            raise spec.fail(key, msg("{grade!r} is not one of the levels {grades}", grade=grade, grades=grades))
    margin = float(spec.get(data, "upgrade_margin", "", (int, float), 0.0))
    if not 0 <= margin < 1:
        raise spec.fail("upgrade_margin", msg("must be a fraction from 0 to below 1 (0.1 = 10 %)"))
    title = spec.get(data, "title", "", dict)
    return GradingPolicy(
        source=str(path),
        name=spec.get(data, "name", "", str),
        title_zh=str(title.get("zh", "")),
        title_en=str(title.get("en", "")),
        evaluation_month=month,
        evaluation_day=day,
        evaluation_year_offset=int(spec.get(evaluation, "year_offset", "evaluation.", int, 0)),
        levels=levels,
        weights=tuple((str(k), float(v)) for k, v in weights.items()),
        new_customer_months=int(spec.get(new, "months", "new_customer.", int)),
        new_customer_grade=new_grade,
        new_customer_setting=spec.get(new, "setting", "new_customer.", str, None),
        vip_level=vip_level,
        vip_continue=tuple(
            spec.rule(r, f"vip.continue_rules[{i}]")
            for i, r in enumerate(spec.get(vip, "continue_rules", "vip.", list, []))
        ),
        upgrade_margin=margin,
        special_keep=_rules(spec, data, "special_policy", "keep"),
        special_revoke=_rules(spec, data, "special_policy", "revoke"),
        spot_check_size=_spot_check_size(spec, data),
        new_customer_provisional=_flag(spec, new, "provisional_from_evaluation", "new_customer."),
    )


def _rules(spec: _Spec, data: Mapping, section: str, key: str) -> tuple[Rule, ...]:
    part = spec.get(data, section, "", dict, {})
    return tuple(
        spec.rule(r, f"{section}.{key}[{i}]") for i, r in enumerate(spec.get(part, key, f"{section}.", list, []))
    )


def _flag(spec: _Spec, data: Mapping, key: str, where: str) -> bool:
    value = data.get(key, False)
    if not isinstance(value, bool):
        raise spec.fail(f"{where}{key}", msg("expected true or false, got {value!r}", value=value))
    return value


def _spot_check_size(spec: _Spec, data: Mapping) -> int:
    size = int(spec.get(spec.get(data, "spot_check", "", dict, {}), "size", "spot_check.", int, 20))
    if size < 0:
        raise spec.fail("spot_check.size", msg("must be 0 or more"))
    return size


def load_credit_policy(name_or_path: str | Path = "credit") -> CreditPolicy:
    """Load and validate a credit policy (default: the shipped ``credit.yaml``)."""
    path = policy_path(name_or_path)
    data, spec = _read(path), _Spec(path)
    levels = spec.levels(data, "grades")
    for i, level in enumerate(levels):
        for j, rule in enumerate(level.rules):
            if rule.metric not in CREDIT_RULE_METRICS:
                known = ", ".join(CREDIT_RULE_METRICS)
                raise spec.fail(
                    f"grades[{i}].rules[{j}].metric",
                    msg("{metric!r} is not a ledger metric; credit rules use {known}", metric=rule.metric, known=known),
                )
    no_history = spec.get(data, "no_history_grade", "", str)
    if no_history not in [lv.grade for lv in levels]:
        raise spec.fail("no_history_grade", msg("{no_history!r} is not one of the grades", no_history=no_history))
    approval = spec.get(data, "approval_overdue_days", "", int, 30)
    if approval < 0:
        raise spec.fail("approval_overdue_days", msg("must be 0 or more"))
    return CreditPolicy(
        source=str(path),
        name=spec.get(data, "name", "", str),
        window_months=spec.get(data, "window_months", "", int),
        grace_days=spec.get(data, "grace_days", "", int, 0),
        bad_debt_days=spec.get(data, "bad_debt_days", "", int),
        no_history_grade=no_history,
        levels=levels,
        terms=_grade_terms(spec, data["grades"], levels),
        approval_overdue_days=approval,
        approval_overdue_setting=spec.get(data, "approval_overdue_setting", "", str, None),
    )


def _grade_terms(spec: _Spec, raw: list, levels: tuple[Level, ...]) -> tuple[GradeTerms, ...]:
    """Each grade's trading terms; a grade has an absolute credit_limit or credit_limit_months, not both."""
    out = []
    for i, (item, level) in enumerate(zip(raw, levels)):
        where = f"grades[{i}]."
        months = spec.get(item, "credit_limit_months", where, (int, float), None)
        if months is not None and (months < 0 or "credit_limit" in item):
            raise spec.fail(
                f"{where}credit_limit_months",
                msg("a number of months of 0 or more, instead of credit_limit (not both)"),
            )
        if months is None and level.credit_limit is None:
            raise spec.fail(f"{where}credit_limit", msg("missing (or give credit_limit_months)"))
        handling = spec.get(item, "handling", where, str)
        if handling not in HANDLING_RULES:
            raise spec.fail(
                f"{where}handling",
                msg("{handling!r} is not one of {known}", handling=handling, known=", ".join(HANDLING_RULES)),
            )
        days = spec.get(item, "payment_terms_days", where, int)
        if days < 0:
            raise spec.fail(f"{where}payment_terms_days", msg("must be 0 or more"))
        out.append(
            GradeTerms(
                level.grade,
                days,
                handling,
                None if months is None else float(months),
                spec.get(item, "payment_terms_setting", where, str, None),
            )
        )
    return tuple(out)


def _overridden(rule: Rule, threshold: float | None) -> Rule:
    """``rule`` with its bound (min, or else max) set to ``threshold``."""
    return replace(rule, min=threshold) if rule.min is not None else replace(rule, max=threshold)


def with_settings(levels: tuple[Level, ...], settings: Settings | None, source: str) -> tuple[Level, ...]:
    """Levels with thresholds and credit limits replaced by the master's Settings values they name.

    Without Settings (None) the policy's own values stand; a setting the policy names that users added must be a
    number.
    """

    def value(key: str | None, default: float | None) -> float | None:
        raw = settings.value(key) if settings is not None and key is not None else None
        if raw is None:
            return default
        if isinstance(raw, bool) or not isinstance(raw, (int, float)):
            raise SpecError(msg("Settings: {key} must be a number, not {raw!r}", key=setting_name(key), raw=raw))
        return float(raw)

    out = []
    for level in levels:
        rules = tuple(_overridden(r, value(r.setting, r.threshold)) if r.setting else r for r in level.rules)
        out.append(replace(level, rules=rules, credit_limit=value(level.credit_limit_setting, level.credit_limit)))
    check_order(out, lambda i, j: f"{source} with the Settings sheet: levels[{i}].rules[{j}]")
    return tuple(out)
