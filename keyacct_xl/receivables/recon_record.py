"""The reconciliation's own record: a veryHidden sheet of what it found, read back by ``reconcile apply``.

The results sheet and the info sheet are for people: finance types its decisions beside the lines, and any cell a
person can type into can be retyped, by a slip or on purpose. So the reconciliation also writes, on a protected
veryHidden sheet (``RECORD_SHEET``, as a statement's ``_statement`` marker), whose reconciliation it is and each
line's references, dates and amounts. ``reconcile apply`` holds the info sheet and every decided line against it:
only the decision columns (decision, approver, reason) are a person's input. A workbook without its record is
refused: the record sheet is a check against retyping, not a signature (its protection has no password, and a
program that re-saves the workbook may show it), but a workbook that lost it can no longer be checked at all.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, NoReturn

import pandas as pd

from keyacct_xl.errors import InputError
from keyacct_xl.messages import Location, msg
from keyacct_xl.parsing import ParseError, is_blank, parse_date, parse_money

RECORD_SHEET = "_reconciliation"
# The facts of a line a decision rests on, beside its rows (the line's key): a person decides, never retypes them.
LINE_FACTS = ("status", "ours_ref", "theirs_ref", "ours_date", "theirs_date", "ours_amount", "theirs_amount")
_DATES = ("ours_date", "theirs_date")
_AMOUNTS = ("ours_amount", "theirs_amount")


@dataclass(frozen=True)
class Record:
    """What the reconciliation wrote of itself: whose, which, and each line's facts by its line key."""

    customer_id: str
    source: str
    lines: Mapping[str, Mapping[str, str]]  # line key -> fact -> the fact as text (normalised, see ``fact_text``)


def fact_text(key: str, value: object) -> str:
    """A line's fact as one comparable text: a date as ``2026-10-05``, an amount to the cent, a reference or status
    trimmed (a number-like reference a program turned into 12.0 as ``12``); blank as ``""``."""
    if is_blank(value):
        return ""
    try:
        if key in _DATES:
            return f"{parse_date(value):%Y-%m-%d}"
        if key in _AMOUNTS:
            return f"{round(parse_money(value), 2):.2f}"
    except ParseError:
        return str(value).strip()  # unreadable: compared as typed, so it differs from the record and is named
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def record_rows(customer_id: str, source: str, table: pd.DataFrame, line_keys: list[str]) -> list[list[str]]:
    """The record sheet's rows: customer and reconciliation, then a header and one row per line of ``table``."""
    facts = [
        [fact_text(key, value) for key, value in zip(LINE_FACTS, row)]
        for row in table[list(LINE_FACTS)].itertuples(index=False)
    ]
    return [
        ["customer_id", customer_id],
        ["source", source],
        ["line", *LINE_FACTS],
        *[[line, *row] for line, row in zip(line_keys, facts)],
    ]


def read_record(sheets: Mapping[str, list[list[Any]]]) -> Record | None:
    """The record the reconciliation wrote, or None for a workbook without one."""
    cells = sheets.get(RECORD_SHEET)
    if cells is None:
        return None
    text = [["" if is_blank(v) else str(v).strip() for v in row] for row in cells]
    head = {row[0]: row[1] if len(row) > 1 else "" for row in text[:2] if row}
    columns = text[2] if len(text) > 2 else []
    lines = {
        row[0]: {key: row[columns.index(key)] if columns.index(key) < len(row) else "" for key in LINE_FACTS}
        for row in text[3:]
        if row and row[0] and set(LINE_FACTS) <= set(columns)
    }
    return Record(head.get("customer_id", ""), head.get("source", ""), lines)


def refuse_retyped_info(record: Record, info: Mapping[str, str], where: Callable[[str], Location]) -> None:
    """The info sheet's customer and reconciliation must be the ones the reconciliation recorded."""
    for key, recorded in (("customer_id", record.customer_id), ("source", record.source)):
        if info.get(key, "") != recorded:
            raise InputError(
                msg(
                    "{where}: reads {typed}, but this reconciliation was made for {recorded}; restore it (the "
                    "decisions are the only cells to type into)",
                    where=where(key),
                    typed=info.get(key, "") or "-",
                    recorded=recorded or "-",
                )
            )


def refuse_retyped_line(
    record: Record,
    line: str,
    visible: Mapping[str, object],
    where: Callable[[str], Location],
    row: Location,
) -> None:
    """A decided line must be one the reconciliation listed, with the references, dates and amounts it listed."""
    facts = record.lines.get(line)
    if facts is None:
        raise InputError(
            msg(
                "{where}: the line {line} is not one this reconciliation listed (its rows were retyped or the row "
                "was added); restore the row or clear its decision",
                where=row,
                line=line,
            )
        )
    for key in LINE_FACTS:
        shown = fact_text(key, visible.get(key))
        if shown != facts[key]:
            raise InputError(
                msg(
                    "{where}: reads {typed}, but the reconciliation listed {recorded}; restore it (the decisions are "
                    "the only cells to type into)",
                    where=where(key),
                    typed=shown or "-",
                    recorded=facts[key] or "-",
                )
            )


def refuse_without_record(path: object) -> NoReturn:
    """A workbook without its record is refused: its amounts and references could have been retyped, with nothing
    left to tell. Record sheets came with the first version anyone applies decisions from, so the cure is the
    reconciliation's own new workbook."""
    raise InputError(
        msg(
            "{path}: the reconciliation's record (its hidden sheet {sheet}) is missing, so the lines' amounts and "
            "references cannot be checked against what the reconciliation found; nothing is applied. Run keyacct-xl "
            "reconcile again (its new workbook carries the record) and type the decisions into it",
            path=path,
            sheet=RECORD_SHEET,
        )
    )
