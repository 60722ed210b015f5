"""The ledger's input as events: Transactions grouped into documents and Payments into receipts, every customer's
in replay order, with the invoices each receipt's reference names, computed column-wise with pyarrow.

A document is a (customer_id, doc_no) of Transactions (lines summed, dated by its first line); a line without a
doc_no is its own document, named ``(row N)`` by its data row, as is a receipt without a receipt_no. Ids, numbers
and references are compared with surrounding white space removed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from functools import cached_property

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
    """The events, the sorted customer ids their codes index, each event's doc_no or receipt_no (``keys``), the
    reference text of each receipt (``reference``, by a payment event's ``source``), and the reference pairs."""

    ids: np.ndarray
    events: fifo.Events
    lines: Lines  # the Transactions lines (their doc_no)
    paid: Lines  # the Payments lines (their receipt_no)
    key_at: np.ndarray  # per event, its key's place among the Transactions lines, or their count + among Payments
    references: pa.Array  # per Payments line
    reference_at: np.ndarray  # per receipt in sorted order (a payment event's source), its Payments line
    refs: fifo.References

    def keys(self, at: np.ndarray) -> np.ndarray:
        """The doc_no or receipt_no of the events at ``at`` (Python strings: gathered once, where a frame needs
        them, since every object gathered is touched)."""
        where = self.key_at[at]
        docs = len(self.lines.row)
        is_doc = where < docs
        if is_doc.all():
            return self.lines.key_objects[where]
        out = np.empty(len(where), dtype=object)
        out[is_doc] = self.lines.key_objects[where[is_doc]]
        out[~is_doc] = self.paid.key_objects[where[~is_doc] - docs]
        return out

    def reference(self, source: int) -> object:
        """The reference of the receipt a payment event's ``source`` numbers (None where it is blank)."""
        return self.references[int(self.reference_at[source])].as_py()


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


@dataclass(frozen=True)
class Coded:
    """A text column as ``text`` gives it, factorized: each line's code into ``names`` (-1 where missing) and the
    distinct values as stripped text (two of them may be equal once stripped)."""

    codes: np.ndarray
    names: pa.Array

    def blank(self) -> np.ndarray:
        """Per line: missing, or empty once stripped."""
        return np.r_[blank_text(self.names), True][self.codes]


def distinct_texts(
    series: pd.Series, factorized: tuple[np.ndarray, pd.Index] | None = None
) -> tuple[np.ndarray, pd.Series] | None:
    """Each line's code (-1 where missing) and the distinct values, to be made text once per distinct value instead
    of once per line (a column of ids repeats a few thousand values a million times); ``factorized``:
    ``pd.factorize(series)`` when the caller has it. None when the values are not all text: two types can be one
    value to factorize and two texts (1 and 1.0), so such a column is made text line by line."""
    codes, uniques = factorized if factorized is not None else pd.factorize(series)
    if pd.api.types.infer_dtype(uniques, skipna=True) != "string":
        return None
    return codes, pd.Series(uniques, dtype=object)


def coded(series: pd.Series, factorized: tuple[np.ndarray, pd.Index] | None = None) -> Coded:
    """``text(series)`` factorized, one conversion per distinct value where the values allow (``distinct_texts``)."""
    distinct = distinct_texts(series, factorized)
    if distinct is None:
        encoded = pc.dictionary_encode(text(series))
        return Coded(np.asarray(pc.fill_null(encoded.indices, -1), dtype="int64"), encoded.dictionary)
    codes, uniques = distinct
    return Coded(codes.astype("int64", copy=False), text(uniques))


def _numbered(values: pa.Array, rows: np.ndarray) -> pa.Array:
    """Stripped keys, ``(row N)`` where blank (N the data row), so a line without a number keeps its money."""
    blank = blank_text(values)
    if not blank.any():
        return values
    names = np.asarray(values.to_numpy(zero_copy_only=False), dtype=object)
    names[blank] = [f"(row {i + 1})" for i in rows[blank]]
    return pa.array(names, type=pa.large_string())


@dataclass(frozen=True)
class Lines:
    """The lines of Transactions or Payments dated up to the ledger's date: each line's customer as a code into
    ``names`` (its table's ids as ``coded`` gives them), its key (doc_no or receipt_no) as text (``raw``: the
    column's own values, ``given``: their text before stripping) and as Python strings when first read, day, cents,
    data-row index and, for Payments, the reference text."""

    customer: np.ndarray
    names: pa.Array
    key: pa.Array
    raw: pd.Series = field(repr=False)
    given: pa.Array = field(repr=False)
    day: np.ndarray
    cents: np.ndarray
    row: np.ndarray
    reference: pa.Array | None = None

    @cached_property
    def key_objects(self) -> np.ndarray:
        """The keys as Python strings (only the invoices and applications frames and the messages read them)."""
        return _key_objects(self.raw, self.given, self.key)


def _key_objects(raw: pd.Series, given: pa.Array, key: pa.Array) -> np.ndarray:
    """The keys as Python strings: where stripping and numbering changed nothing, the column's own objects (no new
    string per line), the computed text elsewhere."""
    if raw.dtype != object or pd.api.types.infer_dtype(raw, skipna=True) != "string":
        return np.asarray(key.to_numpy(zero_copy_only=False), dtype=object)
    out = raw.to_numpy(dtype=object)
    changed = np.flatnonzero(~np.asarray(pc.fill_null(pc.equal(given, key), False), dtype=bool))
    if len(changed):
        out = out.copy()  # the column's own array is only read
        out[changed] = np.asarray(key.take(pa.array(changed)).to_numpy(zero_copy_only=False), dtype=object)
    return out


def _lines(frame: pd.DataFrame, customer: Coded, key: str, as_of: pd.Timestamp) -> Lines:
    """Customer (``customer``: the frame's ids as ``coded`` gives them), key, day and cents of the lines dated up to
    ``as_of``."""
    keep = (frame["date"] <= as_of).to_numpy(dtype=bool, na_value=False)
    rows = np.flatnonzero(keep)
    dates = _days(frame["date"], keep)
    # One array for the cut amounts, scaled and rounded in place: the same operations without two more temporaries.
    cents = frame["amount"].to_numpy(dtype="float64")[keep]
    np.multiply(cents, 100, out=cents)
    cents = np.round(cents, out=cents).astype("int64")
    every = len(rows) == len(frame)
    raw = frame[key] if every else frame[key].iloc[rows]
    given = _untrimmed(raw)
    keys = _numbered(pc.utf8_trim_whitespace(given), rows)
    codes = customer.codes if every else customer.codes[keep]
    return Lines(codes, customer.names, keys, raw, given, dates, cents, rows)


def _days(dates: pd.Series, keep: np.ndarray) -> np.ndarray:
    """The ``keep`` lines' dates as day numbers (the lines cut first: fewer dates converted)."""
    values = dates.to_numpy()
    if values.dtype.kind != "M":
        values = dates.to_numpy(dtype="datetime64[D]")
    return values[keep].astype("datetime64[D]").view("int64")


def _untrimmed(series: pd.Series) -> pa.Array:
    """``text`` before the white space is stripped."""
    try:
        values = pa.array(series, type=pa.large_string(), from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError):  # not all text: numbers become their str()
        values = pa.array(series.astype("str"), type=pa.large_string(), from_pandas=True)
    return _large_text(values)


def documents(transactions: pd.DataFrame, customer: Coded, as_of: pd.Timestamp) -> Lines:
    """Transactions lines dated up to ``as_of`` (``documents`` of ``ledger_input`` groups them by doc_no)."""
    return _lines(transactions, customer, "doc_no", as_of)


def receipts(payments: pd.DataFrame, customer: Coded, as_of: pd.Timestamp) -> Lines:
    """Payments lines dated up to ``as_of``, with their reference text (None where it is not text)."""
    lines = _lines(payments, customer, "receipt_no", as_of)
    refs = payments["reference"].iloc[lines.row]
    try:
        values = pa.array(refs, type=pa.large_string(), from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError):  # a reference that is not text names no document
        values = pa.array(refs.where(refs.map(lambda v: isinstance(v, str))), type=pa.large_string(), from_pandas=True)
    return replace(lines, reference=pc.utf8_trim_whitespace(_large_text(values)))


def _in_order(key: np.ndarray, *then: pa.Array | np.ndarray) -> np.ndarray:
    """The order that sorts by the non-negative integer ``key``, then by ``then`` (text compared as Arrow compares
    it, by code point) where keys are equal, which must tell every two tied elements apart: integers sort fast,
    and only the tied part is sorted on text."""
    order = fifo.stable_order(key)
    ordered = key[order]
    same = ordered[1:] == ordered[:-1]
    tied = np.r_[same, False] | np.r_[False, same]
    if tied.any():
        at = order[tied]
        taken = pa.array(at)
        columns = {
            "k": ordered[tied],
            **{f"t{i}": v.take(taken) if isinstance(v, pa.Array) else v[at] for i, v in enumerate(then)},
        }
        by = [(name, "ascending") for name in columns]
        order[tied] = at[np.asarray(pc.sort_indices(pa.table(columns), sort_keys=by))]
    return order


def _group_documents(
    lines: Lines, cust: np.ndarray, doc: np.ndarray, dictionary: pa.Array
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """One document per (customer, doc_no), dated by its first line, lines summed, in (customer, day, doc_no)
    order: (customer codes, doc_no codes into ``dictionary``, days, cents, one line of each)."""
    day, cents = lines.day, lines.cents
    named = lines.key
    if len(doc) and np.bincount(doc).max() <= 1:
        # Every line is a document of its own (the usual export): nothing to group.
        g_cust, g_doc, g_day, g_cents, g_line = cust, doc, day, cents, np.arange(len(doc))
    else:
        group = cust * max(len(dictionary), 1) + doc
        low = day.min() if len(day) else 0
        if len(day) and int(group.max()) < 2 ** (62 - max(int(day.max() - low), 1).bit_length()):
            order = np.argsort((group << max(int(day.max() - low), 1).bit_length()) | (day - low))  # one key: faster
        else:
            order = np.lexsort((day, group))
        group = group[order]
        first = np.flatnonzero(np.r_[True, group[1:] != group[:-1]]) if len(group) else np.zeros(0, dtype="int64")
        g_line = order[first]
        g_cust, g_day, g_doc = cust[g_line], day[g_line], doc[g_line]
        g_cents = np.add.reduceat(cents[order], first) if len(first) else cents[:0]
        named = named.take(pa.array(g_line))
    span = int(g_day.max() - g_day.min()) + 1 if len(g_day) else 1
    sort = _in_order(g_cust * span + (g_day - (g_day.min() if len(g_day) else 0)), named)
    return g_cust[sort], g_doc[sort], g_day[sort], g_cents[sort], g_line[sort]


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


def _customer_codes(lines: Lines, paid: Lines) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The sorted customer ids of both tables' lines, and each line's position among them."""
    used = [
        np.flatnonzero(np.bincount(part.customer[part.customer >= 0], minlength=len(part.names)))
        for part in (lines, paid)
    ]
    names = pa.concat_arrays([lines.names.take(pa.array(used[0])), paid.names.take(pa.array(used[1]))])
    ids_arrow = pc.unique(names).sort()
    ids = np.asarray(ids_arrow.to_numpy(zero_copy_only=False), dtype=object)
    at = [
        np.r_[np.asarray(pc.fill_null(pc.index_in(part.names, value_set=ids_arrow), -1), dtype="int64"), -1]
        for part in (lines, paid)
    ]
    return ids, at[0][lines.customer], at[1][paid.customer]


def ledger_input(lines: Lines, paid: Lines) -> LedgerInput:
    """Every customer's documents and receipts in replay order (day; invoices, credit notes, payments; number)."""
    ids, line_cust, paid_cust = _customer_codes(lines, paid)
    reference = paid.reference if paid.reference is not None else pa.nulls(len(paid.row), pa.large_string())
    parent, named = _split_names(reference)
    # One dictionary for doc numbers and the names in references, so a name finds its document by code. Its hash
    # table comes from the C library's allocator: Arrow's default pool (mimalloc) maps it in fresh pages the kernel
    # backs with 2 MiB pages on a first call (0.12 s of system time at a million lines; 0.02 s this way).
    pool = pa.system_memory_pool()
    encoded = pc.dictionary_encode(pa.concat_arrays([lines.key, named], memory_pool=pool), memory_pool=pool)
    dictionary, all_codes = encoded.dictionary, np.asarray(encoded.indices, dtype="int64")
    n_lines = len(lines.row)
    d_cust, d_doc, d_day, d_cents, d_line = _group_documents(lines, line_cust, all_codes[:n_lines], dictionary)
    p_day = paid.day - (paid.day.min() if len(paid.day) else 0)
    p_span = int(p_day.max()) + 1 if len(p_day) else 1
    p_sort = _in_order(paid_cust * p_span + p_day, paid.key, paid.row)
    cust = np.r_[d_cust, paid_cust[p_sort]]
    kind = np.r_[
        np.where(d_cents >= 0, fifo.KIND_INVOICE, fifo.KIND_CREDIT_NOTE),
        np.full(len(paid.row), fifo.KIND_PAYMENT),
    ].astype("int64", copy=False)
    day = np.r_[d_day, paid.day[p_sort]].astype("int64", copy=False)
    # Both parts are sorted by customer, day and number, so for equal (customer, day, kind) their own order holds.
    key = day - (day.min() if len(day) else 0)  # the key built in place: one temporary, not four
    key <<= 2
    key |= kind
    key |= cust << 40
    order = np.argsort(key, kind="stable")
    del key
    # Each column is put in replay order in turn and its unordered array let go before the next is made, so the
    # next reuses that memory: a first call maps a fraction of the fresh pages (the kernel zeroes every one).
    cust = cust[order]
    day = day[order]
    kind = kind[order]
    cents = np.r_[d_cents, paid.cents[p_sort]].astype("int64", copy=False)[order]
    number = np.r_[np.arange(len(d_cust)), np.arange(len(paid.row))][order]
    events = fifo.Events(cust, day, kind, cents, number)
    given = LedgerInput(
        ids,
        events,
        lines,
        paid,
        np.r_[d_line, n_lines + p_sort][order],
        reference,
        p_sort,
        fifo.References(*(np.zeros(0, dtype="int64"),) * 3),
    )
    _refuse_negative(given)
    where = np.empty(len(order), dtype="int64")  # each document's and sorted receipt's event
    where[order] = np.arange(len(order))
    # Where each Payments line (in its table's order) went among the events.
    line_event = np.empty(len(paid.row), dtype="int64")
    line_event[p_sort] = where[len(d_cust) :]
    named_docs = _Named(
        line_event[parent], np.arange(len(parent)) - np.searchsorted(parent, parent), all_codes[n_lines:]
    )
    return replace(given, refs=_references(events, where[: len(d_cust)], d_doc, len(dictionary), named_docs))


def _refuse_negative(given: LedgerInput) -> None:
    events = given.events
    negative = np.flatnonzero((events.kind == fifo.KIND_PAYMENT) & (events.cents < 0))
    if len(negative):
        raise InputError(
            msg(
                "Payments: receipt {rno} of customer {cid} is negative; record refunds as a "
                "credit-note reversal in Transactions",
                rno=given.keys(negative[:1])[0],
                cid=given.ids[events.cust[negative[0]]],
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
    line, position = named.line[ok], named.position[ok]
    # By payment, then the name's place in its reference: one integer key (positions are small).
    order = fifo.stable_order(line * (int(position.max()) + 1 if len(position) else 1) + position)
    return fifo.References(line[order], invoice[ok][order], position[order])
