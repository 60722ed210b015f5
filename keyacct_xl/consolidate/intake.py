"""Collect submissions from a folder (recursively) or a .zip, and copy refused ones to quarantine.

SOURCE is only ever read: nothing is moved, renamed or deleted there.
"""

from __future__ import annotations

import hashlib
import os
import stat
import zipfile
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from keyacct_xl.consolidate.safety import MAX_FILE_BYTES
from keyacct_xl.errors import InputError
from keyacct_xl.fileio import NAME_MAX, fitted_name, write_replacing
from keyacct_xl.forms.layout import FormLang
from keyacct_xl.i18n import LANGS, Lang
from keyacct_xl.messages import Pair, msg

NOTE_SUFFIX = ".reason.txt"  # the note beside a quarantined copy: why it was refused
NOTE_LEADS: dict[Lang, str] = {"zh": "拒收原因：", "en": "Reason: "}  # how its reason line starts in each language
# The bytes a quarantined copy's name may take: its note's backup (``<name>.reason.bak.txt``) must fit in a name too.
_QUARANTINED_BYTES = NAME_MAX - len(NOTE_SUFFIX) - len(".bak")
# Caps on a .zip SOURCE: a week's submissions, not a compression bomb.
MAX_ZIP_MEMBERS = 20_000
MAX_ZIP_UNPACKED = 4 * 1024**3
MAX_ZIP_RATIO = 100
_RATIO_FLOOR = 1024**2
# Open without following a final link and without blocking on a pipe (where the platform has these flags).
_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)


@dataclass(frozen=True)
class Submission:
    """One submitted file: its name relative to SOURCE, and where to read its bytes (a file or a zip member, found
    by where its entry starts: a zip may hold several members of one name). ``note``: what the report says of the
    file besides its checks (en, zh)."""

    name: str
    path: Path
    member: str | None = None
    offset: int = 0
    note: tuple[str, str] | None = None

    def entry(self) -> tuple[int, int]:
        """(mode, size) as the file system or the zip directory states them, without following a link."""
        if self.member is None:
            info = self.path.lstat()
            return info.st_mode, info.st_size
        with zipfile.ZipFile(self.path) as archive:
            return stat.S_IFREG, self._member_info(archive).file_size

    def _member_info(self, archive: zipfile.ZipFile) -> zipfile.ZipInfo:
        """This member's own entry: by name, zipfile gives the last member of that name."""
        for info in archive.infolist():
            if info.filename == self.member and info.header_offset == self.offset:
                return info
        raise KeyError(f"{self.member}: no longer in {self.path.name}")

    def read(self, limit: int = MAX_FILE_BYTES) -> bytes:
        """The file's bytes; OSError beyond ``limit`` bytes (a file that grew, a zip member that lied) and for
        anything but a regular file (a link is never followed, a pipe or device never opened)."""
        data = self.leading(limit + 1)
        if len(data) > limit:
            raise OSError(f"{self.name}: more than {limit:,} bytes")
        return data

    def leading(self, size: int) -> bytes:
        """The file's first ``size`` bytes (all of a shorter one); OSError for anything but a regular file."""
        if self.member is not None:
            with zipfile.ZipFile(self.path) as archive, archive.open(self._member_info(archive)) as stream:
                return stream.read(size)
        # Checked on the open file, so a file swapped for a link or a pipe after it was listed is not read.
        with open(os.open(self.path, _OPEN_FLAGS), "rb") as stream:
            if not stat.S_ISREG(os.fstat(stream.fileno()).st_mode):
                raise OSError(f"{self.name}: not a regular file (never followed or opened)")
            return stream.read(size)


def sha256(data: bytes) -> str:
    """Hex sha256 of ``data``: a file's identity whatever its name."""
    return hashlib.sha256(data).hexdigest()


def collect(source: str | Path, *, exclude: Iterable[Path] = ()) -> list[Submission]:
    """Every file under ``source`` (a folder, recursively, or a .zip), sorted by name.

    ``exclude`` names paths to skip (the master, the report, a quarantine folder inside SOURCE).
    """
    source = Path(source)
    if not source.exists():
        raise InputError(msg("{source}: no such folder or .zip", source=source))
    if source.is_dir():
        skipped = [p.resolve() for p in exclude]
        folders: dict[Path, Path] = {}
        files = [p for p in _entries(source) if not _under(_placed(p, folders), skipped)]
        return sorted((Submission(shown_name(p.relative_to(source)), p) for p in files), key=lambda s: s.name)
    if source.suffix.lower() != ".zip":
        raise InputError(msg("{source}: SOURCE must be a folder or a .zip file", source=source))
    return _zip_members(source)


def shown_name(relative: Path) -> str:
    """A file's name relative to SOURCE as the run shows and records it: the bytes of a name that is not UTF-8 (a
    GBK name copied from a Windows share) as backslash escapes, so the report, the master and the quarantine folder
    can hold it; the file itself is still read by its own path."""
    return os.fsencode(relative.as_posix()).decode("utf-8", "backslashreplace")


def _entries(folder: Path) -> Iterator[Path]:
    """Every entry under ``folder`` that is not a real folder: files, and links (to files or folders) and
    special files, which are reported and never followed or opened."""
    for top, folders, names in os.walk(folder, followlinks=False):
        for name in names + [f for f in folders if os.path.islink(os.path.join(top, f))]:
            yield Path(top, name)


