"""The message catalog: extract the messages the code uses, update the zh ``.po`` with them, compile the ``.mo``.

``python .ci/catalog.py`` extracts every ``msg("...")`` and ``tr(lang, "...")`` of keyacct_xl with Babel, adds new
messages to ``keyacct_xl/locale/zh/LC_MESSAGES/keyacct_xl.po`` with an empty translation, drops messages the code
no longer uses, keeps every translation, and compiles the ``.mo`` the package ships. It prints the messages still
untranslated; translate them in the ``.po`` and run it again. tests/test_messages.py fails while any is missing
or stale, or the ``.mo`` differs from the ``.po``.
"""

from __future__ import annotations

import sys
from datetime import datetime, timezone
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "keyacct_xl"
PO = PACKAGE / "locale" / "zh" / "LC_MESSAGES" / "keyacct_xl.po"
MO = PO.with_suffix(".mo")
# The functions that take a msgid (keyacct_xl/messages.py): msg(msgid, ...), tr(lang, msgid, ...) and
# cmsg(context, msgid, ...).
KEYWORDS = {"msg": None, "tr": (2,), "cmsg": ((1, "c"), 2)}
COMMENT_TAG = "Translators:"
HEADER_COMMENT = (
    "# Chinese (Simplified) messages of keyacct-xl.\n"
    "# Written by .ci/catalog.py from the messages the code uses; translate the empty msgstr entries."
)
# Fixed dates in the header, so a catalog changes only when its messages do.
FIXED_DATE = datetime(2026, 11, 30, tzinfo=timezone.utc)


def extract() -> Catalog:
    """Every message the code uses, with the files that use it and the translators' comments."""
    found = Catalog(project="keyacct-xl", creation_date=FIXED_DATE, revision_date=FIXED_DATE)
    for filename, lineno, msgid, comments, context in extract_from_dir(
        PACKAGE, keywords=KEYWORDS, comment_tags=[COMMENT_TAG], strip_comment_tags=True
    ):
        found.add(msgid, locations=[(f"keyacct_xl/{filename}", lineno)], auto_comments=comments, context=context)
    return found


def read_catalog(path: Path = PO) -> Catalog:
    """The zh catalog as it is in the repository."""
    with path.open("rb") as file:
        return read_po(file, locale="zh_Hans_CN", domain="keyacct_xl")


def updated(current: Catalog, used: Catalog) -> Catalog:
    """``used``'s messages with ``current``'s translations (new ones empty); messages no longer used are gone."""
    catalog = Catalog(
        locale="zh_Hans_CN",
        domain="keyacct_xl",
        header_comment=HEADER_COMMENT,
        project="keyacct-xl",
        creation_date=FIXED_DATE,
        revision_date=FIXED_DATE,
        last_translator="keyacct-xl maintainers",
        language_team="keyacct-xl maintainers",
        fuzzy=False,
    )
    for message in used:
        if message.id:
            known = current.get(message.id, message.context)
            catalog.add(
                message.id,
                known.string if known else "",
                locations=message.locations,
                auto_comments=message.auto_comments,
                context=message.context,
            )
    return catalog


def write(catalog: Catalog) -> None:
    """The ``.po`` (sorted by msgid, files without line numbers: edits elsewhere do not touch it) and the ``.mo``."""
    PO.parent.mkdir(parents=True, exist_ok=True)
    with PO.open("wb") as file:
        write_po(file, catalog, width=120, sort_output=True, include_lineno=False, omit_header=False)
    with MO.open("wb") as file:
        write_mo(file, catalog)


def main() -> int:
    """Update and compile the zh catalog; 1 while a message has no translation."""
    catalog = updated(read_catalog() if PO.exists() else Catalog(), extract())
    write(catalog)
    missing = [m.id for m in catalog if m.id and not m.string]
    print(f"{PO.relative_to(ROOT)}: {len(catalog)} messages, {len(missing)} untranslated", *missing, sep="\n  ")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
