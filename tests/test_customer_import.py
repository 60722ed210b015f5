"""customers import: a messy customer list (title rows, trailing spaces, 有限公司 / (有限公司) duplicates, phones as
numbers, dates typed three ways) brought into a new master, every row accounted for, and undone exactly."""

from __future__ import annotations

import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
import python_calamine as calamine
import xlsxwriter

from keyacct_xl.cli.main import main
from keyacct_xl.consolidate.customerrows import phone_text
from keyacct_xl.consolidate.dedupe import CustomerIndex
from keyacct_xl.consolidate.run import consolidate
from keyacct_xl.consolidate.simulate import blank_form, fill_form
from keyacct_xl.fileio import backup_path
from keyacct_xl.master.model import Master
from keyacct_xl.master.reader import load_master
from keyacct_xl.master.schema import CUSTOMERS
from keyacct_xl.master.writer import save_master

HEADERS = ["序号", "客户名称", "联系电话", "地址", "区域", "城市", "首次交易日期", "业务员", "客户类别"]
ROWS = [
    [
        1,
        "上海恒达润滑油有限公司  ",
        13812345678,
        "上海市闵行区莘庄工业区申富路8号",
        "华东",
        "上海",
        "2025.3.5",
        "李娜",
        "经销商",
    ],
    [
        2,
        "上海恒达润滑油(有限公司)",
        13812345678,
        "上海市闵行区莘庄工业区申富路8号",
        "华东",
        "上海",
        "2025/03/05",
        "李娜",
        "经销商",
    ],
    [
        3,
        "杭州顺丰机械制造有限公司",
        57188886666,
        "杭州市余杭区良渚街道1号",
        "华东",
        "杭州",
        "2024-07-01",
        "张伟",
        "终端",
    ],
    [4, "南京宏图物流有限公司 ", 2584001234, "南京市江宁区天元路5号", "华东", "南京", "2024/1/15", "李娜", "终端"],
    [5, "宁波港城贸易有限公司", 13957412345, "宁波市北仑区新碶街道3号", "华东", "宁波", "2022.6.30", "王强", "经销商"],
    [
        6,
        "宁波港城贸易（有限公司）",
        13957412345,
        "宁波市北仑区新碶街道3号",
        "华东",
        "宁波",
        "2022.6.30",
        "王强",
        "经销商",
    ],
    [
        7,
        "无锡新纪元化工有限公司",
        13605101234,
        "无锡市新吴区长江路20号",
        "华东",
        "无锡",
        "2025年1月8日",
        "王强",
        "终端",
    ],
    [8, "合肥永盛建材有限公司", None, "合肥市蜀山区黄山路66号", "华东", "合肥", None, "李娜", "经销商"],
]


def messy_xlsx(path: Path, rows: list[list[object]] = ROWS) -> Path:
    """The list as a manager keeps it: a merged title, a 'made by' line, then the header at row 3."""
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("客户名单")
    sheet.merge_range(0, 0, 0, len(HEADERS) - 1, "华东区重点客户名单（2025年整理）")
    sheet.merge_range(1, 0, 1, len(HEADERS) - 1, "制表：王经理   更新日期：2025.11.20")
    sheet.write_row(2, 0, HEADERS)
    for i, row in enumerate(rows):
        for j, value in enumerate(row):
            if value is not None:
                sheet.write(3 + i, j, value)
    book.close()
    return path


def messy_csv(path: Path, encoding: str) -> Path:
    lines = [",".join(HEADERS)] + [",".join("" if v is None else str(v) for v in r) for r in ROWS]
    path.write_bytes("\n".join(lines).encode(encoding))
    return path


@pytest.fixture
def master(tmp_path: Path) -> Path:
    path = tmp_path / "master.xlsx"
    assert main(["master", "new", str(path)]) == 0
    return path


def _parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {n: archive.read(n) for n in archive.namelist()}


def _report_rows(path: Path) -> list[list[object]]:
    """The rows sheet of a report: the table under the title block (header row found by 名单行号)."""
    sheet = calamine.CalamineWorkbook.from_path(str(path)).get_sheet_by_index(1).to_python()
    top = next(i for i, r in enumerate(sheet) if r and r[0] == "名单行号")
    return [r for r in sheet[top + 1 :] if r and r[0] != ""]


def test_messy_xlsx_imports_typed_customers_and_holds_duplicates(tmp_path: Path, master: Path, capsys) -> None:
    source, report = messy_xlsx(tmp_path / "客户名单.xlsx"), tmp_path / "r.xlsx"
    assert main(["customers", "import", str(source), "--into", str(master), "--report", str(report)]) == 0
    out = capsys.readouterr().out
    customers = load_master(master).customers.set_index("customer_id")
    assert list(customers.index) == ["C0001", "C0002", "C0003", "C0004", "C0005", "C0006"]
    assert customers.loc["C0001", "name"] == "上海恒达润滑油有限公司"  # trailing spaces trimmed
    assert customers.loc["C0001", "phone"] == "13812345678"  # a number cell's digits, as text
    assert customers.loc["C0001", "first_trade_date"] == pd.Timestamp("2025-03-05")
    assert customers.loc["C0005", "first_trade_date"] == pd.Timestamp("2025-01-08")
    assert customers.loc["C0003", "first_trade_date"] == pd.Timestamp("2024-01-15")
    assert customers.loc["C0003", "phone"] == "2584001234"  # kept as typed, warned about
    assert "2584001234 像是丢了区号开头 0 的座机号" in out and "57188886666 像是丢了区号开头 0 的座机号" in out
    assert "第 5 行：疑似重复，暂缓" in out and "疑似与本名单第 4 行重复（C0001 上海恒达润滑油有限公司" in out
    assert "第 9 行：疑似重复，暂缓" in out and "列 序号：未导入" in out
    rows = _report_rows(report)
    assert [r[0] for r in rows] == list(range(4, 12))  # every row of the list accounted for, in order
    assert [r[1] for r in rows].count("已导入") == 6 and [r[1] for r in rows].count("疑似重复，暂缓") == 2
    # A document: zh sheet names and headers, every sheet printed on A4.
    book = calamine.CalamineWorkbook.from_path(str(report))
    assert book.sheet_names == ["汇总", "逐行结果", "不一致的值"]
    assert ["名单行号", "处理结果", "客户编号", "客户名称", "单元格", "原因及提示"] in book.get_sheet_by_index(
        1
    ).to_python()
    sheets = {n: b for n, b in _parts(report).items() if n.startswith("xl/worksheets/sheet")}
    assert len(sheets) == 3 and all(b'paperSize="9"' in b for b in sheets.values())


