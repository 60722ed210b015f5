"""Decide whether a submitted file may be opened at all, from its bytes alone, within fixed caps.

Nothing here runs or opens a file in Excel: macros in .xlsm files are never executed because we only
ever read cell values from the package's XML. Rejections carry a stable code and a zh/en reason.
"""

from __future__ import annotations

import contextlib
import io
import re
import stat
import struct
import zipfile
import zlib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from operator import itemgetter
from pathlib import Path
from typing import IO, Protocol

import msoffcrypto
import olefile
from lxml import etree

from keyacct_xl.cellformulas import biff_records, biff_sheets
from keyacct_xl.consolidate.model import texts
from keyacct_xl.consolidate.sentinstead import LEADING_BYTES, NOT_THE_FORM, sent_instead, system_file
from keyacct_xl.disguised import OLE_MAGIC, ZIP_MAGIC, disguised_kind, disguised_reason
from keyacct_xl.errors import InputError
from keyacct_xl.messages import Message, msg
from keyacct_xl.xlsx.package import open_package, sheet_parts

# Fixed caps: a rep's form is a few hundred kB; anything far beyond is refused before it is parsed.
MAX_FILE_BYTES = 20 * 1024**2
MAX_MEMBERS = 2_000
MAX_UNPACKED_BYTES = 200 * 1024**2
MAX_RATIO = 100
_RATIO_FLOOR = 1024**2  # tiny parts compress extremely well; the ratio cap applies above 1 MB unpacked
_XML_SUFFIXES = (".xml", ".rels", ".vml")
_PROLOG_CHUNK = 4096
_SCAN_CHUNK = 256 * 1024
_MAX_TAG_BYTES = 1024**2  # one start tag; a form's longest is a few hundred bytes
# A form sheet's area (the bounding box of its cells): calamine allocates 32 bytes a cell for it (256 MB here).
MAX_SHEET_CELLS = 8_000_000
MAX_SHEET_ROWS, MAX_SHEET_COLUMNS = 1_048_576, 16_384  # Excel's grid
# The text calamine copies into an .ods's cells, one copy per repeated cell; a form's is a few kB.
MAX_ODS_TEXT_BYTES = 64 * 1024**2
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods")
# The BIFF8 records that place a cell ([MS-XLS] 2.4): each starts with its row and column (FORMULA, RSTRING, LABELSST,
# BLANK, NUMBER, LABEL, BOOLERR, RK); MULRK and MULBLANK run from their column to the one in their last two bytes.
_XLS_CELLS = frozenset({0x0006, 0x00D6, 0x00FD, 0x0201, 0x0203, 0x0204, 0x0205, 0x027E})
_XLS_RUNS = frozenset({0x00BD, 0x00BE})
_XLS_BOF, _XLS_EOF = 0x0809, 0x000A
ODS_MIMETYPE = b"application/vnd.oasis.opendocument.spreadsheet"
_NOT_A_PACKAGE = msg("damaged file: not a valid .xlsx package")
_NOT_AN_ODS_PACKAGE = msg("damaged file: not a valid .ods package")
_NOT_AN_ODS = msg("not an OpenDocument spreadsheet (its mimetype says otherwise)")
_PASSWORD = msg("password-protected workbook: remove the password to open and send it again")


class Rejection(InputError):
    """A file refused before or while reading: a stable code (for reports and tests) and the reason in zh/en."""

    def __init__(self, code: str, en: str, zh: str, meta: Mapping[str, str] | None = None) -> None:
        super().__init__(en, zh)
        self.code = code
        self.meta = dict(meta or {})  # what the refused form's _meta says (form, rep, period, lang); {} when none read

    def __reduce__(self) -> tuple:
        return Rejection, (self.code, self.en, self.zh, self.meta)  # raised in a worker, re-raised in the parent

    @staticmethod
    @contextlib.contextmanager
    def of_form(meta: Mapping[str, str]) -> Iterator[None]:
        """A refusal raised inside is of the form whose ``_meta`` says ``meta`` (its form, rep, period, language)."""
        try:
            yield
        except Rejection as refused:
            refused.meta = refused.meta or dict(meta)
            raise


class SentInstead(Rejection):
    """A picture, a PDF or a Word document where a workbook was expected; ``what`` says which."""

    def __init__(self, what: Message) -> None:
        super().__init__(NOT_THE_FORM, *texts(msg("{what}, not a spreadsheet (.xlsx, .xlsm, .xls or .ods)", what=what)))
        self.what = what

    def __reduce__(self) -> tuple:
        return SentInstead, (self.what,)


class ScreenedPackage(zipfile.ZipFile):
    """A package being screened, then read: the parts the screening read whole are not unpacked a second time."""

    def __init__(self, data: bytes) -> None:
        super().__init__(io.BytesIO(data))
        self.data = data
        self.whole: dict[str, bytes] = {}  # part name -> bytes, each read to its end (so its CRC was checked)
        # part name -> where its data starts, for the members the screen inflates itself (_MemberReader)
        self.starts: dict[str, int] = {}

    def open_member(self, info: zipfile.ZipInfo) -> IO[bytes] | _MemberReader:
        """A stream of the member's bytes: a plain one is inflated straight from ``data``, any other by zipfile."""
        start = self.starts.get(info.filename)
        return zipfile.ZipFile.open(self, info) if start is None else _MemberReader(self.data, start, info)

    def read(self, name: str | zipfile.ZipInfo, pwd: bytes | None = None) -> bytes:
        """The part's bytes, from what the screening kept when it read the whole part."""
        found = self.whole.get(name.filename if isinstance(name, zipfile.ZipInfo) else name)
        return found if found is not None else super().read(name, pwd)


