"""Undo one consolidated file: the rows it added leave the master, the rows it changed get their values back.

Every value a file replaced is in SubmissionHistory (``changed_by`` = the file's sha256), so a file can be taken
back exactly, newest first: a file whose rows a later file changed again is refused until that later file is
undone. A customer the file created is removed only when nothing else in the master refers to it. A dry run does
all of it in memory and writes nothing: what the undo would remove and restore, or why it would be refused.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from contextlib import nullcontext
from dataclasses import dataclass, replace
from pathlib import Path

import pandas as pd

from keyacct_xl.consolidate.added import (
    ADDED,
    ChangedSinceAdded,
    changed_since_added,
    named_rows,
    personal_column,
    sheet_and_header,
    shown_or_blank,
)
from keyacct_xl.consolidate.changes import shown as shown_value
from keyacct_xl.consolidate.formulacells import formula_cells
from keyacct_xl.consolidate.frames import typed_frame
from keyacct_xl.consolidate.intake import sha256, shown_name
from keyacct_xl.consolidate.normalize import NORMALIZED, restore_typed_text
from keyacct_xl.consolidate.recordkinds import UPDATED, recorded_changes
from keyacct_xl.consolidate.referrers import Blockers, master_blockers
from keyacct_xl.consolidate.routes import ROUTES, ROW_KEYS, route_tables
from keyacct_xl.consolidate.rowmatch import KeyedRows
from keyacct_xl.consolidate.sentagain import SENT_AGAIN, HandedOver, Handover, handover
from keyacct_xl.consolidate.store import Store, load_store, save_store
from keyacct_xl.errors import InputError, masking
from keyacct_xl.fileio import backup_path, master_write_lock
from keyacct_xl.history.store import sheet_label
from keyacct_xl.i18n import Lang
from keyacct_xl.master.privacy import is_personal_header, is_sensitive_key
from keyacct_xl.master.reader import load_master
from keyacct_xl.master.redact import MASK, MIN_SCRUBBED, scrubber
from keyacct_xl.master.schema import CUSTOMER_ID, CUSTOMERS, DATA_TABLES, TableSchema
from keyacct_xl.master.settings import masks_personal
from keyacct_xl.master.submissions import ALL_CONSOLIDATION_TABLES, HISTORY, LEDGER, PROVENANCE_KEYS
from keyacct_xl.messages import (
    Listing,
    Message,
    Pair,
    PersonalValue,
    listing,
    masked_message,
    msg,
    personal_values,
)
from keyacct_xl.parsing import is_blank, same_value

LIVE = ("accepted", "partial")

# The master's tables consolidation does not write (sales and payments, the grade history): no file added their rows.
_OUTSIDE_CONSOLIDATION = tuple(schema for schema in DATA_TABLES if schema.name not in ALL_CONSOLIDATION_TABLES)


@dataclass(frozen=True)
class UndoneRows:
    """The rows of one table an undo removed or gave their earlier values back: by their key values."""

    table: str
    restored: bool
    keys: tuple[Listing, ...]

    def line(self) -> Message:
        """``Visits: removed 2 rows: 张三 · C0009 · 2026-11-23 · 面谈, …``."""
        schema = ALL_CONSOLIDATION_TABLES[self.table]
        table = Pair(schema.sheet_en, schema.sheet_zh)
        named = named_rows(self.keys)
        if self.restored:
            return msg(
                "{table}: {count} row(s) given their earlier values back: {rows}",
                table=table,
                count=len(self.keys),
                rows=named,
            )
        return msg("{table}: {count} row(s) removed: {rows}", table=table, count=len(self.keys), rows=named)


@dataclass(frozen=True)
class UndoneCell:
    """A cell of a row the undo gives its earlier values back: put back (``before`` replacing ``now``, the value the
    file wrote), or ``kept`` as it is, a person having changed it by hand since."""

    table: str
    row: Listing  # the row's key values, as ``UndoneRows`` names rows
    column: str
    now: object
    before: object
    kept: bool

    def line(self) -> Message:
        """``Customers C0004: 电话 022-22222222 → 022-40139300``, or ``Visits 张三 · C001 · …: 结果 changed by hand
        since the file wrote it (x): kept, not put back to y``; a personal column's values as ``PersonalValue``."""
        table, column = sheet_and_header(self.table, self.column)
        personal = personal_column(self.table, self.column)
        shown = {
            "table": table,
            "row": self.row,
            "column": column,
            "now": shown_or_blank(self.now, personal),
            "before": shown_or_blank(self.before, personal),
        }
        if self.kept:
            return msg(
                "{table} {row}: {column} was changed by hand after the file wrote it ({now}): kept, not put back to "
                "{before}",
                **shown,
            )
        return msg("{table} {row}: {column} {now} → {before}", **shown)


