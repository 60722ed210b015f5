"""Benchmark: what cells of another kind than their column's cost a load and a save: the sales lines' document
numbers (a text column) pasted as numbers in every line, against the same numbers typed as text, with this tree's
reader and writer against an earlier commit's, in one run.

The demo company's master (600 customers, 60,281 sales lines) is given its document numbers as text, or as numbers
(what a pasted ERP export holds), by this tree's save, once per variant; each way then loads that file with no store
(nothing cached; a process of its own) and saves Transactions after one change. The earlier commit writes the numbers
back as text; this tree records each and writes it back as the number it was.

Run by hand: ``python benchmarks/typed_cells.py [--rounds 3] [--baseline REF] [--work DIR]``. Figures go into
docs/master.md ("Writing", the paragraph on cells of another kind).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import demo_master, machine_line, ran_as_step, run_step_on_copy, timed_part, work_folder  # (measured alike)
from master_save import _unpack  # the earlier commit's package, unpacked for PYTHONPATH

VARIANTS = ("text", "numbers")
WAYS = ("before", "after")


def _with_numbers(demo: Path, variant: str, folder: Path) -> Path:
    """The demo master with every sales line's document number a number: typed as text, or as a number."""
    import pandas as pd

    from keyacct_xl.master.reader import load_master
    from keyacct_xl.master.writer import save_master

    path = folder / f"{variant}.xlsx"
    if not path.exists():
        master = load_master(demo)
        numbers = (master.transactions.index + 10_000_000).astype(float)
        values = [str(int(n)) for n in numbers] if variant == "text" else list(numbers)
        master.transactions["doc_no"] = pd.Series(values, index=master.transactions.index, dtype=object)
        save_master(master, path, backup=False)
    return path


def step(name: str, path: Path) -> dict[str, object]:
    """Load the copy of the master at ``path`` and save its sales lines after one change, in this process."""
    from keyacct_xl.master.reader import load_master
    from keyacct_xl.master.writer import save_master

    figures: dict[str, object] = {}
    master = timed_part(figures, "load", lambda: load_master(path))
    master.transactions.loc[0, "amount"] = 1.0
    timed_part(figures, "save", lambda: save_master(master, tables=["Transactions"], backup=False))
    return figures


def main() -> None:
    if ran_as_step(step):
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--baseline", default="main", help="the commit to compare with")
    parser.add_argument("--work", type=Path, help="keep the masters here and reuse them")
    args = parser.parse_args()
    with work_folder(args.work) as work, tempfile.TemporaryDirectory() as unpacked:
        earlier = _unpack(args.baseline, Path(unpacked))
        demo = demo_master(work / "demo.xlsx", seed=7)
        masters = {v: _with_numbers(demo, v, work) for v in VARIANTS}
        print(f"before: {args.baseline}; after: the working tree at {Path(__file__).resolve().parents[1]}")
        found: dict[tuple[str, str], list[dict[str, object]]] = {}
        for _ in range(args.rounds):
            for variant in VARIANTS:
                for way in WAYS:
                    root = earlier if way == "before" else None
                    figures = run_step_on_copy(__file__, variant, masters[variant], work / f"copy-{variant}.xlsx", root)
                    found.setdefault((variant, way), []).append(figures)
                    print(f"{variant:8} {way:7} {json.dumps(figures)}")
        print("median of the rounds (CPU s / wall s):")
        for (variant, way), runs in found.items():
            parts = [
                f"{part} {statistics.median(r[part]['cpu'] for r in runs):.3f} / "  # type: ignore[index]
                f"{statistics.median(r[part]['wall'] for r in runs):.3f}"  # type: ignore[index]
                for part in ("load", "save")
            ]
            print(f"  {variant:8} {way:7} {'; '.join(parts)}")
    print(machine_line())


if __name__ == "__main__":
    main()
