"""The customer fact sheet (一户一档) on a hand-built master written to disk: a customer's figures against a hand
count, a customer without a sale, every customer of a rep, unknown customers and reps; then the printable workbook."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from briefing_master import hand_master
from reportbook import pdf_pages

from keyacct_xl.bridge.base import ActionOptions, FileBridge
from keyacct_xl.briefing.fact_sheet import monthly_by_category
from keyacct_xl.briefing.usecase import run_fact_sheet
from keyacct_xl.cli.main import main
from keyacct_xl.consolidate.store import load_store
from keyacct_xl.errors import InputError
from keyacct_xl.macros import run_action
from keyacct_xl.master.reader import load_master
from keyacct_xl.master.writer import save_master

OCTOBER_END = pd.Timestamp("2026-10-31")


@pytest.fixture(scope="module")
def master_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return hand_master(tmp_path_factory.mktemp("account"))


def sheets(path: Path, **options):
    return run_fact_sheet(load_master(path), load_store(path).frames, **options)


def test_a_customers_sheet_shows_the_hand_counted_figures(master_path: Path) -> None:
    (k1,) = sheets(master_path, customer_ids=["K1"], as_of=OCTOBER_END).sheets
    archive = k1.archive.set_index("field")["value"]
    assert archive["name"] == "甲商贸" and archive["grade"] == "VIP" and archive["credit_limit"] == 1000.0
    assert list(k1.contacts["name"]) == ["赵经理", "钱总"] and list(k1.contacts["active"]) == ["是", "否"]
    monthly = k1.monthly.set_index("month")
    assert len(monthly) == 36 and monthly.index[0] == "2023-11" and monthly.index[-1] == "2026-10"
    assert monthly.loc["2026-10", "饮料"] == 1200.0 and monthly.loc["2026-09", "食品"] == 500.0
    assert monthly.loc["2025-10", "total"] == 800.0 and monthly["total"].sum() == 3500.0  # November's 5000 is later
    assert k1.sales_12_months == 2700.0
    share = k1.category_share.iloc[0]  # 经销商: K1 2700, K3 3400, K5 900 over 2025-11..2026-10
    assert share["category_sales"] == 7000.0 and share["category_share"] == pytest.approx(2700 / 7000)
    assert share["category_rank"] == 2 and share["category_customers"] == 3
    assert list(k1.grades["grade_after"]) == ["VIP"]
    assert list(k1.quotes["quote_no"]) == ["Q1"]  # Q2 expired in June
    assert list(k1.opportunities["opportunity_id"]) == ["O1"]
    assert list(k1.visits["date"]) == [pd.Timestamp("2026-10-06"), pd.Timestamp("2026-07-01")]
    assert list(k1.complaints["complaint_no"]) == ["T3"]  # T1 closed on 10-15
    ageing = k1.ageing.iloc[0]  # 1200 of 10-01 due 10-31, 500 of 09-20 due 10-20
    assert ageing["balance"] == 1700.0 and ageing["not_due"] == 1200.0 and ageing["d1_30"] == 500.0
    assert bool(ageing["over_limit"])
    assert list(k1.actions["action"]) == ["季度业务回顾"]  # 新品进店 is done


def test_a_customer_without_a_sale_has_every_section(master_path: Path) -> None:
    (k7,) = sheets(master_path, customer_ids=["K7"], as_of=OCTOBER_END).sheets
    assert k7.sales_12_months == 0.0 and len(k7.monthly) == 36
    assert k7.ageing.empty and k7.visits.empty and k7.contacts.empty
    share = k7.category_share.iloc[0]  # 零售: K2 500, K4 0, K6 250, K7 0
    assert share["category_sales"] == 750.0 and share["category_share"] == 0.0 and share["category_rank"] == 3


def test_every_customer_of_a_rep_and_the_data_s_today(master_path: Path) -> None:
    run = sheets(master_path, rep="李四")
    assert [s.customer_id for s in run.sheets] == ["K3", "K4", "K5"]
    assert run.as_of == pd.Timestamp("2026-11-02")  # the latest sale


def test_unknown_customer_or_rep_is_refused(master_path: Path) -> None:
    with pytest.raises(InputError, match="K99"):
        sheets(master_path, customer_ids=["K99"])
    with pytest.raises(InputError, match="赵六"):
        sheets(master_path, rep="赵六")


def test_the_sheets_print_on_a4_with_their_figures_and_a_chart(master_path: Path, tmp_path: Path, libreoffice) -> None:
    out = sheets(master_path, customer_ids=["K1", "K7"], as_of=OCTOBER_END, out=tmp_path / "accounts.xlsx").path
    book = openpyxl.load_workbook(out)
    assert book.sheetnames == ["K1", "K7"]
    for ws in book.worksheets:
        assert ws.page_setup.paperSize == 9 and ws.sheet_properties.pageSetUpPr.fitToPage
        assert len(ws._charts) == 1  # the monthly sales, also for a customer without a sale
    cells = {str(c.value) for row in book["K7"].iter_rows() for c in row if c.value is not None}
    assert "（无）" in cells and "庚新店" in cells  # a customer without a sale: every section, empty ones say so
    k1 = [[c.value for c in row] for row in book["K1"].iter_rows()]
    assert any(r[:2] == ["2026-10", 1200.0] or (r[0] == "2026-10" and 1200.0 in r) for r in k1)
    assert any("季度业务回顾" in r for r in k1)
    text = subprocess.run(
        ["pdftotext", "-layout", str(libreoffice(out, "pdf")), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "###" not in text and "甲商贸" in text and "¥1,700.00" in text


def test_the_command_and_the_ribbon_button(master_path: Path, tmp_path: Path, capsys) -> None:
    book = tmp_path / "master.xlsx"
    shutil.copy(master_path, book)
    assert main(["account", str(book), "--all", "--rep", "李四", "--lang", "en"]) == 0
    assert "3 customer(s) (K3 丙公司, K4 丁商店, K5 戊批发)" in capsys.readouterr().out
    assert (tmp_path / "account_rep_李四_2026-11-02.xlsx").exists()
    assert main(["account", str(book), "--all"]) == 2  # --all needs --rep: a user error
    result = run_action("fact_sheet", FileBridge(book), ActionOptions(extra={"customer": "K7"}))
    assert result.outputs == (tmp_path / "reports" / "account_K7_2026-11-02.xlsx",)


@pytest.mark.parametrize(
    ("lang", "contacts", "visits"),
    [
        ("zh", ["姓名", "职务"], ["日期", "业务员", "方式"]),
        ("en", ["Name", "Title"], ["Date", "Sales Rep", "Method"]),
    ],
)
def test_each_section_is_headed_by_its_own_tables_headers(
    master_path: Path, tmp_path: Path, lang: str, contacts: list[str], visits: list[str]
) -> None:
    # A contact's name is no customer name, a visit's method no payment method (Payments has a method too).
    out = tmp_path / f"k1_{lang}.xlsx"
    assert (
        main(
            [
                "account",
                str(master_path),
                "--customer",
                "K1",
                "--as-of",
                "2026-10-31",
                "--out",
                str(out),
                "--lang",
                lang,
            ]
        )
        == 0
    )
    rows = [
        [v for v in r if v is not None] for r in openpyxl.load_workbook(out).worksheets[0].iter_rows(values_only=True)
    ]
    titles = {"zh": ("联系人", "最近拜访"), "en": ("Contacts", "Last visits")}[lang]
    below = {title: rows[next(i for i, r in enumerate(rows) if r == [title]) + 1] for title in titles}
    assert below[titles[0]][: len(contacts)] == contacts
    assert below[titles[1]][: len(visits)] == visits


def test_customers_whose_ids_no_sheet_name_can_hold_get_a_sheet_each(tmp_path: Path) -> None:
    """Ids with a character Excel refuses in a sheet name (``KA/001``, ``KA:001``), ids one letter-case apart
    (``KA001``, ``ka001``: one sheet name to Excel), an id longer than a sheet name and an id Excel reserves as a
    sheet name (History, its change-tracking sheet: a workbook holding a sheet of that name is repaired on open)
    each get their own sheet, whose title still names the customer by its full id, instead of the fact sheet
    failing with a traceback."""
    ids = {
        "K1": "KA/001",
        "K2": "KA:001",
        "K3": "KA001",
        "K4": "ka001",
        "K5": "华东区重点客户-2026-上海浦东新区-第0001号",
        "K6": "history",
    }
    book_path = hand_master(tmp_path)
    master = load_master(book_path)
    for table in (master.customers, master.transactions, master.payments, master.visits):
        table["customer_id"] = table["customer_id"].replace(ids)
    save_master(master, tables=["Customers", "Transactions", "Payments", "Visits"])
    out = sheets(book_path, customer_ids=list(ids.values()), as_of=OCTOBER_END, out=tmp_path / "accounts.xlsx").path
    book = openpyxl.load_workbook(out)
    names = book.sheetnames
    assert len({n.casefold() for n in names}) == len(ids) == len(names)
    assert all(len(n) <= 31 and not set(n) & set("[]:*?/\\") for n in names)
    assert "history" not in {n.casefold() for n in names}
    for cid, ws in zip(ids.values(), book.worksheets, strict=True):
        heading = " ".join(str(c.value) for row in ws.iter_rows(max_row=4) for c in row if c.value is not None)
        assert cid in heading  # the title names the customer by its full id


def test_the_ageing_row_shows_every_amount_in_one_money_format(master_path: Path, tmp_path: Path) -> None:
    # The overdue buckets are money as much as the balance beside them: ¥ and cents in every amount of the row,
    # shown as caption/amount pairs, two a row (eleven figures side by side would widen the page).
    out = sheets(master_path, customer_ids=["K1"], as_of=OCTOBER_END, out=tmp_path / "k1.xlsx").path
    ws = openpyxl.load_workbook(out)["K1"]
    title = next(c.row for c in ws["A"] if c.value == "应收账款账龄分析表")
    pairs = {row[j].value: row[j + 1] for row in ws.iter_rows(min_row=title + 1, max_row=title + 6) for j in (0, 2)}
    amounts = [h for h in pairs if h not in ("超额度", None)]
    assert {"信用额度", "未到期", "逾期1-30天", "逾期180天以上", "余额", "可用额度"} <= set(amounts)
    assert {h: pairs[h].number_format for h in amounts} == {h: '"¥"#,##0.00' for h in amounts}
    assert pairs["逾期1-30天"].value == 500.0 and pairs["超额度"].value == "是"
    assert max(c.column for row in ws.iter_rows(min_row=title + 1, max_row=title + 6) for c in row if c.value) <= 4


def test_past_five_categories_the_four_largest_keep_their_column_and_the_rest_are_other() -> None:
    # 其他 typed as a category is summed with the rest: it is no category of its own beside "other"
    amounts = {"A": 900.0, "B": 800.0, "其他": 5000.0, "C": 700.0, "D": 600.0, "E": 50.0, "F": 40.0}
    lines = pd.DataFrame(
        {"date": pd.Timestamp("2026-10-05"), "category": list(amounts), "amount": list(amounts.values())}
    )
    table = monthly_by_category(lines, last=pd.Period("2026-10", "M")).set_index("month")
    assert list(table.columns) == ["A", "B", "C", "D", "other", "total"]
    assert table.loc["2026-10", "other"] == 5090.0 and table.loc["2026-10", "total"] == sum(amounts.values())
    five = lines[lines["category"].isin(["A", "B", "C", "D", "E"])]
    assert list(monthly_by_category(five, last=pd.Period("2026-10", "M")).columns) == [
        "month",
        "A",
        "B",
        "C",
        "D",
        "E",
        "total",
    ]  # one category more than four keeps its name: an "other" of one would only hide it


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_customer_of_eight_categories_prints_one_page_wide(tmp_path: Path, lang: str, libreoffice) -> None:
    """Eight product categories, amounts in the millions and a long address no longer widen the sheet past one A4
    page: it is fitted to the page's width (not printed in strips of 60 %), each month's row whole on one line."""
    path = hand_master(tmp_path)
    master = load_master(path)
    sales = [
        {
            "doc_no": f"M{k}",
            "date": pd.Timestamp("2026-10-03"),
            "customer_id": "K1",
            "amount": 1_234_567.89 + k,
            "category": f"品类{k}号润滑油产品",
        }
        for k in range(8)
    ]
    master.transactions = pd.concat([master.transactions, pd.DataFrame(sales)], ignore_index=True)
    master.customers.loc[master.customers["customer_id"] == "K1", "address"] = (
        "湖北省武汉市蔡甸区和平路929号工业园区三号楼"
    )
    save_master(master, tables=["Transactions", "Customers"])
    out = sheets(path, customer_ids=["K1"], as_of=OCTOBER_END, out=tmp_path / "k1.xlsx", lang=lang).path
    ws = openpyxl.load_workbook(out)["K1"]
    assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToWidth in (1, None)
    assert ws.print_title_cols is None  # no strips repeating column A
    text = subprocess.run(
        ["pdftotext", "-layout", str(libreoffice(out, "pdf")), "-"], capture_output=True, text=True, check=True
    ).stdout
    october = next(line for line in text.splitlines() if line.startswith("2026-10"))
    assert "¥9,877,771.12" in october  # 1200 of 饮料 and the eight: the row's total beside its month


def test_a_customer_named_as_the_chart_data_sheet_keeps_its_own_sheet(tmp_path: Path) -> None:
    """A customer whose id is 图表数据 after one whose chart reads in 万: its sheet took the hidden chart-data sheet's
    name, and the fact sheet failed with DuplicateWorksheetName (first, its sheet got the other's series written in)."""
    book_path = hand_master(tmp_path)
    master = load_master(book_path)
    for table in (master.customers, master.transactions, master.payments, master.visits):
        table["customer_id"] = table["customer_id"].replace({"K2": "图表数据"})
    master.transactions["amount"] = master.transactions["amount"] * 1000  # an axis in 万
    save_master(master, tables=["Customers", "Transactions", "Payments", "Visits"])
    for ids in (["K1", "图表数据"], ["图表数据", "K1"]):
        out = sheets(book_path, customer_ids=ids, as_of=OCTOBER_END, out=tmp_path / "accounts.xlsx").path
        book = openpyxl.load_workbook(out)
        shown = [ws for ws in book.worksheets if ws.sheet_state == "visible"]
        assert len(shown) == 2 and [ws.title for ws in book.worksheets if ws not in shown] == ["图表数据"]
        assert all(ws._charts for ws in shown)
        heading = " ".join(str(c.value) for row in shown[ids.index("图表数据")].iter_rows(max_row=4) for c in row)
        assert "图表数据" in heading


def test_a_long_grade_reason_prints_whole_on_rows_as_tall_as_its_lines(tmp_path: Path, libreoffice) -> None:
    """A wrapped reason kept the row's 15 pt: printed, it was cut to its last line (用等级由B调整为A)."""
    path = hand_master(tmp_path)
    master = load_master(path)
    reason = "2025年度销售额¥880,210，维持B类；信用等级由B调整为A"
    master.grade_history.loc[0, "reason"] = reason
    save_master(master, tables=["GradeHistory"])
    out = sheets(path, customer_ids=["K1"], as_of=OCTOBER_END, out=tmp_path / "k1.xlsx").path
    ws = openpyxl.load_workbook(out)["K1"]
    [cell] = [c for row in ws.iter_rows() for c in row if c.value == reason]
    assert cell.alignment.wrap_text and ws.row_dimensions[cell.row].height >= 3 * 15
    text = subprocess.run(
        ["pdftotext", "-raw", str(libreoffice(out, "pdf")), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert all(part in text for part in ("2025年度销售额", "维持B类", "调整为A")), text


def test_a_day_past_the_data_takes_sales_and_ageing_where_the_data_end_with_one_warning(
    master_path: Path, tmp_path: Path, capsys
) -> None:
    """A fact sheet dated after the latest sale or payment (the demo's default, the latest visit: 11-27 against
    sales to 10-31) aged every open invoice past the data as if nothing were paid, and showed the months after the
    data as ¥0.00, without a word (found by a trial). Now its sales, share and ageing are taken where the data end
    (11-02 here), the visits and complaints still at its day, with one warning saying so."""
    december = pd.Timestamp("2026-12-15")
    run = sheets(master_path, customer_ids=["K1"], as_of=december)
    (k1,) = run.sheets
    assert k1.as_of == december and k1.through == pd.Timestamp("2026-11-02")
    assert k1.monthly["month"].iloc[-1] == "2026-11" and len(k1.monthly) == 36  # no December of ¥0.00
    assert k1.monthly.set_index("month").loc["2026-11", "饮料"] == 5000.0 and k1.sales_12_months == 7700.0
    ageing = k1.ageing.iloc[0]  # at 11-02: 5000 of 11-02 not due, 500 (due 10-20) and 1200 (due 10-31) overdue
    assert ageing["not_due"] == 5000.0 and ageing["d1_30"] == 1700.0 and ageing["d31_60"] == 0.0
    assert list(k1.complaints["complaint_no"]) == ["T3"]  # the complaints still at the sheet's day
    warning = (
        "警告：一户一档的日期 2026-12-15 晚于总表的销售和收款（截至 2026-11-02）：按月销售额、同类客户占比和应收账款"
        "账龄按数据截止的 2026-11-02 计算；请导入之后的销售和收款，或用 --as-of 给出 2026-11-02 或更早的日期"
    )
    assert run.summary("zh").splitlines()[1:] == [warning]
    assert "warning: the fact sheet's day (2026-12-15) is after" in run.summary("en")
    assert sheets(master_path, customer_ids=["K1"]).warnings == ()  # the default day, 11-02, is the data's end
    book = tmp_path / "master.xlsx"
    shutil.copy(master_path, book)
    out = tmp_path / "k1.xlsx"
    assert main(["account", str(book), "--customer", "K1", "--as-of", "2026-12-15", "--out", str(out)]) == 0
    assert capsys.readouterr().out.splitlines()[1:] == [warning]
    cells = [c.value for row in openpyxl.load_workbook(out)["K1"].iter_rows() for c in row if c.value is not None]
    assert "2026-12" not in cells and "2026-11" in cells
    for title in ("按月、按产品类别的销售额", "应收账款账龄分析表", "在同类客户中的占比（近 12 个月）"):
        assert f"{title}（销售和收款截至 2026-11-02）" in cells


def test_a_customer_id_in_another_case_or_width_finds_its_customer(master_path: Path, tmp_path: Path, capsys) -> None:
    """``--customer c0023`` was refused (no customer c0023) where the customer import and consolidation read c0023
    and Ｃ0023 as C0023 (master.ids)."""
    run = sheets(master_path, customer_ids=["k1", "Ｋ3", "K1"], as_of=OCTOBER_END)
    assert [s.customer_id for s in run.sheets] == ["K1", "K3"]
    book = tmp_path / "master.xlsx"
    shutil.copy(master_path, book)
    assert main(["account", str(book), "--customer", "k1"]) == 0
    assert "K1 甲商贸" in capsys.readouterr().out
    assert (tmp_path / "account_K1_2026-11-02.xlsx").exists()
    with pytest.raises(InputError, match="k99"):
        sheets(master_path, customer_ids=["k99"])


def test_the_monthly_table_repeats_its_header_on_every_page_it_runs_onto(
    master_path: Path, tmp_path: Path, libreoffice
) -> None:
    """The 36 months ran onto a page of their own without the header row naming the columns (月份, the categories,
    合计); now the row is the sheet's print titles, and the table is its last section, so no other section's page
    prints it."""
    out = sheets(master_path, customer_ids=["K1"], as_of=OCTOBER_END, out=tmp_path / "k1.xlsx").path
    ws = openpyxl.load_workbook(out)["K1"]
    header = next(c.row for c in ws["A"] if c.value == "月份")
    assert ws.print_title_rows == f"${header}:${header}"
    pages = pdf_pages(libreoffice(out, "pdf"))
    months = [i for i, page in enumerate(pages) if re.search(r"^\s*\d{4}-\d{2}\s", page, re.M)]
    assert len(months) >= 2  # the table runs over a page: what the header is repeated for
    for i in months:
        lines = pages[i].splitlines()
        first = next(n for n, line in enumerate(lines) if re.match(r"\s*\d{4}-\d{2}\s", line))
        assert re.match(r"\s*月份\s+食品\s+饮料\s+合计", lines[first - 1]), pages[i]
    assert months[-1] == len(pages) - 1  # the last section
    assert all("月份" not in page for i, page in enumerate(pages) if i not in months)


def test_the_ageing_block_prints_on_one_page(master_path: Path, tmp_path: Path, libreoffice) -> None:
    """The ageing block split across two pages (the finance trial's acct_C0017.pdf: 信用额度 and 未到期 at the foot
    of page 2, the buckets, balance and 超额度 on page 3; K1's here the same): it starts a page when it would."""
    out = sheets(master_path, customer_ids=["K1"], as_of=OCTOBER_END, out=tmp_path / "k1.xlsx").path
    pages = pdf_pages(libreoffice(out, "pdf"))
    block = {
        i
        for i, page in enumerate(pages)
        for part in ("应收账款账龄分析表", "未到期", "逾期1-30天", "超额度")
        if part in page
    }
    assert len(block) == 1, block
