"""Safe writes: refuse files Excel holds open or marked read-only, write to a temporary file, keep a backup, then
rename; and the master's write lock, so two keyacct-xl runs never write one master at once."""

from __future__ import annotations

import contextlib
import errno
import filecmp
import hashlib
import os
import re
import secrets
import shutil
import zipfile
from collections.abc import Iterable, Iterator
from pathlib import Path, PurePosixPath
from typing import IO

from filelock import FileLock, Timeout
from lxml import etree

from keyacct_xl.errors import InputError, MasterLockedError
from keyacct_xl.messages import Message, msg
from keyacct_xl.xlsx.book import FIXED_CREATED, OUTPUT_AUTHOR

LOCK_WAIT_SECONDS = 30.0
LOCK_WAIT_VARIABLE = "KEYACCT_XL_LOCK_WAIT"  # seconds a second writer waits for the lock (tests, slow shares)
_DISK_FULL = {errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)}
_UNSAFE_IN_NAMES = re.compile(r'[\\/:*?"<>|\s\x00-\x1f]+')  # what Windows refuses in a name, spaces, control characters
_EDGE_DOTS = re.compile(r"^\.+|\.+$")
_DEVICE_NAMES = re.compile(r"(con|prn|aux|nul|com[0-9]|lpt[0-9])(\..*)?", re.IGNORECASE)


def system_problem(exc: OSError, path: object = None) -> Message:
    """What the system refused, in our words naming the path (never its English text nor a Python repr): a folder
    that is read-only named as such, as ``ensure_not_read_only`` names it."""
    where = exc.filename if exc.filename is not None else path
    if exc.errno in (errno.EACCES, errno.EPERM) and isinstance(where, (str, os.PathLike)):
        target = Path(where)
        # A file or folder not made because its folder is read-only (statements_2026-10 in a read-only folder).
        if not os.path.lexists(target) and os.path.isdir(target.parent) and folder_read_only(target.parent):
            return read_only_folder(target.parent, target.name)
    problem = system_reason(exc)
    return problem if where is None else msg("{file}: {problem}", file=where, problem=problem)


def system_reason(exc: OSError) -> Message:
    """Why the system refused, by its errno, in the user's language: a reason to put after a file's name."""
    if exc.errno == errno.EISDIR:
        return a_folder_not_a_file()
    if exc.errno in (errno.EEXIST, errno.ENOTDIR):
        return msg("a file stands where a folder is needed")
    if exc.errno in (errno.EACCES, errno.EPERM):
        return msg("permission denied")
    if exc.errno == errno.EROFS:
        return msg("the file system is read-only")
    if exc.errno in _DISK_FULL:
        return msg("the disk is full")
    if exc.errno == errno.ENAMETOOLONG:
        return msg("the name is too long for the file system")
    if exc.errno == errno.ENOENT:
        return msg("not found")
    return msg("the system refused it (error {code})", code=errno.errorcode.get(exc.errno or 0, "?"))


def a_folder_not_a_file() -> Message:
    """Why a folder given where a file is read cannot be (IsADirectoryError; PermissionError on Windows)."""
    return msg("a folder, not a file")


def read_only_folder(folder: Path, name: str) -> Message:
    """Why ``name`` cannot be written in ``folder``: the folder is read-only."""
    return msg("{folder}: the folder is read-only, so {name} cannot be written there", folder=folder, name=name)


def folder_read_only(folder: Path) -> bool:
    """Whether ``folder`` is read-only: no write access, or (POSIX) no write bit at all."""
    # The mode bits are checked as well as os.access: for root os.access says yes to any local folder, yet the
    # user who marked it read-only meant it. Windows folders carry the attribute for other reasons.
    return not os.access(folder, os.W_OK) or (os.name == "posix" and not folder.stat().st_mode & 0o222)


def safe_name(text: str) -> str:
    """``text`` (a rep's, a region's or a customer's name) as one file or folder name on every system.

    Characters Windows refuses, spaces and control characters become ``_``; so do dots at either end (``..`` as a
    folder would write beside the folder chosen, not in it; Windows drops a trailing dot); a Windows device name
    (CON, NUL, COM1 ...) gets a ``_`` in front; an empty name is ``_``."""
    name = _EDGE_DOTS.sub(lambda dots: "_" * len(dots.group()), _UNSAFE_IN_NAMES.sub("_", text))
    return f"_{name}" if not name or _DEVICE_NAMES.fullmatch(name) else name


