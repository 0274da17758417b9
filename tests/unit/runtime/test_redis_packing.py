"""The router's command packer writes the very bytes redis-py's own would, and refuses what it refuses.

It exists to be cheaper (one hiredis call a command instead of a pass over every argument first), so the
only thing a test can hold it to is sameness: same bytes for a command, same bytes for a pipeline's
commands put together, the same DataError for a value Redis cannot take.
"""
from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from redis.connection import Connection, HiredisRespSerializer
from redis.exceptions import DataError

from runtime.breaker import Breaker
from runtime.redis_connection import GuardedConnection

NAMES = st.sampled_from(["HSET", "EVAL", "GET", "SCRIPT EXISTS", "CLIENT SETNAME", "hset", b"HGETALL", b"CONFIG GET"])
VALUES = st.one_of(
    st.text(max_size=40),
    st.binary(max_size=40),
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.floats(allow_nan=False, allow_infinity=False),
    st.binary(max_size=10).map(memoryview),
    st.binary(max_size=10).map(bytearray),
)
COMMANDS = st.tuples(NAMES, st.lists(VALUES, max_size=8)).map(lambda c: (c[0], *c[1]))


def ours() -> GuardedConnection:
    return GuardedConnection(breaker=Breaker(1.0))


def theirs() -> Connection:
    return Connection()


def test_the_router_packs_with_its_own_packer():
    assert type(ours()._command_packer).__name__ == "_Packer"
    assert isinstance(theirs()._command_packer, HiredisRespSerializer)


@given(COMMANDS)
def test_a_command_packs_to_redis_pys_bytes(command):
    assert b"".join(ours().pack_command(*command)) == b"".join(theirs().pack_command(*command))


@given(st.lists(COMMANDS, min_size=1, max_size=6))
def test_a_pipeline_packs_to_redis_pys_bytes_in_one_write(commands):
    packed = ours().pack_commands(commands)
    assert len(packed) == 1
    assert packed[0] == b"".join(bytes(chunk) for chunk in theirs().pack_commands(commands))


@pytest.mark.parametrize("value", [None, object(), ["a"]])
def test_a_value_redis_cannot_take_is_refused_as_redis_py_refuses_it(value):
    for connection in (ours(), theirs()):
        with pytest.raises(DataError):
            connection.pack_command("SET", "key", value)
        with pytest.raises(DataError):
            connection.pack_commands([("SET", "key", "fine"), ("SET", "key", value)])
