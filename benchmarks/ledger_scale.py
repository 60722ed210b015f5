"""Benchmark: the ledger and the matcher at 1,000,000 lines, each against the code it replaced, in the same run.

Run by hand: ``python benchmarks/ledger_scale.py [--lines 1000000] [--baseline REV] [--skip-reconcile]``. Figures go
into docs/scale.md ("Ledger and matching") and docs/receivables.md.

1. The grading review (``build_review``) on a master built in memory (benchmarks/credit_check.py's builder: 20,000
   customers, ``--lines`` sales lines each its own document, receipts naming their document for about 60 %),
   nothing loaded from disk: today's ledger, then the ledger of ``--baseline`` (a git revision, loaded from the
   repository's history) in its place; CPU and wall seconds of each, and of ``build_ledger`` alone.
   ``--demo REV``: instead, build_ledger on the demo company against the ledger of git revision ``REV``.
2. Reconciling ``--lines`` against about as many statement lines with planted differences (split payments,
   left-out lines in transit, typos, duplicates), today's matcher and the baseline's, at 10,000 lines and at
   ``--lines``: how many of each planted difference each finds, and how many of those missed are
   indistinguishable (``found``'s docstring gives the criterion).
"""

from __future__ import annotations

import argparse
import importlib.util
import itertools
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

import keyacct_xl.receivables.master_lines as ledger_owner  # where the review gets its ledger (master_ledger)
import keyacct_xl.receivables.reconcile as reconcile_module
from keyacct_xl.analytics.review import build_review
from keyacct_xl.receivables.ledger import Ledger, build_ledger
from keyacct_xl.receivables.matching import MatchOptions
from keyacct_xl.receivables.reconcile import reconcile
from keyacct_xl.receivables.statement_reader import Statement

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import machine_line  # (the closing line every benchmark prints)
from credit_check import demo_sized_master

ROOT = Path(__file__).resolve().parents[1]


