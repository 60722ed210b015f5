"""A master table's cells of another kind than their column's, as a manager pastes them (phones as numbers into the
text column 电话, dates typed as text into 首次交易日期, an amount typed as text into 信用额度), come back as typed
from every save that leaves their values alone: a consolidation of one customer's card, its undo, a save of the
master after a change to one customer (what grade and credit apply do), a second save in the same process, a load
from the cache. A value the operation changes is written in its column's kind, as that operation's change. The text
read as a date is told at each load, naming the cell.

Each test builds the master with our writer, types the cells with openpyxl as LibreOffice and Excel store them, runs
the operation on the file, and compares every other row's cells before and after with openpyxl and calamine.
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
import python_calamine as calamine

from keyacct_xl import Master, load_master, save_master
from keyacct_xl.cli.main import main
from keyacct_xl.consolidate.run import consolidate
from keyacct_xl.consolidate.simulate import blank_form, fill_form
from keyacct_xl.consolidate.undo import undo_submission
from keyacct_xl.history.store import store_path
from keyacct_xl.master import tablememo
from keyacct_xl.notices import collecting

SHEET = "客户档案"
NOW = "2026-12-01 09:00:00"
# Per customer, the cells as pasted: 电话 (a text column) as numbers, 首次交易日期 (a date column) as text, one
# 信用额度 (money) as text; C004's row is the one the card fills in (a card fills blank fields).
PASTED = {
    "C001": {"电话": 13812345678, "首次交易日期": "2025.3.5", "信用额度": "1,000"},
    "C002": {"电话": 13812345678, "首次交易日期": "2025/03/05"},
    "C003": {"电话": "0571-88886666", "首次交易日期": "2025年1月8日"},
    "C004": {"首次交易日期": "2023.12.1"},
}
CHANGED = "C004"


def _pasted_master(folder: Path, *, store: bool = False, sales: bool = False) -> Path:
    """A master written by our writer whose Customers cells a manager then typed as ``PASTED`` says (openpyxl, as
    LibreOffice and Excel store them: a number as a number, text as text); with ``sales``, a year of sales to grade
    its customers by."""
    folder.mkdir(parents=True, exist_ok=True)
    master = Master.empty(lang="zh")
    master.customers = pd.DataFrame(
        {
            "customer_id": list(PASTED),
            "name": [
                "上海恒达润滑油有限公司",
                "上海恒达润滑油(有限公司)",
                "杭州顺丰机械制造有限公司",
                "合肥永盛建材有限公司",
            ],
            "rep": ["李娜"] * 4,
            "city": ["上海", "上海", "杭州", "合肥"],
        }
    )
    if sales:
        lines = pd.DataFrame(
            {
                "doc_no": [f"D{i}" for i in range(1, 5)],
                "customer_id": list(PASTED),
                "date": pd.to_datetime(["2025-02-01", "2025-05-01", "2025-06-01", "2025-11-01"]),
                "amount": [1_500_000.0, 800_000.0, 150_000.0, 20_000.0],
            }
        )
        master.transactions = lines.reindex(columns=master.transactions.columns)
    path = save_master(master, folder / "master.xlsx", backup=False)
    if store:
        store_path(path).mkdir()
    book = openpyxl.load_workbook(path)
    sheet = book[SHEET]
    columns = {cell.value: cell.column for cell in sheet[1]}
    for row in range(2, sheet.max_row + 1):
        for header, value in PASTED.get(sheet.cell(row, 1).value, {}).items():
            sheet.cell(row, columns[header], value)
    book.save(path)
    return path


def _openpyxl_cells(path: Path) -> dict[str, dict[str, tuple[object, str]]]:
    """Per customer id, each cell of its row that holds a value: header -> (value, openpyxl's data type)."""
    sheet = openpyxl.load_workbook(path)[SHEET]
    headers = [c.value for c in sheet[1]]
    out = {}
    for row in sheet.iter_rows(min_row=2):
        if row[0].value is not None:
            out[row[0].value] = {h: (c.value, c.data_type) for h, c in zip(headers, row) if c.value is not None}
    return out


def _calamine_cells(path: Path) -> dict[str, dict[str, object]]:
    """Per customer id, each cell of its row that holds a value as calamine reads it (its Python type is its kind)."""
    rows = calamine.CalamineWorkbook.from_path(str(path)).get_sheet_by_name(SHEET).to_python()
    headers = rows[0]
    return {r[0]: {h: v for h, v in zip(headers, r) if v != ""} for r in rows[1:] if r[0] != ""}


def _others(cells: dict[str, dict], changed: tuple[str, ...]) -> dict[str, dict]:
    return {cid: row for cid, row in cells.items() if cid not in changed}


def _card(folder: Path, phone: str) -> Path:
    """Rep 李娜's customer card for C004 giving its phone and owner, in a folder of its own."""
    folder.mkdir(parents=True, exist_ok=True)
    card = fill_form(
        blank_form("customer_card"),
        header={
            "rep": "李娜",
            "fill_date": "2026-11-30",
            "customer_id": CHANGED,
            "name": "合肥永盛建材有限公司",
            "phone": phone,
            "owner": "周永盛",
        },
    )
    path = folder / f"customer_card_李娜_{CHANGED}.xlsx"
    path.write_bytes(card)
    return path


def _assert_as_pasted(path: Path, before: Path, changed: tuple[str, ...] = (CHANGED,)) -> None:
    """Every customer's row but those ``changed`` holds the cells of ``before``, each of its kind, by both readers."""
    assert _others(_openpyxl_cells(path), changed) == _others(_openpyxl_cells(before), changed)
    assert _others(_calamine_cells(path), changed) == _others(_calamine_cells(before), changed)


# What a consolidation stores as its column's kind, and reports: the text typed into date and money columns.
STORED = {
    ("C001", "首次交易日期"): ("2025.3.5", dt.datetime(2025, 3, 5)),
    ("C001", "信用额度"): ("1,000", 1000),
    ("C002", "首次交易日期"): ("2025/03/05", dt.datetime(2025, 3, 5)),
    ("C003", "首次交易日期"): ("2025年1月8日", dt.datetime(2025, 1, 8)),
    ("C004", "首次交易日期"): ("2023.12.1", dt.datetime(2023, 12, 1)),
}


def _without_stored(cells: dict[str, dict]) -> dict[str, dict]:
    return {cid: {h: v for h, v in row.items() if (cid, h) not in STORED} for cid, row in cells.items()}


def test_a_card_for_one_customer_keeps_the_others_cells_reports_the_text_it_stores_as_dates_and_its_undo_restores(
    tmp_path: Path,
) -> None:
    master = _pasted_master(tmp_path / "m")
    before = tmp_path / "before.xlsx"
    shutil.copy(master, before)
    card = _card(tmp_path / "in", "0551-62223333")

    with collecting() as notices:
        result = consolidate(card.parent, master, now=NOW)

    assert result.rows_updated == 1
    after, pasted = _openpyxl_cells(master), _openpyxl_cells(before)
    # every other cell as it was, of its kind: the phones pasted as numbers are numbers still
    assert _others(_without_stored(after), (CHANGED,)) == _others(_without_stored(pasted), (CHANGED,))
    assert after["C001"]["电话"] == pasted["C001"]["电话"] == (13812345678, "n")
    calamine_after, calamine_pasted = _calamine_cells(master), _calamine_cells(before)
    assert _others(_without_stored(calamine_after), (CHANGED,)) == _others(_without_stored(calamine_pasted), (CHANGED,))
    # the text in the date and money columns stored as dates and numbers, each reported with before and after
    for (cid, header), (text, value) in STORED.items():
        assert pasted[cid][header] == (text, "s")
        assert after[cid][header] == (value, "d" if isinstance(value, dt.datetime) else "n")
    reported = {(c.key, c.field): (c.before, c.after, c.file) for c in result.changes if c.kind == "normalized"}
    assert reported == {
        ("C001", "first_trade_date"): ("2025.3.5", "2025-03-05", card.name),
        ("C001", "credit_limit"): ("1,000", "1000", card.name),
        ("C002", "first_trade_date"): ("2025/03/05", "2025-03-05", card.name),
        ("C003", "first_trade_date"): ("2025年1月8日", "2025-01-08", card.name),
        ("C004", "first_trade_date"): ("2023.12.1", "2023-12-01", card.name),
    }
    told = " ".join(n.render("en") for n in notices)
    assert "5 cell(s) typed as text in date or number columns stored as dates or numbers" in told
    assert "R2 首次交易日期 '2025.3.5' → 2025-03-05" in told
    changed = after[CHANGED]
    assert changed["电话"] == ("0551-62223333", "s") and changed["负责人"] == ("周永盛", "s")
    updated = sorted((c.key, c.field) for c in result.changes if c.kind == "updated")
    assert updated == [(CHANGED, "owner"), (CHANGED, "phone")]

    undo_submission(master, card.name)

    assert _openpyxl_cells(master) == _openpyxl_cells(before)
    assert _calamine_cells(master) == _calamine_cells(before)


def test_a_save_after_one_customer_changed_keeps_the_others_cells_as_typed_twice_and_from_the_cache(
    tmp_path: Path,
) -> None:
    master_path = _pasted_master(tmp_path / "m", store=True)  # a history store: the tables are cached
    before = tmp_path / "before.xlsx"
    shutil.copy(master_path, before)
    master = load_master(master_path)
    assert master.customers.loc[0, "first_trade_date"] == pd.Timestamp("2025-03-05")
    assert master.customers.loc[0, "credit_limit"] == 1000.0
    assert master.customers.loc[0, "phone"] == "13812345678"

    master.customers.loc[master.customers["customer_id"] == CHANGED, "grade"] = "A"  # as grade apply sets it
    save_master(master, tables=["Customers"])
    _assert_as_pasted(master_path, before)

    master.customers.loc[master.customers["customer_id"] == "C003", "grade"] = "B"  # a second save, same process
    save_master(master, tables=["Customers"])
    _assert_as_pasted(master_path, before, changed=(CHANGED, "C003"))

    tablememo.forget_tables()  # the next load from the cache files, as a new process
    again = load_master(master_path)
    again.customers.loc[again.customers["customer_id"] == "C001", "city"] = "上海市"
    save_master(again, tables=["Customers"])
    row = _openpyxl_cells(master_path)["C001"]
    assert row["电话"] == (13812345678, "n") and row["首次交易日期"] == ("2025.3.5", "s")
    assert row["信用额度"] == ("1,000", "s")
    assert row["城市"] == ("上海市", "s")


def test_grade_apply_and_its_undo_keep_every_cell_they_do_not_grade_as_typed(tmp_path: Path) -> None:
    master = _pasted_master(tmp_path / "m", sales=True)
    before = tmp_path / "before.xlsx"
    shutil.copy(master, before)
    assert main(["grade", str(master), "--year", "2025"]) == 0
    assert main(["grade", "apply", str(master), "--approved-by", "王经理", "--date", "2025-12-28"]) == 0

    # what the apply writes, each before and after in GradeHistory
    graded = ("客户等级", "信用等级", "信用额度", "账期天数")
    after, pasted = _openpyxl_cells(master), _openpyxl_cells(before)
    assert all(after[cid].get("客户等级") for cid in PASTED)
    unrated = {cid: {h: v for h, v in row.items() if h not in graded} for cid, row in pasted.items()}
    assert {cid: {h: v for h, v in row.items() if h not in graded} for cid, row in after.items()} == unrated
    assert after["C001"]["电话"] == (13812345678, "n") and after["C001"]["首次交易日期"] == ("2025.3.5", "s")

    assert main(["grade", "apply", str(master), "--undo", "--date", "2025-12-29"]) == 0
    undone = _openpyxl_cells(master)
    # This master records no receipts, so the apply judged no credit and left the limit typed as '1,000' alone
    # (docs/analytics.md): every cell comes back as typed. A limit an apply replaces comes back as the value
    # GradeHistory holds, a number.
    assert after["C001"]["信用额度"] == ("1,000", "s")
    assert undone == pasted


def test_a_value_typed_otherwise_that_the_save_changes_is_written_in_its_columns_kind(tmp_path: Path) -> None:
    master_path = _pasted_master(tmp_path / "m")
    master = load_master(master_path)
    first = master.customers["customer_id"] == "C001"
    master.customers.loc[first, "first_trade_date"] = pd.Timestamp("2025-04-01")
    master.customers.loc[first, "phone"] = "13800000000"
    save_master(master, tables=["Customers"])
    row = _openpyxl_cells(master_path)["C001"]
    assert row["首次交易日期"] == (dt.datetime(2025, 4, 1), "d")
    assert row["电话"] == ("13800000000", "s")
    assert row["信用额度"] == ("1,000", "s")  # not changed: as typed


def test_the_load_names_each_cell_of_text_it_reads_as_a_date(tmp_path: Path) -> None:
    master_path = _pasted_master(tmp_path / "m")
    with collecting() as notices:
        load_master(master_path)
    told = [n.render("en") for n in notices]
    dates = next(t for t in told if "首次交易日期" in t)
    assert "4 cell(s) not typed as dates were read as dates" in dates
    assert "'2025.3.5' → 2025-03-05" in dates and "'2025年1月8日' → 2025-01-08" in dates
    assert "R2 " in dates  # the cell: 首次交易日期 is column R, C001 the first row
    money = next(t for t in told if "信用额度" in t)
    assert "'1,000' → 1000" in money
    assert not any("电话" in t for t in told)  # digits in a text column read as they are: nothing to tell
    assert "单元格" in notices[0].render("zh")


def test_a_master_libreoffice_saved_keeps_its_pasted_cells_through_a_card_and_its_undo(
    tmp_path: Path, libreoffice
) -> None:
    edited = _pasted_master(tmp_path / "m")
    master = libreoffice(edited, "xlsx", tmp_path / "lo")  # the manager's save in LibreOffice Calc
    before = tmp_path / "before.xlsx"
    shutil.copy(master, before)
    assert _openpyxl_cells(before)["C001"]["电话"] == (13812345678, "n")
    assert _openpyxl_cells(before)["C001"]["首次交易日期"] == ("2025.3.5", "s")
    card = _card(tmp_path / "in", "0551-62223333")

    result = consolidate(card.parent, master, now=NOW)
    after, pasted = _openpyxl_cells(master), _openpyxl_cells(before)
    assert _others(_without_stored(after), (CHANGED,)) == _others(_without_stored(pasted), (CHANGED,))
    assert {(c.key, c.field) for c in result.changes if c.kind == "normalized"} == {
        (cid, "first_trade_date" if header == "首次交易日期" else "credit_limit") for cid, header in STORED
    }
    undo_submission(master, card.name)
    assert _openpyxl_cells(master) == _openpyxl_cells(before)
    assert _calamine_cells(master) == _calamine_cells(before)


def _with_receipts(folder: Path) -> Path:
    """The pasted master with sales and each sale paid 20 days later, its customers of credit grade A: credit is
    judged, so an apply sets limits (credit apply those of the grade each customer holds)."""
    master = _pasted_master(folder, sales=True)
    loaded = load_master(master)
    sold = loaded.transactions
    loaded.payments = pd.DataFrame(
        {
            "receipt_no": [f"R{i}" for i in range(1, 5)],
            "customer_id": list(sold["customer_id"]),
            "date": sold["date"] + pd.Timedelta(days=20),
            "amount": list(sold["amount"]),
        }
    ).reindex(columns=loaded.payments.columns)
    loaded.customers["credit_grade"] = "A"
    save_master(loaded, tables=["Payments", "Customers"])
    return master


def _limit_before(master: Path, cid: str) -> tuple[object, str]:
    """GradeHistory's 原信用额度 of the customer's latest row: (value, openpyxl's data type)."""
    history = openpyxl.load_workbook(master)["等级历史"]
    headers = [c.value for c in history[1]]
    rows = [r for r in history.iter_rows(min_row=2) if r[headers.index("客户编号")].value == cid]
    cell = rows[-1][headers.index("原信用额度")]
    return cell.value, cell.data_type


@pytest.mark.parametrize(
    ("apply", "undo"),
    [
        (["grade", "apply", "--approved-by", "王经理", "--date", "2025-12-28"], ["grade", "apply", "--undo"]),
        (["credit", "apply", "--date", "2025-12-28"], ["credit", "apply", "--undo"]),
    ],
)
def test_a_limit_typed_as_text_that_an_apply_replaced_comes_back_from_its_undo_as_typed(
    tmp_path: Path, apply: list[str], undo: list[str]
) -> None:
    """With receipts the apply judges credit and replaces C001's limit, typed as the text '1,000'; GradeHistory's
    limit before holds it as typed, and the undo puts it back so, as the manager typed it, not as the number 1000."""
    master = _with_receipts(tmp_path / "m")
    before = tmp_path / "before.xlsx"
    shutil.copy(master, before)
    assert main(["grade", str(master), "--year", "2025"]) == 0
    assert main([*apply[:2], str(master), *apply[2:]]) == 0
    after = _openpyxl_cells(master)
    assert after["C001"]["信用额度"][1] == "n" and after["C001"]["信用额度"][0] != 1000  # replaced by the apply
    assert _limit_before(master, "C001") == ("1,000", "s")
    assert main([*undo[:2], str(master), *undo[2:], "--date", "2025-12-29"]) == 0
    assert _openpyxl_cells(master) == _openpyxl_cells(before)
    assert _calamine_cells(master) == _calamine_cells(before)


def test_a_limit_typed_as_text_that_grade_apply_kept_leaves_no_typed_cell_in_the_history(tmp_path: Path) -> None:
    """C001's limit, typed as the text '1,000', is a manual override (额度手工核定 是): grade apply keeps it, so
    GradeHistory's limit before holds the number, not a text cell that every later command would ask to retype."""
    master = _pasted_master(tmp_path / "m", sales=True)
    loaded = load_master(master)
    sold = loaded.transactions
    loaded.payments = pd.DataFrame(
        {
            "receipt_no": [f"R{i}" for i in range(1, 5)],
            "customer_id": list(sold["customer_id"]),
            "date": sold["date"] + pd.Timedelta(days=20),
            "amount": list(sold["amount"]),
        }
    ).reindex(columns=loaded.payments.columns)
    save_master(loaded, tables=["Payments"])
    book = openpyxl.load_workbook(master)
    sheet = book[SHEET]
    column = next(c.column for c in sheet[1] if c.value == "额度手工核定")
    sheet.cell(2, column, "是")  # C001's row
    book.save(master)
    assert main(["grade", str(master), "--year", "2025"]) == 0
    assert main(["grade", "apply", str(master), "--approved-by", "王经理", "--date", "2025-12-28"]) == 0
    assert _openpyxl_cells(master)["C001"]["信用额度"] == ("1,000", "s")  # kept as typed
    history = openpyxl.load_workbook(master)["等级历史"]
    headers = [c.value for c in history[1]]
    first = next(r for r in history.iter_rows(min_row=2) if r[headers.index("客户编号")].value == "C001")
    assert first[headers.index("原信用额度")].data_type == "n"
    with collecting() as notices:
        load_master(master)
    assert not [n for n in notices if "等级历史" in n.render("zh")]


# A contact's birthday as a manager types it in LibreOffice or WPS: text with dots, and the digits of the date as a
# number. Both read as 1980-05-03; the birthday is personal data (docs/privacy.md), as is everything taken from it.
TYPED_BIRTHDAYS = ("1980.5.3", 19800503)
BIRTHDAY_PARTS = ("1980", "19800503", "05-03", "5.3")


def _birthdays_master(folder: Path) -> Path:
    """The pasted master with two contacts of C001 whose 生日 cells (column I) hold ``TYPED_BIRTHDAYS``."""
    path = _pasted_master(folder)
    master = load_master(path)
    master.contacts = pd.DataFrame(
        {
            "contact_id": ["K001", "K002"],
            "customer_id": ["C001", "C001"],
            "name": ["陈美玲", "王强"],
            "phone": ["13912345678", "13712345678"],
        }
    ).reindex(columns=master.contacts.columns)
    save_master(master, tables=["Contacts"], backup=False)
    book = openpyxl.load_workbook(path)
    sheet = book["联系人"]
    column = next(c.column for c in sheet[1] if c.value == "生日")
    assert column == 9  # I
    for row, typed in enumerate(TYPED_BIRTHDAYS, start=2):
        sheet.cell(row, column, typed)
    book.save(path)
    return path


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_load_names_a_birthday_read_as_a_date_but_never_quotes_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], lang: str
) -> None:
    """The console is no export: a load's note on a personal column names file, sheet, column and cells, and says
    the values are withheld; a column that holds no personal data (首次交易日期) is quoted as before."""
    path = _birthdays_master(tmp_path / "m")
    capsys.readouterr()
    assert main(["master", "check", str(path), "--lang", lang]) == 0
    err = capsys.readouterr().err
    birthdays = next(line for line in err.splitlines() if "生日" in line)
    assert not [part for part in BIRTHDAY_PARTS if part in birthdays]
    assert "I2" in birthdays and "I3" in birthdays and "联系人" in birthdays
    withheld = {"zh": "（个人信息，不显示其值）", "en": "(personal data: values withheld)"}[lang]
    assert withheld in birthdays
    assert {"zh": "2 个单元格未按日期录入", "en": "2 cell(s) not typed as dates"}[lang] in birthdays
    trade = next(line for line in err.splitlines() if "首次交易日期" in line)
    assert "'2025.3.5' → 2025-03-05" in trade and withheld not in trade


