"""Analysis ribbon actions: annual grading, apply approved grades and credit terms (and their undos), RFM refresh,
Pareto/ABC, analysis workbook.

Each does what its CLI command does (keyacct-xl grade / grade apply / rfm / abc / analyze) on the master; the
message carries the same warnings about rows naming customer ids not in Customers (master/integrity.py).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import pandas as pd

from keyacct_xl.analytics.abc import abc_classes, abc_summary, revenue_by_customer
from keyacct_xl.analytics.analysis import (
    abc_sheets,
    analysis_day,
    analysis_sheets,
    analysis_warnings,
    load_analysed_master,
    pareto_curve,
    top_share,
)
from keyacct_xl.analytics.credit_run import run_credit_apply, run_credit_undo
from keyacct_xl.analytics.grading_run import run_grading_review
from keyacct_xl.analytics.review_sheet import apply_review_sheet, undo_review_sheet
from keyacct_xl.analytics.usecase import rfm_options, run_rfm
from keyacct_xl.bridge.base import ActionOptions, ActionResult, Bridge, Summary
from keyacct_xl.bridge.registry import action, as_of_date, latest_year, load, reports_dir
from keyacct_xl.master.integrity import LEDGER_TABLES, SALES_TABLES, master_integrity
from keyacct_xl.messages import msg, tr
from keyacct_xl.reports import Heading, write_report, write_table


@action("annual_grading", "年度评级", "Annual grading")
def annual_grading(bridge: Bridge, options: ActionOptions) -> ActionResult:
    """Grade every customer under the active policy; write the GradeReview table into the master for the meeting.

    The message is the use case's own summary (so a year that has not ended on ``--as-of``, default today, is
    warned of as ``keyacct-xl grade`` warns), then what to do next."""
    master = load(bridge, 1, 2)
    year = options.year or latest_year(master)
    bridge.progress(2, 2, tr(bridge.lang, "grading {year}…", year=year))
    with bridge.editing() as path:
        run = run_grading_review(master, year=year, lang=bridge.lang, master_path=path, today=as_of_date(options))
    next_step = msg("Fill in final grades on the review sheet, then click Apply approved grades.")
    summary = Summary(lambda lang: "\n".join([run.summary(lang), next_step.render(lang)]))
    return ActionResult(master_integrity(master, LEDGER_TABLES).appended(summary), (path,))


@action("apply_grades", "应用已批准评级", "Apply approved grades")
def apply_grades(bridge: Bridge, options: ActionOptions) -> ActionResult:
    """Write the reviewed grades into Customers and GradeHistory (as ``keyacct-xl grade apply``)."""
    job = functools.partial(apply_review_sheet, year=options.year)
    return _decided(bridge, options, tr(bridge.lang, "applying the reviewed grades…"), job)


@action("apply_credit_terms", "应用信用条件", "Apply credit terms")
def apply_credit_terms(bridge: Bridge, options: ActionOptions) -> ActionResult:
    """Write each customer's credit limit and payment terms from its credit grade (as ``keyacct-xl credit apply``);
    limits marked as manual overrides stay."""
    return _decided(
        bridge, options, tr(bridge.lang, "writing the credit terms of each credit grade…"), run_credit_apply
    )


@action("undo_grades", "撤销评级应用", "Undo grade apply")
def undo_grades(bridge: Bridge, options: ActionOptions) -> ActionResult:
    """Put back what Customers held before the review year's last grade apply, where they still hold what it
    wrote (as ``keyacct-xl grade apply --undo``); each customer put back is listed with before and after."""
    job = functools.partial(undo_review_sheet, year=options.year)
    return _decided(bridge, options, tr(bridge.lang, "putting back the grades before the apply…"), job)


@action("undo_credit_terms", "撤销信用条件", "Undo credit terms")
def undo_credit_terms(bridge: Bridge, options: ActionOptions) -> ActionResult:
    """Put back the limits and terms the last credit apply changed, where Customers still hold them (as
    ``keyacct-xl credit apply --undo``)."""
    step = tr(bridge.lang, "putting back the limits and terms before the last credit apply…")
    return _decided(bridge, options, step, run_credit_undo)


def _decided(bridge: Bridge, options: ActionOptions, step: str, job: Callable[..., Any]) -> ActionResult:
    """Run ``job(master, approved_by=..., applied_at=...)`` (an apply or its undo) on the master Excel releases for
    it, dated by ``--as-of`` or today; its summary is the action's."""
    bridge.progress(1, 1, step)
    with bridge.editing() as path:
        done = job(
            path, approved_by=options.approved_by, applied_at=as_of_date(options) or pd.Timestamp.today().normalize()
        )
    return ActionResult(Summary(done.summary), (path,))


