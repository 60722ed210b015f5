"""Form workbooks for the whole catalog, read back by openpyxl and python-calamine, and printed by LibreOffice."""

from __future__ import annotations

import datetime as dt
import re
import warnings
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from openpyxl.utils.datetime import from_excel
from openpyxl.worksheet.worksheet import Worksheet
from python_calamine import CalamineWorkbook
from reportbook import pdf_pages

from keyacct_xl.consolidate.run import consolidate
from keyacct_xl.forms.catalog import load_catalog, load_form
from keyacct_xl.forms.generator import FormData, build_form, write_form
from keyacct_xl.forms.layout import (
    FORM_LANGS,
    LISTS_SHEET,
    META_SHEET,
    choice_labels,
    field_cell_name,
    form_sheet_name,
    instructions_sheet_name,
    table_name,
    text_for,
    title_section,
)
from keyacct_xl.forms.meta import COMPANY_KEY, META_KEYS
from keyacct_xl.forms.printsetup import header_footer
from keyacct_xl.forms.spec import FieldSpec, FormSpec
from keyacct_xl.master.model import Master
from keyacct_xl.master.writer import save_master

CATALOG = load_catalog()
_DV_TYPES = {
    "choice": "list",
    "yes_no": "list",
    "date": "date",
    "time": "time",
    "integer": "whole",
    "number": "decimal",
    "money": "decimal",
    "percent": "decimal",
    "email": "custom",
    "phone": "textLength",
}


def read_meta(values: list[list[object]]) -> tuple[dict[str, str], list[list[str]]]:
    """The key/value block and the field rows of a ``_meta`` sheet's cell values."""
    meta, row = {}, 1
    while row < len(values) and values[row][0]:
        meta[str(values[row][0])] = "" if values[row][1] is None else str(values[row][1])
        row += 1
    fields = [[("" if v is None else str(v)) for v in r[:6]] for r in values[row + 2 :] if r and r[0]]
    return meta, fields


def _validation_at(ws: Worksheet, cell: str) -> str | None:
    for dv in ws.data_validations.dataValidation:
        if cell in dv.sqref:
            return dv.type or "any"
    return None


def _check_field(ws: Worksheet, cell: str, field: FieldSpec, *, locked_ok: bool = False) -> None:
    expected = _DV_TYPES.get(field.type)
    found = _validation_at(ws, cell)
    if field.formula:
        assert ws[cell].protection.locked, f"{field.key}: formula cell must be locked"
        return
    assert not ws[cell].protection.locked or locked_ok, f"{field.key}: input cell {cell} is locked"
    if expected:
        assert found == expected, f"{field.key} at {cell}: validation {found}, expected {expected}"


