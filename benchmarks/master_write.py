"""Writing a 1,000,000-row Transactions table: time and peak memory, against XlsxWriter's constant_memory mode.

Each writer runs in its own process so peak RSS (ru_maxrss) is its own.
Run: python benchmarks/master_write.py [rows [writer,...]]
Besides a new master ("ours"), it times saving into a master that already holds the rows: "ours-rewrite" renders
the table again, "ours-append" adds 1,000 rows below it (write_tables with unchanged_rows, as consolidation does);
both read the existing sheet part first. Their peak RSS includes writing the existing master, so only their
time is reported in docs/master.md.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd


def transactions(rows: int) -> pd.DataFrame:
    """A synthetic sales-line table with every column kind of the Transactions schema."""
    rng = np.random.default_rng(7)
    return pd.DataFrame(
        {
            "doc_no": pd.Series(np.char.add("XS", (rng.integers(0, rows // 3, rows)).astype(str)), dtype=object),
            "date": pd.Timestamp("2023-11-01") + pd.to_timedelta(rng.integers(0, 1096, rows), unit="D"),
            "customer_id": pd.Series(np.char.add("C", rng.integers(0, 100_000, rows).astype(str)), dtype=object),
            "product": pd.Series(
                rng.choice(["46#抗磨液压油 200L", "黄油 15kg", "齿轮油 18L", "导轨油 4L"], rows), dtype=object
            ),
            "category": pd.Series(rng.choice(["液压油", "润滑脂", "齿轮油"], rows), dtype=object),
            "qty": rng.integers(1, 50, rows).astype(float),
            "unit_price": rng.uniform(50, 2000, rows).round(2),
            "amount": rng.uniform(50, 100_000, rows).round(2),
            "cost": rng.uniform(40, 80_000, rows).round(2),
            "rep": pd.Series(rng.choice(["王伟", "李娜", "张敏", "刘洋"], rows), dtype=object),
        }
    )


def run_ours(frame: pd.DataFrame, out: Path) -> float:
    from keyacct_xl.master.model import Master
    from keyacct_xl.master.writer import save_master

    master = Master.empty()
    master.transactions = frame
    started = time.perf_counter()
    save_master(master, out, backup=False)
    return time.perf_counter() - started


def run_rewrite(frame: pd.DataFrame, out: Path) -> float:
    from keyacct_xl.master.model import Master
    from keyacct_xl.master.writer import save_master

    master = Master.empty()
    master.transactions = frame
    save_master(master, out, backup=False)  # the existing master (not timed)
    started = time.perf_counter()
    save_master(master, out, tables=["Transactions"], backup=False)
    return time.perf_counter() - started


def run_append(frame: pd.DataFrame, out: Path) -> float:
    from keyacct_xl.master.model import Master
    from keyacct_xl.master.schema import TABLES_BY_NAME
    from keyacct_xl.master.writer import save_master, write_tables

    master = Master.empty()
    master.transactions = frame
    save_master(master, out, backup=False)  # the existing master (not timed)
    grown = pd.concat([frame, frame.iloc[:1_000]], ignore_index=True)
    started = time.perf_counter()
    write_tables(
        out,
        {TABLES_BY_NAME["Transactions"]: grown},
        lang="zh",
        backup=False,
        unchanged_rows={"Transactions": len(frame)},
    )
    return time.perf_counter() - started


def run_xlsxwriter(frame: pd.DataFrame, out: Path) -> float:
    import xlsxwriter

    started = time.perf_counter()
    book = xlsxwriter.Workbook(out, {"constant_memory": True})
    sheet = book.add_worksheet("销售明细")
    money = book.add_format({"num_format": '"¥"#,##0.00'})
    date = book.add_format({"num_format": "yyyy-mm-dd"})
    sheet.write_row(0, 0, list(frame.columns))
    for r, row in enumerate(frame.itertuples(index=False), start=1):
        sheet.write_string(r, 0, row.doc_no)
        sheet.write_datetime(r, 1, row.date.to_pydatetime(), date)
        sheet.write_string(r, 2, row.customer_id)
        sheet.write_string(r, 3, row.product)
        sheet.write_string(r, 4, row.category)
        sheet.write_number(r, 5, row.qty)
        sheet.write_number(r, 6, row.unit_price, money)
        sheet.write_number(r, 7, row.amount, money)
        sheet.write_number(r, 8, row.cost, money)
        sheet.write_string(r, 9, row.rep)
    book.close()
    return time.perf_counter() - started


def child(which: str, rows: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "out.xlsx"
        frame = transactions(rows)
        frame_bytes = int(frame.memory_usage(deep=True).sum())
        base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # the process with the frame built
        seconds = WRITERS[which](frame, out)
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        print(
            json.dumps(
                {
                    "writer": which,
                    "rows": rows,
                    "seconds": round(seconds, 2),
                    "peak_rss_mib": round(peak / 1024),
                    "rss_before_write_mib": round(base / 1024),
                    "write_overhead_mib": round((peak - base) / 1024),
                    "frame_mib": round(frame_bytes / 2**20),
                    "file_mib": round(out.stat().st_size / 2**20, 1),
                }
            )
        )


WRITERS = {"ours": run_ours, "ours-rewrite": run_rewrite, "ours-append": run_append, "xlsxwriter": run_xlsxwriter}


def main() -> None:
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    chosen = sys.argv[2].split(",") if len(sys.argv) > 2 else list(WRITERS)
    for which in chosen:
        for n in (rows // 10, rows):
            result = subprocess.run(
                [sys.executable, __file__, "--child", which, str(n)], capture_output=True, text=True, check=True
            )
            print(result.stdout.strip())


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        child(sys.argv[2], int(sys.argv[3]))
    else:
        main()
