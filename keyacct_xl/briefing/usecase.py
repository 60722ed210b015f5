"""The general manager's monthly pack and the customer fact sheet as every front end runs them (CLI, ribbon, demo).

``run_gm_pack`` computes every figure of a month (briefing.gm_pack) and, when asked, writes the pack;
``run_fact_sheet`` does the same for one customer or every customer of a rep (briefing.fact_sheet). Both read
their defaults from the master's Settings here, once.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd

from keyacct_xl.analytics.composition import complaint_months
from keyacct_xl.briefing import gm_pack as gm
from keyacct_xl.briefing.fact_book import write_fact_sheets
from keyacct_xl.briefing.fact_sheet import FactSheet, Records, ageing_of, fact_sheet, twelve_month_sales
from keyacct_xl.briefing.gm_book import write_gm_pack
from keyacct_xl.briefing.grades import graded_at
from keyacct_xl.briefing.months import LOST_MONTHS, ledger_begins, month_end, monthly_trend, receivables_at
from keyacct_xl.currency import CNY, Currency, Money
from keyacct_xl.errors import InputError
from keyacct_xl.fileio import id_in_name, safe_name
from keyacct_xl.followup.check import require_rep
from keyacct_xl.followup.policy import VisitPolicy, master_policy
from keyacct_xl.i18n import Lang
from keyacct_xl.master.accounts import ACCOUNT_PLAN_ACTIONS
from keyacct_xl.master.followthrough import COMPLAINTS
from keyacct_xl.master.ids import Spellings, meant_id
from keyacct_xl.master.integrity import require_unique_ids
from keyacct_xl.master.model import Master, empty_frame
from keyacct_xl.master.plans import SALES_TARGETS
from keyacct_xl.master.schema import CUSTOMERS
from keyacct_xl.master.settings import Settings, setting_int
from keyacct_xl.master.submissions import LEDGER, QUOTATIONS
from keyacct_xl.messages import Message, msg, tr
from keyacct_xl.performance.complaints import DeadlinePolicy, complaint_register, end_of_day, load_deadline_policy
from keyacct_xl.performance.reports_check import SubmissionsCheck, run_submissions_check
from keyacct_xl.performance.reps import evaluation_period
from keyacct_xl.receivables.master_lines import data_span, ledger_transactions, master_ledger, past_the_data
from keyacct_xl.receivables.terms import terms_warnings

LOST_SETTING = "lost_customer_months"
KPI_COLUMNS = ["kpi", "value", "last_month", "last_year", "kind", "sheet"]


def lost_months(settings: Settings) -> int:
    """Months without a purchase after which a customer counts as lost: Settings ``lost_customer_months`` when a
    user added it, else twelve."""
    return setting_int(settings, LOST_SETTING) if settings.value(LOST_SETTING) is not None else LOST_MONTHS


def report_month(text: str) -> pd.Period:
    """The pack's month from ``2026-10``; a quarter or a year is refused (the pack compares months)."""
    span = evaluation_period(text)
    if len(span.months) != 1:
        raise InputError(msg("--period: the monthly pack needs a month such as 2026-10, not {value!r}", value=text))
    return pd.Period(span.months[0], freq="M")


def _table(tables: Mapping[str, pd.DataFrame], schema) -> pd.DataFrame:
    """A consolidation table by name; a master without it has none of its rows."""
    return tables[schema.name] if schema.name in tables else empty_frame(schema)


