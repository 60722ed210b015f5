"""Ageing: hand-computed buckets, the buckets-sum-to-balance property, the workbook read back three ways."""

from __future__ import annotations

import openpyxl
import pandas as pd
import pytest
import python_calamine as calamine
from hypothesis import given, settings
from hypothesis import strategies as st
from reportbook import pdf_pages, table_ref

from keyacct_xl.cli.main import main
from keyacct_xl.errors import InputError
from keyacct_xl.headers import title_case
from keyacct_xl.master.model import Master
from keyacct_xl.master.writer import save_master
from keyacct_xl.receivables.ageing import age_ledger, ageing_totals, bucket_columns, overdue_total, parse_buckets
from keyacct_xl.receivables.ageing_report import caption, document_order, write_ageing
from keyacct_xl.receivables.ledger import build_ledger
from tests.test_receivables_ledger import D, pay, tx

CUSTOMERS = pd.DataFrame(
    {
        "customer_id": ["C1", "C2", "C3"],
        "name": ["甲公司", "乙公司", "丙公司"],
        "rep": ["张三", "李四", "张三"],
        "credit_grade": ["A", "B", "C"],
        "credit_limit": [1000.0, float("nan"), 0.0],
        "payment_terms_days": [30, 0, 10],
    }
)
AS_OF = D("2026-11-30")


def sample_ledger():
    transactions = tx(
        ("C1", "S1", "2026-11-15", 300.0),  # due 12-15: not due
        ("C1", "S2", "2026-10-01", 400.0),  # due 10-31: 30 days -> d1_30
        ("C1", "S3", "2026-03-01", 500.0),  # due 03-31: 244 days -> d180_plus
        ("C2", "S4", "2026-09-01", 200.0),  # due 09-01: 90 days -> d61_90
        ("C2", "CN1", "2026-11-01", -50.0),  # settles part of S4
        ("C3", "S5", "2026-11-25", 10.0),
    )  # due 12-05: not due, but limit 0
    payments = pay(("C1", "R1", "2026-11-20", 100.0, "S3"), ("C2", "R2", "2026-11-20", 300.0, None))
    return build_ledger(transactions, payments, CUSTOMERS, as_of=AS_OF)


def test_buckets_hand_computed():
    table = age_ledger(sample_ledger(), CUSTOMERS).set_index("customer_id")
    assert table.loc["C1", ["not_due", "d1_30", "d31_60", "d180_plus", "balance"]].tolist() == [300, 400, 0, 400, 1100]
    assert bool(table.loc["C1", "over_limit"]) is True
    # C2: 200 - 50 credit note - 300 paid = -150, all of it unapplied payment.
    assert table.loc["C2", "unapplied_credit"] == -150 and table.loc["C2", "balance"] == -150
    assert table.loc["C2", "d61_90"] == 0 and bool(table.loc["C2", "over_limit"]) is False
    assert bool(table.loc["C3", "over_limit"]) is True and table.loc["C3", "name"] == "丙公司"
    # Available credit = limit − balance: C1 is 100 over, C2 has no limit, C3 (limit 0) is 10 over.
    assert table.loc["C1", "available_credit"] == -100 and table.loc["C3", "available_credit"] == -10
    assert pd.isna(table.loc["C2", "available_credit"])


def test_overdue_total_is_the_overdue_buckets():
    totals = ageing_totals(age_ledger(sample_ledger(), CUSTOMERS))
    assert overdue_total(totals) == 400 + 400  # C1's d1_30 and d180_plus; C2's S4 is settled
    # Balance − not due − credit would be 0.3 − 0.1 − 0.2 = -2.8e-17, printed "-¥0.00": the buckets give 0.00.
    noisy = dict.fromkeys(bucket_columns((30, 60, 90, 180)), 0.0) | {
        "not_due": 0.1,
        "unapplied_credit": 0.2,
        "balance": 0.3,
    }
    assert f"{overdue_total(noisy):,.2f}" == "0.00"


def test_bucket_names_and_bad_buckets():
    assert bucket_columns((30, 60, 90, 180)) == ["not_due", "d1_30", "d31_60", "d61_90", "d91_180", "d180_plus"]
    assert parse_buckets("15，45") == (15, 45)
    for bad in ("", "30,20", "a,b", "0,30"):
        with pytest.raises(InputError, match="ageing buckets"):
            parse_buckets(bad)


