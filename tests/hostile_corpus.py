"""A seeded corpus of hostile submissions: real generated forms, mutated at random and by hand.

Used by the isolation tests and by ``benchmarks/consolidate.py --hostile``; run alone to write it to a folder:
``python tests/hostile_corpus.py OUT [--count 1000] [--seed 2026]``. Every file is a real form (filled the way a
rep fills it) or a blank one, changed by one mutation: byte flips, truncation, damaged or cut sheet XML, a
UTF-16 ``_meta`` sheet, lying zip sizes, undeclared and declared entities, out-of-range dates and numbers,
the dimension and shared-strings bombs, duplicate member names, huge text, unsupported compression, and more.
The same seed and count always give the same bytes.
"""

from __future__ import annotations

import argparse
import io
import random
import re
import struct
import warnings
import zipfile
from collections.abc import Callable
from pathlib import Path

from keyacct_xl.consolidate.simulate import blank_form, fill_form

SEED = 2026
COUNT = 1000
FORM_SHEET, META_PART = "xl/worksheets/sheet1.xml", "xl/worksheets/sheet3.xml"
_SST_TYPE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings"
_SST_CONTENT = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"

Mutation = Callable[[bytes, random.Random], bytes]


def base_forms() -> dict[str, bytes]:
    """The forms the corpus mutates: filled visit records and a weekly plan, and blank consolidated forms."""
    lines = [
        {
            "date": f"2026-11-{23 + k % 5}",
            "customer_id": f"C{k % 3 + 1:03d}",
            "method": "电话",
            "purpose": "回访",
            "content": f"第{k + 1}次沟通",
        }
        for k in range(8)
    ]
    visit = fill_form(blank_form("visit_record"), header={"rep": "张三", "period": "2026-W48"}, rows={"visits": lines})
    plan = fill_form(
        blank_form("weekly_plan"),
        header={"rep": "张三", "period": "2026-W48"},
        rows={"plan": [{"date": "2026-11-24", "customer_id": "C001", "goal": "回访"}]},
    )
    forms = {"visit": visit, "plan": plan}
    forms.update(
        {f"blank-{form_id}": blank_form(form_id) for form_id in ("competitor_report", "quotation", "customer_card")}
    )
    return forms


def parts(data: bytes) -> list[tuple[zipfile.ZipInfo, bytes]]:
    """Every member of a package with its bytes, in order."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return [(info, archive.read(info)) for info in archive.infolist()]


def pack(members: list[tuple[str, bytes]], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    """A package of ``members`` in order (duplicate names allowed), with fixed zip times."""
    out = io.BytesIO()
    with warnings.catch_warnings(), zipfile.ZipFile(out, "w", method) as archive:
        warnings.simplefilter("ignore", UserWarning)  # zipfile warns of the duplicate names made on purpose
        for name, content in members:
            archive.writestr(zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0)), content, compress_type=method)
    return out.getvalue()


def change_part(data: bytes, name: str, change: Callable[[bytes], bytes]) -> bytes:
    """``data`` with the part ``name`` replaced by ``change(part)``."""
    return pack([(i.filename, change(c) if i.filename == name else c) for i, c in parts(data)])


def _cell(row: int, column: str, attrs: str, inner: str) -> Callable[[bytes], bytes]:
    """A change adding one cell in its own row at the end of a sheet's data."""

    def add(sheet: bytes) -> bytes:
        cell = f'<row r="{row}"><c r="{column}{row}"{attrs}>{inner}</c></row></sheetData>'.encode()
        return sheet.replace(b"</sheetData>", cell, 1)

    return add


def _date_text(text: str) -> Callable[[bytes], bytes]:
    """The first visit line's date typed as ``text``."""
    return lambda sheet: re.sub(
        rb'(<c r="A8"[^>]*t="inlineStr"><is><t>)[^<]*', lambda m: m[1] + text.encode(), sheet, count=1
    )


def _date_serial(value: str) -> Callable[[bytes], bytes]:
    """Every visit date replaced by a number cell (date-formatted) holding ``value``."""
    return lambda sheet: re.sub(
        rb'<c r="(A\d+)"([^>]*) t="inlineStr"><is><t>2026-11-\d+</t></is></c>',
        lambda m: b'<c r="' + m[1] + b'"' + m[2] + b' t="n"><v>' + value.encode() + b"</v></c>",
        sheet,
    )


# --- random mutations -------------------------------------------------------------------------------------------


def flip_bytes(data: bytes, rng: random.Random) -> bytes:
    """A few bytes anywhere in the file changed at random."""
    out = bytearray(data)
    for _ in range(rng.randint(1, 40)):
        out[rng.randrange(len(out))] = rng.randrange(256)
    return bytes(out)


