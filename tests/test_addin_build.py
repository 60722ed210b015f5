"""keyacct_xl.xlam: deterministic parts, every VBA module read back by oletools equal to its source, the
xlwings configuration sheet, and LibreOffice headless loading the add-in and listing its modules."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import textwrap
import warnings
import zipfile
from pathlib import Path

import pytest
import python_calamine as calamine

from keyacct_xl.addin.build import BUILT_WITH_KEY, build_addin, ribbon_source
from keyacct_xl.addin.package import CT_ADDIN, REL_CUSTOM_UI14, REL_VBA_PROJECT
from keyacct_xl.addin.sources import module_from_source, source_text, xlwings_dir
from keyacct_xl.addin.xlwings_win import decorated_udf_module, udf_wrapper_code

with warnings.catch_warnings():
    # Declared relaxation: oletools 0.60 calls pyparsing names deprecated in pyparsing 3.3 when imported.
    warnings.simplefilter("ignore", DeprecationWarning)
    from oletools.olevba import VBA_Parser

BRIDGE = Path(__file__).resolve().parents[1] / "macros_bridge"


@pytest.fixture(scope="module")
def addin(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_addin(tmp_path_factory.mktemp("addin"), interpreter=r"C:\Python311\pythonw.exe")


def test_build_is_deterministic(addin: Path, tmp_path: Path) -> None:
    again = build_addin(tmp_path, interpreter=r"C:\Python311\pythonw.exe")
    assert again.read_bytes() == addin.read_bytes()


def test_package_parts(addin: Path) -> None:
    with zipfile.ZipFile(addin) as archive:
        names = archive.namelist()
        types = archive.read("[Content_Types].xml").decode()
        root_rels = archive.read("_rels/.rels").decode()
        book_rels = archive.read("xl/_rels/workbook.xml.rels").decode()
        assert archive.read("customUI/customUI14.xml") == ribbon_source()  # the source, unchanged
        assert 'codeName="ThisWorkbook"' in archive.read("xl/workbook.xml").decode()
    assert {"xl/vbaProject.bin", "customUI/customUI14.xml", "xl/worksheets/sheet1.xml"} <= set(names)
    assert f'PartName="/xl/workbook.xml" ContentType="{CT_ADDIN}"' in types
    assert f'Type="{REL_CUSTOM_UI14}" Target="customUI/customUI14.xml"' in root_rels
    assert f'Type="{REL_VBA_PROJECT}" Target="vbaProject.bin"' in book_rels


def test_xlwings_configuration_sheet(addin: Path) -> None:
    # openpyxl refuses the add-in content type, so calamine (an independent reader) reads the sheet.
    book = calamine.CalamineWorkbook.from_filelike(io.BytesIO(addin.read_bytes()))
    assert book.sheet_names == ["xlwings.conf"]
    config = {r[0]: r[1] for r in book.get_sheet_by_name("xlwings.conf").to_python()}
    assert config["Interpreter_Win"] == r"C:\Python311\pythonw.exe"
    assert config["UDF Modules"] == "keyacct_xl.udfs"
    assert config["Use UDF Server"] == "True"
    assert config[BUILT_WITH_KEY] == __import__("xlwings").__version__


def _extracted(addin: Path) -> dict[str, str]:
    parser = VBA_Parser(str(addin))
    try:
        return {stream.split("/")[-1]: code.replace("\r\n", "\n") for _, stream, _, code in parser.extract_macros()}
    finally:
        parser.close()


def test_olevba_reads_every_module_equal_to_its_source(addin: Path) -> None:
    code = _extracted(addin)
    expected = {
        "KeyAcctRibbon": source_text(BRIDGE / "KeyAcctRibbon.bas"),
        "xlwings": source_text(xlwings_dir() / "xlwings.bas"),
        # The editor does not store a class's VERSION/BEGIN...END export header.
        "Dictionary": module_from_source(source_text(xlwings_dir() / "addin" / "Dictionary.cls"), "class").code,
        "xlwings_udfs": udf_wrapper_code(decorated_udf_module()),
    }
    for name, source in expected.items():
        assert code[name] == source, name
    assert set(code) == {*expected, "ThisWorkbook", "Sheet1", "KeyAcctFunctions"}
    assert "RegisterKeyAcctFunctions" in code["ThisWorkbook"]
    assert 'Category:="KeyAcct"' in code["KeyAcctFunctions"]
    assert "Public Sub KeyAcctRibbonAction(control As IRibbonControl)" in code["KeyAcctRibbon"]
    assert f"'Version: {__import__('xlwings').__version__}" in code["xlwings"]


LIST_MODULES = textwrap.dedent("""
    import os, subprocess, sys, time
    import uno
    from com.sun.star.beans import PropertyValue

    def prop(name, value):
        p = PropertyValue(); p.Name = name; p.Value = value; return p

    path, profile, pipe = sys.argv[1:4]
    office = subprocess.Popen(["soffice", "-env:UserInstallation=file://" + profile, "--headless", "--invisible",
                               "--norestore", "--accept=pipe,name=%s;urp;" % pipe],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        local = uno.getComponentContext()
        resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
        for _ in range(240):
            try:
                ctx = resolver.resolve("uno:pipe,name=%s;urp;StarOffice.ComponentContext" % pipe)
                break
            except Exception:
                time.sleep(0.5)
        desktop = ctx.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)
        # LibreOffice's type detection does not know the add-in content type: name the OOXML filter.
        doc = desktop.loadComponentFromURL(uno.systemPathToFileUrl(path), "_blank", 0, (
            prop("Hidden", True), prop("MacroExecutionMode", 0), prop("FilterName", "Calc MS Excel 2007 XML")))
        libraries = doc.BasicLibraries
        for name in libraries.getElementNames():
            libraries.loadLibrary(name)
            library = libraries.getByName(name)
            for module in library.getElementNames():
                first = [l for l in library.getByName(module).splitlines() if "Sub " in l][:1]
                print("MODULE", name, module, first[0].strip() if first else "")
        print("SHEETS", ",".join(doc.Sheets.getElementNames()))
        doc.close(True)
        desktop.terminate()
    finally:
        office.wait(timeout=60)
