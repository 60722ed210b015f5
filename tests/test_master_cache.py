"""The load cache and the Arrow reader: a table whose parts are unchanged loads from its Parquet file in the history
store; any edit (openpyxl, our own save, a Settings value, the language of the sheets) is read anew; the Arrow
reader types every table as the per-cell reader does and still names a bad cell by sheet and cell.

Every test writes a real master, edits it with a real writer and loads it back.
"""

from __future__ import annotations

import datetime as dt
import shutil
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from fileopens import opens_of

from keyacct_xl import InputError, load_master, save_master
from keyacct_xl.consolidate.store import load_master_store, load_store, store_schemas
from keyacct_xl.demo.company import generate_demo
from keyacct_xl.history.store import CACHE_FOLDER, store_path
from keyacct_xl.master import reader, tablecache, tablememo
from keyacct_xl.master.arrowread import ArrowBook, typed_column
from keyacct_xl.master.convert import convert
from keyacct_xl.master.schema import ALL_TABLES, CUSTOMERS, TRANSACTIONS
from keyacct_xl.master.submissions import ALL_CONSOLIDATION_TABLES, MERGED_TABLES
from keyacct_xl.master.tablecache import table_keys
from keyacct_xl.messages import Location
from keyacct_xl.xlsx.package import locate_tables

MASTERS = Path(__file__).parent / "data" / "masters"


