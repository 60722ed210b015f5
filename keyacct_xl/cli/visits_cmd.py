"""``keyacct-xl visits check MASTER``: who is due or overdue for a visit, plan against actual, follow-up lists."""

from __future__ import annotations

import argparse
from pathlib import Path

from keyacct_xl.cli.checks import warn_references
from keyacct_xl.cli.options import option_date
from keyacct_xl.followup.check import run_visits_check
from keyacct_xl.i18n import Lang, pick
from keyacct_xl.master.reader import load_master
from keyacct_xl.master.schema import CONTACTS, CUSTOMERS, VISITS

# The help texts of the command, (zh, en): --help follows --lang, else the system locale (default zh).
HELP: dict[str, tuple[str, str]] = {
    "visits": ("客户回访检查：谁到期、谁逾期、计划执行、待跟进事项", "follow-up control: who is due or overdue, "
               "plan against actual, open follow-ups"),
    "check": ("按回访政策检查每个客户和每个业务员（xlsx 含每人签字页，或 csv）",
              "check every customer and rep against the visit policy (xlsx with a page per rep to sign, or csv)"),
    "master": ("客户档案总表", "master workbook"),
    "--as-of": ("检查日期（默认：最近一次拜访或销售的日期）", "check date (default: latest visit or sale)"),
    "--rep": ("只检查此业务员", "only this sales rep"),
    "--policy": ("回访政策文件或随程序提供的名称（默认：参数设置中的回访政策）",
                 "visit policy file or shipped name (default: Settings visit_policy)"),
    "--out": ("输出 .xlsx 或 .csv 文件（默认：总表旁的 visits_check_<日期>.xlsx）",
              "FILE.xlsx or FILE.csv (default: visits_check_<date>.xlsx beside MASTER)"),
}


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser, lang: Lang) -> None:
    """Add ``visits check``."""
    parser = sub.add_parser("visits", parents=[common], help=pick(lang, *HELP["visits"]))
    actions = parser.add_subparsers(dest="visits_action", metavar="ACTION", required=True)
    check = actions.add_parser("check", parents=[common], help=pick(lang, *HELP["check"]))
    check.add_argument("master", type=Path, help=pick(lang, *HELP["master"]))
    check.add_argument("--as-of", help=pick(lang, *HELP["--as-of"]))
    check.add_argument("--rep", help=pick(lang, *HELP["--rep"]))
    check.add_argument("--policy", help=pick(lang, *HELP["--policy"]))
    check.add_argument("--out", type=Path, help=pick(lang, *HELP["--out"]))
    check.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Load the master, check it into ``--out`` (default: beside the master), print the summary per rep."""
    master = load_master(args.master)
    warn_references(master, (CUSTOMERS, VISITS, CONTACTS), args.lang)
    check = run_visits_check(master, as_of=option_date(args.as_of, "--as-of"), rep=args.rep, policy=args.policy,
                             out=args.out, out_dir=args.master.parent, lang=args.lang)
    print(check.report_line(args.lang))
    grades = "/".join(check.policy.quarterly_face_to_face)
    for row in check.reps.itertuples(index=False):
        print(pick(args.lang, f"  {row.rep}：{grades} 逾期 {row.key_overdue}，本季覆盖 {row.key_visited_quarter}/"
                              f"{row.key_customers}，逾期 {row.overdue}，逾期未跟进 {row.next_steps_overdue}",
                   f"  {row.rep}: {row.key_overdue} {grades} overdue, {row.key_visited_quarter}/{row.key_customers} "
                   f"covered this quarter, {row.overdue} overdue, {row.next_steps_overdue} next steps overdue"))
    return 0
