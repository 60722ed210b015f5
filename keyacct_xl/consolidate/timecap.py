"""A wall-clock cap on the work spent on one submitted file (SIGALRM, where the platform has it).

The size, part and row caps already bound a file's work; this is the backstop for a file that is slow for
another reason. Native code (calamine parsing a sheet) finishes its call before the cap is noticed. Where
there is no SIGALRM (Windows) or when called outside the main thread, the cap is not applied.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator

MAX_SECONDS_PER_FILE = 30.0


class TimeCapExceeded(Exception):
    """Checking one file took longer than its cap."""


@contextlib.contextmanager
def time_cap(seconds: float) -> Iterator[None]:
    """Raise TimeCapExceeded inside the block once ``seconds`` have passed (no cap when not supported)."""
    usable = hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()
    if not usable or seconds <= 0:
        yield
        return

    def expire(signum: int, frame: object) -> None:
        raise TimeCapExceeded

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
