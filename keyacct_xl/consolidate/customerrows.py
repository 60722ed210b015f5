"""The rows of a customer list typed as the master's Customers columns are: text trimmed, dates as people type
them (2025.3.5, 2025/03/05, 2025年1月8日), phones as text, numbers and whole numbers as the master reads them.

Every value goes through the master's own converters (keyacct_xl/master/convert.py), so a list cell is taken or
refused exactly as the same cell in 客户档案 would be; a refused cell refuses its row, named by sheet and cell. A phone
stored as a number (13812345678.0, also as that text in a CSV) becomes its digits; one shown in scientific notation
lost its last digits and is refused; a number of 9 to 11 digits that is no mobile number (1xx xxxx xxxx) looks like a
landline whose leading 0 Excel dropped (025 8400 1234 stored as 2584001234) and is kept as typed with a warning.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from keyacct_xl.analytics.apply import grade_entry
from keyacct_xl.consolidate.changes import shown
from keyacct_xl.consolidate.customerlist import CustomerList, ListColumn, ListRow
from keyacct_xl.consolidate.fieldcheck import FieldProblem, code_text, looks_like_phone, lost_leading_zero
from keyacct_xl.errors import InputError
from keyacct_xl.master.convert import convert
from keyacct_xl.master.schema import CUSTOMERS
from keyacct_xl.messages import Location, Rendered, listing, msg
from keyacct_xl.parsing import is_blank

PHONE_KEYS = frozenset({"phone", "fax"})
NON_NEGATIVE = ("credit_limit", "payment_terms_days")


@dataclass(frozen=True)
class CellProblem:
    """A cell of the list that was refused or warned about: where, its column, the value as typed and why."""

    place: Location
    cell: str
    column: ListColumn
    value: object
    reason: Rendered
    named: bool = False  # the reason names the place already (the master's converter says where a cell is)

    def said(self) -> Rendered:
        """The problem as the console and the report say it: the place, then the reason."""
        return self.reason if self.named else msg("{where}: {problem}", where=self.place, problem=self.reason)


@dataclass
class TypedRow:
    """One list row as Customers values (keys of the columns the list has), with its refused and warned cells."""

    row: ListRow
    values: dict[str, object] = field(default_factory=dict)
    refused: list[CellProblem] = field(default_factory=list)
    warnings: list[CellProblem] = field(default_factory=list)
    id_place: Location | None = None  # the customer id cell, named when the id is read as the master spells it
    id_cell: str = ""  # that cell's name (A7), for the report's cells column

    @property
    def ok(self) -> bool:
        """True when no cell of the row was refused."""
        return not self.refused


def typed_rows(customer_list: CustomerList, *, grades: Sequence[str], credit_grades: Sequence[str]) -> list[TypedRow]:
    """Each row of the list with its values typed column by column and checked (``checked_values``); a row without
    a customer name is refused."""
    rows = [TypedRow(r) for r in customer_list.rows]
    for column in customer_list.recognised:
        assert column.key is not None  # recognised columns have one
        kind = CUSTOMERS.column(column.key).kind
        raw = [_trimmed(r.row.cell(column.position)) for r in rows]
        for i, typed in enumerate(rows):
            value, problem = raw[i], None
            if column.key in PHONE_KEYS and not is_blank(value):
                value, problem = phone_text(value)
                if problem is not None:
                    where = _problem(customer_list, typed.row, column, raw[i], problem)
                    (typed.warnings if value is not None else typed.refused).append(where)
                if value is None:
                    continue
            raw[i] = value
        for i, value in _column_values(customer_list, rows, column, raw, kind):
            if not is_blank(value):
                rows[i].values[column.key] = value
                if column.key == "customer_id":
                    rows[i].id_place = customer_list.place(rows[i].row, column)
                    rows[i].id_cell = customer_list.cell_name(rows[i].row, column)
    name = next((c for c in customer_list.recognised if c.key == "name"), None)
    for typed in rows:
        if name is not None and "name" not in typed.values and not any(p.column is name for p in typed.refused):
            typed.refused.append(_problem(customer_list, typed.row, name, None, msg("the customer name is blank")))
    checked_values(customer_list, rows, {"grade": grades, "credit_grade": credit_grades})
    return rows


def checked_values(customer_list: CustomerList, rows: list[TypedRow], grades: Mapping[str, Sequence[str]]) -> None:
    """Refuse the cells the master would not hold as typed, as ``grade apply`` refuses them: a grade or credit grade
    that is none of ``grades`` (key -> the grades; ``a``, ``A类`` read as A, by analytics.apply.grade_entry; text
    such as ``=1+1`` stays text and is no grade), a negative credit limit or payment terms."""
    columns = {c.key: c for c in customer_list.recognised}
    for typed in rows:
        for key, allowed in grades.items():
            value = typed.values.get(key)
            if key not in columns or value is None:
                continue
            entry = grade_entry(value, allowed)
            if entry in allowed:
                typed.values[key] = entry
                continue
            reason = msg("{value!r} is not one of {allowed}", value=value, allowed=listing(allowed))
            typed.refused.append(_problem(customer_list, typed.row, columns[key], value, reason))
        for key in NON_NEGATIVE:
            value = typed.values.get(key)
            if key in columns and isinstance(value, (int, float)) and value < 0:
                reason = msg(
                    "{value} is negative: {column} is 0 or more", value=shown(value), column=CUSTOMERS.column(key)
                )
                typed.refused.append(_problem(customer_list, typed.row, columns[key], value, reason))


def _trimmed(value: object) -> object:
    """Text without the spaces around it (trailing spaces after a pasted name); blank text is None."""
    if isinstance(value, str):
        text = value.strip()
        return text or None
    return value


def _column_values(
    customer_list: CustomerList, rows: list[TypedRow], column: ListColumn, raw: list[object], kind: str
) -> list[tuple[int, object]]:
    """The column's values typed by the master's converter: all at once, else cell by cell to name the bad ones."""
    kept = [i for i, r in enumerate(rows) if not any(p.column is column for p in r.refused)]
    values = [raw[i] for i in kept]
    try:
        series = convert(values, kind, lambda j: customer_list.place(rows[kept[j]].row, column))  # type: ignore[arg-type]
        return [(i, _plain(v)) for i, v in zip(kept, series.tolist())]
    except InputError:
        pass  # some cell is bad: each is typed on its own, so the good ones are kept and the bad ones named
    out: list[tuple[int, object]] = []
    for i in kept:
        try:
            where: Location = customer_list.place(rows[i].row, column)
            [value] = convert([raw[i]], kind, lambda _, where=where: where).tolist()  # type: ignore[arg-type, misc]
        except InputError as exc:  # its message names the cell, as the master's reader names a bad cell
            rows[i].refused.append(_problem(customer_list, rows[i].row, column, raw[i], exc.wording, named=True))
            continue
        out.append((i, _plain(value)))
    return out


def _plain(value: object) -> object:
    """A typed value with pandas' missing markers as None."""
    return None if is_blank(value) or value != value else value


def _problem(
    customer_list: CustomerList, row: ListRow, column: ListColumn, value: object, reason: Rendered, named: bool = False
) -> CellProblem:
    place, cell = customer_list.place(row, column), customer_list.cell_name(row, column)
    return CellProblem(place, cell, column, value, reason, named)


def phone_text(value: object) -> tuple[str | None, Rendered | None]:
    """A phone cell as text and what to say about it: (text, None), (text, warning) or (None, refusal)."""
    if isinstance(value, bool) or (isinstance(value, (int, float)) and not float(value).is_integer()):
        return None, msg("{value} is not a phone number", value=value)
    try:
        text = unicodedata.normalize("NFKC", code_text(value)[0])
    except FieldProblem as problem:
        return None, problem.reason
    if not looks_like_phone(text):  # 待补, a name beside the number: kept (the list is the manager's), but told
        return text, msg("{value} does not look like a phone number: kept as typed, check it", value=text)
    return text, lost_leading_zero(text)
