"""The registers and checks of this package as documents: one Excel table per sheet, read as a person reads them.

Headers and coded values in the report's language (按期完成/已逾期, 是/否 in zh; never a key or True/False); the
report layer (``keyacct_xl.reports``) gives each sheet its title block, a number format and a width per column
(dates, date and time, whole numbers, money, rates) and an A4 print setup. CSV holds the first sheet only.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd

from keyacct_xl.currency import CNY, Currency
from keyacct_xl.i18n import Lang
from keyacct_xl.labels import header as schema_header
from keyacct_xl.labels import yes_no
from keyacct_xl.messages import Rendered
from keyacct_xl.output import check_suffix, workbook, write_csv
from keyacct_xl.reports import Heading, Kind, RowKinds, Sheet, Styles, add_sheet


@dataclass(frozen=True)
class Labels:
    """What a document shows for a frame: headers by column key, the label of each code per column, the
    columns holding money and rates, the text shown for a blank where a blank means something ("no target").
    A date column shows its times where any value has one."""

    headers: Mapping[str, Rendered]
    values: Mapping[str, Mapping[str, Rendered]] = field(default_factory=dict)
    money: frozenset[str] = frozenset()
    rates: frozenset[str] = frozenset()
    blanks: Mapping[str, Rendered] = field(default_factory=dict)  # what a blank value of the column means
    # by a column naming what its row measures (a KPI), per code the kind of that row's other columns (money on
    # one line, a count or a rate on the next)
    line_kinds: Mapping[str, Mapping[str, Mapping[str, Kind]]] = field(default_factory=dict)

    def header(self, key: str, lang: Lang) -> str:
        """The column header of ``key`` in ``lang`` (a master column's own header when not listed)."""
        return self.headers[key].render(lang) if key in self.headers else schema_header(key, lang)

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
    path: Path,
    title: str,
    sheets: Sequence[tuple[str, pd.DataFrame]],
    labels: Labels,
    *,
    lang: Lang,
    company: str | None = None,
    notes: Sequence[str] = (),
    currency: Currency = CNY,
) -> Path:
    """Write ``sheets`` (name, frame) to ``.xlsx`` as report sheets with tables named Register1.. (``notes``: lines
    under the first sheet's table), or the first one to ``.csv``."""
    path = Path(path)
    if check_suffix(path, (".xlsx", ".csv")) == ".csv":
        first = sheets[0][1]
        return write_csv(labels.shown(first, lang).rename(columns=lambda c: labels.header(c, lang)), path)
    heading = Heading(title, company=company, currency=currency)
    with workbook(path, title) as book:
        styles = Styles(book)
        for number, (name, frame) in enumerate(sheets, start=1):
            sheet = report_sheet(name, frame, labels, lang)
            add_sheet(
                book,
                styles,
                replace(sheet, notes=tuple(notes)) if number == 1 else sheet,
                heading=heading,
                lang=lang,
                table_name=f"Register{number}",
            )
    return path


def report_sheet(name: str, frame: pd.DataFrame, labels: Labels, lang: Lang) -> Sheet:
    """``frame`` as a report sheet: codes as labels, headers in ``lang``, money and rates by the labels' columns."""
    kinds: dict[str, Kind] = {key: "money" for key in labels.money} | {key: "percent" for key in labels.rates}
    return Sheet(
        name,
        labels.shown(frame, lang),
        kinds={key: kind for key, kind in kinds.items() if key in frame.columns},
        headers={str(key): labels.header(str(key), lang) for key in frame.columns},
        row_kinds=line_kinds(frame, labels),
    )


def line_kinds(frame: pd.DataFrame, labels: Labels) -> tuple[RowKinds, ...]:
    """The kinds of the cells of ``frame``'s rows that the labels' ``line_kinds`` give by what the row measures."""
    found = []
    for naming, by_code in labels.line_kinds.items():
        if naming not in frame.columns:
            continue
        for code, columns in by_code.items():
            rows = tuple(bool(v) for v in frame[naming].eq(code))
            if any(rows):
                for column, kind in columns.items():
                    if column in frame.columns:
                        found.append(RowKinds((column,), rows, kind))
    return tuple(found)
