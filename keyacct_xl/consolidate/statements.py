"""A customer's signed account statement coming back (往来对账单, form ``account_statement``): the start of 对账.

The statement is a form we fill and send (keyacct_xl.consolidate.routes.OUTPUT_FORMS), so nothing of it merges
into the master. When a copy comes back through consolidation, its confirmation is read: agreed (核对相符 是) with
no differences noted ends there; "differences found" (核对相符 否, or any text under 差异说明) starts a
reconciliation of its lines with our books for its period. The reconciliation workbook is written to
``reconciliations/reconcile_<file>.xlsx`` beside the master (a statement in a folder adds the folder and a short
hash of its path), never over one that exists (finance may be deciding in it), and the run's report says where.
Decisions taken in it go into the master with ``keyacct-xl reconcile apply`` (keyacct_xl.receivables.adjustments).
"""

from __future__ import annotations

import functools
import hashlib
import string
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path, PurePosixPath

import pandas as pd

from keyacct_xl.consolidate.intake import Submission
from keyacct_xl.consolidate.model import FileOutcome, TableRows, texts
from keyacct_xl.consolidate.recognize import extract, open_book, read_meta
from keyacct_xl.consolidate.safety import MAX_FILE_BYTES, WORKBOOK_SUFFIXES, Rejection, check_file
from keyacct_xl.currency import CNY, Currency, Money
from keyacct_xl.errors import KeyacctError
from keyacct_xl.fileio import NAME_MAX, fitted_name, system_problem
from keyacct_xl.forms.catalog import load_form
from keyacct_xl.forms.spec import field_label
from keyacct_xl.i18n import Lang
from keyacct_xl.isolation import run_isolated
from keyacct_xl.master.model import Master
from keyacct_xl.master.reader import load_master
from keyacct_xl.messages import Rendered, cell_text, msg
from keyacct_xl.parsing import ParseError, is_blank, parse_date, parse_money
from keyacct_xl.receivables.adjustments import read_decisions
from keyacct_xl.receivables.reconcile import reconciliation_name
from keyacct_xl.receivables.reconcile_usecase import reconcile_with_master
from keyacct_xl.receivables.statement_dates import Period
from keyacct_xl.receivables.statement_reader import Problem, Statement, disputed_in, remark, row_text

RETURNED_FORM = "account_statement"
FOLDER = "reconciliations"  # beside the master
# The bytes a reconciliation's name may take: the lock file the program finance opens it in makes beside it
# (``.~lock.<name>#``) must fit in a name too.
_NAME_BYTES = NAME_MAX - len(".~lock.#")
_NO = {"否", "no", "n", "false", "0", "×", "x", "不符", "有差异"}


def reconciliation_folder(master: Path) -> Path:
    """Where reconciliations of returned statements are written: ``reconciliations/`` beside the master."""
    return Path(master).parent / FOLDER


@dataclass(frozen=True)
class ReturnedStatement:
    """What a returned statement says: whose, which period, agreed or not, the note, and its lines as read."""

    customer_id: str
    period: tuple[object, object]
    agreed: object
    differences: str
    opening: object
    closing: object
    sheet: str
    lines: list[tuple[int, dict[str, object]]]  # (sheet row, field key -> raw value)
    # (sheet row, cell, value) of what the customer wrote beyond the figures: text outside the form's fields on its
    # lines' sheet (written), and a dispute written into a line's description (described); quoted, never dropped.
    written: tuple[tuple[int, str, object], ...] = ()
    described: tuple[tuple[int, str, object], ...] = ()


def _read(item: tuple[str, bytes]) -> ReturnedStatement | None:
    """The returned statement in the file ``name``'s ``data`` (run in a worker), or None when it is another form."""
    name, data = item
    verdict = check_file(name, data)
    try:
        meta = read_meta(open_book(data))
        if meta is None or meta[0].get("form_id") != RETURNED_FORM:
            return None
        found = extract(data, verdict.kind, {RETURNED_FORM: load_form(RETURNED_FORM)}, name, package=verdict.package)
    finally:
        if verdict.package is not None:
            verdict.package.close()

    def field(key: str) -> object:
        cell = found.header.get(key)
        return None if cell is None else cell.value

    table = found.tables.get("lines")
    if table is None:  # _meta names our form, but no table of its lines is there: read as the customer's own books
        return None
    lines = [(row, dict(zip(table.columns, values))) for row, values in table.rows]
    return ReturnedStatement(
        customer_id="" if is_blank(field("customer_id")) else str(field("customer_id")).strip(),
        period=(field("period_from"), field("period_to")),
        agreed=field("agreed"),
        differences="" if is_blank(field("differences")) else str(field("differences")).strip(),
        opening=field("opening_balance"),
        closing=field("closing_balance"),
        sheet=table.sheet,
        lines=lines,
        written=tuple(
            (int(c.ref.lstrip(string.ascii_uppercase)), c.ref, c.value) for c in found.outside if c.sheet == table.sheet
        ),
        described=_disputed_descriptions(table),
    )


