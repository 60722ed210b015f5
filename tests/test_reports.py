"""The report layer (``keyacct_xl.reports``): widths measured on the formatted values, the orientation by width,
charts clear of page breaks, and every report workbook the demo writes as a printable zh document.

The page checks here recompute the geometry on their own (A4 in inches, the sheet's margins, row heights read back
with openpyxl) instead of calling the layer's, and LibreOffice renders the workbooks to PDF for the ``###`` check.
"""

from __future__ import annotations

import datetime as dt
import re
import subprocess
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from reportbook import table_ref

from keyacct_xl.reports import (
    Chart,
    Heading,
    RowKinds,
    Sheet,
    axis_format,
    column_width,
    formatted,
    header_text,
    write_report,
)
from keyacct_xl.reports.columns import (
    fitted_width,
    header_lines,
    header_wraps,
    text_width,
    two_line_width,
    wrapped_width,
)
from keyacct_xl.reports.page import column_px, orientation_for, place_charts, printable_px

SNAKE = re.compile(r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)+$")
A4_IN = (210 / 25.4, 297 / 25.4)
DEFAULT_ROW_PT = 15.0

# What the demo writes that is no report, each with its reason; everything else it writes is walked.
NOT_REPORTS = {
    "master.xlsx": "the master is the store, not a report",
    "master.bak.xlsx": "the master's backup",
    "returned_statement_C0330.xlsx": "the demo's stand-in for a statement a customer sent back: a file we receive",
}
NOT_REPORT_FOLDERS = {
    "forms": "the reps' forms, laid out by the form generator (their own print tests)",
    "submissions": "the reps' filled forms the demo hands in",
    "quarantine": "files consolidation refused, kept as they came",
}
# Sheets kept fitted to the width however wide (Sheet(strips=False)), each with its reason.
WORKING_TABLES = {
    ("review-2025.xlsx", "评级审核"): "the full table the reviewers decide on screen; the meeting prints the lists",
}
# Report writers that have not adopted the layer yet, each with its reason (remove the entry when it does).


def report_workbooks(out: Path) -> list[Path]:
    """Every report workbook under the demo's folder."""
    found = []
    for path in sorted(out.rglob("*.xlsx")):
        parts = path.relative_to(out).parts
        if parts[0] in NOT_REPORT_FOLDERS or path.name in NOT_REPORTS:
            continue
        found.append(path)
    return found


def row_pt(ws, row: int) -> float:
    """The height of 0-based ``row`` in points (a row without its own height is Calibri 11's 15 pt)."""
    return ws.row_dimensions[row + 1].height or DEFAULT_ROW_PT


def printable_height_pt(ws) -> float:
    """A4's height (landscape: its width) less the sheet's top and bottom margins, in points."""
    down = A4_IN[0] if ws.page_setup.orientation == "landscape" else A4_IN[1]
    return (down - ws.page_margins.top - ws.page_margins.bottom) * 72


def repeated_rows(ws) -> range:
    """The 0-based rows printed at the top of every page."""
    if not ws.print_title_rows:
        return range(0)
    first, last = (int(part.strip("$")) for part in ws.print_title_rows.split(":"))
    return range(first - 1, last)


def sheet_width_px(ws) -> float:
    """The width of the sheet's columns, through the last one a table or chart covers, as Excel draws them."""

    # A <col min max> element sets a run of columns; openpyxl keeps it under the run's first letter only (asked for
    # another letter of the run it makes a new dimension of width 13).
    widths = {
        col: dim.width
        for dim in ws.column_dimensions.values()
        if dim.min is not None
        for col in range(dim.min - 1, (dim.max or dim.min))
    }

    def px(col: int) -> int:  # 0-based column
        return int((widths.get(col) or 8.43) * 7 + 5)

    table = sum(px(c) for c in range(ws.max_column))
    # a chart ends ``colOff`` EMU (9,525 a pixel) into its last column
    charts = [sum(px(c) for c in range(chart.anchor.to.col)) + chart.anchor.to.colOff / 9525 for chart in ws._charts]
    return max([table, *charts])


def printed_scale(ws) -> float:
    """The scale the sheet prints at: fitted to the page's width (never enlarged), or its fixed print scale."""
    if not ws.sheet_properties.pageSetUpPr or not ws.sheet_properties.pageSetUpPr.fitToPage:
        return (ws.page_setup.scale or 100) / 100
    across = A4_IN[1] if ws.page_setup.orientation == "landscape" else A4_IN[0]
    return min(1.0, (across - ws.page_margins.left - ws.page_margins.right) * 96 / sheet_width_px(ws))


