"""Copy a zip member's compressed bytes from one archive to another without inflating and deflating them.

A part the writer does not change is copied as stored: same compressed stream, CRC, sizes and time. This
keeps unchanged parts byte-identical even inside the zip, and costs a read and a write instead of seconds of
zlib work on a large Transactions sheet. zipfile has no public API for this, so the member is written the
way ZipFile.writestr writes one (local header, data, then its central-directory entry on close).
"""

from __future__ import annotations

import copy
import shutil
import struct
import zipfile
from collections.abc import Callable
from typing import IO

_LOCAL_HEADER = struct.Struct("<4s2B4HL2L2H")
_LOCAL_MAGIC = b"PK\x03\x04"
_DATA_DESCRIPTOR = 0x08
_ZIP64_EXTRA = 0x0001
_COPY_CHUNK = 1024**2
# The private zipfile pieces copy_raw relies on (CPython 3.10-3.13); without them parts are recompressed instead.
SUPPORTED = hasattr(zipfile.ZipFile, "_writecheck") and hasattr(zipfile.ZipInfo, "FileHeader")


def _raw_data(src: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    assert src.fp is not None  # an open archive
    src.fp.seek(info.header_offset)
    header = src.fp.read(_LOCAL_HEADER.size)
    if len(header) != _LOCAL_HEADER.size or header[:4] != _LOCAL_MAGIC:
        raise zipfile.BadZipFile(f"bad local header for {info.filename}")
    name_len, extra_len = struct.unpack("<HH", header[26:30])
    src.fp.seek(info.header_offset + _LOCAL_HEADER.size + name_len + extra_len)
    data = src.fp.read(info.compress_size)
    if len(data) != info.compress_size:
        raise zipfile.BadZipFile(f"truncated data for {info.filename}")
    return data


def _without_zip64(extra: bytes) -> bytes:
    """The extra field without zip64 records; FileHeader adds one itself when the sizes need it."""
    kept, i = b"", 0
    while i + 4 <= len(extra):
        kind, size = struct.unpack("<HH", extra[i : i + 4])
        if kind != _ZIP64_EXTRA:
            kept += extra[i : i + 4 + size]
        i += 4 + size
    return kept


def copy_raw(src: zipfile.ZipFile, dst: zipfile.ZipFile, info: zipfile.ZipInfo) -> None:
    """Append ``info``'s member of ``src`` to ``dst`` (opened for writing) with its compressed bytes as stored."""
    data = _raw_data(src, info)
    member = copy.copy(info)
    member.flag_bits &= ~_DATA_DESCRIPTOR  # sizes and CRC are known: they go in the local header
    member.extra = _without_zip64(info.extra)
    # A member once written with ZIP64 records says version 4.5 is needed; FileHeader raises it again if needed.
    member.create_version = member.extract_version = zipfile.DEFAULT_VERSION
    _append(dst, member, member.FileHeader(), lambda fp: fp.write(data))


def append_deflated(dst: zipfile.ZipFile, member: zipfile.ZipInfo, data: IO[bytes], zip64: bool) -> None:
    """Append ``member`` (a new ZIP_DEFLATED entry with its CRC and sizes set) to ``dst`` with its compressed bytes
    read from ``data``: the entry ``dst.open(member, "w", force_zip64=zip64)`` leaves in a seekable file when those
    bytes are written through it (its attributes, flags and header as ZipFile sets them)."""
    member.flag_bits = 0
    if not member.external_attr:
        member.external_attr = 0o600 << 16
    _append(dst, member, member.FileHeader(zip64), lambda fp: shutil.copyfileobj(data, fp, _COPY_CHUNK))


def _append(dst: zipfile.ZipFile, member: zipfile.ZipInfo, header: bytes, write: Callable[[IO[bytes]], object]) -> None:
    """Write a member's local header and data at the end of ``dst`` and list it, as ZipFile.writestr does."""
    assert dst.fp is not None  # an archive open for writing
    with dst._lock:  # the same lock ZipFile.writestr takes
        dst._writecheck(member)
        dst._didModify = True
        if getattr(dst, "_seekable", False):  # as writestr: where the last member ended
            dst.fp.seek(dst.start_dir)
        member.header_offset = dst.fp.tell()
        dst.fp.write(header)
        write(dst.fp)
        dst.filelist.append(member)
        dst.NameToInfo[member.filename] = member
        dst.start_dir = dst.fp.tell()