@dataclass(frozen=True)
class TypedBeside:
    """A cell a person typed in a column of their own beside a row the undo removed: gone with the row."""

    table: str
    row: Listing  # the row's key values, as ``UndoneRows`` names rows
    column: str  # the column's header, as the sheet has it
    value: object

    def line(self) -> Message:
        """``Visits 张三 · C001 · 2026-11-23: 备注2 holds 已电话确认, typed by hand beside a row of the file, …``; the
        value of a personal column (手机2) as ``PersonalValue``."""
        schema = ALL_CONSOLIDATION_TABLES[self.table]
        text = shown_value(self.value)
        return msg(
            "{table} {row}: {column} holds {value}, typed by hand beside a row of the file, which the undo removes",
            table=Pair(schema.sheet_en, schema.sheet_zh),
            row=self.row,
            column=self.column,
            value=PersonalValue(text) if is_personal_header(self.column) else text,
        )


@dataclass(frozen=True)
class CopiedRows:
    """Rows of one table a person copied from rows the file added (its fingerprint copied along): kept, their
    fingerprint cleared, as rows of the person's."""

    table: str
    keys: tuple[Listing, ...]

    def line(self) -> Message:
        """``Visits: 1 row(s) kept, copied by hand from a row of the file (same source row and key): …``."""
        schema = ALL_CONSOLIDATION_TABLES[self.table]
        return msg(
            "{table}: {count} row(s) kept, copied by hand from a row of the file (same source row and key), their "
            "file fingerprint cleared: {rows}",
            table=Pair(schema.sheet_en, schema.sheet_zh),
            count=len(self.keys),
            rows=named_rows(self.keys),
        )


@dataclass(frozen=True)
class UndoResult:
    """What undoing one file did, with the rows it removed and restored and the hand edits it kept."""

    file: str
    sha256: str
    removed: int
    restored: int
    dry_run: bool = False
    rows: tuple[UndoneRows, ...] = ()
    kept: tuple[UndoneCell, ...] = ()
    beside: tuple[TypedBeside, ...] = ()  # what people typed in columns of their own beside the rows removed
    copies: tuple[CopiedRows, ...] = ()  # rows people copied from the file's: kept
    since: tuple[ChangedSinceAdded, ...] = ()  # cells of the rows removed changed after the file added them
    unreadable: int = 0  # the file's records of rows it added whose 写入值 was edited into no row: not checked
    handed: tuple[HandedOver, ...] = ()  # rows it added that later files sent again: kept, now theirs
    put_back: tuple[UndoneCell, ...] = ()  # cells given their earlier values back, with the value each replaced
    without_sensitive: bool = False  # personal values shown as ***: asked by the option or the master's Settings

    def summary(self, lang: Lang) -> str:
        """A line for the console, then a line per table naming its rows; ``without_sensitive`` masks personal
        values (``***``): a personal column's before and after, the phone in a contact's name, and such a value
        quoted anywhere else in the lines (a file named after the contact)."""
        lines = self._lines()
        head, *details = ((masked_message(line) if self.without_sensitive else line).render(lang) for line in lines)
        text = "\n".join([head, *("  " + line for line in details)])
        if not self.without_sensitive:
            return text
        found = {value for line in lines for value in personal_values(line)}
        return scrubber({value: MASK for value in found if len(value) >= MIN_SCRUBBED["removed"]})(text)

    def _lines(self) -> list[Message]:
        shown = {"file": self.file, "removed": self.removed, "restored": self.restored}
        if self.dry_run:
            head = msg(
                "dry run, the master is unchanged: undoing {file} would remove {removed} rows and restore {restored}",
                **shown,
            )
        else:
            head = msg("undone {file}: {removed} rows removed, {restored} restored", **shown)
        lines = [head, *(r.line() for r in self.rows), *(c.line() for c in (*self.put_back, *self.kept))]
        lines += [*(c.line() for c in self.since), *(b.line() for b in self.beside)]
        if self.unreadable:
            lines.append(
                msg(
                    "{sheet}: {count} row(s) recording what the file added hold no row's values in {column} (edited "
                    "by hand?): the rows they record are removed unchecked",
                    sheet=Pair(HISTORY.sheet_en, HISTORY.sheet_zh),
                    count=self.unreadable,
                    column=HISTORY.column("written"),
                )
            )
        return [*lines, *(c.line() for c in self.copies), *(h.line() for h in self.handed)]


