"""Our side of a reconciliation from the master: one customer's invoices, receipts and adjustments as statement lines.

Adjustments (调账, keyacct_xl.master.adjustments) are replayed here, where master frames become the inputs of the
ledger and of statements: an adjustment naming one of the customer's documents corrects that document (a
document an adjustment brings to zero is reversed and no longer listed); any other is a line of its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from keyacct_xl.errors import InputError
from keyacct_xl.master.adjustments import ADJUSTMENTS
from keyacct_xl.master.model import Master
from keyacct_xl.master.schema import PAYMENTS, TRANSACTIONS, TableSchema
from keyacct_xl.messages import Message, Rendered, first_ids, msg, tr
from keyacct_xl.parsing import is_blank
from keyacct_xl.receivables.ledger import Ledger, build_ledger
from keyacct_xl.receivables.statement_reader import Statement

LINE_COLUMNS = ["row", "date", "ref", "description", "amount", "kind"]
_NONE = np.empty(0, dtype="int64")  # the positions of a customer without lines in a table


@dataclass(frozen=True)
class CustomerPositions:
    """Where each customer's lines are in the master's Transactions, Payments and Adjustments (positions by the
    stripped customer id), found once: statements for every customer slice them instead of scanning each table
    once per customer (the demo's 60,000 sales lines took 43 ms a customer)."""

    transactions: dict[str, np.ndarray]
    payments: dict[str, np.ndarray]
    adjustments: dict[str, np.ndarray]

    @classmethod
    def of(cls, master: Master, *, only: str | None = None) -> CustomerPositions:
        """The positions of ``master``'s lines (of customer ``only`` alone: one statement or reconciliation need
        not sort every customer's); build again after its frames change."""
        tables = (master.transactions, master.payments, master.adjustments)
        return cls(*(_positions(frame, only) for frame in tables))


def _positions(frame: pd.DataFrame, only: str | None) -> dict[str, np.ndarray]:
    ids = frame["customer_id"].astype(str).str.strip().to_numpy(dtype=object)
    if only is not None:
        return {only: np.flatnonzero(ids == only)}
    codes, found = pd.factorize(ids)
    order = np.argsort(codes, kind="stable")  # each customer's positions in the table's order
    bounds = np.searchsorted(codes[order], np.arange(len(found) + 1))
    return {str(cid): order[bounds[k] : bounds[k + 1]] for k, cid in enumerate(found)}


def master_lines(
    master: Master,
    customer_id: str,
    *,
    start: pd.Timestamp | None = None,
    end: pd.Timestamp | None = None,
    positions: CustomerPositions | None = None,
) -> Statement:
    """Invoices (Transactions by doc_no) and receipts (Payments, negative) of one customer between start and end.

    Lines before ``start`` make up the opening balance; lines after ``end`` belong to a later period.
    Row labels are ``sheet!row`` in the master as it was loaded, several joined by ``;`` for a multi-line document.
    ``positions``: ``CustomerPositions.of(master)`` when the caller runs over many customers.
    """
    cid = str(customer_id).strip()
    tx, pay = master.transactions, master.payments
    where = positions or CustomerPositions.of(master, only=cid)
    tx_at, pay_at = where.transactions.get(cid, _NONE), where.payments.get(cid, _NONE)
    if not len(tx_at) and not len(pay_at):
        ids = pd.concat([tx["customer_id"], pay["customer_id"]]).astype(str).str.strip()
        known = sorted(set(ids))
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
                known=first_ids(known),
            )
        )
    tx_labels = _labels(master, TRANSACTIONS, len(tx), tx_at)
    # Positions, not index labels: a frame built in memory need not have a 0..n-1 index.
    mine = tx.iloc[tx_at].assign(_row=tx_labels)
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
    receipts = pay.iloc[pay_at]
    pay_labels = _labels(master, PAYMENTS, len(pay), pay_at)
    _refuse_blanks(pd.Series(pay_labels), receipts)
    paid = pd.DataFrame(
        {
            "row": pay_labels,
            "date": receipts["date"],
            "ref": receipts["receipt_no"].fillna("").astype(str),
            "amount": -receipts["amount"],
            "description": receipts["method"].fillna("").astype(str),
            "kind": "payment",
        }
    )
    lines = pd.concat([docs[LINE_COLUMNS], paid[LINE_COLUMNS]], ignore_index=True)
    lines = _adjusted(lines, master, where.adjustments.get(cid, _NONE))
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


def customer_name(master: Master, customer_id: str) -> str:
    """The master's name of the customer (its Customers row), '' when it has none: what a document of theirs is
    headed by beside the id."""
    customers = master.customers
    names = customers["name"][customers["customer_id"].astype(str).str.strip() == str(customer_id).strip()]
    name = names.iloc[0] if len(names) else None
    return "" if is_blank(name) else str(name).strip()


