"""A long list as a document prints it: its first lines on the printed sheet, every line on a sheet kept unprinted.

A large company's thousands of lines printed in a hundred pages nobody reads; the reader gets the lines that matter
most (the caller's order) and a line saying how many more there are and where.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from keyacct_xl.i18n import Lang
from keyacct_xl.messages import Message
from keyacct_xl.reports.model import Sheet


def printed_and_all(
    key: str,
    titles: tuple[Message, Message],
    rows: pd.DataFrame,
    printed: pd.DataFrame,
    sheet: Callable[[Message, pd.DataFrame, tuple[str, ...]], Sheet],
    note: Callable[[int, str], str],
    lang: Lang,
) -> dict[str, Sheet]:
    """A long list as the pack prints it: the ``printed`` rows of ``rows`` with the line ``note`` (how many more, on
    which sheet) under them, and all ``rows`` on the sheet ``{key}_all``, which the caller hides so no print takes
    it; the list alone when ``printed`` holds every row. ``sheet`` makes a sheet of a title, rows and notes."""
    title, full = titles
    if len(printed) == len(rows):
        return {key: sheet(title, rows, ())}
    return {
        key: sheet(title, printed, (note(len(rows) - len(printed), full.render(lang)),)),
        f"{key}_all": sheet(full, rows, ()),
    }