KEY_PARTS = Pair(" · ", " · ")  # between the key values naming a row


def _key_columns(table: str, row: Mapping[str, object]) -> tuple[str, ...]:
    return ROW_KEYS[table].columns if table in ROW_KEYS else tuple(row)[:3]


def _row_key(table: str, row: Mapping[str, object]) -> Listing:
    """A row as a person finds it again: its key columns' values (an id, a date, a rep), `` · ``-joined; a personal
    one (a contact's phone) as a ``PersonalValue``, for a masked text to hide."""
    shown = ((c, shown_value(row.get(c))) for c in _key_columns(table, row) if not is_blank(row.get(c)))
    return listing((PersonalValue(text) if personal_column(table, c) else text for c, text in shown), between=KEY_PARTS)


def _file_sha(wanted: str) -> str | None:
    """The sha256 of the file at path ``wanted``, None when no such file is there."""
    path = Path(wanted)
    try:
        return sha256(path.read_bytes()) if path.is_file() else None
    except OSError:  # a file that cannot be read is looked for by its name, like any other name
        return None


def _entry(ledger: pd.DataFrame, wanted: str) -> pd.Series:
    """The live ledger entry of ``wanted``: a path to the file (by its sha256), its name, base name or sha256 start."""
    names = ledger["file_name"].astype(str)
    shas = ledger["file_sha256"].astype(str)
    content = _file_sha(wanted)
    wanted = shown_name(Path(wanted))  # a name that is not UTF-8 is recorded with escapes (consolidate.intake)
    if content is not None:  # the file itself: its bytes say which submission it was, whatever its name now
        same = ledger[(shas == content) & ledger["status"].isin(LIVE)]
        if len(same) == 1:
            return same.iloc[0]
    named = (
        (names == wanted)
        | (names.str.rsplit("/", n=1).str[-1] == wanted)
        | ((len(wanted) >= 8) & shas.str.startswith(wanted.lower()))
    )
    hit = ledger[named & ledger["status"].isin(LIVE)]
    if len(hit) == 1:
        return hit.iloc[0]
    if hit.empty:
        _refuse_undone_already(ledger[(named | (shas == content)) & (ledger["status"] == "undone")], wanted)
    if hit.empty and content is not None:
        raise InputError(
            msg(
                "{wanted}: this file (sha256 {sha}) is not a consolidated file of the master's ingestion ledger "
                "(never consolidated, or undone already)",
                wanted=wanted,
                sha=content[:12],
            )
        )
    if hit.empty:
        raise InputError(
            msg("{wanted}: no consolidated file of that name or sha256 in the master's ingestion ledger", wanted=wanted)
        )
    listed = ", ".join(f"{s[:10]} ({t})" for s, t in zip(hit["file_sha256"], hit["consolidated_at"]))
    raise InputError(
        msg(
            "{wanted}: several consolidated files have that name; give the sha256 start: {listed}",
            wanted=wanted,
            listed=listed,
        )
    )


