"""Cells merged on a returned form: the form's own blocks, and ranges a rep merged inside a table's lines.

The generator merges cells one row at a time only (the title block, section titles, header fields' input cells,
the notes; keyacct_xl.forms.generator), and under a table the first of them is a section title or the notes, across
the whole grid: such a block ends the table's lines. Any other range a rep merged (protection lifted, in Excel, WPS
or LibreOffice) inside the lines is read as the rep sees it: a range down one column shows its value on each of its
rows, so the value is read on each of them that is a line by its own cells (美孚 merged over A12:A13 is the competitor
of both lines); a range across several of the table's columns shows one value over them, which of the columns it
belongs to is not known, so each of its lines is refused with an error (validate). Spreadsheets keep a merged
range's value in its first cell only, and readers give the others blank: without this, a merged competitor left the
second line without its required competitor, and in a legacy .xls or an .ods the merge ended the table and its
lines were reported as text outside the fields.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Collection, Sequence

from keyacct_xl.consolidate.model import TableRows, texts
from keyacct_xl.messages import cell_text, listing, msg
from keyacct_xl.parsing import is_blank
from keyacct_xl.xlsx.ooxml import column_letter

Block = tuple[tuple[int, int], tuple[int, int]]  # ((first row, column), (last row, column)), 0-based
Merged = Sequence[Block]


def form_block(block: Block, span: tuple[int, int]) -> bool:
    """Whether a merged range is one of the form's own blocks under a table: one row high, across every one of the
    table's columns ``span`` (0-based, inclusive), as a section title and the notes are."""
    (r0, c0), (r1, c1) = block
    return r0 == r1 and c0 <= span[0] and c1 >= span[1]


def range_ref(block: Block) -> str:
    """A merged range in A1 form: A12:A13."""
    (r0, c0), (r1, c1) = block
    return f"{column_letter(c0 + 1)}{r0 + 1}:{column_letter(c1 + 1)}{r1 + 1}"


def read_merged_lines(table: TableRows, merged: Merged, entered: Collection[int]) -> list[tuple[str, str]]:
    """Put on ``table``'s lines the ranges merged inside them: a range down one of its columns gives its value to
    each line it spans; a range across several of its columns is recorded on each line it spans
    (``table.merged_across``), to be refused. ``entered`` are the table's columns a rep types in (a line is a row
    with one of them filled). Returns a warning (en, zh) for each value read on several lines."""
    where = {row: i for i, (row, _) in enumerate(table.rows)}
    own = {row for row, values in table.rows if any(c < len(values) and not is_blank(values[c]) for c in entered)}
    ordered = sorted(own)
    warnings = []
    for block in dict.fromkeys(merged):  # a range listed twice is one range (a file may repeat it many times)
        (r0, c0), (r1, c1) = block
        keys = [key for key, c in table.columns.items() if c0 <= c <= c1]
        top = where.get(r0 + 1)
        if not keys or top is None:
            continue
        values = table.rows[top][1]
        value = values[c0] if c0 < len(values) else None
        # the table's lines it spans, found among the lines, not by walking the range (it may reach the last row)
        lines = ordered[bisect_left(ordered, r0 + 1) : bisect_right(ordered, r1 + 1)]
        if is_blank(value) or not lines:
            continue
        if len(keys) > 1:
            table.merged_across.update((r, (range_ref(block), tuple(keys))) for r in lines)
            continue
        column = table.columns[keys[0]]
        for r in lines:
            row, cells = table.rows[where[r]]
            cells = list(cells) + [None] * (column + 1 - len(cells))  # a copy: the sheet's rows stay as read
            cells[column] = value
            table.rows[where[r]] = (row, cells)
        if len(lines) > 1:
            warnings.append(
                texts(
                    msg(
                        "{sheet}!{range} is merged: its value {value} is read on each of its lines (rows {rows})",
                        sheet=table.sheet,
                        range=range_ref(block),
                        value=cell_text(value),
                        rows=listing([str(r) for r in lines]),
                    )
                )
            )
    return warnings
