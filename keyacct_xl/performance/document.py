"""The registers and checks of this package as documents: one Excel table per sheet, read as a person reads them.

Headers and coded values in the report's language (按期完成/已逾期, 是/否 in zh; never a key or True/False), a
number format and a width per column (dates, date and time, whole numbers, money, rates), every sheet set up for
A4 landscape, one page wide, the header row repeated on each page, the title in the page header. CSV holds the
first sheet only.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from keyacct_xl.i18n import Lang, pick
from keyacct_xl.labels import header as schema_header
from keyacct_xl.labels import yes_no
from keyacct_xl.messages import Rendered, tr
from keyacct_xl.output import (
    DATE_FORMAT,
    MONEY_FORMAT,
    check_suffix,
    display_width,
    print_a4_across,
    workbook,
    write_cell,
    write_csv,
)

Pair = tuple[str, str]
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
_WIDE = {"customer_name": 26, "name": 26, "product": 22, "form": 24, "file_name": 30}


@dataclass(frozen=True)
class Labels:
    """What a document shows for a frame: headers by column key, the label of each code per column, the
    columns holding money and rates, the text shown for a blank where a blank means something ("no target").
    A date column shows its times where any value has one."""

    headers: Mapping[str, Pair]
    values: Mapping[str, Mapping[str, Rendered]] = field(default_factory=dict)
    money: frozenset[str] = frozenset()
    rates: frozenset[str] = frozenset()
    blanks: Mapping[str, Rendered] = field(default_factory=dict)  # what a blank value of the column means

    def header(self, key: str, lang: Lang) -> str:
        """The column header of ``key`` in ``lang`` (a master column's own header when not listed)."""
        return pick(lang, *self.headers[key]) if key in self.headers else schema_header(key, lang)

    def shown(self, frame: pd.DataFrame, lang: Lang) -> pd.DataFrame:
        """``frame`` with codes as their labels and yes/no columns as 是/否 (Yes/No) in ``lang``."""
        out = frame.copy()
        for column in out.columns:
            series = out[column]
            if column in self.values:
                labels = self.values[column]
                out[column] = series.map(
                    lambda v, labels=labels: labels[v].render(lang) if v in labels else v, na_action="ignore"
                ).astype(object)
            elif pd.api.types.is_bool_dtype(series.dtype) or _is_yes_no(series):
                out[column] = series.map(lambda v: yes_no(v, lang)).astype(object)
            if column in self.blanks:
                out[column] = out[column].astype(object).where(series.notna(), self.blanks[column].render(lang))
        return out


def _is_yes_no(series: pd.Series) -> bool:
    """An object column of booleans with blanks (a test that needs a value it may not have)."""
    present = series.dropna()
    return series.dtype == object and len(present) > 0 and all(isinstance(v, (bool, np.bool_)) for v in present)


def write_document(
    path: Path, title: str, sheets: Sequence[tuple[str, pd.DataFrame]], labels: Labels, *, lang: Lang
) -> Path:
    """Write ``sheets`` (name, frame) to ``.xlsx`` as tables named Register1.., or the first one to ``.csv``."""
    path = Path(path)
    if check_suffix(path, (".xlsx", ".csv")) == ".csv":
        first = sheets[0][1]
        return write_csv(labels.shown(first, lang).rename(columns=lambda c: labels.header(c, lang)), path)
    with workbook(path, title) as book:
        formats = {
            "date": book.add_format({"num_format": DATE_FORMAT}),
            "time": book.add_format({"num_format": DATETIME_FORMAT}),
            "int": book.add_format({"num_format": "0"}),
            "money": book.add_format({"num_format": MONEY_FORMAT}),
            "rate": book.add_format({"num_format": "0.0%"}),
        }
        for number, (name, frame) in enumerate(sheets, start=1):
            _sheet(book, formats, name, frame, f"Register{number}", labels, lang, title)
    return path


def _format_of(key: str, values: pd.Series, labels: Labels, formats: dict) -> object:
    if key in labels.rates:
        return formats["rate"]
    if key in labels.money:
        return formats["money"]
    if pd.api.types.is_datetime64_any_dtype(values.dtype):
        present = values.dropna()
        return formats["time"] if (present != present.dt.normalize()).any() else formats["date"]
    if pd.api.types.is_integer_dtype(values.dtype):
        return formats["int"]
    return None


def _width(key: str, text: str, kind: object, formats: dict) -> int:
    if key in _WIDE:
        return _WIDE[key]
    least = 17 if kind is formats["time"] else 11 if kind is formats["date"] else 8
    return max(least, min(24, display_width(text) + 2))


def _sheet(
    book, formats: dict, name: str, frame: pd.DataFrame, table: str, labels: Labels, lang: Lang, title: str
) -> None:
    """One Excel table: headers in ``lang``, formats and widths per column, A4 landscape one page wide."""
    ws = book.add_worksheet(name)
    data = labels.shown(frame, lang)
    columns = [str(c) for c in data.columns]
    styles = [_format_of(key, frame[key], labels, formats) for key in columns]
    for i, record in enumerate(data.itertuples(index=False), start=1):
        for j, value in enumerate(record):
            write_cell(ws, i, j, value, styles[j])
    specs = []
    for j, key in enumerate(columns):
        text = labels.header(key, lang)
        specs.append({"header": text, **({"format": styles[j]} if styles[j] is not None else {})})
        ws.set_column(j, j, _width(key, text, styles[j], formats), styles[j])
    ws.add_table(
        0,
        0,
        max(len(data), 1),
        max(len(columns) - 1, 0),
        {"name": table, "style": "Table Style Light 9", "columns": specs},
    )
    ws.freeze_panes(1, 0)
    print_a4_across(ws, 0)
    ws.set_header(f"&C{title} — {name}")
    ws.set_footer(tr(lang, "&CPage &P of &N"))
