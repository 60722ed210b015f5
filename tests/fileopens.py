"""The files this process opens while a job runs (Python's audit event "open", which every open of a file by path
raises): what a run reads, observed rather than assumed. A hook cannot be removed, so it is added once, here."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

_OPENED: list[list[str]] = []


def _record_open(event: str, args: tuple) -> None:
    if event == "open" and _OPENED and isinstance(args[0], (str, Path)):
        _OPENED[-1].append(str(args[0]))


sys.addaudithook(_record_open)


def opens_of(path: Path, job: Callable[[], object]) -> int:
    """How often ``job`` opens the file at ``path``."""
    _OPENED.append([])
    try:
        job()
    finally:
        opened = _OPENED.pop()
    return sum(Path(p).resolve() == path.resolve() for p in opened)
