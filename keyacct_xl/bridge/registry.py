"""The registry of ribbon actions and the helpers they share (reading the master, the reports folder, options).

Reports go to a ``reports`` folder beside the master unless ``--out`` says otherwise.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import pandas as pd

from keyacct_xl.bridge.base import ActionOptions, ActionResult, Bridge
from keyacct_xl.errors import InputError
from keyacct_xl.master.model import Master
from keyacct_xl.master.reader import load_master
from keyacct_xl.messages import msg, tr
from keyacct_xl.notices import collecting, notify
from keyacct_xl.parsing import ParseError, parse_date

REPORTS_FOLDER = "reports"


@dataclass(frozen=True)
class Action:
    """A ribbon action: its name (the button's tag), labels and the function that runs it."""

    name: str
    zh: str
    en: str
    run: Callable[[Bridge, ActionOptions], ActionResult]


ACTIONS: dict[str, Action] = {}


def action(name: str, zh: str, en: str) -> Callable:
    """Register the decorated function as the action ``name``."""

    def register(function: Callable[[Bridge, ActionOptions], ActionResult]) -> Callable:
        ACTIONS[name] = Action(name, zh, en, function)
        return function

    return register


def get_action(name: str) -> Action:
    """The registered action ``name``; a clear error lists the known ones."""
    if name not in ACTIONS:
        raise InputError(msg("unknown action {name!r}; known: {known}", name=name, known=", ".join(ACTIONS)))
    return ACTIONS[name]


def run_action(name: str, bridge: Bridge, options: ActionOptions | None = None) -> ActionResult:
    """Run one action on ``bridge`` and tell the user the result."""
    try:
        with collecting() as notices:
            result = get_action(name).run(bridge, options or ActionOptions())
    except BaseException:
        for notice in notices:  # told by whoever runs the action, with its failure
            notify(notice)
        raise
    if notices:
        result = replace(result, notices=(*result.notices, *notices))
    bridge.finish(result)
    return result


# --- helpers shared by the actions -------------------------------------------------------------------------


def reports_dir(bridge: Bridge, options: ActionOptions) -> Path:
    """Where reports go: ``--out`` or ``reports/`` beside the master (created when missing)."""
    folder = options.out_dir or bridge.book_path().parent / REPORTS_FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def load(bridge: Bridge, step: int, total: int) -> Master:
    """Read the master, reporting the step."""
    bridge.progress(step, total, tr(bridge.lang, "reading the master…"))
    return load_master(bridge.book_path())


def as_of_date(options: ActionOptions) -> pd.Timestamp | None:
    """The ``--as-of`` option as a date."""
    if options.as_of is None:
        return None
    try:
        return parse_date(options.as_of)
    except ParseError as exc:
        raise InputError(msg("{where}: {problem}", where="--as-of", problem=exc)) from None


def latest_year(master: Master) -> int:
    """The year of the latest transaction: the default year to grade or analyse."""
    dates = master.transactions["date"].dropna()
    if dates.empty:
        raise InputError(msg("Transactions: no dated sales to analyse"))
    return int(dates.max().year)
