"""Consolidate ribbon actions: merge the forms reps sent back into the master (as ``keyacct-xl consolidate``), and
bring an existing customer list in (as ``keyacct-xl customers import``).

Returned forms go in a ``submissions`` folder beside the master (``--input`` names another folder or .zip);
rejected files are copied to ``quarantine/`` with their reasons, the report goes to ``reports/`` (or ``--out``),
named as ``keyacct-xl consolidate`` names it (default_report_path).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from keyacct_xl.bridge.base import ActionOptions, ActionResult, Bridge, Summary
from keyacct_xl.bridge.registry import action, reports_dir
from keyacct_xl.consolidate.customerlist import LIST_SUFFIXES
from keyacct_xl.consolidate.importing import run_customer_import
from keyacct_xl.consolidate.usecase import run_consolidation
from keyacct_xl.errors import InputError
from keyacct_xl.fileio import refuse_writing_over
from keyacct_xl.messages import msg, tr

SUBMISSIONS_FOLDER = "submissions"


@action("consolidate", "汇总回收表单", "Consolidate submissions")
def consolidate(bridge: Bridge, options: ActionOptions) -> ActionResult:
    """Check every returned form, merge the good rows into the master, report and quarantine the rest."""
    master_path = bridge.book_path()
    source = options.input or master_path.parent / SUBMISSIONS_FOLDER
    if not source.exists():
        raise InputError(msg("{source}: put the returned forms in this folder (or give --input FOLDER)", source=source))
    reports = reports_dir(bridge, options)

    def progress(items: Iterable, total: int) -> Iterator:
        for i, item in enumerate(items, start=1):
            bridge.progress(i, total, tr(bridge.lang, "checking form {i}/{total}", i=i, total=total))
            yield item

    with bridge.editing() as path:
        run = run_consolidation(
            source,
            path,
            lang=bridge.lang,
            report_dir=reports,
            progress=progress,
            exclude=[reports],
            quarantine_dir=path.parent / "quarantine",
        )
    return ActionResult(Summary(run.summary), (run.report, master_path))


@action("import_customers", "导入客户名单", "Import customer list")
def import_customers(bridge: Bridge, options: ActionOptions) -> ActionResult:
    """Import a customer list the user picks (``--input``) into the master; its report goes to ``reports/``."""
    master_path = bridge.book_path()
    source = options.input or bridge.choose_file(msg("Choose the customer list"), "--input LIST", LIST_SUFFIXES)
    report = reports_dir(bridge, options) / tr(bridge.lang, "{name}-import-report.xlsx", name=source.stem)
    refuse_writing_over(report, master_path, [source])  # the workbook itself: Excel may edit a copy of it
    bridge.progress(1, 1, tr(bridge.lang, "importing the customer list…"))
    with bridge.editing() as path:
        done = run_customer_import(source, path, lang=bridge.lang, report=report)
    return ActionResult(Summary(done.summary), (report, master_path))