def _disputed_descriptions(table: TableRows) -> tuple[tuple[int, str, object], ...]:
    """Each line's description that disputes it (有异议 added to 摘要), as (sheet row, cell, value)."""
    described = ((row, dict(zip(table.columns, values)).get("description")) for row, values in table.rows)
    return tuple(
        (row, table.ref("description", row), text)
        for row, text in described
        if isinstance(text, str) and disputed_in(text)
    )


def read_returned(path: Path) -> ReturnedStatement | None:
    """Our statement form at ``path`` as the customer returned it, read by its fields as consolidation reads it (in
    a worker, after the same screening); None for any other file, which is read as the customer's own books."""
    try:
        if path.suffix.lower() not in WORKBOOK_SUFFIXES or path.stat().st_size > MAX_FILE_BYTES:
            return None
        return run_isolated(_read, (path.name, path.read_bytes()), file=path)
    except (Rejection, OSError):
        return None  # the statement reader screens it again and says why it cannot be read


def differences_found(returned: ReturnedStatement) -> bool:
    """有差异: not ticked as agreed, or a difference written down."""
    agreed = "" if is_blank(returned.agreed) else str(returned.agreed).strip().casefold()
    return bool(returned.differences) or agreed in _NO


def returned_lines(name: str, returned: ReturnedStatement, currency: Currency = CNY) -> Statement:
    """The returned lines as a statement in our layout (debit = sales, credit = receipts), amounts in ``currency``
    (the master's book currency; one in another is unreadable at its cell), values unreadable named."""
    rows, problems = [], []
    # A value is named by its column's label on the form, in the document's language (never by its field key).
    fields = load_form(RETURNED_FORM).section("lines").fields
    for row, values in returned.lines:
        if all(is_blank(v) for v in values.values()):
            continue
        amount, date = 0.0, None
        for key, sign in (("debit", 1.0), ("credit", -1.0)):
            try:
                amount += sign * (0.0 if is_blank(values.get(key)) else parse_money(values.get(key), currency=currency))
            except ParseError as exc:
                label = field_label(fields, key)
                problems.append(Problem(name, returned.sheet, row, label, cell_text(values.get(key)), exc.wording))
                amount = float("nan")
        try:
            date = parse_date(values.get("date"))
        except ParseError as exc:
            label = field_label(fields, "date")
            problems.append(Problem(name, returned.sheet, row, label, cell_text(values.get("date")), exc.wording))
        ref, text = values.get("doc_no"), values.get("description")
        rows.append((row, date, "" if is_blank(ref) else str(ref).strip(), "" if is_blank(text) else str(text), amount))
    frame = pd.DataFrame(rows, columns=["row", "date", "ref", "description", "amount"])
    frame["date"] = pd.to_datetime(frame["date"]).astype("datetime64[ns]")
    frame["amount"] = frame["amount"].astype("float64")
    opening, closing = _money(returned.opening, currency), _money(returned.closing, currency)
    on_lines = set(frame["row"].tolist())
    remarks = [remark(row, cell, value) for row, cell, value in returned.written if row in on_lines]
    remarks += [remark(row, cell, value, described=True) for row, cell, value in returned.described]
    written_beside: dict[
        int, list[object]
    ] = {}  # every cell of a row, in the order written (请核对 H5, a signature J5)
    for row, _, value in returned.written:
        if row not in on_lines:
            written_beside.setdefault(row, []).append(value)
    beside = {row: row_text(values) for row, values in written_beside.items()}
    return replace(
        Statement(name, returned.sheet, frame, opening, closing, [], [], problems, {}, returned_period(returned)),
        remarks=remarks,
        notes=sorted(beside),
        note_texts=beside,
        our_descriptions=True,  # our form, pre-filled with our lines
    )


def returned_period(returned: ReturnedStatement) -> Period | None:
    """The period the returned statement names, None unless both its days are read."""
    start, end = (_day(v) for v in returned.period)
    return (start, end) if start is not None and end is not None else None


def _day(value: object) -> pd.Timestamp | None:
    try:
        return None if is_blank(value) else parse_date(value)
    except ParseError:
        return None


def _money(value: object, currency: Currency) -> float | None:
    try:
        return None if is_blank(value) else parse_money(value, currency=currency)
    except ParseError:
        return None