def chart_problems(ws) -> list[str]:
    """Charts a page break would cut: a manual break inside one, or more rows from its page's first row to its
    bottom than an A4 page holds at the scale the sheet prints at (the width fitted by LibreOffice's own column
    widths, which are no narrower, so then no automatic break falls inside either). A sheet fitted to one page
    tall has no page to cut it."""
    fit = ws.sheet_properties.pageSetUpPr
    if fit is not None and fit.fitToPage and ws.page_setup.fitToHeight in (None, 1):  # OOXML's default is 1
        return []
    breaks = sorted(b.id for b in ws.row_breaks.brk)  # a break's id is the 0-based row starting the next page
    problems = []
    page = printable_height_pt(ws) / printed_scale(ws)
    for chart in ws._charts:
        top, bottom = chart.anchor._from.row, chart.anchor.to.row
        if any(top < b <= bottom for b in breaks):
            problems.append(f"{ws.title}: a page break inside the chart at rows {top}-{bottom}")
        start = max((b for b in breaks if b <= top), default=0)
        repeated = sum(row_pt(ws, r) for r in repeated_rows(ws)) if start else 0.0
        # the chart ends inside row ``bottom`` at its offset (EMU, 12,700 a point); at offset 0 it ends on its top
        height = repeated + sum(row_pt(ws, r) for r in range(start, bottom)) + chart.anchor.to.rowOff / 12_700
        if height > page:
            problems.append(f"{ws.title}: rows {start}-{bottom} ({height:.0f} pt) do not fit one page")
    return problems


