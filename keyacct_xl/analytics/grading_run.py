"""The annual grading review (年度评级审核) as every front end runs it: the CLI, the ribbon and the demo.

``run_grading_review`` refuses a master with repeated customer ids, grades the year under the policy and writes
the review either as a workbook of its own (with the meeting lists) or as the review sheet in the master, where
the meeting fills in the final grades for ``grade apply``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from keyacct_xl.analytics.analysis import review_sheets
from keyacct_xl.analytics.policy import GradingPolicy
from keyacct_xl.analytics.review import Review, build_review
from keyacct_xl.analytics.review_sheet import write_review_sheet
from keyacct_xl.i18n import Lang, pick
from keyacct_xl.master.integrity import require_unique_ids
from keyacct_xl.master.model import Master
from keyacct_xl.messages import msg, tr
from keyacct_xl.reports import Heading, write_table


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
        """One line: the year, the policy and the grade mix."""
        policy = self.review.policy
        return tr(
            lang,
            "{year} grading ({policy}): {mix}",
            year=self.review.year,
            policy=pick(lang, policy.title_zh, policy.title_en),
            mix=self.grade_mix(),
        )


def run_grading_review(
    master: Master,
    *,
    year: int,
    lang: Lang,
    policy: GradingPolicy | None = None,
    out: Path | None = None,
    master_path: Path | None = None,
) -> GradingRun:
    """Grade ``year`` (the master's policy unless ``policy``); write ``out`` (.xlsx or .csv), else the review sheet
    into ``master_path`` (the master's own file), else nothing."""
    require_unique_ids(master, msg("grading"))
    review = build_review(master, year=year, policy=policy, lang=lang)
    if out is not None:
        return GradingRun(
            review,
            write_table(out, review_sheets(review, lang), heading=Heading(tr(lang, "Grading review")), lang=lang),
        )
    if master_path is not None:
        return GradingRun(review, master_path, write_review_sheet(master_path, review.table, lang=master.lang))
    return GradingRun(review)
