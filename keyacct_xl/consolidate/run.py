"""One consolidation run: collect, check each file in a worker process, merge, write, report.

Files are read and checked in ``jobs`` worker processes with memory and time limits (``keyacct_xl.isolation``),
so a reader that crashes or a bomb rejects that file only; the merge runs in this process in a fixed order (customer
cards and registrations first, then by fill date and name) so the result, new customers' ids included, does not
depend on the number of workers.
"""

from __future__ import annotations

import datetime as dt
import pickle
import zipfile
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from keyacct_xl.analytics.policy import load_grading_policy
from keyacct_xl.consolidate.cards import Conflict
from keyacct_xl.consolidate.changes import RowChange
from keyacct_xl.consolidate.intake import Submission, collect, quarantine, sha256
from keyacct_xl.consolidate.merge import HistoryTooLong, Merger
from keyacct_xl.consolidate.model import FileOutcome
from keyacct_xl.consolidate.normalize import record_stored, store_typed_text, stored_notices
from keyacct_xl.consolidate.recognize import extract
from keyacct_xl.consolidate.review import folder_rep, folder_reps, resolve_decisions, stop_unheld_decisions
from keyacct_xl.consolidate.routes import ROUTES
from keyacct_xl.consolidate.safety import WORKBOOK_SUFFIXES, Rejection, SentInstead, check_entry, check_file
from keyacct_xl.consolidate.sentinstead import ask_for_workbook
from keyacct_xl.consolidate.statements import reconciliation_folder, start_reconciliations
from keyacct_xl.consolidate.store import SETTLED, Store, ledger_files, load_store, save_store
from keyacct_xl.consolidate.validate import check_form
from keyacct_xl.currency import CNY, Currency
from keyacct_xl.errors import InputError, KeyacctError
from keyacct_xl.fileio import backup_path, ensure_not_open, master_lock_path, master_write_lock, system_problem
from keyacct_xl.forms.catalog import form_ids, load_form
from keyacct_xl.forms.layout import FORM_LANGS
from keyacct_xl.forms.spec import FormSpec
from keyacct_xl.forms.vocabulary import with_master_words
from keyacct_xl.i18n import Lang
from keyacct_xl.isolation import MAX_SECONDS, Failure, Limits, Workers, short
from keyacct_xl.master.schema import CUSTOMERS
from keyacct_xl.master.settings import masks_personal
from keyacct_xl.master.submissions import LEDGER
from keyacct_xl.messages import Message, Pair, msg
from keyacct_xl.notices import notify

NO_FORM = ("lock_file", "system_file")  # refusal codes of files no rep sent as a form, whatever their name
# A spreadsheet's name: the ones read, and a form saved in a format that is not (Excel's binary, WPS's, Apple's).
SPREADSHEET_NAMES = (*WORKBOOK_SUFFIXES, ".xlsb", ".et", ".numbers")


@dataclass
class RunResult:
    """What a run did: one outcome per file, the conflicts and row changes found, the tables written."""

    outcomes: list[FileOutcome]
    conflicts: list[Conflict]
    changes: list[RowChange]
    written: list[str]
    master: Path
    dry_run: bool
    now: str
    mask_personal: bool = False  # the master's Settings ask reports to leave personal values out

    def counts(self) -> Counter:
        """Files per status."""
        return Counter(o.status for o in self.outcomes)

    @property
    def forms_to_send_again(self) -> list[FileOutcome]:
        """The refused files a rep must send again: every refusal but of files that are no forms, which are named
        all the same (``sent_as_form``)."""
        return [o for o in self.outcomes if o.status == "rejected" and sent_as_form(o)]

    @property
    def rows_added(self) -> int:
        """Rows merged into the master by this run."""
        return sum(o.rows_added for o in self.outcomes)

    @property
    def rows_updated(self) -> int:
        """Rows the master held that this run changed."""
        return sum(o.rows_updated for o in self.outcomes)


def sent_as_form(outcome: FileOutcome) -> bool:
    """Whether a refused file was sent as a form: all but the lock file Excel leaves beside a form open when the inbox
    was collected, the files the system keeps (Thumbs.db), and a note (a file named as no spreadsheet whose bytes are
    no picture, PDF or document either). A spreadsheet's name refused for what it holds (a binary .xlsb) and a photo
    of the form are forms to send again."""
    if outcome.code in NO_FORM:
        return False
    return outcome.code != "not_workbook" or outcome.name.lower().endswith(SPREADSHEET_NAMES)