def sheet_problems(ws) -> list[str]:
    """What keeps a report sheet from being a printable zh document."""
    problems = []
    setup, fit = ws.page_setup, ws.sheet_properties.pageSetUpPr
    fitted = fit is not None and fit.fitToPage and setup.fitToWidth in (None, 1)
    strips = not (fit and fit.fitToPage) and (setup.scale or 100) >= 60
    if setup.paperSize != 9 or not (fitted or strips):
        problems.append(f"{ws.title}: neither A4 fitted to the width nor in strips with the key columns repeated")
    if strips and not fitted and not ws.print_title_cols:
        problems.append(f"{ws.title}: printed in strips, none of them naming its rows (no repeated columns)")
    if printed_scale(ws) < 0.6:
        problems.append(f"{ws.title}: printed at {printed_scale(ws):.0%}, below a readable 60 %")
    headers = [column.name for table in ws.tables.values() for column in table.tableColumns]
    if not ws.tables:  # a document without a table (a statement, a sign-off page): every text is a header
        headers = [c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    problems += [f"{ws.title}: header {h!r} is a key" for h in headers if SNAKE.match(h)]
    return problems + chart_problems(ws)


def test_every_demo_report_is_a_printable_zh_document(demo_run: tuple[Path, str]) -> None:
    out, _ = demo_run
    books = report_workbooks(out)
    names = {path.name for path in books}
    assert {"analysis-2025.xlsx", "rfm-2025.xlsx", "review-2025.xlsx", "ageing.xlsx"} <= names, names
    problems, charts = [], 0
    for path in books:
        for ws in openpyxl.load_workbook(path).worksheets:
            if ws.sheet_state == "visible":
                found = sheet_problems(ws)
                if (path.name, ws.title) in WORKING_TABLES:
                    found = [p for p in found if "below a readable" not in p]
                problems += [f"{path.name}: {p}" for p in found]
                charts += len(ws._charts)
    assert not problems
    assert charts >= 6  # the chart check ran on the analysis and RFM workbooks' charts


def test_demo_reports_print_without_hashes(demo_run: tuple[Path, str], libreoffice, tmp_path: Path) -> None:
    out, _ = demo_run
    pdfs = libreoffice(report_workbooks(out), "pdf", tmp_path)
    for pdf in pdfs:
        text = pdf_text(pdf)
        assert "###" not in text, pdf.name


def pdf_text(pdf: Path) -> str:
    """The text of ``pdf`` as pdftotext reads it."""
    return subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout


def planted_report(path: Path) -> Path:
    """A report with amounts wider than any default column, Chinese names, a narrow sheet with a chart beside it
    and a long sheet with three charts below it."""
    names = [f"华东区域重点客户第{i:03d}号有限公司" for i in range(120)]
    long = pd.DataFrame(
        {
            "customer_id": [f"C{i:04d}" for i in range(120)],
            "name": names,
            "annual_sales": [98_765_432_109.87 - i * 12_345_678.9 for i in range(120)],
            "overdue_amount": [-12_345_678.90 if i % 7 == 0 else 1_234.5 for i in range(120)],
            "growth": [(i - 60) / 37 for i in range(120)],
            "last_purchase": pd.date_range("2026-01-01", periods=120, freq="D"),
        }
    )
    short = pd.DataFrame({"grade": ["VIP", "A", "B", "C"], "sales": [70_000_000.0, 35_500_000.0, 9_000_000.0, 1e6]})
    sheets = [
        Sheet("等级", short, (Chart("column", "图一 等级销售额", "grade", ("sales",)),)),
        Sheet(
            "客户",
            long,
            tuple(Chart("column", f"图{n} 年度销售额", "customer_id", ("annual_sales",)) for n in "二三四"),
        ),
    ]
    heading = Heading("测试报表", company="示例贸易有限公司", period="2026-10", as_of=dt.date(2026, 10, 31))
    return write_report(path, sheets, heading=heading, lang="zh")


def english_axes_report(path: Path) -> Path:
    """An English report with a chart of tens of millions and one of hundreds of thousands."""
    grades = ["VIP", "A", "B", "C"]
    large = pd.DataFrame({"grade": grades, "sales": [70_000_000.0, 35_500_000.0, 9_000_000.0, 1e6]})
    small = pd.DataFrame({"grade": grades, "sales": [500_000.0, 350_000.0, 90_000.0, 10_000.0]})
    sheets = [
        Sheet("Large", large, (Chart("column", "Sales by grade", "grade", ("sales",)),)),
        Sheet("Small", small, (Chart("column", "Sales by grade", "grade", ("sales",)),)),
    ]
    return write_report(path, sheets, heading=Heading("Axis test", company="Example Trading"), lang="en")


def test_hand_built_report_with_wide_amounts_prints_whole(libreoffice, tmp_path: Path) -> None:
    path = planted_report(tmp_path / "planted.xlsx")
    book = openpyxl.load_workbook(path)
    assert not [p for ws in book.worksheets if ws.sheet_state == "visible" for p in sheet_problems(ws)]
    long = book["客户"]
    assert [b.id for b in long.row_breaks.brk]  # the charts below the long table start new pages
    # a chart starting a page sits a little into its row: at its top LibreOffice drew its frame on the page above
    starting = [c for c in long._charts if c.anchor._from.row in {b.id for b in long.row_breaks.brk}]
    assert starting and all(c.anchor._from.rowOff > 0 for c in starting)
    pdf, english = libreoffice([path, english_axes_report(tmp_path / "english.xlsx")], "pdf")
    # English axes read in millions and thousands (the format's trailing commas divide by 1000 each), never in 万
    large, small = pdf_text(english).split("\f")[:2]
    assert "70.0M" in large and "10.0M" in large and "0.0M" in large and "万" not in large
    assert "500K" in small and "100K" in small and "万" not in small
    text = pdf_text(pdf)
    assert "###" not in text and "第 1 页，共 " in text  # and the footer: page x of y in zh
    assert "¥98,765,432,109.87" in text and "-¥12,345,678.90" in text and "-162.2%" in text
    # the 万 axis: 70,000,000 reads 7,000 万, with no .0 on every label (it read 7000.0 万)
    assert re.search(r"\b7,000 ?万", text) and not re.search(r"\d\.0 ?万", text)
    # A chart's whole text is in the PDF on its page; whether it is cut is checked on the geometry above, since
    # LibreOffice also writes the clipped text of a chart on the page before it (pdftotext cannot see the clip).
    assert all(title in text for title in ("图一 等级销售额", "图二 年度销售额", "图三 年度销售额", "图四 年度销售额"))


def test_width_is_measured_on_the_formatted_value() -> None:
    assert formatted(12_345_678.9, "money") == "¥12,345,678.90" and formatted(-5, "money") == "-¥5.00"
    assert formatted(0.1234, "percent") == "12.3%" and formatted(1234567, "count") == "1,234,567"
    assert formatted(pd.Timestamp("2026-10-31"), "date") == "0000-00-00"
    # the header is narrow, the money is not: the column takes the money's width and a margin
    money = column_width("金额", [12_345_678.9, 5.0], "money")
    assert money >= text_width("¥12,345,678.90") + 2
    # a Chinese header is two columns a character; a long text is capped (it wraps) while a number never is
    assert column_width("应收账款余额合计", [1.0], "number") >= 16
    assert column_width("说明", ["长" * 200], "text") < column_width("金额", [10.0**40], "money")


def test_orientation_follows_the_width() -> None:
    portrait = printable_px("portrait")
    assert 650 < portrait < 670  # (210 mm - 1.4 in) at 96 px per inch
    assert orientation_for(portrait) == "portrait" and orientation_for(portrait + 1) == "landscape"


def test_charts_beside_a_narrow_table_and_on_their_own_pages_below_a_long_wide_one() -> None:
    beside, width, _, _ = place_charts(1, header_row=4, row_heights_pt=[15.0] * 12, table_px=300, table_cols=3)
    assert (
        [(p.col, p.break_before) for p in beside] == [(4, False)]
        and beside[0].row == 4
        and width == 300 + column_px(8.43) + 640
    )
    below, _, _, _ = place_charts(3, header_row=4, row_heights_pt=[15.0] * 300, table_px=1200, table_cols=14)
    # the first starts a page; printed at 82 % (1200 px fitted to 988), a page holds two charts, not three
    assert [p.col for p in below] == [0, 0, 0] and [p.break_before for p in below] == [True, False, True]
    assert below[0].row > 300 and below[1].row - below[0].row >= 17  # 340 px = 255 pt = 17 rows
    # a short wide table: the first chart would fit under it on page one, the second not, and one page holds both:
    # they start the next page together (two pages as before, the charts read side by side, not one alone)
    short, _, one_page, across = place_charts(2, header_row=4, row_heights_pt=[15.0] * 10, table_px=1200, table_cols=14)
    assert [p.break_before for p in short] == [True, False] and not one_page and across == "landscape"
    # a table of 16 rows and a chart a little taller than a landscape page: on one page at 80 % or more, no break
    fitted, _, one_page, _ = place_charts(1, header_row=4, row_heights_pt=[15.0] * 20, table_px=1200, table_cols=14)
    assert one_page and not fitted[0].break_before
    # two charts below a table a portrait page holds at 80 % or more (the monthly pack's 各月客户数, 24 months):
    # landscape held one chart a page under the repeated header row, portrait holds both on the page after the table
    months, width, one_page, across = place_charts(
        2, header_row=4, row_heights_pt=[15.0] * 31, table_px=695, table_cols=7
    )
    assert across == "portrait" and width == 640 + column_px(8.43) and not one_page
    assert [p.break_before for p in months] == [True, False]
    # one chart keeps the orientation its width asks for
    assert place_charts(1, header_row=4, row_heights_pt=[15.0] * 31, table_px=695, table_cols=7).orientation == (
        "landscape"
    )


def test_a_sheet_in_strips_repeats_its_own_row_names_and_a_set_width_wraps(tmp_path: Path) -> None:
    """A document number or a file names a row as a customer does: a sheet too wide for one page repeats the columns
    through it on each strip; a column given a width wraps what is longer."""
    frame = pd.DataFrame(
        {
            "status": ["金额不符"],
            "doc_no": ["XS2026100040"],
            **{f"m{k:02d}": [1_234_567.89] for k in range(16)},
            "note": ["对方少记（部分入账或折扣）"],
        }
    )
    sheets = [
        Sheet("单据", frame, row_names=("doc_no",), widths={"note": 12.0}),
        Sheet("无名", frame),
    ]
    path = write_report(tmp_path / "wide.xlsx", sheets, heading=Heading("测试"), lang="zh")
    book = openpyxl.load_workbook(path)
    named, plain = book["单据"], book["无名"]
    assert named.page_setup.scale == 60 and named.print_title_cols == "$A:$B"
    assert plain.page_setup.scale == 60 and plain.print_title_cols is None
    note = named.cell(table_ref(path, "单据")[1] + 1, frame.columns.get_loc("note") + 1)
    assert named.column_dimensions[note.column_letter].width < 13 and note.alignment.wrap_text


def test_axis_format_reads_large_amounts_in_wan_or_in_thousands_and_millions() -> None:
    assert axis_format(["money"], pd.Series([70_000_000.0]), lang="zh") == {"num_format": '#,##0"万"', "min": 0}
    assert axis_format(["money"], pd.Series([70_000_000.0]), lang="bilingual")["num_format"] == '#,##0"万"'
    assert axis_format(["money"], pd.Series([70_000_000.0]), lang="en")["num_format"] == '#,##0.0,,"M"'
    assert axis_format(["money"], pd.Series([250_000.0, 999_999.0]), lang="en")["num_format"] == '#,##0,"K"'
    assert axis_format(["money"], pd.Series([99_999.0]), lang="en")["num_format"] == "#,##0"
    assert axis_format(["count"], pd.Series([1200, -3]), lang="zh") == {"num_format": "#,##0"}
    assert axis_format(["percent"], pd.Series([0.2, 1.0]), lang="en") == {"num_format": "0%", "min": 0, "max": 1}


def test_a_blank_figure_on_a_wan_axis_is_a_gap_in_libreoffice_too(tmp_path: Path) -> None:
    """A month without data (a blank cell) was plotted through =IF(ISNUMBER(..),..,NA()): Excel leaves #N/A out, but
    LibreOffice 7.4 draws it as 0, so the monthly pack's trend fell to nothing before the data began. Its figure's
    cell is now left empty, a gap for both (LibreOffice 7.4 to PDF, the demo's `report gm --period 2024-12`: the line
    begins at 2023-11); a month with a figure keeps its formula."""
    months = pd.DataFrame({"month": ["2023-09", "2023-10", "2023-11"], "sales": [None, None, 1_000_000.0]})
    sheets = [Sheet("趋势", months, (Chart("line", "各月销售额", "month", ("sales",)),), kinds={"month": "text"})]
    path = write_report(tmp_path / "gap.xlsx", sheets, heading=Heading("测试"), lang="zh")
    data = openpyxl.load_workbook(path)["图表数据"]
    assert [data[f"A{r}"].value for r in (1, 2)] == [None, None]
    assert str(data["A3"].value).startswith("=IF(ISNUMBER(趋势!")


def test_a_wan_axis_plots_the_tables_figures_divided_by_ten_thousand(tmp_path: Path) -> None:
    # No number format divides by 10,000 (0\\.0,"万" showed 7000.0 万); the series read the table's cells in 万 from
    # a hidden sheet, by formulas, so the chart still follows an edit of the table.
    path = planted_report(tmp_path / "planted.xlsx")
    book, values = openpyxl.load_workbook(path), openpyxl.load_workbook(path, data_only=True)
    assert book["图表数据"].sheet_state == "hidden"
    (chart,) = book["等级"]._charts
    (series,) = chart.series
    assert series.val.numRef.f == "图表数据!$A$1:$A$4"
    first = table_ref(path, "等级")[1] + 1  # the table's first line, 1-based
    assert book["图表数据"]["A1"].value == f"=IF(ISNUMBER(等级!$B${first}),等级!$B${first}/10000,NA())"
    assert [values["图表数据"][f"A{r}"].value for r in range(1, 5)] == [7000, 3550, 900, 100]
    assert chart.y_axis.number_format.formatCode == '#,##0"万"'
    # an English report has no 万: its series read the table itself
    english = openpyxl.load_workbook(english_axes_report(tmp_path / "english.xlsx"))
    assert english.sheetnames == ["Large", "Small"]
    assert english["Large"]._charts[0].series[0].val.numRef.f.startswith("Large!")


def test_bilingual_headers_and_same_bytes(tmp_path: Path) -> None:
    assert header_text("annual_sales", "bilingual") == "年度销售额\nAnnual Sales"
    assert header_text("annual_sales", "zh", {"annual_sales": "本年销售"}) == "本年销售"
    frame = pd.DataFrame({"customer_id": ["C1"], "annual_sales": [1.0], "on_time_rate": [0.5]})
    first = write_report(tmp_path / "a.xlsx", [Sheet("表", frame)], heading=Heading("报表"), lang="bilingual")
    again = write_report(tmp_path / "b.xlsx", [Sheet("表", frame)], heading=Heading("报表"), lang="bilingual")
    assert first.read_bytes() == again.read_bytes()
    ws = openpyxl.load_workbook(first).active
    (table,) = ws.tables.values()
    assert [c.name for c in table.tableColumns][1] == "年度销售额\nAnnual Sales"


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_title_block_names_company_period_and_as_of(tmp_path: Path, lang: str) -> None:
    frame = pd.DataFrame({"customer_id": ["C1"]})
    heading = Heading("报表", company="示例公司", period="2026-10", as_of=dt.date(2026, 10, 31), preparer="张三")
    ws = openpyxl.load_workbook(write_report(tmp_path / "t.xlsx", [Sheet("表", frame)], heading=heading, lang=lang))
    texts = [c.value for row in ws.active.iter_rows(max_row=3) for c in row if c.value]
    assert texts[:2] == ["示例公司", "报表 — 表"]
    facts = {
        "zh": "期间：2026-10，截至：2026-10-31，编制：张三",
        "en": "Period: 2026-10; As of: 2026-10-31; Prepared by: 张三",
    }
    assert texts[2] == facts[lang]


def test_a_sheet_subtitle_replaces_the_period_and_notes_follow_the_table(tmp_path: Path) -> None:
    frame = pd.DataFrame({"customer_id": ["C1", "C2"], "sales": [1.0, 2.0]})
    sheet = Sheet("表", frame, subtitle="2026 年 1-10 月", notes=("注：不含退货",), kinds={"sales": "count"})
    path = write_report(tmp_path / "n.xlsx", [sheet], heading=Heading("报表", period="2026-10"), lang="zh")
    ws = openpyxl.load_workbook(path).active
    texts = [c.value for row in ws.iter_rows() for c in row if c.value is not None]
    assert "期间：2026 年 1-10 月" in texts and "期间：2026-10" not in texts
    assert texts[-1] == "注：不含退货" and ws.cell(ws.max_row - 1, 2).number_format == "#,##0"


# Report headers that count whole days or months, in zh and en (what the reader sees, not our keys).
WHOLE_COUNT_HEADER = re.compile(r"^(?!平均|Average).*(天数|月数)$|^(Max )?Days |Months ")


def whole_count_problems(path: Path) -> list[str]:
    """Columns counting whole days or months whose format shows decimals (``14.00`` days)."""
    problems = []
    for ws in openpyxl.load_workbook(path).worksheets:
        for table in ws.tables.values():
            min_col, header, max_col, last = openpyxl.utils.range_boundaries(table.ref)
            for col in range(min_col, max_col + 1):
                title = str(ws.cell(header, col).value)
                if not WHOLE_COUNT_HEADER.search(title):
                    continue
                formats = {
                    ws.cell(row, col).number_format
                    for row in range(header + 1, last + 1)
                    if isinstance(ws.cell(row, col).value, (int, float))
                }
                problems += [f"{path.name} {ws.title} {title}: {f}" for f in formats if "." in f]
    return problems


def test_day_and_month_counts_in_the_demo_reports_show_no_decimals(demo_run: tuple[Path, str]) -> None:
    out, _ = demo_run
    books = report_workbooks(out)
    assert {"analysis-2025.xlsx", "review-2025.xlsx"} <= {p.name for p in books}
    assert [p for path in books for p in whole_count_problems(path)] == []


def test_a_count_of_days_with_gaps_reads_whole_and_an_average_keeps_its_decimals(tmp_path: Path) -> None:
    # float because of the customer without a purchase; the average days late is a true fraction
    frame = pd.DataFrame(
        {
            "customer_id": ["C1", "C2", "C3"],
            "days_since_purchase": [14.0, None, 131.0],
            "max_days_overdue": [3.0, 0.0, 41.0],
            "months_as_customer": [192.0, 4.0, 5.0],
            "avg_days_late": [5.6, 0.0, 2.65],
        }
    )
    for lang in ("zh", "en"):
        path = write_report(tmp_path / f"d_{lang}.xlsx", [Sheet("表", frame)], heading=Heading("报表"), lang=lang)
        assert whole_count_problems(path) == []
        ws = openpyxl.load_workbook(path).active
        (table,) = ws.tables.values()
        min_col, header, _, _ = openpyxl.utils.range_boundaries(table.ref)
        assert ws.cell(header + 1, min_col + 4).number_format == "#,##0.00"  # the average days late


REPS = ["卢浩俊", "潘静刚", "沈勇芳", "唐军明", "宋亮伟", "潘亮欣", "石刚洋", "吕琳春", "徐霞文", "姚慧欣"]


def page_layout_report(path: Path) -> Path:
    """A rep scorecard 35 columns wide (the rep evaluation's first sheet), sales by rep with a chart a little taller
    than the room left under the table, and twelve month ends with a chart (the monthly pack's pages)."""
    amounts = {f"k{j:02d}": [1_234_567.89 * (j + 1) + i for i in range(len(REPS))] for j in range(34)}
    wide = pd.DataFrame({"rep": REPS, **amounts})
    by_rep = pd.DataFrame({"rep": REPS, **{f"k{j:02d}": amounts[f"k{j:02d}"] for j in range(6)}})
    months = pd.DataFrame(
        {
            "month": [f"2026-{m:02d}" for m in range(1, 13)],
            "balance": [21_364_141.08 + m for m in range(12)],
            "overdue": [4_508_554.10 + m for m in range(12)],
            "overdue_share": [0.211] * 12,
            "customers": [72] * 12,
        }
    )
    headers = {f"k{j:02d}": f"指标{j:02d}" for j in range(34)}
    sheets = [
        Sheet("考核指标", wide, headers=headers, kinds={key: "money" for key in amounts}),
        Sheet("按业务员", by_rep, (Chart("column", "按业务员的销售额", "rep", ("k00", "k01")),), headers=headers),
        Sheet(
            "各月应收",
            months,
            (Chart("column", "应收账款与逾期", "month", ("balance", "overdue")),),
            headers={
                "month": "月份",
                "balance": "余额",
                "overdue": "逾期金额",
                "overdue_share": "逾期占比",
                "customers": "超额度客户数",
            },
            kinds={"balance": "money", "overdue": "money", "customers": "count"},
        ),
    ]
    heading = Heading("测试报表", company="示例贸易有限公司", period="2026-10", as_of=dt.date(2026, 10, 31))
    return write_report(path, sheets, heading=heading, lang="zh")


def pdf_pages(pdf: Path) -> list[list[tuple[str, float]]]:
    """Each page's words and their heights in points, as pdftotext's bounding boxes give them."""
    html = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    word = re.compile(r'<word xMin="[\d.]+" yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)">([^<]*)</word>')
    return [[(text, float(y1) - float(y0)) for y0, y1, text in word.findall(page)] for page in html.split("<page ")[1:]]


def test_a_wide_sheet_prints_readable_in_strips_and_a_short_one_with_its_chart_on_one_page(
    libreoffice, tmp_path: Path
) -> None:
    path = page_layout_report(tmp_path / "pages.xlsx")
    book = openpyxl.load_workbook(path)
    wide = book["考核指标"]
    assert not wide.sheet_properties.pageSetUpPr.fitToPage and wide.page_setup.scale == 60
    assert wide.print_title_cols == "$A:$A"  # the rep on every strip
    assert not [p for ws in book.worksheets for p in sheet_problems(ws)]
    pages = pdf_pages(libreoffice(path, "pdf"))
    # Calibri 11's words are 14.3 pt high at full scale: 8.6 at 60 %; fitted to one width they were 3 to 4 pt
    assert min(h for page in pages for _, h in page) >= 8.0
    sheet_of, current = [], None
    for page in pages:
        texts = " ".join(t for t, _ in page)
        current = next((name for name in ("考核指标", "按业务员", "各月应收") if f"— {name}" in texts), current)
        sheet_of.append(current)
    strips = [page for page, sheet in zip(pages, sheet_of) if sheet == "考核指标"]
    assert len(strips) >= 2 and all("卢浩俊" in {t for t, _ in page} for page in strips)
    assert {t for page in strips for t, _ in page} >= {"指标00", "指标33"}
    # each short sheet and its chart on one page: no page of a chart alone under the repeated header row
    assert sheet_of.count("按业务员") == 1 and sheet_of.count("各月应收") == 1
    for name, chart in (("按业务员", "按业务员的销售额"), ("各月应收", "应收账款与逾期")):
        assert chart in "".join(t for t, _ in pages[sheet_of.index(name)])


def test_rows_shown_in_a_kind_of_their_own_are_formatted_and_measured_so(tmp_path: Path) -> None:
    """A scorecard's column holds a rate on one line and money on the next: each cell has its own format, and the
    column is as wide as the money needs (a width measured as a plain number printed ``###``)."""
    frame = pd.DataFrame({"measure": ["share", "balance", "customers"], "value": [0.125, 12_345_678.9, 4.0]})
    sheet = Sheet(
        "记分",
        frame,
        row_kinds=(
            RowKinds(("value",), (True, False, False), "percent"),
            RowKinds(("value",), (False, True, False), "money"),
            RowKinds(("value",), (False, False, True), "count"),
        ),
    )
    path = write_report(tmp_path / "kinds.xlsx", [sheet], heading=Heading("测试"), lang="zh")
    ws = openpyxl.load_workbook(path).active
    top = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == "measure")
    cells = [ws.cell(top + i, 2) for i in (1, 2, 3)]
    assert [c.number_format for c in cells] == ["0.0%", '"¥"#,##0.00', "#,##0"]
    money = column_width("value", [12_345_678.9], "money")
    assert ws.column_dimensions["B"].width >= money > column_width("value", [12_345_678.9], "number")


