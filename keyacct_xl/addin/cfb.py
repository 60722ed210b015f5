"""A minimal MS-CFB (compound file, version 3) writer: storages and streams from a nested dict.

Enough for vbaProject.bin: 512-byte sectors, a mini stream for streams under 4,096 bytes, up to 109 FAT
sectors (about 7 MB). Timestamps are zero and entries sorted, so the same tree gives the same bytes.
"""

from __future__ import annotations

import struct
from collections.abc import Mapping
from dataclasses import dataclass, field

from keyacct_xl.errors import BridgeError
from keyacct_xl.messages import msg

SECTOR = 512
MINI_SECTOR = 64
MINI_CUTOFF = 4096
FREESECT, ENDOFCHAIN, FATSECT, NOSTREAM = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF
SIGNATURE = bytes.fromhex("D0CF11E0A1B11AE1")
_STORAGE, _STREAM, _ROOT = 1, 2, 5
_RED, _BLACK = 0, 1

Tree = Mapping[str, "bytes | Tree"]


@dataclass
class _Entry:
    name: str
    kind: int
    data: bytes = b""
    children: list[int] = field(default_factory=list)
    left: int = NOSTREAM
    right: int = NOSTREAM
    child: int = NOSTREAM
    color: int = _BLACK
    start: int = ENDOFCHAIN


