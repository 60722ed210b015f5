"""Read an .xlsx package's structure (sheets, tables) and write a copy with some parts replaced.

Parts that are not replaced are copied with their exact bytes and zip metadata, so whatever the user
keeps in them (charts, pivot tables, images, formulas, other sheets) survives a save.
"""

from __future__ import annotations

import contextlib
import functools
import os
import posixpath
import shutil
import tempfile
import zipfile
import zlib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TypeVar

from lxml import etree

from keyacct_xl.errors import InputError
from keyacct_xl.fileio import a_folder_not_a_file, system_reason
from keyacct_xl.messages import msg
from keyacct_xl.xlsx.deflate import deflate_rendered
from keyacct_xl.xlsx.ooxml import (
    NS_CT,
    NS_MAIN,
    NS_PKG_REL,
    NS_REL,
    REL_CALC_CHAIN,
    REL_TABLE,
    parse_range,
    unescape_text,
)
from keyacct_xl.xlsx.rawcopy import SUPPORTED, append_deflated, copy_raw
from keyacct_xl.xlsx.xmlpart import PartError, parse_part, serialize_part

# Caps against zip bombs: a master may be large, but not absurd, and not absurdly compressed.
MAX_UNCOMPRESSED = 4 * 1024**3
MAX_RATIO = 200
FIXED_ZIP_TIME = (1980, 1, 1, 0, 0, 0)

PartWriter = Callable[[IO[bytes]], None]
_SPOOL_IN_MEMORY = 64 * 1024**2
_ZIP64_LIMIT = zipfile.ZIP64_LIMIT
_COPY_CHUNK = 1024**2
CALC_CHAIN = "xl/calcChain.xml"
# Distinct structure parts whose reading is remembered (by their bytes): the copies of one form share their
# relationships, table parts and workbook part, so a run of a thousand forms parses a few dozen of them.
_PARSED_PARTS = 512
_CACHED_PART_BYTES = 256 * 1024  # a form's workbook, relationships and table parts are a few kB each
T = TypeVar("T")


@dataclass(frozen=True)
class TableLocation:
    """Where a table lives: its sheet, the sheet's part, the table's part, its range and its columns' names."""

    name: str
    sheet: str
    sheet_part: str
    table_part: str
    ref: str
    columns: tuple[str, ...] = ()  # as the table part lists them, left to right

    def cells(self) -> tuple[int, int, int, int]:
        """The range as (first row, first column, last row, last column); a PartError when it is not a range."""
        try:
            return parse_range(self.ref)
        except ValueError:
            raise PartError(
                self.table_part,
                msg("the table {name} has the range {ref!r}, which is not a cell range", name=self.name, ref=self.ref),
            ) from None


def open_package(path: Path) -> zipfile.ZipFile:
    """Open ``path`` as an xlsx zip, refusing what is not one and what would inflate beyond the caps."""
    try:
        archive = zipfile.ZipFile(path)
    except FileNotFoundError:
        raise InputError(msg("{path}: file not found", path=path)) from None
    except (IsADirectoryError, PermissionError) as exc:
        # A folder given as the workbook (Windows refuses to open one as a PermissionError), a file it may not read.
        folder = isinstance(exc, IsADirectoryError) or (isinstance(path, (str, os.PathLike)) and os.path.isdir(path))
        problem = a_folder_not_a_file() if folder else system_reason(exc)
        raise InputError(msg("{file}: {problem}", file=path, problem=problem)) from None
    except (zipfile.BadZipFile, OSError):
        raise InputError(
            msg("{path}: not an .xlsx workbook (not a zip package; is it .xls, encrypted or damaged?)", path=path),
        ) from None
    total = sum(i.file_size for i in archive.infolist())
    packed = sum(i.compress_size for i in archive.infolist()) or 1
    if total > MAX_UNCOMPRESSED or (total > 64 * 1024**2 and total / packed > MAX_RATIO):
        archive.close()
        raise InputError(
            msg("{path}: refused, it would inflate to {total:,} bytes (compression bomb?)", path=path, total=total),
        )
    if "xl/workbook.xml" not in archive.namelist():
        archive.close()
        raise InputError(msg("{path}: not an .xlsx workbook (no xl/workbook.xml)", path=path))
    return archive


def part_mentions(archive: zipfile.ZipFile, part: str, word: bytes, *, chunk: int = 1 << 20) -> bool:
    """Whether ``word`` occurs in the part, inflated a chunk at a time (a sheet of a million rows is never held
    whole to learn that it does not); a part that cannot be read is a PartError, as ``read_part`` says it."""
    tail = b""
    with _unpacking(archive, part), archive.open(part) as stream:
        while block := stream.read(chunk):
            if word in tail + block[: len(word) - 1] or word in block:
                return True
            tail = block[-(len(word) - 1) :]
    return False


