"""A refused or warned form tells the manager and the rep where the trouble is and what to do about it.

Forms are generated, filled with openpyxl as a rep would, saved by LibreOffice where the trial's rep used it, and
consolidated through the command a manager runs.
"""

from __future__ import annotations

import datetime as dt
import io
import subprocess
import zipfile
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from reportbook import pdf_pages, table_rows

from keyacct_xl.addin.cfb import write_compound_file
from keyacct_xl.cli.main import main
from keyacct_xl.consolidate.run import consolidate
from keyacct_xl.consolidate.simulate import blank_form, fill_form
from keyacct_xl.forms.meta import FormContext
from keyacct_xl.master.model import Master
from keyacct_xl.master.writer import save_master

# The headers the trial's rep typed over the visit record's table, each close to the form's own.
PHONE_LINK = '=HYPERLINK("tel:+6561234567","+65 6123 4567")'
WEB_LINK = '=HYPERLINK("https://www.loyangoffshore.com.sg/tender","Tender page")'
RETYPED = [
    "Date",
    "Cust ID",
    "Customer",
    "Contact person",
    "Visit method",
    "Service",
    "Product",
    "Purpose",
    "Notes",
    "Customer rating",
    "Issues",
    "Actions",
    "Next visit date",
    "Signature",
]


@pytest.fixture
def master(tmp_path: Path) -> Path:
    m = Master.empty()
    m.customers = pd.DataFrame({"customer_id": ["C0004"], "name": ["Woodlands Transport"], "rep": ["Priya Nair"]})
    return save_master(m, tmp_path / "master.xlsx", backup=False)


def _retyped_visit_record(folder: Path) -> Path:
    """Priya's English visit record for 2026-W49 with one visit, its table's headers retyped by her."""
    form = fill_form(
        blank_form("visit_record", lang="en", context=FormContext(rep="Priya Nair", period="2026-W49")),
        rows={"visits": [{"date": dt.datetime(2026, 11, 30), "customer_id": "C0004", "content": "Fleet grows"}]},
    )
    book = openpyxl.load_workbook(io.BytesIO(form))
    sheet = book.worksheets[0]
    [header_row] = [row for row in sheet.iter_rows() if row[0].value == "Visit date"]
    for cell, text in zip(header_row, RETYPED, strict=False):
        cell.value = text
    folder.mkdir(exist_ok=True)
    book.save(folder / "visit_record_Priya_Nair_2026-W49.xlsx")
    return folder / "visit_record_Priya_Nair_2026-W49.xlsx"


def _files_sheet(report: Path) -> list[dict[str, object]]:
    rows = list(openpyxl.load_workbook(report)["Files"].iter_rows(min_row=4, values_only=True))
    return [dict(zip(rows[0], r, strict=True)) for r in rows[1:]]


@pytest.mark.libreoffice
def test_a_form_whose_headers_were_retyped_is_refused_naming_where_what_and_what_to_do(
    master: Path, inbox: Path, tmp_path: Path, libreoffice: Callable[..., Path], capsys: pytest.CaptureFixture[str]
) -> None:
    # Before: "visit_record: the header row of the table Visits was not found", the report's Form, Rep and Period
    # blank (counted under "no form recognised"), no console line naming the file, and exit status 0.
    libreoffice(_retyped_visit_record(tmp_path / "typed"), "ods", inbox)
    report = tmp_path / "report.xlsx"
    status = main(["--lang", "en", "consolidate", str(inbox), "--into", str(master), "--report", str(report)])
    [line] = _files_sheet(report)
    reason = str(line["Reason"])
    assert reason.startswith(
        "visit_record: the header row of the table Visits was not found on the sheet Customer Visit Record (rows 1 to "
    )
    assert "the form's headers are Visit date, Customer ID, Customer name, Contact, Method," in reason
    # what each typed header probably stands for: by the master's aliases (Cust ID) or a close label
    assert (
        "typed headers that match none of them: Cust ID (meant Customer ID?), Customer (meant Customer name?), "
        "Contact person (meant Contact?), Visit method (meant Method?), Notes, Customer rating (meant Rating?), "
        "Issues, Actions, Next visit date (meant Next visit?), Signature (meant Customer signature?)."
    ) in reason
    assert reason.endswith(
        "Type the form's headers back over the table (row 7), or copy the lines into a fresh form, and send it again"
    )
    assert (line["Status"], line["Form"], line["Rep"], line["Period"]) == (
        "rejected",
        "Customer Visit Record",
        "Priya Nair",
        "2026-W49",
    )
    out = capsys.readouterr().out
    assert f"  rejected: visit_record_Priya_Nair_2026-W49.ods: {reason}\n" in out
    assert status == 1  # a run that refused a file says so to a script or a scheduler


