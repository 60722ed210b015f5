"""Ctrl-C stops a run with one line in the run's language and exit code 130, whenever it comes: while the console
script imports the package (seconds on a loaded machine) as well as while a command runs."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
INTERRUPTED = {"zh": "keyacct-xl: 已中断", "en": "keyacct-xl: interrupted"}
STARTED = "started"
LOCALE = ("LC_ALL", "LC_MESSAGES", "LANG")  # what tells the system's language, cleared for every run but as given


def console_script() -> tuple[str, str]:
    """The module and function ``[project.scripts]`` names for ``keyacct-xl``, as pip writes the script from it."""
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - Python 3.10
        tomllib = pytest.importorskip("tomli")
    with (ROOT / "pyproject.toml").open("rb") as file:
        target = tomllib.load(file)["project"]["scripts"]["keyacct-xl"]
    module, _, function = target.partition(":")
    return module, function


def interrupted_run(argv: list[str], cwd: Path, *, when: str, locale: dict[str, str] | None = None) -> tuple[int, str]:
    """Run the console script's function with ``argv`` under the system locale ``locale`` (none set by default),
    press Ctrl-C once the child has reached ``when``, and again every second until it ends; its exit code and what it
    wrote to stderr.

    ``when`` is a condition on an audit event (``event``, ``args``: sys.addaudithook) at which the child says it is
    there (``STARTED``) on stderr: the import of pandas (the seconds the console script spends importing), the
    first file the command opens in its folder (the command at work)."""
    module, function = console_script()
    code = (
        "import sys\n"
        "def said(event, args, told=[]):\n"
        f"    if not told and ({when}):\n"
        f"        told.append(True); sys.stderr.write({STARTED!r} + '\\n'); sys.stderr.flush()\n"
        "sys.addaudithook(said)\n"
        f"from {module} import {function}\n"
        f"sys.exit({function}())\n"
    )
    env = {k: v for k, v in os.environ.items() if k not in LOCALE} | (locale or {})
    child = subprocess.Popen(
        [sys.executable, "-c", code, *argv],
        cwd=cwd,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert child.stderr is not None
    assert child.stderr.readline() == STARTED + "\n"
    deadline = time.monotonic() + 300  # "eventually": a loaded machine takes seconds to import pandas
    while child.poll() is None and time.monotonic() < deadline:
        os.kill(child.pid, signal.SIGINT)
        with contextlib.suppress(subprocess.TimeoutExpired):
            child.wait(timeout=1)
    if child.poll() is None:
        child.kill()
    err = child.stderr.read()
    child.stderr.close()
    return child.wait(), err


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_ctrl_c_while_the_console_script_imports_is_one_line_and_exit_130(tmp_path: Path, lang: str) -> None:
    """A Ctrl-C in the first seconds printed a 30-line traceback ending in KeyboardInterrupt, raised while
    ``keyacct_xl.cli.main`` imported pandas: the handling lived inside ``main()``, which had not started."""
    code, err = interrupted_run(
        ["--lang", lang, "forms", "list"], tmp_path, when="event == 'import' and args[0] == 'pandas'"
    )
    assert "Traceback" not in err, err
    assert (code, err) == (130, INTERRUPTED[lang] + "\n")


def test_ctrl_c_while_a_command_runs_is_one_line_in_the_runs_language(tmp_path: Path) -> None:
    """The line a Ctrl-C prints during a command was English in a zh run (``keyacct-xl: interrupted``)."""
    in_folder = f"event == 'open' and str(args[0]).startswith({str(tmp_path)!r})"
    code, err = interrupted_run(["demo", "--out", str(tmp_path / "demo")], tmp_path, when=in_folder)
    assert "Traceback" not in err, err
    assert (code, err) == (130, INTERRUPTED["zh"] + "\n")


@pytest.mark.parametrize(
    ("locale", "lang"),
    [
        ({"LANG": "en_US.UTF-8"}, "en"),
        ({"LANG": "zh_CN.UTF-8"}, "zh"),
        ({"LC_ALL": "en_GB.UTF-8", "LANG": "zh_CN.UTF-8"}, "en"),
    ],
)
def test_ctrl_c_while_the_console_script_imports_speaks_the_system_s_language(
    tmp_path: Path, locale: dict[str, str], lang: str
) -> None:
    """Without --lang, a Ctrl-C in the first seconds said 已中断 under LANG=en_US.UTF-8, though `--help` in the same
    shell is English: the line takes the help's language (--lang, else the system locale, else zh)."""
    when = "event == 'import' and args[0] == 'pandas'"
    code, err = interrupted_run(["forms", "list"], tmp_path, when=when, locale=locale)
    assert (code, err) == (130, INTERRUPTED[lang] + "\n")


def test_the_console_script_s_module_imports_no_pandas() -> None:
    """The console script catches Ctrl-C before the heavy imports only if its own module does not make them."""
    module, _ = console_script()
    code = f"import sys, {module}; print(sorted({{'pandas', 'numpy', 'keyacct_xl.cli.main'}} & set(sys.modules)))"
    shown = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert shown.stdout == "[]\n", shown.stderr
