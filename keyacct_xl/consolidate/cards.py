"""Customer cards: the only way a new customer enters the archive, and field updates for known ones.

The card's contact lines are merged like any form line once the card is applied (keyacct_xl.consolidate.merge).

A known customer's empty fields are filled from the card; a field the archive already holds with another
value is a conflict, listed, and the archive keeps its value until someone decides. A card for a customer
another rep looks after is flagged and not applied. A "new" customer that resembles an archive customer
(客户查重) is not created but listed with the customer it resembles and the score. New customers start as
grade C (DOMAIN.md: new customers are treated as C and evaluated after six months).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from keyacct_xl.consolidate.dedupe import CustomerIndex
from keyacct_xl.consolidate.frames import append_rows
from keyacct_xl.consolidate.model import FileOutcome
from keyacct_xl.consolidate.store import Store
from keyacct_xl.consolidate.tables import MERGED_TABLES
from keyacct_xl.forms.spec import FormSpec
from keyacct_xl.parsing import is_blank

CUSTOMERS = MERGED_TABLES["Customers"]
NEW_CUSTOMER_GRADE = "C"
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


def _same(a: object, b: object) -> bool:
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return abs(float(a) - float(b)) < 0.005
    if isinstance(a, pd.Timestamp) or isinstance(b, pd.Timestamp):
        return pd.Timestamp(a) == pd.Timestamp(b)
    return str(a).strip() == str(b).strip()


def _shown(value: object) -> str:
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _owners(customers: pd.DataFrame) -> dict[str, str]:
    """Customer id -> the rep who looks after it ('' for none)."""
    return {str(c): (r if isinstance(r, str) else "") for c, r in zip(customers["customer_id"], customers["rep"])}


class CardMerger:
    """Applies customer cards to the Customers and Contacts frames of a Store."""

    def __init__(self, store: Store, *, now: str, conflicts: list[Conflict]) -> None:
        self.store, self.now, self.conflicts = store, now, conflicts
        self.changed: set[str] = set()
        self.edited: set[str] = set()  # Customers, once an existing row's field was filled in
        self.refresh()

    def refresh(self) -> None:
        """Re-read the customer ids, owners and the duplicate index after rows were added or removed."""
        frame = self.store.frame(CUSTOMERS.name)
        self.owners = _owners(frame)
        self._index: CustomerIndex | None = None

    @property
    def index(self) -> CustomerIndex:
        """The duplicate finder over the current customers (built on first use)."""
        if self._index is None:
            self._index = CustomerIndex(self.store.frame(CUSTOMERS.name))
        return self._index

    @staticmethod
    def _values(outcome: FileOutcome, spec: FormSpec) -> dict[str, object]:
        fields = {f.maps_to.split(".", 1)[1]: f.key for f in spec.header_fields
                  if (f.maps_to or "").startswith("Customers.")}
        values = {col: outcome.header.get(key) for col, key in fields.items()}
        return {k: v for k, v in values.items() if not is_blank(v)}

    def refuse(self, outcome: FileOutcome, spec: FormSpec, *, replacing: frozenset[str] = frozenset()) -> bool:
        """Whether the card must not be applied (another rep's customer, a probable duplicate); records why.

        Judged against the archive without the rows of the files the card replaces (``replacing``, their
        sha256), so a resubmitted card is checked before the earlier one leaves the tables.
        """
        cid = str(outcome.key)
        owners, index = self.owners, None
        if replacing:
            frame = self.store.frame(CUSTOMERS.name)
            frame = frame[~frame["file_sha256"].isin(replacing)]
            owners = _owners(frame)
            index = CustomerIndex(frame)
        if cid in owners:
            return self._foreign(outcome, cid, owners[cid])
        return self._duplicate(outcome, self._values(outcome, spec), index or self.index)

    def apply(self, outcome: FileOutcome, spec: FormSpec, provenance: Provenance) -> None:
        """Create or update the card's customer (a card ``refuse`` let through)."""
        values, cid = self._values(outcome, spec), str(outcome.key)
        if cid in self.owners:
            self._update(outcome, cid, values)
        else:
            self._create(outcome, cid, values, provenance)

    def _foreign(self, outcome: FileOutcome, cid: str, owner: str) -> bool:
        if not owner or owner == outcome.rep:
            return False
        self.conflicts.append(Conflict(
            "owner", outcome.name, cid, "rep", owner, outcome.rep,
            f"card for {cid}, a customer {owner} looks after: not applied",
            f"客户 {cid} 由 {owner} 负责，此资料卡未应用"))
        outcome.reject("owner", f"customer {cid} is looked after by {owner}: card listed in Conflicts",
                       f"客户 {cid} 由 {owner} 负责：资料卡已列入冲突")
        return True

    def _duplicate(self, outcome: FileOutcome, values: dict[str, object], index: CustomerIndex) -> bool:
        match = index.find(name=values.get("name"), phone=values.get("phone"), tax_id=values.get("tax_id"),
                           address=values.get("address"))
        if match is None:
            return False
        found = f"{match.customer_id} {match.name}"
        self.conflicts.append(Conflict(
            "duplicate", outcome.name, match.customer_id, match.basis, match.name, str(values.get("name", "")),
            f"probable duplicate of {found} ({match.basis}, score {match.score:g}): not created",
            f"疑似与 {found} 重复（{match.basis}，相似度 {match.score:g}），未新建", match.score))
        outcome.reject("duplicate_customer", f"probable duplicate of customer {match.customer_id} {match.name}",
                       f"疑似与已有客户 {match.customer_id} {match.name} 重复")
        return True

    def _update(self, outcome: FileOutcome, cid: str, values: dict[str, object]) -> None:
        frame = self.store.frames[CUSTOMERS.name]
        index = frame.index[frame["customer_id"].astype(str) == cid][0]
        filled = 0
        for column, value in values.items():
            if column == "customer_id":
                continue
            current = frame.at[index, column] if column in frame.columns else None
            if is_blank(current) or current is pd.NA:
                frame.loc[index, column] = value
                filled += 1
            elif not _same(current, value):
                self.conflicts.append(Conflict(
                    "value", outcome.name, cid, column, _shown(current), _shown(value),
                    "the archive keeps its value until someone decides", "档案保留原值，待人工确认"))
        if filled:
            self.store.frames[CUSTOMERS.name] = frame
            self.changed.add(CUSTOMERS.name)
            self.edited.add(CUSTOMERS.name)
            outcome.rows_added += 1

    def _create(self, outcome: FileOutcome, cid: str, values: dict[str, object], provenance: Provenance) -> None:
        row = {**values, "customer_id": cid, "rep": values.get("rep") or outcome.rep,
               "grade": values.get("grade") or NEW_CUSTOMER_GRADE, **provenance(outcome, "", None)}
        frames = self.store.frames
        frames[CUSTOMERS.name] = append_rows(frames[CUSTOMERS.name], [row], CUSTOMERS)
        self.changed.add(CUSTOMERS.name)
        outcome.rows_added += 1
        self.refresh()
