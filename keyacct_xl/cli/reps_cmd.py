"""``keyacct-xl reps MASTER --period P``: each rep's KPIs of a month, quarter or year, from the master's data."""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

from keyacct_xl.consolidate.store import load_master_store
from keyacct_xl.currency import Money
from keyacct_xl.i18n import Lang
from keyacct_xl.messages import Message, msg, tr
from keyacct_xl.performance.evaluation import NO_TARGET, rating_text, run_rep_evaluation

# The help texts of the command, catalog messages: --help follows --lang, else the system locale (default zh).
HELP: dict[str, Message] = {
    "reps": msg(
        "rep evaluation from the data: sales against target, collection, new customers, visits, complaints, "
        "reports on time, the supervisor's score"
    ),
    "master": msg("master workbook"),
    "--period": msg("period: a month (2026-10), quarter (2026-Q4) or year (2026)"),
    "--scoring": msg("scoring policy file or shipped name (default: rep_evaluation)"),
    "--forms": msg("write a pre-filled evaluation form per rep into this folder (a month only)"),
    "--out": msg("FILE.xlsx or FILE.csv (default: reps_<period>.xlsx beside MASTER)"),
}


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser, lang: Lang) -> None:
    """Add ``reps``."""
    parser = sub.add_parser("reps", parents=[common], help=HELP["reps"].render(lang))
    parser.add_argument("master", type=Path, help=HELP["master"].render(lang))
    parser.add_argument("--period", required=True, help=HELP["--period"].render(lang))
    parser.add_argument("--scoring", help=HELP["--scoring"].render(lang))
    parser.add_argument("--forms", type=Path, help=HELP["--forms"].render(lang))
    parser.add_argument("--out", type=Path, help=HELP["--out"].render(lang))
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Load the master and its consolidation tables, write the KPIs (default: beside the master), a line per rep."""
    master, store = load_master_store(args.master)
    evaluation = run_rep_evaluation(
        master,
        store.frames,
        period=args.period,
        scoring=args.scoring,
        out=args.out,
        out_dir=args.master.parent,
        forms_dir=args.forms,
        lang=args.lang,
    )
    print(evaluation.report_line(args.lang))
    kpis = evaluation.kpis
    for i in range(len(kpis)):
        row = kpis.iloc[i]
        rate = row["sales_achievement"]
        achieved = NO_TARGET.render(args.lang) if pd.isna(rate) else f"{float(rate):.1%}"
        print(
            "  "
            + tr(
                args.lang,
                "{rep}: sales ¥{sales:,.2f}, achievement {achieved}, {visits} visit(s), {new} new "
                "customer(s), {complaints} complaint(s); score {score}, {rating}",
                rep=row["rep"],
                sales=Money(float(row["sales"]), master.settings.book_currency),
                achieved=achieved,
                visits=int(row["visits"]),
                new=int(row["new_customers"]),
                complaints=int(row["complaints"]),
                score="-" if pd.isna(row["total_score"]) else f"{float(row['total_score']):.1f}",
                rating=rating_text(row["rating"], args.lang) or "-",
            )
        )
    if evaluation.forms:
        print(tr(args.lang, "evaluation forms: {count} → {folder}", count=len(evaluation.forms), folder=args.forms))
    return 0
