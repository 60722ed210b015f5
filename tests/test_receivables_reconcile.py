"""Reconciliation against hand-built statements: each matching pass, each planted difference, bad input."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Collection, Mapping

import openpyxl
import pandas as pd
import pytest
import python_calamine as calamine
from reportbook import table_ref

from keyacct_xl.cli.main import main
from keyacct_xl.errors import InputError
from keyacct_xl.labels import header
from keyacct_xl.receivables.matching import OUTPUT_COLUMNS, MatchOptions, match_lines
from keyacct_xl.receivables.reconcile import reconcile
from keyacct_xl.receivables.statement_reader import Statement, read_statement

OURS_CSV = """对账单
客户：甲公司,,,,,
日期,单据编号,摘要,借方,贷方,余额
2026-09-30,,期初余额,,,1000
2026-10-03,S001,销售,5000,,
2026-10-05,S002,销售,3000,,
2026-10-08,S006,销售,600,,
2026-10-10,R001,收款,,1000,
2026-10-12,R002,收款,,4000,
2026-10-15,S003,销售,1850,,
2026-10-20,S004,销售,2000,,
2026-10-30,S005,销售,700,,
,,本期合计,13150,5000,9150
"""


def serial(day: str) -> int:
    return (dt.date.fromisoformat(day) - dt.date(1899, 12, 30)).days


THEIRS_ROWS = [
    ["供应商往来明细账"],
    ["单位：元", None, "币种：人民币"],
    [],
    ["记账日期", "凭证号", "摘要", "借方金额", "贷方金额", "借或贷", "余额"],
    ["2026-10-01", None, "期初余额", None, None, "贷", "1,000.00"],  # row 5
    ["2026年10月3日", "S001", "购货", None, "5,000.00"],  # row 6
    ["2026/10/05", "S002", "购货", None, "¥3,000"],  # row 7
    ["2026.10.09", None, "购货", None, "600元"],  # row 8: pass 2 (no ref)
    [serial("2026-10-11"), None, "付款", "１，０００．００"],  # row 9: pass 2, Excel serial
    ["12/10/2026", None, "付款 第一笔", "2500"],  # row 10: pass 3 (split)
    ["13/10/2026", None, "付款 第二笔", "＋1,500.00"],  # row 11: pass 3, explicit plus
    ["2026-10-15", "S003", "购货", None, "1580"],  # row 12: pass 4, typo
    ["2026-10-20", "S004", "购货", None, "2000"],  # row 13: pass 1
    ["2026-10-20", "S004", "购货", None, "2000"],  # row 14: duplicate
    ["2026-10-25", "X9", "购货", None, "abc"],  # row 15: unreadable
    [None, None, "本月合计", "5000", "14180"],  # row 16
    [None, None, "期末余额", None, None, "贷", "12,180.00"],  # row 17
    [],
    ["客户签章："],  # row 19: note
]


def write_theirs(path, rows=THEIRS_ROWS):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "往来明细"
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


@pytest.fixture
def files(tmp_path):
    ours = tmp_path / "ours.csv"
    ours.write_text(OURS_CSV, encoding="utf-8-sig")
    return ours, write_theirs(tmp_path / "theirs.xlsx")


def test_reader_finds_header_and_reads_every_format(files):
    theirs = read_statement(files[1])
    lines = theirs.lines.set_index("row")
    assert theirs.sheet == "往来明细" and theirs.roles["date"] == "记账日期"
    assert theirs.opening == 1000 and theirs.closing == 12180
    assert lines.loc[6, "amount"] == 5000 and lines.loc[7, "amount"] == 3000 and lines.loc[8, "amount"] == 600
    assert lines.loc[9, "amount"] == -1000 and lines.loc[9, "date"] == pd.Timestamp("2026-10-11")
    # 13/10/2026 settles the column's order, so 12/10/2026 is 12 October.
    assert lines.loc[10, "date"] == pd.Timestamp("2026-10-12") and lines.loc[11, "amount"] == -1500
    assert pd.isna(lines.loc[15, "amount"])
    assert [(p.file, p.sheet, p.row, p.column, p.value) for p in theirs.problems] == [
        ("theirs.xlsx", "往来明细", 15, "贷方金额", "abc")
    ]
    assert theirs.balance_rows == [5, 16, 17] and theirs.notes == [19]


def test_a_true_cell_in_an_amount_column_is_quoted_as_the_sheet_shows_it(tmp_path):
    """An Excel TRUE where an amount belongs is named as TRUE, as the cell shows it, never as Python's True."""
    rows = [list(r) for r in THEIRS_ROWS]
    rows[14] = ["2026-10-25", "X9", "购货", None, True]  # row 15
    theirs = read_statement(write_theirs(tmp_path / "theirs.xlsx", rows))
    [problem] = theirs.problems
    assert (problem.row, problem.column, problem.value) == (15, "贷方金额", "TRUE")
    assert problem.reason.zh == "TRUE 不是金额" and problem.reason.en == "TRUE is not an amount"


