"""A customer's signed account statement coming back through consolidation: "differences found" starts a
reconciliation (its workbook beside the master, a line in the report), "agreed" ends there; decided and applied,
the next reconciliation of the same statement agrees."""

from __future__ import annotations

import io
import os
import shutil

import openpyxl
import pytest
import python_calamine as calamine
from fileopens import opens_of

from keyacct_xl.bridge.base import ActionOptions, FileBridge
from keyacct_xl.cli.main import main
from keyacct_xl.consolidate.simulate import fill_form
from keyacct_xl.macros import run_action
from keyacct_xl.master import tablememo
from keyacct_xl.master.reader import load_master
from keyacct_xl.master.writer import save_master
from tests.test_receivables_adjustments import decide, write_master

_FORKS: list[int] = []
os.register_at_fork(before=lambda: _FORKS.__setitem__(0, _FORKS[0] + 1) if _FORKS else None)


def workers_started(job) -> int:
    """How many processes ``job`` forks (each isolated reader is one)."""
    _FORKS[:] = [0]
    try:
        job()
    finally:
        started = _FORKS.pop()
    return started


def returned_statement(tmp_path, *, agreed: str, note: str | None, s2_amount: float | None = None):
    """Our pre-filled statement of C1 for 2026-10, as the customer sends it back (signed)."""
    master, inbox = tmp_path / "master.xlsx", tmp_path / "inbox"
    write_master(master)
    args = ["forms", "generate", "account_statement", "--master", str(master), "--customer", "C1"]
    assert main([*args, "--period", "2026-10", "--out", str(inbox)]) == 0
    path = inbox / "account_statement_C1_2026-10.xlsx"
    book = openpyxl.load_workbook(path)
    sheet = book.worksheets[0]

    def cell(name: str):
        ((_, ref),) = book.defined_names[name].destinations
        return sheet[ref.replace("$", "")]

    cell("f_agreed").value = agreed
    cell("f_differences").value = note
    cell("f_customer_signature").value = "甲公司 财务章"
    if s2_amount is not None:
        row = next(r for r in sheet.iter_rows(min_row=15) if r[1].value == "S2")
        row[3].value = s2_amount
    book.save(path)
    return master, inbox, path


def report_rows(report) -> list[list[object]]:
    book = calamine.CalamineWorkbook.from_path(str(report))
    return [row for name in book.sheet_names for row in book.get_sheet_by_name(name).to_python()]


def test_differences_found_starts_a_reconciliation(tmp_path, capsys):
    master, inbox, path = returned_statement(tmp_path, agreed="否", note="S2 我方只收到 2,950 元的货", s2_amount=2950)
    report = tmp_path / "report.xlsx"
    before = master.read_bytes()
    assert main(["consolidate", str(inbox), "--into", str(master), "--report", str(report), "--lang", "en"]) == 0
    printed = capsys.readouterr().out
    assert "returned statement 1" in printed and master.read_bytes() == before  # nothing merged into the master
    recon = master.parent / "reconciliations" / "reconcile_account_statement_C1_2026-10.xlsx"
    line = next(str(v) for row in report_rows(report) for v in row if "reconciliation" in str(v) and "C1" in str(v))
    assert str(recon) in line and "1 difference line(s)" in line and "unexplained ¥0.00" in line
    results = calamine.CalamineWorkbook.from_path(str(recon), load_tables=True).get_table_by_name("Reconciliation")
    rows = [dict(zip(results.columns, r)) for r in results.to_python()]
    assert [(r["我方单号"], r["差额"]) for r in rows if r["差额"]] == [("S2", 50.0)]
    notes = calamine.CalamineWorkbook.from_path(str(recon)).get_sheet_by_name("说明").to_python()
    assert "客户说明：S2 我方只收到 2,950 元的货" in [row[0] for row in notes]  # under the title block

    # Finance decides in it and applies; the same statement then reconciles without differences.
    decide(recon, {"S2": ("以对方为准", "王经理", "少发 50 元货")})
    assert main(["reconcile", "apply", str(recon), "--into", str(master)]) == 0
    assert load_master(master).adjustments["amount"].tolist() == [-50.0]
    again = tmp_path / "again.xlsx"
    assert (
        main(["reconcile", str(master), str(path), "--customer", "C1", "--perspective", "ours", "--out", str(again)])
        == 0
    )
    results = calamine.CalamineWorkbook.from_path(str(again), load_tables=True).get_table_by_name("Reconciliation")
    assert not any(dict(zip(results.columns, r))["差额"] for r in results.to_python())

    # The next consolidation of the same inbox leaves the decided workbook as it is.
    decided = recon.read_bytes()
    assert main(["consolidate", str(inbox), "--into", str(master), "--report", str(report), "--lang", "en"]) == 0
    assert recon.read_bytes() == decided
    assert any("already started" in str(v) for row in report_rows(report) for v in row)


