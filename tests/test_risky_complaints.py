"""Complaints as a risky-customer flag: a complaint still open at the day, or received in the last N months
(Settings risk_complaint_months, three by default), from the master's Complaints table; every report that lists
risky customers (the analysis workbook, the risky-customers statistics form, the general manager's pack) flags the
same customers. The hand-built master of tests/briefing_master.py: T1 (K1, received 10-10, closed 10-15), T2 (K3,
10-28, open), T3 (K1, 09-01, open), T4 (K2, 11-03, open)."""

from __future__ import annotations

import shutil
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from briefing_master import hand_master
from fileopens import opens_of
from reportbook import report_table

from keyacct_xl.analytics.analysis import load_analysed_master
from keyacct_xl.analytics.composition import complaint_counts, complaint_months, risky_customers
from keyacct_xl.briefing.usecase import run_gm_pack
from keyacct_xl.cli.main import main
from keyacct_xl.consolidate.store import load_master_store, load_store
from keyacct_xl.errors import InputError
from keyacct_xl.forms.catalog import load_form
from keyacct_xl.forms.generator import write_form
from keyacct_xl.forms.prefill import prefill
from keyacct_xl.history.store import store_path
from keyacct_xl.master import tablememo
from keyacct_xl.master.followthrough import COMPLAINTS
from keyacct_xl.master.products import load_optional_tables
from keyacct_xl.master.reader import load_master
from keyacct_xl.master.settings import settings_from
from keyacct_xl.performance.reports_check import run_submissions_check

D = pd.Timestamp


@pytest.fixture(scope="module")
def master_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return hand_master(tmp_path_factory.mktemp("risky"))


def _complaints(rows: list[tuple[str, str, str | None]]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "complaint_no": [f"T{i}" for i in range(len(rows))],
            "customer_id": [r[0] for r in rows],
            "received_date": pd.to_datetime([r[1] for r in rows]),
            "closed_date": pd.to_datetime([r[2] for r in rows]),
        }
    )


def test_open_and_recent_complaints_per_customer_at_a_day() -> None:
    complaints = _complaints(
        [
            ("A", "2026-07-31 12:00", "2026-08-05"),  # closed, received before August: not recent
            ("A", "2026-08-02 00:00", "2026-08-06"),  # closed, in the three months
            ("B", "2026-01-10 00:00", None),  # open for months: open, not recent
            ("B", "2026-10-20 00:00", "2026-11-02"),  # open at 10-31 (closed after it), recent
            ("C", "2026-11-01 00:00", None),  # after the day: counts nowhere
            (" A ", "2026-10-31 16:00", None),  # the day itself, the id as typed with spaces
        ]
    )
    counts = complaint_counts(complaints, as_of=D("2026-10-31 23:59:59"), months=3)
    assert counts.loc["A"].tolist() == [1, 2] and counts.loc["B"].tolist() == [2, 1]
    assert counts.loc["C"].tolist() == [0, 0]


def test_a_complaint_flags_its_customer_within_the_months_or_while_open() -> None:
    customers = pd.DataFrame(
        {"customer_id": ["A", "B", "C"], "name": ["a", "b", "c"], "region": [None] * 3, "rep": ["r"] * 3}
    )
    sales = pd.DataFrame(
        {
            "customer_id": ["A", "B", "C", "A", "B", "C"],
            "date": pd.to_datetime(["2025-10-01"] * 3 + ["2026-10-01"] * 3),
            "amount": [100.0] * 6,
        }
    )
    complaints = _complaints([("A", "2026-08-20", "2026-08-25"), ("B", "2026-01-10", None)])
    three = risky_customers(sales, customers, None, year=2026, complaints=complaints, as_of=D("2026-10-31"), lang="en")
    assert three["customer_id"].tolist() == ["A", "B"]  # nothing else is wrong with them: same sales, bought lately
    assert three.set_index("customer_id")["risks"].to_dict() == {
        "A": "1 complaint(s) in the last 3 months",
        "B": "1 open complaint(s)",
    }
    one = risky_customers(
        sales, customers, None, year=2026, complaints=complaints, as_of=D("2026-10-31"), complaint_months=1, lang="en"
    )
    assert one["customer_id"].tolist() == ["B"]  # A's closed complaint is older than a month
    assert risky_customers(sales, customers, None, year=2026, complaints=None, as_of=D("2026-10-31")).empty


