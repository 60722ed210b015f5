"""Apply a year's reviewed grades to the master: Customers.grade / credit_grade and one GradeHistory row each.

The final grade is the meeting's final_grade when filled, else the proposed grade (the same for credit; a credit
grade with neither, not judged for want of payments, leaves the customer's credit grade, limit and terms). The
upgrade and support plans the meeting typed for its A and B customers are written into Customers.
Idempotent: a customer's decision of the year is one GradeHistory row; when the meeting changes its mind the
change is one more row (earlier rows are never rewritten); running apply twice changes nothing, and tables
without changes are not rewritten. Every customer whose grade, credit grade, limit or terms an apply changes has a
row of its apply number, also where the decision was recorded before (Customers changed since, by hand or by an
undo of credit apply), so its undo takes back what it wrote and nothing else.
Review rows for ids that are not in Customers (sales lines under an unknown id) cannot be applied: they are
left out and listed in ``Applied.not_in_customers`` for the caller to report.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from keyacct_xl.analytics.credit_terms import write_terms
from keyacct_xl.analytics.history import APPLY_NO, next_apply_no, record_history, rewritten_line
from keyacct_xl.analytics.policy import CreditPolicy, load_credit_policy
from keyacct_xl.analytics.undo_grades import FIELDS, Change, change_lines, keep_before_as_typed
from keyacct_xl.errors import InputError
from keyacct_xl.i18n import Lang
from keyacct_xl.labels import header
from keyacct_xl.master.model import Master
from keyacct_xl.master.schema import PAYMENTS
from keyacct_xl.messages import Location, Message, Pair, listing, msg, tr
from keyacct_xl.parsing import is_blank, same_value
from keyacct_xl.tablefile import Locate

CREDIT_GRADES = ("A", "B", "C")
_TERMS = ("limit_before", "limit_after", "terms_before", "terms_after")


@dataclass(frozen=True)
class Applied:
    """What apply changed: the table names to save and counts for the summary."""

    tables: tuple[str, ...]
    customers_changed: int
    history_added: int
    history_corrected: int
    not_in_customers: tuple[str, ...] = ()
    history_rewritten: int = 0  # rows of decisions recorded before, written again over values changed since
    terms_changed: int = 0  # customers whose credit limit or payment terms changed with their credit grade
    overrides_kept: int = 0  # graded customers whose hand-set limit and terms were kept (credit_override)
    plans_written: int = 0  # customers whose upgrade or support plan the meeting set or changed
    # each plan replaced: customer, name, column, the text held before (None: blank) and the meeting's
    plan_changes: tuple[tuple[str, str, str, str | None, str], ...] = ()
    apply_no: int | None = None  # the number its GradeHistory rows carry (应用序号); None: it wrote none
    # each customer whose grade, credit grade, credit limit or payment terms changed, before → after
    changes: tuple[Change, ...] = ()
    # customers whose credit grade, limit and terms were left as held: no credit grade proposed or decided
    credit_unset: int = 0
    no_payments: bool = False  # the master records no payment: why no credit grade was proposed

    def summary(self, lang: Lang) -> str:
        """What was applied, a line per customer changed with its values before and after (the first
        ``SHOWN_CHANGES``, then how many more), then the review rows left out, as ``grade apply`` and the ribbon say
        it."""
        text = tr(
            lang,
            "grades updated for {customers:,} customer(s); grade history: {added:,} row(s) added, "
            "{corrected:,} more for a changed decision",
            customers=self.customers_changed,
            added=self.history_added,
            corrected=self.history_corrected,
        )
        if self.history_rewritten:
            text += "\n" + rewritten_line(lang, self.history_rewritten)
        if self.apply_no is not None:
            text += "\n" + tr(
                lang,
                "recorded as apply No. {number} in the grade history; grade apply --undo takes it back",
                number=self.apply_no,
            )
        if self.terms_changed or self.overrides_kept:
            text += "\n" + tr(
                lang,
                "credit limit and payment terms of the final credit grade written for {changed:,} "
                "customer(s), {kept:,} manual override(s) kept",
                changed=self.terms_changed,
                kept=self.overrides_kept,
            )
        text += "".join(f"\n{line}" for line in change_lines(self.changes, lang))
        if self.credit_unset:
            text += "\n" + self._credit_unset(lang)
        if self.plans_written:
            text += "\n" + tr(
                lang, "upgrade and support plans written for {count:,} customer(s)", count=self.plans_written
            )
            # the plan text held before exists nowhere else: it is shown beside the one replacing it
            for cid, name, column, before, after in self.plan_changes:
                text += f"\n  {cid} {name}: {header(column, lang)} {before or '-'} → {after}"
        if not self.not_in_customers:
            return text
        return (
            text
            + "\n"
            + tr(
                lang,
                "{count:,} row(s) not applied, not in Customers (add them first): {shown}",
                count=len(self.not_in_customers),
                shown=", ".join(self.not_in_customers[:10]),
            )
        )

    def _credit_unset(self, lang: Lang) -> str:
        """The line saying whose credit grade, limit and terms apply did not set, and why."""
        if self.no_payments:
            return tr(
                lang,
                "credit grade, credit limit and payment terms not set for {count:,} customer(s), left as they were: "
                "the master records no payments (sheet {sheet} is empty)",
                count=self.credit_unset,
                sheet=Pair(PAYMENTS.sheet_en, PAYMENTS.sheet_zh),
            )
        return tr(
            lang,
            "credit grade, credit limit and payment terms not set for {count:,} customer(s), left as they were: "
            "the review neither proposes nor decides a credit grade for them",
            count=self.credit_unset,
        )


# What people write after a grade (A类, A级, A 类客户): the grade itself.
_GRADE_SUFFIX = re.compile(r"(类|級|级|等)?(客户)?$")


def grade_entry(value: object, allowed: Iterable[str]) -> str:
    """A typed grade as the grade it obviously means: case, spaces and full-width forms ignored, a trailing 类 or 级
    dropped (``' a '``, ``'A类'``, ``'A级'`` → A; ``'vip'`` → VIP); anything else upper-cased as typed."""
    text = "".join(unicodedata.normalize("NFKC", str(value)).split()).upper()
    bare = _GRADE_SUFFIX.sub("", text)
    return bare if bare in allowed else text


def _final(
    review: pd.DataFrame, final: str, proposed: str, allowed: tuple[str, ...] | list[str], locate: Locate
) -> tuple[pd.Series, list[Message]]:
    """The meeting's ``final`` entry, else the ``proposed`` one, as its grade (``grade_entry``); and each value not
    ``allowed``, named by its cell."""
    typed = ~review[final].map(is_blank)
    given = review[final].where(typed, review[proposed]).astype(object)
    chosen = given.map(lambda v: v if is_blank(v) else grade_entry(v, allowed))
    bad = review.index[~chosen.isin(allowed) & ~chosen.map(is_blank)]
    refused = [
        msg(
            "{where}: {value!r} is not one of {allowed} (customer {customer})",
            where=locate(i, final if typed[i] else proposed),
            value=given[i],
            allowed=listing(allowed),
            customer=review.at[i, "customer_id"],
        )
        for i in bad
    ]
    return chosen, refused


def _refuse(refused: list[Message]) -> None:
    """Every grade entry refused, in one error: nothing is applied while one is wrong."""
    if not refused:
        return
    if len(refused) == 1:
        raise InputError(refused[0])
    entries: object = refused[0]
    for entry in refused[1:]:
        entries = msg("{first}; {second}", first=entries, second=entry)
    raise InputError(
        msg("nothing applied: {count:,} entry(ies) to correct: {entries}", count=len(refused), entries=entries)
    )


def by_column(i: int, key: str) -> Location:
    """Where a review built in memory (not read from a sheet) names a value: its column, by its header."""
    return Location(header=Pair(header(key, "en"), header(key, "zh")))


def one_year(review: pd.DataFrame, locate: Locate) -> int:
    """The review's year; a review of several years is refused naming the first cell of a second year."""
    year = review["year"]
    years = year.dropna().unique()
    if len(years) != 1:
        other = year.index[year.notna() & (year != years[0])][0] if len(years) else year.index[0]
        raise InputError(
            msg(
                "{where}: a grading review is of one year; this one holds {years}",
                where=locate(other, "year"),
                years=listing(sorted(map(int, years))),
            )
        )
    return int(years[0])