def test_an_agreed_statement_ends_there(tmp_path, capsys):
    master, inbox, _ = returned_statement(tmp_path, agreed="是", note=None)
    report = tmp_path / "report.xlsx"
    assert main(["consolidate", str(inbox), "--into", str(master), "--report", str(report), "--lang", "en"]) == 0
    assert not (master.parent / "reconciliations").exists()
    assert any("agreed, nothing to reconcile" in str(v) for row in report_rows(report) for v in row)


def master_opens(master, inbox, report) -> int:
    """How often a consolidation of ``inbox`` opens the master file."""
    args = ["consolidate", str(inbox), "--into", str(master), "--report", str(report), "--dry-run"]
    codes: list[int] = []
    tablememo.forget_tables()  # each run as a new process starts it
    opens = opens_of(master, lambda: codes.append(main([*args, "--lang", "en"])))
    assert codes == [0]
    return opens


def test_a_run_with_several_returned_statements_reads_the_master_once(tmp_path):
    master, inbox, path = returned_statement(tmp_path, agreed="否", note="S2 只收到 2,950 元", s2_amount=2950)
    report = tmp_path / "report.xlsx"
    one = master_opens(master, inbox, report)
    for amount in (2900, 2800):  # two more customers' copies, each with its own difference
        copy = shutil.copy(path, inbox / f"copy_{amount}.xlsx")
        book = openpyxl.load_workbook(copy)
        next(r for r in book.worksheets[0].iter_rows(min_row=15) if r[1].value == "S2")[3].value = amount
        book.save(copy)
    three = master_opens(master, inbox, report)
    rows = report_rows(report)
    assert sum("with differences: reconciliation" in str(v) for row in rows for v in row) == 3
    assert three == one


def test_statements_of_the_same_name_in_two_folders_get_a_reconciliation_each(tmp_path):
    master, inbox, path = returned_statement(tmp_path, agreed="否", note="S2 只收到 2,950 元", s2_amount=2950)
    for folder, amount in (("north", 2900), ("south", 2800)):
        (inbox / folder).mkdir()
        copy = shutil.copy(path, inbox / folder / path.name)
        book = openpyxl.load_workbook(copy)
        next(r for r in book.worksheets[0].iter_rows(min_row=15) if r[1].value == "S2")[3].value = amount
        book.save(copy)
    path.unlink()
    report = tmp_path / "report.xlsx"
    assert main(["consolidate", str(inbox), "--into", str(master), "--report", str(report), "--lang", "en"]) == 0
    written = sorted((master.parent / "reconciliations").glob("*.xlsx"))
    assert len(written) == 2 and len({p.read_bytes() for p in written}) == 2
    differences = []
    for recon in written:
        table = calamine.CalamineWorkbook.from_path(str(recon), load_tables=True).get_table_by_name("Reconciliation")
        rows = [dict(zip(table.columns, r)) for r in table.to_python()]
        differences.append([r["差额"] for r in rows if r["差额"]])
    assert sorted(differences) == [[100.0], [200.0]]
    lines = [str(v) for row in report_rows(report) for v in row if "with differences: reconciliation" in str(v)]
    assert sorted(line.split("reconciliation ")[1].split(" (")[0] for line in lines) == [str(p) for p in written]


def test_a_returned_statement_whose_name_is_253_bytes_gets_a_reconciliation_named_within_255(tmp_path):
    master, inbox, path = returned_statement(tmp_path, agreed="否", note="S2 只收到 2,950 元", s2_amount=2950)
    long = path.rename(inbox / ("很长的文件名" * 13 + "很长的文ab.xlsx"))  # 253 bytes: reconcile_<stem>.xlsx was 263
    shutil.copy(long, inbox / long.name.replace("ab.xlsx", "cd.xlsx"))  # cut alike, each gets its own workbook
    report = tmp_path / "report.xlsx"
    assert main(["consolidate", str(inbox), "--into", str(master), "--report", str(report), "--lang", "en"]) == 0
    written = sorted((master.parent / "reconciliations").iterdir())
    assert len(written) == 2 and all(len(p.name.encode()) <= 255 and p.suffix == ".xlsx" for p in written)
    lines = [str(v) for row in report_rows(report) for v in row if "with differences: reconciliation" in str(v)]
    assert sorted(line.split("reconciliation ")[1].split(" (")[0] for line in lines) == [str(p) for p in written]
    assert main(["consolidate", str(inbox), "--into", str(master), "--report", str(report), "--lang", "en"]) == 0
    assert sum("already started" in str(v) for row in report_rows(report) for v in row) == 2


