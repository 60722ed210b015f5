"""The formulas a returned form keeps in a few of its cells, read from the file itself: calamine gives values only.

An ``.xlsx`` keeps a cell's formula as ``<f>`` in its sheet part; an ``.ods`` as the cell's ``table:formula``
attribute in ``content.xml`` (``of:=SUM([.G12:.G23])``); a legacy ``.xls`` as a FORMULA record of the sheet's BIFF8
substream (a formula filled down a column as one shared formula, a SHRFMLA record), its formula parsed into tokens
([MS-XLS] 2.5.198), which are turned back into text for references, areas, numbers, strings, booleans, arithmetic,
comparison and & operators, parentheses, defined names, and the functions a sales form plausibly holds (``_FUNCTIONS``:
SUM, what the form's totals are made of, and ROUND, MAX, IF, IFERROR... a rep wraps a total in; IF and COUNT of the
form's computed columns; CONCATENATE, CHOOSE, HYPERLINK a rep types into a text cell); the attributes saying where an
IF or a CHOOSE jumps, and spacing, are read past. Any other token or function leaves the formula's text unknown
(""). A cell of an ``.xlsx`` shared formula (a totals row copied across)
gets its group's formula moved to it (keyacct_xl.xlsx.sheetxml.cell_formulas). Each reader returns None when the file
cannot be read this way, so that nothing is concluded from it.

An ``.ods`` sheet's merged ranges are read here too (``ods_merged_ranges``): calamine gives them for ``.xlsx`` and
``.xls`` only, and a form's reading needs them whatever the format (its own blocks end a table's lines; a range a
rep merged inside the lines shows its value on each of its rows). So are an ``.ods``'s and an ``.xls``'s comments on
cells (``ods_annotations``, ``xls_comments``), which calamine gives for no format (keyacct_xl.cellcomments).
"""

from __future__ import annotations

import io
import re
import struct
import zipfile
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from contextlib import nullcontext
from dataclasses import dataclass, field
from typing import Any

import olefile
from lxml import etree

from keyacct_xl.xlsx.ooxml import column_letter
from keyacct_xl.xlsx.package import read_part, sheet_parts
from keyacct_xl.xlsx.sheetxml import cell_formulas
from keyacct_xl.xlsx.xmlpart import PartError

Cell = tuple[int, int]  # (row, column), 0-based
Formulas = Callable[[Collection[Cell]], Mapping[Cell, str] | None]


class CellFormulas(dict[Cell, str]):
    """The formulas read, by cell, and what those made of constants show (``shows``): a link its name, texts joined.

    LibreOffice saves a text formula of a text-formatted cell (a form's text fields) into an .xls with the number 0
    as its value and no STRING record holding its text, though it shows the text, also when it opens the .xls again;
    calamine rightly reads 0. What such a formula shows follows from its text alone, and is what a report quotes."""

    def __init__(self) -> None:
        super().__init__()
        self.shows: dict[Cell, str] = {}


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


def _count(element: etree._Element, attribute: str) -> int:
    """A repeat or span count of an .ods row or cell (1 when absent); one below 1 is a damaged part (ValueError, as a
    count that is no number), never a step back that would shift every row or column after it."""
    count = int(element.get(f"{{{_TABLE}}}{attribute}", "1"))
    if count < 1:
        raise ValueError(f"table:{attribute}={count}")
    return count


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
                repeat = _count(element, "number-rows-repeated")
                yield element, range(row, row + repeat)
                row += repeat
                element.clear()
    raise _NoSheet(sheet)


_HIDDEN = ("collapse", "filter")  # table:visibility of a row or column hidden by hand, and of a row a filter hides
_ODS_COLUMN = f"{{{_TABLE}}}table-column"

# What a sheet hides from a person opening it and where its formulas are, as 0-based numbers: the cells holding a
# formula (calamine gives their last saved values), the hidden rows and the hidden columns (calamine gives every cell).
SheetMarks = tuple[frozenset[Cell], frozenset[int], frozenset[int]]