def _xml2003(
    sheets: dict[str, list[list[object]]],
    *,
    hidden_rows: Collection[int] = (),
    hidden_columns: Collection[int] = (),
    formulas: Mapping[tuple[int, int], str] | None = None,
) -> str:
    """An Excel 2003 XML spreadsheet as an ERP writes it: a number and an ISO day typed as such, a blank cell left
    out (the next names its column by ss:Index), a blank row left out (the next names its row); on every sheet the
    1-based ``hidden_rows`` and ``hidden_columns`` hidden (``ss:Hidden``), and the cells of ``formulas`` (1-based row,
    column) holding that formula (``ss:Formula``) beside the value the rows give."""
    parts = [
        '<?xml version="1.0" encoding="UTF-8"?><?mso-application progid="Excel.Sheet"?>'
        '<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet"'
        ' xmlns:ss="urn:schemas-microsoft-com:office:spreadsheet">'
    ]
    formulas = formulas or {}
    for name, rows in sheets.items():
        parts.append(f'<Worksheet ss:Name="{name}"><Table>')
        parts.extend(f'<Column ss:Index="{c}" ss:Hidden="1" ss:Width="0"/>' for c in sorted(hidden_columns))
        skipped = False
        for number, row in enumerate(rows, start=1):
            if not any(v not in (None, "") for v in row):
                skipped = True
                continue
            hidden = ' ss:Hidden="1"' if number in hidden_rows else ""
            parts.append(f'<Row ss:Index="{number}"{hidden}>' if skipped else f"<Row{hidden}>")
            skipped, gap = False, False
            for column, value in enumerate(row, start=1):
                if value in (None, ""):
                    gap = True
                    continue
                index = f' ss:Index="{column}"' if gap else ""
                formula = f' ss:Formula="{formulas[number, column]}"' if (number, column) in formulas else ""
                gap = False
                if isinstance(value, (int, float)):
                    kind, text = "Number", str(value)
                elif re.fullmatch(r"\d{4}-\d{2}-\d{2}", str(value)):
                    kind, text = "DateTime", f"{value}T00:00:00.000"
                else:
                    kind, text = "String", str(value)
                parts.append(f'<Cell{index}{formula}><Data ss:Type="{kind}">{text}</Data></Cell>')
            parts.append("</Row>")
        parts.append("</Table></Worksheet>")
    return "".join(parts) + "</Workbook>"


@pytest.mark.parametrize("form", ["html", "text", "xml2003"])
def test_an_xls_statement_that_is_a_web_page_or_text_reads_as_the_workbook(files, tmp_path, form):
    """A bank's or an ERP's "Excel" statement is often a GBK web page, tab-separated text or an Excel 2003 XML
    spreadsheet (its statement on the second sheet) named .xls: its lines are read as the workbook's, never refused
    as a damaged workbook."""
    rows = [["" if v is None else str(v) for v in r] for r in THEIRS_ROWS]
    path = tmp_path / "theirs.xls"
    if form == "html":
        cells = "".join("<tr>" + "".join(f"<td>{v}</td>" for v in r) + "</tr>" for r in rows)
        page = f'<html><head><meta charset="gbk"></head><body><table>{cells}</table></body></html>'
        path.write_bytes(page.encode("gb18030"))
    elif form == "xml2003":
        path.write_text(_xml2003({"说明": [["本表由系统导出"]], "往来明细": THEIRS_ROWS}), encoding="utf-8")
    else:
        path.write_bytes("\r\n".join("\t".join(r) for r in rows).encode("gb18030"))
    read, workbook = read_statement(path), read_statement(files[1])
    columns = ["row", "date", "amount"]
    pd.testing.assert_frame_equal(read.lines[columns], workbook.lines[columns])
    assert (read.opening, read.closing) == (workbook.opening, workbook.closing)
    assert [(p.row, p.column, p.value) for p in read.problems] == [(15, "贷方金额", "abc")]
    if form == "xml2003":
        assert read.sheet == "往来明细" and read.notes == workbook.notes == [19]


def test_a_statement_in_an_excel_2003_xml_spreadsheet_is_reconciled(files, tmp_path, capsys):
    """An ERP's "XML Spreadsheet 2003" statement, its title merged across, a 摘要 merged down over two lines, its days
    typed as dates (one with a time), amounts as numbers: reconciled as the workbook is."""
    path = tmp_path / "theirs.xls"
    path.write_text(
        '<?xml version="1.0" encoding="UTF-8"?><?mso-application progid="Excel.Sheet"?>'
        '<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet"'
        ' xmlns:ss="urn:schemas-microsoft-com:office:spreadsheet"><Worksheet ss:Name="往来明细"><Table>'
        '<Row><Cell ss:MergeAcross="6"><Data ss:Type="String">供应商往来明细账</Data></Cell></Row>'
        '<Row ss:Index="3"><Cell><Data ss:Type="String">记账日期</Data></Cell>'
        '<Cell><Data ss:Type="String">凭证号</Data></Cell><Cell><Data ss:Type="String">摘要</Data></Cell>'
        '<Cell><Data ss:Type="String">借方金额</Data></Cell>'
        '<Cell><Data ss:Type="String">贷方金额</Data></Cell></Row>'
        '<Row><Cell><Data ss:Type="DateTime">2026-10-03T00:00:00.000</Data></Cell><Cell><Data ss:Type="String">S001'
        '</Data></Cell><Cell ss:MergeDown="1"><Data ss:Type="String">购货</Data></Cell>'
        '<Cell ss:Index="5"><Data ss:Type="Number">5000</Data></Cell></Row>'
        '<Row><Cell><Data ss:Type="DateTime">2026-10-05T14:30:00.000</Data></Cell><Cell><Data ss:Type="String">S002'
        '</Data></Cell><Cell ss:Index="5"><Data ss:Type="Number">3000.5</Data></Cell></Row>'
        '<Row><Cell><Data ss:Type="DateTime">2026-10-10T00:00:00.000</Data></Cell><Cell><Data ss:Type="String">R001'
        '</Data></Cell><Cell><Data ss:Type="String">付款</Data></Cell><Cell><Data ss:Type="Number">1000</Data></Cell>'
        "</Row></Table></Worksheet></Workbook>",
        encoding="utf-8",
    )
    theirs = read_statement(path)
    assert theirs.lines["row"].tolist() == [4, 5, 6]
    assert theirs.lines["date"].tolist() == [pd.Timestamp(d) for d in ("2026-10-03", "2026-10-05", "2026-10-10")]
    assert theirs.lines["amount"].tolist() == [5000, 3000.5, -1000]
    assert theirs.lines["description"].tolist() == ["购货", "购货", "付款"]
    out = tmp_path / "result.csv"
    assert main(["reconcile", str(files[0]), str(path), "--out", str(out), "--lang", "en"]) == 0
    table = pd.read_csv(out, encoding="utf-8-sig", dtype=str)
    assert {"4", "5", "6"} == {r for cell in table["Their Rows"].dropna() for r in cell.split(";")}


