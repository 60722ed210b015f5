"""The shipped policies and forms a Settings value names: each one's code and its zh and en titles.

The Settings sheet holds ``grading_policy``, ``visit_policy`` and ``rep_forms`` as codes (``grading_4level``,
``weekly_plan``), but a person reads and types the titles every document prints (四级客户分级（VIP/A/B/C）,
业务员每周工作计划表). This module reads the titles from the files in templates/ (only their ``name``/``id`` and
``title`` keys, so the master layer needs neither the policy models nor the form specs): the sheet shows a code by
its title in the master's language, and a code or a title in either language reads back as the code.
"""

from __future__ import annotations

import functools
import unicodedata
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import yaml

from keyacct_xl.messages import Pair
from keyacct_xl.yamlcheck import SAFE_LOADER

# The shipped policies a setting may name, by the key only policies of that kind hold.
POLICY_KINDS = {"grading": "evaluation", "visits": "intervals"}


@dataclass(frozen=True)
class Shipped:
    """One shipped policy or form: the code Settings store and its title in each language."""

    code: str
    zh: str
    en: str

    def title(self) -> Pair:
        """The title in each language, as a message parameter."""
        return Pair(self.en, self.zh)


def name_key(text: object) -> str:
    """How a typed name is compared: full-width folded (NFKC), spaces collapsed, case ignored."""
    return " ".join(unicodedata.normalize("NFKC", str(text)).split()).casefold()


def _templates(folder: str) -> Path:
    return Path(str(resources.files("keyacct_xl.templates") / folder))


def _titled(path: Path, code_key: str) -> tuple[dict, Shipped] | None:
    """A template file's keys and its code and titles; a file without a code and both titles is not offered."""
    data = yaml.load(path.read_text(encoding="utf-8"), Loader=SAFE_LOADER)
    if not isinstance(data, dict):
        return None
    title = data.get("title")
    code = data.get(code_key)
    if not isinstance(code, str) or not isinstance(title, dict):
        return None
    return data, Shipped(code, str(title.get("zh") or code), str(title.get("en") or code))


@functools.cache
def shipped_policies(kind: str | None = None) -> tuple[Shipped, ...]:
    """The shipped policies with a title, by code: those of ``kind`` (a key of POLICY_KINDS), else every one."""
    found = (_titled(p, "name") for p in sorted(_templates("policies").glob("*.yaml")))
    return tuple(t[1] for t in found if t is not None and (kind is None or POLICY_KINDS[kind] in t[0]))


@functools.cache
def shipped_forms() -> tuple[Shipped, ...]:
    """The shipped forms, by id (files starting with ``_`` hold shared lists, not forms)."""
    found = (_titled(p, "id") for p in sorted(_templates("forms").glob("*.yaml")) if not p.name.startswith("_"))
    return tuple(t[1] for t in found if t is not None)


def shipped_code(names: tuple[Shipped, ...], typed: object) -> str | None:
    """The code of the shipped file ``typed`` names by its code, zh title or en title; None when none."""
    key = name_key(typed)
    return next((s.code for s in names if key in (name_key(s.code), name_key(s.zh), name_key(s.en))), None)


def shipped_title(names: tuple[Shipped, ...], code: object, lang: str) -> str | None:
    """The title in ``lang`` of the shipped file ``code`` names (by code or title); None when none."""
    found = shipped_code(names, code)
    shipped = next((s for s in names if s.code == found), None)
    if shipped is None:
        return None
    return shipped.zh if lang == "zh" else shipped.en
