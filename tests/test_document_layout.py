"""Documents as they print: a note under a table longer than the table is wide wraps within the table's width (a
one-line warning made fit-to-width shrink the grading summary to about 5 pt), and an item's label is level with the
first line of its wrapped value (the About sheet printed "Annual sales" under its value). Real files, read back with
openpyxl and printed by LibreOffice."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from reportbook import pdf_pages

from keyacct_xl.cli.main import main
from keyacct_xl.master.model import Master
from keyacct_xl.master.writer import save_master

NO_TERMS = [f"C{i:04d}" for i in range(1, 10)]


def _master(folder: Path) -> Path:
    """Nine customers with sales and no payment terms, each paying its invoices 45 days after them: the grading
    review warns of all nine on one line."""
    master = Master.empty()
    master.customers = pd.DataFrame(
        [{"customer_id": cid, "name": f"Customer {cid}", "credit_grade": "A"} for cid in NO_TERMS]
    ).reindex(columns=master.customers.columns)
    sales, receipts = [], []
    for month in range(1, 11):
        day = pd.Timestamp(2025, month, 5)
        for cid in NO_TERMS:
            doc = f"S-{cid}-{month}"
            sales.append({"doc_no": doc, "date": day, "customer_id": cid, "product": "Hydraulic oil", "amount": 9e4})
            receipts.append(
                {
                    "receipt_no": f"R-{cid}-{month}",
                    "date": day + pd.Timedelta(days=45),
                    "customer_id": cid,
                    "amount": 9e4,
                    "reference": doc,
                }
            )
    master.transactions = pd.DataFrame(sales).reindex(columns=master.transactions.columns)
    master.payments = pd.DataFrame(receipts).reindex(columns=master.payments.columns)
    return save_master(master, folder / "master.xlsx", backup=False)


@pytest.fixture(scope="module")
def reviews(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The grading review of the master in English and in Chinese."""
    folder = tmp_path_factory.mktemp("layout")
    path = _master(folder)
    out = {}
    for lang in ("en", "zh"):
        out[lang] = folder / f"review-{lang}.xlsx"
        assert main(["--lang", lang, "grade", str(path), "--year", "2025", "--out", str(out[lang])]) == 0
    return out


def test_a_note_wider_than_the_table_wraps_across_the_table(reviews) -> None:
    # (the zh summary's wider columns hold its warning on one line: it stays as it was)
    ws = openpyxl.load_workbook(reviews["en"])["Grading summary"]
    (table,) = ws.tables.values()
    note = next(c for row in ws.iter_rows() for c in row if str(c.value or "").startswith("warning: "))
    merged = next(r for r in ws.merged_cells.ranges if note.coordinate in r)
    assert merged.coord.split(":")[1].rstrip("0123456789") == table.ref.split(":")[1].rstrip("0123456789")
    assert note.alignment.wrap_text and note.alignment.vertical == "top"
    assert ws.row_dimensions[note.row].height > 15  # the row as tall as its wrapped lines


@pytest.mark.parametrize(("lang", "about"), [("en", "About"), ("zh", "说明")])
def test_an_items_label_is_level_with_its_wrapped_value(reviews, lang, about) -> None:
    ws = openpyxl.load_workbook(reviews[lang])[about]
    wrapped = [row for row in ws.iter_rows(min_row=6) if row[1].alignment.wrap_text]
    assert wrapped and all(row[0].alignment.vertical == "top" for row in wrapped)


def _word_height(pdf: Path, word: str, page: int) -> float:
    """The height in points of ``word``'s first box on ``page`` of ``pdf`` (pdftotext's bounding boxes)."""
    text = subprocess.run(
        ["pdftotext", "-f", str(page), "-l", str(page), "-bbox", str(pdf), "-"], capture_output=True, text=True
    ).stdout
    match = re.search(rf'yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)">{re.escape(word)}<', text)
    assert match, text[:2000]
    return float(match.group(2)) - float(match.group(1))


def test_the_english_summary_prints_at_a_readable_size_and_labels_sit_by_their_values(
    reviews, libreoffice, tmp_path: Path
) -> None:
    pdf = libreoffice(reviews["en"], "pdf", tmp_path)
    pages = pdf_pages(pdf)
    summary = next(i for i, text in enumerate(pages) if "— Grading summary" in text) + 1
    # 11 pt text fitted to the page's width: 5.2 pt boxes when the one-line warning set the width (the trial)
    assert _word_height(pdf, "Total", summary) > 7
    about = pages[0].splitlines()
    assert any(line.startswith("Annual sales") and "net sales" in line for line in about)
    assert any(line.startswith("Warning") and "customer(s)" in line for line in about)
