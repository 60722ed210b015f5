"""The route review workbook (``routes assign``) and writing the chosen order into Customers (``routes apply``).

The review lists each route's customers in the proposed order with the current and proposed route_seq and a
"chosen" column a person may change; apply reads the chosen column back (headers in zh or en) and writes it into
Customers.route_seq through the master's save path (part-level rewrite, backup kept, under the write lock).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from keyacct_xl.errors import InputError, KeyacctError
from keyacct_xl.fileio import atomic_write, master_write_lock
from keyacct_xl.history.store import store_path
from keyacct_xl.i18n import Lang
from keyacct_xl.master.model import Master
from keyacct_xl.master.reader import load_master
from keyacct_xl.master.schema import Column
from keyacct_xl.master.submissions import PROVENANCE
from keyacct_xl.master.writer import save_master
from keyacct_xl.messages import Pair, listing, msg, tr
from keyacct_xl.output import check_suffix, workbook
from keyacct_xl.parsing import is_blank, same_value
from keyacct_xl.reports import Heading, Kind, Sheet, Styles, add_sheet
from keyacct_xl.tablefile import read_table_file

TABLE = "RouteReview"
CONSOLIDATED_AT = next(c for c in PROVENANCE if c.key == "consolidated_at")
REVIEW_COLUMNS: tuple[Column, ...] = (
    Column("customer_id", "客户编号", "Customer ID", width=11),
    Column("name", "客户名称", "Customer Name", width=28),
    Column("rep", "业务员", "Sales Rep", width=9),
    Column("region", "区域", "Region", width=8),
    Column("city", "城市", "City", width=8),
    Column("district", "区县", "District", width=10),
    Column("address", "地址", "Address", width=32),
    Column("route_seq", "现路序", "Current Route Seq", "int", width=8),
    Column("proposed_seq", "建议路序", "Proposed Route Seq", "int", width=8),
    Column("chosen_seq", "确定路序", "Chosen Route Seq", "int", width=8),
    Column("leg_km", "距上一家(公里)", "Leg (km)", "number", width=10),
    # when a form last brought the customer's row in (Customers' provenance): apply knows a row changed since
    Column(CONSOLIDATED_AT.key, CONSOLIDATED_AT.zh, CONSOLIDATED_AT.en, width=19),
)


def last_consolidated(customers: pd.DataFrame) -> pd.Series:
    """When consolidation last wrote each customer's row (Customers' 汇总时间, by key or header in either language),
    as text; None where no form ever brought it in."""
    label = next((c for c in customers.columns if str(c) in _names(CONSOLIDATED_AT)), None)
    if label is None:
        return pd.Series([None] * len(customers), index=customers.index, dtype=object)
    values = customers[label].astype(object)
    return values.where(~values.map(is_blank), None).map(lambda v: v if v is None else str(v).strip())


def review_name(master: Path) -> Path:
    """Where ``routes assign`` writes the review when no --out is given, and ``routes apply`` reads it."""
    return master.parent / f"routes_review_{master.stem}.xlsx"


def with_consolidated(routes: pd.DataFrame, customers: pd.DataFrame) -> pd.DataFrame:
    """``routes`` with when each customer's row was last consolidated, for the review to carry to apply."""
    times = dict(zip(customers["customer_id"].astype(str), last_consolidated(customers)))
    return routes.assign(**{CONSOLIDATED_AT.key: routes["customer_id"].astype(str).map(times).astype(object)})


def write_route_review(routes: pd.DataFrame, path: Path, *, lang: Lang, company: str | None = None) -> Path:
    """The review workbook: one report sheet, proposed order, the chosen column pre-filled with the proposal."""
    path = Path(path)
    check_suffix(path, (".xlsx",))
    refuse_unapplied_choices(path, routes)
    if CONSOLIDATED_AT.key not in routes:
        routes = routes.assign(**{CONSOLIDATED_AT.key: None})
    frame = routes.assign(chosen_seq=routes["proposed_seq"])[[c.key for c in REVIEW_COLUMNS]]
    title = tr(lang, "Route order proposal (change Chosen Route Seq, then run routes apply)")
    sheet = Sheet(
        tr(lang, "Routes"),
        frame,
        kinds={c.key: _KINDS[c.kind] for c in REVIEW_COLUMNS if c.kind in _KINDS},
        headers={c.key: c.header(lang) for c in REVIEW_COLUMNS},
    )
    with workbook(path, title) as book:
        add_sheet(book, Styles(book), sheet, heading=Heading(title, company=company), lang=lang, table_name=TABLE)
    return path


