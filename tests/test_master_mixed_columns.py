"""A column the user added to a master table mixing kinds (a manager's 目标 beside Customers: 120000, 待定, a date,
TRUE) keeps each cell's own kind through a load, the load cache and a save: numbers stay numbers, dates dates with a
date format, TRUE/FALSE booleans, text text (also '00123' and '=1+1' typed as text, never a formula).

Every test edits a real master with openpyxl as the manager would, loads and saves it with our code and reads the
file back with openpyxl, python-calamine, a fresh process or LibreOffice.
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import openpyxl
import pandas as pd
import pyarrow.parquet as pq
import pytest
import python_calamine as calamine
from cacheonly import cached_customer_values
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.table import TableColumn

from keyacct_xl import Master, load_master, save_master
from keyacct_xl.history.archive import archive
from keyacct_xl.history.store import CACHE_FOLDER, store_path
from keyacct_xl.master import tablememo
from keyacct_xl.master.schema import CUSTOMERS

TARGETS = "目标"
# The manager's cells, one per customer: as typed in Excel, and (kind, value) as they must come back.
TYPED: list[object] = [120000, "待定", dt.datetime(2026, 3, 1), True, 1 / 3, "00123", "=1+1", None, 2500]
EXPECTED = [
    ("number", 120000.0),
    ("text", "待定"),
    ("date", pd.Timestamp("2026-03-01")),
    ("bool", True),
    ("number", 1 / 3),  # every digit of the double kept (openpyxl writes 16; our save all 17 where needed)
    ("text", "00123"),  # typed as text: its kind is the cell's, not guessed from its digits
    ("text", "=1+1"),  # text, never a formula
    ("blank", None),
    ("number", 2500.0),
]
DATE_SERIAL = 46082  # 2026-03-01


def _kind(value: object) -> tuple[str, object]:
    """A frame's value as (kind, value): what a test compares."""
    if value is None or value is pd.NaT or (isinstance(value, float) and value != value):
        return ("blank", None)
    if isinstance(value, bool):
        return ("bool", value)
    if isinstance(value, (int, float)):
        return ("number", float(value))
    if isinstance(value, (dt.date, pd.Timestamp)):
        return ("date", pd.Timestamp(value))
    return ("text", value)


def _manager_master(folder: Path, cells: list[object] = TYPED, *, store: bool = False) -> tuple[Path, int]:
    """A master whose Customers table gained the column 目标 holding ``cells`` (one customer each), added with
    openpyxl as Excel would; with ``store`` it has a history store, so its tables are cached. Its column number."""
    folder.mkdir(parents=True, exist_ok=True)
    master = Master.empty(lang="zh")
    count = len(cells)
    master.customers = pd.DataFrame(
        {"customer_id": [f"C{i}" for i in range(1, count + 1)], "name": [f"客户{i}" for i in range(1, count + 1)]}
    )
    path = save_master(master, folder / "master.xlsx", backup=False)
    if store:
        store_path(path).mkdir()
    book = openpyxl.load_workbook(path)
    sheet = book["客户档案"]
    column = sheet.max_column + 1
    sheet.cell(1, column, TARGETS)
    for row, value in enumerate(cells, start=2):
        cell = sheet.cell(row, column, value)
        if isinstance(value, str):
            cell.data_type = "s"  # as Excel keeps '=1+1 typed with an apostrophe: text, not a formula
        if isinstance(value, (dt.date, dt.datetime)):
            cell.number_format = "yyyy-mm-dd"
    table = sheet.tables["Customers"]
    table.tableColumns.append(TableColumn(id=len(table.tableColumns) + 1, name=TARGETS))
    table.ref = table.autoFilter.ref = f"A1:{get_column_letter(column)}{count + 1}"
    book.save(path)
    return path, column


def _load_change_save(path: Path) -> Master:
    """What a command does: load, change one of our cells, save."""
    master = load_master(path)
    master.customers.loc[0, "name"] = "客户一"
    save_master(master, path)
    return master


