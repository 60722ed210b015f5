"""Statements as customers write them: every usual opening-balance wording, dates without a year (taking the year
of the period the title names, in the statement's own day/month convention), and a statement that reaches back
before its period. Each reconciles with our books to a zero remainder and no difference lines."""

from __future__ import annotations

import openpyxl
import pandas as pd
import pytest

from keyacct_xl.master.model import Master
from keyacct_xl.receivables.master_lines import master_lines, statement_period
from keyacct_xl.receivables.reconcile import reconcile
from keyacct_xl.receivables.statement_dates import title_period
from keyacct_xl.receivables.statement_reader import read_statement
from tests.test_receivables_ledger import pay, tx

D = pd.Timestamp
ZH_HEAD = ["日期", "凭证号", "摘要", "借方", "贷方", "余额"]
EN_HEAD = ["Date", "Ref", "Description", "Debit", "Credit", "Balance"]


def our_books(*extra: tuple[str, str, str, float]) -> Master:
    """C1 owes 1,000 from September; in October S1 5,000 and S2 3,000 are invoiced and R1 1,000 is received."""
    master = Master.empty()
    master.transactions = tx(
        ("C1", "S0", "2026-09-20", 1000.0),
        ("C1", "S1", "2026-10-03", 5000.0),
        ("C1", "S2", "2026-10-05", 3000.0),
        *extra,
    ).reindex(columns=master.transactions.columns)
    master.payments = payments(master, ("C1", "R1", "2026-10-12", 1000.0, "S0"))
    return master


def payments(master: Master, *rows: tuple) -> pd.DataFrame:
    """Payments rows in the master's own columns and dtypes (as a loaded master holds them)."""
    return pay(*rows).reindex(columns=master.payments.columns).astype(master.payments.dtypes.to_dict())


def their_statement(path, *, title: str, wording: str, dates: tuple[str, str, str], english: bool = False):
    """The customer's own books (they owe us: a credit balance; their debit is what they paid)."""
    book = openpyxl.Workbook()
    for row in [
        [title],
        EN_HEAD if english else ZH_HEAD,
        [None, None, wording, None, None, "1,000.00"],
        [dates[0], "S1", "purchase" if english else "购货", None, "5000"],
        [dates[1], "S2", "purchase" if english else "购货", None, "3,000.00"],
        [dates[2], "R1", "paid" if english else "付款", "1000", None],
        [None, None, "Closing balance" if english else "期末余额", None, None, "8,000.00"],
    ]:
        book.active.append(row)
    book.save(path)
    return path


def reconciled(path, master: Master | None = None):
    theirs = read_statement(path)
    start, end = statement_period(theirs)
    ours = master_lines(master or our_books(), "C1", start=start, end=end)
    return theirs, reconcile(ours, theirs, lang="en")


def assert_agrees(theirs, result) -> None:
    assert theirs.opening == 1000.0 and theirs.closing == 8000.0
    assert result.remainder == 0 and result.ours_closing == result.theirs_closing == 8000.0
    assert set(result.table["status"]) == {"matched"} and not result.table["difference"].any()
    assert not theirs.problems


ZH_WORDINGS = ["上月欠款", "上期结余", "期初余额", "承前页", "上年结转", "上月结欠", "年初余额", "前欠货款", "上期余额"]
EN_WORDINGS = [
    "Balance b/f",
    "Brought forward",
    "Opening balance",
    "Balance b/d",
    "Balance forward",
    "Previous balance",
]


@pytest.mark.parametrize("wording", ZH_WORDINGS)
def test_each_chinese_opening_wording_reconciles(tmp_path, wording):
    path = their_statement(
        tmp_path / "s.xlsx",
        title="2026年10月 往来对账单",
        wording=wording,
        dates=("2026-10-03", "2026-10-05", "2026-10-12"),
    )
    theirs, result = reconciled(path)
    assert theirs.balance_rows == [3, 7]
    assert_agrees(theirs, result)


