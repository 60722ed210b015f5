"""Bring an existing customer list (客户名单) into the master: each row imported, held or refused, and said so.

A row becomes a new customer the way a customer card's does (keyacct_xl.consolidate.cards): it is compared with the
archive and with the rows of the list before it (客户查重, keyacct_xl.consolidate.dedupe: tax id, phone, normalized
name, address), a probable duplicate is held (not imported) naming the customer it resembles, and otherwise it is
given the next id of the Settings pattern (keyacct_xl.consolidate.newcustomers) unless the list gives its own. It
starts at the grading policy's new-customer grade unless the list gives a grade (an existing list's grades are the
manager's own). A row whose id the archive holds is never replaced silently: the values that differ are listed before
and after, and applied only when asked (``update``); the values they replace go to SubmissionHistory.

A row held because its id is another company's in the master, or as a probable duplicate, is decided by a person
(``decisions``, the CLI's ``--new-id ROW`` and ``--same ROW``), as ``consolidate --accept`` decides a file held for
review: imported as a new customer under the next id of the pattern, or taken as the customer its id names and
updated; a decision on a row that was not held is refused.

An import is recorded as a consolidated file is: the rows it adds carry the file's sha256 (provenance columns), the
values it replaces are in SubmissionHistory under it, and the ingestion ledger lists it, so ``undo_submission`` takes
it back exactly (keyacct_xl/consolidate/undo.py) and a second import of the same file is refused.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import pandas as pd

from keyacct_xl.consolidate.added import added_entries
from keyacct_xl.consolidate.changes import shown, shown_money
from keyacct_xl.consolidate.customerlist import CustomerList
from keyacct_xl.consolidate.customerrows import TypedRow
from keyacct_xl.consolidate.dedupe import CustomerIndex, DuplicateMatch, normalize_city, same_company
from keyacct_xl.consolidate.frames import append_rows, row_json
from keyacct_xl.consolidate.newcustomers import is_new_customer, next_customer_id, pattern_spelling
from keyacct_xl.consolidate.store import CUSTOMER_LIST_FORM, Store
from keyacct_xl.errors import InputError
from keyacct_xl.i18n import Lang
from keyacct_xl.master.ids import id_key, normalize_id, read_as
from keyacct_xl.master.schema import CUSTOMERS as PLAIN_CUSTOMERS
from keyacct_xl.master.submissions import HISTORY, LEDGER, MERGED_TABLES
from keyacct_xl.master.writer import write_tables
from keyacct_xl.messages import MASK, Message, Rendered, cmsg, listing, msg
from keyacct_xl.parsing import is_blank, same_value

CUSTOMERS = MERGED_TABLES["Customers"]
IDENTITY_KEYS = frozenset({"name", "phone", "tax_id", "address"})  # what the duplicate check (客户查重) compares
# The ledger entry's note of the Customers columns an import added, by their headers in the master's language (the
# ledger is read by people): {"新增列": ["来源文件", …]}.
ADDED_COLUMNS = {"zh": "新增列", "en": "columns added"}
RowStatus = Literal["imported", "updated", "unchanged", "differs", "duplicate", "another", "refused"]
ROW_STATUSES: tuple[RowStatus, ...] = (
    "imported",
    "updated",
    "unchanged",
    "differs",
    "duplicate",
    "another",
    "refused",
)
HELD: frozenset[RowStatus] = frozenset({"differs", "duplicate", "another"})  # not applied, for a person to check
ROW_STATUS_LABELS: dict[RowStatus, Message] = {
    "imported": cmsg("customer import", "imported"),
    "updated": cmsg("customer import", "updated"),
    "unchanged": cmsg("customer import", "already in the master"),
    "differs": cmsg("customer import", "differs, not updated"),
    "duplicate": cmsg("customer import", "held: probable duplicate"),
    "another": cmsg("customer import", "held: another company under this id"),
    "refused": cmsg("customer import", "refused"),
}

# A person's decision on a held row: import it as a new customer under the next id, or update the customer its id
# names (the same company); each takes the held rows it can settle, and a row the import did not hold is refused.
Decision = Literal["new_id", "same"]
DECISION_OPTIONS: dict[Decision, str] = {"new_id": "--new-id", "same": "--same"}
DECIDES: dict[Decision, tuple[RowStatus, ...]] = {"new_id": ("another", "duplicate"), "same": ("another", "differs")}


@dataclass(frozen=True)
class FieldChange:
    """A Customers value a row of the list differs in: the column's key, the archive's value and the list's."""

    key: str
    before: str
    after: str


