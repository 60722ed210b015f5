"""A spreadsheet name on a file that is no workbook: an "Excel" export of an older system (a Chinese ERP, a bank)
that is really a web page (HTML) or tab-separated text, or an Excel 2003 XML spreadsheet, saved as .xls.

Excel and WPS open such a file (after a warning), so a person takes it for a workbook; read as a package it was
"damaged". ``disguised_kind`` tells what the bytes are; the readers that take a list of rows (a customer list, a
statement) read it as what it is through ``disguised_sheets`` (the text as a CSV, the page's table, the XML
spreadsheet's worksheets), and the others (a form) refuse it in words saying what it is and how to make it a workbook
(``disguised_reason``). The text is decoded as a .csv is (``keyacct_xl/csvtext.py``).
"""

from __future__ import annotations

import codecs
import datetime as dt
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from lxml import etree, html

from keyacct_xl.csvtext import CSV_ENCODINGS, csv_rows, utf16_codec
from keyacct_xl.errors import InputError
from keyacct_xl.messages import Message, msg

DisguisedKind = Literal["html", "xml2003", "text"]
_SAMPLE = 4096
# How an .xls's compound file and a zip package (.xlsx, .ods) start: a workbook, whatever its bytes would decode to.
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
_CHARSET = re.compile(rb"""charset\s*=\s*["']?([A-Za-z0-9_.:-]+)""", re.IGNORECASE)
_XML_ENCODING = re.compile(rb"""<\?xml[^>]*?\bencoding\s*=\s*["']([A-Za-z0-9_.:-]+)""")
# GBK and GB2312 pages are read as GB18030, the superset: a name's rarer character is never lost.
_GB = frozenset({"gb2312", "gbk", "gb_2312-80", "x-gbk", "euc-cn", "cp936", "gb18030"})
_TEXT_CONTROLS = frozenset(chr(c) for c in range(32)) - {"\t", "\n", "\r", "\x0c"}


Cell = tuple[int, int]  # (row, column), 0-based


@dataclass(frozen=True)
class DisguisedSheet:
    """One sheet of a file that is no workbook: its name (None for text or a page, which name none), its rows from
    row 1, each from column A (blank cells None), and whether a person opening the file sees it; for an XML
    spreadsheet also what a workbook's readers know of a sheet besides its values (0-based, as calamine's): the cells
    holding a formula, the rows and columns it hides, its merged ranges."""

    name: str | None
    rows: list[list[object]]
    visible: bool = True
    formulas: frozenset[Cell] = frozenset()
    hidden_rows: frozenset[int] = frozenset()
    hidden_columns: frozenset[int] = frozenset()
    merged: tuple[tuple[Cell, Cell], ...] = ()  # ((first row, first column), (last row, last column))


def disguised_kind(data: bytes) -> DisguisedKind | None:
    """What a file under a workbook's name really is, from its first bytes: an HTML page, an Excel 2003 XML
    spreadsheet, text with its columns split by tabs or commas; None for anything else (a workbook, a damaged one)."""
    head = data[:_SAMPLE]
    if head.startswith((OLE_MAGIC, ZIP_MAGIC)):
        return None
    codec = utf16_codec(head)
    if codec is not None:
        markup = head.decode(codec, errors="ignore")
    else:
        markup = head.removeprefix(codecs.BOM_UTF8).decode("latin-1")  # the tags are ASCII in any encoding
    lowered = markup.lstrip().lower()
    if lowered.startswith("<"):
        if "<workbook" in lowered and "urn:schemas-microsoft-com:office:spreadsheet" in lowered:
            return "xml2003"
        return "html" if re.search(r"<(html|table|body|!doctype html)\b", lowered) else None
    return "text" if _delimited(head, codec) else None


def disguised_sheets(data: bytes, shown: object, *, max_cells: int) -> list[DisguisedSheet] | None:
    """The sheets of the file whose bytes are ``data`` read as what it is, when it is no workbook (``disguised_kind``):
    text as the CSV it is, a web page's table, an Excel 2003 XML spreadsheet's worksheets (their cells together at
    most ``max_cells``); None for a workbook. ``shown`` names the file in a refusal."""
    kind = disguised_kind(data)
    if kind == "text":
        return [DisguisedSheet(None, [list(r) for r in csv_rows(data, shown)])]
    if kind == "html":
        return [DisguisedSheet(None, html_rows(data, shown))]
    if kind == "xml2003":
        return xml2003_sheets(data, shown, max_cells=max_cells)
    return None


