"""Match our ledger lines with the customer's, in four passes, each line used once.

Passes (in order): 1. same reference and amount; 2. same amount, dates within the window, one to one; 3. one-to-many
and many-to-one groups summing to the same amount within the window (bounded: two-line groups are looked up by amount
among the nearest lines, larger groups tried among the nearest few, and a budget of combinations for each customer and
date window, with a note when a budget runs out, so a crowded week or customer cannot use up the search of the
others); 4. same reference with a different amount (``amount_mismatch``), all the open lines of a reference on each
side as one row when a side has more than one (an invoice itemised on one side). What is left is
``only_ours``/``only_theirs``. When both sides carry a ``customer_id`` column, lines match only within one customer.
Amounts are compared in whole cents; the tolerance is in yuan.

Passes 2 and 3 take the most likely match first, as a clerk would: exact amounts before amounts a cent or so apart,
and within each, lines of the same or the next day (``near_days``: one to one, then in groups) before lines further
apart in the window; one to one, the nearest dates are paired first across all lines, not line after line; groups of
two before groups of three, and so on. A line whose reference names an open line of the same sign on the other side
is that document with another amount: it is kept for pass 4 (or a group of lines carrying its reference), not paired
with an unrelated line of equal amount. A likely duplicate (the twin of a line matched one to one) joins no group but
one of two lines.
"""

from __future__ import annotations

import bisect
import itertools
import re
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from keyacct_xl.i18n import Lang
from keyacct_xl.messages import tr

OUTPUT_COLUMNS = [
    "status",
    "ours_ref",
    "theirs_ref",
    "ours_date",
    "theirs_date",
    "ours_amount",
    "theirs_amount",
    "difference",
    "ours_row",
    "theirs_row",
    "hint",
]
_NOT_ALNUM = re.compile(r"[^0-9A-Z]")
MAX_KEY_LINES = 3  # a reference shared by more lines than this (e.g. a customer code) is not used to match
_TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9\-_/]{3,}")


@dataclass(frozen=True)
class MatchOptions:
    """How far apart dates may be, how close amounts must be, and the bounds of the group search."""

    date_window: int = 7
    tolerance: float = 0.01
    near_days: int = 1  # lines this close are matched (one to one, then in groups) before lines further apart
    max_group: int = 4  # lines on the "many" side of a group
    group_candidates: int = 12  # nearest lines by date tried per target for groups of three or more
    pair_candidates: int = 48  # nearest lines by date among which two-line groups are looked up by amount
    group_scan: int = 200  # lines looked at around the target date to find those candidates
    group_budget: int = 200_000  # combinations tried per customer and date window before its search stops


@dataclass(slots=True)
class _Line:
    """One statement line on one side, with its matching keys."""

    index: int
    row: str
    date: int | None  # days since the epoch
    ref: str
    keys: frozenset[str]
    cents: int | None
    customer: str = ""
    used: bool = False
    reserved: bool = False  # its reference names an open same-sign line on the other side (see _reserve_by_reference)
    single: bool = False  # matched one to one


@dataclass
class _Side:
    lines: list[_Line]
    _alike: dict[tuple, list[_Line]] | None = field(default=None, repr=False)

    def unused(self) -> list[_Line]:
        return [line for line in self.lines if not line.used]

    def likely_duplicate(self, line: _Line) -> bool:
        """Whether another line of this side, matched one to one, has the same customer, date, amount and
        references (the hint calls the line a likely duplicate)."""
        if self._alike is None:
            self._alike = defaultdict(list)
            for other in self.lines:
                self._alike[(other.customer, other.date, other.cents)].append(other)
        same = self._alike.get((line.customer, line.date, line.cents), ())
        return any(o.single and o is not line and o.keys == line.keys for o in same)


@dataclass
class MatchResult:
    """The output table (``OUTPUT_COLUMNS``) and notes about the search (e.g. the group budget ran out)."""

    table: pd.DataFrame
    notes: list[str] = field(default_factory=list)
    group_combinations: int = 0


def ref_key(text: object) -> str:
    """A reference folded for comparison: full-width to half-width, upper case, letters and digits only."""
    return _NOT_ALNUM.sub("", unicodedata.normalize("NFKC", str(text)).upper())


def _description_keys(description: str) -> set[str]:
    """Document numbers written into a description (摘要), folded like references."""
    return {
        ref_key(t) for t in _TOKEN.findall(unicodedata.normalize("NFKC", description)) if any(ch.isdigit() for ch in t)
    }


