"""Bad submissions: each is refused with a reason, within caps, quarantined, and SOURCE is left as it was."""

from __future__ import annotations

import io
import os
import re
import struct
import zipfile
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from msoffcrypto.format.ooxml import OOXMLFile

from keyacct_xl.consolidate import safety
from keyacct_xl.consolidate.intake import collect
from keyacct_xl.consolidate.report import write_report
from keyacct_xl.consolidate.run import consolidate
from keyacct_xl.consolidate.simulate import blank_form, fill_form
from keyacct_xl.consolidate.store import load_store
from keyacct_xl.consolidate.usecase import run_consolidation
from keyacct_xl.errors import InputError
from keyacct_xl.master.model import Master
from keyacct_xl.master.schema import TRANSACTIONS
from keyacct_xl.master.writer import save_master
from keyacct_xl.receivables.statement_reader import SUFFIXES, read_sheets
from keyacct_xl.tablefile import read_table_file

NOW = "2026-11-28 18:00:00"  # the Saturday of the week the forms report: no visit lies after it
ROWS = [{"date": "2026-11-23", "customer_id": "C001", "content": "拜访"}]


@pytest.fixture(scope="module")
def good() -> bytes:
    return fill_form(blank_form("visit_record"), header={"rep": "张三", "period": "2026-W48"}, rows={"visits": ROWS})


@pytest.fixture
def master(tmp_path: Path) -> Path:
    m = Master.empty()
    m.customers = pd.DataFrame({"customer_id": ["C001"], "name": ["华强贸易有限公司"], "rep": ["张三"]})
    return save_master(m, tmp_path / "master.xlsx", backup=False)


def _rezip(data: bytes, change: Callable[[str, bytes], bytes], extra: dict[str, bytes] | None = None) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info.filename, change(info.filename, src.read(info.filename)))
        for name, content in (extra or {}).items():
            dst.writestr(name, content)
    return out.getvalue()


def _encrypted(data: bytes) -> bytes:
    out = io.BytesIO()
    OOXMLFile(io.BytesIO(data)).encrypt("secret", out)
    return out.getvalue()


def _entity(data: bytes, padding: bytes = b"") -> bytes:
    bomb = padding + b'<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]>'

    def add(name: str, content: bytes) -> bytes:
        if name != "xl/worksheets/sheet1.xml":
            return content
        head, sep, body = content.partition(b"?>")
        return head + sep + bomb + body if sep else bomb + content

    return _rezip(data, add)


def _bad_meta_column(data: bytes) -> bytes:
    """The hidden _meta sheet's field map with a column number overwritten by text."""
    book = openpyxl.load_workbook(io.BytesIO(data))
    row = next(r for r in book["_meta"].iter_rows() if len(r) > 3 and str(r[3].value or "").isdigit())
    row[3].value = "x"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _table_part(change: Callable[[bytes], bytes]) -> Callable[[bytes], bytes]:
    """The form with its Excel table part changed (calamine opens the file without reading it)."""
    return lambda data: _rezip(data, lambda n, c: change(c) if n.startswith("xl/tables/") else c)


def _bomb(data: bytes) -> bytes:
    return _rezip(data, lambda n, c: c, {"xl/media/padding.bin": b"\0" * (8 * 1024**2)})