def _refuse_undone_already(undone: pd.DataFrame, wanted: str) -> None:
    """Say so when the file asked for is in the ledger only as undone: nothing is left to undo (it was said to be
    no consolidated file of the ledger, which the ledger contradicts)."""
    if undone.empty:
        return
    raise InputError(
        msg(
            "{wanted}: this file was undone already (consolidated {when}, now marked undone in the ingestion ledger): "
            "nothing to undo; consolidate --accept FILE merges it again",
            wanted=wanted,
            when=", ".join(str(t) for t in undone["consolidated_at"]),
        )
    )


def _refuse_if_changed_later(store: Store, sha: str) -> None:
    history, ledger = store.frame(HISTORY.name), store.frame(LEDGER.name)
    changes = recorded_changes(history)
    # a later file that sent a row again changed nothing: the undo hands the row to it (consolidate/sentagain.py)
    later = history[(history["file_sha256"] == sha) & (history["changed_by"] != sha) & (changes != SENT_AGAIN)]
    files = {str(s) for s in later["changed_by"]} | _changed_again(history, changes, sha)
    if not files:
        return
    names = ledger.set_index("file_sha256")["file_name"]
    shown = ", ".join(sorted({str(names.get(s, s)) for s in files}))
    raise InputError(msg("rows of this file were changed later by {files}: undo that first", files=shown))


def _changed_again(history: pd.DataFrame, changes: pd.Series, sha: str) -> set[str]:
    """The files that changed a row again after file ``sha`` changed it, by the history's order: an import updates a
    person's row without taking it as its own, so the row's 文件指纹 cannot tell (a second import of the same phone
    made the first one's undo call the second's value typed by hand, and the phone before both was lost)."""
    updates = history[changes.isin([UPDATED, NORMALIZED])]
    mine = updates[updates["changed_by"] == sha]
    if mine.empty:
        return set()
    others = updates[updates["changed_by"] != sha]
    changed_at: dict[tuple[str, Listing], list[tuple[int, str]]] = {}  # a row (table, key) -> where and by whom
    for at, table, data, by in zip(others.index, others["table"], others["data"], others["changed_by"]):
        changed_at.setdefault((str(table), _row_key(str(table), _row_values(data) or {})), []).append((at, str(by)))
    found: set[str] = set()
    for at, table, data in zip(mine.index, mine["table"], mine["data"]):
        row = (str(table), _row_key(str(table), _row_values(data) or {}))
        found |= {by for later, by in changed_at.get(row, ()) if later > at}
    return found


def _restore(
    store: Store, table: str, data: dict[str, object], sha: str, change: str, written: dict[str, object] | None
) -> tuple[dict[str, object], list[UndoneCell], list[UndoneCell] | None]:
    """Put a row's earlier values back: the row with its key, preferring the rows ``sha`` wrote; a cell the
    consolidation stored as its column's kind (``change`` normalized) as the text it was typed as. The row typed
    (its key columns only for such a cell), the cells kept because they were changed by hand since, and the cells
    put back (None for a cell given back the text it was typed as)."""
    frame, schema = store.frames[table], ALL_CONSOLIDATION_TABLES[table]
    # a cell stored as its column's kind holds text that column's typing would refuse: the row found by its key
    typed = {k: v for k, v in data.items() if k in ROW_KEYS[table].all_columns()} if change == NORMALIZED else data
    old = _typed(typed, schema, list(frame.columns), "data")
    own = frame["file_sha256"] == sha if "file_sha256" in frame.columns else pd.Series(False, index=frame.index)
    for candidates in (frame.index[own], frame.index):
        [where] = KeyedRows.of_frame(frame.loc[candidates], ROW_KEYS[table]).matches([old])
        if where is not None:
            position = frame.index.get_loc(candidates[where[1]])
            assert isinstance(position, int)  # a row of the table's own unique labels
            if change == NORMALIZED:
                restore_typed_text(store, table, position, data)
                return old, [], None
            wrote = _typed(written, schema, list(written), "written") if written else None
            kept, put = _put_back(frame, position, old, wrote)
            key = _row_key(table, old)
            return (
                old,
                [UndoneCell(table, key, column, now, old.get(column), True) for column, now in kept],
                [UndoneCell(table, key, column, now, old.get(column), False) for column, now in put],
            )
    raise InputError(
        msg(
            "{table}: the row {row} this file changed is no longer in the master (its {keys} changed by hand?): "
            "not undone; type them back as they were, or keep the file",
            table=Pair(schema.sheet_en, schema.sheet_zh),
            row=_row_key(table, old),
            keys=listing(schema.column(c) for c in ROW_KEYS[table].columns if c in schema.keys),
        )
    )


