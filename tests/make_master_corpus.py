"""Build tests/data/masters/: masters as other programs and hand edits leave them, for the part-writer tests.

Run by hand when the corpus needs to change (LibreOffice headless must be installed):
    python tests/make_master_corpus.py
Each file starts from one small master written by keyacct-xl (3 customers, 2 visits, a note typed beside the
Customers table). How each was made from it is written into tests/data/masters/README.md by this script.
The zip members get a fixed time and order, so a rebuild changes a file only when LibreOffice's output changes.
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pandas as pd
from lxml import etree
from openpyxl.comments import Comment

from keyacct_xl.master.model import Master
from keyacct_xl.master.writer import save_master
from keyacct_xl.xlsx.ooxml import NS_CT, NS_MAIN, NS_PKG_REL, NS_REL
from keyacct_xl.xlsx.package import FIXED_ZIP_TIME

CORPUS = Path(__file__).parent / "data" / "masters"
Parts = dict[str, bytes]
PIVOT_NS = NS_REL + "/pivotCacheDefinition"
MADE = {
    "libreoffice.xlsx": "the keyacct-xl master opened and saved by LibreOffice headless (xlsx to xlsx, filter "
    "'Calc MS Excel 2007 XML'): shared strings, LibreOffice's own sheet, style and table parts.",
    "prefixed.xlsx": "the keyacct-xl master with every worksheet, table part, workbook.xml, styles.xml, the "
    "relationship parts and [Content_Types].xml rewritten by hand (lxml) so their namespace is "
    "bound to a prefix (x:, pr:, ct:) and every attribute is single-quoted.",
    "implicit-rows.xlsx": "libreoffice.xlsx edited by hand: r= removed from every row that follows the previous "
    "one and from every cell that follows the previous cell, and the Visits sheet's shared "
    "strings turned into inline strings (so it holds both kinds).",
    "rich.xlsx": "the keyacct-xl master given a comment on the Customers header cell A1 and a summary sheet with a "
    "formula by openpyxl, saved by LibreOffice headless, then a calcChain (the formula cell) and a "
    "pivot cache (definition and records on the Customers table) added by hand.",
}


def base_master() -> bytes:
    """The keyacct-xl master every corpus file starts from."""
    master = Master.empty()
    master.customers = pd.DataFrame(
        {
            "customer_id": ["C001", "C002", "C003"],
            "name": ["广州华强贸易有限公司", "佛山永利五金厂", "东莞新世纪超市"],
            "city": ["广州", None, "东莞"],
            "rep": ["张三", "张三", "李四"],
        }
    )
    master.visits = pd.DataFrame(
        {
            "date": pd.to_datetime(["2026-11-02", "2026-11-03"]),
            "customer_id": ["C001", "C003"],
            "content": ["谈年度返利", "送样品"],
        }
    )
    with tempfile.TemporaryDirectory() as tmp:
        path = save_master(master, Path(tmp) / "master.xlsx", backup=False)
        parts = read_parts(path.read_bytes())
    # A note typed beside the table, in AZ2 (the table ends well before it, with room for the columns later
    # versions add): it must survive every save.
    sheet = parts["xl/worksheets/sheet1.xml"]
    note = b'<c r="AZ2" t="inlineStr"><is><t>\xe9\x87\x8d\xe7\x82\xb9\xe8\xb7\x9f\xe8\xbf\x9b</t></is></c></row>'
    row2 = sheet.index(b'<row r="2"')
    end = sheet.index(b"</row>", row2)
    sheet = sheet[:end] + note + sheet[end + len(b"</row>") :]
    parts["xl/worksheets/sheet1.xml"] = re.sub(rb'<dimension ref="A1:[A-Z]+4"/>', b'<dimension ref="A1:AZ4"/>', sheet)
    return write_parts(parts)


def read_parts(data: bytes) -> Parts:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return {n: z.read(n) for n in z.namelist()}


def write_parts(parts: Parts) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(zipfile.ZipInfo(name, FIXED_ZIP_TIME), data, compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


def libreoffice_resave(data: bytes) -> bytes:
    """``data`` opened and saved again by LibreOffice headless."""
    binary = shutil.which("soffice") or shutil.which("libreoffice")
    if binary is None:
        raise SystemExit("LibreOffice (soffice) is needed to build the corpus")
    with tempfile.TemporaryDirectory() as tmp:
        src, out = Path(tmp) / "in" / "master.xlsx", Path(tmp) / "out"
        src.parent.mkdir()
        src.write_bytes(data)
        subprocess.run(
            [
                binary,
                f"-env:UserInstallation=file://{tmp}/profile",
                "--headless",
                "--norestore",
                "--convert-to",
                "xlsx:Calc MS Excel 2007 XML",
                "--outdir",
                str(out),
                str(src),
            ],
            check=True,
            capture_output=True,
            timeout=300,
        )
        return write_parts(read_parts((out / "master.xlsx").read_bytes()))


def _requalified(element: etree._Element, nsmap: dict) -> etree._Element:
    """A copy of ``element`` created under ``nsmap``, so lxml spells its namespaces with those prefixes."""
    copy = etree.Element(element.tag, attrib=dict(element.attrib), nsmap=nsmap)
    copy.text, copy.tail = element.text, element.tail
    for child in element.iterchildren(tag=etree.Element):  # the master's parts hold no comments or PIs
        copy.append(_requalified(child, {}))
    return copy


def prefixed(data: bytes) -> bytes:
    """Every part the writer edits with its default namespace bound to a prefix and single-quoted attributes."""
    prefixes = {NS_MAIN: "x", NS_PKG_REL: "pr", NS_CT: "ct"}
    parts = read_parts(data)
    for name, content in parts.items():
        if not name.endswith((".xml", ".rels")) or name.startswith("docProps/"):
            continue
        root = etree.fromstring(content)
        default = root.nsmap.get(None)
        if default not in prefixes:
            continue
        nsmap = {k: v for k, v in root.nsmap.items() if k is not None} | {prefixes[default]: default}
        text = etree.tostring(_requalified(root, nsmap), encoding="unicode")
        # Values hold no apostrophe in this master (checked), so swapping the quotes is exact.
        assert "'" not in text
        text = re.sub(r'(\s[\w:.-]+)="([^"]*)"', r"\1='\2'", text)
        parts[name] = b"<?xml version='1.0' encoding='UTF-8' standalone='yes'?>\n" + text.encode()
    return write_parts(parts)


def _strip_references(sheet: bytes) -> bytes:
    """Drop r= from rows that follow the previous row and cells that follow the previous cell."""
    root = etree.fromstring(sheet)
    row_no = 0
    for row in root.iter(f"{{{NS_MAIN}}}row"):
        number = int(row.get("r"))
        if number == row_no + 1:
            del row.attrib["r"]
        row_no, col_no = number, 0
        for cell in row.iter(f"{{{NS_MAIN}}}c"):
            col = _column(cell.get("r"))
            if col == col_no + 1:
                del cell.attrib["r"]
            col_no = col
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def _column(ref: str) -> int:
    col = 0
    for ch in re.match(r"[A-Z]+", ref)[0]:
        col = col * 26 + ord(ch) - 64
    return col


def _inline_strings(sheet: bytes, shared: list[str]) -> bytes:
    root = etree.fromstring(sheet)
    for cell in root.iter(f"{{{NS_MAIN}}}c"):
        if cell.get("t") == "s":
            value = cell.find(f"{{{NS_MAIN}}}v")
            text = shared[int(value.text)]
            cell.remove(value)
            cell.set("t", "inlineStr")
            etree.SubElement(etree.SubElement(cell, f"{{{NS_MAIN}}}is"), f"{{{NS_MAIN}}}t").text = text
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def _sheet_part(parts: Parts, sheet_name: str) -> str:
    workbook = etree.fromstring(parts["xl/workbook.xml"])
    rels = etree.fromstring(parts["xl/_rels/workbook.xml.rels"])
    rel_id = next(s.get(f"{{{NS_REL}}}id") for s in workbook.iter(f"{{{NS_MAIN}}}sheet") if s.get("name") == sheet_name)
    target = next(r.get("Target") for r in rels if r.get("Id") == rel_id)
    return "xl/" + target.lstrip("/").removeprefix("xl/")


def implicit_rows(libreoffice: bytes) -> bytes:
    parts = read_parts(libreoffice)
    shared_root = etree.fromstring(parts["xl/sharedStrings.xml"])
    shared = ["".join(si.itertext()) for si in shared_root.iter(f"{{{NS_MAIN}}}si")]
    visits = _sheet_part(parts, "拜访记录")
    parts[visits] = _inline_strings(parts[visits], shared)
    for name in [n for n in parts if n.startswith("xl/worksheets/sheet")]:
        parts[name] = _strip_references(parts[name])
    return write_parts(parts)


def with_comment_and_formula(data: bytes) -> bytes:
    book = openpyxl.load_workbook(io.BytesIO(data))
    book.worksheets[0]["A1"].comment = Comment("客户编号唯一，勿改", "王经理")
    summary = book.create_sheet("汇总")
    summary["A1"], summary["B1"] = "客户数", "=COUNTA(客户档案!A:A)-1"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _append_child(part: bytes, tag: str, attrib: dict[str, str], before: tuple[str, ...] = ()) -> bytes:
    root = etree.fromstring(part)
    element = etree.Element(tag, attrib)
    anchor = next((c for c in root if c.tag in before), None)
    if anchor is None:
        root.append(element)
    else:
        anchor.addprevious(element)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def with_calc_chain_and_pivot_cache(data: bytes) -> bytes:
    parts = read_parts(data)
    workbook = etree.fromstring(parts["xl/workbook.xml"])
    summary_id = next(s.get("sheetId") for s in workbook.iter(f"{{{NS_MAIN}}}sheet") if s.get("name") == "汇总")
    ct, rel = f"{{{NS_CT}}}Override", f"{{{NS_PKG_REL}}}Relationship"
    sml = "application/vnd.openxmlformats-officedocument.spreadsheetml"
    parts["xl/calcChain.xml"] = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<calcChain xmlns="{NS_MAIN}"><c r="B1" i="{summary_id}"/></calcChain>'
    ).encode()
    parts["xl/pivotCache/pivotCacheDefinition1.xml"] = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<pivotCacheDefinition xmlns="{NS_MAIN}" '
        f'xmlns:r="{NS_REL}" r:id="rId1" refreshOnLoad="1" recordCount="3"><cacheSource type="worksheet">'
        '<worksheetSource ref="A1:A4" sheet="客户档案"/></cacheSource><cacheFields count="1">'
        '<cacheField name="客户编号" numFmtId="0"><sharedItems count="3"><s v="C001"/><s v="C002"/><s v="C003"/>'
        "</sharedItems></cacheField></cacheFields></pivotCacheDefinition>"
    ).encode()
    parts["xl/pivotCache/pivotCacheRecords1.xml"] = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<pivotCacheRecords xmlns="{NS_MAIN}" '
        'count="3"><r><x v="0"/></r><r><x v="1"/></r><r><x v="2"/></r></pivotCacheRecords>'
    ).encode()
    parts["xl/pivotCache/_rels/pivotCacheDefinition1.xml.rels"] = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="{NS_PKG_REL}">'
        f'<Relationship Id="rId1" Type="{NS_REL}/pivotCacheRecords" Target="pivotCacheRecords1.xml"/>'
        "</Relationships>"
    ).encode()
    for part, kind in (
        ("/xl/calcChain.xml", "calcChain"),
        ("/xl/pivotCache/pivotCacheDefinition1.xml", "pivotCacheDefinition"),
        ("/xl/pivotCache/pivotCacheRecords1.xml", "pivotCacheRecords"),
    ):
        parts["[Content_Types].xml"] = _append_child(
            parts["[Content_Types].xml"], ct, {"PartName": part, "ContentType": f"{sml}.{kind}+xml"}
        )
    parts["xl/_rels/workbook.xml.rels"] = _append_child(
        parts["xl/_rels/workbook.xml.rels"],
        rel,
        {"Id": "rIdCalc", "Type": f"{NS_REL}/calcChain", "Target": "calcChain.xml"},
    )
    parts["xl/_rels/workbook.xml.rels"] = _append_child(
        parts["xl/_rels/workbook.xml.rels"],
        rel,
        {"Id": "rIdPivot", "Type": PIVOT_NS, "Target": "pivotCache/pivotCacheDefinition1.xml"},
    )
    later = tuple(f"{{{NS_MAIN}}}{t}" for t in ("webPublishing", "fileRecoveryPr", "webPublishObjects", "extLst"))
    parts["xl/workbook.xml"] = _append_child(parts["xl/workbook.xml"], f"{{{NS_MAIN}}}pivotCaches", {}, later)
    root = etree.fromstring(parts["xl/workbook.xml"])
    etree.SubElement(
        root.find(f"{{{NS_MAIN}}}pivotCaches"),
        f"{{{NS_MAIN}}}pivotCache",
        {"cacheId": "1", f"{{{NS_REL}}}id": "rIdPivot"},
    )
    parts["xl/workbook.xml"] = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
    return write_parts(parts)


def main() -> None:
    base = base_master()
    libreoffice = libreoffice_resave(base)
    built: dict[str, Callable[[], bytes]] = {
        "libreoffice.xlsx": lambda: libreoffice,
        "prefixed.xlsx": lambda: prefixed(base),
        "implicit-rows.xlsx": lambda: implicit_rows(libreoffice),
        "rich.xlsx": lambda: with_calc_chain_and_pivot_cache(libreoffice_resave(with_comment_and_formula(base))),
    }
    CORPUS.mkdir(parents=True, exist_ok=True)
    lines = [
        "# Masters as other programs leave them",
        "",
        "Built by `python tests/make_master_corpus.py` (LibreOffice headless needed); used by",
        "`tests/test_master_parts.py`. Each starts from a small master written by keyacct-xl (3 customers,",
        "2 visits, a note typed in AZ2 beside the Customers table).",
        "",
    ]
    for name, build in built.items():
        (CORPUS / name).write_bytes(build())
        lines.append(f"- `{name}`: {MADE[name]}")
    (CORPUS / "README.md").write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
