"""Every form a person fills comes back: the catalog walked form by form through consolidation into the demo master.

Each input form's filled example (templates/examples) is consolidated with all the others; then every example is
sent again (a duplicate adding nothing) together with its corrected copy (which updates its rows, the earlier
values kept in SubmissionHistory, nothing added and nothing deleted).
"""

from __future__ import annotations

import io
import json
import shutil
from dataclasses import dataclass
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from keyacct_xl.consolidate.examples import example_ids, load_example
from keyacct_xl.consolidate.model import FileOutcome
from keyacct_xl.consolidate.routes import OUTPUT_FORMS, ROUTES, route_tables
from keyacct_xl.consolidate.run import consolidate
from keyacct_xl.consolidate.store import load_store
from keyacct_xl.consolidate.undo import undo_submission
from keyacct_xl.forms.catalog import form_ids, load_form
from keyacct_xl.forms.layout import field_choices
from keyacct_xl.master.submissions import HISTORY, LEDGER

INPUT_FORMS = sorted(ROUTES)


@dataclass
class Walk:
    """The two consolidation runs and the master after each."""

    first: dict[str, FileOutcome]
    second: dict[str, FileOutcome]
    after_first: dict[str, pd.DataFrame]
    after_second: dict[str, pd.DataFrame]
    masters: tuple[Path, Path]  # the master after each run


def _outcomes(outcomes: list[FileOutcome]) -> dict[str, FileOutcome]:
    return {Path(o.name).name: o for o in outcomes}


@pytest.fixture(scope="module")
def walk(demo_run: tuple[Path, str], tmp_path_factory: pytest.TempPathFactory) -> Walk:
    root = tmp_path_factory.mktemp("roundtrip")
    master = root / "master.xlsx"
    shutil.copyfile(demo_run[0] / "master.xlsx", master)
    first_inbox, second_inbox = root / "first", root / "second"
    first_inbox.mkdir()
    second_inbox.mkdir()
    for form_id in INPUT_FORMS:
        example = load_example(form_id)
        (first_inbox / f"{form_id}.xlsx").write_bytes(example.workbook())
        (second_inbox / f"{form_id}.xlsx").write_bytes(example.workbook())
        (second_inbox / f"{form_id}_corrected.xlsx").write_bytes(example.corrected_workbook())
    first = _outcomes(consolidate(first_inbox, master, now="2026-11-28 18:00:00").outcomes)
    after_first = dict(load_store(master).frames)
    first_master = shutil.copyfile(master, root / "after_first.xlsx")
    second = _outcomes(consolidate(second_inbox, master, now="2026-11-29 18:00:00").outcomes)
    return Walk(first, second, after_first, dict(load_store(master).frames), (first_master, master))


def _rows_of(frames: dict[str, pd.DataFrame], table: str, sha: str) -> int:
    return int((frames[table]["file_sha256"] == sha).sum())


def test_every_catalog_form_is_an_input_with_an_example_or_an_output() -> None:
    forms = set(form_ids())
    assert not forms - set(ROUTES) - OUTPUT_FORMS, "a form without a route must be listed as an output"
    assert not set(ROUTES) & OUTPUT_FORMS
    assert sorted(ROUTES) == example_ids(), "every input form has a filled example in templates/examples"


@pytest.mark.parametrize("form_id", INPUT_FORMS)
def test_a_filled_form_lands_in_its_tables(walk: Walk, form_id: str) -> None:
    outcome, example = walk.first[f"{form_id}.xlsx"], load_example(form_id)
    problems = [(i.cell, i.en) for i in outcome.issues if i.severity == "error"]
    assert (outcome.status, problems) == ("accepted", [])
    assert set(example.expect) == set(route_tables(ROUTES[form_id]))
    landed = {table: _rows_of(walk.after_first, table, outcome.sha256) for table in example.expect}
    assert landed == example.expect


@pytest.mark.parametrize("form_id", INPUT_FORMS)
def test_the_same_form_again_is_a_duplicate_and_adds_nothing(walk: Walk, form_id: str) -> None:
    again = walk.second[f"{form_id}.xlsx"]
    assert (again.status, again.rows_added) == ("duplicate", 0)


@pytest.mark.parametrize("form_id", INPUT_FORMS)
def test_a_corrected_form_supersedes_the_first_and_keeps_its_values_in_history(walk: Walk, form_id: str) -> None:
    first, corrected = walk.first[f"{form_id}.xlsx"], walk.second[f"{form_id}_corrected.xlsx"]
    assert corrected.status == "accepted"
    assert (corrected.rows_added, corrected.rows_updated >= 1) == (0, True)
    history = walk.after_second[HISTORY.name]
    kept = history[(history["changed_by"] == corrected.sha256) & (history["file_sha256"] == first.sha256)]
    assert len(kept) >= 1, "the superseded values are kept in SubmissionHistory"
    for table in load_example(form_id).expect:
        assert len(walk.after_second[table]) == len(walk.after_first[table]), f"{table}: nothing added or deleted"


