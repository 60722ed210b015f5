"""CSV exports write numbers as Excel shows them: no binary noise of a computed sum, whole numbers without ``.0``."""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd

from keyacct_xl.output import write_csv


def test_computed_amounts_are_written_without_binary_noise(tmp_path: Path) -> None:
    frame = pd.DataFrame(
        {
            "客户编号": ["C1", "C2", "C3", "C4"],
            "金额": [0.1 + 0.2, 1234.56 + 0.0000000000002, 5.0, float("nan")],
            "占比": [1 / 3, 0.125, 1e-12, 2.0],
        }
    )
    path = write_csv(frame, tmp_path / "out.csv")
    with open(path, encoding="utf-8-sig", newline="") as stream:
        rows = list(csv.reader(stream))
    assert rows[1:] == [
        ["C1", "0.3", "0.333333333333333"],
        ["C2", "1234.56", "0.125"],
        ["C3", "5", "1e-12"],
        ["C4", "", "2"],
    ]
    read = pd.read_csv(path, encoding="utf-8-sig")
    assert read["金额"].tolist()[:3] == [0.3, 1234.56, 5.0]  # what Excel keeps of each: 15 significant digits