def test_a_header_on_two_lines_breaks_chinese_anywhere_and_latin_words_never() -> None:
    """The narrowest column showing a header on two lines (the visits check's short figures under long headers)."""
    assert two_line_width("面访距今天数") == 6  # 面访距 / 今天数
    assert two_line_width("本季已面访 VIP/A") == 8  # 本季已面 / 访 VIP/A
    assert two_line_width("VIP/A 客户数") == 6  # VIP/A / 客户数
    assert two_line_width("Poor Visits Without Countermeasure") == 19  # Poor Visits Without / Countermeasure
    assert two_line_width("状态\nStatus") == 6  # a bilingual header is already on two lines


def test_an_english_header_wraps_on_three_lines_between_words_and_its_row_is_as_tall(tmp_path: Path) -> None:
    """A sheet wider than a portrait page narrows a column whose English header is wider than its figures: the
    header on up to three lines, never inside a word, and the header row as tall as the lines it then takes."""
    assert wrapped_width("Bought in Last 30 Days", 3) == 7  # Bought / in Last / 30 Days
    assert wrapped_width("Bought in Last 30 Days", 1) == text_width("Bought in Last 30 Days")
    width = fitted_width("Bought in Last 30 Days", 3, "count", header_lines=3)
    assert width == round(7 * 1.2 + 2, 1) and header_lines("Bought in Last 30 Days", width) == 3
    assert header_lines("Bought in Last 30 Days", fitted_width("Bought in Last 30 Days", 3, "count")) == 1
    assert header_lines("Reactivated", 8.0) == 1  # a word longer than its column is not broken (nor counted twice)
    assert header_wraps("Same Month Last Year") and not header_wraps("调为VIP（户）")
    # short figures under long English headers: fitted to one page wide, no longer in strips at 60 % (sales by rep)
    months = pd.DataFrame({"month": ["2026-10"], "recent_buyers": [374], "buyers": [367]})
    headers = {"recent_buyers": "Bought in Last 30 Days", "buyers": "Buyers in the Month"}
    narrow = pd.DataFrame({f"k{j}": [1] for j in range(12)})
    sheets = [
        Sheet("Months", months, headers=headers),  # a portrait page holds it: its headers stay on one line
        Sheet("Wide", narrow, headers={f"k{j}": f"Same Month Last Year {j}" for j in range(12)}),
    ]
    path = write_report(tmp_path / "headers.xlsx", sheets, heading=Heading("Test"), lang="en")
    book = openpyxl.load_workbook(path)
    assert book["Months"].row_dimensions[table_ref(path, "Months")[1]].height is None
    wide = book["Wide"]
    assert wide.row_dimensions[table_ref(path, "Wide")[1]].height == 45
    assert wide.sheet_properties.pageSetUpPr.fitToPage and not wide.print_title_cols