@dataclass(frozen=True)
class GmPack:
    """One month's pack: the cover's KPIs (this month, last month, a year ago) and every section's table."""

    month: pd.Period
    kpis: pd.DataFrame
    trend: pd.DataFrame
    total: pd.Series
    cuts: Mapping[str, pd.DataFrame]
    top: pd.DataFrame
    receivables: pd.DataFrame
    funnel: pd.DataFrame
    coverage: pd.DataFrame
    grading: Message  # which grades the grade sheet, the top customers and the VIP/A coverage show
    complaints: pd.DataFrame
    submissions: SubmissionsCheck
    risky: pd.DataFrame
    pareto: gm.Pareto | None
    lost_months: int
    company: str
    data_from: pd.Period | None = None  # the month of the first sale: the data begin there
    ledger_from: pd.Period | None = None  # the month of the ledger's first invoice or payment
    path: Path | None = None
    warnings: tuple[Message, ...] = ()  # a month past the data: its figures partial
    currency: Currency = CNY  # the master's book currency: the amounts' symbol

    def kpi(self, key: str) -> float:
        """The value of one cover KPI this month."""
        return float(self.kpis.set_index("kpi").at[key, "value"])

    def summary(self, lang: Lang) -> str:
        """One line: the month's sales against last year, the year to date, active customers, overdue money; then a
        line per warning."""
        return "\n".join([self._headline(lang), *self._warning_lines(lang)])

    def report_line(self, lang: Lang) -> str:
        """The summary and the report's path, as the CLI and the demo print it, then a line per warning."""
        line = tr(lang, "{summary}; report: {path}", summary=self._headline(lang), path=self.path)
        return "\n".join([line, *self._warning_lines(lang)])

    def _headline(self, lang: Lang) -> str:
        last_year = float(self.kpis.set_index("kpi").at["month_sales", "last_year"])
        # a year before the first sale has no figure, as the cover says: not ¥0.00
        compared = (
            tr(lang, "a year ago ¥{last_year:,.2f}", last_year=Money(last_year, self.currency))
            if math.isfinite(last_year)
            else tr(lang, "no figure a year ago")
        )
        return tr(
            lang,
            "monthly pack {month}: sales ¥{sales:,.2f} ({compared}), year to date "
            "¥{ytd:,.2f}, {active:,} active customers, overdue ¥{overdue:,.2f}",
            month=str(self.month),
            sales=Money(self.kpi("month_sales"), self.currency),
            compared=compared,
            ytd=Money(self.kpi("ytd_sales"), self.currency),
            active=int(self.kpi("active_customers")),
            overdue=Money(self.kpi("overdue"), self.currency),
        )

    def _warning_lines(self, lang: Lang) -> list[str]:
        return [tr(lang, "warning: {text}", text=w) for w in self.warnings]


def last_full_month(master: Master) -> pd.Period:
    """The latest month whose sales are complete: the latest sale's month when it falls on the month's last day,
    else the month before (the ribbon's and the demo's default)."""
    dates = master.transactions["date"].dropna()
    if dates.empty:
        raise InputError(msg("Transactions: no dated sales for a monthly pack; give --period"))
    latest = pd.Timestamp(dates.max()).normalize()
    month = latest.to_period("M")
    return month if latest == month.end_time.normalize() else month - 1


def month_warnings(master: Master, month: pd.Period) -> tuple[Message, ...]:
    """A warning when ``month`` ends after the master's latest sale or payment (``past_the_data``)."""
    found = past_the_data(master, str(month), month.end_time.normalize())
    return () if found is None else (found,)


def first_sale(master: Master) -> pd.Timestamp | None:
    """The day of the master's first dated sale (the history store's lines included); None without one."""
    dates = master.transactions["date"].dropna()
    return pd.Timestamp(dates.min()).normalize() if len(dates) else None


def before_the_data(month: pd.Period, first: pd.Timestamp | None) -> bool:
    """Whether ``month`` ends before the master's first sale (``first``): it has no figure, only zeros."""
    return first is not None and month.end_time.normalize() < first


def _month_of(day: pd.Timestamp | None) -> pd.Period | None:
    return day.to_period("M") if day is not None else None


def require_sales(month: pd.Period, first: pd.Timestamp | None) -> None:
    """Refuse a month that ends before the master's first sale (``first``): its pack showed every figure 0 ＝, the
    funnel of today and every VIP/A customer overdue (a trial's 2020-01). A month after the data is written with a
    warning (``month_warnings``); a master without a dated sale, on what it holds."""
    if first is None or not before_the_data(month, first):
        return
    raise InputError(
        msg(
            "--period {period} lies before the master's sales (the first on {first}): no figure to report; give "
            "{month} or a later month",
            period=str(month),
            first=first.date().isoformat(),
            month=str(first.to_period("M")),
        )
    )


