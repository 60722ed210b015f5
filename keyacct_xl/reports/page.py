"""The printed page: A4, orientation by width, one page wide, header rows repeated, page x of y, and where the
charts go so none is cut by a page break.

Geometry in points (1/72 inch) and pixels (96 per inch) as Excel lays a sheet out: a column of width ``w``
characters is ``int(w * 7 + 5)`` pixels wide (Calibri 11's digit is 7 px), a default row is 15 pt. The margins
are XlsxWriter's defaults (0.7 in left and right, 0.75 in top and bottom).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Literal, NamedTuple

from xlsxwriter.worksheet import Worksheet

from keyacct_xl.messages import tr
from keyacct_xl.reports.columns import WIDTH_FACTOR
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
DEFAULT_WIDTH = 8.43  # a column's width in characters when the sheet sets none


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


# A printed figure stays readable: a sheet fitted to the page's width is printed so while that is 55 % or more in
# every reader (Calibri 11 at 55 % is 6 pt); a wider one prints at 60 % (6.6 pt) in page-wide strips, its key
# columns repeated on each.
READABLE_FIT = 0.55
MIN_SCALE = 0.6
# What the fitted scale is allowed to shrink a short sheet to so it prints on one page, its charts with its table.
ONE_PAGE_SCALE = 0.8
KEY_COLUMNS = 4
ROW_NAMES = frozenset({"customer_id", "name", "customer_name", "rep"})  # what names a row to its reader


def fit_scale(width_px: float, orientation: Orientation) -> float:
    """The scale fitting ``width_px`` to one page's width (1 when it fits unscaled)."""
    return min(1.0, printable_px(orientation) / width_px) if width_px > 0 else 1.0


def fits_readably(width_px: float, orientation: Orientation) -> bool:
    """Whether a sheet ``width_px`` wide, fitted to one page's width, prints at ``READABLE_FIT`` or more in every
    reader: LibreOffice without Carlito draws a column up to a fifth wider (``columns.WIDTH_FACTOR``), so fits it
    smaller."""
    return fit_scale(width_px * WIDTH_FACTOR, orientation) >= READABLE_FIT


def print_scale(width_px: float, orientation: Orientation) -> float:
    """The scale a sheet ``width_px`` wide prints at: fitted to the width, else ``MIN_SCALE`` (in strips)."""
    return fit_scale(width_px, orientation) if fits_readably(width_px, orientation) else MIN_SCALE


def prints_in_strips(width_px: float, orientation: Orientation) -> bool:
    """Whether a sheet ``width_px`` wide prints at ``MIN_SCALE`` in page-wide strips (a table read on paper)."""
    return not fits_readably(width_px, orientation)


def key_columns(
    keys: Sequence[str],
    widths_px: Sequence[float],
    orientation: Orientation,
    row_names: Collection[str] = (),
    *,
    chart_below: bool = False,
) -> int:
    """How many leading columns are printed again on each strip of a sheet too wide for one page: those through the
    last that names the row (its customer or rep, or one of the sheet's own ``row_names``) among the first
    ``KEY_COLUMNS`` (a print title is a range from column A), no wider than half a strip; with a chart below the
    table, which starts right of them, no more than leave the chart whole on the first strip."""
    named = [j for j, key in enumerate(keys[:KEY_COLUMNS]) if key in ROW_NAMES or key in row_names]
    count = named[-1] + 1 if named else 0
    room = printable_px(orientation) / MIN_SCALE / 2
    while count and (
        sum(widths_px[:count]) > room or (chart_below and not chart_on_first_strip(widths_px, count, orientation))
    ):
        count -= 1
    return count


def chart_on_first_strip(widths_px: Sequence[float], col: int, orientation: Orientation) -> bool:
    """Whether a chart set in column ``col`` of a sheet printed in strips ends on the first: a strip ends at a
    column's edge, and LibreOffice draws the columns up to a fifth wider (``columns.WIDTH_FACTOR``)."""
    end = sum(widths_px[:col]) + STRIP_OFFSET_PX + CHART_PX[0]
    edge, j = 0.0, 0
    while edge < end:
        edge += widths_px[j] if j < len(widths_px) else column_px(DEFAULT_WIDTH)
        j += 1
    return edge * WIDTH_FACTOR <= printable_px(orientation) / MIN_SCALE