def read_part(archive: zipfile.ZipFile, part: str) -> bytes:
    """A part's bytes; a part the package lists but lacks, or cannot inflate, is a PartError naming the file."""
    with _unpacking(archive, part):
        return archive.read(part)


@contextlib.contextmanager
def _unpacking(archive: zipfile.ZipFile, part: str) -> Iterator[None]:
    """Reading ``part``: a part the package lists but lacks, or cannot inflate, is a PartError naming the file."""
    try:
        yield
        return
    except KeyError:
        problem = msg("the package refers to it but does not contain it")
    except (zipfile.BadZipFile, zlib.error, OSError, EOFError) as exc:
        problem = msg("it cannot be unpacked ({exc})", exc=exc)
    raise PartError(part, problem, file=archive.filename)


@functools.lru_cache(maxsize=_PARSED_PARTS)
def _parsed(data: bytes, part: str, read: Callable[[etree._Element, str], T]) -> T:
    return read(parse_part(data, part), part)


def read_parsed(archive: zipfile.ZipFile, part: str, read: Callable[[etree._Element, str], T]) -> T:
    """What ``read`` takes from a part's root element (an immutable value), worked out once per content of the
    part and ``read``; errors name the file and the part."""
    data = read_part(archive, part)
    try:
        if len(data) > _CACHED_PART_BYTES:  # kept out of the cache: a worker must not hold a hostile file's parts
            return read(parse_part(data, part), part)
        return _parsed(data, part, read)
    except PartError as exc:
        if archive.filename:
            raise exc.in_file(archive.filename) from None
        raise


@functools.lru_cache(maxsize=_PARSED_PARTS)
def rels_part(part: str) -> str:
    """The relationships part of ``part``: xl/worksheets/sheet1.xml -> xl/worksheets/_rels/sheet1.xml.rels."""
    folder, name = posixpath.split(part)
    return posixpath.join(folder, "_rels", name + ".rels")


def _relationships(root: etree._Element, rels_name: str) -> tuple[tuple[str, tuple[str, str]], ...]:
    """(id, (type, absolute target part)) of each internal relationship in the relationships part ``rels_name``."""
    folder = posixpath.dirname(posixpath.dirname(rels_name))  # xl/worksheets/_rels/x.rels -> xl/worksheets
    result = {}
    for rel in root.iter(f"{{{NS_PKG_REL}}}Relationship"):
        target = rel.get("Target", "")
        if rel.get("TargetMode") == "External":
            continue
        absolute = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join(folder, target))
        result[rel.get("Id", "")] = (rel.get("Type", ""), absolute)
    return tuple(result.items())


def _rels(archive: zipfile.ZipFile, part: str) -> dict[str, tuple[str, str]]:
    """Relationship id -> (type, absolute target part) for ``part``."""
    rels_name = rels_part(part)
    if rels_name not in archive.NameToInfo:  # the zip directory by name (namelist() builds a list each time)
        return {}
    return dict(read_parsed(archive, rels_name, _relationships))


def related_parts(archive: zipfile.ZipFile, part: str, rel_type: str) -> list[str]:
    """The parts of the package that ``part`` relates with ``rel_type`` (a sheet's comments, its tables)."""
    return [
        target for kind, target in _rels(archive, part).values() if kind == rel_type and target in archive.NameToInfo
    ]


def workbook_parts(archive: zipfile.ZipFile) -> list[str]:
    """The workbook part, its relationships and the parts it relates besides sheets and the calc chain (shared
    strings, styles, theme...): what every sheet's values depend on."""
    related = [
        target
        for rel_type, target in _rels(archive, "xl/workbook.xml").values()
        if not rel_type.endswith(("/worksheet", "/chartsheet", "/calcChain"))
    ]
    return ["xl/workbook.xml", rels_part("xl/workbook.xml"), *sorted(related)]


def shared_strings_part(archive: zipfile.ZipFile) -> str | None:
    """The workbook's shared strings part, when it has one."""
    related = _rels(archive, "xl/workbook.xml").values()
    return next((target for rel_type, target in related if rel_type.endswith("/sharedStrings")), None)


def _sheets(root: etree._Element, part: str = "xl/workbook.xml") -> tuple[tuple[str, str], ...]:
    """(sheet name, relationship id) of each sheet the workbook part lists, in order."""
    return tuple(
        (sheet.get("name", ""), sheet.get(f"{{{NS_REL}}}id", "")) for sheet in root.iter(f"{{{NS_MAIN}}}sheet")
    )


def sheet_parts(archive: zipfile.ZipFile, *, workbook: etree._Element | None = None) -> dict[str, str]:
    """Sheet name -> worksheet part, in workbook order; ``workbook`` is xl/workbook.xml when already parsed."""
    sheets = read_parsed(archive, "xl/workbook.xml", _sheets) if workbook is None else _sheets(workbook)
    rels = _rels(archive, "xl/workbook.xml")
    result = {}
    for name, rel_id in sheets:
        if rel_id in rels:
            result[name] = rels[rel_id][1]
    return result