@dataclass(frozen=True)
class Verdict:
    """A file that may be read: its format, notes worth reporting (e.g. macros ignored) and, for a zip package,
    the screened package, open for reading (the caller closes it)."""

    kind: str  # "xlsx" (also .xlsm), "xls" or "ods"
    notes: tuple[tuple[str, str], ...] = ()
    package: ScreenedPackage | None = field(default=None, compare=False, repr=False)


def check_file(name: str, data: bytes) -> Verdict:
    """Classify ``data`` as a readable workbook or raise Rejection saying why not."""
    base = name.rsplit("/", 1)[-1]
    if base.startswith(("~$", ".~lock.")):
        raise Rejection(
            "lock_file",
            *texts(msg("an Excel/WPS lock file (the workbook was open when collected), not a form")),
        )
    if system_file(name):
        raise Rejection(
            "system_file",
            *texts(msg("a file Windows or macOS keeps beside the files (thumbnails, folder settings), not a form")),
        )
    # By its bytes, before its size: a photo named .xlsx is a photo, a 25 MB scan of a form a PDF, IMG_1234.JPG no note.
    what = sent_instead(data)
    if what is not None:
        raise SentInstead(what)
    _check_size(len(data))
    if data.startswith(OLE_MAGIC):
        return _check_ole(data)
    lowered = name.lower()
    if not lowered.endswith(WORKBOOK_SUFFIXES):
        raise Rejection(
            "not_workbook",
            *texts(
                msg(
                    "not a spreadsheet (.xlsx, .xlsm, .xls or .ods); a .csv list of customers is brought into the "
                    "master with keyacct-xl customers import"
                )
                if lowered.endswith(".csv")
                else msg("not a spreadsheet (.xlsx, .xlsm, .xls or .ods)")
            ),
        )
    ods = lowered.endswith(".ods")  # refused in the words of the format it claims to be
    if not data.startswith(ZIP_MAGIC):
        disguised = disguised_kind(data)  # an older system's "Excel" export: a web page or text, named as what it is
        if disguised is not None:
            raise Rejection("disguised", *texts(disguised_reason(disguised, "." + lowered.rsplit(".", 1)[-1])))
        raise Rejection("corrupt", *texts(_NOT_AN_ODS_PACKAGE if ods else _NOT_A_PACKAGE))
    return _check_zip(data, ods=ods)


def _check_ole(data: bytes) -> Verdict:
    try:
        office = msoffcrypto.OfficeFile(io.BytesIO(data))
        encrypted = office.is_encrypted()
    except Exception:  # msoffcrypto raises bare Exceptions for OLE files it does not know
        raise Rejection(
            "corrupt",
            *texts(msg("damaged or unknown OLE file (not an Excel workbook)")),
        ) from None
    if encrypted:
        raise Rejection(
            "password",
            *texts(_PASSWORD),
        )
    if office.format == "doc97":  # a Word 97 document: a form copied into Word, sent instead of the workbook
        raise SentInstead(msg("a Word document"))
    if not str(office.format).startswith("xls"):  # msoffcrypto names BIFF8 workbooks "xls97"
        raise Rejection(
            "not_workbook",
            *texts(msg("an OLE {format} document, not an Excel workbook", format=office.format)),
        )
    check_xls_sheets(data)
    return Verdict("xls", ())  # how it was read is said where its sheet is known (recognize._read_by_labels)


def check_xls_sheets(data: bytes, max_cells: int = MAX_SHEET_CELLS) -> None:
    """Refuse an .xls with a sheet whose cells span an area over ``max_cells``, from its BIFF8 cell records alone.

    calamine builds a sheet as the dense box of its cells: one at A1 and one at IV65536 are 16.7 million cells
    (about 1.2 GB once read) from a file of 6 kB, as an .xlsx's would be; its DIMENSIONS record is not trusted (a
    writer may leave it out or state less). A stream that cannot be read is left to the reader to name."""
    try:
        with olefile.OleFileIO(io.BytesIO(data)) as ole:
            stream = ole.openstream("Workbook").read()
        sheets = biff_sheets(stream)
    except (OSError, ValueError, IndexError, struct.error):
        return
    for name, start in sheets:
        rows, cols = _xls_area(stream, start)
        if _over(rows, cols, max_cells):
            raise _too_large(name, rows, cols, max_cells)


def _xls_area(stream: bytes, start: int) -> tuple[int, int]:
    """The rows and columns of the box of the cells in the sheet substream at ``start`` (0, 0 without a cell)."""
    top = left = 1 << 30
    bottom = right = -1
    depth = 0
    for kind, body in biff_records(stream, start):
        if kind == _XLS_BOF:
            depth += 1
        elif kind == _XLS_EOF:
            depth -= 1
            if depth <= 0:
                break
        elif len(body) >= 6 and (kind in _XLS_CELLS or kind in _XLS_RUNS):
            row, col = struct.unpack_from("<HH", body)
            last = struct.unpack_from("<H", body, len(body) - 2)[0] if kind in _XLS_RUNS else col
            top, bottom = min(top, row), max(bottom, row)
            left, right = min(left, col, last), max(right, col, last)
    return (bottom - top + 1, right - left + 1) if bottom >= 0 else (0, 0)


