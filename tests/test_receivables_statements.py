"""Customer statements and master-based reconciliation on a small demo company, read back three ways."""

from __future__ import annotations

import re
import subprocess
import zipfile

import openpyxl
import pandas as pd
import pytest
import python_calamine as calamine

from keyacct_xl.cli.main import main
from keyacct_xl.demo.company import generate_demo
from keyacct_xl.errors import InputError
from keyacct_xl.master.reader import load_master
from keyacct_xl.master.writer import save_master
from keyacct_xl.receivables.demo_statement import pick_customer, write_returned_statement
from keyacct_xl.receivables.ledger import build_ledger
from keyacct_xl.receivables.master_lines import master_lines, statement_period
from keyacct_xl.receivables.reconcile import reconcile
from keyacct_xl.receivables.statement_reader import read_statement
from keyacct_xl.receivables.statements import parse_period

PERIOD = "2026-10"
UTF8_CSV = "csv:Text - txt - csv (StarCalc):44,34,76"  # comma, double quote, UTF-8


@pytest.fixture(scope="module")
def master_path(tmp_path_factory):
    path = tmp_path_factory.mktemp("rx") / "master.xlsx"
    save_master(generate_demo(seed=7, customers=40, lang="zh"), path, backup=False)
    return path


@pytest.fixture(scope="module")
def master(master_path):
    return load_master(master_path)


def busiest(master) -> str:
    start, end = parse_period(PERIOD)
    return pick_customer(master, start=start, end=end)


def test_parse_period():
    assert parse_period("2026年2月") == (pd.Timestamp("2026-02-01"), pd.Timestamp("2026-02-28"))
    with pytest.raises(InputError, match="--period"):
        parse_period("October")


def test_statement_reads_back_and_agrees_with_the_ledger(master_path, master, tmp_path):
    cid = busiest(master)
    assert main(["statement", str(master_path), "--customer", cid, "--period", PERIOD, "--out", str(tmp_path)]) == 0
    path = tmp_path / f"对账单_{cid}_{PERIOD}.xlsx"
    sheet = openpyxl.load_workbook(path).active
    assert sheet.page_setup.paperSize == 9 and sheet.page_setup.orientation == "portrait"
    assert sheet.sheet_properties.pageSetUpPr.fitToPage
    texts = [c.value for row in sheet.iter_rows() for c in row if isinstance(c.value, str)]
    assert "客户往来对账单" in texts and "期初余额" in texts and "期末余额" in texts
    assert any("客户签章" in t for t in texts) and any("差异说明" in t for t in texts)
    ledger = build_ledger(master.transactions, master.payments, master.customers, as_of=parse_period(PERIOD)[1])
    expected = round(float(ledger.balance()[cid]), 2)
    # Our own statement, read back as a statement file, closes at the ledger's balance.
    ours = read_statement(path, perspective="ours")
    assert ours.closing == pytest.approx(expected)
    assert round(ours.opening + ours.lines["amount"].sum(), 2) == pytest.approx(expected)
    grid = calamine.CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()
    assert any(cid in row for row in grid)
    # Reconciling it with the master: everything matches, nothing left.
    start, end = parse_period(PERIOD)
    result = reconcile(master_lines(master, cid, start=start, end=end), ours)
    assert set(result.table["status"]) == {"matched"} and result.remainder == 0


