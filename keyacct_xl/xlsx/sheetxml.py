"""Read a worksheet part by qualified name for the sheet writers, without ever holding its rows as a tree.

A sheet may hold a million rows, so it is never loaded as a tree. Its frame (everything but the rows: view, columns,
merged cells, table parts...) is parsed on its own, and the rows are fed to lxml's pull parser only as far as the
writer needs them: up to the table's header row for a rewrite, not at all for an append whose last row carries its
number, every row only when cells outside the table must be kept. A row is dropped as soon as it was looked at.
When the rows cannot be cut out of the bytes exactly (the frame does not parse without them), the whole part is
streamed with ``iterparse`` instead. Rows need not carry ``r=`` (a row without it follows the previous one, a cell
without it follows the previous cell), the main namespace may be bound to any prefix, attributes may use either quote.
"""

from __future__ import annotations

import io
import itertools
import re
from collections.abc import Collection, Container, Iterator
from dataclasses import dataclass, field
from xml.sax.saxutils import quoteattr

from lxml import etree

from keyacct_xl.messages import msg
from keyacct_xl.xlsx.ooxml import NS_MAIN, column_letter, parse_range, split_ref
from keyacct_xl.xlsx.xmlpart import PartError, expect_root, int_attribute, malformed, parse_part, serialize_part

WORKSHEET = f"{{{NS_MAIN}}}worksheet"
SHEET_DATA = f"{{{NS_MAIN}}}sheetData"
ROW = f"{{{NS_MAIN}}}row"
CELL = f"{{{NS_MAIN}}}c"
DIMENSION = f"{{{NS_MAIN}}}dimension"
FORMULA = f"{{{NS_MAIN}}}f"
VALUE = f"{{{NS_MAIN}}}v"
# Stands in for the rows while the frame is serialised; the text cannot occur in a sheet (checked).
_ROWS_MARK = "\ue000keyacct-xl rows\ue000"

Extras = dict[int, list[tuple[int, str]]]  # row -> [(column, cell XML)] of the user's cells around a table
TableRange = tuple[int, int, int, int]  # first row, first column, last row, last column
# Rows are fed to the parser this much at a time: a rewrite stops reading at the table's header row, and each feed
# is parsed whole (a 1 MiB feed parsed some 3,000 rows only to drop them).
_FEED = 64 * 1024
_HEAD_FEED = 64 * 1024  # sheetData starts within the first few kB of any sheet
_WRAPPER = b"keyacct-xl-rows"


@dataclass
class SheetLayout:
    """A worksheet without its rows, plus what the writers keep of them."""

    part: str
    root: etree._Element
    prefix: str  # the main namespace's prefix inside sheetData ("" when it is the default namespace)
    utf8: bool
    body: tuple[int, int] | None = None  # byte span of the rows in the part, when they could be cut out exactly
    rows_before: list[bytes] = field(default_factory=list)  # rows above the table's header row, each with its r
    extras: Extras = field(default_factory=dict)  # the user's cells from the header row down, outside the table
    last_row: int = 0  # the number of the sheet's last row (0 when it has none); set when asked for

    def dimension(self) -> TableRange | None:
        """The sheet's recorded used range, when it has a readable one."""
        element = self.root.find(DIMENSION)
        try:
            return parse_range(element.get("ref", "")) if element is not None else None
        except ValueError:
            return None

    def frame(self, dimension: str | None = None) -> tuple[bytes, bytes]:
        """The sheet's bytes before its first row and after its last, with the used range set to ``dimension``."""
        element = self.root.find(DIMENSION)
        if dimension and element is not None:
            element.set("ref", dimension)
        sheet_data = self.root.find(SHEET_DATA)
        sheet_data.text = _ROWS_MARK
        text = serialize_part(self.root)
        sheet_data.text = None
        head, mark, tail = text.partition(_ROWS_MARK.encode())
        if not mark or mark in tail:
            raise PartError(self.part, msg("it contains text that marks the rows while writing"))
        return head, tail

    def wrapper(self) -> tuple[bytes, bytes]:
        """Start and end tags of an element declaring the namespaces in scope at sheetData, to parse rows alone."""
        scope = self.root.find(SHEET_DATA).nsmap
        declarations = "".join(f" xmlns{':' + p if p else ''}={quoteattr(uri)}" for p, uri in scope.items())
        return b"<" + _WRAPPER + declarations.encode() + b">", b"</" + _WRAPPER + b">"