_KINDS: dict[str, Kind] = {"int": "int", "number": "number"}


def refuse_unapplied_choices(path: Path, routes: pd.DataFrame) -> None:
    """Refuse to write a review over ``path`` while it holds orders a person chose (确定路序 unlike 建议路序) that the
    master (``routes``' route_seq) does not hold yet: proposing again would lose them, as it did."""
    if not path.exists():
        return
    try:  # one read; a chosen cell that is no order counts as typed and not applied
        review = read_table_file(
            path, REVIEW_COLUMNS, table=TABLE, required=("customer_id", "proposed_seq", "chosen_seq")
        )
    except KeyacctError as error:
        raise InputError(
            msg(
                "{path} exists and cannot be read as a route review ({problem}): it is not written over; move it away "
                "or give --out another name",
                path=path,
                problem=error,
            )
        ) from error
    now = dict(zip(routes["customer_id"].astype(str), pd.to_numeric(routes["route_seq"], errors="coerce")))
    ids = review["customer_id"].astype(str).str.strip()
    chosen, proposed = (pd.to_numeric(review[c], errors="coerce") for c in ("chosen_seq", "proposed_seq"))
    pending = [
        c for c, seq, p in zip(ids, chosen, proposed) if not same_value(seq, p) and not same_value(now.get(c), seq)
    ]
    if pending:
        raise InputError(
            msg(
                "{path} holds {count:,} chosen route order(s) not yet in the master ({ids}): it is not written over; "
                "put them in with keyacct-xl routes apply, or move the file away to propose again",
                path=path,
                count=len(pending),
                ids=listing(pending[:5]),
            )
        )


def read_route_review(path: Path, *, with_current: bool = False) -> pd.DataFrame:
    """The review's customer ids and chosen route_seq (with ``with_current``, also the route_seq the master held when
    the review was made, as ``current_seq``, and when its row was last consolidated, as ``consolidated_at``); a
    chosen cell that is no whole number of 1 or more is refused."""
    if not Path(path).exists():
        raise InputError(msg("{path}: no route review; run keyacct-xl routes assign first", path=path))
    frame = read_table_file(path, REVIEW_COLUMNS, table=TABLE, required=("customer_id", "chosen_seq"))
    chosen = pd.to_numeric(frame["chosen_seq"], errors="coerce")
    bad = frame.index[chosen.isna() | (chosen < 1) | (chosen % 1 != 0)]
    if len(bad):
        shown = ", ".join(f"{frame.at[i, 'customer_id']!s} ({float(chosen[i]):g})" for i in bad[:5])
        raise InputError(
            msg("{path}: Chosen Route Seq must be a whole number of 1 or more: {shown}", path=path, shown=shown)
        )
    out = pd.DataFrame(
        {"customer_id": frame["customer_id"].astype(str).str.strip(), "chosen_seq": chosen.astype("int64")}
    )
    if with_current:
        # the columns the review has, wherever its rows are (its table, a plain sheet they were copied to, a CSV)
        found = frame.attrs["columns_found"]
        route = REVIEW_COLUMNS[7]
        if route.key not in found:
            raise InputError(
                msg("{path}: the review has no column {column}", path=path, column=Pair(route.en, route.zh))
            )
        out["current_seq"] = pd.to_numeric(frame["route_seq"], errors="coerce").astype("Float64").to_numpy()
        if CONSOLIDATED_AT.key in found:  # a review written before it had the column cannot tell
            out[CONSOLIDATED_AT.key] = last_consolidated(frame).to_numpy()
    return out


def _names(column: Column) -> set[str]:
    return {column.key, column.zh, column.en, *column.aliases}


@dataclass(frozen=True)
class RouteChange:
    """One customer's route_seq before and after (None: blank)."""

    customer_id: str
    name: str
    before: int | None
    after: int | None

    def text(self) -> str:
        """``C1 甲: 1 → 2``."""
        shown = ("" if v is None else str(v) for v in (self.before, self.after))
        return f"{self.customer_id} {self.name}: {' → '.join(shown)}"


