"""What a run changed in rows the master already held: each update with its before and after values, the
rows a corrected file no longer lists (kept until a person deletes them), and the ids given to new customers."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

import pandas as pd

from keyacct_xl.messages import Message, amount_text, cell_bool, cmsg
from keyacct_xl.parsing import is_blank

ChangeKind = Literal["updated", "removed", "assigned", "normalized"]
CHANGE_LABELS: dict[str, Message] = {
    "updated": cmsg("consolidation change", "updated"),
    "assigned": cmsg("consolidation change", "new customer id"),
    "removed": cmsg("consolidation change", "missing from the correction (kept: keep or delete it)"),
    "normalized": cmsg("consolidation change", "typed as text, stored as its column's kind"),
}


def shown(value: object) -> str:
    """A cell value as a person reads it in a report: dates as days, whole numbers without ``.0``, a boolean as its
    cell shows it (TRUE)."""
    if is_blank(value) or value is pd.NaT:
        return ""
    if isinstance(value, bool):
        return cell_bool(value)
    if isinstance(value, (pd.Timestamp, dt.datetime)):
        stamp = pd.Timestamp(value)
        return stamp.strftime("%Y-%m-%d") if stamp == stamp.normalize() else stamp.isoformat(sep=" ")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def shown_money(value: object) -> str:
    """``shown``, an amount with its thousands separated as a money cell shows it (12,345.50; 200,000)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or is_blank(value):
        return shown(value)
    return amount_text(value)


@dataclass(frozen=True)
class RowChange:
    """One change to a row the master already held (``field`` empty for a whole row), or a new customer's id; a row
    missing from a correction names the earlier file it came from (``earlier``, as the ledger names it)."""

    kind: ChangeKind
    file: str
    table: str
    key: str
    field: str = ""
    before: str = ""
    after: str = ""
    earlier: str = ""