def _typed(values: dict[str, object], schema: TableSchema, columns: list[str], recorded: str) -> dict[str, object]:
    """A row's values read back from their JSON (SubmissionHistory's column ``recorded``), typed as its table's
    ``columns``."""
    try:
        frame = typed_frame([values], schema, columns)
    except (ValueError, TypeError, OverflowError):  # a value edited into what its column cannot hold ("xx", 1e999)
        raise _not_as_recorded(recorded, json.dumps(values, ensure_ascii=False)) from None
    return {str(k): v for k, v in frame.iloc[0].to_dict().items()}


def _recorded(text: object, recorded: str) -> dict[str, object]:
    """The row of values a SubmissionHistory cell of column ``recorded`` holds as JSON; a cell edited into anything
    else is refused naming it, since the undo cannot tell what to put back."""
    values = _row_values(text)
    if values is None:
        raise _not_as_recorded(recorded, text)
    return values


def _row_values(text: object) -> dict[str, object] | None:
    """The row of values a SubmissionHistory cell holds as JSON, None when it holds anything else."""
    try:
        values = json.loads(str(text))
    except json.JSONDecodeError:
        return None
    return values if isinstance(values, dict) else None


def _not_as_recorded(recorded: str, text: object) -> InputError:
    return InputError(
        msg(
            "{sheet}, column {column}: {text} is not a row's values as the consolidation recorded them (was the cell "
            "edited?): not undone; put the cell back as it was",
            sheet=Pair(HISTORY.sheet_en, HISTORY.sheet_zh),
            column=HISTORY.column(recorded),
            text=EditedCell(str(text)),
        )
    )


_QUOTED = 80  # characters of an edited cell quoted in the refusal: enough to find it


@dataclass(frozen=True)
class EditedCell:
    """A SubmissionHistory cell an undo cannot read, as its refusal quotes it (its first ``_QUOTED`` characters)."""

    text: str

    def __format__(self, spec: str) -> str:
        return format(_cut(self.text), spec)

    def masked(self) -> str:
        """The cell with the values of its personal keys as ``***``; all of it, when it holds no row's values (nothing
        tells its personal part then)."""
        row = _row_values(self.text)
        if row is None:
            return MASK
        return _cut(json.dumps({k: MASK if is_sensitive_key(k) else v for k, v in row.items()}, ensure_ascii=False))


def _cut(text: str) -> str:
    return text if len(text) <= _QUOTED else text[:_QUOTED] + "…"


def _put_back(
    frame: pd.DataFrame, position: int, old: Mapping[str, object], written: Mapping[str, object] | None
) -> tuple[list[tuple[str, object]], list[tuple[str, object]]]:
    """Write ``old`` into row ``position``: with ``written`` known, only the cells still holding what the change
    wrote (and the provenance); a cell changed by hand since is kept. Without it (a change recorded by an earlier
    version) every cell. The cells kept and the cells put back (provenance aside), each with the value it held."""
    kept: list[tuple[str, object]] = []
    put: list[tuple[str, object]] = []
    for column, value in old.items():
        at = frame.columns.get_loc(column)
        assert isinstance(at, int)  # the table's columns are unique
        now: object = frame.iat[position, at]
        if written is not None and column not in PROVENANCE_KEYS:
            if column not in written:
                continue  # the change never wrote it: whatever it holds now is someone else's
            if not same_value(now, written[column]):
                if not same_value(now, value):  # typed back by hand to what the undo puts back: nothing kept
                    kept.append((column, now))
                continue
        if column not in PROVENANCE_KEYS and not same_value(now, value):
            put.append((column, now))
        frame.iat[position, at] = None if is_blank(value) else value
    return kept, put


