"""The visit policy (templates/policies/visits.yaml) loaded into a frozen model, with the Settings overrides.

DOMAIN.md, "Visit programme": key customers are seen at least once a quarter, better grades far more often; every
visit is followed up. Every number of the rules lives in the policy file or the Settings sheet, never in code.
A typo in the file is a SpecError naming the file and the key path.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from keyacct_xl.analytics.policy import policy_path
from keyacct_xl.analytics.rfm import CALL_LABELS
from keyacct_xl.errors import SpecError
from keyacct_xl.forms.catalog import shared_lists
from keyacct_xl.forms.spec import Choice, choice_key
from keyacct_xl.master.settings import Settings, setting_int, setting_name
from keyacct_xl.messages import msg
from keyacct_xl.yamlcheck import Where, read_int, read_key, read_mapping, read_str, read_yaml

DEFAULT_POLICY = "visits"
_TOP = {
    "name",
    "title",
    "intervals",
    "ungraded",
    "quarterly_face_to_face",
    "due_within_days",
    "visits_per_day",
    "methods",
    "poor_ratings",
    "greetings",
    "rfm_calls",
    "plan_match_days",
    "lookback_days",
}
_DAYS = 3660  # ten years: longer than any sensible interval, short enough to catch a typed date or amount


@dataclass(frozen=True)
class Interval:
    """Most days between face-to-face visits and between contacts of any kind, for one grade."""

    face_to_face: int
    contact: int
    setting: str | None = None  # the Settings key that overrides face_to_face


@dataclass(frozen=True)
class VisitPolicy:
    """The visit rules: intervals per grade, the quarterly rule, capacity, greetings, RFM calls, plan matching."""

    source: str
    title_zh: str
    title_en: str
    intervals: Mapping[str, Interval]
    ungraded: Interval
    quarterly_face_to_face: tuple[str, ...]
    due_within_days: int
    visits_per_day: int
    visits_per_day_setting: str | None
    face_to_face_words: frozenset[str]
    poor_rating_words: frozenset[str]
    greeting_days_before: int
    greeting_list_days: int
    rfm_calls: Mapping[str, int]
    plan_match_days: int
    lookback_days: int

    def interval(self, grade: object) -> Interval:
        """The interval of ``grade`` (VIP, A, ...); an ungraded or unknown grade gets ``ungraded``."""
        return self.intervals.get(str(grade).strip().upper() if isinstance(grade, str) else "", self.ungraded)

    def is_face_to_face(self, method: object) -> bool:
        """True when ``method`` (as typed: 面访, 面谈, Face-to-face, ...) is a face-to-face visit."""
        return isinstance(method, str) and choice_key(method) in self.face_to_face_words

    def is_poor(self, rating: object) -> bool:
        """True for a rating that asks for a countermeasure (差, 很差 and their synonyms)."""
        return isinstance(rating, str) and choice_key(rating) in self.poor_rating_words


def load_visit_policy(name_or_path: str | Path = DEFAULT_POLICY) -> VisitPolicy:
    """Load and check a visit policy (a shipped name such as ``visits`` or a file path)."""
    path = policy_path(name_or_path)
    where = Where(str(path))
    if not path.exists():
        raise SpecError(msg("{path}: policy file not found", path=path))
    data = read_mapping(read_yaml(path, where), where, _TOP, _TOP - {"name"})
    title = read_mapping(data["title"], where.at("title"), {"zh", "en"}, {"zh", "en"})
    intervals = read_mapping(data["intervals"], where.at("intervals"), {"VIP", "A", "B", "C", "D"}, set())
    by_grade = {
        grade: _interval(value, where.at("intervals").at(grade), with_setting=True)
        for grade, value in intervals.items()
    }
    quarterly = _list(data["quarterly_face_to_face"], where.at("quarterly_face_to_face"))
    for i, grade in enumerate(quarterly):
        if grade not in by_grade:
            raise (
                where.at("quarterly_face_to_face")
                .at(i)
                .fail(
                    f"{grade!r} is no grade of intervals ({', '.join(by_grade)})",
                    f"{grade!r} 不是 intervals 中的等级（{'、'.join(by_grade)}）",
                )
            )
    capacity = read_mapping(data["visits_per_day"], where.at("visits_per_day"), {"value", "setting"}, {"value"})
    methods = read_mapping(data["methods"], where.at("methods"), {"face_to_face"}, {"face_to_face"})
    greetings = read_mapping(
        data["greetings"], where.at("greetings"), {"days_before", "list_days"}, {"days_before", "list_days"}
    )
    calls = read_mapping(data["rfm_calls"], where.at("rfm_calls"), set(CALL_LABELS), set())
    lists = shared_lists()
    return VisitPolicy(
        source=str(path),
        title_zh=read_str(title["zh"], where.at("title").at("zh")),
        title_en=read_str(title["en"], where.at("title").at("en")),
        intervals=by_grade,
        ungraded=_interval(data["ungraded"], where.at("ungraded"), with_setting=False),
        quarterly_face_to_face=tuple(quarterly),
        due_within_days=read_int(data["due_within_days"], where.at("due_within_days"), 0, 90),
        visits_per_day=read_int(capacity["value"], where.at("visits_per_day").at("value"), 1, 50),
        visits_per_day_setting=_setting(capacity, where.at("visits_per_day")),
        face_to_face_words=_words(
            methods["face_to_face"], lists["visit_method"], where.at("methods").at("face_to_face")
        ),
        poor_rating_words=_words(data["poor_ratings"], lists["rating5"], where.at("poor_ratings")),
        greeting_days_before=read_int(greetings["days_before"], where.at("greetings").at("days_before"), 0, 60),
        greeting_list_days=read_int(greetings["list_days"], where.at("greetings").at("list_days"), 1, 90),
        rfm_calls={k: read_int(v, where.at("rfm_calls").at(k), 1, _DAYS) for k, v in calls.items()},
        plan_match_days=read_int(data["plan_match_days"], where.at("plan_match_days"), 0, 14),
        lookback_days=read_int(data["lookback_days"], where.at("lookback_days"), 1, _DAYS),
    )


def _interval(value: Any, where: Where, *, with_setting: bool) -> Interval:
    allowed = {"face_to_face", "contact", "setting"} if with_setting else {"face_to_face", "contact"}
    raw = read_mapping(value, where, allowed, {"face_to_face", "contact"})
    face = read_int(raw["face_to_face"], where.at("face_to_face"), 1, _DAYS)
    contact = read_int(raw["contact"], where.at("contact"), 1, _DAYS)
    if contact > face:
        raise where.at("contact").fail(
            f"{contact} days is longer than face_to_face ({face}): contacts come in between visits",
            f"{contact} 天长于 face_to_face（{face} 天）：联系应在两次面访之间",
        )
    return Interval(face, contact, _setting(raw, where))


def _setting(raw: dict, where: Where) -> str | None:
    return read_key(raw["setting"], where.at("setting")) if "setting" in raw else None


def _list(value: Any, where: Where) -> list[str]:
    if not isinstance(value, list):
        raise where.fail(f"expected a list, got {type(value).__name__}", f"应为列表，实际为 {type(value).__name__}")
    return [read_str(v, where.at(i)) for i, v in enumerate(value)]


def _words(value: Any, choices: tuple[Choice, ...], where: Where) -> frozenset[str]:
    """Every text that names the listed choices (labels, value, synonyms), folded as typed choices are compared."""
    by_label = {c.zh: c for c in choices}
    words: set[str] = set()
    for i, label in enumerate(_list(value, where)):
        if label not in by_label:
            raise where.at(i).fail(
                f"{label!r} is not in the list ({', '.join(by_label)})",
                f"{label!r} 不在列表中（{'、'.join(by_label)}）",
            )
        words.update(choice_key(w) for w in (*by_label[label].names, *by_label[label].synonyms))
    return frozenset(words)


def with_settings(policy: VisitPolicy, settings: Settings | None) -> VisitPolicy:
    """``policy`` with the face-to-face days and the capacity the master's Settings sheet sets (None: as written)."""
    if settings is None:
        return policy
    intervals = {
        grade: replace(
            i,
            face_to_face=_days(settings, i.setting, i.face_to_face),
            contact=min(i.contact, _days(settings, i.setting, i.face_to_face)),
        )
        for grade, i in policy.intervals.items()
    }
    capacity = policy.visits_per_day
    if policy.visits_per_day_setting and settings.value(policy.visits_per_day_setting) is not None:
        capacity = setting_int(settings, policy.visits_per_day_setting)
    return replace(policy, intervals=intervals, visits_per_day=max(1, capacity))


def _days(settings: Settings, key: str | None, default: int) -> int:
    if key is None or settings.value(key) is None:
        return default
    days = setting_int(settings, key)
    if days < 1:
        raise SpecError(msg("Settings: {key} must be 1 day or more, not {days}", key=setting_name(key), days=days))
    return days


def master_policy(settings: Settings, name_or_path: str | Path | None = None) -> VisitPolicy:
    """The policy a master runs under: ``name_or_path``, else its Settings visit_policy, with its overrides."""
    return with_settings(load_visit_policy(name_or_path or settings.policy("visit_policy")), settings)
