"""The follow-up ribbon action: the visits check (as ``visits check``), written beside the master."""

from __future__ import annotations

from keyacct_xl.bridge.base import ActionOptions, ActionResult, Bridge, Summary
from keyacct_xl.bridge.registry import action, as_of_date, load, reports_dir
from keyacct_xl.followup.check import run_visits_check
from keyacct_xl.master.integrity import master_integrity
from keyacct_xl.master.schema import CONTACTS, CUSTOMERS, VISITS
from keyacct_xl.messages import tr


@action("visits_check", "回访检查", "Visits check")
def visits_check(bridge: Bridge, options: ActionOptions) -> ActionResult:
    """Who is due or overdue under the visit policy, plan against actual and the open follow-ups, with a page per
    rep to sign (``--rep`` for one rep, ``--as-of`` for another day)."""
    master = load(bridge, 1, 2)
    bridge.progress(2, 2, tr(bridge.lang, "checking follow-up…"))
    check = run_visits_check(
        master,
        as_of=as_of_date(options),
        rep=options.extra.get("rep"),
        out_dir=reports_dir(bridge, options),
        lang=bridge.lang,
    )
    summary = master_integrity(master, (CUSTOMERS, VISITS, CONTACTS)).appended(Summary(check.summary))
    return ActionResult(summary, (check.path,) if check.path else ())
