"""Benchmark: reading a customer list whose workbook has large sparse sheets besides the list (each spans
A1:T390000, 7.8 million cells to a reader, in a file of a few kB): the sheets are read one at a time up to the first
with a header row, so the sheets after the list cost nothing.

Run by hand: ``python benchmarks/customer_list_read.py [--sparse 10]``. Figures go into docs/master.md ("Starting
with your own customer list"). Each figure is one read (``read_customer_list``, in its worker); the memory is the
worker's peak resident set.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

import xlsxwriter

from keyacct_xl.consolidate.customerlist import read_customer_list
from keyacct_xl.errors import InputError

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import machine_line  # (the closing line every benchmark prints)


def sparse_book(path: Path, sparse: int, list_at: int) -> Path:
    """``sparse`` sheets spanning A1:T390000 and the customer list on sheet ``list_at`` (0-based)."""
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})  # the worker forked later inherits no rows
    for i in range(sparse + 1):
        sheet = book.add_worksheet(f"S{i}")
        if i == list_at:
            sheet.write_row("A1", ["客户名称", "联系电话"])
            sheet.write_row("A2", ["稀疏表公司", "13900000801"])
        else:
            sheet.write("A1", "x")
            sheet.write("T390000", "y")
    book.close()
    return path


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sparse", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        for list_at, label in ((0, "the list on sheet 1"), (args.sparse, "the list after them")):
            path = sparse_book(Path(folder) / f"list{list_at}.xlsx", args.sparse, list_at)
            start = time.perf_counter()
            try:
                read_customer_list(path)
                outcome = "read"
            except InputError as refused:
                outcome = f"refused ({refused.wording.render('en')[:60]}…)"
            took = time.perf_counter() - start
            peak = round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024)
            print(
                f"{args.sparse} sparse sheets, {label} ({path.stat().st_size:,} bytes): {outcome} in {took:.2f} s, "
                f"worker peak {peak} MiB so far"
            )
    print(machine_line())


if __name__ == "__main__":
    main()