@dataclass(frozen=True)
class RowOutcome:
    """What became of one row of the list: its number, status, the customer, why, the cells named, the changes."""

    row: int
    status: RowStatus
    customer_id: str
    name: str
    reason: Rendered | None = None
    cells: tuple[str, ...] = ()
    warnings: tuple[Rendered, ...] = ()
    changes: tuple[FieldChange, ...] = ()


def masked(row: RowOutcome, without_sensitive: bool) -> tuple[FieldChange, ...]:
    """``row``'s changes as shown: with ``without_sensitive``, a personal field's values (a phone) as ``***``."""
    if not without_sensitive:
        return row.changes
    return tuple(
        FieldChange(c.key, MASK if c.before else "", MASK if c.after else "")
        if CUSTOMERS.column(c.key).sensitive
        else c
        for c in row.changes
    )


def plan_import(
    rows: Sequence[TypedRow],
    customers: pd.DataFrame,
    *,
    id_pattern: str,
    update: bool,
    decisions: Mapping[int, Decision] | None = None,
) -> list[tuple[RowOutcome, Mapping[str, object]]]:
    """Each row's outcome and the values it brings, in list order (nothing is applied here).

    ``customers`` is the archive; ``update`` applies the differing values of rows whose id it holds; ``decisions``
    settles held rows by their row number (refused for a row that is not in the list or was not held).
    """
    decisions = decisions or {}
    _refuse_missing_rows(decisions, rows)
    given = [str(r.values["customer_id"]).strip() for r in rows if _given_id(r.values) is not None]
    plan = _Planning(customers, id_pattern, update, given)
    planned: list[tuple[RowOutcome, Mapping[str, object]]] = []
    for typed in rows:
        outcome, values = _plan_row(typed, plan)
        decision = decisions.get(typed.row.number)
        if decision is not None:
            outcome, values = _decided(typed, outcome, decision, plan)
        planned.append((outcome, values))
    return planned


class _Planning:
    """What planning a list carries from row to row: the archive, its index with the rows planned so far, the ids
    taken, the rows that gave an id and the customers the list creates."""

    def __init__(self, customers: pd.DataFrame, id_pattern: str, update: bool, given: Sequence[str]) -> None:
        self.customers, self.id_pattern, self.update = customers, id_pattern, update
        self.index = CustomerIndex(customers)
        # Ids compared by id_key: c0001 or Ｃ0001 in the list is the archive's C0001, not a new customer beside it.
        self.archive = {id_key(c): i for i, c in enumerate(customers["customer_id"]) if not is_blank(c)}
        self.ids: list[str] = [*(str(c) for c in customers["customer_id"] if not is_blank(c)), *given]
        self.seen: dict[str, TypedRow] = {}  # id_key of an id the list gives -> the row that took it
        self.from_list: dict[str, int] = {}  # id of a customer the list creates -> its row of the list

    def current(self, cid: str) -> pd.Series:
        """The archive's customer of this id (in any case or width)."""
        return self.customers.iloc[self.archive[id_key(cid)]]

    def next_id(self) -> str:
        """The next id of the pattern, taken: the next new row's follows it."""
        cid = next_customer_id(self.id_pattern, self.ids)
        self.ids[:] = [cid]  # the highest id of the pattern now (the list's own ids were counted first)
        return cid


def _refuse_missing_rows(decisions: Mapping[int, Decision], rows: Sequence[TypedRow]) -> None:
    """A decision naming a row number the list has no row at (a blank row, a title row, past its end)."""
    numbers = {r.row.number for r in rows}
    for number, decision in decisions.items():
        if number not in numbers:
            raise InputError(
                msg(
                    "{option} {row}: the list has no row {row} (its rows are rows {first} to {last} of the file)",
                    option=DECISION_OPTIONS[decision],
                    row=number,
                    first=min(numbers, default=0),
                    last=max(numbers, default=0),
                )
            )


