"""The history store against the workbook: loading the master, archiving, and RFM in pandas against DuckDB.

Run: python benchmarks/history_store.py [lines]     (default 250,000 sales lines; payments are a quarter of that)

Three masters are built once in a temporary folder: every line in the workbook ("workbook"), every line moved into
the store by ``history archive`` ("store"), and the lines before 2025-07-01 in the store ("split"). Each step then
runs in a process of its own, so its CPU seconds (all threads, the figure that holds on a busy machine) and its
peak RSS (VmHWM, imports included) are its own; the masters are built in a process of their own too:

- load: ``load_master`` of each master (the workbook's rows through calamine, the store's through pyarrow);
- archive: ``history archive --before 2025-07-01`` on a copy of the workbook master (write, verify, save);
- rfm: on the store's lines, our ``rfm`` (pandas and numpy, scores included) against the same aggregation
  (last purchase, distinct orders, net amount per customer) in DuckDB over the Parquet files, checked equal.
"""

from __future__ import annotations

import functools
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import peak_mib, ran_as_step, run_step, timed_part  # (what the other benchmarks measure alike)
from master_write import transactions  # (the synthetic sales lines of the other master benchmarks)

SPLIT = pd.Timestamp("2025-07-01")
AS_OF = pd.Timestamp("2026-10-31")
RFM_SQL = """
SELECT customer_id, max(date) FILTER (WHERE amount > 0) AS last_purchase,
       count(DISTINCT doc_no) FILTER (WHERE amount > 0) AS frequency, sum(amount) AS monetary
FROM read_parquet(?) WHERE date <= ? GROUP BY customer_id
"""


def payments(rows: int) -> pd.DataFrame:
    """Synthetic receipts over the same customers and days as the sales lines."""
    rng = np.random.default_rng(11)
    return pd.DataFrame(
        {
            "receipt_no": pd.Series(np.char.add("SK", np.arange(rows).astype(str)), dtype=object),
            "date": pd.Timestamp("2023-11-01") + pd.to_timedelta(rng.integers(0, 1096, rows), unit="D"),
            "customer_id": pd.Series(np.char.add("C", rng.integers(0, 100_000, rows).astype(str)), dtype=object),
            "amount": rng.uniform(100, 200_000, rows).round(2),
            "method": pd.Series(rng.choice(["银行转账", "承兑汇票", "现金"], rows), dtype=object),
        }
    )


def build(folder: Path, lines: int) -> dict[str, Path]:
    """The three masters of the module docstring."""
    from keyacct_xl.history.archive import archive
    from keyacct_xl.master.model import Master
    from keyacct_xl.master.writer import save_master

    master = Master.empty()
    master.transactions, master.payments = transactions(lines), payments(lines // 4)
    paths = {name: folder / name / "master.xlsx" for name in ("workbook", "store", "split")}
    paths["workbook"].parent.mkdir(parents=True)
    save_master(master, paths["workbook"], backup=False)
    for name, before in (("store", AS_OF + pd.Timedelta(days=1)), ("split", SPLIT)):
        paths[name].parent.mkdir()
        shutil.copy2(paths["workbook"], paths[name])
        archive(paths[name], before)
    return paths


def step(name: str, path: Path) -> dict[str, object]:
    """One measured step, in this process: CPU seconds and wall seconds of each part."""
    from keyacct_xl.master.reader import load_master

    out: dict[str, object] = {}

    timed = functools.partial(timed_part, out)

    if name == "load":
        master = timed("load_master", lambda: load_master(path))
        out["lines"] = len(master.transactions) + len(master.payments)
    elif name == "archive":
        from keyacct_xl.history.archive import archive

        moved = timed("archive", lambda: archive(path, SPLIT))
        out["lines"] = sum(moved.lines.values())
    elif name == "rfm":
        import duckdb

        from keyacct_xl.analytics.rfm import rfm
        from keyacct_xl.history.store import files_of, read_manifest, store_path

        master = timed("load_master", lambda: load_master(path))
        ours = timed("rfm_pandas", lambda: rfm(master.transactions, as_of=AS_OF))
        store = store_path(path)
        files = files_of(
            store, [read_manifest(store, b) for b in master.settings.history_store.split(",")], "Transactions"
        )
        with duckdb.connect() as con:
            theirs = timed("rfm_duckdb_parquet", lambda: con.execute(RFM_SQL, [files, AS_OF]).df())
            con.register("lines", master.transactions)  # the same lines, as pandas holds them
            timed("rfm_duckdb_frame", lambda: con.execute(RFM_SQL.replace("read_parquet(?)", "lines"), [AS_OF]).df())
        merged = ours.merge(theirs, on="customer_id", suffixes=("", "_duckdb"))
        same = (
            len(merged) == len(ours) == len(theirs)
            and (merged["frequency"] == merged["frequency_duckdb"]).all()
            and (merged["last_purchase"] == merged["last_purchase_duckdb"].astype("datetime64[ns]")).all()
            and np.allclose(merged["monetary"], merged["monetary_duckdb"], rtol=1e-9)
        )
        out["same_figures"] = bool(same)
        out["lines"] = len(master.transactions)
    out["peak_mib"] = peak_mib()
    return out


def main() -> None:
    if ran_as_step(step):
        return
    if sys.argv[1:2] == ["--build"]:
        build(Path(sys.argv[3]), int(sys.argv[2]))
        return
    lines = int(sys.argv[1]) if len(sys.argv) > 1 else 250_000
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        subprocess.run([sys.executable, __file__, "--build", str(lines), tmp], check=True)
        paths = {name: Path(tmp) / name / "master.xlsx" for name in ("workbook", "store", "split")}
        print(
            f"{lines:,} sales lines and {lines // 4:,} payments; masters built in {time.perf_counter() - started:.0f} s"
        )
        for name, path in paths.items():
            print(f"load {name:<9}", json.dumps(run_step(__file__, "load", path)))
        copy = Path(tmp) / "archive" / "master.xlsx"
        copy.parent.mkdir()
        shutil.copy2(paths["workbook"], copy)
        print("archive       ", json.dumps(run_step(__file__, "archive", copy)))
        print("rfm (store)   ", json.dumps(run_step(__file__, "rfm", paths["store"])))


if __name__ == "__main__":
    main()