def ods_sheet_marks(archive: zipfile.ZipFile, sheet: str, rows: int, columns: int) -> SheetMarks | None:
    """The formula cells, hidden rows (``table:visibility`` collapse or filter) and hidden columns among the first
    ``rows`` rows and ``columns`` columns of the .ods sheet ``sheet`` (the cells read), a repeated row or cell counted
    as often as it repeats; None without such a sheet or when its part cannot be read so. LibreOffice's own format:
    calamine gives values only. Bounded by the cells read: a formula cell repeated 16,384 times in a row repeated
    3,000 times is a 2 KB file, and counted to the sheet's edge it asked for 8 GB."""
    formulas: set[Cell] = set()
    hidden: set[int] = set()
    try:
        hidden_columns = _ods_hidden_columns(archive, sheet, columns)
        for element, span in _ods_rows(archive, sheet):
            if span.start >= rows:
                break  # past the cells read: the rest hides no line
            shown = range(span.start, min(span.stop, rows))
            if element.get(f"{{{_TABLE}}}visibility") in _HIDDEN:
                hidden.update(shown)
            formulas.update((r, c) for c in _ods_formula_columns(element, columns) for r in shown)
    except (_NoSheet, ValueError, etree.XMLSyntaxError):  # a repeat count that is no number: nothing concluded
        return None
    return frozenset(formulas), frozenset(hidden), hidden_columns


def _ods_hidden_columns(archive: zipfile.ZipFile, sheet: str, columns: int) -> frozenset[int]:
    """The columns among the first ``columns`` the .ods sheet ``sheet`` hides; its column definitions come before
    its first row."""
    hidden: set[int] = set()
    col, inside = 0, False
    with archive.open("content.xml") as stream:
        tags = (_ODS_TABLE, _ODS_COLUMN, _ODS_ROW)
        for event, element in etree.iterparse(
            stream, events=("start", "end"), tag=tags, resolve_entities=False, no_network=True
        ):
            if element.tag == _ODS_TABLE:
                if inside:
                    break  # the sheet ended without a row
                inside = event == "start" and element.get(f"{{{_TABLE}}}name") == sheet
            elif element.tag == _ODS_ROW:
                if inside:
                    break
                if event == "end":
                    element.clear()  # another sheet's row: not kept
            elif inside and event == "end":
                repeat = _count(element, "number-columns-repeated")
                if element.get(f"{{{_TABLE}}}visibility") in _HIDDEN:
                    hidden.update(range(col, min(col + repeat, columns)))
                col += repeat
    return frozenset(hidden)


def _ods_formula_columns(row: etree._Element, columns: int) -> Iterator[int]:
    """The columns among the first ``columns`` of one table row whose cell holds a formula, a repeated cell as often
    as it repeats."""
    col = 0
    for cell in row.iterchildren(*_ODS_CELLS):
        if col >= columns:
            break
        repeat = _count(cell, "number-columns-repeated")
        if cell.get(f"{{{_TABLE}}}formula") is not None:
            yield from range(col, min(col + repeat, columns))
        col += repeat


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
        repeat = _count(cell, "number-columns-repeated")
        across = _count(cell, "number-columns-spanned")
        down = _count(cell, "number-rows-spanned")
        if across > 1 or down > 1:
            if len(found) + len(rows) * repeat > room:
                raise ValueError(f"more than {MAX_ODS_MERGES:,} merged ranges")
            found += [((r, c), (r + down - 1, c + across - 1)) for r in rows for c in range(col, col + repeat)]
        col += repeat
    return found


_ODS_NOTE = "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}annotation"
_ODS_PARAGRAPH = "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}p"