def _adjusted(lines: pd.DataFrame, master: Master, at: np.ndarray) -> pd.DataFrame:
    """``lines`` with the customer's adjustments (at positions ``at``) replayed: on the document they name, else as
    lines of their own."""
    adj = master.adjustments
    if not len(at):
        return lines
    labels = _labels(master, ADJUSTMENTS, len(adj), at)
    lines = lines.copy()
    first = {ref: i for i, ref in reversed(list(enumerate(lines["ref"].tolist()))) if ref}
    adjusted: set[int] = set()
    own = []
    for p, label in zip(at.tolist(), labels):
        rec = adj.iloc[p]
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
    return build_ledger(
        transactions,
        master.payments,
        master.customers,
        as_of=as_of,
        customer_ids=shared,
        terms_history=master.grade_history,
    )


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


def line_places(master: Master, customer_id: str, positions: CustomerPositions | None = None) -> list[str]:
    """``sheet!row`` of every sale and payment line of ``customer_id``, Transactions first: where a person finds
    the lines of an id (one Customers does not hold)."""
    cid = str(customer_id).strip()
    where = positions or CustomerPositions.of(master, only=cid)
    tx_at, pay_at = where.transactions.get(cid, _NONE), where.payments.get(cid, _NONE)
    return [
        *_labels(master, TRANSACTIONS, len(master.transactions), tx_at),
        *_labels(master, PAYMENTS, len(master.payments), pay_at),
    ]


def _labels(master: Master, schema: TableSchema, count: int, at: np.ndarray) -> list[str]:
    """``sheet!row`` of the table's lines at positions ``at``: the Excel rows they were loaded from, a line of the
    history store (which a loaded table holds first) by its place there; data-row numbers for a master built in
    memory or whose table has gained or lost lines since. Sheets as the master names them (销售明细!5)."""
    where = master.rows.get(schema.name)
    held = master.archived[schema.name].count if schema.name in master.archived else 0
    if where is not None and where.count == count - held:
        rows = where.excel_rows()
        store = tr(master.lang, "history store")
        return [f"{store}#{p + 1}" if p < held else f"{where.sheet}!{rows[p - held]}" for p in at.tolist()]
    return [f"{schema.sheet(master.lang)}!{p + 2}" for p in at.tolist()]


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


def data_span(master: Master) -> tuple[pd.Timestamp, pd.Timestamp] | None:
    """The first and the last day of the master's sales and payments (the archive's lines included); None when it
    holds neither."""
    dates = pd.concat([master.transactions["date"], master.payments["date"]]).dropna()
    if dates.empty:
        return None
    return pd.Timestamp(dates.min()).normalize(), pd.Timestamp(dates.max()).normalize()


def past_the_data(master: Master, period: str, end: pd.Timestamp) -> Message | None:
    """A warning when ``period`` (shown as given) ends on ``end``, after the master's latest sale or payment: its
    figures are partial, and what is owed is aged to ``end`` as if nothing were paid after (a pack or a statement of
    a future month showed the whole balance as overdue without a word); None otherwise."""
    span = data_span(master)
    through = span[1] if span is not None else None
    if through is not None and through >= end:
        return None
    shown = through.date().isoformat() if through is not None else "—"
    return msg(
        "{month} ends after the master's sales and payments ({through}): its figures are partial, and receivables "
        "are aged to {end} as if nothing were paid after",
        month=period,
        through=shown,
        end=end.date().isoformat(),
    )


def aged_where_data_ends(
    end: pd.Timestamp, through: pd.Timestamp | None, *, asked: Rendered
) -> tuple[pd.Timestamp, Message | None]:
    """The day to age receivables at for figures asked at ``end`` (``asked`` names that day: a period's end, an
    evaluation date): ``end``, or ``through``, the last day of the master's sales and payments (``data_span``), when
    it is earlier, with the warning that says so. Past ``through`` every open invoice ages as if nothing were paid
    (86 % overdue on the demo's 2026-Q4, whose data end 10-31; 287 of 382 A customers proposed below A in a review
    of 2026 held on 12-03). The rep evaluation and the grading review both take their ageing day here."""
    if through is None or through >= end:
        return end, None
    day = through.date().isoformat()
    return through, msg(
        "{asked} ({end}) is after the master's sales and payments ({through}): nothing after {through} is counted, "
        "and receivables, overdue and the rates and grades read from them are taken at {through}, where the data ends",
        asked=asked,
        end=end.date().isoformat(),
        through=day,
    )
