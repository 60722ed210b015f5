"""Every output of the demo is a document in the user's language (issue 13, "Every zh output in Chinese").

The zh walk reads every workbook cell (python-calamine), every data-validation prompt, error and list, every
comment and print header (from the zip parts), every CSV and text file, and every printed line of ``keyacct-xl
demo``; it fails on an ASCII word of three letters or more that is not an id, a code, a file name, a number or a value
people typed. The en walk fails on Chinese outside the demo's data values (its names and addresses are Chinese).
Every exception is declared below, once, with its reason.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import functools
import html
import io
import re
import shutil
import zipfile
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest
import python_calamine as calamine
import xlsxwriter

from keyacct_xl.cli.main import build_parser, help_language, main
from keyacct_xl.consolidate.fieldcheck import FieldProblem, read_cell
from keyacct_xl.consolidate.routes import ROUTES, route_tables
from keyacct_xl.forms.catalog import form_ids, forms_dir, load_form
from keyacct_xl.forms.spec import Choice, Constraints, FieldSpec, Text
from keyacct_xl.labels import document_frame
from keyacct_xl.macros import ACTIONS
from keyacct_xl.master.model import Master
from keyacct_xl.master.reader import load_master
from keyacct_xl.master.redact import JSON_COLUMNS as RECORD_COLUMNS
from keyacct_xl.master.settings import DEFAULTS, settings_from
from keyacct_xl.master.submissions import ALL_CONSOLIDATION_TABLES, BOOKKEEPING
from keyacct_xl.master.writer import save_master
from keyacct_xl.receivables.statement_reader import SUFFIXES as STATEMENT_SUFFIXES
from keyacct_xl.tablefile import SUFFIXES as TABLE_SUFFIXES

WORD = re.compile(r"[A-Za-z]{3,}")
CJK_RUN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+")

# -- what the zh walk accepts, in one place -------------------------------------------------------------------
# Terms zh users write in Latin letters themselves; each is used as is in Chinese business writing.
DOMAIN_TERMS: dict[str, str] = {
    "RFM": "the RFM method (最近一次消费、消费频率、消费金额) is called RFM in Chinese texts too",
    "ABC": "ABC classification (ABC 分类法) keeps its letters in Chinese",
    "VIP": "the top customer grade is written VIP (VIP 客户) in the shipped policies and the demo's data",
    "SWOT": "SWOT analysis (SWOT 分析) in the account plan form keeps its letters",
    "CNY": "the ISO 4217 currency code of the Settings sheet's currency (记账币种)",
    "Excel": "the program's name (Excel 工作簿, Excel 加载项)",
    "EMBA": "a degree Chinese writes as EMBA (学历 in the demo's contact data)",
    # what a rep sent instead of a form, named by its format as Chinese names it (一份 PDF, 一张图片（JPEG）)
    **dict.fromkeys(("PDF", "Word", "JPEG", "PNG", "GIF", "HEIC"), "a file format's name (PDF 文件, Word 文档)"),
}
# Token shapes that are ids, codes, file names or machine values; they are cut out before the words are looked at.
TOKENS: dict[str, re.Pattern[str]] = {
    # the e-mail addresses and WeChat ids of the demo's contacts: data typed by people
    "e-mail": re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"),
    "WeChat id": re.compile(r"\bwxid_[a-z0-9]+\b"),
    # a file name with its extension (a relative path included), or an extension alone (.xlsx、.xlsm 或 .xls)
    "file name": re.compile(
        r"[^\s\\：:（）()，,;；、“”\"']*"
        r"\.(?:xlsx|xlsm|xls|ods|xlam|csv|jpg|txt|yaml|parquet|pdf|zip)\b"
    ),
    # SHA-256 of a submitted file (文件指纹)
    "file fingerprint": re.compile(r"\b[0-9a-f]{12}(?:[0-9a-f]{52})?\b"),  # whole, or its start as reports show it
    # ids and codes: capitals and digits, at least one digit (C0001, LX00001, N20264501, 2026-W45, tax ids)
    "id or code": re.compile(r"\b[A-Z0-9-]*\d[A-Z0-9-]*\b"),
    # an option of the command, typed as it is (导出时可使用 --without-sensitive)
    "command option": re.compile(r"(?<![\w-])--[a-z][a-z-]+"),
}
# Codes shown as codes on purpose: each form prints its id (表单编号：visit_record) so people can name the form,
# and the ingestion ledger and consolidation report name forms by it; a grading policy is chosen by its file name.
FORM_IDS = frozenset(form_ids())
POLICY_NAMES = frozenset(p.stem for p in (forms_dir().parent / "policies").glob("*.yaml"))
# Columns of the master holding a JSON record of a row as it was or what a change wrote (read back by consolidate
# undo): machine data.
JSON_COLUMNS = frozenset(
    header
    for table, key in RECORD_COLUMNS
    for header in (BOOKKEEPING[table].column(key).zh, BOOKKEEPING[table].column(key).en)
)
# Files the walk cannot read, on purpose: the demo's broken submissions, copied as they came (and quarantined).
UNREADABLE = frozenset({"传了一半.xlsx", "加密的回访记录.xlsx"})
# The note beside a quarantined file goes back to the rep who sent it, so it is in the form's language (both lines for
# a bilingual form): the reason line of the other language's form (the en demo's reps send zh forms) starts so.
NOTE_EN_LINE = "Reason: "
NOTE_ZH_LINE = "拒收原因："
# Not documents: the add-in (its only sheet is xlwings.conf, read by xlwings), a photo, the master's lock file.
SKIPPED_SUFFIXES = frozenset({".xlam", ".jpg", ".lock"})


def _cut_tokens(text: str, folder: Path) -> str:
    # a path in the folder the user chose for the demo, its subfolders and files included, is a file name
    text = re.sub(re.escape(str(folder)) + r"[^\s（）()，,；;：]*", " ", text)
    for pattern in TOKENS.values():
        text = pattern.sub(" ", text)
    return text


def english_words(text: str, folder: Path, names: frozenset[str] = frozenset()) -> list[str]:
    """The ASCII words of ``text`` that are no declared term, id, code, file name, form/policy name or ``names``."""
    words = []
    for token in re.split(r"[\s，,。：:；;、（）()【】\[\]“”\"'=|/<>]+", _cut_tokens(text, folder)):
        if token in FORM_IDS or token in POLICY_NAMES or token in names:
            continue
        words += [w for w in WORD.findall(token) if w not in DOMAIN_TERMS]
    return words


# -- reading every output ---------------------------------------------------------------------------------------
def _workbook_texts(path: Path) -> Iterator[tuple[str, str, str]]:
    """(sheet, header of the cell's column, text) for every text a person can see in the workbook."""
    book = calamine.CalamineWorkbook.from_path(str(path), load_tables=True)
    header_rows = _table_header_rows(book)
    for meta in book.sheets_metadata:
        if meta.visible == calamine.SheetVisibleEnum.VeryHidden:
            continue  # _meta: the form's machine description, which no Excel user can unhide from the UI
        if not (meta.visible == calamine.SheetVisibleEnum.Hidden and meta.name.startswith("_")):
            yield meta.name, "", meta.name  # a hidden _lists sheet is named as the dropdowns' formulas name it
        rows = book.get_sheet_by_name(meta.name).to_python(skip_empty_area=False)
        at = header_rows.get(meta.name, 0)  # a report's table sits under its title block
        heads = rows[at] if len(rows) > at else []
        for row in rows:
            for c, value in enumerate(row):
                if isinstance(value, (str, bool)) and value != "":
                    yield meta.name, str(heads[c]) if c < len(heads) else "", str(value)
    yield from _part_texts(path)


def _table_header_rows(book: calamine.CalamineWorkbook) -> dict[str, int]:
    """The row (0-based) of each sheet's first Excel table's header: the row naming the columns."""
    rows: dict[str, int] = {}
    for name in book.table_names:
        table = book.get_table_by_name(name)
        header = table.start[0] - 1  # calamine starts a table at its first data row
        rows[table.sheet] = min(rows.get(table.sheet, header), header)
    return rows


# What a sheet part holds besides cells (after </sheetData>): input prompts and error texts of data validations,
# literal dropdown lists, print headers and footers; and the text of comments.
_ATTRIBUTE = re.compile(rb'\b(?:promptTitle|prompt|errorTitle|error)="([^"]*)"')
_LIST = re.compile(rb'<formula1>"([^<]*)"</formula1>')
_HEADER_FOOTER = re.compile(rb"<(?:odd|even|first)(?:Header|Footer)>([^<]*)<")
_COMMENT_TEXT = re.compile(rb"<t(?:\s[^>]*)?>([^<]*)</t>")


def _part_texts(path: Path) -> Iterator[tuple[str, str, str]]:
    """Read from the zip parts directly: openpyxl would load every cell of a 60,000-row master to get there."""
    with zipfile.ZipFile(path) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/sheet") and name.endswith(".xml"):
                data = archive.read(name)
                tail = data[data.rfind(b"</sheetData>") :]
                found = [
                    *_ATTRIBUTE.findall(tail),
                    *_LIST.findall(tail),
                    *(
                        re.sub(rb"&[A-Z]|&\d+|&amp;[A-Z]|&amp;\d+|&quot;[^&]*&quot;", b" ", t)
                        for t in _HEADER_FOOTER.findall(tail)
                    ),
                ]
            elif name.startswith("xl/comments") and name.endswith(".xml"):
                found = _COMMENT_TEXT.findall(archive.read(name))
            else:
                continue
            for text in found:
                if text.strip():
                    yield name, "", html.unescape(text.decode("utf-8"))


def output_texts(folder: Path, printed: str) -> Iterator[tuple[str, str, str]]:
    """(where, column header, text) for every printed line and every text in every file the demo wrote."""
    for line in printed.splitlines():
        yield "printed", "", line
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        where = path.relative_to(folder).as_posix()
        if path.suffix in SKIPPED_SUFFIXES or path.name in UNREADABLE:
            continue
        if path.suffix == ".xlsx":
            for sheet, head, text in _workbook_texts(path):
                yield f"{where}!{sheet}", head, text
        elif path.suffix == ".csv":
            with path.open(encoding="utf-8-sig", newline="") as handle:
                rows = list(csv.reader(handle))
            for row in rows:
                for c, text in enumerate(row):
                    yield where, rows[0][c] if c < len(rows[0]) else "", text
        else:
            for line in path.read_text(encoding="utf-8").splitlines():
                yield where, "", line


def _translation_line(where: str, text: str, lang: str) -> bool:
    """The other language's reason line of a quarantine note, which is in the language of the form it refused."""
    return where.endswith(".reason.txt") and text.startswith(NOTE_EN_LINE if lang == "zh" else NOTE_ZH_LINE)


# -- the walks --------------------------------------------------------------------------------------------------
def english_findings(folder: Path, printed: str) -> dict[tuple[str, str], list[str]]:
    """Where English words appear in a zh demo's outputs: (place, column) -> the texts holding them."""
    found: dict[tuple[str, str], list[str]] = {}
    english: dict[str, bool] = {}  # a text is judged once: the master repeats its names, codes and statuses
    for where, head, text in output_texts(folder, printed):
        if head in JSON_COLUMNS or _translation_line(where, text, "zh"):
            continue
        if text not in english:
            english[text] = bool(english_words(text, folder))
        if english[text]:
            found.setdefault((where, head), []).append(text[:80])
    return found


def test_every_zh_output_is_chinese(demo_run: tuple[Path, str]) -> None:
    """Workbooks, CSV, text files and printed lines of the zh demo carry no English word (issue 13)."""
    folder, printed = demo_run
    found = english_findings(folder, printed)
    assert not found, "\n".join(
        f"{where} [{head}]: {texts[:3]} ({len(texts)} texts)" for (where, head), texts in sorted(found.items())
    )


def test_the_walk_sees_keys_and_english_values() -> None:
    """The walk catches what the issue found: snake_case keys, English status words, True/False, mixed messages."""
    folder = Path("/x/demo")
    for text in (
        "customer_share",
        "only_ours",
        "True",
        "不是有效日期（'11月13日' is not a date）",
        "面谈|Face-to-face",
        "rfm_class",
        "grade_vip_min_sales",
        "Visits",
    ):
        assert english_words(text, folder), text
    for text in (
        "C0001",
        "吕琳春/回访记录_2026-W45.xlsx",
        "表单编号：visit_record",
        "VIP（VIP 续任）",
        "91330100374QKUTY4M",
        "weifeiyong45@qq.com",
        "wxid_weifeiyong2295",
        "/x/demo/master.xlsx",
        "不是电子表格（.xlsx、.xlsm、.xls 或 .ods）",
        "RFM 金额口径",
        "grading_4level",
        "记账币种 CNY",
    ):
        assert not english_words(text, folder), text


def test_the_walk_reads_prompts_lists_comments_headers_and_csv(tmp_path: Path) -> None:
    """A workbook's English hidden in a validation prompt, a dropdown list, a comment or a print header is found,
    and so is a CSV header; the Chinese around them is not."""
    book = xlsxwriter.Workbook(tmp_path / "book.xlsx")
    sheet = book.add_worksheet("客户")
    sheet.write_string(0, 0, "客户编号")
    sheet.data_validation(1, 0, 9, 0, {"validate": "any", "input_title": "客户", "input_message": "Enter an id"})
    sheet.data_validation(1, 1, 9, 1, {"validate": "list", "source": ["面谈", "Phone"]})
    sheet.write_comment(0, 0, "see the manual")
    sheet.set_header("&C客户档案 Page &P")
    book.close()
    (tmp_path / "t.csv").write_text("customer_id,金额\nC1,1\n", encoding="utf-8-sig")
    found = {text.strip() for texts in english_findings(tmp_path, "").values() for text in texts}
    assert found == {"Enter an id", "面谈,Phone", "see the manual", "客户档案 Page", "customer_id"}


# -- en: no Chinese outside the demo's data ---------------------------------------------------------------------
def typed_columns() -> frozenset[tuple[str, str]]:
    """(En sheet, en header) of the master columns a rep's free-text form field fills (not a choice or yes/no)."""
    chosen: set[tuple[str, str]] = set()
    typed: set[tuple[str, str]] = set()
    for route in ROUTES.values():
        for field in (f for s in load_form(route.form_id).sections for f in s.fields):
            for table in route_tables(route):
                column = field.maps_to.partition(".")[2] if (field.maps_to or "").startswith(f"{table}.") else field.key
                if column in ALL_CONSOLIDATION_TABLES[table].keys:
                    (chosen if field.choices or field.type == "yes_no" else typed).add((table, column))
    schemas = ALL_CONSOLIDATION_TABLES
    return frozenset(
        (schemas[t].sheet_en, schemas[t].column(c).en) for t, c in typed - chosen if schemas[t].column(c).kind == "text"
    )


# The en demo's company, customers, reps and what they wrote stay Chinese; that data is the only Chinese allowed:
# - a cell whose column (by its en header) holds values people typed, in the master or quoted by a report;
EN_DATA_COLUMNS = frozenset(
    {
        # Customers, Contacts, Transactions, Payments, Visits, Opportunities, Competitors, GradeHistory, WeeklyPlans
        "Customer Name",
        "Short Name",
        "Region",
        "City",
        "Address",
        "Industry",
        "Enterprise Nature",
        "Outlet Type",
        "Location Type",
        "Category",
        "Business Scope",
        "Owner",
        "Legal Representative",
        "Sales Rep",
        "Special Policy",
        "Notes",
        "Name",
        "Nickname",
        "Title",
        "Birthplace",
        "Education",
        "Family",
        "Health",
        "Religion/Politics",
        "Hobbies",
        "Topics to Avoid",
        "Product",
        "Spec",
        "Competitor",
        "Content",
        "Purpose",
        "Result",
        "Next Step",
        "Promotion",
        "Our Response",
        "Approved By",
        "Goal",
        "Source Sheet",
        # QuotationLines, Quotations and Visits as the reps' forms fill them
        "Contact",
        "Unit",
        # what a report quotes from a submission or a customer's statement
        "Submitted",
        "Their Ref",
        # the names people gave their files (潘亮欣/副本 回访记录.xlsx), as the master and the reports list them
        "File",
        "File Name",
        "Source File",
        "Corrects",
    }
)
# Headers that name data on one sheet only (elsewhere the same header holds our own words, which must be en):
EN_DATA_SHEET_COLUMNS = typed_columns() | frozenset(
    {
        ("Grade History", "Reason"),  # the demo's past reviews, written by its sales manager (free text, like visits)
        ("Settings", "Value"),  # what the user set: the company's name
        ("Errors", "Value"),  # the consolidation report quoting a submitted cell
        ("Problems", "Value"),  # the reconciliation quoting an unreadable cell of a statement
    }
)
# - Chinese of those values inside our sentences (the company's name on a statement): every run of Chinese in
#   the en master's data columns;
# - a file name (the reps name their files) and a value quoted in a message ('11月31日' is not a date);
QUOTED = re.compile(r"'[^']*'")
# - files the demo writes in the role of people: the reps' submissions (their zh forms, also as quarantined
#   copies) and the customer's own ledger sent back for reconciliation.
EN_INPUT_FILES = (re.compile(r"^(submissions|quarantine)/.*\.xlsx!"), re.compile(r"^receivables/returned_statement_"))


@pytest.fixture(scope="module")
def en_demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """``keyacct-xl demo --lang en`` run once for this module."""
    out = tmp_path_factory.mktemp("demo-en") / "demo"
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        assert main(["demo", "--out", str(out), "--lang", "en"]) == 0
    return out, printed.getvalue()


def data_runs(master: Path) -> set[str]:
    """Every run of Chinese characters in the en master's data columns."""
    book = calamine.CalamineWorkbook.from_path(str(master))
    runs: set[str] = set()
    for name in book.sheet_names:
        rows = book.get_sheet_by_name(name).to_python()
        if not rows:
            continue
        data = [c for c, head in enumerate(rows[0]) if head in EN_DATA_COLUMNS or (name, head) in EN_DATA_SHEET_COLUMNS]
        for row in rows[1:]:
            for c in data:
                if isinstance(row[c], str):
                    runs.update(CJK_RUN.findall(row[c]))
    return runs


def statement_runs(folder: Path) -> set[str]:
    """Every run of Chinese characters in the customers' own statements: their data, which a reconciliation quotes
    (a note row of their statement)."""
    runs: set[str] = set()
    for path in (folder / "receivables").glob("returned_statement_*.xlsx"):
        book = calamine.CalamineWorkbook.from_path(str(path))
        for name in book.sheet_names:
            for row in book.get_sheet_by_name(name).to_python():
                runs.update(run for value in row if isinstance(value, str) for run in CJK_RUN.findall(value))
    return runs


def chinese_findings_in(where: str, head: str, text: str, folder: Path, runs: set[str]) -> bool:
    """True when ``text`` (at ``where``, in the column headed ``head``) holds Chinese that is no data value."""
    if head in EN_DATA_COLUMNS or head in JSON_COLUMNS or _translation_line(where, text, "en"):
        return False
    if (where.rpartition("!")[2], head) in EN_DATA_SHEET_COLUMNS:
        return False
    if _input_file(where):
        return False
    return any(run not in runs for run in _chinese_runs(text, str(folder)))


@functools.lru_cache(maxsize=4096)
def _input_file(where: str) -> bool:
    return any(p.match(where) for p in EN_INPUT_FILES)


@functools.lru_cache(maxsize=200_000)  # the master repeats its names, codes and statuses: each text is cut once
def _chinese_runs(text: str, folder: str) -> tuple[str, ...]:
    """The runs of Chinese in ``text`` outside file names and quoted values."""
    rest = QUOTED.sub(" ", TOKENS["file name"].sub(" ", text.replace(folder, " ")))
    return tuple(CJK_RUN.findall(rest))


def chinese_findings(folder: Path, printed: str, runs: set[str]) -> dict[tuple[str, str], list[str]]:
    """Where Chinese that is no data value appears in an en demo's outputs."""
    found: dict[tuple[str, str], list[str]] = {}
    for where, head, text in output_texts(folder, printed):
        if chinese_findings_in(where, head, text, folder, runs):
            found.setdefault((where, head), []).append(text[:80])
    return found


def test_every_en_output_has_chinese_only_in_data(en_demo: tuple[Path, str]) -> None:
    """The en demo's outputs carry Chinese only where the demo's data put it (issue 13)."""
    folder, printed = en_demo
    found = chinese_findings(folder, printed, data_runs(folder / "master.xlsx") | statement_runs(folder))
    assert not found, "\n".join(
        f"{where} [{head}]: {texts[:3]} ({len(texts)} texts)" for (where, head), texts in sorted(found.items())
    )


def test_the_en_walk_sees_chinese_labels() -> None:
    """A zh header, status or sentence in an en output is found; the data's own Chinese is not."""
    folder, runs = Path("/x/demo"), {"上海恒泰润滑油有限公司", "吕琳春"}
    texts = [
        ("report.xlsx!Results", "Status", "相符"),
        ("report.xlsx!Results", "", "客户编号"),
        ("report.xlsx!Results", "Sales Rep", "吕琳春"),
        ("statement.xlsx!S", "", "上海恒泰润滑油有限公司, Finance"),
        ("printed", "", "written: /x/demo/对账单_C0026.xlsx"),
        ("x.reason.txt", "", "拒收原因：不是 Excel 工作簿"),
    ]
    found = {text for where, head, text in texts if chinese_findings_in(where, head, text, folder, runs)}
    assert found == {"相符", "客户编号"}


# -- the fixes the walks rely on, one by one --------------------------------------------------------------------
def test_document_frame_labels_headers_booleans_and_codes() -> None:
    """One helper turns a frame into a document: keys to labels, True/False to 是/否, codes to their labels."""
    frame = pd.DataFrame(
        {
            "customer_id": ["C1", "C2"],
            "status": ["only_ours", "matched"],
            "sales_drop": [True, False],
            "rfm_class": ["important_value", "general_value"],
            "rfm_class_label": ["重要价值客户", "一般价值客户"],
            "自定义": ["x", "y"],
        }
    )
    zh = document_frame(frame, "zh")
    assert list(zh.columns) == ["客户编号", "核对结果", "销售下滑", "RFM 分类", "自定义"]
    assert zh["核对结果"].tolist() == ["我方有", "相符"] and zh["销售下滑"].tolist() == ["是", "否"]
    en = document_frame(frame, "en")
    assert list(en.columns) == ["Customer ID", "Status", "Sales Drop", "RFM Class", "自定义"]
    assert en["Status"].tolist() == ["Only Ours", "Matched"] and en["Sales Drop"].tolist() == ["Yes", "No"]


def test_settings_show_zh_names_and_read_back_by_key_or_name(tmp_path: Path) -> None:
    """A zh master's Settings sheet names each setting in Chinese and shows a choice's label; both read back."""
    master = Master.empty(lang="zh")
    master.settings = replace(master.settings, rfm_monetary="average")
    path = save_master(master, tmp_path / "master.xlsx", backup=False)
    rows = calamine.CalamineWorkbook.from_path(str(path), load_tables=True).get_table_by_name("Settings").to_python()
    shown = {r[0]: r[1] for r in rows}
    assert shown["公司名称"] == master.settings.company_name and shown["RFM 金额口径"] == "单均"
    assert not [name for name in shown if english_words(name, tmp_path)]  # no key in sight
    again = load_master(path)
    assert again.settings.rfm_monetary == "average" and again.settings == master.settings
    # a sheet written by an earlier version (keys) or by an en user (keys, en labels) reads the same
    assert settings_from({"rfm_monetary": "合计", "RFM Monetary": "average", "Company Name": "甲"}).cells() == {
        **DEFAULTS,
        "rfm_monetary": "average",
        "company_name": "甲",
    }


def test_a_percent_limit_reads_as_a_percent() -> None:
    """``13 大于上限 0.2`` in a percent field read as nonsense; the limit and the value read as percents."""
    field = FieldSpec("discount", Text("折扣", "Discount"), "percent", Constraints(maximum=0.2))
    with pytest.raises(FieldProblem) as caught:
        read_cell(field, 13, lang="zh")
    assert caught.value.zh == "1300% 大于上限 20%" and caught.value.en == "1300% is above the maximum 20%"


def test_a_refused_choice_lists_the_choices_in_one_language() -> None:
    """The allowed values of a refused choice are named in the message's language (not 面谈|Face-to-face)."""
    field = FieldSpec(
        "method",
        Text("方式", "Method"),
        "choice",
        choices=(Choice("face", "面谈", "Face-to-face"), Choice("phone", "电话", "Phone")),
    )
    with pytest.raises(FieldProblem) as caught:
        read_cell(field, "飞鸽", lang="zh")
    assert caught.value.zh == "'飞鸽' 不在可选值中：面谈、电话" and not english_words(caught.value.zh, Path("/x"))
    assert caught.value.en == "'飞鸽' is not one of the allowed values: Face-to-face / Phone"


# -- --help ------------------------------------------------------------------------------------------------------
# Names in help texts that are typed or installed as they are: programs, the add-in's source folder, and "apply"
# of "grade apply" (a word of grade's arguments, not an argparse subcommand). Command names are added from the parser.
HELP_NAMES = frozenset({"Python", "Windows", "VBA", "xlwings", "macros_bridge", "apply"})
# Default names of what a command writes, as help shows them: statements_<期间>, reports/, ./demo.
HELP_FILE_NAMES = re.compile(
    r"[\w-]+/[\w./-]*\.(?:md|xlsx|yaml|csv)\b|\S*\.pseudonym-key\b"
    r"|[\w.-]+_<[^>]*>|(?:\.?/)?\w+/|\./\w+"
)


def _parsers(parser: argparse.ArgumentParser) -> Iterator[tuple[str, argparse.ArgumentParser]]:
    yield parser.prog, parser
    for action in parser._actions:  # argparse keeps its subcommands only there
        if isinstance(action, argparse._SubParsersAction):
            for child in action.choices.values():
                yield from _parsers(child)


# A command line a message tells the user to type (下一步：keyacct-xl credit apply …), as help's names are: the program
# and the command's words, each a command or subcommand name or a word of its arguments (grade apply, credit check).
TOKENS["command line"] = re.compile(
    r"\bkeyacct-xl(?: (?:"
    + "|".join(sorted({w for prog, _ in _parsers(build_parser("en")) for w in prog.split()[1:]} | {"apply", "check"}))
    + r")\b)*"
)


def test_help_language_follows_lang_then_locale() -> None:
    """``--lang`` decides; without it the system locale (LC_ALL, LC_MESSAGES, LANG); without either, zh."""
    assert help_language(["rfm", "--help"], {"LANG": "en_US.UTF-8"}) == "en"
    assert help_language(["rfm", "--help"], {"LANG": "zh_CN.UTF-8"}) == "zh"
    assert help_language(["rfm", "--help"], {}) == "zh"
    assert help_language(["rfm", "--help"], {"LANG": "C.UTF-8"}) == "zh"
    assert help_language(["--lang", "en", "rfm", "-h"], {"LANG": "zh_CN.UTF-8"}) == "en"
    assert help_language(["rfm", "-h", "--lang=zh"], {"LANG": "en_US.UTF-8"}) == "zh"
    assert help_language(["rfm", "-h"], {"LC_ALL": "en_GB.UTF-8", "LANG": "zh_CN.UTF-8"}) == "en"


def test_every_commands_help_prints_in_both_languages() -> None:
    """argparse formats each help text with ``%``: a translation with a bare ``%`` (占比（%）) made ``--help`` of
    its command a traceback, in zh, the default language."""
    for lang in ("zh", "en"):
        for prog, parser in _parsers(build_parser(lang)):
            assert parser.format_help().startswith(("用法：", "usage:")), (lang, prog)


def _help_texts(parser: argparse.ArgumentParser, *, commands: bool = False) -> list[str]:
    """What ``parser``'s help shows in words: its description and each option's help; with ``commands``, each
    subcommand's line too (`forms  list or generate the standard forms`)."""
    actions = [*parser._actions]
    for action in parser._actions if commands else ():
        if isinstance(action, argparse._SubParsersAction):
            actions += action._choices_actions  # argparse keeps the commands' lines only there
    return [parser.description or "", *(a.help or "" for a in actions if a.help != argparse.SUPPRESS)]


def test_every_help_text_is_in_the_chosen_language() -> None:
    """Every command's and option's help reads zh in zh (no English word but names) and has no Chinese in en, nor
    has any command's line in the list of commands: the en help glossed three in Chinese (重点客户管理, 标准表单,
    客户路序)."""
    # command names and ribbon action names (typed after "run") are typed as they are
    names = HELP_NAMES | set(ACTIONS) | {word for _, p in _parsers(build_parser("zh")) for word in p.prog.split()[1:]}
    for prog, parser in _parsers(build_parser("zh")):
        for text in _help_texts(parser):
            words = english_words(HELP_FILE_NAMES.sub(" ", text), Path("/"), names)
            assert not words, (prog, text)
    for prog, parser in _parsers(build_parser("en")):
        for text in _help_texts(parser, commands=True):
            assert not CJK_RUN.findall(text.replace("汇总报告", "")), (prog, text)


def test_help_prints_in_the_chosen_language(capsys: pytest.CaptureFixture[str]) -> None:
    """``keyacct-xl rfm --help`` in zh, and in en with ``--lang en``, argparse's own words included."""
    with pytest.raises(SystemExit):
        main(["rfm", "--help"])
    zh = capsys.readouterr().out
    assert zh.startswith("用法：keyacct-xl rfm") and "只统计最近 N 个月" in zh and "显示本帮助并退出" in zh
    with pytest.raises(SystemExit):
        main(["rfm", "--help", "--lang", "en"])
    en = capsys.readouterr().out
    assert en.startswith("usage: keyacct-xl rfm") and "count only the last N months" in en


@pytest.mark.parametrize(
    ("argv", "zh_line"),
    [
        (["reps", "m.xlsx"], "keyacct-xl reps：错误：缺少必需的参数：--period"),
        (["reps", "m.xlsx", "--period"], "keyacct-xl reps：错误：参数 --period：需要一个值"),
        (["rfm", "m.xlsx", "--bogus"], "keyacct-xl：错误：无法识别的参数：--bogus"),
        (["report", "gm", "m.xlsx", "--period"], "keyacct-xl report gm：错误：参数 --period：需要一个值"),
        (["report", "monthly"], "keyacct-xl report：错误：参数 REPORT：无效的选项 'monthly'（可选：'gm'）"),
        (["ageing", "m.xlsx", "--as-of"], "keyacct-xl ageing：错误：参数 --as-of：需要一个值"),
        (["rfm", "m.xlsx", "--period-months", "x"], "keyacct-xl rfm：错误：参数 --period-months：'x' 不是有效的整数"),
        (
            ["rfm", "m.xlsx", "--monetary", "sum"],
            "keyacct-xl rfm：错误：参数 --monetary：无效的选项 'sum'（可选：'total', 'average'）",
        ),
    ],
)
def test_argparse_errors_print_in_the_chosen_language(argv: list[str], zh_line: str, capsys) -> None:
    """A missing or unknown argument is told in zh under the zh usage (argparse writes English), and in en as
    argparse writes it."""
    with pytest.raises(SystemExit) as stopped:
        main(argv)
    assert stopped.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[0].startswith("用法：keyacct-xl") and err[-1] == zh_line
    with pytest.raises(SystemExit):
        main([*argv, "--lang", "en"])
    err = capsys.readouterr().err.strip().splitlines()
    assert err[0].startswith("usage: keyacct-xl") and ": error: " in err[-1]


@pytest.mark.parametrize(
    ("argv", "suffixes"),
    [
        (["rfm"], TABLE_SUFFIXES),
        (["abc"], TABLE_SUFFIXES),
        (["history", "import"], TABLE_SUFFIXES),
        (["reconcile"], STATEMENT_SUFFIXES),
    ],
)
def test_help_names_every_file_format_the_command_reads(
    capsys: pytest.CaptureFixture[str], argv: list[str], suffixes: tuple[str, ...]
) -> None:
    """A finance clerk with a LibreOffice .ods (or an .xlsm) learns from ``--help`` that the command reads it."""
    for lang in ("zh", "en"):
        with pytest.raises(SystemExit):
            main([*argv, "--help", "--lang", lang])
        shown = capsys.readouterr().out
        assert [s for s in suffixes if s not in shown] == [], (argv, lang)


def test_every_zh_csv_and_its_printed_lines_are_chinese(demo_run: tuple[Path, str], tmp_path: Path) -> None:
    """The demo writes workbooks only; the commands' CSV outputs on its master, and what they and ``master check``
    print, are walked the same way."""
    folder, _ = demo_run
    master = str(folder / "master.xlsx")
    returned = str(folder / "receivables" / "returned_statement_C0330.xlsx")
    commands = [
        ["rfm", master, "--out", "rfm.csv"],
        ["abc", master, "--year", "2025", "--out", "abc.csv"],
        ["credit", master, "--out", "credit.csv"],
        ["grade", master, "--year", "2025", "--out", "grade.csv"],
        ["ageing", master, "--out", "ageing.csv"],
        ["reconcile", master, returned, "--customer", "C0330", "--out", "reconcile.csv"],
    ]
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        for command in commands:
            command[-1] = str(tmp_path / command[-1])
            assert main(command) == 0, command
        assert main(["master", "check", master]) in (0, 1)  # printed only; 1 would list reference problems
    assert len(list(tmp_path.glob("*.csv"))) == 8  # reconcile writes its summary and problems beside it
    found = english_findings(tmp_path, printed.getvalue().replace(master, " ").replace(returned, " "))
    assert not found, "\n".join(
        f"{where} [{head}]: {texts[:3]} ({len(texts)} texts)" for (where, head), texts in sorted(found.items())
    )


def test_the_review_sheet_in_a_zh_master_reads_zh(demo_run: tuple[Path, str], tmp_path: Path) -> None:
    """``grade`` writes its review into the master (not among the demo's outputs): changes and flags read zh,
    and ``grade apply`` still reads the sheet back."""
    path = tmp_path / "master.xlsx"
    shutil.copyfile(demo_run[0] / "master.xlsx", path)
    with contextlib.redirect_stdout(io.StringIO()):
        assert main(["grade", str(path), "--year", "2025"]) == 0
    book = calamine.CalamineWorkbook.from_path(str(path), load_tables=True)
    table = book.get_table_by_name("GradeReview")
    heads, rows = table.columns, table.to_python()
    found = {
        (head, text)
        for row in rows
        for head, text in zip(heads, row)
        if isinstance(text, str) and english_words(text, tmp_path)
    }
    assert not found and not [h for h in heads if english_words(h, tmp_path)]
    columns = {head: {row[i] for row in rows} for i, head in enumerate(heads)}
    assert columns["变动"] <= {"升级", "降级", "不变", "新评", "撤销VIP"} and columns["新客户"] == {"是", "否"}
    with contextlib.redirect_stdout(io.StringIO()):
        assert main(["grade", "apply", str(path), "--approved-by", "周建国", "--date", "2026-01-05"]) == 0


def test_every_argument_says_what_it_is() -> None:
    """``master new --help`` listed ``path`` under its arguments with nothing beside it (nor export's --out)."""
    for prog, parser in _parsers(build_parser("en")):
        for action in parser._actions:
            if not isinstance(action, argparse._SubParsersAction):
                assert action.help, (prog, action.dest)
