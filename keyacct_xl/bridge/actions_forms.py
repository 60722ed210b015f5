"""Forms ribbon actions: blank standard forms, and forms pre-filled per sales rep (as ``keyacct-xl forms``)."""

from __future__ import annotations

from pathlib import Path

from keyacct_xl.bridge.base import ActionOptions, ActionResult, Bridge
from keyacct_xl.bridge.registry import action, load
from keyacct_xl.forms.catalog import load_catalog
from keyacct_xl.forms.generator import FormData, write_form
from keyacct_xl.forms.repforms import next_week, output_name, prefill_for_reps
from keyacct_xl.messages import msg, tr


def forms_dir(bridge: Bridge, options: ActionOptions) -> Path:
    """Where forms go: ``--out`` or ``forms/`` beside the master."""
    folder = options.out_dir or bridge.book_path().parent / "forms"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@action("generate_forms", "生成空白表单", "Generate blank forms")
def generate_forms(bridge: Bridge, options: ActionOptions) -> ActionResult:
    """One blank workbook per form in the catalog, with the company name from Settings."""
    master = load(bridge, 1, 2)
    company = master.settings.company_name
    folder = forms_dir(bridge, options)
    specs = load_catalog()
    written = []
    for i, spec in enumerate(specs, start=1):
        bridge.progress(2, 2, tr(bridge.lang, "form {i}/{count}: {title}", i=i, count=len(specs), title=spec.title))
        written.append(
            write_form(
                folder / output_name(spec.id, rep=None, customer=None, period=None),
                spec,
                lang=master.lang,
                company=company,
                data=FormData(),
                currency=master.settings.book_currency,
            )
        )
    return ActionResult(msg("{count} blank forms written: {folder}", count=len(written), folder=folder), tuple(written))


@action("prefill_forms", "按业务员预填表单", "Pre-filled forms per rep")
def prefill_forms(bridge: Bridge, options: ActionOptions) -> ActionResult:
    """For every rep (or ``--rep``) the forms a rep needs each period (Settings rep_forms), pre-filled with the
    rep's customers; for next week unless ``--period`` says otherwise."""
    master = load(bridge, 1, 2)
    period = options.extra.get("period") or next_week()
    reps = [options.extra["rep"]] if options.extra.get("rep") else []

    def progress(i: int, n: int, rep: str) -> None:
        bridge.progress(2, 2, tr(bridge.lang, "rep {i}/{n}: {rep}", i=i, n=n, rep=rep))

    written = prefill_for_reps(master, forms_dir(bridge, options), period=period, reps=reps, progress=progress)
    count = len({p.parent for p in written})
    return ActionResult(
        msg("{forms} pre-filled form(s) for {reps} rep(s) ({period})", forms=len(written), reps=count, period=period),
        tuple(written),
    )