@pytest.mark.libreoffice
def test_a_retyped_header_refusal_is_all_chinese_for_a_chinese_manager(
    master: Path, inbox: Path, tmp_path: Path, libreoffice: Callable[..., Path]
) -> None:
    libreoffice(_retyped_visit_record(tmp_path / "typed"), "ods", inbox)
    report = tmp_path / "report.xlsx"
    assert main(["--lang", "zh", "consolidate", str(inbox), "--into", str(master), "--report", str(report)]) == 1
    rows = list(openpyxl.load_workbook(report)["文件"].iter_rows(min_row=5, values_only=True))
    reason = str(rows[0][2])
    assert reason.startswith("visit_record：在工作表 Customer Visit Record 第 1 至 ")
    assert "表单的表头是 回访日期、客户编号、客户名称" in reason
    assert "Cust ID（应为 客户编号？）" in reason
    # nothing in English but the rep's own words (the headers typed, the sheet's name) and the form's id
    rest = reason
    for own in sorted([*RETYPED, "Customer Visit Record", "visit_record"], key=len, reverse=True):
        rest = rest.replace(own, "")
    assert not any("a" <= ch.lower() <= "z" for ch in rest), rest


@pytest.mark.libreoffice
@pytest.mark.parametrize(
    ("suffix", "format_name"),
    [("ods", "an OpenDocument .ods (LibreOffice's own format)"), ("xls", "a legacy .xls (Excel 97-2003)")],
)
def test_a_form_saved_in_a_format_without_tables_gets_one_note_naming_its_sheet_and_what_to_do(
    master: Path, inbox: Path, tmp_path: Path, libreoffice: Callable[..., Path], suffix: str, format_name: str
) -> None:
    # Before, an .ods got two notes, "OpenDocument .ods read as values only" and "OpenDocument .ods: fields read by
    # their labels", neither naming a sheet nor saying whether the rep had to do anything.
    form = fill_form(
        blank_form("visit_record", lang="en", context=FormContext(rep="Priya Nair", period="2026-W49")),
        rows={"visits": [{"date": dt.datetime(2026, 11, 30), "customer_id": "C0004", "content": "Fleet grows"}]},
    )
    typed = tmp_path / "typed" / "visit_record_Priya_Nair_2026-W49.xlsx"
    typed.parent.mkdir()
    typed.write_bytes(form)
    libreoffice(typed, suffix, inbox)
    [outcome] = consolidate(inbox, master, now="2026-12-04 18:00:00").outcomes
    assert (outcome.status, outcome.rows_added) == ("accepted", 1)
    notes = [w.en for w in outcome.warnings if any(t in w.en for t in ("saved as", "values only", "by their labels"))]
    assert notes == [
        f"saved as {format_name}, which keeps no Excel tables or field names: the sheet Customer Visit Record was "
        "read by its labels and table headers, formulas as the values they showed. Nothing to do if the lines in "
        "this report match the form; next time save it as an Excel workbook (.xlsx) to have it read by its fields"
    ]


