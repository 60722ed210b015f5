"""Reading YAML specs and policies with located errors: every problem names the file and the key path.

Small checked readers (mapping, text, whole number, number, true/false, key) that raise SpecError
"file: path: problem" in both languages; the form spec loader is built on them.
"""

from __future__ import annotations

import re
from collections.abc import Set as AbstractSet
from pathlib import Path
from typing import Any

import yaml

from keyacct_xl.errors import SpecError
from keyacct_xl.messages import Pair, Rendered, msg
from keyacct_xl.parsing import ParseError, parse_date

# libyaml's safe loader when PyYAML was built with it: same documents, about ten times faster.
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_KEY = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
_TIMESTAMP = "tag:yaml.org,2002:timestamp"
_YMD = re.compile(r"\d{4}-\d{1,2}-\d{1,2}")  # the date of a YAML timestamp, before any time of day


class Where:
    """Builds SpecErrors that name the file and the field path."""

    def __init__(self, file: str, path: str = "") -> None:
        self.file, self.path = file, path

    def at(self, part: str | int) -> Where:
        """The path one key (``.name``) or list index (``[i]``) deeper."""
        step = f"[{part}]" if isinstance(part, int) else (f".{part}" if self.path else part)
        return Where(self.file, self.path + step)

    def fail(self, problem: Rendered | str, zh: str | None = None) -> SpecError:
        """A SpecError for this place: ``problem`` from the catalog, or an English text and its ``zh``."""
        text = problem if isinstance(problem, Rendered) else Pair(problem, zh or problem)
        return SpecError(
            msg("{file}: {where}: {problem}", file=self.file, where=self.path or msg("(top)"), problem=text)
        )


def read_mapping(value: Any, where: Where, allowed: AbstractSet[str], required: AbstractSet[str] = frozenset()) -> dict:
    """A mapping with only ``allowed`` keys and every ``required`` one."""
    if not isinstance(value, dict):
        kind = type(value).__name__
        raise where.fail(msg("expected a mapping, got {kind}", kind=kind))
    unknown = sorted(set(map(str, value)) - allowed)
    if unknown:
        raise where.at(unknown[0]).fail(msg("unknown key (allowed: {allowed})", allowed=", ".join(sorted(allowed))))
    missing = sorted(required - set(value))
    if missing:
        raise where.at(missing[0]).fail(msg("is required"))
    return value


def read_str(value: Any, where: Where) -> str:
    """Non-empty text (numbers are taken as their text)."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not value.strip():
        raise where.fail(msg("expected non-empty text"))
    return value.strip()


def read_int(value: Any, where: Where, lo: int, hi: int) -> int:
    """A whole number from ``lo`` to ``hi``."""
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        raise where.fail(msg("expected a whole number from {lo} to {hi}, got {value!r}", lo=lo, hi=hi, value=value))
    return value


def read_number(value: Any, where: Where) -> float:
    """Any number."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise where.fail(msg("expected a number, got {value!r}", value=value))
    return float(value)


def read_bool(value: Any, where: Where) -> bool:
    """true or false."""
    if not isinstance(value, bool):
        raise where.fail(msg("expected true or false, got {value!r}", value=value))
    return value


def read_key(value: Any, where: Where) -> str:
    """An identifier: lower-case letters, digits and _, starting with a letter."""
    key = read_str(value, where)
    if not _KEY.match(key):
        raise where.fail(
            msg("{key!r} must be lower-case letters, digits and _ (max 40), starting with a letter", key=key)
        )
    return key


def read_yaml(path: Path, where: Where) -> Any:
    """The parsed YAML document of ``path``; syntax errors and dates that do not exist name the line."""
    try:
        text = path.read_text(encoding="utf-8")
        return yaml.load(text, Loader=SAFE_LOADER)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", exc)
        raise where.fail(
            msg("line {line}: not valid YAML ({problem})", line=mark.line + 1, problem=problem)
            if mark
            else msg("not valid YAML ({problem})", problem=problem)
        ) from None
    except UnicodeDecodeError:
        raise where.fail(msg("not UTF-8 text")) from None
    except ValueError as exc:  # a well-formed scalar YAML cannot turn into a value, such as the date 2026-13-01
        raise _impossible_date(text, where) or where.fail(msg("not valid YAML ({problem})", problem=str(exc))) from None


def _impossible_date(text: str, where: Where) -> SpecError | None:
    """The first date in the YAML ``text`` that does not exist (2026-02-30), named by its key path and line, in our
    words rather than Python's (the loader's error names neither the value nor its place)."""
    nodes: list[tuple[yaml.Node | None, Where]] = [(yaml.compose(text, Loader=SAFE_LOADER), where)]
    while nodes:
        node, at = nodes.pop(0)
        if isinstance(node, yaml.MappingNode):
            nodes[:0] = [pair for key, value in node.value for pair in ((key, at), (value, at.at(str(key.value))))]
        elif isinstance(node, yaml.SequenceNode):
            nodes[:0] = [(item, at.at(i)) for i, item in enumerate(node.value)]
        elif isinstance(node, yaml.ScalarNode) and node.tag == _TIMESTAMP:
            day = _YMD.match(node.value)
            try:
                parse_date(day[0] if day else node.value)
            except ParseError as exc:
                return at.fail(msg("line {line}: {problem}", line=node.start_mark.line + 1, problem=exc.wording))
    return None
