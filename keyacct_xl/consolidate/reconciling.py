"""Reconciling a customer's statement with our books (对账) as every front end runs it: the CLI and the ribbon.

The customer's side is read once: their own books in any layout the statement reader knows, our customer statement
returned (known by its marker sheet, read in our perspective), or our statement form sent back signed, which is then
read by its fields (its confirmation block is no line of theirs) and its note under 差异说明 leads the
reconciliation's notes. A master workbook is no customer's statement and is refused as theirs. Our side is the
master's ledger for the customer over the statement's period, or a statement file of ours. A reconciliation workbook
finance has typed decisions into is never written over by reconciling again: its decisions go into the master with
``reconcile apply``.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, replace
from pathlib import Path

import pandas as pd

from keyacct_xl.consolidate.recognize import meta_rows
from keyacct_xl.consolidate.statements import (
    RETURNED_FORM,
    ReturnedStatement,
    read_returned,
    returned_lines,
)
from keyacct_xl.currency import CNY, Currency, Money
from keyacct_xl.errors import InputError, KeyacctError
from keyacct_xl.fileio import refuse_writing_over
from keyacct_xl.forms.layout import META_SHEET
from keyacct_xl.i18n import Lang
from keyacct_xl.master.reader import is_master_workbook, load_master
from keyacct_xl.master.schema import TABLES_BY_NAME
from keyacct_xl.messages import msg, tr
from keyacct_xl.receivables.adjustments import read_decisions
from keyacct_xl.receivables.master_lines import statement_period
from keyacct_xl.receivables.matching import MatchOptions
from keyacct_xl.receivables.reconcile import Reconciliation, status_counts
from keyacct_xl.receivables.reconcile_report import reconciliation_files
from keyacct_xl.receivables.reconcile_usecase import reconcile_and_write, reconcile_with_master
from keyacct_xl.receivables.statement_dates import Period
from keyacct_xl.receivables.statement_reader import (
    SUFFIXES,
    Perspective,
    SheetCells,
    Statement,
    read_sheets,
    read_statement,
    statement_from_sheets,
)
from keyacct_xl.receivables.statements import MARKER_SHEET, statement_marker


@dataclass(frozen=True)
class ReconcileRun:
    """One reconciliation: the match and the workbook written."""

    result: Reconciliation
    path: Path
    currency: Currency = CNY  # the master's book currency (CNY when ours is a statement file)

    def summary(self, lang: Lang) -> str:
        """The report's path, the count per status and the balances; the notes below, each indented."""
        line = tr(
            lang,
            "reconciliation: {out} ({shown}; ours ¥{ours_closing:,.2f}, theirs ¥{theirs_closing:,.2f}, "
            "unexplained ¥{remainder:,.2f}, {problems_count} unreadable values)",
            out=self.path,
            shown=status_counts(self.result.table, lang),
            ours_closing=Money(self.result.ours_closing, self.currency),
            theirs_closing=Money(self.result.theirs_closing, self.currency),
            remainder=Money(self.result.remainder, self.currency),
            problems_count=len(self.result.problems),
        )
        # a note's own lines (typed with Alt+Enter) stay under it
        return "\n".join([line, *("  " + note.replace("\n", "\n    ") for note in self.result.notes)])


