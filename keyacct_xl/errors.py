"""The KeyacctError family: every user-facing failure, with its message in zh and en.

Errors are always raised, never returned. The message is a catalog message (``msg(...)``, keyacct_xl/messages.py)
rendered when it is shown, or an inline (en, zh) pair in modules not yet on the catalog. The CLI prints
``message(lang)`` as one line and exits non-zero; ``--debug`` shows the traceback.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from keyacct_xl.messages import TranslatedError


class KeyacctError(TranslatedError):
    """Base of every error a user can cause and fix; carries its message in both languages."""

    exit_code = 2


class InputError(KeyacctError):
    """A file, sheet, cell or argument the user supplied is missing or malformed."""


class MasterLockedError(InputError):
    """The master workbook is open in Excel (its ``~$`` lock file exists) or another keyacct-xl run is writing it."""


class SpecError(KeyacctError):
    """A form spec or policy file is malformed: the message names file, key and problem."""


class BridgeError(KeyacctError):
    """The Excel bridge (xlwings, add-in) cannot do what was asked on this machine."""


@contextmanager
def masking(masked: bool) -> Iterator[None]:
    """Have the errors raised inside show their personal values as ``***`` when ``masked`` (a run whose master's
    Settings or option withhold them, ``masks_personal``), wherever they are printed."""
    try:
        yield
    except KeyacctError as error:
        error.masked = error.masked or masked
        raise


def raise_if_interrupted(error: BaseException) -> None:
    """Raise the KeyboardInterrupt (or SystemExit) that ``error`` is or was caused by, so that a reader wrapping a
    native library's failure never reports a Ctrl-C as an unreadable file.

    A Ctrl-C during a call into calamine or fastexcel can come back as a SystemError ("... returned a result with an
    exception set") whose context is the KeyboardInterrupt."""
    seen: set[int] = set()
    cause: BaseException | None = error
    while cause is not None and id(cause) not in seen:
        if isinstance(cause, (KeyboardInterrupt, SystemExit)):
            raise cause
        seen.add(id(cause))
        cause = cause.__cause__ or cause.__context__