def ods_annotations(archive: zipfile.ZipFile, sheet: str, limit: int) -> dict[Cell, str] | None:
    """The comments on the cells of the .ods sheet ``sheet`` (a cell's ``office:annotation``: its paragraphs, one a
    line; its author and date aside), the first ``limit`` of them; None without such a sheet."""
    found: dict[Cell, str] = {}
    try:
        for element, rows in _ods_rows(archive, sheet):
            col = 0
            for cell in element.iterchildren(*_ODS_CELLS):
                repeat = _count(cell, "number-columns-repeated")
                if (note := cell.find(_ODS_NOTE)) is not None:
                    text = "\n".join("".join(p.itertext()) for p in note.iter(_ODS_PARAGRAPH))
                    cells = ((r, c) for r in rows for c in range(col, col + repeat))
                    found.update((at, text) for at, _ in zip(cells, range(limit - len(found)), strict=False))
                col += repeat
            if len(found) >= limit:
                break
    except _NoSheet:
        return None
    return found


def _ods_row(element: etree._Element, rows: range, wanted: set[Cell], found: dict[Cell, str]) -> None:
    """The formulas of the wanted cells of one (repeated) table row."""
    col = 0
    for cell in element.iterchildren(*_ODS_CELLS):
        span = _count(cell, "number-columns-repeated")
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
_BOUNDSHEET, _EOF, _FORMULA, _SHRFMLA, _LBL, _BOF = 0x0085, 0x000A, 0x0006, 0x04BC, 0x0018, 0x0809


def xls_formulas(data: bytes, sheet: str, cells: Collection[Cell]) -> CellFormulas | None:
    """The formulas of those of ``cells`` that hold one on the .xls sheet ``sheet``: each FORMULA record's tokens
    as text, "" when a token is not one the totals are made of.

    A formula filled down a column (the form's computed cells, as LibreOffice writes them) is one shared formula:
    each cell's FORMULA record only names the group's first cell (tExp), and the group's tokens, relative to the
    cell, are in the SHRFMLA record after that first cell's FORMULA record."""
    try:
        with olefile.OleFileIO(io.BytesIO(data)) as ole:
            stream = ole.openstream("Workbook").read()
        sheets, names = _workbook_globals(stream)
        start = dict(sheets).get(sheet)
        if start is None:
            return None
        wanted, found = set(cells), CellFormulas()
        grouped: dict[Cell, Cell] = {}  # a wanted cell of a shared formula -> the group's first cell
        shared: dict[Cell, bytes] = {}  # a group's first cell -> its tokens
        for kind, body in sheet_records(stream, start):
            if kind == _FORMULA:
                row, col = struct.unpack_from("<HH", body)
                if (row, col) in wanted:
                    (size,) = struct.unpack_from("<H", body, 20)
                    tokens = body[22 : 22 + size]
                    if tokens[:1] == b"\x01":  # tExp: the first cell of its shared (or array) formula
                        grouped[(row, col)] = struct.unpack_from("<HH", tokens, 1)
                    else:
                        _found(found, (row, col), tokens, names)
            elif kind == _SHRFMLA:
                first_row, _, first_col = struct.unpack_from("<HHB", body)
                (size,) = struct.unpack_from("<H", body, 8)
                shared[(first_row, first_col)] = body[10 : 10 + size]
        # an array formula's group (an ARRAY record) is not read: its text stays unknown
        for cell, first in grouped.items():
            _found(found, cell, shared.get(first, b""), names)
        return found
    # olefile refuses a damaged compound file with OSError or ValueError; a cut record fails to unpack
    except (OSError, ValueError, IndexError, struct.error):
        return None


_OBJ, _TXO, _CONTINUE, _NOTE = 0x005D, 0x01B6, 0x003C, 0x001C
_COMMENT_OBJECT = 0x19  # an OBJ record's ftCmo object type of a cell's comment ([MS-XLS] 2.5.143)


def _sheet_stream(data: bytes, sheet: str) -> tuple[bytes, int | None]:
    """The .xls file's Workbook stream and where the sheet ``sheet`` starts in it (None without such a sheet)."""
    with olefile.OleFileIO(io.BytesIO(data)) as ole:
        stream = ole.openstream("Workbook").read()
    return stream, dict(biff_sheets(stream)).get(sheet)


