"""What the CLI prints, safe for the terminal that shows it.

A summary or an error quotes what files hold: a customer's name from a list, a cell's value, a file's name. A value
with terminal control sequences (ESC [2J clears the screen, ESC ] sets the window title, CR or cursor moves write
over a line already printed) would be obeyed by the terminal, and could make a line say what the run did not do.
Such characters are shown as escapes (``\\x1b``) instead.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TextIO, cast

# C0 controls but tab and line feed, DEL, C1 controls (U+009B is a one-character CSI), and the bidirectional
# overrides and isolates, which reorder what is shown.
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _shown(match: re.Match[str]) -> str:
    ch = match.group()
    return f"\\x{ord(ch):02x}" if ord(ch) < 0x100 else f"\\u{ord(ch):04x}"


def terminal_text(text: str, *, redraws: bool = False) -> str:
    """``text`` with every character a terminal would act on shown as its escape; with ``redraws`` (the stream a
    progress bar redraws), a carriage return that starts ``text`` is kept: the bar writes its line as one piece
    after one, and a message quoting a value never starts with the value."""
    if redraws and text.startswith("\r"):
        return "\r" + _UNSAFE.sub(_shown, text[1:])
    return _UNSAFE.sub(_shown, text)


class TerminalSafe:
    """A text stream that writes ``terminal_text`` of what it is given to ``stream``; everything else is the
    stream's own (flush, fileno, isatty, encoding)."""

    def __init__(self, stream: TextIO, *, redraws: bool = False) -> None:
        self.stream, self.redraws = stream, redraws

    def write(self, text: str) -> int:
        """Write ``text`` made safe; the count of characters given, as a stream's write returns."""
        self.stream.write(terminal_text(text, redraws=self.redraws))
        return len(text)

    def __getattr__(self, name: str) -> object:
        return getattr(self.stream, name)


@contextmanager
def terminal_safe_output() -> Iterator[None]:
    """``sys.stdout`` and ``sys.stderr`` made ``TerminalSafe`` while the block runs, then put back."""
    out, err = sys.stdout, sys.stderr
    sys.stdout = cast(TextIO, TerminalSafe(out))
    sys.stderr = cast(TextIO, TerminalSafe(err, redraws=True))
    try:
        yield
    finally:
        sys.stdout, sys.stderr = out, err
