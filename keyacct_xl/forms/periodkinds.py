"""The kind of period a form is filled for, where its rules allow one kind only: one table that generating a form
(``forms generate``, ``forms prefill``, the ribbon's pre-filled forms) and consolidating it both read, so a form is
never written for a period its filled copy would be refused for.

A weekly plan places one week's visits (WeeklyPlans, WeeklyTargets by rep and week); a monthly plan is a month's
(MonthlyPlans by rep and month: the month's targets the statistics forms, the rep evaluation and the submission
check look up by month), as are a competitor report (CompetitorReports by month) and a rep evaluation (the month
evaluated); a target breakdown's period is the first month of its year, its quarters becoming that year's twelve
months (SalesTargets). Every other form takes a week or a month.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from keyacct_xl.forms.spec import FormSpec
from keyacct_xl.messages import Message, msg


@dataclass(frozen=True)
class PeriodKind:
    """A week, a month, or only the first month of a year (``first_month``), and how a message names it."""

    week: bool
    wanted: Message
    first_month: bool = False

    def fits(self, period: str) -> bool:
        """Whether ``period``, a valid week (2026-W48) or month (2026-11), is of this kind."""
        if ("W" in period) != self.week:
            return False
        return not self.first_month or period.endswith("-01")


WEEK = PeriodKind(week=True, wanted=msg("a week (e.g. 2026-W48)"))
MONTH = PeriodKind(week=False, wanted=msg("a month (e.g. 2026-11)"))
FIRST_MONTH = PeriodKind(week=False, wanted=msg("the first month of a year (e.g. 2027-01)"), first_month=True)

PERIOD_KINDS: dict[str, PeriodKind] = {
    "weekly_plan": WEEK,
    "monthly_plan": MONTH,
    "competitor_report": MONTH,
    "rep_evaluation": MONTH,
    "target_breakdown": FIRST_MONTH,
}


def period_problem(spec: FormSpec, period: str) -> Message | None:
    """Why ``spec`` cannot be filled for ``period`` (a valid week or month), or None when it can."""
    kind = PERIOD_KINDS.get(spec.id)
    if kind is None or kind.fits(period):
        return None
    return msg("the period of {form} is {wanted}, not {period}", form=spec.title, wanted=kind.wanted, period=period)


def deferred_visit_day(last: dt.date) -> dt.date:
    """The day a visit plan whose period ends on ``last`` plans the customers no week of it could take: the Monday
    after its last week (the weeks whose Monday falls in the period); consolidation takes lines of that day too."""
    return last - dt.timedelta(days=last.weekday()) + dt.timedelta(days=7)
