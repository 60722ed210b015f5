"""Adjustments (调账): the decisions taken on a reconciliation's differences, turned into the master's Adjustments.

Finance decides each difference line of the reconciliation workbook (DOMAIN.md, "Credit": 对账调账):

- **accept ours** (以我方为准): our books are right; the customer corrects theirs. Nothing changes here.
- **accept theirs** (以对方为准): the customer is right; our line is corrected by −difference.
- **write off** (核销): the difference is written off; our line is corrected by −difference as well.
- **in transit** (在途): a timing difference that the next period settles. Nothing changes here.

An adjustment names the document it corrects (our reference; theirs for a line only they have) and takes the
date of the line, so it lands in the same period: the ledger, the next statement and the next reconciliation
replay it (keyacct_xl.receivables.master_lines) and agree with the customer. Its natural key is the customer, the
reconciliation (their statement and its dates) and the line (our and their rows): applying the same decisions
again adds nothing, and ``undo`` takes one reconciliation's adjustments back out (unless a person's edit would be
lost with them: ``reconcile_undo``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pandas as pd

from keyacct_xl.cellformulas import formula_reader
from keyacct_xl.currency import CNY, Currency, Money
from keyacct_xl.errors import InputError
from keyacct_xl.fileio import master_write_lock
from keyacct_xl.i18n import Lang
from keyacct_xl.labels import HEADERS, RECONCILE_STATUS
from keyacct_xl.master.adjustments import ADJUSTMENTS, natural_keys
from keyacct_xl.master.model import Master
from keyacct_xl.master.reader import load_master
from keyacct_xl.master.writer import write_tables
from keyacct_xl.messages import Location, Message, Rendered, cell_text, listing, msg, tr
from keyacct_xl.parsing import ParseError, is_blank, parse_date, parse_money
from keyacct_xl.receivables.booked_elsewhere import Booked, booked_elsewhere
from keyacct_xl.receivables.master_lines import master_lines
from keyacct_xl.receivables.matching import OUTPUT_COLUMNS
from keyacct_xl.receivables.recon_record import (
    LINE_FACTS,
    Record,
    read_record,
    refuse_retyped_info,
    refuse_retyped_line,
    refuse_without_record,
)
from keyacct_xl.receivables.reconcile_undo import (
    adjustment_places,
    cells_listing,
    decision_compared,
    refuse_changed_by_hand,
    unlike_workbook,
)
from keyacct_xl.receivables.statement_reader import SheetCells, read_sheets
from keyacct_xl.xlsx.ooxml import column_letter

# Title Case in English, as the statuses beside them (labels.RECONCILE_STATUS); read back case-folded.
DECISIONS: dict[str, Message] = {
    "ours": msg("Accept Ours"),
    "theirs": msg("Accept Theirs"),
    "write_off": msg("Write Off"),
    "in_transit": msg("In Transit"),
}
ADJUSTING = ("theirs", "write_off")  # the decisions that change our books
DECISION_HEADERS: dict[str, Message] = {
    "decision": msg("Decision"),
    "approver": msg("Approver"),
    "decision_reason": msg("Reason for the decision"),
}
# The reconciliation's identity, written on its own sheet as label / value rows and read back by label.
INFO_SHEET = msg("Reconciliation info")
INFO_LABELS: dict[str, Message] = {"customer_id": msg("Customer ID"), "source": msg("Reconciliation")}
# The sheet and label as workbooks reconciled before 对账 replaced 对帐 name them: read back as their own.
EARLIER_INFO_SHEETS = ("对帐信息",)
EARLIER_INFO_LABELS = {"对帐来源": "source"}
# The results columns read back (all of OUTPUT_COLUMNS).
_READ = OUTPUT_COLUMNS
TITLE_ROWS_AT_MOST = 8  # the report's title block (company, title, period, blank) and rows a user inserted above
# The reconciliation workbook as finance saves it: in Excel or WPS (.xlsx), in LibreOffice (.ods, or .xls).
DECIDED_SUFFIXES = (".xlsx", ".ods", ".xls")


def decision_labels(lang: Lang) -> list[str]:
    """The decisions as the workbook's list offers them, in ``lang``."""
    return [label.render(lang) for label in DECISIONS.values()]


