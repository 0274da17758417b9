"""The live country table: versioned documents in Redis, shared by every router process.

Each accepted change writes a whole new version (the document in the YAML
file's shape), its history entry (who, when, what changed) and the version
pointer in one MULTI guarded by WATCH, so a stale writer gets `Conflict`
instead of overwriting a colleague. A process parses each version once and
keeps it; a call keeps the version it started with, so it never changes
rules mid-call, and the next call picks up the new table.

Every write is durable: replicas confirm it before it counts as done
(`runtime.redis_connection.acknowledged`). The first seeding writes the data
marker with version 1, so a Redis that later has no table is known to have
lost it (`runtime.data_marker`) and is not seeded over.
"""
from __future__ import annotations

import copy
import json
import logging
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import redis

from routing.model import Table
from runtime.data_marker import DataMarker
from runtime.redis_connection import (
    StoreUnavailable,
    acknowledged,
    redis_errors,
    unless_network,
)

log = logging.getLogger(__name__)

VERSION = "table:version"
DOCUMENT = "table:doc:"
HISTORY = "table:history"
PARSED_KEPT = 8
NOTICE_PREFIX = "notice:"


class Conflict(Exception):
    """The table changed since the writer read it (HTTP 412)."""

    def __init__(self, current: int):
        self.current = current
        super().__init__(f"the table is at version {current}")


@dataclass(frozen=True)
class Change:
    version: int
    author: str
    at: str
    action: str
    # entry id -> {"before": entry or None, "after": entry or None}; "default_line" likewise;
    # "notice:<id>" -> the notice before and after (":" is in no entry id)
    changed: dict


