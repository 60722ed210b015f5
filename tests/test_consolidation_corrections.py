"""Corrections judged file by file, and undo through the CLI: a path to the consolidated file, a dry run that writes
nothing, options an undo has no use for refused."""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import openpyxl
import openpyxl.worksheet.table
import pandas as pd
import pytest
from reportbook import table_rows

from keyacct_xl.cli.main import main
from keyacct_xl.consolidate.simulate import blank_form, fill_form
from keyacct_xl.consolidate.store import load_store
from tests.test_consolidation_identity import master, visits  # noqa: F401  (master: the fixture)

MON_WED = [
    ("2026-11-23", "C001", "面谈", "谈返利"),
    ("2026-11-24", "C002", "电话", "催款"),
    ("2026-11-25", "C001", "电话", "确认订单"),
]
THU_FRI = [
    ("2026-11-26", "C001", "面谈", "送样品"),
    ("2026-11-26", "C002", "电话", "约下周"),
    ("2026-11-27", "C001", "电话", "报价"),
    ("2026-11-27", "C002", "面谈", "签合同"),
    ("2026-11-27", "C001", "面谈", "看陈列"),
]
MISSING = "missing from the correction (kept: keep or delete it)"
B = "张三/visits_B.xlsx"  # the second file, as the ledger and the rows name it


def _send(tmp_path: Path, batch: str, lines: list[tuple[str, str, str, str]]) -> Path:
    """A rep's file in its own inbox folder, as the manager receives it: ``<batch>/张三/visits_<batch>.xlsx``."""
    path = tmp_path / batch / "张三" / f"visits_{batch}.xlsx"
    path.parent.mkdir(parents=True)
    path.write_bytes(visits("张三", lines))
    return path


def _consolidate(tmp_path: Path, into: Path, batch: str) -> Path:
    """``keyacct-xl consolidate <batch> --into <into>``, as the manager runs it; the report's path."""
    report = tmp_path / f"report_{batch}.xlsx"
    argv = ["--lang", "en", "consolidate", str(tmp_path / batch), "--into", str(into), "--report", str(report)]
    assert main(argv) == 0
    return report


def _files(report: Path) -> dict[str, str]:
    """File -> the files it corrects, from the report's Files sheet."""
    header, *rows = table_rows(report, "Files")
    file, corrects = header.index("File"), header.index("Corrects")
    return {row[file]: row[corrects] or "" for row in rows}


def _changes(report: Path) -> list[tuple[str, str, str]]:
    """(change, row, before -> after) of the report's Changes sheet."""
    header, *rows = table_rows(report, "Changes")
    change, key, before, after = (header.index(c) for c in ("Change", "Row", "Before", "After"))
    return [(row[change], row[key], f"{row[before] or ''} -> {row[after] or ''}") for row in rows]


def _missing_from(report: Path) -> dict[str, str]:
    """Row -> the earlier file it came from, for the rows the Changes sheet says a correction no longer lists."""
    header, *rows = table_rows(report, "Changes")
    change, key, earlier = (header.index(c) for c in ("Change", "Row", "Earlier file"))
    return {row[key]: row[earlier] for row in rows if row[change] == MISSING}


def _corrected_by(into: Path) -> dict[str, str]:
    """File name -> the file name its ledger entry says corrected it ('' for none)."""
    ledger = load_store(into).frame("IngestionLedger")
    names = dict(zip(ledger["file_sha256"], ledger["file_name"]))
    return {
        str(name): "" if pd.isna(by) else names[by] for name, by in zip(ledger["file_name"], ledger["corrected_by"])
    }


def test_a_correction_of_thu_fri_leaves_the_mon_wed_file_alone(master: Path, tmp_path: Path) -> None:  # noqa: F811
    _send(tmp_path, "A", MON_WED)
    _send(tmp_path, "B", THU_FRI)
    _send(tmp_path, "C", THU_FRI[:-1])  # Friday's last visit was not made: the rep sends Thu-Fri again without it
    for batch in "AB":
        _consolidate(tmp_path, master, batch)
    report = _consolidate(tmp_path, master, "C")
    assert _files(report) == {"张三/visits_C.xlsx": "张三/visits_B.xlsx"}
    # Only the dropped Friday visit is put to the manager, none of Monday to Wednesday's.
    assert _changes(report) == [(MISSING, "张三 / C001 / 2026-11-27 / 面谈", " -> ")]
    assert _missing_from(report) == {"张三 / C001 / 2026-11-27 / 面谈": "张三/visits_B.xlsx"}  # where to look for it
    assert _corrected_by(master) == {
        "张三/visits_A.xlsx": "",
        "张三/visits_B.xlsx": "张三/visits_C.xlsx",
        "张三/visits_C.xlsx": "",
    }
    assert len(load_store(master).frame("Visits")) == 8  # the dropped visit is kept until the manager deletes it


