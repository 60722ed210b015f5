"""What a rep sent instead of the form: a photo or scan of it, a PDF, a Word document, told by its bytes.

Such a file is no note that happens to lie in the inbox: the rep believes the form was sent, so the run refuses it
as a form to send again (exit 1) and says whom to ask for the workbook. A phone names its photos ``IMG_1234.JPG``
and a rep may rename a PDF ``周计划.xlsx``: the bytes tell what it is, whatever its name.
"""

from __future__ import annotations

import io
import zipfile

from keyacct_xl.disguised import OLE_MAGIC, ZIP_MAGIC
from keyacct_xl.messages import Message, msg

NOT_THE_FORM = "not_the_form"  # its refusal code
# Where a file's first bytes say it is a picture (the format as a reader knows it).
_PICTURES = {
    b"\xff\xd8\xff": "JPEG",
    b"\x89PNG\r\n\x1a\n": "PNG",
    b"GIF87a": "GIF",
    b"GIF89a": "GIF",
}
# ISO base media brands of an iPhone's and an Android phone's HEIF photos (the ``ftyp`` box at offset 4).
_HEIF_BRANDS = frozenset({b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1"})
# The leading bytes that tell a picture or a PDF (a PDF's header may follow some bytes of junk; readers look that
# far for it): all that is read of a file too large to be a form.
LEADING_BYTES = 1024
# Files Windows and macOS leave in a folder of their own accord (thumbnails, view settings): never a rep's.
SYSTEM_FILES = frozenset({"thumbs.db", "desktop.ini", ".ds_store"})


def sent_instead(data: bytes) -> Message | None:
    """What ``data`` is when it is a picture, a PDF or a Word document (a form printed, scanned or copied into one);
    None for anything else."""
    for magic, kind in _PICTURES.items():
        if data.startswith(magic):
            return msg("a picture ({format})", format=kind)
    if data[4:8] == b"ftyp" and data[8:12] in _HEIF_BRANDS:
        return msg("a picture ({format})", format="HEIC")
    if data.startswith(ZIP_MAGIC):
        return msg("a Word document") if _is_word(data) else None
    # Not in a workbook's own bytes: a stored part of an .xlsx (or .xls) may well quote a PDF's header.
    if not data.startswith(OLE_MAGIC) and b"%PDF-" in data[:LEADING_BYTES]:
        return msg("a PDF")
    return None


def _is_word(data: bytes) -> bool:
    """Whether the zip package ``data`` is a Word document (.docx): its main part, from the zip's directory alone."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            return "word/document.xml" in package.namelist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return False  # a damaged zip is no document either: the screening says what is wrong with it


def ask_for_workbook(what: Message, rep: str) -> Message:
    """Why a file that is ``what`` is refused, and whom to ask for the form's workbook (``rep``, "" when unknown)."""
    if rep:
        return msg("{what}, not the form: ask {rep} for the workbook", what=what, rep=rep)
    return msg("{what}, not the form: ask the rep who sent it for the workbook", what=what)


def system_file(name: str) -> bool:
    """Whether ``name`` (a path under SOURCE) is a file Windows or macOS keeps beside a rep's files: a folder's
    thumbnails or view settings, or a Mac's resource copy (``._name``, ``__MACOSX/`` in a zip it made)."""
    base = name.rsplit("/", 1)[-1]
    return base.lower() in SYSTEM_FILES or base.startswith("._") or name.startswith("__MACOSX/")