def test_an_excel_2003_xml_statement_declaring_entities_is_refused_naming_the_file(tmp_path):
    """A billion laughs named .xls is refused before it is parsed, naming the file."""
    entities = "".join(f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10))
    path = tmp_path / "laughs.xls"
    path.write_text(
        f'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol0 "lol">{entities}]>'
        '<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet"'
        ' xmlns:ss="urn:schemas-microsoft-com:office:spreadsheet"><Worksheet ss:Name="S"><Table><Row>'
        '<Cell><Data ss:Type="String">日期</Data></Cell><Cell><Data ss:Type="String">&lol9;</Data></Cell>'
        "</Row></Table></Worksheet></Workbook>",
        encoding="utf-8",
    )
    with pytest.raises(InputError, match=r"laughs\.xls: the Excel 2003 XML spreadsheet declares a DTD or XML entities"):
        read_statement(path)


def test_an_excel_2003_xml_statement_of_sheets_of_empty_rows_is_refused_for_the_cap(tmp_path):
    """Fifteen worksheets each one empty row far down (1.3 KB) span 15 million rows: refused for the cell cap, naming
    the file, without the seven million rows of the sheets before the one passing it made first."""
    path = tmp_path / "tiny.xls"
    path.write_text(
        '<?xml version="1.0"?><Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet"'
        ' xmlns:ss="urn:schemas-microsoft-com:office:spreadsheet">'
        + "".join(f'<Worksheet ss:Name="S{i}"><Table><Row ss:Index="7999999"/></Table></Worksheet>' for i in range(15))
        + "</Workbook>",
        encoding="utf-8",
    )
    with pytest.raises(
        InputError, match=r"tiny\.xls: the sheets of the Excel 2003 XML spreadsheet span more than 8,000,000"
    ):
        read_statement(path)


def test_every_pass_and_planted_difference(files):
    result = reconcile(read_statement(files[0], perspective="ours"), read_statement(files[1]), lang="en")
    table = result.table
    assert list(table.columns) == OUTPUT_COLUMNS
    by_theirs = {row: rec for rec in table.itertuples() for row in str(rec.theirs_row).split(";") if row}
    assert by_theirs["6"].status == "matched" and by_theirs["6"].ours_row == "5"  # pass 1
    assert by_theirs["8"].ours_ref == "S006" and by_theirs["9"].ours_ref == "R001"  # pass 2
    split = by_theirs["10"]
    assert split.theirs_row == "10;11" and split.ours_ref == "R002" and "split" in split.hint  # pass 3
    typo = by_theirs["12"]
    assert typo.status == "amount_mismatch" and typo.difference == 270 and "typo" in typo.hint  # pass 4
    assert by_theirs["14"].status == "only_theirs" and "duplicate" in by_theirs["14"].hint
    assert by_theirs["15"].status == "only_theirs" and "unreadable" in by_theirs["15"].hint
    transit = table[table["ours_ref"] == "S005"].iloc[0]
    assert transit.status == "only_ours" and "in transit" in transit.hint
    assert result.ours_closing == 9150 and result.theirs_closing == 12180
    assert result.remainder == 0
    explained = result.summary.set_index("item")["amount"]
    assert explained["difference (ours − theirs)"] == 9150 - 12180
    assert any("stated balance" in item for item in explained.index)
    assert [p.row for p in result.problems] == [15]


def assert_every_row_once(table, ours_rows, theirs_rows):
    def rows(column):
        return sorted(r for cell in table[column] for r in str(cell).split(";") if r)

    assert rows("ours_row") == sorted(ours_rows)
    assert rows("theirs_row") == sorted(theirs_rows)


def test_every_source_row_once(files):
    ours, theirs = read_statement(files[0], perspective="ours"), read_statement(files[1])
    result = reconcile(ours, theirs)
    assert_every_row_once(result.table, ours.lines["row"].astype(str), theirs.lines["row"].astype(str))


def test_sign_reversed_same_ref():
    ours = pd.DataFrame(
        {"row": [2], "date": [pd.Timestamp("2026-01-05")], "ref": ["S1"], "description": [""], "amount": [500.0]}
    )
    theirs = ours.assign(amount=[-500.0])
    table = reconcile_frames(ours, theirs)
    assert table.iloc[0]["status"] == "amount_mismatch" and "sign reversed" in table.iloc[0]["hint"]


def reconcile_frames(ours, theirs, **options):
    from keyacct_xl.receivables.hints import add_hints

    result = match_lines(ours, theirs, options=MatchOptions(**options))
    return add_hints(result.table, period_end=pd.Timestamp("2026-12-31"), window=7, lang="en")