def _far_cell(dimension: bool) -> Callable[[bytes], bytes]:
    """One cell at XFD1048576 beside the form's own (13 kB); the declared dimension honest, or saying so too."""

    def add(name: str, content: bytes) -> bytes:
        if name != "xl/worksheets/sheet1.xml":
            return content
        content = content.replace(b"</sheetData>", b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row></sheetData>')
        return re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="A1:XFD1048576"', content) if dimension else content

    return lambda data: _rezip(data, add)


def _sheet_tail(xml: bytes) -> Callable[[bytes], bytes]:
    """The form sheet with ``xml`` added at the end of its data."""
    return lambda data: _rezip(
        data, lambda n, c: c.replace(b"</sheetData>", xml + b"</sheetData>") if n == "xl/worksheets/sheet1.xml" else c
    )


# 600 rows and a row of 16,384 cells, none with a reference: calamine places them by counting.
_UNREFERENCED = b"<row/>" * 600 + b"<row>" + b"<c><v>1</v></c>" * 16_384 + b"</row>"
# A reference hidden in another attribute's value, before the real one.
_DECOY = b"""<row r="50"><c x='a r="A1"' r="XFD1048576"><v>1</v></c></row>"""


def _forged_shared_strings(data: bytes) -> bytes:
    """A shared-strings part claiming 2 billion strings in a few bytes (13 kB in all)."""
    sst = (
        b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="2000000000" '
        b'uniqueCount="2000000000"><si><t>x</t></si></sst>'
    )
    rel = (
        b'<Relationship Id="rIdS" Target="sharedStrings.xml" '
        b'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings"/>'
    )
    return _rezip(
        data,
        lambda n, c: (
            c.replace(b"</Relationships>", rel + b"</Relationships>") if n == "xl/_rels/workbook.xml.rels" else c
        ),
        {"xl/sharedStrings.xml": sst},
    )


def _duplicate_meta(data: bytes) -> bytes:
    """The _meta sheet twice: a first copy naming another rep, which one reader would see and another not."""
    with zipfile.ZipFile(io.BytesIO(data)) as src:
        members = [(i.filename, src.read(i)) for i in src.infolist()]
    out = io.BytesIO()
    with pytest.warns(UserWarning, match="Duplicate name"), zipfile.ZipFile(out, "w") as dst:
        for name, content in members:
            if name == "xl/worksheets/sheet3.xml":
                dst.writestr(name, content.replace("张三".encode(), "李四".encode()))
            dst.writestr(name, content)
    return out.getvalue()


def _lying_size(data: bytes) -> bytes:
    """The form sheet's unpacked size changed in its local header only: the two records disagree."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        info = archive.getinfo("xl/worksheets/sheet1.xml")
    out = bytearray(data)
    struct.pack_into("<L", out, info.header_offset + 22, 1)
    return bytes(out)


def _bad_boolean(data: bytes) -> bytes:
    """A boolean cell holding 7: calamine raises its own error while reading the sheet."""
    cell = b'<row r="60"><c r="J60" t="b"><v>7</v></c></row></sheetData>'
    return _rezip(data, lambda n, c: c.replace(b"</sheetData>", cell) if n == "xl/worksheets/sheet1.xml" else c)


_ODS_MANIFEST = (
    b'<?xml version="1.0" encoding="UTF-8"?><manifest:manifest'
    b' xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.3">'
    b'<manifest:file-entry manifest:full-path="/"'
    b' manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
    b'<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>'
)


def _ods(rows: bytes, mimetype: bytes = safety.ODS_MIMETYPE, sheets: int = 1) -> Callable[[bytes], bytes]:
    """An .ods package by hand, as calamine opens it: its mimetype, manifest and ``sheets`` sheets of ``rows`` (ODF
    table rows)."""
    tables = b"".join(b'<table:table table:name="S%d">' % i + rows + b"</table:table>" for i in range(sheets))
    content = (
        b'<?xml version="1.0" encoding="UTF-8"?><office:document-content'
        b' xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"'
        b' xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0"'
        b' xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"><office:body><office:spreadsheet>'
        + tables
        + b"</office:spreadsheet></office:body></office:document-content>"
    )

    def make(_: bytes) -> bytes:
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
            z.writestr("mimetype", mimetype, compress_type=zipfile.ZIP_STORED)
            z.writestr("content.xml", content)
            z.writestr("META-INF/manifest.xml", _ODS_MANIFEST)
        return out.getvalue()

    return make


def _password_ods(_: bytes) -> bytes:
    """An .ods saved with a password as LibreOffice saves one: content.xml encrypted (AES), the manifest declaring
    how (its encryption-data), the mimetype in the clear."""
    manifest = _ODS_MANIFEST.replace(
        b'media-type="text/xml"/>',
        b'media-type="text/xml" manifest:size="4096"><manifest:encryption-data manifest:checksum-type="SHA256/1K"'
        b' manifest:checksum="AAAA"><manifest:algorithm'
        b' manifest:algorithm-name="http://www.w3.org/2001/04/xmlenc#aes256-cbc"'
        b' manifest:initialisation-vector="AAAA"/><manifest:key-derivation manifest:key-derivation-name="PBKDF2"'
        b' manifest:iteration-count="100000" manifest:salt="AAAA"/></manifest:encryption-data></manifest:file-entry>',
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("mimetype", safety.ODS_MIMETYPE, compress_type=zipfile.ZIP_STORED)
        z.writestr("content.xml", bytes(range(256)) * 16)  # ciphertext
        z.writestr("META-INF/manifest.xml", manifest)
    return out.getvalue()


_ODS_CELL = b'<table:table-cell office:value-type="string"><text:p>x</text:p></table:table-cell>'
# A few bytes asking a reader for 1,000,000 x 16,384 cells with content.
_ODS_REPEATS = (
    b'<table:table-row table:number-rows-repeated="1000000">'
    b'<table:table-cell table:number-columns-repeated="16384" office:value-type="string"><text:p>x</text:p>'
    b"</table:table-cell></table:table-row>"
)

# Cells calamine keeps though they have no value-type: a formula alone, a value alone (2,000 x 16,384 of them).
_ODS_FORMULAS = (
    b'<table:table-row table:number-rows-repeated="2000">'
    b'<table:table-cell table:number-columns-repeated="16384" table:formula="of:=1"/></table:table-row>'
)
_ODS_VALUES = (
    b'<table:table-row table:number-rows-repeated="2000">'
    b'<table:table-cell table:number-columns-repeated="16384" office:value="1"/></table:table-row>'
)
# 400 x 16,384 cells, under the cap, again after each table inside a cell: calamine reads one sheet of them all.
_ODS_BLOCK = (
    b'<table:table-row table:number-rows-repeated="400"><table:table-cell table:number-columns-repeated="16384"'
    b' office:value-type="string"><text:p>x</text:p></table:table-cell></table:table-row>'
)
_ODS_INNER_TABLE = (
    b'<table:table-row><table:table-cell><table:table table:name="in"><table:table-row>'
    + _ODS_CELL
    + b"</table:table-row></table:table></table:table-cell></table:table-row>"
)

# Text calamine copies into every cell a repeat makes (10 GB here), or spaces it writes out (text:s, 2 GB).
_ODS_LONG_TEXT = (
    b'<table:table-row table:number-rows-repeated="100"><table:table-cell table:number-columns-repeated="1000"'
    b' office:value-type="string"><text:p>' + b"y" * 100_000 + b"</text:p></table:table-cell></table:table-row>"
)
_ODS_SPACES = (
    b'<table:table-row><table:table-cell office:value-type="string"><text:p><text:s text:c="2000000000"/>'
    b"</text:p></table:table-cell></table:table-row>"
)


def _ods_prefix_elsewhere(data: bytes) -> bytes:
    """The repeated cells with the prefix ``table`` bound to another namespace: calamine reads the names as written."""
    content = b'<table:table table:name="S0">' + _ODS_REPEATS + b"</table:table>"
    ods = _ods(b"")(data)
    return _rezip(
        ods,
        lambda n, c: (
            c.replace(b"urn:oasis:names:tc:opendocument:xmlns:table:1.0", b"urn:example:other").replace(
                b'<table:table table:name="S0"></table:table>', content
            )
            if n == "content.xml"
            else c
        ),
    )


BAD_FILES: dict[str, tuple[Callable[[bytes], bytes], str, str]] = {
    "password.xlsx": (_encrypted, "password", "密码"),
    "truncated.xlsx": (lambda d: d[: len(d) // 2], "corrupt", "损坏"),
    "garbage.xlsx": (lambda d: os.urandom(4096), "corrupt", "损坏"),
    "entity.xlsx": (_entity, "xml_entity", "实体"),
    # The DTD hidden behind a long comment, beyond the first chunk the prolog check reads.
    "entity-late.xlsx": (lambda d: _entity(d, b"<!--" + b"x" * 20_000 + b"-->"), "xml_entity", "实体"),
    "bomb.xlsx": (_bomb, "zip_bomb", "压缩炸弹"),
    "meta-column.xlsx": (_bad_meta_column, "corrupt", "_meta 工作表已损坏"),
    "table-cut.xlsx": (_table_part(lambda c: c[: len(c) // 2]), "corrupt", "部件已损坏"),
    "table-ref.xlsx": (_table_part(lambda c: c.replace(b' ref="', b' ref="x', 1)), "corrupt", "区域"),
    "~$open.xlsx": (lambda d: b"\x05rep  " + b"\0" * 100, "lock_file", "锁定文件"),
    # Found while reading: calamine raised, the run stopped with a traceback.
    "bad-boolean.xlsx": (_bad_boolean, "reader_error", "CalamineError"),
    # Refused by the pre-check: each of these made calamine abort the whole process (SIGABRT).
    "far-cell.xlsx": (_far_cell(dimension=False), "sheet_too_large", "读取前拒收"),
    "dimension.xlsx": (_far_cell(dimension=True), "sheet_too_large", "读取前拒收"),
    "unreferenced-cells.xlsx": (_sheet_tail(_UNREFERENCED), "sheet_too_large", "读取前拒收"),
    "decoy-reference.xlsx": (_sheet_tail(_DECOY), "sheet_too_large", "读取前拒收"),
    "shared-strings.xlsx": (_forged_shared_strings, "shared_strings", "计数被伪造"),
    "duplicate-meta.xlsx": (_duplicate_meta, "duplicate_part", "永远不会被读取"),
    "lying-size.xlsx": (_lying_size, "zip_sizes", "大小记录不一致"),
    "report.docx": (lambda d: d, "not_workbook", "不是电子表格"),
    "binary-inside.xlsx": (
        lambda d: _rezip(d, lambda n, c: c, {"xl/workbook.bin": b"\x83\x01\x00"}),
        "not_workbook",
        ".xlsb",
    ),
    "repeated-cells.ods": (_ods(_ODS_REPEATS), "sheet_too_large", "读取前拒收"),
    # A comment among a row's cells: no cell, and no crash of the screen (calamine refuses the row).
    "comment-in-row.ods": (
        _ods(b"<table:table-row><!-- a note -->" + _ODS_CELL + b"</table:table-row>"),
        "corrupt",
        "损坏",
    ),
    "formula-cells.ods": (_ods(_ODS_FORMULAS), "sheet_too_large", "读取前拒收"),
    "value-cells.ods": (_ods(_ODS_VALUES), "sheet_too_large", "读取前拒收"),
    "tables-in-cells.ods": (_ods((_ODS_BLOCK + _ODS_INNER_TABLE) * 3), "sheet_too_large", "读取前拒收"),
    "other-prefix.ods": (_ods_prefix_elsewhere, "sheet_too_large", "读取前拒收"),
    # Each sheet under the cap; calamine holds them all at once.
    "many-sheets.ods": (_ods(_ODS_BLOCK, sheets=3), "sheet_too_large", "读取前拒收"),
    "repeated-text.ods": (_ods(_ODS_LONG_TEXT), "sheet_too_large", "读取前拒收"),
    "spaces.ods": (_ods(_ODS_SPACES), "sheet_too_large", "读取前拒收"),
    # An .xlsx that calamine cannot open as one: it tries the package as an .ods next, content.xml and all.
    "ods-inside.xlsx": (
        lambda d: _rezip(_ods(_ODS_REPEATS)(d), lambda n, c: c, {"xl/workbook.xml": b"<workbook/>"}),
        "sheet_too_large",
        "读取前拒收",
    ),
    "text-document.ods": (
        _ods(b"<table:table-row>" + _ODS_CELL + b"</table:table-row>", b"application/vnd.oasis.opendocument.text"),
        "not_workbook",
        "不是开放文档格式的电子表格",  # an .ods is refused in the words of its own format, not as an Excel workbook
    ),
    # Saved with a password (LibreOffice: File > Save As > Save with password): said so, not "damaged content.xml".
    "password.ods": (_password_ods, "password", "打开密码"),
    # A note saved as .ods, or a copy cut short: damaged as the .ods it claims to be, not "not a valid .xlsx".
    "note.ods": (lambda d: "客户说下周再联系".encode(), "corrupt", "不是有效的 .ods 文件包"),
    "cut-short.ods": (lambda d: _ods(_ODS_BLOCK)(d)[:300], "corrupt", "不是有效的 .ods 文件包"),
    # An older system's "Excel" export: a web page or tab-separated text under .xls, named as what it is.
    "html-export.xls": (
        lambda d: '<html><head><meta charset="gb2312"></head><body><table><tr><td>客户名称</td></tr></table>'.encode(
            "gb2312"
        ),
        "disguised",
        "这个 .xls 文件其实是网页（HTML）",
    ),
    "tab-text.xls": (
        lambda d: "客户名称\t城市\r\n上海制表有限公司\t上海\r\n".encode("gbk"),
        "disguised",
        "这个 .xls 文件其实是以制表符或逗号分列的文本文件",
    ),
    # Read where a list of rows is taken (a customer list, a statement); a form cannot be one: named as what it is.
    "xml-2003.xls": (
        lambda d: (
            b'<?xml version="1.0"?><?mso-application progid="Excel.Sheet"?>'
            b'<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet"><Worksheet/></Workbook>'
        ),
        "disguised",
        "这个 .xls 文件其实是 Excel 2003 XML 表格",
    ),
}


@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_bad_file_is_rejected_with_reason_and_quarantined(name: str, good: bytes, master: Path, tmp_path: Path) -> None:
    make, code, zh = BAD_FILES[name]
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / name).write_bytes(make(good))
    source_before = {p.name: p.read_bytes() for p in inbox.iterdir()}
    master_before = master.read_bytes()
    result = consolidate(inbox, master, quarantine_dir=tmp_path / "q", now=NOW)
    [outcome] = result.outcomes
    assert (outcome.status, outcome.code) == ("rejected", code)
    assert zh in outcome.reason_zh
    assert (tmp_path / "q" / name).read_bytes() == source_before[name]
    assert zh in (tmp_path / "q" / f"{name}.reason.txt").read_text(encoding="utf-8")
    assert {p.name: p.read_bytes() for p in inbox.iterdir()} == source_before  # nothing moved or changed
    assert master.read_bytes() == master_before


def test_a_command_reading_an_ods_saved_with_a_password_says_so(tmp_path: Path) -> None:
    """A sales export saved with a password in LibreOffice, given to rfm or history import: one line saying so."""
    path = tmp_path / "sales.ods"
    path.write_bytes(_password_ods(b""))
    with pytest.raises(InputError, match=r"sales\.ods: password-protected workbook$"):
        read_table_file(path, TRANSACTIONS.columns)


def test_oversized_file_is_refused_before_reading(monkeypatch: pytest.MonkeyPatch, good: bytes) -> None:
    # The cap is lowered rather than writing 20 MB; the check is the same comparison.
    monkeypatch.setattr(safety, "MAX_FILE_BYTES", len(good) - 1)
    with pytest.raises(safety.Rejection) as caught:
        safety.check_file("big.xlsx", good)
    assert caught.value.code == "oversized"


def test_macro_workbook_is_read_and_its_macros_never_run(good: bytes, master: Path, tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    macro = _rezip(good, lambda n, c: c, {"xl/vbaProject.bin": b'\xd0\xcf\x11\xe0 Sub AutoOpen(): Shell "calc"'})
    (inbox / "with macros.xlsm").write_bytes(macro)
    [outcome] = consolidate(inbox, master, now=NOW).outcomes
    assert outcome.status == "accepted"
    assert any("从不运行" in i.zh for i in outcome.issues)


def test_newer_form_version_is_refused(good: bytes, master: Path, tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    # _meta is the third sheet; its B3 holds the version as text.
    newer = _rezip(
        good,
        lambda n, c: (
            c.replace(b'<c r="B3" t="inlineStr"><is><t>1</t>', b'<c r="B3" t="inlineStr"><is><t>99</t>')
            if n.endswith("sheet3.xml")
            else c
        ),
    )
    (inbox / "v99.xlsx").write_bytes(newer)
    [outcome] = consolidate(inbox, master, now=NOW).outcomes
    assert (outcome.status, outcome.code) == ("rejected", "newer_version")


def test_legacy_xls_is_read(good: bytes, master: Path, tmp_path: Path, libreoffice: Callable) -> None:
    src = tmp_path / "form.xlsx"
    src.write_bytes(good)
    xls = libreoffice(src, "xls", tmp_path / "inbox")
    [outcome] = consolidate(xls.parent, master, now=NOW).outcomes
    assert (outcome.status, outcome.rows_added) == ("accepted", 1)
    assert any(".xls" in i.en for i in outcome.issues)
    assert load_store(master).frame("Visits")["content"].tolist() == ["拜访"]


def test_zip_source_with_too_many_members_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from keyacct_xl.consolidate import intake

    monkeypatch.setattr(intake, "MAX_ZIP_MEMBERS", 3)
    archive = tmp_path / "all.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for i in range(4):
            z.writestr(f"f{i}.xlsx", b"x")
    with pytest.raises(InputError, match="refused"):
        collect(archive)


@pytest.mark.parametrize("member", ["../../etc/cron.xlsx", "C:/Users/Public/evil.xlsx"])
def test_zip_source_with_unsafe_member_name_is_refused(tmp_path: Path, member: str) -> None:
    archive = tmp_path / "evil.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr(member, b"x")
    with pytest.raises(InputError, match="unsafe"):
        collect(archive)


def test_a_name_pointing_to_a_missing_sheet_is_a_field_not_found(good: bytes, master: Path, tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    moved = _rezip(
        good,
        lambda n, c: re.sub(rb'(<definedName name="f_rep">)[^!]*!', rb"\1'Gone'!", c) if n == "xl/workbook.xml" else c,
    )
    (inbox / "renamed.xlsx").write_bytes(moved)
    [outcome] = consolidate(inbox, master, now=NOW).outcomes
    assert (outcome.status, outcome.code) == ("rejected", "no_rep")  # the rep's cell is gone: no rep
    assert any("f_rep" in i.en for i in outcome.issues)


def test_a_file_over_the_time_cap_is_rejected(good: bytes, master: Path, tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "slow.xlsx").write_bytes(good)
    # A cap far below what any file takes stands in for a file that is slow to read.
    [outcome] = consolidate(inbox, master, file_seconds=1e-6, now=NOW).outcomes
    assert (outcome.status, outcome.code) == ("rejected", "timeout")
    assert "秒上限" in outcome.reason_zh and outcome.rows == []
    [again] = consolidate(inbox, master, now=NOW).outcomes  # the cap is lifted after each file
    assert again.status == "accepted"


def test_links_and_special_files_are_reported_never_followed(good: bytes, master: Path, tmp_path: Path) -> None:
    inbox, secret, folder = tmp_path / "inbox", tmp_path / "secret.xlsx", tmp_path / "elsewhere"
    inbox.mkdir()
    folder.mkdir()
    secret.write_bytes(good)
    (folder / "inside.xlsx").write_bytes(good)
    (inbox / "link.xlsx").symlink_to(secret)
    (inbox / "linked-folder").symlink_to(folder, target_is_directory=True)
    os.mkfifo(inbox / "pipe.xlsx")  # reading it would block for ever
    result = consolidate(inbox, master, quarantine_dir=tmp_path / "q", now=NOW)
    found = {o.name: (o.status, o.code) for o in result.outcomes}
    assert found == {
        "link.xlsx": ("rejected", "symlink"),
        "linked-folder": ("rejected", "symlink"),
        "pipe.xlsx": ("rejected", "not_regular_file"),
    }
    assert not (tmp_path / "q" / "link.xlsx").exists()  # the target is never copied into quarantine
    assert "符号链接" in (tmp_path / "q" / "link.xlsx.reason.txt").read_text(encoding="utf-8")


def test_a_huge_sparse_file_is_refused_by_its_stated_size(master: Path, tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    with open(inbox / "sparse.xlsx", "wb") as sparse:
        sparse.truncate(40 * 1024**3)  # 40 GB stated, no block written: reading it whole would take minutes
    [outcome] = consolidate(inbox, master, quarantine_dir=tmp_path / "q", now=NOW).outcomes
    assert (outcome.status, outcome.code) == ("rejected", "oversized")
    assert "42,949,672,960" in outcome.reason_en
    assert not (tmp_path / "q" / "sparse.xlsx").exists()  # nothing read, nothing copied


def test_recognition_reads_the_parts_the_screen_read_whole(good: bytes) -> None:
    # The workbook part, its relationships and the tables come from what the screen kept (read to their end, so
    # their CRC was checked): the same bytes as a second unpacking, without it.
    verdict = safety.check_file("form.xlsx", good)
    assert verdict.package is not None
    with zipfile.ZipFile(io.BytesIO(good)) as plain, verdict.package as package:
        assert {"xl/workbook.xml", "xl/_rels/workbook.xml.rels", "xl/tables/table1.xml"} <= set(package.whole)
        assert all(package.read(name) == plain.read(name) for name in plain.namelist())


def test_a_long_sheet_is_not_taken_for_a_bomb(good: bytes) -> None:
    # 20,000 rows of one column under the form (20,000 x 14 cells): beyond the quick A1:ZZ9999 bound, so the
    # sheet is read again exactly and passes; one more cell at XFD20001 makes it 20,000 x 16,384 and refused (rows 2
    # to 20,001: the simulated form's row 1 holds only empty styled cells, which calamine does not keep either).
    rows = b"".join(b'<row r="%d"><c r="A%d"><v>1</v></c></row>' % (r, r) for r in range(42, 20_001))
    assert safety.check_file("long.xlsx", _sheet_tail(rows)(good)).kind == "xlsx"
    wide = rows + b'<row r="20001"><c r="XFD20001"><v>1</v></c></row>'
    with pytest.raises(safety.Rejection) as caught:
        safety.check_file("wide.xlsx", _sheet_tail(wide)(good))
    assert caught.value.code == "sheet_too_large" and "20,000 rows x 16,384 columns" in caught.value.en


# The last row as LibreOffice 7.4 writes it into a form's .xlsx after one of its rows was deleted (the form's sheet
# protection lifted first), with the dimension it then declares: A1 to the form's last column on row 1,048,576.
_LO_LAST_ROW = (
    b'<row r="1048576" customFormat="false" ht="12.8" hidden="false" customHeight="false" outlineLevel="0" '
    b'collapsed="false">%s</row>'
)
TWO_VISITS = [*ROWS, {"date": "2026-11-24", "customer_id": "C001", "content": "送样"}]


def _as_after_a_deleted_row(cells: bytes = b"") -> Callable[[bytes], bytes]:
    """The form sheet as LibreOffice saves it once a row was deleted: ``cells`` in its last row (none there)."""

    def change(name: str, content: bytes) -> bytes:
        if name != "xl/worksheets/sheet1.xml":
            return content
        content = re.sub(rb'(<dimension ref="A1:[A-Z]+)\d+"', rb'\g<1>1048576"', content)
        return content.replace(b"</sheetData>", _LO_LAST_ROW % cells + b"</sheetData>")

    return lambda data: _rezip(data, change)


@pytest.mark.libreoffice
def test_a_form_libreoffice_saved_after_a_deleted_row_is_read_with_every_line(
    master: Path, tmp_path: Path, libreoffice: Callable
) -> None:
    # calamine keeps only cells with content and reserves room for the dimension only below 100,000 cells
    # (measured on the trial's file: 16 MB peak, a 40 x 14 range): the file is what the rep sent, read as it is.
    src = tmp_path / "form.xlsx"
    src.write_bytes(
        fill_form(blank_form("visit_record"), header={"rep": "张三", "period": "2026-W48"}, rows={"visits": TWO_VISITS})
    )
    saved = libreoffice(src, "xlsx", tmp_path / "saved")
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    sent = _as_after_a_deleted_row()(saved.read_bytes())
    (inbox / "回访记录.xlsx").write_bytes(sent)
    [outcome] = consolidate(inbox, master, now=NOW).outcomes
    assert (outcome.status, outcome.rows_added) == ("accepted", 2)
    assert load_store(master).frame("Visits")["content"].tolist() == ["拜访", "送样"]
    assert (inbox / "回访记录.xlsx").read_bytes() == sent


@pytest.mark.parametrize(
    "cells",
    [b"", b'<c r="N1048576" s="1"/>', b'<c r="A1048576" s="1"></c><c r="XFD1048576" s="2"/>'],
    ids=["empty-row", "styled-empty-cell", "styled-empty-cells-far-apart"],
)
def test_a_last_row_without_content_is_no_area(cells: bytes, master: Path, tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    data = fill_form(
        blank_form("visit_record"), header={"rep": "张三", "period": "2026-W48"}, rows={"visits": TWO_VISITS}
    )
    (inbox / "回访记录.xlsx").write_bytes(_as_after_a_deleted_row(cells)(data))
    [outcome] = consolidate(inbox, master, now=NOW).outcomes
    assert (outcome.status, outcome.rows_added) == ("accepted", 2)


def test_a_value_far_below_the_form_is_refused_naming_the_sheet(good: bytes) -> None:
    far = _as_after_a_deleted_row(b'<c r="N1048576" t="inlineStr"><is><t></t></is></c>')(good)
    with pytest.raises(safety.Rejection) as caught:
        safety.check_file("回访记录.xlsx", far)
    assert caught.value.code == "sheet_too_large"
    assert "sheet “客户回访记录表” has cells with content over 1,048,575 rows x 14 columns" in caught.value.en
    assert "工作表“客户回访记录表”中" in caught.value.zh and "Ctrl+End" in caught.value.zh


def _wrong_crc(data: bytes, part: str) -> bytes:
    """``data`` with ``part``'s CRC-32 changed in its local header and in the zip directory alike (so the sizes
    and headers agree, and only inflating the part to its end can tell)."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        info = archive.getinfo(part)
    wrong = struct.pack("<L", info.CRC ^ 0x5A5A5A5A)
    patched = bytearray(data)
    patched[info.header_offset + 14 : info.header_offset + 18] = wrong
    entry = data.find(b"PK\x01\x02")  # the zip directory's entries, the part's among them
    while data[entry + 46 : entry + 46 + struct.unpack_from("<H", data, entry + 28)[0]] != part.encode():
        entry = data.find(b"PK\x01\x02", entry + 4)
    patched[entry + 16 : entry + 20] = wrong
    return bytes(patched)


