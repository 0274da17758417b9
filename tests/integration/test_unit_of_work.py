"""A webhook's unit of work against a real Redis: staged writes land together, or not at all."""
from __future__ import annotations

import pytest

from runtime.redis_connection import StoreUnavailable
from runtime.unit_of_work import (
    _open,
    now_with_staged,
    read_together,
    stage_hash_update,
    staged,
    unit_of_work,
)


def test_writes_staged_in_a_unit_land_when_it_ends(redis_client):
    with unit_of_work(redis_client):
        with staged(redis_client) as pipe:
            pipe.set("a", "1")
        with staged(redis_client) as pipe:
            pipe.set("b", "2")
        assert redis_client.mget("a", "b") == [None, None]
    assert redis_client.mget("a", "b") == ["1", "2"]


def test_a_unit_that_raises_writes_nothing(redis_client):
    with pytest.raises(RuntimeError), unit_of_work(redis_client):
        with staged(redis_client) as pipe:
            pipe.set("a", "1")
        raise RuntimeError("the step failed")
    assert redis_client.get("a") is None


def test_a_command_that_needs_its_reply_carries_the_staged_writes(redis_client):
    with unit_of_work(redis_client):
        with staged(redis_client) as pipe:
            pipe.set("a", "1")
        assert now_with_staged(redis_client, lambda pipe: pipe.get("a")) == "1"
        with staged(redis_client) as pipe:
            pipe.set("b", "2")
        assert redis_client.get("b") is None  # staged, not sent: it goes when the unit ends
    assert redis_client.get("b") == "2"


def test_outside_a_unit_a_write_lands_at_once(redis_client):
    with staged(redis_client) as pipe:
        pipe.set("a", "1")
    assert redis_client.get("a") == "1"


def test_reads_together_are_decoded_each_by_its_own_reader(redis_client):
    redis_client.set("a", "41")

    def number(key):
        def stage(pipe):
            pipe.get(key)
            return lambda raw: int(raw or 0) + 1
        return stage

    assert read_together(redis_client, number("a"), number("missing")) == [42, 1]


def test_a_lost_redis_surfaces_as_store_unavailable(redis_client, redis_server):
    redis_server.stop()
    try:
        with pytest.raises(StoreUnavailable), unit_of_work(redis_client):
            with staged(redis_client) as pipe:
                pipe.set("a", "1")
    finally:
        redis_server.start()


def test_writes_of_one_hash_join_when_nothing_between_names_it(redis_client):
    """Three writes of a record with others between that never name it: one HSET and one EXPIRE, and the
    record as the three would leave it (a field's later value, the later expiry)."""
    with unit_of_work(redis_client):
        stage_hash_update(redis_client, "call:1", {"queue": "technical", "severity": "B"}, 100)
        with staged(redis_client) as pipe:
            pipe.zadd("waiting", {"1": 1.0})
        stage_hash_update(redis_client, "call:1", {"org": "900001", "severity": "A"}, 200)
        stage_hash_update(redis_client, "call:1", {"status": "queued"}, 300)
        stage_hash_update(redis_client, "call:2", {"status": "ivr"}, 50)
        stack = [args[:2] for args, _ in _open.get().pipe.command_stack]
        assert stack == [("HSET", "call:1"), ("EXPIRE", "call:1"), ("ZADD", "waiting"), ("HSET", "call:2"),
                         ("EXPIRE", "call:2")]
    assert redis_client.hgetall("call:1") == {"queue": "technical", "severity": "A", "org": "900001", "status": "queued"}
    assert 295 < redis_client.ttl("call:1") <= 300 and redis_client.hgetall("call:2") == {"status": "ivr"}


def test_a_command_naming_the_hash_keeps_the_writes_apart(redis_client):
    """A script handed the key reads or writes it: the write after it must land after it."""
    with unit_of_work(redis_client):
        stage_hash_update(redis_client, "call:1", {"status": "queued"}, 100)
        with staged(redis_client) as pipe:
            pipe.eval("return redis.call('HSET', KEYS[1], 'status', 'callback')", 1, "call:1")
        stage_hash_update(redis_client, "call:1", {"status": "left"}, 100)
        assert len(_open.get().pipe.command_stack) == 5
    assert redis_client.hget("call:1", "status") == "left"


def test_a_replaced_hash_loses_its_old_fields_and_later_writes_join_it(redis_client):
    redis_client.hset("call:1", mapping={"status": "completed", "ended_at": "x"})
    with unit_of_work(redis_client):
        stage_hash_update(redis_client, "call:1", {"sid": "1", "line": "se"}, 100, replace=True)
        stage_hash_update(redis_client, "call:1", {"language": "sv-SE"}, 100)
        assert len(_open.get().pipe.command_stack) == 3  # DEL, HSET, EXPIRE
    assert redis_client.hgetall("call:1") == {"sid": "1", "line": "se", "language": "sv-SE"}


def test_a_write_after_a_command_that_went_ahead_starts_afresh(redis_client):
    """`now_with_staged` sends what is staged: a later write of the same hash is a write of its own."""
    with unit_of_work(redis_client):
        stage_hash_update(redis_client, "call:1", {"status": "queued"}, 100)
        assert now_with_staged(redis_client, lambda pipe: pipe.hget("call:1", "status")) == "queued"
        stage_hash_update(redis_client, "call:1", {"org": "900001"}, 100)
    assert redis_client.hgetall("call:1") == {"status": "queued", "org": "900001"}


def test_outside_a_unit_a_hash_write_lands_at_once(redis_client):
    stage_hash_update(redis_client, "call:1", {"status": "queued"}, 100)
    assert redis_client.hgetall("call:1") == {"status": "queued"} and redis_client.ttl("call:1") > 95
