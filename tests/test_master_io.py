"""The master workbook: round trips, aliases, atomic saves, locks and clear errors, with real readers."""

from __future__ import annotations

import datetime as dt
import os
import zipfile
from dataclasses import replace
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
import python_calamine as calamine
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.table import TableColumn

from keyacct_xl import InputError, Master, MasterLockedError, load_master, save_master
from keyacct_xl.cli.main import main
from keyacct_xl.master import tablememo
from keyacct_xl.master.schema import CUSTOMERS, DATA_TABLES


def small_master(lang: str = "zh") -> Master:
    """Three customers, a few sales lines and payments: enough to see every column kind."""
    master = Master.empty(lang=lang)
    master.customers = pd.DataFrame(
        {
            "customer_id": ["C001", "C002", "C003"],
            "name": ["上海华东五金有限公司", "广州南方塑胶厂", '=HYPERLINK("http://x","click")'],
            "region": ["华东", "华南", None],
            "credit_limit": [500000.0, 120000.5, None],
            "payment_terms_days": pd.array([30, 60, None], dtype="Int64"),
            "first_trade_date": pd.to_datetime(["2021-03-05", "2025-12-31", None]),
            "phone": ["13800138000", "020-88886666", "+86 21 5555"],
            "notes": ["  leading spaces", "line1\nline2", "@SUM(A1)"],
        }
    )
    master.transactions = pd.DataFrame(
        {
            "doc_no": ["XS001", "XS001", "TH001"],
            "date": pd.to_datetime(["2026-10-01", "2026-10-01", "2026-10-15"]),
            "customer_id": ["C001", "C001", "C002"],
            "product": ["46#抗磨液压油 200L", "黄油 15kg", "退货"],
            "qty": [2.0, 1.5, -1.0],
            "amount": [3700.0, 412.25, -1850.0],
        }
    )
    master.payments = pd.DataFrame(
        {
            "receipt_no": ["SK001"],
            "date": pd.to_datetime(["2026-10-20"]),
            "customer_id": ["C001"],
            "amount": [3700.0],
            "method": ["银行转账"],
            "reference": ["XS001"],
        }
    )
    return master


def plain(frame: pd.DataFrame) -> list[list[object]]:
    """Rows as Python values with None for every kind of blank, so dtype conventions don't matter."""
    return frame.astype(object).where(frame.notna(), None).to_numpy().tolist()


def parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def test_round_trip_keeps_every_value(tmp_path: Path) -> None:
    path = save_master(small_master(), tmp_path / "master.xlsx")
    loaded = load_master(path)
    original = small_master()
    for name in ("customers", "transactions", "payments"):
        want = getattr(original, name)
        assert plain(getattr(loaded, name)[want.columns]) == plain(want), name
    assert loaded.customers["first_trade_date"].dtype.kind == "M"
    assert loaded.customers["credit_limit"].dtype == "float64"
    assert loaded.settings.company_name == ""  # a new master names no company until its user does
    assert loaded.settings.ageing_buckets == (30, 60, 90, 180)
    assert loaded.lang == "zh"


def test_saved_file_is_readable_by_others_like_any_new_file(tmp_path: Path) -> None:
    import os

    path = save_master(small_master(), tmp_path / "master.xlsx")
    umask = os.umask(0)
    os.umask(umask)
    assert path.stat().st_mode & 0o777 == 0o666 & ~umask
    path.chmod(0o640)
    save_master(load_master(path))
    assert path.stat().st_mode & 0o777 == 0o640


def test_same_data_same_bytes(tmp_path: Path) -> None:
    first = save_master(small_master(), tmp_path / "a.xlsx")
    second = save_master(small_master(), tmp_path / "b.xlsx")
    assert first.read_bytes() == second.read_bytes()


def test_independent_readers_see_values_and_text_never_formulas(tmp_path: Path) -> None:
    path = save_master(small_master(), tmp_path / "master.xlsx")
    book = openpyxl.load_workbook(path)
    sheet = book["客户档案"]
    assert sheet.freeze_panes == "A2"
    last = get_column_letter(len(CUSTOMERS.columns))  # the notes column, the table's last
    assert sheet.tables["Customers"].ref == f"A1:{last}4"
    injected = sheet["B4"]
    assert injected.data_type == "s" and injected.value == '=HYPERLINK("http://x","click")'
    assert sheet[f"{last}4"].data_type == "s" and sheet[f"{last}4"].value == "@SUM(A1)"
    limit_col = CUSTOMERS.keys.index("credit_limit") + 1
    assert sheet.cell(2, limit_col).number_format == '"¥"#,##0.00'
    date_col = CUSTOMERS.keys.index("first_trade_date") + 1
    assert sheet.cell(2, date_col).number_format == "yyyy-mm-dd"
    cal = calamine.CalamineWorkbook.from_path(str(path), load_tables=True)
    rows = cal.get_table_by_name("Transactions").to_python()
    assert rows[1][7] == pytest.approx(412.25)


