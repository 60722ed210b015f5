"""Rep evaluation from the data (``keyacct-xl reps``) as every front end runs it: the CLI and the demo.

``run_rep_evaluation`` takes the master's data tables and its consolidation tables (SalesTargets, MonthlyPlans,
Complaints, RepEvaluations, the plan tables, the ledger), dates the complaints, the reports due and the planned
visits at the period's end (today, for a period not over), ages the receivables at the period's end (where the
sales and payments end, when that is earlier) and the previous period's end, computes each rep's KPIs
(performance.reps) and, when asked, writes them as a document for the supervisor. A period wholly outside what the
master records as done (sales, payments, visits, complaints, reports handed in) is refused; one that ends after the
sales and payments, or holds no sales line, is evaluated with a warning.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pandas as pd

from keyacct_xl.currency import CNY, Currency, Money
from keyacct_xl.errors import InputError
from keyacct_xl.followup.execution import plan_execution, plan_lines
from keyacct_xl.followup.policy import master_policy
from keyacct_xl.forms.catalog import load_form, shared_lists
from keyacct_xl.forms.generator import FormData, write_form
from keyacct_xl.forms.meta import FormContext
from keyacct_xl.forms.prefill import known_reps
from keyacct_xl.forms.repforms import output_name, rep_folders, rep_form_specs
from keyacct_xl.i18n import Lang
from keyacct_xl.master.followthrough import COMPLAINTS, REP_EVALUATIONS
from keyacct_xl.master.model import Master
from keyacct_xl.master.plans import MONTHLY_PLANS, SALES_TARGETS
from keyacct_xl.master.submissions import LEDGER
from keyacct_xl.messages import Message, Pair, Rendered, cmsg, msg, tr
from keyacct_xl.parsing import is_blank
from keyacct_xl.performance.complaints import complaint_register, end_of_day, load_deadline_policy
from keyacct_xl.performance.document import Labels, write_document
from keyacct_xl.performance.reps import EvaluationPeriod, evaluation_period, rep_kpis
from keyacct_xl.performance.scoring import DEFAULT_SCORING, MEASURED_BY, load_scoring, score_kpis
from keyacct_xl.performance.submissions import (
    expected_submissions,
    handed_in,
    load_submission_calendar,
    looked_for,
    scheduled_forms,
    submission_status,
)
from keyacct_xl.performance.support import HEADERS as SUPPORT_HEADERS
from keyacct_xl.performance.support import SOURCES, support_requests
from keyacct_xl.receivables.ageing import age_ledger
from keyacct_xl.receivables.master_lines import aged_where_data_ends, data_span, master_ledger
from keyacct_xl.reports import Kind

HEADERS: dict[str, Message] = {
    "rep": cmsg("rep evaluation", "Sales Rep"),
    "sales": cmsg("rep evaluation", "Sales"),
    "sales_last_year": cmsg("rep evaluation", "Same Period Last Year"),
    "sales_target": cmsg("rep evaluation", "Sales Target"),
    "sales_in_target_months": cmsg("rep evaluation", "Sales in Target Months"),
    "sales_achievement": cmsg("rep evaluation", "Target Achievement"),
    "gross_margin": cmsg("rep evaluation", "Gross Margin"),
    "collection": cmsg("rep evaluation", "Collection"),
    "collection_target": cmsg("rep evaluation", "Collection Target"),
    "collection_in_target_months": cmsg("rep evaluation", "Collection in Target Months"),
    "collection_achievement": cmsg("rep evaluation", "Collection Achievement"),
    "new_customers": cmsg("rep evaluation", "New Customers"),
    "visits": cmsg("rep evaluation", "Visits"),
    "face_to_face": cmsg("rep evaluation", "Face-to-Face Visits"),
    "key_customers": cmsg("rep evaluation", "VIP/A Customers"),
    "key_visited": cmsg("rep evaluation", "VIP/A Visited"),
    "key_coverage": cmsg("rep evaluation", "VIP/A Coverage"),
    "complaints": cmsg("rep evaluation", "Complaints"),
    "complaints_closed_in_time": cmsg("rep evaluation", "Closed in Time"),
    "complaints_due": cmsg("rep evaluation", "Complaints Due to Close"),
    "complaints_due_closed_in_time": cmsg("rep evaluation", "Due and Closed in Time"),
    "complaint_closure_rate": cmsg("rep evaluation", "Closure in Time Rate"),
    "receivables": cmsg("rep evaluation", "Receivables"),
    "overdue": cmsg("rep evaluation", "Overdue"),
    "overdue_before": cmsg("rep evaluation", "Overdue at Last Period's End"),
    "overdue_change": cmsg("rep evaluation", "Overdue Change"),
    "overdue_share": cmsg("rep evaluation", "Overdue Share"),
    "planned_visits": cmsg("rep evaluation", "Planned Visits"),
    "planned_visits_done": cmsg("rep evaluation", "Planned Visits Done"),
    "plan_execution_rate": cmsg("rep evaluation", "Plan Execution Rate"),
    "reports_due": cmsg("rep evaluation", "Reports Due"),
    "reports_on_time": cmsg("rep evaluation", "Reports on Time"),
    "reports_on_time_rate": cmsg("rep evaluation", "Reports on Time Rate"),
    "supervisor_score": cmsg("rep evaluation", "Supervisor Score"),
    "supervisor_rating": cmsg("rep evaluation", "Supervisor Rating"),
    "total_score": cmsg("rep evaluation", "Overall Score"),
    "rating": cmsg("rep evaluation", "Suggested Rating"),
    "kpi": cmsg("rep evaluation", "KPI"),
    "target": cmsg("rep evaluation", "Target"),
    "actual": cmsg("rep evaluation", "Actual"),
    "value": cmsg("rep evaluation", "Value"),
    "weight": cmsg("rep evaluation", "Weight"),
    "score": cmsg("rep evaluation", "Score"),
    "weighted": cmsg("rep evaluation", "Weighted"),
}
# The KPIs as the evaluation form names them.
KPI_LABELS: dict[str, Message] = {
    "sales_achievement": msg("sales target achievement"),
    "collection_achievement": msg("collection achievement"),
    "key_coverage": msg("VIP/A customers visited"),
    "new_customers": msg("new customers"),
    "reports_on_time_rate": msg("reports handed in on time"),
    "overdue_share": msg("overdue share of receivables"),
    "complaint_closure_rate": msg("complaints closed in time"),
    "plan_execution_rate": msg("planned visits done"),
}
NO_TARGET = msg("no target")
# What a KPI without a value means: the reason it is not scored, in the report and on the form.
NO_VALUE: dict[str, Message] = {
    "sales_achievement": NO_TARGET,
    "collection_achievement": NO_TARGET,
    "key_coverage": msg("no VIP/A customer"),
    "reports_on_time_rate": msg("no report due"),
    "overdue_share": msg("no receivables"),
    "complaint_closure_rate": msg("no complaint due"),
    "plan_execution_rate": msg("no visit planned"),
}
LABELS = Labels(
    HEADERS,
    money=frozenset(
        {
            "sales",
            "sales_last_year",
            "sales_target",
            "sales_in_target_months",
            "collection",
            "collection_target",
            "collection_in_target_months",
            "receivables",
            "overdue",
            "overdue_before",
            "overdue_change",
        }
    ),
    rates=frozenset(
        {
            "sales_achievement",
            "gross_margin",
            "collection_achievement",
            "key_coverage",
            "reports_on_time_rate",
            "overdue_share",
            "complaint_closure_rate",
            "plan_execution_rate",
        }
    ),
    blanks=NO_VALUE,
)


def kpi_line_kinds() -> dict[str, dict[str, Kind]]:
    """What each KPI's line of the scores shows: its target and actual as money or counts (as the KPI columns they
    come from), its value as a rate or a count (new customers)."""
    kinds: dict[str, dict[str, Kind]] = {}
    for kpi, (_, actual) in MEASURED_BY.items():
        measured: Kind = "money" if actual in LABELS.money else "count"
        kinds[kpi] = {"target": measured, "actual": measured, "value": "percent" if kpi in LABELS.rates else "count"}
    return kinds


SCORE_LABELS = Labels(HEADERS, {"kpi": KPI_LABELS}, rates=frozenset({"weight"}), line_kinds={"kpi": kpi_line_kinds()})


def rating_labels() -> dict[str, Rendered]:
    """The rating choices (优秀 … 很差) by each name they go by, as their label in either language: the shipped
    scoring policy's bands and the supervisors' evaluation forms name a rating by them; a rating a custom policy
    names otherwise shows as written."""
    return {name: Pair(c.en, c.zh) for c in shared_lists().get("rating5", ()) for name in c.names}


def rating_text(rating: object, lang: Lang) -> str | None:
    """``rating`` as a reader in ``lang`` reads it (None for no rating)."""
    if is_blank(rating):
        return None
    label = rating_labels().get(str(rating).strip())
    return label.render(lang) if label is not None else str(rating)


@dataclass(frozen=True)
class RepEvaluation:
    """One evaluation: its period, the KPIs per rep (with the suggested total and rating), each KPI's score, the
    report and the pre-filled evaluation forms written."""

    period: EvaluationPeriod
    kpis: pd.DataFrame
    scores: pd.DataFrame
    requests: pd.DataFrame  # the problems and support reps asked for in the period (performance.support)
    path: Path | None = None
    forms: tuple[Path, ...] = ()
    warnings: tuple[Message, ...] = ()  # a period past the data or not over: its figures partial
    currency: Currency = CNY  # the master's book currency: the amounts' symbol

    def summary(self, lang: Lang) -> str:
        """One line: the period, reps, sales against the targets set, reps without a target."""
        k = self.kpis
        targeted = k["sales_target"].notna()
        if not targeted.any():  # "target ¥0.00 for 0 reps" read as a target of nothing
            return tr(
                lang,
                "rep evaluation {period}: {reps} reps, sales ¥{sales:,.2f}, no rep has a sales target for the period",
                period=self.period.text,
                reps=len(k),
                sales=Money(float(k["sales"].sum()), self.currency),
            )
        return tr(
            lang,
            "rep evaluation {period}: {reps} reps, sales ¥{sales:,.2f}, target ¥{target:,.2f} for "
            "{targeted} reps, {untargeted} without a target",
            period=self.period.text,
            reps=len(k),
            sales=Money(float(k["sales"].sum()), self.currency),
            target=Money(float(k["sales_target"].sum()), self.currency),
            targeted=int(targeted.sum()),
            untargeted=int((~targeted).sum()),
        )

    def report_line(self, lang: Lang) -> str:
        """The summary and the report's path, as the CLI and the demo print it, then a line per warning."""
        line = tr(lang, "{summary}; report: {path}", summary=self.summary(lang), path=self.path)
        return "\n".join([line, *self.warning_lines(lang)])

    def warning_lines(self, lang: Lang) -> list[str]:
        """Each warning as a line of its own (the console, the report's notes)."""
        return [tr(lang, "warning: {text}", text=w) for w in self.warnings]