def not_held(row: int, status: RowStatus, decision: Decision) -> InputError:
    """The refusal of a decision on a row the import did not hold (imported, updated, unchanged or refused)."""
    return InputError(
        msg(
            "row {row} ({status}) was not held: {option} decides only a row the import held ({held})",
            row=row,
            status=ROW_STATUS_LABELS[status],
            option=DECISION_OPTIONS[decision],
            held=listing(ROW_STATUS_LABELS[s] for s in DECIDES[decision]),
        )
    )


def _decided(
    typed: TypedRow, outcome: RowOutcome, decision: Decision, plan: _Planning
) -> tuple[RowOutcome, Mapping[str, object]]:
    """A held row as a person decided it: a new customer under the next id of the pattern (``new_id``), or the
    update of the customer its id names (``same``), its changes listed before and after as an update's."""
    number, status = outcome.row, outcome.status
    if status not in HELD:
        raise not_held(number, status, decision)
    # a row --update held as a duplicate is its id's customer's: --same applies that update (and is refused there)
    updated = status == "duplicate" and _names_customer(outcome, plan)
    if status not in DECIDES[decision] and not updated:
        raise InputError(
            msg(
                "row {row} ({status}): {option} decides only a row with the status {held}",
                row=number,
                status=ROW_STATUS_LABELS[status],
                option=DECISION_OPTIONS[decision],
                held=listing(ROW_STATUS_LABELS[s] for s in DECIDES[decision]),
            )
        )
    if decision == "same":
        return _same(typed, outcome, plan)
    if _names_customer(outcome, plan):  # its id is a customer's: as a new one, would it be another's duplicate?
        _refuse_new_duplicate(typed, outcome, plan)
    return _new_id(typed, outcome, plan)


def _names_customer(outcome: RowOutcome, plan: _Planning) -> bool:
    """Whether a held row's id is a customer's of the master (not a new customer's own id the list gives)."""
    return bool(outcome.customer_id) and id_key(outcome.customer_id) in plan.archive


def _refuse_new_duplicate(typed: TypedRow, outcome: RowOutcome, plan: _Planning) -> None:
    """``--new-id`` on a row whose id the master holds refused when, as a new customer, it would be a probable
    duplicate of another (the row with its id blank would be held as one): an old system's id on a customer of
    the master. A row --update held (its id's customer's own) is refused in any case."""
    match = plan.index.find_like(typed.values, excluding=outcome.customer_id)
    status = ROW_STATUS_LABELS[outcome.status]
    if match is not None:
        raise InputError(
            msg(
                "row {row} ({status}): --new-id would import it as a new customer, a probable duplicate of {who}; "
                "{remedy}",
                row=outcome.row,
                status=status,
                who=_resembled(match, plan.from_list),
                remedy=_remedy(match, plan.from_list),
            )
        )
    if outcome.status == "duplicate":
        raise InputError(
            msg(
                "row {row} ({status}): the row gives the id of customer {cid}, whose update with its values was held; "
                "correct the values in the list: --new-id does not import a customer's own row as a new customer",
                row=outcome.row,
                status=status,
                cid=outcome.customer_id,
            )
        )


def _new_id(typed: TypedRow, outcome: RowOutcome, plan: _Planning) -> tuple[RowOutcome, Mapping[str, object]]:
    """A held row imported by ``--new-id`` as a new customer: under the list's own id when it is free (a duplicate
    giving an id the master does not hold, as a row not held keeps it), else under the next id of the pattern."""
    values = {k: v for k, v in typed.values.items() if k != "customer_id"}
    own = outcome.status == "duplicate" and bool(outcome.customer_id)
    # before the row is indexed: the customer it resembles is named, not itself
    reason = _new_id_reason(typed, outcome, plan, own)
    warnings = outcome.warnings
    if own:  # the list's id kept, as a row not held keeps it: the ERP lines under it belong to this customer
        cid = pattern_spelling(plan.id_pattern, outcome.customer_id)
        if cid != outcome.customer_id:
            warnings += (_stored_as(typed, outcome.customer_id, cid, plan.id_pattern),)
    else:
        cid = plan.next_id()
    plan.from_list[cid] = outcome.row
    plan.index.add({**values, "customer_id": cid})
    decided = RowOutcome(outcome.row, "imported", cid, outcome.name, reason(cid), (), warnings)
    return decided, {**values, "customer_id": cid}