def run_reconciliation(
    theirs_path: Path,
    ours_path: Path,
    out: Path,
    *,
    customer_id: str = "",
    perspective: Perspective = "customer",
    start: pd.Timestamp | None = None,
    end: pd.Timestamp | None = None,
    options: MatchOptions | None = None,
    lang: Lang,
) -> ReconcileRun:
    """Reconcile the statement at ``theirs_path`` with ``ours_path`` (the master, for ``customer_id``, or our own
    statement file) and write the reconciliation workbook to ``out``. ``start`` and ``end`` bound our side (default:
    the period of their statement); given both, they are the period their dates without a year fall in."""
    for written in reconciliation_files(out):  # before any work: neither statement is ever replaced
        refuse_writing_over(written, None, [theirs_path, ours_path])
    refuse_decided(out)
    period = (start, end) if start is not None and end is not None else None
    ours_master = is_master_workbook(ours_path)
    # read first when it will be reconciled: their amounts are read in its book currency
    master = load_master(ours_path) if ours_master and customer_id else None
    currency = master.settings.book_currency if master is not None else CNY
    theirs, returned = read_theirs(
        theirs_path, perspective=perspective, period=period, customer_id=customer_id, currency=currency
    )
    note = returned.differences if returned is not None else ""
    if not ours_master:
        ours = read_statement(ours_path, perspective="ours")
        result = reconcile_and_write(
            ours, theirs, lang=lang, out=out, options=options, customer_id=customer_id, customer_note=note
        )
        return ReconcileRun(result, out, currency)
    if master is None:
        raise InputError(msg("{ours} is a master workbook: give --customer ID", ours=ours_path))
    named = statement_period(theirs)
    refuse_another_customers(theirs, master.customers, customer_id, company=master.settings.company_name)
    theirs = set_aside_other_customers(theirs, master.customers, customer_id)
    result = reconcile_with_master(
        master,
        customer_id,
        theirs,
        start=start or named[0],
        end=end or named[1],
        lang=lang,
        out=out,
        options=options,
        customer_note=note,
    )
    return ReconcileRun(result, out, currency)


def refuse_another_customers(theirs: Statement, customers: pd.DataFrame, customer_id: str, *, company: str) -> None:
    """Refuse a statement whose title names another customer of the master and not ``customer_id``: reconciled
    against this customer's ledger, each of its lines would be a difference, and an apply would book them here. Our
    own ``company`` name in the title (供应商：…) is no customer's, whatever customer's name it contains."""
    title = _folded(theirs.title)
    if _folded(company):
        title = title.replace(_folded(company), "\n")
    named = {
        str(cid): str(name)
        for cid, name in zip(customers["customer_id"], customers["name"], strict=True)
        if isinstance(name, str) and len(_folded(name)) >= MIN_TITLE_NAME and _folded(name) in title
    }
    given = customer_id.strip()
    if not named or given in named:
        return
    other, name = next(iter(named.items()))
    raise InputError(
        msg(
            "{file}: its title names customer {other} ({name}), not {given}: reconcile it with --customer {other}, "
            "or give customer {given}'s statement",
            file=theirs.file,
            other=other,
            name=name,
            given=given,
        )
    )


def set_aside_other_customers(theirs: Statement, customers: pd.DataFrame, customer_id: str) -> Statement:
    """``theirs`` without the lines whose counterparty (对方户名) is another customer of the master, by its name or
    short name, and not ``customer_id``: a bank export lists every payer's receipts, and each of another customer's
    would be a line only they have, booked here by an 以对方为准. The lines set aside are named in the notes."""
    if not theirs.counterparties:
        return theirs
    owners: dict[str, set[str]] = {}
    labels: dict[str, str] = {}
    short = customers["short_name"] if "short_name" in customers else pd.Series(None, index=customers.index)
    for cid, name, alias in zip(customers["customer_id"], customers["name"], short, strict=True):
        cid = str(cid).strip()
        labels[cid] = f"{cid} {name}" if isinstance(name, str) else cid
        for text in (name, alias):
            if isinstance(text, str) and _folded(text):
                owners.setdefault(_folded(text), set()).add(cid)
    given = customer_id.strip()
    aside = {
        row: labels[min(named)]
        for row, text in theirs.counterparties.items()
        if (named := owners.get(_folded(text), set())) and given not in named
    }
    if not aside:
        return theirs
    kept = theirs.lines[~theirs.lines["row"].isin(list(aside))].reset_index(drop=True)
    return replace(theirs, lines=kept, set_aside=sorted(aside.items()))


MIN_TITLE_NAME = 4  # a customer's name shorter than this (a short name like 安达) is a word, not whose statement