def _check_zip(data: bytes, *, ods: bool) -> Verdict:
    try:
        archive = ScreenedPackage(data)
        infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        raise Rejection("corrupt", *texts(_NOT_AN_ODS_PACKAGE if ods else _NOT_A_PACKAGE)) from None
    try:
        _check_sizes(infos)
        names = {i.filename for i in infos}
        if "xl/workbook.xml" not in names and not _is_ods(archive, names):
            not_excel = msg("a zip package without xl/workbook.xml (not an Excel workbook)")
            raise Rejection("not_workbook", *texts(_NOT_AN_ODS if ods else not_excel))
        if "xl/workbook.xml" not in names and _encrypted_ods(archive):
            raise Rejection("password", *texts(_PASSWORD))
        check_parts(archive, keep=archive.whole)
        if "content.xml" in names:  # also beside xl/workbook.xml: calamine reads an .xlsx it cannot open as an .ods
            _check_ods_cells(archive)
        if "xl/workbook.xml" not in names:
            # LibreOffice saves in its own format under the name kept (Save, not Save As Excel): say so, or a
            # note about an .ods beside a file named .xlsx reads as a mistake of ours. How an .ods is read is said
            # where its sheet is known (recognize._read_by_labels).
            under_excel_name = msg(
                "an OpenDocument spreadsheet (.ods) under an Excel name: read as an .ods (LibreOffice saved it in its "
                "own format); nothing to do, but Save As an Excel workbook (.xlsx) keeps its name true"
            )
            return Verdict("ods", () if ods else (texts(under_excel_name),), archive)
    except BaseException:
        archive.close()
        raise
    notes: tuple[tuple[str, str], ...] = ()
    if any(n.lower().endswith("vbaproject.bin") for n in names):
        notes = (texts(msg("macros present and ignored (never run)")),)
    return Verdict("xlsx", notes, archive)


def _is_ods(archive: zipfile.ZipFile, names: set[str]) -> bool:
    """An OpenDocument spreadsheet (LibreOffice's own format): its ``mimetype`` member says so."""
    return {"mimetype", "content.xml"} <= names and archive.read("mimetype").strip() == ODS_MIMETYPE


def _encrypted_ods(archive: zipfile.ZipFile) -> bool:
    """Whether the .ods was saved with a password: its manifest declares how a part is encrypted (ODF 1.2, 4.8,
    ``<manifest:encryption-data>``), which leaves content.xml ciphertext the XML screen would call damaged."""
    try:
        with archive.open("META-INF/manifest.xml") as stream:
            parsed = etree.iterparse(stream, events=("start",), resolve_entities=False, no_network=True)
            return any(_local(element.tag) == "encryption-data" for _, element in parsed)
    except (KeyError, etree.XMLSyntaxError, zipfile.BadZipFile, OSError, zlib.error):
        return False  # no manifest, or none to read: the part checks say what is wrong with the package


def _check_ods_cells(
    archive: zipfile.ZipFile, max_cells: int = MAX_SHEET_CELLS, max_text: int = MAX_ODS_TEXT_BYTES
) -> None:
    """Refuse an .ods whose cells with content span more than ``max_cells``, or whose text calamine would copy
    into them comes to more than ``max_text`` bytes: ODF repeats a cell or a row by a count
    (``number-columns-repeated``), so a few bytes can ask a reader for billions of cells, each with its own copy of
    the cell's text. Empty repeats, which LibreOffice writes to the end of every sheet, count for nothing. The cells
    count over the whole workbook: calamine reads every sheet of an .ods when it opens it.

    The cells are counted as calamine reads them, or more: it matches names as written (``table:table-row``),
    whatever namespace a prefix stands for, so names are matched here by their local part in any namespace; it
    keeps a cell with a formula or a value and no value-type; and it reads a table inside a cell into the sheet
    around it, so a sheet is counted whole, from its outermost table's start to its end."""
    depth = rows = right = row_at = cells = text = 0
    table = "content.xml"
    try:
        with archive.open("content.xml") as stream:
            parsed = etree.iterparse(stream, events=("start", "end"), resolve_entities=False, no_network=True)
            for event, element in parsed:
                name = _local(element.tag)
                if name == "table":
                    depth += 1 if event == "start" else -1
                    if event == "start" and depth == 1:
                        table = _ods_table_name(element)
                    if event == "end" and depth == 0:
                        _refuse_ods_area(table, rows, right, max_cells)
                        cells += rows * right
                        rows = right = row_at = 0
                elif name == "table-row" and event == "end":
                    repeat = _repeat(element, "number-rows-repeated")
                    filled, copied = _row_content(element)
                    if filled:
                        rows, right = row_at + repeat, max(right, filled)
                    row_at += repeat
                    text += copied * repeat
                    element.clear()
    except (etree.XMLSyntaxError, ValueError, zipfile.BadZipFile, OSError, zlib.error) as exc:
        raise Rejection(
            "corrupt", *texts(msg("damaged part {part} ({problem})", part="content.xml", problem=exc))
        ) from None
    _refuse_ods_total(cells + rows * right, text, max_cells, max_text)


