"""The customer import's report workbook: a summary, every row of the list with what became of it, and the values
that differ from the archive's (written through keyacct_xl.reports: headers in the reader's language, A4)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from keyacct_xl.consolidate.customerimport import HELD, ROW_STATUS_LABELS, ROW_STATUSES, RowOutcome, masked
from keyacct_xl.consolidate.intake import shown_name
from keyacct_xl.i18n import Lang
from keyacct_xl.labels import yes_no
from keyacct_xl.master.schema import CUSTOMERS
from keyacct_xl.messages import Pair, Rendered, cmsg, listing, msg, tr
from keyacct_xl.reports import Heading, Highlight, Sheet, write_report

if TYPE_CHECKING:
    from keyacct_xl.consolidate.importing import CustomerImport

Column = tuple[str, Rendered]


def _sheet(title: str, columns: Sequence[Column], rows: Sequence[Sequence[object]], **options: object) -> Sheet:
    frame = pd.DataFrame([list(r) for r in rows], columns=[k for k, _ in columns], dtype=object)
    return Sheet(title, frame, headers=dict(columns), **options)  # type: ignore[arg-type]


def _header(key: str) -> Pair:
    """A Customers column's header in both languages, as the master's sheet shows it."""
    column = CUSTOMERS.column(key)
    return Pair(column.en, column.zh)


def write_import_report(result: CustomerImport, path: Path, lang: Lang) -> Path:
    """Write the report of ``result`` to ``path`` (atomically, a different earlier file kept as its backup)."""
    sheets = [_summary(result, lang), _rows(result, lang), _changes(result, lang)]
    heading = Heading(tr(lang, "Customer list import"), as_of=dt.datetime.fromisoformat(result.now).date())
    return write_report(path, sheets, heading=heading, lang=lang)


def _summary(result: CustomerImport, lang: Lang) -> Sheet:
    listed = result.customer_list
    unrecognised = [c.header for c in listed.unrecognised]
    rows: list[list[object]] = [
        [tr(lang, "Customer list"), shown_name(result.source)],
        [tr(lang, "Sheet"), listed.sheet or ""],
        [tr(lang, "Header row"), listed.header_row],
        [tr(lang, "Master workbook"), str(result.master)],
        [tr(lang, "Run at"), result.now],
        [tr(lang, "Dry run"), yes_no(result.dry_run, lang)],
        [tr(lang, "Personal data masked"), yes_no(result.without_sensitive, lang)],
        [tr(lang, "Held rows decided") if result.decided else tr(lang, "Rows of the list"), len(result.rows)],
        *([ROW_STATUS_LABELS[s].render(lang), result.count(s)] for s in ROW_STATUSES),
        [tr(lang, "Columns imported"), listing(c.header for c in listed.recognised).render(lang)],
        [tr(lang, "Columns not imported"), listing(unrecognised).render(lang) if unrecognised else ""],
        [tr(lang, "Merged cells"), _joined([n.render(lang) for n in listed.merges], lang)],
        [tr(lang, "Backup of the master"), str(result.backup or "")],
    ]
    item = [("item", msg("Item")), ("item_value", cmsg("consolidation report", "Value"))]
    return _sheet(cmsg("consolidation report", "Summary").render(lang), item, rows)


def _rows(result: CustomerImport, lang: Lang) -> Sheet:
    columns: list[Column] = [
        ("list_row", msg("Row of the list")),
        ("outcome", cmsg("customer import", "Outcome")),
        ("customer_id", _header("customer_id")),
        ("customer_name", _header("name")),
        ("cells", msg("Cells")),
        ("reason", msg("Reason and warnings")),
    ]
    rows = [_row(r, lang) for r in result.rows]
    refused = tuple(r.status == "refused" for r in result.rows)
    held = tuple(r.status in HELD for r in result.rows)
    marked = ("outcome", "reason")
    highlights = (Highlight(marked, refused, "alert"), Highlight(marked, held, "warn"))
    return _sheet(tr(lang, "Row by row"), columns, rows, highlights=highlights, kinds={"list_row": "int"})


def _row(row: RowOutcome, lang: Lang) -> list[object]:
    said = [row.reason.render(lang)] if row.reason is not None else []
    said += [w.render(lang) for w in row.warnings]
    return [
        row.row,
        ROW_STATUS_LABELS[row.status].render(lang),
        row.customer_id,
        row.name,
        " ".join(row.cells),
        _joined(said, lang),
    ]


def _joined(said: Sequence[str], lang: Lang) -> str:
    return "；".join(said) if lang == "zh" else "; ".join(said)


def _changes(result: CustomerImport, lang: Lang) -> Sheet:
    columns: list[Column] = [
        ("list_row", msg("Row of the list")),
        ("customer_id", _header("customer_id")),
        ("field", msg("Field")),
        ("master_value", msg("In the master")),
        ("list_value", msg("In the list")),
        ("applied", msg("Applied")),
    ]
    rows = [
        [
            r.row,
            r.customer_id,
            CUSTOMERS.column(c.key).header(lang),
            c.before,
            c.after,
            yes_no(r.status == "updated" and not result.dry_run, lang),
        ]
        for r in result.rows
        for c in masked(r, result.without_sensitive)
    ]
    return _sheet(tr(lang, "Differing values"), columns, rows, kinds={"list_row": "int"})
