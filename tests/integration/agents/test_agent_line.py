"""The agent line through signed webhooks: sign-in paths and lock-out, which
caller an agent gets, the whisper, and a caller who hung up never offered."""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest

from app import create_app
from call_store.call_state import CallState, CallStore
from call_store.waiting import WaitingRoom
from tests.conftest import CONTOSO, TWILIO_TOKEN
from tests.twiml import names, parse, signed_post
from twilio_simulator.twilio_player import CallPlayer, flask_transport
from web.registry import parts_of

ADMIN = {"Authorization": "Bearer test-admin-token"}
AGENT_LINE = {"To": "+46850000000", "CallSid": "CA" + "a" * 32}
ANNA = {"name": "Anna", "pin": "4711", "password": "correct horse battery", "queues": ["technical", "billing"],
        "languages": ["sv", "en"], "phones": ["+46701112233"]}
NOW = datetime(2026, 11, 24, 9, 0, tzinfo=timezone.utc)


@pytest.fixture
def app(settings, redis_client, clock):
    return create_app({"settings": replace(settings, admin_token="test-admin-token"), "redis": redis_client, "clock": clock})


@pytest.fixture
def anna(client):
    assert client.put("/admin/api/agents/1001", json=ANNA, headers=ADMIN).status_code == 201


def post(client, path, **params):
    return parse(signed_post(client, path, {**AGENT_LINE, **params}, TWILIO_TOKEN).data)


def signed_in(client, sid="CA" + "a" * 32):
    post(client, "/ivr/agent", From="+46701112233", CallSid=sid)
    return post(client, "/ivr/agent-pin?agent=1001&attempt=1", From="+46701112233", Digits="4711", CallSid=sid)


def waiting_caller(app, clock, sid, queue, minutes_ago, **state):
    """A caller in our record as the IVR leaves them: state in Redis and a place in the queue."""
    parts = parts_of(app)
    at = clock.at
    clock.at = NOW - timedelta(minutes=minutes_ago)
    parts.get(CallStore).put(CallState(sid=sid, line="SE", queue_name=queue, status="queued", **state))
    parts.get(WaitingRoom).joined(sid, queue)
    clock.at = at


def test_a_registered_phone_is_asked_only_for_the_pin(client, anna):
    """From the agent's own phone: welcome and PIN, no agent number."""
    verbs = post(client, "/ivr/agent", From="+46701112233")
    assert verbs[0].attrs["action"] == "agent-pin?agent=1001&attempt=1&lang=en-GB"
    assert verbs[0].says() == ["Agent line.", "Enter your PIN, then the hash key."]


def test_another_phone_is_asked_for_agent_number_then_pin(client, anna):
    """From elsewhere: the agent number first; any number leads to the PIN question (nothing given away)."""
    assert post(client, "/ivr/agent", From="+15005550006")[0].attrs["action"] == "agent-id?lang=en-GB"
    assert post(client, "/ivr/agent-id", Digits="1001#")[0].attrs["action"] == "agent-pin?agent=1001&attempt=1&lang=en-GB"
    assert post(client, "/ivr/agent-id", Digits="9999#")[0].attrs["action"] == "agent-pin?agent=9999&attempt=1&lang=en-GB"


def test_the_right_pin_signs_the_agent_in(client, anna):
    """No caller waiting: the agent is told so and may wait (Swedish is Anna's first language)."""
    verbs = signed_in(client)
    assert verbs[0].attrs["action"] == "agent-wait?agent=1001&lang=sv"
    assert verbs[0].says() == ["Ingen uppringare väntar på dig. Tryck 1 för att vänta på nästa, eller lägg på."]


