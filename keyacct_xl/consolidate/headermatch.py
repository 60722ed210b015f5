"""Recognize a workbook without ``_meta`` by its headers: a rep who retyped a form into a fresh workbook.

A row of a visible sheet holding most of a form table's column labels (zh, en or bilingual) identifies the form;
the rows below it, up to the first blank row, are its lines; header fields are read from the cell right of their
label. The table must show every required column and at least 40 % of all its columns; the best share wins.
Hidden sheets are never read.
"""

from __future__ import annotations

from collections.abc import Mapping

import python_calamine as calamine

from keyacct_xl.consolidate.model import CellValue, Extracted, TableRows, texts
from keyacct_xl.consolidate.safety import Rejection
from keyacct_xl.forms.layout import TITLE_FIELD_SPECS
from keyacct_xl.forms.spec import FieldSpec, FormSpec
from keyacct_xl.headers import normalize_header
from keyacct_xl.messages import msg
from keyacct_xl.xlsx.ooxml import column_letter

# A retyped table keeps the columns that matter: every required one, and at least 40 % (3+) of all.
MIN_SHARE = 0.4
MIN_COLUMNS = 3
MAX_SCAN_ROWS = 20_000
_LABEL_REACH = 6  # how far right of a label its value may sit (merged input cells)


def _names(field: FieldSpec) -> set[str]:
    label = field.label
    return {normalize_header(n) for n in (field.key, label.zh, label.en, label.zh + label.en)}


def _header_row(rows: list[list[object]], fields: tuple[FieldSpec, ...]) -> tuple[int, dict[str, int], float]:
    """Best row index, field key -> column index, and the share of fields found."""
    names = [(f.key, _names(f)) for f in fields]
    best = (-1, {}, 0.0)
    for r, row in enumerate(rows[:200]):  # headers sit near the top of a form
        texts = [normalize_header(v) if isinstance(v, str) else "" for v in row]
        found = {}
        for key, variants in names:
            for c, text in enumerate(texts):
                if text and text in variants and c not in found.values():
                    found[key] = c
                    break
        share = len(found) / len(fields)
        if share > best[2]:
            best = (r, found, share)
    return best


def match_by_headers(book: calamine.CalamineWorkbook, specs: Mapping[str, FormSpec], name: str) -> Extracted:
    """The best-matching form over every sheet, or Rejection("not_form")."""
    best: tuple[float, str, str, int, dict[str, int], list[list[object]]] | None = None
    # A hidden sheet is never read as the form: what the rep (and the manager opening the file) sees is the truth.
    visible = [m.name for m in book.sheets_metadata if m.visible == calamine.SheetVisibleEnum.Visible]
    for sheet in visible:
        rows = book.get_sheet_by_name(sheet).to_python(skip_empty_area=False, nrows=MAX_SCAN_ROWS)
        for spec in specs.values():
            for section in spec.tables[:1]:
                r, found, share = _header_row(rows, section.fields)
                complete = all(f.key in found for f in section.fields if f.required)
                enough = share >= MIN_SHARE and len(found) >= MIN_COLUMNS
                if complete and enough and (best is None or share > best[0]):
                    best = (share, spec.id, sheet, r, found, rows)
    if best is None:
        raise Rejection(
            "not_form",
            *texts(msg("not a form: no _meta sheet and no sheet whose headers match a form")),
        )
    share, form_id, sheet, header_row, columns, rows = best
    spec = specs[form_id]

    # Computed columns do not make a line: a legacy .xls keeps 0 where the form showed "" (as _check_table).
    computed = {f.key for f in spec.tables[0].fields if f.formula}
    entered = [c for key, c in columns.items() if key not in computed]

    def filled(r: int) -> int:
        return sum(c < len(rows[r]) and rows[r][c] not in ("", None) for c in entered)

    end = next((r for r in range(header_row + 1, len(rows)) if not filled(r)), len(rows))
    lines = [(r + 1, rows[r]) for r in range(header_row + 1, end)]
    header = _header_fields(rows, spec, sheet, skip=range(header_row, end))  # above and below the table
    warnings = [
        texts(
            msg(
                "no _meta sheet: recognized by its headers as {form_id} ({share:.0%} of the columns)",
                form_id=form_id,
                share=share,
            )
        )
    ]
    # The lines end at the first blank row; rows below that look like lines (not a notes or totals row) are
    # reported rather than dropped unseen.
    below = [r + 1 for r in range(end, len(rows)) if filled(r) >= MIN_COLUMNS]
    if below:
        warnings.append(
            texts(
                msg(
                    "{count} filled row(s) below the blank row {blank} were not read (first: row {first}); "
                    "remove the blank row to have them read",
                    count=len(below),
                    blank=end + 1,
                    first=below[0],
                )
            )
        )
    return Extracted(form_id, 0, {}, header, {spec.tables[0].id: TableRows(sheet, columns, lines)}, warnings)


def _header_fields(rows: list[list[object]], spec: FormSpec, sheet: str, *, skip: range) -> dict[str, CellValue]:
    """Header fields by their labels anywhere on the sheet but in the ``skip`` rows (the table's)."""
    fields = [TITLE_FIELD_SPECS[k] for k in spec.title_fields] + list(spec.header_fields)
    labels = {n for f in fields for n in _names(f)}
    found: dict[str, CellValue] = {}
    for f in fields:
        variants = _names(f)
        for r, row in enumerate(rows):
            if r in skip:
                continue
            for c, value in enumerate(row):
                if isinstance(value, str) and normalize_header(value) in variants and f.key not in found:
                    found[f.key] = _value_right_of(row, r, c, sheet, labels)
    return found


def _value_right_of(row: list[object], r: int, c: int, sheet: str, labels: set[str]) -> CellValue:
    for k in range(c + 1, min(c + 1 + _LABEL_REACH, len(row))):
        value = row[k]
        if value in ("", None):
            continue
        if isinstance(value, str) and normalize_header(value) in labels:
            break  # the next label: this field was left empty
        return CellValue(value, sheet, f"{column_letter(k + 1)}{r + 1}")
    return CellValue(None, sheet, f"{column_letter(c + 2)}{r + 1}")
