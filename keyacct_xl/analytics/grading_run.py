"""The annual grading review (年度评级审核) as every front end runs it: the CLI, the ribbon and the demo.

``run_grading_review`` refuses a master with repeated customer ids, grades the year under the policy and writes
the review either as a workbook of its own (with the meeting lists) or as the review sheet in the master, where
the meeting fills in the final grades for ``grade apply``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from keyacct_xl.analytics.policy import GradingPolicy
from keyacct_xl.analytics.review import Review, build_review
from keyacct_xl.analytics.review_book import review_heading, review_sheets
from keyacct_xl.analytics.review_sheet import write_review_sheet
from keyacct_xl.i18n import Lang
from keyacct_xl.master.followthrough import CREDIT_EVALUATIONS
from keyacct_xl.master.integrity import require_unique_ids
from keyacct_xl.master.model import Master
from keyacct_xl.master.reader import read_tables
from keyacct_xl.master.submissions import ALL_CONSOLIDATION_TABLES
from keyacct_xl.messages import Pair, msg, tr
from keyacct_xl.reports import write_table


@dataclass(frozen=True)
class GradingRun:
    """One review: the proposed grades and lists, where they were written, and the meeting entries kept."""

    review: Review
    path: Path | None = None
    kept: int = 0  # rows of the previous review sheet whose meeting entries were carried over

    def grade_mix(self) -> str:
        """Customers per proposed grade, in the policy's order (VIP 12  A 40 ...)."""
        mix = self.review.table["proposed_grade"].value_counts()
        return "  ".join(f"{g} {int(mix.get(g, 0)):,}" for g in self.review.policy.grades)

    def summary(self, lang: Lang) -> str:
        """The year, the policy and the grade mix; then a line per warning (a year that has not ended)."""
        policy = self.review.policy
        line = tr(
            lang,
            "{year} grading ({policy}): {mix}",
            year=self.review.year,
            policy=Pair(policy.title_en, policy.title_zh),
            mix=self.grade_mix(),
        )
        return "\n".join([line, *(tr(lang, "warning: {text}", text=w) for w in self.review.warnings)])


def credit_evaluations(path: Path | None) -> pd.DataFrame | None:
    """The table CreditEvaluations of the master file at ``path`` (the consolidated pre-ratings), None without one.

    Read as the master's own tables are (the load cache, no worker process): the file is the master just loaded,
    not a file handed in, so it is not screened again as one."""
    if path is None or not Path(path).is_file() or Path(path).suffix.lower() != ".xlsx":
        return None
    schema = ALL_CONSOLIDATION_TABLES[CREDIT_EVALUATIONS.name]
    tables = read_tables(Path(path), lambda found: [schema] if schema.name in found else [])
    return tables[schema].frame if schema in tables else None


def run_grading_review(
    master: Master,
    *,
    year: int,
    lang: Lang,
    policy: GradingPolicy | None = None,
    out: Path | None = None,
    master_path: Path | None = None,
    seed: int | None = None,
    today: pd.Timestamp | None = None,
) -> GradingRun:
    """Grade ``year`` (the master's policy unless ``policy``); write ``out`` (.xlsx or .csv), else the review sheet
    into ``master_path`` (the master's own file), else nothing. The supervisors' CreditEvaluations in the master's
    file join the review; ``seed`` (default: the year) draws the spot check; ``today`` (default: the clock's date)
    says whether the year has ended."""
    require_unique_ids(master, msg("grading"))
    evaluations = credit_evaluations(master_path or master.path)
    review = build_review(master, year=year, policy=policy, lang=lang, evaluations=evaluations, seed=seed, today=today)
    currency = master.settings.book_currency
    if out is not None:
        return GradingRun(
            review,
            write_table(
                out,
                # a CSV holds one table: the review table itself
                review_sheets(review, lang, currency)[-1:]
                if out.suffix.lower() == ".csv"
                else review_sheets(review, lang, currency),
                heading=review_heading(review, lang, master.settings.company_name, currency),
                lang=lang,
            ),
        )
    if master_path is not None:
        return GradingRun(review, master_path, write_review_sheet(master_path, review.table, lang=master.lang))
    return GradingRun(review)