@pytest.mark.parametrize("encoding", ["gbk", "utf-8-sig", "utf-8"])
def test_csv_in_each_encoding_imports_as_the_workbook_does(tmp_path: Path, master: Path, capsys, encoding: str) -> None:
    source = messy_csv(tmp_path / "客户名单.csv", encoding)
    assert main(["customers", "import", str(source), "--into", str(master)]) == 0
    customers = load_master(master).customers
    assert list(customers["name"])[:2] == ["上海恒达润滑油有限公司", "杭州顺丰机械制造有限公司"]
    assert "第 3 行：疑似重复，暂缓" in capsys.readouterr().out


def test_dry_run_writes_nothing_to_the_master(tmp_path: Path, master: Path, capsys) -> None:
    before = master.read_bytes()
    source = messy_xlsx(tmp_path / "list.xlsx")
    assert main(["customers", "import", str(source), "--into", str(master), "--dry-run"]) == 0
    assert master.read_bytes() == before
    assert not (tmp_path / "master.bak.xlsx").exists()
    assert "试运行，总表未改动" in capsys.readouterr().out


def test_undo_restores_the_customers_sheet_byte_for_byte(tmp_path: Path, master: Path, capsys) -> None:
    before = _parts(master)
    source = messy_xlsx(tmp_path / "list.xlsx")
    assert main(["customers", "import", str(source), "--into", str(master)]) == 0
    assert main(["customers", "import", str(source), "--into", str(master)]) == 2  # the same list twice: refused
    assert main(["customers", "import", str(source), "--into", str(master), "--undo"]) == 0
    after = _parts(master)
    # Every part the master had is as it was, but the workbook's list of sheets: the ledger and history sheets the
    # import added stay as its record (the ledger says 已撤销).
    listing = {"xl/workbook.xml", "xl/_rels/workbook.xml.rels", "[Content_Types].xml"}
    assert {n: b for n, b in after.items() if n in before and n not in listing} == {
        n: b for n, b in before.items() if n not in listing
    }
    assert load_master(master).customers.empty


def test_an_existing_customer_is_changed_only_with_update_and_undone(tmp_path: Path, master: Path, capsys) -> None:
    assert main(["customers", "import", str(messy_xlsx(tmp_path / "a.xlsx")), "--into", str(master)]) == 0
    changed = [["C0001", "上海恒达润滑油有限公司", "021-64001234", "", "华东", "上海", "2025.3.5", "李娜", "经销商"]]
    corrected = messy_xlsx(tmp_path / "b.xlsx", changed)
    headers_with_id = ["客户编号", *HEADERS[1:]]
    book = xlsxwriter.Workbook(str(corrected))
    sheet = book.add_worksheet()
    sheet.write_row(0, 0, headers_with_id)
    sheet.write_row(1, 0, changed[0])
    book.close()
    before = master.read_bytes()
    capsys.readouterr()
    assert main(["customers", "import", str(corrected), "--into", str(master)]) == 0
    out = capsys.readouterr().out
    assert "有差异，未更新" in out and "13812345678 → 021-64001234" in out
    assert master.read_bytes() == before  # nothing imported, nothing changed: not even written
    assert main(["customers", "import", str(corrected), "--into", str(master), "--update"]) == 0
    customers = load_master(master).customers.set_index("customer_id")
    assert customers.loc["C0001", "phone"] == "021-64001234" and len(customers) == 6
    assert main(["customers", "import", str(corrected), "--into", str(master), "--undo"]) == 0
    assert load_master(master).customers.set_index("customer_id").loc["C0001", "phone"] == "13812345678"


def test_undo_of_an_update_keeps_a_value_typed_by_hand_since(tmp_path: Path, master: Path, capsys) -> None:
    # The undo put back every cell of the row the update changed: a phone a person typed in Excel after the import
    # went back to the one before the import, without a word (the history kept no record of what the update wrote).
    assert main(["customers", "import", str(messy_xlsx(tmp_path / "a.xlsx")), "--into", str(master)]) == 0
    row = ["C0001", "上海恒达润滑油有限公司", "021-64001234", "上海市闵行区莘庄工业区申富路9号"]
    corrected = tmp_path / "b.xlsx"
    book = xlsxwriter.Workbook(str(corrected))
    sheet = book.add_worksheet()
    sheet.write_row(0, 0, ["客户编号", "客户名称", "联系电话", "地址"])
    sheet.write_row(1, 0, row)
    book.close()
    assert main(["customers", "import", str(corrected), "--into", str(master), "--update"]) == 0
    edited = openpyxl.load_workbook(master)  # the person's program: a save of the whole workbook
    sheet = edited[CUSTOMERS.sheet_zh]
    headers = [c.value for c in sheet[1]]
    found = [r for r in sheet.iter_rows(min_row=2) if r[0].value == "C0001"]
    found[0][headers.index(CUSTOMERS.column("phone").zh)].value = "021-64009999"
    edited.save(master)
    capsys.readouterr()
    assert main(["customers", "import", str(corrected), "--into", str(master), "--undo"]) == 0
    out = capsys.readouterr().out
    customers = load_master(master).customers.set_index("customer_id")
    assert customers.loc["C0001", "phone"] == "021-64009999"  # typed by hand since: kept
    assert customers.loc["C0001", "address"] == "上海市闵行区莘庄工业区申富路8号"  # the update's own: put back
    assert "021-64009999" in out and "13812345678" in out  # said so, with the value not put back


