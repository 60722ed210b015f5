"""Referential integrity of the master: rows naming a customer id that Customers does not hold, duplicate ids.

A sales line under an unknown id is a phantom customer in grading, RFM and ABC (no name, grade or terms), and a
duplicate id makes every lookup by id pick one of two rows. ``master check`` lists these problems with their
sheet and Excel row; the analyses warn about them (``warning_lines``) from the same function.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import pandas as pd
import python_calamine as calamine

from keyacct_xl.errors import InputError
from keyacct_xl.headers import normalize_header, resolve_headers
from keyacct_xl.history.store import history_lines, sheet_label
from keyacct_xl.i18n import Lang
from keyacct_xl.master.convert import to_texts
from keyacct_xl.master.ids import Spellings, id_key, meant_id
from keyacct_xl.master.model import Master
from keyacct_xl.master.reader import not_a_master, open_book_as_read, read_settings, table_place, table_start
from keyacct_xl.master.schema import (
    CONTACTS,
    CUSTOMER_ID,
    CUSTOMERS,
    PAYMENTS,
    SETTINGS,
    TABLES_BY_NAME,
    TRANSACTIONS,
    Column,
    TableSchema,
)
from keyacct_xl.messages import Listing, Location, Message, Pair, Rendered, first_ids, joined, listing, msg, tr

ProblemKind = Literal["unknown_customer", "blank_customer", "duplicate_customer", "contact_without_customer"]
KINDS: tuple[ProblemKind, ...] = (
    "unknown_customer",
    "blank_customer",
    "duplicate_customer",
    "contact_without_customer",
)
# Headers that name the customer id in a table the master schema does not describe (Quotations, WeeklyPlans,
# GradeReview ...): only the exact names our writers use, never an alias such as 编号 that other ids share.
_ID_HEADERS = {normalize_header(name) for name in (CUSTOMER_ID.key, CUSTOMER_ID.zh, CUSTOMER_ID.en)}
SHOWN_ROWS = 10  # rows listed per problem kind
# Tables whose rows may be about no customer: a weekly plan's meeting or office day, a monthly plan's line for a
# prospect given by name (their forms leave 客户编号 optional). Every other table's row is one customer's.
MAY_NAME_NO_CUSTOMER = frozenset({"WeeklyPlans", "MonthlyPlanAccounts"})
# What the analyses read: RFM and ABC only sales lines; grading, credit, ageing and analyze the ledger and Customers.
SALES_TABLES: tuple[TableSchema, ...] = (TRANSACTIONS,)
LEDGER_TABLES: tuple[TableSchema, ...] = (CUSTOMERS, TRANSACTIONS, PAYMENTS)
# The number a person finds a line by beside its row: a sale's document number, a payment's receipt number.
LINE_NUMBERS: dict[str, Column] = {
    TRANSACTIONS.name: TRANSACTIONS.column("doc_no"),
    PAYMENTS.name: PAYMENTS.column("receipt_no"),
}
SHOWN_LINES = 3  # lines named per table of an unknown customer id; the count says how many there are


@dataclass(frozen=True)
class IdColumn:
    """The customer ids of one table: its name, its sheet, each row's id (None when blank) and Excel row."""

    table: str
    sheet: str | Rendered  # the history store's lines: 历史库中的销售明细
    ids: Sequence[object]
    rows: Sequence[int] | None = None  # None when the rows' places in the sheet are not known
    numbers: Sequence[object] | None = None  # each line's document or receipt number (LINE_NUMBERS)


@dataclass(frozen=True)
class Problem:
    """One row with a referential problem: which kind, where (table, sheet, Excel row) and the id."""

    kind: ProblemKind
    table: str
    sheet: str | Rendered
    row: int | None
    customer_id: str
    meant: str | None = None  # the customer an unknown id is in another case or width (c0026 for C0026)
    number: str | None = None  # the line's document or receipt number, where its table has one

    def shown(self, lang: Lang) -> str:
        """The id as the row gives it, with the customer it was meant for when it differs only in case or width."""
        if self.meant is None:
            return self.customer_id or tr(lang, "(blank)")
        return tr(
            lang, "{typed} (customer {cid} typed in another case or width)", typed=self.customer_id, cid=self.meant
        )

    def place(self, lang: Lang) -> str:
        """Sheet and row as a person finds them in Excel."""
        if self.row is None:
            return _in(lang, self.sheet)
        return tr(lang, "{sheet} row {row}", sheet=self.sheet, row=self.row)

    def line(self, lang: Lang) -> str | None:
        """The row and the document or receipt number a person finds the line by (None when it has neither)."""
        number = None
        if self.number is not None:
            number = tr(lang, "{header} {number}", header=LINE_NUMBERS[self.table], number=self.number)
        if self.row is None:
            return number
        row = tr(lang, "row {row}", row=self.row)
        return row if number is None else f"{row} {number}"


