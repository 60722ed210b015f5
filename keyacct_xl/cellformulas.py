"""The formulas a returned form keeps in a few of its cells, read from the file itself: calamine gives values only.

An ``.xlsx`` keeps a cell's formula as ``<f>`` in its sheet part; an ``.ods`` as the cell's ``table:formula``
attribute in ``content.xml`` (``of:=SUM([.G12:.G23])``); a legacy ``.xls`` as a FORMULA record of the sheet's BIFF8
substream (a formula filled down a column as one shared formula, a SHRFMLA record), its formula parsed into tokens
([MS-XLS] 2.5.198), which are turned back into text for references, areas, numbers, strings, booleans, arithmetic,
comparison and & operators, parentheses, SUM (what the form's totals and a rep's edit of them are made of), IF and
COUNT (the form's computed columns, a total a rep wrapped in IF) and CONCATENATE, CHOOSE and HYPERLINK (what a rep
types into a text cell); the attributes saying where an IF or a CHOOSE jumps, and spacing, are read past. Any other
token leaves the formula's text unknown (""), as a cell of a shared formula in an ``.xlsx`` is. Each reader returns
None when the file cannot be read this way, so that nothing is concluded from it.

An ``.ods`` sheet's merged ranges are read here too (``ods_merged_ranges``): calamine gives them for ``.xlsx`` and
``.xls`` only, and a form's reading needs them whatever the format (its own blocks end a table's lines; a range a
rep merged inside the lines shows its value on each of its rows).
"""

from __future__ import annotations

import io
import re
import struct
import zipfile
from collections.abc import Callable, Collection, Iterator, Mapping
from contextlib import nullcontext

import olefile
from lxml import etree

from keyacct_xl.xlsx.ooxml import column_letter
from keyacct_xl.xlsx.package import read_part, sheet_parts
from keyacct_xl.xlsx.sheetxml import cell_formulas
from keyacct_xl.xlsx.xmlpart import PartError

Cell = tuple[int, int]  # (row, column), 0-based
Formulas = Callable[[Collection[Cell]], Mapping[Cell, str] | None]

_TABLE = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
_ODS_TABLE, _ODS_ROW = f"{{{_TABLE}}}table", f"{{{_TABLE}}}table-row"
_ODS_CELLS = (f"{{{_TABLE}}}table-cell", f"{{{_TABLE}}}covered-table-cell")
_ODS_REFERENCE = re.compile(r"\[([^\]]*)\]")  # [.G12:.G23], [$Sheet1.A1]
_ODS_STRING = re.compile(r'("(?:[^"]|"")*")')  # a string in a formula ("" is a quote inside it), kept by split


def formula_reader(kind: str, data: bytes, package: zipfile.ZipFile | None, sheet: str) -> Formulas:
    """How the formulas of some of ``sheet``'s cells are read, for the file's format (``kind`` as screened)."""

    def read(cells: Collection[Cell]) -> Mapping[Cell, str] | None:
        if kind == "xls":
            return xls_formulas(data, sheet, cells)
        with nullcontext(package) if package is not None else zipfile.ZipFile(io.BytesIO(data)) as archive:
            if kind == "ods":
                try:
                    return ods_formulas(archive, sheet, cells)
                except (ValueError, etree.XMLSyntaxError):  # a repeat count that is no number: nothing concluded
                    return None
            part = sheet_parts(archive).get(sheet)
            try:
                return None if part is None else cell_formulas(read_part(archive, part), part, cells)
            except PartError:  # rows out of order, a cell not of its row: calamine read values, nothing concluded
                return None

    return read


def ods_formulas(archive: zipfile.ZipFile, sheet: str, cells: Collection[Cell]) -> dict[Cell, str] | None:
    """The formulas of those of ``cells`` that hold one on the .ods sheet ``sheet``, in A1 form (``SUM(G12:G23)``);
    rows and cells repeated (``number-rows-repeated``, ``number-columns-repeated``) count as often as they repeat."""
    wanted = set(cells)
    last = max((r for r, _ in wanted), default=-1)
    found: dict[Cell, str] = {}
    try:
        for element, rows in _ods_rows(archive, sheet):
            _ods_row(element, rows, wanted, found)
            if rows.stop > last:
                break
    except _NoSheet:
        return None
    return found


class _NoSheet(Exception):
    """The .ods has no sheet of that name (raised only once the whole file was looked through)."""