def _new_id_reason(typed: TypedRow, outcome: RowOutcome, plan: _Planning, own: bool) -> Callable[[str], Message]:
    """What a row imported by ``--new-id`` is said with, once its id is known (the list's own, or a new one): the
    company the list's id names in the master, or the customer it resembles, left as they are."""
    row, values = outcome.row, typed.values
    if outcome.status == "another":
        current = plan.current(outcome.customer_id)
        return lambda cid: msg(
            "given the new id {cid} by --new-id {row}: the list's id {given} is {current}'s in the master, which is "
            "left as it is",
            cid=cid,
            row=row,
            given=outcome.customer_id,
            current=shown(current.get("name")),
        )
    match = plan.index.find_like(values)
    if match is None:  # held as a duplicate of a row the master's index no longer finds: only the decision said
        return lambda cid: _new_id_lead(own, cid, row)
    return lambda cid: msg(
        "{decided}: a new customer, not {other} {name} it resembles ({basis}, score {score:g})",
        decided=_new_id_lead(own, cid, row),
        other=match.customer_id,
        name=match.name,
        basis=CUSTOMERS.column(match.basis),
        score=match.score,
    )


def _new_id_lead(own: bool, cid: str, row: int) -> Message:
    """The id a row decided by ``--new-id`` got: the list's own (free in the master) or the next of the pattern."""
    if own:
        return msg("imported under the list's id {cid} by --new-id {row}", cid=cid, row=row)
    return msg("given the new id {cid} by --new-id {row}", cid=cid, row=row)


def _same(typed: TypedRow, outcome: RowOutcome, plan: _Planning) -> tuple[RowOutcome, Mapping[str, object]]:
    """A held row taken by ``--same`` as the customer its id names: its differing values applied as an update's
    (listed before and after), unless they make the customer a probable duplicate of another (refused, as
    ``--update`` holds such a row)."""
    cid, row = outcome.customer_id, outcome.row
    current = plan.current(cid)
    after: dict[str, object] = {**{str(k): v for k, v in current.items()}, **typed.values, "customer_id": cid}
    if any(c.key in IDENTITY_KEYS for c in outcome.changes):
        match = plan.index.find_like(after, excluding=cid)
        if match is not None:
            raise InputError(
                msg(
                    "row {row} ({status}): --same would update customer {cid} into a probable duplicate of {who}; "
                    "{remedy}",
                    row=row,
                    status=ROW_STATUS_LABELS[outcome.status],
                    cid=cid,
                    who=_resembled(match, plan.from_list),
                    remedy=_remedy(match, plan.from_list),
                )
            )
        plan.index.add(after)  # the rows after it are compared with its new details too
    fields = listing(CUSTOMERS.column(c.key) for c in outcome.changes)
    reason = msg("customer {cid} updated by --same {row}: {fields}", cid=cid, row=row, fields=fields)
    decided = RowOutcome(row, "updated", cid, outcome.name, reason, (), outcome.warnings, outcome.changes)
    return decided, {**typed.values, "customer_id": cid}


def _resembled(match: DuplicateMatch, from_list: Mapping[str, int]) -> Message:
    """The customer a row resembles, with the field and score: one of the master's or a row of this list."""
    basis = CUSTOMERS.column(match.basis)
    if match.customer_id in from_list:
        return msg(
            "row {row} of this list ({cid} {name}; {basis}, score {score:g})",
            row=from_list[match.customer_id],
            cid=match.customer_id,
            name=match.name,
            basis=basis,
            score=match.score,
        )
    return msg(
        "customer {cid} {name} ({basis}, score {score:g})",
        cid=match.customer_id,
        name=match.name,
        basis=basis,
        score=match.score,
    )


def _remedy(match: DuplicateMatch, from_list: Mapping[str, int]) -> Message:
    """What a manager does with a row that resembles another customer: give it that customer's id (an old system's
    id on a customer of the master), or leave one of two rows of one company out; else correct the shared value."""
    basis = CUSTOMERS.column(match.basis)
    if match.customer_id in from_list:
        return msg(
            "if the row is the company of row {row}, leave one of the two out of the list; otherwise correct its "
            "{basis} in the list",
            row=from_list[match.customer_id],
            basis=basis,
        )
    return msg(
        "if the row is {cid} under an old id, give it the id {cid}; otherwise correct its {basis} in the list",
        cid=match.customer_id,
        basis=basis,
    )


