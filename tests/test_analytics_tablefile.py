"""The loose-table reader: alias headers, three file types, located errors."""

from __future__ import annotations

import hashlib
import io
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
import xlsxwriter

from keyacct_xl.cli.main import main
from keyacct_xl.errors import InputError
from keyacct_xl.master.schema import TRANSACTIONS
from keyacct_xl.notices import collecting
from keyacct_xl.tablefile import check_input_file, read_table_file
from keyacct_xl.xlsx.package import part_mentions

REQUIRED = ("customer_id", "date", "amount")


def _write_xlsx(path: Path, rows: list[list[object]], *, top: int = 0) -> Path:
    book = xlsxwriter.Workbook(path)
    sheet = book.add_worksheet("明细")
    for i, row in enumerate(rows):
        sheet.write_row(top + i, 0, row)
    book.close()
    return path


def test_csv_with_chinese_headers_and_gbk(tmp_path: Path) -> None:
    path = tmp_path / "tx.csv"
    path.write_bytes(
        '客户编号,销售日期,销售额,单号\nC1,2026年3月1日,"¥1,200.50",D1\nC2,2026/03/02,3万,D2\n'.encode("gb18030")
    )
    frame = read_table_file(path, TRANSACTIONS.columns, required=REQUIRED)
    assert list(frame["customer_id"]) == ["C1", "C2"]
    assert list(frame["amount"]) == [1200.5, 30000.0]
    assert list(frame["date"]) == [pd.Timestamp("2026-03-01"), pd.Timestamp("2026-03-02")]
    assert list(frame["doc_no"]) == ["D1", "D2"]
    assert frame["product"].isna().all()


@pytest.mark.parametrize("first", ["utf-8", "gbk"])
def test_a_csv_with_lines_in_two_encodings_is_refused_naming_the_first_line_of_the_other(
    tmp_path: Path, first: str
) -> None:
    """A GBK line pasted into a UTF-8 export (or the reverse) was read as GB18030 throughout, turning every UTF-8
    name into other characters without a word; it is refused naming the line."""
    other = "gbk" if first == "utf-8" else "utf-8"
    path = tmp_path / "tx.csv"
    path.write_bytes(
        "客户编号,销售日期,销售额,单号\n".encode(first)
        + "C1,2026-03-01,1200,D1\n".encode(first)
        + "C2,2026-03-02,300,北京华联\n".encode(other)
    )
    with pytest.raises(InputError) as refused:
        read_table_file(path, TRANSACTIONS.columns, required=REQUIRED)
    assert "line 3" in refused.value.en and "第 3 行" in refused.value.zh


def test_xlsx_first_sheet_with_offset_headers_and_blank_rows(tmp_path: Path) -> None:
    path = _write_xlsx(
        tmp_path / "tx.xlsx",
        [
            ["Customer ID", "Order Date", "Revenue"],
            ["C1", "2026-01-05", 10],
            [None, None, None],
            ["C2", "2026-01-06", 20],
        ],
        top=2,
    )
    frame = read_table_file(path, TRANSACTIONS.columns, required=REQUIRED)
    assert list(frame["amount"]) == [10.0, 20.0]


def test_an_ods_saved_by_libreoffice_reads_as_its_xlsx(tmp_path: Path, libreoffice) -> None:
    """A sales export saved in LibreOffice's own format: the same lines, line numbers included, as the .xlsx."""
    rows = [
        ["客户编号", "销售日期", "销售额", "单号"],
        ["C1", "2026-01-05", 10, "D1"],
        [None] * 4,
        ["C2", "2026-01-06", 20.5, "D2"],
    ]
    path = _write_xlsx(tmp_path / "tx.xlsx", rows, top=1)
    ods = libreoffice(path, "ods", tmp_path / "ods")
    frames = [read_table_file(p, TRANSACTIONS.columns, required=REQUIRED) for p in (path, ods)]
    pd.testing.assert_frame_equal(frames[0], frames[1])
    assert list(frames[1]["amount"]) == [10.0, 20.5]


