"""Check a file's references to the archive: every customer a file names exists, and is the rep's own.

A rep files only their own customers (a pre-filled form offers no other): a line naming a customer another rep
looks after is refused like a line naming an unknown one, an error at its cell; a header naming one (a follow-up
report, a key-account log, a quotation) refuses the file, whose rows are all that customer's, and so does such a
header left empty (its rows would be nobody's). A customer nobody
looks after is anyone's. Done in the merge, not when the file is read, so the customers created by this run's
cards count.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import pandas as pd

from keyacct_xl.consolidate.customer_names import identify_by_name
from keyacct_xl.consolidate.model import FileOutcome, Issue
from keyacct_xl.consolidate.routes import Route
from keyacct_xl.forms.layout import entry_key
from keyacct_xl.forms.spec import FormSpec, Text
from keyacct_xl.master.ids import Spellings, meant_id, read_as
from keyacct_xl.master.schema import CUSTOMERS, REP, Column
from keyacct_xl.messages import Message, msg


def check_references(
    outcome: FileOutcome,
    route: Route,
    spec: FormSpec,
    owners: Mapping[str, str],
    spelled: Spellings,
    customers: Callable[[], pd.DataFrame],
    *,
    strict: bool,
) -> None:
    """Refuse lines (or the file, for its header's customer) naming a customer not in the archive or another
    rep's; settle the status.

    ``owners`` maps each customer id to its rep, ``spelled`` gives the master's spelling of each id (both kept up to
    date by the run, so not rebuilt for every file); ``customers`` gives the archive, read only for a customer given
    by name.
    """
    id_label = next(
        (f.label for s in spec.sections for f in s.fields if f.key == "customer_id"), CUSTOMERS.column("customer_id")
    )
    if outcome.rep and owners and outcome.rep not in set(owners.values()):
        outcome.issues.append(
            Issue(
                outcome.name,
                "",
                "",
                REP,
                outcome.rep,
                msg("{rep} looks after no customer in the archive", rep=outcome.rep),
                "warning",
            )
        )
    as_the_entry_names(outcome, spelled.spaced, route)
    if route.registers_customers:  # cards and registrations create customers: nothing to look up
        _settle(outcome, route, strict)
        return
    _as_the_master_spells(outcome, owners, spelled, id_label)
    identify_by_name(outcome, customers, owners, id_label=id_label)  # a unique full or short name is enough
    if outcome.status == "rejected":
        return
    header_id = outcome.header.get("customer_id")
    if not header_id and _about_one_customer(spec):
        _refuse_without_customer(outcome, id_label)
        return
    if header_id:  # the customer a form is about (a quotation's, a follow-up report's, a key-account log's)
        problem = _not_the_reps(str(header_id), owners, outcome.rep)
        if problem is not None:
            sheet, cell = outcome.header_cells.get("customer_id", ("", ""))
            outcome.issues.append(Issue(outcome.name, sheet, cell, id_label, str(header_id), problem[1]))
            outcome.reject(problem[0], problem[1])
            return
    said = {(i.sheet, i.cell) for i in outcome.errors}  # a customer cell named already (an ambiguous name) once
    for row in outcome.rows:  # a line refused already is checked too: the rep learns every problem of it at once
        value = row.values.get("customer_id")
        if not value or (row.sheet, row.refs.get("customer_id", "")) in said:
            continue
        problem = _not_the_reps(str(value), owners, outcome.rep)
        if problem is not None:
            row.ok = False
            outcome.issues.append(
                Issue(outcome.name, row.sheet, row.refs.get("customer_id", ""), id_label, str(value), problem[1])
            )
    _settle(outcome, route, strict)


def as_the_entry_names(outcome: FileOutcome, spaced: Mapping[str, str], route: Route) -> None:
    """A customer cell holding a dropdown's entry (``KA 01 甲贸易有限公司``, ``customer_ref``) read as the master's
    id the entry starts with, the longest: its first word, read before the master's ids were known, is another
    customer's id (``KA``) when an id holds a space (``spaced``: such ids by their cleaned form)."""
    if not spaced or not outcome.customer_entries:
        return

    def entry_id(read: object, sheet: str, cell: str) -> object:
        text = outcome.customer_entries.get(f"{sheet}!{cell}")
        if text is None:
            return read
        plain = entry_key(text, spaced)
        return read if plain is None else spaced[plain]

    header_id = entry_id(outcome.header.get("customer_id"), *outcome.header_cells.get("customer_id", ("", "")))
    if header_id != outcome.header.get("customer_id"):
        outcome.header["customer_id"] = header_id
        if route.key_field == "customer_id":
            outcome.key = str(header_id)
    for row in outcome.rows:
        if "customer_id" in row.values:
            row.values["customer_id"] = entry_id(row.values["customer_id"], row.sheet, row.refs.get("customer_id", ""))