def test_wrong_pins_are_retried_then_the_number_trying_them_is_refused(client, anna):
    """Three wrong PINs end the call; after five from one number, that number is refused even the right PIN."""
    stranger = {"From": "+15005550006"}
    verbs = post(client, "/ivr/agent-pin?agent=1001&attempt=1", Digits="0000", **stranger)
    assert verbs[0].says()[0] == "That is not right. Please try again."
    verbs = post(client, "/ivr/agent-pin?agent=1001&attempt=3", Digits="0000", **stranger)
    assert names(verbs) == ["Say", "Hangup"]
    for _ in range(3):
        post(client, "/ivr/agent-pin?agent=1001&attempt=1", Digits="0000", **stranger)
    verbs = post(client, "/ivr/agent-pin?agent=1001&attempt=1", Digits="4711", **stranger)
    assert verbs[0].text == "Too many wrong attempts. Please try again later. Goodbye."


def test_the_next_step_needs_a_signed_in_call(client, anna):
    """A URL naming the agent is not enough: a call that never gave the PIN starts over."""
    verbs = post(client, "/ivr/agent-next?agent=1001", From="+15005550006", CallSid="CA" + "b" * 32)
    assert verbs[0].attrs["action"] == "agent-id?lang=en-GB"


def test_severity_a_jumps_the_line_then_the_longest_wait(client, anna, app, clock):
    """B waiting 20 min, A waiting 1 min, billing B waiting 30 min: A first, then billing (longest), then technical B."""
    waiting_caller(app, clock, "CA" + "1" * 32, "technical.sv.B", 20)
    waiting_caller(app, clock, "CA" + "2" * 32, "technical.sv.A", 1)
    waiting_caller(app, clock, "CA" + "3" * 32, "billing.en.B", 30)
    order = []
    for sid in ("CA" + "2" * 32, "CA" + "3" * 32, "CA" + "1" * 32):
        verbs = signed_in(client)
        order.append(verbs[-1].children[0].text)
        post(client, "/ivr/agent-whisper?agent=1001", CallSid=sid, QueueTime="60")
    assert order == ["technical.sv.A", "billing.en.B", "technical.sv.B"]


def test_agents_get_only_callers_their_skills_cover(client, app, clock):
    """A presales-only English agent is not offered a Swedish technical caller."""
    client.put("/admin/api/agents/2002", json={**ANNA, "queues": ["presales"], "languages": ["en"], "phones": ["+46702223344"]},
               headers=ADMIN)
    waiting_caller(app, clock, "CA" + "1" * 32, "technical.sv.A", 5)
    post(client, "/ivr/agent", From="+46702223344")
    verbs = post(client, "/ivr/agent-pin?agent=2002&attempt=1", From="+46702223344", Digits="4711")
    assert verbs[0].says() == ["No caller is waiting for you. Press 1 to wait for the next caller, or hang up."]


def test_the_agent_is_connected_with_dial_queue_and_a_whisper(client, anna, app, clock):
    """<Dial><Queue url=whisper>: the whisper says who is coming, in the agent's language."""
    waiting_caller(app, clock, "CA" + "1" * 32, "technical.sv.A", 3, org="100200", org_name="Contoso", verified="yes",
                   verified_by="registered-phone")
    verbs = signed_in(client)
    assert names(verbs) == ["Say", "Dial"]
    dial = verbs[1]
    assert dial.attrs == {"action": "agent-done?agent=1001", "method": "POST"}
    assert (dial.children[0].name, dial.children[0].text, dial.children[0].attrs["url"]) == (
        "Queue", "technical.sv.A", "agent-whisper?agent=1001")
    whisper = post(client, "/ivr/agent-whisper?agent=1001", CallSid="CA" + "1" * 32, QueueTime="190")
    assert [verb.text for verb in whisper] == [
        "En uppringare till teknisk support på linjen Sweden, som talar svenska.",
        "Allvarlighetsgrad A.",
        "Organisation Contoso, verifierad via sin registrerade telefon.",
        "Har väntat 3 minuter.",
    ]


