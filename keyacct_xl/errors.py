"""The KeyacctError family: every user-facing failure, with a message in zh and en.

Errors are always raised, never returned. The CLI prints ``message(lang)`` as one line and exits
non-zero; ``--debug`` shows the traceback.
"""

from __future__ import annotations

from keyacct_xl.i18n import Lang


class KeyacctError(Exception):
    """Base of every error a user can cause and fix; carries both languages."""

    exit_code = 2

    def __init__(self, en: str, zh: str | None = None) -> None:
        super().__init__(en)
        self.en = en
        self.zh = zh or en

    def message(self, lang: Lang = "zh") -> str:
        """The one-line message in ``lang``."""
        return self.zh if lang == "zh" else self.en


class InputError(KeyacctError):
    """A file, sheet, cell or argument the user supplied is missing or malformed."""


class MasterLockedError(InputError):
    """The master workbook is open in Excel (its ``~$`` lock file exists) or another keyacct-xl run is writing it."""


class SpecError(KeyacctError):
    """A form spec or policy file is malformed: the message names file, key and problem."""


class BridgeError(KeyacctError):
    """The Excel bridge (xlwings, add-in) cannot do what was asked on this machine."""
