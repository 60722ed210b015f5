"""``keyacct-xl reconcile``: match our ledger with the statement a customer returned (对账); ``reconcile apply``:
the decisions taken in the reconciliation workbook into the master's Adjustments (调账)."""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

from keyacct_xl.cli.options import option_date
from keyacct_xl.consolidate.reconciling import run_reconciliation
from keyacct_xl.errors import InputError
from keyacct_xl.i18n import Lang
from keyacct_xl.messages import Message, msg
from keyacct_xl.receivables.adjustments import run_reconcile_apply
from keyacct_xl.receivables.matching import MatchOptions

# The help texts of the command, catalog messages: --help follows --lang, else the system locale (default zh).
HELP: dict[str, Message] = {
    "reconcile": msg("reconcile our ledger with a customer's statement"),
    "ours": msg("master workbook (with --customer) or our statement file; or apply"),
    "theirs": msg(
        "the statement the customer returned (.xlsx, .xlsm, .xls, .ods, .csv); after apply: the reconciliation "
        "(.xlsx, .ods, .xls)"
    ),
    "--customer": msg("customer ID, when OURS is the master workbook"),
    "--perspective": msg("THEIRS is the customer's own books (default) or our layout sent back"),
    "--date-window": msg("days two dates may differ (default 7)"),
    "--tolerance": msg("amount tolerance in yuan (default 0.01)"),
    "--from": msg("period start for the master (default: from THEIRS)"),
    "--to": msg("period end for the master (default: from THEIRS)"),
    "--out": msg("FILE.xlsx or FILE.csv (default: reconcile_<theirs>.xlsx)"),
    "--into": msg("apply: the master workbook the adjustments go into (with backup)"),
    "--undo": msg("apply: take this reconciliation's adjustments back out of the master"),
    "--date": msg("apply: the date the adjustments are booked (default: today)"),
}


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser, lang: Lang) -> None:
    """Add ``reconcile``."""
    parser = sub.add_parser(
        "reconcile",
        parents=[common],
        help=HELP["reconcile"].render(lang),
        usage="keyacct-xl reconcile OURS THEIRS [options] | keyacct-xl reconcile apply RECON.xlsx --into MASTER",
    )
    parser.add_argument("ours", type=Path, help=HELP["ours"].render(lang))
    parser.add_argument("theirs", type=Path, help=HELP["theirs"].render(lang))
    parser.add_argument("--customer", help=HELP["--customer"].render(lang))
    parser.add_argument(
        "--perspective", choices=["customer", "ours"], default="customer", help=HELP["--perspective"].render(lang)
    )
    parser.add_argument("--date-window", type=int, default=7, help=HELP["--date-window"].render(lang))
    parser.add_argument("--tolerance", type=float, default=0.01, help=HELP["--tolerance"].render(lang))
    parser.add_argument("--from", dest="start", help=HELP["--from"].render(lang))
    parser.add_argument("--to", dest="end", help=HELP["--to"].render(lang))
    parser.add_argument("--out", type=Path, help=HELP["--out"].render(lang))
    parser.add_argument("--into", type=Path, help=HELP["--into"].render(lang))
    parser.add_argument("--undo", action="store_true", help=HELP["--undo"].render(lang))
    parser.add_argument("--date", help=HELP["--date"].render(lang))
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """``reconcile apply RECON --into MASTER``, or reconcile OURS with THEIRS."""
    if str(args.ours) == "apply":
        if args.into is None:
            raise InputError(msg("usage: keyacct-xl reconcile apply RECON.xlsx --into MASTER"))
        when = option_date(args.date, "--date") or pd.Timestamp.today().normalize()
        applied = run_reconcile_apply(
            args.theirs, args.into, applied_at=when, customer_id=args.customer, undo=args.undo
        )
        print(applied.summary(args.lang))
        return 0
    return _reconcile(args)


def _reconcile(args: argparse.Namespace) -> int:
    """Reconcile OURS with THEIRS, write the report, print the balances, the counts per status and the notes."""
    if args.date_window < 0 or args.tolerance < 0:
        raise InputError(msg("--date-window and --tolerance must not be negative"))
    done = run_reconciliation(
        args.theirs,
        args.ours,
        args.out or args.theirs.with_name(f"reconcile_{args.theirs.stem}.xlsx"),
        customer_id=args.customer or "",
        perspective=args.perspective,
        start=option_date(args.start, "--from"),
        end=option_date(args.end, "--to"),
        options=MatchOptions(date_window=args.date_window, tolerance=args.tolerance),
        lang=args.lang,
    )
    print(done.summary(args.lang))
    return 0