def xls_comments(data: bytes, sheet: str, limit: int) -> dict[Cell, str] | None:
    """The comments on the cells of the .xls sheet ``sheet``, the first ``limit`` of them; None when the file cannot
    be read this way. A comment is a drawing object: an OBJ record of type comment with its id, its text after a
    TXO record in the CONTINUE records that follow (each starting with its flags byte: 1 for UTF-16, else Latin-1),
    and, after the drawing, a NOTE record giving its cell and the object's id."""
    try:
        stream, start = _sheet_stream(data, sheet)
        if start is None:
            return None
        texts: dict[int, list[str]] = {}
        shape: int | None = None
        left, found = 0, dict[Cell, str]()
        for kind, body in sheet_records(stream, start):
            if kind == _OBJ:
                _, _, object_type, object_id = struct.unpack_from("<HHHH", body)
                shape = object_id if object_type == _COMMENT_OBJECT else None
            elif kind == _TXO and shape is not None:
                (left,) = struct.unpack_from("<H", body, 10)
                texts[shape] = []
            elif kind == _CONTINUE and shape is not None and left > 0:
                wide = body[0] & 1
                chars = body[1 : 1 + left * (2 if wide else 1)].decode("utf-16-le" if wide else "latin-1", "replace")
                texts[shape].append(chars)
                left -= len(chars)
            elif kind == _NOTE:
                row, col, _, object_id = struct.unpack_from("<HHHH", body)
                if object_id in texts and len(found) < limit:
                    found[(row, col)] = "".join(texts[object_id])
        return found
    # olefile refuses a damaged compound file with OSError or ValueError; a cut record fails to unpack
    except (OSError, ValueError, IndexError, struct.error):
        return None


def _found(found: CellFormulas, cell: Cell, tokens: bytes, names: Sequence[str]) -> None:
    """The formula of ``cell`` read into ``found``, with what it shows when it is made of constants."""
    found[cell], shows = _read_formula(tokens, cell, names)
    if shows is not None:
        found.shows[cell] = shows


_ROW, _COLINFO = 0x0208, 0x007D
_ROW_HIDDEN, _COLUMN_HIDDEN = 0x20, 0x0001  # Row's fDyZero ([MS-XLS] 2.4.221), ColInfo's fHidden (2.4.53)


def xls_sheet_marks(data: bytes, sheet: str, rows: int) -> SheetMarks | None:
    """The formula cells (FORMULA records), hidden rows (Row records of height zero) and hidden columns (ColInfo
    records) among the first ``rows`` rows of the .xls sheet ``sheet``; None without such a sheet or when the file
    cannot be read so."""
    formulas: set[Cell] = set()
    hidden_rows: set[int] = set()
    hidden_columns: set[int] = set()
    try:
        stream, start = _sheet_stream(data, sheet)
        if start is None:
            return None
        for kind, body in sheet_records(stream, start):
            if kind == _FORMULA:
                row, col = struct.unpack_from("<HH", body)
                if row < rows:
                    formulas.add((row, col))
            elif kind == _ROW:
                (row,) = struct.unpack_from("<H", body)
                if row < rows and body[12] & _ROW_HIDDEN:
                    hidden_rows.add(row)
            elif kind == _COLINFO:
                first, last, _, _, flags = struct.unpack_from("<HHHHH", body)
                if flags & _COLUMN_HIDDEN:
                    hidden_columns.update(range(first, min(last + 1, 256)))  # an .xls sheet has 256 columns
    # olefile refuses a damaged compound file with OSError or ValueError; a cut record fails to unpack
    except (OSError, ValueError, IndexError, struct.error):
        return None
    return frozenset(formulas), frozenset(hidden_rows), frozenset(hidden_columns)


def sheet_records(stream: bytes, start: int) -> Iterator[tuple[int, bytes]]:
    """The records of the sheet substream at ``start``, to its EOF; a substream cut before its EOF ends at the next
    sheet's BOF, so another sheet's records are never taken for its own."""
    for i, (kind, body) in enumerate(biff_records(stream, start)):
        if kind == _EOF or (kind == _BOF and i > 0):
            return
        yield kind, body


