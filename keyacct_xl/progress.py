"""The progress bar of a long run (statements for every customer, consolidating a folder of forms).

Shown on stderr only when stderr is a terminal: a log that stderr is redirected to would get every redraw, thousands
of updates run together on one line (a scale trial's statements log).
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from typing import TypeVar

from tqdm import tqdm

Item = TypeVar("Item")


def progress_bar(items: Iterable[Item], *, desc: str, unit: str, total: int | None = None) -> Iterable[Item]:
    """``items`` with a tqdm bar on stderr when it is a terminal, else ``items`` as they are."""
    if not sys.stderr.isatty():
        return items
    return tqdm(items, total=total, desc=desc, unit=unit, file=sys.stderr)
