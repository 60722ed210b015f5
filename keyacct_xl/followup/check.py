"""The visits check (回访检查) as every front end runs it: the CLI, the ribbon, the demo and the UDFs.

``run_visits_check`` reads the policy (Settings visit_policy and its overrides), computes each customer's status,
plan against actual, and the follow-up lists, sums them per rep and, when asked, writes the check workbook.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd

from keyacct_xl.errors import InputError
from keyacct_xl.followup.execution import execution_counts, plan_execution, plan_lines, read_plan_tables
from keyacct_xl.followup.lists import (
    greetings_due,
    overdue_next_steps,
    poor_without_countermeasure,
    winback_without_contact,
)
from keyacct_xl.followup.policy import VisitPolicy, master_policy
from keyacct_xl.followup.status import check_as_of, customer_status, default_as_of
from keyacct_xl.i18n import Lang
from keyacct_xl.master.integrity import require_unique_ids
from keyacct_xl.master.model import Master
from keyacct_xl.messages import first_ids, msg, tr
from keyacct_xl.parsing import is_blank

REP_COLUMNS = [
    "rep",
    "customers",
    "key_customers",
    "key_visited_quarter",
    "key_coverage_rate",
    "due",
    "overdue",
    "key_overdue",
    "visits_quarter",
    "visits_per_week",
    "plan_done",
    "plan_missed",
    "plan_pending",
    "unplanned",
    "next_steps_overdue",
    "poor_without_countermeasure",
    "greetings_due",
    "winback_no_contact",
]


@dataclass(frozen=True)
class VisitsCheck:
    """One check: its cut-off, policy and rep, the per-customer status, the per-rep summary and the lists."""

    as_of: pd.Timestamp
    policy: VisitPolicy
    rep: str | None
    status: pd.DataFrame
    reps: pd.DataFrame
    plan: pd.DataFrame
    unplanned: pd.DataFrame
    next_steps: pd.DataFrame
    poor_visits: pd.DataFrame
    greetings: pd.DataFrame
    winback: pd.DataFrame
    path: Path | None = None

    def key_overdue(self, lang: Lang = "en") -> dict[str, int]:
        """Overdue VIP/A (the quarterly grades) customers per rep, every rep listed (customers without one as
        "No rep")."""
        return {rep_shown(r, lang): int(n) for r, n in zip(self.reps["rep"], self.reps["key_overdue"], strict=True)}

    def summary(self, lang: Lang) -> str:
        """One line: customers, due and overdue, overdue key customers, plan lines done and missed."""
        s = self.status
        due, overdue = int((s["status"] == "due").sum()), int((s["status"] == "overdue").sum())
        key = int(self.reps["key_overdue"].sum())
        done, missed = int((self.plan["status"] == "done").sum()), int((self.plan["status"] == "missed").sum())
        grades = "/".join(self.policy.quarterly_face_to_face)
        return tr(
            lang,
            "visits check as of {as_of:%Y-%m-%d}: {customers:,} customers, {due:,} due, {overdue:,} "
            "overdue ({key:,} {grades}); plan lines {done:,} done, {missed:,} missed",
            as_of=self.as_of,
            customers=len(s),
            due=due,
            overdue=overdue,
            key=key,
            grades=grades,
            done=done,
            missed=missed,
        )

    def report_line(self, lang: Lang) -> str:
        """The summary and the report's path, as the CLI and the demo print it."""
        return tr(lang, "{summary}; report: {path}", summary=self.summary(lang), path=self.path)


def rep_shown(rep: object, lang: Lang) -> str:
    """A rep as a reader sees it: the name, or "No rep" for customers no rep looks after (never "nan")."""
    return tr(lang, "No rep") if is_blank(rep) or not str(rep).strip() else str(rep)


def known_reps(master: Master) -> list[str]:
    """Every rep named on a customer, a sale or a visit."""
    names = pd.concat([master.customers["rep"], master.transactions["rep"], master.visits["rep"]]).dropna()
    return sorted({str(n).strip() for n in names.unique()} - {""})


def require_rep(master: Master, rep: str) -> None:
    """Refuse a rep the master does not know, listing the ones it does."""
    reps = known_reps(master)
    if rep not in reps:
        raise InputError(msg("unknown rep {rep!r}; reps in the master: {reps}", rep=rep, reps=first_ids(reps, 20)))


def check_report_name(as_of: pd.Timestamp) -> str:
    """The report's file name when the caller names only a folder."""
    return f"visits_check_{as_of:%Y-%m-%d}.xlsx"