@dataclass(frozen=True)
class _Columns:
    """One side's lines as arrays and lists, before any matching (days and cents NaN when missing)."""

    rows: np.ndarray
    refs: np.ndarray
    days: np.ndarray
    cents: np.ndarray
    keys: list[frozenset[str]]
    customers: list[str]


def _columns(lines: pd.DataFrame, window: int) -> _Columns:
    # Plain arrays and lists: iterating pandas (Arrow-backed) columns element by element is far slower.
    dates = lines["date"].to_numpy(dtype="datetime64[D]")
    days = np.where(np.isnat(dates), np.nan, dates.astype("int64").astype("float64"))
    cents = np.round(lines["amount"].to_numpy(dtype="float64") * 100)
    text = lines["ref"].fillna("").astype("string")
    # The same folding as ref_key, column-wise.
    folded = text.str.normalize("NFKC").str.upper().str.replace(_NOT_ALNUM.pattern, "", regex=True).tolist()
    keys = [frozenset((k,)) if len(k) >= 2 else frozenset() for k in folded]
    for i, desc in enumerate(lines["description"].tolist()):
        if isinstance(desc, str) and desc:
            keys[i] = keys[i] | frozenset(k for k in _description_keys(desc) if len(k) >= 2)
    # A key on many lines (the customer's own code in every 摘要) identifies nothing: drop it, unless it is those
    # lines' own reference within one date window (an invoice listed a line per product).
    counts = Counter(k for ks in keys for k in ks)
    common = _common_keys({k for k, n in counts.items() if n > MAX_KEY_LINES}, keys, folded, days, window)
    if common:
        keys = [ks - common for ks in keys]
    customers = [""] * len(lines)
    if "customer_id" in lines.columns:
        customers = lines["customer_id"].fillna("").astype(str).str.strip().tolist()
        # A reference matches only within its customer: the key carries the customer.
        keys = [frozenset(f"{c}\x1f{k}" for k in ks) if ks else ks for c, ks in zip(customers, keys)]
    rows = np.array([str(r) for r in lines["row"].tolist()], dtype=object)
    return _Columns(rows, np.array(text.tolist(), dtype=object), days, cents, keys, customers)


def _common_keys(
    many: set[str], keys: list[frozenset[str]], refs: list[str], days: np.ndarray, window: int
) -> set[str]:
    """Of the keys on more than MAX_KEY_LINES lines, those that identify nothing: all but a key that is the own
    reference of every line carrying it, dated within ``window`` days (one document itemised)."""
    if not many:
        return many
    spans: dict[str, list[float]] = {}
    other: set[str] = set()
    for ks, ref, day in zip(keys, refs, days.tolist()):
        for k in ks & many:
            if k != ref or day != day:  # from a description, or undated
                other.add(k)
            else:
                lo_hi = spans.setdefault(k, [day, day])
                lo_hi[0], lo_hi[1] = min(lo_hi[0], day), max(lo_hi[1], day)
    return {k for k in many if k in other or spans[k][1] - spans[k][0] > window}


def _unique_ref_pairs(a: _Columns, b: _Columns, tol: int) -> tuple[np.ndarray, np.ndarray]:
    """Pass 1 for the bulk of lines, without a loop over candidates: a reference that is the only key of
    exactly one line on each side, with equal amounts, can only match that way (the loop would pick the same)."""

    def single(cols: _Columns) -> dict[str, int]:
        counts = Counter(k for ks in cols.keys for k in ks)
        return {next(iter(ks)): i for i, ks in enumerate(cols.keys) if len(ks) == 1 and counts[next(iter(ks))] == 1}

    mine, theirs = single(a), single(b)
    pairs = [(i, theirs[k]) for k, i in mine.items() if k in theirs]
    xs = np.array([i for i, _ in pairs], dtype="int64")
    ys = np.array([j for _, j in pairs], dtype="int64")
    close = np.abs(a.cents[xs] - b.cents[ys]) <= tol  # False when either amount is unreadable (NaN)
    return xs[close], ys[close]