@pytest.mark.libreoffice
def test_statement_and_ageing_open_in_libreoffice(master_path, master, tmp_path, libreoffice):
    cid = busiest(master)
    main(["statement", str(master_path), "--customer", cid, "--period", PERIOD, "--out", str(tmp_path)])
    main(["statement", str(master_path), "--customer", cid, "--period", PERIOD, "--out", str(tmp_path), "--lang", "en"])
    zh, en = (tmp_path / f"{stem}_{cid}_{PERIOD}.xlsx" for stem in ("对账单", "statement"))
    pdf, en_pdf = libreoffice([zh, en], "pdf")
    boxes = re.findall(rb"/MediaBox\s*\[\s*0 0 (\d+)\.\d+ (\d+)\.\d+", pdf.read_bytes())
    assert boxes and set(boxes) == {(b"595", b"841")}  # A4 portrait, 210 x 297 mm in points
    # The ageing captions stand in the date, description and credit columns, an amount right of each: a column
    # too narrow for its caption prints it cut ("61-90 Days Overdu"); the English ones are the longest.
    text = subprocess.run(["pdftotext", str(en_pdf), "-"], capture_output=True, text=True, check=True).stdout
    captions = ("Not Due", "1-30 Days Overdue", "31-60 Days Overdue", "61-90 Days Overdue", "91-180 Days Overdue")
    assert [c for c in (*captions, "Over 180 Days Overdue", "Unapplied Credit") if c not in text] == []
    main(["ageing", str(master_path), "--out", str(tmp_path / "ageing.xlsx")])
    csv = libreoffice(tmp_path / "ageing.xlsx", UTF8_CSV).read_text(encoding="utf-8")
    assert "客户编号" in csv and "合计" in csv and "customer_id" not in csv  # one zh header row, no key row


def test_all_writes_one_file_per_customer_with_a_balance(master_path, master, tmp_path, capsys):
    assert (
        main(["statement", str(master_path), "--all", "--period", PERIOD, "--out", str(tmp_path), "--lang", "en"]) == 0
    )
    end = parse_period(PERIOD)[1]
    ledger = build_ledger(master.transactions, master.payments, master.customers, as_of=end)
    with_balance = {c for c, b in ledger.balance().items() if round(b, 2) != 0}
    written = {p.name.split("_")[1] for p in tmp_path.glob("statement_*.xlsx")}
    assert written == with_balance and written
    assert f"statements: {len(written)} written" in capsys.readouterr().out
    # Every amount is in cents, as it prints: a line summed from several sales was 9697.189999999999 in its cell.
    amounts = {
        (path.name, cell.coordinate): cell.value
        for path in tmp_path.glob("statement_*.xlsx")
        for row in openpyxl.load_workbook(path).active.iter_rows()
        for cell in row
        if isinstance(cell.value, float)
    }
    assert amounts and {at: a for at, a in amounts.items() if round(a, 2) != a} == {}


def test_demo_returned_statement_planted_differences(master_path, master, tmp_path):
    start, end = parse_period(PERIOD)
    cid = busiest(master)
    planted = write_returned_statement(master, cid, tmp_path / "returned.xlsx", start=start, end=end)
    theirs = read_statement(tmp_path / "returned.xlsx")
    first, last = statement_period(theirs)
    assert (first, last) == (start, end)
    ours = master_lines(master, cid, start=first, end=last)
    result = reconcile(ours, theirs, lang="en")
    table = result.table
    split = table[table["ours_ref"] == planted.split_payment].iloc[0]
    assert split["status"] == "matched" and len(split["theirs_row"].split(";")) == 2
    transit = table[table["ours_ref"] == planted.in_transit].iloc[0]
    assert transit["status"] == "only_ours" and "in transit" in transit["hint"]
    typo = table[table["ours_ref"] == planted.typo].iloc[0]
    assert typo["status"] == "amount_mismatch" and typo["theirs_amount"] == planted.typo_amount
    assert "typo" in typo["hint"]
    dup = table[table["status"] == "only_theirs"]
    assert len(dup) == 1 and "duplicate" in dup.iloc[0]["hint"]
    assert result.remainder == 0 and not result.problems
    # Every line of both sides once; master rows name the sheet.
    ours_rows = sorted(r for cell in table["ours_row"] for r in cell.split(";") if r)
    assert ours_rows == sorted(r for cell in ours.lines["row"] for r in cell.split(";"))
    assert all(r.startswith(("销售明细!", "收款记录!")) for r in ours_rows)


