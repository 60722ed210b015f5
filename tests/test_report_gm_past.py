"""The monthly pack of a past month tells that month's truth: the VIP/A customers by the grades in force then, no
figure for the months before the data begin, and no comparison with a year to date the data cover only in part.

The hand-built master (tests/briefing_master.py) begins on 2024-05-05 (K6's first sale); its GradeHistory here holds
the 2024 grading (in force from 2025-01-03) and the 2025 grading (from 2026-01-05)."""

from __future__ import annotations

import shutil
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from briefing_master import frame, hand_master
from reportbook import report_table, table_rows

from keyacct_xl.briefing.grades import grades_in_force
from keyacct_xl.briefing.usecase import GmPack, run_gm_pack
from keyacct_xl.cli.main import main
from keyacct_xl.consolidate.store import load_store
from keyacct_xl.master.reader import load_master
from keyacct_xl.master.schema import GRADE_HISTORY
from keyacct_xl.master.writer import save_master

d = pd.Timestamp


def _grading(year: int, cid: str, before: str | None, after: str, applied: str | None) -> dict:
    applied_at = d(applied) if applied is not None else None
    return {"year": year, "customer_id": cid, "grade_before": before, "grade_after": after, "applied_at": applied_at}


# Today (Customers): K1 VIP, K2 A (张三's); K4 A (李四's). On 2025-10-31 K1 was A by the 2024 grading, K2 still B
# (its grade before the 2025 grading) and K4 VIP; K3, K5, K6 and K7 were never graded.
GRADINGS = [
    _grading(2024, "K1", "B", "A", "2025-01-03"),
    _grading(2025, "K1", "A", "VIP", "2026-01-05"),
    _grading(2025, "K2", "B", "A", "2026-01-05"),
    _grading(2025, "K4", "VIP", "A", "2026-01-05"),
]


@pytest.fixture(scope="module")
def master_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = hand_master(tmp_path_factory.mktemp("gm-past"))
    master = load_master(path)
    master.grade_history = frame(GRADE_HISTORY, GRADINGS)
    return save_master(master, path, backup=False)


@pytest.fixture(scope="module")
def october_2025(master_path: Path, tmp_path_factory: pytest.TempPathFactory) -> GmPack:
    out = tmp_path_factory.mktemp("pack") / "gm_2025-10.xlsx"
    return run_gm_pack(load_master(master_path), load_store(master_path).frames, period="2025-10", out=out)


def sheet_texts(path: Path, title: str) -> list[str]:
    """Every text cell of a sheet, as openpyxl reads it."""
    sheet = openpyxl.load_workbook(path)[title]
    return [c.value for row in sheet.iter_rows() for c in row if isinstance(c.value, str)]


def test_the_vip_and_a_of_a_past_month_are_those_of_the_grades_then(october_2025: GmPack) -> None:
    """`report gm --period 2025-10` counted 张三's VIP/A customers by today's grades: K1 (VIP) and K2 (A), though in
    October 2025 K1 was A and K2 was B until the 2025 grading of 2026-01-05; K4 counted as A, being VIP then. The
    grade sheet and the top 20 showed today's grades as well."""
    coverage = october_2025.coverage.set_index("rep")
    assert coverage.loc["张三", "key_customers"] == 1  # K1 only
    assert coverage.loc["李四", "key_customers"] == 1  # K4
    assert "王五" not in coverage.index
    grading = (
        "客户等级按 2025-10-31 有效的等级：等级历史中截至该日最近一次的评定（2024 年度评级，2025-01-03 生效）；"
        "此后才评定的客户按评定前的原等级，从未评定的客户为未评级。"
    )
    for title in ("VIP 与 A 类客户拜访", "按客户等级的销售构成", "前 20 名客户"):
        assert grading in sheet_texts(october_2025.path, title), title
    # the grade sheet and the top 20 by the grades of then too: K2 (today A) was B, K4 (today A) VIP
    grades = october_2025.top.set_index("customer_id")["grade"]
    assert grades.to_dict() == {"K2": "B", "K1": "A", "K4": "VIP"}
    assert october_2025.cuts["grade"].set_index("grade")["sales"].to_dict() == {
        "A": 800.0,
        "VIP": 700.0,
        "B": 0.0,
        "—": 0.0,  # K6, ungraded then, bought in 2024
    }


