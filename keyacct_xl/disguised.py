"""A spreadsheet name on a file that is no workbook: an "Excel" export of an older system (a Chinese ERP, a bank)
that is really a web page (HTML) or tab-separated text, or an Excel 2003 XML spreadsheet, saved as .xls.

Excel and WPS open such a file (after a warning), so a person takes it for a workbook; read as a package it was
"damaged". ``disguised_kind`` tells what the bytes are; the readers that take a list of rows (a customer list, a
statement) read the HTML page's table (``html_rows``) or the text through the CSV reader, and the others (a form)
refuse it in words saying what it is and how to make it a workbook (``disguised_reason``).
"""

from __future__ import annotations

import codecs
import re
from typing import Literal

from lxml import etree, html

from keyacct_xl.errors import InputError
from keyacct_xl.messages import Message, msg

DisguisedKind = Literal["html", "xml2003", "text"]
_SAMPLE = 4096
_CHARSET = re.compile(rb"""charset\s*=\s*["']?([A-Za-z0-9_.:-]+)""", re.IGNORECASE)
# GBK and GB2312 pages are read as GB18030, the superset: a name's rarer character is never lost.
_GB = frozenset({"gb2312", "gbk", "gb_2312-80", "x-gbk", "euc-cn", "cp936", "gb18030"})
_TEXT_CONTROLS = frozenset(chr(c) for c in range(32)) - {"\t", "\n", "\r", "\x0c"}


def disguised_kind(data: bytes) -> DisguisedKind | None:
    """What a file under a workbook's name really is, from its first bytes: an HTML page, an Excel 2003 XML
    spreadsheet, text with its columns split by tabs or commas; None for anything else (a workbook, a damaged one)."""
    head = data[:_SAMPLE]
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        markup = head.decode("utf-16", errors="ignore")
    else:
        markup = head.removeprefix(codecs.BOM_UTF8).decode("latin-1")  # the tags are ASCII in any encoding
    lowered = markup.lstrip().lower()
    if lowered.startswith("<"):
        if "<workbook" in lowered and "urn:schemas-microsoft-com:office:spreadsheet" in lowered:
            return "xml2003"
        return "html" if re.search(r"<(html|table|body|!doctype html)\b", lowered) else None
    return "text" if _delimited(head) else None


def _delimited(head: bytes) -> bool:
    """Whether the sample is text (UTF-16 with its BOM, UTF-8 or GB18030, no control character but tabs and line
    ends) with a tab or a comma on one of its lines: a table written as text (a title line may stand above it)."""
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        text = head.decode("utf-16", errors="ignore")
    else:
        whole = head if len(head) < _SAMPLE else head[: head.rfind(b"\n") + 1]  # no character cut at the end
        text = next((t for t in (_decoded(whole, c) for c in ("utf-8-sig", "gb18030")) if t is not None), "")
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
    try:
        page = html.document_fromstring(_page_text(data, shown))
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
            _carry(above, spanning, cells, to_end=False)
            text = cell.text_content().replace("\u00a0", " ").strip()
            block = [text or None, *[None] * (_span(cell.get("colspan")) - 1)]
            if (below := _span(cell.get("rowspan")) - 1) > 0:
                spanning[len(cells)] = (below, block)
            cells.extend(block)
        _carry(above, spanning, cells, to_end=True)
        rows.append(cells)
    return rows


def _carry(
    above: dict[int, tuple[int, list[object]]],
    spanning: dict[int, tuple[int, list[object]]],
    cells: list[object],
    *,
    to_end: bool,
) -> None:
    """Put into ``cells`` the cells that cells of the rows above span down to this row, where the row has reached
    their column (``to_end``: all that are left), keeping in ``spanning`` those that span further: a region merged
    over rows stands in each row it covers, as a merged range's rows are read, instead of shifting the row's other
    cells left."""
    for column in sorted(above):
        if not to_end and column > len(cells):
            return
        rows_left, block = above.pop(column)
        if rows_left > 1:
            spanning[column] = (rows_left - 1, block)
        if column >= len(cells):  # a column this row's own cells took (a malformed page) keeps them
            cells.extend([None] * (column - len(cells)))
            cells.extend(block)


def _span(value: str | None) -> int:
    """A colspan as the columns it covers (1 when absent or not a number; at most Excel's 16,384)."""
    return min(int(value), 16_384) if value is not None and value.strip().isdigit() and int(value) > 0 else 1


def _page_text(data: bytes, shown: object) -> str:
    """The page's text in the charset its head declares (GBK read as GB18030), else UTF-8, else GB18030."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16", errors="replace")
    declared = _CHARSET.search(data[:_SAMPLE])
    codecs_tried = ["utf-8-sig", "gb18030"]
    if declared is not None:
        name = declared[1].decode("ascii").lower()
        codecs_tried.insert(0, "gb18030" if name in _GB else name)
    for codec in codecs_tried:
        try:
            return data.decode(codec)
        except (UnicodeDecodeError, LookupError):
            continue
    raise InputError(msg("{path}: cannot decode the web page (tried UTF-8 and GB18030)", path=shown))