@pytest.mark.libreoffice
@pytest.mark.parametrize("suffix", ["xlsx", "ods"])
def test_a_link_typed_into_a_phone_cell_stores_the_number_it_shows_and_is_told_at_its_cell(
    master: Path, inbox: Path, tmp_path: Path, libreoffice: Callable[..., Path], suffix: str
) -> None:
    # Before, the phone cell was stored as +65 6123 4567 without a word, while the same link in a text cell was
    # warned about and stored as the formula's text: the same input must be told at its cell in every field.
    form = fill_form(
        blank_form("phone_followup", lang="en", context=FormContext(rep="Priya Nair", period="2026-W49")),
        rows={"calls": [{"date": dt.datetime(2026, 12, 1), "customer_id": "C0004", "content": "Order confirmed"}]},
    )
    book = openpyxl.load_workbook(io.BytesIO(form))
    sheet = book.worksheets[0]
    [header_row] = [row for row in sheet.iter_rows() if row[0].value == "No."]
    columns = {cell.value: cell.column_letter for cell in header_row}
    line = header_row[0].row + 1
    sheet[f"{columns['Phone']}{line}"] = PHONE_LINK  # a formula: LibreOffice works out what it shows
    sheet[f"{columns['Content']}{line}"] = WEB_LINK
    typed = tmp_path / "typed" / "phone_followup_Priya_Nair_2026-W49.xlsx"
    typed.parent.mkdir()
    book.save(typed)
    libreoffice(typed, suffix, inbox)
    [outcome] = consolidate(inbox, master, now="2026-12-04 18:00:00").outcomes
    assert (outcome.status, [e.en for e in outcome.errors]) == ("accepted", [])
    [call] = outcome.rows
    # the phone keeps what the rep meant (the number the link shows), the text field the formula's text
    assert (call.values["phone"], call.values["content"]) == ("+65 6123 4567", WEB_LINK)
    told = {w.cell: (w.field_label("en"), w.value, w.en) for w in outcome.warnings if w.value.startswith("=")}
    assert told == {
        f"{columns['Phone']}{line}": (
            "Phone",
            PHONE_LINK,
            f"the cell holds the formula {PHONE_LINK} (showing +65 6123 4567): the value it shows is stored, never "
            "the formula",
        ),
        f"{columns['Content']}{line}": (
            "Content",
            WEB_LINK,
            f"the cell holds the formula {WEB_LINK} (showing Tender page): stored as its text, never as a formula",
        ),
    }


def _with_meta(form: bytes, key: str, value: str) -> bytes:
    """``form`` with one ``_meta`` entry changed, as a rep's copy of another program's or an older form's."""
    book = openpyxl.load_workbook(io.BytesIO(form))
    next(row for row in book["_meta"].iter_rows() if row[0].value == key)[1].value = value
    saved = io.BytesIO()
    book.save(saved)
    return saved.getvalue()


def test_a_form_refused_while_read_is_named_by_its_meta_and_an_unknown_form_by_nothing(
    master: Path, inbox: Path
) -> None:
    # One refusal carries all of _meta: the language its note goes back in, and the form, rep and period the report
    # names; a form id outside the catalog names no form, so its line stays under "no form recognised".
    form = blank_form("visit_record", lang="en", context=FormContext(rep="Priya Nair", period="2026-W49"))
    (inbox / "newer.xlsx").write_bytes(_with_meta(form, "version", "99"))
    (inbox / "unknown.xlsx").write_bytes(_with_meta(form, "form_id", "visit_recrod"))
    outcomes = {o.name: o for o in consolidate(inbox, master, now="2026-12-04 18:00:00").outcomes}
    named = {n: (o.code, o.form_lang, o.form_id, o.rep, o.period) for n, o in outcomes.items()}
    assert named == {
        "newer.xlsx": ("newer_version", "en", "visit_record", "Priya Nair", "2026-W49"),
        "unknown.xlsx": ("unknown_form", "en", "", "", ""),
    }


