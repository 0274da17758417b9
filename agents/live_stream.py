"""The console's live part pushed as server-sent events, only when it changed.

Each open console holds one worker thread while its stream lasts, and the
router's threads are the webhooks' too (gunicorn gthread): so a process runs
at most `limit` streams at once, each for at most `lifetime` seconds before
the browser's EventSource reconnects (the `retry` it is told). A console
beyond the limit gets the current state and is asked to come back later, so
it falls back to polling instead of taking a caller's thread. A stream ends
at once when its session ends, telling the page where to sign in.
"""
from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator

from runtime.redis_connection import StoreUnavailable

RETRY_MS = 2000  # the browser reconnects this soon after a stream ends
BUSY_RETRY_MS = 5000  # and this soon when every stream of the process was taken


def event(name: str, data: str) -> str:
    """One SSE event; each line of `data` on a data field of its own, as the format requires."""
    lines = "".join(f"data: {line}\n" for line in data.splitlines() or [""])
    return f"event: {name}\n{lines}\n"


class LiveStreams:
    def __init__(self, *, limit: int, lifetime: float, interval: float = 1.0,
                 sleep: Callable[[float], None] = time.sleep, monotonic: Callable[[], float] = time.monotonic):
        self._slots = threading.BoundedSemaphore(max(1, limit))
        self._lifetime = lifetime
        self._interval = interval
        self._sleep = sleep
        self._monotonic = monotonic

    def stream(self, render: Callable[[], str], still_open: Callable[[], bool], sign_in_url: str) -> Iterator[str]:
        """`render()` sent whenever it differs from what was sent last, while `still_open()`."""
        if not still_open():
            yield event("signed-out", sign_in_url)
            return
        if not self._slots.acquire(blocking=False):
            yield f"retry: {BUSY_RETRY_MS}\n\n" + event("live", render())
            return
        try:
            yield f"retry: {RETRY_MS}\n\n"
            ends, sent = self._monotonic() + self._lifetime, None
            while True:
                html = render()
                # Unchanged, a comment line: a browser that has gone is noticed at the next write, not at the end.
                yield event("live", html) if html != sent else ":\n\n"
                sent = html
                if self._monotonic() >= ends:
                    return
                self._sleep(self._interval)
                if not still_open():
                    yield event("signed-out", sign_in_url)
                    return
        except StoreUnavailable:
            return  # Redis did not answer: the browser reconnects after `retry`, and the page says nothing false meanwhile
        finally:
            self._slots.release()