def _by_label(labels: Mapping[str, Message]) -> dict[str, str]:
    """Code per label in either language (English case-insensitive), so a zh workbook read in en still works."""
    return {label.render(lang).strip().casefold(): code for code, label in labels.items() for lang in ("zh", "en")}


def line_key(ours_row: object, theirs_row: object) -> str:
    """A difference line as our and their rows: ``销售明细!5 / 12`` (``-`` for a side without one)."""
    shown = [
        "-" if is_blank(r) else str(int(r)) if isinstance(r, float) and r.is_integer() else str(r).strip()
        for r in (ours_row, theirs_row)
    ]
    return " / ".join(shown)


@dataclass(frozen=True)
class DecidedLine:
    """One decided row of the workbook's results, as read back."""

    row: int  # the Excel row in the results sheet
    decision: str  # a DECISIONS code
    line: str  # line_key of the row
    ref: str  # the document the adjustment corrects
    date: pd.Timestamp | None  # the date an adjustment takes; None for a decision that books nothing
    before: float  # our amount of the line (0 when only they have it)
    difference: float  # ours − theirs
    approver: str
    reason: str
    documents: tuple[str, ...] = ()  # our documents the line is (its our references)
    ours_amount: float | None = None
    places: Mapping[str, Location] = field(default_factory=dict)  # the cells of its references and our amount


@dataclass(frozen=True)
class Decisions:
    """What a reconciliation workbook says: whose, which reconciliation, and the decided lines."""

    file: str
    customer_id: str
    source: str
    lines: list[DecidedLine]
    undecided: int  # difference lines without a decision
    # Our amount of every line the reconciliation recorded, decided or not (0 when only they have it): an undo names
    # the amount an adjustment is taken back to even on a line whose decision was cleared since.
    ours_amounts: Mapping[str, float] = field(default_factory=dict)
    # What an apply books for every line the reconciliation recorded, by its line key: the line's date, document
    # and amount, facts of the record that no decision changes; an undo holds the master's adjustments against them.
    booked_as: Mapping[str, BookedAs] = field(default_factory=dict)


@dataclass(frozen=True)
class BookedAs:
    """The cells an apply writes for a line from the reconciliation's record: ``date``, ``ref`` and ``amount``."""

    date: pd.Timestamp | None
    ref: str
    amount: float


def booked_as(facts: Mapping[str, str]) -> BookedAs:
    """What an apply books for a line with the recorded ``facts`` (fact_text of each LINE_FACTS): on our reference
    and date, else theirs (a line only they have), at minus the difference (ours − theirs), as ``_decided`` and
    ``adjustment_rows`` take them from the results sheet."""
    theirs_side = facts.get("status") == "only_theirs"
    ref = facts.get("theirs_ref" if theirs_side or not facts.get("ours_ref") else "ours_ref", "")
    day = facts.get("theirs_date" if theirs_side or not facts.get("ours_date") else "ours_date", "")
    amounts = [float(facts[key]) if facts.get(key) else 0.0 for key in ("ours_amount", "theirs_amount")]
    return BookedAs(pd.Timestamp(day) if day else None, ref.split(";")[0].strip(), round(amounts[1] - amounts[0], 2))


def read_decisions(path: Path) -> Decisions:
    """The decisions typed into the reconciliation workbook ``path`` (Excel, WPS or LibreOffice saved, as .xlsx,
    .ods or .xls)."""
    # Through the isolated, capped reader every submitted workbook goes through: it comes back from finance.
    sheets = {sheet.name: sheet for sheet in read_sheets(path, DECIDED_SUFFIXES, formulas=True)}
    cells = {name: sheet.cells for name, sheet in sheets.items()}
    info, places = _info(path, cells)
    record = read_record(cells)
    if record is None:
        refuse_without_record(path.name)
    refuse_retyped_info(record, info, places.__getitem__)
    results, at, first = _results_sheet(path, sheets)
    decided = _with_decision_formulas(path, results, at["decision"], first)
    lines, undecided = _decided(path, decided, at, first, record)
    ours = {
        line: 0.0
        if facts.get("status") == "only_theirs" or not facts.get("ours_amount")
        else float(facts["ours_amount"])
        for line, facts in record.lines.items()
    }
    booked = {line: booked_as(facts) for line, facts in record.lines.items()}
    return Decisions(path.name, info.get("customer_id", ""), info.get("source", ""), lines, undecided, ours, booked)