@pytest.mark.parametrize("compression", [zipfile.ZIP_DEFLATED, zipfile.ZIP_STORED])
@pytest.mark.parametrize("part", ["xl/_rels/workbook.xml.rels", "xl/worksheets/sheet1.xml"])
def test_the_screen_inflates_the_parts_itself_and_checks_their_crc(good: bytes, part: str, compression: int) -> None:
    # The screen reads a plain member straight from the file's bytes (not through zipfile's objects): what it reads
    # is what zipfile reads, and a part whose data does not match its CRC (a small part read whole, a sheet
    # streamed to its end) is still refused as damaged.
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(good)) as src, zipfile.ZipFile(out, "w", compression) as dst:
        for info in src.infolist():
            dst.writestr(info.filename, src.read(info.filename))
    data = out.getvalue()
    verdict = safety.check_file("form.xlsx", data)
    assert verdict.package is not None
    with zipfile.ZipFile(io.BytesIO(data)) as plain, verdict.package as package:
        assert set(package.starts) == set(plain.namelist())  # every member inflated by the screen itself
        for info in plain.infolist():
            with package.open_member(info) as stream:
                assert b"".join(iter(lambda: stream.read(1000), b"")) == plain.read(info)
    with pytest.raises(safety.Rejection) as caught:
        safety.check_file("form.xlsx", _wrong_crc(data, part))
    assert caught.value.code == "corrupt" and part in caught.value.en


