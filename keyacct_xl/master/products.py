"""The catalogue (Products) and where each product is stocked (Listings): reading them, valuing sales lines at
factory price, and the listings sales imply.

A customer's first sale of a product lists it there (DOMAIN.md, form 16: a SKU is "in the store" once the store
has bought it); a product delisted and bought again is listed again from that sale. Listings reported on a check
keep their own dates; sales only add what no listing covers.

``master listings`` appends those rows and never changes a row already there; each run numbers the rows it adds
(``run_no``: one more than the highest in the table), so ``--undo`` removes exactly the last run's rows, and a
second undo the run's before it. A row a person typed has no number and is never removed; a run's row a person
changed since (a delisting date, another source, a note beside it) is kept and named. A row a person copied from
a run's row carries its number too: a run adds one row per customer and product, each a first sale, so of the rows
numbered alike for one customer and product only one is taken back, and one no sale shows (a copy given another
customer) is none of the run's; both are kept, named, and their number cleared (rows of a person's).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from keyacct_xl.fileio import master_write_lock
from keyacct_xl.i18n import LANGS, Lang
from keyacct_xl.master.model import empty_frame
from keyacct_xl.master.reader import load_master, read_present_tables
from keyacct_xl.master.schema import LISTINGS, PRODUCTS, TableSchema
from keyacct_xl.master.writer import write_tables
from keyacct_xl.messages import listing, msg, tr
from keyacct_xl.parsing import is_blank

SOURCE_SALES = msg("first sale")  # the Listings source of a listing a sale implies
_OFF_SALE = frozenset({"否", "no", "n", "false", "停售"})


def load_optional_tables(path: str | Path, schemas: Iterable[TableSchema]) -> dict[str, pd.DataFrame]:
    """The named tables of the master at ``path`` by table name; a table the workbook lacks is empty."""
    schemas = tuple(schemas)
    read = read_present_tables(Path(path), schemas)
    return {s.name: read[s].frame if s in read else empty_frame(s) for s in schemas}


def product_tables(path: str | Path) -> dict[str, pd.DataFrame]:
    """Products and Listings of the master at ``path`` (empty when it has none)."""
    return load_optional_tables(path, (PRODUCTS, LISTINGS))


def on_sale(products: pd.DataFrame) -> pd.Series:
    """Whether each product is in the range: 在售 blank or anything but 否."""
    return ~products["active"].astype("string").str.strip().str.casefold().isin(_OFF_SALE).fillna(False)


def line_codes(transactions: pd.DataFrame, products: pd.DataFrame) -> pd.Series:
    """Each sales line's product code: its own when the catalogue has it, else the code of the product whose name
    it carries (masters kept before Transactions had codes); None when neither is known."""
    codes = products["product_code"].dropna().astype(str).str.strip()
    known = set(codes)
    by_name = dict(zip(products["name"].astype(str).str.strip(), products["product_code"].astype(str).str.strip()))
    own = (
        transactions["product_code"].astype("string").str.strip()
        if "product_code" in transactions.columns
        else pd.Series(pd.NA, index=transactions.index, dtype="string")
    )
    named = transactions["product"].astype("string").str.strip().map(by_name)
    code = own.where(own.isin(known), named)
    return code.astype(object).where(code.notna(), None)


def factory_amounts(transactions: pd.DataFrame, products: pd.DataFrame) -> pd.Series:
    """Each line's quantity at its product's factory price (a credit note's is negative); NaN when the product
    or its factory price is unknown."""
    price = dict(zip(products["product_code"].astype(str).str.strip(), products["factory_price"]))
    unit = line_codes(transactions, products).map(price).astype("float64")
    return (transactions["qty"].astype("float64") * unit).round(2)


def listings_from_sales(
    transactions: pd.DataFrame, products: pd.DataFrame, listings: pd.DataFrame, *, lang: Lang = "zh"
) -> pd.DataFrame:
    """The Listings rows the sales imply and ``listings`` does not hold: per customer and product, the first sale
    (a line with a positive quantity) not covered by a listing; after a delisting, the first sale after it.

    A product with an open listing (no delisted date) gets nothing; returns, and sales of products outside the
    catalogue, list nothing. Rows come sorted by listed date, customer and product.
    """
    sold = pd.DataFrame(
        {
            "customer_id": transactions["customer_id"].astype("string").str.strip(),
            "product_code": line_codes(transactions, products),
            "date": transactions["date"],
        }
    )[transactions["qty"].astype("float64").to_numpy() > 0]
    sold = sold.dropna(subset=["customer_id", "product_code", "date"])
    keys = ["customer_id", "product_code"]
    known = listings.assign(
        customer_id=listings["customer_id"].astype("string").str.strip(),
        product_code=listings["product_code"].astype("string").str.strip(),
    )
    open_keys = known[known["delisted_date"].isna()][keys].drop_duplicates()
    last_delisted = known.dropna(subset=["delisted_date"]).groupby(keys)["delisted_date"].max().rename("after")
    sold = sold.merge(open_keys.assign(is_open=True), on=keys, how="left")
    sold = sold[sold["is_open"].isna()].merge(last_delisted.reset_index(), on=keys, how="left")
    sold = sold[sold["after"].isna() | (sold["date"] > sold["after"])]
    first = sold.groupby(keys, sort=False)["date"].min().reset_index()
    first = first.sort_values(["date", *keys], kind="stable").reset_index(drop=True)
    frame = empty_frame(LISTINGS)
    return pd.concat(
        [
            frame,
            pd.DataFrame(
                {
                    "customer_id": first["customer_id"].astype(object).to_numpy(),
                    "product_code": first["product_code"].astype(object).to_numpy(),
                    "listed_date": first["date"].to_numpy(),
                    "delisted_date": np.full(len(first), np.datetime64("NaT"), dtype="datetime64[ns]"),
                    "source": SOURCE_SALES.render(lang),
                }
            ),
        ],
        ignore_index=True,
    )[LISTINGS.keys]


def listings_with_sales(
    transactions: pd.DataFrame, products: pd.DataFrame, listings: pd.DataFrame, *, lang: Lang = "zh"
) -> pd.DataFrame:
    """``listings`` with the rows the sales imply appended (each kept row as it was)."""
    implied = listings_from_sales(transactions, products, listings, lang=lang)
    if implied.empty:
        return listings.reset_index(drop=True)
    if listings.empty:
        return implied
    return pd.concat([listings, implied], ignore_index=True)


def stocked(listings: pd.DataFrame, on: pd.Timestamp) -> pd.DataFrame:
    """The (customer_id, product_code) pairs listed on day ``on``: listed by then and not delisted by then."""
    day = pd.Timestamp(on)
    live = listings[(listings["listed_date"] <= day) & ~(listings["delisted_date"] <= day)]
    pairs = pd.DataFrame(
        {
            "customer_id": live["customer_id"].astype("string").str.strip(),
            "product_code": live["product_code"].astype("string").str.strip(),
        }
    )
    return pairs.dropna().drop_duplicates().reset_index(drop=True)


@dataclass(frozen=True)
class ListingsUpdate:
    """What recording the sales' listings did: the Listings rows before, the rows added and the run's number."""

    path: Path
    before: int
    added: int
    run_no: int | None = None  # None: nothing added, no run recorded


def run_numbers(listings: pd.DataFrame) -> pd.Series:
    """Each Listings row's run of ``master listings`` (NA: a row a person typed, or one written before the runs
    were numbered)."""
    if "run_no" not in listings.columns:
        return pd.Series(pd.NA, index=listings.index, dtype="Int64")
    return pd.to_numeric(listings["run_no"], errors="coerce").round().astype("Int64")


def _read_listings(path: Path) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, str]]:
    """Products, Listings and Listings' headers as the master at ``path`` holds them (empty tables when absent)."""
    read = read_present_tables(path, (PRODUCTS, LISTINGS))
    products = read[PRODUCTS].frame if PRODUCTS in read else empty_frame(PRODUCTS)
    if LISTINGS in read:
        return products, read[LISTINGS].frame, dict(read[LISTINGS].headers)
    return products, empty_frame(LISTINGS), {}