def _side(cols: _Columns, skip: np.ndarray) -> _Side:
    """Line objects for the lines not matched in bulk; ``index`` stays the line's position in its frame."""
    keep = np.setdiff1d(np.arange(len(cols.rows)), skip)
    days, cents = cols.days[keep].tolist(), cols.cents[keep].tolist()
    rows, refs = cols.rows[keep].tolist(), cols.refs[keep].tolist()
    return _Side(
        [
            _Line(
                int(p),
                rows[n],
                None if days[n] != days[n] else int(days[n]),
                refs[n],
                cols.keys[p],
                None if cents[n] != cents[n] else int(cents[n]),
                cols.customers[p],
            )
            for n, p in enumerate(keep.tolist())
        ]
    )


def match_lines(
    ours: pd.DataFrame, theirs: pd.DataFrame, *, options: MatchOptions = MatchOptions(), lang: Lang = "en"
) -> MatchResult:
    """Match two frames of lines (row, date, ref, description, amount in our perspective); see the module doc."""
    tol = round(options.tolerance * 100)
    ca, cb = _columns(ours, options.date_window), _columns(theirs, options.date_window)
    xs, ys = _unique_ref_pairs(ca, cb, tol)
    a, b = _side(ca, xs), _side(cb, ys)
    pairs: list[tuple[str, list[_Line], list[_Line]]] = []
    pairs += _by_ref(a, b, tol, same_amount=True)
    _reserve_by_reference(a, b)
    tries: Counter[tuple[str, int]] = Counter()
    near = min(options.near_days, options.date_window)
    for amount_tol in dict.fromkeys((0, tol)):
        for reach in dict.fromkeys((near, options.date_window)):
            pairs += _by_amount(a, b, amount_tol, reach)
            pairs += _by_group(a, b, amount_tol, reach, options, tries)
    tried, capped = sum(tries.values()), sum(1 for n in tries.values() if n >= options.group_budget)
    pairs += _by_reference_groups(a, b, tol)
    pairs += _by_ref(a, b, tol, same_amount=False)
    notes = []
    if capped:
        notes.append(
            tr(
                lang,
                "group search stopped after {tried:,} combinations (budget {group_budget:,} for each customer and "
                "date window, reached in {capped:,}); lines not searched may still belong to a group",
                tried=tried,
                group_budget=options.group_budget,
                capped=capped,
            )
        )
    rows = [_record(status, xs_, ys_) for status, xs_, ys_ in pairs]
    rows += [_record("only_ours", [x], []) for x in a.unused()]
    rows += [_record("only_theirs", [], [y]) for y in b.unused()]
    names = [*OUTPUT_COLUMNS, "ours_lines", "theirs_lines"]
    # Built column by column: constructing a frame from row tuples is several times slower.
    slow = pd.DataFrame(dict(zip(names, map(list, zip(*rows)))) if rows else {c: [] for c in names})
    table = pd.concat([_bulk_table(ca, cb, xs, ys), slow], ignore_index=True) if len(xs) else slow
    for column in ("ours_date", "theirs_date"):
        table[column] = pd.to_datetime(table[column].astype("float64"), unit="D").astype("datetime64[ns]")
    for column in ("ours_amount", "theirs_amount", "difference"):
        table[column] = table[column].astype("float64")
    return MatchResult(table, notes, tried)


def _bulk_table(a: _Columns, b: _Columns, xs: np.ndarray, ys: np.ndarray) -> pd.DataFrame:
    """The rows of the bulk pass-1 matches, in the same shape ``_record`` gives."""
    o_amt, t_amt = a.cents[xs] / 100, b.cents[ys] / 100
    return pd.DataFrame(
        {
            "status": "matched",
            "ours_ref": a.refs[xs],
            "theirs_ref": b.refs[ys],
            "ours_date": a.days[xs],
            "theirs_date": b.days[ys],
            "ours_amount": o_amt,
            "theirs_amount": t_amt,
            "difference": np.round(o_amt - t_amt, 2),
            "ours_row": a.rows[xs],
            "theirs_row": b.rows[ys],
            "hint": "",
            "ours_lines": 1,
            "theirs_lines": 1,
        }
    )


def _take(status: str, xs: list[_Line], ys: list[_Line]) -> tuple[str, list[_Line], list[_Line]]:
    single = status == "matched" and len(xs) == len(ys) == 1
    for line in (*xs, *ys):
        line.used = True
        line.single = single
    return status, xs, ys


