"""Copies of a filled example as another rep would send them: their own customers, their own numbers.

The demo's week of submissions and the consolidation benchmark send many filled forms; each copy must be a new
submission (new file hash, new row keys), not a duplicate or a correction of the example. A copy keeps the
example's content and dates and changes what identifies it: the rep, the customers (each example customer is
replaced by one of the rep's own, names following ids), document numbers (``Q2026-1125-01`` becomes
``Q2026-1125-01-7``), phone numbers, and a new customer's name, id and tax id.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import replace

from keyacct_xl.consolidate.examples import FormExample, Lines

_DOCUMENT_NO = re.compile(r"[A-Za-z][A-Za-z0-9]*(?:-[A-Za-z0-9]+)*")
_NAME_PARTS = ("恒", "信", "达", "华", "盛", "泰", "安", "隆", "丰", "宏", "瑞", "祥", "嘉", "源", "通", "鑫")
_TRADES = ("机械", "模具", "五金", "液压", "汽配", "塑胶", "环保", "物资")
_PERSONAL_NUMBER = ("phone", "mobile", "fax", "tax_id", "bank_account")
_PERIOD = re.compile(r"(\d{4})((?:-W\d{2}|-\d{2}|-Q\d)?)")
_DIGITS = re.compile(r"\d+")


def new_customer_name(copy: int, city: str = "") -> str:
    """A company name that no other copy shares and that reads as a real one (杭州恒信机械有限公司)."""
    first, second = divmod(copy, len(_NAME_PARTS))
    trade = _TRADES[(copy // len(_NAME_PARTS) ** 2) % len(_TRADES)]
    return f"{city}{_NAME_PARTS[first % len(_NAME_PARTS)]}{_NAME_PARTS[second]}{trade}有限公司"


class _Copier:
    """Rewrites one example's values for copy number ``copy`` sent by ``rep``."""

    def __init__(
        self,
        example: FormExample,
        copy: int,
        rep: str,
        customers: Sequence[tuple[str, str]],
        new_customer: bool,
        years_back: int,
    ) -> None:
        self.copy, self.rep, self.old_rep = copy, rep, str(example.header.get("rep", ""))
        self.years_back = years_back
        self.weeks_back = _weeks_back(str(example.header.get("period", "")), years_back)
        # A registered customer's own id is new: it is varied like a document number, not mapped.
        ids = [str(v) for v in _values_of(example, "customer_id", header=not new_customer) if v]
        self.ids = {old: customers[i % len(customers)] for i, old in enumerate(dict.fromkeys(ids))}

    def values(self, values: Mapping[str, object], *, new_customer: bool) -> dict[str, object]:
        out = {key: self.value(key, value) for key, value in values.items()}
        mapped = self.ids.get(str(values.get("customer_id", "")))
        if mapped and "customer_name" in values:
            out["customer_name"] = mapped[1]
        if new_customer and values.get("name"):
            out["name"] = new_customer_name(self.copy, str(values.get("city") or ""))
        if new_customer and values.get("address"):  # the duplicate check compares addresses too
            out["address"] = _DIGITS.sub(str(self.copy), str(values["address"]), count=1)
        return out

    def value(self, key: str, value: object) -> object:
        if isinstance(value, dt.date) and self.years_back:
            if self.weeks_back:  # a weekly period: the same week number and weekday, dates stay in the week
                return value - dt.timedelta(weeks=self.weeks_back)
            return _years_earlier(value, self.years_back)  # a month or no period: the same day of the month
        if not isinstance(value, str) or not value:
            return value
        period = _PERIOD.fullmatch(value)
        if period and self.years_back:
            return f"{int(period[1]) - self.years_back}{period[2]}"
        if value == self.old_rep:
            return self.rep
        if value in self.ids:
            return self.ids[value][0]
        if any(part in key for part in _PERSONAL_NUMBER) and sum(c.isdigit() for c in value) >= 6:
            return value[:-4] + f"{self.copy % 10000:04d}"
        # A product code names the catalogue's product, the same in every rep's copy; document numbers differ.
        if key != "product_code" and _DOCUMENT_NO.fullmatch(value) and any(c.isdigit() for c in value):
            return f"{value}-{self.copy}"
        return value


def _weeks_back(period: str, years_back: int) -> int:
    """Whole weeks between an ISO week period and the same week number ``years_back`` years earlier, else 0."""
    week = re.fullmatch(r"(\d{4})-W(\d{2})", period)
    if not week or not years_back:
        return 0
    year, number = int(week[1]), int(week[2])
    earlier = dt.date.fromisocalendar(year - years_back, number, 1)
    return (dt.date.fromisocalendar(year, number, 1) - earlier).days // 7


def _years_earlier(value: dt.date, years: int) -> dt.date:
    """The same calendar day ``years`` earlier (29 February becomes the 28th)."""
    day = 28 if (value.month, value.day) == (2, 29) else value.day
    return value.replace(year=value.year - years, day=day)


def _values_of(example: FormExample, key: str, *, header: bool) -> list[object]:
    found = [example.header[key]] if header and key in example.header else []
    return found + [line[key] for lines in example.rows.values() for line in lines if key in line]


def varied(
    example: FormExample,
    copy: int,
    *,
    rep: str,
    customers: Sequence[tuple[str, str]],
    new_customer: bool = False,
    years_back: int = 0,
) -> FormExample:
    """Copy ``copy`` of ``example`` sent by ``rep`` about ``customers`` ((id, name) pairs of the rep's own).

    Each customer the example names is replaced by the next of ``customers``; ``new_customer`` marks a form
    registering a customer, whose name and address then change with the copy; ``years_back`` moves periods and
    dates that many years back (a weekly period's dates by whole weeks to the same week number, other dates to the
    same day of the month, so they stay inside the period), for the same rep's next copy of a form.
    """
    copier = _Copier(example, copy, rep, customers, new_customer, years_back)
    rows: Lines = {
        section: [copier.values(line, new_customer=False) for line in lines] for section, lines in example.rows.items()
    }
    return replace(example, header=copier.values(example.header, new_customer=new_customer), rows=rows)
