"""Safe writes: refuse files Excel holds open, write to a temporary file, keep a backup, then rename."""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from keyacct_xl.errors import InputError, MasterLockedError


def excel_lock_file(path: Path) -> Path:
    """The owner file Excel (and WPS, LibreOffice as ``.~lock``) leaves beside an open workbook."""
    return path.with_name("~$" + path.name)


def ensure_not_open(path: Path) -> None:
    """Raise MasterLockedError when Excel or LibreOffice holds ``path`` open."""
    lo_lock = path.with_name(f".~lock.{path.name}#")
    for lock in (excel_lock_file(path), lo_lock):
        if lock.exists():
            raise MasterLockedError(
                f"{path}: the workbook is open in Excel or another program ({lock.name} exists); "
                "close it and try again",
                f"{path}：工作簿正在 Excel 或其他程序中打开（存在 {lock.name}），请关闭后重试",
            )


def backup_path(path: Path) -> Path:
    """Where the previous version of ``path`` is kept: ``name.bak.xlsx`` beside it."""
    return path.with_name(f"{path.stem}.bak{path.suffix}")


def ensure_writable(path: Path) -> None:
    """Raise InputError when ``path`` cannot be written: its folder is missing or Excel holds it open."""
    if not path.parent.exists():
        raise InputError(f"{path.parent}: folder does not exist", f"{path.parent}：文件夹不存在")
    ensure_not_open(path)


@contextlib.contextmanager
def atomic_write(path: Path, *, backup: bool = True) -> Iterator[IO[bytes]]:
    """Yield a temporary file beside ``path``; on success back up the old file and rename into place.

    On any failure the temporary file is removed and ``path`` is untouched.
    """
    path = Path(path)
    ensure_writable(path)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
    # Created like any new file (0666 less the umask), unlike mkstemp's private 0600.
    fd = os.open(tmp, os.O_CREAT | os.O_EXCL | os.O_RDWR | getattr(os, "O_BINARY", 0), 0o666)
    try:
        with os.fdopen(fd, "w+b") as stream:
            yield stream
            stream.flush()
            os.fsync(stream.fileno())
        if path.exists():
            os.chmod(tmp, path.stat().st_mode & 0o777)
        if backup and path.exists():
            shutil.copy2(path, backup_path(path))
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise

