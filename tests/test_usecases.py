"""One pipeline per job: the CLI, the ribbon, the demo step and the worksheet functions give what the use case gives.

Each front end's file is compared with the file ``run_ageing`` / ``run_rfm`` writes from the same master (the
writers are deterministic, so equal inputs give equal bytes), and the bucket of ``AGEING_BUCKET`` with the column
the ageing core puts an invoice into, at the edges of every bucket.
"""

from __future__ import annotations

import argparse
import dataclasses
import io
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from keyacct_xl.analytics.demo_step import analytics_demo
from keyacct_xl.analytics.grading_run import run_grading_review
from keyacct_xl.analytics.usecase import rfm_options, run_rfm
from keyacct_xl.bridge.base import ActionOptions, FileBridge
from keyacct_xl.cli.main import main
from keyacct_xl.consolidate.examples import load_example
from keyacct_xl.consolidate.store import load_store
from keyacct_xl.consolidate.usecase import run_consolidation
from keyacct_xl.demo.company import generate_demo
from keyacct_xl.labels import document_values
from keyacct_xl.macros import run_action
from keyacct_xl.master.reader import load_master
from keyacct_xl.master.settings import settings_from
from keyacct_xl.master.writer import save_master
from keyacct_xl.receivables.ageing import age_ledger, bucket_columns, bucket_slots, parse_buckets
from keyacct_xl.receivables.ageing_report import caption
from keyacct_xl.receivables.demo_step import receivables_demo
from keyacct_xl.receivables.ledger import build_ledger
from keyacct_xl.receivables.usecase import run_ageing
from tests.test_receivables_ledger import D, pay, tx
from tests.test_udfs_xlwings import MISSING, ComTime, column, windows_xlwings

PACKAGE = Path(__file__).resolve().parent.parent / "keyacct_xl"


