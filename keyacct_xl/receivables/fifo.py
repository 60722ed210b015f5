"""FIFO application of payments and credit notes to invoices, for every customer at once, with array operations.

The rule is the ledger's (``keyacct_xl.receivables.ledger``): events in (customer, day, kind, number) order,
invoices before credit notes before payments on the same day; a payment first settles the invoices its reference
names, then the oldest open invoices; what a credit source does not use settles the next invoices.

Without references this is a merge of two queues: the k-th cent invoiced is paid by the k-th cent credited,
whenever each arrives (a customer never has open invoices and unused credit at the same time), so every
application is the overlap of an invoice's and a credit's interval on the customer's running totals.
A reference takes its invoice's share out of the queue before the merge. That gives the replay's result exactly
when the queue did not reach the named invoice before the payment came, and no payment naming several invoices
names one that other payments name too. A reference the queue reaches first is set aside and the merge run again
without it (``settle``): when the queue had paid that invoice before the payment came, the replay skips the
reference too, and the result is exact; the ledger replays one by one the customers where this is not shown to
hold, and those with a payment naming several invoices that other payments name.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

KIND_INVOICE, KIND_CREDIT_NOTE, KIND_PAYMENT = 0, 1, 2


@dataclass(frozen=True)
class Events:
    """A customer's documents and receipts as one sequence per customer, sorted by ``rank`` (cents as int64).

    ``cust`` is the customer's code (its position in sorted order); ``kind`` one of the KIND_* values; ``cents`` the
    document's amount (negative for a credit note) or the receipt's; ``source`` the row in the documents or receipts
    frame the event came from.
    """

    cust: np.ndarray
    day: np.ndarray
    kind: np.ndarray
    cents: np.ndarray
    source: np.ndarray


@dataclass(frozen=True)
class References:
    """Payment → invoice pairs the payment's reference names: event positions, and the name's position in it."""

    payment: np.ndarray
    invoice: np.ndarray
    position: np.ndarray


@dataclass(frozen=True)
class Applied:
    """What FIFO application gives, by event position: applications (credit event → invoice event, cents), each
    in the replay's order, what is left of each event, and each invoice's settlement event (-1: open)."""

    credit: np.ndarray
    invoice: np.ndarray
    cents: np.ndarray
    remaining: np.ndarray
    settled_at: np.ndarray


def stable_order(key: np.ndarray) -> np.ndarray:
    """``np.argsort(key, kind="stable")`` for non-negative integers, sorted 16 bits at a time from the lowest: numpy
    sorts 16-bit integers by radix, in linear time (a few passes beat one comparison sort of a million keys)."""
    top = int(key.max()) if len(key) else 0
    if top >= 2**48 or (len(key) and key.min() < 0):
        return np.argsort(key, kind="stable")
    order = np.argsort((key & 0xFFFF).astype(np.uint16), kind="stable")
    for shift in range(16, top.bit_length(), 16):
        digit = key[order]  # shifted and masked in place: one temporary per pass, not three
        digit >>= shift
        digit &= 0xFFFF
        order = order[np.argsort(digit.astype(np.uint16), kind="stable")]
    return order


def _group_starts(cust: np.ndarray) -> np.ndarray:
    """For each element of a customer-sorted array, the position of its customer's first element."""
    if not len(cust):
        return np.zeros(0, dtype="int64")
    first = np.flatnonzero(np.r_[True, cust[1:] != cust[:-1]])
    return np.repeat(first, np.diff(np.r_[first, len(cust)]))


def _running(values: np.ndarray, cust: np.ndarray) -> np.ndarray:
    """Per customer, the running total before each element (the start of its interval)."""
    total = np.cumsum(values) - values
    return total - total[_group_starts(cust)]


def _in_turn(amount: np.ndarray, limit: np.ndarray, group: np.ndarray) -> np.ndarray:
    """Each element's share of its group's ``limit`` when the group's elements take their ``amount`` in turn."""
    return np.clip(limit - _running(amount, group), 0, amount)


def _both_named_more(events: Events, refs: References) -> np.ndarray:
    """Per pair: its payment names more than one invoice and its invoice is named more than once."""
    n = len(events.cust)
    names = np.bincount(refs.payment, minlength=n)[refs.payment]
    named = np.bincount(refs.invoice, minlength=n)[refs.invoice]
    return (names > 1) & (named > 1)


