"""Statement reconciliation (对账): match, add hints, and explain the balance difference to a zero remainder."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import pandas as pd

from keyacct_xl.i18n import Lang
from keyacct_xl.labels import RECONCILE_STATUS
from keyacct_xl.messages import joined, listing, row_ranges, tr
from keyacct_xl.parsing import is_blank
from keyacct_xl.receivables.hints import add_hints
from keyacct_xl.receivables.matching import OUTPUT_COLUMNS, MatchOptions, match_lines
from keyacct_xl.receivables.statement_dates import Period
from keyacct_xl.receivables.statement_reader import Problem, Remark, Statement, disputed_in

STATUS_ORDER = {"amount_mismatch": 0, "only_ours": 1, "only_theirs": 2, "matched": 3}
# The balance explanation: each cause, the documents of its line, the rows on each side, its part of the difference.
SUMMARY_COLUMNS = ["item", "documents", "rows", "amount"]


@dataclass(frozen=True)
class Reconciliation:
    """The match table (``OUTPUT_COLUMNS``), the balance explanation and what could not be read."""

    table: pd.DataFrame
    summary: pd.DataFrame  # SUMMARY_COLUMNS
    ours_closing: float
    theirs_closing: float
    remainder: float
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    customer_id: str = ""  # whose books these are, when known (our side from the master)
    source: str = ""  # the reconciliation's name: their statement and the dates it covers (reconciliation_name)
    period: Period | None = None  # the period reconciled (reconciled_period)
    statement: str = ""  # their statement's file name
    customer_name: str = ""  # the master's name of the customer, when known


def reconciliation_name(theirs: Statement) -> str:
    """``对账单_C0001.xlsx 2026-10-03..2026-10-30``: their statement and its first and last line's dates.

    Together with a line's rows it identifies a decided difference, whatever the report file is called.
    """
    dates = theirs.lines["date"].dropna()
    return f"{theirs.file} {dates.min():%Y-%m-%d}..{dates.max():%Y-%m-%d}" if len(dates) else theirs.file


def reconciled_period(ours: Statement, theirs: Statement) -> Period | None:
    """The period the balances are taken over: the one our side was bounded by (the master's lines from and to), else
    the one a statement's title names, else their lines' first and last dates; ``reconciliation_name`` keeps the
    line dates, as decisions recorded under it are found by it."""
    if ours.period is not None:
        return ours.period
    if theirs.period is not None:
        return theirs.period
    dates = pd.concat([ours.lines["date"], theirs.lines["date"]]).dropna()
    return (dates.min(), dates.max()) if len(dates) else None


def reconcile(
    ours: Statement,
    theirs: Statement,
    *,
    options: MatchOptions | None = None,
    lang: Lang = "zh",
    customer_id: str = "",
    customer_name: str = "",
) -> Reconciliation:
    """Match ``ours`` with ``theirs`` (both in our perspective) and explain the difference of closing balances."""
    options = options or MatchOptions()
    result = match_lines(ours.lines, theirs.lines, options=options, lang=lang)
    dates = pd.concat([ours.lines["date"], theirs.lines["date"]]).dropna()
    period_end = dates.max() if len(dates) else pd.Timestamp("1970-01-01")
    table = add_hints(result.table, period_end=period_end, window=options.date_window, lang=lang)
    table = table.assign(
        _order=table["status"].map(STATUS_ORDER), _date=table["ours_date"].fillna(table["theirs_date"])
    )
    table = table.sort_values(["_order", "_date"], kind="stable").drop(columns=["_order", "_date"])
    theirs = replace(theirs, remarks=_added_by_them(ours, theirs, table))
    table = _with_remarks(table, theirs, lang)
    explanation, ours_closing, theirs_closing = _explain(ours, theirs, table, lang)
    # ``or 0.0`` turns a rounded -0.0 into 0.0, so no report prints "-¥0.00".
    difference = round(ours_closing - theirs_closing, 2) or 0.0
    remainder = round(difference - sum(amount for *_, amount in explanation), 2) or 0.0
    # The balances name the file they come from in their item: the rows column holds rows only.
    head = [
        (tr(lang, "our closing balance ({file})", file=ours.file), "", "", ours_closing),
        (tr(lang, "their closing balance (our perspective, {file})", file=theirs.file), "", "", theirs_closing),
        (tr(lang, "difference (ours − theirs)"), "", "", difference),
    ]
    tail = [(tr(lang, "unexplained remainder"), "", "", remainder)]
    summary = pd.DataFrame([*head, *explanation, *tail], columns=SUMMARY_COLUMNS)
    notes = [*result.notes, *_structure_notes(ours, "ours", lang), *_structure_notes(theirs, "theirs", lang)]
    notes += _remark_notes(theirs, table, customer_id, lang) + _worded_notes(ours, lang) + _worded_notes(theirs, lang)
    out = table[OUTPUT_COLUMNS].reset_index(drop=True)
    problems = [*ours.problems, *theirs.problems]
    return Reconciliation(
        out,
        summary,
        ours_closing,
        theirs_closing,
        remainder,
        problems,
        notes,
        customer_id,
        reconciliation_name(theirs),
        reconciled_period(ours, theirs),
        theirs.file,
        customer_name,
    )


def status_counts(table: pd.DataFrame, lang: Lang) -> str:
    """``Matched 21, Amount Mismatch 1, …`` or ``相符 21，金额不符 1，…``: the statuses named as the report's
    status column names them."""
    counts = table["status"].value_counts()
    return joined(lang, [f"{label.render(lang)} {int(counts.get(k, 0))}" for k, label in RECONCILE_STATUS.items()])


def closing(statement: Statement) -> tuple[float, float]:
    """(computed closing = opening + readable lines, stated closing or the computed one when none is stated)."""
    computed = round((statement.opening or 0.0) + float(statement.lines["amount"].sum(skipna=True)), 2)
    stated = computed if statement.closing is None else round(statement.closing, 2)
    return computed, stated


def _explain(
    ours: Statement, theirs: Statement, table: pd.DataFrame, lang: Lang
) -> tuple[list[tuple[str, str, str, float]], float, float]:
    """One line per cause (``SUMMARY_COLUMNS``), each a signed part of (ours − theirs)."""
    lines: list[tuple[str, str, str, float]] = []
    o_open, t_open = ours.opening or 0.0, theirs.opening or 0.0
    if round(o_open - t_open, 2):
        lines.append((tr(lang, "opening balances differ"), "", "", round(o_open - t_open, 2)))
    labels = {
        "only_ours": tr(lang, "only in our books"),
        "only_theirs": tr(lang, "only in their books"),
        "amount_mismatch": tr(lang, "amount differs"),
        "matched": tr(lang, "rounding"),
    }
    # An unreadable amount counts as 0, as in the computed balances; the stated-balance line covers it.
    parts = (table["ours_amount"].fillna(0.0) - table["theirs_amount"].fillna(0.0)).round(2)
    ours_word, theirs_word, colon = tr(lang, "ours"), tr(lang, "theirs"), tr(lang, ": ")
    for rec, part in zip(table[parts != 0].itertuples(index=False), parts[parts != 0].tolist()):
        rows = "; ".join(
            x
            for x in (
                f"{ours_word} {rec.ours_row}" if rec.ours_row else "",
                f"{theirs_word} {rec.theirs_row}" if rec.theirs_row else "",
            )
            if x
        )
        item = f"{labels[rec.status]}{colon}{rec.hint}" if rec.hint else labels[rec.status]
        lines.append((item, _documents(rec, lang), rows, part))
    o_computed, o_stated = closing(ours)
    t_computed, t_stated = closing(theirs)
    for who, computed, stated, sign in (("ours", o_computed, o_stated, 1), ("theirs", t_computed, t_stated, -1)):
        gap = round(stated - computed, 2)
        if gap:
            statement = ours if who == "ours" else theirs
            unreadable = sorted({p.row for p in statement.problems})
            text = (
                tr(lang, "ours: stated balance differs from the sum of the lines (incl. unreadable rows)")
                if who == "ours"
                else tr(lang, "theirs: stated balance differs from the sum of the lines (incl. unreadable rows)")
            )
            lines.append((text, "", ", ".join(map(str, unreadable)), sign * gap))
    return lines, o_stated, t_stated


def _documents(line, lang: Lang) -> str:
    """The document numbers of a result line, each once (``XS2026100340``, ``网银0029``); a line without one by
    its date (``无单号（2026-10-30）``), so finance can find it in either side's books."""
    refs = [
        part.strip()
        for ref in (line.ours_ref, line.theirs_ref)
        if not is_blank(ref)
        for part in str(ref).split(";")
        if part.strip()
    ]
    if refs:
        return "; ".join(dict.fromkeys(refs))
    day = line.ours_date if pd.notna(line.ours_date) else line.theirs_date
    return tr(lang, "no number ({date:%Y-%m-%d})", date=day) if pd.notna(day) else tr(lang, "no number")


def _structure_notes(statement: Statement, who: str, lang: Lang) -> list[str]:
    """Rows that are not ledger lines are named, so nothing disappears without a trace."""
    notes = []
    if statement.balance_rows:
        rows = ", ".join(map(str, statement.balance_rows))
        notes.append(tr(lang, "{file}: balance/total rows (not ledger lines): {rows}", file=statement.file, rows=rows))
    notes += _below_end_notes(statement, lang)
    if statement.earlier_rows:
        start, end = statement.period or (None, None)
        notes.append(
            tr(
                lang,
                "{file}: rows {rows} are dated before the period {start:%Y-%m-%d}..{end:%Y-%m-%d}: counted in the "
                "opening balance, not matched line by line",
                file=statement.file,
                rows=row_ranges(statement.earlier_rows),
                start=start,
                end=end,
            )
        )
    if statement.formula_rows:
        notes.append(
            tr(
                lang,
                "{file}: rows {rows} have a formula for their date or amount, read as the value the file last saved; "
                "a program that recalculates on opening may show another: check them in the file",
                file=statement.file,
                rows=row_ranges(statement.formula_rows),
            )
        )
    if statement.hidden_rows:
        notes.append(
            tr(
                lang,
                "{file}: rows {rows} are hidden in the file, so a person reading it does not see them; read as lines: "
                "check them in the file",
                file=statement.file,
                rows=row_ranges(statement.hidden_rows),
            )
        )
    for customer in sorted({label for _, label in statement.set_aside}):
        set_aside = [row for row, label in statement.set_aside if label == customer]
        notes.append(
            tr(
                lang,
                "{file}: row(s) {rows}: the {column} is another customer of the master ({customer}): set aside, not "
                "reconciled with this customer",
                file=statement.file,
                rows=row_ranges(set_aside),
                column=statement.roles.get("counterparty", ""),
                customer=customer,
            )
        )
    if statement.unread_columns:
        notes.append(
            tr(
                lang,
                "{file}: column(s) {columns} not read: text on most lines there is the file's own data, not a remark "
                "on a line",
                file=statement.file,
                columns=listing(statement.unread_columns),
            )
        )
    if statement.hidden_columns:
        notes.append(
            tr(
                lang,
                "{file}: the column(s) {columns} are hidden in the file, so a person reading it does not see them; "
                "read for the lines: check them in the file",
                file=statement.file,
                columns=listing(statement.hidden_columns),
            )
        )
    if statement.notes:
        rows = ", ".join(map(str, statement.notes))
        notes.append(tr(lang, "{file}: rows without an amount (notes): {rows}", file=statement.file, rows=rows))
        notes += _quoted_notes(statement, lang)
    return notes


QUOTED_NOTES = 10  # note rows quoted one by one; a long footer is counted, not printed
QUOTED_CHARS = 200


def _below_end_notes(statement: Statement, lang: Lang) -> list[str]:
    """The rows under the closing balance that read as lines (typed after the balance was struck): named as such,
    each quoted, never listed among the notes without an amount."""
    if not statement.below_end:
        return []
    named = tr(
        lang,
        "{file}: row(s) {rows} have an amount but stand below the closing balance (row {end}), where the statement's "
        "lines end: not reconciled; if they are lines of the period, move them above the closing balance and "
        "reconcile again",
        file=statement.file,
        rows=", ".join(map(str, statement.below_end)),
        end=statement.end_row,
    )
    return [named, *_quoted(statement, statement.below_end, lang)]


def _quoted_notes(statement: Statement, lang: Lang) -> list[str]:
    """Each note row's text (their finance's remark may explain a difference), the first ``QUOTED_NOTES`` of them."""
    return _quoted(statement, statement.notes, lang)


def _quoted(statement: Statement, rows: list[int], lang: Lang) -> list[str]:
    """The text of each of ``rows`` as typed, the first ``QUOTED_NOTES`` of them, the rest counted."""
    texts = [(row, text) for row in rows if (text := statement.note_texts.get(row, ""))]
    quoted = [
        tr(
            lang,
            "{file} row {row}: {text}",
            file=statement.file,
            row=row,
            text=text if len(text) <= QUOTED_CHARS else text[:QUOTED_CHARS] + "…",
        )
        for row, text in texts[:QUOTED_NOTES]
    ]
    if len(texts) > QUOTED_NOTES:
        quoted.append(
            tr(
                lang,
                "{file}: {count:,} more note row(s), not quoted",
                file=statement.file,
                count=len(texts) - QUOTED_NOTES,
            )
        )
    return quoted


def _remark_hint(remark: Remark, lang: Lang) -> str:
    """A remark as its line's result shows it: ``对方有异议（G18）：有异议`` or ``对方注明（G20）：…``."""
    if remark.disputed:
        return tr(lang, "disputed by them ({cell}): {text}", cell=remark.cell, text=remark.text)
    return tr(lang, "their remark ({cell}): {text}", cell=remark.cell, text=remark.text)


def _lines_by_their_row(table: pd.DataFrame) -> dict[int, int]:
    """Each of their rows -> the position of the result row holding it (a group's rows are joined by ``;``)."""
    return {
        int(row): at
        for at, rows in enumerate(table["theirs_row"].tolist())
        for row in str(rows or "").split(";")
        if row.strip().isdigit()
    }


def _reconciled_remarks(theirs: Statement, at: dict[int, int]) -> list[Remark]:
    """The remarks on lines the reconciliation's table holds (not on another customer's lines set aside, nor on lines
    before the period, which the opening balance holds: the notes quote those)."""
    return [remark for remark in theirs.remarks if remark.row in at]


def _added_by_them(ours: Statement, theirs: Statement, table: pd.DataFrame) -> list[Remark]:
    """Their remarks, less the words of a dispute in a line's description that are the document's own: a line of
    theirs we do not have, our line of it saying the same (质量不符退货 in both books), or saying nothing while the
    description is their books' own (on our statement returned, words added to our description are theirs)."""
    if not any(remark.described for remark in theirs.remarks):
        return theirs.remarks
    our_descriptions = {
        part.strip(): str(text)
        for row, text in zip(ours.lines["row"].tolist(), ours.lines["description"].tolist())
        for part in str(row).split(";")
    }
    at = _lines_by_their_row(table)
    matched = table["ours_row"].tolist()

    def ours_says_otherwise(remark: Remark) -> bool:
        rows = "" if remark.row not in at or is_blank(matched[at[remark.row]]) else str(matched[at[remark.row]])
        said = [our_descriptions.get(part.strip(), "") for part in rows.split(";") if part.strip()]
        if not said or any(disputed_in(text) for text in said):
            return False
        return theirs.our_descriptions or any(text.strip() for text in said)

    return [remark for remark in theirs.remarks if not remark.described or ours_says_otherwise(remark)]


def _with_remarks(table: pd.DataFrame, theirs: Statement, lang: Lang) -> pd.DataFrame:
    """``table`` with what the customer wrote on each line quoted in its hint: a line they dispute is never shown
    as matching without their words beside it."""
    if not theirs.remarks:
        return table
    at = _lines_by_their_row(table)
    hints = table["hint"].tolist()
    for remark in _reconciled_remarks(theirs, at):
        i = at[remark.row]
        said = _remark_hint(remark, lang)
        hints[i] = tr(lang, "{hint}; {remark}", hint=hints[i], remark=said) if hints[i] else said
    return table.assign(hint=hints)


def _remark_notes(theirs: Statement, table: pd.DataFrame, customer_id: str, lang: Lang) -> list[str]:
    """Each remark in the notes, with the customer, the document and the cell, so the printed summary names it."""
    at = _lines_by_their_row(table)
    refs = table["theirs_ref"].tolist()
    notes = []
    set_aside = {row for row, _ in theirs.set_aside}  # another customer's lines: not this customer's words
    # Disputes first: a column of remarks on every line of a long export is counted past the first few, not printed.
    remarks = sorted((r for r in theirs.remarks if r.row not in set_aside), key=lambda r: not r.disputed)
    for remark in remarks[:QUOTED_NOTES]:
        said = (
            tr(lang, "disputed by them: {text}", text=remark.text)
            if remark.disputed
            else tr(lang, "their remark: {text}", text=remark.text)
        )
        notes.append(
            tr(
                lang,
                "customer {customer}, document {ref}, {file} cell {cell}: {said}",
                customer=customer_id or "-",
                ref=(refs[at[remark.row]] or "-") if remark.row in at else "-",
                file=theirs.file,
                cell=remark.cell,
                said=said,
            )
        )
    if len(remarks) > QUOTED_NOTES:
        notes.append(
            tr(
                lang,
                "{file}: {count:,} more cell(s) with text on lines, not quoted here: each is quoted in its line's hint",
                file=theirs.file,
                count=len(remarks) - QUOTED_NOTES,
            )
        )
    return notes


def _worded_notes(statement: Statement, lang: Lang) -> list[str]:
    """Each amount read from a cell with words around it, the cell quoted: finance checks the words."""
    return [
        tr(
            lang,
            "{file} cell {cell}: amount {amount:,.2f} read from {text}",
            file=statement.file,
            cell=worded.cell,
            amount=worded.amount,
            text=worded.text,
        )
        for worded in statement.worded
    ]
