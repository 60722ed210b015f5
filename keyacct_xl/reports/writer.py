"""The one way to write a report sheet: title block, localized headers, formats and widths per column kind, an
Excel table (frozen header, autofilter), native charts that never cross a page break, and an A4 print setup.

Same inputs give the same bytes (``output.workbook``: fixed document times, fixed zip times).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path

import pandas as pd
import xlsxwriter.workbook
from xlsxwriter.utility import xl_range
from xlsxwriter.worksheet import Worksheet

from keyacct_xl.currency import Currency
from keyacct_xl.labels import document_frame, document_values, yes_no
from keyacct_xl.master.writer import TABLE_STYLE  # the master's tables and the reports' look alike
from keyacct_xl.messages import msg, tr
from keyacct_xl.output import check_suffix, workbook, write_cell, write_csv
from keyacct_xl.reports.chartdata import CHART_DATA_NAMES, LARGE_AXIS, WAN_AXIS_FORMAT, reads_in_wan, series_range
from keyacct_xl.reports.columns import (
    HEADER_LINES,
    PADDING,
    TEXT_CAP,
    WIDTH_FACTOR,
    column_kind,
    fitted_width,
    formatted,
    header_lines,
    header_text,
    header_wraps,
    number_format,
    text_width,
    widest_value,
)
from keyacct_xl.reports.model import Chart, Heading, Kind, ReportLang, Sheet, value_lang
from keyacct_xl.reports.page import (
    BREAK_OFFSET_PX,
    ROW_PT,
    STRIP_OFFSET_PX,
    charts_above,
    column_px,
    key_columns,
    place_charts,
    printable_px,
    prints_in_strips,
    set_page_header,
    set_print,
)

TITLE_PT = 21.0
# English has no 万: each trailing comma divides by 1000, so 250,000 shows 250K and 70,000,000 70.0M (Excel and
# LibreOffice alike).
THOUSAND_AXIS_FORMAT = '#,##0,"K"'
MILLION_AXIS_FORMAT = '#,##0.0,,"M"'


class Styles:
    """The workbook's cell formats, made once per distinct set of properties (XlsxWriter keeps every one made)."""

    def __init__(self, book: xlsxwriter.workbook.Workbook) -> None:
        self._book = book
        self._made: dict[tuple, object] = {}

    def get(self, **properties: object) -> object:
        """The format with ``properties`` (None when there are none: the cell keeps General)."""
        if not properties:
            return None
        key = tuple(sorted(properties.items()))
        if key not in self._made:
            self._made[key] = self._book.add_format(dict(properties))
        return self._made[key]


_LEVELS: dict[str, dict[str, object]] = {
    "warn": {"bg_color": "#FCE4D6", "font_color": "#9C0006"},
    "alert": {"bg_color": "#FFC7CE", "bold": True},
}


def write_report(path: str | Path, sheets: Sequence[Sheet], *, heading: Heading, lang: ReportLang) -> Path:
    """Write ``sheets`` to ``path`` (.xlsx), one report sheet each, in ``lang``; same inputs give the same bytes."""
    path = Path(path)
    check_suffix(path, (".xlsx",))
    with workbook(path, heading.report) as book:
        styles = Styles(book)
        for index, sheet in enumerate(sheets):
            add_sheet(book, styles, sheet, heading=heading, lang=lang, table_name=f"Table{index + 1}")
    return path


def write_table(path: str | Path, sheets: Sequence[Sheet], *, heading: Heading, lang: ReportLang) -> Path:
    """Write to .xlsx (every sheet) or .csv (the first sheet's table only), chosen by the suffix, in ``lang``."""
    path = Path(path)
    if check_suffix(path, (".xlsx", ".csv")) == ".csv":
        return write_csv(document_frame(sheets[0].frame, value_lang(lang)), path)
    return write_report(path, sheets, heading=heading, lang=lang)


SHEET_NAME_CHARS = frozenset("[]:*?/\\")  # what Excel refuses in a sheet name


def _unnameable(ch: str) -> bool:
    """Whether a sheet name cannot hold ``ch``: Excel refuses it, or XML cannot hold it (a control character, U+FFFE,
    U+FFFF, a lone surrogate), which in workbook.xml makes the whole file one Excel reports as damaged."""
    return ch in SHEET_NAME_CHARS or ord(ch) < 32 or ch in "\ufffe\uffff" or "\ud800" <= ch <= "\udfff"


