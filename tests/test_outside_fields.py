"""Text a rep typed outside a returned form's fields is reported, never lost unseen (consolidate.outside).

Forms are generated, filled as a rep does (fill_form, openpyxl), consolidated into a master and the report read back
with openpyxl; the form's own content (forms.content) is held to what the generator writes for every catalog form.
"""

from __future__ import annotations

import datetime as dt
import io
import shutil
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
import yaml
from openpyxl.utils import get_column_letter, range_boundaries
from openpyxl.worksheet.cell_range import CellRange
from openpyxl.worksheet.table import TableColumn
from reportbook import table_rows

from keyacct_xl.consolidate.examples import load_example
from keyacct_xl.consolidate.model import FileOutcome
from keyacct_xl.consolidate.recognize import extract
from keyacct_xl.consolidate.routes import ROUTES
from keyacct_xl.consolidate.safety import check_file
from keyacct_xl.consolidate.simulate import blank_form, fill_form
from keyacct_xl.consolidate.store import load_store
from keyacct_xl.consolidate.usecase import ConsolidationRun, run_consolidation
from keyacct_xl.consolidate.validate import check_form
from keyacct_xl.forms.catalog import form_ids, forms_dir, load_form, shared_lists
from keyacct_xl.forms.content import earlier_form_number, form_content
from keyacct_xl.forms.generator import FormData, build_form
from keyacct_xl.forms.layout import FORM_LANGS, FormLang, form_sheet_name, instructions_sheet_name
from keyacct_xl.forms.meta import FormContext
from keyacct_xl.forms.spec import FormSpec, load_spec
from keyacct_xl.master.model import Master
from keyacct_xl.master.writer import save_master
from tests.test_consolidation_reading import edit_workbook

NOW = "2026-11-30 18:00:00"
OUTSIDE_ZH = "填有表单字段以外的内容"
VISIT = {"date": "2026-11-23", "customer_id": "C001", "method": "面谈", "content": "了解库存"}
HEADER = {"rep": "张三", "period": "2026-W48"}
SHEET = form_sheet_name(load_form("visit_record"), "zh")


COMPANY = "广州某某润滑油有限公司"


@pytest.fixture
def master(tmp_path: Path) -> Path:
    m = Master.empty()
    m.settings = replace(m.settings, company_name=COMPANY)  # the company its pre-filled forms are made for
    m.customers = pd.DataFrame(
        {"customer_id": ["C001", "C002"], "name": ["广州华强贸易有限公司", "佛山永利五金厂"], "rep": ["张三", "张三"]}
    )
    return save_master(m, tmp_path / "master.xlsx", backup=False)


def _typed(content: bytes, cells: dict[str, object], sheet: str = SHEET) -> bytes:
    def change(book: openpyxl.Workbook) -> None:
        for ref, value in cells.items():
            book[sheet][ref] = value

    return edit_workbook(content, change)


def _visits(lines: int = 1) -> bytes:
    return fill_form(blank_form("visit_record"), header=HEADER, rows={"visits": [VISIT] * lines})


def _run(inbox: Path, master: Path, tmp_path: Path, files: dict[str, bytes]) -> tuple[ConsolidationRun, list[tuple]]:
    """Consolidate ``files``; the run and the report's rows of text outside the fields, as openpyxl reads them."""
    for name, data in files.items():
        (inbox / name).write_bytes(data)
    run = run_consolidation(inbox, master, lang="zh", report=tmp_path / "report.xlsx", now=NOW)
    rows = table_rows(run.report, "错误")[1:]
    return run, [r for r in rows if OUTSIDE_ZH in r[5] and r[2]]


def _field_cell(content: bytes, key: str) -> tuple[str, CellRange]:
    """The sheet and the (merged) input range of header field ``key``."""
    book = openpyxl.load_workbook(io.BytesIO(content))
    sheet, ref = next(iter(book.defined_names[f"f_{key}"].destinations))
    cell = ref.replace("$", "")
    merged = next((m for m in book[sheet].merged_cells.ranges if cell in m), CellRange(f"{cell}:{cell}"))
    return sheet, merged