def test_rows_and_columns_an_ods_hides_are_read_and_named(tmp_path: Path, libreoffice) -> None:
    """A sales export LibreOffice saved as .ods with a line on a hidden row and the 单号 column hidden: both were read
    without a word (only an .xlsx's were named); they are read, and named, as in an .xlsx."""
    source = tmp_path / "tx.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "明细"
    for row in (
        ["客户编号", "销售日期", "销售额", "单号"],
        ["C1", "2026-01-05", 10, "D1"],
        ["C2", "2026-01-06", 20, "D2"],
    ):
        sheet.append(row)
    sheet.row_dimensions[3].hidden = True
    sheet.column_dimensions["D"].hidden = True
    book.save(source)
    ods = libreoffice(source, "ods", tmp_path / "ods")
    with collecting() as notices:
        frame = read_table_file(ods, TRANSACTIONS.columns, required=REQUIRED)
    assert list(frame["amount"]) == [10.0, 20.0]
    told = " ".join(n.en for n in notices)
    assert "tx.ods: rows 3 of sheet 明细 are hidden in the file" in told
    assert "tx.ods: the column(s) 单号 of sheet 明细 are hidden in the file" in told


def test_parquet(tmp_path: Path) -> None:
    path = tmp_path / "tx.parquet"
    pd.DataFrame({"customer_id": ["C1"], "date": [pd.Timestamp("2026-01-01")], "amount": [5.0]}).to_parquet(path)
    frame = read_table_file(path, TRANSACTIONS.columns, required=REQUIRED)
    assert frame.loc[0, "amount"] == 5.0


def test_missing_column_names_expected_and_seen(tmp_path: Path) -> None:
    path = tmp_path / "tx.csv"
    path.write_text("客户编号,日期\nC1,2026-01-01\n", encoding="utf-8")
    with pytest.raises(InputError) as refused:
        read_table_file(path, TRANSACTIONS.columns, required=REQUIRED)
    assert refused.value.en.endswith(
        "missing column(s) Amount (also accepted: 金额, 销售额, 销售金额, 含税金额, 价税合计, Sales, Revenue, Total); "
        "headers seen: 客户编号, 日期"
    )
    assert refused.value.zh.endswith(
        "缺少列 金额（也可用：Amount、销售额、销售金额、含税金额、价税合计、Sales、Revenue、Total）；"
        "现有表头：客户编号、日期"
    )


def test_bad_date_names_the_cell(tmp_path: Path) -> None:
    path = _write_xlsx(
        tmp_path / "tx.xlsx", [["客户编号", "日期", "金额"], ["C1", "2026-01-05", 1], ["C2", "next tuesday", 2]]
    )
    with pytest.raises(InputError, match=r"sheet 明细, cell B3 \(日期\)"):
        read_table_file(path, TRANSACTIONS.columns, required=REQUIRED)