def test_a_file_refused_again_keeps_the_earlier_refused_copy_as_its_backup(good: bytes, master: Path, tmp_path: Path):
    # Monday's refused 回访.docx is in quarantine, the inbox emptied; Tuesday the rep sends another file of that name,
    # refused too: Monday's copy may be the only one left of that work, so it stays beside Tuesday's.
    inbox, quarantine = tmp_path / "inbox", tmp_path / "q"
    inbox.mkdir()
    (inbox / "回访.docx").write_bytes(b"monday's notes")
    consolidate(inbox, master, quarantine_dir=quarantine, now=NOW)
    (inbox / "回访.docx").write_bytes(b"tuesday's notes")
    consolidate(inbox, master, quarantine_dir=quarantine, now=NOW)
    assert (quarantine / "回访.docx").read_bytes() == b"tuesday's notes"
    assert (quarantine / "回访.bak.docx").read_bytes() == b"monday's notes"


NAME_MAX = 255  # bytes in one file name (ext4, XFS, Btrfs, APFS)
LONG = "很长的文件名" * 13 + "很长的文ab.xlsx"  # 253 bytes in UTF-8: a name Linux holds


def test_a_refused_file_whose_name_is_253_bytes_is_quarantined_under_a_shorter_name_and_the_run_reported(
    good: bytes, master: Path, tmp_path: Path
) -> None:
    """The copy's lock file (``.~lock.<name>#``) and note (``<name>.reason.txt``) were longer than a file name may
    be: the run stopped after the master was written, before the report, and a rerun took the merged file for a
    duplicate, so the rows it added were never reported."""
    inbox, quarantine, report = tmp_path / "inbox", tmp_path / "q", tmp_path / "report.xlsx"
    (inbox / "张三").mkdir(parents=True)
    (inbox / "张三" / "visits.xlsx").write_bytes(good)
    (inbox / "张三" / LONG).write_bytes(b"")
    other = LONG.replace("ab.xlsx", "cd.xlsx")  # the same first 250 bytes: cut short, the two must not meet
    (inbox / "张三" / other).write_bytes(b"another")

    run = run_consolidation(inbox, master, lang="en", report=report, quarantine_dir=quarantine, now=NOW)
    statuses = {o.name: o.status for o in run.result.outcomes}
    assert statuses == {"张三/visits.xlsx": "accepted", f"张三/{LONG}": "rejected", f"张三/{other}": "rejected"}
    assert len(load_store(master).frame("Visits")) == 1 and report.exists()
    names = [p.name for p in (quarantine / "张三").iterdir()]
    assert len(names) == 4 and all(len(os.fsencode(n)) <= NAME_MAX for n in names)
    for outcome in run.result.outcomes[1:]:
        [warning] = outcome.warnings  # the report says where the copy went
        copy = quarantine / re.search(r"copied to quarantine as (\S+\.xlsx)", warning.en)[1]
        assert copy.read_bytes() == (inbox / outcome.name).read_bytes()
        note = copy.with_name(copy.name + ".reason.txt").read_text(encoding="utf-8")
        assert note.startswith(f"{outcome.name}\n")  # the note names the file as it was sent
    shown = {str(v) for row in openpyxl.load_workbook(report)["Errors"].iter_rows(values_only=True) for v in row}
    assert any("copied to quarantine as" in text for text in shown)

    # Sent again changed, the long file is refused again: the earlier copy is kept as its backup.
    (inbox / "张三" / LONG).write_bytes(b"changed")
    again = run_consolidation(inbox, master, lang="en", report=report, quarantine_dir=quarantine, now=NOW)
    assert [o.status for o in again.result.outcomes] == ["duplicate", "rejected", "rejected"]
    kept = sorted(p for p in (quarantine / "张三").iterdir() if p.name.endswith(".bak.xlsx"))
    assert [p.read_bytes() for p in kept] == [b""] and len(os.fsencode(kept[0].name)) <= NAME_MAX