def test_a_statement_in_a_folder_started_before_folder_names_is_not_started_twice(tmp_path):
    # Before folder names, inbox/north/<file> started reconciliations/reconcile_<file>.xlsx, its reconciliation
    # named by the file name alone (as a statement outside any folder still is). A second workbook for it under
    # the folder name would let finance apply the same adjustments twice.
    master, inbox, path = returned_statement(tmp_path, agreed="否", note="S2 只收到 2,950 元", s2_amount=2950)
    report = tmp_path / "report.xlsx"
    assert main(["consolidate", str(inbox), "--into", str(master), "--report", str(report), "--lang", "en"]) == 0
    (inbox / "north").mkdir()
    path.rename(inbox / "north" / path.name)
    assert main(["consolidate", str(inbox), "--into", str(master), "--report", str(report), "--lang", "en"]) == 0
    earlier = master.parent / "reconciliations" / f"reconcile_{path.stem}.xlsx"
    assert sorted((master.parent / "reconciliations").glob("*.xlsx")) == [earlier]
    lines = [str(v) for row in report_rows(report) for v in row if "with differences: reconciliation" in str(v)]
    assert lines == [f"returned statement of customer C1 with differences: reconciliation already started in {earlier}"]


def test_reconcile_prints_a_customer_note_of_two_lines_as_one_indented_note(tmp_path, capsys):
    """A note typed with Alt+Enter: its second line is indented under the first, not flush with the summary."""
    master, _, path = returned_statement(tmp_path, agreed="否", note="S2 只收到 2,950 元\n另：运费未计", s2_amount=2950)
    out = tmp_path / "recon.xlsx"
    assert main(["reconcile", str(master), str(path), "--customer", "C1", "--out", str(out), "--lang", "en"]) == 0
    printed = capsys.readouterr().out.splitlines()
    at = next(i for i, line in enumerate(printed) if "the customer's note: S2" in line)
    assert printed[at].startswith("  ") and printed[at + 1] == "    另：运费未计"


def test_reconcile_reads_a_returned_statement_by_its_fields(tmp_path, capsys):
    """Finance runs ``reconcile`` on the signed statement the customer emailed back, without consolidation: its
    confirmation block (核对相符 否, the signature) is no line of theirs, its opening balance is the form's, and the
    customer's note is shown, as when consolidation starts the reconciliation."""
    master, _, path = returned_statement(tmp_path, agreed="否", note="S2 我方只收到 2,950 元的货", s2_amount=2950)
    out = tmp_path / "recon.xlsx"
    assert main(["reconcile", str(master), str(path), "--customer", "C1", "--out", str(out), "--lang", "en"]) == 0
    assert "unexplained ¥0.00, 0 unreadable values" in capsys.readouterr().out
    results = calamine.CalamineWorkbook.from_path(str(out), load_tables=True).get_table_by_name("Reconciliation")
    rows = [dict(zip(results.columns, r)) for r in results.to_python()]
    assert [(r["Our Ref"], r["Their Ref"], r["Difference"]) for r in rows if r["Status"] != "Matched"] == [
        ("S2", "S2", 50.0)
    ]
    book = calamine.CalamineWorkbook.from_path(str(out))
    explanation = [row[0] for row in book.get_sheet_by_name("Explanation").to_python()]
    assert not any("opening" in str(item) for item in explanation)
    notes = [row[0] for row in book.get_sheet_by_name("Notes").to_python()]
    assert "the customer's note: S2 我方只收到 2,950 元的货" in notes


def test_the_ribbon_reads_a_returned_statement_by_its_fields_as_the_cli_does(tmp_path, capsys):
    """The 对账 button on the signed statement form: the same reconciliation and the same note as ``reconcile``."""
    master, _, path = returned_statement(tmp_path, agreed="否", note="S2 我方只收到 2,950 元的货", s2_amount=2950)
    out = tmp_path / "recon.xlsx"
    capsys.readouterr()
    assert main(["reconcile", str(master), str(path), "--customer", "C1", "--out", str(out), "--lang", "en"]) == 0
    printed = capsys.readouterr().out.strip()
    bridge = FileBridge(master, lang="en", stream=io.StringIO())
    result = run_action("reconcile", bridge, ActionOptions(input=path, extra={"customer": "C1"}))
    (written,) = result.outputs
    assert result.en == printed.replace(str(out), str(written))
    assert "the customer's note: S2 我方只收到 2,950 元的货" in result.en
    tables = [
        calamine.CalamineWorkbook.from_path(str(p), load_tables=True).get_table_by_name("Reconciliation").to_python()
        for p in (out, written)
    ]
    assert tables[0] == tables[1]


