"""Pre-filled forms from a small hand-made master: due visits, own-customer dropdowns, card, statement, CLI."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from openpyxl.worksheet.cell_range import CellRange
from test_forms_generate import check_form_workbook

from keyacct_xl.cli.main import main
from keyacct_xl.consolidate.usecase import run_consolidation
from keyacct_xl.errors import InputError
from keyacct_xl.forms.catalog import load_catalog, load_form
from keyacct_xl.forms.generator import write_form
from keyacct_xl.forms.layout import FORM_LANGS, parse_customer_ref
from keyacct_xl.forms.periodkinds import PERIOD_KINDS, period_problem
from keyacct_xl.forms.prefill import due_visits, parse_period, prefill, statement_rows
from keyacct_xl.forms.spec import FormSpec
from keyacct_xl.master.model import Master, dtype_for
from keyacct_xl.master.reader import load_master
from keyacct_xl.master.schema import (
    CONTACTS,
    CUSTOMERS,
    OPPORTUNITIES,
    PAYMENTS,
    TRANSACTIONS,
    VISITS,
    TableSchema,
)
from keyacct_xl.master.writer import save_master

W48 = "2026-W48"  # Monday 2026-11-23 to Sunday 2026-11-29


def _frame(schema: TableSchema, rows: list[dict]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=schema.keys)
    return frame.astype({c.key: dtype_for(c.kind) for c in schema.columns})


def small_master() -> Master:
    """Six customers of two reps; visits, sales and payments chosen so the expected results are known by hand."""
    master = Master.empty()
    d = pd.Timestamp
    master.customers = _frame(
        CUSTOMERS,
        [
            {
                "customer_id": "C001",
                "name": "华东五金",
                "region": "东区",
                "route_seq": 2,
                "grade": "VIP",
                "rep": "张三",
                "phone": "021-5555",
                "credit_grade": "A",
                "credit_limit": 500000.0,
                "industry": "Manufacturing",
            },
            {"customer_id": "C002", "name": "华东塑胶", "region": "东区", "route_seq": 1, "grade": "A", "rep": "张三"},
            {"customer_id": "C003", "name": "新城百货", "region": "东区", "route_seq": 3, "grade": "B", "rep": "张三"},
            {"customer_id": "C004", "name": "西郊超市", "region": "西区", "route_seq": 1, "grade": "C", "rep": "张三"},
            {"customer_id": "C005", "name": "北站便利", "region": "北区", "route_seq": 1, "grade": "A", "rep": "李四"},
            {"customer_id": "C006", "name": "南门批发", "region": "南区", "route_seq": 1, "grade": "B", "rep": "李四"},
        ],
    )
    master.visits = _frame(
        VISITS,
        [
            {"date": d("2026-11-10"), "customer_id": "C001", "rep": "张三"},  # VIP: +7 days -> due 11-17
            {"date": d("2026-11-20"), "customer_id": "C002", "rep": "张三", "next_date": d("2026-12-15")},  # not due
            {"date": d("2026-11-01"), "customer_id": "C003", "rep": "张三"},  # B: +30 days -> 12-01, not due
            {"date": d("2026-11-02"), "customer_id": "C005", "rep": "李四"},  # A: +14 -> 11-16, due
        ],
    )  # C004 never visited: due at once
    master.contacts = _frame(
        CONTACTS,
        [
            {"contact_id": "P1", "customer_id": "C001", "name": "王经理", "title": "采购经理", "phone": "13800000001"},
            {"contact_id": "P2", "customer_id": "C001", "name": "赵会计", "title": "会计", "email": "zhao@example.com"},
            {"contact_id": "P3", "customer_id": "C002", "name": "钱总", "title": "总经理"},
        ],
    )
    master.transactions = _frame(
        TRANSACTIONS,
        [
            {
                "doc_no": "S1",
                "date": d("2026-10-15"),
                "customer_id": "C001",
                "product": "液压油",
                "amount": 1000.0,
                "rep": "张三",
            },
            {
                "doc_no": "S2",
                "date": d("2026-11-05"),
                "customer_id": "C001",
                "product": "液压油",
                "amount": 2000.0,
                "rep": "张三",
            },
            {
                "doc_no": "S3",
                "date": d("2026-11-20"),
                "customer_id": "C001",
                "product": "齿轮油",
                "amount": 500.0,
                "rep": "张三",
            },
        ],
    )
    master.payments = _frame(
        PAYMENTS,
        [
            {"receipt_no": "R1", "date": d("2026-10-30"), "customer_id": "C001", "amount": 800.0, "method": "转账"},
            {"receipt_no": "R2", "date": d("2026-11-25"), "customer_id": "C001", "amount": 1500.0, "method": "转账"},
        ],
    )
    return master


@pytest.fixture(scope="module")
def master_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return save_master(small_master(), tmp_path_factory.mktemp("master") / "master.xlsx", backup=False)


def test_parse_period() -> None:
    week = parse_period(W48)
    assert (week.kind, week.start, week.end) == ("week", dt.date(2026, 11, 23), dt.date(2026, 11, 29))
    month = parse_period("2026-02")
    assert (month.kind, month.start, month.end) == ("month", dt.date(2026, 2, 1), dt.date(2026, 2, 28))
    for bad in ("2026-W54", "2026-13", "26-11", "next week"):
        with pytest.raises(InputError, match="2026-W48"):
            parse_period(bad)


def test_due_visits_follow_last_visit_and_the_visit_policy() -> None:
    due = due_visits(small_master(), "张三", parse_period(W48))
    assert list(due["customer_id"]) == ["C001", "C004"]
    # VIP: a contact every 14 days (templates/policies/visits.yaml), last visit 11-10
    assert due.loc[due["customer_id"] == "C001", "due_date"].item() == pd.Timestamp("2026-11-24")
    assert pd.isna(due.loc[due["customer_id"] == "C004", "last_visit"].item())


def test_statement_is_the_hand_computed_ledger() -> None:
    opening, rows = statement_rows(small_master(), "C001", parse_period("2026-11"))
    assert opening == 200.0  # 1,000 sold in October less 800 paid
    assert [(r["doc_no"], r["debit"], r["credit"], r["balance"]) for r in rows] == [
        ("S2", 2000.0, None, 2200.0),
        ("S3", 500.0, None, 2700.0),
        ("R2", None, 1500.0, 1200.0),
    ]


def test_unknown_rep_and_customer_are_one_line_errors() -> None:
    master = small_master()
    with pytest.raises(InputError, match=r"unknown rep '王五'; reps in the master: 张三, 李四$"):
        prefill(load_form("visit_record"), master, rep="王五")
    with pytest.raises(InputError, match=r"unknown customer 'C999'"):
        prefill(load_form("customer_card"), master, customer="C999")
    with pytest.raises(InputError, match=r"^--period: the period of Weekly Work Plan is a week \(e\.g\. 2026-W48"):
        prefill(load_form("weekly_plan"), master, rep="张三", period="2026-11")  # --period given, as a month
    with pytest.raises(InputError, match="needs --period with a week"):
        prefill(load_form("weekly_plan"), master, rep="张三")
    with pytest.raises(InputError, match="account statement needs --period"):
        prefill(load_form("account_statement"), master, customer="C001")
    with pytest.raises(InputError, match=r"^customer C005 is looked after by 李四, not 张三$"):
        prefill(load_form("customer_card"), master, rep="张三", customer="C005")


def test_prefilled_weekly_plan_reads_back(tmp_path: Path) -> None:
    spec = load_form("weekly_plan")
    data = prefill(spec, small_master(), rep="张三", period=W48)
    path = write_form(tmp_path / "plan.xlsx", spec, lang="zh", data=data)
    check_form_workbook(path, spec, "zh", meta={"rep": "张三", "period": W48, "customer": ""})
    book = openpyxl.load_workbook(path)
    ws = book.worksheets[0]
    ((_, rep_cell),) = book.defined_names["f_rep"].destinations
    assert ws[rep_cell.replace("$", "")].value == "张三"
    table = ws.tables["t_plan"]
    first = int(table.ref.split(":")[0][1:]) + 1
    rows = [[c.value for c in r] for r in ws[f"A{first}:H{first + 2}"]]
    # C004 was never visited: a visit first; C001 (VIP, seen on 11-10) needs only a call by the visit policy, so it
    # takes a free day of its own area after it
    assert rows[0][:7] == ["周一", dt.datetime(2026, 11, 23), "上午", "拜访", "C004", "西郊超市", "C"]
    assert rows[0][7] is None
    assert rows[1][:7] == ["周二", dt.datetime(2026, 11, 24), "上午", "拜访", "C001", "华东五金", "VIP"]
    assert rows[1][7] == dt.datetime(2026, 11, 10)
    assert rows[2][4] is None


def test_a_funnel_prefilled_to_its_last_line_keeps_blank_lines_for_the_reps_new_opportunities(
    tmp_path: Path, inbox: Path
) -> None:
    """A rep with more open opportunities than the funnel's 25 lines got a table filled to its last row on a
    protected sheet: no line to add an opportunity on. Five blank lines stay under the pre-filled ones, and a new
    opportunity typed on the first lands in the master beside the others."""
    master = small_master()
    master.opportunities = _frame(
        OPPORTUNITIES,
        [
            {
                "opportunity_id": f"O{n:02d}",
                "customer_id": "C001",
                "product": "液压油",
                "stage": "初步接触",
                "expected_amount": 1000.0 * n,
                "probability": 0.2,
                "rep": "张三",
            }
            for n in range(1, 28)
        ],
    )
    path = save_master(master, tmp_path / "master.xlsx", backup=False)
    spec = load_form("sales_funnel")
    form = write_form(inbox / "funnel.xlsx", spec, lang="zh", data=prefill(spec, master, rep="张三", period="2026-11"))
    book = openpyxl.load_workbook(form)
    sheet = book.worksheets[0]
    first, last = (int(ref[1:]) for ref in sheet.tables["t_opportunities"].ref.split(":"))
    assert last - first == 27 + 5
    blank = last - 4
    assert sheet[f"A{blank - 1}"].value == "O27" and sheet[f"A{blank}"].value is None
    assert not sheet[f"B{blank}"].protection.locked
    for column, value in zip("BDEFG", ("C002 华东塑胶", "导轨油", "线索", 5000, 0.1)):
        sheet[f"{column}{blank}"] = value
    book.save(form)
    run = run_consolidation(inbox, path, lang="zh", report=tmp_path / "report.xlsx", now="2026-11-30 18:00:00")
    assert [(o.status, o.rows_added) for o in run.result.outcomes] == [("accepted", 1)]
    opportunities = load_master(path).opportunities
    assert len(opportunities) == 28
    assert opportunities.iloc[-1][["customer_id", "product", "expected_amount"]].tolist() == ["C002", "导轨油", 5000.0]


def test_visit_record_offers_only_the_reps_customers(tmp_path: Path) -> None:
    spec = load_form("visit_record")
    data = prefill(spec, small_master(), rep="李四")
    path = write_form(tmp_path / "visits.xlsx", spec, lang="en", data=data)
    check_form_workbook(path, spec, "en", meta={"rep": "李四"})
    book = openpyxl.load_workbook(path)
    entries = [r[0] for r in book["_lists"].iter_rows(values_only=True) if r[0]]
    assert entries == ["C005 北站便利", "C006 南门批发"]
    assert [parse_customer_ref(e) for e in entries] == ["C005", "C006"]
    ws = book.worksheets[0]
    first = int(ws.tables["t_visits"].ref.split(":")[0][1:]) + 1
    dv = next(d for d in ws.data_validations.dataValidation if f"B{first}" in d.sqref)
    assert dv.type == "list" and dv.formula1 == "l_visits_customer_id"


def test_customer_card_is_filled_from_the_archive(tmp_path: Path) -> None:
    spec = load_form("customer_card")
    data = prefill(spec, small_master(), customer="C001")
    path = write_form(tmp_path / "card.xlsx", spec, lang="bilingual", data=data)
    check_form_workbook(path, spec, "bilingual", meta={"customer": "C001"})
    book = openpyxl.load_workbook(path)
    ws = book.worksheets[0]

    def value(key: str) -> object:
        ((_, cell),) = book.defined_names[f"f_{key}"].destinations
        return ws[cell.replace("$", "")].value

    assert (value("name"), value("grade"), value("credit_limit"), value("rep")) == ("华东五金", "VIP", 500000, "张三")
    assert value("route_seq") == 2  # an Int64 master column is written as a number
    assert value("industry") == "制造业 Manufacturing"  # stored value shown with its bilingual label
    first = int(ws.tables["t_contacts"].ref.split(":")[0][1:]) + 1
    assert [ws[f"A{first}"].value, ws[f"A{first + 1}"].value, ws[f"A{first + 2}"].value] == ["王经理", "赵会计", None]


def test_cli_generates_prefilled_files_and_reports_errors(
    tmp_path: Path, master_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    assert (
        main(
            [
                "forms",
                "generate",
                "weekly_plan",
                "visit_record",
                "--master",
                str(master_file),
                "--rep",
                "张三",
                "--period",
                W48,
                "--out",
                str(out),
            ]
        )
        == 0
    )
    assert sorted(p.name for p in out.iterdir()) == [f"visit_record_张三_{W48}.xlsx", f"weekly_plan_张三_{W48}.xlsx"]
    assert (
        main(
            [
                "forms",
                "generate",
                "account_statement",
                "--master",
                str(master_file),
                "--customer",
                "C001",
                "--period",
                "2026-11",
                "--out",
                str(out),
                "--lang",
                "en",
            ]
        )
        == 0
    )
    statement = openpyxl.load_workbook(out / "account_statement_C001_2026-11.xlsx")
    ((_, cell),) = statement.defined_names["f_closing_balance"].destinations
    assert statement.worksheets[0][cell.replace("$", "")].value == 1200
    # Totals carry their value for programs that do not recalculate on open.
    cached = openpyxl.load_workbook(out / "account_statement_C001_2026-11.xlsx", data_only=True).worksheets[0]
    total_row = int(cached.tables["t_lines"].ref.split(":")[1][1:]) + 1
    assert (cached[f"D{total_row}"].value, cached[f"E{total_row}"].value) == (2500, 1500)
    assert main(["forms", "generate", "quotation", "--stamp-time", "--out", str(out / "stamped")]) == 0
    meta = openpyxl.load_workbook(out / "stamped" / "quotation.xlsx")["_meta"]
    assert meta["A9"].value == "generated_at" and meta["B9"].value != "2026-01-01T00:00:00"
    capsys.readouterr()
    assert (
        main(["forms", "generate", "visit_record", "--master", str(master_file), "--rep", "王五", "--out", str(out)])
        == 2
    )
    assert (
        capsys.readouterr().err.strip() == "keyacct-xl: 客户档案中没有业务员 '王五'；已有的业务员：张三、李四"
    )  # zh lists with 、
    assert main(["forms", "generate", "nope", "--out", str(out)]) == 2
    assert "customer_card" in capsys.readouterr().err
    assert main(["forms", "generate", "--out", str(out)]) == 2
    assert "--all" in capsys.readouterr().err


def _period_of(spec: FormSpec) -> str:
    """W48, or 2027-01 for a form filled for a month only (a monthly plan, a target breakdown)."""
    return W48 if period_problem(spec, W48) is None else "2027-01"


def _prefilled_catalog(folder: Path) -> list[tuple[Path, FormSpec, str]]:
    """Every form pre-filled for 张三, C001 and W48 (a month-only form for 2027-01), in every language."""
    master, out = small_master(), []
    for spec in load_catalog():
        data = prefill(spec, master, rep="张三", customer="C001", period=_period_of(spec))
        for lang in FORM_LANGS:
            (folder / lang).mkdir(exist_ok=True)
            out.append((write_form(folder / lang / f"{spec.id}.xlsx", spec, lang=lang, data=data), spec, lang))
    return out


@pytest.fixture(scope="module")
def prefilled_catalog(tmp_path_factory: pytest.TempPathFactory) -> list[tuple[Path, FormSpec, str]]:
    """The pre-filled catalogue written once; the tests only read and print it."""
    return _prefilled_catalog(tmp_path_factory.mktemp("prefilled"))


def test_whole_catalog_prefilled_reads_back(prefilled_catalog: list[tuple[Path, FormSpec, str]]) -> None:
    for path, spec, lang in prefilled_catalog:
        check_form_workbook(path, spec, lang, meta={"rep": "张三", "customer": "C001", "period": _period_of(spec)})
        if spec.id == "customer_card":  # the customer cell holds the dropdown's own entry
            book = openpyxl.load_workbook(path)
            ((_, cell),) = book.defined_names["f_customer_id"].destinations
            assert book.worksheets[0][cell.replace("$", "")].value == "C001 华东五金"


@pytest.mark.libreoffice
def test_libreoffice_prints_the_prefilled_catalog(
    prefilled_catalog: list[tuple[Path, FormSpec, str]], tmp_path: Path, libreoffice: Callable[..., Path]
) -> None:
    by_lang: dict[str, list[Path]] = {}
    for path, _, lang in prefilled_catalog:
        by_lang.setdefault(lang, []).append(path)
    for lang, paths in by_lang.items():
        for pdf in libreoffice(paths, "pdf", tmp_path / lang):
            assert pdf.read_bytes().startswith(b"%PDF"), pdf.name


@pytest.mark.libreoffice
def test_libreoffice_prints_prefilled_forms(tmp_path: Path, libreoffice: Callable[..., Path]) -> None:
    master = small_master()
    cases = [
        ("weekly_plan", {"rep": "张三", "period": W48}),
        ("visit_record", {"rep": "李四"}),
        ("customer_card", {"customer": "C001"}),
        ("account_statement", {"customer": "C001", "period": "2026-11"}),
    ]
    paths = []
    for lang in ("zh", "en", "bilingual"):
        for form_id, options in cases:
            spec = load_form(form_id)
            data = prefill(spec, master, **options)
            path = write_form(tmp_path / f"{form_id}_{lang}.xlsx", spec, lang=lang, data=data)
            check_form_workbook(path, spec, lang)
            paths.append(path)
    for pdf in libreoffice(paths, "pdf"):
        assert pdf.read_bytes().startswith(b"%PDF"), pdf.name


@pytest.mark.parametrize(
    ("form_id", "period", "wanted"),
    [
        ("target_breakdown", W48, "the first month of a year (e.g. 2027-01)"),
        ("target_breakdown", "2026-11", "the first month of a year (e.g. 2027-01)"),
        ("monthly_plan", W48, "a month (e.g. 2026-11)"),
        ("competitor_report", W48, "a month (e.g. 2026-11)"),
        ("rep_evaluation", W48, "a month (e.g. 2026-11)"),
        ("weekly_plan", "2026-11", "a week (e.g. 2026-W48)"),
    ],
)
@pytest.mark.parametrize("with_master", [True, False])
def test_a_form_is_not_generated_for_a_period_its_filled_copy_would_be_refused_for(
    tmp_path: Path,
    master_file: Path,
    capsys: pytest.CaptureFixture[str],
    form_id: str,
    period: str,
    wanted: str,
    with_master: bool,
) -> None:
    """A target breakdown asked for a week or for November was written without a word, and consolidation refused
    the filled copy (no line can be placed); a monthly plan for a week was stored under 2026-W48. Generating refuses
    such a period as consolidation does, blank or pre-filled, in one line, and writes nothing."""
    out = tmp_path / "out"
    source = ["--master", str(master_file), "--rep", "张三"] if with_master else []
    argv = ["forms", "generate", form_id, *source, "--period", period, "--out", str(out)]
    assert main([*argv, "--lang", "en"]) == 2
    title = load_form(form_id).title
    shown = capsys.readouterr().err.strip()
    assert shown == f"keyacct-xl: --period: the period of {title.en} is {wanted}, not {period}"
    assert main(argv) == 2  # a zh form: the message in zh
    assert capsys.readouterr().err.strip().startswith(f"keyacct-xl: --period：{title.zh}的期间应为")
    assert not out.exists() or not any(out.iterdir())


def test_a_form_is_generated_for_a_period_of_its_kind(tmp_path: Path, master_file: Path) -> None:
    out = tmp_path / "out"
    source = ["--master", str(master_file), "--rep", "张三"]
    for form_id, period in (("target_breakdown", "2027-01"), ("monthly_plan", "2026-12"), ("weekly_plan", W48)):
        assert main(["forms", "generate", form_id, *source, "--period", period, "--out", str(out)]) == 0
        assert main(["forms", "generate", form_id, "--period", period, "--out", str(out / "blank")]) == 0
    assert sorted(p.name for p in out.glob("*.xlsx")) == [
        "monthly_plan_张三_2026-12.xlsx",
        "target_breakdown_张三_2027-01.xlsx",
        f"weekly_plan_张三_{W48}.xlsx",
    ]
    assert len(list((out / "blank").glob("*.xlsx"))) == 3


def test_the_forms_of_one_kind_of_period_carry_a_period_and_are_consolidated() -> None:
    from keyacct_xl.consolidate.routes import ROUTES

    for form_id in PERIOD_KINDS:
        assert "period" in load_form(form_id).title_fields and form_id in ROUTES


def test_a_form_that_cannot_be_filled_stops_before_any_file_is_written(tmp_path: Path) -> None:
    master_path = save_master(small_master(), tmp_path / "master.xlsx")
    out = tmp_path / "forms"
    assert main(["forms", "generate", "--all", "--master", str(master_path), "--rep", "张三", "--out", str(out)]) == 2
    assert not out.exists() or not any(out.iterdir())


def test_form_and_fact_sheet_names_keep_customers_apart_that_differ_only_in_unsafe_characters() -> None:
    from keyacct_xl.briefing.usecase import fact_sheet_name
    from keyacct_xl.forms.repforms import output_name

    day = pd.Timestamp("2026-11-30")
    ids = ("KA/1", "KA:1", "KA1", "ka1")  # the last two would share a file on Windows and macOS, which ignore case
    forms = {c: output_name("customer_card", rep="张 三", customer=c, period="2026-11") for c in ids}
    sheets = {c: fact_sheet_name([c], None, day) for c in ids}
    for names in (forms, sheets):
        assert len({n.casefold() for n in names.values()}) == 4
        assert not any(ch in n for n in names.values() for ch in "/:\\ ")
    assert output_name("customer_card", rep="张 三", customer="C001", period="2026-11") == (
        "customer_card_张_三_C001_2026-11.xlsx"  # an id a name can hold is kept as it is
    )
    assert fact_sheet_name(["C001"], None, day) == "account_C001_2026-11-30.xlsx"
    assert fact_sheet_name(["C001"], "李/四", day) == "account_rep_李_四_2026-11-30.xlsx"


def test_a_long_rep_name_is_cut_to_the_folder_earlier_runs_made(tmp_path: Path) -> None:
    """A rep's name too long for a folder is cut to 120 bytes and followed by a digest of the name as typed, a dot in
    it kept no "extension" (销售 is no file type); reps one folder once made safe are each followed by a digest of
    their own name. Pinned to the names earlier releases gave, so a rep's folder (and the forms sent back from it)
    keeps its name; each is a folder the file system holds."""
    from keyacct_xl.fileio import NAME_BYTES, fitted_name
    from keyacct_xl.forms.repforms import output_name, rep_folders

    long = "长" * 45 + ".销售"
    folders = rep_folders([long, "Zhang San", "Zhang/San", "Zhang:San"])
    assert folders == {
        long: "长" * 37 + "-1ed091",
        "Zhang San": "Zhang_San-6abf25",
        "Zhang/San": "Zhang_San-e19dcf",
        "Zhang:San": "Zhang_San-e9295a",
    }
    assert output_name("visit_report", rep=long, customer=None, period="2026-11") == (
        f"visit_report_{'长' * 37}-1ed091_2026-11.xlsx"
    )
    assert fitted_name("Zhang_San", NAME_BYTES, whole="Zhang/San", extension=False, tagged=True) == "Zhang_San-e19dcf"
    for folder in folders.values():
        (tmp_path / folder).mkdir()
        (tmp_path / folder / output_name("visit_report", rep=long, customer="C001", period="2026-11")).write_bytes(b"")
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(folders.values())
    assert len(list(tmp_path.glob("*/visit_report_*_C001_2026-11.xlsx"))) == 4


# Rep names that are one folder once made safe (or on Windows and macOS, which compare names case-blind), and one
# too long for a file name (255 bytes).
CLASHING_REPS = ("Zhang/San", "Zhang:San", "Li Lei", "LI LEI", "长" * 100)


def clashing_reps_master(path: Path) -> Path:
    """The demo master with its first reps renamed to ``CLASHING_REPS`` in every table that names a rep."""
    import dataclasses

    from keyacct_xl.demo.company import generate_demo

    master = generate_demo(seed=5, customers=40)
    reps = sorted(set(master.customers["rep"].dropna()))
    renamed = dict(zip(reps, CLASHING_REPS, strict=False))
    for field in dataclasses.fields(master):
        frame = getattr(master, field.name)
        if isinstance(frame, pd.DataFrame) and "rep" in frame.columns:
            frame["rep"] = frame["rep"].map(lambda v: renamed.get(v, v))
    return save_master(master, path, backup=False)


def _folders_of_reps(out: Path) -> dict[str, set[str]]:
    """Per folder under ``out``, the reps its forms are made out to (the files' header cells that name a rep)."""
    found: dict[str, set[str]] = {}
    for folder in out.iterdir():
        assert not any(f.name.endswith(".bak.xlsx") for f in folder.iterdir()), folder  # no form replaced another
        for form in folder.glob("*.xlsx"):
            cells = {c.value for ws in openpyxl.load_workbook(form) for r in ws.iter_rows() for c in r}
            found.setdefault(folder.name, set()).update(cells & set(CLASHING_REPS))
    return found


def test_reps_whose_folders_would_be_one_or_too_long_each_get_their_own_folder(tmp_path: Path) -> None:
    """Zhang/San and Zhang:San are both Zhang_San once made safe; Li Lei and LI LEI are one folder on Windows and
    macOS; a name of 300 bytes is no file name. Each rep gets a folder of its own (a digest of its name after the
    shared or cut name), every rep's forms are written, none replaces another's, and a second run names them alike."""
    master = clashing_reps_master(tmp_path / "master.xlsx")
    out = tmp_path / "prefill"
    assert main(["forms", "prefill", "--master", str(master), "--period", "2026-W45", "--out", str(out)]) == 0
    folders = _folders_of_reps(out)
    reps_in = {rep: name for name, reps in folders.items() for rep in reps}
    assert set(reps_in) == set(CLASHING_REPS)
    assert all(len(folders[name]) == 1 for name in reps_in.values())  # one rep's forms per folder
    assert len({name.casefold() for name in (p.name for p in out.iterdir())}) == len(list(out.iterdir()))
    assert reps_in["Zhang/San"].startswith("Zhang_San-") and reps_in["LI LEI"].startswith("LI_LEI-")
    assert all(len(p.name.encode()) <= 255 for p in out.rglob("*"))
    again = tmp_path / "again"
    assert main(["forms", "prefill", "--master", str(master), "--period", "2026-W45", "--out", str(again)]) == 0
    assert sorted(p.name for p in again.iterdir()) == sorted(p.name for p in out.iterdir())


def test_an_english_form_prefilled_from_a_chinese_master_shows_its_choices_in_english(tmp_path: Path) -> None:
    """A Chinese master's stage 初步接触 was written as it is into an English funnel, whose dropdown offers Contacted:
    a choice named by its value or a label in either language is shown in the form's language (a word that names no
    choice stays as typed)."""
    master = small_master()
    master.opportunities = _frame(
        OPPORTUNITIES,
        [
            {"opportunity_id": "O1", "customer_id": "C001", "product": "液压油", "stage": "初步接触", "rep": "张三"},
            {"opportunity_id": "O2", "customer_id": "C001", "product": "齿轮油", "stage": "方案报价", "rep": "张三"},
            {"opportunity_id": "O3", "customer_id": "C001", "product": "导轨油", "stage": "快成了", "rep": "张三"},
        ],
    )
    spec = load_form("sales_funnel")
    form = write_form(
        tmp_path / "funnel.xlsx", spec, lang="en", data=prefill(spec, master, rep="张三", period="2026-11")
    )
    sheet = openpyxl.load_workbook(form).worksheets[0]
    area = CellRange(sheet.tables["t_opportunities"].ref)
    header = {sheet.cell(area.min_row, c).value: c for c in range(area.min_col, area.max_col + 1)}
    stage = next(c for name, c in header.items() if "Stage" in str(name))
    stages = [sheet.cell(r, stage).value for r in range(area.min_row + 1, area.min_row + 4)]
    assert stages == ["Contacted", "Proposal", "快成了"]
