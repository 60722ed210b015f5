"""Consolidation of a realistic mix: N submissions of every input form into the demo master.

Each file is a copy of one input form's filled example (templates/examples) as one of the demo reps would send
it (keyacct_xl.consolidate.variants: the rep's own customers, own document numbers), the forms in turn. The
whole consolidation (screening, recognition, validation of every cell, merge, master write) is timed against a
plain python-calamine loop that only reads every sheet of the same files, in alternating rounds of the same run.
Run by hand: ``python benchmarks/consolidate_mixed.py [--files 1000] [--rounds 3] [--jobs 1 [2]] [--work DIR]
[--breakdown]`` (``--work`` keeps the demo master and the submissions in DIR and reuses them; several ``--jobs``
values are timed in the same alternating rounds, each against the same read loop; ``--breakdown`` then runs one
more consolidation with the files checked in this process and prints each stage's CPU time).
CPU time is user + system of this process and its ended workers; peak memory is their maximum resident set.
"""

from __future__ import annotations

import argparse
import resource
import shutil
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from functools import partial
from pathlib import Path

import pandas as pd
from python_calamine import CalamineWorkbook

from keyacct_xl.consolidate import run as consolidation
from keyacct_xl.consolidate.dedupe import CustomerIndex
from keyacct_xl.consolidate.examples import FormExample, load_example
from keyacct_xl.consolidate.report import summary_line
from keyacct_xl.consolidate.routes import ROUTES
from keyacct_xl.consolidate.run import consolidate
from keyacct_xl.consolidate.variants import varied

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import demo_master  # (the master the other benchmarks build alike)

# The examples use the first customers of each rep; the copies rotate over the others.
EXAMPLE_CUSTOMERS = 8
CUSTOMERS_PER_COPY = 4
TEAM_FORMS = {"target_breakdown"}


