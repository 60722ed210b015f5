"""customers import on lists as they come: merged region and rep cells, a file name that is not UTF-8, values the
master would refuse elsewhere (grades, negative limits), a list sheet among large sparse ones, Excel's Unicode text."""

from __future__ import annotations

import os
import re
import tracemalloc
from pathlib import Path

import pandas as pd
import pytest
import python_calamine as calamine
import xlsxwriter

from keyacct_xl.cli.main import main
from keyacct_xl.consolidate.store import load_store
from keyacct_xl.disguised import html_rows, xml2003_sheets
from keyacct_xl.errors import InputError
from keyacct_xl.master.reader import load_master
from keyacct_xl.master.submissions import LEDGER
from keyacct_xl.tablefile import read_csv_rows


@pytest.fixture
def master(tmp_path: Path) -> Path:
    path = tmp_path / "master.xlsx"
    assert main(["master", "new", str(path)]) == 0
    return path


def _import(source: Path, master: Path, *options: str) -> int:
    return main(["customers", "import", os.fsdecode(source), "--into", str(master), *options])


def test_a_refused_cell_names_its_place_once(tmp_path: Path, master: Path, capsys) -> None:
    source = tmp_path / "list.csv"
    source.write_text("客户名称,联系电话,首次交易日期\n甲公司,13900000501,1800-01-01\n", encoding="utf-8")
    assert _import(source, master) == 0
    out = capsys.readouterr().out
    assert out.count("第 2 行，列 首次交易日期") == 1 and "超出可接受的日期范围" in out


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be"])
def test_excels_unicode_text_is_read_with_its_tabs(tmp_path: Path, master: Path, encoding) -> None:
    """Excel's "Unicode text" (UTF-16 with its BOM, columns split by tabs), a name holding a comma, is read."""
    source = tmp_path / "list.csv"
    text = "客户名称\t联系电话\n甲公司,华南分部\t13900000501\n乙公司\t13900000502\n"
    source.write_bytes(("\ufeff" + text).encode(encoding) if encoding.endswith("be") else text.encode(encoding))
    assert _import(source, master) == 0
    customers = load_master(master).customers
    assert customers["name"].tolist() == ["甲公司,华南分部", "乙公司"]
    assert customers["phone"].tolist() == ["13900000501", "13900000502"]


def test_utf16_text_cut_in_a_character_names_its_line(tmp_path: Path, master: Path, capsys) -> None:
    source = tmp_path / "list.csv"
    source.write_bytes("客户名称\t联系电话\n甲公司\t139\n".encode("utf-16") + b"\x00\xd8")  # half a surrogate pair
    assert _import(source, master) == 2
    assert "list.csv：第 3 行：无法解码文本（UTF-16）" in capsys.readouterr().err


def test_a_file_name_that_is_not_utf8_is_shown_and_recorded_with_escapes(tmp_path: Path, master: Path, capsys):
    source = Path(os.fsdecode(bytes(tmp_path) + b"/\xc4\xfa\xba\xc3list.csv"))  # 您好 in GBK, from a Windows share
    source.write_text("客户名称,联系电话\n非UTF8文件名公司,13900000501\n", encoding="utf-8")
    report = tmp_path / "r.xlsx"
    assert _import(source, master, "--dry-run", "--report", str(report)) == 0
    summary = calamine.CalamineWorkbook.from_path(str(report)).get_sheet_by_index(0).to_python()
    assert any(str(c).endswith(r"\xc4\xfa\xba\xc3list.csv") for r in summary for c in r)
    assert _import(source, master) == 0
    assert r"\xc4\xfa\xba\xc3list.csv：共 1 行" in capsys.readouterr().out
    store = load_store(master)
    assert list(store.frame("Customers")["source_file"]) == [r"\xc4\xfa\xba\xc3list.csv"]
    assert list(store.frame(LEDGER.name)["file_name"]) == [r"\xc4\xfa\xba\xc3list.csv"]
    assert _import(source, master, "--undo") == 0
    assert load_master(master).customers.empty
    assert _import(source, master, "--undo") == 2  # undone already: said so, by its shown name
    assert r"\xc4\xfa\xba\xc3list.csv" in capsys.readouterr().err