def _given_id(values: Mapping[str, object]) -> str | None:
    value = values.get("customer_id")
    return None if is_new_customer(value) else str(value).strip()


def _plan_row(typed: TypedRow, plan: _Planning) -> tuple[RowOutcome, Mapping[str, object]]:
    values, number = typed.values, typed.row.number
    name = str(values.get("name") or "")
    warnings = tuple(w.said() for w in typed.warnings)
    given = _given_id(values)
    seen, from_list = plan.seen, plan.from_list
    if not typed.ok:
        refused = listing(p.said() for p in typed.refused)
        cells = tuple(p.cell for p in typed.refused)
        return RowOutcome(number, "refused", given or "", name, refused, cells, warnings), {}
    if given is not None and id_key(given) in seen:
        first = seen[id_key(given)]
        cells = tuple(c for c in (first.id_cell, typed.id_cell) if c)
        return RowOutcome(number, "refused", given, name, _given_twice(typed, given, first), cells, warnings), {}
    if given is not None and id_key(given) in plan.archive:
        seen[id_key(given)] = typed
        current = plan.current(given)
        cid = str(current["customer_id"])
        if cid != given:  # typed in another case or width: the archive's customer, as the master spells its id
            warnings += (_read_as(typed, given, cid),)
        return _existing(typed, current, cid, warnings, plan), {**values, "customer_id": cid}
    match = plan.index.find_like(values)
    if match is not None:  # the list's own id shown and reserved: --new-id imports the row under it
        if given:
            seen[id_key(given)] = typed
        return RowOutcome(number, "duplicate", given or "", name, _duplicate_reason(match, from_list), (), warnings), {}
    cid = pattern_spelling(plan.id_pattern, given) if given else plan.next_id()
    from_list[cid] = number
    if given:
        seen[id_key(given)] = typed
        if cid != given:
            warnings += (_stored_as(typed, given, cid, plan.id_pattern),)
    plan.index.add({**values, "customer_id": cid})
    reason = None if given else msg("given the id {cid}", cid=cid)
    return RowOutcome(number, "imported", cid, name, reason, (), warnings), {**values, "customer_id": cid}


def _read_as(typed: TypedRow, given: str, cid: str) -> Message:
    """The warning on a list's id that is an archive customer's typed in another case or width."""
    problem = read_as(given, cid)
    return msg("{where}: {problem}", where=typed.id_place, problem=problem) if typed.id_place is not None else problem


def _stored_as(typed: TypedRow, given: str, cid: str, pattern: str) -> Message:
    """The warning on a new customer's id the list gives in another case or width than the master keeps it."""
    if normalize_id(given) != cid:  # the case was the pattern's to set
        problem = msg(
            "{typed} is stored as {cid}, as the Settings id pattern {pattern} spells ids",
            typed=given,
            cid=cid,
            pattern=pattern,
        )
    else:
        problem = msg(
            "{typed} is stored as {cid}, its full-width or look-alike characters made plain", typed=given, cid=cid
        )
    return msg("{where}: {problem}", where=typed.id_place, problem=problem) if typed.id_place is not None else problem


def _given_twice(typed: TypedRow, given: str, first: TypedRow) -> Message:
    """The refusal of a row whose id an earlier row of the list gives already (in any case or width)."""
    other = str(first.values.get("customer_id", "")).strip()
    if other == given:  # one id typed twice: no case or width to tell of
        return msg(
            "{where}: the id {typed} is already row {row}'s ({first}): give one of the two rows another id, or leave "
            "its id blank for a new one",
            where=typed.id_place,
            typed=given,
            first=first.id_place,
            row=first.row.number,
        )
    return msg(
        "{where}: {typed} is the id {other} of row {row} ({first}), ids differing only in case or width being one: "
        "give one of the two rows another id, or leave its id blank for a new one",
        where=typed.id_place,
        typed=given,
        other=other,
        first=first.id_place,
        row=first.row.number,
    )