@settings(max_examples=40, deadline=None)
@given(
    docs=st.lists(
        st.tuples(
            st.sampled_from(["C1", "C2", "C3"]),
            st.sampled_from(["S1", "S2", "S3", "S4"]),
            st.integers(0, 330).map(lambda n: D("2026-01-01") + pd.Timedelta(days=n)),
            st.integers(-20_000, 200_000).map(lambda c: c / 100),
        ),
        max_size=12,
    ),
    paid=st.lists(st.tuples(st.sampled_from(["C1", "C2"]), st.integers(0, 150_000).map(lambda c: c / 100)), max_size=5),
)
def test_buckets_sum_to_balance(docs, paid):
    transactions = tx(*docs)
    payments = pay(*[(c, f"R{i}", "2026-06-01", a, None) for i, (c, a) in enumerate(paid)])
    ledger = build_ledger(transactions, payments, CUSTOMERS, as_of=AS_OF)
    table = age_ledger(ledger, CUSTOMERS)
    parts = table[[*bucket_columns((30, 60, 90, 180)), "unapplied_credit"]].sum(axis=1)
    assert ((parts - table["balance"]).abs() < 0.005).all()
    expected = (
        transactions.groupby("customer_id")["amount"]
        .sum()
        .add(-payments.groupby("customer_id")["amount"].sum(), fill_value=0)
    )
    got = table.set_index("customer_id")["balance"].reindex(expected.index, fill_value=0.0)
    assert ((got - expected).abs() < 0.005).all()
    assert (table["unapplied_credit"] <= 0).all()


def check_workbook(path):
    table = document_order(age_ledger(sample_ledger(), CUSTOMERS))
    captions = [caption(c, "zh") for c in table.columns]
    book = openpyxl.load_workbook(path)
    sheet = book.active
    assert "Ageing" in sheet.tables
    # One header row (the zh captions) under the title block; the frame's keys are not shown (issue 13).
    top = table_ref(path)[1]
    last = openpyxl.utils.get_column_letter(table.shape[1])
    assert sheet.tables["Ageing"].ref == f"A{top}:{last}{top + len(table) + 1}"
    header = [c.value for c in sheet[top]]
    assert header == captions
    c1 = [c.value for c in sheet[top + 1]]
    assert c1[0] == "C1" and c1[captions.index("余额")] == 1100
    assert c1[captions.index("超额度")] in ("是", "否")
    late = sheet.cell(top + 1, list(table.columns).index("d180_plus") + 1)
    assert late.fill.fgColor.rgb.endswith("FCE4D6")
    assert sheet.cell(top + 1, captions.index("余额") + 1).number_format == '"¥"#,##0.00'
    total = [c.value for c in sheet[top + 1 + len(table)]]
    assert total[0] == "合计"
    # The totals row gives the credit limits' total and the count over their limit, as the .csv's does.
    shown = [c.value for c in openpyxl.load_workbook(path, data_only=True).active[top + 1 + len(table)]]
    assert shown[captions.index("信用额度")] == 1000 and shown[captions.index("超额度")] == 2
    cal = calamine.CalamineWorkbook.from_path(str(path), load_tables=True).get_table_by_name("Ageing")
    rows = cal.to_python()
    assert cal.columns == captions and rows[0][0] == "C1"
    balance = cal.columns.index("余额")
    available = cal.columns.index("可用额度")
    assert [r[available] for r in rows] == [-100, "", -10]  # no limit: an empty cell, not 0
    # calamine gives the body rows only, without the totals row.
    assert len(rows) == 3 and sum(r[balance] for r in rows) == pytest.approx(1100 - 150 + 10)


def test_workbook_reads_back(tmp_path):
    ledger = sample_ledger()
    path = write_ageing(age_ledger(ledger, CUSTOMERS), tmp_path / "ageing.xlsx", as_of=ledger.as_of, lang="zh")
    check_workbook(path)
    again = write_ageing(age_ledger(ledger, CUSTOMERS), tmp_path / "again.xlsx", as_of=ledger.as_of, lang="zh")
    assert again.read_bytes() == path.read_bytes()


@pytest.mark.libreoffice
def test_workbook_opens_in_libreoffice(tmp_path, libreoffice):
    ledger = sample_ledger()
    path = write_ageing(age_ledger(ledger, CUSTOMERS), tmp_path / "ageing.xlsx", as_of=ledger.as_of, lang="en")
    csv = libreoffice(path, "csv:Text - txt - csv (StarCalc):44,34,76").read_text(encoding="utf-8")  # 76: UTF-8
    assert "C1" in csv and "¥1,100.00" in csv and "Err:" not in csv  # shown as formatted; totals calculate
    # calculated again, the totals row still counts the customers over their limit and totals their limits
    total = next(line for line in csv.splitlines() if line.startswith("Total"))
    assert total.endswith('"¥1,000.00",,2'), total


def test_the_report_shows_the_balance_beside_the_customer_then_its_buckets_then_credit():
    table = age_ledger(sample_ledger(), CUSTOMERS)
    assert list(document_order(table).columns) == [
        "customer_id",
        "name",
        "rep",
        "balance",
        *bucket_columns((30, 60, 90, 180)),
        "unapplied_credit",
        "credit_grade",
        "credit_limit",
        "available_credit",
        "over_limit",
    ]


