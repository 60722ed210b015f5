"""``analyze --year`` of the year in progress: measured to the latest sale or payment, its risks over the twelve
months to that day (as the general manager's pack reads them), not to a 31 December not yet come."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pandas as pd
from reportbook import report_table

from keyacct_xl.cli.main import main
from keyacct_xl.master.model import Master
from keyacct_xl.master.writer import save_master
from tests.test_receivables_ledger import pay, tx


def _master(tmp_path: Path) -> Path:
    """K1 buys 1,000 on the 15th of every month from January 2025 to June 2026, the last data; K2 the same in 2025
    and then once, in January 2026; each sale paid the day it is made."""
    master = Master.empty()
    master.customers = pd.DataFrame(
        {"customer_id": ["K1", "K2"], "name": ["甲商贸", "乙五金"], "region": ["华东"] * 2, "rep": ["张三"] * 2}
    ).reindex(columns=master.customers.columns)
    months = pd.date_range("2025-01-15", "2026-06-15", freq="MS") + pd.Timedelta(days=14)
    k1 = [("K1", f"S1-{d:%Y%m}", f"{d:%Y-%m-%d}", 1000.0) for d in months]
    k2 = [("K2", f"S2-{d:%Y%m}", f"{d:%Y-%m-%d}", 1000.0) for d in months if d <= pd.Timestamp("2026-01-31")]
    master.transactions = tx(*k1, *k2).reindex(columns=master.transactions.columns)
    paid = [(c, f"R{c}-{doc[3:]}", day, amount, doc) for c, doc, day, amount in (*k1, *k2)]  # each paid that day
    master.payments = pay(*paid).reindex(columns=master.payments.columns)
    return save_master(master, tmp_path / "master.xlsx", backup=False)


def test_a_customer_on_course_in_a_year_in_progress_is_no_sales_drop(tmp_path: Path) -> None:
    """At the end of June K1 had bought 6,000 of 2026 against 12,000 in all of 2025: "销售额同比下降超过 30%" and, its
    last purchase counted to 31 December, "超过 90 天未购买". K2, silent since January, is at risk either way."""
    master, out = _master(tmp_path), tmp_path / "analysis.xlsx"
    assert main(["analyze", str(master), "--year", "2026", "--out", str(out)]) == 0
    risky = report_table(out, "危险客户").set_index("客户编号")
    assert list(risky.index) == ["K2"]
    assert risky.loc["K2", "风险说明"] == "超过 90 天未购买"
    sheet = openpyxl.load_workbook(out)["危险客户"]
    assert "截至：2026-06-15" in [c.value for row in sheet.iter_rows(max_row=4) for c in row]
