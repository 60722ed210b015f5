"""``keyacct-xl account MASTER --customer C0527``: the customer fact sheet (一户一档), or ``--all --rep R``."""

from __future__ import annotations

import argparse
from pathlib import Path

from keyacct_xl.briefing.usecase import run_fact_sheet
from keyacct_xl.cli.options import option_date
from keyacct_xl.consolidate.store import load_master_store
from keyacct_xl.errors import InputError
from keyacct_xl.i18n import Lang
from keyacct_xl.messages import Message, msg

# The help texts of the command, catalog messages: --help follows --lang, else the system locale (default zh).
HELP: dict[str, Message] = {
    "account": msg("customer fact sheet: archive, contacts, three years of sales, grades, quotes, visits, ageing"),
    "master": msg("master workbook"),
    "--customer": msg("customer ID (repeat for several)"),
    "--all": msg("every customer of the rep given with --rep"),
    "--rep": msg("the rep whose customers --all writes"),
    "--as-of": msg("the day of the sheet (default: the latest sale, payment or visit)"),
    "--out": msg("FILE.xlsx (default: account_<customer or rep>_<date>.xlsx beside MASTER)"),
}


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser, lang: Lang) -> None:
    """Add ``account``."""
    parser = sub.add_parser("account", parents=[common], help=HELP["account"].render(lang))
    parser.add_argument("master", type=Path, help=HELP["master"].render(lang))
    parser.add_argument("--customer", action="append", default=[], help=HELP["--customer"].render(lang))
    parser.add_argument("--all", action="store_true", help=HELP["--all"].render(lang))
    parser.add_argument("--rep", help=HELP["--rep"].render(lang))
    parser.add_argument("--as-of", help=HELP["--as-of"].render(lang))
    parser.add_argument("--out", type=Path, help=HELP["--out"].render(lang))
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Load the master and its plans, write the fact sheets (default: beside the master), print the summary."""
    if args.all != (args.rep is not None) or args.all == bool(args.customer):
        raise InputError(msg("account: give --customer ID, or --all with --rep NAME"))
    master, store = load_master_store(args.master)
    sheets = run_fact_sheet(
        master,
        store.frames,
        customer_ids=[c.strip() for c in args.customer],
        rep=args.rep.strip() if args.rep else None,
        as_of=option_date(args.as_of, "--as-of"),
        out=args.out,
        out_dir=args.master.parent,
        lang=args.lang,
    )
    print(sheets.report_line(args.lang))
    return 0