def _table_range(content: bytes, name: str) -> CellRange:
    book = openpyxl.load_workbook(io.BytesIO(content))
    return CellRange(next(ws.tables[name].ref for ws in book.worksheets if name in ws.tables))


def test_a_note_beside_a_header_field_is_reported_and_the_form_still_lands(
    master: Path, inbox: Path, tmp_path: Path
) -> None:
    form = _visits()
    _, field = _field_cell(form, "fill_date")
    beside = f"{get_column_letter(field.max_col + 1)}{field.min_row}"
    run, outside = _run(
        inbox, master, tmp_path, {"v.xlsx": _typed(form, {beside: "张三下周休假，周五的回访改到下周一"})}
    )
    assert outside == [
        (
            "v.xlsx",
            SHEET,
            beside,
            "",
            "张三下周休假，周五的回访改到下周一",
            f"工作表 {SHEET} 的单元格 {beside} 填有表单字段以外的内容，未读入总表：张三下周休假，周五的回访改到下周一",
            "提示",
        )
    ]
    [outcome] = run.result.outcomes
    assert (outcome.status, outcome.rows_added) == ("accepted", 1)  # a warning, not a rejection
    assert run.summary("zh").endswith("冲突 0 项，提示 1 条")
    assert run.summary("en").endswith("0 conflict(s), 1 warning(s)")
    summary = {r[0]: r[1] for r in table_rows(run.report, "汇总")}
    assert summary["提示"] == 1
    files = table_rows(run.report, "文件")
    assert files[1][files[0].index("提示数")] == 1


def test_a_line_typed_right_of_the_table_is_reported_and_the_table_line_is_read(
    master: Path, inbox: Path, tmp_path: Path
) -> None:
    form = _visits(2)
    table = _table_range(form, "t_visits")
    right = get_column_letter(table.max_col + 1)
    long = "客户说下个月起改由采购部王经理对接，" * 15
    typed = _typed(form, {f"{right}{table.min_row + 1}": "附：客户要求送样", f"{right}{table.min_row + 2}": long})
    _, outside = _run(inbox, master, tmp_path, {"v.xlsx": typed})
    assert [(r[2], r[4]) for r in outside] == [
        (f"{right}{table.min_row + 1}", "附：客户要求送样"),
        (f"{right}{table.min_row + 2}", long[:200] + "…"),
    ]
    assert outside[1][5].endswith("：" + long[:60] + "…")  # the message quotes the text shortened
    assert load_store(master).frame("Visits")["content"].tolist() == ["了解库存", "了解库存"]


def test_a_column_excel_added_to_the_table_is_reported(master: Path, inbox: Path, tmp_path: Path) -> None:
    """Excel grows a table by a column when a rep types right of it: that column is no field of the form."""
    form = _visits(1)
    table = _table_range(form, "t_visits")
    added = get_column_letter(table.max_col + 1)

    def grow(book: openpyxl.Workbook) -> None:
        sheet = book[SHEET]
        grown = sheet.tables["t_visits"]
        grown.ref = f"{get_column_letter(table.min_col)}{table.min_row}:{added}{table.max_row}"
        grown.tableColumns.append(TableColumn(id=len(grown.tableColumns) + 1, name="列1"))
        sheet[f"{added}{table.min_row}"] = "列1"
        sheet[f"{added}{table.min_row + 1}"] = "客户要求下周送样"

    run, outside = _run(inbox, master, tmp_path, {"v.xlsx": edit_workbook(form, grow)})
    assert [(r[2], r[4]) for r in outside] == [
        (f"{added}{table.min_row}", "列1"),
        (f"{added}{table.min_row + 1}", "客户要求下周送样"),
    ]
    assert run.result.rows_added == 1


