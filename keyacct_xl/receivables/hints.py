"""Likely causes for each reconciliation row: in transit, duplicate, sign reversed, typo in amount, split..."""

from __future__ import annotations

import pandas as pd

from keyacct_xl.i18n import Lang, pick


def typo_like(a: float, b: float) -> bool:
    """True when two amounts differ the way a mistyped figure does: one digit, two swapped digits, a zero."""
    x, y = f"{abs(a):.2f}".replace(".", ""), f"{abs(b):.2f}".replace(".", "")
    if (a < 0) != (b < 0) or x == y:
        return False
    if len(x) == len(y):
        diffs = [i for i in range(len(x)) if x[i] != y[i]]
        if len(diffs) == 1:
            return True
        i, j = [*diffs, 0, 0][:2]
        return len(diffs) == 2 and j == i + 1 and x[i] == y[j] and x[j] == y[i]
    longer, shorter = (x, y) if len(x) > len(y) else (y, x)
    return len(longer) == len(shorter) + 1 and any(longer[:i] + longer[i + 1:] == shorter for i in range(len(longer)))


def add_hints(table: pd.DataFrame, *, period_end: pd.Timestamp, window: int, lang: Lang) -> pd.DataFrame:
    """Fill the ``hint`` column; the table keeps its rows and order."""
    hints = []
    leftovers_o = table[table["status"] == "only_ours"]
    leftovers_t = table[table["status"] == "only_theirs"]
    matched = table[table["status"] == "matched"]
    for rec in table.itertuples(index=False):
        if rec.status == "matched":
            hints.append(_matched_hint(rec, lang))
        elif rec.status == "amount_mismatch":
            hints.append(_mismatch_hint(rec.ours_amount, rec.theirs_amount, lang))
        else:
            mine = "ours" if rec.status == "only_ours" else "theirs"
            other = leftovers_t if mine == "ours" else leftovers_o
            hints.append(_leftover_hint(rec, mine, other, matched, period_end, window, lang))
    out = table.copy()
    out["hint"] = hints
    return out


def _matched_hint(rec, lang: Lang) -> str:
    n_ours, n_theirs = len(rec.ours_lines), len(rec.theirs_lines)
    if n_theirs > 1:
        return pick(lang, f"我方1笔对应对方{n_theirs}笔（分笔付款/入账）",
                    f"one of ours booked as {n_theirs} by them (split)")
    if n_ours > 1:
        return pick(lang, f"我方{n_ours}笔对应对方1笔（合并入账）",
                    f"{n_ours} of ours booked as one by them (combined)")
    if rec.difference:
        return pick(lang, "尾差在容差内", "rounding difference within tolerance")
    return ""


def _mismatch_hint(ours: float | None, theirs: float | None, lang: Lang) -> str:
    if ours is None or theirs is None or ours != ours or theirs != theirs:
        return pick(lang, "金额无法识别，见“无法识别”表", "amount unreadable, see the problems sheet")
    if round(ours + theirs, 2) == 0:
        return pick(lang, "借贷方向相反（符号错误）", "sign reversed (debit/credit swapped)")
    if typo_like(ours, theirs):
        return pick(lang, "金额录入错误（数字错位或多/少一位）", "typo in amount (a digit wrong, swapped or missing)")
    if abs(theirs) < abs(ours) and (ours > 0) == (theirs > 0):
        return pick(lang, "对方少记（部分入账或折扣）", "they booked less (partial or discount)")
    return pick(lang, "金额不一致", "amounts differ")


def _leftover_hint(rec, mine: str, other: pd.DataFrame, matched: pd.DataFrame, period_end: pd.Timestamp,
                   window: int, lang: Lang) -> str:
    amount = rec.ours_amount if mine == "ours" else rec.theirs_amount
    date = rec.ours_date if mine == "ours" else rec.theirs_date
    if amount is None or amount != amount or pd.isna(date):
        return pick(lang, "日期或金额无法识别，见“无法识别”表", "date or amount unreadable, see the problems sheet")
    ref = rec.ours_ref if mine == "ours" else rec.theirs_ref
    same = matched[(matched[f"{mine}_amount"] == amount)
                   & ((matched[f"{mine}_date"] == date) | ((matched[f"{mine}_ref"] == ref) & (ref != "")))]
    if len(same):
        row = same.iloc[0][f"{mine}_row"]
        return pick(lang, f"疑似重复记账（同第 {row} 行）", f"likely duplicate of row {row}")
    near = other[(other[f"{_other(mine)}_date"] - date).abs() <= pd.Timedelta(days=window)]
    for o in near.itertuples(index=False):
        o_amount = o.ours_amount if mine == "theirs" else o.theirs_amount
        o_row = o.ours_row if mine == "theirs" else o.theirs_row
        if o_amount is not None and o_amount == o_amount and round(o_amount + amount, 2) == 0:
            return pick(lang, f"可能借贷方向相反（对应第 {o_row} 行）", f"sign reversed? compare row {o_row}")
        if o_amount is not None and o_amount == o_amount and typo_like(o_amount, amount):
            return pick(lang, f"可能金额录入错误（对应第 {o_row} 行）", f"typo in amount? compare row {o_row}")
    if date > period_end - pd.Timedelta(days=window):
        if mine == "ours":
            return pick(lang, "期末在途：对方尚未入账", "in transit at period end: not yet booked by the customer")
        return pick(lang, "期末在途：我方尚未入账", "in transit at period end: not yet booked by us")
    return pick(lang, "对方账上没有此笔", "not in their books") if mine == "ours" else \
        pick(lang, "我方账上没有此笔", "not in our books")


def _other(side: str) -> str:
    return "theirs" if side == "ours" else "ours"