def test_a_statement_returned_as_ods_reconciles_as_the_xlsx_does(master_path, master, tmp_path, libreoffice):
    """A customer's finance in LibreOffice sends the statement back in its own format (.ods): read after the same
    screening as a form, it reconciles line for line as the .xlsx; a hostile .ods is one line naming it."""
    start, end = parse_period(PERIOD)
    cid = busiest(master)
    write_returned_statement(master, cid, tmp_path / "returned.xlsx", start=start, end=end)
    ods = libreoffice(tmp_path / "returned.xlsx", "ods", tmp_path / "ods")
    ours = master_lines(master, cid, start=start, end=end)
    by_format = [reconcile(ours, read_statement(p), lang="en").table for p in (tmp_path / "returned.xlsx", ods)]
    columns = ["status", "ours_ref", "ours_amount", "theirs_amount", "hint"]
    pd.testing.assert_frame_equal(by_format[0][columns], by_format[1][columns])
    with zipfile.ZipFile(ods) as src, zipfile.ZipFile(tmp_path / "bomb.ods", "w") as dst:
        for info in src.infolist():
            content = src.read(info.filename)
            if info.filename == "content.xml":
                content = content.replace(
                    b"<table:table-row ", b'<table:table-row table:number-rows-repeated="9000000" ', 1
                )
            dst.writestr(info, content)
    with pytest.raises(InputError, match=r"bomb\.ods: .*refused before reading"):
        read_statement(tmp_path / "bomb.ods")


def test_master_rows_are_the_excel_rows(master_path, master):
    # Each label must point at the row holding that very document: the customer id alone is not enough, since
    # the next row is often another line of the same invoice (a one-row shift went unnoticed that way).
    cid = busiest(master)
    lines = master_lines(master, cid).lines
    book = openpyxl.load_workbook(master_path, read_only=True)
    for kind, key_header in (("invoice", "单据编号"), ("payment", "收款单号")):
        line = lines[lines["kind"] == kind].iloc[0]
        labels = line["row"].split(";")
        sheet = book[labels[0].split("!")[0]]
        headers = next(sheet.iter_rows(min_row=1, max_row=1, values_only=True))
        for label in labels:
            row = int(label.split("!")[1])
            values = next(sheet.iter_rows(min_row=row, max_row=row, values_only=True))
            assert values[headers.index(key_header)] == line["ref"] and cid in values
        before = next(sheet.iter_rows(min_row=int(labels[0].split("!")[1]) - 1, values_only=True))
        assert before[headers.index(key_header)] != line["ref"]  # the first row of the document, not a later one


def test_cli_reconcile_against_master_needs_customer(master_path, master, tmp_path, capsys):
    start, end = parse_period(PERIOD)
    cid = busiest(master)
    write_returned_statement(master, cid, tmp_path / "returned.xlsx", start=start, end=end)
    assert main(["reconcile", str(master_path), str(tmp_path / "returned.xlsx")]) == 2
    assert "--customer" in capsys.readouterr().err
    out = tmp_path / "r.xlsx"
    assert (
        main(
            [
                "reconcile",
                str(master_path),
                str(tmp_path / "returned.xlsx"),
                "--customer",
                cid,
                "--out",
                str(out),
                "--lang",
                "en",
            ]
        )
        == 0
    )
    # the statuses in words, as the report's status column shows them, not by their keys
    assert "Amount Mismatch 1, Only Ours 1, Only Theirs 1" in capsys.readouterr().out
    assert (
        main(["reconcile", str(master_path), str(tmp_path / "returned.xlsx"), "--customer", cid, "--out", str(out)])
        == 0
    )
    assert "金额不符 1，我方有 1，对方有 1" in capsys.readouterr().out  # zh names, not the status keys


def test_statement_file_name_keeps_an_id_with_a_slash_in_the_folder():
    from keyacct_xl.receivables.statements import StatementData, statement_filename

    start, end = parse_period(PERIOD)
    data = StatementData("", "KA/001", "", "", "", "", "", start, end, 0.0, pd.DataFrame(), 0.0, {})
    assert statement_filename(data, "zh").startswith("对账单_KA_001-") and "/" not in statement_filename(data, "zh")


def _cells_of(path) -> set[object]:
    return {c.value for row in openpyxl.load_workbook(path).worksheets[0].iter_rows() for c in row}


