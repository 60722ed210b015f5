"""Customer cards and registrations: the only forms by which a new customer enters the archive (a list of existing
customers comes in by keyacct_xl.consolidate.customerimport, with the same duplicate check), and field updates for
known ones. A card or registration without an id (blank, 新客户) gets the next id of the Settings pattern once the
duplicate check found nothing (keyacct_xl.consolidate.newcustomers).

The card's contact lines are merged like any form line once the card is applied (keyacct_xl.consolidate.merge).

A known customer's empty fields are filled from the card; a field the archive already holds with another
value is a conflict, listed, and the archive keeps its value until someone decides, unless the value came
from the same rep's earlier card for that customer, which this card corrects. A card for a customer
another rep looks after is flagged and not applied. A "new" customer that resembles an archive customer
(客户查重) is not created but listed with the customer it resembles and the score. New customers start at
the grading policy's new-customer grade (DOMAIN.md: treated as C and evaluated after six months); a card
never sets a grade.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass

import pandas as pd

from keyacct_xl.consolidate.changes import RowChange, shown
from keyacct_xl.consolidate.dedupe import CustomerIndex
from keyacct_xl.consolidate.frames import append_rows
from keyacct_xl.consolidate.model import FileOutcome, Issue, texts
from keyacct_xl.consolidate.newcustomers import is_new_customer, next_customer_id
from keyacct_xl.consolidate.store import Store
from keyacct_xl.forms.spec import FormSpec
from keyacct_xl.master.ids import Spellings, meant_id, read_as
from keyacct_xl.master.submissions import MERGED_TABLES
from keyacct_xl.messages import msg
from keyacct_xl.parsing import is_blank, same_value

CUSTOMERS = MERGED_TABLES["Customers"]
_IDENTIFYING = ("name", "phone", "tax_id", "address")  # what the duplicate finder compares
_INDEXED = (*_IDENTIFYING, "city")  # and the city, which tells whether a local number without area code is one
Provenance = Callable[[FileOutcome, str, "int | None"], dict[str, object]]


@dataclass(frozen=True)
class Conflict:
    """Something a person must decide: a differing value, another rep's customer, or a probable duplicate."""

    kind: str  # "value", "owner" or "duplicate"
    file: str
    customer_id: str
    field: str
    master_value: str
    submitted_value: str
    en: str
    zh: str
    score: float | None = None


def _owners(customers: pd.DataFrame) -> dict[str, str]:
    """Customer id -> the rep who looks after it ('' for none)."""
    return {str(c): (r if isinstance(r, str) else "") for c, r in zip(customers["customer_id"], customers["rep"])}