def id_in_name(text: str) -> str:
    """A customer's id as part of a file name: ``safe_name``, with a digest of the id when that changed it or when the
    id has lower-case letters, so two ids that differ only in characters a name cannot hold (``KA/001``, ``KA:001``)
    or in case (``KA001``, ``ka001``: one file on Windows and macOS) never share a file."""
    name = safe_name(text)
    return name if name == text == text.upper() else f"{name}-{name_digest(text)}"


# The bytes a person's name (a rep's) takes at most in a file or folder name: a file system holds 255 per name, and a
# form's file name adds its form id, a customer id and the period around it.
NAME_BYTES = 120


def name_digest(text: str) -> str:
    """The digest a name gets to tell it from another that a file system would take for the same."""
    return hashlib.sha256(text.encode("utf-8", "surrogateescape")).hexdigest()[:6]


# The bytes one file or folder name holds (ext4, XFS, Btrfs, APFS; NTFS holds 255 UTF-16 units, never fewer bytes).
NAME_MAX = 255
_EXTENSION_BYTES = 16  # a longer "extension" is a dot inside a long name, not a file type worth keeping


def name_bytes(name: str) -> int:
    """The bytes ``name`` takes on the file system (a name that is not UTF-8 by its own bytes)."""
    return len(os.fsencode(name))


def fitted_name(
    name: str, room: int = NAME_MAX, *, whole: str | None = None, tagged: bool = False, extension: bool = True
) -> str:
    """``name`` in at most ``room`` bytes: a longer one cut and followed by a digest of ``whole`` (the text ``name`` was
    made from, by default ``name`` itself), so two long names that start alike never share a file; its extension kept
    unless ``extension`` is False (a person's name has none: the ``.Smith`` of ``Jr.Smith`` is no file type); with
    ``tagged`` followed by the digest whatever its length (a name another one would otherwise share). Unless
    ``tagged``, a name that fits comes back unchanged, and so does a name it gave.

    For a name derived from another (a rep's file name with a note's, a backup's or a temporary file's ending), so
    that what is derived never exceeds what a file system holds (``NAME_MAX``); and, with ``safe_name``, for a
    person's name in a file or folder name (``NAME_BYTES``)."""
    if not tagged and name_bytes(name) <= room:
        return name
    suffix = PurePosixPath(name).suffix if extension else ""
    suffix = suffix if name_bytes(suffix) <= _EXTENSION_BYTES else ""
    tail = f"-{name_digest(name if whole is None else whole)}{suffix}"
    stem = name[: len(name) - len(suffix)]
    # Cut at a byte count; a character cut through (and any byte that is not UTF-8) is left out, never half kept.
    cut = os.fsencode(stem)[: max(room - name_bytes(tail), 0)].decode("utf-8", "ignore")
    return cut + tail


def excel_lock_file(path: Path) -> Path:
    """The owner file Excel (and WPS, LibreOffice as ``.~lock``) leaves beside an open workbook."""
    return path.with_name("~$" + path.name)


def libreoffice_lock_file(path: Path) -> Path:
    """The lock file LibreOffice (and WPS on Linux) leaves beside an open file: ``.~lock.<name>#``."""
    return path.with_name(f".~lock.{path.name}#")


def ensure_not_open(path: Path) -> None:
    """Raise MasterLockedError when Excel or LibreOffice holds ``path`` open."""
    for lock in (excel_lock_file(path), libreoffice_lock_file(path)):
        # A lock file whose name is longer than a name may be cannot exist: asked about, the system refuses the name.
        if name_bytes(lock.name) <= NAME_MAX and lock.exists():
            raise MasterLockedError(
                msg(
                    "{path}: the workbook is open in Excel or another program ({name} exists); close it and try again",
                    path=path,
                    name=lock.name,
                ),
            )