def _duplicate_reason(match: DuplicateMatch, from_list: Mapping[str, int]) -> Message:
    basis = CUSTOMERS.column(match.basis)  # the field named as the master's header names it
    if match.customer_id in from_list:
        return msg(
            "probable duplicate of row {row} of this list ({cid} {name}; {basis}, score {score:g}): not imported",
            row=from_list[match.customer_id],
            cid=match.customer_id,
            name=match.name,
            basis=basis,
            score=match.score,
        )
    return msg(
        "probable duplicate of customer {cid} {name} ({basis}, score {score:g}): not imported",
        cid=match.customer_id,
        name=match.name,
        basis=basis,
        score=match.score,
    )


def _existing(
    typed: TypedRow, current: pd.Series, cid: str, warnings: tuple[Rendered, ...], plan: _Planning
) -> RowOutcome:
    """A row whose id the archive holds: unchanged, or its differing values listed (and applied with ``update``,
    unless they make the customer a probable duplicate of another, as a new row is checked: then held); held with
    or without ``update`` when its name is not the customer's company (another system's ids, not a rename)."""
    update, index, from_list = plan.update, plan.index, plan.from_list
    changes = tuple(
        FieldChange(key, _shown(key, current.get(key)), _shown(key, value))
        for key, value in typed.values.items()
        if key != "customer_id" and (is_blank(current.get(key)) or not same_value(current.get(key), value))
    )
    name = str(typed.values.get("name") or current.get("name") or "")
    number = typed.row.number
    if not changes:
        return RowOutcome(number, "unchanged", cid, name, None, (), warnings)
    fields = listing(CUSTOMERS.column(c.key) for c in changes)
    after: dict[str, object] = {**{str(k): v for k, v in current.items()}, **typed.values}
    identity = update and any(c.key in IDENTITY_KEYS for c in changes)
    if identity:  # another customer's name, phone, tax id or address: named first, the more telling
        match = index.find_like(after, excluding=cid)
        if match is not None:
            reason = _updated_duplicate_reason(cid, match, from_list)
            return RowOutcome(number, "duplicate", cid, name, reason, (), warnings, changes)
    if not is_blank(current.get("name")) and not same_company(current.get("name"), name):
        # a customer of the master other than its id's it resembles: that company under an old system's id
        like = index.find_like(typed.values, excluding=cid)
        fix = _another_fix(number, like, from_list)
        reason = _another_company(cid, current, typed.values, fix)
        return RowOutcome(number, "another", cid, name, reason, (), warnings, changes)
    if identity:
        index.add({**after, "customer_id": cid})  # the rows after it are compared with its new details too
    if update:
        reason = msg("customer {cid} updated: {fields}", cid=cid, fields=fields)
        return RowOutcome(number, "updated", cid, name, reason, (), warnings, changes)
    reason = msg(
        "customer {cid} is in the master with other values ({fields}): not changed; --update applies them",
        cid=cid,
        fields=fields,
    )
    return RowOutcome(number, "differs", cid, name, reason, (), warnings, changes)


def _another_fix(row: int, like: DuplicateMatch | None, from_list: Mapping[str, int]) -> Message:
    """What to do with a row held as another company under its id: the decisions that settle it without editing
    the list, named with the row's number; or, when it resembles another customer (a new customer would be its
    duplicate, --new-id refused), that customer and its id."""
    if like is not None:
        return msg(
            "it resembles {who} and as a new customer would be a probable duplicate of it: {remedy}",
            who=_resembled(like, from_list),
            remedy=_remedy(like, from_list),
        )
    return msg(
        "check the ids: give the row its own customer's id, or import it as a new customer with --new-id {row} (a "
        "customer really renamed: --same {row} updates it)",
        row=row,
    )


def _another_company(cid: str, current: pd.Series, values: Mapping[str, object], fix: Message) -> Message:
    """Why a row whose id the master gives to a company of another name (and city) is held: an old system's ids
    that happen to be the master's would replace one customer by another, each field a plausible "update"."""
    city, there = shown(values.get("city")), shown(current.get("city"))
    if city and there and normalize_city(city) != normalize_city(there):
        return msg(
            "the list gives the id {cid} to {name} (city {city}), the master's {cid} is {current} (city {there}), "
            "not one company: not updated; {fix}",
            cid=cid,
            name=shown(values.get("name")),
            city=city,
            current=shown(current.get("name")),
            there=there,
            fix=fix,
        )
    return msg(
        "the list gives the id {cid} to {name}, the master's {cid} is {current}, not one company: not updated; {fix}",
        cid=cid,
        name=shown(values.get("name")),
        current=shown(current.get("name")),
        fix=fix,
    )