def start_reconciliations(
    outcomes: Sequence[FileOutcome], submissions: Sequence[Submission], master: Path, *, lang: Lang, dry_run: bool
) -> None:
    """Each returned statement among the files refused as "not merged" becomes a ``statement`` outcome whose
    reason says whether it agreed, or where its reconciliation was written (see the module doc)."""
    by_name = {s.name: s for s in submissions}
    # Our books are read once for the run, when the first statement with differences needs them (a failed read is
    # tried again by the next one, which reports the same problem).
    books = functools.cache(functools.partial(load_master, master))
    for outcome in outcomes:
        if outcome.code != "not_consolidated" or outcome.name not in by_name:
            continue
        try:
            returned = run_isolated(_read, (outcome.name, by_name[outcome.name].read()), file=Path(outcome.name))
        except (KeyacctError, Rejection, OSError):
            continue  # the file stays refused for the reason it already has
        if returned is None:
            continue
        outcome.status, outcome.code, outcome.form_id = "statement", "returned_statement", RETURNED_FORM
        outcome.reason_en, outcome.reason_zh = texts(_started(outcome.name, returned, master, books, lang, dry_run))


def reconciliation_file(name: str) -> str:
    """The reconciliation workbook's file name for the returned statement ``name`` (its path under SOURCE):
    ``reconcile_<file>.xlsx``; one in a folder adds the folder and a short hash of its path, so statements of the
    same name in different folders never share (or overwrite) a workbook, and a run finds its own again. A name too
    long for a file name is cut with a digest of the whole (``fitted_name``)."""
    path = PurePosixPath(name)
    if len(path.parts) == 1:
        return fitted_name(f"reconcile_{path.stem}.xlsx", _NAME_BYTES)
    digest = hashlib.sha256(path.parent.as_posix().encode()).hexdigest()[:6]
    return fitted_name(f"reconcile_{path.stem}_{path.parent.name}-{digest}.xlsx", _NAME_BYTES)


def _started_by_file_name(name: str, returned: ReturnedStatement, master: Path) -> Path | None:
    """The workbook a version before folder names started for this statement in a folder, if any: named
    ``reconcile_<file>.xlsx``, its reconciliation named by the file name alone. Found, no second one is started
    whose decisions, applied too, would adjust the same differences twice."""
    path = PurePosixPath(name)
    earlier = reconciliation_folder(master) / reconciliation_file(path.name)
    if len(path.parts) == 1 or not earlier.exists():
        return None
    try:
        decisions = read_decisions(earlier)
    except (KeyacctError, OSError):  # not readable as a reconciliation: nothing could be applied from it
        return None
    same = decisions.source == reconciliation_name(returned_lines(path.name, returned))
    return earlier if same and decisions.customer_id == returned.customer_id else None


def _started(
    name: str, returned: ReturnedStatement, master: Path, books: Callable[[], Master], lang: Lang, dry_run: bool
) -> Rendered:
    """Reconcile a returned statement with differences; the sentence the report shows for it."""
    if not differences_found(returned):
        return msg(
            "returned statement of customer {customer}: agreed, nothing to reconcile", customer=returned.customer_id
        )
    out = reconciliation_folder(master) / reconciliation_file(name)
    started = out if out.exists() else _started_by_file_name(name, returned, master)
    if started is not None:
        return msg(
            "returned statement of customer {customer} with differences: reconciliation already started in {out}",
            customer=returned.customer_id,
            out=started,
        )
    period = returned_period(returned)
    if not returned.customer_id or period is None:
        return msg(
            "returned statement with differences, but without a customer ID or period: reconcile it by hand "
            "(keyacct-xl reconcile)"
        )
    try:
        book = books()
        # its path under SOURCE: the reconciliation's name tells same names apart
        theirs = returned_lines(name, returned, book.settings.book_currency)
        if not dry_run:
            out.parent.mkdir(parents=True, exist_ok=True)
        result = reconcile_with_master(
            book,
            returned.customer_id,
            theirs,
            start=period[0],
            end=period[1],
            lang=lang,
            out=None if dry_run else out,
            customer_note=returned.differences,
        )
    except (OSError, KeyacctError) as exc:  # this statement's, never the run's end
        problem = exc.wording if isinstance(exc, KeyacctError) else system_problem(exc)
        return msg("returned statement with differences: cannot reconcile ({problem})", problem=problem)
    return msg(
        "returned statement of customer {customer} with differences: reconciliation {out} ({count} difference "
        "line(s), unexplained ¥{remainder:,.2f}){dry}",
        customer=returned.customer_id,
        out=out,
        count=int((result.table["difference"].fillna(1) != 0).sum()),
        remainder=Money(result.remainder, book.settings.book_currency),
        dry=msg(" (dry run: not written)") if dry_run else "",
    )
