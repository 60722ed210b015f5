"""``keyacct-xl consolidate SOURCE --into MASTER``: merge reps' submitted forms into the master."""

from __future__ import annotations

import argparse
from collections.abc import Iterable
from pathlib import Path

from keyacct_xl.consolidate.report import held_lines, refused_lines
from keyacct_xl.consolidate.undo import undo_submission
from keyacct_xl.consolidate.usecase import run_consolidation
from keyacct_xl.errors import InputError
from keyacct_xl.i18n import Lang
from keyacct_xl.messages import Message, msg, tr
from keyacct_xl.progress import progress_bar

REFUSED = 1  # exit status of a run that refused a form (2: the run itself failed: a bad master or SOURCE)

# The help texts of the command, catalog messages: --help follows --lang, else the system locale (default zh).
HELP: dict[str, Message] = {
    "consolidate": msg("merge submitted forms into the master workbook"),
    "source": msg("folder (searched recursively) or .zip of forms (not with --undo)"),
    "--into": msg("the master workbook to update"),
    "--report": msg(
        "write the report workbook here, creating its folder (default: beside MASTER, named "
        "MASTER-consolidation-DATE-TIME.xlsx, or MASTER-汇总报告-... in zh; never overwritten)"
    ),
    "--quarantine": msg("copy rejected files here, each with a .reason.txt (SOURCE is never changed)"),
    "--dry-run": msg("check everything, write only the report (with --undo: show what would be undone, write nothing)"),
    "--jobs": msg("worker processes for reading files"),
    "--forms": msg("consolidate only these forms (e.g. visit_record,weekly_plan)"),
    "--strict": msg("reject a whole file when any row has an error"),
    "--accept": msg("merge this file that waits for review (name, path or sha256 start); repeatable"),
    "--reject": msg("refuse this file that waits for review for good; repeatable"),
    "--without-sensitive": msg(
        "mask the values of personal fields (phones, birthdays, profile answers) in the report (with --undo: in what "
        "it prints); the master keeps them"
    ),
    "--undo": msg(
        "take one consolidated file back out of the master (the file's path, its name or sha256 start), newest first"
    ),
}


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser, lang: Lang) -> None:
    """Add ``consolidate``."""
    parser = sub.add_parser("consolidate", parents=[common], help=HELP["consolidate"].render(lang))
    parser.add_argument("source", type=Path, metavar="SOURCE", nargs="?", help=HELP["source"].render(lang))
    parser.add_argument("--into", type=Path, required=True, metavar="MASTER", help=HELP["--into"].render(lang))
    parser.add_argument("--report", type=Path, metavar="FILE.xlsx", help=HELP["--report"].render(lang))
    parser.add_argument("--quarantine", type=Path, metavar="DIR", help=HELP["--quarantine"].render(lang))
    parser.add_argument("--dry-run", action="store_true", help=HELP["--dry-run"].render(lang))
    parser.add_argument("--jobs", type=int, default=1, metavar="N", help=HELP["--jobs"].render(lang))
    parser.add_argument(
        "--forms",
        type=lambda s: [f.strip() for f in s.split(",") if f.strip()],
        default=None,
        metavar="ID,...",
        help=HELP["--forms"].render(lang),
    )
    parser.add_argument("--strict", action="store_true", help=HELP["--strict"].render(lang))
    parser.add_argument("--accept", action="append", default=[], metavar="FILE", help=HELP["--accept"].render(lang))
    parser.add_argument("--reject", action="append", default=[], metavar="FILE", help=HELP["--reject"].render(lang))
    parser.add_argument("--without-sensitive", action="store_true", help=HELP["--without-sensitive"].render(lang))
    parser.add_argument("--undo", metavar="FILE", help=HELP["--undo"].render(lang))
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Consolidate, write the report (every run, a dry run too), print the summary and where the report is.

    Rejected files are reported, each named with its reason; a rejected form ends the run with exit status
    ``REFUSED``: a script or scheduler that runs it sees that a rep's file must be fixed and sent again.
    """
    if args.undo:
        _refuse_with_undo(args)
        undone = undo_submission(args.into, args.undo, dry_run=args.dry_run, without_sensitive=args.without_sensitive)
        print(undone.summary(args.lang))
        return 0
    if args.source is None:
        raise InputError(msg("SOURCE is missing: the folder or .zip of submitted forms"))

    def progress(items: Iterable, total: int) -> Iterable:
        return progress_bar(items, total=total, desc=tr(args.lang, "consolidating"), unit=tr(args.lang, " files"))

    run = run_consolidation(
        args.source,
        args.into,
        lang=args.lang,
        report=args.report,
        without_sensitive=args.without_sensitive,
        dry_run=args.dry_run,
        progress=progress,
        quarantine_dir=args.quarantine,
        jobs=max(1, args.jobs),
        forms=args.forms,
        strict=args.strict,
        accept=args.accept,
        reject=args.reject,
    )
    print(run.summary(args.lang))
    refused = refused_lines(run.result, args.lang)
    for line in [*refused, *held_lines(run.result, args.lang)]:
        print("  " + line)
    print(tr(args.lang, "report: {report}", report=run.report))
    return REFUSED if run.result.forms_to_send_again else 0


def _refuse_with_undo(args: argparse.Namespace) -> None:
    """Refuse what only a consolidation takes, rather than ignore it: an undo reads no SOURCE, writes no report."""
    given = [
        name
        for name, value in (
            ("SOURCE", args.source),
            ("--report", args.report),
            ("--quarantine", args.quarantine),
            ("--forms", args.forms),
            ("--strict", args.strict),
            ("--accept", args.accept),
            ("--reject", args.reject),
            ("--jobs", args.jobs != 1),
        )
        if value
    ]
    if given:
        raise InputError(
            msg(
                "--undo takes one file back out of the master and reads no forms nor writes a report: "
                "{options} cannot be given with it",
                options=", ".join(given),
            )
        )
