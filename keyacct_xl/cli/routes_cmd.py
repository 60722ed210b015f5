"""``keyacct-xl routes assign MASTER``: propose 客户路序 for a review; ``routes apply MASTER``: write the order."""

from __future__ import annotations

import argparse
from pathlib import Path

from keyacct_xl.errors import InputError
from keyacct_xl.followup.check import require_rep
from keyacct_xl.followup.route_review import apply_route_review, review_name, with_consolidated, write_route_review
from keyacct_xl.followup.routes import propose_routes
from keyacct_xl.i18n import Lang
from keyacct_xl.master.reader import load_master
from keyacct_xl.messages import Message, msg, tr

# The help texts of the command, catalog messages: --help follows --lang, else the system locale (default zh).
HELP: dict[str, Message] = {
    "routes": msg("customer route order for short round trips"),
    "assign": msg("propose each rep's route order per city, as a review workbook"),
    "apply": msg("write the review's chosen order into Customers (with backup)"),
    "master": msg("master workbook"),
    "--rep": msg("assign: only this sales rep's customers"),
    "--out": msg("assign: the review .xlsx (default: routes_review_<master>.xlsx beside MASTER)"),
    "--review": msg("apply: the review to read (default: as assign writes it)"),
    "--undo": msg("apply: put back the order apply replaced, where the master still holds the one it wrote"),
    "--force": msg("apply: write the chosen order also over an order changed since the review"),
}


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser, lang: Lang) -> None:
    """Add ``routes assign`` and ``routes apply``."""
    parser = sub.add_parser("routes", parents=[common], help=HELP["routes"].render(lang))
    actions = parser.add_subparsers(dest="routes_action", metavar="ACTION", required=True)
    assign = actions.add_parser("assign", parents=[common], help=HELP["assign"].render(lang))
    assign.add_argument("master", type=Path, help=HELP["master"].render(lang))
    assign.add_argument("--rep", help=HELP["--rep"].render(lang))
    assign.add_argument("--out", type=Path, help=HELP["--out"].render(lang))
    assign.set_defaults(func=run_assign)
    apply = actions.add_parser("apply", parents=[common], help=HELP["apply"].render(lang))
    apply.add_argument("master", type=Path, help=HELP["master"].render(lang))
    apply.add_argument("--review", type=Path, help=HELP["--review"].render(lang))
    apply.add_argument("--undo", action="store_true", help=HELP["--undo"].render(lang))
    apply.add_argument("--force", action="store_true", help=HELP["--force"].render(lang))
    apply.set_defaults(func=run_apply)


def run_assign(args: argparse.Namespace) -> int:
    """Propose the order and write the review workbook."""
    master = load_master(args.master)
    if args.rep is not None:
        require_rep(master, args.rep)
    routes = propose_routes(master.customers, rep=args.rep)
    if routes.empty:
        raise InputError(msg("{master}: no customers to order", master=args.master))
    path = write_route_review(
        with_consolidated(routes, master.customers),
        args.out or review_name(args.master),
        lang=args.lang,
        company=master.settings.company_name,
    )
    moved = int((routes["route_seq"].astype("Float64") != routes["proposed_seq"]).fillna(True).sum())
    count = routes.groupby(["rep", "city"], dropna=False).ngroups
    print(
        tr(
            args.lang,
            "route proposal: {routes_count:,} customers, {count:,} routes, {moved:,} with a new route order; "
            "review: {path}",
            routes_count=len(routes),
            count=count,
            moved=moved,
            path=path,
        )
    )
    return 0


def run_apply(args: argparse.Namespace) -> int:
    """Write the chosen order into Customers; exit 1 when a customer's order changed since was left as it is."""
    review = args.review or review_name(args.master)
    applied = apply_route_review(args.master, review, undo=args.undo, force=args.force)
    print(applied.summary(args.lang))
    return 1 if applied.left else 0
