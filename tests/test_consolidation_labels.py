"""Every field a consolidation names is named in the language of the document that names it, whatever the language
of the master and of the forms: a zh form in an English report is "Visit date", an English form in a zh report
回访日期; a bilingual form's quarantine note gives each language its own."""

from __future__ import annotations

import io
from pathlib import Path

import openpyxl
import pandas as pd
from reportbook import table_rows

from keyacct_xl.cli.consolidate_cmd import REFUSED
from keyacct_xl.cli.main import main
from keyacct_xl.consolidate.simulate import blank_form, fill_form
from keyacct_xl.forms.layout import FormLang, field_cell_name
from keyacct_xl.headers import title_case
from keyacct_xl.i18n import Lang
from keyacct_xl.master.model import Master
from keyacct_xl.master.writer import save_master

ERRORS_SHEET = 3  # Summary, By form, Files, Errors, ...


def _master(folder: Path, lang: Lang) -> Path:
    m = Master.empty(lang=lang)
    m.customers = pd.DataFrame({"customer_id": ["C001"], "name": ["广州华强贸易有限公司"], "rep": ["张三"]})
    return save_master(m, folder / "master.xlsx", backup=False)


def _visit_record(lang: FormLang) -> bytes:
    """A week's visits with an unreadable header date, a line without a readable date (refused) and a rating no
    choice names (left blank, the line kept)."""
    return fill_form(
        blank_form("visit_record", lang=lang, lines={"visits": 2}),
        header={"rep": "张三", "period": "2026-W48", "approval_date": "月底"},
        rows={
            "visits": [
                {"date": "下周", "customer_id": "C001"},
                {"date": "2026-11-24", "customer_id": "C001", "rating": "马马虎虎"},
            ]
        },
    )


def _consolidate(inbox: Path, master: Path, report: Path, lang: Lang, *more: str, refused: bool = False) -> None:
    """Run the command; a run that refused a file exits with REFUSED."""
    args = ["consolidate", str(inbox), "--into", str(master), "--report", str(report), "--lang", lang, *more]
    assert main(args) == (REFUSED if refused else 0)


def _fields(report: Path) -> dict[str, tuple[str, str]]:
    """The report's Errors sheet, read back: the value each issue quotes -> (its Field cell, its Severity cell)."""
    _, *rows = table_rows(report, ERRORS_SHEET)
    return {str(value): (field, severity) for _, _, _, field, value, _, severity in rows if value}


def test_an_english_report_of_zh_forms_names_their_fields_in_english(tmp_path: Path, inbox: Path) -> None:
    master, report = _master(tmp_path, "zh"), tmp_path / "report.xlsx"
    (inbox / "visits.xlsx").write_bytes(_visit_record("zh"))
    _consolidate(inbox, master, report, "en")
    assert _fields(report) == {
        "月底": ("Approval date", "error"),  # a header field
        "下周": ("Visit date", "error"),  # a table cell: its line is refused
        "马马虎虎": ("Rating", "warning"),  # left blank, the line kept
    }


def test_a_zh_report_of_english_forms_names_their_fields_in_chinese(tmp_path: Path, inbox: Path) -> None:
    master, report = _master(tmp_path, "en"), tmp_path / "report.xlsx"
    (inbox / "visits.xlsx").write_bytes(_visit_record("en"))
    _consolidate(inbox, master, report, "zh")
    assert _fields(report) == {
        "月底": ("审批日期", "错误"),
        "下周": ("回访日期", "错误"),
        "马马虎虎": ("客户评价", "提示"),
    }


def test_a_master_column_is_named_in_the_report_language(tmp_path: Path, inbox: Path) -> None:
    """A field named by the master's column rather than a form's label (a rep filing for no customer of theirs)."""
    master, report = _master(tmp_path, "zh"), tmp_path / "report.xlsx"
    (inbox / "visits.xlsx").write_bytes(
        fill_form(
            blank_form("visit_record", lines={"visits": 1}),
            header={"rep": "王五", "period": "2026-W48"},
            rows={"visits": [{"date": "2026-11-24", "customer_id": "C001"}]},
        )
    )
    _consolidate(inbox, master, report, "en", refused=True)  # no line of 王五's is theirs to file
    assert _fields(report)["王五"] == ("Sales Rep", "warning")


