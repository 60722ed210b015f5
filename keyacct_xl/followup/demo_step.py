"""The follow-up step of ``keyacct-xl demo``: the visits check and the overdue VIP/A customers of each rep."""

from __future__ import annotations

import argparse
from pathlib import Path

from keyacct_xl.followup.check import run_visits_check
from keyacct_xl.master.reader import load_master
from keyacct_xl.messages import joined, tr


def followup_demo(master_path: Path, out_dir: Path, args: argparse.Namespace) -> list[str]:
    """Write out/followup/visits_check_<date>.xlsx; one line per rep with the overdue key customers."""
    folder = out_dir / "followup"
    folder.mkdir(parents=True, exist_ok=True)
    check = run_visits_check(load_master(master_path), out_dir=folder, lang=args.lang)
    grades = "/".join(check.policy.quarterly_face_to_face)
    shown = joined(args.lang, (f"{rep} {count}" for rep, count in check.key_overdue(args.lang).items()))
    return [
        check.report_line(args.lang),
        tr(args.lang, "  overdue {grades} customers: {shown}", grades=grades, shown=shown),
    ]
