"""The `twilio` library's REST client reaches the stand-in, as the router's does through TWILIO_API_URL.

The library has no base-URL setting (`region`/`edge` only change the host inside twilio.com);
it takes `Client(..., http_client=...)` (twilio-python README, "Use a custom HTTP client"), so
the client is pointed at the stand-in at the HTTP boundary and nothing of ours is patched.
"""
from __future__ import annotations

import time
from dataclasses import replace

import pytest
from twilio.base.exceptions import TwilioRestException

from app import create_app
from tests.conftest import CONTOSO, TWILIO_TOKEN
from tests.integration.ivr.test_twilio_player import TOKEN
from tests.integration.twilio_simulator.test_rest import (
    AGENT_LINE,
    AGENT_PHONE,
    CONFERENCE_PAGES,
    CUSTOMER,
    QUEUE_PAGES,
    World,
)
from twilio_simulator.call_transcript import DeliveredCode
from twilio_simulator.rest import TwilioRestApi
from twilio_simulator.twilio_player import (
    CallPlayer,
    Party,
    Switchboard,
    flask_transport,
)


@pytest.fixture
def here():
    world = World({**QUEUE_PAGES, **CONFERENCE_PAGES})
    yield world
    world.close()
    assert world.api.errors == []


def test_calls_create_through_the_library_rings_and_plays_the_answer_url(here):
    """client.calls.create: the library's request passes Twilio's contract; the answered leg fetches its Url."""
    here.board.engine.parties[AGENT_PHONE] = Party(answer_after=4, talk_seconds=None)
    client = here.api.client(TOKEN)
    call = client.calls.create(to=AGENT_PHONE, from_=AGENT_LINE, url=here.site + "/ivr/meet",
                               status_callback=here.site + "/ivr/status", status_callback_event=["answered", "completed"])
    assert call.sid.startswith("CA") and call.status == "queued" and call.direction == "outbound-api"
    here.api.advance(4)
    assert here.posted("/ivr/meet")[0]["CallSid"] == call.sid
    assert client.calls(call.sid).fetch().status == "in-progress"
    client.calls(call.sid).update(status="completed")
    here.api.settle()
    assert [p["CallStatus"] for p in here.posted("/ivr/status")] == ["in-progress", "completed"]


def test_a_value_outside_the_contract_raises_the_librarys_rest_exception(here):
    """Method=PUT is not in the contract's enumeration: the library raises TwilioRestException, status 400."""
    client = here.api.client(TOKEN)
    with pytest.raises(TwilioRestException) as raised:
        client.calls.create(to=AGENT_PHONE, from_=AGENT_LINE, url=here.site + "/ivr/meet", method="PUT")
    assert raised.value.status == 400 and "Method" in raised.value.msg
    with pytest.raises(TwilioRestException) as raised:
        here.api.client("a wrong token").calls("CA" + "1" * 32).fetch()
    assert raised.value.status == 401


def test_queue_members_and_participants_through_the_library(here):
    """queues().members('Front').update(url) moves the caller; participants.update(hold=True, hold_url) holds them."""
    caller = here.board.inbound(to="+448000326417", from_=CUSTOMER, party=Party(hold_cycles=None, talk_seconds=None))
    here.api.settle()
    client = here.api.client(TOKEN)
    [queue] = [q for q in client.queues.list() if q.friendly_name == "technical.en.A"]
    assert queue.current_size == 1
    member = client.queues(queue.sid).members("Front").update(url=here.site + "/ivr/meet")
    assert member.call_sid == caller.sid
    here.api.settle()
    [room] = client.conferences.list(friendly_name="room-1", status="in-progress")
    participant = client.conferences(room.sid).participants(caller.sid).update(
        hold=True, hold_url=here.site + "/ivr/hold-music")
    assert participant.hold is True
    here.api.settle()
    assert "Please hold while we check." in caller.transcript.said()


@pytest.fixture
def stand_in(settings):
    board = Switchboard(transport=lambda *args, **kwargs: (204, "", ""), auth_token=TWILIO_TOKEN,
                        base_url="http://localhost", account_sid="AC" + "5" * 32)
    api = TwilioRestApi(board, auth_token=TWILIO_TOKEN).start()
    yield api
    api.stop()


@pytest.fixture
def app(settings, redis_client, clock, stand_in):
    settings = replace(settings, twilio_account_sid=stand_in.account_sid, twilio_sms_from="+15005550006",
                       twilio_api_url=stand_in.url, delivery_timeout=2.0)
    return create_app({"settings": settings, "redis": redis_client, "clock": clock})


def test_the_routers_sms_goes_through_twilio_api_url_to_the_stand_in_and_its_code_is_keyed(client, register, stand_in):
    """TWILIO_API_URL set to the stand-in: the code SMS passes Twilio's Messages contract; the caller keys that code."""
    register("100200", **CONTOSO)
    code = DeliveredCode(lambda: [message["body"] for message in reversed(stand_in.messages)], "")
    code.start()
    transcript = CallPlayer(transport=flask_transport(client), auth_token=TWILIO_TOKEN, base_url="http://localhost",
                            to="+448000326417", from_="+447911999888", answers=["1", "1", "100200#", "1", code]).play()
    [sms] = stand_in.messages
    assert (sms["to"], sms["from"], sms["status"]) == ("+46701234567", "+15005550006", "queued")
    [sent] = [r for r in stand_in.received if r["path"].endswith("/Messages.json")]
    assert sent["status"] == 201 and set(sent["form"]) <= {"To", "From", "Body"}
    assert transcript.queue == "technical.en.A" and transcript.errors == []
    assert any("verified" in text.lower() for text in transcript.said())


def test_an_outage_or_a_slow_api_reaches_the_library_as_twilio_would_answer(here):
    """outage(): every request gets 503 and Twilio's error JSON; latency holds each answer back."""
    client = here.api.client(TOKEN)
    here.api.outage(503)
    with pytest.raises(TwilioRestException) as raised:
        client.calls.create(to=AGENT_PHONE, from_=AGENT_LINE, url=here.site + "/ivr/meet")
    assert raised.value.status == 503 and here.board.engine.legs == {}
    here.api.outage(None)
    here.api.latency = 0.3
    started = time.monotonic()
    assert client.calls.create(to=AGENT_PHONE, from_=AGENT_LINE, url=here.site + "/ivr/meet").sid.startswith("CA")
    assert time.monotonic() - started >= 0.3


def test_with_the_messages_api_down_the_caller_hears_the_text_could_not_be_sent(client, register, stand_in):
    """The code SMS meets a 503: the caller is told and offered the channels again; nothing is kept as sent."""
    register("100200", **CONTOSO)
    stand_in.outage(503)
    transcript = CallPlayer(transport=flask_transport(client), auth_token=TWILIO_TOKEN, base_url="http://localhost",
                            to="+448000326417", from_="+447911999888", answers=["1", "1", "100200#", "1"]).play()
    said = transcript.said()
    failed = said.index("We could not send the code by text message.")
    assert any("text message to the phone ending in" in text for text in said[failed + 1:])  # offered again
    assert stand_in.messages == [] and [r["status"] for r in stand_in.received] == [503]