def biff_records(stream: bytes, at: int) -> Iterator[tuple[int, bytes]]:
    """The records of a BIFF8 stream from offset ``at``, each as (type, body)."""
    while at + 4 <= len(stream):
        kind, size = struct.unpack_from("<HH", stream, at)
        yield kind, stream[at + 4 : at + 4 + size]
        at += 4 + size


def _workbook_globals(stream: bytes) -> tuple[list[tuple[str, int]], list[str]]:
    """Each sheet's name and the offset of its substream (the workbook globals' BoundSheet8 records), and the
    workbook's defined names in order (Lbl records, [MS-XLS] 2.4.150), which a formula's tName counts from 1: a
    function newer than BIFF8 (IFERROR) is called through one named ``_xlfn.IFERROR``. A built-in name (Print_Area)
    is stored as a one-character code, not its text: it is "" here, so a formula using it stays unread."""
    sheets, names = [], []
    for kind, body in biff_records(stream, 0):
        if kind == _BOUNDSHEET:
            (offset,) = struct.unpack_from("<I", body)
            sheets.append((_biff_string(body, 6), offset))
        elif kind == _LBL:
            (flags,) = struct.unpack_from("<H", body)
            names.append("" if flags & 0x0020 else _biff_string(body, 3, at=14))
        elif kind == _EOF:
            break
    return sheets, names


def biff_sheets(stream: bytes) -> list[tuple[str, int]]:
    """Each sheet's name and the offset of its substream, from the workbook globals' BoundSheet8 records."""
    return _workbook_globals(stream)[0]


def _biff_string(body: bytes, count_at: int, at: int | None = None) -> str:
    """A BIFF8 string of the character count at ``count_at`` whose flags byte (1 for UTF-16, else Latin-1) and
    characters follow it, or stand at ``at``."""
    count = body[count_at]
    at = count_at + 1 if at is None else at
    wide = body[at] & 1
    return body[at + 1 : at + 1 + count * (2 if wide else 1)].decode("utf-16-le" if wide else "latin-1")


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
_JOIN = 0x08  # &: two texts joined, what a rep types as well as CONCATENATE
# The functions read back, by their index in [MS-XLS] 2.5.198.17 (Ftab), with their count of arguments when it is
# fixed (a tFunc token does not carry it) or None when it varies (a tFuncVar token carries it): the totals' SUM and
# what a rep wraps a total in (rounding, a maximum, a condition), the IF and COUNT of the form's computed columns,
# dates, lookups, and what a rep types into a text cell (a link, a joined or cut text, a choice), whose text
# consolidation stores (consolidate.typedformulas). Any other index leaves the formula unread.
_FUNCTIONS: dict[int, tuple[str, int | None]] = {
    0: ("COUNT", None),
    1: ("IF", None),
    4: ("SUM", None),
    5: ("AVERAGE", None),
    6: ("MIN", None),
    7: ("MAX", None),
    24: ("ABS", 1),
    25: ("INT", 1),
    27: ("ROUND", 2),
    29: ("INDEX", None),
    31: ("MID", 3),
    32: ("LEN", 1),
    36: ("AND", None),
    37: ("OR", None),
    38: ("NOT", 1),
    48: ("TEXT", 2),
    64: ("MATCH", None),
    65: ("DATE", 3),
    67: ("DAY", 1),
    68: ("MONTH", 1),
    69: ("YEAR", 1),
    100: ("CHOOSE", None),
    102: ("VLOOKUP", None),
    115: ("LEFT", None),
    116: ("RIGHT", None),
    169: ("COUNTA", None),
    212: ("ROUNDUP", 2),
    213: ("ROUNDDOWN", 2),
    221: ("TODAY", 0),
    228: ("SUMPRODUCT", None),
    336: ("CONCATENATE", None),
    345: ("SUMIF", None),
    359: ("HYPERLINK", None),
}
# A function Ftab has no index for (newer than BIFF8, as IFERROR, or a macro's) is called as this index, its first
# argument a tName of the workbook's name for it (``_xlfn.IFERROR``, the prefix saying it is newer).
_NAMED_FUNCTION, _NEWER = 0xFF, "_xlfn."
# tAttr's flags ([MS-XLS] 2.5.198.30-37): a sum of one argument; a CHOOSE's jump table; what only says where an IF
# or a CHOOSE jumps, that the formula is volatile, or spacing, which adds nothing to its text.
_ATTR_SUM, _ATTR_CHOOSE, _ATTR_PASSED = 0x10, 0x04, 0x01 | 0x02 | 0x08 | 0x20 | 0x40