def test_bad_amount_and_blank_required_name_the_line(tmp_path: Path) -> None:
    path = tmp_path / "tx.csv"
    path.write_text("客户编号,日期,金额\nC1,2026-01-01,12\nC2,2026-01-02,abc\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"line 3, column 金额"):
        read_table_file(path, TRANSACTIONS.columns, required=REQUIRED)
    path.write_text("客户编号,日期,金额\nC1,2026-01-01,12\n,2026-01-02,3\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"line 3, column 客户编号: Customer ID is required but blank"):
        read_table_file(path, TRANSACTIONS.columns, required=REQUIRED)


def test_csv_with_ragged_rows_and_blank_lines_names_the_real_line(tmp_path: Path) -> None:
    # Exports add a trailing cell on some lines and leave blank lines; errors still name the line as an editor shows it.
    path = tmp_path / "tx.csv"
    path.write_text("\n客户编号,日期,金额\nC1,2026-01-01,12,备注\n\nC2,2026-01-02,5\n", encoding="utf-8")
    frame = read_table_file(path, TRANSACTIONS.columns, required=REQUIRED)
    assert list(frame["amount"]) == [12.0, 5.0]
    path.write_text("\n客户编号,日期,金额\nC1,2026-01-01,12,备注\n\nC2,2026-01-02,abc\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"line 5, column 金额"):
        read_table_file(path, TRANSACTIONS.columns, required=REQUIRED)
    path.write_text("\n\n", encoding="utf-8")
    with pytest.raises(InputError, match="the file is empty"):
        read_table_file(path, TRANSACTIONS.columns, required=REQUIRED)


def test_empty_and_unsupported(tmp_path: Path) -> None:
    path = tmp_path / "tx.csv"
    path.write_text("客户编号,日期,金额\n", encoding="utf-8")
    with pytest.raises(InputError, match="no data rows"):
        read_table_file(path, TRANSACTIONS.columns, required=REQUIRED)
    with pytest.raises(InputError, match=r"unsupported file type \.txt"):
        read_table_file(tmp_path / "tx.txt", TRANSACTIONS.columns)


@pytest.mark.parametrize(
    ("suffixes", "zh", "en"),
    [
        ((".xlsx",), "不支持的文件类型 .ods，请使用 .xlsx", "unsupported file type .ods; use .xlsx"),
        (
            (".xlsx", ".csv"),
            "不支持的文件类型 .ods，请使用 .xlsx 或 .csv",
            "unsupported file type .ods; use .xlsx or .csv",
        ),
    ],
)
def test_an_unsupported_type_names_the_types_to_use(tmp_path: Path, suffixes, zh: str, en: str) -> None:
    """One accepted type is named alone (it read "use  or .xlsx"), several as a list."""
    with pytest.raises(InputError) as refused:
        check_input_file(tmp_path / "decided.ods", suffixes)
    assert refused.value.en.endswith(en) and refused.value.zh.endswith(zh)


def test_named_table_is_read_and_errors_name_its_cell(tmp_path: Path) -> None:
    path = tmp_path / "tx.xlsx"
    book = xlsxwriter.Workbook(path)
    sheet = book.add_worksheet("销售")
    sheet.write_row(0, 0, ["注：本表由系统导出"])
    columns = [{"header": "客户编号"}, {"header": "日期"}, {"header": "金额"}]
    data = [["C1", "2026-01-01", 5], ["C2", "bad", 6]]
    sheet.add_table(2, 1, 4, 3, {"name": "Transactions", "columns": columns, "data": data})
    book.close()
    with pytest.raises(InputError, match=r"^tx\.xlsx: sheet 销售, cell C5 \(日期\): 'bad' is not a date"):
        read_table_file(path, TRANSACTIONS.columns, required=REQUIRED, table="Transactions")


def _sales_with_rows_typed_under(path: Path, typed: dict[int, list[object]]) -> Path:
    """A sales export with the table Transactions on rows 1-3 of sheet 销售, and ``typed`` (sheet row: values) typed
    under it as LibreOffice and WPS leave them: the table's range unchanged."""
    book = xlsxwriter.Workbook(path)
    sheet = book.add_worksheet("销售")
    columns = [{"header": "客户编号"}, {"header": "日期"}, {"header": "金额"}]
    data = [["C1", "2026-01-01", 5], ["C2", "2026-01-02", 6]]
    sheet.add_table(0, 0, 2, 2, {"name": "Transactions", "columns": columns, "data": data})
    book.close()
    book = openpyxl.load_workbook(path)
    for row, values in typed.items():
        for col, value in enumerate(values, start=1):
            book["销售"].cell(row, col, value)
    book.save(path)
    assert openpyxl.load_workbook(path)["销售"].tables["Transactions"].ref == "A1:C3"  # the range as it was
    return path


def test_rows_typed_under_the_named_table_are_read_as_its_rows_and_told(tmp_path: Path) -> None:
    """Rows typed right under the table are its rows, as in the master; a totals row and rows past a blank row are
    named, not read; the file is not changed."""
    typed = {
        4: ["C3", "2026-01-03", 7],
        5: ["C4", "2026-01-04", 8],
        6: ["合计", None, "=SUM(C2:C5)"],
        8: ["C9", "2026-01-09", 99],
    }
    path = _sales_with_rows_typed_under(tmp_path / "sales.xlsx", typed)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    with collecting() as notices:
        frame = read_table_file(path, TRANSACTIONS.columns, required=REQUIRED, table="Transactions")
    assert list(frame["customer_id"]) == ["C1", "C2", "C3", "C4"]
    assert list(frame["amount"]) == [5.0, 6.0, 7.0, 8.0]
    assert [n.en for n in notices] == [
        "sales.xlsx: sheet 销售, rows 4–5: under the table, outside its range; read as rows of the table (the file "
        "is not changed)",
        "sales.xlsx: sheet 销售, row 6: under the table, looks like a totals row (合计, Total or a SUM formula); not "
        "read as data",
        "sales.xlsx: sheet 销售, row 8: under the table but separated from it by a blank row (or a totals row); not "
        "read. To have them read, type them directly under the table",
    ]
    assert notices[0].zh == "sales.xlsx：工作表 销售，第 4–5 行：在表格区域之外，已按表格行读入（文件未作改动）"
    assert hashlib.sha256(path.read_bytes()).hexdigest() == digest


def test_a_bad_value_in_a_row_typed_under_the_table_names_its_cell(tmp_path: Path) -> None:
    path = _sales_with_rows_typed_under(tmp_path / "sales.xlsx", {4: ["C3", "下周二", 7]})
    with pytest.raises(InputError, match=r"^sales\.xlsx: sheet 销售, cell B4 \(日期\): '下周二' is not a date"):
        read_table_file(path, TRANSACTIONS.columns, required=REQUIRED, table="Transactions")


def test_a_sales_export_libreoffice_saved_with_a_row_under_its_table(tmp_path: Path, libreoffice) -> None:
    """LibreOffice writes the file in its own way and keeps the table's range: the row typed under it is still read
    as a row of the table, and told of."""
    path = _sales_with_rows_typed_under(tmp_path / "sales.xlsx", {4: ["C3", "2026-01-03", 7]})
    resaved = libreoffice(path, "xlsx", tmp_path / "lo")
    assert openpyxl.load_workbook(resaved)["销售"].tables["Transactions"].ref == "A1:C3"
    with collecting() as notices:
        frame = read_table_file(resaved, TRANSACTIONS.columns, required=REQUIRED, table="Transactions")
    assert list(frame["customer_id"]) == ["C1", "C2", "C3"] and list(frame["amount"]) == [5.0, 6.0, 7.0]
    assert [n.en for n in notices] == [
        "sales.xlsx: sheet 销售, row 4: under the table, outside its range; read as rows of the table (the file is "
        "not changed)"
    ]


@pytest.mark.parametrize("command", ["rfm", "abc"])
def test_rfm_and_abc_count_the_sales_typed_under_the_table(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], command: str
) -> None:
    """The command's figures include the rows typed under the table, and its note on stderr names file, sheet and
    rows."""
    path = _sales_with_rows_typed_under(tmp_path / "sales.xlsx", {4: ["C3", "2026-01-03", 700]})
    out = tmp_path / f"{command}.csv"
    assert main([command, str(path), "--lang", "en", "--out", str(out)]) == 0
    assert "sales.xlsx: sheet 销售, row 4: under the table, outside its range" in capsys.readouterr().err
    written = pd.read_csv(out, encoding="utf-8-sig")
    assert list(written["Customer ID"]) == (["C1", "C2", "C3"] if command == "rfm" else ["C3", "C2", "C1"])
    if command == "abc":
        assert list(written["Revenue"]) == [700.0, 6.0, 5.0]


def test_a_csv_field_past_the_reader_limit_names_its_line(tmp_path: Path) -> None:
    """A line of one huge field (an export gone wrong, an unclosed quote running on): refused naming the line."""
    path = tmp_path / "sales.csv"
    huge = "9" * 200_000
    path.write_text(f"日期,客户编号,金额\n2026-10-01,C001,100\n2026-10-02,C002,{huge}\n", encoding="utf-8")
    with pytest.raises(InputError) as refused:
        read_table_file(path, TRANSACTIONS.columns)
    assert refused.value.en.startswith(f"{path}: line 3: not a readable CSV file (field larger than field limit")


def _hidden_first_sheet(path: Path, hidden_rows: list[list[object]], visible_rows: list[list[object]]) -> Path:
    """A workbook whose first sheet is hidden and whose second, the one a person sees, holds ``visible_rows``."""
    book = openpyxl.Workbook()
    hidden = book.active
    hidden.title = "旧版"
    for row in hidden_rows:
        hidden.append(row)
    shown = book.create_sheet("明细")
    for row in visible_rows:
        shown.append(row)
    hidden.sheet_state = "hidden"
    book.save(path)
    return path


def test_the_first_visible_sheet_is_read_not_a_hidden_one_put_before_it(tmp_path: Path) -> None:
    header = ["客户编号", "日期", "金额"]
    path = _hidden_first_sheet(
        tmp_path / "tx.xlsx",
        [header, ["C9", "2026-01-01", 999999]],
        [header, ["C1", "2026-01-01", 5], ["C2", "2026-01-02", 6]],
    )
    frame = read_table_file(path, TRANSACTIONS.columns, required=REQUIRED)
    assert list(frame["customer_id"]) == ["C1", "C2"] and list(frame["amount"]) == [5.0, 6.0]


def test_a_named_table_on_a_hidden_sheet_is_refused_naming_the_sheet(tmp_path: Path) -> None:
    path = tmp_path / "tx.xlsx"
    book = xlsxwriter.Workbook(path)
    book.add_worksheet("说明").write_row(0, 0, ["见明细"])
    sheet = book.add_worksheet("销售")
    columns = [{"header": "客户编号"}, {"header": "日期"}, {"header": "金额"}]
    sheet.add_table(0, 0, 1, 2, {"name": "Transactions", "columns": columns, "data": [["C1", "2026-01-01", 5]]})
    sheet.hide()
    book.close()
    with pytest.raises(InputError, match=r"tx\.xlsx: the table Transactions is on the hidden sheet 销售"):
        read_table_file(path, TRANSACTIONS.columns, required=REQUIRED, table="Transactions")


def test_a_parquet_date_with_a_time_zone_is_read_as_its_zones_day(tmp_path: Path) -> None:
    """pandas writes a tz-aware column as a timestamp with a zone: it stopped the import with a traceback."""
    import datetime as dt

    import pyarrow as pa
    import pyarrow.parquet as pq

    utc = pa.array([dt.datetime(2020, 12, 31, 20), dt.datetime(2021, 3, 1)], pa.timestamp("us", tz="UTC"))
    path = tmp_path / "tx.parquet"
    pq.write_table(
        pa.table(
            {"客户编号": ["C1", "C2"], "日期": utc.cast(pa.timestamp("us", tz="Asia/Shanghai")), "金额": [5.0, 6.0]}
        ),
        path,
    )
    frame = read_table_file(path, TRANSACTIONS.columns, required=REQUIRED)
    assert list(frame["date"]) == [pd.Timestamp("2021-01-01 04:00"), pd.Timestamp("2021-03-01 08:00")]


@pytest.mark.parametrize("second", ["金额", "销售额"])
def test_two_columns_of_one_meaning_are_refused_naming_both(tmp_path: Path, second: str) -> None:
    """金额 twice, or 金额 and its alias 销售额: the first was read and the other's values dropped without a word."""
    path = tmp_path / "tx.csv"
    path.write_text(f"客户编号,日期,金额,{second}\nC1,2026-01-01,10,99999\n", encoding="utf-8-sig")
    with pytest.raises(InputError, match=rf"^tx\.csv: the columns '金额' and '{second}' both hold Amount"):
        read_table_file(path, TRANSACTIONS.columns, required=REQUIRED)
    import pyarrow as pa
    import pyarrow.parquet as pq

    parquet = tmp_path / "tx.parquet"  # Arrow keeps two columns of one name, as an ERP's writer may
    data = [pa.array(["C1"]), pa.array(["2026-01-01"]), pa.array([10.0]), pa.array([99999.0])]
    pq.write_table(pa.Table.from_arrays(data, names=["客户编号", "日期", "金额", second]), parquet)
    with pytest.raises(InputError, match=rf"^tx\.parquet: the columns '金额' and '{second}' both hold Amount"):
        read_table_file(parquet, TRANSACTIONS.columns, required=REQUIRED)


def test_a_header_behind_an_invisible_character_is_its_column(tmp_path: Path) -> None:
    """A second byte-order mark (a file saved twice by a tool adding one) hid 单号: its values were dropped."""
    path = tmp_path / "tx.csv"
    path.write_bytes("\ufeff\ufeff单号,客户编号,日期,金额\nD1,C1,2026-01-01,10\n".encode())
    assert read_table_file(path, TRANSACTIONS.columns, required=REQUIRED)["doc_no"].tolist() == ["D1"]


@pytest.mark.parametrize("chunk", [1 << 20, 7, 3])
def test_a_word_is_found_in_a_part_read_a_chunk_at_a_time_across_the_chunks_ends(tmp_path: Path, chunk: int) -> None:
    """The scan that spares a million-row sheet its parse when nothing is hidden finds the word wherever a chunk
    ends, and says no when it is absent."""
    path = tmp_path / "p.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("with.xml", b'<row r="1"/><row r="2" hidden="1"/>' * 3)
        archive.writestr("without.xml", b'<row r="1"/><row r="2" ht="12"/>' * 3)
    with zipfile.ZipFile(path) as archive:
        assert part_mentions(archive, "with.xml", b"hidden", chunk=chunk)
        assert not part_mentions(archive, "without.xml", b"hidden", chunk=chunk)


def _export_with_a_formula_to_the_sheets_edge(rows: int) -> bytes:
    """A sales export as .ods whose line, repeated ``rows`` times, ends with a formula cell repeated 16,000 times,
    every column of the sheet hidden from the fourth on: 2 KB."""
    ns = (
        'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"'
    )

    def cell(value: object) -> str:
        kind = "float" if isinstance(value, int) else "string"
        number = f' office:value="{value}"' if kind == "float" else ""
        return f'<table:table-cell office:value-type="{kind}"{number}><text:p>{value}</text:p></table:table-cell>'

    content = (
        f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {ns}><office:body><office:spreadsheet>'
        '<table:table table:name="明细"><table:table-column table:number-columns-repeated="3"/>'
        '<table:table-column table:number-columns-repeated="1000000000" table:visibility="collapse"/>'
        f"<table:table-row>{cell('客户编号')}{cell('销售日期')}{cell('销售额')}</table:table-row>"
        f'<table:table-row table:number-rows-repeated="{rows}">{cell("C1")}{cell("2026-01-05")}{cell(10)}'
        '<table:table-cell table:formula="of:=1" table:number-columns-repeated="16000"/></table:table-row>'
        "</table:table></office:spreadsheet></office:body></office:document-content>"
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet")
        package.writestr("content.xml", content)
        package.writestr(
            "META-INF/manifest.xml",
            '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0">'
            '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
            "</manifest:manifest>",
        )
    return out.getvalue()


def test_an_ods_with_a_formula_repeated_to_the_sheets_edge_is_read_within_its_cells(tmp_path: Path) -> None:
    """Its formula cells were counted to the sheet's 16,384th column on each of 800 lines (13 million cells,
    over 2 GB) though calamine reads three columns: the worker ran out of memory and the export was refused."""
    path = tmp_path / "tx.ods"
    path.write_bytes(_export_with_a_formula_to_the_sheets_edge(800))
    with collecting() as notices:
        frame = read_table_file(path, TRANSACTIONS.columns, required=REQUIRED)
    assert len(frame) == 800 and frame["amount"].sum() == 8_000
    assert not [n for n in notices if "hidden" in n.en]  # the hidden columns lie right of the three read