def merged_list(path: Path) -> Path:
    """A hand-made list: 区域 华东 merged over A3:A5 and 业务员 张三 over D3:D5 for three customers, and a remark
    merged across E6:F6."""
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("名单")
    sheet.merge_range("A1:F1", "华东区重点客户名单")
    sheet.write_row("A2", ["区域", "客户名称", "联系电话", "业务员", "备注", "客户类别"])
    sheet.merge_range("A3:A5", "华东")
    sheet.merge_range("D3:D5", "张三")
    for row, (name, phone) in enumerate(
        [("合并甲", "13900000701"), ("合并乙", "13900000702"), ("合并丙", "13900000703")]
    ):
        sheet.write_string(2 + row, 1, name)
        sheet.write_string(2 + row, 2, phone)
    sheet.write_row("A6", ["华南", "合并丁", "13900000704", "李四"])
    sheet.merge_range("E6:F6", "老客户")
    book.close()
    return path


def test_merged_region_and_rep_are_read_on_each_row_they_span(tmp_path: Path, master: Path, capsys) -> None:
    report = tmp_path / "r.xlsx"
    assert _import(merged_list(tmp_path / "list.xlsx"), master, "--report", str(report)) == 0
    out = capsys.readouterr().out
    customers = load_master(master).customers.set_index("name")
    assert list(customers["region"]) == ["华东", "华东", "华东", "华南"]
    assert list(customers["rep"]) == ["张三", "张三", "张三", "李四"]
    assert "工作表 名单 的单元格 A3:A5 已合并：其内容 华东 按它跨越的每一行读取（第 3、4、5 行）" in out
    assert "工作表 名单 的单元格 E6:F6 跨列合并：其内容 老客户 只读入 E 列；请核对第 6 行" in out
    summary = calamine.CalamineWorkbook.from_path(str(report)).get_sheet_by_index(0).to_python()
    [said] = [r[1] for r in summary if r[0] == "合并单元格"]
    assert "A3:A5" in said and "D3:D5" in said and "E6:F6" in said


@pytest.mark.parametrize("fmt", ["xls", "ods"])
def test_merged_cells_of_an_xls_or_ods_list_are_read_as_the_xlsx(tmp_path: Path, master: Path, libreoffice, fmt):
    saved = libreoffice(merged_list(tmp_path / "list.xlsx"), fmt, tmp_path / fmt)
    assert _import(saved, master) == 0
    customers = load_master(master).customers
    assert list(customers["region"]) == ["华东", "华东", "华东", "华南"]
    assert list(customers["rep"]) == ["张三", "张三", "张三", "李四"]


def test_an_excel_2003_xml_spreadsheet_gives_the_marks_an_xlsx_sheet_gives() -> None:
    """What the .xlsx readers know of a sheet besides its values, read from the XML spreadsheet as LibreOffice reads
    it: columns hidden one by one, over a span (ss:Span) and after one (no ss:Index), a hidden row, a formula's cell,
    a range merged across and down."""
    data = (
        '<?xml version="1.0"?><Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet"'
        ' xmlns:ss="urn:schemas-microsoft-com:office:spreadsheet"><Worksheet ss:Name="S"><Table>'
        '<Column ss:Width="20"/><Column ss:Hidden="1" ss:Span="1"/><Column ss:Index="6" ss:Hidden="1"/>'
        '<Column ss:Width="3"/><Column ss:Hidden="1"/>'
        '<Row><Cell><Data ss:Type="String">a</Data></Cell>'
        '<Cell ss:Index="4" ss:MergeAcross="1" ss:MergeDown="1"><Data ss:Type="String">m</Data></Cell></Row>'
        '<Row ss:Hidden="1"><Cell ss:Formula="=1+1"><Data ss:Type="Number">2</Data></Cell></Row>'
        "</Table></Worksheet></Workbook>"
    )
    [sheet] = xml2003_sheets(data.encode("utf-8"), "x.xls", max_cells=1_000)
    assert sheet.rows == [["a", None, None, "m", None], [2.0, None, None, "m", None]]
    assert sheet.hidden_columns == {1, 2, 5, 7} and sheet.hidden_rows == {1}
    assert sheet.formulas == {(1, 0)} and sheet.merged == (((0, 3), (1, 4)),)


def _xml_cell(value: str, **attributes: str) -> str:
    marks = "".join(f' ss:{name}="{v}"' for name, v in attributes.items())
    return f'<Cell{marks}><Data ss:Type="String">{value}</Data></Cell>'