def apply_review(
    master: Master,
    review: pd.DataFrame,
    *,
    grades: list[str],
    approved_by: str | None,
    applied_at: pd.Timestamp,
    credit_policy: CreditPolicy | None = None,
    locate: Locate | None = None,
) -> Applied:
    """Update ``master`` in memory from the review rows: grades, and the credit limit and payment terms of each
    final credit grade under ``credit_policy`` (default: the shipped one); return which tables changed.
    ``locate`` names a refused value's cell in the sheet the review was read from (default: by its column)."""
    locate = locate or by_column
    year = one_year(review, locate)
    review = review.assign(customer_id=review["customer_id"].astype(str))
    known = set(master.customers["customer_id"].astype(str))
    unknown = tuple(cid for cid in review["customer_id"] if cid not in known)
    applied_rows = np.flatnonzero(review["customer_id"].isin(known).to_numpy(dtype=bool))
    review = review.iloc[applied_rows].reset_index(drop=True)

    def at(k: int, key: str) -> Location:
        return locate(int(applied_rows[k]), key)  # the row as the sheet read holds it

    grade_after, refused_grades = _final(review, "final_grade", "proposed_grade", [g.upper() for g in grades], at)
    credit_after, refused_credit = _final(review, "final_credit_grade", "credit_grade", CREDIT_GRADES, at)
    _refuse(refused_grades + refused_credit)
    customers = master.customers.copy()
    position = {cid: i for i, cid in enumerate(customers["customer_id"].astype(str))}
    rows = [position[c] for c in review["customer_id"]]
    before_grade = customers["grade"].astype(object).iloc[rows].to_numpy()
    before_credit = customers["credit_grade"].astype(object).iloc[rows].to_numpy()
    # A credit grade neither proposed nor decided (not judged: the master records no payment) keeps the grade, the
    # limit and the terms the customer holds: unknown payments are no reason to lower them.
    judged = ~credit_after.map(is_blank).to_numpy(dtype=bool)
    credit_after = credit_after.where(judged, pd.Series(before_credit, index=credit_after.index, dtype=object))
    target_grade = customers["grade"].astype(object).copy()
    target_credit = customers["credit_grade"].astype(object).copy()
    target_grade.iloc[rows] = grade_after.to_numpy()
    target_credit.iloc[rows] = credit_after.to_numpy()
    written = write_terms(
        customers.assign(credit_grade=target_credit),
        pd.Series(credit_after.to_numpy()[judged], index=review["customer_id"][judged]),
        policy=credit_policy or load_credit_policy(),
        settings=master.settings,
        transactions=master.transactions,
        as_of=applied_at,
    )
    terms = written.changes.set_index("customer_id")
    history_rows = []
    number = next_apply_no(master.grade_history)  # this apply's rows, undone together and apart from any other's
    for k, cid in enumerate(review["customer_id"]):
        reason = review.at[k, "reasons"]
        comment = review.at[k, "comment"]
        if not is_blank(comment):
            reason = f"{reason} | {comment}"
        limits = {key: terms.at[cid, key] for key in _TERMS} if cid in terms.index else {}
        history_rows.append(
            {
                "year": year,
                "customer_id": cid,
                "grade_before": before_grade[k],
                "grade_after": grade_after.iloc[k],
                "credit_before": before_credit[k],
                "credit_after": credit_after.iloc[k],
                **limits,
                "reason": reason,
                "approved_by": approved_by,
                "applied_at": applied_at,
                APPLY_NO: number,
            }
        )
    differs = (target_grade.fillna("") != customers["grade"].astype(object).fillna("")) | (
        target_credit.fillna("") != customers["credit_grade"].astype(object).fillna("")
    )
    updated, plan_changes = _with_plans(written.customers.assign(grade=target_grade), review, rows)
    changes = _changes(customers, updated, rows)
    # a customer whose values it changes is recorded under its number even where its decision was recorded before
    recorded = record_history(master.grade_history, history_rows, written={c.customer_id for c in changes})
    plans = len({change[0] for change in plan_changes})
    tables = []
    if differs.any() or written.changed or plans:
        master.customers = updated
        tables.append("Customers")
    if recorded.rows:
        keep_before_as_typed(master, recorded.history)
        master.grade_history = recorded.history
        tables.append("GradeHistory")
    return Applied(
        tuple(tables),
        int(differs.sum()),
        recorded.added,
        recorded.corrected,
        unknown,
        history_rewritten=recorded.rewritten,
        terms_changed=written.changed,
        overrides_kept=int(terms["overridden"].sum()),
        plans_written=plans,
        plan_changes=plan_changes,
        apply_no=number if "GradeHistory" in tables else None,
        changes=changes,
        credit_unset=int((~judged).sum()),
        no_payments=master.payments.empty,
    )


