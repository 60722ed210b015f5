"""A table's totals as a returned form holds them: a number typed over a 合计 formula, or a formula not the form's.

The form writes each total as ``=SUM`` over its table's column (keyacct_xl.forms.generator) and consolidation reads
the lines, never the total. A rep who lifts the protection and types a number over a total (in Excel, WPS or
LibreOffice) leaves a sheet whose total is not the sum of the lines that land; so does one who edits the formula
(``=SUM(F12:F15)``, ``=SUM(F12:F18)+500``) or inserts a line between the table and its totals row, which the
formula does not reach. Each such total is a warning quoting what the sheet holds and the lines' own sum; the lines
land as read. A total that kept the form's formula is the form's, whichever program saved the file; one whose formula
the file does not give back (an ``.xls`` formula of functions keyacct_xl.cellformulas does not read) cannot be
compared, and is a warning saying it was not checked, never taken as the form's.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TypeGuard

from keyacct_xl.cellformulas import Cell, Formulas
from keyacct_xl.consolidate.headermatch import form_content_row, form_labels
from keyacct_xl.consolidate.model import CellValue, ChangedTotal, CheckedRow, Issue, TableRows
from keyacct_xl.consolidate.outside import as_shown
from keyacct_xl.forms.content import total_label
from keyacct_xl.forms.layout import FORM_LANGS
from keyacct_xl.forms.spec import FormSpec
from keyacct_xl.messages import Message, amount_text, msg
from keyacct_xl.parsing import is_blank
from keyacct_xl.xlsx.ooxml import column_letter

_SUM_RANGE = re.compile(r"SUM\(([A-Z]+)(\d+):(\1)(\d+)\)")  # =SUM(F12:F18), one column
TOTAL_LABELS = frozenset(total_label(lang).strip() for lang in FORM_LANGS)
Merged = Sequence[tuple[Cell, Cell]]


@dataclass(frozen=True)
class TotalPlace:
    """Where a table's total stands on the form sheet and the formula the form gives it there."""

    section: str
    key: str
    cell: Cell
    ours: str  # without "=", as a sheet part writes it: SUM(F12:F18)


def total_places(
    spec: FormSpec, tables: Mapping[str, TableRows], sheet: str, rows: Sequence[Sequence[object]], merged: Merged
) -> list[TotalPlace]:
    """Each total of the form's tables on ``sheet`` (its rows and merged ranges) as read: on the totals row, the first
    row of the form's own content under the table (lines inserted above it are the table's), summing the table's
    column from its first line down to the row above."""
    places = []
    labels = form_labels(spec)
    for section in spec.tables:
        table = tables.get(section.id)
        summed = [f.key for f in section.fields if f.total and table is not None and f.key in table.columns]
        if table is None or not summed or not table.area or table.sheet != sheet:
            continue
        span = (min(table.columns.values()), max(table.columns.values()))
        row = form_content_row(rows, table.area.stop - 1, len(rows), span, merged, labels)
        shown = rows[row][span[0] : span[1] + 1] if row < len(rows) else ()
        if not any(isinstance(v, str) and v.strip() in TOTAL_LABELS for v in shown):
            continue  # the totals row was deleted: nothing to compare
        for key in summed:
            letter = column_letter(table.columns[key] + 1)
            places.append(
                TotalPlace(section.id, key, (row, table.columns[key]), f"SUM({letter}{table.area.start}:{letter}{row})")
            )
    return places


def changed_totals(
    places: Iterable[TotalPlace], sheet: str, rows: Sequence[Sequence[object]], formulas: Formulas
) -> list[ChangedTotal]:
    """The totals of ``places`` that a value was typed over (a text typed there is text outside the fields,
    consolidate.outside), whose formula is not the form's or whose formula's text the file does not give back, and
    those keeping the form's formula that show a number (compared with the lines, total_issues); none when the file's
    formulas cannot be read."""
    places = list(places)
    held = formulas([p.cell for p in places]) if places else None
    if held is None:
        return []
    changed = []
    for place in places:
        r, c = place.cell
        value = rows[r][c] if r < len(rows) and c < len(rows[r]) else None
        ref = f"{column_letter(c + 1)}{r + 1}"
        if place.cell in held:
            formula = held[place.cell]
            if not formula or _plain(formula) != place.ours or _is_number(value):
                changed.append(
                    ChangedTotal(
                        place.section, place.key, CellValue(value, sheet, ref), formula, place.ours, not formula
                    )
                )
        elif not isinstance(value, str) and not is_blank(value):
            changed.append(ChangedTotal(place.section, place.key, CellValue(value, sheet, ref), "", place.ours))
    return changed


