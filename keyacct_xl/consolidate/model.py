"""What flows through a consolidation run: cells read from a form, checked rows, issues and file outcomes.

Plain picklable dataclasses, so files can be read and checked in worker processes (``--jobs``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from keyacct_xl.cellcomments import CellComment
from keyacct_xl.i18n import Lang
from keyacct_xl.messages import Bilingual, Message, Rendered, cmsg, shown
from keyacct_xl.xlsx.ooxml import column_letter

Severity = Literal["error", "warning"]
Status = Literal["accepted", "partial", "needs_review", "rejected", "duplicate", "skipped", "statement"]
STATUSES: tuple[Status, ...] = (
    "accepted",
    "partial",
    "needs_review",
    "rejected",
    "duplicate",
    "skipped",
    "statement",
)
STATUS_LABELS: dict[str, Message] = {
    "accepted": cmsg("consolidation status", "accepted"),
    "partial": cmsg("consolidation status", "partial"),
    "needs_review": cmsg("consolidation status", "needs review"),
    "rejected": cmsg("consolidation status", "rejected"),
    "duplicate": cmsg("consolidation status", "duplicate"),
    "skipped": cmsg("consolidation status", "form not selected"),
    # a customer's returned account statement: not merged, it starts a reconciliation (consolidate.statements)
    "statement": cmsg("consolidation status", "returned statement"),
}


def texts(message: Rendered) -> tuple[str, str]:
    """A catalog message as the (en, zh) texts that an Issue, a rejection or a review reason carries."""
    return message.en, message.zh


@dataclass(frozen=True)
class CellValue:
    """A raw cell as read: value, sheet and A1 reference."""

    value: object
    sheet: str
    ref: str


@dataclass
class TableRows:
    """A form table as read: its sheet, each field's 0-based sheet column, and (sheet row, cell values) rows."""

    sheet: str
    columns: dict[str, int]
    rows: list[tuple[int, list[object]]]
    area: range = range(0)  # the sheet rows (1-based) of its body, blank lines included: all read as its lines
    # sheet row -> (A1 range, field keys) of a range merged across several of its columns (consolidate.tablemerges)
    merged_across: dict[int, tuple[str, tuple[str, ...]]] = field(default_factory=dict)
    # sheet rows read as lines though under the table's range (LibreOffice and WPS do not grow a table typed under)
    below: tuple[int, ...] = ()

    def ref(self, key: str, row: int) -> str:
        """The A1 reference of field ``key`` on sheet row ``row``."""
        return f"{column_letter(self.columns[key] + 1)}{row}"


@dataclass
class Extracted:
    """A recognized form: which spec, how it was recognized, its header fields and table rows as raw cells."""

    form_id: str
    version: int
    meta: dict[str, str]
    header: dict[str, CellValue]
    tables: dict[str, TableRows]  # by section id
    warnings: list[tuple[str, str]] = field(default_factory=list)
    outside: list[CellValue] = field(default_factory=list)  # cells with text outside the fields (consolidate.outside)
    comments: list[CellComment] = field(default_factory=list)  # comments on its cells (keyacct_xl.cellcomments)
    totals: list[ChangedTotal] = field(default_factory=list)  # totals typed over or changed (consolidate.totals)
    formulas: list[FormulaCell] = field(default_factory=list)  # text cells holding a formula (typedformulas)
    lost_formulas: frozenset[tuple[str, str]] = frozenset()  # (sheet, ref) of computed cells holding no formula
    company: str = ""  # the company the form was made for: its _meta's, else its title block's first line


@dataclass(frozen=True)
class FormulaCell:
    """A field's cell that held a formula: the field's label, the cell with the value it showed, the formula's text
    as the file keeps it ("" when the file's format does not give it back), and whether that text is what is stored
    (a text field's) rather than the value shown (any other field's)."""

    label: Bilingual | str
    cell: CellValue
    formula: str
    as_text: bool = True


@dataclass(frozen=True)
class ChangedTotal:
    """A table's total that no longer sums the table's column as the form wrote it: a value typed over the formula
    (``formula`` ""), or another formula; ``ours`` is the form's formula for the lines as they now stand. A total
    holding a formula whose text the file does not give back (``unread``) is not known to be the form's: it is
    reported as not checked, never taken as unchanged."""

    section: str
    key: str
    cell: CellValue
    formula: str
    ours: str
    unread: bool = False