def _ods_rows(archive: zipfile.ZipFile, sheet: str) -> Iterator[tuple[etree._Element, range]]:
    """Each table row of the .ods sheet ``sheet`` with the sheet rows (0-based) it stands for, a row repeated
    (``number-rows-repeated``) standing for as many; ``_NoSheet`` when the file has no such sheet. A row is cleared
    once handed out, so a large sheet is not kept."""
    row, inside = 0, False
    with archive.open("content.xml") as stream:
        events = etree.iterparse(
            stream, events=("start", "end"), tag=(_ODS_TABLE, _ODS_ROW), resolve_entities=False, no_network=True
        )
        for event, element in events:
            if element.tag == _ODS_TABLE:
                if event == "start" and element.get(f"{{{_TABLE}}}name") == sheet:
                    inside = True
                elif event == "end" and inside:
                    return
            elif event == "end" and inside:
                repeat = int(element.get(f"{{{_TABLE}}}number-rows-repeated", "1"))
                yield element, range(row, row + repeat)
                row += repeat
                element.clear()
    raise _NoSheet(sheet)


Merged = list[tuple[Cell, Cell]]  # ((first row, first column), (last row, last column)), 0-based, as calamine's
# Merged ranges an .ods sheet may hold: a form has a few dozen. A repeated row or cell repeats its merge, so a few
# hundred bytes could otherwise ask for millions of them (a row repeated 1,048,576 times, a cell 16,384 times).
MAX_ODS_MERGES = 100_000


def ods_merged_ranges(archive: zipfile.ZipFile, sheet: str) -> Merged | None:
    """The merged ranges of the .ods sheet ``sheet`` (a cell's ``number-columns-spanned`` and
    ``number-rows-spanned``), rows and cells repeated counted as often as they repeat; None without such a sheet."""
    merged: Merged = []
    try:
        for element, rows in _ods_rows(archive, sheet):
            merged += _ods_spans(element, rows, MAX_ODS_MERGES - len(merged))
    except _NoSheet:
        return None
    return merged


def _ods_spans(element: etree._Element, rows: range, room: int) -> Merged:
    """The merged ranges starting on one (repeated) table row; more than ``room`` of them is a damaged part
    (ValueError, as a span that is no number)."""
    found: Merged = []
    col = 0
    for cell in element.iterchildren(*_ODS_CELLS):
        repeat = int(cell.get(f"{{{_TABLE}}}number-columns-repeated", "1"))
        across = int(cell.get(f"{{{_TABLE}}}number-columns-spanned", "1"))
        down = int(cell.get(f"{{{_TABLE}}}number-rows-spanned", "1"))
        if across > 1 or down > 1:
            if len(found) + len(rows) * repeat > room:
                raise ValueError(f"more than {MAX_ODS_MERGES:,} merged ranges")
            found += [((r, c), (r + down - 1, c + across - 1)) for r in rows for c in range(col, col + repeat)]
        col += repeat
    return found


def _ods_row(element: etree._Element, rows: range, wanted: set[Cell], found: dict[Cell, str]) -> None:
    """The formulas of the wanted cells of one (repeated) table row."""
    col = 0
    for cell in element.iterchildren(*_ODS_CELLS):
        span = int(cell.get(f"{{{_TABLE}}}number-columns-repeated", "1"))
        formula = cell.get(f"{{{_TABLE}}}formula")
        if formula is not None:
            for r, c in wanted:
                if r in rows and col <= c < col + span:
                    found[(r, c)] = _a1(formula)
        col += span


def _a1(formula: str) -> str:
    """An OpenFormula as a sheet part writes it: ``of:=SUM([.G12:.G13];[.G23])`` as ``SUM(G12:G13,G23)``; the text
    of a string ("a;b", a link) is left as it is."""
    text = formula.partition(":=")[2] if ":=" in formula[:8] else formula.lstrip("=")
    return "".join(part if part.startswith('"') else _a1_part(part) for part in _ODS_STRING.split(text))


def _a1_part(text: str) -> str:
    text = _ODS_REFERENCE.sub(lambda m: ":".join(p.rpartition(".")[2] for p in m[1].split(":")), text)
    return text.replace(";", ",")  # OpenFormula separates arguments with ; where a sheet part has ,


# BIFF8 record types ([MS-XLS] 2.3)
_BOUNDSHEET, _EOF, _FORMULA, _SHRFMLA = 0x0085, 0x000A, 0x0006, 0x04BC


