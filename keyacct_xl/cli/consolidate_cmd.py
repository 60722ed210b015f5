"""``keyacct-xl consolidate SOURCE --into MASTER``: merge reps' submitted forms into the master."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable
from pathlib import Path

from tqdm import tqdm

from keyacct_xl.consolidate.report import default_report_path, earlier_reports, summary_line, write_report
from keyacct_xl.consolidate.run import consolidate
from keyacct_xl.consolidate.undo import undo_submission
from keyacct_xl.errors import InputError
from keyacct_xl.fileio import ensure_writable
from keyacct_xl.i18n import pick


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    """Add ``consolidate``."""
    parser = sub.add_parser("consolidate", parents=[common], help="merge submitted forms into the master workbook")
    parser.add_argument("source", type=Path, metavar="SOURCE", nargs="?",
                        help="folder (searched recursively) or .zip of forms (not with --undo)")
    parser.add_argument("--into", type=Path, required=True, metavar="MASTER", help="the master workbook to update")
    parser.add_argument("--report", type=Path, metavar="FILE.xlsx",
                        help="write the report workbook here, creating its folder (default: beside MASTER, named "
                             "MASTER-consolidation-DATE-TIME.xlsx, or MASTER-汇总报告-... in zh; never overwritten)")
    parser.add_argument("--quarantine", type=Path, metavar="DIR",
                        help="copy rejected files here, each with a .reason.txt (SOURCE is never changed)")
    parser.add_argument("--dry-run", action="store_true", help="check everything, write only the report")
    parser.add_argument("--jobs", type=int, default=1, metavar="N", help="worker processes for reading files")
    parser.add_argument("--forms", type=lambda s: [f.strip() for f in s.split(",") if f.strip()], default=None,
                        metavar="ID,...", help="consolidate only these forms (e.g. visit_record,weekly_plan)")
    parser.add_argument("--strict", action="store_true", help="reject a whole file when any row has an error")
    parser.add_argument("--accept", action="append", default=[], metavar="FILE",
                        help="merge this file that waits for review (name, path or sha256 start); repeatable")
    parser.add_argument("--reject", action="append", default=[], metavar="FILE",
                        help="refuse this file that waits for review for good; repeatable")
    parser.add_argument("--without-sensitive", action="store_true",
                        help="mask the values of personal fields (phones, birthdays, profile answers) in the report; "
                             "the master keeps them")
    parser.add_argument("--undo", metavar="FILE",
                        help="take one consolidated file back out of the master (name or sha256 start), newest first")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Consolidate, write the report (every run, a dry run too), print the summary and where the report is.

    Rejected files are reported, not fatal.
    """
    if args.undo:
        print(undo_submission(args.into, args.undo).summary(args.lang))
        return 0
    if args.source is None:
        raise InputError("SOURCE is missing: the folder or .zip of submitted forms",
                         "缺少 SOURCE：提交表单的文件夹或 .zip")

    def progress(items: Iterable, total: int) -> Iterable:
        return tqdm(items, total=total, desc=pick(args.lang, "汇总", "consolidating"),
                    unit=pick(args.lang, "个文件", " files"), file=sys.stderr, disable=None)

    if args.report:
        args.report.parent.mkdir(parents=True, exist_ok=True)
        ensure_writable(args.report)  # before the master is written, not after
    result = consolidate(args.source, args.into, quarantine_dir=args.quarantine, dry_run=args.dry_run,
                         jobs=max(1, args.jobs), forms=args.forms, strict=args.strict, progress=progress,
                         exclude=[*earlier_reports(args.into), *([args.report] if args.report else [])],
                         accept=args.accept, reject=args.reject)
    report = write_report(result, args.report or default_report_path(result, args.lang), args.lang,
                          without_sensitive=args.without_sensitive)
    print(summary_line(result, args.lang))
    print(pick(args.lang, f"汇总报告：{report}", f"report: {report}"))
    return 0
