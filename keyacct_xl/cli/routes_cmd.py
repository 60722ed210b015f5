"""``keyacct-xl routes assign MASTER``: propose 客户路序 for a review; ``routes apply MASTER``: write the order."""

from __future__ import annotations

import argparse
from pathlib import Path

from keyacct_xl.errors import InputError
from keyacct_xl.followup.check import require_rep
from keyacct_xl.followup.route_review import apply_route_review, review_name, write_route_review
from keyacct_xl.followup.routes import propose_routes
from keyacct_xl.i18n import Lang, pick
from keyacct_xl.master.reader import load_master

# The help texts of the command, (zh, en): --help follows --lang, else the system locale (default zh).
HELP: dict[str, tuple[str, str]] = {
    "routes": ("客户路序：按区域排出往返路程短的拜访顺序", "customer route order (客户路序) for short round trips"),
    "assign": ("建议每个业务员在各城市内的客户路序，写成审核表", "propose each rep's route order per city, as a review "
               "workbook"),
    "apply": ("把审核表中的确定路序写入客户档案（先备份）",
              "write the review's chosen order into Customers (with backup)"),
    "master": ("客户档案总表", "master workbook"),
    "--rep": ("assign：只排此业务员的客户", "assign: only this sales rep's customers"),
    "--out": ("assign：审核表 .xlsx（默认：总表旁的 routes_review_<总表>.xlsx）",
              "assign: the review .xlsx (default: routes_review_<master>.xlsx beside MASTER)"),
    "--review": ("apply：读取的审核表（默认与 assign 相同）",
                 "apply: the review to read (default: as assign writes it)"),
}


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser, lang: Lang) -> None:
    """Add ``routes assign`` and ``routes apply``."""
    parser = sub.add_parser("routes", parents=[common], help=pick(lang, *HELP["routes"]))
    actions = parser.add_subparsers(dest="routes_action", metavar="ACTION", required=True)
    assign = actions.add_parser("assign", parents=[common], help=pick(lang, *HELP["assign"]))
    assign.add_argument("master", type=Path, help=pick(lang, *HELP["master"]))
    assign.add_argument("--rep", help=pick(lang, *HELP["--rep"]))
    assign.add_argument("--out", type=Path, help=pick(lang, *HELP["--out"]))
    assign.set_defaults(func=run_assign)
    apply = actions.add_parser("apply", parents=[common], help=pick(lang, *HELP["apply"]))
    apply.add_argument("master", type=Path, help=pick(lang, *HELP["master"]))
    apply.add_argument("--review", type=Path, help=pick(lang, *HELP["--review"]))
    apply.set_defaults(func=run_apply)


def run_assign(args: argparse.Namespace) -> int:
    """Propose the order and write the review workbook."""
    master = load_master(args.master)
    if args.rep is not None:
        require_rep(master, args.rep)
    routes = propose_routes(master.customers, rep=args.rep)
    if routes.empty:
        raise InputError(f"{args.master}: no customers to order", f"{args.master}：没有可排序的客户")
    path = write_route_review(routes, args.out or review_name(args.master), lang=args.lang)
    moved = int((routes["route_seq"].astype("Float64") != routes["proposed_seq"]).fillna(True).sum())
    count = routes.groupby(["rep", "city"], dropna=False).ngroups
    print(pick(args.lang, f"客户路序建议：{len(routes):,} 个客户，{count:,} 条路线，{moved:,} 个路序有变；"
                          f"审核表：{path}",
               f"route proposal: {len(routes):,} customers, {count:,} routes, {moved:,} route_seq changed; "
               f"review: {path}"))
    return 0


def run_apply(args: argparse.Namespace) -> int:
    """Write the chosen order into Customers."""
    applied = apply_route_review(args.master, args.review or review_name(args.master))
    print(pick(args.lang, *applied.summary()))
    return 0