def written_path(path: Path) -> Path:
    """The file a write to ``path`` replaces: the one a symbolic link at ``path`` leads to (a shortcut to the shared
    master, an output linked to a shared folder), so the write reaches it and the link stays a link; ``path`` as
    given otherwise. A rename onto the link itself would replace the link by a private file the others never see.

    A link that leads nowhere is refused, naming it: one going round in a loop, and one whose file does not exist
    (written through, it would create that file and its folders wherever it points: in a shared folder a link
    anyone could have planted)."""
    path = Path(path)
    if not path.is_symlink():
        return path
    try:
        os.stat(path)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise InputError(
                msg("{path}: the link leads round in a loop to no file; give the file itself", path=path)
            ) from None
        raise InputError(
            msg(
                "{path} is a link to {target}, which does not exist: nothing is written through it; remove the link "
                "or give the file itself",
                path=path,
                target=os.readlink(path),
            )
        ) from None
    return Path(os.path.realpath(path))


def refuse_writing_over(out: Path, master: Path | None, inputs: Iterable[Path] = ()) -> None:
    """Raise InputError when the output ``out`` leads (by its real path, through any link, whether or not it exists
    yet) to the master or to one of the ``inputs``: writing it would replace the file the run reads or writes.
    ``master`` None: a run that reads only its ``inputs`` (a table of sales lines, two statements)."""
    real = os.path.realpath(out)
    if master is not None and real == os.path.realpath(master):
        raise InputError(
            msg(
                "{out} leads to the master {master}: a report is never written over the master; name another file",
                out=out,
                master=master,
            )
        )
    if master is not None:
        refuse_writing_over_backup(out, master)
    for given in inputs:
        if real == os.path.realpath(given):
            raise InputError(
                msg(
                    "{out} leads to the input {given}: a report is never written over a file the run reads; name "
                    "another file",
                    out=out,
                    given=given,
                )
            )


def refuse_writing_over_backup(out: Path, master: Path) -> None:
    """Raise InputError when ``out`` leads to the master's backup (``master.bak.xlsx``, beside the file a link at
    ``master`` leads to): the only copy of the master before its last change."""
    backup = backup_path(Path(os.path.realpath(master)))
    if os.path.realpath(out) == str(backup):
        raise InputError(
            msg(
                "{out} is the master's backup {backup}, the master as it was before its last change: nothing is "
                "written over it; name another file",
                out=out,
                backup=backup.name,
            )
        )


def backup_path(path: Path) -> Path:
    """Where the previous version of ``path`` is kept: ``name.bak.xlsx`` beside it (cut to a name's length, as
    ``fitted_name`` cuts, when ``path``'s own name is nearly as long as a name may be)."""
    return path.with_name(fitted_name(f"{path.stem}.bak{path.suffix}"))


def master_lock_path(path: Path) -> Path:
    """The lock file beside the master that keyacct-xl writers take: ``.master.xlsx.lock``."""
    return path.with_name(f".{fitted_name(path.name, NAME_MAX - len('..lock'))}.lock")


def ensure_not_read_only(path: Path) -> None:
    """Raise InputError when ``path`` or its folder is read-only: replacing it by rename would ignore the mark."""
    # The mode bits are checked as well as os.access: for root os.access says yes to any local file, yet the
    # user who marked the master read-only meant it.
    if path.exists() and (not path.stat().st_mode & 0o222 or not os.access(path, os.W_OK)):
        raise InputError(
            msg("{path}: the file is read-only, so it is not replaced; make it writable and try again", path=path)
        )
    if folder_read_only(path.parent):
        raise InputError(read_only_folder(path.parent, path.name))


def ensure_writable(path: Path) -> None:
    """Raise InputError when ``path`` cannot be written: it is read-only or open in Excel, or its folder is missing
    and cannot be made (a missing folder is made, as every command that writes a folder of files does), or it is a
    link that leads to no file (``written_path``)."""
    path = written_path(path)  # the file written, checked before any work: a link's own folder is not the one
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(
            msg(
                "{folder}: the folder does not exist and cannot be made ({error})",
                folder=path.parent,
                error=system_problem(exc),
            )
        ) from None
    ensure_not_open(path)
    ensure_not_read_only(path)


def lock_wait_seconds() -> float:
    """How long a writer waits for another run's lock: ``KEYACCT_XL_LOCK_WAIT`` seconds, else 30."""
    text = os.environ.get(LOCK_WAIT_VARIABLE, "").strip()
    if not text:
        return LOCK_WAIT_SECONDS
    try:
        seconds = float(text)
    except ValueError:
        seconds = -1.0
    if not 0 <= seconds < float("inf"):
        raise InputError(
            msg("{variable}={text!r}: expected a number of seconds, 0 or more", variable=LOCK_WAIT_VARIABLE, text=text)
        )
    return seconds


