"""The forms about a key account's people and plan: which submission a profile or a plan is, and the buyer a
newer one replaces.

A contact profile (麦凯66问) is one person at one customer, so its submission key is ``customer / name``; an
account plan is one customer's plan for one year, so its key is ``customer / year``, and its lines (scores,
actions) carry that year. A plan filled on version 1 of the form has no year field: the year is the period's,
else the fill date's, else the consolidation's, and the file says so in a warning.

A customer has one buying contact at a time (decision role 采购 / Buyer): a card or profile naming a new one
retires the buyer the archive held, who is kept with 在职 = 否 and the date they left, never deleted.
"""

from __future__ import annotations

import pandas as pd

from keyacct_xl.consolidate.mergetable import MergeTable
from keyacct_xl.consolidate.model import FileOutcome, Issue
from keyacct_xl.consolidate.periods import parse_period
from keyacct_xl.consolidate.rowmatch import Location
from keyacct_xl.forms.layout import YES_NO
from keyacct_xl.forms.spec import choice_key
from keyacct_xl.i18n import Lang
from keyacct_xl.master.submissions import ALL_CONSOLIDATION_TABLES
from keyacct_xl.messages import msg
from keyacct_xl.parsing import is_blank

BUYER = frozenset({"采购", "buyer"})  # the decision role's choice (zh label, en label folded)
_NO = YES_NO[1]


def settle_key(outcome: FileOutcome, now: str) -> None:
    """Give a profile or a plan its submission key (customer and person, customer and year); others unchanged."""
    customer = outcome.header.get("customer_id")
    if outcome.form_id == "contact_profile":
        outcome.key = f"{customer} / {outcome.header.get('name')}"
    elif outcome.form_id == "account_plan":
        outcome.key = f"{customer} / {plan_year(outcome, now)}"


def plan_year(outcome: FileOutcome, now: str) -> int:
    """The plan's year as typed, else (a version-1 form has no year field) the period's, fill date's or run's."""
    typed = outcome.header.get("year")
    if isinstance(typed, int):
        return typed
    period = parse_period(outcome.period) if outcome.period else None
    filled = outcome.header.get("fill_date")
    if period is not None:
        year, source = period.first.year, msg("the period {period}", period=outcome.period)
    elif isinstance(filled, pd.Timestamp):
        year, source = filled.year, msg("the fill date")
    else:
        year, source = int(now[:4]), msg("the consolidation date")
    outcome.header["year"] = year
    outcome.issues.append(
        Issue(
            outcome.name,
            "",
            "",
            ALL_CONSOLIDATION_TABLES["AccountPlans"].column("year"),
            str(year),
            msg("no plan year given: {year}, from {source}", year=year, source=source),
            "warning",
        )
    )
    return year


def is_buyer(role: object) -> bool:
    """Whether a contact's decision role is the buying one (采购 / Buyer)."""
    return not is_blank(role) and choice_key(str(role)) in BUYER


def _active(value: object) -> bool:
    return is_blank(value) or choice_key(str(value)) not in {choice_key(n) for n in _NO.names}


def replaced_buyers(
    contacts: MergeTable, named: set[Location], outcome: FileOutcome, now: str, lang: Lang
) -> list[tuple[Location, dict[str, object]]]:
    """The active buyers of the customers whose new buyer this file names, with the values that retire them.

    ``named`` are the Contacts rows the file added or updated; a buyer it names again stays. The leaving date
    is the form's fill date, else the consolidation's.
    """
    customers = {str(contacts.get(w, "customer_id")) for w in named if is_buyer(contacts.get(w, "decision_role"))}
    if not customers:
        return []
    filled = outcome.header.get("fill_date")
    left = (filled if isinstance(filled, pd.Timestamp) else pd.Timestamp(now)).normalize()
    retire = {"active": _NO.zh if lang == "zh" else _NO.en, "left_date": left}
    return [
        (where, retire)
        for where in _rows_of(contacts, customers)
        if where not in named
        and is_buyer(contacts.get(where, "decision_role"))
        and _active(contacts.get(where, "active"))
    ]


def _rows_of(contacts: MergeTable, customers: set[str]) -> list[Location]:
    """The Contacts rows (loaded and added by this run) of ``customers``, found without a loop over the table."""
    ids = contacts.frame["customer_id"].astype("string").isin(customers).to_numpy(dtype=bool, na_value=False)
    return [
        *(("frame", int(i)) for i in ids.nonzero()[0]),
        *(("added", i) for i, row in enumerate(contacts.added) if str(row.get("customer_id")) in customers),
    ]