def run_visits_check(
    master: Master,
    *,
    as_of: pd.Timestamp | None = None,
    rep: str | None = None,
    plans: Mapping[str, pd.DataFrame] | None = None,
    policy: str | Path | None = None,
    out: Path | None = None,
    out_dir: Path | None = None,
    lang: Lang = "zh",
) -> VisitsCheck:
    """Check the master's follow-up; ``plans`` are the plan tables by name (default: read from ``master.path``)."""
    # one status per customer: a repeated id would get two rows and its rep's page could not be told
    require_unique_ids(master, msg("the visits check"))
    if rep is not None:
        require_rep(master, rep)
    when = pd.Timestamp(as_of).normalize() if as_of is not None else default_as_of(master.visits, master.transactions)
    check_as_of(when, master.visits, master.transactions)
    rules = master_policy(master.settings, policy)
    if plans is None:
        plans = read_plan_tables(master.path) if master.path is not None else {}
    status = customer_status(master.customers, master.visits, as_of=when, policy=rules)
    plan, unplanned = plan_execution(plan_lines(plans), master.visits, as_of=when, match_days=rules.plan_match_days)
    lists = {
        "next_steps": overdue_next_steps(master.visits, as_of=when),
        "poor_visits": poor_without_countermeasure(master.visits, as_of=when, policy=rules),
        "greetings": greetings_due(master.contacts, master.customers, as_of=when, policy=rules),
        "winback": winback_without_contact(
            master.transactions,
            status,
            as_of=when,
            period_months=master.settings.rfm_period_months or None,
            policy=rules,
        ),
    }
    # the lists name the rep of the visit; a customer's rep decides whose page it goes on
    owner = status.set_index("customer_id")["rep"]
    lists = {k: v.assign(rep=v["customer_id"].astype(str).map(owner).fillna(v["rep"])) for k, v in lists.items()}
    if rep is not None:
        status = status[status["rep"] == rep].reset_index(drop=True)
        plan, unplanned = (f[f["rep"] == rep].reset_index(drop=True) for f in (plan, unplanned))
        lists = {k: v[v["rep"] == rep].reset_index(drop=True) for k, v in lists.items()}
    reps = rep_summary(status, master.visits, plan, unplanned, lists, as_of=when, policy=rules)
    check = VisitsCheck(
        when,
        rules,
        rep,
        status,
        reps,
        plan,
        unplanned,
        lists["next_steps"],
        lists["poor_visits"],
        lists["greetings"],
        lists["winback"],
    )
    path = out or (out_dir / check_report_name(when) if out_dir is not None else None)
    if path is not None:
        from keyacct_xl.followup.report import write_check  # the writer loads XlsxWriter only when a report is asked

        written = write_check(check, path, lang=lang, company=master.settings.company_name, customers=master.customers)
        check = replace(check, path=written)
    return check


def rep_summary(
    status: pd.DataFrame,
    visits: pd.DataFrame,
    plan: pd.DataFrame,
    unplanned: pd.DataFrame,
    lists: Mapping[str, pd.DataFrame],
    *,
    as_of: pd.Timestamp,
    policy: VisitPolicy,
) -> pd.DataFrame:
    """One row per rep of ``status`` (REP_COLUMNS): coverage of key customers this quarter, visits per week,
    plan against actual and the length of each follow-up list."""
    quarter_start = as_of.to_period("Q").start_time
    key = status["grade"].isin(policy.quarterly_face_to_face)
    groups = status.assign(
        key=key,
        due=status["status"] == "due",
        overdue=status["status"] == "overdue",
        key_overdue=key & (status["status"] == "overdue"),
        key_visited=key & (status["last_face_to_face"] >= quarter_start),
    ).groupby("rep", dropna=False)
    out = pd.DataFrame(
        {
            "customers": groups.size(),
            "key_customers": groups["key"].sum(),
            "key_visited_quarter": groups["key_visited"].sum(),
            "due": groups["due"].sum(),
            "overdue": groups["overdue"].sum(),
            "key_overdue": groups["key_overdue"].sum(),
        }
    )
    out["key_coverage_rate"] = out["key_visited_quarter"] / out["key_customers"].where(out["key_customers"] > 0)
    reps = visits.loc[((visits["date"] >= quarter_start) & (visits["date"] <= as_of)).to_numpy(dtype=bool), "rep"]
    out["visits_quarter"] = reps.value_counts().reindex(out.index, fill_value=0)
    weeks = max(((as_of - quarter_start).days + 1) / 7, 1.0)
    out["visits_per_week"] = np.round(out["visits_quarter"] / weeks, 1)
    counts = execution_counts(plan, unplanned).reindex(out.index, fill_value=0)
    out = out.join(counts)
    for column, name in (
        ("next_steps_overdue", "next_steps"),
        ("poor_without_countermeasure", "poor_visits"),
        ("greetings_due", "greetings"),
        ("winback_no_contact", "winback"),
    ):
        out[column] = lists[name].groupby("rep").size().reindex(out.index, fill_value=0)
    out = out.reset_index(names="rep")
    for column in REP_COLUMNS:
        if column not in out.columns:
            out[column] = 0
    ints = [c for c in REP_COLUMNS if c not in ("rep", "key_coverage_rate", "visits_per_week")]
    return out[REP_COLUMNS].astype({c: "int64" for c in ints})