def merged_xml_list(path: Path) -> Path:
    """``merged_list`` as an ERP writes it in "XML Spreadsheet 2003": the title merged across (ss:MergeAcross), 区域
    and 业务员 merged down (ss:MergeDown) over A3:A5 and D3:D5, the cells they cover left out, 老客户 across E6:F6."""
    rows = [
        _xml_cell("华东区重点客户名单", MergeAcross="5"),
        "".join(_xml_cell(h) for h in ("区域", "客户名称", "联系电话", "业务员", "备注", "客户类别")),
        _xml_cell("华东", MergeDown="2")
        + _xml_cell("合并甲")
        + _xml_cell("13900000701")
        + _xml_cell("张三", MergeDown="2"),
        _xml_cell("合并乙", Index="2") + _xml_cell("13900000702"),
        _xml_cell("合并丙", Index="2") + _xml_cell("13900000703"),
        "".join(_xml_cell(v) for v in ("华南", "合并丁", "13900000704", "李四")) + _xml_cell("老客户", MergeAcross="1"),
    ]
    path.write_text(
        '<?xml version="1.0" encoding="UTF-8"?><?mso-application progid="Excel.Sheet"?>'
        '<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet"'
        ' xmlns:ss="urn:schemas-microsoft-com:office:spreadsheet"><Worksheet ss:Name="名单"><Table>'
        + "".join(f"<Row>{r}</Row>" for r in rows)
        + "</Table></Worksheet></Workbook>",
        encoding="utf-8",
    )
    return path


_STAMP = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}")


def test_merged_cells_of_an_excel_2003_xml_list_are_read_and_said_as_the_xlsx(
    tmp_path: Path, master: Path, capsys
) -> None:
    """An "XML Spreadsheet 2003" list filled its merged region and rep into each row without a word, and its remark
    merged across columns unnamed, where the same list as an .xlsx says each (console, and 合并单元格 in the report's
    汇总). Both now read and say the same."""
    said = {}
    for source in (merged_xml_list(tmp_path / "list.xls"), merged_list(tmp_path / "book.xlsx")):
        report = tmp_path / f"{source.stem}-report.xlsx"
        assert _import(source, master, "--dry-run", "--report", str(report)) == 0
        out = capsys.readouterr().out.replace(str(report), "REPORT").replace(source.name, "LIST")
        summary = calamine.CalamineWorkbook.from_path(str(report)).get_sheet_by_index(0).to_python()
        # the two imports' times may fall in two seconds: the time each was run is no part of what it read
        shown = [[_STAMP.sub("TIME", str(c).replace(source.name, "LIST")) for c in r] for r in summary]
        said[source.suffix] = (_STAMP.sub("TIME", out), shown)
    assert said[".xls"] == said[".xlsx"]
    out, summary = said[".xls"]
    assert "工作表 名单 的单元格 A3:A5 已合并：其内容 华东 按它跨越的每一行读取（第 3、4、5 行）" in out
    assert "工作表 名单 的单元格 E6:F6 跨列合并：其内容 老客户 只读入 E 列；请核对第 6 行" in out
    [merges] = [r[1] for r in summary if r[0] == "合并单元格"]
    assert "A3:A5" in merges and "D3:D5" in merges and "E6:F6" in merges


def _sparse_sheets(path: Path, sparse: int, list_at: int) -> Path:
    """A small file whose ``sparse`` sheets each span A1:T390000 (7.8 million cells to a reader), the customer list
    on sheet ``list_at`` (0-based)."""
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})  # rows written in order, none held
    for i in range(sparse + 1):
        sheet = book.add_worksheet(f"S{i}")
        if i == list_at:
            sheet.write_row("A1", ["客户名称", "联系电话"])
            sheet.write_row("A2", ["稀疏表公司", "13900000801"])
        else:
            sheet.write("A1", "x")
            sheet.write("T390000", "y")
    book.close()
    return path


def test_the_sheets_after_the_list_are_not_read_and_those_before_it_are_capped(tmp_path: Path, master, capsys):
    assert _import(_sparse_sheets(tmp_path / "first.xlsx", 2, 0), master, "--dry-run") == 0
    assert _import(_sparse_sheets(tmp_path / "third.xlsx", 2, 2), master, "--dry-run") == 2
    err = capsys.readouterr().err
    assert "third.xlsx：到工作表 S1 为止仍未找到客户表头行" in err and "请把名单放在第一个工作表" in err


def test_grades_and_limits_the_master_would_not_hold_refuse_their_rows(tmp_path: Path, master: Path, capsys) -> None:
    source = tmp_path / "list.csv"
    source.write_text(
        "客户名称,联系电话,客户等级,信用等级,信用额度,账期天数\n"
        "等级甲,13900000501,Z,A,1000,30\n"
        "等级乙,13900000502,=1+1,A,1000,30\n"
        "等级丙,13900000503,A,Q,1000,30\n"
        "等级丁,13900000504,A,A,-5000,30\n"
        "等级戊,13900000505,A,A,1000,-30\n"
        "等级己,13900000506,a类,b,0,0\n",
        encoding="utf-8",
    )
    assert _import(source, master) == 0
    out = capsys.readouterr().out
    assert "第 2 行，列 客户等级：'Z' 不是 VIP、A、B、C 之一" in out
    assert "第 3 行，列 客户等级：'=1+1' 不是 VIP、A、B、C 之一" in out
    assert "第 4 行，列 信用等级：'Q' 不是 A、B、C 之一" in out
    assert "第 5 行，列 信用额度：-5000 是负数：信用额度不能小于 0" in out
    assert "第 6 行，列 账期天数：-30 是负数：账期天数不能小于 0" in out
    customers = load_master(master).customers
    assert list(customers["name"]) == ["等级己"]  # the others refused, each naming its cell
    assert (customers["grade"].iloc[0], customers["credit_grade"].iloc[0]) == ("A", "B")  # as grade apply reads them