def record_sales_listings(path: str | Path) -> ListingsUpdate:
    """Append to the master's Listings table the listings its sales imply (``listings_from_sales``), numbered as
    one run; the rows already there are kept as they are, so running it again adds nothing."""
    path = Path(path)
    with master_write_lock(path):  # no other run may change Listings between reading and saving
        master = load_master(path)
        products, listings, headers = _read_listings(path)
        implied = listings_from_sales(master.transactions, products, listings, lang=master.lang)
        if implied.empty:
            return ListingsUpdate(path, len(listings), 0)
        numbers = run_numbers(listings).dropna()
        run = int(numbers.max()) + 1 if len(numbers) else 1
        implied["run_no"] = pd.array([run] * len(implied), dtype="Int64")
        combined = pd.concat([listings, implied], ignore_index=True) if len(listings) else implied
        write_tables(
            path,
            {LISTINGS: combined},
            lang=master.lang,
            headers={LISTINGS.name: headers},
            unchanged_rows={LISTINGS.name: len(listings)},
        )
    return ListingsUpdate(path, len(listings), len(implied), run)


@dataclass(frozen=True)
class ListingsUndone:
    """What ``master listings --undo`` did: the run taken back (None: no row carries a run), each row removed, each
    row of the run kept because a person changed it since, and each row carrying the run's number that the run did
    not add (a person's copy of one of its rows), as (customer, product, listed date)."""

    path: Path
    run_no: int | None
    removed: tuple[tuple[str, str, pd.Timestamp | None], ...]
    kept: tuple[tuple[str, str, pd.Timestamp | None], ...]
    copies: tuple[tuple[str, str, pd.Timestamp | None], ...] = ()

    def summary(self, lang: Lang) -> str:
        """A line with the count, a line per row removed, then the rows kept."""
        if self.run_no is None:
            return tr(lang, "nothing to undo: no Listings row was added by keyacct-xl master listings")
        lines = [
            tr(
                lang,
                "Listings: {count:,} row(s) of run {run} removed → {path}",
                count=len(self.removed),
                run=self.run_no,
                path=self.path,
            )
        ]
        shown = LISTINGS.column("listed_date").header(lang)
        lines += [f"  {cid} {code}: {shown} {_day(day)}" for cid, code, day in self.removed]
        if self.kept:
            lines.append(
                tr(
                    lang,
                    "{count:,} row(s) of the run kept, changed since it added them: {rows}",
                    count=len(self.kept),
                    rows=listing([f"{cid} {code}" for cid, code, _ in self.kept[:10]]),
                )
            )
        if self.copies:
            lines.append(
                tr(
                    lang,
                    "{count:,} row(s) numbered {run} kept, not added by the run (a copied row, or a listing no sale "
                    "shows), their run number cleared: {rows}",
                    count=len(self.copies),
                    run=self.run_no,
                    rows=listing(_listed(self.copies[:10])),
                )
            )
        return "\n".join(lines)


