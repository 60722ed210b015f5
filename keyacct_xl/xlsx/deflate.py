"""Deflate a part while it is being rendered, in a second thread, into the bytes ZipFile would have written for it.

The writer used to render a part in full (spooled, so its size was known before its zip header), then feed the
spool to ``ZipFile.open(name, "w")`` a MiB at a time, which deflates on the same thread: rendering and deflate took
turns. Here the rendered bytes are cut into the same 1 MiB pieces as they come and deflated by one worker thread
(zlib lets go of the GIL while it works), with the compressor ZipFile uses for ZIP_DEFLATED and the same calls in
the same order, so the compressed stream is byte for byte the one ZipFile writes. What is spooled is the compressed
part, a tenth of the rendered one.
"""

from __future__ import annotations

import zlib
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import IO

PIECE = 1024**2  # what shutil.copyfileobj read from the spool at a time and handed to ZipFile's writer
_AHEAD = 4  # pieces handed to the worker and not yet deflated: the renderer waits beyond this


@dataclass(frozen=True)
class Deflated:
    """A part deflated: its CRC-32, its size and its compressed size."""

    crc: int
    size: int
    compressed: int


class _DeflatingWriter:
    """A binary file the renderer writes to; whole pieces go to the worker, the last part of one waits for more."""

    def __init__(self, out: IO[bytes]) -> None:
        self._out = out
        self._compressor = zlib.compressobj(zlib.Z_DEFAULT_COMPRESSION, zlib.DEFLATED, -15)  # as zipfile's
        self._buffer = bytearray()
        self._pool: ThreadPoolExecutor | None = None
        self._ahead: deque[Future[None]] = deque()
        self.crc = self.size = self.compressed = 0

    def write(self, data: bytes | memoryview) -> int:
        view = memoryview(data).cast("B")
        at = 0
        if self._buffer:
            at = min(PIECE - len(self._buffer), len(view))
            self._buffer += view[:at]
            if len(self._buffer) == PIECE:
                self._hand_over(bytes(self._buffer))
                self._buffer.clear()
        while len(view) - at >= PIECE:
            self._hand_over(bytes(view[at : at + PIECE]))
            at += PIECE
        self._buffer += view[at:]
        return len(view)

    def _hand_over(self, piece: bytes) -> None:
        if self._pool is None:  # a part under a MiB never starts a thread
            self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="deflate")
        self._ahead.append(self._pool.submit(self._deflate, piece))
        while len(self._ahead) > _AHEAD:
            self._ahead.popleft().result()

    def _deflate(self, piece: bytes) -> None:
        self.crc = zlib.crc32(piece, self.crc)
        self.size += len(piece)
        packed = self._compressor.compress(piece)
        self.compressed += len(packed)
        self._out.write(packed)

    def finish(self) -> Deflated:
        """Deflate what is left and end the stream."""
        while self._ahead:
            self._ahead.popleft().result()
        if self._buffer:
            self._deflate(bytes(self._buffer))
        tail = self._compressor.flush()
        self.compressed += len(tail)
        self._out.write(tail)
        return Deflated(self.crc, self.size, self.compressed)

    def stop(self) -> None:
        """Let the worker finish the piece it is on and end it (after an error too)."""
        for future in self._ahead:
            future.cancel()
        if self._pool is not None:
            self._pool.shutdown(wait=True)


def deflate_rendered(render: Callable[[IO[bytes]], object], out: IO[bytes]) -> Deflated:
    """Run ``render`` on a file whose bytes are deflated into ``out`` as they come; the part's CRC and sizes."""
    writer = _DeflatingWriter(out)
    try:
        render(writer)  # type: ignore[arg-type]
        return writer.finish()
    finally:
        writer.stop()