def set_print(
    sheet: Worksheet,
    *,
    width_px: float,
    header_rows: tuple[int, int] | None,
    lang: ReportLang,
    orientation: Orientation | None = None,
    key_cols: int = 0,
    one_page: bool = False,
    strips: bool = True,
) -> None:
    """A4 in the orientation the width asks for (or the one a document is designed in), one page wide (and tall
    when ``one_page``), ``header_rows`` on every page, page x of y. A sheet that would print below ``MIN_SCALE`` to
    fit one page wide prints at that scale across pages instead, its first ``key_cols`` columns on each (unless not
    ``strips``: a working table read on screen)."""
    chosen = orientation or orientation_for(width_px)
    sheet.set_paper(A4_PAPER)
    if chosen == "portrait":
        sheet.set_portrait()
    else:
        sheet.set_landscape()
    if not (strips and prints_in_strips(width_px, chosen)):
        sheet.fit_to_pages(1, 1 if one_page else 0)
    else:
        sheet.set_print_scale(round(MIN_SCALE * 100))
        if key_cols:
            sheet.repeat_columns(0, key_cols - 1)
    if header_rows is not None:
        sheet.repeat_rows(*header_rows)
    set_page_footer(sheet, lang)


HEADER_LIMIT = 255  # characters of a page header Excel holds, its codes (&L&8) included


def header_escaped(text: str) -> str:
    """Header/footer text with ``&`` doubled so Excel does not read it as a control code.

    Text after a font size (``&8``) that starts with a digit gets a space first: in ``&83M`` the 3 joins the size.
    """
    text = text.replace("&", "&&")
    return " " + text if text[:1].isdigit() else text