def test_text_below_the_last_section_and_a_label_typed_over_are_reported(
    master: Path, inbox: Path, tmp_path: Path
) -> None:
    form = _visits()
    book = openpyxl.load_workbook(io.BytesIO(form))
    below = book[SHEET].max_row + 2
    title = load_form("visit_record").sections[0].title.zh  # the first section's title, a merged row of its own
    title_cell = next(c.coordinate for row in book[SHEET].iter_rows() for c in row if c.value == title)
    typed = _typed(form, {f"A{below}": "以上情况属实。主管意见：同意", title_cell: "本周回访（补记两家）"})
    _, outside = _run(inbox, master, tmp_path, {"v.xlsx": typed})
    assert sorted((r[2], r[4]) for r in outside) == sorted(
        [(f"A{below}", "以上情况属实。主管意见：同意"), (title_cell, "本周回访（补记两家）")]
    )


def test_a_prefilled_form_with_a_grown_table_gives_no_false_warning(master: Path, inbox: Path, tmp_path: Path) -> None:
    """A pre-filled form holds its company's name, its values in the fields, more lines than the blank (everything
    under the table moves down) and its own dropdown list on the hidden lists sheet: none of it is typed text."""
    spec = load_form("visit_record")
    lines = [{"date": dt.datetime(2026, 11, 23), "customer_id": "C001", "method": "面谈"}] * (spec.tables[0].rows + 5)
    data = FormData(
        header={**HEADER, "fill_date": dt.datetime(2026, 11, 27)},
        rows={"visits": lines},
        dropdowns={("visits", "customer_id"): ["C001 广州华强贸易有限公司", "C002 佛山永利五金厂"]},
        context=FormContext(rep="张三", period="2026-W48"),
    )
    form = build_form(spec, lang="zh", company=COMPANY, data=data)
    assert "_lists" in openpyxl.load_workbook(io.BytesIO(form)).sheetnames
    filled = fill_form(form, rows={"visits": [VISIT]})
    below = openpyxl.load_workbook(io.BytesIO(filled))[SHEET].max_row + 1
    run, outside = _run(
        inbox, master, tmp_path, {"clean.xlsx": filled, "noted.xlsx": _typed(filled, {f"B{below}": "请补发样品"})}
    )
    assert [(r[0], r[2], r[4]) for r in outside] == [("noted.xlsx", f"B{below}", "请补发样品")]
    assert all(o.status == "accepted" for o in run.result.outcomes)


def test_a_sheet_the_rep_added_is_reported_cell_by_cell_up_to_a_limit(
    master: Path, inbox: Path, tmp_path: Path
) -> None:
    def add_sheet(book: openpyxl.Workbook) -> None:
        notes = book.create_sheet("我的备注")
        for i in range(1, 121):
            notes[f"A{i}"] = f"第{i}条备注"

    run, outside = _run(inbox, master, tmp_path, {"v.xlsx": edit_workbook(_visits(), add_sheet)})
    assert [(r[1], r[2]) for r in outside] == [("我的备注", f"A{i}") for i in range(1, 101)]
    [outcome] = run.result.outcomes
    assert any(
        i.zh == "另有 20 个单元格填有表单字段以外的内容（工作表 我的备注），未逐一列出" for i in outcome.warnings
    )


