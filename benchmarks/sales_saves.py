"""What a load and a save of the sales lines cost, this tree against an earlier commit, for masters that differ in
one column (shared by mixed_column.py and typed_cells.py): each variant's master built once by this tree, then
loaded with no store (nothing cached; a process of its own) and saved after one change, each way, each round."""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

from common import demo_master, machine_line, ran_as_step, run_step_on_copy, timed_part, work_folder
from master_save import _unpack  # the earlier commit's package, unpacked for PYTHONPATH

WAYS = ("before", "after")


def load_and_save(name: str, path: Path) -> dict[str, object]:
    """Load the copy of the master at ``path`` and save its sales lines after one change, in this process."""
    from keyacct_xl.master.reader import load_master
    from keyacct_xl.master.writer import save_master

    figures: dict[str, object] = {}
    master = timed_part(figures, "load", lambda: load_master(path))
    master.transactions.loc[0, "amount"] = 1.0
    timed_part(figures, "save", lambda: save_master(master, tables=["Transactions"], backup=False))
    return figures


def compare(script: str, description: str, variants: Sequence[str], build: Callable[[Path, str, Path], Path]) -> None:
    """The benchmark's main: ``build(demo, variant, folder)`` makes each variant's master; the medians printed."""
    if ran_as_step(load_and_save):
        return
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--baseline", default="main", help="the commit to compare with")
    parser.add_argument("--work", type=Path, help="keep the masters here and reuse them")
    args = parser.parse_args()
    with work_folder(args.work) as work, tempfile.TemporaryDirectory() as unpacked:
        earlier = _unpack(args.baseline, Path(unpacked))
        demo = demo_master(work / "demo.xlsx", seed=7)
        masters = {v: build(demo, v, work) for v in variants}
        print(f"before: {args.baseline}; after: the working tree at {Path(script).resolve().parents[1]}")
        found: dict[tuple[str, str], list[dict[str, object]]] = {}
        for _ in range(args.rounds):
            for variant in variants:
                for way in WAYS:
                    root = earlier if way == "before" else None
                    figures = run_step_on_copy(script, variant, masters[variant], work / f"copy-{variant}.xlsx", root)
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