@pytest.mark.parametrize("wording", EN_WORDINGS)
def test_each_english_opening_wording_reconciles(tmp_path, wording):
    path = their_statement(
        tmp_path / "s.xlsx",
        title="Statement of account, October 2026",
        wording=wording,
        dates=("2026-10-03", "2026-10-05", "2026-10-12"),
        english=True,
    )
    theirs, result = reconciled(path)
    assert theirs.balance_rows == [3, 7]
    assert_agrees(theirs, result)


@pytest.mark.parametrize(
    ("title", "dates"),
    [
        ("2026年10月 对账单", ("10-03", "10-05", "10-12")),  # ISO month-day
        ("对账期间：2026-10-01 至 2026-10-31", ("10月3日", "10月5日", "10月12日")),
        ("2026.10 往来明细", ("3/10", "5/10", "12/10")),  # day/month: every line then falls in October
        ("Statement October 2026", ("10/3", "10/5", "10/12")),  # month/day, the same way
        ("Period: 01/10/2026 - 31/10/2026", ("03.10", "05.10", "12.10")),
    ],
)
def test_dates_without_a_year_take_the_periods_year(tmp_path, title, dates):
    path = their_statement(tmp_path / "s.xlsx", title=title, wording="上月欠款", dates=dates)
    theirs, result = reconciled(path)
    assert theirs.period == (D("2026-10-01"), D("2026-10-31"))
    assert theirs.lines["date"].tolist() == [D("2026-10-03"), D("2026-10-05"), D("2026-10-12")]
    assert_agrees(theirs, result)


def test_a_period_across_new_year_gives_each_month_its_year(tmp_path):
    path = their_statement(
        tmp_path / "s.xlsx",
        title="期间：2026年12月1日—2027年1月31日",
        wording="承前页",
        dates=("12-03", "12-05", "1-12"),
    )
    theirs = read_statement(path)
    assert theirs.lines["date"].tolist() == [D("2026-12-03"), D("2026-12-05"), D("2027-01-12")]


def test_without_a_period_the_year_of_the_dated_lines_is_used(tmp_path):
    path = their_statement(
        tmp_path / "s.xlsx", title="往来对账单", wording="上期结余", dates=("2026-10-03", "10月5日", "10-12")
    )
    assert read_statement(path).lines["date"].tolist() == [D("2026-10-03"), D("2026-10-05"), D("2026-10-12")]


def test_a_yearless_date_without_any_year_is_a_problem_naming_the_row(tmp_path):
    path = their_statement(
        tmp_path / "s.xlsx", title="往来对账单", wording="上期结余", dates=("10-03", "10-05", "10-12")
    )
    problems = read_statement(path).problems
    assert [(p.file, p.row) for p in problems] == [("s.xlsx", 4), ("s.xlsx", 5), ("s.xlsx", 6)]
    assert "has no year" in problems[0].reason.render("en")


def test_a_statement_reaching_back_before_its_period_says_so(tmp_path):
    """Their whole ledger since 2019, under a title for October: the years before count as the opening balance,
    a note names the file and rows, and only October is matched line by line."""
    book = openpyxl.Workbook()
    rows = [["2026年10月 往来明细"], ZH_HEAD]
    history = [("2019-03-01", "H1", 400.0), ("2023-06-30", "H2", 350.0), ("2026-09-20", "S0", 1000.0)]
    rows += [[d, ref, "购货", None, amount] for d, ref, amount in history]  # rows 3-5
    rows += [["2024-01-15", "P1", "付款", 750.0, None]]  # row 6
    rows += [
        ["10-03", "S1", "购货", None, 5000],
        ["10-05", "S2", "购货", None, 3000],
        ["10-12", "R1", "付款", 1000, None],
    ]
    for row in rows:
        book.active.append(row)
    book.save(tmp_path / "全部明细.xlsx")
    master = our_books(("C1", "H1", "2019-03-01", 400.0), ("C1", "H2", "2023-06-30", 350.0))
    master.payments = pd.concat([master.payments, payments(master, ("C1", "P1", "2024-01-15", 750.0, None))])
    theirs, result = reconciled(tmp_path / "全部明细.xlsx", master)
    assert theirs.earlier_rows == [3, 4, 5, 6] and theirs.opening == 1000.0
    assert statement_period(theirs) == (D("2026-10-01"), D("2026-10-31"))
    assert len(result.table) == 3 and set(result.table["status"]) == {"matched"} and result.remainder == 0
    assert any(
        "全部明细.xlsx: rows 3-6 are dated before the period 2026-10-01..2026-10-31" in note for note in result.notes
    )
    zh = reconcile(master_lines(master, "C1", start=D("2026-10-01"), end=D("2026-10-31")), theirs, lang="zh")
    assert any("早于对账期间 2026-10-01 至 2026-10-31" in note for note in zh.notes)  # a Chinese range, not ".."