def _info(path: Path, sheets: Mapping[str, list[list[Any]]]) -> tuple[dict[str, str], dict[str, Location]]:
    """The label / value rows of the info sheet by key, and where each is (its earlier 对帐 labels read too); the
    reconciliation's name must be there, since it keeps the adjustments of one reconciliation apart from another's
    (their natural key)."""
    wanted = _by_label(INFO_LABELS) | EARLIER_INFO_LABELS
    names = {INFO_SHEET.render("zh"), INFO_SHEET.render("en"), *EARLIER_INFO_SHEETS}
    sheet = next((name for name in sheets if name in names), None)
    if sheet is None:
        raise InputError(
            msg(
                "{path}: no sheet {sheet}: not a reconciliation workbook of keyacct-xl reconcile",
                path=path,
                sheet=INFO_SHEET,
            )
        )
    info, cells = {}, {}
    for r, row in enumerate(sheets[sheet], start=1):
        if row and isinstance(row[0], str) and row[0].strip().casefold() in wanted:
            key = wanted[row[0].strip().casefold()]
            info[key] = "" if len(row) < 2 or is_blank(row[1]) else str(row[1]).strip()
            cells[key] = f"B{r}"
    places = {
        key: Location(path.name, sheet=sheet, cell=cells[key], header=label)
        if key in cells
        else Location(path.name, sheet=sheet)  # its label row deleted
        for key, label in INFO_LABELS.items()
    }
    if not info.get("source"):
        raise InputError(
            msg(
                "{where}: the reconciliation is not named; write back the name the reconciliation gave it (its "
                "statement and dates), which keeps its adjustments apart from other reconciliations'",
                where=places["source"],
            )
        )
    return info, places


def _results_sheet(path: Path, sheets: Mapping[str, SheetCells]) -> tuple[SheetCells, dict[str, int], int]:
    """The sheet whose header row (under the report's title block) holds the status and decision headers, those
    columns, and the 1-based row number of its first line."""
    headers = {**{k: HEADERS[k] for k in _READ}, **DECISION_HEADERS}
    by_header = _by_label(headers)
    for sheet in sheets.values():
        for r, row in enumerate(sheet.cells[: TITLE_ROWS_AT_MOST + 1]):
            at = {
                by_header[str(v).strip().casefold()]: c
                for c, v in enumerate(row)
                if isinstance(v, str) and str(v).strip().casefold() in by_header
            }
            if {"status", "difference", "decision"} <= at.keys():
                return sheet, at, r + 2
    raise InputError(
        msg(
            "{path}: no sheet has the columns {status}, {difference} and {decision}",
            path=path,
            status=HEADERS["status"],
            difference=HEADERS["difference"],
            decision=DECISION_HEADERS["decision"],
        )
    )


def _with_decision_formulas(path: Path, results: SheetCells, column: int, first: int) -> SheetCells:
    """``results`` knowing which of its decision cells hold a formula when it was saved as .ods or .xls (the reader
    finds an .xlsx's formulas itself): read from the file, since calamine gives the values only."""
    kind = path.suffix.lower().lstrip(".")
    if kind not in ("ods", "xls"):
        return results
    cells = [(r, column) for r in range(first - 1, len(results.cells))]
    found = formula_reader(kind, path.read_bytes(), None, results.name)(cells) or {}
    return replace(results, formulas=results.formulas | frozenset(found))


def _decided(
    path: Path, results: SheetCells, at: dict[str, int], first: int, record: Record
) -> tuple[list[DecidedLine], int]:
    """The decided lines of the results and the count of difference lines left undecided; a decided line's facts
    must be the ones the reconciliation listed (``record``) and its difference their own. Every bad row of the
    sheet is named in one error, so finance corrects them all before the next run."""
    labels = _by_label(DECISIONS), _by_label(RECONCILE_STATUS)
    lines, undecided, problems = [], 0, []
    for n, row in enumerate(results.cells[first - 1 :], start=first):
        try:
            read = _decided_row(path, results, at, record, labels, n, row)
        except InputError as error:
            problems.append(error.wording)
            continue
        if isinstance(read, DecidedLine):
            lines.append(read)
        else:
            undecided += int(read)
    if problems:  # as an undo names every cell it refuses: one error, the rows' problems listed
        raise InputError(problems[0] if len(problems) == 1 else cells_listing(problems))
    return lines, undecided


