"""Benchmark: what reading a returned form and its totals' formulas costs a consolidation worker, per file.

Run by hand: ``python benchmarks/form_totals.py [--rounds 200]``. Figures go into docs/consolidation.md.

For every consolidated form with totals, its filled example (zh) is screened and read as a worker does
(``check_file`` then ``recognize.extract``, which finds the totals and reads their formulas from the sheet part),
and the formula reading alone is timed on the same file (``cellformulas.formula_reader`` on the total cells);
best of three runs of ``--rounds`` files each, in milliseconds per file.
"""

from __future__ import annotations

import argparse
import functools
import time
from collections.abc import Callable

from keyacct_xl.cellformulas import formula_reader
from keyacct_xl.consolidate.examples import load_example
from keyacct_xl.consolidate.headermatch import MAX_SCAN_ROWS
from keyacct_xl.consolidate.recognize import extract, open_book
from keyacct_xl.consolidate.routes import ROUTES
from keyacct_xl.consolidate.safety import check_file
from keyacct_xl.consolidate.totals import total_places
from keyacct_xl.forms.catalog import load_form


def _best(run: Callable[[], object], rounds: int) -> float:
    """Milliseconds per call, best of three runs of ``rounds`` calls."""
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        for _ in range(rounds):
            run()
        best = min(best, (time.perf_counter() - start) / rounds * 1000)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=200)
    args = parser.parse_args()
    specs = {form_id: load_form(form_id) for form_id in ROUTES}
    totalled = sorted(f for f, spec in specs.items() if any(x.total for s in spec.tables for x in s.fields))
    print(f"{'form':<20} {'read (ms)':>10} {'formulas (ms)':>14} {'totals':>7}")
    for form_id in totalled:
        data = load_example(form_id).workbook("zh")

        def read(data: bytes = data) -> object:
            verdict = check_file("form.xlsx", data)
            return extract(data, verdict.kind, specs, "form.xlsx", package=verdict.package)

        extracted = read()
        sheet = next(iter(extracted.tables.values())).sheet
        book = open_book(data)
        calamine_sheet = book.get_sheet_by_name(sheet)
        rows = calamine_sheet.to_python(skip_empty_area=False, nrows=MAX_SCAN_ROWS)
        merged = list(calamine_sheet.merged_cell_ranges or ())
        cells = [p.cell for p in total_places(specs[form_id], extracted.tables, sheet, rows, merged)]
        formulas = functools.partial(formula_reader("xlsx", data, None, sheet), cells)
        print(f"{form_id:<20} {_best(read, args.rounds):>10.2f} {_best(formulas, args.rounds):>14.2f} {len(cells):>7}")


if __name__ == "__main__":
    main()
