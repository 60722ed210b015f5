"""vbaProject.bin from VBA source (MS-OVBA 2.3): PROJECT and PROJECTwm streams, the dir stream, one compressed
stream per module, and a _VBA_PROJECT stream with no performance cache, so Office compiles from the source.

Module code is stored as exported by the VBA editor (``Attribute VB_Name`` first, CRLF line ends), in the
project code page (1252: our sources are ASCII).
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from keyacct_xl.addin.cfb import write_compound_file
from keyacct_xl.addin.ovba import compress, encrypt
from keyacct_xl.errors import BridgeError
from keyacct_xl.messages import msg

ModuleKind = Literal["module", "class", "document"]
CODEPAGE = 1252
ENCODING = "cp1252"
# Fixed so builds are reproducible; any GUID identifies the project to the VBA editor.
PROJECT_ID = "{6E1E3B52-4A1F-4C0B-9B7E-2C6B0F4D6A01}"
_ENCRYPTION_SEED = 0x4B
# The references every Excel VBA project carries (OLE Automation, Office for IRibbonControl).
REFERENCES = (
    ("stdole", "*\\G{00020430-0000-0000-C000-000000000046}#2.0#0#C:\\Windows\\System32\\stdole2.tlb#OLE Automation"),
    (
        "Office",
        "*\\G{2DF8D04C-5BFA-101B-BDE5-00AA0044DE52}#2.0#0#C:\\Program Files\\Common Files\\Microsoft Shared"
        "\\OFFICE16\\MSO.DLL#Microsoft Office 16.0 Object Library",
    ),
)
# _VBA_PROJECT (2.3.4.1): reserved 0x61CC, version 0xFFFF (no cache: Office recompiles), reserved bytes.
VBA_PROJECT_STREAM = struct.pack("<HHBH", 0x61CC, 0xFFFF, 0x00, 0x0000)


@dataclass(frozen=True)
class VbaModule:
    """One VBA module: its name, kind and code (text as stored in the module stream, starting with Attributes)."""

    name: str
    kind: ModuleKind
    code: str

    def code_bytes(self) -> bytes:
        """The code in the project code page with CRLF line ends."""
        text = self.code.replace("\r\n", "\n").replace("\n", "\r\n")
        try:
            return text.encode(ENCODING)
        except UnicodeEncodeError as exc:
            raise BridgeError(
                msg(
                    "VBA module {name}: characters outside code page {codepage} ({exc})",
                    name=self.name,
                    codepage=CODEPAGE,
                    exc=exc,
                )
            ) from None


def build_vba_project(modules: Sequence[VbaModule], *, project_name: str = "KeyAcctXL") -> bytes:
    """The bytes of vbaProject.bin holding ``modules``."""
    names = [m.name for m in modules]
    if len({n.upper() for n in names}) != len(names):  # VBA and the compound file ignore case in names
        raise BridgeError(msg("duplicate VBA module names (case is ignored): {names}", names=names))
    vba = {"_VBA_PROJECT": VBA_PROJECT_STREAM, "dir": compress(dir_stream(modules, project_name))}
    vba.update({m.name: compress(m.code_bytes()) for m in modules})
    tree = {"PROJECT": project_stream(modules, project_name), "PROJECTwm": projectwm_stream(modules), "VBA": vba}
    return write_compound_file(tree)


def project_stream(modules: Sequence[VbaModule], project_name: str) -> bytes:
    """The PROJECT stream (2.3.1): module list, name, unprotected and visible state."""
    lines = [f'ID="{PROJECT_ID}"']
    key = {"document": "Document", "module": "Module", "class": "Class"}
    for m in modules:
        lines.append(f"{key[m.kind]}={m.name}/&H00000000" if m.kind == "document" else f"{key[m.kind]}={m.name}")
    lines += [
        f'Name="{project_name}"',
        'HelpContextID="0"',
        'VersionCompatible32="393222000"',
        f'CMG="{encrypt(bytes(4), PROJECT_ID, seed=_ENCRYPTION_SEED)}"',  # not protected
        f'DPB="{encrypt(bytes(1), PROJECT_ID, seed=_ENCRYPTION_SEED + 1)}"',  # no password
        f'GC="{encrypt(bytes([0xFF]), PROJECT_ID, seed=_ENCRYPTION_SEED + 2)}"',  # visible
        "",
        "[Host Extender Info]",
        "&H00000001={3832D640-CF90-11CF-8E43-00A0C911005A};VBE;&H00000000",
        "",
    ]
    return "\r\n".join(lines).encode(ENCODING) + b"\r\n"


def projectwm_stream(modules: Sequence[VbaModule]) -> bytes:
    """The PROJECTwm stream (2.3.3): each module name in MBCS and UTF-16."""
    out = b"".join(m.name.encode(ENCODING) + b"\x00" + m.name.encode("utf-16-le") + b"\x00\x00" for m in modules)
    return out + b"\x00\x00"


def _record(rid: int, payload: bytes) -> bytes:
    return struct.pack("<HI", rid, len(payload)) + payload


def _text(rid: int, text: str, unicode_id: int | None = None) -> bytes:
    out = _record(rid, text.encode(ENCODING))
    if unicode_id is not None:
        out += _record(unicode_id, text.encode("utf-16-le"))
    return out


def dir_stream(modules: Sequence[VbaModule], project_name: str) -> bytes:
    """The uncompressed dir stream (2.3.4.2): project information, references, modules."""
    out = bytearray()
    out += _record(0x0001, struct.pack("<I", 3))  # SYSKIND: 64-bit Windows
    out += _record(0x0002, struct.pack("<I", 0x409)) + _record(0x0014, struct.pack("<I", 0x409))
    out += _record(0x0003, struct.pack("<H", CODEPAGE))
    out += _text(0x0004, project_name)
    out += _text(0x0005, "", 0x0040)  # doc string
    out += _text(0x0006, "", 0x003D)  # help files 1 and 2
    out += _record(0x0007, struct.pack("<I", 0)) + _record(0x0008, struct.pack("<I", 0))
    out += struct.pack("<HIIH", 0x0009, 4, 1, 0)  # PROJECTVERSION: reserved size 4, major, minor
    out += _text(0x000C, "", 0x003C)  # conditional compilation constants
    for name, libid in REFERENCES:
        out += _text(0x0016, name, 0x003E)
        libid_bytes = libid.encode(ENCODING)
        out += _record(0x000D, struct.pack("<I", len(libid_bytes)) + libid_bytes + struct.pack("<IH", 0, 0))
    out += _record(0x000F, struct.pack("<H", len(modules))) + _record(0x0013, struct.pack("<H", 0xFFFF))
    for m in modules:
        out += _text(0x0019, m.name) + _record(0x0047, m.name.encode("utf-16-le"))
        out += _text(0x001A, m.name, 0x0032)  # stream name
        out += _text(0x001C, "", 0x0048)  # doc string
        out += _record(0x0031, struct.pack("<I", 0))  # source at offset 0: no performance cache
        out += _record(0x001E, struct.pack("<I", 0)) + _record(0x002C, struct.pack("<H", 0xFFFF))
        out += _record(0x0021 if m.kind == "module" else 0x0022, b"")
        out += _record(0x002B, b"")
    out += _record(0x0010, b"")
    return bytes(out)
