"""``keyacct-xl addin install | uninstall | status``: build the add-in against this xlwings, put it where
Excel loads it and register it, per platform.

- Windows: %APPDATA%\\Microsoft\\AddIns, registered as an ``OPENn`` value under each Office version's
  HKCU ...\\Excel\\Options key, which is what makes it show (ticked) in Excel's add-in list; an XLSTART copy
  alone is loaded but invisible there.
- macOS: Excel's per-user startup folder, plus xlwings' AppleScript in Excel's Application Scripts folder
  (what ``xlwings runpython install`` does), without which RunPython cannot start Python.
- Elsewhere there is no Excel: the add-in is built, and the message says so and where the file is.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import python_calamine as calamine
import xlwings

from keyacct_xl.addin.build import BUILT_WITH_KEY, build_addin
from keyacct_xl.addin.package import ADDIN_NAME, CONFIG_SHEET
from keyacct_xl.addin.sources import xlwings_dir
from keyacct_xl.errors import BridgeError
from keyacct_xl.i18n import Lang
from keyacct_xl.messages import msg, tr

MAC_STARTUP = "Library/Group Containers/UBF8T346G9.Office/User Content.localized/Startup.localized/Excel"
MAC_SCRIPTS = "Library/Application Scripts/com.microsoft.Excel"
OFFICE_KEY = r"Software\Microsoft\Office"


class Registry(Protocol):
    """The few registry operations install needs (HKEY_CURRENT_USER), so they can run against any store."""

    def subkeys(self, path: str) -> list[str]:
        """Names of the subkeys of ``path`` (empty when it does not exist)."""

    def values(self, path: str) -> dict[str, str]:
        """String values of ``path`` (empty when it does not exist)."""

    def set_value(self, path: str, name: str, value: str) -> None:
        """Create ``path`` if needed and set a string value."""

    def delete_value(self, path: str, name: str) -> None:
        """Remove a value."""


if sys.platform == "win32":  # the registry exists on Windows only; type checkers skip this block elsewhere
    import winreg

    class WinRegistry:
        """HKEY_CURRENT_USER through winreg (Windows only)."""

        def subkeys(self, path: str) -> list[str]:
            """Subkey names, or none when the key is missing."""
            try:
                with winreg.OpenKey(winreg.HKEY_CURRENT_USER, path) as key:
                    return [winreg.EnumKey(key, i) for i in range(winreg.QueryInfoKey(key)[0])]
            except FileNotFoundError:
                return []

        def values(self, path: str) -> dict[str, str]:
            """String values, or none when the key is missing."""
            try:
                with winreg.OpenKey(winreg.HKEY_CURRENT_USER, path) as key:
                    found = (winreg.EnumValue(key, i) for i in range(winreg.QueryInfoKey(key)[1]))
                    return {name: str(value) for name, value, _ in found}
            except FileNotFoundError:
                return {}

        def set_value(self, path: str, name: str, value: str) -> None:
            """Write a REG_SZ value."""
            with winreg.CreateKey(winreg.HKEY_CURRENT_USER, path) as key:
                winreg.SetValueEx(key, name, 0, winreg.REG_SZ, value)

        def delete_value(self, path: str, name: str) -> None:
            """Delete a value."""
            with winreg.OpenKey(winreg.HKEY_CURRENT_USER, path, 0, winreg.KEY_SET_VALUE) as key:
                winreg.DeleteValue(key, name)


@dataclass
class Machine:
    """Where things go on this computer: the platform, the home folder, %APPDATA% and the registry."""

    platform: str
    home: Path
    appdata: Path | None = None
    registry: Registry | None = None

    @classmethod
    def current(cls) -> Machine:
        """This computer."""
        if sys.platform == "win32":
            appdata = os.environ.get("APPDATA")
            return cls(sys.platform, Path.home(), Path(appdata) if appdata else None, WinRegistry())
        return cls(sys.platform, Path.home())

    def addin_dir(self) -> Path:
        """Where Excel loads the add-in from; a plain folder where there is no Excel."""
        if self.platform == "win32":
            return (self.appdata or self.home / "AppData" / "Roaming") / "Microsoft" / "AddIns"
        if self.platform == "darwin":
            return self.home / MAC_STARTUP
        return self.home / ".keyacct-xl" / "addin"


def _options_keys(registry: Registry) -> list[str]:
    """Every Office version's Excel options key (16.0 when Office left none yet)."""
    versions = [
        v
        for v in registry.subkeys(OFFICE_KEY)
        if re.fullmatch(r"\d+\.\d+", v) and "Excel" in registry.subkeys(rf"{OFFICE_KEY}\{v}")
    ]
    return [rf"{OFFICE_KEY}\{v}\Excel\Options" for v in sorted(versions or ["16.0"])]


def _open_values(registry: Registry, key: str) -> list[str]:
    """The OPEN, OPEN1, OPEN2... values in Excel's order (Excel stops at the first gap)."""
    values = registry.values(key)
    found = []
    for i in range(len(values) + 1):
        name = "OPEN" if i == 0 else f"OPEN{i}"
        if name not in values:
            break
        found.append(values[name])
    return found


