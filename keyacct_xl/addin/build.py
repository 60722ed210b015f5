"""``keyacct-xl addin build``: the add-in from macros_bridge/ and the installed xlwings, in Python."""

from __future__ import annotations

import sys
from importlib import resources
from pathlib import Path

import xlwings

from keyacct_xl.addin.package import ADDIN_NAME, build_xlam
from keyacct_xl.addin.sources import addin_modules
from keyacct_xl.addin.vbaproject import build_vba_project
from keyacct_xl.addin.xlwings_win import UDF_MODULE

BUILT_WITH_KEY = "keyacct-xl built with xlwings"


def default_interpreter() -> str:
    """This Python (keyacct-xl is installed in it); on Windows its windowless pythonw.exe when present."""
    exe = Path(sys.executable)
    windowless = exe.with_name("pythonw.exe")
    return str(windowless if sys.platform == "win32" and windowless.exists() else exe)


def addin_config(*, interpreter: str | None = None, platform: str = sys.platform) -> dict[str, str]:
    """The xlwings.conf rows: the interpreter for this platform, the UDF module, the warm UDF server."""
    config: dict[str, str] = {}
    if platform == "win32":
        config["Interpreter_Win"] = interpreter or default_interpreter()
    elif platform == "darwin":
        config["Interpreter_Mac"] = interpreter or default_interpreter()
    elif interpreter:
        config["Interpreter_Win"] = interpreter
    config.update(
        {
            "UDF Modules": UDF_MODULE,
            "Use UDF Server": "True",
            "Show Console": "False",
            # Not an xlwings key (GetConfig ignores it): what `addin status` compares with xlwings.
            BUILT_WITH_KEY: xlwings.__version__,
        }
    )
    return config


def ribbon_source() -> bytes:
    """macros_bridge/customUI14.xml, packed unchanged."""
    return resources.files("keyacct_xl.macros_bridge").joinpath("customUI14.xml").read_bytes()


def build_addin(out_dir: Path, *, interpreter: str | None = None, platform: str = sys.platform) -> Path:
    """Build keyacct_xl.xlam into ``out_dir`` for ``platform``'s Excel and return its path."""
    out_dir.mkdir(parents=True, exist_ok=True)
    project = build_vba_project(addin_modules())
    return build_xlam(
        out_dir / ADDIN_NAME,
        vba_project=project,
        ribbon=ribbon_source(),
        config=addin_config(interpreter=interpreter, platform=platform),
    )
