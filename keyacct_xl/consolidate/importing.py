"""Importing a customer list (客户名单导入) as every front end runs it: ``run_customer_import`` and its undo.

The list is read and typed (keyacct_xl.consolidate.customerlist, customerrows), planned against the archive
(customerimport) and, unless it is a dry run, applied and saved under the master's write lock with the master's
backup beside it; the report workbook, when asked for, is written in either case (importreport).

A list imported already takes only decisions on the rows its import held (``new_id``, ``same``: the CLI's
``--new-id ROW`` and ``--same ROW``), as ``consolidate --accept`` takes a file held for review: those rows are
applied under the same import (its sha256, its ledger entry), so ``--undo`` takes them back with the rest of it.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import nullcontext
from dataclasses import dataclass, replace
from pathlib import Path

import pandas as pd

from keyacct_xl.analytics.apply import CREDIT_GRADES
from keyacct_xl.analytics.policy import load_grading_policy
from keyacct_xl.consolidate.customerimport import (
    ROW_STATUS_LABELS,
    ROW_STATUSES,
    Decision,
    RowOutcome,
    apply_import,
    drop_added_columns,
    import_of,
    masked,
    not_held,
    now_text,
    plan_import,
)
from keyacct_xl.consolidate.customerlist import CustomerList, ListColumn, read_customer_list
from keyacct_xl.consolidate.customerrows import typed_rows
from keyacct_xl.consolidate.importreport import write_import_report
from keyacct_xl.consolidate.intake import sha256, shown_name
from keyacct_xl.consolidate.store import load_store, save_store
from keyacct_xl.consolidate.undo import LIVE, UndoResult, created_blockers, submission_sha, undo_submission
from keyacct_xl.errors import InputError, masking
from keyacct_xl.fileio import (
    backup_path,
    ensure_not_open,
    ensure_writable,
    master_write_lock,
    refuse_writing_over,
    written_path,
)
from keyacct_xl.i18n import Lang
from keyacct_xl.master.integrity import require_unique_customer_ids
from keyacct_xl.master.schema import CUSTOMERS
from keyacct_xl.master.settings import masks_personal
from keyacct_xl.master.submissions import LEDGER
from keyacct_xl.messages import joined, msg, tr


@dataclass(frozen=True)
class CustomerImport:
    """One import: the list as read, each row's outcome, where the master and its backup are, the report."""

    source: Path
    master: Path
    customer_list: CustomerList
    rows: tuple[RowOutcome, ...]
    dry_run: bool
    now: str
    report: Path | None = None
    decided: bool = False  # a list imported before: its rows are the held rows a person decided on
    without_sensitive: bool = False  # personal values (a phone) masked wherever the console or report quotes them

    def count(self, status: str) -> int:
        """Rows of the list with ``status``."""
        return sum(1 for r in self.rows if r.status == status)

    @property
    def written(self) -> bool:
        """Whether the master was saved: not on a dry run, nor when no row was imported or updated."""
        return not self.dry_run and any(r.status in ("imported", "updated") for r in self.rows)

    @property
    def backup(self) -> Path | None:
        """The master as it was before the import (None when it was not written)."""
        return backup_path(written_path(self.master)) if self.written else None  # beside a link's file

    def summary(self, lang: Lang) -> str:
        """One line: rows of the list by outcome, and what was written."""
        parts = [f"{ROW_STATUS_LABELS[s].render(lang)} {self.count(s)}" for s in ROW_STATUSES if self.count(s)]
        counts = {"file": self.customer_list.file, "count": len(self.rows), "outcomes": joined(lang, parts)}
        if self.decided:
            line = tr(lang, "{file}: {count} held row(s) decided: {outcomes}", **counts)
        else:
            line = tr(lang, "{file}: {count} row(s): {outcomes}", **counts)
        if self.dry_run:
            return tr(lang, "{line} (dry run, the master is unchanged)", line=line)
        if not self.written:
            return tr(lang, "{line}; nothing to import, the master is unchanged", line=line)
        return tr(lang, "{line}; master saved, backup {backup}", line=line, backup=self.backup)

    def lines(self, lang: Lang) -> list[str]:
        """Per row what became of it, the columns not imported, then the summary: what the console prints."""
        out = [self.row_line(r, lang) for r in self.rows]
        out += [_unrecognised_line(c, lang) for c in self.customer_list.unrecognised]
        out += [note.render(lang) for note in self.customer_list.merges]
        if self.report is not None:
            out.append(tr(lang, "report: {path}", path=self.report))
        out.append(self.summary(lang))
        return out

    def row_line(self, row: RowOutcome, lang: Lang) -> str:
        """``row 5: held: probable duplicate (…)``, with the customer, the reason and each warning."""
        where = (
            tr(lang, "row {row}", row=row.row) if self.customer_list.sheet else tr(lang, "line {line}", line=row.row)
        )
        who = " ".join(p for p in (row.customer_id, row.name) if p)
        colon = tr(lang, ": ")  # a zh line is punctuated in zh: 第 5 行：疑似重复，暂缓 …：疑似与…重复
        line = f"{where}{colon}{ROW_STATUS_LABELS[row.status].render(lang)} {who}".rstrip()
        if row.reason is not None:
            line = f"{line}{colon}{row.reason.render(lang)}"
        changes = [
            f"    {_field(c.key, lang)}{colon}{c.before or '∅'} → {c.after}"
            for c in masked(row, self.without_sensitive)
        ]
        return "\n".join([line, *changes, *(f"    {w.render(lang)}" for w in row.warnings)])