def _openpyxl_cells(path: Path, column: int, rows: int) -> list[tuple[object, str, str]]:
    sheet = openpyxl.load_workbook(path)["客户档案"]
    return [(c.value, c.data_type, c.number_format) for c in (sheet.cell(r, column) for r in range(2, rows + 2))]


def _assert_written(path: Path, column: int) -> None:
    """The saved file holds each cell as its kind, read with openpyxl (type and format) and with calamine."""
    assert _openpyxl_cells(path, column, len(TYPED)) == [
        (120000, "n", "General"),
        ("待定", "s", "General"),
        (dt.datetime(2026, 3, 1), "d", "yyyy-mm-dd"),
        (True, "b", "General"),
        (0.3333333333333333, "n", "General"),
        ("00123", "s", "General"),
        ("=1+1", "s", "General"),  # a text: openpyxl gives a formula as "f"
        (None, "n", "General"),
        (2500, "n", "General"),
    ]
    sheet = calamine.CalamineWorkbook.from_path(str(path)).get_sheet_by_name("客户档案").to_python()
    read = [row[column - 1] for row in sheet[1 : len(TYPED) + 1]]
    assert [(type(v).__name__, v) for v in read] == [
        ("float", 120000.0),
        ("str", "待定"),
        ("date", dt.date(2026, 3, 1)),
        ("bool", True),
        ("float", 0.3333333333333333),
        ("str", "00123"),
        ("str", "=1+1"),
        ("str", ""),
        ("float", 2500.0),
    ]


def test_a_column_mixing_numbers_text_dates_and_booleans_keeps_each_cells_kind(tmp_path: Path) -> None:
    """Our own columns stay typed by the schema beside it: a customer id typed as a number is read as text."""
    path, column = _manager_master(tmp_path)
    book = openpyxl.load_workbook(path)
    book["客户档案"]["A3"] = 1002
    book.save(path)
    loaded = _load_change_save(path)
    assert [_kind(v) for v in loaded.customers[TARGETS]] == EXPECTED
    assert loaded.customers["customer_id"].tolist()[:3] == ["C1", "1002", "C3"]
    _assert_written(path, column)
    tablememo.forget_tables()
    again = _load_change_save(path)  # what the first save wrote reads back the same, and is written the same again
    assert [_kind(v) for v in again.customers[TARGETS]] == EXPECTED
    _assert_written(path, column)


def test_a_mixed_column_comes_back_the_same_from_the_load_cache(tmp_path: Path) -> None:
    """Read once from the workbook (and cached), then from this process's memory, then from the cache file as a new
    process reads it, then by a fresh process that may not read the workbook at all: the same cells each time, and a
    save from the cached frame writes each cell as its kind."""
    path, column = _manager_master(tmp_path, store=True)
    tablememo.forget_tables()
    first = load_master(path)
    assert [_kind(v) for v in first.customers[TARGETS]] == EXPECTED
    assert [_kind(v) for v in load_master(path).customers[TARGETS]] == EXPECTED  # from memory
    cached = next((store_path(path) / CACHE_FOLDER).glob("customers-*.parquet"))
    assert str(pq.read_schema(cached).field(TARGETS).type).startswith("struct<number: double, date: timestamp[ns]")
    tablememo.forget_tables()
    from_file = load_master(path)
    pd.testing.assert_frame_equal(from_file.customers, first.customers)

    assert cached_customer_values(path, [TARGETS]) == [
        ["float", "120000.0"],
        ["str", "待定"],
        ["Timestamp", "2026-03-01 00:00:00"],
        ["bool", "True"],
        ["float", "0.3333333333333333"],
        ["str", "00123"],
        ["str", "=1+1"],
        ["NoneType", "None"],
        ["float", "2500.0"],
    ]
    from_file.customers.loc[0, "name"] = "客户一"
    save_master(from_file, path)
    _assert_written(path, column)


