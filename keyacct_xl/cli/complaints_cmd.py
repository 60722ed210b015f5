"""``keyacct-xl complaints MASTER``: the complaint and service register with its deadlines."""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

from keyacct_xl.cli.options import option_date
from keyacct_xl.consolidate.store import load_store
from keyacct_xl.errors import InputError
from keyacct_xl.i18n import Lang
from keyacct_xl.messages import Message, msg, tr
from keyacct_xl.performance.complaints import end_of_day
from keyacct_xl.performance.register import run_complaint_register

# The help texts of the command, catalog messages: --help follows --lang, else the system locale (default zh).
HELP: dict[str, Message] = {
    "complaints": msg(
        "complaint and service register: 24 h containment, ten working days to close, warranty, overdue flags"
    ),
    "master": msg("master workbook"),
    "--as-of": msg("cut-off: a date (its end) or date hh:mm (default: the latest complaint, request or visit date)"),
    "--policy": msg("deadline policy file or shipped name (default: complaints)"),
    "--out": msg("FILE.xlsx or FILE.csv (default: complaints_<date>.xlsx beside MASTER)"),
}


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser, lang: Lang) -> None:
    """Add ``complaints``."""
    parser = sub.add_parser("complaints", parents=[common], help=HELP["complaints"].render(lang))
    parser.add_argument("master", type=Path, help=HELP["master"].render(lang))
    parser.add_argument("--as-of", help=HELP["--as-of"].render(lang))
    parser.add_argument("--policy", help=HELP["--policy"].render(lang))
    parser.add_argument("--out", type=Path, help=HELP["--out"].render(lang))
    parser.set_defaults(func=run)


def option_moment(text: str | None, option: str) -> pd.Timestamp | None:
    """A cut-off on the command line: ``2026-11-25 10:30`` as written, a date alone as the end of that day."""
    if text is None:
        return None
    if ":" not in text:
        day = option_date(text, option)
        return None if day is None else end_of_day(day)
    try:
        return pd.Timestamp(text.strip())
    except ValueError:
        raise InputError(
            msg("{option}: {value!r} is no date and time (2026-11-25 10:30)", option=option, value=text)
        ) from None


def run(args: argparse.Namespace) -> int:
    """Load the master's consolidation tables, write the register (default: beside the master), print a line
    per open complaint past a deadline."""
    store = load_store(args.master)
    register = run_complaint_register(
        store.frames,
        as_of=option_moment(args.as_of, "--as-of"),
        policy=args.policy,
        out=args.out,
        out_dir=args.master.parent,
        lang=args.lang,
    )
    print(register.report_line(args.lang))
    late = register.complaints[
        (register.complaints["containment"] == "overdue") | (register.complaints["closure"] == "overdue")
    ]
    for row in late.itertuples(index=False):
        print(
            "  "
            + tr(
                args.lang,
                "{no} {customer} ({rep}): received {received}, {days} days",
                no=row.complaint_no,
                customer=row.customer_name or row.customer_id,
                rep=row.rep or "-",
                received=row.received_date.strftime("%Y-%m-%d"),
                days=row.age_days,
            )
        )
    return 0