def test_a_refused_file_that_cannot_be_copied_to_quarantine_is_reported_and_the_run_goes_on(
    good: bytes, master: Path, tmp_path: Path
) -> None:
    inbox, quarantine, report = tmp_path / "inbox", tmp_path / "q", tmp_path / "report.xlsx"
    for rep in ("张三", "李四"):
        (inbox / rep).mkdir(parents=True)
        (inbox / rep / "notes.docx").write_bytes(f"{rep}'s notes".encode())
    (inbox / "张三" / "visits.xlsx").write_bytes(good)
    quarantine.mkdir()
    (quarantine / "张三").write_bytes(b"a file where a folder would go")

    run = run_consolidation(inbox, master, lang="en", report=report, quarantine_dir=quarantine, now=NOW)
    outcomes = {o.name: o for o in run.result.outcomes}
    assert outcomes["张三/visits.xlsx"].status == "accepted" and len(load_store(master).frame("Visits")) == 1
    [warning] = outcomes["张三/notes.docx"].warnings
    assert warning.en.startswith("not copied to quarantine (") and "张三" in warning.en
    assert "未复制到隔离文件夹" in warning.zh
    # in our own words, naming the path: not the system's English nor a Python repr (a review)
    assert "Errno" not in warning.zh and "File exists" not in warning.zh and "'" not in warning.zh
    assert str(quarantine / "张三") in warning.zh and "文件" in warning.zh.split("（")[1]
    assert (quarantine / "李四" / "notes.docx").read_bytes() == "李四's notes".encode()  # the others are copied
    assert report.exists() and (inbox / "张三" / "notes.docx").read_bytes() == "张三's notes".encode()


