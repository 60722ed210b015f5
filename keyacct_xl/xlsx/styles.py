"""Find, or add, plain cell formats (xf records) for number formats in styles.xml.

Rewritten sheets give every cell an explicit style index; the user's own styles are left as they are
and only missing formats are appended, so existing indices stay valid.
"""

from __future__ import annotations

from lxml import etree

from keyacct_xl.messages import msg
from keyacct_xl.xlsx.ooxml import NS_MAIN
from keyacct_xl.xlsx.xmlpart import PartError, expect_root, int_attribute, parse_part, serialize_part

BUILTIN_FORMATS = {"General": 0, "0": 1, "0.00": 2, "#,##0": 3, "#,##0.00": 4, "0%": 9, "0.00%": 10, "@": 49}
_FIRST_CUSTOM_ID = 164
STYLES_PART = "xl/styles.xml"
_STYLE_SHEET = f"{{{NS_MAIN}}}styleSheet"
_NUM_FMTS = f"{{{NS_MAIN}}}numFmts"
_NUM_FMT = f"{{{NS_MAIN}}}numFmt"
_CELL_XFS = f"{{{NS_MAIN}}}cellXfs"
_XF = f"{{{NS_MAIN}}}xf"


def ensure_formats(styles_xml: bytes, codes: list[str]) -> tuple[bytes, dict[str, int]]:
    """Return styles.xml (changed only when something was missing) and the xf index per format code."""
    root = parse_part(styles_xml, STYLES_PART)
    expect_root(root, _STYLE_SHEET, STYLES_PART)
    num_fmts = {f.get("formatCode", ""): int_attribute(f, "numFmtId", STYLES_PART) for f in root.iter(_NUM_FMT)}
    cell_xfs = root.find(_CELL_XFS)
    if cell_xfs is None:
        raise PartError(STYLES_PART, msg("it has no <cellXfs> element (the cell formats)"))
    xfs = list(cell_xfs.iterchildren(_XF))
    next_fmt_id = max([_FIRST_CUSTOM_ID - 1, *num_fmts.values()]) + 1
    changed = False
    indices: dict[str, int] = {}
    for code in codes:
        fmt_id = BUILTIN_FORMATS.get(code, num_fmts.get(code))
        if fmt_id is None:
            fmt_id, next_fmt_id = next_fmt_id, next_fmt_id + 1
            num_fmts[code] = fmt_id
            _append_num_fmt(root, fmt_id, code)
            changed = True
        found = _plain_xf(xfs, fmt_id)
        if found is None:
            found = len(xfs)
            xfs.append(_append_xf(cell_xfs, fmt_id))
            changed = True
        indices[code] = found
    return (serialize_part(root) if changed else styles_xml), indices


def _plain_xf(xfs: list[etree._Element], fmt_id: int) -> int | None:
    for index, xf in enumerate(xfs):
        if int_attribute(xf, "numFmtId", STYLES_PART) != fmt_id:
            continue
        if all(xf.get(attr, "0") == "0" for attr in ("fontId", "fillId", "borderId")) and len(xf) == 0:
            return index
    return None


def _bump_count(element: etree._Element, tag: str) -> None:
    element.set("count", str(sum(1 for _ in element.iterchildren(tag))))


def _append_num_fmt(root: etree._Element, fmt_id: int, code: str) -> None:
    num_fmts = root.find(_NUM_FMTS)
    if num_fmts is None:
        num_fmts = etree.Element(_NUM_FMTS)
        root.insert(0, num_fmts)  # numFmts is the first child of styleSheet
    etree.SubElement(num_fmts, _NUM_FMT, numFmtId=str(fmt_id), formatCode=code)
    _bump_count(num_fmts, _NUM_FMT)


def _append_xf(cell_xfs: etree._Element, fmt_id: int) -> etree._Element:
    xf = etree.SubElement(
        cell_xfs, _XF, numFmtId=str(fmt_id), fontId="0", fillId="0", borderId="0", xfId="0", applyNumberFormat="1"
    )
    _bump_count(cell_xfs, _XF)
    return xf
