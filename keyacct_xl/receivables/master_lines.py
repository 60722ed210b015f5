"""Our side of a reconciliation from the master: one customer's invoices and receipts as statement lines."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import python_calamine as calamine

from keyacct_xl.errors import InputError
from keyacct_xl.master.model import Master
from keyacct_xl.master.reader import table_start
from keyacct_xl.messages import msg
from keyacct_xl.parsing import is_blank
from keyacct_xl.receivables.statement_reader import Statement

LINE_COLUMNS = ["row", "date", "ref", "description", "amount", "kind"]


def excel_rows(path: Path, table: str) -> tuple[str, list[int]]:
    """The sheet of ``table`` and the Excel row number of each of its non-blank body rows, as the reader keeps them."""
    book = calamine.CalamineWorkbook.from_path(str(path), load_tables=True)
    found = book.get_table_by_name(table)
    # calamine's start is the first data row, 0-based: Excel row start + 1 (as the master reader counts).
    first_row = table_start(found, path)[0]
    rows = [first_row + 1 + i for i, r in enumerate(found.to_python()) if any(not is_blank(v) for v in r)]
    return found.sheet, rows


def master_lines(
    master: Master,
    customer_id: str,
    *,
    start: pd.Timestamp | None = None,
    end: pd.Timestamp | None = None,
    locate: bool = True,
) -> Statement:
    """Invoices (Transactions by doc_no) and receipts (Payments, negative) of one customer between start and end.

    Lines before ``start`` make up the opening balance; lines after ``end`` belong to a later period.
    Row labels are ``sheet!row`` in the master, several joined by ``;`` for a multi-line document
    (``locate=False`` skips re-reading the file for them and labels data rows instead).
    """
    cid = str(customer_id).strip()
    tx, pay = master.transactions, master.payments
    tx_ids, pay_ids = tx["customer_id"].astype(str).str.strip(), pay["customer_id"].astype(str).str.strip()
    if not (tx_ids == cid).any() and not (pay_ids == cid).any():
        known = ", ".join(sorted(set(tx_ids))[:8])
        raise InputError(
            msg(
                "{path}: customer {cid} has no transactions or payments (e.g. {known})",
                path=master.path,
                cid=cid,
                known=known,
            )
        )
    tx_sheet, tx_rows = _rows(master, "Transactions", len(tx), locate)
    pay_sheet, pay_rows = _rows(master, "Payments", len(pay), locate)
    # Positions, not index labels: a frame built in memory need not have a 0..n-1 index.
    mine = tx[tx_ids == cid].assign(_row=[f"{tx_sheet}!{tx_rows[p]}" for p in np.flatnonzero(tx_ids == cid)])
    _refuse_blanks(mine["_row"], mine)
    # A line without a doc_no is its own document, named by its row, as in the ledger.
    doc_no = [
        str(d).strip() if not is_blank(d) else f"({row})"
        for d, row in zip(mine["doc_no"].tolist(), mine["_row"].tolist())
    ]
    docs = (
        mine.assign(doc_no=doc_no)
        .groupby("doc_no", sort=False)
        .agg(date=("date", "min"), amount=("amount", "sum"), row=("_row", ";".join), description=("product", "first"))
    )
    docs = docs.reset_index().rename(columns={"doc_no": "ref"}).assign(kind="invoice")
    receipts = pay[pay_ids == cid]
    _refuse_blanks(pd.Series([f"{pay_sheet}!{pay_rows[p]}" for p in np.flatnonzero(pay_ids == cid)]), receipts)
    paid = pd.DataFrame(
        {
            "row": [f"{pay_sheet}!{pay_rows[p]}" for p in np.flatnonzero(pay_ids == cid)],
            "date": receipts["date"],
            "ref": receipts["receipt_no"].fillna("").astype(str),
            "amount": -receipts["amount"],
            "description": receipts["method"].fillna("").astype(str),
            "kind": "payment",
        }
    )
    lines = pd.concat([docs[LINE_COLUMNS], paid[LINE_COLUMNS]], ignore_index=True)
    lines["description"] = lines["description"].fillna("").astype(str)
    lines = lines.sort_values(["date", "ref"], kind="stable").reset_index(drop=True)
    opening = None
    if start is not None:
        before = lines["date"] < start
        opening = round(float(lines.loc[before, "amount"].sum()), 2)
        lines = lines[~before]
    if end is not None:
        lines = lines[lines["date"] <= end]
    lines = lines.reset_index(drop=True)
    lines["amount"] = lines["amount"].astype("float64")
    return Statement(Path(master.path or "master").name, "", lines, opening, None)


def _refuse_blanks(labels: pd.Series, frame: pd.DataFrame) -> None:
    """A line without a date or amount cannot be reconciled: name its cells rather than drop it."""
    bad = (frame["date"].isna() | frame["amount"].isna()).to_numpy()
    if bad.any():
        where = ", ".join(labels.to_numpy()[bad][:10])
        raise InputError(msg("date or amount blank in {where}", where=where))


def _rows(master: Master, table: str, count: int, locate: bool) -> tuple[str, list[int]]:
    """Excel rows when the master came from a file; data-row numbers otherwise."""
    if locate and master.path is not None and Path(master.path).exists():
        sheet, rows = excel_rows(Path(master.path), table)
        if len(rows) == count:
            return sheet, rows
    return table, [i + 2 for i in range(count)]


def statement_period(theirs: Statement) -> tuple[pd.Timestamp | None, pd.Timestamp | None]:
    """The period a returned statement covers: whole months from its first to its last line.

    Without an opening balance the customer listed everything, so our side starts at the beginning too.
    """
    dates = theirs.lines["date"].dropna()
    if dates.empty:
        return None, None
    start = dates.min().to_period("M").start_time if theirs.opening is not None else None
    return start, dates.max().to_period("M").end_time.normalize()
