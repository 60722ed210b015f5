"""Meeting ribbon actions: the general manager's monthly pack and the customer fact sheet (as ``keyacct-xl report
gm`` and ``keyacct-xl account``)."""

from __future__ import annotations

from keyacct_xl.bridge.base import ActionOptions, ActionResult, Bridge, Summary
from keyacct_xl.bridge.registry import action, as_of_date, reports_dir
from keyacct_xl.briefing.usecase import last_full_month, run_fact_sheet, run_gm_pack
from keyacct_xl.consolidate.store import Store, load_master_store
from keyacct_xl.master.model import Master
from keyacct_xl.messages import msg, tr


def _load_with_plans(bridge: Bridge, step: int, total: int) -> tuple[Master, Store]:
    """Read the master with its plans and complaints (one read of the workbook), reporting the step."""
    bridge.progress(step, total, tr(bridge.lang, "reading the master…"))
    return load_master_store(bridge.book_path())


@action("gm_pack", "总经理月报", "GM monthly pack")
def gm_pack(bridge: Bridge, options: ActionOptions) -> ActionResult:
    """The month's pack (``--period``, default: the last full month of sales) into the reports folder."""
    master, store = _load_with_plans(bridge, 1, 2)
    period = options.extra.get("period") or str(last_full_month(master))
    bridge.progress(2, 2, tr(bridge.lang, "computing the figures of {period}…", period=period))
    pack = run_gm_pack(master, store.frames, period=period, out_dir=reports_dir(bridge, options), lang=bridge.lang)
    return ActionResult(Summary(pack.summary), (pack.path,) if pack.path else ())


@action("fact_sheet", "一户一档", "Customer fact sheet")
def fact_sheet(bridge: Bridge, options: ActionOptions) -> ActionResult:
    """One customer's fact sheet (asks for the customer ID) into the reports folder."""
    customer = options.extra.get("customer") or bridge.ask(msg("Customer ID"), "--customer ID")
    master, store = _load_with_plans(bridge, 1, 2)
    bridge.progress(2, 2, tr(bridge.lang, "collecting the customer's records…"))
    sheets = run_fact_sheet(
        master,
        store.frames,
        customer_ids=[customer.strip()],
        as_of=as_of_date(options),
        out_dir=reports_dir(bridge, options),
        lang=bridge.lang,
    )
    return ActionResult(Summary(sheets.summary), (sheets.path,) if sheets.path else ())