def flip_member_bytes(data: bytes, rng: random.Random) -> bytes:
    """Bytes of one member's compressed data changed (the zip structure kept): its inflater sees garbage."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        info = rng.choice(archive.infolist())
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    out = bytearray(data)
    for _ in range(rng.randint(1, 8)):
        if info.compress_size:
            out[start + rng.randrange(info.compress_size)] ^= 1 << rng.randrange(8)
    return bytes(out)


def truncate(data: bytes, rng: random.Random) -> bytes:
    """The file cut at a random place."""
    return data[: rng.randrange(len(data))]


def damage_xml(data: bytes, rng: random.Random) -> bytes:
    """One XML part edited at random: a span deleted, repeated or replaced by junk, a tag broken, a number
    attribute set to an absurd value, or the part cut in half."""
    members = parts(data)
    index = rng.choice([k for k, (info, _) in enumerate(members) if info.filename.endswith((".xml", ".rels"))])
    info, xml = members[index]
    a, b = sorted(rng.randrange(len(xml) + 1) for _ in range(2))
    kind = rng.randrange(6)
    if kind == 0:
        xml = xml[:a] + xml[b:]
    elif kind == 1:
        xml = xml[:b] + xml[a:b] + xml[b:]
    elif kind == 2:
        xml = xml[:a] + bytes(rng.randrange(256) for _ in range(rng.randint(1, 30))) + xml[b:]
    elif kind == 3:
        xml = xml[:a] + rng.choice([b"<", b">", b"&", b"</x>", b'<c r="', b'"', b"<![CDATA[", b"\x00"]) + xml[a:]
    elif kind == 4:
        absurd = rng.choice(
            [b"-1", b"0", b"4294967296", b"99999999999999999999", b"1e308", b"NaN", b"", b"A0", b"XFD1048577", b"ZZZZ1"]
        )
        xml = re.sub(rb'(\s[A-Za-z]+=")[^"]*(")', lambda m: m[1] + absurd + m[2] if rng.random() < 0.1 else m[0], xml)
    else:
        xml = xml[: len(xml) // 2]
    members[index] = (info, xml)
    return pack([(i.filename, c) for i, c in members])


# --- hand-made mutations -----------------------------------------------------------------------------------------


def utf16_meta(data: bytes, rng: random.Random) -> bytes:
    """The hidden _meta sheet re-encoded as UTF-16 (with its BOM and declaration)."""

    def encode(xml: bytes) -> bytes:
        text = xml.decode("utf-8")
        if not text.startswith("<?xml"):
            text = '<?xml version="1.0" encoding="UTF-16"?>' + text
        return text.replace('encoding="UTF-8"', 'encoding="UTF-16"').encode(rng.choice(["utf-16", "utf-16-be"]))

    return change_part(data, META_PART, encode)


def lying_sizes(data: bytes, rng: random.Random) -> bytes:
    """A member's uncompressed size (and sometimes its compressed size or CRC) rewritten in the zip directory,
    the local header, or both."""
    out = bytearray(data)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        info = rng.choice(archive.infolist())
    central = data.find(b"PK\x01\x02")
    while central >= 0 and data[central + 46 : central + 46 + len(info.filename)] != info.filename.encode():
        central = data.find(b"PK\x01\x02", central + 4)
    size = rng.choice([0, 1, info.file_size // 2, info.file_size * 50, 0xFFFFFFF0, 2**31])
    field = rng.choice([("size", 24, 22), ("packed", 20, 18), ("crc", 16, 14)])
    where = rng.choice(["central", "local", "both"])
    if where in ("central", "both") and central >= 0:
        struct.pack_into("<L", out, central + field[1], size)
    if where in ("local", "both"):
        struct.pack_into("<L", out, info.header_offset + field[2], size)
    return bytes(out)


def undeclared_entity(data: bytes, rng: random.Random) -> bytes:
    """An entity reference no DTD declares, in a text cell of the form or _meta sheet."""
    part = rng.choice([FORM_SHEET, META_PART])
    ref = rng.choice([b"&nbsp;", b"&foo;", b"&#xFFFFFFFF;", b"&#0;", b"&"])
    return change_part(data, part, lambda xml: xml.replace(b"<t>", b"<t>" + ref, 1))


def declared_entity(data: bytes, rng: random.Random) -> bytes:
    """A DTD with entity declarations (entity expansion, an external entity) before a part's root."""
    dtd = rng.choice(
        [
            b'<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;">]>',
            b'<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>',
        ]
    )
    part = rng.choice([FORM_SHEET, META_PART, "xl/workbook.xml", "[Content_Types].xml"])
    return change_part(
        data, part, lambda xml: xml.replace(b"?>", b"?>" + dtd, 1) if xml.startswith(b"<?xml") else dtd + xml
    )