def test_a_bad_cell_refuses_its_row_naming_the_cell(tmp_path: Path, master: Path, capsys) -> None:
    rows = [
        *ROWS[:1],
        [2, "苏州金达汽修厂", 13912345678, "苏州工业园区星湖街99号", "华东", "苏州", "2023.13.45", "张伟", "终端"],
    ]
    source, report = messy_xlsx(tmp_path / "list.xlsx", rows), tmp_path / "r.xlsx"
    assert main(["customers", "import", str(source), "--into", str(master), "--report", str(report)]) == 0
    out = capsys.readouterr().out
    assert "第 5 行：拒收" in out and "单元格 G5（首次交易日期）" in out
    refused = [r for r in _report_rows(report) if r[1] == "拒收"]
    assert refused and refused[0][4] == "G5"
    assert list(load_master(master).customers["customer_id"]) == ["C0001"]


def test_phone_numbers_as_people_type_them() -> None:
    assert phone_text(13812345678.0) == ("13812345678", None)
    text, warning = phone_text(2584001234.0)
    assert text == "2584001234" and warning is not None
    assert phone_text("1.38123E+10")[0] is None  # digits lost: refused
    assert phone_text("021-64001234") == ("021-64001234", None)
    assert phone_text("13812345678.0") == ("13812345678", None)  # a number cell as a CSV export writes it
    assert phone_text("0755-8888 6666 转 801") == ("0755-8888 6666 转 801", None)
    for typed in ("待补", "王经理13812345678"):
        text, warning = phone_text(typed)
        assert text == typed and warning is not None
        assert warning.render("zh") == f"{typed} 看起来不是电话号码：已按原样保留，请核对"


def test_master_check_reports_likely_duplicates(tmp_path: Path, capsys) -> None:
    master = Master.empty()
    master.customers = pd.DataFrame(
        {
            "customer_id": ["C0001", "C0002", "C0003"],
            "name": ["上海恒达润滑油有限公司", "上海恒达润滑油(有限公司)", "杭州顺丰机械制造有限公司"],
            "phone": ["13812345678", "13812345678", "057188886666"],
        }
    ).reindex(columns=master.customers.columns)
    path = tmp_path / "m.xlsx"
    save_master(master, path)
    assert main(["master", "check", str(path)]) == 0
    out = capsys.readouterr().out
    assert "1 个客户疑似与总表中另一客户重复" in out
    assert "C0002 上海恒达润滑油(有限公司) 疑似与 C0001 上海恒达润滑油有限公司 重复（电话，相似度 95）" in out


def test_the_ribbon_action_imports_the_list_it_is_given(tmp_path: Path, master: Path, capsys) -> None:
    source = messy_csv(tmp_path / "客户名单.csv", "gbk")
    assert main(["run", "import_customers", "--book", str(master), "--input", str(source)]) == 0
    assert "已导入 6，疑似重复，暂缓 2" in capsys.readouterr().out
    assert len(load_master(master).customers) == 6
    report = tmp_path / "reports" / "客户名单-导入报告.xlsx"
    assert [r[0] for r in _report_rows(report)] == list(range(2, 10))  # CSV lines 2-9, each accounted for


@pytest.mark.parametrize("fmt", ["xls", "ods"])
def test_the_list_saved_as_xls_or_ods_imports_as_the_xlsx(tmp_path: Path, master: Path, libreoffice, fmt: str) -> None:
    saved = libreoffice(messy_xlsx(tmp_path / "客户名单.xlsx"), fmt, tmp_path / fmt)
    assert main(["customers", "import", str(saved), "--into", str(master)]) == 0
    customers = load_master(master).customers
    assert list(customers["customer_id"]) == ["C0001", "C0002", "C0003", "C0004", "C0005", "C0006"]
    assert customers["phone"].iloc[0] == "13812345678"
    assert customers["first_trade_date"].iloc[4] == pd.Timestamp("2025-01-08")


def test_undo_is_refused_while_sales_name_an_imported_customer(tmp_path: Path, master: Path, capsys) -> None:
    source = messy_xlsx(tmp_path / "list.xlsx")
    assert main(["customers", "import", str(source), "--into", str(master)]) == 0
    sales = tmp_path / "sales.csv"
    sales.write_text(
        "单据编号,日期,客户编号,产品,数量,单价,金额,业务员\nXS1,2025.3.5,C0001,齿轮油 18L,1,350,350,李娜\n"
    )
    assert main(["history", "import", str(master), str(sales), "--table", "transactions"]) == 0
    before = master.read_bytes()
    capsys.readouterr()
    assert main(["customers", "import", str(source), "--into", str(master), "--undo"]) == 2
    assert "C0001" in capsys.readouterr().err and master.read_bytes() == before
    # a visit report consolidated since names C0001 too: the refusal names both tables by their sheets, in zh
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    visit = {"date": "2026-11-23", "customer_id": "C0001", "method": "面谈", "content": "首访"}
    form = fill_form(blank_form("visit_record"), header={"rep": "李娜", "period": "2026-W48"}, rows={"visits": [visit]})
    (inbox / "visit.xlsx").write_bytes(form)
    assert main(["consolidate", str(inbox), "--into", str(master)]) == 0
    before = master.read_bytes()
    capsys.readouterr()
    assert main(["customers", "import", str(source), "--into", str(master), "--undo"]) == 2
    err = capsys.readouterr().err
    # the sales line is in the history store, not on the sheet 销售明细, and taken out by history import --undo
    assert "历史库中的销售明细（1 行）" in err and "拜访记录（1 行）" in err and "Visits" not in err
    assert (
        f"请先撤销添加这些行的文件，然后从历史库撤回导入的明细（history import {master} --undo），或保留这些客户" in err
    )
    assert master.read_bytes() == before


