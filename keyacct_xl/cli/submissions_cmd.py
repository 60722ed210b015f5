"""``keyacct-xl submissions MASTER --period P``: which rep has not handed in which form, and which came late."""

from __future__ import annotations

import argparse
from pathlib import Path

from keyacct_xl.cli.options import option_date
from keyacct_xl.consolidate.store import load_store
from keyacct_xl.i18n import Lang, pick
from keyacct_xl.messages import tr
from keyacct_xl.performance.reports_check import run_submissions_check

# The help texts of the command, (zh, en): --help follows --lang, else the system locale (default zh).
HELP: dict[str, tuple[str, str]] = {
    "submissions": (
        "未交报表：按提交日历和参数设置中的业务员每周表单，对照导入台账列出未交和迟交的报表",
        "missing reports: the forms of Settings rep_forms due in the period by the submission calendar, "
        "against the consolidation ledger",
    ),
    "master": ("客户档案总表", "master workbook"),
    "--period": ("期间：周（2026-W48）或月（2026-11）", "period: a week (2026-W48) or a month (2026-11)"),
    "--as-of": ("检查日期（默认：期间最后一天）", "check date (default: the period's last day)"),
    "--rep": ("只检查此业务员", "only this sales rep"),
    "--calendar": (
        "提交日历文件或随程序提供的名称（默认：submissions）",
        "submission calendar file or shipped name (default: submissions)",
    ),
    "--out": (
        "输出 .xlsx 或 .csv 文件（默认：总表旁的 submissions_<期间>.xlsx）",
        "FILE.xlsx or FILE.csv (default: submissions_<period>.xlsx beside MASTER)",
    ),
}


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser, lang: Lang) -> None:
    """Add ``submissions``."""
    parser = sub.add_parser("submissions", parents=[common], help=pick(lang, *HELP["submissions"]))
    parser.add_argument("master", type=Path, help=pick(lang, *HELP["master"]))
    parser.add_argument("--period", required=True, help=pick(lang, *HELP["--period"]))
    parser.add_argument("--as-of", help=pick(lang, *HELP["--as-of"]))
    parser.add_argument("--rep", help=pick(lang, *HELP["--rep"]))
    parser.add_argument("--calendar", help=pick(lang, *HELP["--calendar"]))
    parser.add_argument("--out", type=Path, help=pick(lang, *HELP["--out"]))
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Load the master's consolidation tables, write the check (default: beside the master), one line per rep."""
    store = load_store(args.master)
    check = run_submissions_check(
        store.frames,
        store.settings,
        period=args.period,
        as_of=option_date(args.as_of, "--as-of"),
        rep=args.rep,
        calendar=args.calendar,
        out=args.out,
        out_dir=args.master.parent,
        lang=args.lang,
    )
    print(check.report_line(args.lang))
    for row in check.reps.itertuples(index=False):
        print(
            "  "
            + tr(
                args.lang,
                "{rep}: {due} due, {on_time} on time, {late} late, {missing} missing",
                rep=row.rep,
                due=row.expected,
                on_time=row.on_time,
                late=row.late,
                missing=row.missing,
            )
        )
    return 0