def _as_the_master_spells(
    outcome: FileOutcome, owners: Mapping[str, str], known: Spellings, id_label: Text | Column
) -> None:
    """Ids typed in another case or width (c0026 for C0026) made the master's, a warning at each cell: that
    customer's lines, not an unknown customer's. A line refused already (a method off the list) is read the same
    way: its customer is checked next, and c0026 must not be told it is no customer of the archive."""

    def respelled(typed: object, sheet: str, cell: str) -> str | None:
        master = meant_id(typed, owners, known)
        if master is not None:
            outcome.issues.append(
                Issue(outcome.name, sheet, cell, id_label, str(typed), read_as(str(typed), master), "warning")
            )
        return master

    header_id = respelled(outcome.header.get("customer_id"), *outcome.header_cells.get("customer_id", ("", "")))
    if header_id is not None:
        outcome.header["customer_id"] = header_id
    for row in outcome.rows:
        if row_id := respelled(row.values.get("customer_id"), row.sheet, row.refs.get("customer_id", "")):
            row.values["customer_id"] = row_id


def _about_one_customer(spec: FormSpec) -> bool:
    """Whether the form is about one customer, named in its header (a quotation, a follow-up report, an 8D)."""
    return any(f.key == "customer_id" and f.required for f in spec.header_fields)


def _refuse_without_customer(outcome: FileOutcome, id_label: Text | Column) -> None:
    """Refuse a file about one customer whose header names none: every row it holds would be nobody's, like the
    rows of a customer the archive does not hold."""
    sheet, cell = outcome.header_cells.get("customer_id", ("", ""))
    refused = next((i for i in outcome.errors if (i.sheet, i.cell) == (sheet, cell) and cell and i.value), None)
    if refused is not None:  # typed but refused (too long, say): "is empty" would contradict the cell
        outcome.reject(
            "no_customer",
            msg(
                "{field} ({cell}) could not be taken ({problem}): the form is about one customer, so none of it "
                "is stored; correct the cell and send the form again",
                field=id_label,
                cell=cell,
                problem=refused.reason,
            ),
        )
        return
    outcome.reject(
        "no_customer",
        msg(
            "{field} ({cell}) is empty: the form is about one customer and names none, so none of it is "
            "stored; fill in the customer and send the form again",
            field=id_label,
            cell=cell,
        ),
    )


def _settle(outcome: FileOutcome, route: Route, strict: bool) -> None:
    """The file's status once its references are checked: --strict refuses any error, a file needs a line."""
    errors = outcome.errors
    if errors and strict:
        outcome.reject(
            "strict",
            msg("{count} error(s) and --strict: the whole file is rejected", count=len(errors)),
        )
    elif not route.header_table and not any(r.ok for r in outcome.rows):
        outcome.reject("empty", msg("no valid line in the form"))
    elif errors:
        outcome.status = "partial"


def _not_the_reps(cid: str, owners: Mapping[str, str], rep: str) -> tuple[str, Message] | None:
    """Why a rep may not file customer ``cid`` (code, reason): not in the archive, or another rep's; else None."""
    if cid not in owners:
        return (
            "unknown_customer",
            msg(
                "customer {cid} is not in the archive (a new customer comes in through a card or registration)",
                cid=cid,
            ),
        )
    if owners[cid] and owners[cid] != rep:
        return (
            "foreign_customer",
            msg(
                "customer {cid} is looked after by {owner}: a rep files only their own customers",
                cid=cid,
                owner=owners[cid],
            ),
        )
    return None