def test_a_name_inside_another_is_found_at_the_containment_rules_edge() -> None:
    # 6 characters inside 10 (0.6, the rule's floor): fuzz.ratio 75, the lowest a contained name scores, so the
    # names prefiltered by ratio before name_score still include it.
    index = CustomerIndex(
        pd.DataFrame(
            {"customer_id": ["C0001"], "name": ["恒达润滑油品贸易发展"], "rep": [None], "address": [None]}
        ).assign(phone=None, tax_id=None)
    )
    match = index.find(name="恒达润滑油品")
    assert match is not None and (match.customer_id, match.score, match.basis) == ("C0001", 95.0, "name")


def _list_with_ids(path: Path, rows: list[list[object]]) -> Path:
    """A list with its own 客户编号 column: id, name, phone."""
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("客户名单")
    sheet.write_row(0, 0, ["客户编号", "客户名称", "联系电话"])
    for i, row in enumerate(rows):
        sheet.write_row(1 + i, 0, row)
    book.close()
    return path


def test_an_id_in_another_case_or_width_is_the_archive_customer(tmp_path: Path, master: Path, capsys) -> None:
    """c0001 and Ｃ0002 in a list are C0001 and C0002: customers to update (with --update), never new ids beside."""
    assert main(["customers", "import", str(messy_xlsx(tmp_path / "a.xlsx")), "--into", str(master)]) == 0
    rows = [
        ["c0001", "上海恒达润滑油股份有限公司", "13800000006"],
        ["Ｃ0002", "杭州顺丰机械制造股份有限公司", "13800000008"],
    ]
    source = _list_with_ids(tmp_path / "b.xlsx", rows)
    capsys.readouterr()
    assert main(["customers", "import", str(source), "--into", str(master)]) == 0
    out = capsys.readouterr().out
    assert (
        "第 2 行：有差异，未更新 C0001 上海恒达润滑油股份有限公司" in out
        and "第 3 行：有差异，未更新 C0002 杭州顺丰机械制造股份有限公司" in out
    )
    assert (
        "工作表 客户名单，单元格 A2（客户编号）：c0001 是客户 C0001 的编号，只是大小写或全角半角不同：按 C0001 读取"
        in out
    )
    assert (
        "工作表 客户名单，单元格 A3（客户编号）：Ｃ0002 是客户 C0002 的编号，只是大小写或全角半角不同：按 C0002 读取"
        in out
    )
    assert main(["customers", "import", str(source), "--into", str(master), "--update"]) == 0
    customers = load_master(master).customers
    assert customers["customer_id"].tolist() == ["C0001", "C0002", "C0003", "C0004", "C0005", "C0006"]
    assert customers.set_index("customer_id").loc[["C0001", "C0002"], "name"].tolist() == [r[1] for r in rows]
    assert main(["master", "check", str(master)]) == 0


def test_a_row_like_an_archive_customer_is_held_naming_that_customer(tmp_path: Path, master: Path, capsys) -> None:
    """A list row giving C0001 with another name does not make C0001 "a row of this list" for the rows below it."""
    assert main(["customers", "import", str(messy_xlsx(tmp_path / "a.xlsx")), "--into", str(master)]) == 0
    rows = [["C0001", "另一个名字", "13800000006"], ["", "上海恒达润滑油有限公司", "13812345678"]]
    capsys.readouterr()
    assert main(["customers", "import", str(_list_with_ids(tmp_path / "b.xlsx", rows)), "--into", str(master)]) == 0
    out = capsys.readouterr().out
    assert "第 3 行：疑似重复，暂缓 上海恒达润滑油有限公司：疑似与客户 C0001 上海恒达润滑油有限公司 重复" in out
    assert "本名单第" not in out


def test_a_list_id_saying_none_gets_the_next_id(tmp_path: Path, master: Path, capsys) -> None:
    """- or 无 in a list's 客户编号 column is no id: the row gets the next id of the pattern, as a blank one does."""
    rows = [["-", "苏州金达汽修厂", "13912345678"], ["无", "常州百盛商贸有限公司", "13912345679"]]
    assert main(["customers", "import", str(_list_with_ids(tmp_path / "b.xlsx", rows)), "--into", str(master)]) == 0
    assert load_master(master).customers["customer_id"].tolist() == ["C0001", "C0002"]


def test_a_list_cell_of_invisible_characters_only_is_blank(tmp_path: Path, master: Path, capsys) -> None:
    """An id holding only a zero-width space (a BOM, a word joiner) is blank: the row gets the next id, as a blank
    id does; a name holding only one is a blank name, its row refused. Found by a security trial: the row was
    imported under an empty id, and the master opened no more, not even for --undo."""
    source = tmp_path / "b.csv"
    rows = [
        "\u200b,甲贸易有限公司,华东,杭州,张三",
        "\ufeff\u2060,乙商贸有限公司,华东,杭州,张三",
        ",\u200b,华东,杭州,张三",
    ]
    source.write_text("\n".join(["Customer ID,Customer Name,Region,City,Sales Rep", *rows]), encoding="utf-8")
    assert main(["--lang", "en", "customers", "import", str(source), "--into", str(master)]) == 0
    assert "line 4: refused: line 4, column Customer Name: the customer name is blank" in capsys.readouterr().out
    customers = load_master(master).customers
    assert customers[["customer_id", "name"]].values.tolist() == [
        ["C0001", "甲贸易有限公司"],
        ["C0002", "乙商贸有限公司"],
    ]
    assert main(["customers", "import", str(source), "--into", str(master), "--undo"]) == 0
    assert load_master(master).customers.empty


@pytest.mark.parametrize("dry_run", [True, False])
def test_a_report_leading_to_the_master_or_the_list_is_refused_before_any_work(
    tmp_path: Path, master: Path, capsys, dry_run: bool
) -> None:
    source = messy_csv(tmp_path / "list.csv", "utf-8")
    link = tmp_path / "shortcut.xlsx"
    link.symlink_to(master)
    before, listed = master.read_bytes(), source.read_bytes()
    for report, named in ((master, "the master"), (link, "the master"), (source, "the input")):
        args = ["--lang", "en", "customers", "import", str(source), "--into", str(master), "--report", str(report)]
        assert main([*args, *(["--dry-run"] if dry_run else [])]) == 2
        assert f"{report} leads to {named} " in capsys.readouterr().err
        assert master.read_bytes() == before and source.read_bytes() == listed
        assert not backup_path(master).exists()
    # The ribbon names its report after the list, in reports/ or the folder --out gives: the master may be there.
    named_so = tmp_path / "list-import-report.xlsx"
    master.rename(named_so)
    args = ["--lang", "en", "run", "import_customers", "--book", str(named_so), "--input", str(source)]
    assert main([*args, "--out", str(tmp_path)]) == 2
    assert "a report is never written over the master" in capsys.readouterr().err
    assert named_so.read_bytes() == before


