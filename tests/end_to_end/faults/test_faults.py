"""A support line is judged on its worst day: Redis going away and coming back,
a router process killed mid-call, replays, data surviving a Redis restart."""
from __future__ import annotations

import signal
import time
from xml.etree import ElementTree

import pytest
import redis
from twilio.request_validator import RequestValidator

from app import create_app
from call_store.call_state import CallStore
from call_store.callbacks import CallbackBook
from call_store.waiting import WaitingRoom
from countries.store import TableStore
from runtime.redis_connection import client_options
from tests.conftest import CONTOSO, TWILIO_TOKEN
from tests.processes import PUBLIC, free_port, round_robin, router
from tests.redis_process import RedisProcess
from tests.twiml import names, parse, signed_post
from twilio_simulator.twilio_player import CallPlayer, flask_transport, http_transport
from verification.directory import Directory
from verification.organisations import parse_organisation
from web.registry import parts_of
from workforce.directory import AgentDirectory
from workforce.model import parse_agent

UK = {"To": "+448000326417", "From": "+447911123456"}


@pytest.mark.subprocess
def test_redis_stopping_mid_call_gets_an_apology_at_once_and_coming_back_needs_no_restart(tmp_path, settings, clock):
    """Mid-call Redis stops: the next webhook apologises and queues for technical support within a second;
    Redis back, a new call is verified by its registered phone again."""
    server = RedisProcess(tmp_path / "redis").start()
    try:
        app = create_app({"settings": settings, "redis": redis.Redis.from_url(server.url, **client_options(0.25)), "clock": clock})
        parts_of(app).get(Directory).put(parse_organisation("100200", CONTOSO))
        client = app.test_client()
        sid = "CA" + "4" * 32
        signed_post(client, "/ivr/voice", {**UK, "CallSid": sid}, TWILIO_TOKEN)
        server.stop()
        started = time.monotonic()
        response = signed_post(client, "/ivr/menu?attempt=1", {**UK, "CallSid": sid, "Digits": "2"}, TWILIO_TOKEN)
        assert time.monotonic() - started < 1.0 and response.status_code == 200
        assert [verb.text for verb in parse(response.data)] == [
            "We are sorry, we are having technical difficulties. Please hold while we connect you to technical support.",
            "technical.en.B"]
        server.start()
        transcript = CallPlayer(transport=flask_transport(client), auth_token=TWILIO_TOKEN, base_url="http://localhost",
                                to=UK["To"], from_=UK["From"], answers=["2"]).play()
        assert transcript.queue == "billing.en.B"
        assert parts_of(client.application).get(CallStore).get(transcript.requests[0][1]["CallSid"]).verified_by == "registered-phone"
    finally:
        server.stop()


@pytest.mark.subprocess
def test_a_router_process_killed_mid_call_is_carried_on_by_another(redis_url, redis_client, tmp_path):
    """Process A takes the first webhooks and is killed; B serves the rest of the call where it was."""
    ports = [free_port(), free_port()]
    env = {"REDIS_URL": redis_url, "TWILIO_AUTH_TOKEN": TWILIO_TOKEN, "CODE_SECRET": "test-code-secret", "PUBLIC_BASE_URL": PUBLIC, "INSTANCE_DIR": str(tmp_path)}
    served: list[int] = []
    with router(ports[1], **env):
        with router(ports[0], **env) as first:
            transport = round_robin([ports[0]], served)
            sid = "CA" + "6" * 32
            CallPlayer(transport=transport, auth_token=TWILIO_TOKEN, base_url=PUBLIC, call_sid=sid, to="+46201605899",
                       from_="+46701234567", answers=["2"], max_requests=2).play()
            first.send_signal(signal.SIGKILL)
            first.wait(timeout=10)
        params = {"CallSid": sid, "To": "+46201605899", "From": "+46701234567", "Digits": "3"}
        signature = RequestValidator(TWILIO_TOKEN).compute_signature(f"{PUBLIC}/ivr/menu?attempt=1", params)
        status, _, body = http_transport()(f"http://127.0.0.1:{ports[1]}/ivr/menu?attempt=1", params, {"X-Twilio-Signature": signature})
    assert status == 200
    spoken = [element.attrib["language"] for element in ElementTree.fromstring(body).iter("Say")]
    assert spoken and set(spoken) == {"en-GB"}  # the English the caller chose on process A, not the line's Swedish


def test_a_replayed_enqueue_step_does_not_queue_twice(client, register, app):
    """The same severity webhook twice: one entry in our waiting record."""
    register("100200", **CONTOSO)
    sid = "CA" + "7" * 32
    signed_post(client, "/ivr/voice", {**UK, "CallSid": sid}, TWILIO_TOKEN)
    signed_post(client, "/ivr/menu?attempt=1", {**UK, "CallSid": sid, "Digits": "1"}, TWILIO_TOKEN)
    for _ in range(2):
        verbs = parse(signed_post(client, "/ivr/severity?attempt=1", {**UK, "CallSid": sid, "Digits": "1"}, TWILIO_TOKEN).data)
        assert names(verbs)[-1] == "Enqueue"
    assert [entry.sid for entry in parts_of(app).get(WaitingRoom).everyone()] == [sid]


@pytest.mark.subprocess
def test_everything_durable_survives_a_redis_restart(tmp_path, settings, clock):
    """Callbacks, the table and its history, organisations and agents are all there after Redis restarts."""
    server = RedisProcess(tmp_path / "redis").start()
    try:
        def services():
            return parts_of(create_app({"settings": settings, "redis": redis.Redis.from_url(server.url, **client_options(1.0)),
                                        "clock": clock}))

        before = services()
        before.get(Directory).put(parse_organisation("100200", CONTOSO))
        before.get(AgentDirectory).put(parse_agent("1001", {"name": "Anna", "pin": "4711", "password": "correct horse battery",
                                               "queues": ["technical"], "languages": ["en"]}))
        before.get(TableStore).edit_entry("GB", lambda entry: {**entry, "name": "Britain"}, author="test", action="rename", expected=None)
        before.get(CallbackBook).request(sid="CA1", number="+447911123456", line="GB", queue_name="billing.en.B", language="en-GB", place=1.0)
        server.stop()
        server.start()
        after = services()
        assert after.get(Directory).get("100200").name == "Contoso"
        assert after.get(AgentDirectory).get("1001").pin_matches("4711")
        assert after.get(TableStore).current()[1].line("GB").name == "Britain"
        assert [change.action for change in after.get(TableStore).history()] == ["seeded from the table file", "rename"]
        assert [callback.number for callback in after.get(CallbackBook).outstanding()] == ["+447911123456"]
    finally:
        server.stop()
