"""``keyacct-xl addin build --with-excel``: the same add-in built by Excel itself (Windows, COM), for teams
that want Excel's own VBA import and compilation instead of the Python-written vbaProject.bin.

Excel imports each module (VBProject.VBComponents.Import, which needs "Trust access to the VBA project object
model"), saves the workbook as an add-in, and the ribbon part is added to the saved file afterwards (Excel's
object model has no way to add customUI). Not run in CI: there is no Excel there; ``add_ribbon`` is tested.
"""

from __future__ import annotations

import re
import sys
import tempfile
from pathlib import Path

from keyacct_xl.addin.build import addin_config, ribbon_source
from keyacct_xl.addin.package import ADDIN_NAME, CONFIG_SHEET, REL_CUSTOM_UI14
from keyacct_xl.addin.sources import addin_modules
from keyacct_xl.addin.vbaproject import VbaModule
from keyacct_xl.errors import BridgeError
from keyacct_xl.fileio import atomic_write
from keyacct_xl.messages import msg
from keyacct_xl.xlsx.package import open_package, rewrite_package

XL_OPEN_XML_ADDIN = 55  # XlFileFormat.xlOpenXMLAddIn
_CLASS_HEADER = "VERSION 1.0 CLASS\r\nBEGIN\r\n  MultiUse = -1  'True\r\nEND\r\n"
_ATTRIBUTE = re.compile(r"^Attribute VB_\w+ = .*$\n?", re.MULTILINE)


def add_ribbon(path: Path, ribbon: bytes) -> Path:
    """Add (or replace) customUI/customUI14.xml and its package relationship in the workbook at ``path``."""
    with open_package(path) as archive:
        rels = archive.read("_rels/.rels").decode("utf-8")
    if REL_CUSTOM_UI14 not in rels:
        taken = {int(n) for n in re.findall(r'Id="rId(\d+)"', rels)}
        rel = (
            f'<Relationship Id="rId{max(taken, default=0) + 1}" Type="{REL_CUSTOM_UI14}" '
            'Target="customUI/customUI14.xml"/>'
        )
        rels = rels.replace("</Relationships>", rel + "</Relationships>")
    with atomic_write(path, backup=False) as out:
        rewrite_package(path, out, {"_rels/.rels": rels.encode("utf-8"), "customUI/customUI14.xml": ribbon})
    return path


def export_text(module: VbaModule) -> str:
    """A module as the VBA editor exports it (what VBComponents.Import reads): classes get their header."""
    code = module.code.replace("\r\n", "\n").replace("\n", "\r\n")
    return _CLASS_HEADER + code if module.kind == "class" else code


def build_with_excel(out_dir: Path, *, interpreter: str | None = None) -> Path:
    """Build keyacct_xl.xlam through Excel (Windows only)."""
    if sys.platform != "win32":
        raise BridgeError(msg("--with-excel needs Windows with Excel; the default build needs neither"))
    import pywintypes
    import xlwings as xw

    out_dir.mkdir(parents=True, exist_ok=True)
    target = (out_dir / ADDIN_NAME).resolve()
    config = addin_config(interpreter=interpreter)
    with tempfile.TemporaryDirectory(prefix="keyacct-addin-") as folder, xw.App(visible=False, add_book=False) as app:
        book = app.books.add()
        sheet = book.sheets[0]
        sheet.name = CONFIG_SHEET
        sheet.range("A:B").number_format = "@"  # keys and values stay text (GetConfig reads them as text)
        sheet.range("A1").value = [[k, v] for k, v in config.items()]
        try:
            components = book.api.VBProject.VBComponents
        except pywintypes.com_error as exc:  # raised when programmatic access to VBA is not trusted
            raise BridgeError(
                msg(
                    "Excel refused access to the VBA project: tick Trust Center → Macro Settings → "
                    "Trust access to the VBA project object model ({exc})",
                    exc=exc,
                )
            ) from None
        documents = {"ThisWorkbook": book.api.CodeName, "Sheet1": sheet.api.CodeName}
        for module in addin_modules():
            if module.kind == "document":
                body = _ATTRIBUTE.sub("", module.code).strip()
                if body:
                    components(documents[module.name]).CodeModule.AddFromString(body.replace("\n", "\r\n"))
                continue
            source = Path(folder) / f"{module.name}.{'cls' if module.kind == 'class' else 'bas'}"
            source.write_bytes(export_text(module).encode("cp1252"))
            components.Import(str(source))
        book.api.SaveAs(str(target), FileFormat=XL_OPEN_XML_ADDIN)
        book.close()
    return add_ribbon(target, ribbon_source())