def _day(value: pd.Timestamp | None) -> str:
    return "-" if value is None or pd.isna(value) else str(pd.Timestamp(value).date())


def _as_written(rows: pd.DataFrame) -> pd.Series:
    """Whether each row of a run still holds only what the run wrote: not delisted, its source the sales', nothing
    typed beside it (a column the table has beyond the schema's)."""
    sources = {SOURCE_SALES.render(lang) for lang in LANGS}
    untouched = rows["delisted_date"].isna() & rows["source"].map(lambda v: isinstance(v, str) and v.strip() in sources)
    extra = [c for c in rows.columns if c not in LISTINGS.keys]
    for column in extra:
        untouched &= rows[column].map(is_blank)
    return untouched.astype(bool)


def undo_sales_listings(path: str | Path) -> ListingsUndone:
    """``master listings --undo``: the rows the last run added, taken back out of the master's Listings where they
    still hold what the run wrote (a run whose rows were all changed since is passed over for the one before);
    saved with a backup only when a row is removed or changed. Rows carrying the run's number it did not add
    (``_run_rows``) are kept, named, and their number cleared: a person's rows."""
    path = Path(path)
    with master_write_lock(path):  # no other run may change Listings between reading and saving
        products, listings, headers = _read_listings(path)
        numbers = run_numbers(listings)
        if numbers.isna().all():
            return ListingsUndone(path, None, (), ())
        master = load_master(path)  # the sales, those in the history store too: what a run's rows are first sales of
        as_written = _as_written(listings).to_numpy()
        added = _run_rows(listings, numbers, _first_sale_days(master.transactions, products))
        candidates = [(int(run), of_run, of_run & as_written & added) for run, of_run in _runs(numbers)]
        run, of_run, removable = next((c for c in candidates if c[2].any()), candidates[0])
        changed = of_run & ~as_written
        copies = of_run & ~removable & ~changed
        if removable.any() or copies.any():
            left = listings.copy()
            # a copy is a row a person made: no run's number, so no later undo takes it for a run's row
            left.loc[copies, "run_no"] = pd.NA
            write_tables(
                path,
                {LISTINGS: left[~removable].reset_index(drop=True)},
                lang=master.lang,
                headers={LISTINGS.name: headers},
            )
    return ListingsUndone(path, run, _keys(listings[removable]), _keys(listings[changed]), _keys(listings[copies]))