def reserved(events: Events, refs: References) -> np.ndarray:
    """Per reference pair, the cents the payment gives the named invoice. A payment naming several invoices pays
    them in the order of the names, each as far as its money goes; an invoice named by several payments takes them
    in the order they come, each as far as the invoice still owes (a pair where both happen at once is left to the
    replay, ``settle``)."""
    named = np.bincount(refs.invoice, minlength=len(events.cust))[refs.invoice]
    by_payment = np.lexsort((refs.position, refs.payment))
    pay, inv = refs.payment[by_payment], refs.invoice[by_payment]
    result = np.empty(len(pay), dtype="int64")
    result[by_payment] = _in_turn(events.cents[inv], events.cents[pay], pay)
    by_invoice = stable_order(refs.invoice * len(events.cust) + refs.payment)  # by invoice, then payment
    pay, inv = refs.payment[by_invoice], refs.invoice[by_invoice]
    several = np.empty(len(pay), dtype="int64")
    several[by_invoice] = _in_turn(events.cents[pay], events.cents[inv], inv)
    return np.where(named > 1, several, result)


def reached(events: Events, refs: References, given: np.ndarray) -> np.ndarray:
    """Per reference pair: the queue would have reached its invoice (credit arriving beyond the open invoices before
    it) before the payment naming it came."""
    n = len(events.cust)
    residual = events.cents.copy()
    residual[events.kind == KIND_CREDIT_NOTE] *= -1
    np.subtract.at(residual, refs.invoice, given)
    np.subtract.at(residual, refs.payment, given)
    is_inv = events.kind == KIND_INVOICE
    inv_pos, cred_pos = np.flatnonzero(is_inv), np.flatnonzero(~is_inv)
    # Residual invoiced before each invoice, and credit arrived before each event, per customer.
    inv_before = np.zeros(n, dtype="int64")
    inv_before[inv_pos] = _running(residual[inv_pos], events.cust[inv_pos])
    cred_total = np.cumsum(residual[cred_pos])
    first_of_customer = _group_starts(events.cust)
    # Credits strictly before each event: a running count, where looking each payment up in cred_pos would search.
    credits_before = np.cumsum(~is_inv) - ~is_inv
    upto = credits_before[refs.payment]
    base = credits_before[first_of_customer[refs.payment]]
    arrived = np.where(upto > 0, cred_total[np.maximum(upto - 1, 0)], 0) - np.where(
        base > 0, cred_total[np.maximum(base - 1, 0)], 0
    )
    return arrived > inv_before[refs.invoice]


def _subset(refs: References, keep: np.ndarray) -> References:
    return References(refs.payment[keep], refs.invoice[keep], refs.position[keep])


# Rounds of setting references aside before the customers still undecided are left to the replay.
ROUNDS = 10


def settle(events: Events, refs: References) -> tuple[Applied, np.ndarray]:
    """FIFO application by the queue merge, and the customer codes the merge cannot decide (left to the replay).

    A customer who pays some invoices without a reference (FIFO) and later names one the queue has already paid
    has a reference the queue reaches before its payment comes; the replay skips a reference to a paid invoice.
    Such references are set aside and the merge run without them until the queue reaches none of those left; then
    each one set aside is checked on the merge's result (``_wrongly_set_aside``). One that the replay would have
    applied is kept next round (never set aside again); after ``ROUNDS`` rounds, or where a kept reference is
    reached, or a payment naming several invoices names one other payments name too, the customer is replayed.
    """
    may = np.ones(len(refs.payment), dtype=bool)  # references that may be set aside
    for _ in range(ROUNDS):
        aside, active, given, late = _set_aside(events, refs, may)
        twice = _both_named_more(events, active)
        slow = np.unique(events.cust[active.payment[twice | late]])
        applied = apply_fifo(events, active, given, slow)
        if not aside.any():
            return applied, slow
        wrong = _wrongly_set_aside(events, applied, _subset(refs, aside), active, given)
        wrong &= ~np.isin(events.cust[refs.payment[aside]], slow)
        if not wrong.any():
            return applied, slow
        may[np.flatnonzero(aside)[wrong]] = False
    return applied, np.union1d(slow, events.cust[refs.payment[aside][wrong]])


def _set_aside(
    events: Events, refs: References, may: np.ndarray
) -> tuple[np.ndarray, References, np.ndarray, np.ndarray]:
    """Set aside every reference of ``may`` the queue reaches before its payment, again until none is: which are set
    aside, the references left, the cents each gives, and which of those the queue still reaches."""
    aside = np.zeros(len(refs.payment), dtype=bool)
    while True:
        active = _subset(refs, ~aside)
        given = reserved(events, active)
        late = reached(events, active, given)
        movable = late & may[~aside]
        if not movable.any():
            return aside, active, given, late
        aside[np.flatnonzero(~aside)[movable]] = True