def gm_report_name(month: pd.Period) -> str:
    """The pack's file name when the caller names only a folder."""
    return f"gm_pack_{month}.xlsx"


def _missing_reports(check: SubmissionsCheck) -> float:
    """The reports not handed in; NaN for a month before the first consolidation (none was looked for), so the
    cover compares with no figure rather than with none missing."""
    if check.untracked and not int(check.reps["expected"].sum()):
        return np.nan
    return float(check.reps["missing"].sum())


def _kpi(key: str, values: Sequence[float], kind: str, sheet: str) -> dict[str, object]:
    now, last_month, last_year = (*values, np.nan, np.nan)[:3]
    return {
        "kpi": key,
        "value": now,
        "last_month": last_month,
        "last_year": last_year,
        "kind": kind,
        "sheet": sheet,
    }


@dataclass(frozen=True)
class MonthFigures:
    """What the cover compares month by month and the detail sheets show for the report's month: the reps' targets
    and what they achieved (the rep sheet's, built once), the company's line of sales, the complaints open at the
    month's end, the customers with the grades in force then (``graded``, ``grading`` saying which), the VIP/A visit
    coverage by them and the reports due in the month (the missing-reports check)."""

    goals: gm.RepGoals
    total: pd.Series
    complaints: pd.DataFrame
    graded: pd.DataFrame
    grading: Message
    coverage: pd.DataFrame
    submissions: SubmissionsCheck


def _month_figures(
    master: Master,
    tables: Mapping[str, pd.DataFrame],
    month: pd.Period,
    *,
    deadlines: DeadlinePolicy,
    visits: VisitPolicy,
) -> MonthFigures:
    end = month.end_time.normalize()
    closing = end_of_day(end)  # a complaint or grading of the month's last day, at any hour, is the month's
    register = complaint_register(_table(tables, COMPLAINTS), master.customers, as_of=closing, policy=deadlines)
    # the reps' reports by the submissions command's own check: the same rule, the month as its period
    reports = {CUSTOMERS.name: master.customers, LEDGER.name: _table(tables, LEDGER)}
    goals = gm.RepGoals.of(master.transactions, master.customers, _table(tables, SALES_TARGETS), month=month)
    graded, grading = graded_at(master.customers, master.grade_history, at=closing)
    return MonthFigures(
        goals=goals,
        total=gm.sales_total(master.transactions, goals, month=month),
        complaints=gm.open_complaints(register, as_of=closing),
        graded=graded,
        grading=grading,
        coverage=gm.key_visit_coverage(graded, master.visits, as_of=end, policy=visits),
        submissions=run_submissions_check(reports, master.settings, period=str(month), as_of=end),
    )


def _year_to_date(
    points: Sequence[pd.Period], figures: Sequence[MonthFigures], data_from: pd.Period | None
) -> list[float]:
    """Each month's sales of its year to date; none for a month of an earlier year than the report's whose year to
    date begins before the data (``data_from``): against part of a year, a rise is no rise."""
    month = points[0]
    return [
        np.nan if p.year != month.year and gm.partial(gm.Spans.of(p).ytd, data_from) else float(e.total["ytd_sales"])
        for p, e in zip(points, figures)
    ]