def sheet_name(text: str, taken: set[str]) -> str:
    """A legal sheet name for ``text`` not in ``taken`` (Excel: 31 characters, none of []:*?/\\ nor a character XML
    cannot hold, unique ignoring case), added to ``taken``: a customer id or a rep's name may hold any of these. The
    hidden chart-data sheet's names are never given: a customer 图表数据 would be written into, or collide with it;
    nor History, which Excel keeps for its change tracking and repairs a workbook for holding."""
    base = "".join("_" if _unnameable(ch) else ch for ch in text)[:28].strip("'") or "_"
    name, k = base, 2
    while name.casefold() in taken or name.casefold() in CHART_DATA_NAMES or name.casefold() == "history":
        name, k = f"{base[:27]}({k})", k + 1
    taken.add(name.casefold())
    return name


def add_sheet(
    book: xlsxwriter.workbook.Workbook,
    styles: Styles,
    sheet: Sheet,
    *,
    heading: Heading,
    lang: ReportLang,
    table_name: str,
) -> Worksheet:
    """Add ``sheet`` to ``book`` as a report sheet (the worksheet is returned for a writer that adds more)."""
    ws = book.add_worksheet(sheet.title[:31])
    frame = document_values(sheet.frame, value_lang(lang))
    keys = [str(c) for c in frame.columns]
    kinds = [column_kind(key, frame[key], sheet.kinds) for key in keys]
    cell_kinds = _cell_kinds(sheet, keys)
    title = _title_lines(heading, sheet.title, lang, sheet.subtitle)
    heights = [height for _, _, height in title] + [ROW_PT]
    top = len(heights)
    headers = [header_text(key, lang, sheet.headers) for key in keys]
    # Each column measured once: its width, and whether its text is long enough to wrap.
    widest = [
        _widest(frame[key], j, kind, cell_kinds, _total_values(sheet, key), heading.currency)
        for j, (key, kind) in enumerate(zip(keys, kinds))
    ]
    fitted = _fitted_widths(sheet, keys, headers, widest, kinds)
    widths = [sheet.widths.get(key, width) for key, width in zip(keys, fitted)]
    wrap = [
        kind == "text" and (most > TEXT_CAP or width < fit)
        for kind, most, width, fit in zip(kinds, widest, widths, fitted)
    ]
    header_pt = max((header_lines(text, width) for text, width in zip(headers, widths)), default=1) * ROW_PT
    lines = _row_lines(frame, kinds, cell_kinds, widths, wrap, heading.currency)
    body = [
        header_pt,
        *(n * ROW_PT for n in lines or [1]),
        *([ROW_PT] if sheet.totals is not None else []),
        *(_note_height(note, widths) for note in sheet.notes),
    ]
    table_px = sum(column_px(w) for w in widths)
    layout = place_charts(
        len(sheet.charts), header_row=top, row_heights_pt=heights + body, table_px=table_px, table_cols=len(keys)
    )
    breaking = any(place.break_before for place in layout.places)
    above = charts_above(layout, title_pt=heights, table_pt=body[:2]) if breaking else None
    if above is not None:
        # a chart after a break printed on a page of its own under the repeated header row: above the header no
        # repeated row prints, so the charts go there, between the title block and the table
        layout, header_row = above
    else:
        header_row = top
    _write_rows(ws, styles, frame, kinds, cell_kinds, wrap, lines, header_row + 1, sheet, heading.currency)
    _add_table(ws, styles, sheet, keys, headers, kinds, header_row, table_name, lang, heading.currency)
    for j, width in enumerate(widths):
        ws.set_column(j, j, width)
    if header_pt > ROW_PT:
        ws.set_row(header_row, header_pt)
    if above is None:  # frozen with charts above it, the header would leave the screen little room to scroll
        ws.freeze_panes(header_row + 1, 0)
    in_strips = sheet.strips and prints_in_strips(layout.width_px, layout.orientation)
    below = in_strips and any(place.col == 0 for place in layout.places)
    key_cols = key_columns(keys, [column_px(w) for w in widths], layout.orientation, sheet.row_names, chart_below=below)
    repeated = sum(widths[:key_cols]) if in_strips else math.inf
    _write_title_lines(ws, styles, title, key_cols, repeated)
    notes_from = header_row + 1 + max(len(frame), 1) + (1 if sheet.totals is not None else 0)
    for row, note in enumerate(sheet.notes, start=notes_from):
        # a line wider than the columns printed again on each strip starts right of them: from column A, the
        # strips after the first printed it cut (the grading summary's 截至： without its date)
        first = key_cols if text_width(note) > repeated else 0
        _write_note(ws, styles, row, note, widths[first:], first)
    for place, chart in zip(layout.places, sheet.charts):
        # a chart starting a page is set a few pixels into its row: LibreOffice draws a frame starting on the row
        # a page break falls before at the foot of the page above too
        offset = {"y_offset": BREAK_OFFSET_PX} if place.break_before else {}
        # in strips a chart below the table starts right of the columns repeated on each strip: in column A it
        # printed an empty slice of its frame on every strip after the first (the grading review's summary)
        col = place.col
        if in_strips and place.col == 0 and key_cols:
            col = key_cols
            offset["x_offset"] = STRIP_OFFSET_PX
        ws.insert_chart(place.row, col, _chart(book, ws.name, frame, kinds, chart, header_row, lang), offset)
    breaks = [place.row for place in layout.places if place.break_before]
    if breaks:
        ws.set_h_pagebreaks(breaks)
    set_print(
        ws,
        width_px=layout.width_px,
        header_rows=(header_row, header_row),
        lang=lang,
        orientation=layout.orientation,
        key_cols=key_cols,
        one_page=layout.one_page,
        strips=sheet.strips,
    )
    set_page_header(ws, heading.customer)
    return ws