def test_an_older_versions_copy_reports_text_right_of_and_below_the_form(
    master: Path, inbox: Path, tmp_path: Path
) -> None:
    """The labels of an earlier version are kept nowhere: its copy is looked at right of and below the form (its
    own labels, 客户情绪 and 天气 here, are not reported), not cell by cell within it."""
    raw = yaml.safe_load((forms_dir() / "visit_record.yaml").read_text(encoding="utf-8"))
    catalog = tmp_path / "forms"
    shutil.copytree(forms_dir(), catalog)
    current = {**raw, "version": 2, "changes": [{"version": 2, "dropped": ["mood", "weather"]}]}
    (catalog / "visit_record.yaml").write_text(yaml.safe_dump(current, allow_unicode=True), encoding="utf-8")
    visits, approval = raw["sections"]
    visits["fields"].append({"key": "mood", "label": {"zh": "客户情绪", "en": "Mood"}})
    approval["fields"].append({"key": "weather", "label": {"zh": "天气", "en": "Weather"}})
    old = tmp_path / "v1" / "visit_record.yaml"
    old.parent.mkdir()
    old.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    form = fill_form(
        build_form(load_spec(old, lists=shared_lists())),
        header={**HEADER, "weather": "小雨"},
        rows={"visits": [{**VISIT, "mood": "愉快"}]},
    )
    sheet = openpyxl.load_workbook(io.BytesIO(form))[SHEET]
    below, right = f"A{sheet.max_row + 2}", f"{get_column_letter(sheet.max_column + 2)}8"
    (inbox / "v1.xlsx").write_bytes(_typed(form, {below: "主管意见：同意", right: "附：送样"}))
    run = run_consolidation(inbox, master, lang="zh", report=tmp_path / "report.xlsx", now=NOW, forms_folder=catalog)
    [outcome] = run.result.outcomes
    assert (outcome.status, outcome.version, outcome.rows_added) == ("accepted", 1, 1)
    outside = [r for r in table_rows(run.report, "错误")[1:] if OUTSIDE_ZH in r[5]]
    assert sorted((r[2], r[4]) for r in outside) == sorted([(below, "主管意见：同意"), (right, "附：送样")])


def _outcome(data: bytes) -> FileOutcome:
    """One file read and checked as a consolidation worker does, in this process."""
    specs = {form_id: load_form(form_id) for form_id in ROUTES}
    verdict = check_file("form.xlsx", data)
    extracted = extract(data, verdict.kind, specs, "form.xlsx", package=verdict.package)
    outcome = FileOutcome("form.xlsx")
    check_form(outcome, extracted, specs[extracted.form_id], lang="zh", strict=False)
    return outcome


def _outside(outcome: FileOutcome) -> list[tuple[str, str]]:
    return [(i.sheet, i.cell) for i in outcome.warnings if OUTSIDE_ZH in i.zh]


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("form_id", sorted(ROUTES))
def test_every_form_unchanged_gives_no_warning_and_one_typed_cell_gives_one(form_id: str, lang: FormLang) -> None:
    spec = load_form(form_id)
    sheet = form_sheet_name(spec, lang)
    filled = load_example(form_id).workbook(lang)
    for unchanged in (blank_form(form_id, lang=lang), filled):
        assert _outside(_outcome(unchanged)) == []
    book = openpyxl.load_workbook(io.BytesIO(filled))
    # right of everything the form holds (a value typed under a table, in its columns, is read as one of its lines)
    below = f"{get_column_letter(book[sheet].max_column + 1)}{book[sheet].max_row + 3}"
    right = f"{get_column_letter(book[sheet].max_column + 2)}5"
    guide = f"A{book[instructions_sheet_name(lang)].max_row + 2}"  # under the instructions
    guide_sheet = instructions_sheet_name(lang)
    typed = _typed(_typed(filled, {below: "（补记）张三 11/30", right: 42}, sheet), {guide: "?"}, guide_sheet)
    assert sorted(_outside(_outcome(typed))) == sorted([(sheet, below), (sheet, right), (guide_sheet, guide)])


def _texts(sheet: openpyxl.worksheet.worksheet.Worksheet, skip: set[str]) -> set[str]:
    return {
        c.value.strip()
        for row in sheet.iter_rows()
        for c in row
        if isinstance(c.value, str) and c.value.strip() and not c.value.startswith("=") and c.coordinate not in skip
    }