def _refuse_if_referred_to(store: Store, sha: str) -> None:
    """Refuse when a customer the file created is referred to by rows other files wrote or by rows of the master's
    own tables, which consolidation does not write (sales and payments, the history store's lines among them, the
    grade history): taken out, it would leave them naming no customer. Every place referring to one is named (its
    sheet, or the history store, with its count of rows), and the undos that free them, in order."""
    blockers = created_blockers(store, sha)
    if blockers.used:
        raise InputError(
            msg(
                "customer(s) {ids} created by this file are referred to by rows of {tables}: not undone; first "
                "{steps}, or keep the customers",
                **blockers.params(),
            )
        )


def created_blockers(store: Store, sha: str) -> Blockers:
    """What keeps the customers the file ``sha`` created (a consolidated card, an imported list) in the master: the
    rows other files wrote naming them, and the rows of the master's tables consolidation does not write."""
    customers = store.frame(CUSTOMERS.name)
    created = set(customers.loc[customers["file_sha256"] == sha, "customer_id"].dropna().astype(str))
    if not created:
        return Blockers(set(), [], [])
    by_other_files = (  # the rows other files wrote, in every consolidation table naming customers
        (sheet_label(ALL_CONSOLIDATION_TABLES[name]), _not_of(frame, sha)[CUSTOMER_ID.key])
        for name, frame in store.frames.items()
        if name not in (CUSTOMERS.name, LEDGER.name, HISTORY.name) and CUSTOMER_ID.key in frame.columns
    )
    return master_blockers(load_master(store.path), store.path, created, _OUTSIDE_CONSOLIDATION, by_other_files)


def _not_of(frame: pd.DataFrame, sha: str) -> pd.DataFrame:
    """The rows of ``frame`` another file wrote or a person typed (all of them once its 文件指纹 column is gone)."""
    return frame[frame["file_sha256"] != sha] if "file_sha256" in frame.columns else frame


def submission_sha(master: str | Path, wanted: str) -> str:
    """The sha256 of the live consolidated file ``wanted`` names (as ``undo_submission`` finds it)."""
    return str(_entry(load_store(master).frame(LEDGER.name), wanted)["file_sha256"])


def undo_submission(
    master: str | Path, wanted: str, *, dry_run: bool = False, without_sensitive: bool = False
) -> UndoResult:
    """Take one consolidated file (path, name, base name or sha256 start) back out of ``master``.

    ``dry_run`` works the undo out and refuses as the undo would, but writes nothing. ``without_sensitive`` (or the
    master's Settings 报告中的个人信息 = 隐去) masks personal values in its summary and refusals.
    """
    with nullcontext() if dry_run else master_write_lock(Path(master)):
        store = load_store(master)
        masked = masks_personal(store.settings, without_sensitive)
        with masking(masked):
            return replace(_undo(store, wanted, dry_run=dry_run), without_sensitive=masked)


def _refuse_without_file_column(store: Store, entry: pd.Series) -> None:
    """Refuse when a table the file added rows to has lost its 文件指纹 column (deleted by hand): its rows cannot be
    told from the others, and removing none while the ledger says undone would keep them silently. Such a table is
    one whose 来源文件 names the file, or (that column gone too) one keeping other provenance columns."""
    if is_blank(entry["rows"]) or int(entry["rows"]) <= 0:
        return
    form = str(entry["form"])
    for name in route_tables(ROUTES[form]) if form in ROUTES else (CUSTOMERS.name,):
        found, frame = store.headers.get(name) or {}, store.frames[name]
        if "file_sha256" in found or frame.empty:
            continue
        if "source_file" in found:
            fed = bool((frame["source_file"].astype("string") == str(entry["file_name"])).any())
        else:
            fed = any(key in found for key in PROVENANCE_KEYS)
        if fed:
            schema = ALL_CONSOLIDATION_TABLES[name]
            raise InputError(
                msg(
                    "{sheet}: the column {column} is not in the sheet (deleted by hand?), so the rows this file "
                    "added cannot be told from the others: not undone; put the column back (the backup {backup} "
                    "may still have it) and undo again",
                    sheet=Pair(schema.sheet_en, schema.sheet_zh),
                    column=schema.column("file_sha256"),
                    backup=backup_path(store.path).name,
                )
            )


