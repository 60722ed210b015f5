"""Find, or add, plain cell formats (xf records) for number formats in styles.xml.

Rewritten sheets give every cell an explicit style index; the user's own styles are left as they are
and only missing formats are appended, so existing indices stay valid.
"""

from __future__ import annotations

import re
from xml.etree import ElementTree as ET

from keyacct_xl.xlsx.ooxml import NS_MAIN, escape_attr

BUILTIN_FORMATS = {"General": 0, "0": 1, "0.00": 2, "#,##0": 3, "#,##0.00": 4, "0%": 9, "0.00%": 10, "@": 49}
_FIRST_CUSTOM_ID = 164


def ensure_formats(styles_xml: bytes, codes: list[str]) -> tuple[bytes, dict[str, int]]:
    """Return styles.xml (changed only when something was missing) and the xf index per format code."""
    root = ET.fromstring(styles_xml)
    num_fmts = {f.get("formatCode", ""): int(f.get("numFmtId", "0"))
                for f in root.iter(f"{{{NS_MAIN}}}numFmt")}
    xfs_el = root.find(f"{{{NS_MAIN}}}cellXfs")
    xfs = list(xfs_el) if xfs_el is not None else []
    text = styles_xml.decode("utf-8")
    next_fmt_id = max([_FIRST_CUSTOM_ID - 1, *num_fmts.values()]) + 1
    indices: dict[str, int] = {}
    for code in codes:
        fmt_id = BUILTIN_FORMATS.get(code, num_fmts.get(code))
        if fmt_id is None:
            fmt_id, next_fmt_id = next_fmt_id, next_fmt_id + 1
            num_fmts[code] = fmt_id
            text = _append_num_fmt(text, fmt_id, code)
        found = _plain_xf(xfs, fmt_id)
        if found is None:
            found = len(xfs)
            xfs.append(ET.Element("xf", numFmtId=str(fmt_id)))
            text = _append_xf(text, fmt_id)
        indices[code] = found
    changed = text.encode("utf-8")
    return (styles_xml if changed == styles_xml else changed), indices


def _plain_xf(xfs: list[ET.Element], fmt_id: int) -> int | None:
    for index, xf in enumerate(xfs):
        if int(xf.get("numFmtId", "0")) != fmt_id:
            continue
        if all(xf.get(attr, "0") == "0" for attr in ("fontId", "fillId", "borderId")) and len(xf) == 0:
            return index
    return None


def _bump_count(text: str, element: str, delta: int) -> str:
    def repl(m: re.Match[str]) -> str:
        return f'{m[1]}count="{int(m[2]) + delta}"'
    return re.sub(rf'(<{element}\b[^>]*?)count="(\d+)"', repl, text, count=1)


def _append_num_fmt(text: str, fmt_id: int, code: str) -> str:
    element = f'<numFmt numFmtId="{fmt_id}" formatCode="{escape_attr(code)}"/>'
    if "</numFmts>" in text:
        return _bump_count(text.replace("</numFmts>", element + "</numFmts>", 1), "numFmts", 1)
    head_end = text.index(">", text.index("<styleSheet")) + 1
    return text[:head_end] + f'<numFmts count="1">{element}</numFmts>' + text[head_end:]


def _append_xf(text: str, fmt_id: int) -> str:
    element = (f'<xf numFmtId="{fmt_id}" fontId="0" fillId="0" borderId="0" xfId="0"'
               f' applyNumberFormat="1"/>')
    return _bump_count(text.replace("</cellXfs>", element + "</cellXfs>", 1), "cellXfs", 1)