# The attributes that give an ODF cell a value or a formula in calamine (ODF 1.2, 19.385-19.389 and table:formula).
_ODS_CONTENT = frozenset(
    {"value-type", "value", "string-value", "date-value", "time-value", "boolean-value", "formula"}
)


def _local(name: str) -> str:
    """An element's or attribute's name without its namespace."""
    return name.rpartition("}")[2]


def _repeat(element: etree._Element, name: str, default: int = 1) -> int:
    """The element's count ``name`` in any namespace (the largest, if several); ``default`` without one."""
    counts = [value for key, value in element.attrib.items() if _local(key) == name]
    for value in counts:
        if not (value.isascii() and value.isdigit()):  # calamine refuses it too; int() would take "1_000" or "-5"
            raise ValueError(f"{name}={value!r}")
    return max((int(value) for value in counts), default=default)


def _row_content(row: etree._Element) -> tuple[int, int]:
    """How far right the row's cells with content reach, and the bytes of text calamine copies into them (a
    cell's text, its spaces written as a count, its value and formula, once per repeat), counting repeated cells."""
    col = width = copied = 0
    for cell in row.iterchildren(etree.Element):  # a comment or processing instruction is no cell
        repeat = _repeat(cell, "number-columns-repeated")
        col += repeat
        values = [value for key, value in cell.attrib.items() if _local(key) in _ODS_CONTENT]
        if len(cell) or values:
            width = col
            spaces = sum(_repeat(s, "c") for s in cell.iter(etree.Element) if _local(s.tag) == "s")
            copied += repeat * (sum(map(len, cell.itertext())) + spaces + sum(map(len, values)))
    return width, copied


def _ods_table_name(table: etree._Element) -> str:
    """The sheet's name as its tab shows it (``table:name``); the part where it has none."""
    return next((value for key, value in table.attrib.items() if _local(key) == "name" and value), "content.xml")


def _refuse_ods_area(sheet: str, rows: int, cols: int, max_cells: int) -> None:
    if rows * cols > max_cells or rows > MAX_SHEET_ROWS or cols > MAX_SHEET_COLUMNS:
        raise _too_large(sheet, rows, cols, max_cells)


def _refuse_ods_total(cells: int, text: int, max_cells: int, max_text: int) -> None:
    if cells > max_cells:
        raise Rejection(
            "sheet_too_large",
            *texts(
                msg(
                    "the sheets of {part} hold {cells:,} cells together, read all at once (limit {limit:,}): "
                    "refused before reading",
                    part="content.xml",
                    cells=cells,
                    limit=max_cells,
                )
            ),
        )
    if text > max_text:
        raise Rejection(
            "sheet_too_large",
            *texts(
                msg(
                    "the repeated cells of {part} hold {size:,} bytes of text (limit {limit:,}): refused before "
                    "reading",
                    part="content.xml",
                    size=text,
                    limit=max_text,
                )
            ),
        )


def _check_sizes(infos: list[zipfile.ZipInfo]) -> None:
    if len(infos) > MAX_MEMBERS:
        raise Rejection(
            "zip_bomb",
            *texts(msg("{parts:,} parts in the package (limit {limit:,})", parts=len(infos), limit=MAX_MEMBERS)),
        )
    unpacked = sum(i.file_size for i in infos)
    packed = sum(i.compress_size for i in infos) or 1
    if unpacked > MAX_UNPACKED_BYTES or (unpacked > _RATIO_FLOOR and unpacked / packed > MAX_RATIO):
        raise Rejection(
            "zip_bomb",
            *texts(
                msg(
                    "would inflate to {unpacked:,} bytes from {packed:,} (compression bomb?)",
                    unpacked=unpacked,
                    packed=packed,
                )
            ),
        )


def check_entry(name: str, mode: int, size: int, leading: Callable[[int], bytes]) -> None:
    """Refuse a submission by what the file system says (``lstat``), before a byte of it is read.

    A symbolic link is never followed (its target may be anything on this machine); a pipe or device would
    block or never end; the size cap is applied to the stated size, so a huge or sparse file is never read whole:
    only its first bytes (``leading(n)``), to tell a picture or a PDF of a form from a workbook too large.
    """
    if stat.S_ISLNK(mode):
        raise Rejection(
            "symlink",
            *texts(msg("a symbolic link: never followed, its target is not read")),
        )
    if not stat.S_ISREG(mode):
        raise Rejection("not_regular_file", *texts(msg("not a regular file (a pipe, device or socket)")))
    if size > MAX_FILE_BYTES:
        what = sent_instead(leading(LEADING_BYTES))  # a scan of a form outweighs any form: its rep is asked for it
        if what is not None:
            raise SentInstead(what)
    _check_size(size)


def _check_size(size: int) -> None:
    """Refuse a file of ``size`` bytes above the cap."""
    if size > MAX_FILE_BYTES:
        raise Rejection(
            "oversized",
            *texts(msg("file is {size:,} bytes, above the {limit:,}-byte limit", size=size, limit=MAX_FILE_BYTES)),
        )