class TableStore:
    def __init__(self, client: redis.Redis, clock: Callable[[], datetime], validate: Callable[[dict], Table],
                 marker: DataMarker | None = None):
        self._redis = client
        self._clock = clock
        self.validate = validate
        self.marker = marker or DataMarker(client, None, clock)
        self._parsed: OrderedDict[int, Table] = OrderedDict()
        self._seed: dict | None = None

    # -- reading ---------------------------------------------------------------

    def current(self) -> tuple[int, Table]:
        """The newest version: one Redis round trip when this process has parsed it already.

        A new Redis is seeded from the file; one that has lost the table is not (it serves the
        table this process last read, or the file, without writing it) and the loss is reported.
        """
        return self.current_with()[:2]

    def current_with(self, *reads) -> tuple:
        """`current()`, with other stores' `Read`s in the same round trip: (version, table, *their results)."""
        with redis_errors():
            pipe = self._redis.pipeline(transaction=False)
            pipe.get(VERSION)
            decoders = [read(pipe) for read in reads]
            replies = pipe.execute()
        version = int(replies[0] or 0)
        others = [decode(reply) for decode, reply in zip(decoders, replies[1:])]
        if not version and self._seed is not None:
            if self.marker.check():
                return (0, self._stand_in(), *others)
            version = self.seed(self._seed)
        return (version, self.at(version), *others)

    def _stand_in(self) -> Table:
        """What callers are served from while Redis has no table it should have."""
        if not self._parsed:
            self._remember(0, self.validate(self._seed))
        table = self.latest_known()
        self._parsed[0] = table
        return table

    def at(self, version: int) -> Table:
        table = self._parsed.get(version)
        if table is None:
            table = self.validate(self.document(version))
            self._remember(version, table)
        return table

    def latest_known(self) -> Table:
        """The newest table this process has seen, for when Redis cannot be asked."""
        return next(reversed(self._parsed.values()))

    def document(self, version: int | None = None) -> dict:
        with redis_errors():
            version = version or int(self._redis.get(VERSION) or 0)
            raw = self._redis.get(f"{DOCUMENT}{version}")
        if raw is None:
            raise LookupError(f"no table version {version}")
        return json.loads(raw)

    def history(self) -> list[Change]:
        with redis_errors():
            return [Change(**json.loads(raw)) for raw in self._redis.lrange(HISTORY, 0, -1)]

    # -- writing ---------------------------------------------------------------

    def start(self, document: dict) -> None:
        """At start-up: seed Redis from the file if it has no table, and have a table in hand.

        With Redis down, the file's table serves until Redis answers again.
        """
        self._seed = document
        try:
            version, _ = self.current()
            if version and not self.marker.present():  # data from before the marker existed: mark it now
                self.marker.adopt()
        except StoreUnavailable:
            log.warning("Redis unavailable at start-up: serving the table file until it answers")
            self._remember(0, self.validate(document))

    def seed(self, document: dict) -> int:
        """Version 1 from the shipped file, unless Redis already has a table."""
        with redis_errors():
            if self._redis.exists(VERSION):
                return int(self._redis.get(VERSION))
        try:
            return self.write(lambda current: document, author="seed", action="seeded from the table file", expected=0,
                              first_seeding=True)
        except Conflict as conflict:  # another process seeded first
            return conflict.current

    def reseed(self, document: dict, *, author: str) -> int:
        """An operator's deliberate fresh start after a loss: the file as the next version, a new marker."""
        self.marker.forget()
        self._seed = document
        return self.write(lambda current: document, author=author, action="reseeded from the table file after a loss",
                          expected=None, first_seeding=True)

    def edit_entry(self, line_id: str, edit: Callable[[dict], dict], *, author: str, action: str, expected: int | None) -> int:
        """Change one existing entry (KeyError if there is none)."""
        def change(current: dict) -> dict:
            return {**current, "lines": {**current["lines"], line_id: edit(current["lines"][line_id])}}

        return self.write(change, author=author, action=action, expected=expected)

    def put_entry(self, line_id: str, entry: dict, *, author: str, expected: int | None) -> int:
        def change(current: dict) -> dict:
            return {**current, "lines": {**current["lines"], line_id: entry}}

        return self.write(change, author=author, action=f"put {line_id}", expected=expected)

    def delete_entry(self, line_id: str, *, author: str, expected: int | None) -> int:
        def change(current: dict) -> dict:
            if line_id not in current["lines"]:
                raise KeyError(line_id)
            return {**current, "lines": {key: value for key, value in current["lines"].items() if key != line_id}}

        return self.write(change, author=author, action=f"delete {line_id}", expected=expected)

    def rollback(self, version: int, *, author: str, expected: int | None) -> int:
        old = self.document(version)
        return self.write(lambda current: old, author=author, action=f"rollback to version {version}", expected=expected)

    def write(self, change: Callable[[dict], dict], *, author: str, action: str, expected: int | None,
              first_seeding: bool = False) -> int:
        """Validate `change(current document)` whole and store it as the next version.

        `expected` is the version the writer read (None: whatever is current).
        Raises Conflict, or the validator's error, and then nothing is written.
        A change that leaves the document as it was makes no version (an unchanged
        save would otherwise fill the history with empty entries): the current
        version comes back.
        """
        with redis_errors(), self._redis.pipeline() as pipe:
            acknowledged(pipe)
            while True:
                try:
                    pipe.watch(VERSION)
                    current_version = int(pipe.get(VERSION) or 0)
                    if expected is not None and expected != current_version:
                        raise Conflict(current_version)
                    current = json.loads(pipe.get(f"{DOCUMENT}{current_version}") or '{"lines": {}}')
                    document = change(copy.deepcopy(current))
                    table = self.validate(document)
                    if current_version and document == current:
                        pipe.reset()
                        return current_version
                    version = current_version + 1
                    record = Change(version, author, self._clock().isoformat(), action, changes_between(current, document))
                    pipe.multi()
                    pipe.set(f"{DOCUMENT}{version}", json.dumps(document))
                    pipe.set(VERSION, version)
                    pipe.rpush(HISTORY, json.dumps(record.__dict__))
                    marker = self.marker.stage_first_seeding(pipe) if first_seeding else None
                    pipe.execute()
                    if marker:
                        self.marker.seeded(marker)
                    self._remember(version, table)
                    return version
                except redis.WatchError as race:
                    unless_network(race)

    def _remember(self, version: int, table: Table) -> None:
        self._parsed[version] = table
        self._parsed.move_to_end(version)
        while len(self._parsed) > PARSED_KEPT:
            self._parsed.popitem(last=False)


def replace_notice(notices: list[dict], notice: dict) -> list[dict]:
    """`notices` with `notice` in the place of the one with its id (kept in order, so an unchanged
    notice leaves the document as it was), or added at the end."""
    ids = [item.get("id") for item in notices]
    if notice.get("id") in ids:
        return [notice if item.get("id") == notice.get("id") else item for item in notices]
    return [*notices, notice]


def changes_between(before: dict, after: dict) -> dict:
    """Which entries (and the default line) differ, with both sides."""
    changed = {}
    old, new = before.get("lines", {}), after.get("lines", {})
    for line_id in list(old) + [key for key in new if key not in old]:
        if old.get(line_id) != new.get(line_id):
            changed[line_id] = {"before": old.get(line_id), "after": new.get(line_id)}
    if before.get("default_line") != after.get("default_line"):
        changed["default_line"] = {"before": before.get("default_line"), "after": after.get("default_line")}
    old_notices = {notice.get("id"): notice for notice in before.get("notices", []) if isinstance(notice, dict)}
    new_notices = {notice.get("id"): notice for notice in after.get("notices", []) if isinstance(notice, dict)}
    for notice_id in list(old_notices) + [key for key in new_notices if key not in old_notices]:
        if old_notices.get(notice_id) != new_notices.get(notice_id):
            changed[f"{NOTICE_PREFIX}{notice_id}"] = {"before": old_notices.get(notice_id), "after": new_notices.get(notice_id)}
    return changed