@pytest.fixture(scope="module")
def master_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A demo master whose Settings differ from the defaults, so a front end that ignores them gives another result."""
    master = generate_demo(seed=5, customers=25)
    master.settings = dataclasses.replace(
        master.settings, ageing_buckets=(15, 45, 120), rfm_period_months=6, rfm_monetary="average"
    )
    return save_master(master, tmp_path_factory.mktemp("usecase") / "master.xlsx", backup=False)


@pytest.fixture(scope="module")
def excel() -> Iterator[object]:
    with windows_xlwings() as harness:
        yield harness


def _copy(master_path: Path, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    return Path(shutil.copy2(master_path, folder / "master.xlsx"))


def test_run_ageing_reads_the_settings_buckets(master_path: Path) -> None:
    run = run_ageing(load_master(master_path))
    assert run.buckets == (15, 45, 120) and run.path is None
    assert list(run.table.columns[5:10]) == ["not_due", "d1_15", "d16_45", "d46_120", "d120_plus"]
    assert run.summary("en").startswith(f"ageing: {len(run.table)} customer(s), balance ¥")
    assert run.summary("zh").startswith(f"账龄分析：{len(run.table)} 户，余额 ¥")


def test_cli_ageing_csv_is_the_use_case_csv(
    master_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    by_cli = tmp_path / "cli.csv"
    assert main(["ageing", str(master_path), "--as-of", "2026-06-30", "--out", str(by_cli), "--lang", "en"]) == 0
    run = run_ageing(load_master(master_path), as_of=D("2026-06-30"), out=tmp_path / "run.csv", lang="en")
    assert by_cli.read_bytes() == run.path.read_bytes()
    shown = pd.read_csv(by_cli, encoding="utf-8-sig", dtype={"Customer ID": str})
    assert shown["Customer ID"].tolist()[:-1] == run.table["customer_id"].tolist()
    assert shown["Balance"].tolist()[:-1] == pytest.approx(run.table["balance"].tolist())
    assert capsys.readouterr().out.strip() == run.report_line("en").replace(str(run.path), str(by_cli))
    # --buckets wins over Settings, as the use case's own argument does
    assert main(["ageing", str(master_path), "--buckets", "30,60", "--out", str(by_cli), "--lang", "en"]) == 0
    assert (
        by_cli.read_bytes()
        == run_ageing(load_master(master_path), buckets=(30, 60), out=tmp_path / "b.csv", lang="en").path.read_bytes()
    )


def test_ribbon_ageing_is_the_use_case(master_path: Path, tmp_path: Path) -> None:
    book = _copy(master_path, tmp_path / "book")
    result = run_action(
        "ageing",
        FileBridge(book, lang="en", stream=io.StringIO()),
        ActionOptions(as_of="2026-06-30", out_dir=tmp_path / "ribbon"),
    )
    (tmp_path / "run").mkdir()
    run = run_ageing(load_master(book), as_of=D("2026-06-30"), out_dir=tmp_path / "run", lang="en")
    (written,) = result.outputs
    assert written.name == run.path.name == "ageing_2026-06-30.xlsx"
    assert written.read_bytes() == run.path.read_bytes()
    assert result.en.startswith(run.summary("en")) and result.zh.startswith(run.summary("zh"))


def test_demo_ageing_is_the_use_case(master_path: Path, tmp_path: Path) -> None:
    lines = receivables_demo(master_path, tmp_path / "demo", argparse.Namespace(lang="zh"))
    run = run_ageing(load_master(master_path), out=tmp_path / "ageing.xlsx", lang="zh")
    demo = tmp_path / "demo" / "receivables" / "ageing.xlsx"
    assert demo.read_bytes() == run.path.read_bytes()
    assert lines[0] == run.report_line("zh").replace(str(run.path), str(demo))


# Day counts past due at every edge of the buckets 30,60,90,180, with the report column each belongs in.
EDGES = {
    -3: "not_due",
    0: "not_due",
    1: "d1_30",
    30: "d1_30",
    31: "d31_60",
    60: "d31_60",
    61: "d61_90",
    90: "d61_90",
    91: "d91_180",
    180: "d91_180",
    181: "d180_plus",
    400: "d180_plus",
}


def test_bucket_rule_at_the_edges() -> None:
    names = bucket_columns(parse_buckets("30,60,90,180"))
    assert [names[k] for k in bucket_slots(list(EDGES))] == list(EDGES.values())


def test_ageing_bucket_udf_is_the_ageing_rule(excel) -> None:
    """For each day count, the UDF's label is the caption of the column age_ledger puts such an invoice in."""
    as_of = D("2026-06-30")
    ids = [f"D{d}" for d in EDGES]
    customers = pd.DataFrame(
        {
            "customer_id": ids,
            "name": ids,
            "rep": None,
            "credit_grade": None,
            "credit_limit": None,
            "payment_terms_days": 10,
        }
    )
    # Sold 10 days before the due date, so the not-yet-due invoice is sold before the cut-off too.
    lines = tx(*((f"D{d}", f"S{d}", as_of - pd.Timedelta(days=d + 10), 100.0) for d in EDGES))
    ledger = build_ledger(lines, pay(), customers, as_of=as_of)
    table = age_ledger(ledger, customers).set_index("customer_id")
    money = bucket_columns(parse_buckets("30,60,90,180"))
    core = [table.loc[f"D{d}", money].astype(float).idxmax() for d in EDGES]
    assert core == list(EDGES.values())
    due = column(*(ComTime(*(as_of - pd.Timedelta(days=d)).timetuple()[:3]) for d in EDGES))
    labels = excel.call("AGEING_BUCKET", due, ComTime(2026, 6, 30), MISSING, "en")
    assert [r[0] for r in labels] == [caption(c, "en") for c in core]


def test_rfm_options_are_defaulted_in_one_place() -> None:
    assert rfm_options() == rfm_options(None, period_months=0, monetary="total")
    assert rfm_options().period_months is None and rfm_options().monetary == "total"  # no master: all data
    settings = settings_from({"rfm_period_months": 6, "rfm_monetary": "average"})
    assert (rfm_options(settings).period_months, rfm_options(settings).monetary) == (6, "average")
    given = rfm_options(settings, as_of=D("2026-01-31"), period_months=0, monetary="total")
    assert (given.as_of, given.period_months, given.monetary) == (D("2026-01-31"), None, "total")


