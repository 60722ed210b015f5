"""The ledger's input as events: Transactions grouped into documents and Payments into receipts, every customer's
in replay order, with the invoices each receipt's reference names, computed column-wise with pyarrow.

A document is a (customer_id, doc_no) of Transactions (lines summed, dated by its first line); a line without a
doc_no is its own document, named ``(row N)`` by its data row, as is a receipt without a receipt_no. Ids, numbers
and references are compared with surrounding white space removed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from keyacct_xl.errors import InputError
from keyacct_xl.messages import msg
from keyacct_xl.receivables import fifo

# The separators people put between document numbers in a reference: ; , ，；、 and any white space (Unicode
# separators and the ASCII controls Python's str.split counts as white space included).
REF_SEPARATORS = r"[;,，；、\s\pZ\x{0b}\x{1c}-\x{1f}\x{85}]+"
_REF_SPLIT = re.compile(r"[;,，；、\s]+")  # the same separators in Python's syntax, for one reference at a time


@dataclass(frozen=True)
class LedgerInput:
    """The events, the sorted customer ids their codes index, each event's doc_no or receipt_no, the reference text
    of each receipt (by a payment event's ``source``), and the reference pairs."""

    ids: np.ndarray
    events: fifo.Events
    keys: np.ndarray
    references: np.ndarray
    refs: fifo.References


def text(series: pd.Series) -> pa.Array:
    """A column as stripped text, missing values null (numbers as ``str`` writes them)."""
    try:
        values = pa.array(series, type=pa.large_string(), from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError):  # not all text: numbers become their str()
        values = pa.array(series.astype("str"), type=pa.large_string(), from_pandas=True)
    return pc.utf8_trim_whitespace(_large_text(values))


def _large_text(values: pa.Array | pa.ChunkedArray) -> pa.Array:
    """One type for every text column: a column the reader typed through Arrow (``string``, or a dictionary of
    repeated names) keeps its own type in ``pa.array``, and arrays of two text types do not concatenate."""
    if isinstance(values, pa.ChunkedArray):  # its chunks may differ in type too
        chunks = [chunk.cast(pa.large_string()) for chunk in values.chunks]
        return pa.chunked_array(chunks, type=pa.large_string()).combine_chunks()
    return values if values.type == pa.large_string() else values.cast(pa.large_string())


def blank_text(values: pa.Array) -> np.ndarray:
    """Missing values and empty (stripped) text."""
    return np.asarray(pc.fill_null(pc.equal(values, ""), True), dtype=bool)


def _numbered(values: pa.Array, rows: np.ndarray) -> pa.Array:
    """Stripped keys, ``(row N)`` where blank (N the data row), so a line without a number keeps its money."""
    blank = blank_text(values)
    if not blank.any():
        return values
    names = np.asarray(values.to_numpy(zero_copy_only=False), dtype=object)
    names[blank] = [f"(row {i + 1})" for i in rows[blank]]
    return pa.array(names, type=pa.large_string())


def _lines(frame: pd.DataFrame, customer: pa.Array, key: str, as_of: pd.Timestamp) -> pa.Table:
    """Customer (``customer``: the frame's ids as ``text`` gives them), key, day and cents of the lines dated up to
    ``as_of``; ``row`` is the line's data-row index."""
    keep = (frame["date"] <= as_of).to_numpy(dtype=bool, na_value=False)
    rows = np.flatnonzero(keep)
    dates = frame["date"].to_numpy(dtype="datetime64[D]")[keep].astype("int64")
    cents = np.round(frame["amount"].to_numpy(dtype="float64")[keep] * 100).astype("int64")
    every = len(rows) == len(frame)
    return pa.table(
        {
            "customer_id": customer if every else customer.filter(pa.array(keep)),
            "key": _numbered(text(frame[key] if every else frame[key].iloc[rows]), rows),
            "day": dates,
            "cents": cents,
            "row": rows,
        }
    )


def documents(transactions: pd.DataFrame, customer: pa.Array, as_of: pd.Timestamp) -> pa.Table:
    """Transactions lines dated up to ``as_of`` (``documents`` of ``ledger_input`` groups them by doc_no)."""
    return _lines(transactions, customer, "doc_no", as_of)


def receipts(payments: pd.DataFrame, customer: pa.Array, as_of: pd.Timestamp) -> pa.Table:
    """Payments lines dated up to ``as_of``, with their reference text (None where it is not text)."""
    lines = _lines(payments, customer, "receipt_no", as_of)
    refs = payments["reference"].iloc[lines["row"].to_numpy()]
    try:
        values = pa.array(refs, type=pa.large_string(), from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError):  # a reference that is not text names no document
        values = pa.array(refs.where(refs.map(lambda v: isinstance(v, str))), type=pa.large_string(), from_pandas=True)
    return lines.append_column("reference", pc.utf8_trim_whitespace(_large_text(values)))


def _group_documents(
    lines: pa.Table, cust: np.ndarray, doc: np.ndarray, dictionary: pa.Array
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """One document per (customer, doc_no), dated by its first line, lines summed, in (customer, day, doc_no)
    order: (customer codes, doc_no codes into ``dictionary``, days, cents)."""
    group = cust * max(len(dictionary), 1) + doc
    day, cents = lines["day"].to_numpy(), lines["cents"].to_numpy()
    low = day.min() if len(day) else 0
    if len(day) and int(group.max()) < 2 ** (62 - max(int(day.max() - low), 1).bit_length()):
        order = np.argsort((group << max(int(day.max() - low), 1).bit_length()) | (day - low))  # one key: faster
    else:
        order = np.lexsort((day, group))
    group = group[order]
    first = np.flatnonzero(np.r_[True, group[1:] != group[:-1]]) if len(group) else np.zeros(0, dtype="int64")
    g_cust, g_day, g_doc = cust[order][first], day[order][first], doc[order][first]
    g_cents = np.add.reduceat(cents[order], first) if len(first) else cents[:0]
    by = pa.table({"c": g_cust, "d": g_day, "k": dictionary.take(pa.array(g_doc))})
    sort = np.asarray(pc.sort_indices(by, sort_keys=[("c", "ascending"), ("d", "ascending"), ("k", "ascending")]))
    return g_cust[sort], g_doc[sort], g_day[sort], g_cents[sort]


@dataclass(frozen=True)
class _Named:
    """The document numbers each Payments line's reference names: the line, the name's place in it, its code."""

    line: np.ndarray
    position: np.ndarray
    doc: np.ndarray


def _split_names(reference: pa.Array) -> tuple[np.ndarray, pa.Array]:
    """Per name in the references, in order: the line it is on, and the name."""
    split = pc.split_pattern_regex(reference, REF_SEPARATORS)
    parent = np.asarray(pc.list_parent_indices(split), dtype="int64")
    named = pc.list_flatten(split)
    kept = ~blank_text(named)
    return parent[kept], named.filter(pa.array(kept))


def ledger_input(lines: pa.Table, paid: pa.Table) -> LedgerInput:
    """Every customer's documents and receipts in replay order (day; invoices, credit notes, payments; number)."""
    both = pa.concat_arrays([lines["customer_id"].combine_chunks(), paid["customer_id"].combine_chunks()])
    ids_arrow = pc.unique(both).sort()
    ids = np.asarray(ids_arrow.to_numpy(zero_copy_only=False), dtype=object)
    codes = np.asarray(pc.index_in(both, value_set=ids_arrow), dtype="int64")
    line_cust, paid_cust = codes[: len(lines)], codes[len(lines) :]
    reference = paid["reference"].combine_chunks()
    parent, named = _split_names(reference)
    # One dictionary for doc numbers and the names in references, so a name finds its document by code.
    encoded = pc.dictionary_encode(pa.concat_arrays([lines["key"].combine_chunks(), named]))
    dictionary, all_codes = encoded.dictionary, np.asarray(encoded.indices, dtype="int64")
    d_cust, d_doc, d_day, d_cents = _group_documents(lines, line_cust, all_codes[: len(lines)], dictionary)
    by = pa.table({"c": paid_cust, "d": paid["day"], "k": paid["key"], "r": paid["row"]})
    p_sort = np.asarray(
        pc.sort_indices(by, sort_keys=[("c", "ascending"), ("d", "ascending"), ("k", "ascending"), ("r", "ascending")])
    )
    cust = np.r_[d_cust, paid_cust[p_sort]]
    kind = np.r_[
        np.where(d_cents >= 0, fifo.KIND_INVOICE, fifo.KIND_CREDIT_NOTE),
        np.full(len(paid), fifo.KIND_PAYMENT),
    ].astype("int64")
    day = np.r_[d_day, paid["day"].to_numpy()[p_sort]].astype("int64")
    # Both parts are sorted by customer, day and number, so for equal (customer, day, kind) their own order holds.
    key = (cust << 40) | ((day - (day.min() if len(day) else 0)) << 2) | kind
    order = np.argsort(key, kind="stable")
    number = np.r_[np.arange(len(d_cust)), np.arange(len(paid))]
    cents = np.r_[d_cents, paid["cents"].to_numpy()[p_sort]].astype("int64")
    events = fifo.Events(cust[order], day[order], kind[order], cents[order], number[order])
    doc_names = np.asarray(dictionary.take(pa.array(d_doc)).to_numpy(zero_copy_only=False), dtype=object)
    receipt_nos = np.asarray(paid["key"].to_numpy(), dtype=object)[p_sort]
    keys = np.r_[doc_names, receipt_nos][order]
    _refuse_negative(events, keys, ids)
    where = np.empty(len(order), dtype="int64")  # each document's and sorted receipt's event
    where[order] = np.arange(len(order))
    # Where each Payments line (in its table's order) went among the events.
    line_event = np.empty(len(paid), dtype="int64")
    line_event[p_sort] = where[len(d_cust) :]
    named_docs = _Named(
        line_event[parent], np.arange(len(parent)) - np.searchsorted(parent, parent), all_codes[len(lines) :]
    )
    refs = _references(events, where[: len(d_cust)], d_doc, len(dictionary), named_docs)
    return LedgerInput(ids, events, keys, reference.take(pa.array(p_sort)), refs)


def _refuse_negative(events: fifo.Events, keys: np.ndarray, ids: np.ndarray) -> None:
    negative = np.flatnonzero((events.kind == fifo.KIND_PAYMENT) & (events.cents < 0))
    if len(negative):
        raise InputError(
            msg(
                "Payments: receipt {rno} of customer {cid} is negative; record refunds as a "
                "credit-note reversal in Transactions",
                rno=keys[negative[0]],
                cid=ids[events.cust[negative[0]]],
            )
        )


def split_reference(value: object) -> tuple[str, ...]:
    """The document numbers a reference names, in order (the replay's form of what ``_references`` computes)."""
    if not isinstance(value, str):
        return ()
    return tuple(p for p in _REF_SPLIT.split(value.strip()) if p)


def _references(
    events: fifo.Events, doc_event: np.ndarray, doc_code: np.ndarray, width: int, named: _Named
) -> fifo.References:
    """Each payment's named documents that it can settle: invoices of the same customer issued before it."""
    empty = np.zeros(0, dtype="int64")
    if not len(named.line) or not len(doc_event):
        return fifo.References(empty, empty, empty)
    if np.bincount(doc_code, minlength=width).max() <= 1:
        # Every doc_no belongs to one customer's document (the usual case): look it up by its code directly.
        by_code = np.full(width, -1, dtype="int64")
        by_code[doc_code] = doc_event
        invoice = by_code[named.doc]
        found = invoice >= 0
        invoice = np.where(found, invoice, 0)
        ok = found & (events.cust[invoice] == events.cust[named.line])
    else:
        # A document is found by (customer, doc_no code); (customer, doc_no) is unique among documents.
        doc_key = events.cust[doc_event] * width + doc_code
        by_key = np.argsort(doc_key)
        wanted = events.cust[named.line] * width + named.doc
        at = np.minimum(np.searchsorted(doc_key[by_key], wanted), len(by_key) - 1)
        invoice = doc_event[by_key[at]]
        ok = doc_key[by_key[at]] == wanted
    ok &= events.kind[invoice] == fifo.KIND_INVOICE
    ok &= (invoice < named.line) & (events.cents[invoice] > 0)
    order = np.lexsort((named.position[ok], named.line[ok]))
    return fifo.References(named.line[ok][order], invoice[ok][order], named.position[ok][order])