def out_of_range_date(data: bytes, rng: random.Random) -> bytes:
    """A visit date Excel cannot hold: typed 2300-01-01 or 0000-00-00, or the serial 2958465 (9999-12-31) and
    beyond, a negative serial, a huge one."""
    if rng.random() < 0.4:
        text = rng.choice(["2300-01-01", "0000-00-00", "9999-12-31", "10000-01-01", "1899-12-30", "2026-02-30"])
        return change_part(data, FORM_SHEET, _date_text(text))
    serial = rng.choice(["2958465", "2958466", "-1", "0", "1e15", "9.9e307", "60"])
    return change_part(data, FORM_SHEET, _date_serial(serial))


def non_finite_number(data: bytes, rng: random.Random) -> bytes:
    """A number cell holding inf, NaN, 1e309 or junk."""
    value = rng.choice(["inf", "-inf", "NaN", "1e309", "1,5", "0x10", ""])
    return change_part(data, FORM_SHEET, _cell(60, "H", ' t="n"', f"<v>{value}</v>"))


def dimension_bomb(data: bytes, rng: random.Random) -> bytes:
    """One cell at XFD1048576 beside the form's own (calamine allocates their bounding box: 512 GiB),
    with the declared dimension honest or saying the same."""

    def add(sheet: bytes) -> bytes:
        sheet = _cell(1048576, "XFD", ' t="n"', "<v>1</v>")(sheet)
        if rng.random() < 0.5:
            sheet = re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="A1:XFD1048576"', sheet)
        return sheet

    return change_part(data, rng.choice([FORM_SHEET, META_PART]), add)


def shared_strings_bomb(data: bytes, rng: random.Random) -> bytes:
    """A shared-strings part claiming 2 billion strings in a few bytes (calamine reserves them: 48 GB)."""
    count = rng.choice([2_000_000_000, 4_000_000_000, 500_000_000])
    sst = (
        f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/'
        f'main" count="{count}" uniqueCount="{count}"><si><t>x</t></si></sst>'
    ).encode()

    def rels(xml: bytes) -> bytes:
        return xml.replace(
            b"</Relationships>",
            f'<Relationship Id="rIdSst" Type="{_SST_TYPE}" Target="sharedStrings.xml"/></Relationships>'.encode(),
        )

    def types(xml: bytes) -> bytes:
        return xml.replace(
            b"</Types>", f'<Override PartName="/xl/sharedStrings.xml" ContentType="{_SST_CONTENT}"/></Types>'.encode()
        )

    members = [(i.filename, c) for i, c in parts(data)]
    if "xl/sharedStrings.xml" in dict(members):  # the form has one: forge its counts in place
        forged = re.sub(
            rb'((?:unique)?[cC]ount=")\d+"',
            lambda m: m[1] + str(count).encode() + b'"',
            dict(members)["xl/sharedStrings.xml"],
        )
        return pack([(n, forged if n == "xl/sharedStrings.xml" else c) for n, c in members])
    members = [
        (n, rels(c) if n == "xl/_rels/workbook.xml.rels" else types(c) if n == "[Content_Types].xml" else c)
        for n, c in members
    ]
    return pack([*members, ("xl/sharedStrings.xml", sst)])


