"""A webhook's unit of work against a real Redis: staged writes land together, or not at all."""
from __future__ import annotations

import pytest

from runtime.redis_connection import StoreUnavailable
from runtime.unit_of_work import (
    now_with_staged,
    read_together,
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