def write_title(
    ws: Worksheet, styles: Styles, heading: Heading, title: str, lang: ReportLang, *, subtitle: str | None = None
) -> list[float]:
    """The title block at the top of ``ws`` (company, report and sheet name, period, as-of date, preparer) and a
    blank row; returns the heights of the rows written, in points."""
    lines = _title_lines(heading, title, lang, subtitle)
    _write_title_lines(ws, styles, lines, 0, math.inf)
    set_page_header(ws, heading.customer)
    return [height for _, _, height in lines] + [ROW_PT]


def _write_title_lines(
    ws: Worksheet,
    styles: Styles,
    lines: Sequence[tuple[str, dict[str, object], float]],
    key_cols: int,
    repeated: float,
) -> None:
    """The title block's lines from column A, but a line wider than the ``repeated`` characters of the ``key_cols``
    columns printed again on each strip, which starts right of them: from column A the strips after the first
    printed it cut (LibreOffice)."""
    for row, (text, props, height) in enumerate(lines):
        ws.write_string(row, key_cols if text_width(text) > repeated else 0, text, styles.get(**props))
        if height != ROW_PT:
            ws.set_row(row, height)


def table_header_row(heading: Heading, sheet: Sheet, lang: ReportLang) -> int:
    """The 0-based row of ``sheet``'s table header under its title block (for a writer that adds to the table,
    e.g. a list validation on a column)."""
    return len(_title_lines(heading, sheet.title, lang, sheet.subtitle)) + 1


def _title_lines(
    heading: Heading, title: str, lang: ReportLang, subtitle: str | None
) -> list[tuple[str, dict[str, object], float]]:
    values = value_lang(lang)
    lines: list[tuple[str, dict[str, object], float]] = []
    if heading.company:
        lines.append((heading.company, {"bold": True}, ROW_PT))
    name = heading.report if title in ("", heading.report) else f"{heading.report} — {title}"
    lines.append((name, {"bold": True, "font_size": 14}, TITLE_PT))
    if heading.customer:
        lines.append((tr(values, "Customer: {customer}", customer=heading.customer), {"bold": True}, ROW_PT))
    facts = []
    period = subtitle if subtitle is not None else heading.period
    if period:
        facts.append(msg("Period: {period}", period=period))
    if heading.as_of is not None:
        facts.append(msg("As of: {as_of:%Y-%m-%d}", as_of=heading.as_of))
    if heading.preparer:
        facts.append(msg("Prepared by: {preparer}", preparer=heading.preparer))
    if facts:
        text = tr(values, "; ").join(fact.render(values) for fact in facts)
        lines.append((text, {"font_color": "#595959"}, ROW_PT))
    lines += [(source.render(values), {"font_color": "#595959"}, ROW_PT) for source in heading.sources]
    return lines