@dataclass(frozen=True)
class KeptRoute:
    """A customer whose route_seq changed since the review and was kept: the master's order, the one the review
    found (现路序) and the chosen one; ``by_form`` when a form consolidated since the review brought it."""

    customer_id: str
    name: str
    now: int | None
    found: int | None
    chosen: int
    by_form: bool = False

    def text(self, lang: Lang) -> str:
        """``C2 乙: now 5, in the review 2, chosen 1``."""
        shown = {"now": _shown(self.now), "found": _shown(self.found), "chosen": self.chosen}
        who = f"{self.customer_id} {self.name}"
        if self.by_form:
            return tr(
                lang,
                "{customer}: now {now} (from a form consolidated since the review), in the review {found}, "
                "chosen {chosen}",
                customer=who,
                **shown,
            )
        return tr(lang, "{customer}: now {now}, in the review {found}, chosen {chosen}", customer=who, **shown)


# At most this many kept customers are named one a line; the rest are counted.
KEPT_SHOWN = 20


@dataclass(frozen=True)
class RoutesApplied:
    """What apply (or its undo) changed, each customer with its route_seq before and after; review rows naming no
    customer of the master; for apply, the customers changed since the review, kept; for an undo, the customers
    changed since the review was applied, left as they are."""

    changes: tuple[RouteChange, ...]
    not_in_customers: tuple[str, ...]
    undo: bool = False
    # undo: (customer, master's route_seq, what apply wrote)
    changed_since: tuple[tuple[str, int | None, int | None], ...] = ()
    kept: tuple[KeptRoute, ...] = ()

    @property
    def changed(self) -> int:
        """How many customers' route_seq changed."""
        return len(self.changes)

    @property
    def left(self) -> int:
        """How many customers were left with an order changed since the review (or since its apply, for an undo)."""
        return len(self.changed_since) + len(self.kept)

    def summary(self, lang: Lang) -> str:
        """What changed, a line per customer with its order before and after, as ``routes apply`` prints it."""
        if self.undo:
            line = tr(lang, "route order put back for {count:,} customer(s)", count=self.changed)
        else:
            line = tr(lang, "route order updated for {count:,} customer(s)", count=self.changed)
        if self.not_in_customers:
            line = tr(
                lang,
                "{line}; {count:,} row(s) not applied, not in Customers: {customers}",
                line=line,
                count=len(self.not_in_customers),
                customers=listing(self.not_in_customers[:10]),
            )
        lines = [line, *(f"  {change.text()}" for change in self.changes)]
        if self.changed_since:
            lines.append(
                tr(
                    lang,
                    "{count:,} row(s) left as they are, changed since the review was applied: {customers}",
                    count=len(self.changed_since),
                    customers=listing([self._moved(lang, *moved) for moved in self.changed_since[:10]]),
                )
            )
        if self.kept:
            lines.append(
                tr(
                    lang,
                    "{count:,} customer(s) kept, their route order changed since the review (routes apply --force "
                    "writes the chosen order over it, or run keyacct-xl routes assign again):",
                    count=len(self.kept),
                )
            )
            lines.extend(f"  {kept.text(lang)}" for kept in self.kept[:KEPT_SHOWN])
            if len(self.kept) > KEPT_SHOWN:
                lines.append("  " + tr(lang, "… and {count:,} more", count=len(self.kept) - KEPT_SHOWN))
        return "\n".join(lines)

    @staticmethod
    def _moved(lang: Lang, customer: str, now: int | None, wrote: int | None) -> str:
        return tr(lang, "{customer} (now {now}, applied {wrote})", customer=customer, now=now or "", wrote=wrote or "")


@dataclass(frozen=True)
class AppliedOrder:
    """What ``routes apply`` last wrote into a customer's route_seq (``wrote``) for a review that found ``found`` there
    (its 现路序), and the order it replaced (``replaced``: the one found, or one a person gave, written over with
    --force): the master holding ``wrote`` is no change by a person since that review, and --undo puts back
    ``replaced``."""

    found: int | None
    wrote: int
    replaced: int | None


