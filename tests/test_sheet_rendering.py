"""The rows the sheet writer renders a column at a time equal, byte for byte, a plain rendering cell by cell: every
table of a demo-size master as the reader types it, and a column of every awkward value.

The reference below renders each cell on its own by the writer's rules (docs/master.md, "Writing"): numbers whole
below 1e15 as integers, others by ``repr``; dates as serial numbers; text as inline strings, escaped, spaces kept;
a number in a text column as a number without style; blanks as no cell; the user's cells beside the table merged in
column order. A saved master's bytes depend on nothing else the writer works out per cell.
"""

from __future__ import annotations

import datetime as dt
import decimal
import io
import math
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from keyacct_xl.master.reader import load_master
from keyacct_xl.master.schema import ALL_TABLES, SETTINGS
from keyacct_xl.master.writer import KIND_FORMATS, cell_columns
from keyacct_xl.xlsx import sheetdata
from keyacct_xl.xlsx.ooxml import column_letter, escape_text
from keyacct_xl.xlsx.sheetdata import CellColumn, write_rows

_EPOCH_NS = pd.Timestamp("1899-12-30").value
_DAY_NS = 86_400 * 10**9
STYLES = {code: i + 3 for i, code in enumerate(sorted(set(KIND_FORMATS.values())))}


def _number(value: float) -> str:
    value = float(value)
    return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)


def _inline(text: str) -> str:
    space = ' xml:space="preserve"' if text != text.strip() or "\n" in text else ""
    return f"<t{space}>{escape_text(text)}</t>"


def _missing(value: object) -> bool:
    return value is None or value is pd.NaT or value is pd.NA or (isinstance(value, float) and math.isnan(value))


def _text(value: object) -> str:
    if isinstance(value, float):
        return _number(value)
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%d") if value == value.normalize() else value.isoformat(sep=" ")
    return str(value)


def _as_number(value: object) -> float:
    """A numeric cell's value as pandas reads it (``to_numeric``); a plain number is already one."""
    if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, (bool, np.bool_)):
        return float(value)
    return float(pd.to_numeric(pd.Series([value], dtype=object)).iloc[0])


def _cell(col: CellColumn, ref: str, value: object) -> str:
    """One cell of ``col`` at ``ref`` by the writer's rules, "" for none."""
    if col.kind == "date":
        if pd.isna(value):
            return ""
        days = (np.int64(pd.Timestamp(value).as_unit("ns").value) - _EPOCH_NS) / _DAY_NS
        serial = days - 1 if 1 <= days < 61 else days  # Excel's 29 February 1900 (serial 60) comes between
        return f'<c r="{ref}" s="{col.style}"><v>{_number(serial)}</v></c>'
    if col.kind in ("int", "number", "money", "percent"):
        number = _as_number(value)
        return "" if math.isnan(number) else f'<c r="{ref}" s="{col.style}"><v>{_number(number)}</v></c>'
    if _missing(value) or value == "":
        return ""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return f'<c r="{ref}"><v>{_number(float(value))}</v></c>'
    return f'<c r="{ref}" s="{col.style}" t="inlineStr"><is>{_inline(_text(value))}</is></c>'


def _row(r: int, cells: list[tuple[int, str]], extras: dict[int, list[tuple[int, str]]]) -> str:
    merged = sorted([c for c in cells if c[1]] + extras.get(r, []))
    return f'<row r="{r}">{"".join(cell for _, cell in merged)}</row>'


def reference_rows(
    columns: Sequence[CellColumn], header_row: int, first_col: int, extras: dict[int, list[tuple[int, str]]]
) -> bytes:
    """The header row, every data row and the user's rows below, each cell rendered on its own."""
    letters = [column_letter(first_col + i) for i in range(len(columns))]
    header = [
        (first_col + i, f'<c r="{letters[i]}{header_row}" t="inlineStr"><is>{_inline(c.header)}</is></c>')
        for i, c in enumerate(columns)
    ]
    rows = [_row(header_row, header, extras)]
    count = len(columns[0].values)
    values = [c.values.to_numpy(dtype=object) for c in columns]  # each cell's own scalar, as iloc gives it
    for i in range(count):
        r = header_row + 1 + i
        rows.append(
            _row(
                r,
                [(first_col + j, _cell(c, f"{letters[j]}{r}", values[j][i])) for j, c in enumerate(columns)],
                extras,
            )
        )
    rows += [_row(r, [], extras) for r in sorted(extras) if r > header_row + count]
    return "".join(rows).encode()