@pytest.mark.parametrize("lang", FORM_LANGS)
@pytest.mark.parametrize("form_id", form_ids())
def test_the_forms_own_content_is_what_the_generator_writes(form_id: str, lang: FormLang) -> None:
    """Every text of the form and instructions sheets, every total computed under a table and the company's cell,
    read from the generated workbook, are in the record consolidation compares returned forms with, and no more."""
    spec = load_form(form_id)
    content = form_content(spec, lang)
    book = openpyxl.load_workbook(io.BytesIO(build_form(spec, lang=lang, company="某某公司")))
    form = book[form_sheet_name(spec, lang)]
    company = f"{get_column_letter(content.company[1] + 1)}{content.company[0] + 1}"
    assert form[company].value == "某某公司"
    shown = _texts(form, {company}) | _texts(book[instructions_sheet_name(lang)], set())
    # and the line an English copy written before showed under its title ("Form visit_record, version 1"), still
    # the form's own text in such a copy returned now
    assert shown == content.texts - {earlier_form_number(spec, lang)}
    tables = [range_boundaries(t.ref) for t in form.tables.values()]
    for row in form.iter_rows():
        for c in row:
            inside = any(c1 <= c.column <= c2 and r1 <= c.row <= r2 for c1, r1, c2, r2 in tables)
            if isinstance(c.value, str) and c.value.startswith("=") and not inside:
                label_cols = [lc for lc, col in content.totals if col == c.column - 1]
                assert any(form.cell(c.row, lc + 1).value == content.total_label for lc in label_cols), c.coordinate


@pytest.mark.libreoffice
def test_a_form_saved_as_xls_or_ods_reports_text_outside_its_fields(
    master: Path, inbox: Path, tmp_path: Path, libreoffice: Callable[..., list[Path]]
) -> None:
    """A form saved by LibreOffice (or WPS) as .xls or .ods is read by its labels: text beside its fields, right of
    its table and under it is reported there too, and its own labels, totals and instructions are not. (A field
    left empty there takes the text right of its label as its value: read and checked, not lost.)"""
    form = fill_form(blank_form("visit_record"), header={**HEADER, "fill_date": "2026-11-27"}, rows={"visits": [VISIT]})
    table = _table_range(form, "t_visits")
    _, field = _field_cell(form, "fill_date")
    below = openpyxl.load_workbook(io.BytesIO(form))[SHEET].max_row + 2
    cells = {
        f"{get_column_letter(field.max_col + 1)}{field.min_row}": "下周休假",
        f"{get_column_letter(table.max_col + 1)}{table.min_row + 1}": "附：送样",
        f"A{below}": "主管意见：同意",
    }
    sources = []
    for suffix in ("xls", "ods"):
        path = tmp_path / suffix / "v.xlsx"
        path.parent.mkdir()
        path.write_bytes(_typed(form, cells))
        sources.append(path)
    for path, suffix in zip(sources, ("xls", "ods")):
        libreoffice([path], suffix, inbox / suffix)
    run, outside = _run(inbox, master, tmp_path, {})
    assert [o.status for o in run.result.outcomes] == ["accepted", "accepted"]
    assert sorted((r[0], r[2], r[4]) for r in outside) == sorted(
        (f"{suffix}/v.{suffix}", ref, text) for suffix in ("xls", "ods") for ref, text in cells.items()
    )


