"""The committed blank workbooks in workbooks/ are exactly what the generator writes today."""

from __future__ import annotations

from pathlib import Path

from keyacct_xl.forms.catalog import load_catalog
from keyacct_xl.forms.generator import build_form

WORKBOOKS = Path(__file__).resolve().parent.parent / "workbooks"
REGENERATE = "regenerate with: keyacct-xl forms generate --all --out workbooks"


def test_committed_workbooks_match_a_fresh_generation() -> None:
    specs = load_catalog()
    assert sorted(p.stem for p in WORKBOOKS.glob("*.xlsx")) == sorted(s.id for s in specs), REGENERATE
    stale = [s.id for s in specs if (WORKBOOKS / f"{s.id}.xlsx").read_bytes() != build_form(s, lang="zh")]
    assert not stale, f"{', '.join(stale)} differ from the specs; {REGENERATE}"
