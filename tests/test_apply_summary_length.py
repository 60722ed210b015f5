"""A year's first grade apply changes most customers: its summary (the console, the ribbon's alert) lists the first
20 with their values before and after and says how many more GradeHistory records, instead of hundreds of lines."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from keyacct_xl.cli.main import main
from keyacct_xl.master.model import Master
from keyacct_xl.master.writer import save_master

CUSTOMERS = 30


def _master(path: Path) -> Path:
    """30 customers without a grade, each with 150,000 of sales in 2025: the apply grades every one B."""
    master = Master.empty(lang="zh")
    ids = [f"C{i:03d}" for i in range(1, CUSTOMERS + 1)]
    master.customers = pd.DataFrame(
        {"customer_id": ids, "name": [f"客户{i}" for i in ids], "rep": ["李娜"] * CUSTOMERS}
    ).reindex(columns=master.customers.columns)
    master.transactions = pd.DataFrame(
        {
            "doc_no": [f"D{i}" for i in range(CUSTOMERS)],
            "customer_id": ids,
            "date": pd.Timestamp("2025-03-01"),
            "amount": 150_000.0,
        }
    ).reindex(columns=master.transactions.columns)
    return save_master(master, path, backup=False)


def _customer_lines(out: str) -> list[str]:
    return [line for line in out.splitlines() if line.startswith("  C0")]


def test_an_apply_that_changes_many_customers_lists_twenty_and_says_how_many_more(tmp_path: Path, capsys) -> None:
    master = _master(tmp_path / "master.xlsx")
    assert main(["grade", str(master), "--year", "2025"]) == 0
    capsys.readouterr()
    assert main(["grade", "apply", str(master), "--approved-by", "王经理", "--date", "2026-01-05"]) == 0
    out = capsys.readouterr().out
    assert len(_customer_lines(out)) == 20 and "C001 客户C001：等级 - → B" in out
    assert "另有 10 个客户，各自调整前后的值见工作表 等级历史" in out
    history = pd.read_excel(master, sheet_name="等级历史", engine="calamine")
    assert len(history) == CUSTOMERS  # every customer is recorded, listed or not
    assert main(["grade", "apply", str(master), "--undo", "--date", "2026-01-06"]) == 0
    out = capsys.readouterr().out
    assert len(_customer_lines(out)) == 20 and "另有 10 个客户" in out