def _cover(
    points: Sequence[pd.Period],
    figures: Sequence[MonthFigures],
    trend: pd.DataFrame,
    receivables: pd.DataFrame,
    sections: dict[str, pd.DataFrame],
    data_from: pd.Period | None,
) -> pd.DataFrame:
    """The KPIs of the months ``points`` (the report's month, last month and the same month a year ago), from
    ``figures``, each of those months' figures; the data begin in ``data_from``."""
    rows = trend.set_index("month")
    at = [rows.loc[str(p)] if str(p) in rows.index else None for p in points]

    def monthly(column: str) -> list[float]:
        return [float(r[column]) if r is not None else np.nan for r in at]

    def coverage(cover: pd.DataFrame) -> float:
        keys = cover["key_customers"].sum()
        return float(cover["key_visited"].sum() / keys) if keys else np.nan

    owed = receivables.set_index("month")
    return pd.DataFrame(
        [
            _kpi("month_sales", monthly("sales"), "money", "sales"),
            _kpi("ytd_sales", _year_to_date(points, figures, data_from), "money", "sales"),
            _kpi("sales_achievement", [float(e.total["sales_achievement"]) for e in figures], "percent", "by_rep"),
            _kpi("active_customers", monthly("active_customers"), "count", "customers"),
            _kpi("recent_buyers", monthly("recent_buyers"), "count", "customers"),
            _kpi("new_customers", monthly("new_customers"), "count", "customers"),
            _kpi("lost", monthly("lost"), "count", "customers"),
            _kpi("balance", [float(owed.at[str(p), "balance"]) for p in points], "money", "receivables"),
            _kpi("overdue", [float(owed.at[str(p), "overdue"]) for p in points], "money", "receivables"),
            _kpi("over_limit", [float(owed.at[str(p), "over_limit"]) for p in points], "count", "receivables"),
            _kpi("weighted_amount", [gm.open_pipeline(sections["funnel"])], "money", "funnel"),
            _kpi("key_coverage", [coverage(e.coverage) for e in figures], "percent", "visits"),
            _kpi("open_complaints", [float(len(e.complaints)) for e in figures], "count", "complaints"),
            _kpi(
                "overdue_complaints",
                [float(gm.overdue_complaints(e.complaints).sum()) for e in figures],
                "count",
                "complaints",
            ),
            _kpi(
                "missing_reports",
                [_missing_reports(e.submissions) for e in figures],
                "count",
                "submissions",
            ),
            _kpi("risky_customers", [float(len(sections["risky"]))], "count", "risky"),
        ],
        columns=KPI_COLUMNS,
    )


def without_the_data(kpis: pd.DataFrame, points: Sequence[pd.Period], first: pd.Timestamp | None) -> pd.DataFrame:
    """The cover's KPIs with no figure for a month of ``points`` that ends before the first sale: a comparison there
    is none (— on the cover), not a rise from 0 (▲)."""
    blank = [c for p, c in zip(points, ("value", "last_month", "last_year")) if before_the_data(p, first)]
    return kpis.assign(**{c: np.nan for c in blank}) if blank else kpis


def run_gm_pack(
    master: Master,
    tables: Mapping[str, pd.DataFrame],
    *,
    period: str,
    out: Path | None = None,
    out_dir: Path | None = None,
    lang: Lang = "zh",
) -> GmPack:
    """Every figure of the month ``period`` (2026-10) from ``master`` and its consolidation ``tables`` (SalesTargets,
    Complaints by name); written to ``out``, or into ``out_dir`` as gm_pack_<month>.xlsx."""
    month = report_month(period)
    # the VIP/A visits are counted per customer row: which of two rows of an id would a visit count for?
    require_unique_ids(master, msg("the monthly pack"))
    first = first_sale(master)
    require_sales(month, first)
    end = month.end_time.normalize()
    tx = master.transactions
    months_lost = lost_months(master.settings)
    first_trades = master.customers.set_index("customer_id")["first_trade_date"]
    trend = monthly_trend(tx, last=month, months=24, lost_months=months_lost, first_trades=first_trades)
    ledger = master_ledger(master, as_of=end)
    ends = sorted({month_end(month.year * 12 + month.month - 1 - k) for k in (*range(12), 12)})
    owed = receivables_at(ledger, master.payments, master.customers, ends)
    points = (month, month - 1, month - 12)
    deadlines, visits = load_deadline_policy(), master_policy(master.settings)
    figures = [_month_figures(master, tables, p, deadlines=deadlines, visits=visits) for p in points]
    risky = gm.risky(
        tx,
        master.customers,
        ledger,
        _table(tables, COMPLAINTS),
        month=month,
        complaint_months=complaint_months(master.settings),
        lang=lang,
    )
    sections = {"funnel": gm.funnel(master.opportunities), "risky": risky}
    data_from = _month_of(first)
    graded = figures[0].graded  # the customers with the month's grades: the grade sheet's and the top 20's
    cuts = {by: gm.sales_cut(tx, graded, figures[0].goals, month=month, by=by) for by in gm.CUTS}
    pack = GmPack(
        month=month,
        kpis=without_the_data(_cover(points, figures, trend, owed, sections, data_from), points, first),
        trend=trend,
        total=figures[0].total,
        cuts={by: gm.comparable(cut, month=month, data_from=data_from) for by, cut in cuts.items()},
        top=gm.comparable(gm.top_customers(tx, graded, month=month), month=month, data_from=data_from),
        receivables=owed.iloc[-12:].reset_index(drop=True),
        funnel=sections["funnel"],
        coverage=figures[0].coverage,
        grading=figures[0].grading,
        complaints=figures[0].complaints,
        submissions=figures[0].submissions,
        risky=sections["risky"],
        pareto=gm.rolling_year_pareto(tx, month=month),
        lost_months=months_lost,
        company=master.settings.company_name,
        data_from=data_from,
        ledger_from=_month_of(ledger_begins(ledger, master.payments)),
        warnings=(*month_warnings(master, month), *terms_warnings(master.customers, ledger, master.lang)),
        currency=master.settings.book_currency,
    )
    path = out or (out_dir / gm_report_name(month) if out_dir is not None else None)
    if path is None:
        return pack
    return replace(pack, path=write_gm_pack(pack, path, lang=lang))


