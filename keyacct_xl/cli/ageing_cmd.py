"""``keyacct-xl ageing``: receivables by days past due, one row per customer (账龄分析)."""

from __future__ import annotations

import argparse
from pathlib import Path

from keyacct_xl.cli.checks import warn_references
from keyacct_xl.cli.options import option_date
from keyacct_xl.i18n import Lang
from keyacct_xl.master.integrity import LEDGER_TABLES
from keyacct_xl.master.reader import load_master
from keyacct_xl.master.settings import DEFAULTS
from keyacct_xl.messages import Message, msg
from keyacct_xl.receivables.ageing import parse_buckets
from keyacct_xl.receivables.usecase import run_ageing

# The help texts of the command, catalog messages: --help follows --lang, else the system locale (default zh).
HELP: dict[str, Message] = {
    "ageing": msg("receivables ageing per customer (xlsx or csv)"),
    "master": msg("master workbook"),
    "--as-of": msg("cut-off date (default: latest transaction or payment)"),
    "--buckets": msg(
        "days past due, e.g. {example} (default: the ageing_buckets setting)", example=DEFAULTS["ageing_buckets"]
    ),
    "--out": msg("FILE.xlsx or FILE.csv (default: ageing_<date>.xlsx beside MASTER)"),
}


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser, lang: Lang) -> None:
    """Add ``ageing``."""
    parser = sub.add_parser("ageing", parents=[common], help=HELP["ageing"].render(lang))
    parser.add_argument("master", type=Path, help=HELP["master"].render(lang))
    parser.add_argument("--as-of", help=HELP["--as-of"].render(lang))
    parser.add_argument("--buckets", help=HELP["--buckets"].render(lang))
    parser.add_argument("--out", type=Path, help=HELP["--out"].render(lang))
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Load the master, run the ageing into ``--out`` (default: beside the master), print its summary."""
    master = load_master(args.master)
    warn_references(master, LEDGER_TABLES, args.lang)
    result = run_ageing(
        master,
        as_of=option_date(args.as_of, "--as-of"),
        buckets=parse_buckets(args.buckets) if args.buckets else None,
        out=args.out,
        out_dir=args.master.parent,
        lang=args.lang,
    )
    print(result.report_line(args.lang))
    return 0