def _delimited(head: bytes, codec: str | None) -> bool:
    """Whether the sample is text (UTF-16, UTF-8 or GB18030, no control character but tabs and line ends) with a tab
    or a comma on one of its lines: a table written as text (a title line may stand above it). ``codec``: the
    sample's UTF-16 codec, if it is UTF-16."""
    if codec is not None:
        text = head.decode(codec, errors="ignore")
    else:
        whole = head if len(head) < _SAMPLE else head[: head.rfind(b"\n") + 1]  # no character cut at the end
        text = next((t for t in (_decoded(whole, c) for c in CSV_ENCODINGS) if t is not None), "")
    if not text or any(ch in _TEXT_CONTROLS for ch in text):
        return False
    return "\t" in text or "," in text


def _decoded(data: bytes, codec: str) -> str | None:
    try:
        return data.decode(codec)
    except UnicodeDecodeError:
        return None


def disguised_reason(kind: DisguisedKind, suffix: str) -> Message:
    """Why a file of ``kind`` under a workbook's ``suffix`` is not read as a workbook, and how to make it one."""
    if kind == "html":
        return msg(
            "this {suffix} file is really a web page (HTML), as older systems export tables: open it in Excel or WPS "
            "and save it as .xlsx",
            suffix=suffix,
        )
    if kind == "xml2003":
        return msg(
            "this {suffix} file is really an Excel 2003 XML spreadsheet: open it in Excel or WPS and save it as .xlsx",
            suffix=suffix,
        )
    return msg(
        "this {suffix} file is really text with its columns split by tabs or commas, as older systems export "
        "tables: open it in Excel or WPS and save it as .xlsx",
        suffix=suffix,
    )


def html_rows(data: bytes, shown: object) -> list[list[object]]:
    """The rows of the page's table (the one with the most rows: a page may hold a title table above the list), each
    cell's text as shown (blank cells None); a cell spanning columns fills its first and leaves the others blank.
    ``shown`` names the file in a refusal."""
    text = _markup_text(data, _CHARSET)
    if text is None:
        raise InputError(msg("{path}: cannot decode the web page (tried UTF-8 and GB18030)", path=shown))
    try:
        page = html.document_fromstring(text)
    except (etree.ParserError, ValueError) as exc:
        raise InputError(msg("{path}: cannot read the web page ({exc})", path=shown, exc=exc)) from None
    tables = [t for t in page.iter("table") if t.xpath("./tr|./thead/tr|./tbody/tr|./tfoot/tr")]
    if not tables:
        raise InputError(msg("{path}: the web page holds no table", path=shown))
    table = max(tables, key=lambda t: len(t.xpath("./tr|./thead/tr|./tbody/tr|./tfoot/tr")))
    rows: list[list[object]] = []
    spanning: dict[int, tuple[int, list[object]]] = {}  # column -> (rows still covered, the cells it stands for)
    for tr in table.xpath("./tr|./thead/tr|./tbody/tr|./tfoot/tr"):
        cells: list[object] = []
        above, spanning = spanning, {}
        for cell in tr.xpath("./td|./th"):
            _carry(above, spanning, cells, reach=0)
            text = cell.text_content().replace("\u00a0", " ").strip()
            block = [text or None, *[None] * (_span(cell.get("colspan")) - 1)]
            if (below := _span(cell.get("rowspan")) - 1) > 0:
                spanning[len(cells)] = (below, block)
            cells.extend(block)
        _carry(above, spanning, cells, reach=_ROW_END)
        rows.append(cells)
    return rows


_ROW_END = 1 << 62  # a ``reach`` past any column: every cell spanning down into the row is placed


def _carry(
    above: dict[int, tuple[int, list[object]]],
    spanning: dict[int, tuple[int, list[object]]],
    cells: list[object],
    *,
    reach: int,
) -> None:
    """Put into ``cells`` the cells that cells of the rows above span down to this row, those whose column the row
    has reached (its next column, or ``reach`` when further: the column before a cell that names its own, or
    ``_ROW_END``), keeping in ``spanning`` those that span further: a region merged over rows stands in each row it
    covers, as a merged range's rows are read, instead of shifting the row's other cells left."""
    for column in sorted(above):
        if column > max(reach, len(cells)):
            return
        rows_left, block = above.pop(column)
        if rows_left > 1:
            spanning[column] = (rows_left - 1, block)
        if column >= len(cells):  # a column this row's own cells took (a malformed page) keeps them
            cells.extend([None] * (column - len(cells)))
            cells.extend(block)


def _span(value: str | None) -> int:
    """A colspan as the columns it covers (1 when absent or not a number; at most Excel's 16,384)."""
    return _index(value, 16_384) or 1


