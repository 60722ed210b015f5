"""Undoing a reconciliation's adjustments (``reconcile apply --undo``) without losing what a person typed.

The master keeps what each apply wrote of a line (``Decisions.booked_as``, from the workbook's record). An undo is
refused while a date, document, amount or line of the adjustments it would take out differs from that, or while a
row names the reconciliation that its apply never wrote; a decision, reason or approver unlike the workbook's is
taken out and named, since finance may retype those in the workbook before an undo.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from keyacct_xl.errors import InputError
from keyacct_xl.i18n import Lang
from keyacct_xl.master.adjustments import ADJUSTMENTS, natural_keys
from keyacct_xl.master.model import Master
from keyacct_xl.messages import Location, Message, Rendered, cmsg, listing, msg
from keyacct_xl.parsing import is_blank

if TYPE_CHECKING:  # the decisions are read by adjustments.py, which calls these checks
    from keyacct_xl.receivables.adjustments import BookedAs, Decisions


def cells_listing(items: Sequence[Rendered]) -> Rendered:
    """Several cells' or rows' messages as one list, ``;`` between them (a cell's own location holds commas)."""
    # Translators: between the cells of a list whose items hold commas of their own
    return listing(items, between=cmsg("between listed cells", "; "))


def refuse_changed_by_hand(master: Master, undone: np.ndarray, decisions: Decisions, name: str) -> None:
    """Refuse an undo of adjustments (``undone``: their positions in the master's Adjustments) that the apply did not
    write as they are now (``decisions.booked_as``: what the apply wrote of each line): a date, document, amount or
    line a person changed after the apply, each cell named with what it holds and what the apply wrote, and a row
    the apply never wrote (typed by hand under the reconciliation's name, or a copy of one of its rows), named with
    its values; taken out with the apply's rows, the hand edit or the row would be lost unsaid. The decision, reason
    and approver are not held against the workbook: finance may retype them there before an undo (a changed
    decision is undone to be applied again)."""
    adj = master.adjustments
    places = adjustment_places(master)
    sheet, rows, header = places.sheet, places.rows, places.header
    now = {p: _as_written(adj.iloc[p]) for p in np.flatnonzero(undone).tolist()}
    wrote = {line.strip(): _written(line, b) for line, b in decisions.booked_as.items() if b.amount}
    lines = _lines_written(now, wrote)
    cells, foreign = [], []
    for p, held in now.items():
        at = Location(sheet=sheet, row=int(rows[p]))
        if p not in lines:
            foreign.append(
                msg(
                    "{where} ({ref}): {amount} on {date}, {decision}, {column} {line}",
                    where=at,
                    ref=held["ref"] or "-",
                    amount=_cell_shown(held["amount"]),
                    date=_cell_shown(held["date"]),
                    decision=_cell_shown(held["decision"]),
                    column=header("line"),
                    line=_cell_shown(held["line"]),
                )
            )
            continue
        for key in ("date", "ref", "amount", "line"):
            if held[key] == wrote[lines[p]][key]:
                continue
            cells.append(
                msg(
                    "{where} ({ref}): {now}, the apply wrote {then}",
                    where=replace(at, header=header(key)),
                    ref=held["ref"] or "-",
                    now=_cell_shown(held[key]),
                    then=_cell_shown(wrote[lines[p]][key]),
                )
            )
    refusals = []
    if foreign:
        refusals.append(
            msg(
                "{path}: {count} row(s) of {sheet} name this reconciliation but were not written by its apply: "
                "{rows}; not undone, so none is taken out with the apply's: a row of its own: clear its {column} or "
                "type another there; a copy: delete it; then undo again",
                path=name,
                count=len(foreign),
                sheet=sheet,
                rows=cells_listing(foreign),
                column=header("reconciliation"),
            )
        )
    if cells:
        refusals.append(
            msg(
                "{path}: {count} cell(s) of this reconciliation's adjustments were changed by hand after the apply: "
                "{cells}; not undone, so no hand edit is lost: put back what the apply wrote, or delete the row, "
                "then undo again",
                path=name,
                count=len(cells),
                cells=cells_listing(cells),
            )
        )
    if refusals:
        raise InputError(refusals[0] if len(refusals) == 1 else cells_listing(refusals))


@dataclass(frozen=True)
class AdjustmentPlaces:
    """Where the master's Adjustments stand: its sheet, each row's Excel row, each column's header as shown."""

    sheet: str
    rows: np.ndarray
    headers: Mapping[str, str]
    lang: Lang

    def header(self, key: str) -> str:
        """Column ``key``'s header as the sheet shows it."""
        return self.headers.get(key) or ADJUSTMENTS.column(key).header(self.lang)


def adjustment_places(master: Master) -> AdjustmentPlaces:
    """Where the master's Adjustments stand, to name a cell of them as the file shows it."""
    adj = master.adjustments
    where = master.rows.get(ADJUSTMENTS.name)
    sheet = where.sheet if where is not None else ADJUSTMENTS.sheet(master.lang)
    rows = where.excel_rows() if where is not None and where.count == len(adj) else np.arange(len(adj)) + 2
    return AdjustmentPlaces(sheet, rows, master.headers.get(ADJUSTMENTS.name, {}), master.lang)


# What finance types into the workbook beside a line and the apply copies into its adjustment.
_DECIDED = ("decision", "reason", "approved_by")


def unlike_workbook(master: Master, undone: np.ndarray, workbook: pd.DataFrame) -> list[Message]:
    """Each decision, reason and approver of the adjustments an undo takes out (``undone``: their positions) that
    the workbook does not hold now (``workbook``: the rows an apply would write from it). The master keeps no copy
    of what the apply wrote of these cells, and finance may retype them in the workbook before an undo (a changed
    decision is undone to be applied again), so an undo cannot tell a cell typed in the master since from one
    retyped in the workbook: it takes the adjustment out and names the cell with both values, so a hand edit is
    said, never lost unsaid (a date, document or amount changed since refuses the undo instead)."""
    adj = master.adjustments
    places = adjustment_places(master)
    says = dict(zip(natural_keys(workbook), workbook[list(_DECIDED)].to_dict("records")))
    keys = natural_keys(adj)
    named: list[Message] = []
    for p in np.flatnonzero(undone).tolist():
        line = says.get(keys[p], {})  # a line whose decision was cleared since: the workbook holds none of them
        for key in _DECIDED:
            held, typed = _decided_text(adj.iloc[p][key]), _decided_text(line.get(key))
            same = decision_compared(held) == decision_compared(typed) if key == "decision" else held == typed
            if not same:
                named.append(
                    msg(
                        "{where} ({ref}): {now}, the workbook: {then}",
                        where=Location(sheet=places.sheet, row=int(places.rows[p]), header=places.header(key)),
                        ref=_as_written(adj.iloc[p])["ref"] or "-",
                        now=_cell_shown(held),
                        then=_cell_shown(typed),
                    )
                )
    return named


def _decided_text(value: object) -> str:
    """A decision, reason or approver as compared: its text without the spaces around it; blank as ''."""
    return "" if is_blank(value) else str(value).strip()


def decision_compared(label: object) -> str:
    """A decision's label as compared with another's: case-folded, since an English master keeps the lower-case
    labels an apply wrote before decisions were labelled in Title Case ("write off" is "Write Off")."""
    return str(label).strip().casefold()


def _as_written(rec: pd.Series) -> dict[str, Any]:
    """An adjustment's date, document, amount, decision and line as compared with what the apply wrote."""
    return {
        "date": None if is_blank(rec["date"]) else pd.Timestamp(rec["date"]).normalize(),
        "ref": "" if is_blank(rec["ref"]) else _ref_text(rec["ref"]),
        "amount": None if is_blank(rec["amount"]) else round(float(rec["amount"]), 2),
        "decision": "" if is_blank(rec["decision"]) else str(rec["decision"]).strip(),
        "line": "" if is_blank(rec["line"]) else str(rec["line"]).strip(),
    }


def _written(line: str, booked: BookedAs) -> dict[str, Any]:
    """What the apply wrote of ``line`` into the cells an undo holds against it."""
    return {"date": booked.date, "ref": _ref_text(booked.ref), "amount": booked.amount, "line": line.strip()}


def _lines_written(now: Mapping[int, Mapping[str, Any]], wrote: Mapping[str, Mapping[str, Any]]) -> dict[int, str]:
    """The line the apply wrote each row (``now``, by position) for, one row per line: the row's own line with the
    cells the apply wrote, else its own line with a cell changed by hand, else the line whose date, document and
    amount it holds (its line changed by hand); a row left without one (typed by hand under the reconciliation, a
    second copy of a line) was not written by the apply. ``wrote`` holds only lines an apply books (a difference)."""
    by_values: dict[tuple[Any, ...], list[str]] = {}
    for line, cells in wrote.items():
        by_values.setdefault((cells["date"], cells["ref"], cells["amount"]), []).append(line)
    found: dict[int, str] = {}
    taken: set[str] = set()

    def take(p: int, line: str | None) -> None:
        if line is not None and line not in taken:
            found[p] = line
            taken.add(line)

    for p, held in now.items():  # the row the apply wrote, untouched
        if held["line"] in wrote and all(held[k] == wrote[held["line"]][k] for k in ("date", "ref", "amount")):
            take(p, held["line"])
    for p, held in now.items():  # a date, document or amount changed by hand
        if p not in found and held["line"] in wrote:
            take(p, held["line"])
    for p, held in now.items():  # the line changed by hand
        if p not in found:
            key = (held["date"], held["ref"], held["amount"])
            take(p, next((line for line in by_values.get(key, []) if line not in taken), None))
    return found


def _ref_text(value: object) -> str:
    """A document number as compared: trimmed, a number-like one a program turned into 12.0 as ``12``."""
    text = str(value).strip()
    return text[:-2] if text.endswith(".0") and text[:-2].isdigit() else text


def _cell_shown(value: object) -> object:
    """An adjustment's date, document or amount as a message shows it; blank as (空) / (blank)."""
    if value is None or value == "":
        return msg("(blank)")
    if isinstance(value, pd.Timestamp):
        return f"{value:%Y-%m-%d}"
    if isinstance(value, float):
        return f"{value:,.2f}"
    return value