@pytest.fixture(scope="module")
def demo_master(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small demo master, never changed by a test: copy it."""
    return save_master(generate_demo(seed=7, customers=20), tmp_path_factory.mktemp("cache") / "m.xlsx", backup=False)


def _cached_master(demo_master: Path, folder: Path) -> Path:
    """A copy of the demo master with a history store (so its tables are cached), loaded once."""
    folder.mkdir(parents=True, exist_ok=True)
    path = Path(shutil.copy2(demo_master, folder / "master.xlsx"))
    store_path(path).mkdir()
    load_master(path)
    return path


def _cache_files(path: Path) -> dict[str, str]:
    """Per table, the key its cache file is named by."""
    folder = store_path(path) / CACHE_FOLDER
    return dict(p.stem.rsplit("-", 2)[:2] for p in folder.glob("*.parquet"))


def _cache_file(path: Path, table: str) -> Path:
    """The cache file of ``table`` (its stable English name) under the master's current key."""
    (found,) = (store_path(path) / CACHE_FOLDER).glob(f"{table.lower()}-{_keys(path)[table]}-*.parquet")
    return found


def _keys(path: Path) -> dict[str, str]:
    with zipfile.ZipFile(path) as archive:
        return table_keys(archive, locate_tables(archive))


def _assert_same(a: object, b: object) -> None:
    for t in ALL_TABLES[:-1]:
        pd.testing.assert_frame_equal(getattr(a, t.attr), getattr(b, t.attr))
    assert a.settings == b.settings and a.lang == b.lang and a.headers == b.headers  # type: ignore[attr-defined]


def test_every_table_is_cached_under_its_parts_key_and_read_back_the_same(demo_master: Path, tmp_path: Path) -> None:
    path = _cached_master(demo_master, tmp_path)
    assert _cache_files(path) == {t.name.lower(): _keys(path)[t.name] for t in ALL_TABLES}
    _assert_same(load_master(path), load_master(demo_master))  # from the cache / from the workbook


def test_an_unchanged_table_loads_from_its_cache_file(demo_master: Path, tmp_path: Path) -> None:
    """A new process's load takes every table from its cache file: the workbook is opened for its zip directory
    (the keys) and not read again while its parts are unchanged."""
    path = _cached_master(demo_master, tmp_path)
    tablememo.forget_tables()  # what a new process starts from
    assert opens_of(path, lambda: load_master(path)) == 1  # the zip directory for the keys, no table read from it
    tablememo.forget_tables()
    _assert_same(load_master(path), load_master(demo_master))


def test_a_doctored_cache_file_is_read_from_the_workbook_and_a_save_keeps_every_line(
    demo_master: Path, tmp_path: Path
) -> None:
    """An invoice's lines dropped from the cached Transactions (the file's name and key untouched, the workbook
    unchanged) are not what a load gives: the file's bytes are not the ones its digest names, the table is read
    from the workbook and cached anew, and a save of Transactions from that load keeps the invoice."""
    path = _cached_master(demo_master, tmp_path)
    tablememo.forget_tables()
    cache = _cache_file(path, "Transactions")
    table = pq.read_table(cache)
    invoice = table.column("doc_no")[0].as_py()
    kept = table.filter(pc.not_equal(table.column("doc_no"), invoice))
    assert kept.num_rows < table.num_rows
    pq.write_table(kept, cache)

    loaded = load_master(path)
    assert (loaded.transactions["doc_no"] == invoice).sum() == table.num_rows - kept.num_rows
    assert pq.read_table(_cache_file(path, "Transactions")).num_rows == table.num_rows  # our bytes again
    save_master(loaded, path, tables=["Transactions"], backup=False)
    shutil.rmtree(store_path(path) / CACHE_FOLDER)
    tablememo.forget_tables()
    assert len(load_master(path).transactions) == table.num_rows


def test_a_table_is_copied_into_arrow_only_when_the_load_cache_keeps_it(demo_master: Path, tmp_path: Path) -> None:
    """Without a store nothing is cached, so no table is converted to Arrow for it; with one, the copy of each table
    read through Arrow is what its cache file holds."""
    path = Path(shutil.copy2(demo_master, tmp_path / "master.xlsx"))
    assert tablecache.cache_folder(path) is None
    tablememo.forget_tables()
    plain = reader.read_tables(path, lambda found: reader.master_schemas(found, path))
    assert [s.name for s, read in plain.items() if read.arrow is not None] == []

    stored = _cached_master(demo_master, tmp_path / "stored")  # loaded once: every table read and cached
    tablememo.forget_tables()
    shutil.rmtree(store_path(stored) / CACHE_FOLDER)
    read = reader.read_tables(stored, lambda found: reader.master_schemas(found, stored))
    for schema in ALL_TABLES[:-1]:  # Settings is read cell by cell, cached from its frame
        assert isinstance(read[schema].arrow, pa.Table), schema.name
        cached = pq.read_table(_cache_file(stored, schema.name))
        assert cached.replace_schema_metadata(None).equals(read[schema].arrow), schema.name  # type: ignore[union-attr]


def test_a_second_load_in_the_same_process_parses_no_table_again_and_hands_out_its_own_frames(
    demo_master: Path, tmp_path: Path
) -> None:
    """Without a store too: the tables of unchanged parts come from this process's memory, copied, so a caller
    that changes a frame changes no other caller's; an edit of the file is read anew."""
    path = Path(shutil.copy2(demo_master, tmp_path / "master.xlsx"))
    tablememo.forget_tables()
    first = load_master(path)
    assert opens_of(path, lambda: load_master(path)) == 1  # the zip directory for the keys, not the tables
    first.transactions.loc[0, "amount"] = -1.0
    first.headers["Customers"]["name"] = "changed"
    again = load_master(path)
    assert again.transactions["amount"].iloc[0] != -1.0 and again.headers["Customers"]["name"] != "changed"
    _assert_same(again, load_master(demo_master))
    book = openpyxl.load_workbook(path)
    book[TRANSACTIONS.sheet_zh]["H2"] = 123456.78
    book.save(path)
    assert load_master(path).transactions["amount"].iloc[0] == 123456.78


def test_a_table_past_the_memory_bound_is_read_from_the_workbook_each_time(
    demo_master: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = Path(shutil.copy2(demo_master, tmp_path / "master.xlsx"))
    monkeypatch.setattr(tablememo, "MEMO_CELLS", load_master(demo_master).transactions.size - 1)
    tablememo.forget_tables()
    load_master(path)
    assert opens_of(path, lambda: load_master(path)) == 2  # the zip directory, then the bytes for Transactions


def test_a_copy_of_a_master_read_in_the_same_process_names_its_own_file(demo_master: Path, tmp_path: Path) -> None:
    """The tables kept in memory are the file's: a copy with the same parts, whose Settings value is bad, is named by
    its own name, not by the name of the file first read."""
    first = Path(shutil.copy2(demo_master, tmp_path / "first.xlsx"))
    book = openpyxl.load_workbook(first)
    row = next(r for r in book["参数设置"].iter_rows(min_row=2) if r[0].value == "RFM 统计期")
    row[1].value = "many"
    book.save(first)
    copy = Path(shutil.copy2(first, tmp_path / "copy.xlsx"))
    tablememo.forget_tables()
    with pytest.raises(InputError, match=r"first\.xlsx"):
        load_master(first)
    with pytest.raises(InputError, match=r"copy\.xlsx"):
        load_master(copy)


def test_a_cell_edited_with_openpyxl_is_read_anew(demo_master: Path, tmp_path: Path) -> None:
    path = _cached_master(demo_master, tmp_path)
    book = openpyxl.load_workbook(path)
    book[TRANSACTIONS.sheet_zh]["H2"] = 123456.78  # the first line's amount
    book.save(path)
    master = load_master(path)
    assert master.transactions["amount"].iloc[0] == 123456.78
    assert _cache_files(path)["transactions"] == _keys(path)["Transactions"]


def test_our_save_of_one_table_keeps_the_others_cached(demo_master: Path, tmp_path: Path) -> None:
    path = _cached_master(demo_master, tmp_path)
    before = _cache_files(path)
    master = load_master(path)
    master.visits.loc[0, "notes"] = "再访"
    save_master(master, path, tables=["Visits"])
    after = _keys(path)
    assert after["Transactions"] == before["transactions"] and after["Visits"] != before["visits"]
    again = load_master(path)
    assert again.visits.loc[0, "notes"] == "再访"
    pd.testing.assert_frame_equal(again.transactions, master.transactions)


def test_a_settings_value_changed_in_excel_is_read_anew(demo_master: Path, tmp_path: Path) -> None:
    path = _cached_master(demo_master, tmp_path)
    book = openpyxl.load_workbook(path)
    sheet = book["参数设置"]
    row = next(r for r in sheet.iter_rows(min_row=2) if r[0].value == "RFM 统计期")
    row[1].value = 6
    book.save(path)
    assert load_master(path).settings.rfm_period_months == 6


def test_the_same_tables_in_the_other_language_are_read_as_that_language(demo_master: Path, tmp_path: Path) -> None:
    """A master written anew in English over the cached Chinese one: the sheet names are in the key."""
    path = _cached_master(demo_master, tmp_path)
    english = load_master(path)
    english.lang = "en"
    path.unlink()
    save_master(english, path, backup=False)
    master = load_master(path)
    assert master.lang == "en"
    pd.testing.assert_frame_equal(master.transactions, english.transactions)


def test_a_bad_cell_in_a_cached_table_is_named_by_sheet_and_cell(demo_master: Path, tmp_path: Path) -> None:
    path = _cached_master(demo_master, tmp_path)
    book = openpyxl.load_workbook(path)
    book[TRANSACTIONS.sheet_zh]["B5"] = "2026年13月1日"
    book.save(path)
    with pytest.raises(InputError, match="sheet 销售明细, cell B5"):
        load_master(path)


@pytest.mark.parametrize("value", [1.7e308, -1.0e308])
def test_a_number_past_the_largest_a_cell_holds_is_named_by_its_cell(
    demo_master: Path, tmp_path: Path, value: float
) -> None:
    """A column of numbers is typed at once only when every number is one Excel holds; the per-cell rule names the
    one that is not, as the cell reader does (another program can write 1.7E+308)."""
    path = Path(shutil.copy2(demo_master, tmp_path / "master.xlsx"))
    book = openpyxl.load_workbook(path)
    book[TRANSACTIONS.sheet_zh]["H2"] = value
    book.save(path)
    with pytest.raises(InputError, match=r"cell H2 .*too large for Excel") as by_cells:
        reader.read_table(reader.open_book(path), TRANSACTIONS, path)
    with pytest.raises(InputError) as loaded:
        load_master(path)
    assert str(loaded.value) == str(by_cells.value)


@pytest.mark.parametrize("value", [1e300, 2.0**63, -1e19])
def test_a_whole_number_past_what_an_integer_column_holds_is_named_by_its_cell(
    demo_master: Path, tmp_path: Path, value: float
) -> None:
    """Payment terms of 1E+300 days is a number Excel holds but no 64-bit integer: both readers name its cell (the
    master failed to load with pandas' TypeError, through Arrow and cell by cell alike)."""
    path = Path(shutil.copy2(demo_master, tmp_path / "master.xlsx"))
    book = openpyxl.load_workbook(path)
    assert book[CUSTOMERS.sheet_zh]["P1"].value == "账期天数"
    book[CUSTOMERS.sheet_zh]["P3"] = value
    book.save(path)
    with pytest.raises(InputError, match=r"sheet 客户档案, cell P3 .*too large for a whole number") as by_cells:
        reader.read_table(reader.open_book(path), CUSTOMERS, path)
    with pytest.raises(InputError) as loaded:
        load_master(path)
    assert str(loaded.value) == str(by_cells.value)


def test_a_stray_text_past_the_first_thousand_lines_is_named_not_blanked(tmp_path: Path) -> None:
    """fastexcel guesses a column's type from its first 1,000 rows by default; every row decides it here."""
    path = save_master(generate_demo(seed=7, customers=20), tmp_path / "m.xlsx", backup=False)
    book = openpyxl.load_workbook(path)
    rows = book[TRANSACTIONS.sheet_zh].max_row
    assert rows > 1_100
    book[TRANSACTIONS.sheet_zh][f"H{rows}"] = "three thousand"
    book.save(path)
    with pytest.raises(InputError, match=f"cell H{rows}"):
        load_master(path)


@pytest.mark.parametrize("name", sorted(p.name for p in MASTERS.glob("*.xlsx")))
def test_the_arrow_reader_types_every_table_as_the_cell_reader_does(name: str) -> None:
    """Masters written by LibreOffice, by hand with prefixes, without row numbers, with rich text."""
    path = MASTERS / name
    book = reader.open_book(path)
    with zipfile.ZipFile(path) as archive:
        locations = locate_tables(archive)
    for schema, read in zip(ALL_TABLES, reader.read_workbook_tables(path.read_bytes(), path, locations, ALL_TABLES)):
        frame, headers, sheet = reader.read_table(book, schema, path)
        pd.testing.assert_frame_equal(read.frame, frame)
        assert (read.headers, read.sheet) == (headers, sheet)


def test_a_table_that_mixes_kinds_in_a_column_is_typed_as_the_cell_reader_types_it(
    demo_master: Path, tmp_path: Path
) -> None:
    """A document number typed as a number makes fastexcel refuse the whole table, so it is read through calamine:
    its other columns are typed at once, the mixed one and any column of odd cells (a date with a time beside dates,
    a blank of spaces in a money column, a percent typed as text) cell by cell, all as the cell reader types them."""
    path = Path(shutil.copy2(demo_master, tmp_path / "master.xlsx"))
    book = openpyxl.load_workbook(path)
    sheet = book[TRANSACTIONS.sheet_zh]
    sheet["A2"] = 20231101  # doc_no: a number among texts
    sheet["B3"] = dt.datetime(2024, 5, 6, 7, 8, 9)  # date: a time of day among whole days
    sheet["I4"] = None  # cost: a blank among numbers
    sheet["G5"] = "   "  # unit_price: a blank of spaces
    sheet["D6"] = "  润滑脂  "  # product: spaces kept
    for row in range(2, sheet.max_row + 1):
        sheet[f"K{row}"] = None  # product_code: a column of blanks
    book.save(path)
    with zipfile.ZipFile(path) as archive:
        locations = locate_tables(archive)
    assert ArrowBook(path.read_bytes(), path.name).columns(TRANSACTIONS.name)[1] is None  # the calamine path
    by_cells = reader.open_book(path)
    read = reader.read_workbook_tables(path.read_bytes(), path, locations, list(ALL_TABLES))
    for schema, table in zip(ALL_TABLES, read):
        frame = reader.read_table(by_cells, schema, path)[0]
        pd.testing.assert_frame_equal(table.frame, frame, check_exact=True)
        for label in frame.columns:  # the same Python types too (a whole day stays a Timestamp, text stays str)
            assert [type(v) for v in table.frame[label]] == [type(v) for v in frame[label]], (schema.name, label)
    transactions = read[ALL_TABLES.index(TRANSACTIONS)].frame
    assert transactions.loc[0, "doc_no"] == "20231101" and transactions.loc[4, "product"] == "  润滑脂  "
    assert transactions["product_code"].isna().all() and pd.isna(transactions.loc[2, "cost"])


@pytest.mark.parametrize("distinct", [3, 60_000])
def test_a_long_text_column_is_typed_as_the_cell_converter_types_it(distinct: int) -> None:
    """Repetitive text (products, reps) goes through Arrow's dictionary, other text value by value: the same objects."""
    values = [None if i % 97 == 0 else "" if i % 89 == 0 else f"产品 {i % distinct}" for i in range(60_000)]
    typed = typed_column(pa.array(values, type=pa.string()), "text", lambda i: Location("x.xlsx", row=i))
    pd.testing.assert_series_equal(typed, convert(values, "text", lambda i: Location("x.xlsx", row=i)))


def test_the_consolidation_tables_read_with_the_master_are_typed_as_the_cell_reader_types_them(
    demo_run: tuple[Path, str], tmp_path: Path
) -> None:
    """The demo's master after its consolidation (provenance columns, plans, ledger, history): its consolidation
    tables read with the master's, from the workbook and then from the cache, are those the cell reader reads."""
    path = Path(shutil.copy2(demo_run[0] / "master.xlsx", tmp_path / "master.xlsx"))
    book = reader.open_book(path)
    by_cells = {
        s: reader.read_table(book, s, path) for s in ALL_CONSOLIDATION_TABLES.values() if s.name in book.table_names
    }
    assert {"Customers", "WeeklyPlans", "IngestionLedger"} <= {s.name for s in by_cells}

    def both() -> dict:
        return reader.read_tables(
            path, lambda found: [*reader.master_schemas(found, path), *store_schemas(found, path)]
        )

    for cached in (False, True):  # then with a store beside the master: every table from its cache file
        if cached:
            tablememo.forget_tables()  # as a new process reads them
        tables = both()
        for schema, (frame, headers, sheet) in by_cells.items():
            pd.testing.assert_frame_equal(tables[schema].frame, frame, obj=schema.name)
            assert (tables[schema].headers, tables[schema].sheet) == (headers, sheet)
        if not cached:
            store_path(path).mkdir()
            both()
    master, store = load_master_store(path)
    expected = load_master(demo_run[0] / "master.xlsx")
    _assert_same(master, expected)
    assert (master.rows, master.settings_notes) == (expected.rows, expected.settings_notes)
    alone = load_store(demo_run[0] / "master.xlsx")
    for name, frame in alone.frames.items():
        pd.testing.assert_frame_equal(store.frames[name], frame, obj=name)
    assert (store.headers, store.lang, store.settings, store.loaded_rows) == (
        alone.headers,
        alone.lang,
        alone.settings,
        alone.loaded_rows,
    )
    customers = {name for name, _ in _cache_files(path).items() if name.startswith("customers")}
    assert customers == {"customers", tablecache.cache_name(MERGED_TABLES["Customers"])}  # the same table, both ways