@dataclass(frozen=True)
class _Job:
    specs: dict[str, FormSpec]
    hashes: dict[str, str]
    selected: frozenset[str]
    known_sha: frozenset[str]
    lang: Lang
    strict: bool
    seconds: float = MAX_SECONDS
    # The specs cells are checked with: the catalogue's, their choices widened by the words the master holds
    # (forms/vocabulary.py); a file is read (its fields, its instructions sheet) by the catalogue's own.
    checked_with: dict[str, FormSpec] = field(default_factory=dict)
    currency: Currency = CNY  # the master's book currency: amounts typed in another are refused
    senders: Mapping[str, str] = field(default_factory=dict)  # file name -> the rep whose inbox folder it is in
    today: dt.date | None = None  # the consolidation day: no visit recorded as made lies after it


_JOB: _Job | None = None


def _init_worker(job: _Job) -> None:
    global _JOB
    _JOB = job


def check_submission(submission: Submission, job: _Job) -> FileOutcome:
    """Read, hash, screen, recognize and validate one file; never raises: any failure is this file's rejection."""
    outcome = FileOutcome(submission.name)
    if submission.note is not None:  # a zip member sharing its name with another: each read, the report says so
        outcome.warn(Pair(*submission.note))
    try:
        check_entry(submission.name, *submission.entry(), submission.leading)
        data = submission.read()
    except SentInstead as sent:  # a scan too large to be a form
        return _asked_for_workbook(outcome, sent, submission, job)
    except Rejection as rejection:
        return outcome.reject(rejection.code, rejection.wording)
    except (OSError, KeyError) as exc:
        return outcome.reject("unreadable", msg("cannot read the file ({problem})", problem=exc))
    outcome.sha256, outcome.size = sha256(data), len(data)
    if outcome.sha256 in job.known_sha:
        outcome.status, outcome.code = "duplicate", "duplicate"
        return outcome
    try:
        return _screen_and_check(outcome, submission, data, job)
    except SentInstead as sent:
        return _asked_for_workbook(outcome, sent, submission, job)
    except Rejection as rejection:
        return _as_meta_names(outcome.reject(rejection.code, rejection.wording), rejection.meta)
    except MemoryError:
        raise  # the worker reports it as a crash and is replaced
    except Exception as exc:  # any other failure of a reader or a check on this file's content
        return _failed(outcome, Failure("error", short(exc)), job)


def _asked_for_workbook(outcome: FileOutcome, sent: SentInstead, submission: Submission, job: _Job) -> FileOutcome:
    """A photo, PDF or Word copy of a form refused: the rep who sent it is asked for the workbook."""
    outcome.rep = job.senders.get(submission.name, "")
    return outcome.reject(sent.code, ask_for_workbook(sent.what, outcome.rep))


def _as_meta_names(outcome: FileOutcome, meta: Mapping[str, str]) -> FileOutcome:
    """A refused file as its ``_meta`` names it: the form's language (its quarantine note goes back in it) and, for a
    form of the catalog, the form, rep and period (the report's line says whose form it was)."""
    outcome.form_lang = meta.get("lang", "")
    if meta.get("form_id", "") not in form_ids():  # an unknown form's line stays under "no form recognised"
        return outcome
    outcome.form_id = meta.get("form_id", "")
    version = meta.get("version", "")
    outcome.version = int(version) if version.isascii() and version.isdigit() else 0  # ² is a digit too
    outcome.meta_rep = outcome.rep = meta.get("rep", "").strip()
    outcome.period = meta.get("period", "").strip()
    return outcome


def _failed(outcome: FileOutcome, failure: Failure, job: _Job) -> FileOutcome:
    """``outcome`` rejected for a worker's failure: nothing of the file is kept but the reason."""
    outcome.rows.clear()
    outcome.header.clear()
    outcome.issues.clear()
    return outcome.reject(failure.code, failure.problem(Limits(job.seconds)))


def _screen_and_check(outcome: FileOutcome, submission: Submission, data: bytes, job: _Job) -> FileOutcome:
    verdict = check_file(submission.name, data)
    try:
        extracted = extract(data, verdict.kind, job.specs, submission.name, job.hashes, package=verdict.package)
    finally:
        if verdict.package is not None:
            verdict.package.close()
    outcome.form_id, outcome.form_lang = extracted.form_id, extracted.meta.get("lang", "")
    if job.selected and extracted.form_id not in job.selected:
        outcome.status, outcome.code = "skipped", "not_selected"
        return outcome
    extracted.warnings.extend(verdict.notes)
    spec = job.checked_with.get(extracted.form_id, job.specs[extracted.form_id])
    check_form(outcome, extracted, spec, lang=job.lang, strict=job.strict, currency=job.currency, today=job.today)
    return outcome


def _check_in_worker(submission: Submission) -> FileOutcome:
    assert _JOB is not None  # set by the worker's initializer
    return check_submission(submission, _JOB)


