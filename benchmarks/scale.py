"""The cost curve of the master at 10^5, 10^6 and 10^7 sales lines: load, RFM, the grading review, the general
manager's monthly pack, and the load cache against today's per-cell load.

Run: python benchmarks/scale.py LINES [--workbook] [--split] [--rounds 3] [--work DIR]

The masters are the demo company's (2,000 customers, their reps and Settings) with LINES synthetic sales lines for
those customers (2023-11-01..2026-10-31) and a quarter as many receipts, built in a process of their own:

- "store": every line imported into the history store by ``history import`` (from a Parquet file, as an ERP
  export comes), the workbook holding none of them;
- "workbook" (``--workbook``, up to the 1,048,575 lines a sheet holds): every line in the workbook;
- "split" (``--split``): the lines from 2026-09-01 on in the workbook, the older ones imported into the store, so
  RFM, the grading review and the monthly pack can be checked equal to the "store" master's.

Each step runs in a process of its own and reports CPU seconds (all threads: the figure that holds on a busy
machine), wall seconds and peak RSS (VmHWM, imports included):

- ``cells``: today's load, every table converted cell by cell (calamine's rows through ``convert``: what
  ``load_master`` did before the Arrow reader and the cache), plus the store's lines;
- ``cold``: ``load_master`` with no cache (every table through Arrow, then cached);
- ``warm``: ``load_master`` again, nothing changed (every table from the cache);
- ``changed``: ``load_master`` after our save rewrote Transactions with one amount changed (that table through
  Arrow, the others from the cache), repeated in ``--rounds`` alternating rounds with ``fastexcel``, ``cells`` and
  ``warm`` (each round's changed load starts without the table's cache file, as the first load after a change);
- ``fastexcel``: fastexcel's Arrow read of the same Transactions table, nothing else;
- ``analyses``: ``load_master``, then ``run_rfm`` (all periods), ``run_grading_review`` for 2025 and ``run_gm_pack``
  for 2026-10 (``load_store`` of the plans and the workbook written, as ``report gm`` does), each timed.
"""

from __future__ import annotations

import argparse
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

CUSTOMERS = 2_000
SPLIT = pd.Timestamp("2026-09-01")
YEAR = 2025
GM_MONTH = "2026-10"  # the last month of the synthetic lines


