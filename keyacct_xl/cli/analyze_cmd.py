"""``keyacct-xl analyze MASTER --year Y``: one analysis workbook with native charts."""

from __future__ import annotations

import argparse
from pathlib import Path

from keyacct_xl.analytics.analysis import analysis_day, analysis_sheets, analysis_warnings, load_analysed_master
from keyacct_xl.cli.checks import warn_references
from keyacct_xl.errors import InputError
from keyacct_xl.i18n import Lang
from keyacct_xl.master.integrity import LEDGER_TABLES
from keyacct_xl.messages import Message, msg, tr
from keyacct_xl.reports import Heading, write_report

# The help texts of the command, catalog messages: --help follows --lang, else the system locale (default zh).
HELP: dict[str, Message] = {
    "analyze": msg("analysis workbook: Pareto, grade mix, composition, margins, risky customers"),
    "master": msg("the master workbook"),
    "--year": msg("the analysed calendar year"),
    "--out": msg("output .xlsx (default: analysis-YEAR.xlsx beside the master)"),
    "--drop-pct": msg("risk: sales down more than this %% (30)"),
    "--overdue-days": msg("risk: overdue more than N days (90)"),
    "--silent-days": msg("risk: no purchase for N days (90)"),
    "--code-prefix": msg("attribute code position 1 for everyone (default: by customer category)"),
}


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser, lang: Lang) -> None:
    """Add ``analyze``."""
    parser = sub.add_parser("analyze", parents=[common], help=HELP["analyze"].render(lang))
    parser.add_argument("master", type=Path, help=HELP["master"].render(lang))
    parser.add_argument("--year", type=int, required=True, help=HELP["--year"].render(lang))
    parser.add_argument("--out", type=Path, help=HELP["--out"].render(lang))
    parser.add_argument("--drop-pct", type=float, default=30.0, help=HELP["--drop-pct"].render(lang))
    parser.add_argument("--overdue-days", type=int, default=90, help=HELP["--overdue-days"].render(lang))
    parser.add_argument("--silent-days", type=int, default=90, help=HELP["--silent-days"].render(lang))
    parser.add_argument("--code-prefix", help=HELP["--code-prefix"].render(lang))
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Build every sheet and write the workbook."""
    if args.drop_pct < 0 or args.overdue_days < 0 or args.silent_days < 0:
        raise InputError(msg("analyze: thresholds cannot be negative"))
    master, complaints = load_analysed_master(args.master)
    warn_references(master, LEDGER_TABLES, args.lang)
    out = args.out or args.master.with_name(f"analysis-{args.year}.xlsx")
    day = analysis_day(master, args.year, complaints)
    sheets = analysis_sheets(
        master,
        year=args.year,
        lang=args.lang,
        complaints=complaints,
        drop_pct=args.drop_pct,
        overdue_days=args.overdue_days,
        silent_days=args.silent_days,
        code_prefix=args.code_prefix,
    )
    write_report(
        out,
        sheets,
        heading=Heading(
            tr(args.lang, "Customer analysis {year}", year=args.year),
            company=master.settings.company_name,
            as_of=day.date(),
            currency=master.settings.book_currency,
        ),
        lang=args.lang,
    )
    for sheet in sheets:
        print(f"  {sheet.title}: {len(sheet.frame):,}")
    print(tr(args.lang, "written: {path}", path=out))
    for warning in analysis_warnings(master, day):
        print(tr(args.lang, "warning: {text}", text=warning))
    return 0