def _updated_duplicate_reason(cid: str, match: DuplicateMatch, from_list: Mapping[str, int]) -> Message:
    basis = CUSTOMERS.column(match.basis)
    if match.customer_id in from_list:
        return msg(
            "with these values customer {cid} would be a probable duplicate of row {row} of this list ({other} "
            "{name}; {basis}, score {score:g}): not updated",
            cid=cid,
            row=from_list[match.customer_id],
            other=match.customer_id,
            name=match.name,
            basis=basis,
            score=match.score,
        )
    return msg(
        "with these values customer {cid} would be a probable duplicate of customer {other} {name} ({basis}, score "
        "{score:g}): not updated",
        cid=cid,
        other=match.customer_id,
        name=match.name,
        basis=basis,
        score=match.score,
    )


@dataclass(frozen=True)
class ImportSource:
    """The list being imported: the file's name, its sha256 and the sheet its rows are on."""

    name: str
    sha256: str
    sheet: str | None


def apply_import(
    store: Store,
    planned: Sequence[tuple[RowOutcome, Mapping[str, object]]],
    source: ImportSource,
    *,
    new_grade: str,
    now: str,
    earlier: int | None = None,
) -> tuple[list[str], set[str]]:
    """Add the imported rows and the applied updates to ``store``'s frames, with their provenance, history and
    ledger entry; the tables changed and those with rows changed or removed (``save_store``'s names and edited).
    ``earlier`` is the ledger row of the list's import when ``planned`` holds only held rows decided since: they
    join that import (its entry counts them), so its undo takes them back with it."""
    provenance = {
        "source_file": source.name,
        "source_sheet": source.sheet,
        "period": None,
        "file_sha256": source.sha256,
        "consolidated_at": now,
    }
    created = [
        {**values, "grade": values.get("grade") or new_grade, **provenance, "source_row": outcome.row}
        for outcome, values in planned
        if outcome.status == "imported"
    ]
    frames = store.frames
    # The provenance columns a master without consolidated cards lacks (read empty): the undo takes them out again.
    found = store.headers.get(CUSTOMERS.name, {})
    added = [c for c in CUSTOMERS.keys if c not in found] if found else []
    frames[CUSTOMERS.name] = append_rows(frames[CUSTOMERS.name], created, CUSTOMERS)
    updates = [
        _update(store, outcome, values, source, now) for outcome, values in planned if outcome.status == "updated"
    ]
    history = [*updates, *added_entries(CUSTOMERS.name, created, now)]
    changed, edited = {CUSTOMERS.name, LEDGER.name}, {CUSTOMERS.name} if updates else set()
    if history:
        frames[HISTORY.name] = append_rows(frames[HISTORY.name], history, HISTORY)
        changed.add(HISTORY.name)
    held = sum(1 for outcome, _ in planned if outcome.status in HELD or outcome.status == "refused")
    if earlier is not None:
        _count_decided(store, earlier, len(created), len(planned) - held, added)
        edited.add(LEDGER.name)
        return sorted(changed), edited
    entry: dict[str, object] = {
        "file_sha256": source.sha256,
        "file_name": source.name,
        "form": CUSTOMER_LIST_FORM,
        "status": "partial" if held else "accepted",
        "rows": len(created),
        "rejected_rows": held,
        "consolidated_at": now,
        "header": _added_note(added, store.lang) if added else None,
    }
    frames[LEDGER.name] = append_rows(frames[LEDGER.name], [entry], LEDGER)
    return sorted(changed), edited