def sales(rows: int, customers: list[str], reps: dict[str, str]) -> pd.DataFrame:
    """Synthetic sales lines over three years for the demo's customers, with each customer's own rep."""
    rng = np.random.default_rng(7)
    who = np.asarray(customers, dtype=object)[rng.integers(0, len(customers), rows)]
    return pd.DataFrame(
        {
            "doc_no": pd.Series(np.char.add("XS", rng.integers(0, max(rows // 3, 1), rows).astype(str)), dtype=object),
            "date": pd.Timestamp("2023-11-01") + pd.to_timedelta(rng.integers(0, 1096, rows), unit="D"),
            "customer_id": pd.Series(who, dtype=object),
            "product": pd.Series(rng.choice(["46#抗磨液压油 200L", "黄油 15kg", "齿轮油 18L"], rows), dtype=object),
            "category": pd.Series(rng.choice(["液压油", "润滑脂", "齿轮油"], rows), dtype=object),
            "qty": rng.integers(1, 50, rows).astype(float),
            "unit_price": rng.uniform(50, 2000, rows).round(2),
            "amount": rng.uniform(50, 20_000, rows).round(2),
            "cost": rng.uniform(40, 16_000, rows).round(2),
            "rep": pd.Series([reps[c] for c in who], dtype=object),
        }
    )


def receipts(rows: int, customers: list[str]) -> pd.DataFrame:
    """Synthetic receipts over the same customers and days."""
    rng = np.random.default_rng(11)
    return pd.DataFrame(
        {
            "receipt_no": pd.Series(np.char.add("SK", np.arange(rows).astype(str)), dtype=object),
            "date": pd.Timestamp("2023-11-01") + pd.to_timedelta(rng.integers(0, 1096, rows), unit="D"),
            "customer_id": pd.Series(np.asarray(customers, dtype=object)[rng.integers(0, len(customers), rows)]),
            "amount": rng.uniform(100, 40_000, rows).round(2),
            "method": pd.Series(rng.choice(["银行转账", "承兑汇票", "现金"], rows), dtype=object),
        }
    )


def build(folder: Path, lines: int, masters: list[str]) -> dict[str, float]:
    """The masters of the module docstring; CPU seconds of each import and save."""
    from keyacct_xl.demo.company import generate_demo
    from keyacct_xl.history.ingest import import_lines
    from keyacct_xl.master.writer import save_master

    demo = generate_demo(seed=1, customers=CUSTOMERS)
    ids = demo.customers["customer_id"].tolist()
    tx = sales(lines, ids, dict(zip(demo.customers["customer_id"], demo.customers["rep"])))
    pay = receipts(lines // 4, ids)
    exports = {"transactions": folder / "transactions.parquet", "payments": folder / "payments.parquet"}
    tx.to_parquet(exports["transactions"])
    pay.to_parquet(exports["payments"])
    costs = {}

    def empty_master(name: str) -> Path:
        demo.transactions, demo.payments = tx.iloc[:0], pay.iloc[:0]
        (folder / name).mkdir()
        return save_master(demo, folder / name / "master.xlsx", backup=False)

    if "store" in masters:
        path = empty_master("store")
        for table, export in exports.items():
            cpu = time.process_time()
            import_lines(path, export, table)
            costs[f"import {table}"] = round(time.process_time() - cpu, 2)
    if "workbook" in masters:
        demo.transactions, demo.payments = tx, pay
        (folder / "workbook").mkdir()
        cpu = time.process_time()
        save_master(demo, folder / "workbook" / "master.xlsx", backup=False)
        costs["save workbook"] = round(time.process_time() - cpu, 2)
    if "split" in masters:
        path = empty_master("split")
        older = {"transactions": tx[tx["date"] < SPLIT], "payments": pay[pay["date"] < SPLIT]}
        for table, lines_before in older.items():
            lines_before.to_parquet(folder / f"older-{table}.parquet")
            import_lines(path, folder / f"older-{table}.parquet", table)
        from keyacct_xl.master.reader import load_master

        master = load_master(path)
        master.transactions = pd.concat([master.transactions, tx[tx["date"] >= SPLIT]], ignore_index=True)
        master.payments = pd.concat([master.payments, pay[pay["date"] >= SPLIT]], ignore_index=True)
        save_master(master, path, tables=["Transactions", "Payments"], backup=False)
    for export in exports.values():
        export.unlink()
    return costs


def cells_load(path: Path) -> object:
    """Today's load before the Arrow reader and the cache: every table's cells through calamine and ``convert``."""
    from keyacct_xl.master import reader
    from keyacct_xl.master.schema import ALL_TABLES, SETTINGS

    book = reader.open_master_book(path)
    frames = {t.attr: reader.read_table(book, t, path)[0] for t in ALL_TABLES}
    settings = reader.read_settings(book, path)
    frames.pop(SETTINGS.attr)
    reader._with_history(path, frames, settings)
    return frames


def step(name: str, path: Path) -> dict[str, object]:
    """One measured step, in this process."""
    out: dict[str, object] = {}

    timed = functools.partial(timed_part, out)

    from keyacct_xl.master.reader import load_master

    if name == "cells":
        timed("load", lambda: cells_load(path))
    elif name in ("cold", "warm", "changed"):
        if name == "changed":  # as after the first load of the change: the table's cache under its old key only
            for cached in (path.parent / "master.kx" / "cache").glob("transactions-*.parquet"):
                cached.unlink()
        master = timed("load", lambda: load_master(path))
        out["lines"] = len(master.transactions)
    elif name == "fastexcel":
        import fastexcel

        timed("load", lambda: fastexcel.read_excel(path).load_table("Transactions").to_arrow())
    elif name == "analyses":
        from keyacct_xl.analytics.grading_run import run_grading_review
        from keyacct_xl.analytics.usecase import rfm_options, run_rfm
        from keyacct_xl.briefing.usecase import run_gm_pack
        from keyacct_xl.consolidate.store import load_store

        master = timed("load", lambda: load_master(path))
        options = rfm_options(master.settings, period_months=0)
        rfm = timed("rfm", lambda: run_rfm(master.transactions, options).table)
        review = timed("grade", lambda: run_grading_review(master, year=YEAR, lang="en").review.table)
        pack = timed(
            "gm",
            lambda: run_gm_pack(master, load_store(path).frames, period=GM_MONTH, out=path.parent / "gm.xlsx"),
        )
        out["lines"] = len(master.transactions)
        # Equal to the cent: sums taken over the same lines in another order differ in their last bits.
        gm = _digest(pack.kpis.drop(columns=["kind", "sheet"]), by="kpi") + " " + _digest(pack.top)
        out["digest"] = {"rfm": _digest(rfm), "grade": _digest(review), "gm": gm}
    out["peak_mib"] = peak_mib()
    return out


def _digest(table: pd.DataFrame, by: str = "customer_id") -> str:
    """A digest of a result table, row by row in the order of ``by``, numbers rounded to the cent."""
    rounded = table.sort_values(by).round(2).reset_index(drop=True)
    return str(pd.util.hash_pandas_object(rounded, index=False).sum())


def change_one_amount(path: Path) -> None:
    """Our save of Transactions with its first amount changed: the table's parts change, no other table's."""
    from keyacct_xl.master.reader import load_master
    from keyacct_xl.master.writer import save_master

    master = load_master(path)
    master.transactions.loc[0, "amount"] += 1
    save_master(master, path, tables=["Transactions"], backup=False)


def main() -> None:
    if ran_as_step(step):
        return
    if sys.argv[1:2] == ["--build"]:
        print(json.dumps(build(Path(sys.argv[3]), int(sys.argv[2]), sys.argv[4].split(","))))
        return
    if sys.argv[1:2] == ["--change"]:
        change_one_amount(Path(sys.argv[2]))
        return
    parser = argparse.ArgumentParser()
    parser.add_argument("lines", type=int)
    parser.add_argument("--workbook", action="store_true")
    parser.add_argument("--split", action="store_true")
    parser.add_argument("--work", type=Path)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    masters = ["store", *(["workbook"] if args.workbook else []), *(["split"] if args.split else [])]
    work = args.work or Path(tempfile.mkdtemp())
    try:
        started = time.perf_counter()
        if all((work / m / "master.xlsx").exists() for m in masters):  # built by an earlier run with --work
            print(f"{args.lines:,} sales lines, {args.lines // 4:,} receipts; masters of {work} reused")
            shutil.rmtree(work / "workbook" / "master.kx" / "cache", ignore_errors=True)  # a cold load again
        else:
            built = subprocess.run(
                [sys.executable, __file__, "--build", str(args.lines), str(work), ",".join(masters)],
                capture_output=True,
                text=True,
                check=True,
            )
            took = time.perf_counter() - started
            print(f"{args.lines:,} sales lines, {args.lines // 4:,} receipts; built in {took:.0f} s")
            print("build          ", built.stdout.strip().splitlines()[-1])
        if args.workbook:
            path = work / "workbook" / "master.xlsx"
            for name in ("cells", "cold", "warm"):
                print(f"{name:<15}", json.dumps(run_step(__file__, name, path)))
            subprocess.run([sys.executable, __file__, "--change", str(path)], check=True)
            # Alternating rounds on a busy machine: the ratios are taken within a round.
            for _ in range(args.rounds):
                for name in ("changed", "fastexcel", "cells", "warm"):
                    print(f"{name:<15}", json.dumps(run_step(__file__, name, path)))
        for master in ("store", *(["split"] if args.split else [])):
            print(f"analyses {master:<6}", json.dumps(run_step(__file__, "analyses", work / master / "master.xlsx")))
    finally:
        if args.work is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