@dataclass(frozen=True)
class Integrity:
    """The referential problems of a master, in table and row order."""

    problems: tuple[Problem, ...]

    @property
    def ok(self) -> bool:
        """True when no row names an unknown customer (or, where asked, none), no id repeats and every contact has
        its customer."""
        return not self.problems

    def of_kind(self, kind: ProblemKind) -> list[Problem]:
        """The problems of one kind."""
        return [p for p in self.problems if p.kind == kind]

    def summary(self, lang: Lang, *, shown: int = SHOWN_ROWS) -> list[str]:
        """For ``master check``: per problem kind a line with the counts per table, then its first rows."""
        if self.ok:
            return [tr(lang, "references OK: every row's customer id is in Customers, and no id repeats")]
        lines = []
        for kind in KINDS:
            found = self.of_kind(kind)
            if found:
                lines.append(_headline(kind, found, lang))
                lines += _by_customer(found, lang, shown) if kind == "unknown_customer" else _by_row(found, lang, shown)
        return lines

    def warning_lines(self, lang: Lang) -> list[str]:
        """For the analyses: one line per problem kind, saying what the analysis does with those rows."""
        lines = []
        for kind in KINDS:
            found = self.of_kind(kind)
            if found:
                ids = sorted({p.customer_id or tr(lang, "(blank)") for p in found})
                lines.append(_warning(kind, _headline(kind, found, lang), first_ids(ids, 5), lang))
        return lines

    def appended(self, message: Rendered) -> Rendered:
        """``message`` followed by the warning lines, in either language (the ribbon shows them with its result)."""
        return Pair(
            "\n".join([message.en, *self.warning_lines("en")]), "\n".join([message.zh, *self.warning_lines("zh")])
        )


def _by_row(found: list[Problem], lang: Lang, shown: int) -> list[str]:
    """The first ``shown`` problems, one line each: the place, then the id."""
    lines = [f"  {p.place(lang)}: {p.shown(lang)}" for p in found[:shown]]
    if len(found) > shown:
        lines.append("  " + tr(lang, "… {count:,} more", count=len(found) - shown))
    return lines


def _by_customer(found: list[Problem], lang: Lang, shown: int) -> list[str]:
    """Rows naming unknown ids, one line per id (most rows first): each table's count and its first lines, so an
    ERP's hundreds of lines under a few missing customers read as those customers."""
    ids: dict[str, list[Problem]] = {}
    for problem in found:
        ids.setdefault(problem.customer_id, []).append(problem)
    ordered = sorted(ids.values(), key=lambda rows: (-len(rows), rows[0].customer_id))
    lines = [f"  {_customer_rows(rows, lang)}" for rows in ordered[:shown]]
    if len(ordered) > shown:
        rest = ordered[shown:]
        lines.append(
            "  "
            + tr(
                lang,
                "… {count:,} more customer id(s), {rows:,} row(s)",
                count=len(rest),
                rows=sum(len(rows) for rows in rest),
            )
        )
    return lines


def _customer_rows(rows: list[Problem], lang: Lang) -> str:
    """One unknown id's rows: per table (by sheet, in table order) the count and the first lines by row and number."""
    tables: dict[str, list[Problem]] = {}
    for problem in rows:
        tables.setdefault(_in(lang, problem.sheet), []).append(problem)
    return tr(
        lang,
        "{cid}: {tables}",
        cid=rows[0].shown(lang),
        tables=joined(lang, (_table_rows(s, r, lang) for s, r in tables.items())),
    )


def _table_rows(sheet: str, rows: list[Problem], lang: Lang) -> str:
    """``销售明细 600 行（第 3 行 单据编号 D1、…、…另有 597 行）``: a table's count and its first lines."""
    lines = [p.line(lang) for p in rows]
    # a document's several lines in the store (no row to tell them apart) are named once, by its number
    named = [line for line in dict.fromkeys(lines) if line is not None][:SHOWN_LINES]
    rest = sum(line not in named for line in lines)
    if named and rest:
        named.append(tr(lang, "… {count:,} more", count=rest))
    if not named:
        return tr(lang, "{sheet} {count:,} row(s)", sheet=sheet, count=len(rows))
    return tr(lang, "{sheet} {count:,} row(s) ({lines})", sheet=sheet, count=len(rows), lines=listing(named))


def _in(lang: Lang, sheet: str | Rendered) -> str:
    """A sheet's name as shown: the workbook's own, or the history store's table in ``lang``."""
    return sheet if isinstance(sheet, str) else sheet.render(lang)


