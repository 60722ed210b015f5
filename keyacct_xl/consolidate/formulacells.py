"""Which cells of a consolidation table hold a formula in the master's sheet: computed, not typed by hand.

A person who adds a column of their own to a table often fills it with a formula (天数 ``=TODAY()-C2``, a
calculated column Excel fills into every row); the undo names what was typed beside the rows it removes, and a
formula's result is no such thing. The reader reads cached values only, so the sheet is read for its formulas.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from keyacct_xl.consolidate.store import Store
from keyacct_xl.master.offkind import read_positions
from keyacct_xl.xlsx.keptcells import formula_table_cells, may_hold_formulas
from keyacct_xl.xlsx.package import locate_tables, open_package, read_part
from keyacct_xl.xlsx.tablepart import table_headers


def formula_cells(store: Store, table: str, labels: Iterable[object]) -> set[tuple[object, str]]:
    """(row label, column label) of the cells holding a formula, among the rows ``labels`` of ``table`` as the
    master's sheet holds them; rows added since the load hold none."""
    where = store.rows.get(table)
    if where is None:
        return set()
    with open_package(store.path) as archive:
        location = locate_tables(archive).get(table)
        if location is None:
            return set()
        sheet_xml = read_part(archive, location.sheet_part)
        if not may_hold_formulas(sheet_xml):
            return set()
        headers = table_headers(read_part(archive, location.table_part), location.table_part)
    found = formula_table_cells(sheet_xml, location.sheet_part, location.cells())
    first_col = location.cells()[1]
    label_of = {text: label for label, text in store.headers.get(table, {}).items()}
    excel_rows = where.excel_rows()
    wanted = list(labels)
    positions = read_positions(pd.Index(wanted), where.count)
    cells = set()
    for label, position in zip(wanted, positions):
        if not 0 <= position < len(excel_rows):
            continue
        for col, cell in found.get(int(excel_rows[position]), {}).items():
            if cell.formula is not None and 0 <= col - first_col < len(headers):
                header = headers[col - first_col]
                cells.add((label, label_of.get(header, header)))
    return cells