def _by_ref(a: _Side, b: _Side, tol: int, *, same_amount: bool) -> list:
    """Pass 1 (same reference and amount) or pass 4 (same reference, closest amount)."""
    index: dict[str, list[_Line]] = defaultdict(list)
    for y in b.unused():
        for key in y.keys:
            index[key].append(y)
    out = []
    for x in a.unused():
        if not x.keys or (x.cents is None and same_amount):
            continue
        candidates = [y for key in x.keys for y in index.get(key, ()) if not y.used]
        if same_amount:
            candidates = [y for y in candidates if y.cents is not None and abs(y.cents - x.cents) <= tol]
        if not candidates:
            continue
        if len(candidates) == 1:
            best = candidates[0]
        elif same_amount:
            best = min(candidates, key=lambda y: (_gap(x, y), y.index))
        else:
            best = min(candidates, key=lambda y: (abs((y.cents or 0) - (x.cents or 0)), _gap(x, y), y.index))
        out.append(_take("matched" if same_amount else "amount_mismatch", [x], [best]))
    return out


def _by_reference_groups(a: _Side, b: _Side, tol: int) -> list:
    """Pass 4, for a reference with more than one open line on a side (an invoice listed a line per product on one
    side, as one line on the other): all its open lines as one row, ``matched`` when their sums agree within
    ``tol`` cents, else ``amount_mismatch`` with the sums. Lines without an amount are left to the one-to-one pass."""
    by_key: list[dict[str, list[_Line]]] = []
    for side in (a, b):
        index: dict[str, list[_Line]] = defaultdict(list)
        for line in side.unused():
            if line.cents is not None:
                for key in line.keys:
                    index[key].append(line)
        by_key.append(index)
    out = []
    for key in sorted(by_key[0].keys() & by_key[1].keys()):
        xs = [x for x in by_key[0][key] if not x.used]
        ys = [y for y in by_key[1][key] if not y.used]
        if not xs or not ys or len(xs) == len(ys) == 1:
            continue
        agree = abs(sum(x.cents or 0 for x in xs) - sum(y.cents or 0 for y in ys)) <= tol
        out.append(_take("matched" if agree else "amount_mismatch", xs, ys))
    return out


def _gap(x: _Line, y: _Line) -> int:
    return abs(x.date - y.date) if x.date is not None and y.date is not None else 10**9


def _reserve_by_reference(a: _Side, b: _Side) -> None:
    """Mark the open lines whose reference names an open line of the same sign on the other side.

    After pass 1 such a pair is one document entered with two amounts (a typo, a changed price): pass 4 shows it as
    ``amount_mismatch``. Paired by amount alone with an unrelated line, it would hide that difference and take the
    other line's own match.
    """
    marks = []
    for mine, other in ((a, b), (b, a)):
        signs: dict[str, set[bool]] = defaultdict(set)
        for y in other.unused():
            if y.cents:
                for key in y.keys:
                    signs[key].add(y.cents > 0)
        marks += [x for x in mine.unused() if x.cents and any((x.cents > 0) in signs.get(k, ()) for k in x.keys)]
    for x in marks:
        x.reserved = True


def _open_for_amount(side: _Side) -> list[_Line]:
    """The lines passes 2 and 3 may pair by amount: unused, dated, with an amount and not kept for pass 4."""
    return [x for x in side.unused() if x.cents is not None and x.date is not None and not x.reserved]


def _by_amount(a: _Side, b: _Side, tol: int, reach: int) -> list:
    """Pass 2: one to one, amounts within ``tol`` cents and dates within ``reach`` days; the closest amount, then
    the nearest date, is paired first across all lines (then our earlier line, then the earlier row)."""
    xs, ys = _open_for_amount(a), _open_for_amount(b)
    if not xs or not ys:
        return []
    i, j = _candidate_pairs(xs, ys, tol, reach)
    keep = _first_come_by_rank(i, j)
    return [_take("matched", [xs[p]], [ys[q]]) for p, q in zip(i[keep].tolist(), j[keep].tolist())]