def _decided_row(
    path: Path,
    results: SheetCells,
    at: dict[str, int],
    record: Record,
    labels: tuple[Mapping[str, str], Mapping[str, str]],
    n: int,
    row: list[object],
) -> DecidedLine | bool:
    """Row ``n`` of the results as a decided line, else whether it is a difference left undecided (``labels``: the
    decision and the status codes by label)."""
    sheet = results.name
    codes, statuses = labels

    def cell(key: str) -> object:
        return row[at[key]] if key in at and at[key] < len(row) else None

    def where(key: str) -> Location:
        if key not in at:  # a column the user deleted: the row, and the header it should have
            return Location(path.name, sheet=sheet, row=n, header=cell_header(key))
        return Location(path.name, sheet=sheet, cell=f"{column_letter(at[key] + 1)}{n}", header=cell_header(key))

    if (n - 1, at["decision"]) in results.formulas:  # a formula's value is computed, and may not even be stored
        raise InputError(
            msg(
                "{where}: a decision is chosen, not computed: replace the formula by a decision",
                where=where("decision"),
            )
        )
    status = statuses.get(str(cell("status")).strip().casefold())
    if status is None and not is_blank(cell("decision")):  # a decision on a line it can no longer be told of
        raise InputError(
            msg(
                "{where}: a decision beside a status cell ({status}) that is blank or not a status; restore the "
                "status or clear the decision",
                where=where("decision"),
                status=f"{column_letter(at['status'] + 1)}{n}",
            )
        )
    if status is None:
        return False  # a blank row or a note a user typed below the table
    difference = _money(cell("difference"), where, "difference")
    decided = cell("decision")
    if is_blank(decided):
        return status != "matched" or bool(difference)
    code = codes.get(str(decided).strip().casefold())
    if code is None:
        raise InputError(
            msg(
                "{where}: {value} is not a decision; choose one of {choices}",
                where=where("decision"),
                value=cell_text(decided),
                choices=DecisionChoices(),
            )
        )
    undetermined = difference is None
    if difference is None:
        difference = _undetermined_difference(code, where("difference"))
    approver = "" if is_blank(cell("approver")) else str(cell("approver")).strip()
    if code in ADJUSTING and not approver:
        raise InputError(msg("{where}: a change to our books needs an approver", where=where("approver")))
    line = line_key(cell("ours_row"), cell("theirs_row"))
    shown = {key: status if key == "status" else cell(key) for key in LINE_FACTS}
    refuse_retyped_line(record, line, shown, where, Location(path.name, sheet, row=n))
    ours = _money(cell("ours_amount"), where, "ours_amount")
    if not undetermined:  # accepting ours without their amount: no difference of the line's own to hold
        theirs = _money(cell("theirs_amount"), where, "theirs_amount")
        _refuse_difference_not_its_own(difference, ours, theirs, where)
    only_theirs = status == "only_theirs"
    ref_key = "theirs_ref" if only_theirs or is_blank(cell("ours_ref")) else "ours_ref"
    ref = cell(ref_key)
    date_key = "theirs_date" if only_theirs or is_blank(cell("ours_date")) else "ours_date"
    return DecidedLine(
        row=n,
        decision=code,
        line=line,
        ref="" if is_blank(ref) else str(ref).split(";")[0].strip(),
        date=_booking_date(cell(date_key), code, where, date_key),
        before=0.0 if only_theirs else (ours or 0.0),
        difference=difference,
        approver=approver,
        reason="" if is_blank(cell("decision_reason")) else str(cell("decision_reason")).strip(),
        documents=_documents_of(cell("ours_ref")),
        ours_amount=ours,
        places={
            "ref": where(ref_key),
            "ours_ref": where("ours_ref"),
            "ours_amount": where("ours_amount"),
            "decision": where("decision"),
        },
    )


def _undetermined_difference(decision: str, where: Location) -> float:
    """The difference booked for a line whose difference is blank or unreadable (their amount could not be read):
    none for accepting ours, which needs no figure of theirs; any other decision needs it, and is refused."""
    if decision == "ours":
        return 0.0
    raise InputError(
        msg(
            "{where}: the difference is blank or unreadable (their amount could not be read), so {decision} has no "
            "amount to go by; decide {ours}, which needs no figure of theirs, or leave the decision blank until "
            "their amount is known",
            where=where,
            decision=DECISIONS[decision],
            ours=DECISIONS["ours"],
        )
    )


