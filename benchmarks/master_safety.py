"""What the master's write safety costs: the write lock, the backup (hard link against the former copy), the
check for infinite numbers on a 1,000,000-row Transactions table.

Run: python benchmarks/master_safety.py [rows]   (rows for the infinity check, default 1,000,000)
"""

from __future__ import annotations

import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from master_write import transactions  # the same synthetic sales lines as the write benchmark

from keyacct_xl.fileio import _keep_backup, backup_path, master_write_lock
from keyacct_xl.master.model import Master
from keyacct_xl.master.schema import TRANSACTIONS
from keyacct_xl.master.writer import KIND_FORMATS, cell_columns, save_master
from keyacct_xl.xlsx.sheetdata import refuse_non_finite


def per_call(fn, repeat: int) -> float:
    """Median seconds of one call over ``repeat`` calls."""
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def lock_cost(folder: Path) -> tuple[float, float]:
    """Taking and releasing the lock, against a save of a small master (Settings only) that takes it too."""
    master = save_master(Master.empty(), folder / "master.xlsx", backup=False)

    def lock() -> None:
        with master_write_lock(master):
            pass

    loaded = Master.empty()
    loaded.path = master
    return per_call(lock, 2_000), per_call(lambda: save_master(loaded, tables=["Settings"]), 50)


def backup_cost(folder: Path, size: int) -> tuple[float, float]:
    """Keeping the backup of a ``size``-byte master: a hard link renamed into place, against the former copy."""
    master = folder / "big.xlsx"
    master.write_bytes(os.urandom(size))
    copy = per_call(lambda: shutil.copy2(master, backup_path(master)), 20)  # first: a link makes them one file
    link = per_call(lambda: _keep_backup(master), 20)
    return link, copy


def infinity_check_cost(rows: int) -> float:
    """refuse_non_finite over every column of a ``rows``-row Transactions frame (it runs before each write)."""
    columns = cell_columns(transactions(rows), TRANSACTIONS, {}, "zh", {code: 0 for code in KIND_FORMATS.values()})
    return per_call(lambda: refuse_non_finite(columns, TRANSACTIONS.name), 5)


def main() -> None:
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        lock, save = lock_cost(folder)
        print(
            f"lock taken and released: {lock * 1e6:,.0f} µs; a Settings-only save of an empty master: "
            f"{save * 1e3:,.1f} ms ({lock / save:.1%} of it)"
        )
        link, copy = backup_cost(folder, 64 << 20)
        print(f"backup of a 64 MiB master: hard link {link * 1e3:,.2f} ms; copy (before) {copy * 1e3:,.1f} ms")
    print(f"infinity check on {rows:,} Transactions rows: {infinity_check_cost(rows):.2f} s")


if __name__ == "__main__":
    main()
