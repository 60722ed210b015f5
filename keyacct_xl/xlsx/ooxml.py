"""Namespaces, cell references and text escaping shared by the part writers."""

from __future__ import annotations

import re

NS_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
NS_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
NS_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
NS_CT = "http://schemas.openxmlformats.org/package/2006/content-types"
REL_TABLE = NS_REL + "/table"
REL_COMMENTS = NS_REL + "/comments"
# Excel 365's threaded comments ("New Comment"), kept beside the legacy comments part (MS-XLSX 2.6.205).
REL_THREADED_COMMENT = "http://schemas.microsoft.com/office/2017/10/relationships/threadedComment"
NS_THREADED_COMMENTS = "http://schemas.microsoft.com/office/spreadsheetml/2018/threadedcomments"
REL_CALC_CHAIN = NS_REL + "/calcChain"

_ILLEGAL = re.compile(r"[\x00-\x08\x0b-\x1f\ufffe\uffff]")  # CR too: XML parsers turn a raw CR into LF
_ESCAPE_LIKE = re.compile(r"_(x[0-9A-Fa-f]{4}_)")
_REF = re.compile(r"^\$?([A-Z]{1,3})\$?(\d+)$")


def column_letter(index: int) -> str:
    """1 -> A, 27 -> AA."""
    letters = ""
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def column_index(letters: str) -> int:
    """A -> 1, AA -> 27."""
    index = 0
    for ch in letters:
        index = index * 26 + ord(ch) - 64
    return index


def split_ref(ref: str) -> tuple[int, int]:
    """'C7' -> (row 7, column 3)."""
    m = _REF.match(ref)
    if not m:
        raise ValueError(f"not a cell reference: {ref!r}")
    return int(m[2]), column_index(m[1])


def parse_range(ref: str) -> tuple[int, int, int, int]:
    """'A1:K20' -> (first_row, first_col, last_row, last_col)."""
    first, _, last = ref.partition(":")
    r1, c1 = split_ref(first)
    r2, c2 = split_ref(last or first)
    return r1, c1, r2, c2


def range_ref(first_row: int, first_col: int, last_row: int, last_col: int) -> str:
    """(1, 1, 20, 11) -> 'A1:K20'."""
    return f"{column_letter(first_col)}{first_row}:{column_letter(last_col)}{last_row}"


def ooxml_escape(text: str) -> str:
    """OOXML's ``_xHHHH_`` form for control characters (and for text that looks like one), before XML escaping."""
    text = _ESCAPE_LIKE.sub(r"_x005F_\1", text)
    return _ILLEGAL.sub(lambda m: f"_x{ord(m[0]):04X}_", text)


def escape_text(text: str) -> str:
    """Escape a cell string for XML; control characters use OOXML's ``_xHHHH_`` form so nothing is lost."""
    return ooxml_escape(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def escape_attr(text: str) -> str:
    """Escape a string for an XML attribute value."""
    return escape_text(text).replace('"', "&quot;")


def column_name(name: str) -> str:
    """A table column name as Excel stores it in ``tableColumn/@name``, before XML escaping.

    Attribute normalisation would turn a raw line break or tab into a space, so the name would no longer equal
    its header cell and Excel would repair the table; Excel writes them as ``_x000A_`` and ``_x0009_``.
    """
    return ooxml_escape(name).replace("\n", "_x000A_").replace("\t", "_x0009_")


def escape_column_name(name: str) -> str:
    """``column_name`` escaped for an XML attribute value."""
    return column_name(name).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


_ESCAPED_CHAR = re.compile(r"_x([0-9A-Fa-f]{4})_")


def unescape_text(text: str) -> str:
    """Decode OOXML's ``_xHHHH_`` escapes (``_x000a_`` is a line break, ``_x005F_`` a literal underscore)."""
    return _ESCAPED_CHAR.sub(lambda m: chr(int(m[1], 16)), text)
