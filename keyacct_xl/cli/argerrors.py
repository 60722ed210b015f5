"""argparse's own error lines (a missing argument, an unknown option, a bad choice) in the user's language.

argparse translates through gettext for the whole process, not per parser, so its errors are read back here: each
template argparse formats (Python's Lib/argparse.py) is matched against the message and its values are put into our
catalog's wording of it. A message of no known template (a future Python's) is shown as argparse wrote it.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Callable
from dataclasses import replace
from typing import NoReturn

from keyacct_xl.i18n import Lang
from keyacct_xl.messages import Message, msg, tr

# argparse's template (its %-placeholders in order) -> ours, its placeholders named in the same order (values
# given when an error fills them in).
_TEMPLATES: tuple[tuple[str, Message], ...] = (
    ("the following arguments are required: %s", msg("the following arguments are required: {names}")),
    ("unrecognized arguments: %s", msg("unrecognized arguments: {names}")),
    ("one of the arguments %s is required", msg("one of the arguments {names} is required")),
    ("ambiguous option: %(option)s could match %(matches)s", msg("ambiguous option: {option} could match {matches}")),
    ("invalid choice: %(value)r (choose from %(choices)s)", msg("invalid choice: {value} (choose from {choices})")),
    ("invalid %(type)s value: %(value)r", msg("invalid {type} value: {value}")),
    ("expected one argument", msg("expected one argument")),
    ("expected at least one argument", msg("expected at least one argument")),
    ("expected at most one argument", msg("expected at most one argument")),
    ("not allowed with argument %s", msg("not allowed with argument {names}")),
    ("ignored explicit argument %r", msg("ignored explicit argument {value}")),
)
_PLACEHOLDER = re.compile(r"%(?:\((\w+)\))?[sr]")
_ARGUMENT = re.compile(r"^argument (?P<names>.+?): (?P<problem>.+)$", re.DOTALL)
# The type names argparse puts in "invalid %(type)s value": the converter's name.
_TYPES = {"int": msg("whole number"), "float": msg("number")}  # type=Path never refuses a value


def _pattern(template: str) -> re.Pattern[str]:
    parts, at, groups = [], 0, 0
    for found in _PLACEHOLDER.finditer(template):
        parts += [re.escape(template[at : found.start()]), f"(?P<p{groups}>.+?)"]
        at, groups = found.end(), groups + 1
    return re.compile("^" + "".join([*parts, re.escape(template[at:])]) + "$", re.DOTALL)


_COMPILED = tuple((_pattern(theirs), ours) for theirs, ours in _TEMPLATES)


def _known(problem: str) -> Message | None:
    """``problem`` in our wording, when it is one of argparse's templates filled in."""
    for pattern, ours in _COMPILED:
        found = pattern.match(problem)
        if found is not None:
            names = re.findall(r"\{(\w+)\}", ours.msgid)
            values: dict[str, object] = {name: found[f"p{i}"] for i, name in enumerate(names)}
            if "type" in values:
                values["type"] = _TYPES.get(str(values["type"]), values["type"])
            return replace(ours, params=values)
    return None


def argparse_error(message: str) -> Message | str:
    """An argparse error message in our catalog's words, or as argparse wrote it when no template fits."""
    argument = _ARGUMENT.match(message)
    if argument is not None:
        problem = _known(argument["problem"])
        return msg("argument {names}: {problem}", names=argument["names"], problem=problem or argument["problem"])
    return _known(message) or message


def error_in(lang: Lang, parser: argparse.ArgumentParser) -> Callable[[str], NoReturn]:
    """A replacement for ``parser.error``: the usage, then the error line in ``lang``, exit status 2."""

    def error(message: str) -> NoReturn:
        parser.print_usage(sys.stderr)
        wording = argparse_error(message)
        text = wording if isinstance(wording, str) else wording.render(lang)
        parser.exit(2, tr(lang, "{prog}: error: {message}", prog=parser.prog, message=text) + "\n")

    return error
