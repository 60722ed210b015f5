"""The history store's check of the batches a master names, and the commands it runs before: a store of many batches.

Run: python benchmarks/history_batches.py [--batches 40] [--lines 5000] [--baseline PATH] [--repeat 2]

A master is built once: ``--batches`` batches written by the store's own ``write_batch`` (each ``--lines`` sales
lines and a quarter as many payments over three months, 3 files per table, as an ERP export imported per quarter
leaves them) and 20,000 sales lines of later days in the workbook. Each step then runs on a fresh copy of the master
and its store, in a process of its own (CPU seconds of all threads, wall seconds, imports excluded):

- check: ``readable_batches`` of every named batch alone (what each move and ``status`` run first);
- status: ``history status``;
- archive: ``history archive --before 2024-07-01`` (half the workbook's lines move; write, verify, save);
- restore: ``history restore`` (every stored line back into the workbook, saved).

With ``--baseline PATH`` (a checkout of another commit, ``git archive``), each step also runs with that package, in
the same run, alternating, so both are measured on the same machine under the same load.
"""

from __future__ import annotations

import argparse
import functools
import json
import shutil
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import machine_line, ran_as_step, run_step, timed_part, typed  # (what the other benchmarks measure alike)

FIRST = pd.Timestamp("2019-01-01")
ARCHIVE_BEFORE = pd.Timestamp("2024-07-01")
STEPS = ("check", "status", "archive", "restore")


def lines(rows: int, start: pd.Timestamp, days: int, seed: int) -> dict[str, pd.DataFrame]:
    """Sales lines and a quarter as many payments over ``days`` days from ``start``, typed as a load types them."""
    from keyacct_xl.master.schema import PAYMENTS, TRANSACTIONS

    rng = np.random.default_rng(seed)

    def dates(n: int) -> pd.Series:
        return pd.Series(np.sort(start + pd.to_timedelta(rng.integers(0, days, n), unit="D")))

    sales = pd.DataFrame(
        {
            "doc_no": pd.Series(np.char.add(f"XS{seed}-", rng.integers(0, rows // 3, rows).astype(str)), dtype=object),
            "date": dates(rows),
            "customer_id": pd.Series(np.char.add("C", rng.integers(0, 5_000, rows).astype(str)), dtype=object),
            "product": pd.Series(rng.choice(["46#抗磨液压油 200L", "黄油 15kg", "齿轮油 18L"], rows), dtype=object),
            "qty": rng.integers(1, 50, rows).astype(float),
            "unit_price": rng.uniform(50, 2000, rows).round(2),
            "amount": rng.uniform(50, 100_000, rows).round(2),
            "rep": pd.Series(rng.choice(["王伟", "李娜", "张敏", "刘洋"], rows), dtype=object),
        }
    )
    receipts = pd.DataFrame(
        {
            "receipt_no": pd.Series(np.char.add(f"SK{seed}-", np.arange(rows // 4).astype(str)), dtype=object),
            "date": dates(rows // 4),
            "customer_id": pd.Series(np.char.add("C", rng.integers(0, 5_000, rows // 4).astype(str)), dtype=object),
            "amount": rng.uniform(100, 200_000, rows // 4).round(2),
        }
    )
    return {"Transactions": typed(TRANSACTIONS, sales), "Payments": typed(PAYMENTS, receipts)}


def build(folder: Path, batches: int, rows: int) -> Path:
    """The master of the module docstring, at ``folder/master.xlsx``."""
    import dataclasses

    from keyacct_xl.history.store import month_ordered, store_path, write_batch
    from keyacct_xl.master.model import Master
    from keyacct_xl.master.writer import save_master

    path = folder / "master.xlsx"
    named: list[str] = []
    for i in range(batches):
        start = FIRST + pd.DateOffset(months=i)
        frames = {name: month_ordered(f) for name, f in lines(rows, start, 90, seed=i).items()}
        named.append(write_batch(store_path(path), start + pd.DateOffset(months=3), frames, after=named).id)
    master = Master.empty()
    recent = lines(20_000, pd.Timestamp("2024-01-01"), 365, seed=batches)
    master.transactions, master.payments = recent["Transactions"], recent["Payments"]
    master.settings = dataclasses.replace(master.settings, history_store=",".join(named))
    save_master(master, path, backup=False)
    return path


def step(name: str, path: Path) -> dict[str, object]:
    """One measured step, in this process, on the master at ``path``."""
    from keyacct_xl.history.archive import archive, restore, status
    from keyacct_xl.history.store import committed_batches, readable_batches
    from keyacct_xl.master.reader import load_master

    out: dict[str, object] = {}
    timed = functools.partial(timed_part, out)
    if name == "check":
        named = committed_batches(load_master(path, history=False).settings)
        timed(name, lambda: readable_batches(path, named))
    elif name == "status":
        seen = timed(name, lambda: status(path))
        out["stored"] = {t: s.lines for t, s in seen.stored.items()}
    elif name == "archive":
        out["moved"] = sum(timed(name, lambda: archive(path, ARCHIVE_BEFORE)).lines.values())
    elif name == "restore":
        out["moved"] = sum(timed(name, lambda: restore(path)).lines.values())
    return out


def fresh_copy(master: Path, into: Path) -> Path:
    """A copy of ``master`` and its store in the folder ``into`` (replaced when there)."""
    shutil.rmtree(into, ignore_errors=True)
    shutil.copytree(master.parent, into)
    return into / master.name


def main() -> None:
    if ran_as_step(step):
        return
    parser = argparse.ArgumentParser()
    parser.add_argument("--batches", type=int, default=40)
    parser.add_argument("--lines", type=int, default=5_000)
    parser.add_argument("--baseline", type=Path)
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        master = build(Path(tmp) / "master", args.batches, args.lines)
        files = sum(1 for _ in (master.parent / "master.kx").rglob("*.parquet"))
        print(f"{args.batches} batches x {args.lines:,} sales lines (+ a quarter as many payments), {files} files")
        roots = {"this": None, **({"baseline": args.baseline} if args.baseline else {})}
        for name in STEPS:
            for attempt in range(args.repeat):
                for label, root in roots.items():
                    copy = fresh_copy(master, Path(tmp) / "run")
                    figures = run_step(__file__, name, copy, root)
                    print(f"{name:<8} {label:<9} #{attempt + 1}", json.dumps(figures))
    print(machine_line())


if __name__ == "__main__":
    main()