def read_layout(sheet_xml: bytes, part: str, table: TableRange | None = None, *, last_row: bool = False) -> SheetLayout:
    """Read ``sheet_xml``'s frame; with ``table`` (its range before the write) keep the rows above its header and
    the user's cells outside it; with ``last_row`` find the number of the sheet's last row."""
    layout = _cut_layout(sheet_xml, part)
    if layout is None:
        return _streamed_layout(sheet_xml, part, table)
    try:
        _keep_rows(layout, _body_rows(sheet_xml, layout), table)
        layout.last_row = _last_row(sheet_xml, layout) if last_row else 0
    except etree.XMLSyntaxError:
        return _streamed_layout(sheet_xml, part, table)  # names the first malformed spot of the whole part
    return layout


def _keep_rows(layout: SheetLayout, rows: Iterator[tuple[int, etree._Element]], table: TableRange | None) -> None:
    """Keep what the writer needs of ``rows``, reading no further than that."""
    if table is None:
        return
    scan = _beyond(layout.dimension(), table)
    for number, row in rows:
        if number < table[0]:
            row.set("r", str(number))
            layout.rows_before.append(etree.tostring(row, with_tail=False))
        elif scan:
            _collect_extras(row, number, table, layout.extras, layout.part)
        else:
            break  # the rest is the table's, which is written anew


def _cut_layout(sheet_xml: bytes, part: str) -> SheetLayout | None:
    """The layout from the frame alone, the rows cut out of the bytes; None when they cannot be cut exactly."""
    prefix = _sheet_data_prefix(sheet_xml)
    if prefix is None:
        return None
    name = re.escape(_qualified(prefix, "sheetData"))
    start = re.search(rb"<" + name + rb"(?:\s[^>]*)?>", sheet_xml)
    end = sheet_xml.rfind(b"</" + _qualified(prefix, "sheetData"))
    if start is None or start[0].endswith(b"/>") or end < start.end():
        return None
    if not re.compile(rb"</" + name + rb"\s*>").match(sheet_xml, end):
        return None
    try:
        root = parse_part(sheet_xml[: start.end()] + sheet_xml[end:], part)
    except PartError:
        return None
    layout = _layout(root, part)
    sheet_data = root.find(SHEET_DATA)
    if len(sheet_data) or (sheet_data.text or "").strip() or layout.prefix != prefix or not layout.utf8:
        return None
    layout.body = (start.end(), end)
    return layout


def _sheet_data_prefix(sheet_xml: bytes) -> str | None:
    """The prefix sheetData is written with (read by parsing up to its start tag), or None when there is none."""
    parser = etree.XMLPullParser(events=("start",), tag=SHEET_DATA, resolve_entities=False, no_network=True)
    try:
        for at in range(0, len(sheet_xml), _HEAD_FEED):
            parser.feed(sheet_xml[at : at + _HEAD_FEED])
            for _, element in parser.read_events():
                return element.prefix or ""
    except etree.XMLSyntaxError:
        return None
    return None


def _qualified(prefix: str, local: str) -> bytes:
    return f"{prefix}:{local}".lstrip(":").encode()


def _numbered(rows: Iterator[etree._Element], layout: SheetLayout) -> Iterator[tuple[int, etree._Element]]:
    """Each row with its number (a row without r= follows the previous one), dropped once looked at; the layout's
    ``last_row`` follows the rows looked at."""
    previous, part = 0, layout.part
    for row in rows:
        number = int_attribute(row, "r", part, previous + 1)
        if number <= previous:
            raise PartError(
                part,
                msg("row {number} comes after row {previous}; rows must be in order", number=number, previous=previous),
            )
        previous = layout.last_row = number
        yield number, row
        row.getparent().remove(row)


def _body_rows(sheet_xml: bytes, layout: SheetLayout) -> Iterator[tuple[int, etree._Element]]:
    """The rows of the cut-out body, parsed as they are fed: a caller that stops early parses no further."""
    parser = etree.XMLPullParser(events=("end",), tag=ROW, resolve_entities=False, no_network=True)
    opening, closing = layout.wrapper()
    start, end = layout.body  # type: ignore[misc]

    def rows() -> Iterator[etree._Element]:
        parser.feed(opening)
        for at in range(start, end, _FEED):
            parser.feed(sheet_xml[at : min(at + _FEED, end)])
            yield from (row for _, row in parser.read_events())
        parser.feed(closing)
        parser.close()
        yield from (row for _, row in parser.read_events())

    return _numbered(rows(), layout)


