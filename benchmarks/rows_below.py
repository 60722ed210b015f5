"""What looking under every table costs a load that reads the workbook (a load cache miss), and what reading a table
with rows typed under it adds (the workbook rebuilt in memory with the table's range extended).

Run: python benchmarks/rows_below.py [master.xlsx] [rounds]   (default: a demo master built here, 5 rounds)
Each figure is the median of ``rounds``; the load is ``load_master`` with the process's table memo cleared and no
history store beside the master, so every table is read from the workbook.
"""

from __future__ import annotations

import io
import shutil
import statistics
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

import openpyxl

from keyacct_xl import load_master, save_master
from keyacct_xl.demo.company import generate_demo
from keyacct_xl.master import tablememo
from keyacct_xl.xlsx.belowtable import below_table, with_rows_below
from keyacct_xl.xlsx.package import locate_tables


def median(fn: Callable[[], object], rounds: int) -> float:
    """Median seconds of one call of ``fn``."""
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def look_under_every_table(data: bytes) -> None:
    """What a load adds: every table's sheet looked at under the table."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for loc in locate_tables(archive).values():
            below_table(archive, loc)


def extended(data: bytes) -> bytes:
    """The workbook as the readers get it when rows were typed under its tables."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        below = {loc: below_table(archive, loc) for loc in locate_tables(archive).values()}
    return with_rows_below(data, below)


def load(path: Path) -> None:
    tablememo.forget_tables()
    load_master(path)


def main() -> None:
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    with tempfile.TemporaryDirectory() as folder:
        if len(sys.argv) > 1:
            master = Path(shutil.copy2(sys.argv[1], Path(folder) / "master.xlsx"))
        else:
            master = save_master(generate_demo(seed=7), Path(folder) / "master.xlsx", backup=False)
        data = master.read_bytes()
        print(f"{master.stat().st_size / 1e6:.1f} MB master, {rounds} rounds")
        print(f"looking under every table: {median(lambda: look_under_every_table(data), rounds) * 1000:.0f} ms")
        print(f"load_master, every table read from the workbook: {median(lambda: load(master), rounds):.2f} s")
        typed = Path(folder) / "typed.xlsx"
        book = openpyxl.load_workbook(master)
        sheet = next(ws for ws in book.worksheets if "Payments" in ws.tables)
        last = openpyxl.utils.cell.range_boundaries(sheet.tables["Payments"].ref)[3]
        sheet.cell(last + 1, 1, "SK-TYPED")
        book.save(typed)
        typed_data = typed.read_bytes()
        print(
            f"the workbook rebuilt with a table extended: {median(lambda: extended(typed_data), rounds) * 1000:.0f} ms"
        )


if __name__ == "__main__":
    main()
