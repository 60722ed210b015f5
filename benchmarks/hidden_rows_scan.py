"""Benchmark: what telling of hidden rows and columns adds to reading a sales export (.xlsx) for ``history import``,
``rfm`` or ``abc``: the word ``hidden`` looked for in the sheet part a chunk at a time (what a read does first)
against parsing every row for its ``hidden`` attribute (what it did before, and still does when the word is there),
beside the read itself (calamine, every cell).

Run by hand: ``python benchmarks/hidden_rows_scan.py [--lines 300000]``. Figures go into docs/history.md ("Reading
an export"). Each figure is the best of three in this process; the export is written once with XlsxWriter.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

import python_calamine as calamine
import xlsxwriter

from keyacct_xl.xlsx.package import part_mentions
from keyacct_xl.xlsx.sheetxml import hidden_rows_columns

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import machine_line  # (the closing line every benchmark prints)

PART = "xl/worksheets/sheet1.xml"


def sales_export(path: Path, lines: int) -> Path:
    """An ERP export of ``lines`` sales lines (date, document, customer, amount), no row or column hidden."""
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    sheet = book.add_worksheet("销售")
    dates = book.add_format({"num_format": "yyyy-mm-dd"})
    sheet.write_row(0, 0, ["日期", "单据编号", "客户编号", "金额"])
    start = dt.datetime(2024, 1, 1)
    for i in range(1, lines + 1):
        sheet.write_datetime(i, 0, start + dt.timedelta(days=i % 700), dates)
        sheet.write_string(i, 1, f"D{i:07d}")
        sheet.write_string(i, 2, f"C{i * 7919 % 3000:04d}")
        sheet.write_number(i, 3, 100 + i * 37 % 9000)
    book.close()
    return path


def best_of_three(step: Callable[[], object]) -> float:
    """The shortest of three runs of ``step``, in seconds."""
    times = []
    for _ in range(3):
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lines", type=int, default=300_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = sales_export(Path(folder) / "sales.xlsx", args.lines)
        with zipfile.ZipFile(path) as archive:
            inflated = archive.getinfo(PART).file_size
            steps = {
                "calamine reads every cell (the read itself)": lambda: (
                    calamine.CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()
                ),
                "every row parsed for hidden (before)": lambda: hidden_rows_columns(archive.read(PART), PART),
                "the word hidden looked for (now, when absent)": lambda: part_mentions(archive, PART, b"hidden"),
            }
            print(f"{args.lines:,} lines, {path.stat().st_size:,} bytes, sheet part {inflated:,} bytes inflated")
            for label, step in steps.items():
                print(f"  {label}: {best_of_three(step):.2f} s")
    print(machine_line())


if __name__ == "__main__":
    main()
