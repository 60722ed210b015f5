"""Cell formats of a form: locked grey labels, unlocked tinted inputs, typed number formats.

Formats are created once per workbook in a fixed order, so the same form gives the same styles.xml.
"""

from __future__ import annotations

from typing import Any

from xlsxwriter.format import Format
from xlsxwriter.workbook import Workbook

from keyacct_xl.forms.layout import FormLang
from keyacct_xl.master.writer import DATE_FORMAT, MONEY_FORMAT

# Excel's default fonts: 等线 for a form with Chinese text (LibreOffice substitutes a CJK font when it is missing);
# Calibri for an English one, whose rep saw 等线 in the font box (LibreOffice prints it as the metric-equal Carlito).
FONTS: dict[FormLang, str] = {"zh": "等线", "bilingual": "等线", "en": "Calibri"}
INPUT_FILL = "#FFF8E1"
LABEL_FILL = "#EEF2F7"
SECTION_FILL = "#DCE6F1"
BORDER_COLOR = "#8EA9C1"
NUMBER_FORMATS = {
    "integer": "0",
    "number": "#,##0.00",
    "money": MONEY_FORMAT,
    "percent": "0.0%",
    "date": DATE_FORMAT,
    "time": "hh:mm",
    "text": "@",
    "phone": "@",
    "email": "@",
    "signature": "@",
    "choice": "@",
    "multi_choice": "@",
    "yes_no": "@",
}
_BASE = {"font_size": 10, "valign": "vcenter"}
_BOX = {"border": 1, "border_color": BORDER_COLOR}


class FormFormats:
    """The formats one form workbook uses, created on first use and cached by role."""

    def __init__(self, book: Workbook, lang: FormLang) -> None:
        self._book = book
        self._font = FONTS[lang]
        self._cache: dict[tuple[str, str, bool], Format] = {}

    def _make(self, key: tuple[str, str, bool], props: dict[str, Any]) -> Format:
        if key not in self._cache:
            self._cache[key] = self._book.add_format({"font_name": self._font, **_BASE, **props})
        return self._cache[key]

    def company(self) -> Format:
        """The company name above the title: unlocked, so a company can put its name into a blank template."""
        return self._make(("company", "", False), {"bold": True, "font_size": 12, "align": "center", "locked": False})

    def title(self) -> Format:
        """The form title."""
        return self._make(("title", "", False), {"bold": True, "font_size": 18, "align": "center"})

    def subtitle(self) -> Format:
        """Form number and version under the title."""
        return self._make(("subtitle", "", False), {"font_size": 8, "font_color": "#595959", "align": "right"})

    def section(self) -> Format:
        """A section heading bar."""
        return self._make(
            ("section", "", False),
            {"bold": True, "font_size": 11, "bg_color": SECTION_FILL, "bottom": 2, "bottom_color": BORDER_COLOR},
        )

    def label(self) -> Format:
        """A locked label cell."""
        return self._make(("label", "", False), {**_BOX, "bg_color": LABEL_FILL, "text_wrap": True, "locked": True})

    def required_mark(self) -> Format:
        """The red asterisk in front of a required label (rich-string fragment)."""
        return self._make(("mark", "", False), {"font_color": "#C00000", "bold": True})

    def input(self, kind: str, *, multiline: bool = False, num_format: str | None = None) -> Format:
        """An unlocked, tinted input cell with the number format of ``kind`` (or the spec's ``format``)."""
        code = num_format or NUMBER_FORMATS[kind]
        props = {
            **_BOX,
            "bg_color": INPUT_FILL,
            "locked": False,
            "num_format": code,
            "align": "left" if kind in ("text", "phone", "email", "signature", "choice", "multi_choice") else "",
        }
        if multiline:
            props.update(text_wrap=True, valign="top")
        return self._make(("input", f"{kind}|{code}", multiline), {k: v for k, v in props.items() if v != ""})

    def table_cell(self, kind: str, num_format: str | None = None) -> Format:
        """An unlocked, tinted body cell of a repeating table."""
        code = num_format or NUMBER_FORMATS[kind]
        return self._make(
            ("cell", f"{kind}|{code}", False),
            {
                **_BOX,
                "locked": False,
                "num_format": code,
                "bg_color": INPUT_FILL,
                "text_wrap": kind in ("text", "multi_choice"),
            },
        )

    def computed(self, kind: str, num_format: str | None = None) -> Format:
        """A locked cell holding a formula."""
        code = num_format or NUMBER_FORMATS[kind]
        return self._make(
            ("computed", f"{kind}|{code}", False), {**_BOX, "locked": True, "bg_color": "#F2F2F2", "num_format": code}
        )

    def header(self) -> Format:
        """A table header cell."""
        return self._make(
            ("header", "", False),
            {
                "bold": True,
                "text_wrap": True,
                "align": "center",
                "font_color": "#FFFFFF",
                "bg_color": "#4F81BD",
                **_BOX,
            },
        )

    def total_label(self) -> Format:
        """The 合计 label left of a totals row."""
        return self._make(("total_label", "", False), {**_BOX, "bold": True, "align": "right", "locked": True})

    def note(self) -> Format:
        """Notes printed under the form."""
        return self._make(("note", "", False), {"font_size": 9, "text_wrap": True, "valign": "top"})

    def plain(self) -> Format:
        """Plain text on the instructions and meta sheets."""
        return self._make(("plain", "", False), {"text_wrap": True, "valign": "top", **_BOX})