def test_two_ids_that_differ_only_in_unsafe_characters_get_a_statement_each(master_path, tmp_path):
    """KA/001 and KA:001 both become KA_001 in a file name: each statement keeps its own file."""
    master = load_master(master_path)  # changed here: not the module's
    end = parse_period(PERIOD)[1]
    ledger = build_ledger(master.transactions, master.payments, master.customers, as_of=end)
    first, second = sorted(c for c, b in ledger.balance().items() if round(b, 2) != 0)[:2]
    renamed = {first: "KA/001", second: "KA:001"}
    for frame in (master.customers, master.transactions, master.payments, master.contacts, master.visits):
        frame["customer_id"] = frame["customer_id"].replace(renamed)
    path = save_master(master, tmp_path / "renamed.xlsx", backup=False)
    out = tmp_path / "out"
    args = ["statement", str(path), "--all", "--period", PERIOD, "--out", str(out), "--lang", "en"]
    assert main(args) == 0
    written = sorted(out.glob("statement_KA_001*.xlsx"))
    assert len(written) == 2 and not list(out.glob("*.bak.xlsx"))  # neither put aside as the other's backup
    assert sorted(str({"KA/001", "KA:001"} & _cells_of(p)) for p in written) == ["{'KA/001'}", "{'KA:001'}"]


def _counts(out: str) -> str:
    return out.splitlines()[0]


@pytest.mark.libreoffice
def test_our_statement_returned_unchanged_reconciles_line_for_line(master_path, master, tmp_path, capsys, libreoffice):
    """The statement `keyacct-xl statement` wrote, sent back as it was (or saved again in LibreOffice as .xlsx, .xls
    or .ods): known by its hidden marker sheet, it is read in our perspective, so every line matches (it was read
    as the customer's own books, every line 'sign reversed')."""
    cid = busiest(master)
    assert main(["statement", str(master_path), "--customer", cid, "--period", PERIOD, "--out", str(tmp_path)]) == 0
    sent = tmp_path / f"对账单_{cid}_{PERIOD}.xlsx"
    assert "veryHidden" in zipfile.ZipFile(sent).read("xl/workbook.xml").decode()
    returned = [sent, *(libreoffice(sent, fmt, tmp_path / fmt) for fmt in ("xlsx", "xls", "ods"))]
    start, end = parse_period(PERIOD)
    lines = len(master_lines(master, cid, start=start, end=end).lines)
    for path in returned:
        capsys.readouterr()
        out = tmp_path / f"recon_{path.suffix[1:]}_{path.parent.name}.csv"
        args = ["reconcile", str(master_path), str(path), "--customer", cid, "--out", str(out), "--lang", "en"]
        assert main(args) == 0, capsys.readouterr().err
        printed = capsys.readouterr().out
        assert f"Matched {lines}, Amount Mismatch 0, Only Ours 0, Only Theirs 0" in _counts(printed), (path, printed)
        assert "unexplained ¥0.00" in printed
        # the ageing and confirmation rows we printed are listed as rows, not quoted as the customer's remarks
        assert "rows without an amount (notes)" in printed and not re.search(r" row \d+: ", printed), printed


