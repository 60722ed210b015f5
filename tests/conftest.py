"""Shared fixtures: temporary folders, LibreOffice headless as an independent spreadsheet program."""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

SHARED_SCHEMAS = Path(__file__).resolve().parents[2] / "shared" / "schemas"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test that starts LibreOffice (it uses the fixture), so ``-m "not libreoffice"`` runs the rest.

    Under pytest-xdist (``--dist loadgroup``) every test of the full demo run goes to one worker, so the demo is
    built once per test run; that group is the longest, so it comes first and ends while the other worker runs the
    rest.
    """
    for item in items:
        if "libreoffice" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.libreoffice)
        if "demo_run" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.xdist_group("demo_run"))
    items.sort(key=lambda item: "demo_run" not in getattr(item, "fixturenames", ()))


@pytest.fixture(scope="session")
def shared_schemas() -> Path:
    """``../shared/schemas`` (Microsoft's and ISO's schemas): CI always has it; elsewhere its absence skips."""
    if not SHARED_SCHEMAS.is_dir():
        if os.environ.get("CI"):
            pytest.fail(f"{SHARED_SCHEMAS} is missing: CI lays shared/ beside the repository")
        pytest.skip(f"{SHARED_SCHEMAS} is absent (shared/ is laid beside the repository only where it is kept)")
    return SHARED_SCHEMAS


@pytest.fixture(scope="session")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """``keyacct-xl demo`` run once per test session, every feature step included: its folder and what it printed."""
    from keyacct_xl.cli.main import main

    out = tmp_path_factory.mktemp("demo-run") / "demo"
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        assert main(["demo", "--out", str(out)]) == 0
    return out, printed.getvalue()


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 2 MiB tmpfs mounted for the test (root only), so a write can really run out of space."""
    disk = tmp_path / "disk"
    disk.mkdir()
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root")
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(disk)], capture_output=True, text=True
    )
    if mounted.returncode != 0:
        pytest.skip(f"mount -t tmpfs is not permitted here: {mounted.stderr.strip()}")
    try:
        yield disk
    finally:
        subprocess.run(["umount", str(disk)], check=True)


def _soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


@pytest.fixture(scope="session")
def libreoffice(tmp_path_factory: pytest.TempPathFactory) -> Callable[..., Path | list[Path]]:
    """Convert a workbook (or a list of them, in one run) with LibreOffice headless (``pdf``, ``csv``...).

    In CI (CI=true) a missing LibreOffice is an error, because .ci/run installs it; elsewhere the test skips.
    """
    binary = _soffice()
    if binary is None:
        if os.environ.get("CI"):
            pytest.fail("LibreOffice (soffice) is not installed; .ci/run should have installed it")
        pytest.skip("LibreOffice (soffice) is not installed")
    profile = tmp_path_factory.mktemp("lo-profile")

    def convert(path: Path | list[Path], fmt: str, out_dir: Path | None = None) -> Path | list[Path]:
        # A list is converted in one LibreOffice run: starting soffice costs seconds, each file far less.
        paths = path if isinstance(path, list) else [path]
        out_dir = out_dir or paths[0].parent / f"lo-{fmt.split(':')[0]}"
        out_dir.mkdir(parents=True, exist_ok=True)
        result = subprocess.run(
            [
                binary,
                f"-env:UserInstallation=file://{profile}",
                "--headless",
                "--norestore",
                "--convert-to",
                fmt,
                "--outdir",
                str(out_dir),
                *map(str, paths),
            ],
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        produced = [out_dir / (p.stem + "." + fmt.split(":")[0]) for p in paths]
        missing = [p.name for p in produced if not p.exists()]
        if result.returncode != 0 or missing:
            raise AssertionError(f"LibreOffice could not convert {missing}: {result.stdout} {result.stderr}")
        return produced if isinstance(path, list) else produced[0]

    return convert


@pytest.fixture
def inbox(tmp_path: Path) -> Path:
    """An empty folder that submitted forms are dropped into, as a manager's inbox."""
    folder = tmp_path / "inbox"
    folder.mkdir()
    return folder
