"""Rows typed under a master table, outside its range, as LibreOffice and WPS leave them (Excel extends the table).

Each test writes a real master, types rows under a table with openpyxl without touching the table's range (what
LibreOffice and WPS leave), and reads it back: the rows right under the table are read as its rows and told of,
the next save of the master extends its range over them, rows past a blank row and totals rows are named, not read.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import shutil
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from keyacct_xl import InputError, load_master, save_master
from keyacct_xl.analytics.credit_run import run_credit_check
from keyacct_xl.cli.main import main
from keyacct_xl.consolidate.store import load_store, save_store
from keyacct_xl.demo.company import generate_demo
from keyacct_xl.history.store import CACHE_FOLDER, store_path
from keyacct_xl.master import tablememo
from keyacct_xl.master.integrity import check_master_file
from keyacct_xl.master.writer import MONEY_FORMAT
from keyacct_xl.notices import collecting
from keyacct_xl.xlsx.package import locate_tables
from keyacct_xl.xlsx.sheetxml import rows_after

UTF8_CSV = "csv:Text - txt - csv (StarCalc):44,34,76"  # 76: UTF-8


@pytest.fixture(scope="module")
def demo_master(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small demo master (zh), never changed by a test: copy it."""
    return save_master(generate_demo(seed=7, customers=20), tmp_path_factory.mktemp("below") / "m.xlsx", backup=False)


@pytest.fixture
def master(demo_master: Path, tmp_path: Path) -> Path:
    return Path(shutil.copy2(demo_master, tmp_path / "master.xlsx"))


def _table_ref(path: Path, table: str) -> str:
    book = openpyxl.load_workbook(path)
    return next(ws.tables[table].ref for ws in book.worksheets if table in ws.tables)


def _type_under(path: Path, table: str, rows: list[list[object] | None], *, gap: int = 0) -> int:
    """Type ``rows`` under ``table`` (None: leave the row blank), ``gap`` rows below its last row, as LibreOffice
    leaves them: the table's range unchanged. The first row typed."""
    book = openpyxl.load_workbook(path)
    sheet = next(ws for ws in book.worksheets if table in ws.tables)
    last = openpyxl.utils.cell.range_boundaries(sheet.tables[table].ref)[3]
    first = last + 1 + gap
    for offset, values in enumerate(rows):
        for col, value in enumerate(values or [], start=1):
            sheet.cell(first + offset, col, value)
    book.save(path)
    assert _table_ref(path, table) == sheet.tables[table].ref  # the range is as it was
    return first


def _loaded(path: Path) -> tuple[object, list[str], list[str]]:
    with collecting() as notices:
        master = load_master(path)
    return master, [n.en for n in notices], [n.zh for n in notices]


def test_a_payment_typed_under_payments_is_read_and_the_credit_check_counts_it(master: Path) -> None:
    before = load_master(master)
    balances = {c: run_credit_check(before, c, 1000).position["balance"] for c in before.customers["customer_id"]}
    customer = max(balances, key=balances.get)
    paid = round(balances[customer] / 2, 2)
    row = _type_under(master, "Payments", [["SK-TYPED-1", dt.datetime(2026, 10, 31), customer, paid, "转账", None]])

    after, en, zh = _loaded(master)

    assert len(after.payments) == len(before.payments) + 1
    typed = after.payments.iloc[-1]
    assert (typed["receipt_no"], typed["customer_id"], typed["amount"]) == ("SK-TYPED-1", customer, paid)
    assert run_credit_check(after, customer, 1000).position["balance"] == pytest.approx(balances[customer] - paid)
    assert en == [
        f"master.xlsx: sheet 收款记录, row {row}: under the table, outside its range; read as rows of the table, "
        "and the next save of the master extends the table over them"
    ]
    assert zh == [
        f"master.xlsx：工作表 收款记录，第 {row} 行：在表格区域之外，已按表格行读入；下次保存总表时表格将扩展到这些行"
    ]


