"""MS-OVBA data transforms: the compression of module and dir streams (2.4.1) and the PROJECT stream's
protection-state encryption (2.4.3), written from the specification.

Compression is deterministic: the same source gives the same bytes, so the add-in is reproducible.
"""

from __future__ import annotations

import struct

_CHUNK = 4096
_MAX_CANDIDATES = 64  # how many earlier positions with the same 3-byte prefix are tried per match


def compress(data: bytes) -> bytes:
    """A CompressedContainer: signature byte 0x01, then one chunk per 4,096 bytes of ``data``."""
    out = bytearray(b"\x01")
    for start in range(0, len(data), _CHUNK):
        out += _chunk(data[start : start + _CHUNK])
    return bytes(out)


def _chunk(raw: bytes) -> bytes:
    body = _tokens(raw)
    if len(body) > _CHUNK:
        # Incompressible: a raw chunk (flag 0) must carry exactly 4,096 bytes, padded with zeros.
        return struct.pack("<H", 0x3000 | (_CHUNK + 2 - 3)) + raw.ljust(_CHUNK, b"\x00")
    return struct.pack("<H", 0xB000 | (len(body) + 2 - 3)) + body


def _copy_token_bits(position: int) -> int:
    """Bits of a copy token used for the offset at ``position`` in the chunk (2.4.1.3.19.1)."""
    bits = max((position - 1).bit_length(), 4)
    return min(bits, 12)


def _tokens(raw: bytes) -> bytes:
    out = bytearray()
    seen: dict[bytes, list[int]] = {}
    pos = 0
    while pos < len(raw):
        flag_at = len(out)
        out.append(0)
        for bit in range(8):
            if pos >= len(raw):
                break
            offset, length = _longest_match(raw, pos, seen)
            if length >= 3:
                bits = _copy_token_bits(pos)
                out += struct.pack("<H", ((offset - 1) << (16 - bits)) | (length - 3))
                out[flag_at] |= 1 << bit
                step = length
            else:
                out.append(raw[pos])
                step = 1
            for p in range(pos, pos + step):
                seen.setdefault(raw[p : p + 3], []).append(p)
            pos += step
    return bytes(out)


def _longest_match(raw: bytes, pos: int, seen: dict[bytes, list[int]]) -> tuple[int, int]:
    if pos == 0:
        return 0, 0
    bits = _copy_token_bits(pos)
    max_length = min((0xFFFF >> bits) + 3, len(raw) - pos)
    max_offset = 1 << bits
    best_offset, best_length = 0, 0
    for candidate in reversed(seen.get(raw[pos : pos + 3], [])[-_MAX_CANDIDATES:]):
        offset = pos - candidate
        if offset > max_offset:
            break
        length = 0
        # Overlapping copies are allowed: the decompressor copies byte by byte.
        while length < max_length and raw[candidate + length] == raw[pos + length]:
            length += 1
        if length > best_length:
            best_offset, best_length = offset, length
            if length == max_length:
                break
    return best_offset, best_length


def encrypt(data: bytes, project_id: str, *, seed: int) -> str:
    """The hex text of a PROJECT stream CMG/DPB/GC value (2.4.3.2), with a fixed ``seed`` for reproducible output."""
    project_key = sum(project_id.encode("ascii")) & 0xFF
    version = 2
    out = bytearray([seed, seed ^ version, seed ^ project_key])
    unencrypted1, encrypted1, encrypted2 = project_key, seed ^ project_key, seed ^ version
    ignored = bytes([0] * ((seed & 6) // 2))
    for byte in ignored + struct.pack("<I", len(data)) + data:
        encoded = byte ^ ((encrypted2 + unencrypted1) & 0xFF)
        out.append(encoded)
        encrypted2, encrypted1, unencrypted1 = encrypted1, encoded, byte
    return out.hex().upper()
