"""A line only the customer has, booked once: two copies of one statement (resent under another name, saved as
.xls and .ods, decided by two clerks) are two reconciliations, and ``reconcile apply`` of the second must not book
again what the first booked, nor book a document the master holds at another amount.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd

from keyacct_xl.currency import CNY, Currency, Money
from keyacct_xl.errors import InputError
from keyacct_xl.i18n import Lang
from keyacct_xl.messages import Location, msg, tr
from keyacct_xl.parsing import is_blank

if TYPE_CHECKING:  # the decisions are read by adjustments.py, which calls this check
    from keyacct_xl.receivables.adjustments import DecidedLine, Decisions


@dataclass(frozen=True)
class Booked:
    """A decided line with no document of ours whose adjustment another reconciliation of the customer booked."""

    ref: str
    line: str
    where: Location  # the line's decision cell
    reconciliation: str  # the reconciliation that booked it
    source_file: str  # the workbook it was applied from
    amount: float
    date: pd.Timestamp | None
    holds: float | None  # the master's amount under ``ref`` now (None for a line without a document number)
    currency: Currency = CNY  # the master's book currency: the amounts' symbol

    def render(self, lang: Lang) -> str:
        """One line of the summary: which cell, which document, which reconciliation booked it, what the master
        holds."""
        params = {
            "ref": self.ref or "-",
            "line": self.line,
            "where": self.where,
            "source": self.reconciliation,
            "file": self.source_file or "-",
            "amount": Money(self.amount, self.currency),
            "date": "-" if self.date is None else f"{self.date:%Y-%m-%d}",
        }
        if self.holds is None:
            return tr(
                lang,
                "  = {ref} ({line}), {where}: already booked by reconciliation {source} (applied from {file}: "
                "¥{amount:,.2f} on {date}); not booked again",
                **params,
            )
        return tr(
            lang,
            "  = {ref} ({line}), {where}: already booked by reconciliation {source} (applied from {file}: "
            "¥{amount:,.2f} on {date}); not booked again: the master holds ¥{holds:,.2f} for {ref}",
            holds=Money(self.holds, self.currency),
            **params,
        )


def booked_elsewhere(
    existing: pd.DataFrame,
    new: pd.DataFrame,
    decisions: Decisions,
    customer: str,
    documents: Mapping[str, float],
    currency: Currency = CNY,
) -> dict[Any, Booked]:
    """The ``new`` adjustments (by index) of lines with no document of ours that another reconciliation of the
    customer has booked: two copies of one statement (resent under another name, saved as .xls and .ods, decided by
    two clerks) are two reconciliations, and the line only the customer has would be booked once per copy. The same
    line is the same customer, their document number, date and amount, as the adjustment records them (each
    booked row stands for one line). One booked under the same document number and date at another amount (a copy
    resent corrected) is refused: the master holds that document already, and booking it again would count it twice.
    Another date is another line: a customer's voucher numbers (记-01) start again every month."""
    others = existing[
        (existing["customer_id"].astype(str).str.strip() == customer).to_numpy()
        & (existing["reconciliation"].astype(str).str.strip() != decisions.source.strip()).to_numpy()
    ]
    pool: dict[tuple[object, ...], list[Any]] = {}
    for i, key in zip(others.index, _identities(others)):
        pool.setdefault(key, []).append(i)
    by_line = {line.line: line for line in decisions.lines}
    found = {}
    for i, key in zip(new.index, _identities(new)):
        line = by_line[str(new.at[i, "line"])]
        if line.documents:
            continue  # a line on our documents: checked against their amount now (in adjustments.py)
        ref = key[0]
        if pool.get(key):
            row = others.loc[pool[key].pop(0)]
            found[i] = Booked(
                ref=ref,
                line=line.line,
                where=line.places["decision"],
                reconciliation=str(row["reconciliation"]).strip(),
                source_file="" if is_blank(row["source_file"]) else str(row["source_file"]).strip(),
                amount=key[2],
                date=key[1],
                holds=documents.get(ref) if ref else None,
                currency=currency,
            )
        elif ref and (ref, key[1]) in {k[:2] for k in pool}:
            _refuse_booked_otherwise(others, line, key, documents, currency)
    return found


def _identities(frame: pd.DataFrame) -> list[tuple[str, pd.Timestamp | None, float]]:
    """Each adjustment as the line it books: its document number, date and amount."""
    return [
        (
            "" if is_blank(ref) else str(ref).strip(),
            None if is_blank(date) else pd.Timestamp(date).normalize(),
            round(float(amount), 2),
        )
        for ref, date, amount in zip(frame["ref"], frame["date"], frame["amount"])
    ]


def _refuse_booked_otherwise(
    others: pd.DataFrame,
    line: DecidedLine,
    key: tuple[str, pd.Timestamp | None, float],
    documents: Mapping[str, float],
    currency: Currency,
) -> None:
    """A line with no document of ours whose document number and date another reconciliation booked at another
    amount: refused, naming its cell, what the master holds and the reconciliation that booked it."""
    ref, date, amount = key
    row = others[[(r, d) == (ref, date) for r, d, _ in _identities(others)]].iloc[0]
    raise InputError(
        msg(
            "{where}: the master holds ¥{holds:,.2f} for {ref}, booked by reconciliation {source} (applied from "
            "{file}); this line would book ¥{amount:,.2f} on {date} more; reconcile again and decide on the new "
            "workbook",
            where=line.places["decision"],
            holds=Money(documents.get(ref, round(float(row["amount"]), 2)), currency),
            ref=ref,
            source=str(row["reconciliation"]).strip(),
            file="-" if is_blank(row["source_file"]) else str(row["source_file"]).strip(),
            amount=Money(amount, currency),
            date="-" if date is None else f"{date:%Y-%m-%d}",
        )
    )