def xls_formulas(data: bytes, sheet: str, cells: Collection[Cell]) -> dict[Cell, str] | None:
    """The formulas of those of ``cells`` that hold one on the .xls sheet ``sheet``: each FORMULA record's tokens
    as text, "" when a token is not one the totals are made of.

    A formula filled down a column (the form's computed cells, as LibreOffice writes them) is one shared formula:
    each cell's FORMULA record only names the group's first cell (tExp), and the group's tokens, relative to the
    cell, are in the SHRFMLA record after that first cell's FORMULA record."""
    try:
        with olefile.OleFileIO(io.BytesIO(data)) as ole:
            stream = ole.openstream("Workbook").read()
        start = dict(biff_sheets(stream)).get(sheet)
        if start is None:
            return None
        wanted, found = set(cells), {}
        grouped: dict[Cell, Cell] = {}  # a wanted cell of a shared formula -> the group's first cell
        shared: dict[Cell, bytes] = {}  # a group's first cell -> its tokens
        for kind, body in biff_records(stream, start):
            if kind == _FORMULA:
                row, col = struct.unpack_from("<HH", body)
                if (row, col) in wanted:
                    (size,) = struct.unpack_from("<H", body, 20)
                    tokens = body[22 : 22 + size]
                    if tokens[:1] == b"\x01":  # tExp: the first cell of its shared (or array) formula
                        grouped[(row, col)] = struct.unpack_from("<HH", tokens, 1)
                    else:
                        found[(row, col)] = _biff_formula(tokens, (row, col))
            elif kind == _SHRFMLA:
                first_row, _, first_col = struct.unpack_from("<HHB", body)
                (size,) = struct.unpack_from("<H", body, 8)
                shared[(first_row, first_col)] = body[10 : 10 + size]
            elif kind == _EOF:
                break
        # an array formula's group (an ARRAY record) is not read: its text stays unknown
        found.update({cell: _biff_formula(shared.get(first, b""), cell) for cell, first in grouped.items()})
        return found
    # olefile refuses a damaged compound file with OSError or ValueError; a cut record fails to unpack
    except (OSError, ValueError, IndexError, struct.error):
        return None


def biff_records(stream: bytes, at: int) -> Iterator[tuple[int, bytes]]:
    """The records of a BIFF8 stream from offset ``at``, each as (type, body)."""
    while at + 4 <= len(stream):
        kind, size = struct.unpack_from("<HH", stream, at)
        yield kind, stream[at + 4 : at + 4 + size]
        at += 4 + size


def biff_sheets(stream: bytes) -> list[tuple[str, int]]:
    """Each sheet's name and the offset of its substream, from the workbook globals' BoundSheet8 records."""
    sheets = []
    for kind, body in biff_records(stream, 0):
        if kind == _BOUNDSHEET:
            (offset,) = struct.unpack_from("<I", body)
            count, wide = body[6], body[7] & 1
            name = body[8 : 8 + count * (2 if wide else 1)].decode("utf-16-le" if wide else "latin-1")
            sheets.append((name, offset))
        elif kind == _EOF:
            break
    return sheets


# Binary operators ([MS-XLS] 2.5.198.25): arithmetic, &, and the comparisons an IF's condition is made of.
_OPERATORS = {
    0x03: "+",
    0x04: "-",
    0x05: "*",
    0x06: "/",
    0x07: "^",
    0x08: "&",
    0x09: "<",
    0x0A: "<=",
    0x0B: "=",
    0x0C: ">=",
    0x0D: ">",
    0x0E: "<>",
}
_PREFIX, _POSTFIX = {0x12: "+", 0x13: "-"}, {0x14: "%"}  # unary plus and minus, percent
# The functions of a variable argument count read back ([MS-XLS] 2.5.198.17, Ftab): the totals' SUM, the IF and COUNT
# of the form's computed columns (and of a total a rep wrapped in IF), and those a rep types into a text cell (a
# link, a joined text, a choice), whose text consolidation stores (consolidate.typedformulas).
_FUNCTIONS = {0: "COUNT", 1: "IF", 4: "SUM", 100: "CHOOSE", 336: "CONCATENATE", 359: "HYPERLINK"}
# tAttr's flags ([MS-XLS] 2.5.198.30-37): a sum of one argument; a CHOOSE's jump table; what only says where an IF
# or a CHOOSE jumps, that the formula is volatile, or spacing, which adds nothing to its text.
_ATTR_SUM, _ATTR_CHOOSE, _ATTR_PASSED = 0x10, 0x04, 0x01 | 0x02 | 0x08 | 0x20 | 0x40


