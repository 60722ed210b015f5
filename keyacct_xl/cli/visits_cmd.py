"""``keyacct-xl visits check MASTER``: who is due or overdue for a visit, plan against actual, follow-up lists."""

from __future__ import annotations

import argparse
from pathlib import Path

from keyacct_xl.cli.checks import warn_references
from keyacct_xl.cli.options import option_date
from keyacct_xl.followup.check import rep_shown, run_visits_check
from keyacct_xl.i18n import Lang
from keyacct_xl.master.reader import load_master
from keyacct_xl.master.schema import CONTACTS, CUSTOMERS, VISITS
from keyacct_xl.messages import Message, msg, tr

# The help texts of the command, catalog messages: --help follows --lang, else the system locale (default zh).
HELP: dict[str, Message] = {
    "visits": msg("follow-up control: who is due or overdue, plan against actual, open follow-ups"),
    "check": msg("check every customer and rep against the visit policy (xlsx with a page per rep to sign, or csv)"),
    "master": msg("master workbook"),
    "--as-of": msg("check date (default: latest visit or sale)"),
    "--rep": msg("only this sales rep"),
    "--policy": msg("visit policy file or shipped name (default: the Settings' Visit Policy)"),
    "--out": msg("FILE.xlsx or FILE.csv (default: visits_check_<date>.xlsx beside MASTER)"),
}


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser, lang: Lang) -> None:
    """Add ``visits check``."""
    parser = sub.add_parser("visits", parents=[common], help=HELP["visits"].render(lang))
    actions = parser.add_subparsers(dest="visits_action", metavar="ACTION", required=True)
    check = actions.add_parser("check", parents=[common], help=HELP["check"].render(lang))
    check.add_argument("master", type=Path, help=HELP["master"].render(lang))
    check.add_argument("--as-of", help=HELP["--as-of"].render(lang))
    check.add_argument("--rep", help=HELP["--rep"].render(lang))
    check.add_argument("--policy", help=HELP["--policy"].render(lang))
    check.add_argument("--out", type=Path, help=HELP["--out"].render(lang))
    check.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Load the master, check it into ``--out`` (default: beside the master), print the summary per rep."""
    master = load_master(args.master)
    warn_references(master, (CUSTOMERS, VISITS, CONTACTS), args.lang)
    check = run_visits_check(
        master,
        as_of=option_date(args.as_of, "--as-of"),
        rep=args.rep,
        policy=args.policy,
        out=args.out,
        out_dir=args.master.parent,
        lang=args.lang,
    )
    print(check.report_line(args.lang))
    grades = "/".join(check.policy.quarterly_face_to_face)
    for row in check.reps.itertuples(index=False):
        print(
            tr(
                args.lang,
                "  {rep}: {key_overdue} {grades} overdue, {key_visited_quarter}/{key_customers} covered "
                "this quarter, {overdue} overdue, {next_steps_overdue} next steps overdue",
                rep=rep_shown(row.rep, args.lang),
                key_overdue=row.key_overdue,
                grades=grades,
                key_visited_quarter=row.key_visited_quarter,
                key_customers=row.key_customers,
                overdue=row.overdue,
                next_steps_overdue=row.next_steps_overdue,
            )
        )
    return 0
