"""A circuit breaker for Redis: after a failure, stop waiting on it for a while.

A hung Redis (a stopped process, a network partition) does not refuse
connections; each command costs its whole timeout. At 150 webhooks a second
that is enough to queue every caller behind the one before. So after a
command fails on the network, the breaker opens: for `cool_down` seconds
every command fails at once (webhooks answer from what the request carries),
then one command at a time is let through to probe. Its success closes the
breaker; its failure opens it again. A probe that never reports (its thread
died) is given up on after `probe_limit` seconds, so the breaker cannot stay
half-open for ever.

Only the network counts: a Redis that answers with an error (a script's
error, a READONLY replica) is alive and does not open the breaker.
"""
from __future__ import annotations

import threading
import time
from collections.abc import Callable

CLOSED, OPEN, PROBING = "closed", "open", "probing"


class Breaker:
    def __init__(self, cool_down: float, probe_limit: float = 2.0, clock: Callable[[], float] = time.monotonic):
        self.cool_down = cool_down
        self.probe_limit = probe_limit
        self._clock = clock
        self._lock = threading.Lock()
        self.state = CLOSED
        self._until = 0.0  # OPEN: when probing may start; PROBING: when the probe is given up on
        self._prober: int | None = None
        self.opened = 0  # times it opened: for metrics and tests

    def admit(self) -> bool:
        """May this thread talk to Redis now? (Closed: yes; open: no; after the cool-down: one prober.)"""
        if self.state == CLOSED:
            return True
        with self._lock:
            now = self._clock()
            if self.state == CLOSED:
                return True
            if self.state == PROBING and self._prober == threading.get_ident():
                return True  # the probe's own retry or next command
            if now < self._until:
                return False
            self.state, self._until, self._prober = PROBING, now + self.probe_limit, threading.get_ident()
            return True

    def succeeded(self) -> None:
        if self.state == CLOSED:
            return
        with self._lock:
            self.state, self._prober = CLOSED, None

    def failed(self) -> None:
        with self._lock:
            if self.state == CLOSED:
                self.opened += 1
            self.state, self._until, self._prober = OPEN, self._clock() + self.cool_down, None
