"""Shared fixtures: temporary folders, LibreOffice headless as an independent spreadsheet program."""

from __future__ import annotations

import contextlib
import io
import json
import os
import select
import shutil
import subprocess
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

SHARED_SCHEMAS = Path(__file__).resolve().parents[2] / "shared" / "schemas"


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist's own hook, which reads the groups set here
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test that starts LibreOffice (it uses the fixture), so ``-m "not libreoffice"`` runs the rest.

    Under pytest-xdist (``--dist loadgroup``) every test of the full demo run goes to one worker, so the demo is
    built once per test run, and the tests of a module that share a module-scoped fixture go to one worker, so
    what the fixture builds (a demo master, a graded master) is built once, not once per worker. xdist hands the
    groups out largest first; the tests that share nothing follow one by one and even out the two workers' ends.
    """
    for item in items:
        if "libreoffice" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.libreoffice)
        group = _shared_work(item)
        if group is not None:
            item.add_marker(pytest.mark.xdist_group(group))
    items.sort(key=lambda item: "demo_run" not in getattr(item, "fixturenames", ()))


def _shared_work(item: pytest.Item) -> str | None:
    """The group of tests ``item`` shares a built fixture with: the demo run, else its module's fixtures."""
    names = getattr(item, "fixturenames", ())
    for shared in ("demo_run", "stepless_demo"):
        if shared in names:
            return shared
    info = getattr(item, "_fixtureinfo", None)
    definitions = info.name2fixturedefs.values() if info is not None else ()
    if any(d.scope in ("module", "class", "package") for defs in definitions for d in defs):
        return item.nodeid.split("::")[0]
    return None


@pytest.fixture(scope="session", autouse=True)
def _a_locale_naming_no_language() -> Iterator[None]:
    """Every test, and every fixture built for the session, runs under C.UTF-8, whatever the machine's locale: a
    command given no --lang and no master answers in the locale's language, and the tests expect its default, zh.
    A test about the locale sets its own (monkeypatch.setenv), undone after it, back to this one."""
    with pytest.MonkeyPatch.context() as patch:
        for name in ("LC_ALL", "LC_MESSAGES", "LANGUAGE"):
            patch.delenv(name, raising=False)
        patch.setenv("LANG", "C.UTF-8")
        yield


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