def test_two_mobiles_sharing_their_last_8_digits_are_two_customers_a_landline_by_8(
    tmp_path: Path, master: Path, capsys
) -> None:
    """13512345678 and 13812345678 are two companies' phones (a mobile compares in full, +86 or not); a landline
    with its area code written is the one without it (its last 8 digits)."""
    rows = [
        ["", "苏州金达汽修厂", "13512345678"],
        ["", "常州百盛商贸有限公司", "13812345678"],
        ["", "无锡恒通电器有限公司", "+86 138 1234 5678"],
        ["", "南京宏图物流有限公司", "025-84001234"],
        ["", "镇江顺达五金有限公司", "84001234"],
    ]
    assert main(["customers", "import", str(_list_with_ids(tmp_path / "b.xlsx", rows)), "--into", str(master)]) == 0
    out = capsys.readouterr().out
    assert load_master(master).customers["name"].tolist() == [
        "苏州金达汽修厂",
        "常州百盛商贸有限公司",
        "南京宏图物流有限公司",
    ]
    assert "第 4 行：疑似重复，暂缓 无锡恒通电器有限公司：疑似与本名单第 3 行重复（C0002 常州百盛商贸有限公司" in out
    assert "第 6 行：疑似重复，暂缓 镇江顺达五金有限公司：疑似与本名单第 5 行重复（C0003 南京宏图物流有限公司" in out


def _city_list(path: Path, rows: list[list[object]]) -> Path:
    """A list with its own 客户编号 column: id, name, city, phone."""
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("客户名单")
    sheet.write_row(0, 0, ["客户编号", "客户名称", "城市", "联系电话"])
    for i, row in enumerate(rows):
        sheet.write_row(1 + i, 0, row)
    book.close()
    return path


def test_landlines_with_other_area_codes_are_other_phones_a_bare_local_number_matches_in_its_city(
    tmp_path: Path, master: Path, capsys
) -> None:
    """021-71696434 (Shanghai) is not 010-71696434 (Beijing), nor 0514-87001111 (Yangzhou) 0574-87001111 (Ningbo):
    before, their last 8 digits made every such row a probable duplicate, held with no way to import it. A local
    number written without its area code still matches one with it, a weaker sign (score 80), in the same city
    only; +86 21 … is 021 …."""
    first = [["C0001", "北京万隆汽车服务中心", "北京", "010-71696434"]]
    assert main(["customers", "import", str(_city_list(tmp_path / "a.xlsx", first)), "--into", str(master)]) == 0
    rows = [
        ["X5000", "上海某某科技有限公司", "上海", "021-71696434"],
        ["", "宁波海联贸易有限公司", "宁波", "0574-87001111"],
        ["", "扬州鑫源机械有限公司", "扬州", "0514-87001111"],
        ["", "北京华通商贸有限公司", "北京市", "7169 6434"],
        ["", "杭州江南包装有限公司", "杭州", "87001111"],
        ["", "无锡恒通电器有限公司", "无锡", "+86 21 7169 6434"],
    ]
    capsys.readouterr()
    assert main(["customers", "import", str(_city_list(tmp_path / "b.xlsx", rows)), "--into", str(master)]) == 0
    out = capsys.readouterr().out
    assert load_master(master).customers["name"].tolist() == [
        "北京万隆汽车服务中心",
        "上海某某科技有限公司",
        "宁波海联贸易有限公司",
        "扬州鑫源机械有限公司",
        "杭州江南包装有限公司",
    ]
    assert (
        "第 5 行：疑似重复，暂缓 北京华通商贸有限公司：疑似与客户 C0001 北京万隆汽车服务中心 重复（电话，相似度 80）"
        in out
    )
    assert (
        "第 7 行：疑似重复，暂缓 无锡恒通电器有限公司：疑似与本名单第 2 行重复"
        "（X5000 上海某某科技有限公司；电话，相似度 95）" in out
    )
    capsys.readouterr()
    assert main(["master", "check", str(master)]) == 0
    assert "疑似" not in capsys.readouterr().out


def test_phones_as_the_duplicate_check_compares_them() -> None:
    """A mobile whole (+86, 0086, a leading 0 and separators dropped); a landline by area code and local number;
    one without its area code by its local number, in the same city (or where a city is not known) only."""
    index = CustomerIndex(
        pd.DataFrame(
            {
                "customer_id": ["C0001", "C0002", "C0003"],
                "name": ["甲公司", "乙公司", "丙公司"],
                "city": ["北京", "上海", None],
                "phone": ["010-71696434", "13812345678", "0755-8888 6666 转 801"],
            }
        ).assign(rep=None, address=None, tax_id=None)
    )

    def found(phone: str, city: str | None = None) -> tuple[str, float] | None:
        match = index.find(name="全新的名字", phone=phone, city=city)
        return None if match is None else (match.customer_id, match.score)

    assert found("(010) 7169-6434") == ("C0001", 95.0)
    assert found("+86 10 71696434") == ("C0001", 95.0)
    assert found("021-71696434") is None
    assert found("71696434", "北京") == ("C0001", 80.0)
    assert found("71696434", "上海") is None
    assert found("71696434") == ("C0001", 80.0)
    assert found("0086 138-1234-5678") == ("C0002", 95.0)
    assert found("013812345678") == ("C0002", 95.0)
    assert found("13512345678") is None
    assert found("0755-88886666") == ("C0003", 95.0)  # an extension is not part of the number
    assert found("0769-88886666") is None


