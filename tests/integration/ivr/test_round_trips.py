"""No caller's webhook waits on more than two Redis round trips: one to read the
call (with what its step needs), one to write what the step decided.

Round trips are counted on the wire, at the connection, for the thread that
serves the webhook (a code's delivery runs in its own thread, as it does in
production, and is not the caller's wait)."""
from __future__ import annotations

import re
import threading
from collections import Counter
from dataclasses import replace
from datetime import datetime, timezone

import pytest
import redis
from redis.connection import UnixDomainSocketConnection

from app import create_app
from call_store.call_state import CallStore
from call_store.waiting import WaitingRoom
from tests.conftest import CONTOSO, TWILIO_TOKEN
from tests.twiml import script, signed_post
from twilio_simulator.twilio_player import CallPlayer, flask_transport
from verification.service import Verifier
from web.registry import parts_of
from workforce.directory import AgentDirectory

MOST = 2
SENT = Counter()  # round trips per thread


class CountingConnection(UnixDomainSocketConnection):
    """A real connection that counts what it sends: one send is one round trip (a pipeline is one send)."""

    def send_packed_command(self, command, check_health=True):
        SENT[threading.get_ident()] += 1
        return super().send_packed_command(command, check_health)


@pytest.fixture
def counted_app(settings, redis_server, redis_client, clock, smtp_inbox):
    pool = redis.ConnectionPool(connection_class=CountingConnection, path=str(redis_server.socket),
                                socket_timeout=0.5, decode_responses=True)
    settings = replace(settings, callback_after=30, smtp_host="127.0.0.1", smtp_port=smtp_inbox.port, smtp_from="support@router.test")
    application = create_app({"settings": settings, "redis": redis.Redis(connection_pool=pool), "clock": clock})
    application.test_client().get("/readyz")  # a connection, and the code secret every process fetches once,
    parts_of(application).get(Verifier).codes.check("0", "0")  # before counting starts
    return application


def play(app, answers, to="+448000326417", from_="+447911123456", hold_cycles=1):
    """The call as Twilio plays it; each webhook with the round trips its thread made."""
    send = flask_transport(app.test_client())
    counted: list[tuple[str, int]] = []

    def transport(url, params, headers, method="POST"):
        before = SENT[threading.get_ident()]
        reply = send(url, params, headers, method)
        counted.append((url.removeprefix("http://localhost"), SENT[threading.get_ident()] - before))
        return reply

    transcript = CallPlayer(transport=transport, auth_token=TWILIO_TOKEN, base_url="http://localhost", to=to, from_=from_,
                            answers=answers, hold_cycles=hold_cycles).play()
    assert transcript.errors == []
    return transcript, counted


def assert_at_most_two(counted):
    over = [(path, trips) for path, trips in counted if trips > MOST]
    assert not over, f"webhooks over {MOST} round trips: {over}"


def test_a_registered_caller_to_the_technical_queue(counted_app, register):
    register("100200", **CONTOSO)
    transcript, counted = play(counted_app, ["1", "2"], hold_cycles=2)
    assert transcript.queue == "technical.en.B"
    assert [path.split("?")[0] for path, _ in counted] == ["/ivr/voice", "/ivr/menu", "/ivr/severity", "/ivr/hold", "/ivr/hold",
                                                   "/ivr/queue-result", "/ivr/status"]
    assert_at_most_two(counted)


def test_twilio_reporting_the_queue_result(counted_app, register):
    register("100200", **CONTOSO)
    transcript, _ = play(counted_app, ["1", "2"], hold_cycles=0)
    params = {"CallSid": transcript.requests[0][1]["CallSid"], "To": "+448000326417", "From": "+447911123456", "QueueResult": "bridged"}
    before = SENT[threading.get_ident()]
    assert signed_post(counted_app.test_client(), "/ivr/queue-result", params, TWILIO_TOKEN).status_code == 200
    assert SENT[threading.get_ident()] - before <= MOST


def test_a_caller_verified_by_a_code(counted_app, register, smtp_inbox):
    register("100200", **CONTOSO)

    def code():
        return re.search(r"\b(\d{6})\b", smtp_inbox.messages[-1].get_content()).group(1)

    transcript, counted = play(counted_app, script("2", "100200#", "3", "000000", code), from_="+447912999888")
    assert transcript.queue == "billing.en.B"
    assert any(path.startswith("/ivr/verify-code") for path, _ in counted)
    assert_at_most_two(counted)


def test_a_caller_choosing_among_organisations_and_a_language(counted_app, register):
    register("100200", **{**CONTOSO, "registered_phones": ["+46701234567"]})
    register("300400", **{**CONTOSO, "name": "Fabrikam", "registered_phones": ["+46701234567"]})
    transcript, counted = play(counted_app, ["2", "1", "2", "1"], to="+46201605899", from_="+46701234567")
    assert transcript.queue == "technical.en.B"
    assert [path.split("?")[0] for path, _ in counted][:5] == ["/ivr/voice", "/ivr/language", "/ivr/menu", "/ivr/severity", "/ivr/verify-pick"]
    assert_at_most_two(counted)


