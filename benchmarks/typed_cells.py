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

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from sales_saves import compare  # measured alike

VARIANTS = ("text", "numbers")


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


def main() -> None:
    compare(__file__, __doc__.splitlines()[0], VARIANTS, _with_numbers)


if __name__ == "__main__":
    main()
