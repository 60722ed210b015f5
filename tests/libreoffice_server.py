"""One LibreOffice headless for a whole test run, driven over UNO (run by the system python, which has ``uno``).

``python3 libreoffice_server.py PROFILE PIPE`` starts soffice listening on PIPE, then reads one JSON request a line
from stdin, ``{"sources": [...], "targets": [...], "filter": "calc_pdf_Export", "options": "44,34,76"}``, opens each
source as ``soffice --convert-to`` would (hidden, type detected), stores it with the filter, closes it and answers
one JSON line ``{"failed": {source: reason}}``. Starting soffice costs seconds; a document opened in a running one
costs what its own loading and export cost. On end of input LibreOffice is closed.
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


def convert(desktop, source, target, filter_name, options):
    doc = desktop.loadComponentFromURL(
        uno.systemPathToFileUrl(source), "_blank", 0, (prop("Hidden", True), prop("MacroExecutionMode", 0))
    )
    if doc is None:
        raise RuntimeError("LibreOffice could not open it")
    try:
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
                    convert(desktop, source, target, request["filter"], request.get("options", ""))
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
