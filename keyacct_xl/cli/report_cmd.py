"""``keyacct-xl report gm MASTER --period 2026-10``: the general manager's monthly pack (总经理月报)."""

from __future__ import annotations

import argparse
from pathlib import Path

from keyacct_xl.briefing.usecase import last_full_month, run_gm_pack
from keyacct_xl.consolidate.store import load_master_store
from keyacct_xl.i18n import Lang
from keyacct_xl.messages import Message, msg

# The help texts of the command, catalog messages: --help follows --lang, else the system locale (default zh).
HELP: dict[str, Message] = {
    "report": msg("reports for a meeting"),
    "gm": msg("the general manager's monthly pack: KPIs, sales, customers, receivables, funnel, visits, complaints"),
    "master": msg("master workbook"),
    "--period": msg("the month, e.g. 2026-10 (default: the last full month of sales)"),
    "--out": msg("FILE.xlsx (default: gm_pack_<month>.xlsx beside MASTER)"),
}


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser, lang: Lang) -> None:
    """Add ``report gm``."""
    parser = sub.add_parser("report", parents=[common], help=HELP["report"].render(lang))
    kinds = parser.add_subparsers(dest="report_kind", metavar="REPORT", required=True)
    gm = kinds.add_parser("gm", parents=[common], help=HELP["gm"].render(lang))
    gm.add_argument("master", type=Path, help=HELP["master"].render(lang))
    gm.add_argument("--period", help=HELP["--period"].render(lang))
    gm.add_argument("--out", type=Path, help=HELP["--out"].render(lang))
    gm.set_defaults(func=run_gm)


def run_gm(args: argparse.Namespace) -> int:
    """Load the master and its plans, write the month's pack (default: beside the master), print its summary."""
    master, store = load_master_store(args.master)
    pack = run_gm_pack(
        master,
        store.frames,
        period=args.period or str(last_full_month(master)),
        out=args.out,
        out_dir=args.master.parent,
        lang=args.lang,
    )
    print(pack.report_line(args.lang))
    return 0
