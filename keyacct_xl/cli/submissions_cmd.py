"""``keyacct-xl submissions MASTER --period P``: which rep has not handed in which form, and which came late."""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

from keyacct_xl.cli.options import option_date
from keyacct_xl.consolidate.store import load_store
from keyacct_xl.i18n import Lang
from keyacct_xl.messages import Message, msg, tr
from keyacct_xl.performance.reports_check import run_submissions_check

# The help texts of the command, catalog messages: --help follows --lang, else the system locale (default zh).
HELP: dict[str, Message] = {
    "submissions": msg(
        "missing reports: the forms of the Settings' Rep Forms due in the period by the submission calendar, "
        "against the consolidation ledger"
    ),
    "master": msg("master workbook"),
    "--period": msg("period: a week (2026-W48) or a month (2026-11)"),
    "--as-of": msg("check date (default: the period's last day, or now while the period has not ended)"),
    "--rep": msg("only this sales rep"),
    "--calendar": msg("submission calendar file or shipped name (default: submissions)"),
    "--out": msg("FILE.xlsx or FILE.csv (default: submissions_<period>.xlsx beside MASTER)"),
}


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser, lang: Lang) -> None:
    """Add ``submissions``."""
    parser = sub.add_parser("submissions", parents=[common], help=HELP["submissions"].render(lang))
    parser.add_argument("master", type=Path, help=HELP["master"].render(lang))
    parser.add_argument("--period", required=True, help=HELP["--period"].render(lang))
    parser.add_argument("--as-of", help=HELP["--as-of"].render(lang))
    parser.add_argument("--rep", help=HELP["--rep"].render(lang))
    parser.add_argument("--calendar", help=HELP["--calendar"].render(lang))
    parser.add_argument("--out", type=Path, help=HELP["--out"].render(lang))
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Load the master's consolidation tables, write the check (default: beside the master), one line per rep."""
    store = load_store(args.master)
    check = run_submissions_check(
        store.frames,
        store.settings,
        period=args.period,
        as_of=option_date(args.as_of, "--as-of"),
        today=pd.Timestamp.now(),  # a week or month not yet over is checked as of now, not its last day
        rep=args.rep,
        calendar=args.calendar,
        out=args.out,
        out_dir=args.master.parent,
        lang=args.lang,
    )
    print(check.report_line(args.lang))
    for row in check.reps.itertuples(index=False):
        print(
            "  "
            + tr(
                args.lang,
                "{rep}: {due} due, {on_time} on time, {late} late, {missing} missing",
                rep=row.rep,
                due=row.expected,
                on_time=row.on_time,
                late=row.late,
                missing=row.missing,
            )
        )
    return 0