def _total_values(sheet: Sheet, key: str) -> list[object]:
    return [sheet.totals[key]] if sheet.totals and key in sheet.totals else []


def _cell_kinds(sheet: Sheet, keys: Sequence[str]) -> dict[tuple[int, int], Kind]:
    """The kind of each cell (row, column) a ``RowKinds`` of the sheet overrides its column's kind for."""
    index = {key: j for j, key in enumerate(keys)}
    kinds: dict[tuple[int, int], Kind] = {}
    for override in sheet.row_kinds:
        for i, chosen in enumerate(override.rows):
            if chosen:
                kinds.update({(i, index[column]): override.kind for column in override.columns})
    return kinds


def _widest(
    values: pd.Series,
    j: int,
    kind: Kind,
    cell_kinds: Mapping[tuple[int, int], Kind],
    totals: Sequence[object],
    currency: Currency,
) -> int:
    """The widest value of column ``j`` as shown: each cell in its own kind where a row overrides the column's."""
    if not cell_kinds:
        return widest_value([*values, *totals], kind, currency)
    own = [text_width(formatted(v, cell_kinds.get((i, j), kind), currency)) for i, v in enumerate(values)]
    return max([*own, widest_value(totals, kind, currency)])


def _fitted_widths(
    sheet: Sheet, keys: Sequence[str], headers: Sequence[str], widest: Sequence[int], kinds: Sequence[Kind]
) -> list[float]:
    """Each column as wide as its header and its widest value; when that makes the sheet wider than a portrait page,
    a header of words wider than its figures wraps on up to ``HEADER_LINES`` lines: English headers widened the
    monthly pack's sales by rep past one readable page (60 % in strips) and its customers by month past portrait."""
    one_line = [fitted_width(text, most, kind) for text, most, kind in zip(headers, widest, kinds)]
    shown = [sheet.widths.get(key, width) for key, width in zip(keys, one_line)]
    if sum(column_px(width) for width in shown) <= printable_px("portrait"):
        return one_line
    return [
        fitted_width(text, most, kind, header_lines=HEADER_LINES if header_wraps(text) else 1)
        for text, most, kind in zip(headers, widest, kinds)
    ]


def _write_note(ws: Worksheet, styles: Styles, row: int, note: str, widths: Sequence[float], first: int = 0) -> None:
    """A line under the table from column ``first``; one wider than the table's columns ``widths`` from there wraps
    across them (overflowing to its right it widened what fit-to-width fits, and a one-line warning printed the
    grading summary at 5 pt)."""
    props: dict[str, object] = {"italic": True, "font_color": "#595959"}
    if text_width(note) <= sum(widths):
        ws.write_string(row, first, note, styles.get(**props))
        return
    style = styles.get(**props, text_wrap=True, valign="top")
    if len(widths) > 1:
        ws.merge_range(row, first, row, first + len(widths) - 1, note, style)
    else:
        ws.write_string(row, first, note, style)
    ws.set_row(row, _note_height(note, widths))


def _note_height(note: str, widths: Sequence[float]) -> float:
    """The height in points of the row holding ``note`` under a table of columns ``widths`` wide."""
    table_width = sum(widths)
    if text_width(note) <= table_width:
        return ROW_PT
    return _wrapped_lines(note, table_width) * ROW_PT


def _wrapped_lines(text: str, width: float) -> int:
    room = max((width - PADDING) / WIDTH_FACTOR, 1)  # the characters a column of ``width`` holds in any font
    return sum(max(1, math.ceil(text_width(line) / room)) for line in text.split("\n"))


