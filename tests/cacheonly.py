"""A master's tables as a new process loads them from the load cache alone: reading the workbook there fails."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

_SCRIPT = (
    "import json, sys\n"
    "from keyacct_xl import load_master\n"
    "from keyacct_xl.master import reader\n"
    "def refuse(*args, **kwargs):\n"
    "    raise AssertionError('the workbook was read, not the load cache')\n"
    "reader.read_workbook_tables = refuse\n"
    "customers = load_master(sys.argv[1]).customers\n"
    "print(json.dumps([[type(v).__name__, str(v)] for c in json.loads(sys.argv[2]) for v in customers[c]]))\n"
)


def cached_customer_values(path: Path, columns: list[str]) -> list[list[str]]:
    """The type name and text of each value of the Customers ``columns`` (column by column) a fresh process loads
    from the master's load cache, never opening its workbook's tables."""
    done = subprocess.run(
        [sys.executable, "-c", _SCRIPT, str(path), json.dumps(columns)],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path.cwd(),
    )
    values: list[list[str]] = json.loads(done.stdout)
    return values
