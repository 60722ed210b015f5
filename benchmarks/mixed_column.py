"""Benchmark: what a column the user added to the sales lines costs a load and a save, all numbers (one kind, read
at once), mixing numbers with a text in every tenth line (each cell its own kind), or times of day with a text in
every tenth line, with this tree's reader and writer against an earlier commit's (by default where this branch left
main), in one run.

The demo company's master (600 customers, 60,281 sales lines) is given the column 目标 by this tree's save, once
per variant; each way then loads that file with no store (so nothing is cached; not the memo either, a process of
its own) and saves Transactions after one change. The earlier commit reads a mixed column as text and writes it
back so: the figures say what keeping each cell's kind costs (a time of day's too, since the kind ``time``).

Run by hand: ``python benchmarks/mixed_column.py [--rounds 3] [--baseline REF] [--work DIR]``. Figures go into
docs/master.md ("Writing", the mixed column's paragraph).
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from sales_saves import compare  # measured alike

VARIANTS = ("numbers", "mixed", "times")


def _with_column(demo: Path, variant: str, folder: Path) -> Path:
    """The demo master with the column 目标 on every sales line: numbers, or numbers with 待定 in every tenth, or
    times of day (08:00 to 17:59) with 待定 in every tenth."""
    import datetime as dt

    import pandas as pd

    from keyacct_xl.master.reader import load_master
    from keyacct_xl.master.writer import save_master

    path = folder / f"{variant}.xlsx"
    if not path.exists():
        master = load_master(demo)
        values = pd.Series((master.transactions.index * 7.5).astype(float), dtype=object)
        if variant == "times":
            values = pd.Series([dt.time(8 + i % 10, i * 7 % 60) for i in master.transactions.index], dtype=object)
        if variant != "numbers":
            values[values.index % 10 == 0] = "待定"
        master.transactions["目标"] = values if variant != "numbers" else values.astype(float)
        save_master(master, path, backup=False)
    return path


def main() -> None:
    compare(__file__, __doc__.splitlines()[0], VARIANTS, _with_column)


if __name__ == "__main__":
    main()
