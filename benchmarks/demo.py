"""The demo company: generator and save time, peak memory, and the figures docs/demo.md tabulates.

Run by hand: ``python benchmarks/demo.py [--seed N] [--customers N]``.
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from keyacct_xl.demo.company import generate_demo
from keyacct_xl.master.model import Master
from keyacct_xl.master.writer import save_master

END = pd.Timestamp("2026-10-31")


def figures(master: Master) -> list[str]:
    """The figures docs/demo.md states, computed the way tests/test_demo.py measures them."""
    c, t, p = master.customers, master.transactions, master.payments
    xs, th = t[t["doc_no"].str.startswith("XS")], t[t["doc_no"].str.startswith("TH")]
    revenue = t.groupby("customer_id")["amount"].sum().reindex(c["customer_id"], fill_value=0)
    ranked = revenue.sort_values(ascending=False)
    first, last = t.groupby("customer_id")["date"].min(), t.groupby("customer_id")["date"].max()
    silent = (END - last).dt.days
    years = pd.cut(t["date"], pd.to_datetime(["2023-10-31", "2024-10-31", "2025-10-31", "2026-10-31"]))
    month = t.groupby(t["date"].dt.month)["amount"].sum()
    balance = t.groupby("customer_id")["amount"].sum().sub(p.groupby("customer_id")["amount"].sum(), fill_value=0)
    bad = balance[(last < END - pd.Timedelta(days=183)).reindex(balance.index) & (balance > 1000)]
    docs = xs.groupby("doc_no").agg(
        date=("date", "first"), customer_id=("customer_id", "first"), amount=("amount", "sum")
    )
    terms = docs["customer_id"].map(c.set_index("customer_id")["payment_terms_days"]).astype(float)
    ref = p.dropna(subset=["reference"])
    late = (ref["date"].to_numpy() - docs.loc[ref["reference"], "date"].to_numpy()) / np.timedelta64(
        1, "D"
    ) - terms.loc[ref["reference"]].to_numpy()
    late = pd.Series(late, index=ref["customer_id"].to_numpy())
    paid = ref.groupby("reference")["amount"].agg(["sum", "size"])
    chronic = (late.groupby(level=0).median() > 30).sum()
    overpaid = (paid["sum"] > docs.loc[paid.index, "amount"] + 1).sum()
    margin = t.groupby("category").apply(lambda d: 1 - d["cost"].sum() / d["amount"].sum(), include_groups=False)
    return [
        f"regions {c['region'].value_counts().to_dict()}; cities {c['city'].nunique()}; "
        f"industries {c['industry'].nunique()}; reps {c['rep'].nunique()}",
        f"lines {len(t):,}; invoices {xs['doc_no'].nunique():,}; credit notes {th['doc_no'].nunique()} "
        f"(¥{th['amount'].sum() / 1e6:.2f} M)",
        f"revenue by business year (M) {(t.groupby(years, observed=True)['amount'].sum() / 1e6).round(1).tolist()}",
        f"gross margin {1 - t['cost'].sum() / t['amount'].sum():.3f}; by category {margin.round(3).to_dict()}",
        f"top 20 % share {ranked.iloc[: len(ranked) // 5].sum() / ranked.sum():.3f}",
        f"month shares {(month / month.mean()).round(2).to_dict()}",
        f"new {(first > END - pd.DateOffset(months=6)).sum()}; lapsed {((silent > 183) & (silent <= 548)).sum()}; "
        f"prospects {(~c['customer_id'].isin(t['customer_id'])).sum()}",
        f"grades {c['grade'].value_counts().to_dict()}; "
        f"credit {c['credit_grade'].value_counts(dropna=False).to_dict()}",
        f"grade history {master.grade_history['year'].value_counts().sort_index().to_dict()}",
        f"payments {len(p):,} (¥{p['amount'].sum() / 1e6:.1f} M); blank reference {p['reference'].isna().mean():.3f}; "
        f"methods {p['method'].value_counts().to_dict()}",
        f"median days past terms {late.median():.0f}; chronic late payers {chronic}; "
        f"invoices paid in parts {(paid['size'] >= 2).sum()}; overpaid {overpaid}",
        f"open receivables ¥{balance[balance > 0].sum() / 1e6:.1f} M; bad debts {len(bad)} (¥{bad.sum() / 1e6:.1f} M)",
        f"contacts {len(master.contacts):,}; Mackay profiles {master.contacts['health'].notna().sum()}",
        f"visits {len(master.visits):,} {master.visits['method'].value_counts().to_dict()}",
        f"opportunities {len(master.opportunities)} {master.opportunities['stage'].value_counts().to_dict()}",
        f"competitor notes {len(master.competitors)}: {master.competitors['competitor'].nunique()} brands, "
        f"{master.competitors['city'].nunique()} cities",
    ]


def main() -> None:
    """Time the generator and the save, print peak RSS and the figures."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--customers", type=int, default=600)
    args = parser.parse_args()
    started = time.perf_counter()
    master = generate_demo(seed=args.seed, customers=args.customers)
    generated = time.perf_counter()
    with tempfile.TemporaryDirectory() as folder:
        path = save_master(master, Path(folder) / "master.xlsx", backup=False)
        saved = time.perf_counter()
        size = path.stat().st_size
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"generate_demo {generated - started:.2f} s; save_master {saved - generated:.2f} s; "
        f"file {size / 1e6:.1f} MB; peak RSS {peak:.0f} MB"
    )
    for line in figures(master):
        print(line)


if __name__ == "__main__":
    main()
