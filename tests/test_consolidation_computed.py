"""Computed table columns (amount = qty × unit price, weighted = weight × score) are computed from the inputs as
stored, never taken from what the returned file shows: a legacy .xls keeps 0 or blank for inputs typed as text, and
a spreadsheet's cached result still holds a score the check refused."""

from __future__ import annotations

import io
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from openpyxl.worksheet.cell_range import CellRange

from keyacct_xl.consolidate.run import consolidate
from keyacct_xl.consolidate.simulate import blank_form, fill_form
from keyacct_xl.consolidate.store import load_store
from keyacct_xl.master.model import Master
from keyacct_xl.master.writer import save_master

NOW = "2026-11-23 18:00:00"


@pytest.fixture
def master(tmp_path: Path) -> Path:
    m = Master.empty()
    m.customers = pd.DataFrame({"customer_id": ["C001"], "name": ["广州华强贸易有限公司"], "rep": ["张三"]})
    return save_master(m, tmp_path / "master.xlsx", backup=False)


def _quotation(lines: list[dict[str, object]]) -> bytes:
    return fill_form(
        blank_form("quotation"),
        header={
            "rep": "张三",
            "quote_no": "Q1101",
            "quote_date": "2026-11-20",
            "customer_id": "C001",
            "quoted_by": "张三",
        },
        rows={"items": lines},
    )


def _typed_over(form: bytes, table: str, column: str, line: int, value: object) -> bytes:
    """``form`` with ``value`` typed over the computed cell of ``column`` on the table's ``line`` (1 = first)."""
    book = openpyxl.load_workbook(io.BytesIO(form))
    sheet = next(ws for ws in book.worksheets if table in ws.tables)
    sheet[f"{column}{CellRange(sheet.tables[table].ref).min_row + line}"] = value
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_a_quotation_saved_as_xls_records_the_amounts_of_inputs_typed_as_text(
    master: Path, inbox: Path, tmp_path: Path, libreoffice
) -> None:
    """LibreOffice leaves the amount formula's result blank or 0 for quantities and prices typed as text (1.2万,
    ¥3,000元, full-width digits); the amounts are computed from the parsed inputs, with no note."""
    source = tmp_path / "quotation.xlsx"
    source.write_bytes(
        _quotation(
            [
                {"product": "液压油", "qty": "1.2万", "unit_price": "¥3,000元"},
                {"product": "齿轮油", "qty": "１００", "unit_price": "45.5元"},
                {"product": "润滑脂", "qty": 20, "unit_price": 88},
            ]
        )
    )
    libreoffice(source, "xls", inbox)
    [outcome] = consolidate(inbox, master, now=NOW).outcomes
    assert outcome.status == "accepted"
    lines = load_store(master).frame("QuotationLines")
    assert lines[["qty", "unit_price", "amount"]].values.tolist() == [
        [12000.0, 3000.0, 36_000_000.0],
        [100.0, 45.5, 4550.0],
        [20.0, 88.0, 1760.0],
    ]
    assert not [i for i in outcome.issues if i.cell.startswith("H")]  # the amount column: nothing to say


def test_a_weighted_score_is_blank_when_its_score_was_refused(master: Path, inbox: Path, tmp_path: Path, libreoffice):
    """A score above the scale's top is left blank; the weighted score LibreOffice computed and cached from it
    (0.7 × 11 = 7.7) is not recorded either."""
    plan = fill_form(
        blank_form("account_plan"),
        header={"rep": "张三", "period": "2026-W48", "customer_id": "C001", "year": 2027},
        rows={
            "scoring": [
                {"criterion": "采购额", "weight": 0.3, "score": 8},
                {"criterion": "战略匹配", "weight": 0.7, "score": 11},
            ]
        },
    )
    source = tmp_path / "plan.xlsx"
    source.write_bytes(plan)
    saved = libreoffice(source, "xlsx", tmp_path / "saved")
    assert 7.7 in [
        row[3] for row in openpyxl.load_workbook(saved, data_only=True).worksheets[0].iter_rows(values_only=True)
    ]
    (inbox / "plan.xlsx").write_bytes(saved.read_bytes())
    [outcome] = consolidate(inbox, master, now=NOW).outcomes
    scores = load_store(master).frame("AccountPlanScores")
    assert scores[["criterion", "score", "weighted"]].fillna(-1).values.tolist() == [
        ["采购额", 8.0, 2.4],
        ["战略匹配", -1, -1],
    ]
    [refused] = [i.zh for i in outcome.issues if i.cell == "C15"]
    assert refused == "11 大于上限 10：此栏留空，本行照常导入（原填写：11）"


def test_an_amount_typed_over_the_formula_is_computed_and_noted(master: Path, inbox: Path) -> None:
    """A number typed over a computed cell whose inputs are numbers is not recorded: the computed value is, and
    the note names the cell and both values."""
    form = _quotation(
        [{"product": "液压油", "qty": 3, "unit_price": 1850}, {"product": "齿轮油", "qty": 2, "unit_price": 10}]
    )
    (inbox / "q.xlsx").write_bytes(_typed_over(form, "t_items", "H", 1, 5000))
    [outcome] = consolidate(inbox, master, now=NOW).outcomes
    assert load_store(master).frame("QuotationLines")["amount"].tolist() == [5550.0, 20.0]
    [note] = [i for i in outcome.issues if i.cell.startswith("H")]
    assert (note.severity, note.zh) == (
        "warning",
        "文件中此处显示 5000，而按 数量 × 单价 计算应为 5550：总表记录计算值",
    )
    assert note.en == "the file shows 5000 here, not 5550 (Qty × Unit price): the computed value is recorded"
