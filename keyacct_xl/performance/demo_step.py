"""The performance step of ``keyacct-xl demo``: the complaint and service register and the month's missing reports."""

from __future__ import annotations

import argparse
from pathlib import Path

from keyacct_xl.consolidate.store import load_store
from keyacct_xl.performance.register import run_complaint_register
from keyacct_xl.performance.reports_check import run_submissions_check


def performance_demo(master_path: Path, out_dir: Path, args: argparse.Namespace) -> list[str]:
    """Write out/performance/complaints_<date>.xlsx and submissions_<month>.xlsx as of the register's day."""
    folder = out_dir / "performance"
    folder.mkdir(parents=True, exist_ok=True)
    store = load_store(master_path)
    register = run_complaint_register(store.frames, out_dir=folder, lang=args.lang)
    check = run_submissions_check(
        store.frames,
        store.settings,
        period=f"{register.as_of:%Y-%m}",
        as_of=register.as_of,
        out_dir=folder,
        lang=args.lang,
    )
    return [register.report_line(args.lang), check.report_line(args.lang)]