def duplicate_member(data: bytes, rng: random.Random) -> bytes:
    """Two members with the same name: the form sheet or _meta twice, the first one altered or blank."""
    members = [(i.filename, c) for i, c in parts(data)]
    name = rng.choice([FORM_SHEET, META_PART, "xl/workbook.xml"])
    original = dict(members)[name]
    decoy = rng.choice([original.replace("张三".encode(), "李四".encode()), original[: len(original) // 2], b""])
    at = next(k for k, (n, _) in enumerate(members) if n == name)
    return pack([*members[:at], (name, decoy), *members[at:]])


def huge_text(data: bytes, rng: random.Random) -> bytes:
    """A cell holding 32,768 characters or more (Excel's limit is 32,767), inline."""
    size = rng.choice([32_768, 100_000, 1_000_000])
    return change_part(data, FORM_SHEET, _cell(61, "I", ' t="inlineStr"', f"<is><t>{'长' * size}</t></is>"))


def bad_cells(data: bytes, rng: random.Random) -> bytes:
    """Cells a reader may choke on: odd types, references out of the grid or out of order, formulas."""
    attrs, inner = rng.choice(
        [
            (' t="b"', "<v>7</v>"),
            (' t="e"', "<v>#BOOM!</v>"),
            (' t="d"', "<v>not a date</v>"),
            (' t="s"', "<v>999999</v>"),
            (' t="s"', "<v>-1</v>"),
            (' t="str"', "<f>1/0</f><v/>"),
            (' r="A0"', "<v>1</v>"),
            (' s="99999"', "<v>1</v>"),
            (' t="n"', '<f t="shared" ref="A1:XFD1048576" si="0">A1</f><v>1</v>'),
        ]
    )
    row = rng.choice([62, 0, 1048577, 8])
    return change_part(data, FORM_SHEET, _cell(row, rng.choice(["J", "A", "XFE", "AAAA"]), attrs, inner))


def missing_part(data: bytes, rng: random.Random) -> bytes:
    """A needed part left out: the workbook, its rels, content types, a sheet, styles, the table."""
    name = rng.choice(
        [
            "xl/workbook.xml",
            "xl/_rels/workbook.xml.rels",
            "[Content_Types].xml",
            FORM_SHEET,
            META_PART,
            "xl/styles.xml",
            "xl/tables/table1.xml",
            "xl/worksheets/_rels/sheet1.xml.rels",
        ]
    )
    return pack([(i.filename, c) for i, c in parts(data) if i.filename != name])


def odd_package(data: bytes, rng: random.Random) -> bytes:
    """A package stored uncompressed, with an unsupported compression method, or with an empty member."""
    kind = rng.randrange(3)
    if kind == 0:
        return pack([(i.filename, c) for i, c in parts(data)], zipfile.ZIP_STORED)
    if kind == 1:
        out = bytearray(data)
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            info = rng.choice(archive.infolist())
        struct.pack_into("<H", out, info.header_offset + 8, 99)  # AES / unknown method in the local header
        return bytes(out)
    return change_part(data, rng.choice([FORM_SHEET, META_PART, "xl/styles.xml"]), lambda xml: b"")


def not_a_workbook(data: bytes, rng: random.Random) -> bytes:
    """Bytes that are no workbook: empty, text, a zip of a zip, an OLE header with nothing behind it."""
    return rng.choice(
        [
            b"",
            b"hello, this is not excel\n",
            pack([("form.xlsx", data)]),
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600),
            data[:4] + bytes(100),
        ]
    )


MUTATIONS: dict[str, Mutation] = {
    "flip": flip_bytes,
    "flip-member": flip_member_bytes,
    "truncate": truncate,
    "damage-xml": damage_xml,
    "utf16-meta": utf16_meta,
    "lying-sizes": lying_sizes,
    "undeclared-entity": undeclared_entity,
    "declared-entity": declared_entity,
    "date-range": out_of_range_date,
    "non-finite": non_finite_number,
    "dimension-bomb": dimension_bomb,
    "sst-bomb": shared_strings_bomb,
    "duplicate-member": duplicate_member,
    "huge-text": huge_text,
    "bad-cells": bad_cells,
    "missing-part": missing_part,
    "odd-package": odd_package,
    "not-a-workbook": not_a_workbook,
}
# Random mutations take most of the corpus; every hand-made one appears many times with its variants.
_WEIGHTS = {"flip": 6, "flip-member": 5, "truncate": 3, "damage-xml": 8}


def build_corpus(count: int = COUNT, seed: int = SEED) -> list[tuple[str, bytes]]:
    """``count`` hostile submissions (name, bytes), the same for the same seed and count."""
    rng = random.Random(seed)
    forms = base_forms()
    kinds = [k for k in MUTATIONS for _ in range(_WEIGHTS.get(k, 1))]
    corpus = []
    for index in range(count):
        kind = kinds[index % len(kinds)] if index < len(kinds) else rng.choice(kinds)
        base = rng.choice(sorted(forms))
        corpus.append((f"{kind}/{index:04d}-{base}.xlsx", MUTATIONS[kind](forms[base], rng)))
    return corpus


def write_corpus(folder: Path, count: int = COUNT, seed: int = SEED) -> list[Path]:
    """The corpus written under ``folder`` (one sub-folder per mutation); the paths written."""
    written = []
    for name, data in build_corpus(count, seed):
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        written.append(path)
    return written


def main() -> None:
    """Write the corpus to OUT."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("out", type=Path)
    parser.add_argument("--count", type=int, default=COUNT)
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args()
    print(f"{len(write_corpus(args.out, args.count, args.seed))} files written to {args.out}")


if __name__ == "__main__":
    main()