def fitted_header(text: str, room: int) -> str:
    """``header_escaped(text)`` in at most ``room`` characters, cut with … when longer: a header past Excel's limit
    is dropped whole by XlsxWriter (the rest of the header with it)."""
    escaped = header_escaped(text)
    while len(escaped) > room and text:
        text = text[: len(text) - (len(escaped) - room) // 2 - 1]
        escaped = header_escaped(text + "…")
    return escaped


def set_page_header(sheet: Worksheet, whose: str | None) -> None:
    """Whose document it is (a customer's id and name) at the left of every printed page's header: a page of a
    reconciliation taken from the pile names its customer."""
    if whose:
        sheet.set_header("&L" + fitted_header(whose, HEADER_LIMIT - len("&L")))


def set_page_footer(sheet: Worksheet, lang: ReportLang) -> None:
    """Every document's footer: 第 N 页，共 M 页 / Page N of M, centred."""
    sheet.set_footer("&C" + tr(value_lang(lang), "Page &P of &N"))


@dataclass(frozen=True)
class Placement:
    """Where a chart goes: its top-left cell, and whether a manual page break comes before its row."""

    row: int
    col: int
    break_before: bool


CHART_PT = CHART_PX[1] * PT_PER_IN / PX_PER_IN
GAP_PT = ROW_PT
BREAK_OFFSET_PX = 4  # how far into its row a chart that starts a page is set
# How far into its column a chart right of the columns printed on each strip is set: on the column's edge,
# LibreOffice drew it again, clipped, beside them on every later strip (a sliver of its frame, its words in the text).
STRIP_OFFSET_PX = 4


class ChartLayout(NamedTuple):
    """Where a sheet's charts go, the width of the content in pixels, whether the sheet, charts and all, prints on
    one page (fitted to one page tall as well as wide), and the orientation it prints in."""

    places: list[Placement]
    width_px: float
    one_page: bool
    orientation: Orientation


def place_charts(
    count: int, *, header_row: int, row_heights_pt: Sequence[float], table_px: float, table_cols: int
) -> ChartLayout:
    """Charts beside the table when they all fit on its first page without shrinking it much, else below it.

    ``row_heights_pt`` are the heights of the rows written (title block, header, table, notes); the header row is
    printed again on every page. A page holds what fits at the scale the sheet prints at (``print_scale``; LibreOffice
    fits a wider page to the width at a smaller one, so then more fits): a sheet whose table and charts fit one page
    at ``ONE_PAGE_SCALE`` or the width's scale is printed on one; else a chart that would not fit in what is left of
    the page starts a new one with a manual break, so no chart is cut. Two or more charts below a table share pages:
    in portrait when the sheet fits its width at ``ONE_PAGE_SCALE`` or more (a landscape page holds one chart under
    the repeated header row, a portrait page two), and starting the next page together when they do not all fit
    under the table but one page holds them all.
    """
    if count == 0:
        return ChartLayout([], table_px, False, orientation_for(table_px))
    beside_px = table_px + column_px(DEFAULT_WIDTH) + CHART_PX[0]
    above = sum(row_heights_pt[:header_row])
    if beside_px <= printable_px("landscape") / 0.8:
        page = printable_pt_high(orientation_for(beside_px))
        if above + count * (CHART_PT + GAP_PT) <= page:
            rows = [row_at(row_heights_pt, header_row, k * (CHART_PT + GAP_PT)) for k in range(count)]
            places = [Placement(row, table_cols + 1, False) for row in rows]
            return ChartLayout(places, beside_px, False, orientation_for(beside_px))
    width = max(table_px, CHART_PX[0] + column_px(DEFAULT_WIDTH))
    orientation = orientation_for(width)
    if count > 1 and fit_scale(width, "portrait") >= ONE_PAGE_SCALE:
        orientation = "portrait"
    scale = print_scale(width, orientation)
    used = sum(row_heights_pt) + GAP_PT
    row = len(row_heights_pt) + 1
    chart_rows = int(-(-CHART_PT // ROW_PT))
    whole = used + count * (CHART_PT + GAP_PT)
    if fits_readably(width, orientation) and whole * min(scale, ONE_PAGE_SCALE) <= printable_pt_high(orientation):
        places = [Placement(row + k * (chart_rows + 1), 0, False) for k in range(count)]
        return ChartLayout(places, width, True, orientation)
    page = printable_pt_high(orientation) / scale
    repeated = row_heights_pt[header_row] if header_row < len(row_heights_pt) else ROW_PT
    # Known only while everything so far is on the first page: past it, the row where a page ends depends on how
    # the reader's program lays the rows out, so the first chart below a long table starts a page.
    on_page: float | None = used if used <= page else None
    if on_page is not None and charts_held(page - on_page) < count <= charts_held(page - repeated):
        on_page = None  # read together: the charts start the next page together, not one under the table
    places = []
    for _ in range(count):
        if on_page is not None and on_page + CHART_PT <= page:
            places.append(Placement(row, 0, False))
            on_page += CHART_PT + GAP_PT
        else:
            places.append(Placement(row, 0, True))
            on_page = repeated + CHART_PT + GAP_PT
        row += chart_rows + 1
    return ChartLayout(places, width, False, orientation)


def charts_above(
    layout: ChartLayout, *, title_pt: Sequence[float], table_pt: Sequence[float]
) -> tuple[ChartLayout, int] | None:
    """``layout``'s charts one under the other between the title block (rows ``title_pt`` high) and the table, and
    the row the table's header moves to: where no repeated header row prints (a chart starting a page below a long
    table printed alone under it). None when the charts and the table's first rows (``table_pt``) do not fit one
    page at the scale the sheet prints at."""
    chart_rows = int(-(-CHART_PT // ROW_PT)) + 1  # a blank row under each
    count = len(layout.places)
    needed = sum(title_pt) + count * chart_rows * ROW_PT + sum(table_pt)
    if needed > printable_pt_high(layout.orientation) / print_scale(layout.width_px, layout.orientation):
        return None
    top = len(title_pt)
    places = [Placement(top + k * chart_rows, 0, False) for k in range(count)]
    return layout._replace(places=places), top + count * chart_rows


def charts_held(room_pt: float) -> int:
    """How many charts fit one under the other, a gap between each, in ``room_pt`` points of a page."""
    return max(0, int((room_pt + GAP_PT) // (CHART_PT + GAP_PT)))


def row_at(row_heights_pt: Sequence[float], start: int, offset_pt: float) -> int:
    """The row ``offset_pt`` points below the top of row ``start`` (rows past the written ones are default)."""
    row, y = start, 0.0
    while y < offset_pt:
        y += row_heights_pt[row] if row < len(row_heights_pt) else ROW_PT
        row += 1
    return row