def _rendered(columns: Sequence[CellColumn], header_row: int, first_col: int, extras: dict | None = None) -> bytes:
    out = io.BytesIO()
    write_rows(out, columns, header_row, first_col, extras)
    return out.getvalue()


def test_every_table_of_a_demo_size_master_renders_as_cell_by_cell(stepless_demo: Path) -> None:
    master = load_master(stepless_demo)
    rendered = 0
    for schema in ALL_TABLES:
        if schema is SETTINGS:
            continue
        frame = master.frame(schema)
        if schema.name == "Customers":  # an index with gaps, as a filtered frame has: values go by position
            frame = frame[frame.index % 3 != 1]
        columns = cell_columns(frame, schema, master.headers.get(schema.name, {}), master.lang, STYLES)
        assert _rendered(columns, 1, 1) == reference_rows(columns, 1, 1, {}), schema.name
        rendered += len(frame) * len(columns)
    assert rendered > 1_000_000  # the demo's sales lines, payments, visits, contacts... every kind of column


def _awkward_columns() -> list[CellColumn]:
    texts = [
        "甲公司",
        "",
        None,
        float("nan"),
        pd.NA,
        pd.NaT,
        7,
        -0.0,
        2.5,
        True,
        pd.Timestamp("2026-03-01"),
        pd.Timestamp("2026-03-01 08:30"),
        decimal.Decimal("1.10"),
        np.str_("numpy text"),
        "  spaces kept  ",
        "two\nlines",
        "<b>&amp; _x000A_ \x07",
        "甲公司",
    ]
    n = len(texts)
    numbers = [0.1, -0.0, 1e15 - 1, 1e15, 1e16, -123456789.0, 1 / 3, float("nan"), 5e-324, -2.5, 42.0, 1e300]
    numbers = (numbers * 2)[:n]
    stamps = pd.Series(
        pd.to_datetime(
            ["2026-01-01", None, "2026-01-01 12:30:15.5", "1900-03-01", "2099-12-31", "1900-01-01", "1900-02-28 18:00"]
            * 3,
            format="ISO8601",
        )[:n]
    )
    return [
        CellColumn("客户名称", pd.Series(texts, dtype=object), "text", 3),
        CellColumn("金额", pd.Series(numbers), "money", 4),
        CellColumn("数量", pd.Series([1, None, -3, 2**40] * 5, dtype="Int64")[:n], "int", 5),
        CellColumn("比例", pd.Series(["1.5", None, 2, 0.25] * 5, dtype=object)[:n], "percent", 6),
        CellColumn("日期", stamps, "date", 7),
        CellColumn(
            "文本日期", pd.Series(["2026-02-03", None, dt.datetime(2026, 2, 4, 6)] * 6, dtype=object)[:n], "date", 8
        ),
    ]


def test_awkward_values_render_as_cell_by_cell(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sheetdata, "CHUNK_ROWS", 5)  # chunks end inside the column and at its end
    columns = _awkward_columns()
    assert _rendered(columns, 4, 2) == reference_rows(columns, 4, 2, {})
    # The user's cells beside the table (A6, H9) and below it (C30): their rows are merged cell by cell.
    extras = {6: [(1, '<c r="A6"><v>1</v></c>')], 9: [(8, '<c r="H9"><v>2</v></c>')], 30: [(3, '<c r="C30"/>')]}
    assert _rendered(columns, 4, 2, extras) == reference_rows(columns, 4, 2, extras)