def _undo(store: Store, wanted: str, *, dry_run: bool) -> UndoResult:
    entry = _entry(store.frame(LEDGER.name), wanted)
    sha = str(entry["file_sha256"])
    _refuse_without_file_column(store, entry)
    _refuse_if_changed_later(store, sha)
    _refuse_if_referred_to(store, sha)
    history = store.frame(HISTORY.name)
    changes = recorded_changes(history)
    own = history[history["changed_by"] == sha].assign(change=changes)
    mine, snapshots = own[~own["change"].isin([ADDED, SENT_AGAIN])], own[own["change"] == ADDED]
    again = history[(changes == SENT_AGAIN) & (history["file_sha256"] == sha)]
    handed: list[HandedOver] = []
    kept_records: set[object] = set()
    restored: dict[str, list[Listing]] = {}
    kept: list[UndoneCell] = []
    put_back: list[UndoneCell] = []
    written = mine["written"] if "written" in mine.columns else pd.Series(None, index=mine.index, dtype=object)
    for table, data, change, wrote in zip(mine["table"][::-1], mine["data"][::-1], mine["change"][::-1], written[::-1]):
        row, edits, put = _restore(
            store,
            str(table),
            _recorded(data, "data"),
            sha,
            str(change),
            None if is_blank(wrote) else _recorded(wrote, "written"),
        )
        if put is None or put:  # a row whose every cell was kept (typed by hand since) is not said to be restored
            restored.setdefault(str(table), []).append(_row_key(str(table), row))
        kept += edits
        put_back += put or []
    changed = {HISTORY.name, LEDGER.name, *mine["table"].astype(str)}
    removed = 0
    rows: list[UndoneRows] = []
    beside: list[TypedBeside] = []
    since: list[ChangedSinceAdded] = []
    copies: list[CopiedRows] = []
    for name, frame in list(store.frames.items()):
        if name in (LEDGER.name, HISTORY.name) or "file_sha256" not in frame.columns:
            continue
        carried = frame["file_sha256"] == sha
        if carried.any():
            copied = _copied(frame, carried, name)
            added = carried & ~copied
            written = _written(snapshots, name)
            handing = _handover(name, frame[added], again[again["table"] == name], written)
            if handing.by_label:
                frame = _handed_frame(frame, handing)
                added &= ~frame.index.isin(list(handing.by_label))
                handed += _handed_rows(name, frame, handing)
                history = handing.recorded(history)
                kept_records |= handing.kept()
            records = frame[added].to_dict("records")
            keys = tuple(_row_key(name, r) for r in records)
            since += changed_since_added(name, records, keys, written)
            # a column the file wrote into (a form's 客户名称 kept beside Visits) is compared above, not typed by hand
            beside += _typed_beside(store, name, keys, frame[added], {str(c) for row in written for c in row})
            if keys:  # every row handed over or copied: their own lines say why none was removed
                rows.append(UndoneRows(name, False, keys))
            if copied.any():
                copies.append(CopiedRows(name, tuple(_row_key(name, r) for r in frame[copied].to_dict("records"))))
                frame = frame.copy()
                frame.loc[copied, "file_sha256"] = None  # a person's rows from now on
            store.frames[name] = frame[~added]  # labels kept: the rows read where they were (cells kept as typed)
            removed += int(added.sum())
            changed.add(name)
    rows += [UndoneRows(t, True, tuple(reversed(k))) for t, k in restored.items()]
    history = history.drop(index=again.index.difference(list(kept_records)))  # rows removed with the file
    store.frames[HISTORY.name] = history[history["changed_by"] != sha].reset_index(drop=True)
    ledger = store.frame(LEDGER.name)
    ledger.loc[ledger["file_sha256"] == sha, "status"] = "undone"
    ledger.loc[ledger["corrected_by"] == sha, "corrected_by"] = None
    if not dry_run:
        save_store(store, sorted(changed), edited=changed)
    return UndoResult(
        str(entry["file_name"]),
        sha,
        removed,
        sum(len(keys) for keys in restored.values()),
        dry_run,
        tuple(rows),
        tuple(kept),
        tuple(beside),
        tuple(copies),
        tuple(since),
        _unreadable(snapshots),
        tuple(handed),
        tuple(reversed(put_back)),
    )