def _wrongly_set_aside(
    events: Events, applied: Applied, aside: References, active: References, given: np.ndarray
) -> np.ndarray:
    """Per reference set aside: the merge may differ from the replay, which would have applied it.

    The replay skips a reference whose invoice was settled before the payment came. If the invoice was still open,
    the result is the same only when the payment's money went to it first anyway (the queue had reached it, so it
    was the oldest open invoice) and the payment pays no other invoice it names first.
    """
    n = len(events.cust)
    settled = applied.settled_at[aside.invoice]
    open_then = ~((settled >= 0) & (settled < aside.payment))
    # The invoice each payment's money went to first (the applications are in the replay's order).
    credits, first = np.unique(applied.credit, return_index=True)
    first_invoice = np.full(n, -1, dtype="int64")
    first_invoice[credits] = applied.invoice[first]
    pays_named = np.bincount(active.payment[given > 0], minlength=n)[aside.payment] > 0
    several = np.bincount(aside.payment[open_then], minlength=n)[aside.payment] > 1
    return open_then & (pays_named | several | (first_invoice[aside.payment] != aside.invoice))


def apply_fifo(events: Events, refs: References, given: np.ndarray, skip: np.ndarray) -> Applied:
    """Reference applications first, then the queue merge on what is left (see the module doc), for every customer
    but the codes in ``skip`` (whose events are left untouched)."""
    n = len(events.cust)
    remaining = events.cents.copy()
    remaining[events.kind == KIND_CREDIT_NOTE] *= -1
    active = ~np.isin(events.cust, skip) if len(skip) else np.ones(n, dtype=bool)
    keep = (given > 0) & active[refs.payment]
    r_pay, r_inv, r_cents = refs.payment[keep], refs.invoice[keep], given[keep]
    np.subtract.at(remaining, r_inv, r_cents)
    np.subtract.at(remaining, r_pay, r_cents)
    is_inv = events.kind == KIND_INVOICE
    inv_pos, cred_pos = np.flatnonzero(is_inv & active), np.flatnonzero(~is_inv & active)
    credit, invoice, cents = _merge(events.cust, remaining, inv_pos, cred_pos)
    np.subtract.at(remaining, invoice, cents)
    np.subtract.at(remaining, credit, cents)
    all_credit = np.r_[r_pay, credit]
    all_invoice = np.r_[r_inv, invoice]
    # Each application happens at the later of its two events (a reference: at its payment), and within one
    # event references come first, in the order they are named, then the queue: oldest invoice, oldest credit.
    at = np.r_[r_pay, np.maximum(credit, invoice)]
    step = np.r_[np.zeros(len(r_pay), dtype="int64"), np.ones(len(credit), dtype="int64")]
    within = np.r_[refs.position[keep], invoice]
    order = np.lexsort((all_credit, within, step, at))
    settled_at = np.full(n, -1, dtype="int64")
    np.maximum.at(settled_at, all_invoice, at)
    zero = is_inv & (events.cents == 0)
    settled_at[zero] = np.flatnonzero(zero)
    settled_at[~is_inv | (remaining != 0)] = -1
    cents_all = np.r_[r_cents, cents]
    return Applied(all_credit[order], all_invoice[order], cents_all[order], remaining, settled_at)


def _merge(
    cust: np.ndarray, remaining: np.ndarray, inv_pos: np.ndarray, cred_pos: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The overlaps of invoice and credit intervals on each customer's running totals: (credit, invoice, cents)."""
    inv_amt, cred_amt = remaining[inv_pos], remaining[cred_pos]
    inv_cust, cred_cust = cust[inv_pos], cust[cred_pos]
    customers = int(cust.max()) + 1 if len(cust) else 0
    # Each customer gets its own stretch of one axis, as long as the larger of its two totals.
    span = np.maximum(
        np.bincount(inv_cust, weights=inv_amt, minlength=customers),
        np.bincount(cred_cust, weights=cred_amt, minlength=customers),
    ).astype("int64")
    offset = np.cumsum(span) - span
    inv_start = offset[inv_cust] + _running(inv_amt, inv_cust)
    cred_start = offset[cred_cust] + _running(cred_amt, cred_cust)
    inv_end, cred_end = inv_start + inv_amt, cred_start + cred_amt
    # Four sorted runs: a stable (merge) sort joins them in linear time, where np.unique would hash.
    points = np.sort(np.r_[inv_start, inv_end, cred_start, cred_end], kind="stable")
    points = points[np.r_[True, points[1:] != points[:-1]]] if len(points) else points
    lo, hi = points[:-1], points[1:]
    i = np.searchsorted(inv_end, lo, side="right")
    j = np.searchsorted(cred_end, lo, side="right")
    ok = (i < len(inv_pos)) & (j < len(cred_pos))
    i, j, lo, hi = i[ok], j[ok], lo[ok], hi[ok]
    ok = (inv_start[i] <= lo) & (cred_start[j] <= lo)
    return cred_pos[j[ok]], inv_pos[i[ok]], (hi - lo)[ok]
