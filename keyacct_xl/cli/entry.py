"""The console script ``keyacct-xl``: Ctrl-C handled before the commands' modules are imported.

Importing the CLI imports pandas, pyarrow and every command (seconds on a loaded machine); a Ctrl-C then must end
the run as one later does, with one line and exit code 130. So this module imports next to nothing (the package's
``__init__`` imports nothing either), takes over Ctrl-C, and imports ``keyacct_xl.cli.main`` inside the handling.
"""

from __future__ import annotations

import os
import signal
import sys
from typing import TYPE_CHECKING

from keyacct_xl.i18n import LANGS

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from types import FrameType

    from keyacct_xl.i18n import Lang

INTERRUPTED = 130  # 128 + SIGINT, as a shell reports a program Ctrl-C ended


def lang_option(argv: Sequence[str]) -> Lang | None:
    """The language ``--lang`` (or ``--lang=``) names on the command line, anywhere; None without one."""
    for i, word in enumerate(argv):
        value = (
            word.partition("=")[2]
            if word.startswith("--lang=")
            else (argv[i + 1] if word == "--lang" and i + 1 < len(argv) else None)
        )
        if value in LANGS:
            return value  # type: ignore[return-value]
    return None


def help_language(argv: Sequence[str], environ: Mapping[str, str] = os.environ) -> Lang:
    """The language of ``--help`` and of a Ctrl-C before the commands are imported: ``--lang`` on the command line,
    else the system locale, else zh (the default)."""
    return lang_option(argv) or locale_language(environ)


def locale_language(environ: Mapping[str, str] = os.environ) -> Lang:
    """The system locale's language: en when it is English, else zh (the default)."""
    # POSIX order: LC_ALL overrides LC_MESSAGES, which overrides LANG; the first one set decides.
    locale = next((environ[name] for name in ("LC_ALL", "LC_MESSAGES", "LANG") if environ.get(name)), "")
    return "en" if locale.lower().startswith("en") else "zh"


def interrupted(lang: Lang) -> int:
    """Say on stderr that Ctrl-C stopped the run; the exit code that tells it."""
    from keyacct_xl.messages import tr

    said = tr(lang, "interrupted")
    print(f"keyacct-xl: {said}", file=sys.stderr)
    return INTERRUPTED


def _stop_once(signum: int, frame: FrameType | None) -> None:
    """The first Ctrl-C stops the run; those after it are ignored, so that what the run does on its way out (a
    temporary file removed, the workers ended, the line saying it stopped) is not cut short by a second one."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    raise KeyboardInterrupt


def run() -> int:
    """The ``keyacct-xl`` command: ``main`` on ``sys.argv``, with Ctrl-C told as one line from the first moment."""
    argv = sys.argv[1:]
    # Only Python's own handler is replaced: a run started with Ctrl-C ignored (a script's background job) keeps it so.
    if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
        signal.signal(signal.SIGINT, _stop_once)
    try:
        from keyacct_xl.cli.main import main  # pandas, pyarrow and every command: seconds on a loaded machine

        return main(argv)
    except KeyboardInterrupt:  # before main() could handle it (main() tells one that comes later itself)
        return interrupted(help_language(argv))  # no master read yet: the language the help would have