def _with_macros(form: bytes) -> bytes:
    """``form`` saved as a macro-enabled workbook: a VBA project beside its sheets."""
    saved = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(form)) as source, zipfile.ZipFile(saved, "w", zipfile.ZIP_DEFLATED) as package:
        for info in source.infolist():
            package.writestr(info, source.read(info))
        package.writestr("xl/vbaProject.bin", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1")
    return saved.getvalue()


@pytest.mark.libreoffice
@pytest.mark.parametrize(
    ("lang", "errors", "sheet", "whole", "macros"),
    [("zh", "错误", "工作表", "整个文件", "含宏，已忽略"), ("en", "Errors", "Sheet", "Whole file", "macros present")],
)
def test_a_note_about_the_whole_file_names_it_where_a_sheet_would_be_on_screen_and_printed(
    master: Path,
    inbox: Path,
    tmp_path: Path,
    libreoffice: Callable[..., Path],
    lang: str,
    errors: str,
    sheet: str,
    whole: str,
    macros: str,
) -> None:
    # Before, the Sheet column of a note about the whole file (macros ignored) was blank: read as a value missing.
    form = fill_form(
        blank_form("visit_record", lang="en", context=FormContext(rep="Priya Nair", period="2026-W49")),
        rows={"visits": [{"date": dt.datetime(2026, 11, 30), "customer_id": "C0004", "content": "Fleet grows"}]},
    )
    (inbox / "visit_record_Priya_Nair_2026-W49.xlsm").write_bytes(_with_macros(form))
    report = tmp_path / "report.xlsx"
    assert main(["--lang", lang, "consolidate", str(inbox), "--into", str(master), "--report", str(report)]) == 0
    header, *lines = table_rows(report, errors)
    [note] = [dict(zip(header, line, strict=True)) for line in lines if macros in str(line)]
    assert note[sheet] == whole
    printed = [line for page in pdf_pages(libreoffice(report, "pdf")) for line in page.splitlines()]
    assert any(whole in line and macros in line for line in printed), printed


def test_files_that_are_no_forms_are_named_but_leave_the_exit_status_to_the_forms(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Exit 1 tells a script that a rep must send a form again. A note, the lock file Excel leaves beside a form open
    while the inbox was collected, or a file the system keeps in a folder is refused and named on the console, but no
    rep has anything to resend: the run exits 0. A refused spreadsheet still exits 1."""
    master = save_master(Master.empty(), tmp_path / "master.xlsx", backup=False)
    inbox = tmp_path / "inbox"
    (inbox / "__MACOSX" / "张三").mkdir(parents=True)
    (inbox / "notes.txt").write_text("本周收齐", encoding="utf-8")
    (inbox / "说明.md").write_text("# 本周", encoding="utf-8")
    (inbox / "~$card.xlsx").write_bytes(b"xx")
    # Before, Thumbs.db (a compound file, as an .xls is) was refused as a damaged Excel file: exit 1.
    (inbox / "Thumbs.db").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504)
    (inbox / ".DS_Store").write_bytes(b"\0\0\0\x01Bud1" + b"\0" * 100)
    (inbox / "desktop.ini").write_text("[.ShellClassInfo]\r\nIconResource=C:\\icon.ico\r\n", encoding="utf-16")
    # What a zip made on a Mac holds beside each file: its resource fork, under the file's own name.
    (inbox / "__MACOSX" / "张三" / "._周计划.xlsx").write_bytes(b"\0\x05\x16\x07\0\x02\0\0Mac OS X        ")
    assert main(["consolidate", str(inbox), "--into", str(master)]) == 0
    printed = capsys.readouterr().out
    for name in ("notes.txt", "说明.md", "~$card.xlsx", "Thumbs.db", ".DS_Store", "desktop.ini"):
        assert f"拒收：{name}" in printed
    assert "拒收：Thumbs.db：Windows 或 macOS 在文件旁自动保存的系统文件（缩略图、文件夹设置），不是表单\n" in printed
    (inbox / "card.xlsx").write_bytes(b"PK\x03\x04 not a workbook")
    assert main(["consolidate", str(inbox), "--into", str(master)]) == 1


def test_a_spreadsheet_refused_for_its_format_is_a_form_to_send_again(tmp_path: Path) -> None:
    # One rule decides the exit status: a file named as a spreadsheet that is refused is a form to send again. Before,
    # a form saved as a binary workbook was refused as "not a workbook" and the run exited 0, as for a note.
    master = save_master(Master.empty(), tmp_path / "master.xlsx", backup=False)
    form = io.BytesIO()
    with zipfile.ZipFile(form, "w") as package:
        package.writestr("[Content_Types].xml", "<Types/>")
        package.writestr("xl/workbook.bin", b"\x83\x01\x00")
    for name in ("周计划.xlsb", "周计划.xlsx", "周计划.et"):
        inbox = tmp_path / name
        inbox.mkdir()
        (inbox / name).write_bytes(form.getvalue())
        assert main(["consolidate", str(inbox), "--into", str(master)]) == 1, name


# A scan, a phone's photo, a printout to PDF, a Word copy: what reps send instead of the workbook. The PDF is the
# form as LibreOffice prints it and the pictures are its page as poppler renders it; the others are made by hand.
_GIF = (
    b"GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"
)
# An iPhone's photo: an ISO base media file whose ftyp box names the HEIC brand (the picture follows in its boxes).
_HEIC = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00\x00\x01\x00meta" + b"\0" * 252


def _word_document(text: str) -> bytes:
    """A .docx holding one paragraph: the three parts Word needs to open it."""
    parts = {
        "[Content_Types].xml": (
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>'
        ),
        "_rels/.rels": (
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship '
            'Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
            'Target="word/document.xml"/></Relationships>'
        ),
        "word/document.xml": (
            '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r>'
            f"<w:t>{text}</w:t></w:r></w:p></w:body></w:document>"
        ),
    }
    document = io.BytesIO()
    with zipfile.ZipFile(document, "w", zipfile.ZIP_DEFLATED) as package:
        for name, part in parts.items():
            package.writestr(name, part)
    return document.getvalue()


# A Word 97 file as its container shows it (no Writer here to save one): a compound file holding the WordDocument
# stream, whose File Information Block starts with Word's identifier 0xA5EC, and its table stream.
_WORD_97 = write_compound_file({"WordDocument": b"\xec\xa5" + bytes(1022), "1Table": bytes(1024)})


def _picture_copies(tmp_path: Path, libreoffice: Callable[..., Path]) -> dict[str, bytes]:
    """张三's weekly plan as he might send it instead of the workbook: printed to PDF, photographed, in Word."""
    form = tmp_path / "printed" / "周计划_2026-W48.xlsx"
    form.parent.mkdir()
    form.write_bytes(blank_form("weekly_plan", context=FormContext(rep="张三", period="2026-W48")))
    pdf = libreoffice(form, "pdf")
    pictures = {}
    for kind in ("png", "jpeg"):
        page = tmp_path / "printed" / f"page-{kind}"
        subprocess.run(["pdftoppm", f"-{kind}", "-r", "20", "-singlefile", str(pdf), str(page)], check=True)
        pictures[kind] = page.with_suffix(".jpg" if kind == "jpeg" else ".png").read_bytes()
    return {
        "周计划_2026-W48.pdf": pdf.read_bytes(),
        "回访记录.jpg": pictures["jpeg"],
        "IMG_1234.JPG": pictures["jpeg"],
        "截图.png": pictures["png"],
        "IMG_1235.HEIC": _HEIC,
        "表单.gif": _GIF,
        "周计划.docx": _word_document("周计划 2026-W48"),
        "周计划.doc": _WORD_97,
        "周计划_2026-W49.xlsx": pdf.read_bytes(),  # a PDF renamed as the workbook: told by its bytes
    }


_WHAT = {
    "周计划_2026-W48.pdf": "一份 PDF",
    "回访记录.jpg": "一张图片（JPEG）",
    "IMG_1234.JPG": "一张图片（JPEG）",
    "截图.png": "一张图片（PNG）",
    "IMG_1235.HEIC": "一张图片（HEIC）",
    "表单.gif": "一张图片（GIF）",
    "周计划.docx": "一份 Word 文档",
    "周计划.doc": "一份 Word 文档",
    "周计划_2026-W49.xlsx": "一份 PDF",
}


@pytest.mark.libreoffice
def test_a_picture_pdf_or_word_copy_of_a_form_is_refused_asking_its_rep_for_the_workbook(
    tmp_path: Path, libreoffice: Callable[..., Path], capsys: pytest.CaptureFixture[str]
) -> None:
    # Before: "不是电子表格（.xlsx、.xlsm、.xls 或 .ods）" as for a stray notes.txt, and exit 0: the manager might never
    # ask for the workbook, and the rep believed the form was sent.
    m = Master.empty()
    m.customers = pd.DataFrame({"customer_id": ["C0001"], "name": ["恒泰润滑油"], "rep": ["张三"]})
    master = save_master(m, tmp_path / "master.xlsx", backup=False)
    inbox = tmp_path / "inbox"
    (inbox / "张三").mkdir(parents=True)
    copies = _picture_copies(tmp_path, libreoffice)
    for name, data in copies.items():
        (inbox / "张三" / name).write_bytes(data)
    (inbox / "扫描件.pdf").write_bytes(copies["周计划_2026-W48.pdf"])  # in no rep's folder
    report, quarantined = tmp_path / "report.xlsx", tmp_path / "quarantine"
    args = ["consolidate", str(inbox), "--into", str(master), "--report", str(report), "--quarantine", str(quarantined)]
    assert main(args) == 1
    printed = capsys.readouterr().out
    for name, what in _WHAT.items():
        assert f"  拒收：张三/{name}：{what}，不是表单本身：请向 张三 要回表单的 Excel 工作簿\n" in printed
    assert "  拒收：扫描件.pdf：一份 PDF，不是表单本身：请向发送该文件的业务员要回表单的 Excel 工作簿\n" in printed
    header, *rows = table_rows(report, "文件")
    lines = {r[0]: dict(zip(header, r, strict=True)) for r in rows}
    assert {n: (line["状态"], line["业务员"]) for n, line in lines.items()} == {
        **{f"张三/{n}": ("拒收", "张三") for n in _WHAT},
        "扫描件.pdf": ("拒收", ""),
    }
    # kept as a refused form is: copied to quarantine with its reason beside it
    assert (quarantined / "张三" / "IMG_1234.JPG").read_bytes() == copies["IMG_1234.JPG"]
    note = (quarantined / "张三" / "IMG_1234.JPG.reason.txt").read_text(encoding="utf-8")
    assert "拒收原因：一张图片（JPEG），不是表单本身：请向 张三 要回表单的 Excel 工作簿" in note


def test_a_picture_in_english_names_what_it_is_and_whom_to_ask(
    master: Path, inbox: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (inbox / "Priya Nair").mkdir()
    (inbox / "Priya Nair" / "IMG_1235.HEIC").write_bytes(_HEIC)
    (inbox / "visit.gif").write_bytes(_GIF)
    assert main(["--lang", "en", "consolidate", str(inbox), "--into", str(master)]) == 1
    printed = capsys.readouterr().out
    assert (
        "  rejected: Priya Nair/IMG_1235.HEIC: a picture (HEIC), not the form: ask Priya Nair for the workbook\n"
        in (printed)
    )
    assert "  rejected: visit.gif: a picture (GIF), not the form: ask the rep who sent it for the workbook\n" in printed