def test_a_row_missing_from_a_correction_of_two_files_names_the_file_it_came_from(
    master: Path,  # noqa: F811
    tmp_path: Path,
) -> None:
    """A week sent again in one file that corrects both earlier files: each row it no longer lists is named with the
    file it came from, so the manager knows which of the rep's files to look at."""
    _send(tmp_path, "A", MON_WED)
    _send(tmp_path, "B", THU_FRI)
    _send(tmp_path, "C", [*MON_WED[:2], *THU_FRI[:3]])
    for batch in "AB":
        _consolidate(tmp_path, master, batch)
    report = _consolidate(tmp_path, master, "C")
    assert _files(report) == {"张三/visits_C.xlsx": "张三/visits_A.xlsx, 张三/visits_B.xlsx"}
    assert _missing_from(report) == {
        "张三 / C001 / 2026-11-25 / 电话": "张三/visits_A.xlsx",
        "张三 / C002 / 2026-11-27 / 面谈": "张三/visits_B.xlsx",
        "张三 / C001 / 2026-11-27 / 面谈": "张三/visits_B.xlsx",
    }
    header, *rows = table_rows(report, "Changes")
    assert all(row[header.index("File")] == "张三/visits_C.xlsx" for row in rows)


def test_a_correction_of_a_small_second_file_is_seen_beside_a_larger_first(
    master: Path,  # noqa: F811
    tmp_path: Path,
) -> None:
    _send(tmp_path, "A", [*MON_WED, *THU_FRI[:2]])
    wrong = ("2026-11-27", "C002", "面谈", "记错客户")
    _send(tmp_path, "B", [("2026-11-27", "C001", "电话", "报价"), wrong])
    _send(tmp_path, "C", [("2026-11-27", "C001", "电话", "报价 5% 折扣")])  # the wrong line deleted, a text fixed
    for batch in "AB":
        _consolidate(tmp_path, master, batch)
    report = _consolidate(tmp_path, master, "C")
    assert _files(report) == {"张三/visits_C.xlsx": "张三/visits_B.xlsx"}
    assert _changes(report) == [
        ("updated", "张三 / C001 / 2026-11-27 / 电话", "报价 -> 报价 5% 折扣"),
        (MISSING, "张三 / C002 / 2026-11-27 / 面谈", " -> "),
    ]
    assert _missing_from(report) == {"张三 / C002 / 2026-11-27 / 面谈": "张三/visits_B.xlsx"}
    assert _corrected_by(master)["张三/visits_B.xlsx"] == "张三/visits_C.xlsx"
    assert _corrected_by(master)["张三/visits_A.xlsx"] == ""
    assert "记错客户" in set(load_store(master).frame("Visits")["content"])  # kept: the manager decides