def test_our_statement_to_another_customer_is_refused(master_path, master, tmp_path, capsys):
    cid = busiest(master)
    assert main(["statement", str(master_path), "--customer", cid, "--period", PERIOD, "--out", str(tmp_path)]) == 0
    other = next(c for c in master.customers["customer_id"] if c != cid)
    sent = tmp_path / f"对账单_{cid}_{PERIOD}.xlsx"
    capsys.readouterr()
    args = ["reconcile", str(master_path), str(sent), "--customer", other, "--out", str(tmp_path / "r.csv")]
    assert main([*args, "--lang", "en"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.endswith(
        f"is our statement to customer {cid}, not to {other}: reconcile it with --customer {cid}, "
        f"or give customer {other}'s statement"
    )
    assert len(err.splitlines()) == 1 and not (tmp_path / "r.csv").exists()
    assert main(args) == 2
    assert f"是我方发给客户 {cid} 的对账单" in capsys.readouterr().err


def test_a_customers_statement_whose_title_names_another_customer_is_refused(master_path, master, tmp_path, capsys):
    """A statement of the customer's own books whose title says it is another customer's was reconciled against
    this customer's ledger: every line a difference, each bookable by reconcile apply."""
    cid = busiest(master)
    start, end = parse_period(PERIOD)
    names = master.customers.set_index("customer_id")["name"]
    other = next(c for c in master.customers["customer_id"] if c != cid)
    # A customer whose name is inside ours (a related company) is not named by our name in their title.
    mine = load_master(master_path)  # not the module's master, which other tests read
    related = mine.settings.company_name[:4]
    mine.customers.loc[mine.customers["customer_id"] == other, "name"] = related
    save_master(mine, tmp_path / "m.xlsx", backup=False)
    for who, expected in ((related + "以外", 2), (f"{names[cid]}（盖章）", 0), (mine.settings.company_name, 0)):
        path = tmp_path / "returned.xlsx"
        write_returned_statement(mine, cid, path, start=start, end=end)
        book = openpyxl.load_workbook(path)
        book.worksheets[0]["A3"] = f"单位：{who}"  # above the header row
        book.save(path)
        out = tmp_path / "r.csv"
        out.unlink(missing_ok=True)
        capsys.readouterr()
        args = ["reconcile", str(tmp_path / "m.xlsx"), str(path), "--customer", cid, "--out", str(out), "--lang", "en"]
        assert main(args) == expected
        if expected:
            assert capsys.readouterr().err.strip() == (
                f"keyacct-xl: returned.xlsx: its title names customer {other} ({related}), not {cid}: "
                f"reconcile it with --customer {other}, or give customer {cid}'s statement"
            )
            assert not out.exists()


def test_the_master_is_refused_as_the_customers_statement(master_path, master, tmp_path, capsys):
    """The master given as THEIRS was read as a customer's books: every line of every customer 'only theirs'. A
    copy without its tables (saved by another program) is known by its sheets."""
    cid = busiest(master)
    copy = openpyxl.Workbook()
    copy.active.title = "客户档案"
    copy.active.append(["客户编号", "客户名称"])
    sales = copy.create_sheet("Transactions")
    for row in (["日期", "单据编号", "客户编号", "金额"], ["2026-10-03", "S1", cid, 100.0]):
        sales.append(row)
    copy.save(tmp_path / "master_copy.xlsx")
    for theirs in (master_path, tmp_path / "master_copy.xlsx"):
        capsys.readouterr()
        out = tmp_path / "r.csv"
        args = ["reconcile", str(master_path), str(theirs), "--customer", cid, "--out", str(out), "--lang", "en"]
        assert main(args) == 2
        err = capsys.readouterr().err.strip()
        assert err.endswith(
            "is a keyacct-xl master workbook (it holds the Customers and Transactions tables), not a customer's "
            "statement: give the master as OURS and the statement the customer sent as THEIRS"
        )
        assert len(err.splitlines()) == 1 and not out.exists()


def test_what_the_customer_writes_on_our_statement_is_quoted(master_path, master, tmp_path, capsys):
    """The customer writes a remark into the differences box of our statement: that row is quoted as theirs."""
    cid = busiest(master)
    assert main(["statement", str(master_path), "--customer", cid, "--period", PERIOD, "--out", str(tmp_path)]) == 0
    sent = tmp_path / f"对账单_{cid}_{PERIOD}.xlsx"
    book = openpyxl.load_workbook(sent)
    sheet = book.worksheets[0]
    box = next(c for row in sheet.iter_rows() for c in row if c.value == "□ 核对不符，差异说明：")
    sheet.cell(box.row + 1, box.column).value = "10月30日已付 20,000元"
    book.save(sent)
    assert book["_statement"].sheet_state == "veryHidden"
    capsys.readouterr()
    args = ["reconcile", str(master_path), str(sent), "--customer", cid, "--out", str(tmp_path / "r.csv")]
    assert main(args) == 0
    quoted = [line.strip() for line in capsys.readouterr().out.splitlines() if " 行：" in line]
    assert quoted == [f"对账单_{cid}_{PERIOD}.xlsx 第 {box.row + 1} 行：客户签章（盖章）： 10月30日已付 20,000元"]


def test_a_customer_who_paid_ahead_is_told_we_owe_them_not_asked_to_sign_a_negative_debt(master_path, tmp_path):
    master = load_master(master_path)  # changed here: not the module's
    end = parse_period(PERIOD)[1]
    balance = build_ledger(master.transactions, master.payments, master.customers, as_of=end).balance()
    owing, settled = [c for c, b in balance.items() if round(b, 2) > 0][:2]
    extra = pd.DataFrame(
        {
            "date": [pd.Timestamp("2026-10-30")] * 2,
            "customer_id": [owing, settled],
            "amount": [round(float(balance[owing]), 2) + 1000.0, round(float(balance[settled]), 2)],
        }
    )
    master.payments = pd.concat([master.payments, extra], ignore_index=True)
    path = save_master(master, tmp_path / "paid.xlsx", backup=False)
    said = {}
    for cid in (owing, settled):
        assert main(["statement", str(path), "--customer", cid, "--period", PERIOD, "--out", str(tmp_path)]) == 0
        cells = _cells_of(tmp_path / f"对账单_{cid}_{PERIOD}.xlsx")
        [said[cid]] = [t for t in cells if isinstance(t, str) and "签字盖章" in t]
    assert said[owing].startswith("截至 2026-10-31，我司尚欠贵司 ¥1,000.00（贵司预付或多付的款项）。如核对无误")
    assert said[settled].startswith("截至 2026-10-31，双方往来已结清，余额为零。如核对无误")


def test_our_statement_of_a_month_without_activity_returned_unchanged_reconciles_its_balance(
    master_path, tmp_path, capsys
):
    """An overdue balance with no sale or payment in the month: the statement holds balances and no line. Sent
    back, it was refused ("header found but no ledger lines below it"), and these are the balances finance most
    needs confirmed."""
    master = load_master(master_path)  # changed here: not the module's
    start = parse_period(PERIOD)[0]
    balance = build_ledger(master.transactions, master.payments, master.customers, as_of=start).balance()
    cid = next(c for c, b in balance.items() if round(b, 2) > 0)
    for attr in ("transactions", "payments"):
        frame = getattr(master, attr)
        setattr(master, attr, frame[~((frame["customer_id"] == cid) & (frame["date"] >= start))])
    path = save_master(master, tmp_path / "quiet.xlsx", backup=False)
    assert main(["statement", str(path), "--customer", cid, "--period", PERIOD, "--out", str(tmp_path)]) == 0
    sent = tmp_path / f"对账单_{cid}_{PERIOD}.xlsx"
    assert read_statement(sent, perspective="ours").lines.empty
    capsys.readouterr()
    args = ["reconcile", str(path), str(sent), "--customer", cid, "--out", str(tmp_path / "r.csv"), "--lang", "en"]
    assert main(args) == 0, capsys.readouterr().err
    printed = _counts(capsys.readouterr().out)
    owed = f"¥{round(float(balance[cid]), 2):,.2f}"
    assert "Matched 0, Amount Mismatch 0, Only Ours 0, Only Theirs 0" in printed
    assert f"ours {owed}, theirs {owed}, unexplained ¥0.00" in printed


def test_a_statement_of_a_month_past_the_data_is_written_with_a_warning(master_path, master, tmp_path, capsys):
    """A statement aged to the end of a month the master's lines do not reach (a future one) showed every balance
    overdue, and went to the customer without a word (found by a finance trial)."""
    cid = busiest(master)
    through = pd.concat([master.transactions["date"], master.payments["date"]]).max().date().isoformat()
    for period, warned in ((PERIOD, False), ("2027-01", True)):
        args = ["statement", str(master_path), "--customer", cid, "--period", period, "--out", str(tmp_path)]
        assert main(args) == 0
        err = capsys.readouterr().err
        assert (
            err.strip()
            == (
                f"keyacct-xl: 警告：{period} 晚于总表的销售和收款（截至 {through}）：各项数字不完整，"
                "应收账款按到 2027-01-31 未再收款计算账龄"
            )
        ) == warned and (err == "") != warned


def test_a_line_typed_below_the_closing_balance_of_our_statement_is_named(master_path, master, tmp_path, capsys):
    """The customer types a payment under 期末余额 of our statement (in LibreOffice, the trial's v_below.xls): it was
    listed with the ageing and signature rows as a row "without an amount (notes)", its date quoted as 46325."""
    cid = busiest(master)
    assert main(["statement", str(master_path), "--customer", cid, "--period", PERIOD, "--out", str(tmp_path)]) == 0
    sent = tmp_path / f"对账单_{cid}_{PERIOD}.xlsx"
    book = openpyxl.load_workbook(sent)
    sheet = book.worksheets[0]
    closing = next(c for row in sheet.iter_rows() for c in row if c.value == "期末余额")
    header = next(row for row in sheet.iter_rows() if any(c.value == "单据编号" for c in row))
    col = {c.value: c.column for c in header}
    typed = closing.row + 1
    assert all(c.value is None for c in sheet[typed])
    sheet.cell(typed, col["日期"]).value = 46325  # 2026-10-30 as LibreOffice stores a date typed without a format
    sheet.cell(typed, col["单据编号"]).value = "PZ-77"
    sheet.cell(typed, col["摘要"]).value = "我方付款，贵司未列"
    sheet.cell(typed, col["贷方（已收）"]).value = 5000
    book.save(sent)
    capsys.readouterr()
    args = ["reconcile", str(master_path), str(sent), "--customer", cid, "--out", str(tmp_path / "r.csv"), "--lang"]
    assert main([*args, "en"]) == 0
    printed = capsys.readouterr().out
    assert (
        f"{sent.name}: row(s) {typed} have an amount but stand below the closing balance (row {closing.row}), where "
        "the statement's lines end: not reconciled"
    ) in printed
    assert f"{sent.name} row {typed}: 2026-10-30 PZ-77 我方付款，贵司未列 5000" in printed
    notes = re.search(r"rows without an amount \(notes\): ([\d, ]+)", printed).group(1)
    assert str(typed) not in notes.split(", ") and "unexplained ¥0.00" in printed
    assert main([*args, "zh"]) == 0
    assert f"第 {typed} 行有金额，但在期末余额（第 {closing.row} 行）之下" in capsys.readouterr().out


def test_all_writes_every_other_customer_when_one_has_lines_but_no_customer_row(master_path, tmp_path, capsys):
    """A scale trial's run stopped at 762 of 4,542 on a customer id that sales lines name and Customers does not
    hold (客户档案中没有客户 C0839), exit 2: every other statement is written, the orphan is named at the end with
    the rows its lines are on, and the exit code is 1 (partial). The redirected log holds no progress bar."""
    master = load_master(master_path)  # changed here: not the module's
    end = parse_period(PERIOD)[1]
    ledger = build_ledger(master.transactions, master.payments, master.customers, as_of=end)
    with_balance = sorted(c for c, b in ledger.balance().items() if round(b, 2) != 0)
    orphan = with_balance[0]
    master.customers = master.customers[master.customers["customer_id"] != orphan].reset_index(drop=True)
    path = save_master(master, tmp_path / "orphan.xlsx", backup=False)
    out = tmp_path / "out"
    assert main(["statement", str(path), "--all", "--period", PERIOD, "--out", str(out), "--lang", "zh"]) == 1
    written = {p.name.split("_")[1] for p in out.glob("对账单_*.xlsx")}
    assert written == set(with_balance[1:])
    shown = capsys.readouterr()
    assert f"{len(written)} 份" in shown.out and "1 个客户未写对账单" in shown.out
    line = next(x for x in shown.out.splitlines() if orphan in x)
    assert "客户档案" in line and re.search(r"销售明细!\d+", line), line
    assert "户/s" not in shown.err and "\r" not in shown.err  # stderr is not a terminal: no bar
