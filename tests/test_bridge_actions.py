"""Ribbon actions on the demo master through both bridge back ends: the same conformance tests for the file
back end (``keyacct-xl run``) and the xlwings back end. CI has no Excel, so the xlwings back end runs against
``ExcelStandIn``: the few xlwings Book/App members it uses (fullname, save, close, sheets, status_bar, alert,
books.open, api.GetOpenFilename/InputBox), backed by the real file on disk. Outputs are read back with
openpyxl and python-calamine, and both back ends must write byte-identical reports."""

from __future__ import annotations

import io
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest
import python_calamine as calamine
from reportbook import report_table

from keyacct_xl.analytics.credit_run import run_credit_check
from keyacct_xl.bridge.base import ActionOptions, FileBridge
from keyacct_xl.bridge.excel import XlwingsBridge
from keyacct_xl.cli.main import main
from keyacct_xl.consolidate.customerlist import LIST_SUFFIXES
from keyacct_xl.demo.company import generate_demo
from keyacct_xl.errors import BridgeError, InputError
from keyacct_xl.macros import ACTIONS, run_action
from keyacct_xl.master.reader import load_master
from keyacct_xl.master.writer import save_master
from keyacct_xl.receivables.demo_statement import pick_customer, write_returned_statement
from keyacct_xl.receivables.statement_reader import SUFFIXES as STATEMENT_SUFFIXES
from keyacct_xl.receivables.statements import parse_period

ISSUE_ACTIONS = {
    "generate_forms",
    "prefill_forms",
    "consolidate",
    "import_customers",
    "open_report",
    "annual_grading",
    "apply_grades",
    "rfm_refresh",
    "abc",
    "analysis",
    "reconcile",
    "ageing",
    "statements",
    "settings",
    "about",
    "visits_check",
    "apply_credit_terms",
    "credit_check",
    "gm_pack",
    "fact_sheet",
    "undo_grades",
    "undo_credit_terms",
}


class _Sheet:
    def __init__(self, name: str, app: _App) -> None:
        self.name, self.app = name, app

    def activate(self) -> None:
        self.app.events.append(("activate", self.name))


class _Sheets(list):
    """xlwings' Sheets: iterable, and indexed by name."""

    def __getitem__(self, key):  # type: ignore[override]
        if isinstance(key, str):
            return next(s for s in self if s.name == key)
        return super().__getitem__(key)


class _Api:
    def __init__(self, app: _App) -> None:
        self.app = app

    def GetOpenFilename(self, *args: object) -> object:  # Excel's name
        self.app.events.append(("dialog", args[-1]))
        self.app.filters.append(args[0])  # FileFilter: "label (*.a;*.b),*.a;*.b"
        return self.app.answers.get("file", False)

    def InputBox(self, prompt: str) -> object:  # Excel's name
        self.app.events.append(("input", prompt))
        return self.app.answers.get("text", "")


class _Books:
    def __init__(self, app: _App) -> None:
        self.app = app
        self.active: ExcelStandIn | None = None

    def open(self, path: str) -> ExcelStandIn:
        self.app.events.append(("open", Path(path).name))
        return ExcelStandIn(Path(path), self.app)


class _App:
    def __init__(self) -> None:
        self.events: list[tuple] = []
        self.answers: dict[str, object] = {}
        self.filters: list[object] = []
        self.books = _Books(self)
        self.api = _Api(self)
        self._status: str | bool = False

    @property
    def status_bar(self) -> str | bool:
        return self._status

    @status_bar.setter
    def status_bar(self, value: str | bool) -> None:
        self._status = value
        self.events.append(("status", value))

    def alert(self, prompt: str, title: str | None = None, mode: str | None = None) -> None:
        self.events.append(("alert", prompt, mode))


class ExcelStandIn:
    """An open workbook in Excel as xlwings shows it, backed by the file at ``path``."""

    def __init__(self, path: Path, app: _App | None = None) -> None:
        self.path, self.app, self.closed = path, app or _App(), False

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def fullname(self) -> str:
        return str(self.path)

    @property
    def sheets(self) -> _Sheets:
        names = calamine.CalamineWorkbook.from_filelike(io.BytesIO(self.path.read_bytes())).sheet_names
        return _Sheets(_Sheet(n, self.app) for n in names)

    def save(self) -> None:
        assert not self.closed, "saving a closed workbook"
        self.app.events.append(("save", self.path.name))

    def close(self) -> None:
        self.closed = True
        self.app.events.append(("close", self.path.name))