def check_workbook_file(path: Path, *, max_cells: int) -> None:
    """The package pre-check for a workbook a command reads (a table, a statement; an .xlsx, or an .ods or .xls
    where the command takes one): an InputError naming it."""
    try:
        if path.suffix.lower() == ".ods":
            _check_ods_file(path, max_cells)
            return
        if path.suffix.lower() == ".xls":
            check_xls_sheets(path.read_bytes(), max_cells)
            return
        with open_package(path) as archive:
            check_parts(archive, max_cells=max_cells)
    except Rejection as refused:
        raise InputError(f"{path}: {refused.en}", f"{path}：{refused.zh}") from None


def _check_ods_file(path: Path, max_cells: int) -> None:
    """The screening of an .ods a command reads: the zip caps, its mimetype, its XML parts and its cells."""
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError):
        raise Rejection("corrupt", *texts(_NOT_AN_ODS_PACKAGE)) from None
    with archive:
        infos = archive.infolist()
        _check_sizes(infos)
        if not _is_ods(archive, {i.filename for i in infos}):
            raise Rejection("not_workbook", *texts(_NOT_AN_ODS))
        if _encrypted_ods(archive):
            raise Rejection("password", *texts(msg("password-protected workbook")))
        check_parts(archive, max_cells=max_cells)
        _check_ods_cells(archive, max_cells)


def check_parts(
    archive: zipfile.ZipFile, *, max_cells: int = MAX_SHEET_CELLS, keep: dict[str, bytes] | None = None
) -> None:
    """Refuse what would make a reader fail or allocate without bound, reading each part once as a stream.

    Duplicate member names (readers disagree on which one counts), sizes that differ between a member's local
    header and the zip directory, a DTD or entities in any XML part, a worksheet whose declared dimension or
    whose cells' bounding box exceeds ``max_cells`` or the sheet grid (calamine allocates the bounding box of
    the cells present: one cell at XFD1048576 beside A1 asks for 512 GiB), and shared-string counts that the
    part's size cannot hold (calamine reserves ``uniqueCount`` entries up front: 2 billion asks for 48 GB).
    ``keep`` receives the bytes of each part read whole on the way (a small part's first chunk), for the reader.
    """
    infos = archive.infolist()
    seen: set[str] = set()
    for info in infos:
        if info.filename in seen:
            raise Rejection(
                "duplicate_part",
                *texts(
                    msg("two zip members are named {part}: the first of them would never be read", part=info.filename)
                ),
            )
        seen.add(info.filename)
        if info.filename.lower() == "xl/workbook.bin":
            # calamine reads a package it cannot open as .xlsx as a binary .xlsb, whose parts nothing here screens
            raise Rejection(
                "not_workbook",
                *texts(msg("a binary workbook (.xlsb, xl/workbook.bin) is not read: save it as .xlsx")),
            )
    _check_local_headers(archive, infos)
    sheet_bytes, counts = 0, []
    for info in infos:
        if info.filename.lower().endswith(_XML_SUFFIXES):
            root, attrs = _check_part(archive, info, max_cells, keep)
            if root == b"worksheet":
                sheet_bytes += info.file_size
            elif root == b"sst":
                counts.append((info, attrs))
    for info, attrs in counts:
        _check_shared_strings(info, attrs, sheet_bytes)


_LOCAL_HEADER = struct.Struct("<4s2B4HL2L2H")  # zipfile's sizeFileHeader layout (30 bytes)


def _check_local_headers(archive: zipfile.ZipFile, infos: list[zipfile.ZipInfo]) -> None:
    """Each member's local header must state the sizes the zip directory states (unless sizes follow the data)."""
    raw = archive.fp
    if raw is None:
        return
    for info in infos:
        raw.seek(info.header_offset)
        header = raw.read(_LOCAL_HEADER.size)
        if len(header) < _LOCAL_HEADER.size or header[:4] != b"PK\x03\x04":
            raise Rejection(
                "corrupt",
                *texts(msg("damaged part {part} (no local header)", part=info.filename)),
            )
        fields = _LOCAL_HEADER.unpack(header)
        flags, packed, unpacked = fields[3], fields[8], fields[9]
        if isinstance(archive, ScreenedPackage) and _plain_member(info, flags, raw.read(fields[10])):
            archive.starts[info.filename] = info.header_offset + _LOCAL_HEADER.size + fields[10] + fields[11]
        if flags & 0x08 or 0xFFFFFFFF in (packed, unpacked):  # sizes in a data descriptor or a zip64 extra
            continue
        if (packed, unpacked) != (info.compress_size, info.file_size):
            raise Rejection(
                "zip_sizes",
                *texts(
                    msg(
                        "part {part} states two different sizes ({unpacked:,} and {stated:,} bytes unpacked): "
                        "a damaged or forged package",
                        part=info.filename,
                        unpacked=unpacked,
                        stated=info.file_size,
                    )
                ),
            )


def _plain_member(info: zipfile.ZipInfo, local_flags: int, local_name: bytes) -> bool:
    """Whether the screen may inflate the member itself: stored or deflated, not encrypted, and named in its
    local header as in the zip directory (zipfile refuses a name that differs; that refusal is left to it)."""
    if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED) or info.flag_bits & 0x61:
        return False  # another method, encrypted, compressed patched data: zipfile says why it cannot read it
    try:
        return local_name.decode("utf-8" if local_flags & 0x800 else "cp437") == info.orig_filename
    except UnicodeDecodeError:
        return False


class _Stream(Protocol):
    """What the screen reads a part through: zipfile's stream, its own (_MemberReader) or a decoded copy."""

    def read(self, size: int = -1, /) -> bytes:
        """Up to ``size`` bytes; b"" at the end."""
        ...