def test_sheets_of_seven_million_cells_each_are_looked_at_up_to_a_limit_and_the_form_lands(
    master: Path, inbox: Path, tmp_path: Path
) -> None:
    """Two cells, A1 and ZZ9999, make a sheet of 7 million cells for a reader, in a file of a few kilobytes; the
    screening caps one sheet's area, not the sum over ten such sheets (they ran a worker out of memory and refused
    the form). Sheets past 8 million cells looked at are named in one warning; those before are reported."""

    def add_sheets(book: openpyxl.Workbook) -> None:
        for i in range(10):
            sheet = book.create_sheet(f"数据{i}")
            sheet["A1"], sheet["ZZ9999"] = f"粘贴{i}", "末"

    run, outside = _run(inbox, master, tmp_path, {"v.xlsx": edit_workbook(_visits(), add_sheets)})
    [outcome] = run.result.outcomes
    assert (outcome.status, outcome.rows_added) == ("accepted", 1)
    assert [(r[1], r[2], r[4]) for r in outside] == [
        ("数据0", "A1", "粘贴0"),
        ("数据0", "ZZ9999", "末"),
        ("数据1", "A1", "粘贴1"),
        ("数据1", "ZZ9999", "末"),
    ]
    assert [i.en for i in outcome.warnings if "not looked at" in i.en] == [
        "sheets 数据2, 数据3, 数据4, 数据5, 数据6, 数据7, 数据8, 数据9 were not looked at for text outside the form's "
        "fields: the sheets before them hold 8,000,000 cells or more"
    ]


def test_the_sheets_of_cells_not_listed_are_named_up_to_ten(master: Path, inbox: Path, tmp_path: Path) -> None:
    """A workbook may hold two thousand sheets: the warning counting the cells not listed names ten of them."""

    def add_sheets(book: openpyxl.Workbook) -> None:
        for i in range(125):
            book.create_sheet(f"S{i}")["A1"] = "备注"

    run, _ = _run(inbox, master, tmp_path, {"v.xlsx": edit_workbook(_visits(), add_sheets)})
    [outcome] = run.result.outcomes
    named = ", ".join(f"S{i}" for i in range(100, 110))
    assert [i.en for i in outcome.warnings if "not listed" in i.en] == [
        f"25 more cell(s) hold text outside the form's fields (sheets {named} and 15 more sheet(s)): not listed one "
        "by one"
    ]


@pytest.mark.parametrize("lang", FORM_LANGS)
@pytest.mark.parametrize("named", [None, "fr"])
def test_a_copy_whose_meta_names_no_form_language_is_still_looked_at(lang: FormLang, named: str | None) -> None:
    """The language row of the hidden _meta cleared or changed: the copy is compared with the form in the language
    its sheet shows (it was not looked at at all, so a note typed beside a field went unreported)."""
    sheet = form_sheet_name(load_form("visit_record"), lang)
    filled = fill_form(blank_form("visit_record", lang=lang), header=HEADER, rows={"visits": [VISIT]})
    right = f"{get_column_letter(openpyxl.load_workbook(io.BytesIO(filled))[sheet].max_column + 2)}5"

    def forge(book: openpyxl.Workbook) -> None:
        meta = book["_meta"]
        row = next(r for r in meta.iter_rows() if r[0].value == "lang")
        row[1].value = named

    forged = edit_workbook(_typed(filled, {right: "下周休假"}, sheet), forge)
    assert _outside(_outcome(forged)) == [(sheet, right)]


def test_numbers_and_booleans_typed_outside_are_quoted_as_the_sheet_shows_them(
    master: Path, inbox: Path, tmp_path: Path
) -> None:
    """The report is a document: 42 typed beside the form is quoted as 42, not 42.0, and TRUE as TRUE, not Python's
    True; a formula-looking text stays text."""
    sheet = openpyxl.load_workbook(io.BytesIO(_visits()))[SHEET]
    column = get_column_letter(sheet.max_column + 2)

    def typed(book: openpyxl.Workbook) -> None:
        cells = book[SHEET]
        cells[f"{column}5"], cells[f"{column}6"], cells[f"{column}7"] = 42, True, dt.datetime(2026, 11, 30)
        cells[f"{column}8"] = "=cmd|' /C calc'!A0"
        cells[f"{column}8"].data_type = "s"  # typed as text (a leading apostrophe in Excel)

    _, outside = _run(inbox, master, tmp_path, {"v.xlsx": edit_workbook(_visits(), typed)})
    assert [(r[2], r[4]) for r in outside] == [
        (f"{column}5", "42"),
        (f"{column}6", "TRUE"),
        (f"{column}7", "2026-11-30"),
        (f"{column}8", "=cmd|' /C calc'!A0"),
    ]
    report = openpyxl.load_workbook(tmp_path / "report.xlsx")["错误"]
    assert all(c.data_type == "s" for row in report.iter_rows(min_row=2) for c in row if c.value is not None)
    assert f"单元格 {column}5 填有表单字段以外的内容，未读入总表：42" in outside[0][5]


