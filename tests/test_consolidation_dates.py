"""Dates on returned forms: a column typed in both day/month orders, dates outside the form's period, and how an
ambiguous date is to be written, each read back from the consolidation report a manager opens."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from keyacct_xl.consolidate.report import write_report
from keyacct_xl.consolidate.run import RunResult, consolidate
from keyacct_xl.consolidate.simulate import blank_form, fill_form
from keyacct_xl.consolidate.store import load_store
from keyacct_xl.master.model import Master
from keyacct_xl.master.writer import save_master
from keyacct_xl.parsing import ParseError, parse_date

NOW = "2026-12-14 18:00:00"
_ERRORS = {"en": "Errors", "zh": "错误"}


@pytest.fixture
def master(tmp_path: Path) -> Path:
    m = Master.empty()
    m.customers = pd.DataFrame(
        {"customer_id": ["C001", "C002", "C003"], "name": ["Jurong Marine", "Tuas Moulding", "Keppel Auto"]}
    )
    m.customers["rep"] = "Tan Wei Ming"
    return save_master(m, tmp_path / "master.xlsx", backup=False)


def _report_rows(result: RunResult, tmp_path: Path, lang: str) -> list[tuple[str, str, str, str]]:
    """The report's Errors sheet read back: (cell, value, message, severity) per line."""
    path = write_report(result, tmp_path / f"report-{lang}.xlsx", lang)
    sheet = openpyxl.load_workbook(path)[_ERRORS[lang]]
    rows = [r for r in sheet.iter_rows(values_only=True) if r and r[0] and r[2]]
    return [(cell, value, message, severity) for _, _, cell, _, value, message, severity in rows[1:]]


def _report(inbox: Path, master: Path, tmp_path: Path) -> dict[str, dict[str, tuple[str, str, str]]]:
    """Consolidate the inbox and read its report back in each language: cell → (value, message, severity)."""
    result = consolidate(inbox, master, now=NOW)
    return {
        lang: {
            cell: (value, message, severity) for cell, value, message, severity in _report_rows(result, tmp_path, lang)
        }
        for lang in _ERRORS
    }


def _typed_in_libreoffice(tmp_path: Path, libreoffice, name: str, form: bytes) -> bytes:
    """``form`` saved again by LibreOffice, as a rep who typed the dates as text there sends it."""
    source = tmp_path / name
    source.write_bytes(form)
    return libreoffice(source, "xlsx", tmp_path / "lo").read_bytes()


def _visits(dates: list[object], period: str) -> bytes:
    lines = [
        {"date": d, "customer_id": f"C00{i % 3 + 1}", "method": "Phone", "content": "follow-up"}
        for i, d in enumerate(dates)
    ]
    form = blank_form("visit_record", lang="en")
    return fill_form(form, header={"rep": "Tan Wei Ming", "period": period}, rows={"visits": lines})


# --- one column typed in both orders ---------------------------------------------------------------------------


def test_a_column_typed_day_first_and_month_first_is_warned_at_each_cell(
    master: Path, inbox: Path, tmp_path: Path, libreoffice
) -> None:
    # Found by a trial: 13/12/2026 and 12/13/2026 both became 2026-12-13 with no word, while reconcile refuses a
    # column that mixes the orders. One of the two readers of such a column is wrong; each such cell is named.
    form = _visits(["13/12/2026", "12/13/2026", "2026-12-08"], "2026-W50")
    (inbox / "v.xlsx").write_bytes(_typed_in_libreoffice(tmp_path, libreoffice, "v.xlsx", form))
    report = _report(inbox, master, tmp_path)
    en = report["en"]
    assert en["A8"] == (
        "13/12/2026",
        "the column mixes day/month and month/day dates: '13/12/2026' read as 2026-12-13 (day/month); check it",
        "warning",
    )
    assert en["A9"] == (
        "12/13/2026",
        "the column mixes day/month and month/day dates: '12/13/2026' read as 2026-12-13 (month/day); check it",
        "warning",
    )
    assert "A10" not in en  # an ISO date tells no order
    zh = report["zh"]
    assert zh["A8"][1] == "该列同时使用了“日/月”和“月/日”两种顺序：'13/12/2026' 按“日/月”读作 2026-12-13，请核对"
    assert zh["A8"][2] == "提示"
    # warned, not refused: the lines stay for the rep to correct
    dates = load_store(master).frame("Visits")["date"].dt.strftime("%Y-%m-%d").tolist()
    assert sorted(dates) == ["2026-12-08", "2026-12-13", "2026-12-13"]