def _last_row(sheet_xml: bytes, layout: SheetLayout) -> int:
    """The last row's number: read from the last row alone when it carries r=, else by counting every row."""
    start, end = layout.body  # type: ignore[misc]
    tag = re.compile(rb"<" + re.escape(_qualified(layout.prefix, "row")) + rb"[\s>/]")
    at = sheet_xml.rfind(b"<" + _qualified(layout.prefix, "row"), start, end)
    if at >= 0 and tag.match(sheet_xml, at):
        opening, closing = layout.wrapper()
        try:
            rows = list(parse_part(opening + sheet_xml[at:end] + closing, layout.part).iterchildren(ROW))
        except PartError:
            rows = []
        if len(rows) == 1 and (r := rows[0].get("r", "")).isdigit():
            return int(r)
    for _ in _body_rows(sheet_xml, layout):
        pass
    return layout.last_row


def _streamed_layout(sheet_xml: bytes, part: str, table: TableRange | None) -> SheetLayout:
    """The layout from one ``iterparse`` pass over the whole part, every row looked at and dropped."""
    context = etree.iterparse(io.BytesIO(sheet_xml), events=("end",), tag=ROW, resolve_entities=False, no_network=True)
    events = (row for _, row in context)
    try:
        first = next(events, None)
        root = context.root if first is None else first.getroottree().getroot()
        layout = _layout(root, part)
        numbered = _numbered(itertools.chain([first] if first is not None else [], events), layout)
        _keep_rows(layout, numbered, table)
        for _ in numbered:  # the rest, so the frame after the rows is parsed too
            pass
    except etree.XMLSyntaxError as exc:
        raise malformed(part, exc) from None
    return layout


def _layout(root: etree._Element, part: str) -> SheetLayout:
    expect_root(root, WORKSHEET, part)
    sheet_data = root.find(SHEET_DATA)
    if sheet_data is None:
        raise PartError(part, msg("the worksheet has no <sheetData> element"))
    encoding = (root.getroottree().docinfo.encoding or "UTF-8").upper()
    return SheetLayout(part, root, sheet_data.prefix or "", encoding in ("UTF-8", "UTF8"))


def _collect_extras(row: etree._Element, number: int, table: TableRange, extras: Extras, part: str) -> None:
    """Keep the row's cells that lie outside the table, each with an explicit reference."""
    _, first_col, last_row, last_col = table
    col = 0
    for cell in row.iterchildren(CELL):
        ref = cell.get("r")
        col = col + 1 if ref is None else _cell_column(ref, number, part)
        if number > last_row or not first_col <= col <= last_col:
            if ref is None:
                cell.set("r", f"{column_letter(col)}{number}")
            extras.setdefault(number, []).append((col, etree.tostring(cell, with_tail=False).decode()))


def _cell_column(ref: str, number: int, part: str) -> int:
    try:
        row, col = split_ref(ref)
    except ValueError:
        row, col = 0, 0
    if row != number:
        raise PartError(
            part, msg("row {number} holds a cell {ref!r}, which is not a cell of that row", number=number, ref=ref)
        )
    return col


def _beyond(used: TableRange | None, old: TableRange) -> bool:
    """Whether the sheet's used range reaches past the table (a missing or unreadable dimension counts as yes)."""
    if used is None:
        return True
    _, first, last_row, last_col = used
    return first < old[1] or last_row > old[2] or last_col > old[3]


def formula_cells(sheet_xml: bytes, part: str) -> frozenset[tuple[int, int]]:
    """The cells of a worksheet part that hold a formula (a shared formula's every cell too), as 0-based (row,
    column)."""
    return frozenset(
        (row - 1, col - 1) for row, col, cell in sheet_cells(sheet_xml, part) if cell.find(FORMULA) is not None
    )


COLUMN = f"{{{NS_MAIN}}}col"
_TRUE = ("1", "true")


