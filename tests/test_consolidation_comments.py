"""A comment a rep put on a cell of a form (LibreOffice's 插入批注, Excel's note) is quoted in the report with its cell
and the line it belongs to, never dropped unseen. The comments are added by LibreOffice itself over UNO
(tests/libreoffice_server.py ``EDITS``) and the form saved as .xlsx, .xls and .ods, as the trial rep did."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from openpyxl.comments import Comment

from keyacct_xl.consolidate.run import consolidate
from keyacct_xl.consolidate.simulate import blank_form, fill_form
from keyacct_xl.consolidate.store import load_store
from keyacct_xl.forms.catalog import load_form
from keyacct_xl.forms.layout import form_sheet_name
from keyacct_xl.master.model import Master
from keyacct_xl.master.writer import save_master

NOW = "2026-11-30 18:00:00"
SHEET = form_sheet_name(load_form("visit_record"), "zh")
VISITS = [
    {"date": "2026-11-23", "customer_id": "C001", "method": "面谈", "content": "客户反映换油周期短"},
    {"date": "2026-11-24", "customer_id": "C001", "method": "电话", "content": "电话确认订单"},
]


@pytest.fixture
def master(tmp_path: Path) -> Path:
    m = Master.empty()
    m.customers = pd.DataFrame({"customer_id": ["C001"], "name": ["广州华强贸易有限公司"], "rep": ["张三"]})
    return save_master(m, tmp_path / "master.xlsx", backup=False)


@pytest.mark.parametrize("fmt", ["xlsx", "xls", "ods"])
def test_a_comment_on_a_line_and_one_beside_the_form_are_quoted_with_their_cells(
    master: Path, inbox: Path, tmp_path: Path, libreoffice, fmt: str
) -> None:
    """客户要求周五前回复 on I8 (the trial's 回访记录_W49.xlsx, xl/comments1.xml) was dropped without a word, the file
    accepted as if nothing more was said."""
    source = tmp_path / "回访记录.xlsx"
    source.write_bytes(
        fill_form(blank_form("visit_record"), header={"rep": "张三", "period": "2026-W48"}, rows={"visits": VISITS})
    )
    edits = [["unprotect"], ["comment", "I8", "客户要求周五前回复"], ["comment", "P2", "本周少报一家"]]
    libreoffice(source, fmt, inbox, edits=edits)
    [outcome] = consolidate(inbox, master, now=NOW).outcomes
    assert (outcome.status, outcome.rows_added) == ("accepted", 2)
    comments = [(i.sheet, i.cell, i.value, i.zh, i.severity) for i in outcome.issues if "批注" in i.zh]
    assert comments == [
        (SHEET, "P2", "本周少报一家", f"工作表 {SHEET} 的单元格 P2 有批注，未读入总表：本周少报一家", "warning"),
        (
            SHEET,
            "I8",
            "客户要求周五前回复",
            f"工作表 {SHEET} 的单元格 I8（“回访记录”表格第 8 行，回访记录）有批注，未读入总表：客户要求周五前回复",
            "warning",
        ),
    ]
    assert sorted(load_store(master).frame("Visits")["content"]) == ["客户反映换油周期短", "电话确认订单"]


# What Excel 365 keeps of a threaded comment ("New Comment") for older versions in xl/commentsN.xml: this text,
# then "Comment:" and the comment, each reply after "Reply:". The thread itself is in xl/threadedComments/.
_LEGACY_THREAD = (
    "[Threaded comment]\n\nYour version of Excel allows you to read this threaded comment; however, any edits to it "
    "will get removed if the file is opened in a newer version of Excel. Learn more: "
    "https://go.microsoft.com/fwlink/?linkid=870924\n\nComment:\n    客户要求周五前回复\nReply:\n    已电话确认"
)
_NS_THREADED = "http://schemas.microsoft.com/office/spreadsheetml/2018/threadedcomments"
_THREAD = (
    f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<ThreadedComments xmlns="{_NS_THREADED}" '
    'xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<threadedComment ref="I8" dT="2026-11-24T02:13:00.00" personId="{6B1D7E5C-2C1A-4C33-9F55-1D2F7A4B8E01}" '
    'id="{0A6F5C32-1B9E-4E7A-8C21-5D4E3F2A1B00}"><text>客户要求周五前回复</text></threadedComment>'
    '<threadedComment ref="I8" dT="2026-11-24T03:40:00.00" personId="{6B1D7E5C-2C1A-4C33-9F55-1D2F7A4B8E01}" '
    'id="{0A6F5C32-1B9E-4E7A-8C21-5D4E3F2A1B01}" parentId="{0A6F5C32-1B9E-4E7A-8C21-5D4E3F2A1B00}">'
    "<text>已电话确认</text></threadedComment></ThreadedComments>"
)
_PERSONS = (
    f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<personList xmlns="{_NS_THREADED}" '
    'xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><person displayName="张三" '
    'id="{6B1D7E5C-2C1A-4C33-9F55-1D2F7A4B8E01}" userId="张三" providerId="None"/></personList>'
)


def _excel_365_thread(*, threaded: bool) -> bytes:
    """A filled visit record with a threaded comment and its reply on I8, as Excel 365 saves one: the legacy copy
    in the comments part and (``threaded``) the thread, its relationship, the persons part and content types."""
    filled = fill_form(
        blank_form("visit_record"), header={"rep": "张三", "period": "2026-W48"}, rows={"visits": VISITS}
    )
    book = openpyxl.load_workbook(io.BytesIO(filled))
    book[SHEET]["I8"].comment = Comment(_LEGACY_THREAD, "tc={0A6F5C32-1B9E-4E7A-8C21-5D4E3F2A1B00}")
    saved = io.BytesIO()
    book.save(saved)
    out = io.BytesIO()
    with zipfile.ZipFile(saved) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        sheet_rels = next(n for n in src.namelist() if n.startswith("xl/worksheets/_rels/"))
        for name in src.namelist():
            data = src.read(name)
            if threaded and name == sheet_rels:
                data = data.replace(
                    b"</Relationships>",
                    b'<Relationship Id="rIdTc1" Type="http://schemas.microsoft.com/office/2017/10/relationships/'
                    b'threadedComment" Target="../threadedComments/threadedComment1.xml"/></Relationships>',
                )
            elif threaded and name == "xl/_rels/workbook.xml.rels":
                data = data.replace(
                    b"</Relationships>",
                    b'<Relationship Id="rIdPs1" Type="http://schemas.microsoft.com/office/2017/10/relationships/'
                    b'person" Target="persons/person.xml"/></Relationships>',
                )
            elif threaded and name == "[Content_Types].xml":
                data = data.replace(
                    b"</Types>",
                    b'<Override PartName="/xl/threadedComments/threadedComment1.xml" '
                    b'ContentType="application/vnd.ms-excel.threadedcomments+xml"/><Override '
                    b'PartName="/xl/persons/person.xml" ContentType="application/vnd.ms-excel.person+xml"/></Types>',
                )
            dst.writestr(name, data)
        if threaded:
            dst.writestr("xl/threadedComments/threadedComment1.xml", _THREAD)
            dst.writestr("xl/persons/person.xml", _PERSONS)
    return out.getvalue()


@pytest.mark.parametrize("threaded", [True, False], ids=["thread", "legacy-copy-only"])
def test_an_excel_365_threaded_comment_is_quoted_by_its_own_words(master: Path, inbox: Path, threaded: bool) -> None:
    """Before, the warning quoted the first 60 characters of Excel's note to older versions ("[Threaded comment]
    Your version of Excel allows you to read…") and never the rep's words."""
    (inbox / "回访记录.xlsx").write_bytes(_excel_365_thread(threaded=threaded))
    [outcome] = consolidate(inbox, master, now=NOW).outcomes
    assert (outcome.status, outcome.rows_added) == ("accepted", 2)
    [(cell, value, zh)] = [(i.cell, i.value, i.zh) for i in outcome.issues if "批注" in i.zh]
    assert (cell, value) == ("I8", "客户要求周五前回复\n已电话确认")
    assert zh.endswith("有批注，未读入总表：客户要求周五前回复\n已电话确认")
