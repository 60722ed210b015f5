"""Formula injection: a customer's name typed as a formula stays text in every workbook we write.

The brief's rule for submitted cells holds for everything we copy out of the master too: a value that starts
with =, +, -, @ or carries DDE is written as text. Each command's output is opened with openpyxl and every cell
that holds one of the planted values must be a string, never a formula.
"""

from __future__ import annotations

import csv
from pathlib import Path

import openpyxl
import pytest

from keyacct_xl import load_master, save_master
from keyacct_xl.cli.main import main
from keyacct_xl.demo.company import generate_demo

PLANTED = ["=cmd|' /C calc'!A0", "+SUM(1,2)", "-2+3", "@SUM(1)", '=HYPERLINK("http://evil","x")']


@pytest.fixture(scope="module")
def poisoned(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str]]:
    folder = tmp_path_factory.mktemp("injection")
    master = generate_demo(seed=5, customers=40)
    buying = master.transactions["customer_id"].value_counts().index[: len(PLANTED)].tolist()
    names = master.customers["name"].copy()
    for customer_id, text in zip(buying, PLANTED, strict=True):
        names[master.customers["customer_id"] == customer_id] = text
    master.customers["name"] = names
    path = save_master(master, folder / "master.xlsx", backup=False)
    return path, buying


def _cells_holding_planted(path: Path) -> list[tuple[str, str, str]]:
    book = openpyxl.load_workbook(path)
    found = []
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and any(p in cell.value for p in PLANTED):
                    found.append((sheet.title, cell.coordinate, cell.data_type))
                if cell.data_type == "f":
                    assert "cmd|" not in str(cell.value) and "evil" not in str(cell.value), (path.name, cell)
    return found


def test_master_keeps_the_names_as_text(poisoned: tuple[Path, list[str]]) -> None:
    path, _ = poisoned
    assert set(PLANTED) <= set(load_master(path).customers["name"])
    found = _cells_holding_planted(path)
    assert len(found) == len(PLANTED) and all(kind == "s" for *_, kind in found)


@pytest.mark.parametrize(
    "command, output",
    [
        (["grade", "{m}", "--year", "2025", "--out", "{o}/review.xlsx"], "review.xlsx"),
        (["ageing", "{m}", "--as-of", "2026-10-31", "--out", "{o}/ageing.xlsx"], "ageing.xlsx"),
        (["analyze", "{m}", "--year", "2025", "--out", "{o}/analysis.xlsx"], "analysis.xlsx"),
        (["credit", "{m}", "--out", "{o}/credit.xlsx"], "credit.xlsx"),
    ],
)
def test_reports_write_planted_names_as_text(
    poisoned: tuple[Path, list[str]], tmp_path: Path, command: list[str], output: str
) -> None:
    path, _ = poisoned
    args = [a.format(m=path, o=tmp_path) for a in command]
    assert main(args) == 0
    found = _cells_holding_planted(tmp_path / output)
    assert found, f"{output}: the planted names should appear"
    assert all(kind == "s" for *_, kind in found), found


def test_statement_and_prefilled_card_write_the_name_as_text(poisoned: tuple[Path, list[str]], tmp_path: Path) -> None:
    path, buying = poisoned
    customer = buying[0]
    assert (
        main(["statement", str(path), "--customer", customer, "--period", "2026-10", "--out", str(tmp_path / "st")])
        == 0
    )
    assert (
        main(
            [
                "forms",
                "generate",
                "customer_card",
                "--master",
                str(path),
                "--customer",
                customer,
                "--out",
                str(tmp_path / "forms"),
            ]
        )
        == 0
    )
    outputs = [*(tmp_path / "st").glob("*.xlsx"), *(tmp_path / "forms").glob("*.xlsx")]
    assert len(outputs) == 2
    for output in outputs:
        found = _cells_holding_planted(output)
        assert found and all(kind == "s" for *_, kind in found), (output.name, found)


def test_csv_exports_defuse_formulas(poisoned: tuple[Path, list[str]], tmp_path: Path) -> None:
    path, _ = poisoned
    out = tmp_path / "ageing.csv"
    assert main(["ageing", str(path), "--as-of", "2026-10-31", "--out", str(out)]) == 0
    with out.open(encoding="utf-8-sig", newline="") as stream:
        fields = [field for row in csv.reader(stream) for field in row if any(p in field for p in PLANTED)]
    assert fields  # the customers with a balance among the planted ones
    assert all(field.startswith("'") and field[1:] in PLANTED for field in fields), fields