def their_books() -> openpyxl.Workbook:
    """C1's statement as the customer's own finance keeps it: date, number, debit, credit."""
    book = openpyxl.Workbook()
    for line in (["日期", "单号", "借方", "贷方"], ["2026-10-03", "S1", 1000, None], ["2026-10-20", "S2", 3000, None]):
        book.active.append(line)
    return book


def test_a_customer_s_own_statement_is_read_in_one_worker(tmp_path, capsys):
    """Only our statement form is read a second time, by its fields: the customer's own books are read once."""
    master = tmp_path / "master.xlsx"
    write_master(master)
    theirs = tmp_path / "their_books.xlsx"
    their_books().save(theirs)
    args = ["reconcile", str(master), str(theirs), "--customer", "C1", "--out", str(tmp_path / "r.xlsx")]
    assert workers_started(lambda: main(args)) == 1
    capsys.readouterr()


def test_a_customer_s_own_books_with_a_meta_sheet_naming_our_form_are_read_as_their_books(tmp_path, capsys):
    """A workbook whose hidden _meta names our statement form (copied from our form with the sheet, or forged) but
    that holds no table of its lines is the customer's own books: its lines are read, not taken as none at all (the
    reconciliation showed their side as ¥0.00 and each of our lines as ours only)."""
    master = tmp_path / "master.xlsx"
    write_master(master)
    theirs = tmp_path / "their_books.xlsx"
    book = their_books()
    meta = book.create_sheet("_meta")
    for row in (["key", "value"], ["form_id", "account_statement"], ["version", "1"], ["lang", "zh"]):
        meta.append(row)
    meta.sheet_state = "hidden"
    book.save(theirs)
    out = tmp_path / "r.xlsx"
    args = ["reconcile", str(master), str(theirs), "--customer", "C1", "--out", str(out), "--lang", "en"]
    assert main(args) == 0
    assert "theirs -¥4,000.00" in capsys.readouterr().out
    results = calamine.CalamineWorkbook.from_path(str(out), load_tables=True).get_table_by_name("Reconciliation")
    rows = [dict(zip(results.columns, r)) for r in results.to_python()]
    assert sorted(r["Their Ref"] for r in rows if r["Their Ref"]) == ["S1", "S2"]


def filled_statement(tmp_path, lang: str, line: dict[str, object]):
    """A master in ``lang`` and our statement of C1 for 2026-10 sent back with differences, its second line's
    cells as ``line`` (typed with openpyxl, as a rep does)."""
    master, inbox = tmp_path / "master.xlsx", tmp_path / "inbox"
    write_master(tmp_path / "zh.xlsx")
    books = load_master(tmp_path / "zh.xlsx")
    books.lang = lang
    save_master(books, master)
    args = ["forms", "generate", "account_statement", "--master", str(master), "--customer", "C1"]
    assert main([*args, "--period", "2026-10", "--out", str(inbox), "--lang", lang]) == 0
    path = inbox / "account_statement_C1_2026-10.xlsx"
    header = {"agreed": "否", "differences": "金额有误"}
    path.write_bytes(fill_form(path.read_bytes(), header=header, rows={"lines": [{}, line]}))
    return master, inbox


@pytest.mark.parametrize(
    ("lang", "sheet", "headers", "columns"),
    [
        ("zh", "无法识别", ["文件", "工作表", "行", "列", "值", "原因"], ["日期", "借方(销售)"]),
        ("en", "Problems", ["File", "Sheet", "Row", "Column", "Value", "Reason"], ["Date", "Debit (sales)"]),
    ],
)
def test_an_unreadable_cell_of_a_returned_statement_is_named_by_its_label(tmp_path, lang, sheet, headers, columns):
    """The reconciliation's unreadable values name the column as the form labels it, in the document's language
    (the zh workbook said ``debit``, the field's key)."""
    master, inbox = filled_statement(tmp_path, lang, {"date": "十月某日", "debit": "五千元整?"})
    report = tmp_path / "report.xlsx"
    assert main(["consolidate", str(inbox), "--into", str(master), "--report", str(report), "--lang", lang]) == 0
    recon = master.parent / "reconciliations" / "reconcile_account_statement_C1_2026-10.xlsx"
    rows = calamine.CalamineWorkbook.from_path(str(recon)).get_sheet_by_name(sheet).to_python()
    at = rows.index(headers)
    problems = [dict(zip(headers, row)) for row in rows[at + 1 :]]
    assert sorted(p[headers[3]] for p in problems) == sorted(columns)
    assert {p[headers[4]] for p in problems} == {"十月某日", "五千元整?"}
    assert {p[headers[2]] for p in problems} == {16}
