"""--without-sensitive on what a customer import and an undo print: a phone's before and after, and the phone in a
contact's row name, masked (***); the master keeps and gets back every value."""

from __future__ import annotations

import io
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
import xlsxwriter
from reportbook import table_rows

from keyacct_xl.bridge.base import ActionOptions, FileBridge
from keyacct_xl.bridge.excel import XlwingsBridge
from keyacct_xl.cli.main import main
from keyacct_xl.consolidate.run import consolidate
from keyacct_xl.consolidate.simulate import blank_form, fill_form
from keyacct_xl.consolidate.store import load_store
from keyacct_xl.macros import run_action
from keyacct_xl.master.model import Master
from keyacct_xl.master.settings import settings_from
from keyacct_xl.master.writer import save_master
from tests.test_bridge_actions import ExcelStandIn
from tests.test_consolidation_identity import NOW, master  # noqa: F401  (master: the fixture)

NEW_PHONE, CHANGED_PHONE, OLD_PHONE = "13912345678", "13800009999", "13800000001"


def _card_with_contacts(inbox: Path, into: Path) -> None:
    """张三's card of C001: 王经理's phone changed, a new contact 陈美玲 (her phone in her row's name), consolidated."""
    contacts = [
        {"name": "王经理", "title": "采购经理", "phone": CHANGED_PHONE},
        {"name": "陈美玲", "title": "采购专员", "phone": NEW_PHONE},
    ]
    header = {"rep": "张三", "customer_id": "C001", "name": "广州华强贸易有限公司"}
    card = fill_form(blank_form("customer_card"), header=header, rows={"contacts": contacts})
    (inbox / "card.xlsx").write_bytes(card)
    consolidate(inbox, into, now=NOW)


def _phones(into: Path) -> dict[str, str]:
    contacts = load_store(into).frame("Contacts")
    return dict(zip(contacts["name"], contacts["phone"]))


