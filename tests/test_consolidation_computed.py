"""Computed table columns (amount = qty × unit price, weighted = weight × score) are computed from the inputs as
stored, never taken from what the returned file shows: a legacy .xls keeps 0 or blank for inputs typed as text, and
a spreadsheet's cached result still holds a score the check refused."""

from __future__ import annotations

import io
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.cell_range import CellRange

from keyacct_xl.consolidate.examples import load_example
from keyacct_xl.consolidate.routes import ROUTES
from keyacct_xl.consolidate.run import consolidate
from keyacct_xl.consolidate.simulate import blank_form, fill_form
from keyacct_xl.consolidate.store import load_store
from keyacct_xl.forms.catalog import load_form
from keyacct_xl.master.model import Master
from keyacct_xl.master.writer import save_master
from tests.test_outside_fields import _outcome, _typed

NOW = "2026-11-28 18:00:00"  # the Saturday of the week the forms report: no visit lies after it


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
    ¥3,000元, full-width digits); the amounts are computed from the parsed inputs, with no note at the lines, and the
    total the printed quote shows is told apart from the lines' sum."""
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
    assert not [i for i in outcome.issues if i.cell in ("H14", "H15", "H16")]  # the lines keep their formulas
    # but the printed quote's total sums what the sheet could compute: it is not what the master records
    [total] = [i for i in outcome.issues if i.cell.startswith("H")]
    assert total.en.startswith("报价单!H29: the total shows 1,760, but the lines add up to 36,006,310 (")


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


COMPUTED = sorted(f for f in ROUTES if any(c.formula for s in load_form(f).tables for c in s.fields))


def _computed_cells(form: bytes, form_id: str) -> tuple[str, list[str]]:
    """The form sheet and the computed cells of each table's first line, as openpyxl finds them in ``form``."""
    book = openpyxl.load_workbook(io.BytesIO(form))
    spec = load_form(form_id)
    cells = []
    for section in spec.tables:
        for field in (f for f in section.fields if f.formula):
            sheet = next(ws for ws in book.worksheets if f"t_{section.id}" in ws.tables)
            area = CellRange(sheet.tables[f"t_{section.id}"].ref)
            [column] = [
                c for c in range(area.min_col, area.max_col + 1) if sheet.cell(area.min_row, c).value == field.label.zh
            ]
            cells.append(f"{get_column_letter(column)}{area.min_row + 1}")
    return sheet.title, cells


@pytest.mark.parametrize("form_id", COMPUTED)
def test_a_computed_cell_that_lost_its_formula_is_reported_with_the_value_the_master_keeps(form_id: str) -> None:
    """A line inserted in LibreOffice gets no formula in its computed cells: the printed form shows nothing there
    (and leaves the line out of its total) while the master records the value computed from the line; each such
    cell is a warning saying so. The same cells keeping the form's formula say nothing."""
    filled = load_example(form_id).workbook("zh")
    sheet, cells = _computed_cells(filled, form_id)
    assert not [i for i in _outcome(filled).warnings if i.cell in cells]
    cleared = _typed(filled, dict.fromkeys(cells), sheet)
    found = [i for i in _outcome(cleared).warnings if i.cell in cells]
    assert sorted(i.cell for i in found) == sorted(cells)
    assert all("no formula here" in i.en and "the master records" in i.en for i in found), [i.en for i in found]
    assert all("此处没有公式" in i.zh and "总表记录" in i.zh for i in found), [i.zh for i in found]


def test_an_amount_typed_over_the_formula_beside_a_price_typed_as_text_is_noted(master: Path, inbox: Path) -> None:
    """9999 typed over 金额 where 数量 10 × 单价 1.5万 is 150,000: the sheet could not compute it, but what was typed
    over the formula is what the printed quote shows, so it is noted with the value the master keeps."""
    form = _quotation([{"product": "液压油", "qty": 10, "unit_price": "1.5万"}])
    (inbox / "q.xlsx").write_bytes(_typed_over(form, "t_items", "H", 1, 9999))
    [outcome] = consolidate(inbox, master, now=NOW).outcomes
    assert load_store(master).frame("QuotationLines")["amount"].tolist() == [150000.0]
    [note] = [i for i in outcome.issues if i.cell.startswith("H")]
    assert note.en == "the file shows 9999 here, not 150000 (Qty × Unit price): the computed value is recorded"


def test_a_line_inserted_in_libreoffice_without_its_amount_formula_is_reported_with_the_total(
    master: Path, inbox: Path, tmp_path: Path, libreoffice
) -> None:
    """The trial's quote: a line inserted in LibreOffice has no 金额 formula, so the printed quote's 合计 shows
    ¥19,900.00 while the master's lines add up to 24,300. Both the empty amount and the total are warned of, each
    saying what the master records."""
    form = _quotation(
        [
            {"product": "液压油", "qty": 200, "unit_price": 35.5},
            {"product": "齿轮油", "qty": 50, "unit_price": 88},
            {"product": "润滑脂", "qty": 1000, "unit_price": 12.8},
        ]
    )
    source = tmp_path / "quote.xlsx"
    source.write_bytes(_typed_over(form, "t_items", "H", 2, None))
    saved = libreoffice(source, "xlsx", inbox)
    shown = [r for r in openpyxl.load_workbook(saved, data_only=True).worksheets[0].iter_rows(values_only=True)]
    assert any("合计" in r and 19900 in r for r in shown)  # what the printed quote shows
    [outcome] = consolidate(inbox, master, now=NOW).outcomes
    assert sum(load_store(master).frame("QuotationLines")["amount"]) == 24300
    notes = {i.cell: i for i in outcome.issues if i.cell.startswith("H")}
    assert notes["H15"].en == (
        "no formula here (a line inserted in a spreadsheet program does not get the column's formula): the file "
        "shows nothing, and its total leaves this line out; the master records 4400 (Qty × Unit price)"
    )
    assert (
        notes["H15"].zh
        == "此处没有公式（在表格程序中插入的行不会带上该列的公式）：文件中显示为空，合计也未算入这一行；"
        "总表记录 4400（数量 × 单价）"
    )
    [total] = [i for ref, i in notes.items() if ref != "H15"]
    assert "19,900" in total.en and "24,300" in total.en and "the master records the lines" in total.en
