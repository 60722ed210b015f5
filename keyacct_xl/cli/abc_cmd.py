"""``keyacct-xl abc INPUT``: Pareto / ABC classes of customers by revenue and the sources' summary table."""

from __future__ import annotations

import argparse
import unicodedata
from pathlib import Path

from keyacct_xl.analytics.abc import abc_classes, abc_summary, revenue_by_customer
from keyacct_xl.analytics.analysis import abc_sheets, pareto_curve, top_share
from keyacct_xl.analytics.inputs import SalesLines, load_sales_lines
from keyacct_xl.cli.checks import warn_references
from keyacct_xl.errors import InputError
from keyacct_xl.fileio import refuse_writing_over
from keyacct_xl.i18n import Lang
from keyacct_xl.master.integrity import SALES_TABLES
from keyacct_xl.master.reader import is_master_workbook, load_master
from keyacct_xl.messages import Message, msg, tr
from keyacct_xl.parsing import parse_percent
from keyacct_xl.reports import Heading, write_table

# The help texts of the command, catalog messages: --help follows --lang, else the system locale (default zh).
HELP: dict[str, Message] = {
    "abc": msg("Pareto / ABC classes of customers by revenue"),
    "input": msg("master workbook, or a table of sales lines (.xlsx, .xlsm, .ods, .csv, .parquet)"),
    "--thresholds": msg("A and B minimum revenue, e.g. 1000000,100000 (the default)"),
    "--shares": msg("A and B shares of revenue in percent, e.g. 80,15 (or 0.8,0.15, or 80%,15%)"),
    "--year": msg("one calendar year (default: all data)"),
    "--out": msg("write the table to .xlsx (with summary, curve, charts) or .csv"),
}


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser, lang: Lang) -> None:
    """Add ``abc``."""
    parser = sub.add_parser("abc", parents=[common], help=HELP["abc"].render(lang))
    parser.add_argument("input", type=Path, help=HELP["input"].render(lang))
    cut = parser.add_mutually_exclusive_group()
    cut.add_argument("--thresholds", help=HELP["--thresholds"].render(lang))
    # argparse formats help with %: the "80%,15%" of the text is written %% for it
    cut.add_argument("--shares", help=HELP["--shares"].render(lang).replace("%", "%%"))
    parser.add_argument("--year", type=int, help=HELP["--year"].render(lang))
    parser.add_argument("--out", type=Path, help=HELP["--out"].render(lang))
    parser.set_defaults(func=run)


def parse_pair(text: str | None, option: str) -> tuple[float, float] | None:
    """Two comma-separated numbers, or a clear error naming the option; for ``--shares`` 80% is 0.8, which the
    shares rule reads as 80 (keyacct_xl.analytics.abc.percent_shares)."""
    if text is None:
        return None
    parts = [p.strip().replace("_", "") for p in unicodedata.normalize("NFKC", text).split(",")]
    try:
        if option == "--shares":
            a, b = (_share(p) for p in parts)
        else:
            a, b = (float(p) for p in parts)
    except ValueError:
        example = "1000000,100000" if option == "--thresholds" else "80,15"
        raise InputError(
            msg(
                "{option}: expected two numbers like {example}, got {text!r}", option=option, example=example, text=text
            )
        ) from None
    return a, b


def _share(text: str) -> float:
    """One of ``--shares``: 80% is 0.8, a number without its sign as typed (80, or 0.8 the shares rule refuses)."""
    share = parse_percent(text, float)
    return float(text) if share is None else share


def run(args: argparse.Namespace) -> int:
    """Classify, print the summary, write the table when asked."""
    from_master = is_master_workbook(args.input)
    if args.out and not from_master:  # a master is refused as any report's output is (output.workbook)
        refuse_writing_over(args.out, None, [args.input])  # before any work: the table read is never replaced
    if from_master:
        master = load_master(args.input)
        warn_references(master, SALES_TABLES, args.lang)
        sales = SalesLines(master.transactions, master.customers)
    else:
        sales = load_sales_lines(args.input)
    transactions, customers = sales.transactions, sales.customers
    revenue = revenue_by_customer(transactions, year=args.year)
    table = abc_classes(
        revenue, thresholds=parse_pair(args.thresholds, "--thresholds"), shares=parse_pair(args.shares, "--shares")
    )
    summary = abc_summary(table)
    curve = pareto_curve(table)
    for row in summary.itertuples():
        print(
            f"{row.abc_class}\t{row.customers:>8,}\t{row.customer_share:6.1%}\t{row.revenue:>16,.2f}"
            f"\t{row.revenue_share:6.1%}"
        )
    print(tr(args.lang, "the top 20 % of customers bring {share:.1%} of revenue", share=top_share(curve)))
    if args.out:
        write_table(
            args.out,
            abc_sheets(table, summary, curve, args.lang, customers=customers),
            heading=Heading(tr(args.lang, "ABC analysis")),
            lang=args.lang,
        )
        print(tr(args.lang, "written: {path}", path=args.out))
    return 0