def test_libreoffice_opens_the_master(tmp_path: Path, libreoffice) -> None:
    path = save_master(small_master(lang="en"), tmp_path / "master.xlsx")
    csv = libreoffice(path, "csv")
    text = csv.read_text(encoding="utf-8", errors="replace")
    assert "Customer ID" in text and "C002" in text


def _user_edits(path: Path) -> None:
    """What a user does in Excel: add a sheet with a formula, and a column of their own to a table."""
    book = openpyxl.load_workbook(path)
    extra = book.create_sheet("我的分析")
    extra["A1"], extra["A2"] = "合计", "=SUM(1,2)"
    book.save(path)


def test_user_sheet_and_untouched_parts_survive_a_save(tmp_path: Path) -> None:
    path = save_master(small_master(), tmp_path / "master.xlsx")
    _user_edits(path)
    before = parts(path)
    master = load_master(path)
    master.visits = pd.DataFrame(
        {"date": pd.to_datetime(["2026-11-02"]), "customer_id": ["C001"], "rep": ["王伟"], "content": ["送样"]}
    )
    save_master(master, tables=["Visits"])
    after = parts(path)
    changed = {name for name in before if before[name] != after.get(name)}
    visits_sheet = "xl/worksheets/sheet5.xml"
    assert changed <= {visits_sheet, "xl/tables/table5.xml", "xl/styles.xml"}, changed
    assert visits_sheet in changed
    book = openpyxl.load_workbook(path)
    assert book["我的分析"]["A2"].value == "=SUM(1,2)"
    assert load_master(path).visits["content"].tolist() == ["送样"]
    assert (tmp_path / "master.bak.xlsx").read_bytes() != path.read_bytes()


def test_extra_user_column_is_kept(tmp_path: Path) -> None:
    path = save_master(small_master(), tmp_path / "master.xlsx")
    master = load_master(path)
    master.customers["我的标记"] = ["重点", None, "观察"]
    save_master(master)
    again = load_master(path)
    assert again.customers["我的标记"].tolist() == ["重点", None, "观察"]
    save_master(again)
    assert load_master(path).customers.columns.tolist() == again.customers.columns.tolist()


def test_extra_column_named_like_a_read_column_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # "name" beside 客户名称 (whose key is name) used to replace the customers' names with its own values.
    path = save_master(small_master(), tmp_path / "master.xlsx")
    _rename_headers(path, "客户档案", {"简称": "name"})
    err = _one_line_error(["master", "check", str(path), "--lang", "en"], capsys)
    assert "sheet 客户档案, table Customers: column C (name) repeats the column name" in err


def _rename_headers(path: Path, sheet: str, renames: dict[str, str]) -> None:
    book = openpyxl.load_workbook(path)
    ws = book[sheet]
    table = next(iter(ws.tables.values()))
    for cell in ws[1]:
        if cell.value in renames:
            cell.value = renames[cell.value]
    for col in table.tableColumns:
        col.name = renames.get(col.name, col.name)
    book.save(path)


@pytest.mark.parametrize(
    "lang, renames",
    [
        ("zh", {"客户编号": "客户代码", "客户名称": "单位名称", "信用额度": "授信额度"}),
        ("en", {"Customer ID": "Customer Code", "Customer Name": "Company", "Credit Limit": "credit_limit"}),
    ],
)
def test_alias_headers_load(tmp_path: Path, lang: str, renames: dict[str, str]) -> None:
    path = save_master(small_master(lang), tmp_path / "master.xlsx")
    _rename_headers(path, CUSTOMERS.sheet(lang), renames)
    loaded = load_master(path)
    assert loaded.customers["customer_id"].tolist() == ["C001", "C002", "C003"]
    assert loaded.customers["credit_limit"].tolist()[:2] == [500000.0, 120000.5]
    save_master(loaded)  # the user's header spelling is written back, not replaced by ours
    assert openpyxl.load_workbook(path)[CUSTOMERS.sheet(lang)]["A1"].value == next(iter(renames.values()))


