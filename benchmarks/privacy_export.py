"""What leaving personal data out of an export costs: the demo master (default 600 customers) exported as a copy,
``--without-sensitive`` and ``--pseudonymize``, each the median of three runs.

Run: python benchmarks/privacy_export.py [customers]
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

from keyacct_xl.demo.company import generate_demo
from keyacct_xl.master.export import export_master
from keyacct_xl.master.reader import load_master
from keyacct_xl.master.tablememo import forget_tables
from keyacct_xl.master.writer import save_master


def median_seconds(run, repeat: int = 3) -> float:
    """Median wall time of ``repeat`` calls of ``run``."""
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def _fresh_export(master: Path, out: Path, options: dict) -> None:
    """One export as a new process runs it: no table kept in memory from the run before."""
    forget_tables()
    export_master(master, out, **options)


def main(customers: int) -> None:
    """Print the rows of the master and the time of each kind of export."""
    with tempfile.TemporaryDirectory() as folder:
        master = save_master(generate_demo(seed=1, customers=customers), Path(folder) / "master.xlsx", backup=False)
        loaded = load_master(master)
        print(
            f"{customers} customers: {len(loaded.contacts):,} contacts, {len(loaded.transactions):,} sales lines, "
            f"{len(loaded.visits):,} visits; {master.stat().st_size / 2**20:.1f} MiB"
        )
        out = Path(folder) / "export.xlsx"
        for label, options in (
            ("copy", {}),
            ("--without-sensitive", {"without_sensitive": True}),
            ("--pseudonymize", {"key": bytes(32)}),
        ):
            seconds = median_seconds(lambda options=options: _fresh_export(master, out, options))
            print(f"{label:<22}{seconds:8.2f} s")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 600)
