"""A customer's returned statement for the demo, made from the master with planted differences.

It looks like what finance gets back: the customer's own books (their credit is our debit), a title above
the header, renamed columns, dates written five ways, amounts typed as text with ¥, 元, commas and full-width
digits. Planted: one payment split in two, one invoice in transit (left out), one typo in an amount, one
duplicate line. ``PLANTED`` lists what was done, so the demo and the tests can check the reconciliation.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from keyacct_xl.errors import InputError
from keyacct_xl.fileio import atomic_write
from keyacct_xl.master.model import Master
from keyacct_xl.messages import msg
from keyacct_xl.receivables.master_lines import master_lines
from keyacct_xl.xlsx.book import xlsx_book

FULL_WIDTH = str.maketrans("0123456789,.", "０１２３４５６７８９，．")
HEADER = ["记账日期", "凭证号", "摘要", "借方金额", "贷方金额", "借或贷", "余额"]


@dataclass(frozen=True)
class Planted:
    """The differences written into the returned statement, by our reference."""

    customer_id: str
    split_payment: str
    in_transit: str
    typo: str
    typo_amount: float
    duplicate: str


def pick_customer(master: Master, *, start: pd.Timestamp, end: pd.Timestamp) -> str:
    """The customer with the most activity in the period that has room for every planted difference."""
    best: tuple[int, str] | None = None
    tx = master.transactions[(master.transactions["date"] >= start) & (master.transactions["date"] <= end)]
    pay = master.payments[(master.payments["date"] >= start) & (master.payments["date"] <= end)]
    docs = tx.groupby("customer_id")["doc_no"].nunique()
    last = tx.groupby("customer_id")["date"].max()
    receipts = pay.groupby("customer_id").size()
    for cid, n_docs in docs.items():
        if n_docs >= 4 and receipts.get(cid, 0) >= 2 and last[cid] >= end - pd.Timedelta(days=5):
            score = (int(n_docs + receipts.get(cid, 0)), str(cid))
            best = max(best, score) if best else score
    if best is None:
        raise InputError(msg("demo: no customer has enough activity in the period for a returned statement"))
    return best[1]


def write_returned_statement(
    master: Master, customer_id: str, path: Path, *, start: pd.Timestamp, end: pd.Timestamp
) -> Planted:
    """Write the customer's version of the period to ``path`` (.xlsx) and say what was planted."""
    ours = master_lines(master, customer_id, start=start, end=end)
    lines = ours.lines.reset_index(drop=True)
    invoices = lines[lines["kind"] == "invoice"]
    payments = lines[lines["kind"] == "payment"]
    in_transit = invoices.index[-1]
    typo = invoices.index[1]
    duplicate = invoices.index[0]
    split = payments.index[0]
    typo_amount = _transpose(float(lines.at[typo, "amount"]))
    rows: list[dict] = []
    for i, line in lines.iterrows():
        if i == in_transit:
            continue
        amount = typo_amount if i == typo else float(line["amount"])
        if i == split:
            first = round(amount * 0.6, 2)
            rows.append(_row(line, first, note="付货款（第一笔）"))
            rows.append(_row(line, round(amount - first, 2), shift=1, note="付货款（第二笔）"))
            continue
        rows.append(_row(line, amount))
        if i == duplicate:
            rows.append(_row(line, amount))
    _write(path, master, customer_id, rows, ours.opening or 0.0, end)
    return Planted(
        customer_id,
        str(lines.at[split, "ref"]),
        str(lines.at[in_transit, "ref"]),
        str(lines.at[typo, "ref"]),
        typo_amount,
        str(lines.at[duplicate, "ref"]),
    )


def _transpose(amount: float) -> float:
    """Swap the first two different adjacent digits: the classic keying slip (1,850 -> 1,580)."""
    digits = list(f"{amount:.2f}")
    for k in range(len(digits) - 1):
        if digits[k].isdigit() and digits[k + 1].isdigit() and digits[k] != digits[k + 1]:
            digits[k], digits[k + 1] = digits[k + 1], digits[k]
            return float("".join(digits))
    return round(amount + 9, 2)


def _row(line: pd.Series, amount: float, *, shift: int = 0, note: str | None = None) -> dict:
    date = line["date"] + pd.Timedelta(days=shift)
    if line["kind"] == "invoice":
        return {"date": date, "note": f"购油品 发票{line['ref']}", "amount": amount}
    return {"date": date, "note": note or "付货款", "amount": amount}


def _date_text(date: pd.Timestamp, k: int) -> object:
    """Five ways people write a date, in turn."""
    styles = (
        f"{date:%Y-%m-%d}",
        f"{date.year}/{date.month}/{date.day}",
        f"{date:%Y.%m.%d}",
        f"{date.year}年{date.month}月{date.day}日",
        (date - pd.Timestamp("1899-12-30")).days,
    )
    return styles[k % len(styles)]


def _money_text(amount: float, k: int) -> str:
    """Amounts typed as text, with the marks people add."""
    plain = f"{abs(amount):,.2f}"
    styles = (plain, f"¥{plain}", f"{abs(amount):.2f}元", plain.translate(FULL_WIDTH))
    return styles[k % len(styles)]


def _write(path: Path, master: Master, customer_id: str, rows: list[dict], opening: float, end: pd.Timestamp) -> None:
    buffer = io.BytesIO()
    book = xlsx_book(buffer, title="应付账款明细账", author=customer_id)
    sheet = book.add_worksheet("应付账款明细账")
    company = master.settings.company_name
    sheet.write_string(0, 0, "应付账款明细账")
    sheet.write_string(1, 0, f"供应商：{company}")
    sheet.write_string(2, 0, "单位：元")
    sheet.write_row(4, 0, HEADER)
    first = rows[0]["date"] if rows else end
    sheet.write_row(5, 0, [f"{first:%Y-%m}-01", "", "期初余额", "", "", "贷", f"{opening:,.2f}"])
    balance = opening
    for k, row in enumerate(rows):
        balance = round(balance + row["amount"], 2)
        r = 6 + k
        date = _date_text(row["date"], k)
        if isinstance(date, int):
            sheet.write_number(r, 0, date)
        else:
            sheet.write_string(r, 0, date)
        sheet.write_string(r, 1, f"记-{k + 1:04d}")
        sheet.write_string(r, 2, row["note"])
        # In their books a purchase is a credit (贷方) and a payment a debit (借方).
        column = 4 if row["amount"] > 0 else 3
        sheet.write_string(r, column, _money_text(row["amount"], k))
        sheet.write_string(r, 5, "贷" if balance >= 0 else "借")
        sheet.write_string(r, 6, f"{abs(balance):,.2f}")
    r = 6 + len(rows)
    sheet.write_row(
        r, 0, [f"{end:%Y-%m-%d}", "", "期末余额", "", "", "贷" if balance >= 0 else "借", f"{abs(balance):,.2f}"]
    )
    sheet.write_string(r + 2, 0, "财务主管：          制单：")
    sheet.set_column(0, 0, 14)
    sheet.set_column(2, 2, 28)
    sheet.set_column(3, 6, 14)
    book.close()
    with atomic_write(Path(path), backup=False) as out:
        out.write(buffer.getvalue())