def test_a_file_whose_name_is_not_utf8_is_consolidated_alone_under_its_escaped_name(
    good: bytes, master: Path, tmp_path: Path
) -> None:
    """A GBK-named file (copied from a Windows share) is read by its own path and shown, recorded and quarantined
    under its name's bytes as escapes: the master's save, the report and the other files of the run go on."""
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "a_week47.xlsx").write_bytes(
        fill_form(
            blank_form("visit_record"),
            header={"rep": "张三", "period": "2026-W47"},
            rows={"visits": [{"date": "2026-11-16", "customer_id": "C001", "content": "电话"}]},
        )
    )
    gbk = "张三周报".encode("gbk")
    with open(os.path.join(os.fsencode(inbox), gbk + b".xlsx"), "wb") as named:
        named.write(good)
    with open(os.path.join(os.fsencode(inbox), gbk + b"_bad.xlsx"), "wb") as named:
        named.write(b"not a workbook")
    shown = gbk.decode("utf-8", "backslashreplace")

    result = consolidate(inbox, master, quarantine_dir=tmp_path / "q", now=NOW)
    found = {o.name: o.status for o in result.outcomes}
    assert found == {"a_week47.xlsx": "accepted", f"{shown}.xlsx": "accepted", f"{shown}_bad.xlsx": "rejected"}
    assert len(load_store(master).frame("Visits")) == 2
    assert (tmp_path / "q" / f"{shown}_bad.xlsx").read_bytes() == b"not a workbook"
    write_report(result, tmp_path / "report.xlsx", "en")
    book = openpyxl.load_workbook(tmp_path / "report.xlsx")
    assert f"{shown}.xlsx" in {cell for sheet in book for row in sheet.iter_rows(values_only=True) for cell in row}


