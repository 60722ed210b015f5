"""The route review workbook (``routes assign``) and writing the chosen order into Customers (``routes apply``).

The review lists each route's customers in the proposed order with the current and proposed route_seq and a
"chosen" column a person may change; apply reads the chosen column back (headers in zh or en) and writes it into
Customers.route_seq through the master's save path (part-level rewrite, backup kept, under the write lock).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from keyacct_xl.errors import InputError
from keyacct_xl.fileio import master_write_lock
from keyacct_xl.i18n import Lang
from keyacct_xl.master.model import Master
from keyacct_xl.master.reader import load_master
from keyacct_xl.master.schema import Column
from keyacct_xl.master.submissions import PROVENANCE
from keyacct_xl.master.writer import save_master
from keyacct_xl.messages import Pair, listing, msg, tr
from keyacct_xl.output import check_suffix, workbook
from keyacct_xl.parsing import is_blank
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
class RoutesApplied:
    """What apply (or its undo) changed, each customer with its route_seq before and after; review rows naming no
    customer of the master; for an undo, the customers changed since the review was applied, left as they are."""

    changes: tuple[RouteChange, ...]
    not_in_customers: tuple[str, ...]
    undo: bool = False
    # undo: (customer, master's route_seq, what apply wrote); apply: (customer, master's, the review's current one)
    changed_since: tuple[tuple[str, int | None, int | None], ...] = ()

    @property
    def changed(self) -> int:
        """How many customers' route_seq changed."""
        return len(self.changes)

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
        if self.changed_since and self.undo:
            lines.append(
                tr(
                    lang,
                    "{count:,} row(s) left as they are, changed since the review was applied: {customers}",
                    count=len(self.changed_since),
                    customers=listing([self._moved(lang, *moved) for moved in self.changed_since[:10]]),
                )
            )
        elif self.changed_since:
            lines.append(
                tr(
                    lang,
                    "{count:,} row(s) not applied, given a new order by a form consolidated since the review (run "
                    "keyacct-xl routes assign again for them): {customers}",
                    count=len(self.changed_since),
                    customers=listing([self._found(lang, *moved) for moved in self.changed_since[:10]]),
                )
            )
        return "\n".join(lines)

    @staticmethod
    def _moved(lang: Lang, customer: str, now: int | None, wrote: int | None) -> str:
        return tr(lang, "{customer} (now {now}, applied {wrote})", customer=customer, now=now or "", wrote=wrote or "")

    @staticmethod
    def _found(lang: Lang, customer: str, now: int | None, was: int | None) -> str:
        return tr(lang, "{customer} (now {now}, in the review {was})", customer=customer, now=now or "", was=was or "")


def apply_routes(master: Master, chosen: pd.DataFrame, *, undo: bool = False) -> RoutesApplied:
    """Set Customers.route_seq in ``master`` (in memory) from the chosen order; other columns are untouched.

    ``undo`` puts back the order the review found (its current route_seq, ``current_seq``) where the master still
    holds the chosen one; a customer whose order changed since is left as it is and listed."""
    duplicated = chosen["customer_id"][chosen["customer_id"].duplicated()].unique()
    if len(duplicated):
        raise InputError(msg("route review: customer(s) listed twice: {ids}", ids=", ".join(duplicated[:10])))
    ids = master.customers["customer_id"].astype(str)
    by_id = chosen.set_index("customer_id")
    current = master.customers["route_seq"].astype("Float64")
    listed = ids.isin(by_id.index).to_numpy()
    applied = ids.map(by_id["chosen_seq"]).astype("Float64")
    changed_since: tuple[tuple[str, int | None, int | None], ...] = ()
    if undo:
        wanted = ids.map(by_id["current_seq"]).astype("Float64")
        holds = listed & (current == applied).fillna(False).to_numpy(dtype=bool)
        moved = listed & ~holds & ~_same(current, wanted)
        changed_since = tuple(
            (ids.iloc[i], _whole(current.iloc[i]), int(applied.iloc[i])) for i in np.flatnonzero(moved)
        )
        target = holds
    else:
        wanted, target = applied, listed
        if CONSOLIDATED_AT.key in by_id:
            # a form consolidated since the review brought the row a new order: the review's is out of date there
            found = ids.map(by_id["current_seq"]).astype("Float64")
            reviewed = ids.map(by_id[CONSOLIDATED_AT.key]).astype(object)
            latest = last_consolidated(master.customers).reset_index(drop=True).astype(object)
            since = (latest.fillna("") != reviewed.fillna("")).to_numpy(dtype=bool)
            out_of_date = listed & since & ~_same(current, found)
            target = listed & ~out_of_date
            changed_since = tuple(
                (ids.iloc[i], _whole(current.iloc[i]), _whole(found.iloc[i])) for i in np.flatnonzero(out_of_date)
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
    return RoutesApplied(changes, unknown, undo, changed_since)


def _same(a: pd.Series, b: pd.Series) -> np.ndarray:
    """Equal route_seq values, two blanks included."""
    return ((a == b).fillna(False) | (a.isna() & b.isna())).to_numpy(dtype=bool)


def _whole(value: object) -> int | None:
    return None if pd.isna(value) else int(value)  # type: ignore[call-overload]


def _text(value: object) -> str:
    return "" if value is None or pd.isna(value) else str(value)  # type: ignore[call-overload]


def apply_route_review(master_path: Path, review: Path, *, undo: bool = False) -> RoutesApplied:
    """``routes apply``: the review's chosen order written into the master's Customers; with ``undo``, the order the
    review found put back where the chosen one still holds (saved only on a change, with a backup)."""
    with master_write_lock(Path(master_path)):  # no other run may change Customers between reading and saving
        chosen = read_route_review(review, with_current=True)
        master = load_master(master_path)
        applied = apply_routes(master, chosen, undo=undo)
        if applied.changed:
            save_master(master, master_path, tables=["Customers"])
    return applied
