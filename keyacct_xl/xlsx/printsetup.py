"""A worksheet's print setup: A4, an orientation, one page wide or not, a footer and the header row on every page.

Given to a sheet that has no ``<pageSetup>`` at all (a table added to an existing master, a master an earlier
version or another program wrote), never over one: a page setup a person chose stays as it is. The caller decides
the orientation and the fit (keyacct_xl.master.writer.table_print); this module only writes them, each element
in the schema's order (ISO/IEC 29500-1, CT_Worksheet, CT_SheetPr and CT_Workbook), with the part's own prefix.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from lxml import etree

from keyacct_xl.xlsx.ooxml import NS_MAIN
from keyacct_xl.xlsx.xmlpart import int_attribute, parse_part, serialize_part

A4_PAPER = 9
PRINT_TITLES = "_xlnm.Print_Titles"
WORKBOOK_PART = "xl/workbook.xml"
# XlsxWriter's margins (inches), which the report layer's page geometry assumes too.
MARGINS = {"left": "0.7", "right": "0.7", "top": "0.75", "bottom": "0.75", "header": "0.3", "footer": "0.3"}
_WORKSHEET_ORDER = (
    "sheetPr", "dimension", "sheetViews", "sheetFormatPr", "cols", "sheetData", "sheetCalcPr", "sheetProtection",
    "protectedRanges", "scenarios", "autoFilter", "sortState", "dataConsolidate", "customSheetViews", "mergeCells",
    "phoneticPr", "conditionalFormatting", "dataValidations", "hyperlinks", "printOptions", "pageMargins",
    "pageSetup", "headerFooter", "rowBreaks", "colBreaks", "customProperties", "cellWatches", "ignoredErrors",
    "smartTags", "drawing", "legacyDrawing", "legacyDrawingHF", "drawingHF", "picture", "oleObjects", "controls",
    "webPublishItems", "tableParts", "extLst",
)  # fmt: skip
_SHEET_PR_ORDER = ("tabColor", "outlinePr", "pageSetUpPr")
_WORKBOOK_ORDER = (
    "fileVersion", "fileSharing", "workbookPr", "workbookProtection", "bookViews", "sheets", "functionGroups",
    "externalReferences", "definedNames", "calcPr", "oleSize", "customWorkbookViews", "pivotCaches", "smartTagPr",
    "smartTagTypes", "webPublishing", "fileRecoveryPr", "webPublishObjects", "extLst",
)  # fmt: skip
_EXCEL_DEFAULT_COLUMN_PX = 64  # a column without a width of its own: 8.43 characters of Calibri 11


@dataclass(frozen=True)
class PageSetup:
    """How a sheet prints on A4: landscape or portrait, fitted one page wide or not, and its footer in Excel's
    header and footer codes (``&CPage &P of &N``)."""

    landscape: bool
    fit_width: bool
    footer: str


def _q(local: str) -> str:
    return f"{{{NS_MAIN}}}{local}"


def _child_in_order(parent: etree._Element, local: str, order: Sequence[str]) -> etree._Element:
    """``parent``'s child ``local`` of the main namespace, made where the schema's ``order`` puts it when absent:
    after the last child that comes before it (children of other namespaces, such as mc:AlternateContent, are
    stepped over)."""
    found = parent.find(_q(local))
    if found is not None:
        return found
    rank = order.index(local)
    at = 0
    for i, child in enumerate(parent):
        qname = etree.QName(child)
        if qname.namespace == NS_MAIN and qname.localname in order and order.index(qname.localname) < rank:
            at = i + 1
    element = etree.SubElement(parent, _q(local))  # made inside the part, so it takes the part's prefix
    parent.insert(at, element)
    return element


def has_page_setup(sheet: etree._Element) -> bool:
    """Whether a worksheet has a page setup of its own."""
    return sheet.find(_q("pageSetup")) is not None


def add_page_setup(sheet: etree._Element, setup: PageSetup) -> None:
    """Give a worksheet without a ``<pageSetup>`` the A4 setup; margins and a header or footer it has stay."""
    page = _child_in_order(sheet, "pageSetup", _WORKSHEET_ORDER)
    page.set("paperSize", str(A4_PAPER))
    if setup.fit_width:
        page.set("fitToHeight", "0")  # fitToWidth's default is 1: one page wide, as many pages down as it takes
        fit = _child_in_order(_child_in_order(sheet, "sheetPr", _WORKSHEET_ORDER), "pageSetUpPr", _SHEET_PR_ORDER)
        fit.set("fitToPage", "1")
    page.set("orientation", "landscape" if setup.landscape else "portrait")
    if sheet.find(_q("pageMargins")) is None:
        _child_in_order(sheet, "pageMargins", _WORKSHEET_ORDER).attrib.update(MARGINS)
    if sheet.find(_q("headerFooter")) is None:
        footer = _child_in_order(sheet, "headerFooter", _WORKSHEET_ORDER)
        etree.SubElement(footer, _q("oddFooter")).text = setup.footer


def page_setup_xml(sheet_xml: bytes, part: str, setup: PageSetup) -> bytes:
    """``sheet_xml`` with the A4 setup added (see ``add_page_setup``)."""
    root = parse_part(sheet_xml, part)
    add_page_setup(root, setup)
    return serialize_part(root)


def _column_px(width: str | None) -> int | None:
    """A stored column width (characters and the 5 px padding) in pixels as Excel draws it (ISO/IEC 29500-1
    §18.3.1.13); None when there is none or it is no number (the column then counts as a default one)."""
    try:
        return int((256 * float(width or "") + 128 // 7) / 256 * 7)
    except (ValueError, OverflowError):  # "x", "nan", "inf"
        return None


def table_px(sheet: etree._Element, first_col: int, last_col: int, part: str) -> int:
    """How wide columns ``first_col`` to ``last_col`` (1-based) of a worksheet are, in pixels: each ``<col>``'s
    width, 0 for a hidden one, the sheet's default width for a column without one."""
    format_pr = sheet.find(_q("sheetFormatPr"))
    stored = format_pr.get("defaultColWidth") if format_pr is not None else None
    default = _column_px(stored) or _EXCEL_DEFAULT_COLUMN_PX
    widths = dict.fromkeys(range(first_col, last_col + 1), default)
    for col in sheet.iterfind(f"{_q('cols')}/{_q('col')}"):
        low, high = int_attribute(col, "min", part), int_attribute(col, "max", part)
        drawn = _column_px(col.get("width"))
        px = 0 if col.get("hidden") in ("1", "true") else default if drawn is None else drawn
        for index in range(max(low, first_col), min(high, last_col) + 1):
            widths[index] = px
    return sum(widths.values())


