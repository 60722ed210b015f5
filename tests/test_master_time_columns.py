"""Times of day (09:30, a fraction of a day with a time format), durations (36:00 with ``[h]:mm``) and dates with
a time (2026-11-03 14:30) in a column the user added to a master table come back from a load and a save as numbers
with a time format, never as text and never as a date without its time; a column of times only loads.

Every test types the cells into a real master with openpyxl as Excel keeps them (the number with the user's format),
loads and saves it with our code and reads the file back with openpyxl, python-calamine or LibreOffice.
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
from keyacct_xl.consolidate.run import consolidate
from keyacct_xl.consolidate.simulate import blank_form, fill_form
from keyacct_xl.errors import InputError
from keyacct_xl.history.archive import archive
from keyacct_xl.history.store import CACHE_FOLDER, store_path
from keyacct_xl.master import tablememo

SHEET = "客户档案"
NINE_THIRTY = dt.time(9, 30)
LATE = dt.time(14, 0, 15)
DAY_AND_HALF = dt.timedelta(hours=36)
HOUR_AND_HALF = dt.timedelta(hours=1, minutes=30)
MEETING = dt.datetime(2026, 11, 3, 14, 30)


def _master_with(folder: Path, columns: dict[str, list[tuple[object, str | None]]], *, store: bool = False) -> Path:
    """A master whose Customers table gained ``columns`` (header -> cells as (value, the user's number format)),
    one customer per row, typed with openpyxl as Excel keeps them; with ``store`` its tables are cached."""
    folder.mkdir(parents=True, exist_ok=True)
    count = max(len(cells) for cells in columns.values())
    master = Master.empty(lang="zh")
    master.customers = pd.DataFrame(
        {"customer_id": [f"C{i}" for i in range(1, count + 1)], "name": [f"客户{i}" for i in range(1, count + 1)]}
    )
    path = save_master(master, folder / "master.xlsx", backup=False)
    if store:
        store_path(path).mkdir()
    book = openpyxl.load_workbook(path)
    sheet = book[SHEET]
    table = sheet.tables["Customers"]
    for header, cells in columns.items():
        column = sheet.max_column + 1
        sheet.cell(1, column, header)
        for row, (value, number_format) in enumerate(cells, start=2):
            cell = sheet.cell(row, column, value)
            if number_format:
                cell.number_format = number_format
        table.tableColumns.append(TableColumn(id=len(table.tableColumns) + 1, name=header))
    table.ref = table.autoFilter.ref = f"A1:{get_column_letter(sheet.max_column)}{count + 1}"
    book.save(path)
    return path


def _load_change_save(path: Path) -> Master:
    """What a command does: load, change one of our cells, save."""
    master = load_master(path)
    master.customers.loc[0, "name"] = "客户一"
    save_master(master, path)
    return master


def _written(path: Path, header: str) -> list[tuple[object, str, str]]:
    """The column's cells in the saved file as openpyxl reads them: value, data type and number format."""
    sheet = openpyxl.load_workbook(path)[SHEET]
    column = next(c.column for c in sheet[1] if c.value == header)
    return [
        (c.value, c.data_type, c.number_format) for c in (sheet.cell(r, column) for r in range(2, sheet.max_row + 1))
    ]


def _calamine(path: Path, header: str) -> list[object]:
    """The column's cells in the saved file as python-calamine reads them."""
    rows = calamine.CalamineWorkbook.from_path(str(path)).get_sheet_by_name(SHEET).to_python()
    at = rows[0].index(header)
    return [row[at] for row in rows[1:]]


def test_times_of_day_beside_text_are_saved_as_times_with_a_time_format(tmp_path: Path) -> None:
    """A column 到店时间 holding 09:30, 14:00:15 and 待定 (read cell by cell): each time is a time of day in the frame
    and a number with a time format in the saved file; before, the save wrote the texts 09:30:00 and 14:00:15."""
    path = _master_with(
        tmp_path, {"到店时间": [(NINE_THIRTY, "h:mm"), (LATE, "h:mm:ss"), ("待定", None), (None, None)]}
    )
    for _ in range(2):  # and what the first save wrote reads back the same
        tablememo.forget_tables()
        loaded = _load_change_save(path)
        assert loaded.customers["到店时间"].tolist() == [NINE_THIRTY, LATE, "待定", None]
        assert _written(path, "到店时间") == [
            (NINE_THIRTY, "d", "hh:mm"),
            (LATE, "d", "hh:mm:ss"),
            ("待定", "s", "General"),
            (None, "n", "General"),
        ]
        assert _calamine(path, "到店时间") == [NINE_THIRTY, LATE, "待定", ""]


def test_a_column_of_times_only_loads_and_is_saved_as_times(tmp_path: Path) -> None:
    """A column of times only (read through Arrow, which gives them as 1899-12-31 09:30) loads, where the load was
    refused (1899-12-31 is outside the accepted dates), and a save keeps the times with a time format; beside it a
    column of durations only (Arrow's durations, which the load made the texts '1:30:00'); the same from the cache."""
    path = _master_with(
        tmp_path,
        {
            "开门": [(dt.time(8, 0), "h:mm"), (NINE_THIRTY, "h:mm"), (None, None)],
            "工时": [(HOUR_AND_HALF, "[h]:mm"), (None, None), (DAY_AND_HALF, "[h]:mm")],
        },
        store=True,
    )
    for _ in range(2):  # from the workbook (through Arrow), then from the cache file
        tablememo.forget_tables()
        loaded = _load_change_save(path)
        assert loaded.customers["开门"].tolist() == [dt.time(8, 0), NINE_THIRTY, None]
        assert str(loaded.customers["工时"].dtype) == "timedelta64[ns]"
        assert loaded.customers["工时"].tolist()[::2] == [HOUR_AND_HALF, DAY_AND_HALF]
        assert _written(path, "开门") == [
            (dt.time(8, 0), "d", "hh:mm"),
            (NINE_THIRTY, "d", "hh:mm"),
            (None, "n", "General"),
        ]
        assert _written(path, "工时") == [
            (HOUR_AND_HALF, "d", "[h]:mm"),
            (None, "n", "General"),
            (DAY_AND_HALF, "d", "[h]:mm"),
        ]
        assert _calamine(path, "开门") == [dt.time(8, 0), NINE_THIRTY, ""]
        assert _calamine(path, "工时") == [HOUR_AND_HALF, "", DAY_AND_HALF]


def test_durations_are_saved_as_durations_with_an_hours_format(tmp_path: Path) -> None:
    """36:00 and 1:30 typed as ``[h]:mm`` are durations, alone in a column and beside a number and a text (the
    table then read through calamine, cell by cell); before, both were written back as the texts '1 day, 12:00:00'."""
    path = _master_with(
        tmp_path,
        {
            "工时": [(DAY_AND_HALF, "[h]:mm"), (HOUR_AND_HALF, "[h]:mm"), (dt.timedelta(hours=100), "[h]:mm")],
            "时长": [(DAY_AND_HALF, "[h]:mm"), (5, None), ("待定", None)],
        },
    )
    tablememo.forget_tables()
    loaded = _load_change_save(path)
    assert loaded.customers["工时"].tolist() == [DAY_AND_HALF, HOUR_AND_HALF, dt.timedelta(hours=100)]
    assert loaded.customers["时长"].tolist() == [DAY_AND_HALF, 5.0, "待定"]
    assert _written(path, "工时") == [
        (DAY_AND_HALF, "d", "[h]:mm"),
        (HOUR_AND_HALF, "d", "[h]:mm"),
        (dt.timedelta(hours=100), "d", "[h]:mm"),
    ]
    assert _written(path, "时长") == [(DAY_AND_HALF, "d", "[h]:mm"), (5, "n", "General"), ("待定", "s", "General")]
    assert _calamine(path, "工时") == [DAY_AND_HALF, HOUR_AND_HALF, dt.timedelta(hours=100)]
    assert _calamine(path, "时长") == [DAY_AND_HALF, 5.0, "待定"]


def test_dates_with_a_time_keep_their_time_and_a_date_time_format(tmp_path: Path) -> None:
    """2026-11-03 14:30 in a column of dates (through Arrow) and beside a text (cell by cell) is saved with a
    date-time format, the column's midnight dates too where the column shows times; before, the save gave them
    ``yyyy-mm-dd`` and the time was no longer seen."""
    path = _master_with(
        tmp_path,
        {
            "约见": [(MEETING, "yyyy-mm-dd hh:mm"), (dt.datetime(2026, 11, 4), "yyyy-mm-dd")],
            "交期": [(MEETING, "yyyy-mm-dd hh:mm"), ("待定", None)],
        },
    )
    tablememo.forget_tables()
    loaded = _load_change_save(path)
    assert loaded.customers["约见"].tolist() == [pd.Timestamp(MEETING), pd.Timestamp("2026-11-04")]
    assert loaded.customers["交期"].tolist() == [pd.Timestamp(MEETING), "待定"]
    assert _written(path, "约见") == [
        (MEETING, "d", "yyyy-mm-dd hh:mm"),
        (dt.datetime(2026, 11, 4), "d", "yyyy-mm-dd hh:mm"),
    ]
    assert _written(path, "交期") == [(MEETING, "d", "yyyy-mm-dd hh:mm"), ("待定", "s", "General")]
    assert _calamine(path, "约见") == [MEETING, dt.date(2026, 11, 4)]  # calamine gives a midnight as a date
    assert _calamine(path, "交期") == [MEETING, "待定"]


def test_a_column_of_dates_and_times_of_day_keeps_each_cells_kind(tmp_path: Path) -> None:
    """Dates beside a time of day (Arrow gives them all as timestamps, the time on 1899-12-31) load, each cell as
    its own kind, from the workbook and from the cache file; the load was refused (1899-12-31 outside the dates)."""
    path = _master_with(
        tmp_path,
        {"约见": [(MEETING, "yyyy-mm-dd hh:mm"), (NINE_THIRTY, "h:mm"), (dt.datetime(2026, 3, 1), "yyyy-mm-dd")]},
        store=True,
    )
    expected = [pd.Timestamp(MEETING), NINE_THIRTY, pd.Timestamp("2026-03-01")]
    tablememo.forget_tables()
    assert load_master(path).customers["约见"].tolist() == expected
    tablememo.forget_tables()
    assert _load_change_save(path).customers["约见"].tolist() == expected  # from the cache file
    assert _written(path, "约见") == [
        (MEETING, "d", "yyyy-mm-dd hh:mm"),
        (NINE_THIRTY, "d", "hh:mm"),
        (dt.datetime(2026, 3, 1), "d", "yyyy-mm-dd"),
    ]


@pytest.mark.parametrize("beside", [[], [("待定", None)]], ids=["alone", "beside-text"])
def test_a_duration_longer_than_the_master_holds_is_refused_naming_its_cell(
    tmp_path: Path, beside: list[tuple[object, str | None]]
) -> None:
    """A duration of 200,000 days (past the 292 years a Timedelta holds) is refused naming its cell, read through
    Arrow or cell by cell; it was read as the text '200000 days, 0:00:00' and saved so."""
    path = _master_with(tmp_path, {"工时": [(dt.timedelta(hours=3), "[h]:mm"), (dt.timedelta(days=200_000), "[h]:mm")]})
    if beside:
        path = _master_with(tmp_path / "mixed", {"工时": [(dt.timedelta(days=200_000), "[h]:mm"), *beside]})
    tablememo.forget_tables()
    with pytest.raises(InputError, match=r"AG[23] \(工时\): a duration of 200,000 days is longer"):
        load_master(path)


_WHOLE_SECOND = st.integers(min_value=0, max_value=86_399).map(lambda s: dt.time(s // 3600, s // 60 % 60, s % 60))
_CELL = st.one_of(
    _WHOLE_SECOND,
    st.integers(min_value=0, max_value=10_000 * 3600).map(lambda s: pd.Timedelta(seconds=s)),
    st.datetimes(min_value=dt.datetime(1900, 3, 1), max_value=dt.datetime(2262, 4, 10)).map(
        lambda d: pd.Timestamp(d.replace(microsecond=0))
    ),
    st.floats(min_value=-1e9, max_value=1e9, allow_nan=False),
    st.sampled_from(["待定", "09:30", "36:00"]),
    st.none(),
)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cells=st.lists(_CELL, min_size=1, max_size=6))
def test_any_mix_of_times_durations_and_date_times_survives_a_save_and_a_load(
    tmp_path: Path, cells: list[object]
) -> None:
    """Whatever mix of times of day, durations, dates with a time, numbers, text (09:30 typed as text stays text) and
    blanks a column of the user's holds, a save and a load give each cell back as it was, of its kind."""
    master = Master.empty(lang="zh")
    master.customers = pd.DataFrame(
        {
            "customer_id": [f"C{i}" for i in range(len(cells))],
            "name": ["甲"] * len(cells),
            "时间": pd.Series(cells, dtype=object),
        }
    )
    path = tmp_path / "master.xlsx"
    path.unlink(missing_ok=True)
    save_master(master, path, backup=False)
    for _ in range(2):  # and again from what was read
        tablememo.forget_tables()
        loaded = load_master(path)
        assert [_same(v) for v in loaded.customers["时间"]] == [_same(v) for v in cells]
        save_master(loaded, path, backup=False)


def _same(value: object) -> tuple[str, object]:
    """A value as a test compares it: its type's name and the value, blank as None."""
    if value is None or value is pd.NaT or (isinstance(value, float) and value != value):
        return ("blank", None)
    return (type(value).__name__, value)


def test_times_and_durations_come_back_the_same_from_the_load_cache(tmp_path: Path) -> None:
    """Read from the workbook (and cached), then from the cache file, then by a fresh process that may not read the
    workbook: the same times and durations each time, and a save from the cached frame writes them as such."""
    path = _master_with(
        tmp_path,
        {
            "开门": [(dt.time(8, 0), "h:mm"), (NINE_THIRTY, "h:mm"), (None, None)],
            "工时": [(DAY_AND_HALF, "[h]:mm"), (HOUR_AND_HALF, "[h]:mm"), (None, None)],
            "到店": [(NINE_THIRTY, "h:mm"), (DAY_AND_HALF, "[h]:mm"), ("待定", None)],
        },
        store=True,
    )
    tablememo.forget_tables()
    first = load_master(path)
    cached = next((store_path(path) / CACHE_FOLDER).glob("customers-*.parquet"))
    kinds = {name: str(pq.read_schema(cached).field(name).type) for name in ("开门", "工时")}
    assert kinds == {"开门": "time64[us]", "工时": "duration[ns]"}
    tablememo.forget_tables()
    from_file = load_master(path)
    pd.testing.assert_frame_equal(from_file.customers, first.customers)
    assert from_file.customers["到店"].tolist() == [NINE_THIRTY, DAY_AND_HALF, "待定"]

    assert cached_customer_values(path, ["开门", "工时", "到店"]) == [
        ["time", "08:00:00"],
        ["time", "09:30:00"],
        ["NoneType", "None"],
        ["Timedelta", "1 days 12:00:00"],
        ["Timedelta", "0 days 01:30:00"],
        ["NaTType", "NaT"],
        ["time", "09:30:00"],
        ["Timedelta", "1 days 12:00:00"],
        ["str", "待定"],
    ]
    save_master(from_file, path)
    assert [v for v, _, _ in _written(path, "开门")] == [dt.time(8, 0), NINE_THIRTY, None]
    assert [(v, f) for v, _, f in _written(path, "到店")] == [
        (NINE_THIRTY, "hh:mm"),
        (DAY_AND_HALF, "[h]:mm"),
        ("待定", "General"),
    ]


def test_times_and_durations_of_sales_lines_move_to_the_history_store_and_back(tmp_path: Path) -> None:
    """An archive writes a column of times and one mixing a duration with a text into the store's Parquet files;
    the load reads the lines back as times and durations, and the next save does not take them for changed lines."""
    master = Master.empty(lang="zh")
    master.customers = pd.DataFrame({"customer_id": ["C1"], "name": ["甲"]})
    master.transactions = pd.DataFrame(
        {
            "date": pd.to_datetime(["2024-01-05", "2024-02-05", "2026-01-05"]),
            "customer_id": ["C1"] * 3,
            "amount": [100.0, 200.0, 300.0],
            "送达": pd.Series([NINE_THIRTY, LATE, dt.time(17, 0)], dtype=object),
            "装卸": pd.Series([pd.Timedelta(DAY_AND_HALF), "待定", pd.Timedelta(HOUR_AND_HALF)], dtype=object),
        }
    )
    path = save_master(master, tmp_path / "master.xlsx", backup=False)
    archive(path, pd.Timestamp("2025-01-01"))
    tablememo.forget_tables()
    loaded = load_master(path)
    assert loaded.transactions["送达"].tolist() == [NINE_THIRTY, LATE, dt.time(17, 0)]
    assert loaded.transactions["装卸"].tolist() == [DAY_AND_HALF, "待定", HOUR_AND_HALF]
    save_master(loaded, path)  # the store's lines unchanged: saved without a refusal
    sheet = openpyxl.load_workbook(path)["销售明细"]
    last = [c.value for c in sheet[2]]
    assert last[-2:] == [dt.time(17, 0), HOUR_AND_HALF]


def test_a_consolidation_into_a_table_with_the_users_times_and_durations_keeps_them(
    tmp_path: Path, inbox: Path
) -> None:
    """The manager added 到店 (times only) and 停留 (durations) to Visits; a rep's visit record consolidated into the
    master adds its visits and the manager's cells stay times and durations with their formats. The consolidation
    failed: the master's load refused the column of times."""
    master = Master.empty(lang="zh")
    master.customers = pd.DataFrame(
        {"customer_id": ["C001", "C002"], "name": ["广州华强贸易有限公司", "佛山永利五金厂"]}
    )
    master.visits = pd.DataFrame(
        {"date": pd.to_datetime(["2026-11-02", "2026-11-03"]), "customer_id": ["C001", "C002"], "content": ["甲", "乙"]}
    )
    path = save_master(master, tmp_path / "master.xlsx", backup=False)
    book = openpyxl.load_workbook(path)
    sheet = book["拜访记录"]
    table = sheet.tables["Visits"]
    for header, cells in {
        "到店": [(NINE_THIRTY, "h:mm"), (LATE, "h:mm:ss")],
        "停留": [(HOUR_AND_HALF, "[h]:mm")] * 2,
    }.items():
        column = sheet.max_column + 1
        sheet.cell(1, column, header)
        for row, (value, number_format) in enumerate(cells, start=2):
            sheet.cell(row, column, value).number_format = number_format
        table.tableColumns.append(TableColumn(id=len(table.tableColumns) + 1, name=header))
    table.ref = table.autoFilter.ref = f"A1:{get_column_letter(sheet.max_column)}3"
    book.save(path)
    rows = [{"date": "2026-11-23", "customer_id": "C001", "content": "谈年度返利"}]
    form = fill_form(blank_form("visit_record"), header={"rep": "张三", "period": "2026-W48"}, rows={"visits": rows})
    (inbox / "v.xlsx").write_bytes(form)
    [outcome] = consolidate(inbox, path, now="2026-11-23 18:00:00").outcomes
    assert (outcome.status, outcome.rows_added) == ("accepted", 1)
    sheet = openpyxl.load_workbook(path)["拜访记录"]
    headers = [c.value for c in sheet[1]]
    cells = [[(c.value, c.number_format) for c in row] for row in sheet.iter_rows(min_row=2, max_row=4)]
    at, stay = headers.index("到店"), headers.index("停留")
    assert [(row[at], row[stay]) for row in cells] == [
        ((NINE_THIRTY, "hh:mm:ss"), (HOUR_AND_HALF, "[h]:mm")),  # a column of times takes one format: with seconds
        ((LATE, "hh:mm:ss"), (HOUR_AND_HALF, "[h]:mm")),  # when one of its times has them
        ((None, "General"), (None, "General")),
    ]
    tablememo.forget_tables()
    visits = load_master(path).visits
    assert visits["到店"].tolist() == [NINE_THIRTY, LATE, None]
    assert visits["停留"].tolist()[:2] == [HOUR_AND_HALF, HOUR_AND_HALF]


def test_formulas_giving_times_and_durations_in_a_users_column_stay_formulas(tmp_path: Path, libreoffice) -> None:
    """A column of the user's whose formulas give a time of day or a duration beside a text keeps its formulas
    through a save that changed another column: the values read are the formulas' own. Read as text they differed
    from the cached values and the save put the texts 09:30:00 and 1 day, 12:00:00 in place of the formulas."""
    path = _master_with(tmp_path / "built", {"到店": [("", None)] * 3, "工时": [("", None)] * 3})
    book = openpyxl.load_workbook(path)
    sheet = book[SHEET]
    at, stay = (get_column_letter(sheet.max_column - i) for i in (1, 0))
    for row, (time_formula, duration_formula) in enumerate(
        [("=TIME(9,30,0)", "=36/24"), ("=TIME(14,0,15)", "=1.5/24"), ('="待定"', '="待定"')], start=2
    ):
        sheet[f"{at}{row}"], sheet[f"{stay}{row}"] = time_formula, duration_formula
        sheet[f"{at}{row}"].number_format, sheet[f"{stay}{row}"].number_format = "h:mm:ss", "[h]:mm"
    book.save(path)
    resaved = libreoffice(path, "xlsx:Calc MS Excel 2007 XML", tmp_path / "lo")  # the cached values, as Excel's
    target = tmp_path / "master.xlsx"
    target.write_bytes(resaved.read_bytes())
    master = _load_change_save(target)
    assert master.customers["到店"].tolist() == [NINE_THIRTY, LATE, "待定"]
    assert master.customers["工时"].tolist() == [DAY_AND_HALF, HOUR_AND_HALF, "待定"]
    sheet = openpyxl.load_workbook(target)[SHEET]
    assert [sheet[f"{at}{r}"].value for r in (2, 3, 4)] == ["=TIME(9,30,0)", "=TIME(14,0,15)", '="待定"']
    assert [sheet[f"{stay}{r}"].value for r in (2, 3, 4)] == ["=36/24", "=1.5/24", '="待定"']


def test_libreoffice_shows_the_saved_times_durations_and_date_times(tmp_path: Path, libreoffice) -> None:
    """LibreOffice opens the saved master and shows 09:30, 36:00 and 2026-11-03 14:30 as the user typed them."""
    path = _master_with(
        tmp_path,
        {
            "到店时间": [(NINE_THIRTY, "h:mm"), ("待定", None)],
            "工时": [(DAY_AND_HALF, "[h]:mm"), (HOUR_AND_HALF, "[h]:mm")],
            "约见": [(MEETING, "yyyy-mm-dd hh:mm"), (dt.datetime(2026, 11, 4, 8, 5), "yyyy-mm-dd hh:mm")],
        },
    )
    _load_change_save(path)
    exported = libreoffice(path, "csv:Text - txt - csv (StarCalc):44,34,76")
    with open(exported, encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    shown = {header: [row[rows[0].index(header)] for row in rows[1:3]] for header in ("到店时间", "工时", "约见")}
    assert shown == {
        "到店时间": ["09:30", "待定"],
        "工时": ["36:00", "1:30"],
        "约见": ["2026-11-03 14:30", "2026-11-04 08:05"],
    }


def test_a_negative_time_in_a_users_column_is_kept_as_its_number_not_refused_as_a_date(tmp_path: Path) -> None:
    """12:00 and −0.25 under hh:mm (Arrow gives −0.25 as 1899-12-30 18:00): the load was refused naming the 12:00
    cell as a date "1899-12-31 outside the accepted dates"; now the time is a time, the negative its number, from the
    workbook and from the cache, and a save writes both back."""
    path = _master_with(
        tmp_path, {"通话时长": [(0.5, "hh:mm"), (-0.25, "hh:mm"), (None, None), (0.75, "hh:mm")]}, store=True
    )
    for _ in range(2):  # from the workbook (through Arrow), then from the cache file
        tablememo.forget_tables()
        loaded = _load_change_save(path)
        assert loaded.customers["通话时长"].tolist() == [dt.time(12, 0), -0.25, None, dt.time(18, 0)]
        written = _written(path, "通话时长")
        assert [w[0] for w in written] == [dt.time(12, 0), -0.25, None, dt.time(18, 0)]