@dataclass(frozen=True)
class DecisionChoices(Rendered):
    """The decisions to choose from, in the reader's language only: 以我方为准、以对方为准、核销、在途."""

    def render(self, lang: Lang) -> str:
        """The workbook's list of decisions in ``lang``, as that language lists things."""
        return listing(decision_labels(lang)).render(lang)


def _documents_of(refs: object) -> tuple[str, ...]:
    """Our references of a line (several joined by ``;`` when the line is several of our documents)."""
    return () if is_blank(refs) else tuple(r.strip() for r in str(refs).split(";") if r.strip())


def _refuse_difference_not_its_own(difference: float, ours: float | None, theirs: float | None, where) -> None:
    """What a decision books is the line's difference, ours − theirs: a Difference cell saying anything else was
    retyped, and is refused rather than booked."""
    if round((ours or 0.0) - (theirs or 0.0), 2) != round(difference, 2):
        raise InputError(
            msg(
                "{where}: reads {typed:,.2f}, but our amount less theirs is {computed:,.2f}; the difference is the "
                "line's own, not typed: restore it",
                where=where("difference"),
                typed=difference,
                computed=round((ours or 0.0) - (theirs or 0.0), 2),
            )
        )


def cell_header(key: str) -> Message:
    """The header of a results column, for messages."""
    return DECISION_HEADERS.get(key) or HEADERS[key]


def _money(value: object, where, key: str) -> float | None:
    if is_blank(value):
        return None
    try:
        return round(parse_money(value), 2)
    except ParseError as exc:
        raise InputError(msg("{where}: {problem}", where=where(key), problem=exc.wording)) from None


def _booking_date(value: object, decision: str, where, key: str) -> pd.Timestamp | None:
    """The date the line's adjustment takes; none for a decision that books nothing (accept ours, in transit), so
    a line without a readable date of theirs (a 合计 row of their statement) can still be decided that way."""
    if decision not in ADJUSTING:
        return None
    try:
        return parse_date(value)
    except ParseError as exc:
        raise InputError(
            msg(
                "{where}: {problem}; {decision} books an adjustment on the line's date: leave this line's decision "
                "blank, or decide {ours} or {transit}, which book nothing",
                where=where(key),
                problem=exc.wording,
                decision=DECISIONS[decision],
                ours=DECISIONS["ours"],
                transit=DECISIONS["in_transit"],
            )
        ) from None


def adjustment_rows(decisions: Decisions, customer_id: str, *, applied_at: pd.Timestamp, lang: Lang) -> pd.DataFrame:
    """One Adjustments row per line decided ``accept theirs`` or ``write off`` with a difference."""
    rows = [
        {
            "date": line.date,
            "customer_id": customer_id,
            "ref": line.ref or None,
            "amount": round(-line.difference, 2),
            "decision": DECISIONS[line.decision].render(lang),
            "reason": line.reason or None,
            "approved_by": line.approver,
            "reconciliation": decisions.source,
            "line": line.line,
            "source_file": decisions.file,
            "source_row": line.row,
            "applied_at": applied_at,
        }
        for line in decisions.lines
        if line.decision in ADJUSTING and line.difference
    ]
    frame = pd.DataFrame(rows, columns=ADJUSTMENTS.keys)
    return frame.astype({"date": "datetime64[ns]", "applied_at": "datetime64[ns]", "amount": "float64"}).astype(
        {"source_row": "Int64"}
    )


@dataclass(frozen=True)
class Change:
    """One adjustment added or taken out: the document, our amount before and after, the decision."""

    ref: str
    line: str
    before: float
    after: float
    decision: str


