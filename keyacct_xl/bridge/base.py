"""The bridge interface ribbon actions talk to, and its file back end (headless: ``keyacct-xl run``).

An action never touches xlwings or the console: it asks the bridge for the workbook, edits it through
``editing()``, reports progress and returns an ActionResult. ``XlwingsBridge`` (bridge/excel.py) does the
same in Excel: status bar, alerts, the open workbook.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Protocol

from keyacct_xl.errors import InputError
from keyacct_xl.i18n import Lang
from keyacct_xl.messages import Rendered, msg, tr


@dataclass(frozen=True)
class Summary(Rendered):
    """A result's own ``summary(lang)`` (a use case's result, a consolidation) as a text in both languages."""

    of: Callable[[Lang], str]

    def render(self, lang: Lang) -> str:
        """The summary in ``lang``."""
        return self.of(lang)


@dataclass(frozen=True)
class ActionResult:
    """What an action did: a summary (a message, shown in the user's language) and the files it wrote (newest
    last)."""

    summary: Rendered
    outputs: tuple[Path, ...] = ()
    # A file to show the user at the end (open_report), beyond listing outputs.
    show: Path | None = None
    # A sheet of the master to bring to the front in Excel (settings).
    sheet: str | None = None
    # What the action did beside its result that the user must hear of (keyacct_xl.notices).
    notices: tuple[Rendered, ...] = ()

    @property
    def zh(self) -> str:
        """The summary in Chinese."""
        return self.summary.zh

    @property
    def en(self) -> str:
        """The summary in English."""
        return self.summary.en

    def message(self, lang: Lang) -> str:
        """The summary in ``lang`` followed by the files written."""
        lines = [self.summary.render(lang), *(tr(lang, "note: {notice}", notice=n) for n in self.notices)]
        lines += [str(p) for p in self.outputs]
        return "\n".join(lines)


@dataclass(frozen=True)
class ActionOptions:
    """Options an action may use; in Excel they come from defaults and the Settings sheet."""

    as_of: str | None = None
    year: int | None = None
    out_dir: Path | None = None
    input: Path | None = None
    approved_by: str | None = None
    extra: dict[str, str] = field(default_factory=dict)


class Bridge(Protocol):
    """What an action may ask of its host (Excel or a file)."""

    lang: Lang

    def book_path(self) -> Path:
        """The master workbook as a saved file the core can read."""

    def editing(self) -> contextlib.AbstractContextManager[Path]:
        """The master file, free for the core to rewrite; Excel sees the result afterwards."""

    def progress(self, step: int, total: int, text: str) -> None:
        """Report step ``step`` of ``total`` (shown while a long action runs)."""

    def finish(self, result: ActionResult) -> None:
        """Tell the user what happened."""

    def choose_file(self, prompt: Rendered, option: str, suffixes: Sequence[str]) -> Path:
        """A file the user picks, of one of ``suffixes`` (the types the action's reader accepts: in Excel the file
        dialog offers them; headless the command-line ``option``)."""

    def ask(self, prompt: Rendered, option: str) -> str:
        """A short text the user types (in Excel an input box; headless the command-line ``option``)."""


class FileBridge:
    """The headless back end: a master workbook file, progress on a stream (stderr by default)."""

    def __init__(self, path: Path | None, *, lang: Lang = "zh", stream: IO[str] | None = None) -> None:
        self.path = Path(path) if path is not None else None
        self.lang = lang
        self.stream = stream or sys.stderr
        self.shown: list[Path] = []

    def book_path(self) -> Path:
        """The file itself; an action that needs a master fails clearly without one."""
        if self.path is None:
            raise InputError(msg("this action needs the master workbook: add --book master.xlsx"))
        if not self.path.is_file():
            raise InputError(msg("{path}: no such workbook", path=self.path))
        return self.path

    @contextlib.contextmanager
    def editing(self) -> Iterator[Path]:
        """The file itself: the core's writers are atomic and refuse a file Excel holds open."""
        yield self.book_path()

    def progress(self, step: int, total: int, text: str) -> None:
        """One line per step."""
        print(f"[{step}/{total}] {text}", file=self.stream, flush=True)

    def choose_file(self, prompt: Rendered, option: str, suffixes: Sequence[str]) -> Path:
        """Headless there is nobody to ask: the option was missing."""
        raise InputError(msg("{prompt}: give {option}", prompt=prompt, option=option))

    def ask(self, prompt: Rendered, option: str) -> str:
        """Headless there is nobody to ask: the option was missing."""
        raise InputError(msg("{prompt}: give {option}", prompt=prompt, option=option))

    def finish(self, result: ActionResult) -> None:
        """Print the summary and the files to stdout; a file to show is listed, not opened."""
        print(result.message(self.lang))
        if result.show is not None:
            self.shown.append(result.show)
            print(tr(self.lang, "open: {show}", show=result.show))
