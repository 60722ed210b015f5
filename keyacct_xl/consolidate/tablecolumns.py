"""Which column of a returned form's table holds each field: the one its header names, wherever it now stands.

``_meta`` records each field's column as the form was generated; a rep who lifts the sheet's protection can insert a
column into the table (a remark before 回访记录), and every column right of it moves while ``_meta`` does not. Read
by those places, the remark became the visit's record, the rating its problems and the next visit's date the
customer's signature, and the file was accepted. The table's column names (its table part, as Excel and LibreOffice
keep them with the header cells) say where each field went; the place ``_meta`` recorded is taken only for a field
no header names while the table is still as wide as the form made it (a header retyped in place, an older version's
label), and never when the header there names another field. A column that is no field is told of with its header.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from keyacct_xl.consolidate.headermatch import field_by_alias, field_names
from keyacct_xl.forms.spec import FieldSpec, SectionSpec
from keyacct_xl.headers import normalize_header


@dataclass(frozen=True)
class Placed:
    """Each field's 0-based column within the table, the columns that hold no field and the fields not found."""

    columns: dict[str, int]
    extra: list[int]
    missing: list[str]


def place_columns(section: SectionSpec, headers: Sequence[object], recorded: Mapping[str, int]) -> Placed:
    """Where each field of ``recorded`` (key -> 1-based column, as ``_meta`` records it) is in a table whose columns
    are named ``headers``: by its name, else by a name the master gives its column (客户代码 for 客户编号), else at
    the recorded place while the table keeps its width and the header there names no field."""
    names = [normalize_header(h) if isinstance(h, str) else "" for h in headers]
    fields = {f.key: f for f in section.fields if f.key in recorded}
    taken: dict[str, int] = {}
    # Names first for every field, then the master's names: a retyped header never takes a column another field's
    # own name holds.
    for matches in (_by_name, _by_alias):
        for key, spec in fields.items():
            at = next((i for i, n in enumerate(names) if i not in taken.values() and matches(n, spec)), None)
            if key not in taken and at is not None:
                taken[key] = at
    # A header naming a field of the map says the column is that field's (an older copy's renamed field may show a
    # label the current version gives another key: its place is still its own).
    naming = {i for i, n in enumerate(names) if any(_by_name(n, f) for f in fields.values())}
    if len(headers) == len(recorded):
        for key, column in recorded.items():
            free = 0 < column <= len(headers) and column - 1 not in taken.values() and column - 1 not in naming
            if key not in taken and free:
                taken[key] = column - 1
    return Placed(
        {key: taken[key] for key in recorded if key in taken},  # in the form's order, as _meta lists them
        [i for i in range(len(headers)) if i not in taken.values()],
        [key for key in recorded if key not in taken],
    )


def _by_name(name: str, spec: FieldSpec) -> bool:
    return bool(name) and name in field_names(spec)


def _by_alias(name: str, spec: FieldSpec) -> bool:
    return bool(name) and field_by_alias(name, [spec]) is not None
