"""customers import --new-id ROW / --same ROW: a manager's decision on a row the import held because its id is
another company's in the master (or a probable duplicate), as ``consolidate --accept`` decides a file held for
review: applied in a later run of the same list, reported, and undone with the rest of the import."""

from __future__ import annotations

from pathlib import Path

import pytest
import python_calamine as calamine
import xlsxwriter

from keyacct_xl.cli.main import main
from keyacct_xl.consolidate.store import load_store
from keyacct_xl.master.reader import load_master
from keyacct_xl.master.submissions import LEDGER
from tests.test_customer_import import _city_list

MASTER_ROWS = [
    ["C0001", "上海恒达润滑油有限公司", "上海", "021-64001234"],
    ["C0002", "昆明滇池精工有限公司", "昆明", "0871-65001111"],
]
# Row 2 is a new customer under its own new id; row 3 gives C0002 to another company (held); row 4 is C0001 itself.
LIST_ROWS = [
    ["C0003", "苏州金达汽修厂", "苏州", "0512-66001234"],
    ["C0002", "成都九鼎矿业股份有限公司", "成都", "028-54619887"],
    ["C0001", "上海恒达润滑油有限公司", "上海", "021-64001234"],
]


def _import(source: Path, master: Path, *options: str) -> int:
    return main(["customers", "import", str(source), "--into", str(master), *options])


@pytest.fixture
def master(tmp_path: Path) -> Path:
    path = tmp_path / "master.xlsx"
    assert main(["master", "new", str(path)]) == 0
    assert _import(_city_list(tmp_path / "mine.xlsx", MASTER_ROWS), path) == 0
    return path