def _mentions(value: str, path: Path) -> bool:
    # Excel writes the path quoted, optionally after /R (read-only); Windows paths compare case-insensitively.
    return re.sub(r"^\s*/R\s+", "", value).strip().strip('"').lower() == str(path).lower()


def _rewrite_open(registry: Registry, key: str, entries: list[str]) -> None:
    old = _open_values(registry, key)
    for i, value in enumerate(entries):
        registry.set_value(key, "OPEN" if i == 0 else f"OPEN{i}", value)
    for i in range(len(entries), len(old)):
        registry.delete_value(key, "OPEN" if i == 0 else f"OPEN{i}")


def registered(machine: Machine, path: Path) -> bool:
    """Whether Excel's options list the add-in (Windows) or it sits in the startup folder (macOS)."""
    if machine.platform == "win32" and machine.registry is not None:
        return any(
            _mentions(v, path) for k in _options_keys(machine.registry) for v in _open_values(machine.registry, k)
        )
    return machine.platform == "darwin" and path.exists()


def install(machine: Machine, *, lang: Lang, interpreter: str | None = None) -> Iterator[str]:
    """Build into Excel's add-in folder and register; yield what was done, line by line."""
    target = build_addin(machine.addin_dir(), interpreter=interpreter, platform=machine.platform)
    yield tr(lang, "add-in built: {target}", target=target)
    if machine.platform == "win32" and machine.registry is not None:
        for key in _options_keys(machine.registry):
            entries = _open_values(machine.registry, key)
            if not any(_mentions(v, target) for v in entries):
                _rewrite_open(machine.registry, key, [*entries, f'"{target}"'])
            yield tr(lang, "registered under HKCU\\{key} (restart Excel)", key=key)
    elif machine.platform == "darwin":
        scripts = machine.home / MAC_SCRIPTS
        scripts.mkdir(parents=True, exist_ok=True)
        script = xlwings_dir() / f"xlwings-{xlwings.__version__}.applescript"
        shutil.copy2(script, scripts / script.name)
        yield tr(
            lang,
            "RunPython AppleScript installed: {script} (quit Excel with Cmd-Q and restart)",
            script=scripts / script.name,
        )
    else:
        yield tr(
            lang,
            "no Excel on this machine: the add-in is built; run keyacct-xl addin install on the "
            "Windows or macOS computer that has Excel",
        )


def uninstall(machine: Machine, *, lang: Lang) -> Iterator[str]:
    """Unregister and delete the add-in; yield what was done."""
    target = machine.addin_dir() / ADDIN_NAME
    if machine.platform == "win32" and machine.registry is not None:
        for key in _options_keys(machine.registry):
            entries = _open_values(machine.registry, key)
            kept = [v for v in entries if not _mentions(v, target)]
            if kept != entries:
                _rewrite_open(machine.registry, key, kept)
                yield tr(lang, "unregistered from HKCU\\{key}", key=key)
    if target.exists():
        target.unlink()
        yield tr(lang, "deleted: {target}", target=target)
    else:
        yield tr(lang, "not installed: {target} does not exist", target=target)


def status(machine: Machine, *, lang: Lang) -> Iterator[str]:
    """Where the add-in is, which xlwings and interpreter it was built for, and whether Excel lists it."""
    target = machine.addin_dir() / ADDIN_NAME
    if not target.exists():
        yield tr(lang, "not installed ({target} does not exist); run keyacct-xl addin install", target=target)
        return
    config = read_config(target)
    built = config.get(BUILT_WITH_KEY, "?")
    match = tr(lang, "matches") if built == xlwings.__version__ else tr(lang, "differs: reinstall")
    interpreter = config.get("Interpreter_Win") or config.get("Interpreter_Mac") or tr(lang, "not set")
    yield tr(lang, "add-in: {target}", target=target)
    yield tr(
        lang,
        "xlwings: add-in {built}, installed {installed} ({match})",
        built=built,
        installed=xlwings.__version__,
        match=match,
    )
    yield tr(lang, "interpreter: {interpreter}", interpreter=interpreter)
    if machine.platform in ("win32", "darwin"):
        registered_here = registered(machine, target)
        yield tr(lang, "registered with Excel") if registered_here else tr(lang, "not registered with Excel")
    else:
        yield tr(lang, "no Excel on this machine")


def read_config(path: Path) -> dict[str, str]:
    """The add-in's xlwings.conf sheet as key -> value; a damaged add-in is a clear error asking to reinstall."""
    try:
        book = calamine.CalamineWorkbook.from_filelike(io.BytesIO(path.read_bytes()))
        rows = book.get_sheet_by_name(CONFIG_SHEET).to_python()
    except calamine.CalamineError as exc:
        raise BridgeError(
            msg(
                "{path}: cannot read its {sheet} sheet ({exc}); run keyacct-xl addin install",
                path=path,
                sheet=CONFIG_SHEET,
                exc=exc,
            )
        ) from None
    return {str(r[0]): str(r[1]) for r in rows if r and r[0]}
