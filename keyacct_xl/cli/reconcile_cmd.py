"""``keyacct-xl reconcile``: match our ledger with the statement a customer returned (对帐)."""

from __future__ import annotations

import argparse
from pathlib import Path

from keyacct_xl.cli.options import option_date
from keyacct_xl.errors import InputError
from keyacct_xl.i18n import pick
from keyacct_xl.master.reader import is_master_workbook, load_master
from keyacct_xl.receivables.master_lines import master_lines, statement_period
from keyacct_xl.receivables.matching import MatchOptions
from keyacct_xl.receivables.reconcile import reconcile, status_counts
from keyacct_xl.receivables.reconcile_report import write_reconciliation
from keyacct_xl.receivables.statement_reader import read_statement


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    """Add ``reconcile``."""
    parser = sub.add_parser("reconcile", parents=[common], help="reconcile our ledger with a customer's statement")
    parser.add_argument("ours", type=Path, help="master workbook (with --customer) or our statement file")
    parser.add_argument("theirs", type=Path, help="the statement the customer returned (.xlsx, .xls, .csv)")
    parser.add_argument("--customer", help="customer ID, when OURS is the master workbook")
    parser.add_argument("--perspective", choices=["customer", "ours"], default="customer",
                        help="THEIRS is the customer's own books (default) or our layout sent back")
    parser.add_argument("--date-window", type=int, default=7, help="days two dates may differ (default 7)")
    parser.add_argument("--tolerance", type=float, default=0.01, help="amount tolerance in yuan (default 0.01)")
    parser.add_argument("--from", dest="start", help="period start for the master (default: from THEIRS)")
    parser.add_argument("--to", dest="end", help="period end for the master (default: from THEIRS)")
    parser.add_argument("--out", type=Path, help="FILE.xlsx or FILE.csv (default: reconcile_<theirs>.xlsx)")
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