@pytest.mark.parametrize(
    ("text", "period"),
    [
        ("2026年10月", ("2026-10-01", "2026-10-31")),
        ("对账期间：2026-10-01 至 2026-10-31", ("2026-10-01", "2026-10-31")),
        ("2026年度往来对账", ("2026-01-01", "2026-12-31")),
        ("Oct. 2026", ("2026-10-01", "2026-10-31")),
        ("电话：0755-12345678", None),
        ("打印日期：2026-11-05  截止日期：2026-10-31", None),  # two dates, but no range between them
        ("期间 01/10/2026 to 31/10/2026", ("2026-10-01", "2026-10-31")),
        ("科目：应付账款 2026年10月 2026年", ("2026-10-01", "2026-10-31")),  # the year after it is no day of it
    ],
)
def test_title_period(text, period):
    expected = None if period is None else (D(period[0]), D(period[1]))
    assert title_period([[None, text]]) == expected


def test_a_title_date_no_line_falls_in_is_not_the_period(tmp_path):
    """A statement titled for another year (a copied template) is read as if it named no period."""
    path = their_statement(
        tmp_path / "s.xlsx",
        title="2025年10月 对账单",
        wording="上月欠款",
        dates=("2026-10-03", "2026-10-05", "2026-10-12"),
    )
    theirs, result = reconciled(path)
    assert theirs.period is None and theirs.earlier_rows == [] and len(theirs.lines) == 3
    assert_agrees(theirs, result)


def one_amount_column(path, rows: list[list[object]], *, title: str = "Statement October 2026"):
    """A statement with one Amount column and no Balance column, as the rows give it under its header."""
    book = openpyxl.Workbook()
    for row in [[title], [], ["Date", "Reference", "Details", "Amount"], *rows]:
        book.active.append(row)
    book.save(path)
    return path


@pytest.mark.parametrize("wording", ["Closing balance", "期末余额", "Balance c/f", "Carried forward"])
def test_a_closing_balance_in_the_amount_column_is_the_balance_they_claim(tmp_path, wording):
    """Without a Balance column the closing balance stands in the Amount column, as the opening does: the customer
    claims 8,400.00 where the lines add up to 8,000.00, and that claim is their closing balance, explained."""
    path = one_amount_column(
        tmp_path / "cf.xlsx",
        [
            ["01/10/2026", None, "Balance b/f", "1,000.00"],
            ["03/10/2026", "S1", "Invoice", "5,000.00"],
            ["05/10/2026", "S2", "Invoice", "3,000.00"],
            ["12/10/2026", "R1", "Payment", "(1,000.00)"],
            ["31/10/2026", None, wording, "8,400.00"],
        ],
    )
    theirs, result = reconciled(path)
    assert theirs.opening == 1000.0 and theirs.closing == 8400.0 and theirs.balance_rows == [4, 8]
    assert result.theirs_closing == 8400.0 and result.remainder == 0
    assert set(result.table["status"]) == {"matched"}
    assert result.summary["amount"].tolist()[-2] == -400.0  # their stated balance against the sum of their lines