def _field(key: str, lang: Lang) -> str:
    return CUSTOMERS.column(key).header(lang)


def _unrecognised_line(column: ListColumn, lang: Lang) -> str:
    if column.taken_by is not None:
        return tr(
            lang,
            "column {header}: not imported, column {first} gives the same field",
            header=column.header,
            first=column.taken_by,
        )
    return tr(
        lang, "column {header}: not imported, no customer field of the master has that name", header=column.header
    )


def run_customer_import(
    source: Path,
    master: Path,
    *,
    lang: Lang,
    report: Path | None = None,
    dry_run: bool = False,
    update: bool = False,
    new_id: Sequence[int] = (),
    same: Sequence[int] = (),
    now: str | None = None,
    without_sensitive: bool = False,
) -> CustomerImport:
    """Import the customer list ``source`` into ``master`` (a dry run writes nothing to the master) and write the
    report workbook to ``report`` when given. ``new_id`` and ``same`` are the row numbers of held rows to import
    under a new id or to take as the customer their id names; for a list imported already, only those rows are
    applied (under that import). ``without_sensitive`` (or the master's Settings 报告中的个人信息 = 隐去) masks
    personal values (``***``) in what the console, the report and its refusals show."""
    source, master = Path(source), Path(master)
    decisions = _decisions(new_id, same)
    if report is not None:
        refuse_writing_over(report, master, [source])  # before any work: a dry run too would replace it
        report.parent.mkdir(parents=True, exist_ok=True)
        ensure_writable(report)  # before the master is written, not after
    if not dry_run:
        ensure_not_open(master)
    customer_list = read_customer_list(source)
    sha = sha256(source.read_bytes())
    now = now or now_text()
    with nullcontext() if dry_run else master_write_lock(master):
        store = load_store(master)
        masked = masks_personal(store.settings, without_sensitive)
        with masking(masked):
            earlier = _imported_already(store.frame(LEDGER.name), source, sha, decisions, update)
            if earlier is not None:
                _refuse_rows_imported(store.frame(CUSTOMERS.name), sha, decisions)
            # an id typed twice: which row would the list's values go to, and which be compared?
            require_unique_customer_ids(store.frame("Customers"), store.lang, msg("a customer list import"))
            policy = load_grading_policy(store.settings.policy("grading_policy"))
            grades = [g.upper() for g in policy.grades]  # as grade apply takes them
            planned = plan_import(
                typed_rows(customer_list, grades=grades, credit_grades=CREDIT_GRADES),
                store.frame("Customers"),
                id_pattern=store.settings.customer_id_pattern,
                update=update,
                decisions=decisions,
            )
            if earlier is not None:  # the rows of the earlier import stand: only the decided ones are applied now
                planned = [(o, v) for o, v in planned if o.row in decisions]
            if not dry_run and any(o.status in ("imported", "updated") for o, _ in planned):
                new_grade = policy.new_customer_grade
                source_of = import_of(customer_list, sha)
                names, edited = apply_import(store, planned, source_of, new_grade=new_grade, now=now, earlier=earlier)
                save_store(store, names, edited=edited)
            rows = tuple(o for o, _ in planned)
            result = CustomerImport(
                source,
                master,
                customer_list,
                rows,
                dry_run,
                now,
                decided=earlier is not None,
                without_sensitive=masked,  # the ribbon's button has no options: the master's Settings ask
            )
            # Under the lock, as a consolidation's report: no second run writes the master before this report is out.
            return result if report is None else replace(result, report=write_import_report(result, report, lang))


