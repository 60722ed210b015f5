"""Safe writes: refuse files Excel holds open, write to a temporary file, keep a backup, then rename."""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
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


@contextlib.contextmanager
def atomic_write(path: Path, *, backup: bool = True) -> Iterator[IO[bytes]]:
    """Yield a temporary file beside ``path``; on success back up the old file and rename into place.

    On any failure the temporary file is removed and ``path`` is untouched.
    """
    path = Path(path)
    if not path.parent.exists():
        raise InputError(f"{path.parent}: folder does not exist", f"{path.parent}：文件夹不存在")
    ensure_not_open(path)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "w+b") as stream:
            yield stream
            stream.flush()
            os.fsync(stream.fileno())
        # mkstemp makes the file private; a workbook gets the permissions it had, or the usual ones.
        os.chmod(tmp, path.stat().st_mode & 0o777 if path.exists() else _default_mode())
        if backup and path.exists():
            shutil.copy2(path, backup_path(path))
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _default_mode() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask
