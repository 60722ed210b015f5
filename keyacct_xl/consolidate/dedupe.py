"""客户查重: is a "new" customer on a card one the archive already holds?

Compared by tax id, phone, normalized name (legal suffixes, a leading city and spacing stripped) and address,
with rapidfuzz's normalized Levenshtein ratio for the fuzzy parts (DOMAIN.md: "one customer, one file"). A phone is
the whole number (a mobile's 11 digits, a landline's area code and local number); a landline written without its area
code matches another's local number only as a weaker sign, and only where the two cities are not known to differ.
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd
from rapidfuzz import fuzz, process

from keyacct_xl.i18n import Lang
from keyacct_xl.master.schema import CUSTOMERS
from keyacct_xl.messages import tr

NAME_THRESHOLD = 90.0
CONTAINMENT_FLOOR = 74.0  # fuzz.ratio of a name inside one at most 1/0.6 times as long is 75; 74 for rounding
ADDRESS_THRESHOLD = 92.0
ADDRESS_NAME_FLOOR = 60.0  # a shared address alone is a shop-in-a-mall coincidence; with a similar name it is not
PHONE_SCORE = 95.0
# A local number without its area code is one of some 300 cities' numbers: a weaker sign than the whole number.
LOCAL_PHONE_SCORE = 80.0
# Longest first so 股份有限公司 is removed whole, not as 有限公司 leaving 股份.
LEGAL_SUFFIXES = (
    "股份有限公司",
    "有限责任公司",
    "集团有限公司",
    "有限公司",
    "集团公司",
    "总公司",
    "分公司",
    "公司",
    "集团",
    "经营部",
    "门市部",
    "商行",
    "厂",
    "店",
    "co.,ltd",
    "co.ltd",
    "coltd",
    "ltd",
    "limited",
    "inc",
    "corp",
    "corporation",
    "llc",
    "company",
    "co",
)
_CITY_PREFIX = re.compile(r"^(?:[\u4e00-\u9fff]{2}省)?(?:[\u4e00-\u9fff]{2}(?<!超)市)?")
_NOISE = re.compile(r"[\s\W_]+")
_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_SERVICE = re.compile(r"^[48]00\d{7}$")  # 400 / 800 numbers: one number nationwide, no area code
_EXTENSION = re.compile(r"(?:转|分机|ext\.?|x|#)\s*\d{1,6}\s*$")  # 0755-8888 6666 转 801: 801 is not the number
_NUMBERS_APART = re.compile(r"[/,，;；、|]")  # two numbers in one cell: 021-64001234 / 13812345678
# 13812345678.0: a number cell as a CSV or an ERP export writes it out (.00 with two decimals); never 138.1234
_DECIMAL_ZERO = re.compile(r"^(\d+)\.0{1,2}$")
# The suffixes as a folded name ends with them (co.,ltd -> coltd), in LEGAL_SUFFIXES' order: folded once, not per name.
_BARE_SUFFIXES = tuple(dict.fromkeys(_NOISE.sub("", suffix) for suffix in LEGAL_SUFFIXES))


@dataclass(frozen=True)
class DuplicateMatch:
    """An archive customer a card resembles: id, name, owner rep, score 0-100 and what matched."""

    customer_id: str
    name: str
    rep: str
    score: float
    basis: str


def normalize_name(name: object) -> str:
    """Fold a company name for comparison: NFKC, lower case, no spacing/punctuation, city and legal suffix off."""
    text = unicodedata.normalize("NFKC", str(name or "")).strip().lower()
    text = _CITY_PREFIX.sub("", text.replace(" ", ""), count=1)
    text = _NOISE.sub("", text)
    while text.endswith(_BARE_SUFFIXES):
        bare = next((b for b in _BARE_SUFFIXES if text.endswith(b) and len(text) > len(b) + 1), None)
        if bare is None:
            break
        text = text[: -len(bare)]
    return text


@dataclass(frozen=True)
class PhoneKey:
    """A phone as the duplicate check compares it: the whole number ('' when a landline's area code is not written)
    and a landline's local number ('' for a mobile, a 400 number or digits not read as a landline)."""

    number: str
    local: str


def phone_key(phone: object) -> PhoneKey | None:
    """The first number of a phone cell: a mobile's 11 digits (+86, 0086 or a leading 0 dropped); a landline's
    area code (010, 02x, else 0xxx; one without its 0 after +86, or a 0 Excel dropped, given it back) with its 7 or
    8 digit local number; 7 or 8 digits alone a local number; None when there are fewer than seven digits. Digits
    followed by .0 or .00 alone are those digits (a number cell written out as text, a phone read as a float)."""
    text = unicodedata.normalize("NFKC", str(phone or "")).strip().lower()
    if whole := _DECIMAL_ZERO.match(text):
        text = whole[1]
    first = next((p for p in _NUMBERS_APART.split(text) if sum(ch.isdigit() for ch in p) >= 7), "")
    digits = re.sub(r"\D", "", _EXTENSION.sub("", first))
    # +86 10 …, 0086 21 …; 86 then 10 or more digits is a country code too (no number of ours starts 86 so long).
    if digits.startswith("0086"):
        digits = digits[4:]
    elif digits.startswith("86") and (first.lstrip().startswith("+") or len(digits) >= 12):
        digits = digits[2:]
    if digits.startswith("0") and _MOBILE.match(digits[1:]):
        digits = digits[1:]
    # Two mobiles share their last 8 digits across carriers (13512345678, 13812345678): only all 11 tell them apart.
    if _MOBILE.match(digits) or _SERVICE.match(digits):
        return PhoneKey(digits, "")
    if not digits.startswith("0") and 9 <= len(digits) <= 11:
        digits = "0" + digits  # an area code without its 0: after +86, or a number cell's leading 0 lost
    if digits.startswith("0"):
        # 021-71696434 and 010-71696434 are Shanghai's and Beijing's numbers: the area code is part of the number.
        local = digits[3:] if digits[1:2] in ("1", "2") else digits[4:]
        return PhoneKey(digits, local if 7 <= len(local) <= 8 else "")
    if 7 <= len(digits) <= 8:
        return PhoneKey("", digits)
    return PhoneKey(digits, "") if len(digits) > 8 else None


def normalize_city(city: object) -> str:
    """A city as the duplicate check compares it: NFKC, no spacing, 市 off (上海市 is 上海)."""
    text = re.sub(r"\s", "", unicodedata.normalize("NFKC", str(city or "")))
    return text[:-1] if text.endswith("市") and len(text) > 2 else text


def normalize_tax_id(tax_id: object) -> str:
    """Upper case, no spacing."""
    return re.sub(r"\s", "", unicodedata.normalize("NFKC", str(tax_id or ""))).upper()


def name_score(a: str, b: str, *, score_cutoff: float | None = None) -> float:
    """Similarity 0-100 of two normalized names; one inside the other (a city left in front) scores 95.

    The containment rule needs both names of 4+ characters and the shorter at least 60 % of the longer, so
    华强 does not match every 深圳华强... company.
    """
    score = fuzz.ratio(a, b)
    short, long_ = sorted((len(a), len(b)))
    if short >= 4 and short / long_ >= 0.6 and (a in b or b in a):
        score = max(score, 95.0)
    return score if score_cutoff is None or score >= score_cutoff else 0.0


def same_company(a: object, b: object) -> bool:
    """Whether two company names are one company's by the duplicate check's name rule (上海恒达润滑油有限公司 and
    上海恒达润滑油股份有限公司 are; 昆明滇池精工有限公司 and 成都九鼎矿业股份有限公司 are not)."""
    return name_score(normalize_name(a), normalize_name(b)) >= NAME_THRESHOLD


class CustomerIndex:
    """The archive's customers prepared once for many lookups."""

    def __init__(self, customers: pd.DataFrame) -> None:
        self.ids: list[str] = []
        self.names: list[str] = []
        self.reps: list[str] = []
        self.norm_names: list[str] = []
        self.norm_addresses: list[str] = []
        self.cities: list[str] = []
        self.phone_keys: list[PhoneKey | None] = []
        self.phones: dict[str, list[int]] = {}  # a whole phone number -> the customers with it, first added first
        self.locals: dict[str, list[int]] = {}  # a landline's local number -> the customers with it
        self.tax_ids: dict[str, list[int]] = {}
        for customer in _rows(customers):
            self.add(customer)

    def add(self, customer: Mapping[str, object]) -> None:
        """Take one more customer (a card created in this run) into the index."""
        i = len(self.ids)
        name, rep, address = customer.get("name"), customer.get("rep"), customer.get("address")
        self.ids.append(str(customer.get("customer_id")))
        self.names.append(str(name or ""))
        self.reps.append(rep if isinstance(rep, str) else "")
        self.norm_names.append(normalize_name(self.names[i]))
        self.norm_addresses.append(normalize_name(address) if isinstance(address, str) else "")
        self.cities.append(normalize_city(customer.get("city")))
        phone, tax = phone_key(customer.get("phone")), normalize_tax_id(customer.get("tax_id"))
        self.phone_keys.append(phone)
        for found, value in self._keys(phone, tax):
            if value:
                found.setdefault(value, []).append(i)

    def _keys(self, phone: PhoneKey | None, tax: str) -> tuple[tuple[dict[str, list[int]], str], ...]:
        """Each lookup of the index with the value a customer is found under in it ('' for none)."""
        number, local = (phone.number, phone.local) if phone is not None else ("", "")
        return ((self.phones, number), (self.locals, local), (self.tax_ids, tax))

    def update(self, customer: Mapping[str, object]) -> None:
        """Take an indexed customer's new values (a card of this run filled in its phone) in place of its old ones."""
        i = self.ids.index(str(customer.get("customer_id")))
        name, address = customer.get("name"), customer.get("address")
        self.names[i] = str(name or "")
        self.norm_names[i] = normalize_name(self.names[i])
        self.norm_addresses[i] = normalize_name(address) if isinstance(address, str) else ""
        self.cities[i] = normalize_city(customer.get("city"))
        phone, tax = phone_key(customer.get("phone")), normalize_tax_id(customer.get("tax_id"))
        self.phone_keys[i] = phone
        for found, value in self._keys(phone, tax):
            for held in found.values():
                if i in held:
                    held.remove(i)
            if value:
                bisect.insort(found.setdefault(value, []), i)  # still first added first

    def _best_name(self, wanted: str, excluding: str | None = None) -> tuple[float, int] | None:
        """The best name_score of ``wanted`` against the index's names (the first of equal ones) when it reaches
        NAME_THRESHOLD: the names fuzz.ratio puts at CONTAINMENT_FLOOR or more are found in C first, because a name
        inside another scores at least that (2 × 0.6 / 1.6), and only those are scored by name_score in Python; a
        master's check of every customer against the others costs seconds instead of minutes."""
        found = process.extract(wanted, self.norm_names, scorer=fuzz.ratio, score_cutoff=CONTAINMENT_FLOOR, limit=None)
        scored = [(name_score(wanted, choice), i) for choice, _, i in found if self.ids[i] != excluding]
        best = max(scored, key=lambda pair: (pair[0], -pair[1]), default=None)
        return best if best is not None and best[0] >= NAME_THRESHOLD else None

    def _match(self, i: int, score: float, basis: str) -> DuplicateMatch:
        return DuplicateMatch(self.ids[i], self.names[i], self.reps[i], round(score, 1), basis)

    def find_like(self, values: Mapping[str, object], *, excluding: str | None = None) -> DuplicateMatch | None:
        """``find`` on a row's own name, phone, tax id, address and city (a card's header, a list's row)."""
        return self.find(
            name=values.get("name"),
            phone=values.get("phone"),
            tax_id=values.get("tax_id"),
            address=values.get("address"),
            city=values.get("city"),
            excluding=excluding,
        )

    def find(
        self,
        *,
        name: object,
        phone: object = None,
        tax_id: object = None,
        address: object = None,
        city: object = None,
        excluding: str | None = None,
    ) -> DuplicateMatch | None:
        """The most likely existing customer for these details, or None; ``excluding`` is a customer's own id when
        its new details are checked against the others."""
        tax = normalize_tax_id(tax_id)
        same_tax = [i for i in self.tax_ids.get(tax, ()) if self.ids[i] != excluding] if tax else []
        if same_tax:
            return self._match(same_tax[0], 100.0, "tax_id")
        tel = phone_key(phone)
        same_phone = [i for i in self.phones.get(tel.number, ()) if self.ids[i] != excluding] if tel else []
        if same_phone:
            return self._match(same_phone[0], PHONE_SCORE, "phone")
        wanted = normalize_name(name)
        if wanted:
            best = self._best_name(wanted, excluding)
            if best is not None:
                return self._match(best[1], best[0], "name")
        place = normalize_name(address) if isinstance(address, str) else ""
        if place and wanted:
            for _, score, i in process.extract(
                place, self.norm_addresses, scorer=fuzz.ratio, score_cutoff=ADDRESS_THRESHOLD, limit=5
            ):
                if self.ids[i] != excluding and name_score(wanted, self.norm_names[i]) >= ADDRESS_NAME_FLOOR:
                    return self._match(i, score, "address")
        local = self._same_local(tel, normalize_city(city), excluding)
        return None if local is None else self._match(local, LOCAL_PHONE_SCORE, "phone")

    def _same_local(self, tel: PhoneKey | None, city: str, excluding: str | None) -> int | None:
        """The first customer whose landline has this local number where one of the two lacks its area code (both
        written and different are two numbers) and their cities are not two different ones."""
        if tel is None or not tel.local:
            return None
        for i in self.locals.get(tel.local, ()):
            other, there = self.phone_keys[i], self.cities[i]
            if self.ids[i] == excluding or (tel.number and other is not None and other.number):
                continue
            if not city or not there or city == there:
                return i
        return None


@dataclass(frozen=True)
class LikelyDuplicate:
    """Two customers of the archive that look like one: the later row's id and name, the customer it resembles."""

    customer_id: str
    name: str
    match: DuplicateMatch

    def line(self, lang: Lang) -> str:
        """``C0002 上海恒达润滑油(有限公司) ~ C0001 上海恒达润滑油有限公司 (phone, score 95)``."""
        return tr(
            lang,
            "{cid} {name} looks like {other} {other_name} ({basis}, score {score:g})",
            cid=self.customer_id,
            name=self.name.strip(),
            other=self.match.customer_id,
            other_name=self.match.name.strip(),
            basis=CUSTOMERS.column(self.match.basis),
            score=self.match.score,
        )


def duplicate_lines(found: list[LikelyDuplicate], lang: Lang) -> list[str]:
    """For ``master check``: a headline and each likely duplicate, or nothing when there is none."""
    if not found:
        return []
    head = tr(
        lang,
        "{count} customer(s) look like another customer of the master: check each, and merge those that are one "
        "customer",
        count=len(found),
    )
    return [head, *(f"  {d.line(lang)}" for d in found)]


def likely_duplicates(customers: pd.DataFrame) -> list[LikelyDuplicate]:
    """Each customer that resembles one above it in ``customers`` (tax id, phone, normalized name, address), by
    the same rules a card's new customer is checked with: what ``master check`` reports."""
    index = CustomerIndex(customers.iloc[:0])
    found: list[LikelyDuplicate] = []
    for customer in _rows(customers):
        match = index.find_like(customer)
        if match is not None:
            found.append(LikelyDuplicate(str(customer["customer_id"]), str(customer["name"] or ""), match))
        index.add(customer)
    return found


_COMPARED = ("customer_id", "name", "rep", "address", "city", "phone", "tax_id")


def _rows(customers: pd.DataFrame) -> list[dict[str, object]]:
    """Each customer's values the duplicate check compares (a column the frame lacks read blank)."""
    columns = [customers[c].tolist() if c in customers.columns else [None] * len(customers) for c in _COMPARED]
    return [dict(zip(_COMPARED, row)) for row in zip(*columns)]
