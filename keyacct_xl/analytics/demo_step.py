"""The analytics step of ``keyacct-xl demo``: RFM, ABC, the grading review and the analysis workbook."""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

from keyacct_xl.analytics.abc import abc_classes, abc_summary, revenue_by_customer
from keyacct_xl.analytics.analysis import analysis_sheets, load_analysed_master
from keyacct_xl.analytics.grading_run import run_grading_review
from keyacct_xl.analytics.usecase import rfm_options, run_rfm
from keyacct_xl.messages import tr
from keyacct_xl.reports import Heading, write_report


def analytics_demo(master_path: Path, out_dir: Path, args: argparse.Namespace) -> list[str]:
    """RFM, ABC, the grading review and the analysis workbook on the demo company's last full year."""
    lang = args.lang
    master, complaints = load_analysed_master(master_path)
    year = int(master.transactions["date"].max().year) - 1
    rfm = run_rfm(
        master.transactions,
        rfm_options(master.settings, as_of=pd.Timestamp(year, 12, 31)),
        out=out_dir / f"rfm-{year}.xlsx",
        customers=master.customers,
        company=master.settings.company_name,
        lang=lang,
    )
    abc = abc_summary(abc_classes(revenue_by_customer(master.transactions, year=year)))
    review = run_grading_review(master, year=year, lang=lang, out=out_dir / f"review-{year}.xlsx")
    analysis = out_dir / f"analysis-{year}.xlsx"
    write_report(
        analysis,
        analysis_sheets(master, year=year, lang=lang, complaints=complaints),
        heading=Heading(
            tr(lang, "Customer analysis {year}", year=year),
            company=master.settings.company_name,
            currency=master.settings.book_currency,
        ),
        lang=lang,
    )
    a = abc.set_index("abc_class").loc["A"]
    a_customers = int(a["customers"])
    return [
        rfm.summary(lang),
        tr(
            lang,
            "ABC: {a_customers:,} A customers bring {revenue_share:.0%} of revenue",
            a_customers=a_customers,
            revenue_share=a.revenue_share,
        ),
        tr(lang, "proposed grades: ") + review.grade_mix(),
        tr(
            lang,
            "RFM, review and analysis workbooks: rfm-{year}.xlsx, review-{year}.xlsx, {name}",
            year=year,
            name=analysis.name,
        ),
    ]