@dataclass(frozen=True)
class ReconcileApplied:
    """What ``reconcile apply`` did to the master (or would have, when nothing changed)."""

    master: Path
    customer_id: str
    source: str
    added: list[Change] = field(default_factory=list)
    removed: list[Change] = field(default_factory=list)
    already: int = 0  # decided lines whose adjustment the master already holds
    booked: list[Booked] = field(default_factory=list)  # of those, the ones another reconciliation booked
    kept: dict[str, int] = field(default_factory=dict)  # decisions that change nothing here, by code
    undecided: int = 0
    balance_before: float = 0.0
    balance_after: float = 0.0
    undo: bool = False  # the run took the reconciliation's adjustments out
    # decisions, reasons and approvers of the adjustments taken out that the workbook does not hold
    unlike_workbook: list[Message] = field(default_factory=list)
    adjustments_sheet: str = ""  # the master's Adjustments sheet as its file names it
    currency: Currency = CNY  # the master's book currency: the amounts' symbol

    def summary(self, lang: Lang) -> str:
        """The changes, one line each, after a line of counts; then the cells taken out unlike the workbook."""
        head = tr(
            lang,
            "reconcile apply {master}: customer {customer}, {added} adjustment(s) added, {removed} taken out, "
            "{already} already applied, {ours} accepted as ours, {transit} in transit, {undecided} undecided; "
            "balance ¥{before:,.2f} → ¥{after:,.2f}",
            master=self.master.name,
            customer=self.customer_id,
            added=len(self.added),
            removed=len(self.removed),
            already=self.already,
            ours=self.kept.get("ours", 0),
            transit=self.kept.get("in_transit", 0),
            undecided=self.undecided,
            before=Money(self.balance_before, self.currency),
            after=Money(self.balance_after, self.currency),
        )
        changes = [
            tr(
                lang,
                "  {sign} {ref} ({line}): ¥{before:,.2f} → ¥{after:,.2f} ({decision})",
                sign=sign,
                ref=c.ref or "-",
                line=c.line,
                before=Money(c.before, self.currency),
                after=Money(c.after, self.currency),
                decision=c.decision,
            )
            for sign, group in (("+", self.added), ("−", self.removed))
            for c in group
        ]
        booked = [b.render(lang) for b in self.booked]
        return "\n".join([head, *changes, *booked, *self._unlike_workbook(lang), *self._next_step(lang)])

    def _unlike_workbook(self, lang: Lang) -> list[str]:
        """A heading and a line per decision, reason or approver taken out that the workbook does not hold."""
        if not self.unlike_workbook:
            return []
        heading = tr(
            lang,
            "  {count:,} cell(s) of the adjustments taken out held what the workbook does not (typed in sheet {sheet} "
            "since the apply, or retyped in the workbook):",
            count=len(self.unlike_workbook),
            sheet=self.adjustments_sheet,
        )
        return [heading, *(f"  {cell.render(lang)}" for cell in self.unlike_workbook)]

    def _next_step(self, lang: Lang) -> list[str]:
        """What finance does about the lines left without a decision: where to type one, and to apply again; after an
        undo that found nothing, that nothing of the reconciliation was in the master."""
        if self.undo:
            return (
                []
                if self.removed
                else [tr(lang, "  the master holds no adjustment of this reconciliation: nothing taken out")]
            )
        if not self.undecided:
            return []
        step = tr(
            lang,
            "  next: {count} difference line(s) have no decision: choose one in the {column} column of the {sheet} "
            "sheet ({choices}), type the {approver} for a change to our books, save and run reconcile apply again",
            count=self.undecided,
            column=DECISION_HEADERS["decision"],
            sheet=msg("Results"),
            choices=DecisionChoices(),
            approver=DECISION_HEADERS["approver"],
        )
        return [step]


def customer_balance(master: Master, customer_id: str) -> float:
    """Invoiced − paid ± adjustments of one customer (what the ledger's balance sums to)."""

    def total(frame: pd.DataFrame) -> float:
        mine = frame["customer_id"].astype(str).str.strip() == customer_id
        return float(frame.loc[mine.to_numpy(), "amount"].sum())

    return round(total(master.transactions) - total(master.payments) + total(master.adjustments), 2) or 0.0