def _is_number(value: object) -> TypeGuard[int | float]:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _plain(formula: str) -> str:
    """A formula as compared with the form's: no ``=``, no ``$``, no spaces, upper case."""
    return formula.strip().lstrip("=").replace("$", "").replace(" ", "").upper()


def total_issues(
    file: str, spec: FormSpec, changed: Iterable[ChangedTotal], lines: Iterable[CheckedRow]
) -> list[Issue]:
    """One warning per changed total, naming its cell, quoting what it holds and the sum of the lines that land."""
    lines = [line for line in lines if line.ok]
    issues = []
    for total in changed:
        field = next(f for f in spec.section(total.section).fields if f.key == total.key)
        amounts = [line.values.get(total.key) for line in lines if line.section == total.section]
        summed = sum(v for v in amounts if _is_number(v))
        kept = not total.unread and _plain(total.formula) == total.ours
        if kept and math.isclose(float(total.cell.value), summed, rel_tol=1e-9, abs_tol=0.005):  # type: ignore[arg-type]
            continue  # the form's own total, showing what its lines add up to
        shows = _amount(float(total.cell.value), field.type) if kept else None  # type: ignore[arg-type]
        shown, why = _told(total, _amount(summed, field.type), shows)
        issues.append(Issue(file, total.cell.sheet, total.cell.ref, field.label, shown, why, "warning"))
    return issues


def _told(total: ChangedTotal, lines_sum: str, kept_shows: str | None) -> tuple[str, Message]:
    """What a changed total holds, as the report quotes it, and why it is reported (``kept_shows``: the sum a total
    keeping the form's formula shows, other than the lines')."""
    sheet, cell = total.cell.sheet, total.cell.ref
    if kept_shows is not None:
        shown = as_shown(total.cell.value)
        why = msg(
            "{sheet}!{cell}: the total shows {shown}, but the lines add up to {lines} (the sheet sums what its lines "
            "show: an amount typed as text, or a line's cell without the column's formula, counts as nothing there): "
            "not read, the master records the lines",
            sheet=sheet,
            cell=cell,
            shown=kept_shows,
            lines=lines_sum,
        )
    elif total.unread:
        shown = "" if total.cell.value is None else as_shown(total.cell.value)
        why = msg(
            "{sheet}!{cell}: the total holds a formula whose text this file does not give back (showing {shown}): "
            "not checked against the lines (they add up to {lines}), the master records the lines",
            sheet=sheet,
            cell=cell,
            shown=shown,
            lines=lines_sum,
        )
    elif (short := _stops_short(total.formula, total.ours)) is not None:
        why = msg(
            "{sheet}!{cell}: the total ={formula} ends at row {end}, above the table's last line in row {last} (a "
            "formula does not widen over rows inserted under its range; the form's is ={ours}, the lines add up to "
            "{lines}): not read, the master records the lines",
            sheet=sheet,
            cell=cell,
            formula=total.formula,
            end=short[0],
            last=short[1],
            ours=total.ours,
            lines=lines_sum,
        )
        shown = "=" + total.formula
    elif total.formula:
        why = msg(
            "{sheet}!{cell}: the total's formula was changed to ={formula} (the form's is ={ours}; the lines add "
            "up to {lines}): not read, the master records the lines",
            sheet=sheet,
            cell=cell,
            formula=total.formula,
            ours=total.ours,
            lines=lines_sum,
        )
        shown = "=" + total.formula
    else:
        shown = as_shown(total.cell.value)
        why = msg(
            "{sheet}!{cell}: the total was overwritten with the number {typed} (the lines add up to {lines}): not "
            "read, the master records the lines",
            sheet=sheet,
            cell=cell,
            typed=shown,
            lines=lines_sum,
        )
    return shown, why


def _stops_short(formula: str, ours: str) -> tuple[int, int] | None:
    """The row a total's ``SUM`` ends at and the row the form's ends at, when it sums the same column from the same
    first line and ends above it: the rows a rep inserted under the last line of its range, which no spreadsheet
    program adds to it (or a range cut short)."""
    theirs, form = _SUM_RANGE.fullmatch(_plain(formula)), _SUM_RANGE.fullmatch(ours)
    if theirs is None or form is None or theirs.group(1, 2, 3) != form.group(1, 2, 3):
        return None
    end, last = int(theirs.group(4)), int(form.group(4))
    return (end, last) if end < last else None


def _amount(value: float, kind: str) -> str:
    """A sum as a report shows it: 4,200 or 4,200.50; a percent column's as 100%."""
    if kind == "percent":
        return f"{value * 100:,.2f}".rstrip("0").rstrip(".") + "%"
    return amount_text(value)