def test_a_month_after_the_last_grading_takes_the_grades_now(master_path: Path, tmp_path: Path) -> None:
    pack = run_gm_pack(
        load_master(master_path), load_store(master_path).frames, period="2026-10", out=tmp_path / "g.xlsx"
    )
    coverage = pack.coverage.set_index("rep")
    assert coverage.loc["张三", "key_customers"] == 2 and coverage.loc["李四", "key_customers"] == 1
    texts = sheet_texts(pack.path, "VIP 与 A 类客户拜访")
    assert "客户等级：按客户当前的等级（2026-10-31 之后没有生效的评级）。" in texts


def test_a_grading_applied_during_the_month_s_last_day_counts_in_its_pack(master_path: Path, tmp_path: Path) -> None:
    """The 2025 grading applied at 15:00 on 2025-12-31: December's pack took the grades of that day's midnight (K1
    still A, K2 B), though complaints count to the day's end; now K1 VIP and K2 A, as at the month's close."""
    master = load_master(master_path)
    master.grade_history = frame(GRADE_HISTORY, [{**g, "applied_at": d("2025-12-31 15:00")} for g in GRADINGS[1:]])
    book = save_master(master, tmp_path / "master.xlsx", backup=False)
    pack = run_gm_pack(load_master(book), load_store(book).frames, period="2025-12", out=tmp_path / "g.xlsx")
    assert pack.coverage.set_index("rep").loc["张三", "key_customers"] == 2
    grading = "客户等级：按客户当前的等级（2025-12-31 之后没有生效的评级）。"
    assert grading in sheet_texts(pack.path, "VIP 与 A 类客户拜访")


def test_the_grades_in_force_before_the_first_grading_and_an_undated_row() -> None:
    customers = pd.DataFrame({"customer_id": ["K1", "K2", "K3"], "grade": ["VIP", "A", "A"]})
    history = frame(GRADE_HISTORY, [*GRADINGS[:2], _grading(2025, "K3", None, "A", None)])
    before = grades_in_force(customers, history, at=d("2024-10-31"))
    assert before.grades.to_dict() == {"K1": "B", "K2": None, "K3": None}  # K3: no grade before its first
    # an undated decision of the 2025 grading is in force from the year after it, 2026-01-01
    assert grades_in_force(customers, history, at=d("2025-12-31")).grades.to_dict() == {
        "K1": "A",
        "K2": None,
        "K3": None,
    }
    assert grades_in_force(customers, history, at=d("2026-01-31")).grades.to_dict() == {
        "K1": "VIP",
        "K2": "A",
        "K3": "A",
    }


def test_the_months_before_the_data_are_blank_not_zero(october_2025: GmPack) -> None:
    """The 24 months to 2025-10 begin in 2023-11, the data on 2024-05-05: 销售趋势 showed ¥0.00 for 2023-11 to
    2024-04 and 去年同月 ¥0.00 to 2025-04, 各月客户数 0 active customers: a chart drew a fall to nothing."""
    sales = report_table(october_2025.path, "销售趋势").set_index("月份")
    assert sales.loc["2023-11":"2024-04"].isna().all().all()
    assert sales.loc["2024-05", "销售额"] == 300.0 and sales.loc["2024-06", "销售额"] == 0.0
    assert sales.loc["2024-05":"2025-04", "去年同月"].isna().all()
    assert sales.loc["2025-05", "去年同月"] == 300.0
    customers = report_table(october_2025.path, "各月客户数").set_index("月份")
    assert customers.loc["2023-11":"2024-04"].isna().all().all()
    assert customers.loc["2024-05", "活跃客户"] == 1
    note = "数据自 2024-05 起：此前的月份留空（没有数据，不是没有销售）。"
    for title in ("销售趋势", "各月客户数"):
        assert note in sheet_texts(october_2025.path, title), title


