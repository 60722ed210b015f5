"""The route review workbook (``routes assign``) and writing the chosen order into Customers (``routes apply``).

The review lists each route's customers in the proposed order with the current and proposed route_seq and a
"chosen" column a person may change; apply reads the chosen column back (headers in zh or en) and writes it into
Customers.route_seq through the master's save path (part-level rewrite, backup kept, under the write lock).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from keyacct_xl.errors import InputError
from keyacct_xl.fileio import master_write_lock
from keyacct_xl.i18n import Lang
from keyacct_xl.master.model import Master
from keyacct_xl.master.reader import load_master
from keyacct_xl.master.schema import Column
from keyacct_xl.master.writer import save_master
from keyacct_xl.messages import listing, msg, tr
from keyacct_xl.output import check_suffix, workbook
from keyacct_xl.reports import Heading, Kind, Sheet, Styles, add_sheet
from keyacct_xl.tablefile import read_table_file

TABLE = "RouteReview"
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
)


def review_name(master: Path) -> Path:
    """Where ``routes assign`` writes the review when no --out is given, and ``routes apply`` reads it."""
    return master.parent / f"routes_review_{master.stem}.xlsx"


def write_route_review(routes: pd.DataFrame, path: Path, *, lang: Lang, company: str | None = None) -> Path:
    """The review workbook: one report sheet, proposed order, the chosen column pre-filled with the proposal."""
    path = Path(path)
    check_suffix(path, (".xlsx",))
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


def read_route_review(path: Path) -> pd.DataFrame:
    """The review's customer ids and chosen route_seq; a chosen cell that is no whole number of 1 or more is refused."""
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
    return pd.DataFrame(
        {"customer_id": frame["customer_id"].astype(str).str.strip(), "chosen_seq": chosen.astype("int64")}
    )


@dataclass(frozen=True)
class RoutesApplied:
    """What apply changed: customers whose route_seq changed, and review rows naming no customer of the master."""

    changed: int
    not_in_customers: tuple[str, ...]

    def summary(self, lang: Lang) -> str:
        """One line in ``lang``, as ``routes apply`` prints it."""
        line = tr(lang, "route order updated for {count:,} customer(s)", count=self.changed)
        if not self.not_in_customers:
            return line
        return tr(
            lang,
            "{line}; {count:,} row(s) not applied, not in Customers: {customers}",
            line=line,
            count=len(self.not_in_customers),
            customers=listing(self.not_in_customers[:10]),
        )


def apply_routes(master: Master, chosen: pd.DataFrame) -> RoutesApplied:
    """Set Customers.route_seq in ``master`` (in memory) from the chosen order; other columns are untouched."""
    duplicated = chosen["customer_id"][chosen["customer_id"].duplicated()].unique()
    if len(duplicated):
        raise InputError(msg("route review: customer(s) listed twice: {ids}", ids=", ".join(duplicated[:10])))
    ids = master.customers["customer_id"].astype(str)
    wanted = ids.map(chosen.set_index("customer_id")["chosen_seq"])
    current = master.customers["route_seq"]
    compared = wanted.notna() & (current.isna() | (current.astype("Float64") != wanted.astype("Float64")))
    differs = compared.fillna(True).to_numpy(dtype=bool)
    if differs.any():
        route = current.astype("Int64").copy()
        route[differs] = wanted[differs].astype("int64").to_numpy()
        master.customers = master.customers.assign(route_seq=route)
    unknown = tuple(sorted(set(chosen["customer_id"]) - set(ids)))
    return RoutesApplied(int(differs.sum()), unknown)


def apply_route_review(master_path: Path, review: Path) -> RoutesApplied:
    """``routes apply``: the review's chosen order written into the master's Customers (saved only on a change)."""
    with master_write_lock(Path(master_path)):  # no other run may change Customers between reading and saving
        chosen = read_route_review(review)
        master = load_master(master_path)
        applied = apply_routes(master, chosen)
        if applied.changed:
            save_master(master, master_path, tables=["Customers"])
    return applied
