"""The comments a returned workbook keeps on its cells (Excel's notes, LibreOffice's 批注), read from the file
itself: calamine gives none, and a rep's remark left in one would otherwise be lost unseen.

An ``.xlsx`` keeps a sheet's comments in the comments part its sheet relates (``xl/comments1.xml``: ``<comment
ref="I8">``, its text in runs). Excel 365's threaded comment (its default "New Comment") is kept in a threaded
comments part (``xl/threadedComments/threadedComment1.xml``: ``<threadedComment ref="I8"><text>``, one element per
comment and reply), and a copy for older versions in the comments part, behind some 230 characters of Excel's
notice ("[Threaded comment] Your version of Excel allows you to read this threaded comment; … Comment:"): the
thread is read where there is one, else what follows "Comment:" and "Reply:" in the copy. An ``.ods`` keeps a
comment in the cell itself (``office:annotation``); a legacy ``.xls`` as drawing objects, NOTE, OBJ and TXO records
(keyacct_xl.cellformulas reads both).
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable, Iterable, Mapping
from contextlib import nullcontext
from dataclasses import dataclass

from lxml import etree

from keyacct_xl.cellformulas import ods_annotations, xls_comments
from keyacct_xl.xlsx.ooxml import (
    NS_MAIN,
    NS_THREADED_COMMENTS,
    REL_COMMENTS,
    REL_THREADED_COMMENT,
    column_letter,
    split_ref,
)
from keyacct_xl.xlsx.package import read_parsed, related_parts, sheet_parts

MAX_COMMENTS = 1000  # per file: a form carries a few remarks, not a pasted sheet of them
# Excel's copy of a threaded comment for older versions: its notice, then each part of the thread after its marker
# (Excel writes them in English whatever its language).
_THREAD_COPY = "[Threaded comment]"
_THREAD_PARTS = re.compile(r"^(?:Comment|Reply):[ \t]*\n?", re.MULTILINE)


@dataclass(frozen=True)
class CellComment:
    """A comment's sheet, cell (A1) and text."""

    sheet: str
    ref: str
    text: str


def cell_comments(kind: str, data: bytes, package: zipfile.ZipFile | None, sheets: Iterable[str]) -> list[CellComment]:
    """The comments on the cells of ``sheets`` of a workbook of format ``kind`` (as screened), sheet by sheet, in
    row order; ``package`` is ``data`` as the screening opened it (a zip: .xlsx or .ods)."""
    if kind == "xls":
        return _gathered(sheets, lambda sheet, room: _placed(sheet, xls_comments(data, sheet, room)))
    with nullcontext(package) if package is not None else zipfile.ZipFile(io.BytesIO(data)) as archive:
        if kind == "ods":
            return _gathered(sheets, lambda sheet, room: _placed(sheet, ods_annotations(archive, sheet, room)))
        parts = sheet_parts(archive)
        return _gathered(sheets, lambda sheet, room: _xlsx_comments(archive, parts.get(sheet), sheet)[:room])


def _gathered(sheets: Iterable[str], read: Callable[[str, int], list[CellComment]]) -> list[CellComment]:
    """Each sheet's comments (``read(sheet, room)``), up to ``MAX_COMMENTS`` over the file."""
    found: list[CellComment] = []
    for sheet in sheets:
        if len(found) >= MAX_COMMENTS:
            break
        found += read(sheet, MAX_COMMENTS - len(found))
    return found


def _placed(sheet: str, cells: Mapping[tuple[int, int], str] | None) -> list[CellComment]:
    """Comments by 0-based (row, column) as CellComments, in row order."""
    return [
        CellComment(sheet, f"{column_letter(c + 1)}{r + 1}", text) for (r, c), text in sorted((cells or {}).items())
    ]


def _xlsx_comments(archive: zipfile.ZipFile, part: str | None, sheet: str) -> list[CellComment]:
    """The comments of the sheet part ``part`` (None: the sheet has none), from the comments parts it relates; a
    cell's thread from its threaded comments parts in place of Excel's copy of it."""
    if part is None:
        return []
    found = {
        ref: _own_words(text)
        for target in related_parts(archive, part, REL_COMMENTS)
        for ref, text in read_parsed(archive, target, _comments)
    }
    for target in related_parts(archive, part, REL_THREADED_COMMENT):
        found.update(read_parsed(archive, target, _threads))
    return [CellComment(sheet, ref, found[ref]) for ref in sorted(found, key=split_ref)]


def _own_words(text: str) -> str:
    """A comment's text; of Excel's copy of a threaded comment, the comment and its replies, one a line."""
    if not text.startswith(_THREAD_COPY):
        return text
    parts = _THREAD_PARTS.split(text)[1:]  # what precedes the first "Comment:" is Excel's notice
    return "\n".join(p.strip() for p in parts) if parts else text


def _threads(root: etree._Element, part: str) -> tuple[tuple[str, str], ...]:
    """(cell, text) of each thread of a threaded comments part whose cell is a cell reference: its comment and
    replies in the order written, one a line."""
    threads: dict[str, list[str]] = {}
    for comment in root.iter(f"{{{NS_THREADED_COMMENTS}}}threadedComment"):
        ref = comment.get("ref", "")
        try:
            split_ref(ref)
        except ValueError:
            continue
        text = comment.find(f"{{{NS_THREADED_COMMENTS}}}text")
        threads.setdefault(ref, []).append("" if text is None or text.text is None else text.text)
    return tuple((ref, "\n".join(texts)) for ref, texts in threads.items())


def _comments(root: etree._Element, part: str) -> tuple[tuple[str, str], ...]:
    """(cell, text) of each comment of a comments part whose cell is a cell reference, in row order; the text of its
    runs, the phonetic guides aside."""
    found = []
    for comment in root.iter(f"{{{NS_MAIN}}}comment"):
        ref = comment.get("ref", "")
        try:
            place = split_ref(ref)
        except ValueError:
            continue
        runs = comment.iter(f"{{{NS_MAIN}}}t")
        text = "".join(t.text or "" for t in runs if t.getparent().tag != f"{{{NS_MAIN}}}rPh")
        found.append((place, ref, text))
    return tuple((ref, text) for _, ref, text in sorted(found))
