"""The meeting step of ``keyacct-xl demo``: the general manager's pack of the last full month and the fact sheet of
the largest customer."""

from __future__ import annotations

import argparse
from pathlib import Path

from keyacct_xl.briefing.usecase import last_full_month, run_fact_sheet, run_gm_pack
from keyacct_xl.consolidate.store import load_master_store


def briefing_demo(master_path: Path, out_dir: Path, args: argparse.Namespace) -> list[str]:
    """Write out/briefing/gm_pack_<month>.xlsx and account_<customer>_<date>.xlsx."""
    folder = out_dir / "briefing"
    folder.mkdir(parents=True, exist_ok=True)
    master, store = load_master_store(master_path)
    tables = store.frames
    pack = run_gm_pack(master, tables, period=str(last_full_month(master)), out_dir=folder, lang=args.lang)
    largest = str(pack.top["customer_id"].iloc[0])
    sheet = run_fact_sheet(master, tables, customer_ids=[largest], out_dir=folder, lang=args.lang)
    return [pack.report_line(args.lang), sheet.report_line(args.lang)]