def _read_formula(tokens: bytes, cell: Cell, names: Sequence[str] = ()) -> tuple[str, str | None]:
    """A parsed formula's tokens (reverse Polish) as text, or "" when one is not of the kinds read here; a shared
    formula's references relative to ``cell``, the cell it is read for; a name (tName) from the workbook's
    ``names``. Beside it, what the formula shows when it is made of constants (``_shows``), else None."""
    parse = _Parse(tokens, cell, names)
    try:
        while parse.at < len(tokens):
            (token,) = parse.take("<B")
            _read_token(token, parse)
    except (_Unread, IndexError, struct.error, UnicodeDecodeError):  # or a cut token: this formula's text is unknown
        return "", None
    return (parse.stack[0], parse.shows[0]) if len(parse.stack) == 1 else ("", None)


class _Unread(Exception):
    """A token not of the kinds read here: the formula's text is unknown."""


@dataclass
class _Parse:
    """A formula's tokens being read: where the next one starts, the text of each operand read so far, and what
    each shows when it is made of constants (None when not)."""

    tokens: bytes
    cell: Cell  # the cell a shared formula's references are relative to
    names: Sequence[str]
    at: int = 0
    stack: list[str] = field(default_factory=list)
    shows: list[str | None] = field(default_factory=list)

    def take(self, layout: str) -> tuple[Any, ...]:
        """The next token's fields (a ``struct`` layout), read past."""
        values = struct.unpack_from(layout, self.tokens, self.at)
        self.at += struct.calcsize(layout)
        return values

    def push(self, text: str, shows: str | None = None) -> None:
        """An operand's text, and what it shows when it is made of constants."""
        self.stack.append(text)
        self.shows.append(shows)

    def pop(self, count: int) -> list[tuple[str, str | None]]:
        """The last ``count`` operands, in order, each with what it shows."""
        return [(self.stack.pop(), self.shows.pop()) for _ in range(count)][::-1]

    def a1(self, row: int, col: int, shared: bool) -> str:
        """A reference's row and column fields as A1; a shared formula's moved to the cell read for."""
        return _ref(*_offset(row, col, self.cell)) if shared else _ref(row, col)


_CONSTANTS = frozenset({0x16, 0x17, 0x1D, 0x1E, 0x1F})  # an argument left out, a string, boolean, integer, number
_ATTRIBUTE = 0x19


def _read_token(token: int, parse: _Parse) -> None:
    """One token read onto the operands' text, by its kind."""
    if token >= 0x20:  # a reference's, a name's or a function's token, whatever its class (reference, value, array)
        base = token & 0x1F
        (_function if base in (0x01, 0x02) else _reference)(base, parse)
    elif token == _ATTRIBUTE:
        _attribute(parse)
    elif token in _CONSTANTS:
        _constant(token, parse)
    else:
        _operator(token, parse)


def _operator(token: int, parse: _Parse) -> None:
    """A binary operator, a unary sign, a percent or parentheses around the last operands."""
    if token in _OPERATORS:
        (left, left_shows), (right, right_shows) = parse.pop(2)
        known = token == _JOIN and left_shows is not None and right_shows is not None
        parse.push(left + _OPERATORS[token] + right, f"{left_shows}{right_shows}" if known else None)
    elif token in _PREFIX:
        parse.push(_PREFIX[token] + parse.pop(1)[0][0])
    elif token in _POSTFIX:
        parse.push(parse.pop(1)[0][0] + _POSTFIX[token])
    elif token == 0x15:  # parentheses
        [(text, shows)] = parse.pop(1)
        parse.push(f"({text})", shows)
    else:
        raise _Unread


