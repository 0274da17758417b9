"""One webhook's Redis writes, sent together.

A webhook reads what it needs, decides, then writes: the call's record, the
waiting record, the audit trail. Those writes belong together, so inside a
unit of work they are staged and go to Redis in one MULTI when the webhook
has its answer; a command that needs a reply before then (a code check)
takes whatever is staged along with it in the same round trip. Outside a unit
(the admin API, the CLI, a delivery thread) `staged` writes at once, so a
store does not need to know which case it is in.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

import redis
from redis.client import Pipeline

from runtime.redis_connection import redis_errors

_open: ContextVar[Pipeline | None] = ContextVar("unit_of_work", default=None)


@contextmanager
def unit_of_work(client: redis.Redis) -> Iterator[None]:
    """Writes staged inside the block reach Redis together when it ends; none of them if it raises."""
    pipe = client.pipeline()
    token = _open.set(pipe)
    try:
        yield
        if len(pipe):
            with redis_errors():
                pipe.execute()
    finally:
        _open.reset(token)
        pipe.reset()


@contextmanager
def staged(client: redis.Redis) -> Iterator[Pipeline]:
    """A pipeline to add writes to: the open unit's, or one of its own sent when the block ends."""
    pipe = _open.get()
    if pipe is not None:
        yield pipe
        return
    pipe = client.pipeline()
    yield pipe
    with redis_errors():
        pipe.execute()


def flush() -> None:
    """Send what the open unit has staged so far (for a step that must know its writes landed)."""
    pipe = _open.get()
    if pipe is not None and len(pipe):
        with redis_errors():
            pipe.execute()


def now_with_staged(client: redis.Redis, command: Callable[[Pipeline], object]):
    """Run `command` now, with the writes staged before it in the same round trip; its reply."""
    pipe = _open.get()
    if pipe is None:
        pipe = client.pipeline()
    command(pipe)
    with redis_errors():
        return pipe.execute()[-1]