def _checked(submissions: Sequence[Submission], job: _Job, jobs: int) -> Iterator[FileOutcome]:
    """Each file checked in a worker process (also with one job: a reader's abort must not end the run)."""
    if not submissions:
        return
    with Workers(
        _check_in_worker,
        jobs=min(jobs, len(submissions)),
        initializer=_init_worker,
        initargs=(job,),
        limits=Limits(job.seconds),
    ) as workers:
        for submission, result in zip(submissions, workers.map(submissions), strict=True):
            yield _failed(FileOutcome(submission.name), result, job) if isinstance(result, Failure) else result


def _senders(submissions: Sequence[Submission], store: Store) -> dict[str, str]:
    """The rep each file came from, by its inbox folder, as the merge tells it (Settings rep_folders, else a folder
    named like a rep of the master's customers)."""
    folders = folder_reps(store.settings.rep_folders)
    reps = frozenset(r for r in store.frame(CUSTOMERS.name)["rep"] if isinstance(r, str) and r)
    return {s.name: rep for s in submissions if (rep := folder_rep(s.name, folders, reps))}


def _merge_order(outcome: FileOutcome) -> tuple:
    fill_date = outcome.header.get("fill_date")
    route = ROUTES.get(outcome.form_id)
    return (not (route and route.registers_customers), str(fill_date or ""), outcome.name)


def consolidate(
    source: str | Path,
    master: str | Path,
    *,
    quarantine_dir: Path | None = None,
    dry_run: bool = False,
    jobs: int = 1,
    forms: Iterable[str] | None = None,
    strict: bool = False,
    now: str | None = None,
    progress: Callable[[Iterable, int], Iterable] | None = None,
    exclude: Iterable[Path] = (),
    file_seconds: float = MAX_SECONDS,
    accept: Iterable[str] = (),
    reject: Iterable[str] = (),
    forms_folder: Path | None = None,
) -> RunResult:
    """Consolidate every file under ``source`` into ``master``; a dry run writes nothing (no quarantine either).

    ``file_seconds`` caps the time spent reading and checking one file (its worker is then ended); ``accept`` and
    ``reject`` name files waiting for review (keyacct_xl.consolidate.review); ``forms_folder`` holds the form specs
    the files are read with (default: the catalog in templates/forms).
    """
    master = Path(master)
    if not dry_run:
        ensure_not_open(master)
    if quarantine_dir is not None and quarantine_dir.exists() and not quarantine_dir.is_dir():
        # Checked first: refused files are copied there after every file is checked, just before the master's save.
        raise InputError(msg("{folder}: --quarantine must be a folder, not a file", folder=quarantine_dir))
    selected = frozenset(load_form(f, forms_folder).id for f in (forms or ()))
    if selected - set(ROUTES):
        wrong, known = ", ".join(sorted(selected - set(ROUTES))), ", ".join(ROUTES)
        raise InputError(
            msg("{wrong}: not consolidated into the master; consolidated forms: {known}", wrong=wrong, known=known)
        )
    # Locked from reading to writing, so a second run waits and then merges into this run's result.
    with nullcontext() if dry_run else master_write_lock(master):
        store = load_store(master)
        now = now or dt.datetime.now().isoformat(sep=" ", timespec="seconds")
        specs = {form_id: load_form(form_id, forms_folder) for form_id in ROUTES}
        ledger = store.frame(LEDGER.name)
        known_sha = ledger_files(ledger, *SETTLED)
        # Checked with the words the master already uses too; recognized by the catalogue's own hashes.
        checked_with = {k: with_master_words(s, store.frames) for k, s in specs.items()}
        hashes = {k: s.hash for k, s in specs.items()}
        skipped = [master, backup_path(master), master_lock_path(master), reconciliation_folder(master), *exclude] + (
            [quarantine_dir] if quarantine_dir else []
        )
        submissions = collect(source, exclude=skipped)
        job = _Job(
            specs,
            hashes,
            selected,
            known_sha,
            store.lang,
            strict,
            file_seconds,
            checked_with,
            store.settings.book_currency,
            _senders(submissions, store),
            dt.date.fromisoformat(now[:10]),
        )
        checked = _checked(submissions, job, jobs)
        outcomes = list(progress(checked, len(submissions)) if progress else checked)
        start_reconciliations(outcomes, submissions, Path(master), lang=store.lang, dry_run=dry_run)
        decisions = resolve_decisions(outcomes, submissions, accept=accept, reject=reject)
        store, merger, outcomes = _merged(master, store, outcomes, specs, now=now, strict=strict, decisions=decisions)
        stop_unheld_decisions(outcomes, decisions, merger.reviewed)  # before anything is written, a dry run too
        stored = store_typed_text(store, merger.edited)
        recorded = record_stored(store, stored, merger.changes, outcomes, now)
        notices = stored_notices(store, stored)
        if quarantine_dir is not None and not dry_run:
            # Before the save: nothing that can fail for one file runs between the master's save and the report,
            # whose files the ledger then calls duplicates. A copy that cannot be made is that file's warning.
            by_name = {s.name: s for s in submissions}
            for outcome in outcomes:
                if outcome.status == "rejected":
                    _quarantined(quarantine_dir, by_name[outcome.name], outcome, store.lang)
        written: list[str] = []
        if not dry_run and merger.changed:
            written = sorted(merger.changed | recorded | {LEDGER.name})
            save_store(store, written, edited=merger.edited)
            for notice in notices:  # told once the save is done: a save that failed stored nothing
                notify(notice)
    return RunResult(
        outcomes,
        merger.conflicts,
        merger.changes,
        written,
        master,
        dry_run,
        now,
        masks_personal(store.settings, option=False),
    )


