"""``keyacct-xl rfm INPUT``: RFM scores and classes per customer, with a class summary and chart."""

from __future__ import annotations

import argparse
from pathlib import Path

from keyacct_xl.analytics.inputs import SalesLines, load_sales_lines
from keyacct_xl.analytics.usecase import rfm_options, run_rfm
from keyacct_xl.cli.checks import warn_references
from keyacct_xl.cli.options import option_date
from keyacct_xl.fileio import refuse_writing_over
from keyacct_xl.i18n import Lang
from keyacct_xl.master.integrity import SALES_TABLES
from keyacct_xl.master.reader import is_master_workbook, load_master
from keyacct_xl.messages import Message, msg, tr

# The help texts of the command, catalog messages: --help follows --lang, else the system locale (default zh).
HELP: dict[str, Message] = {
    "rfm": msg("RFM scores and the eight RFM classes per customer"),
    "input": msg("master workbook, or a table of sales lines (.xlsx, .xlsm, .ods, .csv, .parquet)"),
    "--as-of": msg("reference date (default: the latest date in the data)"),
    "--period-months": msg("count only the last N months (default: the Settings' RFM Period Months, else all)"),
    "--monetary": msg("money as the total or the average per order (default: Settings, else total)"),
    "--out": msg("write the table to .xlsx (with summary and chart) or .csv"),
}


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser, lang: Lang) -> None:
    """Add ``rfm``."""
    parser = sub.add_parser("rfm", parents=[common], help=HELP["rfm"].render(lang))
    parser.add_argument("input", type=Path, help=HELP["input"].render(lang))
    parser.add_argument("--as-of", help=HELP["--as-of"].render(lang))
    parser.add_argument("--period-months", type=int, default=None, help=HELP["--period-months"].render(lang))
    parser.add_argument("--monetary", choices=["total", "average"], default=None, help=HELP["--monetary"].render(lang))
    parser.add_argument("--out", type=Path, help=HELP["--out"].render(lang))
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Compute RFM (options left out come from the master's Settings), print the class summary, write when asked."""
    from_master = is_master_workbook(args.input)
    if args.out and not from_master:  # a master is refused as any report's output is (output.workbook)
        refuse_writing_over(args.out, None, [args.input])  # before any work: the table read is never replaced
    settings = company = None  # a file of sales lines has no Settings; its customers are named by it
    if from_master:
        master = load_master(args.input)
        warn_references(master, SALES_TABLES, args.lang)
        sales, settings = SalesLines(master.transactions, master.customers), master.settings
        company = settings.company_name
    else:
        sales = load_sales_lines(args.input)
    transactions, customers = sales.transactions, sales.customers
    options = rfm_options(
        settings, as_of=option_date(args.as_of, "--as-of"), period_months=args.period_months, monetary=args.monetary
    )
    result = run_rfm(transactions, options, out=args.out, customers=customers, company=company, lang=args.lang)
    for row in result.classes.itertuples():
        print(
            f"{row.rfm_class_label}\t{row.customers:>8,}\t{row.customer_share:6.1%}\t{row.revenue:>16,.2f}"
            f"\t{row.revenue_share:6.1%}"
        )
    print(result.summary(args.lang))
    if result.path:
        print(tr(args.lang, "written: {path}", path=result.path))
    return 0