@pytest.mark.parametrize(
    "marked",
    [
        ("1,000.00 CR", "5,000.00 CR", "3,000.00 Cr", "1,000.00 DR", "8,000.00 CR"),
        ("贷 1,000.00", "贷5,000.00", "3,000.00贷", "借 1,000.00", "8,000.00 贷"),
        ("CR 1000", "CR 5000", "(CR) 3000", "Dr. 1000", "8000 (Cr)"),
    ],
)
def test_amounts_marked_dr_or_cr_take_their_side_from_the_mark(tmp_path, marked):
    """One amount column whose amounts say DR or CR (借/贷) of the customer's books: CR is what they owe us."""
    opening, s1, s2, r1, closing = marked
    path = one_amount_column(
        tmp_path / "drcr.xlsx",
        [
            ["01/10/2026", None, "Balance b/f", opening],
            ["03/10/2026", "S1", "Invoice", s1],
            ["05/10/2026", "S2", "Invoice", s2],
            ["12/10/2026", "R1", "Payment", r1],
            ["31/10/2026", None, "Balance c/f", closing],
        ],
    )
    theirs, result = reconciled(path)
    assert theirs.lines["amount"].tolist() == [5000.0, 3000.0, -1000.0]
    assert_agrees(theirs, result)


def test_a_mark_that_leaves_the_side_ambiguous_is_a_reason_naming_it(tmp_path):
    """A minus sign beside DR, a CR mark in the Debit column, a DR balance the 借或贷 column calls 贷: each an
    unreadable value whose reason says the side is ambiguous."""
    book = openpyxl.Workbook()
    for row in [
        ["2026年10月"],
        ["日期", "凭证号", "摘要", "借方", "贷方", "余额", "借或贷"],
        ["2026-10-01", None, "上月欠款", None, None, "1,000.00", "贷"],
        ["2026-10-03", "S1", "购货", None, "5000"],
        ["2026-10-05", "S2", "购货", "3,000.00 CR", None],  # row 5
        ["2026-10-12", "R1", "付款", "-1,000.00 DR", None],  # row 6
        [None, None, "期末余额", None, None, "8,000.00 DR", "贷"],  # row 7
    ]:
        book.active.append(row)
    book.save(tmp_path / "ambiguous.xlsx")
    problems = read_statement(tmp_path / "ambiguous.xlsx").problems
    assert [(p.row, p.column, p.value) for p in problems] == [
        (5, "借方", "3,000.00 CR"),
        (6, "借方", "-1,000.00 DR"),
        (7, "余额", "8,000.00 DR"),
    ]
    reasons = [p.reason.render("en") for p in problems]
    assert all("which side is meant is ambiguous" in reason for reason in reasons)
    assert "marked credit in the debit column" in reasons[0] and "minus sign" in reasons[1]
    assert "the direction column says 贷" in reasons[2]


YONYOU = [
    ["应付账款明细账"],
    ["科目：2202 应付账款—甲公司", None, None, None, "2026年10月"],
    ["2026年", None, "凭证"],
    ["月", "日", "字号", "摘要", "借方", "贷方", "借或贷", "余额"],
    [10, 1, None, "上月结转", None, None, "贷", "1,000.00"],  # row 5
    [10, 3, "记-1", "购货 S1", None, "5,000.00", "贷", "6,000.00"],
    [10, 5, "记-2", "购货 S2", None, "3,000.00", "贷", "9,000.00"],
    [10, 12, "记-3", "付款 R1", "1,000.00", None, "贷", "8,000.00"],
    [None, None, None, "本月合计", "1,000.00", "8,000.00", "贷", "8,000.00"],  # row 9
    [None, None, None, "本年累计", "1,000.00", "8,000.00", "贷", "8,000.00"],  # row 10
]