def _table_range(root: etree._Element, part: str) -> tuple[str, str, tuple[str, ...]]:
    """A table part's name (its display name, else its name), range and column names (as their header cells show
    them: Excel stores a line break in one as ``_x000A_``)."""
    columns = tuple(unescape_text(c.get("name", "")) for c in root.iter(f"{{{NS_MAIN}}}tableColumn"))
    return root.get("displayName") or root.get("name") or "", root.get("ref", "A1"), columns


def locate_tables(archive: zipfile.ZipFile, *, workbook: etree._Element | None = None) -> dict[str, TableLocation]:
    """Every Excel table in the package by its name; ``workbook`` is xl/workbook.xml when already parsed."""
    tables = {}
    for sheet, part in sheet_parts(archive, workbook=workbook).items():
        for rel_type, target in _rels(archive, part).values():
            if rel_type != REL_TABLE or target not in archive.NameToInfo:
                continue
            name, ref, columns = read_parsed(archive, target, _table_range)
            tables[name] = TableLocation(name, sheet, part, target, ref, columns)
    return tables


def drop_calc_chain(archive: zipfile.ZipFile, replacements: dict) -> frozenset[str]:
    """Plan the removal of xl/calcChain.xml (its content type and workbook relationship too); return the parts
    to drop. Rewritten sheets no longer match the old calculation chain; Excel rebuilds it when absent."""
    if CALC_CHAIN not in archive.namelist():
        return frozenset()
    listings = (
        (
            "[Content_Types].xml",
            f"{{{NS_CT}}}Override",
            lambda e: e.get("PartName", "").lower() == "/" + CALC_CHAIN.lower(),
        ),
        ("xl/_rels/workbook.xml.rels", f"{{{NS_PKG_REL}}}Relationship", lambda e: e.get("Type") == REL_CALC_CHAIN),
    )
    for part, tag, lists_it in listings:
        planned = replacements.get(part)
        root = parse_part(planned if isinstance(planned, bytes) else read_part(archive, part), part)
        for element in [e for e in root.iterchildren(tag) if lists_it(e)]:
            root.remove(element)
        replacements[part] = serialize_part(root)
    return frozenset({CALC_CHAIN})


def rewrite_package(
    source: Path,
    target: IO[bytes],
    replacements: Mapping[str, bytes | PartWriter],
    *,
    drop: frozenset[str] = frozenset(),
) -> None:
    """Copy ``source`` into ``target`` replacing some parts, dropping others; new parts are appended."""
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            if info.filename in drop:
                continue
            if info.filename in replacements:
                _write_part(dst, info.filename, replacements[info.filename], info.date_time)
            else:
                _copy_part(src, dst, info)
        existing = set(src.namelist())
        for name, content in replacements.items():
            if name not in existing:
                _write_part(dst, name, content, FIXED_ZIP_TIME)


def _copy_part(src: zipfile.ZipFile, dst: zipfile.ZipFile, info: zipfile.ZipInfo) -> None:
    """Copy an unchanged part with its bytes; a damaged member is a PartError naming it."""
    try:
        if SUPPORTED:
            copy_raw(src, dst, info)
        else:
            dst.writestr(info, src.read(info.filename), compress_type=info.compress_type)
    except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
        raise PartError(info.filename, msg("it cannot be copied, the file is damaged ({exc})", exc=exc)) from None


def _write_part(dst: zipfile.ZipFile, name: str, content: bytes | PartWriter, date_time: tuple) -> None:
    info = zipfile.ZipInfo(name, date_time=date_time)
    info.compress_type = zipfile.ZIP_DEFLATED
    if isinstance(content, bytes):
        dst.writestr(info, content)
        return
    # The part is spooled (in memory up to a bound, then on disk) before its header is written, so its size is
    # known: a ZIP64 extra field is written only when the part needs one, as Excel's strict zip reader expects
    # (XlsxWriter does too). What is spooled is the part deflated while it is rendered (keyacct_xl.xlsx.deflate),
    # the bytes ZipFile.open would write for it; without the zipfile internals rawcopy relies on, the part itself.
    with tempfile.SpooledTemporaryFile(max_size=_SPOOL_IN_MEMORY) as spool:
        if SUPPORTED and getattr(dst, "_seekable", False):
            deflated = deflate_rendered(content, spool)
            info.CRC, info.file_size, info.compress_size = deflated.crc, deflated.size, deflated.compressed
            spool.seek(0)
            append_deflated(dst, info, spool, zip64=deflated.size > _ZIP64_LIMIT)
            return
        content(spool)
        size = spool.tell()
        spool.seek(0)
        with dst.open(info, "w", force_zip64=size > _ZIP64_LIMIT) as stream:
            shutil.copyfileobj(spool, stream, _COPY_CHUNK)
