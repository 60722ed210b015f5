"""A save never runs a table past the worksheet's last row: Transactions and Payments put what does not fit into the
history store and say so; any other table is refused whole. Nothing is cut.

The sheet's last row is patched down to a few dozen rows (SHEET_LAST_ROW) so a real save of a small master meets it;
the rule is the same at 1,048,576, where a table with its header on row 1 holds 1,048,575 lines.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from keyacct_xl import InputError, load_master, save_master
from keyacct_xl.history import spill
from keyacct_xl.history.store import committed_batches
from keyacct_xl.master.model import Master
from keyacct_xl.master.schema import VISITS
from keyacct_xl.master.writer import write_tables

LIMIT = 41  # the worksheet's last row in these tests: 40 lines below a header on row 1


def _sales(lines: int) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "doc_no": [f"XS{i:04d}" for i in range(lines)],
            "date": pd.Timestamp("2026-01-01") + pd.to_timedelta([(i * 37) % 300 for i in range(lines)], unit="D"),
            "customer_id": [f"C{i % 7:03d}" for i in range(lines)],
            "amount": [100.0 + i for i in range(lines)],
        }
    )


def _sorted(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.sort_values("doc_no", kind="stable").reset_index(drop=True)


@pytest.fixture
def low_sheet(monkeypatch: pytest.MonkeyPatch) -> int:
    monkeypatch.setattr(spill, "SHEET_LAST_ROW", LIMIT)
    return LIMIT - 1


def test_sales_lines_past_the_last_row_go_to_the_store_and_every_line_is_read(tmp_path: Path, low_sheet: int) -> None:
    master = Master.empty()
    master.transactions = _sales(55)
    path = save_master(master, tmp_path / "master.xlsx", backup=False)
    assert [(s.table.name, s.lines) for s in master.spilled] == [("Transactions", 15)]
    message = master.spilled[0].message()
    assert message.render("zh").startswith("销售明细：超出工作表最后一行的 15 行已存入历史库")
    assert "Transactions: 15 lines past the worksheet's last row" in message.render("en")
    workbook = load_master(path, history=False)
    assert len(workbook.transactions) == low_sheet and committed_batches(workbook.settings) == (
        master.spilled[0].batch,
    )
    # The oldest lines went: every line left in the workbook is as late as any line in the store.
    union = load_master(path)
    stored = union.transactions.iloc[: union.archived["Transactions"].count]
    assert stored["date"].max() <= workbook.transactions["date"].min()
    pd.testing.assert_frame_equal(
        _sorted(union.transactions)[list(master.transactions.columns)], _sorted(_sales(55)), check_dtype=False
    )


def test_a_loaded_master_saved_again_keeps_its_lines_where_they_are(tmp_path: Path, low_sheet: int) -> None:
    master = Master.empty()
    master.transactions = _sales(55)
    path = save_master(master, tmp_path / "master.xlsx", backup=False)
    loaded = load_master(path)
    save_master(loaded, path, backup=False)
    assert loaded.spilled == ()
    again = load_master(path)
    pd.testing.assert_frame_equal(again.transactions, loaded.transactions)
    assert len(load_master(path, history=False).transactions) == low_sheet


def test_lines_added_to_a_full_sheet_spill_in_a_second_batch(tmp_path: Path, low_sheet: int) -> None:
    master = Master.empty()
    master.transactions = _sales(55)
    path = save_master(master, tmp_path / "master.xlsx", backup=False)
    loaded = load_master(path)
    added = _sales(70).iloc[55:]
    loaded.transactions = pd.concat([loaded.transactions, added], ignore_index=True)
    save_master(loaded, path, tables=["Transactions"], backup=False)
    assert [s.lines for s in loaded.spilled] == [15]
    back = load_master(path)
    assert len(committed_batches(back.settings)) == 2 and len(back.transactions) == 70
    assert len(load_master(path, history=False).transactions) == low_sheet


def test_another_table_past_the_last_row_is_refused_and_nothing_is_written(tmp_path: Path, low_sheet: int) -> None:
    master = Master.empty()
    path = save_master(master, tmp_path / "master.xlsx", backup=False)
    before = path.read_bytes()
    master.visits = pd.DataFrame(
        {"date": [pd.Timestamp("2026-03-01")] * (low_sheet + 3), "customer_id": ["C001"] * (low_sheet + 3)}
    )
    with pytest.raises(InputError, match=r"Visits: 43 rows do not fit in the worksheet below its header on row 1"):
        save_master(master, path, tables=["Visits"])
    # What consolidation calls to write its tables: the same refusal.
    with pytest.raises(InputError, match="43 rows do not fit"):
        write_tables(path, {VISITS: master.visits}, lang="zh")
    assert path.read_bytes() == before