def word_spans(pdf: Path, page: int) -> dict[str, tuple[float, float]]:
    """Each word of 1-based ``page`` and the top and bottom (points from the page's top) of its lowest occurrence."""
    html = subprocess.run(
        ["pdftotext", "-bbox", "-f", str(page), "-l", str(page), str(pdf), "-"], capture_output=True, text=True
    ).stdout
    word = re.compile(r'<word xMin="[\d.]+" yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)">([^<]*)</word>')
    return {text: (float(y0), float(y1)) for y0, y1, text in sorted(word.findall(html), key=lambda w: float(w[1]))}


def ink_between(pdf: Path, page: int, top_pt: float, bottom_pt: float, folder: Path) -> int:
    """The dark pixels LibreOffice's PDF draws on 1-based ``page`` between ``top_pt`` and ``bottom_pt``, rendered at
    72 dpi by pdftoppm: what is printed, where pdftotext also reads a chart's text clipped off the page."""
    stem = folder / f"page{page}"
    subprocess.run(
        ["pdftoppm", "-gray", "-r", "72", "-f", str(page), "-l", str(page), "-singlefile", str(pdf), str(stem)],
        check=True,
    )
    data = stem.with_suffix(".pgm").read_bytes()
    head = re.match(rb"P5\s+(\d+)\s+(\d+)\s+\d+\s", data)
    assert head, data[:20]
    width, height = int(head.group(1)), int(head.group(2))
    pixels = data[head.end() : head.end() + width * height]
    rows = pixels[int(top_pt) * width : int(bottom_pt) * width]
    return sum(1 for value in rows if value < 128)


