"""A4 print setup of a form sheet: orientation, one page wide, repeated title rows, header and footer."""

from __future__ import annotations

from xlsxwriter.worksheet import Worksheet

from keyacct_xl.forms.layout import TITLE_ROWS, FormLang, FormLayout, text_for
from keyacct_xl.forms.spec import FormSpec
from keyacct_xl.messages import msg
from keyacct_xl.reports.page import HEADER_LIMIT, fitted_header, header_escaped

A4 = 9


def form_name(spec: FormSpec, lang: FormLang) -> str:
    """The form as the page header names it: its title and version in the form's language (客户回访记录表　版本：1);
    the header printed the id, which no rep reads ("visit_record v1", "quotation v1"), in every language. The id stays
    in the title block, labelled as the id (表单编号)."""
    return text_for(msg("{title}, version {version}", title=spec.title, version=spec.version), lang, " / ")


def header_footer(spec: FormSpec, lang: FormLang, company: str) -> tuple[str, str]:
    """Header (company left, form id and version right) and footer (page x of y)."""
    right = f"&R&8{header_escaped(form_name(spec, lang))}"
    header = f"&L&8{fitted_header(company, HEADER_LIMIT - len('&L&8') - len(right))}{right}"
    pages = text_for(msg("Page &P of &N"), lang, " / ")
    return header, f"&C&8{pages}"


def apply_print_setup(sheet: Worksheet, spec: FormSpec, layout: FormLayout, lang: FormLang, company: str) -> None:
    """A4, the spec's orientation, fit to one page wide, title rows repeated, print area = the form."""
    sheet.set_paper(A4)
    if spec.orientation == "landscape":
        sheet.set_landscape()
    else:
        sheet.set_portrait()
    sheet.fit_to_pages(1, 0)
    sheet.center_horizontally()
    sheet.set_margins(left=0.4, right=0.4, top=0.6, bottom=0.6)
    sheet.repeat_rows(0, TITLE_ROWS - 1)
    sheet.print_area(0, 0, layout.last_row, layout.grid - 1)
    header, footer = header_footer(spec, lang, company)
    sheet.set_header(header, {"margin": 0.25})
    sheet.set_footer(footer, {"margin": 0.25})
    sheet.hide_gridlines(2)
    sheet.freeze_panes(layout.freeze_row, 0)