def _folded(text: str) -> str:
    """Text compared without its spaces and full-width forms: 北京 安达纸业（有限）公司 as typed in a title."""
    return "".join(unicodedata.normalize("NFKC", text).split())


def refuse_decided(out: Path) -> None:
    """Refuse to write a reconciliation over ``out`` when finance has typed decisions into it (or it cannot be read
    as a reconciliation): rerunning the 对账 button or the command would lose them."""
    if out.suffix.lower() != ".xlsx" or not out.exists():
        return
    try:
        decided = read_decisions(out)
    except KeyacctError as error:
        raise InputError(
            msg(
                "{out} exists and cannot be read as a reconciliation ({problem}): it is not written over; move it "
                "away to reconcile again",
                out=out,
                problem=error,
            )
        ) from error
    if decided.lines:
        raise InputError(
            msg(
                "{out} already holds {count:,} decision(s): it is not written over; put them into the master with "
                "keyacct-xl reconcile apply {out} --into MASTER, or move the file away to reconcile again",
                out=out,
                count=len(decided.lines),
            )
        )


def read_theirs(
    path: Path,
    *,
    perspective: Perspective = "customer",
    period: Period | None = None,
    customer_id: str = "",
    currency: Currency = CNY,
) -> tuple[Statement, ReturnedStatement | None]:
    """The customer's statement at ``path`` from one read of the file, and the returned form when it is our
    statement form sent back (read again by its fields: only then), its amounts in ``currency`` (the master's). Our
    customer statement returned is read in our perspective whatever ``perspective`` says; one naming another
    customer than ``customer_id`` is refused, as is a master workbook."""
    if is_master_workbook(path):  # from its tables, before the whole master is read as a statement
        _refuse_master(path)
    sheets = read_sheets(path, SUFFIXES, formulas=True)
    tables = [TABLES_BY_NAME[name] for name in ("Customers", "Transactions")]
    if all({table.sheet_zh, table.sheet_en} & {sheet.name for sheet in sheets} for table in tables):
        _refuse_master(path)  # a master saved as .ods or .xls keeps its sheets, not its tables
    if _is_returned_form(sheets):
        returned = read_returned(path)
        if returned is not None:
            return returned_lines(path.name, returned, currency), returned
    marker = statement_marker([(sheet.name, sheet.cells) for sheet in sheets])
    if marker is not None:
        named = marker.customer_id
        if customer_id and named and named != customer_id.strip():
            raise InputError(
                msg(
                    "{path} is our statement to customer {named}, not to {given}: reconcile it with --customer "
                    "{named}, or give customer {given}'s statement",
                    path=path,
                    named=named,
                    given=customer_id.strip(),
                )
            )
        shown = [sheet for sheet in sheets if sheet.name != MARKER_SHEET]
        ours = statement_from_sheets(path, shown, perspective="ours", period=period, currency=currency)
        # The rows we printed under the lines (ageing, confirmation) stay listed as notes; only those the customer
        # wrote in (the differences box, a remark) are quoted as theirs.
        theirs = {row: text for row, text in ours.note_texts.items() if text not in marker.printed}
        return replace(ours, note_texts=theirs, our_descriptions=True), None
    return statement_from_sheets(path, sheets, perspective=perspective, period=period, currency=currency), None


def _refuse_master(path: Path) -> None:
    """A keyacct-xl master is our own books, never a customer's statement: read as theirs, every line of every
    customer would be 'only theirs'."""
    raise InputError(
        msg(
            "{path} is a keyacct-xl master workbook (it holds the Customers and Transactions tables), not a "
            "customer's statement: give the master as OURS and the statement the customer sent as THEIRS",
            path=path,
        )
    )


def _is_returned_form(sheets: list[SheetCells]) -> bool:
    meta = next((sheet for sheet in sheets if sheet.name == META_SHEET), None)
    return meta is not None and meta_rows(meta.cells)[0].get("form_id") == RETURNED_FORM