class Exploding:
    """A value whose text cannot be produced: the write fails in the middle of a sheet."""

    def __str__(self) -> str:
        raise RuntimeError("disk pulled out")


def test_interrupted_save_leaves_previous_master_intact(tmp_path: Path) -> None:
    path = save_master(small_master(), tmp_path / "master.xlsx")
    before = path.read_bytes()
    master = load_master(path)
    master.visits = pd.DataFrame(
        {
            "date": pd.to_datetime(["2026-11-02"] * 3),
            "customer_id": ["C001"] * 3,
            "content": ["ok", Exploding(), "never"],
        }
    )
    with pytest.raises(RuntimeError, match="disk pulled out"):
        save_master(master)
    assert path.read_bytes() == before
    # No temporary file is left; the writers' lock file stays (on POSIX) and is free.
    left = sorted(p.name for p in tmp_path.iterdir() if p.name != ".master.xlsx.lock")
    assert left in (["master.bak.xlsx", "master.xlsx"], ["master.xlsx"])
    assert len(load_master(path).customers) == 3


def test_open_in_excel_refuses_writes_but_reads(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = save_master(small_master(), tmp_path / "master.xlsx")
    (tmp_path / "~$master.xlsx").write_bytes(b"owner")
    with pytest.raises(MasterLockedError, match="open in Excel"):
        save_master(load_master(path))
    # A command that reads the master (that works) and then writes into it: the write is refused.
    assert main(["grade", str(path), "--year", "2026"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "~$master.xlsx" in err and "Traceback" not in err


def _one_line_error(args: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    assert main(args) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("keyacct-xl: ") and "\n" not in err and "Traceback" not in err
    return err


def test_clear_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "nope.xlsx"
    assert "file not found" in _one_line_error(["--lang", "en", "master", "check", str(missing)], capsys)
    text = tmp_path / "notes.xlsx"
    text.write_text("hello")
    assert "不是 .xlsx" in _one_line_error(["master", "check", str(text)], capsys)
    other = tmp_path / "other.xlsx"
    book = openpyxl.Workbook()
    book.active["A1"] = "just a sheet"
    book.save(other)
    err = _one_line_error(["master", "check", str(other), "--lang", "en"], capsys)
    # the sheets a master has, in the user's language: no table name (GradeHistory) a user never sees
    assert "missing sheet(s) Customers, Contacts, Transactions" in err and "Grade History" in err
    assert "GradeHistory" not in err
    assert "缺少工作表 客户档案、联系人" in _one_line_error(["master", "check", str(other)], capsys)
    with pytest.raises(InputError):
        load_master(other)


@pytest.mark.parametrize(
    "command",
    [
        ["master", "check", "{folder}"],
        ["grade", "{folder}", "--year", "2026"],
        ["customers", "import", "{folder}", "--into", "{master}"],
        ["reconcile", "{master}", "{folder}"],
        ["rfm", "{folder}"],
    ],
)
def test_a_folder_given_as_the_file_is_named_a_folder_in_the_runs_language(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], command: list[str]
) -> None:
    """``customers import`` and ``reconcile`` said 读取文件出错（IsADirectoryError: [Errno 21] Is a directory: …）,
    Python's English whatever the language; the other commands, that it is no .xlsx workbook (not a zip package)."""
    master = save_master(small_master(), tmp_path / "master.xlsx")
    folder = tmp_path / "list.xlsx"
    folder.mkdir()
    argv = [word.format(folder=folder, master=master) for word in command]
    assert _one_line_error(["--lang", "en", *argv], capsys) == f"keyacct-xl: {folder}: a folder, not a file"
    assert _one_line_error(argv, capsys) == f"keyacct-xl: {folder}：是文件夹，不是文件"


class _InterruptedReader:
    """fastexcel's reader as it answers a Ctrl-C that comes while it reads a table: a SystemError whose context is
    the KeyboardInterrupt (the signal handler raised inside its call)."""

    def __init__(self, data: bytes) -> None:
        pass

    def load_table(self, *args: object, **kwargs: object) -> None:
        try:
            raise KeyboardInterrupt
        except KeyboardInterrupt:
            # the context implicit, as the native call leaves it
            raise SystemError(  # noqa: B904
                "<method 'load_table' of 'builtins._ExcelReader' objects> returned a result with an exception set"
            )


def test_ctrl_c_while_the_master_is_read_stops_the_run_not_a_read_failure(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A Ctrl-C while the master was read was told as an unreadable master, exit 2: ``master.xlsx：无法读取表格
    Customers（<method 'load_table' …> returned a result with an exception set）``."""
    import fastexcel

    path = save_master(small_master(), tmp_path / "master.xlsx")
    tablememo.forget_tables()  # read from the workbook, as a new process does
    monkeypatch.setattr(fastexcel, "read_excel", _InterruptedReader)
    with pytest.raises(KeyboardInterrupt):
        load_master(path)
    assert main(["master", "check", str(path)]) == 130
    assert capsys.readouterr().err == "keyacct-xl: 已中断\n"


def test_ctrl_c_the_moment_a_saves_temporary_file_exists_leaves_none(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A Ctrl-C right as ``grade`` started saving left a 0-byte ``.master.xlsx.<hex>.tmp`` beside the master: the
    file was made before the write's clean-up was in force."""
    path = save_master(small_master(), tmp_path / "master.xlsx")
    before, master = path.read_bytes(), load_master(path)
    system_open = os.open

    def interrupted_open(file: str | os.PathLike[str], flags: int, *args: int, **kwargs: object) -> int:
        handle = system_open(file, flags, *args, **kwargs)  # type: ignore[arg-type]
        if str(file).endswith(".tmp"):
            os.close(handle)
            raise KeyboardInterrupt  # Ctrl-C the moment the system has made the file
        return handle

    monkeypatch.setattr(os, "open", interrupted_open)
    with pytest.raises(KeyboardInterrupt):
        save_master(master)
    monkeypatch.undo()
    assert sorted(p.name for p in tmp_path.iterdir() if p.name != ".master.xlsx.lock") == ["master.xlsx"]
    assert path.read_bytes() == before


def test_bad_cell_is_named(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = save_master(small_master(), tmp_path / "master.xlsx")
    book = openpyxl.load_workbook(path)
    book["销售明细"]["B3"] = "2026-13-45"
    book.save(path)
    err = _one_line_error(["master", "check", str(path), "--lang", "en"], capsys)
    assert "sheet 销售明细, cell B3" in err and "2026-13-45" in err


def test_master_new_never_empties_an_existing_master(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = save_master(small_master(), tmp_path / "master.xlsx")
    before = path.read_bytes()
    assert "already exists" in _one_line_error(["master", "new", str(path), "--lang", "en"], capsys)
    assert path.read_bytes() == before  # was rewritten with every table empty
    assert main(["master", "new", str(tmp_path / "new.xlsx")]) == 0
    assert len(load_master(tmp_path / "new.xlsx").customers) == 0
    out = capsys.readouterr().out.splitlines()
    # Where the master is, then the first step: the manager's own list, or cards from the reps.
    assert out[0] == f"已建立空白客户档案总表：{tmp_path / 'new.xlsx'}"
    assert out[1].startswith("下一步：用 keyacct-xl customers import 客户名单 --into ")


def test_debug_shows_traceback(tmp_path: Path) -> None:
    with pytest.raises(InputError):
        main(["master", "check", str(tmp_path / "nope.xlsx"), "--debug"])


def test_export_without_sensitive(tmp_path: Path) -> None:
    master = small_master()
    master.contacts = pd.DataFrame(
        {
            "contact_id": ["P1"],
            "customer_id": ["C001"],
            "name": ["李娜"],
            "health": ["高血压"],
            "hobbies": ["钓鱼"],
            "title": ["采购经理"],
        }
    )
    path = save_master(master, tmp_path / "master.xlsx")
    out = tmp_path / "export.xlsx"
    assert main(["master", "export", str(path), "--out", str(out), "--without-sensitive"]) == 0
    exported = load_master(out).contacts
    assert exported["title"].tolist() == ["采购经理"]
    assert exported["health"].isna().all() and exported["hobbies"].isna().all()
    assert load_master(path).contacts["health"].tolist() == ["高血压"]
    # Exporting onto the master itself would blank its sensitive columns in place.
    assert main(["master", "export", str(path), "--out", str(path), "--without-sensitive"]) == 2
    assert load_master(path).contacts["health"].tolist() == ["高血压"]


def test_every_table_has_its_stable_name(tmp_path: Path) -> None:
    path = save_master(Master.empty(lang="en"), tmp_path / "master.xlsx")
    cal = calamine.CalamineWorkbook.from_path(str(path), load_tables=True)
    assert set(cal.table_names) == {t.name for t in DATA_TABLES} | {"Settings"}


_TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=40)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(notes=st.lists(_TEXT, min_size=1, max_size=5))
def test_any_text_round_trips(tmp_path: Path, notes: list[str]) -> None:
    master = Master.empty()
    master.customers = pd.DataFrame({"customer_id": [f"C{i}" for i in range(len(notes))], "name": notes})
    path = save_master(master, tmp_path / "master.xlsx", backup=False)
    loaded = load_master(path).customers
    # A blank name is no value; everything else comes back exactly.
    expected = [n if n != "" else None for n in notes]
    got = loaded.set_index("customer_id").reindex(master.customers["customer_id"])["name"].tolist()
    assert got == expected


def test_user_cells_beside_and_below_a_table_survive_a_save(tmp_path: Path) -> None:
    path = save_master(small_master(), tmp_path / "master.xlsx")
    book = openpyxl.load_workbook(path)
    sheet = book["客户档案"]
    # Beside the table: one blank column after its last, then the user's own cells.
    width = len(CUSTOMERS.columns)
    beside, further = get_column_letter(width + 2), get_column_letter(width + 3)
    sheet[f"{further}2"], sheet["A40"], sheet[f"{beside}1"] = "核对人：王伟", "=SUM(1,2)", "备注列外"
    book.save(path)
    master = load_master(path)
    master.customers = pd.concat(
        [master.customers, master.customers.assign(customer_id=["C004", "C005", "C006"])], ignore_index=True
    )
    save_master(master, tables=["Customers"])
    sheet = openpyxl.load_workbook(path)["客户档案"]
    assert (sheet[f"{further}2"].value, sheet["A40"].value, sheet[f"{beside}1"].value) == (
        "核对人：王伟",
        "=SUM(1,2)",
        "备注列外",
    )
    assert sheet.tables["Customers"].ref == f"A1:{get_column_letter(width)}7"
    assert load_master(path).customers["customer_id"].tolist() == ["C001", "C002", "C003", "C004", "C005", "C006"]


def test_a_table_never_grows_over_a_users_cell(tmp_path: Path) -> None:
    path = save_master(small_master(), tmp_path / "master.xlsx")
    book = openpyxl.load_workbook(path)
    book["客户档案"]["B6"] = "不要覆盖我"
    book.save(path)
    before = path.read_bytes()
    master = load_master(path)
    master.customers = pd.concat([master.customers] * 3, ignore_index=True)
    with pytest.raises(InputError, match="B6"):
        save_master(master, tables=["Customers"])
    assert path.read_bytes() == before


def test_blank_key_value_is_named_by_its_cell(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = save_master(small_master(), tmp_path / "master.xlsx")
    book = openpyxl.load_workbook(path)
    book["销售明细"]["H3"] = None  # the second line's amount
    book.save(path)
    err = _one_line_error(["master", "check", str(path), "--lang", "en"], capsys)
    assert "sheet 销售明细, cell H3" in err and "required" in err


def test_export_keeps_the_users_sheets_unless_personal_data_is_left_out(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = save_master(small_master(), tmp_path / "master.xlsx")
    _user_edits(path)
    out = tmp_path / "export.xlsx"
    assert main(["master", "export", str(path), "--out", str(out)]) == 0
    assert openpyxl.load_workbook(out)["我的分析"]["A2"].value == "=SUM(1,2)"
    # Without personal data the export is a new workbook of the master's tables: nothing declares what the
    # user's own sheets hold, so they are left out, and named.
    capsys.readouterr()
    assert main(["master", "export", str(path), "--out", str(tmp_path / "private.xlsx"), "--without-sensitive"]) == 0
    assert "我的分析" in capsys.readouterr().out
    assert "我的分析" not in openpyxl.load_workbook(tmp_path / "private.xlsx").sheetnames


def test_unknown_table_and_odd_settings(tmp_path: Path) -> None:
    path = save_master(small_master(), tmp_path / "master.xlsx")
    master = load_master(path)
    with pytest.raises(InputError, match="unknown table"):
        save_master(master, tables=["transactions"])
    master.settings = replace(master.settings, company_name="NaN")
    save_master(master, tables=["Settings"])
    assert load_master(path).settings.company_name == "NaN"


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_header_of_a_new_master_shows_whole_beside_its_filter_button(tmp_path: Path, lang: str) -> None:
    """A column was as wide as its values, not its header: 应用序号 and Credit Before were cut under the filter
    button (the next header is never empty). Each column is at least as wide as its header, a Chinese character two
    columns, a fifth more for the fonts a reader substitutes, and two for the button."""
    path = save_master(Master.empty(lang=lang), tmp_path / "master.xlsx", backup=False)
    book = openpyxl.load_workbook(path)
    narrow = []
    for sheet in book.worksheets:
        # a run of columns of one width is one <col min max> element, kept under its first letter
        widths = {i: d.width for d in sheet.column_dimensions.values() for i in range(d.min, d.max + 1)}
        for cell in sheet[1]:
            if not isinstance(cell.value, str):
                continue
            needed = sum(2 if ord(ch) > 0x2E7F else 1 for ch in cell.value) * 1.2 + 2
            width = widths.get(cell.column, 0)
            if width < needed:
                narrow.append((sheet.title, cell.value, width))
    assert narrow == []


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_new_masters_tables_print_on_a4_with_their_header_on_every_page(tmp_path: Path, lang: str) -> None:
    """The master's sheets had no page setup: GradeHistory printed in four strips of columns, 应用序号 alone on the
    last, and no page repeated the header. Each table's sheet is A4, landscape when wider than a portrait page, one
    page wide unless wider than two landscape pages (Customers prints across pages rather than shrunk), the header
    row on every page and page x of y."""
    path = save_master(Master.empty(lang=lang), tmp_path / "master.xlsx", backup=False)
    book = openpyxl.load_workbook(path)
    names = {"zh": ("等级历史", "收款记录", "客户档案"), "en": ("Grade History", "Payments", "Customers")}[lang]
    history, payments, customers = (book[name] for name in names)
    for sheet in (history, payments, customers):
        assert sheet.page_setup.paperSize == 9 and sheet.print_title_rows == "$1:$1", sheet.title
        assert sheet.oddFooter.center.text == {"zh": "第 &P 页，共 &N 页", "en": "Page &P of &N"}[lang]
    assert history.page_setup.orientation == "landscape" and history.sheet_properties.pageSetUpPr.fitToPage
    # fitToWidth="1" is the attribute's default: XlsxWriter leaves it out and openpyxl reads None
    assert (history.page_setup.fitToWidth or 1, history.page_setup.fitToHeight) == (1, 0)
    assert payments.page_setup.orientation == "portrait" and payments.sheet_properties.pageSetUpPr.fitToPage
    assert customers.page_setup.orientation == "landscape" and not customers.sheet_properties.pageSetUpPr.fitToPage


@pytest.mark.parametrize("store", [False, True], ids=["workbook", "with a load cache"])
def test_numbers_and_dates_in_a_column_the_user_added_stay_numbers_and_dates(tmp_path: Path, store: bool) -> None:
    """A manager adds 年目标 (numbers) and 签约日 (dates) to the Customers table in Excel: the next save writes them
    back as numbers and dates, not as text a SUM skips; a column mixing text and numbers stays as it was read."""
    master = Master.empty(lang="zh")
    master.customers = pd.DataFrame({"customer_id": ["C1", "C2"], "name": ["甲", "乙"], "rep": ["张三", "李四"]})
    path = save_master(master, tmp_path / "master.xlsx", backup=False)
    if store:
        (tmp_path / "master.kx").mkdir()
    book = openpyxl.load_workbook(path)
    sheet = book["客户档案"]
    table = sheet.tables["Customers"]
    last = sheet.max_column
    for offset, (header, first, second) in enumerate(
        [("年目标", 1200, 2500.5), ("签约日", dt.datetime(2026, 3, 1), None), ("备注二", "见合同", None)], start=1
    ):
        sheet.cell(1, last + offset, header)
        sheet.cell(2, last + offset, first)
        sheet.cell(3, last + offset, second)
        table.tableColumns.append(TableColumn(id=len(table.tableColumns) + 1, name=header))
    sheet.cell(2, last + 2).number_format = "yyyy-mm-dd"
    table.ref = f"A1:{get_column_letter(last + 3)}3"
    book.save(path)
    for _ in range(2):  # the second load reads what the first save wrote (and the cache it left)
        loaded = load_master(path)
        loaded.customers.loc[0, "name"] = "甲公司"
        save_master(loaded, path)
    cells = [[c for c in row[last:]] for row in openpyxl.load_workbook(path)["客户档案"].iter_rows(min_row=2)]
    assert [(c.value, c.data_type) for c in cells[0]] == [
        (1200, "n"),
        (dt.datetime(2026, 3, 1), "d"),
        ("见合同", "s"),
    ]
    assert (cells[1][0].value, cells[1][0].data_type) == (2500.5, "n")
    assert cells[0][1].number_format == "yyyy-mm-dd"
