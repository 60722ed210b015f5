"""What an .ods or .xls sheet hides and where its formulas are, read from damaged or forged files: nothing is
concluded from a part that cannot be read so, and one sheet never takes another's marks."""

from __future__ import annotations

import io
import struct
import zipfile
from collections.abc import Callable
from pathlib import Path

import olefile
import openpyxl
import pytest

from keyacct_xl.cellformulas import biff_records, biff_sheets, ods_sheet_marks, xls_sheet_marks

_ODS = (
    '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0"><office:body><office:spreadsheet>'
    '<table:table table:name="S">{body}</table:table></office:spreadsheet></office:body></office:document-content>'
)
_ROW = "<table:table-row{attributes}><table:table-cell/><table:table-cell/></table:table-row>"


def _ods(body: str) -> zipfile.ZipFile:
    data = io.BytesIO()
    with zipfile.ZipFile(data, "w") as archive:
        archive.writestr("content.xml", _ODS.format(body=body))
    return zipfile.ZipFile(io.BytesIO(data.getvalue()))


def test_an_ods_row_and_column_hidden_as_libreoffice_writes_them_are_read() -> None:
    body = (
        '<table:table-column table:number-columns-repeated="2"/><table:table-column table:visibility="collapse"/>'
        + _ROW.format(attributes="")
        + _ROW.format(attributes=' table:visibility="collapse"')
    )
    assert ods_sheet_marks(_ods(body), "S", 2, 3) == (frozenset(), frozenset({1}), frozenset({2}))


@pytest.mark.parametrize(
    "body",
    [
        '<table:table-column table:number-columns-repeated="-2"/><table:table-column table:visibility="collapse"/>'
        + _ROW.format(attributes=""),
        _ROW.format(attributes=' table:number-rows-repeated="-5"')
        + _ROW.format(attributes=' table:visibility="collapse"'),
    ],
    ids=["column repeated -2 times", "row repeated -5 times"],
)
def test_a_negative_repeat_count_concludes_nothing_instead_of_shifting_the_rows_and_columns_after_it(body: str) -> None:
    """A forged count below 1 moved every later column or row back, so the hidden one was reported elsewhere."""
    assert ods_sheet_marks(_ods(body), "S", 5, 5) is None


def _without_eof(xls: Path, sheet: str) -> bytes:
    """``xls`` with the EOF record of ``sheet``'s substream turned into a record no reader knows, its size kept."""
    with olefile.OleFileIO(str(xls)) as ole:
        stream = bytearray(ole.openstream("Workbook").read())
    start = dict(biff_sheets(bytes(stream)))[sheet]
    at = start
    for kind, body in biff_records(bytes(stream), start):
        if kind == 0x000A:
            struct.pack_into("<H", stream, at, 0x0FFF)
            break
        at += 4 + len(body)
    copy = xls.with_name("cut.xls")
    copy.write_bytes(xls.read_bytes())
    with olefile.OleFileIO(str(copy), write_mode=True) as ole:
        ole.write_stream("Workbook", bytes(stream))
    return copy.read_bytes()


def test_an_xls_sheet_cut_before_its_end_does_not_take_the_next_sheets_hidden_rows(
    tmp_path: Path, libreoffice: Callable[..., Path]
) -> None:
    source = tmp_path / "two.xlsx"
    book = openpyxl.Workbook()
    first = book.active
    first.title = "A"
    second = book.create_sheet("B")
    for sheet in (first, second):
        for row in range(1, 5):
            sheet.append([f"{sheet.title}{row}", row])
    second.row_dimensions[3].hidden = True
    book.save(source)
    xls = libreoffice(source, "xls")
    assert xls_sheet_marks(xls.read_bytes(), "B", 4) == (frozenset(), frozenset({2}), frozenset())
    assert xls_sheet_marks(_without_eof(xls, "A"), "A", 4) == (frozenset(), frozenset(), frozenset())
