"""The RFM job (RFM 分析) as every front end runs it: the CLI, the ribbon, the demo and the worksheet functions.

``rfm_options`` is the one place the options are defaulted: what the caller gives, else the master's Settings
(``rfm_period_months``, ``rfm_monetary``); without a master, all the data and the Settings' default monetary.
``run_rfm`` computes the table and the class summary and, when asked, writes the RFM workbook (each customer's name
beside its id when the master's Customers are given).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import cast

import pandas as pd

from keyacct_xl.analytics.analysis import rfm_sheets
from keyacct_xl.analytics.rfm import Monetary, class_summary, lapsed_customers, rfm, window_bounds
from keyacct_xl.currency import CNY, Currency
from keyacct_xl.i18n import Lang
from keyacct_xl.master.settings import DEFAULTS, Settings
from keyacct_xl.messages import first_ids, tr
from keyacct_xl.reports import Heading, write_table


@dataclass(frozen=True)
class RfmOptions:
    """The options of one RFM run; ``period_months`` None counts all the data."""

    as_of: pd.Timestamp | None
    period_months: int | None
    monetary: Monetary
    currency: Currency = CNY  # the master's book currency: the workbook's money format


def rfm_options(
    settings: Settings | None = None,
    *,
    as_of: pd.Timestamp | None = None,
    period_months: int | None = None,
    monetary: str | None = None,
) -> RfmOptions:
    """The options given, the rest from ``settings`` (a master's) or, without them, all data and the default
    monetary; 0 months means all the data, as in Settings. ``rfm`` refuses a monetary other than total/average."""
    if period_months is None:
        period_months = settings.rfm_period_months if settings is not None else 0
    if monetary is None:
        monetary = settings.rfm_monetary if settings is not None else str(DEFAULTS["rfm_monetary"])
    currency = settings.book_currency if settings is not None else CNY
    return RfmOptions(as_of, period_months or None, cast(Monetary, monetary), currency)


@dataclass(frozen=True)
class RfmRun:
    """One RFM run: the per-customer table, the class summary, the customers left out (no purchase in the window
    ``start``..``end``), the options used and the workbook written."""

    table: pd.DataFrame
    classes: pd.DataFrame
    options: RfmOptions
    lapsed: pd.DataFrame
    start: pd.Timestamp
    end: pd.Timestamp
    path: Path | None = None

    def summary(self, lang: Lang) -> str:
        """Customers and the largest class; then the customers left out, if any."""
        top = self.classes.sort_values("customers", ascending=False).iloc[0]
        line = tr(
            lang,
            "RFM: {customers:,} customers, largest class {label} ({largest:,})",
            customers=len(self.table),
            label=top.rfm_class_label,
            largest=top.customers,
        )
        return "\n".join([line, *([self.left_out(lang)] if len(self.lapsed) else [])])

    @property
    def wrote_a_workbook(self) -> bool:
        """Whether the run wrote a workbook: a .csv holds the classes' table only, a run without an output (the
        CLI's without --out, a UDF's) nothing."""
        return self.path is not None and self.path.suffix.lower() == ".xlsx"

    def left_out(self, lang: Lang, *, in_workbook: bool | None = None) -> str:
        """How many customers the classes leave out and why, the first few with their last purchase; the sheet that
        lists them named when they are in a workbook (default: when the run wrote one)."""
        named = [
            tr(lang, "{customer} (last purchase {date})", customer=customer, date=pd.Timestamp(last).date())
            if pd.notna(last)
            else tr(lang, "{customer} (no purchase)", customer=customer)
            for customer, last in zip(self.lapsed["customer_id"], self.lapsed["last_purchase"])
        ]
        facts = {
            "count": len(self.lapsed),
            "start": self.start.date(),
            "end": self.end.date(),
            "customers": first_ids(named),
        }
        if not (self.wrote_a_workbook if in_workbook is None else in_workbook):
            return tr(
                lang,
                "{count:,} customer(s) left out of the RFM classes, with no purchase from {start} to {end}: "
                "{customers}",
                **facts,
            )
        return tr(
            lang,
            "{count:,} customer(s) left out of the RFM classes, with no purchase from {start} to {end}: {customers}; "
            "sheet {sheet} lists them",
            **facts,
            sheet=tr(lang, "Lapsed customers"),
        )


def rfm_report_name(as_of: pd.Timestamp) -> str:
    """The workbook's file name when the caller names only a folder."""
    return f"rfm_{as_of:%Y-%m-%d}.xlsx"


def run_rfm(
    transactions: pd.DataFrame,
    options: RfmOptions,
    *,
    out: Path | None = None,
    out_dir: Path | None = None,
    customers: pd.DataFrame | None = None,
    company: str | None = None,
    lang: Lang = "zh",
) -> RfmRun:
    """RFM per customer and the class summary; written to ``out`` (.xlsx or .csv), or into ``out_dir`` under the
    name of the cut-off (``as_of``, else the latest purchase), naming each customer from ``customers`` (a master's;
    the table itself keeps its columns, as the worksheet functions return it), under ``company``'s name. The
    customers with no purchase in the window are listed beside the classes, and the ids of ``customers`` that
    never bought among them."""
    table = rfm(
        transactions, as_of=options.as_of, period_months=options.period_months, monetary=options.monetary, lang=lang
    )
    classes = class_summary(table, lang=lang)
    start, end = window_bounds(transactions["date"], options.as_of, options.period_months)
    lapsed = lapsed_customers(
        transactions, as_of=options.as_of, period_months=options.period_months, customers=customers
    )
    run = RfmRun(table, classes, options, lapsed, start, end)
    if out is None and out_dir is not None:
        out = out_dir / rfm_report_name(end)
    if out is None:
        return run
    heading = Heading(
        tr(lang, "RFM analysis"),
        company=company,
        period=tr(lang, "purchases from {start} to {end}", start=start.date(), end=end.date()),
        as_of=end,
        currency=options.currency,
    )
    left_out = (run.left_out(lang, in_workbook=True),) if len(lapsed) else ()  # the notes of the workbook only
    sheets = rfm_sheets(table, classes, lang, customers=customers, lapsed=lapsed, notes=left_out)
    return replace(run, path=write_table(out, sheets, heading=heading, lang=lang))