def test_a_customer_typed_under_customers_is_found_and_the_cli_says_so(
    master: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    row = _type_under(master, "Customers", [["C0999", "手工录入客户有限公司", None, "华东", "上海"]])

    assert main(["--lang", "en", "credit", "check", str(master), "--customer", "C0999", "--amount", "100"]) == 0
    out, err = capsys.readouterr()
    assert out.startswith("C0999 手工录入客户有限公司")
    assert f"note: master.xlsx: sheet 客户档案, row {row}: under the table, outside its range" in err

    assert main(["--lang", "en", "master", "check", str(master)]) in (0, 1)
    out, err = capsys.readouterr()
    assert "Customers" in out and f"{21:>10,}" in out.splitlines()[0]  # 20 customers and the one typed
    assert err.count(f"row {row}: under the table") == 1  # told once, though the command reads the master twice


def test_a_save_of_the_table_extends_it_over_the_rows_read_and_leaves_other_tables_rows_as_they_are(
    master: Path, libreoffice
) -> None:
    first = _type_under(master, "Customers", [["C0998", "甲公司", None, "华东"], ["C0999", "乙公司", None, "华北"]])
    _type_under(master, "Payments", [["SK-TYPED-2", dt.datetime(2026, 10, 31), "C0001", 500.0, "现金", None]])
    with zipfile.ZipFile(master) as archive:
        payments_part = locate_tables(archive)["Payments"].sheet_part
        payments_sheet = archive.read(payments_part)
    loaded, _, _ = _loaded(master)
    loaded.customers.loc[loaded.customers["customer_id"] == "C0999", "credit_limit"] = 80000.0

    save_master(loaded, tables=["Customers"])

    assert _table_ref(master, "Customers") == f"A1:AF{first + 1}"
    sheet = openpyxl.load_workbook(master)["客户档案"]
    assert [sheet.cell(first + 1, c).value for c in (1, 2, 4)] == ["C0999", "乙公司", "华北"]
    assert sheet.cell(first + 1, 15).value == 80000.0 and sheet.cell(first + 1, 15).number_format == MONEY_FORMAT
    with zipfile.ZipFile(master) as archive:
        assert archive.read(payments_part) == payments_sheet  # not written: the typed payment is where it was
    # ... and the Payments table, not written, is extended over it all the same: no read tells of it again
    payments_last = int(_table_ref(master, "Payments").split(":")[1].lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ"))
    again, en, _ = _loaded(master)
    assert list(again.customers["customer_id"][-2:]) == ["C0998", "C0999"]
    assert en == [] and again.payments["receipt_no"].iloc[-1] == "SK-TYPED-2"
    assert payments_last == len(again.payments) + 1
    # LibreOffice opens the saved master and shows the table's rows (Customers is the first sheet)
    shown = libreoffice(master, UTF8_CSV)
    rows = list(csv.reader(shown.read_text(encoding="utf-8").splitlines()))
    assert [r[0] for r in rows[-2:]] == ["C0998", "C0999"]


def test_a_save_of_other_tables_extends_a_table_over_the_sales_typed_under_it(
    master: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    last = int(_table_ref(master, "Transactions").split(":")[1].lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ"))
    sale = ["XS-TYPED-{}", dt.datetime(2026, 10, 8), "C0001", "液压泵", None, 5, 1200, 6000, None, "张三", None]
    first = _type_under(master, "Transactions", [[str(sale[0]).format(k), *sale[1:]] for k in range(3)])
    loaded, en, zh = _loaded(master)
    # the rows outside the range are named: the first row under the table to the last typed
    assert first == last + 1 and zh[0].startswith(f"master.xlsx：工作表 销售明细，第 {first}–{first + 2} 行")
    with zipfile.ZipFile(master) as archive:
        sheet_part = locate_tables(archive)["Transactions"].sheet_part
        sheet = archive.read(sheet_part)
    loaded.customers.loc[0, "credit_limit"] = 12345.0
    save_master(loaded, tables=["Customers"])  # a save of another table, as grade apply makes

    assert _table_ref(master, "Transactions").endswith(f"{first + 2}")
    with zipfile.ZipFile(master) as archive:
        assert archive.read(sheet_part) == sheet  # only the table part changed
    again, en, _ = _loaded(master)
    assert en == [] and list(again.transactions["doc_no"][-3:]) == [f"XS-TYPED-{k}" for k in range(3)]
    assert len(again.transactions) == len(loaded.transactions)


def test_master_check_sees_a_payment_typed_under_payments(master: Path) -> None:
    row = _type_under(master, "Payments", [["SK-TYPED-5", dt.datetime(2026, 10, 31), "C0777", 300.0, "现金"]])

    problems = check_master_file(master).problems

    assert [(p.kind, p.sheet, p.row, p.customer_id) for p in problems if p.customer_id == "C0777"] == [
        ("unknown_customer", "收款记录", row, "C0777")
    ]


def test_a_consolidation_appending_visits_takes_a_visit_typed_under_the_table_in(master: Path) -> None:
    row = _type_under(master, "Visits", [[dt.datetime(2026, 11, 29), "C0004", "手工录入"]])
    store = load_store(master)
    visits = store.frame("Visits")
    added = visits.iloc[[0]].assign(customer_id="C0005", date=pd.Timestamp(2026, 11, 30))
    store.frames["Visits"] = pd.concat([visits, added], ignore_index=True)

    save_store(store, ["Visits"])  # appends when it can: here the table is rewritten over the typed row

    assert openpyxl.utils.cell.range_boundaries(_table_ref(master, "Visits"))[3] == row + 1
    saved = load_store(master).frame("Visits")
    assert list(saved["customer_id"][-2:]) == ["C0004", "C0005"]


def test_rows_past_a_blank_row_are_named_not_read(master: Path) -> None:
    visits = len(load_master(master).visits)
    first = _type_under(master, "Visits", [[dt.datetime(2026, 11, 2), "C0002"], None, [dt.datetime(2026, 11, 3)]])
    far = _type_under(master, "Visits", [["备注：以上为十一月拜访"]], gap=5)

    loaded, en, zh = _loaded(master)

    assert loaded.visits.iloc[-1]["customer_id"] == "C0002"
    assert len(loaded.visits) == visits + 1
    assert en[0].startswith(f"master.xlsx: sheet 拜访记录, row {first}: under the table, outside its range")
    assert en[1] == (
        f"master.xlsx: sheet 拜访记录, rows {first + 2}, {far}: under the table but separated from it by a blank "
        "row (or a totals row); not read. To have them read, type them directly under the table"
    )
    assert zh[1].startswith(
        f"master.xlsx：工作表 拜访记录，第 {first + 2}、{far} 行：位于表格下方，但与表格之间隔着空行"
    )


def test_a_totals_row_under_the_table_is_named_not_read(master: Path) -> None:
    before = load_master(master)
    last = int(_table_ref(master, "Payments").split(":")[1][1:])
    first = _type_under(
        master,
        "Payments",
        [
            ["SK-TYPED-3", dt.datetime(2026, 10, 31), "C0003", 700.0, "现金"],
            ["合 计", None, None, f"=SUM(D2:D{last + 1})"],
            ["SK-TYPED-4", dt.datetime(2026, 10, 31), "C0004", 900.0, "现金"],
        ],
    )
    with_word = _type_under(master, "Transactions", [["Total:"]])

    loaded, en, zh = _loaded(master)

    assert list(loaded.payments["receipt_no"][-1:]) == ["SK-TYPED-3"]
    assert len(loaded.payments) == len(before.payments) + 1
    assert len(loaded.transactions) == len(before.transactions)
    assert (
        f"master.xlsx: sheet 收款记录, row {first + 1}: under the table, looks like a totals row (合计, Total or a "
        "SUM formula); not read as data"
    ) in en
    assert f"master.xlsx: sheet 收款记录, row {first + 2}: under the table but separated from it" in "\n".join(en)
    assert f"master.xlsx: sheet 销售明细, row {with_word}: under the table, looks like a totals row" in "\n".join(en)
    assert f"master.xlsx：工作表 收款记录，第 {first + 1} 行：位于表格下方，像是合计行" in "\n".join(zh)


def test_a_totals_row_labelled_in_another_column_than_the_first_is_named_not_read(master: Path) -> None:
    # A ledger labels its total under the customer or the name: typed under Payments with the total as a value,
    # it was read as a payment without a date, and the whole master refused to load.
    row = _type_under(master, "Payments", [[None, None, "合计", 12345.0]])
    loaded, en, _ = _loaded(master)
    assert len(loaded.payments) == len(load_master(master).payments)
    assert f"master.xlsx: sheet 收款记录, row {row}: under the table, looks like a totals row" in "\n".join(en)


def test_a_row_under_a_table_is_read_though_the_sheet_records_a_used_range_out_of_date(master: Path) -> None:
    # A streaming writer (Apache POI's SXSSF) leaves <dimension ref="A1"/>: the range says nothing of the rows, so
    # they are looked for; before, the typed payment was neither read nor named.
    before = len(load_master(master).payments)
    row = _type_under(master, "Payments", [["SK-TYPED-9", dt.datetime(2026, 10, 31), "C0003", 700.0, "现金"]])
    stale = master.with_name("stale.xlsx")
    with zipfile.ZipFile(master) as source, zipfile.ZipFile(stale, "w", zipfile.ZIP_DEFLATED) as out:
        for info in source.infolist():
            data = source.read(info)
            if info.filename.startswith("xl/worksheets/sheet"):
                start = data.find(b"<dimension ref=")
                end = data.find(b"/>", start) + 2
                data = data[:start] + b'<dimension ref="A1"/>' + data[end:] if start >= 0 else data
            out.writestr(info, data)
    loaded, en, _ = _loaded(stale)
    assert len(loaded.payments) == before + 1
    assert f"stale.xlsx: sheet 收款记录, row {row}: under the table, outside its range" in "\n".join(en)


def test_the_load_cache_reads_the_changed_sheet_and_keeps_what_it_found(master: Path) -> None:
    store_path(master).mkdir()
    load_master(master)  # cached as it was
    cache = store_path(master) / CACHE_FOLDER
    cached_before = {p.name for p in cache.glob("customers-*.parquet")}
    row = _type_under(master, "Customers", [["C0999", "手工录入客户有限公司"]])

    first, en_first, _ = _loaded(master)
    tablememo.forget_tables()  # the next load from the Parquet file, as a new process would
    second, en_second, _ = _loaded(master)

    assert {p.name for p in cache.glob("customers-*.parquet")}.isdisjoint(cached_before)  # a new key: read anew
    assert first.customers.iloc[-1]["customer_id"] == second.customers.iloc[-1]["customer_id"] == "C0999"
    assert en_first == en_second and f"row {row}: under the table" in en_second[0]


def test_the_same_file_read_and_saved_twice_gives_the_same_bytes(master: Path, tmp_path: Path) -> None:
    row = _type_under(master, "Customers", [["C0999", "手工录入客户有限公司", None, "华东"]])
    digests = []
    for folder in ("a", "b"):
        (tmp_path / folder).mkdir()
        copy = Path(shutil.copy2(master, tmp_path / folder / "master.xlsx"))
        save_master(load_master(copy), tables=["Customers"], backup=False)
        assert _table_ref(copy, "Customers") == f"A1:AF{row}"
        digests.append(hashlib.sha256(copy.read_bytes()).hexdigest())
    assert digests[0] == digests[1]


def test_a_save_that_would_grow_over_rows_typed_after_the_load_names_the_file(master: Path) -> None:
    loaded = load_master(master)
    row = _type_under(master, "Customers", [["C0999", "手工录入客户有限公司"]])  # typed after the load
    loaded.customers.loc[len(loaded.customers)] = loaded.customers.iloc[0]
    loaded.customers.loc[len(loaded.customers) - 1, "customer_id"] = "C0500"

    with pytest.raises(InputError) as raised:
        save_master(loaded, tables=["Customers"])

    assert raised.value.message("en") == (
        f"master.xlsx: sheet 客户档案, cell A{row}: the table would grow over this cell; move it and save again"
    )


def test_a_master_libreoffice_saved_with_rows_under_a_table(master: Path, libreoffice, tmp_path: Path) -> None:
    row = _type_under(master, "Customers", [["C0999", "手工录入客户有限公司", None, "华东"]])
    resaved = libreoffice(master, "xlsx", tmp_path / "lo")  # LibreOffice's own bytes; it keeps the table's range
    assert _table_ref(resaved, "Customers") == _table_ref(master, "Customers")

    loaded, en, _ = _loaded(resaved)
    assert loaded.customers.iloc[-1]["customer_id"] == "C0999"
    assert en == [
        f"master.xlsx: sheet 客户档案, row {row}: under the table, outside its range; read as rows of the table, "
        "and the next save of the master extends the table over them"
    ]
    save_master(loaded, tables=["Customers"], backup=False)
    assert _table_ref(resaved, "Customers") == f"A1:AF{row}"
    shown = libreoffice(resaved, UTF8_CSV, tmp_path / "lo-csv")
    assert list(csv.reader(shown.read_text(encoding="utf-8").splitlines()))[-1][:2] == ["C0999", "手工录入客户有限公司"]


def test_rows_after_reads_from_the_end_and_rows_without_numbers_by_streaming() -> None:
    main_ns = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    numbered = f'<worksheet xmlns="{main_ns}"><sheetData>' + "".join(
        f'<row r="{r}"><c r="A{r}"><v>{r}</v></c></row>' for r in (1, 2, 3, 7)
    )
    unnumbered = f'<worksheet xmlns="{main_ns}"><sheetData>' + "<row><c><v>1</v></c></row>" * 4
    for sheet, expected in ((numbered, [3, 7]), (unnumbered, [3, 4])):
        xml = (sheet + "</sheetData></worksheet>").encode()
        assert [n for n, _ in rows_after(xml, "xl/worksheets/sheet1.xml", 2)] == expected
