"""English documents read as documents: no technical codes where a person reads (a form's id, a status code), Latin
fonts and ASCII signs in English, while the Chinese documents keep what they show. Real files read back with
openpyxl."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
from briefing_master import hand_master

from keyacct_xl.briefing.gm_book import arrow
from keyacct_xl.cli.main import main
from keyacct_xl.forms.catalog import load_form
from keyacct_xl.forms.generator import write_form


def _form(tmp_path: Path, lang: str) -> openpyxl.Workbook:
    return openpyxl.load_workbook(
        write_form(tmp_path / f"visit_record-{lang}.xlsx", load_form("visit_record"), lang=lang)
    )


def test_an_english_form_names_itself_by_its_title_not_its_id(tmp_path: Path) -> None:
    ws = _form(tmp_path, "en").worksheets[0]
    texts = [str(c.value) for row in ws.iter_rows(max_row=4) for c in row if c.value]
    assert "Version 1" in texts  # "Form visit_record, version 1" before
    assert not any("visit_record" in text for text in texts)
    assert ws.oddHeader.right.text == "Customer Visit Record, version 1"  # "visit_record v1" before


def test_a_chinese_form_keeps_its_number_and_names_itself_by_its_title_in_the_page_header(tmp_path: Path) -> None:
    # Found by a trial rep printing forms from LibreOffice: every page headed "quotation v1", "weekly_plan v1". The
    # id stays where it is labelled as the id (表单编号), which is what a rep quotes when asking about a form.
    ws = _form(tmp_path, "zh").worksheets[0]
    texts = [str(c.value) for row in ws.iter_rows(max_row=4) for c in row if c.value]
    assert "表单编号：visit_record　版本：1" in texts
    assert ws.oddHeader.right.text == "客户回访记录表　版本：1"


@pytest.mark.parametrize(("lang", "font"), [("en", "Calibri"), ("zh", "等线"), ("bilingual", "等线")])
def test_a_form_s_cells_use_a_font_of_its_language(tmp_path: Path, lang: str, font: str) -> None:
    """English forms used 等线 (DengXian), which the rep saw in the font box; the sheets a rep reads are checked."""
    book = _form(tmp_path, lang)
    fonts = {
        c.font.name
        for ws in book.worksheets
        if ws.sheet_state == "visible"
        for row in ws.iter_rows()
        for c in row
        if c.value is not None
    }
    assert fonts == {font}


def test_the_gm_pack_s_equal_sign_is_ascii_in_english(tmp_path: Path) -> None:
    """The English cover's legend and an unchanged figure showed the full-width ＝."""
    assert arrow(5.0, 5.0, "money", "en") == "="
    assert arrow(5.0, 5.0, "money", "zh") == "＝"
    book = hand_master(tmp_path)
    for lang in ("en", "zh"):
        out = tmp_path / f"gm-{lang}.xlsx"
        assert main(["report", "gm", str(book), "--period", "2026-10", "--lang", lang, "--out", str(out)]) == 0
        cover = openpyxl.load_workbook(out).worksheets[0]
        texts = [str(c.value) for row in cover.iter_rows() for c in row if isinstance(c.value, str)]
        legend = next(text for text in texts if "▲" in text and "▼" in text)
        if lang == "en":
            assert "= equal" in legend and not any("＝" in text for text in texts)
        else:
            assert "＝ 持平" in legend