def test_undo_takes_the_path_of_the_consolidated_file(
    master: Path,  # noqa: F811
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _send(tmp_path, "A", MON_WED)
    sent = _send(tmp_path, "B", THU_FRI)
    for batch in "AB":
        _consolidate(tmp_path, master, batch)
    capsys.readouterr()
    kept = shutil.copy(sent, tmp_path / "收到的拜访记录.xlsx")  # a copy under another name is the same file
    assert main(["--lang", "en", "consolidate", "--into", str(master), "--undo", str(kept)]) == 0
    assert capsys.readouterr().out.splitlines()[0] == "undone 张三/visits_B.xlsx: 5 rows removed, 0 restored"
    assert load_store(master).frame("Visits")["content"].tolist() == [c for *_, c in MON_WED]
    # The same file again: taken back already, and said so.
    assert main(["consolidate", "--into", str(master), "--undo", str(sent)]) == 2
    err = capsys.readouterr().err
    assert str(sent) in err and "此文件已撤销" in err
    # A path to a file the master never took names its sha256 instead of matching a name.
    other = tmp_path / "其他.xlsx"
    other.write_bytes(visits("张三", THU_FRI[:1]))
    assert main(["consolidate", "--into", str(master), "--undo", str(other)]) == 2
    err = capsys.readouterr().err
    assert str(other) in err and "不是总表导入台账中已汇总的文件" in err
    # Names and sha256 starts still work.
    assert main(["consolidate", "--into", str(master), "--undo", "visits_A.xlsx"]) == 0
    assert load_store(master).frame("Visits").empty


def test_undo_dry_run_shows_what_would_be_undone_and_writes_nothing(
    master: Path,  # noqa: F811
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _send(tmp_path, "A", MON_WED)
    _send(tmp_path, "B", [("2026-11-23", "C001", "面谈", "谈年度返利"), *THU_FRI])
    for batch in "AB":
        _consolidate(tmp_path, master, batch)
    capsys.readouterr()
    before, files = master.read_bytes(), sorted(master.parent.iterdir())
    assert main(["--lang", "en", "consolidate", "--into", str(master), "--undo", "visits_B.xlsx", "--dry-run"]) == 0
    assert capsys.readouterr().out.splitlines()[0] == (
        "dry run, the master is unchanged: undoing 张三/visits_B.xlsx would remove 5 rows and restore 1"
    )
    assert master.read_bytes() == before and sorted(master.parent.iterdir()) == files  # not even a backup
    # The preview refuses as the undo would: A's Monday visit was changed by B.
    assert main(["consolidate", "--into", str(master), "--undo", "visits_A.xlsx", "--dry-run"]) == 2
    assert "被 张三/visits_B.xlsx 修改：请先撤销后者" in capsys.readouterr().err
    assert main(["--lang", "en", "consolidate", "--into", str(master), "--undo", "visits_B.xlsx"]) == 0
    assert capsys.readouterr().out.splitlines()[0] == "undone 张三/visits_B.xlsx: 5 rows removed, 1 restored"
    assert master.read_bytes() != before


@pytest.mark.parametrize(
    ("extra", "named"),
    [(["SOURCE"], "SOURCE"), (["--report", "REPORT"], "--report"), (["SOURCE", "--strict"], "SOURCE, --strict")],
)
def test_undo_refuses_a_source_or_report_it_would_not_use(
    master: Path,  # noqa: F811
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    extra: list[str],
    named: str,
) -> None:
    _send(tmp_path, "A", MON_WED)
    _consolidate(tmp_path, master, "A")
    capsys.readouterr()
    before = master.read_bytes()
    report = tmp_path / "undo.xlsx"
    argv = [{"SOURCE": str(tmp_path / "A"), "REPORT": str(report)}.get(a, a) for a in extra]
    assert main(["consolidate", *argv, "--into", str(master), "--undo", "visits_A.xlsx"]) == 2
    err = capsys.readouterr().err.strip()
    assert err == f"keyacct-xl: --undo 只从总表中撤回一个文件，不读取表单也不写报告：不能同时给出 {named}"
    assert master.read_bytes() == before and not report.exists()


def _type_by_hand(path: Path, sheet: str, row_of: str, header: str, value: object) -> None:
    """Change one cell of the master as a manager does in Excel: the row whose cells hold ``row_of``."""
    book = openpyxl.load_workbook(path)
    ws = book[sheet]
    column = [c.value for c in ws[1]].index(header) + 1
    [row] = [r for r in ws.iter_rows(min_row=2) if any(c.value == row_of for c in r)]
    ws.cell(row[0].row, column).value = value
    book.save(path)


def _visit_row(path: Path) -> dict[str, object]:
    [row] = load_store(path).frame("Visits").to_dict("records")
    return row


def test_an_undo_keeps_what_was_typed_by_hand_since_and_names_it(master: Path, tmp_path: Path, capsys) -> None:  # noqa: F811
    """B corrects A's visit (内容); the manager then types 结果 and changes 内容 by hand. Undoing B puts back only
    what B wrote and still holds: 结果 stays, 内容 stays as typed and the undo names it with both values."""
    _send(tmp_path, "A", [("2026-11-23", "C001", "面谈", "谈返利")])
    _consolidate(tmp_path, master, "A")
    _send(tmp_path, "B", [("2026-11-23", "C001", "面谈", "谈返利，已签")])
    _consolidate(tmp_path, master, "B")
    _type_by_hand(master, "拜访记录", "C001", "结果", "下周送货")
    assert main(["consolidate", "--into", str(master), "--undo", "visits_B.xlsx"]) == 0
    row = _visit_row(master)
    assert (row["content"], row["result"], row["source_file"]) == ("谈返利", "下周送货", "张三/visits_A.xlsx")
    capsys.readouterr()

    _send(tmp_path, "C", [("2026-11-23", "C001", "面谈", "谈返利，已签约")])
    _consolidate(tmp_path, master, "C")
    _type_by_hand(master, "拜访记录", "C001", "内容", "谈返利，已签，月底付款")
    assert main(["consolidate", "--into", str(master), "--undo", "visits_C.xlsx"]) == 0
    out = capsys.readouterr().out
    assert _visit_row(master)["content"] == "谈返利，已签，月底付款"
    assert (
        "拜访记录 张三 · C001 · 2026-11-23 · 面谈：内容 在该文件写入后又被手工改过（谈返利，已签，月底付款）："
        "保留，未改回 谈返利" in out
    )


def _delete_column(path: Path, sheet: str, header: str) -> None:
    """Delete one column of a master's table as a manager does in Excel: the cells, the table's column and range."""
    book = openpyxl.load_workbook(path)
    ws = book[sheet]
    column = [c.value for c in ws[1]].index(header) + 1
    ws.delete_cols(column)
    [table] = ws.tables.values()
    table.ref = f"A1:{openpyxl.utils.get_column_letter(ws.max_column)}{ws.max_row}"
    table.autoFilter.ref = table.ref
    table.tableColumns = [c for c in table.tableColumns if c.name != header]
    for number, each in enumerate(table.tableColumns, start=1):
        each.id = number
    book.save(path)


def _two_visits_consolidated(tmp_path: Path, into: Path) -> None:
    """A file of two visits (C001 on the 23rd, C002 on the 24th) consolidated into the master ``into``."""
    _send(tmp_path, "A", [("2026-11-23", "C001", "面谈", "谈返利"), ("2026-11-24", "C002", "电话", "催款")])
    _consolidate(tmp_path, into, "A")


def test_an_undo_whose_table_lost_its_file_column_is_refused_naming_it(
    master: Path,  # noqa: F811
    tmp_path: Path,
    capsys,
) -> None:
    # The rows a file added are found by their 文件指纹: with the column deleted by hand the undo removed none,
    # said "0 rows removed" and marked the file undone in the ledger, its visits still in the master.
    _two_visits_consolidated(tmp_path, master)
    _delete_column(master, "拜访记录", "文件指纹")
    before = master.read_bytes()
    assert main(["--lang", "en", "consolidate", "--into", str(master), "--undo", "visits_A.xlsx"]) == 2
    assert master.read_bytes() == before
    assert capsys.readouterr().err.strip() == (
        "keyacct-xl: Visits: the column File SHA-256 is not in the sheet (deleted by hand?), so "
        "the rows this file added cannot be told from the others: not undone; put the column back (the backup "
        "master.bak.xlsx may still have it) and undo again"
    )
    assert set(load_store(master).frame("IngestionLedger")["status"]) == {"accepted"}


def _one_visit_consolidated(
    tmp_path: Path, into: Path
) -> tuple[openpyxl.Workbook, openpyxl.worksheet.worksheet.Worksheet]:
    """A file of one visit consolidated into the master ``into``, then the master opened in openpyxl with its 拜访记录
    sheet, for an edit by hand."""
    _send(tmp_path, "A", [("2026-11-23", "C001", "面谈", "谈返利")])
    _consolidate(tmp_path, into, "A")
    book = openpyxl.load_workbook(into)
    return book, book["拜访记录"]


def _table_to(ws: openpyxl.worksheet.worksheet.Worksheet, column: int, row: int) -> openpyxl.worksheet.table.Table:
    """The sheet's table stretched to ``column`` and ``row``, as Excel stretches it when a person types beside it."""
    [table] = ws.tables.values()
    table.ref = table.autoFilter.ref = f"A1:{openpyxl.utils.get_column_letter(column)}{row}"
    return table


def _saved_and_undone(book: openpyxl.Workbook, into: Path, capsys: pytest.CaptureFixture[str]) -> str:
    """The hand-edited ``book`` saved as the master ``into``, then the file of one visit undone; what it printed."""
    book.save(into)
    capsys.readouterr()
    assert main(["consolidate", "--into", str(into), "--undo", "visits_A.xlsx"]) == 0
    return capsys.readouterr().out


def test_an_undo_names_what_was_typed_in_a_column_of_ones_own_beside_a_row_it_removes(
    master: Path,  # noqa: F811
    tmp_path: Path,
    capsys,
) -> None:
    # A manager adds a column 跟进备注 to 拜访记录 and types a note beside a visit the file added; the undo removed the
    # visit and the note with it, naming only the visit.
    book, ws = _one_visit_consolidated(tmp_path, master)
    column = ws.max_column + 1
    ws.cell(1, column).value = "跟进备注"
    ws.cell(2, column).value = "已电话确认，月底送货"
    _table_to(ws, column, 2).tableColumns.append(openpyxl.worksheet.table.TableColumn(id=column, name="跟进备注"))
    out = _saved_and_undone(book, master, capsys)
    assert load_store(master).frame("Visits").empty
    assert "拜访记录 张三 · C001 · 2026-11-23 · 面谈：跟进备注 中有手工填写的 已电话确认，月底送货" in out


def _cached(into: Path, formula: str, value: str) -> None:
    """Give the formula cell ``formula`` of the master ``into`` the cached value ``value``, as Excel saves it
    (openpyxl writes a formula without one, which a reader of cached values reads as blank)."""
    with zipfile.ZipFile(into) as package:
        parts = {info: package.read(info) for info in package.infolist()}
    empty = f"<f>{formula}</f><v></v>".encode()
    with zipfile.ZipFile(into, "w", zipfile.ZIP_DEFLATED) as package:
        for info, data in parts.items():
            package.writestr(info, data.replace(empty, f"<f>{formula}</f><v>{value}</v>".encode()))


def test_an_undo_does_not_call_a_formula_of_ones_own_beside_a_row_typed_by_hand(
    master: Path,  # noqa: F811
    tmp_path: Path,
    capsys,
) -> None:
    # A manager adds a column 内容字数 to 拜访记录 holding a formula: the undo named its result in every row it
    # removed as typed by hand. A value typed over the formula in another row is still named.
    _two_visits_consolidated(tmp_path, master)
    book = openpyxl.load_workbook(master)
    ws = book["拜访记录"]
    content = openpyxl.utils.get_column_letter([c.value for c in ws[1]].index("内容") + 1)
    column = ws.max_column + 1
    ws.cell(1, column).value = "内容字数"
    ws.cell(2, column).value = f"=LEN({content}2)"
    ws.cell(3, column).value = 99  # typed over the formula
    _table_to(ws, column, 4).tableColumns.append(openpyxl.worksheet.table.TableColumn(id=column, name="内容字数"))
    book.save(master)
    _cached(master, f"LEN({content}2)", "3")
    assert sorted(load_store(master).frame("Visits")["内容字数"]) == [3, 99]
    capsys.readouterr()
    assert main(["consolidate", "--into", str(master), "--undo", "visits_A.xlsx"]) == 0
    out = capsys.readouterr().out
    assert load_store(master).frame("Visits").empty
    assert [line for line in out.splitlines() if "内容字数" in line] == [
        "  拜访记录 张三 · C002 · 2026-11-24 · 电话：内容字数 中有手工填写的 99，"
        "位于该文件的一行旁，撤销会连同该行一起删除"
    ]


def test_an_undo_keeps_a_row_a_person_copied_from_one_of_the_files_and_names_it(
    master: Path,  # noqa: F811
    tmp_path: Path,
    capsys,
) -> None:
    # A manager copies a consolidated visit row in Excel (its 文件指纹 carried along) to note a second talk the same
    # day; the undo of the file removed both rows, naming two where the file had added one.
    book, ws = _one_visit_consolidated(tmp_path, master)
    headers = [c.value for c in ws[1]]
    ws.append([c.value for c in ws[2]])
    ws.cell(3, headers.index("内容") + 1).value = "下午再谈返利细节"
    _table_to(ws, ws.max_column, 3)
    out = _saved_and_undone(book, master, capsys)
    [kept] = load_store(master).frame("Visits").to_dict("records")
    assert kept["content"] == "下午再谈返利细节" and pd.isna(kept["file_sha256"])
    assert "删除 1 行" in out
    assert "拜访记录：保留 1 行" in out and "张三 · C001 · 2026-11-23 · 面谈" in out


def test_an_undo_whose_row_key_was_changed_by_hand_is_refused_naming_the_row(
    master: Path,  # noqa: F811
    tmp_path: Path,
    capsys,
) -> None:
    _send(tmp_path, "A", [("2026-11-23", "C001", "面谈", "谈返利")])
    _consolidate(tmp_path, master, "A")
    _send(tmp_path, "B", [("2026-11-23", "C001", "面谈", "谈返利，已签")])
    _consolidate(tmp_path, master, "B")
    _type_by_hand(master, "拜访记录", "C001", "方式", "电话")
    before = master.read_bytes()
    assert main(["consolidate", "--into", str(master), "--undo", "visits_B.xlsx"]) == 2
    assert master.read_bytes() == before
    assert capsys.readouterr().err.strip() == (
        "keyacct-xl: 拜访记录：该文件改过的 张三 · C001 · 2026-11-23 · 面谈 这一行已不在总表中（业务员、客户编号、"
        "日期、方式 是否被手工改过？）：未撤销；请把它们改回原样，或保留该文件"
    )


def test_an_undo_leaves_cells_typed_by_hand_in_the_rows_below_as_typed(master: Path, tmp_path: Path) -> None:  # noqa: F811
    """Undoing A removes the rows above B's: B's 订单金额 typed as '1,200' and 下次日期 as '2026.12.3' stay text, as
    every save that leaves their values alone keeps them, instead of becoming a number and a date unreported."""
    _send(tmp_path, "A", [("2026-11-23", "C001", "面谈", "A1"), ("2026-11-24", "C002", "面谈", "A2")])
    _consolidate(tmp_path, master, "A")
    _send(tmp_path, "B", [("2026-11-25", "C001", "电话", "B1"), ("2026-11-26", "C002", "电话", "B2")])
    _consolidate(tmp_path, master, "B")
    _type_by_hand(master, "拜访记录", "B2", "订单金额", "1,200")
    _type_by_hand(master, "拜访记录", "B2", "下次日期", "2026.12.3")
    assert main(["consolidate", "--into", str(master), "--undo", "visits_A.xlsx"]) == 0
    ws = openpyxl.load_workbook(master)["拜访记录"]
    header = [c.value for c in ws[1]]
    rows = [[r[header.index(h)].value for h in ("内容", "订单金额", "下次日期")] for r in ws.iter_rows(min_row=2)]
    assert [r for r in rows if r[0]] == [["B1", None, None], ["B2", "1,200", "2026.12.3"]]


@pytest.mark.parametrize("edited", ["谈返利", "[1, 2]", '{"date": "下周"}'])
def test_an_undo_whose_written_cell_was_edited_is_refused_naming_it(
    master: Path,  # noqa: F811
    tmp_path: Path,
    capsys,
    edited: str,
) -> None:
    """A 写入值 cell typed over by hand (text, JSON of no row, a date of no day) is refused in one line naming the
    cell, the master left as it was, instead of a traceback."""
    _send(tmp_path, "A", [("2026-11-23", "C001", "面谈", "谈返利")])
    _consolidate(tmp_path, master, "A")
    _send(tmp_path, "B", [("2026-11-23", "C001", "面谈", "谈返利，已签")])
    _consolidate(tmp_path, master, "B")
    _type_by_hand(master, "历史版本", '{"content":"谈返利，已签"}', "写入值", edited)
    before = master.read_bytes()
    assert main(["consolidate", "--into", str(master), "--undo", "visits_B.xlsx"]) == 2
    assert master.read_bytes() == before
    assert capsys.readouterr().err.strip() == (
        f"keyacct-xl: 历史版本，写入值 列：{edited} 不是汇总时记录的一行值（该单元格被改过？）："
        "未撤销；请把该单元格改回原样"
    )


def test_an_undo_names_no_cell_typed_back_by_hand_to_what_it_puts_back(
    master: Path,  # noqa: F811
    tmp_path: Path,
    capsys,
) -> None:
    _send(tmp_path, "A", [("2026-11-23", "C001", "面谈", "谈返利")])
    _consolidate(tmp_path, master, "A")
    _send(tmp_path, "B", [("2026-11-23", "C001", "面谈", "谈返利，已签")])
    _consolidate(tmp_path, master, "B")
    _type_by_hand(master, "拜访记录", "C001", "内容", "谈返利")
    capsys.readouterr()
    assert main(["consolidate", "--into", str(master), "--undo", "visits_B.xlsx"]) == 0
    out = capsys.readouterr().out
    assert _visit_row(master)["content"] == "谈返利"
    assert "手工改过" not in out, out


def test_an_undo_names_each_cell_changed_after_the_file_added_its_row(
    master: Path,  # noqa: F811
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A adds a visit; the manager then types 结果 and changes 内容 by hand in that row. Undoing A removes the row
    as before, and first names both cells with what they hold and what the file wrote (before, the edits went with
    the row unsaid); the dry run names them too and writes nothing. Cells left as the file wrote them are not named."""
    _two_visits_consolidated(tmp_path, master)
    _type_by_hand(master, "拜访记录", "C001", "结果", "下周送货")
    _type_by_hand(master, "拜访记录", "C001", "内容", "谈返利，已签")
    capsys.readouterr()
    before = master.read_bytes()
    undo = ["consolidate", "--into", str(master), "--undo", "visits_A.xlsx"]
    assert main(["--lang", "en", *undo, "--dry-run"]) == 0
    dry = capsys.readouterr().out.splitlines()
    assert master.read_bytes() == before
    row = "Visits 张三 · C001 · 2026-11-23 · 面谈"
    assert [line for line in dry if "after the file added" in line] == [
        f"  {row}: Content was changed after the file added the row (谈返利，已签; the file wrote 谈返利): removed "
        "with the row",
        f"  {row}: Result was changed after the file added the row (下周送货; the file wrote (blank)): removed with "
        "the row",
    ]
    assert main(undo) == 0
    out = capsys.readouterr().out.splitlines()
    assert [line for line in out if "添加该行后" in line] == [
        "  拜访记录 张三 · C001 · 2026-11-23 · 面谈：内容 在该文件添加该行后被改过（现为 谈返利，已签，该文件写入的是 "
        "谈返利）：随该行一起删除",
        "  拜访记录 张三 · C001 · 2026-11-23 · 面谈：结果 在该文件添加该行后被改过（现为 下周送货，该文件写入的是 "
        "（空））：随该行一起删除",
    ]
    assert out[0] == "已撤销 张三/visits_A.xlsx：删除 2 行，恢复 0 行" and load_store(master).frame("Visits").empty


def test_an_undo_whose_record_of_an_added_row_was_edited_removes_it_unchecked_and_says_so(
    master: Path,  # noqa: F811
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The record of what a file wrote into a row it added only serves to name the cells changed since: one edited
    into no row's values does not stop the undo (as a restored row's does, which the undo needs); the row is removed
    unchecked, and the undo says so, naming the sheet and the column."""
    _two_visits_consolidated(tmp_path, master)
    book = openpyxl.load_workbook(master)
    sheet = book["历史版本"]
    written = [c.value for c in sheet[1]].index("写入值")
    sheet.cell(2, written + 1).value = "（已删）"
    book.save(master)
    capsys.readouterr()
    assert main(["consolidate", "--into", str(master), "--undo", "visits_A.xlsx"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "已撤销 张三/visits_A.xlsx：删除 2 行，恢复 0 行"
    assert out[-1] == (
        "  历史版本：记录该文件所加各行的 1 行，其 写入值 不是一行的数据（被手工改过？）：它们记录的行未经核对即被删除"
    )
    assert load_store(master).frame("Visits").empty


def _visit_days(into: Path) -> list[tuple[str, str, str]]:
    """(date, customer, file) of each visit in the master ``into``, sorted."""
    visits = load_store(into).frame("Visits")
    return sorted(zip(visits["date"].dt.strftime("%Y-%m-%d"), visits["customer_id"], visits["source_file"]))


def test_an_undo_keeps_a_row_a_later_file_sent_again_and_hands_it_to_that_file(
    master: Path,  # noqa: F811
    tmp_path: Path,
    capsys,
) -> None:
    # Mon–Wed and Wed–Fri both list Wednesday's visit. Undoing Mon–Wed removed it while Wed–Fri, still consolidated,
    # states it; sent again, Wed–Fri was a file already consolidated, so the visit could never come back.
    wednesday = MON_WED[2]
    _send(tmp_path, "A", MON_WED)
    _consolidate(tmp_path, master, "A")
    _send(tmp_path, "B", [wednesday, THU_FRI[0]])
    _consolidate(tmp_path, master, "B")
    capsys.readouterr()
    assert main(["--lang", "en", "consolidate", "--into", str(master), "--undo", "visits_A.xlsx", "--dry-run"]) == 0
    assert capsys.readouterr().out.splitlines()[0] == (
        "dry run, the master is unchanged: undoing 张三/visits_A.xlsx would remove 2 rows and restore 0"
    )
    assert main(["--lang", "en", "consolidate", "--into", str(master), "--undo", "visits_A.xlsx"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "undone 张三/visits_A.xlsx: 2 rows removed, 0 restored"
    assert out[-1] == (
        "  Visits: 1 row(s) kept, sent again by 张三/visits_B.xlsx (still consolidated), now that file's rows: "
        "张三 · C001 · 2026-11-25 · 电话"
    )
    assert _visit_days(master) == [("2026-11-25", "C001", B), ("2026-11-26", "C001", B)]
    visits = load_store(master).frame("Visits")
    ledger = load_store(master).frame("IngestionLedger").set_index("file_name")
    assert set(visits["file_sha256"]) == {ledger.at[B, "file_sha256"]}
    # The row is the later file's now: its own undo removes it, naming no cell changed.
    assert main(["--lang", "en", "consolidate", "--into", str(master), "--undo", "visits_B.xlsx"]) == 0
    assert capsys.readouterr().out.splitlines()[0] == "undone 张三/visits_B.xlsx: 2 rows removed, 0 restored"
    assert _visit_days(master) == [] and load_store(master).frame("SubmissionHistory").empty


def test_undoing_the_file_that_sent_a_row_again_leaves_the_row_to_the_file_that_added_it(
    master: Path,  # noqa: F811
    tmp_path: Path,
    capsys,
) -> None:
    _send(tmp_path, "A", MON_WED)
    _consolidate(tmp_path, master, "A")
    _send(tmp_path, "B", [MON_WED[2], THU_FRI[0]])
    _consolidate(tmp_path, master, "B")
    history = load_store(master).frame("SubmissionHistory")
    assert sorted(history["change"]) == ["added"] * 4 + ["sent_again"]
    assert main(["--lang", "en", "consolidate", "--into", str(master), "--undo", "visits_B.xlsx"]) == 0
    assert [file for *_, file in _visit_days(master)] == ["张三/visits_A.xlsx"] * 3
    assert sorted(load_store(master).frame("SubmissionHistory")["change"]) == ["added"] * 3
    assert main(["--lang", "en", "consolidate", "--into", str(master), "--undo", "visits_A.xlsx"]) == 0
    assert _visit_days(master) == []


def _send_lines(tmp_path: Path, batch: str, lines: list[dict[str, str]]) -> None:
    """张三's visit record of lines given field by field (a 客户名称 typed or not), in its inbox folder."""
    path = tmp_path / batch / "张三" / f"visits_{batch}.xlsx"
    path.parent.mkdir(parents=True)
    form = blank_form("visit_record")
    path.write_bytes(fill_form(form, header={"rep": "张三", "period": "2026-W48"}, rows={"visits": lines}))


def _handed_to_b(tmp_path: Path, into: Path) -> None:
    """A adds Monday's visit, its 客户名称 typed, and Wednesday's, its 客户名称 filled from the master; B sends both
    again (Monday without the name, Wednesday without 内容) and Thursday's. Unchanged, the rows stay A's until A's
    undo hands them to B."""
    monday = {"date": "2026-11-23", "customer_id": "C001", "method": "面谈"}
    wednesday = {"date": "2026-11-25", "customer_id": "C001", "method": "电话"}
    thursday = {"date": "2026-11-26", "customer_id": "C002", "method": "面谈", "content": "送样品"}
    typed = {"customer_name": "广州华强贸易有限公司", "content": "谈返利"}
    _send_lines(tmp_path, "A", [{**monday, **typed}, {**wednesday, "content": "确认订单"}])
    _consolidate(tmp_path, into, "A")
    _send_lines(tmp_path, "B", [{**monday, "content": "谈返利"}, wednesday, thursday])
    _consolidate(tmp_path, into, "B")


def test_after_a_handover_the_later_files_undo_names_no_cell_the_earlier_file_wrote(
    master: Path,  # noqa: F811
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # Every row of A was handed to B: A's undo said "Visits: 0 row(s) removed: " with nothing named, and B's undo
    # then called the customer name A filled in typed by hand (and 内容, which B left blank, changed since).
    _handed_to_b(tmp_path, master)
    undo = ["--lang", "en", "consolidate", "--into", str(master), "--undo"]
    capsys.readouterr()
    assert main([*undo, "visits_A.xlsx"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "undone 张三/visits_A.xlsx: 0 rows removed, 0 restored",
        "  Visits: 2 row(s) kept, sent again by 张三/visits_B.xlsx (still consolidated), now that file's rows: "
        "张三 · C001 · 2026-11-23 · 面谈, 张三 · C001 · 2026-11-25 · 电话",
    ]
    removed = (
        "  Visits: 3 row(s) removed: 张三 · C001 · 2026-11-23 · 面谈, 张三 · C001 · 2026-11-25 · 电话, "
        "张三 · C002 · 2026-11-26 · 面谈"
    )
    assert main([*undo, "visits_B.xlsx", "--dry-run"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "dry run, the master is unchanged: undoing 张三/visits_B.xlsx would remove 3 rows and restore 0",
        removed,
    ]
    assert main([*undo, "visits_B.xlsx"]) == 0
    assert capsys.readouterr().out.splitlines()[1:] == [removed]
    assert _visit_days(master) == [] and load_store(master).frame("SubmissionHistory").empty


def test_after_a_handover_the_later_files_undo_still_names_what_was_changed_by_hand(
    master: Path,  # noqa: F811
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Cells of the handed row changed by hand while it was A's (客户名称, 结果) and a note typed beside it are named
    by B's undo, with what A wrote: the handover takes what A wrote as B's, not the hand edits."""
    _handed_to_b(tmp_path, master)
    _type_by_hand(master, "拜访记录", "确认订单", "客户名称", "华强贸易")
    _type_by_hand(master, "拜访记录", "确认订单", "结果", "下周送货")
    book = openpyxl.load_workbook(master)
    ws = book["拜访记录"]
    column = ws.max_column + 1
    ws.cell(1, column).value = "跟进备注"
    ws.cell(3, column).value = "已电话确认"
    _table_to(ws, column, 4).tableColumns.append(openpyxl.worksheet.table.TableColumn(id=column, name="跟进备注"))
    book.save(master)
    undo = ["--lang", "en", "consolidate", "--into", str(master), "--undo"]
    assert main([*undo, "visits_A.xlsx"]) == 0
    capsys.readouterr()
    assert main([*undo, "visits_B.xlsx"]) == 0
    row = "Visits 张三 · C001 · 2026-11-25 · 电话"
    assert capsys.readouterr().out.splitlines()[2:] == [
        f"  {row}: Result was changed after the file added the row (下周送货; the file wrote (blank)): removed with "
        "the row",
        f"  {row}: 客户名称 was changed after the file added the row (华强贸易; the file wrote 广州华强贸易有限公司): "
        "removed with the row",
        f"  {row}: 跟进备注 holds 已电话确认, typed by hand beside a row of the file, which the undo removes",
    ]


def test_undoing_a_file_undone_already_says_so_not_that_it_was_never_consolidated(
    master: Path,  # noqa: F811
    tmp_path: Path,
    capsys,
) -> None:
    sent = _send(tmp_path, "A", MON_WED)
    _consolidate(tmp_path, master, "A")
    assert main(["consolidate", "--into", str(master), "--undo", "visits_A.xlsx"]) == 0
    undone = master.read_bytes()
    when = load_store(master).frame("IngestionLedger")["consolidated_at"].iat[0]
    capsys.readouterr()
    for wanted in ("visits_A.xlsx", str(sent)):
        assert main(["consolidate", "--into", str(master), "--undo", wanted]) == 2
        assert capsys.readouterr().err.strip() == (
            f"keyacct-xl: {wanted}：此文件已撤销（汇总于 {when}，"
            "导入台账中现标为已撤销）：无需再撤销；可用 consolidate --accept 加该文件重新汇总"
        )
    assert master.read_bytes() == undone