def test_an_update_that_makes_a_customer_a_duplicate_of_another_is_held(tmp_path: Path, master: Path, capsys) -> None:
    first = tmp_path / "a.csv"
    first.write_text(
        "客户名称,联系电话,地址\n杭州金利汽配商行,0571-66598401,杭州市临平区纬二路619号\n"
        "宁波港城贸易有限公司,0574-86001234,宁波市北仑区新碶街道3号\n",
        encoding="utf-8",
    )
    assert _import(first, master) == 0
    renamed = tmp_path / "b.csv"
    renamed.write_text("客户编号,客户名称,地址\nC0002,杭州金利汽配商行,杭州市临平区纬二路619号\n", encoding="utf-8")
    before = master.read_bytes()
    capsys.readouterr()
    assert _import(renamed, master, "--update") == 0
    out = capsys.readouterr().out
    assert "疑似重复，暂缓" in out and "改用这些值后，客户 C0002 将疑似与客户 C0001 杭州金利汽配商行 重复" in out
    assert master.read_bytes() == before  # nothing updated, nothing written


def test_a_refusal_names_a_file_name_that_is_not_utf8_as_it_is_recorded(tmp_path: Path, master: Path, capsys) -> None:
    source = Path(os.fsdecode(bytes(tmp_path) + b"/\xc4\xfa\xba\xc3list.csv"))
    source.write_text("序号,备注\n1,无\n", encoding="utf-8")  # no header row naming the customer
    assert _import(source, master) == 2
    err = capsys.readouterr().err
    assert err.endswith(r"\xc4\xfa\xba\xc3list.csv 的前 30 行中没有含 客户名称 及另一客户字段的表头行" + "\n")
    assert r"\udcc4" not in err


def test_a_csv_saved_as_utf16_is_read_with_its_commas(tmp_path: Path, master: Path) -> None:
    """A CSV saved as UTF-16 (a BOM, columns split by commas) was read with tabs: one column named by the whole
    header line, refused as lacking 客户名称 while its header shows it. Excel's one-column Unicode text keeps its
    tab, the commas in its names not splitting them."""
    source = tmp_path / "list.csv"
    source.write_bytes('客户名称,联系电话\n"甲公司,华南分部",13900000501\n乙公司,13900000502\n'.encode("utf-16"))
    assert _import(source, master) == 0
    customers = load_master(master).customers
    assert customers["name"].tolist() == ["甲公司,华南分部", "乙公司"]
    assert customers["phone"].tolist() == ["13900000501", "13900000502"]
    names = tmp_path / "names.csv"
    names.write_bytes("客户名称\n甲公司,华南分部\n乙公司\n".encode("utf-16"))
    assert read_csv_rows(names) == [["客户名称"], ["甲公司,华南分部"], ["乙公司"]]


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_utf16_text_without_its_bom_is_read(tmp_path: Path, master: Path, encoding: str) -> None:
    """UTF-16 with no byte-order mark (a tool that writes none) was read as GB18030: its headers mojibake, refused
    as lacking 客户名称."""
    source = tmp_path / "list.csv"
    source.write_bytes("客户名称\t联系电话\n甲公司\t13900000501\n乙公司\t13900000502\n".encode(encoding))
    assert _import(source, master) == 0
    assert load_master(master).customers["name"].tolist() == ["甲公司", "乙公司"]


_PAGE = (
    '<html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312"></head><body>'
    "<table><tr><td colspan=3>华东区客户名单</td></tr></table>"
    "<table><tr><th>客户编号</th><th>客户名称</th><th>联系电话</th><th>城市</th></tr>"
    "<tr><td>C0007</td><td>上海恒达润滑油有限公司</td><td>021-55556666</td><td>上海</td></tr>"
    "<tr><td></td><td>杭州顺丰机械&nbsp;制造有限公司</td><td>0571-88886666</td><td>杭州</td></tr>"
    "</table></body></html>"
)


