"""addin install / uninstall / status per platform, in a temporary home; the Windows registry through a
dictionary store with winreg's semantics (CI has no Windows), the macOS and no-Excel paths on real files."""

from __future__ import annotations

from pathlib import Path

import pytest
import xlwings

from keyacct_xl.addin.install import Machine, install, read_config, registered, status, uninstall
from keyacct_xl.addin.package import ADDIN_NAME
from keyacct_xl.errors import BridgeError


class DictRegistry:
    """HKEY_CURRENT_USER as nested paths -> values; keys exist once written, like winreg.CreateKey."""

    def __init__(self, keys: dict[str, dict[str, str]]) -> None:
        self.keys = keys

    def subkeys(self, path: str) -> list[str]:
        prefix = path + "\\"
        return sorted({k[len(prefix) :].split("\\")[0] for k in self.keys if k.startswith(prefix)})

    def values(self, path: str) -> dict[str, str]:
        return dict(self.keys.get(path, {}))

    def set_value(self, path: str, name: str, value: str) -> None:
        self.keys.setdefault(path, {})[name] = value

    def delete_value(self, path: str, name: str) -> None:
        del self.keys[path][name]


OPTIONS = r"Software\Microsoft\Office\16.0\Excel\Options"


def test_windows_install_registers_in_excel_options_and_uninstall_renumbers(tmp_path: Path) -> None:
    other = r'"C:\Tools\other.xlam"'
    registry = DictRegistry({OPTIONS: {"OPEN": other, "Options": "0"}})
    machine = Machine("win32", tmp_path, appdata=tmp_path / "Roaming", registry=registry)
    lines = list(install(machine, lang="en", interpreter=r"C:\Python311\pythonw.exe"))
    target = tmp_path / "Roaming" / "Microsoft" / "AddIns" / ADDIN_NAME
    assert target.exists() and str(target) in lines[0]
    assert registry.values(OPTIONS)["OPEN1"] == f'"{target}"'
    assert registered(machine, target)
    list(install(machine, lang="en"))  # again: not registered twice
    assert "OPEN2" not in registry.values(OPTIONS)
    assert any("registered with Excel" in line for line in status(machine, lang="en"))
    # Removing an entry in the middle must renumber: Excel stops reading at the first missing OPENn.
    registry.keys[OPTIONS] = {"OPEN": f'/R "{target}"', "OPEN1": other}
    list(uninstall(machine, lang="en"))
    assert registry.values(OPTIONS) == {"OPEN": other}
    assert not target.exists()


def test_windows_install_without_office_keys_uses_16(tmp_path: Path) -> None:
    registry = DictRegistry({})
    machine = Machine("win32", tmp_path, appdata=tmp_path, registry=registry)
    list(install(machine, lang="zh"))
    assert registry.values(OPTIONS) == {"OPEN": f'"{tmp_path / "Microsoft" / "AddIns" / ADDIN_NAME}"'}


def test_macos_install_uses_startup_folder_and_installs_the_applescript(tmp_path: Path) -> None:
    machine = Machine("darwin", tmp_path)
    lines = list(install(machine, lang="en", interpreter="/opt/homebrew/bin/python3"))
    target = machine.addin_dir() / ADDIN_NAME
    script = tmp_path / "Library/Application Scripts/com.microsoft.Excel" / f"xlwings-{xlwings.__version__}.applescript"
    assert target.exists() and script.exists() and "Cmd-Q" in lines[-1]
    assert read_config(target)["Interpreter_Mac"] == "/opt/homebrew/bin/python3"
    assert registered(machine, target)
    assert any("interpreter: /opt/homebrew/bin/python3" in line for line in status(machine, lang="en"))


def test_without_excel_it_builds_and_says_where(tmp_path: Path) -> None:
    machine = Machine("linux", tmp_path)
    assert "not installed" in next(iter(status(machine, lang="en")))
    lines = list(install(machine, lang="en"))
    assert "no Excel on this machine" in lines[-1] and (machine.addin_dir() / ADDIN_NAME).exists()
    report = list(status(machine, lang="en"))
    assert f"xlwings: add-in {xlwings.__version__}, installed {xlwings.__version__} (matches)" in report
    assert "deleted" in list(uninstall(machine, lang="en"))[-1]


def test_status_of_a_damaged_addin_asks_to_reinstall(tmp_path: Path) -> None:
    machine = Machine("linux", tmp_path)
    machine.addin_dir().mkdir(parents=True)
    (machine.addin_dir() / ADDIN_NAME).write_bytes(b"not a workbook")  # e.g. a download cut short
    with pytest.raises(BridgeError, match=r"cannot read its xlwings\.conf sheet.*run keyacct-xl addin install"):
        list(status(machine, lang="en"))
