"""Analyses that say what they left out: customers not yet trading in a graded year, lapsed customers outside the
RFM window, reports not yet due, overdue figures resting on blank payment terms."""

from __future__ import annotations

import re
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from briefing_master import frame
from reportbook import report_table

from keyacct_xl.analytics.review import build_review
from keyacct_xl.cli.main import main
from keyacct_xl.followup.check import run_visits_check
from keyacct_xl.master.model import Master
from keyacct_xl.master.schema import CUSTOMERS, PAYMENTS, TRANSACTIONS
from keyacct_xl.master.settings import settings_from
from keyacct_xl.master.writer import save_master

d = pd.Timestamp


def _sale(doc: str, date: str, cid: str, amount: float) -> dict:
    return {"doc_no": doc, "date": d(date), "customer_id": cid, "amount": amount}


def _master() -> Master:
    """Old (trading since 2019), Later (first trade 2026-11-15, typed), Unknown (no first trade date typed, first
    sale in 2026), Lapsed (last purchase 2025-05-14)."""
    master = Master.empty(settings=settings_from({"company_name": "Lion City Lubricants", "rfm_period_months": 12}))
    master.customers = frame(
        CUSTOMERS,
        [
            {
                "customer_id": "OLD",
                "rep": "Tan",
                "name": "Old Co",
                "first_trade_date": d("2019-03-05"),
                "payment_terms_days": 30,
            },
            {"customer_id": "LATER", "rep": "Tan", "name": "Later Co", "first_trade_date": d("2026-11-15")},
            {"customer_id": "UNKNOWN", "rep": "Tan", "name": "Unknown Co"},
            {"customer_id": "LAPSED", "rep": "Tan", "name": "Lapsed Co", "first_trade_date": d("2023-04-15")},
        ],
    )
    master.transactions = frame(
        TRANSACTIONS,
        [
            _sale("S1", "2025-03-01", "OLD", 1000.0),
            _sale("S2", "2026-10-01", "OLD", 800.0),
            _sale("S3", "2026-11-15", "LATER", 500.0),
            _sale("S4", "2026-02-01", "UNKNOWN", 300.0),
            _sale("S5", "2025-05-14", "LAPSED", 400.0),
        ],
    )
    master.payments = frame(
        PAYMENTS, [{"receipt_no": "P1", "date": d("2025-04-01"), "customer_id": "OLD", "amount": 1000.0}]
    )
    return master


def test_customers_whose_first_trade_is_after_the_graded_year_are_left_out_with_a_note() -> None:
    review = build_review(_master(), year=2025, lang="en", today=d("2026-12-03"))
    assert set(review.table["customer_id"]) == {"OLD", "LAPSED"}
    assert set(review.lists["E"]["customer_id"]) == set()
    (note,) = [w for w in review.warnings if "LATER" in w.render("en")]
    assert "UNKNOWN" in note.render("en") and "2 customer(s)" in note.render("en")
    assert "LATER" in note.render("zh") and "客户" in note.render("zh")