def test_a_number_or_a_date_typed_outside_is_quoted_as_the_rep_sees_it(
    master: Path, inbox: Path, tmp_path: Path
) -> None:
    """A whole number is quoted without ``.0`` and a date as its day, in the value column and the message alike."""
    form = _visits()
    right = get_column_letter(_table_range(form, "t_visits").max_col + 1)
    typed = _typed(form, {f"{right}8": 123, f"{right}9": dt.datetime(2026, 11, 28), f"{right}10": 2.5})
    _, outside = _run(inbox, master, tmp_path, {"v.xlsx": typed})
    assert [(r[2], r[4], r[5].rpartition("：")[2]) for r in outside] == [
        (f"{right}8", "123", "123"),
        (f"{right}9", "2026-11-28", "2026-11-28"),
        (f"{right}10", "2.5", "2.5"),
    ]


@pytest.mark.libreoffice
def test_a_note_right_of_an_empty_field_on_an_xls_or_ods_is_no_value_of_the_field(
    master: Path, inbox: Path, tmp_path: Path, libreoffice: Callable[..., list[Path]]
) -> None:
    """Read by its labels, an empty field took the first text up to six cells right of its label, past the form's
    last column: a note typed right of the form beside an empty free-text field (所需产品) became the field's value,
    neither read as typed nor reported. Only the form's own columns hold a field's value; the note is reported."""
    form = fill_form(
        blank_form("customer_card"), header={"rep": "张三", "customer_id": "C001", "name": "广州华强贸易有限公司"}
    )
    _, field = _field_cell(form, "products_needed")
    beside = f"{get_column_letter(field.max_col + 1)}{field.min_row}"
    assert (
        field.max_col
        == openpyxl.load_workbook(io.BytesIO(form))[form_sheet_name(load_form("customer_card"), "zh")].max_column
    )
    sheet = form_sheet_name(load_form("customer_card"), "zh")
    path = tmp_path / "src" / "card.xlsx"
    path.parent.mkdir()
    path.write_bytes(_typed(form, {beside: "所需产品见附件"}, sheet))
    for suffix in ("xls", "ods"):
        libreoffice([path], suffix, inbox / suffix)
    run, outside = _run(inbox, master, tmp_path, {})
    assert sorted((r[0], r[2], r[4]) for r in outside) == [
        ("ods/card.ods", beside, "所需产品见附件"),
        ("xls/card.xls", beside, "所需产品见附件"),
    ]
    assert all(o.status == "accepted" for o in run.result.outcomes)