def test_the_chinese_ledger_export_layout_reconciles(tmp_path):
    """用友/金蝶 明细账: 月 | 日 | 凭证字号 | 摘要 | 借方 | 贷方 | 借或贷 | 余额, the year in the title, 凭证 字号
    over two header rows; 上月结转 is the opening balance, 本月合计 and 本年累计 are total rows, 借或贷 the balance's
    side."""
    book = openpyxl.Workbook()
    for row in YONYOU:
        book.active.append(row)
    book.save(tmp_path / "明细账.xlsx")
    theirs, result = reconciled(tmp_path / "明细账.xlsx")
    assert theirs.lines["date"].tolist() == [D("2026-10-03"), D("2026-10-05"), D("2026-10-12")]
    assert theirs.lines["ref"].tolist() == ["记-1", "记-2", "记-3"] and theirs.balance_rows == [5, 9, 10]
    assert theirs.period == (D("2026-10-01"), D("2026-10-31"))
    assert result.remainder == 0 and result.ours_closing == result.theirs_closing == 8000.0
    # matched by amount and date: their voucher numbers are not our document numbers
    assert set(result.table["status"]) == {"matched"} and not theirs.problems


def test_the_ledger_export_takes_its_year_from_a_title_naming_only_the_year(tmp_path):
    """Only 2026年 above the header (no month): the month and day columns take that year; 凭证字号 in one cell."""
    book = openpyxl.Workbook()
    rows = [["应付账款明细账"], ["2026年"], ["月", "日", "凭证字号", "摘要", "借方", "贷方", "借或贷", "余额"]]
    for row in [*rows, *(r for r in YONYOU[4:8])]:
        book.active.append(row)
    book.save(tmp_path / "明细账.xlsx")
    theirs = read_statement(tmp_path / "明细账.xlsx")
    assert theirs.lines["date"].tolist() == [D("2026-10-03"), D("2026-10-05"), D("2026-10-12")]
    assert theirs.opening == 1000.0 and theirs.closing == 8000.0 and not theirs.problems


def test_the_ledger_export_prints_the_month_once_per_block(tmp_path):
    """用友/金蝶 print 月 on the first line of each month only: the lines under it, to the month's 本月合计, are of
    that month; the next month's block starts with its own month."""
    book = openpyxl.Workbook()
    rows = [
        ["应付账款明细账"],
        ["2026年"],
        ["月", "日", "凭证字号", "摘要", "借方", "贷方", "借或贷", "余额"],
        [10, 1, None, "上月结转", None, None, "贷", "1,000.00"],  # row 4
        [None, 3, "记-1", "购货 S1", None, "5,000.00", "贷", "6,000.00"],
        [None, 5, "记-2", "购货 S2", None, "3,000.00", "贷", "9,000.00"],
        [None, 12, "记-3", "付款 R1", "1,000.00", None, "贷", "8,000.00"],
        [None, None, None, "本月合计", "1,000.00", "8,000.00", "贷", "8,000.00"],  # row 8
        [11, 2, "记-4", "购货 S3", None, "2,000.00", "贷", "10,000.00"],
        [None, 20, "记-5", "付款 R2", "4,000.00", None, "贷", "6,000.00"],
        [None, None, None, "本月合计", "4,000.00", "2,000.00", "贷", "6,000.00"],
    ]
    for row in rows:
        book.active.append(row)
    book.save(tmp_path / "明细账.xlsx")
    theirs = read_statement(tmp_path / "明细账.xlsx")
    assert theirs.lines["date"].tolist() == [
        D("2026-10-03"),
        D("2026-10-05"),
        D("2026-10-12"),
        D("2026-11-02"),
        D("2026-11-20"),
    ]
    assert theirs.opening == 1000.0 and theirs.closing == 6000.0 and not theirs.problems


