"""``keyacct-xl run``: run a ribbon action on a master workbook file, exactly as the Excel ribbon does."""

from __future__ import annotations

import argparse
from pathlib import Path

from keyacct_xl.bridge.base import ActionOptions, FileBridge
from keyacct_xl.errors import InputError
from keyacct_xl.i18n import Lang, pick
from keyacct_xl.macros import ACTIONS, run_action

# The help texts of the command, (zh, en): --help follows --lang, else the system locale (default zh).
HELP: dict[str, tuple[str, str]] = {
    "run": ("不打开 Excel 运行一个功能区按钮（run --list 列出名称）",
            "run a ribbon action headless (run --list for names)"),
    "action": ("按钮名称，与功能区按钮的标记相同", "action name, as on the ribbon button's tag"),
    "--list": ("列出按钮名称，每行一个", "print the action names, one per line"),
    "--book": ("客户档案总表（.xlsx）", "the master workbook (.xlsx)"),
    "--out": ("报表文件夹（默认：总表旁的 reports/）", "folder for reports (default: reports/ beside the master)"),
    "--as-of": ("截止日期（默认：数据中的最近日期）", "cut-off date (default: latest date in the data)"),
    "--year": ("评级或分析的年度（默认：最近有销售的年度）",
               "year to grade or analyse (default: latest year with sales)"),
    "--input": ("按钮读取的输入文件（如对账单）", "an input file the action reads (e.g. a statement)"),
    "--approved-by": ("批准评级的人（apply_grades）", "who approved the grades (apply_grades)"),
    "--customer": ("客户编号（对账、对账单）", "customer ID (reconcile, statements)"),
    "--period": ("周 2026-W48 或月 2026-11（预填表单、对账单）",
                 "week 2026-W48 or month 2026-11 (prefill_forms, statements)"),
    "--rep": ("只为此业务员（预填表单）", "only this sales rep (prefill_forms)"),
    "--amount": ("订单金额（信用检查）", "order amount (credit_check)"),
}


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser, lang: Lang) -> None:
    """Add ``run``."""
    parser = sub.add_parser("run", parents=[common], help=pick(lang, *HELP["run"]))
    parser.add_argument("action", nargs="?", help=pick(lang, *HELP["action"]))
    parser.add_argument("--list", action="store_true", help=pick(lang, *HELP["--list"]))
    parser.add_argument("--book", type=Path, help=pick(lang, *HELP["--book"]))
    parser.add_argument("--out", type=Path, help=pick(lang, *HELP["--out"]))
    parser.add_argument("--as-of", help=pick(lang, *HELP["--as-of"]))
    parser.add_argument("--year", type=int, help=pick(lang, *HELP["--year"]))
    parser.add_argument("--input", type=Path, help=pick(lang, *HELP["--input"]))
    parser.add_argument("--approved-by", help=pick(lang, *HELP["--approved-by"]))
    parser.add_argument("--customer", help=pick(lang, *HELP["--customer"]))
    parser.add_argument("--period", help=pick(lang, *HELP["--period"]))
    parser.add_argument("--rep", help=pick(lang, *HELP["--rep"]))
    parser.add_argument("--amount", help=pick(lang, *HELP["--amount"]))
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """List the actions, or run one through the file back end."""
    if args.list:
        print("\n".join(ACTIONS))
        return 0
    if not args.action:
        raise InputError("give an action name or --list", "请给出操作名称，或使用 --list")
    options = ActionOptions(as_of=args.as_of, year=args.year, out_dir=args.out, input=args.input,
                            approved_by=args.approved_by,
                            extra={k: v for k, v in (("customer", args.customer), ("period", args.period),
                                                    ("rep", args.rep), ("amount", args.amount)) if v})
    run_action(args.action, FileBridge(args.book, lang=args.lang), options)
    return 0