def write_compound_file(tree: Tree) -> bytes:
    """The bytes of a compound file whose root storage holds ``tree`` (name -> bytes or sub-tree)."""
    entries = [_Entry("Root Entry", _ROOT)]
    _add_children(entries, 0, tree)
    mini_stream, mini_fat = _mini_stream(entries)
    big = [e for e in entries[1:] if e.kind == _STREAM and len(e.data) >= MINI_CUTOFF]
    dir_sectors = -(-len(entries) * 128 // SECTOR)
    minifat_sectors = -(-len(mini_fat) * 4 // SECTOR)
    data_sectors = _sectors(len(mini_stream)) + sum(_sectors(len(e.data)) for e in big)
    fat_sectors = 1
    while fat_sectors * (SECTOR // 4) < fat_sectors + dir_sectors + minifat_sectors + data_sectors:
        fat_sectors += 1
    if fat_sectors > 109:
        raise BridgeError(msg("VBA project too large for the compound file writer (over 109 FAT sectors)"))
    fat: list[int] = [FATSECT] * fat_sectors
    body = bytearray()
    dir_start = _chain(fat, dir_sectors)
    minifat_start = _chain(fat, minifat_sectors) if minifat_sectors else ENDOFCHAIN
    entries[0].start = _chain(fat, _sectors(len(mini_stream))) if mini_stream else ENDOFCHAIN
    entries[0].data = mini_stream
    for entry in big:
        entry.start = _chain(fat, _sectors(len(entry.data)))
    body += _directory(entries).ljust(dir_sectors * SECTOR, b"\x00")
    body += _pack_u32(mini_fat).ljust(minifat_sectors * SECTOR, b"\xff")
    for blob in [mini_stream, *(e.data for e in big)]:
        body += _pad(blob)
    fat_bytes = _pack_u32(fat).ljust(fat_sectors * SECTOR, b"\xff")
    header = _header(fat_sectors, dir_start, minifat_start, minifat_sectors)
    return header + fat_bytes + bytes(body)


def _add_children(entries: list[_Entry], parent: int, tree: Tree) -> None:
    folded = [name.upper() for name in tree]
    if len(set(folded)) != len(folded):
        # Siblings compare case-insensitively (MS-CFB 2.6.4): one of two such names would hide the other.
        clash = sorted(n for n in tree if folded.count(n.upper()) > 1)
        raise BridgeError(msg("compound file entry names differ only in case: {clash}", clash=clash))
    for name, value in tree.items():
        if len(name) > 31:
            raise BridgeError(msg("compound file entry name too long: {name}", name=name))
        index = len(entries)
        if isinstance(value, Mapping):
            entries.append(_Entry(name, _STORAGE))
            _add_children(entries, index, value)
        else:
            entries.append(_Entry(name, _STREAM, bytes(value)))
        entries[parent].children.append(index)
    ordered = sorted(entries[parent].children, key=lambda i: _sort_key(entries[i].name))
    last = _leaf_depth(len(ordered))
    # A complete tree is all black; otherwise the nodes of the incomplete last level are red.
    red_depth = -1 if len(ordered) == (1 << (last + 1)) - 1 else last
    entries[parent].child = _balanced(entries, ordered, depth=0, red_depth=red_depth)


def _sort_key(name: str) -> tuple[int, str]:
    """Sibling order (MS-CFB 2.6.4): shorter names first, then by upper-cased name."""
    return len(name), name.upper()


def _leaf_depth(count: int) -> int:
    """Depth of the last, possibly incomplete, level of a balanced tree of ``count`` nodes."""
    return max(count.bit_length() - 1, 0)


def _balanced(entries: list[_Entry], ordered: list[int], *, depth: int, red_depth: int) -> int:
    """A balanced search tree by midpoints: every null link sits on the last two levels, so colouring the
    last level red (when incomplete) keeps equal black heights: a valid red-black tree."""
    if not ordered:
        return NOSTREAM
    mid = len(ordered) // 2
    node = entries[ordered[mid]]
    node.color = _RED if depth == red_depth else _BLACK
    node.left = _balanced(entries, ordered[:mid], depth=depth + 1, red_depth=red_depth)
    node.right = _balanced(entries, ordered[mid + 1 :], depth=depth + 1, red_depth=red_depth)
    return ordered[mid]


def _mini_stream(entries: list[_Entry]) -> tuple[bytes, list[int]]:
    stream = bytearray()
    fat: list[int] = []
    for entry in entries[1:]:
        if entry.kind != _STREAM or len(entry.data) >= MINI_CUTOFF:
            continue
        if not entry.data:
            entry.start = ENDOFCHAIN
            continue
        count = -(-len(entry.data) // MINI_SECTOR)
        entry.start = len(fat)
        fat += [len(fat) + i + 1 for i in range(count - 1)] + [ENDOFCHAIN]
        stream += entry.data.ljust(count * MINI_SECTOR, b"\x00")
    return bytes(stream), fat


def _sectors(size: int) -> int:
    return -(-size // SECTOR)


def _chain(fat: list[int], count: int) -> int:
    """Append a chain of ``count`` sectors to the FAT and return its first sector."""
    start = len(fat)
    fat += [start + i + 1 for i in range(count - 1)] + [ENDOFCHAIN]
    return start


def _pad(blob: bytes) -> bytes:
    return blob.ljust(_sectors(len(blob)) * SECTOR, b"\x00")


def _pack_u32(values: list[int]) -> bytes:
    return struct.pack(f"<{len(values)}I", *values)


def _directory(entries: list[_Entry]) -> bytes:
    out = bytearray()
    for entry in entries:
        name = entry.name.encode("utf-16-le") + b"\x00\x00"
        out += name.ljust(64, b"\x00")
        out += struct.pack("<HBB3I", len(name), entry.kind, entry.color, entry.left, entry.right, entry.child)
        out += bytes(16) + struct.pack("<I", 0) + bytes(16)  # CLSID, state bits, creation and modified times
        size = len(entry.data) if entry.kind != _STORAGE else 0
        out += struct.pack("<IQ", entry.start if entry.kind != _STORAGE else 0, size)
    unused = -len(entries) % (SECTOR // 128)
    for _ in range(unused):
        out += bytes(64) + struct.pack("<HBB3I", 0, 0, 0, NOSTREAM, NOSTREAM, NOSTREAM) + bytes(48)
    return bytes(out)


def _header(fat_sectors: int, dir_start: int, minifat_start: int, minifat_sectors: int) -> bytes:
    head = SIGNATURE + bytes(16) + struct.pack("<HHHHH6s", 0x003E, 0x0003, 0xFFFE, 9, 6, bytes(6))
    head += struct.pack("<9I", 0, fat_sectors, dir_start, 0, MINI_CUTOFF, minifat_start, minifat_sectors, ENDOFCHAIN, 0)
    difat = list(range(fat_sectors)) + [FREESECT] * (109 - fat_sectors)
    return head + _pack_u32(difat)
