"""``keyacct-xl grade MASTER --year Y``: the annual grading review; ``grade apply MASTER``: record final grades."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd

from keyacct_xl.analytics.grading import change_counts
from keyacct_xl.analytics.grading_run import run_grading_review
from keyacct_xl.analytics.policy import load_grading_policy
from keyacct_xl.analytics.review import Review
from keyacct_xl.analytics.review_lists import list_title
from keyacct_xl.analytics.review_sheet import GRADE_REVIEW, apply_review_sheet, undo_review_sheet
from keyacct_xl.cli.checks import warn_references
from keyacct_xl.cli.options import option_date
from keyacct_xl.errors import InputError
from keyacct_xl.forms.credit_round import write_credit_evaluations
from keyacct_xl.i18n import Lang
from keyacct_xl.master.integrity import LEDGER_TABLES
from keyacct_xl.master.reader import load_master
from keyacct_xl.messages import Message, Pair, msg, tr

# The help texts of the command, catalog messages: --help follows --lang, else the system locale (default zh).
HELP: dict[str, Message] = {
    "grade": msg("annual grading review; 'grade apply' records it"),
    "target": msg("the master workbook"),
    "--year": msg("the graded year (required for the review)"),
    "--policy": msg("policy file or shipped name (default: the Settings' Grading Policy)"),
    "--out": msg("write the review to .xlsx (with the meeting lists) or .csv instead of a review sheet in the master"),
    "--approved-by": msg("apply: who approved the grades (GradeHistory)"),
    "--date": msg(
        "the day of the review, which says whether the year has ended; apply: the date the grades take effect "
        "(default: today)"
    ),
    "--undo": msg(
        "apply: put back the grades, credit grades, limits and terms the review year's last apply changed, where they "
        "still hold (again: the apply before it)"
    ),
    "--by-region": msg("also write each region's pre-filled credit evaluation forms into this folder"),
    "--seed": msg("the seed of the spot check's random draw (default: the year)"),
}


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser, lang: Lang) -> None:
    """Add ``grade [apply] MASTER``."""
    parser = sub.add_parser(
        "grade", parents=[common], help=HELP["grade"].render(lang), usage="keyacct-xl grade [apply] MASTER [options]"
    )
    parser.add_argument("target", nargs="+", metavar="[apply] MASTER", help=HELP["target"].render(lang))
    parser.add_argument("--year", type=int, help=HELP["--year"].render(lang))
    parser.add_argument("--policy", help=HELP["--policy"].render(lang))
    parser.add_argument("--out", type=Path, help=HELP["--out"].render(lang))
    parser.add_argument("--approved-by", help=HELP["--approved-by"].render(lang))
    parser.add_argument("--date", help=HELP["--date"].render(lang))
    parser.add_argument("--undo", action="store_true", help=HELP["--undo"].render(lang))
    parser.add_argument("--by-region", type=Path, metavar="DIR", help=HELP["--by-region"].render(lang))
    parser.add_argument("--seed", type=int, help=HELP["--seed"].render(lang))
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Dispatch to the review or to apply."""
    words = list(args.target)
    if words[0] == "apply":
        if len(words) != 2:
            raise InputError(msg("usage: keyacct-xl grade apply MASTER"))
        return _apply(Path(words[1]), args)
    if len(words) != 1:
        raise InputError(msg("grade: one master workbook expected, got {words}", words=" ".join(words)))
    if args.year is None:
        raise InputError(msg("grade: --year is required"))
    return _review(Path(words[0]), args)


def _review(path: Path, args: argparse.Namespace) -> int:
    master = load_master(path)
    warn_references(master, LEDGER_TABLES, args.lang)
    policy = load_grading_policy(args.policy) if args.policy else None
    run = run_grading_review(
        master,
        year=args.year,
        lang=args.lang,
        policy=policy,
        out=args.out,
        master_path=None if args.out else path,
        seed=args.seed,
        today=option_date(args.date, "--date"),
    )
    _print_summary(run.review, args.lang)
    if args.by_region:
        forms = write_credit_evaluations(
            master, run.review.meeting_figures(), year=args.year, out_dir=args.by_region, lang=args.lang
        )
        for region, paths in forms.items():
            print(
                tr(
                    args.lang,
                    "credit evaluations for {region}: {count:,} form(s) in {folder}",
                    region=region,
                    count=len(paths),
                    folder=paths[0].parent,
                )
            )
    if args.out:
        print(tr(args.lang, "written: {path}", path=args.out))
    else:
        if run.kept:
            print(
                tr(args.lang, "kept the meeting's entries from the previous review on {kept:,} row(s)", kept=run.kept)
            )
        print(
            tr(
                args.lang,
                "review sheet written into {path} (sheet {sheet}); fill in {column}, then run keyacct-xl grade apply",
                path=path,
                sheet=GRADE_REVIEW.sheet(master.lang),
                column=GRADE_REVIEW.column("final_grade").header(master.lang),
            )
        )
    return 0


def _print_summary(review: Review, lang: Lang) -> None:
    table = review.table
    policy = Pair(review.policy.title_en, review.policy.title_zh)
    print(
        tr(
            lang,
            "{year} grading ({policy}), evaluated {date}",
            year=review.year,
            policy=policy,
            date=review.evaluation.date(),
        )
    )
    mix = table["proposed_grade"].value_counts()
    colon = tr(lang, ": ")  # VIP：7 in a zh line
    print("  " + "  ".join(f"{g}{colon}{int(mix.get(g, 0)):,}" for g in review.policy.grades))
    print("  " + change_counts(table["change"], lang))
    for key, frame in review.lists.items():
        print(f"  {list_title(key, lang)}{colon}{len(frame):,}")
    for warning in review.warnings:
        print("keyacct-xl: " + tr(lang, "warning: {text}", text=warning), file=sys.stderr)


def _apply(path: Path, args: argparse.Namespace) -> int:
    when = option_date(args.date, "--date") or pd.Timestamp.today().normalize()
    if args.undo:
        undone = undo_review_sheet(path, approved_by=args.approved_by, applied_at=when, year=args.year)
        print(undone.summary(args.lang))
        return 0
    applied = apply_review_sheet(path, approved_by=args.approved_by, applied_at=when, year=args.year)
    print(applied.summary(args.lang))
    if not applied.tables:
        print(tr(args.lang, "nothing to change (already applied)"))
    return 0