def test_a_wide_ageing_prints_the_balance_on_the_first_page_with_the_customer(tmp_path, libreoffice):
    """Long names and amounts in the millions make the report too wide to read on one page: it prints in strips,
    and the first holds each customer's balance (the trial's 余额 was on the second page)."""
    customers = CUSTOMERS.assign(
        name=["西安海峰汽车零部件股份有限公司", "哈尔滨益丰电子科技有限公司", "北京宏远注塑股份有限公司"],
        credit_limit=[1_090_000.0, 500_000.0, 800_000.0],
    )
    transactions = tx(
        ("C1", "S1", "2026-11-15", 419_687.12),
        ("C1", "S2", "2026-10-01", 229_433.52),
        ("C1", "S3", "2026-03-01", 756_066.52),
        ("C2", "S4", "2026-08-20", 311_084.63),
        ("C2", "S5", "2026-06-01", 114_154.70),
        ("C3", "S6", "2026-09-10", 613_365.23),
    )
    ledger = build_ledger(transactions, pay(("C1", "R1", "2026-11-20", 100.0, "S3")), customers, as_of=AS_OF)
    table = age_ledger(ledger, customers)
    path = write_ageing(table, tmp_path / "ageing.xlsx", as_of=ledger.as_of, lang="zh")
    assert openpyxl.load_workbook(path).active.print_title_cols == "$A:$C"
    pages = pdf_pages(libreoffice(path, "pdf"))
    balances = [f"¥{b:,.2f}" for b in table["balance"]]
    assert len(pages) >= 2 and "余额" in pages[0] and all(b in pages[0] for b in balances), pages[0]
    assert all("西安海峰汽车零部件股份有限公司" in page for page in pages)


def test_cli_writes_csv_with_totals_row(tmp_path, capsys):
    master = Master.empty(lang="zh")
    master.customers = CUSTOMERS.reindex(columns=master.customers.columns)
    master.customers["credit_limit"] = CUSTOMERS["credit_limit"]
    master.customers["payment_terms_days"] = pd.array([30, 0, 10], dtype="Int64")
    master.transactions = tx(("C1", "S1", "2026-10-01", 400.0)).reindex(columns=master.transactions.columns)
    master.payments = pay(("C1", "R1", "2026-11-30", 100.0, None)).reindex(columns=master.payments.columns)
    path = save_master(master, tmp_path / "master.xlsx", backup=False)
    out = tmp_path / "ageing.csv"
    assert main(["ageing", str(path), "--out", str(out), "--lang", "en"]) == 0
    frame = pd.read_csv(out, encoding="utf-8-sig", dtype={"Customer ID": str})
    assert frame["Customer ID"].tolist() == ["C1", "Total"]
    assert frame.loc[0, "1-30 Days Overdue"] == 300 and frame.loc[1, "Balance"] == 300
    # headed in the Title Case of the master's and the credit grades' en headers (Credit Grade, not Credit grade)
    assert all(h == title_case(h) for h in frame.columns), list(frame.columns)
    assert {"Not Due", "Over 180 Days Overdue", "Unapplied Credit", "Credit Grade", "Available Credit"} <= set(frame)
    assert "ageing: 1 customer(s), " in capsys.readouterr().out
    assert main(["ageing", str(path), "--buckets", "30,10", "--out", str(out)]) == 2
    # Earlier cut-off: the payment of 11-30 is not counted yet and S1 (due 10-31) is 14 days overdue.
    assert main(["ageing", str(path), "--as-of", "2026年11月14日", "--out", str(out)]) == 0
    frame = pd.read_csv(out, encoding="utf-8-sig", dtype={"客户编号": str})  # the csv in the default language, zh
    assert frame.loc[0, "逾期1-30天"] == 400 and frame.loc[0, "余额"] == 400
    assert main(["ageing", str(path), "--as-of", "someday", "--out", str(out)]) == 2


def test_a_report_someone_typed_into_is_kept_as_the_backup_when_a_run_replaces_it(tmp_path, capsys):
    # Finance writes notes beside the ageing report, then runs the command again: the notes are in the backup, and
    # further runs on the same books (the same report again) keep that backup as it is.
    master = Master.empty(lang="zh")
    master.customers = CUSTOMERS.reindex(columns=master.customers.columns)
    master.transactions = tx(("C1", "S1", "2026-10-01", 400.0)).reindex(columns=master.transactions.columns)
    path = save_master(master, tmp_path / "master.xlsx", backup=False)
    out, backup = tmp_path / "ageing.xlsx", tmp_path / "ageing.bak.xlsx"
    assert main(["ageing", str(path), "--as-of", "2026-11-30", "--out", str(out)]) == 0
    written = out.read_bytes()
    assert main(["ageing", str(path), "--as-of", "2026-11-30", "--out", str(out)]) == 0
    assert not backup.exists() and out.read_bytes() == written  # the same report: nothing to keep
    book = openpyxl.load_workbook(out)
    book.worksheets[0]["K2"] = "已电话催款，月底付清"
    book.save(out)
    for _ in range(2):
        assert main(["ageing", str(path), "--as-of", "2026-11-30", "--out", str(out)]) == 0
        assert out.read_bytes() == written
        assert openpyxl.load_workbook(backup).worksheets[0]["K2"].value == "已电话催款，月底付清"
    out.write_text("客户编号,备注\nC1,已催款\n", encoding="utf-8")  # the same name saved as CSV text by hand
    assert main(["ageing", str(path), "--as-of", "2026-11-30", "--out", str(out)]) == 0
    assert backup.read_text(encoding="utf-8") == "客户编号,备注\nC1,已催款\n"