def hidden_rows_columns(sheet_xml: bytes, part: str) -> tuple[frozenset[int], frozenset[int]]:
    """The rows and the columns a worksheet part hides (``<row hidden="1">``, ``<col min max hidden="1">``), as
    0-based numbers: what a person opening the file does not see."""
    rows: set[int] = set()
    columns: set[int] = set()
    context = etree.iterparse(
        io.BytesIO(sheet_xml), events=("end",), tag=(ROW, COLUMN), resolve_entities=False, no_network=True
    )
    previous = 0
    try:
        for _, element in context:
            if element.tag == COLUMN:
                if element.get("hidden") in _TRUE:
                    first = int_attribute(element, "min", part, 1)
                    columns.update(range(first - 1, min(int_attribute(element, "max", part, first), 16_384)))
                continue
            previous = int_attribute(element, "r", part, previous + 1)
            if element.get("hidden") in _TRUE:
                rows.add(previous - 1)
            element.getparent().remove(element)  # as sheet_cells: a million rows are not kept
    except etree.XMLSyntaxError as exc:
        raise malformed(part, exc) from None
    return frozenset(rows), frozenset(columns)


def cell_formulas(sheet_xml: bytes, part: str, cells: Collection[tuple[int, int]]) -> dict[tuple[int, int], str]:
    """The formulas of those of ``cells`` (0-based row, column) that hold one, as written (no ``=``). A cell of a
    shared formula that only names its group (Excel writes a formula filled or copied across or down so) gets the
    formula of the group's first cell as copied to it, its relative references moved; "" when that first cell is not
    found down to it or its formula cannot be moved. The part is read down to the last of ``cells``, only the rows of
    ``cells`` looked at, and read again above them only for such a group."""
    if not cells:
        return {}
    rows = {row + 1 for row, _ in cells}
    found = {}
    groups: dict[tuple[int, int], tuple[str, str]] = {}  # a cell naming its group -> the group's si, the cell as A1
    for row, col, cell in sheet_cells(sheet_xml, part, max(rows), rows):
        formula = cell.find(FORMULA)
        if formula is not None and (row - 1, col - 1) in cells:
            found[(row - 1, col - 1)] = formula.text or ""
            if not formula.text and formula.get("t") == "shared":
                groups[(row - 1, col - 1)] = (formula.get("si", ""), f"{column_letter(col)}{row}")
    if groups:
        firsts = _shared_firsts(sheet_xml, part, max(r for r, _ in groups) + 1, {si for si, _ in groups.values()})
        for at, (si, ref) in groups.items():
            if si in firsts:
                found[at] = translated(*firsts[si], ref) or ""
    return found


def cell_numbers(sheet_xml: bytes, part: str, cells: Collection[tuple[int, int]]) -> dict[tuple[int, int], float]:
    """The numbers those of ``cells`` (0-based row, column) hold as written in the part, before any reader turns a
    date cell's number into a date; a cell holding text, a boolean or an error, or no value, is left out."""
    if not cells:
        return {}
    rows = {row + 1 for row, _ in cells}
    found = {}
    for row, col, cell in sheet_cells(sheet_xml, part, max(rows), rows):
        if (row - 1, col - 1) in cells and cell.get("t", "n") == "n":
            try:
                found[(row - 1, col - 1)] = float(cell.findtext(VALUE) or "")
            except ValueError:  # no value, or one that is no number: nothing concluded
                continue
    return found


def _shared_firsts(sheet_xml: bytes, part: str, last_row: int, groups: Container[str]) -> dict[str, tuple[str, str]]:
    """The formula and the cell (A1) of the first cell of each shared formula of ``groups`` (by si) down to
    ``last_row``: the one holding its text."""
    firsts: dict[str, tuple[str, str]] = {}
    for row, col, cell in sheet_cells(sheet_xml, part, last_row):
        formula = cell.find(FORMULA)
        if formula is not None and formula.text and formula.get("t") == "shared" and formula.get("si", "") in groups:
            firsts.setdefault(formula.get("si", ""), (formula.text, f"{column_letter(col)}{row}"))
    return firsts


def translated(formula: str, origin: str, target: str) -> str | None:
    """``formula`` of the cell ``origin`` as copied to ``target`` (relative references moved); None when it cannot
    be read."""
    from openpyxl.formula.tokenizer import TokenizerError  # here: only a sheet with formulas needs them
    from openpyxl.formula.translate import Translator, TranslatorError

    try:
        return Translator("=" + formula, origin=origin).translate_formula(target)[1:]
    except (TranslatorError, TokenizerError):  # a reference moved off the sheet; a formula that does not parse
        return None


