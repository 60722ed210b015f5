"""``keyacct-xl grade MASTER --year Y``: the annual grading review; ``grade apply MASTER``: record final grades."""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

from keyacct_xl.analytics.analysis import review_sheets
from keyacct_xl.analytics.grading import change_counts
from keyacct_xl.analytics.policy import load_grading_policy
from keyacct_xl.analytics.review import Review, build_review
from keyacct_xl.analytics.review_sheet import apply_review_sheet, write_review_sheet
from keyacct_xl.analytics.workbook import write_table
from keyacct_xl.cli.checks import warn_references
from keyacct_xl.cli.options import option_date
from keyacct_xl.errors import InputError
from keyacct_xl.i18n import Lang, pick
from keyacct_xl.master.integrity import LEDGER_TABLES, require_unique_ids
from keyacct_xl.master.reader import load_master
from keyacct_xl.messages import msg

# The help texts of the command, (zh, en): --help follows --lang, else the system locale (default zh).
HELP: dict[str, tuple[str, str]] = {
    "grade": ("年度评级审核；grade apply 记录审核结果", "annual grading review; 'grade apply' records it"),
    "target": ("客户档案总表", "the master workbook"),
    "--year": ("评级年度（审核时必填）", "the graded year (required for the review)"),
    "--policy": ("政策文件或随程序提供的政策名称（默认：参数设置中的评级政策）",
                 "policy file or shipped name (default: Settings grading_policy)"),
    "--out": ("把评级审核写入 .xlsx（含会议名单）或 .csv，而不是写入总表中的审核表",
              "write the review to .xlsx (with the meeting lists) or .csv instead of a review sheet in the master"),
    "--approved-by": ("apply：批准评级的人（记入等级历史）", "apply: who approved the grades (GradeHistory)"),
    "--date": ("apply：评级生效日期（默认：今天）", "apply: the date the grades take effect (default: today)"),
}


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser, lang: Lang) -> None:
    """Add ``grade [apply] MASTER``."""
    parser = sub.add_parser("grade", parents=[common], help=pick(lang, *HELP["grade"]),
                            usage="keyacct-xl grade [apply] MASTER [options]")
    parser.add_argument("target", nargs="+", metavar="[apply] MASTER", help=pick(lang, *HELP["target"]))
    parser.add_argument("--year", type=int, help=pick(lang, *HELP["--year"]))
    parser.add_argument("--policy", help=pick(lang, *HELP["--policy"]))
    parser.add_argument("--out", type=Path, help=pick(lang, *HELP["--out"]))
    parser.add_argument("--approved-by", help=pick(lang, *HELP["--approved-by"]))
    parser.add_argument("--date", help=pick(lang, *HELP["--date"]))
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Dispatch to the review or to apply."""
    words = list(args.target)
    if words[0] == "apply":
        if len(words) != 2:
            raise InputError("usage: keyacct-xl grade apply MASTER", "用法：keyacct-xl grade apply 客户档案总表")
        return _apply(Path(words[1]), args)
    if len(words) != 1:
        raise InputError(f"grade: one master workbook expected, got {' '.join(words)}",
                         f"grade：只需一个客户档案总表，实际为 {' '.join(words)}")
    if args.year is None:
        raise InputError("grade: --year is required", "grade：必须指定 --year")
    return _review(Path(words[0]), args)


def _review(path: Path, args: argparse.Namespace) -> int:
    master = load_master(path)
    require_unique_ids(master, msg("grading"))
    warn_references(master, LEDGER_TABLES, args.lang)
    policy = load_grading_policy(args.policy) if args.policy else None
    review = build_review(master, year=args.year, policy=policy, lang=args.lang)
    _print_summary(review, args.lang)
    if args.out:
        write_table(args.out, review_sheets(review, args.lang), title=pick(args.lang, "年度评级审核", "Grading review"),
                    lang=args.lang)
        print(pick(args.lang, f"已写入：{args.out}", f"written: {args.out}"))
    else:
        kept = write_review_sheet(path, review.table, lang=master.lang)
        if kept:
            print(pick(args.lang, f"保留了上次审核中已填写的 {kept:,} 行会议结论",
                       f"kept the meeting's entries from the previous review on {kept:,} row(s)"))
        print(pick(args.lang, f"评级审核表已写入 {path}（工作表 评级审核）；填写最终等级后运行 keyacct-xl grade apply",
                   f"review sheet written into {path}; fill final_grade, then run keyacct-xl grade apply"))
    return 0


def _print_summary(review: Review, lang: Lang) -> None:
    table = review.table
    print(pick(lang, f"{review.year} 年度评级（{review.policy.title_zh}），评级日 {review.evaluation.date()}",
               f"{review.year} grading ({review.policy.title_en}), evaluated {review.evaluation.date()}"))
    mix = table["proposed_grade"].value_counts()
    print("  " + "  ".join(f"{g}: {int(mix.get(g, 0)):,}" for g in review.policy.grades))
    print("  " + change_counts(table["change"], lang))
    for title, frame in review.lists.items():
        print(f"  {title}: {len(frame):,}")


def _apply(path: Path, args: argparse.Namespace) -> int:
    when = option_date(args.date, "--date") or pd.Timestamp.today().normalize()
    applied = apply_review_sheet(path, approved_by=args.approved_by, applied_at=when)
    print(applied.summary(args.lang))
    if not applied.tables:
        print(pick(args.lang, "没有需要更改的内容（已应用过）", "nothing to change (already applied)"))
    return 0