def _decisions(new_id: Sequence[int], same: Sequence[int]) -> dict[int, Decision]:
    """Row number -> decision; a row given both is refused."""
    both = sorted(set(new_id) & set(same))
    if both:
        raise InputError(msg("row {row} is given both --new-id and --same: decide it one way", row=both[0]))
    return {**{row: "new_id" for row in new_id}, **{row: "same" for row in same}}


def _imported_already(
    ledger: pd.DataFrame, source: Path, sha: str, decisions: dict[int, Decision], update: bool
) -> int | None:
    """The ledger row of this list's live import, None when it was not imported; refused when it was, unless the
    run only decides held rows (``--update`` then would apply every row's values again, hand edits since too)."""
    done = ledger[(ledger["file_sha256"] == sha) & ledger["status"].isin(LIVE)]
    if done.empty:
        return None
    shown = {"file": shown_name(source), "when": done["consolidated_at"].iloc[0], "name": done["file_name"].iloc[0]}
    if not decisions:
        raise InputError(
            msg(
                "{file}: this list was imported at {when} (as {name}); undo that import first (--undo), or decide "
                "the rows it held with --new-id ROW or --same ROW",
                **shown,
            )
        )
    if update:
        raise InputError(
            msg(
                "{file}: this list was imported at {when} (as {name}): now only the held rows named by --new-id and "
                "--same are applied; give no --update (--same ROW updates its row)",
                **shown,
            )
        )
    return int(done.index[0])


def _refuse_rows_imported(customers: pd.DataFrame, sha: str, decisions: dict[int, Decision]) -> None:
    """A decision on a row the list's import (or a decision since) made a customer: it was not held, and planned
    again it would resemble that customer, a duplicate a new id would make."""
    if "file_sha256" not in customers.columns or "source_row" not in customers.columns:
        return
    mine = customers[customers["file_sha256"] == sha]
    rows = {int(r) for r in mine["source_row"].dropna()}
    for row, decision in decisions.items():
        if row in rows:
            raise not_held(row, "imported", decision)


def undo_customer_import(
    source: Path, master: Path, *, dry_run: bool = False, without_sensitive: bool = False
) -> UndoResult:
    """Take an imported list back out of ``master``: its customers removed (when nothing else refers to them), the
    values it updated restored (keyacct_xl/consolidate/undo.py, as for a consolidated file); refused while a table
    consolidation does not write (sales, payments, grade history) names one of its customers."""
    # The rows naming an imported customer first, told as the import's (the undo's own check says "this file").
    _refuse_if_used(master, submission_sha(master, str(source)))
    # which import, refused as the undo would be
    preview = undo_submission(master, str(source), dry_run=True, without_sensitive=without_sensitive)
    if dry_run:
        return preview
    undone = undo_submission(master, str(source), without_sensitive=without_sensitive)
    with master_write_lock(Path(master)):
        drop_added_columns(load_store(master), undone.sha256)  # no backup: the undo's own is the import's result
    return undone


def _refuse_if_used(master: Path, sha: str) -> None:
    """Refuse to take out customers the import created that rows of the master's other tables name (files
    consolidated since, sales and the history store's lines, the grade history): those rows would be left naming no
    customer.
    Every such place is named, with its count of rows, and the undos that free them, in order."""
    blockers = created_blockers(load_store(master), sha)
    if blockers.used:
        raise InputError(
            msg(
                "customer(s) {ids} of this import are named by rows of {tables}: not undone; first {steps}, or keep "
                "the customers",
                **blockers.params(),
            )
        )