def _markup_text(data: bytes, declared: re.Pattern[bytes]) -> str | None:
    """A page's or an XML file's text: UTF-16 as a .csv's is told, else in the encoding its head declares (GBK read
    as GB18030), else UTF-8, else GB18030; None when none of them decodes it."""
    codec = utf16_codec(data)
    if codec is not None:
        return data.decode(codec, errors="replace")
    named = declared.search(data[:_SAMPLE])
    codecs_tried = list(CSV_ENCODINGS)
    if named is not None:
        name = named[1].decode("ascii").lower()
        codecs_tried.insert(0, "gb18030" if name in _GB else name)
    for codec in codecs_tried:
        try:
            return data.decode(codec)
        except (UnicodeDecodeError, LookupError):
            continue
    return None


# Excel 2003 XML (SpreadsheetML): a Workbook of Worksheets, each a Table of Rows of Cells holding a typed Data.
_SS = "{urn:schemas-microsoft-com:office:spreadsheet}"
_WORKSHEET, _ROW, _CELL, _DATA = (_SS + t for t in ("Worksheet", "Row", "Cell", "Data"))
_COLUMN, _HIDDEN, _SPAN, _FORMULA = (_SS + t for t in ("Column", "Hidden", "Span", "Formula"))
_NAME, _INDEX, _TYPE, _ACROSS, _DOWN = (_SS + a for a in ("Name", "Index", "Type", "MergeAcross", "MergeDown"))
_VISIBLE = "{urn:schemas-microsoft-com:office:excel}Visible"  # in a worksheet's WorksheetOptions
_MAX_ROWS, _MAX_COLUMNS = 1_048_576, 16_384  # Excel's grid, which an index or a merge cannot pass
_TRUE = frozenset({"1", "true"})  # an ss:Hidden that hides (an XML boolean)
_XML_DECLARATION = re.compile(r"\A\s*<\?xml[^>]*\?>")
_MISC = re.compile(r"(?:\s+|<!--.*?-->|<\?.*?\?>)*", re.DOTALL)  # what may stand before the root but a DTD


def xml2003_sheets(data: bytes, shown: object, *, max_cells: int) -> list[DisguisedSheet]:
    """The worksheets of an Excel 2003 XML spreadsheet, each cell's value as typed (a Number a float, a DateTime a
    date, or a datetime when it has a time, a Boolean a bool, text as written), blank cells None: a cell that names
    its column (ss:Index) after cells left out stands in it, a row that names its row after rows left out too, a blank
    row spanning rows (ss:Span) stands for each of them (one holding cells is refused: whether they repeat is not
    said); a cell merged across fills its first column and leaves the others blank, one merged down stands in each row
    it covers.
    Each sheet also says, as an .xlsx's readers are told, which cells hold a formula (ss:Formula), which rows and
    columns it hides (ss:Hidden on a Row, on a Column and the columns its ss:Span repeats it over) and which ranges are
    merged (ss:MergeAcross, ss:MergeDown), so a statement's or a list's notes are the workbook's. A DTD (entities: a
    billion laughs) is refused before parsing, as are cells spanning more than ``max_cells`` together: the rows an
    ss:Index leaves out count, and are made only once every sheet is read within them. ``shown`` names the file in a
    refusal."""
    grids: list[_Grid] = []
    grid: _Grid | None = None
    used = 0  # the cells of the sheets read before
    rows_read = 0
    events = etree.iterparse(
        io.BytesIO(_xml_bytes(data, shown)),
        events=("start", "end"),
        tag=(_WORKSHEET, _COLUMN, _ROW, _VISIBLE),
        resolve_entities=False,
        no_network=True,
        huge_tree=False,
    )
    try:
        for event, element in events:
            if element.tag == _WORKSHEET and event == "start":
                grid = _Grid(element.get(_NAME) or f"Sheet{len(grids) + 1}", shown, max_cells - used, max_cells)
            elif grid is None or event == "start":
                continue
            elif element.tag == _ROW:
                span = _index(element.get(_SPAN), _MAX_ROWS - 1) or 0
                first = grid.add(element.iterchildren(_CELL), _index(element.get(_INDEX), _MAX_ROWS), span)
                if element.get(_HIDDEN) in _TRUE:
                    grid.hidden_rows.update(range(first, grid.count))
                element.clear()
                rows_read += 1
                if rows_read % 1024 == 0:  # now and then: at each row it costs a twentieth of the reading
                    _drop_before(element)
            elif element.tag == _COLUMN:
                span = _index(element.get(_SPAN), _MAX_COLUMNS - 1) or 0
                grid.column(_index(element.get(_INDEX), _MAX_COLUMNS), span, hidden=element.get(_HIDDEN) in _TRUE)
                element.clear()
            elif element.tag == _VISIBLE:
                grid.visible = (element.text or "").strip() not in ("SheetHidden", "SheetVeryHidden")
            else:
                grids.append(grid)
                used += grid.count * max(grid.width, 1)  # as _fit counts a sheet of empty rows
                grid = None
                element.clear()
                _drop_before(element)
    except etree.XMLSyntaxError as exc:
        raise InputError(
            msg("{path}: cannot read the Excel 2003 XML spreadsheet ({exc})", path=shown, exc=exc)
        ) from None
    return [g.sheet() for g in grids]