def baseline_module(rev: str, path: str, name: str):
    """The module at ``path`` as it was at git revision ``rev``, imported under ``name``."""
    source = subprocess.run(["git", "show", f"{rev}:{path}"], cwd=ROOT, capture_output=True, text=True, check=True)
    folder = Path(tempfile.mkdtemp(prefix="baseline-"))
    file = folder / f"{name}.py"
    file.write_text(source.stdout, encoding="utf-8")
    spec = importlib.util.spec_from_file_location(name, file)
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    sys.modules[name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


def timed(function: Callable[[], object]) -> tuple[object, float, float]:
    """The result, CPU seconds and wall seconds of one call."""
    cpu, wall = time.process_time(), time.perf_counter()
    result = function()
    return result, time.process_time() - cpu, time.perf_counter() - wall


def bench_review(lines: int, rev: str) -> None:
    """The grading review and build_ledger, today's and the baseline's, on the same frames in memory."""
    master, _, built = timed(lambda: demo_sized_master(lines))
    print(f"{lines:,} sales lines, {len(master.payments):,} receipts: master built in memory in {built:.1f} s")
    old = baseline_module(rev, "keyacct_xl/receivables/ledger.py", "baseline_ledger")
    tx, pay, people = master.transactions, master.payments, master.customers
    # Today's ledger builds its applications when first read: read them inside the timing, as the baseline's are.
    new_ledger, cpu, wall = timed(lambda: with_applications(build_ledger(tx, pay, people)))
    old_ledger, old_cpu, old_wall = timed(lambda: old.build_ledger(tx, pay, people))
    same = new_ledger.invoices.equals(old_ledger.invoices) and new_ledger.applications.equals(old_ledger.applications)
    print(
        f"build_ledger: {cpu:.2f} s CPU / {wall:.2f} s wall; baseline {old_cpu:.2f} s CPU / {old_wall:.2f} s wall "
        f"({old_cpu / cpu:.1f}x CPU); identical invoices and applications: {same}"
    )
    review, cpu, wall = timed(lambda: build_review(master, year=2025, lang="en"))
    # The baseline's ledger in today's Ledger (the review's figures read what today's offers besides the frames);
    # it factorizes its own customer ids.
    ledger_owner.build_ledger = lambda *a, customer_ids=None, **k: as_today(old.build_ledger(*a, **k))
    try:
        old_review, old_cpu, old_wall = timed(lambda: build_review(master, year=2025, lang="en"))
    finally:
        ledger_owner.build_ledger = build_ledger
    same = review.table.equals(old_review.table)  # type: ignore[attr-defined]
    print(
        f"grading review (build_review, load excluded): {cpu:.2f} s CPU / {wall:.2f} s wall; baseline "
        f"{old_cpu:.2f} s CPU / {old_wall:.2f} s wall ({old_cpu / cpu:.1f}x CPU); identical review table: {same}"
    )


def as_today(ledger) -> Ledger:
    """A baseline revision's ledger as today's ``Ledger``, the same frames."""
    return Ledger(ledger.as_of, lambda: ledger.invoices, lambda: ledger.applications, ledger.unapplied)


def with_applications(ledger):
    """The ledger, its applications frame built."""
    assert ledger.applications is not None
    return ledger


def ledger_at(rev: str):
    """``build_ledger`` as it was at git revision ``rev``, with the ``fifo`` and ``ledger_events`` of that revision."""
    events = baseline_module(rev, "keyacct_xl/receivables/ledger_events.py", f"ledger_events_{rev}")
    queue = baseline_module(rev, "keyacct_xl/receivables/fifo.py", f"fifo_{rev}")
    source = subprocess.run(
        ["git", "show", f"{rev}:keyacct_xl/receivables/ledger.py"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    source = source.replace("from keyacct_xl.receivables import fifo", f"import {queue.__name__} as fifo")
    source = source.replace("from keyacct_xl.receivables.ledger_events import", f"from {events.__name__} import")
    folder = Path(tempfile.mkdtemp(prefix="baseline-"))
    (folder / f"ledger_{rev}.py").write_text(source, encoding="utf-8")
    spec = importlib.util.spec_from_file_location(f"ledger_{rev}", folder / f"ledger_{rev}.py")
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    sys.modules[spec.name] = module  # type: ignore[union-attr]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


def bench_demo(rev: str, rounds: int = 5) -> None:
    """build_ledger on the demo company, today's and revision ``rev``'s (before its customers mixing FIFO and
    referenced payments were decided column-wise), alternating in one process; how many customers each replays."""
    from keyacct_xl.demo.company import generate_demo
    from keyacct_xl.receivables import fifo
    from keyacct_xl.receivables.ledger_events import coded, documents, ledger_input, receipts

    master = generate_demo()
    tx, pay, people = master.transactions, master.payments, master.customers
    before = ledger_at(rev)
    today, then = [], []
    for _ in range(rounds):
        new_ledger, cpu, _ = timed(lambda: with_applications(build_ledger(tx, pay, people)))
        today.append(cpu)
        old_ledger, cpu, _ = timed(lambda: with_applications(before.build_ledger(tx, pay, people)))
        then.append(cpu)
    same = new_ledger.invoices.equals(old_ledger.invoices) and new_ledger.applications.equals(old_ledger.applications)
    as_of = new_ledger.as_of
    given = ledger_input(
        documents(tx, coded(tx["customer_id"]), as_of), receipts(pay, coded(pay["customer_id"]), as_of)
    )
    events, refs = given.events, given.refs
    was = len(np.unique(events.cust[refs.payment[fifo.reached(events, refs, fifo.reserved(events, refs))]]))
    replayed = len(fifo.settle(events, refs)[1])
    print(
        f"demo company ({len(tx):,} lines, {len(pay):,} receipts, {len(given.ids)} customers): build_ledger "
        f"{np.median(today):.3f} s CPU median (best {min(today):.3f}) against {np.median(then):.3f} s "
        f"(best {min(then):.3f}) at {rev}, {rounds} rounds alternating; customers replayed event by event: "
        f"{replayed} (were {was}); identical invoices and applications: {same}"
    )


def planted(n: int, seed: int = 1) -> tuple[Statement, Statement, dict[str, list[tuple[str, ...]]]]:
    """Our n lines and the customer's (benchmarks/receivables.py's mix) and what was planted, by kind: the rows a
    reconciliation must pair (split: ours row and both parts; typo: ours and theirs row; missing: ours row;
    duplicate: ours row and both copies)."""
    rng = np.random.default_rng(seed)
    days = np.sort(rng.integers(0, 365, n))
    dates = pd.Timestamp("2026-01-01") + pd.to_timedelta(days, unit="D")
    amounts = np.where(rng.random(n) < 0.35, -1, 1) * rng.integers(1_000, 5_000_000, n) / 100
    refs = np.array([f"XS{i:07d}" for i in range(n)], dtype=object)
    ours = pd.DataFrame({"row": [str(i + 2) for i in range(n)], "date": dates, "ref": refs, "amount": amounts})
    kind = rng.random(n)
    rows: list[tuple] = []
    truth: dict[str, list[tuple[str, ...]]] = {"split": [], "typo": [], "missing": [], "duplicate": []}

    def add(date: pd.Timestamp, ref: str, amount: float) -> str:
        rows.append((date, ref, amount))
        return str(len(rows) + 7)

    for i in range(n):
        ref, amount, mine = refs[i] if kind[i] < 0.70 else "", amounts[i], str(i + 2)
        if kind[i] > 0.999:
            truth["missing"].append((mine,))
        elif 0.995 < kind[i] <= 0.997:
            truth["typo"].append((mine, add(dates[i], refs[i], round(amount * 1.09, 2))))
        elif 0.990 < kind[i] <= 0.995 and abs(amount) > 100:
            part = round(amount * 0.4, 2)
            first = add(dates[i], "", part)
            truth["split"].append((mine, first, add(dates[i] + pd.Timedelta(days=1), "", round(amount - part, 2))))
        elif 0.997 < kind[i] <= 0.998:
            truth["duplicate"].append((mine, add(dates[i], ref, amount), add(dates[i], ref, amount)))
        else:
            add(dates[i], ref, amount)
    theirs = pd.DataFrame(rows, columns=["date", "ref", "amount"])
    theirs.insert(0, "row", [str(i + 8) for i in range(len(theirs))])
    for frame in (ours, theirs):
        frame["date"] = frame["date"].astype("datetime64[ns]")
        frame["description"] = ""
    columns = ["row", "date", "ref", "description", "amount"]
    return (
        Statement("ours.xlsx", "", ours[columns], 0.0, None),
        Statement("theirs.xlsx", "", theirs[columns], 0.0, None),
        truth,
    )


def twin_rows(lines: pd.DataFrame, rows: set[str], other: pd.DataFrame) -> dict[str, list[str]]:
    """For each of ``rows``, the rows of the same statement with the same date and amount and the same reference as
    far as the ``other`` statement shows (a reference it does not carry tells nothing), its own included: lines
    nothing on the two statements tells apart."""
    shown = lines["ref"].where(lines["ref"].isin(set(other["ref"]) - {""}), "")
    key = pd.DataFrame(
        {"row": lines["row"], "date": lines["date"], "ref": shown, "cents": (lines["amount"] * 100).round()}
    )
    wanted = key[key["row"].isin(rows)]
    same = key.merge(wanted[["date", "ref", "cents"]].drop_duplicates(), on=["date", "ref", "cents"])
    groups = same.groupby(["date", "ref", "cents"])["row"].agg(list)
    return {row: groups[(date, ref, cents)] for row, date, ref, cents in wanted.itertuples(index=False)}


def found(
    table: pd.DataFrame, truth: dict[str, list[tuple[str, ...]]], ours: pd.DataFrame, theirs: pd.DataFrame
) -> dict[str, str]:
    """Per kind, how many planted differences the reconciliation shows as planted; of those missed, how many are
    indistinguishable: the reconciliation shows the planted difference once a planted line is swapped with a twin,
    another line of the same statement with the same date and amount and the same reference as far as the other
    statement shows (``twin_rows``), so no rule could have told which of the two is the planted one."""
    pairs = set(zip(table["status"], table["ours_row"], table["theirs_row"]))
    only_theirs = set(table.loc[table["status"] == "only_theirs", "theirs_row"])
    checks = {
        "split": lambda t: ("matched", t[0], f"{t[1]};{t[2]}") in pairs,
        "typo": lambda t: ("amount_mismatch", t[0], t[1]) in pairs,
        "missing": lambda t: ("only_ours", t[0], "") in pairs,
        "duplicate": lambda t: (
            (("matched", t[0], t[1]) in pairs and t[2] in only_theirs)
            or (("matched", t[0], t[2]) in pairs and t[1] in only_theirs)
        ),
    }
    missed = {kind: [t for t in items if not checks[kind](t)] for kind, items in truth.items()}
    # Row labels of the two sides overlap (both are data-row numbers): each side is looked up in its own frame.
    ours_twins = twin_rows(ours, {t[0] for ts in missed.values() for t in ts}, theirs)
    theirs_twins = twin_rows(theirs, {r for ts in missed.values() for t in ts for r in t[1:]}, ours)
    out = {}
    for kind, items in truth.items():
        swapped = [
            any(
                checks[kind](alt)
                for alt in itertools.product(ours_twins[t[0]], *(theirs_twins[r] for r in t[1:]))
                if alt != t
            )
            for t in missed[kind]
        ]
        out[kind] = (
            f"{len(items) - len(missed[kind]):,}/{len(items):,} "
            f"(missed {len(missed[kind])}, of which {sum(swapped)} indistinguishable)"
        )
    return out


def bench_reconcile(n: int, rev: str, seed: int = 1) -> None:
    """Today's matcher and the baseline's on the same planted statements."""
    ours, theirs, truth = planted(n, seed)
    days = ours.lines["date"].dt.normalize().nunique()
    print(
        f"{n:,} lines: one customer, {n / days:,.0f} lines a day on average over {days} days, "
        f"{ours.lines['amount'].abs().round(2).nunique():,} distinct amounts (drawn from 4,999,000 cent values)"
    )
    old = baseline_module(rev, "keyacct_xl/receivables/matching.py", "baseline_matching")
    result, cpu, wall = timed(lambda: reconcile(ours, theirs, options=MatchOptions(), lang="en"))
    table = result.table  # type: ignore[attr-defined]
    print(
        f"reconcile {len(ours.lines):,} vs {len(theirs.lines):,}: {cpu:.1f} s CPU / {wall:.1f} s wall; found "
        f"{found(table, truth, ours.lines, theirs.lines)}; remainder {result.remainder}; notes {result.notes}"  # type: ignore[attr-defined]
    )
    current, reconcile_module.match_lines = reconcile_module.match_lines, old.match_lines
    try:
        result, cpu, wall = timed(lambda: reconcile(ours, theirs, options=old.MatchOptions(), lang="en"))
    finally:
        reconcile_module.match_lines = current
    shown = found(result.table, truth, ours.lines, theirs.lines)  # type: ignore[attr-defined]
    print(f"  baseline matcher: {cpu:.1f} s CPU / {wall:.1f} s wall; found {shown}; notes {result.notes}")  # type: ignore[attr-defined]


def main() -> None:
    """Print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--baseline", default="0d87185", help="git revision of the code to compare with")
    parser.add_argument("--skip-reconcile", action="store_true")
    parser.add_argument("--skip-review", action="store_true")
    parser.add_argument("--seed", type=int, default=1, help="of the planted statements (reconciliation)")
    parser.add_argument("--demo", metavar="REV", help="only build_ledger on the demo company, against revision REV")
    args = parser.parse_args()
    if args.demo:
        bench_demo(args.demo)
        return
    if not args.skip_review:
        bench_review(args.lines, args.baseline)
    if not args.skip_reconcile:
        for n in (10_000, args.lines):
            bench_reconcile(n, args.baseline, args.seed)
    print(machine_line())


if __name__ == "__main__":
    main()
