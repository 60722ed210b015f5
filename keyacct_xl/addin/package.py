"""Package keyacct_xl.xlam: the workbook parts, the xlwings.conf sheet, vbaProject.bin and the ribbon.

One ``_<part>`` function per part, assembled into a zip with fixed timestamps and order, so the same
sources and configuration give the same bytes.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Mapping
from pathlib import Path
from xml.sax.saxutils import escape

from keyacct_xl.fileio import atomic_write

ADDIN_NAME = "keyacct_xl.xlam"
CONFIG_SHEET = "xlwings.conf"
_ZIP_TIME = (2026, 1, 1, 0, 0, 0)
_NS_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_NS_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_NS_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
_XML_DECL = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
# Office 2010+ reads customUI14.xml through this relationship type (2007's customUI.xml uses .../2006/...).
REL_CUSTOM_UI14 = "http://schemas.microsoft.com/office/2007/relationships/ui/extensibility"
REL_VBA_PROJECT = "http://schemas.microsoft.com/office/2006/relationships/vbaProject"
CT_ADDIN = "application/vnd.ms-excel.addin.macroEnabled.main+xml"


def build_xlam(path: Path, *, vba_project: bytes, ribbon: bytes, config: Mapping[str, str]) -> Path:
    """Write the add-in to ``path`` atomically."""
    parts = {
        "[Content_Types].xml": _content_types(),
        "_rels/.rels": _root_rels(),
        "docProps/app.xml": _app(),
        "docProps/core.xml": _core(),
        "customUI/customUI14.xml": ribbon,
        "xl/workbook.xml": _workbook(),
        "xl/_rels/workbook.xml.rels": _workbook_rels(),
        "xl/styles.xml": _styles(),
        "xl/worksheets/sheet1.xml": _config_sheet(config),
        "xl/vbaProject.bin": vba_project,
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in parts.items():
            info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o600 << 16
            archive.writestr(info, data.encode("utf-8") if isinstance(data, str) else data)
    with atomic_write(Path(path), backup=False) as out:
        out.write(buffer.getvalue())
    return Path(path)


def _content_types() -> str:
    ct = "application/vnd.openxmlformats-officedocument"
    overrides = {
        "/xl/workbook.xml": CT_ADDIN,
        "/xl/worksheets/sheet1.xml": f"{ct}.spreadsheetml.worksheet+xml",
        "/xl/styles.xml": f"{ct}.spreadsheetml.styles+xml",
        "/docProps/core.xml": "application/vnd.openxmlformats-package.core-properties+xml",
        "/docProps/app.xml": f"{ct}.extended-properties+xml",
    }
    body = (
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/>'
    )
    body += "".join(f'<Override PartName="{p}" ContentType="{t}"/>' for p, t in overrides.items())
    return f'{_XML_DECL}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">{body}</Types>'


def _relationships(rels: list[tuple[str, str]]) -> str:
    body = "".join(
        f'<Relationship Id="rId{i}" Type="{t}" Target="{target}"/>' for i, (t, target) in enumerate(rels, start=1)
    )
    return f'{_XML_DECL}<Relationships xmlns="{_NS_PKG_REL}">{body}</Relationships>'


def _root_rels() -> str:
    return _relationships(
        [
            (_REL + "officeDocument", "xl/workbook.xml"),
            (
                "http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties",
                "docProps/core.xml",
            ),
            (_REL + "extended-properties", "docProps/app.xml"),
            (REL_CUSTOM_UI14, "customUI/customUI14.xml"),
        ]
    )


def _workbook_rels() -> str:
    return _relationships(
        [
            (_REL + "worksheet", "worksheets/sheet1.xml"),
            (_REL + "styles", "styles.xml"),
            (REL_VBA_PROJECT, "vbaProject.bin"),
        ]
    )


def _workbook() -> str:
    return (
        f'{_XML_DECL}<workbook xmlns="{_NS_MAIN}" xmlns:r="{_NS_REL}">'
        '<workbookPr codeName="ThisWorkbook"/>'
        "<bookViews><workbookView/></bookViews>"
        f'<sheets><sheet name="{CONFIG_SHEET}" sheetId="1" r:id="rId1"/></sheets></workbook>'
    )


def _styles() -> str:
    return (
        f'{_XML_DECL}<styleSheet xmlns="{_NS_MAIN}">'
        '<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>'
        '<fills count="2"><fill><patternFill patternType="none"/></fill>'
        '<fill><patternFill patternType="gray125"/></fill></fills>'
        '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
        '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
        '<cellXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/></cellXfs>'
        '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
        "</styleSheet>"
    )


def _config_sheet(config: Mapping[str, str]) -> str:
    """xlwings' GetConfig reads the add-in's own "xlwings.conf" sheet: keys in column A, values in B, as text."""
    rows = []
    for r, (key, value) in enumerate(config.items(), start=1):
        cells = "".join(
            f'<c r="{col}{r}" t="inlineStr"><is><t xml:space="preserve">{escape(text)}</t></is></c>'
            for col, text in (("A", key), ("B", value))
        )
        rows.append(f'<row r="{r}">{cells}</row>')
    return (
        f'{_XML_DECL}<worksheet xmlns="{_NS_MAIN}" xmlns:r="{_NS_REL}">'
        '<sheetPr codeName="Sheet1"/><sheetViews><sheetView workbookViewId="0"/></sheetViews>'
        f'<cols><col min="1" max="2" width="40" customWidth="1"/></cols><sheetData>{"".join(rows)}</sheetData>'
        "</worksheet>"
    )


def _app() -> str:
    return (
        f'{_XML_DECL}<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-'
        'properties"><Application>keyacct-xl</Application></Properties>'
    )


def _core() -> str:
    return (
        f'{_XML_DECL}<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/'
        'core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/"'
        ' xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><dc:title>重点客户 Key Accounts</dc:title>'
        "<dc:creator>keyacct-xl</dc:creator>"
        '<dcterms:created xsi:type="dcterms:W3CDTF">2026-01-01T00:00:00Z</dcterms:created></cp:coreProperties>'
    )
