"""What a report is made of: a heading, sheets (a table each) and the native charts drawn from those tables.

Feature packages build the frames (stable English column keys) and describe the report with these values; the
writer of this package turns them into a document (``reports.writer``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

import pandas as pd

from keyacct_xl.currency import CNY, Currency
from keyacct_xl.i18n import Lang
from keyacct_xl.messages import Message, Rendered

ReportLang = Literal["zh", "en", "bilingual"]
# How a column's values are shown: the number format and the width follow from it (reports.columns).
Kind = Literal["text", "int", "count", "number", "money", "percent", "date", "datetime"]
ChartKind = Literal["column", "bar", "line", "pie"]
Level = Literal["warn", "alert"]


def value_lang(lang: ReportLang) -> Lang:
    """The language of the values (labels, 是/否) of a report in ``lang``: a bilingual report shows zh values."""
    return "en" if lang == "en" else "zh"


@dataclass(frozen=True)
class Chart:
    """A native chart of one sheet's table: categories from one column, one series per value column."""

    kind: ChartKind
    title: str
    categories: str
    values: tuple[str, ...]


@dataclass(frozen=True)
class Highlight:
    """Cells to mark: ``columns`` of the rows where ``rows`` is true, in amber (warn) or red (alert)."""

    columns: tuple[str, ...]
    rows: tuple[bool, ...]
    level: Level = "warn"


@dataclass(frozen=True)
class RowKinds:
    """``columns`` of the rows where ``rows`` is true shown as ``kind``: a column whose lines hold different
    measures (a scorecard's target is money on one line, a count of customers on the next)."""

    columns: tuple[str, ...]
    rows: tuple[bool, ...]
    kind: Kind


@dataclass(frozen=True)
class Sheet:
    """One sheet: its title, its table and the charts placed beside or below it.

    ``subtitle`` replaces the heading's period line for this sheet; ``kinds`` overrides the kind inferred for a
    column; ``headers`` overrides the header of a column (text in the report's language or a bilingual value);
    ``notes`` are lines printed under the table; ``totals`` adds a total row (column key -> the summed value);
    ``highlights`` marks cells; ``strips`` False keeps a table too wide to read on one page fitted to the page's
    width all the same (a working table decided on screen, whose print is other sheets), not in strips at 60 %;
    ``row_names`` are the columns besides the customer and the rep (``page.ROW_NAMES``) that name a row to its
    reader (a document number, a file, a grade), printed again on each strip; ``widths`` sets a text column's width
    in characters, its longer texts wrapped (what keeps a sheet someone signs on one page wide); ``row_kinds``
    overrides the kind of some rows' cells (the last one given for a cell applies), measured and formatted as such.
    """

    title: str
    frame: pd.DataFrame
    charts: tuple[Chart, ...] = field(default=())
    subtitle: str | None = None
    kinds: Mapping[str, Kind] = field(default_factory=dict)
    headers: Mapping[str, str | Rendered] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    totals: Mapping[str, float] | None = None
    highlights: tuple[Highlight, ...] = ()
    strips: bool = True
    row_names: tuple[str, ...] = ()
    widths: Mapping[str, float] = field(default_factory=dict)
    row_kinds: tuple[RowKinds, ...] = ()


@dataclass(frozen=True)
class Heading:
    """The title block of every sheet: company, report name, period, as-of date and preparer (each optional but
    the name)."""

    report: str
    company: str | None = None
    period: str | None = None
    as_of: dt.date | None = None
    preparer: str | None = None
    sources: tuple[Message, ...] = ()  # what the report was made from (a file each), a line each under the period
    currency: Currency = CNY  # the master's book currency: its money cells' format
    # Whose document it is (``C0017 天津海天燃气有限公司``): a line under the report's name, and every page's header.
    customer: str | None = None
