"""Callbacks: asked for from the hold or at a closed queue, confirmed, stored
durably, and kept in the caller's original place in line."""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest
import redis

from app import create_app
from call_store.callbacks import CallbackBook
from call_store.waiting import WaitingRoom
from runtime.redis_connection import client_options
from tests.conftest import CONTOSO, TWILIO_TOKEN
from tests.redis_process import RedisProcess
from twilio_simulator.twilio_player import CallPlayer, flask_transport
from web.registry import parts_of


@pytest.fixture
def app(settings, redis_client, clock):
    return create_app({"settings": replace(settings, callback_after=30), "redis": redis_client, "clock": clock})


def call(client, answers, to="+448000326417", from_="+447911123456", hold_cycles=3, sid=None):
    transcript = CallPlayer(transport=flask_transport(client), auth_token=TWILIO_TOKEN, base_url="http://localhost",
                            to=to, from_=from_, answers=answers, hold_cycles=hold_cycles, call_sid=sid).play()
    assert transcript.errors == []
    return transcript


def test_after_a_while_on_hold_the_caller_may_leave_for_a_callback_that_keeps_their_place(client, app, register):
    """Offered once they have waited 30 s (configured); 1 leaves the queue, 1 confirms the caller ID; the promise follows."""
    register("100200", **CONTOSO)
    transcript = call(client, ["1", "1", "", "1", "1"])
    said = transcript.said()
    assert "To be called back instead, keeping your place in line, press 1." in said
    assert "We will call you back on the number ending in 3 4 5 6. Press 1 to confirm, or 2 to give another number." in said
    assert "Thank you. We will call you back on the number ending in 3 4 5 6, in your place in line." in said
    assert "For severity A, our first response is within one hour." in said
    assert any(event.kind == "leave" for event in transcript.events)
    [callback] = parts_of(app).get(CallbackBook).outstanding()
    assert (callback.number, callback.queue_name, callback.org, callback.verified) == ("+447911123456", "technical.en.A", "100200", "yes")
    assert parts_of(app).get(WaitingRoom).everyone() == []


def test_the_first_hold_cycle_makes_no_offer(client, register):
    """Before the configured wait, the hold says where the caller is and plays music only."""
    register("100200", **CONTOSO)
    transcript = call(client, ["1", "1"], hold_cycles=1)
    assert not any("called back" in text for text in transcript.said())


def test_a_closed_queue_offers_a_callback_to_another_number_when_it_opens(client, app, clock):
    """Friday evening in Sweden: billing closed; 2 asks for a callback; a national number is keyed and checked."""
    clock.at = datetime(2026, 11, 27, 17, 30, tzinfo=timezone.utc)
    transcript = call(client, ["1", "2", "2", "2", "0701234567#"], to="+46201605899", from_="+46709999999")
    said = transcript.said()
    assert "Tryck 2 för att bli uppringd när fakturasupport öppnar." in said
    assert "Fakturasupport är stängd nu; vi ringer dig när den öppnar." in said
    [callback] = parts_of(app).get(CallbackBook).outstanding()
    assert (callback.number, callback.queue_name, callback.language) == ("+46701234567", "billing.en.B", "sv-SE")


def test_an_invalid_callback_number_is_asked_for_again(client, clock):
    """A keyed number phonenumbers rejects: said so, asked again."""
    clock.at = datetime(2026, 11, 28, 12, 0, tzinfo=timezone.utc)
    transcript = call(client, ["2", "2", "2", "123#", "07911123456#"])
    assert "That number is not valid." in transcript.said()
    assert "Thank you. We will call you back on the number ending in 3 4 5 6, in your place in line." in transcript.said()


def test_callbacks_are_served_in_the_order_callers_first_queued(app, clock):
    """Asked later but queued earlier comes first; severity A before both."""
    book = parts_of(app).get(CallbackBook)
    base = datetime(2026, 11, 24, 9, 0, tzinfo=timezone.utc).timestamp()
    common = {"line": "GB", "language": "en-GB"}  # three callers, three numbers (a number's open callbacks are capped)
    clock.at = datetime(2026, 11, 24, 9, 30, tzinfo=timezone.utc)
    early = book.request(sid="CA1", number="+447911123456", queue_name="billing.en.B", place=base, **common)
    clock.at = datetime(2026, 11, 24, 9, 20, tzinfo=timezone.utc)
    late = book.request(sid="CA2", number="+447911123457", queue_name="billing.en.B", place=base + 600, **common)
    urgent = book.request(sid="CA3", number="+447911123458", queue_name="technical.en.A", place=base + 900, **common)
    assert [callback.id for callback in book.outstanding()] == [urgent.id, early.id, late.id]


def test_a_callback_is_claimed_once_and_closed(app):
    """Two agents claim: one wins; closing takes it off the list."""
    book = parts_of(app).get(CallbackBook)
    callback = book.request(sid="CA1", number="+447911123456", line="GB", queue_name="billing.en.B", language="en-GB", place=0)
    assert book.claim(callback.id, "1001") is True
    assert book.claim(callback.id, "2002") is False
    assert book.close(callback.id, "2002") is False
    assert book.close(callback.id, "1001") is True
    assert book.outstanding() == []


def test_callback_requests_survive_a_redis_restart(tmp_path, clock):
    """Persistence on (append-only): stop Redis, start it again, the request is still there."""
    server = RedisProcess(tmp_path / "redis").start()
    try:
        book = CallbackBook(redis.Redis.from_url(server.url, **client_options(1.0)), clock)
        callback = book.request(sid="CA1", number="+447911123456", line="GB", queue_name="billing.en.B",
                                language="en-GB", place=clock.at.timestamp() - timedelta(minutes=7).total_seconds())
        server.stop()
        server.start()
        again = CallbackBook(redis.Redis.from_url(server.url, **client_options(1.0)), clock)
        assert [(cb.id, cb.number, cb.place) for cb in again.outstanding()] == [(callback.id, callback.number, callback.place)]
    finally:
        server.stop()