def _row_lines(
    frame: pd.DataFrame,
    kinds: Sequence[Kind],
    cell_kinds: Mapping[tuple[int, int], Kind],
    widths: Sequence[float],
    wrap: Sequence[bool],
    currency: Currency,
) -> list[int]:
    """The lines each data row is as tall as: those of its longest wrapped text (1 when nothing wraps)."""
    wrapped = [j for j, flag in enumerate(wrap) if flag]
    if not wrapped:
        return [1] * len(frame)
    return [
        max(
            [1]
            + [
                _wrapped_lines(formatted(record[j], cell_kinds.get((i, j), kinds[j]), currency), widths[j])
                for j in wrapped
            ]
        )
        for i, record in enumerate(frame.itertuples(index=False))
    ]


def _write_rows(
    ws: Worksheet,
    styles: Styles,
    frame: pd.DataFrame,
    kinds: Sequence[Kind],
    cell_kinds: Mapping[tuple[int, int], Kind],
    wrap: Sequence[bool],
    lines: Sequence[int],
    first: int,
    sheet: Sheet,
    currency: Currency,
) -> None:
    """Write the data rows; a row whose long text wraps gets the height of its ``lines``."""
    # a row that wraps in one column is as tall as its lines: every cell in it starts at the top, level with the
    # first line (a label at the foot of its row printed under its value)
    top = any(wrap)
    base = [_base_props(kind, wrapped, currency, top=top) for kind, wrapped in zip(kinds, wrap)]
    plain = [styles.get(**props) for props in base]
    marks = _marked(styles, sheet, frame, base)
    levels = _cell_levels(sheet, frame) if cell_kinds else {}
    for i, record in enumerate(frame.itertuples(index=False)):
        for j, value in enumerate(record):
            if (i, j) in cell_kinds:
                props = _base_props(cell_kinds[i, j], wrap[j], currency, top=top)
                for level in levels.get((i, j), ()):
                    props.update(_LEVELS[level])
                style = styles.get(**props)
            else:
                style = marks.get((i, j), plain[j])
            write_cell(ws, first + i, j, value, style)
        if lines[i] > 1:
            ws.set_row(first + i, lines[i] * ROW_PT)


def _base_props(kind: Kind, wrapped: bool, currency: Currency, *, top: bool) -> dict[str, object]:
    props: dict[str, object] = {}
    code = number_format(kind, currency)
    if code:
        props["num_format"] = code
    if wrapped:
        props["text_wrap"] = True
    if top:
        props["valign"] = "top"
    return props


def _marked(
    styles: Styles, sheet: Sheet, frame: pd.DataFrame, base: Sequence[dict[str, object]]
) -> dict[tuple[int, int], object]:
    """The format of each highlighted cell (row, column): its column's format in the highlights' colours, one format
    per column and levels, made in the order the cells are written."""
    levels = _cell_levels(sheet, frame)
    made: dict[tuple[int, tuple[str, ...]], object] = {}
    for (_, j), named in sorted(levels.items()):
        if (j, named) not in made:
            props = dict(base[j])
            for level in named:
                props.update(_LEVELS[level])
            made[j, named] = styles.get(**props)
    return {cell: made[cell[1], named] for cell, named in levels.items()}


def _cell_levels(sheet: Sheet, frame: pd.DataFrame) -> dict[tuple[int, int], tuple[str, ...]]:
    """The highlight levels of each highlighted cell (row, column), in the order the highlights are given."""
    index = {str(c): j for j, c in enumerate(frame.columns)}
    levels: dict[tuple[int, int], tuple[str, ...]] = {}
    for highlight in sheet.highlights:
        for i, marked in enumerate(highlight.rows):
            if marked:
                for column in highlight.columns:
                    cell = (i, index[column])
                    levels[cell] = (*levels.get(cell, ()), highlight.level)
    return levels