def test_a_consolidation_storing_a_birthday_typed_as_text_tells_of_it_without_quoting_it(tmp_path: Path) -> None:
    """A card giving 陈美玲's new title rewrites Contacts: her birthday typed as text is stored as a date and told
    by cell and column, the value withheld, in the notice of the save as in the load's."""
    path = _birthdays_master(tmp_path / "m")
    inbox = tmp_path / "in"
    inbox.mkdir()
    header = {"rep": "李娜", "fill_date": "2026-11-30", "customer_id": "C001", "name": "上海恒达润滑油有限公司"}
    contact = {"name": "陈美玲", "title": "总经理", "phone": "13912345678"}
    card = fill_form(blank_form("customer_card"), header=header, rows={"contacts": [contact]})
    (inbox / "customer_card_李娜_C001.xlsx").write_bytes(card)

    with collecting() as notices:
        result = consolidate(inbox, path, now=NOW)

    stored = {(c.table, c.key.split(" / ")[0], c.field) for c in result.changes if c.kind == "normalized"}
    assert ("Contacts", "C001", "birthday") in stored  # the card rewrote Contacts and stored the text as a date
    for lang, withheld in (
        ("en", "I2 生日 (personal data: values withheld)"),
        ("zh", "I2 生日（个人信息，不显示其值）"),
    ):
        told = [n.render(lang) for n in notices]
        stored_note = next(t for t in told if "联系人" in t and ("stored as dates" in t or "已按日期或数值保存" in t))
        assert withheld in stored_note
        assert not [
            part
            for told_of_contacts in told
            if "联系人" in told_of_contacts
            for part in BIRTHDAY_PARTS
            if part in told_of_contacts
        ]
