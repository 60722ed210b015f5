"""Bad submissions: each is refused with a reason, within caps, quarantined, and SOURCE is left as it was."""

from __future__ import annotations

import io
import os
import re
import zipfile
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from msoffcrypto.format.ooxml import OOXMLFile

from keyacct_xl.consolidate import safety
from keyacct_xl.consolidate.intake import collect
from keyacct_xl.consolidate.run import consolidate
from keyacct_xl.consolidate.simulate import blank_form, fill_form
from keyacct_xl.consolidate.store import load_store
from keyacct_xl.errors import InputError
from keyacct_xl.master.model import Master
from keyacct_xl.master.writer import save_master

NOW = "2026-11-23 18:00:00"
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
    "report.docx": (lambda d: d, "not_workbook", "不是 Excel 工作簿"),
}


@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_bad_file_is_rejected_with_reason_and_quarantined(name: str, good: bytes, master: Path,
                                                          tmp_path: Path) -> None:
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


def test_oversized_file_is_refused_before_reading(monkeypatch: pytest.MonkeyPatch, good: bytes) -> None:
    # The cap is lowered rather than writing 20 MB; the check is the same comparison.
    monkeypatch.setattr(safety, "MAX_FILE_BYTES", len(good) - 1)
    with pytest.raises(safety.Rejection) as caught:
        safety.check_file("big.xlsx", good)
    assert caught.value.code == "oversized"


def test_macro_workbook_is_read_and_its_macros_never_run(good: bytes, master: Path, tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    macro = _rezip(good, lambda n, c: c, {"xl/vbaProject.bin": b"\xd0\xcf\x11\xe0 Sub AutoOpen(): Shell \"calc\""})
    (inbox / "with macros.xlsm").write_bytes(macro)
    [outcome] = consolidate(inbox, master, now=NOW).outcomes
    assert outcome.status == "accepted"
    assert any("从不运行" in i.zh for i in outcome.issues)


def test_newer_form_version_is_refused(good: bytes, master: Path, tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    # _meta is the third sheet; its B3 holds the version as text.
    newer = _rezip(good, lambda n, c: c.replace(b'<c r="B3" t="inlineStr"><is><t>1</t>',
                                                 b'<c r="B3" t="inlineStr"><is><t>99</t>')
                   if n.endswith("sheet3.xml") else c)
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
    moved = _rezip(good, lambda n, c: re.sub(rb'(<definedName name="f_rep">)[^!]*!', rb"\1'Gone'!", c)
                   if n == "xl/workbook.xml" else c)
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