def _changes(before: pd.DataFrame, after: pd.DataFrame, rows: list[int]) -> tuple[Change, ...]:
    """Each reviewed customer (rows of Customers) whose grade, credit grade, limit or terms ``after`` holds differ
    from ``before``'s, with the values before and after, as credit apply and the undos show them."""
    out = []
    for i in dict.fromkeys(rows):
        moved = tuple(
            (label, before[column].iloc[i], after[column].iloc[i])
            for column, _, _, label in FIELDS
            if column in before and not same_value(before[column].iloc[i], after[column].iloc[i])
        )
        if moved:
            name = before["name"].iloc[i] if "name" in before else None
            out.append(Change(str(before["customer_id"].iloc[i]), "" if is_blank(name) else str(name), moved))
    return tuple(out)


PLAN_COLUMNS = ("upgrade_plan", "support_plan")


def _with_plans(
    customers: pd.DataFrame, review: pd.DataFrame, rows: list[int]
) -> tuple[pd.DataFrame, tuple[tuple[str, str, str, str | None, str], ...]]:
    """The meeting's upgrade and support plans written into Customers (a blank entry leaves the plan held); each
    plan changed, as (customer, name, column, text before, text after)."""
    changes: list[tuple[str, str, str, str | None, str]] = []
    customers = customers.copy()
    for column in (c for c in PLAN_COLUMNS if c in review.columns and c in customers.columns):
        given = review[column].astype(object)
        held = customers[column].astype(object).iloc[rows].reset_index(drop=True)
        new = ~given.map(is_blank) & (given.map(lambda v: str(v).strip()) != held.map(lambda v: str(v).strip()))
        if new.any():
            values = customers[column].astype(object).to_numpy().copy()
            positions = np.asarray(rows)[new.to_numpy()]
            values[positions] = given[new].map(lambda v: str(v).strip()).to_numpy()
            for k, position in zip(np.flatnonzero(new.to_numpy()), positions):
                before = held.iloc[k]
                name = customers["name"].iloc[position] if "name" in customers else None
                changes.append(
                    (
                        str(customers["customer_id"].iloc[position]),
                        "" if is_blank(name) else str(name),
                        column,
                        None if is_blank(before) else str(before).strip(),
                        str(values[position]),
                    )
                )
            customers[column] = values
    return customers, tuple(sorted(changes))