def counted_under_their_ids() -> Message:
    """What the analyses do with lines naming a customer id Customers does not hold, said alike by every step that
    meets them (an import into the history store, grading, RFM, ageing)."""
    return msg(
        "their lines are included, listed under the id with no name, grade or terms; add the customers or correct "
        "the ids"
    )


def _warning(kind: ProblemKind, headline: str, ids: Listing, lang: Lang) -> str:
    """The analyses' warning line: what is wrong, the ids, and what the analysis does with those rows."""
    if kind == "unknown_customer":
        return tr(
            lang, "warning: {headline}: {ids}; {counted}", headline=headline, ids=ids, counted=counted_under_their_ids()
        )
    if kind == "duplicate_customer":
        return tr(
            lang,
            "warning: {headline}: {ids}; the analysis takes one row's name, grade and terms per id; "
            "make the ids unique",
            headline=headline,
            ids=ids,
        )
    return tr(lang, "warning: {headline}: {ids}", headline=headline, ids=ids)


def _headline(kind: ProblemKind, found: list[Problem], lang: Lang) -> str:
    tables = Counter(_in(lang, p.sheet) for p in found)
    per_table = joined(lang, (f"{sheet} {count:,}" for sheet, count in tables.items()))
    if kind == "unknown_customer":
        return tr(
            lang, "{count:,} row(s) name a customer id not in Customers ({tables})", count=len(found), tables=per_table
        )
    if kind == "duplicate_customer":
        return tr(
            lang,
            "{ids:,} customer id(s) appear more than once in Customers, on {count:,} rows",
            ids=len({id_key(p.customer_id) for p in found}),
            count=len(found),
        )
    if kind == "blank_customer":
        return tr(lang, "{count:,} row(s) have no customer id ({tables})", count=len(found), tables=per_table)
    return tr(lang, "{count:,} contact(s) without a customer (customer id blank or not in Customers)", count=len(found))


def check_integrity(customers: IdColumn, others: Iterable[IdColumn], *, blank_ids: bool = False) -> Integrity:
    """Duplicate ids in Customers; rows of ``others`` naming an id Customers lacks; with ``blank_ids``, rows of
    ``others`` with no id at all where every row is one customer's (a quotation or visit that is nobody's). In
    Contacts a blank id is a contact without a customer, a problem of its own."""
    known = {_text(v) for v in customers.ids if _text(v) is not None}
    # C0001, c0001 and Ｃ0001 are one id (id_key): two rows so spelled are one customer twice.
    keys = [None if cid is None else id_key(cid) for cid in map(_text, customers.ids)]
    counts = Counter(keys)
    spelled = Spellings(customers.ids)
    problems = [
        Problem("duplicate_customer", customers.table, customers.sheet, _row(customers, i), str(_text(value)))
        for i, (value, key) in enumerate(zip(customers.ids, keys))
        if key is not None and counts[key] > 1
    ]
    for column in others:
        contacts = column.table == CONTACTS.name
        for i, cid in enumerate(map(_text, column.ids)):
            if cid in known or (cid is None and not contacts and not (blank_ids and _names_one(column.table))):
                continue
            kind: ProblemKind = (
                "contact_without_customer" if contacts else "blank_customer" if cid is None else "unknown_customer"
            )
            meant = meant_id(cid, known, spelled) if kind == "unknown_customer" else None
            number = _text(column.numbers[i]) if column.numbers is not None else None
            problems.append(Problem(kind, column.table, column.sheet, _row(column, i), cid or "", meant, number))
    return Integrity(tuple(problems))


def _names_one(table: str) -> bool:
    """Whether every row of ``table`` is one customer's (a blank id there is a row that is nobody's)."""
    return table not in MAY_NAME_NO_CUSTOMER


def _text(value: object) -> str | None:
    """An id as the analyses group it: text (a number typed as an id keeps its digits), None when blank."""
    if value is None or (isinstance(value, float) and value != value):
        return None
    text = str(value)
    return text if text.strip() else None


def _row(column: IdColumn, i: int) -> int | None:
    return column.rows[i] if column.rows is not None else None


def master_integrity(master: Master, tables: Sequence[TableSchema]) -> Integrity:
    """The problems an analysis meets in ``tables`` of a loaded master (rows shown by table, without row numbers).

    Customers among ``tables`` asks for duplicate ids too.
    """
    customers = IdColumn(CUSTOMERS.name, CUSTOMERS.sheet(master.lang), master.customers["customer_id"].tolist())
    found = check_integrity(
        customers,
        [
            IdColumn(t.name, t.sheet(master.lang), master.frame(t)["customer_id"].tolist())
            for t in tables
            if t.name != CUSTOMERS.name
        ],
    )
    if CUSTOMERS not in tables:
        return Integrity(tuple(p for p in found.problems if p.kind != "duplicate_customer"))
    return found