def _retyped(form: bytes, spec: FormSpec, lang: FormLang) -> bytes:
    """A workbook without _meta holding what the form and instructions sheets show, as a rep retypes (or pastes the
    values of) a form into a workbook of their own: no tables, no defined names, no hidden sheets."""
    source = openpyxl.load_workbook(io.BytesIO(form))
    book = openpyxl.Workbook()
    book.active.title = form_sheet_name(spec, lang)
    for name in (form_sheet_name(spec, lang), instructions_sheet_name(lang)):
        sheet = book[name] if name in book.sheetnames else book.create_sheet(name)
        for row in source[name].iter_rows():
            for cell in row:
                if cell.value is not None:
                    sheet[cell.coordinate] = cell.value
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_a_retyped_workbook_reports_a_note_beside_its_table_and_its_lines_land(
    master: Path, inbox: Path, tmp_path: Path
) -> None:
    """A form retyped by hand (no _meta, recognised by its headers): its title, labels typed with or without their *
    and colon, headers and notes are the form's; a note beside the table and a remark under it are reported, the
    supervisor's opinion right of its label is read."""
    spec = load_form("visit_record")
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "十一月第四周"
    sheet.append(["广州某某润滑油有限公司"])
    sheet.append([spec.title.zh])
    sheet.append(["*业务员：", "张三", "期间:", "2026-W48"])
    sheet.append([])
    sheet.append(
        ["回访日期", "*客户编号", "客户名称", "拜访对象", "方式", "回访记录", "客户评价", None, "张三下周休假"]
    )
    sheet.append(["2026-11-23", "C001", "华强", "刘总", "电话", "确认订单", "良好"])
    sheet.append(["2026-11-24", "C002", "永利", "", "面谈", "看新厂房", "一般"])
    sheet.append([])
    sheet.append(["说明："])
    sheet.append([f"1、{spec.notes[0].zh}"])
    sheet.append(["主管意见", None, "同意"])  # a field's value: right of its label
    sheet.append([])
    sheet.append(["以上两家上周漏报，今天补录"])
    book.save(inbox / "自己做的表.xlsx")
    run = run_consolidation(inbox, master, lang="zh", report=tmp_path / "report.xlsx", now=NOW)
    [outcome] = run.result.outcomes
    assert (outcome.status, outcome.form_id, outcome.rows_added) == ("accepted", "visit_record", 2)
    assert load_store(master).frame("Visits")["content"].tolist() == ["确认订单", "看新厂房"]
    assert outcome.header["supervisor_opinion"] == "同意"
    outside = [r for r in table_rows(run.report, "错误")[1:] if OUTSIDE_ZH in r[5]]
    assert [(r[0], r[1], r[2], r[4]) for r in outside] == [
        ("自己做的表.xlsx", "十一月第四周", "I5", "张三下周休假"),
        ("自己做的表.xlsx", "十一月第四周", "A13", "以上两家上周漏报，今天补录"),
    ]


def test_a_retyped_quotation_in_english_keeps_its_total_and_reports_a_remark() -> None:
    """The rep's own Total row and the 0 a dragged-down amount formula shows on blank lines are the form's; a remark
    typed under the form is reported, and the quotation and its line are read."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Quotation"])
    sheet.append(["Quote no.", "Q9", "Quote date", "2026-11-20", "Customer ID", "C002"])
    sheet.append(["Product", "Qty", "Unit price", "Amount"])
    sheet.append(["Gear oil", 2, 100, 200])
    sheet.append([None, None, None, 0])
    sheet.append([None, None, "Total", 200])
    sheet.append([])
    sheet.append(["Quoted by", "Zhang San"])
    sheet.append([])
    sheet.append(["Price valid while stock lasts"])
    out = io.BytesIO()
    book.save(out)
    outcome = _outcome(out.getvalue())
    assert _outside(outcome) == [("Sheet", "A10")]
    assert outcome.header["quoted_by"] == "Zhang San"
    assert [r.values["product"] for r in outcome.rows] == ["Gear oil"]


@pytest.mark.parametrize("lang", FORM_LANGS)
@pytest.mark.parametrize("form_id", sorted(f for f in ROUTES if load_form(f).tables))
def test_every_form_retyped_gives_no_warning_for_its_own_texts_and_one_for_a_note(form_id: str, lang: FormLang) -> None:
    """Every consolidated form with a table, in every language, retyped blank (title, labels, headers, totals,
    notes, the instructions): none of it is typed text; a note typed right of it is."""
    spec = load_form(form_id)
    retyped = _retyped(blank_form(form_id, lang=lang), spec, lang)
    assert _outside(_outcome(retyped)) == []
    sheet = form_sheet_name(spec, lang)
    right = f"{get_column_letter(openpyxl.load_workbook(io.BytesIO(retyped))[sheet].max_column + 2)}5"
    assert _outside(_outcome(_typed(retyped, {right: "附：送样清单"}, sheet))) == [(sheet, right)]