@contextlib.contextmanager
def master_write_lock(path: Path, *, wait: float | None = None) -> Iterator[Path]:
    """Hold the master's write lock (a lock file beside it) from reading the master to writing it back.

    A second writer waits ``wait`` seconds (default ``lock_wait_seconds()``), then raises MasterLockedError;
    readers never take the lock. The lock is re-entrant within one process, so a command that holds it can call
    the writer, which takes it too. The operating system drops the lock when its process dies, even by kill -9.
    """
    path = written_path(path)  # the file the writer will replace: its leftovers lie beside it
    ensure_writable(path)  # before any work, and before a lock file is created in a read-only folder
    wait = lock_wait_seconds() if wait is None else wait
    lock = FileLock(master_lock_path(path.resolve()), is_singleton=True)
    outermost = not lock.is_locked
    try:
        lock.acquire(timeout=wait)
    except Timeout:
        raise MasterLockedError(
            msg(
                "{path}: another keyacct-xl run is writing this master (still locked after {wait:g} s); try again "
                "when it has finished",
                path=path,
                wait=wait,
            ),
        ) from None
    try:
        if outermost:
            _remove_leftovers(path)
        yield path
    finally:
        lock.release()


_TEMPORARY_BYTES = len("..0123456789ab.tmp")  # what a temporary file's name adds to the name it is written for


def _temporary_stem(name: str) -> str:
    """What a temporary file for ``name`` is named after: ``name``, cut (``fitted_name``) when the temporary file's
    name would otherwise be longer than a name may be."""
    return fitted_name(name, NAME_MAX - _TEMPORARY_BYTES)


def _temporary_name(path: Path) -> Path:
    """``.name.<12 hex digits>.tmp`` beside ``path``: where a new version of it is written before the rename."""
    return path.with_name(f".{_temporary_stem(path.name)}.{secrets.token_hex(6)}.tmp")


def _remove_leftovers(path: Path) -> None:
    """Temporary files a killed writer left beside ``path``: of the master, its backup, and the reports named after
    it (written while the lock is held); only a lock holder writes them, so none is live."""
    names = "|".join(re.escape(_temporary_stem(target.name)) for target in (path, backup_path(path)))
    reports = re.escape(path.stem) + r"-[^/]*\.xlsx"
    ours = re.compile(rf"\.({names}|{reports})\.[0-9a-f]{{12}}\.tmp")
    for entry in os.scandir(path.parent):
        if ours.fullmatch(entry.name):
            Path(entry.path).unlink(missing_ok=True)


def _create(tmp: Path) -> IO[bytes]:
    """The new file ``tmp``, open for writing and reading back."""
    # Created like any new file (0666 less the umask), unlike mkstemp's private 0600.
    return os.fdopen(os.open(tmp, os.O_CREAT | os.O_EXCL | os.O_RDWR | getattr(os, "O_BINARY", 0), 0o666), "w+b")


def _sync_folder(folder: Path) -> None:
    """Make renames in ``folder`` durable (POSIX; Windows cannot open a folder for fsync)."""
    if os.name != "posix":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _keep_backup(path: Path) -> None:
    """Make the current ``path`` the backup, never leaving a moment without a complete backup.

    A hard link to the current file is staged and renamed over the old backup: no copy, so nothing to
    interrupt and no disk space needed. Where hard links are not supported, a copy is written, synced and
    renamed instead. Either way the old backup is replaced only by a complete file.
    """
    staged = _temporary_name(backup_path(path))
    try:
        try:
            os.link(path, staged)
        except OSError:  # FAT, exFAT and some network shares have no hard links
            with open(path, "rb") as source, open(staged, "xb") as copy:
                shutil.copyfileobj(source, copy, 1 << 20)
                copy.flush()
                os.fsync(copy.fileno())
            shutil.copystat(path, staged)
        os.replace(staged, backup_path(path))
    except BaseException:
        staged.unlink(missing_ok=True)
        raise