def test_a_phone_written_out_with_a_decimal_zero_is_the_number(tmp_path: Path, capsys) -> None:
    """13812345678.0 is what a CSV or an ERP export makes of a number cell: the duplicate check reads it as
    13812345678 (.0 and .00 only, after digits only); a third zero, and 138.1234, are no such number."""
    index = CustomerIndex(
        pd.DataFrame(
            {
                "customer_id": ["C0001", "C0002"],
                "name": ["甲公司", "乙公司"],
                "phone": ["13812345678.0", "057188886666.00"],
            }
        ).assign(city=None, rep=None, address=None, tax_id=None)
    )

    def found(phone: object) -> tuple[str, float] | None:
        match = index.find(name="全新的名字", phone=phone)
        return None if match is None else (match.customer_id, match.score)

    assert found("138-1234-5678") == ("C0001", 95.0)
    assert found(13812345678.0) == ("C0001", 95.0)  # a phone column read as floats
    assert found("13812345678.00") == ("C0001", 95.0)
    assert found("0571-88886666") == ("C0002", 95.0)
    assert found("13812345678.000") is None
    assert found("138.1234") is None

    master = Master.empty()
    master.customers = pd.DataFrame(
        {
            "customer_id": ["C0001", "C0002"],
            "name": ["上海恒达润滑油有限公司", "杭州顺丰机械制造有限公司"],
            "phone": ["13812345678.0", "13812345678"],
        }
    ).reindex(columns=master.customers.columns)
    path = save_master(master, tmp_path / "m.xlsx")
    assert main(["master", "check", str(path)]) == 0
    assert (
        "C0002 杭州顺丰机械制造有限公司 疑似与 C0001 上海恒达润滑油有限公司 重复（电话，相似度 95）"
        in capsys.readouterr().out
    )


def test_an_update_under_an_id_that_is_another_companys_is_held_naming_both(
    tmp_path: Path, master: Path, capsys
) -> None:
    """An old system's ids that happen to be the master's: C0002 with 成都九鼎矿业's name, city and phone replaced
    昆明滇池精工 whole, reported as an update. Now held, naming the row, both names and both cities, nothing of it
    applied; a name of the same company (a legal suffix more) is still an update."""
    first = [
        ["C0001", "上海恒达润滑油有限公司", "上海", "021-64001234"],
        ["C0002", "昆明滇池精工有限公司", "昆明", "0871-65001111"],
    ]
    assert main(["customers", "import", str(_city_list(tmp_path / "a.xlsx", first)), "--into", str(master)]) == 0
    rows = [
        ["C0001", "上海恒达润滑油股份有限公司", "上海", "021-64001235"],
        ["C0002", "成都九鼎矿业股份有限公司", "成都", "028-54619887"],
    ]
    source = _city_list(tmp_path / "b.xlsx", rows)
    for update in ([], ["--update"]):
        capsys.readouterr()
        assert main(["customers", "import", str(source), "--into", str(master), "--dry-run", *update]) == 0
        out = capsys.readouterr().out
        assert (
            "第 3 行：编号对应另一客户，暂缓 C0002 成都九鼎矿业股份有限公司：名单中编号 C0002 的名称是 "
            "成都九鼎矿业股份有限公司（城市 成都），总表中 C0002 是 昆明滇池精工有限公司（城市 昆明），"
            "不像同一家公司：未更新" in out
        )
    assert "第 2 行：已更新 C0001 上海恒达润滑油股份有限公司" in out
    assert main(["customers", "import", str(source), "--into", str(master), "--update"]) == 0
    customers = load_master(master).customers.set_index("customer_id")
    assert customers.loc["C0001", "name"] == "上海恒达润滑油股份有限公司"
    assert customers.loc["C0002", ["name", "city", "phone"]].tolist() == [
        "昆明滇池精工有限公司",
        "昆明",
        "0871-65001111",
    ]


def test_a_new_customers_id_is_stored_as_the_pattern_spells_it_and_the_next_id_follows_it(
    tmp_path: Path, master: Path, capsys
) -> None:
    """c0001 and Ｃ0004 in a list are stored C0001 and C0004 (warned, naming the cell); a blank id then gets C0005,
    never a second C0004, and a later card's blank id C0006."""
    rows = [
        ["c0001", "苏州金达汽修厂", "13912345678"],
        ["Ｃ0004", "常州百盛商贸有限公司", "13912345679"],
        ["", "无锡恒通电器有限公司", "13912345680"],
    ]
    assert main(["customers", "import", str(_list_with_ids(tmp_path / "b.xlsx", rows)), "--into", str(master)]) == 0
    out = capsys.readouterr().out
    assert load_master(master).customers["customer_id"].tolist() == ["C0001", "C0004", "C0005"]
    assert "工作表 客户名单，单元格 A2（客户编号）：c0001 存为 C0001（按设置中的编号格式 C{0000}）" in out
    assert "工作表 客户名单，单元格 A3（客户编号）：Ｃ0004 存为 C0004（全角或形近字符已改为普通字符）" in out
    card = fill_form(
        blank_form("customer_card"), header={"rep": "张三", "customer_id": "", "name": "南通华美纺织有限公司"}
    )
    (tmp_path / "inbox").mkdir()
    (tmp_path / "inbox" / "card.xlsx").write_bytes(card)
    consolidate(tmp_path / "inbox", master, now="2026-11-25 18:00:00")
    assert load_master(master).customers["customer_id"].tolist() == ["C0001", "C0004", "C0005", "C0006"]
    assert main(["master", "check", str(master)]) == 0


