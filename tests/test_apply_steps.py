"""Each grade apply and credit apply is its own undoable step, even two on one day: an undo takes back the last apply,
a second undo the one before it, from the command line and the ribbon alike; a master written before applies were
numbered (GradeHistory without 应用序号) still loads and undoes by date."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from openpyxl.utils import column_index_from_string, get_column_letter
from test_analytics_cli import _type_final_grade
from test_analytics_cli import small_master as graded_master
from test_credit_terms import small_master as credit_master

from keyacct_xl.bridge.base import ActionOptions, FileBridge
from keyacct_xl.cli.main import main
from keyacct_xl.macros import run_action
from keyacct_xl.master.reader import load_master
from keyacct_xl.master.settings import settings_from
from keyacct_xl.master.writer import save_master

COLUMNS = ["grade", "credit_grade", "credit_limit", "payment_terms_days"]
HISTORY_SHEET = "等级历史"


def _customers(path: Path) -> pd.DataFrame:
    return load_master(path).customers.set_index("customer_id")[COLUMNS]


def _run(path: Path, via: str, command: str, *, undo: bool, date: str) -> str:
    """``grade apply`` or ``credit apply`` (with ``--undo``) as the command line or the ribbon's button runs it;
    its summary in English."""
    if via == "cli":
        words = [command, "apply", str(path), "--date", date, "--lang", "en", *(["--undo"] if undo else [])]
        assert main(words) == 0
        return ""
    action = {
        ("grade", False): "apply_grades",
        ("grade", True): "undo_grades",
        ("credit", False): "apply_credit_terms",
        ("credit", True): "undo_credit_terms",
    }[command, undo]
    return run_action(action, FileBridge(path), ActionOptions(as_of=date)).en


def _set_terms_b(path: Path, days: int) -> None:
    """Finance changes the payment terms of credit grade B in Settings, as a person would."""
    master = load_master(path)
    master.settings = settings_from({"payment_terms_b": days})
    save_master(master, path, tables=["Settings"])


@pytest.mark.parametrize("via", ["cli", "ribbon"])
def test_two_grade_applies_on_one_day_are_undone_one_at_a_time(tmp_path: Path, via: str, capsys) -> None:
    path = save_master(graded_master(), tmp_path / "master.xlsx", backup=False)
    original = _customers(path)
    assert main(["grade", str(path), "--year", "2025"]) == 0
    _type_final_grade(path, "C3", "A")
    _run(path, via, "grade", undo=False, date="2025-12-28")
    after_first = _customers(path)
    # The manager corrects the review the same day and applies again.
    _type_final_grade(path, "C3", "VIP")
    _run(path, via, "grade", undo=False, date="2025-12-28")
    assert _customers(path).loc["C3", "grade"] == "VIP"
    capsys.readouterr()
    shown = _run(path, via, "grade", undo=True, date="2025-12-28") or capsys.readouterr().out
    assert "apply No. 2 of the 2025 grades (2025-12-28) undone for 1 customer(s)\n  C3 丙超市: grade VIP → A" in shown
    pd.testing.assert_frame_equal(_customers(path), after_first)
    shown = _run(path, via, "grade", undo=True, date="2025-12-28") or capsys.readouterr().out
    assert (
        "apply No. 1 of the 2025 grades (2025-12-28) undone for 4 customer(s)" in shown
        and "C3 丙超市: grade A → B" in shown
    )
    pd.testing.assert_frame_equal(_customers(path), original)
    # Each apply's rows carry its number, each undo's the number of the apply it took back, under a zh header.
    history = load_master(path).grade_history
    assert history["apply_no"].tolist() == [1, 1, 1, 1, 2, 2, 1, 1, 1, 1]
    assert history["reason"].iloc[5:].str.startswith("撤销").all()
    assert "应用序号" in [cell.value for cell in openpyxl.load_workbook(path)[HISTORY_SHEET][1]]


@pytest.mark.parametrize("via", ["cli", "ribbon"])
def test_two_credit_applies_on_one_day_are_undone_one_at_a_time(tmp_path: Path, via: str, capsys) -> None:
    path = save_master(credit_master(), tmp_path / "master.xlsx", backup=False)
    original = _customers(path)
    _run(path, via, "credit", undo=False, date="2026-03-31")
    after_first = _customers(path)
    _set_terms_b(path, 40)
    _run(path, via, "credit", undo=False, date="2026-03-31")  # the same day: C2's terms 45 -> 40
    capsys.readouterr()
    shown = _run(path, via, "credit", undo=True, date="2026-04-01") or capsys.readouterr().out
    assert "credit apply No. 2 (2026-03-31) undone for 1 customer(s)\n  C2 乙: payment terms (days) 40 → 45" in shown
    pd.testing.assert_frame_equal(_customers(path), after_first)
    shown = _run(path, via, "credit", undo=True, date="2026-04-01") or capsys.readouterr().out
    assert "credit apply No. 1 (2026-03-31) undone for 3 customer(s)" in shown
    assert "  C2 乙: credit limit 200,000 → 1; payment terms (days) 45 → 15" in shown
    pd.testing.assert_frame_equal(_customers(path), original)
    shown = _run(path, via, "credit", undo=True, date="2026-04-01") or capsys.readouterr().out
    assert "nothing to undo: every credit apply has been undone" in shown
    pd.testing.assert_frame_equal(_customers(path), original)


def without_last_column(path: Path, sheet_name: str, table_name: str, header: str) -> None:
    """Take the column ``header`` (the table's last) out of a table: the master as a release before it wrote it."""
    book = openpyxl.load_workbook(path)
    sheet = book[sheet_name]
    table = sheet.tables[table_name]
    assert table.tableColumns[-1].name == header
    sheet.delete_cols(sheet.max_column)
    table.tableColumns.pop()
    start, end = table.ref.split(":")
    letters = end.rstrip("0123456789")
    table.ref = f"{start}:{get_column_letter(column_index_from_string(letters) - 1)}{end[len(letters) :]}"
    if table.autoFilter is not None:
        table.autoFilter.ref = table.ref
    book.save(path)


def _as_written_before_apply_numbers(path: Path) -> None:
    without_last_column(path, HISTORY_SHEET, "GradeHistory", "应用序号")


def test_a_master_written_before_apply_numbers_undoes_by_date(tmp_path: Path, capsys) -> None:
    """GradeHistory rows without a number are told apart by their date, as before: the undo takes back the latest
    date's apply, then the one before it; the undo's save gives the table its 应用序号 column."""
    path = save_master(graded_master(), tmp_path / "master.xlsx", backup=False)
    original = _customers(path)
    assert main(["grade", str(path), "--year", "2025"]) == 0
    _type_final_grade(path, "C3", "A")
    assert main(["grade", "apply", str(path), "--date", "2025-12-28"]) == 0
    after_first = _customers(path)
    _type_final_grade(path, "C3", "VIP")
    assert main(["grade", "apply", str(path), "--date", "2026-01-10"]) == 0
    _as_written_before_apply_numbers(path)
    old = load_master(path).grade_history
    assert len(old) == 5 and old["apply_no"].isna().all()
    capsys.readouterr()
    assert main(["grade", "apply", str(path), "--undo", "--date", "2026-01-11", "--lang", "en"]) == 0
    assert (
        "2025 grades applied on 2026-01-10 undone for 1 customer(s)\n  C3 丙超市: grade VIP → A"
        in capsys.readouterr().out
    )
    pd.testing.assert_frame_equal(_customers(path), after_first)
    history = load_master(path).grade_history
    assert len(history) == 6 and history["apply_no"].isna().all()  # the apply it took back has no number either
    assert "应用序号" in [cell.value for cell in openpyxl.load_workbook(path)[HISTORY_SHEET][1]]
    assert main(["grade", "apply", str(path), "--undo", "--date", "2026-01-12", "--lang", "en"]) == 0
    assert "2025 grades applied on 2025-12-28 undone for 4 customer(s)" in capsys.readouterr().out
    pd.testing.assert_frame_equal(_customers(path), original)


def test_a_master_written_before_apply_numbers_undoes_its_last_credit_apply(tmp_path: Path, capsys) -> None:
    path = save_master(credit_master(), tmp_path / "master.xlsx", backup=False)
    original = _customers(path)
    assert main(["credit", "apply", str(path), "--date", "2026-03-31"]) == 0
    after_first = _customers(path)
    _set_terms_b(path, 40)
    assert main(["credit", "apply", str(path), "--date", "2026-04-30"]) == 0
    _as_written_before_apply_numbers(path)
    capsys.readouterr()
    assert main(["credit", "apply", str(path), "--undo", "--lang", "en"]) == 0
    assert "credit terms applied on 2026-04-30 undone for 1 customer(s)" in capsys.readouterr().out
    pd.testing.assert_frame_equal(_customers(path), after_first)
    assert main(["credit", "apply", str(path), "--undo", "--lang", "en"]) == 0
    assert "credit terms applied on 2026-03-31 undone for 3 customer(s)" in capsys.readouterr().out
    pd.testing.assert_frame_equal(_customers(path), original)
    # A new apply after the upgrade is numbered on from the table's highest number (none yet: 1).
    assert main(["credit", "apply", str(path), "--date", "2026-05-01"]) == 0
    assert load_master(path).grade_history["apply_no"].dropna().tolist() == [1, 1, 1]


def _type_apply_no(path: Path, row: int, value: object) -> None:
    """A person types ``value`` into GradeHistory's 应用序号 cell of Excel row ``row``."""
    book = openpyxl.load_workbook(path)
    sheet = book[HISTORY_SHEET]
    column = [cell.value for cell in sheet[1]].index("应用序号") + 1
    sheet.cell(row, column).value = value
    book.save(path)


@pytest.mark.parametrize(
    ("second_day", "typed", "refusal"),
    [
        ("2025-12-28", -1, "apply number -1 was written by no apply (they count from 1): correct it before an undo"),
        (
            "2025-12-29",
            1,
            "apply number 1 is on rows of two dates (2025-12-28 and 2025-12-29), and an apply writes one: correct the "
            "number before an undo",
        ),
    ],
)
def test_an_apply_number_no_apply_writes_is_named_and_nothing_is_undone(
    tmp_path: Path, capsys, second_day: str, typed: int, refusal: str
) -> None:
    """A second apply's number typed over as -1 made the undo take back the first apply in its place (C1, C2 and C4
    put back, C3 kept as the second apply left it); typed as the first's number, both applies together."""
    path = save_master(graded_master(), tmp_path / "master.xlsx", backup=False)
    assert main(["grade", str(path), "--year", "2025"]) == 0
    _type_final_grade(path, "C3", "A")
    _run(path, "cli", "grade", undo=False, date="2025-12-28")
    _type_final_grade(path, "C3", "VIP")
    _run(path, "cli", "grade", undo=False, date=second_day)
    assert load_master(path).grade_history["apply_no"].tolist() == [1, 1, 1, 1, 2]
    _type_apply_no(path, 6, typed)
    before = _customers(path)
    capsys.readouterr()
    assert main(["grade", "apply", str(path), "--undo", "--date", "2025-12-30", "--lang", "en"]) == 2
    assert capsys.readouterr().err == f"keyacct-xl: master.xlsx: sheet 等级历史, row 6, column 应用序号: {refusal}\n"
    pd.testing.assert_frame_equal(_customers(path), before)


@pytest.mark.parametrize("via", ["cli", "ribbon"])
def test_undoing_every_grade_apply_stops_and_names_each_apply_it_took_back(tmp_path: Path, via: str, capsys) -> None:
    """A correction that puts a grade back as it was (B → A, then A → B, the terms unchanged) made two applies'
    values meet: once both were undone, the next undo took the correction back again, and every further undo
    flipped the grade. An apply an undo took back is passed over; each undo names the apply by number and date."""
    path = save_master(graded_master(), tmp_path / "master.xlsx", backup=False)
    original = _customers(path)
    assert main(["grade", str(path), "--year", "2025"]) == 0
    _run(path, via, "grade", undo=False, date="2025-12-28")
    after_first = _customers(path)
    _type_final_grade(path, "C3", "A")
    _run(path, via, "grade", undo=False, date="2025-12-28")
    _type_final_grade(path, "C3", "B")  # the meeting goes back on its decision the same day
    capsys.readouterr()
    shown = _run(path, via, "grade", undo=False, date="2025-12-28") or capsys.readouterr().out
    assert "recorded as apply No. 3 in the grade history; grade apply --undo takes it back" in shown
    shown = _run(path, via, "grade", undo=True, date="2025-12-29") or capsys.readouterr().out
    assert "apply No. 3 of the 2025 grades (2025-12-28) undone for 1 customer(s)\n  C3 丙超市: grade B → A" in shown
    shown = _run(path, via, "grade", undo=True, date="2025-12-29") or capsys.readouterr().out
    assert "apply No. 2 of the 2025 grades (2025-12-28) undone for 1 customer(s)\n  C3 丙超市: grade A → B" in shown
    pd.testing.assert_frame_equal(_customers(path), after_first)
    shown = _run(path, via, "grade", undo=True, date="2025-12-29") or capsys.readouterr().out
    assert "apply No. 1 of the 2025 grades (2025-12-28) undone for " in shown
    pd.testing.assert_frame_equal(_customers(path), original)
    rows = len(load_master(path).grade_history)
    shown = _run(path, via, "grade", undo=True, date="2025-12-29") or capsys.readouterr().out
    assert "nothing to undo: every 2025 grade apply has been undone" in shown
    pd.testing.assert_frame_equal(_customers(path), original)
    assert len(load_master(path).grade_history) == rows


@pytest.mark.parametrize("via", ["cli", "ribbon"])
def test_terms_changed_and_changed_back_are_undone_once_each(tmp_path: Path, via: str, capsys) -> None:
    """Finance sets grade B's terms to 40 days, applies, sets them back to 45 and applies again: once both applies
    are undone, the next undo takes back the first apply, not the correction a second time."""
    path = save_master(credit_master(), tmp_path / "master.xlsx", backup=False)
    original = _customers(path)
    _run(path, via, "credit", undo=False, date="2026-03-31")
    after_first = _customers(path)
    _set_terms_b(path, 40)
    _run(path, via, "credit", undo=False, date="2026-03-31")
    _set_terms_b(path, 45)
    capsys.readouterr()
    shown = _run(path, via, "credit", undo=False, date="2026-03-31") or capsys.readouterr().out
    assert "recorded as credit apply No. 3 in the grade history; credit apply --undo takes it back" in shown
    shown = _run(path, via, "credit", undo=True, date="2026-04-01") or capsys.readouterr().out
    assert "credit apply No. 3 (2026-03-31) undone for 1 customer(s)\n  C2 乙: payment terms (days) 45 → 40" in shown
    shown = _run(path, via, "credit", undo=True, date="2026-04-01") or capsys.readouterr().out
    assert "credit apply No. 2 (2026-03-31) undone for 1 customer(s)\n  C2 乙: payment terms (days) 40 → 45" in shown
    pd.testing.assert_frame_equal(_customers(path), after_first)
    shown = _run(path, via, "credit", undo=True, date="2026-04-01") or capsys.readouterr().out
    assert "credit apply No. 1 (2026-03-31) undone for 3 customer(s)" in shown
    pd.testing.assert_frame_equal(_customers(path), original)


def test_a_grade_apply_after_a_credit_undo_is_recorded_and_undone_exactly(tmp_path: Path, capsys) -> None:
    """Credit apply, grade apply, credit apply --undo, the same review applied again: the second apply wrote C1's
    limit and terms again, recorded nothing, and the next undo took back the first apply instead (C2, C3, C4),
    leaving C1 as the unrecorded apply set it. Every value an apply writes is recorded under its own number, and its
    undo takes back exactly those; undone to the end, every customer is as it was."""
    path = save_master(graded_master(), tmp_path / "master.xlsx", backup=False)
    original = _customers(path)
    assert main(["grade", str(path), "--year", "2025"]) == 0
    _type_final_grade(path, "C3", "A")
    assert main(["credit", "apply", str(path), "--date", "2026-01-05"]) == 0  # No. 1
    assert main(["grade", "apply", str(path), "--date", "2026-01-06"]) == 0  # No. 2
    assert main(["credit", "apply", str(path), "--undo", "--date", "2026-01-07"]) == 0
    after_credit_undo = _customers(path)
    assert after_credit_undo.loc["C1", ["credit_limit", "payment_terms_days"]].isna().tolist() == [True, False]
    rows = len(load_master(path).grade_history)
    capsys.readouterr()
    assert main(["grade", "apply", str(path), "--date", "2026-01-08", "--lang", "en"]) == 0  # the same review again
    out = capsys.readouterr().out
    assert "  C1 甲公司: credit limit - → 500,000; payment terms (days) 30 → 60" in out
    assert "recorded as apply No. 3 in the grade history; grade apply --undo takes it back" in out
    history = load_master(path).grade_history
    assert len(history) == rows + 1  # C1's row: what it wrote, before and after, under its own number
    assert history.iloc[-1][["customer_id", "limit_after", "terms_before", "terms_after", "apply_no"]].tolist() == [
        "C1",
        500_000.0,
        30,
        60,
        3,
    ]
    assert main(["grade", "apply", str(path), "--undo", "--date", "2026-01-09", "--lang", "en"]) == 0
    out = capsys.readouterr().out
    assert "apply No. 3 of the 2025 grades (2026-01-08) undone for 1 customer(s)" in out
    assert "  C1 甲公司: credit limit 500,000 → -; payment terms (days) 60 → 30" in out
    pd.testing.assert_frame_equal(_customers(path), after_credit_undo)
    # Then the first grade apply (C2, C3, C4), then what remains of the credit apply: every customer as it was.
    assert main(["grade", "apply", str(path), "--undo", "--date", "2026-01-09", "--lang", "en"]) == 0
    assert "apply No. 2 of the 2025 grades (2026-01-06) undone for 3 customer(s)" in capsys.readouterr().out
    assert main(["credit", "apply", str(path), "--undo", "--date", "2026-01-09", "--lang", "en"]) == 0
    assert "credit apply No. 1 (2026-01-05) undone for 2 customer(s)" in capsys.readouterr().out
    pd.testing.assert_frame_equal(_customers(path), original)


def test_a_grade_undo_puts_back_each_value_still_as_the_apply_wrote_it(tmp_path: Path, capsys) -> None:
    """C1's grade changed by the apply (VIP -> A) and never touched since, only its limit and terms by a credit
    apply --undo: the undo left the grade at A as if C1 had been changed since. It puts back each value that still
    holds what the apply wrote, keeps and names each one changed since, beside the value the apply wrote."""
    path = save_master(graded_master(), tmp_path / "master.xlsx", backup=False)
    original = _customers(path)
    assert main(["grade", str(path), "--year", "2025"]) == 0
    _type_final_grade(path, "C1", "A")
    _type_final_grade(path, "C3", "A")
    assert main(["credit", "apply", str(path), "--date", "2026-01-05"]) == 0
    credit_applied = _customers(path)
    assert main(["grade", "apply", str(path), "--date", "2026-01-06"]) == 0
    applied = _customers(path)
    assert applied.loc["C1", "grade"] == "A" and applied.loc["C1", "credit_limit"] == 500_000.0
    assert main(["credit", "apply", str(path), "--undo", "--date", "2026-01-07"]) == 0  # C1's limit and terms
    master = load_master(path)  # and finance types C4's limit by hand
    master.customers.loc[master.customers["customer_id"] == "C4", "credit_limit"] = 123_456.0
    save_master(master, path, tables=["Customers"])
    before_undo = _customers(path)
    capsys.readouterr()
    assert main(["grade", "apply", str(path), "--undo", "--date", "2026-01-08", "--lang", "en"]) == 0
    out = capsys.readouterr().out
    assert "apply No. 2 of the 2025 grades (2026-01-06) undone for 4 customer(s)" in out
    assert "  C1 甲公司: grade A → VIP" in out
    assert "  C4 丁店: grade C → -; credit grade B → -" in out  # its limit kept, its other values put back
    assert "1 value(s) of 1 customer(s) left as they are, changed since the grades were applied:" in out
    assert "  C4 丁店: credit limit 123,456 (the apply wrote 200,000)" in out
    # Grades as they were; C2's and C3's terms as the grade apply found them (the credit apply's), C1's as the
    # credit undo left them, C4's limit as typed.
    expected = before_undo.copy()
    expected[["grade", "credit_grade"]] = original[["grade", "credit_grade"]]
    terms = ["credit_limit", "payment_terms_days"]
    expected.loc[["C2", "C3"], terms] = credit_applied.loc[["C2", "C3"], terms]
    pd.testing.assert_frame_equal(_customers(path), expected)
