"""The printed page: A4, orientation by width, one page wide, header rows repeated, page x of y, and where the
charts go so none is cut by a page break.

Geometry in points (1/72 inch) and pixels (96 per inch) as Excel lays a sheet out: a column of width ``w``
characters is ``int(w * 7 + 5)`` pixels wide (Calibri 11's digit is 7 px), a default row is 15 pt. The margins
are XlsxWriter's defaults (0.7 in left and right, 0.75 in top and bottom).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from xlsxwriter.worksheet import Worksheet

from keyacct_xl.messages import tr
from keyacct_xl.reports.model import ReportLang, value_lang

Orientation = Literal["portrait", "landscape"]
A4_PAPER = 9
A4_MM = (210.0, 297.0)
SIDE_MARGIN_IN = 0.7
END_MARGIN_IN = 0.75
ROW_PT = 15.0
PX_PER_IN = 96
PT_PER_IN = 72
CHART_PX = (640, 340)


def column_px(width: float) -> int:
    """A column's width in pixels as Excel draws it."""
    return int(width * 7 + 5)


def printable_px(orientation: Orientation) -> float:
    """The printable width of an A4 page in pixels."""
    short, long = (mm / 25.4 for mm in A4_MM)
    across = short if orientation == "portrait" else long
    return (across - 2 * SIDE_MARGIN_IN) * PX_PER_IN


def printable_pt_high(orientation: Orientation) -> float:
    """The printable height of an A4 page in points."""
    short, long = (mm / 25.4 for mm in A4_MM)
    down = long if orientation == "portrait" else short
    return (down - 2 * END_MARGIN_IN) * PT_PER_IN


def orientation_for(width_px: float) -> Orientation:
    """Portrait when the content fits a portrait page's width unscaled, else landscape (then fitted to width)."""
    return "portrait" if width_px <= printable_px("portrait") else "landscape"


def set_print(sheet: Worksheet, *, width_px: float, header_rows: tuple[int, int] | None, lang: ReportLang) -> None:
    """A4 in the orientation the width asks for, one page wide, ``header_rows`` on every page, page x of y."""
    sheet.set_paper(A4_PAPER)
    if orientation_for(width_px) == "portrait":
        sheet.set_portrait()
    else:
        sheet.set_landscape()
    sheet.fit_to_pages(1, 0)
    if header_rows is not None:
        sheet.repeat_rows(*header_rows)
    sheet.set_footer("&C" + tr(value_lang(lang), "Page &P of &N"))


@dataclass(frozen=True)
class Placement:
    """Where a chart goes: its top-left cell, and whether a manual page break comes before its row."""

    row: int
    col: int
    break_before: bool


CHART_PT = CHART_PX[1] * PT_PER_IN / PX_PER_IN
GAP_PT = ROW_PT


def place_charts(
    count: int, *, header_row: int, row_heights_pt: Sequence[float], table_px: float, table_cols: int
) -> tuple[list[Placement], float]:
    """Charts beside the table when they all fit on its first page without shrinking it much, else below it.

    ``row_heights_pt`` are the heights of the rows written (title block, header, table, notes); the header row is
    printed again on every page. A page holds what fits at full scale (fit-to-width only ever shrinks, so more
    fits): a chart that would not fit in what is left of the page starts a new one with a manual break, so no chart
    is cut. Returns the placements and the width of the content in pixels (for the orientation).
    """
    if count == 0:
        return [], table_px
    beside_px = table_px + column_px(8.43) + CHART_PX[0]
    above = sum(row_heights_pt[:header_row])
    if beside_px <= printable_px("landscape") / 0.8:
        page = printable_pt_high(orientation_for(beside_px))
        if above + count * (CHART_PT + GAP_PT) <= page:
            rows = [row_at(row_heights_pt, header_row, k * (CHART_PT + GAP_PT)) for k in range(count)]
            return [Placement(row, table_cols + 1, False) for row in rows], beside_px
    width = max(table_px, CHART_PX[0] + column_px(8.43))
    page = printable_pt_high(orientation_for(width))
    repeated = row_heights_pt[header_row] if header_row < len(row_heights_pt) else ROW_PT
    used = sum(row_heights_pt) + GAP_PT
    # Known only while everything so far is on the first page: past it, the row where a page ends depends on the
    # scale the reader fits the width with, so the first chart below a long table starts a page.
    on_page: float | None = used if used <= page else None
    row = len(row_heights_pt) + 1
    chart_rows = int(-(-CHART_PT // ROW_PT))
    places = []
    for _ in range(count):
        if on_page is not None and on_page + CHART_PT <= page:
            places.append(Placement(row, 0, False))
            on_page += CHART_PT + GAP_PT
        else:
            places.append(Placement(row, 0, True))
            on_page = repeated + CHART_PT + GAP_PT
        row += chart_rows + 1
    return places, width


def row_at(row_heights_pt: Sequence[float], start: int, offset_pt: float) -> int:
    """The row ``offset_pt`` points below the top of row ``start`` (rows past the written ones are default)."""
    row, y = start, 0.0
    while y < offset_pt:
        y += row_heights_pt[row] if row < len(row_heights_pt) else ROW_PT
        row += 1
    return row
