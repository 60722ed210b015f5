"""Benchmark: ``master check``'s likely duplicates (every customer against the ones above it) and a customer list's
import plan, on the demo company's customers.

Run by hand: ``python benchmarks/likely_duplicates.py [--customers 600 4000]``. Figures go into docs/master.md
("Starting with your own customer list"). Each figure is the best of three runs of the function alone, the
customers already in memory.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import pandas as pd

from keyacct_xl.analytics.apply import CREDIT_GRADES
from keyacct_xl.consolidate.customerimport import plan_import
from keyacct_xl.consolidate.customerlist import CustomerList, ListRow, header_columns
from keyacct_xl.consolidate.customerrows import typed_rows
from keyacct_xl.consolidate.dedupe import likely_duplicates
from keyacct_xl.demo.company import generate_demo

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import machine_line  # (the closing line every benchmark prints)

LIST_COLUMNS = ("name", "phone", "address", "city", "first_trade_date", "rep")
GRADES = {"grades": ("VIP", "A", "B", "C"), "credit_grades": CREDIT_GRADES}  # the list gives none: nothing to check


def best_of_three(run) -> float:
    times = []
    for _ in range(3):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return min(times)


def as_list(customers) -> CustomerList:
    """The demo customers as a list a manager keeps (zh headers, a phone as a number), to import into an empty
    archive: every row is typed and looked up among the rows above it; a blank cell is None, as calamine gives it."""
    headers = ["客户名称", "联系电话", "地址", "城市", "首次交易日期", "业务员"]
    rows = tuple(
        ListRow(i + 2, tuple(None if pd.isna(v) else v for v in (getattr(r, c) for c in LIST_COLUMNS)))
        for i, r in enumerate(customers[list(LIST_COLUMNS)].itertuples())
    )
    return CustomerList("list.xlsx", "客户名单", 1, header_columns(headers), rows)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, nargs="+", default=[600, 4000])
    args = parser.parse_args()
    for count in args.customers:
        customers = generate_demo(customers=count).customers
        found = likely_duplicates(customers)
        check = best_of_three(lambda c=customers: likely_duplicates(c))
        listed = as_list(customers)
        empty = customers.iloc[:0]
        plan = best_of_three(
            lambda: plan_import(typed_rows(listed, **GRADES), empty, id_pattern="C{0000}", update=False)  # noqa: B023
        )
        print(
            f"{count:,} customers: likely duplicates {check:.2f} s ({len(found)} found); "
            f"a list of them typed and planned into an empty master {plan:.2f} s"
        )
    print(machine_line())


if __name__ == "__main__":
    main()
