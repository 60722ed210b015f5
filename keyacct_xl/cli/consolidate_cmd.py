"""``keyacct-xl consolidate SOURCE --into MASTER``: merge reps' submitted forms into the master."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable
from pathlib import Path

from tqdm import tqdm

from keyacct_xl.consolidate.undo import undo_submission
from keyacct_xl.consolidate.usecase import run_consolidation
from keyacct_xl.errors import InputError
from keyacct_xl.i18n import Lang, pick

# The help texts of the command, (zh, en): --help follows --lang, else the system locale (default zh).
HELP: dict[str, tuple[str, str]] = {
    "consolidate": ("把回收的表单汇总进客户档案总表", "merge submitted forms into the master workbook"),
    "source": ("表单所在文件夹（含子文件夹）或 .zip（不与 --undo 同用）",
               "folder (searched recursively) or .zip of forms (not with --undo)"),
    "--into": ("要更新的客户档案总表", "the master workbook to update"),
    "--report": ("汇总报告写到这里，必要时新建文件夹（默认：总表旁的 总表名-汇总报告-日期-时间.xlsx；从不覆盖）",
                 "write the report workbook here, creating its folder (default: beside MASTER, named "
                 "MASTER-consolidation-DATE-TIME.xlsx, or MASTER-汇总报告-... in zh; never overwritten)"),
    "--quarantine": ("把拒收的文件复制到这里，每个附一个 .reason.txt（不改动来源文件夹）",
                     "copy rejected files here, each with a .reason.txt (SOURCE is never changed)"),
    "--dry-run": ("全部检查，只写汇总报告", "check everything, write only the report"),
    "--jobs": ("读取文件的进程数", "worker processes for reading files"),
    "--forms": ("只汇总这些表单（如 visit_record,weekly_plan）",
                "consolidate only these forms (e.g. visit_record,weekly_plan)"),
    "--strict": ("任一行有错误时拒收整个文件", "reject a whole file when any row has an error"),
    "--accept": ("汇总这个待审核的文件（文件名、路径或文件指纹开头）；可重复",
                 "merge this file that waits for review (name, path or sha256 start); repeatable"),
    "--reject": ("最终拒收这个待审核的文件；可重复", "refuse this file that waits for review for good; repeatable"),
    "--without-sensitive": ("在汇总报告中隐去个人信息字段的值（电话、生日、档案问答）；总表不变",
                            "mask the values of personal fields (phones, birthdays, profile answers) in the report; "
                            "the master keeps them"),
    "--undo": ("从总表中撤回一个已汇总的文件（文件名或文件指纹开头），从最新的开始",
               "take one consolidated file back out of the master (name or sha256 start), newest first"),
}


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser, lang: Lang) -> None:
    """Add ``consolidate``."""
    parser = sub.add_parser("consolidate", parents=[common], help=pick(lang, *HELP["consolidate"]))
    parser.add_argument("source", type=Path, metavar="SOURCE", nargs="?",
                        help=pick(lang, *HELP["source"]))
    parser.add_argument("--into", type=Path, required=True, metavar="MASTER", help=pick(lang, *HELP["--into"]))
    parser.add_argument("--report", type=Path, metavar="FILE.xlsx",
                        help=pick(lang, *HELP["--report"]))
    parser.add_argument("--quarantine", type=Path, metavar="DIR",
                        help=pick(lang, *HELP["--quarantine"]))
    parser.add_argument("--dry-run", action="store_true", help=pick(lang, *HELP["--dry-run"]))
    parser.add_argument("--jobs", type=int, default=1, metavar="N", help=pick(lang, *HELP["--jobs"]))
    parser.add_argument("--forms", type=lambda s: [f.strip() for f in s.split(",") if f.strip()], default=None,
                        metavar="ID,...", help=pick(lang, *HELP["--forms"]))
    parser.add_argument("--strict", action="store_true", help=pick(lang, *HELP["--strict"]))
    parser.add_argument("--accept", action="append", default=[], metavar="FILE",
                        help=pick(lang, *HELP["--accept"]))
    parser.add_argument("--reject", action="append", default=[], metavar="FILE",
                        help=pick(lang, *HELP["--reject"]))
    parser.add_argument("--without-sensitive", action="store_true", help=pick(lang, *HELP["--without-sensitive"]))
    parser.add_argument("--undo", metavar="FILE",
                        help=pick(lang, *HELP["--undo"]))
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Consolidate, write the report (every run, a dry run too), print the summary and where the report is.

    Rejected files are reported, not fatal.
    """
    if args.undo:
        print(undo_submission(args.into, args.undo).summary(args.lang))
        return 0
    if args.source is None:
        raise InputError("SOURCE is missing: the folder or .zip of submitted forms",
                         "缺少 SOURCE：提交表单的文件夹或 .zip")

    def progress(items: Iterable, total: int) -> Iterable:
        return tqdm(items, total=total, desc=pick(args.lang, "汇总", "consolidating"),
                    unit=pick(args.lang, "个文件", " files"), file=sys.stderr, disable=None)

    run = run_consolidation(args.source, args.into, lang=args.lang, report=args.report,
                            without_sensitive=args.without_sensitive, dry_run=args.dry_run, progress=progress,
                            quarantine_dir=args.quarantine, jobs=max(1, args.jobs), forms=args.forms,
                            strict=args.strict, accept=args.accept, reject=args.reject)
    print(run.summary(args.lang))
    print(pick(args.lang, f"汇总报告：{run.report}", f"report: {run.report}"))
    return 0
