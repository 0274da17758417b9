"""Redis at its worst, with the connection the router really opens (`open_redis`, not a test's client):
hung, demoted to a replica, without its replica, or emptied."""
from __future__ import annotations

import time
from dataclasses import replace

import pytest
import redis

from app import create_app
from runtime.redis_connection import NotAcknowledged, open_redis
from runtime.settings import SettingError
from tests.conftest import CONTOSO, TWILIO_TOKEN
from tests.redis_process import RedisProcess, free_port
from tests.twiml import parse, signed_post
from verification.service import Verifier
from web.registry import parts_of

pytestmark = pytest.mark.subprocess

UK = {"To": "+448000326417", "From": "+447911123456"}
ADMIN = {"Authorization": "Bearer test-admin-token"}
APOLOGY = "We are sorry, we are having technical difficulties. Please hold while we connect you to technical support."


@pytest.fixture
def server(tmp_path):
    process = RedisProcess(tmp_path / "redis").start()
    yield process
    process.stop()


def router(settings, url: str, clock, **changes):
    return create_app({"settings": replace(settings, redis_url=url, admin_token="test-admin-token", code_secret="test-code-secret", **changes), "clock": clock})


def test_a_hung_redis_costs_one_timeout_then_webhooks_answer_at_once(settings, clock, server):
    """SIGSTOP: the first webhook waits one timeout (0.5 s here); while the breaker is open the rest answer in milliseconds,
    valid TwiML (the apology and technical support); once Redis is back, calls get their own flow again."""
    client = router(settings, server.url, clock, redis_timeout=0.5, redis_breaker_seconds=1.5).test_client()
    assert parse(signed_post(client, "/ivr/voice", {**UK, "CallSid": "CA" + "1" * 32}, TWILIO_TOKEN).data)
    server.hang()
    try:
        times = []
        for n in range(40):
            started = time.monotonic()
            response = signed_post(client, "/ivr/voice", {**UK, "CallSid": f"CA{n:032x}"}, TWILIO_TOKEN)
            times.append(time.monotonic() - started)
            assert response.status_code == 200 and APOLOGY in [verb.text for verb in parse(response.data)]
        assert max(times) < 1.0, times
        assert times[0] >= 0.5 and max(times[1:]) < 0.25, times  # only the first waited on Redis
    finally:
        server.resume()
    time.sleep(1.6)  # the cool-down ends; the next webhook probes and finds Redis answering
    verbs = parse(signed_post(client, "/ivr/voice", {**UK, "CallSid": "CA" + "2" * 32}, TWILIO_TOKEN).data)
    assert APOLOGY not in [verb.text for verb in verbs] and verbs[-1].name != "Enqueue"


def test_a_demoted_primary_is_not_ready_and_refuses_admin_writes_with_503(settings, clock, tmp_path):
    """REDIS_URL names a server that became a replica: READONLY; /readyz fails on its write probe
    (a PING would pass) and an admin PUT answers 503, not a success."""
    port = free_port()
    primary = RedisProcess(tmp_path / "primary", port=port).start()
    demoted = RedisProcess(tmp_path / "demoted", port=free_port()).start()
    try:
        client = router(settings, demoted.url, clock).test_client()
        assert client.get("/readyz").status_code == 200
        demoted.client().replicaof("127.0.0.1", port)
        ready = client.get("/readyz")
        assert (ready.status_code, ready.json["checks"]["redis"]) == (503, "failing")
        assert client.put("/admin/api/orgs/100200", json=CONTOSO, headers=ADMIN).status_code == 503
    finally:
        demoted.stop()
        primary.stop()


def test_durable_writes_are_confirmed_by_a_replica_before_2xx_and_refused_without_one(settings, clock, tmp_path):
    """REDIS_MIN_REPLICAS=1: an organisation PUT answers 201 only once the replica has it (read straight from
    the replica after the answer); with the replica gone, the same PUT answers 503 within the wait."""
    port = free_port()
    primary = RedisProcess(tmp_path / "primary", port=port).start()
    replica = RedisProcess(tmp_path / "replica", port=free_port(), replica_of=port).start()
    try:
        _wait_online(primary)
        client = router(settings, primary.url, clock, redis_min_replicas=1, redis_replica_wait=0.3).test_client()
        assert client.put("/admin/api/orgs/100200", json=CONTOSO, headers=ADMIN).status_code == 201
        assert replica.client().get("org:100200") is not None
        replica.kill()
        started = time.monotonic()
        response = client.put("/admin/api/orgs/100300", json={**CONTOSO, "name": "Fabrikam"}, headers=ADMIN)
        assert response.status_code == 503 and time.monotonic() - started < 1.5
    finally:
        replica.stop()
        primary.stop()