@pytest.fixture(scope="session")
def demo_run_again(demo_run: tuple[Path, str], tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """``keyacct-xl demo`` run a second time, into a copy of the first run's folder: what the reproducibility tests
    compare with ``demo_run`` (a second run must start afresh, whatever the first left in its folder)."""
    from keyacct_xl.cli.main import main

    first, _ = demo_run
    again = tmp_path_factory.mktemp("demo-run-again") / "demo"
    shutil.copytree(first, again)
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        assert main(["demo", "--out", str(again)]) == 0
    return again, printed.getvalue()


@pytest.fixture(scope="session")
def stepless_demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The master exactly as ``keyacct-xl demo`` writes it, before the features' demo steps add to it
    (consolidation, for one, merges returned forms into it); built once per test session, read only."""
    from keyacct_xl.cli import demo_cmd
    from keyacct_xl.cli.main import main

    out = tmp_path_factory.mktemp("demo")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(demo_cmd, "DEMO_STEPS", [])
        assert main(["demo", "--out", str(out)]) == 0
    return out / "master.xlsx"


@pytest.fixture(autouse=True)
def _no_tables_kept_from_another_test() -> None:
    """Each test loads masters as a new process would: no table is kept in memory from an earlier test (one that
    patched a reader, say), so no test's outcome depends on the order the tests ran in."""
    from keyacct_xl.master import tablememo

    tablememo.forget_tables()


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


SYSTEM_PYTHON = "/usr/bin/python3"  # LibreOffice's python3-uno is installed for the system python only
SERVER = Path(__file__).with_name("libreoffice_server.py")
# The export filter ``soffice --convert-to EXT`` picks for each extension the tests ask for.
FILTERS = {
    "pdf": "calc_pdf_Export",
    "csv": "Text - txt - csv (StarCalc)",
    "xlsx": "Calc MS Excel 2007 XML",
    "xls": "MS Excel 97",
    "ods": "calc8",
}


class OfficeServer:
    """One LibreOffice per test process, started on first use and driven over UNO by ``libreoffice_server.py``."""

    def __init__(self, profile: Path) -> None:
        self.profile = profile
        self.process: subprocess.Popen[str] | None = None

    def _start(self) -> subprocess.Popen[str]:
        pipe = f"keyacct-tests-{os.getpid()}-{time.monotonic_ns()}"
        process = subprocess.Popen(
            [SYSTEM_PYTHON, str(SERVER), str(self.profile), pipe],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        self._answer(process)  # {"ready": true} once LibreOffice listens
        return process

    @staticmethod
    def _answer(process: subprocess.Popen[str]) -> dict[str, Any]:
        assert process.stdout is not None
        ready, _, _ = select.select([process.stdout], [], [], 600)
        line = process.stdout.readline() if ready else ""
        if not line:
            process.kill()
            raise AssertionError("LibreOffice (over UNO) stopped answering")
        answer: dict[str, Any] = json.loads(line)
        return answer

    def convert(
        self, sources: list[Path], targets: list[Path], filter_name: str, options: str, edits: Sequence[list] = ()
    ) -> dict[str, str]:
        """Convert each source to its target, ``edits`` made on its first sheet first (libreoffice_server.EDITS); the
        sources it could not convert, with LibreOffice's reason."""
        if self.process is None or self.process.poll() is not None:
            self.close()  # a server that died: its pipes, before a new one starts
            self.process = self._start()
        request = {"sources": list(map(str, sources)), "targets": list(map(str, targets))}
        assert self.process.stdin is not None
        request |= {"filter": filter_name, "options": options, "edits": list(edits)}
        self.process.stdin.write(json.dumps(request) + "\n")
        self.process.stdin.flush()
        failed: dict[str, str] = self._answer(self.process)["failed"]
        return failed

    def close(self) -> None:
        """End of input: the server closes LibreOffice and ends."""
        if self.process is None:
            return
        with self.process as process:  # closes the pipes and waits
            assert process.stdin is not None
            process.stdin.close()
            try:
                process.wait(timeout=90)
            except subprocess.TimeoutExpired:
                process.kill()


def _uno_usable() -> bool:
    if not Path(SYSTEM_PYTHON).exists():
        return False
    return subprocess.run([SYSTEM_PYTHON, "-c", "import uno"], capture_output=True, check=False).returncode == 0


@pytest.fixture(scope="session")
def libreoffice(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[..., Path | list[Path]]]:
    """Convert a workbook (or a list of them) with LibreOffice headless (``pdf``, ``csv``..., as ``--convert-to``).

    One LibreOffice serves the whole session (per pytest-xdist worker) over UNO where the system python has
    python3-uno; elsewhere each call runs ``soffice --convert-to``. In CI (CI=true) a missing LibreOffice is an
    error, because .ci/run installs it (and python3-uno); elsewhere the test skips. ``edits`` are what a rep does to
    the first sheet in LibreOffice before it is saved (tests/libreoffice_server.py ``EDITS``), over UNO only.
    """
    binary = _soffice()
    if binary is None:
        if os.environ.get("CI"):
            pytest.fail("LibreOffice (soffice) is not installed; .ci/run should have installed it")
        pytest.skip("LibreOffice (soffice) is not installed")
    profile = tmp_path_factory.mktemp("lo-profile")
    server = OfficeServer(profile) if _uno_usable() else None

    def convert(
        path: Path | list[Path], fmt: str, out_dir: Path | None = None, edits: Sequence[list] = ()
    ) -> Path | list[Path]:
        paths = path if isinstance(path, list) else [path]
        ext, _, spec = fmt.partition(":")
        out_dir = out_dir or paths[0].parent / f"lo-{ext}"
        out_dir.mkdir(parents=True, exist_ok=True)
        produced = [out_dir / (p.stem + "." + ext) for p in paths]
        if server is not None:
            filter_name, _, options = spec.partition(":")
            failed = server.convert(paths, produced, filter_name or FILTERS[ext], options, edits)
            if failed:
                raise AssertionError(f"LibreOffice could not convert: {failed}")
        elif edits:
            pytest.skip("editing a workbook in LibreOffice needs its python3-uno")
        else:
            _convert_once(binary, profile, paths, fmt, out_dir)
        missing = [p.name for p in produced if not p.exists()]
        if missing:
            raise AssertionError(f"LibreOffice did not write {missing}")
        return produced if isinstance(path, list) else produced[0]

    yield convert
    if server is not None:
        server.close()


def _convert_once(binary: str, profile: Path, paths: list[Path], fmt: str, out_dir: Path) -> None:
    """``soffice --convert-to`` on every path in one run (starting soffice costs seconds, each file far less)."""
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
    if result.returncode != 0:
        names = [p.name for p in paths]
        raise AssertionError(f"LibreOffice could not convert {names}: {result.stdout} {result.stderr}")


@pytest.fixture
def inbox(tmp_path: Path) -> Path:
    """An empty folder that submitted forms are dropped into, as a manager's inbox."""
    folder = tmp_path / "inbox"
    folder.mkdir()
    return folder