@pytest.fixture(scope="module")
def demo_master(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("demo") / "master.xlsx"
    save_master(generate_demo(seed=11, customers=30), path, backup=False)
    return path


@pytest.fixture(params=["file", "xlwings"])
def bridge(request: pytest.FixtureRequest, demo_master: Path, tmp_path: Path):
    """A fresh copy of the demo master behind the back end under test."""
    path = tmp_path / request.param / "master.xlsx"
    path.parent.mkdir()
    shutil.copy2(demo_master, path)
    if request.param == "file":
        return FileBridge(path, lang="en", stream=io.StringIO())
    return XlwingsBridge(ExcelStandIn(path), lang="en")


def _progress(bridge) -> list[str]:
    if isinstance(bridge, FileBridge):
        return bridge.stream.getvalue().splitlines()
    return [e[1] for e in bridge.app.events if e[0] == "status" and e[1] is not False]


def test_registry_has_every_ribbon_action_of_the_issue() -> None:
    assert set(ACTIONS) == ISSUE_ACTIONS
    assert main(["run", "--list"]) == 0


def test_rfm_refresh_writes_the_rfm_report(bridge) -> None:
    result = run_action("rfm_refresh", bridge)
    (path,) = result.outputs
    master = load_master(bridge.book_path())
    customers = master.transactions.loc[master.transactions["amount"] > 0, "customer_id"].nunique()
    table = report_table(path, 0)
    # the bridge's language (en here) names the columns; the frame's keys are not shown; the master's name of each
    # customer beside its id (a deliberate change: the ids alone named no one)
    assert list(table.columns[:4]) == ["Customer ID", "Customer Name", "Last Purchase", "Recency (days)"]
    assert len(table) <= customers
    assert any("computing RFM" in line for line in _progress(bridge))
    assert str(len(table)) in result.en


def test_reports_are_identical_on_both_back_ends(demo_master: Path, tmp_path: Path) -> None:
    outputs = {}
    for name, make in (
        ("file", lambda p: FileBridge(p, lang="zh", stream=io.StringIO())),
        ("xlwings", lambda p: XlwingsBridge(ExcelStandIn(p), lang="zh")),
    ):
        path = tmp_path / name / "master.xlsx"
        path.parent.mkdir()
        shutil.copy2(demo_master, path)
        bridge = make(path)
        outputs[name] = {
            action: [p.read_bytes() for p in run_action(action, bridge).outputs]
            for action in ("rfm_refresh", "abc", "analysis", "ageing", "statements")
        }
    assert outputs["file"] == outputs["xlwings"]


@pytest.mark.parametrize("name", ["abc", "analysis", "ageing", "statements", "generate_forms", "visits_check"])
def test_read_only_actions_write_readable_workbooks(bridge, name: str) -> None:
    before = bridge.book_path().read_bytes()
    result = run_action(name, bridge)
    assert result.outputs
    for path in result.outputs:
        book = calamine.CalamineWorkbook.from_path(str(path))
        assert book.sheet_names
    assert bridge.book_path().read_bytes() == before  # reading actions never touch the master


def test_grading_then_apply_updates_the_master(bridge) -> None:
    year = int(load_master(bridge.book_path()).transactions["date"].max().year)  # the default year
    assert not (load_master(bridge.book_path()).grade_history["year"] == year).any()
    result = run_action("annual_grading", bridge)
    assert f"{year} grading" in result.en
    book = calamine.CalamineWorkbook.from_path(str(bridge.book_path()), load_tables=True)
    assert "GradeReview" in book.table_names
    run_action("apply_grades", bridge, ActionOptions(approved_by="Manager Wang", as_of="2026-01-05"))
    master = load_master(bridge.book_path())
    history = master.grade_history[master.grade_history["year"] == year]
    assert len(history) == len(master.customers)
    assert set(history["approved_by"]) == {"Manager Wang"}
    if isinstance(bridge, XlwingsBridge):
        # Excel released the file while the core wrote it and shows the result again.
        kinds = [e[0] for e in bridge.app.events]
        assert kinds.count("close") == 2 and kinds.count("open") == 2 and not bridge.book.closed


def test_the_undo_buttons_put_back_what_the_apply_buttons_wrote(bridge) -> None:
    """Apply credit terms, then undo them; apply approved grades, then undo them: Customers' grades, limits and
    terms are as before each time, and each undo is a GradeHistory row of its own."""
    columns = ["customer_id", "grade", "credit_grade", "credit_limit", "payment_terms_days"]
    options = ActionOptions(approved_by="Manager Wang", as_of="2026-01-05")
    for apply, undo in (("apply_credit_terms", "undo_credit_terms"), ("apply_grades", "undo_grades")):
        before = load_master(bridge.book_path()).customers[columns]
        if apply == "apply_grades":
            run_action("annual_grading", bridge)
        run_action(apply, bridge, options)
        assert not load_master(bridge.book_path()).customers[columns].equals(before), apply
        undone = run_action(undo, bridge, options)
        assert "→" in undone.en and "→" in undone.zh, undone.en  # each customer with before and after
        pd.testing.assert_frame_equal(load_master(bridge.book_path()).customers[columns], before, obj=undo)
    reasons = load_master(bridge.book_path()).grade_history["reason"].astype(str)
    assert reasons.str.contains("撤销").sum() >= 2  # the master is zh: each undo says so in its rows


def test_apply_credit_terms_writes_each_credit_grades_terms(bridge) -> None:
    result = run_action("apply_credit_terms", bridge, ActionOptions(approved_by="Manager Wang", as_of="2026-01-05"))
    assert result.en.startswith("credit terms updated for") and "信用条件" in result.zh
    customers = load_master(bridge.book_path()).customers
    hand_set = customers["credit_override"].notna()
    terms = {"A": (500_000.0, 60), "B": (200_000.0, 30), "C": (0.0, 0)}
    for row in customers[~hand_set & customers["credit_grade"].notna()].itertuples():
        assert (row.credit_limit, row.payment_terms_days) == terms[row.credit_grade], row.customer_id
    again = run_action("apply_credit_terms", bridge, ActionOptions(as_of="2026-01-05"))
    assert again.en.startswith("credit terms updated for 0 customer(s)")


def test_credit_check_asks_customer_and_amount_and_decides(bridge) -> None:
    master = load_master(bridge.book_path())
    customer = str(master.customers.loc[master.customers["credit_grade"].notna(), "customer_id"].iloc[0])
    # far over any limit, and more than any prepayment: refused under every grade's rule
    result = run_action("credit_check", bridge, ActionOptions(extra={"customer": customer, "amount": "10000万"}))
    assert f"{customer} " in result.en and ": refuse" in result.en and "：拒绝" in result.zh
    expected = run_credit_check(master, customer, 100_000_000.0, lang="en")
    assert result.en == expected.summary("en")


def test_reconcile_a_returned_statement(bridge) -> None:
    master = load_master(bridge.book_path())
    start, end = parse_period(f"{master.transactions['date'].max():%Y-%m}")
    customer = pick_customer(master, start=start, end=end)
    statement = bridge.book_path().parent / "returned.xlsx"
    write_returned_statement(master, customer, statement, start=start, end=end)
    if isinstance(bridge, FileBridge):
        with pytest.raises(InputError, match="--input"):
            run_action("reconcile", bridge)
        options = ActionOptions(input=statement, extra={"customer": customer})
    else:
        bridge.app.answers.update(file=str(statement), text=customer)  # the Open dialog and the InputBox
        options = ActionOptions()
    result = run_action("reconcile", bridge, options)
    report = calamine.CalamineWorkbook.from_path(str(result.outputs[0]))
    assert report.sheet_names and "Only Theirs 1" in result.en and "unexplained" in result.en


def test_consolidate_merges_returned_forms(bridge) -> None:
    rep = sorted(load_master(bridge.book_path()).customers["rep"].dropna())[0]
    result = run_action("prefill_forms", bridge, ActionOptions(extra={"period": "2026-W45", "rep": rep}))
    assert result.outputs and all(p.parent.name == rep for p in result.outputs)
    folder = bridge.book_path().parent
    (folder / "forms").rename(folder / "submissions")
    before = _table_rows(bridge.book_path())
    result = run_action("consolidate", bridge)
    assert result.en.startswith(f"{len(list((folder / 'submissions').rglob('*.xlsx')))} file(s):")
    assert result.outputs[0].exists()
    # The rows the summary reports are in the master, read back independently (the pre-filled weekly plan
    # carries the rep's planned visits; the other forms come back empty or are not merged), and each is kept in
    # SubmissionHistory as its file added it.
    added = int(re.search(r"(\d+) row\(s\) added", result.en).group(1))
    after = _table_rows(bridge.book_path())
    recorded = after.get("SubmissionHistory", 0) - before.get("SubmissionHistory", 0)
    assert added > 0 and recorded == added
    assert sum(after.values()) - sum(before.values()) - after.get("IngestionLedger", 0) - recorded == added


def _table_rows(path: Path) -> dict[str, int]:
    book = calamine.CalamineWorkbook.from_path(str(path), load_tables=True)
    return {name: len(book.get_table_by_name(name).to_python()) for name in book.table_names}


def test_open_report_settings_about_and_the_end_of_an_action(bridge) -> None:
    with pytest.raises(InputError, match="no report yet"):
        run_action("open_report", bridge)
    written = run_action("ageing", bridge).outputs[0]
    result = run_action("open_report", bridge)
    assert result.show == written
    settings = run_action("settings", bridge)
    assert "Ageing Buckets = 30,60,90,180" in settings.en and settings.sheet == "参数设置"
    assert "xlwings" in run_action("about", bridge).en
    if isinstance(bridge, XlwingsBridge):
        events = bridge.app.events
        assert ("open", written.name) in events and ("activate", "参数设置") in events
        assert events[-1][0] == "alert" and bridge.app.status_bar is False
    else:
        assert bridge.shown == [written]


def test_cli_run_on_a_file(demo_master: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    book = tmp_path / "master.xlsx"
    shutil.copy2(demo_master, book)
    assert main(["run", "ageing", "--book", str(book), "--out", str(tmp_path / "out"), "--lang", "en"]) == 0
    out, err = capsys.readouterr()
    assert out.startswith("ageing: ") and str(tmp_path / "out" / "ageing_") in out
    assert "[1/2] reading the master" in err  # progress goes to stderr


def test_cli_run_errors_are_one_line(demo_master: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", "nope", "--book", str(demo_master), "--lang", "en"]) == 2
    assert "unknown action 'nope'" in capsys.readouterr().err
    assert main(["run", "ageing", "--lang", "en"]) == 2
    assert "--book" in capsys.readouterr().err
    assert main(["run", "about", "--lang", "en"]) == 0
    assert pd.__version__ in capsys.readouterr().out


def test_xlwings_failure_is_an_alert(demo_master: Path) -> None:
    # The file back end raises instead; the CLI prints one line (test above).
    bridge = XlwingsBridge(ExcelStandIn(demo_master), lang="en")
    bridge.fail("boom")
    assert bridge.app.events[-1] == ("alert", "boom", "critical") and bridge.app.status_bar is False


@pytest.mark.parametrize("lang, label", [("zh", "电子表格"), ("en", "Spreadsheets")])
def test_the_file_pickers_offer_the_types_their_commands_read(demo_master: Path, lang: str, label: str) -> None:
    """导入客户名单 takes .ods and .xlsm lists, and a returned statement may be one: the Open dialog offers each type
    its command's reader accepts, under a label in the user's language (it offered "Excel" .xlsx/.xls/.csv)."""
    bridge = XlwingsBridge(ExcelStandIn(demo_master), lang=lang)  # type: ignore[arg-type]
    for name in ("import_customers", "reconcile"):
        with pytest.raises(BridgeError):  # the dialog is cancelled: nothing is written
            run_action(name, bridge)
    by_list, by_statement = bridge.app.filters
    for offered, suffixes in ((by_list, LIST_SUFFIXES), (by_statement, STATEMENT_SUFFIXES)):
        patterns = ";".join(f"*{s}" for s in suffixes)
        assert offered == f"{label} ({patterns}),{patterns}"
        assert {"*.xlsx", "*.xlsm", "*.xls", "*.ods", "*.csv"} <= set(patterns.split(";"))


def test_demo_step_builds_the_addin_and_runs_actions(demo_master: Path, tmp_path: Path) -> None:
    import argparse

    from keyacct_xl.bridge.demo_step import bridge_demo

    lines = bridge_demo(demo_master, tmp_path, argparse.Namespace(lang="en"))
    assert (tmp_path / "addin" / "keyacct_xl.xlam").exists()
    assert "16 worksheet functions, 22 ribbon actions" in lines[0]
    assert lines[1].startswith("ribbon action rfm_refresh: RFM:") and len(list((tmp_path / "reports").iterdir())) == 2


def test_run_from_excel_uses_the_active_workbook_and_alerts(
    demo_master: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import xlwings

    from keyacct_xl.macros import run_from_excel

    book = tmp_path / "master.xlsx"
    shutil.copy2(demo_master, book)
    addin = ExcelStandIn(tmp_path / "keyacct_xl.xlam")  # RunPython reports the add-in as the caller
    master = ExcelStandIn(book, addin.app)
    monkeypatch.setattr(xlwings.Book, "caller", staticmethod(lambda: addin))
    addin.app.books.active = master
    run_from_excel("ageing")
    events = addin.app.events
    assert ("save", "master.xlsx") in events and events[-1][0] == "alert" and "账龄分析" in events[-1][1]
    run_from_excel("nope")
    assert events[-1][0] == "alert" and "未知操作" in events[-1][1] and events[-1][2] == "critical"
    addin.app.books.active = addin  # the add-in itself is active: nothing runs, the user is told
    run_from_excel("ageing")
    assert "activate the master workbook" in events[-1][1]


def test_statements_on_a_master_without_dated_lines_is_one_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from keyacct_xl.master.model import Master

    book = tmp_path / "master.xlsx"
    save_master(Master.empty(lang="en"), book, backup=False)
    assert main(["run", "statements", "--book", str(book), "--lang", "en"]) == 2  # was a NaT strftime traceback
    assert "no dated lines; give --period" in capsys.readouterr().err


def test_apply_grades_names_review_rows_it_could_not_apply(bridge) -> None:
    master = load_master(bridge.book_path())
    latest = master.transactions["date"].max()
    extra = pd.DataFrame({"doc_no": ["X-1"], "customer_id": ["X9"], "date": [latest], "amount": [5_000.0]})
    master.transactions = pd.concat(
        [master.transactions, extra.reindex(columns=master.transactions.columns)], ignore_index=True
    )
    save_master(master, bridge.book_path(), tables=["Transactions"], backup=False)
    run_action("annual_grading", bridge)
    result = run_action("apply_grades", bridge, ActionOptions(approved_by="Manager Wang", as_of="2026-01-05"))
    assert "1 row(s) not applied, not in Customers (add them first): X9" in result.en  # was silently left out
    assert "X9" not in set(load_master(bridge.book_path()).grade_history["customer_id"])


@pytest.fixture
def clicked_master(demo_master: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> ExcelStandIn:
    """A copy of the demo master open in the stand-in Excel, the workbook a ribbon button is clicked in."""
    import xlwings

    book = tmp_path / "master.xlsx"
    shutil.copy2(demo_master, book)
    master = ExcelStandIn(book)
    master.app.books.active = master
    monkeypatch.setattr(xlwings.Book, "caller", staticmethod(lambda: master))
    return master


def test_run_from_excel_clears_the_status_bar_when_an_action_breaks(
    clicked_master: ExcelStandIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    from keyacct_xl.bridge import actions_finance
    from keyacct_xl.macros import run_from_excel

    master = clicked_master

    def broken(*args: object, **kwargs: object) -> None:
        raise ZeroDivisionError("a bug")

    monkeypatch.setattr(actions_finance, "run_ageing", broken)
    with pytest.raises(ZeroDivisionError):  # xlwings shows the traceback of a bug
        run_from_excel("ageing")
    assert ("status", "[2/2] 计算账龄…") in master.app.events and master.app.status_bar is False


def test_run_from_excel_alerts_a_failure_with_the_notes_of_what_was_saved_before_it(
    clicked_master: ExcelStandIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    from keyacct_xl.bridge import actions_finance
    from keyacct_xl.errors import InputError
    from keyacct_xl.macros import run_from_excel
    from keyacct_xl.messages import msg
    from keyacct_xl.notices import notify

    def saved_then_refused(*args: object, **kwargs: object) -> None:
        notify(msg("{count:,} more", count=3))  # as a save tells what it did
        raise InputError(msg("no path to save the master to"))

    monkeypatch.setattr(actions_finance, "run_ageing", saved_then_refused)
    run_from_excel("ageing")
    kind, text, *_ = clicked_master.app.events[-1]
    assert kind == "alert" and text.splitlines()[-1] == "注意：另 3 个"


def test_statements_for_every_customer_note_the_one_not_in_customers(
    demo_master: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The ribbon's 客户对账单 writes every other statement and notes the customer whose lines have no Customers row."""
    master = load_master(demo_master)
    orphan = str(master.transactions["customer_id"].iloc[-1]).strip()
    master.customers = master.customers[master.customers["customer_id"].astype(str).str.strip() != orphan]
    book = save_master(master, tmp_path / "master.xlsx", backup=False)
    period = f"{master.transactions['date'].max():%Y-%m}"
    args = ["run", "statements", "--book", str(book), "--out", str(tmp_path / "out"), "--lang", "en"]
    assert main([*args, "--period", period]) == 0
    out = capsys.readouterr().out
    assert "statements: " in out and f"note: {book}: customer {orphan} is not in the Customers table" in out, out
