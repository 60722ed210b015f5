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
from keyacct_xl.output import DATE_FORMAT, check_suffix, print_a4_across, workbook
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


def write_route_review(routes: pd.DataFrame, path: Path, *, lang: Lang) -> Path:
    """The review workbook: one table, proposed order, the chosen column pre-filled with the proposal; A4 landscape."""
    path = Path(path)
    check_suffix(path, (".xlsx",))
    frame = routes.assign(chosen_seq=routes["proposed_seq"])
    title = tr(lang, "Route order proposal (change Chosen Route Seq, then run routes apply)")
    with workbook(path, title) as book:
        ws = book.add_worksheet(tr(lang, "Routes"))
        styles = {
            "int": book.add_format({"num_format": "0"}),
            "number": book.add_format({"num_format": "0.00"}),
            "date": book.add_format({"num_format": DATE_FORMAT}),
        }
        ws.write_string(0, 0, title, book.add_format({"bold": True, "font_size": 14}))
        keys = [c.key for c in REVIEW_COLUMNS]
        rows = [
            [None if _missing(v) else (int(v) if c.kind == "int" else v) for v, c in zip(r, REVIEW_COLUMNS)]
            for r in frame[keys].itertuples(index=False)
        ]
        ws.add_table(
            2,
            0,
            2 + max(len(rows), 1),
            len(keys) - 1,
            {
                "name": TABLE,
                "style": "Table Style Light 9",
                "data": rows,
                "columns": [
                    {"header": c.header(lang), **({"format": styles[c.kind]} if c.kind in styles else {})}
                    for c in REVIEW_COLUMNS
                ],
            },
        )
        for j, column in enumerate(REVIEW_COLUMNS):
            ws.set_column(j, j, column.width)
        ws.freeze_panes(3, 2)
        print_a4_across(ws, 2)
    return path


def _missing(value: object) -> bool:
    return value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float) and value != value)


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
