"""``keyacct-xl analyze MASTER --year Y``: one analysis workbook; also the analytics step of ``keyacct-xl demo``."""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

from keyacct_xl.analytics.abc import abc_classes, abc_summary, revenue_by_customer
from keyacct_xl.analytics.analysis import analysis_sheets
from keyacct_xl.analytics.review import build_review
from keyacct_xl.analytics.rfm import class_summary, rfm
from keyacct_xl.analytics.workbook import write_analysis
from keyacct_xl.cli.grade_cmd import review_sheets
from keyacct_xl.errors import InputError
from keyacct_xl.i18n import pick
from keyacct_xl.master.reader import load_master


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    """Add ``analyze``."""
    parser = sub.add_parser("analyze", parents=[common],
                            help="analysis workbook: Pareto, grade mix, composition, margins, risky customers")
    parser.add_argument("master", type=Path, help="the master workbook")
    parser.add_argument("--year", type=int, required=True, help="the analysed calendar year")
    parser.add_argument("--out", type=Path, help="output .xlsx (default: analysis-YEAR.xlsx beside the master)")
    parser.add_argument("--drop-pct", type=float, default=30.0, help="risk: sales down more than this %% (30)")
    parser.add_argument("--overdue-days", type=int, default=90, help="risk: overdue more than N days (90)")
    parser.add_argument("--silent-days", type=int, default=90, help="risk: no purchase for N days (90)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Build every sheet and write the workbook."""
    if args.drop_pct < 0 or args.overdue_days < 0 or args.silent_days < 0:
        raise InputError("analyze: thresholds cannot be negative", "analyze：阈值不能为负数")
    master = load_master(args.master)
    out = args.out or args.master.with_name(f"analysis-{args.year}.xlsx")
    sheets = analysis_sheets(master, year=args.year, lang=args.lang, drop_pct=args.drop_pct,
                             overdue_days=args.overdue_days, silent_days=args.silent_days)
    write_analysis(out, sheets, title=pick(args.lang, f"{args.year} 年客户分析", f"Customer analysis {args.year}"))
    for sheet in sheets:
        print(f"  {sheet.title}: {len(sheet.frame):,}")
    print(pick(args.lang, f"已写入：{out}", f"written: {out}"))
    return 0


def demo_step(master_path: Path, out_dir: Path, args: argparse.Namespace) -> list[str]:
    """RFM, ABC, the grading review and the analysis workbook on the demo company's last full year."""
    lang = args.lang
    master = load_master(master_path)
    year = int(master.transactions["date"].max().year) - 1
    table = rfm(master.transactions, as_of=pd.Timestamp(year, 12, 31), period_months=12, lang=lang)
    summary = class_summary(table, lang=lang)
    abc = abc_summary(abc_classes(revenue_by_customer(master.transactions, year=year)))
    review = build_review(master, year=year, lang=lang)
    write_analysis(out_dir / f"review-{year}.xlsx", review_sheets(review, lang),
                   title=pick(lang, "年度评级审核", "Grading review"))
    analysis = out_dir / f"analysis-{year}.xlsx"
    write_analysis(analysis, analysis_sheets(master, year=year, lang=lang),
                   title=pick(lang, f"{year} 年客户分析", f"Customer analysis {year}"))
    top = summary.sort_values("customers", ascending=False).iloc[0]
    a = abc.set_index("abc_class").loc["A"]
    mix = review.table["proposed_grade"].value_counts()
    return [
        pick(lang, f"RFM（{year}）：{len(table):,} 个客户，最多为 {top.rfm_class_label}（{top.customers:,}）",
             f"RFM ({year}): {len(table):,} customers, largest class {top.rfm_class_label} ({top.customers:,})"),
        pick(lang, f"ABC：A 类 {a.customers:,} 个客户贡献 {a.revenue_share:.0%} 的销售额",
             f"ABC: {a.customers:,} A customers bring {a.revenue_share:.0%} of revenue"),
        pick(lang, "评级建议：", "proposed grades: ") + "  ".join(
            f"{g} {int(mix.get(g, 0)):,}" for g in review.policy.grades),
        pick(lang, f"评级审核与分析工作簿：{out_dir / f'review-{year}.xlsx'}，{analysis}",
             f"review and analysis workbooks: {out_dir / f'review-{year}.xlsx'}, {analysis}"),
    ]