def evaluated_reps(master: Master, targets: pd.DataFrame, period: EvaluationPeriod) -> list[str]:
    """The reps customers are assigned to, and any rep with a target in the period."""
    months = set(period.months)
    named = pd.concat([master.customers["rep"], targets.loc[targets["month"].astype(str).isin(months), "rep"]])
    return sorted({str(r).strip() for r in named.dropna()} - {""})


def activity_span(
    master: Master, complaints: pd.DataFrame, came: pd.DataFrame
) -> tuple[pd.Timestamp, pd.Timestamp] | None:
    """The first and the last day of what the master records as done: sales, payments, visits, complaints received
    (``complaints``: the Complaints table) and reports handed in (``came``: handed_in); None when it holds none.
    Targets and plans are left out: they are set ahead, and a month with nothing but them has nothing to rate."""
    found = [
        master.transactions["date"],
        master.payments["date"],
        master.visits["date"],
        complaints["received_date"],
        came["handed_in"],
    ]
    dates = pd.concat([pd.Series(pd.to_datetime(d).to_numpy(), dtype="datetime64[ns]") for d in found]).dropna()
    if dates.empty:
        return None
    return pd.Timestamp(dates.min()).normalize(), pd.Timestamp(dates.max()).normalize()


def require_data(span: EvaluationPeriod, data: tuple[pd.Timestamp, pd.Timestamp] | None) -> None:
    """Refuse a period wholly before or after everything the master records as done (``data``: activity_span):
    every rep scored 0.0, 很差, on figures that are not there (a trial's 2026-12 and 2023-01). A period with visits,
    complaints or reports but no sales (a month whose sales are not imported yet, a team that only logs visits) is
    evaluated, with a warning (``no_sales_warning``); a master holding nothing dated is evaluated on what it holds."""
    if data is None:
        return
    first, last = data
    if span.last < first or span.first > last:
        raise InputError(
            msg(
                "--period {period} lies outside the master's data (sales, payments, visits, complaints and reports "
                "handed in: {first} to {last}): no figure to evaluate the reps on; give a period that overlaps them",
                period=span.text,
                first=first.date().isoformat(),
                last=last.date().isoformat(),
            )
        )


