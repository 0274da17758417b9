"""A primary, its replica and a Sentinel, each a real redis-server process; the router finds the primary
through Sentinel (REDIS_SENTINELS). The primary is killed while calls run, and later comes back."""
from __future__ import annotations

import time
from dataclasses import replace

import pytest

from app import create_app
from tests.conftest import CONTOSO, TWILIO_TOKEN
from tests.redis_process import FailoverSetup
from tests.twiml import parse, signed_post
from verification.directory import Directory
from web.registry import parts_of

pytestmark = pytest.mark.subprocess

UK = {"To": "+448000326417", "From": "+447911123456"}
SWEDEN = {"To": "+46201605899", "From": "+46701234567"}
ADMIN = {"Authorization": "Bearer test-admin-token"}


@pytest.fixture
def setup(tmp_path):
    redis_setup = FailoverSetup(tmp_path / "redis").start()
    yield redis_setup
    redis_setup.stop()


def spoken_languages(response) -> set[str]:
    verbs = parse(response.data)
    return {say.attrs["language"] for verb in verbs for say in [verb, *verb.children] if say.name == "Say"}


def test_a_killed_primary_is_replaced_within_seconds_and_its_comeback_loses_nothing_acknowledged(setup, settings, clock):
    """Kill the primary mid-call: within seconds webhooks get their own flow again (the caller's chosen
    language too), every organisation the API acknowledged (2xx) is there after the old primary comes back
    and Sentinel makes it a replica, and no write was acknowledged that only the lost primary had."""
    settings = replace(settings, redis_sentinels=(("127.0.0.1", setup.sentinel.port),), redis_sentinel_master="mymaster",
                       redis_min_replicas=1, redis_replica_wait=0.3, redis_breaker_seconds=0.5,
                       admin_token="test-admin-token", code_secret="test-code-secret")
    app = create_app({"settings": settings, "clock": clock})
    client = app.test_client()
    acknowledged = []
    for n in range(5):
        body = {**CONTOSO, "name": f"Org {n}", "registered_phones": [f"+4479111234{n:02d}"]}
        assert client.put(f"/admin/api/orgs/1000{n}", json=body, headers=ADMIN).status_code == 201
        acknowledged.append(f"1000{n}")
    sid = "CA" + "a" * 32
    signed_post(client, "/ivr/voice", {**SWEDEN, "CallSid": sid}, TWILIO_TOKEN)
    signed_post(client, "/ivr/language?attempt=1", {**SWEDEN, "CallSid": sid, "Digits": "2"}, TWILIO_TOKEN)  # English

    time.sleep(0.1)  # call state is replicated asynchronously (it is not worth a WAIT): let it get there
    old = setup.primary()
    old.kill()
    killed = time.monotonic()
    recovered = None
    while time.monotonic() - killed < 30:
        response = signed_post(client, "/ivr/menu?attempt=1", {**SWEDEN, "CallSid": sid, "Digits": "2"}, TWILIO_TOKEN)
        assert response.status_code == 200 and parse(response.data)
        if spoken_languages(response) == {"en-GB"}:  # the call's own flow: the English chosen before the kill
            recovered = time.monotonic() - killed
            break
        time.sleep(0.2)
    assert recovered is not None and recovered < 15

    old.start()  # it comes back believing it is the primary, until Sentinel tells it otherwise
    answered = {}
    started = time.monotonic()
    n = 10
    while time.monotonic() - started < 25:
        status = client.put(f"/admin/api/orgs/200{n}", json={**CONTOSO, "name": f"Later {n}",
                                                           "registered_phones": [f"+4479112234{n:02d}"]}, headers=ADMIN).status_code
        assert status in (201, 503)
        answered[f"200{n}"] = status
        if status == 201:
            acknowledged.append(f"200{n}")
        n += 1
        if old.client().info("replication").get("role") == "slave" and status == 201:
            break
        time.sleep(0.3)
    setup.wait_for_replica(setup.sentinel.primary_port_now())
    directory = parts_of(app).get(Directory)
    assert [number for number in acknowledged if directory.get(number) is None] == []
    assert any(status == 201 for status in answered.values())  # writes are taken again once a replica confirms
    replica_view = old.client()
    assert all(replica_view.get(f"org:{number}") for number in acknowledged)  # the comeback kept them all