def make_submissions(master: Path, folder: Path, files: int) -> Counter[str]:
    """``files`` copies of the input forms' examples, the forms in turn, each sent by the next rep."""
    customers = pd.read_excel(master, sheet_name="客户档案", engine="calamine", dtype=str)
    names = dict(zip(customers["客户编号"], customers["客户名称"]))
    own = {rep: list(group["客户编号"])[EXAMPLE_CUSTOMERS:] for rep, group in customers.groupby("业务员")}
    reps, forms, made = sorted(own), sorted(ROUTES), Counter[str]()
    registered = CustomerIndex(pd.DataFrame(columns=["customer_id", "name", "rep", "address", "phone", "tax_id"]))
    for i in range(files):
        form, rep = i % len(forms), reps[(i // len(forms)) % len(reps)]
        form_id, mine = forms[form], own[rep]
        round_ = i // (len(forms) * len(reps))  # the same rep's next copy of a form: next customers, a year back
        # A target breakdown's lines name the whole team, so every copy of one year would overwrite the others'
        # lines: each copy is another year's breakdown.
        years_back = i // len(forms) if form_id in TEAM_FORMS else round_
        # Each form of a rep's round names its own customers (4 each: 88 of the rep's 92), so a visit record, a
        # phone follow-up and a daily report of one rep and week add their own Visits rows instead of all
        # landing on the same customer and date, which would make most of them updates.
        first = CUSTOMERS_PER_COPY * (round_ * len(forms) + form)
        chosen = [(c, names[c]) for c in (mine[(first + k) % len(mine)] for k in range(CUSTOMERS_PER_COPY))]
        new_customer = ROUTES[form_id].header_table == "Customers"
        make = partial(
            varied, load_example(form_id), rep=rep, customers=chosen, new_customer=new_customer, years_back=years_back
        )
        example = _new_customer_copy(make, 1000 + i, registered) if new_customer else make(1000 + i)
        (folder / f"{i:04d}_{form_id}.xlsx").write_bytes(example.workbook())
        made[form_id] += 1
    return made


def _new_customer_copy(make: Callable[[int], FormExample], copy: int, registered: CustomerIndex) -> FormExample:
    """The copy of a form registering a customer, from copy number ``copy`` on (in steps of 1,000, past every
    other copy's), that the duplicate check does not take for an earlier copy's customer (similar names with
    addresses that differ only in their number), which it would rightly refuse; the customer is noted."""
    while True:
        example = make(copy)
        wanted = {key: example.header.get(key) for key in ("name", "phone", "tax_id", "address")}
        if registered.find(**wanted) is None:
            registered.add({"customer_id": f"copy {copy}", "rep": "", **wanted})
            return example
        copy += 1000


def calamine_loop(folder: Path) -> int:
    """Read every sheet of every file with python-calamine; the cells read."""
    cells = 0
    for path in sorted(folder.glob("*.xlsx")):
        book = CalamineWorkbook.from_path(str(path))
        for name in book.sheet_names:
            cells += sum(len(row) for row in book.get_sheet_by_name(name).to_python())
    return cells


# The stages of a run, timed where run.py calls them: (label, module or class, attribute).
STAGES = (
    ("reading the master's tables", consolidation, "load_store"),
    ("loading the form specs", consolidation, "load_form"),
    ("screening (safety.check_file)", consolidation, "check_file"),
    ("recognition (recognize.extract, calamine included)", consolidation, "extract"),
    ("validation (validate.check_form)", consolidation, "check_form"),
    ("merge (Merger.apply)", consolidation.Merger, "apply"),
    ("appending the merged rows (Merger.flush)", consolidation.Merger, "flush"),
    ("writing the master (save_store)", consolidation, "save_store"),
)


def breakdown(inbox: Path, pristine: Path, master: Path) -> None:
    """One consolidation with every file checked in this process (no worker), each stage's CPU time printed."""
    spent = Counter[str]()

    def timed(label: str, function: Callable) -> Callable:
        def run(*args: object, **kwargs: object) -> object:
            started = time.process_time()
            try:
                return function(*args, **kwargs)
            finally:
                spent[label] += time.process_time() - started

        return run

    originals = [(owner, name, getattr(owner, name)) for _, owner, name in STAGES]
    checked = consolidation._checked
    for (label, owner, name), (_, _, function) in zip(STAGES, originals, strict=True):
        setattr(owner, name, timed(label, function))
    consolidation._checked = lambda submissions, job, jobs: (
        consolidation.check_submission(s, job) for s in submissions
    )
    shutil.copyfile(pristine, master)
    try:
        wall, cpu, _ = _timed(lambda: consolidate(inbox, master, jobs=1, now="2026-11-30 18:00:00"))
    finally:
        for owner, name, function in originals:
            setattr(owner, name, function)
        consolidation._checked = checked
    print(f"in this process: wall {wall:.2f} s, CPU {cpu:.2f} s, of which:")
    for label, _, _ in STAGES:
        print(f"  {label}: {spent[label]:.2f} s")
    print(f"  the rest (collecting, hashing, the ledger, decisions): {cpu - sum(spent.values()):.2f} s")


def _cpu_seconds() -> float:
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _timed(run: object) -> tuple[float, float, object]:
    started, cpu = time.perf_counter(), _cpu_seconds()
    value = run()  # type: ignore[operator]
    return time.perf_counter() - started, _cpu_seconds() - cpu, value


def main() -> None:
    """Build the demo master and the mixed submissions, time both paths in alternating rounds, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--files", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--jobs", type=int, nargs="+", default=[1])
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--work", type=Path, help="keep (and reuse) the master and submissions here")
    parser.add_argument("--breakdown", action="store_true", help="then time each stage of an in-process run")
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="bench-mixed-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        pristine, inbox = work / "demo-master.xlsx", work / f"mixed-{args.files}"
        demo_master(pristine, args.seed)
        if not inbox.exists():
            inbox.mkdir(parents=True)
            started = time.perf_counter()
            made = make_submissions(pristine, inbox, args.files)
            print(f"made {args.files} submissions of {len(made)} forms in {time.perf_counter() - started:.1f} s")
        size = sum(p.stat().st_size for p in inbox.iterdir()) / 1e6
        print(f"{args.files} submissions, {size:.1f} MB, {len(ROUTES)} input forms")
        paths = {f"consolidate --jobs {jobs}": jobs for jobs in args.jobs}
        figures: dict[str, list[tuple[float, float]]] = {name: [] for name in ["read loop", *paths]}
        master = work / "master.xlsx"
        for _ in range(args.rounds):
            wall, cpu, cells = _timed(lambda: calamine_loop(inbox))
            figures["read loop"].append((wall, cpu))
            for name, jobs in paths.items():
                shutil.copyfile(pristine, master)
                wall, cpu, result = _timed(
                    lambda jobs=jobs: consolidate(inbox, master, jobs=jobs, now="2026-11-30 18:00:00")
                )
                figures[name].append((wall, cpu))
        print(f"python-calamine read loop: {cells:,} cells")
        print(f"consolidate: {summary_line(result, 'en')}")
        statuses = Counter(o.status for o in result.outcomes)
        if set(statuses) - {"accepted"}:
            print(f"  not accepted: {dict(statuses)}")
        for name, runs in figures.items():
            walls = ", ".join(f"{w:.2f}" for w, _ in runs)
            print(
                f"{name}: wall median {statistics.median(w for w, _ in runs):.2f} s ({walls}); "
                f"CPU median {statistics.median(c for _, c in runs):.2f} s"
            )
        for name in paths:
            for i, kind in enumerate(("wall", "CPU")):
                ratio = statistics.median(c[i] for c in figures[name]) / statistics.median(
                    r[i] for r in figures["read loop"]
                )
                print(f"{name} / read loop, {kind}: {ratio:.2f}x")
        peak = max(resource.getrusage(w).ru_maxrss for w in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)) / 1024
        print(f"peak RSS {peak:.0f} MB; master after: {master.stat().st_size / 1e6:.1f} MB")
        if args.breakdown:
            breakdown(inbox, pristine, master)
    finally:
        if args.work is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