@pytest.fixture
def held(tmp_path: Path, master: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    """The list imported with --update: row 2 imported as C0003, row 3 held (C0002 is 昆明滇池's), row 4 as is."""
    source = _city_list(tmp_path / "b.xlsx", LIST_ROWS)
    assert _import(source, master, "--update") == 0
    out = capsys.readouterr().out
    assert "第 3 行：编号对应另一客户，暂缓 C0002 成都九鼎矿业股份有限公司" in out
    assert "或用 --new-id 3 作为新客户导入（客户确实改了名的，用 --same 3 更新）" in out  # the held line says how
    return source


def _customers(master: Path) -> dict[str, list[object]]:
    frame = load_master(master).customers.set_index("customer_id")
    return {str(cid): frame.loc[cid, ["name", "city", "phone"]].tolist() for cid in frame.index}


def test_a_held_row_is_imported_under_the_next_id_and_undone_with_the_list(
    tmp_path: Path, master: Path, held: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    report = tmp_path / "r.xlsx"
    assert _import(held, master, "--new-id", "3", "--report", str(report)) == 0
    out = capsys.readouterr().out
    assert "第 3 行：已导入 C0004 成都九鼎矿业股份有限公司" in out, out
    assert "--new-id 3" in out and "昆明滇池精工有限公司" in out  # the decision and the company it is not
    assert "第 2 行" not in out and "第 4 行" not in out  # the rows decided before are not imported again
    customers = _customers(master)
    assert customers["C0004"] == ["成都九鼎矿业股份有限公司", "成都", "028-54619887"]
    assert customers["C0002"] == ["昆明滇池精工有限公司", "昆明", "0871-65001111"]  # the other company untouched
    assert list(customers) == ["C0001", "C0002", "C0003", "C0004"]
    assert "b.xlsx：已决定暂缓的 1 行：已导入 1；总表已保存" in out
    book = calamine.CalamineWorkbook.from_path(str(report))
    assert ["已决定的暂缓行", 1] in book.get_sheet_by_index(0).to_python()
    assert [r[:3] for r in book.get_sheet_by_index(1).to_python() if r and r[0] == 3] == [[3, "已导入", "C0004"]]
    ledger = load_store(master).frame(LEDGER.name)
    entry = ledger[ledger["file_name"] == "b.xlsx"]
    assert entry[["status", "rows", "rejected_rows"]].values.tolist() == [["accepted", 2, 0]]  # one entry, no row held
    # decided once: the row is no longer held, and the list is imported whole
    assert _import(held, master, "--new-id", "3") == 2
    assert "第 3 行" in capsys.readouterr().err
    assert _import(held, master, "--undo") == 0
    assert _customers(master) == {
        "C0001": MASTER_ROWS[0][1:],
        "C0002": MASTER_ROWS[1][1:],
    }


def test_new_id_in_the_first_import_of_a_list(tmp_path: Path, master: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A decision read from a dry run's report applies in the list's first import too."""
    source = _city_list(tmp_path / "b.xlsx", LIST_ROWS)
    assert _import(source, master, "--new-id", "3", "--dry-run") == 0
    assert "第 3 行：已导入 C0004 成都九鼎矿业股份有限公司" in capsys.readouterr().out
    assert list(_customers(master)) == ["C0001", "C0002"]
    assert _import(source, master, "--new-id", "3") == 0
    assert list(_customers(master)) == ["C0001", "C0002", "C0003", "C0004"]
    assert _customers(master)["C0002"] == MASTER_ROWS[1][1:]


def test_same_updates_a_held_row_with_before_and_after_and_is_undone(
    master: Path, held: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--lang", "en", "customers", "import", str(held), "--into", str(master), "--same", "3"]) == 0
    out = capsys.readouterr().out
    assert "row 3: updated C0002 成都九鼎矿业股份有限公司" in out, out
    assert "--same 3" in out
    for before_after in (
        "昆明滇池精工有限公司 → 成都九鼎矿业股份有限公司",
        "昆明 → 成都",
        "0871-65001111 → 028-54619887",
    ):
        assert before_after in out
    assert _customers(master)["C0002"] == ["成都九鼎矿业股份有限公司", "成都", "028-54619887"]
    assert _import(held, master, "--undo") == 0
    assert _customers(master) == {"C0001": MASTER_ROWS[0][1:], "C0002": MASTER_ROWS[1][1:]}


@pytest.mark.parametrize(
    ("options", "said"),
    [
        (["--new-id", "2"], "第 2 行（已导入）没有被暂缓"),
        (["--same", "4"], "第 4 行（总表已有）没有被暂缓"),
        (["--new-id", "9"], "名单中没有第 9 行"),
        (["--new-id", "3", "--same", "3"], "第 3 行既给了 --new-id 又给了 --same"),
        (["--new-id", "3", "--update"], "--update"),
    ],
)
def test_a_decision_on_a_row_that_was_not_held_is_refused(
    master: Path, held: Path, capsys: pytest.CaptureFixture[str], options: list[str], said: str
) -> None:
    before = master.read_bytes()
    assert _import(held, master, *options) == 2
    err = capsys.readouterr().err
    assert said in err, err
    assert master.read_bytes() == before


def test_a_row_not_held_is_refused_in_english_too(master: Path, held: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = ["--lang", "en", "customers", "import", str(held), "--into", str(master), "--same", "2"]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert "row 2 (imported) was not held" in err and "--same" in err, err


def test_a_probable_duplicate_is_imported_by_new_id_naming_the_customer_it_resembles(
    tmp_path: Path, master: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A row without an id held as a probable duplicate (same name as C0001) is a new customer once decided so;
    --same, which takes a row as the customer its own id names, does not decide such a row."""
    source = _city_list(tmp_path / "c.xlsx", [["", "上海恒达润滑油有限公司", "杭州", "0571-88001234"]])
    assert _import(source, master) == 0
    assert "第 2 行：疑似重复，暂缓" in capsys.readouterr().out
    assert _import(source, master, "--same", "2") == 2
    assert (
        "第 2 行（疑似重复，暂缓）：--same 只用于状态为 编号对应另一客户，暂缓、有差异，未更新 的行"
        in capsys.readouterr().err
    )
    assert _import(source, master, "--new-id", "2") == 0
    out = capsys.readouterr().out
    assert (
        "第 2 行：已导入 C0003 上海恒达润滑油有限公司：按 --new-id 2 分配新编号 C0003：作为新客户，不是与之相似的 C0001"
        in out
    )
    assert _customers(master)["C0003"] == ["上海恒达润滑油有限公司", "杭州", "0571-88001234"]
    assert _import(source, master, "--undo") == 0
    assert list(_customers(master)) == ["C0001", "C0002"]


def test_a_row_of_another_company_under_this_id_that_is_a_customer_of_the_master_is_not_given_a_new_id(
    tmp_path: Path, master: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An old system's id C0002 on C0001's company: the held line names C0001 (the row with its id blank would be
    held as C0001's duplicate), suggests its id instead of --new-id, and --new-id is refused naming C0001."""
    source = _city_list(tmp_path / "b.xlsx", [["C0002", "上海恒达润滑油有限公司", "上海", "021-64001234"]])
    assert _import(source, master) == 0
    out = capsys.readouterr().out
    assert "第 2 行：编号对应另一客户，暂缓 C0002 上海恒达润滑油有限公司" in out, out
    assert "它与客户 C0001 上海恒达润滑油有限公司（电话，相似度 95）相似，作为新客户会与之疑似重复" in out, out
    assert "把它的编号改为 C0001" in out and "--new-id 2" not in out, out
    before = master.read_bytes()
    assert _import(source, master, "--new-id", "2") == 2
    err = capsys.readouterr().err
    assert "第 2 行（编号对应另一客户，暂缓）：--new-id 会把它作为新客户导入" in err, err
    assert "而它与客户 C0001 上海恒达润滑油有限公司（电话，相似度 95）疑似重复" in err, err
    assert master.read_bytes() == before
    assert list(_customers(master)) == ["C0001", "C0002"]
    args = ["--lang", "en", "customers", "import", str(source), "--into", str(master), "--new-id", "2"]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert "a probable duplicate of customer C0001 上海恒达润滑油有限公司 (Phone, score 95)" in err, err
    assert "give it the id C0001" in err, err


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("option", ["--new-id", "--same"])
def test_a_decision_on_a_row_update_held_as_a_probable_duplicate_says_why_and_what_to_do(
    tmp_path: Path, master: Path, capsys: pytest.CaptureFixture[str], option: str, lang: str
) -> None:
    """--update holds C0002's row as a probable duplicate (C0001's phone): neither decision settles it, and the
    refusal names the customer it resembles and the way out instead of listing the statuses it settles."""
    source = _city_list(tmp_path / "b.xlsx", [["C0002", "成都九鼎矿业股份有限公司", "成都", "021-64001234"]])
    before = master.read_bytes()
    args = ["--lang", lang, "customers", "import", str(source), "--into", str(master), "--update"]
    assert main([*args, option, "2"]) == 2
    err = capsys.readouterr().err
    assert "C0001 上海恒达润滑油有限公司" in err, err
    said = {
        "zh": [
            "第 2 行（疑似重复，暂缓）：",
            "如果该行就是使用旧编号的 C0001，请把它的编号改为 C0001；否则请在名单中改正它的电话",
        ],
        "en": ["row 2 (held: probable duplicate): ", "if the row is C0001 under an old id, give it the id C0001"],
    }[lang]
    assert all(s in err for s in said), err
    assert "decides only" not in err and "只用于" not in err, err
    assert master.read_bytes() == before


def _list_of(path: Path, header: list[str], rows: list[list[object]]) -> Path:
    """A list with these columns."""
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("客户名单")
    for i, row in enumerate([header, *rows]):
        sheet.write_row(i, 0, row)
    book.close()
    return path


def test_new_id_on_a_customers_own_row_update_held_as_a_duplicate_is_refused_saying_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """C0002's new name with its address (the master's, not the row's) resembles C0001: the row alone resembles
    no one, but under --update it is C0002's own row, whose update was held: --new-id is refused saying so."""
    master = tmp_path / "master.xlsx"
    assert main(["master", "new", str(master)]) == 0
    address = "上海市徐汇区漕宝路1号"
    mine = [["C0001", "上海恒达润滑油有限公司", address], ["C0002", "昆明滇池精工有限公司", address]]
    assert _import(_list_of(tmp_path / "mine.xlsx", ["客户编号", "客户名称", "地址"], mine), master) == 0
    source = _list_of(tmp_path / "b.xlsx", ["客户编号", "客户名称"], [["C0002", "上海恒达机械有限公司"]])
    assert _import(source, master, "--update", "--dry-run") == 0
    assert "第 2 行：疑似重复，暂缓 C0002" in capsys.readouterr().out
    before = master.read_bytes()
    assert _import(source, master, "--update", "--new-id", "2") == 2
    err = capsys.readouterr().err
    assert "第 2 行（疑似重复，暂缓）：该行给的是客户 C0002 的编号，用它的值更新该客户已被暂缓" in err, err
    assert master.read_bytes() == before


def test_a_probable_duplicate_giving_its_own_free_id_shows_it_and_keeps_it_by_new_id(
    tmp_path: Path, master: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A row giving its own id C0839 (free in the master), held as a probable duplicate of C0001 (same name, other
    city): before, its 客户编号 was blank in the report and --new-id gave it C0003, so the ERP lines under C0839 could
    never be connected; now the report shows C0839 and --new-id imports it under C0839."""
    source = _city_list(tmp_path / "c.xlsx", [["C0839", "上海恒达润滑油有限公司", "杭州", "0571-88001234"]])
    report = tmp_path / "r.xlsx"
    assert _import(source, master, "--report", str(report)) == 0
    assert "第 2 行：疑似重复，暂缓 C0839 上海恒达润滑油有限公司" in capsys.readouterr().out
    rows = calamine.CalamineWorkbook.from_path(str(report)).get_sheet_by_index(1).to_python()
    assert [r[:3] for r in rows if r and r[0] == 2] == [[2, "疑似重复，暂缓", "C0839"]]
    assert _import(source, master, "--new-id", "2") == 0
    out = capsys.readouterr().out
    assert "第 2 行：已导入 C0839 上海恒达润滑油有限公司：按 --new-id 2 以名单中的编号 C0839 导入" in out, out
    assert "不是与之相似的 C0001" in out, out
    assert list(_customers(master)) == ["C0001", "C0002", "C0839"]
    assert _import(source, master, "--undo") == 0
    assert list(_customers(master)) == ["C0001", "C0002"]