def test_the_next_id_counts_archive_ids_in_any_case_or_width(tmp_path: Path, capsys) -> None:
    """An archive holding Ｃ0004 and c0005 (as an older import stored them) gives a blank-id row C0006, not C0004."""
    m = Master.empty()
    m.customers = pd.DataFrame({"customer_id": ["C0003", "Ｃ0004", "c0005"], "name": ["甲公司", "乙公司", "丙公司"]})
    path = save_master(m, tmp_path / "master.xlsx", backup=False)
    rows = [["", "苏州金达汽修厂", "13912345678"]]
    assert main(["customers", "import", str(_list_with_ids(tmp_path / "b.xlsx", rows)), "--into", str(path)]) == 0
    assert load_master(path).customers["customer_id"].tolist() == ["C0003", "Ｃ0004", "c0005", "C0006"]


@pytest.mark.parametrize(
    ("lang", "said"),
    [
        (
            "zh",
            "工作表 客户名单，单元格 A3（客户编号）：Ｃ0004 与第 2 行的编号 c0004"
            "（工作表 客户名单，单元格 A2（客户编号））只是大小写或全角半角不同，算同一个编号："
            "请给其中一行另编一个编号，或把编号留空以分配新编号",
        ),
        (
            "en",
            "sheet 客户名单, cell A3 (客户编号): Ｃ0004 is the id c0004 of row 2 "
            "(sheet 客户名单, cell A2 (客户编号)), ids differing only in case or width being one: "
            "give one of the two rows another id, or leave its id blank for a new one",
        ),
    ],
)
def test_an_id_given_twice_in_another_width_names_both_cells_and_what_to_do(
    tmp_path: Path, master: Path, capsys, lang: str, said: str
) -> None:
    rows = [["c0004", "苏州金达汽修厂", "13912345678"], ["Ｃ0004", "常州百盛商贸有限公司", "13912345679"]]
    source, report = _list_with_ids(tmp_path / "b.xlsx", rows), tmp_path / "r.xlsx"
    args = ["--lang", lang, "customers", "import", str(source), "--into", str(master), "--report", str(report)]
    assert main(args) == 0
    assert said in capsys.readouterr().out
    assert load_master(master).customers["customer_id"].tolist() == ["C0004"]
    if lang == "zh":  # the report's rows name both id cells
        assert [r[4] for r in _report_rows(report) if r[0] == 3] == ["A2 A3"]


def test_a_changed_credit_limit_is_listed_as_money(tmp_path: Path, master: Path, capsys) -> None:
    assert main(["customers", "import", str(messy_xlsx(tmp_path / "a.xlsx")), "--into", str(master)]) == 0
    for name, limit in (("b.xlsx", 12_345.5), ("c.xlsx", 200_000)):
        book = xlsxwriter.Workbook(str(tmp_path / name))
        sheet = book.add_worksheet()
        sheet.write_row(0, 0, ["客户编号", "客户名称", "信用额度"])
        sheet.write_row(1, 0, ["C0001", "上海恒达润滑油有限公司", limit])
        book.close()
        capsys.readouterr()
        assert main(["customers", "import", str(tmp_path / name), "--into", str(master), "--update"]) == 0
        printed = capsys.readouterr().out
    # the second list's change, as finance reads an amount: not "12345.5 → 200000"
    assert "    信用额度：12,345.50 → 200,000" in printed.splitlines()


def test_undo_names_a_cell_of_an_imported_customer_changed_by_hand_since(tmp_path: Path, master: Path, capsys) -> None:
    # The undo removes the customers the list added: a phone a person typed over in one of them went with the row
    # unsaid. It is named first, with what the list wrote; the cells of the other customers, as the list wrote them
    # (typed three ways, trimmed, dates parsed), are not.
    source = messy_xlsx(tmp_path / "a.xlsx")
    assert main(["customers", "import", str(source), "--into", str(master)]) == 0
    assert main(["customers", "import", str(source), "--into", str(master), "--undo", "--dry-run"]) == 0
    assert "添加该行后" not in capsys.readouterr().out
    edited = openpyxl.load_workbook(master)
    sheet = edited[CUSTOMERS.sheet_zh]
    headers = [c.value for c in sheet[1]]
    [found] = [r for r in sheet.iter_rows(min_row=2) if r[0].value == "C0001"]
    found[headers.index(CUSTOMERS.column("phone").zh)].value = "021-64009999"
    edited.save(master)
    assert main(["customers", "import", str(source), "--into", str(master), "--undo"]) == 0
    lines = [line for line in capsys.readouterr().out.splitlines() if "添加该行后" in line]
    assert lines == [
        "  客户档案 C0001：电话 在该文件添加该行后被改过（现为 021-64009999，该文件写入的是 13812345678）："
        "随该行一起删除"
    ]
    assert load_master(master).customers.empty


def _phone_list(path: Path, phone: str) -> Path:
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet()
    sheet.write_row(0, 0, ["客户编号", "客户名称", "联系电话"])
    sheet.write_row(1, 0, ["C0001", "上海恒达润滑油有限公司", phone])
    book.close()
    return path


def test_undoing_an_import_whose_change_a_later_import_changed_again_is_refused(
    tmp_path: Path, master: Path, capsys
) -> None:
    """An import updates a person's row without taking it as its own, so the row's provenance cannot tell that a
    later import changed it again: the history can. Before, undoing the first import went ahead (calling the later
    import's value typed by hand), the later one's undo then put back the first import's value, and the phone
    before both was in no sheet any more."""
    assert main(["customers", "import", str(messy_xlsx(tmp_path / "a.xlsx")), "--into", str(master)]) == 0
    original = load_master(master).customers.set_index("customer_id").loc["C0001", "phone"]
    first, second = _phone_list(tmp_path / "l1.xlsx", "021-11111111"), _phone_list(tmp_path / "l2.xlsx", "021-22222222")
    for imported in (first, second):
        assert main(["customers", "import", str(imported), "--into", str(master), "--update"]) == 0
    capsys.readouterr()
    assert main(["customers", "import", str(first), "--into", str(master), "--undo"]) != 0
    assert "l2.xlsx" in capsys.readouterr().err
    for undone in (second, first):
        assert main(["customers", "import", str(undone), "--into", str(master), "--undo"]) == 0
    assert load_master(master).customers.set_index("customer_id").loc["C0001", "phone"] == original


