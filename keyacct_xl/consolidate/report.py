"""The consolidation report workbook (Summary, By form, Files, Errors, Changes, Conflicts) and the console's
one-line summary."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from keyacct_xl.consolidate.added import personal_column
from keyacct_xl.consolidate.cards import Conflict
from keyacct_xl.consolidate.changes import CHANGE_LABELS
from keyacct_xl.consolidate.formroles import table_label
from keyacct_xl.consolidate.model import STATUS_LABELS, STATUSES, FileOutcome, Issue
from keyacct_xl.consolidate.routes import ROW_KEYS
from keyacct_xl.consolidate.run import RunResult
from keyacct_xl.forms.catalog import form_ids, load_form
from keyacct_xl.i18n import LANGS, Lang
from keyacct_xl.labels import yes_no
from keyacct_xl.master.privacy import is_sensitive_label
from keyacct_xl.master.redact import MASK, MIN_SCRUBBED, scrubber
from keyacct_xl.master.schema import CUSTOMERS
from keyacct_xl.master.submissions import ALL_CONSOLIDATION_TABLES
from keyacct_xl.messages import Message, Rendered, cmsg, joined, listing, msg, tr, withheld
from keyacct_xl.reports import Heading, RowKinds, Sheet
from keyacct_xl.reports import write_report as write_report_book

_KIND_LABELS = {
    "value": msg("different value"),
    "owner": msg("another rep's customer"),
    "duplicate": msg("probable duplicate customer"),
}


# The long text columns' widths in characters, their longer texts wrapped: each sheet prints one page wide (landscape
# A4 at a readable scale), where at their full width 文件 and 变更 printed in strips, 原值 on one page and 新值 on the
# next (a trial's report). The file a row is about stays readable whole on one or two lines.
_TEXT_WIDTHS = {
    "file": 24,
    "earlier_file": 24,
    "corrects": 24,
    "reason": 32,
    "form": 16,
    "change_kind": 16,
    "row_key": 28,
    "before": 28,
    "after": 28,
    "master_value": 24,
    "submitted": 24,
    "note": 36,
}


def _field_label(key: str, lang: Lang) -> str:
    """A Customers column (a conflict's field, or what a duplicate matched on) as its header in ``lang``."""
    return CUSTOMERS.column(key).header(lang) if key in CUSTOMERS.keys else key


def summary_line(result: RunResult, lang: Lang) -> str:
    """One line: files per status and rows added (what the console prints at the end)."""
    counts = result.counts()
    parts = [f"{_status(s, lang)} {counts.get(s, 0)}" for s in STATUSES if counts.get(s, 0)]
    head = tr(lang, "{count} file(s)", count=len(result.outcomes))
    if parts:
        head = tr(lang, "{files}: {statuses}", files=head, statuses=joined(lang, parts))
    line = tr(
        lang,
        "{files}; {added} row(s) added, {updated} updated, {conflicts} conflict(s)",
        files=head,
        added=result.rows_added,
        updated=result.rows_updated,
        conflicts=len(result.conflicts),
    )
    warnings = sum(len(o.warnings) for o in result.outcomes)
    if warnings:  # a run that read everything as it stands says nothing of them
        line = tr(lang, "{line}, {warnings} warning(s)", line=line, warnings=warnings)
    return tr(lang, "{line} (dry run, nothing written)", line=line) if result.dry_run else line


SHOWN = 20  # files refused or waiting for review named on the console each; the report lists them all


def held_lines(result: RunResult, lang: Lang) -> list[str]:
    """A line per file waiting for review (the first ``SHOWN``): its name and why, then what decides it."""
    held = [o for o in result.outcomes if o.status == "needs_review"]
    if not held:
        return []
    return [
        *_named_lines(
            held,
            lang,
            msg("waiting for review: {file}: {reason}"),
            msg("{count:,} more waiting for review: see the report"),
        ),
        tr(lang, "decide with consolidate --accept FILE (merge it) or --reject FILE (keep it out)"),
    ]


def refused_lines(result: RunResult, lang: Lang) -> list[str]:
    """A line per rejected file (the first ``SHOWN``): its name and why, so the console says which file to fix."""
    refused = [o for o in result.outcomes if o.status == "rejected"]
    return _named_lines(
        refused, lang, msg("rejected: {file}: {reason}"), msg("{count:,} more rejected: see the report")
    )


def _named_lines(outcomes: Sequence[FileOutcome], lang: Lang, line: Message, more: Message) -> list[str]:
    """``line`` for each of the first ``SHOWN`` of ``outcomes`` with its name and reason, then ``more`` for the rest."""
    lines = [
        dataclasses.replace(
            line, params={"file": o.name, "reason": o.reason_zh if lang == "zh" else o.reason_en}
        ).render(lang)
        for o in outcomes[:SHOWN]
    ]
    if len(outcomes) > SHOWN:
        lines.append(dataclasses.replace(more, params={"count": len(outcomes) - SHOWN}).render(lang))
    return lines


def _status(status: str, lang: Lang) -> str:
    return STATUS_LABELS[status].render(lang)


Column = tuple[str, Rendered]  # a sheet's column: its key (never one of the label maps' code keys) and header


def _sheet(title: str, columns: Sequence[Column], rows: Sequence[Sequence[object]], **options: object) -> Sheet:
    """One report sheet of ``rows`` under ``columns``; submitted values are text (written as text, never formulas).
    A sheet printed in strips repeats its ``row_names`` option's columns (the file a row is about) on each."""
    keys = [key for key, _ in columns]
    frame = pd.DataFrame([list(row) for row in rows], columns=keys, dtype=object)
    return Sheet(title, frame, headers=dict(columns), **options)  # type: ignore[arg-type]


def _text_widths(columns: Sequence[Column]) -> dict[str, float]:
    """The widths of a wide sheet's long text columns (``_TEXT_WIDTHS``), so that it prints one page wide."""
    return {key: _TEXT_WIDTHS[key] for key, _ in columns if key in _TEXT_WIDTHS}


def write_report(result: RunResult, path: Path, lang: Lang, *, without_sensitive: bool = False) -> Path:
    """Write the report workbook atomically to ``path``; ``without_sensitive`` masks the values of personal fields
    (phones, birthdays, profile answers) wherever the report quotes them, messages included."""
    counts = result.counts()
    summary: list[list[object]] = [
        [tr(lang, "Master workbook"), str(result.master)],
        [tr(lang, "Run at"), result.now],
        [tr(lang, "Dry run"), yes_no(result.dry_run, lang)],
        [tr(lang, "Files in all"), len(result.outcomes)],
    ]
    summary += [[_status(s, lang), counts.get(s, 0)] for s in STATUSES]
    summary += [
        [tr(lang, "Rows added"), result.rows_added],
        [tr(lang, "Rows updated"), result.rows_updated],
        [cmsg("consolidation report", "Errors").render(lang), sum(len(o.errors) for o in result.outcomes)],
        [cmsg("consolidation report", "Warnings").render(lang), sum(len(o.warnings) for o in result.outcomes)],
        [tr(lang, "Conflicts"), len(result.conflicts)],
        [tr(lang, "Tables written"), listing(table_label(t, lang) for t in result.written).render(lang)],
    ]
    item = [("item", msg("Item")), ("item_value", cmsg("consolidation report", "Value"))]
    sheets = [
        # the figures among the texts (the master, the time) read as counts, 12,345 rows added, not 12345
        _sheet(
            cmsg("consolidation report", "Summary").render(lang),
            item,
            summary,
            row_kinds=(RowKinds(("item_value",), tuple(not isinstance(v, str) for _, v in summary), "count"),),
        ),
        _by_form(result, lang),
        _files(result, lang),
        _errors(result, lang, without_sensitive),
        _changes(result, lang, without_sensitive),
        _conflicts(result, lang, without_sensitive),
    ]
    if without_sensitive:
        # A personal value masked in its field may be quoted elsewhere too: a file named 王经理_13911112222.xlsx, a
        # note or message naming the contact's new phone. Every text cell is searched for it, as an export's are.
        scrub = scrubber({v: MASK for v in _personal_values(result) if len(v) >= MIN_SCRUBBED["removed"]})
        sheets = [
            dataclasses.replace(s, frame=s.frame.map(lambda v: scrub(v) if isinstance(v, str) else v)) for s in sheets
        ]
    heading = Heading(tr(lang, "Consolidation report"), as_of=dt.datetime.fromisoformat(result.now).date())
    return write_report_book(path, sheets, heading=heading, lang=lang)


def _personal_values(result: RunResult) -> set[str]:
    """Every value the masked report hides in its own field: bad personal values, personal columns' before and
    after, the personal parts of row keys, the values of conflicts and duplicates on a personal Customers field."""
    values = {i.value for o in result.outcomes for i in o.issues if _personal_field(i)}
    for c in result.changes:
        if c.field and personal_column(c.table, c.field):
            values.update((c.before, c.after))
        row_key = ROW_KEYS.get(c.table)
        parts = c.key.split(" / ")
        if row_key and len(parts) == len(row_key.columns):
            values.update(p for p, col in zip(parts, row_key.columns) if personal_column(c.table, col))
    for conflict in result.conflicts:
        if _quotes_personal_values(conflict):
            values.update((conflict.master_value, conflict.submitted_value))
    return {str(v).removesuffix("…") for v in values if v is not None and str(v).strip()}


SHA_SHOWN = 12  # enough to tell files apart and to name one in --accept/--reject/--undo; the ledger keeps it whole


def _form_titles(ids: set[str], lang: Lang) -> dict[str, str]:
    """Each catalog form's name as the rep's copy shows it (a file no form was recognised in has none)."""
    titles = {f: load_form(f).title for f in ids & set(form_ids())}
    return {f: t.zh if lang == "zh" else t.en for f, t in titles.items()}


_BY_FORM_COLUMNS: tuple[Column, ...] = (
    ("form", msg("Form")),
    ("files", cmsg("count", "Files")),
    ("rows_added", msg("Rows added")),
    ("rows_updated", msg("Rows updated")),
    ("rows_refused", msg("Rows refused")),
    ("files_rejected", msg("Files rejected")),
    ("duplicate_files", msg("Duplicate files")),
    ("files_waiting", msg("Files waiting for review")),
)


def form_counts(outcomes: Sequence[FileOutcome]) -> dict[str, list[int]]:
    """Per form id (blank: no form recognised): files, rows added, rows updated, rows refused, files rejected,
    duplicate and waiting for review; forms in id order, the unrecognised last.

    Rows refused are the lines left out of a file that was taken (accepted or partial); a rejected, duplicate or
    waiting file is counted as a file, its lines are not.
    """
    counts: dict[str, list[int]] = {}
    for o in sorted(outcomes, key=lambda o: (not o.form_id, o.form_id)):
        row = counts.setdefault(o.form_id, [0] * 7)
        refused = sum(1 for r in o.rows if not r.ok) if o.status in ("accepted", "partial") else 0
        for i, n in enumerate(
            (
                1,
                o.rows_added,
                o.rows_updated,
                refused,
                o.status == "rejected",
                o.status == "duplicate",
                o.status == "needs_review",
            )
        ):
            row[i] += int(n)
    return counts


def _by_form(result: RunResult, lang: Lang) -> Sheet:
    """One row per form: what its files brought, what was refused and what waits, for the review meeting."""
    counts = form_counts(result.outcomes)
    titles = _form_titles(set(counts), lang)
    rows = [[titles.get(f) or (f or tr(lang, "no form recognised")), *n] for f, n in counts.items()]
    keys = [key for key, _ in _BY_FORM_COLUMNS]
    totals = {key: float(sum(n[i] for n in counts.values())) for i, key in enumerate(keys[1:])} if rows else None
    return _sheet(
        tr(lang, "By form"),
        _BY_FORM_COLUMNS,
        rows,
        kinds=dict.fromkeys(keys[1:], "count"),
        totals=totals,
    )


def _files(result: RunResult, lang: Lang) -> Sheet:
    columns: tuple[Column, ...] = (
        ("file", msg("File")),
        ("file_status", cmsg("consolidation report", "Status")),
        ("reason", msg("Reason")),
        ("form", msg("Form")),
        ("version", msg("Version")),
        ("rep", msg("Rep")),
        ("period", msg("Period")),
        ("rows_added", msg("Rows added")),
        ("rows_updated", msg("Rows updated")),
        ("errors", cmsg("count", "Errors")),
        ("warnings", cmsg("count", "Warnings")),
        ("corrects", msg("Corrects")),
        ("sha256", msg("SHA-256 (start)")),
    )
    titles = _form_titles({o.form_id for o in result.outcomes}, lang)
    counted = dict.fromkeys(("rows_added", "rows_updated", "errors", "warnings"), "count")
    rows = [
        [
            o.name,
            _status(o.status, lang),
            o.reason_zh if lang == "zh" else o.reason_en,
            titles.get(o.form_id, ""),
            o.version or "",
            o.rep,
            o.period,
            o.rows_added,
            o.rows_updated,
            len(o.errors),
            len(o.warnings),
            o.corrects,
            o.sha256[:SHA_SHOWN],
        ]
        for o in result.outcomes
    ]
    return _sheet(tr(lang, "Files"), columns, rows, kinds=counted, row_names=("file",), widths=_text_widths(columns))


def _masked(value: object, message: str, personal: bool) -> tuple[object, str]:
    """The value and the message quoting it, with the value masked when it is personal data."""
    text = "" if value is None else str(value).removesuffix("…")  # a long value is quoted cut short
    if not personal or not text:
        return value, message
    return MASK, message.replace(text, MASK)


def _errors(result: RunResult, lang: Lang, without_sensitive: bool) -> Sheet:
    columns: tuple[Column, ...] = (
        ("file", msg("File")),
        ("sheet", msg("Sheet")),
        ("cell", msg("Cell")),
        ("field", msg("Field")),
        ("submitted_value", msg("Value")),
        ("message", msg("Message")),
        ("severity", msg("Severity")),
    )
    severity = {"error": tr(lang, "error"), "warning": tr(lang, "warning")}
    rows = []
    for issue in (i for o in result.outcomes for i in o.issues):
        value, reason = issue.value, issue.reason
        if without_sensitive and _personal_field(issue):
            # Told without the value or anything taken from it: a reason may quote the value as typed, or a part of
            # it in other words (the 1981-02 of a birthday 1981-02-30, the choice a word was read as).
            value, reason = MASK if value else value, withheld(reason)
        field = issue.field_label(lang)
        # A blank sheet would read as one missing: a note about the whole file says so.
        sheet = tr(lang, "Whole file") if issue.whole_file else issue.sheet
        rows.append([issue.file, sheet, issue.cell, field, value, reason.render(lang), severity[issue.severity]])
    title = cmsg("consolidation report", "Errors").render(lang)
    return _sheet(title, columns, rows, row_names=("file", "sheet", "cell"), widths=_text_widths(columns))


def _personal_field(issue: Issue) -> bool:
    """Whether an issue's field is personal data, by its name in either language."""
    return any(is_sensitive_label(issue.field_label(lang)) for lang in LANGS)


def _quotes_personal_values(conflict: Conflict) -> bool:
    """Whether a conflict's values are personal data: a differing phone, a duplicate found by its phone."""
    return conflict.kind in ("value", "duplicate") and personal_column(CUSTOMERS.name, conflict.field)


def _row_key(table: str, key: str) -> str:
    """A row's key as the report shows it without personal data: a contact's phone in it masked."""
    row_key = ROW_KEYS.get(table)
    personal = [personal_column(table, c) for c in row_key.columns] if row_key else []
    if not any(personal):
        return key
    parts = key.split(" / ")
    if len(parts) != len(personal):  # a value holding " / " itself: which part is which cannot be told
        return MASK
    return " / ".join(MASK if p and part else part for part, p in zip(parts, personal))


def _changes(result: RunResult, lang: Lang, without_sensitive: bool) -> Sheet:
    columns: tuple[Column, ...] = (
        ("change_kind", cmsg("consolidation report", "Change")),
        ("file", msg("File")),
        ("earlier_file", msg("Earlier file")),
        ("table", msg("Table")),
        ("row_key", cmsg("consolidation report", "Row")),
        ("field", msg("Field")),
        ("before", msg("Before")),
        ("after", msg("After")),
    )
    rows = []
    for c in result.changes:
        row = [
            CHANGE_LABELS[c.kind].render(lang),
            c.file,
            c.earlier,
            table_label(c.table, lang),
            c.key,
            _column_label(c.table, c.field, lang),
            c.before,
            c.after,
        ]
        if without_sensitive:
            row[4] = _row_key(c.table, c.key)
            if c.field and personal_column(c.table, c.field):
                row[6:8] = [MASK if c.before else "", MASK if c.after else ""]
        rows.append(row)
    return _sheet(tr(lang, "Changes"), columns, rows, row_names=("file",), widths=_text_widths(columns))


def _column_label(table: str, key: str, lang: Lang) -> str:
    schema = ALL_CONSOLIDATION_TABLES.get(table)
    return schema.column(key).header(lang) if schema and key in schema.keys else key


def _conflicts(result: RunResult, lang: Lang, without_sensitive: bool) -> Sheet:
    columns: tuple[Column, ...] = (
        ("conflict_kind", msg("Kind")),
        ("file", msg("File")),
        ("customer_id", msg("Customer ID")),
        ("field", msg("Field")),
        ("master_value", msg("Master value")),
        ("submitted", msg("Submitted")),
        ("score", msg("Score")),
        ("note", msg("Note")),
    )
    rows = []
    for c in result.conflicts:
        # A value conflict quotes the field's values, a probable duplicate those it matched on (a phone, a name).
        personal = without_sensitive and _quotes_personal_values(c)
        master_value, note = _masked(c.master_value, (c.zh if lang == "zh" else c.en), personal)
        submitted, note = _masked(c.submitted_value, note, personal)
        rows.append(
            [
                _KIND_LABELS[c.kind].render(lang),
                c.file,
                c.customer_id,
                _field_label(c.field, lang),
                master_value,
                submitted,
                c.score if c.score is not None else "",
                note,
            ]
        )
    return _sheet(tr(lang, "Conflicts"), columns, rows, widths=_text_widths(columns))


_REPORT_NAMES = {"zh": "汇总报告", "en": "consolidation"}  # the word in a default report's file name


def default_report_path(
    result: RunResult, lang: Lang, folder: Path | None = None, *, replace_same_run: bool = False
) -> Path:
    """Where a run's report goes when none is named: beside the master (or in ``folder``), named after the master
    and the run's date and time, e.g. ``master-汇总报告-2026-11-30-0812.xlsx``; a name already taken gets -2, -3 ...

    Every run leaves a report (a dry run too), and no run overwrites an earlier one. Only the demo, whose run
    time is fixed so that a second run gives the same outputs, asks to replace its own earlier report
    (``replace_same_run``).
    """
    when = dt.datetime.fromisoformat(result.now)
    base = f"{result.master.stem}-{_REPORT_NAMES[lang]}-{when:%Y-%m-%d-%H%M}"
    folder = folder or result.master.parent
    path, n = folder / f"{base}.xlsx", 1
    while path.exists() and not replace_same_run:
        n += 1
        path = folder / f"{base}-{n}.xlsx"
    return path


def earlier_reports(master: Path) -> list[Path]:
    """The reports earlier runs left beside ``master`` under ``default_report_path``'s names, in either language:
    a SOURCE folder that holds the master holds them too, and they are no submissions."""
    return sorted(p for word in _REPORT_NAMES.values() for p in master.parent.glob(f"{master.stem}-{word}-*.xlsx"))