class _MemberReader:
    """A member's unpacked bytes read straight from the package's bytes, with zipfile's checks: never past the
    declared size, the CRC compared once the data ends, compressed data cut short an EOFError. It spares the
    screen zipfile's per-member objects and reads (measured: a fifth of the screen's CPU on a dozen-part form)."""

    def __init__(self, data: bytes, start: int, info: zipfile.ZipInfo) -> None:
        self.packed = memoryview(data)[start : start + info.compress_size]
        self.short = len(self.packed) < info.compress_size  # the package ends inside this member's data
        self.name, self.left, self.expected, self.crc = info.filename, info.file_size, info.CRC, 0
        self.inflate = zlib.decompressobj(-15) if info.compress_type == zipfile.ZIP_DEFLATED else None
        self.pos, self.fed, self.ended = 0, False, False

    def __enter__(self) -> _MemberReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.packed.release()

    def read(self, size: int = -1) -> bytes:
        """Up to ``size`` bytes (all that is left when negative); b"" once the member has ended."""
        if self.ended or size == 0:
            return b""
        wanted = self.left if size is None or size < 0 else min(size, self.left)
        out, inflate = b"", self.inflate
        if wanted > 0 and inflate is None:
            out = bytes(self.packed[self.pos : self.pos + wanted])
            self.pos += len(out)
        elif wanted > 0 and inflate is not None:
            # All of the compressed data is handed over once; zlib keeps what it did not use as its tail, and
            # called again without input it gives the output it still holds (the rest of a long match).
            source, self.fed = (inflate.unconsumed_tail if self.fed else self.packed), True
            out = inflate.decompress(source, wanted)
        if not out and self.short and self.left > 0:
            raise EOFError(f"{self.name}: the package ends inside the part's data")
        self.left -= len(out)
        self.crc = zlib.crc32(out, self.crc)
        if not out or self.left <= 0 or (inflate is not None and inflate.eof):
            self.ended = True
            if self.crc != self.expected:
                raise zipfile.BadZipFile(f"Bad CRC-32 for file {self.name!r}")
        return out


_ROOT_START = re.compile(rb"<([A-Za-z_][\w.-]*:)?([A-Za-z_][\w.-]*)")  # the root element's start tag
# A row or cell start tag, and for a cell whether it closes at once (``<c r="N9"/>``, ``<c r="N9"></c>``): a cell
# without content, which calamine does not keep (its range is the box of the cells with content).
_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?(row|c)(?=[\s/>])([^>]*)>(\s*</(?:[A-Za-z_][\w.-]*:)?c>)?")
_ATTR = re.compile(rb"""([\w:.-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')""")
# Cells in the shape writers give them (``<c r="B8" ...``) are read with literal-prefix searches and counts; a chunk
# with a cell of another shape (no reference, or not first; ``<c>``, ``<c/>``) is read tag by tag. What this cheap
# scan does not look for (a namespace prefix on cell tags, a repeated r attribute) is left to the worker isolation:
# calamine's abort on such a file is that file's ``reader_crashed``.
# A cell's reference and whether it is empty (its tag self-closed, or closed right after it).
_REF_TEXT = re.compile(rb'<c r="\$?([A-Za-z]{1,3})\$?(\d{1,7})"[^>]*?(/?)>(\s*</c>)?')
_ROW_TEXT = re.compile(rb'<row r="(\d{1,7})"')
_FAR_REF = re.compile(rb'<c r="\$?(?:[A-Za-z]{3}|[A-Za-z]{1,2}\$?\d{5})')  # a cell beyond ZZ9999
_NEAR_ROWS, _NEAR_COLUMNS = 9_999, 702  # A1:ZZ9999: 7,019,298 cells, under MAX_SHEET_CELLS
# A cell tag of another shape (``<c>``, ``<c/>``, a reference missing or not first), found in one pass.
_ODD_CELL = re.compile(rb'<c(?:/?>| (?!r="))')
_FIRST, _SECOND = itemgetter(0), itemgetter(1)
_COUNT_ATTR = re.compile(rb"""(?:^|\s)(count|uniqueCount)\s*=\s*["']\s*(\d+)\s*["']""")
_CELL_REF = re.compile(rb"^\$?([A-Za-z]{1,3})\$?(\d{1,7})$")