def test_an_xls_that_is_a_web_page_is_read_as_its_table(tmp_path: Path, master: Path) -> None:
    """Older systems (Chinese ERPs) export "Excel" as an HTML page in GB2312 named .xls: its table is the list."""
    source = tmp_path / "导出.xls"
    source.write_bytes(_PAGE.encode("gb2312"))
    assert _import(source, master) == 0
    customers = load_master(master).customers
    assert customers["name"].tolist() == ["上海恒达润滑油有限公司", "杭州顺丰机械 制造有限公司"]
    assert customers["phone"].tolist() == ["021-55556666", "0571-88886666"]
    assert customers["customer_id"].tolist()[0] == "C0007" and customers["city"].tolist() == ["上海", "杭州"]


def test_a_web_page_cell_spanning_rows_stands_in_each_row_it_covers(tmp_path: Path, master: Path) -> None:
    """A region merged over two rows (``rowspan``) left the second row one cell short, so its name went into 区域,
    its city into 客户名称 and its phone into 城市, imported without a word (a review): the rows under a cell spanning
    them hold its value in its column, as a merged range's rows are read."""
    page = (
        '<html><head><meta charset="utf-8"></head><body><table>'
        "<tr><th>区域</th><th>客户名称</th><th>城市</th><th>电话</th></tr>"
        '<tr><td rowspan="2">华东</td><td>测试甲贸易有限公司</td><td>杭州</td><td>0571-81234567</td></tr>'
        "<tr><td>测试乙贸易有限公司</td><td>宁波</td><td>0574-81234568</td></tr>"
        '<tr><td>华南</td><td>测试丙贸易有限公司</td><td rowspan="2">广州</td><td>020-81234569</td></tr>'
        "<tr><td>华南</td><td>测试丁贸易有限公司</td><td>020-81234570</td></tr>"
        "</table></body></html>"
    )
    source = tmp_path / "list.xls"
    source.write_bytes(page.encode("utf-8"))
    assert _import(source, master) == 0
    customers = load_master(master).customers
    names = ["测试甲贸易有限公司", "测试乙贸易有限公司", "测试丙贸易有限公司", "测试丁贸易有限公司"]
    assert customers["name"].tolist() == names
    assert customers["region"].tolist() == ["华东", "华东", "华南", "华南"]
    assert customers["city"].tolist() == ["杭州", "宁波", "广州", "广州"]
    assert customers["phone"].tolist() == ["0571-81234567", "0574-81234568", "020-81234569", "020-81234570"]
    # a cell spanning rows and columns: its value in its first column of each row, the others blank
    block = '<table><tr><td rowspan="2" colspan="2">甲</td><td>1</td></tr><tr><td>2</td></tr></table>'
    assert html_rows(block.encode("utf-8"), "x.xls") == [["甲", None, "1"], ["甲", None, "2"]]


@pytest.mark.parametrize("suffix", [".xls", ".csv"])
def test_tab_separated_gbk_text_is_read_by_its_tabs(tmp_path: Path, master: Path, suffix: str) -> None:
    """Tab-separated text in GBK, as an older system exports it under .xls (or .csv), is split by its tabs."""
    source = tmp_path / f"export{suffix}"
    text = "客户名称\t城市\t电话\r\n上海制表有限公司\t上海\t021-55556666\r\n南京制表有限公司\t南京\t025-84001234\r\n"
    source.write_bytes(text.encode("gbk"))
    assert _import(source, master) == 0
    customers = load_master(master).customers
    assert customers["name"].tolist() == ["上海制表有限公司", "南京制表有限公司"]
    assert customers["city"].tolist() == ["上海", "南京"]
    assert customers["phone"].tolist() == ["021-55556666", "025-84001234"]


