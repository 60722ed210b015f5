"""A year's first grade apply changes most customers: its summary (the console, the ribbon's alert) lists the first
20 with their values before and after and says how many more GradeHistory records, instead of hundreds of lines."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from keyacct_xl.cli.main import main
from keyacct_xl.master.model import Master
from keyacct_xl.master.reader import load_master
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


def test_an_undo_that_keeps_many_values_names_twenty_and_every_other_customer(tmp_path: Path, capsys) -> None:
    """Every customer's limit typed by hand after the apply: the undo puts back each one's grade, credit grade and
    terms, keeps the limits, and names each one kept (the value held, the one the apply wrote) for the first 20,
    then every other customer by id and where the values the apply wrote are recorded."""
    master = load_master(_master(tmp_path / "master.xlsx"))
    paid = master.transactions.rename(columns={"doc_no": "receipt_no"}).assign(date=pd.Timestamp("2025-04-01"))
    master.payments = paid.reindex(columns=master.payments.columns)  # paid on time: each given a credit grade
    path = save_master(master, tmp_path / "master.xlsx")
    assert main(["grade", str(path), "--year", "2025"]) == 0
    assert main(["grade", "apply", str(path), "--date", "2026-01-05"]) == 0
    master = load_master(path)
    master.customers["credit_limit"] = 99_000.0
    save_master(master, path, tables=["Customers"])
    capsys.readouterr()
    assert main(["grade", "apply", str(path), "--undo", "--date", "2026-01-06"]) == 0
    out = capsys.readouterr().out
    assert "已撤销 2025 年评级的应用序号 1（2026-01-05 应用），涉及 30 个客户" in out
    assert "  C001 客户C001：等级 B → -，信用等级 B → -" in out  # its limit kept: it is not among the values put back
    assert "30 个客户的 30 项值在应用评级之后已被改动，保持不变：" in out
    assert "  C020 客户C020：信用额度 99,000（应用时写入 200,000）" in out
    assert "  C021 客户C021：信用额度" not in out
    assert (
        "……另有 10 个客户的值保持不变：C021、C022、C023、C024、C025、C026、C027、C028、C029、C030"
        "（应用写入的值见工作表 等级历史）"
    ) in out
    customers = load_master(path).customers
    assert customers["grade"].isna().all() and (customers["credit_limit"] == 99_000.0).all()