def _merged(
    master: Path,
    store: Store,
    outcomes: list[FileOutcome],
    specs: Mapping[str, FormSpec],
    *,
    now: str,
    strict: bool,
    decisions: Mapping[str, str],
) -> tuple[Store, Merger, list[FileOutcome]]:
    """Merge the checked ``outcomes`` into ``store``'s frames; the store, merger and outcomes merged.

    A file whose change could not be kept in the history (``HistoryTooLong``) is stopped half-way through, its other
    rows perhaps merged already: the run then merges again from the master as read and the outcomes as checked, that
    file refused, so nothing of it is kept and every other file is merged as it would have been without it.
    """
    checked = pickle.dumps(outcomes)  # as the checks left them: a merge settles them (status, key, rows)
    refused: dict[str, Message] = {}
    while True:
        merger = Merger(
            store,
            specs,
            now=now,
            strict=strict,
            decisions=decisions,
            new_customer_grade=_new_customer_grade(store),
            rep_folders=folder_reps(store.settings.rep_folders),
        )
        try:
            for outcome in sorted(outcomes, key=_merge_order):
                if outcome.name in refused:
                    outcome.reject("too_long", refused[outcome.name])
                merger.apply(outcome)
        except HistoryTooLong as stopped:
            refused[stopped.name] = stopped.reason
            store, outcomes = load_store(master), pickle.loads(checked)  # the tables as read: frames change in place
            continue
        merger.flush()
        return store, merger, outcomes


def _new_customer_grade(store: Store) -> str:
    """The grade a card's new customer starts at: the active grading policy's new-customer rule."""
    return load_grading_policy(store.settings.policy("grading_policy")).new_customer_grade


def _quarantined(folder: Path, submission: Submission, outcome: FileOutcome, master_lang: Lang) -> None:
    """Copy one refused file to quarantine; the report tells where a copy under a shorter name went, and why a copy
    could not be made (the file stays in SOURCE as it was sent): a copy is never the run's end."""
    try:
        copy = _quarantine(folder, submission, outcome, master_lang)
    except (OSError, KeyacctError) as exc:
        problem = exc.wording if isinstance(exc, KeyacctError) else system_problem(exc)
        failed = msg("not copied to quarantine ({problem}): the file stays as it was sent", problem=problem)
        outcome.warn(failed)
        notify(msg("{file}: {problem}", file=outcome.name, problem=failed))
        return
    placed = copy.relative_to(folder).as_posix()
    if placed != PurePosixPath(submission.name).as_posix():  # its name (or a zip folder's) cut to fit
        outcome.warn(msg("its name is too long for a copy and its note: copied to quarantine as {copy}", copy=placed))


def _quarantine(folder: Path, submission: Submission, outcome: FileOutcome, master_lang: Lang) -> Path:
    fallback = msg("errors in the file")
    lines_en = [outcome.reason_en or fallback.en]
    lines_zh = [outcome.reason_zh or fallback.zh]
    for issue in outcome.errors[:20]:
        where = f"{issue.sheet}!{issue.cell}" if issue.sheet else ""
        lines_en.append(f"  {where} {issue.field_label('en')}: {issue.value!r}: {issue.en}")
        lines_zh.append(f"  {where} {issue.field_label('zh')}：{issue.value!r}：{issue.zh}")
    try:
        data = submission.read()
    except (OSError, KeyError, zipfile.BadZipFile):  # gone or changed since it was checked: its reason alone
        data = b""
    # The note goes back to the rep: in the form's language, else (a file that named none) the master's.
    lang = outcome.form_lang if outcome.form_lang in FORM_LANGS else master_lang
    return quarantine(folder, submission, data, Pair("\n".join(lines_en), "\n".join(lines_zh)), lang)