def test_a_zip_source_with_a_name_marked_utf8_that_is_not_is_refused_naming_it(tmp_path: Path) -> None:
    """zipfile decodes every member's name as it opens the zip: a GBK name with the UTF-8 flag set is one line
    naming the zip and the name's bytes, not a traceback."""
    name = "张三周报".encode("gbk") + b".xlsx"
    packed = io.BytesIO()
    with zipfile.ZipFile(packed, "w") as z:
        z.writestr("good.xlsx", b"x")
        z.writestr("X" * len(name), b"y")
    data = bytearray(packed.getvalue().replace(b"X" * len(name), name))
    for signature, flags, header in ((b"PK\x03\x04", 6, 30), (b"PK\x01\x02", 8, 46)):
        at = data.find(signature)
        while at != -1:
            if data[at + header : at + header + len(name)] == name:
                struct.pack_into("<H", data, at + flags, struct.unpack_from("<H", data, at + flags)[0] | 0x800)
            at = data.find(signature, at + 4)
    archive = tmp_path / "inbox.zip"
    archive.write_bytes(bytes(data))
    with pytest.raises(InputError, match=r"inbox\.zip: refused, a file name in it is marked UTF-8") as caught:
        collect(archive)
    assert "\\xd5\\xc5" in str(caught.value)


def _far_xls_cell(xls: Path) -> Path:
    """The .xls LibreOffice wrote with its first sheet's first value cell moved to IV65536 (row and column changed in
    place): a sheet of two cells far apart, as a 6 kB file with cells at A1 and IV65536 is."""
    import olefile

    from keyacct_xl.cellformulas import biff_sheets

    with olefile.OleFileIO(str(xls)) as ole:
        stream = bytearray(ole.openstream("Workbook").read())
    at = biff_sheets(bytes(stream))[0][1]
    while True:
        kind, size = struct.unpack_from("<HH", stream, at)
        if kind in (0x00FD, 0x0203, 0x027E):  # LABELSST, NUMBER, RK: row, column first
            struct.pack_into("<HH", stream, at + 4, 65535, 255)
            break
        at += 4 + size
    with olefile.OleFileIO(str(xls), write_mode=True) as ole:
        ole.write_stream("Workbook", bytes(stream))
    return xls


def test_an_xls_whose_cells_span_more_than_the_sheet_cap_is_refused_by_consolidation_and_reconcile(
    good: bytes, master: Path, tmp_path: Path, libreoffice: Callable
) -> None:
    """calamine reads an .xls sheet as the dense box of its cells: two cells at the corners of the 65,536 x 256 grid
    are 16.7 million cells (about 1.2 GB). Refused as an .xlsx's sheet is, by consolidation (the file alone) and by
    reconcile's statement reader, before calamine opens it."""
    src = tmp_path / "form.xlsx"
    src.write_bytes(good)
    xls = _far_xls_cell(libreoffice(src, "xls", tmp_path / "inbox"))
    [outcome] = consolidate(xls.parent, master, now=NOW).outcomes
    assert (outcome.status, outcome.code) == ("rejected", "sheet_too_large")
    assert "65,536 rows x 256 columns (limit 8,000,000 cells" in outcome.reason_en
    with pytest.raises(InputError, match=r"form\.xls: sheet “客户回访记录表” has cells .* over 65,536 rows x 256"):
        read_sheets(xls, SUFFIXES)


def test_an_ods_under_an_excel_name_is_read_and_said_to_be_one(tmp_path) -> None:
    # LibreOffice's Save keeps the name and writes its own format: the note said ".ods" of a file named .xlsx.
    path = tmp_path / "visit_record_Alice_Wang_2026-W49.xlsx"
    path.write_bytes(
        _ods(b"<table:table-row><table:table-cell><text:p>x</text:p></table:table-cell></table:table-row>")(b"")
    )
    verdict = safety.check_file(path.name, path.read_bytes())
    assert verdict.kind == "ods"
    assert [en for en, _ in verdict.notes] == [
        "an OpenDocument spreadsheet (.ods) under an Excel name: read as an .ods (LibreOffice saved it in its own "
        "format); nothing to do, but Save As an Excel workbook (.xlsx) keeps its name true"
    ]
    # a true .ods: how it is read is said by the reader, naming its sheet (test_consolidation_refusals)
    assert safety.check_file("form.ods", path.read_bytes()).notes == ()


