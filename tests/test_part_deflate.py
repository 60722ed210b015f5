"""A part deflated while it is rendered (keyacct_xl/xlsx/deflate.py) is the zip entry ZipFile writes for it, to the
byte, and a renderer's error stops the write with no worker thread left behind."""

from __future__ import annotations

import io
import random
import shutil
import threading
import zipfile
from pathlib import Path
from typing import IO

import pytest

from keyacct_xl.xlsx.package import FIXED_ZIP_TIME, rewrite_package
from keyacct_xl.xlsx.rawcopy import copy_raw

PART, NEW_PART = "xl/worksheets/sheet1.xml", "xl/worksheets/sheet2.xml"


def _render(out: IO[bytes]) -> None:
    """About 9 MiB in writes of every size: rows of a few bytes to 60 kB, a 5 MiB view, text and noise."""
    rng = random.Random(20261130)
    out.write(b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet><sheetData>')
    for r in range(1, 700):
        text = "".join(rng.choice(["甲公司", "液压油 200L", "&amp;", "x" * rng.randint(0, 90)]) for _ in range(60))
        out.write(f'<row r="{r}"><c t="inlineStr"><is><t>{text}</t></is></c></row>'.encode())
        if r % 50 == 0:
            out.write(rng.randbytes(rng.randint(1, 60_000)))
    out.write(memoryview(bytes(range(256)) * 20_480))
    out.write(b"</sheetData></worksheet>")


def _source(path: Path) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(zipfile.ZipInfo("[Content_Types].xml", date_time=FIXED_ZIP_TIME), b"<Types/>")
        z.writestr(zipfile.ZipInfo(PART, date_time=(2026, 11, 30, 8, 0, 0)), b"<worksheet/>")
    return path


def _as_zipfile_writes(source: Path, target: Path) -> None:
    """The package with the parts written as ZipFile.open writes them: each rendered in full, then fed to it a MiB
    at a time (the unchanged part copied as rewrite_package copies it)."""
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as dst:
        copy_raw(src, dst, src.getinfo("[Content_Types].xml"))
        for name, date_time in ((PART, src.getinfo(PART).date_time), (NEW_PART, FIXED_ZIP_TIME)):
            info = zipfile.ZipInfo(name, date_time=date_time)
            info.compress_type = zipfile.ZIP_DEFLATED
            spool = io.BytesIO()
            _render(spool)
            spool.seek(0)
            with dst.open(info, "w", force_zip64=False) as stream:
                shutil.copyfileobj(spool, stream, 1024**2)


def test_a_part_deflated_while_rendered_is_the_entry_zipfile_writes(tmp_path: Path) -> None:
    source = _source(tmp_path / "source.zip")
    with (tmp_path / "ours.zip").open("wb") as out:
        rewrite_package(source, out, {PART: _render, NEW_PART: _render})
    _as_zipfile_writes(source, tmp_path / "zipfile.zip")
    ours = (tmp_path / "ours.zip").read_bytes()
    assert ours == (tmp_path / "zipfile.zip").read_bytes()
    rendered = io.BytesIO()
    _render(rendered)
    assert len(rendered.getvalue()) > 5 * 1024**2  # five pieces and more went through the worker
    with zipfile.ZipFile(tmp_path / "ours.zip") as z:
        assert z.testzip() is None
        assert z.read(PART) == z.read(NEW_PART) == rendered.getvalue()


def test_a_renderers_error_stops_the_write_and_the_worker(tmp_path: Path) -> None:
    def failing(out: IO[bytes]) -> None:
        _render(out)  # several MiB handed to the worker first
        raise RuntimeError("rendering failed")

    with (tmp_path / "out.zip").open("wb") as out, pytest.raises(RuntimeError, match="rendering failed"):
        rewrite_package(_source(tmp_path / "source.zip"), out, {PART: failing})
    assert not [t for t in threading.enumerate() if t.name.startswith("deflate")]