def _check_part(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo, max_cells: int, keep: dict[str, bytes] | None = None
) -> tuple[bytes, bytes]:
    """Screen one XML part: DTD in its prolog, and for a worksheet its area; the root's name and attributes.

    The prolog is read in chunks up to the root element's start tag (a DTD can only stand there), so a normal
    part costs one small read; only worksheets are streamed to their end. zipfile stops at the declared size,
    which _check_sizes has capped, and checks the CRC at the end of each stream.
    """
    try:
        opener = archive.open_member if isinstance(archive, ScreenedPackage) else archive.open
        with opener(info) as stream:
            head, found = b"", None
            while chunk := stream.read(_PROLOG_CHUNK):
                head += chunk
                found = _root_tag(head)
                if found is not None:
                    break
            text = head
            if head.startswith((b"\xff\xfe", b"\xfe\xff")):  # UTF-16: screen a UTF-8 copy (rare; whole part)
                text = (head + stream.read()).decode("utf-16", errors="replace").encode("utf-8")
                found = _root_tag(text)
                stream = io.BytesIO(text[found[2] :]) if found else io.BytesIO()
            _check_xml(info.filename, text[: found[2]] if found else text)
            if keep is not None and text is head and len(head) == info.file_size:
                keep[info.filename] = head  # read to its declared end: zipfile has checked its CRC
            if found is None:
                return b"", b""
            root, attrs, end = found
            if root == b"worksheet":
                decoded = text if text is not head else None
                _check_sheet(
                    info.filename,
                    max_cells,
                    text[end:],
                    stream,
                    lambda: opener(info) if decoded is None else io.BytesIO(decoded),
                )
            return root, attrs
    except _OverArea as area:
        raise _sheet_too_large(archive, info.filename, area, max_cells) from None
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError, zlib.error) as exc:
        raise Rejection(
            "corrupt", *texts(msg("damaged part {part} ({problem})", part=info.filename, problem=exc))
        ) from None


def _root_tag(head: bytes) -> tuple[bytes, bytes, int] | None:
    """The root element's local name, its attributes and where its start tag ends, once the tag is complete."""
    for match in _ROOT_START.finditer(head):
        if head[match.start() + 1 : match.start() + 2] in (b"?", b"!"):
            continue
        close = head.find(b">", match.end())
        if close < 0:
            return None
        return match[2], head[match.end() : close], close + 1
    return None


def _check_xml(name: str, prolog: bytes) -> None:
    """Refuse a DTD or entity declarations in an XML part's prolog (entity expansion, external entities)."""
    upper = prolog.upper()
    if b"<!DOCTYPE" in upper or b"<!ENTITY" in upper:
        raise Rejection(
            "xml_entity",
            *texts(msg("part {part} declares a DTD or XML entities (refused for safety)", part=name)),
        )


def _check_sheet(
    part: str, max_cells: int, start: bytes, stream: _Stream, reopen: Callable[[], IO[bytes] | _MemberReader]
) -> None:
    """Raise _OverArea for a worksheet whose cells with content span too large an area. The first pass bounds a
    chunk whose cells all lie within A1:ZZ9999 by that square (a form's sheet: no cell is read one by one); only
    when the bound exceeds the cap (a sheet with cells beyond it) is the part read again, exactly.

    The declared ``<dimension>`` is not the area: calamine reserves room for it only below 100,000 cells, and
    LibreOffice declares A1:N1048576 for a form after deleting one of its rows (with an empty row 1,048,576)."""
    area = _SheetArea(part, max_cells, quick=True)
    area.scan(start, stream)
    if area.quick_seen and area.too_large():
        area = _SheetArea(part, max_cells, quick=False)
        with reopen() as again:
            area.scan(b"", again)
    if area.too_large():
        raise _OverArea(area.bottom - area.top + 1, area.right - area.left + 1)


class _OverArea(Exception):
    """A worksheet's cells with content span ``rows`` x ``cols``, over the cap (named by the caller, who knows
    the sheet's name)."""

    def __init__(self, rows: int, cols: int) -> None:
        super().__init__(rows, cols)
        self.rows, self.cols = rows, cols


def _over(rows: int, cols: int, max_cells: int) -> bool:
    return rows > MAX_SHEET_ROWS or cols > MAX_SHEET_COLUMNS or rows * cols > max_cells