def apply_routes(
    master: Master,
    chosen: pd.DataFrame,
    *,
    undo: bool = False,
    force: bool = False,
    earlier: Mapping[str, AppliedOrder] | None = None,
) -> RoutesApplied:
    """Set Customers.route_seq in ``master`` (in memory) from the chosen order; other columns are untouched.

    A customer whose order is neither the one the review found (现路序) nor what an earlier apply of a review that
    found the same order wrote (``earlier``) has changed since the review: it is kept and listed, unless ``force``.
    ``undo`` puts back what apply replaced (the order the review found, or a person's order --force wrote over) where
    the master still holds the chosen one or what apply wrote; a customer whose order changed since is left as it is
    and listed."""
    duplicated = chosen["customer_id"][chosen["customer_id"].duplicated()].unique()
    if len(duplicated):
        raise InputError(msg("route review: customer(s) listed twice: {ids}", ids=", ".join(duplicated[:10])))
    ids = master.customers["customer_id"].astype(str)
    by_id = chosen.set_index("customer_id")
    current = master.customers["route_seq"].astype("Float64")
    listed = ids.isin(by_id.index).to_numpy()
    applied = ids.map(by_id["chosen_seq"]).astype("Float64")
    found = ids.map(by_id["current_seq"]).astype("Float64")
    # what an earlier apply of a review that found the same order wrote, where the master still holds it
    before = _earlier(ids, found, earlier or {})
    ours = before["wrote"].notna().to_numpy(dtype=bool) & _same(current, before["wrote"])
    changed_since: tuple[tuple[str, int | None, int | None], ...] = ()
    kept: tuple[KeptRoute, ...] = ()
    if undo:
        holds = listed & (_same(current, applied) | ours)
        moved = listed & ~holds & ~_same(current, found)
        by_apply = before["wrote"].fillna(applied)
        changed_since = tuple(
            (ids.iloc[i], _whole(current.iloc[i]), _whole(by_apply.iloc[i])) for i in np.flatnonzero(moved)
        )
        # the order apply replaced: the one the review found, or a person's that --force wrote over
        wanted, target = found.where(~pd.Series(ours, index=found.index), before["replaced"]), holds
    else:
        by_form = listed & _consolidated_since(master.customers, ids, by_id) & ~_same(current, found)
        unchanged = (_same(current, found) | ours) & ~by_form
        conflict = listed & ~_same(current, applied) & ~unchanged
        wanted, target = applied, listed if force else listed & ~conflict
        if not force:
            kept = tuple(
                KeptRoute(
                    ids.iloc[i],
                    _text(master.customers["name"].iloc[i]),
                    _whole(current.iloc[i]),
                    _whole(found.iloc[i]),
                    int(applied.iloc[i]),
                    bool(by_form[i]),
                )
                for i in np.flatnonzero(conflict)
            )
    differs = target & ~_same(current, wanted)
    changes = tuple(
        RouteChange(
            ids.iloc[i], _text(master.customers["name"].iloc[i]), _whole(current.iloc[i]), _whole(wanted.iloc[i])
        )
        for i in np.flatnonzero(differs)
    )
    if differs.any():
        route = master.customers["route_seq"].astype("Int64").copy()
        route[differs] = wanted[differs].astype("Int64").to_numpy()
        master.customers = master.customers.assign(route_seq=route)
    unknown = tuple(sorted(set(chosen["customer_id"]) - set(ids)))
    return RoutesApplied(changes, unknown, undo, changed_since, kept)


def _earlier(ids: pd.Series, found: pd.Series, earlier: Mapping[str, AppliedOrder]) -> pd.DataFrame:
    """Per customer, what an earlier apply wrote over the order this review found and the order it replaced (NA: no
    apply of a review that found this order wrote there)."""
    records = pd.DataFrame(
        [(customer, r.found, r.wrote, r.replaced) for customer, r in earlier.items()],
        columns=["customer_id", "found", "wrote", "replaced"],
    ).set_index("customer_id")
    valid = ids.isin(records.index).to_numpy() & _same(ids.map(records["found"]).astype("Float64"), found)
    return pd.DataFrame(
        {column: ids.map(records[column]).astype("Float64").where(valid) for column in ("wrote", "replaced")}
    )