def test_an_unconfirmed_write_raises_rather_than_passing_for_saved(settings, tmp_path):
    """The store's own view: no replica to confirm, `NotAcknowledged` (a kind of StoreUnavailable)."""
    primary = RedisProcess(tmp_path / "primary", port=free_port()).start()
    try:
        client = open_redis(replace(settings, redis_url=primary.url, code_secret="s", redis_min_replicas=1, redis_replica_wait=0.1))
        from runtime.redis_connection import acknowledged

        with pytest.raises(NotAcknowledged):
            acknowledged(client.pipeline()).set("k", "v").execute()
        assert client.pipeline().set("k", "w").execute() == [True]  # a write that need not be kept is not held up
    finally:
        primary.stop()


def test_a_flushed_redis_is_reported_and_not_reseeded(settings, clock, server, capfd):
    """FLUSHALL: callers are still answered, /readyz fails naming the data and what is missing, the log says so,
    the table file is not seeded over it (also not by a process started afterwards), until `data reseed`."""
    first = router(settings, server.url, clock)
    client = first.test_client()
    assert client.put("/admin/api/orgs/100200", json=CONTOSO, headers=ADMIN).status_code == 201
    server.client().flushall()
    capfd.readouterr()
    verbs = parse(signed_post(client, "/ivr/voice", {**UK, "CallSid": "CA" + "3" * 32}, TWILIO_TOKEN).data)
    logged = capfd.readouterr().err
    assert verbs[-1].name != "Enqueue" and APOLOGY not in [verb.text for verb in verbs]
    assert "ERROR" in logged and "Redis has lost the router's data" in logged and "organisations" in logged
    ready = client.get("/readyz")
    assert (ready.status_code, ready.json["checks"]["data"]) == (503, "failing")
    assert "the country table and its history" in ready.json["data_lost"]
    assert server.client().get("table:version") is None
    later = router(settings, server.url, clock)  # a process started after the loss, on the same machine
    assert later.test_client().get("/readyz").status_code == 503 and server.client().get("table:version") is None
    result = later.test_cli_runner().invoke(args=["data", "reseed", "--yes"])
    assert result.exit_code == 0, result.output
    assert later.test_client().get("/readyz").status_code == 200
    assert first.test_client().get("/readyz").status_code == 200


def test_a_first_start_seeds_and_marks_the_data(settings, clock, server):
    """An empty Redis never seeded before is a first start: version 1 from the file, and the marker."""
    client = router(settings, server.url, clock).test_client()
    assert client.get("/readyz").status_code == 200
    assert server.client().get("table:version") == "1" and server.client().exists("router:data-marker")


def test_a_production_configuration_without_code_secret_refuses_to_start(settings, server):
    """TWILIO_AUTH_TOKEN and a Redis server but no CODE_SECRET: start-up stops, naming it."""
    with pytest.raises(SettingError, match="CODE_SECRET"):
        create_app({"settings": replace(settings, redis_url=server.url)})


def test_without_code_secret_a_developers_processes_key_codes_alike_even_after_redis_is_emptied(settings, clock, server):
    """No CODE_SECRET on a developer's machine: two processes share the instance folder's secret, which a
    FLUSHALL does not change (workers never split on it)."""
    one = create_app({"settings": settings, "redis": redis.Redis.from_url(server.url, decode_responses=True), "clock": clock})
    server.client().flushall()
    two = create_app({"settings": settings, "redis": redis.Redis.from_url(server.url, decode_responses=True), "clock": clock})
    code = parts_of(one).get(Verifier).codes.issue("100200", "+447911123456").code
    assert parts_of(two).get(Verifier).codes.check("100200", code).value == "verified"


def _wait_online(primary: RedisProcess) -> None:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if primary.client().info("replication").get("slave0", {}).get("state") == "online":
            return
        time.sleep(0.05)
    raise RuntimeError("the replica did not catch up")