def test_an_unverified_caller_is_flagged_in_the_whisper(client, app, clock):
    """An English agent hears that the caller is not verified."""
    client.put("/admin/api/agents/3003", json={**ANNA, "languages": ["en"], "phones": ["+46703334455"]}, headers=ADMIN)
    waiting_caller(app, clock, "CA" + "1" * 32, "billing.en.B", 0, verified="no")
    whisper = post(client, "/ivr/agent-whisper?agent=3003", CallSid="CA" + "1" * 32, QueueTime="20")
    assert "Not verified. Do not access any organisation's account." in [verb.text for verb in whisper]


def test_a_caller_who_hung_up_is_never_offered(client, anna, app, register):
    """A real call queues and hangs up (status callback): the agent finds nobody waiting."""
    register("100200", **CONTOSO)
    transcript = CallPlayer(transport=flask_transport(client), auth_token=TWILIO_TOKEN, base_url="http://localhost",
                            to="+46201605899", from_="+46701234567", answers=["1", "1", "1"]).play()
    assert transcript.queue == "technical.sv.A"  # the player hangs up after the hold, and posts the status callback
    verbs = signed_in(client)
    assert verbs[0].attrs["action"] == "agent-wait?agent=1001&lang=sv"


def test_a_caller_who_leaves_the_queue_is_taken_off_our_record(client, anna, app, register):
    """QueueResult=hangup for a queued caller removes them before any agent asks."""
    register("100200", **CONTOSO)
    parts = parts_of(app)
    sid = "CA" + "9" * 32
    CallPlayer(transport=flask_transport(client), auth_token=TWILIO_TOKEN, base_url="http://localhost", call_sid=sid,
               to="+46201605899", from_="+46701234567", answers=["1", "1", "1"], stay=True).play()
    assert [entry.sid for entry in parts.get(WaitingRoom).everyone()] == [sid]
    signed_post(client, "/ivr/queue-result", {"CallSid": sid, "QueueResult": "hangup", "To": "+46201605899"}, TWILIO_TOKEN)
    assert parts.get(WaitingRoom).everyone() == []


def test_waiting_for_the_next_caller_checks_every_few_seconds(client, anna):
    """Pressing 1: a short pause, then the router looks again."""
    signed_in(client)
    verbs = post(client, "/ivr/agent-wait?agent=1001", Digits="1")
    assert names(verbs) == ["Say", "Redirect"] and verbs[1].text == "agent-next?agent=1001"
    verbs = post(client, "/ivr/agent-next?agent=1001")
    assert names(verbs) == ["Pause", "Redirect"] and verbs[0].attrs["length"] == "5"


def test_the_agent_hears_the_briefing_and_the_caller_never_does(settings, redis_client, clock, register):
    """A real caller waits, Anna signs in on the agent line and is rung back: the briefing is for her ears only.

    Twilio <Queue>: its url "points to a TwiML document that will be executed on the queued caller's end"
    (https://www.twilio.com/docs/voice/twiml/queue), so the briefing is no longer there: it is the `Url` of
    the agent's own leg, placed with Calls create (https://www.twilio.com/docs/voice/api/call-resource)."""
    from tests.integration.agents.test_push_routing import ANNA as ANNA_RECORD
    from tests.integration.agents.test_push_routing import World

    register("100200", **CONTOSO)
    world = World(settings, redis_client, clock)
    try:
        world.agent("1001", ANNA_RECORD)
        caller = world.caller()
        signing_in = CallPlayer(switchboard=world.board, to=AGENT_LINE["To"], from_="+46701112233", answers=["4711#"],
                                voice_path="/ivr/agent")
        assert signing_in.play().said()[-1] == ("Du är tillgänglig. Vi ringer dig på den här telefonen när en "
                                                "uppringare väntar på dig. Hej då.")
        world.settle()
        world.advance(40)
        [anna] = world.legs_to("+46701112233")
        briefing = "Organisation Contoso, verifierad via sin registrerade telefon."
        assert briefing in anna.transcript.said()
        assert briefing not in caller.leg.transcript.said()
        assert [params for _, url, params in world.board.log if "/ivr/agent-whisper" in url] == []
    finally:
        world.close()
