"""Likely causes for each reconciliation row: in transit, duplicate, sign reversed, typo in amount, split..."""

from __future__ import annotations

import bisect

import numpy as np
import pandas as pd

from keyacct_xl.i18n import Lang
from keyacct_xl.messages import tr


def typo_like(a: float, b: float) -> bool:
    """True when two amounts differ the way a mistyped figure does: one digit, two swapped digits, a zero."""
    x, y = f"{abs(a):.2f}".replace(".", ""), f"{abs(b):.2f}".replace(".", "")
    if (a < 0) != (b < 0) or x == y or abs(len(x) - len(y)) > 1:
        return False
    if len(x) == len(y):
        diffs = [i for i in range(len(x)) if x[i] != y[i]]
        if len(diffs) == 1:
            return True
        i, j = [*diffs, 0, 0][:2]
        return len(diffs) == 2 and j == i + 1 and x[i] == y[j] and x[j] == y[i]
    longer, shorter = (x, y) if len(x) > len(y) else (y, x)
    return len(longer) == len(shorter) + 1 and any(longer[:i] + longer[i + 1 :] == shorter for i in range(len(longer)))


def add_hints(table: pd.DataFrame, *, period_end: pd.Timestamp, window: int, lang: Lang) -> pd.DataFrame:
    """Fill the ``hint`` column; the table keeps its rows and order."""
    status = table["status"].to_numpy(dtype=object)
    hints = np.full(len(table), "", dtype=object)
    # Most rows are plain 1:1 matches without a hint: select the few that need one before any Python loop.
    n_ours, n_theirs = table["ours_lines"].to_numpy(), table["theirs_lines"].to_numpy()
    diff = np.nan_to_num(table["difference"].to_numpy(dtype="float64"))
    for i in np.flatnonzero((status == "matched") & ((n_ours > 1) | (n_theirs > 1) | (diff != 0))):
        hints[i] = _matched_hint(int(n_ours[i]), int(n_theirs[i]), float(diff[i]), lang)
    others = np.flatnonzero(status != "matched")
    if len(others):
        records = _records(table.iloc[others])
        end_day = int(period_end.to_numpy().astype("datetime64[D]").astype("int64"))
        context = _Context(table, records, end_day, window)
        for i, rec in zip(others, records):
            if rec["status"] == "amount_mismatch":
                hints[i] = _mismatch_hint(rec["ours_amount"], rec["theirs_amount"], lang)
            else:
                hints[i] = context.leftover_hint(rec, "ours" if rec["status"] == "only_ours" else "theirs", lang)
    out = table.copy()
    out["hint"] = hints
    return out


def _records(table: pd.DataFrame) -> list[dict]:
    """Rows as dicts with dates as day numbers (None when missing): cheap to hash and compare."""
    columns = {c: table[c].tolist() for c in table.columns}
    for c in ("ours_date", "theirs_date"):
        dates = table[c].to_numpy(dtype="datetime64[D]")
        columns[c] = [None if nat else d for d, nat in zip(dates.astype("int64").tolist(), np.isnat(dates).tolist())]
    return [dict(zip(columns, values)) for values in zip(*columns.values())]


class _Context:
    """Look-ups built once: matched lines with a leftover's amount, and leftovers by date."""

    NEAR = 8  # leftovers of the other side compared per line, nearest dates first

    def __init__(self, table: pd.DataFrame, leftovers: list[dict], period_end: int, window: int) -> None:
        self.period_end, self.window = period_end, window
        self.leftovers: dict[str, list[tuple[int, float, str]]] = {"ours": [], "theirs": []}
        for rec in leftovers:
            side = rec["status"].removeprefix("only_")
            if (
                side in self.leftovers
                and rec[f"{side}_date"] is not None
                and rec[f"{side}_amount"] == rec[f"{side}_amount"]
            ):
                self.leftovers[side].append((rec[f"{side}_date"], rec[f"{side}_amount"], rec[f"{side}_row"]))
        for side in self.leftovers:
            self.leftovers[side].sort(key=lambda item: item[0])
        # Only matched rows whose amount equals a leftover's can make that leftover a duplicate.
        self.matched: dict[tuple, str] = {}
        is_matched = (table["status"] == "matched").to_numpy()
        for side in ("ours", "theirs"):
            amounts = {amount for _, amount, _ in self.leftovers[side]}
            rows = table[is_matched & table[f"{side}_amount"].isin(amounts).to_numpy()]
            for rec in _records(rows):
                amount, date, ref, row = (
                    rec[f"{side}_amount"],
                    rec[f"{side}_date"],
                    rec[f"{side}_ref"],
                    rec[f"{side}_row"],
                )
                self.matched.setdefault((side, amount, date), row)
                if ref:
                    self.matched.setdefault((side, amount, ref), row)

    def near(self, side: str, date: int) -> list[tuple[int, float, str]]:
        items = self.leftovers[side]
        lo = bisect.bisect_left(items, date - self.window, key=lambda item: item[0])
        hi = bisect.bisect_right(items, date + self.window, key=lambda item: item[0])
        # Only the NEAR lines on either side of the date, however crowded the window is.
        middle = bisect.bisect_left(items, date, lo, hi, key=lambda item: item[0])
        window = items[max(lo, middle - self.NEAR) : min(hi, middle + self.NEAR)]
        return sorted(window, key=lambda item: abs(item[0] - date))[: self.NEAR]

    def leftover_hint(self, rec: dict, mine: str, lang: Lang) -> str:
        amount, date, ref = rec[f"{mine}_amount"], rec[f"{mine}_date"], rec[f"{mine}_ref"]
        if amount is None or amount != amount or date is None:
            return tr(lang, "date or amount unreadable, see the problems sheet")
        twin = self.matched.get((mine, amount, date)) or (self.matched.get((mine, amount, ref)) if ref else None)
        if twin:
            return tr(lang, "likely duplicate of row {twin}", twin=twin)
        for _, other, row in self.near("theirs" if mine == "ours" else "ours", date):
            if round(other + amount, 2) == 0:
                return tr(lang, "sign reversed? compare row {row}", row=row)
            if typo_like(other, amount):
                return tr(lang, "typo in amount? compare row {row}", row=row)
        if date > self.period_end - self.window:
            if mine == "ours":
                return tr(lang, "in transit at period end: not yet booked by the customer")
            return tr(lang, "in transit at period end: not yet booked by us")
        return tr(lang, "not in their books") if mine == "ours" else tr(lang, "not in our books")


def _matched_hint(n_ours: int, n_theirs: int, difference: float, lang: Lang) -> str:
    if n_theirs > 1:
        return tr(lang, "one of ours booked as {n_theirs} by them (split)", n_theirs=n_theirs)
    if n_ours > 1:
        return tr(lang, "{n_ours} of ours booked as one by them (combined)", n_ours=n_ours)
    return tr(lang, "rounding difference within tolerance") if difference else ""


def _mismatch_hint(ours: float | None, theirs: float | None, lang: Lang) -> str:
    if ours is None or theirs is None or ours != ours or theirs != theirs:
        return tr(lang, "amount unreadable, see the problems sheet")
    if round(ours + theirs, 2) == 0:
        return tr(lang, "sign reversed (debit/credit swapped)")
    if typo_like(ours, theirs):
        return tr(lang, "typo in amount (a digit wrong, swapped or missing)")
    if abs(theirs) < abs(ours) and (ours > 0) == (theirs > 0):
        return tr(lang, "they booked less (partial or discount)")
    return tr(lang, "amounts differ")