def test_no_undo_names_a_cell_its_file_wrote_as_changed(walk: Walk) -> None:
    """What a file wrote into the rows it added reads back equal after the master is saved and loaded, whatever the
    form: an undo of any example, or of its correction, names no cell as changed since (the dry run of each, as the
    master stands after its run), nor a cell the file wrote beside its table's columns (a visit's 客户名称) as typed
    by hand."""
    removed = 0
    for form_id in INPUT_FORMS:
        undone = undo_submission(walk.masters[0], walk.first[f"{form_id}.xlsx"].sha256, dry_run=True)
        assert undone.since == () and undone.beside == (), form_id
        removed += undone.removed
        corrected = walk.second[f"{form_id}_corrected.xlsx"].sha256
        assert undo_submission(walk.masters[1], corrected, dry_run=True).since == (), form_id
    assert removed >= 90  # rows of every kind of form were compared (97 today)


def test_an_undo_names_a_month_changed_by_hand_among_the_months_one_line_gave(walk: Walk, tmp_path: Path) -> None:
    """A target breakdown line gives a SalesTargets row per month, all from one source row: a row whose 月份 a person
    changed is told by the month it differs in, not left unchecked for want of a row with its key."""
    master = Path(shutil.copyfile(walk.masters[0], tmp_path / "master.xlsx"))
    sha = walk.first["target_breakdown.xlsx"].sha256
    book = openpyxl.load_workbook(master)
    sheet = book["销售任务"]
    headers = [c.value for c in sheet[1]]
    rep, month, fingerprint = headers.index("业务员"), headers.index("月份"), headers.index("文件指纹")
    history = walk.after_first[HISTORY.name]
    updated = history[(history["changed_by"] == sha) & (history["change"] == "updated")]["data"].map(json.loads)
    changed = {(d.get("rep"), d.get("month")) for d in updated}
    # a row the example added (not one of the demo's own it changed)
    rows = [r for r in sheet.iter_rows(min_row=2) if r[fingerprint].value == sha]
    row = next(r for r in rows if (r[rep].value, r[month].value) not in changed)
    added_month = row[month].value
    row[month].value = "2099-13"
    book.save(master)
    since = undo_submission(master, sha, dry_run=True).since
    assert [(c.table, c.column, c.now, c.wrote) for c in since] == [("SalesTargets", "month", "2099-13", added_month)]


@pytest.fixture(scope="module")
def demo_ledger(demo_run: tuple[Path, str]) -> pd.DataFrame:
    return load_store(demo_run[0] / "master.xlsx").frame(LEDGER.name)


@pytest.mark.parametrize("form_id", INPUT_FORMS)
def test_the_demo_sends_a_copy_of_every_input_form_as_another_rep_would(
    demo_ledger: pd.DataFrame, form_id: str
) -> None:
    ledger = demo_ledger
    sent = ledger[ledger["file_name"].str.endswith(f"示例_{form_id}.xlsx")]
    assert sent[["status", "rows"]].values.tolist() == [["accepted", sum(load_example(form_id).expect.values())]]


@pytest.mark.parametrize("form_id", example_ids())
def test_an_english_example_picks_its_choices_from_the_english_dropdowns(form_id: str) -> None:
    """``forms examples --lang en`` wrote 是, 处理中 and 面谈 under Yes/No, Pending/In progress/Solved and the
    English methods (73 cells): every choice cell of an English example holds an entry of its dropdown."""
    spec = load_form(form_id)
    fields = {f.key: f for section in spec.sections for f in section.fields if f.type in ("choice", "yes_no")}
    example = load_example(form_id)
    typed = [example.header, *(line for lines in example.rows.values() for line in lines)]
    chosen = {(key, value) for values in typed for key, value in values.items() if key in fields}
    book = openpyxl.load_workbook(io.BytesIO(example.workbook("en")))
    shown = {cell.value for sheet in book.worksheets for row in sheet.iter_rows() for cell in row}
    for key, value in chosen:
        choice = next((c for c in field_choices(fields[key]) if isinstance(value, str) and value in c.names), None)
        if choice is not None and choice.zh != choice.en:
            assert choice.en in shown and choice.zh not in shown, (key, value)