def test_cli_rfm_csv_is_the_use_case_csv(master_path: Path, tmp_path: Path) -> None:
    by_cli = tmp_path / "cli.csv"
    assert main(["rfm", str(master_path), "--as-of", "2026-06-30", "--out", str(by_cli), "--lang", "en"]) == 0
    master = load_master(master_path)
    options = rfm_options(master.settings, as_of=D("2026-06-30"))
    assert (options.period_months, options.monetary) == (6, "average")  # from the master's Settings
    # the master's Customers name each customer beside its id, as the command names them
    run = run_rfm(master.transactions, options, out=tmp_path / "run.csv", customers=master.customers, lang="en")
    assert by_cli.read_bytes() == run.path.read_bytes()
    everything = run_rfm(master.transactions, rfm_options(as_of=D("2026-06-30")), lang="en")
    assert len(everything.table) > len(run.table)  # Settings' 6 months count fewer customers than all the data


def test_ribbon_rfm_is_the_use_case(master_path: Path, tmp_path: Path) -> None:
    book = _copy(master_path, tmp_path / "book")
    result = run_action(
        "rfm_refresh", FileBridge(book, lang="zh", stream=io.StringIO()), ActionOptions(out_dir=tmp_path / "ribbon")
    )
    master = load_master(book)
    (tmp_path / "run").mkdir()
    run = run_rfm(
        master.transactions,
        rfm_options(master.settings),
        out_dir=tmp_path / "run",
        customers=master.customers,
        company=master.settings.company_name,
        lang="zh",
    )
    (written,) = result.outputs
    assert re.fullmatch(r"rfm_\d{4}-\d{2}-\d{2}\.xlsx", written.name) and written.name == run.path.name
    assert written.read_bytes() == run.path.read_bytes()
    assert result.zh.startswith(run.summary("zh")) and result.en.startswith(run.summary("en"))


def test_demo_rfm_is_the_use_case(master_path: Path, tmp_path: Path) -> None:
    lines = analytics_demo(master_path, tmp_path, argparse.Namespace(lang="en"))
    master = load_master(master_path)
    year = int(master.transactions["date"].max().year) - 1
    run = run_rfm(
        master.transactions,
        rfm_options(master.settings, as_of=pd.Timestamp(year, 12, 31)),
        out=tmp_path / "run.xlsx",
        customers=master.customers,
        company=master.settings.company_name,
        lang="en",
    )
    assert (tmp_path / f"rfm-{year}.xlsx").read_bytes() == run.path.read_bytes()
    assert lines[0] == run.summary("en")


def test_rfm_table_udf_is_the_use_case(excel) -> None:
    rows = (
        ("客户编号", "日期", "金额"),
        ("C1", ComTime(2026, 1, 5), 100.0),
        ("C1", ComTime(2026, 3, 1), 50.0),
        ("C2", ComTime(2025, 6, 1), 80.0),
        ("C3", ComTime(2026, 3, 20), 30.0),
    )
    header, *cells = excel.call("RFM_TABLE", rows, ComTime(2026, 3, 31), "average", 6.0)
    frame = pd.DataFrame(
        {
            "customer_id": ["C1", "C1", "C2", "C3"],
            "date": pd.to_datetime(["2026-01-05", "2026-03-01", "2025-06-01", "2026-03-20"]),
            "amount": [100.0, 50.0, 80.0, 30.0],
        }
    )
    run = run_rfm(frame, rfm_options(as_of=D("2026-03-31"), period_months=6, monetary="average"))
    # the spill shows the table as its report does: the class as its label, without the code column
    assert header == list(document_values(run.table, "zh").columns)
    for name in ("customer_id", "recency_days", "frequency", "monetary", "rfm_code"):
        assert [r[header.index(name)] for r in cells] == run.table[name].tolist(), name


