"""Read a worksheet part in one streaming pass, by qualified name, for the sheet writers.

A sheet may hold a million rows, so it is never loaded as a tree: lxml's ``iterparse`` reports each ``<row>`` as it
ends and the row is dropped at once, leaving only the sheet's frame (view, columns, merged cells, table parts...)
in memory. Rows need not carry ``r=`` (a row without it follows the previous one, a cell without it follows the
previous cell), the main namespace may be bound to any prefix, attributes may use either quote.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field

from lxml import etree

from keyacct_xl.xlsx.ooxml import NS_MAIN, column_letter, parse_range, split_ref
from keyacct_xl.xlsx.xmlpart import PartError, expect_root, int_attribute, serialize_part

WORKSHEET = f"{{{NS_MAIN}}}worksheet"
SHEET_DATA = f"{{{NS_MAIN}}}sheetData"
ROW = f"{{{NS_MAIN}}}row"
CELL = f"{{{NS_MAIN}}}c"
DIMENSION = f"{{{NS_MAIN}}}dimension"
# Stands in for the rows while the frame is serialised; the text cannot occur in a sheet (checked).
_ROWS_MARK = "\ue000keyacct-xl rows\ue000"

Extras = dict[int, list[tuple[int, str]]]  # row -> [(column, cell XML)] of the user's cells around a table
TableRange = tuple[int, int, int, int]  # first row, first column, last row, last column


@dataclass
class SheetLayout:
    """A worksheet without its rows, plus what the writers keep of them."""

    part: str
    root: etree._Element
    prefix: str  # the main namespace's prefix inside sheetData ("" when it is the default namespace)
    utf8: bool
    rows_before: list[bytes] = field(default_factory=list)  # rows above the table's header row, each with its r
    extras: Extras = field(default_factory=dict)  # the user's cells from the header row down, outside the table
    last_row: int = 0  # the number of the sheet's last row (0 when it has none)

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
            raise PartError(self.part, "it contains text that marks the rows while writing",
                            "包含写入时用于标记行的文本")
        return head, tail

    def body_span(self, sheet_xml: bytes) -> tuple[int, int] | None:
        """Byte offsets of the rows in ``sheet_xml`` (after ``<sheetData>``, before its end tag), for appending.

        None unless the sheet is UTF-8 and its sheetData start and end tags each occur exactly once in the bytes.
        """
        if not self.utf8:
            return None
        name = re.escape(f"{self.prefix}:sheetData".lstrip(":").encode())
        opens = re.findall(rb"<" + name + rb"(?=[\s/>])", sheet_xml)
        closes = list(re.finditer(rb"</" + name + rb"\s*>", sheet_xml))
        start = re.search(rb"<" + name + rb"(?:\s[^>]*)?>", sheet_xml)
        if len(opens) != 1 or len(closes) != 1 or start is None or start[0].endswith(b"/>"):
            return None
        return start.end(), closes[0].start()


def read_layout(sheet_xml: bytes, part: str, table: TableRange | None = None) -> SheetLayout:
    """Parse ``sheet_xml`` row by row; with ``table`` (its range before the write) keep the rows above its header
    and the user's cells outside it."""
    context = etree.iterparse(io.BytesIO(sheet_xml), events=("end",), tag=ROW, resolve_entities=False,
                              no_network=True)
    layout: SheetLayout | None = None
    scan = False
    previous = 0
    try:
        for _, row in context:
            if layout is None:
                layout = _layout(row.getroottree().getroot(), part)
                scan = table is not None and _beyond(layout.dimension(), table)
            number = int_attribute(row, "r", part, previous + 1)
            if number <= previous:
                raise PartError(part, f"row {number} comes after row {previous}; rows must be in order",
                                f"第 {number} 行位于第 {previous} 行之后；行必须按顺序排列")
            previous = number
            if table is not None and number < table[0]:
                row.set("r", str(number))
                layout.rows_before.append(etree.tostring(row, with_tail=False))
            elif scan and table is not None:
                _collect_extras(row, number, table, layout.extras, part)
            row.getparent().remove(row)
    except etree.XMLSyntaxError as exc:
        raise PartError(part, f"it is not well-formed XML ({exc})", f"不是格式正确的 XML（{exc}）") from None
    if layout is None:
        layout = _layout(context.root, part)
    layout.last_row = previous
    return layout


def _layout(root: etree._Element, part: str) -> SheetLayout:
    expect_root(root, WORKSHEET, part)
    sheet_data = root.find(SHEET_DATA)
    if sheet_data is None:
        raise PartError(part, "the worksheet has no <sheetData> element", "工作表缺少 <sheetData> 元素")
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
        raise PartError(part, f"row {number} holds a cell {ref!r}, which is not a cell of that row",
                        f"第 {number} 行包含单元格 {ref!r}，它不属于该行")
    return col


def _beyond(used: TableRange | None, old: TableRange) -> bool:
    """Whether the sheet's used range reaches past the table (a missing or unreadable dimension counts as yes)."""
    if used is None:
        return True
    _, first, last_row, last_col = used
    return first < old[1] or last_row > old[2] or last_col > old[3]