def _sheet_index(workbook: etree._Element, sheet_name: str) -> int:
    """The 0-based place of the sheet in ``<sheets>``, which a name's ``localSheetId`` refers to."""
    return [s.get("name") for s in workbook.iterfind(f"{_q('sheets')}/{_q('sheet')}")].index(sheet_name)


def add_print_titles(workbook_xml: bytes, sheet_name: str, header_row: int) -> bytes:
    """``workbook_xml`` with the sheet's ``header_row`` printed on every page (a ``_xlnm.Print_Titles`` name local
    to the sheet), unless the sheet has print titles already; then its bytes as they were."""
    root = parse_part(workbook_xml, WORKBOOK_PART)
    index = str(_sheet_index(root, sheet_name))
    names = root.find(_q("definedNames"))
    if names is not None and any(
        n.get("name", "").lower() == PRINT_TITLES.lower() and n.get("localSheetId") == index
        for n in names.iterchildren(_q("definedName"))
    ):
        return workbook_xml
    names = _child_in_order(root, "definedNames", _WORKBOOK_ORDER)
    quoted = "'" + sheet_name.replace("'", "''") + "'"
    titles = etree.SubElement(names, _q("definedName"), name=PRINT_TITLES, localSheetId=index)
    titles.text = f"{quoted}!${header_row}:${header_row}"
    return serialize_part(root)