def test_a_column_of_true_and_false_stays_booleans_from_the_workbook_and_the_load_cache(tmp_path: Path) -> None:
    """A column of TRUE/FALSE only (read through Arrow, not cell by cell) is booleans, not the texts True/False."""
    path, column = _manager_master(tmp_path, [True, False, None, True], store=True)
    tablememo.forget_tables()
    read = load_master(path).customers[TARGETS].tolist()
    tablememo.forget_tables()
    cached = load_master(path)  # from the cache file
    assert read == cached.customers[TARGETS].tolist() == [True, False, None, True]
    save_master(cached, path)
    assert [(v, t) for v, t, _ in _openpyxl_cells(path, column, 4)] == [
        (True, "b"),
        (False, "b"),
        (None, "n"),
        (True, "b"),
    ]


def test_libreoffice_sums_the_numbers_of_a_mixed_column_after_a_save(tmp_path: Path, libreoffice) -> None:
    """The manager's SUM and COUNT below the table count the column's numbers (and its date, a number to every
    spreadsheet) once we saved it; they counted nothing when every cell came back as text."""
    path, column = _manager_master(tmp_path)
    letter = get_column_letter(column)
    book = openpyxl.load_workbook(path)
    sheet = book["客户档案"]
    body = f"{letter}2:{letter}{len(TYPED) + 1}"
    sheet[f"{letter}20"], sheet[f"{letter}21"] = f"=SUM({body})", f"=COUNT({body})"
    sheet[f"{letter}22"], sheet[f"{letter}23"] = f"=ISLOGICAL({letter}5)", f"=ISTEXT({letter}7)"
    book.save(path)
    _load_change_save(path)
    exported = libreoffice(path, "csv:Text - txt - csv (StarCalc):44,34,76")
    with open(exported, encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    total, count, logical, text = (rows[r][column - 1] for r in (19, 20, 21, 22))
    # 120000 + 1/3 + 2500 + the date's serial, + 1 for TRUE: LibreOffice holds a boolean as the number 1 and counts
    # it (Excel's SUM and COUNT skip it); the texts 待定, 00123 and =1+1 count nothing. As text, all counted nothing.
    assert float(total) == pytest.approx(120000 + 1 / 3 + 2500 + DATE_SERIAL + 1, rel=1e-12)
    assert int(count) == 5
    assert (logical, text) == ("TRUE", "TRUE")


def test_formulas_giving_booleans_and_dates_in_a_users_column_stay_formulas(tmp_path: Path, libreoffice) -> None:
    """A column of the user's whose formulas give TRUE/FALSE, or a date beside a text, keeps its formulas through a
    save that changed another column: the values read (booleans, a date) are the formulas' own. Read as text they
    differed from the cached values and the save put the texts True, False and 2026-03-02 in place of the formulas."""
    path, column = _manager_master(tmp_path / "built", ["", "", ""])
    letter, mixed = get_column_letter(column), get_column_letter(column + 1)
    book = openpyxl.load_workbook(path)
    sheet = book["客户档案"]
    sheet[f"{mixed}1"] = "交期"
    for row in (2, 3, 4):
        sheet[f"{letter}{row}"] = "=ROW()>2"
        sheet[f"{mixed}{row}"] = '=IF(ROW()=2,"待定",DATE(2026,3,ROW()))'
        sheet[f"{mixed}{row}"].number_format = "yyyy-mm-dd"
    table = sheet.tables["Customers"]
    table.tableColumns.append(TableColumn(id=len(table.tableColumns) + 1, name="交期"))
    table.ref = table.autoFilter.ref = f"A1:{mixed}4"
    book.save(path)
    resaved = libreoffice(path, "xlsx:Calc MS Excel 2007 XML", tmp_path / "lo")  # the cached values, as Excel's
    target = tmp_path / "master.xlsx"
    target.write_bytes(resaved.read_bytes())
    master = _load_change_save(target)
    assert master.customers[TARGETS].tolist() == [False, True, True]
    assert [_kind(v) for v in master.customers["交期"]] == [
        ("text", "待定"),
        ("date", pd.Timestamp("2026-03-03")),
        ("date", pd.Timestamp("2026-03-04")),
    ]
    sheet = openpyxl.load_workbook(target)["客户档案"]
    assert [sheet[f"{letter}{r}"].value for r in (2, 3, 4)] == ["=ROW()>2"] * 3
    assert [sheet[f"{mixed}{r}"].value for r in (2, 3, 4)] == ['=IF(ROW()=2,"待定",DATE(2026,3,ROW()))'] * 3


def test_a_mixed_column_of_sales_lines_moves_to_the_history_store_and_back(tmp_path: Path) -> None:
    """An archive writes such a column into the store's Parquet files (as a struct of the kinds) and the load reads
    the lines back with each cell's kind; the next save does not take them for changed lines."""
    master = Master.empty(lang="zh")
    master.customers = pd.DataFrame({"customer_id": ["C1"], "name": ["甲"]})
    master.transactions = pd.DataFrame(
        {
            "date": pd.to_datetime(["2024-01-05", "2024-02-05", "2024-03-05", "2026-01-05"]),
            "customer_id": ["C1"] * 4,
            "amount": [100.0, 200.0, 300.0, 400.0],
            "备注": pd.Series([120000.0, "待定", pd.Timestamp("2026-03-01"), True], dtype=object),
        }
    )
    path = save_master(master, tmp_path / "master.xlsx", backup=False)
    archive(path, pd.Timestamp("2025-01-01"))
    tablememo.forget_tables()
    loaded = load_master(path)
    assert [_kind(v) for v in loaded.transactions["备注"]] == [
        ("number", 120000.0),
        ("text", "待定"),
        ("date", pd.Timestamp("2026-03-01")),
        ("bool", True),
    ]
    save_master(loaded, path)  # the store's lines unchanged: saved without a refusal


def test_archived_lines_mixing_kinds_load_beside_a_workbook_column_of_numbers_only(tmp_path: Path) -> None:
    """The lines left in the workbook hold only numbers in the column (so it reads as numbers) while the archived
    ones mix 待定 and TRUE in: the master loads, each cell of its kind, and saves (the archived lines taking the
    workbook column's dtype failed the load converting 待定 to a number, or would have made TRUE a 1)."""
    master = Master.empty(lang="zh")
    master.customers = pd.DataFrame({"customer_id": ["C1"], "name": ["甲"]})
    master.transactions = pd.DataFrame(
        {
            "date": pd.to_datetime(["2024-01-05", "2024-02-05", "2024-03-05", "2026-01-05"]),
            "customer_id": ["C1"] * 4,
            "amount": [100.0, 200.0, 300.0, 400.0],
            "备注": pd.Series([120000.0, "待定", True, 5.0], dtype=object),
        }
    )
    path = save_master(master, tmp_path / "master.xlsx", backup=False)
    archive(path, pd.Timestamp("2025-01-01"))
    tablememo.forget_tables()
    loaded = load_master(path)
    expected = [("number", 120000.0), ("text", "待定"), ("bool", True), ("number", 5.0)]
    assert [_kind(v) for v in loaded.transactions["备注"]] == expected
    save_master(loaded, path)
    tablememo.forget_tables()
    assert [_kind(v) for v in load_master(path).transactions["备注"]] == expected


def test_a_date_after_2192_is_written_as_that_date(tmp_path: Path) -> None:
    """In our own date column and in a mixed column of the user's alike: from 2192-04 on, a date's nanoseconds since
    1899-12-30 pass a signed 64-bit integer, and the date was written as one of 1608 (which the next load refused)."""
    master = Master.empty(lang="zh")
    late = pd.Timestamp("2200-01-01")
    master.customers = pd.DataFrame(
        {
            "customer_id": ["C1", "C2"],
            "name": ["甲", "乙"],
            "founded": [late, pd.Timestamp("2026-03-01")],
            TARGETS: pd.Series([late, "待定"], dtype=object),
        }
    )
    path = save_master(master, tmp_path / "master.xlsx", backup=False)
    for _ in range(2):
        tablememo.forget_tables()
        loaded = _load_change_save(path)
        assert loaded.customers["founded"].tolist() == [late, pd.Timestamp("2026-03-01")]
        assert loaded.customers[TARGETS].tolist() == [late, "待定"]
    sheet = openpyxl.load_workbook(path)["客户档案"]
    assert [sheet.cell(2, c).value for c in (1, sheet.max_column)] == ["C1", dt.datetime(2200, 1, 1)]


def test_a_date_before_march_1900_is_written_as_that_date(tmp_path: Path) -> None:
    """Every day from 1900-01-01 to 1900-03-02, in our own date column and in a mixed column of the user's alike, is
    read back as that day by openpyxl, python-calamine and our load, after a new file's save and a rewrite: Excel
    counts a 29 February 1900 (serial 60), so a day before March is one serial less than the days since 1899-12-30
    (1900-01-01 was written as serial 2 and read back as 1900-01-02)."""
    days = list(pd.date_range("1900-01-01", "1900-03-02"))
    master = Master.empty(lang="zh")
    master.customers = pd.DataFrame(
        {
            "customer_id": [f"C{i}" for i in range(len(days))],
            "name": ["甲"] * len(days),
            "first_trade_date": days,
            TARGETS: pd.Series(days, dtype=object),
        }
    )
    path = save_master(master, tmp_path / "master.xlsx", backup=False)
    own = CUSTOMERS.keys.index("first_trade_date")
    for _ in range(2):  # the file as first written, then as rewritten from what was read
        sheet = openpyxl.load_workbook(path)["客户档案"]
        assert [sheet.cell(r, own + 1).value for r in range(2, len(days) + 2)] == [d.to_pydatetime() for d in days]
        assert [sheet.cell(r, sheet.max_column).value for r in range(2, len(days) + 2)] == [
            d.to_pydatetime() for d in days
        ]
        rows = calamine.CalamineWorkbook.from_path(str(path)).get_sheet_by_name("客户档案").to_python()[1:]
        assert [row[own] for row in rows] == [d.date() for d in days]
        assert [row[-1] for row in rows] == [d.date() for d in days]
        tablememo.forget_tables()
        loaded = _load_change_save(path)
        assert loaded.customers["first_trade_date"].tolist() == days
        assert loaded.customers[TARGETS].tolist() == days


_TEXT = st.text(alphabet=st.sampled_from("待定甲a0123 .=+-@'_TRUEx"), min_size=1, max_size=8)
_CELL = st.one_of(
    st.floats(min_value=-1e300, max_value=1e300, allow_nan=False, allow_subnormal=False),
    st.integers(min_value=-(2**53), max_value=2**53),
    st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2262, 4, 10)).map(pd.Timestamp),
    st.booleans(),
    _TEXT,
    st.none(),
)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cells=st.lists(_CELL, min_size=1, max_size=8))
def test_any_mix_of_cells_in_a_users_column_survives_a_save_and_a_load(tmp_path: Path, cells: list[object]) -> None:
    """Whatever mix of numbers (every digit), dates, booleans, text and blanks a column of the user's holds, a save
    and a load give each cell back as it was, of its kind."""
    master = Master.empty(lang="zh")
    master.customers = pd.DataFrame(
        {
            "customer_id": [f"C{i}" for i in range(len(cells))],
            "name": ["甲"] * len(cells),
            TARGETS: pd.Series(cells, dtype=object),
        }
    )
    path = tmp_path / "master.xlsx"
    path.unlink(missing_ok=True)
    save_master(master, path, backup=False)
    tablememo.forget_tables()
    loaded = load_master(path)
    assert [_kind(v) for v in loaded.customers[TARGETS]] == [_kind(v) for v in cells]
    save_master(loaded, path, backup=False)  # and again from what was read
    tablememo.forget_tables()
    assert [_kind(v) for v in load_master(path).customers[TARGETS]] == [_kind(v) for v in cells]