def test_a_card_whose_kept_fields_outgrow_the_ledgers_cell_is_refused_and_the_others_consolidated(
    good: bytes, master: Path, tmp_path: Path
) -> None:
    # Each text fits a cell (12,000 characters); the four a card keeps in the ledger's one cell do not, together.
    long = {
        key: word * 6_000
        for key, word in (
            ("products_needed", "产品"),
            ("business_philosophy", "观念"),
            ("current_activity", "交易"),
            ("strengths", "优势"),
        )
    }
    header = {"rep": "张三", "customer_id": "C001", "name": "华强贸易有限公司", **long}
    card = fill_form(blank_form("customer_card"), header=header)
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "card.xlsx").write_bytes(card)
    (inbox / "visits.xlsx").write_bytes(good)
    outcomes = {o.name: o for o in consolidate(inbox, master, now=NOW).outcomes}
    assert (outcomes["card.xlsx"].status, outcomes["card.xlsx"].code) == ("rejected", "too_long")
    assert "come to 48," in outcomes["card.xlsx"].reason_en and "more than the 32,767 a cell holds" in (
        outcomes["card.xlsx"].reason_en
    )
    assert outcomes["visits.xlsx"].status == "accepted"
    # The master still loads, and the next consolidation is not stopped by the first one's ledger.
    assert len(load_store(master).frame("Visits")) == 1
    again = tmp_path / "again"
    again.mkdir()
    (again / "visits.xlsx").write_bytes(
        fill_form(blank_form("visit_record"), header={"rep": "张三", "period": "2026-W49"}, rows={"visits": ROWS})
    )
    [outcome] = consolidate(again, master, now=NOW).outcomes
    assert outcome.status == "accepted"


def test_a_card_whose_kept_fields_outgrow_the_ledgers_cell_is_refused_naming_the_field_holding_most(
    master: Path, tmp_path: Path
) -> None:
    # The refusal told the rep to "shorten the longest texts", naming none: it names the field holding the most.
    header = {
        "rep": "张三",
        "customer_id": "C001",
        "name": "华强贸易有限公司",
        "products_needed": "产品" * 10_000,
        "strengths": "优势" * 7_000,
    }
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "card.xlsx").write_bytes(fill_form(blank_form("customer_card"), header=header))
    [card] = consolidate(inbox, master, now=NOW).outcomes
    assert (card.status, card.code) == ("rejected", "too_long")
    assert "; Products needed holds the most of them (20,0" in card.reason_en, card.reason_en
    assert "其中「所需产品」最多（20,0" in card.reason_zh, card.reason_zh


def test_a_change_whose_history_row_outgrows_a_cell_refuses_that_file_alone(good: bytes, tmp_path: Path) -> None:
    # The customer's business scope fits a cell (32,700 characters); the whole row before the card's change, kept
    # in the history as JSON, does not. The save then refused naming only SubmissionHistory's cell (and before that
    # it wrote a master no command could load); then the run stopped, the card's change already made in memory, and
    # no other file was consolidated either. Now the card alone is refused, its change not in the master.
    m = Master.empty()
    m.customers = pd.DataFrame(
        {"customer_id": ["C001"], "name": ["华强贸易有限公司"], "rep": ["张三"], "business_scope": ["经营" * 16_350]}
    )
    master = save_master(m, tmp_path / "master.xlsx", backup=False)
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    header = {"rep": "张三", "customer_id": "C001", "name": "华强贸易有限公司", "phone": "020-12345678"}
    (inbox / "card.xlsx").write_bytes(fill_form(blank_form("customer_card"), header=header))
    (inbox / "visits.xlsx").write_bytes(good)
    outcomes = {o.name: o for o in consolidate(inbox, master, now=NOW).outcomes}
    card = outcomes["card.xlsx"]
    assert (card.status, card.code) == ("rejected", "too_long")
    assert card.reason_en.startswith(
        "its change of Customers row C001 is kept in the submission history as the row was, and that comes "
        "to 32,771 characters, more than the 32,767 a cell holds"
    )
    assert "它对 Customers 中 C001 这一行的修改" in card.reason_zh
    assert outcomes["visits.xlsx"].status == "accepted"
    store = load_store(master)
    assert store.frame("Customers")["phone"].isna().all()  # the card's change, made before the history, undone
    assert store.frame("Customers")["business_scope"].tolist() == ["经营" * 16_350]
    assert len(store.frame("Visits")) == 1
    ledger = store.frame("IngestionLedger")
    assert set(ledger.loc[ledger["status"].isin(["accepted", "partial"]), "file_name"]) == {"visits.xlsx"}


def test_a_pdf_above_the_size_cap_is_told_as_a_pdf(monkeypatch: pytest.MonkeyPatch) -> None:
    # Before: "file is … bytes, above the …-byte limit", as for a huge workbook; the rep was never asked for it.
    scan = b"%PDF-1.7\n" + bytes(2048)
    monkeypatch.setattr(safety, "MAX_FILE_BYTES", len(scan) - 1)
    with pytest.raises(safety.SentInstead) as caught:
        safety.check_file("周计划.xlsx", scan)
    assert caught.value.what.render("zh") == "一份 PDF"


def test_a_25_mb_pdf_scan_of_a_form_asks_its_rep_for_the_workbook(master: Path, tmp_path: Path) -> None:
    # Before: "文件为 26,214,409 字节，超过 20,971,520 字节上限": refused by its size, never told as a PDF.
    inbox = tmp_path / "inbox"
    (inbox / "张三").mkdir(parents=True)
    (inbox / "张三" / "周计划扫描.pdf").write_bytes(b"%PDF-1.7\n" + bytes(25 * 1024**2))
    [outcome] = consolidate(inbox, master, quarantine_dir=tmp_path / "q", now=NOW).outcomes
    assert (outcome.status, outcome.code, outcome.rep) == ("rejected", safety.NOT_THE_FORM, "张三")
    assert outcome.reason_zh == "一份 PDF，不是表单本身：请向 张三 要回表单的 Excel 工作簿"
