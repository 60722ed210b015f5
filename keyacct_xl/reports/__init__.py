"""The report layer: every workbook a person reads is written through here, as a document.

Feature packages compute frames with stable English column keys and describe a report (``Heading``, ``Sheet``,
``Chart``); ``write_report`` / ``write_table`` write it with a title block, headers in the report's language,
formats and widths per column kind, an Excel table, native charts clear of page breaks and an A4 print setup.
Writers with a layout of their own (a statement, a sign-off page) use ``add_sheet``, ``write_title`` and
``set_print`` for the parts they share. See docs/reports.md.
"""

from keyacct_xl.reports.columns import column_kind, column_width, formatted, header_text, number_format
from keyacct_xl.reports.model import Chart, Heading, Highlight, Kind, ReportLang, RowKinds, Sheet, value_lang
from keyacct_xl.reports.page import column_px, orientation_for, set_page_footer, set_print
from keyacct_xl.reports.writer import (
    Styles,
    add_sheet,
    axis_format,
    sheet_name,
    table_header_row,
    write_report,
    write_table,
    write_title,
)

__all__ = [
    "Chart",
    "Heading",
    "Highlight",
    "Kind",
    "ReportLang",
    "RowKinds",
    "Sheet",
    "Styles",
    "add_sheet",
    "axis_format",
    "column_kind",
    "column_px",
    "column_width",
    "formatted",
    "header_text",
    "number_format",
    "orientation_for",
    "set_page_footer",
    "set_print",
    "sheet_name",
    "table_header_row",
    "value_lang",
    "write_report",
    "write_table",
    "write_title",
]
