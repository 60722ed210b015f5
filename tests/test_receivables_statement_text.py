"""What a customer statement says of each line, read back from the written workbook: "etc." (等) only on an
invoice of several products; and what `statement` says of a customer in a master that holds no lines yet."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from keyacct_xl.cli.main import main
from keyacct_xl.master.model import Master
from keyacct_xl.master.writer import save_master


def _master(tmp_path: Path, *, with_sales: bool = True) -> Path:
    """C0001 bought one product on S1 and two products on S2 (three lines) in March 2025."""
    master = Master.empty()
    master.customers = pd.DataFrame([{"customer_id": "C0001", "name": "武汉兴旺液压设备有限公司"}]).reindex(
        columns=master.customers.columns
    )
    if with_sales:
        lines = [
            ("S1", "2025-03-05", "液压油", 1000.0),
            ("S2", "2025-03-10", "液压油", 500.0),
            ("S2", "2025-03-10", "齿轮油", 300.0),
        ]
        sales = pd.DataFrame(
            [
                {"doc_no": d, "date": pd.Timestamp(t), "customer_id": "C0001", "product": p, "amount": a}
                for d, t, p, a in lines
            ]
        )
        master.transactions = sales.reindex(columns=master.transactions.columns)
    return save_master(master, tmp_path / "master.xlsx", backup=False)


def _descriptions(path: Path) -> dict[str, str]:
    """Doc no -> description (摘要) of the statement's lines."""
    sheet = openpyxl.load_workbook(path).worksheets[0]
    return {str(r[1]): str(r[2]) for r in sheet.iter_rows(values_only=True) if r[1] and str(r[1]).startswith("S")}


@pytest.mark.parametrize(
    ("lang", "name", "one", "several"),
    [
        ("zh", "对账单_C0001_2025-03.xlsx", "销货：液压油", "销货：液压油等"),
        ("en", "statement_C0001_2025-03.xlsx", "Sale: 液压油", "Sale: 液压油 etc."),
    ],
)
def test_etc_only_on_an_invoice_of_several_products(tmp_path, lang, name, one, several):
    path = _master(tmp_path)
    out = tmp_path / "st"
    assert (
        main(["statement", str(path), "--customer", "C0001", "--period", "2025-03", "--out", str(out), "--lang", lang])
        == 0
    )
    assert _descriptions(out / name) == {"S1": one, "S2": several}


def test_a_customer_of_a_master_without_lines_is_told_so_without_an_empty_example_list(tmp_path, capsys):
    path = _master(tmp_path, with_sales=False)
    code = main(["statement", str(path), "--customer", "C0001", "--period", "2025-03", "--out", str(tmp_path / "st")])
    err = capsys.readouterr().err
    assert code != 0
    assert "客户 C0001 没有销售或收款记录" in err and "销售明细和收款记录中还没有任何记录" in err
    assert "已有客户如 ）" not in err
