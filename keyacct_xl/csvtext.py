"""Text tables as older tools write them: the one decoding of a .csv and of an "Excel" export that is text.

UTF-8 (with or without its BOM) is tried first, then GB18030 (Chinese exports from older tools are often GBK);
UTF-16 is told by its BOM, or without one by its NUL bytes. ``keyacct_xl/tablefile.py`` reads a .csv through it,
``keyacct_xl/disguised.py`` an .xls that is text, a web page or an Excel 2003 XML spreadsheet: both decode alike.
"""

from __future__ import annotations

import codecs
import csv
import io

from keyacct_xl.errors import InputError
from keyacct_xl.messages import msg
from keyacct_xl.parsing import is_blank

# Chinese exports from older tools are often GBK; UTF-8 (with or without BOM) is tried first.
CSV_ENCODINGS = ("utf-8-sig", "gb18030")
_DELIMITER_LINES, _DELIMITER_SAMPLE = 30, 64 * 1024  # the lines a CSV's column separator is told from
_NUL_SHARE = 0.25  # of a sample's odd (or even) bytes: UTF-16's digits, commas, tabs and line ends are half NUL


def csv_rows(raw: bytes, path: object) -> list[list[str]]:
    """The records of CSV text ``raw`` (the bytes of the file ``path`` names in a refusal), blank lines kept (as
    ``[]``) so record i is line i + 1.

    UTF-8 (with or without BOM) is tried first, then GB18030; text with a UTF-16 BOM is Excel's "Unicode text",
    its columns split by tabs (by commas when its header line has commas and no tab: a CSV saved as UTF-16). A UTF-8
    or GBK file whose first lines hold more tabs than commas is tab-separated text (an older system's export) and
    split by its tabs. Rows may have different lengths (exports often add a trailing column on some lines); an empty
    file is refused.
    """
    text = csv_text(path, raw)
    unicode_text = utf16_codec(raw) is not None
    reader = csv.reader(
        io.StringIO(text, newline=""), delimiter=_utf16_delimiter(text) if unicode_text else _delimiter(text)
    )
    try:
        rows = list(reader)
    except csv.Error as exc:  # a field past the csv module's limit, an unclosed quote running to the end
        raise InputError(
            msg("{path}: line {line}: not a readable CSV file ({exc})", path=path, line=reader.line_num, exc=exc)
        ) from None
    if not any(not is_blank(v) for row in rows for v in row):
        raise InputError(msg("{path}: the file is empty", path=path))
    return rows


def _utf16_delimiter(text: str) -> str:
    """What splits the columns of UTF-16 text: a tab, as Excel's Unicode text has them, unless its header line has
    commas and no tab (a CSV saved as UTF-16, read with tabs as one column named by the whole line). A one-column
    list keeps its tab, so a name holding a comma (甲公司,华南分部) is not split."""
    header = next((line for line in text.splitlines() if line.strip()), "")
    return "," if "," in header and "\t" not in header else "\t"


def _delimiter(text: str) -> str:
    """What splits the columns of UTF-8 or GBK text: tabs when its first lines hold more tabs than commas (an older
    system's tab-separated export, amounts like 1,000.00 and a title line above its header), else commas."""
    lines = [line for line in text[:_DELIMITER_SAMPLE].splitlines() if line.strip()][:_DELIMITER_LINES]
    return "\t" if sum(line.count("\t") for line in lines) > sum(line.count(",") for line in lines) else ","


def utf16_codec(raw: bytes) -> str | None:
    """The codec of UTF-16 text: with its BOM (what Excel saves as "Unicode text"), or without one when NUL bytes
    fill one half of the bytes, as the high half of ASCII characters (a tool writing UTF-16 with no BOM, read as
    GB18030 mojibake before); None for other text. A UTF-8 or GBK CSV holds no NUL."""
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    sample = raw[:4096]
    half = len(sample) // 2
    if half and sample[1::2].count(0) >= _NUL_SHARE * half:
        return "utf-16-le"
    if half and sample[0::2].count(0) >= _NUL_SHARE * half:
        return "utf-16-be"
    return None


def csv_text(path: object, raw: bytes) -> str:
    """The text of a CSV file in UTF-8, else GB18030; a file whose lines are in both (a GBK line pasted into a
    UTF-8 export) is refused naming the first line of the second kind: GB18030 reads any UTF-8 text as other
    Chinese characters, so decoding it all as GB18030 would change every UTF-8 line without a word. UTF-16 text
    (``utf16_codec``) is read as such."""
    codec = utf16_codec(raw)
    if codec is not None:
        try:
            return raw.decode(codec)
        except UnicodeDecodeError as exc:
            raise InputError(
                msg(
                    "{path}: line {line}: cannot decode the text (UTF-16)",
                    path=path,
                    line=raw[: exc.start].decode(codec, errors="replace").count("\n") + 1,
                )
            ) from None
    try:
        return raw.decode(CSV_ENCODINGS[0])
    except UnicodeDecodeError:
        pass
    mixed = _first_line_of_another_encoding(raw)
    if mixed is not None:
        raise InputError(
            msg(
                "{path}: line {line} is not in the encoding of the lines above it (UTF-8 and GBK lines in one "
                "file); save the file again as CSV UTF-8",
                path=path,
                line=mixed,
            )
        )
    try:
        return raw.decode(CSV_ENCODINGS[1])
    except UnicodeDecodeError as exc:
        raise InputError(
            msg(
                "{path}: line {line}: cannot decode the text (tried UTF-8 and GB18030)",
                path=path,
                line=raw.count(b"\n", 0, exc.start) + 1,
            )
        ) from None


def _first_line_of_another_encoding(raw: bytes) -> int | None:
    """The number of the first line whose encoding differs from the non-ASCII lines before it (UTF-8 or not), or
    None when every non-ASCII line is of one kind."""
    first_kind = None
    for number, line in enumerate(raw.removeprefix(codecs.BOM_UTF8).split(b"\n"), start=1):
        if line.isascii():
            continue
        try:
            line.decode("utf-8")
            kind = "utf-8"
        except UnicodeDecodeError:
            kind = "other"
        if first_kind is None:
            first_kind = kind
        elif kind != first_kind:
            return number
    return None
