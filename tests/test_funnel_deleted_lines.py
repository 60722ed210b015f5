"""A pre-filled funnel line the rep deleted is named, and the master keeps the opportunity as it was.

Deleting a line closes nothing: the master's row stays open in every report while the rep believes it gone. The
form's _meta keeps the ids it was pre-filled with, so the report names each one that did not come back.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from test_forms_prefill import _frame, small_master

from keyacct_xl.consolidate.run import consolidate
from keyacct_xl.forms.catalog import load_form
from keyacct_xl.forms.generator import write_form
from keyacct_xl.forms.prefill import prefill
from keyacct_xl.master.reader import load_master
from keyacct_xl.master.schema import OPPORTUNITIES
from keyacct_xl.master.writer import save_master

NOW = "2026-11-30 18:00:00"


def _funnel(tmp_path: Path) -> tuple[Path, Path]:
    """A master whose rep 张三 has three open opportunities, and the funnel pre-filled with them in an inbox."""
    master = small_master()
    master.opportunities = _frame(
        OPPORTUNITIES,
        [
            {
                "opportunity_id": f"O{n}",
                "customer_id": "C001",
                "product": "液压油",
                "stage": "初步接触",
                "expected_amount": 1000.0 * n,
                "probability": 0.2,
                "rep": "张三",
            }
            for n in (1, 2, 3)
        ],
    )
    path = save_master(master, tmp_path / "master.xlsx", backup=False)
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    spec = load_form("sales_funnel")
    form = write_form(inbox / "funnel.xlsx", spec, data=prefill(spec, master, rep="张三", period="2026-11"))
    return path, form


def _delete_line(form: Path, opportunity: str) -> None:
    """Clear the line of ``opportunity`` as a rep does on the protected sheet (its cells emptied)."""
    book = openpyxl.load_workbook(form)
    sheet = book.worksheets[0]
    first, last = (int(ref[1:]) for ref in sheet.tables["t_opportunities"].ref.split(":"))
    row = next(r for r in range(first + 1, last + 1) if sheet[f"A{r}"].value == opportunity)
    for cell in sheet[row]:
        if not isinstance(cell.value, str) or not cell.value.startswith("="):
            cell.value = None
    book.save(form)


@pytest.mark.parametrize("saved_as", ["xlsx", "ods"])
def test_a_deleted_prefilled_opportunity_is_named_and_kept(
    tmp_path: Path, saved_as: str, libreoffice: Callable[..., Path]
) -> None:
    master, form = _funnel(tmp_path)
    _delete_line(form, "O2")
    if saved_as != "xlsx":  # the rep's LibreOffice saves its own format; the form's _meta goes with it
        converted = libreoffice(form, saved_as, tmp_path / "saved")
        form.unlink()
        converted.rename(form.with_suffix(f".{saved_as}"))
    [outcome] = consolidate(form.parent, master, now=NOW).outcomes
    assert outcome.status == "accepted", outcome.reason_en
    [named] = [i for i in outcome.issues if i.value == "O2"]
    assert named.severity == "warning" and "预填表上的一行，交回的表上没有了" in named.zh
    assert [i.value for i in outcome.issues if "pre-filled form" in i.en] == ["O2"]  # O1 and O3 came back
    kept = load_master(master).opportunities.set_index("opportunity_id")
    assert kept.index.tolist() == ["O1", "O2", "O3"] and kept.loc["O2", "stage"] == "初步接触"


def test_a_funnel_returned_whole_or_blank_names_no_line(tmp_path: Path) -> None:
    master, form = _funnel(tmp_path)
    blank = write_form(form.parent / "blank.xlsx", load_form("sales_funnel"))
    book = openpyxl.load_workbook(blank)
    sheet = book.worksheets[0]
    first = int(sheet.tables["t_opportunities"].ref.split(":")[0][1:]) + 1
    for column, value in zip("ABEFG", ("O9", "C002 华东塑胶", "线索", 500, 0.1)):
        sheet[f"{column}{first}"] = value
    sheet[f"B{first}"] = "C002"
    for key, value in (("f_rep", "张三"), ("f_period", "2026-11")):
        ((name, ref),) = book.defined_names[key].destinations
        book[name][ref.replace("$", "")] = value
    book.save(blank)
    outcomes = consolidate(form.parent, master, now=NOW).outcomes
    assert {o.status for o in outcomes} == {"accepted"}
    assert not [i for o in outcomes for i in o.issues if "pre-filled form" in i.en]
    assert pd.Series(load_master(master).opportunities["opportunity_id"]).tolist() == ["O1", "O2", "O3", "O9"]


@pytest.mark.parametrize(
    "forged",
    ["[" * 20_000 + "]" * 20_000, '{"O2": 1}', '"O2"', '[1, null, ["O2"]]', "not json"],
    ids=["nested", "object", "text", "not-ids", "broken"],
)
def test_a_forged_list_of_prefilled_lines_names_no_line_and_loses_none(tmp_path: Path, forged: str) -> None:
    """A hand-edited _meta whose list of pre-filled lines is nested 20,000 deep stopped the run with a traceback; one
    that is no list of ids says nothing, and every line returned is read."""
    master, form = _funnel(tmp_path)
    _delete_line(form, "O2")
    book = openpyxl.load_workbook(form)
    meta = book["_meta"]
    [row] = [r for r in meta.iter_rows() if r[0].value == "prefilled.lines.opportunities"]
    row[1].value = forged
    book.save(form)
    [outcome] = consolidate(form.parent, master, now=NOW).outcomes
    assert outcome.status == "accepted", outcome.reason_en
    assert not [i for i in outcome.issues if "pre-filled form" in i.en]
    assert pd.Series(load_master(master).opportunities["opportunity_id"]).tolist() == ["O1", "O2", "O3"]


def test_a_prefilled_funnel_returned_untouched_updates_no_line(tmp_path: Path) -> None:
    """The form prints each line's customer name, which the master's rows did not hold: returned untouched, every line
    was counted as updated (客户名称 (空) → the name) and took the file's provenance, burying the rep's real edits."""
    master, form = _funnel(tmp_path)
    held = load_master(master)
    held.opportunities["weighted_amount"] = held.opportunities["expected_amount"] * 0.2  # as a real master holds it
    save_master(held, tables=["Opportunities"])
    before = load_master(master).opportunities
    [outcome] = consolidate(form.parent, master, now=NOW).outcomes
    assert outcome.status == "accepted" and (outcome.rows_added, outcome.rows_updated) == (0, 0)
    after = load_master(master).opportunities
    assert after[before.columns].equals(before) or after[before.columns].astype(object).equals(before.astype(object))
    # A line the rep did change is the one update.
    book = openpyxl.load_workbook(form)
    sheet = book.worksheets[0]
    first = int(sheet.tables["t_opportunities"].ref.split(":")[0][1:]) + 1
    header = [c.value for c in sheet[first - 1]]
    sheet.cell(first, header.index("阶段") + 1).value = "方案报价"
    book.save(form.with_name("funnel-2.xlsx"))
    form.unlink()
    [outcome] = consolidate(form.parent, master, now="2026-12-01 18:00:00").outcomes
    assert (outcome.rows_added, outcome.rows_updated) == (0, 1)
