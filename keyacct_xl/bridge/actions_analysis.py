"""Analysis ribbon actions: annual grading, apply approved grades, RFM refresh, Pareto/ABC, analysis workbook.

Each does what its CLI command does (keyacct-xl grade / grade apply / rfm / abc / analyze) on the master; the
message carries the same warnings about rows naming customer ids not in Customers (master/integrity.py).
"""

from __future__ import annotations

import pandas as pd

from keyacct_xl.analytics.abc import abc_classes, abc_summary, revenue_by_customer
from keyacct_xl.analytics.analysis import abc_sheets, analysis_sheets, pareto_curve, top_share
from keyacct_xl.analytics.credit_run import run_credit_apply
from keyacct_xl.analytics.grading_run import run_grading_review
from keyacct_xl.analytics.review_sheet import apply_review_sheet
from keyacct_xl.analytics.usecase import rfm_options, run_rfm
from keyacct_xl.analytics.workbook import write_analysis, write_table
from keyacct_xl.bridge.base import ActionOptions, ActionResult, Bridge
from keyacct_xl.bridge.registry import action, as_of_date, latest_year, load, reports_dir
from keyacct_xl.i18n import pick
from keyacct_xl.master.integrity import LEDGER_TABLES, SALES_TABLES, master_integrity
from keyacct_xl.messages import tr


@action("annual_grading", "年度评级", "Annual grading")
def annual_grading(bridge: Bridge, options: ActionOptions) -> ActionResult:
    """Grade every customer under the active policy; write the GradeReview table into the master for the meeting."""
    master = load(bridge, 1, 2)
    year = options.year or latest_year(master)
    bridge.progress(2, 2, pick(bridge.lang, f"按评级政策计算 {year} 年，写入评级审核表…",
                               f"grading {year}, writing the review table…"))
    with bridge.editing() as path:
        run = run_grading_review(master, year=year, lang=bridge.lang, master_path=path)
    zh, en = master_integrity(master, LEDGER_TABLES).appended(
        run.summary("zh") + "。请在评级审核表填写最终等级，再点“应用已批准评级”。",
        run.summary("en") + ". Fill in final grades on the review sheet, then click Apply approved grades.")
    return ActionResult(zh, en, (path,))


@action("apply_grades", "应用已批准评级", "Apply approved grades")
def apply_grades(bridge: Bridge, options: ActionOptions) -> ActionResult:
    """Write the reviewed grades into Customers and GradeHistory (as ``keyacct-xl grade apply``)."""
    bridge.progress(1, 1, pick(bridge.lang, "读取评级审核表，更新客户等级…", "applying the reviewed grades…"))
    with bridge.editing() as path:
        applied = apply_review_sheet(path, approved_by=options.approved_by,
                                     applied_at=as_of_date(options) or pd.Timestamp.today().normalize())
    return ActionResult(applied.summary("zh"), applied.summary("en"), (path,))


@action("apply_credit_terms", "应用信用条件", "Apply credit terms")
def apply_credit_terms(bridge: Bridge, options: ActionOptions) -> ActionResult:
    """Write each customer's credit limit and payment terms from its credit grade (as ``keyacct-xl credit apply``);
    limits marked as manual overrides stay."""
    bridge.progress(1, 1, tr(bridge.lang, "writing the credit terms of each credit grade…"))
    with bridge.editing() as path:
        applied = run_credit_apply(path, approved_by=options.approved_by,
                                   applied_at=as_of_date(options) or pd.Timestamp.today().normalize())
    return ActionResult(applied.summary("zh"), applied.summary("en"), (path,))


@action("rfm_refresh", "刷新 RFM", "RFM refresh")
def rfm_refresh(bridge: Bridge, options: ActionOptions) -> ActionResult:
    """RFM values, scores and classes per customer with the class summary, as the ``rfm`` command writes them."""
    master = load(bridge, 1, 2)
    bridge.progress(2, 2, pick(bridge.lang, "计算 RFM…", "computing RFM…"))
    result = run_rfm(master.transactions, rfm_options(master.settings, as_of=as_of_date(options)),
                     out_dir=reports_dir(bridge, options), lang=bridge.lang)
    zh, en = master_integrity(master, SALES_TABLES).appended(result.summary("zh"), result.summary("en"))
    return ActionResult(zh, en, (result.path,) if result.path else ())


@action("abc", "帕累托 / ABC", "Pareto / ABC")
def abc(bridge: Bridge, options: ActionOptions) -> ActionResult:
    """ABC classes of one year's revenue with the summary and the Pareto curve, as the ``abc`` command."""
    master = load(bridge, 1, 2)
    year = options.year or latest_year(master)
    bridge.progress(2, 2, pick(bridge.lang, f"{year} 年 ABC 分类…", f"ABC for {year}…"))
    table = abc_classes(revenue_by_customer(master.transactions, year=year))
    summary, curve = abc_summary(table), pareto_curve(table)
    path = reports_dir(bridge, options) / f"abc_{year}.xlsx"
    write_table(path, abc_sheets(table, summary, curve, bridge.lang),
                title=pick(bridge.lang, "ABC 分析", "ABC analysis"), lang=bridge.lang)
    zh, en = master_integrity(master, SALES_TABLES).appended(
        f"{year} 年：前 20% 客户贡献 {top_share(curve):.1%} 的销售额",
        f"{year}: the top 20 % of customers bring {top_share(curve):.1%} of revenue")
    return ActionResult(zh, en, (path,))


@action("analysis", "分析工作簿", "Analysis workbook")
def analysis(bridge: Bridge, options: ActionOptions) -> ActionResult:
    """The analysis workbook for one year (Pareto, grade mix, composition, margins, risky customers)."""
    master = load(bridge, 1, 2)
    year = options.year or latest_year(master)
    bridge.progress(2, 2, pick(bridge.lang, f"生成 {year} 年分析工作簿…", f"writing the {year} analysis…"))
    sheets = analysis_sheets(master, year=year, lang=bridge.lang)
    path = reports_dir(bridge, options) / f"analysis-{year}.xlsx"
    write_analysis(path, sheets, title=pick(bridge.lang, f"{year} 年客户分析", f"Customer analysis {year}"),
                   lang=bridge.lang)
    zh, en = master_integrity(master, LEDGER_TABLES).appended(
        f"{year} 年客户分析：{len(sheets)} 张工作表", f"customer analysis {year}: {len(sheets)} sheets")
    return ActionResult(zh, en, (path,))