def _candidate_pairs(xs: list[_Line], ys: list[_Line], tol: int, reach: int) -> tuple[np.ndarray, np.ndarray]:
    """Every (x, y) of one customer with amounts within ``tol`` cents and dates within ``reach`` days, as positions
    in ``xs`` and ``ys``, best first: amount difference, date gap, x's date, x's position, y's position.

    Each customer's y lines are sorted by amount once and each x finds its range of amounts by binary search: the
    cost follows the lines and the pairs found, whatever the tolerance (a statement of a dozen lines, as a UDF
    reconciles it, takes well under a millisecond)."""
    codes = pd.factorize(pd.Index([line.customer for line in (*xs, *ys)]))[0]
    cx, cy = codes[: len(xs)], codes[len(xs) :]
    x_cents, y_cents = np.array([x.cents for x in xs], dtype="int64"), np.array([y.cents for y in ys], dtype="int64")
    x_day, y_day = np.array([x.date for x in xs], dtype="int64"), np.array([y.date for y in ys], dtype="int64")
    order = np.lexsort((y_cents, cy))  # y positions by customer, then amount
    found_i, found_j = [], []
    for customer in np.unique(cx):
        mine = np.flatnonzero(cx == customer)
        lo, hi = np.searchsorted(cy[order], customer, side="left"), np.searchsorted(cy[order], customer, side="right")
        amounts = y_cents[order[lo:hi]]
        start = np.searchsorted(amounts, x_cents[mine] - tol, side="left")
        stop = np.searchsorted(amounts, x_cents[mine] + tol, side="right")
        counts = stop - start
        i = np.repeat(mine, counts)
        # the k-th candidate of an x is the sorted y at its start + k
        k = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
        found_i.append(i)
        found_j.append(order[lo + np.repeat(start, counts) + k])
    i = np.concatenate(found_i) if found_i else np.empty(0, dtype="int64")
    j = np.concatenate(found_j) if found_j else np.empty(0, dtype="int64")
    gap = np.abs(x_day[i] - y_day[j])
    near = gap <= reach
    i, j, gap = i[near], j[near], gap[near]
    rank = np.lexsort((j, i, x_day[i], gap, np.abs(x_cents[i] - y_cents[j])))
    return i[rank], j[rank]


