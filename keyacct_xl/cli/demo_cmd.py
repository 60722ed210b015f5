"""``keyacct-xl demo``: build the demo company's master workbook, then run each feature on it."""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from pathlib import Path

import python_calamine as calamine

from keyacct_xl.analytics.demo_step import analytics_demo
from keyacct_xl.bridge.demo_step import bridge_demo
from keyacct_xl.briefing.demo_step import briefing_demo
from keyacct_xl.consolidate.demo_step import consolidation_demo
from keyacct_xl.errors import InputError
from keyacct_xl.followup.demo_step import followup_demo
from keyacct_xl.forms.demo_step import forms_demo
from keyacct_xl.i18n import Lang
from keyacct_xl.master.schema import DATA_TABLES
from keyacct_xl.master.settings import setting_key
from keyacct_xl.master.writer import save_master, write_tables
from keyacct_xl.messages import Message, msg, tr
from keyacct_xl.performance.demo_step import performance_demo
from keyacct_xl.receivables.demo_step import receivables_demo

# Later features add a step: (master path, output folder, args) -> lines to print.
DemoStep = Callable[[Path, Path, argparse.Namespace], list[str]]
DEMO_STEPS: list[DemoStep] = []
DEMO_STEPS.append(receivables_demo)
DEMO_STEPS.append(forms_demo)
DEMO_STEPS.append(consolidation_demo)
DEMO_STEPS.append(analytics_demo)
DEMO_STEPS.append(followup_demo)
DEMO_STEPS.append(performance_demo)
DEMO_STEPS.append(briefing_demo)
DEMO_STEPS.append(bridge_demo)


# The help texts of the command, catalog messages: --help follows --lang, else the system locale (default zh).
HELP: dict[str, Message] = {
    "demo": msg("write the demo company's master and run the features on it"),
    "--out": msg("output folder (default ./demo)"),
    "--seed": msg("random seed (same seed, same bytes)"),
    "--customers": msg("number of customers (default 600)"),
}


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser, lang: Lang) -> None:
    """Add ``demo``."""
    parser = sub.add_parser("demo", parents=[common], help=HELP["demo"].render(lang))
    parser.add_argument("--out", type=Path, default=Path("demo"), help=HELP["--out"].render(lang))
    parser.add_argument("--seed", type=int, default=2026, help=HELP["--seed"].render(lang))
    parser.add_argument("--customers", type=int, default=600, help=HELP["--customers"].render(lang))
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Generate, save, run the steps, print a summary."""
    # the generator loads its vocabularies only when used
    from keyacct_xl.demo.company import generate_demo
    from keyacct_xl.demo.products import catalogue_tables
    from keyacct_xl.demo.sales import SKUS

    started = time.perf_counter()
    args.out.mkdir(parents=True, exist_ok=True)
    master = generate_demo(seed=args.seed, customers=args.customers, lang=args.lang)
    path = args.out / "master.xlsx"
    _remove_previous_demo(path)
    save_master(master, path, backup=False)
    catalogue = catalogue_tables(SKUS, master.transactions, args.lang)
    write_tables(path, catalogue, lang=args.lang, backup=False)
    print(tr(args.lang, "master workbook: {path}", path=path))
    for schema in DATA_TABLES:
        print(f"  {schema.sheet(args.lang)}: {len(master.frame(schema)):,}")
    for schema, frame in catalogue.items():
        print(f"  {schema.sheet(args.lang)}: {len(frame):,}")
    for step in DEMO_STEPS:
        for line in step(path, args.out, args):
            print(line)
    print(tr(args.lang, "done in {seconds:.1f} s", seconds=time.perf_counter() - started))
    return 0


def _remove_previous_demo(path: Path) -> None:
    """Delete the master of an earlier demo run, so a second run starts fresh and gives the same result (saving
    over it would keep the tables its steps added, e.g. the consolidation ledger, and every submission would
    come back as already consolidated); refuse any other workbook found there."""
    if not path.exists():
        return
    from keyacct_xl.demo.catalog import COMPANY_NAME

    try:
        book = calamine.CalamineWorkbook.from_path(str(path), load_tables=True)
        rows = book.get_table_by_name("Settings").to_python()
    except calamine.CalamineError:
        rows = []
    if not any(len(r) > 1 and setting_key(r[0]) == "company_name" and r[1] == COMPANY_NAME for r in rows):
        raise InputError(msg("{path} exists and is not a demo master workbook; give another --out folder", path=path))
    path.unlink()