""")


@pytest.mark.libreoffice
def test_libreoffice_loads_the_addin_and_lists_its_modules(addin: Path, tmp_path: Path) -> None:
    python = "/usr/bin/python3"
    usable = (
        shutil.which("soffice")
        and subprocess.run([python, "-c", "import uno"], capture_output=True, check=False).returncode == 0
    )
    if not usable:
        if os.environ.get("CI"):
            pytest.fail("LibreOffice with python3-uno is required in CI")
        pytest.skip("LibreOffice or python3-uno (for /usr/bin/python3) is not installed")
    script = tmp_path / "list_modules.py"
    script.write_text(LIST_MODULES)
    result = subprocess.run(
        [python, str(script), str(addin), str(tmp_path / "profile"), f"keyacct{os.getpid()}"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    modules = {line.split()[2]: line for line in result.stdout.splitlines() if line.startswith("MODULE")}
    assert {
        "ThisWorkbook",
        "Sheet1",
        "KeyAcctRibbon",
        "KeyAcctFunctions",
        "xlwings_udfs",
        "xlwings",
        "Dictionary",
    } <= set(modules)
    assert "KeyAcctRibbonAction" in modules["KeyAcctRibbon"]
    assert "SHEETS xlwings.conf" in result.stdout


def test_add_ribbon_to_a_saved_workbook(tmp_path: Path) -> None:
    """What --with-excel does after Excel saved the add-in: add the ribbon part and its relationship."""
    import openpyxl
    import xlsxwriter

    from keyacct_xl.addin.excel_build import add_ribbon, export_text
    from keyacct_xl.addin.vbaproject import VbaModule

    path = tmp_path / "book.xlsx"
    with xlsxwriter.Workbook(path) as book:
        book.add_worksheet("xlwings.conf").write(0, 0, "UDF Modules")
    add_ribbon(path, ribbon_source())
    add_ribbon(path, ribbon_source())  # again: replaced, not added twice
    with zipfile.ZipFile(path) as archive:
        rels = archive.read("_rels/.rels").decode()
        assert archive.read("customUI/customUI14.xml") == ribbon_source()
        assert archive.namelist().count("customUI/customUI14.xml") == 1
    assert rels.count(REL_CUSTOM_UI14) == 1
    ids = [part.split('"')[0] for part in rels.split('Id="')[1:]]
    assert len(ids) == len(set(ids))
    assert openpyxl.load_workbook(path).sheetnames == ["xlwings.conf"]
    exported = export_text(VbaModule("Dict", "class", 'Attribute VB_Name = "Dict"\nPublic X\n'))
    assert exported.startswith("VERSION 1.0 CLASS\r\nBEGIN\r\n") and exported.endswith("Public X\r\n")
