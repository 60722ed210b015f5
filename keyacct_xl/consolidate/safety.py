"""Decide whether a submitted file may be opened at all, from its bytes alone, within fixed caps.

Nothing here runs or opens a file in Excel: macros in .xlsm files are never executed because we only
ever read cell values from the package's XML. Rejections carry a stable code and a zh/en reason.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass

import msoffcrypto

from keyacct_xl.errors import InputError

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
# Fixed caps: a rep's form is a few hundred kB; anything far beyond is refused before it is parsed.
MAX_FILE_BYTES = 20 * 1024**2
MAX_MEMBERS = 2_000
MAX_UNPACKED_BYTES = 200 * 1024**2
MAX_RATIO = 100
_RATIO_FLOOR = 1024**2  # tiny parts compress extremely well; the ratio cap applies above 1 MB unpacked
_XML_SUFFIXES = (".xml", ".rels", ".vml")
_PROLOG_CHUNK = 4096
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xls")
_NOT_A_PACKAGE = ("corrupt", "damaged file: not a valid .xlsx package", "文件已损坏：不是有效的 .xlsx 包")


class Rejection(InputError):
    """A file refused before or while reading: a stable code (for reports and tests) and the reason in zh/en."""

    def __init__(self, code: str, en: str, zh: str) -> None:
        super().__init__(en, zh)
        self.code = code


@dataclass(frozen=True)
class Verdict:
    """A file that may be read: its format and notes worth reporting (e.g. macros ignored)."""

    kind: str  # "xlsx" (also .xlsm) or "xls"
    notes: tuple[tuple[str, str], ...] = ()


def check_file(name: str, data: bytes) -> Verdict:
    """Classify ``data`` as a readable workbook or raise Rejection saying why not."""
    base = name.rsplit("/", 1)[-1]
    if base.startswith(("~$", ".~lock.")):
        raise Rejection("lock_file", "an Excel/WPS lock file (the workbook was open when collected), not a form",
                        "Excel/WPS 锁定文件（收集时工作簿正被打开），不是表单")
    if len(data) > MAX_FILE_BYTES:
        raise Rejection("oversized", f"file is {len(data):,} bytes, above the {MAX_FILE_BYTES:,}-byte limit",
                        f"文件大小 {len(data):,} 字节，超过 {MAX_FILE_BYTES:,} 字节上限")
    if data.startswith(OLE_MAGIC):
        return _check_ole(data)
    lowered = name.lower()
    if not lowered.endswith(WORKBOOK_SUFFIXES):
        raise Rejection("not_workbook", "not an Excel workbook (.xlsx, .xlsm or .xls)",
                        "不是 Excel 工作簿（.xlsx、.xlsm 或 .xls）")
    if not data.startswith(ZIP_MAGIC):
        raise Rejection(*_NOT_A_PACKAGE)
    return _check_zip(data)


def _check_ole(data: bytes) -> Verdict:
    try:
        office = msoffcrypto.OfficeFile(io.BytesIO(data))
        encrypted = office.is_encrypted()
    except Exception:  # msoffcrypto raises bare Exceptions for OLE files it does not know
        raise Rejection("corrupt", "damaged or unknown OLE file (not an Excel workbook)",
                        "文件已损坏或不是 Excel 工作簿（未知的 OLE 文件）") from None
    if encrypted:
        raise Rejection("password", "password-protected workbook: remove the password to open and send it again",
                        "工作簿设置了打开密码：请取消密码后重新提交")
    if not str(office.format).startswith("xls"):  # msoffcrypto names BIFF8 workbooks "xls97"
        raise Rejection("not_workbook", f"an OLE {office.format} document, not an Excel workbook",
                        f"是 OLE {office.format} 文档，不是 Excel 工作簿")
    return Verdict("xls", (("legacy .xls read as values only", "旧版 .xls 仅读取数值"),))


def _check_zip(data: bytes) -> Verdict:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        raise Rejection(*_NOT_A_PACKAGE) from None
    with archive:
        _check_sizes(infos)
        names = {i.filename for i in infos}
        if "xl/workbook.xml" not in names:
            raise Rejection("not_workbook", "a zip package without xl/workbook.xml (not an Excel workbook)",
                            "压缩包中没有 xl/workbook.xml（不是 Excel 工作簿）")
        for info in infos:
            if info.filename.lower().endswith(_XML_SUFFIXES):
                _check_xml(info.filename, _read_prolog(archive, info))
        notes: tuple[tuple[str, str], ...] = ()
        if any(n.lower().endswith("vbaproject.bin") for n in names):
            notes = (("macros present and ignored (never run)", "含宏，已忽略（从不运行）"),)
    return Verdict("xlsx", notes)


def _check_sizes(infos: list[zipfile.ZipInfo]) -> None:
    if len(infos) > MAX_MEMBERS:
        raise Rejection("zip_bomb", f"{len(infos):,} parts in the package (limit {MAX_MEMBERS:,})",
                        f"包内有 {len(infos):,} 个部件（上限 {MAX_MEMBERS:,}）")
    unpacked = sum(i.file_size for i in infos)
    packed = sum(i.compress_size for i in infos) or 1
    if unpacked > MAX_UNPACKED_BYTES or (unpacked > _RATIO_FLOOR and unpacked / packed > MAX_RATIO):
        raise Rejection("zip_bomb", f"would inflate to {unpacked:,} bytes from {packed:,} (compression bomb?)",
                        f"将从 {packed:,} 字节解压到 {unpacked:,} 字节（疑似压缩炸弹）")


_ROOT_START = re.compile(rb"<[A-Za-z_]|<\x00[A-Za-z_]")  # the root element's start tag (UTF-8 or UTF-16LE)


def _read_prolog(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    """A part's bytes up to its root element: where any DTD and entity declarations must stand.

    Read in chunks, so a normal part costs one small read; zipfile stops at the declared size, which
    _check_sizes has already capped.
    """
    try:
        with archive.open(info) as stream:
            head = b""
            while chunk := stream.read(_PROLOG_CHUNK):
                head += chunk
                if _ROOT_START.search(head):
                    break
            return head
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError) as exc:
        raise Rejection("corrupt", f"damaged part {info.filename} ({exc})",
                        f"部件 {info.filename} 已损坏（{exc}）") from None


def _check_xml(name: str, content: bytes) -> None:
    """Refuse a DTD or entity declarations in an XML part's prolog (entity expansion, external entities)."""
    text = content
    if content.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = content.decode("utf-16", errors="replace").encode("utf-8")
    upper = text.upper()
    if b"<!DOCTYPE" in upper or b"<!ENTITY" in upper:
        raise Rejection("xml_entity", f"part {name} declares a DTD or XML entities (refused for safety)",
                        f"部件 {name} 含 DTD 或 XML 实体声明（出于安全原因拒收）")
