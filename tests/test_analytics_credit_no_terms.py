"""A customer list imported with credit grades but no payment terms: `credit` and `grade` say which customers with
sales have none (their invoices are then due on the invoice day, so every payment after it is late) before anyone
acts on the grades judged from that. Real master files written to disk and read back by the CLI."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from keyacct_xl.cli.main import main
from keyacct_xl.master.model import Master
from keyacct_xl.master.writer import save_master


def _master(tmp_path: Path) -> Path:
    """C1 has 60 days' terms, C2 none, C3 none and no sales; C1 and C2 pay every invoice 45 days after it."""
    master = Master.empty()
    master.customers = pd.DataFrame(
        [
            {"customer_id": "C1", "name": "甲公司", "credit_grade": "A", "payment_terms_days": 60},
            {"customer_id": "C2", "name": "乙公司", "credit_grade": "A"},
            {"customer_id": "C3", "name": "丙公司", "credit_grade": "B"},
        ]
    ).reindex(columns=master.customers.columns)
    sales, receipts = [], []
    for month in range(1, 11):
        day = pd.Timestamp(2025, month, 5)
        for cid in ("C1", "C2"):
            doc = f"S-{cid}-{month}"
            sales.append({"doc_no": doc, "date": day, "customer_id": cid, "product": "液压油", "amount": 1000.0})
            receipts.append(
                {
                    "receipt_no": f"R-{cid}-{month}",
                    "date": day + pd.Timedelta(days=45),
                    "customer_id": cid,
                    "amount": 1000.0,
                    "reference": doc,
                }
            )
    master.transactions = pd.DataFrame(sales).reindex(columns=master.transactions.columns)
    master.payments = pd.DataFrame(receipts).reindex(columns=master.payments.columns)
    return save_master(master, tmp_path / "master.xlsx", backup=False)


def test_credit_names_the_customers_with_sales_and_no_terms(tmp_path, capsys):
    path = _master(tmp_path)
    assert main(["credit", str(path)]) == 0
    err = capsys.readouterr().err
    assert "1 个有销售的客户没有账期（C2；工作表 客户档案，列 账期天数）" in err
    assert "C1" not in err and "C3" not in err  # terms typed; no sales


def test_in_english_the_sheet_and_column_are_named_as_the_master_shows_them(tmp_path, capsys):
    path = _master(tmp_path)
    assert main(["credit", str(path), "--lang", "en"]) == 0
    err = capsys.readouterr().err
    assert "1 customer(s) with sales have no payment terms (C2; sheet 客户档案, column 账期天数)" in err


def test_the_grading_review_says_it_too(tmp_path, capsys):
    path = _master(tmp_path)
    assert main(["grade", str(path), "--year", "2025", "--out", str(tmp_path / "review.xlsx")]) == 0
    assert "没有账期（C2；" in capsys.readouterr().err


def test_ten_customers_without_terms_are_named_eight_then_an_ellipsis_as_each_language_lists_them(tmp_path, capsys):
    """The message named them ``C01, C02 …`` in zh too; zh lists with 、, and both stop after eight."""
    master = Master.empty()
    ids = [f"C{n:02d}" for n in range(1, 11)]
    master.customers = pd.DataFrame([{"customer_id": cid, "name": f"{cid}公司"} for cid in ids]).reindex(
        columns=master.customers.columns
    )
    sales = [
        {"doc_no": f"S-{cid}", "date": pd.Timestamp(2025, 3, 5), "customer_id": cid, "amount": 100.0} for cid in ids
    ]
    master.transactions = pd.DataFrame(sales).reindex(columns=master.transactions.columns)
    paid = [{"receipt_no": f"R-{s['doc_no']}", "date": pd.Timestamp(2025, 4, 5), **s} for s in sales]
    master.payments = pd.DataFrame(paid).rename(columns={"doc_no": "reference"})
    master.payments = master.payments.reindex(columns=Master.empty().payments.columns)
    path = save_master(master, tmp_path / "master.xlsx", backup=False)
    assert main(["credit", str(path)]) == 0
    assert "10 个有销售的客户没有账期（C01、C02、C03、C04、C05、C06、C07、C08、…；" in capsys.readouterr().err
    assert main(["credit", str(path), "--lang", "en"]) == 0
    err = capsys.readouterr().err
    assert "no payment terms (C01, C02, C03, C04, C05, C06, C07, C08, …; sheet" in err and "C09" not in err