def test_a_chart_below_a_table_in_strips_starts_right_of_the_repeated_columns(libreoffice, tmp_path: Path) -> None:
    """The grading review's summary (an English trial): its chart sat in column A, the column repeated on each strip,
    so every strip after the first printed an empty slice of its frame. The chart starts right of the repeated
    columns and ends on the first strip: printed whole on it, nothing of it on the second."""
    frame = pd.DataFrame(
        {
            "grade": ["VIP", "A", "B", "C"],
            **{f"m{k:02d}": [1_234_567.89 * (k + g) for g in range(4)] for k in range(16)},
        }
    )
    sheet = Sheet("矩阵", frame, (Chart("column", "等级结构图", "grade", ("m00", "m01")),), row_names=("grade",))
    path = write_report(tmp_path / "matrix.xlsx", [sheet], heading=Heading("测试"), lang="zh")
    ws = openpyxl.load_workbook(path)["矩阵"]
    assert ws.page_setup.scale == 60 and ws.print_title_cols == "$A:$A"
    (chart,) = ws._charts
    assert chart.anchor._from.col == 1
    pdf = libreoffice(path, "pdf")
    pages = pdf_pages(pdf)
    assert len(pages) == 2 and all("VIP" in {t for t, _ in page} for page in pages)  # two strips naming the grades
    first = word_spans(pdf, 1)
    top, bottom = first["等级结构图"][0], first["m01"][1]  # the chart's title and its legend, below the table
    assert ink_between(pdf, 1, top, bottom, tmp_path) and not ink_between(pdf, 2, top, bottom, tmp_path)
