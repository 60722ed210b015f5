"""The analytics step of ``keyacct-xl demo``: RFM, ABC, the grading review and the analysis workbook."""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

from keyacct_xl.analytics.abc import abc_classes, abc_summary, revenue_by_customer
from keyacct_xl.analytics.analysis import analysis_sheets, review_sheets
from keyacct_xl.analytics.review import build_review
from keyacct_xl.analytics.usecase import rfm_options, run_rfm
from keyacct_xl.analytics.workbook import write_analysis
from keyacct_xl.i18n import pick
from keyacct_xl.master.reader import load_master


def analytics_demo(master_path: Path, out_dir: Path, args: argparse.Namespace) -> list[str]:
    """RFM, ABC, the grading review and the analysis workbook on the demo company's last full year."""
    lang = args.lang
    master = load_master(master_path)
    year = int(master.transactions["date"].max().year) - 1
    rfm = run_rfm(master.transactions, rfm_options(master.settings, as_of=pd.Timestamp(year, 12, 31)),
                  out=out_dir / f"rfm-{year}.xlsx", lang=lang)
    abc = abc_summary(abc_classes(revenue_by_customer(master.transactions, year=year)))
    review = build_review(master, year=year, lang=lang)
    write_analysis(out_dir / f"review-{year}.xlsx", review_sheets(review, lang),
                   title=pick(lang, "年度评级审核", "Grading review"), lang=lang)
    analysis = out_dir / f"analysis-{year}.xlsx"
    write_analysis(analysis, analysis_sheets(master, year=year, lang=lang),
                   title=pick(lang, f"{year} 年客户分析", f"Customer analysis {year}"), lang=lang)
    a = abc.set_index("abc_class").loc["A"]
    a_customers = int(a["customers"])
    mix = review.table["proposed_grade"].value_counts()
    return [
        rfm.summary(lang),
        pick(lang, f"ABC：A 类 {a_customers:,} 个客户贡献 {a.revenue_share:.0%} 的销售额",
             f"ABC: {a_customers:,} A customers bring {a.revenue_share:.0%} of revenue"),
        pick(lang, "评级建议：", "proposed grades: ") + "  ".join(
            f"{g} {int(mix.get(g, 0)):,}" for g in review.policy.grades),
        pick(lang, f"RFM、评级审核与分析工作簿：rfm-{year}.xlsx，review-{year}.xlsx，{analysis.name}",
             f"RFM, review and analysis workbooks: rfm-{year}.xlsx, review-{year}.xlsx, {analysis.name}"),
    ]