@dataclass(frozen=True)
class FactSheets:
    """The fact sheets of one run (one customer, or every customer of a rep) at one day, and the workbook written."""

    sheets: tuple[FactSheet, ...]
    as_of: pd.Timestamp
    path: Path | None = None
    warnings: tuple[Message, ...] = ()  # a day past the data: sales and ageing taken where the data end

    def summary(self, lang: Lang) -> str:
        """One line: the day and the customers; then a line per warning."""
        return "\n".join([self._headline(lang), *self._warning_lines(lang)])

    def report_line(self, lang: Lang) -> str:
        """The summary and the report's path, as the CLI prints it, then a line per warning."""
        line = tr(lang, "{summary}; report: {path}", summary=self._headline(lang), path=self.path)
        return "\n".join([line, *self._warning_lines(lang)])

    def _headline(self, lang: Lang) -> str:
        names = tr(lang, ", ").join(f"{s.customer_id} {s.name}" for s in self.sheets[:5])
        more = "" if len(self.sheets) <= 5 else " …"
        return tr(
            lang,
            "customer fact sheets as of {as_of:%Y-%m-%d}: {n} customer(s) ({names}{more})",
            as_of=self.as_of,
            n=len(self.sheets),
            names=names,
            more=more,
        )

    def _warning_lines(self, lang: Lang) -> list[str]:
        return [tr(lang, "warning: {text}", text=w) for w in self.warnings]


def fact_sheet_as_of(master: Master) -> pd.Timestamp:
    """The data's today: the latest sale, payment or visit (never the wall clock)."""
    dates = pd.concat([master.transactions["date"], master.payments["date"], master.visits["date"]]).dropna()
    if dates.empty:
        raise InputError(msg("the master has no sale, payment or visit to date the fact sheet; give --as-of"))
    return pd.Timestamp(dates.max()).normalize()


def sales_through(master: Master, day: pd.Timestamp) -> tuple[pd.Timestamp, Message | None]:
    """The day a fact sheet of ``day`` takes its sales, category share and ageing at: ``day``, or the last day of the
    master's sales and payments (``data_span``) when earlier, with the warning that says so and what to do. Past the
    data every open invoice aged as if nothing were paid (the demo's C0026 at its latest visit, 11-27: ¥617,810.52
    overdue, against ¥118,291.94 at the data's end, 10-31) and the months after it read ¥0.00 as if the customer had
    stopped buying. The visits, complaints, quotations and actions stay the day's, as the rep evaluation keeps its
    period's and ages at the data's end (``aged_where_data_ends``)."""
    span = data_span(master)
    if span is None or span[1] >= day:
        return day, None
    through = span[1].date().isoformat()
    return span[1], msg(
        "the fact sheet's day ({day}) is after the master's sales and payments ({through}): its sales by month, "
        "share of its category and receivables ageing are taken at {through}, where the data end; import the later "
        "sales and payments, or give --as-of {through} or earlier",
        day=day.date().isoformat(),
        through=through,
    )