def run_rows_resting_on(path: str | Path, sales: Callable[[], tuple[pd.DataFrame, pd.DataFrame]]) -> pd.DataFrame:
    """The Listings rows of the master at ``path`` that a ``master listings`` run added from first sales among the
    lines ``sales()`` gives first and that the lines it gives second (those less some about to be taken out) no longer
    show, still as the run wrote them: its undo takes such a row back only while its sale is there (``_run_rows``).
    The lines are asked for only when a run numbered a row (a store's lines can be many)."""
    products, listings, _ = _read_listings(Path(path))
    numbers = run_numbers(listings)
    if numbers.isna().all():
        return listings.iloc[:0]
    every, left = sales()
    added = _run_rows(listings, numbers, _first_sale_days(every, products)) & _as_written(listings).to_numpy()
    resting = added & ~_run_rows(listings, numbers, _first_sale_days(left, products))
    return listings[resting].assign(run_no=numbers[resting])


def _first_sale_days(transactions: pd.DataFrame, products: pd.DataFrame) -> pd.MultiIndex:
    """The (customer, product, day) of every sales line a run could list a product from (a positive quantity of a
    catalogue product), as ``listings_from_sales`` reads them."""
    days = pd.DataFrame(
        {
            "customer_id": transactions["customer_id"].astype("string").str.strip(),
            "product_code": line_codes(transactions, products),
            "date": transactions["date"],
        }
    )[transactions["qty"].astype("float64").to_numpy() > 0].dropna()
    return pd.MultiIndex.from_frame(days)


def _run_rows(listings: pd.DataFrame, numbers: pd.Series, sold: pd.MultiIndex) -> np.ndarray:
    """Which numbered rows can be a row their run added: a run lists a customer's product once, on the day of a
    sale, so a row no sale shows is none of its rows (a copy given another customer or product), and of the rows of
    one run for one customer and product only the first by listed date is (the others copies of it)."""
    keys = pd.DataFrame(
        {
            "run": numbers,
            "customer_id": listings["customer_id"].astype("string").str.strip(),
            "product_code": listings["product_code"].astype("string").str.strip(),
            "date": listings["listed_date"],
        }
    )
    shown = pd.MultiIndex.from_frame(keys[["customer_id", "product_code", "date"]]).isin(sold)
    order = keys.assign(shown=~shown).sort_values(["shown", "date"], kind="stable")  # shown rows first, earliest
    first = ~order.duplicated(["run", "customer_id", "product_code"]).reindex(keys.index).to_numpy(dtype=bool)
    return numbers.notna().to_numpy() & shown & first


def _runs(numbers: pd.Series) -> list[tuple[int, np.ndarray]]:
    """Each run's number and which rows it added, the last run first."""
    return [
        (int(run), (numbers == run).to_numpy(dtype=bool, na_value=False))
        for run in sorted(numbers.dropna().unique(), reverse=True)
    ]


def listed_text(rows: pd.DataFrame) -> list[str]:
    """Each Listings row as a person finds it: customer, product and listed date (C5 P3 2024-06-01)."""
    return _listed(_keys(rows))


def _listed(keys: Iterable[tuple[str, str, pd.Timestamp | None]]) -> list[str]:
    return [f"{cid} {code} {_day(day)}" for cid, code, day in keys]


def _keys(rows: pd.DataFrame) -> tuple[tuple[str, str, pd.Timestamp | None], ...]:
    return tuple(
        (str(cid), str(code), None if pd.isna(day) else pd.Timestamp(day))
        for cid, code, day in zip(rows["customer_id"], rows["product_code"], rows["listed_date"])
    )