def test_an_undo_without_sensitive_masks_the_phones_it_names(
    master: Path,  # noqa: F811
    inbox: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _card_with_contacts(inbox, master)
    assert _phones(master) == {"王经理": CHANGED_PHONE, "赵会计": "13800000002", "陈美玲": NEW_PHONE}
    capsys.readouterr()
    assert main(["consolidate", "--into", str(master), "--undo", "card.xlsx", "--dry-run"]) == 0
    plain = capsys.readouterr().out
    assert NEW_PHONE in plain and CHANGED_PHONE in plain and OLD_PHONE in plain  # what the option masks
    assert main(["consolidate", "--into", str(master), "--undo", "card.xlsx", "--without-sensitive"]) == 0
    out = capsys.readouterr().out
    assert NEW_PHONE not in out and CHANGED_PHONE not in out and OLD_PHONE not in out
    assert "陈美玲 · ***" in out and "电话 *** → ***" in out
    assert _phones(master) == {"王经理": OLD_PHONE, "赵会计": "13800000002"}  # the master got its values back


def _list_giving_a_phone(path: Path, phone: str) -> Path:
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet()
    sheet.write_row(0, 0, ["客户编号", "客户名称", "联系电话"])
    sheet.write_row(1, 0, ["C001", "广州华强贸易有限公司", phone])
    book.close()
    return path


def _phone_of_c001(into: Path) -> object:
    return load_store(into).frame("Customers").set_index("customer_id").loc["C001", "phone"]


def test_a_customer_import_without_sensitive_masks_the_phone_on_the_console_and_in_the_report(
    master: Path,  # noqa: F811
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    first = _list_giving_a_phone(tmp_path / "first.xlsx", "020-88881111")
    assert main(["customers", "import", str(first), "--into", str(master), "--update"]) == 0
    listed, report = _list_giving_a_phone(tmp_path / "list.xlsx", "020-88886666"), tmp_path / "report.xlsx"
    args = ["customers", "import", str(listed), "--into", str(master), "--update", "--report", str(report)]
    capsys.readouterr()
    assert main([*args, "--without-sensitive"]) == 0
    out = capsys.readouterr().out
    assert "电话：*** → ***" in out and "020-88886666" not in out and "020-88881111" not in out
    differing = table_rows(report, 2)
    assert differing[1][2:5] == ("电话", "***", "***") and "020-8888" not in str(differing)
    summary = dict(r for r in table_rows(report, 0) if len(r) == 2)
    assert summary["已遮蔽个人信息"] == "是"
    assert _phone_of_c001(master) == "020-88886666"  # masked on the screen, not in the master
    assert main(["customers", "import", str(listed), "--into", str(master), "--undo", "--without-sensitive"]) == 0
    undone = capsys.readouterr().out
    assert "电话 *** → ***" in undone and "020-8888" not in undone
    assert _phone_of_c001(master) == "020-88881111"
    assert main(["customers", "import", str(first), "--into", str(master), "--undo"]) == 0
    assert "电话 020-88881111 → " in capsys.readouterr().out  # without the option: the values, as before


def _type_into_history(into: Path, holding: str, column: str, value: str) -> None:
    """Type ``value`` over the cell of SubmissionHistory's ``column`` that holds ``holding``, as a manager does."""
    book = openpyxl.load_workbook(into)
    sheet = book["历史版本"]
    at = [c.value for c in sheet[1]].index(column) + 1
    [cell] = [r[at - 1] for r in sheet.iter_rows(min_row=2) if holding in str(r[at - 1].value)]
    cell.value = value
    book.save(into)


def _retype_contact(into: Path, name: str, new_name: str, new_id: str) -> None:
    """Type another name and contact id over a contact's, as a manager does: no key finds the row again."""
    book = openpyxl.load_workbook(into)
    sheet = book["联系人"]
    header = [c.value for c in sheet[1]]
    [row] = [r for r in sheet.iter_rows(min_row=2) if r[header.index("姓名")].value == name]
    row[header.index("姓名")].value, row[header.index("联系人编号")].value = new_name, new_id
    book.save(into)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_an_undos_refusal_without_sensitive_masks_the_phone_in_the_row_it_names(
    master: Path,  # noqa: F811
    inbox: Path,
    capsys: pytest.CaptureFixture[str],
    lang: str,
) -> None:
    """王经理 retyped by hand after the card changed his phone: the undo cannot find his row and is refused naming it
    by its key, customer id · name · phone; with the option the phone is ***, the id and the name stay."""
    _card_with_contacts(inbox, master)
    _retype_contact(master, "王经理", "王总", "K9")
    args = ["consolidate", "--into", str(master), "--undo", "card.xlsx", "--lang", lang]
    capsys.readouterr()
    assert main(args) == 2
    assert "C001 · 王经理 · " + OLD_PHONE in capsys.readouterr().err  # without the option: the row as it was
    assert main([*args, "--without-sensitive"]) == 2
    err = capsys.readouterr().err
    assert "C001 · 王经理 · ***" in err and OLD_PHONE not in err
    assert ("未撤销" if lang == "zh" else "not undone") in err and err.count("\n") == 1


@pytest.mark.parametrize(
    ("edited", "shown"),
    [
        (
            '{"customer_id": "C001", "name": "王经理", "phone": "13800000001", "birthday": "下周"}',
            '{"customer_id": "C001", "name": "王经理", "phone": "***", "birthday": "***"}',
        ),
        ("王经理 13800000001", "***"),  # no row's values: nothing tells its personal part, so none of it is quoted
    ],
)
def test_an_undos_refusal_of_an_edited_history_cell_without_sensitive_quotes_no_personal_value(
    master: Path,  # noqa: F811
    inbox: Path,
    capsys: pytest.CaptureFixture[str],
    edited: str,
    shown: str,
) -> None:
    _card_with_contacts(inbox, master)
    _type_into_history(master, OLD_PHONE, "原数据", edited)
    args = ["consolidate", "--into", str(master), "--undo", "card.xlsx"]
    capsys.readouterr()
    assert main(args) == 2
    assert f"原数据 列：{edited} 不是" in capsys.readouterr().err
    assert main([*args, "--without-sensitive"]) == 2
    err = capsys.readouterr().err
    assert f"原数据 列：{shown} 不是" in err and OLD_PHONE not in err and "下周" not in err


@pytest.mark.parametrize("back_end", ["file", "xlwings"])
@pytest.mark.parametrize(("setting", "masked"), [("显示", False), ("隐去", True)])
def test_the_ribbons_customer_import_masks_its_report_when_the_settings_ask(
    tmp_path: Path, back_end: str, setting: str, masked: bool
) -> None:
    """The ribbon's Import customer list has no options: Settings 报告中的个人信息 decides, as for Consolidate."""
    m = Master.empty()
    m.customers = pd.DataFrame(
        {"customer_id": ["C001"], "name": ["广州华强贸易有限公司"], "rep": ["张三"], "phone": ["020-88881111"]}
    )
    m.settings = settings_from({"report_personal_data": setting})
    into = save_master(m, tmp_path / "master.xlsx", backup=False)
    listed = _list_giving_a_phone(tmp_path / "list.xlsx", "020-88886666")
    bridge = (
        FileBridge(into, lang="zh", stream=io.StringIO())
        if back_end == "file"
        else XlwingsBridge(ExcelStandIn(into), lang="zh")
    )
    result = run_action("import_customers", bridge, ActionOptions(input=listed))
    report = result.outputs[0]
    shown = str(table_rows(report, 2))
    summary = dict(r for r in table_rows(report, 0) if len(r) == 2)
    assert ("020-8888" not in shown) is masked and ("***" in shown) is masked
    assert summary["已遮蔽个人信息"] == ("是" if masked else "否")
    assert "020-8888" not in result.zh + result.en  # the summary names no value either way
    assert _phone_of_c001(into) == "020-88881111"  # listed without --update: the master's phone stays


def _set_to_mask(into: Path) -> None:
    """Settings 报告中的个人信息 set to 隐去, typed in as a manager does."""
    book = openpyxl.load_workbook(into)
    sheet = book["参数设置"]
    [row] = [r for r in sheet.iter_rows(min_row=2) if r[0].value == "报告中的个人信息"]
    row[1].value = "隐去"
    book.save(into)


def test_a_master_set_to_mask_masks_an_undos_summary_and_refusal_without_the_option(
    master: Path,  # noqa: F811
    inbox: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # The Settings switch was read by the customer import only: an undo printed the phones unless given the option.
    _card_with_contacts(inbox, master)
    _set_to_mask(master)
    args = ["consolidate", "--into", str(master), "--undo", "card.xlsx"]
    capsys.readouterr()
    assert main([*args, "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "陈美玲 · ***" in out and "电话 *** → ***" in out
    assert NEW_PHONE not in out and CHANGED_PHONE not in out and OLD_PHONE not in out
    _retype_contact(master, "王经理", "王总", "K9")
    assert main(args) == 2
    err = capsys.readouterr().err
    assert "C001 · 王经理 · ***" in err and OLD_PHONE not in err and "未撤销" in err


def test_a_customer_import_undo_on_a_master_set_to_mask_masks_the_phone_without_the_option(
    master: Path,  # noqa: F811
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    first = _list_giving_a_phone(tmp_path / "first.xlsx", "020-88881111")
    assert main(["customers", "import", str(first), "--into", str(master), "--update"]) == 0
    listed = _list_giving_a_phone(tmp_path / "list.xlsx", "020-88886666")
    assert main(["customers", "import", str(listed), "--into", str(master), "--update"]) == 0
    _set_to_mask(master)
    capsys.readouterr()
    assert main(["customers", "import", str(listed), "--into", str(master), "--undo"]) == 0
    undone = capsys.readouterr().out
    assert "电话 *** → ***" in undone and "020-8888" not in undone
    assert _phone_of_c001(master) == "020-88881111"  # masked on the screen, not in the master
