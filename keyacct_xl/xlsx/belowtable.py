"""Rows typed under an Excel table, outside its range: what LibreOffice and WPS leave where Excel extends the table.

Excel grows a table when a person types in the row under it; LibreOffice and WPS do not, so the table part keeps
its range and the new row lies outside it. Such rows are what the person meant as rows of the table: the rows
starting right under the table's last row, in its columns, up to the first row blank in all of them, are taken as
the table's (the readers read the table with its range extended over them, see ``with_rows_below``). A row that
looks like a totals row (a SUM or SUBTOTAL formula, or 合计 / Total in the first column) is not data; rows past a
blank row or a totals row are not read. Both are named, never left unsaid.
"""

from __future__ import annotations

import io
import re
import zipfile
import zlib
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass

from lxml import etree

from keyacct_xl.xlsx.ooxml import NS_MAIN, range_ref, split_ref
from keyacct_xl.xlsx.package import TableLocation, read_part, rewrite_package, shared_strings_part
from keyacct_xl.xlsx.sheetxml import recorded_used_range, rows_after
from keyacct_xl.xlsx.tablepart import table_headers, update_table
from keyacct_xl.xlsx.xmlpart import parse_part

_CELL = f"{{{NS_MAIN}}}c"
_VALUE = f"{{{NS_MAIN}}}v"
_FORMULA = f"{{{NS_MAIN}}}f"
_INLINE = f"{{{NS_MAIN}}}is"
_TEXT = f"{{{NS_MAIN}}}t"
_RUN = f"{{{NS_MAIN}}}r"
_ITEM = f"{{{NS_MAIN}}}si"
_HEAD = 16 * 1024  # a sheet's <dimension> comes within its first few hundred bytes, after sheetPr
# A formula that adds up a column: what a person types in a totals row.
_TOTAL_FORMULA = re.compile(r"\b(SUM|SUBTOTAL|AGGREGATE)\s*\(", re.IGNORECASE)
# A totals row's label, as a whole cell without spaces (合 计) and any closing colon, case-blind.
TOTAL_WORDS = frozenset({"合计", "总计", "小计", "共计", "总合计", "total", "totals", "grandtotal", "subtotal", "sum"})


@dataclass(frozen=True)
class BelowTable:
    """What lies under a table in its columns, outside its range, as sheet rows (1-based)."""

    taken: tuple[int, ...] = ()  # the rows right under it, up to a blank row: read as the table's rows
    totals: tuple[int, ...] = ()  # rows that look like a totals row: not read
    apart: tuple[int, ...] = ()  # rows past a blank row (or a totals row): not read

    def __bool__(self) -> bool:
        return bool(self.taken or self.totals or self.apart)

    def last_row(self, table_last: int) -> int:
        """The last row of a table ending on ``table_last`` once the rows taken are its own."""
        return max(table_last, *self.taken) if self.taken else table_last


NOTHING_BELOW = BelowTable()


def below_table(archive: zipfile.ZipFile, loc: TableLocation) -> BelowTable:
    """What lies under the table ``loc`` of the package ``archive``, in its columns (see the module's note)."""
    _, first_col, last_row, last_col = loc.cells()
    used = recorded_used_range(_head(archive, loc.sheet_part))
    # The sheet says it ends with the table: a large sheet is not inflated to look. A recorded range ending above
    # the table's own last row is out of date (a streaming writer leaves A1) and says nothing.
    if used is not None and used[2] == last_row:
        return NOTHING_BELOW
    sheet_xml = read_part(archive, loc.sheet_part)
    found = {n: _cells(row, n, first_col, last_col) for n, row in rows_after(sheet_xml, loc.sheet_part, last_row)}
    filled = {n: cells for n, cells in found.items() if cells}
    if not filled:
        return NOTHING_BELOW
    strings = _shared_strings(archive, _string_indices(c for cells in filled.values() for c in cells.values()))
    totals = {n for n, cells in filled.items() if is_totals_row(cells, strings)}
    # A table with Excel's own totals row ends with it: nothing under it continues the table's rows.
    taken, row = [], last_row + 1
    continued = not _has_totals_row(archive, loc)
    while continued and row in filled and row not in totals:
        taken.append(row)
        row += 1
    rest = [n for n in filled if n not in taken]
    return BelowTable(tuple(taken), tuple(n for n in rest if n in totals), tuple(n for n in rest if n not in totals))


def _head(archive: zipfile.ZipFile, part: str) -> bytes:
    """The part's first bytes, inflated alone; none when it cannot be read (``read_part`` then names the problem)."""
    try:
        with archive.open(part) as stream:
            return stream.read(_HEAD)
    except (KeyError, zipfile.BadZipFile, zlib.error, OSError, EOFError):
        return b""