def test_the_months_are_a_setting_three_by_default() -> None:
    assert complaint_months(settings_from({})) == 3
    assert complaint_months(settings_from({"risk_complaint_months": 6})) == 6
    with pytest.raises(InputError, match="risk_complaint_months must be a whole number"):
        complaint_months(settings_from({"risk_complaint_months": "半年"}))


def test_the_gm_pack_flags_a_customer_by_its_complaints(master_path: Path, tmp_path: Path) -> None:
    master, store = load_master_store(master_path)
    pack = run_gm_pack(master, store.frames, period="2026-10", out=tmp_path / "gm.xlsx")
    risky = pack.risky.set_index("customer_id")
    # K1 (sales up, its overdue 11 days) is at risk only by T3, open, and T1 and T3 received since August
    assert risky.loc["K1", ["complaints", "sales_drop", "overdue", "silent"]].tolist() == [True, False, False, False]
    assert risky.loc["K2", ["complaints", "open_complaints"]].tolist() == [False, 0]  # T4 comes after October
    table = report_table(pack.path, "危险客户").set_index("客户编号")
    assert table.loc["K1", ["未结投诉", "近期投诉"]].tolist() == [1, 2]
    assert table.loc["K1", "风险说明"] == "未结投诉 1 件，近 3 个月投诉 2 件"
    assert table.loc["K3", "风险说明"] == "逾期超过 90 天，未结投诉 1 件，近 3 个月投诉 1 件"


def test_the_analysis_workbook_flags_the_same_way(master_path: Path, tmp_path: Path) -> None:
    out = tmp_path / "analysis.xlsx"
    assert main(["analyze", str(master_path), "--year", "2026", "--out", str(out), "--lang", "zh"]) == 0
    table = report_table(out, "危险客户").set_index("客户编号")
    # 2026 is analysed to 2026-11-03, its latest day (T4 received; not to a 31 December to come): T2, T3 and T4 are
    # open; of K1's, T1 (October) and T3 (September) are in the three months
    assert table.loc["K2", "客户投诉"] == "是"
    assert table.loc["K2", "风险说明"].endswith("未结投诉 1 件，近 3 个月投诉 1 件")
    assert table.loc["K1", ["未结投诉", "近期投诉"]].tolist() == [1, 2]
    assert table.loc["K4", "客户投诉"] == "否"  # at risk by its silence, no complaint


def test_analyze_reads_the_master_and_its_complaints_in_one_read(master_path: Path, tmp_path: Path) -> None:
    """``analyze`` opens the master as often as ``load_master`` alone: the Complaints table comes with the master's
    own tables (it was a second read of the whole workbook, 4 opens), and from the load cache once there is one."""
    book = Path(shutil.copy(master_path, tmp_path / "master.xlsx"))

    def analyze() -> None:
        tablememo.forget_tables()  # each run as a new process starts it
        assert main(["analyze", str(book), "--year", "2026", "--out", str(tmp_path / "a.xlsx"), "--lang", "zh"]) == 0

    tablememo.forget_tables()
    alone = opens_of(book, lambda: load_master(book))
    assert alone == 2  # its zip directory (the cache keys), then its bytes, once
    assert opens_of(book, analyze) == alone
    store_path(book).mkdir()  # a history store beside it: what a load reads is cached there
    analyze()
    assert opens_of(book, analyze) == 1  # the zip directory alone: the master's tables and Complaints cached


def test_the_master_and_its_complaints_of_one_read_are_those_of_separate_reads(master_path: Path) -> None:
    tablememo.forget_tables()
    master, complaints = load_analysed_master(master_path)
    alone = load_master(master_path)
    for name in ("customers", "transactions", "payments", "visits"):
        pd.testing.assert_frame_equal(getattr(master, name), getattr(alone, name))
    assert master.settings == alone.settings and master.headers == alone.headers
    expected = load_optional_tables(master_path, (COMPLAINTS,))[COMPLAINTS.name]
    pd.testing.assert_frame_equal(complaints, expected)
    assert complaints["complaint_no"].tolist() == ["T1", "T2", "T3", "T4"]