@dataclass(frozen=True)
class Issue:
    """One problem found in a file: where (sheet, cell), which field, the value and why.

    Why is kept as its message, rendered when shown, so that a report hiding personal values can tell it without
    the value or anything taken from it (``messages.withheld``).
    """

    file: str
    sheet: str
    cell: str
    # The field as the form or the master names it, in both languages (a form label, a master column), so the
    # report shows it in its own language whatever the form's; a name known in one language only (the key of a
    # field an older version had) as it was found; "" for a problem of the whole file.
    field: Bilingual | str
    value: str
    reason: Rendered
    severity: Severity = "error"

    @property
    def en(self) -> str:
        """Why, in English."""
        return self.reason.en

    @property
    def zh(self) -> str:
        """Why, in Chinese."""
        return self.reason.zh

    def field_label(self, lang: Lang) -> str:
        """The field's name as a reader of ``lang`` knows it."""
        return str(shown(self.field, lang))

    @property
    def whole_file(self) -> bool:
        """Whether the issue is about the whole file: no sheet, cell or field of it (``FileOutcome.warn``)."""
        return not (self.sheet or self.cell or self.field)


@dataclass
class CheckedRow:
    """A table row after checking: typed values by field key, its sheet row, and whether it may be merged."""

    section: str
    sheet: str
    row: int
    values: dict[str, object]
    ok: bool = True
    refs: dict[str, str] = field(default_factory=dict)  # field key -> A1 reference, for messages


@dataclass
class FileOutcome:
    """Everything a run learns about one file, in the order the pipeline fills it in."""

    name: str
    sha256: str = ""
    size: int = 0
    status: Status = "rejected"
    code: str = ""
    reason_en: str = ""
    reason_zh: str = ""
    form_id: str = ""
    form_lang: str = ""  # the language the form's _meta records: its quarantine note goes back to the rep in it
    version: int = 0
    rep: str = ""
    meta_rep: str = ""  # the rep the form was generated for (hidden _meta), when it names one
    company: str = ""  # the company the form was made for (Extracted.company), when it names one
    period: str = ""
    key: str = ""
    header: dict[str, object] = field(default_factory=dict)
    header_cells: dict[str, tuple[str, str]] = field(default_factory=dict)  # field key -> (sheet, A1), for messages
    # "sheet!A1" -> a customer cell's whole text when it holds more than the id read from it (a dropdown's
    # "id name"): the id is its first word until the master's ids are known (references.as_the_entry_names)
    customer_entries: dict[str, str] = field(default_factory=dict)
    rows: list[CheckedRow] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)
    rows_added: int = 0
    rows_updated: int = 0
    corrects: str = ""  # the earlier file of the same form instance this one corrects
    review: list[tuple[str, str]] = field(default_factory=list)  # why a person must decide (en, zh)

    def reject(self, code: str, reason: Rendered) -> FileOutcome:
        """Mark the whole file rejected with a reason (a message, as an Issue's); returns self for chaining."""
        self.status, self.code, self.reason_en, self.reason_zh = "rejected", code, reason.en, reason.zh
        return self

    def hold_for_review(self, en: str, zh: str) -> None:
        """Add a reason this file must wait for a person's decision (``consolidate --accept/--reject``)."""
        self.review.append((en, zh))
        if self.status in ("accepted", "partial", "needs_review"):
            self.status, self.code = "needs_review", "needs_review"
            self.reason_en = "; ".join(en for en, _ in self.review)
            self.reason_zh = "；".join(zh for _, zh in self.review)

    def warn(self, reason: Rendered) -> None:
        """Add a warning about the whole file (no sheet, cell or field): its data is kept."""
        self.issues.append(Issue(self.name, "", "", "", "", reason, "warning"))

    def settled_status(self) -> Status:
        """The status the file's own content earns: partial when some cell or line has an error."""
        return "partial" if self.errors else "accepted"

    @property
    def errors(self) -> list[Issue]:
        """The issues that reject a row or the file."""
        return [i for i in self.issues if i.severity == "error"]

    @property
    def warnings(self) -> list[Issue]:
        """The issues that keep the file's data: a value read another way, text outside the fields, ..."""
        return [i for i in self.issues if i.severity == "warning"]