def _biff_formula(tokens: bytes, cell: Cell) -> str:
    """A parsed formula's tokens (reverse Polish) as text, or "" when one is not of the kinds read here; a shared
    formula's references relative to ``cell``, the cell it is read for."""
    stack: list[str] = []
    at = 0
    try:
        while at < len(tokens):
            token, at = tokens[at], at + 1
            base = token & 0x1F if token >= 0x20 else -1  # a reference's or function's token, whatever its class
            if token in _OPERATORS:
                right, left = stack.pop(), stack.pop()
                stack.append(left + _OPERATORS[token] + right)
            elif token in _PREFIX:
                stack.append(_PREFIX[token] + stack.pop())
            elif token in _POSTFIX:
                stack.append(stack.pop() + _POSTFIX[token])
            elif token == 0x15:  # parentheses
                stack.append(f"({stack.pop()})")
            elif token == 0x16:  # an argument left out: IF(A1,,0)
                stack.append("")
            elif token == 0x1D:  # a boolean
                stack.append("TRUE" if tokens[at] else "FALSE")
                at += 1
            elif token == 0x1E:  # integer
                stack.append(str(struct.unpack_from("<H", tokens, at)[0]))
                at += 2
            elif token == 0x1F:  # number
                value = struct.unpack_from("<d", tokens, at)[0]
                stack.append(str(int(value)) if value.is_integer() else repr(value))
                at += 8
            elif token == 0x19:  # attribute
                flags = tokens[at]
                if flags & _ATTR_SUM:
                    stack.append(f"SUM({stack.pop()})")
                elif flags & _ATTR_CHOOSE:  # its count of jumps, then one more offset than that
                    at += 2 * (struct.unpack_from("<H", tokens, at + 1)[0] + 1)
                elif not flags & _ATTR_PASSED:
                    return ""
                at += 3
            elif base == 0x04:  # a cell
                row, col = struct.unpack_from("<HH", tokens, at)
                stack.append(_ref(row, col))
                at += 4
            elif base == 0x05:  # an area
                first, last, left_col, right_col = struct.unpack_from("<HHHH", tokens, at)
                stack.append(f"{_ref(first, left_col)}:{_ref(last, right_col)}")
                at += 8
            elif base == 0x0C:  # a shared formula's cell
                row, col = struct.unpack_from("<HH", tokens, at)
                stack.append(_ref(*_offset(row, col, cell)))
                at += 4
            elif base == 0x0D:  # a shared formula's area
                first, last, left_col, right_col = struct.unpack_from("<HHHH", tokens, at)
                stack.append(f"{_ref(*_offset(first, left_col, cell))}:{_ref(*_offset(last, right_col, cell))}")
                at += 8
            elif token == 0x17:  # a string: its length, then 1 for UTF-16 (else Latin-1), then the characters
                count, wide = tokens[at], tokens[at + 1] & 1
                end = at + 2 + count * (2 if wide else 1)
                text = tokens[at + 2 : end].decode("utf-16-le" if wide else "latin-1")
                stack.append('"' + text.replace('"', '""') + '"')
                at = end
            elif base == 0x02 and struct.unpack_from("<H", tokens, at + 1)[0] & 0x7FFF in _FUNCTIONS:  # SUM(...)
                count = tokens[at] & 0x7F
                name = _FUNCTIONS[struct.unpack_from("<H", tokens, at + 1)[0] & 0x7FFF]
                arguments = [stack.pop() for _ in range(count)][::-1]
                stack.append(f"{name}({','.join(arguments)})")
                at += 3
            else:
                return ""
    except (IndexError, struct.error, UnicodeDecodeError):  # a cut token: this formula's text is unknown
        return ""
    return stack[0] if len(stack) == 1 else ""


def _ref(row: int, col: int) -> str:
    """A BIFF8 reference's row and column field (its low 14 bits; the high two say relative) as A1."""
    return f"{column_letter((col & 0x3FFF) + 1)}{row + 1}"


def _offset(row: int, col: int, cell: Cell) -> tuple[int, int]:
    """A shared formula's reference ([MS-XLS] 2.5.198.89) as the row and column it names from ``cell``: a relative
    row is a signed 16-bit offset, a relative column a signed 8-bit one (the high two bits of ``col`` say which are
    relative); BIFF8's 65,536 rows and 256 columns wrap around."""
    if col & 0x8000:
        row = (cell[0] + row - (0x10000 if row & 0x8000 else 0)) & 0xFFFF
    if col & 0x4000:
        offset = col & 0xFF
        col = (cell[1] + offset - (0x100 if offset & 0x80 else 0)) & 0xFF
    return row, col & 0xFF
