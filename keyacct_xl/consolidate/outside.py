"""Text a rep typed outside a form's fields: a note beside a field, a line right of a table, a remark under the form.

A protected sheet keeps reps in its input cells, but its protection can be lifted (no password, or the sheet copied)
in Excel, WPS and LibreOffice. Consolidation reads only the fields and the tables' lines, so every other cell that
holds something the form itself does not (keyacct_xl.forms.content) is reported, never dropped unseen: on the form
sheet, the instructions sheet and any sheet a rep added; the form's own hidden helper sheets (``_meta``, the lists)
are not looked at. What the form holds is matched by its text wherever it stands, so lines added to a table (a
pre-filled plan, a row inserted in Excel) and rows a rep inserted do not make the form's own labels look typed; a
total counts as the form's where its row shows the totals label.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass

from keyacct_xl.consolidate.changes import shown
from keyacct_xl.consolidate.headermatch import computed_keys, form_names
from keyacct_xl.consolidate.model import CellValue, Extracted, Issue, TableRows, texts
from keyacct_xl.currency import currency
from keyacct_xl.forms.content import COMPANY_CELL, HELPER_SHEETS, FormContent, form_content, total_label
from keyacct_xl.forms.currency import in_currency
from keyacct_xl.forms.layout import FORM_LANGS, FormLang, instructions_sheet_name
from keyacct_xl.forms.meta import CURRENCY_KEY
from keyacct_xl.forms.spec import FormSpec, SectionSpec
from keyacct_xl.messages import Message, listing, msg
from keyacct_xl.parsing import is_blank
from keyacct_xl.xlsx.ooxml import column_letter, split_ref

MAX_QUOTED = 60  # characters of the text a warning's message quotes
MAX_SHOWN = 200  # characters of it in the report's value column, as validate quotes a cell's value
MAX_LISTED = 100  # cells named one by one per file; the rest are counted in one warning (a pasted sheet of data)
# Cells looked at per file, over all its sheets: the screening caps each sheet's area, not their sum, and a sheet's
# area costs its memory and time whether its cells are filled or not (two cells, A1 and ZZ9999, are 7 million).
MAX_LOOKED = 8_000_000
MAX_SHEETS_NAMED = 10  # sheets a warning names; the rest are counted
ReadCells = Collection[tuple[str, int, int]]  # (sheet, row, column), 0-based: the cells consolidation reads


@dataclass(frozen=True)
class Scope:
    """What a copy is compared with: the form's own content, the form sheet, the cells read, the sheets not looked
    at and, for a copy not compared cell by cell, the form's extent on its sheet (last row, last column)."""

    content: FormContent
    form_sheet: str
    read: ReadCells
    skipped: frozenset[str]
    extent: tuple[int, int] | None = None
    # How a cell's text is compared with the content's texts and totals labels: as written, or (a retyped copy)
    # folded, the content's texts folded alike.
    fold: Callable[[str], str] = str.strip
    total_labels: frozenset[str] = frozenset()


@dataclass
class Outside:
    """The cells of one file holding text outside the form's fields: the first ``MAX_LISTED``, and how many more."""

    cells: list[CellValue]
    more: int = 0
    more_sheets: tuple[str, ...] = ()
    unexamined: tuple[tuple[str, int], ...] = ()  # (sheet, first row not examined) of sheets longer than the limit
    unlooked: tuple[str, ...] = ()  # sheets not looked at once MAX_LOOKED cells were


def _excel_error(value: object) -> bool:
    """A formula's error result as readers give it (#VALUE!, #DIV/0!, #N/A ...): a total, not typed text."""
    return isinstance(value, str) and value.startswith("#") and (value.endswith(("!", "?")) or value == "#N/A")


def _total_columns(row: list[object], scope: Scope) -> frozenset[int]:
    """The columns of ``row`` that hold a table's totals: those the form computes right of its totals label."""
    labels = {c for c, v in enumerate(row) if isinstance(v, str) and scope.fold(v) in scope.total_labels}
    return frozenset(col for label_col, col in scope.content.totals if label_col in labels)


def _typed(sheet: str, rows: list[list[object]], scope: Scope) -> Iterator[CellValue]:
    """Each cell of ``sheet`` whose content is not the form's own and that consolidation does not read."""
    content, read = scope.content, scope.read
    form = sheet == scope.form_sheet
    last_row, last_col = scope.extent if form and scope.extent is not None else (-1, -1)
    for r, row in enumerate(rows):
        totals: frozenset[int] | None = None
        for c, value in enumerate(row):
            if value is None or value == "" or (isinstance(value, str) and scope.fold(value) in content.texts):
                continue
            if is_blank(value) or (sheet, r, c) in read or (form and (r, c) == content.company):
                continue
            if r <= last_row and c <= last_col:
                continue  # an older copy: anything within the form's extent may be its own
            if totals is None:
                totals = _total_columns(row, scope)
            if c in totals and (not isinstance(value, str) or _excel_error(value)):
                continue
            yield CellValue(value, sheet, f"{column_letter(c + 1)}{r + 1}")