def run_reconcile_apply(
    recon: Path,
    master_path: Path,
    *,
    applied_at: pd.Timestamp,
    customer_id: str | None = None,
    undo: bool = False,
) -> ReconcileApplied:
    """``reconcile apply``: the workbook's adjusting decisions added to the master's Adjustments (or, with
    ``undo``, taken back out); saved with a backup only when something changed."""
    decisions = read_decisions(Path(recon))
    with master_write_lock(Path(master_path)):  # no other run may change the master between reading and saving
        master = load_master(master_path)
        customer = _customer(decisions, customer_id, master, Path(recon))
        documents = {} if undo else _customer_documents(master, customer, decisions.source)
        if not undo:
            _refuse_lines_not_in_master(master, customer, decisions, documents)
        new = adjustment_rows(decisions, customer, applied_at=applied_at, lang=master.lang)
        existing = master.adjustments
        held = natural_keys(existing)
        if not undo:
            _refuse_changed_decisions(existing, new, decisions, customer)
        fresh = pd.Series([k not in held for k in natural_keys(new)], index=new.index, dtype=bool)
        currency = master.settings.book_currency
        booked = {} if undo else booked_elsewhere(existing, new[fresh], decisions, customer, documents, currency)
        fresh &= ~new.index.isin(list(booked))
        before = customer_balance(master, customer)
        if undo:
            # Every adjustment of this reconciliation, a line whose decision was cleared since included.
            mine = (customer.strip(), decisions.source.strip())
            drop = pd.Series([k[:2] == mine for k in held], index=existing.index, dtype=bool)
            changed = existing[drop]
            refuse_changed_by_hand(master, drop.to_numpy(), decisions, Path(master_path).name)
            unlike = unlike_workbook(master, drop.to_numpy(), new)
            written = existing[~drop]  # each row under the label it was read at: its cells are kept as typed
        else:
            changed, unlike = new[fresh], []
            written = pd.concat([existing, changed], ignore_index=True) if len(changed) else existing
        if len(changed):
            where = master.rows.get(ADJUSTMENTS.name)
            write_tables(
                master_path,
                {ADJUSTMENTS: written},
                lang=master.lang,
                headers={ADJUSTMENTS.name: master.headers.get(ADJUSTMENTS.name, {})},
                rows={ADJUSTMENTS.name: where} if where is not None else None,
                off_kind=master.off_kind,
                currency=currency,
            )
        master.adjustments = written.reset_index(drop=True)
        changes = _changes(changed, decisions, undo)
        kept = pd.Series([line.decision for line in decisions.lines if line.decision not in ADJUSTING])
        return ReconcileApplied(
            Path(master_path),
            customer,
            decisions.source,
            added=[] if undo else changes,
            removed=changes if undo else [],
            already=0 if undo else int((~fresh).sum()),
            booked=list(booked.values()),
            kept={str(k): int(v) for k, v in kept.value_counts().items()},
            undecided=decisions.undecided,
            balance_before=before,
            balance_after=customer_balance(master, customer),
            undo=undo,
            unlike_workbook=unlike,
            adjustments_sheet=adjustment_places(master).sheet,
            currency=currency,
        )


def _customer(decisions: Decisions, given: str | None, master: Master, recon: Path) -> str:
    customer = (given or decisions.customer_id or "").strip()
    if not customer:
        raise InputError(msg("{path}: the reconciliation names no customer; give --customer ID", path=recon))
    if decisions.customer_id and given and given.strip() != decisions.customer_id:
        raise InputError(
            msg(
                "{path}: the reconciliation is customer {theirs}'s, not {given}",
                path=recon,
                theirs=decisions.customer_id,
                given=given,
            )
        )
    if not (master.customers["customer_id"].astype(str).str.strip() == customer).any():
        raise InputError(msg("{path}: customer {cid} is not in the Customers table", path=master.path, cid=customer))
    return customer


def _refuse_lines_not_in_master(
    master: Master, customer: str, decisions: Decisions, documents: Mapping[str, float]
) -> None:
    """Each line that changes our books must be the customer's as the master holds it now: its documents the
    customer's (an adjustment on another customer's document would move that customer's balance), and our amount
    the master's amount of those documents, leaving out this reconciliation's own adjustments (applied before, they
    are this reconciliation's, not a change since); ``documents`` are the customer's (``_customer_documents``)."""
    for line in decisions.lines:
        if line.decision not in ADJUSTING or not line.difference:
            continue
        for ref in {*line.documents, line.ref} - {""}:
            if ref not in documents and (ref in line.documents or _owners(master, ref) - {customer}):
                _refuse_document(master, customer, ref, line.places["ours_ref" if ref in line.documents else "ref"])
        if line.documents and line.ours_amount is not None:
            now = round(sum(documents[ref] for ref in line.documents), 2)
            if now != round(line.ours_amount, 2):
                raise InputError(
                    msg(
                        "{where}: reads {typed:,.2f}, but the master's amount of {refs} is now {now:,.2f}; reconcile "
                        "again and decide on the new workbook",
                        where=line.places["ours_amount"],
                        typed=line.ours_amount,
                        refs=listing(line.documents),
                        now=now,
                    )
                )


