"""The analysis workbook of ``keyacct-xl analyze``: Pareto, grade mix, composition, margins, risk, codes."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from keyacct_xl.analytics.abc import abc_classes, abc_summary, revenue_by_customer
from keyacct_xl.analytics.attribute_code import attribute_codes
from keyacct_xl.analytics.composition import margin_ranking, risky_customers, sales_by
from keyacct_xl.analytics.review import Review
from keyacct_xl.analytics.workbook import Chart, Sheet
from keyacct_xl.i18n import Lang, pick
from keyacct_xl.master.model import Master
from keyacct_xl.receivables.ledger import build_ledger


def pareto_curve(abc_table: pd.DataFrame, *, points: int = 20) -> pd.DataFrame:
    """Cumulative share of revenue held by the top 5 %, 10 %, ... of customers (the 80/20 check)."""
    n = len(abc_table)
    cumulative = abc_table["cumulative_share"].to_numpy()
    rows = []
    for k in range(1, points + 1):
        top = max(1, math.ceil(n * k / points))
        rows.append({"customer_share": k / points, "customers": top, "revenue_share": float(cumulative[top - 1])})
    return pd.DataFrame(rows)


def analysis_sheets(master: Master, *, year: int, lang: Lang, drop_pct: float = 30.0, overdue_days: int = 90,
                    silent_days: int = 90, code_prefix: str | None = None) -> list[Sheet]:
    """Every sheet of the analysis workbook for ``year``, with its charts."""
    tx, customers = master.transactions, master.customers
    table = abc_classes(revenue_by_customer(tx, year=year))
    curve = pareto_curve(table)
    ledger = build_ledger(tx, master.payments, customers, as_of=pd.Timestamp(year, 12, 31))
    by_grade = sales_by(tx, customers, year=year, by="grade")
    by_category = sales_by(tx, customers, year=year, by="category")
    by_region = sales_by(tx, customers, year=year, by="region")
    return [
        Sheet(pick(lang, "帕累托曲线", "Pareto curve"), curve, (Chart(
            "line", pick(lang, "客户累计销售占比", "Cumulative share of revenue"), "customer_share",
            ("revenue_share",)),)),
        Sheet(pick(lang, "ABC汇总", "ABC summary"), abc_summary(table), (Chart(
            "column", pick(lang, "ABC 类客户销售额", "Revenue by ABC class"), "abc_class", ("revenue",)),)),
        Sheet(pick(lang, "ABC明细", "ABC customers"), table),
        Sheet(pick(lang, "等级构成", "Grade mix"), by_grade, (Chart(
            "pie", pick(lang, "按客户等级的销售构成", "Sales by customer grade"), "grade", ("sales",)),)),
        Sheet(pick(lang, "产品构成", "By product"), by_category, (Chart(
            "column", pick(lang, "按产品类别的销售额", "Sales by product category"), "category", ("sales",)),)),
        Sheet(pick(lang, "区域构成", "By region"), by_region, (Chart(
            "column", pick(lang, "按区域的销售额", "Sales by region"), "region", ("sales",)),)),
        Sheet(pick(lang, "毛利排名", "Margin ranking"), margin_ranking(tx, customers, year=year)),
        Sheet(pick(lang, "危险客户", "Risky customers"), risky_customers(
            tx, customers, ledger, year=year, drop_pct=drop_pct, overdue_days=overdue_days,
            silent_days=silent_days, lang=lang)),
        Sheet(pick(lang, "属性编码", "Attribute codes"), attribute_codes(
            customers, tx, as_of=pd.Timestamp(year, 12, 31), prefix=code_prefix)),
    ]


def top_share(curve: pd.DataFrame, customer_share: float = 0.2) -> float:
    """Share of revenue held by the top ``customer_share`` of customers, read off the curve."""
    row = curve[np.isclose(curve["customer_share"], customer_share)]
    return float(row["revenue_share"].iloc[0]) if len(row) else float("nan")


def review_sheets(review: Review, lang: Lang) -> list[Sheet]:
    """The review workbook: the review table, the meeting lists, the credit grades."""
    sheets = [Sheet(pick(lang, "评级审核", "Grade review"), review.table)]
    sheets += [Sheet(title, frame) for title, frame in review.lists.items()]
    return [*sheets, Sheet(pick(lang, "信用评级", "Credit grades"), review.credit)]


def rfm_sheets(table: pd.DataFrame, summary: pd.DataFrame, lang: Lang) -> list[Sheet]:
    """The RFM workbook (``rfm --out``, the RFM refresh button, the demo): customers, then classes with a chart."""
    chart = Chart("column", pick(lang, "各类客户数", "Customers per RFM class"), "rfm_class_label", ("customers",))
    return [Sheet(pick(lang, "RFM客户", "RFM customers"), table),
            Sheet(pick(lang, "RFM分类汇总", "RFM classes"), summary, (chart,))]


def abc_sheets(table: pd.DataFrame, summary: pd.DataFrame, curve: pd.DataFrame, lang: Lang) -> list[Sheet]:
    """The ABC workbook (``abc --out``, the Pareto / ABC button): customers, summary, Pareto curve, with charts."""
    return [
        Sheet(pick(lang, "ABC明细", "ABC customers"), table),
        Sheet(pick(lang, "ABC汇总", "ABC summary"), summary, (Chart(
            "column", pick(lang, "ABC 类客户销售额", "Revenue by ABC class"), "abc_class", ("revenue",)),)),
        Sheet(pick(lang, "帕累托曲线", "Pareto curve"), curve, (Chart(
            "line", pick(lang, "客户累计销售占比", "Cumulative share of revenue"), "customer_share",
            ("revenue_share",)),)),
    ]
