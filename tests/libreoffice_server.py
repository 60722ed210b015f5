"""One LibreOffice headless for a whole test run, driven over UNO (run by the system python, which has ``uno``).

``python3 libreoffice_server.py PROFILE PIPE`` starts soffice listening on PIPE, then reads one JSON request a line
from stdin, ``{"sources": [...], "targets": [...], "filter": "calc_pdf_Export", "options": "44,34,76"}``, opens each
source as ``soffice --convert-to`` would (hidden, type detected), applies the request's ``edits`` to its first sheet
as a rep does in LibreOffice (``EDITS``: lift the protection, insert or delete columns and rows, type, add a
comment), stores it with the filter, closes it and answers one JSON line ``{"failed": {source: reason}}``. Starting
soffice costs seconds; a document opened in a running one costs what its own loading and export cost. On end of
input LibreOffice is closed.
"""

import contextlib
import json
import subprocess
import sys
import time

import uno
from com.sun.star.beans import PropertyValue


def prop(name, value):
    p = PropertyValue()
    p.Name = name
    p.Value = value
    return p


def connect(pipe):
    local = uno.getComponentContext()
    resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
    for _ in range(600):
        try:
            ctx = resolver.resolve(f"uno:pipe,name={pipe};urp;StarOffice.ComponentContext")
            return ctx.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)
        except Exception:
            time.sleep(0.1)
    raise SystemExit("LibreOffice did not answer on its pipe")


def _cell(sheet, ref):
    return sheet.getCellRangeByName(ref)


# What a rep does to a form in LibreOffice, step by step: ["insert_columns", 8, 1] inserts one column before I.
EDITS = {
    "unprotect": lambda sheet: sheet.unprotect(""),
    "insert_columns": lambda sheet, index, count: sheet.Columns.insertByIndex(index, count),
    "remove_columns": lambda sheet, index, count: sheet.Columns.removeByIndex(index, count),
    "insert_rows": lambda sheet, index, count: sheet.Rows.insertByIndex(index, count),
    "remove_rows": lambda sheet, index, count: sheet.Rows.removeByIndex(index, count),
    "type": lambda sheet, ref, text: _cell(sheet, ref).setFormula(text),  # as typed: 2026-12-4 becomes a date
    "comment": lambda sheet, ref, text: sheet.Annotations.insertNew(_cell(sheet, ref).getCellAddress(), text),
}


def convert(desktop, source, target, filter_name, options, edits=()):
    doc = desktop.loadComponentFromURL(
        uno.systemPathToFileUrl(source), "_blank", 0, (prop("Hidden", True), prop("MacroExecutionMode", 0))
    )
    if doc is None:
        raise RuntimeError("LibreOffice could not open it")
    try:
        sheet = doc.Sheets.getByIndex(0)
        for step, *arguments in edits:
            EDITS[step](sheet, *arguments)
        store = [prop("FilterName", filter_name), prop("Overwrite", True)]
        if options:
            store.append(prop("FilterOptions", options))
        doc.storeToURL(uno.systemPathToFileUrl(target), tuple(store))
    finally:
        doc.close(True)


def main():
    profile, pipe = sys.argv[1:3]
    office = subprocess.Popen(
        [
            "soffice",
            "-env:UserInstallation=file://" + profile,
            "--headless",
            "--invisible",
            "--norestore",
            "--nologo",
            f"--accept=pipe,name={pipe};urp;",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        desktop = connect(pipe)
        print(json.dumps({"ready": True}), flush=True)
        for line in sys.stdin:
            request = json.loads(line)
            failed = {}
            for source, target in zip(request["sources"], request["targets"]):
                try:
                    convert(
                        desktop, source, target, request["filter"], request.get("options", ""), request.get("edits", ())
                    )
                except Exception as error:  # the test names the file and LibreOffice's reason
                    failed[source] = f"{type(error).__name__}: {getattr(error, 'Message', error)}"
            print(json.dumps({"failed": failed}), flush=True)
        with contextlib.suppress(Exception):  # the bridge closes while LibreOffice ends
            desktop.terminate()
    finally:
        try:
            office.wait(timeout=60)
        except subprocess.TimeoutExpired:
            office.kill()


if __name__ == "__main__":
    main()