def check_form_workbook(path: Path, spec: FormSpec, lang: str, *, meta: dict[str, str] | None = None) -> None:
    """Assert everything the issue asks of a generated form, through openpyxl and calamine."""
    book = openpyxl.load_workbook(path)
    sheet_name = form_sheet_name(spec, lang)
    assert book.sheetnames[:2] == [sheet_name, instructions_sheet_name(lang)]
    assert book.sheetnames[-1] == META_SHEET and book[META_SHEET].sheet_state == "veryHidden"
    if LISTS_SHEET in book.sheetnames:
        assert book[LISTS_SHEET].sheet_state == "hidden"
    ws = book[sheet_name]
    assert ws.protection.sheet and book[instructions_sheet_name(lang)].protection.sheet
    setup = ws.page_setup
    assert (setup.paperSize, setup.orientation) == (9, spec.orientation)
    assert ws.sheet_properties.pageSetUpPr.fitToPage and setup.fitToHeight == 0 and setup.fitToWidth in (None, 1)
    assert ws.print_title_rows == "$1:$4" and ws.print_area
    # the header names the form by its title and version in the form's language, never by its id
    zh, en = f"{spec.title.zh}　版本：{spec.version}", f"{spec.title.en}, version {spec.version}"
    named = {"zh": zh, "en": en, "bilingual": f"{zh} / {en}"}[lang]
    assert ws.oddHeader.right.text == named and "&P" in ws.oddFooter.center.text
    assert ws.freeze_panes is not None
    got, fields = read_meta([list(r) for r in book[META_SHEET].iter_rows(values_only=True)])
    # the company row only in a form made for a company, naming the company its title block shows
    assert [k for k in got if not k.startswith("prefilled.")] in (list(META_KEYS), [*META_KEYS, COMPANY_KEY])
    assert got.get(COMPANY_KEY, "") == (ws["A1"].value or "")
    # after them, the manager-set fields a pre-filled form shows (a rep leaving them is no change)
    prefilled = {k.removeprefix("prefilled.") for k in got if k.startswith("prefilled.")}
    assert prefilled <= {f.key for f in spec.header_fields if f.manager_only}
    assert got["form_id"] == spec.id and got["version"] == str(spec.version) and got["spec_hash"] == spec.hash
    assert got["lang"] == lang and got["form_sheet"] == sheet_name
    for key, value in (meta or {}).items():
        assert got[key] == value, key
    expected_rows = 0
    for section in (title_section(spec), *[s for s in spec.sections if s.kind == "fields"]):
        for field in section.fields:
            ((sheet, cell),) = book.defined_names[field_cell_name(field.key)].destinations
            assert sheet == sheet_name
            _check_field(ws, cell.replace("$", ""), field)
            assert ws[cell.replace("$", "")].offset(column=-1).protection.locked or field.lines > 1
            expected_rows += 1
    for section in spec.tables:
        table = ws.tables[table_name(section.id)]
        headers = [c.name for c in table.tableColumns]
        assert headers == [text_for(f.label, lang, " ") for f in section.fields]
        first_body = int(table.ref.split(":")[0].lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")) + 1
        assert int(table.ref.split(":")[1].lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")) - first_body + 1 >= section.rows
        for i, field in enumerate(section.fields):
            _check_field(ws, f"{openpyxl.utils.get_column_letter(i + 1)}{first_body}", field)
        expected_rows += len(section.fields)
    assert len(fields) == expected_rows
    _check_with_calamine(path, spec, lang, got)


def _check_with_calamine(path: Path, spec: FormSpec, lang: str, meta: dict[str, str]) -> None:
    book = CalamineWorkbook.from_path(str(path), load_tables=True)
    assert book.sheet_names[-1] == META_SHEET
    got, _ = read_meta(book.get_sheet_by_name(META_SHEET).to_python())
    assert got == meta
    for section in spec.tables:
        table = book.get_table_by_name(table_name(section.id))
        assert table.sheet == form_sheet_name(spec, lang)
        assert list(table.columns) == [text_for(f.label, lang, " ") for f in section.fields]


def test_catalog_covers_the_domain_forms() -> None:
    assert len(CATALOG) >= 22
    for spec in CATALOG:
        fields = [f for s in spec.sections for f in s.fields]
        assert len(fields) >= 6, f"{spec.id} is a toy form"


@pytest.fixture(scope="module")
def catalog_books(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[tuple[Path, FormSpec]]]:
    """The whole catalogue written once in each language; the tests only read and print it."""
    root, books = tmp_path_factory.mktemp("catalog"), {}
    for lang in FORM_LANGS:
        (root / lang).mkdir()
        books[lang] = [
            (write_form(root / lang / f"{spec.id}.xlsx", spec, lang=lang, company="示例贸易有限公司"), spec)
            for spec in CATALOG
        ]
    return books


@pytest.mark.parametrize("lang", FORM_LANGS)
def test_whole_catalog_reads_back(catalog_books: dict[str, list[tuple[Path, FormSpec]]], lang: str) -> None:
    for path, spec in catalog_books[lang]:
        check_form_workbook(path, spec, lang)


def test_same_inputs_same_bytes() -> None:
    spec = load_form("customer_card")
    assert build_form(spec, lang="bilingual", company="甲") == build_form(spec, lang="bilingual", company="甲")
    assert build_form(spec, lang="zh") != build_form(spec, lang="en")


def test_choices_validations_and_messages_in_the_form_language(tmp_path: Path) -> None:
    spec = load_form("customer_card")
    for lang in ("zh", "en"):
        book = openpyxl.load_workbook(write_form(tmp_path / f"card_{lang}.xlsx", spec, lang=lang))
        ws = book.worksheets[0]
        ((_, cell),) = book.defined_names["f_industry"].destinations
        dv = next(d for d in ws.data_validations.dataValidation if cell.replace("$", "") in d.sqref)
        industry = spec.section("basic").fields[[f.key for f in spec.section("basic").fields].index("industry")]
        if lang == "zh":  # short enough for an inline list
            assert dv.formula1 == '"' + ",".join(choice_labels(industry, lang)) + '"'
        else:  # English labels hold commas: the list comes from the hidden lists sheet behind a name
            assert dv.formula1 == "l_basic_industry" and dv.showDropDown in (None, False)
            lists = [r[0] for r in book[LISTS_SHEET].iter_rows(values_only=True) if r[0]]
            assert lists[: len(industry.choices)] == choice_labels(industry, lang)
        ((_, cell),) = book.defined_names["f_founded"].destinations
        dv = next(d for d in ws.data_validations.dataValidation if cell.replace("$", "") in d.sqref)
        assert dv.type == "date" and dv.errorStyle in (None, "stop") and dv.showErrorMessage
        assert ("日期" in dv.error) == (lang == "zh") and ("date" in dv.error) == (lang == "en")
        ((_, cell),) = book.defined_names["f_grade"].destinations
        dv = next(d for d in ws.data_validations.dataValidation if cell.replace("$", "") in d.sqref)
        assert dv.formula1 == '"VIP,A,B,C"' and dv.prompt


def test_instructions_sheet_lists_every_field(tmp_path: Path) -> None:
    spec = load_form("contact_profile")
    book = openpyxl.load_workbook(write_form(tmp_path / "p.xlsx", spec, lang="zh"))
    rows = [r for r in book["填表说明"].iter_rows(values_only=True)]
    header = rows.index(("栏目", "字段", "说明", "类型", "允许值", "必填"))
    body = {r[1]: r for r in rows[header + 1 :]}
    assert len(body) == len(spec.title_fields) + sum(len(s.fields) for s in spec.sections)
    assert body["姓名"][5] == "是" and body["健康状况"][2].startswith("【敏感个人信息】")
    assert body["学历"][4] == "高中及以下、大专、本科、硕士、博士"
    # The input message of a sensitive field says so too.
    ws = book.worksheets[0]
    ((_, cell),) = book.defined_names["f_health"].destinations
    dv = next(d for d in ws.data_validations.dataValidation if cell.replace("$", "") in d.sqref)
    assert "敏感个人信息" in dv.prompt


def test_date_validation_takes_birthdays_and_founding_dates(tmp_path: Path) -> None:
    # A contact born in 1975 or a company founded in 1992 must be accepted by Excel's date check.
    for form_id, name in (("contact_profile", "f_birthday"), ("customer_card", "f_founded")):
        book = openpyxl.load_workbook(write_form(tmp_path / f"{form_id}.xlsx", load_form(form_id)))
        ((_, cell),) = book.defined_names[name].destinations
        dv = next(d for d in book.worksheets[0].data_validations.dataValidation if cell.replace("$", "") in d.sqref)
        # XlsxWriter writes 1900-01-01 as serial 0 (its time-only date); 18264 is 1950-01-01.
        assert dv.type == "date" and float(dv.formula1) <= 18264 and from_excel(18264) == dt.datetime(1950, 1, 1)


def test_data_for_missing_fields_is_refused_not_dropped() -> None:
    spec = load_form("visit_record")
    with pytest.raises(ValueError, match=r"visit_record: data for fields the form does not have: nope, visits\.colour"):
        build_form(spec, data=FormData(header={"nope": 1}, rows={"visits": [{"colour": "red"}]}))
    with pytest.raises(ValueError, match=r"ghost"):
        build_form(spec, data=FormData(rows={"ghost": []}))


def test_header_keeps_a_company_name_that_starts_with_a_digit() -> None:
    # "&8" then "58同城" reads the digits as part of the font size; a space keeps the size 8 and the name whole.
    header, _ = header_footer(load_form("quotation"), "zh", "58同城 & Co")
    assert header.startswith("&L&8 58同城 && Co&R&8报价单　版本：")


def test_a_company_name_too_long_for_the_page_header_is_cut_not_the_header_dropped(tmp_path: Path) -> None:
    # Excel's header holds 255 characters: XlsxWriter dropped the whole header (form id and version too) with a
    # Python warning on the console.
    spec = load_form("quotation")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        book = openpyxl.load_workbook(write_form(tmp_path / "q.xlsx", spec, company="长" * 300 + "&"))
    header = book.worksheets[0].oddHeader
    assert header.left.text.startswith("长" * 200) and header.left.text.endswith("…")
    assert header.right.text == f"{spec.title.zh}　版本：{spec.version}"


def test_password_protects_the_form(tmp_path: Path) -> None:
    book = openpyxl.load_workbook(write_form(tmp_path / "q.xlsx", load_form("quotation"), password="s3cret"))
    assert book.worksheets[0].protection.sheet and book.worksheets[0].protection.password


def test_spec_format_overrides_the_number_format(tmp_path: Path) -> None:
    book = openpyxl.load_workbook(write_form(tmp_path / "r.xlsx", load_form("followup_report")))
    ((_, cell),) = book.defined_names["f_duration_hours"].destinations
    assert book.worksheets[0][cell.replace("$", "")].number_format == "0.0"
    ((_, cell),) = book.defined_names["f_visit_date"].destinations
    assert book.worksheets[0][cell.replace("$", "")].number_format == "yyyy-mm-dd"


def test_formula_and_totals_in_the_quotation(tmp_path: Path) -> None:
    book = openpyxl.load_workbook(write_form(tmp_path / "q.xlsx", load_form("quotation")))
    ws = book.worksheets[0]
    table = ws.tables["t_items"]
    first = int(table.ref.split(":")[0][1:]) + 1
    last = int(table.ref.split(":")[1][1:])
    assert ws[f"H{first}"].value == f'=IF(COUNT(F{first},G{first})=0,"",F{first}*G{first})'
    assert ws[f"H{last + 1}"].value == f"=SUM(H{first}:H{last})"


def test_a_rate_under_one_percent_prints_as_typed(tmp_path: Path, libreoffice: Callable[..., Path]) -> None:
    # 破损补偿率 0.5 % printed as 1 % (every percent field formatted 0%): the form and the master the rate was
    # consolidated into showed a person double the rate typed.
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    form = inbox / "promotion_plan.xlsx"  # the catalogue's own filled example: 破损补偿率 0.005
    form.write_bytes((Path(__file__).parents[1] / "workbooks" / "examples" / form.name).read_bytes())
    printed = "\n".join(pdf_pages(libreoffice(form, "pdf", tmp_path / "pdf")))
    assert re.search(r"破损补偿率\s+0\.5%", printed), printed
    master = Master.empty()
    master.customers = pd.DataFrame({"customer_id": ["C0002"], "name": ["西安凯瑞物资有限公司"], "rep": ["石刚洋"]})
    save_master(master, tmp_path / "master.xlsx", backup=False)
    consolidate(inbox, tmp_path / "master.xlsx")
    sheet = openpyxl.load_workbook(tmp_path / "master.xlsx")["促销计划"]
    (cell,) = [c for c in sheet[2] if c.value == 0.005]
    assert cell.number_format == "0.0%"


@pytest.mark.libreoffice
def test_libreoffice_prints_the_whole_catalog(
    catalog_books: dict[str, list[tuple[Path, FormSpec]]], tmp_path: Path, libreoffice: Callable[..., Path]
) -> None:
    for lang, books in catalog_books.items():
        for pdf in libreoffice([path for path, _ in books], "pdf", tmp_path / lang):
            assert pdf.read_bytes().startswith(b"%PDF") and pdf.stat().st_size > 5_000, pdf.name


def test_a_form_filled_in_where_a_new_one_is_written_is_kept_as_the_backup(tmp_path: Path) -> None:
    from keyacct_xl.consolidate.simulate import fill_form

    spec = load_form("customer_card")
    path = write_form(tmp_path / "customer_card.xlsx", spec)
    blank = path.read_bytes()
    filled = fill_form(blank, header={"rep": "张三", "customer_id": "C00001", "name": "客户1有限公司"})
    path.write_bytes(filled)  # a rep filled the form in the folder the manager writes forms into
    write_form(path, spec)
    assert path.read_bytes() == blank and (tmp_path / "customer_card.bak.xlsx").read_bytes() == filled
