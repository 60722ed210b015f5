"""The xlwings back end of the bridge: the calling workbook in Excel, status-bar progress, an alert at the end.

Runs inside Excel through RunPython (in the warm UDF server). The core rewrites master files atomically and
refuses a file Excel holds open, so ``editing()`` saves the workbook, closes it, lets the core write, and opens
it again; actions that only read use the saved file. Verified on Windows by hand (docs/excel.md); CI has no Excel.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator, Sequence
from pathlib import Path

import xlwings as xw

from keyacct_xl.bridge.base import ActionResult
from keyacct_xl.errors import BridgeError
from keyacct_xl.i18n import Lang
from keyacct_xl.messages import Rendered, msg, tr


def file_filter(suffixes: Sequence[str], lang: Lang) -> str:
    """GetOpenFilename's FileFilter: a label in the user's language with the patterns it shows, then the patterns
    (``电子表格 (*.xlsx;*.ods),*.xlsx;*.ods``); a comma would end the label, so none is in it."""
    patterns = ";".join(f"*{suffix}" for suffix in suffixes)
    label = tr(lang, "Spreadsheets")
    return f"{label} ({patterns}),{patterns}"


class XlwingsBridge:
    """The workbook that called the ribbon action (``xw.Book.caller()``)."""

    def __init__(self, book: xw.Book, *, lang: Lang = "zh") -> None:
        self.book = book
        self.app = book.app
        self.lang = lang

    def book_path(self) -> Path:
        """Save the workbook (Excel's own save) so the core reads what the user sees."""
        if not self.book.fullname or not Path(self.book.fullname).is_absolute():
            raise BridgeError(msg("save the workbook to a file first"))
        self.book.save()
        return Path(self.book.fullname)

    @contextlib.contextmanager
    def editing(self) -> Iterator[Path]:
        """Save and close the workbook while the core rewrites it, then open it again (also after a failure)."""
        path = self.book_path()
        self.book.close()
        try:
            yield path
        finally:
            self.book = self.app.books.open(str(path))

    def progress(self, step: int, total: int, text: str) -> None:
        """Excel's status bar: ``[2/4] 计算 RFM…``; Excel stays responsive between steps."""
        self.app.status_bar = f"[{step}/{total}] {text}"

    def choose_file(self, prompt: Rendered, option: str, suffixes: Sequence[str]) -> Path:
        """Excel's Open dialog (Application.GetOpenFilename) offering the ``suffixes`` the action's reader accepts;
        cancelling stops the action."""
        chosen = self.app.api.GetOpenFilename(file_filter(suffixes, self.lang), 1, prompt.render(self.lang))
        if not chosen:
            raise BridgeError(msg("cancelled"))
        return Path(str(chosen))

    def ask(self, prompt: Rendered, option: str) -> str:
        """Excel's InputBox; an empty answer or cancelling stops the action."""
        answer = self.app.api.InputBox(prompt.render(self.lang))
        if not answer:
            raise BridgeError(msg("cancelled"))
        return str(answer).strip()

    def finish(self, result: ActionResult) -> None:
        """Reset the status bar, open the file to show, and an alert with the summary."""
        self.app.status_bar = False
        if result.sheet is not None and result.sheet in [s.name for s in self.book.sheets]:
            self.book.sheets[result.sheet].activate()
        if result.show is not None:
            if result.show.suffix.lower() in (".xlsx", ".xlsm"):
                self.app.books.open(str(result.show))
            elif hasattr(os, "startfile"):
                os.startfile(result.show)  # Windows: the program registered for the file type
        self.app.alert(result.message(self.lang), title=tr(self.lang, "Key Accounts"))

    def fail(self, message: str) -> None:
        """Reset the status bar and show the error as an alert (never a traceback)."""
        self.app.status_bar = False
        self.app.alert(message, title=tr(self.lang, "Key Accounts: error"), mode="critical")