def test_the_quarantine_note_names_each_field_in_the_language_of_its_line(tmp_path: Path, inbox: Path) -> None:
    """A bilingual form's note goes back in both languages (a zh or en form's, in its own: test_master_language)."""
    master, quarantine = _master(tmp_path, "zh"), tmp_path / "quarantine"
    (inbox / "visits.xlsx").write_bytes(_visit_record("bilingual"))
    _consolidate(
        inbox, master, tmp_path / "report.xlsx", "en", "--strict", "--quarantine", str(quarantine), refused=True
    )
    note = (quarantine / "visits.xlsx.reason.txt").read_text(encoding="utf-8")
    zh, en = note.split("\nReason: ")
    assert "审批日期" in zh and "回访日期" in zh and "Approval date" not in zh
    assert "Approval date" in en and "Visit date" in en and "审批日期" not in en and "回访日期" not in en


def test_a_field_whose_cell_name_was_deleted_is_named_by_its_label(tmp_path: Path, inbox: Path) -> None:
    """A rep deleted the name of the approval date's cell (Formulas > Name Manager): the warning names the field as
    the form shows it, in the report's language, never by its key."""
    master, report = _master(tmp_path, "zh"), tmp_path / "report.xlsx"
    book = openpyxl.load_workbook(io.BytesIO(_visit_record("zh")))
    del book.defined_names[field_cell_name("approval_date")]
    book.save(inbox / "visits.xlsx")
    _consolidate(inbox, master, report, "en")
    _, *rows = table_rows(report, ERRORS_SHEET)
    warned = [row[-2] for row in rows if "name f_approval_date was deleted" in str(row[-2])]
    assert warned == [
        "the form's cell for Approval date is gone (its name f_approval_date was deleted): the field is not read"
    ]


def _visits_with_extras(lang: FormLang) -> bytes:
    """Two visits with the form's Service and Customer name fields, which no column of Visits holds."""
    return fill_form(
        blank_form("visit_record", lang=lang, lines={"visits": 2}),
        header={"rep": "张三", "period": "2026-W48"},
        rows={
            "visits": [
                {"date": "2026-11-23", "customer_id": "C001", "customer_name": "华强", "service": "油品检测"},
                {"date": "2026-11-24", "customer_id": "C001", "customer_name": "华强贸易", "service": "换油"},
            ]
        },
    )


def test_a_form_field_no_master_column_holds_is_headed_in_the_masters_language_and_case(
    tmp_path: Path, inbox: Path
) -> None:
    """The Service and Customer name of a visit record are kept in Visits under the form's labels in the master's
    language, whatever the form's and the run's language; in English in the Title Case of the master's own headers
    (Customer ID, Next Date), not the form's sentence case (Customer name)."""
    for master_lang, form_lang, run_lang, service, name in (
        ("en", "zh", "zh", "Service", "Customer Name"),
        ("zh", "en", "en", "服务项目", "客户名称"),
    ):
        folder = tmp_path / master_lang
        folder.mkdir()
        (folder / "inbox").mkdir()
        master = _master(folder, master_lang)
        (folder / "inbox" / "visits.xlsx").write_bytes(_visits_with_extras(form_lang))
        _consolidate(folder / "inbox", master, folder / "report.xlsx", run_lang)
        sheet = openpyxl.load_workbook(master)["Visits" if master_lang == "en" else "拜访记录"]
        headers = [c.value for c in sheet[1]]
        assert headers.count(service) == 1 and headers.count(name) == 1, headers
        rows = list(sheet.iter_rows(min_row=2, values_only=True))
        assert [r[headers.index(service)] for r in rows] == ["油品检测", "换油"]
        assert [r[headers.index(name)] for r in rows] == ["华强", "华强贸易"]
    assert title_case("Customer name") == "Customer Name"
    assert title_case("Payment terms (days)") == "Payment Terms (days)"
    assert title_case("over 180 days overdue") == "Over 180 Days Overdue"
    assert title_case("Share of category") == "Share of Category" and title_case("File SHA-256") == "File SHA-256"