def test_group_many_to_one_and_window():
    day = pd.Timestamp("2026-03-01")
    ours = pd.DataFrame(
        {
            "row": [2, 3, 4],
            "date": [day, day, day + pd.Timedelta(days=30)],
            "ref": ["A", "B", "C"],
            "description": "",
            "amount": [100.0, 250.0, 80.0],
        }
    )
    theirs = pd.DataFrame(
        {
            "row": [5, 6],
            "date": [day + pd.Timedelta(days=2), day],
            "ref": ["", ""],
            "description": "",
            "amount": [350.0, 80.0],
        }
    )
    table = reconcile_frames(ours, theirs)
    combined = table[table["theirs_row"] == "5"].iloc[0]
    assert combined["status"] == "matched" and combined["ours_row"] == "2;3" and "combined" in combined["hint"]
    # 80 on both sides but 30 days apart: outside the window, not matched.
    assert set(table["status"]) == {"matched", "only_ours", "only_theirs"}


def test_group_search_budget_is_reported():
    day = pd.Timestamp("2026-03-01")
    n = 40
    ours = pd.DataFrame(
        {"row": range(2, n + 2), "date": day, "ref": "", "description": "", "amount": [1000.0 + i for i in range(n)]}
    )
    theirs = pd.DataFrame(
        {
            "row": range(2, n + 2),
            "date": day,
            "ref": "",
            "description": "",
            "amount": [7.0 + i * 0.01 for i in range(n)],
        }
    )
    result = match_lines(ours, theirs, options=MatchOptions(group_budget=500))
    assert result.group_combinations == 500
    assert result.notes and "group search stopped after 500 combinations" in result.notes[0]
    zh = match_lines(ours, theirs, options=MatchOptions(group_budget=500), lang="zh")
    assert zh.notes[0].startswith("分组核对在尝试 500 种组合后停止")
    assert len(result.table) == 2 * n  # nothing matched, nothing lost


def test_group_budget_is_per_customer_and_date_window():
    # Customer K1 has 40 lines a side that never combine (a blow-up that uses up its budget); K2's split payment
    # and a split in a later week of K1 are still found, whatever K1's first week cost.
    day = pd.Timestamp("2026-03-02")
    n = 40
    blow_ours = [("K1", day, 1000.0 + i) for i in range(n)]
    blow_theirs = [("K1", day, 7.0 + i * 0.01) for i in range(n)]
    ours = pd.DataFrame(
        [*blow_ours, ("K2", day, 300.0), ("K1", day + pd.Timedelta(days=21), 500.0)],
        columns=["customer_id", "date", "amount"],
    )
    theirs = pd.DataFrame(
        [
            *blow_theirs,
            ("K2", day, 120.0),
            ("K2", day + pd.Timedelta(days=1), 180.0),
            ("K1", day + pd.Timedelta(days=21), 200.0),
            ("K1", day + pd.Timedelta(days=22), 300.0),
        ],
        columns=["customer_id", "date", "amount"],
    )
    for frame in (ours, theirs):
        frame.insert(0, "row", [str(i + 2) for i in range(len(frame))])
        frame["ref"] = ""
        frame["description"] = ""
    result = match_lines(ours, theirs, options=MatchOptions(group_budget=500))
    matched = result.table[result.table["status"] == "matched"]
    assert set(matched["ours_row"]) == {str(n + 2), str(n + 3)}
    assert set(matched["theirs_row"]) == {f"{n + 2};{n + 3}", f"{n + 4};{n + 5}"}
    assert "reached in 1)" in result.notes[0]  # only K1's first week ran out
    # The same lines under one customer id in one week would share one budget: K2's lines are not K1's.
    assert not (
        (result.table["status"] == "matched") & result.table["ours_row"].isin([str(i + 2) for i in range(n)])
    ).any()