def _consolidated_since(customers: pd.DataFrame, ids: pd.Series, by_id: pd.DataFrame) -> np.ndarray:
    """Customers whose row a form consolidated since the review (a review without the column cannot tell: none)."""
    if CONSOLIDATED_AT.key not in by_id:
        return np.zeros(len(ids), dtype=bool)
    reviewed = ids.map(by_id[CONSOLIDATED_AT.key]).astype(object)
    latest = last_consolidated(customers).reset_index(drop=True).astype(object)
    return (latest.fillna("") != reviewed.fillna("").reset_index(drop=True)).to_numpy(dtype=bool)


def _same(a: pd.Series, b: pd.Series) -> np.ndarray:
    """Equal route_seq values, two blanks included."""
    return ((a == b).fillna(False) | (a.isna() & b.isna())).to_numpy(dtype=bool)


def _shown(value: int | None) -> object:
    return "" if value is None else value


def _whole(value: object) -> int | None:
    return None if pd.isna(value) else int(value)  # type: ignore[call-overload]


def _text(value: object) -> str:
    return "" if value is None or pd.isna(value) else str(value)  # type: ignore[call-overload]


def apply_route_review(master_path: Path, review: Path, *, undo: bool = False, force: bool = False) -> RoutesApplied:
    """``routes apply``: the review's chosen order written into the master's Customers, a customer whose order changed
    since the review kept unless ``force``; with ``undo``, the order the review found put back where the chosen one
    (or what its apply wrote) still holds. Saved only on a change, with a backup; what apply wrote is recorded
    beside the master (``applied_record``) so that applying the review again after a change of mind is no conflict."""
    master_path = Path(master_path)
    with master_write_lock(master_path):  # no other run may change Customers between reading and saving
        chosen = read_route_review(review, with_current=True)
        master = load_master(master_path)
        record = applied_record(master_path)
        earlier = read_applied(record)
        applied = apply_routes(master, chosen, undo=undo, force=force, earlier=earlier)
        if applied.changed:
            save_master(master, master_path, tables=["Customers"])
            write_applied(record, _recorded(earlier, applied, chosen))
    return applied


def applied_record(master_path: Path) -> Path:
    """Where ``routes apply`` records what it wrote: ``routes/applied.json`` in the master's ``.kx`` folder (the
    master's layout and the review, a document a person edits and may hold open, stay as they are)."""
    return store_path(Path(master_path)) / "routes" / "applied.json"


def read_applied(path: Path) -> dict[str, AppliedOrder]:
    """The recorded orders by customer id; none when there is no record (or one this version cannot read: apply then
    lists more customers as changed since their review, it never replaces more)."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        return {str(c): AppliedOrder(r["found"], int(r["wrote"]), r["replaced"]) for c, r in data["customers"].items()}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return {}


def write_applied(path: Path, earlier: Mapping[str, AppliedOrder]) -> None:
    """Record ``earlier`` (atomically; the folder made when missing)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    customers = {c: {"found": r.found, "wrote": r.wrote, "replaced": r.replaced} for c, r in sorted(earlier.items())}
    with atomic_write(path, backup=False) as out:
        out.write(json.dumps({"version": 1, "customers": customers}, ensure_ascii=False, indent=1).encode("utf-8"))


def _recorded(
    earlier: Mapping[str, AppliedOrder], applied: RoutesApplied, chosen: pd.DataFrame
) -> dict[str, AppliedOrder]:
    """The record after ``applied``: what apply wrote over the order the review found, with the order it replaced
    (over its own earlier write, the one that write replaced); an undo's customers need no record any more."""
    record = dict(earlier)
    found = chosen.set_index("customer_id")["current_seq"]
    for change in applied.changes:
        customer = change.customer_id
        if applied.undo:
            record.pop(customer, None)
            continue
        was, prior = _whole(found[customer]), record.get(customer)
        own = prior is not None and prior.found == was and prior.wrote == change.before
        replaced = prior.replaced if own and prior is not None else change.before
        if change.after is not None:  # apply writes a chosen order, never a blank
            record[customer] = AppliedOrder(was, change.after, replaced)
    return record
