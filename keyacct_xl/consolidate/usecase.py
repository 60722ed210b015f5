"""Consolidation (汇总回收表单) as every front end runs it: the CLI, the ribbon and the demo.

``run_consolidation`` merges the submitted forms into the master and writes the run's report, both under the
master's write lock, so a run killed while writing its report leaves nothing the next run has to guess about.
The report goes where the caller says, else beside the master (or into ``report_dir``) under a dated name.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path

from keyacct_xl.consolidate.report import default_report_path, earlier_reports, summary_line, write_report
from keyacct_xl.consolidate.run import RunResult, consolidate
from keyacct_xl.fileio import (
    backup_path,
    document_title,
    ensure_writable,
    master_write_lock,
    refuse_writing_over,
)
from keyacct_xl.i18n import LANGS, Lang
from keyacct_xl.messages import tr


@dataclass(frozen=True)
class ConsolidationRun:
    """One consolidation: what happened to every file, and the report written."""

    result: RunResult
    report: Path

    def summary(self, lang: Lang) -> str:
        """One line: files by outcome, rows added and updated, conflicts."""
        return summary_line(self.result, lang)


def run_consolidation(
    source: str | Path,
    master: Path,
    *,
    lang: Lang,
    report: Path | None = None,
    report_dir: Path | None = None,
    without_sensitive: bool = False,
    replace_same_run: bool = False,
    dry_run: bool = False,
    progress: Callable[[Iterable, int], Iterable] | None = None,
    exclude: Iterable[Path] = (),
    **options: object,
) -> ConsolidationRun:
    """Consolidate ``source`` into ``master`` (``options`` as keyacct_xl.consolidate.run.consolidate takes them)
    and write the report; earlier reports and the report itself are never read as submissions.

    Personal values are masked when asked or when the master's Settings ask for it.
    """
    if report is not None:
        # Before any work (a dry run too would replace it); the report's backup replaces a file too.
        inputs = [Path(source), *submissions_replaced(report, Path(source))]
        for written in (report, backup_path(report)):
            refuse_writing_over(written, master, inputs)
        report.parent.mkdir(parents=True, exist_ok=True)
        ensure_writable(report)  # before the master is written, not after
    # A folder holding the submissions themselves (reports written beside them) is never left out as a whole.
    inside = Path(source).resolve()
    exclude = [
        *earlier_reports(master),
        *([report, backup_path(report)] if report else []),  # a second run keeps the first's report as its backup
        *(p for p in exclude if not inside.is_relative_to(Path(p).resolve())),
    ]
    with nullcontext() if dry_run else master_write_lock(master):
        result = consolidate(source, master, dry_run=dry_run, progress=progress, exclude=exclude, **options)  # type: ignore[arg-type]
        path = report or default_report_path(result, lang, report_dir, replace_same_run=replace_same_run)
        written = write_report(result, path, lang, without_sensitive=without_sensitive or result.mask_personal)
    return ConsolidationRun(result, written)


def submissions_replaced(report: Path, source: Path) -> list[Path]:
    """The files in the folder ``source`` that writing ``report`` would replace: the report's path and its backup's.
    Each is skipped as the report (or its backup), so a rep's file there would be neither read nor kept but as a
    backup; a report of an earlier run at that path is no submission (its workbook title says what it is)."""
    if not source.is_dir():
        return []
    inside = source.resolve()
    titles = {tr(language, "Consolidation report") for language in LANGS}
    return [
        path
        for path in (report, backup_path(report))
        if path.exists() and inside in Path(os.path.realpath(path)).parents and document_title(path) not in titles
    ]