class _SheetArea:
    """The bounding box of the cells with content a worksheet holds (as calamine keeps them), from its tags alone:
    a row without cells, or a cell without content (a styled empty cell), counts for nothing."""

    def __init__(self, part: str, max_cells: int, *, quick: bool) -> None:
        self.part, self.max_cells, self.quick = part, max_cells, quick
        self.quick_seen = False
        self.row = self.col = 0
        self.top = self.left = 1 << 30
        self.bottom = self.right = 0

    def too_large(self) -> bool:
        """Whether the box of the cells seen is over the cap or outside Excel's grid."""
        return self.bottom > 0 and _over(self.bottom - self.top + 1, self.right - self.left + 1, self.max_cells)

    def scan(self, start: bytes, stream: _Stream) -> None:
        """Feed every row and cell tag of the part to the counters."""
        rest, chunk = b"", start
        while True:
            buffer = rest + chunk
            last = buffer.rfind(b"<")
            if last >= 0 and buffer.find(b">", last) < 0:  # a tag cut by the chunk: keep it for the next one
                buffer, rest = buffer[:last], buffer[last:]
            else:
                rest = b""
            if len(rest) > _MAX_TAG_BYTES:
                raise Rejection(
                    "corrupt",
                    *texts(
                        msg(
                            "damaged part {part} (an XML tag over {limit:,} bytes)",
                            part=self.part,
                            limit=_MAX_TAG_BYTES,
                        )
                    ),
                )
            if not self._plain(buffer):
                for tag in _TAG.finditer(buffer):
                    self._tag(tag[1], _attributes(tag[2]), empty=tag[2].endswith(b"/") or tag[3] is not None)
            chunk = stream.read(_SCAN_CHUNK)
            if not chunk:
                break

    def _plain(self, buffer: bytes) -> bool:
        """Read a chunk whose every cell tag has the usual shape in bulk; False when it has others."""
        if _ODD_CELL.search(buffer):
            return False
        if self.quick and not _FAR_REF.search(buffer):  # every cell within A1:ZZ9999
            self.quick_seen = True
            self.top, self.left = min(self.top, 1), min(self.left, 1)
            self.bottom, self.right = max(self.bottom, _NEAR_ROWS), max(self.right, _NEAR_COLUMNS)
            self.row, self.col = self.bottom, self.right
            return True
        cells = _REF_TEXT.findall(buffer)
        if len(cells) < buffer.count(b"<c "):  # a reference that is not an A1 reference: read tag by tag
            return False
        refs = [(letters, number) for letters, number, closed, ended in cells if not closed and not ended]
        if refs:
            numbers = list(map(int, set(map(_SECOND, refs))))  # a few hundred distinct rows, a dozen columns
            columns = list(map(_column, set(map(_FIRST, refs))))
            self.top, self.bottom = min(self.top, min(numbers)), max(self.bottom, max(numbers))
            self.left, self.right = min(self.left, min(columns)), max(self.right, max(columns))
        if cells:  # a later cell without a reference follows the last cell, with content or not
            self.col = max(self.col, self.right, *map(_column, set(map(_FIRST, cells))))
        # Where a later cell without a reference would go: at most the largest row number seen plus one for
        # each row tag without a number (an overestimate is safe).
        rows = _ROW_TEXT.findall(buffer)
        numbered = map(int, set(map(_SECOND, cells)))
        self.row = max(self.row, self.bottom, *numbered, *map(int, set(rows))) + buffer.count(b"<row") - len(rows)
        return True

    def _tag(self, name: bytes, attrs: dict[bytes, list[bytes]], *, empty: bool) -> None:
        if name == b"row":
            numbers = [int(number) for number in attrs.get(b"r", []) if number.isdigit()]
            self.row = max(numbers) if numbers else self.row + 1
            self.col = 0
            return
        places = [where for where in map(_cell, attrs.get(b"r", [])) if where is not None]
        if not places:  # a cell without a reference follows the previous one
            places = [(max(self.row, 1), self.col + 1)]
        if not empty:
            for row, col in places:  # a repeated r: each counts (calamine takes the last)
                self.top, self.bottom = min(self.top, row), max(self.bottom, row)
                self.left, self.right = min(self.left, col), max(self.right, col)
        self.row, self.col = places[-1]


def _sheet_too_large(archive: zipfile.ZipFile, part: str, area: _OverArea, max_cells: int) -> Rejection:
    """The refusal of a sheet whose cells span ``area``, naming the sheet as its tab shows it where the workbook
    part says, and what to do about it."""
    name = _sheet_name(archive, part)
    return _too_large(name or part, area.rows, area.cols, max_cells)


def _too_large(sheet: str, rows: int, cols: int, max_cells: int) -> Rejection:
    return Rejection(
        "sheet_too_large",
        *texts(
            msg(
                "sheet “{sheet}” has cells with content over {rows:,} rows x {cols:,} columns (limit {limit:,} "
                "cells, and Excel's 1,048,576 x 16,384): refused before reading. Clear what is typed far below or "
                "to the right of the form (Ctrl+End goes to the last cell), save and send the file again",
                sheet=sheet,
                rows=rows,
                cols=cols,
                limit=max_cells,
            )
        ),
    )


def _sheet_name(archive: zipfile.ZipFile, part: str) -> str | None:
    """The name of the sheet whose part is ``part``; None where the workbook part does not say (or is damaged)."""
    try:
        names = {target: name for name, target in sheet_parts(archive).items()}
    except InputError:  # a workbook part that cannot be read: the refusal names the part
        return None
    return names.get(part)


def _attributes(text: bytes) -> dict[bytes, list[bytes]]:
    """A start tag's attribute values by name; a repeated name keeps every value (readers differ on which wins)."""
    found: dict[bytes, list[bytes]] = {}
    for name, double, single in _ATTR.findall(text):
        found.setdefault(name, []).append(double or single)
    return found


def _cell(ref: bytes) -> tuple[int, int] | None:
    """(row, column), 1-based, of an A1 reference; None when it is not one."""
    found = _CELL_REF.match(ref.strip())
    return None if found is None else (int(found[2]), _column(found[1]))


def _column(letters: bytes) -> int:
    col = 0
    for letter in letters.upper():
        col = col * 26 + letter - 64
    return col


def _check_shared_strings(info: zipfile.ZipInfo, attrs: bytes, sheet_bytes: int) -> None:
    """Refuse shared-string counts the parts cannot hold: each string takes at least 5 bytes (``<si/>``) of its
    part, each reference to one at least 8 bytes of a worksheet (``<c t="s"><v>0</v></c>`` is 21)."""
    counts = _COUNT_ATTR.findall(attrs)  # a repeated attribute: the largest value counts
    unique = max((int(value) for name, value in counts if name == b"uniqueCount"), default=0)
    total = max((int(value) for name, value in counts if name == b"count"), default=0)
    if unique > info.file_size // 5 + 1 or total > sheet_bytes // 8 + 1:
        raise Rejection(
            "shared_strings",
            *texts(
                msg(
                    "part {part} claims {unique:,} distinct strings ({total:,} uses) in "
                    "{size:,} bytes: a forged count, refused before reading",
                    part=info.filename,
                    unique=unique,
                    total=total,
                    size=info.file_size,
                )
            ),
        )
