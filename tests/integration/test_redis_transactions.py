"""The router's Redis client (`runtime.redis_connection`) reads a transaction's replies by a shorter way than
redis-py's own, and packs commands with one hiredis call each: against a real Redis, the same transactions
must give the same results, the same errors and leave the same data as a plain redis-py client."""
from __future__ import annotations

import pytest
import redis

from runtime.breaker import Breaker
from runtime.redis_connection import GuardedUnixConnection, RouterRedis, client_options

SCRIPT = "redis.call('SET', KEYS[1], ARGV[1]); return {ARGV[1], tonumber(ARGV[2]) + 1}"


@pytest.fixture
def clients(redis_server, redis_client):
    ours = RouterRedis.from_url(redis_server.url, connection_class=GuardedUnixConnection, breaker=Breaker(1.0),
                                **client_options(0.5))
    yield ours, redis_client
    ours.close()


def transaction(client: redis.Redis, prefix: str, *, raise_on_error: bool = True):
    pipe = client.pipeline()
    pipe.hset(prefix + "h", mapping={"a": "1", "b": "two"}).expire(prefix + "h", 100)
    pipe.hgetall(prefix + "h").set(prefix + "s", "x", nx=True).set(prefix + "s", "y", nx=True)
    pipe.zadd(prefix + "z", {"m": 1.5}).zscore(prefix + "z", "m").delete(prefix + "missing")
    pipe.eval(SCRIPT, 1, prefix + "e", "v", 41)
    pipe.incr(prefix + "h")  # a hash is no number: an error inside EXEC, the rest still runs
    pipe.xadd(prefix + "x", {"at": "1"}, id="1-1").exists(prefix + "h", prefix + "s")
    return pipe.execute(raise_on_error=raise_on_error)


def test_a_transaction_gives_what_redis_py_gives(clients):
    ours, theirs = clients
    got, expected = transaction(ours, "ours:", raise_on_error=False), transaction(theirs, "theirs:", raise_on_error=False)
    assert [type(reply) for reply in got] == [type(reply) for reply in expected]
    assert [reply for reply in got if not isinstance(reply, Exception)] == [
        reply for reply in expected if not isinstance(reply, Exception)]
    assert str(got[10]) == str(expected[10]).replace("theirs:", "ours:")
    for key in ("h", "s", "z", "e"):
        assert theirs.dump("ours:" + key) == theirs.dump("theirs:" + key)


def test_an_error_inside_a_transaction_is_raised_as_redis_py_raises_it(clients):
    ours, theirs = clients
    with pytest.raises(redis.ResponseError) as mine:
        transaction(ours, "ours:")
    with pytest.raises(redis.ResponseError) as plain:
        transaction(theirs, "theirs:")
    assert str(mine.value) == str(plain.value).replace("theirs:", "ours:")
    assert ours.get("ours:s") == "x"  # EXEC ran: the commands around the error did their work


def test_a_transaction_redis_refuses_to_queue_is_aborted_as_redis_py_aborts_it(clients):
    ours, theirs = clients
    errors = []
    for client, prefix in ((ours, "ours:"), (theirs, "theirs:")):
        pipe = client.pipeline()
        pipe.set(prefix + "a", "1")
        pipe.execute_command("NOSUCHCOMMAND", prefix + "a")
        with pytest.raises(redis.ResponseError) as error:
            pipe.execute()
        errors.append((type(error.value), str(error.value).replace(prefix, "")))
        assert client.get(prefix + "a") is None  # nothing of an aborted transaction lands
    assert errors[0] == errors[1]


def test_the_connection_stays_usable_after_either(clients):
    ours, _ = clients
    for _ in range(3):
        with pytest.raises(redis.ResponseError):
            transaction(ours, "ours:")
        assert ours.ping() and ours.hget("ours:h", "a") == "1"