def test_an_undo_whose_every_cell_was_retyped_by_hand_restores_no_row_and_says_what_it_kept(
    tmp_path: Path, master: Path, capsys
) -> None:
    """An update whose only cell a person retyped since is kept whole: the undo says 0 restored and names the cell
    kept, not "1 restored" with nothing put back."""
    assert main(["customers", "import", str(messy_xlsx(tmp_path / "a.xlsx")), "--into", str(master)]) == 0
    imported = _phone_list(tmp_path / "l1.xlsx", "021-11111111")
    assert main(["customers", "import", str(imported), "--into", str(master), "--update"]) == 0
    edited = openpyxl.load_workbook(master)
    sheet = edited[CUSTOMERS.sheet_zh]
    headers = [c.value for c in sheet[1]]
    [row] = [r for r in sheet.iter_rows(min_row=2) if r[0].value == "C0001"]
    row[headers.index(CUSTOMERS.column("phone").zh)].value = "021-33333333"
    edited.save(master)
    capsys.readouterr()
    assert main(["customers", "import", str(imported), "--into", str(master), "--undo"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].endswith("恢复 0 行") and not any("恢复为原来的值" in line for line in out)
    assert any("021-33333333" in line for line in out)
    assert load_master(master).customers.set_index("customer_id").loc["C0001", "phone"] == "021-33333333"


def test_an_import_into_a_master_with_an_id_typed_twice_is_refused_naming_it(
    tmp_path: Path, master: Path, capsys
) -> None:
    """Which of two C0001 rows would the list's values go to? The import compared one and wrote the other, and
    reported a name change it never made; it is refused as every writer needing one row per customer is."""
    assert main(["customers", "import", str(messy_xlsx(tmp_path / "a.xlsx")), "--into", str(master)]) == 0
    book = openpyxl.load_workbook(master)
    sheet = book[CUSTOMERS.sheet_zh]
    [table] = sheet.tables.values()
    last = sheet.max_row
    for column in range(1, sheet.max_column + 1):
        sheet.cell(last + 1, column).value = sheet.cell(2, column).value
    sheet.cell(last + 1, 2).value = "上海恒达润滑油有限公司（重复录入）"
    table.ref = f"{table.ref.split(':')[0]}:{openpyxl.utils.get_column_letter(sheet.max_column)}{last + 1}"
    book.save(master)
    before = master.read_bytes()
    capsys.readouterr()
    imported = _phone_list(tmp_path / "l1.xlsx", "021-11111111")
    assert main(["customers", "import", str(imported), "--into", str(master), "--update"]) != 0
    assert "C0001" in capsys.readouterr().err
    assert master.read_bytes() == before


def _numbers_list(path: Path) -> Path:
    """A list whose number cells are typed as words, or hold an Excel TRUE: days, a count, an amount."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "客户名单"
    sheet.append(["客户名称", "联系电话", "账期天数", "员工人数", "信用额度"])
    sheet.append(["长治上党化工有限公司", "0355-3001111", "三十", None, None])
    sheet.append(["临汾尧都机械有限公司", "0357-5001111", True, None, None])
    sheet.append(["晋城泽州机械有限公司", "0356-5001111", None, "十二", None])
    sheet.append(["运城盐湖化工有限公司", "0359-5001111", None, None, "五万"])
    book.save(path)
    return path


@pytest.mark.parametrize(
    ("lang", "said"),
    [
        (
            "zh",
            [
                "单元格 C2（账期天数）：'三十' 不是整数",
                "单元格 C3（账期天数）：TRUE 不是整数",
                "单元格 D4（员工人数）：'十二' 不是整数",
                "单元格 E5（信用额度）：'五万' 不是金额",
            ],
        ),
        (
            "en",
            [
                "cell C2 (账期天数): '三十' is not a whole number",
                "cell C3 (账期天数): TRUE is not a whole number",
                "cell D4 (员工人数): '十二' is not a whole number",
                "cell E5 (信用额度): '五万' is not an amount",
            ],
        ),
    ],
)
def test_a_number_cell_that_is_not_one_is_named_by_its_columns_kind(
    tmp_path: Path, master: Path, capsys, lang: str, said: list[str]
) -> None:
    """Days and a head count are whole numbers, not amounts; an Excel TRUE is quoted as the sheet shows it."""
    source, report = _numbers_list(tmp_path / "list.xlsx"), tmp_path / "r.xlsx"
    args = ["--lang", lang, "customers", "import", str(source), "--into", str(master), "--report", str(report)]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert all(s in out for s in said), out
    assert "True" not in out and ("不是金额" not in out.replace("'五万' 不是金额", ""))
    if lang == "zh":  # the report's rows say it in the same words
        reasons = " ".join(str(r[5]) for r in _report_rows(report))
        assert "TRUE 不是整数" in reasons and "True" not in reasons


@pytest.mark.parametrize(
    ("lang", "said"),
    [
        (
            "zh",
            "工作表 客户名单，单元格 A3（客户编号）：编号 X1 已由第 2 行使用"
            "（工作表 客户名单，单元格 A2（客户编号））：请给其中一行另编一个编号，或把编号留空以分配新编号",
        ),
        (
            "en",
            "sheet 客户名单, cell A3 (客户编号): the id X1 is already row 2's (sheet 客户名单, cell A2 (客户编号)): "
            "give one of the two rows another id, or leave its id blank for a new one",
        ),
    ],
)
def test_an_id_given_twice_as_typed_is_named_a_duplicate(
    tmp_path: Path, master: Path, capsys, lang: str, said: str
) -> None:
    """Two rows typing X1 use one id twice: no case or width differs, and the message says no such thing."""
    rows = [["X1", "甲有限公司", "0351-1111111"], ["X1", "乙有限公司", "0351-2222222"]]
    source = _list_with_ids(tmp_path / "b.xlsx", rows)
    assert main(["--lang", lang, "customers", "import", str(source), "--into", str(master)]) == 0
    out = capsys.readouterr().out
    assert said in out, out
    assert "大小写" not in out and "case or width" not in out
