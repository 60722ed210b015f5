"""keyacct-xl: Excel-native key-account management (重点客户管理)."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from keyacct_xl.analytics.rfm import rfm
    from keyacct_xl.errors import BridgeError, InputError, KeyacctError, MasterLockedError, SpecError
    from keyacct_xl.master.model import Master
    from keyacct_xl.master.reader import load_master
    from keyacct_xl.master.writer import save_master

__version__ = "0.1.0"

__all__ = [
    "BridgeError",
    "InputError",
    "KeyacctError",
    "Master",
    "MasterLockedError",
    "SpecError",
    "__version__",
    "load_master",
    "rfm",
    "save_master",
]

# Imported when first used (PEP 562), not with the package: most import pandas and pyarrow, seconds on a loaded
# machine, and every ``keyacct_xl.*`` import imports this package first, the console script's too (cli/entry.py),
# before it can tell a Ctrl-C in one line.
_LAZY = {
    **dict.fromkeys(
        ["BridgeError", "InputError", "KeyacctError", "MasterLockedError", "SpecError"], "keyacct_xl.errors"
    ),
    "Master": "keyacct_xl.master.model",
    "load_master": "keyacct_xl.master.reader",
    "rfm": "keyacct_xl.analytics.rfm",
    "save_master": "keyacct_xl.master.writer",
}


def __getattr__(name: str) -> object:
    """A public name, imported on first use."""
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(_LAZY[name]), name)
    globals()[name] = value  # found directly from now on
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})
