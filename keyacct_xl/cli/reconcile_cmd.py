"""``keyacct-xl reconcile``: match our ledger with the statement a customer returned (对帐)."""

from __future__ import annotations

import argparse
from pathlib import Path

from keyacct_xl.cli.options import option_date
from keyacct_xl.errors import InputError
from keyacct_xl.i18n import Lang, pick
from keyacct_xl.master.reader import is_master_workbook, load_master
from keyacct_xl.receivables.master_lines import master_lines, statement_period
from keyacct_xl.receivables.matching import MatchOptions
from keyacct_xl.receivables.reconcile import reconcile, status_counts
from keyacct_xl.receivables.reconcile_report import write_reconciliation
from keyacct_xl.receivables.statement_reader import read_statement

# The help texts of the command, (zh, en): --help follows --lang, else the system locale (default zh).
HELP: dict[str, tuple[str, str]] = {
    "reconcile": ("把我方账目与客户的对账单核对", "reconcile our ledger with a customer's statement"),
    "ours": ("客户档案总表（配合 --customer）或我方对账单文件",
             "master workbook (with --customer) or our statement file"),
    "theirs": ("客户回传的对账单（.xlsx、.xls、.csv）", "the statement the customer returned (.xlsx, .xls, .csv)"),
    "--customer": ("客户编号（我方文件为客户档案总表时）", "customer ID, when OURS is the master workbook"),
    "--perspective": ("对方文件是客户自己的账（默认），或寄回的我方格式",
                      "THEIRS is the customer's own books (default) or our layout sent back"),
    "--date-window": ("两个日期可相差的天数（默认 7）", "days two dates may differ (default 7)"),
    "--tolerance": ("金额容差，单位元（默认 0.01）", "amount tolerance in yuan (default 0.01)"),
    "--from": ("总表的期间开始日期（默认：取自对方文件）", "period start for the master (default: from THEIRS)"),
    "--to": ("总表的期间结束日期（默认：取自对方文件）", "period end for the master (default: from THEIRS)"),
    "--out": ("输出 .xlsx 或 .csv 文件（默认：reconcile_<对方文件名>.xlsx）",
              "FILE.xlsx or FILE.csv (default: reconcile_<theirs>.xlsx)"),
}


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser, lang: Lang) -> None:
    """Add ``reconcile``."""
    parser = sub.add_parser("reconcile", parents=[common], help=pick(lang, *HELP["reconcile"]))
    parser.add_argument("ours", type=Path, help=pick(lang, *HELP["ours"]))
    parser.add_argument("theirs", type=Path, help=pick(lang, *HELP["theirs"]))
    parser.add_argument("--customer", help=pick(lang, *HELP["--customer"]))
    parser.add_argument("--perspective", choices=["customer", "ours"], default="customer",
                        help=pick(lang, *HELP["--perspective"]))
    parser.add_argument("--date-window", type=int, default=7, help=pick(lang, *HELP["--date-window"]))
    parser.add_argument("--tolerance", type=float, default=0.01, help=pick(lang, *HELP["--tolerance"]))
    parser.add_argument("--from", dest="start", help=pick(lang, *HELP["--from"]))
    parser.add_argument("--to", dest="end", help=pick(lang, *HELP["--to"]))
    parser.add_argument("--out", type=Path, help=pick(lang, *HELP["--out"]))
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Read both sides, reconcile, write the report, print the balances and the counts per status."""
    if args.date_window < 0 or args.tolerance < 0:
        raise InputError("--date-window and --tolerance must not be negative",
                         "--date-window 和 --tolerance 不能为负数")
    theirs = read_statement(args.theirs, perspective=args.perspective)
    if is_master_workbook(args.ours):
        if not args.customer:
            raise InputError(f"{args.ours} is a master workbook: give --customer ID",
                             f"{args.ours} 是客户档案总表，请用 --customer 指定客户编号")
        start, end = statement_period(theirs)
        ours = master_lines(load_master(args.ours), args.customer,
                            start=option_date(args.start, "--from") or start, end=option_date(args.end, "--to") or end)
    else:
        ours = read_statement(args.ours, perspective="ours")
    options = MatchOptions(date_window=args.date_window, tolerance=args.tolerance)
    result = reconcile(ours, theirs, options=options, lang=args.lang)
    out = args.out or args.theirs.with_name(f"reconcile_{args.theirs.stem}.xlsx")
    write_reconciliation(result, out, lang=args.lang)
    shown = status_counts(result.table, args.lang)
    print(pick(args.lang,
               f"对账结果：{out}（{shown}；我方余额 ¥{result.ours_closing:,.2f}，"
               f"对方余额 ¥{result.theirs_closing:,.2f}，"
               f"未解释差额 ¥{result.remainder:,.2f}，无法识别 {len(result.problems)} 处）",
               f"reconciliation: {out} ({shown}; ours ¥{result.ours_closing:,.2f}, theirs "
               f"¥{result.theirs_closing:,.2f}, unexplained ¥{result.remainder:,.2f}, "
               f"{len(result.problems)} unreadable values)"))
    for note in result.notes:
        print(f"  {note}")
    return 0