def no_sales_warning(master: Master, span: EvaluationPeriod) -> Message | None:
    """A warning when no sales line is dated in the period: every rep's sales show 0 and the gross margins blank,
    as a rep's without a sale in a month of other reps' sales, which reads as a month of nothing sold when the
    sales are only not imported yet."""
    dates = pd.to_datetime(master.transactions["date"])
    if ((dates >= span.first) & (dates < span.last + pd.Timedelta(days=1))).any():
        return None
    return msg(
        "{period} has no sales lines in the master: every rep's sales count as 0 and gross margins are blank; "
        "import the period's sales first if they are not in yet",
        period=span.text,
    )


def period_warnings(
    master: Master, span: EvaluationPeriod, *, today: pd.Timestamp, past_data: Message | None
) -> tuple[Message, ...]:
    """What a period that ends after the data, has not ended ``today`` or has no sales line leaves out: ``past_data``,
    the warning that the receivables are aged where the data ends (``aged_where_data_ends``), that what falls due
    after today is not counted, and ``no_sales_warning``."""
    found = [past_data]
    if today < span.last:
        found.append(
            msg(
                "{period} has not ended ({today}): reports, complaints and planned visits due after that day are not "
                "counted",
                period=span.text,
                today=today.date().isoformat(),
            )
        )
    found.append(no_sales_warning(master, span))
    return tuple(w for w in found if w is not None)