def require_unique_ids(master: Master, purpose: Rendered) -> None:
    """Refuse a step (``purpose``, e.g. ``msg("grading")``) that needs one Customers row per id (grading: which
    row would get the grade?)."""
    require_unique_customer_ids(master.customers, master.lang, purpose)


def require_unique_customer_ids(customers: pd.DataFrame, lang: Lang, purpose: Rendered) -> None:
    """``require_unique_ids`` on a Customers frame (a store's, read without the master's sales)."""
    column = IdColumn(CUSTOMERS.name, CUSTOMERS.sheet(lang), customers["customer_id"].tolist())
    repeated = check_integrity(column, []).of_kind("duplicate_customer")
    if repeated:
        ids = ", ".join(sorted({p.customer_id for p in repeated}))
        raise InputError(
            msg(
                "{sheet}: customer id(s) {ids} appear more than once; {purpose} needs one row per "
                "customer: make the ids unique (keyacct-xl master check lists the rows)",
                sheet=CUSTOMERS.sheet(lang),
                ids=ids,
                purpose=purpose,
            )
        )


def check_master_file(path: str | Path, *, book: calamine.CalamineWorkbook | None = None) -> Integrity:
    """Every table of the master workbook that names customers, checked against Customers, with Excel rows (rows
    typed under a table that a load reads as its own too); ``book`` is the workbook already opened so."""
    path = Path(path)
    book = book or open_book_as_read(path)
    if CUSTOMERS.name not in book.table_names:
        raise not_a_master(path, [CUSTOMERS])
    customers = _id_column(book, CUSTOMERS.name, path)
    if customers is None:
        raise InputError(
            msg(
                "{path}: sheet {sheet} has no customer id column ({column})",
                path=path,
                sheet=book.get_table_by_name(CUSTOMERS.name).sheet,
                column=CUSTOMER_ID,
            )
        )
    others = [_id_column(book, name, path) for name in book.table_names if name not in (CUSTOMERS.name, SETTINGS.name)]
    stored = _stored_id_columns(book, path)
    return check_integrity(customers, [*(c for c in others if c is not None), *stored], blank_ids=True)


def _stored_id_columns(book: calamine.CalamineWorkbook, path: Path) -> list[IdColumn]:
    """The customer ids of the lines in the master's history store, per table, with their document or receipt
    numbers; their place is the store's table (历史库中的销售明细), with no row."""
    stored = history_lines(path, read_settings(book, path), {})
    return [
        IdColumn(name, _stored(name), lines["customer_id"].tolist(), None, _numbers(lines, name))
        for name, lines in stored.items()
        if len(lines)
    ]


def _stored(table: str) -> Message:
    """The history store's lines of ``table``, as the undo's refusals name them."""
    return msg("{table} in the history store", table=sheet_label(TABLES_BY_NAME[table]))


def _numbers(lines: pd.DataFrame, table: str) -> list[object] | None:
    """Each stored line's document or receipt number, when its table has one."""
    column = LINE_NUMBERS.get(table)
    return None if column is None or column.key not in lines else lines[column.key].tolist()


def _id_column(book: calamine.CalamineWorkbook, name: str, path: Path) -> IdColumn | None:
    """The customer ids of table ``name`` with their Excel rows (blank lines skipped, as the reader does)."""
    table = book.get_table_by_name(name)
    schema = TABLES_BY_NAME.get(name)
    if schema is not None:
        where = table_place(path, table.sheet, name)
        keys = resolve_headers(table.columns, schema.columns, where=where)
        position = next((pos for pos, key in keys.items() if key == CUSTOMER_ID.key), None)
    else:
        position = next((pos for pos, h in enumerate(table.columns) if normalize_header(h) in _ID_HEADERS), None)
    if position is None:
        return None
    lines, rows = table_lines(table, path)

    def texts(at: int) -> list[object]:  # a column's cells read as text: the ids, and the lines' numbers
        return to_texts(
            [line[at] for line in lines], lambda i: Location(path.name, sheet=table.sheet, row=rows[i])
        ).tolist()

    numbered = LINE_NUMBERS.get(name)
    at = next((pos for pos, key in keys.items() if numbered and key == numbered.key), None) if numbered else None
    return IdColumn(name, table.sheet, texts(position), rows, None if at is None else texts(at))


def table_lines(table: calamine.CalamineTable, path: Path) -> tuple[list[list[object]], list[int]]:
    """A workbook table's lines as a check reads them (blank lines skipped, as the reader does) and their Excel rows."""
    all_rows = table.to_python()
    kept = [i for i, r in enumerate(all_rows) if any(v not in ("", None) for v in r)]
    rows = [table_start(table, path)[0] + 1 + i for i in kept]  # start is the first body row, 0-based
    return [[*all_rows[i]] for i in kept], rows
