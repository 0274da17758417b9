"""One webhook's Redis work in as few round trips as it allows: its reads together, its writes together.

A webhook reads what it needs, decides, then writes: the call's record, the
waiting record, the audit trail. Those writes belong together, so inside a
unit of work they are staged and go to Redis in one MULTI when the webhook
has its answer; a command that needs a reply before then (issuing a code)
takes whatever is staged along with it in the same round trip. Outside a unit
(the admin API, the CLI, a delivery thread) `staged` writes at once, so a
store does not need to know which case it is in.
"""
from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar
from itertools import chain
from typing import Any

import redis
from redis.client import Pipeline

from runtime.redis_connection import redis_errors


class _Unit:
    """The open unit: its pipeline is made on the first staged write (many webhooks write nothing)."""

    def __init__(self, client: redis.Redis):
        self.client = client
        self.pipe: Pipeline | None = None
        self.after: list[Callable[[], None]] = []
        self.hashes: dict[str, tuple[int, dict]] = {}  # key -> (where its HSET is staged, the fields it writes)

    def pipeline(self) -> Pipeline:
        if self.pipe is None:
            self.pipe = self.client.pipeline()
        return self.pipe

    def send(self) -> None:
        """Execute what is staged (nothing to do if nothing is)."""
        if self.pipe is not None and len(self.pipe):
            with redis_errors():
                self.pipe.execute()


_open: ContextVar[_Unit | None] = ContextVar("unit_of_work", default=None)


class _Scope:
    """`unit_of_work`'s context manager, a plain class like `staged`'s (one per webhook, no generator)."""

    __slots__ = ("_token", "_unit")

    def __init__(self, client: redis.Redis):
        self._unit = _Unit(client)
        self._token = None

    def __enter__(self) -> None:
        self._token = _open.set(self._unit)

    def __exit__(self, kind, error, traceback) -> bool:
        unit = self._unit
        try:
            if kind is None:
                unit.send()
                for action in unit.after:
                    action()
        finally:
            _open.reset(self._token)
            if unit.pipe is not None:
                unit.pipe.reset()
        return False


def unit_of_work(client: redis.Redis) -> _Scope:
    """Writes staged inside the block reach Redis together when it ends; none of them if it raises."""
    return _Scope(client)


class _Staged:
    """`staged`'s context manager, a plain class: stores enter one on every write."""

    __slots__ = ("_client", "_own")

    def __init__(self, client: redis.Redis):
        self._client = client
        self._own: Pipeline | None = None

    def __enter__(self) -> Pipeline:
        unit = _open.get()
        if unit is not None:
            return unit.pipeline()
        self._own = self._client.pipeline()
        return self._own

    def __exit__(self, kind, error, traceback) -> bool:
        if kind is None and self._own is not None:
            with redis_errors():
                self._own.execute()
        return False


def staged(client: redis.Redis) -> _Staged:
    """A pipeline to add writes to: the open unit's, or one of its own sent when the block ends."""
    return _Staged(client)


def after_writes(action: Callable[[], None]) -> None:
    """Run `action` once the open unit's writes have landed (at once outside a unit; never if they fail):
    for work another thread does on what this webhook wrote."""
    unit = _open.get()
    if unit is None:
        action()
    else:
        unit.after.append(action)


def now_with_staged(client: redis.Redis, command: Callable[[Pipeline], object]):
    """Run `command` now, with the writes staged before it in the same round trip; the reply of the first
    command it adds (what follows it rides along: writes that depend on it, in the same transaction)."""
    unit = _open.get()
    pipe = unit.pipeline() if unit is not None else client.pipeline()
    first = len(pipe)
    command(pipe)
    if unit is not None:
        unit.hashes.clear()  # what was staged leaves now: a later write starts afresh
    with redis_errors():
        return pipe.execute()[first]


def stage_hash_update(client: redis.Redis, key: str, mapping: dict[str, str], ttl: int, *,
                      replace: bool = False) -> None:
    """HSET `mapping` into `key` and EXPIRE it after `ttl`, staged (`staged`); with `replace`, DEL it first.

    A webhook often writes one record in several steps (the severity, then the organisation the caller's
    number found, then their place in the queue). Inside a unit such a write joins the unit's earlier one of
    the same key, as long as no command staged since names the key: Redis runs a MULTI's commands in order,
    and one that never names the key cannot tell the fields arrived earlier, so the record ends as the
    separate writes would leave it (the later value of a field, the later expiry) in two commands, not six.
    (A script can reach keys it is not handed: the router's own do, for keys of their own prefixes, never
    for a record written here.)"""
    unit = _open.get()
    if unit is not None and not replace and (earlier := unit.hashes.get(key)) is not None:
        where, fields = earlier
        stack = unit.pipe.command_stack
        if (stack[where][0][:2] == ("HSET", key) and stack[where + 1][0][:2] == ("EXPIRE", key)
                and all(key not in args for args, _ in stack[where + 2:])):
            fields.update(mapping)
            stack[where] = (("HSET", key, *chain.from_iterable(fields.items())), stack[where][1])
            stack[where + 1] = (("EXPIRE", key, ttl), stack[where + 1][1])
            return
    with staged(client) as pipe:
        if replace:
            pipe.delete(key)
        if unit is not None:
            unit.hashes[key] = (len(pipe), dict(mapping))
        pipe.hset(key, mapping=mapping).expire(key, ttl)


Read = Callable[[Pipeline], Callable[[Any], Any]]  # stages one command; returns how to decode its reply


def read_together(client: redis.Redis, *reads: Read) -> list:
    """Several stores' reads in one round trip, each decoded by the store that asked."""
    pipe = client.pipeline(transaction=False)
    decoders = [read(pipe) for read in reads]
    with redis_errors():
        replies = pipe.execute()
    return [decode(reply) for decode, reply in zip(decoders, replies)]