def cells_outside_fields(
    sheets: Iterable[str], rows_of: Callable[[str], tuple[list[list[object]], int | None]], scope: Scope
) -> Outside:
    """The cells of ``sheets`` (but those ``scope`` skips) holding something the form does not and that are not read;
    ``rows_of(sheet)`` gives a sheet's rows from A1 and, when the sheet goes on below them, the first row (1-based)
    left unexamined."""
    found = Outside([])
    more: dict[str, None] = {}
    looked = 0
    for sheet in sheets:
        if sheet in scope.skipped:
            continue
        if looked >= MAX_LOOKED:
            found.unlooked += (sheet,)
            continue
        rows, cut = rows_of(sheet)
        looked += sum(map(len, rows))
        if cut is not None:
            found.unexamined += ((sheet, cut),)
        for cell in _typed(sheet, rows, scope):
            if len(found.cells) < MAX_LISTED:
                found.cells.append(cell)
            else:
                found.more += 1
                more[sheet] = None
    found.more_sheets = tuple(more)
    return found


Merged = Iterable[tuple[tuple[int, int], tuple[int, int]]]  # ((first row, column), (last row, column)), 0-based


def copy_scope(
    spec: FormSpec,
    meta: Mapping[str, str],
    spec_hash: str,
    read: ReadCells,
    form_sheet: tuple[str, list[list[object]], Merged],
) -> Scope | None:
    """How a copy is looked at: cell by cell against what ``spec`` holds by itself when the copy is of its current
    version and spec (the same hash); else (an older version, whose labels are kept nowhere) only right of and
    below the form's extent on its sheet, its instructions sheet aside. ``form_sheet`` is the form sheet's name,
    rows and merged ranges. None: the form sheet shows no text of the form in any language."""
    sheet, rows, merged = form_sheet
    spec = in_currency(spec, currency(meta.get(CURRENCY_KEY, "CNY")))  # its labels as the master's currency names them
    lang = _form_lang(spec, meta.get("lang", ""), rows)
    if lang is None:
        return None
    content = form_content(spec, lang)
    labels = frozenset({content.total_label})
    if meta.get("version") == str(spec.version) and meta.get("spec_hash", "") in ("", spec_hash):
        return Scope(content, sheet, read, HELPER_SHEETS, total_labels=labels)
    skipped = HELPER_SHEETS | {instructions_sheet_name(lang)}
    return Scope(content, sheet, read, skipped, _extent(content, sheet, read, rows, merged), total_labels=labels)


def _form_lang(spec: FormSpec, named: str, rows: list[list[object]]) -> FormLang | None:
    """The language ``_meta`` names; when it names none (the row deleted or changed in the hidden sheet), the one
    whose texts the form sheet shows most, so that the copy is still looked at."""
    if named in FORM_LANGS:
        return named  # type: ignore[return-value]  # one of FORM_LANGS, checked
    shown = {value.strip() for row in rows for value in row if isinstance(value, str)}
    found = {lang: len(shown & form_content(spec, lang).texts) for lang in FORM_LANGS}
    best = max(FORM_LANGS, key=found.__getitem__)
    return best if found[best] else None


def _extent(
    content: FormContent, sheet: str, read: ReadCells, rows: list[list[object]], merged: Merged
) -> tuple[int, int]:
    """The last row and column of the form on its sheet: of a merged block (the title block spans the form's width,
    the notes close it), of a cell read, or of a text the current version shows too (the totals label, the labels
    kept)."""
    last_row, last_col = 0, 0
    for _, (r1, c1) in merged:
        last_row, last_col = max(last_row, r1), max(last_col, c1)
    for name, r, c in read:
        if name == sheet:
            last_row, last_col = max(last_row, r), max(last_col, c)
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if isinstance(value, str) and value.strip() in content.texts:
                last_row, last_col = max(last_row, r), max(last_col, c)
    return last_row, last_col


def retyped_scope(spec: FormSpec, extracted: Extracted, rows: list[list[object]]) -> Scope:
    """How a workbook without ``_meta`` (retyped by a rep, recognised by its headers: consolidate.headermatch) is
    looked at: cell by cell on every sheet, its texts folded as headers are and compared with the form's texts in every
    language and every name of its fields (a retyped label keeps its words, not its spaces, punctuation or full-width
    forms); ``rows`` are its table's sheet's. The numbers the rep's own totals row shows under the total
    columns, and the computed cells of the blank lines under the lines (a formula dragged down shows 0), are the
    form's too."""
    [(section_id, table)] = extracted.tables.items()
    section = spec.section(section_id)
    shown = [*(t for lang in FORM_LANGS for t in form_content(spec, lang).texts), *form_names(spec)]
    texts = set(map(_folded, shown))
    summed = [table.columns[f.key] for f in section.fields if f.total and f.key in table.columns]
    totals = frozenset((label_col, col) for col in summed for label_col in range(col))
    content = FormContent(frozenset(texts - {""}), totals, "", COMPANY_CELL)
    labels = frozenset(_folded(total_label(lang)) for lang in FORM_LANGS)
    read = read_cells(extracted) | _computed_under_lines(section, table, rows)
    return Scope(content, table.sheet, read, HELPER_SHEETS, fold=_folded, total_labels=labels)