@contextlib.contextmanager
def atomic_write(path: Path, *, backup: bool = True) -> Iterator[IO[bytes]]:
    """Yield a temporary file beside ``path``; on success back up the old file and rename into place. With
    ``backup``, a temporary file holding the very bytes ``path`` holds is dropped: ``path`` and its backup stay.

    On any failure the temporary file is removed and ``path`` and its backup are untouched; a full disk
    is reported as one user message naming the file. A ``path`` that is a symbolic link is written through: the file
    it leads to is replaced and its backup kept beside that file (``written_path``).
    """
    path = written_path(path)
    ensure_writable(path)
    tmp = _temporary_name(path)
    # Created inside the try: a Ctrl-C the moment the file exists still removes it (its name, 48 random bits, is
    # no other file's).
    try:
        with _create(tmp) as stream:
            yield stream
            stream.flush()
            os.fsync(stream.fileno())
        if path.exists():
            if backup and filecmp.cmp(tmp, path, shallow=False):
                # Nothing changed: the file stays, and its backup keeps the state before the last change (made the
                # backup, the file itself would be the only copy of either).
                tmp.unlink()
                return
            os.chmod(tmp, path.stat().st_mode & 0o777)
            if backup:
                _keep_backup(path)
        os.replace(tmp, path)
        _sync_folder(path.parent)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        if exc.errno in _DISK_FULL:
            raise InputError(
                msg("{path}: the disk is full, nothing was written; free some space and try again", path=path)
            ) from exc
        raise
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_replacing(path: Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically; a different file it replaces is kept as its backup (``name.bak.xlsx``).

    A report, form or review someone opened and typed into is then never lost to a second run. A file equal to
    ``data`` (the same run again) is replaced without a backup; so is a workbook as an earlier run wrote it
    (``untouched_output``: nobody saved it since) when the backup holds one a person saved, so that backup outlives
    any number of reruns.
    """
    path = Path(path)
    with atomic_write(path, backup=keeps_backup(path, data)) as out:
        out.write(data)
    return path


def keeps_backup(path: Path, data: bytes | None = None) -> bool:
    """Whether a write replacing ``path`` keeps it as the backup: it exists, is not ``data`` itself (when the bytes
    are known beforehand), and making it the backup would not push out a file a person saved for one any rerun can
    write again (``write_replacing``)."""
    path = written_path(path)
    return path.exists() and not (data is not None and _holds(path, data)) and not _guards_edit(path)


def _guards_edit(path: Path) -> bool:
    """Whether ``path``'s backup holds a file a person saved and ``path`` only what a run wrote since: making
    ``path`` the backup would lose the person's file for one any rerun can write again."""
    backup = backup_path(path)
    return backup.exists() and untouched_output(path) and not untouched_output(backup)


_CORE = "docProps/core.xml"
_MAX_CORE_BYTES = 64 * 1024  # a document's properties part; a larger one is no workbook of ours
_DC = "http://purl.org/dc/elements/1.1/"
_DCTERMS = "http://purl.org/dc/terms/"


def untouched_output(path: Path) -> bool:
    """Whether ``path`` is a workbook keyacct-xl wrote that no program saved since: its document properties still
    name keyacct-xl as author and carry the fixed time every output is written with (``xlsx.book``). Excel, WPS,
    LibreOffice and openpyxl set the time of the save, so a workbook someone typed into and saved is not one."""
    root = _core_properties(path)
    if root is None:
        return False
    creator = root.findtext(f"{{{_DC}}}creator")
    modified = root.findtext(f"{{{_DCTERMS}}}modified")
    return creator == OUTPUT_AUTHOR and modified == FIXED_CREATED.strftime("%Y-%m-%dT%H:%M:%SZ")


def document_title(path: Path) -> str | None:
    """The title in a workbook's document properties (kept by every program that saves it); None without one."""
    root = _core_properties(path)
    return None if root is None else root.findtext(f"{{{_DC}}}title")


def _core_properties(path: Path) -> etree._Element | None:
    """A workbook's document properties part, parsed; None for a file that is no workbook or has none."""
    try:
        with zipfile.ZipFile(path) as archive:
            if archive.getinfo(_CORE).file_size > _MAX_CORE_BYTES:
                return None
            return etree.fromstring(archive.read(_CORE), etree.XMLParser(resolve_entities=False, no_network=True))
    except (OSError, KeyError, zipfile.BadZipFile, etree.XMLSyntaxError, ValueError):
        return None


def _holds(path: Path, data: bytes) -> bool:
    """Whether the file at ``path`` holds exactly ``data``."""
    return path.stat().st_size == len(data) and path.read_bytes() == data