def _xml_bytes(data: bytes, shown: object) -> bytes:
    """The XML spreadsheet as UTF-8 for lxml, without the declaration (and a BOM a declared UTF-8 keeps) naming
    another encoding; refused when it cannot be decoded or declares a DTD. Its decoded text is let go on return."""
    text = _markup_text(data, _XML_ENCODING)
    if text is None:
        raise InputError(
            msg("{path}: cannot decode the Excel 2003 XML spreadsheet (tried UTF-8 and GB18030)", path=shown)
        )
    text = _XML_DECLARATION.sub("", text.removeprefix("\ufeff"), count=1)
    prolog = _MISC.match(text)  # comments and instructions: what stands before the root, or a DTD
    if prolog is not None and text.startswith("<!", prolog.end()):
        raise InputError(
            msg(
                "{path}: the Excel 2003 XML spreadsheet declares a DTD or XML entities (refused for safety)", path=shown
            )
        )
    return text.encode("utf-8")


def _drop_before(element: etree._Element) -> None:
    """Let go of the siblings before ``element``, read (cleared only, a long sheet's rows stayed in the tree as empty
    elements); those after it may be parsed already."""
    parent = element.getparent()
    if parent is not None:
        del parent[: parent.index(element)]


class _Grid:
    """One worksheet's rows as they are read: the cells merged down carried into the rows under them, and its area
    kept within the cells the sheets before it left (``budget``) of the ``limit`` the file is read to."""

    def __init__(self, name: str, shown: object, budget: int, limit: int) -> None:
        self.name, self.shown, self.budget, self.limit = name, shown, budget, limit
        self.rows: list[list[object]] = []  # a run of like rows left out stands here once (``repeats``)
        self.repeats: dict[int, int] = {}  # a row of ``rows`` -> the like rows after it that it stands for
        self.count = 0  # the rows of the sheet so far, those ``repeats`` stands for included
        self.width = 0
        self.visible = True
        self.spanning: dict[int, tuple[int, list[object]]] = {}  # column -> (rows still covered, its cells)
        self.formulas: set[Cell] = set()
        self.hidden_rows: set[int] = set()
        self.hidden_columns: set[int] = set()
        self.merged: list[tuple[Cell, Cell]] = []
        self.next_column = 1  # the column a Column that names none stands in

    def sheet(self) -> DisguisedSheet:
        """The worksheet as read, each row left out its own list."""
        rows = self.rows
        if self.repeats:
            rows = []
            for at, row in enumerate(self.rows):
                rows.append(row)
                rows.extend(row.copy() for _ in range(self.repeats.get(at, 0)))
        return DisguisedSheet(
            self.name,
            rows,
            self.visible,
            frozenset(self.formulas),
            frozenset(self.hidden_rows),
            frozenset(self.hidden_columns),
            tuple(self.merged),
        )

    def column(self, at: int | None, span: int, *, hidden: bool) -> None:
        """A Column at column ``at`` (1-based; None: the one after the Column before) and the ``span`` columns after
        it that it stands for (ss:Span), hidden or not."""
        first = at or self.next_column
        last = min(first + span, _MAX_COLUMNS)
        if hidden:
            self.hidden_columns.update(range(first - 1, last))
        self.next_column = last + 1

    def add(self, cells: Iterable[etree._Element], at: int | None, span: int = 0) -> int:
        """Add the row of ``cells`` at row ``at`` (1-based; None: the next), the rows left out above it blank, and
        the ``span`` rows it stands for after it (ss:Span); its row (0-based)."""
        if at is not None and at - 1 > self.count:
            self._fit(at - 1, self.width)  # before the rows left out are made
            self._skip(at - 1 - self.count)
        first = self.count
        cells = list(cells)
        if span and cells:
            # Excel spans only blank rows alike; whether cells repeat in the rows spanned is said nowhere, and a
            # customer or a line read once or three times would be a guess.
            raise InputError(
                msg(
                    '{path}: sheet {sheet}, row {row:,} stands for {rows:,} rows (ss:Span="{span}") but holds '
                    "cells: whether they repeat in the rows it stands for is not said; save the file as .xlsx in "
                    "Excel and send it again",
                    path=self.shown,
                    sheet=self.name,
                    row=first + 1,
                    rows=span + 1,
                    span=span,
                )
            )
        self._row(cells)
        if span:
            self._fit(self.count + span, self.width)
            self._skip(span)
        return first

    def _skip(self, rows: int) -> None:
        """Add the ``rows`` rows a row naming its row leaves out, blank but for the cells merged down into them: each
        run of like rows as its first row and a count, made when every sheet is read within the cap (a few bytes name
        a million rows, and the sheets after may pass it)."""
        while rows > 0:
            run = min([rows, *(left for left, _ in self.spanning.values())])  # until a merged cell ends
            self._row(())
            if run > 1:
                self.repeats[len(self.rows) - 1] = run - 1
                self.count += run - 1
                self.spanning = {c: (left - run + 1, b) for c, (left, b) in self.spanning.items() if left >= run}
            rows -= run

    def _row(self, cells: Iterable[etree._Element]) -> None:
        values: list[object] = []
        above, self.spanning = self.spanning, {}
        for cell in cells:
            column = _index(cell.get(_INDEX), _MAX_COLUMNS)
            if column is not None and column - 1 > len(values):
                _carry(above, self.spanning, values, reach=column - 2)
                values.extend([None] * (column - 1 - len(values)))
            else:
                _carry(above, self.spanning, values, reach=0)
            block = [_value(cell.find(_DATA)), *[None] * (_index(cell.get(_ACROSS), _MAX_COLUMNS - 1) or 0)]
            if (below := _index(cell.get(_DOWN), _MAX_ROWS - 1) or 0) > 0:
                self.spanning[len(values)] = (below, block)
            self._mark(cell, len(values), len(block) - 1, below)
            values.extend(block)
            self._fit(self.count + 1, len(values))
        _carry(above, self.spanning, values, reach=_ROW_END)
        self._fit(self.count + 1, len(values))
        self.width = max(self.width, len(values))
        self.rows.append(values)
        self.count += 1

    def _mark(self, cell: etree._Element, column: int, across: int, down: int) -> None:
        """Record whether the cell put at ``column`` (0-based) of the row being read holds a formula, and the range it
        is merged over (``across`` columns right, ``down`` rows below, within the grid), as an .xlsx's sheet part
        says them."""
        row = self.count
        if (cell.get(_FORMULA) or "").strip():
            self.formulas.add((row, column))
        if across or down:
            self.merged.append(
                ((row, column), (min(row + down, _MAX_ROWS - 1), min(column + across, _MAX_COLUMNS - 1)))
            )

    def _fit(self, rows: int, width: int) -> None:
        """Refuse the file when ``rows`` rows as wide as ``width`` (or the sheet's widest) pass the budget."""
        if rows * max(width, self.width, 1) > self.budget:
            raise InputError(
                msg(
                    "{path}: the sheets of the Excel 2003 XML spreadsheet span more than {limit:,} cells (at sheet "
                    "{sheet}, row {row:,}): refused before reading",
                    path=self.shown,
                    limit=self.limit,
                    sheet=self.name,
                    row=rows,
                )
            )


def _index(value: str | None, most: int) -> int | None:
    """An ss:Index, ss:MergeAcross or ss:MergeDown as a number (None when absent or not a positive number), at most
    ``most``."""
    digits = (value or "").strip()
    # ASCII digits only (str.isdigit takes ² and ٣, int() refuses them) and few of them (int() of thousands of
    # digits is refused by Python): anything past ``most`` is ``most`` anyway.
    if not digits or len(digits) > 12 or not all("0" <= c <= "9" for c in digits) or int(digits) == 0:
        return None
    return min(int(digits), most)


def _value(data: etree._Element | None) -> object:
    """A cell's Data as typed (the text as written when it does not read as its type); None when blank or absent."""
    if data is None:
        return None
    text = "".join(data.itertext())
    if not text.strip():
        return None
    kind = data.get(_TYPE)
    try:
        if kind == "Number":
            return float(text)
        if kind == "DateTime":
            moment = dt.datetime.fromisoformat(text.strip())
            return moment.date() if moment.time() == dt.time() else moment  # as calamine gives a date cell
    except ValueError:
        return text
    if kind == "Boolean" and text.strip() in ("0", "1"):
        return text.strip() == "1"
    return text