def _folded(text: str) -> str:
    """A text as a retyped copy's is compared with the form's: full-width forms and case aside, without spaces or
    punctuation (``1、`` for ``1.``, ``*业务员：`` for ``*业务员``)."""
    return "".join(ch for ch in unicodedata.normalize("NFKC", text).lower() if unicodedata.category(ch)[0] not in "PZ")


def _computed_under_lines(
    section: SectionSpec, table: TableRows, rows: list[list[object]]
) -> set[tuple[str, int, int]]:
    """The computed cells of the rows right under a retyped table's lines that hold nothing in its entered columns."""
    if not table.rows:
        return set()
    computed = computed_keys(section)
    entered = [c for key, c in table.columns.items() if key not in computed]
    shown = [c for key, c in table.columns.items() if key in computed]
    cells: set[tuple[str, int, int]] = set()
    r = table.rows[-1][0]  # the 0-based index of the row under the last line
    while r < len(rows) and all(c >= len(rows[r]) or is_blank(rows[r][c]) for c in entered):
        cells.update((table.sheet, r, c) for c in shown)
        r += 1
    return cells


def read_cells(extracted: Extracted) -> set[tuple[str, int, int]]:
    """The cells consolidation reads (0-based): the header fields' cells and every table's body and lines, in the
    table's columns of the form."""
    cells = set()
    for cell in extracted.header.values():
        if cell.sheet and cell.ref:
            row, col = split_ref(cell.ref)
            cells.add((cell.sheet, row - 1, col - 1))
    for table in extracted.tables.values():
        rows = set(table.area) | {r for r, _ in table.rows}
        cells.update((table.sheet, r - 1, c) for r in rows for c in table.columns.values())
    return cells


def note_outside(extracted: Extracted, found: Outside) -> None:
    """Put what ``found`` holds on ``extracted``: the cells to report, and a warning for what is not listed."""
    extracted.outside = found.cells
    if found.more:
        extracted.warnings.append(
            texts(
                msg(
                    "{count} more cell(s) hold text outside the form's fields (sheets {sheets}{more}): not listed one "
                    "by one",
                    count=found.more,
                    sheets=listing(found.more_sheets[:MAX_SHEETS_NAMED]),
                    more=_more(found.more_sheets),
                )
            )
        )
    if found.unlooked:
        extracted.warnings.append(
            texts(
                msg(
                    "sheets {sheets}{more} were not looked at for text outside the form's fields: the sheets before "
                    "them hold {limit:,} cells or more",
                    sheets=listing(found.unlooked[:MAX_SHEETS_NAMED]),
                    more=_more(found.unlooked),
                    limit=MAX_LOOKED,
                )
            )
        )
    for sheet, row in found.unexamined:
        extracted.warnings.append(
            texts(
                msg(
                    "sheet {sheet} goes on below row {row}: those rows were not looked at for text outside the "
                    "form's fields",
                    sheet=sheet,
                    row=row - 1,
                )
            )
        )


def _more(sheets: tuple[str, ...]) -> Message | str:
    """How many sheets a warning does not name (a workbook may have two thousand)."""
    return (
        msg(" and {count} more sheet(s)", count=len(sheets) - MAX_SHEETS_NAMED)
        if len(sheets) > MAX_SHEETS_NAMED
        else ""
    )


def as_shown(value: object) -> str:
    """A cell's value as a spreadsheet shows it: 42 not 42.0, TRUE not True, a day without its time."""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):  # whole below 1e15 as digits, else as Python writes it (1e+20), not 20 zeros
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    return shown(value)


def outside_issues(file: str, cells: Iterable[CellValue]) -> list[Issue]:
    """One warning per cell holding text outside the form's fields, naming its sheet and cell and quoting it."""
    issues = []
    for cell in cells:
        text = as_shown(cell.value)
        quoted = text if len(text) <= MAX_QUOTED else text[:MAX_QUOTED] + "…"
        why = msg(
            "{sheet}!{cell} holds text outside the form's fields, not read into the master: {text}",
            sheet=cell.sheet,
            cell=cell.ref,
            text=quoted,
        )
        shown = text if len(text) <= MAX_SHOWN else text[:MAX_SHOWN] + "…"
        issues.append(Issue(file, cell.sheet, cell.ref, "", shown, why, "warning"))
    return issues