def _customer_documents(master: Master, customer: str, source: str) -> dict[str, float]:
    """The customer's documents in the master now and their amounts, as the reconciliation's our side lists them,
    without this reconciliation's own adjustments."""
    held = [master.transactions["customer_id"], master.payments["customer_id"]]
    if not any((ids.astype(str).str.strip() == customer).any() for ids in held):
        return {}
    adj = master.adjustments
    own = (adj["customer_id"].astype(str).str.strip() == customer) & (
        adj["reconciliation"].astype(str).str.strip() == source.strip()
    )
    lines = master_lines(replace(master, adjustments=adj[~own.to_numpy()].reset_index(drop=True)), customer).lines
    named = lines[lines["ref"].astype(str).str.strip() != ""]
    return {str(ref).strip(): round(float(amount), 2) for ref, amount in named.groupby("ref")["amount"].sum().items()}


def _owners(master: Master, ref: str) -> set[str]:
    """The customers whose invoices or receipts carry the document number ``ref``."""
    owners: set[str] = set()
    for frame, column in ((master.transactions, "doc_no"), (master.payments, "receipt_no")):
        mine = frame[column].astype(str).str.strip() == ref
        owners |= set(frame.loc[mine.to_numpy(), "customer_id"].astype(str).str.strip())
    return owners


def _refuse_document(master: Master, customer: str, ref: str, where: Location) -> None:
    """A line's document that is not the customer's in the master now: another customer's, or no longer there."""
    others = sorted(_owners(master, ref) - {customer})
    if others:
        raise InputError(
            msg(
                "{where}: document {ref} is customer {owners}'s in the master, not {customer}'s; an adjustment on it "
                "would change the wrong customer's balance",
                where=where,
                ref=ref,
                owners=listing(others),
                customer=customer,
            )
        )
    raise InputError(
        msg(
            "{where}: document {ref} is not among customer {customer}'s lines in the master now; reconcile again "
            "and decide on the new workbook",
            where=where,
            ref=ref,
            customer=customer,
        )
    )


def _refuse_changed_decisions(existing: pd.DataFrame, new: pd.DataFrame, decisions: Decisions, customer: str) -> None:
    """A line applied before must come again with the same amount and decision: one changed (or now decided not to
    change our books) is refused (undo the reconciliation's adjustments first), never kept at its old value or added
    twice."""
    applied = {
        key: (round(float(amount), 2), decision_compared(decision))
        for key, amount, decision in zip(natural_keys(existing), existing["amount"], existing["decision"])
    }
    changed = [
        line
        for key, amount, decision, line in zip(natural_keys(new), new["amount"], new["decision"], new["line"])
        if key in applied and applied[key] != (round(float(amount), 2), decision_compared(decision))
    ]
    reconciliation = (customer.strip(), decisions.source.strip())
    changed += [
        line.line
        for line in decisions.lines
        if line.decision not in ADJUSTING and (*reconciliation, line.line.strip()) in applied
    ]
    # A line applied before whose decision is now blank: its adjustment would stay in the books unseen.
    decided = {line.line.strip() for line in decisions.lines}
    changed += [key[2] for key in applied if key[:2] == reconciliation and key[2] not in decided]
    if changed:
        raise InputError(
            msg(
                "{path}: line(s) {lines} were applied before with another decision or amount; take this "
                "reconciliation's adjustments back out (reconcile apply --undo) and apply it again",
                path=decisions.file,
                lines=listing(changed),
            )
        )


def _changes(rows: pd.DataFrame, decisions: Decisions, undo: bool) -> list[Change]:
    before = {**decisions.ours_amounts, **{line.line: line.before for line in decisions.lines}}
    out = []
    for ref, line, amount, decision in zip(rows["ref"], rows["line"], rows["amount"].tolist(), rows["decision"]):
        was = before.get(str(line), 0.0)
        after = round(was + amount, 2)
        shown = "" if is_blank(ref) else str(ref)
        out.append(Change(shown, str(line), after if undo else was, was if undo else after, str(decision)))
    return out