def _cells(row: etree._Element, number: int, first_col: int, last_col: int) -> dict[int, etree._Element]:
    """The row's cells in the table's columns that hold something (a value or a formula), by column."""
    found, col = {}, 0
    for cell in row.iterchildren(_CELL):
        ref = cell.get("r")
        try:
            col = col + 1 if ref is None else split_ref(ref)[1]
        except ValueError:
            col += 1  # an unreadable reference: the reader reports the cell; here it only counts as the next one
        if first_col <= col <= last_col and _holds_something(cell):
            found[col] = cell
    return found


def _holds_something(cell: etree._Element) -> bool:
    if cell.find(_FORMULA) is not None:
        return True
    if cell.get("t") == "inlineStr":
        return bool(_inline_text(cell))
    value = cell.find(_VALUE)
    return value is not None and bool(value.text)


def _inline_text(cell: etree._Element) -> str:
    inline = cell.find(_INLINE)
    return "" if inline is None else _item_text(inline)


def _item_text(item: etree._Element) -> str:
    """A string item's text: its own ``t``, else its runs' (phonetic readings left out)."""
    own = item.find(_TEXT)
    if own is not None:
        return own.text or ""
    return "".join(t.text or "" for run in item.iterchildren(_RUN) for t in run.iterchildren(_TEXT))


def _string_indices(cells: Iterable[etree._Element | None]) -> set[int]:
    """The shared strings the cells show (those that are shared-string cells)."""
    indices = set()
    for cell in cells:
        value = None if cell is None or cell.get("t") != "s" else cell.find(_VALUE)
        if value is not None and (value.text or "").strip().isdigit():
            indices.add(int(value.text))
    return indices


def _shared_strings(archive: zipfile.ZipFile, wanted: Collection[int]) -> dict[int, str]:
    """The shared strings ``wanted``, by index, read from the strings part no further than the last of them."""
    part = shared_strings_part(archive) if wanted else None
    if part is None or part not in archive.NameToInfo:
        return {}
    found, last = {}, max(wanted)
    context = etree.iterparse(
        io.BytesIO(read_part(archive, part)), events=("end",), tag=_ITEM, resolve_entities=False, no_network=True
    )
    try:
        for index, (_, item) in enumerate(context):
            if index in wanted:
                found[index] = _item_text(item)
            item.clear()
            if index >= last:
                break
    except etree.XMLSyntaxError:
        return found  # a damaged strings part: the reader names it when it reads the cells
    return found


def is_totals_row(cells: Mapping[int, etree._Element], strings: Mapping[int, str]) -> bool:
    """Whether a row's cells (by column) look like a totals row: a formula adding up a column, or 合计 / Total
    (``TOTAL_WORDS``) as a whole cell, anywhere in the table's columns (a ledger often labels it under the customer
    or the name, not in the first column)."""
    if any(_TOTAL_FORMULA.search(f.text or "") for c in cells.values() if (f := c.find(_FORMULA)) is not None):
        return True
    return any(total_word(_cell_text(cell, strings)) for cell in cells.values())


def total_word(text: str) -> bool:
    """Whether ``text`` is a totals row's label: 合计, 合 计, Total:, GRAND TOTAL..."""
    return re.sub(r"\s+", "", text).rstrip(":：").casefold() in TOTAL_WORDS


def _cell_text(cell: etree._Element, strings: Mapping[int, str]) -> str:
    kind = cell.get("t")
    if kind == "inlineStr":
        return _inline_text(cell)
    value = cell.find(_VALUE)
    text = "" if value is None else value.text or ""
    if kind == "s":
        return strings.get(int(text), "") if text.strip().isdigit() else ""
    return text if kind == "str" else ""


def _has_totals_row(archive: zipfile.ZipFile, loc: TableLocation) -> bool:
    """Whether the table part shows Excel's own totals row (its range's last row)."""
    root = parse_part(read_part(archive, loc.table_part), loc.table_part)
    return (root.get("totalsRowCount") or "0").strip() not in ("", "0")


def extended_parts(archive: zipfile.ZipFile, tables: Mapping[TableLocation, BelowTable]) -> dict[str, bytes]:
    """Each table part of ``archive`` whose table took rows under it, its range extended over them."""
    parts = {}
    for loc, below in tables.items():
        if below.taken:
            first_row, first_col, last_row, last_col = loc.cells()
            table_xml = read_part(archive, loc.table_part)
            ref = range_ref(first_row, first_col, below.last_row(last_row), last_col)
            parts[loc.table_part] = update_table(table_xml, ref, table_headers(table_xml), loc.table_part)
    return parts


def with_rows_below(data: bytes, tables: Mapping[TableLocation, BelowTable]) -> bytes:
    """The workbook ``data`` with each table's range extended over the rows taken under it, for the readers: every
    other part keeps its bytes (copied as stored). ``data`` itself when no table took a row."""
    if not any(below.taken for below in tables.values()):
        return data
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        replacements: dict = extended_parts(archive, tables)
    out = io.BytesIO()
    rewrite_package(io.BytesIO(data), out, replacements)  # type: ignore[arg-type]
    return out.getvalue()