class CardMerger:
    """Applies customer cards to the Customers and Contacts frames of a Store."""

    def __init__(
        self,
        store: Store,
        *,
        now: str,
        conflicts: list[Conflict],
        new_grade: str,
        changes: list[RowChange] | None = None,
    ) -> None:
        self.store, self.now, self.conflicts, self.new_grade = store, now, conflicts, new_grade
        self.changes = changes if changes is not None else []  # where a new customer's assigned id is reported
        self.changed: set[str] = set()
        self.edited: set[str] = set()  # Customers, once an existing row's field was filled in
        # Customers created by cards, appended to the frame in one go when the frame is next read: one append per
        # new customer costs a whole typed frame and concat each (the owners and the index know them at once).
        self.created: list[dict[str, object]] = []
        self.written: list[dict[str, object]] = []  # each created row as its card wrote it, for SubmissionHistory
        self.owners = _owners(self.store.frame(CUSTOMERS.name))
        self.spellings = Spellings(self.owners)  # an id in any case or width -> the master's spelling of it
        self._index: CustomerIndex | None = None

    def customers(self) -> pd.DataFrame:
        """The Customers frame with every customer created so far (the cards' new rows appended first)."""
        frames = self.store.frames
        if self.created:
            frames[CUSTOMERS.name] = append_rows(frames[CUSTOMERS.name], self.created, CUSTOMERS)
            self.created = []
        return frames[CUSTOMERS.name]

    @property
    def index(self) -> CustomerIndex:
        """The duplicate finder over the current customers (built on first use)."""
        if self._index is None:
            self._index = CustomerIndex(self.customers())
        return self._index

    @staticmethod
    def _values(outcome: FileOutcome, spec: FormSpec) -> dict[str, object]:
        fields = {
            f.maps_to.split(".", 1)[1]: f.key for f in spec.header_fields if (f.maps_to or "").startswith("Customers.")
        }
        values = {col: outcome.header.get(key) for col, key in fields.items()}
        return {k: v for k, v in values.items() if not is_blank(v)}

    def refuse(self, outcome: FileOutcome, spec: FormSpec, keys: Collection[tuple[str, str, str]] = ()) -> bool:
        """Whether the card must not be applied (another rep's customer, a probable duplicate); records why.

        For a known customer only the identifying values the card changes are compared with the others. A card
        without an id (blank or 新客户) gets the next id; ``keys`` are the live submissions' (form, rep, key), so
        the corrected copy of a rep's own registration finds the id its first copy was given.
        """
        cid, values = str(outcome.key), self._values(outcome, spec)
        if is_new_customer(outcome.key):
            return self._new_customer(outcome, spec, values, keys)
        cid = self._as_the_master_spells(outcome, cid)
        if cid not in self.owners:
            return self._duplicate(outcome, values, self.index)
        if self._foreign(outcome, cid, self.owners[cid]):
            return True
        frame = self.customers()
        ours = frame["customer_id"].astype(str) == cid
        current = frame[ours].iloc[0]
        changed = {
            k: v
            for k, v in values.items()
            if k in _IDENTIFYING and k in current.index and (is_blank(current[k]) or not same_value(current[k], v))
        }
        # The city only places a phone without its area code: the archive's (kept in a conflict), else the card's.
        city = values.get("city") if is_blank(current.get("city")) else current.get("city")
        return bool(changed) and self._duplicate(outcome, {**changed, "city": city}, self.index, excluding=cid)

    def apply(
        self, outcome: FileOutcome, spec: FormSpec, provenance: Provenance, *, corrects: frozenset[str]
    ) -> tuple[dict[str, object], dict[str, object]] | None:
        """Create or update the card's customer (a card ``refuse`` let through).

        ``corrects`` are the sha256 of the same rep's earlier cards for this customer. Returns the row before
        and the changed values when an existing customer was updated.
        """
        values, cid = self._values(outcome, spec), str(outcome.key)
        if cid in self.owners:
            return self._update(outcome, cid, values, corrects)
        self._create(outcome, cid, values, provenance)
        return None

    def _as_the_master_spells(self, outcome: FileOutcome, cid: str) -> str:
        """The card's id as the master spells it: c0026 or Ｃ0026 typed for C0026 is C0026 (a warning on the cell),
        so the card updates that customer and its contacts instead of creating a second customer beside it."""
        master = meant_id(cid, self.owners, self.spellings) or cid
        if master != cid:
            outcome.issues.append(
                Issue(
                    outcome.name,
                    *outcome.header_cells.get("customer_id", ("", "")),
                    CUSTOMERS.column("customer_id"),
                    cid,
                    read_as(cid, master),
                    "warning",
                )
            )
            self._identify(outcome, master)
        return master

    def _foreign(self, outcome: FileOutcome, cid: str, owner: str) -> bool:
        if not owner or owner == outcome.rep:
            return False
        self.conflicts.append(
            Conflict(
                "owner",
                outcome.name,
                cid,
                "rep",
                owner,
                outcome.rep,
                *texts(msg("card for {cid}, a customer {owner} looks after: not applied", cid=cid, owner=owner)),
            )
        )
        outcome.reject(
            "owner",
            msg("customer {cid} is looked after by {owner}: card listed in Conflicts", cid=cid, owner=owner),
        )
        return True

    def _new_customer(
        self, outcome: FileOutcome, spec: FormSpec, values: dict[str, object], keys: Collection[tuple[str, str, str]]
    ) -> bool:
        """Identify a card without an id: this rep's earlier copy of the same form, else a new id (after 查重)."""
        match = self.index.find_like(values)
        if match is not None and (outcome.form_id, outcome.rep, match.customer_id) in keys:
            self._identify(outcome, match.customer_id)  # the same registration sent again, corrected
            return self.refuse(outcome, spec, keys)
        if match is not None:
            return self._duplicate(outcome, values, self.index)
        typed = shown(outcome.header.get("customer_id"))
        cid = next_customer_id(self.store.settings.customer_id_pattern, self.owners)
        self._identify(outcome, cid)
        name = shown(values.get("name"))
        self.changes.append(RowChange("assigned", outcome.name, CUSTOMERS.name, cid, "customer_id", typed, cid))
        outcome.issues.append(
            Issue(
                outcome.name,
                *outcome.header_cells.get("customer_id", ("", "")),
                CUSTOMERS.column("customer_id"),
                typed,
                msg("new customer {name}: given the id {cid}", name=name, cid=cid),
                "warning",
            )
        )
        return False

    @staticmethod
    def _identify(outcome: FileOutcome, cid: str) -> None:
        outcome.key = outcome.header["customer_id"] = cid

    def _duplicate(
        self, outcome: FileOutcome, values: dict[str, object], index: CustomerIndex, *, excluding: str | None = None
    ) -> bool:
        match = index.find_like(values, excluding=excluding)
        if match is None:
            return False
        found = f"{match.customer_id} {match.name}"
        basis = CUSTOMERS.column(match.basis)  # the field named as the master's header names it
        self.conflicts.append(
            Conflict(
                "duplicate",
                outcome.name,
                match.customer_id,
                match.basis,
                self._held(match.customer_id, match.basis),
                shown(values.get(match.basis)),
                *texts(
                    msg(
                        "probable duplicate of {found} ({basis}, score {score:g}): not created",
                        found=found,
                        basis=basis,
                        score=match.score,
                    )
                ),
                match.score,
            )
        )
        outcome.reject(
            "duplicate_customer",
            msg(
                "probable duplicate of customer {cid} {name}: if it is that customer, type {cid} as the card's "
                "customer ID and send it again (it then updates {cid}); if it is another company, make its name or "
                "address tell them apart",
                cid=match.customer_id,
                name=match.name,
            ),
        )
        return True

    def _held(self, cid: str, column: str) -> str:
        """What the master holds in ``column`` for customer ``cid``, as a report shows it."""
        frame = self.customers()
        held = frame.loc[frame["customer_id"].astype(str) == cid, column]
        return shown(held.iloc[0]) if len(held) else ""

    def _update(
        self, outcome: FileOutcome, cid: str, values: dict[str, object], corrects: frozenset[str]
    ) -> tuple[dict[str, object], dict[str, object]] | None:
        frame = self.customers()
        index = frame.index[frame["customer_id"].astype(str) == cid][0]
        before = frame.loc[index].to_dict()
        own_card = str(before.get("file_sha256")) in corrects  # the values came from this rep's earlier card
        changed: dict[str, object] = {}
        for column, value in values.items():
            current = before.get(column)
            if column == "customer_id" or (not is_blank(current) and same_value(current, value)):
                continue
            if is_blank(current) or current is pd.NA or own_card:
                changed[column] = value
            else:
                self.conflicts.append(
                    Conflict(
                        "value",
                        outcome.name,
                        cid,
                        column,
                        shown(current),
                        shown(value),
                        *texts(
                            msg(
                                "the archive keeps its value; to take the rep's value, type it over the old one "
                                "in the master's Customers sheet"
                            )
                        ),
                    )
                )
        if not changed:
            return None
        for column, value in changed.items():
            if column not in frame.columns:
                frame[column] = pd.Series([None] * len(frame), dtype="object", index=frame.index)
            frame.loc[index, column] = value
        if self._index is not None and any(column in _INDEXED for column in changed):
            self._index.update(frame.loc[index].to_dict())  # the next card of this run is compared with these values
        self.changed.add(CUSTOMERS.name)
        self.edited.add(CUSTOMERS.name)
        return before, changed

    def _create(self, outcome: FileOutcome, cid: str, values: dict[str, object], provenance: Provenance) -> None:
        row = {
            **values,
            "customer_id": cid,
            "rep": values.get("rep") or outcome.rep,
            "grade": self.new_grade,
            **provenance(outcome, "", None),
        }
        self.created.append(row)
        self.written.append(dict(row))
        self.changed.add(CUSTOMERS.name)
        outcome.rows_added += 1
        self.owners[cid] = str(row["rep"] or "")
        self.spellings.add(cid)
        if self._index is not None:  # the next card of this run is compared with this one too
            self._index.add(row)