def test_an_extra_column_of_an_earlier_run_in_another_case_takes_the_new_rows(tmp_path: Path, inbox: Path) -> None:
    # Visits has the field as "SERVICE" (typed so, or kept by an earlier run): the new rows go there, not into a
    # second column beside it
    m = Master.empty(lang="en")
    m.customers = pd.DataFrame({"customer_id": ["C001"], "name": ["广州华强贸易有限公司"], "rep": ["张三"]})
    m.visits = pd.DataFrame(
        {"date": [pd.Timestamp("2026-11-02")], "customer_id": ["C001"], "rep": ["张三"], "SERVICE": ["旧记录"]}
    )
    master = save_master(m, tmp_path / "master.xlsx", backup=False)
    (inbox / "visits.xlsx").write_bytes(_visits_with_extras("en"))
    _consolidate(inbox, master, tmp_path / "report.xlsx", "en")
    sheet = openpyxl.load_workbook(master)["Visits"]
    headers = [c.value for c in sheet[1]]
    assert [h for h in headers if str(h).lower() == "service"] == ["SERVICE"]
    column = headers.index("SERVICE")
    assert [r[column] for r in sheet.iter_rows(min_row=2, values_only=True)] == ["旧记录", "油品检测", "换油"]


def test_a_visit_picked_by_id_alone_is_named_where_visits_name_their_customer(tmp_path: Path, inbox: Path) -> None:
    # Visits names its customers (a rep typed one name): the visit whose customer was picked by id gets the master's
    master = _master(tmp_path, "en")
    form = fill_form(
        blank_form("visit_record", lang="en", lines={"visits": 2}),
        header={"rep": "张三", "period": "2026-W48"},
        rows={
            "visits": [
                {"date": "2026-11-23", "customer_id": "C001", "customer_name": "华强"},
                {"date": "2026-11-24", "customer_id": "C001"},
            ]
        },
    )
    (inbox / "visits.xlsx").write_bytes(form)
    _consolidate(inbox, master, tmp_path / "report.xlsx", "en")
    sheet = openpyxl.load_workbook(master)["Visits"]
    headers = [c.value for c in sheet[1]]
    names = [r[headers.index("Customer Name")] for r in sheet.iter_rows(min_row=2, values_only=True)]
    assert names == ["华强", "广州华强贸易有限公司"]


def test_no_form_field_kept_as_an_extra_column_takes_a_master_column_by_its_label() -> None:
    """A field no master column holds is kept under its label; a label equal to a column's header (target
    breakdown's 全年合计, labelled Year in English, against SalesTargets' Year) would land in that column instead.
    Only the rep's signature on a breakdown line is meant to: it is SalesTargets' 本人确认."""
    from keyacct_xl.consolidate.routes import ROUTES
    from keyacct_xl.forms.catalog import load_form
    from keyacct_xl.headers import normalize_header, title_case
    from keyacct_xl.master.submissions import ALL_CONSOLIDATION_TABLES

    taken = set()
    for form_id, route in ROUTES.items():
        spec = load_form(form_id)
        for section_id, table in route.rows.items():
            schema = ALL_CONSOLIDATION_TABLES[table]
            headers = {normalize_header(h): c.key for c in schema.columns for h in (c.en, c.zh)}
            for field in spec.section(section_id).fields:
                target = (field.maps_to or "").partition(".")[0]
                if target in (*route.rows.values(), *route.header_tables) or field.key in schema.keys:
                    continue
                for label in (title_case(field.label.en), field.label.zh):
                    if normalize_header(label) in headers:
                        taken.add((form_id, field.key, headers[normalize_header(label)]))
    assert taken == {("target_breakdown", "rep_signature", "confirmed_by")}
