"""Notices: what a run did beside its result that the person running it must hear of.

A save that moved lines past the worksheet's last row into the history store, or that wrote a value where a cell
held a formula, did what it had to, but a person must learn of it: nothing is to change in the master unseen. So
must a read that took rows typed under a table as the table's, or left rows under it unread. The core calls
``notify`` where it happens; the front end running the command (the CLI, a ribbon action) collects the notices with
``collecting`` and shows them in its language. Without a collector a notice goes nowhere: a library caller finds a
spill in ``Master.spilled``, a replaced formula in the backup the save keeps, the rows under a table in the
``below`` of the table ``read_tables`` gives.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from keyacct_xl.messages import Rendered

_COLLECTED: ContextVar[list[Rendered] | None] = ContextVar("keyacct_notices", default=None)


def notify(notice: Rendered) -> None:
    """Tell the person running the command ``notice``, through the innermost ``collecting``; a notice told already
    in that block is not repeated (a command that reads the master twice tells what it found once)."""
    collected = _COLLECTED.get()
    if collected is not None and notice not in collected:
        collected.append(notice)


@contextmanager
def collecting() -> Iterator[list[Rendered]]:
    """The notices given while the block runs, in order; a notice of an inner block is not also the outer's."""
    collected: list[Rendered] = []
    token = _COLLECTED.set(collected)
    try:
        yield collected
    finally:
        _COLLECTED.reset(token)