def sheet_cells(
    sheet_xml: bytes, part: str, last_row: int | None = None, rows: Container[int] | None = None
) -> Iterator[tuple[int, int, etree._Element]]:
    """Each cell of a worksheet part (down to ``last_row``; of the ``rows`` only, when given) with its 1-based row
    and column, streamed row by row: rows and cells without ``r=`` follow the previous one; a row is dropped once
    its cells were handed out."""
    context = etree.iterparse(io.BytesIO(sheet_xml), events=("end",), tag=ROW, resolve_entities=False, no_network=True)
    previous = 0
    try:
        for _, row in context:
            previous = int_attribute(row, "r", part, previous + 1)
            if last_row is not None and previous > last_row:
                return
            col = 0
            for cell in row.iterchildren(CELL) if rows is None or previous in rows else ():
                ref = cell.get("r")
                col = col + 1 if ref is None else _cell_column(ref, previous, part)
                yield previous, col, cell
            row.getparent().remove(row)  # a million rows of a large table are not kept as empty elements
    except etree.XMLSyntaxError as exc:
        raise malformed(part, exc) from None


def rows_after(sheet_xml: bytes, part: str, after: int) -> list[tuple[int, etree._Element]]:
    """The rows of a worksheet part numbered above ``after``, in order, each with its number.

    Rows typed under a table are a few at the end of a sheet that may hold a million: they are read from the part's
    end backwards, one row at a time, as long as every row looked at carries ``r=``; else every row is streamed."""
    layout = _cut_layout(sheet_xml, part)
    found = None if layout is None else _rows_from_end(sheet_xml, layout, after)
    if found is not None:
        return found
    context = etree.iterparse(io.BytesIO(sheet_xml), events=("end",), tag=ROW, resolve_entities=False, no_network=True)
    rows, previous = [], 0
    try:
        for _, row in context:
            previous = int_attribute(row, "r", part, previous + 1)
            if previous > after:
                rows.append((previous, row))
            else:
                row.getparent().remove(row)  # a row above is only counted
    except etree.XMLSyntaxError as exc:
        raise malformed(part, exc) from None
    return rows


def _rows_from_end(sheet_xml: bytes, layout: SheetLayout, after: int) -> list[tuple[int, etree._Element]] | None:
    """``rows_after`` from the cut-out body, last row first; None when a row looked at has no ``r=`` (or is not one
    element, or rows are out of order): the caller then streams them all."""
    start, stop = layout.body  # type: ignore[misc]
    opening, closing = layout.wrapper()
    tag = b"<" + _qualified(layout.prefix, "row")
    found: list[tuple[int, etree._Element]] = []
    while (at := sheet_xml.rfind(tag, start, stop)) >= 0:
        if sheet_xml[at + len(tag) : at + len(tag) + 1] not in (b" ", b"\t", b"\r", b"\n", b">", b"/"):
            return None  # another element whose name begins with "row": not a row
        try:
            rows = list(parse_part(opening + sheet_xml[at:stop] + closing, layout.part).iterchildren(ROW))
        except PartError:
            return None
        number = rows[0].get("r", "") if len(rows) == 1 else ""
        if not number.isdigit() or (found and int(number) >= found[-1][0]):
            return None
        if int(number) <= after:
            break
        found.append((int(number), rows[0]))
        stop = at
    return found[::-1]


def recorded_used_range(head: bytes) -> TableRange | None:
    """The used range a worksheet part records in its ``<dimension>``, read from the part's first bytes ``head``
    (the element comes before the rows); None when there is none there, or it is no range."""
    parser = etree.XMLPullParser(events=("start",), resolve_entities=False, no_network=True)
    try:
        # A kilobyte at a time: the element is in the first few hundred bytes, and the rest of the head need not
        # be parsed (a whole head took a millisecond a table of every master read)
        for start in range(0, len(head), 1024):
            parser.feed(head[start : start + 1024])
            for _, element in parser.read_events():
                if element.tag == SHEET_DATA:
                    return None
                if element.tag == DIMENSION:
                    return parse_range(element.get("ref", ""))
    except (etree.XMLSyntaxError, ValueError):
        return None
    return None
