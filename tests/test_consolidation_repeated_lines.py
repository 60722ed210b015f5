"""A line repeating an earlier line of its file cell for cell (a row pasted twice) is recorded and warned of; the
file taken back out and sent again without it leaves one row."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from keyacct_xl.consolidate.run import consolidate
from keyacct_xl.consolidate.simulate import blank_form, fill_form
from keyacct_xl.consolidate.store import load_store
from keyacct_xl.consolidate.undo import undo_submission
from keyacct_xl.master.model import Master
from keyacct_xl.master.schema import VISITS
from keyacct_xl.master.writer import save_master

VISIT = {"date": "2026-12-14", "customer_id": "C0113", "method": "面谈", "content": "例行拜访", "rating": "良好"}


@pytest.fixture
def master(tmp_path: Path) -> Path:
    m = Master.empty()
    m.customers = pd.DataFrame({"customer_id": ["C0113"], "name": ["苏州宏图汽车维修有限公司"], "rep": ["吕琳春"]})
    return save_master(m, tmp_path / "master.xlsx", backup=False)


def _visits(lines: list[dict[str, object]]) -> bytes:
    form = blank_form("visit_record", lines={"visits": len(lines)})
    return fill_form(form, header={"rep": "吕琳春", "period": "2026-W51"}, rows={"visits": lines})


def test_a_line_pasted_twice_is_recorded_with_a_warning_and_undo_and_resend_leave_one(
    master: Path, inbox: Path
) -> None:
    other = {**VISIT, "date": "2026-12-15", "content": "回款"}
    (inbox / "visits.xlsx").write_bytes(_visits([VISIT, VISIT, other]))
    [outcome] = consolidate(inbox, master, now="2026-12-18 18:00:00").outcomes
    assert (outcome.status, outcome.rows_added) == ("accepted", 3)
    [repeated] = [i for i in outcome.issues if "逐格相同" in i.zh]
    assert repeated.severity == "warning" and repeated.cell == "A9"
    assert repeated.zh == (
        "第 9 行与第 8 行逐格相同：两行都已记入；"
        "如是重复粘贴，请撤销此文件（consolidate --undo），让业务员删去一行后重新提交"
    )
    undo_submission(master, "visits.xlsx")
    (inbox / "visits.xlsx").write_bytes(_visits([VISIT, other]))  # the rep's file, the pasted line deleted
    [resent] = consolidate(inbox, master, now="2026-12-18 19:00:00").outcomes
    assert (resent.status, resent.rows_added) == ("accepted", 2) and not [i for i in resent.issues if "逐格" in i.zh]
    visits = load_store(master).frame(VISITS.name)
    assert sorted(visits["content"]) == ["例行拜访", "回款"]
