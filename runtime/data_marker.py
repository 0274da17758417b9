"""Telling a first start from a Redis that lost its data.

Both look the same from inside Redis: no country table. So the first seeding
writes a marker (`router:data-marker`: an id and when) in the same MULTI as
the table, and every process remembers the marker it has seen, in memory and
in a file in the instance folder (so a process started after the loss knows
too). Afterwards, no table and no marker, while this machine has seen one,
means the data is gone: the router must not seed the shipped file over it as
if nothing happened (history, organisations, agents, notices, admin tokens
and callbacks would be silently replaced by an empty start). It says so
loudly instead: `/readyz` fails naming it, and the log lists what is missing.

An operator who means to start afresh (after restoring what they can) runs
`flask --app app data reseed`, which seeds the file again with a new marker.
"""
from __future__ import annotations

import json
import logging
import os
import secrets
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import redis
from redis.client import Pipeline

from runtime.redis_connection import redis_errors

log = logging.getLogger(__name__)

MARKER = "router:data-marker"

# What the router keeps in Redis that a loss takes away, as (what it is, how to count it).
DURABLE = (
    ("the country table and its history", ("exists", "table:version")),
    ("organisations", ("scard", "orgs")),
    ("agents", ("scard", "agents")),
    ("named admin tokens", ("hlen", "admin-tokens")),
    ("callback requests", ("zcard", "callbacks:open")),
)


class DataLost(Exception):
    """Redis has lost data this deployment wrote; `str()` says what and what to do."""


class DataMarker:
    def __init__(self, client: redis.Redis, remembered: Path | None, clock: Callable[[], datetime]):
        self._redis = client
        self._file = remembered
        self._clock = clock
        self._seen: str | None = None
        self.lost: str | None = None  # the description of a detected loss, until a reseed

    def stage_first_seeding(self, pipe: Pipeline) -> str:
        """Add the marker to the first seeding's MULTI; its id."""
        marker = json.dumps({"id": secrets.token_hex(8), "at": self._clock().isoformat()})
        pipe.set(MARKER, marker)
        return marker

    def seeded(self, marker: str) -> None:
        self._remember(marker)
        self.lost = None

    def check(self) -> str | None:
        """Read the marker: None when Redis has it, or has never been seeded (a first start);
        otherwise the loss, described (and logged once)."""
        with redis_errors():
            marker = self._redis.get(MARKER)
        if marker:  # restored from a backup, or reseeded by an operator: the data is there again
            self._remember(marker)
            self.lost = None
            return None
        known = self._seen or self._read_file()
        if not known:
            return None
        if self.lost is None:
            self.lost = self._describe(known)
            log.error("%s", self.lost)
        return self.lost

    def adopt(self) -> None:
        """Mark data that is already there (written before the marker existed)."""
        marker = json.dumps({"id": secrets.token_hex(8), "at": self._clock().isoformat()})
        with redis_errors():
            self._redis.set(MARKER, marker, nx=True)
            self._remember(self._redis.get(MARKER) or marker)

    def present(self) -> bool:
        with redis_errors():
            return bool(self._redis.exists(MARKER))

    def _describe(self, known: str) -> str:
        try:
            since = json.loads(known).get("at", "?")
        except ValueError:
            since = "?"
        with redis_errors():
            pipe = self._redis.pipeline(transaction=False)
            for _, (command, key) in DURABLE:
                getattr(pipe, command)(key)
            counts = pipe.execute()
        missing = [what for (what, _), count in zip(DURABLE, counts) if not count]
        return (f"Redis has lost the router's data: the marker written at the first seeding ({since}) is gone. "
                f"Missing: {', '.join(missing) or 'the marker only'}. Not seeding the table file over it; "
                "callers are served from the table this process last read (or the file) until an operator "
                "restores Redis from its backup or runs `flask --app app data reseed`.")

    def _remember(self, marker: str) -> None:
        if marker == self._seen:
            return
        self._seen = marker
        if self._file is None:
            return
        try:
            self._file.parent.mkdir(parents=True, exist_ok=True)
            draft = self._file.with_name(f".{self._file.name}.{os.getpid()}")
            draft.write_text(marker)
            draft.replace(self._file)
        except OSError as error:
            log.warning("cannot remember the data marker in %s: %s", self._file, error)

    def _read_file(self) -> str | None:
        if self._file is None:
            return None
        try:
            return self._file.read_text().strip() or None
        except OSError:
            return None

    def forget(self) -> None:
        """Before a deliberate reseed: the loss is acknowledged."""
        self._seen, self.lost = None, None
        if self._file is not None:
            self._file.unlink(missing_ok=True)