_XML_LIST = (
    '<?xml version="1.0" encoding="{encoding}"?><?mso-application progid="Excel.Sheet"?>'
    '<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet" xmlns:o="urn:schemas-microsoft-com:office:office"'
    ' xmlns:x="urn:schemas-microsoft-com:office:excel" xmlns:ss="urn:schemas-microsoft-com:office:spreadsheet">'
    '<Worksheet ss:Name="隐藏"><Table><Row><Cell><Data ss:Type="String">客户名称</Data></Cell>'
    '<Cell><Data ss:Type="String">城市</Data></Cell></Row><Row><Cell><Data ss:Type="String">不读公司</Data></Cell>'
    '<Cell><Data ss:Type="String">北京</Data></Cell></Row></Table>'
    '<WorksheetOptions xmlns="urn:schemas-microsoft-com:office:excel"><Visible>SheetHidden</Visible>'
    "</WorksheetOptions></Worksheet>"
    '<Worksheet ss:Name="说明"><Table><Row><Cell><Data ss:Type="String">本表由系统导出</Data></Cell></Row></Table>'
    "</Worksheet>"
    '<ss:Worksheet ss:Name="名单"><ss:Table>'
    '<ss:Row><ss:Cell ss:MergeAcross="4"><ss:Data ss:Type="String">华东区客户名单</ss:Data></ss:Cell></ss:Row>'
    '<ss:Row ss:Index="3"><Cell><Data ss:Type="String">区域</Data></Cell><Cell><Data ss:Type="String">客户名称</Data>'
    '</Cell><Cell><Data ss:Type="String">联系电话</Data></Cell><Cell><Data ss:Type="String">城市</Data></Cell>'
    '<Cell><Data ss:Type="String">首次交易日期</Data></Cell></ss:Row>'
    '<Row><Cell ss:MergeDown="1"><Data ss:Type="String">华东</Data></Cell>'
    '<Cell><Data ss:Type="String">上海恒达润滑油有限公司</Data></Cell><Cell><Data ss:Type="Number">13900000501</Data>'
    '</Cell><Cell ss:Index="5"><Data ss:Type="DateTime">2025-03-08T00:00:00.000</Data></Cell></Row>'
    '<Row><Cell ss:Index="2"><Data ss:Type="String">杭州顺丰机械制造有限公司</Data></Cell>'
    '<Cell><Data ss:Type="String">0571-88886666</Data></Cell><Cell><Data ss:Type="String">杭州</Data></Cell>'
    '<Cell><Comment ss:Author="张三"><ss:Data xmlns="http://www.w3.org/TR/REC-html40">不是日期</ss:Data></Comment>'
    "</Cell></Row>"
    "</ss:Table></ss:Worksheet></Workbook>"
)


@pytest.mark.parametrize("encoding", ["UTF-8", "GB2312"])
def test_an_xls_that_is_an_excel_2003_xml_spreadsheet_is_read_as_its_sheet(
    tmp_path: Path, master: Path, encoding: str
) -> None:
    """An "XML Spreadsheet 2003" named .xls, as many Chinese ERPs and banks export, was refused saying what it is:
    its first visible sheet with a header row is read, a cell left out skipped by the next one's ss:Index, a region
    merged down standing in each row it covers, a number and a day read as typed, a comment no value."""
    source = tmp_path / "list.xls"
    source.write_bytes(_XML_LIST.format(encoding=encoding).encode("gb18030" if encoding == "GB2312" else "utf-8"))
    assert _import(source, master) == 0
    customers = load_master(master).customers
    assert customers["name"].tolist() == ["上海恒达润滑油有限公司", "杭州顺丰机械制造有限公司"]
    assert customers["region"].tolist() == ["华东", "华东"]
    assert customers["phone"].tolist() == ["13900000501", "0571-88886666"]
    assert customers["city"].tolist() == [None, "杭州"]
    assert customers["first_trade_date"].tolist()[0] == pd.Timestamp("2025-03-08")
    assert pd.isna(customers["first_trade_date"].tolist()[1])


def _laughs() -> str:
    """A billion laughs: nine entities, each ten of the one before, expanding to 3 GB of "lol"."""
    entities = "".join(f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10))
    return (
        f'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol0 "lol">{entities}]>'
        '<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet"'
        ' xmlns:ss="urn:schemas-microsoft-com:office:spreadsheet"><Worksheet ss:Name="S"><Table><Row>'
        '<Cell><Data ss:Type="String">客户名称</Data></Cell><Cell><Data ss:Type="String">&lol9;</Data></Cell>'
        "</Row></Table></Worksheet></Workbook>"
    )


def test_an_excel_2003_xml_spreadsheet_declaring_entities_is_refused_naming_the_file(
    tmp_path: Path, master: Path, capsys
) -> None:
    """A billion laughs under .xls (entities expanding to gigabytes) is refused before it is parsed."""
    source = tmp_path / "laughs.xls"
    source.write_text(_laughs(), encoding="utf-8")
    assert _import(source, master) == 2
    assert "laughs.xls：这个 Excel 2003 XML 表格含 DTD 或 XML 实体声明（出于安全原因拒收）" in capsys.readouterr().err
    assert load_master(master).customers.empty