def _add_table(
    ws: Worksheet,
    styles: Styles,
    sheet: Sheet,
    keys: Sequence[str],
    headers: Sequence[str],
    kinds: Sequence[Kind],
    header_row: int,
    table_name: str,
    lang: ReportLang,
    currency: Currency,
) -> None:
    """The Excel table over the written cells: its header row (wrapped when bilingual), autofilter, total row."""
    columns = []
    for j, (key, text, kind) in enumerate(zip(keys, headers, kinds)):
        spec: dict[str, object] = {"header": text, "header_format": styles.get(bold=True, text_wrap=True)}
        code = number_format(kind, currency)
        if code:
            spec["format"] = styles.get(num_format=code)
        if sheet.totals is not None:
            if j == 0:
                spec["total_string"] = tr(value_lang(lang), "Total")
            elif key in sheet.totals:
                # SUBTOTAL over the cells, not the table's [column] reference LibreOffice cannot resolve when the
                # header has a space (Err:508); its value stored, so readers that do not calculate see the figure.
                cells = xl_range(header_row + 1, j, header_row + max(len(sheet.frame), 1), j)
                spec.update(total_function=_total_function(sheet, key, cells, lang), total_value=sheet.totals[key])
        columns.append(spec)
    last = header_row + max(len(sheet.frame), 1) + (1 if sheet.totals is not None else 0)
    options: dict[str, object] = {"name": table_name, "style": TABLE_STYLE, "columns": columns}
    if sheet.totals is not None:
        options["total_row"] = True
    ws.add_table(header_row, 0, last, max(len(keys) - 1, 0), options)


def _total_function(sheet: Sheet, key: str, cells: str, lang: ReportLang) -> str:
    """The total row's formula of a column: the sum, or for a column of 是/否 (Yes/No), the count of 是 (a sum of
    text is 0, where the customers over their limit are the total finance reads)."""
    if pd.api.types.is_bool_dtype(sheet.frame[key].dtype):
        return f'=COUNTIF({cells},"{yes_no(True, value_lang(lang))}")'
    return f"=SUBTOTAL(109,{cells})"


def _chart(
    book: xlsxwriter.workbook.Workbook,
    sheet: str,
    frame: pd.DataFrame,
    kinds: Sequence[Kind],
    spec: Chart,
    header_row: int,
    lang: ReportLang,
):
    """A native chart reading the sheet's own cells, so it follows when a user edits the table."""
    first, last = header_row + 1, header_row + max(len(frame), 1)
    col = {str(name): i for i, name in enumerate(frame.columns)}
    categories = [sheet, first, col[spec.categories], last, col[spec.categories]]
    chart = book.add_chart({"type": spec.kind})
    value_kinds = [kinds[col[v]] for v in spec.values]
    amounts = pd.concat([pd.to_numeric(frame[v], errors="coerce") for v in spec.values])
    wan = spec.kind != "pie" and reads_in_wan(value_kinds, amounts, lang=lang)
    for value in spec.values:
        chart.add_series(
            {
                "name": [sheet, header_row, col[value]],
                "categories": categories,
                "values": series_range(book, (sheet, first, last, col[value]), list(frame[value]), wan=wan, lang=lang),
                **({"data_labels": {"percentage": True}} if spec.kind == "pie" else {}),
            }
        )
    if spec.kind != "pie":
        value_axis = axis_format(value_kinds, amounts, lang=lang)
        category_axis = {"num_format": "0%"} if kinds[col[spec.categories]] == "percent" else {}
        if spec.kind == "bar":
            chart.set_x_axis(value_axis)
            chart.set_y_axis(category_axis)
        else:
            chart.set_y_axis(value_axis)
            chart.set_x_axis(category_axis)
        chart.set_legend({"position": "bottom"})
    chart.set_title({"name": spec.title})
    chart.set_size({"width": 640, "height": 340})
    return chart


def axis_format(kinds: Sequence[Kind], values: pd.Series, *, lang: ReportLang) -> dict[str, object]:
    """The value axis: shares in %; amounts from 100,000 up in 万 (zh; the series then read figures in 万,
    ``chartdata.series_range``) or in thousands and from a million up in millions (en); smaller figures with
    thousands separators."""
    if kinds and all(kind == "percent" for kind in kinds):
        within = values.dropna().between(0, 1 + 1e-9).all()  # a cumulative share may end a rounding past 1
        return {"num_format": "0%", **({"min": 0, "max": 1} if within else {})}
    largest = values.abs().max()
    code = "#,##0"
    if reads_in_wan(kinds, values, lang=lang):
        code = WAN_AXIS_FORMAT
    elif pd.notna(largest) and largest >= LARGE_AXIS:
        code = MILLION_AXIS_FORMAT if largest >= 1e6 else THOUSAND_AXIS_FORMAT
    # Amounts are compared from zero: an axis starting near the smallest bar would exaggerate the differences.
    return {"num_format": code, **({"min": 0} if (values.dropna() >= 0).all() else {})}
