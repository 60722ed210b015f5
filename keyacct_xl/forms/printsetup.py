"""A4 print setup of a form sheet: orientation, one page wide, repeated title rows, header and footer."""

from __future__ import annotations

from xlsxwriter.worksheet import Worksheet

from keyacct_xl.forms.layout import TITLE_ROWS, FormLang, FormLayout, text_for
from keyacct_xl.forms.spec import FormSpec
from keyacct_xl.messages import msg

A4 = 9
HEADER_LIMIT = 255  # characters of a page header Excel holds, its codes (&L&8) included


def _fitted(company: str, room: int) -> str:
    """``_escape(company)`` in at most ``room`` characters, cut with … when longer: a header past Excel's limit is
    dropped whole by XlsxWriter (the form's id and version with it)."""
    escaped = _escape(company)
    while len(escaped) > room and company:
        company = company[: len(company) - (len(escaped) - room) // 2 - 1]
        escaped = _escape(company + "…")
    return escaped


def _escape(text: str) -> str:
    """Header/footer text with ``&`` doubled so Excel does not read it as a control code.

    Text after a font size (``&8``) that starts with a digit gets a space first: in ``&83M`` the 3 joins the size.
    """
    text = text.replace("&", "&&")
    return " " + text if text[:1].isdigit() else text


def form_name(spec: FormSpec, lang: FormLang) -> str:
    """The form as the page header names it: its title and version in the form's language (客户回访记录表　版本：1);
    the header printed the id, which no rep reads ("visit_record v1", "quotation v1"), in every language. The id stays
    in the title block, labelled as the id (表单编号)."""
    return text_for(msg("{title}, version {version}", title=spec.title, version=spec.version), lang, " / ")


def header_footer(spec: FormSpec, lang: FormLang, company: str) -> tuple[str, str]:
    """Header (company left, form id and version right) and footer (page x of y)."""
    right = f"&R&8{_escape(form_name(spec, lang))}"
    header = f"&L&8{_fitted(company, HEADER_LIMIT - len('&L&8') - len(right))}{right}"
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