def test_the_default_buckets_are_written_once() -> None:
    """Settings' default is the only place the default ageing buckets are written (as text or as a tuple)."""
    default = re.compile(r"""["']30,\s*60,\s*90,\s*180["']|\(30,\s*60,\s*90,\s*180\)""")
    found = [str(p.relative_to(PACKAGE)) for p in sorted(PACKAGE.rglob("*.py")) if default.search(p.read_text("utf-8"))]
    assert found == ["master/settings.py"]


def test_cli_grading_review_is_the_use_case(master_path: Path, tmp_path: Path) -> None:
    by_cli = tmp_path / "cli.csv"
    assert main(["grade", str(master_path), "--year", "2025", "--out", str(by_cli), "--lang", "en"]) == 0
    run = run_grading_review(load_master(master_path), year=2025, lang="en", out=tmp_path / "run.csv")
    assert by_cli.read_bytes() == run.path.read_bytes()
    assert run.summary("zh").startswith("2025 年度评级（") and "VIP" in run.summary("en")


def test_ribbon_grading_writes_the_use_cases_review_sheet(master_path: Path, tmp_path: Path) -> None:
    book = _copy(master_path, tmp_path / "book")
    result = run_action("annual_grading", FileBridge(book, lang="en", stream=io.StringIO()), ActionOptions(year=2025))
    by_ribbon = load_master(book)
    other = _copy(master_path, tmp_path / "run")
    run = run_grading_review(load_master(other), year=2025, lang="en", master_path=other)
    assert run.path == other and result.en.startswith(run.summary("en"))
    assert book.read_bytes() == other.read_bytes()
    assert by_ribbon.customers.equals(load_master(other).customers)


def test_ribbon_and_cli_warn_of_a_year_not_ended(
    master_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """年度评级 on the ribbon (``keyacct-xl run``) warns of a year not ended on its day as ``grade`` does: the
    warning is the use case's summary line, shown above what to do next; a year that has ended is not warned of."""
    warning = "warning: 2025 has not ended (2025-12-20): its annual sales are partial"
    ribbon = ["run", "annual_grading", "--year", "2025", "--lang", "en", "--book"]
    assert main([*ribbon, str(_copy(master_path, tmp_path / "ribbon")), "--as-of", "2025-12-20"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("2025 grading (") and lines[1].startswith(warning), lines
    # then the other warnings (customers first trading after 2025 left out), then what to do next
    assert "Fill in final grades on the review sheet, then click Apply approved grades." in lines[2:]
    assert main(["grade", str(_copy(master_path, tmp_path / "cli")), "--year", "2025", "--date", "2025-12-20"]) == 0
    assert "警告：2025 年尚未结束（2025-12-20）：年度销售额不完整" in capsys.readouterr().err
    assert main([*ribbon, str(_copy(master_path, tmp_path / "ended")), "--as-of", "2026-01-05"]) == 0
    assert "has not ended" not in capsys.readouterr().out


def test_cli_and_ribbon_consolidation_are_the_use_case(master_path: Path, tmp_path: Path) -> None:
    books = {name: _copy(master_path, tmp_path / name) for name in ("cli", "ribbon", "run")}
    for book in books.values():
        inbox = book.parent / "submissions"
        inbox.mkdir()
        (inbox / "competitors.xlsx").write_bytes(load_example("competitor_report").workbook())
    assert (
        main(["consolidate", str(books["cli"].parent / "submissions"), "--into", str(books["cli"]), "--lang", "en"])
        == 0
    )
    result = run_action(
        "consolidate",
        FileBridge(books["ribbon"], lang="en", stream=io.StringIO()),
        ActionOptions(out_dir=books["ribbon"].parent),
    )
    run = run_consolidation(
        books["run"].parent / "submissions", books["run"], lang="en", report_dir=books["run"].parent
    )
    assert result.en == run.summary("en") and run.result.counts() == {"accepted": 1}
    merged = {
        name: load_store(book).frame("Competitors").drop(columns="consolidated_at")  # the run's clock time
        for name, book in books.items()
    }
    assert merged["cli"].equals(merged["run"]) and merged["ribbon"].equals(merged["run"])
    assert len(merged["run"]) == len(load_store(master_path).frame("Competitors")) + 2