def test_an_excel_2003_xml_spreadsheet_whose_cells_jump_past_the_cap_is_refused(
    tmp_path: Path, master: Path, capsys
) -> None:
    """A row index far under a wide row would have every row between them made: refused before they are."""
    source = tmp_path / "far.xls"
    source.write_text(
        '<?xml version="1.0"?><Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet"'
        ' xmlns:ss="urn:schemas-microsoft-com:office:spreadsheet"><Worksheet ss:Name="S"><Table>'
        '<Row><Cell ss:Index="16384"><Data ss:Type="String">x</Data></Cell></Row>'
        '<Row ss:Index="1048576"><Cell><Data ss:Type="String">y</Data></Cell></Row></Table></Worksheet></Workbook>',
        encoding="utf-8",
    )
    assert _import(source, master) == 2
    err = capsys.readouterr().err
    assert "far.xls：" in err and "读取前拒收" in err


def _xml_workbook(sheets: str) -> bytes:
    return (
        '<?xml version="1.0"?><Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet"'
        ' xmlns:ss="urn:schemas-microsoft-com:office:spreadsheet">' + sheets + "</Workbook>"
    ).encode()


def test_sheets_of_empty_rows_count_against_the_cap() -> None:
    """Nine sheets each holding one empty row far down (a few hundred bytes): a sheet without a cell counted as
    nothing, so each made its million rows and the file its nine millions; they count as rows one cell wide."""
    sheets = "".join(
        f'<Worksheet ss:Name="S{i}"><Table><Row ss:Index="1048576"/></Table></Worksheet>' for i in range(9)
    )
    with pytest.raises(InputError, match=r"blank\.xls: the sheets of the Excel 2003 XML spreadsheet span more than"):
        xml2003_sheets(_xml_workbook(sheets), "blank.xls", max_cells=2_000_000)


def _far_rows(sheets: int, first: str = "") -> bytes:
    """``sheets`` worksheets of a few dozen bytes each, their last row 1,048,576 (ss:Index 7,999,999, past the grid)
    under ``first``, the sheet's first row."""
    return _xml_workbook(
        "".join(
            f'<Worksheet ss:Name="S{i}"><Table>{first}<Row ss:Index="7999999"/></Table></Worksheet>'
            for i in range(sheets)
        )
    )


def test_a_file_of_sheets_of_empty_rows_is_refused_before_their_rows_are_made(
    tmp_path: Path, master: Path, capsys
) -> None:
    """Fifteen worksheets each one empty row far down (1.3 KB): refused for the cap, as it was only after the rows
    of the seven sheets before were made (seven million, 10 seconds and 600 MB)."""
    source = tmp_path / "tiny.xls"
    source.write_bytes(_far_rows(15))
    assert _import(source, master) == 2
    err = capsys.readouterr().err
    assert "tiny.xls：这个 Excel 2003 XML 表格各工作表的单元格合计超过 8,000,000 个（到工作表 S7" in err
    assert "读取前拒收" in err and load_master(master).customers.empty


@pytest.mark.parametrize(
    "first",
    ["", '<Row><Cell ss:MergeDown="1048575"><Data ss:Type="String">x</Data></Cell></Row>'],
    ids=["blank", "merged"],
)
def test_rows_left_out_are_made_only_once_the_file_is_within_the_cap(first: str) -> None:
    """The rows an ss:Index leaves out (blank, or holding only a cell merged down into them) are kept as a count
    until every sheet has been read within the cap: a file passing it is refused having made none of them."""
    tracemalloc.start()
    try:
        with pytest.raises(InputError, match=r"far\.xls: the sheets of the Excel 2003 XML spreadsheet span more than"):
            xml2003_sheets(_far_rows(3, first), "far.xls", max_cells=2_000_000)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 16 * 2**20  # a million rows made are 60 MB and more


def test_rows_left_out_read_as_the_rows_they_are() -> None:
    """Rows an ss:Index leaves out are blank but for the cells merged down into them, each its own list, the rows
    after them numbered as the file says, on every sheet."""
    data = _xml_workbook(
        '<Worksheet ss:Name="S"><Table><Row><Cell ss:MergeDown="2"><Data ss:Type="String">a</Data></Cell>'
        '<Cell ss:MergeDown="4" ss:Formula="=1"><Data ss:Type="String">b</Data></Cell></Row>'
        '<Row ss:Index="6"><Cell ss:Index="3"><Data ss:Type="String">c</Data></Cell></Row>'
        '<Row ss:Index="10" ss:Hidden="1"><Cell><Data ss:Type="String">d</Data></Cell></Row>'
        '<Row ss:Index="12"/></Table></Worksheet>'
        '<Worksheet ss:Name="T"><Table><Row ss:Index="4" ss:Hidden="1"/>'
        '<Row><Cell ss:MergeDown="3"><Data ss:Type="String">e</Data></Cell></Row><Row ss:Index="9"/></Table>'
        "</Worksheet>"
    )
    first, second = xml2003_sheets(data, "gaps.xls", max_cells=1_000)
    assert first.rows == [
        ["a", "b"],
        ["a", "b"],
        ["a", "b"],
        [None, "b"],
        [None, "b"],
        [None, None, "c"],
        [],
        [],
        [],
        ["d"],
        [],
        [],
    ]
    assert (first.formulas, first.hidden_rows) == ({(0, 1)}, {9})
    assert first.merged == (((0, 0), (2, 0)), ((0, 1), (4, 1)))
    assert second.rows == [[], [], [], [], ["e"], ["e"], ["e"], ["e"], []]
    assert (second.hidden_rows, second.merged) == ({3}, (((4, 0), (7, 0)),))
    assert len({id(row) for sheet in (first, second) for row in sheet.rows}) == len(first.rows) + len(second.rows)


