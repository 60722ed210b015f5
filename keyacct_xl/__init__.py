"""keyacct-xl: Excel-native key-account management (重点客户管理)."""

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