def test_the_risky_customers_form_names_the_complaints(master_path: Path, tmp_path: Path) -> None:
    spec = load_form("risky_customers")
    path = write_form(tmp_path / "risky.xlsx", spec, data=prefill(spec, load_master(master_path), period="2026-10"))
    ws = openpyxl.load_workbook(path).worksheets[0]
    cells = ws[ws.tables["t_customers"].ref]
    headers = [c.value for c in cells[0]]
    rows = {r["客户编号"]: r for r in (dict(zip(headers, [c.value for c in row])) for row in cells[1:])}
    assert rows["K1"]["危险信号"] == "未结投诉 1 件，近 3 个月投诉 2 件" and rows["K1"]["风险程度"] == "中"
    assert rows["K3"]["风险程度"] == "高"  # overdue and a complaint: two flags
    assert "未结投诉" not in rows["K2"]["危险信号"]  # at risk by its sales, not by T4 (November)


def test_the_demo_s_complaint_flags_its_customer_in_the_month_it_came(
    demo_run: tuple[Path, str], tmp_path: Path
) -> None:
    """The demo's one complaint (C0139, received 2026-11-24, open) comes after the demo's own pack (2026-10) and
    analysis year (2025); the pack of November flags the customer, and lists November's reports as the check does."""
    out, _ = demo_run
    master = out / "master.xlsx"
    assert main(["report", "gm", str(master), "--period", "2026-11", "--out", str(tmp_path / "gm.xlsx")]) == 0
    risky = report_table(tmp_path / "gm.xlsx", "危险客户（全部）").set_index("客户编号")  # past the printed 50
    assert risky.loc["C0139", "未结投诉"] == 1 and "未结投诉 1 件" in risky.loc["C0139", "风险说明"]
    store = load_store(master)
    check = run_submissions_check(store.frames, store.settings, period="2026-11").reps.set_index("rep")
    reps = report_table(tmp_path / "gm.xlsx", "报表提交").set_index("业务员")
    assert reps["未交"].to_dict() == check["missing"].to_dict()
    assert reps["迟交"].to_dict() == check["late"].to_dict() and check["late"].sum() > 0


def test_analyze_warns_when_its_day_is_after_the_sales_and_payments(master_path: Path, tmp_path: Path, capsys) -> None:
    """``analyze --year 2026`` is taken at the latest complaint received (T4, 11-03), a day after the latest sale
    (11-02): silence and overdue days are counted past the data as if nothing were bought or paid, which the
    workbook's 截至 alone did not say (the demo: 截至 2026-11-24, sales to 10-31, 7 customers overdue over 90 days
    only for November's payments not being in). One warning says so and what to do; a year analysed to a day within
    the data gets none."""
    out = tmp_path / "analysis.xlsx"
    assert main(["analyze", str(master_path), "--year", "2026", "--out", str(out), "--lang", "zh"]) == 0
    printed = capsys.readouterr().out.splitlines()
    assert [line for line in printed if line.startswith("警告")] == [
        "警告：分析截至 2026-11-03，晚于总表的销售和收款（截至 2026-11-02）：未购天数和逾期天数按 2026-11-02 "
        "之后未再购买、未再收款计算到 2026-11-03；请先导入之后的销售和收款"
    ]
    sheet = openpyxl.load_workbook(out)["危险客户"]
    assert "截至：2026-11-03" in [c.value for row in sheet.iter_rows(max_row=4) for c in row]  # the day, as before
    assert main(["analyze", str(master_path), "--year", "2026", "--out", str(out), "--lang", "en"]) == 0
    assert "warning: the analysis is taken at 2026-11-03" in capsys.readouterr().out
    assert main(["analyze", str(master_path), "--year", "2025", "--out", str(out), "--lang", "zh"]) == 0
    assert "警告" not in capsys.readouterr().out