def test_the_customers_left_out_of_a_grading_are_listed_as_each_language_lists_them() -> None:
    """Nine customers first trading after the graded year: the note named them ``L01, L02 …`` in zh too."""
    master = _master()
    later = [f"L{n:02d}" for n in range(1, 10)]
    new = [{"customer_id": cid, "name": f"{cid} Co", "first_trade_date": d("2026-11-15")} for cid in later]
    master.customers = frame(CUSTOMERS, [*master.customers.to_dict("records"), *new])
    review = build_review(master, year=2025, lang="zh", today=d("2026-12-03"))
    (note,) = [w for w in review.warnings if "L01" in w.render("en")]
    assert "（L01、L02、L03、L04、L05、L06、L07、L08、…）" in note.render("zh"), note.render("zh")
    assert "(L01, L02, L03, L04, L05, L06, L07, L08, …)" in note.render("en"), note.render("en")


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_rfm_says_which_customers_it_left_out_and_the_workbook_lists_them(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], lang: str
) -> None:
    path = save_master(_master(), tmp_path / "master.xlsx", backup=False)
    out = tmp_path / "rfm.xlsx"
    assert main(["rfm", str(path), "--as-of", "2026-11-30", "--out", str(out), "--lang", lang]) == 0
    printed = capsys.readouterr()
    said = printed.out + printed.err
    # OLD, LATER and UNKNOWN bought within the 12 months; LAPSED last bought on 2025-05-14
    assert "LAPSED" in said and "2025-05-14" in said and "2025-12-01" in said, said
    if lang == "zh":
        assert not re.search(r"[A-Za-z]{4,}", said.replace("LAPSED", "").replace(str(out), "")), said
    book = openpyxl.load_workbook(out)
    first = book.worksheets[0]
    top = " ".join(str(c.value) for row in first.iter_rows(max_row=4) for c in row if c.value is not None)
    assert "Lion City Lubricants" in top and "2026-11-30" in top and "2025-12-01" in top, top
    sheet = {"en": "Lapsed customers", "zh": "期内未购买客户"}[lang]
    lapsed = report_table(out, sheet)
    assert list(lapsed.iloc[:, 0]) == ["LAPSED"]
    assert pd.Timestamp(lapsed.iloc[0, 2]) == d("2025-05-14")


@pytest.mark.parametrize("out", [None, "rfm.csv"])
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_rfm_without_a_workbook_names_no_sheet_for_the_customers_left_out(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], lang: str, out: str | None
) -> None:
    """`rfm master.xlsx` (no --out) or `--out rfm.csv` wrote no Lapsed customers sheet, yet the line said one lists
    them; the command prints the run's summary, as the demo and the ribbon do."""
    path = save_master(_master(), tmp_path / "master.xlsx", backup=False)
    written = ["--out", str(tmp_path / out)] if out else []
    assert main(["rfm", str(path), "--as-of", "2026-11-30", *written, "--lang", lang]) == 0
    said = capsys.readouterr().out
    assert "LAPSED" in said and ("RFM: 3 customers" if lang == "en" else "RFM：3 个客户") in said, said
    assert {"en": "Lapsed customers", "zh": "期内未购买客户"}[lang] not in said, said


def test_the_win_back_list_holds_the_lapsed_customers() -> None:
    check = run_visits_check(_master(), as_of=d("2026-11-30"), lang="en")
    row = check.winback.set_index("customer_id").loc["LAPSED"]
    assert row["rfm_class"] == "lapsed" and row["last_purchase"] == d("2025-05-14")


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("command", ["ageing", "gm"])
def test_ageing_and_the_gm_pack_warn_of_customers_without_payment_terms(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], lang: str, command: str
) -> None:
    path = save_master(_master(), tmp_path / "master.xlsx", backup=False)
    out = tmp_path / "report.xlsx"
    if command == "ageing":
        args = ["ageing", str(path), "--as-of", "2026-11-30"]
    else:
        args = ["report", "gm", str(path), "--period", "2026-11"]
    assert main([*args, "--out", str(out), "--lang", lang]) == 0
    said = capsys.readouterr().out
    # the grading review's check and message: LATER, UNKNOWN and LAPSED have sales and blank terms, OLD has 30 days
    expected = {"en": "3 customer(s) with sales have no payment terms", "zh": "3 个有销售的客户没有账期"}[lang]
    (line,) = [s for s in said.splitlines() if expected in s]
    listed = {"en": "LAPSED, LATER, UNKNOWN", "zh": "LAPSED、LATER、UNKNOWN"}[lang]  # zh lists with 、
    assert listed in line and "OLD" not in line
    book = openpyxl.load_workbook(out)
    shown = [str(c.value) for c in book.worksheets[0]._cells.values() if c.value is not None]
    assert any(expected in text for text in shown), shown
