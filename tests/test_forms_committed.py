"""The committed workbooks are exactly what the program writes today: the blank forms in workbooks/, the filled
examples in workbooks/examples/."""

from __future__ import annotations

from pathlib import Path

from keyacct_xl.cli.main import main
from keyacct_xl.consolidate.examples import example_ids, load_example
from keyacct_xl.forms.catalog import load_catalog
from keyacct_xl.forms.generator import build_form

WORKBOOKS = Path(__file__).resolve().parent.parent / "workbooks"
REGENERATE = "regenerate with: keyacct-xl forms generate --all --lang zh --out workbooks"


def committed(folder: Path) -> list[Path]:
    """The workbooks of ``folder``, not the backups a regeneration keeps of those it replaced (git ignores them)."""
    return [p for p in folder.glob("*.xlsx") if not p.name.endswith(".bak.xlsx")]


def test_committed_workbooks_match_a_fresh_generation() -> None:
    specs = load_catalog()
    assert sorted(p.stem for p in committed(WORKBOOKS)) == sorted(s.id for s in specs), REGENERATE
    stale = [s.id for s in specs if (WORKBOOKS / f"{s.id}.xlsx").read_bytes() != build_form(s, lang="zh")]
    assert not stale, f"{', '.join(stale)} differ from the specs; {REGENERATE}"


EXAMPLES = WORKBOOKS / "examples"
REGENERATE_EXAMPLES = "regenerate with: keyacct-xl forms examples --lang zh --out workbooks/examples"


def test_committed_examples_match_a_fresh_generation(tmp_path: Path) -> None:
    """workbooks/examples holds one filled workbook per example in templates/examples, as the command writes it."""
    assert main(["forms", "examples", "--lang", "zh", "--out", str(tmp_path)]) == 0
    fresh = {p.name: p.read_bytes() for p in tmp_path.glob("*.xlsx")}
    assert sorted(fresh) == [f"{form_id}.xlsx" for form_id in example_ids()]
    assert sorted(p.name for p in committed(EXAMPLES)) == sorted(fresh), REGENERATE_EXAMPLES
    stale = [name for name, content in fresh.items() if (EXAMPLES / name).read_bytes() != content]
    assert not stale, f"{', '.join(stale)} differ from templates/examples; {REGENERATE_EXAMPLES}"
    assert fresh["visit_record.xlsx"] == load_example("visit_record").workbook()