def test_unknown_layout_names_the_columns(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("名称,数量\n甲,1\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"unknown layout.*date: 日期.*debit: 借方") as refused:
        read_statement(path)
    # in zh the roles are named in zh: no English key (date:, ref:) in a Chinese message
    zh = refused.value.message("zh")
    assert "查找的列名：日期：日期/" in zh and "；借方：借方" in zh
    assert not re.search(r"\b(date|ref|debit|credit|amount): ", zh), zh


def test_mixed_currencies_refused(tmp_path):
    path = tmp_path / "mixed.csv"
    path.write_text("日期,金额,币种\n2026-01-01,100,CNY\n2026-01-02,200,USD\n2026-01-03,US$5,\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"currencies mixed or not CNY \(US\$ in row\(s\) 4; USD in row\(s\) 3\)"):
        read_statement(path)


@pytest.mark.parametrize("content", [b"", b"\n\n", "日期,金额\n".encode()])
def test_empty_files_refused(tmp_path, content):
    path = tmp_path / "empty.csv"
    path.write_bytes(content)
    with pytest.raises(InputError, match=r"empty|no data|no ledger lines"):
        read_statement(path)


def test_empty_workbook_refused(tmp_path):
    path = tmp_path / "empty.xlsx"
    openpyxl.Workbook().save(path)
    with pytest.raises(InputError, match="no data"):
        read_statement(path)


def test_cli_writes_workbook_that_reads_back(files, tmp_path, capsys):
    out = tmp_path / "result.xlsx"
    code = main(["reconcile", str(files[0]), str(files[1]), "--out", str(out), "--lang", "en"])
    assert code == 0
    printed = capsys.readouterr().out
    assert "unexplained ¥0.00" in printed and "1 unreadable" in printed
    book = calamine.CalamineWorkbook.from_path(str(out), load_tables=True)
    table = book.get_table_by_name("Reconciliation")
    # Headers and statuses in the report's language (issue 13): labels, not the frame's keys.
    # Then a decision, approver and reason per line (keyacct_xl.receivables.adjustments).
    decided = ["Decision", "Approver", "Reason for the decision"]
    assert table.columns == [*(header(c, "en") for c in OUTPUT_COLUMNS), *decided] and len(table.to_python()) == 10
    problems = book.get_table_by_name("Problems").to_python()
    assert problems[0][:4] == ["theirs.xlsx", "往来明细", 15.0, "贷方金额"]
    sheet = openpyxl.load_workbook(out)["Results"]
    first = sheet.cell(table_ref(out, "Results")[1] + 1, 1)
    assert first.value == "Amount Mismatch" and first.fill.fgColor.rgb.endswith("FCE4D6")  # a line to decide
    csv = tmp_path / "result.csv"
    assert main(["reconcile", str(files[0]), str(files[1]), "--out", str(csv)]) == 0
    zh = pd.read_csv(csv, encoding="utf-8-sig")
    assert zh.columns.tolist() == [header(c, "zh") for c in OUTPUT_COLUMNS] and zh["核对结果"].iloc[0] == "金额不符"
    summary = pd.read_csv(tmp_path / "result.summary.csv", encoding="utf-8-sig")
    assert summary["金额"].iloc[-1] == 0
    problems = pd.read_csv(tmp_path / "result.problems.csv", encoding="utf-8-sig")
    assert problems["行"].tolist() == [15] and "不是金额" in problems["原因"].iloc[0]
    # The same output name for a clean pair: the earlier problems must not remain beside it.
    clean = write_theirs(tmp_path / "clean.xlsx", [r for r in THEIRS_ROWS if "abc" not in r])
    assert main(["reconcile", str(files[0]), str(clean), "--out", str(csv)]) == 0
    assert pd.read_csv(tmp_path / "result.problems.csv", encoding="utf-8-sig").empty


@pytest.mark.parametrize("out", ["ours.csv", "ours.xlsx", "x.csv"])
def test_out_naming_a_statement_read_is_refused_before_any_work(
    files, tmp_path, capsys: pytest.CaptureFixture[str], out: str
) -> None:
    """--out given as our statement (or a .csv whose .problems.csv is it): it would be replaced by the result."""
    ours = files[0] if out != "ours.xlsx" else write_theirs(tmp_path / "ours.xlsx")
    if out == "x.csv":
        ours = ours.rename(tmp_path / "x.problems.csv")
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    assert main(["reconcile", str(ours), str(files[1]), "--out", str(tmp_path / out), "--lang", "en"]) == 2
    assert capsys.readouterr().err.strip() == (
        f"keyacct-xl: {ours} leads to the input {ours}: a report is never written over a file the run reads; name "
        "another file"
    )
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before


# A bank export in GBK: amounts with thousands commas, quoted as CSV needs them except on rows 5, 6 and 7, where a
# comma splits the number across two fields (the row one field longer than the header).
BANK_EXPORT = (
    "中国工商银行 对公账户交易明细\r\n"
    "期间：2026-10-01 至 2026-10-31\r\n"
    "交易日期,交易流水号,摘要,对方户名,借方发生额,贷方发生额,余额\r\n"
    '2026/10/01,B001,货款,佛山凯瑞纸业有限公司,,"36,666.90",\r\n'
    "2026/10/11,B002,货款,凯瑞纸业,,35,541.77,\r\n"
    "2026/10/16,B003,货款,凯瑞纸业,,￥12,752.04,\r\n"
    '2026/10/20,B004,货款,凯瑞纸业,,"11,900.00",1,234.00\r\n'
)
BANK_OURS = """日期,单据编号,摘要,借方,贷方
2026-10-01,SK1,收款,,36666.90
2026-10-11,SK2,收款,,35541.77
2026-10-16,SK3,收款,,12752.04
2026-10-20,SK4,收款,,11900.00
"""


def test_an_amount_split_by_an_unquoted_thousands_comma_is_unreadable_never_read_short(tmp_path, capsys):
    bank = tmp_path / "银行流水.csv"
    bank.write_bytes(BANK_EXPORT.encode("gbk"))
    statement = read_statement(bank, perspective="ours")
    by_row = dict(zip(statement.lines["row"], statement.lines["amount"], strict=True))
    assert by_row[4] == -36666.90 and by_row[7] == -11900.00
    # 35,541.77 was read as 35.00 and ￥12,752.04 as 12.00, and the balance 1,234.00 as 1.00, all silently.
    assert pd.isna(by_row[5]) and pd.isna(by_row[6]) and statement.closing is None
    assert [(p.row, p.column, p.value) for p in statement.problems] == [
        (5, "贷方发生额", "35,541.77"),
        (6, "贷方发生额", "￥12,752.04"),
        (7, "余额", "1,234.00"),
    ]
    ours = tmp_path / "ours.csv"
    ours.write_text(BANK_OURS, encoding="utf-8-sig")
    out = tmp_path / "对账.xlsx"
    assert main(["reconcile", str(ours), str(bank), "--perspective", "ours", "--out", str(out)]) == 0
    assert "无法识别 3 处" in capsys.readouterr().out
    book = calamine.CalamineWorkbook.from_path(str(out), load_tables=True)
    problems = book.get_table_by_name("Problems").to_python()
    assert [(p[0], p[2], p[3], p[4]) for p in problems] == [
        ("银行流水.csv", 5.0, "贷方发生额", "35,541.77"),
        ("银行流水.csv", 6.0, "贷方发生额", "￥12,752.04"),
        ("银行流水.csv", 7.0, "余额", "1,234.00"),
    ]
    assert all("引号" in p[5] for p in problems)
    results = book.get_table_by_name("Reconciliation").to_python()
    matched = {r[1] for r in results if r[0] == "相符"}
    assert matched == {"SK1", "SK4"}  # SK2 and SK3 are never matched against a short amount, nor lost


def test_keywords_in_a_referenced_line_do_not_make_it_a_total(tmp_path):
    path = tmp_path / "s.csv"
    path.write_text("日期,单号,摘要,金额\n2026-01-02,S1,货款合计,100\n2026-01-03,,本月合计,100\n", encoding="utf-8")
    statement = read_statement(path, perspective="ours")
    assert statement.lines["ref"].tolist() == ["S1"] and statement.balance_rows == [3]


def small_master(amounts, doc_nos):
    from keyacct_xl.master.model import Master

    master = Master.empty()
    n = len(amounts)
    master.transactions = pd.DataFrame(
        {
            "doc_no": doc_nos,
            "date": pd.to_datetime(["2026-01-05"] * n),
            "customer_id": ["C1"] * n,
            "amount": amounts,
            "product": ["油"] * n,
        }
    ).reindex(columns=master.transactions.columns)
    return master


def test_master_lines_keep_lines_without_doc_no_apart_and_refuse_blank_amounts():
    from keyacct_xl.receivables.master_lines import master_lines

    lines = master_lines(small_master([100.0, 50.0, 7.0], ["S1", None, " "]), "C1").lines
    assert sorted(lines["ref"]) == ["(销售明细!3)", "(销售明细!4)", "S1"]
    assert sorted(lines["amount"]) == [7.0, 50.0, 100.0]
    with pytest.raises(InputError, match=r"date or amount blank in 销售明细!3"):
        master_lines(small_master([100.0, float("nan")], ["S1", "S2"]), "C1")
    with pytest.raises(InputError, match="customer C9 has no transactions"):
        master_lines(small_master([1.0], ["S1"]), "C9")


@pytest.mark.parametrize(
    ("header", "role"),
    [
        ("金额（元）", "amount"),
        ("借方发生额", "debit"),
        ("贷方发生额", "credit"),
        ("凭证编号", "ref"),
        ("Cr", "credit"),
        ("Debit Amount (CNY)", "debit"),
        ("余额方向", "direction"),
        ("Posting Date", "date"),
        ("Invoice No.", "ref"),
        ("Creation Date", None),
        ("到期日期", None),
        ("数量", None),
    ],
)
def test_header_roles(header, role):
    from keyacct_xl.receivables.statement_reader import header_role

    assert header_role(header) == role


def test_zero_remainder_is_never_negative_zero():
    # 0.1 + 0.1 − (0.1 + 0.3) minus its explanation rounds to -0.0 in floats; reports must print 0.00, not -0.00.
    def lines(amounts, refs, days):
        return pd.DataFrame(
            {
                "row": ["5", "6"],
                "date": pd.to_datetime(["2026-10-01", days]).astype("datetime64[ns]"),
                "ref": refs,
                "description": ["", ""],
                "amount": amounts,
            }
        )

    ours = Statement("ours", "", lines([0.1, 0.1], ["A1", "A2"], "2026-10-02"), None, None)
    theirs = Statement("theirs", "", lines([0.1, 0.3], ["B1", "B2"], "2026-10-21"), None, None)
    result = reconcile(ours, theirs, lang="en")
    assert result.remainder == 0 and f"{result.remainder:,.2f}" == "0.00"
    assert f"{result.summary['amount'].iloc[-1]:,.2f}" == "0.00"


def test_balance_explanation_is_worded_in_the_language(files):
    ours, theirs = read_statement(files[0], perspective="ours"), read_statement(files[1])
    en = reconcile(ours, theirs, lang="en").summary.set_index("rows")
    assert en.loc["ours 10; theirs 12", "item"].startswith("amount differs: typo in amount")
    zh = reconcile(ours, theirs, lang="zh").summary.set_index("rows")
    assert zh.loc["我方 10; 对方 12", "item"].startswith("金额不一致：金额录入错误")


YUANHANG_ROWS = [
    ["苏州远航机械厂 应付账款明细账（杭州恒远机电有限公司）"],
    ["期间：2026年10月1日至2026年11月30日"],
    ["日期", "凭证号", "摘要", "借方", "贷方", "余额"],
    [dt.datetime(2026, 10, 9), "XS2026-001", "购液压泵", None, 6600, 6600],  # row 4
    [dt.datetime(2026, 10, 21), "XS2026-002", "购密封圈", None, 5500, 12100],  # row 5
    [dt.datetime(2026, 11, 15), "FK-1108", "付款", 3000, None, 9100],  # row 6
]


@pytest.mark.parametrize("label", ["合计", "总计", "本期合计", "小计", "本年累计"])
def test_a_total_labelled_in_the_document_number_column_is_a_total_row(tmp_path, label):
    path = write_theirs(tmp_path / "苏州远航_对账单.xlsx", [*YUANHANG_ROWS, [None, label, None, 3000, 12100, 9100]])
    theirs = read_statement(path)
    assert theirs.lines["row"].tolist() == [4, 5, 6] and theirs.balance_rows == [7] and theirs.closing == 9100
    ours = tmp_path / "ours.csv"
    ours.write_text(
        "日期,单据编号,摘要,金额\n2026-10-09,XS2026-001,销售,6600\n2026-10-21,XS2026-002,销售,5500\n"
        "2026-11-15,FK-1108,收款,-3000\n",
        encoding="utf-8",
    )
    result = reconcile(read_statement(ours, perspective="ours"), theirs, lang="zh")
    assert set(result.table["status"]) == {"matched"} and result.remainder == 0
    assert result.summary["amount"].tolist() == [9100, 9100, 0, 0]  # no −9,100 / +9,100 items


def test_a_document_number_with_a_total_word_stays_a_ledger_line(tmp_path):
    path = write_theirs(tmp_path / "s.xlsx", [*YUANHANG_ROWS, [dt.datetime(2026, 11, 20), "合计调整-01", "调整", 100]])
    assert read_statement(path).lines["ref"].tolist()[-1] == "合计调整-01"


def _with_hidden_sheet(path, hidden_rows, state, visible_rows=None):
    """A workbook whose first sheet, hidden (``state``), holds ``hidden_rows``; then, when given, a visible sheet."""
    book = openpyxl.Workbook()
    hidden = book.active
    hidden.title = "旧版"
    for row in hidden_rows:
        hidden.append(row)
    shown = book.create_sheet("往来明细")
    for row in visible_rows or [["见附件"]]:
        shown.append(row)
    hidden.sheet_state = state
    book.save(path)
    return path


@pytest.mark.parametrize("state", ["hidden", "veryHidden"])
def test_a_hidden_sheet_before_the_statement_is_not_read_as_it(tmp_path, state):
    """A person sees the visible sheet: its lines are reconciled, not those of a hidden sheet put before it."""
    planted = [list(r) for r in THEIRS_ROWS]
    planted[5] = ["2026年10月3日", "S001", "购货", None, "9,999.00"]
    path = _with_hidden_sheet(tmp_path / "theirs.xlsx", planted, state, THEIRS_ROWS)
    theirs = read_statement(path)
    assert theirs.sheet == "往来明细"
    assert theirs.lines.set_index("row").loc[6, "amount"] == 5000


def test_a_statement_only_on_a_hidden_sheet_is_refused_naming_the_sheet(tmp_path):
    path = _with_hidden_sheet(tmp_path / "theirs.xlsx", THEIRS_ROWS, "hidden")
    with pytest.raises(InputError, match=r"theirs\.xlsx: the statement's lines are on the hidden sheet 旧版"):
        read_statement(path)


def test_lines_whose_amount_or_date_is_a_formula_are_named_with_the_value_read(tmp_path):
    """calamine gives a formula's saved value: a generated statement saves 0, or a value of its choosing, where Excel
    shows what the formula computes. Such lines keep the saved value and are named, never read without a word."""
    import xlsxwriter

    path = tmp_path / "theirs.xlsx"
    book = xlsxwriter.Workbook(path)
    sheet = book.add_worksheet("往来明细")
    sheet.write_row(0, 0, ["记账日期", "凭证号", "摘要", "借方金额", "贷方金额"])
    sheet.write_row(1, 0, ["2026-10-03", "S001", "购货", None, 5000])
    sheet.write_row(2, 0, ["2026-10-05", "S002", "购货", None, 3000])
    sheet.write_row(3, 0, [None, "S003", "购货"])
    sheet.write_formula(3, 0, '="2026-10-08"', None, "2026-10-08")
    sheet.write_formula(3, 4, "=600", None, 60000)  # Excel shows 600
    sheet.write_row(4, 0, ["2026-10-09", "S004", "购货"])
    sheet.write_formula(4, 4, "=E2+E3", None, 0)  # Excel shows 8000
    sheet.write_formula(5, 2, '="备注"', None, "备注")  # a formula in a note row is no line
    book.close()
    theirs = read_statement(path)
    assert theirs.formula_rows == [4, 5]
    assert theirs.lines.set_index("row").loc[4, "amount"] == 60000  # the value saved, as read
    ours = tmp_path / "ours.csv"
    ours.write_text(OURS_CSV, encoding="utf-8-sig")
    result = reconcile(read_statement(ours, perspective="ours"), theirs, lang="en")
    assert (
        "theirs.xlsx: rows 4-5 have a formula for their date or amount, read as the value the file last saved; a "
        "program that recalculates on opening may show another: check them in the file"
    ) in result.notes


def test_a_hidden_column_is_not_read_for_a_visible_one_and_hidden_lines_are_named(tmp_path):
    """A hidden 贷方金额 column put before the visible one was read instead of it (every amount the person sees
    replaced); a line on a hidden row was read without a word. The visible column is read; the hidden line is read
    and named."""
    path = tmp_path / "theirs.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "往来明细"
    for i, row in enumerate(THEIRS_ROWS):
        row = list(row) + [None] * (7 - len(row))
        planted = "1" if i > 3 and row[4] is not None else row[4]  # its header 贷方金额, every amount 1
        sheet.append([*row[:3], planted, *row[3:]])  # column D: a hidden copy of 贷方金额 before the visible one
    sheet.column_dimensions["D"].hidden = True
    sheet.row_dimensions[13].hidden = True  # S004, 2,000
    book.save(path)
    theirs = read_statement(path)
    lines = theirs.lines.set_index("row")
    assert theirs.roles["credit"] == "贷方金额" and lines.loc[6, "amount"] == 5000 and lines.loc[13, "amount"] == 2000
    assert theirs.hidden_rows == [13]
    ours = tmp_path / "ours.csv"
    ours.write_text(OURS_CSV, encoding="utf-8-sig")
    notes = reconcile(read_statement(ours, perspective="ours"), theirs, lang="en").notes
    assert (
        "theirs.xlsx: rows 13 are hidden in the file, so a person reading it does not see them; read as lines: check "
        "them in the file"
    ) in notes


def test_a_role_read_from_a_column_the_file_hides_is_named(tmp_path):
    """A customer who hid 贷方金额 (the only one) had its amounts reconciled without a word, while a person reading
    the file sees no credit at all; the lines are read from it, and the hidden column is named."""
    path = tmp_path / "theirs.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "往来明细"
    for row in THEIRS_ROWS:
        sheet.append(list(row))
    sheet.column_dimensions["E"].hidden = True
    book.save(path)
    theirs = read_statement(path)
    assert theirs.hidden_columns == [theirs.roles["credit"]] and theirs.lines.set_index("row").loc[6, "amount"] == 5000
    ours = tmp_path / "ours.csv"
    ours.write_text(OURS_CSV, encoding="utf-8-sig")
    notes = reconcile(read_statement(ours, perspective="ours"), theirs, lang="en").notes
    assert (
        "theirs.xlsx: the column(s) 贷方金额 are hidden in the file, so a person reading it does not see them; read "
        "for the lines: check them in the file"
    ) in notes


@pytest.mark.libreoffice
@pytest.mark.parametrize("fmt", ["ods", "xls"])
def test_hidden_rows_a_hidden_column_and_formulas_of_a_statement_libreoffice_saved_are_named(
    tmp_path, libreoffice, fmt
):
    """LibreOffice's .ods and the legacy .xls: a customer who hid the row of S004 and the 贷方金额 column, and typed
    S002's amount as a formula, had all of it reconciled without a word (only an .xlsx said so, and an .ods its hidden
    rows). Each is read, and named, as in an .xlsx."""
    source = tmp_path / "theirs.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "往来明细"
    for row in THEIRS_ROWS:
        sheet.append(list(row))
    sheet["E7"] = "=1000*3"  # S002, 3,000
    sheet.row_dimensions[13].hidden = True  # S004, 2,000
    sheet.column_dimensions["E"].hidden = True  # 贷方金额
    book.save(source)
    theirs = read_statement(libreoffice(source, fmt))
    lines = theirs.lines.set_index("row")
    assert theirs.hidden_rows == [13] and lines.loc[13, "amount"] == 2000
    assert theirs.hidden_columns == ["贷方金额"] and lines.loc[6, "amount"] == 5000
    assert theirs.formula_rows == [7] and lines.loc[7, "amount"] == 3000
    ours = tmp_path / "ours.csv"
    ours.write_text(OURS_CSV, encoding="utf-8-sig")
    notes = reconcile(read_statement(ours, perspective="ours"), theirs, lang="en").notes
    assert (
        f"theirs.{fmt}: rows 13 are hidden in the file, so a person reading it does not see them; read as lines: "
        "check them in the file"
    ) in notes
    assert any(f"theirs.{fmt}: the column(s) 贷方金额 are hidden" in note for note in notes)
    assert any(f"theirs.{fmt}: rows 7 have a formula for their date or amount" in note for note in notes)


def _planted_credit() -> list[list[object]]:
    """THEIRS_ROWS with a stale copy of 贷方金额 in column D (its header, every amount 1) before the visible one."""
    rows = []
    for i, row in enumerate(THEIRS_ROWS):
        row = list(row) + [None] * (7 - len(row))
        rows.append([*row[:3], "1" if i > 3 and row[4] is not None else row[4], *row[3:]])
    return rows


def _xlsx_with_marks(path, rows, *, hidden_rows, hidden_columns, formulas):
    """``rows`` as an .xlsx (sheet 往来明细), the 1-based ``hidden_rows`` and ``hidden_columns`` hidden and the cells
    of ``formulas`` holding that formula with the value the rows give (as Excel saves it)."""
    import xlsxwriter

    book = xlsxwriter.Workbook(path)
    sheet = book.add_worksheet("往来明细")
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if (r + 1, c + 1) in formulas:
                sheet.write_formula(r, c, formulas[r + 1, c + 1], None, value)
            elif value is not None:
                sheet.write(r, c, value)
    for r in hidden_rows:
        sheet.set_row(r - 1, None, None, {"hidden": True})
    for c in hidden_columns:
        sheet.set_column(c - 1, c - 1, None, None, {"hidden": True})
    book.close()
    return path


@pytest.mark.parametrize(
    ("rows", "hidden_columns", "cell", "formula"),
    [
        pytest.param(_planted_credit(), {4}, (7, 6), ("=1000*3", 3000.0), id="stale-copy-hidden"),
        pytest.param(THEIRS_ROWS, {5}, (6, 5), ("=5000", 5000.0), id="credit-hidden"),
    ],
)
def test_an_excel_2003_xml_statement_is_reconciled_and_named_as_the_same_xlsx(
    tmp_path, rows, hidden_columns, cell, formula
):
    """An "XML Spreadsheet 2003" statement whose stale copy of 贷方金额 was hidden before the visible one had the
    hidden column reconciled (12 matched, 10 differences invented), and its hidden rows, hidden columns and formula
    amounts none of the notes the same content as an .xlsx gets. Both now read the same lines and say the same."""
    rows = [list(row) for row in rows]
    rows[cell[0] - 1][cell[1] - 1] = formula[1]  # the value the formula computes, saved beside it
    marks = {"hidden_rows": {13}, "hidden_columns": hidden_columns, "formulas": {cell: formula[0]}}
    xml = tmp_path / "theirs_xml.xls"
    xml.write_text(_xml2003({"往来明细": rows}, **marks), encoding="utf-8")
    book = _xlsx_with_marks(tmp_path / "theirs_book.xlsx", rows, **marks)
    ours = tmp_path / "ours.csv"
    ours.write_text(OURS_CSV, encoding="utf-8-sig")
    results = {}
    for path in (xml, book):
        theirs = read_statement(path)
        assert theirs.lines.set_index("row").loc[6, "amount"] == 5000  # the visible 贷方金额
        result = reconcile(read_statement(ours, perspective="ours"), theirs, lang="en")
        notes = [note.replace(path.name, "THEIRS") for note in result.notes]
        statuses = result.table["status"].value_counts().to_dict()
        results[path.suffix] = (theirs.hidden_rows, theirs.hidden_columns, theirs.formula_rows, statuses, notes)
    assert results[".xls"] == results[".xlsx"]
    hidden_rows, _, formula_rows, _, notes = results[".xls"]
    assert hidden_rows == [13] and formula_rows == [cell[0]]
    assert any("THEIRS: rows 13 are hidden in the file" in note for note in notes)
    assert any("have a formula for their date or amount" in note for note in notes)