def _handover(table: str, removed: pd.DataFrame, records: pd.DataFrame, written: list[dict[str, object]]) -> Handover:
    """Which of the rows ``removed`` later files sent again (``records``: the undone file's sent_again ones;
    ``written``: what it wrote into the rows it added, which the later file's record takes where it left a blank)."""
    values = [_row_values(text) for text in records["written"]] if "written" in records.columns else []
    return handover(table, removed, records, values, written)


def _handed_frame(frame: pd.DataFrame, handing: Handover) -> pd.DataFrame:
    """``frame`` with each row handed over given the provenance of the later file that sent it."""
    frame = frame.copy()
    for label in handing.by_label:
        for column, value in handing.provenance(label).items():
            if column in frame.columns:
                frame.loc[label, column] = value  # type: ignore[call-overload]  # any cell value
    return frame


def _handed_rows(table: str, frame: pd.DataFrame, handing: Handover) -> list[HandedOver]:
    """The rows handed over, by the file they go to."""
    by_file: dict[str, list[Listing]] = {}
    for label in handing.by_label:
        row = {str(k): v for k, v in frame.loc[label].items()}
        by_file.setdefault(handing.file_of(label), []).append(_row_key(table, row))
    return [HandedOver(table, file, tuple(keys)) for file, keys in by_file.items()]


def _written(snapshots: pd.DataFrame, table: str) -> list[dict[str, object]]:
    """What the file wrote into the rows it added to ``table`` (SubmissionHistory's 写入值 of its ``added`` rows); a
    cell edited into anything but a row's values is left out (its row is removed unchecked, and the undo says so)."""
    if "written" not in snapshots.columns:  # a history sheet from before 写入值 was kept
        return []
    found = (_row_values(text) for text in snapshots.loc[snapshots["table"] == table, "written"])
    return [values for values in found if values is not None]


def _unreadable(snapshots: pd.DataFrame) -> int:
    """How many of the file's ``added`` rows of SubmissionHistory hold no row's values in 写入值 (edited by hand)."""
    if "written" not in snapshots.columns:
        return 0
    return sum(_row_values(text) is None for text in snapshots["written"])


def _copied(frame: pd.DataFrame, carried: pd.Series, table: str) -> pd.Series:
    """Among the rows carrying the file's fingerprint, those a person copied from one of them in Excel: a file adds
    one row per source row and key, so a second row with the same source sheet, source row and key is a copy (the
    first kept as the file's). A copy given another key cannot be told from the file's rows and goes with them."""
    if table not in ROW_KEYS:
        return pd.Series(False, index=frame.index)
    subset = [c for c in ("source_sheet", "source_row", *ROW_KEYS[table].columns) if c in frame.columns]
    return carried & frame[carried].duplicated(subset, keep="first").reindex(frame.index, fill_value=False)


def _typed_beside(
    store: Store, table: str, keys: tuple[Listing, ...], removed: pd.DataFrame, written: set[str]
) -> list[TypedBeside]:
    """The cells of columns a person added to ``table`` (no column of its schema, none the file ``written`` into)
    that hold something in the rows the undo ``removed``: the file never wrote them, so they go with the rows only
    said. A cell holding a formula (a calculated column of the person's) is computed, not typed: not named."""
    schema = ALL_CONSOLIDATION_TABLES[table]
    headers = store.headers.get(table, {})
    own = [c for c in removed.columns if c not in schema.keys and str(c) not in written]
    typed = [
        (label, key, column, value)
        for label, record, key in zip(removed.index, removed[own].to_dict("records"), keys)
        for column, value in record.items()
        if not is_blank(value)
    ]
    computed = formula_cells(store, table, {label for label, *_ in typed}) if typed else set()
    return [
        TypedBeside(table, key, headers.get(str(column), str(column)), value)
        for label, key, column, value in typed
        if (label, column) not in computed
    ]
