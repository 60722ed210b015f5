"""A formula a rep typed into a form's field: never run, stored as the rep meant it, and reported at its cell.

calamine gives a formula cell's value only, so ``=HYPERLINK("http://evil.example","点击")`` typed into 拜访内容 came
as 点击 and what the rep typed was replaced by what it showed without a word. The formulas of the form's entered
cells (every field but the computed ones) are read from the file itself (keyacct_xl.cellformulas, in the pass that
reads the totals' formulas). A text or signature cell is read as its formula's text (``=HYPERLINK(…)``): stored as
text like any cell starting with = (docs/consolidation.md, "Security of values"). Any other field (a phone, an
e-mail, an amount, a date, a choice) keeps the value its formula showed, which is the value the field asks for
(``=HYPERLINK("tel:+6561234567","+65 6123 4567")`` in 电话 is the number +65 6123 4567). Either way a warning names
the cell and quotes the formula and what it showed. A formula whose text the file does not give back (an ``.xls``
formula of functions it does not read) keeps the value it showed, with a warning saying so.
"""

from __future__ import annotations

from collections.abc import Mapping

from keyacct_xl.cellformulas import Cell, CellFormulas
from keyacct_xl.consolidate.model import CellValue, Extracted, FormulaCell, Issue
from keyacct_xl.consolidate.outside import as_shown
from keyacct_xl.forms.layout import TITLE_FIELD_SPECS
from keyacct_xl.forms.spec import FieldSpec, FormSpec
from keyacct_xl.messages import msg
from keyacct_xl.xlsx.ooxml import column_letter, split_ref

_TEXT_TYPES = ("text", "signature")  # fields whose value is the text typed


def entered_cells(spec: FormSpec, extracted: Extracted, sheet: str) -> dict[Cell, FieldSpec]:
    """The cells (0-based) of the form's entered fields on ``sheet`` (all but the computed ones), each with its field:
    those showing a value and the blank ones (a formula saved without the value it shows reads blank, and was
    dropped without a word)."""
    fields = {f.key: f for f in (*TITLE_FIELD_SPECS.values(), *spec.header_fields)}
    cells: dict[Cell, FieldSpec] = {}
    for key, cell in extracted.header.items():
        field = fields.get(key)
        if field is not None and not field.formula and cell.sheet == sheet and cell.ref:
            row, col = split_ref(cell.ref)
            cells[(row - 1, col - 1)] = field
    for section in spec.tables:
        table = extracted.tables.get(section.id)
        if table is None or table.sheet != sheet:
            continue
        for field in section.fields:
            column = table.columns.get(field.key)
            if field.formula or column is None:
                continue
            # blank ones too: a formula a program wrote without the value it shows (openpyxl, a script) reads blank
            cells.update({(row - 1, column): field for row, values in table.rows if column < len(values)})
    return cells


def computed_cells(spec: FormSpec, extracted: Extracted, sheet: str) -> list[Cell]:
    """The cells (0-based) of the form's computed columns (金额 = 数量 × 单价) on ``sheet``, on every line read."""
    cells: list[Cell] = []
    for section in spec.tables:
        table = extracted.tables.get(section.id)
        if table is None or table.sheet != sheet:
            continue
        columns = [table.columns[f.key] for f in section.fields if f.formula and f.key in table.columns]
        cells.extend((row - 1, column) for row, _ in table.rows for column in columns)
    return cells


def lost_formulas(sheet: str, cells: list[Cell], held: Mapping[Cell, str] | None) -> frozenset[tuple[str, str]]:
    """The (sheet, reference) of those computed ``cells`` of ``sheet`` that hold no formula (a line inserted in a
    spreadsheet program does not get its column's formula; a number typed over it replaces it); none known when the
    file's formulas could not be read (``held`` None)."""
    if held is None:
        return frozenset()
    return frozenset((sheet, f"{column_letter(c + 1)}{r + 1}") for r, c in cells if (r, c) not in held)


def take_formulas(extracted: Extracted, sheet: str, cells: Mapping[Cell, FieldSpec], held: Mapping[Cell, str]) -> None:
    """Read each of ``cells`` that holds a formula (``held``, as the file keeps it) as the formula's text, when the
    file gives it back, and note each for the report (formula_issues)."""
    found = {cell: formula for cell, formula in held.items() if cell in cells}
    if not found:
        return
    # What a formula of constants shows, where the file keeps another value (an .xls LibreOffice saved keeps 0).
    shows = held.shows if isinstance(held, CellFormulas) else {}
    for key, value in list(extracted.header.items()):
        if value.sheet == sheet and value.ref:
            row, col = split_ref(value.ref)
            at = (row - 1, col - 1)
            if at in found:
                extracted.header[key] = _typed(extracted, value, found[at], cells[at], shows.get(at))
    for table in extracted.tables.values():
        if table.sheet != sheet:
            continue
        rows = []
        for row, values in table.rows:
            typed = [c for c in table.columns.values() if (row - 1, c) in found and c < len(values)]
            if typed:
                values = list(values)  # the sheet's own row stays as read (the text outside the fields is read from it)
                for c in typed:
                    place = CellValue(values[c], table.sheet, f"{column_letter(c + 1)}{row}")
                    at = (row - 1, c)
                    values[c] = _typed(extracted, place, found[at], cells[at], shows.get(at)).value
            rows.append((row, values))
        table.rows = rows


def _typed(extracted: Extracted, cell: CellValue, formula: str, field: FieldSpec, shows: str | None) -> CellValue:
    """A text cell read as its formula's text, any other field's as the value it shows (as the cell when the file
    does not give the text back); the formula noted with what it shows (``shows``, else the value the file keeps)."""
    shown = cell if shows is None else CellValue(shows, cell.sheet, cell.ref)
    as_text = field.type in _TEXT_TYPES
    extracted.formulas.append(FormulaCell(field.label, shown, formula, as_text))
    if not formula:
        return cell
    return CellValue("=" + formula, cell.sheet, cell.ref) if as_text else shown


def formula_issues(file: str, formulas: list[FormulaCell]) -> list[Issue]:
    """One warning per cell that held a formula, naming the cell and quoting the formula and what it showed."""
    issues = []
    for typed in formulas:
        shown = "" if typed.cell.value is None else as_shown(typed.cell.value)
        if typed.formula and not typed.as_text:
            why = (
                msg(
                    "the cell holds the formula ={formula} (showing {shown}): the value it shows is stored, never the "
                    "formula",
                    formula=typed.formula,
                    shown=shown,
                )
                if shown
                else msg(
                    "the cell holds the formula ={formula}, and the file keeps no value it shows (written by a program "
                    "that does not work formulas out): the field is left blank; type the value itself",
                    formula=typed.formula,
                )
            )
            value = "=" + typed.formula
        elif typed.formula and not shown:
            why = msg(
                "the cell holds the formula ={formula}, and the file keeps no value it shows (written by a program "
                "that does not work formulas out): stored as its text, never as a formula",
                formula=typed.formula,
            )
            value = "=" + typed.formula
        elif typed.formula:
            why = msg(
                "the cell holds the formula ={formula} (showing {shown}): stored as its text, never as a formula",
                formula=typed.formula,
                shown=shown,
            )
            value = "=" + typed.formula
        else:
            why = msg(
                "the cell holds a formula whose text this file does not give back (showing {shown}): "
                "the value it showed is stored",
                shown=shown,
            )
            value = shown
        issues.append(Issue(file, typed.cell.sheet, typed.cell.ref, typed.label, value, why, "warning"))
    return issues
