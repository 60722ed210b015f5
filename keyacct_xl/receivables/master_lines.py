"""Our side of a reconciliation from the master: one customer's invoices, receipts and adjustments as statement lines.

Adjustments (调账, keyacct_xl.master.adjustments) are replayed here, where master frames become the inputs of the
ledger and of statements: an adjustment naming one of the customer's documents corrects that document (a
document an adjustment brings to zero is reversed and no longer listed); any other is a line of its own.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from keyacct_xl.errors import InputError
from keyacct_xl.master.adjustments import ADJUSTMENTS
from keyacct_xl.master.model import Master
from keyacct_xl.messages import msg
from keyacct_xl.parsing import is_blank
from keyacct_xl.receivables.ledger import Ledger, build_ledger
from keyacct_xl.receivables.statement_reader import Statement

LINE_COLUMNS = ["row", "date", "ref", "description", "amount", "kind"]


def master_lines(
    master: Master,
    customer_id: str,
    *,
    start: pd.Timestamp | None = None,
    end: pd.Timestamp | None = None,
) -> Statement:
    """Invoices (Transactions by doc_no) and receipts (Payments, negative) of one customer between start and end.

    Lines before ``start`` make up the opening balance; lines after ``end`` belong to a later period.
    Row labels are ``sheet!row`` in the master as it was loaded, several joined by ``;`` for a multi-line document.
    """
    cid = str(customer_id).strip()
    tx, pay = master.transactions, master.payments
    tx_ids, pay_ids = tx["customer_id"].astype(str).str.strip(), pay["customer_id"].astype(str).str.strip()
    if not (tx_ids == cid).any() and not (pay_ids == cid).any():
        known = ", ".join(sorted(set(tx_ids) | set(pay_ids))[:8])
        if not known:
            raise InputError(
                msg(
                    "{path}: customer {cid} has no transactions or payments: Transactions and Payments hold no "
                    "lines yet (bring in a sales or payments export with {command})",
                    path=master.path,
                    cid=cid,
                    command=f"keyacct-xl history import {master.path} EXPORT --table transactions|payments",
                )
            )
        raise InputError(
            msg(
                "{path}: customer {cid} has no transactions or payments (e.g. {known})",
                path=master.path,
                cid=cid,
                known=known,
            )
        )
    tx_sheet, tx_rows = _rows(master, "Transactions", len(tx))
    pay_sheet, pay_rows = _rows(master, "Payments", len(pay))
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
    lines = _adjusted(lines, master, cid)
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
    period = (start, end) if start is not None and end is not None else None
    return Statement(Path(master.path or "master").name, "", lines, opening, None, period=period)


def _adjusted(lines: pd.DataFrame, master: Master, cid: str) -> pd.DataFrame:
    """``lines`` with the customer's adjustments replayed: on the document they name, else as lines of their own."""
    adj = master.adjustments
    ids = adj["customer_id"].astype(str).str.strip()
    if not (ids == cid).any():
        return lines
    sheet, rows = _rows(master, ADJUSTMENTS.name, len(adj))
    lines = lines.copy()
    first = {ref: i for i, ref in reversed(list(enumerate(lines["ref"].tolist()))) if ref}
    adjusted: set[int] = set()
    own = []
    for p in np.flatnonzero(ids == cid):
        rec, label = adj.iloc[p], f"{sheet}!{rows[p]}"
        ref = "" if is_blank(rec["ref"]) else str(rec["ref"]).strip()
        if ref in first:
            i = first[ref]
            lines.loc[i, "amount"] = round(float(lines["amount"].iloc[i]) + float(rec["amount"]), 2)
            lines.loc[i, "row"] = f"{lines['row'].iloc[i]};{label}"
            adjusted.add(i)
        else:
            own.append((label, rec["date"], ref, "" if is_blank(rec["reason"]) else str(rec["reason"]), rec["amount"]))
    reversed_docs = [i for i in adjusted if round(float(lines["amount"].iloc[i]), 2) == 0]
    lines = lines.drop(index=reversed_docs)
    extra = pd.DataFrame(own, columns=["row", "date", "ref", "description", "amount"]).assign(kind="adjustment")
    return pd.concat([lines, extra[LINE_COLUMNS]], ignore_index=True) if own else lines.reset_index(drop=True)


def master_ledger(
    master: Master, *, as_of: pd.Timestamp | None, customer_ids: tuple[np.ndarray, pd.Index] | None = None
) -> Ledger:
    """The master's receivables ledger at ``as_of``: its sales lines and adjustments against its payments. Every
    figure of a customer's balance (ageing, statements, credit, the review, the reports) comes from this one.
    ``customer_ids``: ``pd.factorize(master.transactions["customer_id"])`` when the caller has it."""
    transactions = ledger_transactions(master.transactions, master.adjustments, lang=master.lang)
    # With adjustments the ledger's lines are more than the master's: it factorizes its own.
    shared = customer_ids if transactions is master.transactions else None
    return build_ledger(transactions, master.payments, master.customers, as_of=as_of, customer_ids=shared)


def ledger_transactions(transactions: pd.DataFrame, adjustments: pd.DataFrame, *, lang: str = "zh") -> pd.DataFrame:
    """The Transactions the ledger replays: the master's lines plus one line per adjustment (its ``ref`` as the
    doc_no, so it corrects that document; one without a ref is its own document, named by its row)."""
    if adjustments.empty:
        return transactions
    named = ADJUSTMENTS.sheet("zh" if lang == "zh" else "en")
    doc_no = [
        str(r).strip() if not is_blank(r) else f"({named}!{i + 2})" for i, r in enumerate(adjustments["ref"].tolist())
    ]
    extra = pd.DataFrame(
        {
            "doc_no": doc_no,
            "date": adjustments["date"].to_numpy(),
            "customer_id": adjustments["customer_id"].astype(str).str.strip().to_numpy(),
            "amount": adjustments["amount"].astype("float64").to_numpy(),
            "product": adjustments["reason"].to_numpy(dtype=object),
        }
    )
    return pd.concat([transactions, extra.astype({"date": transactions["date"].dtype})], ignore_index=True)


def _refuse_blanks(labels: pd.Series, frame: pd.DataFrame) -> None:
    """A line without a date or amount cannot be reconciled: name its cells rather than drop it."""
    bad = (frame["date"].isna() | frame["amount"].isna()).to_numpy()
    if bad.any():
        where = ", ".join(labels.to_numpy()[bad][:10])
        raise InputError(msg("date or amount blank in {where}", where=where))


def _rows(master: Master, table: str, count: int) -> tuple[str, list[int]]:
    """The Excel rows the table's lines were loaded from; data-row numbers for a master built in memory or whose
    table has gained or lost lines since (or holds lines from the history store)."""
    where = master.rows.get(table)
    if where is not None and where.count == count:
        return where.sheet, where.excel_rows().tolist()
    return table, [i + 2 for i in range(count)]


def statement_period(theirs: Statement) -> tuple[pd.Timestamp | None, pd.Timestamp | None]:
    """The period a returned statement covers: the one its title names, else whole months from its first to its
    last line.

    Without a named period or an opening balance the customer listed everything, so our side starts at the
    beginning too.
    """
    if theirs.period is not None:
        return theirs.period
    dates = theirs.lines["date"].dropna()
    if dates.empty:
        return None, None
    start = dates.min().to_period("M").start_time if theirs.opening is not None else None
    return start, dates.max().to_period("M").end_time.normalize()