def test_a_callback_from_the_hold_and_one_at_a_closed_queue(counted_app, register, clock):
    register("100200", **CONTOSO)
    _, counted = play(counted_app, ["1", "1", "", "1", "1"], hold_cycles=3)
    assert any(path.startswith("/ivr/callback-confirm") for path, _ in counted)
    assert_at_most_two(counted)
    clock.at = datetime(2026, 11, 27, 17, 30, tzinfo=timezone.utc)  # Friday evening in Sweden: billing closed
    _, counted = play(counted_app, ["1", "2", "2", "2", "0701234567#"], to="+46201605899", from_="+46709999999")
    assert any(path.startswith("/ivr/callback-number") for path, _ in counted)
    assert_at_most_two(counted)


def test_the_agent_line(counted_app):
    """Sign-in by PIN, waiting for a caller, the whisper and the next caller: each in at most two round trips."""
    from workforce.model import parse_agent

    parts_of(counted_app).get(AgentDirectory).put(parse_agent("1001", {
        "name": "Anna", "pin": "4711", "password": "correct horse battery", "queues": ["technical"], "languages": ["en"],
        "phones": ["+46701112233"]}))
    from call_store.call_state import CallState

    parts, caller = parts_of(counted_app), "CA" + "c" * 32
    parts.get(CallStore).put(CallState(sid=caller, line="GB", queue_name="technical.en.B", status="queued", org_name="Contoso",
                                 verified="yes", verified_by="registered-phone"))
    parts.get(WaitingRoom).joined(caller, "technical.en.B")
    client = counted_app.test_client()
    agent = {"To": "+46850000000", "From": "+46701112233", "CallSid": "CA" + "a" * 32}
    steps = [("/ivr/agent", {}), ("/ivr/agent-pin?agent=1001&attempt=1", {"Digits": "0000#"}),
             ("/ivr/agent-pin?agent=1001&attempt=2", {"Digits": "4711#"}),
             ("/ivr/agent-whisper?agent=1001", {"CallSid": caller, "QueueTime": "30"}),
             ("/ivr/agent-done?agent=1001", {}), ("/ivr/agent-next?agent=1001", {}), ("/ivr/agent-wait?agent=1001", {"Digits": "1"})]
    counted, bodies = [], []
    for path, extra in steps:
        before = SENT[threading.get_ident()]
        bodies.append(signed_post(client, path, {**agent, **extra}, TWILIO_TOKEN).get_data(as_text=True))
        counted.append((path, SENT[threading.get_ident()] - before))
    assert "<Queue" in bodies[2] and "Contoso" in bodies[3] and "<Pause" in bodies[5]
    assert_at_most_two(counted)


def test_the_push_routed_meeting(settings, redis_server, redis_client, clock, register):
    """Pushed to an agent: the caller's hold, the agent's briefing, key and status, the conference events and the
    caller's way into the room, each in at most two round trips (the offer itself is the dispatch thread's)."""
    from tests.integration.agents.test_push_routing import ANNA, World

    pool = redis.ConnectionPool(connection_class=CountingConnection, path=str(redis_server.socket),
                                socket_timeout=0.5, decode_responses=True)
    counted: list[tuple[str, int]] = []

    def wrap(send):
        def transport(url, params, headers, method="POST"):
            before = SENT[threading.get_ident()]
            reply = send(url, params, headers, method)
            counted.append((url.removeprefix("http://localhost"), SENT[threading.get_ident()] - before))
            return reply
        return transport

    register("100200", **CONTOSO)
    world = World(settings, redis.Redis(connection_pool=pool), clock, wrap=wrap)
    try:
        world.agent("1001", ANNA, talk_seconds=20)
        world.caller()
        world.available("1001")
        world.advance(60)
    finally:
        world.close()
    paths = {path.split("?")[0] for path, _ in counted}
    assert {"/ivr/briefing", "/ivr/accept", "/ivr/conference", "/ivr/meet", "/ivr/offer-status", "/ivr/hold"} <= paths
    assert_at_most_two(counted)


def test_a_transferred_caller_back_into_a_queue_and_a_held_caller(counted_app):
    """The cold transfer's /ivr/requeue and the HoldUrl's /ivr/on-hold: at most two round trips each."""
    from call_store.call_state import CallState

    from countries.store import TableStore

    caller, parts = "CA" + "d" * 32, parts_of(counted_app)
    version = parts.get(TableStore).current()[0]  # as the call began: the table version it was answered with
    parts.get(CallStore).put(CallState(
        sid=caller, line="SE", language="sv-SE", queue_name="technical.sv.A", status="connected", agent="1001",
        verified="yes", org_name="Contoso", table_version=version))
    client = counted_app.test_client()
    for path in ("/ivr/requeue?queue=billing", "/ivr/on-hold?lang=sv-SE"):
        before = SENT[threading.get_ident()]
        response = signed_post(client, path, {"CallSid": caller, "To": "+46201605899", "From": "+46701234567"},
                               TWILIO_TOKEN)
        assert response.status_code == 200 and b"<Response>" in response.data
        assert SENT[threading.get_ident()] - before <= MOST, path
    assert parts_of(counted_app).get(CallStore).get(caller).queue_name.kind.value == "billing"
