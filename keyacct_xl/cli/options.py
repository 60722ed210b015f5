"""Command-line option values shared by several commands."""

from __future__ import annotations

import pandas as pd

from keyacct_xl.errors import InputError
from keyacct_xl.messages import msg
from keyacct_xl.parsing import ParseError, parse_date


def option_date(text: str | None, option: str) -> pd.Timestamp | None:
    """A date given on the command line, or None; a clear error names the option."""
    if text is None:
        return None
    try:
        return parse_date(text)
    except ParseError as exc:
        raise InputError(msg("{where}: {problem}", where=option, problem=exc)) from None
