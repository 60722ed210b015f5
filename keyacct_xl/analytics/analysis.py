"""The analysis workbook of ``keyacct-xl analyze``: Pareto, grade mix, composition, margins, risk, codes."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd

from keyacct_xl.analytics.abc import abc_classes, abc_summary, revenue_by_customer
from keyacct_xl.analytics.attribute_code import attribute_codes
from keyacct_xl.analytics.composition import complaint_months, margin_ranking, risky_customers, sales_by
from keyacct_xl.analytics.frames import with_customer_names
from keyacct_xl.i18n import Lang
from keyacct_xl.master.followthrough import COMPLAINTS
from keyacct_xl.master.model import Master
from keyacct_xl.master.reader import load_master_with
from keyacct_xl.messages import Message, msg, tr
from keyacct_xl.receivables.master_lines import data_span, master_ledger
from keyacct_xl.reports import Chart, Sheet


def pareto_curve(abc_table: pd.DataFrame, *, points: int = 20) -> pd.DataFrame:
    """Cumulative share of revenue held by the top 5 %, 10 %, ... of customers (the 80/20 check)."""
    n = len(abc_table)
    cumulative = abc_table["cumulative_share"].to_numpy()
    rows = []
    for k in range(1, points + 1):
        top = max(1, math.ceil(n * k / points))
        rows.append({"customer_share": k / points, "customers": top, "revenue_share": float(cumulative[top - 1])})
    return pd.DataFrame(rows)


def load_analysed_master(path: str | Path) -> tuple[Master, pd.DataFrame]:
    """The master at ``path`` and its Complaints table (consolidated 8D reports; empty when it has none), from one
    read of the workbook: what the analysis workbook is made of."""
    master, tables = load_master_with(path, (COMPLAINTS,))
    return master, tables[COMPLAINTS.name]


def analysis_day(master: Master, year: int, complaints: pd.DataFrame) -> pd.Timestamp:
    """The day ``year`` is analysed to: 31 December, or the latest sale, payment or complaint received while the year
    is not over. A year in progress measured to its 31 December compared ten months with a whole year before (a
    customer on course read as a sales drop) and counted silence to a day not yet come."""
    year_end = pd.Timestamp(year, 12, 31)
    received = pd.to_datetime(complaints.get("received_date", pd.Series([], dtype="datetime64[ns]")))
    dates = pd.concat([master.transactions["date"], master.payments["date"], received]).dropna()
    latest = pd.Timestamp(dates.max()).normalize() if len(dates) else year_end
    return latest if pd.Timestamp(year, 1, 1) <= latest < year_end else year_end


def analysis_warnings(master: Master, day: pd.Timestamp) -> tuple[Message, ...]:
    """A warning when ``day``, the day the year is analysed to (``analysis_day``), is after the master's last sale or
    payment (``data_span``): a complaint received later moves it past the data, and silence and overdue days are
    counted to it as if nothing were bought or paid since (the demo's 2026 at 11-24, its data to 10-31: 7 customers
    overdue more than 90 days only for November's payments not being in); the workbook's 截至 alone did not say so."""
    span = data_span(master)
    if span is None or span[1] >= day:
        return ()
    through = span[1].date().isoformat()
    return (
        msg(
            "the analysis is taken at {day}, after the master's sales and payments ({through}): days without a "
            "purchase and days overdue are counted to {day} as if nothing were bought or paid after {through}; "
            "import the later sales and payments first",
            day=day.date().isoformat(),
            through=through,
        ),
    )


def analysis_sheets(
    master: Master,
    *,
    year: int,
    lang: Lang,
    complaints: pd.DataFrame,
    drop_pct: float = 30.0,
    overdue_days: int = 90,
    silent_days: int = 90,
    code_prefix: str | None = None,
) -> list[Sheet]:
    """Every sheet of the analysis workbook for ``year``, with its charts; ``complaints`` (the Complaints table,
    ``load_analysed_master``) feeds the risky customers' complaint flag."""
    tx, customers = master.transactions, master.customers
    table = abc_classes(revenue_by_customer(tx, year=year))
    curve = pareto_curve(table)
    through = analysis_day(master, year, complaints)
    # a year in progress: its risks over the twelve months to that day, as the general manager's pack reads them
    rolling = through if through < pd.Timestamp(year, 12, 31) else None
    ledger = master_ledger(master, as_of=through)
    by_grade = sales_by(tx, customers, year=year, by="grade")
    by_category = sales_by(tx, customers, year=year, by="category")
    by_region = sales_by(tx, customers, year=year, by="region")
    return [
        Sheet(
            tr(lang, "Pareto curve"),
            curve,
            (Chart("line", tr(lang, "Cumulative share of revenue"), "customer_share", ("revenue_share",)),),
        ),
        Sheet(
            tr(lang, "ABC summary"),
            abc_summary(table),
            (Chart("column", tr(lang, "Revenue by ABC class"), "abc_class", ("revenue",)),),
        ),
        Sheet(tr(lang, "ABC customers"), with_customer_names(table, customers)),
        Sheet(
            tr(lang, "Grade mix"), by_grade, (Chart("pie", tr(lang, "Sales by customer grade"), "grade", ("sales",)),)
        ),
        Sheet(
            tr(lang, "By product"),
            by_category,
            (Chart("column", tr(lang, "Sales by product category"), "category", ("sales",)),),
        ),
        Sheet(tr(lang, "By region"), by_region, (Chart("column", tr(lang, "Sales by region"), "region", ("sales",)),)),
        Sheet(tr(lang, "Margin ranking"), margin_ranking(tx, customers, year=year)),
        Sheet(
            tr(lang, "Risky customers"),
            risky_customers(
                tx,
                customers,
                ledger,
                year=year,
                complaints=complaints,
                as_of=rolling,
                drop_pct=drop_pct,
                overdue_days=overdue_days,
                silent_days=silent_days,
                complaint_months=complaint_months(master.settings),
                lang=lang,
            ),
        ),
        Sheet(
            tr(lang, "Attribute codes"),
            attribute_codes(customers, tx, as_of=through, prefix=code_prefix),
        ),
    ]


def top_share(curve: pd.DataFrame, customer_share: float = 0.2) -> float:
    """Share of revenue held by the top ``customer_share`` of customers, read off the curve."""
    row = curve[np.isclose(curve["customer_share"], customer_share)]
    return float(row["revenue_share"].iloc[0]) if len(row) else float("nan")


def rfm_sheets(
    table: pd.DataFrame,
    summary: pd.DataFrame,
    lang: Lang,
    *,
    customers: pd.DataFrame | None = None,
    lapsed: pd.DataFrame | None = None,
    notes: tuple[str, ...] = (),
) -> list[Sheet]:
    """The RFM workbook (``rfm --out``, the RFM refresh button, the demo): customers, named from ``customers`` (a
    master's) beside their ids, then classes with a chart, then the ``lapsed`` customers the classes leave out;
    ``notes`` under the first two tables say how many."""
    chart = Chart("column", tr(lang, "Customers per RFM class"), "rfm_class_label", ("customers",))
    sheets = [
        Sheet(tr(lang, "RFM customers"), with_customer_names(table, customers), notes=notes),
        Sheet(tr(lang, "RFM classes"), summary, (chart,), notes=notes),
    ]
    if lapsed is not None and len(lapsed):
        sheets.append(Sheet(tr(lang, "Lapsed customers"), with_customer_names(lapsed, customers)))
    return sheets


def abc_sheets(
    table: pd.DataFrame,
    summary: pd.DataFrame,
    curve: pd.DataFrame,
    lang: Lang,
    *,
    customers: pd.DataFrame | None = None,
) -> list[Sheet]:
    """The ABC workbook (``abc --out``, the Pareto / ABC button): customers, named from ``customers`` (a master's)
    beside their ids, summary, Pareto curve, with charts."""
    return [
        Sheet(tr(lang, "ABC customers"), with_customer_names(table, customers)),
        Sheet(
            tr(lang, "ABC summary"),
            summary,
            (Chart("column", tr(lang, "Revenue by ABC class"), "abc_class", ("revenue",)),),
        ),
        Sheet(
            tr(lang, "Pareto curve"),
            curve,
            (Chart("line", tr(lang, "Cumulative share of revenue"), "customer_share", ("revenue_share",)),),
        ),
    ]