def fact_sheet_name(ids: Sequence[str], rep: str | None, as_of: pd.Timestamp) -> str:
    """The workbook's file name when the caller names only a folder."""
    who = f"rep_{safe_name(rep)}" if rep is not None else id_in_name(ids[0])
    return f"account_{who}_{as_of:%Y-%m-%d}.xlsx"


def _chosen(master: Master, customer_ids: Sequence[str], rep: str | None) -> list[str]:
    ids = master.customers["customer_id"].astype(str).str.strip()
    if rep is not None:
        require_rep(master, rep)
        mine = ids[(master.customers["rep"].astype(str).str.strip() == rep).to_numpy()]
        if mine.empty:
            raise InputError(msg("rep {rep!r} has no customers in the master", rep=rep))
        return sorted(mine.unique())
    known = set(ids)
    # c0023 or Ｃ0023 is C0023, as card intake and the customer import read an id (master.ids)
    spelled = Spellings(known)
    chosen = []
    for cid in customer_ids:
        found = cid if cid in known else meant_id(cid, known, spelled)
        if found is None:
            raise InputError(msg("{path}: no customer {cid} in Customers", path=master.path or "master", cid=cid))
        chosen.append(found)
    return list(dict.fromkeys(chosen))


def run_fact_sheet(
    master: Master,
    tables: Mapping[str, pd.DataFrame],
    *,
    customer_ids: Sequence[str] = (),
    rep: str | None = None,
    as_of: pd.Timestamp | None = None,
    out: Path | None = None,
    out_dir: Path | None = None,
    lang: Lang = "zh",
) -> FactSheets:
    """The fact sheet of each of ``customer_ids`` (an id in any case or width), or of every customer of ``rep``, at
    ``as_of`` (default: the latest sale, payment or visit) from ``master`` and its consolidation ``tables``
    (Quotations, AccountPlanActions, Complaints by name), its sales and ageing where the data end if earlier
    (``sales_through``); written as one workbook, one sheet per customer."""
    ids = _chosen(master, customer_ids, rep)
    when = pd.Timestamp(as_of).normalize() if as_of is not None else fact_sheet_as_of(master)
    through, past_data = sales_through(master, when)
    register = complaint_register(
        _table(tables, COMPLAINTS), master.customers, as_of=end_of_day(when), policy=load_deadline_policy()
    )
    records = Records(
        {
            "Customers": master.customers,
            "Contacts": master.contacts,
            "Transactions": master.transactions,
            "Visits": master.visits,
            "Opportunities": master.opportunities,
            "GradeHistory": master.grade_history,
            "Quotations": _table(tables, QUOTATIONS),
            "AccountPlanActions": _table(tables, ACCOUNT_PLAN_ACTIONS),
            "Complaints": register,
        }
    )
    recent = twelve_month_sales(master.transactions, as_of=through)
    lines = ledger_transactions(master.transactions, master.adjustments, lang=master.lang)  # the master's balances
    buckets = master.settings.ageing_buckets
    aged = ageing_of(
        lines,
        master.payments,
        master.customers,
        ids,
        as_of=through,
        buckets=buckets,
        terms_history=master.grade_history,
    )
    sheets = tuple(
        fact_sheet(
            cid,
            records=records,
            customers=master.customers,
            recent_sales=recent,
            aged=aged,
            as_of=when,
            through=through,
        )
        for cid in ids
    )
    result = FactSheets(sheets, when, warnings=() if past_data is None else (past_data,))
    path = out or (out_dir / fact_sheet_name(ids, rep, when) if out_dir is not None else None)
    if path is None:
        return result
    settings = master.settings
    written = write_fact_sheets(result, path, company=settings.company_name, lang=lang, currency=settings.book_currency)
    return replace(result, path=written)