def _placed(entry: Path, folders: dict[Path, Path]) -> Path:
    """Where ``entry`` is: its folder resolved (once per folder, in ``folders``) and its own name. A link is placed
    by its folder, not by its target (which is never looked at); any other entry resolves to just that."""
    folder = folders.get(entry.parent)
    if folder is None:
        folder = folders[entry.parent] = entry.parent.resolve()
    return folder / entry.name


def _under(path: Path, roots: list[Path]) -> bool:
    return any(path == root or root in path.parents for root in roots)


def _zip_members(source: Path) -> list[Submission]:
    try:
        with zipfile.ZipFile(source) as archive:
            infos = [i for i in archive.infolist() if not i.is_dir()]
    except (zipfile.BadZipFile, OSError):
        raise InputError(msg("{source}: not a readable .zip file", source=source)) from None
    except UnicodeDecodeError as error:  # zipfile decodes every name as it opens the zip, so no member can be read
        raise InputError(
            msg(
                "{source}: refused, a file name in it is marked UTF-8 but is not ({name!r}); pack the files again "
                "with a tool that writes UTF-8 names",
                source=source,
                name=error.object,
            )
        ) from None
    unpacked = sum(i.file_size for i in infos)
    packed = sum(i.compress_size for i in infos) or 1
    if (
        len(infos) > MAX_ZIP_MEMBERS
        or unpacked > MAX_ZIP_UNPACKED
        or (unpacked > _RATIO_FLOOR and unpacked / packed > MAX_ZIP_RATIO)
    ):
        raise InputError(
            msg(
                "{source}: refused, {files:,} files inflating to {unpacked:,} bytes (limits {max_files:,} files, "
                "{max_bytes:,} bytes, ratio {max_ratio})",
                source=source,
                files=len(infos),
                unpacked=unpacked,
                max_files=MAX_ZIP_MEMBERS,
                max_bytes=MAX_ZIP_UNPACKED,
                max_ratio=MAX_ZIP_RATIO,
            )
        )
    for info in infos:
        name = PurePosixPath(info.filename)
        # zipfile turns backslashes into / on Windows; a drive ("C:/...") would escape the quarantine folder there.
        if name.is_absolute() or ".." in name.parts or ":" in name.parts[0]:
            raise InputError(msg("{source}: unsafe member name {member!r}", source=source, member=info.filename))
    return sorted(_members_named(source, infos), key=lambda s: s.name)


def _members_named(source: Path, infos: list[zipfile.ZipInfo]) -> Iterator[Submission]:
    """Each member as a submission; members sharing a name (a file added to the zip again after an edit) are each
    read, the first under the name, each later one as ``name (2).xlsx``, ``(3)``..., all with a note saying so."""
    counts = Counter(PurePosixPath(i.filename).as_posix() for i in infos)
    taken = set(counts)
    seen: Counter[str] = Counter()
    for info in infos:
        name = PurePosixPath(info.filename).as_posix()
        if counts[name] == 1:
            yield Submission(name, source, info.filename, info.header_offset)
            continue
        seen[name] += 1
        shown = name if seen[name] == 1 else _numbered_name(name, seen[name], taken)
        taken.add(shown)
        note = msg(
            "{source} holds {count} files named {member}: each is read, this one (number {number} in the zip) as "
            "{name}",
            source=source.name,
            count=counts[name],
            member=name,
            number=seen[name],
            name=shown,
        )
        yield Submission(shown, source, info.filename, info.header_offset, (note.en, note.zh))


def _numbered_name(name: str, number: int, taken: set[str]) -> str:
    """``a/visit (2).xlsx`` for the second member named ``a/visit.xlsx``: a name no other member has."""
    path = PurePosixPath(name)
    while (shown := path.with_name(f"{path.stem} ({number}){path.suffix}").as_posix()) in taken:
        number += 1
    return shown


def quarantine(folder: Path, submission: Submission, data: bytes, reason: Pair, lang: FormLang) -> Path:
    """Copy a refused file into ``folder`` (keeping its relative path) with ``<name>.reason.txt`` beside it, the
    ``reason`` in ``lang`` (the form's: both languages for a bilingual one); the copy's path (``quarantine_path``).

    A link, special file or file too large to read (``data`` empty) gets only the reason: nothing is copied.
    """
    target = quarantine_path(folder, submission.name)
    target.parent.mkdir(parents=True, exist_ok=True)
    # A file of the same name refused by an earlier run may be the only copy of that week's work: kept as a backup.
    if data or _empty_file(submission):
        write_replacing(target, data)
    note = target.with_name(target.name + NOTE_SUFFIX)
    lines = [NOTE_LEADS[shown] + reason.render(shown) for shown in LANGS if lang in (shown, "bilingual")]
    write_replacing(note, "\n".join([submission.name, *lines, ""]).encode())
    return target


def quarantine_path(folder: Path, name: str) -> Path:
    """Where the refused file ``name`` (its path under SOURCE) is copied in ``folder``: under its own path, a name too
    long for its note and their backups (``<name>.reason.txt``, ``<stem>.bak<ext>``) cut with a digest of the whole
    (``fitted_name``), as is a folder's name from a zip longer than a name may be."""
    *folders, own = PurePosixPath(name).parts
    return folder.joinpath(*(fitted_name(part) for part in folders), fitted_name(own, _QUARANTINED_BYTES))


def _empty_file(submission: Submission) -> bool:
    try:
        mode, size = submission.entry()
    except (OSError, KeyError):
        return False
    return stat.S_ISREG(mode) and size == 0