def test_a_blank_month_with_no_month_above_in_its_block_is_a_date_missing_on_its_row(tmp_path):
    """The first line without a month, or the first line after a month's 本月合计 without one: no month to carry,
    so the date is missing there, named by its row (never the month of another block)."""
    book = openpyxl.Workbook()
    rows = [
        ["2026年"],
        ["月", "日", "凭证字号", "摘要", "借方", "贷方", "借或贷", "余额"],
        [None, 3, "记-1", "购货 S1", None, "5,000.00", "贷", "5,000.00"],  # row 3
        [None, 5, "记-2", "购货 S2", None, "3,000.00", "贷", "8,000.00"],
        [None, None, None, "本月合计", None, "8,000.00", "贷", "8,000.00"],
        [11, 2, "记-3", "购货 S3", None, "2,000.00", "贷", "10,000.00"],
        [None, None, None, "本月合计", None, "2,000.00", "贷", "10,000.00"],
        [None, 4, "记-4", "购货 S4", None, "1,000.00", "贷", "11,000.00"],  # row 8
    ]
    for row in rows:
        book.active.append(row)
    book.save(tmp_path / "明细账.xlsx")
    theirs = read_statement(tmp_path / "明细账.xlsx")
    problems = [(p.row, p.column, p.reason.render("en")) for p in theirs.problems]
    assert problems == [(3, "月/日", "date missing"), (4, "月/日", "date missing"), (8, "月/日", "date missing")]
    assert theirs.lines["date"].iloc[2] == D("2026-11-02")


def test_a_closing_row_with_a_debit_and_a_credit_states_no_balance(tmp_path):
    """期末余额 beside both a debit and a credit figure (the period's totals) claims no balance: the closing is the
    opening plus the lines."""
    book = openpyxl.Workbook()
    for row in [
        ["2026年10月"],
        ["日期", "凭证号", "摘要", "借方", "贷方"],
        ["2026-10-01", None, "上月欠款", None, "1,000.00"],
        ["2026-10-03", "S1", "购货", None, "5000"],
        ["2026-10-05", "S2", "购货", None, "3000"],
        ["2026-10-12", "R1", "付款", "1000", None],
        [None, None, "期末余额", "1,000.00", "8,000.00"],
    ]:
        book.active.append(row)
    book.save(tmp_path / "totals.xlsx")
    theirs, result = reconciled(tmp_path / "totals.xlsx")
    assert theirs.closing is None and theirs.balance_rows == [3, 7]
    assert result.theirs_closing == 8000.0 and result.remainder == 0


def test_a_line_typed_below_the_closing_balance_is_named_not_taken_for_a_note(tmp_path):
    """Rows under the closing balance are notes; a line with a date or document number and an amount typed there
    (the customer edits after the balance was struck) was listed among the "rows without an amount (notes)". It is
    named as a line below the closing balance, not reconciled; the totals and remarks under it stay notes."""
    book = openpyxl.Workbook()
    for row in [
        ["2026年10月 往来明细"],
        ZH_HEAD,
        [None, None, "上月欠款", None, None, "1,000.00"],
        ["2026-10-03", "S1", "购货", None, "5000"],
        ["2026-10-05", "S2", "购货", None, "3,000.00"],
        ["2026-10-12", "R1", "付款", "1000", None],
        [None, None, "期末余额", None, None, "8,000.00"],  # row 7
        ["2026-10-30", "PZ-77", "付款", "5,000.00", None],  # row 8: a line below the closing balance
        [None, "PZ-78", "付款", "300", None],  # row 9: a document number and an amount, no date
        [None, None, "本年累计", "12,000.00", "15,000.00", None],  # row 10: a total, a note as before
        ["制表：张三", None, None, None, None, None],  # row 11
    ]:
        book.active.append(row)
    book.save(tmp_path / "below.xlsx")
    theirs, result = reconciled(tmp_path / "below.xlsx")
    assert theirs.below_end == [8, 9] and theirs.end_row == 7 and theirs.notes == [10, 11]
    assert_agrees(theirs, result)  # not reconciled: their closing balance is the one they stated
    assert (
        "below.xlsx: row(s) 8, 9 have an amount but stand below the closing balance (row 7), where the statement's "
        "lines end: not reconciled; if they are lines of the period, move them above the closing balance and "
        "reconcile again"
    ) in result.notes
    assert "below.xlsx row 8: 2026-10-30 PZ-77 付款 5,000.00" in result.notes
    assert "below.xlsx: rows without an amount (notes): 10, 11" in result.notes