def evaluation_report_name(period: EvaluationPeriod) -> str:
    """The report's file name when the caller names only a folder."""
    return f"reps_{period.text}.xlsx"


def run_rep_evaluation(
    master: Master,
    tables: Mapping[str, pd.DataFrame],
    *,
    period: str,
    scoring: str | Path | None = None,
    out: Path | None = None,
    out_dir: Path | None = None,
    forms_dir: Path | None = None,
    lang: Lang = "zh",
    today: pd.Timestamp | None = None,
) -> RepEvaluation:
    """Each rep's KPIs for ``period`` (2026-10, 2026-Q4, 2026) from ``master`` and the consolidation ``tables``
    (SalesTargets, MonthlyPlans, Complaints, RepEvaluations, IngestionLedger by name, ledger codes decoded),
    scored by the ``scoring`` policy; with ``forms_dir``, a pre-filled evaluation form per rep (a month only).
    ``today`` (default: the clock's date): what falls due after it is not yet due."""
    span = evaluation_period(period)
    today = (today if today is not None else pd.Timestamp.today()).normalize()
    data = data_span(master)
    # Statuses at the period's end, or today while it runs: a report or complaint due later is not late yet.
    cut = min(span.last, today)
    end = end_of_day(cut)
    # Receivables where the sales and payments end, if before the period's: past them every invoice would age as
    # if nothing were paid.
    asked = msg("the end of {period}", period=span.text)
    aged, past_data = aged_where_data_ends(span.last, data[1] if data is not None else None, asked=asked)
    targets = tables[SALES_TARGETS.name]
    reps = evaluated_reps(master, targets, span)
    calendar = load_submission_calendar()
    forms, _ = scheduled_forms([spec.id for spec in rep_form_specs(master.settings.rep_forms)], calendar)
    came = handed_in(tables[LEDGER.name], calendar, forms)
    require_data(span, activity_span(master, tables[COMPLAINTS.name], came))
    complaints = complaint_register(tables[COMPLAINTS.name], master.customers, as_of=end, policy=load_deadline_policy())
    # only the reports due since the product was in use count, as the submissions check looks for them
    expected = expected_submissions(reps, forms, calendar, first=span.first.date(), last=span.last.date())
    due = looked_for(expected, tables[LEDGER.name], came).expected
    submissions = submission_status(due, came, as_of=end)
    visit_policy = master_policy(master.settings)
    # The visits check's statuses at the period's last day, or today (its --as-of): the same lines done, missed and
    # pending.
    plan, _ = plan_execution(plan_lines(tables), master.visits, as_of=cut, match_days=visit_policy.plan_match_days)
    kpis = rep_kpis(
        reps,
        customers=master.customers,
        transactions=master.transactions,
        payments=master.payments,
        visits=master.visits,
        targets=targets,
        monthly_plans=tables[MONTHLY_PLANS.name],
        complaints=complaints,
        submissions=submissions,
        evaluations=tables[REP_EVALUATIONS.name],
        ageing=age_ledger(master_ledger(master, as_of=aged), master.customers),
        ageing_before=age_ledger(master_ledger(master, as_of=span.first - pd.Timedelta(days=1)), master.customers),
        plan=plan,
        period=span,
        key_grades=visit_policy.quarterly_face_to_face,
        is_face_to_face=visit_policy.is_face_to_face,
    )
    scores, totals = score_kpis(kpis, load_scoring(scoring or DEFAULT_SCORING))
    kpis = kpis.assign(total_score=totals["total_score"].to_numpy(), rating=totals["rating"].to_numpy())
    warnings = period_warnings(master, span, today=today, past_data=past_data)
    currency = master.settings.book_currency
    requests = support_requests(tables, span)
    evaluation = RepEvaluation(span, kpis, scores, requests, warnings=warnings, currency=currency)
    if forms_dir is not None:
        evaluation = replace(evaluation, forms=write_evaluation_forms(evaluation, master, forms_dir))
    path = out or (out_dir / evaluation_report_name(span) if out_dir is not None else None)
    if path is None:
        return evaluation
    title = tr(lang, "Rep evaluation {period}", period=span.text)
    sheets = [
        (tr(lang, "Rep KPIs"), kpis),
        (tr(lang, "KPI scores"), scored_lines(scores, lang)),
        (tr(lang, "Support asked for"), evaluation.requests),
    ]
    ratings = rating_labels()
    values = {**SCORE_LABELS.values, "rating": ratings, "supervisor_rating": ratings, "source": SOURCES}
    headers = {**LABELS.headers, **SUPPORT_HEADERS}
    labels = replace(
        LABELS,
        headers=headers,
        values=values,
        rates=LABELS.rates | SCORE_LABELS.rates,
        line_kinds=SCORE_LABELS.line_kinds,
    )
    written = write_document(
        path,
        title,
        sheets,
        labels,
        lang=lang,
        company=master.settings.company_name,
        notes=evaluation.warning_lines(lang),
        currency=currency,
    )
    return replace(evaluation, path=written)