def test_a_column_typed_in_one_order_is_read_without_a_word(master: Path, inbox: Path, tmp_path: Path) -> None:
    (inbox / "v.xlsx").write_bytes(_visits(["13/12/2026", "8/12/2026", "9/12/2026"], "2026-W50"))
    assert _report(inbox, master, tmp_path) == {"en": {}, "zh": {}}
    dates = load_store(master).frame("Visits")["date"].dt.strftime("%Y-%m-%d").tolist()
    assert sorted(dates) == ["2026-12-08", "2026-12-09", "2026-12-13"]


# --- an ambiguous date: how to write it ------------------------------------------------------------------------


def test_an_ambiguous_date_is_refused_saying_how_to_write_it(
    master: Path, inbox: Path, tmp_path: Path, libreoffice
) -> None:
    form = _visits(["4/12/2026", "2026-12-03"], "2026-W49")
    (inbox / "v.xlsx").write_bytes(_typed_in_libreoffice(tmp_path, libreoffice, "v.xlsx", form))
    report = _report(inbox, master, tmp_path)
    en = report["en"]
    assert en["A8"] == (
        "4/12/2026",
        "'4/12/2026' is ambiguous: day/month or month/day; write it as 2026-12-04 or 2026-04-12",
        "error",
    )
    zh = report["zh"]
    assert zh["A8"][1] == ("'4/12/2026' 有歧义：无法确定是“日/月”还是“月/日”；请写成 2026-12-04 或 2026-04-12")


def test_an_ambiguous_date_out_of_range_is_refused_for_its_range() -> None:
    with pytest.raises(ParseError, match="outside the accepted dates"):
        parse_date("4/12/1899")


# --- dates outside the form's period ---------------------------------------------------------------------------


def test_a_followup_reports_visit_date_outside_its_period_is_warned_naming_the_period(
    master: Path, inbox: Path, tmp_path: Path
) -> None:
    form = fill_form(
        blank_form("followup_report", lang="en"),
        header={
            "rep": "Tan Wei Ming",
            "period": "2026-W49",
            "customer_id": "C001",
            "visit_date": dt.datetime(2027, 12, 4),
            "method": "Phone",
            "next_date": dt.datetime(2027, 3, 1),  # a next visit lies beyond the period by nature
        },
    )
    (inbox / "f.xlsx").write_bytes(form)
    report = _report(inbox, master, tmp_path)
    en = report["en"]
    [(cell, found)] = en.items()
    assert found == ("2027-12-04", "date outside the form's period 2026-W49", "warning")
    zh = report["zh"]
    assert zh[cell][1:] == ("日期不在表单期间 2026-W49 内", "提示")
    # it stays: a rep may record a late visit
    assert load_store(master).frame("Visits")["date"].dt.strftime("%Y-%m-%d").tolist() == ["2027-12-04"]


def test_a_quote_and_a_service_request_outside_the_period_are_warned_a_purchase_is_not(
    master: Path, inbox: Path, tmp_path: Path
) -> None:
    log = fill_form(
        blank_form("key_account_followup", lang="en"),
        header={"rep": "Tan Wei Ming", "period": "2026-W49", "customer_id": "C001"},
        rows={
            "visits": [{"date": dt.datetime(2026, 12, 1), "method": "Phone", "findings": "price talk"}],
            "quotes": [{"quote_no": "Q-1", "date": dt.datetime(2026, 10, 2), "product": "Hydraulic Oil 46"}],
        },
    )
    service = fill_form(
        blank_form("after_sales", lang="en"),
        header={"rep": "Tan Wei Ming", "period": "2026-W49"},
        rows={
            "requests": [
                {
                    "request_no": "S-1",
                    "request_date": dt.datetime(2026, 10, 2),
                    "customer_id": "C002",
                    "purchase_date": dt.datetime(2019, 5, 6),  # bought years before: its own date, no period's
                }
            ]
        },
    )
    (inbox / "log.xlsx").write_bytes(log)
    (inbox / "service.xlsx").write_bytes(service)
    result = consolidate(inbox, master, now=NOW)
    outside = {
        (o.name, i.value, i.field_label("en"))
        for o in result.outcomes
        for i in o.issues
        if i.en == "date outside the form's period 2026-W49"
    }
    assert outside == {("log.xlsx", "2026-10-02", "Date"), ("service.xlsx", "2026-10-02", "Received")}
    assert [r for r in _report_rows(result, tmp_path, "en") if r[1] == "2019-05-06"] == []