def _constant(token: int, parse: _Parse) -> None:
    """An operand written into the formula: an argument left out (IF(A1,,0)), a string, a boolean, a number."""
    if token == 0x16:
        text = shows = ""
    elif token == 0x17:  # its length, then 1 for UTF-16 (else Latin-1), then the characters
        count, flags = parse.take("<BB")
        end = parse.at + count * (2 if flags & 1 else 1)
        shows = parse.tokens[parse.at : end].decode("utf-16-le" if flags & 1 else "latin-1")
        text = '"' + shows.replace('"', '""') + '"'
        parse.at = end
    elif token == 0x1D:
        text = shows = "TRUE" if parse.take("<B")[0] else "FALSE"
    elif token == 0x1E:  # an integer
        text = shows = str(parse.take("<H")[0])
    else:  # a number
        (value,) = parse.take("<d")
        text = shows = str(int(value)) if value.is_integer() else repr(value)
    parse.push(text, shows)


def _reference(base: int, parse: _Parse) -> None:
    """A cell or an area (a shared formula's relative to the cell read for), or a defined name."""
    if base in (0x04, 0x0C):  # a cell; a shared formula's cell
        row, col = parse.take("<HH")
        parse.push(parse.a1(row, col, shared=base == 0x0C))
    elif base in (0x05, 0x0D):  # an area; a shared formula's area
        first, last, left, right = parse.take("<HHHH")
        shared = base == 0x0D
        parse.push(f"{parse.a1(first, left, shared)}:{parse.a1(last, right, shared)}")
    elif base == 0x03:  # a defined name: its number among the workbook's, from 1
        (number,) = parse.take("<I")
        if not 0 < number <= len(parse.names) or not parse.names[number - 1]:
            raise _Unread
        parse.push(parse.names[number - 1])
    else:
        raise _Unread


def _function(base: int, parse: _Parse) -> None:
    """A function called on the last operands: of a fixed count of arguments (tFunc, ROUND), which the table gives,
    or of the count the token gives (tFuncVar, SUM), a function newer than BIFF8 named by its first argument."""
    if base == 0x01:
        (index,) = parse.take("<H")
        name, count = _FUNCTIONS.get(index, ("", None))
        if count is None:
            raise _Unread
        arguments = parse.pop(count)
    else:
        count, index = parse.take("<BH")
        arguments = parse.pop(count & 0x7F)
        index &= 0x7FFF
        if index == _NAMED_FUNCTION and arguments and arguments[0][0] in parse.names:
            name, arguments = arguments[0][0].removeprefix(_NEWER), arguments[1:]
        elif index in _FUNCTIONS:
            name = _FUNCTIONS[index][0]
        else:
            raise _Unread
    text = f"{name}({','.join(t for t, _ in arguments)})"
    parse.push(text, _shows(name, [shows for _, shows in arguments]))


def _shows(name: str, arguments: Sequence[str | None]) -> str | None:
    """What a link or a joined text of constants shows (``HYPERLINK(address, name)`` its name, else its address;
    ``CONCATENATE``'s texts joined); None for any other function, or an argument not a constant."""
    if any(a is None for a in arguments):
        return None
    if name == "HYPERLINK" and len(arguments) in (1, 2):
        return arguments[-1]
    if name == "CONCATENATE":
        return "".join(arguments)  # type: ignore[arg-type]
    return None


def _attribute(parse: _Parse) -> None:
    """tAttr: a SUM of one argument; else what adds nothing to the text, read past (a CHOOSE's jump table with it)."""
    (flags,) = parse.take("<B")
    if flags & _ATTR_SUM:
        parse.push(f"SUM({parse.pop(1)[0][0]})")
    elif flags & _ATTR_CHOOSE:  # its count of jumps, then one more offset than that
        (jumps,) = parse.take("<H")
        parse.at += 2 * (jumps + 1)
        return
    elif not flags & _ATTR_PASSED:
        raise _Unread
    parse.at += 2


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