def scored_lines(scores: pd.DataFrame, lang: Lang) -> pd.DataFrame:
    """The scores as 指标评分 shows them: a KPI without a value says why (无任务, 无应交报表 …), as the KPI sheet and
    the evaluation form do, where its line was blank but for the actual."""
    reasons = scores["kpi"].map(lambda kpi: NO_VALUE[kpi].render(lang) if kpi in NO_VALUE else None)
    return scores.assign(value=scores["value"].astype(object).where(scores["value"].notna(), reasons))


def _region(customers: pd.DataFrame, rep: str) -> str | None:
    """The region most of the rep's customers are in."""
    regions = customers.loc[customers["rep"] == rep, "region"].dropna()
    return None if regions.empty else str(regions.value_counts().index[0])


def write_evaluation_forms(evaluation: RepEvaluation, master: Master, folder: Path) -> tuple[Path, ...]:
    """One pre-filled 重点客户销售代表考核表 per rep: the KPIs with target, actual, weight and score, the suggested
    rating; the supervisor adds their name, strengths, improvements and signs. A month only (the form's period)."""
    span = evaluation.period
    if len(span.months) != 1:
        raise InputError(
            msg(
                "--forms: the evaluation form is monthly; give --period as a month (2026-10), not {period}",
                period=span.text,
            )
        )
    spec = load_form("rep_evaluation")
    form_lang: Lang = master.lang
    written = []
    folders = rep_folders([*known_reps(master), *map(str, evaluation.scores["rep"].unique())])
    kinds = kpi_line_kinds()
    for rep, rows in evaluation.scores.groupby("rep", sort=False):
        total = evaluation.kpis.loc[evaluation.kpis["rep"] == rep]
        lines = [
            {
                "kpi": KPI_LABELS[str(r["kpi"])].render(form_lang),
                "target": _number(r["target"]),
                "actual": _number(r["actual"]),
                "weight": _number(r["weight"]),
                "score": _number(r["score"]),
                "comment": _comment(str(r["kpi"]), r["score"], total, form_lang, evaluation.currency),
            }
            for r in rows.to_dict("records")
        ]
        header = {
            "rep": rep,
            "period": span.text,
            "region": _region(master.customers, str(rep)),
            "rating": total["rating"].iloc[0] if len(total) else None,
        }
        data = FormData(
            header={k: v for k, v in header.items() if v is not None},
            rows={"kpis": lines},
            line_types={"kpis": [_form_line_types(kinds.get(str(kpi), {})) for kpi in rows["kpi"]]},
            context=FormContext(rep=str(rep), period=span.text),
        )
        name = folders[str(rep)]
        path = folder / name / output_name(spec.id, rep=name, customer=None, period=span.text)
        path.parent.mkdir(parents=True, exist_ok=True)
        written.append(
            write_form(
                path,
                spec,
                lang=form_lang,
                company=master.settings.company_name,
                data=data,
                currency=master.settings.book_currency,
            )
        )
    return tuple(written)


def _form_line_types(kinds: Mapping[str, Kind]) -> dict[str, str]:
    """A KPI line's target and actual as the form's field types: amounts as money, counts as whole numbers."""
    form_types = {"money": "money", "count": "integer"}
    return {key: form_types[kinds[key]] for key in ("target", "actual") if kinds.get(key) in form_types}


def _comment(kpi: str, score: Any, kpis: pd.DataFrame, lang: Lang, currency: Currency) -> str | None:
    """A form line's comment: why a KPI is not scored; for the overdue share, the overdue money (in ``currency``) at
    the previous period's end and the change since (the target and actual columns hold the receivables and the
    overdue)."""
    if _number(score) is None:
        return NO_VALUE[kpi].render(lang)
    if kpi == "overdue_share" and len(kpis):
        row = kpis.iloc[0]
        return tr(
            lang,
            "overdue at the last period's end ¥{before:,.2f}, change {change:+,.2f}",
            before=Money(float(row["overdue_before"]), currency),
            change=float(row["overdue_change"]),
        )
    return None


def _number(value: Any) -> float | None:
    """A figure for a form cell; blank (None, NaN, NA) as None."""
    return None if value is None or pd.isna(value) else float(value)
