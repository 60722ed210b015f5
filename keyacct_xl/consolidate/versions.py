"""A copy filled on an earlier version of a form, read as the current version (the spec's ``changes``).

Recognition reads an older copy through its own ``_meta`` field map, so its cells come keyed by that version's
field keys. Here a renamed field takes its new key (its values land in the new column), and a field the current
version no longer has (dropped, or never declared) is kept as typed: its values go into the ingestion ledger's
header data under its old key (a table column as ``section.key``, cell by cell), each with a warning, so nothing
a rep typed is lost.
"""

from __future__ import annotations

import datetime as dt

from keyacct_xl.consolidate.model import CellValue, Extracted, FileOutcome, Issue, TableRows
from keyacct_xl.forms.spec import FormSpec
from keyacct_xl.messages import msg
from keyacct_xl.parsing import is_blank
from keyacct_xl.xlsx.ooxml import column_letter


def _plain(value: object) -> object:
    """A raw cell value as the ledger's JSON keeps it."""
    return value.isoformat() if isinstance(value, (dt.date, dt.datetime, dt.time)) else value


class _Upgrade:
    """The issues and kept values of reading one older copy."""

    def __init__(self, outcome: FileOutcome, spec: FormSpec, version: int) -> None:
        self.outcome, self.spec, self.version = outcome, spec, version
        self.kept: dict[str, object] = {}

    def renamed(self, old: str, new: str, changed: int, sheet: str, cell: str) -> None:
        field = next((f for s in self.spec.sections for f in s.fields if f.key == new), None)
        label = field.label if field else new
        read_as = msg(
            "field {old} of version {version} was renamed in version {changed}: read as {label}",
            old=old,
            version=self.version,
            changed=changed,
            label=label,
        )
        self.outcome.issues.append(Issue(self.outcome.name, sheet, cell, label, "", read_as, "warning"))

    def keep(self, key: str, value: object, sheet: str, cell: str, dropped_in: int) -> None:
        self.kept[key] = value
        if dropped_in:
            why = msg(
                "field {key} of version {version} was dropped in version {dropped}: what was typed is kept in the "
                "ingestion ledger's header data",
                key=key,
                version=self.version,
                dropped=dropped_in,
            )
        else:
            why = msg(
                "field {key} of version {version} is not on version {current}: what was typed is kept in the "
                "ingestion ledger's header data",
                key=key,
                version=self.version,
                current=self.spec.version,
            )
        self.outcome.issues.append(Issue(self.outcome.name, sheet, cell, key, "", why, "warning"))

    def header(self, header: dict[str, CellValue]) -> dict[str, CellValue]:
        current = self.spec.field_keys()
        read: dict[str, CellValue] = {}
        for key, cell in header.items():
            now, changed = self.spec.key_now(key, self.version)
            if now is not None and now in current:
                read[now] = cell
                if now != key and not is_blank(cell.value):
                    self.renamed(key, now, changed, cell.sheet, cell.ref)
            elif not is_blank(cell.value):
                self.keep(key, _plain(cell.value), cell.sheet, cell.ref, changed if now is None else 0)
        return read

    def table(self, section_id: str, table: TableRows) -> TableRows:
        current = self.spec.field_keys(section_id)
        columns: dict[str, int] = {}
        for key, col in table.columns.items():
            now, changed = self.spec.key_now(key, self.version)
            letter = column_letter(col + 1)
            typed = {
                f"{letter}{r}": _plain(values[col])
                for r, values in table.rows
                if col < len(values) and not is_blank(values[col])
            }
            if now is not None and now in current:
                columns[now] = col
                if now != key and typed:  # named at its first typed cell; an empty column needs no word
                    self.renamed(key, now, changed, table.sheet, next(iter(typed)))
            elif typed:
                self.keep(f"{section_id}.{key}", typed, table.sheet, next(iter(typed)), changed if now is None else 0)
        return TableRows(table.sheet, columns, table.rows, table.area, below=table.below)


def read_as_current(outcome: FileOutcome, extracted: Extracted, spec: FormSpec) -> dict[str, object]:
    """Rekey an older copy's cells to ``spec``'s fields in place; returns the values no current field takes, by key.

    A copy of the current version is left as it is (nothing to return).
    """
    if extracted.version >= spec.version:
        return {}
    upgrade = _Upgrade(outcome, spec, extracted.version)
    extracted.header = upgrade.header(extracted.header)
    extracted.tables = {section_id: upgrade.table(section_id, table) for section_id, table in extracted.tables.items()}
    return upgrade.kept