@action("rfm_refresh", "刷新 RFM", "RFM refresh")
def rfm_refresh(bridge: Bridge, options: ActionOptions) -> ActionResult:
    """RFM values, scores and classes per customer with the class summary, as the ``rfm`` command writes them."""
    master = load(bridge, 1, 2)
    bridge.progress(2, 2, tr(bridge.lang, "computing RFM…"))
    result = run_rfm(
        master.transactions,
        rfm_options(master.settings, as_of=as_of_date(options)),
        out_dir=reports_dir(bridge, options),
        customers=master.customers,
        company=master.settings.company_name,
        lang=bridge.lang,
    )
    summary = master_integrity(master, SALES_TABLES).appended(Summary(result.summary))
    return ActionResult(summary, (result.path,) if result.path else ())


@action("abc", "帕累托 / ABC", "Pareto / ABC")
def abc(bridge: Bridge, options: ActionOptions) -> ActionResult:
    """ABC classes of one year's revenue with the summary and the Pareto curve, as the ``abc`` command."""
    master = load(bridge, 1, 2)
    year = options.year or latest_year(master)
    bridge.progress(2, 2, tr(bridge.lang, "ABC for {year}…", year=year))
    table = abc_classes(revenue_by_customer(master.transactions, year=year))
    summary, curve = abc_summary(table), pareto_curve(table)
    path = reports_dir(bridge, options) / f"abc_{year}.xlsx"
    write_table(
        path,
        abc_sheets(table, summary, curve, bridge.lang, customers=master.customers),
        heading=Heading(tr(bridge.lang, "ABC analysis")),
        lang=bridge.lang,
    )
    message = master_integrity(master, SALES_TABLES).appended(
        msg("{year}: the top 20 % of customers bring {share:.1%} of revenue", year=year, share=top_share(curve))
    )
    return ActionResult(message, (path,))


@action("analysis", "分析工作簿", "Analysis workbook")
def analysis(bridge: Bridge, options: ActionOptions) -> ActionResult:
    """The analysis workbook for one year (Pareto, grade mix, composition, margins, risky customers)."""
    bridge.progress(1, 2, tr(bridge.lang, "reading the master…"))
    master, complaints = load_analysed_master(bridge.book_path())
    year = options.year or latest_year(master)
    bridge.progress(2, 2, tr(bridge.lang, "writing the {year} analysis…", year=year))
    sheets = analysis_sheets(master, year=year, lang=bridge.lang, complaints=complaints)
    path = reports_dir(bridge, options) / f"analysis-{year}.xlsx"
    write_report(
        path,
        sheets,
        heading=Heading(
            tr(bridge.lang, "Customer analysis {year}", year=year),
            company=master.settings.company_name,
            currency=master.settings.book_currency,
        ),
        lang=bridge.lang,
    )
    summary = master_integrity(master, LEDGER_TABLES).appended(
        msg("customer analysis {year}: {count} sheets", year=year, count=len(sheets))
    )
    # the analyze command's warning: the year analysed to a day after the sales and payments
    past_data = analysis_warnings(master, analysis_day(master, year, complaints))
    return ActionResult(summary, (path,), notices=tuple(msg("warning: {text}", text=w) for w in past_data))