def _first_come_by_rank(i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """Which of the ranked pairs (i[k], j[k]) are taken when each is taken unless one of its lines already was.

    A pair whose two lines appear in no other pair is taken without looking further; only the rest, where lines
    compete (a few at most in a customer's week), are walked in rank order.
    """
    alone = (np.bincount(i)[i] == 1) & (np.bincount(j)[j] == 1)
    keep = alone.copy()
    used_x: set[int] = set()
    used_y: set[int] = set()
    for k, p, q in zip(np.flatnonzero(~alone).tolist(), i[~alone].tolist(), j[~alone].tolist()):
        if p not in used_x and q not in used_y:
            used_x.add(p)
            used_y.add(q)
            keep[k] = True
    return keep


def _by_group(a: _Side, b: _Side, tol: int, reach: int, options: MatchOptions, tried: Counter[tuple[str, int]]) -> list:
    """Pass 3: one line on one side equal (within ``tol`` cents) to the sum of 2..max_group lines on the other
    within ``reach`` days; ``tried`` counts the combinations per customer and date window, across calls.

    Every target's two-line groups are looked for before any three-line group, and so on: a payment in two parts
    is likelier than more lines adding up by chance, which must not take the parts first. A likely duplicate (the
    twin of a line matched one to one) joins only a group of two lines (it may be a second, real
    line of that amount: three deliveries, two invoiced together); in a larger group it stays a leftover with its hint.
    """
    searches = [
        _GroupSearch(one, many, flipped, tol, reach, options) for one, many, flipped in ((a, b, False), (b, a, True))
    ]
    span = max(options.date_window, 1)
    out: list = []
    for size in range(2, options.max_group + 1):
        for search in searches:
            for x in search.targets:
                window = (x.customer, (x.date or 0) // span)
                budget = options.group_budget - tried[window]
                if x.used or budget <= 0 or not search.admits(x, size):
                    continue
                found, count = _completed(x, search.candidates(x, size), size, tol, budget)
                tried[window] += count
                if found:
                    xs, ys = ([x], found) if not search.flipped else (found, [x])
                    out.append(_take("matched", xs, ys))
    return out


def _may_join(x: _Line, y: _Line) -> bool:
    """Whether ``y`` may be part of a group for ``x``: a line kept for pass 4 only with lines of its reference."""
    return bool(x.keys & y.keys) if x.reserved or y.reserved else True


class _GroupSearch:
    """One direction of pass 3 (one line on ``one``'s side, the group on ``many``'s): the targets, and for each the
    nearest open lines that may join its group, found once and reused for every group size."""

    def __init__(self, one: _Side, many: _Side, flipped: bool, tol: int, reach: int, options: MatchOptions) -> None:
        self.one, self.many, self.flipped, self.tol, self.reach, self.options = one, many, flipped, tol, reach, options
        self.pools: dict[str, list[_Line]] = defaultdict(list)
        for y in sorted((y for y in many.unused() if y.cents and y.date is not None), key=lambda y: (y.date, y.index)):
            self.pools[y.customer].append(y)
        self.dates = {customer: [y.date or 0 for y in pool] for customer, pool in self.pools.items()}  # all dated
        self.targets = [t for t in one.unused() if t.cents and t.date is not None and t.customer in self.pools]
        self._near: dict[int, list[_Line]] = {}

    def admits(self, x: _Line, size: int) -> bool:
        """Whether ``x`` may be the one line of a group of ``size``."""
        return size == 2 or not self.one.likely_duplicate(x)  # a pair may hold a second, real line of an amount

    def candidates(self, x: _Line, size: int) -> list[_Line]:
        """The open lines tried for a group of ``size`` for ``x``, nearest date first."""
        if x.index not in self._near:
            self._near[x.index] = self._nearest(x)
        limit = self.options.pair_candidates if size == 2 else self.options.group_candidates
        lines = [y for y in self._near[x.index] if not y.used]
        if size > 2:
            lines = [y for y in lines if not self.many.likely_duplicate(y)]
        return lines[:limit]

    def _nearest(self, x: _Line) -> list[_Line]:
        """Same-sign lines within ``reach`` days, each smaller than ``x``, nearest date first (at most
        ``pair_candidates``, looked for among ``group_scan`` lines around the target's own date)."""
        pool, dates, options = self.pools[x.customer], self.dates[x.customer], self.options
        start = bisect.bisect_left(dates, x.date - self.reach)
        stop = bisect.bisect_right(dates, x.date + self.reach)
        # At most group_scan lines around the target's own date, however crowded the window is.
        middle = bisect.bisect_left(dates, x.date, start, stop)
        low = max(start, middle - options.group_scan // 2)
        near = [
            y
            for y in pool[low : min(stop, low + options.group_scan)]
            if not y.used
            and (y.cents > 0) == (x.cents > 0)
            and abs(y.cents) < abs(x.cents) + self.tol
            and _may_join(x, y)
        ]
        near.sort(key=lambda y: (abs(y.date - x.date), y.index))
        return near[: max(options.pair_candidates, options.group_candidates)]


def _completed(x: _Line, near: list[_Line], size: int, tol: int, budget: int) -> tuple[list[_Line] | None, int]:
    """The first group of ``size`` lines of ``near`` (in combination order) summing to ``x``, and the tries: each
    combination of all but the last line counts as one, and the last line is looked up by the amount still missing."""
    tried = 0
    at: dict[int, list[int]] = defaultdict(list)
    for j, y in enumerate(near):
        at[y.cents or 0].append(j)  # lines without an amount never reach the group search
    for combo in itertools.combinations(range(len(near) - 1), size - 1):
        if tried >= budget:
            return None, tried
        tried += 1
        missing = (x.cents or 0) - sum(near[k].cents or 0 for k in combo)
        last = [j for c in range(missing - tol, missing + tol + 1) for j in at.get(c, ()) if j > combo[-1]]
        if last:
            return [*(near[k] for k in combo), near[min(last)]], tried
    return None, tried


def _record(status: str, xs: list[_Line], ys: list[_Line]) -> tuple:
    """One output row; dates stay as day numbers here and become dates for the whole column at once."""

    def side(lines: list[_Line]) -> tuple[str, float, float | None, str]:
        if not lines:
            return "", float("nan"), None, ""
        if len(lines) == 1:  # the common case, kept cheap
            one = lines[0]
            return (
                one.ref,
                float("nan") if one.date is None else float(one.date),
                None if one.cents is None else one.cents / 100,
                one.row,
            )
        refs = ";".join(dict.fromkeys(line.ref for line in lines if line.ref))
        days = [line.date for line in lines if line.date is not None]
        cents = [line.cents for line in lines]
        amount = None if any(c is None for c in cents) else sum(cents) / 100
        return refs, float(min(days)) if days else float("nan"), amount, ";".join(line.row for line in lines)

    o_ref, o_day, o_amt, o_row = side(xs)
    t_ref, t_day, t_amt, t_row = side(ys)
    both_known = (o_amt is not None or not xs) and (t_amt is not None or not ys)
    diff = round((o_amt or 0.0) - (t_amt or 0.0), 2) if both_known else None
    return (status, o_ref, t_ref, o_day, t_day, o_amt, t_amt, diff, o_row, t_row, "", len(xs), len(ys))