@pytest.mark.parametrize("index", ["²", "٣", "1" * 5000, "0", "-3"])
def test_an_index_that_is_no_plain_number_is_left_out_not_a_crash(index: str) -> None:
    """ss:Index of digits int() refuses (a superscript, Arabic-Indic, thousands of digits) or not positive is read
    as absent, as an index that is no number is: before, Python's own error text reached the user."""
    sheet = (
        f'<Worksheet ss:Name="S"><Table><Row><Cell ss:Index="{index}" ss:MergeAcross="{index}">'
        '<Data ss:Type="String">x</Data></Cell></Row></Table></Worksheet>'
    )
    (only,) = xml2003_sheets(_xml_workbook(sheet), "odd.xls", max_cells=1_000_000)
    assert only.rows == [["x"]]


def test_a_row_spanning_rows_stands_for_them_all() -> None:
    """A Row with ss:Span="2" is itself and the two rows after it (Excel writes it for blank rows formatted alike):
    the span was ignored, so every row after it was read two rows up and its hidden rows were one."""
    sheet = (
        '<Worksheet ss:Name="S"><Table><Row><Cell><Data ss:Type="String">a</Data></Cell></Row>'
        '<Row ss:Span="2" ss:Hidden="1"/><Row><Cell ss:MergeDown="1"><Data ss:Type="String">b</Data></Cell></Row>'
        '<Row ss:Span="1"/><Row ss:Index="8"><Cell><Data ss:Type="String">c</Data></Cell></Row></Table></Worksheet>'
    )
    (only,) = xml2003_sheets(_xml_workbook(sheet), "span.xls", max_cells=1_000)
    assert only.rows == [["a"], [], [], [], ["b"], ["b"], [], ["c"]]
    assert (only.hidden_rows, only.merged) == ({1, 2, 3}, (((4, 0), (5, 0)),))


def test_a_row_spanning_rows_with_cells_is_refused_naming_file_and_row(tmp_path: Path, master: Path, capsys) -> None:
    """Whether a spanned row's cells repeat in the rows it stands for is not said anywhere (Excel spans only blank
    rows): a customer read three times, or once, would be a guess, so the file is refused naming the row."""
    sheet = (
        '<Worksheet ss:Name="客户"><Table><Row><Cell><Data ss:Type="String">客户编号</Data></Cell>'
        '<Cell><Data ss:Type="String">客户名称</Data></Cell></Row>'
        '<Row ss:Span="2"><Cell><Data ss:Type="String">C0001</Data></Cell>'
        '<Cell><Data ss:Type="String">上海制表有限公司</Data></Cell></Row></Table></Worksheet>'
    )
    with pytest.raises(InputError, match=r"span\.xls: sheet 客户, row 2 stands for 3 rows \(ss:Span=\"2\"\)"):
        xml2003_sheets(_xml_workbook(sheet), "span.xls", max_cells=1_000)
    source = tmp_path / "span.xls"
    source.write_bytes(_xml_workbook(sheet))
    assert _import(source, master) == 2
    err = capsys.readouterr().err
    assert 'span.xls：工作表 客户 第 2 行代表 3 行（ss:Span="2"）' in err
    assert load_master(master).customers.empty


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_an_xls_that_is_utf16_text_without_its_bom_is_read_as_text(tmp_path: Path, master: Path, encoding) -> None:
    """An .xls that is UTF-16 text with no byte-order mark is told by its NUL bytes, as a .csv is (one decoding):
    it was refused as no workbook."""
    source = tmp_path / "export.xls"
    source.write_bytes("客户编号\t客户名称\t电话\nC0001\t上海制表有限公司\t021-55556666\n".encode(encoding))
    assert _import(source, master) == 0
    assert load_master(master).customers["phone"].tolist() == ["021-55556666"]