def test_last_year_s_year_to_date_before_the_data_is_not_compared(october_2025: GmPack) -> None:
    """2025-10's year to date was compared with January to October 2024, of which the data hold May on only: 去年同期
    累计 ¥300.00 against ¥3,500.00, +1,066.7 %. Now no comparison, and a line under each table says why."""
    note = "去年同期（2024-01 至 2024-10）仅含 2024-05 起的数据：不作比较，留空。"
    for title in ("按区域的销售额", "按客户等级的销售构成", "按产品类别的销售额", "按业务员的销售额"):
        rows = table_rows(october_2025.path, title)
        header, body = rows[0], rows[1:]
        for column in ("去年同期累计", "同比增长"):
            assert all(r[header.index(column)] is None for r in body), (title, column)  # the total row's too
        assert note in sheet_texts(october_2025.path, title), title
    top = report_table(october_2025.path, "前 20 名客户")
    assert top[["去年同期累计", "同比增长", "去年同期排名", "名次变化"]].isna().all().all()
    assert note in sheet_texts(october_2025.path, "前 20 名客户")
    cover = openpyxl.load_workbook(october_2025.path).worksheets[0]
    ytd = next(r for r in cover.iter_rows(values_only=True) if r[0] == "本年累计销售额")
    assert ytd[1] == 3500.0 and ytd[4:6] == (None, "— 无可比数据")


def test_a_complete_year_before_is_compared_as_before(master_path: Path, tmp_path: Path) -> None:
    pack = run_gm_pack(
        load_master(master_path), load_store(master_path).frames, period="2026-10", out=tmp_path / "g.xlsx"
    )
    category = pack.cuts["category"].set_index("category")
    assert category.loc["食品", "ytd_growth"] == pytest.approx(4250 / 2000 - 1)
    assert not any("不作比较" in t for t in sheet_texts(pack.path, "按产品类别的销售额"))


def test_the_first_year_s_own_year_to_date_says_where_its_data_begin(master_path: Path, tmp_path: Path) -> None:
    shutil.copy(master_path, tmp_path / "master.xlsx")
    assert main(["report", "gm", str(tmp_path / "master.xlsx"), "--period", "2024-10"]) == 0
    texts = sheet_texts(tmp_path / "gm_pack_2024-10.xlsx", "按区域的销售额")
    assert "本年累计仅含 2024-05 起的数据。" in texts


@pytest.fixture(scope="module")
def october_2024(master_path: Path, tmp_path_factory: pytest.TempPathFactory) -> GmPack:
    out = tmp_path_factory.mktemp("pack") / "gm_2024-10.xlsx"
    return run_gm_pack(load_master(master_path), load_store(master_path).frames, period="2024-10", out=out)


def test_receivables_before_the_ledger_begins_are_blank_not_zero(october_2024: GmPack) -> None:
    """`report gm --period 2024-10`: 各月应收账款 showed 余额 ¥0.00 and 0 customers over their limit at the month-ends
    2023-11 to 2024-04, before the first sale (2024-05-05) or payment: nothing was owed because nothing was recorded."""
    owed = report_table(october_2024.path, "各月应收账款").set_index("月份")
    assert owed.loc["2023-11":"2024-04"].isna().all().all()
    assert owed.loc["2024-05", "余额"] == 300.0 and owed.loc["2024-06", "余额"] == 0.0
    note = "账目自 2024-05 起：此前的月末留空（尚无发票或收款，不是没有欠款）。"
    assert note in sheet_texts(october_2024.path, "各月应收账款")


def test_the_data_s_first_month_counts_no_new_customers_it_cannot_tell(october_2024: GmPack) -> None:
    """各月客户数 counted K6 new in 2024-05, the data's first month, though the data cannot tell whether K6 bought
    before they begin. Now blank, with a line saying why and how to count them."""
    customers = report_table(october_2024.path, "各月客户数").set_index("月份")
    assert pd.isna(customers.loc["2024-05", "新客户"]) and customers.loc["2024-05", "活跃客户"] == 1
    assert customers.loc["2024-06", "新客户"] == 0
    note = (
        "2024-05 为数据的第一个月，其新客户数留空：数据分不出首次购买与此前已有客户的购买；"
        "填写客户档案的首次交易日期即可计数。"
    )
    assert note in sheet_texts(october_2024.path, "各月客户数")


@pytest.mark.parametrize(("first_trade", "new"), [("2024-05-05", 1), ("2019-03-01", 0)])
def test_the_first_trade_dates_count_the_first_month_s_new_customers(
    master_path: Path, first_trade: str, new: int
) -> None:
    master = load_master(master_path)
    master.customers["first_trade_date"] = pd.Series(d(first_trade), index=master.customers.index)
    pack = run_gm_pack(master, load_store(master_path).frames, period="2024-10")
    assert pack.trend.set_index("month").at["2024-05", "new_customers"] == new
