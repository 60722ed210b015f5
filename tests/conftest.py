"""Shared fixtures: temporary folders, LibreOffice headless as an independent spreadsheet program."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest


def _soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


@pytest.fixture(scope="session")
def libreoffice(tmp_path_factory: pytest.TempPathFactory) -> Callable[[Path, str], Path]:
    """Convert a workbook with LibreOffice headless (``pdf``, ``csv``, ``xlsx``...) and return the output path.

    In CI (CI=true) a missing LibreOffice is an error, because .ci/run installs it; elsewhere the test skips.
    """
    binary = _soffice()
    if binary is None:
        if os.environ.get("CI"):
            pytest.fail("LibreOffice (soffice) is not installed; .ci/run should have installed it")
        pytest.skip("LibreOffice (soffice) is not installed")
    profile = tmp_path_factory.mktemp("lo-profile")

    def convert(path: Path, fmt: str, out_dir: Path | None = None) -> Path:
        out_dir = out_dir or path.parent / f"lo-{fmt}"
        out_dir.mkdir(parents=True, exist_ok=True)
        result = subprocess.run(
            [binary, f"-env:UserInstallation=file://{profile}", "--headless", "--norestore",
             "--convert-to", fmt, "--outdir", str(out_dir), str(path)],
            capture_output=True, text=True, timeout=300, check=False)
        produced = out_dir / (path.stem + "." + fmt.split(":")[0])
        if result.returncode != 0 or not produced.exists():
            raise AssertionError(f"LibreOffice could not convert {path}: {result.stdout} {result.stderr}")
        return produced

    return convert
