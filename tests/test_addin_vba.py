"""The VBA project writer: MS-OVBA compression read back by oletools, the MS-CFB container read back by olefile,
the PROJECT stream's protection values decrypted with the specification's own decryption (2.4.3.3)."""

from __future__ import annotations

import io
import struct
import warnings

import olefile
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from keyacct_xl.addin.cfb import write_compound_file
from keyacct_xl.addin.ovba import compress
from keyacct_xl.addin.vbaproject import PROJECT_ID, VbaModule, build_vba_project, project_stream
from keyacct_xl.errors import BridgeError

with warnings.catch_warnings():
    # Declared relaxation: oletools 0.60 calls pyparsing names deprecated in pyparsing 3.3 when imported.
    warnings.simplefilter("ignore", DeprecationWarning)
    from oletools.olevba import decompress_stream

VBA_LIKE = st.text(
    alphabet=st.sampled_from(list("Sub End If Then Dim As String\r\n ()=&\"'._0123456789abcxyz")), max_size=20_000
)


@settings(max_examples=60, deadline=None)
@given(st.one_of(VBA_LIKE.map(lambda s: s.encode("ascii")), st.binary(max_size=3_640)))
def test_compression_round_trips_through_oletools(data: bytes) -> None:
    # Random bytes are kept under 3,640: a raw (incompressible) chunk is padded to 4,096 bytes by the spec.
    assert decompress_stream(bytearray(compress(data))) == data


def test_compression_compresses_source_code() -> None:
    text = ('Sub Hello()\r\n    MsgBox "Hello"\r\nEnd Sub\r\n' * 300).encode("ascii")
    packed = compress(text)
    assert len(packed) < len(text) / 5
    assert decompress_stream(bytearray(packed)) == text


def _decrypt(hex_text: str) -> bytes:
    """MS-OVBA 2.4.3.3 Decryption, written from the specification independently of the encoder."""
    data = bytes.fromhex(hex_text)
    seed, version_enc, project_key_enc = data[0], data[1], data[2]
    assert seed ^ version_enc == 2
    project_key = seed ^ project_key_enc
    unencrypted1, encrypted1, encrypted2 = project_key, project_key_enc, version_enc
    out = []
    for byte in data[3:]:
        plain = byte ^ ((encrypted2 + unencrypted1) & 0xFF)
        out.append(plain)
        encrypted2, encrypted1, unencrypted1 = encrypted1, byte, plain
    ignored = (seed & 6) // 2
    length = struct.unpack("<I", bytes(out[ignored : ignored + 4]))[0]
    payload = bytes(out[ignored + 4 :])
    assert len(payload) == length
    assert project_key == sum(PROJECT_ID.encode()) & 0xFF
    return payload


def test_project_stream_says_unprotected_visible_and_lists_modules() -> None:
    modules = [
        VbaModule("ThisWorkbook", "document", 'Attribute VB_Name = "ThisWorkbook"\n'),
        VbaModule("Tools", "module", 'Attribute VB_Name = "Tools"\n'),
        VbaModule("Dict", "class", 'Attribute VB_Name = "Dict"\n'),
    ]
    text = project_stream(modules, "KeyAcctXL").decode("cp1252")
    lines = dict(line.split("=", 1) for line in text.split("\r\n") if "=" in line and not line.startswith("&"))
    assert text.splitlines()[1:4] == ["Document=ThisWorkbook/&H00000000", "Module=Tools", "Class=Dict"]
    assert _decrypt(lines["CMG"].strip('"')) == bytes(4)  # no protection
    assert _decrypt(lines["DPB"].strip('"')) == b"\x00"  # no password
    assert _decrypt(lines["GC"].strip('"')) == b"\xff"  # visible


@settings(max_examples=30, deadline=None)
@given(
    st.dictionaries(
        st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcxyz_0123456789", min_size=1, max_size=31),
        st.integers(min_value=0, max_value=20_000),
        max_size=40,
    )
)
@example({"Tools": 1, "TOOLS": 2})  # names equal but for case: one stream would hide the other
def test_compound_file_streams_read_back_with_olefile(sizes: dict[str, int]) -> None:
    # Streams on both sides of the 4,096-byte mini-stream cutoff, in a storage and at the root.
    streams = {name: bytes((i * 7 + len(name)) % 251 for i in range(size)) for name, size in sizes.items()}
    if len({name.upper() for name in streams}) < len(streams):
        with pytest.raises(BridgeError, match="differ only in case"):
            write_compound_file({"VBA": dict(streams)})
        return
    data = write_compound_file({"VBA": dict(streams), "PROJECT": b"x" * 10})
    ole = olefile.OleFileIO(io.BytesIO(data))
    for name, content in streams.items():
        assert ole.openstream(["VBA", name]).read() == content
    assert ole.openstream("PROJECT").read() == b"x" * 10
    _check_red_black(data)


def _check_red_black(data: bytes) -> None:
    """Every storage's children form a search tree (MS-CFB order) with equal black heights, no red-red."""
    ole = olefile.OleFileIO(io.BytesIO(data))
    entries = ole.direntries

    def key(i: int) -> tuple[int, str]:
        return len(entries[i].name), entries[i].name.upper()

    def walk(i: int, low: tuple | None, high: tuple | None, parent_red: bool) -> int:
        if i == olefile.NOSTREAM:
            return 1
        entry = entries[i]
        red = entry.color == 0
        assert not (red and parent_red), "red node with a red parent"
        assert (low is None or key(i) > low) and (high is None or key(i) < high), "siblings out of order"
        left = walk(entry.sid_left, low, key(i), red)
        right = walk(entry.sid_right, key(i), high, red)
        assert left == right, "unequal black heights"
        return left + (0 if red else 1)

    for entry in entries:
        if entry is not None and entry.entry_type in (olefile.STGTY_STORAGE, olefile.STGTY_ROOT):
            walk(entry.sid_child, None, None, False)


def test_vba_project_rejects_what_it_cannot_store() -> None:
    with pytest.raises(BridgeError, match="duplicate"):
        build_vba_project([VbaModule("A", "module", ""), VbaModule("A", "module", "")])
    with pytest.raises(BridgeError, match="code page"):
        build_vba_project([VbaModule("A", "module", 'MsgBox "重点客户"')])


def test_vba_modules_named_alike_but_for_case_are_refused() -> None:
    modules = [
        VbaModule("Tools", "standard", 'Attribute VB_Name = "Tools"\r\n'),
        VbaModule("TOOLS", "standard", 'Attribute VB_Name = "TOOLS"\r\n'),
    ]
    with pytest.raises(BridgeError, match="case is ignored"):
        build_vba_project(modules)