def _count_decided(store: Store, at: int, created: int, decided: int, added: Sequence[str]) -> None:
    """The ledger entry of a list's import once held rows of it were decided: their customers counted as its rows,
    the rows no longer held taken off its rejected ones (accepted once none is left), the columns added now noted."""
    ledger = store.frames[LEDGER.name]
    ledger.at[at, "rows"] = _count(ledger.at[at, "rows"]) + created  # type: ignore[call-overload]
    left = max(0, _count(ledger.at[at, "rejected_rows"]) - decided)
    ledger.at[at, "rejected_rows"] = left  # type: ignore[call-overload]
    ledger.at[at, "status"] = "partial" if left else "accepted"  # type: ignore[call-overload]
    if added:
        note = ledger.at[at, "header"]
        before = _added_columns(note) if isinstance(note, str) and note else []
        ledger.at[at, "header"] = _added_note([*before, *added], store.lang)  # type: ignore[call-overload]


def _count(value: object) -> int:
    """A ledger count as a number (a blank cell none)."""
    return 0 if is_blank(value) else int(str(value))


def _update(
    store: Store, outcome: RowOutcome, values: Mapping[str, object], source: ImportSource, now: str
) -> dict[str, object]:
    """Write a row's differing values into its customer; the history entry keeping the values they replace and
    those it wrote, so an undo puts back only the cells still holding them (one typed by hand since is kept)."""
    frame = store.frames[CUSTOMERS.name]
    where = frame.index[frame["customer_id"].astype(str) == outcome.customer_id][0]
    before = frame.loc[where].to_dict()
    written = {change.key: values[change.key] for change in outcome.changes}
    for column, value in written.items():
        frame.loc[where, column] = value  # type: ignore[call-overload]
    return {
        "table": CUSTOMERS.name,
        "change": "updated",
        "file_sha256": before.get("file_sha256"),
        "source_file": before.get("source_file"),
        "source_row": before.get("source_row"),
        "rep": before.get("rep"),
        "period": before.get("period"),
        "changed_at": now,
        "changed_by_file": source.name,
        "changed_by": source.sha256,
        "data": row_json(before),
        "written": row_json(written),
    }


def _added_note(keys: Sequence[str], lang: Lang) -> str:
    return json.dumps({ADDED_COLUMNS[lang]: [CUSTOMERS.column(k).header(lang) for k in keys]}, ensure_ascii=False)


def _added_columns(note: str) -> list[str]:
    """The keys of the columns an ``_added_note`` names (in either language)."""
    parsed = json.loads(note)
    listed = parsed.get(ADDED_COLUMNS["zh"]) or parsed.get(ADDED_COLUMNS["en"]) or []
    by_header = {h: c.key for c in CUSTOMERS.columns for h in (c.zh, c.en)}
    return [by_header[h] for h in listed if h in by_header]


def drop_added_columns(store: Store, sha: str) -> bool:
    """After the import of the list with this sha256 was undone, the Customers columns it added to the master (the
    provenance columns), now empty again, taken out so the sheet is as it was; whether the master was written."""
    ledger = store.frame(LEDGER.name)
    entries = ledger[(ledger["file_sha256"] == sha) & (ledger["form"] == CUSTOMER_LIST_FORM)]
    header = entries["header"].iloc[-1] if len(entries) else None
    added = _added_columns(header) if isinstance(header, str) and header else []
    frame = store.frames[CUSTOMERS.name]
    if not added or not all(c in frame.columns and frame[c].isna().all() for c in added):
        return False  # a card consolidated since gave them values: they stay
    kept = [c for c in frame.columns if c not in added]
    headers = {k: v for k, v in store.headers.get(CUSTOMERS.name, {}).items() if k not in added}
    write_tables(
        store.path,
        {PLAIN_CUSTOMERS: frame[kept]},
        lang=store.lang,
        headers={CUSTOMERS.name: headers},
        backup=False,
        currency=store.settings.book_currency,
    )
    return True


def now_text() -> str:
    """The time an import is recorded at, as the ledger writes a consolidation's."""
    return dt.datetime.now().isoformat(sep=" ", timespec="seconds")


def import_of(customer_list: CustomerList, sha: str) -> ImportSource:
    """The ``ImportSource`` of a list read from a file with this sha256."""
    return ImportSource(customer_list.file, sha, customer_list.sheet)


def _shown(key: str, value: object) -> str:
    """A Customers value as the console line shows it: a money column's amount with its thousands separated."""
    return shown_money(value) if CUSTOMERS.column(key).kind == "money" else shown(value)
